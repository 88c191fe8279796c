// Lucene 8 peer of scripts/eval.py: what a team gets from Lucene (and Elasticsearch) defaults.
//
//   java -cp CLASSES:lucene-core.jar:lucene-queryparser.jar EvalLucene DOCS_TSV QUERIES_TSV RUN_OUT K
//
// DOCS_TSV: "doc_id<TAB>text" lines; QUERIES_TSV: "qid<TAB>query" lines; RUN_OUT: "qid<TAB>rank<TAB>doc_id".
// Index: StandardAnalyzer (UAX#29 tokenizer + lower case, no stop words in Lucene 8), BM25Similarity
// (k1 = 1.2, b = 0.75), one field "text", in memory, merged into one segment so that ties break in input
// order. Query: the classic QueryParser on the escaped query, default operator OR. eval.py compiles this
// file into the build directory at run time.

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;

import org.apache.lucene.analysis.Analyzer;
import org.apache.lucene.analysis.standard.StandardAnalyzer;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.TextField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.queryparser.classic.ParseException;
import org.apache.lucene.queryparser.classic.QueryParser;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.similarities.BM25Similarity;
import org.apache.lucene.store.ByteBuffersDirectory;
import org.apache.lucene.store.Directory;

public class EvalLucene {
    public static void main(String[] args) throws Exception {
        if (args.length != 4) {
            System.err.println("usage: EvalLucene DOCS_TSV QUERIES_TSV RUN_OUT K");
            System.exit(2);
        }
        Analyzer analyzer = new StandardAnalyzer();
        BM25Similarity similarity = new BM25Similarity(1.2f, 0.75f);
        try (Directory dir = new ByteBuffersDirectory()) {
            index(dir, analyzer, similarity, args[0]);
            search(dir, analyzer, similarity, args[1], args[2], Integer.parseInt(args[3]));
        }
    }

    static void index(Directory dir, Analyzer analyzer, BM25Similarity similarity, String docsPath) throws Exception {
        IndexWriterConfig cfg = new IndexWriterConfig(analyzer).setSimilarity(similarity);
        try (IndexWriter w = new IndexWriter(dir, cfg);
             BufferedReader r = Files.newBufferedReader(Paths.get(docsPath), StandardCharsets.UTF_8)) {
            for (String line; (line = r.readLine()) != null; ) {
                int tab = line.indexOf('\t');
                if (tab < 0) continue;
                Document d = new Document();
                d.add(new StoredField("id", line.substring(0, tab)));
                d.add(new TextField("text", line.substring(tab + 1), Field.Store.NO));
                w.addDocument(d);
            }
            w.forceMerge(1);
        }
    }

    static void search(Directory dir, Analyzer analyzer, BM25Similarity similarity, String queriesPath,
                       String runPath, int k) throws Exception {
        int parseErrors = 0;
        try (DirectoryReader reader = DirectoryReader.open(dir);
             BufferedReader qr = Files.newBufferedReader(Paths.get(queriesPath), StandardCharsets.UTF_8);
             BufferedWriter out = Files.newBufferedWriter(Paths.get(runPath), StandardCharsets.UTF_8)) {
            IndexSearcher searcher = new IndexSearcher(reader);
            searcher.setSimilarity(similarity);
            QueryParser parser = new QueryParser("text", analyzer);  // default operator: OR
            for (String line; (line = qr.readLine()) != null; ) {
                int tab = line.indexOf('\t');
                if (tab < 0) continue;
                String qid = line.substring(0, tab);
                Query q;
                try {
                    q = parser.parse(QueryParser.escape(line.substring(tab + 1)));
                } catch (ParseException | RuntimeException e) {
                    parseErrors++;  // an empty or all-stop-word query: no results, like the other peers
                    continue;
                }
                int rank = 1;
                for (ScoreDoc sd : searcher.search(q, k).scoreDocs) {
                    out.write(qid + "\t" + rank++ + "\t" + searcher.doc(sd.doc).get("id") + "\n");
                }
            }
        }
        if (parseErrors > 0) System.err.println("lucene: " + parseErrors + " queries could not be parsed");
    }
}

"""The engines scripts/eval.py compares: errkb over HTTP, and three peers on the same items.

  errkb search     GET /v1/search: doc ids of the hits, de-duplicated in order
  errkb diagnose   POST /v1/diagnose: doc ids of the causes' evidence, in cause order
  sqlite-fts5      default unicode61 tokenizer, bm25(), the query's whitespace tokens quoted and OR-ed
  xapian-default   TermGenerator / QueryParser, English stemmer, STEM_SOME, default flags, OR, BM25
  lucene-bm25      Lucene 8 StandardAnalyzer, BM25 (k1 1.2, b 0.75), classic QueryParser, escaped query, OR

The peers are configured as ../shared/devkb/baselines configures them, and each indexes one row per
item: its doc id and "title + all text" as eval_kb.py reads it (whitespace collapsed).
"""
import glob
import importlib.util
import json
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

from eval_metrics import K, dedupe

CONFIRMING_COVERAGE = 0.2  # lib/rank/calibration.h kConfirmingCoverage
NO_ANSWER_CONFIDENCE = 0.3  # the abstention rule of an errkb whose answers have no `answered`
DIAGNOSE_CAUSES = 10         # causes asked of /v1/diagnose (cause-MRR@10)
# rank::AnswerFeatures (lib/rank/calibration.h), read from an answer as the engine reads them: the top
# cause's why parts divided by their weights (lib/rank/ranking.h), the score gap, two flags.
FEATURES = ("code", "coverage", "title", "phrase", "gap", "general", "catalogue_only", "has_code",
            "code_missing", "guessed_meaning", "unknown", "words_missed", "relative")
WHY_WEIGHTS = {"code": ("exact_code", 3.0), "coverage": ("symptoms", 0.5), "relative": ("word_weight", 0.5),
               "title": ("title", 0.3), "phrase": ("phrase", 0.3)}
# What must never show in an answer: a section label in a title or a question, binary noise in a number,
# markup in a code's raw text, an empty string.
LEAK_LABEL = re.compile(r"^\s*(cause|causes|causa|cauza|cauză|причина|reason|root cause)\s*\d+\s*[:.\-–—)]",
                        re.IGNORECASE)
LEAK_NUMBER = re.compile(r"-?\d+\.\d{5,}")
# Passages asked of /v1/search: several passages of one page share a doc id, and the top 10 docs
# are scored, as for the peers.
SEARCH_PASSAGES = 50
LUCENE_JAR_DIR = os.environ.get("LUCENE_JAR_DIR", "/usr/share/java")


def answer_features(causes, codes, unknown_words):
    """lib/rank/calibration.cc's features of an answer; `codes`: the codes the answer read in the query,
    `unknown_words`: the query's words the KB lacks, as the answer lists them."""
    if not causes:
        return None
    top = causes[0]
    why = {w.get("factor"): w.get("value", 0.0) for w in top.get("why") or []}
    f = {name: why.get(factor, 0.0) / weight for name, (factor, weight) in WHY_WEIGHTS.items()}
    second = causes[1].get("score", 0.0) if len(causes) > 1 else 0.0
    f["gap"] = min(3.0, max(0.0, top.get("score", 0.0) - second))
    f["general"] = 1.0 if "focus" in why else 0.0
    f["catalogue_only"] = 1.0 if top.get("catalogue_only") else 0.0
    f["has_code"] = 1.0 if codes else 0.0
    f["code_missing"] = 1.0 if codes and f["code"] <= 0 else 0.0
    certain = {r.get("canonical") for occ in codes or [] for r in occ.get("interpretations") or [] if r.get("certain")}
    guessed = (top.get("catalogue_only") and codes and not certain.intersection(top.get("codes") or [])
               and f["coverage"] < CONFIRMING_COVERAGE)
    f["guessed_meaning"] = 1.0 if guessed else 0.0
    f["unknown"] = min(len(unknown_words or []), 2) / 2
    f["words_missed"] = 0.0 if f["code"] > 0 else max(0.0, 1.0 - f["coverage"])
    return [f[name] for name in FEATURES]


def numbers_in(value):
    """The numbers errkb wrote in a JSON answer (not those quoted in its strings: KB text has its own)."""
    if isinstance(value, dict):
        for v in value.values():
            yield from numbers_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from numbers_in(v)
    elif isinstance(value, float):
        yield value


def leaks_in(body, text):
    """The raw-text leaks of one /v1/diagnose answer, as short descriptions."""
    out = []
    for c in body.get("causes") or []:
        if LEAK_LABEL.match(c.get("title", "")):
            out.append("cause title with its label: %r" % c["title"][:60])
    for q in body.get("ask") or []:
        for field in ("question", "reason"):
            if LEAK_LABEL.search(q.get(field, "")) or "confirms or rules out" in q.get(field, ""):
                out.append("question %s with a label: %r" % (field, q[field][:60]))
    for occ in body.get("codes") or []:
        if re.search(r"[<>]", occ.get("raw", "")):
            out.append("code raw with markup: %r" % occ["raw"][:60])
    noisy = [n for n in numbers_in(body) if LEAK_NUMBER.fullmatch(repr(n))]
    if noisy:
        out.append("number with binary noise: %r" % noisy[0])
    if re.search(r'":\s*""', text):
        out.append("empty string value")
    return out


def item_text(item):
    return " ".join((item["title"] + "\n" + item["text"]).split())


# ---- errkb ---------------------------------------------------------------------------------------
def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_text(method, url, body=None, timeout=30):
    """-> (status, parsed JSON or None, response text)"""
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json"} if data else {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            text = r.read().decode()
            return r.status, json.loads(text or "null"), text
    except urllib.error.HTTPError as e:
        try:
            text = e.read().decode()
            return e.code, json.loads(text or "null"), text
        except ValueError:
            return e.code, None, ""
    except (urllib.error.URLError, OSError, ValueError):
        return None, None, ""


def http(method, url, body=None, timeout=30):
    """-> (status, parsed JSON or None)"""
    status, parsed, _ = http_text(method, url, body, timeout)
    return status, parsed


class Errkb:
    """Indexes the KB folders into WORK/index and serves them on a free loopback port."""

    def __init__(self, build_dir, kbs, work):
        index = os.path.join(work, "index")
        self.index_summary, self.rejected = self._index(build_dir, kbs, index)
        self.base = "http://127.0.0.1:%d" % free_port()
        args = [os.path.join(build_dir, "errkb-server"), "--index", index, "--listen", self.base[len("http://"):],
                "--feedback-db", os.path.join(work, "feedback.db"), "--threads", "2"]
        for kb in kbs:
            args += ["--kb", kb]
        self.log = open(os.path.join(work, "server.log"), "w")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        self._wait_healthy()

    @staticmethod
    def _index(build_dir, kbs, index):
        cmd = [os.path.join(build_dir, "errkb-indexer"), "rebuild", "--quiet", "--index", index]
        for kb in kbs:
            cmd += ["--kb", kb]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode > 1:  # 1 = some inputs rejected, the rest indexed
            sys.exit("eval: errkb-indexer failed (%d): %s%s" % (p.returncode, p.stdout, p.stderr))
        return p.stdout.strip(), [l for l in p.stderr.splitlines() if l.strip()]

    def _wait_healthy(self):
        deadline = time.time() + 30
        while http("GET", self.base + "/healthz", timeout=2)[0] != 200:
            if self.proc.poll() is not None:
                sys.exit("eval: errkb-server exited (%s); see %s" % (self.proc.returncode, self.log.name))
            if time.time() > deadline:
                self.stop()
                sys.exit("eval: errkb-server did not become healthy in 30 s")
            time.sleep(0.1)

    def search(self, q):
        """-> (doc ids, abstained, error or None)"""
        params = {"q": q["query"], "limit": str(SEARCH_PASSAGES)}
        if q["vendor"]:
            params["vendor"] = q["vendor"]
        st, body = http("GET", self.base + "/v1/search?" + urllib.parse.urlencode(params))
        if st != 200 or not isinstance(body, dict):
            return [], True, "HTTP %s" % st
        ids = dedupe(h.get("doc_id", "") for h in body.get("hits", []))
        return ids, not ids, None

    def diagnose(self, q):
        """-> {"ids", "abstained", "top_confidence", "top_ids", "cause_ids", "cause_docs", "answered", "ask",
               "features", "leaks", "error"}"""
        req = {"text": q["query"], "limit": DIAGNOSE_CAUSES, "reply": True}
        if q["vendor"]:
            req["vendor"] = q["vendor"]
        if q["lang"]:
            req["language"] = q["lang"]
        st, body, text = http_text("POST", self.base + "/v1/diagnose", req)
        if st != 200 or not isinstance(body, dict):
            return {"ids": [], "abstained": True, "top_confidence": None, "top_ids": [], "cause_ids": [],
                    "cause_docs": [], "answered": False, "ask": [], "features": None, "leaks": [],
                    "error": "HTTP %s" % st}
        causes = body.get("causes") or []
        top_conf = causes[0].get("confidence", 0.0) if causes else None
        answered = body.get("answered")
        if answered is None:  # an errkb from before the explicit state
            answered = bool(causes) and (top_conf or 0.0) >= NO_ANSWER_CONFIDENCE
        return {"ids": dedupe(e.get("doc_id", "") for c in causes for e in (c.get("evidence") or [])),
                "abstained": not answered,
                "top_confidence": top_conf,
                "top_ids": dedupe(e.get("doc_id", "") for e in (causes[0].get("evidence") or [])) if causes else [],
                "cause_ids": [c.get("id", "") for c in causes],
                "cause_docs": [((c.get("evidence") or [{}])[0]).get("doc_id", "") for c in causes],
                "answered": answered, "ask": body.get("ask") or [],
                "features": answer_features(causes, body.get("codes"), body.get("unknown_words")), "leaks": leaks_in(body, text), "error": None}

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


# ---- peers: each search_all(queries) -> {qid: [doc ids]} ------------------------------------------
class Fts5:
    name = "sqlite-fts5"

    def __init__(self, items, work):
        self.con = sqlite3.connect(":memory:")
        self.con.execute("CREATE VIRTUAL TABLE docs USING fts5(doc_id UNINDEXED, text)")
        with self.con:
            self.con.executemany("INSERT INTO docs VALUES (?, ?)", ((i["id"], item_text(i)) for i in items))

    @staticmethod
    def match_expression(query):
        # Quoting each token keeps punctuation from being read as FTS5 syntax.
        return " OR ".join('"%s"' % t.replace('"', '""') for t in query.split())

    def search(self, query):
        expr = self.match_expression(query)
        if not expr:
            return []
        sql = "SELECT doc_id FROM docs WHERE docs MATCH ? ORDER BY bm25(docs), doc_id LIMIT ?"
        try:
            return dedupe(r[0] for r in self.con.execute(sql, (expr, K)))
        except sqlite3.Error:
            return []

    def search_all(self, queries):
        return {q["qid"]: self.search(q["query"]) for q in queries}


class XapianDefault:
    name = "xapian-default"

    def __init__(self, items, work):
        import xapian
        self.x = xapian
        self.db = xapian.WritableDatabase(os.path.join(work, "xapian-default"), xapian.DB_CREATE_OR_OVERWRITE)
        tg = xapian.TermGenerator()
        tg.set_stemmer(xapian.Stem("english"))
        for it in items:
            doc = xapian.Document()
            tg.set_document(doc)
            tg.index_text(item_text(it))
            doc.set_data(it["id"])
            self.db.add_document(doc)
        self.db.commit()
        self.qp = xapian.QueryParser()
        self.qp.set_stemmer(xapian.Stem("english"))
        self.qp.set_stemming_strategy(xapian.QueryParser.STEM_SOME)
        self.qp.set_database(self.db)

    def parse(self, query):
        try:
            return self.qp.parse_query(query)
        except self.x.QueryParserError:  # e.g. a stray quote or bracket: parse it as plain words
            qp = self.x.QueryParser
            return self.qp.parse_query(query, qp.FLAG_DEFAULT & ~(qp.FLAG_BOOLEAN | qp.FLAG_PHRASE))

    def search(self, query):
        enq = self.x.Enquire(self.db)
        enq.set_weighting_scheme(self.x.BM25Weight())
        enq.set_query(self.parse(query))
        return dedupe(m.document.get_data().decode() for m in enq.get_mset(0, K))

    def search_all(self, queries):
        return {q["qid"]: self.search(q["query"]) for q in queries}


def lucene_classpath():
    jars = [sorted(glob.glob(os.path.join(LUCENE_JAR_DIR, "lucene-%s*.jar" % m))) for m in ("core", "queryparser")]
    return ":".join(j[-1] for j in jars) if all(jars) else None


def lucene_missing():
    """Why the Lucene peer cannot run here, or None."""
    if not shutil.which("javac") or not shutil.which("java"):
        return "javac/java missing (apt-get install -y default-jdk-headless)"
    if not lucene_classpath():
        return "no lucene-core/lucene-queryparser jar in %s (apt-get install -y liblucene8-java)" % LUCENE_JAR_DIR
    return None


class Lucene:
    """Compiles scripts/EvalLucene.java into the build directory once, then runs it on all queries at once."""
    name = "lucene-bm25"
    source = os.path.join(os.path.dirname(os.path.abspath(__file__)), "EvalLucene.java")

    def __init__(self, items, work, classes_dir):
        self.work, self.classes = work, classes_dir
        self.cp = lucene_classpath()
        self._compile()
        self.docs = os.path.join(work, "lucene-docs.tsv")
        with open(self.docs, "w", encoding="utf-8") as f:
            for it in items:
                f.write("%s\t%s\n" % (it["id"], item_text(it)))

    def _compile(self):
        target = os.path.join(self.classes, "EvalLucene.class")
        if os.path.exists(target) and os.path.getmtime(target) >= os.path.getmtime(self.source):
            return
        os.makedirs(self.classes, exist_ok=True)
        subprocess.run(["javac", "-nowarn", "-encoding", "UTF-8", "-cp", self.cp, "-d", self.classes, self.source],
                       check=True)

    def search_all(self, queries):
        qpath, run = os.path.join(self.work, "lucene-queries.tsv"), os.path.join(self.work, "lucene.run")
        with open(qpath, "w", encoding="utf-8") as f:
            for q in queries:
                f.write("%s\t%s\n" % (q["qid"], " ".join(q["query"].split())))
        subprocess.run(["java", "-Xmx2g", "-cp", self.classes + ":" + self.cp, "EvalLucene", self.docs, qpath, run,
                        str(K)], check=True)
        out = {q["qid"]: [] for q in queries}
        with open(run, encoding="utf-8") as f:
            for line in f:
                qid, _, doc = line.rstrip("\n").split("\t")
                out[qid].append(doc)  # written in rank order
        return out


def peers_missing():
    """What keeps the peers from running here: a list of reasons, empty when they can run."""
    reasons = []
    if importlib.util.find_spec("xapian") is None:
        reasons.append("python3-xapian missing (apt-get install -y python3-xapian)")
    return reasons + [r for r in [lucene_missing()] if r]


def make_peers(items, work, lucene_classes):
    items = sorted(items, key=lambda i: i["id"])  # ties break by doc id, as in devkb's baselines
    return [Fts5(items, work), XapianDefault(items, work), Lucene(items, work, lucene_classes)]

#!/usr/bin/env python3
"""Ranking-quality evaluation of errkb beside two baselines on the same content, in one run.

    eval.py --build-dir DIR --kb DIR [--kb DIR ...] --out DIR [--queries-dir DIR] [--guard FILE]
            [--baseline FILE] [--tolerance 0.02]

Indexes the KB folders with errkb-indexer, starts errkb-server on a free loopback port and runs
every labelled query (tests/eval/queries/*.tsv: type, query, vendor, lang, relevant, note) through
  errkb /v1/search       doc ids of the hits, de-duplicated in order
  errkb /v1/diagnose     doc ids of the causes' evidence, in cause order (top cause = first cause)
  SQLite FTS5            default unicode61 tokenizer, bm25, an OR of the query's words
  Xapian                 default TermGenerator / QueryParser, English stemmer, default OR
The baselines index one row per source item (doc id, title, all text; eval_kb.py).

Metrics per query type and overall: hit@1, MRR@10, nDCG@10 (binary gains), recall@10. A no-answer
query (no relevant ids) scores 1 on all four when the engine abstains and 0 otherwise: errkb search
abstains with no hits, errkb diagnose with no cause or a top cause below 0.3 confidence, a
baseline with no hits. For diagnose also: the share of answerable queries whose top cause is right,
and calibration (top-cause confidence buckets against the share right).

Writes OUT/eval-results.json and OUT/eval-results.md and prints the Markdown table. With --guard
FILE it keeps only the queries listed there (tests/eval/guard.txt); with --baseline FILE it compares
errkb search's overall MRR@10 with the committed value and exits 1 when it is more than --tolerance
below (or when requests to errkb failed).
"""
import argparse
import csv
import glob
import json
import math
import os
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import eval_kb  # noqa: E402

K = 10
TYPES = ["code-exact", "code-variant", "code-ambiguous", "code+symptom", "symptom-only", "cross-language",
         "no-answer"]
NO_ANSWER_CONFIDENCE = 0.3


# ---- queries -------------------------------------------------------------------------------------
def load_queries(qdir, guard_file=None):
    qs = []
    for path in sorted(glob.glob(os.path.join(qdir, "*.tsv"))):
        with open(path, encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
                if not row.get("query"):
                    continue
                rel = [r.strip() for r in (row.get("relevant") or "").split("|") if r.strip()]
                qs.append({"file": os.path.basename(path), "type": (row.get("type") or "").strip(),
                           "query": row["query"], "vendor": (row.get("vendor") or "").strip(),
                           "lang": (row.get("lang") or "").strip(), "relevant": rel})
    if guard_file:
        keep = set()
        with open(guard_file, encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if line and not line.startswith("#"):
                    keep.add(line)
        qs = [q for q in qs if q["query"] in keep]
    return qs


# ---- metrics -------------------------------------------------------------------------------------
def dedupe(ids):
    seen, out = set(), []
    for i in ids:
        if i and i not in seen:
            seen.add(i)
            out.append(i)
    return out


def score(ranked, relevant, abstained):
    if not relevant:
        s = 1.0 if abstained else 0.0
        return {"hit@1": s, "mrr@10": s, "ndcg@10": s, "recall@10": s}
    top = ranked[:K]
    rel = set(relevant)
    rr = 0.0
    for i, d in enumerate(top):
        if d in rel:
            rr = 1.0 / (i + 1)
            break
    dcg = sum(1.0 / math.log2(i + 2) for i, d in enumerate(top) if d in rel)
    idcg = sum(1.0 / math.log2(i + 2) for i in range(min(len(rel), K)))
    return {"hit@1": 1.0 if top and top[0] in rel else 0.0, "mrr@10": rr, "ndcg@10": dcg / idcg,
            "recall@10": len(rel.intersection(top)) / len(rel)}


def aggregate(rows):
    out = {}
    groups = {}
    for r in rows:
        groups.setdefault(r["type"], []).append(r)
    groups["overall"] = rows
    for t, rs in groups.items():
        m = {"n": len(rs)}
        for key in ("hit@1", "mrr@10", "ndcg@10", "recall@10"):
            m[key] = sum(r["metrics"][key] for r in rs) / len(rs) if rs else 0.0
        out[t] = m
    return out


# ---- errkb ---------------------------------------------------------------------------------------
def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def http(method, url, body=None, timeout=30):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method,
                                 headers={"Content-Type": "application/json"} if data else {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read().decode() or "null")
    except urllib.error.HTTPError as e:
        try:
            return e.code, json.loads(e.read().decode() or "null")
        except ValueError:
            return e.code, None


class Errkb:
    def __init__(self, build_dir, kbs, work):
        self.work = work
        index = os.path.join(work, "index")
        cmd = [os.path.join(build_dir, "errkb-indexer"), "rebuild", "--quiet", "--index", index]
        for kb in kbs:
            cmd += ["--kb", kb]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode > 1:
            sys.exit("eval: errkb-indexer failed (%d): %s%s" % (p.returncode, p.stdout, p.stderr))
        self.index_summary = p.stdout.strip()
        self.rejected = [l for l in p.stderr.splitlines() if l.strip()]
        port = free_port()
        self.base = "http://127.0.0.1:%d" % port
        args = [os.path.join(build_dir, "errkb-server"), "--index", index, "--listen", "127.0.0.1:%d" % port,
                "--feedback-db", os.path.join(work, "feedback.db"), "--threads", "2"]
        for kb in kbs:
            args += ["--kb", kb]
        self.log = open(os.path.join(work, "server.log"), "w")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while True:
            if self.proc.poll() is not None:
                sys.exit("eval: errkb-server exited (%s); see %s" % (self.proc.returncode, self.log.name))
            try:
                st, _ = http("GET", self.base + "/healthz", timeout=2)
                if st == 200:
                    break
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            if time.time() > deadline:
                self.stop()
                sys.exit("eval: errkb-server did not become healthy in 30 s")
            time.sleep(0.1)

    def search(self, q):
        params = {"q": q["query"], "limit": str(K)}
        if q["vendor"]:
            params["vendor"] = q["vendor"]
        st, body = http("GET", self.base + "/v1/search?" + urllib.parse.urlencode(params))
        if st != 200 or not isinstance(body, dict):
            return [], True, "HTTP %s" % st
        ids = dedupe(h.get("doc_id", "") for h in body.get("hits", []))
        return ids, not ids, None

    def diagnose(self, q):
        req = {"text": q["query"]}
        if q["vendor"]:
            req["vendor"] = q["vendor"]
        if q["lang"]:
            req["language"] = q["lang"]
        st, body = http("POST", self.base + "/v1/diagnose", req)
        if st != 200 or not isinstance(body, dict):
            return [], True, None, [], "HTTP %s" % st
        causes = body.get("causes") or []
        ids = dedupe(e.get("doc_id", "") for c in causes for e in (c.get("evidence") or []))
        top_conf = causes[0].get("confidence", 0.0) if causes else None
        top_ids = dedupe(e.get("doc_id", "") for e in (causes[0].get("evidence") or [])) if causes else []
        abstained = not causes or (top_conf or 0.0) < NO_ANSWER_CONFIDENCE
        return ids, abstained, top_conf, top_ids, None

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


# ---- baselines -----------------------------------------------------------------------------------
WORD = re.compile(r"\w+", re.UNICODE)


class Fts5:
    name = "sqlite-fts5"

    def __init__(self, items):
        self.con = sqlite3.connect(":memory:")
        self.con.execute("CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, body)")
        self.con.executemany("INSERT INTO docs VALUES (?,?,?)", ((i["id"], i["title"], i["text"]) for i in items))

    def search(self, q):
        toks = WORD.findall(q["query"])
        if not toks:
            return []
        m = " OR ".join('"%s"' % t for t in toks)
        try:
            rows = self.con.execute("SELECT id FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT ?", (m, K))
            return dedupe(r[0] for r in rows)
        except sqlite3.OperationalError:
            return []


class XapianDefault:
    name = "xapian-default"

    def __init__(self, items):
        import xapian
        self.x = xapian
        self.db = xapian.WritableDatabase("", xapian.DB_BACKEND_INMEMORY)
        tg = xapian.TermGenerator()
        tg.set_stemmer(xapian.Stem("english"))
        for it in items:
            doc = xapian.Document()
            tg.set_document(doc)
            tg.index_text(it["title"])
            tg.increase_termpos()
            tg.index_text(it["text"])
            doc.set_data(it["id"])
            self.db.add_document(doc)
        self.qp = xapian.QueryParser()
        self.qp.set_stemmer(xapian.Stem("english"))
        self.qp.set_stemming_strategy(xapian.QueryParser.STEM_SOME)
        self.qp.set_database(self.db)

    def search(self, q):
        try:
            query = self.qp.parse_query(q["query"])
        except self.x.QueryParserError:
            return []
        enq = self.x.Enquire(self.db)
        enq.set_query(query)
        return dedupe(m.document.get_data().decode() for m in enq.get_mset(0, K))


# ---- report --------------------------------------------------------------------------------------
def calibration(rows):
    buckets = [(0.0, 0.2), (0.2, 0.4), (0.4, 0.6), (0.6, 0.8), (0.8, 1.01)]
    out = []
    for lo, hi in buckets:
        rs = [r for r in rows if r["top_confidence"] is not None and lo <= r["top_confidence"] < hi]
        out.append({"bucket": "%.1f-%.1f" % (lo, min(hi, 1.0)), "n": len(rs),
                    "mean_confidence": sum(r["top_confidence"] for r in rs) / len(rs) if rs else None,
                    "accuracy": sum(r["top_right"] for r in rs) / len(rs) if rs else None})
    return out


def markdown(results):
    engines = list(results["engines"].keys())
    lines = ["| type | n | " + " | ".join("%s MRR@10" % e for e in engines) + " |",
             "|---|---:|" + "---:|" * len(engines)]
    types = [t for t in TYPES if t in results["engines"][engines[0]]] + \
        sorted(t for t in results["engines"][engines[0]] if t not in TYPES and t != "overall") + ["overall"]
    for t in types:
        n = results["engines"][engines[0]][t]["n"]
        lines.append("| %s | %d | " % (t, n) + " | ".join(
            "%.3f" % results["engines"][e][t]["mrr@10"] for e in engines) + " |")
    lines.append("")
    lines.append("| engine (overall) | hit@1 | MRR@10 | nDCG@10 | recall@10 |")
    lines.append("|---|---:|---:|---:|---:|")
    for e in engines:
        m = results["engines"][e]["overall"]
        lines.append("| %s | %.3f | %.3f | %.3f | %.3f |" % (e, m["hit@1"], m["mrr@10"], m["ndcg@10"], m["recall@10"]))
    d = results.get("diagnose")
    if d:
        lines.append("")
        lines.append("errkb diagnose: top cause right on %.1f%% of %d answerable queries; no-answer queries "
                     "abstained on %.1f%% of %d." % (100 * d["top_cause_right"], d["answerable"],
                                                      100 * d["no_answer_abstained"], d["no_answer"]))
        lines.append("")
        lines.append("| top-cause confidence | n | mean confidence | share right |")
        lines.append("|---|---:|---:|---:|")
        for b in d["calibration"]:
            lines.append("| %s | %d | %s | %s |" % (b["bucket"], b["n"],
                                                   "-" if b["mean_confidence"] is None else "%.2f" % b["mean_confidence"],
                                                   "-" if b["accuracy"] is None else "%.2f" % b["accuracy"]))
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--kb", action="append", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--queries-dir", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                                          "eval", "queries"))
    ap.add_argument("--guard", help="file of query lines: evaluate only these, compare with --baseline")
    ap.add_argument("--baseline", help="JSON with errkb_search_mrr10 (the committed baseline)")
    ap.add_argument("--tolerance", type=float, default=0.02)
    ap.add_argument("--no-baselines", action="store_true", help="errkb only (the guard)")
    a = ap.parse_args()

    queries = load_queries(a.queries_dir, a.guard)
    if not queries:
        sys.exit("eval: no queries found in %s" % a.queries_dir)
    os.makedirs(a.out, exist_ok=True)
    items = [it for kb in a.kb for it in eval_kb.read_kb(kb)]
    known = {it["id"] for it in items}
    unknown = sorted({r for q in queries for r in q["relevant"] if r not in known})

    work = tempfile.mkdtemp(prefix="errkb-eval-")
    t0 = time.time()
    errkb = Errkb(a.build_dir, a.kb, work)
    t_index = time.time() - t0
    baselines = [] if a.no_baselines else [Fts5(items), XapianDefault(items)]
    per_query = []
    rows = {"errkb-search": [], "errkb-diagnose": []}
    for b in baselines:
        rows[b.name] = []
    diag_rows = []
    errors = 0
    try:
        for q in queries:
            rec = {"type": q["type"], "query": q["query"], "vendor": q["vendor"], "relevant": q["relevant"], "results": {}}
            ids, abstained, err = errkb.search(q)
            errors += err is not None
            rows["errkb-search"].append({"type": q["type"], "metrics": score(ids, q["relevant"], abstained)})
            rec["results"]["errkb-search"] = ids[:K]
            ids, abstained, conf, top_ids, err = errkb.diagnose(q)
            errors += err is not None
            rows["errkb-diagnose"].append({"type": q["type"], "metrics": score(ids, q["relevant"], abstained)})
            rec["results"]["errkb-diagnose"] = ids[:K]
            rec["top_confidence"] = conf
            top_right = bool(q["relevant"]) and bool(set(top_ids) & set(q["relevant"]))
            diag_rows.append({"answerable": bool(q["relevant"]), "top_confidence": conf, "top_right": top_right,
                              "abstained": abstained})
            for b in baselines:
                ids = b.search(q)
                rows[b.name].append({"type": q["type"], "metrics": score(ids, q["relevant"], not ids)})
                rec["results"][b.name] = ids[:K]
            per_query.append(rec)
    finally:
        errkb.stop()

    answerable = [r for r in diag_rows if r["answerable"]]
    no_answer = [r for r in diag_rows if not r["answerable"]]
    results = {
        "queries": len(queries), "files": sorted({q["file"] for q in queries}), "guard": bool(a.guard),
        "kb": a.kb, "items": len(items), "index_summary": errkb.index_summary,
        "indexer_rejections": errkb.rejected[:50], "http_errors": errors, "unknown_relevant_ids": unknown,
        "seconds_index_and_start": t_index,
        "engines": {name: aggregate(rs) for name, rs in rows.items()},
        "diagnose": {
            "answerable": len(answerable), "no_answer": len(no_answer),
            "top_cause_right": sum(r["top_right"] for r in answerable) / max(1, len(answerable)),
            "no_answer_abstained": sum(r["abstained"] for r in no_answer) / max(1, len(no_answer)),
            "calibration": calibration(diag_rows),
        },
        "per_query": per_query,
    }
    md = markdown(results)
    with open(os.path.join(a.out, "eval-results.json"), "w", encoding="utf-8") as f:
        json.dump(results, f, indent=1, ensure_ascii=False)
    with open(os.path.join(a.out, "eval-results.md"), "w", encoding="utf-8") as f:
        f.write(md)
    print(md)
    if unknown:
        print("note: %d relevant ids are not in the KB: %s" % (len(unknown), ", ".join(unknown[:20])))
    if errors:
        print("note: %d errkb requests failed" % errors)
    mrr = results["engines"]["errkb-search"]["overall"]["mrr@10"]
    print("errkb search overall MRR@10 = %.4f over %d queries" % (mrr, len(queries)))
    if a.baseline:
        if not os.path.exists(a.baseline):
            sys.exit("eval: baseline %s not found (scripts/eval.sh --set-baseline writes it)" % a.baseline)
        with open(a.baseline) as f:
            base = json.load(f)["errkb_search_mrr10"]
        if mrr < base - a.tolerance:
            print("eval guard: FAIL: MRR@10 %.4f < baseline %.4f - %.2f" % (mrr, base, a.tolerance))
            sys.exit(1)
        if errors:
            print("eval guard: FAIL: %d requests failed" % errors)
            sys.exit(1)
        print("eval guard: ok: MRR@10 %.4f >= baseline %.4f - %.2f" % (mrr, base, a.tolerance))


if __name__ == "__main__":
    main()

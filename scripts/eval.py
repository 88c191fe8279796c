#!/usr/bin/env python3
"""Ranking-quality evaluation of errkb beside three peers on the same KB and queries, in one run.

    eval.py --build-dir DIR --kb DIR [--kb DIR ...] --out DIR [--queries FILE|DIR ...] [--guard FILE]
            [--baseline FILE | --write-baseline FILE] [--tolerance 0.02] [--errkb-only] [--metrics-py FILE]
    eval.py --selftest [--metrics-py FILE]

Indexes the KB folders with errkb-indexer, starts errkb-server on a free loopback port and runs every
query through errkb /v1/search and /v1/diagnose and through SQLite FTS5, Xapian defaults and Lucene 8
BM25 (eval_engines.py), which index one row per item as eval_kb.py reads it.

Query files are TSV in one of two formats, told apart by the header:
  demo   type, query, vendor, lang, relevant, note   relevant ids joined by "|"  (tests/eval/queries/)
  devkb  qid, type, query, relevant_ids             relevant ids joined by ","  (../shared/devkb/)
A directory stands for its *.tsv files; the default is tests/eval/queries/.

Metrics per query type and overall, for every engine: hit@1, MRR@10, recall@10, nDCG@10
(eval_metrics.py; identical to devkb's metrics.py, which is checked after every run when metrics.py is
found, and by --selftest). For diagnose also: the share of answerable queries whose top cause's
evidence is a relevant page, beside search hit@1, and the calibration of the top cause's confidence.
The report names errkb search's worst queries of each type.

Writes OUT/eval-results.md, OUT/eval-results.json and OUT/runs/<engine>.run (metrics.py's run format)
and prints the Markdown. --guard FILE keeps the queries whose qid or query text is listed there;
--baseline FILE then fails (exit 1) when errkb search's MRR@10 falls more than --tolerance below the
committed value (overall, or per type), or when a request to errkb failed. --write-baseline FILE writes
the run's values as the baseline instead.
"""
import argparse
import collections
import csv
import glob
import json
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import eval_engines  # noqa: E402
import eval_kb  # noqa: E402
import eval_metrics  # noqa: E402
import eval_report  # noqa: E402
from eval_metrics import K, aggregate, score  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_QUERIES = os.path.join(ROOT, "tests", "eval", "queries")
DEFAULT_METRICS_PY = os.path.join(os.path.dirname(ROOT), "shared", "devkb", "metrics.py")
DEFAULT_CAUSE_LABELS = os.path.join(ROOT, "tests", "eval", "cause_labels.tsv")
ECE_BINS = 10


# ---- queries -------------------------------------------------------------------------------------
def query_files(paths):
    files = []
    for p in paths:
        files += sorted(glob.glob(os.path.join(p, "*.tsv"))) if os.path.isdir(p) else [p]
    return files


def read_query_file(path):
    """Both formats as dicts: qid, type, query, vendor, lang, relevant, file."""
    stem = os.path.splitext(os.path.basename(path))[0]
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))
    header = set(rows[0]) if rows else set()
    if {"qid", "relevant_ids"} <= header:
        rel_col, sep = "relevant_ids", ","
    elif "relevant" in header:
        rel_col, sep = "relevant", "|"
    else:
        sys.exit("eval: %s: header names neither qid/type/query/relevant_ids nor type/query/.../relevant" % path)
    out = []
    for n, row in enumerate(rows, 1):
        if not (row.get("query") or "").strip():
            continue
        out.append({"qid": (row.get("qid") or "").strip() or "%s-%03d" % (stem, n), "file": os.path.basename(path),
                    "type": (row.get("type") or "").strip(), "query": row["query"],
                    "vendor": (row.get("vendor") or "").strip(), "lang": (row.get("lang") or "").strip(),
                    "relevant": [r.strip() for r in (row.get(rel_col) or "").split(sep) if r.strip()]})
    return out


def read_cause_labels(path):
    """{qid: set of right cause (passage) ids} from a TSV with columns qid, causes ("|"-joined)."""
    if not path or not os.path.exists(path):
        return {}
    with open(path, encoding="utf-8", newline="") as f:
        rows = csv.DictReader((l for l in f if not l.startswith("#")), delimiter="\t", quoting=csv.QUOTE_NONE)
        return {r["qid"].strip(): {c.strip() for c in r["causes"].split("|") if c.strip()} for r in rows}


def read_guard(path):
    with open(path, encoding="utf-8") as f:
        return {l.rstrip("\n") for l in f if l.strip() and not l.startswith("#")}


def load_queries(paths, guard_file=None):
    qs = [q for p in query_files(paths) for q in read_query_file(p)]
    dup = sorted(qid for qid, n in collections.Counter(q["qid"] for q in qs).items() if n > 1)
    if dup:
        sys.exit("eval: duplicate qids: %s" % ", ".join(dup[:10]))
    if guard_file:
        keep = read_guard(guard_file)
        qs = [q for q in qs if q["qid"] in keep or q["query"] in keep]
    return qs


# ---- runs ----------------------------------------------------------------------------------------
def run_errkb(errkb, queries):
    """-> ({qid: search ids}, {qid: diagnose answer}, number of failed requests)"""
    search, diagnose, errors = {}, {}, 0
    for q in queries:
        ids, abstained, err = errkb.search(q)
        search[q["qid"]] = {"ids": ids, "abstained": abstained}
        diagnose[q["qid"]] = errkb.diagnose(q)
        errors += (err is not None) + (diagnose[q["qid"]]["error"] is not None)
    return search, diagnose, errors


def run_peers(items, queries, work, lucene_classes):
    runs = {}
    for peer in eval_engines.make_peers(items, work, lucene_classes):
        t0 = time.time()
        runs[peer.name] = peer.search_all(queries)
        print("eval: %s ran %d queries in %.1f s" % (peer.name, len(queries), time.time() - t0), file=sys.stderr)
    return runs


def engine_answers(queries, search, diagnose, peer_runs):
    """{engine: {qid: (ranked ids, abstained)}}; a peer abstains by returning nothing."""
    answers = {"errkb-search": {qid: (s["ids"], s["abstained"]) for qid, s in search.items()},
               "errkb-diagnose": {qid: (d["ids"], d["abstained"]) for qid, d in diagnose.items()}}
    for name, run in peer_runs.items():
        answers[name] = {q["qid"]: (run.get(q["qid"], []), not run.get(q["qid"])) for q in queries}
    return answers


def score_engine(queries, by_qid):
    rows = []
    for q in queries:
        ids, abstained = by_qid[q["qid"]]
        rows.append({"type": q["type"], "metrics": score(ids, q["relevant"], abstained)})
    return aggregate(rows)


def score_engines(queries, answers):
    return {name: score_engine(queries, by_qid) for name, by_qid in answers.items()}


# ---- diagnose ------------------------------------------------------------------------------------
def top_cause_right(q, d):
    return bool(set(d["top_ids"]) & set(q["relevant"]))


def diagnose_summary(queries, search, diagnose):
    answerable = [q for q in queries if q["relevant"]]
    no_answer = [q for q in queries if not q["relevant"]]
    groups = {}
    for q in answerable:
        groups.setdefault(q["type"], []).append(q)
    groups["overall"] = answerable
    by_type = {t: {"n": len(qs),
                   "search_hit@1": sum(score(search[q["qid"]]["ids"], q["relevant"], False)["hit@1"]
                                       for q in qs) / max(1, len(qs)),
                   "top_cause_right": sum(top_cause_right(q, diagnose[q["qid"]]) for q in qs) / max(1, len(qs))}
               for t, qs in groups.items()}
    return {"answerable": len(answerable), "no_answer": len(no_answer),
            "top_cause_right": by_type["overall"]["top_cause_right"],
            "no_answer_abstained": sum(diagnose[q["qid"]]["abstained"] for q in no_answer) / max(1, len(no_answer)),
            "by_type": by_type, "calibration": calibration(queries, diagnose)}


# ---- cause level ---------------------------------------------------------------------------------
def cause_right(q, d, labels, i):
    """Whether the i-th cause is right: a labelled cause section when the query has labels (its words
    choose among an article's causes), else any cause whose page is relevant."""
    if not q["relevant"] or i >= len(d["cause_ids"]):
        return False
    if q["qid"] in labels:
        return d["cause_ids"][i] in labels[q["qid"]]
    return d["cause_docs"][i] in set(q["relevant"])


def first_right_cause(q, d, labels):
    for i in range(min(K, len(d["cause_ids"]))):
        if cause_right(q, d, labels, i):
            return i + 1
    return None


def reliability(rows, bins=ECE_BINS):
    """rows: [(confidence, right)] -> (bins with n, mean confidence, share right; ECE)."""
    out, ece = [], 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        rs = [r for r in rows if lo <= r[0] < hi or (b == bins - 1 and r[0] == 1.0)]
        mean = sum(c for c, _ in rs) / len(rs) if rs else None
        acc = sum(1 for _, r in rs if r) / len(rs) if rs else None
        if rs:
            ece += len(rs) / len(rows) * abs(acc - mean)
        out.append({"bucket": "%.1f-%.1f" % (lo, hi), "n": len(rs), "mean_confidence": mean, "accuracy": acc})
    return out, ece


def question_names_right_cause(q, d, labels):
    right = {d["cause_ids"][i] for i in range(len(d["cause_ids"])) if cause_right(q, d, labels, i)}
    return any(set(a.get("cause_ids") or []) & right for x in d["ask"] for a in x.get("answers") or [])


def cause_summary(queries, diagnose, labels):
    answerable = [q for q in queries if q["relevant"]]
    unanswerable = [q for q in queries if not q["relevant"]]
    groups = {}
    for q in answerable:
        groups.setdefault(q["type"], []).append(q)
    groups["overall"] = answerable
    by_type = {}
    for t, qs in groups.items():
        ranks = [first_right_cause(q, diagnose[q["qid"]], labels) for q in qs]
        by_type[t] = {"n": len(qs), "labelled": sum(q["qid"] in labels for q in qs),
                      "cause_hit@1": sum(r == 1 for r in ranks) / max(1, len(qs)),
                      "cause_mrr@10": sum(1.0 / r for r in ranks if r) / max(1, len(qs))}
    rows = [(diagnose[q["qid"]]["top_confidence"], cause_right(q, diagnose[q["qid"]], labels, 0))
            for q in queries if diagnose[q["qid"]]["top_confidence"] is not None]
    table, ece = reliability(rows)
    with_causes = [q for q in queries if diagnose[q["qid"]]["cause_ids"]]
    asking = [q for q in with_causes if any(x.get("answers") for x in diagnose[q["qid"]]["ask"])]
    leaks = [(q["qid"], leak) for q in queries for leak in diagnose[q["qid"]]["leaks"]]
    return {"by_type": by_type, "reliability": table, "ece": ece, "calibrated_queries": len(rows),
            "answered_answerable": sum(diagnose[q["qid"]]["answered"] for q in answerable) / max(1, len(answerable)),
            "abstained_unanswerable": (sum(not diagnose[q["qid"]]["answered"] for q in unanswerable) /
                                       len(unanswerable)) if unanswerable else None,
            "unanswerable": len(unanswerable),
            "with_question": len(asking) / max(1, len(with_causes)),
            "question_names_right_cause": (sum(question_names_right_cause(q, diagnose[q["qid"]], labels)
                                               for q in asking if q["relevant"]) /
                                           max(1, sum(1 for q in asking if q["relevant"]))),
            "leaks": len(leaks), "leak_examples": leaks[:20]}


def write_calibration_data(path, queries, diagnose, labels):
    """One row per query with a top cause: its features and whether it is right (scripts/fit_calibration.py)."""
    with open(path, "w", encoding="utf-8") as f:
        f.write("qid\ttype\tanswerable\tright\t%s\n" % "\t".join(eval_engines.FEATURES))
        for q in queries:
            d = diagnose[q["qid"]]
            if d["features"] is None:
                continue
            f.write("%s\t%s\t%d\t%d\t%s\n" % (q["qid"], q["type"], bool(q["relevant"]),
                                              cause_right(q, d, labels, 0),
                                              "\t".join("%.4f" % v for v in d["features"])))


def calibration(queries, diagnose):
    rows = [(diagnose[q["qid"]]["top_confidence"], bool(q["relevant"]) and top_cause_right(q, diagnose[q["qid"]]))
            for q in queries if diagnose[q["qid"]]["top_confidence"] is not None]
    out = []
    for lo, hi in [(0.0, 0.2), (0.2, 0.4), (0.4, 0.6), (0.6, 0.8), (0.8, 1.01)]:
        rs = [r for r in rows if lo <= r[0] < hi]
        out.append({"bucket": "%.1f-%.1f" % (lo, min(hi, 1.0)), "n": len(rs),
                    "mean_confidence": sum(c for c, _ in rs) / len(rs) if rs else None,
                    "accuracy": sum(r for _, r in rs) / len(rs) if rs else None})
    return out


# ---- outputs -------------------------------------------------------------------------------------
def per_query_records(queries, answers, diagnose):
    recs = []
    for q in queries:
        d = diagnose[q["qid"]]
        recs.append({"qid": q["qid"], "type": q["type"], "query": q["query"], "vendor": q["vendor"],
                     "relevant": q["relevant"], "top_confidence": d["top_confidence"],
                     "top_cause_right": top_cause_right(q, d),
                     "results": {name: by_qid[q["qid"]][0][:K] for name, by_qid in answers.items()}})
    return recs


def write_outputs(out, results, answers):
    os.makedirs(os.path.join(out, "runs"), exist_ok=True)
    for name, by_qid in answers.items():
        eval_metrics.write_run(os.path.join(out, "runs", name + ".run"),
                               {qid: ids[:K] for qid, (ids, _) in by_qid.items()})
    md = eval_report.markdown(results)
    with open(os.path.join(out, "eval-results.json"), "w", encoding="utf-8") as f:
        json.dump(results, f, indent=1, ensure_ascii=False)
    with open(os.path.join(out, "eval-results.md"), "w", encoding="utf-8") as f:
        f.write(md)
    print(md)


def check_against_metrics_py(metrics_py, queries, answers):
    """Scores every engine's run with devkb's metrics.py too; they must agree exactly."""
    if not os.path.exists(metrics_py):
        return {"metrics_py": metrics_py, "verdict": "skipped (not found)", "ok": True}
    diffs = []
    for name, by_qid in answers.items():
        ranked = {qid: ids for qid, (ids, _) in by_qid.items()}
        diffs += ["%s: %s" % (name, d) for d in eval_metrics.compare_with_metrics_py(metrics_py, queries, ranked)]
    verdict = "identical for %d engines" % len(answers) if not diffs else "DIFFERENT: " + "; ".join(diffs[:10])
    return {"metrics_py": metrics_py, "verdict": verdict, "ok": not diffs}


# ---- baseline ------------------------------------------------------------------------------------
def guard_failures(results, baseline_path, tolerance):
    if not os.path.exists(baseline_path):
        sys.exit("eval: baseline %s not found (scripts/eval.sh --set-baseline writes it)" % baseline_path)
    with open(baseline_path) as f:
        base = json.load(f)
    got = results["engines"]["errkb-search"]
    want = dict(base.get("errkb_search_mrr10_by_type", {}))
    if "errkb_search_mrr10" in base:
        want["overall"] = base["errkb_search_mrr10"]
    fails = []
    for t, v in want.items():
        m = got.get(t, {}).get("mrr@10")
        verdict = "ok" if m is not None and m >= v - tolerance else "FAIL"
        print("eval guard: %-14s MRR@10 %s, baseline %.4f - %.2f: %s" %
              (t, "missing" if m is None else "%.4f" % m, v, tolerance, verdict))
        if verdict == "FAIL":
            fails.append(t)
    if results["http_errors"]:
        fails.append("%d failed requests" % results["http_errors"])
    leaks = results["causes"]["leaks"]
    print("eval guard: raw-text leaks in diagnose answers: %d%s" %
          (leaks, "" if not leaks else " (%s)" % "; ".join("%s: %s" % e for e in results["causes"]["leak_examples"][:5])))
    if leaks:
        fails.append("%d raw-text leaks" % leaks)
    return fails


def baseline_json(results, by_type, note):
    search = results["engines"]["errkb-search"]
    if not by_type:
        return {"errkb_search_mrr10": round(search["overall"]["mrr@10"], 4), "queries": results["queries"],
                "note": note}
    types = eval_report.ordered_types(set(search) - {"overall"})
    return {"errkb_search_mrr10_by_type": {t: round(search[t]["mrr@10"], 4) for t in types},
            "queries_by_type": {t: search[t]["n"] for t in types}, "queries": results["queries"], "note": note}


# ---- self-test -----------------------------------------------------------------------------------
def selftest(metrics_py):
    fails = eval_metrics.hand_case_failures()
    print("eval selftest: metrics.py's hand-computed case: %s" % ("ok" if not fails else "; ".join(fails)))
    queries_tsv = os.path.join(os.path.dirname(metrics_py), "queries.tsv")
    if not os.path.exists(metrics_py) or not os.path.exists(queries_tsv):
        print("eval selftest: %s or its queries.tsv not found; the comparison with it is skipped" % metrics_py)
        return 1 if fails else 0
    queries = read_query_file(queries_tsv)
    for seed in range(5):
        diffs = eval_metrics.compare_with_metrics_py(metrics_py, queries, eval_metrics.random_runs(queries, seed))
        fails += ["seed %d: %s" % (seed, d) for d in diffs]
    print("eval selftest: 5 random runs over %d queries of %s scored by eval.py and metrics.py: %s" %
          (len(queries), queries_tsv, "identical" if not fails else "DIFFERENT\n  " + "\n  ".join(fails[:20])))
    return 1 if fails else 0


# ---- main ----------------------------------------------------------------------------------------
def parse_args():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir")
    ap.add_argument("--kb", action="append")
    ap.add_argument("--out")
    ap.add_argument("--queries", action="append", help="query file or directory of *.tsv (repeatable)")
    ap.add_argument("--guard", help="file of qids or query texts: evaluate only these")
    ap.add_argument("--baseline", help="committed baseline JSON to compare errkb search's MRR@10 with")
    ap.add_argument("--write-baseline", help="write this run's errkb search MRR@10 as the baseline JSON")
    ap.add_argument("--baseline-by-type", action="store_true", help="with --write-baseline: per query type")
    ap.add_argument("--baseline-note", default="errkb /v1/search MRR@10; scripts/eval.sh --set-baseline rewrites it")
    ap.add_argument("--tolerance", type=float, default=0.02)
    ap.add_argument("--errkb-only", "--no-baselines", action="store_true", help="no peers (the guards)")
    ap.add_argument("--metrics-py", default=DEFAULT_METRICS_PY, help="devkb's metrics.py, to cross-check scores")
    ap.add_argument("--keep-work", action="store_true", help="keep the index and the peers' files")
    ap.add_argument("--cause-labels", default=DEFAULT_CAUSE_LABELS,
                    help="TSV of qid and right cause ids (default tests/eval/cause_labels.tsv)")
    ap.add_argument("--selftest", action="store_true")
    a = ap.parse_args()
    if not a.selftest and not (a.build_dir and a.kb and a.out):
        ap.error("--build-dir, --kb and --out are required (or --selftest)")
    return a


def evaluate(a, queries, items, work, labels):
    t0 = time.time()
    errkb = eval_engines.Errkb(a.build_dir, a.kb, work)
    t_index = time.time() - t0
    try:
        search, diagnose, errors = run_errkb(errkb, queries)
    finally:
        errkb.stop()
    print("eval: errkb indexed and started in %.1f s, ran %d searches and diagnoses in %.1f s" %
          (t_index, len(queries), time.time() - t0 - t_index), file=sys.stderr)
    peer_runs = {} if a.errkb_only else run_peers(items, queries, work, os.path.join(a.build_dir, "eval-lucene"))
    answers = engine_answers(queries, search, diagnose, peer_runs)
    known = {it["id"] for it in items}
    results = {
        "queries": len(queries), "query_files": sorted({q["file"] for q in queries}), "guard": a.guard,
        "kb": a.kb, "items": len(items), "index_summary": errkb.index_summary,
        "indexer_rejections": errkb.rejected[:50], "http_errors": errors,
        "unknown_relevant_ids": sorted({r for q in queries for r in q["relevant"] if r not in known}),
        "seconds_index_and_start": round(t_index, 2),
        "engines": score_engines(queries, answers),
        "diagnose": diagnose_summary(queries, search, diagnose),
        "causes": cause_summary(queries, diagnose, labels),
        "metrics_py_check": check_against_metrics_py(a.metrics_py, queries, answers),
        "per_query": per_query_records(queries, answers, diagnose),
        "_diagnose": diagnose,
    }
    return results, answers


def main():
    a = parse_args()
    if a.selftest:
        sys.exit(selftest(a.metrics_py))
    queries = load_queries(a.queries or [DEFAULT_QUERIES], a.guard)
    if not queries:
        sys.exit("eval: no queries in %s" % ", ".join(a.queries or [DEFAULT_QUERIES]))
    missing = [] if a.errkb_only else eval_engines.peers_missing()
    if missing:
        sys.exit("eval: the peers cannot run: %s (scripts/install-deps.sh --bench installs them)" % "; ".join(missing))
    items = [it for kb in a.kb for it in eval_kb.read_kb(kb)]
    work = tempfile.mkdtemp(prefix="errkb-eval-")
    try:
        labels = read_cause_labels(a.cause_labels)
        results, answers = evaluate(a, queries, items, work, labels)
    finally:
        if not a.keep_work:
            shutil.rmtree(work, ignore_errors=True)
    diagnose = results.pop("_diagnose")
    write_outputs(a.out, results, answers)
    write_calibration_data(os.path.join(a.out, "calibration.tsv"), queries, diagnose, labels)
    finish(a, results)


def finish(a, results):
    mrr = results["engines"]["errkb-search"]["overall"]["mrr@10"]
    print("errkb search overall MRR@10 = %.4f over %d queries" % (mrr, results["queries"]))
    if not results["metrics_py_check"]["ok"]:
        sys.exit("eval: eval.py and metrics.py disagree: %s" % results["metrics_py_check"]["verdict"])
    if a.write_baseline:
        with open(a.write_baseline, "w") as f:
            json.dump(baseline_json(results, a.baseline_by_type, a.baseline_note), f, indent=1)
            f.write("\n")
        print("eval: baseline written to %s" % a.write_baseline)
    elif a.baseline:
        fails = guard_failures(results, a.baseline, a.tolerance)
        if fails:
            sys.exit("eval guard: FAIL: %s" % ", ".join(fails))
        print("eval guard: ok")


if __name__ == "__main__":
    main()

"""Scores of scripts/eval.py, and the check that they equal devkb's metrics.py.

Per query, over the engine's ranked doc ids with duplicates dropped and cut at K = 10:
  hit@1      1 when the first doc is relevant
  MRR@10     1 / rank of the first relevant doc
  recall@10  share of the relevant docs in the top 10
  nDCG@10    binary gains
These are metrics.py's definitions (../shared/devkb/metrics.py). A query with no relevant ids (the
demo set's no-answer type) scores 1 on all four when the engine abstains and 0 otherwise; metrics.py
has no such queries, so the cross-check covers the answerable ones only.
"""
import importlib.util
import math
import os
import random
import tempfile

K = 10
METRICS = ("hit@1", "mrr@10", "ndcg@10", "recall@10")
CHECKED = ("hit@1", "mrr@10", "recall@10")  # the ones metrics.py computes


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
        return {m: s for m in METRICS}
    top = dedupe(ranked)[:K]
    rel = set(relevant)
    first = first_relevant_rank(top, rel)
    dcg = sum(1.0 / math.log2(i + 2) for i, d in enumerate(top) if d in rel)
    idcg = sum(1.0 / math.log2(i + 2) for i in range(min(len(rel), K)))
    return {"hit@1": 1.0 if first == 1 else 0.0, "mrr@10": 1.0 / first if first else 0.0,
            "ndcg@10": dcg / idcg, "recall@10": len(rel.intersection(top)) / len(rel)}


def first_relevant_rank(ranked, relevant):
    """1-based rank of the first relevant doc within the top K, or None."""
    for i, d in enumerate(ranked[:K], 1):
        if d in relevant:
            return i
    return None


def mean_metrics(rows):
    m = {"n": len(rows)}
    for key in METRICS:
        m[key] = sum(r["metrics"][key] for r in rows) / len(rows) if rows else 0.0
    return m


def aggregate(rows):
    """rows: [{"type", "metrics"}] -> {type: means, ..., "overall": means}."""
    groups = {}
    for r in rows:
        groups.setdefault(r["type"], []).append(r)
    out = {t: mean_metrics(rs) for t, rs in groups.items()}
    out["overall"] = mean_metrics(rows)
    return out


# ---- the cross-check with metrics.py -------------------------------------------------------------
def load_metrics_py(path):
    spec = importlib.util.spec_from_file_location("devkb_metrics", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def write_queries_tsv(path, queries):
    with open(path, "w", encoding="utf-8") as f:
        f.write("qid\ttype\tquery\trelevant_ids\n")
        for q in queries:
            f.write("%s\t%s\t%s\t%s\n" % (q["qid"], q["type"], " ".join(q["query"].split()), ",".join(q["relevant"])))


def write_run(path, ranked_by_qid):
    with open(path, "w", encoding="utf-8") as f:
        f.write("qid\trank\tdoc_id\n")
        for qid, ids in ranked_by_qid.items():
            for rank, doc in enumerate(ids, 1):
                f.write("%s\t%d\t%s\n" % (qid, rank, doc))


def compare_with_metrics_py(metrics_py, queries, ranked_by_qid, tolerance=1e-9):
    """Scores the run with metrics.py and with this module over the answerable queries.
    Returns the list of disagreements (empty when they agree)."""
    answerable = [q for q in queries if q["relevant"]]
    if not answerable:
        return []
    mod = load_metrics_py(metrics_py)
    with tempfile.TemporaryDirectory() as tmp:
        qpath, rpath = os.path.join(tmp, "queries.tsv"), os.path.join(tmp, "run.tsv")
        write_queries_tsv(qpath, answerable)
        write_run(rpath, {q["qid"]: ranked_by_qid.get(q["qid"], []) for q in answerable})
        theirs = mod.evaluate(mod.read_queries(qpath), mod.read_run(rpath), k=K)
    ours = aggregate([{"type": q["type"], "metrics": score(ranked_by_qid.get(q["qid"], []), q["relevant"], False)}
                      for q in answerable])
    theirs_by_group = dict(theirs["types"], overall=theirs["overall"])
    diffs = []
    for group, m in ours.items():
        for key in CHECKED + ("n",):
            if abs(m[key] - theirs_by_group[group][key]) > tolerance:
                diffs.append("%s %s: eval.py %r, metrics.py %r" % (group, key, m[key], theirs_by_group[group][key]))
    return diffs


# ---- self-test -----------------------------------------------------------------------------------
def hand_case_failures():
    """metrics.py's own hand-computed case (its --selftest), scored by this module."""
    queries = [{"qid": "q1", "type": "A", "relevant": ["d1"]}, {"qid": "q2", "type": "A", "relevant": ["d2", "d3"]},
               {"qid": "q3", "type": "B", "relevant": ["d9"]}, {"qid": "q4", "type": "B", "relevant": ["d4", "d5"]}]
    run = {"q1": ["d1", "d2"], "q2": ["d7", "d8", "d3", "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "d2"],
           "q3": [], "q4": ["d7", "d7", "d9", "d4"]}
    got = aggregate([{"type": q["type"], "metrics": score(run[q["qid"]], q["relevant"], False)} for q in queries])
    want = {"A": {"hit@1": 0.5, "mrr@10": (1 + 1 / 3) / 2, "recall@10": 0.75},
            "B": {"hit@1": 0.0, "mrr@10": (1 / 3) / 2, "recall@10": 0.25},
            "overall": {"hit@1": 0.25, "mrr@10": (1 + 2 / 3) / 4, "recall@10": 0.5}}
    return ["hand case %s %s: got %r want %r" % (g, k, got[g][k], v)
            for g, m in want.items() for k, v in m.items() if abs(got[g][k] - v) > 1e-12]


def random_runs(queries, seed=20261204):
    """Runs that hit every case: relevant docs at every rank, past K, repeated, or absent."""
    rng = random.Random(seed)
    pool = sorted({d for q in queries for d in q["relevant"]})
    runs = {}
    for q in queries:
        ids = [rng.choice(pool) if rng.random() < 0.7 else "other-%d" % rng.randrange(40)
               for _ in range(rng.randrange(0, 15))]
        if q["relevant"] and rng.random() < 0.5:
            ids.insert(rng.randrange(len(ids) + 1), rng.choice(q["relevant"]))
        runs[q["qid"]] = ids
    return runs

"""The Markdown report of scripts/eval.py: metrics per type and engine, diagnose beside search, the
confidence calibration, and errkb search's worst queries of each type."""
from eval_metrics import K, first_relevant_rank

TYPE_ORDER = ["code", "paste", "message", "symptom", "xlang",  # devkb
              "code-exact", "code-variant", "code-ambiguous", "code+symptom", "symptom-only", "cross-language",
              "no-answer"]  # the demo set
METRIC_TITLES = [("hit@1", "hit@1"), ("mrr@10", "MRR@10"), ("recall@10", "recall@10"), ("ndcg@10", "nDCG@10")]
PEERS_OF_SEARCH = ("sqlite-fts5", "xapian-default", "lucene-bm25")
WORST_PER_TYPE = 5


def ordered_types(present):
    return [t for t in TYPE_ORDER if t in present] + sorted(t for t in present if t not in TYPE_ORDER)


def metric_table(results, key, title):
    engines = list(results["engines"])
    first = results["engines"][engines[0]]
    lines = ["### %s" % title, "", "| type | n | " + " | ".join(engines) + " |",
             "|---|---:|" + "---:|" * len(engines)]
    for t in ordered_types(set(first) - {"overall"}) + ["overall"]:
        cells = ["%.3f" % results["engines"][e][t][key] for e in engines]
        label = "**overall**" if t == "overall" else t
        lines.append("| %s | %d | %s |" % (label, first[t]["n"], " | ".join(cells)))
    return lines + [""]


def diagnose_table(results):
    d = results["diagnose"]
    lines = ["### errkb diagnose: top cause right beside errkb search hit@1", "",
             "Answerable queries only. Top cause right: the first cause's evidence includes a relevant page.", "",
             "| type | n | search hit@1 | diagnose top cause right |", "|---|---:|---:|---:|"]
    for t in ordered_types(set(d["by_type"]) - {"overall"}) + ["overall"]:
        row = d["by_type"][t]
        label = "**overall**" if t == "overall" else t
        lines.append("| %s | %d | %.3f | %.3f |" % (label, row["n"], row["search_hit@1"], row["top_cause_right"]))
    overall = d["by_type"]["overall"]
    verdict = "met" if overall["top_cause_right"] >= overall["search_hit@1"] else "not met"
    lines += ["", "Target diagnose top cause right >= search hit@1: %s (%.3f against %.3f)." %
              (verdict, overall["top_cause_right"], overall["search_hit@1"])]
    if d["no_answer"]:
        lines.append("No-answer queries: diagnose abstains on %.1f%% of %d." % (100 * d["no_answer_abstained"],
                                                                               d["no_answer"]))
    return lines + [""]


def pct(x):
    return "-" if x is None else "%.1f%%" % (100 * x)


def cause_table(results):
    c = results["causes"]
    lines = ["### errkb diagnose: cause level, answer state, next questions", "",
             "Cause right: the cause section labelled for the query (tests/eval/cause_labels.tsv) or, for a query "
             "whose words do not choose among its page's causes, any cause of a relevant page.", "",
             "| type | n | labelled | cause-hit@1 | cause-MRR@10 | article hit@1 (search) |",
             "|---|---:|---:|---:|---:|---:|"]
    d = results["diagnose"]["by_type"]
    for t in ordered_types(set(c["by_type"]) - {"overall"}) + ["overall"]:
        row = c["by_type"][t]
        label = "**overall**" if t == "overall" else t
        lines.append("| %s | %d | %d | %.3f | %.3f | %.3f |" % (label, row["n"], row["labelled"], row["cause_hit@1"],
                                                             row["cause_mrr@10"], d[t]["search_hit@1"]))
    lines += ["", "- answered: %s of answerable queries; no_answer: %s of %d unanswerable queries" %
              (pct(c["answered_answerable"]), pct(c["abstained_unanswerable"]), c["unanswerable"]),
              "- answers with a next question that splits the causes: %s; it names the right cause in %s of those "
              "answerable" % (pct(c["with_question"]), pct(c["question_names_right_cause"])),
              "- raw-text leaks (section labels, binary noise in numbers, markup in codes, empty strings): %d" %
              c["leaks"], "",
              "Reliability of the top cause's confidence (cause right), %d answers; ECE %.3f:" %
              (c["calibrated_queries"], c["ece"]), "",
              "| confidence | n | mean confidence | share right |", "|---|---:|---:|---:|"]
    for b in c["reliability"]:
        mean = "-" if b["mean_confidence"] is None else "%.2f" % b["mean_confidence"]
        acc = "-" if b["accuracy"] is None else "%.2f" % b["accuracy"]
        lines.append("| %s | %d | %s | %s |" % (b["bucket"], b["n"], mean, acc))
    return lines + [""]


def worst_queries(per_query, limit=WORST_PER_TYPE):
    """{type: [query records]}: answerable queries errkb search gets wrong at rank 1, those a peer gets
    right at rank 1 first, then the ones whose relevant doc errkb ranks lowest, in query order."""
    by_type = {}
    for order, rec in enumerate(per_query):
        rel = set(rec["relevant"])
        ranked = rec["results"]["errkb-search"]
        if not rel or (ranked and ranked[0] in rel):
            continue
        peers_right = [p for p in PEERS_OF_SEARCH if (rec["results"].get(p) or [None])[0] in rel]
        rank = first_relevant_rank(ranked, rel)
        key = (not peers_right, -(rank or K + 1), order)
        by_type.setdefault(rec["type"], []).append((key, dict(rec, peers_right=peers_right, first_rank=rank)))
    return {t: [r for _, r in sorted(rows, key=lambda x: x[0])[:limit]] for t, rows in by_type.items()}


def md_cell(s):
    return s.replace("|", "\\|").replace("\n", " ")


def md_code(s):
    if "`" in s:  # Markdown wants a query holding a backtick inside double backticks
        return "`` %s ``" % md_cell(s)
    return "`%s`" % md_cell(s)


def worst_section(results):
    worst = worst_queries(results["per_query"])
    lines = ["### errkb search: worst queries of each type", "",
             "Up to %d a type where errkb search's first doc is not relevant; first those a peer gets right "
             "at rank 1, then the lowest-ranked relevant doc." % WORST_PER_TYPE, ""]
    if not worst:
        return lines + ["None: errkb search's first doc is relevant for every answerable query.", ""]
    lines += ["| type | qid | query | first relevant at | errkb's first doc | peers right at 1 |",
              "|---|---|---|---|---|---|"]
    for t in ordered_types(set(worst)):
        for r in worst[t]:
            first = r["results"]["errkb-search"][:1]
            lines.append("| %s | %s | %s | %s | %s | %s |" % (
                t, r["qid"], md_code(r["query"]), r["first_rank"] or "not in top %d" % K,
                md_cell(first[0]) if first else "(no hits)", ", ".join(r["peers_right"]) or "-"))
    return lines + [""]


def markdown(results):
    lines = ["## Ranking quality: %d queries, %d items" % (results["queries"], results["items"]), "",
             "KB: %s  " % ", ".join(results["kb"]), "Queries: %s" % ", ".join(results["query_files"]), ""]
    for key, title in METRIC_TITLES:
        lines += metric_table(results, key, title)
    lines += diagnose_table(results)
    lines += cause_table(results)
    lines += worst_section(results)
    lines += notes(results)
    return "\n".join(lines) + "\n"


def notes(results):
    out = []
    if results["unknown_relevant_ids"]:
        ids = results["unknown_relevant_ids"]
        out.append("- %d relevant ids are not in the KB: %s" % (len(ids), ", ".join(ids[:20])))
    if results["http_errors"]:
        out.append("- %d errkb requests failed" % results["http_errors"])
    check = results.get("metrics_py_check")
    if check:
        out.append("- metrics.py check (%s): %s" % (check["metrics_py"], check["verdict"]))
    return (["### Notes", ""] + out + [""]) if out else []

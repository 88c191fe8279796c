#!/usr/bin/env python3
"""Fits errkb's calibrated confidence: a logistic model of P(top cause right) over the features of an
answer (lib/rank/calibration.h), on the rows scripts/eval.py writes to OUT/calibration.tsv.

    fit_calibration.py DATA.tsv [DATA.tsv ...] [--write lib/rank/calibration_fit.h] [--keep-data DIR]

Queries are split by a hash of their qid: two thirds fit the model, one third is held apart and only
measured (reliability table and ECE). The answer threshold is the lowest confidence that still leaves
at least 90% of the unanswerable queries (fit and held apart) unanswered, under the server's rule
(lib/rank/answer.cc). A file's name is part of its queries' ids (and so of the split): name each
eval run's calibration.tsv for its query set (demo.tsv, devkb.tsv, devkb_noanswer.tsv,
devkb_extra.tsv). --keep-data copies the input files under their names into DIR
(tests/eval/calibration/) so that the fit can be repeated from the repository.
"""
import argparse
import csv
import hashlib
import math
import os
import shutil

from eval_engines import FEATURES  # the columns scripts/eval.py writes
L2 = 1.0
ABSTAIN_SHARE = 0.90


def read(paths):
    rows = []
    for p in paths:
        with open(p, encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
                rows.append({"qid": os.path.basename(p) + ":" + r["qid"], "answerable": r["answerable"] == "1",
                             "right": r["right"] == "1", "x": [float(r[n]) for n in FEATURES]})
    return rows


def held_apart(qid):
    return int(hashlib.sha1(qid.encode()).hexdigest(), 16) % 3 == 0


def predict(w, x):
    z = w[0] + sum(wi * xi for wi, xi in zip(w[1:], x))
    return 1 / (1 + math.exp(-max(-30, min(30, z))))


def fit(rows, iterations=50):
    """Newton's method on the L2-penalised log loss (the bias is not penalised)."""
    k = len(FEATURES) + 1
    w = [0.0] * k
    for _ in range(iterations):
        grad = [0.0] * k
        hess = [[0.0] * k for _ in range(k)]
        for r in rows:
            x = [1.0] + r["x"]
            p = predict(w, r["x"])
            for i in range(k):
                grad[i] += (p - r["right"]) * x[i]
                for j in range(k):
                    hess[i][j] += p * (1 - p) * x[i] * x[j]
        for i in range(1, k):
            grad[i] += L2 * w[i]
            hess[i][i] += L2
        step = solve(hess, grad)
        w = [wi - si for wi, si in zip(w, step)]
        if max(abs(s) for s in step) < 1e-9:
            break
    return w


def solve(a, b):
    n = len(b)
    m = [row[:] + [b[i]] for i, row in enumerate(a)]
    for c in range(n):
        pivot = max(range(c, n), key=lambda r: abs(m[r][c]))
        m[c], m[pivot] = m[pivot], m[c]
        if abs(m[c][c]) < 1e-12:
            continue
        for r in range(n):
            if r != c:
                f = m[r][c] / m[c][c]
                m[r] = [x - f * y for x, y in zip(m[r], m[c])]
    return [m[i][n] / m[i][i] if abs(m[i][i]) > 1e-12 else 0.0 for i in range(n)]


def reliability(rows, w, bins=10):
    table, ece = [], 0.0
    for b in range(bins):
        lo, hi = b / bins, (b + 1) / bins
        rs = [r for r in rows if lo <= predict(w, r["x"]) < hi or (b == bins - 1 and predict(w, r["x"]) == 1)]
        if not rs:
            continue
        mean = sum(predict(w, r["x"]) for r in rs) / len(rs)
        acc = sum(r["right"] for r in rs) / len(rs)
        ece += len(rs) / len(rows) * abs(acc - mean)
        table.append((lo, hi, len(rs), mean, acc))
    return table, ece


def answered(w, r, t):
    """The server's rule (lib/rank/answer.cc): the top cause's confidence reaches the threshold, and a
    catalogue's meaning answers only for a certain reading of the code."""
    return r["x"][FEATURES.index("guessed_meaning")] == 0 and predict(w, r["x"]) >= t


def threshold(rows, w):
    """The lowest threshold that leaves ABSTAIN_SHARE of the unanswerable rows unanswered."""
    unanswerable = [r for r in rows if not r["answerable"]]
    if not unanswerable:
        return 0.3
    for t in sorted({0.0} | {predict(w, r["x"]) + 1e-4 for r in unanswerable}):
        if sum(not answered(w, r, t) for r in unanswerable) >= ABSTAIN_SHARE * len(unanswerable):
            return t
    return 1.0


def header(w, t):
    weights = ", ".join("%.4f" % x for x in w[1:])
    return ("// Written by scripts/fit_calibration.py; do not edit. Logistic model of P(top cause right) over\n"
            "// rank::AnswerFeatures, and the answer threshold chosen on the unanswerable queries.\n#pragma once\n\n"
            "// clang-format off\n"
            "namespace errkb::rank::fit {\n\n"
            "inline constexpr double kBias = %.4f;\n"
            "inline constexpr double kWeights[] = {%s};\n"
            "inline constexpr double kAnswerThreshold = %.4f;\n\n"
            "}  // namespace errkb::rank::fit\n"
            "// clang-format on\n" % (w[0], weights, t))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data", nargs="+")
    ap.add_argument("--write")
    ap.add_argument("--keep-data")
    a = ap.parse_args()
    rows = read(a.data)
    train = [r for r in rows if not held_apart(r["qid"])]
    test = [r for r in rows if held_apart(r["qid"])]
    w = fit(train)
    # The unanswerable queries are few (a few dozen): the threshold is chosen on all of them, fit and held
    # apart, so that one query more or less on either side of the split does not move it.
    t = threshold(rows, w)
    print("fit on %d answers, held apart %d" % (len(train), len(test)))
    print("weights: bias %.4f, %s" % (w[0], ", ".join("%s %.4f" % p for p in zip(FEATURES, w[1:]))))
    for name, part in (("fit", train), ("held apart", test)):
        table, ece = reliability(part, w)
        ans = [r for r in part if r["answerable"]]
        un = [r for r in part if not r["answerable"]]
        print("%s: ECE %.4f; answered %.1f%% of %d answerable; no_answer on %.1f%% of %d unanswerable" % (
            name, ece, 100 * sum(answered(w, r, t) for r in ans) / max(1, len(ans)), len(ans),
            100 * sum(not answered(w, r, t) for r in un) / max(1, len(un)), len(un)))
        for lo, hi, n, mean, acc in table:
            print("  %.1f-%.1f  n %4d  mean %.3f  right %.3f" % (lo, hi, n, mean, acc))
    print("answer threshold %.4f" % t)
    if a.write:
        with open(a.write, "w") as f:
            f.write(header(w, t))
    if a.keep_data:
        os.makedirs(a.keep_data, exist_ok=True)
        for p in a.data:
            shutil.copy(p, os.path.join(a.keep_data, os.path.basename(p)))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""The peers of scripts/bench.sh: SQLite FTS5 and PostgreSQL full-text search on the same KB and
queries, plus small helpers (request files for wrk, percentiles, the results table).

    bench_peers.py fts5-load  --kb DIR [--kb DIR] --db FILE
    bench_peers.py fts5-query --db FILE --queries TSV --seconds S
    bench_peers.py pg-load    --kb DIR [--kb DIR] --dsn DSN
    bench_peers.py pg-query   --dsn DSN --queries TSV --seconds S
    bench_peers.py http-query --url http://127.0.0.1:PORT --queries TSV --seconds S   (errkb, same loop)
    bench_peers.py wrk-files  --queries TSV --out DIR      (codes.txt, search.txt, diagnose.txt)

Every command prints one JSON object on stdout. Rows are one per source item (article, thread,
catalogue entry; see eval_kb.py). Query shapes, the same for both peers: a code lookup is an AND
of the code's tokens (a phrase in FTS5); symptom and code+symptom queries are an OR of their
words ranked by bm25 / ts_rank, top 10 (an AND of 4-6 customer words finds nothing most of the time).
"""
import argparse
import json
import os
import re
import sqlite3
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import eval_kb  # noqa: E402

WORD = re.compile(r"\w+", re.UNICODE)


def percentile(sorted_values, p):
    if not sorted_values:
        return None
    k = min(len(sorted_values) - 1, max(0, int(round(p / 100.0 * (len(sorted_values) - 1)))))
    return sorted_values[k]


def read_queries(path):
    out = []
    with open(path, encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        for line in f:
            cols = line.rstrip("\n").split("\t")
            row = dict(zip(header, cols))
            out.append(row)
    return out


def rows_of(kbs):
    for kb in kbs:
        for it in eval_kb.read_kb(kb):
            yield it["id"], it["title"], it["text"]


def dir_size(path):
    if os.path.isfile(path):
        return os.path.getsize(path)
    total = 0
    for d, _, files in os.walk(path):
        for n in files:
            try:
                total += os.path.getsize(os.path.join(d, n))
            except OSError:
                pass
    return total


# ---- SQLite FTS5 ---------------------------------------------------------------------------------
def fts5_match(kind, q):
    toks = WORD.findall(q)
    if not toks:
        return None
    if kind == "code":
        return '"' + " ".join(toks) + '"'
    return " OR ".join('"%s"' % t for t in toks)


def cmd_fts5_load(a):
    if os.path.exists(a.db):
        os.remove(a.db)
    t0 = time.perf_counter()
    con = sqlite3.connect(a.db)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("CREATE VIRTUAL TABLE docs USING fts5(id UNINDEXED, title, body)")
    n = 0
    nbytes = 0
    batch = []
    for r in rows_of(a.kb):
        batch.append(r)
        nbytes += len(r[1]) + len(r[2])
        if len(batch) >= 5000:
            con.executemany("INSERT INTO docs VALUES (?,?,?)", batch)
            n += len(batch)
            batch = []
    con.executemany("INSERT INTO docs VALUES (?,?,?)", batch)
    n += len(batch)
    con.commit()
    t_insert = time.perf_counter() - t0
    con.execute("INSERT INTO docs(docs) VALUES('optimize')")
    con.commit()
    con.close()
    secs = time.perf_counter() - t0
    print(json.dumps({"engine": "sqlite-fts5", "rows": n, "text_bytes": nbytes, "seconds": secs,
                      "seconds_insert": t_insert, "size_bytes": dir_size(a.db)}))


def interleave(queries):
    """Round robin over the kinds, so a short run still sees every kind."""
    by = {}
    for q in queries:
        by.setdefault(q["kind"], []).append(q)
    lists = list(by.values())
    out = []
    for i in range(max((len(v) for v in lists), default=0)):
        out += [v[i] for v in lists if i < len(v)]
    return out


def run_loop(search, queries, seconds):
    """Cycles through the queries for `seconds`; latencies per kind (ms), hits for the sanity check."""
    queries = interleave(queries)
    lat = {}
    found = {}
    t_end = time.perf_counter() + seconds
    i = 0
    n = 0
    t_start = time.perf_counter()
    while True:
        q = queries[i % len(queries)]
        i += 1
        t0 = time.perf_counter()
        ids = search(q["kind"], q["query"])
        dt = (time.perf_counter() - t0) * 1000.0
        lat.setdefault(q["kind"], []).append(dt)
        if i <= len(queries):
            found.setdefault(q["kind"], []).append(1 if q.get("source_id") in ids else 0)
        n += 1
        if time.perf_counter() >= t_end and i >= min(len(queries), 50):
            break
    wall = time.perf_counter() - t_start
    out = {"queries": n, "seconds": wall, "qps": n / wall, "by_kind": {}, "found": found}
    for kind, v in lat.items():
        v.sort()
        out["by_kind"][kind] = {"n": len(v), "p50_ms": percentile(v, 50), "p99_ms": percentile(v, 99),
                                "mean_ms": sum(v) / len(v), "qps": 1000.0 / (sum(v) / len(v)),
                                "source_in_top10": sum(found.get(kind, [])) / max(1, len(found.get(kind, [])))}
    allv = sorted(x for v in lat.values() for x in v)
    out["p50_ms"], out["p99_ms"] = percentile(allv, 50), percentile(allv, 99)
    return out


def cmd_fts5_query(a):
    con = sqlite3.connect(a.db)

    def search(kind, q):
        m = fts5_match(kind, q)
        if not m:
            return []
        try:
            return [r[0] for r in con.execute(
                "SELECT id FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT 10", (m,))]
        except sqlite3.OperationalError:
            return []

    out = run_loop(search, read_queries(a.queries), a.seconds)
    out["engine"] = "sqlite-fts5"
    print(json.dumps(out))


# ---- PostgreSQL ----------------------------------------------------------------------------------
def pg_connect(dsn):
    import psycopg2
    return psycopg2.connect(dsn)


def cmd_pg_load(a):
    con = pg_connect(a.dsn)
    cur = con.cursor()
    cur.execute("DROP TABLE IF EXISTS docs")
    cur.execute("CREATE TABLE docs (id text PRIMARY KEY, title text, body text, "
                "tsv tsvector GENERATED ALWAYS AS (setweight(to_tsvector('english', coalesce(title,'')), 'A') || "
                "to_tsvector('english', coalesce(body,''))) STORED)")
    con.commit()
    t0 = time.perf_counter()
    import io
    n = 0
    nbytes = 0
    buf = io.StringIO()
    seen = set()

    def esc(s):
        return s.replace("\\", "\\\\").replace("\t", " ").replace("\n", "\\n").replace("\r", " ")

    def flush():
        buf.seek(0)
        cur.copy_from(buf, "docs", columns=("id", "title", "body"))
        buf.seek(0)
        buf.truncate()

    for r in rows_of(a.kb):
        if r[0] in seen:
            continue
        seen.add(r[0])
        buf.write("%s\t%s\t%s\n" % (esc(r[0]), esc(r[1]), esc(r[2])))
        n += 1
        nbytes += len(r[1]) + len(r[2])
        if n % 5000 == 0:
            flush()
    flush()
    con.commit()
    t_insert = time.perf_counter() - t0
    cur.execute("CREATE INDEX docs_tsv ON docs USING gin(tsv)")
    con.commit()
    secs = time.perf_counter() - t0
    con.autocommit = True
    cur.execute("VACUUM ANALYZE docs")
    cur.execute("SELECT pg_total_relation_size('docs')")
    size = cur.fetchone()[0]
    print(json.dumps({"engine": "postgresql", "rows": n, "text_bytes": nbytes, "seconds": secs,
                      "seconds_insert": t_insert, "size_bytes": size}))


def cmd_pg_query(a):
    con = pg_connect(a.dsn)
    con.autocommit = True
    cur = con.cursor()
    and_sql = ("SELECT id FROM docs, plainto_tsquery('english', %s) q WHERE tsv @@ q "
               "ORDER BY ts_rank(tsv, q) DESC LIMIT 10")
    or_sql = ("SELECT id FROM docs, CAST(replace(plainto_tsquery('english', %s)::text, '&', '|') AS tsquery) q "
              "WHERE tsv @@ q ORDER BY ts_rank(tsv, q) DESC LIMIT 10")

    def search(kind, q):
        try:
            cur.execute(and_sql if kind == "code" else or_sql, (q,))
            return [r[0] for r in cur.fetchall()]
        except Exception:  # an empty tsquery (stop words only) is an error for the cast
            return []

    out = run_loop(search, read_queries(a.queries), a.seconds)
    out["engine"] = "postgresql"
    print(json.dumps(out))


# ---- errkb over HTTP, the same single-client loop ----------------------------------------------------
def cmd_http_query(a):
    import http.client
    u = urllib.parse.urlparse(a.url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)

    def get(path):
        for attempt in (0, 1):
            try:
                conn.request("GET", path)
                r = conn.getresponse()
                body = r.read()
                return json.loads(body) if r.status == 200 else {}
            except (http.client.HTTPException, OSError):
                conn.close()
                if attempt:
                    raise
        return {}

    def search(kind, q):
        if kind == "code":
            b = get("/v1/codes/" + urllib.parse.quote(q, safe=""))
            ids = [h.get("doc_id") for h in b.get("catalogue_entries", [])]
            for causes in (b.get("causes") or {}).values():
                ids += [e.get("doc_id") for c in causes for e in c.get("evidence", [])]
            return ids
        b = get("/v1/search?limit=10&q=" + urllib.parse.quote(q, safe=""))
        return [h.get("doc_id") for h in b.get("hits", [])]

    out = run_loop(search, read_queries(a.queries), a.seconds)
    out["engine"] = "errkb-http"
    print(json.dumps(out))


# ---- request files for wrk -----------------------------------------------------------------------
def cmd_wrk_files(a):
    os.makedirs(a.out, exist_ok=True)
    qs = read_queries(a.queries)
    n = {"codes": 0, "search": 0, "diagnose": 0}
    with open(os.path.join(a.out, "codes.txt"), "w", encoding="utf-8") as fc, \
            open(os.path.join(a.out, "search.txt"), "w", encoding="utf-8") as fs, \
            open(os.path.join(a.out, "diagnose.txt"), "w", encoding="utf-8") as fd:
        for q in qs:
            vendor = q.get("vendor", "")
            if q["kind"] == "code":
                path = "/v1/codes/" + urllib.parse.quote(q["query"], safe="")
                if vendor:
                    path += "?vendor=" + urllib.parse.quote(vendor, safe="")
                fc.write(path + "\n")
                n["codes"] += 1
            else:
                fs.write("/v1/search?limit=10&q=" + urllib.parse.quote(q["query"], safe="") + "\n")
                fd.write(json.dumps({"text": q["query"], "vendor": vendor}, ensure_ascii=False) + "\n")
                n["search"] += 1
                n["diagnose"] += 1
    print(json.dumps(n))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("fts5-load"); p.add_argument("--kb", action="append", required=True); p.add_argument("--db", required=True)
    p = sub.add_parser("fts5-query"); p.add_argument("--db", required=True); p.add_argument("--queries", required=True)
    p.add_argument("--seconds", type=float, default=10)
    p = sub.add_parser("pg-load"); p.add_argument("--kb", action="append", required=True); p.add_argument("--dsn", required=True)
    p = sub.add_parser("pg-query"); p.add_argument("--dsn", required=True); p.add_argument("--queries", required=True)
    p.add_argument("--seconds", type=float, default=10)
    p = sub.add_parser("http-query"); p.add_argument("--url", required=True); p.add_argument("--queries", required=True)
    p.add_argument("--seconds", type=float, default=10)
    p = sub.add_parser("wrk-files"); p.add_argument("--queries", required=True); p.add_argument("--out", required=True)
    a = ap.parse_args()
    {"fts5-load": cmd_fts5_load, "fts5-query": cmd_fts5_query, "pg-load": cmd_pg_load,
     "pg-query": cmd_pg_query, "http-query": cmd_http_query, "wrk-files": cmd_wrk_files}[a.cmd](a)


if __name__ == "__main__":
    main()

#!/usr/bin/env bash
# Warm start: how long a freshly started errkb-server takes until it answers at full speed (/readyz
# says "warm"), what it holds once warm, and what a query costs it, with the generation's tables file
# mapped (`tables_source: file`) beside the same server building its tables from the index (the file
# moved aside for that round: `tables_source: index`), in alternated rounds on one index. With
# --baseline-build, a third server, another build's, on the same index in the same rounds.
#
#   scripts/bench-warm.sh --index DIR --queries TSV [--build-dir DIR] [--baseline-build DIR]
#                         [--rounds N] [--seconds S] [--out FILE] [--port P]
#
#   --index     an index made by errkb-indexer (e.g. the bench-index.sh work folder's `index`)
#   --queries   the query mix of gen_synthetic_kb.py (the same work folder's `queries.tsv`)
#   --rounds    rounds of each server (default 3); --seconds: the query loop of each round (default 10)
#   --port      the port every server listens on, one at a time (default: a free one each round)
#
# Each round and server: start, time to /healthz and to warm; VmRSS, RssAnon (the process's own) and
# RssFile (mapped file pages: the tables file's and Xapian's, shared page cache) once warm and after
# the query loop; the single-client query loop (bench_peers.py http-query) with the server's CPU time
# per query read from /proc; the first 300 searches' ids and scores, compared between the servers.
# Prints one table with the medians, the spread (min-max) and the ratios file / index; writes --out
# (JSON).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${PYTHON:-/usr/bin/python3}
BUILD_DIR=$ROOT/build
BASELINE=""
INDEX=""
QUERIES=""
ROUNDS=3
SECONDS_PER_LOOP=10
PORT=0
OUT=""
while (($#)); do
  case $1 in
    --index) INDEX=$2; shift 2 ;;
    --queries) QUERIES=$2; shift 2 ;;
    --build-dir) BUILD_DIR=$2; shift 2 ;;
    --baseline-build) BASELINE=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --seconds) SECONDS_PER_LOOP=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "bench-warm: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ -n $INDEX && -n $QUERIES ]] || { echo "bench-warm: --index and --queries are required" >&2; exit 2; }
[[ -x $BUILD_DIR/errkb-server ]] || { echo "bench-warm: no $BUILD_DIR/errkb-server" >&2; exit 2; }

exec "$PY" - "$ROOT" "$BUILD_DIR" "$BASELINE" "$INDEX" "$QUERIES" "$ROUNDS" "$SECONDS_PER_LOOP" "$OUT" "$PORT" <<'EOF'
import glob, json, os, shutil, signal, socket, statistics, subprocess, sys, tempfile, time, urllib.parse, urllib.request

root, build, baseline, index, queries, rounds, seconds, out, port = sys.argv[1:]
rounds, seconds, port = int(rounds), float(seconds), int(port)

def log(*a): print("bench-warm:", *a, file=sys.stderr, flush=True)

def free_port():
    if port: return port
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def generation():
    stub = open(os.path.join(index, "current")).read().split()
    return os.path.join(index, stub[-1])

def tables_files():
    return sorted(glob.glob(os.path.join(generation(), "tables-*.dat")))

def get(url, timeout=5):
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"{}")
    except Exception:
        return None, {}

def proc_status(pid):
    out = {}
    for line in open(f"/proc/{pid}/status"):
        k, _, v = line.partition(":")
        if k in ("VmRSS", "RssAnon", "RssFile"):
            out[k] = int(v.split()[0]) / 1024.0
    return out

def cpu_seconds(pid):
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / os.sysconf("SC_CLK_TCK")

def first_searches(url, n=300):
    rows = []
    for line in open(queries, encoding="utf-8"):
        parts = line.rstrip("\n").split("\t")
        if len(parts) < 2 or parts[0] == "kind": continue
        _, body = get(url + "/v1/search?limit=10&q=" + urllib.parse.quote(parts[1], safe=""))
        rows.append([(h.get("id"), round(h.get("score", 0), 9)) for h in body.get("hits", [])])
        if len(rows) == n: break
    return rows

def one_round(name, binary, hide_file):
    moved = []
    aside = tempfile.mkdtemp(prefix="errkb-bench-warm-aside-", dir=os.path.dirname(os.path.abspath(index)))
    if hide_file:
        for f in tables_files():
            shutil.move(f, os.path.join(aside, os.path.basename(f))); moved.append(f)
    port = free_port(); url = f"http://127.0.0.1:{port}"
    work = tempfile.mkdtemp(prefix="errkb-bench-warm-")
    t0 = time.monotonic()
    proc = subprocess.Popen([binary, "--index", index, "--listen", f"127.0.0.1:{port}",
                             "--feedback-db", os.path.join(work, "feedback.db")],
                            stdout=open(os.path.join(work, "server.log"), "w"), stderr=subprocess.STDOUT)
    r = {"server": name}
    try:
        while get(url + "/healthz", 1)[0] != 200:
            if proc.poll() is not None: raise SystemExit(open(os.path.join(work, "server.log")).read())
            time.sleep(0.02)
        r["healthz_s"] = time.monotonic() - t0
        while True:
            status, body = get(url + "/readyz", 2)
            if status == 200 and body.get("warm"): break
            if time.monotonic() - t0 > 600: raise SystemExit("not warm after 10 minutes")
            time.sleep(0.02)
        r["warm_s"] = time.monotonic() - t0
        r["tables_source"] = body.get("tables_source", "")
        r["warm_mem"] = proc_status(proc.pid)
        c0 = cpu_seconds(proc.pid)
        loop = subprocess.run([sys.executable, os.path.join(root, "scripts/bench_peers.py"), "http-query", "--url", url,
                               "--queries", queries, "--seconds", str(seconds)], capture_output=True, text=True, check=True)
        loop = json.loads(loop.stdout)
        r["cpu_ms_per_query"] = (cpu_seconds(proc.pid) - c0) * 1000.0 / loop["queries"]
        r["p50_ms"], r["p99_ms"], r["qps"] = loop["p50_ms"], loop["p99_ms"], loop["qps"]
        r["loop_mem"] = proc_status(proc.pid)
        r["results"] = first_searches(url)
    finally:
        proc.send_signal(signal.SIGTERM); proc.wait()
        if hide_file:
            for f in tables_files(): os.remove(f)  # what this server wrote for its next start
            for f in moved: shutil.move(os.path.join(aside, os.path.basename(f)), f)
        shutil.rmtree(work, ignore_errors=True)
        os.rmdir(aside)
    log(f"{name}: warm in {r['warm_s']:.2f}s ({r['tables_source']}), RSS {r['warm_mem'].get('VmRSS', 0):.0f} MB "
        f"(anon {r['warm_mem'].get('RssAnon', 0):.0f}), {r['cpu_ms_per_query']:.2f} CPU ms/query")
    return r

if not tables_files():
    log("no tables file beside the index: writing it with a server start")
    one_round("prime", os.path.join(build, "errkb-server"), False)
servers = [("file", os.path.join(build, "errkb-server"), False), ("index", os.path.join(build, "errkb-server"), True)]
if baseline: servers.append(("baseline", os.path.join(baseline, "errkb-server"), False))
runs = {name: [] for name, _, _ in servers}
for i in range(rounds):
    order = servers if i % 2 == 0 else list(reversed(servers))
    for name, binary, hide in order:
        runs[name].append(one_round(name, binary, hide))

def figures(name, key, sub=None):
    return [(x[key][sub] if sub else x[key]) for x in runs[name]]
rows = [("to /healthz, s", "healthz_s", None), ("to warm, s", "warm_s", None),
        ("VmRSS warm, MB", "warm_mem", "VmRSS"), ("RssAnon warm, MB", "warm_mem", "RssAnon"),
        ("RssFile warm, MB", "warm_mem", "RssFile"), ("VmRSS after queries, MB", "loop_mem", "VmRSS"),
        ("RssAnon after queries, MB", "loop_mem", "RssAnon"), ("server CPU ms / query", "cpu_ms_per_query", None),
        ("1 client p50 ms", "p50_ms", None), ("1 client p99 ms", "p99_ms", None)]
names = [n for n, _, _ in servers]
print("| | " + " | ".join(f"{n}: median (min-max)" for n in names) + " | file / index |")
print("|---|" + "---:|" * (len(names) + 1))
for label, key, sub in rows:
    cells, med = [], {}
    for n in names:
        v = figures(n, key, sub); med[n] = statistics.median(v)
        cells.append(f"{med[n]:.2f} ({min(v):.2f}-{max(v):.2f})")
    ratio = med["file"] / med["index"] if med["index"] else float("nan")
    print(f"| {label} | " + " | ".join(cells) + f" | {ratio:.2f} |")
same = all(x["results"] == runs["index"][0]["results"] for n in names for x in runs[n] if n != "baseline")
print(f"first 300 searches: ids and scores {'identical' if same else 'DIFFERENT'} between file and index")
if baseline:
    same_b = all(x["results"] == runs["index"][0]["results"] for x in runs["baseline"])
    print(f"first 300 searches: ids and scores {'identical' if same_b else 'DIFFERENT'} between this build and the baseline")
if out:
    for v in runs.values():
        for x in v: x.pop("results", None)
    json.dump(runs, open(out, "w"), indent=1)
EOF

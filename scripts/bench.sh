#!/usr/bin/env bash
# Performance benchmark: errkb beside SQLite FTS5 and PostgreSQL 15 full-text search, one run, the
# same synthetic KB and the same queries.
#
#   scripts/bench.sh [--passages N | --small | --smoke] [--plot] [--build-dir DIR] [--out DIR]
#                    [--work DIR] [--duration S] [--no-pg]
#
#   (default)   1,000,000 passages, 20 s per load step      --small  100,000 passages, 10 s
#   --smoke     2,000 passages, 2 s per step: the ctest `bench_smoke` (under a minute)
#   --work      where the KB, indexes and databases go (default BUILD_DIR/bench-work-N; the generated
#               KB is kept and reused while N and the generator are unchanged)
#   --out       the results (default BUILD_DIR/bench-out, BUILD_DIR/bench-out-smoke)
#
# Steps: generate the KB and query mix (gen_synthetic_kb.py); errkb-indexer rebuild, 1% update,
# size, peak memory, and the SQLite FTS5 load (bench-index.sh); PostgreSQL 15 in a private cluster
# (initdb in a temp dir, loopback port, started as user postgres when run as root, stopped at the
# end): load, tsvector + GIN, size; errkb-server on a free loopback port; the same single-client
# query loop against errkb (HTTP), FTS5 and PostgreSQL (q/s, p50, p99 per query kind); wrk with
# 16 keep-alive connections (-t2) on /healthz (the HTTP ceiling), /v1/codes, /v1/search and
# /v1/diagnose, as fast as they answer, then at the targets' rates (each connection waiting a random
# think time between requests); nginx answering a constant body under the same load, for comparison;
# /v1/search p99 while a full rebuild runs. Prints one table with the ratios
# (errkb / peer), writes OUT/bench-results.json, and with --plot OUT/*.png (gnuplot).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${PYTHON:-/usr/bin/python3}
PASSAGES=1000000
DURATION=20
PEER_SECONDS=15
BUILD_DIR=$ROOT/build
OUT=""
WORK=""
PLOT=0
PG=1
SMOKE=0
while (($#)); do
  case $1 in
    --passages) PASSAGES=$2; shift 2 ;;
    --small) PASSAGES=100000; DURATION=10; PEER_SECONDS=8; shift ;;
    --smoke) PASSAGES=2000; DURATION=2; PEER_SECONDS=1; SMOKE=1; shift ;;
    --duration) DURATION=$2; PEER_SECONDS=$2; shift 2 ;;
    --plot) PLOT=1; shift ;;
    --build-dir) BUILD_DIR=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    --no-pg) PG=0; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "bench: unknown option $1" >&2; exit 2 ;;
  esac
done
BUILD_DIR=$(mkdir -p "$BUILD_DIR" && cd "$BUILD_DIR" && pwd)
[[ -n $WORK ]] || WORK=$BUILD_DIR/bench-work-$PASSAGES
[[ -n $OUT ]] || OUT=$BUILD_DIR/bench-out$( ((SMOKE)) && echo -smoke || true)
mkdir -p "$WORK" "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$(cd "$WORK" && pwd)
log() { echo "bench: $*" >&2; }

for tool in wrk /usr/bin/time; do
  command -v "$tool" >/dev/null || { log "$tool is missing (scripts/install-deps.sh --bench)"; exit 2; }
done
if [[ ! -x $BUILD_DIR/errkb-indexer || ! -x $BUILD_DIR/errkb-server ]]; then
  log "building errkb-indexer and errkb-server in $BUILD_DIR"
  cmake -S "$ROOT" -B "$BUILD_DIR" >/dev/null
  cmake --build "$BUILD_DIR" -j2 --target errkb-indexer errkb-server >/dev/null
fi
PGBIN=$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || true)
if ((PG)) && [[ -z $PGBIN ]]; then log "PostgreSQL 15 not installed; skipping it (--no-pg)"; PG=0; fi

SERVER_PID=""
PG_DIR=""
REBUILD_PID=""
NGINX_RUNNING=0
cleanup() {  # must not change the exit status: every step ends true
  local rc=$?
  if [[ -n $REBUILD_PID ]]; then kill "$REBUILD_PID" 2>/dev/null || true; fi
  if [[ -n $SERVER_PID ]]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  if [[ -n $PG_DIR && -f $PG_DIR/data/postmaster.pid ]]; then pg_as "$PGBIN/pg_ctl" -D "$PG_DIR/data" -m immediate stop >/dev/null 2>&1 || true; fi
  if [[ -n $PG_DIR ]]; then rm -rf "$PG_DIR"; fi
  if ((NGINX_RUNNING)); then nginx -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" -s stop 2>/dev/null || true; fi
  exit "$rc"
}
trap cleanup EXIT
pg_as() { if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# ---- 1. KB, errkb indexing, FTS5 load ------------------------------------------------------------
log "indexing benchmark ($PASSAGES passages)"
bash "$ROOT/scripts/bench-index.sh" --passages "$PASSAGES" --build-dir "$BUILD_DIR" --work "$WORK" \
  --json "$OUT/index.json" | tee "$OUT/index.txt" >&2
KB=$WORK/kb
INDEX=$WORK/index
QUERIES=$WORK/queries.tsv
"$PY" "$ROOT/scripts/bench_peers.py" wrk-files --queries "$QUERIES" --out "$WORK/wrk" >/dev/null
echo "/healthz" >"$WORK/wrk/healthz.txt"

# ---- 2. PostgreSQL 15 ----------------------------------------------------------------------------
echo null >"$OUT/pg-load.json"; echo null >"$OUT/pg-query.json"
if ((PG)); then
  PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/errkb-pg.XXXXXX")
  [[ $(id -u) -eq 0 ]] && chown postgres "$PG_DIR"
  PG_PORT=$(free_port)
  log "PostgreSQL 15: private cluster on 127.0.0.1:$PG_PORT in $PG_DIR"
  pg_as "$PGBIN/initdb" -D "$PG_DIR/data" -A trust -U bench -E UTF8 --locale=C.UTF-8 >/dev/null
  pg_as "$PGBIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w -o \
    "-p $PG_PORT -k $PG_DIR -c listen_addresses=127.0.0.1 -c shared_buffers=512MB -c maintenance_work_mem=512MB -c max_wal_size=4GB" \
    start >/dev/null
  DSN="host=127.0.0.1 port=$PG_PORT user=bench dbname=postgres"
  "$PY" "$ROOT/scripts/bench_peers.py" pg-load --kb "$KB" --dsn "$DSN" >"$OUT/pg-load.json"
  "$PY" "$ROOT/scripts/bench_peers.py" pg-query --dsn "$DSN" --queries "$QUERIES" --seconds "$PEER_SECONDS" \
    >"$OUT/pg-query.json"
  pg_as "$PGBIN/pg_ctl" -D "$PG_DIR/data" -m fast stop >/dev/null
  rm -rf "$PG_DIR"; PG_DIR=""
fi

# ---- 3. SQLite FTS5 queries ----------------------------------------------------------------------
log "SQLite FTS5 query loop"
"$PY" "$ROOT/scripts/bench_peers.py" fts5-query --db "$WORK/fts5.db" --queries "$QUERIES" --seconds "$PEER_SECONDS" \
  >"$OUT/fts5-query.json"

# ---- 4. errkb-server: the same loop, then wrk ----------------------------------------------------
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
log "errkb-server on $URL"
"$BUILD_DIR/errkb-server" --index "$INDEX" --kb "$KB" --listen "127.0.0.1:$PORT" \
  --feedback-db "$WORK/feedback.db" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 300); do
  curl -sf "$URL/healthz" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { log "errkb-server exited"; cat "$WORK/server.log" >&2; exit 1; }
  sleep 0.1
done
curl -sf "$URL/healthz" >/dev/null || { log "errkb-server not healthy"; exit 1; }
# Measured warm: the in-memory tables (rank records, spelling, bitsets, posting lists) load in the
# background once the index opens, and queries meanwhile read the index and share the cores with the
# loader. wait_warm URL: up to 5 minutes.
wait_warm() {
  for _ in $(seq 1 3000); do
    curl -sf "$1/readyz" 2>/dev/null | grep -q '"warm":true' && return 0
    sleep 0.1
  done
  log "errkb-server at $1 not warm after 5 minutes; measuring anyway"
}
wait_warm "$URL"
"$PY" "$ROOT/scripts/bench_peers.py" http-query --url "$URL" --queries "$QUERIES" --seconds "$PEER_SECONDS" \
  >"$OUT/errkb-query.json"
# The same loop on a second server matching exactly (no prose_scan_budget): what the budget costs in
# finding the source document.
EXACT_PORT=$(free_port)
printf 'prose_scan_budget: 0\n' >"$WORK/exact.yaml"
"$BUILD_DIR/errkb-server" --config "$WORK/exact.yaml" --index "$INDEX" --kb "$KB" --listen "127.0.0.1:$EXACT_PORT" \
  --threads 2 >"$WORK/server-exact.log" 2>&1 &
EXACT_PID=$!
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$EXACT_PORT/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
wait_warm "http://127.0.0.1:$EXACT_PORT"
"$PY" "$ROOT/scripts/bench_peers.py" http-query --url "http://127.0.0.1:$EXACT_PORT" --queries "$QUERIES" \
  --seconds "$PEER_SECONDS" >"$OUT/errkb-exact-query.json" || true
kill "$EXACT_PID"; wait "$EXACT_PID" 2>/dev/null || true

cat >"$WORK/bench.lua" <<'EOF'
-- Cycles through request lines (GET paths, or JSON bodies POSTed to /v1/diagnose); each thread
-- starts at its own offset. done() prints one JSON line with throughput and percentiles.
local threads = {}
local offset = 0
function setup(thread)
  thread:set("start", offset)
  offset = offset + 7919
  table.insert(threads, thread)
end
function init(args)
  lines = {}
  mode = args[2] or "GET"
  for l in io.lines(args[1]) do if #l > 0 then lines[#lines + 1] = l end end
  i = start % #lines
end
function request()
  i = i % #lines + 1
  if mode == "POST" then
    return wrk.format("POST", "/v1/diagnose", {["Content-Type"] = "application/json"}, lines[i])
  end
  return wrk.format("GET", lines[i])
end
function done(summary, latency, requests)
  local ps = {}
  for _, p in ipairs({1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 99.9}) do
    ps[#ps + 1] = string.format('[%g,%d]', p, latency:percentile(p))
  end
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%d,"duration_us":%d,"non2xx":%d,"errors":%d,' ..
    '"p50_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f,"percentiles":[%s]}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max, latency.mean, table.concat(ps, ",")))
end
EOF

# The same requests at a set rate: each connection waits a random think time (exponential, so that
# the connections do not fall into step) between an answer and its next request.
{ cat "$WORK/bench.lua"; cat <<'EOF'
function delay()
  local d = -think_ms * math.log(1 - math.random())
  local whole = math.floor(d)  -- wrk waits whole milliseconds: round up or down at random
  if math.random() < d - whole then whole = whole + 1 end
  return whole
end
local init_requests = init
function init(args)
  init_requests(args)
  think_ms = tonumber(args[3])
  math.randomseed(start + os.time())
end
EOF
} >"$WORK/bench-rate.lua"

CONNECTIONS=16
PROBE_SECONDS=$(( DURATION >= 20 ? 4 : 1 ))
wrk_once() {  # url script file mode seconds [think_ms]: prints wrk's JSON line, or null
  local out j
  out=$(wrk -t2 -c"$CONNECTIONS" -d"$5s" --timeout 10s -s "$2" "$1" -- "$3" "$4" ${6:+"$6"} 2>&1 || true)
  j=$(sed -n 's/^WRKJSON //p' <<<"$out")
  [[ -n $j ]] || { log "wrk produced no result:"; echo "$out" >&2; j=null; }
  echo "$j"
}
run_wrk() {  # name file mode seconds
  wrk_once "$URL" "$WORK/bench.lua" "$2" "$3" "$4" >"$OUT/wrk-$1.json"
}
# run_wrk_at_rate name file mode rate seconds: the think time that gives `rate` requests a second is
# found by three short probes (a connection's cycle is its think time plus the answer's latency),
# aiming 3% over the rate.
run_wrk_at_rate() {
  local name=$1 file=$2 mode=$3 rate=$4 secs=$5 think j
  think=$("$PY" -c 'import sys; print(int(sys.argv[1]) * 1000 / float(sys.argv[2]))' "$CONNECTIONS" "$rate")
  for _ in 1 2 3; do
    j=$(wrk_once "$URL" "$WORK/bench-rate.lua" "$file" "$mode" "$PROBE_SECONDS" "$think")
    think=$("$PY" - "$j" "$CONNECTIONS" "$rate" "$think" <<'EOF'
import json, sys
j, conns, rate, think = json.loads(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
if j and j["requests"]:
    cycle_ms = conns * j["duration_us"] / j["requests"] / 1000  # think time + latency + wrk's own
    think = max(0.0, conns * 1000 / (rate * 1.03) - (cycle_ms - think))
print("%.4f" % think)
EOF
)
  done
  j=$(wrk_once "$URL" "$WORK/bench-rate.lua" "$file" "$mode" "$secs" "$think")
  "$PY" - "$j" "$rate" "$think" >"$OUT/wrk-$name.json" <<'EOF'
import json, sys
j = json.loads(sys.argv[1])
if j:
    j.update(target_rps=float(sys.argv[2]), think_ms=float(sys.argv[3]))
print(json.dumps(j))
EOF
}
for ep in healthz codes search; do
  log "wrk $ep (${DURATION}s, $CONNECTIONS connections)"
  run_wrk "$ep" "$WORK/wrk/$ep.txt" GET "$DURATION"
done
log "wrk diagnose (${DURATION}s, $CONNECTIONS connections)"
run_wrk diagnose "$WORK/wrk/diagnose.txt" POST "$DURATION"
# At the targets' rates (README): code lookups at 10,000 a second, searches and diagnoses at 1,000.
for spec in codes:GET:10000 search:GET:1000 diagnose:POST:1000; do
  IFS=: read -r ep mode rate <<<"$spec"
  log "wrk $ep at $rate req/s (${DURATION}s, $CONNECTIONS connections)"
  run_wrk_at_rate "$ep-at-rate" "$WORK/wrk/$ep.txt" "$mode" "$rate" "$DURATION"
done

# nginx answering a constant body under the same load: what a server doing no work at all gets from
# this machine's HTTP over loopback, beside errkb's /healthz.
echo null >"$OUT/wrk-nginx-constant.json"
if command -v nginx >/dev/null; then
  NGINX_DIR=$WORK/nginx
  mkdir -p "$NGINX_DIR"
  NGINX_PORT=$(free_port)
  cat >"$NGINX_DIR/nginx.conf" <<EOF
worker_processes auto;  # one a core, as errkb's event loops
pid $NGINX_DIR/nginx.pid;
error_log $NGINX_DIR/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $NGINX_DIR/body; proxy_temp_path $NGINX_DIR/proxy; fastcgi_temp_path $NGINX_DIR/fastcgi;
  uwsgi_temp_path $NGINX_DIR/uwsgi; scgi_temp_path $NGINX_DIR/scgi;
  keepalive_requests 100000000;
  server {
    listen 127.0.0.1:$NGINX_PORT backlog=1024;
    tcp_nodelay on;
    location / { default_type application/json; return 200 '{"status":"ok"}'; }
  }
}
EOF
  log "nginx, constant answer, on 127.0.0.1:$NGINX_PORT: wrk (${DURATION}s, $CONNECTIONS connections)"
  if nginx -e "$NGINX_DIR/error.log" -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf"; then
    NGINX_RUNNING=1
    wrk_once "http://127.0.0.1:$NGINX_PORT" "$WORK/bench.lua" "$WORK/wrk/healthz.txt" GET "$DURATION" \
      >"$OUT/wrk-nginx-constant.json"
    nginx -e "$NGINX_DIR/error.log" -p "$NGINX_DIR" -c "$NGINX_DIR/nginx.conf" -s stop || true
    NGINX_RUNNING=0
  else
    log "nginx did not start; skipping it"
  fi
else
  log "nginx is not installed; skipping the constant-answer comparison (scripts/install-deps.sh --bench)"
fi

# ---- 5. /v1/search while a full rebuild runs -----------------------------------------------------
REBUILD_S=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["rebuild"]["seconds_wall"])' "$OUT/index.json")
UNDER=$("$PY" -c 'import sys; print(max(int(sys.argv[2]), min(120, int(float(sys.argv[1]) + 3))))' "$REBUILD_S" "$DURATION")
log "wrk search for ${UNDER}s while errkb-indexer rebuild runs"
( /usr/bin/time -v -o "$WORK/rebuild-under-load.time" "$BUILD_DIR/errkb-indexer" rebuild --quiet --kb "$KB" \
    --index "$INDEX" >"$WORK/rebuild-under-load.out" 2>&1; echo $? >"$WORK/rebuild-under-load.rc" ) &
REBUILD_PID=$!
run_wrk search-during-rebuild "$WORK/wrk/search.txt" GET "$UNDER"
wait "$REBUILD_PID" || true
REBUILD_PID=""
"$PY" - "$WORK/rebuild-under-load.out" "$WORK/rebuild-under-load.rc" >"$OUT/rebuild-under-load.json" <<'EOF'
import json, re, sys
out = open(sys.argv[1]).read()
m = re.search(r"(\d+) passages in ([0-9.]+)s", out)
print(json.dumps({"rc": int(open(sys.argv[2]).read().strip() or 99),
                  "passages": int(m.group(1)) if m else None, "seconds": float(m.group(2)) if m else None}))
EOF
curl -sf "$URL/healthz" >/dev/null || { log "errkb-server unhealthy after the rebuild"; exit 1; }
kill "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""

# ---- 6. report -----------------------------------------------------------------------------------
"$PY" "$ROOT/scripts/bench_report.py" --out "$OUT" --passages "$PASSAGES" $( ((PLOT)) && echo --plot || true) \
  $( ((SMOKE)) && echo --smoke || true)

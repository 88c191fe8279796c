#!/usr/bin/env bash
# Editor latency benchmark: how long a KB editor's change takes to reach the agents. A running
# errkb-server and `errkb-indexer watch` follow a synthetic KB of N passages; the script saves an
# edit (a new sentence in an article, a changed message of a catalogue entry) and polls the HTTP API
# until it answers with the new text, several times, alternating the two kinds. Then, with the watch
# stopped and the server still serving: `errkb-indexer update` that finds nothing changed, and
# `update` after 1% of the items changed (the KB changed and changed back, alternately: each round is
# a 1% update). Prints each figure (p50 and max) beside its ceiling and the ratio to it.
#
#   scripts/bench-editor.sh [--passages N] [--edits N] [--rounds N] [--build-dir DIR] [--work DIR]
#                           [--port P] [--seed S]
#
# --work keeps the generated KB and its index between runs (regenerated when N or the seed changes);
# default ${TMPDIR:-/tmp}/errkb-bench-editor.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${PYTHON:-/usr/bin/python3}
PASSAGES=100000
EDITS=10
ROUNDS=3
BUILD_DIR=$ROOT/build
WORK=${TMPDIR:-/tmp}/errkb-bench-editor
PORT=18230
SEED=42
while (($#)); do
  case $1 in
    --passages) PASSAGES=$2; shift 2 ;;
    --edits) EDITS=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --build-dir) BUILD_DIR=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    --port) PORT=$2; shift 2 ;;
    --seed) SEED=$2; shift 2 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "bench-editor: unknown option $1" >&2; exit 2 ;;
  esac
done

INDEXER=$BUILD_DIR/errkb-indexer
SERVER=$BUILD_DIR/errkb-server
if [[ ! -x $INDEXER || ! -x $SERVER ]]; then
  echo "bench-editor: building errkb-indexer and errkb-server in $BUILD_DIR" >&2
  cmake -S "$ROOT" -B "$BUILD_DIR" >/dev/null
  cmake --build "$BUILD_DIR" -j2 --target errkb-indexer errkb-server >/dev/null
fi

mkdir -p "$WORK"
KB=$WORK/kb
INDEX=$WORK/index
STAMP="passages=$PASSAGES seed=$SEED gen=$(md5sum "$ROOT/scripts/gen_synthetic_kb.py" | cut -c1-12)"
if [[ ! -f $WORK/kb.stamp || $(cat "$WORK/kb.stamp") != "$STAMP" ]]; then
  rm -rf "$KB" "$INDEX" "$WORK/kb.stamp"
  echo "bench-editor: generating $PASSAGES passages in $KB" >&2
  "$PY" "$ROOT/scripts/gen_synthetic_kb.py" generate --out "$KB" --passages "$PASSAGES" --seed "$SEED" >/dev/null
  echo "$STAMP" >"$WORK/kb.stamp"
fi
echo "bench-editor: bringing the index up to date (a rebuild the first time)" >&2
"$INDEXER" update --quiet --nice 0 --kb "$KB" --index "$INDEX" >"$WORK/first-update.out" 2>&1 ||
  (($? == 1)) || { cat "$WORK/first-update.out" >&2; exit 1; }

PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT
"$SERVER" --index "$INDEX" --listen "127.0.0.1:$PORT" --feedback-db "$WORK/feedback.db" >"$WORK/server.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 3000); do
  curl -sf "http://127.0.0.1:$PORT/readyz" 2>/dev/null | grep -q '"warm":true' && break
  sleep 0.2
done
"$INDEXER" watch --nice 0 --kb "$KB" --index "$INDEX" >"$WORK/watch.log" 2>&1 &
WATCH_PID=$!
PIDS+=($WATCH_PID)
for _ in $(seq 1 3000); do grep -q "watch: watching" "$WORK/watch.log" && break; sleep 0.2; done
grep -q "watch: watching" "$WORK/watch.log" || { cat "$WORK/watch.log" >&2; exit 1; }

echo "bench-editor: $EDITS edits through errkb-indexer watch" >&2
"$PY" - "$KB" "$PORT" "$EDITS" "$SEED" >"$WORK/edits.json" <<'EOF'
import json, os, random, sys, time, urllib.parse, urllib.request
kb, port, edits, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(seed * 7919 + int(time.time()))
def files(top, ext):
    out = []
    for d, _, names in os.walk(os.path.join(kb, top)):
        out += [os.path.join(d, n) for n in names if n.endswith(ext)]
    return sorted(out)
articles, catalogues = files("articles", ".md"), files("catalogues", ".json")
def word():  # a word no passage holds: any hit for it is the edit's; no stemmer of the KB's languages
    # shortens it (no final s), so the query finds it whatever language it is read in
    return "edq" + "".join(rng.choice("bcdfghjklmnpqrtvwxz") for _ in range(8)) + "q"
def answered(w):
    url = "http://127.0.0.1:%d/v1/search?q=%s&limit=1" % (port, urllib.parse.quote(w))
    with urllib.request.urlopen(url, timeout=10) as r:
        return bool(json.load(r)["hits"])
results = []
for i in range(edits):
    w = word()
    if i % 2 == 0:
        kind, path = "article", rng.choice(articles)
        start = time.monotonic()
        with open(path, "a", encoding="utf-8") as f:
            f.write("\nThe %s setting was lost after the restart.\n" % w)
    else:
        kind, path = "catalogue entry", rng.choice(catalogues)
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        entry = rng.choice(doc["errors"])
        entry["message"] = entry["message"].rstrip(".") + ", %s." % w
        text = json.dumps(doc, ensure_ascii=False, indent=1)
        start = time.monotonic()
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    while not answered(w):
        if time.monotonic() - start > 120:
            sys.exit("bench-editor: %s edit of %s not answered after 120 s" % (kind, path))
        time.sleep(0.005)
    results.append({"kind": kind, "seconds": time.monotonic() - start})
    time.sleep(2.0)  # an editor's next save comes seconds later
print(json.dumps(results))
EOF
kill -TERM "$WATCH_PID"
wait "$WATCH_PID" 2>/dev/null || true

timed_update() {  # LOG: wall seconds of one `errkb-indexer update`
  local t0 t1
  t0=$(date +%s.%N)
  "$INDEXER" update --quiet --nice 0 --kb "$KB" --index "$INDEX" >"$1" 2>&1 || (($? == 1))
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
}
echo "bench-editor: $ROUNDS rounds of update with nothing changed and update of 1% of the items" >&2
NOCHANGE=()
ONE_PERCENT=()
rm -rf "$WORK/kb-touched" "$WORK/kb-orig"
cp -a "$KB" "$WORK/kb-touched"
"$PY" "$ROOT/scripts/gen_synthetic_kb.py" touch --kb "$WORK/kb-touched" --fraction 0.01 --seed "$SEED" \
  >"$WORK/touched.json"
for r in $(seq 1 "$ROUNDS"); do
  NOCHANGE+=("$(timed_update "$WORK/nochange-$r.out")")
  # The update reads the KB under the path the index knows: swap the two copies (a 1% change each way).
  mv "$KB" "$WORK/kb-orig" && mv "$WORK/kb-touched" "$KB" && mv "$WORK/kb-orig" "$WORK/kb-touched"
  ONE_PERCENT+=("$(timed_update "$WORK/one-percent-$r.out")")
done
# Leave the KB as generated (the index follows it at the next run).
if ((ROUNDS % 2)); then
  mv "$KB" "$WORK/kb-orig" && mv "$WORK/kb-touched" "$KB" && mv "$WORK/kb-orig" "$WORK/kb-touched"
fi
rm -rf "$WORK/kb-touched"

"$PY" - "$WORK/edits.json" "$PASSAGES" "$(cat "$WORK/touched.json")" "${NOCHANGE[*]}" "${ONE_PERCENT[*]}" \
  "$WORK/one-percent-1.out" <<'EOF'
import json, statistics, sys
edits = json.load(open(sys.argv[1]))
passages, touched = int(sys.argv[2]), json.loads(sys.argv[3])
nochange = [float(x) for x in sys.argv[4].split()]
one_percent = [float(x) for x in sys.argv[5].split()]
phases = [l for l in open(sys.argv[6]) if "phases:" in l]
print("errkb editor latency, %d passages; %d edits, %d update rounds" % (passages, len(edits), len(nochange)))
print("  %-44s %8s %8s %9s %7s" % ("", "p50", "max", "ceiling", "max/ceiling"))
def row(name, values, ceiling):
    print("  %-44s %7.2fs %7.2fs %8.1fs %7.2f" % (name, statistics.median(values), max(values), ceiling, max(values) / ceiling))
for kind in ("article", "catalogue entry"):
    v = [e["seconds"] for e in edits if e["kind"] == kind]
    if v:
        row("%s saved -> answered by the API (%d)" % (kind, len(v)), v, 1.0)
row("update, nothing changed", nochange, 0.5)
row("update, 1%% of the items (%d changed)" % touched["items_changed"], one_percent, 10.0)
if phases:
    print("  first 1%% update %s" % phases[0].strip())
EOF

#!/usr/bin/env bash
# Indexing benchmark: generates a synthetic KB of N passages, runs a full `errkb-indexer rebuild`,
# then an incremental `update` after 1% of the items changed, and loads the same items into SQLite
# FTS5 for a ratio. Prints passages/s, index size per passage (the rebuild compacts), peak memory.
# Then Xapian alone: errkb-bench-xapian-replay writes the rebuilt index's own documents again, as the
# rebuild does but with no KB file read or analysed, once as they are and once without document data
# and field copies: the ceiling Xapian's writer puts on the rebuild rate.
#
#   scripts/bench-index.sh [--passages N] [--threads N] [--build-dir DIR] [--work DIR] [--json FILE]
#                          [--no-fts5] [--no-replay] [--seed S]
#
# --work keeps the generated KB between runs (regenerated when N or the seed changes); default
# ${TMPDIR:-/tmp}/errkb-bench-index. Needs /usr/bin/time (package `time`).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${PYTHON:-/usr/bin/python3}
PASSAGES=1000000
THREADS=$(nproc)
BUILD_DIR=$ROOT/build
WORK=${TMPDIR:-/tmp}/errkb-bench-index
JSON_OUT=""
FTS5=1
REPLAY=1
SEED=42
while (($#)); do
  case $1 in
    --passages) PASSAGES=$2; shift 2 ;;
    --threads) THREADS=$2; shift 2 ;;
    --build-dir) BUILD_DIR=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    --json) JSON_OUT=$2; shift 2 ;;
    --no-fts5) FTS5=0; shift ;;
    --no-replay) REPLAY=0; shift ;;
    --seed) SEED=$2; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
    *) echo "bench-index: unknown option $1" >&2; exit 2 ;;
  esac
done

INDEXER=$BUILD_DIR/errkb-indexer
REPLAYER=$BUILD_DIR/tests/bench/errkb-bench-xapian-replay
if [[ ! -x $INDEXER || ($REPLAY == 1 && ! -x $REPLAYER) ]]; then
  echo "bench-index: building errkb-indexer and errkb-bench-xapian-replay in $BUILD_DIR" >&2
  cmake -S "$ROOT" -B "$BUILD_DIR" >/dev/null
  cmake --build "$BUILD_DIR" -j2 --target errkb-indexer errkb-bench-xapian-replay >/dev/null
fi
[[ -x /usr/bin/time ]] || { echo "bench-index: /usr/bin/time missing (apt-get install time)" >&2; exit 2; }

mkdir -p "$WORK"
KB=$WORK/kb
STAMP="passages=$PASSAGES seed=$SEED gen=$(md5sum "$ROOT/scripts/gen_synthetic_kb.py" | cut -c1-12)"
if [[ ! -f $WORK/kb.stamp || $(cat "$WORK/kb.stamp") != "$STAMP" ]]; then
  rm -rf "$KB" "$WORK/kb.stamp" "$WORK/queries.tsv"
  echo "bench-index: generating $PASSAGES passages in $KB" >&2
  t0=$(date +%s.%N)
  "$PY" "$ROOT/scripts/gen_synthetic_kb.py" generate --out "$KB" --passages "$PASSAGES" --seed "$SEED" \
    --queries "$WORK/queries.tsv" >"$WORK/gen.json"
  echo "bench-index: generated in $(echo "$(date +%s.%N) - $t0" | bc -l | cut -c1-6)s: $(cat "$WORK/gen.json")" >&2
  echo "$STAMP" >"$WORK/kb.stamp"
  rm -rf "$WORK/touched"
fi
KB_BYTES=$(du -sb "$KB" | cut -f1)

INDEX=$WORK/index
rm -rf "$INDEX"

# summary_field LOG: "N passages in S s (R passages/s)" -> N S R
parse_summary() {
  sed -n 's/.* \([0-9]\+\) passages in \([0-9.]\+\)s (\([0-9]\+\) passages\/s).*/\1 \2 \3/p' "$1" | tail -1
}
peak_kb() { sed -n 's/^[[:space:]]*Maximum resident set size (kbytes): \([0-9]\+\)/\1/p' "$1" | tail -1; }
wall_s() {  # "Elapsed (wall clock) time (h:mm:ss or m:ss): 0:03.21"
  sed -n 's/.*Elapsed (wall clock) time.*): \(.*\)$/\1/p' "$1" | tail -1 |
    awk -F: '{ s=0; for (i=1;i<=NF;i++) s=s*60+$i; printf "%.3f", s }'
}

sync
echo "bench-index: errkb-indexer rebuild --threads $THREADS" >&2
set +e
/usr/bin/time -v -o "$WORK/rebuild.time" "$INDEXER" rebuild --quiet --kb "$KB" --index "$INDEX" --threads "$THREADS" \
  >"$WORK/rebuild.out" 2>"$WORK/rebuild.err"
rc=$?
set -e
if ((rc > 1)); then echo "bench-index: rebuild failed ($rc)"; cat "$WORK/rebuild.out" "$WORK/rebuild.err" >&2; exit 1; fi
read -r R_PASSAGES R_SECS R_RATE <<<"$(parse_summary "$WORK/rebuild.out")"
R_WALL=$(wall_s "$WORK/rebuild.time")
R_PEAK=$(peak_kb "$WORK/rebuild.time")
INDEX_BYTES=$(du -sb "$INDEX" | cut -f1)
R_REJECTED=$(grep -c . "$WORK/rebuild.err" || true)

# Xapian alone, on the documents just built (before the update below changes them).
X_JSON='null'
X_LEAN_JSON='null'
if ((REPLAY)); then
  echo "bench-index: Xapian alone, replaying the rebuilt documents" >&2
  X_JSON=$("$REPLAYER" --index "$INDEX" --threads "$THREADS" --work "$WORK/replay")
  X_LEAN_JSON=$("$REPLAYER" --index "$INDEX" --threads "$THREADS" --work "$WORK/replay" --no-data --no-field-copies)
fi

# Incremental update after 1% of the items changed, on a copy of the KB (cp -a keeps the
# modification times, so only the files `touch` rewrites look changed).
rm -rf "$WORK/kb-touched"
cp -a "$KB" "$WORK/kb-touched"
TOUCH=$("$PY" "$ROOT/scripts/gen_synthetic_kb.py" touch --kb "$WORK/kb-touched" --fraction 0.01 --seed "$SEED")
# The update reads the KB under the same path the rebuild used: swap the directories.
mv "$KB" "$WORK/kb-orig" && mv "$WORK/kb-touched" "$KB"
set +e
/usr/bin/time -v -o "$WORK/update.time" "$INDEXER" update --quiet --kb "$KB" --index "$INDEX" \
  >"$WORK/update.out" 2>"$WORK/update.err"
urc=$?
set -e
rm -rf "$KB" && mv "$WORK/kb-orig" "$KB"
if ((urc > 1)); then echo "bench-index: update failed ($urc)"; cat "$WORK/update.out" "$WORK/update.err" >&2; exit 1; fi
read -r U_PASSAGES U_SECS U_RATE <<<"$(parse_summary "$WORK/update.out")"
U_WALL=$(wall_s "$WORK/update.time")
U_PEAK=$(peak_kb "$WORK/update.time")
U_LINE=$(head -1 "$WORK/update.out")

F_JSON='null'
if ((FTS5)); then
  echo "bench-index: SQLite FTS5 load of the same items" >&2
  /usr/bin/time -v -o "$WORK/fts5.time" "$PY" "$ROOT/scripts/bench_peers.py" fts5-load --kb "$KB" --db "$WORK/fts5.db" \
    >"$WORK/fts5.json"
  F_JSON=$(cat "$WORK/fts5.json")
  F_PEAK=$(peak_kb "$WORK/fts5.time")
fi

"$PY" - "$JSON_OUT" <<EOF
import json, sys
r = {"passages": int("$R_PASSAGES"), "threads": int("$THREADS"), "kb_bytes": int("$KB_BYTES"),
     "rebuild": {"seconds_indexer": float("$R_SECS"), "seconds_wall": float("$R_WALL"),
                 "passages_per_s": int("$R_PASSAGES") / float("$R_WALL"),
                 "passages_per_s_reported": float("$R_RATE"), "peak_rss_kb": int("$R_PEAK"),
                 "rejected_lines": int("$R_REJECTED")},
     "index_bytes": int("$INDEX_BYTES"), "bytes_per_passage": int("$INDEX_BYTES") / int("$R_PASSAGES"),
     "update_1pct": {"touched": json.loads('''$TOUCH'''), "passages_written": int("${U_PASSAGES:-0}"),
                     "seconds_wall": float("$U_WALL"), "peak_rss_kb": int("$U_PEAK"), "summary": '''$U_LINE'''}}
r["xapian_replay"] = json.loads('''$X_JSON''')
r["xapian_replay_lean"] = json.loads('''$X_LEAN_JSON''')
f = json.loads('''$F_JSON''')
if f:
    f["peak_rss_kb"] = int("${F_PEAK:-0}")
    f["passages_per_s"] = r["passages"] / f["seconds"]
    f["bytes_per_passage"] = f["size_bytes"] / r["passages"]
    r["sqlite_fts5"] = f
if sys.argv[1]:
    with open(sys.argv[1], "w") as o:
        json.dump(r, o, indent=1)
rb = r["rebuild"]
print("errkb-indexer, %d passages (%.0f MB of KB files), %d threads" % (r["passages"], r["kb_bytes"] / 1e6, r["threads"]))
print("  rebuild:           %8.1f s  %9.0f passages/s  peak RSS %6.0f MB" % (rb["seconds_wall"], rb["passages_per_s"], rb["peak_rss_kb"] / 1024))
print("  index size:        %8.0f MB  %8.2f KB/passage (compacted)" % (r["index_bytes"] / 1e6, r["bytes_per_passage"] / 1024))
u = r["update_1pct"]
print("  update (1%% items): %8.1f s  %d items changed, %d passages written, peak RSS %.0f MB" % (u["seconds_wall"], u["touched"]["items_changed"], u["passages_written"], u["peak_rss_kb"] / 1024))
x, xl = r["xapian_replay"], r["xapian_replay_lean"]
if x:
    print("Xapian alone, the same documents written again (no KB file read or analysed), %d threads" % x["threads"])
    print("  as built:          %8.1f s  %9.0f passages/s  (%.0f terms each)" % (x["write_s"] + x["compact_s"], x["docs_per_s"], x["terms_per_doc"]))
    print("  no data, no field copies: %.1f s  %6.0f passages/s  (%.0f terms each)" % (xl["write_s"] + xl["compact_s"], xl["docs_per_s"], xl["terms_per_doc"]))
    print("ratio errkb rebuild / Xapian alone: %.2fx" % (rb["passages_per_s"] / x["docs_per_s"]))
if f:
    print("SQLite FTS5, same items (one row per item)")
    print("  load + optimize:   %8.1f s  %9.0f passages/s  peak RSS %6.0f MB" % (f["seconds"], f["passages_per_s"], f["peak_rss_kb"] / 1024))
    print("  size:              %8.0f MB  %8.2f KB/passage" % (f["size_bytes"] / 1e6, f["bytes_per_passage"] / 1024))
    print("ratios errkb / FTS5: rebuild rate %.2fx, size %.2fx" % (rb["passages_per_s"] / f["passages_per_s"], r["bytes_per_passage"] / f["bytes_per_passage"]))
EOF

#!/usr/bin/env bash
# Ranking-quality evaluation: errkb (search and diagnose) beside SQLite FTS5, Xapian defaults and
# Lucene 8 BM25 on the same KB and labelled queries, in one run (scripts/eval.py).
#
#   scripts/eval.sh [--build-dir DIR] [--out DIR]         the demo KB (data/ + system catalogues) and
#                                                          tests/eval/queries/*.tsv
#   scripts/eval.sh --kb DIR [--kb DIR ...] --queries FILE [--queries FILE ...] [--out DIR]
#                                                          any KB and query file (demo or devkb format)
#   scripts/eval.sh --guard [--set-baseline]              ctest eval_guard: errkb on tests/eval/guard.txt, fails
#                                                          when its overall MRR@10 < tests/eval/baseline.json - 0.02
#   scripts/eval.sh --devkb-guard [--set-baseline] [--devkb DIR]
#                                                          ctest eval_devkb_guard: errkb search on the devkb queries of
#                                                          tests/eval/devkb_guard.txt, fails when its MRR@10 of a query
#                                                          type < tests/eval/devkb_baseline.json - 0.02; exits 77
#                                                          (skipped) when DIR (default ../shared/devkb) is absent
#   scripts/eval.sh --selftest                            eval.py's metrics against devkb's metrics.py
# --set-baseline runs the guard and writes its figures as the new baseline.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${PYTHON:-/usr/bin/python3}
BUILD_DIR=$ROOT/build
DEVKB=${DEVKB:-$ROOT/../shared/devkb}
SKIP=77
OUT="" GUARD="" SET_BASELINE=0 SELFTEST=0 KEEP_WORK=()
KBS=() QUERIES=()
while (($#)); do
  case $1 in
    --build-dir) BUILD_DIR=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --kb) KBS+=("$(cd "$2" && pwd)"); shift 2 ;;
    --queries) QUERIES+=("$(realpath "$2")"); shift 2 ;;
    --guard) GUARD=demo; shift ;;
    --devkb-guard) GUARD=devkb; shift ;;
    --devkb) DEVKB=$2; shift 2 ;;
    --set-baseline) SET_BASELINE=1; shift ;;
    --keep-work) KEEP_WORK=(--keep-work); shift ;;
    --selftest) SELFTEST=1; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "eval: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ -d $DEVKB ]] && DEVKB=$(cd "$DEVKB" && pwd)
((SELFTEST)) && exec "$PY" "$ROOT/scripts/eval.py" --selftest --metrics-py "$DEVKB/metrics.py"
((SET_BASELINE)) && [[ -z $GUARD ]] && GUARD=demo
if [[ $GUARD == devkb && ! ( -d $DEVKB/kb/articles && -f $DEVKB/queries.tsv ) ]]; then
  echo "eval: devkb guard skipped: no devkb at $DEVKB (looked for $DEVKB/kb/articles and $DEVKB/queries.tsv;" \
       "set DEVKB or --devkb)" >&2
  exit $SKIP
fi
mkdir -p "$BUILD_DIR"
BUILD_DIR=$(cd "$BUILD_DIR" && pwd)

if [[ ! -x $BUILD_DIR/errkb-indexer || ! -x $BUILD_DIR/errkb-server ]]; then
  echo "eval: building errkb-indexer and errkb-server in $BUILD_DIR" >&2
  cmake -S "$ROOT" -B "$BUILD_DIR" >/dev/null
  cmake --build "$BUILD_DIR" -j2 --target errkb-indexer errkb-server >/dev/null
fi

# System catalogues for the demo KB, built once per build directory (they come from installed
# packages). Rebuilt when the importer changes.
system_catalogues() {
  local dir=$BUILD_DIR/eval-system-catalogues stamp
  stamp=$(cat "$ROOT/scripts/import-system-catalogues.sh" \
    $(find "$ROOT/scripts/catalogue_import" -type f 2>/dev/null | sort) | md5sum | cut -c1-16)
  if [[ ! -d $dir/catalogues || $(cat "$dir.stamp" 2>/dev/null) != "$stamp" ]]; then
    rm -rf "$dir"
    bash "$ROOT/scripts/import-system-catalogues.sh" "$dir" >&2
    echo "$stamp" >"$dir.stamp"
  fi
  echo "$dir"
}

args=(--build-dir "$BUILD_DIR" "${KEEP_WORK[@]}" --metrics-py "$DEVKB/metrics.py")
case $GUARD in
  demo)
    args+=(--kb "$ROOT/data" --kb "$(system_catalogues)" --guard "$ROOT/tests/eval/guard.txt" --errkb-only)
    BASELINE=$ROOT/tests/eval/baseline.json
    args+=(--baseline-note "errkb /v1/search overall MRR@10 on tests/eval/guard.txt; raise it when ranking improves") ;;
  devkb)
    args+=(--kb "$DEVKB/kb" --queries "$DEVKB/queries.tsv" --guard "$ROOT/tests/eval/devkb_guard.txt" --errkb-only)
    BASELINE=$ROOT/tests/eval/devkb_baseline.json
    note="errkb /v1/search MRR@10 per query type on the devkb queries of tests/eval/devkb_guard.txt;"
    args+=(--baseline-by-type --baseline-note "$note scripts/eval.sh --devkb-guard --set-baseline rewrites it") ;;
  *)
    if ((${#KBS[@]} == 0)); then KBS=("$ROOT/data" "$(system_catalogues)"); fi
    for kb in "${KBS[@]}"; do args+=(--kb "$kb"); done
    for q in "${QUERIES[@]}"; do args+=(--queries "$q"); done ;;
esac
if [[ -n $GUARD ]]; then
  ((SET_BASELINE)) && args+=(--write-baseline "$BASELINE") || args+=(--baseline "$BASELINE")
fi
[[ -n $OUT ]] || OUT=$BUILD_DIR/eval-out${GUARD:+-$GUARD-guard}
exec "$PY" "$ROOT/scripts/eval.py" "${args[@]}" --out "$OUT"

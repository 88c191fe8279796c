#!/usr/bin/env bash
# Ranking-quality evaluation: errkb beside SQLite FTS5 and default Xapian on the demo KB (data/)
# plus the system error catalogues, with the labelled queries of tests/eval/queries/*.tsv.
#
#   scripts/eval.sh [--build-dir DIR] [--out DIR]      full run: Markdown table + eval-results.json
#   scripts/eval.sh --guard [--build-dir DIR]          the regression guard (ctest eval_guard): the
#                                                      queries listed in tests/eval/guard.txt, fails when
#                                                      errkb's MRR@10 < tests/eval/baseline.json - 0.02
#   scripts/eval.sh --set-baseline                     full guard run, then writes its MRR@10 as the baseline
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=${PYTHON:-/usr/bin/python3}
BUILD_DIR=$ROOT/build
OUT=""
GUARD=0
SET_BASELINE=0
while (($#)); do
  case $1 in
    --build-dir) BUILD_DIR=$2; shift 2 ;;
    --out) OUT=$2; shift 2 ;;
    --guard) GUARD=1; shift ;;
    --set-baseline) GUARD=1; SET_BASELINE=1; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    *) echo "eval: unknown option $1" >&2; exit 2 ;;
  esac
done
BUILD_DIR=$(cd "$BUILD_DIR" 2>/dev/null && pwd || echo "$BUILD_DIR")

if [[ ! -x $BUILD_DIR/errkb-indexer || ! -x $BUILD_DIR/errkb-server ]]; then
  echo "eval: building errkb-indexer and errkb-server in $BUILD_DIR" >&2
  cmake -S "$ROOT" -B "$BUILD_DIR" >/dev/null
  cmake --build "$BUILD_DIR" -j2 --target errkb-indexer errkb-server >/dev/null
fi
if ((!GUARD)) && ! "$PY" -c 'import xapian' 2>/dev/null; then
  echo "eval: python3-xapian is missing (scripts/install-deps.sh --bench)" >&2; exit 2
fi

# System catalogues, built once per build directory (they come from installed packages).
# Rebuilt when the importer changes.
SYSCAT=$BUILD_DIR/eval-system-catalogues
STAMP=$(cat "$ROOT/scripts/import-system-catalogues.sh" $(find "$ROOT/scripts/catalogue_import" -type f 2>/dev/null | sort) |
  md5sum | cut -c1-16)
if [[ ! -d $SYSCAT/catalogues || $(cat "$SYSCAT.stamp" 2>/dev/null) != "$STAMP" ]]; then
  rm -rf "$SYSCAT"
  bash "$ROOT/scripts/import-system-catalogues.sh" "$SYSCAT" >&2
  echo "$STAMP" >"$SYSCAT.stamp"
fi

[[ -n $OUT ]] || OUT=$BUILD_DIR/eval-out$( ((GUARD)) && echo -guard || true)
args=(--build-dir "$BUILD_DIR" --kb "$ROOT/data" --kb "$SYSCAT" --out "$OUT")
if ((GUARD)); then
  args+=(--guard "$ROOT/tests/eval/guard.txt" --no-baselines)
  if ((SET_BASELINE)); then
    "$PY" "$ROOT/scripts/eval.py" "${args[@]}"
    "$PY" - "$OUT/eval-results.json" "$ROOT/tests/eval/baseline.json" <<'PYEOF'
import json, sys
r = json.load(open(sys.argv[1]))
m = r["engines"]["errkb-search"]["overall"]["mrr@10"]
json.dump({"errkb_search_mrr10": round(m, 4), "queries": r["queries"],
           "note": "errkb /v1/search overall MRR@10 on tests/eval/guard.txt; raise it when ranking improves"},
          open(sys.argv[2], "w"), indent=1)
print("eval: baseline set to %.4f (%d queries)" % (m, r["queries"]))
PYEOF
    exit 0
  fi
  args+=(--baseline "$ROOT/tests/eval/baseline.json")
fi
exec "$PY" "$ROOT/scripts/eval.py" "${args[@]}"

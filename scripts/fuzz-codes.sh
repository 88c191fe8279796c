#!/bin/sh
# Fuzzes the error-code grammar (find_codes, interpret, codes_to_json) with libFuzzer for a bounded
# time. Builds with clang in build-fuzz/ (ASan + UBSan + coverage on the codes sources).
#   scripts/fuzz-codes.sh [seconds=60]
# A crash, a hang (> 10 s on one input) or a broken invariant stops the run with a reproducer
# file in build-fuzz/ (re-run: build-fuzz/tests/fuzz/errkb-codes-fuzz <file>).
set -eu
seconds="${1:-60}"
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build-fuzz"

if ! command -v clang++ >/dev/null 2>&1; then
  echo "clang++ is needed for libFuzzer (apt-get install clang)" >&2
  exit 1
fi

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DERRKB_BUILD_FUZZERS=ON -DERRKB_BUILD_TESTS=ON >/dev/null
cmake --build "$build" -j2 --target errkb-codes-fuzz

# Work on a copy of the seed corpus so that the repository keeps only the hand-written seeds.
corpus="$build/corpus-codes"
mkdir -p "$corpus"
cp -n "$root"/tests/fuzz/corpus/* "$corpus"/ 2>/dev/null || true

cd "$build"
exec "$build/tests/fuzz/errkb-codes-fuzz" "$corpus" \
  -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -max_len=200000 -print_final_stats=1

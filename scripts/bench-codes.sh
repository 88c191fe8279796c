#!/bin/sh
# Measures find_codes throughput (MB/s, one core) on ~50 MB of generated multilingual prose.
#   scripts/bench-codes.sh [megabytes=50] [document_bytes=4096]
# Builds errkb-bench-codes in build-bench/ (Release) unless ERRKB_BUILD_DIR names another build.
set -eu
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${ERRKB_BUILD_DIR:-$root/build-bench}"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j2 --target errkb-bench-codes
"$build/tests/bench/errkb-bench-codes" "${1:-50}" "${2:-4096}"

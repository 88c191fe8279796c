#!/usr/bin/env bash
# Fuzzes the KB readers, the synonyms file, query-text analysis, the error-code grammar and the HTTP
# event loops' request framing with
# libFuzzer (ASan + UBSan), each target for a bounded time, and prints executions and findings per
# target. Builds with clang in build-fuzz/ (ERRKB_BUILD_FUZZERS=ON).
#   scripts/fuzz.sh [seconds per target=60] [target ...]
# Targets: markdown html text forum-jsonl posts-xml catalogue-json catalogue-csv catalogue-xml
#          synonyms query codes http-framing (default: all). CI runs every target for a few seconds.
# A crash, a leak, undefined behaviour, a broken invariant, an input taking over 10 s or over 2 GB
# fails its target and leaves the reproducer in build-fuzz/findings-<target>/
# (re-run: build-fuzz/tests/fuzz/errkb-fuzz-<target> <file>).
set -euo pipefail
seconds="${1:-60}"
shift || true
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${FUZZ_BUILD_DIR:-$root/build-fuzz}"
all=(markdown html text forum-jsonl posts-xml catalogue-json catalogue-csv catalogue-xml synonyms query codes http-framing)
targets=("$@")
((${#targets[@]})) || targets=("${all[@]}")

if ! command -v clang++ >/dev/null 2>&1; then
  echo "clang++ is needed for libFuzzer (apt-get install clang libclang-rt-14-dev)" >&2
  exit 1
fi

binary_of() { [[ "$1" == codes ]] && echo errkb-codes-fuzz || echo "errkb-fuzz-$1"; }

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ \
  -DERRKB_BUILD_FUZZERS=ON -DERRKB_BUILD_TESTS=ON >/dev/null
binaries=()
for t in "${targets[@]}"; do binaries+=("$(binary_of "$t")"); done
cmake --build "$build" -j"$(nproc)" --target "${binaries[@]}"

# The seeds of each target: the fixtures and demo KB files its reader takes.
seeds_of() {
  local fixtures="$root/tests/fixtures/ingest"
  case "$1" in
    markdown) find "$root/data/articles" "$fixtures" -name '*.md' ;;
    html) find "$root/data/articles" "$fixtures" -name '*.html' ;;
    text) find "$root/data/articles" "$fixtures" -name '*.txt' -path '*articles*' ;;
    forum-jsonl) find "$root/data/forums" "$fixtures" -name '*.jsonl' ;;
    posts-xml) find "$root/data/forums" "$fixtures/kb/forums" -name '*.xml'; find "$fixtures/malformed" -name 'se-*' ;;
    catalogue-json) find "$root/data/catalogues" "$fixtures" -name '*.json' ;;
    catalogue-csv) find "$root/data/catalogues" "$fixtures" -name '*.csv' ;;
    catalogue-xml) find "$root/data/catalogues" "$fixtures/kb/catalogues" "$fixtures/malformed" -name '*.xml' ;;
    synonyms) find "$root/data" "$fixtures" -name 'synonyms.txt' ;;
    query) find "$root/data/articles" -name '*.md' | head -20 ;;
    codes) find "$root/tests/fuzz/corpus" -type f ;;
    http-framing) find "$root/tests/fuzz/http" -type f ;;
  esac
}

# The longest input of each target. A query is cut at 4 KB before analysis and a request head is
# 64 KB at most; a reader's structure shows in a few KB, and what only size brings out (deep
# nesting, long lines, huge files) is in tests/fixtures/hostile/, so shorter inputs buy executions.
max_len_of() {
  case "$1" in
    query) echo 4096 ;;
    http-framing) echo 65536 ;;
    *) echo 8192 ;;
  esac
}

failed=0
summary=()
for t in "${targets[@]}"; do
  corpus="$build/corpus-$t"
  findings="$build/findings-$t"
  mkdir -p "$corpus" "$findings"
  # A copy of the seeds: the repository keeps only its own files.
  seeds_of "$t" | while read -r f; do cp -n "$f" "$corpus/seed-$(basename "$f")" 2>/dev/null || true; done
  log="$findings/last-run.log"
  status=ok
  if ! "$build/tests/fuzz/$(binary_of "$t")" "$corpus" -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=2048 -max_len="$(max_len_of "$t")" -artifact_prefix="$findings/" -print_final_stats=1 >"$log" 2>&1; then
    status="FINDING (see $log)"
    failed=1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
  summary+=("$(printf '%-15s %12s executions  %s' "$t" "$runs" "$status")")
done
printf '%s\n' "fuzz: ${seconds}s per target" "${summary[@]}"
exit "$failed"

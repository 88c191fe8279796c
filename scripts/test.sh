#!/usr/bin/env bash
# The test command: installs what is missing, builds, runs every test with ctest, checks the style,
# runs the suites again with sanitizers (SANITIZERS=0 leaves them out), then a few seconds of every
# libFuzzer target. Each stage prints how long it took; the last lines are the
# plain ctest's summary, whatever stage ended the run.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
stage_started=$SECONDS
stage_done() {  # stage_done <name>: the time since the previous stage ended
  echo "errkb test stage: $1 took $((SECONDS - stage_started)) s"
  stage_started=$SECONDS
}

bash scripts/install-deps.sh --bench
stage_done "install packages"
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DERRKB_BUILD_TESTS=ON >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"
stage_done "build"
plain_ctest_log="$BUILD_DIR/ctest-output.txt"
print_plain_ctest_summary() {  # ctest's summary of the plain run, from its pass count to its end
  [[ -f "$plain_ctest_log" ]] && sed -n '/tests passed, .* tests failed out of/,$p' "$plain_ctest_log"
  return 0
}
(cd "$BUILD_DIR" && ctest --output-on-failure -j"$(nproc)" "$@") | tee "$plain_ctest_log"
stage_done "ctest"
trap print_plain_ctest_summary EXIT
# The house style: clang-format over every C++ file, clang-tidy over lib/, server/ and indexer/.
bash scripts/check-style.sh "$BUILD_DIR"
stage_done "style"

# ASan + UBSan (leaks checked, undefined behaviour fatal) over every test but those that time
# the code, drive a browser or npm clients, or build and install the Debian package from the mirror
# (TIMED_OR_EXTERNAL); TSan over the tests whose code runs threads: the server's, the engine's and
# the indexer's. crash_consistency_test is left to ASan: the indexer runs it kills report nothing,
# and the runs it lets finish are the threaded update and rebuild that indexer_test runs. Without
# ASLR: the sanitizers' shadow memory needs fixed address ranges that a kernel with more mmap
# randomisation may hand out.
TIMED_OR_EXTERNAL='^(browser_|integrations_|mcp_sdk_client_test|helpdesk_sidebar_test|bench_smoke|package_install)|TenMegabyteLineIsLinear'
THREADED_TESTS=(server/server_unit_test server/server_test server/event_server_test server/server_process_test
                server/mcp_test server/crash_feedback_test indexer/indexer_test)
sanitized_build() {  # sanitized_build <folder> <sanitizers> [targets...]
  local dir="$1" sanitizers="$2"
  shift 2
  cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DERRKB_BUILD_TESTS=ON -DERRKB_SANITIZE="$sanitizers" >/dev/null
  cmake --build "$dir" -j"$(nproc)" ${1:+--target "$@"}
}
if [[ "${SANITIZERS:-1}" == 1 ]]; then
  no_aslr=(setarch "$(uname -m)" -R)
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ASAN_OPTIONS=detect_leaks=1
  export LSAN_OPTIONS=suppressions="$repo/tests/sanitizers/lsan.supp"
  sanitized_build build-asan address,undefined
  stage_done "ASan+UBSan build"
  (cd build-asan && "${no_aslr[@]}" ctest --output-on-failure -j"$(nproc)" -E "$TIMED_OR_EXTERNAL")
  stage_done "ASan+UBSan ctest"
  sanitized_build build-tsan thread errkb-server errkb-indexer "${THREADED_TESTS[@]##*/}"
  stage_done "TSan build"
  tsan_failed=()
  for t in "${THREADED_TESTS[@]}"; do
    TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1:suppressions="$repo/tests/sanitizers/tsan.supp" \
      "${no_aslr[@]}" "build-tsan/tests/$t" --gtest_brief=1 ||
      tsan_failed+=("$t")
  done
  stage_done "TSan tests"
  if ((${#tsan_failed[@]})); then
    echo "TSan failed: ${tsan_failed[*]}" >&2
    exit 1
  fi
fi

# A few seconds of every libFuzzer target (ASan + UBSan) where clang is installed: scripts/fuzz.sh.
if command -v clang++ >/dev/null 2>&1; then
  bash "$repo/scripts/fuzz.sh" "${FUZZ_SECONDS:-5}"
  stage_done "fuzz"
fi

#!/usr/bin/env bash
# The house style, checked: every C++ file formatted as .clang-format says (clang-format), and the
# sources of lib/, server/ and indexer/ clean under .clang-tidy's checks (clang-tidy, from the
# compile commands of a configured build). Usage: scripts/check-style.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${1:-build}
status=0

mapfile -t sources < <(git ls-files '*.cc' '*.h')
if ! clang-format-14 --dry-run -Werror "${sources[@]}"; then
  echo "check-style: files not formatted; run: clang-format-14 -i <file>" >&2
  status=1
fi

[[ -f $BUILD_DIR/compile_commands.json ]] || { echo "check-style: no $BUILD_DIR/compile_commands.json" >&2; exit 2; }
if ! run-clang-tidy-14 -quiet -p "$BUILD_DIR" -clang-tidy-binary clang-tidy-14 -j "$(nproc)" \
    -extra-arg=-Wno-unknown-warning-option \
    "$PWD/(lib|server|indexer)/.*\.cc$" >"$BUILD_DIR/clang-tidy.log" 2>&1; then
  grep -E "(warning|error):" "$BUILD_DIR/clang-tidy.log" | sort -u >&2 || true
  echo "check-style: clang-tidy found problems (full output: $BUILD_DIR/clang-tidy.log)" >&2
  status=1
fi
exit $status

#!/usr/bin/env bash
# The test command: installs what is missing, builds, runs every test with ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --bench
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DERRKB_BUILD_TESTS=ON >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)"
cd "$BUILD_DIR"
ctest --output-on-failure -j"$(nproc)" "$@"
# A few seconds of every libFuzzer target (ASan + UBSan) where clang is installed: scripts/fuzz.sh.
if command -v clang++ >/dev/null 2>&1; then
  bash "$OLDPWD/scripts/fuzz.sh" "${FUZZ_SECONDS:-5}"  # OLDPWD: the repository, before cd "$BUILD_DIR"
fi

#!/usr/bin/env bash
# The Debian package: builds the programs and their man pages, then CPack packs them with the
# service's units and config into $BUILD_DIR/errkb_<version>_<arch>.deb (docs/operations.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" --target errkb errkb-indexer errkb-server errkb_man_pages
(cd "$BUILD_DIR" && cpack -G DEB >/dev/null)
ls "$BUILD_DIR"/errkb_*.deb

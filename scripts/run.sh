#!/usr/bin/env bash
# The run command: installs what is missing, builds, imports the system error catalogues, indexes the
# demo KB in data/ together with them, and serves the API on 127.0.0.1:8080 (ERRKB_LISTEN to change).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
BUILD_DIR=${BUILD_DIR:-build}
LISTEN=${ERRKB_LISTEN:-127.0.0.1:8080}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DERRKB_BUILD_TESTS=OFF >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" --target errkb-indexer errkb-server
bash scripts/import-system-catalogues.sh "$BUILD_DIR/kb-system"
# Exit status 1 means some inputs were rejected (listed above); the rest is indexed and served.
"$BUILD_DIR/errkb-indexer" update --kb data --kb "$BUILD_DIR/kb-system" --index "$BUILD_DIR/index" || [[ $? -eq 1 ]]
echo "errkb: serving on http://$LISTEN (try: curl 'http://$LISTEN/v1/search?q=0x80070005')"
exec "$BUILD_DIR/errkb-server" --index "$BUILD_DIR/index" --kb data --kb "$BUILD_DIR/kb-system" \
  --feedback-db "$BUILD_DIR/feedback.sqlite" --listen "$LISTEN"

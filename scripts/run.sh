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
# Exit status 1 means some inputs were rejected (listed above); the rest is indexed and served. An index
# an older errkb wrote (another schema version) is rebuilt: an update cannot bring it up to date.
KB_ARGS=(--kb data --kb "$BUILD_DIR/kb-system" --index "$BUILD_DIR/index")
status=0
"$BUILD_DIR/errkb-indexer" update "${KB_ARGS[@]}" 2>"$BUILD_DIR/update.err" || status=$?
cat "$BUILD_DIR/update.err" >&2
if [[ $status -eq 2 ]] && grep -q "old schema version" "$BUILD_DIR/update.err"; then
  "$BUILD_DIR/errkb-indexer" rebuild "${KB_ARGS[@]}" || [[ $? -eq 1 ]]
elif [[ $status -ne 0 && $status -ne 1 ]]; then
  exit "$status"
fi
echo "errkb: serving on http://$LISTEN (try: curl 'http://$LISTEN/v1/search?q=0x80070005')"
exec "$BUILD_DIR/errkb-server" --index "$BUILD_DIR/index" --kb data --kb "$BUILD_DIR/kb-system" \
  --feedback-db "$BUILD_DIR/feedback.sqlite" --listen "$LISTEN"

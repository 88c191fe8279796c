#!/usr/bin/env bash
# Builds errkb catalogues from error catalogues shipped in installed Debian packages
# (mingw-w64-common, linux-libc-dev, libcurl4-doc, postgresql-server-dev-15, libpython3.11-stdlib,
# sqlite3-doc + libsqlite3-dev, libmariadb-dev when present). Sources: /work/shared/CATALOGUES.md.
#
#   scripts/import-system-catalogues.sh [OUT_KB_DIR]        (default ./kb-system)
#
# Writes OUT_KB_DIR/catalogues/<vendor>.json. Missing sources are skipped with a notice; exits 0
# when at least one catalogue was written. The output is generated at setup time and never
# committed (kb-system/ is in .gitignore).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if ! command -v python3 >/dev/null 2>&1; then
  echo "import-system-catalogues: python3 is required" >&2
  exit 2
fi
exec python3 "$here/catalogue_import/import_system.py" "$@"

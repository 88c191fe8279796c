#!/usr/bin/env bash
# Installs the Debian 12 packages errkb needs to build, test, run and benchmark.
# Idempotent: packages already present are not reinstalled; apt-get runs only when something is missing.
set -euo pipefail

BUILD_PACKAGES=(
  build-essential cmake pkg-config git
  libxapian-dev xapian-tools
  libcpp-httplib-dev nlohmann-json3-dev libspdlog-dev libfmt-dev
  libgtest-dev libgmock-dev
  libcli11-dev libyaml-cpp-dev
  libcmark-gfm-dev libcmark-gfm-extensions-dev
  libgumbo-dev libxml2-dev libcld2-dev
  libsqlite3-dev libpqxx-dev libre2-dev libxxhash-dev liblz4-dev libssl-dev libgoogle-perftools-dev
  python3 curl
)
# Sources of the system error catalogues read by scripts/import-system-catalogues.sh.
CATALOGUE_PACKAGES=(
  mingw-w64-common linux-libc-dev libcurl4-doc postgresql-server-dev-15
  libpython3.11-stdlib sqlite3-doc libsqlite3-dev libmariadb-dev
)
# The integration tests (tests/integrations): a browser and its driver for the helpdesk sidebar
# example, and Node for the official MCP SDK client (which the tests install from npm).
TEST_PACKAGES=( chromium chromium-driver python3-selenium )
# The feedback store's PostgreSQL tests and the replicated topology (tests/deploy): a PostgreSQL
# server, xapian-tools' replication (in BUILD_PACKAGES) and HAProxy in front of the replicas.
TEST_PACKAGES+=( postgresql haproxy )
# Operating it (docs/operations.md): man pages from --help, the package test's clean Debian 12 root,
# promtool for the metrics test.
BUILD_PACKAGES+=( help2man )
TEST_PACKAGES+=( debootstrap prometheus )
# libFuzzer targets with sanitizers (scripts/fuzz.sh): clang and its runtime libraries.
TEST_PACKAGES+=( clang libclang-rt-14-dev )
# The style check (scripts/check-style.sh).
TEST_PACKAGES+=( clang-format-14 clang-tidy-14 )
# Peers and load tools for scripts/bench.sh and scripts/eval.sh (Lucene 8 and a JDK for its peer).
BENCH_PACKAGES=( wrk nginx postgresql sqlite3 gnuplot-nox python3-xapian python3-psycopg2 time
  liblucene8-java default-jdk-headless )

want=("${BUILD_PACKAGES[@]}" "${CATALOGUE_PACKAGES[@]}" "${TEST_PACKAGES[@]}")
# Node and npm from Debian, unless a node with npm is already installed (NodeSource's nodejs
# includes npm and conflicts with Debian's npm package).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then want+=(nodejs npm); fi
if [[ "${1:-}" == "--bench" ]]; then want+=("${BENCH_PACKAGES[@]}"); fi

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "errkb: installing ${missing[*]}"
  if [[ $(id -u) -ne 0 ]]; then echo "errkb: missing packages and not root; run as root or install: ${missing[*]}" >&2; exit 2; fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

#!/usr/bin/env bash
# The Debian package as an operator installs it: CPack builds the .deb from the build folder ($1),
# debootstrap makes a clean Debian 12 root (minbase, from this machine's Debian mirror), apt-get
# installs the .deb there (its Depends resolved by apt) with systemd, and the installed units pass
# systemd-analyze verify. Then, as the package's user errkb, the installed errkb-indexer indexes the
# demo KB, the installed errkb-server serves it with /etc/errkb/errkb.yaml, curl and the installed
# errkb client query it; purging removes the user and the state. Exit 77 (skipped) when not root.
set -euo pipefail
BUILD_DIR=$(cd "$1" && pwd)
if [[ $(id -u) -ne 0 ]]; then echo "package_install: needs root (debootstrap, chroot)"; exit 77; fi
for tool in debootstrap cpack curl; do
  command -v "$tool" >/dev/null || { echo "package_install: $tool is missing (scripts/install-deps.sh)"; exit 1; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/errkb-package.XXXXXX")
ROOT=$WORK/root
SERVER_PID=
cleanup() {
  if [[ -n $SERVER_PID ]] && kill -0 "$SERVER_PID" 2>/dev/null; then kill -KILL "$SERVER_PID"; wait "$SERVER_PID" || true; fi
  rm -rf "$WORK"  # nothing is mounted in the root: it is plain files
}
trap cleanup EXIT
fail() { echo "package_install: $*" >&2; exit 1; }
in_root() { chroot "$ROOT" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }
as_errkb() { chroot --userspec=errkb:errkb "$ROOT" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/var/lib/errkb "$@"; }

echo "== the package"
(cd "$BUILD_DIR" && cpack -G DEB -B "$WORK/package" >"$WORK/cpack.log" 2>&1) || { tail -n 30 "$WORK/cpack.log"; fail "cpack failed"; }
DEB=$(ls "$WORK"/package/errkb_*_*.deb)
[[ $(basename "$DEB") =~ ^errkb_[0-9]+\.[0-9]+\.[0-9]+_[a-z0-9]+\.deb$ ]] || fail "unexpected package name $DEB"
echo "$(basename "$DEB"): Depends: $(dpkg-deb -f "$DEB" Depends)"

echo "== a clean Debian 12 root"
MIRROR=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[[ -n $MIRROR ]] || MIRROR=$(awk '$1 == "deb" {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
MIRROR=${MIRROR:-http://deb.debian.org/debian}
debootstrap --variant=minbase bookworm "$ROOT" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 ||
  { tail -n 30 "$WORK/debootstrap.log"; fail "debootstrap failed"; }
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then  # the same suites as this machine (updates, security)
  cp /etc/apt/sources.list.d/debian.sources "$ROOT/etc/apt/sources.list.d/"
  rm -f "$ROOT/etc/apt/sources.list"
fi
cp "$DEB" "$ROOT/tmp/"

echo "== apt-get install ./$(basename "$DEB")"
in_root apt-get update -qq >"$WORK/apt.log" 2>&1 || { cat "$WORK/apt.log"; fail "apt-get update failed"; }
in_root apt-get install -y -qq --no-install-recommends "/tmp/$(basename "$DEB")" systemd >>"$WORK/apt.log" 2>&1 ||
  { tail -n 40 "$WORK/apt.log"; fail "apt-get install failed"; }
in_root getent passwd errkb >/dev/null || fail "no user errkb"
[[ $(in_root stat -c %U:%a /var/lib/errkb) == errkb:750 ]] || fail "/var/lib/errkb: $(in_root stat -c %U:%a /var/lib/errkb)"
[[ $(in_root stat -c %U:%G:%a /etc/errkb/errkb.yaml) == root:errkb:640 ]] || fail "errkb.yaml: $(in_root stat -c %U:%G:%a /etc/errkb/errkb.yaml)"
for program in errkb errkb-indexer errkb-server; do
  in_root "/usr/bin/$program" --version | grep -Eq "^$program [0-9]+\.[0-9]+\.[0-9]+ \(commit " || fail "$program --version"
  in_root test -s "/usr/share/man/man1/$program.1.gz" || fail "no man page of $program"
done

echo "== systemd-analyze verify"
UNITS=(errkb.service errkb-indexer.service errkb-indexer.path errkb-indexer.timer)
(cd "$ROOT/usr/lib/systemd/system" && in_root systemd-analyze verify --man=no "${UNITS[@]/#//usr/lib/systemd/system/}") \
  >"$WORK/verify.log" 2>&1 || { cat "$WORK/verify.log"; fail "systemd-analyze verify failed"; }
if [[ -s $WORK/verify.log ]]; then cat "$WORK/verify.log"; fail "systemd-analyze verify warned"; fi

echo "== the demo KB indexed and served as user errkb"
in_root cp -r /usr/share/errkb/demo-kb/. /var/lib/errkb/kb/
in_root chown -R errkb:errkb /var/lib/errkb/kb
status=0
as_errkb /usr/bin/errkb-indexer update --quiet --config /etc/errkb/errkb.yaml >"$WORK/indexer.log" 2>&1 || status=$?
[[ $status -le 1 ]] || { cat "$WORK/indexer.log"; fail "errkb-indexer update exited $status"; }
# Not through as_errkb: $! must be the server itself (chroot and env exec it), which the signal stops.
chroot --userspec=errkb:errkb "$ROOT" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/var/lib/errkb \
  /usr/bin/errkb-server --config /etc/errkb/errkb.yaml --listen 127.0.0.1:0 >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
PORT=
for _ in $(seq 600); do  # until the server says where it listens (or ends)
  PORT=$(grep -o 'listening on http://127\.0\.0\.1:[0-9]*' "$WORK/server.log" | grep -o '[0-9]*$' || true)
  [[ -n $PORT ]] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$WORK/server.log"; fail "errkb-server ended"; }
  sleep 0.1
done
[[ -n $PORT ]] || { cat "$WORK/server.log"; fail "errkb-server did not listen"; }
URL=http://127.0.0.1:$PORT
# Whether the answer at a path holds a pattern. Read whole first: grep -q leaving early would fail
# curl's write (pipefail) on a long answer.
answer_has() { local body; body=$(curl -fsS "$URL$1") && grep -q "$2" <<<"$body"; }
answer_has /readyz '"status":"ready"' || fail "/readyz"
answer_has /v1/codes/0x80070005 '"canonical":"hresult:80070005"' || fail "/v1/codes/0x80070005"
answer_has /metrics '^errkb_build_info{version="' || fail "/metrics has no errkb_build_info"
as_errkb /usr/bin/errkb --server "$URL" diagnose "Windows Update fails with error 0x80070005" >"$WORK/client.log" 2>&1 ||
  { cat "$WORK/client.log"; fail "errkb diagnose found no answer"; }
# The server writes its log in batches (every 100 ms): wait for the requests' lines, a while at most.
for _ in $(seq 100); do grep -q '"request_id"' "$WORK/server.log" && break; sleep 0.1; done
grep -q '"request_id"' "$WORK/server.log" || fail "the packaged config's JSON log lines have no request_id"
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || { cat "$WORK/server.log"; fail "errkb-server did not stop cleanly"; }
SERVER_PID=

echo "== apt-get purge errkb"
in_root apt-get purge -y -qq errkb >>"$WORK/apt.log" 2>&1 || { tail -n 20 "$WORK/apt.log"; fail "purge failed"; }
! in_root getent passwd errkb >/dev/null || fail "user errkb left after purge"
! in_root test -e /var/lib/errkb || fail "/var/lib/errkb left after purge"
echo "package_install: installed, indexed, served, queried and purged $(basename "$DEB")"

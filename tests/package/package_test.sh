#!/usr/bin/env bash
# The .deb install test (ctest -L slow): builds the package with CPack from BUILD_DIR, checks
# its control data, files, unit and man pages, installs it into a scratch root (dpkg -x, and
# dpkg --root --unpack with a dpkg database of its own), starts the installed binary from
# there on a fresh data folder and asks /api/v1/health.
#   tests/package/package_test.sh BUILD_DIR
set -euo pipefail
build="$1"
work="$(mktemp -d "${TMPDIR:-/tmp}/labelloop-package.XXXXXX")"
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "package_test: FAIL: $*" >&2; exit 1; }
step() { echo "package_test: $*" >&2; }

step "cpack -G DEB"
(cd "$build" && cpack -G DEB -B "$work/out") > "$work/cpack.log" 2>&1 || { cat "$work/cpack.log" >&2; fail "cpack"; }
deb="$(ls "$work"/out/labelloop_*.deb)"
step "built $(basename "$deb") ($(du -h "$deb" | cut -f1))"

dpkg-deb --field "$deb" Package | grep -qx labelloop || fail "package name"
depends="$(dpkg-deb --field "$deb" Depends)"
for lib in adduser libopencv-dnn libsqlite3 libtorch; do
  grep -q "$lib" <<<"$depends" || fail "Depends lacks $lib: $depends"
done
dpkg-deb --contents "$deb" > "$work/contents"
for f in ./usr/bin/labelloop ./usr/lib/systemd/system/labelloop.service ./usr/share/labelloop/models/mobilenet_v2.onnx \
         ./usr/share/labelloop/statemachines/default.json ./usr/share/man/man1/labelloop.1.gz \
         ./usr/share/man/man1/labelloop-import.1.gz ./usr/share/man/man1/labelloop-serve.1.gz \
         ./usr/share/doc/labelloop/docs/export.md; do
  grep -q " $f\$" "$work/contents" || fail "the package lacks $f"
done
grep -q " ./usr/share/labelloop/backgrounds/" "$work/contents" || fail "the package lacks the background photos"

dpkg-deb --control "$deb" "$work/control"
for script in postinst prerm postrm; do
  [ -x "$work/control/$script" ] || fail "$script is missing or not executable"
  sh -n "$work/control/$script" || fail "$script has a syntax error"
done
grep -q "adduser --system" "$work/control/postinst" || fail "postinst creates no system user"

step "dpkg -x into a scratch root"
root="$work/root"
dpkg -x "$deb" "$root"
unit="$root/usr/lib/systemd/system/labelloop.service"
for line in "User=labelloop" "StateDirectory=labelloop" "NoNewPrivileges=yes" "ProtectSystem=strict" \
            "ExecStart=/usr/bin/labelloop serve"; do
  grep -q "^$line" "$unit" || fail "the unit lacks $line"
done
# systemd-analyze (Debian's systemd) checks the unit's syntax, options and commands. Its
# --root wants a whole system (sysinit.target ...), so the unit is checked as a copy whose
# commands point at the binary just unpacked. Without systemd-analyze (a container with no
# systemd) the grep checks above are all there is: said, not skipped silently.
if command -v systemd-analyze >/dev/null 2>&1; then
  step "systemd-analyze verify (the unit, its commands pointing into the scratch root)"
  mkdir -p "$work/unit"
  sed "s#/usr/bin/labelloop#$root/usr/bin/labelloop#g" "$unit" > "$work/unit/labelloop.service"
  systemd-analyze verify --man=no "$work/unit/labelloop.service" > "$work/verify.log" 2>&1 ||
    { cat "$work/verify.log" >&2; fail "systemd-analyze verify"; }
  [ -s "$work/verify.log" ] && { cat "$work/verify.log" >&2; fail "systemd-analyze verify warns"; }
else
  step "systemd-analyze is not installed: the unit is checked by the lines above only"
fi
# man-db (TEST_PKGS) renders each page as a reader would see it: no troff warnings. (C
# locale: ASCII hyphens in the text, so the greps below match.)
export LC_ALL=C
step "man -l on every page"
pages=0
for page in "$root"/usr/share/man/man1/*.1.gz; do
  MANWIDTH=80 man --warnings -l "$page" > "$work/page.txt" 2> "$work/page.err" ||
    { cat "$work/page.err" >&2; fail "man -l $(basename "$page")"; }
  [ -s "$work/page.err" ] && { cat "$work/page.err" >&2; fail "man -l $(basename "$page") warns"; }
  grep -q "^SYNOPSIS\|^DESCRIPTION\|^NAME" "$work/page.txt" || fail "$(basename "$page") renders no NAME section"
  pages=$((pages + 1))
done
[ "$pages" -ge 16 ] || fail "only $pages man pages"
man -l "$root/usr/share/man/man1/labelloop-models.1.gz" | grep "export" > /dev/null || fail "labelloop-models(1) lacks export"
man -l "$root/usr/share/man/man1/labelloop-import.1.gz" | grep "labelstudio" > /dev/null || fail "labelloop-import(1) lacks the formats"
man -l "$root/usr/share/man/man1/labelloop.1.gz" | grep "export-dataset" > /dev/null || fail "labelloop(1) lacks the commands"

step "dpkg --root --unpack (a dpkg database of its own)"
db="$work/dpkgroot"
mkdir -p "$db/var/lib/dpkg/updates" "$db/var/lib/dpkg/info"
touch "$db/var/lib/dpkg/status"
dpkg --root="$db" --force-not-root --force-depends --unpack "$deb" > "$work/unpack.log" 2>&1 || { cat "$work/unpack.log" >&2; fail "dpkg --unpack"; }
# Into a file first: `grep -q` stops reading at its match, and under pipefail the writer's
# SIGPIPE would fail the pipeline once the list outgrows the pipe buffer.
dpkg --root="$db" -L labelloop > "$work/installed.txt"
grep -qx /usr/bin/labelloop "$work/installed.txt" || fail "dpkg does not list /usr/bin/labelloop as installed"

step "run the installed binary"
installed=(env -u LABELLOOP_ASSETS -u LABELLOOP_DATA "$root/usr/bin/labelloop")
"${installed[@]}" --version > "$work/version.txt" 2>&1 || { cat "$work/version.txt" >&2; fail "labelloop --version"; }
version="$(dpkg-deb --field "$deb" Version)"
grep -q "$version" "$work/version.txt" || fail "--version says $(cat "$work/version.txt"), the package is $version"
"${installed[@]}" --help > "$work/help.txt" 2>&1 || { cat "$work/help.txt" >&2; fail "labelloop --help"; }
for cmd in import export-dataset models serve backup; do
  grep -q "$cmd" "$work/help.txt" || fail "--help lacks $cmd"
done
data="$work/data"
env -u LABELLOOP_ASSETS -u LABELLOOP_DATA "$root/usr/bin/labelloop" --data "$data" init > "$work/init.log" 2>&1 ||
  { cat "$work/init.log" >&2; fail "labelloop init"; }
env -u LABELLOOP_ASSETS -u LABELLOOP_DATA "$root/usr/bin/labelloop" --data "$data" serve --listen 127.0.0.1:0 \
  > "$work/serve.out" 2> "$work/serve.err" &
server=$!
url=""
for _ in $(seq 1 100); do
  url="$(grep -o 'http://127.0.0.1:[0-9]*' "$work/serve.out" || true)"
  [ -n "$url" ] && break
  kill -0 "$server" 2>/dev/null || { cat "$work/serve.err" >&2; fail "serve exited"; }
  sleep 0.1
done
[ -n "$url" ] || { cat "$work/serve.err" >&2; fail "serve printed no address"; }
health="$(curl -sf "$url/api/v1/health")" || fail "GET $url/api/v1/health"
grep -q '"status":"ok"' <<<"$health" || fail "health says $health"
step "GET $url/api/v1/health -> $health"
echo "package_test: 1 passed, 0 failed"

#!/usr/bin/env bash
# Fetches the default backbone and converts it to ONNX:
#   npm nsfwjs@4.3.0 (MobileNetV2, TF.js layers format) -> var/models/mobilenet_v2.onnx
# Idempotent: does nothing when the ONNX is there and matches its stamp (same package, same
# converter, same outputs, same bytes). Progress goes to stderr.
#
#   scripts/fetch-backbone.sh                   the ONNX only
#   scripts/fetch-backbone.sh --with-reference  also the conversion test's reference
#                                               activations (tests/backbone/make-reference.sh)
#   scripts/fetch-backbone.sh --with-package    also keep the extracted npm package in var/npm/
#   scripts/fetch-backbone.sh --force           convert again even if the stamp matches
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PKG_SPEC="nsfwjs@4.3.0"
# dist.integrity of nsfwjs@4.3.0 on the npm registry: the tarball must match it.
PKG_INTEGRITY="sha512-WTKDte0vp1X97N1h34P79G/hG+sVT3+TnDz9di1WseIJR93v11E4viNX7Vg9WsO6HYoR772Nzq2iM8jo3XBZ+g=="
NPM_DIR="$ROOT/var/npm"
PKG_DIR="$NPM_DIR/nsfwjs-4.3.0"
MODEL_DIR="$PKG_DIR/dist/models/mobilenet_v2"
CONVERTER_DIR="$ROOT/tools/tfjs_to_onnx"
OUT="$ROOT/var/models/mobilenet_v2.onnx"
STAMP="$OUT.stamp"
# Graph outputs: block_10 is the last block with ImageNet weights; the later ones were
# fine-tuned by nsfwjs. Backbone configs pick any subset of these by name.
OUTPUTS="block_10_project_BN,block_12_add,out_relu"

log() { echo "fetch-backbone: $*" >&2; }
die() { log "error: $*"; exit 1; }

with_reference=0; with_package=0; force=0
for arg in "$@"; do
  case "$arg" in
    --with-reference) with_reference=1; with_package=1 ;;
    --with-package) with_package=1 ;;
    --force) force=1 ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 0 ;;
    *) die "unknown argument '$arg' (see --help)" ;;
  esac
done

# Checked when needed, so an up-to-date set-up works without Node.js.
require_node() {
  command -v node >/dev/null 2>&1 ||
    die "node not found: install Node.js >= 18 with npm (Debian: apt-get install nodejs npm, or scripts/install-deps.sh)"
  node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' ||
    die "node $(node --version) is too old: the converter needs Node.js >= 18"
}
require_npm() {
  command -v npm >/dev/null 2>&1 ||
    die "npm not found: it downloads $PKG_SPEC. Install it (Debian: apt-get install npm, or scripts/install-deps.sh)"
}

sha256() { sha256sum "$@" | cut -d' ' -f1; }

expected_stamp() {
  echo "package $PKG_SPEC $PKG_INTEGRITY"
  echo "converter $(cat "$CONVERTER_DIR"/*.mjs | sha256sum | cut -d' ' -f1)"
  echo "outputs $OUTPUTS"
}

onnx_is_valid() {
  [ -s "$OUT" ] && [ -f "$STAMP" ] || return 1
  [ "$(head -n 3 "$STAMP")" = "$(expected_stamp)" ] || return 1
  [ "$(sed -n 4p "$STAMP")" = "onnx $(sha256 "$OUT")" ]
}

package_is_valid() {
  [ -f "$PKG_DIR/.labelloop-integrity" ] && [ "$(cat "$PKG_DIR/.labelloop-integrity")" = "$PKG_INTEGRITY" ] &&
    [ -f "$MODEL_DIR/model.min.js" ]
}

ensure_package() {
  package_is_valid && return 0
  require_node
  require_npm
  mkdir -p "$NPM_DIR"
  local tgz="$NPM_DIR/nsfwjs-4.3.0.tgz"
  log "downloading $PKG_SPEC with npm pack"
  (cd "$NPM_DIR" && npm pack "$PKG_SPEC" --pack-destination "$NPM_DIR" --loglevel=warn >/dev/null) ||
    die "npm pack $PKG_SPEC failed (is the npm registry reachable? npm config get registry: $(npm config get registry 2>/dev/null))"
  [ -s "$tgz" ] || die "npm pack did not produce $tgz"
  local got
  got="$(node -e 'const c=require("crypto"),fs=require("fs");process.stdout.write("sha512-"+c.createHash("sha512").update(fs.readFileSync(process.argv[1])).digest("base64"))' "$tgz")"
  [ "$got" = "$PKG_INTEGRITY" ] || die "$tgz has integrity $got, expected $PKG_INTEGRITY"
  local tmp="$PKG_DIR.tmp.$$"
  rm -rf "$tmp" && mkdir -p "$tmp"
  # Only the MobileNetV2 files (the package also carries 30 MB of InceptionV3).
  tar -xzf "$tgz" -C "$tmp" --strip-components=1 package/package.json package/LICENSE \
    package/dist/models/mobilenet_v2 || die "cannot extract $tgz"
  [ -f "$tmp/dist/models/mobilenet_v2/model.min.js" ] || die "$tgz has no dist/models/mobilenet_v2/model.min.js"
  echo "$PKG_INTEGRITY" > "$tmp/.labelloop-integrity"
  rm -rf "$PKG_DIR" && mv "$tmp" "$PKG_DIR"
  rm -f "$tgz"
  log "extracted to ${PKG_DIR#"$ROOT"/}"
}

ensure_onnx() {
  if [ "$force" = 0 ] && onnx_is_valid; then
    log "${OUT#"$ROOT"/} is up to date"
    return 0
  fi
  ensure_package
  require_node
  log "converting MobileNetV2 (outputs $OUTPUTS)"
  mkdir -p "$(dirname "$OUT")"
  node "$CONVERTER_DIR/convert.mjs" --model-dir "$MODEL_DIR" --out "$OUT" --outputs "$OUTPUTS" ||
    die "conversion failed"
  { expected_stamp; echo "onnx $(sha256 "$OUT")"; } > "$STAMP.tmp.$$"
  mv "$STAMP.tmp.$$" "$STAMP"
  log "wrote ${OUT#"$ROOT"/} ($(wc -c < "$OUT") bytes)"
}

mkdir -p "$ROOT/var"
(
  # One fetch at a time (make -j, parallel test runs).
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$ROOT/var/.fetch-backbone.lock"
    flock 9
  fi
  ensure_onnx
  [ "$with_package" = 0 ] || ensure_package
)

if [ "$with_reference" = 1 ]; then
  exec "$ROOT/tests/backbone/make-reference.sh"
fi

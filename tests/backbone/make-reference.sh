#!/usr/bin/env bash
# Produces var/backbone-reference/: TF.js activations of the default backbone on a fixed
# input, which src/vision/backbone_test.cc compares the converted ONNX against, and
# synthetic/: a small model covering the converter's other layer kinds, converted too.
# Installs the pure-JS TF.js (pinned by tests/backbone/package-lock.json) into var/npm-test/.
# Idempotent: does nothing when the reference matches its stamp. Progress goes to stderr.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
HERE="$ROOT/tests/backbone"
NPM_TEST="$ROOT/var/npm-test"
MODEL_DIR="$ROOT/var/npm/nsfwjs-4.3.0/dist/models/mobilenet_v2"
OUT="$ROOT/var/backbone-reference"

log() { echo "make-reference: $*" >&2; }
die() { log "error: $*"; exit 1; }

# The package (and the ONNX the test loads); a no-op when both are there.
"$ROOT/scripts/fetch-backbone.sh" --with-package

expected_stamp() {
  cat "$HERE"/*.mjs "$HERE/package-lock.json" "$ROOT"/tools/tfjs_to_onnx/*.mjs \
    "$ROOT/var/npm/nsfwjs-4.3.0/.labelloop-integrity" | sha256sum | cut -d' ' -f1
}

if [ -f "$OUT/index.json" ] && [ -f "$OUT/.stamp" ] && [ "$(cat "$OUT/.stamp")" = "$(expected_stamp)" ]; then
  log "${OUT#"$ROOT"/} is up to date"
  exit 0
fi

if ! cmp -s "$HERE/package-lock.json" "$NPM_TEST/package-lock.json" ||
   [ ! -d "$NPM_TEST/node_modules/@tensorflow/tfjs-layers" ]; then
  log "installing TF.js (pure JS, CPU backend) into ${NPM_TEST#"$ROOT"/}"
  mkdir -p "$NPM_TEST"
  cp "$HERE/package.json" "$HERE/package-lock.json" "$NPM_TEST/"
  (cd "$NPM_TEST" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >&2) ||
    die "npm ci in $NPM_TEST failed"
fi

log "computing reference activations with TF.js (takes ~15 s)"
tmp="$OUT.tmp.$$"
rm -rf "$tmp"
node "$HERE/reference.mjs" --model-dir "$MODEL_DIR" --out-dir "$tmp" --npm-dir "$NPM_TEST" \
  --source "nsfwjs@4.3.0 dist/models/mobilenet_v2" || { rm -rf "$tmp"; die "reference.mjs failed"; }
# Every other layer kind the converter handles, on a small synthetic model.
node "$HERE/synthetic.mjs" --out-dir "$tmp/synthetic" --npm-dir "$NPM_TEST" ||
  { rm -rf "$tmp"; die "synthetic.mjs failed"; }
expected_stamp > "$tmp/.stamp"
rm -rf "$OUT" && mv "$tmp" "$OUT"
log "wrote ${OUT#"$ROOT"/}"

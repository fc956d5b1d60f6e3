#!/usr/bin/env bash
# Installs what the export tests (tests/export/) need: Debian's python3-onnx (the checker)
# and python3-opencv (docs/export.md's Python example), and the npm packages pinned in
# tests/export/package.json (the JavaScript example). Idempotent and offline-safe: nothing
# is fetched when everything is present.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$here/tests/export"

missing=()
for p in python3-onnx python3-opencv; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-export-test-deps: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "install-export-test-deps: npm is missing (run scripts/install-deps.sh first)" >&2
  exit 1
fi

present=1
for pkg in onnxruntime-node sharp onnx-proto; do
  wanted="$(node -e 'console.log(require(process.argv[1]).dependencies[process.argv[2]])' "$dir/package.json" "$pkg")"
  have=""
  if [ -f "$dir/node_modules/$pkg/package.json" ]; then
    have="$(node -e 'console.log(require(process.argv[1]).version)' "$dir/node_modules/$pkg/package.json")"
  fi
  [ "$have" = "$wanted" ] || present=0
done
if [ "$present" = 1 ]; then
  echo "install-export-test-deps: npm packages present" >&2
  exit 0
fi

echo "install-export-test-deps: installing npm packages in tests/export" >&2
cd "$dir"
# onnxruntime-node bundles its CPU binaries; its install script only fetches the optional
# CUDA ones (from outside the npm registry), so it is told to skip them.
export ONNXRUNTIME_NODE_INSTALL=skip
if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
else
  npm install --no-audit --no-fund --loglevel=error
fi

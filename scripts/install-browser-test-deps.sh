#!/usr/bin/env bash
# Installs what the browser tests (tests/browser/) need: Debian's chromium (the tests never
# download a browser) and the npm package playwright-core pinned in tests/browser/package.json.
# Idempotent and offline-safe: when node_modules already holds the pinned version, nothing is
# fetched; when chromium is present, apt is not touched.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$here/tests/browser"

if ! command -v chromium >/dev/null 2>&1; then
  echo "install-browser-test-deps: installing chromium" >&2
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "install-browser-test-deps: npm is missing (run scripts/install-deps.sh first)" >&2
  exit 1
fi

wanted="$(node -e 'console.log(require(process.argv[1]).dependencies["playwright-core"])' "$dir/package.json")"
have=""
if [ -f "$dir/node_modules/playwright-core/package.json" ]; then
  have="$(node -e 'console.log(require(process.argv[1]).version)' "$dir/node_modules/playwright-core/package.json")"
fi
if [ "$have" = "$wanted" ]; then
  echo "install-browser-test-deps: playwright-core $have present" >&2
  exit 0
fi

echo "install-browser-test-deps: installing playwright-core $wanted in tests/browser" >&2
cd "$dir"
# playwright-core ships no browser and runs no download on install; skip it anyway.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
else
  npm install --no-audit --no-fund --loglevel=error
fi

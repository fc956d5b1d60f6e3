#!/usr/bin/env bash
# Installs the npm packages a test folder pins in its package.json (and package-lock.json):
#   scripts/install-npm-test-deps.sh tests/api
# Idempotent and offline-safe: when node_modules already holds every pinned version,
# nothing is fetched.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$here/${1:?usage: install-npm-test-deps.sh TEST_DIR}"
[ -f "$dir/package.json" ] || { echo "install-npm-test-deps: no package.json in $dir" >&2; exit 1; }
if ! command -v npm >/dev/null 2>&1; then
  echo "install-npm-test-deps: npm is missing (run scripts/install-deps.sh first)" >&2
  exit 1
fi

# Prints the first pinned dependency that node_modules lacks (or holds at another version).
missing="$(cd "$dir" && node -e '
  const fs = require("fs");
  const deps = require("./package.json").dependencies || {};
  for (const [name, wanted] of Object.entries(deps)) {
    const file = `node_modules/${name}/package.json`;
    const have = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")).version : "";
    if (have !== wanted) { console.log(`${name}@${wanted}`); break; }
  }')"
if [ -z "$missing" ]; then
  echo "install-npm-test-deps: $1 has every pinned package" >&2
  exit 0
fi
echo "install-npm-test-deps: installing $1's npm packages ($missing missing)" >&2
cd "$dir"
if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
else
  npm install --no-audit --no-fund --loglevel=error
fi

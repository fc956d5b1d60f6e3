#!/usr/bin/env bash
# Writes man pages generated from the CLI's own --help (help2man) into OUT_DIR:
# labelloop.1 and labelloop-<command>.1 for every command, gzipped.
#   scripts/make-man-pages.sh BINARY VERSION OUT_DIR
set -euo pipefail
binary="$1"; version="$2"; out="$3"
command -v help2man >/dev/null || { echo "make-man-pages: help2man is missing (scripts/install-deps.sh)" >&2; exit 1; }
mkdir -p "$out"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
# help2man runs a program with --help: one wrapper per command.
page() {  # NAME DESCRIPTION COMMAND...
  local name="$1" description="$2"; shift 2
  printf '#!/bin/sh\nexec %q %s "$@"\n' "$binary" "$*" > "$work/$name"
  chmod +x "$work/$name"
  help2man --no-info --no-discard-stderr --version-string="$version" --name="$description" \
    --section=1 --source="labelloop $version" "$work/$name" | gzip -n -9 > "$out/$name.1.gz"
}
page labelloop "custom image labels that improve themselves, self-hosted"
for cmd in init upload import export-dataset train models detect serve params schedules executions users tokens backup restore; do
  page "labelloop-$cmd" "labelloop $cmd" "$cmd"
done

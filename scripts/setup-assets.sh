#!/usr/bin/env bash
# Prepares the assets labelloop runs with, under var/ (git-ignored), idempotently:
#   var/models/mobilenet_v2.onnx   the default backbone (npm nsfwjs, converted to ONNX)
#   var/backgrounds/               background photos for synthetic training scenes
#   var/decoys/                    made-up logos (fonts from Debian) for background scenes
# With --with-reference, also the backbone conversion test's reference activations.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$ROOT/scripts/fetch-backbone.sh" "$@"
"$ROOT/scripts/fetch-backgrounds.sh"
"$ROOT/scripts/make-decoys.sh"

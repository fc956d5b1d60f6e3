#!/usr/bin/env bash
# The demo behind `make run`: a fresh data folder, the sample images from examples/
# uploaded as two labels, one training, and the detections of the inference images.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${LABELLOOP_BIN:-$ROOT/build/src/app/labelloop}"
DATA="${1:-$ROOT/labelloop-data}"
ll() { "$BIN" --data "$DATA" "$@"; }

echo "== demo data folder: $DATA (recreated)" >&2
rm -rf "$DATA"
"$BIN" init --data "$DATA"
ll upload "$ROOT/examples/amazon_logo" images_labeled_by_folder/amazon_logo >/dev/null
ll upload "$ROOT/examples/aws_logo" images_labeled_by_folder/aws_logo >/dev/null
echo "== training on 10 images" >&2
VERSION=$(ll train --wait | tail -n 1)
ll models describe "$VERSION"
ll models start "$VERSION" >/dev/null
echo "== detections of examples/inference_images with $VERSION" >&2
ll detect "$ROOT/examples/inference_images"

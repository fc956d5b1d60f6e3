#!/usr/bin/env bash
# The demo behind `make run`: a fresh data folder with the seed's sample images ready to
# upload (in DATA/sample-images/, not yet in the bucket), then `labelloop serve` on it.
# Follow the printed steps (or the seed walkthrough) in the console or with curl/the CLI.
# Stop with Ctrl-C. LISTEN=HOST:PORT changes the address (default 127.0.0.1:8080).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${LABELLOOP_BIN:-$ROOT/build/src/app/labelloop}"
DATA="${1:-$ROOT/labelloop-data}"
LISTEN="${LISTEN:-127.0.0.1:8080}"

echo "== demo data folder: $DATA (recreated)" >&2
rm -rf "$DATA"
"$BIN" init --data "$DATA"
mkdir -p "$DATA/sample-images"
cp -r "$ROOT/examples/amazon_logo" "$ROOT/examples/aws_logo" "$ROOT/examples/inference_images" "$DATA/sample-images/"
cat >&2 <<MSG
== sample images ready to upload: $DATA/sample-images/{amazon_logo,aws_logo,inference_images}
   The seed walkthrough, step by step (console at http://$LISTEN/, or the CLI in another shell):
     1. upload the two label folders:
          $BIN --data $DATA upload $DATA/sample-images/amazon_logo images_labeled_by_folder/amazon_logo
          $BIN --data $DATA upload $DATA/sample-images/aws_logo images_labeled_by_folder/aws_logo
     2. switch Enable-Automatic-Training off and on; a training check runs at once:
          $BIN --data $DATA params set Enable-Automatic-Training false
          $BIN --data $DATA params set Enable-Automatic-Training true
     3. watch: $BIN --data $DATA executions list ; $BIN --data $DATA models list
     4. upload images to detect; low-confidence ones become review tasks at http://$LISTEN/label:
          $BIN --data $DATA upload $DATA/sample-images/inference_images images_for_detection
== starting labelloop serve (Ctrl-C stops it)
MSG
exec "$BIN" --data "$DATA" serve --listen "$LISTEN"

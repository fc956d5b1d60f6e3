#!/usr/bin/env bash
# Reproduces the figures of docs/experiments.md with bench/fewshot_eval (the product's own
# training and classification code). Choices are made on the validation split (train on
# train_k10, evaluate on the other 10 images per label of train_k20); the test split is
# only reported. Each line appends a JSON result to $OUT (default var/experiments.jsonl).
#
#   scripts/experiments.sh            ablations on validation + test at k=5,10,20
#   scripts/experiments.sh test       test figures only (and the none_of_the_above rows)
#   scripts/experiments.sh boxes      geometry only: localiser choice on validation, then the
#                                     IoU table (k=10, then 5 and 20; 3 seeds; both benchmarks)
#   scripts/experiments.sh calibration  ECE before and after training's temperature (k=10,
#                                     3 seeds, both benchmarks; docs/experiments.md "Calibration")
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
BIN="${BIN:-build/bench/fewshot_eval}"
BENCH="${BENCH:-../shared/bench/public}"
OUT="${OUT:-var/experiments.jsonl}"
SEEDS="${SEEDS:-3}"
[ -x "$BIN" ] || { echo "build first: make build" >&2; exit 1; }
run() { echo "== $*" >&2; "$BIN" --bench "$BENCH" --json "$OUT" "$@" | tail -n 1; }

# Boxes (docs/experiments.md, "Where is it: geometry"): the per-location maps of the scored
# images are saved (--loc-dump) and localiser settings scored on them by loc_replay, in
# seconds, without retraining: the choice on validation, then the IoU table (k=10, then 5 and
# 20; 3 seeds; both benchmarks) with the default, by logo size.
if [ "${1:-all}" = boxes ]; then
  LOOKALIKE="${LOOKALIKE:-$(dirname "$BENCH")/lookalike}"
  REPLAY="${REPLAY:-$(dirname "$BIN")/loc_replay}"
  mkdir -p var/loc
  for b in "$BENCH" "$LOOKALIKE"; do
    n="$(basename "$b")"
    echo "== $b k=10 validation" >&2
    "$BIN" --bench "$b" --json "$OUT" --k 10 --validate --seeds 2 --loc-dump "var/loc/val_${n}_k10.bin"
    "$REPLAY" "var/loc/val_${n}_k10.bin" --by-scale --config "t=0.2,0.25,0.3,0.35,0.4 bt=0" \
      --config "t=0 bt=0.5,0.55,0.6,0.7" --config "t=0.25,0.3 bt=0.5,0.55,0.6"
  done
  for k in 10 5 20; do
    for b in "$BENCH" "$LOOKALIKE"; do
      n="$(basename "$b")"
      echo "== $b k=$k" >&2
      "$BIN" --bench "$b" --json "$OUT" --k "$k" --seeds "$SEEDS" --no-open-set --boxes "var/boxes/$n-k$k" \
        --loc-dump "var/loc/test_${n}_k$k.bin"
      "$REPLAY" "var/loc/test_${n}_k$k.bin" --by-scale --config "t=0.25 bt=0.55" --config "t=0.3 bt=0"
    done
  done
  exit 0
fi

# Calibration: the figures at temperature 1 and at the temperature training fits on its
# held-out split (--calibrate), with every seed's figures over a grid of temperatures.
if [ "${1:-all}" = calibration ]; then
  LOOKALIKE="${LOOKALIKE:-$(dirname "$BENCH")/lookalike}"
  for b in "$BENCH" "$LOOKALIKE"; do
    echo "== $b k=10" >&2
    "$BIN" --bench "$b" --json "$OUT" --k 10 --seeds "$SEEDS" --calibrate --temperature-sweep
  done
  exit 0
fi

if [ "${1:-all}" != test ]; then
  V=(--k 10 --validate --seeds "$SEEDS")
  run "${V[@]}"                                        # the default configuration
  run "${V[@]}" --scale 0.00784313725490196 --mean 1  # [-1,1] input (Keras MobileNetV2 convention)
  run "${V[@]}" --outputs block_10_project_BN,block_12_add
  run "${V[@]}" --outputs block_12_add
  run "${V[@]}" --joint-sizes                          # real images pooled over all sizes in training
  run "${V[@]}" --hidden 128
  run "${V[@]}" --hidden 32
  run "${V[@]}" --kernel 1
  run "${V[@]}" --sizes 320
  run "${V[@]}" --no-synth-cycle                       # synthetic scenes at 320 only
  run "${V[@]}" --synth 0                              # real images only (+ background class)
  run "${V[@]}" --bg 0 --synth 40                      # no background class scenes
  run "${V[@]}" --bg 160
  run "${V[@]}" --steps 150
  run "${V[@]}" --lse 2
  run "${V[@]}" --lse 10
  run "${V[@]}" --average 0
  # Rows 20-27: each flag set on validation F1 and on AUROC(known vs reserved none).
  both() { run "${V[@]}" "$@"; run --k 10 --seeds "$SEEDS" --none-reserve 100 "$@"; }
  for share in 0 0.5 0.8 1; do both --steps 300 --ensemble 3 --bg 160 --mined-bg "$share"; done
  for steps in 600 900 1200; do both --steps "$steps" --ensemble 3 --bg 160 --mined-bg 1; done
  for bg in 320 480; do both --ensemble 3 --bg "$bg" --mined-bg 1; done
  both --ensemble 3 --mined-bg 1 --mask-fraction 0.3
  for batch in 16 24; do both --ensemble 3 --batch "$batch" --mined-bg 1; done
  both --ensemble 3 --mined-bg 0
  both --ensemble 3
  both                                                 # the default: 6 heads
fi
for k in 5 10 20; do
  run --k "$k" --seeds 3
done
# The Whole Foods check of the sample images over 9 training seeds (docs/experiments.md,
# "Sample images"): amazon_logo + aws_logo trained, the Whole Foods logos as unknown/.
SAMPLES="$(mktemp -d)"
mkdir -p "$SAMPLES/train_k5" "$SAMPLES/test/amazon_logo" "$SAMPLES/unknown"
cp -r examples/amazon_logo examples/aws_logo "$SAMPLES/train_k5/"
cp examples/inference_images/inference-image-10.jpeg "$SAMPLES/test/amazon_logo/"
cp examples/inference_images/inference-image-{1.png,2.jpeg,3.png,5.png} "$SAMPLES/unknown/"
for seed in 1 2 3 4 5 6 7 8 9; do
  "$BIN" --bench "$SAMPLES" --k 5 --steps 600 --seed "$seed" --scores "$SAMPLES/scores.tsv" >/dev/null
  echo "samples seed $seed: $(awk -F'\t' '{printf "%s %.1f  ", $2, $5}' "$SAMPLES/scores.tsv")"
done
rm -rf "$SAMPLES"
# none_of_the_above (a reviewer's "None of the Above" kept as background photos): 100 none/
# images reserved (never evaluated), 0 / 20 / 100 of them trained on, the other 100 scored.
for k in 10 5; do
  for n in 0 20 100; do
    run --k "$k" --seeds 3 --none-reserve 100 --none-train "$n"
  done
done
# The same, scored only on none/ images whose background photo no reserved image uses.
for n in 0 20 100; do
  run --k 10 --seeds 3 --none-reserve 100 --none-train "$n" --none-unseen-photos
done

#!/usr/bin/env bash
# Builds the libFuzzer targets of fuzz/ (clang-14, ASan+UBSan) in their own build folder and
# runs each for FUZZ_SECONDS, FUZZ_PARALLEL at a time, starting from the committed seeds in
# fuzz/corpus/<target>/. New inputs go to $FUZZ_BUILD_DIR/corpus/<target>/ (not committed),
# crashes to $FUZZ_BUILD_DIR/crashes/<target>/, logs to $FUZZ_BUILD_DIR/logs/<target>.log.
# Prints executions, exec/s and crashes per target; exits non-zero if any target crashed.
#   scripts/fuzz.sh [TARGET...]     (default: every target)
#   FUZZ_SECONDS=600 FUZZ_PARALLEL=1 FUZZ_BUILD_DIR=build-fuzz
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET=${FUZZ_SECONDS:-600}
PARALLEL=${FUZZ_PARALLEL:-1}
BUILD=${FUZZ_BUILD_DIR:-build-fuzz}
ALL_TARGETS=(image_header image_decoder object_keys json_bodies state_machine manifest model_artifact)
TARGETS=("${@:-${ALL_TARGETS[@]}}")

scripts/install-deps.sh --with-fuzz-tools
CC=clang-14 CXX=clang++-14 cmake -S . -B "$BUILD" -DLABELLOOP_FUZZ=ON -DCMAKE_BUILD_TYPE= >/dev/null
cmake --build "$BUILD" -j "$(nproc)" --target $(printf '%s_fuzzer ' "${TARGETS[@]}")

# Per-target libFuzzer options. The decoder's pixel limit is 4 Mpixel (see its source), so
# an allocation past 512 MB is out of proportion: a finding, not noise.
options_for() {
  case "$1" in
    image_decoder) echo "-malloc_limit_mb=512 -timeout=10 -max_len=65536" ;;
    image_header) echo "-timeout=5 -max_len=65536" ;;
    *) echo "-timeout=5 -max_len=16384" ;;
  esac
}

run_one() {
  local target=$1 corpus="$BUILD/corpus/$1" crashes="$BUILD/crashes/$1/" log="$BUILD/logs/$1.log"
  mkdir -p "$corpus" "$crashes" "$(dirname "$log")"
  # shellcheck disable=SC2046
  nice "$BUILD/fuzz/${target}_fuzzer" $(options_for "$target") -max_total_time="$SECONDS_PER_TARGET" \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$crashes" "$corpus" "fuzz/corpus/$target" \
    >"$log" 2>&1 || true
}

echo "fuzz: ${#TARGETS[@]} targets, ${SECONDS_PER_TARGET}s each, $PARALLEL at a time" >&2
for target in "${TARGETS[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$PARALLEL" ]; do wait -n || true; done
  echo "fuzz: running $target" >&2
  run_one "$target" &
done
wait

failed=0
printf '%-16s %14s %10s %8s %8s\n' target executions exec/s corpus crashes
for target in "${TARGETS[@]}"; do
  log="$BUILD/logs/$target.log"
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  units=$(find "$BUILD/corpus/$target" -type f | wc -l)
  crashes=$(find "$BUILD/crashes/$target" -type f | wc -l)
  printf '%-16s %14s %10s %8s %8s\n' "$target" "${execs:-?}" "${rate:-?}" "$units" "$crashes"
  [ "$crashes" -eq 0 ] || failed=1
done
[ "$failed" -eq 0 ] || echo "fuzz: crashes saved under $BUILD/crashes/ (logs in $BUILD/logs/)" >&2
exit "$failed"

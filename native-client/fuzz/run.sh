#!/usr/bin/env bash
# Builds the codec's libFuzzer target in native-client/build-fuzz (clang,
# ASan + UBSan) and fuzzes it for SECONDS (default 20), seeded with the golden
# frames of test-fixtures/protocol/ and the inputs of fuzz/known/ (bugs found and fixed). The corpus it grows stays in
# build-fuzz/corpus; a crash leaves build-fuzz/crash-* and a non-zero exit. The run is recorded in
# build-fuzz/last-run.tsv (target, seconds, executions, exit code) for .ci/reliability and .ci/fuzz-long.
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
code=0
start=$SECONDS
fuzz/frame_decoder_fuzz -max_total_time="$seconds" -rss_limit_mb=2048 \
  -print_final_stats=1 "$@" corpus "$here/../test-fixtures/protocol" "$here/fuzz/known" \
  2>&1 | tee last-run.log || code=$?
executions=$(sed -n 's/^stat::number_of_executed_units: *//p' last-run.log | tail -n1)
printf 'frame_decoder_fuzz\t%s\t%s\t%s' "$((SECONDS - start))" "${executions:-0}" "$code" >last-run.tsv
exit "$code"

#!/usr/bin/env bash
# The installed package as its users see it (the CTest tests install.*,
# tests/packaging.cmake):
#
#   install_test.sh install BUILD PREFIX
#       cmake --install BUILD --prefix PREFIX (emptied first), then checks
#       that the headers, the libraries, the package config with its version
#       file and both executables are where the README says.
#   install_test.sh cli PREFIX STATE
#       PREFIX/bin/torchfeed-client verify toynet against the server of
#       STATE/address: the installed client finds the installed
#       torchfeed-client-libtorch (../libexec/torchfeed) and verifies.
#   install_test.sh example PREFIX EXAMPLES WORK FIXTURES STATE [CMAKE_ARG...]
#       configures EXAMPLES (native-client/examples) in WORK with
#       CMAKE_PREFIX_PATH=PREFIX and no other way to the source tree, checks
#       that find_package(torchfeed) took PREFIX's config, builds it, runs it
#       against the server of STATE/address and compares its toynet output
#       with FIXTURES/models/toynet/forward.json (absolute tolerance 1e-4).
#       CMAKE_ARG...: passed to the configure step (the compiler, Torch_DIR).
set -euo pipefail

kTolerance=1e-4

fail() {
  echo "install_test.sh: $*" >&2
  exit 1
}

install_tree() {
  local build=$1 prefix=$2
  rm -rf "$prefix"
  cmake --install "$build" --prefix "$prefix"
  local file
  for file in include/torchfeed/client.h include/torchfeed/fetch_client.h \
      include/torchfeed/version.h lib/libtorchfeed.a \
      lib/libtorchfeed_transport.a lib/libtorchfeed_codec.a \
      lib/cmake/torchfeed/torchfeedConfig.cmake \
      lib/cmake/torchfeed/torchfeedConfigVersion.cmake \
      lib/cmake/torchfeed/torchfeedTargets.cmake \
      bin/torchfeed-client libexec/torchfeed/torchfeed-client-libtorch; do
    [ -e "$prefix/$file" ] || fail "cmake --install wrote no $prefix/$file"
  done
  echo "installed into $prefix"
}

installed_cli() {
  local prefix=$1 state=$2
  local out
  out=$("$prefix/bin/torchfeed-client" verify toynet \
    --server "$(cat "$state/address")")
  echo "$out"
  [[ "$out" == *"toynet:1 verified: sha256 "* ]] ||
    fail "the installed torchfeed-client did not verify toynet"
}

example() {
  local prefix=$1 examples=$2 work=$3 fixtures=$4 state=$5
  shift 5
  rm -rf "$work"
  cmake -S "$examples" -B "$work" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_PREFIX_PATH="$prefix" -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF "$@"
  local found
  found=$(sed -n 's/^torchfeed_DIR:[A-Z]*=//p' "$work/CMakeCache.txt")
  [ "$(realpath "$found")" = "$(realpath "$prefix/lib/cmake/torchfeed")" ] ||
    fail "find_package(torchfeed) took '$found', not $prefix's package"
  cmake --build "$work" -j2
  local out
  out=$("$work/torchfeed-example" "$(cat "$state/address")" toynet)
  echo "$out"
  # The expected values: forward.json's "output": {..., "values": [...]}.
  local expected
  expected=$(tr -d ' \n' <"$fixtures/models/toynet/forward.json" |
    sed -E 's/.*"output":\{[^}]*"values":\[([^]]*)\].*/\1/' | tr ',' ' ')
  [ -n "$expected" ] || fail "no output values in forward.json"
  [[ "$out" == "toynet output [1, 10]: "* ]] ||
    fail "expected 'toynet output [1, 10]: ...', got '$out'"
  awk -v got="${out#*: }" -v want="$expected" -v tolerance="$kTolerance" '
    BEGIN {
      n = split(got, g, " "); m = split(want, w, " ")
      if (n != m) { print "got " n " values, expected " m; exit 1 }
      for (i = 1; i <= n; i++) {
        d = g[i] - w[i]; if (d < 0) d = -d
        if (d > tolerance) {
          print "value " i ": got " g[i] ", expected " w[i]; exit 1
        }
      }
      print n " values within " tolerance " of forward.json"
    }' || fail "the example's output differs from forward.json"
}

case "${1:-}" in
  install) [ $# -eq 3 ] || fail "usage: $0 install BUILD PREFIX"
           install_tree "$2" "$3" ;;
  cli) [ $# -eq 3 ] || fail "usage: $0 cli PREFIX STATE"
       installed_cli "$2" "$3" ;;
  example) [ $# -ge 6 ] ||
             fail "usage: $0 example PREFIX EXAMPLES WORK FIXTURES STATE [CMAKE_ARG...]"
           shift; example "$@" ;;
  *) fail "usage: $0 install BUILD PREFIX | cli PREFIX STATE | example PREFIX EXAMPLES WORK FIXTURES STATE [CMAKE_ARG...]" ;;
esac

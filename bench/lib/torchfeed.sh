#!/usr/bin/env bash
# Starts and stops the torchfeed server a benchmark case measures (the same
# approach as native-client/tests/server.sh). Shared by every bench/cases/*.
#
#   torchfeed.sh add REPO NAME FILE
#       puts FILE into the model repository REPO as REPO/NAME/1/model.pt (a
#       hard link when REPO and FILE share a file system, else a copy; never a
#       symlink, which the server refuses by default).
#   torchfeed.sh start STATE REPO [SERVE_OPTION...]
#       starts `java $BENCH_SERVER_JVM_OPTS -jar $TORCHFEED_JAR serve --models
#       REPO --port 0 --http-port 0 --bind 127.0.0.1 --cache-dir
#       $BENCH_WORK/torchfeed-cache SERVE_OPTION...` in its own session, waits
#       for its "torchfeed ready:" line (up to 10 minutes: a first start
#       validates every model with LibTorch; the manifest cache makes later
#       starts fast) and fails if any model was rejected. Writes into STATE:
#         address        127.0.0.1:PORT  the TCP protocol port
#         http_address   127.0.0.1:PORT  the HTTP API
#         raw_address    127.0.0.1:PORT  the raw port (with --raw-port 0)
#         pid            the server JVM's pid (not its validation worker)
#         command        the command line, as run (for the report)
#         ready          the ready line
#         stdout, stderr the server's output
#       and prints the ready line.
#   torchfeed.sh stop STATE
#       stops that server (SIGTERM, then its process group after 10 s).
#       Safe to call twice, or when start failed: use it in the case's trap.
#
# Environment: TORCHFEED_JAR (default server/target/torchfeed.jar), BENCH_WORK
# (default bench/work), BENCH_SERVER_JVM_OPTS (default
# "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0", what .ci/serve runs with: no
# heap or GC tuning, as a user would run it).
set -euo pipefail

kReadyTimeout=600  # seconds

root=$(cd "$(dirname "$0")/../.." && pwd)
jar=${TORCHFEED_JAR:-$root/server/target/torchfeed.jar}
work=${BENCH_WORK:-$root/bench/work}
jvm_opts=${BENCH_SERVER_JVM_OPTS--Dorg.bytedeco.javacpp.maxPhysicalBytes=0}

stop() {
  local state=$1
  [ -f "$state/pid" ] || return 0
  local pid
  pid=$(cat "$state/pid")
  rm -f "$state/pid"
  kill -TERM "$pid" 2>/dev/null || return 0
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  echo "torchfeed.sh: server $pid ignored SIGTERM for 10 s; killing its group" >&2
  kill -KILL -- "-$pid" 2>/dev/null || true
}

add() {
  local repo=$1 name=$2 file=$3
  mkdir -p "$repo/$name/1"
  rm -f "$repo/$name/1/model.pt"
  ln "$file" "$repo/$name/1/model.pt" 2>/dev/null ||
    cp "$file" "$repo/$name/1/model.pt"
}

start() {
  local state=$1 repo=$2
  shift 2
  if [ ! -f "$jar" ]; then
    echo "torchfeed.sh: $jar is missing; build it first: .ci/build jar" >&2
    exit 1
  fi
  stop "$state"
  mkdir -p "$state" "$work/torchfeed-cache"
  rm -f "$state"/{address,http_address,raw_address,ready,stdout,stderr}
  local -a jvm command
  read -r -a jvm <<<"$jvm_opts"
  command=(java "${jvm[@]}" -jar "$jar" serve --models "$repo" --port 0
    --http-port 0 --bind 127.0.0.1 --cache-dir "$work/torchfeed-cache" "$@")
  echo "${command[*]}" >"$state/command"
  # Its own session, so that stop can end the server's process group.
  setsid "${command[@]}" >"$state/stdout" 2>"$state/stderr" </dev/null &
  local pid=$!
  echo "$pid" >"$state/pid"
  local line
  for _ in $(seq $((kReadyTimeout * 5))); do
    line=$(grep -m1 '^torchfeed ready:' "$state/stdout" || true)
    if [ -n "$line" ]; then
      echo "$line" >"$state/ready"
      sed -E 's/.*TCP on [^ ;,]*:([0-9]+).*/127.0.0.1:\1/' <<<"$line" >"$state/address"
      sed -E 's/.*HTTP on [^ ;,]*:([0-9]+).*/127.0.0.1:\1/' <<<"$line" >"$state/http_address"
      if [[ "$line" == *"raw on "* ]]; then
        sed -E 's/.*raw on [^ ;,]*:([0-9]+).*/127.0.0.1:\1/' <<<"$line" >"$state/raw_address"
      fi
      echo "$line"
      if [[ "$line" != *", 0 rejected;"* ]]; then
        echo "torchfeed.sh: the server rejected a model:" >&2
        grep -i 'rejected' "$state/stderr" | tail -n 5 >&2 || true
        stop "$state"
        exit 1
      fi
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$state/pid"
      echo "torchfeed.sh: the server exited before it was ready:" >&2
      tail -n 20 "$state/stderr" >&2
      exit 1
    fi
    sleep 0.2
  done
  echo "torchfeed.sh: no ready line after ${kReadyTimeout} s:" >&2
  tail -n 20 "$state/stderr" >&2
  stop "$state"
  exit 1
}

case "${1:-}" in
  add) [ $# -eq 4 ] || { echo "usage: $0 add REPO NAME FILE" >&2; exit 1; }
       add "$2" "$3" "$4" ;;
  start) [ $# -ge 3 ] || { echo "usage: $0 start STATE REPO [SERVE_OPTION...]" >&2; exit 1; }
         shift; start "$@" ;;
  stop) [ $# -eq 2 ] || { echo "usage: $0 stop STATE" >&2; exit 1; }
        stop "$2" ;;
  *) echo "usage: $0 add REPO NAME FILE | start STATE REPO [SERVE_OPTION...] | stop STATE" >&2
     exit 1 ;;
esac

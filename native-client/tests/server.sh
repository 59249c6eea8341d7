#!/usr/bin/env bash
# Starts and stops the real torchfeed server the end-to-end tests run against
# (the CTest fixture "torchfeed_server").
#
#   server.sh start STATE JAR FIXTURES
#       copies every fixture model (FIXTURES/models/NAME/model.pt) into the
#       repository STATE/repo/NAME/1/model.pt, and FIXTURES/models-2.10/toynet
#       as toynet-2.10; starts `java -jar JAR serve` on an
#       ephemeral port of 127.0.0.1; waits for its ready line; writes
#       STATE/address (127.0.0.1:PORT) and STATE/pid.
#   server.sh stop STATE
#       stops that server (by the pid it wrote) and its validation worker.
set -euo pipefail

kReadyTimeout=180  # seconds; validation runs LibTorch in a worker JVM

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
  echo "server.sh: server $pid ignored SIGTERM for 10 s; killing its group" >&2
  kill -KILL -- "-$pid" 2>/dev/null || true
}

start() {
  local state=$1 jar=$2 fixtures=$3
  if [ ! -f "$jar" ]; then
    echo "server.sh: $jar is missing; build it first:" \
      "mvn -o -q -B package -DskipTests" >&2
    exit 1
  fi
  stop "$state"
  rm -rf "$state"
  mkdir -p "$state/repo"
  local dir name
  for dir in "$fixtures"/models/*/; do
    name=$(basename "$dir")
    mkdir -p "$state/repo/$name/1"
    cp "$dir/model.pt" "$state/repo/$name/1/model.pt"
  done
  mkdir -p "$state/repo/toynet-2.10/1"
  cp "$fixtures/models-2.10/toynet/model.pt" "$state/repo/toynet-2.10/1/"
  # Its own session, so that stop can end the server's process group.
  setsid java -jar "$jar" serve --models "$state/repo" --port 0 \
    --bind 127.0.0.1 --cache-dir "$state/cache" \
    >"$state/stdout" 2>"$state/stderr" </dev/null &
  local pid=$!
  echo "$pid" >"$state/pid"
  local line port
  for _ in $(seq $((kReadyTimeout * 5))); do
    line=$(grep -m1 '^torchfeed ready:' "$state/stdout" || true)
    if [ -n "$line" ]; then
      port=$(sed -E 's/.*TCP on [^ ;,]*:([0-9]+).*/\1/' <<<"$line")
      echo "127.0.0.1:$port" >"$state/address"
      echo "$line"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$state/pid"
      echo "server.sh: the server exited before it was ready:" >&2
      tail -n 20 "$state/stderr" >&2
      exit 1
    fi
    sleep 0.2
  done
  echo "server.sh: no ready line after ${kReadyTimeout} s:" >&2
  tail -n 20 "$state/stderr" >&2
  stop "$state"
  exit 1
}

case "${1:-}" in
  start) [ $# -eq 4 ] || { echo "usage: $0 start STATE JAR FIXTURES" >&2; exit 1; }
         start "$2" "$3" "$4" ;;
  stop) [ $# -eq 2 ] || { echo "usage: $0 stop STATE" >&2; exit 1; }
        stop "$2" ;;
  *) echo "usage: $0 start STATE JAR FIXTURES | stop STATE" >&2; exit 1 ;;
esac

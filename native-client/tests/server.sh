#!/usr/bin/env bash
# Starts and stops the real torchfeed servers the end-to-end tests run against
# (the CTest fixtures "torchfeed_server", "watch_server", "tls_server" and
# "sign_server").
#
#   server.sh start [--signing-key FILE] STATE JAR FIXTURES [NAME...]
#       with --signing-key, the server signs its manifests with FILE (an
#       Ed25519 private key, openssl genpkey -algorithm ed25519); copies the
#       fixture models NAME... (default: every one of
#       FIXTURES/models, and FIXTURES/models-2.10/toynet as toynet-2.10) into
#       the repository STATE/repo/NAME/1/model.pt; starts `java -jar JAR serve`
#       on ephemeral TCP and HTTP ports of 127.0.0.1 with a random admin token;
#       waits for its ready line; writes STATE/address, STATE/http_address and
#       STATE/raw_address (the raw port, no header, serving toynet)
#       (127.0.0.1:PORT), STATE/token, STATE/jar and STATE/pid.
#   server.sh start-tls STATE JAR FIXTURES [NAME...]
#       the same with TLS on every port: first makes a test CA and a server
#       certificate for 127.0.0.1 and localhost in STATE/pki (openssl, by
#       test-fixtures/tls/make-test-pki.sh: ca.pem, other-ca.pem, ...), then
#       serves with --tls-cert STATE/pki/server.pem --tls-key
#       STATE/pki/server.key (restart keeps TLS).
#   server.sh restart STATE
#       stops that server and starts it again on the same ports with the same
#       repository, token and signing key (its clients see their connections
#       drop).
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

port_of() {  # the port in STATE/FILE (127.0.0.1:PORT)
  local address
  address=$(cat "$1")
  echo "${address##*:}"
}

# launch STATE TCP_PORT HTTP_PORT: starts the server on STATE/repo, waits for
# its ready line and records the ports it bound.
launch() {
  local state=$1 tcp_port=$2 http_port=$3
  local jar
  jar=$(cat "$state/jar")
  # Its own session, so that stop can end the server's process group. The
  # token goes through the environment: a command line is visible to all.
  # The raw port (no size header) serves toynet to the simplest receivers.
  local raw=()
  if [ -d "$state/repo/toynet" ]; then
    raw=(--raw-port 0 --raw-model toynet --raw-header none)
  fi
  local tls=()
  if [ -d "$state/pki" ]; then
    tls=(--tls-cert "$state/pki/server.pem" --tls-key "$state/pki/server.key")
  fi
  if [ -f "$state/signing_key" ]; then
    raw+=(--signing-key "$(cat "$state/signing_key")")
  fi
  TORCHFEED_ADMIN_TOKEN=$(cat "$state/token") setsid java -jar "$jar" serve \
    --models "$state/repo" --port "$tcp_port" --http-port "$http_port" \
    --bind 127.0.0.1 --cache-dir "$state/cache" "${raw[@]}" "${tls[@]}" \
    >"$state/stdout" 2>"$state/stderr" </dev/null &
  local pid=$!
  echo "$pid" >"$state/pid"
  local line
  for _ in $(seq $((kReadyTimeout * 5))); do
    line=$(grep -m1 '^torchfeed ready:' "$state/stdout" || true)
    if [ -n "$line" ]; then
      tcp_port=$(sed -E 's/.*TCP on [^ ;,]*:([0-9]+).*/\1/' <<<"$line")
      http_port=$(sed -E 's/.*HTTP on [^ ;,]*:([0-9]+).*/\1/' <<<"$line")
      echo "127.0.0.1:$tcp_port" >"$state/address"
      echo "127.0.0.1:$http_port" >"$state/http_address"
      if [[ "$line" == *"raw on "* ]]; then
        sed -E 's/.*raw on [^ ;,]*:([0-9]+).*/127.0.0.1:\1/' <<<"$line" >"$state/raw_address"
      fi
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

start() {
  local tls=no
  if [ "$1" = --tls ]; then
    tls=yes
    shift
  fi
  local signing_key=""
  if [ "$1" = --signing-key ]; then
    signing_key=$(realpath "$2")
    shift 2
  fi
  local state=$1 jar=$2 fixtures=$3
  shift 3
  if [ ! -f "$jar" ]; then
    echo "server.sh: $jar is missing; build it first:" \
      "mvn -o -q -B package -DskipTests" >&2
    exit 1
  fi
  stop "$state"
  rm -rf "$state"
  mkdir -p "$state/repo"
  local names=("$@") name
  if [ ${#names[@]} -eq 0 ]; then
    for dir in "$fixtures"/models/*/; do names+=("$(basename "$dir")"); done
    mkdir -p "$state/repo/toynet-2.10/1"
    cp "$fixtures/models-2.10/toynet/model.pt" "$state/repo/toynet-2.10/1/"
  fi
  for name in "${names[@]}"; do
    mkdir -p "$state/repo/$name/1"
    cp "$fixtures/models/$name/model.pt" "$state/repo/$name/1/model.pt"
  done
  (umask 077 && head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' \
    >"$state/token")
  realpath "$jar" >"$state/jar"
  if [ "$tls" = yes ]; then
    "$fixtures/tls/make-test-pki.sh" "$state/pki"
  fi
  if [ -n "$signing_key" ]; then echo "$signing_key" >"$state/signing_key"; fi
  launch "$state" 0 0
}

restart() {
  local state=$1
  stop "$state"
  launch "$state" "$(port_of "$state/address")" \
    "$(port_of "$state/http_address")"
}

case "${1:-}" in
  start) [ $# -ge 4 ] || { echo "usage: $0 start [--signing-key FILE] STATE JAR FIXTURES [NAME...]" >&2; exit 1; }
         shift; start "$@" ;;
  start-tls) [ $# -ge 4 ] || { echo "usage: $0 start-tls STATE JAR FIXTURES [NAME...]" >&2; exit 1; }
         shift; start --tls "$@" ;;
  restart) [ $# -eq 2 ] || { echo "usage: $0 restart STATE" >&2; exit 1; }
           restart "$2" ;;
  stop) [ $# -eq 2 ] || { echo "usage: $0 stop STATE" >&2; exit 1; }
        stop "$2" ;;
  *) echo "usage: $0 start [--signing-key FILE] STATE JAR FIXTURES [NAME...] | start-tls STATE JAR FIXTURES [NAME...] | restart STATE | stop STATE" >&2
     exit 1 ;;
esac

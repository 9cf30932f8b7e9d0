# Sourced by tests/run.sh and tests/bench.sh: install (once, into a cache outside the clone) and
# start the real test broker, nisshi, on a free loopback port. Defines:
#   ensure_nisshi     build nisshi (with SQLite storage, for the restart and authentication
#                     tests) into $EVOPS_CACHE if it is not there (about 30 min on 2 cores)
#   start_broker      start it; sets BROKER (host:port), BROKER_PID, NISSHI; stops it on exit
#   create_topic NAME PARTITIONS
cache="${EVOPS_CACHE:-$HOME/.cache/evops}"
nisshi_version=0.8.1
# With SQLite storage (the libsql feature): topics, records and SCRAM users survive a restart.
nisshi_build="nisshi-$nisshi_version-sqlite"
NISSHI="$cache/$nisshi_build/bin/nisshi"
mkdir -p "$cache"

say() { printf '\n== %s\n' "$*" >&2; }

ensure_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    say "installing ${missing[*]}"
    local sudo_cmd=()
    [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}

ensure_nisshi() {
  [ -x "$NISSHI" ] && return 0
  say "building nisshi $nisshi_version with SQLite storage into $cache (once; about 30 minutes on 2 cores)"
  if ! rustup toolchain list | grep -q '^nightly'; then
    echo "nisshi needs a nightly toolchain (its rama dependency needs rustc 1.96)" >&2
    return 2
  fi
  rm -rf "$cache/$nisshi_build.tmp"
  cargo +nightly install nisshi --version "=$nisshi_version" --locked \
    --no-default-features --features dynostore,libsql --root "$cache/$nisshi_build.tmp"
  # The build without SQLite, which this one replaces.
  rm -rf "$cache/$nisshi_build" "$cache/nisshi-$nisshi_version"
  mv "$cache/$nisshi_build.tmp" "$cache/$nisshi_build"
}

start_broker() {
  local port workdir
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  workdir=$(mktemp -d)
  BROKER_DIR="$workdir"
  # From an empty working directory: nisshi reads a .env file there.
  (cd "$workdir" && exec "$NISSHI" broker --cluster-id "evops-test-$port" \
    --listener-url "tcp://127.0.0.1:$port" --advertised-listener-url "tcp://127.0.0.1:$port" \
    --storage-engine memory://nisshi/ --group-initial-rebalance-delay 0s >"$workdir/broker.log" 2>&1) &
  BROKER_PID=$!
  BROKER="127.0.0.1:$port"
  trap stop_broker EXIT
  local _
  for _ in $(seq 1 100); do
    "$NISSHI" topic list --broker "tcp://$BROKER" >/dev/null 2>&1 && break
    kill -0 "$BROKER_PID" 2>/dev/null || { cat "$workdir/broker.log" >&2; echo "the broker died" >&2; return 2; }
    sleep 0.1
  done
  "$NISSHI" topic list --broker "tcp://$BROKER" >/dev/null
  say "nisshi $nisshi_version listening on $BROKER (pid $BROKER_PID)"
}

stop_broker() {
  # By PID, never by name.
  kill -TERM "$BROKER_PID" 2>/dev/null || true
  wait "$BROKER_PID" 2>/dev/null || true
  rm -rf "$BROKER_DIR"
}

create_topic() {
  "$NISSHI" topic create "$1" --partitions "$2" --broker "tcp://$BROKER" --silent
}

#!/usr/bin/env bash
# The whole test suite on a fresh machine, in one command: installs what it needs (Debian
# packages, the nisshi broker into a cache outside the clone), starts the real broker on a free
# loopback port, runs fmt, clippy and every test against it, and stops the broker by its PID.
#
#   bash tests/run.sh
#
# EVOPS_CACHE (default ~/.cache/evops) holds the broker build (about 18 minutes on 2 cores the
# first time, reused afterwards).
set -euo pipefail
cd "$(dirname "$0")/.."

cache="${EVOPS_CACHE:-$HOME/.cache/evops}"
nisshi_version=0.8.1
nisshi="$cache/nisshi-$nisshi_version/bin/nisshi"
mkdir -p "$cache"

say() { printf '\n== %s\n' "$*" >&2; }

# 1. System packages: C toolchain pieces for rdkafka-sys (SSL, SASL, zstd), kcat for benchmarks.
packages=(build-essential pkg-config cmake libssl-dev libsasl2-dev zlib1g-dev kcat python3 curl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  say "installing ${missing[*]}"
  sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# 2. The real broker: nisshi, built once with the nightly toolchain the image ships.
if [ ! -x "$nisshi" ]; then
  say "building nisshi $nisshi_version into $cache (once; about 18 minutes on 2 cores)"
  if ! rustup toolchain list | grep -q '^nightly'; then
    echo "tests/run.sh: nisshi needs a nightly toolchain (rustup toolchain install nightly)" >&2
    exit 2
  fi
  cargo +nightly install nisshi --version "=$nisshi_version" --locked \
    --no-default-features --features dynostore --root "$cache/nisshi-$nisshi_version.tmp"
  rm -rf "$cache/nisshi-$nisshi_version"
  mv "$cache/nisshi-$nisshi_version.tmp" "$cache/nisshi-$nisshi_version"
fi

# 3. Start it on a free loopback port, from an empty working directory (it reads .env there).
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
workdir=$(mktemp -d)
(cd "$workdir" && exec "$nisshi" broker --cluster-id "evops-test-$port" \
  --listener-url "tcp://127.0.0.1:$port" --advertised-listener-url "tcp://127.0.0.1:$port" \
  --storage-engine memory://nisshi/ --group-initial-rebalance-delay 0s >"$workdir/broker.log" 2>&1) &
broker_pid=$!
stop_broker() {
  kill -TERM "$broker_pid" 2>/dev/null || true
  wait "$broker_pid" 2>/dev/null || true
  rm -rf "$workdir"
}
trap stop_broker EXIT
for _ in $(seq 1 100); do
  if "$nisshi" topic list --broker "tcp://127.0.0.1:$port" >/dev/null 2>&1; then break; fi
  kill -0 "$broker_pid" 2>/dev/null || { cat "$workdir/broker.log" >&2; echo "tests/run.sh: the broker died" >&2; exit 2; }
  sleep 0.1
done
"$nisshi" topic list --broker "tcp://127.0.0.1:$port" >/dev/null
say "nisshi $nisshi_version listening on 127.0.0.1:$port (pid $broker_pid)"

# 4. Checks and tests.
say "cargo fmt --check"
cargo fmt --all -- --check
say "cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets --locked -- -D warnings
say "cargo test"
EVOPS_TEST_BROKERS="127.0.0.1:$port" EVOPS_TEST_NISSHI="$nisshi" cargo test --locked --all-targets

#!/usr/bin/env bash
# The whole test suite on a fresh machine, in one command: installs what it needs (Debian
# packages, the nisshi broker into a cache outside the clone), starts the real broker on a free
# loopback port, runs fmt, clippy and every test against it, and stops the broker by its PID.
#
#   bash tests/run.sh
#
# EVOPS_CACHE (default ~/.cache/evops) holds the broker build (about 30 minutes on 2 cores the
# first time, reused afterwards).
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/broker.sh

# C pieces for rdkafka-sys (SSL; SASL and zstd are built from source), python3 for a free port,
# openssl for the TLS tests' certificates (made at test time),
# node/npm for kafkajs.
ensure_packages build-essential pkg-config cmake libssl-dev zlib1g-dev python3 openssl
command -v npm >/dev/null || ensure_packages nodejs npm
ensure_nisshi

# The real client libraries whose partitioners evops must match, and Confluent's Avro and
# Protobuf serializers whose framed payloads evops must read (cached outside the clone);
# protobuf and grpcio-tools (its protoc) make the Protobuf test's message classes at test time.
# confluent-kafka is pinned: its newer versions ask registries for endpoints beyond the
# published REST API that tests/registry/server.py follows.
if ! "$cache/py/bin/python" -W ignore -c 'import kafka, aiokafka, fastavro, requests, confluent_kafka.schema_registry.avro, confluent_kafka.schema_registry.protobuf, grpc_tools.protoc' 2>/dev/null; then
  say "installing kafka-python, aiokafka, confluent-kafka, fastavro, protobuf and grpcio-tools into $cache/py"
  python3 -m venv "$cache/py"
  "$cache/py/bin/pip" install -q kafka-python aiokafka fastavro requests attrs cachetools httpx "confluent-kafka==2.6.1" protobuf grpcio-tools
fi
if [ ! -f "$cache/node/node_modules/kafkajs/package.json" ]; then
  say "installing kafkajs into $cache/node"
  mkdir -p "$cache/node"
  (cd "$cache/node" && npm install --silent --no-audit --no-fund kafkajs@2)
fi
# sarama and kafka-go as Debian packages them (1.22.1 and 0.2.1), built in GOPATH mode.
ensure_packages golang-go golang-github-shopify-sarama-dev golang-github-segmentio-kafka-go-dev
mkdir -p "$cache/go"
if [ ! -x "$cache/go/go_partitions" ] || [ tests/vectors/go_partitions.go -nt "$cache/go/go_partitions" ]; then
  say "building the sarama/kafka-go vector program"
  GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$cache/go/cache" \
    go build -o "$cache/go/go_partitions" tests/vectors/go_partitions.go 2>"$cache/go/build.log" \
    || { cat "$cache/go/build.log" >&2; exit 2; }
fi
export EVOPS_TEST_PYTHON="$cache/py/bin/python" EVOPS_TEST_NODE_PATH="$cache/node/node_modules" \
  EVOPS_TEST_GO_PARTITIONS="$cache/go/go_partitions"

start_broker

say "cargo fmt --check"
cargo fmt --all -- --check
say "cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets --locked -- -D warnings
say "cargo doc"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --locked --quiet
say "cargo test"
EVOPS_TEST_BROKERS="$BROKER" EVOPS_TEST_NISSHI="$NISSHI" cargo test --locked --all-targets
say "fuzz smoke: every fuzz target briefly (tests/fuzz_smoke.sh)"
bash tests/fuzz_smoke.sh

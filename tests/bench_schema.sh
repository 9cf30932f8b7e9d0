#!/usr/bin/env bash
# Benchmark (not a timed test) of `evops schema-validate` on one core: a capture file of RECORDS
# events (default 1M) of about 300 bytes, once as Confluent-framed Avro (checked through the
# test schema registry, asked once for the id), once as JSON (checked against JSON Schema) and
# once as Confluent-framed Protobuf (validated, and decoded to JSON lines by `filter -f json`),
# each timed with the process pinned to one core (taskset -c 0). Targets: 300k Avro, 150k
# JSON Schema and 400k Protobuf records/s.
#
#   bash tests/bench_schema.sh [RECORDS]
set -euo pipefail
cd "$(dirname "$0")/.."
source tests/broker.sh   # say, ensure_packages, $cache

records="${1:-1000000}"
runs="${BENCH_RUNS:-3}"
ensure_packages python3 util-linux
py="$cache/py/bin/python"
if ! "$py" -c 'import fastavro' 2>/dev/null; then
  python3 -m venv "$cache/py" && "$cache/py/bin/pip" install -q fastavro
fi
cargo build --release --locked -q
evops=$PWD/target/release/evops

work=$(mktemp -d)
reg_pid=""
trap '[ -n "$reg_pid" ] && kill "$reg_pid" 2>/dev/null; rm -rf "$work"' EXIT
python3 tests/registry/server.py --port 0 > "$work/registry.port" 2>"$work/registry.log" &
reg_pid=$!
for _ in $(seq 50); do [ -s "$work/registry.port" ] && break; sleep 0.1; done
registry="http://127.0.0.1:$(head -1 "$work/registry.port")"
# Register the schema: the framed payloads carry the id it gets.
id=$(python3 - "$registry" tests/data/bench/event.avsc <<'PY'
import json, sys, urllib.request
body = json.dumps({"schema": open(sys.argv[2]).read()}).encode()
req = urllib.request.Request(sys.argv[1] + "/subjects/bench-value/versions", body,
                             {"Content-Type": "application/vnd.schemaregistry.v1+json"})
print(json.load(urllib.request.urlopen(req))["id"])
PY
)

say "generating $records events (Avro id $id, and JSON) as capture files"
"$py" - "$records" "$id" tests/data/bench/event.avsc "$work/avro.ndjson" "$work/json.ndjson" <<'PY'
import base64, io, json, random, struct, sys
import fastavro
n, sid, schema_file, avro_out, json_out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
schema = fastavro.parse_schema(json.load(open(schema_file)))
r = random.Random(7)
kinds = ["article_published", "article_viewed", "comment_posted", "article_bumped", "user_registered"]
with open(avro_out, "w") as fa, open(json_out, "w") as fj:
    for i in range(n):
        user = f"u-{r.randrange(50000)}"
        ev = {"data": {"id": f"a-{r.randrange(100000)}", "type": r.choice(kinds),
                       "attributes": {"user_id": user, "title": "Ten years with an MX-5",
                                      "tribe_id": f"t-{r.randrange(40):02}", "duration_ms": r.randrange(120000),
                                      "referrer": r.choice(["feed", "search", "tribe"])}},
              "meta": {"created_at": 1763892000000 + i, "host": "api-1.eu-west-1"}}
        buf = io.BytesIO()
        fastavro.schemaless_writer(buf, schema, ev)
        framed = b"\0" + struct.pack(">I", sid) + buf.getvalue()
        common = {"topic": "bench", "partition": i % 6, "offset": i // 6, "timestamp": 1763892000000 + i, "key": user}
        fa.write(json.dumps(dict(common, value={"base64": base64.b64encode(framed).decode()})) + "\n")
        ev["meta"]["created_at"] = "2026-11-23T10:00:00.000Z"
        line = json.dumps(ev, separators=(",", ":"))
        fj.write(json.dumps(dict(common, value=line + " " * max(0, 300 - len(line)))) + "\n")
PY

# The same events as Protobuf (tests/data/bench/event.proto), Confluent-framed with the id the
# registry gives the schema; classes generated with grpcio-tools' protoc.
if ! "$py" -c 'import grpc_tools.protoc, google.protobuf' 2>/dev/null; then
  "$cache/py/bin/pip" install -q protobuf grpcio-tools
fi
pid=$(python3 - "$registry" tests/data/bench/event.proto <<'PY'
import json, sys, urllib.request
body = json.dumps({"schema": open(sys.argv[2]).read(), "schemaType": "PROTOBUF"}).encode()
req = urllib.request.Request(sys.argv[1] + "/subjects/bench-proto-value/versions", body,
                             {"Content-Type": "application/vnd.schemaregistry.v1+json"})
print(json.load(urllib.request.urlopen(req))["id"])
PY
)
say "the same events as Confluent-framed Protobuf (id $pid)"
mkdir -p "$work/pb"
"$py" -c 'import sys, importlib.resources; from grpc_tools import protoc; sys.exit(protoc.main(["protoc", "-Itests/data/bench", "-I" + str(importlib.resources.files("grpc_tools") / "_proto"), "--python_out=" + sys.argv[1], "event.proto"]))' "$work/pb"
"$py" - "$pid" "$work/json.ndjson" "$work/proto.ndjson" "$work/pb" <<'PY'
import base64, json, struct, sys
sys.path.insert(0, sys.argv[4])
import event_pb2
sid, json_in, proto_out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
header = b"\0" + struct.pack(">I", sid) + b"\0"
E = event_pb2.Event
with open(json_in) as fj, open(proto_out, "w") as fp:
    for line in fj:
        rec = json.loads(line)
        ev = json.loads(rec["value"])
        m = E()
        d, a = ev["data"], ev["data"]["attributes"]
        m.data.id, m.data.type = d["id"], E.Data.Type.Value(d["type"])
        m.data.attributes.user_id, m.data.attributes.title = a["user_id"], a["title"]
        m.data.attributes.tribe_id, m.data.attributes.duration_ms = a["tribe_id"], a["duration_ms"]
        m.data.attributes.referrer = a["referrer"]
        m.meta.created_at.FromMilliseconds(rec["timestamp"])
        m.meta.host = ev["meta"]["host"]
        rec["value"] = {"base64": base64.b64encode(header + m.SerializeToString()).decode()}
        fp.write(json.dumps(rec) + "\n")
PY

best() { # best wall time of $runs runs of the command, in seconds
  local b=""
  for _ in $(seq "$runs"); do
    local s e t
    s=$(date +%s.%N)
    "$@" > "$work/out" 2>"$work/err" || { [ $? -eq 1 ] || { cat "$work/err" >&2; exit 2; }; }
    e=$(date +%s.%N)
    t=$(echo "$e - $s" | bc)
    if [ -z "$b" ] || [ "$(echo "$t < $b" | bc)" = 1 ]; then b=$t; fi
  done
  echo "$b"
}
avro_t=$(best taskset -c 0 "$evops" -q schema-validate "$work/avro.ndjson" --registry "$registry" --format json)
grep -q "\"valid\":$records" "$work/out" || { echo "Avro run: not all valid: $(head -c 300 "$work/out")" >&2; exit 2; }
json_t=$(best taskset -c 0 "$evops" -q schema-validate "$work/json.ndjson" --schema tests/data/bench/event.json --format json)
grep -q "\"valid\":$records" "$work/out" || { echo "JSON run: not all valid: $(head -c 300 "$work/out")" >&2; exit 2; }
lint_t=$(best taskset -c 0 "$evops" -q schema-validate "$work/json.ndjson" --schema tests/data/bench/event.json --lint --format json)
proto_t=$(best taskset -c 0 "$evops" -q schema-validate "$work/proto.ndjson" --registry "$registry" --format json)
grep -q "\"valid\":$records" "$work/out" || { echo "Protobuf run: not all valid: $(head -c 300 "$work/out")" >&2; exit 2; }
decode_t=$(best taskset -c 0 "$evops" -q filter "$work/proto.ndjson" --value-format protobuf --registry "$registry" -f json)
[ "$(wc -l < "$work/out")" -eq "$records" ] || { echo "Protobuf decode: not every record printed" >&2; exit 2; }
echo
echo "| schema-validate, one core, $records records | seconds | records/s | target |"
echo "| --- | --- | --- | --- |"
printf '| Avro (Confluent-framed, via the registry) | %.2f | %s | 300,000 |\n' "$avro_t" "$(printf '%.0f' "$(echo "$records / $avro_t" | bc -l)")"
printf '| JSON Schema (2020-12) | %.2f | %s | 150,000 |\n' "$json_t" "$(printf '%.0f' "$(echo "$records / $json_t" | bc -l)")"
printf '| JSON Schema + --lint | %.2f | %s | - |\n' "$lint_t" "$(printf '%.0f' "$(echo "$records / $lint_t" | bc -l)")"
printf '| Protobuf (Confluent-framed, via the registry) | %.2f | %s | 400,000 |\n' "$proto_t" "$(printf '%.0f' "$(echo "$records / $proto_t" | bc -l)")"
printf '| Protobuf decoded to JSON lines (`filter -f json`) | %.2f | %s | 400,000 |\n' "$decode_t" "$(printf '%.0f' "$(echo "$records / $decode_t" | bc -l)")"

"""Produce Avro records the way a real Confluent client does, for evops' schema tests.

Values are serialized by confluent-kafka's AvroSerializer (Confluent framing: magic byte 0,
4-byte big-endian schema id, the binary datum), which registers the schema with the registry at
--registry (the test server in tests/registry/server.py), or, with --bare, by fastavro's
schemaless_writer with no framing at all. Each stdin line is a JSON value; a line
{"__raw_hex__": "..."} is produced as those bytes, untouched (a corrupt record).

usage: avro_produce.py BROKERS TOPIC SCHEMA_FILE [--registry URL] [--bare] < values.ndjson
"""

import io
import json
import sys
import warnings

warnings.simplefilter("ignore")

from confluent_kafka import Producer  # noqa: E402


def main():
    args = sys.argv[1:]
    brokers, topic, schema_file = args[0], args[1], args[2]
    registry = args[args.index("--registry") + 1] if "--registry" in args else None
    bare = "--bare" in args
    schema_text = open(schema_file).read()
    if bare:
        import fastavro

        parsed = fastavro.parse_schema(json.loads(schema_text))

        def serialize(v):
            buf = io.BytesIO()
            fastavro.schemaless_writer(buf, parsed, v)
            return buf.getvalue()

    else:
        from confluent_kafka.schema_registry import SchemaRegistryClient
        from confluent_kafka.schema_registry.avro import AvroSerializer
        from confluent_kafka.serialization import MessageField, SerializationContext

        ser = AvroSerializer(SchemaRegistryClient({"url": registry}), schema_text)
        ctx = SerializationContext(topic, MessageField.VALUE)

        def serialize(v):
            return ser(v, ctx)

    p = Producer({"bootstrap.servers": brokers, "partitioner": "murmur2_random"})
    n = 0
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        v = json.loads(line)
        if isinstance(v, dict) and "__raw_hex__" in v:
            value = bytes.fromhex(v["__raw_hex__"])
        else:
            value = serialize(v)
        p.produce(topic, value=value, key=str(n).encode(), partition=0)
        n += 1
    left = p.flush(30)
    if left:
        sys.exit("%d records not delivered" % left)
    print(n)


if __name__ == "__main__":
    main()

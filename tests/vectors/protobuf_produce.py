"""Produce Protobuf records the way a real Confluent client does, for evops' Protobuf tests.

Message classes are generated at run time from the .proto files under PROTO_DIR with
grpcio-tools' protoc (into a temporary directory); values are serialized by confluent-kafka's
ProtobufSerializer (Confluent framing: magic byte 0, 4-byte big-endian schema id, the
message-index path, the message), which registers the schema and each import as its own
subject (references) with the registry at URL, or, with --bare, by SerializeToString alone.

Each stdin line is {"type": "pkg.Message", "json": {...}} (the message in the proto3 JSON
mapping, parsed by json_format.Parse) or {"__raw_hex__": "..."} (bytes produced untouched: a
corrupt record). Each record is printed on stdout as json_format.MessageToJson writes its
message (null for raw bytes), one JSON document per line, in order: the expected view.

usage: protobuf_produce.py BROKERS TOPIC PROTO_DIR (--registry URL | --bare) < lines.ndjson
"""

import importlib
import json
import os
import sys
import tempfile
import warnings

warnings.simplefilter("ignore")

from confluent_kafka import Producer  # noqa: E402


def compile_protos(proto_dir, out):
    """Generate the _pb2 modules of every .proto under proto_dir and import them."""
    import importlib.resources

    from grpc_tools import protoc

    well_known = str(importlib.resources.files("grpc_tools") / "_proto")
    files = []
    for root, _, names in os.walk(proto_dir):
        files += [os.path.relpath(os.path.join(root, n), proto_dir) for n in names if n.endswith(".proto")]
    code = protoc.main(["protoc", f"-I{proto_dir}", f"-I{well_known}", f"--python_out={out}", *sorted(files)])
    if code != 0:
        sys.exit(f"protoc failed with {code}")
    sys.path.insert(0, out)
    for f in sorted(files):
        importlib.import_module(f[: -len(".proto")].replace("/", ".") + "_pb2")


def message_class(full_name):
    from google.protobuf import descriptor_pool, message_factory

    return message_factory.GetMessageClass(descriptor_pool.Default().FindMessageTypeByName(full_name))


def main():
    args = sys.argv[1:]
    brokers, topic, proto_dir = args[0], args[1], args[2]
    registry = args[args.index("--registry") + 1] if "--registry" in args else None
    from google.protobuf import json_format

    with tempfile.TemporaryDirectory(prefix="evops-pb2-") as out:
        compile_protos(proto_dir, out)
        serializers = {}

        def serialize(cls, msg):
            if registry is None:
                return msg.SerializeToString()
            from confluent_kafka.schema_registry import SchemaRegistryClient
            from confluent_kafka.schema_registry.protobuf import ProtobufSerializer
            from confluent_kafka.serialization import MessageField, SerializationContext

            if cls not in serializers:
                client = SchemaRegistryClient({"url": registry})
                serializers[cls] = ProtobufSerializer(cls, client, {"use.deprecated.format": False})
            return serializers[cls](msg, SerializationContext(topic, MessageField.VALUE))

        p = Producer({"bootstrap.servers": brokers, "partitioner": "murmur2_random"})
        for n, line in enumerate(l for l in sys.stdin if l.strip()):
            v = json.loads(line)
            if "__raw_hex__" in v:
                value, expected = bytes.fromhex(v["__raw_hex__"]), None
            else:
                cls = message_class(v["type"])
                msg = json_format.Parse(json.dumps(v["json"]), cls())
                value = serialize(cls, msg)
                expected = json.loads(json_format.MessageToJson(msg))
            p.produce(topic, value=value, key=str(n).encode(), partition=0)
            print(json.dumps(expected), flush=True)
        if p.flush(30) != 0:
            sys.exit("not every record was delivered")


if __name__ == "__main__":
    main()

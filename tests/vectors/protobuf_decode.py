"""Decode Confluent-framed Protobuf payloads with confluent-kafka-python's ProtobufDeserializer,
for evops' Protobuf tests: the real client's reading of what evops wrote.

Message classes are generated at run time from the .proto files under PROTO_DIR (as
protobuf_produce.py does). Each stdin line is a payload in hex; each stdout line is
json_format.MessageToJson of the TYPE message the deserializer read from it.

usage: protobuf_decode.py PROTO_DIR TYPE < payloads.hex
"""

import json
import os
import sys
import tempfile
import warnings

warnings.simplefilter("ignore")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from protobuf_produce import compile_protos, message_class  # noqa: E402


def main():
    proto_dir, type_name = sys.argv[1], sys.argv[2]
    from google.protobuf import message_factory

    # confluent-kafka 2.6's deserializer asks MessageFactory.GetPrototype, which protobuf 5
    # removed; GetMessageClass is its replacement (confluent-kafka 2.8 calls it itself).
    if not hasattr(message_factory.MessageFactory, "GetPrototype"):
        message_factory.MessageFactory.GetPrototype = lambda _, d: message_factory.GetMessageClass(d)
    from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer
    from confluent_kafka.serialization import MessageField, SerializationContext
    from google.protobuf import json_format

    with tempfile.TemporaryDirectory(prefix="evops-pb2-") as out:
        compile_protos(proto_dir, out)
        cls = message_class(type_name)
        read = ProtobufDeserializer(cls, {"use.deprecated.format": False})
        ctx = SerializationContext("t", MessageField.KEY)
        for line in sys.stdin:
            if line.strip():
                msg = read(bytes.fromhex(line.strip()), ctx)
                print(json.dumps(json.loads(json_format.MessageToJson(msg))), flush=True)


if __name__ == "__main__":
    main()

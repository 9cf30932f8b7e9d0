"""Partitions chosen by the real kafka-python and aiokafka partitioners, for evops's tests.

stdin: {"keys": ["<hex>", ...], "counts": [N, ...]}
stdout: {"kafka-python": [[partition per count] per key], "aiokafka": [...]}
Only the libraries' own partitioner classes decide; nothing here hashes.
"""
import json
import sys

from kafka.partitioner.default import DefaultPartitioner as KafkaPythonPartitioner
from aiokafka.partitioner import DefaultPartitioner as AiokafkaPartitioner


class Cluster:
    """The metadata calls kafka-python's partitioner makes."""

    def __init__(self, n):
        self.n = n

    def topics(self):
        return {"t"}

    def partitions_for_topic(self, topic):
        return set(range(self.n))

    def available_partitions_for_topic(self, topic):
        return set(range(self.n))


def main():
    req = json.load(sys.stdin)
    keys = [bytes.fromhex(k) for k in req["keys"]]
    kp = KafkaPythonPartitioner()
    ap = AiokafkaPartitioner()
    out = {"kafka-python": [], "aiokafka": []}
    for key in keys:
        out["kafka-python"].append(
            [kp.partition("t", key, key, None, None, Cluster(n)) for n in req["counts"]]
        )
        out["aiokafka"].append(
            [ap(key, list(range(n)), list(range(n))) for n in req["counts"]]
        )
    json.dump(out, sys.stdout)


main()

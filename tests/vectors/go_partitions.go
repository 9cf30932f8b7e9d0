// Partitions chosen by the real sarama and kafka-go partitioners (Debian's packaged versions),
// for evops's tests. stdin: {"keys": ["<hex>", ...], "counts": [N, ...]}; stdout:
// {"sarama": [[partition per count] per key], "sarama:reference": ..., "kafka-go:hash-0.2": ...}.
// Only the libraries' own partitioner code decides; nothing here hashes.
package main

import (
	"encoding/hex"
	"encoding/json"
	"os"

	"github.com/Shopify/sarama"
	kafka "github.com/segmentio/kafka-go"
)

type request struct {
	Keys   []string `json:"keys"`
	Counts []int32  `json:"counts"`
}

func main() {
	var req request
	if err := json.NewDecoder(os.Stdin).Decode(&req); err != nil {
		panic(err)
	}
	out := map[string][][]int64{}
	saramas := map[string]sarama.PartitionerConstructor{
		"sarama":           sarama.NewHashPartitioner,
		"sarama:reference": sarama.NewReferenceHashPartitioner,
	}
	for name, ctor := range saramas {
		p := ctor("t")
		for _, h := range req.Keys {
			key, _ := hex.DecodeString(h)
			row := []int64{}
			for _, n := range req.Counts {
				// A non-nil Encoder with empty bytes is a key (hashed), as in sarama.
				part, err := p.Partition(&sarama.ProducerMessage{Topic: "t", Key: sarama.ByteEncoder(key)}, n)
				if err != nil {
					panic(err)
				}
				row = append(row, int64(part))
			}
			out[name] = append(out[name], row)
		}
	}
	for _, h := range req.Keys {
		key, _ := hex.DecodeString(h)
		row := []int64{}
		for _, n := range req.Counts {
			partitions := make([]int, n)
			for i := range partitions {
				partitions[i] = i
			}
			// kafka-go treats a nil key as "no key"; an empty key must be non-nil to be hashed.
			if key == nil {
				key = []byte{}
			}
			row = append(row, int64((&kafka.Hash{}).Balance(kafka.Message{Key: key}, partitions...)))
		}
		out["kafka-go:hash-0.2"] = append(out["kafka-go:hash-0.2"], row)
	}
	if err := json.NewEncoder(os.Stdout).Encode(out); err != nil {
		panic(err)
	}
}

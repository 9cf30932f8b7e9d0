// Partitions chosen by the real kafkajs partitioners (2.x default and LegacyPartitioner), for
// evops's tests. stdin: {"keys": ["<hex>", ...], "counts": [N, ...]};
// stdout: {"kafkajs": [[partition per count] per key], "kafkajs-legacy": [...]}.
// Only kafkajs's own partitioner functions decide; nothing here hashes.
const { Partitioners } = require('kafkajs')

let input = ''
process.stdin.on('data', d => (input += d))
process.stdin.on('end', () => {
  const req = JSON.parse(input)
  const out = {}
  for (const [name, make] of [['kafkajs', Partitioners.DefaultPartitioner], ['kafkajs-legacy', Partitioners.LegacyPartitioner]]) {
    const partitioner = make()
    out[name] = req.keys.map(hex => {
      const key = Buffer.from(hex, 'hex')
      return req.counts.map(n => {
        const partitionMetadata = Array.from({ length: n }, (_, i) => ({ partitionId: i, leader: 0 }))
        return partitioner({ topic: 't', partitionMetadata, message: { key } })
      })
    })
  }
  process.stdout.write(JSON.stringify(out))
})

//! Partitioners: which partition a client puts a key on. Pure hash functions named after what
//! they are, pinned to vectors from the libraries they imitate. Producing through evops uses
//! these (default: the Java client's murmur2), so that records land where JVM consumers and
//! compacted topics expect them, whatever librdkafka's own default (CRC-32) would say.

pub mod crc32;
pub mod murmur2;

/// A partitioner that evops can compute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Partitioner {
    /// Kafka's Java client (and every "Java-compatible" one): murmur2, `(h & 0x7fffffff) % n`.
    Java,
    /// librdkafka's `consistent` / `consistent_random` default: CRC-32, unsigned modulo.
    Crc32,
}

impl Partitioner {
    /// The partition for a key among `n` partitions, or `None` when the client does not hash
    /// (a null key: sticky or random placement).
    pub fn partition(self, key: Option<&[u8]>, n: i32) -> Option<i32> {
        let key = key?;
        if n <= 0 {
            return None;
        }
        Some(match self {
            Partitioner::Java => murmur2::java_partition(key, n),
            Partitioner::Crc32 => (crc32::crc32(key) % n as u32) as i32,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            Partitioner::Java => "java",
            Partitioner::Crc32 => "librdkafka",
        }
    }
}

//! 32-bit FNV-1a (offset basis 0x811c9dc5, prime 0x01000193), the hash of sarama's default
//! partitioner, kafka-go's `Hash` and `ReferenceHash`, franz-go's Sarama hashers and
//! librdkafka's `fnv1a` partitioners, which differ only in how they turn it into a partition.

/// FNV-1a of the bytes.
pub fn fnv1a(data: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for &b in data {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// sarama's `NewHashPartitioner` (and librdkafka `fnv1a`, kafka-go `Hash` ≥ 0.3.1, franz-go
/// `SaramaCompatHasher`): `abs(int32(h) % n)`, Go's truncating remainder. Equal to librdkafka's
/// `(uint32)abs_i32(h) % n`, 0x80000000 included.
pub fn sarama_partition(h: u32, n: i32) -> i32 {
    let p = (h as i32).wrapping_rem(n);
    if p < 0 {
        -p
    } else {
        p
    }
}

/// sarama's `NewReferenceHashPartitioner` and kafka-go's `ReferenceHash`:
/// `(int32(h) & 0x7fffffff) % n`.
pub fn reference_partition(h: u32, n: i32) -> i32 {
    ((h & 0x7fff_ffff) as i32) % n
}

#[cfg(test)]
mod tests {
    use super::*;

    /// librdkafka's `unittest_fnv1a` values are after its abs step.
    fn librdkafka(key: &[u8]) -> u32 {
        let h = fnv1a(key) as i32;
        h.wrapping_abs() as u32
    }

    #[test]
    fn matches_librdkafka_vectors() {
        assert_eq!(librdkafka(b"kafka"), 0x0d33_c4e1);
        assert_eq!(librdkafka(b"giberish123456789"), 0x77a5_8295);
        assert_eq!(librdkafka(b"1234"), 0x023b_dd03);
        assert_eq!(librdkafka(b"234"), 0x2dea_3cd2);
        assert_eq!(librdkafka(b"34"), 0x740f_a83e);
        assert_eq!(librdkafka(b"4"), 0x310c_a263);
        assert_eq!(
            librdkafka(b"PreAmbleWillBeRemoved,ThePrePartThatIs"),
            0x65cb_d69c
        );
        assert_eq!(librdkafka(b""), 0x7ee3_623b);
    }

    #[test]
    fn sign_handling_differs_by_client() {
        // kafka-go's regression vector: "20" over 16 partitions is 1 for Hash, 15 for
        // ReferenceHash (and for the pre-0.3.1 unsigned modulo).
        let h = fnv1a(b"20");
        assert_eq!(sarama_partition(h, 16), 1);
        assert_eq!(reference_partition(h, 16), 15);
        assert_eq!(h % 16, 15);
        // sarama's MinInt32 key.
        assert_eq!(fnv1a(b"1468509572224"), 0x8000_0000);
        assert_eq!(sarama_partition(0x8000_0000, 50), 48);
        assert_eq!(librdkafka(b"1468509572224") % 50, 48);
    }
}

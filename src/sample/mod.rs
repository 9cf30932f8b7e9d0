//! The sampling hashes, pure and documented so that other tools can reproduce a sample: which
//! keys a by-key sample keeps, and the hash of a record's place that decides its fate in every
//! other mode. The sampling stage itself is [`crate::stage::sample`].

use crate::record::Record;

pub use crate::stage::sample::{Mode, Sampler};

/// Whether records with this key are in a by-key sample of `rate` under `seed`.
///
/// The decision, exactly (so that other tools can reproduce a sample):
///
/// 1. `h` = 64-bit FNV-1a (offset basis `0xcbf29ce484222325`, prime `0x100000001b3`; for each
///    byte `h = (h ^ byte) * prime`, wrapping) over the 8 little-endian bytes of `seed`, then
///    the key bytes.
/// 2. `h` goes through the SplitMix64 finalizer (wrapping arithmetic):
///    `h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9; h = (h ^ (h >> 27)) * 0x94d049bb133111eb;
///    h = h ^ (h >> 31)`.
/// 3. The key is in when `(h >> 11) as f64 / 2^53 < rate` (the top 53 bits as a fraction in
///    [0, 1)).
pub fn key_in_sample(seed: u64, key: &[u8], rate: f64) -> bool {
    unit(key_hash(seed, key)) < rate
}

/// Steps 1 and 2 of [`key_in_sample`].
pub fn key_hash(seed: u64, key: &[u8]) -> u64 {
    let h = fnv1a64(0xcbf2_9ce4_8422_2325, &seed.to_le_bytes());
    mix(fnv1a64(h, key))
}

/// 64-bit FNV-1a, continuing from `h`.
pub fn fnv1a64(mut h: u64, data: &[u8]) -> u64 {
    for &b in data {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    h
}

/// The SplitMix64 finalizer: FNV-1a alone mixes its last bytes poorly into the high bits,
/// which are the ones the rate comparison reads.
pub fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The top 53 bits of `x` as a fraction in [0, 1): exactly representable, evenly spaced.
pub fn unit(x: u64) -> f64 {
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// The hash that decides a record's fate in every mode but by-key: a pure function of the seed
/// and the record's place (topic, partition, offset). Because it does not depend on the order
/// records arrive in, the same seed gives the same sample however a read interleaves partitions,
/// and the same sample from a topic and from a capture file of it.
///
/// Exactly: FNV-1a 64 (as in [`key_in_sample`]) over the seed's 8 little-endian bytes, the topic
/// name's bytes, a zero byte, the partition as 4 big-endian bytes and the offset as 8 big-endian
/// bytes; then the SplitMix64 finalizer.
pub fn record_hash(seed: u64, r: &Record) -> u64 {
    let h = fnv1a64(0xcbf2_9ce4_8422_2325, &seed.to_le_bytes());
    let h = fnv1a64(h, r.topic.as_bytes());
    let h = fnv1a64(h, &[0]);
    let h = fnv1a64(h, &r.partition.to_be_bytes());
    mix(fnv1a64(h, &r.offset.to_be_bytes()))
}

//! Hash maps keyed by 64-bit fingerprints (a key's murmur2/crc32 pair in the partition audit,
//! an event id's hash in the duplicate-id lint) and by 128-bit ones ([`key_print`]: rekey's new
//! keys, and where a rekey's keys landed): the keys are already well mixed, so hashing them
//! again (SipHash) would only cost time. One multiply spreads them over the table.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// The hasher of [`FingerprintMap`]: a `u64` key times the golden ratio.
#[derive(Default)]
pub struct Fingerprint(u64);

impl Hasher for Fingerprint {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        // Only u64 and u128 keys are hashed; FNV-1a keeps anything else correct all the same.
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
    fn write_u128(&mut self, n: u128) {
        self.write_u64((n as u64) ^ (n >> 64) as u64);
    }
}

/// A map from fingerprints to `V`.
pub type FingerprintMap<V> = HashMap<u64, V, BuildHasherDefault<Fingerprint>>;

/// A key's 128-bit fingerprint from three independent hashes (murmur2, crc32, SipHash): two of a
/// billion distinct keys share one with a chance near 10^-21, so counts by fingerprint are the
/// keys' (rekey's distinct keys, where keys landed).
pub fn key_print(key: &[u8]) -> u128 {
    let mut sip = std::hash::DefaultHasher::new();
    sip.write(key);
    (u128::from(sip.finish()) << 64) | u128::from(short_print(key))
}

/// A key's murmur2 (high half) and crc32 (low half): the 64-bit half of [`key_print`], and
/// what a cut `stats` group text shows of the whole.
pub fn short_print(key: &[u8]) -> u64 {
    let murmur = u32::from_ne_bytes(crate::partition::murmur2::murmur2(key).to_ne_bytes());
    (u64::from(murmur) << 32) | u64::from(crate::partition::crc32::crc32(key))
}

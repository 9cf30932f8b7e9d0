//! The partition audit core, pure: fed keyed records one at a time, it finds keys that sit on
//! more than one partition, measures how much of the data each partitioner explains, infers the
//! producers' partitioners, checks an expected one, and spots records that fit a smaller
//! partition count (the topic was grown and old keys stayed put).
//!
//! Memory: per distinct key, a 32-byte map bucket (a 64-bit fingerprint of (topic, key), its
//! first partition and the partition each hash gives it) and its first placement (24 bytes) in a
//! side table, up to `max_keys` keys (default 20 million, about 1.3 GiB with the map's slack);
//! keys beyond
//! that are still checked against every partitioner but not tracked for splits, and the report
//! says how many were not tracked. Everything else is fixed-size counters.

use std::collections::HashMap;
use std::hash::Hasher;

use crate::fingerprint::{Fingerprint, FingerprintMap};

use super::{crc32, fnv1a, kafkajs, murmur2, Hash, Partitioner, PARTITIONERS};

/// The partition each of [`HASHES`] gives a key, and its murmur2/crc32 fingerprint.
fn partitions(key: &[u8], n: i32) -> ([i32; 6], u64) {
    let m = murmur2::murmur2(key) as u32;
    let c = crc32::crc32(key);
    (
        partitions_from(key, m, c, n),
        (u64::from(m) << 32) | u64::from(c),
    )
}

/// [`partitions`] given the murmur2 and crc32 already computed.
fn partitions_from(key: &[u8], m: u32, c: u32, n: i32) -> [i32; 6] {
    let f = fnv1a::fnv1a(key);
    let j = kafkajs::legacy_murmur2(key);
    let un = n as u32;
    [
        ((m & 0x7fff_ffff) % un) as i32,
        (c % un) as i32,
        fnv1a::sarama_partition(f, n),
        fnv1a::reference_partition(f, n),
        (f % un) as i32,
        (j & 0x7fff_ffff) % n,
    ]
}

/// The distinct key hashes clients use; each audit record is checked against all of them.
pub const HASHES: [Hash; 6] = [
    Hash::Murmur2,
    Hash::Crc32,
    Hash::Fnv1aSarama,
    Hash::Fnv1aReference,
    Hash::Fnv1aUnsigned,
    Hash::KafkajsLegacy,
];

/// A short name for a hash, for reports.
pub fn hash_label(h: Hash) -> &'static str {
    match h {
        Hash::Murmur2 => "murmur2 (Java-compatible)",
        Hash::Crc32 => "crc32 (librdkafka default)",
        Hash::Fnv1aSarama => "fnv1a (sarama default)",
        Hash::Fnv1aReference => "fnv1a reference (sarama/kafka-go reference)",
        Hash::Fnv1aUnsigned => "fnv1a unsigned (kafka-go < 0.3.1, franz-go SaramaHasher)",
        Hash::KafkajsLegacy => "kafkajs legacy murmur2",
        Hash::Ignored => "keys ignored",
    }
}

/// The partitioner names that use a hash.
pub fn hash_users(h: Hash) -> Vec<&'static str> {
    PARTITIONERS
        .iter()
        .filter(|p| p.hash == h)
        .map(|p| p.name)
        .collect()
}

/// Where one record of a key was seen: its partition, offset and time (where a producer puts
/// records is another thing, [`crate::endpoint::kafka::sink::Placement`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    pub partition: i32,
    pub offset: i64,
    pub timestamp: Option<i64>,
}

/// A key found on more than one partition.
#[derive(Debug, Clone)]
pub struct Split {
    pub topic: String,
    pub key: Vec<u8>,
    pub placements: Vec<Seen>,
}

/// A record on another partition than the expected partitioner says.
#[derive(Debug, Clone)]
pub struct Mismatch {
    pub topic: String,
    pub key: Vec<u8>,
    pub at: Seen,
    pub expected: i32,
}

/// What is kept per distinct key: 24 bytes, so that the map's buckets (32 bytes with the
/// fingerprint) stay cache-friendly; the audit's own time is mostly this map's memory loads.
#[derive(Debug, Clone, Copy)]
struct KeyState {
    /// Index of the key's first placement in `Auditor::firsts` (read only when it splits).
    first: u32,
    first_partition: i32,
    split: bool,
    /// The partition each of [`HASHES`] gives this key (partition counts up to 65,535).
    parts: [u16; 6],
}

/// How many examples of each kind are kept.
pub const EXAMPLES: usize = 10;

/// Accumulates an audit.
pub struct Auditor {
    expect: Option<&'static Partitioner>,
    max_keys: usize,
    keys: FingerprintMap<KeyState>,
    /// First placements of tracked keys, by `KeyState::first`.
    firsts: Vec<Seen>,
    pub records: u64,
    pub keyed: u64,
    pub null_keys: u64,
    /// Records per set of hashes that explain them (bit i: `HASHES[i]`).
    masks: [u64; 64],
    pub split_keys: u64,
    pub splits: Vec<Split>,
    pub mismatches: u64,
    pub mismatch_examples: Vec<Mismatch>,
    /// Records no hash explains at the current count but one does at a smaller count.
    pub grown: u64,
    /// Per smaller count, how many records fit it.
    pub grown_counts: HashMap<i32, u64>,
    pub untracked: u64,
    /// The last topic's name and fingerprint salt: records come in runs of one topic.
    salt: (String, u64),
}

impl Auditor {
    pub fn new(expect: Option<&'static Partitioner>, max_keys: usize) -> Auditor {
        Auditor {
            expect,
            max_keys,
            keys: HashMap::default(),
            firsts: Vec::new(),
            records: 0,
            keyed: 0,
            null_keys: 0,
            masks: [0; 64],
            split_keys: 0,
            splits: Vec::new(),
            mismatches: 0,
            mismatch_examples: Vec::new(),
            grown: 0,
            grown_counts: HashMap::new(),
            untracked: 0,
            salt: (String::new(), 0),
        }
    }

    /// One record of `topic`, which has `n` partitions.
    pub fn add(&mut self, topic: &str, n: i32, key: Option<&[u8]>, at: Seen) {
        self.records += 1;
        let Some(key) = key else {
            self.null_keys += 1;
            return;
        };
        self.keyed += 1;
        let m = murmur2::murmur2(key) as u32;
        let c = crc32::crc32(key);
        if self.salt.0 != topic || self.salt.0.is_empty() {
            let mut salt = Fingerprint::default();
            salt.write(topic.as_bytes());
            self.salt = (topic.to_string(), salt.finish().rotate_left(17));
        }
        // Two independent 32-bit hashes make the key's 64-bit fingerprint.
        let fp = ((u64::from(m) << 32) | u64::from(c)) ^ self.salt.1;
        let len = self.keys.len();
        // A key seen before carries its partitions: the other hashes are computed once per key.
        // Partition ids above 65,535 do not fit the cache; such topics recompute per record.
        let cacheable = n <= i32::from(u16::MAX) + 1;
        let parts = match self.keys.get_mut(&fp) {
            Some(state) => {
                if state.first_partition != at.partition {
                    let first = self.firsts[state.first as usize];
                    if !state.split {
                        state.split = true;
                        self.split_keys += 1;
                        if self.splits.len() < EXAMPLES {
                            self.splits.push(Split {
                                topic: topic.to_string(),
                                key: key.to_vec(),
                                placements: vec![first, at],
                            });
                        }
                    } else if let Some(s) = self
                        .splits
                        .iter_mut()
                        .find(|s| s.key == key && s.topic == topic)
                    {
                        if s.placements.len() < 6
                            && !s.placements.iter().any(|p| p.partition == at.partition)
                        {
                            s.placements.push(at);
                        }
                    }
                }
                if cacheable {
                    state.parts.map(i32::from)
                } else {
                    partitions_from(key, m, c, n)
                }
            }
            None => {
                let parts = partitions_from(key, m, c, n);
                if len < self.max_keys {
                    self.keys.insert(
                        fp,
                        KeyState {
                            first: self.firsts.len() as u32,
                            first_partition: at.partition,
                            split: false,
                            parts: parts.map(|p| p as u16),
                        },
                    );
                    self.firsts.push(at);
                } else {
                    self.untracked += 1;
                }
                parts
            }
        };
        let mut mask = 0usize;
        for (i, p) in parts.iter().enumerate() {
            if *p == at.partition {
                mask |= 1 << i;
            }
        }
        self.masks[mask] += 1;
        if mask == 0 {
            // Not explained at today's count: does it fit a smaller one (a grown topic)?
            if let Some(m) = (1..n)
                .rev()
                .find(|&m| partitions(key, m).0.contains(&at.partition))
            {
                self.grown += 1;
                *self.grown_counts.entry(m).or_default() += 1;
            }
        }
        if let Some(p) = self.expect {
            if let Some(expected) = p.partition(Some(key), n) {
                if expected != at.partition {
                    self.mismatches += 1;
                    if self.mismatch_examples.len() < EXAMPLES {
                        self.mismatch_examples.push(Mismatch {
                            topic: topic.to_string(),
                            key: key.to_vec(),
                            at,
                            expected,
                        });
                    }
                }
            }
        }
    }

    /// Distinct keys tracked.
    pub fn distinct_keys(&self) -> usize {
        self.keys.len()
    }

    /// Share of keyed records each hash explains.
    pub fn explained(&self) -> Vec<(Hash, u64)> {
        HASHES
            .iter()
            .enumerate()
            .map(|(i, h)| {
                (
                    *h,
                    self.masks
                        .iter()
                        .enumerate()
                        .filter(|(m, _)| m & (1 << i) != 0)
                        .map(|(_, c)| c)
                        .sum(),
                )
            })
            .collect()
    }

    /// Keyed records no hash explains.
    pub fn unexplained(&self) -> u64 {
        self.masks[0]
    }

    /// The producers' partitioners, greedily: the hash explaining the most records, then the one
    /// explaining most of the rest, while a hash adds at least 1% of the keyed records. Records
    /// that several hashes explain (they agree on them) count for the first pick.
    pub fn inferred(&self) -> Vec<(Hash, u64)> {
        let mut left = self.masks;
        left[0] = 0;
        let mut picked = Vec::new();
        loop {
            let best = (0..HASHES.len())
                .map(|i| {
                    (
                        i,
                        left.iter()
                            .enumerate()
                            .filter(|(m, _)| m & (1 << i) != 0)
                            .map(|(_, c)| *c)
                            .sum::<u64>(),
                    )
                })
                .max_by_key(|(i, c)| (*c, std::cmp::Reverse(*i)));
            let Some((i, covered)) = best else { break };
            if covered == 0 || (covered as f64) < 0.01 * self.keyed as f64 {
                break;
            }
            picked.push((HASHES[i], covered));
            for (m, c) in left.iter_mut().enumerate() {
                if m & (1 << i) != 0 {
                    *c = 0;
                }
            }
        }
        picked
    }

    /// Whether the audit found something (exit 1).
    pub fn found_problems(&self) -> bool {
        self.split_keys > 0 || self.mismatches > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::partition::{by_name, java, librdkafka};

    fn at(partition: i32, offset: i64) -> Seen {
        Seen {
            partition,
            offset,
            timestamp: Some(offset),
        }
    }

    /// Add `key` to topic `t` of `n` partitions where partitioner `p` puts it.
    fn add_by(a: &mut Auditor, p: &Partitioner, n: i32, key: &str, offset: i64) {
        let partition = p.partition(Some(key.as_bytes()), n).unwrap();
        a.add("t", n, Some(key.as_bytes()), at(partition, offset));
    }

    #[test]
    fn two_producers_are_found_and_named() {
        let mut a = Auditor::new(Some(java()), 1000);
        let n = 6;
        for i in 0..200 {
            let key = format!("k{i}");
            let p = if i % 5 == 0 { librdkafka() } else { java() };
            add_by(&mut a, p, n, &key, i);
            // Every key once more through the Java partitioner: crc32 keys now sit on two partitions.
            add_by(&mut a, java(), n, &key, 1000 + i);
        }
        let inferred = a.inferred();
        assert_eq!(inferred[0].0, Hash::Murmur2);
        assert_eq!(inferred[1].0, Hash::Crc32);
        assert!(a.split_keys > 20 && a.split_keys <= 40, "{}", a.split_keys);
        assert_eq!(a.mismatches, a.split_keys);
        assert!(a.found_problems());
    }

    #[test]
    fn a_clean_topic_is_clean_and_grown_topics_show() {
        let mut a = Auditor::new(Some(by_name("java").unwrap()), 1000);
        for i in 0..100 {
            let key = format!("k{i}");
            add_by(&mut a, java(), 8, &key, i);
        }
        a.add("t", 8, None, at(3, 100));
        assert!(!a.found_problems());
        assert_eq!(a.null_keys, 1);
        assert_eq!(a.inferred().len(), 1);
        // The topic grew from 4 to 8: keys written before stayed where 4 partitions put them.
        let mut g = Auditor::new(None, 1000);
        let mut misplaced = 0;
        for i in 0..100 {
            let key = format!("old{i}");
            let p4 = java().partition(Some(key.as_bytes()), 4).unwrap();
            if java().partition(Some(key.as_bytes()), 8).unwrap() != p4 {
                misplaced += 1;
            }
            g.add("t", 8, Some(key.as_bytes()), at(p4, i));
        }
        assert!(
            g.grown >= misplaced / 2 && misplaced > 10,
            "{} of {misplaced}",
            g.grown
        );
        assert!(g.grown_counts.contains_key(&4));
    }

    #[test]
    fn the_fast_path_agrees_with_the_table() {
        for i in 0..500u32 {
            let key: Vec<u8> = format!("key-{i}-{}", "x".repeat((i % 13) as usize)).into_bytes();
            for n in [1, 2, 3, 7, 16, 100, 1000] {
                let (fast, _) = partitions(&key, n);
                for (h, p) in HASHES.iter().zip(fast) {
                    assert_eq!(h.partition(&key, n), Some(p), "{h:?} {i} {n}");
                }
            }
        }
    }

    #[test]
    fn huge_partition_counts_are_not_cached_but_still_right() {
        let mut a = Auditor::new(Some(java()), 10);
        let n = 100_000;
        let p = java().partition(Some(b"k"), n).unwrap();
        for i in 0..3 {
            a.add("t", n, Some(b"k"), at(p, i));
        }
        assert_eq!(a.explained()[0].1, 3);
        assert_eq!(a.mismatches, 0);
        assert!(!a.found_problems());
    }

    #[test]
    fn keys_beyond_the_budget_are_counted_not_tracked() {
        let mut a = Auditor::new(None, 10);
        for i in 0..50 {
            let key = format!("k{i}");
            add_by(&mut a, java(), 3, &key, i);
        }
        assert_eq!(a.distinct_keys(), 10);
        assert_eq!(a.untracked, 40);
    }
}

/// The audit's fused per-key computation gives each hash's own answer.
#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn fused_partitions_match_each_hash(
            key in proptest::collection::vec(any::<u8>(), 0..48),
            n in prop_oneof![1..=64i32, 1..=i32::MAX],
        ) {
            let (fused, _) = partitions(&key, n);
            for (h, p) in HASHES.iter().zip(fused) {
                prop_assert_eq!(h.partition(&key, n), Some(p), "{:?}", h);
            }
        }
    }
}

//! Partitioners: which partition each Kafka client puts a key on. Pure: hash functions named
//! after what they are ([`murmur2`], [`crc32`], [`fnv1a`], [`kafkajs`]) and one table,
//! [`PARTITIONERS`], of which client uses which, read from the clients' own sources and pinned to
//! vectors from their test suites. Null and empty keys follow each client exactly; where a client
//! does not hash (sticky, random, round-robin placement) the answer says so instead of inventing
//! a number.
//!
//! Producing through evops uses this table too (default: the Java client's murmur2), so records
//! land where JVM consumers and compacted topics expect them, whatever librdkafka's own default
//! (CRC-32) would say.

pub mod audit;
pub mod crc32;
pub mod fnv1a;
pub mod kafkajs;
pub mod murmur2;

/// How a partitioner turns key bytes into a partition.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hash {
    /// `(murmur2(key) & 0x7fffffff) % n`: the Java client and every Java-compatible one.
    Murmur2,
    /// `crc32(key) % n`, unsigned.
    Crc32,
    /// `abs(int32(fnv1a(key)) % n)`: sarama's default.
    Fnv1aSarama,
    /// `(int32(fnv1a(key)) & 0x7fffffff) % n`: sarama's and kafka-go's "reference" hash.
    Fnv1aReference,
    /// `fnv1a(key) % n`, unsigned: kafka-go `Hash` before 0.3.1 and franz-go `SaramaHasher`, on
    /// 64-bit platforms.
    Fnv1aUnsigned,
    /// kafkajs's legacy murmur2 with its floating-point bugs, `& 0x7fffffff`, `% n`.
    KafkajsLegacy,
    /// Keys are ignored.
    Ignored,
}

impl Hash {
    /// The partition of `key` among `n` partitions (`n > 0`).
    pub fn partition(self, key: &[u8], n: i32) -> Option<i32> {
        if n <= 0 {
            return None;
        }
        Some(match self {
            Hash::Murmur2 => murmur2::java_partition(key, n),
            Hash::Crc32 => (crc32::crc32(key) % n as u32) as i32,
            Hash::Fnv1aSarama => fnv1a::sarama_partition(fnv1a::fnv1a(key), n),
            Hash::Fnv1aReference => fnv1a::reference_partition(fnv1a::fnv1a(key), n),
            Hash::Fnv1aUnsigned => (fnv1a::fnv1a(key) % n as u32) as i32,
            Hash::KafkajsLegacy => (kafkajs::legacy_murmur2(key) & 0x7fff_ffff) % n,
            Hash::Ignored => return None,
        })
    }

    pub fn describe(self) -> &'static str {
        match self {
            Hash::Murmur2 => "murmur2 & 0x7fffffff % n",
            Hash::Crc32 => "crc32 % n (unsigned)",
            Hash::Fnv1aSarama => "abs(int32(fnv1a) % n)",
            Hash::Fnv1aReference => "(fnv1a & 0x7fffffff) % n",
            Hash::Fnv1aUnsigned => "fnv1a % n (unsigned)",
            Hash::KafkajsLegacy => "kafkajs legacy murmur2 & 0x7fffffff % n",
            Hash::Ignored => "keys ignored",
        }
    }
}

/// What a client does with a key it does not hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Hashed like any other key (a null key as zero bytes).
    Hash,
    /// Stays on one partition for a while (a batch, or librdkafka's sticky linger time).
    Sticky,
    /// A random partition per record.
    Random,
    /// The next partition in turn.
    RoundRobin,
}

impl Rule {
    pub fn name(self) -> &'static str {
        match self {
            Rule::Hash => "hashed",
            Rule::Sticky => "sticky",
            Rule::Random => "random",
            Rule::RoundRobin => "round-robin",
        }
    }
}

/// Where a client puts one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Answer {
    Partition(i32),
    Sticky,
    Random,
    RoundRobin,
}

impl std::fmt::Display for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Answer::Partition(p) => write!(f, "{p}"),
            Answer::Sticky => f.write_str("sticky (no fixed partition)"),
            Answer::Random => f.write_str("random (no fixed partition)"),
            Answer::RoundRobin => f.write_str("round-robin (no fixed partition)"),
        }
    }
}

/// One client's partitioner.
#[derive(Debug, PartialEq, Eq)]
pub struct Partitioner {
    /// The name users type (`--partitioner`, `--expect`) and JSON output uses.
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub hash: Hash,
    /// What happens to a key with bytes in it: hashed, except for clients that ignore keys.
    pub keyed: Rule,
    pub null_key: Rule,
    pub empty_key: Rule,
    /// Who uses it, with versions.
    pub clients: &'static str,
}

impl Partitioner {
    /// Where this client puts `key` (`None`: a null key) among `n` partitions.
    pub fn answer(&self, key: Option<&[u8]>, n: i32) -> Answer {
        let rule = match key {
            None => self.null_key,
            Some([]) => self.empty_key,
            Some(_) => self.keyed,
        };
        match rule {
            Rule::Hash => match self.hash.partition(key.unwrap_or(&[]), n) {
                Some(p) => Answer::Partition(p),
                // A zero partition count: nothing to hash onto.
                None => Answer::Random,
            },
            Rule::Sticky => Answer::Sticky,
            Rule::Random => Answer::Random,
            Rule::RoundRobin => Answer::RoundRobin,
        }
    }

    /// The partition, when this client computes one for the key.
    pub fn partition(&self, key: Option<&[u8]>, n: i32) -> Option<i32> {
        match self.answer(key, n) {
            Answer::Partition(p) => Some(p),
            _ => None,
        }
    }
}

/// Every partitioner evops knows, in the order `--list` prints them.
pub static PARTITIONERS: &[Partitioner] = &[
    Partitioner {
        name: "java",
        aliases: &["kafka", "java-default", "murmur2"],
        hash: Hash::Murmur2,
        keyed: Rule::Hash,
        null_key: Rule::Sticky,
        empty_key: Rule::Hash,
        clients: "Apache Kafka Java client (all versions; null keys: round-robin before 2.4, sticky 2.4+, uniform sticky 3.3+)",
    },
    Partitioner {
        name: "librdkafka",
        aliases: &["librdkafka:consistent_random", "consistent_random", "rdkafka", "confluent-kafka", "node-rdkafka", "kcat"],
        hash: Hash::Crc32,
        keyed: Rule::Hash,
        null_key: Rule::Sticky,
        empty_key: Rule::Sticky,
        clients: "librdkafka default (0.9.1+) and so confluent-kafka-python/-go/-dotnet, node-rdkafka, rust-rdkafka, kcat",
    },
    Partitioner {
        name: "librdkafka:consistent",
        aliases: &["consistent"],
        hash: Hash::Crc32,
        keyed: Rule::Hash,
        null_key: Rule::Hash,
        empty_key: Rule::Hash,
        clients: "librdkafka partitioner=consistent (null and empty keys go to partition 0)",
    },
    Partitioner {
        name: "librdkafka:random",
        aliases: &["random"],
        hash: Hash::Ignored,
        keyed: Rule::Random,
        null_key: Rule::Sticky,
        empty_key: Rule::Random,
        clients: "librdkafka partitioner=random (librdkafka's default before 0.9.1)",
    },
    Partitioner {
        name: "librdkafka:murmur2",
        aliases: &[],
        hash: Hash::Murmur2,
        keyed: Rule::Hash,
        null_key: Rule::Hash,
        empty_key: Rule::Hash,
        clients: "librdkafka partitioner=murmur2 (0.11.4+; null keys hashed as empty)",
    },
    Partitioner {
        name: "librdkafka:murmur2_random",
        aliases: &["murmur2_random"],
        hash: Hash::Murmur2,
        keyed: Rule::Hash,
        null_key: Rule::Sticky,
        empty_key: Rule::Hash,
        clients: "librdkafka partitioner=murmur2_random (0.11.4+; the Java-compatible setting)",
    },
    Partitioner {
        name: "librdkafka:fnv1a",
        aliases: &["fnv1a"],
        hash: Hash::Fnv1aSarama,
        keyed: Rule::Hash,
        null_key: Rule::Hash,
        empty_key: Rule::Hash,
        clients: "librdkafka partitioner=fnv1a (1.4.0+; sarama-compatible)",
    },
    Partitioner {
        name: "librdkafka:fnv1a_random",
        aliases: &["fnv1a_random"],
        hash: Hash::Fnv1aSarama,
        keyed: Rule::Hash,
        null_key: Rule::Sticky,
        empty_key: Rule::Hash,
        clients: "librdkafka partitioner=fnv1a_random (1.4.0+)",
    },
    Partitioner {
        name: "sarama",
        aliases: &["sarama:hash", "franz-go:sarama-compat"],
        hash: Hash::Fnv1aSarama,
        keyed: Rule::Hash,
        null_key: Rule::Random,
        empty_key: Rule::Hash,
        clients: "sarama NewHashPartitioner (default, 1.10+); franz-go SaramaCompatHasher(fnv32a) (1.16+, null keys sticky there)",
    },
    Partitioner {
        name: "sarama:reference",
        aliases: &["kafka-go:reference"],
        hash: Hash::Fnv1aReference,
        keyed: Rule::Hash,
        null_key: Rule::Random,
        empty_key: Rule::Hash,
        clients: "sarama NewReferenceHashPartitioner (1.18+); kafka-go ReferenceHash (0.4.32+). FNV-1a, not Java-compatible",
    },
    Partitioner {
        name: "sarama:crc",
        aliases: &["sarama:consistent-crc"],
        hash: Hash::Crc32,
        keyed: Rule::Hash,
        null_key: Rule::Random,
        empty_key: Rule::Hash,
        clients: "sarama NewConsistentCRCHashPartitioner (1.41+)",
    },
    Partitioner {
        name: "sarama:murmur2",
        aliases: &[],
        hash: Hash::Murmur2,
        keyed: Rule::Hash,
        null_key: Rule::Random,
        empty_key: Rule::Hash,
        clients: "sarama NewMurmur2Partitioner (1.50+)",
    },
    Partitioner {
        name: "kafka-go",
        aliases: &["kafka-go:writer", "kafka-go:roundrobin"],
        hash: Hash::Ignored,
        keyed: Rule::RoundRobin,
        null_key: Rule::RoundRobin,
        empty_key: Rule::RoundRobin,
        clients: "kafka-go Writer default (RoundRobin): ignores keys",
    },
    Partitioner {
        name: "kafka-go:hash",
        aliases: &[],
        hash: Hash::Fnv1aSarama,
        keyed: Rule::Hash,
        null_key: Rule::RoundRobin,
        empty_key: Rule::Hash,
        clients: "kafka-go Hash (0.3.1+; sarama-compatible)",
    },
    Partitioner {
        name: "kafka-go:hash-0.2",
        aliases: &["kafka-go:hash-legacy"],
        hash: Hash::Fnv1aUnsigned,
        keyed: Rule::Hash,
        null_key: Rule::RoundRobin,
        empty_key: Rule::Hash,
        clients: "kafka-go Hash before 0.3.1 on 64-bit (unsigned modulo), e.g. Debian's golang-github-segmentio-kafka-go 0.2.1",
    },
    Partitioner {
        name: "kafka-go:murmur2",
        aliases: &[],
        hash: Hash::Murmur2,
        keyed: Rule::Hash,
        null_key: Rule::Random,
        empty_key: Rule::Hash,
        clients: "kafka-go Murmur2Balancer (0.3.1+)",
    },
    Partitioner {
        name: "kafka-go:crc32",
        aliases: &[],
        hash: Hash::Crc32,
        keyed: Rule::Hash,
        null_key: Rule::Random,
        empty_key: Rule::Random,
        clients: "kafka-go CRC32Balancer (0.3.1+; like librdkafka consistent_random)",
    },
    Partitioner {
        name: "franz-go",
        aliases: &["kgo"],
        hash: Hash::Murmur2,
        keyed: Rule::Hash,
        null_key: Rule::Sticky,
        empty_key: Rule::Hash,
        clients: "franz-go default (StickyKeyPartitioner before 1.6, UniformBytesPartitioner since; KafkaHasher murmur2)",
    },
    Partitioner {
        name: "franz-go:sarama",
        aliases: &["kgo:sarama"],
        hash: Hash::Fnv1aUnsigned,
        keyed: Rule::Hash,
        null_key: Rule::Sticky,
        empty_key: Rule::Hash,
        clients: "franz-go SaramaHasher(fnv32a) on 64-bit: NOT sarama-compatible (unsigned modulo)",
    },
    Partitioner {
        name: "kafkajs",
        aliases: &["kafkajs-2", "kafkajs:default", "kafkajs:java-compatible"],
        hash: Hash::Murmur2,
        keyed: Rule::Hash,
        null_key: Rule::RoundRobin,
        empty_key: Rule::Hash,
        clients: "kafkajs 2.x DefaultPartitioner (JavaCompatiblePartitioner in 1.8+)",
    },
    Partitioner {
        name: "kafkajs-legacy",
        aliases: &["kafkajs:legacy", "kafkajs-1"],
        hash: Hash::KafkajsLegacy,
        keyed: Rule::Hash,
        null_key: Rule::RoundRobin,
        empty_key: Rule::Hash,
        clients: "kafkajs before 2.0 (default) and LegacyPartitioner: murmur2 with floating-point bugs",
    },
    Partitioner {
        name: "kafka-python",
        aliases: &["python"],
        hash: Hash::Murmur2,
        keyed: Rule::Hash,
        null_key: Rule::Random,
        empty_key: Rule::Hash,
        clients: "kafka-python DefaultPartitioner (all versions)",
    },
    Partitioner {
        name: "aiokafka",
        aliases: &[],
        hash: Hash::Murmur2,
        keyed: Rule::Hash,
        null_key: Rule::Random,
        empty_key: Rule::Hash,
        clients: "aiokafka DefaultPartitioner",
    },
];

/// The Java client's partitioner: evops's default when it produces.
pub fn java() -> &'static Partitioner {
    &PARTITIONERS[0]
}

/// librdkafka's default partitioner.
pub fn librdkafka() -> &'static Partitioner {
    &PARTITIONERS[1]
}

/// A partitioner by name or alias (case-insensitive), or an error listing close names.
pub fn by_name(name: &str) -> Result<&'static Partitioner, String> {
    let n = name.trim().to_ascii_lowercase();
    PARTITIONERS
        .iter()
        .find(|p| p.name == n || p.aliases.contains(&n.as_str()))
        .ok_or_else(|| {
            let close = crate::error::close_names(&n, PARTITIONERS.iter().map(|p| p.name));
            let hint = if close.is_empty() {
                String::new()
            } else {
                format!(" (did you mean {}?)", close.join(", "))
            };
            format!("'{name}' is not a partitioner{hint}; `evops partition --list` shows them all")
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(name: &str, key: Option<&[u8]>, n: i32) -> Answer {
        by_name(name).unwrap().answer(key, n)
    }

    /// librdkafka's tests/0048-partitioner.c table: expected hash % 17, or random.
    #[test]
    fn librdkafka_partitioner_table() {
        let keys: [Option<&[u8]>; 5] = [
            None,
            Some(b""),
            Some(b"23456"),
            Some(b"this is another string with more length to it perhaps"),
            Some(b"hejsan"),
        ];
        let n = 17;
        let p = |h: u32| Answer::Partition((h % n as u32) as i32);
        let table: [(&str, [Answer; 5]); 6] = [
            (
                "librdkafka:consistent",
                [p(0), p(0), p(0xb1b451d7), p(0xb0150df7), p(0xd077037e)],
            ),
            (
                "librdkafka",
                [
                    Answer::Sticky,
                    Answer::Sticky,
                    p(0xb1b451d7),
                    p(0xb0150df7),
                    p(0xd077037e),
                ],
            ),
            (
                "librdkafka:murmur2",
                [
                    p(0x106e08d9),
                    p(0x106e08d9),
                    p(0x058d780f),
                    p(0x4f7703da),
                    p(0x5ec19395),
                ],
            ),
            (
                "librdkafka:murmur2_random",
                [
                    Answer::Sticky,
                    p(0x106e08d9),
                    p(0x058d780f),
                    p(0x4f7703da),
                    p(0x5ec19395),
                ],
            ),
            (
                "librdkafka:fnv1a",
                [
                    p(0x7ee3623b),
                    p(0x7ee3623b),
                    p(0x27e6f469),
                    p(0x155e3e5f),
                    p(0x17b1e27a),
                ],
            ),
            (
                "librdkafka:fnv1a_random",
                [
                    Answer::Sticky,
                    p(0x7ee3623b),
                    p(0x27e6f469),
                    p(0x155e3e5f),
                    p(0x17b1e27a),
                ],
            ),
        ];
        for (name, want) in table {
            for (key, w) in keys.iter().zip(want) {
                assert_eq!(part(name, *key, n), w, "{name} {key:?}");
            }
        }
    }

    /// kafka-python and aiokafka's test vectors (1000 partitions), sarama's and kafka-go's.
    #[test]
    fn client_test_vectors() {
        for (key, want) in [
            (&b""[..], 681),
            (b"a", 524),
            (b"ab", 434),
            (b"abc", 107),
            (b"123456789", 566),
            (b"\x00 ", 742),
        ] {
            assert_eq!(
                part("kafka-python", Some(key), 1000),
                Answer::Partition(want)
            );
            assert_eq!(part("aiokafka", Some(key), 1000), Answer::Partition(want));
        }
        for (name, key, want) in [
            ("sarama:crc", "abc123def456", 57),
            ("sarama:crc", "SheetJS", 26),
            ("sarama:crc", "9e8c7f4cf45857cfff7645d6", 24),
            ("sarama:crc", "3900446192ff85a5f67da10c", 75),
            ("sarama:crc", "0f4407b7a67d6d27de372198", 50),
            ("sarama:murmur2", "foo", 16),
            ("sarama:murmur2", "bar", 45),
            ("sarama:murmur2", "baz", 80),
            ("sarama:murmur2", "kafka", 80),
            ("sarama:murmur2", "sarama", 11),
        ] {
            assert_eq!(
                part(name, Some(key.as_bytes()), 100),
                Answer::Partition(want),
                "{name} {key}"
            );
        }
        let p = Answer::Partition;
        let cases: [(&str, Option<&[u8]>, i32, Answer); 11] = [
            ("kafka-go:hash", Some(b"blah"), 2, p(0)),
            ("kafka-go:hash", Some(b"blah"), 3, p(1)),
            ("kafka-go:hash", Some(b"boop"), 3, p(2)),
            ("kafka-go:hash", Some(b"20"), 16, p(1)),
            ("kafka-go:reference", Some(b"castle"), 3, p(2)),
            ("kafka-go:reference", Some(b"20"), 16, p(15)),
            ("kafka-go:hash-0.2", Some(b"20"), 16, p(15)),
            ("kafka-go", Some(b"20"), 16, Answer::RoundRobin),
            ("librdkafka:random", Some(b"20"), 16, Answer::Random),
            ("sarama", None, 16, Answer::Random),
            ("kafkajs", None, 16, Answer::RoundRobin),
        ];
        for (name, key, n, want) in cases {
            assert_eq!(part(name, key, n), want, "{name} {key:?} {n}");
        }
    }

    #[test]
    fn names_and_aliases_resolve() {
        assert_eq!(by_name("JAVA").unwrap().name, "java");
        assert_eq!(by_name("consistent_random").unwrap().name, "librdkafka");
        assert_eq!(by_name("kafkajs-1").unwrap().name, "kafkajs-legacy");
        let err = by_name("kafkjs").unwrap_err();
        assert!(
            err.contains("did you mean") && err.contains("kafkajs"),
            "{err}"
        );
        let mut names: Vec<&str> = PARTITIONERS
            .iter()
            .flat_map(|p| std::iter::once(p.name).chain(p.aliases.iter().copied()))
            .collect();
        let total = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), total, "names and aliases are unique");
    }
}

/// Each hash against a reference written the plain way its client's source writes it (Java's
/// int arithmetic, a bitwise CRC loop, Go's signed remainder, JavaScript's doubles and
/// ToInt32), on arbitrary keys and partition counts.
#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    /// Kafka's `Utils.murmur2`, line by line, with Java's `int` (wrapping) and `>>>`.
    fn java_murmur2(data: &[u8]) -> i32 {
        let ushr = |x: i32, s: u32| ((x as u32) >> s) as i32;
        let length = data.len() as i32;
        let m: i32 = 0x5bd1_e995;
        let mut h: i32 = 0x9747_b28c_u32 as i32 ^ length;
        let at = |i: i32| i32::from(data[i as usize]);
        for i in 0..length / 4 {
            let i4 = i * 4;
            let mut k = at(i4)
                .wrapping_add(at(i4 + 1) << 8)
                .wrapping_add(at(i4 + 2) << 16)
                .wrapping_add(at(i4 + 3) << 24);
            k = k.wrapping_mul(m);
            k ^= ushr(k, 24);
            k = k.wrapping_mul(m);
            h = h.wrapping_mul(m);
            h ^= k;
        }
        let tail = length & !3;
        // Java's switch falls through from case 3 to case 1.
        if length % 4 >= 3 {
            h ^= at(tail + 2) << 16;
        }
        if length % 4 >= 2 {
            h ^= at(tail + 1) << 8;
        }
        if length % 4 >= 1 {
            h ^= at(tail);
            h = h.wrapping_mul(m);
        }
        h ^= ushr(h, 13);
        h = h.wrapping_mul(m);
        h ^= ushr(h, 15);
        h
    }

    /// CRC-32 one bit at a time (reflected polynomial 0xEDB88320).
    fn bitwise_crc32(data: &[u8]) -> u32 {
        let mut crc = !0u32;
        for &b in data {
            crc ^= u32::from(b);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xedb8_8320
                } else {
                    crc >> 1
                };
            }
        }
        !crc
    }

    /// FNV-1a as Go's `hash/fnv` New32a computes it, in 64-bit arithmetic reduced mod 2^32.
    fn go_fnv1a(data: &[u8]) -> u32 {
        let mut h: u64 = 2_166_136_261;
        for &b in data {
            h ^= u64::from(b);
            h = (h * 16_777_619) % (1 << 32);
        }
        h as u32
    }

    /// JavaScript's ToUint32 and ToInt32, as the specification words them.
    fn to_uint32(x: f64) -> u32 {
        if !x.is_finite() {
            return 0;
        }
        x.trunc().rem_euclid(4_294_967_296.0) as u32
    }
    fn to_int32(x: f64) -> i32 {
        to_uint32(x) as i32
    }

    /// kafkajs's `partitioners/legacy/murmur2.js`, statement by statement, every variable a
    /// JavaScript number.
    fn js_legacy_murmur2(data: &[u8]) -> i32 {
        let m: f64 = f64::from(0x5bd1_e995);
        // `data[i] & 0xff`: undefined past the end is 0.
        let byte = |i: f64| data.get(i as usize).map_or(0.0, |&b| f64::from(b));
        let shl = |x: f64, s: u32| f64::from(to_int32(x) << s);
        let ushr = |x: f64, s: u32| f64::from(to_uint32(x) >> s);
        let xor = |a: f64, b: f64| f64::from(to_int32(a) ^ to_int32(b));
        let length = data.len() as f64;
        let mut h = xor(f64::from(0x9747_b28c_u32), length);
        let length4 = length / 4.0;
        let mut i = 0.0;
        while i < length4 {
            let i4 = i * 4.0;
            let mut k = byte(i4)
                + shl(byte(i4 + 1.0), 8)
                + shl(byte(i4 + 2.0), 16)
                + shl(byte(i4 + 3.0), 24);
            k *= m;
            k = xor(k, ushr(k, 24));
            k *= m;
            h *= m;
            h = xor(h, k);
            i += 1.0;
        }
        let tail = (data.len() & !3) as f64;
        let rest = data.len() % 4;
        if rest >= 3 {
            h = xor(h, shl(byte(tail + 2.0), 16));
        }
        if rest >= 2 {
            h = xor(h, shl(byte(tail + 1.0), 8));
        }
        if rest >= 1 {
            h = xor(h, byte(tail));
            h *= m;
        }
        h = xor(h, ushr(h, 13));
        h *= m;
        h = xor(h, ushr(h, 15));
        to_int32(h)
    }

    fn reference(hash: Hash, key: &[u8], n: i32) -> Option<i32> {
        let n64 = i64::from(n);
        Some(match hash {
            Hash::Murmur2 => (java_murmur2(key) & 0x7fff_ffff) % n,
            Hash::Crc32 => (i64::from(bitwise_crc32(key)) % n64) as i32,
            // Go: `p := int32(h) % n; if p < 0 { p = -p }`, in 64 bits so nothing wraps.
            Hash::Fnv1aSarama => ((i64::from(go_fnv1a(key) as i32) % n64).abs()) as i32,
            Hash::Fnv1aReference => (go_fnv1a(key) as i32 & 0x7fff_ffff) % n,
            Hash::Fnv1aUnsigned => (i64::from(go_fnv1a(key)) % n64) as i32,
            Hash::KafkajsLegacy => (js_legacy_murmur2(key) & 0x7fff_ffff) % n,
            Hash::Ignored => return None,
        })
    }

    /// Every hash: the audit's distinct key hashes and the one that ignores the key.
    fn hashes() -> impl Iterator<Item = Hash> {
        audit::HASHES.into_iter().chain([Hash::Ignored])
    }

    fn count() -> impl Strategy<Value = i32> {
        prop_oneof![1..=64i32, 1..=i32::MAX, Just(i32::MAX)]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn hashes_match_their_reference_loops(
            key in proptest::collection::vec(any::<u8>(), 0..48),
            n in count(),
        ) {
            for hash in hashes() {
                prop_assert_eq!(hash.partition(&key, n), reference(hash, &key, n), "{:?}", hash);
            }
            prop_assert_eq!(murmur2::murmur2(&key), java_murmur2(&key));
            prop_assert_eq!(crc32::crc32(&key), bitwise_crc32(&key));
            prop_assert_eq!(fnv1a::fnv1a(&key), go_fnv1a(&key));
            prop_assert_eq!(kafkajs::legacy_murmur2(&key), js_legacy_murmur2(&key));
        }

        #[test]
        fn no_partition_without_partitions(key in proptest::collection::vec(any::<u8>(), 0..8), n in i32::MIN..=0) {
            for hash in hashes() {
                prop_assert_eq!(hash.partition(&key, n), None);
            }
        }
    }
}

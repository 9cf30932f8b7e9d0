//! The sampling stage behind `evops sample`, pure (its hashes are [`crate::sample`]'s): it decides which records go on and which are
//! dropped, by rate, consistently by key, as a uniform reservoir of N, N per stratum, or N per
//! time window. Everything random comes from one small generator seeded by `--seed`, so the same
//! seed and the same input give the same sample on every run and every machine; the by-key
//! decision is a documented hash that other tools can reproduce. Held records are let go in the
//! order they were read, so a sample still reads in source order.

use std::collections::{BTreeMap, HashMap};

use crate::pipeline::{Cx, Stage};
use crate::record::Record;
use crate::sample::{key_in_sample, record_hash, unit};

/// Names the stratum of a record for [`Mode::Per`] (e.g. its event type); `Err` is the reason
/// the record has none, and the record is then reported as bad and dropped.
pub type Stratum = Box<dyn FnMut(&Record) -> Result<String, String>>;

/// What to keep.
pub enum Mode {
    /// Each record independently with probability `rate` (0 < rate <= 1).
    Rate(f64),
    /// Consistent by key: a key is in or out for all of its records, on every run and every
    /// machine, as decided by [`key_in_sample`] (a pure function of seed and key bytes).
    /// Records with a null key have nothing to be consistent about: each is decided on its own,
    /// as in [`Mode::Rate`].
    RateByKey(f64),
    /// Reservoir sampling: a uniform sample of N records over everything read, O(N) memory, let
    /// go at the end.
    Count(usize),
    /// Stratified: a uniform sample of N per stratum (the string the function returns, e.g. the
    /// event type), let go at the end. Memory is O(N) per distinct stratum.
    Per(Stratum, usize),
    /// N per time window of `window_ms` by record timestamp (uniform within the window). A
    /// window's sample is let go once a record at least one whole window past the window's end
    /// has been seen (so that records of nearly-sorted partitions still land in their window),
    /// and at the end. A record for a window already let go is dropped and counted as late (one
    /// far-future timestamp thus makes everything before it late). Records without a timestamp
    /// are reported as bad and dropped. At most two windows are held at a time.
    Every { window_ms: i64, n: usize },
}

/// One held record: its hash, its read sequence number (to let go in read order), the record.
struct Held(u64, u64, Record);

impl PartialEq for Held {
    fn eq(&self, other: &Held) -> bool {
        (self.0, self.1) == (other.0, other.1)
    }
}
impl Eq for Held {}
impl PartialOrd for Held {
    fn partial_cmp(&self, other: &Held) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Held {
    fn cmp(&self, other: &Held) -> std::cmp::Ordering {
        (self.0, self.1).cmp(&(other.0, other.1))
    }
}

/// A uniform sample of up to `n` records: the `n` with the smallest [`record_hash`] (bottom-k
/// sampling). With a uniform hash every n-subset is equally likely, as with a classic
/// reservoir, but the choice does not depend on arrival order.
struct Reservoir {
    n: usize,
    /// A max-heap: the record to give up first is on top.
    held: std::collections::BinaryHeap<Held>,
}

impl Reservoir {
    fn new(n: usize) -> Reservoir {
        Reservoir {
            n,
            held: std::collections::BinaryHeap::new(),
        }
    }

    /// Offer a record; what falls out (the record itself, or the one it replaced) is returned.
    /// One in, at most one out: that is what lets a push hand back a single dropped record.
    fn offer(&mut self, hash: u64, seq: u64, record: Record) -> Option<Record> {
        if self.n == 0 {
            return Some(record);
        }
        if self.held.len() < self.n {
            self.held.push(Held(hash, seq, record));
            return None;
        }
        let top = self.held.peek().expect("n > 0 records held");
        if (hash, seq) < (top.0, top.1) {
            let out = self.held.pop().expect("held");
            self.held.push(Held(hash, seq, record));
            Some(out.2)
        } else {
            Some(record)
        }
    }

    fn take(&mut self) -> Vec<(u64, Record)> {
        std::mem::take(&mut self.held)
            .into_iter()
            .map(|Held(_, seq, r)| (seq, r))
            .collect()
    }
}

/// The mode with its state.
enum How {
    Rate(f64),
    RateByKey(f64),
    Count(Reservoir),
    Per {
        stratum: Stratum,
        n: usize,
        strata: HashMap<String, Reservoir>,
    },
    Every {
        window_ms: i64,
        n: usize,
        /// By window index (timestamp `div_euclid` window_ms).
        windows: BTreeMap<i64, Reservoir>,
        /// Windows below this index have been let go; their records are late.
        closed_below: i64,
    },
}

/// The sampling stage. See [`Mode`] for what each mode keeps.
pub struct Sampler {
    how: How,
    seed: u64,
    /// Read sequence number of the next record.
    seq: u64,
    kept: u64,
    late: u64,
}

impl Sampler {
    /// A sampler for `mode`, deterministic in `seed`.
    ///
    /// # Panics
    /// If `Mode::Every` has a `window_ms` that is not positive (the CLI refuses those).
    pub fn new(mode: Mode, seed: u64) -> Sampler {
        let how = match mode {
            Mode::Rate(rate) => How::Rate(rate),
            Mode::RateByKey(rate) => How::RateByKey(rate),
            Mode::Count(n) => How::Count(Reservoir::new(n)),
            Mode::Per(stratum, n) => How::Per {
                stratum,
                n,
                strata: HashMap::new(),
            },
            Mode::Every { window_ms, n } => {
                assert!(window_ms > 0, "sample window must be positive");
                How::Every {
                    window_ms,
                    n,
                    windows: BTreeMap::new(),
                    closed_below: i64::MIN,
                }
            }
        };
        Sampler {
            how,
            seed,
            seq: 0,
            kept: 0,
            late: 0,
        }
    }

    /// How many records were passed on so far (after the final flush: the sample's size).
    pub fn kept(&self) -> u64 {
        self.kept
    }

    /// How many records were dropped as late (`Mode::Every`), for the summary line.
    pub fn late(&self) -> u64 {
        self.late
    }

    /// Pass on held records in read order.
    fn release(&mut self, mut held: Vec<(u64, Record)>, out: &mut Vec<Record>) {
        held.sort_unstable_by_key(|&(seq, _)| seq);
        self.kept += held.len() as u64;
        out.extend(held.into_iter().map(|(_, r)| r));
    }
}

impl Stage for Sampler {
    fn push(&mut self, record: Record, cx: &mut Cx, out: &mut Vec<Record>) -> Option<Record> {
        let seq = self.seq;
        self.seq += 1;
        let hash = record_hash(self.seed, &record);
        let keep = match &mut self.how {
            How::Rate(rate) => unit(hash) < *rate,
            How::RateByKey(rate) => match &record.key {
                Some(key) => key_in_sample(self.seed, key, *rate),
                None => unit(hash) < *rate,
            },
            How::Count(reservoir) => return reservoir.offer(hash, seq, record),
            How::Per { stratum, n, strata } => {
                return match stratum(&record) {
                    Ok(name) => strata
                        .entry(name)
                        .or_insert_with(|| Reservoir::new(*n))
                        .offer(hash, seq, record),
                    Err(reason) => {
                        cx.report
                            .bad(&record.location(), &format!("--per: {reason}"));
                        Some(record)
                    }
                };
            }
            How::Every {
                window_ms,
                n,
                windows,
                closed_below,
            } => {
                let Some(ms) = record.timestamp.millis() else {
                    cx.report.bad(
                        &record.location(),
                        "--every: no timestamp to place the record in a window",
                    );
                    return Some(record);
                };
                let window = ms.div_euclid(*window_ms);
                if window < *closed_below {
                    self.late += 1;
                    return Some(record);
                }
                let dropped = windows
                    .entry(window)
                    .or_insert_with(|| Reservoir::new(*n))
                    .offer(hash, seq, record);
                // This record is at least one whole window past the end of every window below
                // `window - 1`: those are complete.
                let close = window.saturating_sub(1);
                if close > *closed_below {
                    *closed_below = close;
                    let open = windows.split_off(&close);
                    let done = std::mem::replace(windows, open);
                    let held = done.into_values().flat_map(|mut r| r.take()).collect();
                    self.release(held, out);
                }
                return dropped;
            }
        };
        if keep {
            self.kept += 1;
            out.push(record);
            None
        } else {
            Some(record)
        }
    }

    /// Only the end lets go: a reservoir is not a sample until everything has been read, and an
    /// idle source says nothing about which windows are complete.
    fn flush(&mut self, _cx: &mut Cx, end: bool, out: &mut Vec<Record>) {
        if !end {
            return;
        }
        let held = match &mut self.how {
            How::Rate(_) | How::RateByKey(_) => return,
            How::Count(reservoir) => reservoir.take(),
            How::Per { strata, .. } => strata.drain().flat_map(|(_, mut r)| r.take()).collect(),
            How::Every { windows, .. } => std::mem::take(windows)
                .into_values()
                .flat_map(|mut r| r.take())
                .collect(),
        };
        self.release(held, out);
    }
}

#[cfg(test)]
mod tests {
    use crate::sample::{fnv1a64, key_hash, mix};
    use std::collections::HashSet;
    use std::sync::Arc;

    use super::*;
    use crate::endpoint::Chain;
    use crate::print::report::Report;
    use crate::record::Timestamp;

    fn rec(offset: i64, timestamp: Timestamp, key: Option<&[u8]>, value: Option<&[u8]>) -> Record {
        Record {
            topic: Arc::from("t"),
            partition: 0,
            offset,
            origin: crate::record::Origin::Partition,
            timestamp,
            key: key.map(<[u8]>::to_vec),
            value: value.map(<[u8]>::to_vec),
            headers: vec![],
        }
    }

    fn plain(n: i64) -> Vec<Record> {
        (0..n)
            .map(|i| rec(i, Timestamp::Create(i), None, None))
            .collect()
    }

    /// What came out of a sampler run.
    struct Run {
        out: Vec<Record>,
        dropped: Vec<Record>,
        bad: u64,
    }

    impl Run {
        fn offsets(&self) -> Vec<i64> {
            self.out.iter().map(|r| r.offset).collect()
        }
    }

    /// Push everything through (with an idle flush now and then), flush at the end, and check
    /// the accounting invariant: every record came out exactly once, passed on or dropped.
    fn run(sampler: &mut Sampler, records: Vec<Record>) -> Run {
        let source = Chain::new(vec![]);
        let mut report = Report::new(true);
        let mut out = Vec::new();
        let mut dropped = Vec::new();
        let mut ids: Vec<(i32, i64)> = records.iter().map(|r| (r.partition, r.offset)).collect();
        for (i, r) in records.into_iter().enumerate() {
            let mut cx = Cx {
                source: &source,
                report: &mut report,
            };
            dropped.extend(sampler.push(r, &mut cx, &mut out));
            if i % 97 == 0 {
                sampler.flush(&mut cx, false, &mut out);
            }
        }
        let mut cx = Cx {
            source: &source,
            report: &mut report,
        };
        sampler.flush(&mut cx, true, &mut out);
        let mut came: Vec<(i32, i64)> = out
            .iter()
            .chain(&dropped)
            .map(|r| (r.partition, r.offset))
            .collect();
        ids.sort_unstable();
        came.sort_unstable();
        assert_eq!(came, ids, "every record exactly once, out or dropped");
        assert_eq!(sampler.kept(), out.len() as u64);
        Run {
            out,
            dropped,
            bad: report.bad,
        }
    }

    /// The same seed keeps the same records whatever order they arrive in (partitions
    /// interleave differently on every read).
    #[test]
    fn the_sample_does_not_depend_on_arrival_order() {
        let records: Vec<Record> = (0..2000)
            .map(|i| Record {
                partition: (i % 4) as i32,
                ..rec(
                    i / 4,
                    Timestamp::Create(i),
                    Some(format!("k{}", i % 30).as_bytes()),
                    None,
                )
            })
            .collect();
        let mut shuffled = records.clone();
        shuffled.reverse();
        shuffled.sort_by_key(|r| r.partition % 2);
        let modes = || -> Vec<Mode> {
            vec![
                Mode::Rate(0.1),
                Mode::RateByKey(0.2),
                Mode::Count(25),
                Mode::Per(Box::new(|r: &Record| Ok(format!("{}", r.offset % 3))), 4),
            ]
        };
        for (a, b) in modes().into_iter().zip(modes()) {
            let ids = |mode: Mode, recs: &[Record]| {
                let mut v: Vec<(i32, i64)> = run(&mut Sampler::new(mode, 9), recs.to_vec())
                    .out
                    .iter()
                    .map(|r| (r.partition, r.offset))
                    .collect();
                v.sort_unstable();
                v
            };
            let first = ids(a, &records);
            assert!(!first.is_empty());
            assert_eq!(first, ids(b, &shuffled));
        }
    }

    fn is_increasing(offsets: &[i64]) -> bool {
        offsets.windows(2).all(|w| w[0] < w[1])
    }

    #[test]
    fn the_finalizer_is_splitmix64s() {
        // SplitMix64's published sequence for seed 1234567: output i is the finalizer applied
        // to seed + (i + 1) * 0x9e3779b97f4a7c15.
        let got: Vec<u64> = (1..=5u64)
            .map(|i| mix(1234567u64.wrapping_add(i.wrapping_mul(0x9e37_79b9_7f4a_7c15))))
            .collect();
        assert_eq!(
            got,
            [
                6457827717110365317,
                3203168211198807973,
                9817491932198370423,
                4593380528125082431,
                16408922859458223821,
            ]
        );
    }

    #[test]
    fn key_hash_is_the_documented_function() {
        // FNV-1a 64 reference vectors.
        assert_eq!(fnv1a64(0xcbf2_9ce4_8422_2325, b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(0xcbf2_9ce4_8422_2325, b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(
            fnv1a64(0xcbf2_9ce4_8422_2325, b"foobar"),
            0x8594_4171_f739_67e8
        );
        // Written out from the doc comment, independently of the helpers.
        let by_hand = |seed: u64, key: &[u8]| {
            let mut h: u64 = 0xcbf29ce484222325;
            for &b in seed.to_le_bytes().iter().chain(key) {
                h = (h ^ u64::from(b)).wrapping_mul(0x100000001b3);
            }
            h = (h ^ (h >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
            h = (h ^ (h >> 27)).wrapping_mul(0x94d049bb133111eb);
            h ^ (h >> 31)
        };
        for (seed, key) in [(0u64, &b""[..]), (42, b"user-1"), (u64::MAX, b"\x00\xff")] {
            assert_eq!(key_hash(seed, key), by_hand(seed, key));
            let f = (by_hand(seed, key) >> 11) as f64 / 9007199254740992.0;
            assert_eq!(key_in_sample(seed, key, 0.5), f < 0.5);
        }
        // Pinned, so that a change to the function (which would change every published
        // sample) cannot go unnoticed.
        assert_eq!(key_hash(0, b""), PINNED_EMPTY);
        assert_eq!(key_hash(42, b"user-1"), PINNED_USER1);
        assert!(key_in_sample(7, b"anything", 1.0));
        assert!(!key_in_sample(7, b"anything", 0.0));
    }

    const PINNED_EMPTY: u64 = 0x813f_0174_a236_7c13;
    const PINNED_USER1: u64 = 0x6bb6_7e0a_9d93_ad11;

    #[test]
    fn rate_keeps_about_rate_and_is_deterministic_in_the_seed() {
        let n = 100_000;
        let a = run(&mut Sampler::new(Mode::Rate(0.1), 1), plain(n));
        // Binomial(100k, 0.1): mean 10k, sigma ~94.9.
        let sigma = (n as f64 * 0.1 * 0.9).sqrt();
        let kept = a.out.len() as f64;
        assert!((kept - 10_000.0).abs() < 3.0 * sigma, "kept {kept}");
        assert!(is_increasing(&a.offsets()));
        let b = run(&mut Sampler::new(Mode::Rate(0.1), 1), plain(n));
        assert_eq!(a.offsets(), b.offsets());
        let c = run(&mut Sampler::new(Mode::Rate(0.1), 2), plain(n));
        assert_ne!(a.offsets(), c.offsets());
        let all = run(&mut Sampler::new(Mode::Rate(1.0), 3), plain(1000));
        assert_eq!(all.out.len(), 1000);
    }

    #[test]
    fn rate_by_key_decides_once_per_key_across_runs() {
        let rate = 0.3;
        let keys = 10_000;
        // Five records per key, interleaved, plus null keys.
        let input = || {
            let mut v = Vec::new();
            for round in 0..5 {
                for k in 0..keys {
                    let off = i64::from(round * keys + k);
                    let key = format!("key-{k}");
                    v.push(rec(off, Timestamp::None, Some(key.as_bytes()), None));
                }
            }
            for i in 0..1000 {
                v.push(rec(1_000_000 + i, Timestamp::None, None, None));
            }
            v
        };
        let seed = 99;
        let first = run(&mut Sampler::new(Mode::RateByKey(rate), seed), input());
        let second = run(&mut Sampler::new(Mode::RateByKey(rate), seed), input());
        assert_eq!(first.offsets(), second.offsets());
        let kept: HashSet<i64> = first.offsets().into_iter().collect();
        let mut keys_in = 0;
        for k in 0..keys {
            let key = format!("key-{k}");
            let expected = key_in_sample(seed, key.as_bytes(), rate);
            for round in 0..5 {
                let off = i64::from(round * keys + k);
                assert_eq!(kept.contains(&off), expected, "key {key} round {round}");
            }
            keys_in += u32::from(expected);
        }
        let sigma = (f64::from(keys) * rate * (1.0 - rate)).sqrt();
        let mean = f64::from(keys) * rate;
        assert!(
            (f64::from(keys_in) - mean).abs() < 3.0 * sigma,
            "{keys_in} keys"
        );
        // Null keys are decided per record: some in, some out.
        let nulls = kept.iter().filter(|&&o| o >= 1_000_000).count();
        assert!((150..450).contains(&nulls), "{nulls} null-key records");
        // Another seed is another sample.
        let other = run(&mut Sampler::new(Mode::RateByKey(rate), seed + 1), input());
        assert_ne!(first.offsets(), other.offsets());
    }

    #[test]
    fn count_keeps_exactly_n_in_read_order() {
        let r = run(&mut Sampler::new(Mode::Count(10), 5), plain(1000));
        assert_eq!(r.out.len(), 10);
        assert_eq!(r.dropped.len(), 990);
        assert!(is_increasing(&r.offsets()));
        let few = run(&mut Sampler::new(Mode::Count(10), 5), plain(7));
        assert_eq!(few.offsets(), (0..7).collect::<Vec<_>>());
        let none = run(&mut Sampler::new(Mode::Count(0), 5), plain(50));
        assert!(none.out.is_empty());
    }

    #[test]
    fn count_is_uniform_over_positions() {
        // Each of 100 items should be in a reservoir of 10 with probability 0.1. Over 20k
        // trials an item's count is Binomial(20k, 0.1): mean 2000, sigma ~42.4. Allow 5 sigma
        // for the largest of 100 deviations; "keep the first/last N" puts 20000 or 0 there.
        let trials = 20_000;
        let mut hits = [0u32; 100];
        for seed in 0..trials {
            let mut s = Sampler::new(Mode::Count(10), seed);
            let r = run(&mut s, plain(100));
            for o in r.offsets() {
                hits[o as usize] += 1;
            }
        }
        let expected = trials as f64 * 0.1;
        let sigma = (trials as f64 * 0.1 * 0.9).sqrt();
        let worst = hits
            .iter()
            .map(|&h| (f64::from(h) - expected).abs())
            .fold(0.0, f64::max);
        assert!(worst < 5.0 * sigma, "worst deviation {worst}: {hits:?}");
        // Chi-square with 99 degrees of freedom: mean 99, sd ~14; 99.9th percentile ~149.
        let chi2: f64 = hits
            .iter()
            .map(|&h| (f64::from(h) - expected).powi(2) / expected)
            .sum::<f64>()
            / 0.9;
        assert!(chi2 < 160.0, "chi-square {chi2}");
    }

    #[test]
    fn per_keeps_n_per_stratum_and_reports_missing_strata() {
        // Stratum = value: 90 of "a", 3 of "b", 60 of "c", 5 without a value.
        let mut input = Vec::new();
        for i in 0..158 {
            let v: Option<&[u8]> = match i % 10 {
                _ if i >= 153 => None,
                _ if i >= 150 => Some(b"b"),
                0..=5 => Some(b"a"),
                _ => Some(b"c"),
            };
            input.push(rec(i, Timestamp::None, None, v));
        }
        let count = |v: &[u8]| {
            input
                .iter()
                .filter(|r| r.value.as_deref() == Some(v))
                .count()
        };
        assert_eq!((count(b"a"), count(b"b"), count(b"c")), (90, 3, 60));
        let stratum: Stratum = Box::new(|r: &Record| match &r.value {
            Some(v) => Ok(String::from_utf8_lossy(v).into_owned()),
            None => Err("no value".to_string()),
        });
        let r = run(&mut Sampler::new(Mode::Per(stratum, 5), 11), input);
        let per = |v: &[u8]| {
            r.out
                .iter()
                .filter(|r| r.value.as_deref() == Some(v))
                .count()
        };
        assert_eq!((per(b"a"), per(b"b"), per(b"c")), (5, 3, 5));
        assert_eq!(r.out.len(), 13);
        assert!(is_increasing(&r.offsets()));
        assert_eq!(r.bad, 5);
        assert_eq!(r.dropped.iter().filter(|r| r.value.is_none()).count(), 5);
    }

    #[test]
    fn every_keeps_n_per_window_and_drops_late_records() {
        let w = 1000;
        let at = |off: i64, ms: i64| rec(off, Timestamp::Create(ms), None, None);
        let mut s = Sampler::new(Mode::Every { window_ms: w, n: 2 }, 3);
        let source = Chain::new(vec![]);
        let mut report = Report::new(true);
        let mut out = Vec::new();
        let mut dropped = Vec::new();
        let mut push = |s: &mut Sampler, r: Record, out: &mut Vec<Record>, report: &mut Report| {
            let mut cx = Cx {
                source: &source,
                report,
            };
            dropped.extend(s.push(r, &mut cx, out));
        };
        // Window 0: five records; only two may stay.
        for i in 0..5 {
            push(&mut s, at(i, i * 100), &mut out, &mut report);
        }
        // Window 1: within one window of window 0's end, so window 0 stays open.
        push(&mut s, at(5, 1500), &mut out, &mut report);
        assert!(out.is_empty());
        // A straggler of window 0 still lands in it.
        push(&mut s, at(6, 950), &mut out, &mut report);
        assert!(out.is_empty());
        // 2000 is one whole window past window 0's end: its sample goes.
        push(&mut s, at(7, 2000), &mut out, &mut report);
        assert_eq!(out.len(), 2);
        assert!(out.iter().all(|r| r.timestamp.millis().unwrap() < 1000));
        assert!(is_increasing(
            &out.iter().map(|r| r.offset).collect::<Vec<_>>()
        ));
        // Window 1 is still open; window 0 is late now.
        push(&mut s, at(8, 1999), &mut out, &mut report);
        push(&mut s, at(9, 10), &mut out, &mut report);
        push(&mut s, at(10, -5), &mut out, &mut report);
        assert_eq!(s.late(), 2);
        // No timestamp: bad, dropped.
        push(
            &mut s,
            rec(11, Timestamp::None, None, None),
            &mut out,
            &mut report,
        );
        assert_eq!(report.bad, 1);
        assert_eq!(out.len(), 2);
        // An idle flush lets nothing go; the end lets everything go.
        let mut cx = Cx {
            source: &source,
            report: &mut report,
        };
        s.flush(&mut cx, false, &mut out);
        assert_eq!(out.len(), 2);
        s.flush(&mut cx, true, &mut out);
        let offsets: Vec<i64> = out.iter().map(|r| r.offset).collect();
        assert_eq!(offsets[2..], [5, 7, 8]);
        assert_eq!(out.len() + dropped.len(), 12);
        assert_eq!(s.kept(), 5);
    }

    #[test]
    fn every_is_uniform_within_a_window_and_bounded_over_a_long_run() {
        // 10 windows of 100 records, 3 kept each; late and bad ones mixed in.
        let mut input = Vec::new();
        for i in 0..1000 {
            input.push(rec(i, Timestamp::Create(i * 10), None, None));
        }
        input.push(rec(1000, Timestamp::Create(5), None, None));
        input.push(rec(1001, Timestamp::None, None, None));
        let mut s = Sampler::new(
            Mode::Every {
                window_ms: 1000,
                n: 3,
            },
            8,
        );
        let r = run(&mut s, input);
        assert_eq!(r.out.len(), 30);
        for w in 0..10 {
            let n = r.out.iter().filter(|r| r.offset / 100 == w).count();
            assert_eq!(n, 3, "window {w}");
        }
        assert!(is_increasing(&r.offsets()));
        assert_eq!(s.late(), 1);
        assert_eq!(r.bad, 1);
    }

    #[test]
    fn every_mode_accounts_for_every_record() {
        // `run` checks that each record comes out exactly once; feed each mode a mixed input
        // across several partitions with null keys, missing timestamps and disorder.
        let input = || {
            let mut v = Vec::new();
            for i in 0..3000i64 {
                let ts = if i % 37 == 0 {
                    Timestamp::None
                } else {
                    Timestamp::LogAppend(i * 7 - (i % 5) * 300)
                };
                let key = format!("k{}", i % 53);
                let key = (i % 11 != 0).then_some(key.as_bytes().to_vec());
                let value = (i % 13 != 0).then(|| vec![b'a' + (i % 4) as u8]);
                let mut r = rec(i, ts, None, None);
                r.partition = (i % 3) as i32;
                r.key = key;
                r.value = value;
                v.push(r);
            }
            v
        };
        let stratum = || -> Stratum {
            Box::new(|r: &Record| {
                r.value
                    .clone()
                    .map(|v| format!("{v:?}"))
                    .ok_or_else(String::new)
            })
        };
        let modes: Vec<Mode> = vec![
            Mode::Rate(0.25),
            Mode::RateByKey(0.25),
            Mode::Count(100),
            Mode::Count(5000),
            Mode::Per(stratum(), 20),
            Mode::Every {
                window_ms: 500,
                n: 4,
            },
        ];
        for mode in modes {
            let mut s = Sampler::new(mode, 17);
            let r = run(&mut s, input());
            assert!(!r.out.is_empty());
        }
    }
}

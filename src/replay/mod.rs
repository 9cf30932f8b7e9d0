//! Replays: what makes a copy of records faithful, safe and resumable, as pure stages and
//! values (the command wires them to a topic source and the producer sink).
//!
//! - **Provenance**: each written record carries `evops-source` (`topic/partition/offset` of the
//!   record it copies) and `evops-replay-id` (which replay wrote it). Key, value, headers and
//!   timestamp are otherwise kept as they are.
//! - **Loop guard**: a record that already carries this replay's id was written by it: it is
//!   never copied again, so a replay into a topic it reads cannot feed itself.
//! - **Exactly once on resume**: a replay killed at any moment and started again skips every
//!   source record whose copy is already in the target (found by its provenance), and reads on
//!   from its checkpoint ([`checkpoint`]).
//! - **Rate**: a token bucket in records or bytes per second ([`Throttle`]).

pub mod checkpoint;

/// The re-keying stage, now with the other stages.
pub use crate::stage::rekey;
pub use crate::stage::replay::{Guard, Stamp, Throttle};

use std::collections::{HashMap, HashSet};

use crate::record::{Header, Record};

/// The header naming the record a copy was made from.
pub const SOURCE_HEADER: &str = "evops-source";
/// The header naming the replay that wrote a copy.
pub const ID_HEADER: &str = "evops-replay-id";

/// A replay's id: a short hash of what makes two runs "the same replay" (sources, range,
/// filter, target and placement), so that running the same command again resumes it.
pub fn replay_id(parts: &[String]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain([0u8]) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

/// `topic/partition/offset`, appended to `out` (the provenance stamp reuses its buffer, and
/// writes it with itoa: the formatting machinery was a percent of a replay's time).
pub fn write_source(r: &Record, out: &mut Vec<u8>) {
    let mut n = itoa::Buffer::new();
    out.extend_from_slice(r.topic.as_bytes());
    out.push(b'/');
    out.extend_from_slice(n.format(r.partition).as_bytes());
    out.push(b'/');
    out.extend_from_slice(n.format(r.offset).as_bytes());
}

/// The (topic, partition, offset) in an `evops-source` value. Topic names cannot contain `/`,
/// so the last two fields are the numbers.
pub fn parse_source(v: &[u8]) -> Option<(String, i32, i64)> {
    let s = std::str::from_utf8(v).ok()?;
    let (rest, offset) = s.rsplit_once('/')?;
    let (topic, partition) = rest.rsplit_once('/')?;
    Some((
        topic.to_string(),
        partition.parse().ok()?,
        offset.parse().ok()?,
    ))
}

/// Whether a record carries this replay id.
pub fn written_by(headers: &[Header], id: &str) -> bool {
    headers
        .iter()
        .any(|h| h.key == ID_HEADER && h.value.as_deref() == Some(id.as_bytes()))
}

/// The source records whose copies are already in the target, by source partition.
#[derive(Debug, Default, Clone)]
pub struct Done {
    offsets: HashMap<(String, i32), HashSet<i64>>,
}

/// The source of a copy this replay wrote: (topic, partition, offset); `None` for any other
/// record.
pub fn copy_of(headers: &[Header], id: &str) -> Option<(String, i32, i64)> {
    if !written_by(headers, id) {
        return None;
    }
    headers
        .iter()
        .find(|h| h.key == SOURCE_HEADER)
        .and_then(|h| h.value.as_deref())
        .and_then(parse_source)
}

impl Done {
    /// Note a target record's headers: when this replay wrote it, its source is done.
    pub fn note(&mut self, headers: &[Header], id: &str) {
        if let Some((t, p, o)) = copy_of(headers, id) {
            self.offsets.entry((t, p)).or_default().insert(o);
        }
    }

    /// [`Done::note`], for copies of one source partition at or after an offset only.
    pub fn note_for(
        &mut self,
        headers: &[Header],
        id: &str,
        topic: &str,
        partition: i32,
        from: i64,
    ) {
        if let Some((t, p, o)) = copy_of(headers, id) {
            if t == topic && p == partition && o >= from {
                self.offsets.entry((t, p)).or_default().insert(o);
            }
        }
    }

    /// Add what another search found.
    pub fn merge(&mut self, other: Done) {
        for (k, v) in other.offsets {
            self.offsets.entry(k).or_default().extend(v);
        }
    }

    pub fn contains(&self, r: &Record) -> bool {
        self.offsets
            .get(&(r.topic.to_string(), r.partition))
            .is_some_and(|s| s.contains(&r.offset))
    }

    pub fn len(&self) -> usize {
        self.offsets.values().map(HashSet::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A rate: records or bytes (key + value + headers) per second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rate {
    Records(f64),
    Bytes(f64),
}

impl Rate {
    /// `500/s`, `500`, `2MB/s`, `512KB/s`, `1.5MiB/s`.
    pub fn parse(s: &str) -> Result<Rate, String> {
        let t = s.trim();
        let t = t.strip_suffix("/s").unwrap_or(t);
        let bad = || {
            format!("'{s}' is not a rate: write records per second (500/s) or bytes per second (2MB/s, 512KiB/s)")
        };
        let split = t
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(t.len());
        let (num, unit) = t.split_at(split);
        let n: f64 = num.parse().map_err(|_| bad())?;
        if !(n.is_finite() && n > 0.0) {
            return Err(bad());
        }
        let mult = match unit.trim() {
            "" => return Ok(Rate::Records(n)),
            "B" => 1.0,
            "KB" | "kB" => 1e3,
            "MB" => 1e6,
            "GB" => 1e9,
            "KiB" => 1024.0,
            "MiB" => 1024.0 * 1024.0,
            "GiB" => 1024.0 * 1024.0 * 1024.0,
            _ => return Err(bad()),
        };
        Ok(Rate::Bytes(n * mult))
    }

    pub(crate) fn cost(&self, r: &Record) -> f64 {
        match self {
            Rate::Records(_) => 1.0,
            Rate::Bytes(_) => {
                (r.payload_len()
                    + r.headers
                        .iter()
                        .map(|h| h.key.len() + h.value.as_ref().map_or(0, Vec::len))
                        .sum::<usize>()) as f64
            }
        }
    }

    pub(crate) fn per_second(&self) -> f64 {
        match self {
            Rate::Records(n) | Rate::Bytes(n) => *n,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::pipeline::{Cx, Stage};
    use crate::record::Timestamp;
    use std::sync::Arc;

    fn rec(offset: i64, headers: Vec<Header>) -> Record {
        Record {
            topic: Arc::from("orders.v1"),
            partition: 3,
            offset,
            origin: crate::record::Origin::Partition,
            timestamp: Timestamp::Create(5),
            key: Some(b"k".to_vec()),
            value: None,
            headers,
        }
    }

    #[test]
    fn provenance_round_trips() {
        let r = rec(42, vec![]);
        let mut written = b"kept:".to_vec();
        write_source(&r, &mut written);
        assert_eq!(written, b"kept:orders.v1/3/42");
        assert_eq!(
            parse_source(b"orders.v1/3/42"),
            Some(("orders.v1".into(), 3, 42))
        );
        assert_eq!(parse_source(b"nonsense"), None);
    }

    /// A stamp reuses the provenance headers of written records: every record still gets its
    /// own source (a shorter one after a longer one too) and the replay id, once each, after
    /// the headers it came with; headers that are not its own are never taken back.
    #[test]
    fn reused_provenance_headers_are_written_anew() {
        let mut stamp = Stamp::new("r1".into(), true, false);
        let src = crate::endpoint::Chain::new(vec![]);
        let mut report = crate::print::report::Report::new(true);
        let mut out = Vec::new();
        let app = Header {
            key: "h".into(),
            value: Some(b"v".to_vec()),
        };
        let stale = Header {
            key: SOURCE_HEADER.into(),
            value: Some(b"old/0/0".to_vec()),
        };
        for (offset, headers) in [
            (123_456, vec![]),
            (5, vec![app.clone()]),
            (77, vec![stale, app.clone()]),
        ] {
            let r = rec(offset, headers);
            let mut want_source = Vec::new();
            write_source(&r, &mut want_source);
            let mut cx = Cx {
                source: &src,
                report: &mut report,
            };
            stamp.push(r, &mut cx, &mut out);
            let mut copy = out.pop().unwrap();
            let n = copy.headers.len();
            assert_eq!(copy.headers[n - 2].key, SOURCE_HEADER);
            assert_eq!(copy.headers[n - 2].value.as_deref(), Some(&want_source[..]));
            assert_eq!(copy.headers[n - 1].key, ID_HEADER);
            assert_eq!(copy.headers[n - 1].value.as_deref(), Some(&b"r1"[..]));
            let others: Vec<_> = copy.headers[..n - 2].to_vec();
            assert_eq!(
                others,
                if offset == 123_456 {
                    vec![]
                } else {
                    vec![app.clone()]
                }
            );
            stamp.reclaim(&mut copy);
            assert_eq!(copy.headers, others, "only its own two are taken back");
            stamp.reclaim(&mut copy);
            assert_eq!(copy.headers, others);
        }
    }

    #[test]
    fn the_guard_skips_done_records_and_its_own_output() {
        let id = "r1".to_string();
        let mut done = Done::default();
        let mut stamp = Stamp::new(id.clone(), true, false);
        let src = crate::endpoint::Chain::new(vec![]);
        let mut report = crate::print::report::Report::new(true);
        let mut out = Vec::new();
        stamp.push(
            rec(
                7,
                vec![Header {
                    key: "h".into(),
                    value: None,
                }],
            ),
            &mut Cx {
                source: &src,
                report: &mut report,
            },
            &mut out,
        );
        let copy = out.pop().unwrap();
        assert_eq!(copy.headers.len(), 3, "{:?}", copy.headers);
        assert_eq!(copy.timestamp, Timestamp::Create(5));
        done.note(&copy.headers, &id);
        done.note(&copy.headers, "another-replay");
        assert_eq!(done.len(), 1);
        let mut guard = Guard {
            id: id.clone(),
            done: std::sync::Arc::new(std::sync::Mutex::new(done)),
            already: 0,
            looped: 0,
        };
        let mut cx = Cx {
            source: &src,
            report: &mut report,
        };
        assert!(guard.push(rec(7, vec![]), &mut cx, &mut out).is_some());
        assert!(guard.push(rec(8, vec![]), &mut cx, &mut out).is_none());
        assert!(guard.push(copy, &mut cx, &mut out).is_some());
        assert_eq!((guard.already, guard.looped, out.len()), (1, 1, 1));
    }

    #[test]
    fn rates_parse_and_throttle() {
        assert_eq!(Rate::parse("500/s"), Ok(Rate::Records(500.0)));
        assert_eq!(Rate::parse("2MB/s"), Ok(Rate::Bytes(2e6)));
        assert_eq!(Rate::parse("1KiB/s"), Ok(Rate::Bytes(1024.0)));
        assert!(Rate::parse("0/s").is_err());
        assert!(Rate::parse("fast").is_err());
        let mut t = Throttle::new(Rate::Records(100.0));
        let t0 = t.last;
        // 100 records at once: the first waits 10 ms, the 100th a second.
        let waits: Vec<Duration> = (0..100).map(|_| t.take(1.0, t0)).collect();
        assert_eq!(waits[0], Duration::from_millis(10));
        assert!((waits[99].as_secs_f64() - 1.0).abs() < 1e-9);
        // After two idle seconds only one second of burst is available.
        let later = t0 + Duration::from_secs(3);
        assert_eq!(t.take(1.0, later), Duration::ZERO);
    }

    #[test]
    fn ids_are_stable_and_distinct() {
        let a = replay_id(&["orders".into(), "copy".into()]);
        assert_eq!(a, replay_id(&["orders".into(), "copy".into()]));
        assert_ne!(a, replay_id(&["order".into(), "scopy".into()]));
        assert_eq!(a.len(), 16);
    }
}

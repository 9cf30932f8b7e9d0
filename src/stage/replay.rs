//! The stages of a replay: the guard that skips records already copied and this replay's own
//! copies, the stamp that adds provenance headers (and the time of the replay when asked), and
//! the throttle that holds records to a `--rate`. Provenance, replay ids and rates are
//! [`crate::replay`]'s.

use std::time::{Duration, Instant};

use crate::pipeline::{Cx, Stage};
use crate::record::{Header, Record, Timestamp};
use crate::replay::{write_source, written_by, Done, Rate, ID_HEADER, SOURCE_HEADER};

/// Skips records whose copy is already in the target, and records this replay wrote itself
/// (the loop guard).
pub struct Guard {
    pub id: String,
    /// Shared with a consumer group's hooks, which add to it when partitions arrive.
    pub done: std::sync::Arc<std::sync::Mutex<Done>>,
    /// Records skipped because their copy was already written.
    pub already: u64,
    /// Records skipped because this replay wrote them (a replay reading its own output).
    pub looped: u64,
}

impl Stage for Guard {
    fn push(&mut self, record: Record, _cx: &mut Cx, out: &mut Vec<Record>) -> Option<Record> {
        if written_by(&record.headers, &self.id) {
            self.looped += 1;
            return Some(record);
        }
        let done = self
            .done
            .lock()
            .is_ok_and(|d| !d.is_empty() && d.contains(&record));
        if done {
            self.already += 1;
            return Some(record);
        }
        out.push(record);
        None
    }
}

/// Adds provenance headers (unless off) and sets the timestamp to now (when asked; the
/// producer then stamps it).
pub struct Stamp {
    pub id: String,
    pub provenance: bool,
    pub timestamp_now: bool,
    /// The provenance headers of records already written, taken back to be written again: a
    /// record costs no allocation for its provenance once the first few went through.
    spare: Vec<Header>,
}

/// How many spare headers a stamp keeps at most (a held record keeps its own).
const SPARE: usize = 64;

impl Stamp {
    pub fn new(id: String, provenance: bool, timestamp_now: bool) -> Stamp {
        Stamp {
            id,
            provenance,
            timestamp_now,
            spare: Vec::new(),
        }
    }

    /// A header named `key` (a spare one when there is one), its value emptied.
    fn header(&mut self, key: &str) -> Header {
        let mut h = match self.spare.iter().rposition(|h| h.key == key) {
            Some(i) => self.spare.swap_remove(i),
            None => Header {
                key: key.into(),
                value: None,
            },
        };
        h.value.get_or_insert_with(Vec::new).clear();
        h
    }
}

impl Stage for Stamp {
    fn push(&mut self, mut record: Record, _cx: &mut Cx, out: &mut Vec<Record>) -> Option<Record> {
        if self.provenance {
            record
                .headers
                .retain(|h| h.key != SOURCE_HEADER && h.key != ID_HEADER);
            let mut source = self.header(SOURCE_HEADER);
            write_source(&record, source.value.get_or_insert_with(Vec::new));
            record.headers.push(source);
            let mut id = self.header(ID_HEADER);
            id.value
                .get_or_insert_with(Vec::new)
                .extend_from_slice(self.id.as_bytes());
            record.headers.push(id);
        }
        if self.timestamp_now {
            record.timestamp = Timestamp::None;
        }
        out.push(record);
        None
    }

    /// The two provenance headers `push` put last go back to the spares.
    fn reclaim(&mut self, record: &mut Record) {
        let n = record.headers.len();
        let ours = self.provenance
            && n >= 2
            && record.headers[n - 2].key == SOURCE_HEADER
            && record.headers[n - 1].key == ID_HEADER;
        if ours && self.spare.len() < SPARE {
            self.spare.extend(record.headers.drain(n - 2..));
        }
    }
}

/// Holds records back to a rate: a token bucket with one second of burst.
pub struct Throttle {
    rate: Rate,
    tokens: f64,
    pub(crate) last: Instant,
}

impl Throttle {
    pub fn new(rate: Rate) -> Throttle {
        Throttle {
            rate,
            tokens: 0.0,
            last: Instant::now(),
        }
    }

    /// How long to wait before a record of this cost may go, taking its tokens.
    pub(crate) fn take(&mut self, cost: f64, now: Instant) -> Duration {
        let per_s = self.rate.per_second();
        self.tokens =
            (self.tokens + now.duration_since(self.last).as_secs_f64() * per_s).min(per_s);
        self.last = now;
        self.tokens -= cost;
        if self.tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-self.tokens / per_s)
        }
    }
}

impl Stage for Throttle {
    fn push(&mut self, record: Record, _cx: &mut Cx, out: &mut Vec<Record>) -> Option<Record> {
        let wait = self.take(self.rate.cost(&record), Instant::now());
        // Sleep in short steps, so that Ctrl-C is still noticed.
        let until = Instant::now() + wait;
        while Instant::now() < until && !crate::interrupt::interrupted() {
            std::thread::sleep((until - Instant::now()).min(Duration::from_millis(50)));
        }
        out.push(record);
        None
    }
}

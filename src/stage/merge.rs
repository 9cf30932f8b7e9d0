//! The time-ordered merge (`--ordered`, `trace`): records of many partitions and topics come out
//! by timestamp, so that "everything user 1234 did" reads as a story. Within a partition the
//! log's order is kept as it is (offset order is the truth there, even where producer clocks
//! disagree); across partitions, the record with the earliest timestamp goes first. A record
//! is let go only once every partition that may still deliver an earlier one has a record
//! waiting or has caught up with its end of log, so the order is exact for topics. Memory is
//! bounded: past `limit` held records, or [`MAX_BYTES`] of them, the earliest goes out anyway,
//! and the summary says how many records left out of timestamp order. Sources that cannot say
//! which partitions are behind (capture files, consumer groups) are merged within the limit and
//! when they go idle.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::sync::Arc;

use crate::pipeline::{Cx, Stage};
use crate::record::Record;

/// The default number of records a merge may hold.
pub const DEFAULT_LIMIT: usize = 200_000;

/// The most key and value bytes a merge may hold, whatever its limit in records: the default
/// limit of records of a megabyte each would be 200 GB (a capture file of them held 3 GB).
pub const MAX_BYTES: usize = 128 << 20;

/// The merge stage.
pub struct Merge {
    limit: usize,
    index: HashMap<(Arc<str>, i32), usize>,
    queues: Vec<VecDeque<Record>>,
    /// Heads of non-empty queues: (timestamp, arrival, queue).
    heads: BinaryHeap<Reverse<(i64, u64, usize)>>,
    held: usize,
    /// Key and value bytes of the held records.
    held_bytes: usize,
    arrivals: u64,
    behind: Vec<(Arc<str>, i32)>,
    last_out: Option<i64>,
    /// Records that went out with an earlier timestamp than one before them.
    pub out_of_order: u64,
    /// Times the limit forced a record out before its turn was certain.
    pub forced: u64,
    warned: bool,
}

impl Merge {
    pub fn new(limit: usize) -> Merge {
        Merge {
            limit: limit.max(1),
            index: HashMap::new(),
            queues: Vec::new(),
            heads: BinaryHeap::new(),
            held: 0,
            held_bytes: 0,
            arrivals: 0,
            behind: Vec::new(),
            last_out: None,
            out_of_order: 0,
            forced: 0,
            warned: false,
        }
    }

    fn queue(&mut self, r: &Record) -> usize {
        if let Some(&i) = self.index.get(&(r.topic.clone(), r.partition)) {
            return i;
        }
        self.queues.push(VecDeque::new());
        let i = self.queues.len() - 1;
        self.index.insert((r.topic.clone(), r.partition), i);
        i
    }

    /// Whether a partition that is behind has nothing waiting: it might deliver an earlier record.
    fn waiting_on_someone(&self) -> bool {
        self.behind.iter().any(|(t, p)| {
            self.index
                .get(&(t.clone(), *p))
                .is_none_or(|&i| self.queues[i].is_empty())
        })
    }

    fn pop(&mut self, out: &mut Vec<Record>) {
        let Some(Reverse((ts, _, q))) = self.heads.pop() else {
            return;
        };
        let r = self.queues[q].pop_front().expect("a head has a record");
        self.held -= 1;
        self.held_bytes -= r.payload_len();
        if let Some(next) = self.queues[q].front() {
            self.arrivals += 1;
            self.heads.push(Reverse((time(next), self.arrivals, q)));
        }
        if self.last_out.is_some_and(|l| ts < l) {
            self.out_of_order += 1;
        }
        self.last_out = Some(self.last_out.map_or(ts, |l| l.max(ts)));
        out.push(r);
    }

    /// Let go of what may go now; `all`: everything.
    fn release(&mut self, cx: &mut Cx, all: bool, out: &mut Vec<Record>) {
        if all {
            while self.held > 0 {
                self.pop(out);
            }
            return;
        }
        self.behind.clear();
        let knows = cx.source.behind(&mut self.behind);
        if knows {
            while self.held > 0 && !self.waiting_on_someone() {
                self.pop(out);
            }
        }
        while self.held > self.limit || (self.held > 1 && self.held_bytes > MAX_BYTES) {
            self.forced += 1;
            if !self.warned {
                self.warned = true;
                let (what, raise) = if self.held > self.limit {
                    (format!("{} records", self.limit), " (raise --merge-buffer)")
                } else {
                    (format!("{} MiB of records", MAX_BYTES >> 20), "")
                };
                cx.report.say(&format!(
                    "evops: warning: the time-ordered merge holds {what} (the limit): the earliest go out before every partition has caught up, so order across partitions may slip{raise}"
                ));
            }
            self.pop(out);
        }
    }
}

/// Records without a timestamp sort first: there is nothing to order them by.
fn time(r: &Record) -> i64 {
    r.timestamp.millis().unwrap_or(i64::MIN)
}

impl Stage for Merge {
    fn push(&mut self, record: Record, cx: &mut Cx, out: &mut Vec<Record>) -> Option<Record> {
        let q = self.queue(&record);
        if self.queues[q].is_empty() {
            self.arrivals += 1;
            self.heads.push(Reverse((time(&record), self.arrivals, q)));
        }
        self.held_bytes += record.payload_len();
        self.queues[q].push_back(record);
        self.held += 1;
        self.release(cx, false, out);
        None
    }

    fn flush(&mut self, cx: &mut Cx, end: bool, out: &mut Vec<Record>) {
        // Idle: a source that cannot tell who is behind has delivered all it has for now.
        let mut probe = Vec::new();
        let knows = cx.source.behind(&mut probe);
        self.release(cx, end || !knows, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::endpoint::{Poll, Source};
    use crate::print::report::Report;
    use crate::record::Timestamp;
    use std::time::Duration;

    /// A source that says which partitions are behind, as the test sets them.
    struct Behind(Vec<(Arc<str>, i32)>, bool);
    impl Source for Behind {
        fn poll(&mut self, _: Duration) -> anyhow::Result<Poll> {
            Ok(Poll::End)
        }
        fn behind(&self, out: &mut Vec<(Arc<str>, i32)>) -> bool {
            out.extend(self.0.iter().cloned());
            self.1
        }
    }

    fn rec(topic: &str, p: i32, off: i64, ts: i64) -> Record {
        Record {
            topic: Arc::from(topic),
            partition: p,
            offset: off,
            origin: crate::record::Origin::Partition,
            timestamp: Timestamp::Create(ts),
            key: None,
            value: None,
            headers: vec![],
        }
    }

    fn feed(m: &mut Merge, src: &Behind, recs: Vec<Record>, end: bool) -> Vec<(i32, i64)> {
        let mut report = Report::new(true);
        let mut out = Vec::new();
        for r in recs {
            let mut cx = Cx {
                source: src,
                report: &mut report,
            };
            assert!(m.push(r, &mut cx, &mut out).is_none());
        }
        let mut cx = Cx {
            source: src,
            report: &mut report,
        };
        m.flush(&mut cx, end, &mut out);
        out.iter()
            .map(|r| (r.partition, r.timestamp.millis().unwrap()))
            .collect()
    }

    #[test]
    fn interleaved_partitions_come_out_by_time() {
        // Partition 0 arrives in one batch before partition 1's: a merge must hold it.
        let recs = vec![
            rec("a", 0, 0, 10),
            rec("a", 0, 1, 30),
            rec("a", 0, 2, 50),
            rec("b", 1, 0, 20),
            rec("b", 1, 1, 40),
            rec("b", 1, 2, 60),
        ];
        let src = Behind(vec![(Arc::from("a"), 0), (Arc::from("b"), 1)], true);
        let mut m = Merge::new(1000);
        let out = feed(&mut m, &src, recs, true);
        let times: Vec<i64> = out.iter().map(|x| x.1).collect();
        assert_eq!(times, vec![10, 20, 30, 40, 50, 60]);
        assert_eq!(m.out_of_order, 0);
    }

    #[test]
    fn nothing_goes_out_while_a_partition_that_is_behind_has_nothing_waiting() {
        let src = Behind(vec![(Arc::from("a"), 0), (Arc::from("a"), 1)], true);
        let mut m = Merge::new(1000);
        let out = feed(
            &mut m,
            &src,
            vec![rec("a", 0, 0, 10), rec("a", 0, 1, 20)],
            false,
        );
        assert!(out.is_empty());
        // Partition 1 catches up (no longer behind): partition 0's records may go.
        let src = Behind(vec![(Arc::from("a"), 0)], true);
        let out = feed(&mut m, &src, vec![], false);
        assert_eq!(out, vec![(0, 10), (0, 20)]);
    }

    #[test]
    fn partition_order_is_kept_even_when_its_clock_goes_back() {
        let src = Behind(vec![], true);
        let mut m = Merge::new(1000);
        let recs = vec![rec("a", 0, 0, 50), rec("a", 0, 1, 10)];
        let out = feed(&mut m, &src, recs, true);
        assert_eq!(out, vec![(0, 50), (0, 10)]);
        assert_eq!(m.out_of_order, 1);
    }

    #[test]
    fn the_limit_bounds_memory_and_is_counted() {
        let src = Behind(vec![(Arc::from("a"), 0), (Arc::from("a"), 1)], true);
        let mut m = Merge::new(3);
        let recs: Vec<Record> = (0..10).map(|i| rec("a", 0, i, i * 10)).collect();
        let out = feed(&mut m, &src, recs, false);
        assert_eq!(out.len(), 7);
        assert_eq!(m.held, 3);
        assert_eq!(m.forced, 7);
    }

    #[test]
    fn held_bytes_bound_memory_whatever_the_limit_in_records() {
        let src = Behind(vec![(Arc::from("a"), 0), (Arc::from("a"), 1)], true);
        let mut m = Merge::new(DEFAULT_LIMIT);
        let big = |i: i64| Record {
            value: Some(vec![b'x'; MAX_BYTES / 4]),
            ..rec("a", 0, i, i * 10)
        };
        let out = feed(&mut m, &src, (0..10).map(big).collect(), false);
        assert_eq!((out.len(), m.held, m.forced), (6, 4, 6));
        assert_eq!(m.held_bytes, MAX_BYTES);
        // One record larger than the bound is held alone, not refused.
        let mut one = Merge::new(DEFAULT_LIMIT);
        let huge = Record {
            value: Some(vec![b'x'; MAX_BYTES + 1]),
            ..rec("a", 0, 0, 0)
        };
        assert!(feed(&mut one, &src, vec![huge], false).is_empty());
        assert_eq!(one.held, 1);
    }

    #[test]
    fn sources_that_cannot_tell_are_merged_within_the_limit_and_when_idle() {
        let src = Behind(vec![], false);
        let mut m = Merge::new(4);
        let recs = vec![
            rec("a", 0, 0, 30),
            rec("a", 1, 0, 10),
            rec("a", 0, 1, 40),
            rec("a", 1, 1, 20),
        ];
        let out = feed(&mut m, &src, recs, false);
        let times: Vec<i64> = out.iter().map(|x| x.1).collect();
        assert_eq!(times, vec![10, 20, 30, 40]);
    }
}

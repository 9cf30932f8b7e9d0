//! Records handed from the reading thread to a counting thread, in batches: what a group may
//! read of each record ([`Fields`]: topic, partition, key, value) copied into one buffer per
//! batch, with its time and size. Reading a record costs the reader a copy; decoding its value
//! (the event type's JSON) happens on the other thread, at the same time. Pure.

use std::ops::Range;
use std::sync::Arc;

use super::group::Fields;
use crate::record::Record;

/// Records per batch: large enough that handing one over is rare, small enough that the
/// counting thread starts early.
const LEN: usize = 1024;

/// Bytes per batch, whatever the records' sizes: a thousand records of a megabyte each would
/// otherwise make a batch of a gigabyte, several of them on the way between the threads (a
/// stats run over such a topic peaked at 2.2 GB). A batch past it is full; one that grew
/// past four times it (one very large record) gives its buffer back when cleared.
const MAX_BYTES: usize = 1 << 20;

/// One batch of copied records.
#[derive(Debug, Default)]
pub struct Batch {
    bytes: Vec<u8>,
    /// The topics of the batch's records, each once in a run (records come in runs per
    /// topic): an index per record, rather than a reference count changed by both threads.
    topics: Vec<Arc<str>>,
    items: Vec<Item>,
}

#[derive(Debug)]
struct Item {
    topic: usize,
    partition: i32,
    key: Option<Range<usize>>,
    value: Option<Range<usize>>,
    ts: Option<i64>,
    size: u64,
}

impl Batch {
    /// Copy what a group reads of `r`, and its time and key and value bytes.
    pub fn push(&mut self, r: &Record) {
        let key = r.key.as_deref().map(|k| self.copy(k));
        let value = r.value.as_deref().map(|v| self.copy(v));
        if !self.topics.last().is_some_and(|t| Arc::ptr_eq(t, &r.topic)) {
            self.topics.push(Arc::clone(&r.topic));
        }
        self.items.push(Item {
            topic: self.topics.len() - 1,
            partition: r.partition,
            size: r.payload_len() as u64,
            key,
            value,
            ts: r.timestamp.millis(),
        });
    }

    fn copy(&mut self, b: &[u8]) -> Range<usize> {
        let start = self.bytes.len();
        self.bytes.extend_from_slice(b);
        start..self.bytes.len()
    }

    pub fn is_full(&self) -> bool {
        self.items.len() >= LEN || self.bytes.len() >= MAX_BYTES
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Each record's fields, time and key and value bytes, in the order pushed.
    pub fn each(&self, mut f: impl FnMut(Fields, Option<i64>, u64)) {
        for it in &self.items {
            let fields = Fields {
                topic: &self.topics[it.topic],
                partition: it.partition,
                key: it.key.clone().map(|k| &self.bytes[k]),
                value: it.value.clone().map(|v| &self.bytes[v]),
            };
            f(fields, it.ts, it.size);
        }
    }

    /// Empty, keeping its buffers for the next batch.
    pub fn clear(&mut self) {
        self.bytes.clear();
        if self.bytes.capacity() > 4 * MAX_BYTES {
            self.bytes = Vec::new();
        }
        self.topics.clear();
        self.items.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Timestamp;

    #[test]
    fn a_batch_gives_back_what_was_pushed() {
        let rec = |key: Option<&str>, value: Option<&str>, ts| Record {
            topic: Arc::from("t"),
            partition: 3,
            offset: 0,
            origin: crate::record::Origin::Partition,
            timestamp: ts,
            key: key.map(|k| k.as_bytes().to_vec()),
            value: value.map(|v| v.as_bytes().to_vec()),
            headers: Vec::new(),
        };
        let mut b = Batch::default();
        b.push(&rec(Some("k"), Some("v1"), Timestamp::Create(5)));
        b.push(&rec(None, Some(""), Timestamp::None));
        b.push(&rec(Some(""), None, Timestamp::LogAppend(7)));
        let mut got = Vec::new();
        b.each(|f, ts, size| {
            got.push((
                f.topic.to_string(),
                f.partition,
                f.key.map(<[u8]>::to_vec),
                f.value.map(<[u8]>::to_vec),
                ts,
                size,
            ));
        });
        let v = |s: &str| Some(s.as_bytes().to_vec());
        assert_eq!(
            got,
            [
                ("t".into(), 3, v("k"), v("v1"), Some(5), 3),
                ("t".into(), 3, None, v(""), None, 0),
                ("t".into(), 3, v(""), None, Some(7), 0),
            ]
        );
        assert!(!b.is_full() && !b.is_empty());
        b.clear();
        assert!(b.is_empty());
    }

    #[test]
    fn a_batch_is_full_at_its_bytes_and_lets_a_large_buffer_go() {
        let rec = |len: usize| Record {
            topic: Arc::from("t"),
            partition: 0,
            offset: 0,
            origin: crate::record::Origin::Partition,
            timestamp: Timestamp::None,
            key: None,
            value: Some(vec![b'x'; len]),
            headers: Vec::new(),
        };
        let mut b = Batch::default();
        b.push(&rec(MAX_BYTES - 1));
        assert!(!b.is_full());
        b.push(&rec(1));
        assert!(b.is_full(), "full at MAX_BYTES, with 2 of {LEN} records");
        b.clear();
        assert!(
            b.bytes.capacity() >= MAX_BYTES,
            "an ordinary buffer is kept"
        );
        b.push(&rec(4 * MAX_BYTES + 1));
        b.clear();
        assert_eq!(b.bytes.capacity(), 0, "a very large one is let go");
    }
}

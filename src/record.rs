//! The record: what evops reads, changes and writes. Everything is bytes, exactly as the broker
//! stored it, so that a record can travel topic → capture file → topic without losing anything.
//! A missing key, value or header value (`None`) is distinct from an empty one (`Some(vec![])`):
//! Kafka keeps the difference and so do compaction and every partitioner.

use std::sync::Arc;

/// When a record happened, and who said so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timestamp {
    /// No timestamp (message format v0).
    None,
    /// Set by the producer (`CreateTime`).
    Create(i64),
    /// Set by the broker when it appended the record (`LogAppendTime`).
    LogAppend(i64),
}

impl Timestamp {
    /// Milliseconds since the Unix epoch, if there is a timestamp.
    pub fn millis(self) -> Option<i64> {
        match self {
            Timestamp::None => None,
            Timestamp::Create(ms) | Timestamp::LogAppend(ms) => Some(ms),
        }
    }

    /// The name used in the capture format and in JSON output.
    pub fn kind(self) -> &'static str {
        match self {
            Timestamp::None => "none",
            Timestamp::Create(_) => "create",
            Timestamp::LogAppend(_) => "log_append",
        }
    }
}

/// One header. Header names are strings in Kafka; values are bytes or absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub key: String,
    pub value: Option<Vec<u8>>,
}

/// What a record's `topic`, `partition` and `offset` name: a place in a Kafka topic, or one in
/// a file of sample events (what `schema-validate` reads from a CI job's repository).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Origin {
    /// A partition of a topic, read live or from a capture file: `topic/partition@offset`.
    #[default]
    Partition,
    /// A line of a sample events file (a whole JSON file is line 1): `topic` is the file,
    /// `offset` the 1-based line, `partition` 0; named `file:line`.
    SampleLine,
    /// An element of a sample file's top-level JSON array: `topic` is the file, `offset` the
    /// element's index, `partition` 0; named `file#/index`.
    SampleElement,
}

impl Origin {
    /// How evops names a place of this kind in messages, given its source's name.
    pub fn name(self, source: &str, partition: i32, offset: i64) -> String {
        match self {
            Origin::Partition => format!("{source}/{partition}@{offset}"),
            Origin::SampleLine => format!("{source}:{offset}"),
            Origin::SampleElement => format!("{source}#/{offset}"),
        }
    }
}

/// One Kafka record with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Shared, because a source hands out many records of the same topic.
    pub topic: Arc<str>,
    pub partition: i32,
    pub offset: i64,
    /// What `topic`, `partition` and `offset` name.
    pub origin: Origin,
    pub timestamp: Timestamp,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    /// In broker order; names may repeat.
    pub headers: Vec<Header>,
}

impl Record {
    /// `topic/partition@offset` (`file:line`, `file#/index` for a sample event), the way evops
    /// names a record in messages.
    pub fn location(&self) -> String {
        self.origin.name(&self.topic, self.partition, self.offset)
    }

    /// The bytes of its key and value (what memory bounds and byte counts measure).
    pub fn payload_len(&self) -> usize {
        self.key.as_ref().map_or(0, Vec::len) + self.value.as_ref().map_or(0, Vec::len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_events_are_named_by_file_line_or_element() {
        let mut r = Record {
            topic: Arc::from("events/a.json"),
            partition: 0,
            offset: 3,
            origin: Origin::SampleElement,
            timestamp: Timestamp::None,
            key: None,
            value: None,
            headers: Vec::new(),
        };
        assert_eq!(r.location(), "events/a.json#/3");
        r.origin = Origin::SampleLine;
        assert_eq!(r.location(), "events/a.json:3");
        r.origin = Origin::Partition;
        r.topic = Arc::from("users");
        r.partition = 2;
        assert_eq!(r.location(), "users/2@3");
    }
}

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

/// One Kafka record with where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Shared, because a source hands out many records of the same topic.
    pub topic: Arc<str>,
    pub partition: i32,
    pub offset: i64,
    pub timestamp: Timestamp,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    /// In broker order; names may repeat.
    pub headers: Vec<Header>,
}

impl Record {
    /// `topic/partition@offset`, the way evops names a record in messages.
    pub fn location(&self) -> String {
        format!("{}/{}@{}", self.topic, self.partition, self.offset)
    }
}

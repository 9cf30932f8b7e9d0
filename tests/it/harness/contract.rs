//! The output formats the README promises as stable contracts, as types: a line decodes into
//! one only when it has exactly the documented fields (`deny_unknown_fields`), with the
//! documented types. Decoded independently of evops's own code.

use base64::Engine;
use serde::Deserialize;
use serde_json::Value;

use super::Rec;

/// Bytes in the capture encoding: a string when valid UTF-8, else `{"base64": "..."}`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Bytes {
    Text(String),
    Binary(Base64),
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Base64 {
    pub base64: String,
}

impl Bytes {
    pub fn decode(&self) -> Vec<u8> {
        match self {
            Bytes::Text(s) => s.as_bytes().to_vec(),
            Bytes::Binary(b) => base64::engine::general_purpose::STANDARD
                .decode(&b.base64)
                .unwrap(),
        }
    }
}

/// One line of a capture file (README: "Capture format, a stable contract").
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaptureLine {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub timestamp: Option<i64>,
    pub timestamp_type: TimestampType,
    pub key: Option<Bytes>,
    pub value: Option<Bytes>,
    pub headers: Vec<CaptureHeader>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CaptureHeader {
    pub key: String,
    pub value: Option<Bytes>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimestampType {
    Create,
    LogAppend,
    None,
}

/// One line of `-f json` (README: "JSON lines output, a stable contract").
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonLine {
    pub topic: String,
    pub partition: i32,
    pub offset: i64,
    pub timestamp: Option<i64>,
    pub timestamp_type: TimestampType,
    /// Decoded: embedded JSON, a string, `{"base64"}` or null.
    pub key: Value,
    /// Each name to its value, or to an array of its values when it repeats.
    pub headers: serde_json::Map<String, Value>,
    pub value: Value,
}

/// One group of `stats -f json` (README: "stats JSON, a stable contract").
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatsLine {
    pub group: std::collections::BTreeMap<String, String>,
    pub counted: Counted,
    pub total: u64,
    pub bytes: Option<u64>,
    pub current: u64,
    pub rate: f64,
    pub baseline: u64,
    pub baseline_rate: f64,
    pub change_pct: Option<f64>,
    pub flag: Option<Flag>,
    pub every_ms: i64,
    pub current_window: StatsWindow,
    pub baseline_window: StatsWindow,
    pub buckets: Vec<StatsBucket>,
    /// With `--sample-rate` only.
    pub sample_rate: Option<f64>,
    pub total_error: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Counted {
    Records,
    Offsets,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    Dropped,
    Spiked,
    Stopped,
    New,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatsWindow {
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StatsBucket {
    pub start: String,
    pub count: u64,
}

/// Decode every line of `out` as a `T`, failing on the first that does not fit the contract.
pub fn decode_lines<T: serde::de::DeserializeOwned>(out: &[u8]) -> Vec<T> {
    std::str::from_utf8(out)
        .expect("utf-8 output")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// Capture lines, parsed: (topic, offset, record). Every record was produced with a create
/// time.
pub fn parse_capture(out: &[u8]) -> Vec<(String, i64, Rec)> {
    decode_lines::<CaptureLine>(out)
        .into_iter()
        .map(|l| {
            assert_eq!(l.timestamp_type, TimestampType::Create, "{l:?}");
            let rec = Rec {
                partition: l.partition,
                key: l.key.as_ref().map(Bytes::decode),
                value: l.value.as_ref().map(Bytes::decode),
                headers: l
                    .headers
                    .iter()
                    .map(|h| (h.key.clone(), h.value.as_ref().map(Bytes::decode)))
                    .collect(),
                timestamp: l.timestamp.unwrap(),
            };
            (l.topic, l.offset, rec)
        })
        .collect()
}

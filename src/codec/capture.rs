//! The capture format: NDJSON, one record per line, lossless and binary-safe. It is a stable
//! contract (see the README):
//!
//! ```text
//! {"topic":"articles","partition":2,"offset":17,"timestamp":1763892000123,"timestamp_type":"create",
//!  "key":"a-313","value":"{\"data\":...}","headers":[{"key":"producer","value":"kotlin-api"}]}
//! ```
//!
//! `key`, `value` and each header `value` are a JSON string when the bytes are valid UTF-8,
//! `{"base64": "..."}` otherwise, and `null` when absent (a null key, a tombstone). An empty
//! string is an empty, present value. `timestamp` is milliseconds since the epoch or `null`;
//! `timestamp_type` is `create`, `log_append` or `none`. Unknown fields are ignored, so the
//! format can grow without breaking readers.

use std::sync::Arc;

use base64::Engine;
use serde::de::{self, Deserializer};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use crate::record::{Header, Record, Timestamp};

/// Append one record as a capture line (with the trailing newline) to `out`.
pub fn encode(record: &Record, out: &mut Vec<u8>) {
    let line = Line {
        topic: &record.topic,
        partition: record.partition,
        offset: record.offset,
        timestamp: record.timestamp.millis(),
        timestamp_type: record.timestamp.kind(),
        key: Bin(record.key.as_deref()),
        value: Bin(record.value.as_deref()),
        headers: HeadersOut(&record.headers),
    };
    // Writing to a Vec cannot fail and the types always serialize.
    serde_json::to_writer(&mut *out, &line).expect("capture line serializes");
    out.push(b'\n');
}

/// Parse one capture line. The error says which field is wrong.
pub fn decode(line: &[u8]) -> Result<Record, String> {
    let l: LineIn = serde_json::from_slice(line).map_err(|e| e.to_string())?;
    let timestamp = match (l.timestamp, l.timestamp_type.as_deref()) {
        (None, _) => Timestamp::None,
        (Some(ms), None | Some("create")) => Timestamp::Create(ms),
        (Some(ms), Some("log_append")) => Timestamp::LogAppend(ms),
        (Some(_), Some("none")) => Timestamp::None,
        (Some(_), Some(other)) => {
            return Err(format!(
                "timestamp_type '{other}' is not one of create, log_append, none"
            ))
        }
    };
    Ok(Record {
        topic: Arc::from(l.topic),
        partition: l.partition,
        offset: l.offset,
        origin: crate::record::Origin::Partition,
        timestamp,
        key: l.key.0,
        value: l.value.0,
        headers: l
            .headers
            .into_iter()
            .map(|h| Header {
                key: h.key,
                value: h.value.0,
            })
            .collect(),
    })
}

#[derive(Serialize)]
struct Line<'a> {
    topic: &'a str,
    partition: i32,
    offset: i64,
    timestamp: Option<i64>,
    timestamp_type: &'static str,
    key: Bin<'a>,
    value: Bin<'a>,
    headers: HeadersOut<'a>,
}

/// Bytes in the capture encoding.
pub struct Bin<'a>(pub Option<&'a [u8]>);

impl Serialize for Bin<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            None => s.serialize_none(),
            Some(b) => match std::str::from_utf8(b) {
                Ok(text) => s.serialize_str(text),
                Err(_) => {
                    let mut m = s.serialize_map(Some(1))?;
                    m.serialize_entry(
                        "base64",
                        &base64::engine::general_purpose::STANDARD.encode(b),
                    )?;
                    m.end()
                }
            },
        }
    }
}

struct HeadersOut<'a>(&'a [Header]);

impl Serialize for HeadersOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        #[derive(Serialize)]
        struct H<'a> {
            key: &'a str,
            value: Bin<'a>,
        }
        s.collect_seq(self.0.iter().map(|h| H {
            key: &h.key,
            value: Bin(h.value.as_deref()),
        }))
    }
}

#[derive(Deserialize)]
struct LineIn {
    topic: String,
    partition: i32,
    offset: i64,
    #[serde(default)]
    timestamp: Option<i64>,
    #[serde(default)]
    timestamp_type: Option<String>,
    #[serde(default)]
    key: BinIn,
    #[serde(default)]
    value: BinIn,
    #[serde(default, deserialize_with = "headers_in")]
    headers: Vec<HeaderIn>,
}

/// What a `-f json` line read as a capture line meets first: its headers are a map.
const NOT_JSON_LINES: &str =
    "lines of `-f json` output are not capture lines: capture with `-f capture`";

/// A capture line's headers: an array, as the format writes them; anything else is named.
fn headers_in<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<HeaderIn>, D::Error> {
    struct Headers;
    impl<'de> de::Visitor<'de> for Headers {
        type Value = Vec<HeaderIn>;

        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            write!(
                f,
                "an array of {{\"key\": ..., \"value\": ...}} ({NOT_JSON_LINES})"
            )
        }

        fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(h) = seq.next_element()? {
                out.push(h);
            }
            Ok(out)
        }
    }
    d.deserialize_seq(Headers)
}

#[derive(Deserialize)]
struct HeaderIn {
    key: String,
    #[serde(default)]
    value: BinIn,
}

/// Bytes read back from the capture encoding.
#[derive(Default)]
struct BinIn(Option<Vec<u8>>);

impl<'de> Deserialize<'de> for BinIn {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(BinVisitor)
    }
}

/// Reads the capture encoding of bytes, and names it when it meets something else: a `-f json`
/// line (its value an object) read as a capture line says so, where an untagged enum said only
/// "did not match any variant".
struct BinVisitor;

impl<'de> de::Visitor<'de> for BinVisitor {
    type Value = BinIn;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        write!(
            f,
            "a string, {{\"base64\": \"...\"}} or null (bytes in the capture format; {NOT_JSON_LINES})"
        )
    }

    fn visit_unit<E>(self) -> Result<BinIn, E> {
        Ok(BinIn(None))
    }

    fn visit_none<E>(self) -> Result<BinIn, E> {
        Ok(BinIn(None))
    }

    fn visit_str<E>(self, s: &str) -> Result<BinIn, E> {
        Ok(BinIn(Some(s.as_bytes().to_vec())))
    }

    fn visit_string<E>(self, s: String) -> Result<BinIn, E> {
        Ok(BinIn(Some(s.into_bytes())))
    }

    /// `{"base64": "..."}`; other members are ignored, as everywhere in a capture line.
    fn visit_map<A: de::MapAccess<'de>>(self, mut map: A) -> Result<BinIn, A::Error> {
        let mut bytes = None;
        while let Some(name) = map.next_key::<std::borrow::Cow<'_, str>>()? {
            if name == "base64" && bytes.is_none() {
                let text = map.next_value::<std::borrow::Cow<'_, str>>()?;
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(text.as_bytes())
                    .map_err(|e| de::Error::custom(format!("bad base64: {e}")))?;
                bytes = Some(decoded);
            } else {
                map.next_value::<de::IgnoredAny>()?;
            }
        }
        match bytes {
            Some(b) => Ok(BinIn(Some(b))),
            None => Err(de::Error::invalid_type(
                de::Unexpected::Other("an object without \"base64\""),
                &BinVisitor,
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> Record {
        Record {
            topic: Arc::from("t"),
            partition: 3,
            offset: 42,
            origin: crate::record::Origin::Partition,
            timestamp: Timestamp::LogAppend(1_700_000_000_123),
            key: Some(vec![]),
            value: Some(vec![0, 159, 146, 150, b'\n']),
            headers: vec![
                Header {
                    key: "a".into(),
                    value: None,
                },
                Header {
                    key: "a".into(),
                    value: Some(b"x\"y".to_vec()),
                },
                Header {
                    key: "bin".into(),
                    value: Some(vec![0xff]),
                },
            ],
        }
    }

    #[test]
    fn round_trips_binary_null_and_empty() {
        let r = record();
        let mut out = Vec::new();
        encode(&r, &mut out);
        assert_eq!(out.last(), Some(&b'\n'));
        assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), 1, "one line");
        let back = decode(&out[..out.len() - 1]).unwrap();
        assert_eq!(back, r);
        let mut tomb = r.clone();
        tomb.key = None;
        tomb.value = None;
        tomb.timestamp = Timestamp::None;
        out.clear();
        encode(&tomb, &mut out);
        assert_eq!(decode(&out).unwrap(), tomb);
    }

    #[test]
    fn documented_shape() {
        let mut out = Vec::new();
        encode(&record(), &mut out);
        let text = String::from_utf8(out).unwrap();
        assert_eq!(
            text,
            "{\"topic\":\"t\",\"partition\":3,\"offset\":42,\"timestamp\":1700000000123,\
             \"timestamp_type\":\"log_append\",\"key\":\"\",\"value\":{\"base64\":\"AJ+Slgo=\"},\
             \"headers\":[{\"key\":\"a\",\"value\":null},{\"key\":\"a\",\"value\":\"x\\\"y\"},\
             {\"key\":\"bin\",\"value\":{\"base64\":\"/w==\"}}]}\n"
        );
    }

    #[test]
    fn errors_name_the_problem() {
        assert!(decode(b"{\"topic\":\"t\"}")
            .unwrap_err()
            .contains("partition"));
        assert!(decode(b"not json").is_err());
        let e =
            decode(br#"{"topic":"t","partition":0,"offset":1,"timestamp":1,"timestamp_type":"x"}"#);
        assert!(e.unwrap_err().contains("timestamp_type"));
    }

    /// A `-f json` line (headers a map, the value an object) and bytes in no capture encoding
    /// are named as such, with the way to capture.
    #[test]
    fn json_lines_and_odd_bytes_are_told_apart() {
        let at = r#"{"topic":"t","partition":0,"offset":1"#;
        let line = |rest: &str| format!("{at},{rest}}}");
        for (rest, what) in [
            (
                r#""headers":{"a":"b"},"value":{"x":1}"#,
                "invalid type: map, expected an array",
            ),
            (r#""value":{"x":1}"#, "an object without \"base64\""),
            (r#""key":[1]"#, "invalid type: sequence"),
            (r#""value":5"#, "invalid type: integer"),
        ] {
            let e = decode(line(rest).as_bytes()).unwrap_err();
            assert!(
                e.contains(what) && e.contains("capture with `-f capture`"),
                "{e}"
            );
        }
        assert!(decode(line(r#""key":{"base64":"@@"}"#).as_bytes())
            .unwrap_err()
            .contains("bad base64"));
        // Members beside "base64" are ignored, as unknown fields are; null is absent.
        let r = decode(line(r#""key":{"note":1,"base64":"AAE="},"value":null,"headers":[{"key":"h","value":null}]"#).as_bytes()).unwrap();
        assert_eq!(r.key.as_deref(), Some(&[0u8, 1][..]));
        assert_eq!(r.value, None);
        assert_eq!(r.headers[0].value, None);
    }
}

/// Round trips over arbitrary records: whatever a broker can hold, a capture line keeps.
#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    /// Bytes that are sometimes text (a JSON string in the line) and sometimes not (base64).
    fn bytes() -> impl Strategy<Value = Option<Vec<u8>>> {
        prop_oneof![
            Just(None),
            any::<String>().prop_map(|s| Some(s.into_bytes())),
            proptest::collection::vec(any::<u8>(), 0..40).prop_map(Some),
        ]
    }

    fn timestamp() -> impl Strategy<Value = Timestamp> {
        prop_oneof![
            Just(Timestamp::None),
            any::<i64>().prop_map(Timestamp::Create),
            any::<i64>().prop_map(Timestamp::LogAppend),
        ]
    }

    fn record() -> impl Strategy<Value = Record> {
        let header = (any::<String>(), bytes()).prop_map(|(key, value)| Header { key, value });
        (
            any::<String>(),
            any::<i32>(),
            any::<i64>(),
            timestamp(),
            bytes(),
            bytes(),
            proptest::collection::vec(header, 0..4),
        )
            .prop_map(
                |(topic, partition, offset, timestamp, key, value, headers)| Record {
                    topic: Arc::from(topic),
                    partition,
                    offset,
                    origin: crate::record::Origin::Partition,
                    timestamp,
                    key,
                    value,
                    headers,
                },
            )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn capture_lines_round_trip_any_record(r in record()) {
            let mut out = Vec::new();
            encode(&r, &mut out);
            prop_assert_eq!(out.iter().filter(|&&b| b == b'\n').count(), 1, "one line");
            prop_assert_eq!(out.last(), Some(&b'\n'));
            prop_assert_eq!(decode(&out).unwrap(), r);
        }
    }
}

//! The re-keying stage of `evops rekey`: a new key for every record from a jq expression over
//! its view (or a template), written as a string, JSON, a big-endian int32/int64 as Java's
//! serializers do, or a Confluent-framed Protobuf message of a registry schema. A record whose key expression fails keeps nothing of a guess: it goes to the
//! dead-letter file at once (counted only, in a dry run), reported and counted. The stage also counts the keys whose partition
//! changes, and checks from the delivery reports that every key landed on one partition only.

use std::collections::{BTreeSet, HashSet};
use std::hash::BuildHasherDefault;

use jaq_json::Val;

use crate::cmd::replay::DeadLetterBox;
use crate::codec::Encoding;
use crate::expr::{Expr, Viewer};
use crate::fingerprint::{key_print, Fingerprint};
use crate::partition::Partitioner;
use crate::pipeline::{Cx, Stage};
use crate::record::Record;

/// How the new key is written.
#[derive(Debug, Clone)]
pub enum NewKey {
    /// string, json, int32 or int64.
    Plain(Encoding),
    /// A Confluent-framed Protobuf message.
    Protobuf(crate::codec::protobuf::KeyWriter),
}

/// How the new key is made.
pub enum KeySource {
    Expr(Expr),
    Template(crate::print::template::Template),
}

/// The re-keying stage.
pub struct Rekey {
    source: KeySource,
    viewer: Viewer,
    key_format: NewKey,
    partitioner: &'static Partitioner,
    target_partitions: i32,
    /// The replay's dead letters, where a record whose key fails goes at once (told by the
    /// replay before it runs).
    dead: Option<DeadLetterBox>,
    /// The dead-letter file could not be written: the run ends with it.
    error: Option<anyhow::Error>,
    /// The distinct new keys, and those put on another partition than a record of theirs had,
    /// by fingerprint ([`key_print`]): only their counts are said, so the keys are not held.
    keys: KeyPrints,
    moved: KeyPrints,
    /// Keys the delivery reports saw on more than one partition.
    split: Vec<(Option<Vec<u8>>, BTreeSet<i32>)>,
    checked: bool,
}

impl Rekey {
    /// `key_format` is how the new key is written.
    pub fn new(
        source: KeySource,
        view: crate::codec::Codecs,
        key_format: NewKey,
        partitioner: &'static Partitioner,
        target_partitions: i32,
    ) -> Rekey {
        Rekey {
            source,
            viewer: Viewer::new(view),
            key_format,
            partitioner,
            target_partitions,
            dead: None,
            error: None,
            keys: KeyPrints::default(),
            moved: KeyPrints::default(),
            split: Vec::new(),
            checked: false,
        }
    }

    fn new_key(&mut self, r: &Record) -> Result<Vec<u8>, String> {
        let (view, problem) = self.viewer.view(r);
        if let Some(p) = problem {
            return Err(p);
        }
        let v = match &self.source {
            KeySource::Expr(e) => {
                let outs = e.outputs(view);
                match outs.into_iter().next() {
                    Some(Ok(v)) => v,
                    Some(Err(e)) => return Err(e),
                    None => return Err(format!("'{}' gave no key", e.text())),
                }
            }
            KeySource::Template(t) => {
                let line = crate::print::render_template(t, r, &self.viewer.codecs);
                Val::from(line)
            }
        };
        match &self.key_format {
            NewKey::Plain(format) => encode_key(&v, *format),
            NewKey::Protobuf(writer) => protobuf_key(&v, writer),
        }
    }
}

/// Sets of key fingerprints, well mixed already: not hashed again.
type KeyPrints = HashSet<u128, BuildHasherDefault<Fingerprint>>;

/// A jq value (the key message in the proto3 JSON mapping, or the value of its one field) as a
/// framed Protobuf key.
fn protobuf_key(v: &Val, writer: &crate::codec::protobuf::KeyWriter) -> Result<Vec<u8>, String> {
    if matches!(v, Val::Null) {
        return Err("the key expression gave null (a record needs a key to be re-keyed)".into());
    }
    let json: serde_json::Value =
        serde_json::from_str(&v.to_string()).map_err(|e| format!("{v} is not JSON: {e}"))?;
    writer.encode(&json).map_err(|e| e.0)
}

/// A jq value as key bytes in a format.
pub fn encode_key(v: &Val, format: Encoding) -> Result<Vec<u8>, String> {
    if matches!(v, Val::Null) {
        return Err("the key expression gave null (a record needs a key to be re-keyed)".into());
    }
    match format {
        Encoding::Json => Ok(v.to_string().into_bytes()),
        Encoding::Int32 | Encoding::Int64 => {
            let n: i64 = crate::expr::text_of(v).parse().map_err(|_| {
                format!(
                    "{v} is not an integer for an {} key",
                    if format == Encoding::Int32 {
                        "int32"
                    } else {
                        "int64"
                    }
                )
            })?;
            if format == Encoding::Int32 {
                i32::try_from(n)
                    .map(|n| n.to_be_bytes().to_vec())
                    .map_err(|_| format!("{n} does not fit an int32 key"))
            } else {
                Ok(n.to_be_bytes().to_vec())
            }
        }
        _ => Ok(crate::expr::text_of(v).into_bytes()),
    }
}

impl Stage for Rekey {
    fn push(&mut self, mut record: Record, cx: &mut Cx, out: &mut Vec<Record>) -> Option<Record> {
        match self.new_key(&record) {
            Ok(key) => {
                let p = self
                    .partitioner
                    .partition(Some(&key), self.target_partitions);
                let print = key_print(&key);
                if p != Some(record.partition) {
                    self.moved.insert(print);
                }
                self.keys.insert(print);
                record.key = Some(key);
                out.push(record);
                None
            }
            Err(why) => {
                cx.report.bad(
                    &record.location(),
                    &format!("new key: {why}; a dead letter"),
                );
                if let Some(Err(e)) = self.dead.as_ref().map(|d| d.send(&record)) {
                    self.error = Some(e);
                }
                // Written, it goes back to the source for its buffers.
                Some(record)
            }
        }
    }

    fn take_error(&mut self) -> Option<anyhow::Error> {
        self.error.take()
    }
}

impl crate::cmd::replay::ReplayStage for Rekey {
    fn dead_letters(&mut self, to: DeadLetterBox) {
        self.dead = Some(to);
    }

    fn summary(&self) -> Option<String> {
        let mut s = format!(
            "{} keys, {} of them on another partition than their records had",
            self.keys.len(),
            self.moved.len()
        );
        if self.checked {
            if self.split.is_empty() {
                s.push_str("; checked: every key landed on exactly one partition");
            } else {
                s.push_str(&format!(
                    "; {} keys landed on more than one partition (e.g. {:?} on {:?})",
                    self.split.len(),
                    self.split[0].0.as_deref().map(String::from_utf8_lossy),
                    self.split[0].1
                ));
            }
        }
        Some(s)
    }

    fn finding(&self) -> bool {
        !self.split.is_empty()
    }

    fn target_partitions(&mut self, n: i32) {
        self.target_partitions = n;
    }

    fn landed(&mut self, by_key: &crate::endpoint::kafka::sink::Landed) {
        self.checked = true;
        self.split = by_key.split();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_in_every_format() {
        let s = Val::from("u-1".to_string());
        let n = Val::from(1234isize);
        assert_eq!(encode_key(&s, Encoding::String).unwrap(), b"u-1");
        assert_eq!(encode_key(&s, Encoding::Json).unwrap(), b"\"u-1\"");
        assert_eq!(
            encode_key(&n, Encoding::Int32).unwrap(),
            1234i32.to_be_bytes()
        );
        assert_eq!(
            encode_key(&n, Encoding::Int64).unwrap(),
            1234i64.to_be_bytes()
        );
        assert_eq!(
            encode_key(&Val::from("77".to_string()), Encoding::Int32).unwrap(),
            77i32.to_be_bytes()
        );
        assert!(encode_key(&s, Encoding::Int32).is_err());
        assert!(encode_key(
            &Val::from(1i64 as isize + i32::MAX as isize),
            Encoding::Int32
        )
        .is_err());
        assert!(encode_key(&Val::Null, Encoding::String).is_err());
    }

    fn rec(offset: i64, value: &str) -> Record {
        Record {
            topic: std::sync::Arc::from("t"),
            partition: 0,
            offset,
            origin: crate::record::Origin::Partition,
            timestamp: crate::record::Timestamp::None,
            key: None,
            value: Some(value.as_bytes().to_vec()),
            headers: Vec::new(),
        }
    }

    /// A record whose key fails is sent to the dead letters at once and handed back, not held
    /// until a checkpoint (3.0 GB for `rekey --dry-run` of 3,000 records of 1 MB).
    #[test]
    fn failed_keys_go_to_the_dead_letters_at_once() {
        let expr = Expr::compile(".value.id").unwrap();
        let murmur2 = crate::partition::by_name("murmur2").unwrap();
        let mut stage = Rekey::new(
            KeySource::Expr(expr),
            crate::codec::Codecs::default(),
            NewKey::Plain(Encoding::String),
            murmur2,
            4,
        );
        let dead = DeadLetterBox::counting();
        crate::cmd::replay::ReplayStage::dead_letters(&mut stage, dead.clone());
        let src = crate::endpoint::Chain::new(vec![]);
        let mut report = crate::print::report::Report::new(true);
        let mut out = Vec::new();
        let mut cx = Cx {
            source: &src,
            report: &mut report,
        };
        for (i, v) in [
            r#"{"id":"a"}"#,
            "{}",
            r#"{"id":"b"}"#,
            r#"{"id":"a"}"#,
            "{}",
        ]
        .into_iter()
        .enumerate()
        {
            let back = stage.push(rec(i as i64, v), &mut cx, &mut out);
            assert_eq!(back.is_some(), v == "{}", "{v}");
            assert!(stage.take_error().is_none());
        }
        assert_eq!((dead.sent(), out.len(), report.bad), (2, 3, 2));
        assert_eq!(stage.keys.len(), 2);
        let summary = crate::cmd::replay::ReplayStage::summary(&stage).unwrap();
        assert!(summary.starts_with("2 keys, "), "{summary}");
    }

    #[test]
    fn key_prints_tell_keys_apart() {
        let prints: HashSet<u128> = (0..10_000u32)
            .map(|i| key_print(&i.to_be_bytes()))
            .chain([key_print(b""), key_print(b"\0")])
            .collect();
        assert_eq!(prints.len(), 10_002);
        assert_eq!(key_print(b"k"), key_print(b"k"));
    }
}

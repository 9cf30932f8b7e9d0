//! What a record counts as in `evops stats --by ...`: its event type (as `--type` reads the
//! envelope), a header's value, its key, partition or topic, or the first output of a jq
//! expression over the record's JSON view. Several `--by` make one combined group. Pure.

use crate::codec::project::{project, Trie};
use crate::expr::{Expr, Viewer};
use crate::filter::envelope::Envelope;
use crate::filter::EnvelopeSlots;
use crate::record::Record;

/// The group of a record that has no value for a `--by`: no type, no such header, no key.
pub const NONE: &str = "(none)";

/// One `--by`.
#[derive(Debug)]
pub enum By {
    /// The envelope's event type (`data.type`; CloudEvents: `type`; or `--type-path`).
    Type,
    /// The first value of this header.
    Header(String),
    Key,
    Partition,
    Topic,
    /// The first output of a jq expression, as text.
    Expr(Expr),
}

impl By {
    /// `type`, `header:NAME`, `key`, `partition`, `topic`, or a jq expression.
    pub fn parse(s: &str) -> Result<By, String> {
        Ok(match s {
            "type" => By::Type,
            "key" => By::Key,
            "partition" => By::Partition,
            "topic" => By::Topic,
            _ => match s.strip_prefix("header:") {
                Some("") => return Err("--by header:NAME needs a header name".into()),
                Some(name) => By::Header(name.to_string()),
                None => By::Expr(Expr::compile(s).map_err(|e| {
                    format!("--by '{s}': not type, header:NAME, key, partition or topic, and not a jq expression: {e}")
                })?),
            },
        })
    }

    /// The column name: `type`, `header:producer`, `key`, ..., or the expression's text.
    pub fn name(&self) -> String {
        match self {
            By::Type => "type".into(),
            By::Header(h) => format!("header:{h}"),
            By::Key => "key".into(),
            By::Partition => "partition".into(),
            By::Topic => "topic".into(),
            By::Expr(e) => e.text().to_string(),
        }
    }

    /// Whether the broker's offsets alone answer it (no record need be read).
    pub fn from_offsets(&self) -> bool {
        matches!(self, By::Partition | By::Topic)
    }
}

/// Turns records into their groups, reusing its buffers.
pub struct Grouper {
    bys: Vec<By>,
    envelope: Envelope,
    /// What of the value the envelope reads, leaf by leaf when it can (no glob), else as a
    /// projected tree.
    slots: Option<EnvelopeSlots>,
    trie: Trie,
    viewer: Viewer,
    out: Vec<String>,
}

impl Grouper {
    pub fn new(bys: Vec<By>, envelope: Envelope, codecs: crate::codec::Codecs) -> Grouper {
        let trie = envelope.trie();
        Grouper {
            slots: EnvelopeSlots::new(&envelope),
            out: Vec::with_capacity(bys.len()),
            bys,
            envelope,
            trie,
            viewer: Viewer::new(codecs),
        }
    }

    pub fn names(&self) -> Vec<String> {
        self.bys.iter().map(By::name).collect()
    }

    /// The group of a record; `Err` says why it has none (the expression failed).
    pub fn group(&mut self, r: &Record) -> Result<&[String], String> {
        self.out.clear();
        for by in &self.bys {
            let text = match by {
                By::Type => match self.slots.as_mut() {
                    Some(slots) => slots
                        .event_type(&self.envelope, r.value.as_deref())
                        .unwrap_or(NONE)
                        .to_string(),
                    None => event_type(&self.envelope, &self.trie, r.value.as_deref()),
                },
                By::Header(name) => {
                    r.headers
                        .iter()
                        .find(|h| &h.key == name)
                        .map_or(NONE.to_string(), |h| {
                            String::from_utf8_lossy(h.value.as_deref().unwrap_or_default())
                                .into_owned()
                        })
                }
                By::Key => r.key.as_deref().map_or(NONE.to_string(), |k| {
                    String::from_utf8_lossy(k).into_owned()
                }),
                By::Partition => r.partition.to_string(),
                By::Topic => r.topic.to_string(),
                By::Expr(e) => {
                    let (view, problem) = self.viewer.view(r);
                    if let Some(p) = problem {
                        return Err(p);
                    }
                    e.first_text(view).map_err(|e| format!("--by: {e}"))?
                }
            };
            self.out.push(text);
        }
        Ok(&self.out)
    }
}

/// The event type of a JSON value, or [`NONE`] (not JSON, no type field).
fn event_type(envelope: &Envelope, trie: &Trie, value: Option<&[u8]>) -> String {
    let Some(bytes) = value else {
        return NONE.to_string();
    };
    match project(bytes, trie) {
        Ok(v) => envelope.event_type(&v).unwrap_or(NONE).to_string(),
        Err(_) => NONE.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Header, Timestamp};
    use std::sync::Arc;

    fn rec(value: &str, producer: Option<&str>) -> Record {
        Record {
            topic: Arc::from("views"),
            partition: 4,
            offset: 7,
            timestamp: Timestamp::Create(1),
            key: Some(b"a-1".to_vec()),
            value: Some(value.as_bytes().to_vec()),
            headers: producer
                .map(|p| Header {
                    key: "producer".into(),
                    value: Some(p.as_bytes().to_vec()),
                })
                .into_iter()
                .collect(),
        }
    }

    fn grouper(bys: &[&str]) -> Grouper {
        Grouper::new(
            bys.iter().map(|b| By::parse(b).unwrap()).collect(),
            Envelope {
                type_paths: None,
                id_paths: None,
                mentions: false,
            },
            crate::codec::Codecs::default(),
        )
    }

    #[test]
    fn groups_by_envelope_type_header_key_partition_topic_and_jq() {
        let mut g = grouper(&[
            "type",
            "header:producer",
            "key",
            "partition",
            "topic",
            ".value.meta.host",
        ]);
        let r = rec(
            r#"{"data":{"type":"article_viewed"},"meta":{"host":"h1"}}"#,
            Some("kotlin-api"),
        );
        assert_eq!(
            g.group(&r).unwrap(),
            ["article_viewed", "kotlin-api", "a-1", "4", "views", "h1"]
        );
        let cloud = rec(r#"{"specversion":"1.0","type":"com.x.made"}"#, None);
        assert_eq!(g.group(&cloud).unwrap()[..2], ["com.x.made", NONE]);
        // A glob in an envelope path takes the projected tree: the same answers.
        let mut globbed = Grouper::new(
            vec![By::Type],
            Envelope {
                type_paths: Some(vec![
                    crate::filter::envelope::Path::parse("d*.type").unwrap()
                ]),
                // Not data.id: an exact path shadows a glob beside it in a projection.
                id_paths: Some(vec![
                    crate::filter::envelope::Path::parse("meta.id").unwrap()
                ]),
                mentions: false,
            },
            crate::codec::Codecs::default(),
        );
        assert_eq!(globbed.group(&r).unwrap(), ["article_viewed"]);
        assert!(
            g.group(&rec("not json", None)).is_err(),
            "jq cannot index text"
        );
        assert_eq!(
            grouper(&["type"]).group(&rec("not json", None)).unwrap(),
            [NONE]
        );
        assert_eq!(
            g.names(),
            [
                "type",
                "header:producer",
                "key",
                "partition",
                "topic",
                ".value.meta.host"
            ]
        );
    }

    #[test]
    fn a_failing_expression_is_a_reason_not_a_group() {
        let mut g = grouper(&[".value | error(\"no\")"]);
        assert!(g.group(&rec("{}", None)).is_err());
        assert!(By::parse("header:").is_err());
        assert!(By::parse("((").is_err());
        assert!(By::parse("topic").unwrap().from_offsets());
        assert!(!By::parse("type").unwrap().from_offsets());
    }
}

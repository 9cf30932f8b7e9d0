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
    /// Whether grouping by this reads a record's headers.
    pub fn reads_headers(&self) -> bool {
        match self {
            By::Header(_) => true,
            By::Expr(e) => crate::expr::needs::reads_headers(e.text(), true),
            By::Type | By::Key | By::Partition | By::Topic => false,
        }
    }

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

/// What the `--by`s other than headers and jq read of a record: enough to group it on another
/// thread from a copy (see [`crate::stats::handoff`]).
#[derive(Debug, Clone, Copy)]
pub struct Fields<'a> {
    pub topic: &'a str,
    pub partition: i32,
    pub key: Option<&'a [u8]>,
    pub value: Option<&'a [u8]>,
}

impl<'a> Fields<'a> {
    pub fn of(r: &'a Record) -> Fields<'a> {
        Fields {
            topic: &r.topic,
            partition: r.partition,
            key: r.key.as_deref(),
            value: r.value.as_deref(),
        }
    }
}

/// Turns records into their groups, reusing its buffers.
pub struct Grouper {
    bys: Vec<By>,
    types: EventTypes,
    viewer: Viewer,
    /// One text per `--by`, overwritten record after record (no allocation once warm).
    out: Vec<String>,
}

impl Grouper {
    pub fn new(bys: Vec<By>, envelope: Envelope, codecs: crate::codec::Codecs) -> Grouper {
        Grouper {
            types: EventTypes::new(envelope),
            out: vec![String::new(); bys.len()],
            bys,
            viewer: Viewer::new(codecs),
        }
    }

    pub fn names(&self) -> Vec<String> {
        self.bys.iter().map(By::name).collect()
    }

    /// The `--by`s as a [`FieldGrouper`], when every one reads only [`Fields`] (no header, no
    /// jq expression).
    pub fn fields_only(&self) -> Option<FieldGrouper> {
        let kinds: Option<Vec<Kind>> = self.bys.iter().map(Kind::of).collect();
        Some(FieldGrouper {
            out: vec![String::new(); self.bys.len()],
            kinds: kinds?,
            types: EventTypes::new(self.types.envelope.clone()),
        })
    }

    /// The group of a record; `Err` says why it has none (the expression failed).
    pub fn group(&mut self, r: &Record) -> Result<&[String], String> {
        for (by, out) in self.bys.iter().zip(self.out.iter_mut()) {
            match by {
                By::Header(name) => {
                    out.clear();
                    match r.headers.iter().find(|h| &h.key == name) {
                        Some(h) => bytes_text(h.value.as_deref().unwrap_or_default(), out),
                        None => out.push_str(NONE),
                    }
                }
                By::Expr(e) => {
                    let (view, problem) = self.viewer.view(r);
                    if let Some(p) = problem {
                        return Err(p);
                    }
                    let text = e.first_text(view).map_err(|e| format!("--by: {e}"))?;
                    out.clear();
                    out.push_str(&text);
                }
                _ => {
                    let kind = Kind::of(by).expect("neither a header nor an expression");
                    field(kind, Fields::of(r), &mut self.types, out);
                }
            }
            shorten(out);
        }
        Ok(&self.out)
    }
}

/// A `--by` that reads only [`Fields`].
#[derive(Debug, Clone, Copy)]
enum Kind {
    Type,
    Key,
    Partition,
    Topic,
}

impl Kind {
    fn of(by: &By) -> Option<Kind> {
        match by {
            By::Type => Some(Kind::Type),
            By::Key => Some(Kind::Key),
            By::Partition => Some(Kind::Partition),
            By::Topic => Some(Kind::Topic),
            By::Header(_) | By::Expr(_) => None,
        }
    }
}

/// Groups by [`Fields`] alone; unlike a [`Grouper`] (whose jq may not leave its thread), it
/// can count on another thread.
pub struct FieldGrouper {
    kinds: Vec<Kind>,
    types: EventTypes,
    out: Vec<String>,
}

impl FieldGrouper {
    pub fn group(&mut self, f: Fields) -> &[String] {
        for (kind, out) in self.kinds.iter().zip(self.out.iter_mut()) {
            field(*kind, f, &mut self.types, out);
            shorten(out);
        }
        &self.out
    }

    /// Whether [`FieldGrouper::key`] can answer for every record (not where the event type is
    /// read from the projected tree or through a type path covered by a shorter one).
    pub fn has_keys(&self) -> bool {
        !self.kinds.iter().any(|k| matches!(k, Kind::Type))
            || self
                .types
                .slots
                .as_ref()
                .is_some_and(EnvelopeSlots::spells_types)
    }

    /// Write into `out` bytes that stand for the record's group, cheaper to get than the group
    /// itself (the type's JSON text as spelled, not unescaped into a new string): records with
    /// the same bytes have the same group (several spellings may share one). `false` when
    /// only [`FieldGrouper::group`] can say.
    pub fn key(&mut self, f: Fields, out: &mut Vec<u8>) -> bool {
        out.clear();
        for kind in &self.kinds {
            let part = match kind {
                Kind::Type => match self.types.text(f.value) {
                    Some(text) => text,
                    None => return false,
                },
                Kind::Key => f.key,
                Kind::Partition => {
                    out.extend_from_slice(&f.partition.to_le_bytes());
                    continue;
                }
                Kind::Topic => Some(f.topic.as_bytes()),
            };
            // Each part with its length (or none), so that parts cannot run into each other.
            match part {
                Some(b) => {
                    out.extend_from_slice(&(b.len() as u64).to_le_bytes());
                    out.extend_from_slice(b);
                }
                None => out.extend_from_slice(&u64::MAX.to_le_bytes()),
            }
        }
        true
    }
}

/// Write the text of one `--by` that reads only [`Fields`] into `out`.
fn field(kind: Kind, f: Fields, types: &mut EventTypes, out: &mut String) {
    out.clear();
    match kind {
        Kind::Type => types.write(f.value, out),
        Kind::Key => match f.key {
            Some(k) => bytes_text(k, out),
            None => out.push_str(NONE),
        },
        Kind::Partition => {
            use std::fmt::Write;
            let _ = write!(out, "{}", f.partition);
        }
        Kind::Topic => out.push_str(f.topic),
    }
}

/// Group texts longer than this are cut: each group keeps its text and every row prints it, and
/// a key, a header or a jq output may be megabytes.
pub const MAX_TEXT: usize = 1024;

/// Cut a group text longer than [`MAX_TEXT`] to its start, then `…`, its length and a
/// fingerprint of the whole (its murmur2 and crc32, as the partition audit keys keys): long
/// texts that differ stay different groups unless both hashes agree.
fn shorten(out: &mut String) {
    use std::fmt::Write;
    if out.len() <= MAX_TEXT {
        return;
    }
    let print = crate::fingerprint::short_print(out.as_bytes());
    let len = out.len();
    out.truncate(crate::text::floor_boundary(out, MAX_TEXT - 48));
    let _ = write!(out, "…({len} bytes, #{print:016x})");
}

/// A key's or header value's group text: the text itself when it is UTF-8, else `base64:`
/// and its base64 (as a capture line gives such bytes), so that distinct bytes are never one
/// group (a lossy decoding made every invalid byte the same replacement character).
fn bytes_text(b: &[u8], out: &mut String) {
    match std::str::from_utf8(b) {
        Ok(text) => out.push_str(text),
        Err(_) => {
            use base64::Engine;
            out.push_str(BASE64);
            base64::engine::general_purpose::STANDARD.encode_string(b, out);
        }
    }
}

/// The prefix of a group text made of bytes that are not UTF-8.
const BASE64: &str = "base64:";

/// The envelope's event type of values: read leaf by leaf when it can be (no glob in a type
/// path), else from the projected tree.
struct EventTypes {
    envelope: Envelope,
    slots: Option<EnvelopeSlots>,
    trie: Trie,
}

impl EventTypes {
    fn new(envelope: Envelope) -> EventTypes {
        EventTypes {
            slots: EnvelopeSlots::new(&envelope, false),
            trie: envelope.trie(),
            envelope,
        }
    }

    /// The event type's JSON text as spelled (`Some(None)`: it has none); `None` when only
    /// [`EventTypes::write`] can say.
    fn text<'v>(&mut self, value: Option<&'v [u8]>) -> Option<Option<&'v [u8]>> {
        self.slots.as_mut()?.type_text(value)
    }

    /// Write the event type of a value, or [`NONE`] (not JSON, no type field), into `out`.
    fn write(&mut self, value: Option<&[u8]>, out: &mut String) {
        if let Some(slots) = self.slots.as_mut() {
            // A value that is not JSON has no type, as a missing one.
            let _ = slots.read(value);
            out.push_str(slots.event_type().unwrap_or(NONE));
            return;
        }
        let tree = value.and_then(|b| project(b, &self.trie).ok());
        out.push_str(
            tree.as_ref()
                .and_then(|v| self.envelope.event_type(v))
                .unwrap_or(NONE),
        );
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
            origin: crate::record::Origin::Partition,
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
                // The default id paths (data.id) beside the glob, which once shadowed it.
                id_paths: None,
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

    /// The leaf-by-leaf type reader answers what the projected tree answers, whatever the value.
    #[test]
    fn the_type_reader_agrees_with_the_projected_tree() {
        let values = [
            r#"{"data":{"type":"a","id":"x"},"meta":{}}"#,
            r#"{"specversion":"1.0","type":"c","data":{"type":"inner"}}"#,
            r#"{"type":"c","data":{"type":"inner"},"specversion":"1.0"}"#,
            r#"{"specversion":1,"type":"c","data":{"type":"plain"}}"#,
            r#"{"data":{"type":7}}"#,
            r#"{"data":null}"#,
            r#"{"data":"text"}"#,
            r#"{"data":{"type":"a"}} trailing"#,
            r"[1,2]",
            "not json",
            "",
            r#"{"data":{"type":"caf\u00e9 \"q\""}}"#,
            r#"{"specversion":"1.0","type":"c\/d"}"#,
            r#"{"data":{"type":"a"},"meta":{"n":1e400}}"#,
            r#"{"data":{"type":"a"},"meta":"tab	here"}"#,
            r#"{"meta":{"kind":"k"},"data":{"type":"a"}}"#,
            r#"{"meta":{"kind":{"x":1}}}"#,
        ];
        let custom = Envelope {
            type_paths: Some(vec![
                crate::filter::envelope::Path::parse("meta.kind").unwrap(),
                crate::filter::envelope::Path::parse("meta").unwrap(),
            ]),
            id_paths: None,
            mentions: false,
        };
        for envelope in [grouper(&["type"]).types.envelope, custom] {
            // The reference: the same envelope read from the projected tree only.
            let mut tree = EventTypes::new(envelope.clone());
            tree.slots = None;
            let mut g = Grouper::new(vec![By::Type], envelope, crate::codec::Codecs::default());
            assert!(g.types.slots.is_some());
            for v in values {
                let mut want = String::new();
                tree.write(Some(v.as_bytes()), &mut want);
                assert_eq!(g.group(&rec(v, None)).unwrap(), [want], "{v}");
            }
        }
    }

    /// Records with the same group bytes have the same group (the memo of the counting thread
    /// counts on it), the type's bytes being its text as spelled; where a type path is covered
    /// by a shorter one, the bytes are not asked for.
    #[test]
    fn the_same_group_bytes_are_the_same_group() {
        let values = [
            r#"{"data":{"type":"a","id":"x"}}"#,
            r#"{"data":{"type":"\u0061"}}"#,
            r#"{"data":{"type":"b"}}"#,
            r#"{"specversion":"1.0","type":"a"}"#,
            r#"{"specversion":"1.0","type":"b","data":{"type":"a"}}"#,
            r#"{"data":{"type":7}}"#,
            r#"{"data":{"type":"(none)"}}"#,
            r#"{"data":{"type":"a"}} trailing"#,
            "not json",
            "",
        ];
        let keys = [None, Some(&b""[..]), Some(b"k"), Some(b"\xff")];
        for bys in [
            &["type"][..],
            &["type", "key"],
            &["key", "partition", "topic"],
        ] {
            let mut g = grouper(bys).fields_only().unwrap();
            let mut seen: Vec<(Vec<u8>, Vec<String>)> = Vec::new();
            for (i, v) in values.iter().enumerate() {
                for key in keys {
                    let mut r = rec(v, None);
                    r.key = key.map(<[u8]>::to_vec);
                    r.partition = (i % 2) as i32;
                    let mut bytes = Vec::new();
                    assert!(g.key(Fields::of(&r), &mut bytes), "{v}");
                    let group = g.group(Fields::of(&r)).to_vec();
                    for (b, want) in &seen {
                        if *b == bytes {
                            assert_eq!(&group, want, "{v} {key:?}");
                        }
                    }
                    seen.push((bytes, group));
                }
            }
            // Distinct groups never share bytes, and spellings of one type may not.
            let groups: std::collections::BTreeSet<_> = seen.iter().map(|s| &s.1).collect();
            let bytes: std::collections::BTreeSet<_> = seen.iter().map(|s| &s.0).collect();
            assert!(bytes.len() >= groups.len());
        }
        let mut g = grouper(&["type"]).fields_only().unwrap();
        let one = |g: &mut FieldGrouper, v: &str| {
            let mut b = Vec::new();
            assert!(g.key(Fields::of(&rec(v, None)), &mut b));
            b
        };
        // Not JSON, no type and a type that is not a string all read as no type.
        let none = one(&mut g, "not json");
        assert_eq!(one(&mut g, r#"{"data":{"type":7}}"#), none);
        assert_eq!(one(&mut g, r#"{"data":{}}"#), none);
        assert_ne!(one(&mut g, r#"{"data":{"type":"a"}}"#), none);
        let covered = Envelope {
            type_paths: Some(vec![
                crate::filter::envelope::Path::parse("meta.kind").unwrap(),
                crate::filter::envelope::Path::parse("meta").unwrap(),
            ]),
            id_paths: None,
            mentions: false,
        };
        let mut g = Grouper::new(vec![By::Type], covered, crate::codec::Codecs::default())
            .fields_only()
            .unwrap();
        let r = rec(r#"{"meta":{"kind":"k"}}"#, None);
        assert!(!g.has_keys());
        assert!(grouper(&["type", "key"]).fields_only().unwrap().has_keys());
        assert!(!g.key(Fields::of(&r), &mut Vec::new()));
        assert_eq!(g.group(Fields::of(&r)), ["k"]);
    }

    /// Keys and header values that are not UTF-8 are distinct groups (regression, sweep 6:
    /// `\xff`, `\xfe` and `\xc3` were one replacement character); on both grouping paths.
    #[test]
    fn bytes_that_are_not_utf8_keep_their_groups_apart() {
        let mut g = grouper(&["key", "header:producer"]);
        let mut by_key = grouper(&["key"]).fields_only().unwrap();
        let mut texts = std::collections::BTreeSet::new();
        for b in [&b"\xff"[..], b"\xfe", b"\xc3", b"\xc3\xa9", b"base64:"] {
            let mut r = rec("{}", None);
            r.key = Some(b.to_vec());
            r.headers = vec![Header {
                key: "producer".into(),
                value: Some(b.to_vec()),
            }];
            let group = g.group(&r).unwrap().to_vec();
            assert_eq!(group[0], group[1]);
            texts.insert(group[0].clone());
            assert_eq!(by_key.group(Fields::of(&r)), &group[..1]);
        }
        assert_eq!(
            texts.into_iter().collect::<Vec<_>>(),
            ["base64:", "base64:/g==", "base64:/w==", "base64:ww==", "é"]
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

    #[test]
    fn long_texts_are_cut_on_a_character_with_a_fingerprint_of_the_whole() {
        let mut short = "x".repeat(MAX_TEXT);
        shorten(&mut short);
        assert_eq!(short, "x".repeat(MAX_TEXT));
        let cut = |s: &str| {
            let mut s = s.to_string();
            shorten(&mut s);
            s
        };
        let a = cut(&("é".repeat(2000) + "a"));
        let b = cut(&("é".repeat(2000) + "b"));
        assert_ne!(a, b);
        for s in [&a, &b] {
            assert!(s.len() <= MAX_TEXT, "{}", s.len());
            assert!(s.starts_with("éé") && s.contains("…(4001 bytes, #"), "{s}");
        }
        assert_eq!(
            a,
            cut(&("é".repeat(2000) + "a")),
            "the same text, the same cut"
        );
    }
}

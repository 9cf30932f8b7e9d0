//! Filters: which records go on. A filter is the user's jq expression (see [`crate::expr`])
//! and/or shortcuts for the everyday questions: `--key`, `--header name[=value]`, `--grep`,
//! `--grep-key`, `--type`, `--id` (envelope-aware, see [`envelope`]). All given conditions must
//! hold; a repeated shortcut matches any of its values. Each shortcut means exactly what a jq
//! form means ([`Spec::jq`], pinned by tests); shortcuts are evaluated natively, cheapest first,
//! so that the common case never builds a JSON tree. A record the filter cannot judge (its
//! value does not decode as asked, or the expression fails on it) is reported with its
//! location, counted, and left out; the stream goes on.

pub mod envelope;

pub use crate::stage::filter::Filter;

use std::collections::BTreeMap;

use regex::bytes::Regex;
use serde_json::Value;

use crate::codec::scan::Doc;
use crate::expr::Expr;
use envelope::Envelope;

/// `--header NAME` (present) or `--header NAME=VALUE` (a header with that exact value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderMatch {
    pub name: String,
    pub value: Option<Vec<u8>>,
}

impl HeaderMatch {
    pub fn parse(s: &str) -> Result<HeaderMatch, String> {
        let (name, value) = match s.split_once('=') {
            Some((n, v)) => (n, Some(v.as_bytes().to_vec())),
            None => (s, None),
        };
        if name.is_empty() {
            return Err(format!(
                "'{s}' is not a header condition: NAME or NAME=VALUE"
            ));
        }
        Ok(HeaderMatch {
            name: name.to_string(),
            value,
        })
    }
}

/// What to keep, as given on the command line.
#[derive(Debug, Default)]
pub struct Spec {
    pub expr: Option<Expr>,
    /// Exact key bytes (any of).
    pub keys: Vec<Vec<u8>>,
    /// Every one must hold.
    pub headers: Vec<HeaderMatch>,
    /// On the raw value bytes.
    pub grep: Option<Regex>,
    /// On the raw key bytes.
    pub grep_key: Option<Regex>,
    /// Event types (any of).
    pub types: Vec<String>,
    /// Event ids (any of).
    pub ids: Vec<String>,
    /// With `ids`: a record whose key is one of them matches too (`trace`).
    pub id_in_key: bool,
    pub envelope: Option<Envelope>,
}

impl Spec {
    /// Whether a record's headers can decide: a `--header` condition, or an expression that
    /// reads `.headers` (or that cannot be analysed).
    pub fn reads_headers(&self) -> bool {
        !self.headers.is_empty()
            || self
                .expr
                .as_ref()
                .is_some_and(|e| crate::expr::needs::reads_headers(e.text(), false))
    }

    /// Whether anything is asked at all.
    pub fn is_empty(&self) -> bool {
        self.expr.is_none()
            && self.keys.is_empty()
            && self.headers.is_empty()
            && self.grep.is_none()
            && self.grep_key.is_none()
            && self.types.is_empty()
            && self.ids.is_empty()
    }

    pub(crate) fn envelope(&self) -> Envelope {
        self.envelope.clone().unwrap_or(Envelope {
            type_paths: None,
            id_paths: None,
            mentions: false,
        })
    }

    /// The jq program that keeps the same records as the shortcuts (for the house envelope
    /// with default paths; `--grep` sees JSON values re-serialized by jq, so it is the same
    /// only for compact JSON and text). Shown by `--explain`.
    pub fn jq(&self) -> String {
        let q = quote;
        let mut all = Vec::new();
        if !self.keys.is_empty() {
            let any = each_quoted(&self.keys, |k| format!(".key == {k}"));
            all.push(format!("({})", any.join(" or ")));
        }
        for h in &self.headers {
            all.push(match &h.value {
                None => format!(".headers | has({})", q(h.name.as_bytes())),
                Some(v) => format!(
                    "(.headers[{}] | if type == \"array\" then any(.[]; . == {v}) else . == {v} end)",
                    q(h.name.as_bytes()),
                    v = q(v)
                ),
            });
        }
        if let Some(re) = &self.grep {
            all.push(format!(
                "(.value | if type == \"string\" then . elif . == null then \"\" else tojson end | test({}))",
                q(re.as_str().as_bytes())
            ));
        }
        if let Some(re) = &self.grep_key {
            all.push(format!(
                "(.key | if type == \"string\" then . elif . == null then \"\" else tojson end | test({}))",
                q(re.as_str().as_bytes())
            ));
        }
        if !self.types.is_empty() {
            let any = each_quoted(&self.types, |t| format!(".value.data?.type? == {t}"));
            all.push(format!("({})", any.join(" or ")));
        }
        if !self.ids.is_empty() {
            let list = each_quoted(&self.ids, |i| format!(". == {i}"));
            let mut places = vec![".value.data?.id?", ".value.data?.attributes?.id?"];
            if self.id_in_key {
                places.insert(0, ".key");
            }
            all.push(format!(
                "any(({}) | select(. != null) | tostring; {})",
                places.join(", "),
                list.join(" or ")
            ));
        }
        if let Some(e) = &self.expr {
            all.push(format!("({})", e.text()));
        }
        if all.is_empty() {
            "true".into()
        } else {
            all.join(" and ")
        }
    }
}

/// The filter counts, for the closing line and `--count`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub seen: u64,
    pub matched: u64,
    /// Records the filter could not judge: undecodable, or the expression failed.
    pub unjudged: u64,
}

/// Matches per topic, event type and partition (`--stats`).
pub type Stats = BTreeMap<(String, String, i32), u64>;

/// The envelope's paths read leaf by leaf (no glob in any path): what `--type`, `--id`,
/// `--stats` and `stats --by type` read of a value, without building a tree. Planned once; a
/// record costs one validating pass over its value ([`crate::codec::scan`]'s spans) and no
/// allocation: the type is copied into a kept buffer, and the id fields (walked only when an
/// `--id` asks for them) are parsed on their own.
pub struct EnvelopeSlots {
    plan: crate::codec::slots::Plan,
    /// `specversion`: whether the event is a CloudEvent.
    spec: Answer,
    /// The type paths: plain, then CloudEvents.
    types: [Vec<Answer>; 2],
    /// The id paths (none unless asked for): plain, then CloudEvents.
    ids: [Vec<Answer>; 2],
    spans: Vec<crate::codec::slots::Reach<std::ops::Range<usize>>>,
    /// The last read value's event type, when it has one (`typed`), in a buffer kept.
    ty: String,
    typed: bool,
    /// The last read value's id fields.
    id_values: Vec<Value>,
}

/// Where a path's value is found: its slot's leaf, walked down the names the slot does not
/// cover (a shorter path asked for too covers a longer one).
struct Answer {
    names: Vec<String>,
    slot: usize,
    used: usize,
}

impl EnvelopeSlots {
    /// The plan for an envelope's type paths, and its id paths when `ids`; `None` when a path
    /// has a `*` glob.
    pub fn new(envelope: &Envelope, ids: bool) -> Option<EnvelopeSlots> {
        if envelope.has_globs() {
            return None;
        }
        let id_paths = |cloud| {
            if ids {
                envelope.id_paths(cloud)
            } else {
                Vec::new()
            }
        };
        let groups = [
            vec![envelope::Path(vec!["specversion".into()])],
            envelope.type_paths(false),
            envelope.type_paths(true),
            id_paths(false),
            id_paths(true),
        ];
        let names: Vec<Vec<String>> = groups.iter().flatten().map(|p| p.0.clone()).collect();
        let (plan, answers) = crate::codec::slots::Plan::new(&names);
        let mut answers = names
            .into_iter()
            .zip(answers)
            .map(|(names, (slot, used))| Answer { names, slot, used });
        let mut take = |n: usize| answers.by_ref().take(n).collect::<Vec<_>>();
        let [spec, plain_types, cloud_types, plain_ids, cloud_ids] = groups.map(|g| take(g.len()));
        Some(EnvelopeSlots {
            plan,
            spec: spec.into_iter().next().expect("specversion is planned"),
            types: [plain_types, cloud_types],
            ids: [plain_ids, cloud_ids],
            spans: Vec::new(),
            ty: String::new(),
            typed: false,
            id_values: Vec::new(),
        })
    }

    /// Read a value; `Err` when it is not JSON (then, as for a missing value or a non-object,
    /// nothing is found, as the tree walk finds nothing).
    pub(crate) fn read(&mut self, value: Option<&[u8]>) -> Result<(), ()> {
        self.typed = false;
        self.id_values.clear();
        let Some(b) = value else {
            return Ok(());
        };
        let doc = crate::codec::scan::fill(b, &self.plan, &mut self.spans).map_err(|_| ())?;
        // A CloudEvent says `specversion` as a string (what `envelope::is_cloud` asks).
        let kind = usize::from(self.string_at(doc, &self.spec).is_some());
        if let Some(t) = self.types[kind].iter().find_map(|a| self.string_at(doc, a)) {
            self.ty.clear();
            self.ty.push_str(&t);
            self.typed = true;
        }
        for a in &self.ids[kind] {
            if let Some(v) = self.value_at(doc, a) {
                self.id_values.push(v);
            }
        }
        Ok(())
    }

    /// The JSON text of a value's event type as it is spelled (quotes and escapes included),
    /// read without copying it: `Some(None)` when it has none (not JSON, no type, not a
    /// string), `None` when only [`EnvelopeSlots::read`] can say (a type path covered by a
    /// shorter one). Two values with the same text have the same type.
    pub(crate) fn type_text<'t>(&mut self, value: Option<&'t [u8]>) -> Option<Option<&'t [u8]>> {
        let Some(b) = value else {
            return Some(None);
        };
        let Ok(doc) = crate::codec::scan::fill(b, &self.plan, &mut self.spans) else {
            return Some(None);
        };
        let kind = usize::from(self.string_at(doc, &self.spec).is_some());
        for a in &self.types[kind] {
            if a.used != a.names.len() {
                return None;
            }
            // A string leaf is the type (the walk checked its escapes); another leaf is not.
            match self.spans.get(a.slot)? {
                crate::codec::slots::Reach::Leaf(r) if b[r.start] == b'"' => {
                    return Some(Some(&b[r.clone()]));
                }
                _ => {}
            }
        }
        Some(None)
    }

    /// Whether [`EnvelopeSlots::type_text`] can answer: no type path is covered by a shorter one.
    pub(crate) fn spells_types(&self) -> bool {
        self.types.iter().flatten().all(|a| a.used == a.names.len())
    }

    /// The JSON text a path's slot ended at in `doc` (the value being read).
    fn leaf<'t>(&self, doc: Doc<'t>, a: &Answer) -> Option<&'t str> {
        match self.spans.get(a.slot)? {
            crate::codec::slots::Reach::Leaf(r) => Some(doc.text(r.clone())),
            _ => None,
        }
    }

    /// The value at a path, parsed.
    fn value_at(&self, doc: Doc, a: &Answer) -> Option<Value> {
        let v: Value = serde_json::from_str(self.leaf(doc, a)?).ok()?;
        a.names[a.used..]
            .iter()
            .try_fold(&v, |v, name| v.get(name))
            .cloned()
    }

    /// The string at a path, when a string is there: borrowed from `doc` when it has no
    /// escapes and the path ends at its slot (the usual case).
    fn string_at<'t>(&self, doc: Doc<'t>, a: &Answer) -> Option<std::borrow::Cow<'t, str>> {
        if a.used == a.names.len() {
            return crate::codec::scan::string(self.leaf(doc, a)?);
        }
        match self.value_at(doc, a)? {
            Value::String(s) => Some(s.into()),
            _ => None,
        }
    }

    /// The event type of the last read value (the first string at a type path).
    pub fn event_type(&self) -> Option<&str> {
        self.typed.then_some(self.ty.as_str())
    }

    /// Whether an id field of the last read value equals one of `ids` (see
    /// [`envelope::same`]); always false unless the plan has the id paths.
    pub fn has_id(&self, ids: &[String]) -> bool {
        self.id_values
            .iter()
            .any(|f| ids.iter().any(|id| envelope::same(f, id)))
    }
}

/// Bytes as a jq string literal (lossy UTF-8).
fn quote(s: &[u8]) -> String {
    // A string always serializes.
    serde_json::to_string(&String::from_utf8_lossy(s)).expect("JSON")
}

/// One jq clause per listed value, given the value as a jq string literal.
fn each_quoted<T: AsRef<[u8]>>(list: &[T], clause: impl Fn(String) -> String) -> Vec<String> {
    list.iter().map(|v| clause(quote(v.as_ref()))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{Codecs, Encoding};
    use crate::pipeline::{Cx, Stage};
    use crate::print::report::Report;
    use crate::record::Record;
    use crate::record::{Header, Timestamp};
    use std::sync::Arc;

    fn rec(
        i: i64,
        key: Option<&str>,
        value: Option<&str>,
        headers: &[(&str, Option<&str>)],
    ) -> Record {
        Record {
            topic: Arc::from("articles"),
            partition: (i % 3) as i32,
            offset: i,
            origin: crate::record::Origin::Partition,
            timestamp: Timestamp::Create(1_700_000_000_000 + i),
            key: key.map(|k| k.as_bytes().to_vec()),
            value: value.map(|v| v.as_bytes().to_vec()),
            headers: headers
                .iter()
                .map(|(k, v)| Header {
                    key: k.to_string(),
                    value: v.map(|v| v.as_bytes().to_vec()),
                })
                .collect(),
        }
    }

    /// Records that exercise every corner: envelopes, missing fields, null versus "null",
    /// tombstones, non-JSON text, repeated and null headers, numeric ids.
    fn corpus() -> Vec<Record> {
        let vals: &[Option<&str>] = &[
            Some(
                r#"{"data":{"id":"a-1","type":"article_published","attributes":{"user_id":"u-1","id":"x-9"}}}"#,
            ),
            Some(r#"{"data":{"id":"a-2","type":"article_edited"}}"#),
            Some(r#"{"data":{"id":1234,"type":"user_registered"}}"#),
            Some(r#"{"data":{"type":null}}"#),
            Some(r#"{"data":"null"}"#),
            Some("null"),
            Some(""),
            None,
            Some("plain text with article_published inside"),
            Some(r"[1,2,3]"),
            Some(r#"{"meta":{"host":"h1"}}"#),
        ];
        let keys: &[Option<&str>] = &[Some("a-1"), Some("u-1"), None, Some(""), Some("1234")];
        let headers: &[&[(&str, Option<&str>)]] = &[
            &[],
            &[("producer", Some("kotlin-api"))],
            &[("producer", Some("node")), ("producer", Some("kotlin-api"))],
            &[("producer", None), ("trace", Some("t1"))],
        ];
        let mut out = Vec::new();
        let mut i = 0;
        for v in vals {
            for k in keys {
                for h in headers {
                    out.push(rec(i, *k, *v, h));
                    i += 1;
                }
            }
        }
        out
    }

    fn run(spec: Spec, records: &[Record]) -> Vec<i64> {
        let mut f = Filter::new(spec, Codecs::default(), false);
        let mut report = Report::new(true);
        let src = crate::endpoint::Chain::new(vec![]);
        let mut out = Vec::new();
        for r in records {
            let mut cx = Cx {
                source: &src,
                report: &mut report,
            };
            f.push(r.clone(), &mut cx, &mut out);
        }
        out.iter().map(|r| r.offset).collect()
    }

    /// The shortcut and its jq form keep exactly the same records.
    fn same_as_jq(spec: Spec) -> Vec<i64> {
        let c = corpus();
        let jq = spec.jq();
        let native = run(spec, &c);
        let via_jq = run(
            Spec {
                expr: Some(Expr::compile(&jq).unwrap_or_else(|e| panic!("{jq}: {e}"))),
                ..Spec::default()
            },
            &c,
        );
        assert_eq!(native, via_jq, "{jq}");
        native
    }

    #[test]
    fn key_shortcut() {
        let hits = same_as_jq(Spec {
            keys: vec![b"u-1".to_vec(), b"".to_vec()],
            ..Spec::default()
        });
        assert_eq!(hits.len(), corpus().len() * 2 / 5);
    }

    #[test]
    fn header_shortcuts() {
        let n = same_as_jq(Spec {
            headers: vec![HeaderMatch::parse("producer=kotlin-api").unwrap()],
            ..Spec::default()
        });
        assert_eq!(n.len(), corpus().len() / 2);
        let n = same_as_jq(Spec {
            headers: vec![HeaderMatch::parse("trace").unwrap()],
            ..Spec::default()
        });
        assert_eq!(n.len(), corpus().len() / 4);
        assert!(HeaderMatch::parse("=x").is_err());
    }

    #[test]
    fn grep_shortcuts() {
        let n = same_as_jq(Spec {
            grep: Some(Regex::new("article_(published|edited)").unwrap()),
            ..Spec::default()
        });
        assert_eq!(n.len(), corpus().len() * 3 / 11);
        let n = same_as_jq(Spec {
            grep_key: Some(Regex::new("^[0-9]+$").unwrap()),
            ..Spec::default()
        });
        assert_eq!(n.len(), corpus().len() / 5);
    }

    #[test]
    fn type_and_id_shortcuts() {
        let n = same_as_jq(Spec {
            types: vec!["article_published".into(), "user_registered".into()],
            ..Spec::default()
        });
        assert_eq!(n.len(), corpus().len() * 2 / 11);
        let n = same_as_jq(Spec {
            ids: vec!["1234".into(), "x-9".into()],
            ..Spec::default()
        });
        assert_eq!(n.len(), corpus().len() * 2 / 11);
        let n = same_as_jq(Spec {
            ids: vec!["1234".into()],
            id_in_key: true,
            ..Spec::default()
        });
        // Value id 1234 (one value in eleven), or key "1234" (one key in five) on the others.
        assert_eq!(n.len(), corpus().len() / 11 + corpus().len() * 10 / 11 / 5);
    }

    /// `--type` and `--id` read leaf by leaf find what the tree walk finds, for every envelope
    /// kind (house, CloudEvents, configured paths where one covers another) and every value;
    /// a plan without the id paths finds no id.
    #[test]
    fn the_leaf_reader_agrees_with_the_tree_walk() {
        let values = [
            r#"{"data":{"type":"a","id":"x","attributes":{"id":7}},"meta":{"kind":"k"}}"#,
            r#"{"specversion":"1.0","type":"c","id":"e-1","data":{"type":"inner","id":"x"}}"#,
            r#"{"type":"c","id":"e-1","data":{"type":"inner"},"specversion":"1.0"}"#,
            r#"{"specversion":1,"type":"c","data":{"type":"plain","id":1234}}"#,
            r#"{"data":{"type":7,"attributes":{"id":"x"}}}"#,
            r#"{"data":null,"meta":"k"}"#,
            r#"{"data":"text"}"#,
            r#"{"data":{"type":"a"}} trailing"#,
            r"[1,2]",
            "not json",
            "",
        ];
        let ids = ["x".to_string(), "7".into(), "e-1".into(), "1234".into()];
        let configured = Envelope {
            type_paths: Some(vec![
                envelope::Path::parse("meta.kind").unwrap(),
                envelope::Path::parse("meta").unwrap(),
            ]),
            id_paths: Some(vec![envelope::Path::parse("data.attributes.id").unwrap()]),
            mentions: false,
        };
        let house = Spec::default().envelope();
        for env in [house, configured] {
            let mut slots = EnvelopeSlots::new(&env, true).unwrap();
            let mut types_only = EnvelopeSlots::new(&env, false).unwrap();
            for v in values {
                let tree = serde_json::from_str(v).unwrap_or(Value::Null);
                let _ = slots.read(Some(v.as_bytes()));
                let _ = types_only.read(Some(v.as_bytes()));
                assert_eq!(slots.event_type(), env.event_type(&tree), "{v}");
                assert_eq!(types_only.event_type(), env.event_type(&tree), "{v}");
                for id in &ids {
                    let want = env.has_id(&tree, std::slice::from_ref(id));
                    assert_eq!(slots.has_id(std::slice::from_ref(id)), want, "{v} {id}");
                }
                assert!(!types_only.has_id(&ids));
            }
        }
    }

    #[test]
    fn shortcuts_combine_with_and() {
        let n = same_as_jq(Spec {
            types: vec!["article_published".into()],
            keys: vec![b"a-1".to_vec()],
            headers: vec![HeaderMatch::parse("producer=kotlin-api").unwrap()],
            expr: Some(Expr::compile(".partition != 1").unwrap()),
            ..Spec::default()
        });
        assert!(!n.is_empty());
    }

    #[test]
    fn expression_errors_are_counted_and_reported_and_the_stream_goes_on() {
        let c = corpus();
        let mut f = Filter::new(
            Spec {
                expr: Some(Expr::compile(".value.data.type == \"article_edited\"").unwrap()),
                ..Spec::default()
            },
            Codecs::default(),
            false,
        );
        let mut report = Report::new(true);
        let src = crate::endpoint::Chain::new(vec![]);
        let mut out = Vec::new();
        for r in &c {
            f.push(
                r.clone(),
                &mut Cx {
                    source: &src,
                    report: &mut report,
                },
                &mut out,
            );
        }
        assert_eq!(out.len(), c.len() / 11);
        // "null", "", text and the array cannot be indexed with .data; {"data":"null"} cannot
        // be indexed with .type.
        assert_eq!(f.counts.unjudged, (c.len() * 5 / 11) as u64);
        assert_eq!(report.bad, f.counts.unjudged);
        assert_eq!(f.counts.seen, c.len() as u64);
    }

    #[test]
    fn undecodable_values_are_unjudged() {
        let mut f = Filter::new(
            Spec {
                types: vec!["x".into()],
                ..Spec::default()
            },
            Codecs::new(Encoding::Auto, Encoding::Json),
            false,
        );
        let mut report = Report::new(true);
        let src = crate::endpoint::Chain::new(vec![]);
        let mut out = Vec::new();
        let dropped = f.push(
            rec(0, Some("k"), Some("not json"), &[]),
            &mut Cx {
                source: &src,
                report: &mut report,
            },
            &mut out,
        );
        assert!(dropped.is_some());
        assert_eq!(f.counts.unjudged, 1);
    }

    #[test]
    fn stats_count_matches_per_topic_type_and_partition() {
        let mut f = Filter::new(Spec::default(), Codecs::default(), true);
        let mut report = Report::new(true);
        let src = crate::endpoint::Chain::new(vec![]);
        let mut out = Vec::new();
        for r in corpus() {
            f.push(
                r,
                &mut Cx {
                    source: &src,
                    report: &mut report,
                },
                &mut out,
            );
        }
        let stats = f.stats.unwrap();
        let published: u64 = stats
            .iter()
            .filter(|((_, t, _), _)| t == "article_published")
            .map(|(_, n)| n)
            .sum();
        assert_eq!(published as usize, corpus().len() / 11);
        assert!(stats.keys().any(|(_, t, _)| t == "(no type)"));
    }
}

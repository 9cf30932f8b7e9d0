//! The filter stage: the records a [`Spec`] keeps go on, the others are dropped, and a record
//! that cannot be judged (undecodable, or the expression failed) is a counted warning. The
//! conditions, the envelope paths and the expression are [`crate::filter`]'s and
//! [`crate::expr`]'s; this stage runs them over records as cheaply as they allow: the envelope
//! read leaf by leaf, the expression evaluated directly on the spans of the value's leaves when
//! it can be.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::codec::project::{project, Trie};
use crate::codec::{Codecs, Encoding};
use crate::expr::Viewer;
use crate::filter::envelope::Envelope;
use crate::filter::{Counts, EnvelopeSlots, Spec, Stats};
use crate::pipeline::{Cx, Stage};
use crate::record::Record;

/// The filter stage.
pub struct Filter {
    spec: Spec,
    envelope: Envelope,
    viewer: Viewer,
    /// What of the view the expression reads (`None`: all of it).
    view_needs: Option<Trie>,
    /// The expression, when the direct evaluator can run it, with what it reads of the view
    /// besides the value, and room for the spans of the value's leaves.
    fast: Option<(crate::expr::fast::Fast, Trie, crate::expr::fast::Spans)>,
    /// What of the value the envelope shortcuts read; `None` when none is given.
    envelope_needs: Option<Trie>,
    /// The same, read leaf by leaf when no path has a glob: the plan, each envelope path's
    /// answer, and room for the leaves.
    envelope_slots: Option<EnvelopeSlots>,
    /// The `--type`s' texts, searched for in a value's bytes before it is walked (see
    /// [`Filter::no_type_can_match`]).
    type_finders: Vec<memchr::memmem::Finder<'static>>,
    pub counts: Counts,
    pub stats: Option<Stats>,
}

/// The envelope's fields of one value, however they were read: leaf by leaf, or from a
/// projected tree.
trait EventFields {
    fn event_type(&self) -> Option<&str>;
    fn has_id(&self, ids: &[String]) -> bool;
}

impl EventFields for EnvelopeSlots {
    fn event_type(&self) -> Option<&str> {
        EnvelopeSlots::event_type(self)
    }
    fn has_id(&self, ids: &[String]) -> bool {
        EnvelopeSlots::has_id(self, ids)
    }
}

/// A projected value, read through the envelope's paths (those with globs).
struct Tree<'a>(&'a Envelope, &'a Value);

impl EventFields for Tree<'_> {
    fn event_type(&self) -> Option<&str> {
        self.0.event_type(self.1)
    }
    fn has_id(&self, ids: &[String]) -> bool {
        self.0.has_id(self.1, ids)
    }
}

/// The `--type`, `--id` and `--stats` work of the envelope: `None` when the record is out,
/// else its event type when `stats` wants it.
fn envelope_verdict(
    s: &Spec,
    stats: bool,
    r: &Record,
    fields: &dyn EventFields,
) -> Option<Option<String>> {
    if !s.types.is_empty() {
        let t = fields.event_type();
        if !t.is_some_and(|t| s.types.iter().any(|x| x == t)) {
            return None;
        }
    }
    if !s.ids.is_empty() {
        let by_key = s.id_in_key
            && r.key
                .as_deref()
                .is_some_and(|k| s.ids.iter().any(|i| i.as_bytes() == k));
        if !by_key && !fields.has_id(&s.ids) {
            return None;
        }
    }
    Some(stats.then(|| fields.event_type().unwrap_or("(no type)").to_string()))
}

/// What the native shortcuts make of a record.
enum Verdict {
    Out,
    In,
    Unjudged(String),
}

impl Filter {
    pub fn new(spec: Spec, codecs: Codecs, stats: bool) -> Filter {
        let envelope = spec.envelope();
        let needs_value = !spec.types.is_empty() || !spec.ids.is_empty() || stats;
        let view_needs = spec
            .expr
            .as_ref()
            .and_then(|e| crate::expr::needs::of_predicate(e.text()));
        let fast = view_needs.as_ref().and_then(|need| {
            let f = crate::expr::fast::Fast::compile(spec.expr.as_ref()?.text())?;
            Some((f, need.without("value"), Vec::new()))
        });
        let envelope_slots = needs_value
            .then(|| EnvelopeSlots::new(&envelope, !spec.ids.is_empty()))
            .flatten();
        Filter {
            fast,
            envelope_slots,
            type_finders: spec
                .types
                .iter()
                .map(|t| memchr::memmem::Finder::new(t.as_bytes()).into_owned())
                .collect(),
            envelope_needs: needs_value.then(|| envelope.trie()),
            spec,
            envelope,
            viewer: Viewer::new(codecs),
            view_needs,
            counts: Counts::default(),
            stats: stats.then(BTreeMap::new),
        }
    }

    /// Judge one record.
    fn judge(&mut self, r: &Record) -> Verdict {
        let s = &self.spec;
        if !s.keys.is_empty() && !s.keys.iter().any(|k| r.key.as_deref() == Some(&k[..])) {
            return Verdict::Out;
        }
        for h in &s.headers {
            let hit = r.headers.iter().any(|x| {
                x.key == h.name && h.value.as_ref().is_none_or(|v| x.value.as_ref() == Some(v))
            });
            if !hit {
                return Verdict::Out;
            }
        }
        if let Some(re) = &s.grep {
            if !re.is_match(r.value.as_deref().unwrap_or_default()) {
                return Verdict::Out;
            }
        }
        if let Some(re) = &s.grep_key {
            if !re.is_match(r.key.as_deref().unwrap_or_default()) {
                return Verdict::Out;
            }
        }
        let mut event_type = None;
        let stats = self.stats.is_some();
        if self.no_type_can_match(r) {
            return Verdict::Out;
        }
        if let Some(slots) = self
            .envelope_slots
            .as_mut()
            .filter(|_| matches!(self.viewer.codecs.value, Encoding::Auto | Encoding::Json))
        {
            match slots.read(r.value.as_deref()) {
                Err(()) if self.viewer.codecs.value == Encoding::Json => {
                    return Verdict::Unjudged("value is not JSON".into())
                }
                Err(()) if too_deep(r) => return too_deep_verdict(),
                _ => match envelope_verdict(s, stats, r, &*slots) {
                    Some(t) => event_type = t,
                    None => return Verdict::Out,
                },
            }
        } else if let Some(need) = &self.envelope_needs {
            let value: Value = match (self.viewer.codecs.value, r.value.as_deref()) {
                (_, None) => Value::Null,
                (Encoding::Auto | Encoding::Json, Some(b)) => match project(b, need) {
                    Ok(v) => v,
                    Err(_) if self.viewer.codecs.value == Encoding::Json => {
                        return Verdict::Unjudged("value is not JSON".into())
                    }
                    Err(_) if too_deep(r) => return too_deep_verdict(),
                    Err(_) => Value::Null,
                },
                (_, Some(_)) => Value::Null,
            };
            match envelope_verdict(s, stats, r, &Tree(&self.envelope, &value)) {
                Some(t) => event_type = t,
                None => return Verdict::Out,
            }
        }
        if let Some(verdict) = self.judge_fast(r) {
            match verdict {
                Verdict::In => {}
                other => return other,
            }
        } else if let Some(e) = &self.spec.expr {
            let (view, problem) = match &self.view_needs {
                Some(need) => self.viewer.view_projected(r, need),
                None => self.viewer.view(r),
            };
            if let Some(p) = problem {
                return Verdict::Unjudged(p);
            }
            let verdict = match &self.fast {
                Some((f, _, _)) => f.matches(&view),
                None => e.matches(view),
            };
            match verdict {
                Ok(true) => {}
                Ok(false) => return Verdict::Out,
                Err(why) => return Verdict::Unjudged(format!("expression: {why}")),
            }
        }
        if let (Some(stats), Some(t)) = (self.stats.as_mut(), event_type) {
            *stats
                .entry((r.topic.to_string(), t, r.partition))
                .or_default() += 1;
        }
        Verdict::In
    }
}

impl Filter {
    /// Whether `--type` surely keeps the record out without a walk: no type asked for is in
    /// the value's bytes, and nothing in them is escaped (an escaped type could spell one
    /// otherwise). The walk would find another type or none (a value that is not JSON has none
    /// in `auto` format), so the verdict is the same, at a memory search's cost instead of a
    /// parse's. Not taken where every record's type is wanted (`--stats`), where a value that
    /// is not JSON is reported (`json` format), or where one too deep is.
    fn no_type_can_match(&self, r: &Record) -> bool {
        if self.type_finders.is_empty()
            || self.stats.is_some()
            || self.envelope_slots.is_none()
            || self.viewer.codecs.value != Encoding::Auto
        {
            return false;
        }
        let Some(b) = r.value.as_deref() else {
            return false;
        };
        memchr::memchr(b'\\', b).is_none()
            && self.type_finders.iter().all(|f| f.find(b).is_none())
            && crate::codec::depth::check(b).is_ok()
    }
}

/// Whether the value is refused for its depth (asked only once a JSON reader has failed): then
/// it is not judged, in `auto` format too, where other bytes that are not JSON are judged as
/// text.
fn too_deep(r: &Record) -> bool {
    r.value
        .as_deref()
        .is_some_and(|b| crate::codec::depth::check(b).is_err())
}

fn too_deep_verdict() -> Verdict {
    Verdict::Unjudged(format!("value: {}", crate::codec::depth::too_deep()))
}

impl Filter {
    /// The direct evaluator reading the value span by span, when it applies: a JSON object or
    /// array value in `auto`/`json` format. `None`: take the general way.
    fn judge_fast(&mut self, r: &Record) -> Option<Verdict> {
        let (fast, fields_need, spans) = self.fast.as_mut()?;
        if !matches!(self.viewer.codecs.value, Encoding::Auto | Encoding::Json) {
            return None;
        }
        let bytes = r.value.as_deref()?;
        let first = bytes.iter().find(|c| !c.is_ascii_whitespace())?;
        if !matches!(first, b'{' | b'[') {
            return None;
        }
        let leaves = fast.read(bytes, spans)?;
        let (fields, problem) = if fields_need.is_empty() {
            (jaq_json::Val::Null, None)
        } else {
            self.viewer.view_projected(r, fields_need)
        };
        if let Some(p) = problem {
            return Some(Verdict::Unjudged(p));
        }
        Some(match fast.matches_leaves(&fields, &leaves)? {
            Ok(true) => Verdict::In,
            Ok(false) => Verdict::Out,
            Err(why) => Verdict::Unjudged(format!("expression: {why}")),
        })
    }
}

impl Stage for Filter {
    fn push(&mut self, record: Record, cx: &mut Cx, out: &mut Vec<Record>) -> Option<Record> {
        self.counts.seen += 1;
        match self.judge(&record) {
            Verdict::In => {
                self.counts.matched += 1;
                out.push(record);
                None
            }
            Verdict::Out => Some(record),
            Verdict::Unjudged(why) => {
                self.counts.unjudged += 1;
                cx.report.bad(&record.location(), &why);
                Some(record)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::print::report::Report;
    use crate::record::Timestamp;

    fn rec(i: i64, value: Option<&[u8]>) -> Record {
        Record {
            topic: Arc::from("t"),
            partition: 0,
            offset: i,
            origin: crate::record::Origin::Partition,
            timestamp: Timestamp::Create(i),
            key: None,
            value: value.map(<[u8]>::to_vec),
            headers: Vec::new(),
        }
    }

    /// The records kept, the records unjudged, and how many were kept out by the text search.
    fn judge(
        types: &[&str],
        codecs: &Codecs,
        stats: bool,
        values: &[Vec<u8>],
    ) -> (Vec<i64>, u64, usize) {
        let spec = Spec {
            types: types.iter().map(ToString::to_string).collect(),
            ..Spec::default()
        };
        let mut f = Filter::new(spec, codecs.clone(), stats);
        let mut report = Report::new(true);
        let src = crate::endpoint::Chain::new(vec![]);
        let mut out = Vec::new();
        let mut searched_out = 0;
        for (i, v) in values.iter().enumerate() {
            let r = rec(i as i64, (i > 0).then_some(&v[..]));
            searched_out += usize::from(f.no_type_can_match(&r));
            let mut cx = Cx {
                source: &src,
                report: &mut report,
            };
            f.push(r, &mut cx, &mut out);
        }
        (
            out.iter().map(|r| r.offset).collect(),
            f.counts.unjudged,
            searched_out,
        )
    }

    /// The text search before the walk changes no verdict: the same records are kept and the
    /// same ones reported as without it (`--stats` walks every value), for values that hold a
    /// type's text elsewhere, spell it with escapes, are not JSON, or nest too deep.
    #[test]
    fn the_text_search_changes_no_verdict() {
        let deep = |n: usize, inner: &str| format!("{}{inner}{}", "[".repeat(n), "]".repeat(n));
        let values: Vec<Vec<u8>> = [
            "(none: a missing value)".to_string(),
            r#"{"data":{"type":"comment_posted"}}"#.into(),
            r#"{"data":{"type":"comment\u005fposted"}}"#.into(),
            r#"{"data":{"type":"other","title":"comment_posted"}}"#.into(),
            r#"{"data":{"type":"other"}}"#.into(),
            r#"{"data":{"type":"comment_posted"}"#.into(),
            r#"{"data":{"type":"comment_posted"}} x"#.into(),
            r#"{"specversion":"1.0","type":"comment_posted"}"#.into(),
            r#"{"specversion":"1.0","type":"other"}"#.into(),
            r#""comment_posted""#.into(),
            "not json".into(),
            String::new(),
            deep(100, "1"),
            deep(200, "1"),
            deep(200, r#""comment_posted""#),
            format!(r#"{{"data":{{"type":"other","x":{}}}}}"#, deep(130, "1")),
            format!(
                r#"{{"data":{{"type":"comment_posted","x":{}}}}}"#,
                deep(130, "1")
            ),
        ]
        .into_iter()
        .map(String::into_bytes)
        .chain([b"{\"data\":{\"type\":\"other\xff\"}}".to_vec()])
        .collect();
        let sets: [&[&str]; 4] = [
            &["comment_posted"],
            &["comment_posted", "other"],
            &[""],
            &["x"],
        ];
        for codecs in [
            Codecs::default(),
            Codecs::new(Encoding::Auto, Encoding::Json),
        ] {
            for types in sets {
                let searched = judge(types, &codecs, false, &values);
                let walked = judge(types, &codecs, true, &values);
                assert_eq!(
                    (&searched.0, searched.1),
                    (&walked.0, walked.1),
                    "{types:?}"
                );
                assert_eq!(walked.2, 0);
            }
        }
        // The search does keep records out where it can.
        let (_, _, searched_out) = judge(&["comment_posted"], &Codecs::default(), false, &values);
        assert!(searched_out >= 4, "{searched_out}");
    }
}

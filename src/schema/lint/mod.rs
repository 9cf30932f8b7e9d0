//! Event lint rules, pure: the contract every event on the shared envelope
//! `{"data":{"id","type","attributes":{...}},"meta":{"created_at","host"}}` owes whatever its
//! schema says. A [`Linter`] checks one event at a time and remembers the ids it has seen across
//! the whole read, so that a duplicate is caught whichever topic, partition or file repeats it.
//! Findings are [`Violation`]s with rule `lint:<name>`:
//!
//! | rule | finding |
//! |---|---|
//! | `lint:missing` | a required path is absent or null |
//! | `lint:null-string` | `"null"`, `"None"`, `"NULL"`, `"nil"`, `"undefined"` or `""` where a null was probably meant |
//! | `lint:too-big` | the value is over `max_bytes` |
//! | `lint:future` | a time is further ahead of now than the clock skew allowed |
//! | `lint:too-old` | a time is impossibly old (before 2000 by default: a zero, or seconds read as ms) |
//! | `lint:bad-time` | a time path holds something that is not a time |
//! | `lint:duplicate-id` | the event's identity was seen before; the reason names where |
//! | `lint:command-type` | warning: the type reads as a command (`create_comment`), not a fact (`comment_created`) |
//!
//! An event with `specversion` is a CloudEvent and is held to that spec's attributes instead
//! (unless the caller names its own paths). Nothing here prints or reads: where a location is
//! shown, a caller-supplied closure names it. The command-type rule, with its verbs and past
//! tenses, is in `command`.

mod command;

use std::collections::HashMap;
use std::hash::Hasher;

use serde_json::Value;

use super::{push_pointer, short, Violation};
use crate::fingerprint::FingerprintMap;
use crate::position::format_millis;
use command::command_type;

/// What the lint rules look at, and their limits.
#[derive(Debug, Clone)]
pub struct LintConfig {
    /// Dot paths that must be present and not null.
    pub required: Vec<String>,
    /// What identifies an event, for duplicates: the values at these paths, together. The
    /// house envelope has no event id of its own (`data.id` names the entity, which many
    /// events share), so by default the same type, entity and creation time twice is the
    /// same fact delivered twice; an envelope with an event id names just that path.
    pub id_paths: Vec<String>,
    /// Where the type is, for the command-style warning.
    pub type_path: String,
    /// Times: RFC 3339 strings, or numbers of epoch seconds, milliseconds, microseconds or
    /// nanoseconds (told apart by size).
    pub time_paths: Vec<String>,
    /// Values over this many bytes are "too big".
    pub max_bytes: Option<usize>,
    /// Now, in ms since the epoch; the caller sets it. While it is 0, "future" is not checked.
    pub now_ms: i64,
    /// How far ahead of now a time may be (clock skew between hosts).
    pub max_future_ms: i64,
    /// Times before this are impossibly old.
    pub oldest_ms: i64,
    /// Events with `specversion` are CloudEvents, linted by that spec's attributes instead of
    /// the paths above: `id`, `source`, `specversion` and `type` required, `time` checked, and
    /// `source` + `id` as the identity (the spec's uniqueness rule). Off when the caller names
    /// its own paths.
    pub cloudevents: bool,
}

impl Default for LintConfig {
    fn default() -> LintConfig {
        LintConfig {
            required: vec![
                "data.id".into(),
                "data.type".into(),
                "meta.created_at".into(),
            ],
            id_paths: vec![
                "data.type".into(),
                "data.id".into(),
                "meta.created_at".into(),
            ],
            type_path: "data.type".into(),
            time_paths: vec!["meta.created_at".into()],
            max_bytes: None,
            now_ms: 0,
            max_future_ms: 5 * 60 * 1000,
            // 2000-01-01T00:00:00Z
            oldest_ms: 946_684_800_000,
            cloudevents: true,
        }
    }
}

/// Where an event is: a record of a source, a line of a file, or an element of a file's JSON
/// array (sources and files by index).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Loc {
    Record {
        source: u32,
        partition: i32,
        offset: i64,
    },
    Line {
        file: u32,
        line: u64,
    },
    Element {
        file: u32,
        index: u64,
    },
}

/// `source/partition@offset`, `file:line` or `file#/index`, with indexes for names; callers
/// that know the names give [`Linter::with_names`] a closure.
impl std::fmt::Display for Loc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Loc::Record {
                source,
                partition,
                offset,
            } => write!(f, "{source}/{partition}@{offset}"),
            Loc::Line { file, line } => write!(f, "{file}:{line}"),
            Loc::Element { file, index } => write!(f, "{file}#/{index}"),
        }
    }
}

/// A dot path, split once.
#[derive(Debug, Clone)]
struct DotPath {
    names: Vec<String>,
    /// As written, for reasons.
    text: String,
    /// As a JSON pointer, for violations.
    pointer: String,
}

impl DotPath {
    fn new(s: &str) -> DotPath {
        let names: Vec<String> = s
            .split('.')
            .filter(|n| !n.is_empty())
            .map(str::to_string)
            .collect();
        let pointer = names.iter().fold(String::new(), |p, n| push_pointer(&p, n));
        DotPath {
            names,
            text: s.to_string(),
            pointer,
        }
    }

    fn get<'v>(&self, v: &'v Value) -> Option<&'v Value> {
        self.names
            .iter()
            .try_fold(v, |v, name| v.get(name.as_str()))
    }
}

type Namer = Box<dyn Fn(Loc) -> String + Send + Sync>;

/// Lints events one at a time, remembering ids across the whole read.
///
/// Duplicate ids are remembered as a 64-bit hash of the id and the first [`Loc`] it was seen
/// at: 40 to 80 bytes per distinct id (hash table slack included), however long the ids. Two
/// different ids with the same hash would be reported as duplicates: among n distinct ids that
/// happens with probability about n²/2⁶⁵, one in 37 million for a million ids, one in 37 for a
/// billion.
pub struct Linter {
    cfg: LintConfig,
    house: Paths,
    /// For CloudEvents, when [`LintConfig::cloudevents`].
    cloud: Option<Paths>,
    seen: FingerprintMap<Loc>,
    name: Namer,
}

/// Where one kind of envelope keeps what the rules look at.
struct Paths {
    required: Vec<DotPath>,
    id_paths: Vec<DotPath>,
    type_path: DotPath,
    time_paths: Vec<DotPath>,
}

impl Paths {
    fn new(
        required: &[String],
        id_paths: &[String],
        type_path: &str,
        time_paths: &[String],
    ) -> Paths {
        Paths {
            required: required.iter().map(|p| DotPath::new(p)).collect(),
            id_paths: id_paths.iter().map(|p| DotPath::new(p)).collect(),
            type_path: DotPath::new(type_path),
            time_paths: time_paths.iter().map(|p| DotPath::new(p)).collect(),
        }
    }
}

impl std::fmt::Debug for Linter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Linter")
            .field("cfg", &self.cfg)
            .field("ids_seen", &self.seen.len())
            .finish_non_exhaustive()
    }
}

impl Linter {
    pub fn new(cfg: LintConfig) -> Linter {
        let strings = |l: &[&str]| {
            l.iter()
                .map(std::string::ToString::to_string)
                .collect::<Vec<_>>()
        };
        Linter {
            house: Paths::new(
                &cfg.required,
                &cfg.id_paths,
                &cfg.type_path,
                &cfg.time_paths,
            ),
            cloud: cfg.cloudevents.then(|| {
                Paths::new(
                    &strings(&["id", "source", "specversion", "type"]),
                    &strings(&["source", "id"]),
                    "type",
                    &strings(&["time"]),
                )
            }),
            seen: HashMap::default(),
            name: Box::new(|loc| loc.to_string()),
            cfg,
        }
    }

    /// Name locations in "duplicate of ..." reasons with `name`, e.g. `users/2@17` for a topic
    /// name the caller knows from the source index.
    pub fn with_names(mut self, name: impl Fn(Loc) -> String + Send + Sync + 'static) -> Linter {
        self.name = Box::new(name);
        self
    }

    /// Where the event with this identity (the values at the id paths) was first seen.
    pub fn first_seen(&self, ids: &[&Value]) -> Option<Loc> {
        self.seen.get(&id_hash(ids)).copied()
    }

    /// How many distinct ids have been seen.
    pub fn ids_seen(&self) -> usize {
        self.seen.len()
    }

    /// Lint one event. `value` is its decoded value, `None` for a tombstone (no rule applies to
    /// a tombstone); `bytes` its size; `loc` where it is. Findings are appended to `out`.
    pub fn check(
        &mut self,
        value: Option<&Value>,
        bytes: usize,
        loc: Loc,
        out: &mut Vec<Violation>,
    ) {
        let Some(value) = value else { return };
        let paths = match &self.cloud {
            Some(cloud) if value.get("specversion").is_some() => cloud,
            _ => &self.house,
        };
        for path in &paths.required {
            match path.get(value) {
                None => out.push(lint(
                    "lint:missing",
                    &path.pointer,
                    format!("{} is missing", path.text),
                )),
                Some(Value::Null) => {
                    out.push(lint(
                        "lint:missing",
                        &path.pointer,
                        format!("{} is null", path.text),
                    ));
                }
                Some(_) => {}
            }
        }
        null_strings(value, &mut Vec::new(), out);
        if let Some(max) = self.cfg.max_bytes {
            if bytes > max {
                out.push(lint(
                    "lint:too-big",
                    "",
                    format!("{bytes} bytes, over the limit of {max}"),
                ));
            }
        }
        for path in &paths.time_paths {
            if let Some(v) = path.get(value) {
                self.check_time(path, v, out);
            }
        }
        check_id(&paths.id_paths, &mut self.seen, &self.name, value, loc, out);
        if let Some(Value::String(t)) = paths.type_path.get(value) {
            if let Some(why) = command_type(t) {
                out.push(Violation {
                    pointer: paths.type_path.pointer.clone(),
                    reason: why,
                    rule: "lint:command-type",
                    warning: true,
                });
            }
        }
    }

    fn check_time(&self, path: &DotPath, v: &Value, out: &mut Vec<Violation>) {
        let bad_time = |what: String| {
            lint(
                "lint:bad-time",
                &path.pointer,
                format!("{} {what}", path.text),
            )
        };
        let (ms, shown) = match v {
            // Reported by "missing" when required, and a null time is no time otherwise.
            Value::Null => return,
            // Reported once, by "null-string".
            Value::String(s) if is_null_string(s) => return,
            Value::String(s) => match parse_rfc3339(s) {
                Some(ms) => (ms, s.clone()),
                None => return out.push(bad_time(format!("{v} is not an RFC 3339 time"))),
            },
            Value::Number(n) => match epoch_ms(n) {
                Some((ms, unit)) => (
                    ms,
                    format!("{n} ({}, read as epoch {unit})", format_millis(ms)),
                ),
                None => return out.push(bad_time(format!("{n} is not a time"))),
            },
            v => return out.push(bad_time(format!("{} is not a time", short(v)))),
        };
        if self.cfg.now_ms > 0 && ms > self.cfg.now_ms.saturating_add(self.cfg.max_future_ms) {
            out.push(lint(
                "lint:future",
                &path.pointer,
                format!(
                    "{} {shown} is {} in the future (at most {} of clock skew is allowed)",
                    path.text,
                    human(ms - self.cfg.now_ms),
                    human(self.cfg.max_future_ms)
                ),
            ));
        } else if ms < self.cfg.oldest_ms {
            out.push(lint(
                "lint:too-old",
                &path.pointer,
                format!(
                    "{} {shown} is before {}: impossibly old",
                    path.text,
                    format_millis(self.cfg.oldest_ms)
                ),
            ));
        }
    }
}

/// The duplicate rule: the event's identity (the values at `id_paths`, together) seen before.
fn check_id(
    id_paths: &[DotPath],
    seen: &mut FingerprintMap<Loc>,
    name: &Namer,
    value: &Value,
    loc: Loc,
    out: &mut Vec<Violation>,
) {
    let mut ids = Vec::with_capacity(id_paths.len());
    for p in id_paths {
        let Some(id) = p.get(value) else {
            return;
        };
        // A null or null-like id is reported once already; counting them as duplicates of
        // each other would bury that under a finding per event.
        match id {
            Value::Null => return,
            Value::String(s) if is_null_string(s) => return,
            _ => {}
        }
        ids.push(id);
    }
    let Some(last) = id_paths.last() else {
        return;
    };
    match seen.entry(id_hash(&ids)) {
        std::collections::hash_map::Entry::Vacant(e) => {
            e.insert(loc);
        }
        // The same event read again is not a duplicate of itself.
        std::collections::hash_map::Entry::Occupied(e) if *e.get() == loc => {}
        std::collections::hash_map::Entry::Occupied(e) => {
            let what = if ids.len() == 1 {
                format!("{} {}", last.text, short(ids[0]))
            } else {
                let parts: Vec<String> = id_paths
                    .iter()
                    .zip(&ids)
                    .map(|(p, v)| format!("{} {}", p.text, short(v)))
                    .collect();
                format!("the event with {}", parts.join(", "))
            };
            out.push(lint(
                "lint:duplicate-id",
                &id_paths[0].pointer,
                format!("{what} is a duplicate of {}", name(*e.get())),
            ));
        }
    }
}

fn lint(rule: &'static str, pointer: &str, reason: String) -> Violation {
    Violation {
        pointer: pointer.to_string(),
        reason,
        rule,
        warning: false,
    }
}

/// A 64-bit hash of an event's identity. Strings hash their text and other values their
/// JSON, so the string "42" and the number 42 are different ids, as they are different values;
/// each part is length-prefixed so that parts cannot run into each other.
fn id_hash(ids: &[&Value]) -> u64 {
    // `new` has fixed keys: the same id hashes the same way for the whole read.
    let mut h = std::hash::DefaultHasher::new();
    for id in ids {
        match id {
            Value::String(s) => {
                h.write_u8(b's');
                h.write_usize(s.len());
                h.write(s.as_bytes());
            }
            v => {
                let t = v.to_string();
                h.write_u8(b'j');
                h.write_usize(t.len());
                h.write(t.as_bytes());
            }
        }
    }
    h.finish()
}

/// Strings that stand for a null: what `str(None)`, `String(null)`, `fmt.Sprint(nil)` and
/// friends write when a null meets string formatting, and the empty string.
const NULL_STRINGS: &[&str] = &["null", "None", "NULL", "nil", "undefined", ""];

fn is_null_string(s: &str) -> bool {
    NULL_STRINGS.contains(&s)
}

enum Step<'v> {
    Key(&'v str),
    Index(usize),
}

/// Report every null-like string in `v`, at its pointer (built only when one is found).
fn null_strings<'v>(v: &'v Value, path: &mut Vec<Step<'v>>, out: &mut Vec<Violation>) {
    match v {
        Value::String(s) if is_null_string(s) => {
            let pointer = path.iter().fold(String::new(), |p, step| match step {
                Step::Key(k) => push_pointer(&p, k),
                Step::Index(i) => push_pointer(&p, &i.to_string()),
            });
            out.push(lint(
                "lint:null-string",
                &pointer,
                format!("the string {v} where a null was probably meant"),
            ));
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(Step::Index(i));
                null_strings(item, path, out);
                path.pop();
            }
        }
        Value::Object(m) => {
            for (k, item) in m {
                path.push(Step::Key(k));
                null_strings(item, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// RFC 3339 in ms since the epoch. A space instead of the `T` is accepted, as RFC 3339 allows
/// and as Python's `str(datetime)` writes it.
fn parse_rfc3339(s: &str) -> Option<i64> {
    use time::format_description::well_known::Rfc3339;
    let t = match time::OffsetDateTime::parse(s, &Rfc3339) {
        Ok(t) => t,
        Err(_) if s.as_bytes().get(10) == Some(&b' ') => {
            let mut fixed = s.to_string();
            fixed.replace_range(10..11, "T");
            time::OffsetDateTime::parse(&fixed, &Rfc3339).ok()?
        }
        Err(_) => return None,
    };
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// An epoch number in ms, and the unit it was read in. The unit is told by size: below 10¹¹
/// seconds (10¹¹ ms is 1973, 10¹¹ s is the year 5138), then milliseconds, microseconds and
/// nanoseconds at each factor of a thousand.
fn epoch_ms(n: &serde_json::Number) -> Option<(i64, &'static str)> {
    let x = n.as_f64()?;
    if !x.is_finite() {
        return None;
    }
    let (ms, unit) = match x.abs() {
        a if a < 1e11 => (x * 1e3, "seconds"),
        a if a < 1e14 => (x, "milliseconds"),
        a if a < 1e17 => (x / 1e3, "microseconds"),
        _ => (x / 1e6, "nanoseconds"),
    };
    // Exact for integers that fit in i64, which as_f64 would round beyond 2^53.
    let ms = match (n.as_i64(), unit) {
        (Some(i), "milliseconds") => i,
        (Some(i), "microseconds") => i / 1_000,
        (Some(i), "nanoseconds") => i / 1_000_000,
        _ => ms.round() as i64,
    };
    Some((ms, unit))
}

/// A duration for people: "850ms", "42s", "12m 5s", "3h 20m", "4d 2h".
fn human(ms: i64) -> String {
    let ms = ms.max(0);
    let s = ms / 1000;
    match s {
        0 => format!("{ms}ms"),
        1..=59 => format!("{s}s"),
        60..=3599 => format!("{}m {}s", s / 60, s % 60),
        3600..=86_399 => format!("{}h {}m", s / 3600, s % 3600 / 60),
        _ => format!("{}d {}h", s / 86_400, s % 86_400 / 3600),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const NOW: i64 = 1_795_000_000_000; // 2026-11-18

    /// A linter whose events are identified by `data.id` alone (an envelope with event ids).
    fn linter() -> Linter {
        Linter::new(LintConfig {
            now_ms: NOW,
            id_paths: vec!["data.id".into()],
            ..LintConfig::default()
        })
    }

    #[test]
    fn cloudevents_are_linted_by_their_own_attributes() {
        let mut l = Linter::new(LintConfig {
            now_ms: NOW,
            ..LintConfig::default()
        });
        let ce = |id: &str, ty: &str, time: &str| json!({"specversion": "1.0", "id": id, "source": "/orders", "type": ty, "time": time, "data": {"n": 1}});
        let placed = ce("1", "order.placed", "2026-11-18T08:00:00Z");
        let mut out = Vec::new();
        l.check(Some(&placed), 10, rec(0), &mut out);
        // No house envelope fields are asked of a CloudEvent.
        assert_eq!(out, []);
        let mut missing = ce("3", "order.placed", "2026-11-18T08:00:00Z");
        missing.as_object_mut().unwrap().remove("source");
        let later = [
            placed.clone(),
            ce("2", "order.create", "2999-01-01T00:00:00Z"),
            missing,
        ];
        for (offset, event) in (1..).zip(&later) {
            l.check(Some(event), 10, rec(offset), &mut out);
        }
        let got: Vec<_> = out.iter().map(|v| (v.rule, v.pointer.as_str())).collect();
        assert_eq!(
            got,
            [
                ("lint:duplicate-id", "/source"),
                ("lint:future", "/time"),
                ("lint:command-type", "/type"),
                ("lint:missing", "/source"),
            ]
        );
        // Off: a CloudEvent is held to the house envelope like any event.
        let mut l = Linter::new(LintConfig {
            now_ms: NOW,
            cloudevents: false,
            ..LintConfig::default()
        });
        let mut out = Vec::new();
        l.check(Some(&placed), 10, rec(0), &mut out);
        assert!(out.iter().any(|v| v.pointer == "/data/type"), "{out:?}");
    }

    #[test]
    fn by_default_the_same_fact_twice_is_a_duplicate_not_the_same_entity() {
        let mut l = Linter::new(LintConfig {
            now_ms: NOW,
            ..LintConfig::default()
        });
        let mut out = Vec::new();
        let at = |t: &str| event("u-1", "user_profile_updated", json!(t));
        l.check(Some(&at("2026-11-18T08:00:00Z")), 10, rec(0), &mut out);
        // The same user updated again later: another fact.
        l.check(Some(&at("2026-11-18T09:00:00Z")), 10, rec(1), &mut out);
        assert_eq!(out, []);
        // The first fact delivered again.
        l.check(Some(&at("2026-11-18T08:00:00Z")), 10, rec(2), &mut out);
        assert_eq!(out.len(), 1, "{out:?}");
        assert_eq!(out[0].rule, "lint:duplicate-id");
        assert_eq!(
            out[0].reason,
            "the event with data.type \"user_profile_updated\", data.id \"u-1\", meta.created_at \"2026-11-18T08:00:00Z\" is a duplicate of 0/0@0"
        );
    }

    fn event(id: &str, ty: &str, created_at: Value) -> Value {
        json!({
            "data": {"id": id, "type": ty, "attributes": {"body": "hi"}},
            "meta": {"created_at": created_at, "host": "web-1"}
        })
    }

    fn good() -> Value {
        event("c-1", "comment_created", json!("2026-11-18T08:00:00Z"))
    }

    fn rec(offset: i64) -> Loc {
        Loc::Record {
            source: 0,
            partition: 0,
            offset,
        }
    }

    /// (rule, pointer) of every finding.
    fn lint_one(l: &mut Linter, v: &Value, loc: Loc) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        l.check(Some(v), 100, loc, &mut out);
        out.into_iter().map(|v| (v.rule, v.pointer)).collect()
    }

    fn findings(v: &Value) -> Vec<(&'static str, String)> {
        lint_one(&mut linter(), v, rec(0))
    }

    fn reasons(v: &Value) -> Vec<String> {
        let mut out = Vec::new();
        linter().check(Some(v), 100, rec(0), &mut out);
        out.into_iter().map(|v| v.reason).collect()
    }

    #[test]
    fn a_good_event_and_a_tombstone_have_no_findings() {
        assert_eq!(findings(&good()), []);
        let mut out = Vec::new();
        let mut l = Linter::new(LintConfig {
            max_bytes: Some(1),
            ..LintConfig::default()
        });
        l.check(None, 0, rec(0), &mut out);
        assert_eq!(out, []);
    }

    #[test]
    fn missing_and_null_required_paths_are_missing_but_empty_strings_are_null_strings() {
        let mut v = good();
        v["data"].as_object_mut().unwrap().remove("id");
        v["meta"]["created_at"] = Value::Null;
        assert_eq!(
            findings(&v),
            [
                ("lint:missing", "/data/id".to_string()),
                ("lint:missing", "/meta/created_at".to_string())
            ]
        );
        assert_eq!(
            reasons(&v),
            ["data.id is missing", "meta.created_at is null"]
        );
        let mut v = good();
        v["data"]["id"] = json!("");
        assert_eq!(findings(&v), [("lint:null-string", "/data/id".to_string())]);
        // Under something that is not an object, a path is missing too.
        assert_eq!(
            findings(&json!({"data": "x", "meta": {"created_at": "2026-11-18T08:00:00Z"}})),
            [
                ("lint:missing", "/data/id".to_string()),
                ("lint:missing", "/data/type".to_string())
            ]
        );
        // Required paths are configurable, and so are their pointers' escapes.
        let mut l = Linter::new(LintConfig {
            required: vec!["data.attributes.a/b".into()],
            ..LintConfig::default()
        });
        assert_eq!(
            lint_one(&mut l, &good(), rec(0)),
            [("lint:missing", "/data/attributes/a~1b".to_string())]
        );
    }

    #[test]
    fn null_like_strings_anywhere_are_found_at_their_pointer() {
        let mut v = good();
        v["data"]["attributes"] = json!({
            "bio": "None", "tags": ["a", "undefined", "nil"], "x": {"y": "NULL"},
            "ok": "nullable", "also_ok": "none", "real_null": null, "n": 0
        });
        assert_eq!(
            findings(&v),
            [
                ("lint:null-string", "/data/attributes/bio".to_string()),
                ("lint:null-string", "/data/attributes/tags/1".to_string()),
                ("lint:null-string", "/data/attributes/tags/2".to_string()),
                ("lint:null-string", "/data/attributes/x/y".to_string()),
            ]
        );
        assert_eq!(
            reasons(&json!({"data": {"id": "1", "type": "t"}, "meta": {"created_at": "null"}}))[0],
            "the string \"null\" where a null was probably meant"
        );
        // The whole value the string "null": reported at the top, and everything is missing.
        let f = findings(&json!("null"));
        assert!(f.contains(&("lint:null-string", String::new())), "{f:?}");
        assert_eq!(f.iter().filter(|(r, _)| *r == "lint:missing").count(), 3);
    }

    #[test]
    fn too_big_is_over_max_bytes() {
        let mut l = Linter::new(LintConfig {
            max_bytes: Some(1000),
            ..LintConfig::default()
        });
        let mut out = Vec::new();
        l.check(Some(&good()), 1000, rec(0), &mut out);
        assert_eq!(out, []);
        let mut other = good();
        other["data"]["id"] = json!("c-2");
        l.check(Some(&other), 1001, rec(1), &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].rule, "lint:too-big");
        assert_eq!(out[0].pointer, "");
        assert_eq!(out[0].reason, "1001 bytes, over the limit of 1000");
    }

    #[test]
    fn times_in_the_future_beyond_the_skew_are_findings() {
        let at = |t: Value| findings(&event("1", "comment_created", t));
        // 4 minutes ahead: within the 5 minutes of skew.
        assert_eq!(at(json!(NOW + 4 * 60_000)), []);
        assert_eq!(
            at(json!(NOW + 6 * 60_000)),
            [("lint:future", "/meta/created_at".to_string())]
        );
        assert_eq!(
            at(json!("2027-01-01T00:00:00Z")),
            [("lint:future", "/meta/created_at".to_string())]
        );
        let r = reasons(&event(
            "1",
            "t_created",
            json!("2026-11-18T09:33:20.000+01:00"),
        ));
        assert_eq!(r, Vec::<String>::new());
        let r = reasons(&event("1", "t_created", json!("2026-11-19T11:06:40Z")));
        assert_eq!(
            r,
            [
                "meta.created_at 2026-11-19T11:06:40Z is 1d 0h in the future \
              (at most 5m 0s of clock skew is allowed)"
            ]
        );
        // Without a now, nothing is in the future.
        let mut l = Linter::new(LintConfig::default());
        assert_eq!(
            lint_one(
                &mut l,
                &event("1", "t_created", json!("2999-01-01T00:00:00Z")),
                rec(0)
            ),
            []
        );
    }

    #[test]
    fn epoch_seconds_and_millis_are_told_apart() {
        let secs = NOW / 1000;
        for t in [
            json!(secs),
            json!(NOW),
            json!(NOW * 1000),
            json!(NOW * 1_000_000),
            json!(secs as f64 + 0.25),
        ] {
            assert_eq!(findings(&event("1", "t_created", t.clone())), [], "{t}");
        }
        assert_eq!(
            epoch_ms(&serde_json::Number::from(secs)),
            Some((secs * 1000, "seconds"))
        );
        assert_eq!(
            epoch_ms(&serde_json::Number::from(NOW)),
            Some((NOW, "milliseconds"))
        );
        assert_eq!(
            epoch_ms(&serde_json::Number::from_f64(1.5).unwrap()),
            Some((1500, "seconds"))
        );
        // Seconds that a producer multiplied twice land far in the future.
        assert_eq!(
            findings(&event("1", "t_created", json!(secs * 1000 + 3_600_000))),
            [("lint:future", "/meta/created_at".to_string())]
        );
        let r = reasons(&event("1", "t_created", json!(0)));
        assert_eq!(
            r,
            [
                "meta.created_at 0 (1970-01-01T00:00:00.000Z, read as epoch seconds) is before \
              2000-01-01T00:00:00.000Z: impossibly old"
            ]
        );
    }

    #[test]
    fn impossibly_old_times_are_too_old() {
        let at = |t: Value| findings(&event("1", "t_created", t));
        assert_eq!(
            at(json!("1999-12-31T23:59:59Z")),
            [("lint:too-old", "/meta/created_at".to_string())]
        );
        assert_eq!(at(json!("2000-01-01T00:00:00Z")), []);
        // Milliseconds before 1973 are read as seconds, thousands of years ahead: a finding
        // still, and the reason says how the number was read.
        assert_eq!(
            at(json!(99_999_999_999_i64)),
            [("lint:future", "/meta/created_at".to_string())]
        );
        assert!(
            reasons(&event("1", "t_created", json!(99_999_999_999_i64)))[0]
                .contains("read as epoch seconds")
        );
        assert_eq!(
            at(json!(100_000_000_000_i64)),
            [("lint:too-old", "/meta/created_at".to_string())]
        );
        assert_eq!(
            at(json!(-1)),
            [("lint:too-old", "/meta/created_at".to_string())]
        );
    }

    #[test]
    fn unparsable_times_are_bad_times() {
        let at = |t: Value| findings(&event("1", "t_created", t));
        for t in [
            json!("yesterday"),
            json!("2026-11-18T08:00:00"),
            json!("1795000000000"),
            json!(true),
            json!({"s": 1}),
        ] {
            assert_eq!(
                at(t.clone()),
                [("lint:bad-time", "/meta/created_at".to_string())],
                "{t}"
            );
        }
        // A space for the T is accepted; an empty string is a null-string, not also a bad time.
        assert_eq!(at(json!("2026-11-18 08:00:00Z")), []);
        assert_eq!(
            at(json!("")),
            [("lint:null-string", "/meta/created_at".to_string())]
        );
        assert_eq!(
            reasons(&event("1", "t_created", json!("yesterday"))),
            ["meta.created_at \"yesterday\" is not an RFC 3339 time"]
        );
    }

    #[test]
    fn duplicate_ids_name_the_first_place_across_sources() {
        let mut l = linter().with_names(|loc| match loc {
            Loc::Record {
                source,
                partition,
                offset,
            } => format!(
                "{}/{partition}@{offset}",
                ["users", "orders"][source as usize]
            ),
            Loc::Line { file, line } => format!("file{file}:{line}"),
            Loc::Element { file, index } => format!("file{file}#/{index}"),
        });
        let users_2_17 = Loc::Record {
            source: 0,
            partition: 2,
            offset: 17,
        };
        let orders_0_5 = Loc::Record {
            source: 1,
            partition: 0,
            offset: 5,
        };
        let mut out = Vec::new();
        l.check(Some(&good()), 10, users_2_17, &mut out);
        assert_eq!(out, []);
        l.check(Some(&good()), 10, orders_0_5, &mut out);
        l.check(Some(&good()), 10, Loc::Line { file: 3, line: 9 }, &mut out);
        let got: Vec<_> = out
            .iter()
            .map(|v| (v.rule, v.pointer.as_str(), v.reason.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    "lint:duplicate-id",
                    "/data/id",
                    "data.id \"c-1\" is a duplicate of users/2@17"
                ),
                (
                    "lint:duplicate-id",
                    "/data/id",
                    "data.id \"c-1\" is a duplicate of users/2@17"
                ),
            ]
        );
        assert_eq!(l.first_seen(&[&json!("c-1")]), Some(users_2_17));
        assert_eq!(l.first_seen(&[&json!("c-2")]), None);
        // The same record read again is not its own duplicate.
        out.clear();
        l.check(Some(&good()), 10, users_2_17, &mut out);
        assert_eq!(out, []);
        // Different ids, and the string "42" and the number 42, are different ids.
        let mut v = good();
        v["data"]["id"] = json!("42");
        l.check(Some(&v), 10, rec(100), &mut out);
        v["data"]["id"] = json!(42);
        l.check(Some(&v), 10, rec(101), &mut out);
        assert_eq!(out, []);
        assert_eq!(l.ids_seen(), 3);
        // Null and null-like ids are reported once each, never as duplicates.
        for (i, id) in [json!(null), json!(null), json!(""), json!("")]
            .into_iter()
            .enumerate()
        {
            v["data"]["id"] = id;
            l.check(Some(&v), 10, rec(200 + i as i64), &mut out);
        }
        assert!(out.iter().all(|v| v.rule != "lint:duplicate-id"), "{out:?}");
        // The default names are indexes.
        let mut l = linter();
        let mut out = Vec::new();
        l.check(Some(&good()), 10, Loc::Line { file: 0, line: 1 }, &mut out);
        l.check(Some(&good()), 10, users_2_17, &mut out);
        assert_eq!(out[0].reason, "data.id \"c-1\" is a duplicate of 0:1");
    }

    #[test]
    fn command_types_are_warnings() {
        let mut out = Vec::new();
        linter().check(
            Some(&event("1", "CreateComment", json!(NOW))),
            10,
            rec(0),
            &mut out,
        );
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].rule, "lint:command-type");
        assert_eq!(out[0].pointer, "/data/type");
        assert!(out[0].warning);
        assert_eq!(
            out[0].reason,
            "\"CreateComment\" reads as a command (\"create\"); an event names a fact, e.g. \"CommentCreated\""
        );
    }
}

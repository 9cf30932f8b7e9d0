//! The one expression language of evops: jq, through the jaq crates. An expression is compiled
//! once (errors point at the place in the text) and evaluated per record against the record's
//! view, which is exactly the JSON line `evops tail -f json` prints for it:
//! `{topic, partition, offset, timestamp, timestamp_type, key, headers, value}`. So whatever
//! `evops tail -f json | jq EXPR` says about a record, an evops expression says too. Pure: no I/O;
//! the one thing read from outside is whether the user asked to stop ([`crate::interrupt`]),
//! between outputs, so that `range(1e9) | ...` ends on Ctrl-C.

pub mod fast;
pub mod needs;
mod refused;
pub mod regex;

use jaq_core::load::{Arena, File, Loader};
use jaq_core::{Compiler, Ctx, Vars};
use jaq_json::Val;

use crate::codec::project::Trie;
use crate::codec::{Codecs, Encoding};
use crate::record::Record;

/// A compiled jq expression.
pub struct Expr {
    text: String,
    filter: jaq_core::Filter<regex::Data>,
    /// The patterns `test`, `match`... have compiled, kept for the next record.
    regexes: regex::Regexes,
}

impl std::fmt::Debug for Expr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Expr({:?})", self.text)
    }
}

/// Why an expression does not compile, with the place: the text and a caret line under it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason} at column {column}:\n  {text}\n  {caret}")]
pub struct CompileError {
    pub reason: String,
    /// 1-based, in characters.
    pub column: usize,
    text: String,
    caret: String,
}

impl CompileError {
    fn at(code: &str, byte: usize, len: usize, reason: String) -> CompileError {
        // Spans come from jaq; on a character boundary, or the one before (never a panic).
        let boundary = |i: usize| crate::text::floor_boundary(code, i);
        let byte = boundary(byte);
        let column = code[..byte].chars().count() + 1;
        let width = code[byte..boundary(byte.saturating_add(len))]
            .chars()
            .count()
            .max(1);
        // One line, so that the caret stands under the place.
        let text = code.replace(['\n', '\r', '\t'], " ");
        CompileError {
            reason,
            column,
            text,
            caret: format!("{}{}", " ".repeat(column - 1), "^".repeat(width)),
        }
    }
}

/// The longest expression evops compiles, in bytes. jq's parser and evaluator recurse once per
/// level, and an expression can be as deep as it is long (`1+1+...`, `((((...))))`): this bound
/// keeps every expression within the command's stack (see `STACK` in lib.rs). Real filters
/// are a few hundred characters.
pub const MAX_LEN: usize = 16_000;

impl Expr {
    /// Compile jq text; the standard library (`select`, `test`, `any`, `ascii_downcase`, ...) is
    /// there, as in jq.
    pub fn compile(code: &str) -> Result<Expr, CompileError> {
        if code.len() > MAX_LEN {
            let start: String = code.chars().take(40).collect();
            return Err(CompileError {
                reason: format!(
                    "an expression may be {MAX_LEN} bytes long, this one is {}",
                    code.len()
                ),
                column: 1,
                text: format!("{}...", start.replace(['\n', '\r', '\t'], " ")),
                caret: "^".into(),
            });
        }
        let defs = jaq_core::defs()
            .chain(jaq_std::defs())
            .chain(jaq_json::defs());
        let funs = jaq_core::funs()
            .chain(jaq_std::funs().filter(|(name, _, _)| !regex::NAMES.contains(name)))
            .chain(jaq_json::funs())
            .chain(regex::funs());
        let loader = Loader::new(defs);
        let arena = Arena::default();
        let program = File { code, path: () };
        let span = |part: &str| jaq_core::load::span(code, part);
        let modules = loader.load(&arena, program).map_err(|errs| {
            use jaq_core::load::Error as L;
            let (_, e) = errs.into_iter().next().expect("an error");
            match e {
                L::Lex(list) => {
                    let (expect, got) = list.into_iter().next().expect("an error");
                    let s = span(got);
                    CompileError::at(code, s.start, 1, format!("expected {}", expect.as_str()))
                }
                L::Parse(list) => {
                    let (expect, got) = list.into_iter().next().expect("an error");
                    let s = span(got);
                    let found = if got.is_empty() {
                        "the end".to_string()
                    } else {
                        format!("'{got}'")
                    };
                    CompileError::at(
                        code,
                        s.start,
                        s.len(),
                        format!("expected {}, found {found}", expect.as_str()),
                    )
                }
                L::Io(list) => CompileError::at(
                    code,
                    0,
                    code.len(),
                    list.into_iter()
                        .next()
                        .map_or("cannot load".into(), |(_, why)| why),
                ),
            }
        })?;
        if let Some((what, why)) = refused::first(code) {
            let s = span(what);
            return Err(CompileError::at(code, s.start, s.len(), why));
        }
        let filter = Compiler::default()
            .with_funs(funs)
            .compile(modules)
            .map_err(|errs| {
                let (_, list) = errs.into_iter().next().expect("an error");
                let (name, undefined) = list.into_iter().next().expect("an error");
                let s = span(name);
                CompileError::at(
                    code,
                    s.start,
                    s.len(),
                    format!("undefined {} '{name}'", undefined.as_str()),
                )
            })?;
        Ok(Expr {
            text: code.to_string(),
            filter,
            regexes: regex::Regexes::default(),
        })
    }

    fn ctx(&self) -> Ctx<'_, regex::Data> {
        let env = regex::Env {
            lut: &self.filter.lut,
            regexes: &self.regexes,
        };
        Ctx::new(env, Vars::new([]))
    }

    /// The text it was compiled from.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Every output for one input; an evaluation error ends the outputs with `Err`.
    pub fn outputs(&self, input: Val) -> Vec<Result<Val, String>> {
        let ctx = self.ctx();
        let mut out = Vec::new();
        for v in self.filter.id.run((ctx, input)).map(value) {
            if crate::interrupt::interrupted() {
                // The run is stopping: the outputs so far are all it will use.
                break;
            }
            match v.map_err(|e| e.to_string()).and_then(shallow) {
                Ok(v) => out.push(Ok(v)),
                Err(e) => {
                    out.push(Err(e));
                    break;
                }
            }
        }
        out
    }

    /// As a predicate: true when any output is truthy (neither `false` nor `null`), as
    /// `select(EXPR)` would keep the input. An error before a truthy output is an error.
    pub fn matches(&self, input: Val) -> Result<bool, String> {
        let ctx = self.ctx();
        for v in self.filter.id.run((ctx, input)).map(value) {
            if crate::interrupt::interrupted() {
                // The run is stopping and will not use this answer; an error would count the
                // record as bad.
                return Ok(false);
            }
            match v {
                Ok(v) if truthy(&v) => return Ok(true),
                Ok(_) => {}
                Err(e) => return Err(e.to_string()),
            }
        }
        Ok(false)
    }

    /// The first output as text: a string as it is, anything else as compact JSON (for
    /// `--per` strata and re-keying). No output is an error.
    pub fn first_text(&self, input: Val) -> Result<String, String> {
        let ctx = self.ctx();
        match self.filter.id.run((ctx, input)).map(value).next() {
            Some(Ok(v)) => shallow(v).map(|v| text_of(&v)),
            Some(Err(e)) => Err(e.to_string()),
            None => Err(format!("'{}' gave no output", self.text)),
        }
    }
}

/// `v`, unless it nests deeper than anything evops reads ([`MAX_DEPTH`]): an output such as
/// `reduce range(1e6) as $x (null; [.])` is shown, hashed or grouped by functions that recurse
/// once per level, and a million levels overflowed the stack (a crash, exit 134). Walked with a
/// stack of its own.
///
/// [`MAX_DEPTH`]: crate::codec::depth::MAX_DEPTH
fn shallow(v: Val) -> Result<Val, String> {
    use crate::codec::depth::MAX_DEPTH;
    let mut todo = vec![(&v, 1)];
    while let Some((x, depth)) = todo.pop() {
        let inner: Box<dyn Iterator<Item = &Val>> = match x {
            Val::Arr(a) => Box::new(a.iter()),
            Val::Obj(o) => Box::new(o.iter().flat_map(|(k, v)| [k, v])),
            _ => continue,
        };
        if depth > MAX_DEPTH {
            return Err(format!(
                "the expression's output nests deeper than {MAX_DEPTH} levels"
            ));
        }
        todo.extend(inner.map(|i| (i, depth + 1)));
    }
    Ok(v)
}

fn truthy(v: &Val) -> bool {
    !matches!(v, Val::Null | Val::Bool(false))
}

/// A value as text: strings without quotes, everything else as JSON.
pub fn text_of(v: &Val) -> String {
    match v {
        Val::TStr(b) => String::from_utf8_lossy(b).into_owned(),
        other => other.to_string(),
    }
}

/// Builds record views, reusing one buffer.
pub struct Viewer {
    pub codecs: Codecs,
    line: Vec<u8>,
}

impl Viewer {
    pub fn new(codecs: Codecs) -> Viewer {
        Viewer {
            codecs,
            line: Vec::with_capacity(4096),
        }
    }

    /// The view of a record. A key or value that does not decode in the asked format is
    /// shown as `auto` would show it, and the reason comes back beside the view.
    pub fn view(&mut self, r: &Record) -> (Val, Option<String>) {
        self.line.clear();
        let problem = crate::print::json_document(r, &self.codecs, &mut self.line, true).err();
        // The view wraps key and value in one more level.
        let levels = crate::codec::depth::MAX_DEPTH + 1;
        match crate::codec::project::read_val(&self.line, levels) {
            Ok(v) => (v, problem),
            // JSON that serde accepts and jq does not (a lone surrogate escape, "\ud800"): the
            // record cannot be judged, and says why.
            Err(e) => (
                Val::Null,
                Some(problem.unwrap_or_else(|| format!("value: jq cannot read this JSON ({e})"))),
            ),
        }
    }
}

impl Viewer {
    /// The view with only what `need` names (see [`needs`]): the same answer for an expression
    /// whose needs those are, without building the rest. Values that are not a JSON object or
    /// array (text, `"null"`, undecodable bytes) take the full view's way, which is exact.
    pub fn view_projected(&mut self, r: &Record, need: &Trie) -> (Val, Option<String>) {
        if need.is_whole() {
            return self.view(r);
        }
        let mut m = jaq_json::Map::default();
        let mut put = |name: &str, v: Val| {
            m.insert(Val::from(name.to_string()), v);
        };
        let mut problem = None;
        if need.get("topic").is_some() {
            put("topic", Val::from(r.topic.to_string()));
        }
        if need.get("partition").is_some() {
            put("partition", Val::from(r.partition as isize));
        }
        if need.get("offset").is_some() {
            put("offset", Val::from(r.offset as isize));
        }
        if need.get("timestamp").is_some() {
            put(
                "timestamp",
                r.timestamp
                    .millis()
                    .map_or(Val::Null, |ms| Val::from(ms as isize)),
            );
        }
        if need.get("timestamp_type").is_some() {
            put("timestamp_type", Val::from(r.timestamp.kind().to_string()));
        }
        if need.get("key").is_some() {
            let (key, e) = self.codecs.key(r.key.as_deref());
            if let Some(e) = e {
                problem = Some(format!("key: {e}"));
            }
            put("key", val_of(&key.value));
        }
        if need.get("headers").is_some() {
            put("headers", val_of(&crate::print::headers_object(r)));
        }
        if let Some(want) = need.get("value") {
            let projected = match (self.codecs.value, r.value.as_deref()) {
                (_, None) => Some(Val::Null),
                (Encoding::Auto | Encoding::Json, Some(b))
                    if b.iter()
                        .find(|c| !c.is_ascii_whitespace())
                        .is_some_and(|c| matches!(c, b'{' | b'[')) =>
                {
                    if want.is_whole() {
                        // As the full view holds it: jq's parser alone would take what is not
                        // JSON (invalid UTF-8, NaN), which the JSON line shows as text.
                        crate::codec::scan::json_text(b).and_then(|t| {
                            crate::codec::project::read_val(t, crate::codec::depth::MAX_DEPTH).ok()
                        })
                    } else {
                        crate::codec::project::project_as::<Val>(b, want).ok()
                    }
                }
                _ => None,
            };
            match projected {
                Some(v) => put("value", v),
                None => return self.view(r),
            }
        }
        (Val::obj(m), problem)
    }
}

/// A JSON value as a jq value.
pub fn val_of(v: &serde_json::Value) -> Val {
    use serde_json::Value as J;
    match v {
        J::Null => Val::Null,
        J::Bool(b) => Val::from(*b),
        J::Number(n) => match n.as_i64() {
            Some(i) if isize::try_from(i).is_ok() => Val::from(i as isize),
            _ => Val::from(n.as_f64().unwrap_or(f64::NAN)),
        },
        J::String(s) => Val::from(s.clone()),
        J::Array(a) => a.iter().map(val_of).collect(),
        J::Object(o) => {
            let mut m = jaq_json::Map::default();
            for (k, v) in o {
                m.insert(Val::from(k.clone()), val_of(v));
            }
            Val::obj(m)
        }
    }
}

/// An output, or the error that ends the outputs. jaq's `unwrap_valr` ends the process on a
/// `halt`; those are refused when compiled ([`refused`]), and whatever escapes the expression
/// all the same ends this record's outputs with an error, as any failure does.
fn value(v: jaq_core::ValX<'_, Val>) -> jaq_core::ValR<Val> {
    v.map_err(|e| match e.get_err() {
        Ok(err) => err,
        Err(other) => jaq_core::Error::str(match other.get_halt() {
            Ok(code) => format!("halt({code}) is not supported"),
            Err(_) => "the expression ended abnormally".to_string(),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Header, Timestamp};

    /// Outputs that nest deeper than records may are errors, before anything recurses on them.
    #[test]
    fn outputs_nested_past_the_bound_are_errors() {
        let nest = |n: usize, open: &str| {
            Expr::compile(&format!("reduce range({n}) as $x (null; {open})")).unwrap()
        };
        for open in ["[.]", "{a: .}"] {
            let fine = nest(99, open);
            assert!(fine.first_text(Val::Null).is_ok(), "{open}");
            assert!(fine.outputs(Val::Null)[0].is_ok(), "{open}");
            let deep = nest(1_000, open);
            let e = deep.first_text(Val::Null).unwrap_err();
            assert!(e.contains("deeper than 100 levels"), "{e}");
            assert!(deep.outputs(Val::Null)[0].is_err(), "{open}");
        }
    }

    #[test]
    fn too_long_expressions_are_compile_errors() {
        let long = format!("{}1", "1+".repeat(MAX_LEN / 2));
        let e = Expr::compile(&long).unwrap_err();
        assert!(e.reason.contains("may be 16000 bytes long"), "{e}");
        assert!(e.to_string().len() < 200);
        let fits = format!("{}1", "1+".repeat(100));
        assert!(Expr::compile(&fits).is_ok());
    }

    #[test]
    fn error_places_inside_multibyte_characters_do_not_panic() {
        let e = CompileError::at("é", 1, 1, "x".into());
        assert_eq!(e.column, 1);
    }
    use std::sync::Arc;

    /// Record values of every shape: envelopes, JSON that is not one, text, bytes that are not
    /// UTF-8, numbers whose digits matter, and none. `fast`'s tests read them too.
    pub(super) const PAYLOADS: &[Option<&[u8]>] = &[
        Some(br#"{"data":{"id":"a-1","type":"order_paid","attributes":{"amount":120,"user_id":"u-1","tags":["x","y"]}},"meta":{"host":"h"}}"#),
        Some(br#"{"data":{"id":"a-1","type":"order_paid","attributes":{"amount":120,"ratio":0.5,"tags":["x"],"ok":true}}}"#),
        Some(br#"{"data":{"type":null}}"#),
        Some(br#"{"data":{"type":null,"attributes":{"amount":"120"}}}"#),
        Some(br#"{"data":"null"}"#),
        Some(br#"{"data":[1]}"#),
        Some(br#"[{"data":1}]"#),
        Some(br"[1]"),
        Some(b"null"),
        Some(b"plain text"),
        Some(b""),
        Some(b"{broken"),
        Some(&[0xff, 0xfe]),
        Some(b"{\"n\":1.50,\"id\":123456789012345678901234567890,\n \"data\":{\"type\":\"order_paid\"}}"),
        Some(b"{\"n\":1.50,\"id\":123456789012345678901234567890,\n \"data\":[1.0]}"),
        Some(br#"{"data":{"attributes":{"tags":[1.0,2.50]}}}"#),
        // For the direct evaluator's comparisons on spans: escapes, numbers of other spellings,
        // leaves of every kind, repeated members.
        Some(br#"{"data":{"type":"order\u005fpaid","attributes":{"amount":120.0,"ok":false}}}"#),
        Some(br#"{"data":{"type":"order_paid\"","attributes":{"amount":1.2e2,"ratio":-0}}}"#),
        Some(br#"{"data":{"type":"caf\u00e9 \ud83d\ude00","attributes":{"amount":12e1}}}"#),
        Some(br#"{"data":{"type":true,"attributes":{"amount":120.000000000000001}}}"#),
        Some(br#"{"data":{"type":false,"attributes":{"amount":-120}}}"#),
        Some(br#"{"data":{"type":{"a":1},"attributes":null}}"#),
        Some(br#"{"data":{"type":["order_paid"],"attributes":{"amount":[120]}}}"#),
        Some(br#"{"data":{"type":"x"},"data":{"type":"order_paid"}}"#),
        Some(br#"{"data":{"type":1E2}}"#),
        Some(br#"{"data":{"attributes":{"amount":123456789012345678901234567890}}}"#),
        Some(br#"{"id":123456789012345678901234567891.0,"n":15e-1}"#),
        Some(br#" { "data" : { "type" : "order_paid" } } "#),
        // Not JSON to serde_json, which the JSON line shows as text, though jq's parser takes
        // them: bytes that are not UTF-8 in a string, NaN.
        Some(b"{\"data\":{\"type\":\"order_paid\",\"y\":\"\xff\"}}"),
        Some(br#"{"data":{"type":"order_paid","n":NaN}}"#),
        None,
    ];

    /// A record on orders/2@41 with one header; `fast`'s tests read it too.
    pub(super) fn rec(key: Option<&[u8]>, value: Option<&[u8]>) -> Record {
        Record {
            topic: Arc::from("orders"),
            partition: 2,
            offset: 41,
            origin: crate::record::Origin::Partition,
            timestamp: Timestamp::Create(1_700_000_000_000),
            key: key.map(<[u8]>::to_vec),
            value: value.map(<[u8]>::to_vec),
            headers: vec![Header {
                key: "source".into(),
                value: Some(b"kotlin-api".to_vec()),
            }],
        }
    }

    fn is(expr: &str, r: &Record) -> Result<bool, String> {
        let e = Expr::compile(expr).unwrap();
        let (v, _) = Viewer::new(Codecs::default()).view(r);
        e.matches(v)
    }

    /// Each expression matches `r` (true) or does not (false), without an error.
    fn assert_is(r: &Record, cases: &[(&str, bool)]) {
        for &(expr, want) in cases {
            assert_eq!(is(expr, r), Ok(want), "{expr}");
        }
    }

    #[test]
    fn the_view_has_every_field() {
        let r = rec(
            Some(b"u-1"),
            Some(br#"{"data":{"type":"order_placed","amount":120}}"#),
        );
        assert_is(
            &r,
            &[
                (
                    r#".topic == "orders" and .partition == 2 and .offset == 41"#,
                    true,
                ),
                (
                    ".timestamp == 1700000000000 and .timestamp_type == \"create\"",
                    true,
                ),
                (r#".key == "u-1" and .headers.source == "kotlin-api""#, true),
                (".value.data.amount > 100", true),
                (r#".value.data.type | test("^order_")"#, true),
            ],
        );
    }

    #[test]
    fn missing_fields_are_null_and_do_not_match() {
        let r = rec(Some(b"u-1"), Some(br#"{"data":{}}"#));
        assert_is(
            &r,
            &[
                (".value.data.amount > 100", false),
                (".value.data.amount == null", true),
                (".value.meta.host", false),
            ],
        );
    }

    #[test]
    fn null_tombstone_versus_the_string_null() {
        let tomb = rec(Some(b"k"), None);
        let text_null = rec(Some(b"k"), Some(b"null"));
        assert_eq!(is(".value == null", &tomb), Ok(true));
        assert_eq!(is(".value == null", &text_null), Ok(false));
        assert_eq!(is(r#".value == "null""#, &text_null), Ok(true));
        assert_eq!(is(".key == null", &rec(None, Some(b"{}"))), Ok(true));
        assert_eq!(is(r#".key == """#, &rec(Some(b""), Some(b"{}"))), Ok(true));
    }

    #[test]
    fn non_json_values_are_strings_and_indexing_them_is_an_error() {
        let r = rec(Some(b"k"), Some(b"plain text"));
        assert_eq!(is(r#".value | test("plain")"#, &r), Ok(true));
        assert!(is(".value.data.type", &r).is_err());
        assert_eq!(is(".value.data?.type", &r), Ok(false));
    }

    #[test]
    fn any_truthy_output_matches() {
        let r = rec(Some(b"k"), Some(br#"{"items":[1,5,9]}"#));
        assert_is(
            &r,
            &[
                (".value.items[] > 8", true),
                (".value.items[] > 9", false),
                ("empty", false),
            ],
        );
    }

    #[test]
    fn first_text_of_strings_and_other_values() {
        let (v, _) = Viewer::new(Codecs::default())
            .view(&rec(Some(b"k"), Some(br#"{"data":{"type":"x","n":3}}"#)));
        assert_eq!(
            Expr::compile(".value.data.type")
                .unwrap()
                .first_text(v.clone()),
            Ok("x".into())
        );
        assert_eq!(
            Expr::compile(".value.data.n")
                .unwrap()
                .first_text(v.clone()),
            Ok("3".into())
        );
        assert!(Expr::compile("empty").unwrap().first_text(v).is_err());
    }

    #[test]
    fn compile_errors_point_at_the_place() {
        let e = Expr::compile(".value | select(").unwrap_err();
        assert!(e.column >= 16, "{e}");
        let e = Expr::compile(".value | frobnicate").unwrap_err();
        assert_eq!(e.column, 10, "{e}");
        assert!(
            e.to_string().contains("undefined filter 'frobnicate'"),
            "{e}"
        );
        assert!(e.to_string().contains("         ^^^^^^^^^^"), "{e}");
        let e = Expr::compile(r#".a == "unclosed"#).unwrap_err();
        assert!(e.to_string().contains("quote"), "{e}");
    }

    /// For every expression the analysis understands, the projected view gives the same answer
    /// as the full view, on records of every shape.
    #[test]
    fn projected_views_answer_as_the_full_view() {
        let exprs = [
            r#".value.n | tostring == "1.50""#,
            ".value.id == 123456789012345678901234567891",
            r#".value.data.attributes.tags | tostring == "[1.0,2.50]""#,
            r#".value.data.type == "order_paid""#,
            ".value.data.attributes.amount > 100",
            r#".value.data?.type? == "order_paid""#,
            ".value == null",
            r#".value == "null""#,
            ".value.data.attributes.tags | length > 1",
            r#"any(.value.data.attributes.tags[]; . == "y")"#,
            r#".key == "k" and .headers.source == "kotlin-api""#,
            r#"select(.partition == 2) | .value.meta.host == "h""#,
            ".",
            r#"(.value | type) == "string""#,
            r#""\(.topic)@\(.offset)" == "orders@41""#,
            ".timestamp > 0 and .timestamp_type == \"create\"",
            r#".value.data.attributes.user_id // "none" | test("u-")"#,
            r#"try (.value.data.type == "order_paid") catch false"#,
            r#"(.value | type) == "object" and .value.data.type == "order_paid""#,
        ];
        let mut viewer = Viewer::new(Codecs::default());
        for code in exprs {
            let e = Expr::compile(code).unwrap();
            let need = needs::of_predicate(code).unwrap_or_else(|| panic!("{code} not analysed"));
            for v in PAYLOADS {
                let r = rec(Some(b"k"), *v);
                let (full, _) = viewer.view(&r);
                let (part, _) = viewer.view_projected(&r, &need);
                assert_eq!(
                    e.matches(full),
                    e.matches(part),
                    "{code} on {:?}",
                    v.map(String::from_utf8_lossy)
                );
            }
        }
    }

    #[test]
    fn json_that_jq_rejects_is_a_problem_not_a_panic() {
        let mut viewer = Viewer::new(Codecs::default());
        let (_, problem) = viewer.view(&rec(Some(b"k"), Some(br#"{"a":"\ud800"}"#)));
        assert!(problem.is_some());
    }

    #[test]
    fn keys_in_int_formats() {
        let mut viewer = Viewer::new(Codecs::new(Encoding::Int32, Encoding::Auto));
        let (v, problem) = viewer.view(&rec(Some(&1234i32.to_be_bytes()), Some(b"{}")));
        assert!(problem.is_none());
        assert_eq!(Expr::compile(".key == 1234").unwrap().matches(v), Ok(true));
        let (_, problem) = viewer.view(&rec(Some(b"abc"), Some(b"{}")));
        assert!(problem.is_some());
    }
}

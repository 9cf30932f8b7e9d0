//! Printers: how records look. Logic hands records over; a printer decides the bytes. Every
//! printer is a [`Sink`] over any `Write`, so it is testable with a `Vec<u8>`.
//!
//! Formats: `pretty` (people: a coloured header line, then the value, JSON pretty-printed),
//! `json` (one object per line for jq; the JSON lines format is documented in the README as API),
//! `capture` (the lossless NDJSON of [`crate::codec::capture`]), `raw` (value bytes and a newline)
//! and templates. On a terminal, control characters in payloads are escaped and output is
//! flushed per record; when piped, output is block-buffered and bytes pass through untouched.

pub mod ask;
pub mod escape;
pub mod progress;
pub mod report;
pub mod shared;
pub mod stats;
pub mod table;
pub mod template;
pub mod validation;

use crate::endpoint::Tally;
use std::io::Write;

use serde_json::{Map, Value};

use crate::codec::{self, Codecs, Decoded, Encoding};
use crate::endpoint::Sink;
use crate::record::Record;
use template::{Fields, Template};

/// The output format (`--format`): how records are shown.
#[derive(Debug, Clone, PartialEq)]
pub enum OutputFormat {
    Pretty,
    Json,
    Capture,
    Raw,
    Template(Template),
}

/// The former name, kept so that code written against it still builds.
pub use self::OutputFormat as Style;

impl OutputFormat {
    pub const NAMES: &'static [&'static str] = &["pretty", "json", "capture", "raw"];

    /// A format name, or a template when the text has a `{`.
    pub fn parse(s: &str) -> Result<OutputFormat, String> {
        match s {
            "pretty" => Ok(OutputFormat::Pretty),
            "json" | "jsonl" => Ok(OutputFormat::Json),
            "capture" | "ndjson" => Ok(OutputFormat::Capture),
            "raw" => Ok(OutputFormat::Raw),
            _ if Template::looks_like_template(s) => Template::compile(s).map(OutputFormat::Template),
            _ => Err(format!(
                "'{s}' is not an output format; accepted: pretty, json, capture, raw, or a template such as '{{topic}}/{{partition}}@{{offset}} {{key}} {{value.data.type}}'"
            )),
        }
    }
}

/// How a printer shows records.
#[derive(Debug, Clone)]
pub struct Options {
    pub style: OutputFormat,
    /// How keys and values are decoded before they are shown.
    pub codecs: Codecs,
    /// ANSI colours (pretty only).
    pub color: bool,
    /// Output goes to a terminal: escape control characters, flush per record.
    pub terminal: bool,
}

/// A printer writing records to `out`.
pub struct Printer<W: Write> {
    out: W,
    opts: Options,
    line: Vec<u8>,
    text: String,
    /// Where the lines go, for write errors ("stdout", or a file's path).
    dest: String,
    /// The writer, shared, when a stuck run may have to flush it from another thread.
    shared: Option<shared::SharedOut>,
}

/// Decode a key or value as asked; when that fails, report the record and fall back to `auto`
/// so that it is still shown.
fn decode(
    codecs: &Codecs,
    format: Encoding,
    what: &str,
    bytes: Option<&[u8]>,
    record: &Record,
    report: &mut dyn Tally,
) -> Decoded {
    let (d, problem) = codecs.decode_or_auto(format, bytes);
    if let Some(e) = problem {
        report.bad(&record.location(), &format!("{what}: {e}; shown as it is"));
    }
    d
}

impl<W: Write> Printer<W> {
    pub fn new(out: W, opts: Options) -> Printer<W> {
        Printer {
            out,
            opts,
            line: Vec::with_capacity(8192),
            text: String::with_capacity(1024),
            dest: "stdout".into(),
            shared: None,
        }
    }

    /// Let a stuck run flush this writer from another thread (`out` writes through `handle`).
    pub fn rescuable(mut self, handle: shared::SharedOut) -> Printer<W> {
        self.shared = Some(handle);
        self
    }

    /// Name where the lines go, for write errors.
    pub fn writing_to(mut self, dest: String) -> Printer<W> {
        self.dest = dest;
        self
    }

    fn context(&self, e: std::io::Error) -> anyhow::Error {
        anyhow::Error::new(e).context(format!("writing to {}", self.dest))
    }

    /// The writer, for tests.
    pub fn into_inner(self) -> W {
        self.out
    }

    fn render(&mut self, r: &Record, report: &mut dyn Tally) {
        self.line.clear();
        match &self.opts.style {
            OutputFormat::Capture => codec::capture::encode(r, &mut self.line),
            OutputFormat::Raw => {
                if let Some(v) = &r.value {
                    if self.opts.terminal {
                        self.line
                            .extend_from_slice(escape::bytes_for_terminal(v).as_bytes());
                    } else {
                        self.line.extend_from_slice(v);
                    }
                }
                self.line.push(b'\n');
            }
            OutputFormat::Json => {
                let start = self.line.len();
                if let Err(e) = json_line(r, &self.opts.codecs, &mut self.line) {
                    report.bad(&r.location(), &format!("{e}; shown as it is"));
                }
                if self.opts.terminal {
                    escape::json_for_terminal(&mut self.line, start);
                }
                self.line.push(b'\n');
            }
            OutputFormat::Template(t) => {
                let key = if t.needs_key {
                    let c = &self.opts.codecs;
                    decode(c, c.key, "key", r.key.as_deref(), r, report).value
                } else {
                    Value::Null
                };
                let value = if t.needs_value {
                    let c = &self.opts.codecs;
                    decode(c, c.value, "value", r.value.as_deref(), r, report).value
                } else {
                    Value::Null
                };
                let headers = headers_object(r);
                self.text.clear();
                t.render(&fields(r, &key, &value, &headers), &mut self.text);
                if self.opts.terminal {
                    let escaped = escape::for_terminal(&self.text).into_owned();
                    self.line.extend_from_slice(escaped.as_bytes());
                } else {
                    self.line.extend_from_slice(self.text.as_bytes());
                }
                self.line.push(b'\n');
            }
            OutputFormat::Pretty => self.pretty(r, report),
        }
    }

    fn pretty(&mut self, r: &Record, report: &mut dyn Tally) {
        let c = Colors::new(self.opts.color);
        let terminal = self.opts.terminal;
        // Payload pieces are escaped one by one, before our own colour codes go around them.
        let safe = |s: String| {
            if terminal {
                escape::for_terminal(&s).into_owned()
            } else {
                s
            }
        };
        let codecs = &self.opts.codecs;
        let key = decode(codecs, codecs.key, "key", r.key.as_deref(), r, report);
        let value = decode(codecs, codecs.value, "value", r.value.as_deref(), r, report);
        let mut head = format!(
            "{}{}{}{}/{}@{}{}",
            c.topic,
            safe(r.topic.to_string()),
            c.reset,
            c.offset,
            r.partition,
            r.offset,
            c.reset
        );
        match r.timestamp.millis() {
            Some(ms) => head.push_str(&format!(
                "  {}{}{}",
                c.dim,
                crate::position::format_millis(ms),
                c.reset
            )),
            None => head.push_str(&format!("  {}(no timestamp){}", c.dim, c.reset)),
        }
        let key_text = match (&r.key, key.value) {
            (None, _) => "(null)".to_string(),
            (Some(_), Value::String(s)) if s.is_empty() => "\"\"".to_string(),
            (Some(_), Value::String(s)) => safe(s),
            (Some(_), other) => safe(other.to_string()),
        };
        head.push_str(&format!("  {}key={}{}", c.key, key_text, c.reset));
        for h in &r.headers {
            let v = match &h.value {
                None => "(null)".to_string(),
                Some(b) => match codec::bytes_value(b) {
                    Value::String(s) => safe(s),
                    other => other.to_string(),
                },
            };
            head.push_str(&format!(
                "  {}{}={}{}",
                c.header,
                safe(h.key.clone()),
                v,
                c.reset
            ));
        }
        let body = match (&r.value, value) {
            (None, _) => format!("{}(null: tombstone){}", c.dim, c.reset),
            (
                Some(_),
                Decoded {
                    value: v,
                    json: true,
                },
            ) => safe(serde_json::to_string_pretty(&v).expect("JSON serializes")),
            (
                Some(_),
                Decoded {
                    value: Value::String(s),
                    ..
                },
            ) if s.is_empty() => {
                format!("{}(empty){}", c.dim, c.reset)
            }
            (
                Some(_),
                Decoded {
                    value: Value::String(s),
                    ..
                },
            ) => safe(s),
            (Some(_), Decoded { value: v, .. }) => safe(v.to_string()),
        };
        self.line.extend_from_slice(head.as_bytes());
        self.line.push(b'\n');
        self.line.extend_from_slice(body.as_bytes());
        self.line.extend_from_slice(b"\n\n");
    }
}

impl<W: Write> Sink for Printer<W> {
    fn write(&mut self, record: &Record, report: &mut dyn Tally) -> anyhow::Result<()> {
        self.render(record, report);
        self.out
            .write_all(&self.line)
            .map_err(|e| self.context(e))?;
        if self.opts.terminal {
            self.out.flush().map_err(|e| self.context(e))?;
        }
        Ok(())
    }

    fn idle(&mut self) -> anyhow::Result<()> {
        self.out.flush().map_err(|e| self.context(e))
    }

    fn finish(&mut self, _report: &mut dyn Tally) -> anyhow::Result<()> {
        self.out.flush().map_err(|e| self.context(e))
    }

    fn rescue(&self) -> Option<crate::interrupt::Rescue> {
        self.shared.as_ref().map(shared::SharedOut::rescue)
    }
}

/// A template filled from a record (no terminal escaping: for keys and other data).
/// Write lines that are not records (a count, a table, an explanation) to stdout, flushed, with
/// the error returned: a closed pipe then ends the command quietly (exit 0) and a full disk is
/// an error (exit 2), where `println!` would panic.
pub fn to_stdout(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    if !text.ends_with('\n') {
        out.write_all(b"\n")?;
    }
    out.flush()
}

/// A line for people on stderr. A stderr that cannot be written (closed, full) must not stop a
/// command: the line is lost, and the exit code still says what happened.
#[macro_export]
macro_rules! say {
    ($($arg:tt)*) => {{
        $crate::print::say_line(&format!($($arg)*));
    }};
}

/// The one voice on stderr for what endpoints report while they work: details with `-v`
/// only, notes and warnings unless `-q` (errors are returned and reported once, at the edge).
pub fn voice(quiet: bool, verbose: bool) -> crate::endpoint::Notify {
    use crate::endpoint::Level;
    crate::endpoint::Notify::new(move |level, line| {
        let shown = match level {
            Level::Detail => verbose,
            Level::Note | Level::Warning => !quiet,
        };
        if shown {
            say_line(line);
        }
    })
}

/// One line for people on stderr. Messages carry names and text from records and brokers
/// (topic names, keys, error strings), so control characters are escaped: nothing that comes
/// from outside can move the cursor, set the title or clear the screen. A stderr that cannot
/// be written is ignored.
pub fn say_line(line: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr().lock(), "{}", escape::for_terminal(line));
}

/// A template rendered for a record, its key and value decoded as `codecs` say.
pub fn render_template(t: &Template, r: &Record, codecs: &Codecs) -> String {
    let key = codecs.key(r.key.as_deref()).0.value;
    let value = codecs.value(r.value.as_deref()).0.value;
    let headers = headers_object(r);
    let mut out = String::new();
    t.render(&fields(r, &key, &value, &headers), &mut out);
    out
}

/// A template's fields for a record, its key and value decoded.
fn fields<'a>(r: &'a Record, key: &'a Value, value: &'a Value, headers: &'a Value) -> Fields<'a> {
    Fields {
        topic: &r.topic,
        partition: r.partition,
        offset: r.offset,
        timestamp: r.timestamp.millis(),
        key,
        value,
        headers,
    }
}

/// The JSON line of a record, without the line break: the `-f json` format, and the view
/// evops expressions see. A key or value that does not decode as asked is written as `auto`
/// shows it, and the reason comes back as the error (the line is complete either way).
pub fn json_line(r: &Record, codecs: &Codecs, out: &mut Vec<u8>) -> Result<(), String> {
    json_document(r, codecs, out, false)
}

/// [`json_line`], where the value may keep its own line breaks (a JSON document rather than a
/// line): the view evops expressions see, built from the value bytes exactly as they are.
pub fn json_document(
    r: &Record,
    codecs: &Codecs,
    out: &mut Vec<u8>,
    multiline: bool,
) -> Result<(), String> {
    let mut problem = None;
    let mut decode = |format: Encoding, what: &str, bytes: Option<&[u8]>| {
        let (d, e) = codecs.decode_or_auto(format, bytes);
        if let Some(e) = e {
            problem.get_or_insert_with(|| format!("{what}: {e}"));
        }
        d
    };
    write_json_head(r, out, |out| {
        match plain_text(codecs.key, r.key.as_deref()) {
            Some(text) => serde_json::to_writer(&mut *out, text).expect("JSON serializes"),
            None => {
                let key = decode(codecs.key, "key", r.key.as_deref());
                serde_json::to_writer(&mut *out, &key.value).expect("JSON serializes");
            }
        }
    });
    match raw_json(codecs.value, r.value.as_deref(), multiline) {
        // The common case, a JSON object on one line, goes through verbatim: it was
        // validated, so the line stays valid JSON, and no tree is built.
        Some(raw) => out.extend_from_slice(raw),
        // Protobuf makes its JSON as text: written straight in, no tree either.
        None if codecs.write_json(codecs.value, r.value.as_deref(), out) => {}
        None => {
            let value = decode(codecs.value, "value", r.value.as_deref());
            serde_json::to_writer(&mut *out, &value.value).expect("JSON serializes");
        }
    }
    out.push(b'}');
    problem.map_or(Ok(()), Err)
}

/// Everything of a JSON line up to and including `"value":`: `topic`, `partition`, `offset`,
/// `timestamp`, `timestamp_type`, `key`, `headers`, then the value (documented in the README).
fn write_json_head(r: &Record, out: &mut Vec<u8>, key: impl FnOnce(&mut Vec<u8>)) {
    // Numbers through itoa: the formatting machinery cost more than the rest of the head.
    let mut n = itoa::Buffer::new();
    out.extend_from_slice(b"{\"topic\":");
    serde_json::to_writer(&mut *out, &*r.topic).expect("JSON serializes");
    out.extend_from_slice(b",\"partition\":");
    out.extend_from_slice(n.format(r.partition).as_bytes());
    out.extend_from_slice(b",\"offset\":");
    out.extend_from_slice(n.format(r.offset).as_bytes());
    out.extend_from_slice(b",\"timestamp\":");
    match r.timestamp.millis() {
        Some(ms) => out.extend_from_slice(n.format(ms).as_bytes()),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"timestamp_type\":\"");
    out.extend_from_slice(r.timestamp.kind().as_bytes());
    out.extend_from_slice(b"\",\"key\":");
    key(out);
    out.extend_from_slice(b",\"headers\":");
    if r.headers.is_empty() {
        out.extend_from_slice(b"{}");
    } else {
        serde_json::to_writer(&mut *out, &headers_object(r)).expect("JSON serializes");
    }
    out.extend_from_slice(b",\"value\":");
}

/// The bytes as the text they decode to, when decoding gives text without a doubt: UTF-8 in
/// the `string` format, or in `auto` when they do not start as a JSON object or array would
/// (keys mostly). Then the JSON line writes them as a string with no value built.
fn plain_text(format: Encoding, bytes: Option<&[u8]>) -> Option<&str> {
    let b = bytes?;
    let text = match format {
        Encoding::String => true,
        Encoding::Auto => !matches!(
            b.iter().find(|c| !c.is_ascii_whitespace()),
            Some(b'{' | b'[')
        ),
        _ => false,
    };
    text.then(|| std::str::from_utf8(b).ok()).flatten()
}

/// The value bytes themselves when they can stand in a JSON line as they are: an object or
/// array (or, with `--value-format json`, any document) that is valid JSON and has no raw line
/// break.
fn raw_json(format: Encoding, value: Option<&[u8]>, multiline: bool) -> Option<&[u8]> {
    let b = value?;
    let first = b.iter().find(|c| !c.is_ascii_whitespace())?;
    let wanted = match format {
        Encoding::Auto => matches!(first, b'{' | b'['),
        Encoding::Json => true,
        _ => false,
    };
    if !wanted || (!multiline && memchr::memchr2(b'\n', b'\r', b).is_some()) {
        return None;
    }
    // Too deep to pass on, or not JSON: decoding names the reason.
    codec::scan::json_text(b)
}

/// Headers as a JSON object (name → value in the capture encoding). A name that repeats maps to
/// an array of its values, in order.
pub fn headers_object(r: &Record) -> Value {
    let mut m = Map::new();
    for h in &r.headers {
        let v = h.value.as_deref().map_or(Value::Null, codec::bytes_value);
        match m.get_mut(&h.key) {
            None => {
                m.insert(h.key.clone(), v);
            }
            // Header values are never arrays themselves, so an array is one made here.
            Some(Value::Array(list)) => list.push(v),
            Some(existing) => {
                let first = existing.take();
                *existing = Value::Array(vec![first, v]);
            }
        }
    }
    Value::Object(m)
}

struct Colors {
    topic: &'static str,
    offset: &'static str,
    dim: &'static str,
    key: &'static str,
    header: &'static str,
    reset: &'static str,
}

impl Colors {
    fn new(on: bool) -> Colors {
        if on {
            Colors {
                topic: "\x1b[1;36m",
                offset: "\x1b[33m",
                dim: "\x1b[2m",
                key: "\x1b[32m",
                header: "\x1b[35m",
                reset: "\x1b[0m",
            }
        } else {
            Colors {
                topic: "",
                offset: "",
                dim: "",
                key: "",
                header: "",
                reset: "",
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Header, Timestamp};
    use std::sync::Arc;

    fn rec(value: &[u8]) -> Record {
        Record {
            topic: Arc::from("articles"),
            partition: 1,
            offset: 5,
            origin: crate::record::Origin::Partition,
            timestamp: Timestamp::Create(0),
            key: Some(b"a-1".to_vec()),
            value: Some(value.to_vec()),
            headers: vec![
                Header {
                    key: "h".into(),
                    value: Some(b"1".to_vec()),
                },
                Header {
                    key: "h".into(),
                    value: None,
                },
                Header {
                    key: "h".into(),
                    value: Some(b"3".to_vec()),
                },
            ],
        }
    }

    /// What went through verbatim before the one-walk check: the nesting bound, then
    /// serde_json's raw value.
    fn raw_json_before(b: &[u8]) -> Option<&[u8]> {
        codec::depth::check(b).ok()?;
        serde_json::from_slice::<&serde_json::value::RawValue>(b)
            .ok()
            .map(|raw| raw.get().as_bytes())
    }

    #[test]
    fn the_verbatim_value_is_what_it_was_before_the_walk() {
        let nest = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n)).into_bytes();
        let mut docs: Vec<Vec<u8>> = [
            r#"{"data":{"type":"x"}}"#,
            r#"  {"a":[1,2.5,-0,1e3,true,null,"caf\u00e9 \"q\""]}   "#,
            "[1e400]",
            "-1.8e308",
            "1e400",
            "{\"a\":1} x",
            "{\"a\":1,}",
            "{\"a\":\"\\ud800\"}",
            "\u{feff}{}",
            "{\"é\":\"ü\"}",
            "{}\t\r\n ",
            "",
            "   ",
        ]
        .iter()
        .map(|d| d.as_bytes().to_vec())
        .collect();
        docs.extend([99, 100, 101, 127, 128, 129, 1000].map(nest));
        docs.push(b"{\"a\":\"\xff\"}".to_vec());
        docs.push(b"{\"a\":\"\xed\xa0\x80\"}".to_vec());
        docs.push(b"{\"a\":\"\xc3\"}".to_vec());
        for d in &docs {
            assert_eq!(
                raw_json(Encoding::Json, Some(d), true),
                raw_json_before(d),
                "{}",
                String::from_utf8_lossy(d)
            );
        }
    }

    fn print(style: OutputFormat, terminal: bool, r: &Record) -> (String, u64) {
        let mut p = Printer::new(
            Vec::new(),
            Options {
                style,
                codecs: Codecs::default(),
                color: false,
                terminal,
            },
        );
        let mut report = crate::print::report::Report::new(true);
        p.write(r, &mut report).unwrap();
        (String::from_utf8(p.into_inner()).unwrap(), report.bad)
    }

    #[test]
    fn json_lines() {
        let (out, _) = print(OutputFormat::Json, false, &rec(br#"{"data":{"id":"a-1"}}"#));
        assert_eq!(
            out,
            "{\"topic\":\"articles\",\"partition\":1,\"offset\":5,\"timestamp\":0,\"timestamp_type\":\"create\",\"key\":\"a-1\",\"headers\":{\"h\":[\"1\",null,\"3\"]},\"value\":{\"data\":{\"id\":\"a-1\"}}}\n"
        );
    }

    /// The head's numbers and timestamp kinds, written without the formatting machinery.
    #[test]
    fn json_line_heads_for_every_timestamp_kind() {
        for (ts, want) in [
            (
                Timestamp::None,
                r#""timestamp":null,"timestamp_type":"none""#,
            ),
            (
                Timestamp::LogAppend(-5),
                r#""timestamp":-5,"timestamp_type":"log_append""#,
            ),
            (
                Timestamp::Create(i64::MAX),
                r#""timestamp":9223372036854775807,"timestamp_type":"create""#,
            ),
        ] {
            let r = Record {
                partition: -1,
                offset: i64::MIN,
                timestamp: ts,
                ..rec(b"{}")
            };
            let mut line = Vec::new();
            json_line(&r, &Codecs::default(), &mut line).unwrap();
            let line = String::from_utf8(line).unwrap();
            assert!(
                line.contains(r#""partition":-1,"offset":-9223372036854775808,"#),
                "{line}"
            );
            assert!(line.contains(want), "{line}");
        }
    }

    #[test]
    fn raw_escapes_only_on_a_terminal() {
        let r = rec(b"x\x1b[31my");
        assert_eq!(print(OutputFormat::Raw, false, &r).0, "x\x1b[31my\n");
        assert_eq!(print(OutputFormat::Raw, true, &r).0, "x\\x1b[31my\n");
    }

    #[test]
    fn pretty_escapes_payloads_but_keeps_its_colours() {
        let mut p = Printer::new(
            Vec::new(),
            Options {
                style: OutputFormat::Pretty,
                codecs: Codecs::default(),
                color: true,
                terminal: true,
            },
        );
        let mut r = rec(b"evil\x1b]0;title\x07");
        r.key = Some(b"k\x1b[2J".to_vec());
        p.write(&r, &mut crate::print::report::Report::new(true))
            .unwrap();
        let out = String::from_utf8(p.into_inner()).unwrap();
        assert!(out.starts_with("\x1b[1;36marticles\x1b[0m"), "{out:?}");
        assert!(out.contains("key=k\\x1b[2J"), "{out:?}");
        assert!(out.contains("evil\\x1b]0;title\\x07"), "{out:?}");
    }

    #[test]
    fn pretty_shows_header_line_and_pretty_json() {
        let (out, _) = print(OutputFormat::Pretty, true, &rec(br#"{"a":1}"#));
        assert_eq!(
            out,
            "articles/1@5  1970-01-01T00:00:00.000Z  key=a-1  h=1  h=(null)  h=3\n{\n  \"a\": 1\n}\n\n"
        );
    }

    #[test]
    fn undecodable_values_are_counted_and_still_shown() {
        let mut p = Printer::new(
            Vec::new(),
            Options {
                style: OutputFormat::Json,
                codecs: Codecs::new(Encoding::Auto, Encoding::Json),
                color: false,
                terminal: false,
            },
        );
        let mut report = crate::print::report::Report::new(true);
        p.write(&rec(b"not json"), &mut report).unwrap();
        assert_eq!(report.bad, 1);
        assert!(String::from_utf8(p.into_inner())
            .unwrap()
            .contains("\"value\":\"not json\""));
    }

    /// A key written straight as text is the key the decoder would show, in every key format
    /// and for every kind of key bytes; a key that does not decode as asked is still reported.
    #[test]
    fn keys_written_as_text_are_the_decoded_keys() {
        let keys: [Option<&[u8]>; 9] = [
            Some(b"u-1"),
            Some(b""),
            Some(b"  {\"id\":1}"),
            Some(b"[1,2"),
            Some(b"quote \" and \\ and \x01 and \xc3\xa9"),
            Some(b"\xff\xfe"),
            Some(b"null"),
            Some(b"\x00\x00\x00\x07"),
            None,
        ];
        for format in [
            Encoding::Auto,
            Encoding::String,
            Encoding::Json,
            Encoding::Int32,
        ] {
            let codecs = Codecs::new(format, Encoding::Auto);
            for key in keys {
                let r = Record {
                    key: key.map(<[u8]>::to_vec),
                    ..rec(b"{}")
                };
                let mut line = Vec::new();
                let problem = json_line(&r, &codecs, &mut line).err();
                let (want, want_problem) = codecs.decode_or_auto(format, key);
                let line: Value = serde_json::from_slice(&line).unwrap();
                assert_eq!(line["key"], want.value, "{format:?} {key:?}");
                assert_eq!(
                    problem.is_some(),
                    want_problem.is_some(),
                    "{format:?} {key:?}"
                );
            }
        }
    }
}

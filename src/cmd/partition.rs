//! `evops partition`: where would each Kafka client put this key? One row per distinct answer,
//! naming the clients that agree, so a Node.js/Kotlin split shows at a glance. `--list` shows
//! every partitioner evops knows; `--output json` is a stable contract (see the README).
//!
//! Keys are answered as they are read, one at a time: a JSON line per key as soon as its line
//! of stdin is in, and the table (which sizes its columns from its rows) a part of at most
//! [`TABLE_KEYS`] keys at a time. Memory is bounded by a key and a part of a table, never by
//! the input (`seq 1 5000000 | evops partition -p 12` once held every key three times over).

use std::borrow::Cow;
use std::io::{BufRead, BufReader, Read, Write};

use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;

use crate::codec::{self, Encoding};
use crate::endpoint::kafka::{Connection, Settings};
use crate::error::Error;
use crate::exit::Exit;
use crate::partition::{Answer, PARTITIONERS};
use crate::print::table;

/// Where the partition count comes from.
#[derive(Debug, Clone)]
pub enum Count {
    Fixed(i32),
    /// Ask the cluster how many partitions this topic has.
    Topic(String, Settings),
}

/// Where the keys come from.
#[derive(Debug, Clone)]
pub enum Keys {
    /// Typed as arguments.
    Given(Vec<String>),
    /// One per line on stdin (empty lines skipped), answered as they come.
    Stdin,
}

/// `partition` options.
#[derive(Debug, Clone)]
pub struct Config {
    pub keys: Keys,
    pub count: Count,
    pub key_format: Encoding,
    /// Show each key as a string and, when it is a number, as int32 and int64 too.
    pub compare_formats: bool,
    pub json: bool,
}

/// A table is printed once this many keys are in it (or 1 MiB of keys), and a new
/// one started: a person reads a part of a thousand keys as well as one table, and the whole
/// input is never held to size one table's columns.
pub const TABLE_KEYS: usize = 1000;

/// A table is also printed once the keys shown in it reach 1 MiB (one long key is a table of
/// its own).
const TABLE_BYTES: usize = 1 << 20;

/// A key is at most 1 MiB: a line without an end (`< /dev/zero`) is an error, not a process
/// that grows until it is killed.
const MAX_KEY: usize = 1 << 20;

/// How keys are turned into bytes and answered.
#[derive(Debug, Clone, Copy)]
struct Form {
    partitions: i32,
    key_format: Encoding,
    compare_formats: bool,
}

/// A key as bytes, with the format it was encoded in; the text and, for strings, the bytes
/// are borrowed from the line it was read from.
struct Key<'a> {
    text: &'a str,
    format: &'static str,
    bytes: Cow<'a, [u8]>,
}

pub fn run(cfg: Config) -> anyhow::Result<Exit> {
    let partitions = partition_count(&cfg.count)?;
    let form = Form {
        partitions,
        key_format: cfg.key_format,
        compare_formats: cfg.compare_formats,
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    match cfg.keys {
        Keys::Given(keys) => {
            // A bad argument is a usage error before anything is printed.
            for text in &keys {
                encode(text, form)?;
            }
            answer_keys(&mut Given { keys, next: 0 }, form, cfg.json, &mut out)?;
        }
        Keys::Stdin => {
            let mut lines = Lines::new(std::io::stdin().lock());
            answer_keys(&mut lines, form, cfg.json, &mut out)?;
        }
    }
    out.flush()?;
    Ok(Exit::Ok)
}

fn partition_count(count: &Count) -> anyhow::Result<i32> {
    let n = match count {
        Count::Fixed(n) => *n,
        Count::Topic(topic, settings) => {
            let conn = Connection::open(settings.clone())?;
            let topics = conn.topics()?;
            let t = conn.resolve(std::slice::from_ref(topic), &topics)?;
            t[0].partitions.len() as i32
        }
    };
    if n <= 0 {
        return Err(Error::Usage("the partition count must be at least 1".into()).into());
    }
    Ok(n)
}

/// Keys one at a time, each borrowed until the next is asked for.
trait KeySource {
    /// The next key, or `None` at the end.
    fn next_key(&mut self) -> anyhow::Result<Option<&str>>;
    /// Whether the next key is at hand without waiting for input. When it is not, what was
    /// written is flushed first: keys written one at a time are answered one at a time, and
    /// a pipe full of keys is still answered in blocks.
    fn at_hand(&self) -> bool;
}

/// Keys given as arguments.
struct Given {
    keys: Vec<String>,
    next: usize,
}

impl KeySource for Given {
    fn next_key(&mut self) -> anyhow::Result<Option<&str>> {
        self.next += 1;
        Ok(self.keys.get(self.next - 1).map(String::as_str))
    }

    fn at_hand(&self) -> bool {
        true
    }
}

/// Keys one per line from a reader: a `\r\n` end is taken as `\n`, empty lines are skipped,
/// and only the line in hand is kept.
struct Lines<R> {
    input: BufReader<R>,
    line: Vec<u8>,
    number: u64,
}

impl<R: Read> Lines<R> {
    fn new(input: R) -> Lines<R> {
        Lines {
            input: BufReader::with_capacity(64 << 10, input),
            line: Vec::new(),
            number: 0,
        }
    }
}

impl<R: Read> KeySource for Lines<R> {
    fn next_key(&mut self) -> anyhow::Result<Option<&str>> {
        loop {
            self.line.clear();
            let limit = MAX_KEY as u64 + 2;
            if (&mut self.input)
                .take(limit)
                .read_until(b'\n', &mut self.line)?
                == 0
            {
                return Ok(None);
            }
            self.number += 1;
            if crate::interrupt::interrupted() {
                return Err(Error::Interrupted.into());
            }
            let number = self.number;
            let text = self.line.strip_suffix(b"\n").unwrap_or(&self.line);
            let text = text.strip_suffix(b"\r").unwrap_or(text);
            if text.len() > MAX_KEY {
                return Err(
                    Error::Usage(format!("stdin line {number}: a key longer than 1 MiB")).into(),
                );
            }
            if text.is_empty() {
                continue;
            }
            let len = text.len();
            return match std::str::from_utf8(&self.line[..len]) {
                Ok(text) => Ok(Some(text)),
                Err(_) => Err(Error::Usage(format!(
                    "stdin line {number}: not UTF-8 (give hex keys with --key-format hex)"
                ))
                .into()),
            };
        }
    }

    fn at_hand(&self) -> bool {
        !self.input.buffer().is_empty()
    }
}

/// Answer every key of `keys` on `out` as it comes: a JSON line per key, or tables of at
/// most [`TABLE_KEYS`] keys. When a key fails, the table of the keys before it is still
/// printed.
fn answer_keys(
    keys: &mut dyn KeySource,
    form: Form,
    json: bool,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let mut table = (!json).then(|| Table::new(form));
    let mut each = || -> anyhow::Result<()> {
        while let Some(text) = keys.next_key()? {
            let encoded = encode(text, form)?;
            match &mut table {
                Some(t) => t.add(&encoded, out)?,
                None => {
                    for k in &encoded {
                        // As an io::Error, so that a closed pipe is seen as one (serde_json's
                        // error hides the io::Error from the chain).
                        serde_json::to_writer(&mut *out, &JsonLine { key: k, form })
                            .map_err(std::io::Error::from)?;
                        out.write_all(b"\n")?;
                    }
                }
            }
            if !keys.at_hand() {
                out.flush()?;
            }
        }
        Ok(())
    };
    let answered = each();
    if let Some(t) = &mut table {
        t.finish(answered.is_ok(), out)?;
    }
    answered
}

/// A key's encodings: as `--key-format` says, or with `--compare-formats` as a string and,
/// when it is a number, as an int32 and an int64.
fn encode(text: &str, form: Form) -> anyhow::Result<Vec<Key<'_>>> {
    if form.compare_formats {
        let mut keys = vec![Key {
            text,
            format: "string",
            bytes: Cow::Borrowed(text.as_bytes()),
        }];
        for (format, name) in [(Encoding::Int32, "int32"), (Encoding::Int64, "int64")] {
            if let Ok(b) = codec::encode_text(format, text) {
                keys.push(Key {
                    text,
                    format: name,
                    bytes: Cow::Owned(b),
                });
            }
        }
        return Ok(keys);
    }
    let bytes = match form.key_format {
        Encoding::Auto | Encoding::String | Encoding::Json => Cow::Borrowed(text.as_bytes()),
        f => Cow::Owned(
            codec::encode_text(f, text).map_err(|e| Error::Usage(format!("key '{text}': {e}")))?,
        ),
    };
    Ok(vec![Key {
        text,
        format: format_name(form.key_format),
        bytes,
    }])
}

/// One key's JSON line: `{"key", "format" (with --compare-formats), "partitions", "results"}`,
/// written straight from the key's bytes.
struct JsonLine<'a> {
    key: &'a Key<'a>,
    form: Form,
}

impl Serialize for JsonLine<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let fields = if self.form.compare_formats { 4 } else { 3 };
        let mut m = s.serialize_map(Some(fields))?;
        m.serialize_entry("key", &KeyBytes(&self.key.bytes))?;
        if self.form.compare_formats {
            m.serialize_entry("format", self.key.format)?;
        }
        m.serialize_entry("partitions", &self.form.partitions)?;
        m.serialize_entry(
            "results",
            &Results {
                bytes: &self.key.bytes,
                partitions: self.form.partitions,
            },
        )?;
        m.end()
    }
}

/// A key's bytes in the capture encoding: a string when UTF-8, `{"base64": ...}` otherwise
/// (as [`codec::bytes_value`], without the copy).
struct KeyBytes<'a>(&'a [u8]);

impl Serialize for KeyBytes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match std::str::from_utf8(self.0) {
            Ok(text) => s.serialize_str(text),
            Err(_) => codec::bytes_value(self.0).serialize(s),
        }
    }
}

/// Every partitioner's answer: the partition, or null where the client computes none.
struct Results<'a> {
    bytes: &'a [u8],
    partitions: i32,
}

impl Serialize for Results<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(PARTITIONERS.len()))?;
        for p in PARTITIONERS {
            match p.answer(Some(self.bytes), self.partitions) {
                Answer::Partition(x) => m.serialize_entry(p.name, &x)?,
                _ => m.serialize_entry(p.name, &())?,
            }
        }
        m.end()
    }
}

/// The partitioners grouped by answer, in the order of the first partitioner giving each,
/// then sorted by answer: one table row each.
fn grouped(bytes: &[u8], partitions: i32) -> Vec<(Answer, Vec<&'static str>)> {
    let mut groups: Vec<(Answer, Vec<&'static str>)> = Vec::new();
    for p in PARTITIONERS {
        let a = p.answer(Some(bytes), partitions);
        match groups.iter_mut().find(|(g, _)| *g == a) {
            Some((_, names)) => names.push(p.name),
            None => groups.push((a, vec![p.name])),
        }
    }
    groups.sort_by_key(|(a, _)| *a);
    groups
}

/// The table of the keys answered since the last one was printed.
struct Table {
    form: Form,
    rows: Vec<Vec<String>>,
    keys: usize,
    bytes: usize,
    /// Whether the "N partitions" line and a table were printed already.
    printed: bool,
}

impl Table {
    fn new(form: Form) -> Table {
        Table {
            form,
            rows: Vec::new(),
            keys: 0,
            bytes: 0,
            printed: false,
        }
    }

    /// Add a key's rows (one per encoding and distinct answer); print the table when full.
    fn add(&mut self, encoded: &[Key<'_>], out: &mut impl Write) -> anyhow::Result<()> {
        for k in encoded {
            let shown = match std::str::from_utf8(&k.bytes) {
                Ok("") if k.format == "string" => "\"\" (empty)".to_string(),
                Ok(s) if k.format == "string" => crate::print::escape::for_terminal(s).into_owned(),
                _ => k.text.to_string(),
            };
            for (a, names) in grouped(&k.bytes, self.form.partitions) {
                let mut row = vec![shown.clone()];
                if self.form.compare_formats {
                    row.push(k.format.to_string());
                }
                row.push(a.to_string());
                row.push(names.join(", "));
                self.bytes += shown.len();
                self.rows.push(row);
            }
        }
        self.keys += 1;
        if self.keys >= TABLE_KEYS || self.bytes >= TABLE_BYTES {
            self.print(out)?;
        }
        Ok(())
    }

    /// Print what is left: the last part, or an empty table when the input had no key (not
    /// when it `ended` in an error before one).
    fn finish(&mut self, ended: bool, out: &mut impl Write) -> anyhow::Result<()> {
        if !self.rows.is_empty() || (ended && !self.printed) {
            self.print(out)?;
        }
        Ok(())
    }

    fn print(&mut self, out: &mut impl Write) -> anyhow::Result<()> {
        let header: &[&str] = if self.form.compare_formats {
            &["key", "as", "partition", "partitioners"]
        } else {
            &["key", "partition", "partitioners"]
        };
        if !self.printed {
            writeln!(out, "{} partitions", self.form.partitions)?;
            self.printed = true;
        }
        let rows = std::mem::take(&mut self.rows);
        writeln!(out, "{}", table::render(header, rows, Some(100)))?;
        self.keys = 0;
        self.bytes = 0;
        Ok(())
    }
}

/// `evops partition --list`.
pub fn list(json: bool) -> anyhow::Result<Exit> {
    let mut out = std::io::stdout().lock();
    if json {
        for p in PARTITIONERS {
            let v = serde_json::json!({
                "name": p.name,
                "aliases": p.aliases,
                "hash": p.hash.describe(),
                "null_key": p.null_key.name(),
                "empty_key": p.empty_key.name(),
                "clients": p.clients,
            });
            serde_json::to_writer(&mut out, &v)?;
            out.write_all(b"\n")?;
        }
    } else {
        let rows: Vec<Vec<String>> = PARTITIONERS
            .iter()
            .map(|p| {
                vec![
                    p.name.to_string(),
                    p.aliases.join(", "),
                    p.hash.describe().to_string(),
                    p.null_key.name().to_string(),
                    p.empty_key.name().to_string(),
                    p.clients.to_string(),
                ]
            })
            .collect();
        writeln!(
            out,
            "{}",
            table::render(
                &[
                    "name",
                    "aliases",
                    "key → partition",
                    "null key",
                    "empty key",
                    "clients"
                ],
                &rows,
                Some(48)
            )
        )?;
    }
    out.flush()?;
    Ok(Exit::Ok)
}

fn format_name(f: Encoding) -> &'static str {
    match f {
        Encoding::Int32 => "int32",
        Encoding::Int64 => "int64",
        Encoding::Hex => "hex",
        Encoding::Base64 => "base64",
        _ => "string",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;
    use std::rc::Rc;

    const FORM: Form = Form {
        partitions: 12,
        key_format: Encoding::String,
        compare_formats: false,
    };

    /// Endless keys that panic when more than `most` are asked for: a run that read its
    /// input whole before answering would panic.
    struct Endless {
        given: usize,
        most: usize,
        key: String,
    }

    impl KeySource for Endless {
        fn next_key(&mut self) -> anyhow::Result<Option<&str>> {
            self.given += 1;
            assert!(self.given <= self.most, "read past key {}", self.most);
            self.key = format!("key-{}", self.given);
            Ok(Some(&self.key))
        }
        fn at_hand(&self) -> bool {
            true
        }
    }

    /// A reader that goes away (`| head`) once what it was given is `enough`.
    struct Head {
        seen: Rc<RefCell<Vec<u8>>>,
        enough: fn(&str) -> bool,
    }

    impl Write for Head {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            let mut seen = self.seen.borrow_mut();
            if (self.enough)(&String::from_utf8_lossy(&seen)) {
                return Err(std::io::ErrorKind::BrokenPipe.into());
            }
            seen.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Answer endless keys, at most `most` of them, until the output is `enough`.
    fn answer_until(json: bool, most: usize, enough: fn(&str) -> bool) -> (anyhow::Error, String) {
        let seen = Rc::new(RefCell::new(Vec::new()));
        let mut out = Head {
            seen: seen.clone(),
            enough,
        };
        let mut keys = Endless {
            given: 0,
            most,
            key: String::new(),
        };
        let e = answer_keys(&mut keys, FORM, json, &mut out).expect_err("the reader went away");
        let text = String::from_utf8(seen.take()).expect("UTF-8");
        (e, text)
    }

    #[test]
    fn json_lines_are_written_as_keys_come() {
        let (e, out) = answer_until(true, 3, |s| s.ends_with('\n') && s.contains("\"key-2\""));
        assert!(crate::pipeline::is_broken_pipe(&e), "{e:#}");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 2, "{out}");
        assert!(lines[1].starts_with(r#"{"key":"key-2","partitions":12,"results":{"java":"#));
    }

    #[test]
    fn a_table_is_printed_a_part_at_a_time() {
        let (e, out) = answer_until(false, TABLE_KEYS, |s| s.contains('╯'));
        assert!(crate::pipeline::is_broken_pipe(&e), "{e:#}");
        assert!(out.starts_with("12 partitions\n╭"), "{out}");
        assert!(out.contains(&format!("│ key-{TABLE_KEYS} ")));
        assert!(!out.contains(&format!("key-{}", TABLE_KEYS + 1)));
    }

    #[test]
    fn lines_skip_empty_ones_and_keep_only_the_line_in_hand() {
        let mut lines = Lines::new(&b"a\r\n\nb\nc"[..]);
        let mut keys = Vec::new();
        while let Some(k) = lines.next_key().expect("keys") {
            keys.push(k.to_string());
        }
        assert_eq!(keys, ["a", "b", "c"]);
        let long = vec![b'k'; MAX_KEY + 1];
        let e = Lines::new(&long[..]).next_key().expect_err("too long");
        assert!(
            e.to_string().contains("line 1: a key longer than 1 MiB"),
            "{e}"
        );
        let e = Lines::new(&b"\n\xff\n"[..])
            .next_key()
            .expect_err("not UTF-8");
        assert!(e.to_string().contains("line 2: not UTF-8"), "{e}");
    }

    #[test]
    fn a_bad_key_still_prints_the_table_of_the_keys_before_it() {
        let mut keys = Given {
            keys: vec!["ab".into(), "zz".into()],
            next: 0,
        };
        let form = Form {
            key_format: Encoding::Hex,
            ..FORM
        };
        let mut out = Vec::new();
        let e = answer_keys(&mut keys, form, false, &mut out).expect_err("zz is not hex");
        assert!(e.to_string().contains("'zz' is not hex"), "{e}");
        let out = String::from_utf8(out).expect("UTF-8");
        assert!(
            out.starts_with("12 partitions\n╭") && out.contains("│ ab "),
            "{out}"
        );
    }
}

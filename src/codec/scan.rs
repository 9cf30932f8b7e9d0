//! The fast walker of a [`Plan`]: one validating pass over a JSON document that answers each
//! slot with the *span* of what its path meets (the leaf's JSON text, never a built value), so
//! that reading an event type costs no allocation. It accepts exactly what `serde_json` accepts:
//! the same whitespace, number grammar and range, string escapes and surrogates, and trailing
//! text, nested within evops's bound ([`MAX_DEPTH`](super::depth::MAX_DEPTH), below
//! `serde_json`'s own limit); the rare forms whose checks are subtle (escapes, exponents, huge
//! integers) are handed to `serde_json` itself. The `json_project` fuzz target holds it to a
//! full parse and the bound.
//! Pure.

use std::ops::Range;

use super::slots::{Node, Plan, Reach};

/// The document is not JSON (or not UTF-8). Callers that show why re-read it with `serde_json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Invalid;

/// A document the walk accepted, which its spans index.
#[derive(Debug, Clone, Copy)]
pub struct Doc<'a>(&'a [u8]);

impl<'a> Doc<'a> {
    /// The JSON text of a span the walk gave.
    pub fn text(self, r: Range<usize>) -> &'a str {
        // Outside strings, JSON is ASCII; every string's UTF-8 was checked by the walk, and
        // spans start and end outside strings or at their quotes.
        std::str::from_utf8(&self.0[r]).expect("an accepted document is UTF-8")
    }

    pub fn bytes(self) -> &'a [u8] {
        self.0
    }
}

/// Walk `bytes` (one JSON document) and fill one [`Reach`] per slot with the span of the value
/// met; the document, which the spans index.
pub fn fill<'a>(
    bytes: &'a [u8],
    plan: &Plan,
    out: &mut Vec<Reach<Range<usize>>>,
) -> Result<Doc<'a>, Invalid> {
    out.clear();
    out.resize(plan.slots(), Reach::Null);
    // UTF-8 is checked string by string, and only in strings with a byte above ASCII: outside
    // strings, anything but ASCII is refused by the grammar anyway. (A pass over the whole
    // document first cost an eighth of the walk.)
    let mut s = Scan::new(bytes);
    s.ws();
    s.at(plan.root(), 0, out)?;
    s.end()?;
    Ok(Doc(bytes))
}

/// The span of the one JSON document in `bytes`, without the whitespace around it, when
/// `serde_json` accepts it and it nests at most [`MAX_DEPTH`](super::depth::MAX_DEPTH) levels:
/// what a JSON line may carry verbatim, checked in the one walk.
pub fn document(bytes: &[u8]) -> Result<Range<usize>, Invalid> {
    let mut s = Scan::new(bytes);
    s.ws();
    let start = s.i;
    s.value()?;
    let span = start..s.i;
    s.end()?;
    Ok(span)
}

/// The JSON text of `bytes` (without the whitespace around it) when it may stand for itself in
/// a record's JSON view: one document that `serde_json` takes as raw text and that nests at
/// most [`MAX_DEPTH`](super::depth::MAX_DEPTH) levels. One walk answers the common case; what
/// it refuses is asked of `serde_json`, which also takes numbers beyond `f64`'s range as text.
pub fn json_text(bytes: &[u8]) -> Option<&[u8]> {
    if let Ok(span) = document(bytes) {
        return Some(&bytes[span]);
    }
    super::depth::check(bytes).ok()?;
    serde_json::from_slice::<&serde_json::value::RawValue>(bytes)
        .ok()
        .map(|raw| raw.get().as_bytes())
}

/// The text of a string span (quotes included): borrowed when it has no escapes.
pub fn string(text: &str) -> Option<std::borrow::Cow<'_, str>> {
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    if inner.contains('\\') {
        serde_json::from_str::<String>(text).ok().map(Into::into)
    } else {
        Some(inner.into())
    }
}

struct Scan<'a> {
    b: &'a [u8],
    i: usize,
    depth: usize,
}

type Out = Vec<Reach<Range<usize>>>;

impl<'a> Scan<'a> {
    fn new(b: &'a [u8]) -> Scan<'a> {
        Scan { b, i: 0, depth: 0 }
    }

    /// After the document: only whitespace may follow (events are often padded with it),
    /// checked in one pass that the compiler vectorizes, rather than byte by byte.
    fn end(&self) -> Result<(), Invalid> {
        let rest = &self.b[self.i..];
        if rest.iter().fold(true, |ok, &c| {
            ok & matches!(c, b' ' | b'\n' | b'\t' | b'\r')
        }) {
            Ok(())
        } else {
            Err(Invalid)
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.i += 1;
        }
    }

    /// The value here, for the plan node `node` reached after `names` member names.
    fn at(&mut self, node: &Node, names: usize, out: &mut Out) -> Result<(), Invalid> {
        let start = self.i;
        if let Some(slot) = node.slot {
            self.value()?;
            out[slot] = Reach::Leaf(start..self.i);
            return Ok(());
        }
        let all = |out: &mut Out, r: Reach<Range<usize>>| {
            for &s in &node.under {
                out[s] = r.clone();
            }
        };
        match self.peek() {
            Some(b'{') => {
                // Members not present give null; the last of repeated members counts.
                all(out, Reach::Null);
                self.object(|s, key| {
                    match node.children.iter().find(|(n, _)| n.as_bytes() == key) {
                        Some((_, child)) => s.at(child, names + 1, out),
                        None => s.value(),
                    }
                })
            }
            Some(b'n') => {
                self.value()?;
                all(out, Reach::Null);
                Ok(())
            }
            _ => {
                self.value()?;
                all(out, Reach::Stuck(names, start..self.i));
                Ok(())
            }
        }
    }

    /// Skip one value, checking it.
    fn value(&mut self) -> Result<(), Invalid> {
        match self.peek().ok_or(Invalid)? {
            b'{' => self.object(|s, _| s.value()),
            b'[' => self.array(),
            b'"' => self.string().map(|_| ()),
            b'n' => self.word(b"null"),
            b't' => self.word(b"true"),
            b'f' => self.word(b"false"),
            b'-' | b'0'..=b'9' => self.number(),
            _ => Err(Invalid),
        }
    }

    /// Step into a container ending with `end`: `true` when it is empty (and already left).
    fn enter(&mut self, end: u8) -> Result<bool, Invalid> {
        self.depth += 1;
        self.i += 1;
        // Deeper than evops reads is refused, as the full view refuses it (serde_json's own
        // limit is higher): a path never reads into a value that is a bad record elsewhere.
        if self.depth > super::depth::MAX_DEPTH {
            return Err(Invalid);
        }
        self.ws();
        if self.peek() == Some(end) {
            self.i += 1;
            self.depth -= 1;
            return Ok(true);
        }
        Ok(false)
    }

    /// An object, calling `member` with the scanner at each member's value.
    fn object(
        &mut self,
        mut member: impl FnMut(&mut Self, &[u8]) -> Result<(), Invalid>,
    ) -> Result<(), Invalid> {
        if self.enter(b'}')? {
            return Ok(());
        }
        loop {
            if self.peek() != Some(b'"') {
                return Err(Invalid);
            }
            let (span, escaped) = self.string()?;
            let unescaped;
            let key = if escaped {
                let text = std::str::from_utf8(&self.b[span]).map_err(|_| Invalid)?;
                unescaped = string(text).ok_or(Invalid)?;
                unescaped.as_bytes()
            } else {
                &self.b[span.start + 1..span.end - 1]
            };
            self.ws();
            if self.peek() != Some(b':') {
                return Err(Invalid);
            }
            self.i += 1;
            self.ws();
            member(self, key)?;
            if self.close(b'}')? {
                return Ok(());
            }
        }
    }

    fn array(&mut self) -> Result<(), Invalid> {
        if self.enter(b']')? {
            return Ok(());
        }
        loop {
            self.value()?;
            if self.close(b']')? {
                return Ok(());
            }
        }
    }

    /// After a member or element: `true` at the container's end, `false` after a comma.
    fn close(&mut self, end: u8) -> Result<bool, Invalid> {
        self.ws();
        match self.peek() {
            Some(b',') => {
                self.i += 1;
                self.ws();
                Ok(false)
            }
            Some(b) if b == end => {
                self.i += 1;
                self.depth -= 1;
                Ok(true)
            }
            _ => Err(Invalid),
        }
    }

    fn word(&mut self, w: &[u8]) -> Result<(), Invalid> {
        if self.b[self.i..].starts_with(w) {
            self.i += w.len();
            Ok(())
        } else {
            Err(Invalid)
        }
    }

    /// A string's span, quotes included, and whether it has escapes (checked by `serde_json`:
    /// surrogate pairs). Its UTF-8 is checked when it has a byte above ASCII.
    fn string(&mut self) -> Result<(Range<usize>, bool), Invalid> {
        let start = self.i;
        self.i += 1;
        let mut escaped = false;
        let mut ascii = true;
        loop {
            self.i = if ascii {
                special(self.b, self.i)
            } else {
                special_or_high(self.b, self.i)
            };
            match self.peek() {
                Some(b'"') => break,
                Some(b'\\') => {
                    escaped = true;
                    // The escaped byte may be a quote; what it may be is serde_json's to say.
                    self.i += 2;
                }
                Some(0x80..) => ascii = false,
                _ => return Err(Invalid),
            }
        }
        self.i += 1;
        let span = start..self.i;
        if escaped {
            let text = std::str::from_utf8(&self.b[span.clone()]).map_err(|_| Invalid)?;
            serde_json::from_str::<String>(text).map_err(|_| Invalid)?;
        } else if !ascii {
            std::str::from_utf8(&self.b[span.clone()]).map_err(|_| Invalid)?;
        }
        Ok((span, escaped))
    }

    /// A number by JSON's grammar; those that could be out of `f64`'s range (an exponent, 300
    /// digits or more) are checked by `serde_json`, which refuses them.
    fn number(&mut self) -> Result<(), Invalid> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        let int = self.i;
        match self.peek() {
            Some(b'0') => self.i += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(Invalid),
        }
        let long = self.i - int >= 300;
        if self.peek() == Some(b'.') {
            self.i += 1;
            self.some_digits()?;
        }
        let exponent = matches!(self.peek(), Some(b'e' | b'E'));
        if exponent {
            self.i += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.i += 1;
            }
            self.some_digits()?;
        }
        if (long || exponent)
            && serde_json::from_slice::<serde_json::Value>(&self.b[start..self.i]).is_err()
        {
            return Err(Invalid);
        }
        Ok(())
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.i += 1;
        }
    }

    fn some_digits(&mut self) -> Result<(), Invalid> {
        let start = self.i;
        self.digits();
        if self.i == start {
            Err(Invalid)
        } else {
            Ok(())
        }
    }
}

/// The index of the first byte from `i` that ends a plain run of ASCII string text: a quote, a
/// backslash, a control character or a byte above ASCII (or the end). Eight bytes at a time:
/// strings are most of an event's bytes.
fn special(b: &[u8], i: usize) -> usize {
    run(b, i, HIGH)
}

/// As [`special`], in a string already known to hold bytes above ASCII: those do not end a run.
fn special_or_high(b: &[u8], i: usize) -> usize {
    run(b, i, 0)
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The first byte from `i` that is a quote, a backslash, a control character, or (where `high`
/// is [`HIGH`]) above ASCII.
fn run(b: &[u8], mut i: usize, high: u64) -> usize {
    while let Some(chunk) = b.get(i..i + 8) {
        let x = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let quote = x ^ (ONES * u64::from(b'"'));
        let slash = x ^ (ONES * u64::from(b'\\'));
        // The classic "has a zero byte" test, exact for the lowest flagged byte (borrows only
        // run upward), which is the one taken. A byte above ASCII is flagged by its own top
        // bit; `& !x` keeps it from being taken for a control character.
        let hits = (quote.wrapping_sub(ONES) & !quote)
            | (slash.wrapping_sub(ONES) & !slash)
            | (x.wrapping_sub(ONES * 0x20) & !x)
            | (x & high);
        let hits = hits & HIGH;
        if hits != 0 {
            return i + (hits.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if c == b'"' || c == b'\\' || c < 0x20 || (c >= 0x80 && high != 0) {
            break;
        }
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::super::slots::tests::paths;
    use super::*;
    use serde_json::Value;

    /// The verdict of a full parse, and in every slot what walking the parsed document along
    /// the slot's path meets.
    fn agree(doc: &[u8], list: &[&str]) {
        let names = paths(list);
        let (plan, answers) = Plan::new(&names);
        let mut spans = Vec::new();
        let fast = fill(doc, &plan, &mut spans);
        let full = serde_json::from_slice::<Value>(doc)
            .ok()
            .filter(|_| crate::codec::depth::check(doc).is_ok())
            .ok_or(());
        assert_eq!(
            fast.is_ok(),
            full.is_ok(),
            "{}",
            String::from_utf8_lossy(doc)
        );
        let (Ok(doc), Ok(full)) = (fast, full) else {
            return;
        };
        let text = std::str::from_utf8(doc.bytes()).unwrap();
        let parse = |r: &Range<usize>| serde_json::from_str::<Value>(doc.text(r.clone())).unwrap();
        for (p, &(slot, used)) in names.iter().zip(&answers) {
            let got = match &spans[slot] {
                Reach::Null => Reach::Null,
                Reach::Leaf(r) => Reach::Leaf(parse(r)),
                Reach::Stuck(n, r) => Reach::Stuck(*n, parse(r)),
            };
            assert_eq!(got, walk(&full, &p[..used]), "{p:?} in {text}");
        }
    }

    /// What jq meets walking `path` from `v`.
    fn walk(mut v: &Value, path: &[String]) -> Reach<Value> {
        for (i, name) in path.iter().enumerate() {
            v = match v {
                Value::Null => return Reach::Null,
                Value::Object(m) => match m.get(name) {
                    Some(x) => x,
                    None => return Reach::Null,
                },
                other => return Reach::Stuck(i, other.clone()),
            };
        }
        Reach::Leaf(v.clone())
    }

    #[test]
    fn spans_answer_what_values_answer() {
        let list = ["data.type", "data.n.k", "specversion", "meta", "a.b.c"];
        for doc in [
            r#"{"data":{"type":"x","n":null,"s":"text","a":[1]},"meta":{"host":"h"}}"#,
            r#"{"data":{"type":"x"},"data":5}"#,
            r#" {"specversion" : "1.0" , "data" : {"n":{"k":[1,{"a":2}]}}} "#,
            r#"{"data":{"type":"caf\u00e9 \"q\" \ud83d\ude00"},"a":{"b":false}}"#,
            r#"{"d\u0061ta":{"type":"escaped key"}}"#,
            r#"{"a":{"b":{"c":-0.5e-3}},"x":[true,null,1E+2,0,-0,12.75]}"#,
            "[1,2]",
            "null",
            "\"text\"",
            "  42  ",
        ] {
            agree(doc.as_bytes(), &list);
        }
    }

    #[test]
    fn refuses_what_serde_json_refuses() {
        let list = ["data.type", "meta"];
        for doc in [
            "",
            " ",
            "{",
            "{\"data\":}",
            "{\"a\":1,}",
            "[1,]",
            "[1 2]",
            "{\"a\" 1}",
            "{a:1}",
            "01",
            "1.",
            ".5",
            "-",
            "1e",
            "1e+",
            "1e400",
            "-1.8e308",
            "{\"a\":1} x",
            "{\"a\":\"tab\there\"}",
            "{\"a\":\"\\x\"}",
            "{\"a\":\"\\ud800\"}",
            "{\"a\":\"\\udc00\"}",
            "{\"a\":\"\\u12\"}",
            "{\"a\":\"unterminated}",
            "nul",
            "tru",
            "[falsy]",
            "\u{feff}{}",
        ] {
            agree(doc.as_bytes(), &list);
            let (plan, _) = Plan::new(&paths(&list));
            assert_eq!(
                fill(doc.as_bytes(), &plan, &mut Vec::new()).err(),
                Some(Invalid),
                "{doc}"
            );
        }
        // Accepted at the edges of the rules above.
        for doc in ["0e400", "1e-400", "1.5e308", "{\"a\":\"\\ud83d\\ude00\"}"] {
            agree(doc.as_bytes(), &list);
        }
        let nines = "9".repeat(309);
        agree(nines.as_bytes(), &list);
        agree(format!("{}.5", &nines[1..]).as_bytes(), &list);
        agree(b"{\"data\":{\"type\":\"\x82\"}}", &list);
    }

    /// The nesting bound is evops's (100 levels, below serde_json's 128), whether the deep part
    /// is on a path or skipped.
    #[test]
    fn nesting_is_bounded_as_in_every_reader() {
        for n in [99, 100, 101, 102, 126, 127, 128, 129] {
            let arrays = format!("{{\"x\":{}{}}}", "[".repeat(n - 1), "]".repeat(n - 1));
            let objects = format!("{}1{}", "{\"data\":".repeat(n), "}".repeat(n));
            agree(arrays.as_bytes(), &["data.type"]);
            agree(objects.as_bytes(), &["data.type"]);
            agree(objects.as_bytes(), &["data.data.data.data"]);
        }
    }

    #[test]
    fn string_spans_read_as_text() {
        assert_eq!(string(r#""plain""#).as_deref(), Some("plain"));
        assert_eq!(string(r#""a\"b""#).as_deref(), Some("a\"b"));
        assert_eq!(string("7"), None);
        // Every byte boundary of the eight-byte scan.
        for n in 0..20 {
            let s = format!("\"{}\"", "é".repeat(n));
            agree(
                format!("{{\"data\":{{\"type\":{s}}}}}").as_bytes(),
                &["data.type"],
            );
            let ctl = format!("{{\"data\":{{\"type\":\"{}\u{1}\"}}}}", "a".repeat(n));
            agree(ctl.as_bytes(), &["data.type"]);
        }
    }

    /// UTF-8 is checked in strings only (outside them the grammar allows nothing but ASCII):
    /// bad sequences at every place of the eight-byte scan, in keys and values, before and
    /// after good ones and escapes; and bytes above ASCII outside strings.
    #[test]
    fn utf8_is_refused_where_serde_json_refuses_it() {
        let bad: [&[u8]; 6] = [
            b"\xff",
            b"\xc3",
            b"\xe2\x82",
            b"\xed\xa0\x80",
            b"\xc0\xaf",
            b"\x80",
        ];
        for n in 0..17 {
            let pad = "a".repeat(n);
            for b in bad {
                for (pre, post) in [("", ""), ("\\u00e9", ""), ("é", "é"), ("\\n", "x")] {
                    let mut inner = format!("{pad}{pre}").into_bytes();
                    inner.extend_from_slice(b);
                    inner.extend_from_slice(post.as_bytes());
                    let mut value = b"{\"data\":{\"type\":\"".to_vec();
                    value.extend_from_slice(&inner);
                    value.extend_from_slice(b"\"}}");
                    agree(&value, &["data.type"]);
                    let mut key = b"{\"".to_vec();
                    key.extend_from_slice(&inner);
                    key.extend_from_slice(b"\":1,\"data\":{\"type\":\"t\"}}");
                    agree(&key, &["data.type"]);
                }
            }
        }
        for doc in [
            &b"{\"a\":1}\xc3\xa9"[..],
            b"\xc3\xa9{}",
            b"{\"a\":\xc3\xa9}",
            b"[1,\xe2\x80\x80]",
        ] {
            agree(doc, &["a"]);
        }
    }
}

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
    let i = at(bytes, ws_at(bytes, 0), 0, plan.root(), 0, out)?;
    end(bytes, i)?;
    Ok(Doc(bytes))
}

/// The span of the one JSON document in `bytes`, without the whitespace around it, when
/// `serde_json` accepts it and it nests at most [`MAX_DEPTH`](super::depth::MAX_DEPTH) levels:
/// what a JSON line may carry verbatim, checked in the one walk.
pub fn document(bytes: &[u8]) -> Result<Range<usize>, Invalid> {
    let start = ws_at(bytes, 0);
    let span = start..skip(bytes, start, 0)?;
    end(bytes, span.end)?;
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

/// Byte-wise equality, inlined: member names are short, and a call to `memcmp` for each cost
/// more than comparing them.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

type Out = Vec<Reach<Range<usize>>>;

/// After the document: only whitespace may follow (events are often padded with spaces,
/// skipped eight at a time).
fn end(b: &[u8], mut i: usize) -> Result<(), Invalid> {
    const SPACES: u64 = u64::from_le_bytes([b' '; 8]);
    while let Some(chunk) = b.get(i..i + 8) {
        if u64::from_le_bytes(chunk.try_into().expect("eight bytes")) != SPACES {
            break;
        }
        i += 8;
    }
    if b[i..]
        .iter()
        .all(|c| matches!(c, b' ' | b'\n' | b'\t' | b'\r'))
    {
        Ok(())
    } else {
        Err(Invalid)
    }
}

// The walk's inner loops, as functions of the bytes and an index rather than methods on the
// scanner: the index stays in a register (through `&mut self` it went to memory and back at
// every byte, which was most of the walk's time).

#[inline(always)]
#[allow(clippy::inline_always)] // Measured: a plain hint left some calls, 6% of the walk.
fn ws_at(b: &[u8], mut i: usize) -> usize {
    while let Some(b' ' | b'\n' | b'\t' | b'\r') = b.get(i) {
        i += 1;
    }
    i
}

/// Check the one value at `i` (its first byte), nested in `depth` containers already; the
/// index after it. Containers are followed with a stack of bits (object or array), not by
/// recursion: the depth is bounded below 128.
fn skip(b: &[u8], mut i: usize, depth: usize) -> Result<usize, Invalid> {
    const _: () = assert!(super::depth::MAX_DEPTH < 128);
    let mut objects: u128 = 0;
    let mut open = 0;
    loop {
        // At a value.
        match *b.get(i).ok_or(Invalid)? {
            c @ (b'{' | b'[') => {
                open += 1;
                if depth + open > super::depth::MAX_DEPTH {
                    return Err(Invalid);
                }
                i = ws_at(b, i + 1);
                let object = c == b'{';
                if b.get(i) == Some(&if object { b'}' } else { b']' }) {
                    i += 1;
                    open -= 1;
                } else {
                    objects = objects << 1 | u128::from(object);
                    if object {
                        i = member_name(b, i)?;
                    }
                    continue;
                }
            }
            b'"' => i = string_at(b, i)?.0,
            b'-' | b'0'..=b'9' => i = number_at(b, i)?,
            b'n' => i = word_at(b, i, b"null")?,
            b't' => i = word_at(b, i, b"true")?,
            b'f' => i = word_at(b, i, b"false")?,
            _ => return Err(Invalid),
        }
        // After a value: close what ends here, up to the next value.
        loop {
            if open == 0 {
                return Ok(i);
            }
            i = ws_at(b, i);
            let object = objects & 1 == 1;
            match b.get(i) {
                Some(b',') => {
                    i = ws_at(b, i + 1);
                    if object {
                        i = member_name(b, i)?;
                    }
                    break;
                }
                Some(b'}') if object => {}
                Some(b']') if !object => {}
                _ => return Err(Invalid),
            }
            i += 1;
            objects >>= 1;
            open -= 1;
        }
    }
}

/// A member's name at `i`, its colon and the whitespace after: the index of its value.
#[inline(always)]
#[allow(clippy::inline_always)] // Measured: a plain hint left some calls, 6% of the walk.
fn member_name(b: &[u8], i: usize) -> Result<usize, Invalid> {
    if b.get(i) != Some(&b'"') {
        return Err(Invalid);
    }
    let i = ws_at(b, string_at(b, i)?.0);
    if b.get(i) != Some(&b':') {
        return Err(Invalid);
    }
    Ok(ws_at(b, i + 1))
}

fn word_at(b: &[u8], i: usize, w: &[u8]) -> Result<usize, Invalid> {
    if b[i..].starts_with(w) {
        Ok(i + w.len())
    } else {
        Err(Invalid)
    }
}

/// The string at `i` (its opening quote): the index after its closing quote, and whether it
/// has escapes (checked by `serde_json`: surrogate pairs). Its UTF-8 is checked when it has a
/// byte above ASCII.
#[inline(always)]
#[allow(clippy::inline_always)] // Measured: a plain hint left some calls, 6% of the walk.
fn string_at(b: &[u8], start: usize) -> Result<(usize, bool), Invalid> {
    // Most strings are plain ASCII up to their closing quote: found a chunk at a time, and
    // the string taken as soon as the first special byte is that quote.
    let mut i = start + 1;
    while let Some((quote, other)) = chunk_flags(b, i) {
        let hits = quote | other;
        if hits == 0 {
            i += 8;
            continue;
        }
        let first = hits & hits.wrapping_neg();
        if quote & first != 0 {
            return Ok((i + (first.trailing_zeros() / 8) as usize + 1, false));
        }
        break;
    }
    string_rest(b, start, i)
}

/// The rest of the string at `start` from `i` on, once it has something other than plain ASCII.
#[cold]
#[inline(never)]
fn string_rest(b: &[u8], start: usize, mut i: usize) -> Result<(usize, bool), Invalid> {
    let mut escaped = false;
    let mut ascii = true;
    loop {
        i = if ascii {
            special(b, i)
        } else {
            special_or_high(b, i)
        };
        match b.get(i) {
            Some(b'"') => break,
            Some(b'\\') => {
                escaped = true;
                // The escaped byte may be a quote; what it may be is serde_json's to say.
                i += 2;
            }
            Some(0x80..) => ascii = false,
            _ => return Err(Invalid),
        }
    }
    i += 1;
    if escaped {
        let text = std::str::from_utf8(&b[start..i]).map_err(|_| Invalid)?;
        serde_json::from_str::<String>(text).map_err(|_| Invalid)?;
    } else if !ascii {
        std::str::from_utf8(&b[start..i]).map_err(|_| Invalid)?;
    }
    Ok((i, escaped))
}

/// A number by JSON's grammar at `start`; the index after it. Those that could be out of
/// `f64`'s range (an exponent, 300 digits or more) are checked by `serde_json`, which refuses
/// them.
fn number_at(b: &[u8], start: usize) -> Result<usize, Invalid> {
    let mut i = start + usize::from(b[start] == b'-');
    let int = i;
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i = digits_at(b, i),
        _ => return Err(Invalid),
    }
    let long = i - int >= 300;
    if b.get(i) == Some(&b'.') {
        i = some_digits_at(b, i + 1)?;
    }
    let exponent = matches!(b.get(i), Some(b'e' | b'E'));
    if exponent {
        i += 1;
        if let Some(b'+' | b'-') = b.get(i) {
            i += 1;
        }
        i = some_digits_at(b, i)?;
    }
    if (long || exponent) && serde_json::from_slice::<serde_json::Value>(&b[start..i]).is_err() {
        return Err(Invalid);
    }
    Ok(i)
}

fn digits_at(b: &[u8], mut i: usize) -> usize {
    while let Some(b'0'..=b'9') = b.get(i) {
        i += 1;
    }
    i
}

fn some_digits_at(b: &[u8], i: usize) -> Result<usize, Invalid> {
    let end = digits_at(b, i);
    if end == i {
        Err(Invalid)
    } else {
        Ok(end)
    }
}

/// The value at `i`, nested in `depth` containers, for the plan node `node` reached after
/// `names` member names: each slot at or under it answered; the index after the value.
fn at(
    b: &[u8],
    i: usize,
    depth: usize,
    node: &Node,
    names: usize,
    out: &mut Out,
) -> Result<usize, Invalid> {
    let start = i;
    if let Some(slot) = node.slot {
        let end = skip(b, i, depth)?;
        out[slot] = Reach::Leaf(start..end);
        return Ok(end);
    }
    let (end, reach) = match b.get(i) {
        // Members not present give null; the last of repeated members counts.
        Some(b'{') => {
            for &s in &node.under {
                out[s] = Reach::Null;
            }
            return members(b, i, depth, node, names, out);
        }
        Some(b'n') => (word_at(b, i, b"null")?, Reach::Null),
        _ => {
            let end = skip(b, i, depth)?;
            (end, Reach::Stuck(names, start..end))
        }
    };
    for &s in &node.under {
        out[s] = reach.clone();
    }
    Ok(end)
}

/// The members of the object at `i` (its brace), walked for the plan node `node`.
fn members(
    b: &[u8],
    i: usize,
    depth: usize,
    node: &Node,
    names: usize,
    out: &mut Out,
) -> Result<usize, Invalid> {
    let depth = depth + 1;
    if depth > super::depth::MAX_DEPTH {
        return Err(Invalid);
    }
    let mut i = ws_at(b, i + 1);
    if b.get(i) == Some(&b'}') {
        return Ok(i + 1);
    }
    loop {
        if b.get(i) != Some(&b'"') {
            return Err(Invalid);
        }
        let (end, escaped) = string_at(b, i)?;
        let unescaped;
        let key = if escaped {
            let text = std::str::from_utf8(&b[i..end]).map_err(|_| Invalid)?;
            unescaped = string(text).ok_or(Invalid)?;
            unescaped.as_bytes()
        } else {
            &b[i + 1..end - 1]
        };
        i = ws_at(b, end);
        if b.get(i) != Some(&b':') {
            return Err(Invalid);
        }
        i = ws_at(b, i + 1);
        i = match node.children.iter().find(|(n, _)| same(n.as_bytes(), key)) {
            Some((_, child)) => at(b, i, depth, child, names + 1, out)?,
            None => skip(b, i, depth)?,
        };
        i = ws_at(b, i);
        match b.get(i) {
            Some(b',') => i = ws_at(b, i + 1),
            Some(b'}') => return Ok(i + 1),
            _ => return Err(Invalid),
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

/// Of the eight string bytes at `i` (`None` near the end): the flags (top bit of a byte) of
/// quotes, and of backslashes, control characters and bytes above ASCII.
#[inline(always)]
#[allow(clippy::inline_always)] // Measured: a plain hint left some calls, 6% of the walk.
fn chunk_flags(b: &[u8], i: usize) -> Option<(u64, u64)> {
    let x = u64::from_le_bytes(b.get(i..i + 8)?.try_into().expect("eight bytes"));
    Some(flags(x))
}

/// Of eight string bytes: the flags (top bit of a byte) of quotes, and of backslashes, control
/// characters and bytes above ASCII. Each is exact at its lowest flagged byte.
fn flags(x: u64) -> (u64, u64) {
    let quote = x ^ (ONES * u64::from(b'"'));
    let slash = x ^ (ONES * u64::from(b'\\'));
    let quote = quote.wrapping_sub(ONES) & !quote & HIGH;
    let other =
        ((slash.wrapping_sub(ONES) & !slash) | (x.wrapping_sub(ONES * 0x20) & !x) | x) & HIGH;
    (quote, other)
}

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

    /// `cargo test --release --lib -- --ignored walk_speed --nocapture`: documents per second
    /// of the event-type walk (`specversion`, `data.type`, `type`) over the benchmark's event
    /// shape, padded to 300 bytes as `tests/bench.sh` pads it.
    #[test]
    #[ignore = "a manual speed check: run it in release, by name"]
    fn walk_speed() {
        let kinds = ["article_published", "article_viewed", "comment_posted"];
        let docs: Vec<Vec<u8>> = (0..100_000)
            .map(|i| {
                let line = format!(
                    r#"{{"data":{{"id":"a-{i}","type":"{}","attributes":{{"user_id":"u-{}","title":"Ten years with an MX-5","tribe_id":"t-{:02}","duration_ms":{},"referrer":"feed"}}}},"meta":{{"created_at":"2026-11-23T10:00:00.000Z","host":"api-1.eu-west-1"}}}}"#,
                    kinds[i % 3],
                    i % 50_000,
                    i % 40,
                    i * 7 % 120_000
                );
                format!("{line:300}").into_bytes()
            })
            .collect();
        let (plan, _) = Plan::new(&paths(&["specversion", "data.type", "type"]));
        let mut spans = Vec::new();
        let mut best = std::time::Duration::MAX;
        for _ in 0..10 {
            let start = std::time::Instant::now();
            for d in &docs {
                assert!(fill(d, &plan, &mut spans).is_ok());
            }
            best = best.min(start.elapsed());
        }
        let per_second = docs.len() as f64 / best.as_secs_f64();
        eprintln!(
            "walk: {per_second:.0} documents/s ({:.0} ns each)",
            1e9 / per_second
        );
    }
}

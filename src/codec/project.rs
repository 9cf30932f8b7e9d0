//! Projection: read only the parts of a JSON document that a question needs. A filter that
//! asks for `data.type` should not build a tree of the whole event for every record; this
//! decoder walks the bytes once, keeps the named members (a name may be a `*` glob), skips the
//! rest without allocating, and still rejects invalid JSON exactly as a full parse does.
//!
//! What a projection keeps is faithful where it reaches: along a path, an object keeps only the
//! named members, and anything that is not an object (a string, a number, an array, null) is
//! kept whole, so that asking for `data.type` of `{"data": "null"}` sees the string, as the
//! full document would. A path's last name keeps its whole value. A document nested deeper
//! than evops reads ([`MAX_DEPTH`](super::depth::MAX_DEPTH)) is refused, as by every reader of
//! record bytes. Pure.

use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

/// The paths to keep, as a tree of names.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trie {
    /// Keep this value whole.
    whole: bool,
    children: Vec<(String, Trie)>,
}

impl Trie {
    /// Nothing is kept.
    pub fn new() -> Trie {
        Trie::default()
    }

    /// A trie of dotted paths (`data.attributes.*_id`), for tests.
    #[cfg(test)]
    pub(crate) fn of_dotted(paths: &[&str]) -> Trie {
        let mut t = Trie::new();
        for p in paths {
            t.add(&p.split('.').collect::<Vec<_>>());
        }
        t
    }

    /// Keep everything.
    pub fn everything() -> Trie {
        Trie {
            whole: true,
            children: Vec::new(),
        }
    }

    /// Whether anything is kept at all.
    pub fn is_empty(&self) -> bool {
        !self.whole && self.children.is_empty()
    }

    /// Whether the whole value is kept.
    pub fn is_whole(&self) -> bool {
        self.whole
    }

    /// Keep the value at this path (names, `*` globs allowed), whole.
    pub fn add<S: AsRef<str>>(&mut self, path: &[S]) {
        if self.whole {
            return;
        }
        let Some((first, rest)) = path.split_first() else {
            self.whole = true;
            self.children.clear();
            return;
        };
        let first = first.as_ref();
        let i = match self.children.iter().position(|(n, _)| n == first) {
            Some(i) => i,
            None => {
                let start = self.covering(first);
                self.children.push((first.to_string(), start));
                self.children.len() - 1
            }
        };
        self.children[i].1.add(rest);
        // A member takes its exact name's child alone (see `child`), so that child must also
        // hold what every glob beside it keeps: `data.id` and `d*.type` both reach `data`.
        if first.contains('*') {
            for (name, t) in &mut self.children {
                if !name.contains('*') && glob(first, name) {
                    t.add(rest);
                }
            }
        }
    }

    /// A new exact name's child: what the globs beside it that match the name already keep.
    fn covering(&self, name: &str) -> Trie {
        let mut t = Trie::new();
        if name.contains('*') {
            return t;
        }
        for (g, sub) in &self.children {
            if g.contains('*') && glob(g, name) {
                t.merge(sub);
            }
        }
        t
    }

    /// Keep also what `other` keeps.
    fn merge(&mut self, other: &Trie) {
        if other.whole {
            self.add::<&str>(&[]);
        }
        for (name, sub) in &other.children {
            if self.whole {
                return;
            }
            let i = match self.children.iter().position(|(n, _)| n == name) {
                Some(i) => i,
                None => {
                    self.children.push((name.clone(), Trie::new()));
                    self.children.len() - 1
                }
            };
            self.children[i].1.merge(sub);
        }
    }

    /// The child for a member name: an exact name first, then the first glob that matches.
    fn child(&self, name: &str) -> Option<&Trie> {
        self.children
            .iter()
            .find(|(n, _)| n == name)
            .or_else(|| {
                self.children
                    .iter()
                    .find(|(n, _)| n.contains('*') && glob(n, name))
            })
            .map(|(_, t)| t)
    }

    /// The same paths without those under a top-level name.
    pub fn without(&self, name: &str) -> Trie {
        let mut t = self.clone();
        t.children.retain(|(n, _)| n != name);
        t
    }

    /// The child for a top-level name, for callers that split a view by field.
    pub fn get(&self, name: &str) -> Option<&Trie> {
        if self.whole {
            return Some(self);
        }
        self.child(name)
    }
}

/// `*` matches any run of characters; everything else matches itself.
pub fn glob(pattern: &str, s: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if parts.len() == 1 {
        return pattern == s;
    }
    if !s.starts_with(first) || s.len() < first.len() + last.len() || !s.ends_with(last) {
        return false;
    }
    let mut rest = &s[first.len()..s.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

/// What a projection builds: a JSON tree type (serde's `Value` for the envelope shortcuts,
/// jq's `Val` for expressions).
pub trait Build: Sized + for<'de> de::Deserialize<'de> {
    /// A whole JSON text, parsed the way this type's own parser does (jq's keeps decimal text
    /// and big integers exactly).
    fn parse(json: &str) -> Result<Self, String>;
    fn null() -> Self;
    fn boolean(b: bool) -> Self;
    fn int(n: i64) -> Self;
    fn uint(n: u64) -> Self;
    fn float(n: f64) -> Self;
    fn string(s: String) -> Self;
    fn array(items: Vec<Self>) -> Self;
    fn object(members: Vec<(String, Self)>) -> Self;
}

impl Build for Value {
    fn parse(json: &str) -> Result<Self, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }
    fn null() -> Self {
        Value::Null
    }
    fn boolean(b: bool) -> Self {
        Value::Bool(b)
    }
    fn int(n: i64) -> Self {
        Value::from(n)
    }
    fn uint(n: u64) -> Self {
        Value::from(n)
    }
    fn float(n: f64) -> Self {
        serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
    fn string(s: String) -> Self {
        Value::String(s)
    }
    fn array(items: Vec<Self>) -> Self {
        Value::Array(items)
    }
    fn object(members: Vec<(String, Self)>) -> Self {
        Value::Object(members.into_iter().collect::<Map<String, Value>>())
    }
}

impl Build for jaq_json::Val {
    fn parse(json: &str) -> Result<Self, String> {
        quick_leaf(json.as_bytes())
            .map_or_else(|| read_val(json.as_bytes(), super::depth::MAX_DEPTH), Ok)
    }
    fn null() -> Self {
        jaq_json::Val::Null
    }
    fn boolean(b: bool) -> Self {
        jaq_json::Val::Bool(b)
    }
    fn int(n: i64) -> Self {
        jaq_json::Val::Num(jaq_json::Num::from_integral(n))
    }
    fn uint(n: u64) -> Self {
        jaq_json::Val::Num(jaq_json::Num::from_integral(n))
    }
    fn float(n: f64) -> Self {
        jaq_json::Val::Num(jaq_json::Num::Float(n))
    }
    fn string(s: String) -> Self {
        jaq_json::Val::utf8_str(s.into_bytes())
    }
    fn array(items: Vec<Self>) -> Self {
        items.into_iter().collect()
    }
    fn object(members: Vec<(String, Self)>) -> Self {
        let mut m = jaq_json::Map::default();
        for (k, v) in members {
            m.insert(jaq_json::Val::utf8_str(k.into_bytes()), v);
        }
        jaq_json::Val::obj(m)
    }
}

/// A JSON text as a jq value, refusing what nests deeper than `levels` before jq's parser
/// (which recurses once per level, without a limit) sees it.
pub fn read_val(json: &[u8], levels: usize) -> Result<jaq_json::Val, String> {
    super::depth::check_within(json, levels).map_err(|e| e.0)?;
    jaq_json::read::parse_single(json).map_err(|e| e.to_string())
}

/// The common leaves without jq's parser: a string without escapes or control characters, and
/// a plain integer that fits 64 bits. `None`: let the parser read it.
fn quick_leaf(b: &[u8]) -> Option<jaq_json::Val> {
    if b.len() >= 2 && b[0] == b'"' && b[b.len() - 1] == b'"' {
        let inner = &b[1..b.len() - 1];
        if inner
            .iter()
            .all(|c| *c != b'\\' && *c != b'"' && *c >= 0x20)
        {
            return Some(jaq_json::Val::utf8_str(inner.to_vec()));
        }
        return None;
    }
    let digits = b.strip_prefix(b"-").unwrap_or(b);
    let plain = !digits.is_empty()
        && digits.len() <= 18
        && digits.iter().all(u8::is_ascii_digit)
        && (digits.len() == 1 || digits[0] != b'0');
    if plain && digits != b"0" || b == b"0" {
        let n: i64 = std::str::from_utf8(b).ok()?.parse().ok()?;
        return Some(jaq_json::Val::Num(jaq_json::Num::from_integral(n)));
    }
    None
}

/// Decode the JSON document in `bytes`, keeping what `trie` names. Invalid JSON is an error,
/// as with a full parse, and so is a document nested deeper than [`MAX_DEPTH`](super::depth::MAX_DEPTH).
pub fn project(bytes: &[u8], trie: &Trie) -> Result<Value, serde_json::Error> {
    project_as(bytes, trie)
}

/// [`project`], building any [`Build`] type.
pub fn project_as<T: Build>(bytes: &[u8], trie: &Trie) -> Result<T, serde_json::Error> {
    // serde_json's own limit (128) is above evops's bound: without this, a path would read
    // into a value that the full view refuses as too deep.
    super::depth::check(bytes).map_err(|e| <serde_json::Error as de::Error>::custom(e.0))?;
    let mut de = serde_json::Deserializer::from_str(utf8(bytes)?);
    let v = Keep(trie, 0, std::marker::PhantomData).deserialize(&mut de)?;
    de.end()?;
    Ok(v)
}

/// The document as text. A skipped member's strings are scanned, not decoded, so serde_json
/// would not see invalid UTF-8 in them; a full parse refuses it anywhere, and so must a
/// projection (or a value the full view shows as bytes would be judged as JSON).
pub(crate) fn utf8(bytes: &[u8]) -> Result<&str, serde_json::Error> {
    std::str::from_utf8(bytes)
        .map_err(|e| <serde_json::Error as de::Error>::custom(format!("not UTF-8: {e}")))
}

/// A seed that keeps what a trie names, inside this many containers.
struct Keep<'t, T>(&'t Trie, usize, std::marker::PhantomData<T>);

impl<'de, T: Build> DeserializeSeed<'de> for Keep<'_, T> {
    type Value = T;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        if self.0.whole {
            return whole(d, self.1);
        }
        d.deserialize_any(self)
    }
}

impl<'de, T: Build> Visitor<'de> for Keep<'_, T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut out: Vec<(String, T)> = Vec::new();
        while let Some(hit) = map.next_key_seed(Name(self.0))? {
            match hit {
                Some((name, trie)) => {
                    let v =
                        map.next_value_seed(Keep::<T>(trie, self.1 + 1, std::marker::PhantomData))?;
                    // A repeated member: the last one counts, as in a full parse.
                    out.retain(|(n, _)| *n != name);
                    out.push((name, v));
                }
                None => {
                    map.next_value::<Skipped>()?;
                }
            }
        }
        Ok(T::object(out))
    }

    // Anything but an object is kept whole along a path.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<T, A::Error> {
        let mut out = Vec::new();
        while let Some(raw) = seq.next_element::<&'de serde_json::value::RawValue>()? {
            out.push(parse_at(raw.get(), self.1 + 1).map_err(de::Error::custom)?);
        }
        Ok(T::array(out))
    }
    fn visit_bool<E>(self, b: bool) -> Result<T, E> {
        Ok(T::boolean(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<T, E> {
        Ok(T::int(n))
    }
    fn visit_u64<E>(self, n: u64) -> Result<T, E> {
        Ok(T::uint(n))
    }
    fn visit_f64<E>(self, n: f64) -> Result<T, E> {
        Ok(T::float(n))
    }
    fn visit_str<E>(self, s: &str) -> Result<T, E> {
        Ok(T::string(s.to_string()))
    }
    fn visit_string<E>(self, s: String) -> Result<T, E> {
        Ok(T::string(s))
    }
    fn visit_unit<E>(self) -> Result<T, E> {
        Ok(T::null())
    }
    fn visit_none<E>(self) -> Result<T, E> {
        Ok(T::null())
    }
}

/// A kept value, whole: its exact text, parsed by the type's own parser (so that numbers read
/// as they would in a full parse).
pub(crate) fn whole<'de, D: de::Deserializer<'de>, T: Build>(
    d: D,
    enclosing: usize,
) -> Result<T, D::Error> {
    let raw: &'de serde_json::value::RawValue = de::Deserialize::deserialize(d)?;
    parse_at(raw.get(), enclosing).map_err(de::Error::custom)
}

/// A kept value's text, parsed on its own, within the nesting limit of the whole document: the
/// `enclosing` containers around it count (read as a raw span, its own nesting is not counted
/// by the outer parse, so a document a full parse refuses was accepted).
pub(crate) fn parse_at<T: Build>(raw: &str, enclosing: usize) -> Result<T, String> {
    let room = (super::depth::SERDE_JSON_LIMIT - 1).saturating_sub(enclosing);
    super::depth::check_within(raw.as_bytes(), room)
        .map_err(|_| "recursion limit exceeded".to_string())?;
    T::parse(raw)
}

/// A member name: the name and its trie when it is kept, `None` when it is skipped (without
/// allocating for borrowed names).
struct Name<'t>(&'t Trie);

impl<'de, 't> DeserializeSeed<'de> for Name<'t> {
    type Value = Option<(String, &'t Trie)>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'t> Visitor<'_> for Name<'t> {
    type Value = Option<(String, &'t Trie)>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok(self.0.child(s).map(|t| (s.to_string(), t)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn trie(paths: &[&str]) -> Trie {
        Trie::of_dotted(paths)
    }

    #[test]
    fn keeps_only_what_is_named() {
        let doc = br#"{"data":{"id":"a-1","type":"x","attributes":{"user_id":"u","n":[1,{"a":2}],"author_id":"v"}},"meta":{"host":"h"}}"#;
        let v = project(doc, &trie(&["data.type", "data.attributes.*_id"])).unwrap();
        assert_eq!(
            v,
            json!({"data":{"type":"x","attributes":{"user_id":"u","author_id":"v"}}})
        );
        let v = project(doc, &trie(&["data.attributes"])).unwrap();
        assert_eq!(v["data"]["attributes"]["n"], json!([1, {"a": 2}]));
        assert_eq!(
            project(doc, &Trie::everything()).unwrap(),
            serde_json::from_slice::<Value>(doc).unwrap()
        );
    }

    /// Regression (sweep 4): a member kept whole (or an array element along a path) was parsed
    /// from its own text, its nesting counted from zero: `filter --type` accepted a document
    /// nested 128 deep that a full parse (and `stats`'s span walker) refuses.
    #[test]
    fn a_kept_member_is_nested_within_the_documents_limit() {
        // Around evops's bound (the deepest part is n + 2 levels), and around serde_json's.
        for n in (96..=100).chain(124..=128) {
            let deep = format!("{}1{}", "[".repeat(n), "]".repeat(n));
            let doc = format!(r#"{{"data":{{"type":"x","deep":{deep}}},"a":[{deep}]}}"#);
            let full = serde_json::from_str::<Value>(&doc).is_ok()
                && crate::codec::depth::check(doc.as_bytes()).is_ok();
            for paths in [&["data"][..], &["data.type", "data"], &["a.b"], &["a"]] {
                let got = project(doc.as_bytes(), &trie(paths)).is_ok();
                assert_eq!(got, full, "{n} {paths:?}");
                let names: Vec<Vec<String>> = paths
                    .iter()
                    .map(|p| p.split('.').map(str::to_string).collect())
                    .collect();
                let (plan, _) = super::super::slots::Plan::new(&names);
                let got = super::super::scan::fill(doc.as_bytes(), &plan, &mut Vec::new());
                assert_eq!(got.is_ok(), full, "spans {n} {paths:?}");
            }
        }
    }

    /// Regression (sweep 4): `--type-path 'd*.type'` read no type at all, because the default id
    /// path `data.id` made an exact `data` child that a member named `data` took alone.
    #[test]
    fn a_glob_beside_an_exact_name_keeps_its_paths_in_either_order() {
        let doc = br#"{"data":{"id":"a-1","type":"x","n":1},"dx":{"type":"y","id":"b"}}"#;
        let want = json!({"data":{"id":"a-1","type":"x"},"dx":{"type":"y"}});
        for paths in [["data.id", "d*.type"], ["d*.type", "data.id"]] {
            assert_eq!(project(doc, &trie(&paths)).unwrap(), want, "{paths:?}");
        }
        let whole = project(doc, &trie(&["data.id", "*"])).unwrap();
        assert_eq!(whole, serde_json::from_slice::<Value>(doc).unwrap());
    }

    /// Regression (fuzz, json_project): invalid UTF-8 in a member the projection skips was
    /// accepted, where a full parse refuses the document.
    #[test]
    fn invalid_utf8_in_a_skipped_member_is_refused_as_by_a_full_parse() {
        let doc = b"{\"data\":{\"type\":\"\x82\"},\"meta\":1}";
        assert!(serde_json::from_slice::<Value>(doc).is_err());
        assert!(project(doc, &trie(&["meta"])).is_err());
        assert!(project_as::<jaq_json::Val>(doc, &trie(&["meta"])).is_err());
        assert!(project(doc, &trie(&["data.type"])).is_err());
    }

    #[test]
    fn non_objects_along_a_path_are_kept_whole() {
        assert_eq!(
            project(br#"{"data":"null"}"#, &trie(&["data.type"])).unwrap(),
            json!({"data": "null"})
        );
        assert_eq!(
            project(br#"{"data":[{"type":1}]}"#, &trie(&["data.type"])).unwrap(),
            json!({"data": [{"type": 1}]})
        );
        assert_eq!(project(b"[1,2]", &trie(&["a"])).unwrap(), json!([1, 2]));
    }

    #[test]
    fn invalid_json_is_still_an_error() {
        for bad in [
            &b"{\"a\":1,"[..],
            b"{\"a\":1} x",
            b"{\"b\":[1,}",
            b"{\"b\":tru}",
        ] {
            assert!(
                project(bad, &trie(&["a"])).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn escaped_names_match() {
        let v = project(br#"{"d\u0061ta":{"type":"x"}}"#, &trie(&["data.type"])).unwrap();
        assert_eq!(v, json!({"data":{"type":"x"}}));
    }

    #[test]
    fn quick_leaves_read_as_the_parser_reads_them() {
        use jaq_json::Val;
        let texts = [
            "\"plain\"",
            "\"\"",
            "\"with \\\"escape\\\"\"",
            "\"\\u00e9\"",
            "0",
            "-7",
            "42",
            "123456789012345678",
            "1234567890123456789012",
            "-0",
            "01",
            "1.50",
            "1e3",
            "true",
            "null",
            "[1,2]",
            "\"tab\\there\"",
        ];
        for text in texts {
            let quick = <Val as Build>::parse(text);
            let full = jaq_json::read::parse_single(text.as_bytes()).map_err(|e| e.to_string());
            match (quick, full) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(a, b, "{text}");
                    assert_eq!(a.to_string(), b.to_string(), "{text}");
                }
                (a, b) => assert_eq!(a.is_err(), b.is_err(), "{text}"),
            }
        }
    }

    #[test]
    fn jq_values_too() {
        let doc = br#"{"data":{"type":"x","n":1.5,"k":[1,null]},"data":{"type":"y"}}"#;
        let v: jaq_json::Val = project_as(doc, &trie(&["data.type", "data.n"])).unwrap();
        assert_eq!(v.to_string(), r#"{"data":{"type":"y"}}"#);
        let v: jaq_json::Val = project_as(
            br#"{"data":{"type":"x","n":1.5,"k":[1,null]}}"#,
            &trie(&["data"]),
        )
        .unwrap();
        assert_eq!(
            v.to_string(),
            r#"{"data":{"type":"x","n":1.5,"k":[1,null]}}"#
        );
    }
}

/// A member the projection skips, read as a full parse reads it: serde's `IgnoredAny` only
/// checks a number's syntax, where a parse into a value refuses one out of f64's range
/// (`1e400`); the projection must refuse the same documents as the full parse (found by the
/// json_project fuzz target). Strings and the rest are only checked, as before.
pub(crate) struct Skipped;

impl<'de> Deserialize<'de> for Skipped {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Skipped, D::Error> {
        d.deserialize_any(SkipVisitor).map(|()| Skipped)
    }
}

struct SkipVisitor;

impl<'de> Visitor<'de> for SkipVisitor {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<Skipped>()?.is_some() {}
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while map.next_entry::<IgnoredAny, Skipped>()?.is_some() {}
        Ok(())
    }
}

#[cfg(test)]
mod skipped_tests {
    use super::*;

    #[test]
    fn a_skipped_number_out_of_range_is_refused_as_by_a_full_parse() {
        let doc = br#"{"a":1,"b":[44444E4444444444444444,2]}"#;
        assert!(serde_json::from_slice::<serde_json::Value>(doc).is_err());
        let mut trie = Trie::new();
        trie.add(&["a".to_string()]);
        assert!(project(doc, &trie).is_err());
        let ok = br#"{"a":1,"b":[1e300,"x\u00e9",{"c":null}]}"#;
        assert!(project(ok, &trie).is_ok());
    }
}

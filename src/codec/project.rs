//! Projection: read only the parts of a JSON document that a question needs. A filter that
//! asks for `data.type` should not build a tree of the whole event for every record; this
//! decoder walks the bytes once, keeps the named members (a name may be a `*` glob), skips the
//! rest without allocating, and still rejects invalid JSON exactly as a full parse does.
//!
//! What a projection keeps is faithful where it reaches: along a path, an object keeps only the
//! named members, and anything that is not an object (a string, a number, an array, null) is
//! kept whole, so that asking for `data.type` of `{"data": "null"}` sees the string, as the
//! full document would. A path's last name keeps its whole value. Pure.

use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
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
                self.children.push((first.to_string(), Trie::new()));
                self.children.len() - 1
            }
        };
        self.children[i].1.add(rest);
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

/// Decode the JSON document in `bytes`, keeping what `trie` names. Invalid JSON is an error,
/// as with a full parse.
pub fn project(bytes: &[u8], trie: &Trie) -> Result<Value, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let v = Keep(trie).deserialize(&mut de)?;
    de.end()?;
    Ok(v)
}

/// A seed that keeps what a trie names.
struct Keep<'t>(&'t Trie);

impl<'de> DeserializeSeed<'de> for Keep<'_> {
    type Value = Value;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        if self.0.whole {
            return de::Deserialize::deserialize(d);
        }
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Keep<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(hit) = map.next_key_seed(Name(self.0))? {
            match hit {
                Some((name, trie)) => {
                    let v = map.next_value_seed(Keep(trie))?;
                    out.insert(name, v);
                }
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Value::Object(out))
    }

    // Anything but an object is kept whole along a path.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element::<Value>()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::from(n))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::from(n))
    }
    fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_string()))
    }
    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
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

impl<'de, 't> Visitor<'de> for Name<'t> {
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
        let mut t = Trie::new();
        for p in paths {
            t.add(&p.split('.').collect::<Vec<_>>());
        }
        t
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
}

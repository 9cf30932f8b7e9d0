//! Leaf-only projection: for a fixed set of paths (exact member names), walk a JSON document
//! once and record, for each path, what a jq path expression would meet: the value at its end,
//! `null` (a member was missing or null on the way), or the first value on the way that is not
//! an object (which jq cannot index). No object along the way is built; only the leaves are.
//! This is what lets the direct evaluator of [`crate::expr::fast`] read `.value.data.type` at
//! about the cost of validating the JSON. Pure.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use super::project::Build;

/// What a path met in one document.
#[derive(Debug, Clone, PartialEq)]
pub enum Reach<T> {
    /// A member on the way was missing or `null`: the path gives `null`.
    Null,
    /// The value at the end of the path (or of the shortest requested prefix of it).
    Leaf(T),
    /// After this many names, the value met was not an object (nor null): indexing it with the
    /// next name is jq's "cannot index" error.
    Stuck(usize, T),
}

/// The set of paths, as a tree whose leaves own slots.
#[derive(Debug, Default)]
pub struct Plan {
    root: Node,
    count: usize,
}

#[derive(Debug, Default)]
pub(crate) struct Node {
    pub(crate) slot: Option<usize>,
    pub(crate) children: Vec<(Box<str>, Node)>,
    /// Every slot at or under this node.
    pub(crate) under: Vec<usize>,
}

impl Node {
    /// Fill in `under` here and below; the slots at or under this node.
    fn fill_under(&mut self) -> Vec<usize> {
        let mut all: Vec<usize> = self.slot.into_iter().collect();
        for (_, c) in &mut self.children {
            all.extend(c.fill_under());
        }
        self.under.clone_from(&all);
        all
    }
}

impl Plan {
    /// A plan for these paths; for each, the slot that answers it and how many of its names the
    /// slot covers (fewer than all when a shorter prefix is also asked for: the rest is walked
    /// in the leaf value).
    pub fn new(paths: &[Vec<String>]) -> (Plan, Vec<(usize, usize)>) {
        let mut plan = Plan::default();
        // Shorter paths first, so that a prefix becomes the leaf that covers longer ones.
        let mut order: Vec<usize> = (0..paths.len()).collect();
        order.sort_by_key(|&i| paths[i].len());
        for &i in &order {
            let mut node = &mut plan.root;
            for name in &paths[i] {
                if node.slot.is_some() {
                    break;
                }
                let at = match node.children.iter().position(|(n, _)| &**n == name) {
                    Some(at) => at,
                    None => {
                        node.children.push((name.as_str().into(), Node::default()));
                        node.children.len() - 1
                    }
                };
                node = &mut node.children[at].1;
            }
            if node.slot.is_none() && node.children.is_empty() {
                node.slot = Some(plan.count);
                plan.count += 1;
            }
        }
        plan.root.fill_under();
        let answers = paths
            .iter()
            .map(|p| {
                let mut node = &plan.root;
                let mut used = 0;
                while node.slot.is_none() {
                    let name = &p[used];
                    node = &node
                        .children
                        .iter()
                        .find(|(n, _)| **n == **name)
                        .expect("every path was added")
                        .1;
                    used += 1;
                }
                (node.slot.expect("a leaf"), used)
            })
            .collect();
        (plan, answers)
    }

    pub fn slots(&self) -> usize {
        self.count
    }

    /// The tree's root, for the other walker of a plan ([`super::scan`]).
    pub(crate) fn root(&self) -> &Node {
        &self.root
    }
}

/// Walk `bytes` (one JSON document) and fill one [`Reach`] per slot. Invalid JSON is an error,
/// as with a full parse.
pub fn fill<T: Build + Clone>(
    bytes: &[u8],
    plan: &Plan,
    out: &mut Vec<Reach<T>>,
) -> Result<(), serde_json::Error> {
    out.clear();
    out.resize(plan.count, Reach::Null);
    let mut de = serde_json::Deserializer::from_str(super::project::utf8(bytes)?);
    At {
        node: &plan.root,
        depth: 0,
        out,
    }
    .deserialize(&mut de)?;
    de.end()
}

struct At<'p, 'o, T> {
    node: &'p Node,
    depth: usize,
    out: &'o mut Vec<Reach<T>>,
}

impl<T: Clone> At<'_, '_, T> {
    fn all(&mut self, r: Reach<T>) {
        for &s in &self.node.under {
            self.out[s] = r.clone();
        }
    }

    /// A scalar or array where the paths wanted go deeper: every slot below gets it, stuck at
    /// this depth. (Infallible; the visitor's methods return it as their result.)
    fn stuck<E>(&mut self, value: T) -> Result<(), E> {
        self.all(Reach::Stuck(self.depth, value));
        Ok(())
    }
}

impl<'de, T: Build + Clone> DeserializeSeed<'de> for At<'_, '_, T> {
    type Value = ();

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        if let Some(slot) = self.node.slot {
            self.out[slot] = Reach::Leaf(super::project::whole(d, self.depth)?);
            return Ok(());
        }
        d.deserialize_any(self)
    }
}

impl<'de, T: Build + Clone> Visitor<'de> for At<'_, '_, T> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        // Members not present give null.
        self.all(Reach::Null);
        while let Some(child) = map.next_key_seed(Child(self.node))? {
            match child {
                Some(node) => map.next_value_seed(At {
                    node,
                    depth: self.depth + 1,
                    out: &mut *self.out,
                })?,
                None => {
                    map.next_value::<super::project::Skipped>()?;
                }
            }
        }
        Ok(())
    }

    fn visit_unit<E>(mut self) -> Result<(), E> {
        self.all(Reach::Null);
        Ok(())
    }
    fn visit_none<E>(mut self) -> Result<(), E> {
        self.all(Reach::Null);
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<(), A::Error> {
        let mut items = Vec::new();
        while let Some(raw) = seq.next_element::<&'de serde_json::value::RawValue>()? {
            items.push(
                super::project::parse_at(raw.get(), self.depth + 1)
                    .map_err(serde::de::Error::custom)?,
            );
        }
        self.stuck(T::array(items))
    }
    fn visit_bool<E>(mut self, b: bool) -> Result<(), E> {
        self.stuck(T::boolean(b))
    }
    fn visit_i64<E>(mut self, n: i64) -> Result<(), E> {
        self.stuck(T::int(n))
    }
    fn visit_u64<E>(mut self, n: u64) -> Result<(), E> {
        self.stuck(T::uint(n))
    }
    fn visit_f64<E>(mut self, n: f64) -> Result<(), E> {
        self.stuck(T::float(n))
    }
    fn visit_str<E>(mut self, s: &str) -> Result<(), E> {
        self.stuck(T::string(s.to_string()))
    }
}

/// A member name: the child node to descend into, or `None` to skip the member.
struct Child<'p>(&'p Node);

impl<'de, 'p> DeserializeSeed<'de> for Child<'p> {
    type Value = Option<&'p Node>;

    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'p> Visitor<'_> for Child<'p> {
    type Value = Option<&'p Node>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_str<E>(self, s: &str) -> Result<Self::Value, E> {
        Ok(self
            .0
            .children
            .iter()
            .find(|(n, _)| &**n == s)
            .map(|(_, c)| c))
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use serde_json::{json, Value};

    /// Dotted paths as member names.
    pub(in crate::codec) fn paths(list: &[&str]) -> Vec<Vec<String>> {
        list.iter()
            .map(|p| p.split('.').map(str::to_string).collect())
            .collect()
    }

    fn reach(doc: &str, list: &[&str]) -> Vec<Reach<Value>> {
        let (plan, answers) = Plan::new(&paths(list));
        let mut out = Vec::new();
        fill(doc.as_bytes(), &plan, &mut out).unwrap();
        answers.iter().map(|(s, _)| out[*s].clone()).collect()
    }

    #[test]
    fn leaves_nulls_and_stuck_places() {
        let doc = r#"{"data":{"type":"x","n":null,"s":"text","a":[1]},"meta":{"host":"h"}}"#;
        assert_eq!(
            reach(
                doc,
                &[
                    "data.type",
                    "data.n.k",
                    "data.missing.k",
                    "data.s.k",
                    "data.a.k",
                    "meta"
                ]
            ),
            vec![
                Reach::Leaf(json!("x")),
                Reach::Null,
                Reach::Null,
                Reach::Stuck(2, json!("text")),
                Reach::Stuck(2, json!([1])),
                Reach::Leaf(json!({"host":"h"})),
            ]
        );
        assert_eq!(reach("[1,2]", &["a"]), vec![Reach::Stuck(0, json!([1, 2]))]);
        assert_eq!(reach("null", &["a"]), vec![Reach::Null]);
        // The last of repeated members counts, as in a full parse.
        assert_eq!(
            reach(r#"{"data":{"type":"x"},"data":5}"#, &["data.type"]),
            vec![Reach::Stuck(1, json!(5))]
        );
    }

    #[test]
    fn a_requested_prefix_covers_longer_paths() {
        let (plan, answers) = Plan::new(&paths(&["data.type", "data"]));
        assert_eq!(plan.slots(), 1);
        assert_eq!(answers, vec![(0, 1), (0, 1)]);
    }

    /// Regression (fuzz, json_project): invalid UTF-8 in a skipped member was accepted, so
    /// the fast path judged as JSON a value the full view shows as bytes.
    #[test]
    fn invalid_utf8_in_a_skipped_member_is_an_error() {
        let (plan, _) = Plan::new(&paths(&["meta"]));
        let mut out: Vec<Reach<Value>> = Vec::new();
        let doc = b"{\"data\":{\"type\":\"\x82\"},\"meta\":1}";
        assert!(serde_json::from_slice::<Value>(doc).is_err());
        assert!(fill(doc, &plan, &mut out).is_err());
    }

    #[test]
    fn invalid_json_is_an_error() {
        let (plan, _) = Plan::new(&paths(&["a"]));
        let mut out: Vec<Reach<Value>> = Vec::new();
        assert!(fill(b"{\"b\":[1,}", &plan, &mut out).is_err());
        assert!(fill(b"{\"a\":1} x", &plan, &mut out).is_err());
    }
}

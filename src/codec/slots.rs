//! Leaf-only projection, planned: for a fixed set of paths (exact member names), the tree of
//! names that [`super::scan`] walks a JSON document along, once, to record for each path what a
//! jq path expression would meet: the value at its end, `null` (a member was missing or null on
//! the way), or the first value on the way that is not an object (which jq cannot index).
//! Nothing along the way is built. This is what lets the direct evaluator of
//! [`crate::expr::fast`] and the envelope shortcuts read `.value.data.type` at about the cost of
//! validating the JSON. Pure.

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

    /// What each path meets, as the span walker finds it, parsed.
    fn reach(doc: &str, list: &[&str]) -> Vec<Reach<Value>> {
        let (plan, answers) = Plan::new(&paths(list));
        let mut out = Vec::new();
        let doc = super::super::scan::fill(doc.as_bytes(), &plan, &mut out).unwrap();
        let parse = |r: &std::ops::Range<usize>| serde_json::from_str(doc.text(r.clone())).unwrap();
        answers
            .iter()
            .map(|(s, _)| match &out[*s] {
                Reach::Null => Reach::Null,
                Reach::Leaf(r) => Reach::Leaf(parse(r)),
                Reach::Stuck(n, r) => Reach::Stuck(*n, parse(r)),
            })
            .collect()
    }

    fn fill(doc: &[u8], plan: &Plan) -> Result<(), super::super::scan::Invalid> {
        super::super::scan::fill(doc, plan, &mut Vec::new()).map(|_| ())
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
        let doc = b"{\"data\":{\"type\":\"\x82\"},\"meta\":1}";
        assert!(serde_json::from_slice::<Value>(doc).is_err());
        assert!(fill(doc, &plan).is_err());
    }

    #[test]
    fn invalid_json_is_an_error() {
        let (plan, _) = Plan::new(&paths(&["a"]));
        assert!(fill(b"{\"b\":[1,}", &plan).is_err());
        assert!(fill(b"{\"a\":1} x", &plan).is_err());
    }
}

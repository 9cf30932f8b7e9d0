//! A direct evaluator for the predicates people write most (`.value.data.type == "x" and
//! .value.data.attributes.amount > 100`): paths from the view, literals, comparisons, `and`,
//! `or`, `| not`, `| test("literal")` (with literal flags), `(...)?` and a top-level
//! `select(...)`. It gives exactly jq's answers — the
//! comparisons, indexing and error messages are jaq's own — without starting jaq's interpreter
//! for every record, which costs more than the rest of the filter together. Anything outside
//! this subset runs on jaq. Pinned to jaq by tests.

use jaq_core::load::lex::StrPart;
use jaq_core::load::parse::{BinaryOp, Term};
use jaq_core::ops::Cmp;
use jaq_core::path::{Opt, Part};
use std::borrow::Cow;
use std::cell::Cell;
use std::ops::Range;

use jaq_json::Val;

use crate::codec::project::{parse_at, Build};
use crate::codec::slots::{Plan, Reach};

/// A compiled predicate of the subset.
#[derive(Debug)]
pub struct Fast {
    node: Node,
    /// The paths into the value, for reading it span by span ([`crate::codec::scan`]).
    plan: Plan,
    /// For each value path (in the order of `Node::Path`'s index): its slot and how many names
    /// after `value` the slot covers.
    answers: Vec<(usize, usize)>,
}

/// Room for the spans of a value read by [`Fast::read`], kept from record to record.
pub type Spans = Vec<Reach<Range<usize>>>;

/// A JSON value read for the direct evaluator: the spans its paths meet, in its text. A leaf
/// is built only when a comparison cannot be answered from its text (`path == "literal"` on a
/// string, a `null` or a value of another kind never is).
pub struct Leaves<'a> {
    doc: crate::codec::scan::Doc<'a>,
    spans: &'a [Reach<Range<usize>>],
    /// Set when a leaf could not be built as the value reader builds it: the verdict is void.
    failed: Cell<bool>,
}

#[derive(Debug)]
enum Node {
    /// A path from the view; `true` where the part is optional (`?`). When it goes into the
    /// value, the index of its answer.
    Path(Vec<(Val, bool)>, Option<usize>),
    Lit(Val),
    Cmp(Box<Node>, Cmp, Box<Node>),
    /// `l and r` (stop at false) / `l or r` (stop at true).
    Logic(Box<Node>, bool, Box<Node>),
    Not(Box<Node>),
    /// `(x)?`: an error becomes no output.
    Try(Box<Node>),
    /// `x | test("pattern"; "flags")` with a literal pattern, compiled once.
    Test(Box<Node>, regex::bytes::Regex),
}

impl Fast {
    /// The predicate, when it is in the subset.
    pub fn compile(code: &str) -> Option<Fast> {
        let term: Term<&str> = jaq_core::load::parse(code, |p| p.term())?;
        // A top-level `select(c)` keeps the view when c holds: as a predicate, that is c.
        let term = match &term {
            Term::Call("select", args) if args.len() == 1 => &args[0],
            t => t,
        };
        let mut value_paths = Vec::new();
        let node = node(term, &mut value_paths)?;
        let (plan, answers) = Plan::new(&value_paths);
        Some(Fast {
            node,
            plan,
            answers,
        })
    }

    /// Read a JSON value's bytes for [`Fast::matches_leaves`]. `None` when they are not JSON
    /// or nest deeper than evops reads (the general way says why). Within that bound, no leaf
    /// is too deep for jq's parser.
    pub fn read<'a>(&self, bytes: &'a [u8], spans: &'a mut Spans) -> Option<Leaves<'a>> {
        let doc = crate::codec::scan::fill(bytes, &self.plan, spans).ok()?;
        Some(Leaves {
            doc,
            spans,
            failed: Cell::new(false),
        })
    }

    /// As [`super::Expr::matches`] on a (full or projected) view: true when the output is
    /// truthy; `Err` with jaq's message.
    pub fn matches(&self, view: &Val) -> Result<bool, String> {
        Ok(eval(&self.node, &View::Tree(view), &self.answers)?.is_some_and(|v| truthy(&v)))
    }

    /// The same, on a view whose value is `leaves` and whose other fields are `fields`.
    /// `None`: a leaf could not be built; take the general way.
    pub fn matches_leaves(&self, fields: &Val, leaves: &Leaves) -> Option<Result<bool, String>> {
        let got = eval(&self.node, &View::Leaves(fields, leaves), &self.answers);
        (!leaves.failed.get()).then(|| Ok(got?.is_some_and(|v| truthy(&v))))
    }
}

enum View<'a> {
    Tree(&'a Val),
    Leaves(&'a Val, &'a Leaves<'a>),
}

impl Leaves<'_> {
    fn text(&self, r: &Range<usize>) -> &str {
        self.doc.text(r.clone())
    }

    /// The leaf at `r`, after `names` member names, as the value reader builds it.
    fn leaf(&self, r: &Range<usize>, names: usize) -> Result<Val, String> {
        parse_at(self.text(r), names).inspect_err(|_| self.failed.set(true))
    }

    /// A value that stopped a path after `names` names, as the value reader builds it: an
    /// array element by element, inside one more container.
    fn stuck(&self, r: &Range<usize>, names: usize) -> Result<Val, String> {
        let text = self.text(r);
        if !text.starts_with('[') {
            return self.leaf(r, names);
        }
        let items: Result<Vec<&serde_json::value::RawValue>, _> =
            serde_json::from_str(text).map_err(|e| e.to_string());
        items
            .and_then(|items| {
                let items = items.iter().map(|i| parse_at(i.get(), names + 1));
                Ok(<Val as Build>::array(items.collect::<Result<_, _>>()?))
            })
            .inspect_err(|_| self.failed.set(true))
    }

    /// `path == v` (`eq`) or `path != v`, told from the leaf's text when it can be without
    /// building the leaf: a string unescaped only when it has escapes; a number, array or
    /// object built only when the literal is of the same kind (jq's `1 == 1.0`).
    fn equals(&self, r: &Range<usize>, v: &Val, eq: bool) -> Option<bool> {
        let text = self.text(r);
        let same = match (text.as_bytes()[0], v) {
            (b'"', Val::TStr(s) | Val::BStr(s)) => {
                crate::codec::scan::string(text)?.as_bytes() == &***s
            }
            (_, Val::Null) => text == "null",
            (_, Val::Bool(b)) => text == if *b { "true" } else { "false" },
            (b'-' | b'0'..=b'9', Val::Num(_)) | (b'[', Val::Arr(_)) | (b'{', Val::Obj(_)) => {
                return None
            }
            _ => false,
        };
        Some(same == eq)
    }
}

fn node(t: &Term<&str>, value_paths: &mut Vec<Vec<String>>) -> Option<Node> {
    let mut node = |t: &Term<&str>| node(t, value_paths);
    Some(match t {
        Term::Num(n) => Node::Lit(jaq_json::read::parse_single(n.as_bytes()).ok()?),
        Term::Str(None, _) => Node::Lit(Val::from(literal(t)?)),
        Term::Call("true", a) if a.is_empty() => Node::Lit(Val::Bool(true)),
        Term::Call("false", a) if a.is_empty() => Node::Lit(Val::Bool(false)),
        Term::Call("null", a) if a.is_empty() => Node::Lit(Val::Null),
        Term::Path(base, path) if matches!(**base, Term::Id) => {
            let mut parts = Vec::new();
            let mut names = Vec::new();
            for (part, opt) in &path.0 {
                match part {
                    Part::Index(Term::Str(None, s)) => match &s[..] {
                        [StrPart::Str(name)] => {
                            names.push(name.to_string());
                            parts.push((Val::from(name.to_string()), matches!(opt, Opt::Optional)));
                        }
                        _ => return None,
                    },
                    _ => return None,
                }
            }
            let answer = (names.first().map(String::as_str) == Some("value")).then(|| {
                value_paths.push(names[1..].to_vec());
                value_paths.len() - 1
            });
            Node::Path(parts, answer)
        }
        Term::BinOp(l, op, r) => match op {
            BinaryOp::Cmp(c) => {
                let l = node(l)?;
                Node::Cmp(Box::new(l), *c, Box::new(node(r)?))
            }
            BinaryOp::And => {
                let l = node(l)?;
                Node::Logic(Box::new(l), false, Box::new(node(r)?))
            }
            BinaryOp::Or => {
                let l = node(l)?;
                Node::Logic(Box::new(l), true, Box::new(node(r)?))
            }
            BinaryOp::Pipe(None) if matches!(&**r, Term::Call("not", a) if a.is_empty()) => {
                Node::Not(Box::new(node(l)?))
            }
            BinaryOp::Pipe(None) => match &**r {
                Term::Call("test", args) => Node::Test(Box::new(node(l)?), test_regex(args)?),
                _ => return None,
            },
            _ => return None,
        },
        Term::TryCatch(body, None) => Node::Try(Box::new(node(body)?)),
        _ => return None,
    })
}

/// `test`'s pattern and flags, when both are literal strings and the flags are ones whose
/// answer `test` gives through a plain search (`n`, which skips empty matches, and anything
/// jq would refuse stay with jaq). An invalid pattern stays with jaq too, for its error.
fn test_regex(args: &[Term<&str>]) -> Option<regex::bytes::Regex> {
    let (pattern, flags) = match args {
        [p] => (literal(p)?, String::new()),
        [p, f] => (literal(p)?, literal(f)?),
        _ => return None,
    };
    let flags = super::regex::Flags::new(&flags).ok()?;
    if flags.ignores_empty() {
        return None;
    }
    flags.regex(&pattern).ok()
}

/// A string literal without interpolation, as its text.
fn literal(t: &Term<&str>) -> Option<String> {
    let Term::Str(None, parts) = t else {
        return None;
    };
    parts.iter().try_fold(String::new(), |mut s, p| {
        match p {
            StrPart::Str(x) => s.push_str(x),
            StrPart::Char(c) => s.push(*c),
            StrPart::Term(_) => return None,
        }
        Some(s)
    })
}

fn truthy(v: &Val) -> bool {
    !matches!(v, Val::Null | Val::Bool(false))
}

/// Index `v` with each part in turn, as jq does.
fn walk<'a>(v: Cow<'a, Val>, parts: &[(Val, bool)]) -> Result<Option<Cow<'a, Val>>, String> {
    let mut v = v;
    for (key, optional) in parts {
        v = match v {
            Cow::Borrowed(Val::Null) | Cow::Owned(Val::Null) => Cow::Owned(Val::Null),
            Cow::Borrowed(Val::Obj(m)) => m.get(key).map_or(Cow::Owned(Val::Null), Cow::Borrowed),
            Cow::Owned(Val::Obj(m)) => Cow::Owned(m.get(key).cloned().unwrap_or(Val::Null)),
            _ if *optional => return Ok(None),
            other => {
                return Err(
                    jaq_core::Error::<Val>::index(other.into_owned(), key.clone()).to_string(),
                )
            }
        };
    }
    Ok(Some(v))
}

/// At most one output (`None`: none), or jaq's error.
fn eval<'a>(
    n: &'a Node,
    view: &View<'a>,
    answers: &[(usize, usize)],
) -> Result<Option<Cow<'a, Val>>, String> {
    let eval = |n: &'a Node| eval(n, view, answers);
    let bool = |b: bool| Some(Cow::Owned(Val::Bool(b)));
    Ok(match n {
        Node::Lit(v) => Some(Cow::Borrowed(v)),
        Node::Path(parts, answer) => match (view, answer) {
            (View::Tree(v), _) => walk(Cow::Borrowed(*v), parts)?,
            (View::Leaves(_, leaves), Some(a)) => {
                let (slot, used) = answers[*a];
                match &leaves.spans[slot] {
                    Reach::Null => Some(Cow::Owned(Val::Null)),
                    // `parts[0]` is `value`; the slot covers `used` names after it.
                    Reach::Leaf(r) => walk(Cow::Owned(leaves.leaf(r, used)?), &parts[1 + used..])?,
                    Reach::Stuck(depth, r) => {
                        let (key, optional) = &parts[1 + depth];
                        if *optional {
                            None
                        } else {
                            let v = leaves.stuck(r, *depth)?;
                            return Err(jaq_core::Error::<Val>::index(v, key.clone()).to_string());
                        }
                    }
                }
            }
            (View::Leaves(fields, _), None) => walk(Cow::Borrowed(*fields), parts)?,
        },
        Node::Cmp(l, op, r) => match on_span(l, *op, r, view, answers) {
            Some(b) => bool(b),
            // jaq runs the left side, and for each of its outputs the right side.
            None => match eval(l) {
                Ok(None) => None,
                Ok(Some(x)) => match eval(r)? {
                    Some(y) => bool(op.run(&*x, &*y)),
                    None => None,
                },
                Err(e) => match eval(r) {
                    Ok(None) => None,
                    _ => return Err(e),
                },
            },
        },
        Node::Logic(l, stop, r) => match eval(l)? {
            None => None,
            Some(x) if truthy(&x) == *stop => bool(*stop),
            Some(_) => match eval(r)? {
                Some(y) => bool(truthy(&y)),
                None => None,
            },
        },
        Node::Not(x) => match eval(x)? {
            Some(v) => bool(!truthy(&v)),
            None => None,
        },
        Node::Try(x) => eval(x).unwrap_or(None),
        Node::Test(x, re) => match leaf_span(x, view, answers)
            .and_then(|(leaves, span)| crate::codec::scan::string(leaves.text(span)))
        {
            // A string leaf is tested on its text, unescaped only when it has escapes.
            Some(text) => bool(re.is_match(text.as_bytes())),
            None => match eval(x)? {
                None => None,
                Some(v) => match &*v {
                    Val::TStr(b) => bool(re.is_match(b)),
                    other => {
                        return Err(jaq_core::Error::<Val>::typ(other.clone(), "string").to_string())
                    }
                },
            },
        },
    })
}

/// The span of the leaf a value path ends at, when the path is read from leaves and its slot
/// covers all of it (no names left to walk in the leaf).
fn leaf_span<'a>(
    n: &Node,
    view: &View<'a>,
    answers: &[(usize, usize)],
) -> Option<(&'a Leaves<'a>, &'a Range<usize>)> {
    let (View::Leaves(_, leaves), Node::Path(parts, Some(a))) = (view, n) else {
        return None;
    };
    let (slot, used) = answers[*a];
    match &leaves.spans[slot] {
        Reach::Leaf(r) if 1 + used == parts.len() => Some((leaves, r)),
        _ => None,
    }
}

/// `path == literal` or `!=` (either way round) answered from the leaf's text, when it can be.
fn on_span(l: &Node, op: Cmp, r: &Node, view: &View, answers: &[(usize, usize)]) -> Option<bool> {
    let eq = match op {
        Cmp::Eq => true,
        Cmp::Ne => false,
        _ => return None,
    };
    let ((Node::Lit(lit), path) | (path, Node::Lit(lit))) = (l, r) else {
        return None;
    };
    let (leaves, span) = leaf_span(path, view, answers)?;
    leaves.equals(span, lit, eq)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::tests::{rec, PAYLOADS};
    use crate::expr::{needs, Expr, Viewer};

    /// The direct evaluator and jaq agree, errors and their messages included, on records of
    /// every shape, through both the full and the projected view.
    #[test]
    fn agrees_with_jaq() {
        let exprs = [
            ".value.id == 123456789012345678901234567891",
            ".value.n == 1.5",
            ".value.data.x",
            r#".value.data.type == "order_paid""#,
            r#".value.data?.type? == "order_paid""#,
            ".value.data.attributes.amount > 100",
            ".value.data.attributes.amount >= 120 and .value.data.attributes.ratio < 1",
            ".value.data.attributes.amount != 120 or .partition == 2",
            ".value.data.attributes.ok | not",
            "(.value.data.type == \"x\")?",
            "select(.value.data.attributes.amount <= 120.0)",
            ".value == null",
            r#".value == "null""#,
            ".value.data.attributes.tags == [\"x\"]",
            r#".key == "k" and .offset == 41 and .topic == "orders""#,
            r#".value.data.attributes.amount == "120""#,
            ".value.data.type > 1",
            r#""a\tb" == .value"#,
            ".value.missing.deeper",
            "true",
            "1 == 1.0",
            r#".value.data.type | test("^order_paid$")"#,
            r#".value.data.type | test("ORDER"; "i")"#,
            r#".value.data.type | test("paid"; "gx")"#,
            r#".value.data.type? | test("x")"#,
            r#"(.value.data.attributes.amount | test("1"))?"#,
            r#".value.data.attributes.amount | test("1")"#,
            r#".value | test("^pl")"#,
            r#"(.value.data.type | test("^order")) and .partition == 2"#,
            r#"(.value.data.type | test("")) | not"#,
            r#".value.data.type != "order_paid""#,
            r#""order_paid" == .value.data.type"#,
            r#""order_paid" != .value.data.type"#,
            r#".value.data.type == "order_paid\"""#,
            r#".value.data.type == "café 😀""#,
            ".value.data.type == true",
            ".value.data.type != false",
            ".value.data.type == null",
            ".value.data.type != null",
            ".value.data.attributes.amount == 120",
            ".value.data.attributes.amount != 120.0",
            "120 == .value.data.attributes.amount",
            ".value.data.attributes.amount == 123456789012345678901234567890",
            ".value.data.attributes.ratio == 0",
            ".value.data == 1.5",
            r#".value.data.type == "1E2""#,
            ".value.data.type == 100",
            ".value.data.type?.x? == 1",
            r#".value.data == "null""#,
            ".value.data.attributes == null",
            r#".value.data.type | test("^order_paid\"$")"#,
            r#".value.data.type | test("é")"#,
            r#".value.data.type == "order_paid" and .value.data.attributes.amount == 120"#,
            r#".value.data.type == "order_paid" or .value.data == 1.5"#,
        ];
        let mut viewer = Viewer::new(crate::codec::Codecs::default());
        for code in exprs {
            let jq = Expr::compile(code).unwrap();
            let Some(fast) = Fast::compile(code) else {
                // Arrays are not in the subset: those must fall back.
                assert!(code.contains('['), "{code} not in the subset");
                continue;
            };
            let need = needs::of_predicate(code).unwrap();
            for v in PAYLOADS {
                let r = rec(Some(b"k"), *v);
                let (full, _) = viewer.view(&r);
                let (part, _) = viewer.view_projected(&r, &need);
                let want = jq.matches(full.clone());
                assert_eq!(
                    fast.matches(&full),
                    want,
                    "{code} on {:?}",
                    v.map(String::from_utf8_lossy)
                );
                assert_eq!(
                    fast.matches(&part),
                    want,
                    "{code} (projected) on {:?}",
                    v.map(String::from_utf8_lossy)
                );
                // Slots are filled from JSON containers only (the payloads include broken JSON,
                // and strings that are not UTF-8, which only a full parse refuses).
                let container = |b: &&[u8]| {
                    (b.starts_with(b"{") || b.starts_with(b"["))
                        && serde_json::from_slice::<serde_json::Value>(b).is_ok()
                };
                if let Some(bytes) = v.filter(container) {
                    let mut spans = Vec::new();
                    let leaves = fast.read(bytes, &mut spans).unwrap();
                    assert_eq!(
                        fast.matches_leaves(&full, &leaves),
                        Some(want),
                        "{code} (leaves) on {:?}",
                        String::from_utf8_lossy(bytes)
                    );
                }
            }
        }
    }

    /// A number a path cannot index is named in the error as jq spells it (`1.50`, `1E2`),
    /// as in the full view. (The projected view says `1.5` and `100.0`: not asked of it here.)
    #[test]
    fn a_number_in_the_way_is_named_as_jq_names_it() {
        let mut viewer = Viewer::new(crate::codec::Codecs::default());
        for (code, doc) in [
            (".value.data.x", &br#"{"data":1.50}"#[..]),
            (".value.data.type.x == 1", br#"{"data":{"type":1E2}}"#),
            (".value.data.type.x", br#"{"data":{"type":[1.0,2.50]}}"#),
        ] {
            let (full, _) = viewer.view(&rec(Some(b"k"), Some(doc)));
            let want = Expr::compile(code).unwrap().matches(full.clone());
            assert!(want.is_err(), "{code}");
            let fast = Fast::compile(code).unwrap();
            let mut spans = Vec::new();
            let leaves = fast.read(doc, &mut spans).unwrap();
            assert_eq!(fast.matches_leaves(&full, &leaves), Some(want), "{code}");
        }
    }

    /// A value nested deeper than evops reads is refused by the span reader whether or not the
    /// predicate reads the deep part, as the full view refuses it (the record then takes the
    /// general way, which says why).
    #[test]
    fn a_value_too_deep_takes_the_general_way() {
        let fast = Fast::compile(r#".value.data.type == "x" or .value.meta.deep == 1"#).unwrap();
        let nest = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        let max = crate::codec::depth::MAX_DEPTH;
        let mut viewer = Viewer::new(crate::codec::Codecs::default());
        let mut spans = Vec::new();
        // Two levels above the deep part: the value nests n + 2 levels.
        let on_path = |n| format!(r#"{{"data":{{"type":"x"}},"meta":{{"deep":{}}}}}"#, nest(n));
        let aside = |n| format!(r#"{{"data":{{"type":"x"}},"other":{{"a":{}}}}}"#, nest(n));
        for doc in [on_path(max - 2), aside(max - 2)] {
            let leaves = fast.read(doc.as_bytes(), &mut spans).unwrap();
            assert_eq!(fast.matches_leaves(&Val::Null, &leaves), Some(Ok(true)));
            assert!(viewer
                .view(&rec(Some(b"k"), Some(doc.as_bytes())))
                .1
                .is_none());
        }
        for doc in [on_path(max - 1), aside(max - 1), on_path(126)] {
            assert!(fast.read(doc.as_bytes(), &mut spans).is_none(), "{doc}");
            let (_, problem) = viewer.view(&rec(Some(b"k"), Some(doc.as_bytes())));
            assert!(problem.is_some_and(|p| p.contains("deeper")), "{doc}");
        }
    }

    #[test]
    fn outside_the_subset() {
        for code in [
            ".value | length > 1",
            r".value.data.type | test(.key)",
            r#".value.data.type | test("x"; "n")"#,
            r#".value.data.type | test("x"; null)"#,
            r#".value.data.type | test("(")"#,
            ".value.a // 1",
            "any(.a[]; . > 1)",
        ] {
            assert!(Fast::compile(code).is_none(), "{code}");
        }
    }
}

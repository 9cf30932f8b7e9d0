//! What part of a record's view an expression can look at, found by reading its syntax tree, so
//! that evaluation builds only that part (see [`crate::codec::project`]). The analysis is
//! conservative: it understands paths from the input (`.value.data.type`, `.headers.h?`),
//! literals, comparisons, arithmetic, `and`/`or`/`not`-style pipes, `//`, `,`, `if`, `try`,
//! `select(...)`, `any(gen; cond)` / `all(gen; cond)`, array and object construction, string
//! interpolation and `... as $x | ...`. Anything else (`..`, `reduce`, `def`, a function applied
//! to the whole view, `keys` of the view, ...) needs the whole view, and gets it. Used for
//! predicates only, where the one property of the view itself that counts is that it is an
//! object (truthy).

use jaq_core::load::lex::StrPart;
use jaq_core::load::parse::{BinaryOp, Term};
use jaq_core::path::Part;

use crate::codec::project::Trie;

/// The view paths a predicate can read; `None`: all of it.
pub fn of_predicate(code: &str) -> Option<Trie> {
    let term: Term<&str> = jaq_core::load::parse(code, |p| p.term())?;
    let mut need = Trie::new();
    walk(&term, &mut need).ok()?;
    Some(need)
}

/// The view paths an expression whose outputs are shown (not only judged) can read; `None`:
/// all of it (an output that may be the view itself shows all of it).
pub fn of_value(code: &str) -> Option<Trie> {
    let term: Term<&str> = jaq_core::load::parse(code, |p| p.term())?;
    let mut need = Trie::new();
    match walk(&term, &mut need).ok()? {
        Out::Derived => Some(need),
        Out::View => None,
    }
}

/// Whether a record's headers can change what an expression yields: judged (a predicate) or
/// shown. Unanalysable expressions can.
pub fn reads_headers(code: &str, shown: bool) -> bool {
    let need = if shown {
        of_value(code)
    } else {
        of_predicate(code)
    };
    need.is_none_or(|n| n.get("headers").is_some())
}

/// What a term outputs, as far as the analysis cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Out {
    /// Possibly the view itself (`.`, `select(f)`): what follows must be analysed as reading
    /// the view.
    View,
    /// Values computed from the paths recorded (kept whole) or from literals.
    Derived,
}

/// Too complex to analyse: the whole view is needed.
struct All;

/// Analyse `t` evaluated with the view as its input, recording the paths it reads.
fn walk(t: &Term<&str>, need: &mut Trie) -> Result<Out, All> {
    use Out::{Derived, View};
    match t {
        Term::Id => Ok(View),
        Term::Num(_) | Term::Var(_) | Term::Break(_) => Ok(Derived),
        Term::Str(None, parts) => {
            for p in parts {
                if let StrPart::Term(inner) = p {
                    derived(walk(inner, need)?)?;
                }
            }
            Ok(Derived)
        }
        Term::Str(Some(_), _) => Err(All),
        Term::Arr(None) => Ok(Derived),
        Term::Arr(Some(inner)) => derived(walk(inner, need)?),
        Term::Obj(pairs) => {
            for (k, v) in pairs {
                let literal_key = matches!(k, Term::Call(_, args) if args.is_empty())
                    || matches!(k, Term::Str(None, parts) if parts.iter().all(|p| !matches!(p, StrPart::Term(_))));
                if !literal_key {
                    derived(walk(k, need)?)?;
                }
                match v {
                    Some(v) => {
                        derived(walk(v, need)?)?;
                    }
                    // `{a}` is `{a: .a}`, `{$x}` is `{x: $x}`: only the simplest shapes.
                    None => return Err(All),
                }
            }
            Ok(Derived)
        }
        Term::Neg(inner) => derived(walk(inner, need)?),
        Term::BinOp(l, op, r) => match op {
            BinaryOp::Pipe(None) => match walk(l, need)? {
                View => walk(r, need),
                // The right side reads what the left side made, not the view.
                Derived => Ok(Derived),
            },
            BinaryOp::Pipe(Some(_)) => {
                // `l as $x | r`: r reads the view again.
                derived(walk(l, need)?)?;
                walk(r, need)
            }
            BinaryOp::And | BinaryOp::Or => {
                // Only truthiness is read, and the view is truthy however much of it is built.
                walk(l, need)?;
                walk(r, need)?;
                Ok(Derived)
            }
            BinaryOp::Comma | BinaryOp::Alt | BinaryOp::Math(_) | BinaryOp::Cmp(_) => {
                derived(walk(l, need)?)?;
                derived(walk(r, need)?)
            }
            _ => Err(All),
        },
        Term::IfThenElse(branches, otherwise) => {
            let mut out = Derived;
            for (cond, then) in branches {
                walk(cond, need)?;
                out = join(out, walk(then, need)?);
            }
            match otherwise {
                Some(e) => Ok(join(out, walk(e, need)?)),
                // `if c then x end` outputs its input when c is false.
                None => Ok(View),
            }
        }
        Term::TryCatch(body, _catch) => walk(body, need),
        Term::Call(name, args) => match (*name, &args[..]) {
            ("true" | "false" | "null" | "empty", []) => Ok(Derived),
            ("select", [cond]) => {
                walk(cond, need)?;
                Ok(View)
            }
            ("any" | "all", [generator, _cond]) => {
                derived(walk(generator, need)?)?;
                Ok(Derived)
            }
            _ => Err(All),
        },
        Term::Path(base, path) => {
            let from_view = walk(base, need)? == View;
            let mut names = Vec::new();
            let mut following = from_view;
            for (part, _opt) in &path.0 {
                match part {
                    Part::Index(Term::Str(None, parts)) if following => match &parts[..] {
                        [StrPart::Str(name)] => names.push(name.to_string()),
                        _ => {
                            derived(walk(&Term::Str(None, parts.clone()), need)?)?;
                            following = false;
                        }
                    },
                    Part::Index(i) => {
                        // The index is computed from the view too (`.[.k]`).
                        derived(walk(i, need)?)?;
                        following = false;
                    }
                    Part::Range(a, b) => {
                        for i in [a, b].into_iter().flatten() {
                            derived(walk(i, need)?)?;
                        }
                        following = false;
                    }
                }
            }
            if from_view {
                if names.is_empty() {
                    // `.[]` or `.[f]` over the view itself.
                    return Err(All);
                }
                need.add(&names);
            }
            Ok(Derived)
        }
        Term::Recurse | Term::Label(..) | Term::Fold(..) | Term::Def(..) => Err(All),
    }
}

/// A value the view itself may flow into is one the analysis cannot follow.
fn derived(out: Out) -> Result<Out, All> {
    match out {
        Out::Derived => Ok(Out::Derived),
        Out::View => Err(All),
    }
}

fn join(a: Out, b: Out) -> Out {
    if a == Out::View || b == Out::View {
        Out::View
    } else {
        Out::Derived
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(code: &str) -> Option<Trie> {
        of_predicate(code)
    }

    fn trie(list: &[&str]) -> Trie {
        Trie::of_dotted(list)
    }

    #[test]
    fn headers_are_read_when_a_path_or_a_shown_view_reaches_them() {
        let judged = |c| reads_headers(c, false);
        let shown = |c| reads_headers(c, true);
        assert!(!judged(".value.data.type == \"a\""));
        assert!(judged(".headers.producer == \"a\""));
        assert!(judged(". as $r | $r.headers.p"));
        assert!(judged("[..] | length > 1"));
        // Judged, `select(...)` and `.` are only truthy; shown, they are the whole view.
        assert!(!judged("select(.key == \"k\")"));
        assert!(shown("select(.key == \"k\")"));
        assert!(shown("."));
        assert!(!shown(".value.data.type"));
        assert!(shown("{h: .headers}"));
    }

    #[test]
    fn paths_comparisons_and_logic() {
        assert_eq!(
            paths(r#".value.data.type == "x""#),
            Some(trie(&["value.data.type"]))
        );
        assert_eq!(
            paths(
                r#".value.data?.type? == "x" and .value.data.attributes.amount > 100 or .key == "k""#
            ),
            Some(trie(&[
                "value.data.type",
                "value.data.attributes.amount",
                "key"
            ]))
        );
        assert_eq!(
            paths(r#"select(.headers.producer == "node") | .value.meta.host | test("eu")"#),
            Some(trie(&["headers.producer", "value.meta.host"]))
        );
        assert_eq!(
            paths(r".value.items | length > 2"),
            Some(trie(&["value.items"]))
        );
        assert_eq!(
            paths(r"any(.value.items[]; . > 2)"),
            Some(trie(&["value.items"]))
        );
        assert_eq!(
            paths(r"if .partition == 1 then .offset > 5 else false end"),
            Some(trie(&["partition", "offset"]))
        );
        assert_eq!(
            paths(r".value.data.type as $t | .key == $t"),
            Some(trie(&["value.data.type", "key"]))
        );
        assert_eq!(
            paths(r#""\(.topic)/\(.partition)" == "a/1""#),
            Some(trie(&["topic", "partition"]))
        );
        assert_eq!(paths(r".value == null"), Some(trie(&["value"])));
    }

    #[test]
    fn anything_else_needs_the_whole_view() {
        for code in [
            ". == {}",
            "keys | length > 3",
            "tojson | test(\"x\")",
            "[..] | length > 3",
            ".[] | . == 1",
            "reduce .value.a[] as $x (0; . + $x) > 3",
            "def f: .; f | .value",
            ".value.a as $x | . == {}",
            "to_entries | length > 1",
            "if .key == 1 then . else . end | keys",
            "{a} | .a",
            "@json",
            ".value.data.type |= 1",
        ] {
            assert_eq!(paths(code), None, "{code}");
        }
    }

    #[test]
    fn what_follows_the_view_is_followed() {
        // As a predicate, the view is only ever truthy: `.` needs nothing of it.
        assert_eq!(paths("."), Some(Trie::new()));
        // `select` outputs the view: what follows reads it.
        assert_eq!(
            paths("select(.key == 1) | .value.x"),
            Some(trie(&["key", "value.x"]))
        );
        assert_eq!(paths("select(.key == 1) | keys"), None);
        // The right side of a pipe from a path reads that path's value, kept whole.
        assert_eq!(paths(".value | keys | length > 1"), Some(trie(&["value"])));
    }
}

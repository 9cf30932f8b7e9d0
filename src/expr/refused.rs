//! What evops refuses to compile, found in the syntax tree, because it would end the process
//! instead of failing one record:
//! - definitions that call themselves: nothing bounds how deep one goes, jq evaluates each
//!   level on the stack, and one that never ends (`def f: 1 + f; f`) overflowed it, which
//!   aborts: no summary, no flushed output, exit 134. jq's own recursive builtins (`recurse`,
//!   `walk`, `paths`, `..`) go only as deep as the record, which evops bounds (100 levels);
//! - `halt` and `halt_error`, which end jq itself: evops exited at once with their code (0 for
//!   `halt`), its summary and the records still buffered lost, a checkpoint left behind.
//!
//! Pure.

use jaq_core::load::lex::StrPart;
use jaq_core::load::parse::{BinaryOp, Pattern, Term};
use jaq_core::path::Part;

/// The first thing refused in `code`, if any: its text (a slice of `code`, to point at) and why.
pub fn first(code: &str) -> Option<(&str, String)> {
    let term: Term<&str> = jaq_core::load::parse(code, |p| p.term())?;
    let mut found = None;
    visit(&term, &mut |t| {
        if found.is_some() {
            return;
        }
        match t {
            Term::Call(name @ ("halt" | "halt_error"), args) if args.len() <= 1 => {
                found = Some((
                    *name,
                    format!(
                        "evops refuses '{name}': it would end evops at once, without its summary \
                     and with records unwritten (fail a record with error(...), stop with --max)"
                    ),
                ));
            }
            Term::Def(defs, _) => {
                if let Some(d) = defs.iter().find(|d| calls(&d.body, d.name, d.args.len())) {
                    found = Some((
                        d.name,
                        format!(
                            "'{}' calls itself: evops refuses recursive definitions, as nothing \
                         bounds their depth (one that never ends would crash evops); jq's \
                         recurse, walk, paths and .. go as deep as the record",
                            d.name
                        ),
                    ));
                }
            }
            _ => {}
        }
    });
    found
}

/// Whether `t` calls `name` with `arity` arguments anywhere.
fn calls(t: &Term<&str>, name: &str, arity: usize) -> bool {
    let mut yes = false;
    visit(t, &mut |t| {
        if let Term::Call(n, args) = t {
            yes |= *n == name && args.len() == arity;
        }
    });
    yes
}

/// Call `f` on `t` and on every term inside it, definitions' bodies included.
fn visit<'s>(t: &Term<&'s str>, f: &mut impl FnMut(&Term<&'s str>)) {
    f(t);
    let mut all = |ts: &mut dyn Iterator<Item = &Term<&'s str>>| {
        for t in ts {
            visit(t, f);
        }
    };
    match t {
        Term::Id | Term::Recurse | Term::Num(_) | Term::Var(_) | Term::Break(_) => {}
        Term::Str(_, parts) => all(&mut parts.iter().filter_map(|p| match p {
            StrPart::Term(inner) => Some(inner),
            _ => None,
        })),
        Term::Arr(inner) => all(&mut inner.iter().map(AsRef::as_ref)),
        Term::Obj(pairs) => all(&mut pairs
            .iter()
            .flat_map(|(k, v)| [Some(k), v.as_ref()])
            .flatten()),
        Term::Neg(inner) | Term::Label(_, inner) => all(&mut [inner.as_ref()].into_iter()),
        Term::BinOp(l, op, r) => {
            if let BinaryOp::Pipe(Some(p)) = op {
                pattern(p, f);
            }
            visit(l, f);
            visit(r, f);
        }
        Term::Fold(_, xs, p, args) => {
            pattern(p, f);
            visit(xs, f);
            for a in args {
                visit(a, f);
            }
        }
        Term::TryCatch(body, catch) => all(&mut [Some(body), catch.as_ref()]
            .into_iter()
            .flatten()
            .map(AsRef::as_ref)),
        Term::IfThenElse(branches, otherwise) => all(&mut branches
            .iter()
            .flat_map(|(c, t)| [c, t])
            .chain(otherwise.iter().map(AsRef::as_ref))),
        Term::Def(defs, rest) => all(&mut defs.iter().map(|d| &d.body).chain([rest.as_ref()])),
        Term::Call(_, args) => all(&mut args.iter()),
        Term::Path(base, path) => all(&mut [base.as_ref()].into_iter().chain(
            path.0
                .iter()
                .flat_map(|(part, _)| match part {
                    Part::Index(i) => [Some(i), None],
                    Part::Range(a, b) => [a.as_ref(), b.as_ref()],
                })
                .flatten(),
        )),
    }
}

/// The terms inside a destructuring pattern (`. as {(f): $x}`).
fn pattern<'s>(p: &Pattern<&'s str>, f: &mut impl FnMut(&Term<&'s str>)) {
    match p {
        Pattern::Var(_) => {}
        Pattern::Arr(ps) => {
            for p in ps {
                pattern(p, f);
            }
        }
        Pattern::Obj(pairs) => {
            for (k, p) in pairs {
                visit(k, f);
                pattern(p, f);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn definitions_that_call_themselves_are_found_wherever_they_are() {
        for (code, name) in [
            ("def f: 1 + f; f", "f"),
            ("def f: [f]; f", "f"),
            ("def f: f; f", "f"),
            ("def f(g): f(g|g); f(.)", "f"),
            (
                "def fact: if . <= 1 then 1 else . * (. - 1 | fact) end; 5 | fact",
                "fact",
            ),
            ("def f: def g: f; g; f", "f"),
            (".a | def f: {a: (\"\\(f)\")}; f", "f"),
            ("def f: reduce .[] as [$x] (0; f); f", "f"),
            ("def f: . as {(f): $x} | $x; f", "f"),
            ("def f: try error catch f; f", "f"),
            ("def f: .[f:]; f", "f"),
            ("[1] | map(def f: f; f)", "f"),
        ] {
            let (at, why) = first(code).unwrap();
            assert_eq!(at, name, "{code}");
            assert!(why.contains("calls itself"), "{why}");
        }
    }

    #[test]
    fn halts_are_found() {
        for code in [
            "halt",
            "if .offset > 30 then halt_error else true end",
            "halt_error(1)",
            "def h: halt; h",
        ] {
            let (at, why) = first(code).unwrap();
            assert!(
                at.starts_with("halt") && why.contains("--max"),
                "{code}: {why}"
            );
        }
    }

    #[test]
    fn everything_else_is_left_alone() {
        for code in [
            ".value.data.type == \"x\"",
            "def f: 1; f + f",
            "def f: 1; def g: f; g",
            // Another arity is another function.
            "def f: 1; def f(x): f + x; f(2)",
            "[recurse] | length",
            "walk(if type == \"number\" then . + 1 else . end)",
            "[paths] | length",
            "error(\"bad\")",
            ".halt",
            // What does not parse is the loader's to report.
            "def f: ",
        ] {
            assert_eq!(first(code), None, "{code}");
        }
    }
}

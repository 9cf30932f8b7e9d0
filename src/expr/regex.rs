//! jq's regular-expression filters with each pattern compiled once. jq defines `test`,
//! `match`, `capture`, `scan`, `split/2`, `splits`, `sub` and `gsub` on three natives
//! (`matches`, `split_matches`, `split_`); jaq-std's natives compile their pattern again on
//! every call, which made `test("^x$")` four times slower than `== "x"` on every record. These
//! natives take the place of jaq-std's, with the same names, arguments and outputs (adapted from
//! jaq-std 3.0's `regex.rs`, MIT), and keep the compiled patterns in the expression's
//! [`Regexes`], so a filter run over a million records compiles its pattern once.
//!
//! Matching uses the `regex` crate (as `--grep` does) rather than jaq-std's `regex-bites`: the
//! same syntax and flags, plus Unicode classes (`\p{L}`) that jq's Oniguruma has too, and
//! literal prefilters that matter on hot paths.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use jaq_core::box_iter::box_once;
use jaq_core::data::HasLut;
use jaq_core::native::{Filter, Fun};
use jaq_core::ValT as _;
use jaq_core::{Bind, Cv, DataT, Error, Lut, RunPtr, ValR};
use jaq_json::Val;
use jaq_std::ValT as _;
use regex::bytes::{Regex, RegexBuilder};

/// The data every evops expression runs with: the program and its compiled patterns.
pub struct Data;

impl DataT for Data {
    type V<'a> = Val;
    type Data<'a> = Env<'a>;
}

/// What natives see while an expression runs.
#[derive(Clone)]
pub struct Env<'a> {
    pub lut: &'a Lut<Data>,
    pub regexes: &'a Regexes,
}

impl<'a> HasLut<'a, Data> for Env<'a> {
    fn lut(&self) -> &'a Lut<Data> {
        self.lut
    }
}

/// The patterns an expression has compiled, by pattern and flags. Patterns can come from the
/// records themselves (`test(.value.pattern)`), so the cache is bounded: when it is full it
/// starts again, which costs a recompilation, never a wrong answer.
#[derive(Default)]
pub struct Regexes(Mutex<Compiled>);

/// Compiled patterns by flags, then by pattern: looked up with the call's own strings, so a
/// record's lookup allocates nothing.
#[derive(Default)]
struct Compiled {
    by_flags: HashMap<String, HashMap<String, Arc<Regex>>>,
    len: usize,
}

/// How many distinct patterns an expression keeps compiled.
const KEEP: usize = 256;

impl Regexes {
    fn get(&self, pattern: &str, flags: &str, parsed: Flags) -> Result<Arc<Regex>, String> {
        // A poisoned lock only means another thread panicked mid-insert; the map is still valid.
        let mut compiled = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(re) = compiled.by_flags.get(flags).and_then(|m| m.get(pattern)) {
            return Ok(Arc::clone(re));
        }
        let re = Arc::new(parsed.regex(pattern).map_err(|e| reason(&e))?);
        if compiled.len >= KEEP {
            *compiled = Compiled::default();
        }
        compiled
            .by_flags
            .entry(flags.to_string())
            .or_default()
            .insert(pattern.to_string(), Arc::clone(&re));
        compiled.len += 1;
        Ok(re)
    }
}

/// A compile error in one line: the regex crate draws the pattern with a caret under it over
/// several lines, which a record's warning line cannot hold; its last line says why.
fn reason(e: &regex::Error) -> String {
    let text = e.to_string();
    let last = text.lines().last().unwrap_or_default().trim();
    last.strip_prefix("error: ").unwrap_or(last).to_string()
}

/// The natives, to be chained after jaq-std's: the compiler keeps the last definition of a
/// name, so these replace jaq-std's own.
pub fn funs() -> impl Iterator<Item = Fun<Data>> {
    let vv = || [Bind::Var(()), Bind::Var(())].into();
    let natives: [Filter<RunPtr<Data>>; 3] = [
        ("matches", vv(), |cv| box_once(run(false, true, cv))),
        ("split_matches", vv(), |cv| box_once(run(true, true, cv))),
        ("split_", vv(), |cv| box_once(run(true, false, cv))),
    ];
    natives.into_iter().map(jaq_core::native::run::<Data>)
}

/// The names [`funs`] defines, to be left out of jaq-std's.
pub const NAMES: [&str; 3] = ["matches", "split_matches", "split_"];

fn run(mismatches: bool, matches: bool, mut cv: Cv<'_, Data>) -> jaq_core::ValX<'_, Val> {
    let flags = cv.0.pop_var();
    let re = cv.0.pop_var();
    let regexes = cv.0.data().regexes;
    let out: ValR<Val> = (|| {
        let flag_text = text(&flags)?;
        let parsed = Flags::new(flag_text)
            .map_err(|c| Error::str(format_args!("invalid regex flag: {c}")))?;
        let re = regexes.get(text(&re)?, flag_text, parsed).map_err(|e| {
            Error::str(format_args!(
                "invalid regex {:?}: {e}",
                text(&re).unwrap_or_default()
            ))
        })?;
        let input =
            cv.1.as_utf8_bytes()
                .ok_or_else(|| Error::typ(cv.1.clone(), "string"))?;
        let sub = |s: &[u8]| cv.1.as_sub_str(s);
        parts(input, &re, parsed, (mismatches, matches))
            .into_iter()
            .map(|part| match part {
                Part::Matches(ms) => ms.iter().map(|m| Val::from_map(m.fields(sub))).collect(),
                Part::Mismatch(s) => Ok(sub(s)),
            })
            .collect()
    })();
    out.map_err(jaq_core::Exn::from)
}

/// A string argument as text (jq strings are UTF-8 here).
fn text(v: &Val) -> Result<&str, Error<Val>> {
    let bytes = v
        .as_utf8_bytes()
        .ok_or_else(|| Error::typ(v.clone(), "string"))?;
    std::str::from_utf8(bytes).map_err(Error::str)
}

/// jq's regex flags.
#[derive(Copy, Clone, Default)]
pub(crate) struct Flags {
    /// g: every match, not only the first.
    global: bool,
    /// n: ignore empty matches.
    ignore_empty: bool,
    /// i
    case_insensitive: bool,
    /// m (and p): `^`/`$` at line ends.
    multi_line: bool,
    /// s (and p): `.` matches a newline.
    dot_all: bool,
    /// l: greedy and lazy swapped.
    swap_greed: bool,
    /// x: extended (whitespace and `#` comments ignored).
    extended: bool,
}

impl Flags {
    pub(crate) fn new(flags: &str) -> Result<Flags, char> {
        let mut out = Flags::default();
        for flag in flags.chars() {
            match flag {
                'g' => out.global = true,
                'n' => out.ignore_empty = true,
                'i' => out.case_insensitive = true,
                'm' => out.multi_line = true,
                's' => out.dot_all = true,
                'l' => out.swap_greed = true,
                'x' => out.extended = true,
                'p' => {
                    out.multi_line = true;
                    out.dot_all = true;
                }
                c => return Err(c),
            }
        }
        Ok(out)
    }

    /// n: matches that are empty do not count.
    pub(crate) fn ignores_empty(self) -> bool {
        self.ignore_empty
    }

    pub(crate) fn regex(self, pattern: &str) -> Result<Regex, regex::Error> {
        RegexBuilder::new(pattern)
            .case_insensitive(self.case_insensitive)
            .multi_line(self.multi_line)
            .dot_matches_new_line(self.dot_all)
            .swap_greed(self.swap_greed)
            .ignore_whitespace(self.extended)
            .build()
    }
}

/// One match or capture group, with jq's character (not byte) offsets.
struct Match<'a> {
    offset: usize,
    length: usize,
    string: &'a [u8],
    name: Option<&'a str>,
}

impl<'a> Match<'a> {
    fn fields<T: From<isize> + From<String> + 'a>(
        &self,
        f: impl Fn(&'a [u8]) -> T,
    ) -> impl Iterator<Item = (T, T)> + '_ {
        let n = |x: usize| isize::try_from(x).unwrap_or(isize::MAX);
        [
            ("offset", n(self.offset).into()),
            ("length", n(self.length).into()),
            ("string", f(self.string)),
        ]
        .into_iter()
        .chain(self.name.iter().map(|n| ("name", (*n).to_string().into())))
        .map(|(k, v)| (k.to_string().into(), v))
    }
}

enum Part<'a> {
    Matches(Vec<Match<'a>>),
    Mismatch(&'a [u8]),
}

/// The matches of `re` in `s` (and, with `mismatches`, the text between them), as jq's
/// `matches`/`split_matches`/`split_` give them.
fn parts<'a>(s: &'a [u8], re: &'a Regex, flags: Flags, sm: (bool, bool)) -> Vec<Part<'a>> {
    let (mismatches, matches) = sm;
    let mut last_byte = 0;
    let mut chars = CharOffsets::new(s);
    let mut out = Vec::new();
    for c in re.captures_iter(s) {
        let Some(whole) = c.get(0) else { continue };
        if flags.ignore_empty && whole.as_bytes().is_empty() {
            continue;
        }
        if mismatches {
            out.push(Part::Mismatch(&s[last_byte..whole.start()]));
            last_byte = whole.end();
        }
        if matches {
            let groups = c.iter().zip(re.capture_names());
            let found = groups.filter_map(|(m, name)| {
                let m = m?;
                Some(Match {
                    offset: chars.of_byte(m.start()),
                    length: String::from_utf8_lossy(m.as_bytes()).chars().count(),
                    string: m.as_bytes(),
                    name,
                })
            });
            out.push(Part::Matches(found.collect()));
        }
        if !flags.global {
            break;
        }
    }
    if mismatches {
        out.push(Part::Mismatch(&s[last_byte..]));
    }
    out
}

/// Byte offsets to character offsets, for offsets that mostly increase (groups can go back
/// to an earlier start, so it restarts then instead of failing).
struct CharOffsets<'a> {
    s: &'a [u8],
    byte: usize,
    chars: usize,
}

impl<'a> CharOffsets<'a> {
    fn new(s: &'a [u8]) -> CharOffsets<'a> {
        CharOffsets {
            s,
            byte: 0,
            chars: 0,
        }
    }

    fn of_byte(&mut self, byte: usize) -> usize {
        if byte < self.byte {
            self.byte = 0;
            self.chars = 0;
        }
        let between = &self.s[self.byte..byte.min(self.s.len())];
        self.chars += between.iter().filter(|&&b| (b & 0xC0) != 0x80).count();
        self.byte = byte;
        self.chars
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_count_characters_and_may_go_back() {
        let mut c = CharOffsets::new("aé€b".as_bytes());
        assert_eq!(c.of_byte(1), 1);
        assert_eq!(c.of_byte(3), 2);
        assert_eq!(c.of_byte(6), 3);
        assert_eq!(c.of_byte(1), 1);
        assert_eq!(c.of_byte(7), 4);
    }

    #[test]
    fn a_pattern_is_compiled_once_per_pattern_and_flags() {
        let r = Regexes::default();
        let a = r.get("^x$", "", Flags::default()).unwrap();
        let b = r.get("^x$", "", Flags::default()).unwrap();
        assert!(Arc::ptr_eq(&a, &b));
        let i = r.get("^x$", "i", Flags::new("i").unwrap()).unwrap();
        assert!(!Arc::ptr_eq(&a, &i));
    }

    #[test]
    fn the_cache_is_bounded() {
        let r = Regexes::default();
        for n in 0..(KEEP * 2) {
            r.get(&format!("^{n}$"), "", Flags::default()).unwrap();
        }
        let compiled = r.0.lock().unwrap();
        let held: usize = compiled.by_flags.values().map(HashMap::len).sum();
        assert!(held <= KEEP && held == compiled.len);
    }

    #[test]
    fn a_bad_pattern_is_named_in_one_line() {
        let e = Regexes::default()
            .get("(", "", Flags::default())
            .unwrap_err();
        assert_eq!(e, "unclosed group");
    }

    /// The same expression through jaq-std's own natives, as evops ran it before.
    fn with_jaq_std(code: &str, input: Val) -> Vec<String> {
        use jaq_core::load::{Arena, File, Loader};
        use jaq_core::{data::JustLut, Compiler, Ctx, Vars};
        let defs = jaq_core::defs()
            .chain(jaq_std::defs())
            .chain(jaq_json::defs());
        let funs = jaq_core::funs()
            .chain(jaq_std::funs())
            .chain(jaq_json::funs());
        let arena = Arena::default();
        let modules = Loader::new(defs)
            .load(&arena, File { code, path: () })
            .unwrap();
        let filter = Compiler::default()
            .with_funs(funs)
            .compile(modules)
            .unwrap();
        let ctx = Ctx::<JustLut<Val>>::new(&filter.lut, Vars::new([]));
        filter
            .id
            .run((ctx, input))
            .map(jaq_core::unwrap_valr)
            .map(|r| match r {
                Ok(v) => v.to_string(),
                Err(e) => format!("error: {e}"),
            })
            .collect()
    }

    #[test]
    fn the_natives_answer_as_jaq_stds_do() {
        let cases = [
            ("comment_posted", r#"test("^comment_posted$")"#),
            ("comment_posted", r#"test("COMMENT"; "i")"#),
            ("comment_posted", r#"[match("(?<a>c)o(m+)"; "g")]"#),
            ("aé€b", r#"match("€")"#),
            (
                "aé€b€",
                r#"[match("(€)"; "g") | .offset, .captures[0].offset]"#,
            ),
            ("a-b-c", r#"sub("-"; "+")"#),
            ("a-b-c", r#"gsub("-"; "+")"#),
            ("comment_posted", r#"gsub("(?<x>[a-z])_"; "\(.x)-")"#),
            ("a1b22c", r#"[splits("[0-9]+")]"#),
            ("a1b22c", r#"split("[0-9]+"; null)"#),
            ("test tt", r#"[scan("t+")]"#),
            ("xyz-123", r#"capture("(?<word>[a-z]+)-(?<n>[0-9]+)")"#),
            ("abc", r#"[match(""; "g") | .offset]"#),
            ("abc", r#"[match(""; "gn") | .offset]"#),
            ("line1\nline2", r#"[match("^line.$"; "gm") | .string]"#),
            ("a\nb", r#"test("a.b"; "s")"#),
            ("AbC", r#"test("a b c"; "ix")"#),
            ("aaa", r#"[match("a+"; "gl") | .string]"#),
            ("aaa", r#"sub("(?<x>a)"; "[\(.x)]"; "g")"#),
            ("ab", r#"[match("(x)?b") | .captures[] | .offset, .string]"#),
            ("ab", r#"test("(")"#),
            ("ab", r#"test("a"; "q")"#),
            ("ab", r"test(1)"),
        ];
        for (input, code) in cases {
            let expr = crate::expr::Expr::compile(code).unwrap();
            let ours: Vec<String> = expr
                .outputs(Val::utf8_str(input.as_bytes().to_vec()))
                .into_iter()
                .map(|r| match r {
                    Ok(v) => v.to_string(),
                    Err(e) => format!("error: {e}"),
                })
                .collect();
            let theirs = with_jaq_std(code, Val::utf8_str(input.as_bytes().to_vec()));
            let same_failure = ours.last().is_some_and(|o| o.starts_with("error: "))
                && theirs.last().is_some_and(|t| t.starts_with("error: "));
            if same_failure {
                assert_eq!(ours.len(), theirs.len(), "{code} on {input}");
            } else {
                assert_eq!(ours, theirs, "{code} on {input}");
            }
        }
    }

    #[test]
    fn flags_are_jqs() {
        assert!(Flags::new("gnimslxp").is_ok());
        assert_eq!(Flags::new("gq").err(), Some('q'));
    }
}

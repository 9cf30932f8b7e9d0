//! JSON checked against a compiled tree: every violation, up to a limit, with a JSON pointer
//! into the event (built only when one is reported), and the cheaper question of whether a
//! value fits at all (picking a union's branch).

use serde_json::{Map, Value};

use super::logical::{decimal_of, parse_uuid, sign_extend, unscaled_bytes};
use super::tree::{BytesAs, FixedAs, Node, Record, Tree};
use crate::schema::{push_pointer, Violation};

impl Tree {
    pub(super) fn fits(&self, id: usize, v: &Value) -> bool {
        let mut sink = Sink {
            out: None,
            max: 0,
            failed: false,
        };
        self.check(id, v, &Path::Root, &mut sink);
        !sink.failed
    }

    pub(super) fn check(&self, id: usize, v: &Value, path: &Path, sink: &mut Sink) {
        if sink.full() {
            return;
        }
        match &self.nodes[id] {
            Node::Null => {
                if !v.is_null() {
                    sink.fail(path, || expected("null", v));
                }
            }
            Node::Boolean => {
                if !v.is_boolean() {
                    sink.fail(path, || expected("boolean", v));
                }
            }
            Node::Int => check_integer(
                v,
                "int",
                i64::from(i32::MIN),
                i64::from(i32::MAX),
                path,
                sink,
            ),
            Node::Long => check_integer(v, "long", i64::MIN, i64::MAX, path, sink),
            Node::Float | Node::Double => {
                if !v.is_number() && nonfinite(v).is_none() {
                    sink.fail(path, || expected(self.branch_name(id), v));
                } else if matches!(self.nodes[id], Node::Float)
                    && v.as_f64()
                        .is_some_and(|f| f.is_finite() && !(f as f32).is_finite())
                {
                    sink.fail(path, || {
                        format!("{} is out of range for a float", describe(v))
                    });
                }
            }
            Node::String { uuid } => match v.as_str() {
                Some(s) if *uuid && parse_uuid(s).is_none() => {
                    sink.fail(path, || format!("expected a uuid, found {}", describe(v)));
                }
                Some(_) => {}
                None => sink.fail(path, || {
                    expected(if *uuid { "uuid (a string)" } else { "string" }, v)
                }),
            },
            Node::Bytes(BytesAs::Raw) => check_latin1(v, None, path, sink),
            Node::Bytes(BytesAs::Decimal { precision, scale }) => {
                check_decimal(v, Some((*precision, *scale)), None, path, sink);
            }
            Node::Bytes(BytesAs::BigDecimal) => check_decimal(v, None, None, path, sink),
            Node::Fixed(f) => match f.view {
                FixedAs::Raw => check_latin1(v, Some(f.size), path, sink),
                FixedAs::Uuid => {
                    if v.as_str().and_then(parse_uuid).is_none() {
                        sink.fail(path, || expected("uuid (a string)", v));
                    }
                }
                FixedAs::Decimal { precision, scale } => {
                    check_decimal(v, Some((precision, scale)), Some(f.size), path, sink);
                }
            },
            Node::Enum(e) => match v.as_str() {
                Some(s) if e.symbols.iter().any(|x| x == s) => {}
                Some(s) => sink.fail(path, || {
                    format!(
                        "{s:?} is not a symbol of enum {} ({})",
                        e.named.full,
                        e.symbols.join(", ")
                    )
                }),
                None => sink.fail(path, || expected(&format!("enum {}", e.named.full), v)),
            },
            Node::Array(item) => match v.as_array() {
                Some(xs) => {
                    for (i, x) in xs.iter().enumerate() {
                        self.check(*item, x, &Path::Index(path, i), sink);
                        if sink.full() {
                            return;
                        }
                    }
                }
                None => sink.fail(path, || expected("array", v)),
            },
            Node::Map(val) => match v.as_object() {
                Some(m) => {
                    for (k, x) in m {
                        self.check(*val, x, &Path::Key(path, k), sink);
                        if sink.full() {
                            return;
                        }
                    }
                }
                None => sink.fail(path, || expected("map (an object)", v)),
            },
            Node::Record(r) => match v.as_object() {
                Some(m) => self.check_record(r, m, path, sink),
                None => sink.fail(path, || expected(&format!("record {}", r.named.full), v)),
            },
            Node::Union(branches) => self.check_union(branches, v, path, sink),
        }
    }

    fn check_record(&self, r: &Record, m: &Map<String, Value>, path: &Path, sink: &mut Sink) {
        let mut present = 0;
        for f in &r.fields {
            match m.get(&f.name) {
                Some(x) => {
                    present += 1;
                    self.check(f.node, x, &Path::Key(path, &f.name), sink);
                }
                None if f.raw_default.is_none() => sink.fail(&Path::Key(path, &f.name), || {
                    format!("missing field '{}' (the schema gives no default)", f.name)
                }),
                None => {}
            }
            if sink.full() {
                return;
            }
        }
        // Fat events (fields the schema does not know) are what teams want caught.
        if present < m.len() {
            for k in m.keys() {
                if !r.lookup.contains_key(k) {
                    sink.fail(&Path::Key(path, k), || {
                        format!("field '{k}' is not in the schema")
                    });
                    if sink.full() {
                        return;
                    }
                }
            }
        }
    }

    fn check_union(&self, branches: &[usize], v: &Value, path: &Path, sink: &mut Sink) {
        if branches.iter().any(|&b| self.fits(b, v)) {
            return;
        }
        if let Some((b, key, inner)) = self.wrapped(branches, v) {
            self.check(b, inner, &Path::Key(path, key), sink);
            return;
        }
        // Only asked whether it fits (no list of complaints): it does not. Checking a branch
        // again here would double the work at every nested union.
        if sink.out.is_none() {
            sink.failed = true;
            return;
        }
        // One branch of the value's JSON kind: its own complaint says most.
        let kin: Vec<usize> = branches
            .iter()
            .copied()
            .filter(|&b| self.same_json_kind(b, v))
            .collect();
        if let [b] = kin[..] {
            self.check(b, v, path, sink);
        } else {
            sink.fail(path, || {
                let names: Vec<&str> = branches.iter().map(|&b| self.branch_name(b)).collect();
                format!("expected {}, found {}", names.join(" or "), describe(v))
            });
        }
    }

    /// The Avro JSON encoding's `{"type name": value}` form of a non-null union branch.
    pub(super) fn wrapped<'v>(
        &self,
        branches: &[usize],
        v: &'v Value,
    ) -> Option<(usize, &'v str, &'v Value)> {
        let m = v.as_object()?;
        if m.len() != 1 {
            return None;
        }
        let (k, inner) = m.iter().next()?;
        let b = branches.iter().copied().find(|&b| {
            !matches!(self.nodes[b], Node::Null)
                && (self.branch_name(b) == k || self.named(b).is_some_and(|n| n.short == *k))
        })?;
        Some((b, k, inner))
    }

    pub(super) fn same_json_kind(&self, id: usize, v: &Value) -> bool {
        match &self.nodes[id] {
            Node::Null => v.is_null(),
            Node::Boolean => v.is_boolean(),
            Node::Int | Node::Long => v.is_number(),
            Node::Float | Node::Double => v.is_number() || v.is_string(),
            Node::Bytes(BytesAs::Raw) | Node::String { .. } | Node::Enum(_) => v.is_string(),
            Node::Fixed(f) => {
                v.is_string() || (matches!(f.view, FixedAs::Decimal { .. }) && v.is_number())
            }
            Node::Bytes(_) => v.is_string() || v.is_number(),
            Node::Array(_) => v.is_array(),
            Node::Map(_) | Node::Record(_) => v.is_object(),
            Node::Union(_) => true,
        }
    }
}
#[derive(Clone, Copy)]
pub(super) enum Path<'a> {
    Root,
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl Path<'_> {
    pub(super) fn render(&self) -> String {
        match *self {
            Path::Root => String::new(),
            Path::Key(parent, k) => push_pointer(&parent.render(), k),
            Path::Index(parent, i) => push_pointer(&parent.render(), &i.to_string()),
        }
    }
}

/// Where violations go; without `out`, only whether there was one (trying union branches).
pub(super) struct Sink<'o> {
    pub(super) out: Option<&'o mut Vec<Violation>>,
    pub(super) max: usize,
    pub(super) failed: bool,
}

impl Sink<'_> {
    pub(super) fn fail(&mut self, path: &Path, reason: impl FnOnce() -> String) {
        self.failed = true;
        if let Some(out) = self.out.as_deref_mut() {
            if out.len() < self.max {
                out.push(Violation::schema(path.render(), reason()));
            }
        }
    }

    pub(super) fn full(&self) -> bool {
        match &self.out {
            None => self.failed,
            Some(out) => out.len() >= self.max,
        }
    }
}

pub(super) fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("boolean {b}"),
        Value::Number(n) => format!("number {n}"),
        Value::String(s) => {
            if s.chars().count() > 40 {
                let short: String = s.chars().take(40).collect();
                format!("string {short:?}…")
            } else {
                format!("string {s:?}")
            }
        }
        Value::Array(_) => "array".into(),
        Value::Object(_) => "object".into(),
    }
}

pub(super) fn expected(what: &str, v: &Value) -> String {
    format!("expected {what}, found {}", describe(v))
}

pub(super) fn check_integer(
    v: &Value,
    name: &str,
    min: i64,
    max: i64,
    path: &Path,
    sink: &mut Sink,
) {
    match v {
        Value::Number(n) => match n.as_i64() {
            Some(i) if (min..=max).contains(&i) => {}
            Some(_) => sink.fail(path, || format!("{name} out of range: {n}")),
            None if n.is_u64() => sink.fail(path, || format!("{name} out of range: {n}")),
            None => sink.fail(path, || expected(name, v)),
        },
        _ => sink.fail(path, || expected(name, v)),
    }
}

pub(super) fn nonfinite(v: &Value) -> Option<f64> {
    match v.as_str()? {
        "NaN" => Some(f64::NAN),
        "Infinity" => Some(f64::INFINITY),
        "-Infinity" => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

pub(super) fn check_latin1(v: &Value, size: Option<usize>, path: &Path, sink: &mut Sink) {
    let what = match size {
        Some(n) => format!("fixed of {n} bytes (a string, one character per byte)"),
        None => "bytes (a string, one character per byte)".into(),
    };
    let Some(s) = v.as_str() else {
        return sink.fail(path, || expected(&what, v));
    };
    if let Some(c) = s.chars().find(|&c| u32::from(c) > 0xff) {
        return sink.fail(path, || {
            format!(
                "bytes are written one character per byte (U+0000..U+00FF); found U+{:04X}",
                u32::from(c)
            )
        });
    }
    if let Some(n) = size {
        let len = s.chars().count();
        if len != n {
            sink.fail(path, || format!("expected fixed of {n} bytes, found {len}"));
        }
    }
}

pub(super) fn check_decimal(
    v: &Value,
    shape: Option<(usize, usize)>,
    size: Option<usize>,
    path: &Path,
    sink: &mut Sink,
) {
    let Some(d) = decimal_of(v) else {
        return sink.fail(path, || expected("decimal (a string like \"12.34\")", v));
    };
    let Some((precision, scale)) = shape else {
        return;
    };
    let digits = match d.rescale(scale) {
        Ok(digits) => digits,
        Err(why) => return sink.fail(path, || why),
    };
    let significant = digits.trim_start_matches('0').len();
    if significant > precision {
        return sink.fail(path, || {
            format!(
                "decimal {} has {significant} digits; the schema allows {precision}",
                describe_decimal(v)
            )
        });
    }
    if let Some(size) = size {
        if sign_extend(&unscaled_bytes(d.negative, &digits), size).is_none() {
            sink.fail(path, || {
                format!(
                    "decimal {} does not fit in {size} bytes",
                    describe_decimal(v)
                )
            });
        }
    }
}

pub(super) fn describe_decimal(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

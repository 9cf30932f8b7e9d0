//! JSON Schema compatibility where it is decidable: whether every instance one schema accepts,
//! the other accepts, by a structural reading of both; what that reading cannot decide is
//! said instead of guessed.

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashSet};
use std::fmt::Write as _;

use serde_json::{Map, Value};

use super::{dedup, path_or_root, Mode};
use crate::schema::push_pointer;

/// Why `new` is not compatible with `old` in `mode` (empty: compatible), or why that cannot
/// be decided.
pub fn json_schema(old: &Value, new: &Value, mode: Mode) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    if mode.backward() {
        // New consumers read old data: the new schema must accept all the old one accepted.
        let mut c = JsCheck::new(old, new, "old", "new");
        c.covers(new, old, "")?;
        out.extend(c.out);
    }
    if mode.forward() {
        let mut c = JsCheck::new(new, old, "new", "old");
        c.covers(old, new, "")?;
        out.extend(c.out);
    }
    Ok(dedup(out))
}

/// Keywords whose effect this comparison cannot work out; fine when both schemas have the same
/// value at the same place (each keyword narrows both alike), undecidable otherwise.
const OPAQUE: &[&str] = &[
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "if",
    "then",
    "else",
    "patternProperties",
    "propertyNames",
    "dependencies",
    "dependentRequired",
    "dependentSchemas",
    "unevaluatedProperties",
    "unevaluatedItems",
    "contains",
    "minContains",
    "maxContains",
    "prefixItems",
    "additionalItems",
    "pattern",
    "$dynamicRef",
    "$recursiveRef",
    "contentSchema",
];

/// Keywords that assert something, which a `$ref`'s siblings may not carry here.
const ASSERTIONS: &[&str] = &[
    "type",
    "enum",
    "const",
    "properties",
    "required",
    "additionalProperties",
    "items",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minItems",
    "maxItems",
    "uniqueItems",
    "minProperties",
    "maxProperties",
    "format",
];

const ALL_TYPES: &[&str] = &["null", "boolean", "object", "array", "number", "string"];

/// "Every instance `sub` accepts, `sup` accepts", with `sub` and `sup` labelled old/new.
struct JsCheck<'a> {
    sub_root: &'a Value,
    sup_root: &'a Value,
    sub: &'static str,
    sup: &'static str,
    out: Vec<String>,
    /// (sup, sub) schema pairs under way, by address: recursive `$ref`s end here, and their
    /// number is how deep the comparison is.
    open: HashSet<(usize, usize)>,
}

/// A schema object: its keywords and their values.
type Keywords = Map<String, Value>;

/// The schema an absent `additionalProperties` or `items` stands for: anything goes.
static TRUE: Value = Value::Bool(true);

fn addr(v: &Value) -> usize {
    std::ptr::from_ref::<Value>(v) as usize
}

impl<'a> JsCheck<'a> {
    fn new(
        sub_root: &'a Value,
        sup_root: &'a Value,
        sub: &'static str,
        sup: &'static str,
    ) -> JsCheck<'a> {
        JsCheck {
            sub_root,
            sup_root,
            sub,
            sup,
            out: Vec::new(),
            open: HashSet::new(),
        }
    }

    fn issue(&mut self, path: &str, what: String) {
        self.out.push(format!(
            "{}: {what}; the {} schema rejects data the {} schema accepts",
            path_or_root(path),
            self.sup,
            self.sub
        ));
    }

    fn covers(&mut self, sup: &Value, sub: &Value, path: &str) -> Result<(), String> {
        // Every comparison under way holds its pair in `open`: their number is the depth.
        if self.open.len() > 64 {
            return Err(format!("{}: schemas nested too deeply", path_or_root(path)));
        }
        let sup = resolve(sup, self.sup_root, path)?;
        let sub = resolve(sub, self.sub_root, path)?;
        // A pair already under way is a recursive `$ref`: assume it holds (what it finds, it
        // finds on the way in).
        let key = (addr(sup), addr(sub));
        if !self.open.insert(key) {
            return Ok(());
        }
        let r = self.covers_now(sup, sub, path);
        self.open.remove(&key);
        r
    }

    fn covers_now(&mut self, sup: &Value, sub: &Value, path: &str) -> Result<(), String> {
        // Boolean schemas: true accepts everything, false nothing.
        if sub == &Value::Bool(false) || sup == &Value::Bool(true) {
            return Ok(());
        }
        let empty = Map::new();
        let sub_m = match sub {
            Value::Bool(true) => &empty,
            Value::Object(m) => m,
            _ => return Err(format!("{}: not a schema", path_or_root(path))),
        };
        let sup_m = match sup {
            Value::Bool(false) => {
                self.issue(
                    path,
                    format!("the {} schema accepts nothing here", self.sup),
                );
                return Ok(());
            }
            Value::Object(m) => m,
            _ => return Err(format!("{}: not a schema", path_or_root(path))),
        };
        // Keywords this cannot evaluate narrow their schema by an unknown amount. The same
        // keyword and value on both sides narrows both alike. One only in the new-accepting
        // side (`sup`) can only add rejections: incompatibilities found without it stand, but
        // "compatible" cannot be concluded. One only in `sub` can only remove instances:
        // "compatible" stands, found incompatibilities might not.
        let differs = |k: &&str| sup_m.get(*k) != sub_m.get(*k);
        let sup_extra = OPAQUE
            .iter()
            .find(|k| differs(k) && sup_m.contains_key(**k));
        let sub_extra = OPAQUE
            .iter()
            .find(|k| differs(k) && sub_m.contains_key(**k));
        let before = self.out.len();
        self.compare(sup, sub, sup_m, sub_m, path)?;
        let found = self.out.len() > before;
        if let (true, Some(k)) = (found, sub_extra) {
            return Err(format!(
                "{}: '{k}' in the {} schema may exclude the data that looks incompatible, and its effect cannot be compared",
                path_or_root(path),
                self.sub
            ));
        }
        if let (false, Some(k)) = (found, sup_extra) {
            return Err(format!(
                "{}: '{k}' differs in the {} schema, and its effect cannot be compared",
                path_or_root(path),
                self.sup
            ));
        }
        Ok(())
    }

    fn compare(
        &mut self,
        sup: &Value,
        sub: &Value,
        sup_m: &Keywords,
        sub_m: &Keywords,
        path: &str,
    ) -> Result<(), String> {
        // A finite set of values (enum, const, or only null/boolean): try each.
        if let Some(values) = finite_values(sub_m) {
            for v in values {
                if validate(sub, v.as_ref(), self.sub_root, 0).unwrap_or(true)
                    && !validate(sup, v.as_ref(), self.sup_root, 0)?
                {
                    let what = if sup_m.contains_key("enum") || sup_m.contains_key("const") {
                        format!(
                            "value {} is not in the {} schema's enum",
                            v.as_ref(),
                            self.sup
                        )
                    } else {
                        format!("value {} is not accepted", v.as_ref())
                    };
                    self.issue(path, what);
                }
            }
            return Ok(());
        }
        if sup_m.contains_key("enum") || sup_m.contains_key("const") {
            let what = format!(
                "the {} schema restricts values to an enum or const, the {} schema does not",
                self.sup, self.sub
            );
            self.issue(path, what);
            return Ok(());
        }

        let sub_types = types(sub_m);
        let sup_types = types(sup_m);
        let rejected: Vec<&str> = sub_types
            .iter()
            .copied()
            .filter(|t| !accepts_type(&sup_types, t))
            .collect();
        if !rejected.is_empty() {
            let (old, new) = if self.sub == "old" {
                (sub_m, sup_m)
            } else {
                (sup_m, sub_m)
            };
            let mut what = format!("type changed from {} to {}", type_list(old), type_list(new));
            if sub_m.contains_key("type") {
                let _ = write!(what, " ({} no longer accepted)", rejected.join(", "));
            }
            self.issue(path, what);
        }
        let common = |t: &str| sub_types.contains(t) && accepts_type(&sup_types, t);
        if common("string") {
            self.strings(sup_m, sub_m, path);
        }
        if common("number") || common("integer") {
            self.numbers(sup_m, sub_m, path);
        }
        if common("object") {
            self.objects(sup_m, sub_m, path)?;
        }
        if common("array") {
            self.arrays(sup_m, sub_m, path)?;
        }
        Ok(())
    }

    fn strings(&mut self, sup: &Keywords, sub: &Keywords, path: &str) {
        self.counts(sup, sub, "minLength", "maxLength", path);
        if let Some(f) = sup.get("format") {
            if sub.get("format") != Some(f) {
                let what = format!("format {f} is required by the {} schema only", self.sup);
                self.issue(path, what);
            }
        }
    }

    /// "raised from 1 to 3", in old → new order.
    fn bound_change<T: std::fmt::Display>(
        &self,
        key: &str,
        sub: Option<T>,
        sup: Option<T>,
    ) -> String {
        let show = |v: Option<T>| v.map_or_else(|| "none".to_string(), |v| v.to_string());
        let (old, new) = if self.sub == "old" {
            (show(sub), show(sup))
        } else {
            (show(sup), show(sub))
        };
        format!("{key} changed from {old} to {new}")
    }

    fn numbers(&mut self, sup: &Keywords, sub: &Keywords, path: &str) {
        // A lower bound narrows when it rises, an upper bound when it falls.
        for (key, bound, tighter) in [
            ("minimum", lower as Bound, Ordering::Greater),
            ("maximum", upper, Ordering::Less),
        ] {
            let (sub_b, sup_b) = (bound(sub), bound(sup));
            if narrower(sup_b, sub_b, tighter) {
                let what = self.bound_change(key, sub_b.map(show_bound), sup_b.map(show_bound));
                self.issue(path, what);
            }
        }
        if let Some(m) = sup.get("multipleOf").and_then(Value::as_f64) {
            let ok = sub
                .get("multipleOf")
                .and_then(Value::as_f64)
                .is_some_and(|n| m > 0.0 && is_whole(n / m));
            if !ok {
                let what = self.bound_change(
                    "multipleOf",
                    sub.get("multipleOf").map(Value::to_string),
                    sup.get("multipleOf").map(Value::to_string),
                );
                self.issue(path, what);
            }
        }
    }

    fn objects(&mut self, sup: &Keywords, sub: &Keywords, path: &str) -> Result<(), String> {
        let empty = Map::new();
        let sub_props = sub
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let sup_props = sup
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let sub_add = sub.get("additionalProperties").unwrap_or(&TRUE);
        let sup_add = sup.get("additionalProperties").unwrap_or(&TRUE);
        let names: BTreeSet<&String> = sub_props.keys().chain(sup_props.keys()).collect();
        for name in names {
            let s = sub_props.get(name.as_str()).unwrap_or(sub_add);
            let p = sup_props.get(name.as_str()).unwrap_or(sup_add);
            let ppath = push_pointer(&push_pointer(path, "properties"), name);
            if *s == Value::Bool(false) {
                continue;
            }
            if *p == Value::Bool(false) {
                let what = format!(
                    "property '{name}' is not allowed by the {} schema",
                    self.sup
                );
                self.issue(&ppath, what);
                continue;
            }
            self.covers(p, s, &ppath)?;
        }
        if *sup_add == Value::Bool(false) && *sub_add != Value::Bool(false) {
            let what = format!(
                "additionalProperties is false in the {} schema only",
                self.sup
            );
            self.issue(&push_pointer(path, "additionalProperties"), what);
        } else {
            self.covers(
                sup_add,
                sub_add,
                &push_pointer(path, "additionalProperties"),
            )?;
        }
        let sub_req = strings(sub.get("required"));
        for r in strings(sup.get("required")) {
            if !sub_req.contains(&r) {
                let what = format!("property '{r}' is required by the {} schema only", self.sup);
                self.issue(&push_pointer(&push_pointer(path, "properties"), r), what);
            }
        }
        self.counts(sup, sub, "minProperties", "maxProperties", path);
        Ok(())
    }

    fn arrays(&mut self, sup: &Keywords, sub: &Keywords, path: &str) -> Result<(), String> {
        let (s, p) = (sub.get("items"), sup.get("items"));
        if s.is_some_and(Value::is_array) || p.is_some_and(Value::is_array) {
            if s != p {
                return Err(format!(
                    "{}: tuple 'items' differ between the schemas, and cannot be compared",
                    path_or_root(path)
                ));
            }
        } else {
            self.covers(
                p.unwrap_or(&TRUE),
                s.unwrap_or(&TRUE),
                &push_pointer(path, "items"),
            )?;
        }
        self.counts(sup, sub, "minItems", "maxItems", path);
        if sup.get("uniqueItems") == Some(&Value::Bool(true))
            && sub.get("uniqueItems") != Some(&Value::Bool(true))
        {
            let what = format!("uniqueItems is required by the {} schema only", self.sup);
            self.issue(path, what);
        }
        Ok(())
    }

    /// A count bound (`minLength`, `minItems`, ...) narrows when its minimum rises, or its
    /// maximum falls or appears.
    fn counts(&mut self, sup: &Keywords, sub: &Keywords, min: &str, max: &str, path: &str) {
        let (sub_min, sup_min) = (uint(sub, min), uint(sup, min));
        if sup_min.unwrap_or(0) > sub_min.unwrap_or(0) {
            let what = self.bound_change(min, sub_min, sup_min);
            self.issue(path, what);
        }
        let (sub_max, sup_max) = (uint(sub, max), uint(sup, max));
        if let Some(m) = sup_max {
            if sub_max.is_none_or(|s| s > m) {
                let what = self.bound_change(max, sub_max, sup_max);
                self.issue(path, what);
            }
        }
    }
}

/// Follow a local `$ref` (`#`, `#/definitions/x`, `#/$defs/x`); anything else cannot be read
/// here.
fn resolve<'v>(schema: &'v Value, root: &'v Value, path: &str) -> Result<&'v Value, String> {
    let mut s = schema;
    for _ in 0..32 {
        let Some(r) = s.get("$ref").and_then(Value::as_str) else {
            return Ok(s);
        };
        if let Some(m) = s.as_object() {
            if let Some(k) = m
                .keys()
                .find(|k| ASSERTIONS.contains(&k.as_str()) || OPAQUE.contains(&k.as_str()))
            {
                return Err(format!(
                    "{}: '$ref' next to '{k}' (drafts disagree on what that means)",
                    path_or_root(path)
                ));
            }
        }
        let Some(pointer) = r.strip_prefix('#') else {
            return Err(format!(
                "{}: '$ref' to {r} points outside the schema",
                path_or_root(path)
            ));
        };
        if !pointer.is_empty() && !pointer.starts_with('/') {
            return Err(format!(
                "{}: '$ref' to the anchor {r} is not followed",
                path_or_root(path)
            ));
        }
        let decoded = percent_decode(pointer);
        s = root
            .pointer(&decoded)
            .ok_or_else(|| format!("{}: '$ref' to {r} finds nothing", path_or_root(path)))?;
    }
    Err(format!("{}: '$ref' chain too long", path_or_root(path)))
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("");
            if let Ok(byte) = u8::from_str_radix(hex, 16) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap_or_else(|_| s.to_string())
}

/// The types a schema allows ("integer" where it says so; every type when it does not say).
fn types(m: &Keywords) -> BTreeSet<&str> {
    match m.get("type") {
        Some(Value::String(t)) => [t.as_str()].into_iter().collect(),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => ALL_TYPES.iter().copied().collect(),
    }
}

fn type_list(m: &Keywords) -> String {
    match m.get("type") {
        Some(Value::String(t)) => t.clone(),
        Some(Value::Array(ts)) => {
            let ts: Vec<&str> = ts.iter().filter_map(Value::as_str).collect();
            format!("[{}]", ts.join(", "))
        }
        _ => "any".into(),
    }
}

fn accepts_type(types: &BTreeSet<&str>, t: &str) -> bool {
    types.contains(t) || (t == "integer" && types.contains("number"))
}

/// The values a schema is limited to, when they are few: `enum`, `const`, or types that are
/// only null and boolean.
fn finite_values(m: &Keywords) -> Option<Vec<std::borrow::Cow<'_, Value>>> {
    use std::borrow::Cow;
    if let Some(c) = m.get("const") {
        return Some(vec![Cow::Borrowed(c)]);
    }
    if let Some(Value::Array(e)) = m.get("enum") {
        return Some(e.iter().map(Cow::Borrowed).collect());
    }
    let ts = types(m);
    if ts.iter().all(|t| matches!(*t, "null" | "boolean")) {
        let mut out = Vec::new();
        if ts.contains("null") {
            out.push(Cow::Owned(Value::Null));
        }
        if ts.contains("boolean") {
            out.push(Cow::Owned(Value::Bool(false)));
            out.push(Cow::Owned(Value::Bool(true)));
        }
        return Some(out);
    }
    None
}

fn uint(m: &Keywords, k: &str) -> Option<u64> {
    m.get(k)
        .and_then(|v| v.as_u64().or_else(|| v.as_f64().map(|f| f as u64)))
}

/// The lower bound and whether it is exclusive (draft 4's boolean exclusiveMinimum too).
/// A numeric bound of a schema: its value, and whether it is exclusive.
type Bound = fn(&Keywords) -> Option<(f64, bool)>;

/// Whether bound `sup` accepts less than bound `sub` on its side (`tighter`: `Greater` for a
/// lower bound, `Less` for an upper one): it is tighter, or equal and exclusive where `sub` is
/// not. No bound at all accepts everything.
fn narrower(sup: Option<(f64, bool)>, sub: Option<(f64, bool)>, tighter: Ordering) -> bool {
    let Some((s, sx)) = sup else {
        return false;
    };
    let Some((b, bx)) = sub else {
        return true;
    };
    match s.partial_cmp(&b) {
        Some(Ordering::Equal) => sx && !bx,
        o => o == Some(tighter),
    }
}

fn lower(m: &Keywords) -> Option<(f64, bool)> {
    bound(m, "minimum", "exclusiveMinimum", |a, b| a > b)
}

fn upper(m: &Keywords) -> Option<(f64, bool)> {
    bound(m, "maximum", "exclusiveMaximum", |a, b| a < b)
}

fn bound(
    m: &Keywords,
    inclusive: &str,
    exclusive: &str,
    tighter: fn(f64, f64) -> bool,
) -> Option<(f64, bool)> {
    let inc = m.get(inclusive).and_then(Value::as_f64);
    match m.get(exclusive) {
        Some(Value::Bool(true)) => inc.map(|v| (v, true)),
        Some(v) => match (inc, v.as_f64()) {
            (Some(i), Some(e)) => Some(if tighter(i, e) { (i, false) } else { (e, true) }),
            (None, Some(e)) => Some((e, true)),
            (i, None) => i.map(|v| (v, false)),
        },
        None => inc.map(|v| (v, false)),
    }
}

fn show_bound((v, exclusive): (f64, bool)) -> String {
    if exclusive {
        format!("{v} (exclusive)")
    } else {
        v.to_string()
    }
}

fn is_whole(f: f64) -> bool {
    (f - f.round()).abs() < 1e-9
}

fn strings(v: Option<&Value>) -> Vec<&str> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// JSON equality as JSON Schema sees it: 1 and 1.0 are the same number.
fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => x.as_f64() == y.as_f64(),
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

fn type_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) => {
            if n.is_i64() || n.is_u64() || n.as_f64().is_some_and(is_whole_exact) {
                "integer"
            } else {
                "number"
            }
        }
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn is_whole_exact(f: f64) -> bool {
    f.fract() == 0.0
}

/// Whether `v` is valid under `schema`, for the keywords this module understands; an `Err`
/// for one it does not.
fn validate(schema: &Value, v: &Value, root: &Value, depth: usize) -> Result<bool, String> {
    if depth > 64 {
        return Err("schema nested too deeply".into());
    }
    let schema = resolve(schema, root, "")?;
    let m = match schema {
        Value::Bool(b) => return Ok(*b),
        Value::Object(m) => m,
        _ => return Err("not a schema".into()),
    };
    if let Some(k) = OPAQUE.iter().find(|k| m.contains_key(**k)) {
        return Err(format!("'{k}' cannot be evaluated here"));
    }
    let t = type_of(v);
    if !accepts_type(&types(m), t) {
        return Ok(false);
    }
    if let Some(c) = m.get("const") {
        if !json_eq(c, v) {
            return Ok(false);
        }
    }
    if let Some(Value::Array(e)) = m.get("enum") {
        if !e.iter().any(|x| json_eq(x, v)) {
            return Ok(false);
        }
    }
    match v {
        Value::String(s) => {
            let n = s.chars().count() as u64;
            if uint(m, "minLength").is_some_and(|l| n < l)
                || uint(m, "maxLength").is_some_and(|l| n > l)
            {
                return Ok(false);
            }
        }
        Value::Number(n) => {
            let f = n.as_f64().unwrap_or(0.0);
            // An exclusive bound refuses the bound itself.
            if let Some((lo, x)) = lower(m) {
                let below = if x { f <= lo } else { f < lo };
                if below {
                    return Ok(false);
                }
            }
            if let Some((hi, x)) = upper(m) {
                let above = if x { f >= hi } else { f > hi };
                if above {
                    return Ok(false);
                }
            }
            if let Some(d) = m.get("multipleOf").and_then(Value::as_f64) {
                if d > 0.0 && !is_whole(f / d) {
                    return Ok(false);
                }
            }
        }
        Value::Object(o) => {
            let empty = Map::new();
            let props = m
                .get("properties")
                .and_then(Value::as_object)
                .unwrap_or(&empty);
            for (k, x) in o {
                let Some(s) = props.get(k).or_else(|| m.get("additionalProperties")) else {
                    continue;
                };
                if !validate(s, x, root, depth + 1)? {
                    return Ok(false);
                }
            }
            if strings(m.get("required"))
                .iter()
                .any(|r| !o.contains_key(*r))
            {
                return Ok(false);
            }
            let n = o.len() as u64;
            if uint(m, "minProperties").is_some_and(|l| n < l)
                || uint(m, "maxProperties").is_some_and(|l| n > l)
            {
                return Ok(false);
            }
        }
        Value::Array(a) => {
            match m.get("items") {
                Some(Value::Array(_)) => {
                    return Err("tuple 'items' cannot be evaluated here".into())
                }
                Some(s) => {
                    for x in a {
                        if !validate(s, x, root, depth + 1)? {
                            return Ok(false);
                        }
                    }
                }
                None => {}
            }
            let n = a.len() as u64;
            if uint(m, "minItems").is_some_and(|l| n < l)
                || uint(m, "maxItems").is_some_and(|l| n > l)
            {
                return Ok(false);
            }
            if m.get("uniqueItems") == Some(&Value::Bool(true)) {
                for (i, x) in a.iter().enumerate() {
                    if a[i + 1..].iter().any(|y| json_eq(x, y)) {
                        return Ok(false);
                    }
                }
            }
        }
        _ => {}
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_pointers_in_refs_are_percent_decoded() {
        assert_eq!(percent_decode("/$defs/a%20b"), "/$defs/a b");
        assert_eq!(percent_decode("/x%é%4"), "/x%é%4");
        let doc = json!({"$defs": {"a b": {"type": "string"}}, "$ref": "#/$defs/a%20b"});
        assert!(js(doc.clone(), doc, Mode::Full).is_empty());
    }

    fn js(old: Value, new: Value, mode: Mode) -> Vec<String> {
        json_schema(&old, &new, mode).unwrap_or_else(|e| panic!("undecided: {e}"))
    }

    /// How many issues each comparison finds: (old, new, mode, issues).
    fn issue_counts<const N: usize>(cases: [(Value, Value, Mode, usize); N]) {
        for (old, new, mode, issues) in cases {
            let found = js(old.clone(), new.clone(), mode);
            assert_eq!(found.len(), issues, "{old} then {new}, {mode:?}: {found:?}");
        }
    }

    #[test]
    fn json_schema_properties_and_the_content_model() {
        let open = json!({"type": "object", "properties": {"a": {"type": "string"}}});
        let open_b = json!({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}});
        // An open model allowed anything under "b"; the new schema narrows it.
        assert_eq!(
            js(open.clone(), open_b.clone(), Mode::Backward),
            vec!["/properties/b: type changed from any to integer; the new schema rejects data the old schema accepts"]
        );
        assert!(js(open.clone(), open_b.clone(), Mode::Forward).is_empty());
        let closed = json!({"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": false});
        let closed_b = json!({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "integer"}}, "additionalProperties": false});
        assert!(js(closed.clone(), closed_b.clone(), Mode::Backward).is_empty());
        assert_eq!(
            js(closed.clone(), closed_b.clone(), Mode::Forward),
            vec!["/properties/b: property 'b' is not allowed by the old schema; the old schema rejects data the new schema accepts"]
        );
        // Closing an open model.
        assert_eq!(
            js(open.clone(), closed.clone(), Mode::Backward),
            vec!["/additionalProperties: additionalProperties is false in the new schema only; the new schema rejects data the old schema accepts"]
        );
        // Removing a property from a closed model.
        assert_eq!(
            js(closed_b, closed.clone(), Mode::Backward),
            vec!["/properties/b: property 'b' is not allowed by the new schema; the new schema rejects data the old schema accepts"]
        );
    }

    #[test]
    fn json_schema_required_enum_type_and_bounds() {
        let base =
            json!({"type": "object", "properties": {"a": {"type": "string"}}, "required": []});
        let req =
            json!({"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]});
        assert_eq!(
            js(base.clone(), req.clone(), Mode::Backward),
            vec!["/properties/a: property 'a' is required by the new schema only; the new schema rejects data the old schema accepts"]
        );
        issue_counts([
            (base.clone(), req.clone(), Mode::Forward, 0),
            (base, req, Mode::Full, 1),
        ]);

        let e2 = json!({"enum": ["A", "B"]});
        let e3 = json!({"enum": ["A", "B", "C"]});
        assert!(js(e2.clone(), e3.clone(), Mode::Backward).is_empty());
        assert_eq!(
            js(e2.clone(), e3.clone(), Mode::Forward),
            vec!["/: value \"C\" is not in the old schema's enum; the old schema rejects data the new schema accepts"]
        );
        assert_eq!(
            js(json!({"type": "string"}), e2.clone(), Mode::Backward),
            vec!["/: the new schema restricts values to an enum or const, the old schema does not; the new schema rejects data the old schema accepts"]
        );
        let of_type = |t: &str| json!({"type": t});
        issue_counts([
            (json!({"const": "A"}), e2, Mode::Backward, 0),
            // 1 and 1.0 are the same number.
            (
                json!({"enum": [1]}),
                json!({"enum": [1.0, 2]}),
                Mode::Backward,
                0,
            ),
            (
                json!({"type": "string"}),
                json!({"type": ["string", "null"]}),
                Mode::Backward,
                0,
            ),
        ]);
        assert_eq!(
            js(json!({"type": "string"}), json!({"type": ["string", "null"]}), Mode::Forward),
            vec!["/: type changed from string to [string, null] (null no longer accepted); the old schema rejects data the new schema accepts"]
        );
        let (integer, number) = (of_type("integer"), of_type("number"));
        issue_counts([
            (integer.clone(), number.clone(), Mode::Backward, 0),
            (number, integer, Mode::Backward, 1),
            // null and boolean are finite: checked value by value.
            (
                json!({"type": "boolean", "const": true}),
                of_type("boolean"),
                Mode::Backward,
                0,
            ),
        ]);

        assert_eq!(
            js(json!({"type": "string", "maxLength": 10}), json!({"type": "string", "maxLength": 5}), Mode::Backward),
            vec!["/: maxLength changed from 10 to 5; the new schema rejects data the old schema accepts"]
        );
        assert!(js(
            json!({"type": "string", "maxLength": 5}),
            json!({"type": "string", "maxLength": 10, "minLength": 0}),
            Mode::Backward
        )
        .is_empty());
        assert_eq!(
            js(json!({"type": "string"}), json!({"type": "string", "minLength": 1}), Mode::Backward),
            vec!["/: minLength changed from none to 1; the new schema rejects data the old schema accepts"]
        );
        assert_eq!(
            js(json!({"type": "number", "minimum": 0}), json!({"type": "number", "exclusiveMinimum": 0}), Mode::Backward),
            vec!["/: minimum changed from 0 to 0 (exclusive); the new schema rejects data the old schema accepts"]
        );
        let at_most = |n: u64| json!({"type": "number", "maximum": n});
        let multiple_of = |n: u64| json!({"type": "integer", "multipleOf": n});
        issue_counts([
            (
                json!({"type": "number", "minimum": 1, "maximum": 5}),
                json!({"type": "number", "minimum": 0}),
                Mode::Backward,
                0,
            ),
            (at_most(5), at_most(4), Mode::Forward, 0),
            (at_most(5), at_most(4), Mode::Backward, 1),
            (multiple_of(4), multiple_of(2), Mode::Backward, 0),
            (multiple_of(3), multiple_of(2), Mode::Backward, 1),
        ]);
        assert_eq!(
            js(json!({"type": "string"}), json!({"type": "string", "format": "email"}), Mode::Backward),
            vec!["/: format \"email\" is required by the new schema only; the new schema rejects data the old schema accepts"]
        );
    }

    #[test]
    fn json_schema_items_refs_and_booleans() {
        let arr = |t: &str| json!({"type": "array", "items": {"type": t}});
        assert!(js(arr("integer"), arr("number"), Mode::Backward).is_empty());
        assert_eq!(
            js(arr("number"), arr("integer"), Mode::Backward),
            vec!["/items: type changed from number to integer (number no longer accepted); the new schema rejects data the old schema accepts"]
        );
        assert_eq!(
            js(
                json!({"type": "array"}),
                json!({"type": "array", "maxItems": 3, "uniqueItems": true}),
                Mode::Backward
            )
            .len(),
            2
        );
        let with_defs = |t: &str| {
            json!({"definitions": {"id": {"type": t}}, "type": "object",
                "properties": {"a": {"$ref": "#/definitions/id"}}})
        };
        assert!(js(with_defs("string"), with_defs("string"), Mode::Full).is_empty());
        assert_eq!(
            js(with_defs("string"), with_defs("integer"), Mode::Backward),
            vec!["/properties/a: type changed from string to integer (string no longer accepted); the new schema rejects data the old schema accepts"]
        );
        // A recursive schema ends.
        let tree = |t: &str| {
            json!({"$defs": {"node": {"type": "object", "properties": {
                "label": {"type": t}, "kids": {"type": "array", "items": {"$ref": "#/$defs/node"}}}}},
                "$ref": "#/$defs/node"})
        };
        issue_counts([
            (tree("string"), tree("string"), Mode::Full, 0),
            (tree("string"), tree("integer"), Mode::Backward, 1),
            (json!({"type": "string"}), json!(true), Mode::Backward, 0),
            (json!(false), json!({"type": "string"}), Mode::Backward, 0),
        ]);
        assert_eq!(
            js(json!(true), json!(false), Mode::Backward),
            vec!["/: the new schema accepts nothing here; the new schema rejects data the old schema accepts"]
        );
    }

    #[test]
    fn json_schema_says_when_it_cannot_decide() {
        let one_of =
            |n: u64| json!({"oneOf": [{"type": "string"}, {"type": "integer", "maximum": n}]});
        assert!(js(one_of(5), one_of(5), Mode::Full).is_empty());
        let e = json_schema(&one_of(5), &one_of(6), Mode::Backward).unwrap_err();
        assert!(e.contains("'oneOf'"), "{e}");
        let e = json_schema(
            &json!({"type": "object"}),
            &json!({"type": "object", "properties": {"a": {"$ref": "https://example.com/a.json"}}}),
            Mode::Backward,
        )
        .unwrap_err();
        assert!(e.contains("points outside the schema"), "{e}");
        let pp = json!({"type": "object", "patternProperties": {"^x": {"type": "string"}}});
        assert!(json_schema(&json!({"type": "object"}), &pp, Mode::Backward).is_err());
        // A new restriction it cannot read, next to one it can that already breaks: decided.
        let reasons = js(
            json!({"type": "string"}),
            json!({"type": "integer", "pattern": "^1"}),
            Mode::Backward,
        );
        assert_eq!(reasons.len(), 1);
        // An old restriction it cannot read that might explain away an incompatibility: not.
        assert!(json_schema(
            &json!({"type": ["string", "integer"], "not": {"type": "integer"}}),
            &json!({"type": "string"}),
            Mode::Backward
        )
        .is_err());
        // ...but one that cannot hide anything (nothing looks incompatible) is fine.
        assert!(js(
            json!({"type": "string", "pattern": "^a"}),
            json!({"type": "string"}),
            Mode::Backward
        )
        .is_empty());
    }

    #[test]
    fn json_schema_nesting_is_compared_to_a_depth_of_64() {
        let nested = |levels: usize| {
            let mut v = json!({"type": "string"});
            for _ in 0..levels {
                v = json!({"type": "object", "properties": {"a": v}});
            }
            v
        };
        let deepest = nested(64);
        assert!(js(deepest.clone(), deepest, Mode::Full).is_empty());
        let deeper = nested(65);
        let e = json_schema(&deeper, &deeper.clone(), Mode::Full).unwrap_err();
        let path = "/properties/a".repeat(65);
        assert_eq!(e, format!("{path}: schemas nested too deeply"));
    }
}

//! Schema text to a compiled [`Tree`]: the JSON is first prepared for apache-avro (names it
//! would panic on refused, logical types and defaults it would lose set aside), apache-avro
//! parses it (it knows the specification's rules for names, namespaces, aliases and defaults),
//! and the result is compiled: named references resolved to indices, field defaults turned into
//! the JSON view, and each node's smallest encoded width measured.

use std::collections::HashMap;

use apache_avro::schema::{FixedSchema, Name, RecordSchema, Schema};
use serde_json::{Map, Value};

use super::logical::{decimal_string, latin1_bytes, uuid_string};
use super::tree::{BytesAs, Enum, Field, Fixed, FixedAs, Named, Node, Record, Tree};

/// The attribute that carries a fixed's uuid/duration logical type past apache-avro (see
/// [`AvroSchema::inner`]).
pub(super) const FIXED_LOGICAL: &str = "evops.logicalType";

/// Where [`prepare`] keeps a decimal field's default, out of apache-avro's sight.
pub(super) const DECIMAL_DEFAULT: &str = "evops.decimalDefault";

/// Parse the JSON and move `logicalType` uuid/duration off `fixed` types, so that apache-avro
/// keeps them as the named fixed they are.
pub(super) fn prepare(text: &str) -> Result<String, String> {
    let mut v: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    check_names(&v)?;
    if mark_fixed_logical(&mut v) {
        serde_json::to_string(&v).map_err(|e| e.to_string())
    } else {
        Ok(text.to_string())
    }
}

/// apache-avro 0.20 panics (an `unwrap`) on a type name, alias or type reference that is not an
/// Avro name; refuse those here first, by the specification's rule, walking the places a
/// schema can be (not defaults, which are data).
pub(super) fn check_names(v: &Value) -> Result<(), String> {
    match v {
        Value::String(s) => avro_name(s, "type name"),
        Value::Array(items) => items.iter().try_for_each(check_names),
        Value::Object(m) => {
            if let Some(Value::String(name)) = m.get("name") {
                avro_name(name, "name")?;
            }
            if let Some(Value::String(ns)) = m.get("namespace") {
                if !ns.is_empty() {
                    avro_name(ns, "namespace")?;
                }
            }
            if let Some(Value::Array(aliases)) = m.get("aliases") {
                for alias in aliases.iter().filter_map(Value::as_str) {
                    avro_name(alias, "alias")?;
                }
            }
            for key in ["type", "items", "values", "fields"] {
                if let Some(x) = m.get(key) {
                    check_names(x)?;
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// A full name: dot-separated parts, each a letter or `_` then letters, digits or `_`; or a
/// leading dot (the null namespace) before one such part.
pub(super) fn avro_name(s: &str, what: &str) -> Result<(), String> {
    let ident = |p: &str| {
        let mut chars = p.chars();
        chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    let valid = match s.strip_prefix('.') {
        Some(name) => ident(name),
        None => s.split('.').all(ident),
    };
    if valid {
        Ok(())
    } else {
        Err(format!(
            "'{s}' is not a valid Avro {what}: letters, digits and _, not starting with a digit, \
             dot-separated"
        ))
    }
}

pub(super) fn mark_fixed_logical(v: &mut Value) -> bool {
    match v {
        Value::Array(items) => items
            .iter_mut()
            .fold(false, |changed, x| mark_fixed_logical(x) | changed),
        Value::Object(m) => {
            let mut changed = false;
            let is_fixed = m.get("type").and_then(Value::as_str) == Some("fixed");
            let lt = m.get("logicalType").and_then(Value::as_str);
            if is_fixed && matches!(lt, Some("uuid" | "duration")) {
                if let Some(lt) = m.remove("logicalType") {
                    m.insert(FIXED_LOGICAL.to_string(), lt);
                    changed = true;
                }
            }
            // apache-avro 0.20 refuses every default of a decimal field, though the
            // specification allows one (a string of bytes): keep it beside the field instead,
            // where the compiler reads it.
            let decimal_field = m.contains_key("name")
                && m.get("type")
                    .and_then(|t| t.get("logicalType"))
                    .and_then(Value::as_str)
                    == Some("decimal");
            if decimal_field {
                if let Some(d) = m.remove("default") {
                    m.insert(DECIMAL_DEFAULT.to_string(), d);
                    changed = true;
                }
            }
            for (_, x) in m.iter_mut() {
                changed |= mark_fixed_logical(x);
            }
            changed
        }
        _ => false,
    }
}

pub(super) struct Compiler<'s> {
    pub(super) defs: HashMap<Name, &'s Schema>,
    pub(super) ids: HashMap<Name, usize>,
    pub(super) nodes: Vec<Node>,
}

/// Gather every named type's definition by its full name (apache-avro has qualified them all,
/// the null namespace of `"namespace": ""` included), so that a reference compiles whether its
/// definition comes earlier, later (in a referenced schema) or encloses it (recursion).
pub(super) fn collect_defs<'s>(s: &'s Schema, defs: &mut HashMap<Name, &'s Schema>) {
    match s {
        Schema::Record(r) => {
            let fq = r.name.clone();
            for f in &r.fields {
                collect_defs(&f.schema, defs);
            }
            defs.entry(fq).or_insert(s);
        }
        Schema::Enum(e) => {
            defs.entry(e.name.clone()).or_insert(s);
        }
        Schema::Fixed(f) => {
            defs.entry(f.name.clone()).or_insert(s);
        }
        Schema::Decimal(d) => {
            // The decimal, not its inner fixed: a reference to the fixed's name is a decimal too.
            if let Schema::Fixed(f) = &*d.inner {
                defs.entry(f.name.clone()).or_insert(s);
            }
        }
        Schema::Array(a) => collect_defs(&a.items, defs),
        Schema::Map(m) => collect_defs(&m.types, defs),
        Schema::Union(u) => {
            for v in u.variants() {
                collect_defs(v, defs);
            }
        }
        _ => {}
    }
}

impl<'s> Compiler<'s> {
    pub(super) fn push(&mut self, n: Node) -> usize {
        self.nodes.push(n);
        self.nodes.len() - 1
    }

    /// A named type's node: the one compiled already under that name (a second use, or
    /// recursion), else a node reserved before `build` compiles its insides, so that a
    /// recursive reference finds it.
    fn named(
        &mut self,
        name: &Name,
        build: impl FnOnce(&mut Self) -> Result<Node, String>,
    ) -> Result<usize, String> {
        if let Some(&id) = self.ids.get(name) {
            return Ok(id);
        }
        let id = self.push(Node::Null);
        self.ids.insert(name.clone(), id);
        self.nodes[id] = build(self)?;
        Ok(id)
    }

    pub(super) fn node(&mut self, s: &'s Schema) -> Result<usize, String> {
        let node = match s {
            Schema::Null => Node::Null,
            Schema::Boolean => Node::Boolean,
            Schema::Int | Schema::Date | Schema::TimeMillis => Node::Int,
            Schema::Long
            | Schema::TimeMicros
            | Schema::TimestampMillis
            | Schema::TimestampMicros
            | Schema::TimestampNanos
            | Schema::LocalTimestampMillis
            | Schema::LocalTimestampMicros
            | Schema::LocalTimestampNanos => Node::Long,
            Schema::Float => Node::Float,
            Schema::Double => Node::Double,
            Schema::Bytes => Node::Bytes(BytesAs::Raw),
            Schema::BigDecimal => Node::Bytes(BytesAs::BigDecimal),
            Schema::String => Node::String { uuid: false },
            Schema::Uuid => Node::String { uuid: true },
            // Only reached if a duration escaped `prepare`; apache-avro has dropped its name.
            Schema::Duration => Node::Fixed(Fixed {
                named: Named::new(&Name::from("duration"), None),
                size: 12,
                view: FixedAs::Raw,
            }),
            Schema::Array(a) => Node::Array(self.node(&a.items)?),
            Schema::Map(m) => Node::Map(self.node(&m.types)?),
            Schema::Union(u) => Node::Union(
                u.variants()
                    .iter()
                    .map(|v| self.node(v))
                    .collect::<Result<_, _>>()?,
            ),
            Schema::Ref { name } => {
                if let Some(&id) = self.ids.get(name) {
                    return Ok(id);
                }
                let def = *self
                    .defs
                    .get(name)
                    .ok_or_else(|| format!("unknown type '{}'", name.fullname(None)))?;
                return self.node(def);
            }
            Schema::Decimal(d) => {
                let (precision, scale) = (d.precision, d.scale);
                match &*d.inner {
                    Schema::Fixed(f) => {
                        let view = FixedAs::Decimal { precision, scale };
                        return self.named(&f.name, |_| Ok(fixed(f, view)));
                    }
                    _ => Node::Bytes(BytesAs::Decimal { precision, scale }),
                }
            }
            Schema::Fixed(f) => {
                let logical = f.attributes.get(FIXED_LOGICAL).and_then(Value::as_str);
                let view = if logical == Some("uuid") && f.size == 16 {
                    FixedAs::Uuid
                } else {
                    FixedAs::Raw
                };
                return self.named(&f.name, |_| Ok(fixed(f, view)));
            }
            Schema::Enum(e) => {
                let default = e
                    .default
                    .as_ref()
                    .and_then(|d| e.symbols.iter().position(|s| s == d));
                return self.named(&e.name, |_| {
                    Ok(Node::Enum(Enum {
                        named: Named::new(&e.name, e.aliases.as_ref()),
                        symbols: e.symbols.clone(),
                        default,
                    }))
                });
            }
            Schema::Record(r) => return self.named(&r.name, |c| c.record(r)),
        };
        Ok(self.push(node))
    }

    fn record(&mut self, r: &'s RecordSchema) -> Result<Node, String> {
        let mut fields = Vec::with_capacity(r.fields.len());
        for f in &r.fields {
            fields.push(Field {
                name: f.name.clone(),
                aliases: f.aliases.clone().unwrap_or_default(),
                node: self.node(&f.schema)?,
                default: None,
                raw_default: f
                    .default
                    .clone()
                    .or_else(|| f.custom_attributes.get(DECIMAL_DEFAULT).cloned()),
            });
        }
        let lookup = fields
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name.clone(), i))
            .collect();
        let template = fields
            .iter()
            .map(|f| (f.name.clone(), Value::Null))
            .collect();
        Ok(Node::Record(Record {
            named: Named::new(&r.name, r.aliases.as_ref()),
            fields,
            lookup,
            template,
        }))
    }
}

fn fixed(f: &FixedSchema, view: FixedAs) -> Node {
    Node::Fixed(Fixed {
        named: Named::new(&f.name, f.aliases.as_ref()),
        size: f.size,
        view,
    })
}

impl Tree {
    pub(super) fn compile(root: &Schema, refs: &[Schema]) -> Result<Tree, String> {
        let mut defs = HashMap::new();
        for r in refs {
            collect_defs(r, &mut defs);
        }
        collect_defs(root, &mut defs);
        let mut c = Compiler {
            defs,
            ids: HashMap::new(),
            nodes: Vec::new(),
        };
        let root = c.node(root)?;
        let mut tree = Tree {
            nodes: c.nodes,
            root,
            min_width: Vec::new(),
        };
        // Defaults in the JSON view, now that every node exists.
        let mut defaults = Vec::new();
        for (id, n) in tree.nodes.iter().enumerate() {
            if let Node::Record(r) = n {
                for (i, f) in r.fields.iter().enumerate() {
                    if let Some(raw) = &f.raw_default {
                        defaults.push((id, i, tree.default_view(f.node, raw, 0)));
                    }
                }
            }
        }
        for (id, i, v) in defaults {
            if let Node::Record(r) = &mut tree.nodes[id] {
                r.fields[i].default = Some(v);
            }
        }
        let mut widths = vec![None; tree.nodes.len()];
        for id in 0..tree.nodes.len() {
            tree.width(id, &mut widths);
        }
        tree.min_width = widths.into_iter().map(|w| w.unwrap_or(0)).collect();
        Ok(tree)
    }

    /// The fewest bytes a value takes; a type still being measured (recursion) counts as 0,
    /// which keeps the result a lower bound.
    pub(super) fn width(&self, id: usize, memo: &mut [Option<usize>]) -> usize {
        if let Some(w) = memo[id] {
            return w;
        }
        memo[id] = Some(0);
        let w = match &self.nodes[id] {
            Node::Null => 0,
            Node::Float => 4,
            Node::Double => 8,
            Node::Fixed(f) => f.size,
            Node::Record(r) => r
                .fields
                .iter()
                .map(|f| self.width(f.node, memo))
                .fold(0usize, usize::saturating_add),
            _ => 1,
        };
        memo[id] = Some(w);
        w
    }
    /// A field default (Avro JSON encoding) in the JSON view: only decimals and fixed uuids
    /// look different, but they can sit anywhere inside a default.
    pub(super) fn default_view(&self, id: usize, raw: &Value, depth: usize) -> Value {
        // A default is finite, but a record's missing field brings in that field's own
        // default, and a perverse schema could make that a loop.
        if depth > 64 {
            return raw.clone();
        }
        match (&self.nodes[id], raw) {
            (Node::Bytes(BytesAs::Decimal { scale, .. }), Value::String(s)) => {
                match latin1_bytes(s) {
                    Some(b) => Value::String(decimal_string(&b, *scale as i64)),
                    None => raw.clone(),
                }
            }
            (Node::Fixed(f), Value::String(s)) => match (f.view, latin1_bytes(s)) {
                (FixedAs::Decimal { scale, .. }, Some(b)) => {
                    Value::String(decimal_string(&b, scale as i64))
                }
                (FixedAs::Uuid, Some(b)) if b.len() == 16 => Value::String(uuid_string(&b)),
                _ => raw.clone(),
            },
            (Node::Array(item), Value::Array(xs)) => Value::Array(
                xs.iter()
                    .map(|x| self.default_view(*item, x, depth + 1))
                    .collect(),
            ),
            (Node::Map(val), Value::Object(m)) => Value::Object(
                m.iter()
                    .map(|(k, x)| (k.clone(), self.default_view(*val, x, depth + 1)))
                    .collect(),
            ),
            (Node::Record(r), Value::Object(m)) => {
                let mut out = Map::with_capacity(r.fields.len());
                for f in &r.fields {
                    let v = m.get(&f.name).or(f.raw_default.as_ref());
                    if let Some(v) = v {
                        out.insert(f.name.clone(), self.default_view(f.node, v, depth + 1));
                    }
                }
                Value::Object(out)
            }
            (Node::Union(branches), _) => {
                // The specification says the first branch; apache-avro accepts any that fits.
                for &b in branches {
                    let v = self.default_view(b, raw, depth + 1);
                    if self.fits(b, &v) {
                        return v;
                    }
                }
                raw.clone()
            }
            _ => raw.clone(),
        }
    }
}

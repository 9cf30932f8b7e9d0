//! Avro schemas and the values they describe, pure (no I/O). This module owns parsing a schema
//! (through apache-avro, which knows the specification's rules for names, namespaces, aliases
//! and defaults), compiling it into a tree that a hand-written decoder walks (named references
//! resolved to indices, field names ready as JSON keys), reading binary datums straight into
//! the JSON view below, optionally through Avro schema resolution (a writer's schema read as a
//! reader's), checking JSON events against a schema, writing JSON back as a datum, the Parsing
//! Canonical Form, and the Confluent wire framing. apache-avro's own `from_avro_datum` builds
//! its `types::Value` (cloning every field name, hashing map entries, resolving names per
//! call), which would then need converting; the compiled tree produces the JSON view in less
//! time than apache-avro takes for its value alone, and the tests pin it to apache-avro's
//! decoding value by value.
//!
//! # The JSON view of an Avro value
//!
//! This is what `evops tail --value-format avro` prints and what [`AvroSchema::check_json`]
//! and [`AvroSchema::encode_json`] accept:
//!
//! | Avro                          | JSON                                                        |
//! |-------------------------------|-------------------------------------------------------------|
//! | record                        | object, keys in field order                                 |
//! | union                         | the branch's value, unwrapped (`null` for null)             |
//! | enum                          | the symbol, a string                                        |
//! | array, map                    | array, object                                               |
//! | int, long                     | number                                                      |
//! | float, double                 | number; NaN and infinities as `"NaN"`, `"Infinity"`, `"-Infinity"` |
//! | boolean, null, string         | boolean, null, string                                       |
//! | bytes, fixed                  | string with one character per byte, U+0000..U+00FF (the Avro JSON encoding) |
//! | decimal (bytes or fixed)      | string of the decimal number: `"12.34"`                     |
//! | uuid (string or fixed)        | string: `"2c6a4b9e-…"`                                       |
//! | date, time-*, timestamp-*     | the underlying int or long                                  |
//! | duration                      | its fixed(12), as for fixed                                 |
//!
//! A float is printed with the fewest digits that read back as the same float (`0.1`, not
//! `0.10000000149011612`). When checking JSON, a union also accepts the Avro JSON encoding's
//! wrapped form `{"string": "x"}` (a branch's type name, or a named type's full or short name,
//! as the single key).

use std::collections::HashMap;
use std::fmt::{self, Write as _};
use std::sync::{Arc, Mutex};

use apache_avro::schema::{Alias, Name, Schema};
use serde_json::{Map, Number, Value};

use super::{push_pointer, Violation};

/// A parsed Avro schema, compiled for decoding.
pub struct AvroSchema {
    schema: Schema,
    tree: Arc<Tree>,
    canonical: String,
    /// The canonical form and the logical types it leaves out (a decimal's scale changes
    /// what a datum means): what a resolution plan depends on.
    plan_key: String,
    /// Resolution plans by the writer schema's plan key: a consumer reads one topic's few
    /// writer schemas millions of times, and building a plan costs more than a decode.
    plans: Mutex<HashMap<String, Arc<Plan>>>,
}

impl fmt::Debug for AvroSchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AvroSchema")
            .field("canonical", &self.canonical)
            .finish_non_exhaustive()
    }
}

impl Clone for AvroSchema {
    fn clone(&self) -> AvroSchema {
        AvroSchema {
            schema: self.schema.clone(),
            tree: self.tree.clone(),
            canonical: self.canonical.clone(),
            plan_key: self.plan_key.clone(),
            plans: Mutex::new(HashMap::new()),
        }
    }
}

/// The most plans one reader keeps; a topic with more writer schemas than this is unusual, and
/// rebuilding is only slow, not wrong.
const MAX_PLANS: usize = 64;

impl AvroSchema {
    /// Parse a schema's JSON text (.avsc or a registry's "schema" string). `refs` are the texts
    /// of schemas it references by name (Confluent schema references), parsed first.
    pub fn parse(text: &str, refs: &[&str]) -> Result<AvroSchema, String> {
        let text = prepare(text)?;
        let refs = refs
            .iter()
            .map(|r| prepare(r))
            .collect::<Result<Vec<_>, _>>()?;
        let (schema, ref_schemas) = if refs.is_empty() {
            (
                Schema::parse_str(&text).map_err(|e| e.to_string())?,
                Vec::new(),
            )
        } else {
            Schema::parse_str_with_list(&text, &refs).map_err(|e| e.to_string())?
        };
        let tree = Tree::compile(&schema, &ref_schemas)?;
        let canonical = tree.canonical();
        let logical: Vec<String> = tree
            .nodes
            .iter()
            .map(|n| match n {
                Node::Bytes(b) => format!("{b:?}"),
                Node::Fixed(f) => format!("{:?}", f.view),
                Node::String { uuid } => format!("{uuid}"),
                _ => String::new(),
            })
            .collect();
        let plan_key = format!("{canonical}|{}", logical.join(","));
        Ok(AvroSchema {
            schema,
            tree: Arc::new(tree),
            canonical,
            plan_key,
            plans: Mutex::new(HashMap::new()),
        })
    }

    /// The full name of a named top-level type ("com.acme.UserRegistered"), which the
    /// RecordName subject strategy uses; `None` for a primitive, array, map or union.
    pub fn full_name(&self) -> Option<String> {
        self.tree.named(self.tree.root).map(|n| n.full.clone())
    }

    /// The Parsing Canonical Form. Types defined in referenced schemas are written out in full
    /// where first used, so the form (and a fingerprint of it) stands on its own.
    pub fn canonical(&self) -> String {
        self.canonical.clone()
    }

    /// The apache-avro schema. A `fixed` with logical type uuid or duration appears as a plain
    /// fixed: apache-avro 0.20 turns those into its `Uuid`/`Duration`, losing the fixed's name
    /// and size (and then reads a uuid fixed as length-prefixed bytes).
    pub fn inner(&self) -> &Schema {
        &self.schema
    }

    pub(crate) fn tree(&self) -> &Tree {
        &self.tree
    }

    /// Decode one binary datum written with this schema; the whole buffer must be consumed.
    /// Returns the JSON view, or the first violation, whose pointer names the value being read
    /// when it failed.
    pub fn decode(&self, datum: &[u8]) -> Result<Value, Violation> {
        let mut c = Cursor::new(datum);
        let v = self
            .tree
            .read(self.tree.root, &mut c)
            .map_err(|e| e.into_violation())?;
        c.finish()?;
        Ok(v)
    }

    /// Decode a datum written with `writer` and read it as `self`, by Avro schema resolution
    /// (promotions int→long→float→double, string↔bytes, reader fields with defaults, writer
    /// fields the reader lacks skipped, enum symbols, unions). A difference that makes the
    /// datum unreadable is a violation when the datum actually uses it (a union branch never
    /// written is no problem), pointing where the reader's view would have it.
    pub fn decode_as(&self, writer: &AvroSchema, datum: &[u8]) -> Result<Value, Violation> {
        let plan = self.plan(writer);
        let mut c = Cursor::new(datum);
        let v = plan
            .exec(plan.root, &mut c)
            .map_err(|e| e.into_violation())?;
        c.finish()?;
        Ok(v)
    }

    fn plan(&self, writer: &AvroSchema) -> Arc<Plan> {
        // A poisoned lock only means another thread panicked mid-insert; the map is still a
        // valid cache.
        let mut plans = self.plans.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(p) = plans.get(&writer.plan_key) {
            return p.clone();
        }
        let plan = Arc::new(Plan::build(writer.tree.clone(), self.tree.clone()));
        if plans.len() >= MAX_PLANS {
            plans.clear();
        }
        plans.insert(writer.plan_key.clone(), plan.clone());
        plan
    }

    /// Check a JSON event (the JSON view above) against this schema, appending every
    /// violation, up to `max` in `out`, with JSON pointers into the event.
    pub fn check_json(&self, value: &Value, out: &mut Vec<Violation>, max: usize) {
        let mut sink = Sink {
            out: Some(out),
            max,
            failed: false,
        };
        self.tree
            .check(self.tree.root, value, &Path::Root, &mut sink);
    }

    /// Encode a JSON value (the JSON view above) as a binary datum of this schema. A record
    /// field missing from the value takes its default; anything [`check_json`] would report is
    /// an error.
    ///
    /// [`check_json`]: AvroSchema::check_json
    pub fn encode_json(&self, v: &Value) -> Result<Vec<u8>, Violation> {
        let mut problems = Vec::new();
        self.check_json(v, &mut problems, 1);
        if let Some(p) = problems.into_iter().next() {
            return Err(p);
        }
        let mut buf = Vec::new();
        self.tree
            .write(self.tree.root, v, &mut buf, 0)
            .map_err(|e| Violation::schema("", e))?;
        Ok(buf)
    }
}

/// Confluent wire format: magic byte 0, a 4-byte big-endian schema id, then the datum. `None`
/// if not framed (too short, or the first byte is not 0).
pub fn unframe(bytes: &[u8]) -> Option<(u32, &[u8])> {
    match bytes {
        [0, a, b, c, d, datum @ ..] => Some((u32::from_be_bytes([*a, *b, *c, *d]), datum)),
        _ => None,
    }
}

/// Frame a datum in the Confluent wire format.
pub fn frame(id: u32, datum: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(datum.len() + 5);
    out.push(0);
    out.extend_from_slice(&id.to_be_bytes());
    out.extend_from_slice(datum);
    out
}

/// The attribute that carries a fixed's uuid/duration logical type past apache-avro (see
/// [`AvroSchema::inner`]).
const FIXED_LOGICAL: &str = "evops.logicalType";

/// Parse the JSON and move `logicalType` uuid/duration off `fixed` types, so that apache-avro
/// keeps them as the named fixed they are.
/// Where [`prepare`] keeps a decimal field's default, out of apache-avro's sight.
const DECIMAL_DEFAULT: &str = "evops.decimalDefault";

fn prepare(text: &str) -> Result<String, String> {
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
fn check_names(v: &Value) -> Result<(), String> {
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
fn avro_name(s: &str, what: &str) -> Result<(), String> {
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

fn mark_fixed_logical(v: &mut Value) -> bool {
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

// ---------------------------------------------------------------------------------------------
// The compiled tree.

/// A schema as a graph of nodes; named references are indices, so recursive types are cycles.
#[derive(Debug)]
pub(crate) struct Tree {
    pub(crate) nodes: Vec<Node>,
    pub(crate) root: usize,
    /// The fewest bytes a value of each node takes, to refuse absurd block counts before
    /// allocating for them.
    min_width: Vec<usize>,
}

#[derive(Debug)]
pub(crate) enum Node {
    Null,
    Boolean,
    Int,
    Long,
    Float,
    Double,
    Bytes(BytesAs),
    String { uuid: bool },
    Fixed(Fixed),
    Enum(Enum),
    Array(usize),
    Map(usize),
    Union(Vec<usize>),
    Record(Record),
}

/// How bytes are shown: raw, or as a decimal logical type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BytesAs {
    Raw,
    Decimal {
        precision: usize,
        scale: usize,
    },
    /// apache-avro's big-decimal: the bytes hold the unscaled value's bytes and the scale.
    BigDecimal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FixedAs {
    Raw,
    Uuid,
    Decimal { precision: usize, scale: usize },
}

/// A named type's names.
#[derive(Debug)]
pub(crate) struct Named {
    /// `com.acme.Address`
    pub(crate) full: String,
    /// `Address`
    pub(crate) short: String,
    /// Full names.
    pub(crate) aliases: Vec<String>,
}

impl Named {
    fn new(name: &Name, aliases: Option<&Vec<Alias>>) -> Named {
        Named {
            full: name.fullname(None),
            short: name.name.clone(),
            aliases: aliases
                .map(|a| {
                    a.iter()
                        .map(|a| a.fullname(name.namespace.clone()))
                        .collect()
                })
                .unwrap_or_default(),
        }
    }

    /// Whether a reader type with these names reads a writer type named `writer`: the
    /// specification compares unqualified names, and a reader's alias names the writer.
    pub(crate) fn reads(&self, writer: &Named) -> bool {
        self.short == writer.short
            || self
                .aliases
                .iter()
                .any(|a| *a == writer.full || a.rsplit('.').next() == Some(writer.short.as_str()))
    }
}

#[derive(Debug)]
pub(crate) struct Fixed {
    pub(crate) named: Named,
    pub(crate) size: usize,
    pub(crate) view: FixedAs,
}

#[derive(Debug)]
pub(crate) struct Enum {
    pub(crate) named: Named,
    pub(crate) symbols: Vec<String>,
    /// The index of the default symbol, used when a writer's symbol is unknown.
    pub(crate) default: Option<usize>,
}

#[derive(Debug)]
pub(crate) struct Record {
    pub(crate) named: Named,
    pub(crate) fields: Vec<Field>,
    lookup: HashMap<String, usize>,
    /// The decoded object's keys with null values: cloning it copies the key hashes, so a
    /// decode fills values in place instead of hashing every field name again (a third of the
    /// decoding time went to hashing and inserting).
    template: Map<String, Value>,
}

#[derive(Debug)]
pub(crate) struct Field {
    pub(crate) name: String,
    pub(crate) aliases: Vec<String>,
    pub(crate) node: usize,
    /// The default in the JSON view.
    pub(crate) default: Option<Value>,
    raw_default: Option<Value>,
}

struct Compiler<'s> {
    defs: HashMap<Name, &'s Schema>,
    ids: HashMap<Name, usize>,
    nodes: Vec<Node>,
}

/// Gather every named type's definition, so that a reference compiles whether its definition
/// comes earlier, later (in a referenced schema) or encloses it (recursion).
/// Every named type in a schema by its full name (apache-avro has qualified them all, the
/// null namespace of `"namespace": ""` included).
fn collect_defs<'s>(s: &'s Schema, defs: &mut HashMap<Name, &'s Schema>) {
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
    fn push(&mut self, n: Node) -> usize {
        self.nodes.push(n);
        self.nodes.len() - 1
    }

    /// Reserve a node for a named type before compiling its insides, so a recursive reference
    /// finds it.
    fn reserve(&mut self, name: Name) -> Result<usize, usize> {
        if let Some(&id) = self.ids.get(&name) {
            return Err(id);
        }
        let id = self.push(Node::Null);
        self.ids.insert(name, id);
        Ok(id)
    }

    fn node(&mut self, s: &'s Schema) -> Result<usize, String> {
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
            Schema::Union(u) => {
                let mut branches = Vec::with_capacity(u.variants().len());
                for v in u.variants() {
                    branches.push(self.node(v)?);
                }
                Node::Union(branches)
            }
            Schema::Ref { name } => {
                let fq = name.clone();
                if let Some(&id) = self.ids.get(&fq) {
                    return Ok(id);
                }
                let def = *self
                    .defs
                    .get(&fq)
                    .ok_or_else(|| format!("unknown type '{}'", fq.fullname(None)))?;
                return self.node(def);
            }
            Schema::Decimal(d) => {
                let (precision, scale) = (d.precision, d.scale);
                match &*d.inner {
                    Schema::Fixed(f) => {
                        let fq = f.name.clone();
                        let id = match self.reserve(fq.clone()) {
                            Ok(id) => id,
                            Err(id) => return Ok(id),
                        };
                        self.nodes[id] = Node::Fixed(Fixed {
                            named: Named::new(&fq, f.aliases.as_ref()),
                            size: f.size,
                            view: FixedAs::Decimal { precision, scale },
                        });
                        return Ok(id);
                    }
                    _ => Node::Bytes(BytesAs::Decimal { precision, scale }),
                }
            }
            Schema::Fixed(f) => {
                let fq = f.name.clone();
                let id = match self.reserve(fq.clone()) {
                    Ok(id) => id,
                    Err(id) => return Ok(id),
                };
                let logical = f.attributes.get(FIXED_LOGICAL).and_then(Value::as_str);
                let view = if logical == Some("uuid") && f.size == 16 {
                    FixedAs::Uuid
                } else {
                    FixedAs::Raw
                };
                self.nodes[id] = Node::Fixed(Fixed {
                    named: Named::new(&fq, f.aliases.as_ref()),
                    size: f.size,
                    view,
                });
                return Ok(id);
            }
            Schema::Enum(e) => {
                let fq = e.name.clone();
                let id = match self.reserve(fq.clone()) {
                    Ok(id) => id,
                    Err(id) => return Ok(id),
                };
                let default = e
                    .default
                    .as_ref()
                    .and_then(|d| e.symbols.iter().position(|s| s == d));
                self.nodes[id] = Node::Enum(Enum {
                    named: Named::new(&fq, e.aliases.as_ref()),
                    symbols: e.symbols.clone(),
                    default,
                });
                return Ok(id);
            }
            Schema::Record(r) => {
                let fq = r.name.clone();
                let id = match self.reserve(fq.clone()) {
                    Ok(id) => id,
                    Err(id) => return Ok(id),
                };
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
                self.nodes[id] = Node::Record(Record {
                    named: Named::new(&fq, r.aliases.as_ref()),
                    fields,
                    lookup,
                    template,
                });
                return Ok(id);
            }
        };
        Ok(self.push(node))
    }
}

impl Tree {
    fn compile(root: &Schema, refs: &[Schema]) -> Result<Tree, String> {
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
    fn width(&self, id: usize, memo: &mut [Option<usize>]) -> usize {
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

    pub(crate) fn named(&self, id: usize) -> Option<&Named> {
        match &self.nodes[id] {
            Node::Record(r) => Some(&r.named),
            Node::Enum(e) => Some(&e.named),
            Node::Fixed(f) => Some(&f.named),
            _ => None,
        }
    }

    /// The name a union branch goes by in the Avro JSON encoding.
    fn branch_name(&self, id: usize) -> &str {
        match &self.nodes[id] {
            Node::Null => "null",
            Node::Boolean => "boolean",
            Node::Int => "int",
            Node::Long => "long",
            Node::Float => "float",
            Node::Double => "double",
            Node::Bytes(_) => "bytes",
            Node::String { .. } => "string",
            Node::Array(_) => "array",
            Node::Map(_) => "map",
            Node::Union(_) => "union",
            Node::Fixed(Fixed { named, .. })
            | Node::Enum(Enum { named, .. })
            | Node::Record(Record { named, .. }) => &named.full,
        }
    }

    /// A type as people read it in a message.
    pub(crate) fn describe(&self, id: usize) -> String {
        match &self.nodes[id] {
            Node::Bytes(BytesAs::Decimal { precision, scale }) => {
                format!("decimal({precision},{scale})")
            }
            Node::Bytes(BytesAs::BigDecimal) => "big-decimal".into(),
            Node::String { uuid: true } => "uuid".into(),
            Node::Fixed(f) => match f.view {
                FixedAs::Uuid => format!("uuid (fixed {})", f.named.full),
                FixedAs::Decimal { precision, scale } => {
                    format!("decimal({precision},{scale}) (fixed {})", f.named.full)
                }
                FixedAs::Raw => format!("fixed {} ({} bytes)", f.named.full, f.size),
            },
            Node::Enum(e) => format!("enum {}", e.named.full),
            Node::Record(r) => format!("record {}", r.named.full),
            Node::Array(i) => format!("array of {}", self.describe_short(*i)),
            Node::Map(v) => format!("map of {}", self.describe_short(*v)),
            Node::Union(b) => {
                let names: Vec<_> = b.iter().map(|&b| self.describe_short(b)).collect();
                format!("[{}]", names.join(", "))
            }
            _ => self.branch_name(id).to_string(),
        }
    }

    fn describe_short(&self, id: usize) -> String {
        match &self.nodes[id] {
            Node::Array(_) | Node::Map(_) | Node::Union(_) => self.branch_name(id).to_string(),
            _ => self.describe(id),
        }
    }

    // -----------------------------------------------------------------------------------------
    // Parsing Canonical Form, written from the tree so that referenced types are included.

    fn canonical(&self) -> String {
        let mut out = String::new();
        let mut seen = vec![false; self.nodes.len()];
        self.pcf(self.root, &mut out, &mut seen);
        out
    }

    fn pcf(&self, id: usize, out: &mut String, seen: &mut [bool]) {
        let quoted = |s: &str| serde_json::to_string(s).unwrap_or_default();
        if let Some(n) = self.named(id) {
            if seen[id] {
                out.push_str(&quoted(&n.full));
                return;
            }
            seen[id] = true;
        }
        match &self.nodes[id] {
            Node::Fixed(f) => {
                let _ = write!(
                    out,
                    r#"{{"name":{},"type":"fixed","size":{}}}"#,
                    quoted(&f.named.full),
                    f.size
                );
            }
            Node::Enum(e) => {
                let symbols: Vec<String> = e.symbols.iter().map(|s| quoted(s)).collect();
                let _ = write!(
                    out,
                    r#"{{"name":{},"type":"enum","symbols":[{}]}}"#,
                    quoted(&e.named.full),
                    symbols.join(",")
                );
            }
            Node::Record(r) => {
                let _ = write!(
                    out,
                    r#"{{"name":{},"type":"record","fields":["#,
                    quoted(&r.named.full)
                );
                for (i, f) in r.fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    let _ = write!(out, r#"{{"name":{},"type":"#, quoted(&f.name));
                    self.pcf(f.node, out, seen);
                    out.push('}');
                }
                out.push_str("]}");
            }
            Node::Array(i) => {
                out.push_str(r#"{"type":"array","items":"#);
                self.pcf(*i, out, seen);
                out.push('}');
            }
            Node::Map(v) => {
                out.push_str(r#"{"type":"map","values":"#);
                self.pcf(*v, out, seen);
                out.push('}');
            }
            Node::Union(b) => {
                out.push('[');
                for (i, &b) in b.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    self.pcf(b, out, seen);
                }
                out.push(']');
            }
            _ => {
                out.push('"');
                out.push_str(self.branch_name(id));
                out.push('"');
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Defaults.

    /// A field default (Avro JSON encoding) in the JSON view: only decimals and fixed uuids
    /// look different, but they can sit anywhere inside a default.
    fn default_view(&self, id: usize, raw: &Value, depth: usize) -> Value {
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

    // -----------------------------------------------------------------------------------------
    // Decoding.

    fn read(&self, id: usize, c: &mut Cursor) -> DResult<Value> {
        Ok(match &self.nodes[id] {
            Node::Null => Value::Null,
            Node::Boolean => match c.take(1, "a boolean")?[0] {
                0 => Value::Bool(false),
                1 => Value::Bool(true),
                b => return Err(DecodeError::new(format!("invalid boolean byte 0x{b:02x}"))),
            },
            Node::Int => Value::Number(c.int("an int")?.into()),
            Node::Long => Value::Number(c.varint("a long")?.into()),
            Node::Float => float_view(c.float()?),
            Node::Double => double_view(c.double()?),
            Node::Bytes(view) => {
                let b = c.bytes("bytes")?;
                match view {
                    BytesAs::Raw => Value::String(latin1(b)),
                    BytesAs::Decimal { scale, .. } => {
                        Value::String(decimal_string(b, *scale as i64))
                    }
                    BytesAs::BigDecimal => Value::String(big_decimal(b)?),
                }
            }
            Node::String { .. } => Value::String(c.string("a string")?.to_owned()),
            Node::Fixed(f) => {
                let b = c.take(f.size, "a fixed")?;
                Value::String(match f.view {
                    FixedAs::Raw => latin1(b),
                    FixedAs::Uuid => uuid_string(b),
                    FixedAs::Decimal { scale, .. } => decimal_string(b, scale as i64),
                })
            }
            Node::Enum(e) => {
                let i = c.varint("an enum index")?;
                match usize::try_from(i).ok().and_then(|i| e.symbols.get(i)) {
                    Some(s) => Value::String(s.clone()),
                    None => {
                        return Err(DecodeError::new(format!(
                            "enum index {i} out of range ({} symbols)",
                            e.symbols.len()
                        )))
                    }
                }
            }
            Node::Array(item) => {
                let mut out = Vec::new();
                let width = self.min_width[*item];
                loop {
                    let n = c.block(width, "an array")?;
                    if n == 0 {
                        break;
                    }
                    out.reserve(n);
                    for _ in 0..n {
                        let i = out.len();
                        out.push(self.read(*item, c).map_err(|e| e.at_index(i))?);
                    }
                }
                Value::Array(out)
            }
            Node::Map(val) => {
                let mut out = Map::new();
                let width = self.min_width[*val].saturating_add(1);
                loop {
                    let n = c.block(width, "a map")?;
                    if n == 0 {
                        break;
                    }
                    if out.is_empty() {
                        // Most maps come in one block: size the table once.
                        out = Map::with_capacity(n);
                    }
                    for _ in 0..n {
                        let k = c.string("a map key")?;
                        let v = self.read(*val, c).map_err(|e| e.at_key(k))?;
                        out.insert(k.to_owned(), v);
                    }
                }
                Value::Object(out)
            }
            Node::Union(branches) => {
                let b = c.branch(branches)?;
                return self.read(b, c);
            }
            Node::Record(r) => {
                c.enter()?;
                let mut out = r.template.clone();
                for (slot, f) in out.values_mut().zip(&r.fields) {
                    *slot = self.read(f.node, c).map_err(|e| e.at_key(&f.name))?;
                }
                c.leave();
                Value::Object(out)
            }
        })
    }

    /// Read past a value without building it (a writer's field the reader does not have).
    fn skip(&self, id: usize, c: &mut Cursor) -> DResult<()> {
        match &self.nodes[id] {
            Node::Null => {}
            Node::Boolean => {
                c.take(1, "a boolean")?;
            }
            Node::Int => {
                c.int("an int")?;
            }
            Node::Long => {
                c.varint("a long")?;
            }
            Node::Enum(_) => {
                c.varint("an enum index")?;
            }
            Node::Float => {
                c.take(4, "a float")?;
            }
            Node::Double => {
                c.take(8, "a double")?;
            }
            Node::Bytes(_) | Node::String { .. } => {
                c.bytes("bytes")?;
            }
            Node::Fixed(f) => {
                c.take(f.size, "a fixed")?;
            }
            Node::Array(item) => self.skip_blocks(c, "an array", self.min_width[*item], |c| {
                self.skip(*item, c)
            })?,
            Node::Map(val) => {
                self.skip_blocks(c, "a map", self.min_width[*val].saturating_add(1), |c| {
                    c.bytes("a map key")?;
                    self.skip(*val, c)
                })?
            }
            Node::Union(branches) => {
                let b = c.branch(branches)?;
                self.skip(b, c)?;
            }
            Node::Record(r) => {
                c.enter()?;
                for f in &r.fields {
                    self.skip(f.node, c).map_err(|e| e.at_key(&f.name))?;
                }
                c.leave();
            }
        }
        Ok(())
    }

    fn skip_blocks(
        &self,
        c: &mut Cursor,
        what: &'static str,
        width: usize,
        mut item: impl FnMut(&mut Cursor) -> DResult<()>,
    ) -> DResult<()> {
        loop {
            let count = c.varint(what)?;
            if count == 0 {
                return Ok(());
            }
            if count < 0 {
                // A negative count is followed by the block's size in bytes: skip it whole.
                let size = c.varint(what)?;
                let size = usize::try_from(size).map_err(|_| {
                    DecodeError::new(format!("negative block size {size} in {what}"))
                })?;
                c.take(size, what)?;
                continue;
            }
            c.check_block(count as u64, width, what)?;
            for _ in 0..count {
                item(c)?;
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Checking JSON.

    fn fits(&self, id: usize, v: &Value) -> bool {
        let mut sink = Sink {
            out: None,
            max: 0,
            failed: false,
        };
        self.check(id, v, &Path::Root, &mut sink);
        !sink.failed
    }

    fn check(&self, id: usize, v: &Value, path: &Path, sink: &mut Sink) {
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
            Node::Int => check_integer(v, "int", i32::MIN as i64, i32::MAX as i64, path, sink),
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
                    sink.fail(path, || format!("expected a uuid, found {}", describe(v)))
                }
                Some(_) => {}
                None => sink.fail(path, || {
                    expected(if *uuid { "uuid (a string)" } else { "string" }, v)
                }),
            },
            Node::Bytes(BytesAs::Raw) => check_latin1(v, None, path, sink),
            Node::Bytes(BytesAs::Decimal { precision, scale }) => {
                check_decimal(v, Some((*precision, *scale)), None, path, sink)
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
                    check_decimal(v, Some((precision, scale)), Some(f.size), path, sink)
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
                Some(m) => {
                    let mut present = 0;
                    for f in &r.fields {
                        match m.get(&f.name) {
                            Some(x) => {
                                present += 1;
                                self.check(f.node, x, &Path::Key(path, &f.name), sink);
                            }
                            None if f.raw_default.is_none() => {
                                sink.fail(&Path::Key(path, &f.name), || {
                                    format!(
                                        "missing field '{}' (the schema gives no default)",
                                        f.name
                                    )
                                })
                            }
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
                None => sink.fail(path, || expected(&format!("record {}", r.named.full), v)),
            },
            Node::Union(branches) => {
                if branches.iter().any(|&b| self.fits(b, v)) {
                    return;
                }
                if let Some((b, key, inner)) = self.wrapped(branches, v) {
                    self.check(b, inner, &Path::Key(path, key), sink);
                    return;
                }
                // Only asked whether it fits (no list of complaints): it does not. Checking a
                // branch again here would double the work at every nested union.
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
                        let names: Vec<&str> =
                            branches.iter().map(|&b| self.branch_name(b)).collect();
                        format!("expected {}, found {}", names.join(" or "), describe(v))
                    });
                }
            }
        }
    }

    /// The Avro JSON encoding's `{"type name": value}` form of a non-null union branch.
    fn wrapped<'v>(&self, branches: &[usize], v: &'v Value) -> Option<(usize, &'v str, &'v Value)> {
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

    fn same_json_kind(&self, id: usize, v: &Value) -> bool {
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

    // -----------------------------------------------------------------------------------------
    // Encoding JSON (checked first, so the errors here are for the impossible).

    fn write(&self, id: usize, v: &Value, buf: &mut Vec<u8>, depth: usize) -> Result<(), String> {
        if depth > 1000 {
            return Err("value nested too deeply".into());
        }
        let bad = || format!("cannot encode {} as {}", describe(v), self.describe(id));
        match &self.nodes[id] {
            Node::Null => {}
            Node::Boolean => buf.push(u8::from(v.as_bool().ok_or_else(bad)?)),
            Node::Int | Node::Long => put_varint(buf, v.as_i64().ok_or_else(bad)?),
            Node::Float => {
                let f = nonfinite(v).or_else(|| v.as_f64()).ok_or_else(bad)?;
                buf.extend_from_slice(&(f as f32).to_le_bytes());
            }
            Node::Double => {
                let f = nonfinite(v).or_else(|| v.as_f64()).ok_or_else(bad)?;
                buf.extend_from_slice(&f.to_le_bytes());
            }
            Node::String { .. } => put_bytes(buf, v.as_str().ok_or_else(bad)?.as_bytes()),
            Node::Bytes(BytesAs::Raw) => {
                put_bytes(buf, &v.as_str().and_then(latin1_bytes).ok_or_else(bad)?)
            }
            Node::Bytes(BytesAs::Decimal { scale, .. }) => {
                let d = decimal_of(v).ok_or_else(bad)?;
                let digits = d.rescale(*scale)?;
                put_bytes(buf, &unscaled_bytes(d.negative, &digits));
            }
            Node::Bytes(BytesAs::BigDecimal) => {
                let d = decimal_of(v).ok_or_else(bad)?;
                let mut inner = Vec::new();
                put_bytes(&mut inner, &unscaled_bytes(d.negative, &d.digits));
                put_varint(&mut inner, d.scale);
                put_bytes(buf, &inner);
            }
            Node::Fixed(f) => {
                let bytes = match f.view {
                    FixedAs::Raw => v.as_str().and_then(latin1_bytes).ok_or_else(bad)?,
                    FixedAs::Uuid => v.as_str().and_then(parse_uuid).ok_or_else(bad)?.to_vec(),
                    FixedAs::Decimal { scale, .. } => {
                        let d = decimal_of(v).ok_or_else(bad)?;
                        let b = unscaled_bytes(d.negative, &d.rescale(scale)?);
                        sign_extend(&b, f.size).ok_or_else(|| {
                            format!("{} does not fit in {} bytes", describe(v), f.size)
                        })?
                    }
                };
                if bytes.len() != f.size {
                    return Err(bad());
                }
                buf.extend_from_slice(&bytes);
            }
            Node::Enum(e) => {
                let s = v.as_str().ok_or_else(bad)?;
                let i = e.symbols.iter().position(|x| x == s).ok_or_else(bad)?;
                put_varint(buf, i as i64);
            }
            Node::Array(item) => {
                let xs = v.as_array().ok_or_else(bad)?;
                if !xs.is_empty() {
                    put_varint(buf, xs.len() as i64);
                    for x in xs {
                        self.write(*item, x, buf, depth + 1)?;
                    }
                }
                buf.push(0);
            }
            Node::Map(val) => {
                let m = v.as_object().ok_or_else(bad)?;
                if !m.is_empty() {
                    put_varint(buf, m.len() as i64);
                    for (k, x) in m {
                        put_bytes(buf, k.as_bytes());
                        self.write(*val, x, buf, depth + 1)?;
                    }
                }
                buf.push(0);
            }
            Node::Record(r) => {
                let m = v.as_object().ok_or_else(bad)?;
                for f in &r.fields {
                    let x = m
                        .get(&f.name)
                        .or(f.default.as_ref())
                        .ok_or_else(|| format!("missing field '{}'", f.name))?;
                    self.write(f.node, x, buf, depth + 1)?;
                }
            }
            Node::Union(branches) => {
                let (i, x) = match branches.iter().position(|&b| self.fits(b, v)) {
                    Some(i) => (i, v),
                    None => {
                        let (b, _, inner) = self.wrapped(branches, v).ok_or_else(bad)?;
                        let i = branches.iter().position(|&x| x == b).unwrap_or_default();
                        (i, inner)
                    }
                };
                put_varint(buf, i as i64);
                self.write(branches[i], x, buf, depth + 1)?;
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Reading bytes.

/// A decoding failure on its way out: the reason, and the pointer tokens gathered while
/// unwinding (innermost first), so that the success path never builds a pointer.
#[derive(Debug)]
struct DecodeError {
    reason: String,
    tokens: Vec<String>,
}

type DResult<T> = Result<T, Box<DecodeError>>;

impl DecodeError {
    fn new(reason: String) -> Box<DecodeError> {
        Box::new(DecodeError {
            reason,
            tokens: Vec::new(),
        })
    }
}

trait At {
    fn at_key(self, k: &str) -> Self;
    fn at_index(self, i: usize) -> Self;
    fn into_violation(self) -> Violation;
}

impl At for Box<DecodeError> {
    fn at_key(mut self, k: &str) -> Self {
        self.tokens.push(k.to_string());
        self
    }
    fn at_index(mut self, i: usize) -> Self {
        self.tokens.push(i.to_string());
        self
    }
    fn into_violation(self) -> Violation {
        let pointer = self
            .tokens
            .iter()
            .rev()
            .fold(String::new(), |p, t| push_pointer(&p, t));
        Violation::schema(pointer, self.reason)
    }
}

struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
    /// Records being read: only a recursive type nests without bound, and only through
    /// records, so this is what keeps a hostile datum from overflowing the stack.
    depth: usize,
    /// Items that took no bytes (nulls, empty records), over every block of the datum: a few
    /// bytes of block counts could otherwise ask for billions of them.
    free_items: u64,
}

/// Records nested deeper than this are refused (serde_json refuses to parse JSON nested deeper
/// than 128, too); real events come nowhere near.
const MAX_DEPTH: usize = 128;

/// The most items that take no bytes one datum may hold, over all its arrays and maps.
const MAX_FREE_ITEMS: u64 = 1 << 20;

fn more_bytes(n: usize) -> String {
    if n == 1 {
        "1 more byte".into()
    } else {
        format!("{n} more bytes")
    }
}

impl<'a> Cursor<'a> {
    fn new(buf: &'a [u8]) -> Cursor<'a> {
        Cursor {
            buf,
            pos: 0,
            depth: 0,
            free_items: 0,
        }
    }

    #[inline]
    fn enter(&mut self) -> DResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(DecodeError::new(format!(
                "records nested deeper than {MAX_DEPTH}"
            )));
        }
        Ok(())
    }

    #[inline]
    fn leave(&mut self) {
        self.depth -= 1;
    }

    fn left(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn finish(&self) -> Result<(), Violation> {
        match self.left() {
            0 => Ok(()),
            1 => Err(Violation::schema("", "1 byte left over after the datum")),
            n => Err(Violation::schema(
                "",
                format!("{n} bytes left over after the datum"),
            )),
        }
    }

    #[inline]
    fn take(&mut self, n: usize, what: &str) -> DResult<&'a [u8]> {
        let left = self.left();
        if n > left {
            return Err(DecodeError::new(format!(
                "truncated: needed {} for {what}",
                more_bytes(n - left)
            )));
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    #[inline]
    fn varint(&mut self, what: &str) -> DResult<i64> {
        let mut n: u64 = 0;
        let mut shift = 0;
        loop {
            let Some(&b) = self.buf.get(self.pos) else {
                return Err(DecodeError::new(format!(
                    "truncated: needed 1 more byte for {what}"
                )));
            };
            self.pos += 1;
            n |= u64::from(b & 0x7f) << shift;
            if b & 0x80 == 0 {
                break;
            }
            shift += 7;
            if shift > 63 {
                return Err(DecodeError::new(format!(
                    "malformed varint for {what} (more than 10 bytes)"
                )));
            }
        }
        Ok((n >> 1) as i64 ^ -((n & 1) as i64))
    }

    #[inline]
    fn int(&mut self, what: &str) -> DResult<i32> {
        let n = self.varint(what)?;
        i32::try_from(n).map_err(|_| DecodeError::new(format!("int out of range: {n}")))
    }

    #[inline]
    fn float(&mut self) -> DResult<f32> {
        let b = self.take(4, "a float")?;
        Ok(f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    #[inline]
    fn double(&mut self) -> DResult<f64> {
        let b = self.take(8, "a double")?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Ok(f64::from_le_bytes(a))
    }

    #[inline]
    fn bytes(&mut self, what: &str) -> DResult<&'a [u8]> {
        let n = self.varint(what)?;
        let n = usize::try_from(n)
            .map_err(|_| DecodeError::new(format!("negative length {n} for {what}")))?;
        self.take(n, what)
    }

    #[inline]
    fn string(&mut self, what: &str) -> DResult<&'a str> {
        let b = self.bytes(what)?;
        std::str::from_utf8(b).map_err(|_| DecodeError::new("invalid UTF-8 in string".into()))
    }

    #[inline]
    fn branch(&mut self, branches: &[usize]) -> DResult<usize> {
        let i = self.varint("a union branch index")?;
        usize::try_from(i)
            .ok()
            .and_then(|i| branches.get(i).copied())
            .ok_or_else(|| {
                DecodeError::new(format!(
                    "union branch index {i} out of range ({} branches)",
                    branches.len()
                ))
            })
    }

    /// The next block's item count (0 at the end), skipping the byte size that a negative count
    /// brings.
    fn block(&mut self, width: usize, what: &str) -> DResult<usize> {
        let count = self.varint(what)?;
        let count = if count < 0 {
            self.varint(what)?;
            count.unsigned_abs()
        } else {
            count as u64
        };
        self.check_block(count, width, what)?;
        Ok(count as usize)
    }

    /// Refuse a block count the remaining bytes cannot hold (before allocating for it).
    fn check_block(&mut self, count: u64, width: usize, what: &str) -> DResult<()> {
        let need = count.saturating_mul(width as u64);
        let left = self.left() as u64;
        if need > left {
            return Err(DecodeError::new(format!(
                "truncated: {what} block of {count} items needs at least {}",
                more_bytes((need - left).try_into().unwrap_or(usize::MAX))
            )));
        }
        // Items that take no bytes (nulls) could be counted in the billions by a corrupt
        // datum, block after block; no real datum has that many. Each still costs a JSON value
        // (and more to check or encode), so the bound is what one record may cost in memory:
        // at 2^24, a 7-byte datum took a gigabyte.
        if width == 0 {
            self.free_items = self.free_items.saturating_add(count);
            if self.free_items > MAX_FREE_ITEMS {
                return Err(DecodeError::new(format!(
                    "{what} of {} items that take no bytes is implausibly large",
                    self.free_items
                )));
            }
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Schema resolution: a plan of steps for a (writer, reader) pair.

#[derive(Debug)]
struct Plan {
    writer: Arc<Tree>,
    reader: Arc<Tree>,
    steps: Vec<Step>,
    root: usize,
}

#[derive(Debug)]
enum Step {
    /// The writer's encoding is the reader's: decode with the reader's node.
    Same(usize),
    /// The datum cannot be read this way.
    Fail(String),
    Promote(Promote),
    Record {
        reader: usize,
        reads: Vec<FieldRead>,
        /// A reader field the writer lacks and that has no default.
        missing: Option<(String, String)>,
    },
    /// Writer enum index → the reader's symbol, or why not.
    Enum(Vec<Result<String, String>>),
    Array {
        item: usize,
        width: usize,
    },
    Map {
        value: usize,
        width: usize,
    },
    /// A step per writer branch.
    Union(Vec<usize>),
}

#[derive(Debug, Clone, Copy)]
enum Promote {
    IntToLong,
    IntToFloat,
    IntToDouble,
    LongToFloat,
    LongToDouble,
    FloatToDouble,
}

#[derive(Debug)]
enum FieldRead {
    Skip { node: usize, name: String },
    Read { step: usize, slot: usize },
}

struct Planner<'t> {
    w: &'t Tree,
    r: &'t Tree,
    steps: Vec<Step>,
    memo: HashMap<(usize, usize), usize>,
    same_known: HashMap<(usize, usize), bool>,
    same_open: Vec<(usize, usize)>,
    /// "Same" answers found while a comparison is still open: they may rest on the open
    /// pairs' assumption, which holds if and only if the outermost answer is yes (any "no"
    /// on the way makes every pair above it "no"). Kept for that one query, so that a type
    /// referenced many times is compared once.
    same_tentative: HashMap<(usize, usize), bool>,
}

impl Plan {
    fn build(writer: Arc<Tree>, reader: Arc<Tree>) -> Plan {
        let (steps, root) = {
            let mut p = Planner {
                w: &writer,
                r: &reader,
                steps: Vec::new(),
                memo: HashMap::new(),
                same_known: HashMap::new(),
                same_open: Vec::new(),
                same_tentative: HashMap::new(),
            };
            let root = p.step(writer.root, reader.root);
            (p.steps, root)
        };
        Plan {
            writer,
            reader,
            steps,
            root,
        }
    }

    fn exec(&self, s: usize, c: &mut Cursor) -> DResult<Value> {
        match &self.steps[s] {
            Step::Same(r) => self.reader.read(*r, c),
            Step::Fail(why) => Err(DecodeError::new(why.clone())),
            Step::Promote(p) => Ok(match p {
                Promote::IntToLong => Value::Number(c.int("an int")?.into()),
                Promote::IntToFloat => float_view(c.int("an int")? as f32),
                Promote::IntToDouble => double_view(f64::from(c.int("an int")?)),
                Promote::LongToFloat => float_view(c.varint("a long")? as f32),
                Promote::LongToDouble => double_view(c.varint("a long")? as f64),
                Promote::FloatToDouble => double_view(f64::from(c.float()?)),
            }),
            Step::Record {
                reader,
                reads,
                missing,
            } => {
                if let Some((name, why)) = missing {
                    return Err(DecodeError::new(why.clone()).at_key(name));
                }
                let Node::Record(rec) = &self.reader.nodes[*reader] else {
                    return Err(DecodeError::new("internal: not a record".into()));
                };
                c.enter()?;
                let mut slots: Vec<Option<Value>> = vec![None; rec.fields.len()];
                for read in reads {
                    match read {
                        FieldRead::Skip { node, name } => {
                            self.writer.skip(*node, c).map_err(|e| e.at_key(name))?
                        }
                        FieldRead::Read { step, slot } => {
                            let v = self
                                .exec(*step, c)
                                .map_err(|e| e.at_key(&rec.fields[*slot].name))?;
                            slots[*slot] = Some(v);
                        }
                    }
                }
                c.leave();
                // Every slot is read or has a default (`missing` says so otherwise).
                let mut out = rec.template.clone();
                for ((slot, f), v) in out.values_mut().zip(&rec.fields).zip(slots) {
                    if let Some(v) = v.or_else(|| f.default.clone()) {
                        *slot = v;
                    }
                }
                Ok(Value::Object(out))
            }
            Step::Enum(map) => {
                let i = c.varint("an enum index")?;
                match usize::try_from(i).ok().and_then(|i| map.get(i)) {
                    Some(Ok(s)) => Ok(Value::String(s.clone())),
                    Some(Err(why)) => Err(DecodeError::new(why.clone())),
                    None => Err(DecodeError::new(format!(
                        "enum index {i} out of range ({} symbols)",
                        map.len()
                    ))),
                }
            }
            Step::Array { item, width } => {
                let mut out = Vec::new();
                loop {
                    let n = c.block(*width, "an array")?;
                    if n == 0 {
                        break;
                    }
                    out.reserve(n);
                    for _ in 0..n {
                        let i = out.len();
                        out.push(self.exec(*item, c).map_err(|e| e.at_index(i))?);
                    }
                }
                Ok(Value::Array(out))
            }
            Step::Map { value, width } => {
                let mut out = Map::new();
                loop {
                    let n = c.block(*width, "a map")?;
                    if n == 0 {
                        break;
                    }
                    if out.is_empty() {
                        out = Map::with_capacity(n);
                    }
                    for _ in 0..n {
                        let k = c.string("a map key")?;
                        let v = self.exec(*value, c).map_err(|e| e.at_key(k))?;
                        out.insert(k.to_owned(), v);
                    }
                }
                Ok(Value::Object(out))
            }
            Step::Union(branches) => {
                let b = c.branch(branches)?;
                self.exec(b, c)
            }
        }
    }
}

impl Planner<'_> {
    fn push(&mut self, s: Step) -> usize {
        self.steps.push(s);
        self.steps.len() - 1
    }

    fn step(&mut self, w: usize, r: usize) -> usize {
        if let Some(&s) = self.memo.get(&(w, r)) {
            return s;
        }
        // Two decimals match only with the same precision and scale (the specification):
        // reading 12.34 at another scale would show another number.
        if let (Some(a), Some(b)) = (
            decimal_type(&self.w.nodes[w]),
            decimal_type(&self.r.nodes[r]),
        ) {
            if a != b {
                let s = self.push(Step::Fail(format!(
                    "a decimal({}, {}) was written; the reader's decimal({}, {}) has another precision or scale",
                    a.0, a.1, b.0, b.1
                )));
                self.memo.insert((w, r), s);
                return s;
            }
        }
        if self.same(w, r) {
            let s = self.push(Step::Same(r));
            self.memo.insert((w, r), s);
            return s;
        }
        // A writer that is not a union read by a reader's union: the branch it resolves to.
        if let (false, Node::Union(rb)) =
            (matches!(self.w.nodes[w], Node::Union(_)), &self.r.nodes[r])
        {
            let s = match best_branch(self.w, w, self.r, rb) {
                Some(b) => self.step(w, b),
                None => self.push(Step::Fail(format!(
                    "the writer's {} matches no branch of the reader's union {}",
                    self.w.describe(w),
                    self.r.describe(r)
                ))),
            };
            self.memo.insert((w, r), s);
            return s;
        }
        // Reserve the step before recursing, so a recursive type finds it.
        let id = self.push(Step::Fail(String::new()));
        self.memo.insert((w, r), id);
        let step = match (&self.w.nodes[w], &self.r.nodes[r]) {
            (Node::Union(wb), _) => {
                let wb = wb.clone();
                Step::Union(wb.iter().map(|&b| self.step(b, r)).collect())
            }
            (Node::Int, Node::Long) => Step::Promote(Promote::IntToLong),
            (Node::Int, Node::Float) => Step::Promote(Promote::IntToFloat),
            (Node::Int, Node::Double) => Step::Promote(Promote::IntToDouble),
            (Node::Long, Node::Float) => Step::Promote(Promote::LongToFloat),
            (Node::Long, Node::Double) => Step::Promote(Promote::LongToDouble),
            (Node::Float, Node::Double) => Step::Promote(Promote::FloatToDouble),
            (Node::Array(wi), Node::Array(ri)) => {
                let (wi, ri) = (*wi, *ri);
                Step::Array {
                    item: self.step(wi, ri),
                    width: self.w.min_width[wi],
                }
            }
            (Node::Map(wv), Node::Map(rv)) => {
                let (wv, rv) = (*wv, *rv);
                Step::Map {
                    value: self.step(wv, rv),
                    width: self.w.min_width[wv].saturating_add(1),
                }
            }
            (Node::Enum(we), Node::Enum(re)) if re.named.reads(&we.named) => Step::Enum(
                we.symbols
                    .iter()
                    .map(|s| {
                        if re.symbols.contains(s) {
                            Ok(s.clone())
                        } else if let Some(d) = re.default {
                            Ok(re.symbols[d].clone())
                        } else {
                            Err(format!(
                                "symbol {s:?} is not in the reader's enum {} ({}), which has no default",
                                re.named.full,
                                re.symbols.join(", ")
                            ))
                        }
                    })
                    .collect(),
            ),
            (Node::Record(wr), Node::Record(rr)) if rr.named.reads(&wr.named) => {
                self.record(w, r)
            }
            (Node::Fixed(wf), Node::Fixed(rf)) if rf.named.reads(&wf.named) => Step::Fail(format!(
                "the writer's fixed {} has {} bytes, the reader's {}",
                wf.named.full, wf.size, rf.size
            )),
            _ => Step::Fail(format!(
                "the writer's {} cannot be read as {}",
                self.w.describe(w),
                self.r.describe(r)
            )),
        };
        self.steps[id] = step;
        id
    }

    fn record(&mut self, w: usize, r: usize) -> Step {
        let (Node::Record(wr), Node::Record(rr)) = (&self.w.nodes[w], &self.r.nodes[r]) else {
            return Step::Fail("internal: not records".into());
        };
        let mut matched = vec![false; rr.fields.len()];
        let mut plan = Vec::with_capacity(wr.fields.len());
        for wf in &wr.fields {
            let slot = rr
                .fields
                .iter()
                .position(|rf| rf.name == wf.name)
                .or_else(|| {
                    rr.fields
                        .iter()
                        .position(|rf| rf.aliases.contains(&wf.name))
                });
            match slot {
                Some(slot) if !matched[slot] => {
                    matched[slot] = true;
                    plan.push((wf.node, Some((rr.fields[slot].node, slot)), wf.name.clone()));
                }
                _ => plan.push((wf.node, None, wf.name.clone())),
            }
        }
        let missing = rr
            .fields
            .iter()
            .zip(&matched)
            .find(|(f, m)| !**m && f.default.is_none())
            .map(|(f, _)| {
                (
                    f.name.clone(),
                    format!(
                        "field '{}' is not in the writer's schema and the reader's gives no default",
                        f.name
                    ),
                )
            });
        let reads = plan
            .into_iter()
            .map(|(wn, target, name)| match target {
                Some((rn, slot)) => FieldRead::Read {
                    step: self.step(wn, rn),
                    slot,
                },
                None => FieldRead::Skip { node: wn, name },
            })
            .collect();
        Step::Record {
            reader: r,
            reads,
            missing,
        }
    }

    /// Whether the writer's encoding is exactly the reader's, so the reader's node can decode
    /// it (string and bytes share theirs). Recursive pairs being compared are assumed equal;
    /// only answers that did not lean on such an assumption are remembered as "equal" (a
    /// "different" answer holds regardless).
    fn same(&mut self, w: usize, r: usize) -> bool {
        if let Some(&b) = self
            .same_known
            .get(&(w, r))
            .or_else(|| self.same_tentative.get(&(w, r)))
        {
            return b;
        }
        if self.same_open.contains(&(w, r)) {
            return true;
        }
        self.same_open.push((w, r));
        let decimals_differ = matches!(
            (decimal_type(&self.w.nodes[w]), decimal_type(&self.r.nodes[r])),
            (Some(a), Some(b)) if a != b
        );
        let b = match (&self.w.nodes[w], &self.r.nodes[r]) {
            _ if decimals_differ => false,
            (Node::Null, Node::Null)
            | (Node::Boolean, Node::Boolean)
            | (Node::Int, Node::Int)
            | (Node::Long, Node::Long)
            | (Node::Float, Node::Float)
            | (Node::Double, Node::Double) => true,
            (Node::Bytes(_) | Node::String { .. }, Node::Bytes(_) | Node::String { .. }) => true,
            (Node::Fixed(a), Node::Fixed(b)) => a.size == b.size && b.named.reads(&a.named),
            (Node::Enum(a), Node::Enum(b)) => a.symbols == b.symbols && b.named.reads(&a.named),
            (Node::Array(a), Node::Array(b)) | (Node::Map(a), Node::Map(b)) => self.same(*a, *b),
            (Node::Union(a), Node::Union(b)) => {
                a.len() == b.len() && a.iter().zip(b).all(|(&a, &b)| self.same(a, b))
            }
            (Node::Record(a), Node::Record(b)) => {
                b.named.reads(&a.named)
                    && a.fields.len() == b.fields.len()
                    && a.fields
                        .iter()
                        .zip(&b.fields)
                        .all(|(x, y)| x.name == y.name && self.same(x.node, y.node))
            }
            _ => false,
        };
        self.same_open.pop();
        if !b {
            self.same_known.insert((w, r), b);
        } else if self.same_open.is_empty() {
            self.same_known.insert((w, r), b);
            let found: Vec<_> = self.same_tentative.drain().collect();
            self.same_known.extend(found);
        } else {
            self.same_tentative.insert((w, r), b);
        }
        if !b && self.same_open.is_empty() {
            self.same_tentative.clear();
        }
        b
    }
}

/// A decimal's precision and scale, for bytes and fixed decimals.
pub(crate) fn decimal_type(n: &Node) -> Option<(usize, usize)> {
    match n {
        Node::Bytes(BytesAs::Decimal { precision, scale })
        | Node::Fixed(Fixed {
            view: FixedAs::Decimal { precision, scale },
            ..
        }) => Some((*precision, *scale)),
        _ => None,
    }
}

/// The reader's union branch that a writer's (non-union) type resolves to: the first of the
/// same type (same name, for named types), else the first it promotes to.
pub(crate) fn best_branch(w: &Tree, wid: usize, r: &Tree, branches: &[usize]) -> Option<usize> {
    let exact = branches
        .iter()
        .copied()
        .find(|&b| match (&w.nodes[wid], &r.nodes[b]) {
            (Node::Record(x), Node::Record(y)) => y.named.reads(&x.named),
            (Node::Enum(x), Node::Enum(y)) => y.named.reads(&x.named),
            (Node::Fixed(x), Node::Fixed(y)) => y.named.reads(&x.named),
            (Node::Bytes(_), Node::Bytes(_))
            | (Node::String { .. }, Node::String { .. })
            | (Node::Null, Node::Null)
            | (Node::Boolean, Node::Boolean)
            | (Node::Int, Node::Int)
            | (Node::Long, Node::Long)
            | (Node::Float, Node::Float)
            | (Node::Double, Node::Double)
            | (Node::Array(_), Node::Array(_))
            | (Node::Map(_), Node::Map(_)) => true,
            _ => false,
        });
    exact.or_else(|| {
        branches.iter().copied().find(|&b| {
            matches!(
                (&w.nodes[wid], &r.nodes[b]),
                (Node::Int, Node::Long | Node::Float | Node::Double)
                    | (Node::Long, Node::Float | Node::Double)
                    | (Node::Float, Node::Double)
                    | (Node::String { .. }, Node::Bytes(_))
                    | (Node::Bytes(_), Node::String { .. })
            )
        })
    })
}

// ---------------------------------------------------------------------------------------------
// Checking JSON: where a violation is, built only when one is reported.

#[derive(Clone, Copy)]
enum Path<'a> {
    Root,
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl Path<'_> {
    fn render(&self) -> String {
        match *self {
            Path::Root => String::new(),
            Path::Key(parent, k) => push_pointer(&parent.render(), k),
            Path::Index(parent, i) => push_pointer(&parent.render(), &i.to_string()),
        }
    }
}

/// Where violations go; without `out`, only whether there was one (trying union branches).
struct Sink<'o> {
    out: Option<&'o mut Vec<Violation>>,
    max: usize,
    failed: bool,
}

impl Sink<'_> {
    fn fail(&mut self, path: &Path, reason: impl FnOnce() -> String) {
        self.failed = true;
        if let Some(out) = self.out.as_deref_mut() {
            if out.len() < self.max {
                out.push(Violation::schema(path.render(), reason()));
            }
        }
    }

    fn full(&self) -> bool {
        match &self.out {
            None => self.failed,
            Some(out) => out.len() >= self.max,
        }
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("boolean {b}"),
        Value::Number(n) => format!("number {n}"),
        Value::String(s) => {
            if s.chars().count() > 40 {
                let short: String = s.chars().take(40).collect();
                format!("string {:?}…", short)
            } else {
                format!("string {s:?}")
            }
        }
        Value::Array(_) => "array".into(),
        Value::Object(_) => "object".into(),
    }
}

fn expected(what: &str, v: &Value) -> String {
    format!("expected {what}, found {}", describe(v))
}

fn check_integer(v: &Value, name: &str, min: i64, max: i64, path: &Path, sink: &mut Sink) {
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

fn nonfinite(v: &Value) -> Option<f64> {
    match v.as_str()? {
        "NaN" => Some(f64::NAN),
        "Infinity" => Some(f64::INFINITY),
        "-Infinity" => Some(f64::NEG_INFINITY),
        _ => None,
    }
}

fn check_latin1(v: &Value, size: Option<usize>, path: &Path, sink: &mut Sink) {
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

fn check_decimal(
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

fn describe_decimal(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Value conversions.

/// A float with the fewest digits that read back as the same float.
fn float_view(f: f32) -> Value {
    if !f.is_finite() {
        return nonfinite_view(f64::from(f));
    }
    let mut buf = StackStr::default();
    let _ = write!(buf, "{f:e}");
    buf.as_str()
        .parse::<f64>()
        .ok()
        .and_then(Number::from_f64)
        .map_or_else(|| double_view(f64::from(f)), Value::Number)
}

fn double_view(f: f64) -> Value {
    Number::from_f64(f).map_or_else(|| nonfinite_view(f), Value::Number)
}

fn nonfinite_view(f: f64) -> Value {
    Value::String(
        if f.is_nan() {
            "NaN"
        } else if f > 0.0 {
            "Infinity"
        } else {
            "-Infinity"
        }
        .into(),
    )
}

/// A small formatting buffer on the stack (a float's `{:e}` is at most ~15 bytes).
#[derive(Default)]
struct StackStr {
    buf: [u8; 32],
    len: usize,
}

impl StackStr {
    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.buf[..self.len]).unwrap_or("")
    }
}

impl fmt::Write for StackStr {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        if end > self.buf.len() {
            return Err(fmt::Error);
        }
        self.buf[self.len..end].copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Bytes as the Avro JSON encoding writes them: one character per byte.
fn latin1(b: &[u8]) -> String {
    if b.is_ascii() {
        String::from_utf8(b.to_vec()).unwrap_or_default()
    } else {
        b.iter().map(|&b| char::from(b)).collect()
    }
}

fn latin1_bytes(s: &str) -> Option<Vec<u8>> {
    s.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect()
}

fn uuid_string(b: &[u8]) -> String {
    let mut s = String::with_capacity(36);
    for (i, byte) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        let _ = write!(s, "{byte:02x}");
    }
    s
}

fn parse_uuid(s: &str) -> Option<[u8; 16]> {
    let b = s.as_bytes();
    if b.len() != 36 || [8, 13, 18, 23].iter().any(|&i| b[i] != b'-') {
        return None;
    }
    let hex: Vec<u8> = b.iter().copied().filter(|&c| c != b'-').collect();
    if hex.len() != 32 {
        return None;
    }
    let mut out = [0u8; 16];
    for (i, pair) in hex.chunks(2).enumerate() {
        let hi = (pair[0] as char).to_digit(16)?;
        let lo = (pair[1] as char).to_digit(16)?;
        out[i] = (hi * 16 + lo) as u8;
    }
    Some(out)
}

/// A two's-complement big-endian unscaled value, shown as a decimal number with `scale`
/// digits after the point ("12.34"); a negative scale multiplies by a power of ten.
fn decimal_string(bytes: &[u8], scale: i64) -> String {
    let negative = bytes.first().is_some_and(|b| b & 0x80 != 0);
    let digits = if bytes.len() <= 16 {
        let mut v: i128 = if negative { -1 } else { 0 };
        for &b in bytes {
            v = (v << 8) | i128::from(b);
        }
        v.unsigned_abs().to_string()
    } else {
        let mut mag = bytes.to_vec();
        if negative {
            // Two's complement: invert and add one.
            for b in mag.iter_mut() {
                *b = !*b;
            }
            for b in mag.iter_mut().rev() {
                let (s, carry) = b.overflowing_add(1);
                *b = s;
                if !carry {
                    break;
                }
            }
        }
        big_digits(mag)
    };
    place_point(&digits, negative, scale)
}

/// The decimal digits of a big-endian magnitude, by repeated division by 10⁹.
fn big_digits(mut mag: Vec<u8>) -> String {
    let mut chunks = Vec::new();
    while mag.iter().any(|&b| b != 0) {
        let mut rem: u64 = 0;
        for b in mag.iter_mut() {
            let cur = rem * 256 + u64::from(*b);
            *b = (cur / 1_000_000_000) as u8;
            rem = cur % 1_000_000_000;
        }
        chunks.push(rem);
    }
    let mut s = String::new();
    for (i, c) in chunks.iter().rev().enumerate() {
        if i == 0 {
            let _ = write!(s, "{c}");
        } else {
            let _ = write!(s, "{c:09}");
        }
    }
    if s.is_empty() {
        s.push('0');
    }
    s
}

/// The largest decimal scale written out in digits; beyond it, an exponent (a scale read from
/// a hostile datum could otherwise ask for gigabytes of zeros).
const MAX_PLACES: u64 = 10_000;

fn place_point(digits: &str, negative: bool, scale: i64) -> String {
    if scale.unsigned_abs() > MAX_PLACES {
        let sign = if negative && digits.bytes().any(|d| d != b'0') {
            "-"
        } else {
            ""
        };
        return format!("{sign}{digits}E{}", scale.saturating_neg());
    }
    let mut s = String::with_capacity(digits.len() + 3);
    if negative && digits.bytes().any(|d| d != b'0') {
        s.push('-');
    }
    if scale <= 0 {
        s.push_str(digits);
        if digits != "0" {
            for _ in 0..scale.unsigned_abs() {
                s.push('0');
            }
        }
        return s;
    }
    let scale = scale as usize;
    if digits.len() <= scale {
        s.push_str("0.");
        for _ in 0..scale - digits.len() {
            s.push('0');
        }
        s.push_str(digits);
    } else {
        let (int, frac) = digits.split_at(digits.len() - scale);
        s.push_str(int);
        s.push('.');
        s.push_str(frac);
    }
    s
}

/// apache-avro's big-decimal layout: the unscaled value's bytes, then the scale as a long.
fn big_decimal(b: &[u8]) -> DResult<String> {
    let mut c = Cursor::new(b);
    let unscaled = c.bytes("a big-decimal")?;
    let scale = c.varint("a big-decimal scale")?;
    Ok(decimal_string(unscaled, scale))
}

/// A decimal number as written in JSON: digits × 10^-scale.
struct Decimal {
    negative: bool,
    /// Without leading zeros; empty for zero.
    digits: String,
    scale: i64,
}

fn decimal_of(v: &Value) -> Option<Decimal> {
    match v {
        Value::String(s) => parse_decimal(s),
        Value::Number(n) => parse_decimal(&n.to_string()),
        _ => None,
    }
}

fn parse_decimal(s: &str) -> Option<Decimal> {
    let (negative, rest) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let (mantissa, exp) = match rest.find(['e', 'E']) {
        Some(i) => (&rest[..i], rest[i + 1..].parse::<i64>().ok()?),
        None => (rest, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if int.is_empty() && frac.is_empty()
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let digits = format!("{int}{frac}").trim_start_matches('0').to_string();
    Some(Decimal {
        negative: negative && !digits.is_empty(),
        digits,
        scale: (frac.len() as i64).checked_sub(exp)?,
    })
}

impl Decimal {
    /// The unscaled digits at `scale`, or why it does not fit.
    fn rescale(&self, scale: usize) -> Result<String, String> {
        let scale = scale as i64;
        let mut digits = self.digits.clone();
        if self.scale <= scale {
            if !digits.is_empty() {
                let zeros = scale
                    .checked_sub(self.scale)
                    .and_then(|z| usize::try_from(z).ok())
                    .ok_or("decimal exponent out of range")?;
                if zeros > 10_000 {
                    return Err("decimal exponent too large".into());
                }
                digits.extend(std::iter::repeat_n('0', zeros));
            }
        } else {
            let extra = self
                .scale
                .checked_sub(scale)
                .and_then(|e| usize::try_from(e).ok())
                .ok_or("decimal exponent out of range")?;
            let keep = digits.len().saturating_sub(extra);
            if digits[keep..].bytes().any(|b| b != b'0') {
                return Err(format!(
                    "decimal has more than {scale} digits after the point"
                ));
            }
            digits.truncate(keep);
        }
        if digits.is_empty() {
            digits.push('0');
        }
        Ok(digits)
    }
}

/// Decimal digits as a minimal two's-complement big-endian integer.
fn unscaled_bytes(negative: bool, digits: &str) -> Vec<u8> {
    let mut mag: Vec<u8> = Vec::new();
    for d in digits.bytes() {
        let mut carry = u32::from(d - b'0');
        for b in mag.iter_mut().rev() {
            let v = u32::from(*b) * 10 + carry;
            *b = v as u8;
            carry = v >> 8;
        }
        while carry > 0 {
            mag.insert(0, carry as u8);
            carry >>= 8;
        }
    }
    while mag.first() == Some(&0) {
        mag.remove(0);
    }
    if mag.is_empty() {
        return vec![0];
    }
    mag.insert(0, 0);
    if negative {
        for b in mag.iter_mut() {
            *b = !*b;
        }
        for b in mag.iter_mut().rev() {
            let (s, carry) = b.overflowing_add(1);
            *b = s;
            if !carry {
                break;
            }
        }
        while mag.len() > 1 && mag[0] == 0xff && mag[1] & 0x80 != 0 {
            mag.remove(0);
        }
    } else {
        while mag.len() > 1 && mag[0] == 0 && mag[1] & 0x80 == 0 {
            mag.remove(0);
        }
    }
    mag
}

/// A two's-complement integer widened to `size` bytes, or `None` if it needs more.
fn sign_extend(b: &[u8], size: usize) -> Option<Vec<u8>> {
    if b.len() > size {
        return None;
    }
    let fill = if b.first().is_some_and(|x| x & 0x80 != 0) {
        0xff
    } else {
        0
    };
    let mut out = vec![fill; size - b.len()];
    out.extend_from_slice(b);
    Some(out)
}

fn put_varint(buf: &mut Vec<u8>, n: i64) {
    let mut z = ((n << 1) ^ (n >> 63)) as u64;
    loop {
        if z < 0x80 {
            buf.push(z as u8);
            return;
        }
        buf.push((z as u8 & 0x7f) | 0x80);
        z >>= 7;
    }
}

fn put_bytes(buf: &mut Vec<u8>, b: &[u8]) {
    put_varint(buf, b.len() as i64);
    buf.extend_from_slice(b);
}

#[cfg(test)]
mod tests {
    use super::*;
    use apache_avro::types::Value as AValue;
    use serde_json::json;
    use std::str::FromStr;

    fn schema(text: &str) -> AvroSchema {
        AvroSchema::parse(text, &[]).unwrap_or_else(|e| panic!("{e}\n{text}"))
    }

    /// Regression (review): a failing event under nested `["null", Record]` unions cost twice
    /// as much per level (one event 60 levels deep would never finish).
    #[test]
    fn nested_unions_are_checked_in_linear_time() {
        let s = schema(
            r#"{"type":"record","name":"L","fields":[{"name":"v","type":"int"},{"name":"next","type":["null","L"]}]}"#,
        );
        let mut v = json!({"v": "bad", "next": null});
        for _ in 0..40 {
            v = json!({"v": 1, "next": v});
        }
        let started = std::time::Instant::now();
        let mut out = Vec::new();
        s.check_json(&v, &mut out, 16);
        assert!(!out.is_empty());
        // Exponential work would take hours; linear work takes microseconds.
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    /// Regression (review): blocks of items that take no bytes, repeated, asked for billions.
    #[test]
    fn zero_width_items_are_limited_over_all_blocks() {
        let s = schema(r#"{"type":"array","items":"null"}"#);
        let mut datum = Vec::new();
        for _ in 0..8 {
            datum.extend_from_slice(&[0x80, 0x80, 0x80, 0x10]); // 2^24 items
        }
        datum.push(0);
        let e = s.decode(&datum).unwrap_err();
        assert!(e.reason.contains("implausibly large"), "{}", e.reason);
        // One honest block is fine.
        assert_eq!(s.decode(&[0x06, 0x00]).unwrap(), json!([null, null, null]));
    }

    /// Regression (fuzz, avro_schema): 2^24 zero-width items (an array of a zero-size fixed,
    /// from a 7-byte datum) were allowed, a gigabyte of values for one record.
    #[test]
    fn zero_width_items_are_limited_to_a_million() {
        let s = schema(r#"{"type":"array","items":{"type":"fixed","name":"F","size":0}}"#);
        let mut datum = vec![0x82, 0x80, 0x80, 0x01]; // 2^20 + 1 items
        datum.push(0);
        let e = s.decode(&datum).unwrap_err();
        assert!(e.reason.contains("implausibly large"), "{}", e.reason);
        let v = s.decode(&[0xd0, 0x0f, 0x00]).unwrap(); // 1000 items
        assert_eq!(v.as_array().map(Vec::len), Some(1000));
    }

    /// Regression (review): a big-decimal's scale comes from the datum; a huge one must not
    /// ask for gigabytes of zeros.
    #[test]
    fn huge_decimal_scales_are_written_with_an_exponent() {
        assert_eq!(place_point("12", false, -(1 << 34)), "12E17179869184");
        assert_eq!(place_point("12", true, 1 << 34), "-12E-17179869184");
        assert_eq!(place_point("1234", false, 2), "12.34");
        let mut out = Vec::new();
        schema(r#"{"type":"bytes","logicalType":"decimal","precision":5,"scale":2}"#).check_json(
            &json!("1e9223372036854775807"),
            &mut out,
            4,
        );
        assert!(!out.is_empty());
    }

    /// Regression (review): `"namespace": ""` puts a nested type in the null namespace, so
    /// `X` and `a.b.X` are two types.
    #[test]
    fn an_empty_namespace_is_the_null_namespace() {
        let s = schema(
            r#"{"type":"record","name":"Outer","namespace":"a.b","fields":[
                {"name":"n","type":{"type":"record","name":"N","namespace":"","fields":[
                    {"name":"x","type":{"type":"record","name":"X","fields":[{"name":"s","type":"string"}]}}]}},
                {"name":"y","type":{"type":"record","name":"X","fields":[{"name":"i","type":"int"}]}}]}"#,
        );
        // As fastavro writes {"n":{"x":{"s":"hi"}},"y":{"i":7}}.
        assert_eq!(
            s.decode(&[0x04, b'h', b'i', 0x0e]).unwrap(),
            json!({"n": {"x": {"s": "hi"}}, "y": {"i": 7}})
        );
    }

    /// Regression (review): a decimal read at another scale showed another number.
    #[test]
    fn decimals_resolve_only_at_the_same_precision_and_scale() {
        let dec = |p: u32, s: u32| {
            schema(&format!(
                r#"{{"type":"record","name":"R","fields":[{{"name":"d","type":{{"type":"bytes","logicalType":"decimal","precision":{p},"scale":{s}}}}}]}}"#
            ))
        };
        let writer = dec(10, 2);
        let datum = [0x04, 0x04, 0xd2]; // 1234 unscaled: 12.34
        assert_eq!(writer.decode(&datum).unwrap(), json!({"d": "12.34"}));
        assert_eq!(
            dec(10, 2).decode_as(&writer, &datum).unwrap(),
            json!({"d": "12.34"})
        );
        let e = dec(10, 3).decode_as(&writer, &datum).unwrap_err();
        assert!(e.reason.contains("scale"), "{}", e.reason);
        // The plan of one writer is not reused for a writer that differs only in scale.
        let reader = dec(10, 2);
        assert!(reader.decode_as(&writer, &datum).is_ok());
        assert!(reader.decode_as(&dec(10, 3), &datum).is_err());
    }

    /// Regression (review): comparing a type referenced twice at every level took time
    /// exponential in the depth when a plan was built.
    #[test]
    fn plans_over_shared_named_types_are_built_in_polynomial_time() {
        let levels = 30;
        let mut t =
            r#"{"type":"record","name":"T0","fields":[{"name":"x","type":"int"}]}"#.to_string();
        for i in 1..levels {
            t = format!(
                r#"{{"type":"record","name":"T{i}","fields":[{{"name":"a","type":{t}}},{{"name":"b","type":"T{}"}}]}}"#,
                i - 1
            );
        }
        let writer = schema(&t);
        // The reader adds a field with a default at the top: not the same schema.
        let reader_text = format!(
            "{},{{\"name\":\"extra\",\"type\":\"int\",\"default\":0}}]}}",
            t.strip_suffix("]}").unwrap()
        );
        let reader = schema(&reader_text);
        let started = std::time::Instant::now();
        let _ = reader.decode_as(&writer, &[]);
        // Exponential work would take hours at this depth.
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
    }

    /// Regression (review): apache-avro 0.20 refuses a decimal field's default, which the
    /// specification allows; such a schema made a whole topic unreadable.
    #[test]
    fn decimal_fields_may_have_defaults() {
        let writer = schema(r#"{"type":"record","name":"R","fields":[{"name":"n","type":"int"}]}"#);
        let reader = schema(
            r#"{"type":"record","name":"R","fields":[{"name":"n","type":"int"},
                {"name":"d","type":{"type":"bytes","logicalType":"decimal","precision":5,"scale":2},"default":"\u0004\u00d2"}]}"#,
        );
        assert_eq!(
            reader.decode_as(&writer, &[0x02]).unwrap(),
            json!({"n": 1, "d": "12.34"})
        );
        let mut out = Vec::new();
        reader.check_json(&json!({"n": 1}), &mut out, 4);
        assert_eq!(out, []);
        assert_eq!(
            crate::schema::compat::avro(&writer, &reader, crate::schema::compat::Mode::Full),
            Vec::<String>::new()
        );
    }

    #[test]
    fn floats_out_of_range_are_violations() {
        let s = schema(r#""float""#);
        let mut out = Vec::new();
        s.check_json(&json!(1e39), &mut out, 4);
        assert_eq!(out.len(), 1, "{out:?}");
        out.clear();
        s.check_json(&json!(3.4e38), &mut out, 4);
        assert_eq!(out, []);
        schema(r#""double""#).check_json(&json!(1e39), &mut out, 4);
        assert_eq!(out, []);
    }

    /// A small deterministic generator (xorshift), so failures reproduce.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
        fn bytes(&mut self, n: usize) -> Vec<u8> {
            (0..n).map(|_| self.next() as u8).collect()
        }
        fn string(&mut self) -> String {
            const CHARS: &[char] = &['a', 'Z', '0', ' ', '/', '~', 'é', '€', '😀', '\u{0}', '"'];
            let n = self.below(8) as usize;
            (0..n)
                .map(|_| CHARS[self.below(CHARS.len() as u64) as usize])
                .collect()
        }
        fn int(&mut self) -> i32 {
            match self.below(4) {
                0 => i32::MIN,
                1 => i32::MAX,
                2 => self.below(200) as i32 - 100,
                _ => self.next() as i32,
            }
        }
        fn long(&mut self) -> i64 {
            match self.below(4) {
                0 => i64::MIN,
                1 => i64::MAX,
                2 => self.below(200) as i64 - 100,
                _ => self.next() as i64,
            }
        }
    }

    type Defs<'s> = HashMap<Name, &'s Schema>;

    fn defs(s: &Schema) -> Defs<'_> {
        let mut d = HashMap::new();
        collect_defs(s, &mut d);
        d
    }

    /// A random apache-avro value of a schema.
    fn gen(s: &Schema, d: &Defs, rng: &mut Rng, depth: usize) -> AValue {
        match s {
            Schema::Null => AValue::Null,
            Schema::Boolean => AValue::Boolean(rng.below(2) == 1),
            Schema::Int => AValue::Int(rng.int()),
            Schema::Long => AValue::Long(rng.long()),
            Schema::Float => AValue::Float(match rng.below(6) {
                0 => f32::NAN,
                1 => f32::NEG_INFINITY,
                2 => 0.1,
                3 => -1.5e-40,
                _ => f32::from_bits(rng.next() as u32),
            }),
            Schema::Double => AValue::Double(match rng.below(5) {
                0 => f64::INFINITY,
                1 => 0.1,
                _ => f64::from_bits(rng.next()),
            }),
            Schema::Bytes => {
                let n = rng.below(6) as usize;
                AValue::Bytes(rng.bytes(n))
            }
            Schema::String => AValue::String(rng.string()),
            Schema::Uuid => AValue::Uuid(apache_avro::Uuid::from_bytes(
                rng.bytes(16).try_into().unwrap(),
            )),
            Schema::Date => AValue::Date(rng.int()),
            Schema::TimeMillis => AValue::TimeMillis(rng.int()),
            Schema::TimeMicros => AValue::TimeMicros(rng.long()),
            Schema::TimestampMillis => AValue::TimestampMillis(rng.long()),
            Schema::TimestampMicros => AValue::TimestampMicros(rng.long()),
            Schema::TimestampNanos => AValue::TimestampNanos(rng.long()),
            Schema::LocalTimestampMillis => AValue::LocalTimestampMillis(rng.long()),
            Schema::LocalTimestampMicros => AValue::LocalTimestampMicros(rng.long()),
            Schema::LocalTimestampNanos => AValue::LocalTimestampNanos(rng.long()),
            Schema::BigDecimal => {
                let text = format!("{}.{:03}", rng.int(), rng.below(1000));
                AValue::BigDecimal(apache_avro::BigDecimal::from_str(&text).unwrap())
            }
            Schema::Decimal(dec) => {
                // Within the precision, which apache-avro does not check but check_json does.
                let n = 1 + rng.below(dec.precision.min(18) as u64) as usize;
                let digits: String = (0..n)
                    .map(|_| char::from(b'0' + rng.below(10) as u8))
                    .collect();
                let b = unscaled_bytes(rng.below(2) == 1, &digits);
                let b = match &*dec.inner {
                    Schema::Fixed(f) => sign_extend(&b, f.size).unwrap(),
                    _ => b,
                };
                AValue::Decimal(apache_avro::Decimal::from(b))
            }
            Schema::Fixed(f) => AValue::Fixed(f.size, rng.bytes(f.size)),
            Schema::Enum(e) => {
                let i = rng.below(e.symbols.len() as u64) as usize;
                AValue::Enum(i as u32, e.symbols[i].clone())
            }
            Schema::Array(a) => {
                let n = if depth > 3 { 0 } else { rng.below(4) };
                AValue::Array((0..n).map(|_| gen(&a.items, d, rng, depth + 1)).collect())
            }
            Schema::Map(m) => {
                let n = if depth > 3 { 0 } else { rng.below(4) };
                AValue::Map(
                    (0..n)
                        .map(|_| (rng.string(), gen(&m.types, d, rng, depth + 1)))
                        .collect(),
                )
            }
            Schema::Union(u) => {
                let vs = u.variants();
                let null = vs.iter().position(|v| matches!(v, Schema::Null));
                let i = match null {
                    Some(i) if depth > 3 => i,
                    _ => rng.below(vs.len() as u64) as usize,
                };
                AValue::Union(i as u32, Box::new(gen(&vs[i], d, rng, depth + 1)))
            }
            Schema::Record(r) => AValue::Record(
                r.fields
                    .iter()
                    .map(|f| (f.name.clone(), gen(&f.schema, d, rng, depth + 1)))
                    .collect(),
            ),
            Schema::Ref { name } => {
                let fq = name.clone();
                gen(d[&fq], d, rng, depth)
            }
            Schema::Duration => unreachable!("prepare turns durations into fixed"),
        }
    }

    /// apache-avro's decoded value in the JSON view, written independently of the decoder.
    fn view(v: &AValue, s: &Schema, d: &Defs) -> Value {
        let text = |s: String| Value::String(s);
        let chars = |b: &[u8]| Value::String(b.iter().map(|&b| b as char).collect());
        let float = |f: f64, shortest: String| {
            if f.is_nan() {
                json!("NaN")
            } else if f.is_infinite() {
                json!(if f > 0.0 { "Infinity" } else { "-Infinity" })
            } else {
                Value::Number(Number::from_f64(shortest.parse().unwrap()).unwrap())
            }
        };
        if let Schema::Ref { name } = s {
            let fq = name.clone();
            return view(v, d[&fq], d);
        }
        match (v, s) {
            (AValue::Union(i, inner), Schema::Union(u)) => {
                view(inner, &u.variants()[*i as usize], d)
            }
            (AValue::Null, _) => Value::Null,
            (AValue::Boolean(b), _) => json!(b),
            (AValue::Int(i), _) | (AValue::Date(i), _) | (AValue::TimeMillis(i), _) => json!(i),
            (AValue::Long(i), _)
            | (AValue::TimeMicros(i), _)
            | (AValue::TimestampMillis(i), _)
            | (AValue::TimestampMicros(i), _)
            | (AValue::TimestampNanos(i), _)
            | (AValue::LocalTimestampMillis(i), _)
            | (AValue::LocalTimestampMicros(i), _)
            | (AValue::LocalTimestampNanos(i), _) => json!(i),
            (AValue::Float(f), _) => float(f64::from(*f), f.to_string()),
            (AValue::Double(f), _) => float(*f, f.to_string()),
            (AValue::Bytes(b), _) | (AValue::Fixed(_, b), _) => chars(b),
            (AValue::String(s), _) | (AValue::Enum(_, s), _) => text(s.clone()),
            (AValue::Uuid(u), _) => text(u.to_string()),
            (AValue::Decimal(dec), Schema::Decimal(ds)) => text(
                apache_avro::BigDecimal::new(dec.clone().into(), ds.scale as i64).to_plain_string(),
            ),
            (AValue::BigDecimal(b), _) => text(b.to_plain_string()),
            (AValue::Array(xs), Schema::Array(a)) => {
                Value::Array(xs.iter().map(|x| view(x, &a.items, d)).collect())
            }
            (AValue::Map(m), Schema::Map(ms)) => Value::Object(
                m.iter()
                    .map(|(k, x)| (k.clone(), view(x, &ms.types, d)))
                    .collect(),
            ),
            (AValue::Record(fs), Schema::Record(r)) => Value::Object(
                fs.iter()
                    .zip(&r.fields)
                    .map(|((k, x), f)| (k.clone(), view(x, &f.schema, d)))
                    .collect(),
            ),
            (v, s) => panic!("no view for {v:?} as {s:?}"),
        }
    }

    /// Schemas covering every type, logical types, nesting, recursion, named references,
    /// unions and defaults.
    const SCHEMAS: &[&str] = &[
        r#""null""#,
        r#""boolean""#,
        r#""int""#,
        r#""long""#,
        r#""float""#,
        r#""double""#,
        r#""bytes""#,
        r#""string""#,
        r#"{"type":"fixed","name":"F4","size":4}"#,
        r#"{"type":"enum","name":"Color","symbols":["RED","GREEN","BLUE"]}"#,
        r#"{"type":"array","items":"long"}"#,
        r#"{"type":"map","values":["null","double"]}"#,
        r#"["null","string",{"type":"array","items":"int"},{"type":"map","values":"bytes"}]"#,
        r#"{"type":"record","name":"Logical","namespace":"com.acme","fields":[
            {"name":"dec","type":{"type":"bytes","logicalType":"decimal","precision":40,"scale":2}},
            {"name":"decf","type":{"type":"fixed","name":"D9","size":9,"logicalType":"decimal","precision":20,"scale":4}},
            {"name":"big","type":{"type":"bytes","logicalType":"big-decimal"}},
            {"name":"id","type":{"type":"string","logicalType":"uuid"}},
            {"name":"day","type":{"type":"int","logicalType":"date"}},
            {"name":"tm","type":{"type":"int","logicalType":"time-millis"}},
            {"name":"tu","type":{"type":"long","logicalType":"time-micros"}},
            {"name":"ts","type":{"type":"long","logicalType":"timestamp-millis"}},
            {"name":"tsu","type":{"type":"long","logicalType":"timestamp-micros"}},
            {"name":"tsn","type":{"type":"long","logicalType":"timestamp-nanos"}},
            {"name":"lts","type":{"type":"long","logicalType":"local-timestamp-millis"}},
            {"name":"ltsu","type":{"type":"long","logicalType":"local-timestamp-micros"}},
            {"name":"ltsn","type":{"type":"long","logicalType":"local-timestamp-nanos"}},
            {"name":"dur","type":{"type":"fixed","name":"Dur","size":12,"logicalType":"duration"}},
            {"name":"odd","type":{"type":"string","logicalType":"no-such-type"}}
        ]}"#,
        r#"{"type":"record","name":"UserRegistered","namespace":"com.acme","fields":[
            {"name":"id","type":"string"},
            {"name":"age","type":["null","int"],"default":null},
            {"name":"score","type":"float","default":0.5},
            {"name":"color","type":{"type":"enum","name":"Color","symbols":["RED","GREEN"]}},
            {"name":"favourite","type":"Color"},
            {"name":"hash","type":{"type":"fixed","name":"Hash","namespace":"com.other","size":3}},
            {"name":"hash2","type":"com.other.Hash"},
            {"name":"address","type":{"type":"record","name":"Address","fields":[
                {"name":"street","type":"string"},
                {"name":"zip","type":["null","string","long"]},
                {"name":"geo","type":{"type":"record","name":"Geo","namespace":"geo","fields":[
                    {"name":"lat","type":"double"},{"name":"lon","type":"double"}]}}
            ]}},
            {"name":"previous","type":{"type":"array","items":"Address"}},
            {"name":"tags","type":{"type":"map","values":{"type":"array","items":"string"}}},
            {"name":"choice","type":["null","Color","Address","bytes","boolean"]},
            {"name":"nothing","type":"null"}
        ]}"#,
        r#"{"type":"record","name":"LinkedList","fields":[
            {"name":"value","type":"int"},
            {"name":"next","type":["null","LinkedList"]}
        ]}"#,
        r#"{"type":"record","name":"Tree","fields":[
            {"name":"label","type":"string"},
            {"name":"children","type":{"type":"array","items":"Tree"}},
            {"name":"attrs","type":{"type":"map","values":"Tree"}}
        ]}"#,
    ];

    /// The decoder agrees with apache-avro's from_avro_datum on random values of every schema,
    /// and its output checks clean and encodes back to the same bytes.
    #[test]
    fn decode_matches_apache_avro_on_random_values() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for text in SCHEMAS {
            let s = schema(text);
            let d = defs(s.inner());
            for _ in 0..200 {
                let value = gen(s.inner(), &d, &mut rng, 0);
                let bytes = apache_avro::to_avro_datum(s.inner(), value.clone())
                    .unwrap_or_else(|e| panic!("{e}: {value:?}"));
                let theirs =
                    apache_avro::from_avro_datum(s.inner(), &mut &bytes[..], None).unwrap();
                let expected = view(&theirs, s.inner(), &d);
                let ours = s
                    .decode(&bytes)
                    .unwrap_or_else(|v| panic!("{v:?} in {text}"));
                assert_eq!(ours, expected, "{text}");
                // Record fields in schema order (Value equality ignores key order; a map's
                // order is apache-avro's HashMap's).
                if let (Value::Object(a), Value::Object(b), Schema::Record(_)) =
                    (&ours, &expected, s.inner())
                {
                    assert!(a.keys().eq(b.keys()), "{text}");
                }
                let mut problems = Vec::new();
                s.check_json(&ours, &mut problems, 10);
                assert_eq!(problems, vec![], "{ours} in {text}");
                let again = s
                    .encode_json(&ours)
                    .unwrap_or_else(|v| panic!("{v:?}: {ours}"));
                assert_eq!(s.decode(&again).unwrap(), ours, "{text}");
            }
        }
    }

    #[test]
    fn json_view_of_each_kind() {
        let s = schema(
            r#"{"type":"record","name":"R","fields":[
                {"name":"f","type":"float"},{"name":"nan","type":"double"},
                {"name":"b","type":"bytes"},{"name":"u","type":["null","string"]},
                {"name":"d","type":{"type":"bytes","logicalType":"decimal","precision":6,"scale":2}},
                {"name":"id","type":{"type":"fixed","name":"U","size":16,"logicalType":"uuid"}}]}"#,
        );
        let mut datum = Vec::new();
        datum.extend_from_slice(&0.1f32.to_le_bytes());
        datum.extend_from_slice(&f64::NAN.to_le_bytes());
        datum.extend_from_slice(&[4, 0x00, 0xff]);
        datum.extend_from_slice(&[2, 4, b'h', b'i']);
        datum.extend_from_slice(&[4, 0xfb, 0x2e]); // -1234
        datum.extend_from_slice(&[
            0x2c, 0x6a, 0x4b, 0x9e, 0x01, 0x02, 0x43, 0x04, 0x85, 0x06, 0x07, 0x08, 0x09, 0x0a,
            0x0b, 0x0c,
        ]);
        let v = s.decode(&datum).unwrap();
        assert_eq!(
            v.to_string(),
            r#"{"f":0.1,"nan":"NaN","b":"\u0000ÿ","u":"hi","d":"-12.34","id":"2c6a4b9e-0102-4304-8506-0708090a0b0c"}"#
        );
        // A uuid fixed stays a named fixed for apache-avro and in the canonical form.
        assert!(
            matches!(s.inner(), Schema::Record(r) if matches!(r.fields[5].schema, Schema::Fixed(_)))
        );
        assert!(s
            .canonical()
            .ends_with(r#"{"name":"id","type":{"name":"U","type":"fixed","size":16}}]}"#));
        assert_eq!(s.encode_json(&v).unwrap(), datum);
    }

    #[test]
    fn decimal_strings() {
        assert_eq!(decimal_string(&[0x04, 0xd2], 2), "12.34");
        assert_eq!(decimal_string(&[0xfb, 0x2e], 2), "-12.34");
        assert_eq!(decimal_string(&[0x05], 3), "0.005");
        assert_eq!(decimal_string(&[0xfb], 3), "-0.005");
        assert_eq!(decimal_string(&[0x00], 2), "0.00");
        assert_eq!(decimal_string(&[], 0), "0");
        assert_eq!(decimal_string(&[0x07], -2), "700");
        // Longer than an i128: pinned to the bigdecimal crate apache-avro uses.
        for bytes in [vec![0x7f; 20], vec![0x80; 17], {
            let mut b = vec![0xff; 24];
            b[23] = 0x00;
            b
        }] {
            let expected =
                apache_avro::BigDecimal::new(apache_avro::Decimal::from(&bytes).into(), 5)
                    .to_plain_string();
            assert_eq!(decimal_string(&bytes, 5), expected);
        }
        // And back.
        for (text, scale) in [
            ("12.34", 2),
            ("-0.005", 3),
            ("0", 0),
            ("-128", 0),
            ("1e3", 1),
        ] {
            let d = parse_decimal(text).unwrap();
            let b = unscaled_bytes(d.negative, &d.rescale(scale).unwrap());
            assert_eq!(
                parse_decimal(&decimal_string(&b, scale as i64))
                    .unwrap()
                    .rescale(scale),
                d.rescale(scale),
                "{text}"
            );
        }
        assert_eq!(unscaled_bytes(true, "128"), vec![0x80]);
        assert_eq!(unscaled_bytes(false, "128"), vec![0x00, 0x80]);
        assert!(parse_decimal("12.345").unwrap().rescale(2).is_err());
        assert_eq!(parse_decimal("12.300").unwrap().rescale(2).unwrap(), "1230");
        assert!(parse_decimal("1.2.3").is_none());
        assert!(parse_decimal("").is_none());
    }

    fn violation(r: Result<Value, Violation>) -> (String, String) {
        let v = r.expect_err("should fail");
        (v.pointer, v.reason)
    }

    const EVENT: &str = r#"{"type":"record","name":"Event","namespace":"com.acme","fields":[
        {"name":"id","type":"string"},
        {"name":"kind","type":{"type":"enum","name":"Kind","symbols":["A","B"]}},
        {"name":"data","type":{"type":"record","name":"Data","fields":[
            {"name":"attributes","type":{"type":"record","name":"Attrs","fields":[
                {"name":"duration_ms","type":"float"},
                {"name":"tags","type":{"type":"array","items":"string"}}]}},
            {"name":"extra","type":["null","string","long"]}]}}]}"#;

    #[test]
    fn decode_failures_say_where_and_why() {
        let s = schema(EVENT);
        let good = s
            .encode_json(&json!({"id":"x","kind":"B","data":{"attributes":{
                "duration_ms":1.5,"tags":["p","q"]},"extra":7}}))
            .unwrap();
        assert!(s.decode(&good).is_ok());
        // "x" (2 bytes), kind (1), then 4 bytes of float: cut 2 of them.
        assert_eq!(
            violation(s.decode(&good[..5])),
            (
                "/data/attributes/duration_ms".into(),
                "truncated: needed 2 more bytes for a float".into()
            )
        );
        let mut bad_enum = good.clone();
        bad_enum[2] = 18; // zigzag 9
        assert_eq!(
            violation(s.decode(&bad_enum)),
            (
                "/kind".into(),
                "enum index 9 out of range (2 symbols)".into()
            )
        );
        let mut bad_utf8 = good.clone();
        bad_utf8[9] = 0xff; // the first tag's only byte
        assert_eq!(
            violation(s.decode(&bad_utf8)),
            (
                "/data/attributes/tags/0".into(),
                "invalid UTF-8 in string".into()
            )
        );
        let mut bad_branch = good.clone();
        let n = bad_branch.len();
        bad_branch[n - 2] = 14; // zigzag 7
        assert_eq!(
            violation(s.decode(&bad_branch)),
            (
                "/data/extra".into(),
                "union branch index 7 out of range (3 branches)".into()
            )
        );
        let mut long = good.clone();
        long.extend_from_slice(&[1, 2, 3]);
        assert_eq!(
            violation(s.decode(&long)),
            ("".into(), "3 bytes left over after the datum".into())
        );
        // A block count the bytes cannot hold is refused before allocating for it.
        let arr = schema(r#"{"type":"array","items":"long"}"#);
        let (p, why) = violation(arr.decode(&[0xfe, 0xff, 0xff, 0xff, 0x0f]));
        assert_eq!(p, "");
        assert!(
            why.starts_with("truncated: an array block of 2147483647 items"),
            "{why}"
        );
        let nulls = schema(r#"{"type":"array","items":"null"}"#);
        assert_eq!(nulls.decode(&[6, 0]).unwrap(), json!([null, null, null]));
        assert!(nulls.decode(&[0xfe, 0xff, 0xff, 0xff, 0x0f, 0]).is_err());
        // Escaped pointer tokens.
        let odd = schema(
            r#"{"type":"record","name":"O","fields":[{"name":"x","type":{"type":"map","values":"int"}}]}"#,
        );
        assert_eq!(
            violation(odd.decode(&[2, 6, b'a', b'/', b'~', 0x80])),
            (
                "/x/a~1~0".into(),
                "truncated: needed 1 more byte for an int".into()
            )
        );
        let int = schema(r#""int""#);
        assert_eq!(
            violation(int.decode(&[0x80, 0x80, 0x80, 0x80, 0x20])),
            ("".into(), "int out of range: 4294967296".into())
        );
        let boolean = schema(r#""boolean""#);
        assert_eq!(
            violation(boolean.decode(&[2])).1,
            "invalid boolean byte 0x02"
        );
        assert_eq!(
            violation(boolean.decode(&[])).1,
            "truncated: needed 1 more byte for a boolean"
        );
    }

    #[test]
    fn deep_recursion_is_refused_not_a_stack_overflow() {
        let list = schema(SCHEMAS.iter().find(|t| t.contains("LinkedList")).unwrap());
        let mut datum = Vec::new();
        for _ in 0..100_000 {
            datum.extend_from_slice(&[2, 2]); // value 1, then the LinkedList branch
        }
        datum.extend_from_slice(&[2, 0]);
        let e = list.decode(&datum).unwrap_err();
        assert_eq!(e.reason, "records nested deeper than 128");
        assert!(e.pointer.starts_with("/next/next/next"));
        let e = list.decode_as(&list, &datum).unwrap_err();
        assert_eq!(e.reason, "records nested deeper than 128");
        // Skipped by a reader that does not have the field.
        let w = schema(
            r#"{"type":"record","name":"W","fields":[{"name":"l","type":{"type":"record","name":"LinkedList","fields":[{"name":"value","type":"int"},{"name":"next","type":["null","LinkedList"]}]}}]}"#,
        );
        let r = schema(r#"{"type":"record","name":"W","fields":[]}"#);
        assert_eq!(
            r.decode_as(&w, &datum).unwrap_err().reason,
            "records nested deeper than 128"
        );
        let shallow = list
            .encode_json(&json!({"value": 1, "next": {"value": 2, "next": null}}))
            .unwrap();
        assert_eq!(
            list.decode(&shallow).unwrap(),
            json!({"value": 1, "next": {"value": 2, "next": null}})
        );
    }

    #[test]
    fn check_json_reports_every_violation_with_pointers() {
        let s = schema(EVENT);
        let mut out = Vec::new();
        s.check_json(
            &json!({"id": 5, "kind": "C", "data": {"attributes": {"duration_ms": "1200",
                "tags": ["a", 3]}, "extra": {"long": "x"}}, "fat": true}),
            &mut out,
            100,
        );
        let got: Vec<(&str, &str)> = out
            .iter()
            .map(|v| (v.pointer.as_str(), v.reason.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("/id", "expected string, found number 5"),
                (
                    "/kind",
                    "\"C\" is not a symbol of enum com.acme.Kind (A, B)"
                ),
                (
                    "/data/attributes/duration_ms",
                    "expected float, found string \"1200\""
                ),
                ("/data/attributes/tags/1", "expected string, found number 3"),
                ("/data/extra/long", "expected long, found string \"x\""),
                ("/fat", "field 'fat' is not in the schema"),
            ]
        );
        assert!(out.iter().all(|v| v.rule == "schema" && !v.warning));
        // `max` caps the list.
        out.clear();
        s.check_json(&json!({}), &mut out, 2);
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].pointer, "/id");
        assert_eq!(
            out[0].reason,
            "missing field 'id' (the schema gives no default)"
        );
    }

    #[test]
    fn check_json_types_and_unions() {
        let s = schema(
            r#"{"type":"record","name":"T","fields":[
                {"name":"i","type":"int"},
                {"name":"l","type":"long","default":0},
                {"name":"opt","type":["null","string"]},
                {"name":"n","type":["null","int"]},
                {"name":"fx","type":{"type":"fixed","name":"F2","size":2}},
                {"name":"b","type":"bytes"},
                {"name":"d","type":{"type":"bytes","logicalType":"decimal","precision":4,"scale":2}},
                {"name":"u","type":{"type":"string","logicalType":"uuid"}},
                {"name":"m","type":{"type":"map","values":"boolean"}},
                {"name":"two","type":["null","int","string"]}]}"#,
        );
        let check = |v: Value| {
            let mut out = Vec::new();
            s.check_json(&v, &mut out, 100);
            out.into_iter()
                .map(|v| format!("{} {}", v.pointer, v.reason))
                .collect::<Vec<_>>()
        };
        let ok = json!({"i": 1, "opt": "null", "n": null, "fx": "\u{00ff}a", "b": "",
            "d": "12.5", "u": "2c6a4b9e-0102-4304-8506-0708090a0b0c", "m": {"x": true}, "two": 2});
        assert_eq!(check(ok.clone()), Vec::<String>::new());
        let mut wrapped = ok.clone();
        wrapped["opt"] = json!({"string": "x"});
        wrapped["two"] = json!({"int": 4});
        assert_eq!(check(wrapped), Vec::<String>::new());
        let mut bad = ok.clone();
        bad["i"] = json!(2147483648u64);
        bad["l"] = json!(1.5);
        bad["n"] = json!("null");
        bad["fx"] = json!("abc");
        bad["b"] = json!("€");
        bad["d"] = json!("123.4");
        bad["u"] = json!("not-a-uuid");
        bad["m"] = json!({"k/1": "yes"});
        bad["two"] = json!(true);
        assert_eq!(
            check(bad),
            vec![
                "/i int out of range: 2147483648",
                "/l expected long, found number 1.5",
                "/n expected null or int, found string \"null\"",
                "/fx expected fixed of 2 bytes, found 3",
                "/b bytes are written one character per byte (U+0000..U+00FF); found U+20AC",
                "/d decimal 123.4 has 5 digits; the schema allows 4",
                "/u expected a uuid, found string \"not-a-uuid\"",
                "/m/k~11 expected boolean, found string \"yes\"",
                "/two expected null or int or string, found boolean true",
            ]
        );
        // Infinities and NaN as the view writes them.
        let f = schema(r#"["null","double"]"#);
        let mut out = Vec::new();
        f.check_json(&json!("-Infinity"), &mut out, 5);
        f.check_json(&json!("inf"), &mut out, 5);
        assert_eq!(out.len(), 1);
        assert_eq!(f.encode_json(&json!("-Infinity")).unwrap(), {
            let mut b = vec![2];
            b.extend_from_slice(&f64::NEG_INFINITY.to_le_bytes());
            b
        });
    }

    #[test]
    fn encode_json_fills_defaults_and_refuses_what_check_refuses() {
        let s = schema(
            r#"{"type":"record","name":"R","fields":[
                {"name":"a","type":"int"},
                {"name":"b","type":["null","string"],"default":null},
                {"name":"c","type":"bytes","default":"\u00ff"}]}"#,
        );
        let datum = s.encode_json(&json!({"a": -1})).unwrap();
        assert_eq!(datum, vec![1, 0, 2, 0xff]);
        assert_eq!(
            s.decode(&datum).unwrap(),
            json!({"a": -1, "b": null, "c": "\u{ff}"})
        );
        let e = s.encode_json(&json!({"b": "x"})).unwrap_err();
        assert_eq!(
            (e.pointer.as_str(), e.reason.as_str()),
            ("/a", "missing field 'a' (the schema gives no default)")
        );
    }

    /// Resolution agrees with apache-avro's (decode with the writer, resolve to the reader).
    #[test]
    fn decode_as_matches_apache_avro() {
        let pairs = [
            (
                r#"{"type":"record","name":"U","fields":[
                    {"name":"id","type":"int"},{"name":"gone","type":{"type":"array","items":"string"}},
                    {"name":"n","type":"float"},{"name":"s","type":"string"},
                    {"name":"c","type":{"type":"enum","name":"C","symbols":["A","B"]}},
                    {"name":"o","type":"string"},{"name":"w","type":["null","int"]},
                    {"name":"m","type":{"type":"map","values":"int"}}]}"#,
                r#"{"type":"record","name":"U","fields":[
                    {"name":"s","type":"bytes"},{"name":"id","type":"long"},
                    {"name":"n","type":"double"},
                    {"name":"added","type":["null","string"],"default":null},
                    {"name":"c","type":{"type":"enum","name":"C","symbols":["B","A","Z"]}},
                    {"name":"o","type":["null","string"]},{"name":"w","type":["null","string","double"]},
                    {"name":"m","type":{"type":"map","values":"float"}},
                    {"name":"x","type":{"type":"record","name":"X","fields":[{"name":"q","type":"int"}]},"default":{"q":3}}]}"#,
            ),
            (r#""int""#, r#""double""#),
            (r#""long""#, r#""float""#),
            (r#""string""#, r#"["null","bytes"]"#),
            (
                r#"{"type":"record","name":"LinkedList","fields":[{"name":"value","type":"int"},{"name":"next","type":["null","LinkedList"]}]}"#,
                r#"{"type":"record","name":"LinkedList","fields":[{"name":"value","type":"long"},{"name":"next","type":["null","LinkedList"]},{"name":"tag","type":"string","default":"t"}]}"#,
            ),
        ];
        let mut rng = Rng(42);
        for (w, r) in pairs {
            let (w, r) = (schema(w), schema(r));
            let (wd, rd) = (defs(w.inner()), defs(r.inner()));
            for _ in 0..200 {
                let value = gen(w.inner(), &wd, &mut rng, 0);
                let bytes = apache_avro::to_avro_datum(w.inner(), value).unwrap();
                let theirs =
                    apache_avro::from_avro_datum(w.inner(), &mut &bytes[..], Some(r.inner()))
                        .unwrap_or_else(|e| panic!("{e}"));
                let expected = view(&theirs, r.inner(), &rd);
                let ours = r.decode_as(&w, &bytes).unwrap();
                assert_eq!(ours, expected);
                if let (Value::Object(a), Value::Object(b)) = (&ours, &expected) {
                    assert!(a.keys().eq(b.keys()));
                }
            }
        }
    }

    #[test]
    fn decode_as_reports_what_cannot_be_read_when_it_is_read() {
        let w = schema(
            r#"{"type":"record","name":"R","fields":[
                {"name":"c","type":{"type":"enum","name":"C","symbols":["A","B","NEW"]}},
                {"name":"v","type":["null","string","boolean"]}]}"#,
        );
        let r = schema(
            r#"{"type":"record","name":"R","fields":[
                {"name":"c","type":{"type":"enum","name":"C","symbols":["A","B"]}},
                {"name":"v","type":["null","string"]}]}"#,
        );
        // A datum that uses neither the new symbol nor the boolean branch reads fine.
        let ok = w.encode_json(&json!({"c": "B", "v": "x"})).unwrap();
        assert_eq!(r.decode_as(&w, &ok).unwrap(), json!({"c": "B", "v": "x"}));
        let new = w.encode_json(&json!({"c": "NEW", "v": null})).unwrap();
        let e = r.decode_as(&w, &new).unwrap_err();
        assert_eq!(e.pointer, "/c");
        assert_eq!(
            e.reason,
            "symbol \"NEW\" is not in the reader's enum C (A, B), which has no default"
        );
        let b = w.encode_json(&json!({"c": "A", "v": true})).unwrap();
        let e = r.decode_as(&w, &b).unwrap_err();
        assert_eq!(e.pointer, "/v");
        assert_eq!(
            e.reason,
            "the writer's boolean matches no branch of the reader's union [null, string]"
        );
        // An enum default takes unknown symbols.
        let rd = schema(
            r#"{"type":"record","name":"R","fields":[
                {"name":"c","type":{"type":"enum","name":"C","symbols":["A","B","UNKNOWN"],"default":"UNKNOWN"}},
                {"name":"v","type":["null","string","boolean"]},
                {"name":"must","type":"int"}]}"#,
        );
        let e = rd.decode_as(&w, &new).unwrap_err();
        assert_eq!(
            (e.pointer.as_str(), e.reason.as_str()),
            (
                "/must",
                "field 'must' is not in the writer's schema and the reader's gives no default"
            )
        );
        let rd = schema(
            r#"{"type":"record","name":"R","aliases":["Old"],"fields":[
                {"name":"kind","aliases":["c"],"type":{"type":"enum","name":"C","symbols":["A","UNKNOWN"],"default":"UNKNOWN"}}]}"#,
        );
        assert_eq!(rd.decode_as(&w, &new).unwrap(), json!({"kind": "UNKNOWN"}));
        // The plan is cached per writer; a second call gives the same answer.
        assert_eq!(rd.decode_as(&w, &new).unwrap(), json!({"kind": "UNKNOWN"}));
        // Names must match (or an alias must name the writer).
        let other = schema(r#"{"type":"record","name":"S","fields":[]}"#);
        let e = other.decode_as(&w, &ok).unwrap_err();
        assert_eq!(e.reason, "the writer's record R cannot be read as record S");
    }

    #[test]
    fn canonical_form_matches_apache_avro_and_includes_references() {
        for text in SCHEMAS.iter().filter(|t| !t.contains("logicalType")) {
            let s = schema(text);
            assert_eq!(s.canonical(), s.inner().canonical_form(), "{text}");
        }
        // apache-avro 0.20 keeps a decimal's precision and scale and leaves logical types
        // wrapped ({"type":{"type":"long"}}); [STRIP] and [PRIMITIVES] say otherwise.
        let logical = schema(SCHEMAS.iter().find(|t| t.contains("Logical")).unwrap());
        assert_ne!(logical.canonical(), logical.inner().canonical_form());
        assert_eq!(
            logical.canonical(),
            concat!(
                r#"{"name":"com.acme.Logical","type":"record","fields":[{"name":"dec","type":"bytes"},"#,
                r#"{"name":"decf","type":{"name":"com.acme.D9","type":"fixed","size":9}},"#,
                r#"{"name":"big","type":"bytes"},{"name":"id","type":"string"},"#,
                r#"{"name":"day","type":"int"},{"name":"tm","type":"int"},{"name":"tu","type":"long"},"#,
                r#"{"name":"ts","type":"long"},{"name":"tsu","type":"long"},{"name":"tsn","type":"long"},"#,
                r#"{"name":"lts","type":"long"},{"name":"ltsu","type":"long"},{"name":"ltsn","type":"long"},"#,
                r#"{"name":"dur","type":{"name":"com.acme.Dur","type":"fixed","size":12}},"#,
                r#"{"name":"odd","type":"string"}]}"#
            )
        );
        // The specification's example of [FULLNAMES], [STRIP] and [ORDER].
        let s = schema(
            r#"{"namespace":"a.b","type":"record","name":"R","doc":"x","fields":[
                {"type":{"type":"fixed","size":2,"name":"F"},"name":"f","default":"ab"}]}"#,
        );
        assert_eq!(
            s.canonical(),
            r#"{"name":"a.b.R","type":"record","fields":[{"name":"f","type":{"name":"a.b.F","type":"fixed","size":2}}]}"#
        );
        let address = r#"{"type":"record","name":"Address","namespace":"com.acme","fields":[{"name":"zip","type":"string"}]}"#;
        let s = AvroSchema::parse(
            r#"{"type":"record","name":"User","namespace":"com.acme","fields":[
                {"name":"home","type":"com.acme.Address"},{"name":"work","type":"Address"}]}"#,
            &[address],
        )
        .unwrap();
        assert_eq!(
            s.canonical(),
            r#"{"name":"com.acme.User","type":"record","fields":[{"name":"home","type":{"name":"com.acme.Address","type":"record","fields":[{"name":"zip","type":"string"}]}},{"name":"work","type":"com.acme.Address"}]}"#
        );
        assert_eq!(s.full_name().as_deref(), Some("com.acme.User"));
        let datum = s
            .encode_json(&json!({"home": {"zip": "1"}, "work": {"zip": "2"}}))
            .unwrap();
        assert_eq!(
            s.decode(&datum).unwrap(),
            json!({"home": {"zip": "1"}, "work": {"zip": "2"}})
        );
        assert!(AvroSchema::parse(
            r#"{"type":"record","name":"U","fields":[{"name":"a","type":"Nope"}]}"#,
            &[]
        )
        .is_err());
        assert!(AvroSchema::parse("not json", &[]).is_err());
    }

    /// Regression (fuzz, avro_schema): apache-avro 0.20 panicked on a type name, alias or
    /// type reference that is not an Avro name (`"name": "F:"`); it is a schema error.
    #[test]
    fn invalid_names_are_refused_not_a_panic() {
        for bad in [
            r#"{"type":"fixed","name":"F:","size":2}"#,
            r#"["null",{"type":"fixed","name":"a..b","size":2}]"#,
            r#"{"type":"enum","name":"E","aliases":["x-y"],"symbols":["A"]}"#,
            r#"{"type":"record","name":"R","fields":[{"name":"f","type":"F:"}]}"#,
            r#"{"type":"array","items":{"type":"1x"}}"#,
            r#"{"type":"record","name":"R","namespace":"a b","fields":[]}"#,
            r#"{"type":"record","name":".a.R","fields":[]}"#,
        ] {
            let e = AvroSchema::parse(bad, &[]).unwrap_err();
            assert!(e.contains("is not a valid Avro"), "{bad}: {e}");
        }
        // Names with a namespace, the null namespace, and data that only looks like a name.
        for good in [
            r#"{"type":"record","name":"a.b.R","fields":[{"name":"f","type":["null","a.b.R"]}]}"#,
            r#"{"type":"fixed","name":".F","size":1}"#,
            r#"{"type":"record","name":"R","fields":[{"name":"m","type":{"type":"map","values":"string"},"default":{"name":"x:y"}}]}"#,
        ] {
            AvroSchema::parse(good, &[]).unwrap_or_else(|e| panic!("{good}: {e}"));
        }
    }

    #[test]
    fn full_names() {
        assert_eq!(schema(r#""string""#).full_name(), None);
        assert_eq!(schema(r#"["null","string"]"#).full_name(), None);
        assert_eq!(
            schema(r#"{"type":"enum","name":"x.y.E","symbols":["A"]}"#)
                .full_name()
                .as_deref(),
            Some("x.y.E")
        );
        assert_eq!(
            schema(r#"{"type":"record","name":"R","namespace":"n","fields":[]}"#)
                .full_name()
                .as_deref(),
            Some("n.R")
        );
    }

    #[test]
    fn confluent_framing() {
        let framed = frame(258, &[7, 8]);
        assert_eq!(framed, vec![0, 0, 0, 1, 2, 7, 8]);
        assert_eq!(unframe(&framed), Some((258, &[7u8, 8][..])));
        assert_eq!(unframe(&[0, 0, 0, 0, 1]), Some((1, &[][..])));
        assert_eq!(unframe(&[0, 0, 0, 1]), None);
        assert_eq!(unframe(&[1, 0, 0, 0, 1, 5]), None);
        assert_eq!(unframe(b"{\"a\":1}"), None);
    }

    /// A ~300-byte event, as a benchmark generator would make it.
    pub(crate) const BENCH_SCHEMA: &str = r#"{"type":"record","name":"OrderPlaced","namespace":"com.acme.orders","fields":[
        {"name":"event_id","type":{"type":"string","logicalType":"uuid"}},
        {"name":"occurred_at","type":{"type":"long","logicalType":"timestamp-millis"}},
        {"name":"source","type":"string"},
        {"name":"type","type":{"type":"enum","name":"Type","symbols":["PLACED","PAID","SHIPPED"]}},
        {"name":"customer","type":{"type":"record","name":"Customer","fields":[
            {"name":"id","type":"long"},{"name":"email","type":["null","string"],"default":null},
            {"name":"country","type":"string"}]}},
        {"name":"lines","type":{"type":"array","items":{"type":"record","name":"Line","fields":[
            {"name":"sku","type":"string"},{"name":"qty","type":"int"},{"name":"price","type":"double"}]}}},
        {"name":"total","type":{"type":"bytes","logicalType":"decimal","precision":12,"scale":2}},
        {"name":"attributes","type":{"type":"map","values":"string"}},
        {"name":"duration_ms","type":"float"},
        {"name":"coupon","type":["null","string"],"default":null}]}"#;

    pub(crate) fn bench_event() -> Value {
        json!({
            "event_id": "2c6a4b9e-0102-4304-8506-0708090a0b0c",
            "occurred_at": 1_700_000_000_123i64,
            "source": "checkout-service/eu-west-1",
            "type": "PAID",
            "customer": {"id": 123_456_789, "email": "someone@example.com", "country": "DE"},
            "lines": [
                {"sku": "SKU-000123", "qty": 2, "price": 19.99},
                {"sku": "SKU-004567", "qty": 1, "price": 5.5},
                {"sku": "SKU-089012", "qty": 3, "price": 102.0}
            ],
            "total": "351.48",
            "attributes": {"channel": "web", "campaign": "autumn-sale", "ab_bucket": "B"},
            "duration_ms": 12.5,
            "coupon": "AUTUMN10"
        })
    }

    /// Run with `cargo test --release --lib -- --ignored avro_speed --nocapture`.
    #[test]
    #[ignore]
    fn avro_speed() {
        let s = schema(BENCH_SCHEMA);
        let datum = s.encode_json(&bench_event()).unwrap();
        let n = 1_000_000;
        let rate = |label: &str, f: &dyn Fn() -> bool| {
            let start = std::time::Instant::now();
            let mut ok = 0usize;
            for _ in 0..n {
                ok += usize::from(f());
            }
            let secs = start.elapsed().as_secs_f64();
            assert_eq!(ok, n);
            println!("{label}: {:.0} decodes/s", n as f64 / secs);
        };
        println!("datum: {} bytes", datum.len());
        rate("decode", &|| s.decode(std::hint::black_box(&datum)).is_ok());
        let evolved = BENCH_SCHEMA.replace(
            r#"{"name":"coupon","type":["null","string"],"default":null}"#,
            r#"{"name":"coupon","type":["null","string"],"default":null},{"name":"added","type":"int","default":0}"#,
        );
        let reader = schema(&evolved);
        rate("decode_as (evolved reader)", &|| {
            reader.decode_as(&s, std::hint::black_box(&datum)).is_ok()
        });
        let v = s.decode(&datum).unwrap();
        rate("check_json", &|| {
            let mut out = Vec::new();
            s.check_json(std::hint::black_box(&v), &mut out, 16);
            out.is_empty()
        });
        // The floor: building (and dropping) the same serde_json::Value.
        rate("serde_json::Value clone (for scale)", &|| {
            std::hint::black_box(std::hint::black_box(&v).clone()).is_object()
        });
        let text = v.to_string();
        rate("serde_json::from_str (for scale)", &|| {
            serde_json::from_str::<Value>(std::hint::black_box(&text)).is_ok()
        });
        rate("apache-avro from_avro_datum (no JSON)", &|| {
            apache_avro::from_avro_datum(s.inner(), &mut &datum[..], None).is_ok()
        });
    }
}

/// Round trips through apache-avro: values generated for a few schemas are written with
/// apache-avro and must read back, with our decoder, as their JSON view; that view must write
/// back (ours) to a datum that reads the same.
#[cfg(test)]
mod props {
    use super::*;
    use apache_avro::types::Value as AValue;
    use proptest::prelude::*;
    use serde_json::json;

    /// A value as apache-avro takes it, and its JSON view (the table in the module docs).
    type Pair = (AValue, Value);

    fn float_expected(f: f32) -> Value {
        match f {
            f if f.is_nan() => json!("NaN"),
            f if f.is_infinite() => json!(if f > 0.0 { "Infinity" } else { "-Infinity" }),
            f => json!(format!("{f}").parse::<f64>().unwrap()),
        }
    }

    fn double_expected(f: f64) -> Value {
        match f {
            f if f.is_nan() => json!("NaN"),
            f if f.is_infinite() => json!(if f > 0.0 { "Infinity" } else { "-Infinity" }),
            f => json!(f),
        }
    }

    fn latin1_expected(b: &[u8]) -> Value {
        Value::String(b.iter().map(|&b| char::from(b)).collect())
    }

    fn scalars() -> impl Strategy<Value = Vec<(&'static str, Pair)>> {
        (
            any::<bool>(),
            any::<i32>(),
            any::<i64>(),
            any::<f32>(),
            any::<f64>(),
            proptest::collection::vec(any::<u8>(), 0..12),
            any::<String>(),
        )
            .prop_map(|(b, i, l, f, d, by, s)| {
                vec![
                    ("b", (AValue::Boolean(b), json!(b))),
                    ("i", (AValue::Int(i), json!(i))),
                    ("l", (AValue::Long(l), json!(l))),
                    ("f", (AValue::Float(f), float_expected(f))),
                    ("d", (AValue::Double(d), double_expected(d))),
                    ("by", (AValue::Bytes(by.clone()), latin1_expected(&by))),
                    ("s", (AValue::String(s.clone()), json!(s))),
                ]
            })
    }

    fn complex() -> impl Strategy<Value = Vec<(&'static str, Pair)>> {
        let union = prop_oneof![
            Just((AValue::Union(0, Box::new(AValue::Null)), Value::Null)),
            any::<String>().prop_map(|s| (
                AValue::Union(1, Box::new(AValue::String(s.clone()))),
                json!(s)
            )),
            any::<f64>().prop_map(|d| (
                AValue::Union(2, Box::new(AValue::Double(d))),
                double_expected(d)
            )),
        ];
        (
            0..3u32,
            proptest::array::uniform3(any::<u8>()),
            proptest::collection::vec(any::<i64>(), 0..6),
            proptest::collection::btree_map(any::<String>(), any::<String>(), 0..5),
            union,
        )
            .prop_map(|(e, fx, a, m, u)| {
                let symbol = ["A", "B", "C"][e as usize];
                vec![
                    ("e", (AValue::Enum(e, symbol.into()), json!(symbol))),
                    ("fx", (AValue::Fixed(3, fx.to_vec()), latin1_expected(&fx))),
                    (
                        "a",
                        (
                            AValue::Array(a.iter().map(|&n| AValue::Long(n)).collect()),
                            json!(a),
                        ),
                    ),
                    (
                        "m",
                        (
                            AValue::Map(
                                m.iter()
                                    .map(|(k, v)| (k.clone(), AValue::String(v.clone())))
                                    .collect(),
                            ),
                            json!(m),
                        ),
                    ),
                    ("u", u),
                ]
            })
    }

    const RECORD: &str = r#"{"type":"record","name":"P","fields":[
        {"name":"b","type":"boolean"},{"name":"i","type":"int"},{"name":"l","type":"long"},
        {"name":"f","type":"float"},{"name":"d","type":"double"},{"name":"by","type":"bytes"},
        {"name":"s","type":"string"},
        {"name":"e","type":{"type":"enum","name":"E","symbols":["A","B","C"]}},
        {"name":"fx","type":{"type":"fixed","name":"F3","size":3}},
        {"name":"a","type":{"type":"array","items":"long"}},
        {"name":"m","type":{"type":"map","values":"string"}},
        {"name":"u","type":["null","string","double"]}]}"#;

    const LIST: &str = r#"{"type":"record","name":"LinkedList","fields":[
        {"name":"value","type":"int"},{"name":"next","type":["null","LinkedList"]}]}"#;

    fn record() -> impl Strategy<Value = Pair> {
        (scalars(), complex()).prop_map(|(a, b)| {
            let fields: Vec<(&str, Pair)> = a.into_iter().chain(b).collect();
            let mut view = Map::new();
            for (name, (_, v)) in &fields {
                view.insert((*name).to_string(), v.clone());
            }
            let avro = fields
                .into_iter()
                .map(|(name, (a, _))| (name.to_string(), a))
                .collect();
            (AValue::Record(avro), Value::Object(view))
        })
    }

    fn list() -> impl Strategy<Value = Pair> {
        proptest::collection::vec(any::<i32>(), 1..20).prop_map(|items| {
            let (mut a, mut v) = (AValue::Union(0, Box::new(AValue::Null)), Value::Null);
            for (i, n) in items.iter().rev().enumerate() {
                let rec =
                    AValue::Record(vec![("value".into(), AValue::Int(*n)), ("next".into(), a)]);
                v = json!({"value": n, "next": v});
                a = if i + 1 == items.len() {
                    rec
                } else {
                    AValue::Union(1, Box::new(rec))
                };
            }
            (a, v)
        })
    }

    fn round_trip(schema: &AvroSchema, (avro, view): Pair) -> Result<(), TestCaseError> {
        let datum = apache_avro::to_avro_datum(schema.inner(), avro)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let ours = schema
            .decode(&datum)
            .map_err(|v| TestCaseError::fail(format!("{v:?}")))?;
        prop_assert_eq!(&ours, &view);
        let again = schema
            .encode_json(&ours)
            .map_err(|v| TestCaseError::fail(format!("{v:?}")))?;
        prop_assert_eq!(schema.decode(&again).ok(), Some(view));
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn avro_records_round_trip_through_apache_avro(pair in record()) {
            let schema = AvroSchema::parse(RECORD, &[]).unwrap();
            round_trip(&schema, pair)?;
        }

        #[test]
        fn avro_recursive_records_round_trip_through_apache_avro(pair in list()) {
            let schema = AvroSchema::parse(LIST, &[]).unwrap();
            round_trip(&schema, pair)?;
        }
    }
}

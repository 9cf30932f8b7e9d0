//! The compiled schema: a graph of nodes in which named references are indices (so recursive
//! types are cycles), field names ready as JSON keys, and what can be said of a node without
//! data: its names, how people read it in a message, and the Parsing Canonical Form (written
//! from the tree, so that types from referenced schemas are included).

use std::collections::HashMap;
use std::fmt::Write as _;

use apache_avro::schema::{Alias, Name};
use serde_json::{Map, Value};

// The compiled tree.

/// A schema as a graph of nodes; named references are indices, so recursive types are cycles.
#[derive(Debug)]
pub(crate) struct Tree {
    pub(crate) nodes: Vec<Node>,
    pub(crate) root: usize,
    /// The fewest bytes a value of each node takes, to refuse absurd block counts before
    /// allocating for them.
    pub(crate) min_width: Vec<usize>,
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
    pub(super) fn new(name: &Name, aliases: Option<&Vec<Alias>>) -> Named {
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
    pub(crate) lookup: HashMap<String, usize>,
    /// The decoded object's keys with null values: cloning it copies the key hashes, so a
    /// decode fills values in place instead of hashing every field name again (a third of the
    /// decoding time went to hashing and inserting).
    pub(crate) template: Map<String, Value>,
}

#[derive(Debug)]
pub(crate) struct Field {
    pub(crate) name: String,
    pub(crate) aliases: Vec<String>,
    pub(crate) node: usize,
    /// The default in the JSON view.
    pub(crate) default: Option<Value>,
    pub(crate) raw_default: Option<Value>,
}
impl Tree {
    pub(crate) fn named(&self, id: usize) -> Option<&Named> {
        match &self.nodes[id] {
            Node::Record(r) => Some(&r.named),
            Node::Enum(e) => Some(&e.named),
            Node::Fixed(f) => Some(&f.named),
            _ => None,
        }
    }

    /// The name a union branch goes by in the Avro JSON encoding.
    pub(super) fn branch_name(&self, id: usize) -> &str {
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

    pub(super) fn describe_short(&self, id: usize) -> String {
        match &self.nodes[id] {
            Node::Array(_) | Node::Map(_) | Node::Union(_) => self.branch_name(id).to_string(),
            _ => self.describe(id),
        }
    }

    // -----------------------------------------------------------------------------------------
    // Parsing Canonical Form, written from the tree so that referenced types are included.

    pub(super) fn canonical(&self) -> String {
        let mut out = String::new();
        let mut seen = vec![false; self.nodes.len()];
        self.pcf(self.root, &mut out, &mut seen);
        out
    }

    pub(super) fn pcf(&self, id: usize, out: &mut String, seen: &mut [bool]) {
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
}

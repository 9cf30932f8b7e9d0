//! Avro schemas and the values they describe, pure (no I/O). This module owns parsing a schema
//! (through apache-avro, which knows the specification's rules for names, namespaces, aliases
//! and defaults), compiling it into a tree (named references resolved to indices, field names
//! ready as JSON keys) and a plan that one hand-written decoder walks, reading binary datums
//! straight into the JSON view below, optionally through Avro schema resolution (a writer's
//! schema read as a reader's), checking JSON events against a schema, writing JSON back as a
//! datum, the Parsing Canonical Form, and the Confluent wire framing. apache-avro's own
//! `from_avro_datum` builds its `types::Value` (cloning every field name, hashing map entries,
//! resolving names per call), which would then need converting; the compiled plan produces the
//! JSON view in less time than apache-avro takes for its value alone, and the tests pin it to
//! apache-avro's decoding value by value.
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
//!
//! # Layout
//!
//! Each file owns one job: `tree` the compiled schema (nodes, names, how a type is described,
//! the Parsing Canonical Form), `compile` turning apache-avro's schema into that tree,
//! `resolve` the plans (a schema read as itself, or a writer's schema read as a reader's),
//! `decode` the one decoder (a binary datum to the JSON view, walking a plan), `check` JSON
//! checked against a tree, `encode` JSON written as a datum, and `logical` the value
//! conversions of the table above (floats, bytes, uuids, decimals).

mod check;
mod compile;
mod decode;
mod encode;
mod logical;
mod resolve;
pub(crate) mod tree;

#[cfg(test)]
mod props;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use apache_avro::schema::Schema;
use serde_json::Value;

use super::Violation;
use check::{Path, Sink};
use compile::prepare;
use decode::{At, Cursor};
use resolve::Plan;

pub(crate) use resolve::{best_branch, decimal_type};
pub(crate) use tree::{Node, Tree};

/// A parsed Avro schema, compiled for decoding.
pub struct AvroSchema {
    schema: Schema,
    tree: Arc<Tree>,
    /// The plan that reads a datum written with this schema (the decoder walks plans only).
    reading: Arc<Plan>,
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
            reading: self.reading.clone(),
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
        let tree = Arc::new(tree);
        Ok(AvroSchema {
            schema,
            reading: Arc::new(Plan::reading(tree.clone())),
            tree,
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
        run(&self.reading, datum)
    }

    /// Decode a datum written with `writer` and read it as `self`, by Avro schema resolution
    /// (promotions int→long→float→double, string↔bytes, reader fields with defaults, writer
    /// fields the reader lacks skipped, enum symbols, unions). A difference that makes the
    /// datum unreadable is a violation when the datum actually uses it (a union branch never
    /// written is no problem), pointing where the reader's view would have it.
    pub fn decode_as(&self, writer: &AvroSchema, datum: &[u8]) -> Result<Value, Violation> {
        if writer.plan_key == self.plan_key {
            return self.decode(datum);
        }
        run(&self.plan(writer), datum)
    }

    fn plan(&self, writer: &AvroSchema) -> Arc<Plan> {
        // A poisoned lock only means another thread panicked mid-insert; the map is still a
        // valid cache.
        let mut plans = self
            .plans
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
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

/// Read a whole datum by a plan.
fn run(plan: &Plan, datum: &[u8]) -> Result<Value, Violation> {
    let mut c = Cursor::new(datum);
    let v = plan.exec(plan.root, &mut c).map_err(At::into_violation)?;
    c.finish()?;
    Ok(v)
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

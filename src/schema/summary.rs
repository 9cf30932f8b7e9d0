//! What a `schema-validate` run found, as plain values: counts per schema and per lint rule
//! (with the buckets of events no schema judged), the first violations with where they are,
//! and the totals line. The validate stage ([`crate::stage::validate`]) fills it; the printer
//! ([`crate::print::validation`]) gives it its three forms (a table, one JSON document, a JUnit
//! file).

use super::Violation;

/// One shown violation.
#[derive(Debug, Clone)]
pub struct Shown {
    /// Where the event is (`topic/partition@offset`, `file:line`, `file#/index`).
    pub location: String,
    /// The schema (or lint rule) that found it.
    pub schema: String,
    pub v: Violation,
}

/// Counts for one schema (or one bucket of events no schema judged).
#[derive(Debug, Clone, Default)]
pub struct Group {
    /// `avro`, `json-schema`, `protobuf`, `lint`, or `-` for a bucket.
    pub kind: &'static str,
    /// Where the schema came from (a file, a registry id or subject).
    pub origin: String,
    pub checked: u64,
    pub valid: u64,
    pub invalid: u64,
    pub warnings: u64,
    /// The first violations of this schema (or rule), for the JUnit file.
    pub examples: Vec<Shown>,
}

/// Events no schema judged: none applies, or the value cannot be read at all.
pub const NO_SCHEMA: &str = "(no schema)";
pub const UNREADABLE: &str = "(unreadable)";

/// The verdict of a run, ready for printing.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub checked: u64,
    pub valid: u64,
    pub invalid: u64,
    pub missing: u64,
    pub unreadable: u64,
    pub tombstones: u64,
    /// Violations found in all, shown or not.
    pub violations: u64,
    /// Rows: schemas by name, lint rules, then the buckets no schema judged.
    pub groups: Vec<(String, Group)>,
    pub shown: Vec<Shown>,
}

pub fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl Summary {
    /// Whether the run found something: an invalid or unreadable event, or one without a
    /// schema when those are not allowed.
    pub fn failed(&self, allow_missing: bool) -> bool {
        self.invalid > 0 || self.unreadable > 0 || (self.missing > 0 && !allow_missing)
    }

    /// "1535 checked: 1514 valid, 17 invalid, 3 without a schema, 1 unreadable".
    pub fn totals(&self) -> String {
        let mut t = format!(
            "{} checked: {} valid, {} invalid",
            self.checked, self.valid, self.invalid
        );
        if self.missing > 0 {
            t.push_str(&format!(", {} without a schema", self.missing));
        }
        if self.unreadable > 0 {
            t.push_str(&format!(", {} unreadable", self.unreadable));
        }
        if self.tombstones > 0 {
            t.push_str(&format!(
                ", {} skipped",
                plural(self.tombstones, "tombstone", "tombstones")
            ));
        }
        t
    }
}

//! Schemas and what events owe them, pure (no I/O): Avro schemas ([`avro`], through
//! apache-avro, with Confluent framing), JSON Schema drafts 7 and 2020-12 ([`json_schema`]),
//! Protobuf ([`protobuf`]), the catalog of `--schema` files ([`catalog`]), checking one event
//! against any of them ([`check`]), the event lint rules ([`lint`]), schema compatibility
//! ([`compat`]) and what a validation run found ([`summary`]). Every check reports
//! [`Violation`]s that say where (a JSON pointer into the event) and why, so that a printer can
//! show them the same way whatever found them. Reading schema files and asking a registry are
//! the callers' business (`endpoint::file::read_catalog`, `endpoint::registry`).

pub mod avro;
pub mod catalog;
pub mod check;
pub mod compat;
pub mod json_schema;
pub mod lint;
pub mod protobuf;
pub mod summary;

/// One way an event breaks its contract: where, why, and which rule says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// A JSON pointer (RFC 6901) into the event's value, `""` for the whole value.
    pub pointer: String,
    /// What is wrong, for people: "expected int, found string \"1200\"".
    pub reason: String,
    /// The rule: `"schema"` for a schema's verdict, `"lint:<name>"` for a lint rule.
    pub rule: &'static str,
    /// A warning is reported but does not make the event invalid.
    pub warning: bool,
}

impl Violation {
    /// A schema's verdict on a field.
    pub fn schema(pointer: impl Into<String>, reason: impl Into<String>) -> Violation {
        Violation {
            pointer: pointer.into(),
            reason: reason.into(),
            rule: "schema",
            warning: false,
        }
    }
}

/// Append one reference token to a JSON pointer, escaped as RFC 6901 says (`~` → `~0`,
/// `/` → `~1`).
pub fn push_pointer(pointer: &str, token: &str) -> String {
    let mut p = String::with_capacity(pointer.len() + token.len() + 1);
    p.push_str(pointer);
    p.push('/');
    for c in token.chars() {
        match c {
            '~' => p.push_str("~0"),
            '/' => p.push_str("~1"),
            c => p.push(c),
        }
    }
    p
}

/// A value as JSON for a reason, cut to about 60 characters: a violation of a whole event
/// must not quote the whole event.
pub fn short(v: &serde_json::Value) -> String {
    const MAX: usize = 60;
    let s = v.to_string();
    if s.len() <= MAX {
        return s;
    }
    format!("{}…", crate::text::prefix(&s, MAX))
}

#[cfg(test)]
mod tests {
    #[test]
    fn pointers_escape_tilde_and_slash() {
        assert_eq!(super::push_pointer("/data", "a/b~c"), "/data/a~1b~0c");
        assert_eq!(super::push_pointer("", "0"), "/0");
    }
}

//! Protobuf schemas, through prost-reflect (descriptors, dynamic messages, the canonical proto3
//! JSON mapping) and protox (a pure-Rust `.proto` compiler, so no protoc at run time):
//! descriptor pools from `.proto` files, a compiled FileDescriptorSet or registry schemas with
//! their references ([`pool`]); Confluent framing and its message-index path ([`framing`]);
//! payloads to JSON and JSON events checked against a message type ([`json`]).

pub mod compat;
pub mod direct;
#[cfg(test)]
mod fixtures;
pub mod framing;
pub mod json;
pub mod pool;
pub mod wire;

pub use prost_reflect::{DescriptorPool, FileDescriptor, MessageDescriptor};

/// A Protobuf schema as schema-validate holds it: a registry schema's file (framed records
/// name their message by index path), or one message type given on the command line.
#[derive(Debug, Clone)]
pub enum ProtoSchema {
    File(FileDescriptor),
    Message(MessageDescriptor),
}

impl ProtoSchema {
    /// The message type of a framed payload's rest (after the 5-byte header), and its bytes.
    pub fn framed<'a>(&self, rest: &'a [u8]) -> Result<(MessageDescriptor, &'a [u8]), ProtoError> {
        let (path, message) = framing::split_path(rest)?;
        match self {
            ProtoSchema::File(f) => Ok((framing::resolve(f, &path)?, message)),
            ProtoSchema::Message(m) if path == [0] => Ok((m.clone(), message)),
            ProtoSchema::Message(m) => Err(ProtoError(format!(
                "message-index path {path:?}, but the schema is the one type {}",
                m.full_name()
            ))),
        }
    }

    /// The type of unframed payloads and JSON events: the one message, or a file's first.
    pub fn main_type(&self) -> Result<MessageDescriptor, ProtoError> {
        match self {
            ProtoSchema::Message(m) => Ok(m.clone()),
            ProtoSchema::File(f) => f
                .messages()
                .next()
                .ok_or_else(|| ProtoError(format!("{} defines no message type", f.name()))),
        }
    }
}

/// Why a Protobuf schema or payload could not be used, for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ProtoError(pub String);

/// The message type named `name` in a pool: a full name (`shop.Payment`), or a short one
/// (`Payment`) when exactly one message has it.
pub fn message(pool: &DescriptorPool, name: &str) -> Result<MessageDescriptor, ProtoError> {
    let name = name.trim_start_matches('.');
    if let Some(m) = pool.get_message_by_name(name) {
        return Ok(m);
    }
    let short: Vec<MessageDescriptor> = pool
        .all_messages()
        .filter(|m| m.name() == name || m.full_name().ends_with(&format!(".{name}")))
        .collect();
    match short.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(ProtoError(format!(
            "no message type '{name}' in the Protobuf schemas (they have: {})",
            names(pool)
        ))),
        many => Err(ProtoError(format!(
            "message type '{name}' is ambiguous: {}; give the full name",
            many.iter()
                .map(|m| m.full_name().to_owned())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The message types of a pool that are not map entries or well-known types, for messages.
fn names(pool: &DescriptorPool) -> String {
    let all: Vec<String> = pool
        .all_messages()
        .filter(|m| !m.is_map_entry() && !m.full_name().starts_with("google.protobuf."))
        .map(|m| m.full_name().to_owned())
        .collect();
    if all.is_empty() {
        "none".into()
    } else {
        all.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_found_by_full_or_unambiguous_short_name() {
        let pool = pool::from_sources(
            "a.proto",
            &[(
                "a.proto".into(),
                "syntax = \"proto3\"; package shop; message Payment { message Line {} } message Other { message Line {} }".into(),
            )],
        )
        .unwrap()
        .parent_pool()
        .clone();
        for (name, full) in [
            ("shop.Payment", "shop.Payment"),
            ("Payment", "shop.Payment"),
            (".shop.Payment", "shop.Payment"),
            ("Other.Line", "shop.Other.Line"),
        ] {
            assert_eq!(message(&pool, name).unwrap().full_name(), full, "{name}");
        }
        let e = message(&pool, "Line").unwrap_err().0;
        assert!(
            e.contains("ambiguous") && e.contains("shop.Payment.Line"),
            "{e}"
        );
        let e = message(&pool, "Nope").unwrap_err().0;
        assert!(
            e.contains("no message type 'Nope'") && e.contains("shop.Other"),
            "{e}"
        );
    }
}

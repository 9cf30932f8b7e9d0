//! The `avro` key and value format of tail, filter, trace, sample and replay: Confluent-framed
//! payloads are decoded with the writer schema their registry id names, bare datums with the
//! schema file given on the command line, both through [`crate::schema::avro`] (the same code
//! `schema-validate` uses). Which schemas exist is settled once at the edge, before any record
//! is read, and travels in the run's [`super::Codecs`]; the codec itself does no I/O, it asks
//! the [`Schemas`] it is given (which may ask a registry once per id and cache the answer).

use std::sync::Arc;

use serde_json::Value;

use super::DecodeError;
use crate::schema::avro::{self, AvroSchema};

/// Where Avro writer schemas come from.
pub trait Schemas: Send + Sync {
    /// The writer schema of a framed payload.
    fn by_id(&self, id: u32) -> Result<Arc<AvroSchema>, String>;
    /// The schema of bare (unframed) datums, if one was given.
    fn bare(&self) -> Option<Arc<AvroSchema>>;
    /// Whether payloads may be Confluent-framed (a registry was given). Without one, every
    /// payload is a bare datum: a datum's first byte is 0 as often as not.
    fn framed(&self) -> bool;
}

/// Why Avro bytes are refused when the run has no schemas.
pub fn no_schemas() -> DecodeError {
    DecodeError("avro decoding needs a schema: give --schema FILE or --registry URL".into())
}

/// Decode Avro bytes: framed by registry id, or a bare datum of the given schema.
pub fn decode(schemas: Option<&dyn Schemas>, b: &[u8]) -> Result<Value, DecodeError> {
    let Some(schemas) = schemas else {
        return Err(no_schemas());
    };
    let framing = if schemas.framed() {
        avro::unframe(b)
    } else {
        None
    };
    let (schema, datum) = match framing {
        Some((id, datum)) => (
            schemas
                .by_id(id)
                .map_err(|e| DecodeError(format!("schema id {id}: {e}")))?,
            datum,
        ),
        None => match schemas.bare() {
            Some(s) => (s, b),
            None => {
                return Err(DecodeError(
                    "not framed with a schema registry id, and no --schema was given for bare Avro datums".into(),
                ))
            }
        },
    };
    schema.decode(datum).map_err(|v| {
        DecodeError(if v.pointer.is_empty() {
            format!("not an Avro datum of its schema: {}", v.reason)
        } else {
            format!(
                "not an Avro datum of its schema: at {}: {}",
                v.pointer, v.reason
            )
        })
    })
}

//! Checking one decoded event against a schema of any kind (Avro, JSON Schema, Protobuf's
//! proto3 JSON mapping), and reading a Protobuf message into the JSON view the checks and lint
//! rules look at. Each check reports at most [`PER_EVENT`] violations for one event.

use serde_json::Value;

use super::catalog::Body;
use super::protobuf::{self, MessageDescriptor};
use super::Violation;

/// How many violations one schema check reports for one event.
pub const PER_EVENT: usize = 16;

/// A Protobuf message decoded to its JSON view, or the violations that say why it is not one
/// of its type (it does not decode, or lacks a proto2 `required` field).
/// Without `json` (nothing will look at the value) the view is not made: `Value::Null`.
pub fn protobuf_value(
    m: &MessageDescriptor,
    b: &[u8],
    vs: &mut Vec<Violation>,
    json: bool,
) -> Option<Value> {
    let opts = protobuf::json::JsonOptions::default();
    if !json && protobuf::json::quickly_valid(m, b) {
        return Some(Value::Null);
    }
    let msg = match protobuf::json::decode(m, b) {
        Ok(msg) => msg,
        Err(e) => {
            vs.push(Violation::schema("", e.0));
            return None;
        }
    };
    vs.extend(protobuf::json::required(&msg).into_iter().take(PER_EVENT));
    if !json {
        return Some(Value::Null);
    }
    match protobuf::json::message_json(&msg, opts) {
        Ok(v) => Some(v),
        Err(e) => {
            vs.push(Violation::schema("", e.0));
            None
        }
    }
}

/// Check a decoded value against a schema of any kind.
pub fn check_value(body: &Body, v: &Value, vs: &mut Vec<Violation>) {
    match body {
        Body::Protobuf(p) => match p.main_type() {
            Ok(m) => vs.extend(
                protobuf::json::validate_json(&m, v)
                    .into_iter()
                    .take(PER_EVENT),
            ),
            Err(e) => vs.push(Violation::schema("", e.0)),
        },
        Body::Avro(a) => a.check_json(v, vs, PER_EVENT),
        Body::Json(js) => {
            if !js.is_valid(v) {
                js.check(v, vs, PER_EVENT);
            }
        }
    }
}

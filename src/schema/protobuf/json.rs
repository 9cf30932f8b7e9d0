//! Protobuf messages as JSON, and JSON events checked against a message type, both in the
//! canonical proto3 JSON mapping (prost-reflect's serde support): 64-bit integers as strings,
//! enums by name, bytes as base64, well-known types in their special forms, fields with their
//! default value left out, names in lowerCamelCase (or, as an option, as the .proto spells
//! them), as protobuf's own `json_format.MessageToJson` writes them; 32-bit floats too, with
//! its digits ([`float_digits`]). Messages are written as JSON text, the one form every reader
//! needs (a line, a jq view); a JSON tree is read back from that text when one is wanted.

use prost_reflect::{
    DeserializeOptions, DynamicMessage, MessageDescriptor, ReflectMessage, SerializeOptions,
};
use serde_json::Value;

use super::ProtoError;
use crate::schema::{push_pointer, Violation};

/// How a message is written as JSON.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JsonOptions {
    /// Field names as the .proto spells them (`customer_id`) instead of lowerCamelCase.
    pub proto_names: bool,
}

impl JsonOptions {
    fn serialize(self) -> SerializeOptions {
        SerializeOptions::new().use_proto_field_name(self.proto_names)
    }
}

/// Decode a message of type `desc` and give it as a JSON tree.
pub fn to_json(
    desc: &MessageDescriptor,
    bytes: &[u8],
    opts: JsonOptions,
) -> Result<Value, ProtoError> {
    let msg = decode(desc, bytes)?;
    message_json(&msg, opts)
}

/// Decode a message of type `desc` and append its JSON text to `out`.
pub fn write_json(
    desc: &MessageDescriptor,
    bytes: &[u8],
    opts: JsonOptions,
    out: &mut Vec<u8>,
) -> Result<(), ProtoError> {
    let msg = decode(desc, bytes)?;
    write_message(&msg, opts, out)
}

/// A decoded message as a JSON tree (read back from its text, which has the float digits
/// right: a tree built directly would widen a 32-bit float to 64 bits on the way).
pub fn message_json(msg: &DynamicMessage, opts: JsonOptions) -> Result<Value, ProtoError> {
    let mut text = Vec::new();
    write_message(msg, opts, &mut text)?;
    serde_json::from_slice(&text).map_err(|e| {
        ProtoError(format!(
            "cannot read {} back as JSON: {e}",
            msg.descriptor().full_name()
        ))
    })
}

/// A decoded message's JSON text, appended to `out`.
pub fn write_message(
    msg: &DynamicMessage,
    opts: JsonOptions,
    out: &mut Vec<u8>,
) -> Result<(), ProtoError> {
    let mut ser = serde_json::Serializer::with_formatter(out, FloatDigits);
    msg.serialize_with_options(&mut ser, &opts.serialize())
        .map_err(|e| {
            ProtoError(format!(
                "cannot write {} as JSON: {e}",
                msg.descriptor().full_name()
            ))
        })
}

/// serde_json's compact output, with 32-bit floats written as [`float_digits`] gives them.
struct FloatDigits;

impl serde_json::ser::Formatter for FloatDigits {
    fn write_f32<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        value: f32,
    ) -> std::io::Result<()> {
        serde_json::ser::CompactFormatter.write_f64(writer, float_digits(value))
    }
}

/// A 32-bit float as `json_format.MessageToJson` writes it (protobuf's `ToShortestFloat`): the
/// fewest significant digits, six at least, that read back as the same 32-bit float (0.1 for
/// 0.1f, where its 64-bit value is 0.10000000149011612).
pub fn float_digits(value: f32) -> f64 {
    let wide = f64::from(value);
    if !value.is_finite() {
        return wide;
    }
    (6..=9)
        .filter_map(|digits| format!("{wide:.*e}", digits - 1).parse::<f64>().ok())
        // Exactly equal, on purpose: the digits must read back as this very float.
        .find(|rounded| (*rounded as f32).to_bits() == value.to_bits())
        .unwrap_or(wide)
}

/// Decode a message of type `desc`.
pub fn decode(desc: &MessageDescriptor, bytes: &[u8]) -> Result<DynamicMessage, ProtoError> {
    DynamicMessage::decode(desc.clone(), bytes)
        .map_err(|e| ProtoError(format!("not a {} message: {e}", desc.full_name())))
}

/// What a JSON event owes a message type: it parses in the proto3 JSON mapping (no unknown
/// fields, every value of its field's type, enums by a name or number the enum has) and has
/// every proto2 `required` field.
pub fn validate_json(desc: &MessageDescriptor, event: &Value) -> Vec<Violation> {
    let opts = DeserializeOptions::new().deny_unknown_fields(true);
    match DynamicMessage::deserialize_with_options(desc.clone(), event, &opts) {
        Ok(msg) => required(&msg),
        Err(e) => vec![Violation::schema(
            locate(desc, event, ""),
            format!("not a {}: {e}", desc.full_name()),
        )],
    }
}

/// Where in an event the mapping fails: the first member that does not parse on its own,
/// followed into messages and lists of them (not into well-known types, whose JSON forms are
/// their own); `pointer` when no single member is to blame.
fn locate(desc: &MessageDescriptor, event: &Value, pointer: &str) -> String {
    let Value::Object(members) = event else {
        return pointer.to_owned();
    };
    let opts = DeserializeOptions::new().deny_unknown_fields(true);
    for (name, value) in members {
        let alone: Value = Value::Object(std::iter::once((name.clone(), value.clone())).collect());
        if DynamicMessage::deserialize_with_options(desc.clone(), &alone, &opts).is_ok() {
            continue;
        }
        let at = push_pointer(pointer, name);
        let field = desc
            .get_field_by_json_name(name)
            .or_else(|| desc.get_field_by_name(name));
        let inner = field.as_ref().and_then(|f| match f.kind() {
            prost_reflect::Kind::Message(m)
                if !f.is_map() && !m.full_name().starts_with("google.protobuf.") =>
            {
                Some((m, f.is_list()))
            }
            _ => None,
        });
        return match (inner, value) {
            (Some((m, false)), v) => locate(&m, v, &at),
            (Some((m, true)), Value::Array(items)) => items
                .iter()
                .enumerate()
                .find(|(_, item)| {
                    DynamicMessage::deserialize_with_options(m.clone(), *item, &opts).is_err()
                })
                .map_or(at.clone(), |(i, item)| {
                    locate(&m, item, &push_pointer(&at, &i.to_string()))
                }),
            _ => at,
        };
    }
    pointer.to_owned()
}

/// What a payload owes a message type: it decodes, and has every proto2 `required` field.
pub fn validate_bytes(desc: &MessageDescriptor, bytes: &[u8]) -> Vec<Violation> {
    if quickly_valid(desc, bytes) {
        return Vec::new();
    }
    match decode(desc, bytes) {
        Ok(msg) => required(&msg),
        Err(e) => vec![Violation::schema("", e.0)],
    }
}

/// Whether a payload is a valid `desc` message, known without decoding it: its wire format
/// walks valid ([`super::wire`]) and its schemas are proto3, which has no `required` field.
/// `false`: decode it to know.
pub fn quickly_valid(desc: &MessageDescriptor, bytes: &[u8]) -> bool {
    proto3_only(desc) && super::wire::walk(desc, bytes) == super::wire::Walk::Valid
}

/// Whether every file of the type's pool is proto3.
fn proto3_only(desc: &MessageDescriptor) -> bool {
    desc.parent_pool()
        .files()
        .all(|f| f.syntax() == prost_reflect::Syntax::Proto3)
}

/// The proto2 `required` fields a decoded message lacks, anywhere in it.
pub fn required(msg: &DynamicMessage) -> Vec<Violation> {
    // Only proto2 declares required fields: a pool of proto3 files has none to look for (the
    // walk is a fifth of a validation's time otherwise).
    if proto3_only(&msg.descriptor()) {
        return Vec::new();
    }
    missing_required(msg, "")
}

/// Required fields (proto2) missing anywhere in a message, by their JSON pointer.
fn missing_required(msg: &DynamicMessage, pointer: &str) -> Vec<Violation> {
    let mut out = Vec::new();
    for field in msg.descriptor().fields() {
        if field.is_required() && !msg.has_field(&field) {
            out.push(Violation::schema(
                push_pointer(pointer, field.json_name()),
                format!("required field '{}' is missing", field.name()),
            ));
        }
    }
    for (field, value) in msg.fields() {
        let at = push_pointer(pointer, field.json_name());
        match value {
            prost_reflect::Value::Message(m) => out.extend(missing_required(m, &at)),
            prost_reflect::Value::List(items) => {
                for (i, item) in items.iter().enumerate() {
                    if let Some(m) = item.as_message() {
                        out.extend(missing_required(m, &push_pointer(&at, &i.to_string())));
                    }
                }
            }
            prost_reflect::Value::Map(entries) => {
                for (k, item) in entries {
                    if let Some(m) = item.as_message() {
                        let key = serde_json::to_value(MapKeyText(k)).unwrap_or(Value::Null);
                        out.extend(missing_required(
                            m,
                            &push_pointer(&at, key.as_str().unwrap_or("")),
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// A map key as the JSON mapping writes it (always a string).
struct MapKeyText<'a>(&'a prost_reflect::MapKey);

impl serde::Serialize for MapKeyText<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use prost_reflect::MapKey;
        match self.0 {
            MapKey::Bool(b) => s.serialize_str(&b.to_string()),
            MapKey::I32(n) => s.serialize_str(&n.to_string()),
            MapKey::I64(n) => s.serialize_str(&n.to_string()),
            MapKey::U32(n) => s.serialize_str(&n.to_string()),
            MapKey::U64(n) => s.serialize_str(&n.to_string()),
            MapKey::String(t) => s.serialize_str(t),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::protobuf::fixtures::{desc, SHOP};
    use serde_json::json;

    const LEGACY: &str = r#"syntax = "proto2"; package old;
        message Item { required string sku = 1; optional int32 qty = 2; }
        message Order { required string id = 1; repeated Item items = 2; }"#;

    fn encode(desc: &MessageDescriptor, v: &Value) -> Vec<u8> {
        use prost::Message;
        DynamicMessage::deserialize(desc.clone(), v)
            .unwrap()
            .encode_to_vec()
    }

    #[test]
    fn json_is_the_canonical_proto3_mapping() {
        let d = desc(SHOP, "shop.Payment");
        let event = json!({"paymentId": "p-1", "amountCents": "9007199254740993", "status": "PAID",
            "raw": "AAE=", "at": "2026-12-06T07:00:00Z", "tags": {"a": 1}, "ids": ["1", "2"],
            "iban": "DE00", "ratio": 0.5});
        let bytes = encode(&d, &event);
        assert_eq!(to_json(&d, &bytes, JsonOptions::default()).unwrap(), event);
        let proto = to_json(&d, &bytes, JsonOptions { proto_names: true }).unwrap();
        assert_eq!(proto["payment_id"], "p-1");
        assert_eq!(proto["amount_cents"], "9007199254740993");
        // Defaults are left out, as MessageToJson leaves them out.
        assert_eq!(to_json(&d, &[], JsonOptions::default()).unwrap(), json!({}));
    }

    #[test]
    fn floats_have_message_to_json_digits() {
        for (f, want) in [
            (0.1f32, 0.1f64),
            (0.019, 0.019),
            (1.1, 1.1),
            (-1.5, -1.5),
            (0.0, 0.0),
            (16_777_217.0, 16_777_216.0),
            (f32::MAX, 3.402_823_5e38),
            // Six digits at least, as protobuf's ToShortestFloat starts: not ryu's "1e-45".
            (f32::from_bits(1), 1.4013e-45),
            (1e20, 1e20),
        ] {
            // The very digits protobuf prints, so exactly equal.
            assert_eq!(float_digits(f).to_bits(), want.to_bits(), "{f:e}");
        }
        let d = desc(
            "syntax = \"proto3\"; message F { float f = 1; repeated float r = 2; }",
            "F",
        );
        let bytes = encode(&d, &json!({"f": 0.1, "r": [0.3, "Infinity"]}));
        let mut text = Vec::new();
        write_json(&d, &bytes, JsonOptions::default(), &mut text).unwrap();
        assert_eq!(text, br#"{"f":0.1,"r":[0.3,"Infinity"]}"#);
        assert_eq!(
            to_json(&d, &bytes, JsonOptions::default()).unwrap(),
            json!({"f": 0.1, "r": [0.3, "Infinity"]})
        );
    }

    #[test]
    fn bad_payloads_are_errors_naming_the_type() {
        let d = desc(SHOP, "shop.Payment");
        for bad in [
            &[0x0a, 0x05, b'a'][..],
            &[0x10][..],
            &[0x0d, 1, 2, 3, 4][..],
            &[0xff][..],
        ] {
            let e = to_json(&d, bad, JsonOptions::default()).unwrap_err();
            assert!(
                e.0.starts_with("not a shop.Payment message"),
                "{bad:?}: {e}"
            );
        }
    }

    #[test]
    fn json_events_are_checked_field_by_field() {
        let d = desc(SHOP, "shop.Payment");
        assert!(validate_json(&d, &json!({"paymentId": "p", "status": "PAID"})).is_empty());
        assert!(validate_json(&d, &json!({"payment_id": "p", "status": 1})).is_empty());
        for (bad, want, at) in [
            (json!({"paymentId": "p", "nope": 1}), "nope", "/nope"),
            (json!({"amountCents": "x"}), "", "/amountCents"),
            (json!({"status": "REFUNDED"}), "REFUNDED", "/status"),
            (json!({"paymentId": 5}), "", "/paymentId"),
            (json!({"at": "yesterday"}), "", "/at"),
            (json!([1]), "", ""),
        ] {
            let v = validate_json(&d, &bad);
            assert_eq!(v.len(), 1, "{bad}");
            assert!(
                v[0].reason.contains("not a shop.Payment") && v[0].reason.contains(want),
                "{bad}: {}",
                v[0].reason
            );
            assert_eq!(v[0].pointer, at, "{bad}");
        }
    }

    #[test]
    fn proto2_required_fields_are_checked_at_every_depth() {
        let d = desc(LEGACY, "old.Order");
        assert!(validate_json(&d, &json!({"id": "o", "items": [{"sku": "s"}]})).is_empty());
        let v = validate_json(
            &d,
            &json!({"id": "o", "items": [{"sku": "s"}, {"qty": "x"}]}),
        );
        assert_eq!(
            v[0].pointer, "/items/1/qty",
            "a wrong type deep in a list: {v:?}"
        );
        let v = validate_json(&d, &json!({"items": [{"sku": "s"}, {"qty": 1}]}));
        let pointers: Vec<&str> = v.iter().map(|v| v.pointer.as_str()).collect();
        assert_eq!(pointers, ["/id", "/items/1/sku"]);
        let v = validate_bytes(&d, &[]);
        assert_eq!(v[0].reason, "required field 'id' is missing");
        assert!(validate_bytes(&d, &[0xff]).len() == 1);
    }
}

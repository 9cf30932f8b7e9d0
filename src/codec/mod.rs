//! Codecs: record bytes to values and back, pure (no I/O). A key or value format turns bytes
//! into a JSON value for printers, templates, filters and groupings; the capture codec turns
//! whole records into lossless NDJSON lines; [`project`] and [`slots`] read only the parts of a
//! JSON value a filter needs. One [`Codecs`] value per run carries the key and value formats and
//! what they decode with (the Avro schemas: by registry id for Confluent-framed payloads, or a
//! schema file; the Protobuf codecs of keys and values); it is built once at the edge and handed
//! to whatever decodes.

pub mod avro;
pub mod capture;
pub mod depth;
pub mod project;
pub mod protobuf;
pub mod scan;
pub mod slots;

use std::sync::Arc;

use base64::Engine;
use serde_json::Value;

/// The codecs of one run: how keys and values are read, and the schemas the formats that need
/// them decode with. Built once from the command line and the config, cloned (cheaply) into
/// whatever decodes; no process-global registry. A new codec is one [`Encoding`] arm and, when it
/// needs schemas, one field here.
#[derive(Clone, Default)]
pub struct Codecs {
    pub key: Encoding,
    pub value: Encoding,
    avro: Option<Arc<dyn avro::Schemas>>,
    /// The Protobuf codecs of keys and of values (`None` for a side that is not Protobuf).
    protobuf_key: Option<protobuf::ProtobufCodec>,
    protobuf_value: Option<protobuf::ProtobufCodec>,
    /// What `auto` reads Confluent-framed Protobuf with, when the run has a registry of its
    /// own (the embedded cluster's built-in one): the demo's `payments` need no flag.
    auto_protobuf: Option<protobuf::ProtobufCodec>,
}

impl std::fmt::Debug for Codecs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Codecs")
            .field("key", &self.key)
            .field("value", &self.value)
            .field("avro", &self.avro.is_some())
            .field("protobuf_key", &self.protobuf_key)
            .field("protobuf_value", &self.protobuf_value)
            .field("auto_protobuf", &self.auto_protobuf)
            .finish()
    }
}

impl Codecs {
    /// Keys and values in these formats, with no schemas (Avro is then refused per record).
    pub fn new(key: Encoding, value: Encoding) -> Codecs {
        Codecs {
            key,
            value,
            avro: None,
            protobuf_key: None,
            protobuf_value: None,
            auto_protobuf: None,
        }
    }

    /// The same, decoding Avro with these schemas.
    pub fn with_avro(mut self, schemas: Arc<dyn avro::Schemas>) -> Codecs {
        self.avro = Some(schemas);
        self
    }

    /// The same, decoding Protobuf keys and values with these codecs.
    pub fn with_protobuf(
        mut self,
        key: Option<protobuf::ProtobufCodec>,
        value: Option<protobuf::ProtobufCodec>,
    ) -> Codecs {
        self.protobuf_key = key;
        self.protobuf_value = value;
        self
    }

    /// The same, with `auto` decoding Confluent-framed Protobuf payloads (first byte 0) with
    /// this codec; a payload it cannot read is shown as `auto` shows bytes.
    pub fn with_auto_protobuf(mut self, codec: protobuf::ProtobufCodec) -> Codecs {
        self.auto_protobuf = Some(codec);
        self
    }

    /// Whether a format these codecs use needs schemas that were not given.
    pub fn missing_schemas(&self) -> bool {
        (self.key == Encoding::Avro || self.value == Encoding::Avro) && self.avro.is_none()
    }

    /// Whether Protobuf is read without the codec it needs (the edge builds one per side).
    pub fn missing_protobuf(&self) -> bool {
        (self.key.is_protobuf() && self.protobuf_key.is_none())
            || (self.value.is_protobuf() && self.protobuf_value.is_none())
    }

    /// Decode bytes (`None` is a null key or a tombstone) in a format.
    pub fn decode(&self, format: Encoding, bytes: Option<&[u8]>) -> Result<Decoded, DecodeError> {
        match (format, bytes) {
            (Encoding::Avro, Some(b)) => {
                let value = avro::decode(self.avro.as_deref(), b)?;
                depth::check_value(&value)?;
                Ok(Decoded { value, json: true })
            }
            (Encoding::Protobuf(side), Some(b)) => {
                let codec = match side {
                    Side::Key => self.protobuf_key.as_ref(),
                    Side::Value => self.protobuf_value.as_ref(),
                };
                let value = codec.ok_or_else(protobuf::no_schemas)?.decode(b)?;
                depth::check_value(&value)?;
                Ok(Decoded { value, json: true })
            }
            (Encoding::Auto, Some(b)) if b.first() == Some(&0) => {
                let framed = (self.auto_protobuf.as_ref())
                    .and_then(|codec| codec.decode(b).ok())
                    .filter(|value| depth::check_value(value).is_ok());
                match framed {
                    Some(value) => Ok(Decoded { value, json: true }),
                    None => decode(format, bytes),
                }
            }
            _ => decode(format, bytes),
        }
    }

    /// Write a value's JSON text straight into `out`, for the format that makes its JSON as
    /// text (Protobuf, and `auto`'s framed Protobuf): no tree is built. `false` when the format
    /// does not, or the bytes do not decode or nest too deeply (nothing is written then, and
    /// [`Self::decode_or_auto`] says why).
    pub fn write_json(&self, format: Encoding, bytes: Option<&[u8]>, out: &mut Vec<u8>) -> bool {
        let codec = match (format, bytes) {
            (Encoding::Protobuf(Side::Key), Some(_)) => self.protobuf_key.as_ref(),
            (Encoding::Protobuf(Side::Value), Some(_)) => self.protobuf_value.as_ref(),
            (Encoding::Auto, Some([0, ..])) => self.auto_protobuf.as_ref(),
            _ => None,
        };
        let (Some(codec), Some(b)) = (codec, bytes) else {
            return false;
        };
        let start = out.len();
        if codec.write(b, out).is_err() {
            return false;
        }
        if depth::check(&out[start..]).is_err() {
            out.truncate(start);
            return false;
        }
        true
    }

    /// Decode as asked, falling back to `auto` (see [`decode_or_auto`]).
    pub fn decode_or_auto(
        &self,
        format: Encoding,
        bytes: Option<&[u8]>,
    ) -> (Decoded, Option<DecodeError>) {
        or_auto(format, bytes, self.decode(format, bytes))
    }

    /// Decode a key in the key format, falling back to `auto`.
    pub fn key(&self, bytes: Option<&[u8]>) -> (Decoded, Option<DecodeError>) {
        self.decode_or_auto(self.key, bytes)
    }

    /// Decode a value in the value format, falling back to `auto`.
    pub fn value(&self, bytes: Option<&[u8]>) -> (Decoded, Option<DecodeError>) {
        self.decode_or_auto(self.value, bytes)
    }
}

/// How a key's or a value's bytes are encoded (`--key-format`, `--value-format`): how to read
/// them, and how to write a key typed on the command line.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Encoding {
    /// JSON when the bytes are a JSON object or array, else text when they are UTF-8, else
    /// `{"base64": ...}`. Scalars stay text so that a value `null` is not mistaken for a
    /// tombstone.
    #[default]
    Auto,
    /// UTF-8 text; other bytes are a decode error.
    String,
    /// Any JSON document; other bytes are a decode error.
    Json,
    /// A big-endian 32-bit integer (Java's IntegerSerializer).
    Int32,
    /// A big-endian 64-bit integer (Java's LongSerializer).
    Int64,
    /// Lower-case hex of the bytes.
    Hex,
    /// Standard base64 of the bytes.
    Base64,
    /// Avro (Confluent framing or a schema file): needs a schema.
    Avro,
    /// Protobuf (Confluent framing or a bare message of a `--proto-type`), as the canonical
    /// proto3 JSON mapping; keys and values may be of different types, hence the side.
    Protobuf(Side),
}

/// Which side of a record a format reads: bare Protobuf keys and values have their own types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Key,
    Value,
}

/// The former name, kept so that code written against it still builds.
pub use self::Encoding as Format;

impl Encoding {
    pub const NAMES: &'static [&'static str] = &[
        "auto", "string", "json", "int32", "int64", "hex", "base64", "avro", "protobuf",
    ];

    pub fn parse(s: &str) -> Option<Encoding> {
        Some(match s {
            "auto" => Encoding::Auto,
            "string" | "str" | "text" => Encoding::String,
            "json" => Encoding::Json,
            "int32" | "int" => Encoding::Int32,
            "int64" | "long" => Encoding::Int64,
            "hex" => Encoding::Hex,
            "base64" => Encoding::Base64,
            "avro" => Encoding::Avro,
            "protobuf" | "proto" => Encoding::Protobuf(Side::Value),
            _ => return None,
        })
    }

    /// The same format for keys (only Protobuf cares which side it reads).
    pub fn for_keys(self) -> Encoding {
        match self {
            Encoding::Protobuf(_) => Encoding::Protobuf(Side::Key),
            other => other,
        }
    }

    /// Whether the format is Protobuf (of either side).
    pub fn is_protobuf(self) -> bool {
        matches!(self, Encoding::Protobuf(_))
    }
}

/// Why bytes could not be read in the asked format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DecodeError(pub String);

/// A decoded key or value. `json` says whether the value came from JSON bytes (so a printer
/// pretty-prints it) rather than from text or numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    pub value: Value,
    pub json: bool,
}

impl Decoded {
    fn plain(value: Value) -> Decoded {
        Decoded { value, json: false }
    }
}

/// Decode as asked; bytes that do not decode so are decoded as `auto` would, with the reason
/// they did not, so that a record is still shown or judged. Bytes that `auto` refuses too (a
/// document nested too deeply) are shown as bytes.
/// Without schemas: Avro bytes are refused (and shown as `auto` shows them).
pub fn decode_or_auto(format: Encoding, bytes: Option<&[u8]>) -> (Decoded, Option<DecodeError>) {
    or_auto(format, bytes, decode(format, bytes))
}

fn or_auto(
    format: Encoding,
    bytes: Option<&[u8]>,
    decoded: Result<Decoded, DecodeError>,
) -> (Decoded, Option<DecodeError>) {
    match decoded {
        Ok(d) => (d, None),
        Err(e) => match (format, decode(Encoding::Auto, bytes)) {
            (Encoding::Auto, _) | (_, Err(_)) => (
                Decoded::plain(bytes.map_or(Value::Null, bytes_value)),
                Some(e),
            ),
            (_, Ok(d)) => (d, Some(e)),
        },
    }
}

/// Decode bytes (`None` is a null key or a tombstone) in a format, without schemas: Avro is
/// refused here; [`Codecs::decode`] has the run's schemas.
pub fn decode(format: Encoding, bytes: Option<&[u8]>) -> Result<Decoded, DecodeError> {
    let Some(b) = bytes else {
        return Ok(Decoded::plain(Value::Null));
    };
    match format {
        Encoding::Auto => auto(b),
        Encoding::String => std::str::from_utf8(b)
            .map(|s| Decoded::plain(Value::String(s.to_owned())))
            .map_err(|e| DecodeError(format!("not UTF-8 text ({e})"))),
        Encoding::Json => {
            depth::check(b)?;
            serde_json::from_slice::<Value>(b)
                .map(|value| Decoded { value, json: true })
                .map_err(|e| DecodeError(format!("not JSON ({e})")))
        }
        Encoding::Int32 => <[u8; 4]>::try_from(b)
            .map(|a| Decoded::plain(Value::from(i32::from_be_bytes(a))))
            .map_err(|_| DecodeError(format!("int32 needs 4 bytes, got {}", b.len()))),
        Encoding::Int64 => <[u8; 8]>::try_from(b)
            .map(|a| Decoded::plain(Value::from(i64::from_be_bytes(a))))
            .map_err(|_| DecodeError(format!("int64 needs 8 bytes, got {}", b.len()))),
        Encoding::Hex => Ok(Decoded::plain(Value::String(hex(b)))),
        Encoding::Base64 => Ok(Decoded::plain(Value::String(
            base64::engine::general_purpose::STANDARD.encode(b),
        ))),
        Encoding::Avro => Err(avro::no_schemas()),
        Encoding::Protobuf(_) => Err(protobuf::no_schemas()),
    }
}

/// JSON objects and arrays as JSON, anything else as text or bytes; the one refusal is a JSON
/// document nested too deeply, which would read as text and hide why.
fn auto(b: &[u8]) -> Result<Decoded, DecodeError> {
    let first = b.iter().find(|c| !c.is_ascii_whitespace());
    if matches!(first, Some(b'{' | b'[')) {
        depth::check(b)?;
        if let Ok(value) = serde_json::from_slice::<Value>(b) {
            return Ok(Decoded { value, json: true });
        }
    }
    Ok(Decoded::plain(bytes_value(b)))
}

/// Bytes as a JSON value: a string when they are UTF-8, `{"base64": "..."}` otherwise. This is
/// the capture format's rule, used wherever bytes must survive a trip through JSON.
pub fn bytes_value(b: &[u8]) -> Value {
    match std::str::from_utf8(b) {
        Ok(s) => Value::String(s.to_owned()),
        Err(_) => {
            let mut m = serde_json::Map::new();
            m.insert(
                "base64".into(),
                Value::String(base64::engine::general_purpose::STANDARD.encode(b)),
            );
            Value::Object(m)
        }
    }
}

/// Lower-case hex.
pub fn hex(b: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(b.len() * 2);
    for &c in b {
        s.push(DIGITS[(c >> 4) as usize] as char);
        s.push(DIGITS[(c & 15) as usize] as char);
    }
    s
}

/// Encode a key typed on the command line into bytes, in a format (the inverse of `decode` for
/// the formats where that makes sense).
pub fn encode_text(format: Encoding, s: &str) -> Result<Vec<u8>, DecodeError> {
    match format {
        Encoding::Auto | Encoding::String | Encoding::Json => Ok(s.as_bytes().to_vec()),
        Encoding::Int32 => s
            .trim()
            .parse::<i32>()
            .map(|n| n.to_be_bytes().to_vec())
            .map_err(|e| DecodeError(format!("'{s}' is not an int32 ({e})"))),
        Encoding::Int64 => s
            .trim()
            .parse::<i64>()
            .map(|n| n.to_be_bytes().to_vec())
            .map_err(|e| DecodeError(format!("'{s}' is not an int64 ({e})"))),
        Encoding::Hex => {
            let s = s.trim();
            let not_hex = || DecodeError(format!("'{s}' is not hex"));
            if s.len() % 2 != 0 {
                return Err(DecodeError(format!(
                    "'{s}' is not hex: odd number of digits"
                )));
            }
            // Pairs of bytes, not of chars: a non-ASCII character is not a hex digit, and
            // slicing the text in the middle of one would panic.
            s.as_bytes()
                .chunks(2)
                .map(|pair| {
                    let digit = |c: u8| (c as char).to_digit(16).ok_or_else(not_hex);
                    Ok((digit(pair[0])? * 16 + digit(pair[1])?) as u8)
                })
                .collect()
        }
        Encoding::Base64 => base64::engine::general_purpose::STANDARD
            .decode(s.trim())
            .map_err(|e| DecodeError(format!("'{s}' is not base64 ({e})"))),
        Encoding::Avro => Err(DecodeError(
            "avro keys cannot be typed on the command line".into(),
        )),
        Encoding::Protobuf(_) => Err(DecodeError(
            "protobuf keys cannot be typed on the command line".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn auto_keeps_scalars_as_text() {
        assert_eq!(
            decode(Encoding::Auto, Some(b"null")).unwrap().value,
            json!("null")
        );
        assert_eq!(decode(Encoding::Auto, None).unwrap().value, Value::Null);
        let d = decode(Encoding::Auto, Some(br#" {"a":1}"#)).unwrap();
        assert!(d.json);
        assert_eq!(d.value, json!({"a":1}));
        assert_eq!(
            decode(Encoding::Auto, Some(b"{broken")).unwrap().value,
            json!("{broken")
        );
        assert_eq!(
            decode(Encoding::Auto, Some(&[0xff, 0x00])).unwrap().value,
            json!({"base64": "/wA="})
        );
    }

    #[test]
    fn too_deep_json_is_a_named_decode_error_and_shown_as_text() {
        let deep = format!("{}{}", "[".repeat(20_000), "]".repeat(20_000));
        for format in [Encoding::Auto, Encoding::Json] {
            let e = decode(format, Some(deep.as_bytes())).unwrap_err();
            assert_eq!(e.0, "nested deeper than 100 levels");
            let (d, why) = decode_or_auto(format, Some(deep.as_bytes()));
            assert_eq!(d.value, Value::String(deep.clone()));
            assert_eq!(why, Some(e));
        }
    }

    #[test]
    fn typed_formats() {
        assert_eq!(
            decode(Encoding::Int32, Some(&[0, 0, 1, 0])).unwrap().value,
            json!(256)
        );
        assert_eq!(
            decode(Encoding::Int64, Some(&(-2i64).to_be_bytes()))
                .unwrap()
                .value,
            json!(-2)
        );
        assert!(decode(Encoding::Int32, Some(b"abc")).is_err());
        assert_eq!(
            decode(Encoding::Hex, Some(&[0xde, 0xad])).unwrap().value,
            json!("dead")
        );
        assert_eq!(
            decode(Encoding::Base64, Some(b"hi")).unwrap().value,
            json!("aGk=")
        );
        assert!(decode(Encoding::Json, Some(b"nope")).is_err());
        assert_eq!(
            decode(Encoding::Json, Some(b"null")).unwrap().value,
            Value::Null
        );
        assert!(decode(Encoding::String, Some(&[0xff])).is_err());
    }

    #[test]
    fn typed_keys_encode() {
        assert_eq!(
            encode_text(Encoding::Int32, "256").unwrap(),
            vec![0, 0, 1, 0]
        );
        assert_eq!(
            encode_text(Encoding::Hex, "dead").unwrap(),
            vec![0xde, 0xad]
        );
        assert_eq!(
            encode_text(Encoding::Base64, "aGk=").unwrap(),
            b"hi".to_vec()
        );
        assert!(encode_text(Encoding::Hex, "abc").is_err());
    }

    #[test]
    fn hex_keys_with_non_ascii_characters_are_an_error_not_a_panic() {
        for s in ["aé1", "éé", "+1", "-1", "0x", "é"] {
            assert!(encode_text(Encoding::Hex, s).is_err(), "{s}");
        }
        assert_eq!(
            encode_text(Encoding::Hex, " DEad ").unwrap(),
            vec![0xde, 0xad]
        );
    }
}

//! The `protobuf` key and value format: bytes to the canonical proto3 JSON mapping, through
//! [`crate::schema::protobuf`] (the same code `schema-validate` uses). A payload whose first byte
//! is 0 is Confluent-framed (a Protobuf message never starts with byte 0: no field has number
//! 0), and is read with the registry schema its id names and the message its index path names;
//! any other payload is a bare message of the type given on the command line (`--proto-type`,
//! from `--proto-file` or `--protoset`). A codec is a value built once at the edge; it does no
//! I/O itself, it asks its [`Files`] lookup (which may ask a registry once per id and cache).

use std::sync::Arc;

use serde_json::Value;

use super::DecodeError;
use crate::schema::protobuf::direct::PlanCache;
use crate::schema::protobuf::{framing, json, FileDescriptor, MessageDescriptor};

pub use crate::schema::protobuf::json::JsonOptions;

/// Where the schema files of framed payloads come from: a registry schema id to the compiled
/// file (its references resolved).
pub trait Files: Send + Sync {
    fn by_id(&self, id: u32) -> Result<FileDescriptor, String>;
}

/// How one side of a record (key or value) is read as Protobuf.
#[derive(Clone)]
pub struct ProtobufCodec {
    /// The registry's files, for Confluent-framed payloads.
    pub registry: Option<Arc<dyn Files>>,
    /// The message type of bare payloads.
    pub bare: Option<MessageDescriptor>,
    pub json: JsonOptions,
    /// The wire-to-JSON plans of the message types met so far.
    pub plans: PlanCache,
}

impl std::fmt::Debug for ProtobufCodec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProtobufCodec")
            .field("registry", &self.registry.is_some())
            .field(
                "bare",
                &self.bare.as_ref().map(|m| m.full_name().to_owned()),
            )
            .field("json", &self.json)
            .finish_non_exhaustive()
    }
}

impl ProtobufCodec {
    /// The message type and the message bytes of a payload.
    pub fn message<'a>(&self, b: &'a [u8]) -> Result<(MessageDescriptor, &'a [u8]), DecodeError> {
        if b.first() == Some(&0) {
            let Some(registry) = &self.registry else {
                return Err(DecodeError(
                    "Confluent-framed Protobuf (first byte 0) needs --registry URL".into(),
                ));
            };
            let f = framing::unframe(b).map_err(|e| DecodeError(e.0))?;
            let file = registry
                .by_id(f.id)
                .map_err(|e| DecodeError(format!("schema id {}: {e}", f.id)))?;
            let desc = framing::resolve(&file, &f.path)
                .map_err(|e| DecodeError(format!("schema id {}: {e}", f.id)))?;
            return Ok((desc, f.message));
        }
        match &self.bare {
            Some(desc) => Ok((desc.clone(), b)),
            None => Err(DecodeError(
                "not Confluent-framed, and no --proto-type was given for bare Protobuf messages"
                    .into(),
            )),
        }
    }

    /// Decode a payload to its JSON view (read back from its text, as
    /// [`json::message_json`] does).
    pub fn decode(&self, b: &[u8]) -> Result<Value, DecodeError> {
        let (desc, message) = self.message(b)?;
        let mut text = Vec::new();
        self.write_message(&desc, message, &mut text)?;
        serde_json::from_slice(&text).map_err(|e| {
            DecodeError(format!(
                "cannot read {} back as JSON: {e}",
                desc.full_name()
            ))
        })
    }

    /// Decode a payload and append its JSON text to `out` (nothing is appended on an error).
    pub fn write(&self, b: &[u8], out: &mut Vec<u8>) -> Result<(), DecodeError> {
        let (desc, message) = self.message(b)?;
        self.write_message(&desc, message, out)
    }

    /// A message's JSON text: walked straight from its bytes ([`crate::schema::protobuf::direct`]),
    /// or, where that walk does not decide, decoded (with the decode's verdict and errors).
    fn write_message(
        &self,
        desc: &MessageDescriptor,
        message: &[u8],
        out: &mut Vec<u8>,
    ) -> Result<(), DecodeError> {
        let plans = self.plans.get(desc);
        if plans.write(message, self.json.proto_names, out).is_some() {
            return Ok(());
        }
        let start = out.len();
        json::write_json(desc, message, self.json, out).map_err(|e| {
            out.truncate(start);
            DecodeError(e.0)
        })
    }
}

/// How a new key is written as a Confluent-framed Protobuf message (rekey's
/// `--key-format protobuf`): the registry schema's id and the key's message type, whose index
/// path goes in the frame.
#[derive(Clone)]
pub struct KeyWriter {
    pub id: u32,
    pub message: MessageDescriptor,
}

impl std::fmt::Debug for KeyWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "KeyWriter({} of schema id {})",
            self.message.full_name(),
            self.id
        )
    }
}

impl KeyWriter {
    /// The key from its JSON view: an object in the proto3 JSON mapping (no unknown fields), or
    /// a scalar for a key message of one field (`{"paymentId": v}` for a `PaymentKey` with only
    /// `payment_id`), as Confluent's serializers frame it.
    pub fn encode(&self, v: &Value) -> Result<Vec<u8>, DecodeError> {
        use prost::Message;
        let name = self.message.full_name();
        let wrapped;
        let json = if v.is_object() {
            v
        } else {
            let mut fields = self.message.fields();
            let (Some(only), None) = (fields.next(), fields.next()) else {
                return Err(DecodeError(format!(
                    "{v} is not an object, and {name} has {} fields: give the key as an object",
                    self.message.fields().len()
                )));
            };
            wrapped = serde_json::json!({ only.json_name(): v });
            &wrapped
        };
        let opts = prost_reflect::DeserializeOptions::new().deny_unknown_fields(true);
        let msg = prost_reflect::DynamicMessage::deserialize_with_options(
            self.message.clone(),
            json,
            &opts,
        )
        .map_err(|e| DecodeError(format!("{v} is not a {name}: {e}")))?;
        Ok(framing::frame(
            self.id,
            &framing::path_of(&self.message),
            &msg.encode_to_vec(),
        ))
    }
}

/// Why Protobuf bytes were not read: no codec was built for their side.
pub fn no_schemas() -> DecodeError {
    DecodeError(
        "protobuf decoding needs --registry URL or --proto-type with --proto-file/--protoset"
            .into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::protobuf::pool::from_sources;
    use serde_json::json;

    struct One(FileDescriptor);

    impl Files for One {
        fn by_id(&self, id: u32) -> Result<FileDescriptor, String> {
            if id == 7 {
                Ok(self.0.clone())
            } else {
                Err("Schema 404 not found".into())
            }
        }
    }

    fn codec(registry: bool, bare: bool) -> ProtobufCodec {
        let file = from_sources(
            "p.proto",
            &[(
                "p.proto".into(),
                "syntax = \"proto3\"; package p; message A { string s = 1; } message B { message C { int64 n = 1; } }".into(),
            )],
        )
        .unwrap();
        ProtobufCodec {
            bare: bare.then(|| file.messages().next().unwrap()),
            registry: registry.then(|| Arc::new(One(file)) as Arc<dyn Files>),
            json: JsonOptions::default(),
            plans: PlanCache::default(),
        }
    }

    #[test]
    fn framed_payloads_use_the_message_their_path_names() {
        let c = codec(true, false);
        assert_eq!(
            c.decode(&framing::frame(7, &[0], b"\x0a\x01x")).unwrap(),
            json!({"s": "x"})
        );
        assert_eq!(
            c.decode(&framing::frame(7, &[1, 0], b"\x08\x05")).unwrap(),
            json!({"n": "5"})
        );
    }

    #[test]
    fn bad_framed_payloads_are_named_decode_errors() {
        let c = codec(true, true);
        let cases: Vec<(Vec<u8>, &str)> = vec![
            (
                framing::frame(8, &[0], b""),
                "schema id 8: Schema 404 not found",
            ),
            (
                framing::frame(7, &[2], b""),
                "schema id 7: message-index path [2] is out of range",
            ),
            (framing::frame(7, &[1, 1], b""), "out of range"),
            (vec![0, 0, 0, 0, 7, 0x81], "truncated varint"),
            (framing::frame(7, &[0], b"\x0a\x05x"), "not a p.A message"),
            (framing::frame(7, &[0], b"\x0d\x01"), "not a p.A message"),
        ];
        for (bytes, want) in cases {
            let e = c.decode(&bytes).unwrap_err();
            assert!(e.0.contains(want), "{bytes:?}: {e}");
        }
    }

    #[test]
    fn bare_payloads_need_a_type_and_framed_ones_a_registry() {
        assert_eq!(
            codec(false, true).decode(b"\x0a\x01y").unwrap(),
            json!({"s": "y"})
        );
        assert_eq!(codec(false, true).decode(b"").unwrap(), json!({}));
        let e = codec(true, false).decode(b"\x0a\x01y").unwrap_err();
        assert!(e.0.contains("--proto-type"), "{e}");
        let e = codec(false, true)
            .decode(&framing::frame(7, &[0], b""))
            .unwrap_err();
        assert!(e.0.contains("--registry"), "{e}");
    }

    #[test]
    fn keys_are_written_framed_from_objects_and_scalars_and_read_back() {
        let file = from_sources(
            "k.proto",
            &[(
                "k.proto".into(),
                "syntax = \"proto3\"; package k; message Two { string a = 1; int64 b = 2; } message Outer { message One { string user_id = 1; } }".into(),
            )],
        )
        .unwrap();
        let pool = file.parent_pool();
        let one = KeyWriter {
            id: 7,
            message: pool.get_message_by_name("k.Outer.One").unwrap(),
        };
        let bytes = one.encode(&json!("u-1")).unwrap();
        assert_eq!(&bytes[..8], &[0, 0, 0, 0, 7, 4, 2, 0], "path [1, 0]");
        let read = ProtobufCodec {
            registry: Some(Arc::new(One(file.clone()))),
            bare: None,
            json: JsonOptions::default(),
            plans: PlanCache::default(),
        };
        assert_eq!(read.decode(&bytes).unwrap(), json!({"userId": "u-1"}));
        assert_eq!(one.encode(&json!({"userId": "u-1"})).unwrap(), bytes);
        let two = KeyWriter {
            id: 7,
            message: pool.get_message_by_name("k.Two").unwrap(),
        };
        let bytes = two.encode(&json!({"a": "x", "b": 5})).unwrap();
        assert_eq!(read.decode(&bytes).unwrap(), json!({"a": "x", "b": "5"}));
        for (bad, want) in [
            (json!("x"), "has 2 fields"),
            (json!({"c": 1}), "is not a k.Two"),
            (json!({"b": "many"}), "is not a k.Two"),
        ] {
            let e = two.encode(&bad).unwrap_err();
            assert!(e.0.contains(want), "{bad}: {e}");
        }
    }

    #[test]
    fn codecs_decode_each_side_with_its_own_codec_and_refuse_a_side_without_one() {
        use crate::codec::{Codecs, Encoding, Side};
        let value = Encoding::Protobuf(Side::Value);
        let codecs = Codecs::new(Encoding::Protobuf(Side::Key), value)
            .with_protobuf(None, Some(codec(false, true)));
        assert!(codecs.missing_protobuf());
        assert_eq!(
            codecs.decode(value, Some(b"\x0a\x01y")).unwrap().value,
            json!({"s": "y"})
        );
        let e = codecs.key(Some(b"\x0a\x01y")).1.unwrap();
        assert_eq!(e, no_schemas());
        let both = Codecs::new(Encoding::Auto, value).with_protobuf(None, Some(codec(true, true)));
        assert!(!both.missing_protobuf());
    }
}

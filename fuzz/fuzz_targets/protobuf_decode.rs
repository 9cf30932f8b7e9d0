//! The `protobuf` key/value format (`src/codec/protobuf.rs`, `src/schema/protobuf/`): Confluent
//! framing with its message-index path round-trips; any payload, framed (through a registry
//! holding the test schema under id 1, every other id unknown) or bare, decodes or is refused
//! with a reason; a decoded view parses back (proto3 JSON mapping) to a message that encodes
//! and decodes to the same view; a payload the validation shortcut walks valid decodes; the
//! wire-to-JSON walk (`schema::protobuf::direct`) writes what the decoding path writes, or
//! leaves the payload to it.
#![no_main]

use std::sync::{Arc, OnceLock};

use evops::codec::protobuf::{Files, JsonOptions, ProtobufCodec};
use evops::schema::protobuf::{direct, framing, pool, wire, FileDescriptor};
use libfuzzer_sys::fuzz_target;
use prost::Message;
use prost_reflect::DynamicMessage;

struct Registry(FileDescriptor);

impl Files for Registry {
    fn by_id(&self, id: u32) -> Result<FileDescriptor, String> {
        match id {
            1 => Ok(self.0.clone()),
            _ => Err(format!("no schema {id}")),
        }
    }
}

fn codec() -> &'static ProtobufCodec {
    static CODEC: OnceLock<ProtobufCodec> = OnceLock::new();
    CODEC.get_or_init(|| {
        let file = pool::from_sources(
            "shop/payment.proto",
            &[
                (
                    "shop/payment.proto".into(),
                    include_str!("../../tests/data/protobuf/shop/payment.proto").into(),
                ),
                (
                    "common/money.proto".into(),
                    include_str!("../../tests/data/protobuf/common/money.proto").into(),
                ),
            ],
        )
        .expect("schema");
        let bare = file.messages().next();
        ProtobufCodec {
            bare,
            registry: Some(Arc::new(Registry(file))),
            json: JsonOptions::default(),
            plans: Default::default(),
        }
    })
}

fuzz_target!(|data: &[u8]| {
    if let Ok(f) = framing::unframe(data) {
        let again = framing::frame(f.id, &f.path, f.message);
        // A [0] path has two spellings (a lone 0, or count 1 then 0): compare what they mean.
        assert_eq!(framing::unframe(&again).unwrap(), f);
    }
    let c = codec();
    let Ok((desc, message)) = c.message(data) else {
        return;
    };
    // The validation shortcut never calls valid what a full decode refuses.
    if wire::walk(&desc, message) == wire::Walk::Valid {
        assert!(
            DynamicMessage::decode(desc.clone(), message).is_ok(),
            "walked valid: {message:?}"
        );
    }
    // The walk and the decoding path agree, under either field naming.
    let plans = c.plans.get(&desc);
    for proto_names in [false, true] {
        if let Some(why) = direct::disagreement(&plans, &desc, message, proto_names) {
            panic!("{why}\nfrom {message:?}");
        }
    }
    let Ok(view) = c.decode(data) else { return };
    let parsed = match DynamicMessage::deserialize(desc.clone(), &view) {
        Ok(parsed) => parsed,
        // A float at f32's edge prints with MessageToJson's digits (3.4028235e38 for f32::MAX,
        // a hair above it as a decimal), which prost-reflect reads back as out of range, as
        // protobuf's own Parse does: printed as the reference prints, not a decoding fault.
        Err(e) if e.to_string().contains("float value out of range") => return,
        Err(e) => panic!("a decoded view parses back: {e}"),
    };
    let bytes = parsed.encode_to_vec();
    let again = evops::schema::protobuf::json::to_json(&desc, &bytes, JsonOptions::default())
        .expect("re-encoded message decodes");
    assert_eq!(again, view, "from {message:?}");
});

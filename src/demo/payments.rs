//! The demo's Protobuf topic, `payments`: what a payments service writes with Confluent's
//! KafkaProtobufSerializer, registry-framed (byte 0, schema id [`SCHEMA_ID`], the index path of
//! `demo.payments.Payment`, the message). Its `.proto` file is shipped in the binary, and
//! [`Registry`] is the embedded cluster's built-in schema registry: it holds that file under
//! that id, so that `evops -b embedded tail payments` decodes the topic with no flag at all.

use serde_json::{json, Value};

use super::{any_article, any_user, Ev, Producer, Rng, HISTORY_MS, KOTLIN_HOSTS};
use crate::codec::protobuf::Files;
use crate::schema::protobuf::{framing, pool, FileDescriptor, MessageDescriptor};

/// The schema file, as a registry would hold it.
pub const PROTO: &str = include_str!("payments.proto");

/// The name the file is registered and compiled under.
pub const FILE_NAME: &str = "demo/payments.proto";

/// The id the built-in registry gives the schema.
pub const SCHEMA_ID: u32 = 1;

/// How many payments are seeded.
pub const SEEDED: u64 = 120;

/// The built-in registry of the embedded cluster: the one schema of `payments`.
pub struct Registry(FileDescriptor);

impl Registry {
    pub fn new() -> Registry {
        Registry(file())
    }
}

impl Default for Registry {
    fn default() -> Registry {
        Registry::new()
    }
}

impl Files for Registry {
    fn by_id(&self, id: u32) -> Result<FileDescriptor, String> {
        if id == SCHEMA_ID {
            Ok(self.0.clone())
        } else {
            Err(format!(
                "the embedded cluster's registry has only schema id {SCHEMA_ID}"
            ))
        }
    }
}

/// The compiled schema file (the well-known types it imports are built in).
fn file() -> FileDescriptor {
    pool::from_sources(FILE_NAME, &[(FILE_NAME.into(), PROTO.into())])
        .expect("the demo's payments.proto compiles")
}

/// `demo.payments.Payment`.
fn payment_type(file: &FileDescriptor) -> MessageDescriptor {
    file.messages()
        .find(|m| m.name() == "Payment")
        .expect("payments.proto defines Payment")
}

/// Payments over the seeded history, keyed by payment id, drawn from a generator of their own
/// so that the JSON topics stay as they were.
pub(super) fn seed(evs: &mut Vec<Ev>, start: i64, seed: u64) {
    let desc = payment_type(&file());
    let path = framing::path_of(&desc);
    let mut rng = Rng::new(seed ^ 0x7061_796d_656e_7473);
    for n in 0..SEEDED {
        let ts = start + rng.below(HISTORY_MS as u64 - 60_000) as i64;
        let payment = event(&mut rng, n, ts);
        let message = encode(&desc, &payment);
        evs.push(Ev {
            topic: "payments",
            key: Some(format!("p-{}", 70_000 + n)),
            value: Some(framing::frame(SCHEMA_ID, &path, &message)),
            ts,
            producer: Producer::Payments,
        });
    }
}

/// One payment, in the proto3 JSON mapping.
fn event(rng: &mut Rng, n: u64, ts: i64) -> Value {
    let status = match rng.below(20) {
        0 => "DECLINED",
        1 | 2 => "REFUNDED",
        3 | 4 => "AUTHORIZED",
        _ => "CAPTURED",
    };
    let (currency, fee) = *rng.pick(&[("EUR", 0.015), ("GBP", 0.019), ("USD", 0.029)]);
    let mut p = json!({
        "paymentId": format!("p-{}", 70_000 + n),
        "userId": any_user(rng),
        "amount": {"minorUnits": (299 + 100 * rng.below(30)).to_string(), "currency": currency},
        "status": status,
        "createdAt": crate::position::format_millis(ts),
        "feeRate": fee,
        "metadata": {"host": *rng.pick(KOTLIN_HOSTS)},
    });
    if rng.chance(60) {
        p["tribeId"] = json!(format!("t-{:02}", 1 + rng.below(8)));
    } else {
        p["articleId"] = json!(any_article(rng));
    }
    p
}

/// A message from its JSON mapping, as bytes.
fn encode(desc: &MessageDescriptor, v: &Value) -> Vec<u8> {
    use prost::Message;
    prost_reflect::DynamicMessage::deserialize(desc.clone(), v)
        .expect("a demo payment is a Payment")
        .encode_to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::protobuf::json::{to_json, JsonOptions};

    #[test]
    fn seeded_payments_are_framed_with_the_built_in_registrys_schema() {
        let mut evs = Vec::new();
        seed(&mut evs, 1_763_892_000_000, 42);
        assert_eq!(evs.len() as u64, SEEDED);
        let registry = Registry::new();
        for e in &evs {
            let bytes = e.value.as_deref().unwrap();
            let f = framing::unframe(bytes).unwrap();
            let file = registry.by_id(f.id).unwrap();
            let desc = framing::resolve(&file, &f.path).unwrap();
            assert_eq!(desc.full_name(), "demo.payments.Payment");
            let v = to_json(&desc, f.message, JsonOptions::default()).unwrap();
            assert_eq!(v["paymentId"], e.key.as_deref().unwrap());
            assert!(v["amount"]["minorUnits"].is_string(), "{v}");
        }
        assert!(registry.by_id(SCHEMA_ID + 1).is_err());
    }
}

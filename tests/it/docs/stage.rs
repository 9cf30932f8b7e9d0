//! The world the documentation's examples run in: a broker of their own holding the topics
//! they name (`orders`, `payments`, `users`, ...) seeded with envelope events over the last 26
//! hours, the test registry holding the subjects they ask for, a config file whose `local`
//! (default) and `prod` profiles point at that broker and registry, and a working directory
//! with the files they read (`./orders.ndjson`, `./incident.ndjson`, `./events`, `./schemas`,
//! `old.avsc`, `keys.tsv`, ...). Examples run there as written, through `bash`: only the
//! addresses they name (`kafka:9092`, the registry's, the demo's) become the test's own.

use std::path::Path;

use serde_json::{json, Value};

use crate::harness::{evops, now_ms, produce_with, OwnBroker, Rec, RegistryServer};

/// Topics the examples read or write, with their partitions.
const TOPICS: &[(&str, i32)] = &[
    ("orders", 6),
    ("orders.eu", 3),
    ("orders.dlq", 6),
    ("payments", 4),
    ("payments.eu", 2),
    ("users", 3),
    ("orders-staging", 6),
    ("orders-reprocess", 6),
    ("orders-rebuild", 6),
    ("orders-quarantine", 6),
    ("orders-by-customer", 6),
    ("orders-by-tenant", 6),
    ("users-v2", 3),
    ("payments-pb", 2),
    ("payments-pb-bare", 2),
    ("payments-by-order", 4),
    ("payments-pb-keyed", 2),
];

/// What a subject in the registry holds.
pub enum Subject {
    Avro(&'static str),
    Json(&'static str),
    /// `.proto` text, inline.
    Protobuf(&'static str),
}

pub struct Stage {
    pub broker: OwnBroker,
    pub registry: RegistryServer,
    /// The working directory of every example.
    pub dir: tempfile::TempDir,
    /// `$HOME`, with `.config/evops/config.toml`.
    pub home: tempfile::TempDir,
}

impl Stage {
    /// A stage whose registry's `users-value` subject holds `users`.
    pub fn new(users: Subject) -> Stage {
        let broker = OwnBroker::start();
        for (name, partitions) in TOPICS {
            broker.create(name, *partitions);
        }
        seed(&broker.addr);
        let registry = RegistryServer::start(&[]);
        register(&registry, "users-value", &users);
        register(&registry, "orders-value", &Subject::Json(ORDER_SCHEMA));
        let id = register(
            &registry,
            "payments-pb-value",
            &Subject::Protobuf(PAYMENT_PROTO),
        );
        seed_protobuf(&broker.addr, id);
        let key_id = register(
            &registry,
            "payments-by-order-key",
            &Subject::Protobuf(ORDER_KEY_PROTO),
        );
        seed_protobuf_keys(&broker.addr, key_id);
        let stage = Stage {
            broker,
            registry,
            dir: tempfile::tempdir().unwrap(),
            home: tempfile::tempdir().unwrap(),
        };
        stage.write_config();
        stage.write_files();
        stage
    }

    /// Write the config file of `--profile prod` and of the default profile.
    fn write_config(&self) {
        let config = self.home.path().join(".config/evops");
        std::fs::create_dir_all(&config).unwrap();
        let addr = &self.broker.addr;
        let url = &self.registry.url;
        std::fs::write(
            config.join("config.toml"),
            format!(
                "default_profile = \"local\"\n\n[profiles.local]\nbrokers = \"{addr}\"\n\n\
                 [profiles.prod]\nbrokers = \"{addr}\"\nschema_registry = \"{url}\"\n"
            ),
        )
        .unwrap();
    }

    /// The files the examples name, in the working directory.
    fn write_files(&self) {
        let dir = self.dir.path();
        let capture = evops(&[
            "-b",
            &self.broker.addr,
            "tail",
            "orders",
            "-o",
            "beginning",
            "-e",
            "-f",
            "capture",
        ])
        .run();
        capture.code(0);
        for name in ["orders.ndjson", "incident.ndjson", "capture.ndjson"] {
            std::fs::write(dir.join(name), &capture.stdout).unwrap();
        }
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
        copy_dir(&data.join("events/valid"), &dir.join("events"));
        copy_dir(&data.join("schemas/demo"), &dir.join("schemas"));
        copy_dir(
            &data.join("schemas/demo"),
            &dir.join("tests/data/schemas/demo"),
        );
        let compat = data.join("schemas/compat");
        for (from, to) in [
            ("user-v1.avsc", "old.avsc"),
            ("user-v2-default.avsc", "new.avsc"),
            ("order-v2-optional-added.json", "new.json"),
        ] {
            std::fs::create_dir_all(dir.join(to).parent().unwrap()).unwrap();
            std::fs::copy(compat.join(from), dir.join(to)).unwrap();
        }
        std::fs::write(dir.join("payments.avsc"), PAYMENT_SCHEMA).unwrap();
        std::fs::create_dir_all(dir.join("protos/shop")).unwrap();
        std::fs::write(dir.join("protos/shop/payment.proto"), PAYMENT_PROTO).unwrap();
        std::fs::write(
            dir.join("keys.tsv"),
            "order-9\t1\norder-10\t2\nuser-1234\t3\n",
        )
        .unwrap();
    }

    /// Files only some examples name, which would be in the way of others (two schemas named
    /// `user` inside `./schemas`, the schema directory of `schema-validate ./events`): written
    /// before such an example runs; the caller removes them after it.
    pub fn files_of(&self, line: &str) -> Vec<std::path::PathBuf> {
        let compat = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/schemas/compat");
        let mut written = Vec::new();
        for (name, from) in [
            ("schemas/v1/user.avsc", "user-v1.avsc"),
            ("schemas/v2/user.avsc", "user-v2-default.avsc"),
        ] {
            if line.contains(name) {
                let to = self.dir.path().join(name);
                std::fs::create_dir_all(to.parent().unwrap()).unwrap();
                std::fs::copy(compat.join(from), &to).unwrap();
                written.push(to);
            }
        }
        written
    }

    /// Each address an example names, and the test's own for it.
    pub fn addresses(&self) -> Vec<(&'static str, String)> {
        vec![
            ("kafka:9092", self.broker.addr.clone()),
            ("http://registry:8081", self.registry.url.clone()),
            ("https://registry.prod", self.registry.url.clone()),
        ]
    }
}

/// A JSON Schema of the orders' events (for the registry's `orders-value`).
const ORDER_SCHEMA: &str = r#"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "required": ["data", "meta"],
  "properties": {
    "data": {
      "type": "object",
      "required": ["id", "type", "attributes"],
      "properties": {"id": {"type": "string"}, "type": {"type": "string"}}
    },
    "meta": {"type": "object", "required": ["created_at"]}
  }
}"#;

/// The payments' events in Avro's JSON encoding.
const PAYMENT_SCHEMA: &str = r#"{
  "type": "record", "name": "Payment", "fields": [
    {"name": "data", "type": {"type": "record", "name": "Data", "fields": [
      {"name": "id", "type": "string"},
      {"name": "type", "type": "string"},
      {"name": "attributes", "type": {"type": "record", "name": "Attributes", "fields": [
        {"name": "order_id", "type": "string"},
        {"name": "user_id", "type": "string"},
        {"name": "amount", "type": "long"}]}}]}},
    {"name": "meta", "type": {"type": "record", "name": "Meta", "fields": [
      {"name": "created_at", "type": "string"},
      {"name": "host", "type": "string"},
      {"name": "tenant", "type": "string"}]}}]
}"#;

/// Register a schema under a subject; its id.
/// The payments as Protobuf (`protos/shop/payment.proto`, the registry's `payments-pb-value`):
/// the envelope, its attributes free-form.
const PAYMENT_PROTO: &str = r#"syntax = "proto3";
package shop;
import "google/protobuf/struct.proto";

message Payment {
  message Data {
    string id = 1;
    string type = 2;
    google.protobuf.Struct attributes = 3;
  }
  message Meta {
    string created_at = 1;
    string host = 2;
    string tenant = 3;
  }
  Data data = 1;
  Meta meta = 2;
  string status = 3;
}
"#;

/// The key of `payments-by-order` (rekey's `--key-format protobuf` example): one field.
const ORDER_KEY_PROTO: &str =
    "syntax = \"proto3\";\npackage shop;\n\nmessage OrderKey {\n  string order_id = 1;\n}\n";

/// Payments of the last 20 minutes as Protobuf `shop.Payment`: Confluent-framed with schema
/// `id` in `payments-pb`, bare in `payments-pb-bare`; every fourth one refunded.
fn seed_protobuf(addr: &str, id: u32) {
    use prost::Message;
    let file = evops::schema::protobuf::pool::from_sources(
        "shop/payment.proto",
        &[("shop/payment.proto".into(), PAYMENT_PROTO.into())],
    )
    .unwrap();
    let payment = file.messages().next().unwrap();
    let bare: Vec<Rec> = (0..20)
        .map(|i| {
            let mut value = envelope(
                &format!("p-{i}"),
                "payment_captured",
                json!({"order_id": format!("o-{}", 900 + i), "amount": i}),
                "pay-1",
                "t0",
            );
            value["status"] = json!(if i % 4 == 0 { "REFUNDED" } else { "CAPTURED" });
            let msg = prost_reflect::DynamicMessage::deserialize(payment.clone(), value).unwrap();
            let mut rec = event(&format!("o-{}", 900 + i), i, Value::Null, "kotlin-api");
            rec.value = Some(msg.encode_to_vec());
            rec
        })
        .collect();
    let framed: Vec<Rec> = bare
        .iter()
        .map(|r| {
            let message = r.value.as_deref().unwrap();
            Rec {
                value: Some(evops::schema::protobuf::framing::frame(id, &[0], message)),
                ..r.clone()
            }
        })
        .collect();
    let props = [("partitioner", "murmur2_random")];
    produce_with(addr, "payments-pb", &framed, &props);
    produce_with(addr, "payments-pb-bare", &bare, &props);
}

/// `payments-pb-keyed`: records keyed by Confluent-framed `shop.OrderKey` messages of schema
/// `id`, placed by the Java partitioner on the framed bytes (partition audit's
/// `--key-format protobuf` example: clean).
fn seed_protobuf_keys(addr: &str, id: u32) {
    use prost::Message;
    let file = evops::schema::protobuf::pool::from_sources(
        "key.proto",
        &[("key.proto".into(), ORDER_KEY_PROTO.into())],
    )
    .unwrap();
    let key_type = file.messages().next().unwrap();
    let recs: Vec<Rec> = (0..20)
        .map(|i| {
            let order = json!({"orderId": format!("o-{}", 900 + i % 7)});
            let msg = prost_reflect::DynamicMessage::deserialize(key_type.clone(), order).unwrap();
            let key = evops::schema::protobuf::framing::frame(id, &[0], &msg.encode_to_vec());
            let mut rec = event(&format!("o-{}", 900 + i), i, Value::Null, "kotlin-api");
            rec.partition = evops::partition::java().partition(Some(&key), 2).unwrap();
            rec.key = Some(key);
            rec
        })
        .collect();
    produce_with(addr, "payments-pb-keyed", &recs, &[]);
}

fn register(registry: &RegistryServer, subject: &str, schema: &Subject) -> u32 {
    let body = match schema {
        Subject::Avro(s) => json!({"schema": read_schema(s)}),
        Subject::Json(s) => json!({"schema": read_schema(s), "schemaType": "JSON"}),
        Subject::Protobuf(s) => json!({"schema": s, "schemaType": "PROTOBUF"}),
    };
    let answer = registry.call("POST", &format!("/subjects/{subject}/versions"), Some(body));
    let id = answer["id"].as_u64();
    assert!(id.is_some(), "register {subject}: {answer}");
    id.unwrap() as u32
}

/// A schema given inline, or by its file name in `tests/data/schemas/compat`.
fn read_schema(s: &str) -> String {
    if s.trim_start().starts_with('{') {
        return s.to_string();
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/schemas/compat")
        .join(s);
    std::fs::read_to_string(path).unwrap()
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

/// An envelope event as a record keyed `key`, `minutes` ago, placed by the Java partitioner.
fn event(key: &str, minutes: i64, value: Value, producer: &str) -> Rec {
    Rec {
        // Unassigned: the producer's partitioner (murmur2, as Java's) places it.
        partition: -1,
        key: Some(key.as_bytes().to_vec()),
        value: Some(value.to_string().into_bytes()),
        headers: vec![("producer".into(), Some(producer.as_bytes().to_vec()))],
        timestamp: now_ms() - minutes * 60_000,
    }
}

fn envelope(id: &str, kind: &str, attributes: Value, host: &str, tenant: &str) -> Value {
    json!({
        "data": {"id": id, "type": kind, "attributes": attributes},
        "meta": {"created_at": "2026-11-23T10:00:00Z", "host": host, "tenant": tenant}
    })
}

/// Orders, payments and users over the last 26 hours; user `u-1234` (also keyed `user-1234`),
/// order `o-981` and customer 1234 have stories across the topics.
fn seed(addr: &str) {
    const KINDS: [&str; 3] = ["order_placed", "order_paid", "order_cancelled"];
    let order = |i: i64| {
        let user = match i % 10 {
            0 => "u-1234".to_string(),
            1 => "user-1234".to_string(),
            n => format!("u-{n}"),
        };
        let value = envelope(
            &format!("o-{}", 900 + i),
            KINDS[(i % 3) as usize],
            json!({
                "amount": i * 7 % 250,
                "customer_id": 1230 + i % 5,
                "user_id": user,
                // An incident to grep for.
                "note": if i % 17 == 0 { "payment gateway timeout" } else { "" },
            }),
            &format!("api-{}", i % 3),
            &format!("t{}", i % 4),
        );
        let producer = if i % 2 == 0 {
            "node-checkout"
        } else {
            "kotlin-api"
        };
        event(&user, i * 13, value, producer)
    };
    let orders: Vec<Rec> = (0..120).map(order).collect();
    let props = [("partitioner", "murmur2_random")];
    produce_with(addr, "orders", &orders, &props);
    produce_with(addr, "orders.eu", &orders[..10], &props);
    let placed: Vec<Rec> = orders.iter().step_by(3).take(10).cloned().collect();
    produce_with(addr, "orders.dlq", &placed, &props);
    let payments: Vec<Rec> = (0..300)
        .map(|i| {
            let order = format!("o-{}", 900 + i % 120);
            // Now and then the customer's own payment method: an event whose id is the user.
            let (id, kind) = match i % 50 {
                0 => ("u-1234".to_string(), "payment_method_added"),
                _ => (format!("p-{i}"), "payment_captured"),
            };
            let value = envelope(
                &id,
                kind,
                json!({"order_id": order, "user_id": format!("u-{}", i % 10), "amount": i}),
                "pay-1",
                "t0",
            );
            event(&order, i * 5, value, "kotlin-api")
        })
        .collect();
    produce_with(addr, "payments", &payments, &props);
    produce_with(addr, "payments.eu", &payments[..10], &props);
    let users: Vec<Rec> = (0..20)
        .map(|i| {
            let id = if i == 0 {
                "u-1234".into()
            } else {
                format!("u-{i}")
            };
            let value = envelope(
                &id,
                "user_registered",
                json!({"user_id": id, "email": format!("driver{i}@example.com")}),
                "api-1",
                "t0",
            );
            event(&id, i * 60, value, "kotlin-api")
        })
        .collect();
    produce_with(addr, "users", &users, &props);
}

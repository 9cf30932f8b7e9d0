//! `evops rekey` on the real broker: new keys from a jq expression, placed by the Java
//! partitioner in a topic it creates (checked by `evops partition audit`), and records whose key
//! expression fails sent to the dead-letter file.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::harness::{broker, now_ms, produce, run, topic, topic_records, Rec};

/// Re-keying a topic into a new one with more partitions: every record gets its new key, sits
/// where the Java partitioner puts it (checked by `evops partition audit --expect java`), and
/// the summary says how many keys moved and that each landed on one partition.
#[test]
fn rekey_places_new_keys_with_the_partitioner() {
    let b = broker();
    let src = topic("rekey-src", 2);
    let dst = crate::harness::unique("rekey-dst");
    let recs: Vec<Rec> = (0..400)
        .map(|i| Rec {
            partition: i % 2,
            key: Some(format!("order-{i}").into_bytes()),
            value: Some(
                format!(
                    r#"{{"data":{{"type":"order_placed","attributes":{{"customer_id":"c-{}"}}}}}}"#,
                    i % 37
                )
                .into_bytes(),
            ),
            headers: vec![],
            timestamp: now_ms(),
        })
        .collect();
    produce(&b, &src, &recs);
    let out = run(&[
        "-b",
        &b,
        "rekey",
        &src,
        "--to",
        &dst,
        "--key",
        ".value.data.attributes.customer_id",
        "--create-topic",
        "--partitions",
        "6",
    ]);
    out.code(0);
    assert!(out.stderr.contains("37 keys"), "{}", out.stderr);
    assert!(
        out.stderr
            .contains("every key landed on exactly one partition"),
        "{}",
        out.stderr
    );
    let copies = topic_records(&b, &dst);
    assert_eq!(copies.len(), 400);
    let keys: BTreeSet<Vec<u8>> = copies.values().map(|r| r.key.clone().unwrap()).collect();
    assert_eq!(keys.len(), 37);
    let audit = run(&[
        "-b",
        &b,
        "partition",
        "audit",
        &dst,
        "--expect",
        "java",
        "--output",
        "json",
    ]);
    audit.code(0);
    let report: Value = serde_json::from_str(audit.text().trim()).unwrap();
    assert_eq!(report["split_keys"], 0, "{report}");
    assert_eq!(report["expect"]["mismatches"], 0, "{report}");
    assert_eq!(report["keyed"], 400, "{report}");

    // A key expression that fails sends the record to the dead-letter file and exits 1.
    let dead = dir_file("dead.ndjson");
    let bad = run(&[
        "-b",
        &b,
        "rekey",
        &src,
        "--to",
        &dst,
        "--key",
        ".value.data.attributes.missing",
        "--dead-letter",
        dead.to_str().unwrap(),
    ]);
    bad.code(1);
    assert_eq!(std::fs::read_to_string(&dead).unwrap().lines().count(), 400);
}

fn dir_file(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(crate::harness::unique("evops-replay"));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// `rekey --dry-run` used to write the dead-letter file of the keys that failed. A dry run
/// counts them and writes no file.
#[test]
fn rekey_dry_run_writes_no_file() {
    let dead = dir_file("dry-dead.ndjson");
    let out = run(&[
        "-b",
        "embedded",
        "rekey",
        "articles",
        "--to",
        "users",
        "--key",
        ".value.data.attributes.missing",
        "--dead-letter",
        dead.to_str().unwrap(),
        "--dry-run",
    ]);
    out.code(1);
    assert!(out.stderr.contains("would fail"), "{}", out.stderr);
    assert!(!dead.exists(), "a dry run wrote {}", dead.display());
}

/// rekey with Protobuf: values written by confluent-kafka-python's ProtobufSerializer, decoded
/// through the registry; new keys from a field of the value, written as Confluent-framed
/// `shop.PaymentKey` messages of the `<to>-key` subject and placed by the Java partitioner on
/// the framed bytes. The values are copied byte for byte, evops reads the keys back, and so
/// does confluent-kafka-python's ProtobufDeserializer.
#[test]
fn rekey_writes_protobuf_keys_from_protobuf_values() {
    let b = broker();
    let server = crate::harness::RegistryServer::start(&[]);
    let src = topic("rekey-pb-src", 2);
    let dst = crate::harness::unique("rekey-pb-dst");
    let lines: String = (0..12)
        .map(|i| {
            format!(
                "{{\"type\": \"shop.Payment\", \"json\": {{\"paymentId\": \"p-{}\", \"status\": \"CAPTURED\"}}}}\n",
                i % 5
            )
        })
        .collect();
    crate::protobuf::produce(&src, Some(&server.url), &lines);
    let key_proto = std::fs::read_to_string("tests/data/protobuf/shop/payment_key.proto").unwrap();
    let key_id = server.register(&format!("{dst}-key"), &key_proto, Some("PROTOBUF"), &[]);
    let out = run(&[
        "-b",
        &b,
        "rekey",
        &src,
        "--to",
        &dst,
        "--value-format",
        "protobuf",
        "--registry",
        &server.url,
        "--key",
        ".value.paymentId",
        "--key-format",
        "protobuf",
        "--create-topic",
        "--partitions",
        "3",
    ]);
    out.code(0);
    assert!(out.stderr.contains("5 keys"), "{}", out.stderr);
    let values = |t: &str| {
        let mut v: Vec<_> = topic_records(&b, t)
            .into_values()
            .map(|r| r.value)
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        values(&src),
        values(&dst),
        "values are copied byte for byte"
    );
    let copies = topic_records(&b, &dst);
    assert_eq!(copies.len(), 12);
    let mut hex = String::new();
    for ((partition, _), r) in &copies {
        let key = r.key.as_deref().unwrap();
        assert_eq!(key[..5], [[0].as_slice(), &key_id.to_be_bytes()].concat());
        let java = evops::partition::java().partition(Some(key), 3);
        assert_eq!(
            java,
            Some(*partition),
            "placed by murmur2 of the framed key"
        );
        hex.push_str(&evops::codec::hex(key));
        hex.push('\n');
    }
    // evops reads the new keys (and the copied values) through the registry...
    let read = crate::harness::evops(&[
        "-b",
        &b,
        "tail",
        &dst,
        "-o",
        "beginning",
        "-e",
        "-f",
        "json",
        "--key-format",
        "protobuf",
        "--value-format",
        "protobuf",
        "--registry",
        &server.url,
    ])
    .run();
    read.code(0);
    let mut by_place = std::collections::BTreeMap::new();
    for r in read.json_lines() {
        assert_eq!(r["key"]["paymentId"], r["value"]["paymentId"], "{r}");
        by_place.insert(
            (
                r["partition"].as_i64().unwrap(),
                r["offset"].as_i64().unwrap(),
            ),
            r["value"]["paymentId"].clone(),
        );
    }
    // ...and so does the real deserializer, record for record.
    let mut cmd = std::process::Command::new(crate::harness::python());
    cmd.args([
        "tests/vectors/protobuf_decode.py",
        "tests/data/protobuf",
        "shop.PaymentKey",
    ]);
    let decoded = crate::harness::pipe_through(cmd, hex.as_bytes(), "protobuf_decode.py");
    let decoded: Vec<Value> = String::from_utf8_lossy(&decoded)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let want: Vec<Value> = copies
        .keys()
        .map(|(p, o)| serde_json::json!({"paymentId": by_place[&(i64::from(*p), *o)]}))
        .collect();
    assert_eq!(decoded, want);
}

/// `--key-format protobuf` refuses, before reading anything, a key schema it cannot use and a
/// key expression's value that is not a key message.
#[test]
fn rekey_protobuf_keys_need_a_registry_subject_and_a_key_that_fits() {
    let server = crate::harness::RegistryServer::start(&[]);
    let args = |extra: &[&str]| {
        let mut a = vec![
            "-b",
            "embedded",
            "rekey",
            "payments",
            "--to",
            "users",
            "--key",
            ".topic",
            "--key-format",
            "protobuf",
            "--dry-run",
        ];
        a.extend_from_slice(extra);
        a.into_iter().map(str::to_owned).collect::<Vec<_>>()
    };
    let run_with = |extra: &[&str]| {
        let a = args(extra);
        run(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let no_registry = run_with(&[]);
    no_registry.code(2);
    assert!(
        no_registry.stderr.contains("needs --registry"),
        "{}",
        no_registry.stderr
    );
    let no_subject = run_with(&["--registry", &server.url]);
    no_subject.code(2);
    assert!(
        no_subject.stderr.contains("subject 'users-key'"),
        "{}",
        no_subject.stderr
    );
    // A key message of two fields takes an object, not the scalar the expression gives (the
    // topic's name): every record is a counted dead letter of the dry run, named.
    server.register(
        "two-key",
        "syntax = \"proto3\"; message K { string user_id = 1; int32 n = 2; }",
        Some("PROTOBUF"),
        &[],
    );
    let two = run_with(&["--registry", &server.url, "--key-subject", "two-key"]);
    two.code(1);
    assert!(two.stderr.contains("K has 2 fields"), "{}", two.stderr);
}

/// `--create-topic` touches the cluster only for a run that will write: a dry run says it would
/// create the target and answers as if it had, and a run refused for its sources or `-p` leaves
/// no topic behind.
#[test]
fn create_topic_creates_nothing_for_a_dry_run_or_a_refused_run() {
    let b = broker();
    let src = topic("rekey-dry-src", 2);
    let recs: Vec<Rec> = (0..20)
        .map(|i| Rec {
            partition: i % 2,
            key: None,
            value: Some(format!(r#"{{"data":{{"id":"c-{}"}}}}"#, i % 5).into_bytes()),
            headers: vec![],
            timestamp: now_ms(),
        })
        .collect();
    produce(&b, &src, &recs);
    let exists = |t: &str| {
        !run(&["-b", &b, "tail", t, "-e", "-o", "beginning"])
            .stderr
            .contains("does not exist")
    };
    let rekey = |from: &str, to: &str, more: &[&str]| {
        let mut args = vec![
            "-b",
            &b,
            "rekey",
            from,
            "--to",
            to,
            "--key",
            ".value.data.id",
        ];
        args.extend_from_slice(&["--create-topic", "--partitions", "3", "--no-checkpoint"]);
        args.extend_from_slice(more);
        run(&args)
    };

    let dry = crate::harness::unique("rekey-dry");
    let out = rekey(&src, &dry, &["--dry-run"]);
    out.code(0);
    assert!(
        out.stderr
            .contains(&format!("would create {dry} with 3 partitions")),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("5 keys"), "{}", out.stderr);
    assert!(!exists(&dry), "a dry run created {dry}");

    let orphan = crate::harness::unique("rekey-orphan");
    rekey("rekey-no-such-source", &orphan, &[]).code(2);
    let bad_partition = rekey(&src, &orphan, &["-p", "99"]);
    bad_partition.code(2);
    assert!(
        bad_partition.stderr.contains("partition 99 does not exist"),
        "{}",
        bad_partition.stderr
    );
    assert!(!exists(&orphan), "a refused run created {orphan}");

    rekey(&src, &orphan, &[]).code(0);
    assert_eq!(topic_records(&b, &orphan).len(), 20);
}

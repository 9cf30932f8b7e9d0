//! `evops partition` against the real libraries: kafka-python and aiokafka (pip), kafkajs 2.x
//! and its LegacyPartitioner (npm), sarama 1.22 and kafka-go 0.2.1 (Debian's Go packages), each
//! asked through its own partitioner code, and librdkafka itself, producing under every
//! `partitioner` setting and reading back where each key went.

use std::collections::BTreeMap;
use std::process::Command;
use std::time::Duration;

use serde_json::Value;

use crate::harness::{cached, evops, read_all};

const COUNTS: &[i32] = &[1, 2, 3, 7, 12, 16, 17, 100, 1000];

/// Keys that have tripped clients up: empty, unicode in NFC and NFD, long, binary, big-endian
/// integers, the key whose FNV-1a hash is exactly 0x80000000, and ordinary ones.
fn keys() -> Vec<Vec<u8>> {
    let mut keys: Vec<Vec<u8>> = vec![
        vec![],
        b"a".to_vec(),
        "é".as_bytes().to_vec(),
        "e\u{301}".as_bytes().to_vec(),
        "ключ-✓".as_bytes().to_vec(),
        (0..1000).map(|i| (i % 251) as u8).collect(),
        vec![0],
        vec![0xff, 0xfe, 0x00, 0x01],
        42i32.to_be_bytes().to_vec(),
        (-7i32).to_be_bytes().to_vec(),
        1234i64.to_be_bytes().to_vec(),
        b"1468509572224".to_vec(),
        b"20".to_vec(),
        b"user-1234".to_vec(),
    ];
    keys.extend((0..40).map(|i| format!("key-{i}").into_bytes()));
    keys
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|c| format!("{c:02x}")).collect()
}

/// evops's answers: results[name][key index][count index] (None when it gives no number).
fn evops_answers(keys: &[Vec<u8>]) -> BTreeMap<String, Vec<Vec<Option<i64>>>> {
    let mut out: BTreeMap<String, Vec<Vec<Option<i64>>>> = BTreeMap::new();
    for (ci, n) in COUNTS.iter().enumerate() {
        let hexes: Vec<String> = keys.iter().map(|k| hex(k)).collect();
        let mut args = vec![
            "partition".to_string(),
            "-p".into(),
            n.to_string(),
            "--key-format".into(),
            "hex".into(),
            "--output".into(),
            "json".into(),
            "--".into(),
        ];
        args.extend(hexes);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let o = evops(&args).run();
        o.code(0);
        let lines = o.json_lines();
        assert_eq!(lines.len(), keys.len());
        for (ki, line) in lines.iter().enumerate() {
            assert_eq!(line["partitions"], *n);
            for (name, v) in line["results"].as_object().unwrap() {
                let per_key = out
                    .entry(name.clone())
                    .or_insert_with(|| vec![vec![None; COUNTS.len()]; keys.len()]);
                per_key[ki][ci] = v.as_i64();
            }
        }
    }
    out
}

/// Run a vector script: {"keys": [hex], "counts": [n]} in, {name: [[partition]]} out.
fn script(
    program: &str,
    args: &[&str],
    env: &[(&str, String)],
    keys: &[Vec<u8>],
) -> BTreeMap<String, Vec<Vec<i64>>> {
    let req = serde_json::json!({"keys": keys.iter().map(|k| hex(k)).collect::<Vec<_>>(), "counts": COUNTS});
    let mut cmd = Command::new(program);
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = crate::harness::pipe_through(cmd, req.to_string().as_bytes(), program);
    serde_json::from_slice(&out).unwrap()
}

fn compare(
    lib: &BTreeMap<String, Vec<Vec<i64>>>,
    ours: &BTreeMap<String, Vec<Vec<Option<i64>>>>,
    keys: &[Vec<u8>],
) {
    for (name, per_key) in lib {
        let mine = ours
            .get(name)
            .unwrap_or_else(|| panic!("evops has no partitioner named {name}"));
        for (ki, per_count) in per_key.iter().enumerate() {
            for (ci, want) in per_count.iter().enumerate() {
                assert_eq!(
                    mine[ki][ci],
                    Some(*want),
                    "{name}: key {:?} with {} partitions",
                    String::from_utf8_lossy(&keys[ki]),
                    COUNTS[ci]
                );
            }
        }
    }
}

fn vectors_dir() -> String {
    format!("{}/tests/vectors", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn kafka_python_and_aiokafka_agree() {
    // A python with kafka-python and aiokafka.
    let python = crate::harness::python();
    let keys = keys();
    let lib = script(
        python.to_str().unwrap(),
        &[&format!("{}/python_partitions.py", vectors_dir())],
        &[],
        &keys,
    );
    assert_eq!(lib.len(), 2);
    compare(&lib, &evops_answers(&keys), &keys);
}

#[test]
fn kafkajs_default_and_legacy_agree() {
    // node_modules with kafkajs.
    let node_path = cached("EVOPS_TEST_NODE_PATH", "node/node_modules");
    let keys = keys();
    let lib = script(
        "node",
        &[&format!("{}/kafkajs_partitions.js", vectors_dir())],
        &[("NODE_PATH", node_path.display().to_string())],
        &keys,
    );
    assert_eq!(lib.len(), 2);
    compare(&lib, &evops_answers(&keys), &keys);
}

#[test]
fn sarama_and_kafka_go_agree() {
    // The sarama/kafka-go vector program.
    let program = cached("EVOPS_TEST_GO_PARTITIONS", "go/go_partitions");
    let keys = keys();
    let lib = script(program.to_str().unwrap(), &[], &[], &keys);
    assert_eq!(lib.len(), 3);
    compare(&lib, &evops_answers(&keys), &keys);
}

/// librdkafka itself: produce every key under every `partitioner` setting to the mock cluster
/// and take the partition from the delivery reports.
#[test]
fn librdkafka_partitioners_agree() {
    use rdkafka::mocking::MockCluster;
    use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
    use rdkafka::ClientConfig;

    let keys = keys();
    let counts = [1, 3, 7, 12, 17, 100, 1000];
    let ours = evops_answers(&keys);
    let mock = MockCluster::new(1).unwrap();
    for setting in [
        "consistent",
        "consistent_random",
        "murmur2",
        "murmur2_random",
        "fnv1a",
        "fnv1a_random",
    ] {
        let name = if setting == "consistent_random" {
            "librdkafka".to_string()
        } else {
            format!("librdkafka:{setting}")
        };
        let ctx = Deliveries::default();
        let p: BaseProducer<Deliveries> = ClientConfig::new()
            .set("bootstrap.servers", mock.bootstrap_servers())
            .set("partitioner", setting)
            .create_with_context(ctx)
            .unwrap();
        let mut compared = 0;
        for &n in &counts {
            let topic = format!("{setting}-{n}");
            mock.create_topic(&topic, n, 1).unwrap();
            let ci = COUNTS.iter().position(|c| *c == n).unwrap();
            let mut want = Vec::new();
            for (ki, key) in keys.iter().enumerate() {
                let Some(w) = ours[&name][ki][ci] else {
                    continue; // sticky or random: librdkafka picks, nothing to compare
                };
                p.send(
                    BaseRecord::<[u8], [u8], usize>::with_opaque_to(&topic, ki)
                        .key(key.as_slice())
                        .payload(b"x"),
                )
                .map_err(|(e, _)| e)
                .unwrap();
                want.push((ki, w));
            }
            p.flush(Duration::from_secs(30)).unwrap();
            let got = std::mem::take(&mut *p.context().0.lock().unwrap());
            let got: BTreeMap<usize, i64> = got.into_iter().collect();
            for (ki, w) in want {
                assert_eq!(
                    got.get(&ki),
                    Some(&w),
                    "{name}: key {:?} with {n} partitions",
                    String::from_utf8_lossy(&keys[ki])
                );
                compared += 1;
            }
        }
        assert!(compared > 200, "{name}: only {compared} comparisons");
    }
}

/// Delivery reports: key index → partition.
#[derive(Default)]
struct Deliveries(std::sync::Mutex<Vec<(usize, i64)>>);

impl rdkafka::ClientContext for Deliveries {}

impl rdkafka::producer::ProducerContext for Deliveries {
    type DeliveryOpaque = usize;
    fn delivery(&self, r: &rdkafka::producer::DeliveryResult<'_>, key_index: usize) {
        use rdkafka::message::Message;
        let m = r.as_ref().expect("delivered");
        self.0
            .lock()
            .unwrap()
            .push((key_index, i64::from(m.partition())));
    }
}

#[test]
fn list_names_every_partitioner_and_json_has_them_all() {
    let list = evops(&["partition", "--list", "--output", "json"]).run();
    list.code(0);
    let names: Vec<String> = list
        .json_lines()
        .iter()
        .map(|v| v["name"].as_str().unwrap().to_string())
        .collect();
    assert!(names.len() >= 20);
    let one = evops(&["partition", "k", "-p", "5", "--output", "json"]).run();
    one.code(0);
    let v: &Value = &one.json_lines()[0];
    let results: Vec<&String> = v["results"].as_object().unwrap().keys().collect();
    assert_eq!(results, names.iter().collect::<Vec<_>>());
    assert_eq!(v["key"], "k");
    let table = evops(&["partition", "--list"]).run();
    table.code(0);
    assert!(table.text().contains("kafkajs-legacy"));
    let bad = evops(&["partition", "k"]).run();
    bad.code(2);
    assert!(bad.stderr.contains("--partitions"), "{}", bad.stderr);
}

#[test]
fn compare_formats_shows_int_versus_string() {
    let o = evops(&[
        "partition",
        "42",
        "-p",
        "6",
        "--compare-formats",
        "--output",
        "json",
    ])
    .run();
    o.code(0);
    let formats: Vec<String> = o
        .json_lines()
        .iter()
        .map(|v| v["format"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(formats, ["string", "int32", "int64"]);
    let t = evops(&["partition", "42", "-p", "6", "--compare-formats"]).run();
    assert!(t.text().contains("int32") && t.text().contains("int64"));
    let stdin = evops(&["partition", "-p", "6", "--output", "json"])
        .stdin("a\nb\r\n\nc\n")
        .run();
    stdin.code(0);
    assert_eq!(stdin.json_lines().len(), 3);
}

/// Produce keys with librdkafka under a `partitioner` setting (no explicit partitions).
fn produce_keyed(brokers: &str, topic: &str, setting: &str, keys: &[String]) {
    use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
    let p: BaseProducer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", brokers)
        .set("partitioner", setting)
        .create()
        .unwrap();
    for k in keys {
        p.send(
            BaseRecord::<[u8], [u8]>::to(topic)
                .key(k.as_bytes())
                .payload(b"v"),
        )
        .map_err(|(e, _)| e)
        .unwrap();
        p.poll(Duration::ZERO);
    }
    p.flush(Duration::from_secs(30)).unwrap();
}

#[test]
fn audit_names_two_producers_that_disagree_and_passes_a_clean_topic() {
    let b = crate::harness::broker();
    let keys: Vec<String> = (0..300).map(|i| format!("order-{i}")).collect();
    let mixed = crate::harness::topic("audit-mixed", 6);
    produce_keyed(&b, &mixed, "murmur2_random", &keys); // a Kotlin/Java-style producer
    produce_keyed(&b, &mixed, "consistent_random", &keys[..100]); // a Node.js (node-rdkafka) one
    let o = evops(&["-b", &b, "partition", "audit", &mixed, "--output", "json"]).run();
    o.code(1);
    let r = &o.json_lines()[0];
    assert_eq!(r["records"], 400);
    let inferred: Vec<&str> = r["inferred"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["hash"].as_str().unwrap())
        .collect();
    assert_eq!(
        inferred,
        ["murmur2 (Java-compatible)", "crc32 (librdkafka default)"]
    );
    // Keys where the two hashes happen to agree stay together: about 5/6 of the 100 split.
    let split = r["split_keys"].as_u64().unwrap();
    assert!((60..=100).contains(&split), "{split}");
    let o = evops(&["-b", &b, "partition", "audit", &mixed, "--expect", "java"]).run();
    o.code(1);
    assert!(
        o.text().contains(&format!(
            "on the wrong partition for --expect java: {split}"
        )),
        "{}",
        o.text()
    );
    assert!(o.text().contains("producers disagree"));

    let clean = crate::harness::topic("audit-clean", 6);
    produce_keyed(&b, &clean, "murmur2_random", &keys);
    let o = evops(&[
        "-b",
        &b,
        "partition",
        "audit",
        &clean,
        "--expect",
        "kafkajs",
    ])
    .run();
    o.code(0);
    assert!(
        o.text().contains("keys on more than one partition: 0"),
        "{}",
        o.text()
    );
    assert!(
        o.text()
            .contains("inferred producer partitioner: 100% murmur2"),
        "{}",
        o.text()
    );

    // The same audit on a capture of the topic.
    let dir = tempfile::tempdir().unwrap();
    let cap = dir.path().join("mixed.ndjson");
    let c = read_all(&b, &mixed, "capture");
    c.code(0);
    std::fs::write(&cap, &c.stdout).unwrap();
    let p = cap.to_str().unwrap();
    let o = evops(&[
        "partition",
        "audit",
        p,
        "--partitions",
        "6",
        "--output",
        "json",
    ])
    .run();
    o.code(1);
    assert_eq!(o.json_lines()[0]["split_keys"].as_u64().unwrap(), split);
    let o = evops(&["partition", "audit", p]).run();
    o.code(2);
    assert!(o.stderr.contains("--partitions N"), "{}", o.stderr);
}

#[test]
fn audit_finds_the_planted_split_in_the_demo_data() {
    let o = evops(&[
        "-b",
        "embedded",
        "partition",
        "audit",
        "articles",
        "--expect",
        "java",
        "--output",
        "json",
    ])
    .run();
    o.code(1);
    let r = &o.json_lines()[0];
    assert!(r["split_keys"].as_u64().unwrap() > 5);
    assert!(r["expect"]["mismatches"].as_u64().unwrap() > 5);
    let o = evops(&["-b", "embedded", "partition", "audit", "views", "comments"]).run();
    o.code(0);
}

#[test]
fn audit_spots_a_grown_topic() {
    // Keys written when the topic had 4 partitions, read as an 8-partition topic.
    let dir = tempfile::tempdir().unwrap();
    let cap = dir.path().join("grown.ndjson");
    let mut lines = String::new();
    for i in 0..200 {
        let key = format!("user-{i}");
        let p = evops::partition::java()
            .partition(Some(key.as_bytes()), 4)
            .unwrap();
        lines.push_str(&format!("{{\"topic\":\"t\",\"partition\":{p},\"offset\":{i},\"timestamp\":{i},\"key\":\"{key}\",\"value\":\"v\"}}\n"));
    }
    std::fs::write(&cap, lines).unwrap();
    let o = evops(&[
        "partition",
        "audit",
        cap.to_str().unwrap(),
        "--partitions",
        "8",
    ])
    .run();
    o.code(0);
    assert!(o.text().contains("fit 4 partitions"), "{}", o.text());
}

/// A hex key with a non-ASCII character is a usage error that names it, not a panic on a
/// character boundary; so is the same key given to tail.
#[test]
fn hex_keys_with_non_ascii_characters_are_usage_errors() {
    let out = evops(&[
        "partition",
        "--partitions",
        "3",
        "--key-format",
        "hex",
        "aé1",
    ])
    .run();
    out.code(2);
    assert!(out.stderr.contains("'aé1' is not hex"), "{}", out.stderr);
    let out = evops(&["tail", "-", "--key-format", "hex", "--key", "aé1"])
        .stdin("{\"topic\":\"t\",\"partition\":0,\"offset\":0}\n")
        .run();
    out.code(2);
    assert!(out.stderr.contains("'aé1' is not hex"), "{}", out.stderr);
}

/// `--key-format protobuf`: keys are hashed as the framed bytes they are (the split found is
/// the same with or without it), and the report shows a Confluent-framed key as its JSON,
/// decoded through the registry, where the default shows the raw bytes.
#[test]
fn audit_shows_protobuf_keys_decoded_and_hashes_their_bytes() {
    use prost::Message;
    let b = crate::harness::broker();
    let server = crate::harness::RegistryServer::start(&[]);
    let key_proto = std::fs::read_to_string("tests/data/protobuf/shop/payment_key.proto").unwrap();
    let id = server.register("pb-keys-key", &key_proto, Some("PROTOBUF"), &[]);
    let file = evops::schema::protobuf::pool::from_sources(
        "k.proto",
        &[("k.proto".into(), key_proto.clone())],
    )
    .unwrap();
    let key_type = file.messages().next().unwrap();
    let key = |p: &str| {
        let msg = prost_reflect::DynamicMessage::deserialize(
            key_type.clone(),
            serde_json::json!({"paymentId": p}),
        )
        .unwrap();
        evops::schema::protobuf::framing::frame(id, &[0], &msg.encode_to_vec())
    };
    let t = crate::harness::topic("audit-pb", 3);
    let mut recs: Vec<crate::harness::Rec> = (0..30)
        .map(|i| {
            let k = key(&format!("p-{}", i % 10));
            crate::harness::Rec {
                partition: evops::partition::java().partition(Some(&k), 3).unwrap(),
                key: Some(k),
                value: Some(b"{}".to_vec()),
                headers: vec![],
                timestamp: crate::harness::now_ms(),
            }
        })
        .collect();
    // One key also written on a partition murmur2 of its framed bytes does not give.
    let mut stray = recs[3].clone();
    stray.partition = (stray.partition + 1) % 3;
    recs.push(stray);
    crate::harness::produce(&b, &t, &recs);
    let audit = |extra: &[&str]| {
        let mut args = vec!["-b", &b, "partition", "audit", &t, "--output", "json"];
        args.extend_from_slice(extra);
        let out = evops(&args).run();
        out.code(1);
        serde_json::from_str::<Value>(out.text().trim()).unwrap()
    };
    let decoded = audit(&["--key-format", "protobuf", "--registry", &server.url]);
    assert_eq!(decoded["split_keys"], 1, "{decoded}");
    assert_eq!(
        decoded["split_examples"][0]["key"],
        serde_json::json!({"paymentId": "p-3"})
    );
    let raw = audit(&[]);
    assert_eq!(raw["split_keys"], 1, "{raw}");
    let shown = raw["split_examples"][0]["key"].as_str().unwrap();
    assert!(shown.starts_with('\0') && shown.ends_with("p-3"), "{raw}");
    // The table shows the decoded key too.
    let table = evops(&[
        "-b",
        &b,
        "partition",
        "audit",
        &t,
        "--key-format",
        "protobuf",
        "--registry",
        &server.url,
    ])
    .run();
    table.code(1);
    assert!(
        table.text().contains(r#"{"paymentId":"p-3"}"#),
        "{}",
        table.text()
    );
    // Without the registry, protobuf keys cannot be shown: refused before reading.
    let refused = evops(&[
        "-b",
        &b,
        "partition",
        "audit",
        &t,
        "--key-format",
        "protobuf",
    ])
    .run();
    refused.code(2);
    assert!(
        refused.stderr.contains("--registry URL"),
        "{}",
        refused.stderr
    );
}

/// Regression (a hostile sweep: `seq 1 5000000 | evops partition -p 12` held every key three
/// times over and was killed at 18 GB before printing a line): keys on stdin are answered as
/// they come. With stdout closed, evops must find that out and stop long before its input ends,
/// which a run that read all of stdin first cannot do.
#[test]
fn keys_on_stdin_are_answered_before_the_input_ends() {
    use std::io::Write;
    for output in ["json", "table"] {
        let mut child = evops(&["partition", "-p", "12", "--output", output])
            .stdin(Vec::new())
            .stdout(crate::harness::closed_pipe())
            .spawn();
        let mut stdin = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || -> std::io::Result<()> {
            for i in 0..300_000 {
                writeln!(stdin, "user-{i}")?;
            }
            Ok(())
        });
        assert_eq!(child.wait().unwrap().code(), Some(0), "--output {output}");
        let written = writer.join().unwrap();
        assert_eq!(
            written.map_err(|e| e.kind()),
            Err(std::io::ErrorKind::BrokenPipe),
            "--output {output}: evops read all of its input"
        );
    }
}

/// The table is printed a part of 1,000 keys at a time, under one "N partitions" line.
#[test]
fn a_long_table_comes_in_parts() {
    let keys: String = (0..2500).map(|i| format!("user-{i}\n")).collect();
    let out = evops(&["partition", "-p", "12"]).stdin(keys).run();
    out.code(0);
    let text = out.text();
    assert!(text.starts_with("12 partitions\n╭"), "{text}");
    assert_eq!(text.matches("partitions\n").count(), 1);
    assert_eq!(text.matches('╭').count(), 3);
    let parts: Vec<&str> = text.split('╭').collect();
    assert!(parts[1].contains("│ user-999 ") && !parts[1].contains("│ user-1000 "));
    assert!(parts[2].contains("│ user-1000 ") && parts[3].contains("│ user-2499 "));
}

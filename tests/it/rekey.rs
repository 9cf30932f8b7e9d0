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

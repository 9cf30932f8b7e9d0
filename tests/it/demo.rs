//! `--brokers embedded` and `evops demo`: the mock cluster, seeded with the demo data set.

use std::io::{BufRead, BufReader};
use std::time::Duration;

use crate::harness::{evops, now_ms};

#[test]
fn embedded_tail_reads_the_seeded_history() {
    let out = evops(&[
        "-b",
        "embedded",
        "tail",
        "articles",
        "-o",
        "beginning",
        "-e",
        "-f",
        "json",
    ])
    .run();
    out.code(0);
    let recs = out.json_lines();
    assert!((250..400).contains(&recs.len()), "{} articles", recs.len());
    assert!(recs.iter().all(|r| r["topic"] == "articles"));
    let producers: std::collections::BTreeSet<_> = recs
        .iter()
        .map(|r| r["headers"]["producer"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        producers.into_iter().collect::<Vec<_>>(),
        ["kotlin-api", "node-gateway"]
    );
    assert!(recs.iter().any(|r| r["value"]["data"]["id"] == "a-1234"));
}

#[test]
fn embedded_time_seeks_are_exact_without_offsets_for_times() {
    let before = now_ms();
    let out = evops(&[
        "-b", "embedded", "tail", "^.*", "-o", "2h", "--until", "1h", "-e", "-f", "json",
    ])
    .run();
    out.code(0);
    let recs = out.json_lines();
    assert!(recs.len() > 50, "{}", recs.len());
    let after = now_ms();
    for r in &recs {
        let ts = r["timestamp"].as_i64().unwrap();
        assert!(
            ts >= before - 2 * 3_600_000 && ts < after - 3_600_000,
            "{r}"
        );
    }
    let all = evops(&[
        "-b",
        "embedded",
        "tail",
        "^.*",
        "-o",
        "beginning",
        "-e",
        "-f",
        "json",
    ])
    .run();
    assert!(all.json_lines().len() > recs.len() * 2);
}

#[test]
fn demo_prints_its_address_and_keeps_producing() {
    let mut child = evops(&["demo", "--rate", "50", "--duration", "6s"]).spawn();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut addr = String::new();
    out.read_line(&mut addr).unwrap();
    let addr = addr.trim().to_string();
    assert!(addr.starts_with("127.0.0.1:"), "{addr}");
    std::thread::sleep(Duration::from_millis(1500));
    let live = evops(&[
        "-b", &addr, "tail", "views", "comments", "bumps", "-o", "1m", "-e", "-f", "json",
    ])
    .run();
    live.code(0);
    assert!(!live.json_lines().is_empty(), "no live events");
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
}

/// `--partitioner auto` audits the topic's latest records: in the demo data, `users` are placed
/// by the Java partitioner, so only the key's partition is read; `articles` have two producers
/// that disagree, so every partition is read (and the key's records are still all found).
#[test]
fn key_lookups_infer_the_partitioner() {
    let users = evops(&[
        "-b",
        "embedded",
        "tail",
        "users",
        "--key",
        "u-1234",
        "--partitioner",
        "auto",
        "-o",
        "beginning",
        "-e",
        "-f",
        "json",
    ])
    .run();
    users.code(0);
    assert!(users.stderr.contains("placed by java"), "{}", users.stderr);
    assert!(
        users.stderr.contains("reading only users/"),
        "{}",
        users.stderr
    );
    assert_eq!(users.json_lines().len(), 2, "{}", users.text());

    let articles = evops(&[
        "-b",
        "embedded",
        "tail",
        "articles",
        "--key",
        "a-1234",
        "--partitioner",
        "auto",
        "-o",
        "beginning",
        "-e",
        "-f",
        "json",
    ])
    .run();
    articles.code(0);
    assert!(
        articles.stderr.contains("no single partitioner"),
        "{}",
        articles.stderr
    );
    assert_eq!(articles.json_lines().len(), 2, "{}", articles.text());
}

/// The demo's Protobuf topic decodes with no flag: its payments are Confluent-framed, and the
/// embedded cluster's built-in registry holds their schema. Without that registry (`auto` on a
/// real cluster) the same bytes would show as base64.
#[test]
fn embedded_payments_are_decoded_protobuf_with_no_flag() {
    let out = evops(&[
        "-b",
        "embedded",
        "tail",
        "payments",
        "-o",
        "beginning",
        "-e",
        "-f",
        "json",
    ])
    .run();
    out.code(0);
    let recs = out.json_lines();
    assert_eq!(recs.len() as u64, evops::demo::payments::SEEDED);
    for r in &recs {
        let v = &r["value"];
        assert_eq!(v["paymentId"], r["key"], "{r}");
        assert_eq!(r["headers"]["content-type"], "application/x-protobuf");
        // The proto3 JSON mapping: int64 as a string, enums by name, timestamps as RFC 3339.
        assert!(
            v["amount"]["minorUnits"]
                .as_str()
                .unwrap()
                .parse::<i64>()
                .is_ok(),
            "{r}"
        );
        assert!(
            ["AUTHORIZED", "CAPTURED", "REFUNDED", "DECLINED"]
                .contains(&v["status"].as_str().unwrap()),
            "{r}"
        );
        assert!(v["createdAt"].as_str().unwrap().ends_with('Z'), "{r}");
    }
    // The same records, read as what they are without a registry: bytes starting with 0.
    let raw = evops(&[
        "-b",
        "embedded",
        "tail",
        "payments",
        "-o",
        "beginning",
        "-e",
        "--max",
        "1",
        "-f",
        "{value}",
        "--value-format",
        "hex",
    ])
    .run();
    raw.code(0);
    assert!(raw.text().starts_with("0000000001"), "{}", raw.text());
    // Asked for explicitly, protobuf uses the same built-in registry, and filters see the JSON.
    let refunded = evops(&[
        "-b",
        "embedded",
        "filter",
        "payments",
        ".value.status == \"REFUNDED\"",
        "--value-format",
        "protobuf",
        "-f",
        "json",
    ])
    .run();
    refunded.code(0);
    let n = refunded.json_lines().len();
    assert!(n > 0 && n < recs.len(), "{n}");
}

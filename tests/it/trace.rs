//! `evops trace`: an entity's story across topics, in time order.

use std::time::Duration;

use serde_json::json;

use crate::harness::{broker, evops, now_ms, produce, topic, Rec};

/// The planted user of the demo data: eight events over six topics, found by key, by data.id
/// and by the user_id attributes, in time order.
#[test]
fn trace_finds_the_planted_user_in_the_demo_data() {
    let out = evops(&["-b", "embedded", "trace", "u-1234", "-f", "json"])
        .timeout(Duration::from_secs(60))
        .run();
    out.code(0);
    let recs = out.json_lines();
    let types: Vec<&str> = recs
        .iter()
        .map(|r| r["value"]["data"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "user_registered",
            "tribe_joined",
            "article_published",
            "article_viewed",
            "comment_posted",
            "article_bumped",
            "article_edited",
            "user_profile_updated"
        ]
    );
    let ts: Vec<i64> = recs
        .iter()
        .map(|r| r["timestamp"].as_i64().unwrap())
        .collect();
    assert!(ts.windows(2).all(|w| w[0] <= w[1]), "{ts:?}");
    assert!(out.stderr.contains("8 matched"), "{}", out.stderr);
}

/// On the real broker: two topics of several partitions, the entity mentioned by key, by id
/// and by an attribute; others' events are left out; the story reads in time order. An id
/// nobody mentions exits 1.
#[test]
fn trace_across_topics_on_the_broker() {
    let b = broker();
    let users = topic("trace-users", 2);
    let orders = topic("trace-orders", 3);
    let base = now_ms() - 1_800_000;
    let ev = |id: &str, kind: &str, attrs: serde_json::Value| {
        Some(
            json!({"data": {"id": id, "type": kind, "attributes": attrs}})
                .to_string()
                .into_bytes(),
        )
    };
    let mut user_recs = Vec::new();
    let mut order_recs = Vec::new();
    for i in 0..60i64 {
        let who = if i % 10 == 3 {
            "u-7".to_string()
        } else {
            format!("u-{}", 100 + i)
        };
        user_recs.push(Rec {
            partition: (i % 2) as i32,
            key: Some(who.clone().into_bytes()),
            value: ev(&who, "user_seen", json!({})),
            headers: vec![],
            timestamp: base + i * 2000,
        });
        order_recs.push(Rec {
            partition: (i % 3) as i32,
            key: Some(format!("o-{i}").into_bytes()),
            value: ev(
                &format!("o-{i}"),
                "order_placed",
                json!({"customer_id": who}),
            ),
            headers: vec![],
            timestamp: base + i * 2000 + 1000,
        });
    }
    produce(&b, &users, &user_recs);
    produce(&b, &orders, &order_recs);
    let out = evops(&[
        "-b", &b, "trace", "u-7", "--topics", &users, "--topics", &orders, "-f", "json",
    ])
    .timeout(Duration::from_secs(60))
    .run();
    out.code(0);
    let recs = out.json_lines();
    assert_eq!(recs.len(), 12, "{}", out.text());
    let ts: Vec<i64> = recs
        .iter()
        .map(|r| r["timestamp"].as_i64().unwrap())
        .collect();
    assert!(ts.windows(2).all(|w| w[0] < w[1]), "{ts:?}");
    let topics: Vec<&str> = recs.iter().map(|r| r["topic"].as_str().unwrap()).collect();
    assert_eq!(topics[0], users);
    assert_eq!(topics[1], orders);

    let none = evops(&["-b", &b, "trace", "u-nobody", "--topics", &users])
        .timeout(Duration::from_secs(60))
        .run();
    none.code(1);
    assert!(none.stderr.contains("0 matched"), "{}", none.stderr);
}

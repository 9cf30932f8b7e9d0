//! `evops stats`: counts per time bucket against ground truths computed from the records
//! written (capture files and the real broker, timestamps set by the producer), offsets-based
//! counts equal to read counts, every flag, exit codes, the output formats, `--watch`, and the
//! README's deploy story on the embedded cluster.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{json, Value};

use crate::harness::{broker, evops, now_ms, produce, topic, Rec};
use std::io::Read;

const MIN: i64 = 60_000;

/// Six 10-minute buckets ending at `END` (a whole minute, so bucket starts are readable).
const END: i64 = 1_763_892_000_000;
const EVERY: i64 = 10 * MIN;

fn event(kind: &str, host: &str) -> String {
    json!({"data": {"id": "x", "type": kind, "attributes": {}}, "meta": {"host": host}}).to_string()
}

/// A capture line.
fn line(partition: i32, offset: i64, ts: i64, key: &str, value: &str, producer: &str) -> String {
    json!({"topic": "orders", "partition": partition, "offset": offset, "timestamp": ts,
           "key": key, "value": value, "headers": [{"key": "producer", "value": producer}]})
    .to_string()
}

/// Records of `kind` per bucket, spread evenly inside each bucket.
type Series<'a> = (&'a str, [u64; 6]);

/// A capture file of these series, with the ground truth of every bucket per type.
fn capture(dir: &tempfile::TempDir, series: &[Series]) -> (String, BTreeMap<String, Vec<u64>>) {
    let mut lines = Vec::new();
    let mut truth = BTreeMap::new();
    let mut offset = 0;
    for (kind, per_bucket) in series {
        for (b, &n) in per_bucket.iter().enumerate() {
            for k in 0..n {
                let ts = END - 6 * EVERY + b as i64 * EVERY + (k as i64 * EVERY) / n as i64;
                let producer = if offset % 3 == 0 {
                    "node-gateway"
                } else {
                    "kotlin-api"
                };
                lines.push((
                    ts,
                    line(
                        (offset % 3) as i32,
                        offset,
                        ts,
                        &format!("k-{}", offset % 4),
                        &event(kind, "h1"),
                        producer,
                    ),
                ));
                offset += 1;
            }
        }
        truth.insert(kind.to_string(), per_bucket.to_vec());
    }
    lines.sort();
    let path = dir.path().join("orders.ndjson");
    let text: String = lines.into_iter().map(|(_, l)| l + "\n").collect();
    std::fs::write(&path, text).unwrap();
    (path.to_str().unwrap().to_string(), truth)
}

fn range() -> [String; 6] {
    [
        "--since".into(),
        format!("@{}", END - 6 * EVERY),
        "--until".into(),
        format!("@{END}"),
        "--every".into(),
        "10m".into(),
    ]
}

fn stats(path: &str, extra: &[&str]) -> crate::harness::Output {
    let r = range();
    let mut args = vec!["stats", path];
    args.extend(r.iter().map(String::as_str));
    args.extend(extra);
    evops(&args).run()
}

fn by_group(out: &crate::harness::Output, name: &str) -> BTreeMap<String, Value> {
    out.json_lines()
        .into_iter()
        .map(|r| (r["group"][name].as_str().unwrap().to_string(), r))
        .collect()
}

fn counts(r: &Value) -> Vec<u64> {
    r["buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["count"].as_u64().unwrap())
        .collect()
}

const EVERY_FLAG: &[Series] = &[
    ("steady", [30, 30, 30, 30, 30, 29]),
    ("stopped", [20, 20, 20, 20, 20, 0]),
    ("dropped", [40, 40, 40, 40, 40, 8]),
    ("spiked", [10, 10, 10, 10, 10, 45]),
    ("new", [0, 0, 0, 0, 0, 12]),
    ("rare", [1, 0, 1, 0, 0, 0]),
];

#[test]
fn buckets_match_the_ground_truth_and_every_flag_is_raised() {
    let dir = tempfile::tempdir().unwrap();
    let (path, truth) = capture(&dir, EVERY_FLAG);
    let out = stats(&path, &["-f", "json"]);
    out.code(1);
    let rows = by_group(&out, "type");
    assert_eq!(rows.len(), truth.len());
    for (kind, want) in &truth {
        assert_eq!(&counts(&rows[kind]), want, "{kind}");
        assert_eq!(rows[kind]["total"], want.iter().sum::<u64>(), "{kind}");
        assert_eq!(rows[kind]["counted"], "records");
    }
    let flag = |k: &str| rows[k]["flag"].clone();
    assert_eq!(flag("steady"), Value::Null);
    assert_eq!(flag("stopped"), "stopped");
    assert_eq!(flag("dropped"), "dropped");
    assert_eq!(flag("spiked"), "spiked");
    assert_eq!(flag("new"), "new");
    assert_eq!(flag("rare"), Value::Null, "below --min-count");
    assert_eq!(rows["dropped"]["change_pct"], -80.0);
    assert_eq!(
        rows["steady"]["buckets"][0]["start"],
        "2025-11-23T09:00:00.000Z"
    );
    assert_eq!(rows["steady"]["every_ms"], EVERY);
}

/// `-f json` rows have exactly the documented fields with their types (README: "stats JSON,
/// a stable contract"), the sample's two only with `--sample-rate`.
#[test]
fn json_rows_follow_the_contract() {
    use crate::harness::contract::{decode_lines, Counted, Flag, StatsLine};
    let dir = tempfile::tempdir().unwrap();
    let (path, truth) = capture(&dir, EVERY_FLAG);
    let rows: Vec<StatsLine> = decode_lines(&stats(&path, &["-f", "json"]).stdout);
    assert_eq!(rows.len(), truth.len());
    for r in &rows {
        assert_eq!(r.counted, Counted::Records);
        assert_eq!(r.buckets.len(), 6);
        assert!(r.bytes.is_some() && r.sample_rate.is_none() && r.total_error.is_none());
    }
    let stopped = rows.iter().find(|r| r.group["type"] == "stopped").unwrap();
    assert_eq!(stopped.flag, Some(Flag::Stopped));
    let sampled: Vec<StatsLine> =
        decode_lines(&stats(&path, &["-f", "json", "--sample-rate", "0.5"]).stdout);
    assert!(sampled
        .iter()
        .all(|r| r.sample_rate == Some(0.5) && r.total_error.is_some()));
}

#[test]
fn nothing_flagged_exits_0_and_the_thresholds_are_options() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = capture(&dir, &[("a", [30, 30, 30, 30, 30, 20])]);
    stats(&path, &["-f", "json"]).code(0);
    let strict = stats(&path, &["-f", "json", "--drop", "70%"]);
    strict.code(1);
    assert_eq!(strict.json_lines()[0]["flag"], "dropped");
    let (path, _) = capture(&dir, &[("a", [10, 10, 10, 10, 10, 25])]);
    stats(&path, &["-f", "json"]).code(0);
    stats(&path, &["-f", "json", "--spike", "200%"]).code(1);
    // Stopped over the last two buckets, judged only with --last 2.
    let (path, _) = capture(&dir, &[("a", [20, 20, 20, 20, 0, 0])]);
    let two = stats(&path, &["-f", "json", "--last", "2"]);
    two.code(1);
    assert_eq!(two.json_lines()[0]["flag"], "stopped");
    // A rare type: judged only when --min-count allows it.
    let (path, _) = capture(&dir, &[("a", [2, 2, 2, 2, 2, 0])]);
    stats(&path, &["-f", "json"]).code(0);
    stats(&path, &["-f", "json", "--min-count", "2"]).code(1);
}

#[test]
fn groups_combine_header_key_partition_and_jq() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = capture(
        &dir,
        &[("a", [3, 3, 3, 3, 3, 3]), ("b", [1, 1, 1, 1, 1, 1])],
    );
    let out = stats(
        &path,
        &["-f", "json", "--by", "type", "--by", "header:producer"],
    );
    out.code(0);
    let mut seen: Vec<(String, String, u64)> = out
        .json_lines()
        .iter()
        .map(|r| {
            (
                r["group"]["type"].as_str().unwrap().to_string(),
                r["group"]["header:producer"].as_str().unwrap().to_string(),
                r["total"].as_u64().unwrap(),
            )
        })
        .collect();
    seen.sort();
    // Offsets 0..18 are type a, 18..24 type b; every third offset is the node gateway's.
    assert_eq!(
        seen,
        [
            ("a".into(), "kotlin-api".into(), 12),
            ("a".into(), "node-gateway".into(), 6),
            ("b".into(), "kotlin-api".into(), 4),
            ("b".into(), "node-gateway".into(), 2),
        ]
    );
    let keys = stats(&path, &["-f", "json", "--by", "key"]);
    assert_eq!(by_group(&keys, "key")["k-0"]["total"], 6);
    let parts = stats(&path, &["-f", "json", "--by", "partition"]);
    assert_eq!(by_group(&parts, "partition")["2"]["total"], 8);
    let jq = stats(&path, &["-f", "json", "--by", ".value.meta.host"]);
    assert_eq!(by_group(&jq, ".value.meta.host")["h1"]["total"], 24);
    // Filters apply before counting.
    let only_b = stats(&path, &["-f", "json", "--type", "b"]);
    assert_eq!(only_b.json_lines().len(), 1);
}

#[test]
fn an_explicit_baseline_may_lie_before_the_range() {
    let dir = tempfile::tempdir().unwrap();
    // 60 records an hour before the range, 6 in the last bucket.
    let mut lines = String::new();
    for i in 0..60 {
        let ts = END - 2 * 60 * MIN + i * MIN;
        lines.push_str(&(line(0, i, ts, "k", &event("a", "h"), "p") + "\n"));
    }
    for i in 0..6 {
        let ts = END - EVERY + i * MIN;
        lines.push_str(&(line(0, 60 + i, ts, "k", &event("a", "h"), "p") + "\n"));
    }
    let path = dir.path().join("b.ndjson");
    std::fs::write(&path, lines).unwrap();
    let path = path.to_str().unwrap();
    let base = format!("@{}..@{}", END - 120 * MIN, END - 60 * MIN);
    let out = stats(path, &["-f", "json", "--baseline", &base]);
    out.code(0);
    let r = &out.json_lines()[0];
    assert_eq!(r["baseline"], 60);
    assert_eq!(r["total"], 6);
    // 1/min in the baseline, 0.6/min now.
    assert_eq!(r["flag"], Value::Null);
    assert!(
        (r["change_pct"].as_f64().unwrap() + 40.0).abs() < 1e-9,
        "{r}"
    );
    let out = stats(path, &["-f", "json", "--baseline", &base, "--drop", "70%"]);
    assert_eq!(out.json_lines()[0]["flag"], "dropped");
    // before:TIME: the range up to that time.
    let before = format!("before:@{}", END - EVERY);
    let out = stats(path, &["-f", "json", "--baseline", &before]);
    assert_eq!(out.json_lines()[0]["baseline"], 0);
    assert_eq!(out.json_lines()[0]["flag"], "new");
}

/// Regression (sweep 4): `--baseline before:T` with T before the range gave a baseline window
/// that ended before it started (from the range's start to T); it is empty, at T.
#[test]
fn a_baseline_before_the_range_is_an_empty_window_not_an_inverted_one() {
    let dir = tempfile::tempdir().unwrap();
    let mut lines = String::new();
    for i in 0..6 {
        let ts = END - EVERY + i * MIN;
        lines.push_str(&(line(0, i, ts, "k", &event("a", "h"), "p") + "\n"));
    }
    let path = dir.path().join("b.ndjson");
    std::fs::write(&path, lines).unwrap();
    let before = format!("before:@{}", END - 100 * EVERY);
    let out = stats(
        path.to_str().unwrap(),
        &["-f", "json", "--baseline", &before],
    );
    let r = &out.json_lines()[0];
    let w = &r["baseline_window"];
    assert_eq!(w["from"], w["to"], "{r}");
    assert_eq!(r["baseline"], 0, "{r}");
}

#[test]
fn without_a_time_range_a_file_is_bucketed_over_what_it_spans() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = capture(&dir, &[("a", [30, 30, 30, 30, 30, 30])]);
    let out = evops(&["stats", &path, "--every", "10m", "-f", "json"]).run();
    out.code(0);
    let r = &out.json_lines()[0];
    assert_eq!(r["total"], 180);
    assert_eq!(counts(r).iter().sum::<u64>(), 180);
    assert_eq!(counts(r).len(), 6);
}

#[test]
fn csv_and_prometheus_carry_the_same_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = capture(&dir, EVERY_FLAG);
    let csv = stats(&path, &["-f", "csv"]);
    csv.code(1);
    let lines = csv.lines();
    assert!(
        lines[0]
            .starts_with("type,total,rate,baseline_rate,change_pct,flag,2025-11-23T09:00:00.000Z,"),
        "{}",
        lines[0]
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("stopped,100,0,") && l.ends_with(",stopped,20,20,20,20,20,0")),
        "{lines:?}"
    );
    let prom = stats(&path, &["-f", "prometheus"]);
    prom.code(1);
    let t = prom.text();
    assert!(
        t.contains("evops_stats_flagged{type=\"stopped\",flag=\"stopped\"} 1"),
        "{t}"
    );
    assert!(
        t.contains("evops_stats_flagged{type=\"steady\",flag=\"stopped\"} 0"),
        "{t}"
    );
    assert!(t.contains("evops_stats_total{type=\"spiked\"} 95"), "{t}");
}

#[test]
fn the_table_shows_flags_and_sparklines() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = capture(&dir, EVERY_FLAG);
    let out = stats(&path, &["-f", "table"]);
    out.code(1);
    let t = out.text();
    assert!(
        t.starts_with("records per 10m bucket, 2025-11-23T09:00:00Z to 2025-11-23T10:00:00Z"),
        "{t}"
    );
    assert!(
        t.contains("STOPPED") && t.contains("SPIKED") && t.contains("NEW"),
        "{t}"
    );
    assert!(t.contains("█████·"), "{t}");
    assert!(t.contains("4 of 6 groups flagged"), "{t}");
}

#[test]
fn a_sampled_count_is_an_estimate_within_its_bound() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = capture(&dir, &[("a", [2000, 2000, 2000, 2000, 2000, 2000])]);
    let out = stats(
        &path,
        &["-f", "json", "--sample-rate", "0.1", "--seed", "7"],
    );
    out.code(0);
    let r = &out.json_lines()[0];
    let total = r["total"].as_i64().unwrap();
    let err = r["total_error"].as_i64().unwrap();
    assert!(err > 0 && (total - 12_000).abs() <= err, "{r}");
    assert_ne!(total, 12_000, "a sample, not a full count");
    assert_eq!(r["sample_rate"], 0.1);
}

#[test]
fn errors_and_bad_records_have_their_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = capture(&dir, &[("a", [3, 3, 3, 3, 3, 3])]);
    let bad = stats(&path, &["--by", "(("]);
    bad.code(2);
    assert!(bad.stderr.contains("--by"), "{}", bad.stderr);
    stats(&path, &["--baseline", "yesterday"]).code(2);
    // A jq group that fails on some records: each is a named warning, the rest are counted.
    let out = stats(
        &path,
        &[
            "-f",
            "json",
            "--by",
            "if .offset == 3 then error(\"boom\") else .topic end",
        ],
    );
    out.code(1);
    assert!(out.stderr.contains("orders/0@3"), "{}", out.stderr);
    assert_eq!(out.json_lines()[0]["total"], 17);
    let missing = evops(&["stats", "./no-such.ndjson"]).run();
    missing.code(2);
}

#[test]
fn a_closed_pipe_exits_0_and_a_full_disk_exits_2() {
    // 20,000 keys, one row each: far more than a pipe holds.
    let dir = tempfile::tempdir().unwrap();
    let text: String = (0..20_000)
        .map(|i| line(0, i, END - 1000 - i, &format!("key-{i}"), "{}", "p") + "\n")
        .collect();
    let path = dir.path().join("keys.ndjson");
    std::fs::write(&path, text).unwrap();
    let cmd = format!(
        "{} stats {} --by key -f csv",
        env!("CARGO_BIN_EXE_evops"),
        path.display()
    );
    let piped = std::process::Command::new("bash")
        .args([
            "-c",
            &format!("{cmd} | head -c 1 >/dev/null; echo ${{PIPESTATUS[0]}}"),
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&piped.stderr);
    assert_eq!(String::from_utf8_lossy(&piped.stdout).trim(), "0", "{err}");
    assert!(!err.contains("evops:"), "quiet on a closed pipe: {err}");
    let full = std::process::Command::new("bash")
        .args(["-c", &format!("{cmd} > /dev/full")])
        .output()
        .unwrap();
    assert_eq!(full.status.code(), Some(2));
    let err = String::from_utf8_lossy(&full.stderr);
    assert!(err.contains("evops: cannot write to stdout"), "{err}");
}

#[test]
fn watch_prints_one_line_per_bucket_until_interrupted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.ndjson");
    std::fs::write(&path, "").unwrap();
    let p = path.to_str().unwrap().to_string();
    let child = evops(&[
        "stats", &p, "--since", "3s", "--every", "1s", "--watch", "-f", "json",
    ])
    .spawn();
    // A record every 100 ms with the current time, for a few buckets.
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        for i in 0..40 {
            let l = line(0, i, now_ms(), "k", &event("tick", "h"), "p");
            writeln!(f, "{l}").unwrap();
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    std::thread::sleep(Duration::from_millis(4200));
    let pid = child.id().to_string();
    std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert_eq!(
        out.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let buckets: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v.get("bucket").is_some())
        .collect();
    assert!(buckets.len() >= 3, "{text}");
    for b in &buckets[..buckets.len() - 1] {
        let ticks = b["groups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["group"]["type"] == "tick")
            .map_or(0, |g| g["count"].as_u64().unwrap());
        assert!((7..=13).contains(&ticks), "about 10 per second: {b}");
    }
}

/// The README's deploy story, exactly as the README types it.
#[test]
fn the_demo_deploy_story_flags_the_type_that_stopped() {
    let out = evops(&["-b", "embedded", "stats", "views", "--since", "24h"]).run();
    out.code(1);
    let rows = by_group(&out, "type");
    assert_eq!(rows["article_read"]["flag"], "stopped", "{rows:?}");
    assert_eq!(
        rows["article_read"]["total"],
        evops::demo::READS_BEFORE_DEPLOY
    );
    assert_eq!(rows["article_viewed"]["flag"], Value::Null, "{rows:?}");
    assert_eq!(counts(&rows["article_read"]).len(), 24);
    let table = evops(&[
        "-b", "embedded", "stats", "views", "--since", "24h", "-f", "table",
    ])
    .run();
    table.code(1);
    assert!(table.text().contains("STOPPED"), "{}", table.text());
    // The embedded cluster has no offsets-for-times: --by topic reads the records instead.
    let topics = evops(&[
        "-b", "embedded", "stats", "views", "--since", "24h", "--by", "topic",
    ])
    .run();
    topics.code(0);
    let r = &topics.json_lines()[0];
    assert_eq!(r["counted"], "records");
    assert_eq!(
        r["total"],
        rows["article_read"]["total"].as_u64().unwrap()
            + rows["article_viewed"]["total"].as_u64().unwrap()
    );
}

/// Records on the real broker with producer timestamps, in the last hour: per partition and
/// type, a known number in each 10-minute bucket.
fn produced(partitions: i32) -> (String, i64, BTreeMap<(i32, String), Vec<u64>>) {
    let t = topic("stats", partitions);
    let end = now_ms();
    let mut recs = Vec::new();
    let mut truth: BTreeMap<(i32, String), Vec<u64>> = BTreeMap::new();
    for p in 0..partitions {
        for (kind, per) in [("a", [5u64, 6, 7, 8, 9, 10]), ("b", [6, 6, 6, 6, 6, 0])] {
            for (b, &n) in per.iter().enumerate() {
                for k in 0..n {
                    let ts = end - 6 * EVERY
                        + b as i64 * EVERY
                        + 1000
                        + (k as i64 * (EVERY - 2000)) / n as i64;
                    recs.push(Rec {
                        partition: p,
                        key: Some(format!("k{k}").into_bytes()),
                        value: Some(event(kind, "h").into_bytes()),
                        headers: vec![(
                            "producer".into(),
                            Some(if k % 2 == 0 { &b"node"[..] } else { b"kotlin" }.to_vec()),
                        )],
                        timestamp: ts,
                    });
                }
            }
            truth.insert((p, kind.to_string()), per.to_vec());
        }
    }
    // In timestamp order per partition, as producers write them.
    recs.sort_by_key(|r| (r.partition, r.timestamp));
    produce(&broker(), &t, &recs);
    (t, end, truth)
}

#[test]
fn broker_counts_per_type_match_what_was_produced() {
    let (t, end, truth) = produced(2);
    let since = format!("@{}", end - 6 * EVERY);
    let until = format!("@{end}");
    let b = broker();
    let out = evops(&[
        "-b",
        &b,
        "stats",
        &t,
        "--since",
        &since,
        "--until",
        &until,
        "--every",
        "10m",
        "--by",
        "partition",
        "--by",
        "type",
        "-f",
        "json",
    ])
    .run();
    out.code(1);
    for r in out.json_lines() {
        let p: i32 = r["group"]["partition"].as_str().unwrap().parse().unwrap();
        let kind = r["group"]["type"].as_str().unwrap().to_string();
        assert_eq!(counts(&r), truth[&(p, kind.clone())], "{p} {kind}");
        assert_eq!(
            r["flag"],
            if kind == "b" {
                json!("stopped")
            } else {
                Value::Null
            }
        );
    }
}

/// Grouping and filtering by headers on a topic: the reader skips headers only when nothing asks
/// for them, so each of these ways of asking counts exactly what was produced.
#[test]
fn broker_groups_and_filters_by_headers() {
    let (t, end, _) = produced(2);
    let (since, until) = (format!("@{}", end - 6 * EVERY), format!("@{end}"));
    let b = broker();
    let totals = |extra: &[&str], name: &str| {
        let mut args = vec!["-b", &b[..], "stats", &t[..], "--since", &since[..]];
        args.extend(["--until", &until[..], "--every", "10m", "-f", "json"]);
        args.extend_from_slice(extra);
        let out = evops(&args).run();
        assert!(out.code <= 1, "{extra:?}: {}", out.stderr);
        let rows = by_group(&out, name);
        rows.into_iter()
            .map(|(k, r)| (k, r["total"].as_u64().unwrap()))
            .collect::<BTreeMap<_, _>>()
    };
    // Per partition: type a 45 records (24 from node), type b 30 (15 from node).
    let want = BTreeMap::from([("kotlin".to_string(), 72), ("node".to_string(), 78)]);
    assert_eq!(
        totals(&["--by", "header:producer"], "header:producer"),
        want
    );
    assert_eq!(
        totals(&["--by", ".headers.producer"], ".headers.producer"),
        want
    );
    let node_only = BTreeMap::from([("a".to_string(), 48), ("b".to_string(), 30)]);
    assert_eq!(totals(&["--header", "producer=node"], "type"), node_only);
    let jq = ["-w", r#".headers.producer == "node""#];
    assert_eq!(totals(&jq, "type"), node_only);
    let all = BTreeMap::from([("a".to_string(), 90), ("b".to_string(), 60)]);
    assert_eq!(totals(&[], "type"), all);
}

#[test]
fn broker_offset_counts_equal_read_counts() {
    let (t, end, truth) = produced(3);
    let since = format!("@{}", end - 6 * EVERY);
    let until = format!("@{end}");
    let b = broker();
    let args = |extra: &[&str]| {
        let mut a = vec![
            "-b",
            b.as_str(),
            "stats",
            t.as_str(),
            "--since",
            &since,
            "--until",
            &until,
            "--every",
            "10m",
            "--by",
            "partition",
            "-f",
            "json",
        ];
        a.extend(extra.iter().copied());
        a.iter()
            .map(std::string::ToString::to_string)
            .collect::<Vec<_>>()
    };
    let run = |extra: &[&str]| {
        let a = args(extra);
        let a: Vec<&str> = a.iter().map(String::as_str).collect();
        evops(&a).run()
    };
    let offsets = run(&[]);
    offsets.code(0);
    // A filter that keeps everything makes stats read the records.
    let read = run(&["-w", "true"]);
    read.code(0);
    let o = by_group(&offsets, "partition");
    let r = by_group(&read, "partition");
    assert_eq!(o.len(), 3);
    for (p, row) in &o {
        assert_eq!(row["counted"], "offsets", "{row}");
        assert_eq!(r[p]["counted"], "records");
        assert_eq!(counts(row), counts(&r[p]), "partition {p}");
        let pi: i32 = p.parse().unwrap();
        let want: Vec<u64> = (0..6)
            .map(|i| truth[&(pi, "a".to_string())][i] + truth[&(pi, "b".to_string())][i])
            .collect();
        assert_eq!(counts(row), want, "partition {p}");
    }
    // --by topic: the sum, from offsets too.
    let topic_row = evops(&[
        "-b", &b, "stats", &t, "--since", &since, "--until", &until, "--every", "10m", "--by",
        "topic", "-f", "json",
    ])
    .run();
    topic_row.code(0);
    let row = &topic_row.json_lines()[0];
    assert_eq!(row["counted"], "offsets");
    assert_eq!(row["total"], truth.values().flatten().sum::<u64>());
    // Regression (sweep 9): a ListOffsets round per boundary took minutes for a day of
    // seconds; past 1,000 buckets the records are read, and say so.
    let fine = evops(&[
        "-b", &b, "stats", &t, "--since", &since, "--until", &until, "--every", "1s", "--by",
        "topic", "-f", "json", "-v",
    ])
    .run();
    fine.code(0);
    let row = &fine.json_lines()[0];
    assert_eq!(row["counted"], "records");
    assert_eq!(row["total"], truth.values().flatten().sum::<u64>());
    assert!(
        fine.stderr.contains("would take a ListOffsets round each"),
        "{}",
        fine.stderr
    );
}

#[test]
fn broker_watch_counts_each_new_bucket_exactly() {
    let t = topic("stats-watch", 2);
    let b = broker();
    let mut child = evops(&[
        "-b", &b, "stats", &t, "--since", "3s", "--every", "1s", "--watch", "-f", "json",
    ])
    .spawn();
    // A record about every 100 ms, stamped now, alternating partitions and two types.
    let (t2, b2) = (t.clone(), b.clone());
    let writer = std::thread::spawn(move || {
        let mut sent = Vec::new();
        for i in 0..45 {
            let ts = now_ms();
            let kind = if i % 3 == 0 { "rare" } else { "tick" };
            produce(
                &b2,
                &t2,
                &[Rec {
                    partition: i % 2,
                    key: None,
                    value: Some(event(kind, "h").into_bytes()),
                    headers: vec![],
                    timestamp: ts,
                }],
            );
            sent.push((ts, kind));
            std::thread::sleep(Duration::from_millis(100));
        }
        sent
    });
    let sent = writer.join().unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let pid = child.id().to_string();
    std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    let mut text = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(130));
    let buckets: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v.get("bucket").is_some())
        .collect();
    assert!(buckets.len() >= 4, "{text}");
    let mut checked = 0;
    for bl in &buckets {
        let start = bl["bucket_ms"].as_i64().unwrap();
        let every = bl["every_ms"].as_i64().unwrap();
        for kind in ["tick", "rare"] {
            let want = sent
                .iter()
                .filter(|(ts, k)| *k == kind && *ts >= start && *ts < start + every)
                .count() as u64;
            let got = bl["groups"]
                .as_array()
                .unwrap()
                .iter()
                .find(|g| g["group"]["type"] == kind)
                .map_or(0, |g| g["count"].as_u64().unwrap());
            assert_eq!(got, want, "{kind} in {bl}");
            checked += want;
        }
    }
    assert!(
        checked >= 20,
        "{checked} of {} records in the buckets shown",
        sent.len()
    );
}

/// Regression (sweep 5): a range no record falls in printed nothing and exited 0 in silence;
/// it says so on stderr (exit 0: no group was judged), and --quiet keeps it quiet.
#[test]
fn a_range_without_records_says_so_on_stderr_unless_quiet() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = capture(&dir, &[("a", [30, 30, 30, 30, 30, 30])]);
    let out = evops(&["stats", &path, "--since", "1h", "-f", "json"]).run();
    out.code(0);
    assert!(out.text().is_empty(), "{}", out.text());
    assert!(
        out.stderr.contains("evops stats: no records between ")
            && out.stderr.contains("try an earlier --since"),
        "{}",
        out.stderr
    );
    let quiet = evops(&["stats", &path, "--since", "1h", "-f", "json", "-q"]).run();
    quiet.code(0);
    assert_eq!(quiet.stderr, "");
}

/// Regression (sweep 5): `--baseline before:2100-...` or `99999999999h..0s` was taken, and the
/// rates spread over decades; now a usage error naming --baseline. A past window holding no
/// record is a warning.
#[test]
fn a_baseline_in_the_future_or_before_1970_is_refused_and_an_empty_one_warned_about() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = capture(&dir, &[("a", [30, 30, 30, 30, 30, 30])]);
    for b in ["before:2100-01-01T00:00:00Z", "99999999999h..0s"] {
        let out = evops(&["stats", &path, "--baseline", b]).run();
        out.code(2);
        assert!(out.stderr.contains("--baseline"), "{b}: {}", out.stderr);
    }
    let out = evops(&["stats", &path, "--baseline", "2h..1h", "-f", "json"]).run();
    // Its groups are judged new, as documented; the warning says why.
    out.code(1);
    assert!(
        out.stderr.contains("no records in the --baseline window"),
        "{}",
        out.stderr
    );
}

#[test]
fn too_many_buckets_are_refused_before_reading_and_after_holding() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = capture(&dir, &[("a", [3, 3, 3, 3, 3, 3])]);
    // A week in milliseconds: 604,800,000 buckets, each a counter per group.
    let out = evops(&["stats", &path, "--since", "7d", "--every", "1ms"]).run();
    out.code(2);
    assert!(
        out.stderr
            .contains("--every 1ms cuts the range (7days) into 6048000"),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains("--every 7s or longer"),
        "{}",
        out.stderr
    );
    // A file read whole: the range is what its records span (56m 40s and a millisecond).
    let held = evops(&["stats", &path, "--every", "1ms"]).run();
    held.code(2);
    assert!(
        held.stderr.contains("into 3400001 buckets"),
        "{}",
        held.stderr
    );
    assert!(
        held.stderr.contains("--every 35ms or longer"),
        "{}",
        held.stderr
    );
}

#[test]
fn groups_past_max_groups_are_counted_as_other_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = capture(&dir, &[("a", [3, 3, 3, 3, 3, 3])]);
    // Four keys, k-0..k-3, in offset order: two are kept apart, the rest are one group.
    for range in [
        &["--since", "@1763888400000", "--until", "@1763892000000"][..],
        &[],
    ] {
        let mut args = vec![
            "stats",
            &path,
            "--by",
            "key",
            "--max-groups",
            "2",
            "-f",
            "json",
        ];
        args.extend(range);
        let out = evops(&args).run();
        out.code(0);
        let rows = by_group(&out, "key");
        assert_eq!(
            rows.keys().collect::<Vec<_>>(),
            ["(other)", "k-0", "k-1"],
            "{}",
            out.text()
        );
        assert_eq!(rows["(other)"]["total"], 8);
        assert_eq!(rows["k-0"]["total"], 5);
        assert!(
            out.stderr
                .contains("more than 2 groups: 8 records of the groups past them are counted as one group, (other)"),
            "{}",
            out.stderr
        );
        assert!(out.stderr.contains("--max-groups"), "{}", out.stderr);
    }
}

#[test]
fn long_group_texts_are_cut_and_stay_distinct() {
    let dir = tempfile::tempdir().unwrap();
    let long = |c: &str| "x".repeat(3000) + c;
    let lines: String = (0..4)
        .map(|i| {
            let key = long(if i % 2 == 0 { "a" } else { "b" });
            line(0, i, END - 60_000 + i, &key, &event("t", "h"), "p") + "\n"
        })
        .collect();
    let path = dir.path().join("long.ndjson");
    std::fs::write(&path, lines).unwrap();
    let out = evops(&["stats", path.to_str().unwrap(), "--by", "key", "-f", "json"]).run();
    out.code(0);
    let rows = by_group(&out, "key");
    assert_eq!(rows.len(), 2, "{}", out.text());
    for (text, row) in &rows {
        assert!(text.len() <= 1024, "{} bytes", text.len());
        assert!(text.contains("…(3001 bytes, #"), "{text}");
        assert_eq!(row["total"], 2);
    }
}

/// A record without a time is said on stderr, not silently left out; one stamped absurdly far
/// away (the year 10000, or either end of i64) makes the span refused with both its ends named,
/// never a wrapped range that counts nothing; `--since` keeps the sane records.
#[test]
fn records_without_a_time_or_with_a_wild_one_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.ndjson");
    let path_s = path.to_str().unwrap();
    let now = crate::harness::now_ms().to_string();
    let write = |second: &str| {
        let line = |offset: i64, ts: &str| {
            format!(
                r#"{{"topic":"t","partition":0,"offset":{offset},"timestamp":{ts},"value":"{{}}"}}"#
            )
        };
        std::fs::write(&path, format!("{}\n{}\n", line(1, &now), line(2, second))).unwrap();
    };
    let total = |out: &crate::harness::Output| -> u64 {
        out.json_lines()
            .iter()
            .map(|g| g["total"].as_u64().unwrap())
            .sum()
    };

    write("null");
    let out = evops(&["stats", path_s, "-f", "json"]).run();
    out.code(0);
    assert_eq!(total(&out), 1);
    assert!(
        out.stderr
            .contains("1 record has no timestamp and is not counted"),
        "{}",
        out.stderr
    );

    for wild in [
        "9223372036854775807",
        "-9223372036854775808",
        "253402300800000",
    ] {
        write(wild);
        let out = evops(&["stats", path_s, "-f", "json"]).run();
        out.code(2);
        assert!(
            out.stderr.contains("the range spans") && out.stderr.contains("--since/--until"),
            "{wild}: {}",
            out.stderr
        );
        let out = evops(&["stats", path_s, "--since", "1d", "-f", "json"]).run();
        out.code(0);
        assert_eq!(total(&out), 1, "{wild}");
    }
}

//! `evops filter` (and the filter options of `tail`): jq expressions and shortcuts on the real
//! broker and on capture files, counts and exit codes, bad records, sinks, and the
//! time-ordered merge.

use std::time::Duration;

use serde_json::{json, Value};

use crate::harness::{broker, evops, now_ms, produce, read_all, topic, Rec};

const TYPES: [&str; 3] = ["order_placed", "order_paid", "order_cancelled"];

/// Orders on three partitions: record i is on partition i % 3, keyed u-(i % 17), of type
/// TYPES[i % 3 ... shifted], amount i, header producer=node|kotlin; plus the bad events of
/// the field: the string "null", plain text, a tombstone.
fn orders(n: i64) -> (String, String, Vec<Rec>) {
    let b = broker();
    let t = topic("orders", 3);
    let base = now_ms() - 3_600_000;
    let mut recs: Vec<Rec> = (0..n)
        .map(|i| Rec {
            partition: (i % 3) as i32,
            key: Some(format!("u-{}", i % 17).into_bytes()),
            value: Some(
                json!({"data": {"id": format!("o-{i}"), "type": TYPES[((i / 3) % 3) as usize],
                        "attributes": {"user_id": format!("u-{}", i % 17), "amount": i}},
                       "meta": {"created_at": base + i, "host": "h"}})
                .to_string()
                .into_bytes(),
            ),
            headers: vec![(
                "producer".into(),
                Some(
                    if i % 2 == 0 { "node" } else { "kotlin" }
                        .as_bytes()
                        .to_vec(),
                ),
            )],
            timestamp: base + i * 1000,
        })
        .collect();
    for (i, v) in [Some(&b"null"[..]), Some(b"plain text"), None]
        .iter()
        .enumerate()
    {
        recs.push(Rec {
            partition: i as i32,
            key: Some(b"u-bad".to_vec()),
            value: v.map(<[u8]>::to_vec),
            headers: vec![],
            timestamp: base + n * 1000 + i as i64,
        });
    }
    produce(&b, &t, &recs);
    (b, t, recs)
}

fn offsets(out: &crate::harness::Output) -> Vec<(i64, i64)> {
    let mut v: Vec<(i64, i64)> = out
        .json_lines()
        .iter()
        .map(|r| {
            (
                r["partition"].as_i64().unwrap(),
                r["offset"].as_i64().unwrap(),
            )
        })
        .collect();
    v.sort_unstable();
    v
}

fn run(args: &[&str]) -> crate::harness::Output {
    evops(args).timeout(Duration::from_secs(60)).run()
}

/// The everyday question: only order_cancelled events with amount over 100, as a jq expression,
/// from the beginning to the end by default; the counts go to stderr.
#[test]
fn a_jq_expression_keeps_exactly_the_matching_records() {
    let (b, t, recs) = orders(300);
    let out = run(&[
        "-b",
        &b,
        "filter",
        &t,
        r#".value.data?.type? == "order_cancelled" and .value.data.attributes.amount > 100"#,
        "-f",
        "json",
    ]);
    out.code(0);
    let got = out.json_lines();
    let want = recs
        .iter()
        .filter_map(|r| serde_json::from_slice::<Value>(r.value.as_deref()?).ok())
        .filter(|v| {
            v["data"]["type"] == "order_cancelled"
                && v["data"]["attributes"]["amount"].as_i64() > Some(100)
        })
        .count();
    assert_eq!(got.len(), want);
    assert!(want > 50);
    assert!(got
        .iter()
        .all(|r| r["value"]["data"]["type"] == "order_cancelled"));
    assert!(
        out.stderr
            .contains(&format!("{} read, {want} matched", recs.len())),
        "{}",
        out.stderr
    );
}

/// Each shortcut keeps the same records as the jq program `--explain` prints for it, on the
/// real broker; and shortcuts combine with each other and with an expression.
#[test]
fn shortcuts_match_their_jq_forms() {
    let (b, t, _) = orders(150);
    let cases: &[&[&str]] = &[
        &["--key", "u-3", "--partitioner", "all"],
        &["--header", "producer=kotlin"],
        &["--header", "producer"],
        &["--grep", "o-1[0-9]\""],
        &["--grep-key", "^u-1[0-2]$"],
        &["--type", "order_paid", "--type", "order_placed"],
        &["--id", "o-42", "--id", "o-77"],
        &[
            "--type",
            "order_paid",
            "--header",
            "producer=node",
            "-w",
            ".partition == 1",
        ],
    ];
    for case in cases {
        let mut args = vec!["-b", &b[..], "filter", &t[..], "-f", "json"];
        args.extend_from_slice(case);
        let native = run(&args);
        let mut explain = args.clone();
        explain.push("--explain");
        let jq = run(&explain);
        jq.code(0);
        let program = jq.text().trim().to_string();
        let via_jq = run(&["-b", &b, "filter", &t, "-f", "json", "-w", &program]);
        assert_eq!(offsets(&native), offsets(&via_jq), "{case:?} vs {program}");
        assert!(!offsets(&native).is_empty(), "{case:?} matched nothing");
    }
}

/// Missing fields are null, the string "null" is not a tombstone, a non-JSON value is a
/// string; an expression that fails on a record reports it by topic/partition@offset, counts
/// it, exits 1 — and every other record still comes through.
#[test]
fn bad_records_are_reported_counted_and_the_stream_goes_on() {
    let (b, t, recs) = orders(30);
    let out = run(&["-b", &b, "filter", &t, ".value == \"null\"", "-f", "json"]);
    out.code(0);
    assert_eq!(out.json_lines().len(), 1);
    let out = run(&["-b", &b, "filter", &t, ".value == null", "-f", "json"]);
    assert_eq!(out.json_lines().len(), 1, "the tombstone only");
    let out = run(&[
        "-b",
        &b,
        "filter",
        &t,
        ".value.data.attributes.missing == null",
        "-f",
        "json",
    ]);
    // "null" and "plain text" cannot be indexed; the tombstone (null) can.
    out.code(1);
    assert_eq!(out.json_lines().len(), recs.len() - 2);
    assert!(out.stderr.contains(&format!("{t}/0@")), "{}", out.stderr);
    assert!(out.stderr.contains("2 not judged"), "{}", out.stderr);
}

/// `--count` prints only the number; nothing matched exits 1, like grep; `--stats` counts per
/// topic, type and partition.
#[test]
fn counts_stats_and_exit_codes() {
    let (b, t, _) = orders(90);
    let out = run(&["-b", &b, "filter", &t, "--type", "order_paid", "--count"]);
    out.code(0);
    assert_eq!(out.text().trim(), "30");
    let out = run(&["-b", &b, "filter", &t, "--type", "no_such_type", "--count"]);
    out.code(1);
    assert_eq!(out.text().trim(), "0");
    let out = run(&["-b", &b, "filter", &t, "--stats", "--type", "order_paid"]);
    out.code(0);
    let rows: Vec<String> = out
        .lines()
        .into_iter()
        .filter(|l| l.contains("order_paid"))
        .collect();
    assert_eq!(rows.len(), 3, "{}", out.text());
    assert!(rows.iter().all(|r| r.contains(" 10 ")), "{rows:?}");
}

/// A live topic and a capture file of it give the same matches; matches written to a capture
/// file or to a topic are the records themselves, byte for byte.
#[test]
fn topics_and_capture_files_agree_and_matches_can_be_written() {
    let (b, t, _) = orders(120);
    let dir = tempfile::tempdir().unwrap();
    let cap = dir.path().join("all.ndjson");
    let out = read_all(&b, &t, "capture");
    out.code(0);
    std::fs::write(&cap, &out.stdout).unwrap();
    let cap = cap.to_str().unwrap();
    let expr = "(.value.data?.attributes?.amount? // 1) % 7 == 0";
    // Partitions interleave differently on every read: compare as sets of lines.
    let sorted = |o: &crate::harness::Output| {
        let mut l = o.lines();
        l.sort();
        l
    };
    let live = run(&["-b", &b, "filter", &t, expr, "-f", "json"]);
    let file = run(&["filter", cap, expr, "-f", "json"]);
    assert_eq!(sorted(&live), sorted(&file));
    assert!(!live.lines().is_empty());

    let sub = dir.path().join("sub.ndjson");
    run(&["-b", &b, "filter", &t, expr, "--to", sub.to_str().unwrap()]).code(0);
    let want = run(&["-b", &b, "filter", &t, expr, "-f", "capture"]);
    let mut written: Vec<String> = std::fs::read_to_string(&sub)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    written.sort();
    assert_eq!(written, sorted(&want));

    let target = topic("orders-copy", 3);
    let w = run(&["-b", &b, "filter", &t, expr, "--to", &target]);
    w.code(0);
    let copied = read_all(&b, &target, "capture");
    let strip = |o: &crate::harness::Output, topic: &str| -> Vec<Value> {
        let mut v: Vec<Value> = o
            .json_lines()
            .into_iter()
            .map(|mut r| {
                assert_eq!(r["topic"], topic);
                r.as_object_mut().unwrap().remove("topic");
                r.as_object_mut().unwrap().remove("offset");
                r
            })
            .collect();
        v.sort_by_key(std::string::ToString::to_string);
        v
    };
    assert_eq!(strip(&copied, &target), strip(&want, &t));
}

/// `tail` takes the same filter options.
#[test]
fn tail_filters_too() {
    let (b, t, _) = orders(60);
    let out = run(&[
        "-b",
        &b,
        "tail",
        &t,
        "-o",
        "beginning",
        "-e",
        "--type",
        "order_placed",
        "-w",
        ".value.data.attributes.amount >= 30",
        "-f",
        "json",
    ]);
    out.code(0);
    let got = out.json_lines();
    // order_placed are i / 3 % 3 == 0: of i in 30..60, those are 36..39, 45..48 and 54..57.
    assert_eq!(got.len(), 9);
    assert!(got
        .iter()
        .all(|r| r["value"]["data"]["type"] == "order_placed"));
}

/// Partitions written one after another with interleaved timestamps come out in timestamp
/// order with --ordered, from the topic and from a capture file of it.
#[test]
fn ordered_merges_partitions_by_timestamp() {
    let b = broker();
    let t = topic("interleaved", 4);
    let base = now_ms() - 600_000;
    // Partition p holds timestamps base + p, base + 4 + p, ...: a round-robin in time, but
    // produced (and mostly fetched) partition by partition.
    let mut recs = Vec::new();
    for p in 0..4 {
        for i in 0..250 {
            recs.push(Rec {
                partition: p,
                key: Some(format!("k{p}").into_bytes()),
                value: Some(format!("{{\"n\":{}}}", i * 4 + i64::from(p)).into_bytes()),
                headers: vec![],
                timestamp: base + (i * 4 + i64::from(p)) * 10,
            });
        }
    }
    produce(&b, &t, &recs);
    let ns = |o: &crate::harness::Output| -> Vec<i64> {
        o.json_lines()
            .iter()
            .map(|r| r["value"]["n"].as_i64().unwrap())
            .collect()
    };
    let out = run(&["-b", &b, "filter", &t, "--ordered", "-f", "json"]);
    out.code(0);
    assert_eq!(ns(&out), (0..1000).collect::<Vec<_>>());

    let dir = tempfile::tempdir().unwrap();
    let cap = dir.path().join("i.ndjson");
    std::fs::write(&cap, read_all(&b, &t, "capture").stdout).unwrap();
    let out = run(&["filter", cap.to_str().unwrap(), "--ordered", "-f", "json"]);
    assert_eq!(ns(&out), (0..1000).collect::<Vec<_>>());

    // A buffer too small to hold a partition's lead says so, and still loses nothing.
    let out = run(&[
        "-b",
        &b,
        "filter",
        &t,
        "--ordered",
        "--merge-buffer",
        "10",
        "-f",
        "json",
    ]);
    let mut got = ns(&out);
    got.sort_unstable();
    assert_eq!(got, (0..1000).collect::<Vec<_>>());
}

/// A jq expression that does not compile exits 2 and points at the place; a lone expression
/// without a source is refused.
#[test]
fn bad_expressions_are_usage_errors() {
    let out = run(&["filter", "./x.ndjson", ".value | select(.a == )"]);
    out.code(2);
    assert!(out.stderr.contains("column"), "{}", out.stderr);
    assert!(out.stderr.contains('^'), "{}", out.stderr);
    let out = run(&["filter", ".value.data"]);
    out.code(2);
    assert!(out.stderr.contains("no source"), "{}", out.stderr);
}

/// Capture lines: one record whose value nests 20,000 arrays deep, then a plain one.
fn deep_then_plain() -> String {
    let deep = format!("{}{}", "[".repeat(20_000), "]".repeat(20_000));
    let line = |offset: i64, value: &str| {
        serde_json::json!({"topic": "d", "partition": 0, "offset": offset, "value": value})
            .to_string()
    };
    format!(
        "{}\n{}\n",
        line(0, &deep),
        line(1, r#"{"data":{"type":"x"}}"#)
    )
}

/// A value nested too deeply is a counted, named bad record (not a stack overflow), on every
/// way a filter reads values, and the stream goes on to the next record.
#[test]
fn too_deep_values_are_bad_records_not_crashes() {
    for expr in [
        r#".value.data.type == "x""#,
        ".value | length > 0",
        ".value[0] != 1",
        r"--type=x",
    ] {
        let args: Vec<&str> = if let Some(t) = expr.strip_prefix("--type=") {
            vec!["filter", "-", "--type", t, "-f", "json"]
        } else {
            vec!["filter", "-", expr, "-f", "json"]
        };
        let out = evops(&args).stdin(deep_then_plain()).run();
        out.code(1);
        assert!(
            out.stderr
                .contains("d/0@0: value: nested deeper than 100 levels"),
            "{expr}: {}",
            out.stderr
        );
        let offsets: Vec<i64> = out
            .json_lines()
            .iter()
            .map(|r| r["offset"].as_i64().unwrap())
            .collect();
        assert_eq!(offsets, vec![1], "{expr}");
    }
}

/// Every output of filter, not only its records (the count, the stats table, --explain), ends
/// quietly with exit 0 on a closed pipe and is an error (exit 2, said once) on a full disk.
#[test]
fn every_output_survives_closed_pipes_and_full_disks() {
    use crate::harness::{closed_pipe, full_disk};
    let capture = concat!(
        r#"{"topic":"t","partition":0,"offset":0,"value":"{\"type\":\"a\"}"}"#,
        "\n",
        r#"{"topic":"t","partition":1,"offset":1,"value":"{\"type\":\"b\"}"}"#,
        "\n"
    );
    let cases: [&[&str]; 4] = [
        &["filter", "-", "-c"],
        &["filter", "-", "--stats"],
        &["filter", "-", "--explain", "--type", "a"],
        &["filter", "-"],
    ];
    for args in cases {
        let out = evops(args).stdin(capture).stdout(closed_pipe()).run();
        assert_eq!(out.code, 0, "{args:?} | closed: {}", out.stderr);
        assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
        let out = evops(args).stdin(capture).stdout(full_disk()).run();
        assert_eq!(out.code, 2, "{args:?} > /dev/full: {}", out.stderr);
        assert!(
            out.stderr.contains("No space left on device") && !out.stderr.contains("panicked"),
            "{args:?}: {}",
            out.stderr
        );
        assert!(
            out.stderr.contains("evops: writing "),
            "{args:?}: the error says what was being written: {}",
            out.stderr
        );
    }
}

/// The first SIGTERM stops a filter within a second, with the summary and exit 130, whatever
/// its expression is doing: yielding outputs without end, or never returning at all. The
/// records written before the stuck one reach stdout.
#[test]
fn the_first_sigterm_stops_any_expression() {
    let dir = tempfile::tempdir().unwrap();
    let capture = dir.path().join("c.ndjson");
    std::fs::write(
        &capture,
        concat!(
            r#"{"topic":"t","partition":0,"offset":0,"value":"a"}"#,
            "\n",
            r#"{"topic":"t","partition":0,"offset":1,"value":"b"}"#,
            "\n"
        ),
    )
    .unwrap();
    let c = capture.to_str().unwrap();
    for (expr, summary) in [
        (
            "if .offset == 0 then true else (range(1e12) | . == -1) end",
            "evops filter: 2 read, 1 matched",
        ),
        (
            "if .offset == 0 then true else until(false; .) end",
            "(an expression or a read that does not return): 2 read, 1 written",
        ),
        (
            "if .offset == 0 then true else last(range(1e12)) end",
            "(an expression or a read that does not return): 2 read, 1 written",
        ),
    ] {
        let child = evops(&["filter", c, expr, "-f", "json"]).spawn();
        let (code, out, err, took) = crate::harness::terminate(child, Duration::from_millis(800));
        assert_eq!(code, Some(130), "{expr}: {err}");
        // The watch speaks for the run after GRACE (600 ms), then polls, flushes and exits: well
        // under a second on an idle machine, 1.02 s once with the load at 10 on two cores.
        assert!(took < Duration::from_millis(1500), "{expr}: took {took:?}");
        assert!(
            err.contains(summary) && err.contains("interrupted"),
            "{expr}: {err}"
        );
        assert_eq!(out.lines().count(), 1, "{expr}: {out}");
        assert!(out.contains(r#""offset":0"#), "{expr}: {out}");
    }
}

/// An expression as deep as it is long (thousands of nested brackets or chained operators)
/// compiles and runs instead of overflowing the stack; one past the length bound is a usage
/// error that says so.
#[test]
fn deep_expressions_run_and_too_long_ones_are_refused() {
    let capture = r#"{"topic":"t","partition":0,"offset":0,"value":"v"}"#;
    for expr in [
        format!("{}{} | length == 1", "[".repeat(6000), "]".repeat(6000)),
        format!("{}1 > 0", "1+".repeat(7000)),
        format!("{}1{} == 1", "(".repeat(6000), ")".repeat(6000)),
    ] {
        let out = evops(&["filter", "-", &expr, "-f", "json"])
            .stdin(capture)
            .run();
        out.code(0);
        assert_eq!(out.json_lines().len(), 1);
    }
    let out = evops(&["filter", "-", &format!("{}1", "1+".repeat(8000))])
        .stdin(capture)
        .run();
    out.code(2);
    assert!(
        out.stderr.contains("may be 16000 bytes long"),
        "{}",
        out.stderr
    );
}

/// Capture lines with offsets 0..n on partition i % 3, for writes that need no broker.
fn capture_file(dir: &std::path::Path, name: &str, n: usize) -> std::path::PathBuf {
    let path = dir.join(name);
    let mut text = String::new();
    for i in 0..n {
        text.push_str(
            &json!({"topic": "c", "partition": i % 3, "offset": i, "timestamp": 1_700_000_000_000u64 + i as u64,
                    "timestamp_type": "create", "key": format!("k{i}"), "value": format!("{{\"n\":{i}}}")})
            .to_string(),
        );
        text.push('\n');
    }
    std::fs::write(&path, text).unwrap();
    path
}

/// `filter X --to X` used to empty X before reading it. The file read is never written: by
/// its path, a hard link to it, or stdin redirected from it; the file is left as it was.
#[test]
fn filter_and_sample_never_write_into_the_file_they_read() {
    let dir = tempfile::tempdir().unwrap();
    let c = capture_file(dir.path(), "c.ndjson", 20);
    let before = std::fs::read(&c).unwrap();
    let link = dir.path().join("link.ndjson");
    std::fs::hard_link(&c, &link).unwrap();
    let (c_s, link_s) = (c.to_str().unwrap(), link.to_str().unwrap());
    for args in [
        vec!["filter", c_s, "--to", c_s, "-w", "true"],
        vec!["filter", c_s, "--to", link_s, "-w", "true"],
        vec!["sample", c_s, "--rate", "1", "--to", c_s],
    ] {
        let out = run(&args);
        out.code(2);
        assert!(
            out.stderr.contains("the file this command reads"),
            "{args:?}: {}",
            out.stderr
        );
    }
    let out = evops(&["filter", "-", "--to", c_s, "-w", "true"])
        .stdin_file(&c)
        .run();
    out.code(2);
    assert!(out.stderr.contains("(stdin)"), "{}", out.stderr);
    assert_eq!(std::fs::read(&c).unwrap(), before, "the source changed");
}

/// A topic is never fed into itself by accident: refused without --allow-loop, and refused
/// with it while following (-F), which would copy its own copies without end.
#[test]
fn filter_never_feeds_a_topic_into_itself_by_accident() {
    let out = run(&[
        "-b", "embedded", "filter", "articles", "--to", "articles", "-w", "true",
    ]);
    out.code(2);
    assert!(out.stderr.contains("--allow-loop"), "{}", out.stderr);
    let out = run(&[
        "-b",
        "embedded",
        "filter",
        "^art.*",
        "-F",
        "--to",
        "articles",
        "--allow-loop",
        "-w",
        "true",
    ]);
    out.code(2);
    assert!(out.stderr.contains("without end"), "{}", out.stderr);
}

/// With --allow-loop, a bounded filter into its own topic stops at the end offsets taken at
/// the start: the topic ends with exactly twice its records, not an endless copy.
#[test]
fn filter_into_its_own_topic_with_allow_loop_copies_once() {
    let (b, t, recs) = orders(30);
    let out = run(&[
        "-b",
        &b,
        "filter",
        &t,
        "--to",
        &t,
        "--allow-loop",
        "-w",
        "true",
    ]);
    out.code(0);
    let all = read_all(&b, &t, "json");
    assert_eq!(all.json_lines().len(), 2 * recs.len());
}

/// A dry run of `--to TOPIC` makes the real run's decisions, refusals included (records of a
/// partition the target lacks), and writes nothing.
#[test]
fn filter_dry_run_decides_what_the_real_run_does() {
    // articles has more partitions than users in the demo cluster.
    let dry = run(&[
        "-b",
        "embedded",
        "filter",
        "articles",
        "--to",
        "users",
        "--dry-run",
        "-w",
        "true",
    ]);
    let real = run(&[
        "-b", "embedded", "filter", "articles", "--to", "users", "-w", "true",
    ]);
    dry.code(1);
    real.code(1);
    let counts = |s: &str| {
        let line = s
            .lines()
            .find(|l| l.starts_with("evops filter:"))
            .unwrap()
            .to_string();
        line.split(" in ")
            .next()
            .unwrap()
            .replace("would be written", "written")
    };
    assert_eq!(
        counts(&dry.stderr),
        counts(&real.stderr),
        "{}\n{}",
        dry.stderr,
        real.stderr
    );
    assert!(
        dry.stderr.contains("would not be written: partition"),
        "{}",
        dry.stderr
    );
    assert!(dry.stdout.is_empty());
}

/// From a terminal, more than 10,000 records are written only after a yes, read from the
/// terminal even when the records come from stdin; a no writes nothing and leaves an existing
/// file as it was; 10,000 or fewer are written without a question.
#[test]
fn a_big_write_from_a_terminal_asks_first() {
    let dir = tempfile::tempdir().unwrap();
    let big = capture_file(dir.path(), "big.ndjson", 10_001);
    let small = capture_file(dir.path(), "small.ndjson", 10_000);
    let out = dir.path().join("out.ndjson");
    std::fs::write(&out, "kept\n").unwrap();
    let (big_s, out_s) = (big.to_str().unwrap(), out.to_str().unwrap());

    let (code, screen) =
        crate::harness::on_terminal(&["filter", big_s, "--to", out_s, "-w", "true"], "", "n\n");
    assert_eq!(code, 1, "{screen}");
    assert!(screen.contains("10001 records or more"), "{screen}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "kept\n");

    let tail = format!("< '{big_s}'");
    let (code, screen) =
        crate::harness::on_terminal(&["filter", "-", "--to", out_s, "-w", "true"], &tail, "y\n");
    assert_eq!(code, 0, "{screen}");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap().lines().count(),
        10_001
    );

    let (code, screen) = crate::harness::on_terminal(
        &[
            "filter",
            small.to_str().unwrap(),
            "--to",
            out_s,
            "-w",
            "true",
        ],
        "",
        "",
    );
    assert_eq!(code, 0, "{screen}");
    assert!(!screen.contains("[y/N]"), "{screen}");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap().lines().count(),
        10_000
    );
}

/// Regression (sweep 4): a `--type-path` whose first name is a glob (`d*.type`) found no type,
/// in `filter --type` and in `stats --by type` alike: the default id path `data.id` shadowed it.
#[test]
fn a_globbed_type_path_reads_the_type_beside_the_default_id_paths() {
    let mut text = String::new();
    for (i, kind) in ["a", "b", "a"].iter().enumerate() {
        let value = json!({"data": {"id": i, "type": kind}}).to_string();
        let line = json!({"topic": "c", "partition": 0, "offset": i, "timestamp": 1_700_000_000_000u64,
                          "key": null, "value": value});
        text.push_str(&format!("{line}\n"));
    }
    for path in ["d*.type", "*.type", "data.typ*"] {
        let out = evops(&["filter", "-", "--type-path", path, "--type", "a"])
            .stdin(text.clone())
            .run();
        out.code(0);
        assert_eq!(out.lines().len(), 2, "{path}: {}", out.stderr);
        let out = evops(&["stats", "-", "--type-path", path, "-f", "json"])
            .stdin(text.clone())
            .run();
        let totals: Vec<(String, u64)> = out
            .json_lines()
            .iter()
            .map(|r| {
                (
                    r["group"]["type"].as_str().unwrap().to_string(),
                    r["total"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            totals,
            [("a".to_string(), 2), ("b".to_string(), 1)],
            "{path}"
        );
    }
}

/// A raw print (or a count) does not read headers from the broker (librdkafka's parse of them
/// cost most of a raw tail's time), unless a condition or the expression asks for them: then
/// each keeps what it keeps with the JSON print, which shows them.
#[test]
fn a_raw_print_still_judges_by_headers() {
    let (b, t, recs) = orders(60);
    let kotlin = recs.iter().filter(|r| !r.headers.is_empty()).count() / 2;
    let cases: &[&[&str]] = &[
        &["--header", "producer=kotlin"],
        &["-w", r#".headers.producer == "kotlin""#],
        &["-w", r#"select(.headers.producer == "kotlin")"#],
        &["-w", r#".headers | .producer == "kotlin""#],
        &["-w", r#". as $r | $r.headers.producer == "kotlin""#],
    ];
    for case in cases {
        for format in ["raw", "json"] {
            let mut args = vec!["-b", &b[..], "filter", &t[..], "-f", format];
            args.extend_from_slice(case);
            let out = run(&args);
            out.code(0);
            assert_eq!(out.text().lines().count(), kotlin, "{case:?} -f {format}");
            let mut count = args.clone();
            count.push("--count");
            assert_eq!(
                run(&count).text().trim(),
                kotlin.to_string(),
                "{case:?} --count"
            );
        }
    }
    // Without a question about them, every value is printed as it is.
    let out = run(&["-b", &b, "tail", &t, "-o", "beginning", "-e", "-f", "raw"]);
    out.code(0);
    assert_eq!(out.text().lines().count(), recs.len());
}

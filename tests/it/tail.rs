//! `evops tail` against the real broker: every `--from` / `--until` form, several topics,
//! formats, errors, Ctrl-C, closed pipes, and the promise to leave no consumer group behind.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::time::{Duration, Instant};

use crate::harness::{broker, evops, now_ms, parse_capture, produce, read_all, topic, Rec};

pub(crate) fn tricky_records(base_ts: i64) -> Vec<Rec> {
    let mut recs = vec![
        Rec {
            partition: 0,
            key: None,
            value: Some(b"null key".to_vec()),
            headers: vec![],
            timestamp: base_ts,
        },
        Rec {
            partition: 0,
            key: Some(vec![]),
            value: Some(vec![]),
            headers: vec![],
            timestamp: base_ts + 1,
        },
        Rec {
            partition: 1,
            key: Some(b"k".to_vec()),
            value: None,
            headers: vec![("tomb".into(), None)],
            timestamp: base_ts + 2,
        },
        Rec {
            partition: 1,
            key: Some(vec![0xff, 0x00, 0xfe]),
            value: Some(vec![0, 159, 146, 150, 0xc3, 0x28, b'\n', b'\r']),
            headers: vec![
                ("dup".into(), Some(b"1".to_vec())),
                ("dup".into(), Some(vec![0xff])),
                ("empty".into(), Some(vec![])),
                ("null".into(), None),
            ],
            timestamp: base_ts + 3,
        },
        Rec {
            partition: 2,
            key: Some("ключ ✓".as_bytes().to_vec()),
            value: Some(br#"{"data":{"id":"x"}}"#.to_vec()),
            headers: vec![("h".into(), Some(b"v".to_vec()))],
            timestamp: 1,
        },
    ];
    for i in 0..20 {
        recs.push(Rec {
            partition: i % 3,
            key: Some(format!("key-{i}").into_bytes()),
            value: Some(format!("{{\"n\":{i}}}").into_bytes()),
            headers: vec![],
            timestamp: base_ts + 100 + i64::from(i),
        });
    }
    recs
}

/// Parse capture lines into (partition, Rec) in the order printed.
/// `-f json` lines have exactly the documented fields with their types (README: "JSON lines
/// output, a stable contract"): keys and values decoded, binary as `{"base64"}`, absent as
/// null, a repeated header as an array of its values.
#[test]
fn json_lines_follow_the_contract() {
    use crate::harness::contract::{decode_lines, JsonLine, TimestampType};
    use serde_json::json;
    let b = broker();
    let t = topic("jsonlines", 3);
    let sent = tricky_records(now_ms() - 60_000);
    produce(&b, &t, &sent);
    let out = crate::harness::read_all(&b, &t, "json");
    out.code(0);
    let lines: Vec<JsonLine> = decode_lines(&out.stdout);
    assert_eq!(lines.len(), sent.len());
    assert!(lines
        .iter()
        .all(|l| l.topic == t && l.timestamp_type == TimestampType::Create));
    let binary = lines
        .iter()
        .find(|l| l.headers.contains_key("dup"))
        .unwrap();
    assert_eq!(binary.key, json!({"base64": "/wD+"}));
    assert_eq!(binary.headers["dup"], json!(["1", {"base64": "/w=="}]));
    let tomb = lines
        .iter()
        .find(|l| l.headers.contains_key("tomb"))
        .unwrap();
    assert_eq!(
        (&tomb.value, &tomb.headers["tomb"]),
        (&json!(null), &json!(null))
    );
    let embedded = lines.iter().find(|l| l.timestamp == Some(1)).unwrap();
    assert_eq!(embedded.value, json!({"data": {"id": "x"}}));
}

fn by_partition(recs: impl IntoIterator<Item = Rec>) -> BTreeMap<i32, Vec<Rec>> {
    let mut m: BTreeMap<i32, Vec<Rec>> = BTreeMap::new();
    for r in recs {
        m.entry(r.partition).or_default().push(r);
    }
    m
}

#[test]
fn capture_is_lossless_byte_for_byte() {
    let b = broker();
    let t = topic("capture", 3);
    let sent = tricky_records(now_ms() - 60_000);
    produce(&b, &t, &sent);
    let out = read_all(&b, &t, "capture");
    out.code(0);
    let got = parse_capture(&out.stdout);
    assert!(got.iter().all(|(topic, _, _)| topic == &t));
    // Offsets are dense from 0 within each partition.
    for p in 0..3 {
        let offs: Vec<i64> = got
            .iter()
            .filter(|(_, _, r)| r.partition == p)
            .map(|(_, o, _)| *o)
            .collect();
        assert_eq!(offs, (0..offs.len() as i64).collect::<Vec<_>>());
    }
    assert_eq!(
        by_partition(got.into_iter().map(|(_, _, r)| r)),
        by_partition(sent)
    );
}

/// One partition, 20 records one minute apart, on half-minute marks so no bound is ambiguous.
fn timeline() -> (String, String, Vec<i64>) {
    let b = broker();
    let t = topic("timeline", 1);
    let base = now_ms() - 30 * 60_000;
    let ts: Vec<i64> = (0..20).map(|i| base + i * 60_000 + 30_000).collect();
    let recs: Vec<Rec> = ts
        .iter()
        .enumerate()
        .map(|(i, &ts)| Rec {
            partition: 0,
            key: Some(format!("k{i}").into_bytes()),
            value: Some(format!("v{i}").into_bytes()),
            headers: vec![],
            timestamp: ts,
        })
        .collect();
    produce(&b, &t, &recs);
    (b, t, ts)
}

fn values(b: &str, t: &str, args: &[&str]) -> Vec<String> {
    let mut all = vec!["-b", b, "tail", t, "-f", "raw"];
    all.extend_from_slice(args);
    let out = evops(&all).timeout(Duration::from_secs(30)).run();
    out.code(0);
    out.lines()
}

fn range(a: usize, b: usize) -> Vec<String> {
    (a..b).map(|i| format!("v{i}")).collect()
}

#[test]
fn every_from_and_until_form() {
    let (b, t, ts) = timeline();
    let rfc = |ms: i64| {
        time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
            .unwrap()
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    assert_eq!(values(&b, &t, &["-o", "beginning", "-e"]), range(0, 20));
    assert_eq!(values(&b, &t, &["-o", "end", "-e"]), range(0, 0));
    assert_eq!(values(&b, &t, &["-e"]), range(0, 0), "default is end");
    assert_eq!(values(&b, &t, &["-o", "3", "-e"]), range(3, 20));
    assert_eq!(values(&b, &t, &["-o", "-4", "-e"]), range(16, 20));
    assert_eq!(values(&b, &t, &["-o", "-400", "-e"]), range(0, 20));
    assert_eq!(
        values(&b, &t, &["-o", &format!("s@{}", ts[5]), "-e"]),
        range(5, 20)
    );
    assert_eq!(
        values(&b, &t, &["-o", &format!("@{}", ts[5] - 1), "-e"]),
        range(5, 20)
    );
    assert_eq!(values(&b, &t, &["-o", &rfc(ts[5]), "-e"]), range(5, 20));
    assert_eq!(values(&b, &t, &["-o", "15m", "-e"]), range(15, 20));
    assert_eq!(values(&b, &t, &["--from", "1h", "-e"]), range(0, 20));
    // --until, with and without -e: a past time or offset ends the read by itself.
    assert_eq!(
        values(&b, &t, &["-o", "beginning", "--until", "7"]),
        range(0, 7)
    );
    assert_eq!(
        values(&b, &t, &["-o", "beginning", "--until", "-5"]),
        range(0, 15)
    );
    assert_eq!(
        values(
            &b,
            &t,
            &["-o", "beginning", "--until", &format!("s@{}", ts[12])]
        ),
        range(0, 12)
    );
    assert_eq!(
        values(&b, &t, &["-o", "2", "--until", &rfc(ts[12] + 1), "-e"]),
        range(2, 13)
    );
    assert_eq!(
        values(&b, &t, &["-o", "20m", "--until", "15m"]),
        range(10, 15)
    );
    assert_eq!(
        values(&b, &t, &["-o", "beginning", "--until", "now"]),
        range(0, 20)
    );
    assert_eq!(
        values(&b, &t, &["-o", "beginning", "--until", "end"]),
        range(0, 20)
    );
    assert_eq!(
        values(&b, &t, &["-o", "beginning", "-e", "--max", "3"]),
        range(0, 3)
    );
}

#[test]
fn a_future_until_waits_for_the_clock_then_stops() {
    let (b, t, _) = timeline();
    let started = Instant::now();
    let until = format!("@{}", now_ms() + 1500);
    assert_eq!(
        values(&b, &t, &["-o", "-2", "--until", &until]),
        range(18, 20)
    );
    assert!(started.elapsed() >= Duration::from_millis(1400));
}

#[test]
fn several_topics_and_patterns_partitions_and_keys() {
    let b = broker();
    let prefix = crate::harness::unique("multi");
    let mk = |suffix: &str, n: i32| {
        let name = format!("{prefix}-{suffix}");
        crate::harness::create_topic(&b, &name, n);
        name
    };
    let a = mk("a", 2);
    let c = mk("c", 1);
    let rec = |p: i32, k: &str| Rec {
        partition: p,
        key: Some(k.as_bytes().to_vec()),
        value: Some(format!("{k}@{p}").into_bytes()),
        headers: vec![],
        timestamp: now_ms(),
    };
    produce(&b, &a, &[rec(0, "x"), rec(1, "y"), rec(1, "x")]);
    produce(&b, &c, &[rec(0, "z")]);
    let mut both = values(&b, &a, &["-o", "beginning", "-e"]);
    both.sort();
    assert_eq!(both, ["x@0", "x@1", "y@1"]);
    let out = evops(&[
        "-b",
        &b,
        "tail",
        &a,
        &c,
        "-o",
        "beginning",
        "-e",
        "-f",
        "{topic} {value}",
    ])
    .run();
    out.code(0);
    assert_eq!(out.lines().len(), 4);
    let out = evops(&[
        "-b",
        &b,
        "tail",
        &format!("^{prefix}-.*"),
        "-o",
        "beginning",
        "-e",
        "-f",
        "{topic}",
    ])
    .run();
    out.code(0);
    let mut topics = out.lines();
    topics.sort();
    topics.dedup();
    assert_eq!(topics, [a.clone(), c.clone()]);
    assert_eq!(
        values(&b, &a, &["-o", "beginning", "-e", "-p", "1"]),
        ["y@1", "x@1"]
    );
    let mut keyed = values(
        &b,
        &a,
        &[
            "-o",
            "beginning",
            "-e",
            "--key",
            "x",
            "--partitioner",
            "all",
        ],
    );
    keyed.sort();
    assert_eq!(keyed, ["x@0", "x@1"]);
    // Key-directed: only the partition the Java partitioner puts "x" on is read.
    let java = evops::partition::java().partition(Some(b"x"), 2).unwrap();
    let routed = evops(&[
        "-b",
        &b,
        "tail",
        &a,
        "-o",
        "beginning",
        "-e",
        "--key",
        "x",
        "-f",
        "raw",
    ])
    .run();
    routed.code(0);
    assert_eq!(routed.lines(), [format!("x@{java}")]);
    assert!(
        routed.stderr.contains(&format!(
            "reading only {a}/{java}, where the java partitioner puts this key"
        )),
        "{}",
        routed.stderr
    );
    let crc = evops::partition::librdkafka()
        .partition(Some(b"x"), 2)
        .unwrap();
    assert_eq!(
        values(
            &b,
            &a,
            &[
                "-o",
                "beginning",
                "-e",
                "--key",
                "x",
                "--partitioner",
                "librdkafka"
            ]
        ),
        [format!("x@{crc}")]
    );
    let out = evops(&["-b", &b, "tail", &a, "-p", "7", "-e"]).run();
    out.code(2);
    assert!(
        out.stderr.contains("partition 7 does not exist"),
        "{}",
        out.stderr
    );
}

#[test]
fn output_formats() {
    let b = broker();
    let t = topic("formats", 1);
    produce(
        &b,
        &t,
        &[Rec {
            partition: 0,
            key: Some(vec![0, 0, 0, 42]),
            value: Some(br#"{"data":{"id":"a-1","type":"article_published"}}"#.to_vec()),
            headers: vec![("producer".into(), Some(b"kotlin-api".to_vec()))],
            timestamp: 1_763_892_000_000,
        }],
    );
    let run = |args: &[&str]| {
        let mut all = vec![
            "-b",
            b.as_str(),
            "tail",
            t.as_str(),
            "-o",
            "beginning",
            "-e",
        ];
        all.extend_from_slice(args);
        let out = evops(&all).run();
        out.code(0);
        out
    };
    let json = run(&["-f", "json", "--key-format", "int32"]).json_lines();
    assert_eq!(json.len(), 1);
    assert_eq!(json[0]["key"], 42);
    assert_eq!(json[0]["value"]["data"]["type"], "article_published");
    assert_eq!(json[0]["headers"]["producer"], "kotlin-api");
    assert_eq!(json[0]["timestamp"], 1_763_892_000_000i64);
    assert_eq!(json[0]["offset"], 0);
    // Piped output defaults to JSON lines.
    assert_eq!(run(&[]).json_lines()[0]["value"]["data"]["id"], "a-1");
    assert_eq!(
        run(&["-f", "raw"]).text(),
        "{\"data\":{\"id\":\"a-1\",\"type\":\"article_published\"}}\n"
    );
    assert_eq!(
        run(&[
            "-f",
            "{topic}/{partition}@{offset} {key} {value.data.type} {header.producer} {time}",
            "--key-format",
            "hex"
        ])
        .text(),
        format!("{t}/0@0 0000002a article_published kotlin-api 2025-11-23T10:00:00.000Z\n")
    );
    let pretty = run(&["-f", "pretty", "--key-format", "int32"]);
    let text = pretty.text();
    assert!(
        text.starts_with(&format!(
            "{t}/0@0  2025-11-23T10:00:00.000Z  key=42  producer=kotlin-api\n"
        )),
        "{text}"
    );
    assert!(text.contains("\n{\n  \"data\": {"), "{text}");
    assert!(!text.contains('\x1b'), "no colour when piped");
    assert_eq!(pretty.code, 0);
    let coloured = run(&["-f", "pretty", "--color", "always"]);
    assert!(coloured.text().contains("\x1b[1;36m"));
    // A value that is not what --value-format says is a finding: shown anyway, exit 1.
    let out = evops(&[
        "-b",
        &b,
        "tail",
        &t,
        "-o",
        "beginning",
        "-e",
        "-f",
        "json",
        "--value-format",
        "int32",
    ])
    .run();
    out.code(1);
    assert!(
        out.stderr
            .contains(&format!("{t}/0@0: value: int32 needs 4 bytes")),
        "{}",
        out.stderr
    );
    assert_eq!(out.json_lines().len(), 1);
}

#[test]
fn unknown_topic_suggests_and_exits_2() {
    let b = broker();
    let t = topic("suggest-me", 1);
    let typo = format!("{}x", &t[..t.len() - 1]);
    let out = evops(&["-b", &b, "tail", &typo, "-e"]).run();
    out.code(2);
    assert!(
        out.stderr
            .contains(&format!("topic '{typo}' does not exist (did you mean")),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains(&t), "{}", out.stderr);
    let out = evops(&["-b", &b, "tail", "^no-such-topic-.*", "-e"]).run();
    out.code(2);
    assert!(out.stderr.contains("matches no topic"));
}

#[test]
fn unreachable_broker_fails_within_the_timeout() {
    let started = Instant::now();
    let out = evops(&[
        "-b",
        "127.0.0.1:9",
        "--timeout",
        "2s",
        "tail",
        "anything",
        "-e",
        "-X",
        "sasl.password=hunter2",
        "-v",
    ])
    .run();
    out.code(2);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "took {:?}",
        started.elapsed()
    );
    assert!(
        out.stderr
            .contains("cannot reach Kafka at 127.0.0.1:9 within 2s"),
        "{}",
        out.stderr
    );
    assert!(
        !out.stderr.contains("hunter2"),
        "a secret leaked: {}",
        out.stderr
    );
    assert!(
        out.stderr.contains("sasl.password=<redacted>"),
        "{}",
        out.stderr
    );
}

#[test]
fn bad_option_values_show_the_accepted_forms() {
    for (args, want) in [
        (
            vec!["tail", "t", "-o", "yesterday"],
            "accepted: beginning | end",
        ),
        (vec!["tail", "t", "--until", "soon"], "accepted: now |"),
        (
            vec!["tail", "t", "-f", "xml"],
            "accepted: pretty, json, capture, raw",
        ),
        (
            vec!["tail", "t", "-f", "{nope}"],
            "unknown placeholder '{nope}'",
        ),
        (
            vec!["tail", "t", "--value-format", "yaml"],
            "accepted: auto, string, json",
        ),
        (vec!["--timeout", "10", "tail", "t"], "with a unit"),
        (vec!["-X", "novalue", "tail", "t"], "KEY=VALUE"),
    ] {
        let out = evops(&args).run();
        out.code(2);
        assert!(out.stderr.contains(want), "{args:?}: {}", out.stderr);
    }
    let out = evops(&["tail", "t", "-e"]).run();
    out.code(2);
    assert!(out.stderr.contains("no brokers given"), "{}", out.stderr);
}

#[test]
fn no_consumer_group_is_left_behind() {
    use rdkafka::consumer::{BaseConsumer, Consumer};
    let b = broker();
    let t = topic("nogroup", 2);
    produce(
        &b,
        &t,
        &[Rec {
            partition: 1,
            key: None,
            value: Some(b"v".to_vec()),
            headers: vec![],
            timestamp: now_ms(),
        }],
    );
    evops(&["-b", &b, "tail", &t, "-o", "beginning", "-e"])
        .run()
        .code(0);
    // A control: a group that did commit must show up, or the check below proves nothing.
    let control = crate::harness::unique("control-group");
    let c: BaseConsumer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", &b)
        .set("group.id", &control)
        .set("session.timeout.ms", "6000")
        .create()
        .unwrap();
    let mut tpl = rdkafka::TopicPartitionList::new();
    tpl.add_partition_offset(&t, 1, rdkafka::Offset::Offset(1))
        .unwrap();
    c.commit(&tpl, rdkafka::consumer::CommitMode::Sync)
        .expect("control commit");
    let groups = c
        .fetch_group_list(None, Duration::from_secs(10))
        .expect("ListGroups");
    let names: Vec<&str> = groups
        .groups()
        .iter()
        .map(rdkafka::groups::GroupInfo::name)
        .collect();
    assert!(
        names.contains(&control.as_str()),
        "the control group is not listed: {names:?}"
    );
    assert!(
        names.iter().all(|n| !n.starts_with("evops")),
        "groups on the broker: {names:?}"
    );
}

#[test]
fn ctrl_c_stops_cleanly_with_a_summary() {
    let b = broker();
    let t = topic("sigint", 1);
    produce(
        &b,
        &t,
        &[Rec {
            partition: 0,
            key: None,
            value: Some(b"one".to_vec()),
            headers: vec![],
            timestamp: now_ms(),
        }],
    );
    let mut child = evops(&["-b", &b, "tail", &t, "-o", "beginning", "-f", "raw"]).spawn();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    assert_eq!(lines.next().unwrap().unwrap(), "one");
    let kill = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let status = child.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert_eq!(status.code(), Some(130), "{err}");
    assert!(
        err.contains("1 read, 1 written") && err.contains("interrupted"),
        "{err}"
    );
}

#[test]
fn a_closed_pipe_exits_0_quietly() {
    let b = broker();
    let t = topic("pipe", 1);
    let recs: Vec<Rec> = (0..5000)
        .map(|i| Rec {
            partition: 0,
            key: None,
            value: Some(format!("{i:0>200}").into_bytes()),
            headers: vec![],
            timestamp: now_ms(),
        })
        .collect();
    produce(&b, &t, &recs);
    let mut child = evops(&["-b", &b, "tail", &t, "-o", "beginning", "-e", "-f", "raw"]).spawn();
    {
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        assert!(lines.next().unwrap().is_ok());
    } // `| head -1`: the reader goes away.
    let status = child.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert_eq!(status.code(), Some(0), "{err}");
    assert_eq!(err, "");
}

#[test]
fn capture_files_and_stdin_are_sources_and_bad_lines_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.ndjson");
    let good = |o: i64| {
        format!("{{\"topic\":\"t\",\"partition\":0,\"offset\":{o},\"timestamp\":{},\"key\":\"k\",\"value\":\"v{o}\"}}\n", 1000 + o)
    };
    std::fs::write(&path, format!("{}{{oops\n{}", good(0), good(1))).unwrap();
    let p = path.to_str().unwrap();
    let out = evops(&["tail", p, "-f", "raw"]).run();
    out.code(1);
    assert_eq!(out.lines(), ["v0", "v1"]);
    assert!(
        out.stderr.contains(&format!("{p}:2: not a capture line")),
        "{}",
        out.stderr
    );
    let out = evops(&["tail", "-", "-f", "raw", "-o", "1"])
        .stdin(format!("{}{}", good(0), good(1)))
        .run();
    out.code(0);
    assert_eq!(out.lines(), ["v1"]);
    let out = evops(&["tail", p, "-o", "end"]).run();
    out.code(2);
    assert!(out.stderr.contains("need a topic"), "{}", out.stderr);
}

#[test]
fn profiles_supply_brokers_and_properties() {
    let b = broker();
    let t = topic("profile", 1);
    produce(
        &b,
        &t,
        &[Rec {
            partition: 0,
            key: None,
            value: Some(b"via profile".to_vec()),
            headers: vec![],
            timestamp: now_ms(),
        }],
    );
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, format!("[profiles.test]\nbrokers = \"{b}\"\n[profiles.test.properties]\n\"fetch.wait.max.ms\" = \"50\"\n")).unwrap();
    let out = evops(&[
        "--config",
        cfg.to_str().unwrap(),
        "--profile",
        "test",
        "tail",
        &t,
        "-o",
        "beginning",
        "-e",
        "-f",
        "raw",
    ])
    .run();
    out.code(0);
    assert_eq!(out.text(), "via profile\n");
    let out = evops(&["tail", &t, "-e"])
        .env("EVOPS_CONFIG", cfg.to_str().unwrap())
        .env("EVOPS_PROFILE", "nope")
        .run();
    out.code(2);
    assert!(
        out.stderr.contains("no profile 'nope'") && out.stderr.contains("test"),
        "{}",
        out.stderr
    );
}

#[test]
fn group_reads_resume_where_the_group_left_off() {
    use rdkafka::consumer::{BaseConsumer, Consumer};
    let b = broker();
    let t = topic("group", 2);
    let group = crate::harness::unique("oncall");
    let rec = |i: i32| Rec {
        partition: i % 2,
        key: None,
        value: Some(format!("r{i}").into_bytes()),
        headers: vec![],
        timestamp: now_ms(),
    };
    produce(&b, &t, &(0..6).map(rec).collect::<Vec<_>>());
    let read = |from: &str| {
        let out = evops(&[
            "-b",
            &b,
            "-X",
            "session.timeout.ms=6000",
            "tail",
            &t,
            "--group",
            &group,
            "-o",
            from,
            "-e",
            "-f",
            "raw",
        ])
        .run();
        out.code(0);
        let mut l = out.lines();
        l.sort();
        l
    };
    assert_eq!(read("beginning"), ["r0", "r1", "r2", "r3", "r4", "r5"]);
    assert_eq!(
        read("beginning"),
        Vec::<String>::new(),
        "committed: nothing new"
    );
    produce(&b, &t, &[rec(6), rec(7)]);
    assert_eq!(read("beginning"), ["r6", "r7"]);
    let c: BaseConsumer = rdkafka::ClientConfig::new()
        .set("bootstrap.servers", &b)
        .create()
        .unwrap();
    let groups = c
        .fetch_group_list(Some(&group), Duration::from_secs(10))
        .unwrap();
    assert!(
        groups.groups().iter().any(|g| g.name() == group),
        "the asked-for group exists"
    );
    let out = evops(&["-b", &b, "tail", &t, "--group", &group, "-o", "-3"]).run();
    out.code(2);
    assert!(
        out.stderr.contains("with --group, --from"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_bounded_read_fails_within_the_timeout_when_the_broker_dies() {
    let mut own = crate::harness::OwnBroker::start();
    let t = own.topic("dies", 1);
    let recs: Vec<Rec> = (0..10)
        .map(|i| Rec {
            partition: 0,
            key: None,
            value: Some(format!("r{i}").into_bytes()),
            headers: vec![],
            timestamp: now_ms(),
        })
        .collect();
    produce(&own.addr, &t, &recs);
    // Bounded (it stops at offset 100) but waiting for records 10..99 when the broker goes.
    let mut child = evops(&[
        "-b",
        &own.addr,
        "--timeout",
        "3s",
        "tail",
        &t,
        "-o",
        "beginning",
        "--until",
        "100",
        "-f",
        "raw",
    ])
    .spawn();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    for _ in 0..10 {
        assert!(lines.next().unwrap().is_ok());
    }
    own.kill();
    let started = Instant::now();
    let status = child.wait().unwrap();
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert_eq!(status.code(), Some(2), "{err}");
    assert!(
        err.contains(&format!("cannot reach Kafka at {} within 3s", own.addr)),
        "{err}"
    );
    assert!(
        !err.contains("%3|"),
        "librdkafka's own log lines leaked: {err}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn compressed_batches_are_read_zstd_included() {
    let b = broker();
    for codec in ["zstd", "gzip", "snappy", "lz4"] {
        let t = topic(&format!("compressed-{codec}"), 1);
        let recs: Vec<Rec> = (0..50)
            .map(|i| Rec {
                partition: 0,
                key: None,
                value: Some(format!("{codec} {i}").into_bytes()),
                headers: vec![],
                timestamp: now_ms(),
            })
            .collect();
        crate::harness::produce_with(
            &b,
            &t,
            &recs,
            &[("compression.type", codec), ("linger.ms", "20")],
        );
        let got = values(&b, &t, &["-o", "beginning", "-e"]);
        assert_eq!(got.len(), 50, "{codec}");
        assert_eq!(got[49], format!("{codec} 49"));
    }
}

/// A value nested 20,000 levels deep is shown as text with a named warning, in every format.
#[test]
fn too_deep_values_are_shown_as_text_with_a_warning() {
    let deep = format!("{}{}", "[".repeat(20_000), "]".repeat(20_000));
    let input = format!(
        "{}\n",
        serde_json::json!({"topic": "d", "partition": 0, "offset": 0, "value": deep})
    );
    for format in ["pretty", "json", "capture"] {
        let out = evops(&["tail", "-", "-f", format])
            .stdin(input.clone())
            .run();
        // A capture line carries the bytes without reading them.
        if format == "capture" {
            out.code(0);
        } else {
            out.code(1);
            assert!(
                out.stderr
                    .contains("d/0@0: value: nested deeper than 100 levels"),
                "{format}: {}",
                out.stderr
            );
        }
        assert!(out.text().contains(&deep[..100]), "{format}");
    }
}

/// Twelve records over three partitions, four each (offsets 0..4), as capture lines.
fn three_partitions() -> String {
    (0..12)
        .map(|i| {
            serde_json::json!({"topic": "t", "partition": i % 3, "offset": i / 3,
                "timestamp": 1000 + i, "value": format!("v{i}")})
            .to_string()
                + "\n"
        })
        .collect()
}

fn placed(out: &crate::harness::Output) -> Vec<(i64, i64)> {
    out.json_lines()
        .iter()
        .map(|r| {
            (
                r["partition"].as_i64().unwrap(),
                r["offset"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// -p, --from/--until (offsets, times, -<n>) and --max apply to capture files and stdin as to
/// topics; -<n> on stdin, --from end and --group are clear usage errors.
#[test]
fn range_options_apply_to_capture_files_and_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("c.ndjson");
    std::fs::write(&file, three_partitions()).unwrap();
    let f = file.to_str().unwrap();
    let both = |args: &[&str]| -> Vec<(i64, i64)> {
        let mut a = vec!["tail", f, "-f", "json"];
        a.extend_from_slice(args);
        let from_file = placed(evops(&a).run().code(0));
        a[1] = "-";
        let from_stdin = placed(evops(&a).stdin(three_partitions()).run().code(0));
        assert_eq!(from_file, from_stdin, "{args:?}");
        from_file
    };
    assert_eq!(both(&["-p", "1"]), [(1, 0), (1, 1), (1, 2), (1, 3)]);
    assert_eq!(
        both(&["-p", "0,2", "--from", "2", "--until", "3"]),
        [(0, 2), (2, 2)]
    );
    assert_eq!(both(&["-p", "2", "--max", "1"]), [(2, 0)]);
    assert_eq!(
        both(&["-p", "1", "--from", "@1004"]),
        [(1, 1), (1, 2), (1, 3)]
    );

    let last = |args: &[&str]| {
        let mut a = vec!["tail", f, "-f", "json"];
        a.extend_from_slice(args);
        placed(evops(&a).run().code(0))
    };
    assert_eq!(
        last(&["-o", "-1"]),
        [(0, 3), (1, 3), (2, 3)],
        "the last record of each partition"
    );
    assert_eq!(last(&["-p", "0", "--until", "-3"]), [(0, 0)]);

    for args in [
        &["tail", "-", "-o", "-1"][..],
        &["tail", "-", "--until", "-1"],
        &["tail", f, "--from", "end"],
        &["tail", f, "--group", "g"],
    ] {
        let out = evops(args).stdin(three_partitions()).run();
        out.code(2);
        assert!(
            out.stderr.starts_with("evops: "),
            "{args:?}: {}",
            out.stderr
        );
    }
}

/// The first SIGTERM stops a read of stdin that waits for input that does not come, within a
/// second, with exit 130 and the counts.
#[test]
fn the_first_sigterm_stops_a_silent_stdin() {
    let child = evops(&["tail", "-", "-f", "json"])
        .stdin(Vec::new())
        .spawn();
    let (code, _, err, took) = crate::harness::terminate(child, Duration::from_millis(500));
    assert_eq!(code, Some(130), "{err}");
    assert!(took < Duration::from_secs(1), "took {took:?}");
    assert!(err.contains("0 read, 0 written; interrupted"), "{err}");
}

/// Warnings and errors written to a stderr whose reader is gone do not panic: the exit code
/// still says what happened (1: bad records; 2: a usage error).
#[test]
fn a_closed_stderr_does_not_panic() {
    use crate::harness::closed_pipe;
    let input = "not a capture line\n{\"topic\":\"t\",\"partition\":0,\"offset\":0}\n";
    let out = evops(&["tail", "-", "-f", "json"])
        .stdin(input)
        .stderr(closed_pipe())
        .run();
    out.code(1);
    assert_eq!(out.json_lines().len(), 1);
    let out = evops(&["tail", "-", "--key-format", "hex", "--key", "aé1"])
        .stdin(input)
        .stderr(closed_pipe())
        .run();
    out.code(2);
}

/// kcat habits get the evops form, exit 2, before anything connects.
#[test]
fn kcat_flags_are_answered_with_the_evops_form() {
    for (args, says) in [
        (vec!["-b", "embedded", "-C", "-t", "orders"], "evops tail"),
        (vec!["-b", "embedded", "tail", "articles", "-J"], "-f json"),
        (
            vec!["-b", "embedded", "filter", "articles", "-c", "10"],
            "--max 10",
        ),
        (
            vec!["-b", "embedded", "tail", "articles", "-f", "%k %s"],
            "{value}",
        ),
    ] {
        let out = crate::harness::evops(&args).run();
        out.code(2);
        assert!(out.stderr.contains(says), "{args:?}: {}", out.stderr);
    }
}

/// Names and text from records never reach a terminal raw: a topic name with escape sequences
/// is escaped in warnings (stderr, always) and in pretty output on a terminal; JSON keeps no
/// raw C1 controls on a terminal.
#[test]
fn escape_sequences_from_records_never_reach_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let cap = dir.path().join("esc.ndjson");
    let line = serde_json::json!({"topic": "t\u{1b}]0;PWNED\u{7}\u{1b}[2J", "partition": 0, "offset": 0,
        "key": "k\u{9b}2J", "value": "abc"});
    std::fs::write(&cap, format!("{line}\n")).unwrap();
    let out =
        crate::harness::evops(&["tail", cap.to_str().unwrap(), "--value-format", "int32"]).run();
    out.code(1);
    assert!(out.stderr.contains("\\x1b]0;PWNED"), "{}", out.stderr);
    assert!(
        !out.stderr.contains('\u{1b}') && !out.stderr.contains('\u{7}'),
        "{:?}",
        out.stderr
    );
    for format in ["pretty", "json"] {
        let (_, screen) =
            crate::harness::on_terminal(&["tail", cap.to_str().unwrap(), "-f", format], "", "");
        assert!(
            !screen.contains("\u{1b}]0;PWNED") && !screen.contains('\u{9b}'),
            "{format}: {screen:?}"
        );
    }
}

/// Ranges that cannot mean what was typed are refused with what to type: a timestamp given as
/// an offset, an --until not after --from, a timeout too long to be one.
#[test]
fn ranges_that_hold_nothing_or_mean_a_time_are_refused() {
    for (args, says) in [
        (
            vec!["-b", "embedded", "tail", "articles", "-o", "1796527870570"],
            "use @1796527870570",
        ),
        (
            vec![
                "-b", "embedded", "tail", "articles", "-o", "5", "--until", "2",
            ],
            "not after --from",
        ),
        (
            vec![
                "-b",
                "embedded",
                "partition",
                "audit",
                "articles",
                "-o",
                "5",
                "--until",
                "5",
            ],
            "not after --from",
        ),
        (
            vec![
                "-b",
                "embedded",
                "tail",
                "articles",
                "--timeout",
                "99999999s",
            ],
            "at most 1d",
        ),
    ] {
        let out = crate::harness::evops(&args).run();
        out.code(2);
        assert!(out.stderr.contains(says), "{args:?}: {}", out.stderr);
    }
}

/// `-q`: nothing on stderr but errors, in every subcommand and from every layer (bad records
/// in the report, the Kafka endpoint's notes, a subcommand's own notes); the exit status still
/// says what happened.
#[test]
fn quiet_silences_everything_but_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.ndjson");
    let line = |o: i64, value: &str| {
        format!("{{\"topic\":\"t\",\"partition\":0,\"offset\":{o},\"timestamp\":{},\"key\":\"k{o}\",\"value\":{value}}}\n", 1000 + o)
    };
    let text = format!(
        "{}{{oops\n{}",
        line(0, "\"{\\\"data\\\":{\\\"type\\\":\\\"x\\\"}}\""),
        line(1, "\"not json\"")
    );
    std::fs::write(&path, text).unwrap();
    let p = path.to_str().unwrap();
    let loud: &[&[&str]] = &[
        &["tail", p, "-f", "json"],
        &["filter", p, "--type", "x", "--value-format", "json"],
        &["sample", p, "--count", "5"],
        &["stats", p, "-f", "json"],
        &["partition", "audit", p, "--partitions", "3"],
    ];
    for args in loud {
        let out = evops(args).run();
        out.code(1);
        assert!(
            out.stderr.contains("evops: warning"),
            "{args:?}: {}",
            out.stderr
        );
        let quiet = evops(&[&["-q"], *args].concat()).run();
        quiet.code(1);
        assert_eq!(quiet.stderr, "", "{args:?}");
    }
    // A subcommand's own note: a record too late for its sample window.
    let late = dir.path().join("late.ndjson");
    let text = [(0, 1000), (1, 2_000_000), (2, 1001)]
        .map(|(o, ts)| format!("{{\"topic\":\"t\",\"partition\":0,\"offset\":{o},\"timestamp\":{ts},\"key\":\"a\",\"value\":\"v\"}}\n"))
        .concat();
    std::fs::write(&late, text).unwrap();
    let args = ["sample", late.to_str().unwrap(), "--every", "10m", "1"];
    let out = evops(&args).run();
    out.code(0);
    assert!(
        out.stderr.contains("after their time window"),
        "{}",
        out.stderr
    );
    let quiet = evops(&[&["-q"], &args[..]].concat()).run();
    quiet.code(0);
    assert_eq!(quiet.stderr, "");
    // The Kafka endpoint's notes (the partitioner inferred, the partition read).
    let args = [
        "-b",
        "embedded",
        "tail",
        "articles",
        "-o",
        "beginning",
        "-e",
        "--key",
        "a-150",
    ];
    let args_auto = [&args[..], &["--partitioner", "auto"]].concat();
    let out = evops(&args_auto).run();
    out.code(0);
    assert!(
        out.stderr.contains("the latest records of articles"),
        "{}",
        out.stderr
    );
    let quiet = evops(&[&["-q"], &args_auto[..]].concat()).run();
    quiet.code(0);
    assert_eq!(quiet.stderr, "");
    // Errors are still said.
    let err = evops(&["-q", "-b", "embedded", "tail", "no-such-topic", "-e"]).run();
    err.code(2);
    assert!(err.stderr.starts_with("evops: "), "{}", err.stderr);
}

/// Regression (sweep 9): `--from -<n>` on a FIFO counted its partitions by draining it, then
/// read an empty pipe: nothing printed, exit 0. Refused before it is opened, naming the path.
#[test]
fn from_last_n_refuses_a_pipe_given_as_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("records.ndjson");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let name = format!("file:{}", fifo.display());
    let out = evops(&["tail", &name, "--from", "-2"]).run();
    out.code(2);
    assert!(
        out.stderr.contains(&format!(
            "{} is not a regular file (save it to one first)",
            fifo.display()
        )),
        "{}",
        out.stderr
    );
}

/// `-X bootstrap.servers` is what librdkafka connects to, so it is what the error names, not
/// the `-b` it overrode; alone, it is enough.
#[test]
fn the_error_names_the_bootstrap_servers_in_use() {
    for args in [
        &["-X", "bootstrap.servers=127.0.0.1:9", "-b", "127.0.0.1:7"][..],
        &["-X", "bootstrap.servers=127.0.0.1:9"][..],
    ] {
        let mut all = args.to_vec();
        all.extend(["--timeout", "1s", "tail", "orders", "-e"]);
        let out = evops(&all).run();
        out.code(2);
        assert!(
            out.stderr
                .contains("cannot reach Kafka at 127.0.0.1:9 within 1s"),
            "{args:?}: {}",
            out.stderr
        );
    }
}

//! `evops replay` on the real broker: faithful copies, exactly once across SIGKILLs with a
//! checkpoint and with a consumer group (two processes sharing one replay), transactions where
//! the broker has them, the loop guard, dry runs, the rate limit and capture-file sources.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::harness::{broker, evops, now_ms, produce, read_all, run, topic, topic_records, Rec};
use crate::tail::tricky_records;

/// Per partition, in offset order.
fn per_partition(recs: &BTreeMap<(i32, i64), Rec>) -> BTreeMap<i32, Vec<Rec>> {
    let mut m: BTreeMap<i32, Vec<Rec>> = BTreeMap::new();
    for ((p, _), r) in recs {
        m.entry(*p).or_default().push(r.clone());
    }
    m
}

/// Without provenance the target equals the source byte for byte, partition by partition
/// (keys, values, headers, timestamps, null versus empty); with it, the only difference is the
/// two provenance headers, which name the source record.
#[test]
fn copies_are_faithful() {
    let b = broker();
    let src = topic("replay-src", 3);
    let plain = topic("replay-plain", 3);
    let marked = topic("replay-marked", 3);
    produce(&b, &src, &tricky_records(now_ms() - 60_000));
    run(&["-b", &b, "replay", &src, "--to", &plain, "--no-provenance"]).code(0);
    let want = topic_records(&b, &src);
    assert_eq!(
        per_partition(&topic_records(&b, &plain)),
        per_partition(&want)
    );

    let out = run(&["-b", &b, "replay", &src, "--to", &marked]);
    out.code(0);
    assert!(
        out.stderr
            .contains(&format!("{} read, 0 filtered out, 0 skipped", want.len())),
        "{}",
        out.stderr
    );
    for ((p, o), r) in topic_records(&b, &marked) {
        let (tail, rest): (Vec<_>, Vec<_>) = r
            .headers
            .iter()
            .cloned()
            .partition(|(k, _)| k.starts_with("evops-"));
        let source = tail.iter().find(|(k, _)| k == "evops-source").unwrap();
        let at: Vec<String> = String::from_utf8(source.1.clone().unwrap())
            .unwrap()
            .split('/')
            .map(str::to_string)
            .collect();
        assert_eq!(at[0], src);
        let original = &want[&(at[1].parse().unwrap(), at[2].parse().unwrap())];
        assert_eq!(p, original.partition);
        assert_eq!(
            Rec {
                headers: rest,
                ..r.clone()
            },
            *original,
            "copy at {p}/{o}"
        );
    }
}

/// A 100k-record replay killed with SIGKILL at five random moments and started again each
/// time with the same command ends with every source record in the target exactly once, in
/// source order per partition.
#[test]
fn killed_five_times_then_resumed_exactly_once() {
    let b = broker();
    let src = topic("replay-kill-src", 4);
    let dst = topic("replay-kill-dst", 4);
    let n = 100_000;
    let base = now_ms() - 3_600_000;
    let recs: Vec<Rec> = (0..n)
        .map(|i| Rec {
            partition: (i % 4) as i32,
            key: Some(format!("k{}", i % 997).into_bytes()),
            value: Some(format!("{{\"n\":{i}}}").into_bytes()),
            headers: vec![],
            timestamp: base + i,
        })
        .collect();
    produce(&b, &src, &recs);
    let dir = tempfile::tempdir().unwrap();
    let ckpt = dir.path().join("r.ckpt");
    let ckpt = ckpt.to_str().unwrap();
    let args = [
        "-b",
        &b,
        "replay",
        &src,
        "--to",
        &dst,
        "--checkpoint",
        ckpt,
        "--rate",
        "25000/s",
        "-q",
    ];
    // Deterministic "random" kill points, spread over the replay's four seconds.
    let mut seed: u64 = 0x5eed;
    for round in 0..5 {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let after = Duration::from_millis(300 + (seed >> 33) % 900);
        let mut child = evops(&args).spawn();
        let started = Instant::now();
        while started.elapsed() < after {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        // SIGKILL: no chance to flush or save anything.
        let _ = child.kill();
        let _ = child.wait();
        eprintln!("round {round}: killed after {after:?}");
    }
    let out = run(&args[..args.len() - 1]);
    out.code(0);
    assert!(out.stderr.contains("resuming replay"), "{}", out.stderr);

    let copies = topic_records(&b, &dst);
    let mut seen: BTreeMap<(i32, i64), usize> = BTreeMap::new();
    let mut last_per_partition: BTreeMap<i32, i64> = BTreeMap::new();
    for ((p, _), r) in &copies {
        let source = r.headers.iter().find(|(k, _)| k == "evops-source").unwrap();
        let s = String::from_utf8(source.1.clone().unwrap()).unwrap();
        let parts: Vec<&str> = s.rsplitn(3, '/').collect();
        let (sp, so): (i32, i64) = (parts[1].parse().unwrap(), parts[0].parse().unwrap());
        assert_eq!(sp, *p, "placement keep");
        *seen.entry((sp, so)).or_default() += 1;
        let last = last_per_partition.entry(*p).or_insert(-1);
        assert!(
            so > *last,
            "source order kept in partition {p}: {so} after {last}"
        );
        *last = so;
    }
    let dup: Vec<_> = seen.iter().filter(|(_, c)| **c > 1).take(5).collect();
    assert!(dup.is_empty(), "duplicated: {dup:?}");
    assert_eq!(seen.len(), n as usize, "lost: {}", n as usize - seen.len());
    // Running it once more does nothing.
    let again = run(&args[..args.len() - 1]);
    again.code(0);
    assert_eq!(topic_records(&b, &dst).len(), n as usize);
}

/// A replay reading its own copies skips them (the loop guard); a replay into a topic it reads
/// is refused without --allow-loop; a dry run writes nothing and shows the counts.
#[test]
fn loop_guard_refusal_and_dry_run() {
    let b = broker();
    let src = topic("replay-loop-src", 3);
    let dst = topic("replay-loop-dst", 3);
    produce(&b, &src, &tricky_records(now_ms() - 60_000));
    let n = tricky_records(0).len();

    let dry = run(&[
        "-b",
        &b,
        "replay",
        &src,
        "--to",
        &dst,
        "--dry-run",
        "-f",
        "json",
    ]);
    dry.code(0);
    assert!(topic_records(&b, &dst).is_empty(), "a dry run wrote");
    assert!(
        dry.stderr.contains(&format!("{n} would be written")),
        "{}",
        dry.stderr
    );
    assert!(dry.text().contains("target partition"), "{}", dry.text());

    let refused = run(&["-b", &b, "replay", &src, "--to", &src]);
    refused.code(2);
    assert!(
        refused.stderr.contains("--allow-loop"),
        "{}",
        refused.stderr
    );

    run(&[
        "-b",
        &b,
        "replay",
        &src,
        "--to",
        &dst,
        "--replay-id",
        "incident-7",
    ])
    .code(0);
    let own = run(&[
        "-b",
        &b,
        "replay",
        &dst,
        "--to",
        &dst,
        "--allow-loop",
        "--replay-id",
        "incident-7",
    ]);
    own.code(0);
    assert!(
        own.stderr
            .contains(&format!("{n} written by this replay itself), 0 written")),
        "{}",
        own.stderr
    );
    assert_eq!(topic_records(&b, &dst).len(), n);
}

/// --rate is a ceiling: 3,000 records at 1,000/s take at least about three seconds.
#[test]
fn the_rate_limit_holds() {
    let b = broker();
    let src = topic("replay-rate-src", 2);
    let dst = topic("replay-rate-dst", 2);
    let recs: Vec<Rec> = (0..3000)
        .map(|i| Rec {
            partition: i % 2,
            key: Some(b"k".to_vec()),
            value: Some(vec![b'x'; 100]),
            headers: vec![],
            timestamp: now_ms(),
        })
        .collect();
    produce(&b, &src, &recs);
    let started = Instant::now();
    run(&["-b", &b, "replay", &src, "--to", &dst, "--rate", "1000/s"]).code(0);
    let secs = started.elapsed().as_secs_f64();
    // One second of burst is allowed: 3,000 records need at least two seconds; more than 10%
    // above the rate would be under 1.8 s.
    assert!(
        3000.0 / (secs + 1.0) <= 1100.0,
        "{secs}s for 3000 records at 1000/s"
    );
    assert_eq!(topic_records(&b, &dst).len(), 3000);
}

/// A capture file replays like a topic, and filters apply.
#[test]
fn from_a_capture_file_with_a_filter() {
    let b = broker();
    let src = topic("replay-file-src", 3);
    let dst = topic("replay-file-dst", 3);
    produce(&b, &src, &tricky_records(now_ms() - 60_000));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("c.ndjson");
    let out = read_all(&b, &src, "capture");
    std::fs::write(&file, &out.stdout).unwrap();
    let r = run(&[
        "-b",
        &b,
        "replay",
        file.to_str().unwrap(),
        "--to",
        &dst,
        "--grep-key",
        "^key-",
    ]);
    r.code(0);
    assert!(r.stderr.contains("20 written"), "{}", r.stderr);
    let got = topic_records(&b, &dst);
    assert_eq!(got.len(), 20);
    assert!(got
        .values()
        .all(|r| r.key.as_ref().unwrap().starts_with(b"key-")));
}

/// Count every source record's copies in a target (by the evops-source header).
fn copies_of(b: &str, dst: &str) -> BTreeMap<String, usize> {
    let mut seen = BTreeMap::new();
    for r in topic_records(b, dst).values() {
        let s = r.headers.iter().find(|(k, _)| k == "evops-source").unwrap();
        *seen
            .entry(String::from_utf8(s.1.clone().unwrap()).unwrap())
            .or_default() += 1;
    }
    seen
}

fn numbered(n: i64, partitions: i32) -> Vec<Rec> {
    (0..n)
        .map(|i| Rec {
            partition: (i % i64::from(partitions)) as i32,
            key: Some(format!("k{i}").into_bytes()),
            value: Some(format!("{{\"n\":{i}}}").into_bytes()),
            headers: vec![],
            timestamp: now_ms(),
        })
        .collect()
}

/// Two processes started with the same --group split the partitions between them and together
/// copy every record exactly once; then a group replay killed with SIGKILL and started again
/// also ends exactly once.
#[test]
fn a_group_shares_a_replay_and_resumes_exactly_once() {
    let b = broker();
    let src = topic("replay-group-src", 4);
    let dst = topic("replay-group-dst", 4);
    let n = 40_000;
    produce(&b, &src, &numbered(n, 4));
    let group = crate::harness::unique("replay-group");
    let args = [
        "-b", &b, "replay", &src, "--to", &dst, "--group", &group, "--rate", "8000/s", "-y",
    ];
    let first = evops(&args).spawn();
    std::thread::sleep(Duration::from_millis(500));
    let second = evops(&args).timeout(Duration::from_secs(120)).run();
    let first = first.wait_with_output().unwrap();
    assert_eq!(
        first.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    second.code(0);
    let written = |stderr: &str| -> u64 {
        let at = stderr.find(" written, ").expect(stderr);
        stderr[..at].rsplit(' ').next().unwrap().parse().unwrap()
    };
    let (a, b2) = (
        written(&String::from_utf8_lossy(&first.stderr)),
        written(&second.stderr),
    );
    assert_eq!(a + b2, n as u64, "{a} + {b2}");
    assert!(a > 0 && b2 > 0, "both members worked: {a} and {b2}");
    let seen = copies_of(&b, &dst);
    assert_eq!(seen.len(), n as usize);
    assert!(seen.values().all(|c| *c == 1), "duplicates");

    // Killed and resumed, as a group.
    let dst2 = topic("replay-group-dst2", 4);
    let group2 = crate::harness::unique("replay-group2");
    let args2 = [
        "-b", &b, "replay", &src, "--to", &dst2, "--group", &group2, "--rate", "10000/s", "-y",
    ];
    for wait in [700, 1900] {
        let mut child = evops(&args2).spawn();
        std::thread::sleep(Duration::from_millis(wait));
        let _ = child.kill();
        let _ = child.wait();
    }
    evops(&args2)
        .timeout(Duration::from_secs(120))
        .run()
        .code(0);
    let seen = copies_of(&b, &dst2);
    assert_eq!(seen.len(), n as usize, "lost records");
    let dup: Vec<_> = seen.iter().filter(|(_, c)| **c > 1).take(3).collect();
    assert!(dup.is_empty(), "duplicated: {dup:?}");
}

/// Where a broker supports transactions (librdkafka's mock cluster, run by `evops demo` in a
/// process of its own, does; the nisshi test broker does not), a group replay commits copies
/// and offsets together: killed after its first commit and started again, it ends with every
/// record exactly once, and says which mode ran. On nisshi the same command says transactions
/// were refused and runs without them.
#[test]
fn group_replays_use_transactions_where_the_broker_has_them() {
    use std::io::{BufRead, BufReader};
    let mut demo = evops(&["demo", "--rate", "0"]).spawn();
    let mut addr = String::new();
    BufReader::new(demo.stdout.take().unwrap())
        .read_line(&mut addr)
        .unwrap();
    let addr = addr.trim().to_string();
    let group = crate::harness::unique("replay-txn");
    let args = [
        "-b", &addr, "replay", "articles", "--to", "comments", "--group", &group, "--rate",
        "100/s", "-y",
    ];
    let mut first = evops(&args).spawn();
    std::thread::sleep(Duration::from_millis(2600));
    let _ = first.kill();
    let _ = first.wait();
    let out = evops(&args).timeout(Duration::from_secs(120)).run();
    out.code(0);
    assert!(
        out.stderr.contains("mode: transactional producer"),
        "{}",
        out.stderr
    );
    let copies = evops(&[
        "-b",
        &addr,
        "tail",
        "comments",
        "-o",
        "beginning",
        "-e",
        "-f",
        "{header.evops-source}",
    ])
    .timeout(Duration::from_secs(60))
    .run();
    copies.code(0);
    let articles = evops(&[
        "-b",
        &addr,
        "tail",
        "articles",
        "-o",
        "beginning",
        "-e",
        "-f",
        "raw",
    ])
    .run()
    .lines()
    .len();
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for l in copies
        .lines()
        .into_iter()
        .filter(|l| l.starts_with("articles/"))
    {
        *seen.entry(l).or_default() += 1;
    }
    let _ = demo.kill();
    let _ = demo.wait();
    assert_eq!(seen.len(), articles, "lost records");
    assert!(seen.values().all(|c| *c == 1), "duplicates");

    // nisshi refuses transactional producers: the summary says so.
    let b = broker();
    let src = topic("replay-notxn-src", 2);
    let dst = topic("replay-notxn-dst", 2);
    produce(&b, &src, &numbered(100, 2));
    let group = crate::harness::unique("replay-notxn");
    let out = run(&[
        "-b", &b, "replay", &src, "--to", &dst, "--group", &group, "-y",
    ]);
    out.code(0);
    assert!(
        out.stderr.contains("refused a transactional producer"),
        "{}",
        out.stderr
    );
    assert_eq!(copies_of(&b, &dst).len(), 100);
}

/// Each source record's copies in `dst`, by its `evops-source` header.
fn sources_copied(b: &str, dst: &str) -> BTreeMap<String, usize> {
    let mut seen = BTreeMap::new();
    for r in topic_records(b, dst).values() {
        let (_, v) = r.headers.iter().find(|(k, _)| k == "evops-source").unwrap();
        *seen
            .entry(String::from_utf8(v.clone().unwrap()).unwrap())
            .or_default() += 1;
    }
    seen
}

/// Every one of the first `n` source records is in `dst` exactly once.
fn assert_copied_once(b: &str, dst: &str, n: usize) {
    let copied = sources_copied(b, dst);
    let twice: Vec<_> = copied.iter().filter(|(_, c)| **c > 1).take(5).collect();
    assert!(twice.is_empty(), "duplicated: {twice:?}");
    assert_eq!(copied.len(), n, "lost: {}", n.saturating_sub(copied.len()));
}

/// Start `args`, let it run for `after`, then send `signal` (by PID).
fn interrupt_after(args: &[&str], after: Duration, signal: &str) -> std::process::Output {
    let child = evops(args).spawn();
    std::thread::sleep(after);
    let _ = std::process::Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status();
    child.wait_with_output().unwrap()
}

/// The README's example, `replay orders --since 3h --to ... --checkpoint FILE`, killed and run
/// again: the relative --since named a new time on the second run, which made it "another
/// replay" and refused the resume. Now the same command is the same replay: it resumes, and
/// every record is copied exactly once.
#[test]
fn the_readme_replay_example_resumes_after_a_kill() {
    let b = broker();
    let src = topic("replay-since-src", 2);
    let dst = topic("replay-since-dst", 2);
    let n = 12_000;
    produce(&b, &src, &numbered(n, 2));
    let dir = tempfile::tempdir().unwrap();
    let ckpt = dir.path().join("incident.ckpt");
    let args = [
        "-b",
        &b,
        "replay",
        &src,
        "--since",
        "3h",
        "--to",
        &dst,
        "--checkpoint",
        ckpt.to_str().unwrap(),
        "--rate",
        "6000/s",
    ];
    let first = interrupt_after(&args, Duration::from_millis(1200), "-KILL");
    assert!(!first.status.success());
    std::thread::sleep(Duration::from_millis(1100)); // "3h" now names another instant
    let again = run(&args);
    again.code(0);
    assert!(again.stderr.contains("resuming replay"), "{}", again.stderr);
    assert_copied_once(&b, &dst, n as usize);
}

/// A replay without --checkpoint, interrupted, used to say "run the same command again to
/// resume" and then copied everything again. Now it keeps a checkpoint in the state
/// directory: the same command resumes exactly once. With --no-checkpoint, the interrupted
/// summary says plainly that a rerun copies again.
#[test]
fn a_replay_is_resumable_by_default() {
    let b = broker();
    let src = topic("replay-default-src", 2);
    let dst = topic("replay-default-dst", 2);
    let n = 12_000;
    produce(&b, &src, &numbered(n, 2));
    let args = ["-b", &b, "replay", &src, "--to", &dst, "--rate", "6000/s"];
    let first = interrupt_after(&args, Duration::from_millis(1200), "-INT");
    assert_eq!(first.status.code(), Some(130));
    let said = String::from_utf8_lossy(&first.stderr);
    assert!(
        said.contains("run the same command again to resume") && said.contains("evops/replays/"),
        "{said}"
    );
    let again = run(&args);
    again.code(0);
    assert!(again.stderr.contains("resuming replay"), "{}", again.stderr);
    assert_copied_once(&b, &dst, n as usize);
    // Once complete, the same command has nothing to do.
    let done = run(&args);
    done.code(0);
    assert!(done.stderr.contains("already complete"), "{}", done.stderr);

    let plain = topic("replay-plain-dst", 2);
    let args = [
        "-b",
        &b,
        "replay",
        &src,
        "--to",
        &plain,
        "--rate",
        "6000/s",
        "--no-checkpoint",
    ];
    let first = interrupt_after(&args, Duration::from_millis(1200), "-INT");
    assert_eq!(first.status.code(), Some(130));
    let said = String::from_utf8_lossy(&first.stderr);
    assert!(
        said.contains("running it again copies every record again"),
        "{said}"
    );
}

/// Capture lines the target refuses one by one (a 10 MB value, partition -3) go to the
/// dead-letter file as they were, timestamps and their types included; the records after
/// them are written and the run exits 1. A dry run makes the same decisions and writes no
/// file.
#[test]
fn a_record_the_target_refuses_is_a_faithful_dead_letter_and_the_rest_go_on() {
    let b = broker();
    let dst = topic("replay-refused-dst", 2);
    let dir = tempfile::tempdir().unwrap();
    let cap = dir.path().join("in.ndjson");
    let big = "x".repeat(10 * 1024 * 1024);
    let lines = [
        serde_json::json!({"topic": "o", "partition": 0, "offset": 7, "timestamp": 1_700_000_000_001i64,
                           "timestamp_type": "create", "key": "big", "value": big}),
        serde_json::json!({"topic": "o", "partition": 0, "offset": 8, "timestamp": 1_700_000_000_002i64,
                           "timestamp_type": "create", "key": "a", "value": "small"}),
        serde_json::json!({"topic": "o", "partition": -3, "offset": 9, "timestamp": 1_700_000_000_003i64,
                           "timestamp_type": "log_append", "key": "neg", "value": "v"}),
        serde_json::json!({"topic": "o", "partition": 1, "offset": 10, "timestamp": 1_700_000_000_004i64,
                           "timestamp_type": "create", "key": "b", "value": "ok"}),
    ];
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(&cap, text).unwrap();
    let dead = dir.path().join("dead.ndjson");
    let (cap_s, dead_s) = (cap.to_str().unwrap(), dead.to_str().unwrap());

    let dry = run(&[
        "-b",
        &b,
        "replay",
        cap_s,
        "--to",
        &dst,
        "--dead-letter",
        dead_s,
        "--dry-run",
    ]);
    dry.code(1);
    assert!(
        dry.stderr.contains("2 would be written, 2 would fail"),
        "{}",
        dry.stderr
    );
    assert!(!dead.exists(), "a dry run wrote the dead-letter file");

    let real = run(&[
        "-b",
        &b,
        "replay",
        cap_s,
        "--to",
        &dst,
        "--dead-letter",
        dead_s,
    ]);
    real.code(1);
    assert!(
        real.stderr.contains("2 written, 2 failed"),
        "{}",
        real.stderr
    );
    assert_eq!(topic_records(&b, &dst).len(), 2);
    let dead_lines: Vec<serde_json::Value> = std::fs::read_to_string(&dead)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(dead_lines.len(), 2);
    for (got, want) in dead_lines.iter().zip([&lines[0], &lines[2]]) {
        for field in [
            "topic",
            "partition",
            "offset",
            "timestamp",
            "timestamp_type",
            "key",
            "value",
        ] {
            assert_eq!(got[field], want[field], "{field}");
        }
    }
}

/// `replay --max N` used to be listed in --help and always refused. It copies N records and
/// stops, incomplete: the same command copies the next N, never one twice.
#[test]
fn replay_max_copies_in_chunks_that_resume() {
    let b = broker();
    let src = topic("replay-max-src", 2);
    let dst = topic("replay-max-dst", 2);
    produce(&b, &src, &numbered(30, 2));
    let args = ["-b", &b, "replay", &src, "--to", &dst, "--max", "12"];
    run(&args).code(0);
    assert_eq!(topic_records(&b, &dst).len(), 12);
    run(&args).code(0);
    run(&args).code(0);
    assert_copied_once(&b, &dst, 30);
    // The third chunk ran out of records before --max: the replay is complete.
    let done = run(&args);
    assert!(done.stderr.contains("already complete"), "{}", done.stderr);
}

/// Two runs of the same replay at the same time used to copy the same records twice (19,515
/// duplicates in a sweep). The second run is refused while the first holds the checkpoint.
#[test]
fn a_second_run_of_a_running_replay_is_refused() {
    let b = broker();
    let src = topic("replay-twice-src", 2);
    let dst = topic("replay-twice-dst", 2);
    let n = 6_000;
    produce(&b, &src, &numbered(n, 2));
    let args = ["-b", &b, "replay", &src, "--to", &dst, "--rate", "3000/s"];
    let first = evops(&args).spawn();
    std::thread::sleep(Duration::from_millis(700));
    let second = run(&args);
    second.code(2);
    assert!(
        second.stderr.contains("already running"),
        "{}",
        second.stderr
    );
    let first = first.wait_with_output().unwrap();
    assert!(first.status.success());
    assert_copied_once(&b, &dst, n as usize);
}

/// A checkpoint of another replay says what would resume it: only the options that differ.
#[test]
fn a_checkpoint_of_another_replay_names_what_would_resume_it() {
    let b = broker();
    let (one, two) = (topic("ck-one", 1), topic("ck-two", 1));
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src.ndjson");
    std::fs::write(
        &src,
        "{\"topic\":\"t\",\"partition\":0,\"offset\":0,\"timestamp\":1,\"value\":\"v\"}\n",
    )
    .unwrap();
    let ck = dir.path().join("ck.json");
    let (src, ck) = (src.to_str().unwrap(), ck.to_str().unwrap());
    let replay = |to: &str, more: &[&str]| {
        let mut args = vec![
            "-b",
            &b,
            "replay",
            src,
            "--to",
            to,
            "--checkpoint",
            ck,
            "-y",
        ];
        args.extend_from_slice(more);
        run(&args)
    };
    replay(&one, &["--replay-id", "a1"]).code(0);
    let same_id = replay(&two, &["--replay-id", "a1"]);
    same_id.code(2);
    assert!(
        same_id
            .stderr
            .contains(&format!("or --to {one} to resume it")),
        "{}",
        same_id.stderr
    );
    let other = replay(&two, &[]);
    other.code(2);
    assert!(
        other
            .stderr
            .contains(&format!("or --replay-id a1 --to {one} to resume it")),
        "{}",
        other.stderr
    );
}

//! One command-line grammar: every reading subcommand takes every source form (a topic, a
//! regex, `topic:NAME`, `file:NAME`, a path, stdin) with the same range options, and gives the
//! same records for the same data, or the same clear refusal. Against the embedded demo
//! cluster and a capture of it (the demo data is the same on every start).

use std::collections::BTreeSet;

use crate::harness::{evops, Output};

/// `articles` as a capture file.
fn capture(dir: &std::path::Path) -> std::path::PathBuf {
    let out = evops(&[
        "-b",
        "embedded",
        "tail",
        "articles",
        "-o",
        "beginning",
        "-e",
        "-f",
        "capture",
    ])
    .run();
    out.code(0);
    let path = dir.join("articles.ndjson");
    std::fs::write(&path, &out.stdout).unwrap();
    path
}

/// (partition, offset) of what a command printed as `{partition}@{offset}` lines.
fn placed(stdout: &[u8]) -> BTreeSet<(i64, i64)> {
    String::from_utf8_lossy(stdout)
        .lines()
        .filter_map(|l| {
            let (p, o) = l.split_once('@')?;
            Some((p.parse().ok()?, o.parse().ok()?))
        })
        .collect()
}

/// How many records a summary says were read: the number before " read" (a replay's) or
/// " checked" (schema-validate's).
fn read_count(text: &str) -> Option<u64> {
    let at = text.find(" read").or_else(|| text.find(" checked"))?;
    text[..at]
        .rsplit(|c: char| !c.is_ascii_digit())
        .next()?
        .parse()
        .ok()
}

#[test]
fn every_reading_subcommand_takes_every_source_form_with_the_same_ranges() {
    let dir = tempfile::tempdir().unwrap();
    let cap = capture(dir.path());
    let cap_s = cap.to_str().unwrap().to_string();
    let file_form = format!("file:{cap_s}");
    let forms: [&str; 6] = [
        "articles",
        "^articles$",
        "topic:articles",
        &file_form,
        &cap_s,
        "-",
    ];
    let ranges: [&[&str]; 5] = [
        &[],
        &["-p", "1"],
        &["--max", "5"],
        &["-o", "3", "--until", "10"],
        &["-o", "-2"],
    ];
    let format = ["-f", "{partition}@{offset}"];
    for range in ranges {
        for (cmd, extra) in [
            (
                "tail",
                if range.contains(&"-o") {
                    &["-e"][..]
                } else {
                    &["-e", "-o", "beginning"][..]
                },
            ),
            ("filter", &["-w", ".partition >= 0"][..]),
            ("sample", &["--rate", "1"][..]),
        ] {
            let mut seen: Vec<(String, BTreeSet<(i64, i64)>)> = Vec::new();
            for form in forms {
                if form == "-" && range.first() == Some(&"-o") && range.get(1) == Some(&"-2") {
                    // Counting back from the end needs the whole input first: refused on stdin.
                    let out = evops(&[&["-b", "embedded", cmd, form][..], extra, range].concat())
                        .stdin_file(&cap)
                        .run();
                    out.code(2);
                    assert!(
                        out.stderr.contains("stdin"),
                        "{cmd} {form} {range:?}: {}",
                        out.stderr
                    );
                    continue;
                }
                let args = [&["-b", "embedded", cmd, form][..], extra, range, &format].concat();
                let out = if form == "-" {
                    evops(&args).stdin_file(&cap).run()
                } else {
                    evops(&args).run()
                };
                assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
                seen.push((form.to_string(), placed(&out.stdout)));
            }
            let (first, want) = &seen[0];
            assert!(!want.is_empty(), "{cmd} {range:?} read nothing");
            for (form, got) in &seen[1..] {
                if range.first() == Some(&"--max") {
                    // Which records come first depends on how partitions interleave; how many
                    // does not.
                    assert_eq!(got.len(), want.len(), "{cmd} {range:?}: {form} vs {first}");
                } else {
                    assert_eq!(got, want, "{cmd} {range:?}: {form} differs from {first}");
                }
            }
        }
    }
}

/// The bounded readers that do not print records agree on how many they read, whatever the
/// source form.
#[test]
fn schema_validate_replay_and_audit_read_the_same_from_every_form() {
    let dir = tempfile::tempdir().unwrap();
    let cap = capture(dir.path());
    let cap_s = cap.to_str().unwrap().to_string();
    let file_form = format!("file:{cap_s}");
    for form in [
        "articles",
        "^articles$",
        "topic:articles",
        &file_form,
        &cap_s,
    ] {
        for args in [
            vec![
                "-b",
                "embedded",
                "schema-validate",
                form,
                "--lint",
                "-p",
                "1",
                "-e",
            ],
            vec![
                "-b",
                "embedded",
                "replay",
                form,
                "--to",
                "users",
                "--dry-run",
                "-p",
                "1",
                "-e",
                "-f",
                "json",
            ],
            vec![
                "-b",
                "embedded",
                "partition",
                "audit",
                form,
                "--partitions",
                "4",
                "-p",
                "1",
                "-e",
                "--output",
                "json",
            ],
        ] {
            let out = evops(&args).run();
            assert!(out.code <= 1, "{args:?}: {}", out.stderr);
            let read = if args[2] == "partition" {
                let report: serde_json::Value = serde_json::from_str(out.text().trim()).unwrap();
                report["records"].as_u64()
            } else {
                read_count(&format!("{}{}", out.text(), out.stderr))
            };
            assert_eq!(
                read,
                Some(read_count_of_partition_1(&cap)),
                "{args:?}: {}",
                out.stderr
            );
        }
    }
}

fn read_count_of_partition_1(cap: &std::path::Path) -> u64 {
    std::fs::read_to_string(cap)
        .unwrap()
        .lines()
        .filter(|l| l.contains("\"partition\":1,"))
        .count() as u64
}

/// Topics named like jq words are read with `topic:`; `true` as the last positional is a
/// topic, and an expression after `--` is always an expression.
#[test]
fn topic_prefix_and_double_dash_settle_what_is_what() {
    let out = evops(&["-b", "embedded", "filter", "articles", "true", "-c"]).run();
    out.code(2);
    assert!(
        out.stderr.contains("topic 'true' does not exist"),
        "{}",
        out.stderr
    );
    let out = evops(&["-b", "embedded", "filter", "articles", "-c", "--", "true"]).run();
    out.code(0);
    assert_eq!(out.text().trim(), "305");
    let out = evops(&["-b", "embedded", "tail", "topic:true", "-e"]).run();
    out.code(2);
    assert!(
        out.stderr.contains("topic 'true' does not exist"),
        "{}",
        out.stderr
    );
    let out = evops(&["tail", "./missing.ndjson"]).run();
    out.code(2);
    assert!(
        out.stderr
            .contains("cannot open capture file ./missing.ndjson"),
        "{}",
        out.stderr
    );
}

/// Regression (sweep 5): an empty source or sink name (`''`, `file:`, `topic:`) was read on and
/// failed later as "cannot open capture file : No such file", "no brokers given" or "topic ''
/// does not exist"; every reading subcommand now refuses it as a usage error naming it, as do
/// replay and rekey for a `--to` that is not a topic, and trace for an empty id.
#[test]
fn an_empty_endpoint_name_is_a_usage_error_naming_it() {
    let cases: &[(&[&str], &str)] = &[
        (&["tail", ""], "source '': an empty name"),
        (&["tail", "file:"], "source 'file:': file: needs a path"),
        (
            &["filter", "topic:", "--count"],
            "source 'topic:': topic: needs a topic name",
        ),
        (&["stats", "file:"], "source 'file:'"),
        (&["trace", "x", "--topics", "file:"], "source 'file:'"),
        (&["partition", "audit", ""], "source ''"),
        (&["replay", "", "--to", "x"], "source ''"),
        (
            &["filter", "-", "--to", "file:"],
            "--to 'file:': file: needs a path",
        ),
        (&["filter", "-", "--to", ""], "--to '': an empty name"),
        (&["replay", "-", "--to", ""], "--to '': an empty name"),
        (&["trace", ""], "ID '': an empty id"),
        (
            &[
                "schema-validate",
                "",
                "--schema",
                "tests/data/bench/event.json",
            ],
            "source '': an empty name",
        ),
        (&["trace", "u-1", ""], "ID '': an empty id"),
        (
            &["replay", "-", "--to", "file:x.ndjson"],
            "--to 'file:x.ndjson': replay writes to a topic",
        ),
        (
            &["rekey", "-", "--to", "-", "--key", ".key"],
            "--to '-': rekey writes to a topic",
        ),
        (
            &["replay", "-", "--to", "./copy.ndjson"],
            "use `evops filter SOURCE --to ./copy.ndjson`",
        ),
    ];
    for (args, want) in cases {
        let out = evops(args).run();
        out.code(2);
        assert!(out.stderr.contains(want), "{args:?}: {}", out.stderr);
    }
}

/// `filter --count --to T` (or `--stats`) printed a count and wrote nothing to T, without a
/// word: counting and writing are one or the other, a usage error that names both.
#[test]
fn counting_and_writing_matches_is_a_usage_error() {
    for (flag, to) in [("--count", "./out.ndjson"), ("--stats", "copies")] {
        let out = evops(&["filter", "-", flag, "--to", to]).run();
        out.code(2);
        let want = format!(
            "{flag} prints what matched instead of writing the records; --to writes them to {to}"
        );
        assert!(out.stderr.contains(&want), "{flag}: {}", out.stderr);
    }
}

/// `tail - -` read stdin once and the second `-` as empty, quietly: stdin named twice is a
/// usage error, in every reading subcommand.
#[test]
fn stdin_named_twice_is_a_usage_error() {
    for args in [
        vec!["tail", "-", "-"],
        vec!["stats", "-", "-"],
        vec!["replay", "-", "-", "--to", "t"],
        vec!["trace", "x", "--topics", "-", "--topics", "-"],
        vec![
            "schema-validate",
            "-",
            "-",
            "--schema",
            "tests/data/bench/event.json",
        ],
    ] {
        let out = evops(&args).stdin("").run();
        out.code(2);
        assert!(
            out.stderr.contains("source '-': stdin is given twice"),
            "{args:?}: {}",
            out.stderr
        );
    }
}

/// A capture file named twice, by any path, was read twice: `stats` counted every record double
/// and flagged a spike. It is a usage error naming both, in schema-validate too (for its sample
/// event files as well), which also took no part in the grammar's checks of empty names.
#[test]
fn a_capture_file_named_twice_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.ndjson");
    std::fs::write(&file, "").unwrap();
    let f = file.to_str().unwrap();
    let other = format!("{}/./a.ndjson", dir.path().display());
    let events = dir.path().join("e.json");
    std::fs::write(&events, r#"{"type": "x"}"#).unwrap();
    let e = events.to_str().unwrap();
    let e_again = format!("{}/./e.json", dir.path().display());
    let schema = "tests/data/bench/event.json";
    for args in [
        vec!["stats", f, f],
        vec!["tail", f, &other],
        vec!["filter", f, "--count", &format!("file:{f}")],
        vec!["schema-validate", f, &other, "--schema", schema],
        vec!["schema-validate", e, &e_again, "--schema", schema],
    ] {
        refused_as_one_file_twice(&args, &evops(&args).run());
    }
    // A file given itself and inside a directory given too (sample events or a capture file),
    // either order; a hard link; `/dev/stdin` beside `-` with stdin redirected from the file.
    let dir_s = dir.path().to_str().unwrap();
    let capture = dir.path().join("c.ndjson");
    std::fs::write(
        &capture,
        "{\"topic\":\"t\",\"partition\":0,\"offset\":0,\"value\":\"{}\"}\n",
    )
    .unwrap();
    let c = capture.to_str().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let linked = elsewhere.path().join("linked.ndjson");
    std::fs::hard_link(&file, &linked).unwrap();
    let l = linked.to_str().unwrap();
    for args in [
        vec!["schema-validate", dir_s, e, "--schema", schema],
        vec!["schema-validate", c, dir_s, "--schema", schema],
        vec!["tail", f, l],
    ] {
        refused_as_one_file_twice(&args, &evops(&args).run());
    }
    for args in [
        vec!["tail", "-", "/dev/stdin"],
        vec!["filter", "/dev/stdin", "-", "--count"],
    ] {
        refused_as_one_file_twice(&args, &evops(&args).stdin_file(&file).run());
    }
}

/// The run was refused, exit 2, for naming one file twice.
fn refused_as_one_file_twice(args: &[&str], out: &Output) {
    out.code(2);
    assert!(
        out.stderr
            .contains("is the same file (it would be read twice)"),
        "{args:?}: {}",
        out.stderr
    );
}

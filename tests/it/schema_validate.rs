//! `evops schema-validate`: sample events in a CI directory, the demo data's planted
//! violations, lint rules, JSON and JUnit reports, and Avro produced by Confluent's own
//! serializer into the real broker, read back through the test schema registry.

use std::process::Command;

use serde_json::{json, Value};

use crate::harness::{broker, evops, topic, RegistryServer};

const DEMO_SCHEMAS: &str = "tests/data/schemas/demo";

/// Produce values (JSON lines) as Avro with the real serializer; returns how many.
fn produce_avro(topic: &str, schema: &str, extra: &[&str], values: &[Value]) -> usize {
    let input: String = values.iter().map(|v| format!("{v}\n")).collect();
    let mut cmd = Command::new(crate::harness::python());
    cmd.arg("tests/vectors/avro_produce.py")
        .args([broker().as_str(), topic, schema])
        .args(extra);
    let out = crate::harness::pipe_through(cmd, input.as_bytes(), "avro_produce.py");
    String::from_utf8_lossy(&out).trim().parse().unwrap()
}

fn report(out: &crate::harness::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not a JSON report ({e}): {}\nstderr: {}",
            out.text(),
            out.stderr
        )
    })
}

fn violations_at(r: &Value) -> Vec<(String, String, String)> {
    r["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["location"].as_str().unwrap().to_string(),
                v["pointer"].as_str().unwrap().to_string(),
                v["rule"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_directory_of_valid_sample_events_passes() {
    let out = evops(&[
        "schema-validate",
        "tests/data/events/valid",
        "--schema",
        DEMO_SCHEMAS,
    ])
    .run();
    out.code(0);
    let text = out.text();
    assert!(text.contains("8 checked: 8 valid, 0 invalid"), "{text}");
    assert!(text.contains("article_viewed"), "{text}");
}

#[test]
fn invalid_sample_events_are_located_by_file_line_and_pointer() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("report.xml");
    let out = evops(&[
        "schema-validate",
        "tests/data/events/mixed/events.ndjson",
        "--schema",
        DEMO_SCHEMAS,
        "--format",
        "json",
        "--junit",
        junit.to_str().unwrap(),
    ])
    .run();
    out.code(1);
    let r = report(&out);
    assert_eq!(r["checked"], 6, "{r}");
    assert_eq!(r["valid"], 1, "{r}");
    assert_eq!(r["invalid"], 3, "{r}");
    assert_eq!(r["no_schema"], 1, "{r}");
    assert_eq!(r["unreadable"], 1, "{r}");
    let f = "tests/data/events/mixed/events.ndjson";
    let v = violations_at(&r);
    let has = |line: u32, pointer: &str| {
        v.iter()
            .any(|(l, p, _)| l == &format!("{f}:{line}") && p == pointer)
    };
    assert!(has(2, "/data/attributes/car/year"), "{v:?}");
    assert!(has(3, "/data/attributes/duration_ms"), "{v:?}");
    assert!(has(4, "/data/attributes/body"), "{v:?}");
    assert!(v.iter().any(|(l, _, _)| l == &format!("{f}:5")), "{v:?}");
    assert!(v.iter().any(|(l, _, _)| l == &format!("{f}:6")), "{v:?}");
    assert!(!v.iter().any(|(l, _, _)| l == &format!("{f}:1")), "{v:?}");
    let reasons: Vec<&str> = r["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["reason"].as_str().unwrap())
        .collect();
    assert!(
        reasons.iter().any(|r| r.contains("mystery_happened")),
        "{reasons:?}"
    );

    // The JUnit report is well-formed XML with a failing test case per broken schema.
    let xml = std::fs::read_to_string(&junit).unwrap();
    let parsed = Command::new("python3")
        .args([
            "-c",
            "import sys, xml.etree.ElementTree as ET\nt = ET.parse(sys.argv[1]).getroot()\nfor c in t.iter('testcase'):\n    print(c.get('name'), 'FAIL' if c.find('failure') is not None else 'ok')",
            junit.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(parsed.status.success(), "{xml}");
    let cases = String::from_utf8(parsed.stdout).unwrap();
    for want in [
        "user_registered FAIL",
        "article_viewed FAIL",
        "comment_posted FAIL",
        "(no schema) FAIL",
        "(unreadable) FAIL",
    ] {
        assert!(cases.contains(want), "{want} in\n{cases}\n{xml}");
    }
    assert!(
        xml.contains(&format!("{f}:2 /data/attributes/car/year")),
        "{xml}"
    );
}

#[test]
fn events_without_a_schema_can_be_allowed() {
    let out = evops(&[
        "schema-validate",
        "tests/data/events/valid",
        "--schema",
        "tests/data/schemas/demo/user_registered.json",
        "--schema-for",
        "type",
        "--allow-missing",
        "--format",
        "json",
    ])
    .run();
    out.code(0);
    let r = report(&out);
    assert_eq!(r["valid"], 2, "{r}");
    assert_eq!(r["no_schema"], 6, "{r}");
}

#[test]
fn one_schema_for_all_events_and_bad_schemas_are_errors() {
    // --schema-for single with one file: every event is checked against it.
    let out = evops(&[
        "schema-validate",
        "tests/data/events/valid/events.ndjson",
        "--schema",
        "tests/data/schemas/demo/user_registered.json",
        "--schema-for",
        "single",
        "--format",
        "json",
    ])
    .run();
    out.code(1);
    assert_eq!(report(&out)["valid"], 2);

    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("broken.avsc");
    std::fs::write(
        &bad,
        r#"{"type": "record", "name": "X", "fields": [{"name": "a", "type": "nope"}]}"#,
    )
    .unwrap();
    let out = evops(&[
        "schema-validate",
        "tests/data/events/valid",
        "--schema",
        bad.to_str().unwrap(),
    ])
    .run();
    out.code(2);
    assert!(out.stderr.contains("broken.avsc"), "{}", out.stderr);
    let out = evops(&["schema-validate", "tests/data/events/valid"]).run();
    out.code(2);
    assert!(out.stderr.contains("--schema"), "{}", out.stderr);
}

#[test]
fn lint_rules_each_find_their_problem() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("lint.ndjson");
    let env = |id: &str, ty: &str, attrs: Value, ts: Value| json!({"data": {"id": id, "type": ty, "attributes": attrs}, "meta": {"created_at": ts, "host": "h"}});
    let lines = [
        env(
            "e-1",
            "user_registered",
            json!({"bio": "ok"}),
            json!("2026-11-20T10:00:00Z"),
        ),
        env(
            "e-2",
            "user_registered",
            json!({"bio": "null"}),
            json!("2026-11-20T10:00:00Z"),
        ),
        env(
            "e-3",
            "user_registered",
            json!({"bio": "x"}),
            json!("2999-01-01T00:00:00Z"),
        ),
        env(
            "e-4",
            "user_registered",
            json!({"bio": "x"}),
            json!("1970-01-02T00:00:00Z"),
        ),
        env(
            "e-1",
            "user_registered",
            json!({"bio": "dup"}),
            json!("2026-11-20T10:00:00Z"),
        ),
        env(
            "e-6",
            "create_user",
            json!({"bio": "x"}),
            json!("2026-11-20T10:00:00Z"),
        ),
        json!({"data": {"id": "e-7", "type": "user_registered"}}),
        env(
            "e-8",
            "user_registered",
            json!({"bio": "y".repeat(400)}),
            json!("2026-11-20T10:00:00Z"),
        ),
    ];
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(&f, text).unwrap();
    let out = evops(&[
        "schema-validate",
        f.to_str().unwrap(),
        "--lint",
        "--max-bytes",
        "300",
        "--format",
        "json",
    ])
    .run();
    out.code(1);
    let r = report(&out);
    let name = f.to_str().unwrap();
    let v = violations_at(&r);
    let at = |line: u32, rule: &str| {
        v.iter()
            .any(|(l, _, ru)| l == &format!("{name}:{line}") && ru == rule)
    };
    assert!(at(2, "lint:null-string"), "{v:?}");
    assert!(at(3, "lint:future"), "{v:?}");
    assert!(at(4, "lint:too-old"), "{v:?}");
    assert!(at(5, "lint:duplicate-id"), "{v:?}");
    assert!(at(6, "lint:command-type"), "{v:?}");
    assert!(at(7, "lint:missing"), "{v:?}");
    assert!(at(8, "lint:too-big"), "{v:?}");
    assert!(
        !v.iter().any(|(l, _, _)| l == &format!("{name}:1")),
        "{v:?}"
    );
    // The duplicate names where the id was first seen.
    let dup = r["violations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["rule"] == "lint:duplicate-id")
        .unwrap();
    assert!(
        dup["reason"]
            .as_str()
            .unwrap()
            .contains(&format!("{name}:1")),
        "{dup}"
    );
    // The command-style type is only a warning: event 6 alone would pass.
    let warn = r["violations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["rule"] == "lint:command-type")
        .unwrap();
    assert_eq!(warn["warning"], true);
    assert_eq!(r["invalid"], 6, "{r}");
}

#[test]
fn the_demo_datas_planted_violations_are_found() {
    let out = evops(&[
        "-b",
        "embedded",
        "schema-validate",
        "users",
        "tribes",
        "articles",
        "comments",
        "bumps",
        "views",
        "--schema",
        DEMO_SCHEMAS,
        "--lint",
        "--max-bytes",
        "16k",
        "--show",
        "200",
        "--format",
        "json",
    ])
    .timeout(std::time::Duration::from_secs(120))
    .run();
    out.code(1);
    let r = report(&out);
    let vs = r["violations"].as_array().unwrap();
    let find = |pred: &dyn Fn(&Value) -> bool| vs.iter().any(pred);
    let reason = |v: &Value| v["reason"].as_str().unwrap().to_string();
    // Missing meta.created_at (a-150): the schema and the lint rule both say so.
    assert!(
        find(&|v| v["pointer"] == "/meta/created_at" && v["rule"] == "schema"),
        "{r}"
    );
    // Missing data.type (c-6001): no type, so no schema, and lint names the field.
    assert!(
        find(&|v| v["pointer"] == "/data/type" && v["rule"] == "lint:missing"),
        "{r}"
    );
    // duration_ms as a string (v-30001), against the Avro schema.
    assert!(
        find(&|v| v["pointer"] == "/data/attributes/duration_ms" && v["schema"] == "article_viewed"),
        "{r}"
    );
    // The value that is the JSON string "null".
    assert!(
        find(&|v| v["rule"] == "lint:null-string" && v["pointer"] == ""),
        "{r}"
    );
    // "null" / "None" / "" bios.
    assert!(
        find(&|v| v["rule"] == "lint:null-string" && v["pointer"] == "/data/attributes/bio"),
        "{r}"
    );
    // Not JSON (bumps).
    assert!(
        find(&|v| v["location"].as_str().unwrap().starts_with("bumps/")
            && reason(v).contains("not JSON")),
        "{r}"
    );
    // Anemic (a-104): no attributes, no meta.
    assert!(
        find(&|v| v["pointer"] == "/data/attributes" && v["rule"] == "schema"),
        "{r}"
    );
    // Fat (a-105): too big, and a field the schema does not have.
    assert!(find(&|v| v["rule"] == "lint:too-big"), "{r}");
    assert!(
        find(&|v| v["pointer"] == "/data/attributes/body" && v["schema"] == "article_published"),
        "{r}"
    );
    // From the future (c-6002).
    assert!(find(&|v| v["rule"] == "lint:future"), "{r}");
    // A command, not a fact (create_comment): a warning, and no schema for it.
    assert!(
        find(&|v| v["rule"] == "lint:command-type" && reason(v).contains("create_comment")),
        "{r}"
    );
    assert!(r["no_schema"].as_u64().unwrap() >= 2, "{r}");
    // The tombstone is skipped, not judged.
    assert_eq!(r["tombstones"], 1, "{r}");
    // Everything else in the demo is valid.
    assert!(r["valid"].as_u64().unwrap() > 1400, "{r}");
}

#[test]
fn avro_from_confluents_serializer_is_read_through_the_registry() {
    let reg = RegistryServer::start(&[]);
    let t = topic("sv-avro", 1);
    let schema = "tests/data/schemas/user.avsc";
    let good = [
        json!({"id": "u-1", "name": "Ada", "age": 36, "email": null, "tags": ["a"], "kind": "HUMAN"}),
        json!({"id": "u-2", "name": "Bo", "age": 7, "email": "bo@example.com", "tags": [], "kind": "BOT"}),
    ];
    assert_eq!(
        produce_avro(&t, schema, &["--registry", &reg.url], &good),
        2
    );
    // A corrupt record: framed with the registered id (1), then a truncated datum.
    let corrupt = json!({"__raw_hex__": "0000000001066d"});
    // A record framed with an id the registry does not have.
    let unknown = json!({"__raw_hex__": "00000003e7020000"});
    produce_avro(&t, schema, &["--registry", &reg.url], &[corrupt, unknown]);

    let out = evops(&[
        "-b",
        &broker(),
        "schema-validate",
        &t,
        "--registry",
        &reg.url,
        "--format",
        "json",
    ])
    .run();
    out.code(1);
    let r = report(&out);
    assert_eq!(r["checked"], 4, "{r}");
    assert_eq!(r["valid"], 2, "{r}");
    let v = violations_at(&r);
    assert!(v.iter().any(|(l, _, _)| l == &format!("{t}/0@2")), "{v:?}");
    assert!(v.iter().any(|(l, _, _)| l == &format!("{t}/0@3")), "{v:?}");
    let reasons = r["violations"].to_string();
    assert!(reasons.contains("999"), "{reasons}");
    assert_eq!(r["invalid"], 1, "{r}");
    assert_eq!(r["unreadable"], 1, "{r}");
    // The schema was asked for once, however many records carry its id.
    assert_eq!(
        reg.requests().get("GET /schemas/ids/1"),
        Some(&1),
        "{:?}",
        reg.requests()
    );

    // A contract schema from --schema must be able to read what was written (resolution):
    // one that adds a field without a default cannot.
    let out = evops(&[
        "-b",
        &broker(),
        "schema-validate",
        &t,
        "--until",
        "2",
        "--registry",
        &reg.url,
        "--schema",
        "tests/data/schemas/compat/user-v3-no-default.avsc",
        "--format",
        "json",
    ])
    .run();
    out.code(1);
    let r = report(&out);
    assert_eq!(r["invalid"], 2, "{r}");
    assert!(r["violations"].to_string().contains("country"), "{r}");

    // A payload framed with a JSON Schema's id is checked against that schema.
    let client = evops::endpoint::registry::Registry::new(
        evops::endpoint::registry::RegistryConfig::parse(
            &reg.url,
            None,
            std::time::Duration::from_secs(5),
        )
        .unwrap(),
    );
    let js_id = client
        .register(
            "json-value",
            r#"{"type":"object","required":["id"],"properties":{"id":{"type":"string"}}}"#,
            "JSON",
        )
        .unwrap();
    let t2 = topic("sv-json", 1);
    let framed = |doc: &str| {
        let mut b = vec![0u8];
        b.extend_from_slice(&js_id.to_be_bytes());
        b.extend_from_slice(doc.as_bytes());
        json!({"__raw_hex__": b.iter().map(|x| format!("{x:02x}")).collect::<String>()})
    };
    produce_avro(
        &t2,
        schema,
        &["--registry", &reg.url],
        &[framed(r#"{"id":"a"}"#), framed(r#"{"id":7}"#)],
    );
    let out = evops(&[
        "-b",
        &broker(),
        "schema-validate",
        &t2,
        "--registry",
        &reg.url,
        "--format",
        "json",
    ])
    .run();
    out.code(1);
    let r = report(&out);
    assert_eq!(r["valid"], 1, "{r}");
    assert_eq!(
        violations_at(&r),
        [(format!("{t2}/0@1"), "/id".to_string(), "schema".to_string())]
    );

    // tail shows the decoded values, as the serializer was given them (unions unwrapped).
    let out = evops(&[
        "-b",
        &broker(),
        "tail",
        &t,
        "-o",
        "beginning",
        "--until",
        "2",
        "-e",
        "-f",
        "json",
        "--value-format",
        "avro",
        "--registry",
        &reg.url,
    ])
    .run();
    out.code(0);
    let values: Vec<Value> = out
        .json_lines()
        .into_iter()
        .map(|l| l["value"].clone())
        .collect();
    assert_eq!(
        values[0],
        json!({"id": "u-1", "name": "Ada", "age": 36, "email": null, "tags": ["a"], "kind": "HUMAN"})
    );
    assert_eq!(values[1]["email"], "bo@example.com");

    // filter decodes through the same code.
    let out = evops(&[
        "-b",
        &broker(),
        "filter",
        &t,
        ".value.kind == \"BOT\"",
        "--until",
        "2",
        "--value-format",
        "avro",
        "--registry",
        &reg.url,
        "-f",
        "{offset}",
    ])
    .run();
    out.code(0);
    assert_eq!(out.lines(), ["1"]);

    // So does replay: the filter reads the decoded value, the copy keeps the framed bytes.
    let to = topic("sv-avro-copy", 1);
    let out = evops(&[
        "-b",
        &broker(),
        "replay",
        &t,
        ".value.kind == \"BOT\"",
        "--until",
        "2",
        "--to",
        &to,
        "-y",
        "--value-format",
        "avro",
        "--registry",
        &reg.url,
    ])
    .run();
    out.code(0);
    let hex = |args: &[&str]| {
        let out = evops(args).run();
        out.code(0);
        out.lines()
    };
    assert_eq!(
        hex(&[
            "-b",
            &broker(),
            "tail",
            &to,
            "-o",
            "beginning",
            "-e",
            "-f",
            "{value}",
            "--value-format",
            "hex"
        ]),
        hex(&[
            "-b",
            &broker(),
            "tail",
            &t,
            "-o",
            "1",
            "--until",
            "2",
            "-e",
            "-f",
            "{value}",
            "--value-format",
            "hex"
        ]),
    );

    // Unreachable registry: an error, not a verdict.
    let out = evops(&[
        "-b",
        &broker(),
        "--timeout",
        "2s",
        "schema-validate",
        &t,
        "--registry",
        "http://127.0.0.1:9",
    ])
    .run();
    out.code(2);
    assert!(out.stderr.contains("127.0.0.1:9"), "{}", out.stderr);
}

#[test]
fn bare_avro_datums_are_checked_against_a_schema_file() {
    let t = topic("sv-bare", 1);
    let schema = "tests/data/schemas/user.avsc";
    let good = [
        json!({"id": "u-1", "name": "Ada", "age": 36, "email": null, "tags": [], "kind": "HUMAN"}),
    ];
    produce_avro(&t, schema, &["--bare"], &good);
    // A datum with a bad union branch index (7) where email is.
    let bad = json!({"__raw_hex__": "06752d310641646148".to_string() + "0e"});
    produce_avro(&t, schema, &["--bare"], &[bad]);
    let empty_id =
        [json!({"id": "", "name": "Nobody", "age": 0, "email": null, "tags": [], "kind": "BOT"})];
    produce_avro(&t, schema, &["--bare"], &empty_id);
    let out = evops(&[
        "-b",
        &broker(),
        "schema-validate",
        &t,
        "--schema",
        schema,
        "--value-format",
        "avro",
        "--format",
        "json",
    ])
    .run();
    out.code(1);
    let r = report(&out);
    assert_eq!(r["valid"], 2, "{r}");
    let v = violations_at(&r);
    assert!(
        v.iter()
            .any(|(l, p, _)| l == &format!("{t}/0@1") && p == "/email"),
        "{v:?}"
    );
    // The datum at offset 2 starts with byte 0 (an empty id): not Confluent framing.
    let out = evops(&[
        "-b",
        &broker(),
        "tail",
        &t,
        "-o",
        "2",
        "-e",
        "-f",
        "json",
        "--value-format",
        "avro",
        "--schema",
        schema,
    ])
    .run();
    out.code(0);
    assert_eq!(out.json_lines()[0]["value"]["id"], "");
}

#[test]
fn max_counts_judged_events() {
    let out = evops(&[
        "schema-validate",
        "tests/data/events/valid",
        "--schema",
        DEMO_SCHEMAS,
        "--max",
        "2",
        "--format",
        "json",
    ])
    .run();
    out.code(0);
    assert_eq!(report(&out)["checked"], 2);
}

#[test]
fn capture_files_stdin_and_file_sources_are_read_with_their_topics() {
    let dir = tempfile::tempdir().unwrap();
    let cap = dir.path().join("incident.ndjson");
    let ev = |ty: &str, attrs: Value| {
        json!({"data": {"id": "x-1", "type": ty, "attributes": attrs}, "meta": {"created_at": "2026-11-20T10:00:00Z", "host": "h"}}).to_string()
    };
    let lines = [
        json!({"topic": "comments", "partition": 2, "offset": 40, "value": ev("comment_posted", json!({"user_id": "u-1", "article_id": "a-1", "body": "hi"}))}),
        json!({"topic": "comments", "partition": 2, "offset": 41, "value": ev("comment_posted", json!({"user_id": "u-1", "article_id": "a-1"}))}),
        json!({"topic": "comments", "partition": 2, "offset": 42, "value": null}),
    ];
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(&cap, &text).unwrap();
    let file_arg = format!("file:{}", cap.display());
    for args in [
        vec![cap.to_str().unwrap()],
        vec![file_arg.as_str()],
        vec!["-"],
    ] {
        let mut all = vec!["schema-validate"];
        all.extend(args.iter().copied());
        all.extend(["--schema", DEMO_SCHEMAS, "--format", "json"]);
        let out = evops(&all).stdin(text.clone()).run();
        out.code(1);
        let r = report(&out);
        assert_eq!(r["checked"], 2, "{args:?}: {r}");
        assert_eq!(r["tombstones"], 1, "{args:?}: {r}");
        assert_eq!(
            violations_at(&r),
            [(
                "comments/2@41".to_string(),
                "/data/attributes/body".to_string(),
                "schema".to_string()
            )],
            "{args:?}"
        );
    }
    // By topic: a schema file named after the topic.
    let schemas = dir.path().join("schemas");
    std::fs::create_dir(&schemas).unwrap();
    std::fs::copy(
        "tests/data/schemas/demo/comment_posted.json",
        schemas.join("comments-value.json"),
    )
    .unwrap();
    let out = evops(&[
        "schema-validate",
        cap.to_str().unwrap(),
        "--schema",
        schemas.to_str().unwrap(),
        "--schema-for",
        "topic",
        "--format",
        "json",
    ])
    .run();
    out.code(1);
    let r = report(&out);
    assert_eq!(r["schemas"][0]["schema"], "comments-value", "{r}");
    assert_eq!(r["invalid"], 1, "{r}");
}

#[test]
fn unreadable_input_counts_and_allowed_missing_schemas_are_skipped_in_junit() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("broken.json"), "[{\"a\": 1}, oops]").unwrap();
    std::fs::write(
        dir.path().join("other.ndjson"),
        "{\"data\":{\"id\":\"x\",\"type\":\"unknown_thing\",\"attributes\":{}},\"meta\":{\"created_at\":\"2026-11-20T10:00:00Z\",\"host\":\"h\"}}\n",
    )
    .unwrap();
    let junit = dir.path().join("j.xml");
    let out = evops(&[
        "schema-validate",
        dir.path().to_str().unwrap(),
        "--schema",
        DEMO_SCHEMAS,
        "--allow-missing",
        "--format",
        "json",
        "--junit",
        junit.to_str().unwrap(),
    ])
    .run();
    // The broken file still fails the run, allowed missing schemas do not.
    out.code(1);
    let r = report(&out);
    assert_eq!(r["unreadable"], 1, "{r}");
    assert_eq!(r["no_schema"], 1, "{r}");
    assert_eq!(r["checked"], 2, "{r}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("<skipped message=\"1 events without a schema (allowed)\"/>"),
        "{xml}"
    );
    assert!(xml.contains("failures=\"1\""), "{xml}");
}

#[test]
fn a_type_path_names_the_schema_and_feeds_lint() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("e.ndjson");
    std::fs::write(
        &f,
        "{\"event\":{\"name\":\"order_placed\"},\"id\":1}\n{\"event\":{\"name\":\"create_order\"},\"id\":2}\n",
    )
    .unwrap();
    let schemas = dir.path().join("s");
    std::fs::create_dir(&schemas).unwrap();
    std::fs::write(
        schemas.join("order_placed.json"),
        r#"{"$schema": "http://json-schema.org/draft-07/schema#", "type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}"#,
    )
    .unwrap();
    let out = evops(&[
        "schema-validate",
        f.to_str().unwrap(),
        "--schema",
        schemas.to_str().unwrap(),
        "--type-path",
        "event.name",
        "--schema-for",
        "type",
        "--lint",
        "--require",
        "id",
        "--time-field",
        "ts",
        "--format",
        "json",
    ])
    .run();
    out.code(1);
    let r = report(&out);
    let v = violations_at(&r);
    let name = f.to_str().unwrap();
    assert!(
        v.contains(&(format!("{name}:1"), "/id".into(), "schema".into())),
        "{v:?}"
    );
    assert!(
        v.iter()
            .any(|(l, _, rule)| l == &format!("{name}:2") && rule == "lint:command-type"),
        "{v:?}"
    );
    assert_eq!(r["no_schema"], 1, "{r}");
}

/// An event nested 20,000 levels deep is one unreadable event named with the nesting bound,
/// and the events after it are checked.
#[test]
fn too_deep_events_are_unreadable_not_crashes() {
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("deep.ndjson");
    let deep = format!("{}{}", "[".repeat(20_000), "]".repeat(20_000));
    std::fs::write(&events, format!("{deep}\n{{\"a\":1}}\n")).unwrap();
    let out = evops(&["schema-validate", events.to_str().unwrap(), "--lint"]).run();
    out.code(1);
    let text = out.text();
    assert!(text.contains("deep.ndjson:1"), "{text}");
    assert!(text.contains("nested deeper than 100 levels"), "{text}");
    assert!(out.stderr.contains("2 read"), "{}", out.stderr);
}

/// The JUnit report is never written over an event file being validated, given itself or in a
/// directory given (that one it overwrote).
#[test]
fn the_junit_report_never_overwrites_a_source() {
    let dir = tempfile::tempdir().unwrap();
    let ev = dir.path().join("ev.json");
    std::fs::write(&ev, "{\"a\":1}").unwrap();
    let ev_s = ev.to_str().unwrap();
    let dir_s = dir.path().to_str().unwrap();
    for source in [ev_s, dir_s] {
        let out =
            crate::harness::evops(&["schema-validate", source, "--lint", "--junit", ev_s]).run();
        out.code(2);
        assert!(out.stderr.contains("--junit"), "{source}: {}", out.stderr);
        assert_eq!(std::fs::read_to_string(&ev).unwrap(), "{\"a\":1}");
    }
}

/// Regression (sweep 4): an event that is a JSON scalar (`3`, `null`, `true`) was "unreadable:
/// its schema thing is a JSON Schema"; it is JSON, judged by the JSON Schema like any other.
#[test]
fn json_scalar_events_are_judged_by_a_json_schema() {
    let dir = tempfile::tempdir().unwrap();
    let schema = dir.path().join("thing.json");
    std::fs::write(&schema, r#"{"type":"object","required":["data"]}"#).unwrap();
    let events = dir.path().join("ev.ndjson");
    std::fs::write(&events, "3\nnull\ntrue\n{\"data\":1}\n").unwrap();
    let out = evops(&[
        "schema-validate",
        events.to_str().unwrap(),
        "--schema",
        schema.to_str().unwrap(),
    ])
    .run();
    out.code(1);
    let text = out.text();
    for (line, value) in [(1, "3"), (2, "null"), (3, "true")] {
        assert!(
            text.contains(&format!(
                "ev.ndjson:{line}  thing  /  {value} is not of type \"object\""
            )),
            "{text}"
        );
    }
    assert!(!text.contains("unreadable"), "{text}\n{}", out.stderr);
    assert!(
        out.stderr.contains("4 checked: 1 valid, 3 invalid"),
        "{}",
        out.stderr
    );
}

/// Regression (sweep 4): a FIFO of capture lines was sniffed (its lines consumed) and then read
/// again from an empty pipe: "no events were read", exit 0, every record lost; a FIFO of sample
/// events was "no such file or directory". Both are refused, naming the path, exit 2.
#[test]
fn a_pipe_given_as_a_file_is_refused_not_read_twice() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("events.ndjson");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let fifo_s = fifo.to_str().unwrap();
    let out = evops(&["schema-validate", fifo_s, "--lint"]).run();
    out.code(2);
    assert!(
        out.stderr
            .contains(&format!("{fifo_s}: not a regular file or directory")),
        "{}",
        out.stderr
    );
    let out = evops(&["schema-validate", "/dev/null", "--lint"]).run();
    out.code(2);
    assert!(
        out.stderr.contains("/dev/null: not a regular file"),
        "{}",
        out.stderr
    );
    // Regression (sweep 9): a device given as a schema was "no such file or directory".
    let events = dir.path().join("e.json");
    std::fs::write(&events, r#"{"data": {"type": "a"}}"#).unwrap();
    let events = events.to_str().unwrap();
    let out = evops(&["schema-validate", events, "--schema", "/dev/zero"]).run();
    out.code(2);
    assert!(
        out.stderr
            .contains("--schema /dev/zero: not a regular file or directory"),
        "{}",
        out.stderr
    );
}

/// Regression (sweep 4): a report that could not be written said only "evops: No space left on
/// device"; it names what was written, as every other command does. A closed pipe is exit 0.
#[test]
fn the_report_on_a_full_disk_names_stdout_and_a_closed_pipe_is_quiet() {
    use crate::harness::{closed_pipe, full_disk};
    let dir = tempfile::tempdir().unwrap();
    let events = dir.path().join("ev.ndjson");
    let line = "{\"a\":1}\n".repeat(20_000);
    std::fs::write(&events, line).unwrap();
    let ev = events.to_str().unwrap();
    for format in ["table", "json"] {
        let args = ["schema-validate", ev, "--lint", "--format", format];
        let out = evops(&args).stdout(full_disk()).run();
        out.code(2);
        assert!(
            out.stderr
                .contains("evops: writing to stdout: No space left on device"),
            "{format}: {}",
            out.stderr
        );
        let out = evops(&args).stdout(closed_pipe()).run();
        assert_eq!(out.code, 0, "{format} | closed: {}", out.stderr);
        assert!(!out.stderr.contains("evops: "), "{}", out.stderr);
    }
}

//! `evops schema compat`: Avro schema evolution by the resolution rules, JSON Schema where it
//! is decidable, and a new schema against a registry subject's latest version.

use crate::harness::{evops, RegistryServer};

const DIR: &str = "tests/data/schemas/compat";

fn compat(old: &str, new: &str, mode: &str) -> crate::harness::Output {
    evops(&[
        "schema",
        "compat",
        &format!("{DIR}/{old}"),
        &format!("{DIR}/{new}"),
        "--mode",
        mode,
    ])
    .run()
}

#[test]
fn avro_evolution_follows_the_resolution_rules() {
    // (old, new, mode, compatible)
    let cases = [
        ("user-v1.avsc", "user-v2-default.avsc", "full", true),
        ("user-v1.avsc", "user-v3-no-default.avsc", "forward", true),
        ("user-v1.avsc", "user-v3-no-default.avsc", "backward", false),
        ("user-v1.avsc", "user-v4-email-removed.avsc", "full", true),
        ("user-v1.avsc", "user-v5-age-long.avsc", "backward", true),
        ("user-v1.avsc", "user-v5-age-long.avsc", "forward", false),
        ("user-v1.avsc", "user-v5-age-long.avsc", "FULL", false),
    ];
    for (old, new, mode, ok) in cases {
        let out = compat(old, new, mode);
        out.code(i32::from(!ok));
        let text = out.text();
        if ok {
            assert!(text.starts_with("compatible"), "{old} {new} {mode}: {text}");
        } else {
            assert!(
                text.starts_with("incompatible"),
                "{old} {new} {mode}: {text}"
            );
        }
    }
    // The reasons name the field.
    let out = compat("user-v1.avsc", "user-v3-no-default.avsc", "backward");
    assert!(out.text().contains("country"), "{}", out.text());
    let out = compat("user-v1.avsc", "user-v5-age-long.avsc", "forward");
    assert!(out.text().contains("age"), "{}", out.text());
}

#[test]
fn json_schema_evolution_where_decidable() {
    let cases = [
        (
            "order-v1.json",
            "order-v2-optional-added.json",
            "backward",
            true,
        ),
        (
            "order-v1.json",
            "order-v2-optional-added.json",
            "forward",
            false,
        ),
        (
            "order-v1.json",
            "order-v3-required-added.json",
            "backward",
            false,
        ),
        (
            "order-v1.json",
            "order-v3-required-added.json",
            "forward",
            true,
        ),
    ];
    for (old, new, mode, ok) in cases {
        compat(old, new, mode).code(i32::from(!ok));
    }
    let out = compat("order-v1.json", "order-v3-required-added.json", "backward");
    assert!(out.text().contains("age"), "{}", out.text());
    // Different kinds of schema: an error.
    compat("user-v1.avsc", "order-v1.json", "backward").code(2);
}

#[test]
fn a_new_schema_is_checked_against_the_subjects_latest_version() {
    let reg = RegistryServer::start(&[]);
    let client = evops::endpoint::registry::Registry::new(
        evops::endpoint::registry::RegistryConfig::parse(
            &reg.url,
            None,
            std::time::Duration::from_secs(5),
        )
        .unwrap(),
    );
    let v1 = std::fs::read_to_string(format!("{DIR}/user-v1.avsc")).unwrap();
    client.register("users-value", &v1, "AVRO").unwrap();
    let check = |new: &str| {
        evops(&[
            "schema",
            "compat",
            &format!("{DIR}/{new}"),
            "--registry",
            &reg.url,
            "--subject",
            "users-value",
        ])
        .run()
    };
    check("user-v2-default.avsc").code(0);
    let out = check("user-v3-no-default.avsc");
    out.code(1);
    assert!(
        out.text().contains("users-value version 1"),
        "{}",
        out.text()
    );
    // An unknown subject is an error, naming it.
    let out = evops(&[
        "schema",
        "compat",
        &format!("{DIR}/user-v2-default.avsc"),
        "--registry",
        &reg.url,
        "--subject",
        "nobody-value",
    ])
    .run();
    out.code(2);
    assert!(out.stderr.contains("nobody-value"), "{}", out.stderr);
}

#[test]
fn the_test_registry_judges_registrations_with_evops_itself() {
    // The registry's compatibility endpoint and its refusal of an incompatible registration
    // (409), with `evops schema compat` as the judge (the test server judges nothing itself).
    let checker = format!("{} schema compat --mode", env!("CARGO_BIN_EXE_evops"));
    let reg = RegistryServer::start(&["--compat-cmd", &checker]);
    let client = evops::endpoint::registry::Registry::new(
        evops::endpoint::registry::RegistryConfig::parse(
            &reg.url,
            None,
            std::time::Duration::from_secs(10),
        )
        .unwrap(),
    );
    let read = |f: &str| std::fs::read_to_string(format!("{DIR}/{f}")).unwrap();
    client
        .register("users-value", &read("user-v1.avsc"), "AVRO")
        .unwrap();
    let (ok, reasons) = client
        .check_compatibility("users-value", &read("user-v3-no-default.avsc"), "AVRO")
        .unwrap();
    assert!(!ok);
    assert!(reasons.iter().any(|r| r.contains("country")), "{reasons:?}");
    let err = client
        .register("users-value", &read("user-v3-no-default.avsc"), "AVRO")
        .unwrap_err();
    assert!(err.to_string().contains("409"), "{err}");
    assert!(client
        .register("users-value", &read("user-v2-default.avsc"), "AVRO")
        .is_ok());
}

#[test]
fn undecidable_json_schema_changes_are_errors_not_guesses() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old.json");
    let new = dir.path().join("new.json");
    std::fs::write(
        &old,
        r#"{"type": "object", "oneOf": [{"required": ["a"]}, {"required": ["b"]}]}"#,
    )
    .unwrap();
    std::fs::write(
        &new,
        r#"{"type": "object", "oneOf": [{"required": ["a"]}]}"#,
    )
    .unwrap();
    let out = evops(&[
        "schema",
        "compat",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
    ])
    .run();
    out.code(2);
    assert!(out.stderr.contains("cannot decide"), "{}", out.stderr);
}

#[test]
fn with_a_subject_the_registrys_level_decides_transitive_levels_check_every_version() {
    let reg = RegistryServer::start(&[]);
    let client = evops::endpoint::registry::Registry::new(
        evops::endpoint::registry::RegistryConfig::parse(
            &reg.url,
            None,
            std::time::Duration::from_secs(5),
        )
        .unwrap(),
    );
    let level = |l: &str| {
        reg.call(
            "PUT",
            "/config/users-value",
            Some(serde_json::json!({"compatibility": l})),
        );
    };
    level("NONE");
    let read = |f: &str| std::fs::read_to_string(format!("{DIR}/{f}")).unwrap();
    client
        .register("users-value", &read("user-v1.avsc"), "AVRO")
        .unwrap();
    client
        .register("users-value", &read("user-v3-no-default.avsc"), "AVRO")
        .unwrap();
    let check = |extra: &[&str]| {
        let new = format!("{DIR}/user-v3-no-default.avsc");
        let mut args = vec![
            "schema",
            "compat",
            new.as_str(),
            "--registry",
            &reg.url,
            "--subject",
            "users-value",
        ];
        args.extend_from_slice(extra);
        evops(&args).run()
    };
    let out = check(&[]);
    out.code(0);
    assert!(out.text().contains("NONE"), "{}", out.text());
    level("BACKWARD");
    let out = check(&[]);
    out.code(0);
    assert!(out.text().contains("BACKWARD"), "{}", out.text());
    // Version 2 reads itself, but not version 1's data: country has no default.
    level("BACKWARD_TRANSITIVE");
    let out = check(&[]);
    out.code(1);
    assert!(
        out.text().contains("against users-value version 1"),
        "{}",
        out.text()
    );
    assert!(out.text().contains("country"), "{}", out.text());
    // --mode wins over the level, against the latest version.
    check(&["--mode", "backward"]).code(0);
}

//! The schema registry client (`evops::endpoint::registry`) against the test registry
//! (`tests/registry/server.py`, Confluent's REST API in memory): registering and fetching,
//! one id per schema, versions, references, Confluent's not-found codes, basic auth without
//! leaking the password, caching proven by the server's request counts, unreachable and
//! silent registries within the timeout, subjects that need escaping, and compatibility
//! checks. No broker needed.

use std::time::{Duration, Instant};

use serde_json::json;

use evops::endpoint::registry::{Registry, RegistryConfig, RegistryError, SchemaRef};

use crate::harness::RegistryServer;

const ORDER: &str = r#"{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"id","type":"long"}]}"#;
const ORDER_V2: &str = r#"{"type":"record","name":"Order","namespace":"com.acme","fields":[{"name":"id","type":"long"},{"name":"note","type":"string","default":""}]}"#;
const CURRENCY: &str =
    r#"{"type":"enum","name":"Currency","namespace":"com.acme","symbols":["EUR","USD"]}"#;
const MONEY: &str = r#"{"type":"record","name":"Money","namespace":"com.acme","fields":[{"name":"cents","type":"long"},{"name":"currency","type":"com.acme.Currency"}]}"#;
const PRICED: &str = r#"{"type":"record","name":"Priced","namespace":"com.acme","fields":[{"name":"price","type":"com.acme.Money"},{"name":"currency","type":"com.acme.Currency"}]}"#;
const USER_JSON: &str = r#"{"type":"object","properties":{"name":{"type":"string"}}}"#;

/// A compatibility checker for the test registry (it appends MODE OLD NEW): a new schema that
/// mentions "breaking" is incompatible, anything else is compatible.
const CHECKER: &str = r#"python3 -c 'import sys; bad = "breaking" in open(sys.argv[3]).read(); bad and print("field breaking cannot be read by " + sys.argv[1] + " readers"); sys.exit(1 if bad else 0)'"#;

fn client(url: &str) -> Registry {
    Registry::new(RegistryConfig::parse(url, None, Duration::from_secs(10)).unwrap())
}

fn not_found_code(e: RegistryError) -> u32 {
    match e {
        RegistryError::NotFound { code, .. } => code,
        other => panic!("expected NotFound, got {other:?}"),
    }
}

#[test]
fn a_registered_schema_is_fetched_by_its_id() {
    let server = RegistryServer::start(&[]);
    let registry = client(&server.url);
    let id = registry.register("orders-value", ORDER, "AVRO").unwrap();
    let schema = registry.schema_by_id(id).unwrap();
    assert_eq!(schema.id, id);
    assert_eq!(schema.schema, ORDER);
    assert_eq!(schema.schema_type, "AVRO");
    assert!(schema.references.is_empty());
    assert_eq!((schema.subject.as_deref(), schema.version), (None, None));

    let id = registry.register("users-value", USER_JSON, "JSON").unwrap();
    let schema = registry.schema_by_id(id).unwrap();
    assert_eq!(schema.schema_type, "JSON");
    assert_eq!(schema.schema, USER_JSON);
}

#[test]
fn the_same_schema_gets_one_id_under_every_subject() {
    let server = RegistryServer::start(&[]);
    let registry = client(&server.url);
    let id = registry.register("orders-value", ORDER, "AVRO").unwrap();
    assert_eq!(
        registry.register("orders-value", ORDER, "AVRO").unwrap(),
        id
    );
    assert_eq!(
        registry.register("archive-value", ORDER, "AVRO").unwrap(),
        id
    );
    assert_ne!(registry.register("currency", CURRENCY, "AVRO").unwrap(), id);
    // Registering again made no new version.
    assert_eq!(
        server.call("GET", "/subjects/orders-value/versions", None),
        json!([1])
    );
}

#[test]
fn latest_and_numbered_versions() {
    let server = RegistryServer::start(&["--compat-cmd", CHECKER]);
    let registry = client(&server.url);
    let v1 = registry.register("orders-value", ORDER, "AVRO").unwrap();
    let v2 = registry.register("orders-value", ORDER_V2, "AVRO").unwrap();
    assert_ne!(v1, v2);

    let latest = registry.latest("orders-value").unwrap();
    assert_eq!((latest.id, latest.version), (v2, Some(2)));
    assert_eq!(latest.subject.as_deref(), Some("orders-value"));
    assert_eq!(latest.schema, ORDER_V2);
    let first = registry.version("orders-value", 1).unwrap();
    assert_eq!(
        (first.id, first.version, first.schema.as_str()),
        (v1, Some(1), ORDER)
    );
    assert_eq!(registry.version("orders-value", -1).unwrap().id, v2);
}

#[test]
fn references_resolve_dependencies_first_and_once() {
    let server = RegistryServer::start(&[]);
    let registry = client(&server.url);
    registry.register("currency", CURRENCY, "AVRO").unwrap();
    server.register(
        "money",
        MONEY,
        None,
        &[("com.acme.Currency", "currency", 1)],
    );
    let id = server.register(
        "priced-value",
        PRICED,
        None,
        &[
            ("com.acme.Money", "money", 1),
            ("com.acme.Currency", "currency", 1),
        ],
    );

    let priced = registry.schema_by_id(id).unwrap();
    assert_eq!(
        priced.references,
        vec![
            SchemaRef {
                name: "com.acme.Money".into(),
                subject: "money".into(),
                version: 1
            },
            SchemaRef {
                name: "com.acme.Currency".into(),
                subject: "currency".into(),
                version: 1
            },
        ]
    );
    assert_eq!(registry.references(&priced).unwrap(), vec![CURRENCY, MONEY]);
    assert!(registry
        .references(&registry.latest("currency").unwrap())
        .unwrap()
        .is_empty());
}

#[test]
fn missing_schemas_subjects_and_versions_carry_confluents_codes() {
    let server = RegistryServer::start(&[]);
    let registry = client(&server.url);
    registry.register("orders-value", ORDER, "AVRO").unwrap();

    let e = registry.schema_by_id(4242).unwrap_err();
    assert!(e.to_string().contains("Schema 4242 not found"), "{e}");
    assert_eq!(not_found_code(e), 40403);
    assert_eq!(
        not_found_code(registry.latest("nope-value").unwrap_err()),
        40401
    );
    assert_eq!(
        not_found_code(registry.version("nope-value", 1).unwrap_err()),
        40401
    );
    assert_eq!(
        not_found_code(registry.version("orders-value", 7).unwrap_err()),
        40402
    );
    // Not a version at all: Confluent's 42202, not a "not found".
    match registry.version("orders-value", 0).unwrap_err() {
        RegistryError::Api {
            status: 422,
            code: 42202,
            ..
        } => {}
        other => panic!("expected 42202, got {other:?}"),
    }
    // An invalid schema: 42201.
    match registry
        .register("orders-value", "{not json", "AVRO")
        .unwrap_err()
    {
        RegistryError::Api {
            status: 422,
            code: 42201,
            ..
        } => {}
        other => panic!("expected 42201, got {other:?}"),
    }
}

#[test]
fn basic_auth_from_the_url_or_user_info_and_no_password_in_refusals() {
    let server = RegistryServer::start(&["--user", "alice:s3cr@t"]);
    let port = server.url.rsplit(':').next().unwrap();
    let t = Duration::from_secs(10);

    let in_url = format!("http://alice:s3cr%40t@127.0.0.1:{port}");
    let registry = Registry::new(RegistryConfig::parse(&in_url, None, t).unwrap());
    assert_eq!(registry.url(), server.url);
    let id = registry.register("orders-value", ORDER, "AVRO").unwrap();
    let separate = RegistryConfig::parse(&server.url, Some("alice:s3cr@t"), t).unwrap();
    assert_eq!(
        Registry::new(separate).schema_by_id(id).unwrap().schema,
        ORDER
    );

    for (url, auth) in [
        (server.url.clone(), Some("alice:wrong-horse")),
        (format!("http://alice:wrong-horse@127.0.0.1:{port}"), None),
        (server.url.clone(), None),
    ] {
        let registry = Registry::new(RegistryConfig::parse(&url, auth, t).unwrap());
        let e = registry.schema_by_id(id).unwrap_err();
        assert!(matches!(e, RegistryError::Unauthorized { .. }), "{e:?}");
        let shown = format!("{e} {e:?}");
        assert!(
            !shown.contains("wrong-horse") && !shown.contains("s3cr"),
            "{shown}"
        );
        assert!(shown.contains(&server.url), "{shown}");
    }
}

#[test]
fn ids_and_versions_are_asked_for_once() {
    let server = RegistryServer::start(&["--compat-cmd", CHECKER]);
    let registry = client(&server.url);
    let id = registry.register("orders-value", ORDER, "AVRO").unwrap();
    for _ in 0..3 {
        assert_eq!(registry.schema_by_id(id).unwrap().schema, ORDER);
        assert!(registry.schema_by_id(4242).is_err());
        assert_eq!(registry.latest("orders-value").unwrap().id, id);
        assert_eq!(registry.version("orders-value", 1).unwrap().id, id);
    }
    let counts = server.requests();
    assert_eq!(counts[&format!("GET /schemas/ids/{id}")], 1, "{counts:?}");
    assert_eq!(counts["GET /schemas/ids/4242"], 1, "{counts:?}");
    assert_eq!(
        counts["GET /subjects/orders-value/versions/latest"], 1,
        "{counts:?}"
    );
    assert_eq!(
        counts["GET /subjects/orders-value/versions/1"], 1,
        "{counts:?}"
    );

    // Registering through this client forgets the subject's latest.
    let v2 = registry.register("orders-value", ORDER_V2, "AVRO").unwrap();
    assert_eq!(registry.latest("orders-value").unwrap().id, v2);
    assert_eq!(
        server.requests()["GET /subjects/orders-value/versions/latest"],
        2
    );
}

#[test]
fn a_closed_port_is_unreachable_at_once_and_named_without_the_password() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = format!("http://bob:hunter2@127.0.0.1:{port}");
    let registry =
        Registry::new(RegistryConfig::parse(&url, None, Duration::from_secs(5)).unwrap());
    let started = Instant::now();
    let e = registry.schema_by_id(1).unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let RegistryError::Unreachable { url, .. } = &e else {
        panic!("expected Unreachable, got {e:?}");
    };
    assert_eq!(url, &format!("http://127.0.0.1:{port}"));
    let shown = format!("{e} {e:?}");
    assert!(!shown.contains("hunter2"), "{shown}");
}

#[test]
fn a_silent_registry_is_unreachable_within_the_timeout() {
    // Connections complete (the kernel's backlog) but nothing ever answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let timeout = Duration::from_millis(700);
    let registry = Registry::new(RegistryConfig::parse(&url, None, timeout).unwrap());
    let started = Instant::now();
    let e = registry.latest("orders-value").unwrap_err();
    let took = started.elapsed();
    assert!(took >= timeout && took < timeout * 4, "{took:?}");
    assert!(matches!(e, RegistryError::Unreachable { .. }), "{e:?}");
    assert!(e.to_string().contains("no answer within"), "{e}");
}

#[test]
fn subjects_that_need_escaping_reach_the_registry_intact() {
    let server = RegistryServer::start(&["--compat-cmd", CHECKER]);
    let registry = client(&server.url);
    for subject in ["a/b value", "ünï?#%+code"] {
        let id = registry.register(subject, ORDER, "AVRO").unwrap();
        let latest = registry.latest(subject).unwrap();
        assert_eq!((latest.id, latest.subject.as_deref()), (id, Some(subject)));
        assert_eq!(
            registry
                .check_compatibility(subject, ORDER_V2, "AVRO")
                .unwrap(),
            (true, vec![])
        );
    }
    assert_eq!(
        server.call("GET", "/subjects", None),
        json!(["a/b value", "ünï?#%+code"])
    );
    let counts = server.requests();
    assert_eq!(
        counts["POST /subjects/a%2Fb%20value/versions"], 1,
        "{counts:?}"
    );
    assert_eq!(
        counts["GET /subjects/a%2Fb%20value/versions/latest"], 1,
        "{counts:?}"
    );
}

#[test]
fn compatibility_is_the_registrys_verdict_with_its_reasons() {
    let server = RegistryServer::start(&["--compat-cmd", CHECKER]);
    let registry = client(&server.url);
    // Nothing registered yet: anything goes.
    assert_eq!(
        registry
            .check_compatibility("orders-value", ORDER, "AVRO")
            .unwrap(),
        (true, vec![])
    );
    registry.register("orders-value", ORDER, "AVRO").unwrap();
    assert_eq!(
        registry
            .check_compatibility("orders-value", ORDER_V2, "AVRO")
            .unwrap(),
        (true, vec![])
    );

    let breaking = ORDER.replace("\"id\"", "\"breaking\"");
    let (ok, reasons) = registry
        .check_compatibility("orders-value", &breaking, "AVRO")
        .unwrap();
    assert!(!ok);
    assert_eq!(
        reasons,
        vec!["field breaking cannot be read by backward readers"]
    );
    match registry
        .register("orders-value", &breaking, "AVRO")
        .unwrap_err()
    {
        RegistryError::Api {
            status: 409,
            code: 409,
            message,
        } => {
            assert!(message.contains("field breaking"), "{message}");
        }
        other => panic!("expected 409, got {other:?}"),
    }
    // Another type is never compatible.
    let (ok, _) = registry
        .check_compatibility("orders-value", USER_JSON, "JSON")
        .unwrap();
    assert!(!ok);
}

#[test]
fn a_registry_that_cannot_judge_says_so() {
    let server = RegistryServer::start(&[]);
    let registry = client(&server.url);
    registry.register("orders-value", ORDER, "AVRO").unwrap();
    match registry
        .check_compatibility("orders-value", ORDER_V2, "AVRO")
        .unwrap_err()
    {
        RegistryError::Api {
            status: 500,
            code: 50001,
            ..
        } => {}
        other => panic!("expected 50001, got {other:?}"),
    }
}

//! Real clusters: a broker that authenticates (SCRAM-SHA-256/512), speaks TLS, or both, read and
//! written end to end through the command line and through a profile; errors that name their
//! cause at once; secrets that never reach any output; and brokers that restart (SIGKILL, the
//! same port and storage) under a live tail, a replay and a bounded read. Every broker here is a
//! test's own (`OwnBroker`), on a free loopback port, with its data in a temp dir.

use std::collections::{BTreeMap, HashSet};
use std::io::{BufRead, BufReader};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::harness::{evops, now_ms, produce_with, unique, Certs, OwnBroker, Rec, Secured};

const USER: &str = "oncall";
/// Distinctive, so that a scan of every output finds it if it leaks anywhere.
const PASSWORD: &str = "Pw-7f3c9e-never-printed";

/// One way a client connects.
#[derive(Debug, Clone, Copy)]
enum Mode {
    Scram256,
    Scram512,
    Tls,
    SaslSsl,
}

impl Mode {
    fn secured(self) -> Secured {
        match self {
            Mode::Scram256 | Mode::Scram512 => Secured {
                tls: false,
                sasl: true,
            },
            Mode::Tls => Secured {
                tls: true,
                sasl: false,
            },
            Mode::SaslSsl => Secured {
                tls: true,
                sasl: true,
            },
        }
    }

    fn mechanism(self) -> (&'static str, &'static str) {
        match self {
            Mode::Scram256 => ("scram256", "SCRAM-SHA-256"),
            _ => ("scram512", "SCRAM-SHA-512"),
        }
    }

    /// The client properties of this mode, with `password`.
    fn props(self, certs: &Certs, password: &str) -> Vec<(String, String)> {
        let s = self.secured();
        let protocol = match (s.tls, s.sasl) {
            (true, true) => "SASL_SSL",
            (true, false) => "SSL",
            (false, true) => "SASL_PLAINTEXT",
            (false, false) => "PLAINTEXT",
        };
        let mut p = vec![("security.protocol".to_string(), protocol.to_string())];
        if s.sasl {
            p.push(("sasl.mechanism".into(), self.mechanism().1.into()));
            p.push(("sasl.username".into(), USER.into()));
            p.push(("sasl.password".into(), password.into()));
        }
        if s.tls {
            p.push((
                "ssl.ca.location".into(),
                certs.cert.to_str().unwrap().into(),
            ));
        }
        p
    }
}

/// A secured broker of the test's own with topics made before it was secured.
struct Cluster {
    broker: OwnBroker,
    certs: Certs,
    mode: Mode,
}

impl Cluster {
    fn start(mode: Mode, topics: &[(&str, i32)]) -> Cluster {
        let certs = Certs::generate();
        let user = (USER, PASSWORD, mode.mechanism().0);
        let broker = OwnBroker::secured(mode.secured(), &certs, &[user], topics);
        Cluster {
            broker,
            certs,
            mode,
        }
    }

    fn props(&self) -> Vec<(String, String)> {
        self.mode.props(&self.certs, PASSWORD)
    }

    /// `-b ADDR -X k=v ...` for this cluster.
    fn flags(&self) -> Vec<String> {
        let mut f = vec!["-b".to_string(), self.broker.addr.clone()];
        for (k, v) in self.props() {
            f.push("-X".into());
            f.push(format!("{k}={v}"));
        }
        f
    }

    /// A config file with profile `sec` for this cluster.
    fn profile(&self, dir: &std::path::Path) -> String {
        let mut text = format!(
            "[profiles.sec]\nbrokers = \"{}\"\n[profiles.sec.properties]\n",
            self.broker.addr
        );
        for (k, v) in self.props() {
            text.push_str(&format!("\"{k}\" = \"{v}\"\n"));
        }
        let path = dir.join("config.toml");
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    }

    fn produce(&self, topic: &str, recs: &[Rec]) {
        let props = self.props();
        let props: Vec<(&str, &str)> = props
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        produce_with(&self.broker.addr, topic, recs, &props);
    }
}

fn args<'a>(flags: &'a [String], rest: &[&'a str]) -> Vec<&'a str> {
    flags
        .iter()
        .map(String::as_str)
        .chain(rest.iter().copied())
        .collect()
}

fn json_rec(partition: i32, n: i64) -> Rec {
    Rec {
        partition,
        key: Some(format!("k{n}").into_bytes()),
        value: Some(format!("{{\"n\":{n}}}").into_bytes()),
        headers: vec![],
        timestamp: now_ms(),
    }
}

/// tail, filter, replay (source and target), partition audit and schema-validate from a topic,
/// through `-b/-X` and through a profile.
fn round_trip(mode: Mode) {
    let (src, dst, copy) = (unique("sec-src"), unique("sec-dst"), unique("sec-copy"));
    let c = Cluster::start(mode, &[(&src, 1), (&dst, 2), (&copy, 2)]);
    let recs: Vec<Rec> = (0..20).map(|n| json_rec(0, n)).collect();
    c.produce(&src, &recs);
    let flags = c.flags();
    let dir = tempfile::tempdir().unwrap();
    let cfg = c.profile(dir.path());
    let prof = ["--config", cfg.as_str(), "--profile", "sec"].map(String::from);

    for how in [&flags[..], &prof[..]] {
        let out = evops(&args(
            how,
            &["tail", &src, "-o", "beginning", "-e", "-f", "raw"],
        ))
        .run();
        out.code(0);
        assert_eq!(out.lines().len(), 20, "{mode:?} tail: {}", out.stderr);

        let out = evops(&args(
            how,
            &[
                "filter",
                &src,
                "-o",
                "beginning",
                "-w",
                ".value.n >= 15",
                "-f",
                "raw",
            ],
        ))
        .run();
        out.code(0);
        assert_eq!(out.lines().len(), 5, "{mode:?} filter: {}", out.stderr);

        let out = evops(&args(how, &["partition", "audit", &src, "-o", "beginning"])).run();
        out.code(0);
        assert!(
            out.text().contains("keys on more than one partition: 0"),
            "{mode:?} audit: {}{}",
            out.text(),
            out.stderr
        );

        let schema = dir.path().join("n.json");
        std::fs::write(&schema, r#"{"type":"object","required":["n"]}"#).unwrap();
        let out = evops(&args(
            how,
            &[
                "schema-validate",
                &src,
                "--schema",
                schema.to_str().unwrap(),
                "--schema-for",
                "single",
                "--format",
                "json",
            ],
        ))
        .run();
        out.code(0);
        assert!(
            out.text().contains("\"checked\":20"),
            "{mode:?} schema-validate: {}{}",
            out.text(),
            out.stderr
        );
    }
    // Replay: the profile's cluster as source and target, then the command line's.
    let out = evops(&args(
        &prof,
        &[
            "replay",
            &src,
            "--to",
            &dst,
            "-o",
            "beginning",
            "--no-checkpoint",
            "-q",
        ],
    ))
    .run();
    out.code(0);
    let out = evops(&args(
        &flags,
        &[
            "replay",
            &dst,
            "--to",
            &copy,
            "-o",
            "beginning",
            "--no-checkpoint",
            "-q",
        ],
    ))
    .run();
    out.code(0);
    let out = evops(&args(
        &flags,
        &["tail", &copy, "-o", "beginning", "-e", "-f", "raw"],
    ))
    .run();
    out.code(0);
    let mut got: Vec<String> = out.lines();
    got.sort();
    let mut want: Vec<String> = (0..20).map(|n| format!("{{\"n\":{n}}}")).collect();
    want.sort();
    assert_eq!(got, want, "{mode:?} replayed twice");
}

#[test]
fn scram_sha_256_over_plaintext_end_to_end() {
    round_trip(Mode::Scram256);
}

#[test]
fn scram_sha_512_over_plaintext_end_to_end() {
    round_trip(Mode::Scram512);
}

#[test]
fn tls_end_to_end() {
    round_trip(Mode::Tls);
}

#[test]
fn scram_over_tls_end_to_end() {
    round_trip(Mode::SaslSsl);
}

/// Run `evops -b ... ARGS tail TOPIC -e` with a 10 s timeout; assert exit 2 within 5 s and
/// return stderr.
fn refused(flags: &[String], topic: &str) -> String {
    let started = Instant::now();
    let out = evops(&args(
        flags,
        &["--timeout", "10s", "tail", topic, "-o", "beginning", "-e"],
    ))
    .run();
    let took = started.elapsed();
    out.code(2);
    assert!(
        took < Duration::from_secs(5),
        "took {took:?} (the whole timeout?): {}",
        out.stderr
    );
    assert_eq!(out.stderr.lines().count(), 1, "one line: {}", out.stderr);
    assert!(!out.stderr.contains(PASSWORD), "{}", out.stderr);
    out.stderr
}

fn flags_of(addr: &str, props: &[(&str, &str)]) -> Vec<String> {
    let mut f = vec!["-b".to_string(), addr.to_string()];
    for (k, v) in props {
        f.push("-X".into());
        f.push(format!("{k}={v}"));
    }
    f
}

#[test]
fn a_wrong_password_names_the_user_and_mechanism_at_once() {
    let t = unique("sec-auth");
    let c = Cluster::start(Mode::Scram512, &[(&t, 1)]);
    let err = refused(
        &flags_of(
            &c.broker.addr,
            &[
                ("security.protocol", "SASL_PLAINTEXT"),
                ("sasl.mechanism", "SCRAM-SHA-512"),
                ("sasl.username", USER),
                ("sasl.password", "not-the-password"),
            ],
        ),
        &t,
    );
    assert!(
        err.starts_with("evops: authentication failed for user oncall (SCRAM-SHA-512)"),
        "{err}"
    );
    assert!(!err.contains("not-the-password"), "{err}");
}

#[test]
fn tls_errors_name_the_option_that_fixes_them() {
    let t = unique("sec-tls");
    let c = Cluster::start(Mode::Tls, &[(&t, 1)]);
    // No CA: the self-signed certificate is not trusted.
    let err = refused(
        &flags_of(&c.broker.addr, &[("security.protocol", "SSL")]),
        &t,
    );
    assert!(
        err.contains("the broker's TLS certificate is not trusted: pass -X ssl.ca.location=FILE"),
        "{err}"
    );
    // The right CA, but a name the certificate does not list (it names IP 127.0.0.1 only).
    let port = c.broker.addr.rsplit_once(':').unwrap().1;
    let ca = c.certs.cert.to_str().unwrap();
    let err = refused(
        &flags_of(
            &format!("localhost:{port}"),
            &[("security.protocol", "SSL"), ("ssl.ca.location", ca)],
        ),
        &t,
    );
    assert!(err.contains("hostname mismatch"), "{err}");
    // Plaintext at a TLS listener.
    let err = refused(&flags_of(&c.broker.addr, &[]), &t);
    assert!(
        err.contains(
            "expects TLS, but security.protocol is PLAINTEXT: pass -X security.protocol=SSL"
        ),
        "{err}"
    );
}

#[test]
fn tls_at_a_plaintext_listener_and_sasl_mismatches_are_named() {
    let plain = OwnBroker::start();
    let t = plain.topic("sec-plain", 1);
    let certs = Certs::generate();
    let ca = certs.cert.to_str().unwrap();
    let err = refused(
        &flags_of(
            &plain.addr,
            &[("security.protocol", "SSL"), ("ssl.ca.location", ca)],
        ),
        &t,
    );
    assert!(err.contains("does not speak TLS on this listener"), "{err}");
    // SASL towards a listener without authentication.
    let err = refused(
        &flags_of(
            &plain.addr,
            &[
                ("security.protocol", "SASL_PLAINTEXT"),
                ("sasl.mechanism", "SCRAM-SHA-512"),
                ("sasl.username", USER),
                ("sasl.password", PASSWORD),
            ],
        ),
        &t,
    );
    assert!(err.contains("SASL"), "{err}");
    // No SASL towards a listener that requires it.
    let t2 = unique("sec-needs-sasl");
    let c = Cluster::start(Mode::Scram512, &[(&t2, 1)]);
    let err = refused(&flags_of(&c.broker.addr, &[]), &t2);
    assert!(
        err.contains("requires SASL authentication") || err.contains("SASL"),
        "{err}"
    );
}

/// A topic the broker's ACLs deny: librdkafka's mock cluster answers with
/// TOPIC_AUTHORIZATION_FAILED (nisshi 0.8.1 has no ACLs).
#[test]
fn authorization_denied_on_a_topic_is_named() {
    use rdkafka::mocking::MockCluster;
    use rdkafka::types::RDKafkaRespErr;
    let mock = MockCluster::new(1).unwrap();
    mock.create_topic("payments", 1, 1).unwrap();
    mock.topic_error(
        "payments",
        RDKafkaRespErr::RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED,
    )
    .unwrap();
    let err = refused(
        &flags_of(&mock.bootstrap_servers(), &[("sasl.username", USER)]),
        "payments",
    );
    assert!(
        err.contains("not authorized: the broker denies user oncall access to topic payments"),
        "{err}"
    );
    // As a replay's target too.
    let dir = tempfile::tempdir().unwrap();
    let capture = dir.path().join("one.ndjson");
    std::fs::write(
        &capture,
        "{\"topic\":\"orders\",\"partition\":0,\"offset\":0,\"value\":\"v\"}\n",
    )
    .unwrap();
    let out = evops(&[
        "-b",
        &mock.bootstrap_servers(),
        "-X",
        "sasl.username=oncall",
        "replay",
        capture.to_str().unwrap(),
        "--to",
        "payments",
        "--no-checkpoint",
    ])
    .run();
    out.code(2);
    assert!(
        out.stderr
            .contains("not authorized: the broker denies user oncall access to topic payments"),
        "{}",
        out.stderr
    );
}

/// Every output of commands given secrets: stdout, stderr (with -v too), summaries, dead
/// letters, checkpoints, error messages.
#[test]
fn secrets_never_leak() {
    let (src, dst) = (unique("sec-leak"), unique("sec-leak-dst"));
    let c = Cluster::start(Mode::SaslSsl, &[(&src, 1), (&dst, 1)]);
    c.produce(&src, &(0..5).map(|n| json_rec(0, n)).collect::<Vec<_>>());
    let dir = tempfile::tempdir().unwrap();
    let cfg = c.profile(dir.path());
    let key_pw = "KeyPw-0b1d-never-printed";
    let reg_pw = "RegPw-55aa-never-printed";
    let flags = c.flags();
    let prof: Vec<String> = ["--config", cfg.as_str(), "--profile", "sec"]
        .map(String::from)
        .to_vec();
    let ckpt = dir.path().join("replay.ckpt");
    let dlq = dir.path().join("dead.ndjson");
    let mut seen = String::new();
    let runs: Vec<Vec<String>> = vec![
        args(&flags, &["-v", "tail", &src, "-o", "beginning", "-e"])
            .iter()
            .map(std::string::ToString::to_string)
            .collect(),
        args(
            &prof,
            &["-v", "tail", &src, "-o", "beginning", "-e", "-f", "json"],
        )
        .iter()
        .map(std::string::ToString::to_string)
        .collect(),
        args(
            &flags,
            &[
                "-X",
                &format!("ssl.key.password={key_pw}"),
                "tail",
                &src,
                "-o",
                "beginning",
                "-e",
            ],
        )
        .iter()
        .map(std::string::ToString::to_string)
        .collect(),
        args(
            &flags,
            &[
                "-X",
                &format!("sasl.password={PASSWORD}x"),
                "tail",
                &src,
                "-e",
                "--timeout",
                "3s",
            ],
        )
        .iter()
        .map(std::string::ToString::to_string)
        .collect(),
        args(
            &prof,
            &[
                "replay",
                &src,
                "--to",
                &dst,
                "-o",
                "beginning",
                "--checkpoint",
                ckpt.to_str().unwrap(),
                "--dead-letter",
                dlq.to_str().unwrap(),
            ],
        )
        .iter()
        .map(std::string::ToString::to_string)
        .collect(),
        args(
            &prof,
            &[
                "-v",
                "schema-validate",
                &src,
                "--registry",
                "http://127.0.0.1:9",
                "--registry-auth",
                &format!("reader:{reg_pw}"),
                "--timeout",
                "2s",
            ],
        )
        .iter()
        .map(std::string::ToString::to_string)
        .collect(),
        args(
            &prof,
            &[
                "schema-validate",
                &src,
                "--registry",
                &format!("http://reader:{reg_pw}@127.0.0.1:9"),
                "--timeout",
                "2s",
            ],
        )
        .iter()
        .map(std::string::ToString::to_string)
        .collect(),
    ];
    for run in &runs {
        let run: Vec<&str> = run.iter().map(String::as_str).collect();
        let out = evops(&run).run();
        seen.push_str(&String::from_utf8_lossy(&out.stdout));
        seen.push_str(&out.stderr);
    }
    for f in [&ckpt, &dlq] {
        seen.push_str(&std::fs::read_to_string(f).unwrap_or_default());
    }
    assert!(
        seen.contains("sasl.password=<redacted>") || seen.contains("<redacted>"),
        "the -v output shows the properties, redacted"
    );
    for secret in [PASSWORD, key_pw, reg_pw] {
        assert!(!seen.contains(secret), "{secret} leaked:\n{seen}");
    }
}

/// Read `child`'s stdout lines into a shared list, in the background.
fn collect_lines(child: &mut std::process::Child) -> Arc<Mutex<Vec<String>>> {
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    let out = child.stdout.take().unwrap();
    std::thread::spawn(move || {
        for l in BufReader::new(out).lines() {
            let Ok(l) = l else { break };
            sink.lock().unwrap().push(l);
        }
    });
    lines
}

fn wait_for(lines: &Arc<Mutex<Vec<String>>>, n: usize, within: Duration) {
    let deadline = Instant::now() + within;
    while lines.lock().unwrap().len() < n && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn stderr_of(child: &mut std::process::Child) -> String {
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    err
}

/// A producer that waits out an outage (plaintext, not idempotent: the test writes nothing
/// while the broker dies, so nothing is retried into a duplicate).
fn producer(addr: &str) -> rdkafka::producer::BaseProducer {
    rdkafka::config::ClientConfig::new()
        .set("bootstrap.servers", addr)
        .set("linger.ms", "5")
        .set("message.timeout.ms", "120000")
        .create()
        .unwrap()
}

fn send(p: &rdkafka::producer::BaseProducer, topic: &str, range: std::ops::Range<i64>) {
    use rdkafka::producer::{BaseRecord, Producer};
    for n in range {
        let v = format!("{{\"n\":{n}}}");
        let k = format!("k{n}");
        let mut rec = BaseRecord::to(topic)
            .partition((n % 2) as i32)
            .key(&k)
            .payload(&v);
        loop {
            match p.send(rec) {
                Ok(()) => break,
                Err((_, r)) => {
                    rec = r;
                    p.poll(Duration::from_millis(10));
                }
            }
        }
        p.poll(Duration::ZERO);
    }
    let _ = p.flush(Duration::ZERO);
}

/// `(partition, n)` of each JSON output line, in output order.
fn placed(lines: &[String]) -> Vec<(i64, i64)> {
    lines
        .iter()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (
                v["partition"].as_i64().unwrap(),
                v["value"]["n"].as_i64().unwrap(),
            )
        })
        .collect()
}

/// Every record exactly once and, per partition, in the order produced.
fn exactly_once_in_order(got: &[(i64, i64)], total: i64) {
    let mut per: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for (p, n) in got {
        per.entry(*p).or_default().push(*n);
    }
    let distinct: HashSet<i64> = got.iter().map(|(_, n)| *n).collect();
    assert_eq!(
        got.len() as i64,
        total,
        "records seen (duplicates included)"
    );
    assert_eq!(distinct.len() as i64, total, "distinct records");
    for (p, ns) in per {
        assert!(
            ns.windows(2).all(|w| w[0] < w[1]),
            "partition {p} out of order"
        );
    }
}

#[test]
fn a_live_tail_survives_a_broker_restart_and_says_so() {
    let mut b = OwnBroker::persistent();
    let t = b.topic("restart-tail", 2);
    let mut child = evops(&["-b", &b.addr, "tail", &t, "-o", "beginning", "-f", "json"]).spawn();
    let lines = collect_lines(&mut child);
    let p = producer(&b.addr);
    send(&p, &t, 0..1000);
    rdkafka::producer::Producer::flush(&p, Duration::from_secs(30)).unwrap();
    wait_for(&lines, 1000, Duration::from_secs(30));
    b.kill();
    // Written while the broker is down: held by the producer until it is back.
    send(&p, &t, 1000..2000);
    std::thread::sleep(Duration::from_secs(6));
    b.start_again();
    rdkafka::producer::Producer::flush(&p, Duration::from_secs(60)).unwrap();
    send(&p, &t, 2000..3000);
    rdkafka::producer::Producer::flush(&p, Duration::from_secs(60)).unwrap();
    wait_for(&lines, 3000, Duration::from_secs(60));
    // The tail keeps going: still running, and nothing more arrives.
    std::thread::sleep(Duration::from_millis(500));
    assert!(child.try_wait().unwrap().is_none(), "the tail stopped");
    let _ = child.kill();
    let _ = child.wait();
    let err = stderr_of(&mut child);
    let got = placed(&lines.lock().unwrap());
    exactly_once_in_order(&got, 3000);
    assert!(
        err.contains(&format!("Kafka at {} went away", b.addr)),
        "{err}"
    );
    assert!(err.contains("is back after"), "{err}");
}

/// A source of 3,000 records in 2 partitions on `b`, and an empty target: (address, source,
/// target).
fn three_thousand_to_copy(b: &mut OwnBroker, name: &str) -> (String, String, String) {
    let (src, dst) = (
        b.topic(&format!("{name}-src"), 2),
        b.topic(&format!("{name}-dst"), 2),
    );
    let addr = b.addr.clone();
    let p = producer(&addr);
    send(&p, &src, 0..3000);
    rdkafka::producer::Producer::flush(&p, Duration::from_secs(30)).unwrap();
    (addr, src, dst)
}

/// A replay of `src` into `dst` held to 1,000 records a second (3 s for the 3,000).
fn slow_replay<'a>(addr: &'a str, src: &'a str, dst: &'a str) -> Vec<&'a str> {
    vec![
        "-b",
        addr,
        "replay",
        src,
        "--to",
        dst,
        "-o",
        "beginning",
        "--rate",
        "1000/s",
    ]
}

/// Run evops with `cmd`, take the broker away 1.5 s in for `away`, bring it back, and wait for
/// the run to end (90 s at most): its exit status and stderr.
fn across_an_outage(
    b: &mut OwnBroker,
    cmd: &[&str],
    away: Duration,
) -> (std::process::ExitStatus, String) {
    let mut child = evops(cmd).spawn();
    std::thread::sleep(Duration::from_millis(1500));
    b.kill();
    std::thread::sleep(away);
    b.start_again();
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(started.elapsed() < Duration::from_secs(90), "the run hangs");
        std::thread::sleep(Duration::from_millis(100));
    };
    (status, stderr_of(&mut child))
}

/// A replay whose broker restarts mid-run completes, itself or by running it again, with
/// nothing lost and nothing copied twice.
fn replay_across_a_restart(resume: &[&str]) {
    let mut b = OwnBroker::persistent();
    let (addr, src, dst) = three_thousand_to_copy(&mut b, "restart");
    let mut cmd = slow_replay(&addr, &src, &dst);
    cmd.extend_from_slice(&["--timeout", "20s", "-q"]);
    cmd.extend_from_slice(resume);
    let (status, err) = across_an_outage(&mut b, &cmd, Duration::from_secs(3));
    if status.code() == Some(0) {
        assert!(err.is_empty() || !err.contains("panicked"), "{err}");
    } else {
        // A replay that gave up resumes where it stopped.
        let out = evops(&cmd).timeout(Duration::from_secs(90)).run();
        out.code(0);
    }
    let out = evops(&[
        "-b",
        &b.addr,
        "tail",
        &dst,
        "-o",
        "beginning",
        "-e",
        "-f",
        "json",
    ])
    .timeout(Duration::from_secs(60))
    .run();
    out.code(0);
    let got = placed(&out.lines());
    let distinct: HashSet<i64> = got.iter().map(|(_, n)| *n).collect();
    assert_eq!(distinct.len(), 3000, "lost: {}", 3000 - distinct.len());
    assert_eq!(got.len(), 3000, "duplicated: {}", got.len() - 3000);
}

#[test]
fn a_checkpointed_replay_completes_across_a_broker_restart() {
    let dir = tempfile::tempdir().unwrap();
    let ckpt = dir.path().join("r.ckpt");
    replay_across_a_restart(&["--checkpoint", ckpt.to_str().unwrap()]);
}

#[test]
fn a_group_replay_completes_across_a_broker_restart() {
    let group = unique("restart-group");
    replay_across_a_restart(&["--group", &group]);
}

/// A replay waiting on a broker that went away said nothing until librdkafka gave up on its
/// records, minutes later (sweep 7, F6): it says so, as a read does, and says when it is back.
#[test]
fn a_replay_whose_broker_goes_away_says_so_and_when_it_is_back() {
    let mut b = OwnBroker::persistent();
    let (addr, src, dst) = three_thousand_to_copy(&mut b, "away");
    let dir = tempfile::tempdir().unwrap();
    let ckpt = dir.path().join("r.ckpt");
    let mut cmd = slow_replay(&addr, &src, &dst);
    cmd.extend_from_slice(&["-y", "--checkpoint", ckpt.to_str().unwrap()]);
    // Longer than the 3 s a wait gives the brokers before it says they went away.
    let (status, err) = across_an_outage(&mut b, &cmd, Duration::from_secs(7));
    assert_eq!(status.code(), Some(0), "{err}");
    assert!(
        err.contains(&format!("evops: warning: Kafka at {addr} went away")),
        "{err}"
    );
    assert!(err.contains("is back after"), "{err}");
    assert!(err.contains("3000 read"), "{err}");
}

#[test]
fn a_bounded_read_whose_broker_stays_down_ends_with_a_summary() {
    let mut b = OwnBroker::persistent();
    let t = b.topic("stays-down", 2);
    let p = producer(&b.addr);
    send(&p, &t, 0..10);
    rdkafka::producer::Producer::flush(&p, Duration::from_secs(30)).unwrap();
    let mut child = evops(&[
        "-b",
        &b.addr,
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
    let lines = collect_lines(&mut child);
    wait_for(&lines, 10, Duration::from_secs(20));
    b.kill();
    let started = Instant::now();
    let status = child.wait().unwrap();
    let took = started.elapsed();
    let err = stderr_of(&mut child);
    assert_eq!(status.code(), Some(2), "{err}");
    assert!(took < Duration::from_secs(15), "took {took:?}");
    assert_eq!(lines.lock().unwrap().len(), 10, "output flushed");
    assert!(err.contains("cannot reach Kafka"), "{err}");
    assert!(
        err.contains("(read up to 10 records; 0 of 2 partitions finished)"),
        "a summary of what was read: {err}"
    );
}

/// The in-memory broker loses everything on a restart: the tail's old position is beyond the
/// new log. That is said (partition, old position, new range) and reading goes on from the
/// new start, so that records produced after the restart are shown.
#[test]
fn a_log_that_went_backwards_is_reported_and_read_from_its_new_start() {
    let mut b = OwnBroker::start();
    let t = b.topic("backwards", 2);
    let p = producer(&b.addr);
    send(&p, &t, 0..500);
    rdkafka::producer::Producer::flush(&p, Duration::from_secs(30)).unwrap();
    let mut child = evops(&["-b", &b.addr, "tail", &t, "-o", "beginning", "-f", "json"]).spawn();
    let lines = collect_lines(&mut child);
    wait_for(&lines, 500, Duration::from_secs(30));
    b.restart();
    create_again(&b.addr, &t);
    let p = producer(&b.addr);
    send(&p, &t, 500..520);
    rdkafka::producer::Producer::flush(&p, Duration::from_secs(30)).unwrap();
    wait_for(&lines, 520, Duration::from_secs(30));
    let _ = child.kill();
    let _ = child.wait();
    let err = stderr_of(&mut child);
    let got = placed(&lines.lock().unwrap());
    assert_eq!(got.len(), 520, "{err}");
    assert!(
        got[500..].iter().all(|(_, n)| *n >= 500),
        "after the restart, only new records"
    );
    for p in 0..2 {
        assert!(
            err.contains(&format!(
                "{t}/{p}: offset 250 is out of range: the log now holds offsets 0.."
            )),
            "{err}"
        );
    }
}

fn create_again(addr: &str, t: &str) {
    crate::harness::create_topic(addr, t, 2);
}

/// schema-validate from a topic through a schema registry behind TLS with basic auth: the CA
/// and credentials given on the command line, then by a profile.
#[test]
fn a_registry_over_https_with_basic_auth_through_flags_and_a_profile() {
    use evops::endpoint::registry::{Registry, RegistryConfig};
    let certs = Certs::generate();
    let reg_pw = "RegPw-c0ffee-never-printed";
    let user = format!("reader:{reg_pw}");
    let server = crate::harness::RegistryServer::start(&[
        "--user",
        &user,
        "--tls-cert",
        certs.cert.to_str().unwrap(),
        "--tls-key",
        certs.key.to_str().unwrap(),
    ]);
    assert!(server.url.starts_with("https://"));
    let t10 = Duration::from_secs(10);
    let cfg = RegistryConfig::parse(&server.url, Some(&user), t10)
        .unwrap()
        .with_ca_file(&certs.cert)
        .unwrap();
    let id = Registry::new(cfg)
        .register(
            "n-value",
            r#"{"type":"object","required":["n"],"properties":{"n":{"type":"integer"}}}"#,
            "JSON",
        )
        .unwrap();
    let b = OwnBroker::start();
    let t = b.topic("sec-registry", 1);
    let framed = |doc: &str| {
        let mut v = vec![0u8];
        v.extend_from_slice(&id.to_be_bytes());
        v.extend_from_slice(doc.as_bytes());
        Rec {
            partition: 0,
            key: None,
            value: Some(v),
            headers: vec![],
            timestamp: now_ms(),
        }
    };
    produce_with(
        &b.addr,
        &t,
        &[framed(r#"{"n":1}"#), framed(r#"{"n":"x"}"#)],
        &[],
    );
    let ca = certs.cert.to_str().unwrap();
    let check = |out: crate::harness::Output| {
        out.code(1);
        assert!(
            out.text().contains("\"valid\":1") && out.text().contains("\"invalid\":1"),
            "{}{}",
            out.text(),
            out.stderr
        );
        assert!(!out.stderr.contains(reg_pw) && !out.text().contains(reg_pw));
    };
    check(
        evops(&[
            "-b",
            &b.addr,
            "schema-validate",
            &t,
            "--registry",
            &server.url,
            "--registry-auth",
            &user,
            "--registry-ca",
            ca,
            "--format",
            "json",
        ])
        .run(),
    );
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    let port = server.url.rsplit(':').next().unwrap();
    std::fs::write(
        &config,
        format!(
            "[profiles.reg]\nbrokers = \"{}\"\nschema_registry = \"https://{user}@127.0.0.1:{port}\"\nschema_registry_ca = \"{ca}\"\n",
            b.addr
        ),
    )
    .unwrap();
    let config = config.to_str().unwrap();
    check(
        evops(&[
            "--config",
            config,
            "--profile",
            "reg",
            "schema-validate",
            &t,
            "--format",
            "json",
        ])
        .run(),
    );
    // Without the CA, the system store does not know the test's certificate.
    let out = evops(&[
        "-b",
        &b.addr,
        "schema-validate",
        &t,
        "--registry",
        &server.url,
        "--registry-auth",
        &user,
        "--format",
        "json",
    ])
    .run();
    out.code(2);
    assert!(!out.stderr.contains(reg_pw), "{}", out.stderr);
}

/// The outage lines, on librdkafka's mock cluster (whose broker can be taken down and brought
/// back without a restart): one a few seconds in, one when it is back.
///
/// The body runs in a child copy of this test binary. Bringing the mock broker back binds its old
/// port again; if any other socket on the machine took that port meanwhile, librdkafka asserts and
/// aborts the whole process, which would take every other test in this binary with it. In a
/// child, that abort fails one attempt, and the attempt is tried again on a new cluster.
#[test]
fn an_outage_is_reported_when_it_starts_and_when_it_ends() {
    const CHILD: &str = "EVOPS_TEST_OUTAGE_CHILD";
    const NAME: &str = "secure::an_outage_is_reported_when_it_starts_and_when_it_ends";
    if std::env::var_os(CHILD).is_some() {
        return outage_body();
    }
    let exe = std::env::current_exe().unwrap();
    let mut outputs = Vec::new();
    for _attempt in 0..3 {
        let out = std::process::Command::new(&exe)
            .args([NAME, "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD, "1")
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(text.contains("1 passed") || !out.status.success(), "{text}");
        if out.status.success() {
            return;
        }
        let lost_port = text.contains("Failed to create mock broker listener");
        outputs.push(text);
        if !lost_port {
            break;
        }
    }
    panic!("{}", outputs.join("\n---- next attempt ----\n"));
}

fn outage_body() {
    use rdkafka::mocking::MockCluster;
    let mock = MockCluster::new(1).unwrap();
    mock.create_topic("orders", 1, 1).unwrap();
    let addr = mock.bootstrap_servers();
    let one = |n: i64| Rec {
        partition: 0,
        key: None,
        value: Some(format!("{{\"n\":{n}}}").into_bytes()),
        headers: vec![],
        timestamp: now_ms(),
    };
    produce_with(&addr, "orders", &[one(0)], &[]);
    let mut child = evops(&[
        "-b",
        &addr,
        "tail",
        "orders",
        "-o",
        "beginning",
        "-f",
        "json",
    ])
    .spawn();
    let lines = collect_lines(&mut child);
    wait_for(&lines, 1, Duration::from_secs(20));
    let err = Arc::new(Mutex::new(String::new()));
    let sink = err.clone();
    let stderr = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for l in BufReader::new(stderr).lines() {
            let Ok(l) = l else { break };
            let mut s = sink.lock().unwrap();
            s.push_str(&l);
            s.push('\n');
        }
    });
    mock.broker_down(1).unwrap();
    let down = Instant::now();
    while !err.lock().unwrap().contains("went away") && down.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let said_after = down.elapsed();
    mock.broker_up(1).unwrap();
    produce_with(&addr, "orders", &[one(1)], &[]);
    wait_for(&lines, 2, Duration::from_secs(30));
    let up = Instant::now();
    while !err.lock().unwrap().contains("is back") && up.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    let err = err.lock().unwrap().clone();
    assert!(
        err.contains(&format!("evops: warning: Kafka at {addr} went away")),
        "{err}"
    );
    assert!(
        said_after >= Duration::from_secs(2) && said_after < Duration::from_secs(10),
        "said after {said_after:?}"
    );
    assert!(
        err.contains(&format!("evops: warning: Kafka at {addr} is back after")),
        "{err}"
    );
    assert_eq!(lines.lock().unwrap().len(), 2);
}

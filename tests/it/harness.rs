//! The test harness: run the real `evops` binary with a scrubbed environment, and reach the
//! real broker: the one `EVOPS_TEST_BROKERS` names (`tests/run.sh` starts one), or else one
//! started here, once per test binary, from the test command's cache (see [`cached`]), so that
//! a plain `cargo test` works after one `bash tests/run.sh`. Topic names are random so tests
//! never collide.

use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use rdkafka::config::ClientConfig;
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};

pub mod contract;
pub use contract::parse_capture;

/// The real broker's address: `EVOPS_TEST_BROKERS`, or the broker this test binary started.
pub fn broker() -> String {
    match std::env::var("EVOPS_TEST_BROKERS") {
        Ok(addr) => addr,
        Err(_) => shared_broker().to_string(),
    }
}

/// What `tests/run.sh` installs, in its cache (`EVOPS_CACHE`, default `~/.cache/evops`): the
/// path in the environment variable `var` when it is set, else `relative` in the cache. A
/// missing one fails the test with one line saying what to run.
pub fn cached(var: &str, relative: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(var) {
        return PathBuf::from(path);
    }
    let cache = std::env::var_os("EVOPS_CACHE").map_or_else(
        || PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/evops"),
        PathBuf::from,
    );
    let path = cache.join(relative);
    assert!(
        path.exists(),
        "{} is missing ({var} is not set): run `bash tests/run.sh` once, which installs it",
        path.display()
    );
    path
}

/// The python `tests/run.sh` installs, with confluent-kafka, fastavro, kafka-python, aiokafka,
/// protobuf and grpcio-tools (`EVOPS_TEST_PYTHON`, or the cache's).
pub fn python() -> PathBuf {
    cached("EVOPS_TEST_PYTHON", "py/bin/python")
}

/// Run `cmd` with `input` on its stdin and give its stdout; a failure to start or a non-zero
/// exit fails the test with its stderr, under the name `what`.
pub fn pipe_through(mut cmd: std::process::Command, input: &[u8], what: &str) -> Vec<u8> {
    use std::io::Write;
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// The nisshi broker's binary (`EVOPS_TEST_NISSHI`, or the cache's).
pub fn nisshi() -> PathBuf {
    cached("EVOPS_TEST_NISSHI", "nisshi-0.8.1-sqlite/bin/nisshi")
}

/// This test binary's own broker, started on first use on a free loopback port, in memory, in
/// a temp dir of its own. It goes when the binary ends, however it ends: a shell between it and
/// us waits for the end of a pipe only we hold open (the kernel closes it when we exit, even by
/// SIGKILL), then kills the broker by its PID and removes the directory.
fn shared_broker() -> &'static str {
    static ADDR: OnceLock<String> = OnceLock::new();
    static LIFELINE: Mutex<Option<std::process::ChildStdin>> = Mutex::new(None);
    ADDR.get_or_init(|| {
        let nisshi = nisshi();
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        // Not a TempDir: the shell removes it once we are gone.
        let dir = tempfile::tempdir().unwrap().keep();
        let mut child = Command::new("sh")
            .args([
                "-c",
                r#"cd "$1" || exit 2; shift; "$@" >broker.log 2>&1 & b=$!; read -r _; kill "$b"; wait "$b"; rm -rf "$0""#,
            ])
            .arg(&dir)
            .arg(&dir)
            .arg(nisshi)
            .args(broker_args(&addr, "memory://nisshi/", &format!("evops-test-{port}")))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start sh for the test broker");
        *LIFELINE.lock().unwrap() = child.stdin.take();
        wait_listening(&mut child, &addr, &dir);
        addr
    })
}

/// A fresh topic name.
pub fn unique(prefix: &str) -> String {
    static N: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{prefix}-{}-{nanos:x}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// Create a topic on the real broker and return its name.
pub fn topic(prefix: &str, partitions: i32) -> String {
    let name = unique(prefix);
    create_topic(&broker(), &name, partitions);
    name
}

/// Create a topic with exactly this name on the broker at `addr`, with nisshi's own CLI.
pub fn create_topic(addr: &str, name: &str, partitions: i32) {
    let out = Command::new(nisshi())
        .args([
            "topic",
            "create",
            name,
            "--partitions",
            &partitions.to_string(),
            "--silent",
        ])
        .args(["--broker", &format!("tcp://{addr}")])
        .output()
        .expect("run nisshi topic create");
    assert!(
        out.status.success(),
        "topic create: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A record to produce, independent of evops's own types.
#[derive(Debug, Clone, PartialEq)]
pub struct Rec {
    pub partition: i32,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub headers: Vec<(String, Option<Vec<u8>>)>,
    pub timestamp: i64,
}

/// Produce with rdkafka directly (not through evops) and wait for every delivery.
pub fn produce(brokers: &str, topic: &str, recs: &[Rec]) {
    produce_with(brokers, topic, recs, &[]);
}

/// `produce` with extra producer properties (compression, ...).
pub fn produce_with(brokers: &str, topic: &str, recs: &[Rec], props: &[(&str, &str)]) {
    let mut cfg = ClientConfig::new();
    cfg.set("bootstrap.servers", brokers).set("linger.ms", "0");
    for (k, v) in props {
        cfg.set(*k, *v);
    }
    let p: BaseProducer = cfg.create().expect("producer");
    for r in recs {
        let mut h = OwnedHeaders::new();
        for (k, v) in &r.headers {
            h = h.insert(Header {
                key: k,
                value: v.as_deref(),
            });
        }
        let mut br: BaseRecord<'_, [u8], [u8]> = BaseRecord::to(topic)
            .partition(r.partition)
            .timestamp(r.timestamp);
        if let Some(k) = &r.key {
            br = br.key(k.as_slice());
        }
        if let Some(v) = &r.value {
            br = br.payload(v.as_slice());
        }
        if !r.headers.is_empty() {
            br = br.headers(h);
        }
        p.send(br).map_err(|(e, _)| e).expect("send");
        p.poll(Duration::ZERO);
    }
    p.flush(Duration::from_secs(30)).expect("flush");
}

/// `evops ARGS...` run to its end, allowed two minutes (a replay, a rekey, a long read).
pub fn run(args: &[&str]) -> Output {
    evops(args).timeout(Duration::from_secs(120)).run()
}

/// `evops -b B tail TOPIC -o beginning -e -f FORMAT`: a whole topic, in a format.
pub fn read_all(b: &str, topic: &str, format: &str) -> Output {
    run(&[
        "-b",
        b,
        "tail",
        topic,
        "-o",
        "beginning",
        "-e",
        "-f",
        format,
    ])
}

/// A topic's records, through a capture read: (partition, offset) → record.
pub fn topic_records(b: &str, topic: &str) -> std::collections::BTreeMap<(i32, i64), Rec> {
    let out = read_all(b, topic, "capture");
    out.code(0);
    parse_capture(&out.stdout)
        .into_iter()
        .map(|(_, offset, r)| ((r.partition, offset), r))
        .collect()
}

/// What a finished `evops` run left behind.
#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Output {
    pub fn text(&self) -> String {
        String::from_utf8(self.stdout.clone()).expect("utf-8 stdout")
    }
    pub fn lines(&self) -> Vec<String> {
        self.text().lines().map(str::to_string).collect()
    }
    pub fn json_lines(&self) -> Vec<serde_json::Value> {
        self.lines()
            .iter()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l}: {e}")))
            .collect()
    }
    /// Assert the exit code, showing stderr when it is wrong.
    pub fn code(&self, want: i32) -> &Output {
        assert_eq!(self.code, want, "exit code; stderr:\n{}", self.stderr);
        self
    }
}

/// A command line for the `evops` binary.
pub struct Evops {
    cmd: Command,
    stdin: Option<Vec<u8>>,
    timeout: Duration,
}

/// `evops ARGS...` with an empty environment (no user config, no colour surprises).
pub fn evops(args: &[&str]) -> Evops {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_evops"));
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", std::env::temp_dir().join("evops-test-home"))
        // Replays keep checkpoints here by default: one directory per test run, so that a
        // replay of an earlier run never looks complete.
        .env(
            "XDG_STATE_HOME",
            std::env::temp_dir().join(format!("evops-test-state-{}", std::process::id())),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    Evops {
        cmd,
        stdin: None,
        timeout: Duration::from_secs(60),
    }
}

impl Evops {
    pub fn env(mut self, k: &str, v: &str) -> Evops {
        self.cmd.env(k, v);
        self
    }
    pub fn stdin(mut self, data: impl Into<Vec<u8>>) -> Evops {
        self.stdin = Some(data.into());
        self.cmd.stdin(Stdio::piped());
        self
    }
    /// Send stdout elsewhere (a closed pipe, /dev/full); the output's stdout is then empty.
    pub fn stdout(mut self, to: Stdio) -> Evops {
        self.cmd.stdout(to);
        self
    }
    /// Send stderr elsewhere (a closed pipe); the output's stderr is then empty.
    pub fn stderr(mut self, to: Stdio) -> Evops {
        self.cmd.stderr(to);
        self
    }
    /// Standard input redirected from a file (`< FILE`).
    pub fn stdin_file(mut self, path: &std::path::Path) -> Evops {
        self.cmd.stdin(Stdio::from(
            std::fs::File::open(path).expect("open stdin file"),
        ));
        self
    }
    pub fn timeout(mut self, t: Duration) -> Evops {
        self.timeout = t;
        self
    }
    pub fn spawn(mut self) -> Child {
        self.cmd.spawn().expect("spawn evops")
    }

    /// Run to the end (killed and failed after the timeout).
    pub fn run(mut self) -> Output {
        let mut child = self.cmd.spawn().expect("spawn evops");
        if let Some(data) = self.stdin.take() {
            let mut stdin = child.stdin.take().unwrap();
            std::thread::spawn(move || {
                let _ = stdin.write_all(&data);
            });
        }
        let out = child.stdout.take();
        let err = child.stderr.take();
        let t_out = std::thread::spawn(move || {
            let mut b = Vec::new();
            if let Some(mut out) = out {
                let _ = out.read_to_end(&mut b);
            }
            b
        });
        let t_err = std::thread::spawn(move || {
            let mut s = String::new();
            if let Some(mut err) = err {
                let _ = err.read_to_string(&mut s);
            }
            s
        });
        let deadline = Instant::now() + self.timeout;
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "evops did not finish within {:?}; stderr: {}",
                    self.timeout,
                    t_err.join().unwrap()
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        Output {
            code: status.code().unwrap_or(-1),
            stdout: t_out.join().unwrap(),
            stderr: t_err.join().unwrap(),
        }
    }
}

/// The write end of a pipe whose reader is gone (`evops ... | true` after `true` exited), so
/// that every write to it fails with a broken pipe, deterministically.
pub fn closed_pipe() -> Stdio {
    let mut reader = Command::new("true")
        .stdin(Stdio::piped())
        .spawn()
        .expect("spawn true");
    let writer = reader.stdin.take().unwrap();
    reader.wait().expect("wait for true");
    Stdio::from(writer)
}

/// A file whose writes fail with "no space left on device".
pub fn full_disk() -> Stdio {
    Stdio::from(std::fs::File::create("/dev/full").expect("/dev/full"))
}

/// Send SIGTERM to a running evops after `after`; return its exit code, stdout and stderr,
/// and how long it took to end after the signal.
pub fn terminate(
    mut child: std::process::Child,
    after: Duration,
) -> (Option<i32>, String, String, Duration) {
    std::thread::sleep(after);
    let sent = std::time::Instant::now();
    std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    let deadline = sent + Duration::from_secs(10);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let took = sent.elapsed();
    let (mut out, mut err) = (String::new(), String::new());
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut out)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .unwrap();
    (status.code(), out, err, took)
}

/// Milliseconds since the epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// A broker of a test's own (for tests that stop it), on a free loopback port, its working
/// directory a temp dir of its own; killed (by its PID) on drop.
pub struct OwnBroker {
    pub addr: String,
    child: Child,
    dir: tempfile::TempDir,
    /// The arguments it was started with, for a restart.
    args: Vec<String>,
}

/// How a secured test broker listens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Secured {
    /// TLS only, with a certificate made for the test ([`Certs`]).
    pub tls: bool,
    /// SASL SCRAM authentication required.
    pub sasl: bool,
}

/// A self-signed certificate for 127.0.0.1, made by openssl when a test runs (no private key is
/// ever committed), with its key.
pub struct Certs {
    _dir: tempfile::TempDir,
    pub cert: std::path::PathBuf,
    pub key: std::path::PathBuf,
}

impl Certs {
    pub fn generate() -> Certs {
        let dir = tempfile::tempdir().unwrap();
        let cert = dir.path().join("cert.pem");
        let key = dir.path().join("key.pem");
        let out = Command::new("openssl")
            .args([
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            ])
            .args([
                "-subj",
                "/CN=evops-test",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
            ])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .output()
            .expect("run openssl");
        assert!(
            out.status.success(),
            "openssl req: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Certs {
            _dir: dir,
            cert,
            key,
        }
    }
}

/// A free loopback port.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl OwnBroker {
    /// In memory: a restart empties it.
    pub fn start() -> OwnBroker {
        OwnBroker::with_storage("memory://nisshi/")
    }

    /// With SQLite storage in its working directory: topics, records and users survive a
    /// restart.
    pub fn persistent() -> OwnBroker {
        OwnBroker::with_storage("sqlite://nisshi.db")
    }

    fn with_storage(storage: &str) -> OwnBroker {
        let port = free_port();
        let addr = format!("127.0.0.1:{port}");
        let args = broker_args(&addr, storage, &format!("own-{port}"));
        let dir = tempfile::tempdir().unwrap();
        let child = spawn_broker(dir.path(), &args, &addr);
        OwnBroker {
            addr,
            child,
            dir,
            args,
        }
    }

    /// A persistent broker that knows these SCRAM users (name, password, `scram256` or
    /// `scram512`) and topics (name, partitions), then restarted secured: TLS with `certs`,
    /// authentication required, or both. Users and topics are made before, over plaintext,
    /// because nisshi's own CLI speaks neither TLS nor SASL.
    pub fn secured(
        how: Secured,
        certs: &Certs,
        users: &[(&str, &str, &str)],
        topics: &[(&str, i32)],
    ) -> OwnBroker {
        let mut b = OwnBroker::persistent();
        for (name, password, mechanism) in users {
            let out = Command::new(nisshi())
                .args(["user", "create", name, password, "--mechanism", mechanism])
                .args(["--broker", &format!("tcp://{}", b.addr)])
                .output()
                .expect("run nisshi user create");
            assert!(
                out.status.success(),
                "user create: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        for (name, partitions) in topics {
            create_topic(&b.addr, name, *partitions);
        }
        if how.sasl {
            b.args.push("--authentication".into());
        }
        if how.tls {
            b.args.push("--cert".into());
            b.args.push(certs.cert.to_str().unwrap().into());
            b.args.push("--key".into());
            b.args.push(certs.key.to_str().unwrap().into());
        }
        b.restart();
        b
    }

    pub fn topic(&self, prefix: &str, partitions: i32) -> String {
        let name = unique(prefix);
        create_topic(&self.addr, &name, partitions);
        name
    }

    /// Create a topic with exactly this name.
    pub fn create(&self, name: &str, partitions: i32) {
        create_topic(&self.addr, name, partitions);
    }

    /// Stop it (SIGKILL, by its PID).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Start it again on the same port, from the same working directory (and storage).
    pub fn start_again(&mut self) {
        self.child = spawn_broker(self.dir.path(), &self.args, &self.addr);
    }

    /// SIGKILL and start again.
    pub fn restart(&mut self) {
        self.kill();
        self.start_again();
    }
}

/// `nisshi broker ...` on `addr` with `storage`, as `tests/broker.sh` starts it.
fn broker_args(addr: &str, storage: &str, cluster_id: &str) -> Vec<String> {
    [
        "broker",
        "--cluster-id",
        cluster_id,
        "--storage-engine",
        storage,
        "--group-initial-rebalance-delay",
        "0s",
        "--listener-url",
        &format!("tcp://{addr}"),
        "--advertised-listener-url",
        &format!("tcp://{addr}"),
    ]
    .iter()
    .map(std::string::ToString::to_string)
    .collect()
}

fn spawn_broker(dir: &std::path::Path, args: &[String], addr: &str) -> Child {
    let mut child = Command::new(nisshi())
        .current_dir(dir)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::from(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(dir.join("broker.log"))
                .unwrap(),
        ))
        .spawn()
        .expect("start nisshi");
    wait_listening(&mut child, addr, dir);
    child
}

/// Wait until a broker (or the shell that started it) listens on `addr`; fail with its log if it
/// exits first.
fn wait_listening(child: &mut Child, addr: &str, dir: &std::path::Path) {
    // Just after a SIGKILL the port may still be held for a moment.
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(addr).is_err() {
        if let Some(status) = child.try_wait().unwrap() {
            let log = std::fs::read_to_string(dir.join("broker.log")).unwrap_or_default();
            panic!("the test broker exited ({status}): {log}");
        }
        assert!(Instant::now() < deadline, "the test broker did not start");
        std::thread::sleep(Duration::from_millis(50));
    }
}

impl Drop for OwnBroker {
    fn drop(&mut self) {
        self.kill();
    }
}

/// The test schema registry (`tests/registry/server.py`, Confluent's REST API in memory) on a
/// free loopback port; killed on drop.
pub struct RegistryServer {
    pub url: String,
    child: Child,
}

impl RegistryServer {
    /// `python3 tests/registry/server.py --port 0 ARGS...`, once it has said its port.
    pub fn start(args: &[&str]) -> RegistryServer {
        use std::io::BufRead;
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/registry/server.py");
        let mut child = Command::new("python3")
            .arg(script)
            .args(["--port", "0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start python3 tests/registry/server.py");
        let mut line = String::new();
        let _ = std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line);
        let Ok(port) = line.trim().parse::<u16>() else {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the test registry did not say its port (it said {line:?})");
        };
        let scheme = if args.contains(&"--tls-cert") {
            "https"
        } else {
            "http"
        };
        RegistryServer {
            url: format!("{scheme}://127.0.0.1:{port}"),
            child,
        }
    }

    /// A request straight to the server (no evops code in between), with a JSON answer.
    /// Register `schema` under `subject` with its references (name, subject, version), straight
    /// to the REST API (the client registers plain schemas); `schema_type` is left out for
    /// Avro, as Confluent's clients do. Its id.
    pub fn register(
        &self,
        subject: &str,
        schema: &str,
        schema_type: Option<&str>,
        refs: &[(&str, &str, i32)],
    ) -> u32 {
        let references: Vec<_> = refs
            .iter()
            .map(|(name, subject, version)| {
                serde_json::json!({"name": name, "subject": subject, "version": version})
            })
            .collect();
        let mut body = serde_json::json!({"schema": schema, "references": references});
        if let Some(t) = schema_type {
            body["schemaType"] = t.into();
        }
        let subject = subject.replace('/', "%2F");
        let answer = self.call("POST", &format!("/subjects/{subject}/versions"), Some(body));
        answer["id"]
            .as_u64()
            .unwrap_or_else(|| panic!("register: {answer}")) as u32
    }

    pub fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> serde_json::Value {
        let request = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.url))
            .header("Content-Type", "application/vnd.schemaregistry.v1+json")
            .body(body.map(|b| b.to_string()).unwrap_or_default())
            .unwrap();
        // The test's own server: its self-signed certificate needs no check here.
        let tls = ureq::tls::TlsConfig::builder()
            .disable_verification(true)
            .build();
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .tls_config(tls)
            .http_status_as_error(false)
            .build()
            .into();
        let mut response = agent.run(request).expect("reach the test registry");
        serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap()
    }

    /// How many requests the server has answered, by "METHOD /raw/path".
    pub fn requests(&self) -> std::collections::HashMap<String, u64> {
        serde_json::from_value(self.call("GET", "/_test/requests", None)).unwrap()
    }
}

impl Drop for RegistryServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Run `evops ARGS...` on a pseudo-terminal (stdin, stdout and stderr all the terminal, as
/// for a person), through util-linux's `script`, typing `typed` at it; `shell_tail` is added
/// to the command line as is (a redirection such as `< FILE`). Returns the exit code and what
/// the terminal showed.
pub fn on_terminal(args: &[&str], shell_tail: &str, typed: &str) -> (i32, String) {
    let quote = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
    let mut line = quote(env!("CARGO_BIN_EXE_evops"));
    for a in args {
        line.push(' ');
        line.push_str(&quote(a));
    }
    line.push(' ');
    line.push_str(shell_tail);
    let mut child = Command::new("script")
        .args(["-q", "-e", "-c", &line, "/dev/null"])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", std::env::temp_dir().join("evops-test-home"))
        .env(
            "XDG_STATE_HOME",
            std::env::temp_dir().join(format!("evops-test-state-{}", std::process::id())),
        )
        .env("TERM", "dumb")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run script (util-linux)");
    let mut stdin = child.stdin.take().unwrap();
    let typed = typed.to_string();
    std::thread::spawn(move || {
        // Typed once the question is on the screen.
        std::thread::sleep(Duration::from_millis(1500));
        let _ = stdin.write_all(typed.as_bytes());
        std::thread::sleep(Duration::from_secs(30));
    });
    let out = child.wait_with_output().expect("script");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

//! The test harness: run the real `evops` binary with a scrubbed environment, and reach the
//! real broker that `tests/run.sh` started (its address in `EVOPS_TEST_BROKERS`, its CLI in
//! `EVOPS_TEST_NISSHI`). Topic names are random so tests never collide.

use std::io::{Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use rdkafka::config::ClientConfig;
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};

/// The real broker's address. Tests that need it fail loudly without it: run `bash tests/run.sh`.
pub fn broker() -> String {
    std::env::var("EVOPS_TEST_BROKERS").unwrap_or_else(|_| {
        panic!("EVOPS_TEST_BROKERS is not set: run the suite with `bash tests/run.sh`, which starts the real broker")
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
    let nisshi =
        std::env::var("EVOPS_TEST_NISSHI").expect("EVOPS_TEST_NISSHI (set by tests/run.sh)");
    let out = Command::new(nisshi)
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

/// A broker of a test's own (for tests that stop it), on a free loopback port; killed on drop.
pub struct OwnBroker {
    pub addr: String,
    child: Child,
    _dir: tempfile::TempDir,
}

impl OwnBroker {
    pub fn start() -> OwnBroker {
        let nisshi =
            std::env::var("EVOPS_TEST_NISSHI").expect("EVOPS_TEST_NISSHI (set by tests/run.sh)");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        let dir = tempfile::tempdir().unwrap();
        let child = Command::new(&nisshi)
            .current_dir(dir.path())
            .args([
                "broker",
                "--cluster-id",
                &format!("own-{port}"),
                "--storage-engine",
                "memory://nisshi/",
                "--group-initial-rebalance-delay",
                "0s",
            ])
            .args([
                "--listener-url",
                &format!("tcp://{addr}"),
                "--advertised-listener-url",
                &format!("tcp://{addr}"),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nisshi");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(&addr).is_err() {
            assert!(Instant::now() < deadline, "own broker did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        OwnBroker {
            addr,
            child,
            _dir: dir,
        }
    }

    pub fn topic(&self, prefix: &str, partitions: i32) -> String {
        let name = unique(prefix);
        create_topic(&self.addr, &name, partitions);
        name
    }

    /// Stop it (by its PID).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
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
        RegistryServer {
            url: format!("http://127.0.0.1:{port}"),
            child,
        }
    }

    /// A request straight to the server (no evops code in between), with a JSON answer.
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
        let agent: ureq::Agent = ureq::Agent::config_builder()
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

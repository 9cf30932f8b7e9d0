//! `evops demo`: run the embedded cluster in the foreground, seeded with the demo data set,
//! print its bootstrap address (stdout, so scripts can read it) and keep producing a trickle of
//! live events until Ctrl-C or `--duration`, so another terminal or kcat can connect to it.

use std::io::Write;
use std::time::{Duration, Instant};

use crate::demo::{Trickle, TOPICS};
use crate::endpoint::kafka::sink::{ProducerSink, Target};
use crate::endpoint::kafka::{Connection, Settings};
use crate::endpoint::Sink;
use crate::exit::Exit;
use crate::print::report::Report;

/// `demo` options.
#[derive(Debug, Clone)]
pub struct Config {
    /// Timeout and verbosity; the brokers are the embedded ones.
    pub kafka: Settings,
    /// Live events per second (0 for none).
    pub rate: f64,
    /// Stop after this long (exit 0); `None` runs until Ctrl-C.
    pub duration: Option<Duration>,
    pub quiet: bool,
}

pub fn run(cfg: Config) -> anyhow::Result<Exit> {
    let mut settings = cfg.kafka.clone();
    settings.brokers = "embedded".into();
    let conn = Connection::open(settings)?;
    let emb = conn.embedded().expect("embedded connection");
    let bootstrap = emb.bootstrap().to_string();
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{bootstrap}")?;
        out.flush()?;
    }
    if !cfg.quiet {
        let topics: Vec<String> = TOPICS
            .iter()
            .map(|t| format!("{} ({})", t.name, t.partitions))
            .collect();
        crate::say!(
            "evops demo: embedded cluster at {bootstrap}\n  topics: {}\n  {} events seeded over the last 6 hours; producing {} live events/s\n  try:   evops -b {bootstrap} tail articles -o beginning -e\n         kcat -b {bootstrap} -C -t views -o end\n  Ctrl-C stops it.",
            topics.join(", "),
            emb.seeded,
            cfg.rate
        );
    }
    let mut sink = ProducerSink::open(&conn, Target::AS_RECORDED)?;
    let mut report = Report::new(cfg.quiet);
    let mut trickle = Trickle::new(crate::endpoint::kafka::embedded::DEMO_SEED);
    let started = Instant::now();
    let interval = (cfg.rate > 0.0).then(|| Duration::from_secs_f64(1.0 / cfg.rate));
    let mut next = Instant::now();
    loop {
        if crate::interrupt::interrupted() {
            sink.finish(&mut report)?;
            return Ok(Exit::Interrupted);
        }
        if cfg.duration.is_some_and(|d| started.elapsed() >= d) {
            sink.finish(&mut report)?;
            return Ok(if report.bad > 0 {
                Exit::Findings
            } else {
                Exit::Ok
            });
        }
        if let Some(iv) = interval {
            if Instant::now() >= next {
                let r = trickle.next_record(crate::position::now_millis());
                sink.write(&r, &mut report)?;
                next += iv;
            }
        }
        sink.poll();
        std::thread::sleep(Duration::from_millis(20));
    }
}

//! Subcommands, one file each: a plain `Config` in (built by `cli`), an [`Exit`] out. No clap and
//! no rdkafka here: a subcommand wires endpoints, stages and printers together.

pub mod demo;
pub mod filter;
pub mod partition;
pub mod partition_audit;
pub mod rekey;
pub mod replay;
pub mod sample;
pub mod schema_compat;
pub mod schema_validate;
pub mod stats;
pub mod tail;
pub mod trace;

use std::io::IsTerminal;
use std::path::PathBuf;

use crate::endpoint::file::{CaptureSource, Window};
use crate::endpoint::kafka::group::GroupSource;
use crate::endpoint::kafka::sink::{Placement, ProducerSink, Target};
use crate::endpoint::kafka::source::{KafkaSource, ReadPlan};
use crate::endpoint::kafka::{Connection, Settings};
use crate::endpoint::{Chain, Sink, Source, SourceSpec};
use crate::error::Error;
use crate::position::{Start, Stop};
use crate::print::shared::SharedOut;
use crate::print::Printer;

use crate::exit::Exit;
use crate::pipeline::Ended;
use crate::print::report::Report;

/// Open the cluster connection when topics are read (files and stdin need none).
pub fn connect(
    kafka: Option<&crate::endpoint::kafka::Settings>,
    topics: &[String],
) -> anyhow::Result<Option<crate::endpoint::kafka::Connection>> {
    if topics.is_empty() {
        return Ok(None);
    }
    let settings = kafka.cloned().ok_or_else(|| {
        crate::error::Error::Usage(
            "no brokers given: use -b/--brokers, EVOPS_BROKERS or a --profile (try -b embedded for the demo cluster)".into(),
        )
    })?;
    Ok(Some(crate::endpoint::kafka::Connection::open(settings)?))
}

/// The topic names and patterns among the sources, in order.
pub fn topic_specs(sources: &[crate::endpoint::SourceSpec]) -> Vec<String> {
    sources
        .iter()
        .filter_map(|s| match s {
            crate::endpoint::SourceSpec::Topic(t) => Some(t.clone()),
            _ => None,
        })
        .collect()
}

/// Where stdout and stderr go, read once at start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Terminal {
    pub stdout: bool,
    pub stderr: bool,
}

impl Terminal {
    pub fn detect() -> Terminal {
        Terminal {
            stdout: std::io::stdout().is_terminal(),
            stderr: std::io::stderr().is_terminal(),
        }
    }
}

/// The exit status of a pipeline run, after saying what people need to know on stderr.
pub fn conclude(name: &str, ended: Ended, report: &Report, term: Terminal) -> Exit {
    if ended == Ended::BrokenPipe {
        return Exit::Ok;
    }
    let interrupted = ended == Ended::Interrupted;
    if !report.is_quiet() && (interrupted || report.bad > 0 || term.stderr) {
        report.say(&format!("evops {name}: {}", report.summary(interrupted)));
    }
    if interrupted {
        Exit::Interrupted
    } else if report.bad > 0 {
        Exit::Findings
    } else {
        Exit::Ok
    }
}

/// What to read: the sources and the range, as every reading subcommand takes them.
#[derive(Clone)]
pub struct Read {
    pub sources: Vec<SourceSpec>,
    /// `None` when no brokers were configured (files and stdin need none).
    pub kafka: Option<Settings>,
    pub partitions: Option<Vec<i32>>,
    /// `None`: the subcommand's default for topics, the first line for files.
    pub from: Option<Start>,
    pub until: Option<Stop>,
    pub exit_at_end: bool,
    /// Read as a member of this consumer group, from its committed offsets, and commit.
    pub group: Option<String>,
    /// Read only the partition this partitioner puts this key on.
    pub key_route: Option<(Vec<u8>, &'static crate::partition::Partitioner)>,
    /// With `key_route`: infer the partitioner from the topic's latest records instead.
    pub infer_route: bool,
    /// Per-partition start and stop offsets that win over the range (a resumed replay).
    pub overrides: Option<crate::endpoint::kafka::source::Overrides>,
    /// With `group`: a replay's commit hooks.
    pub group_hooks: Option<std::sync::Arc<dyn crate::endpoint::kafka::group::GroupHooks>>,
    /// With `group_hooks`: commit offsets in this producer's transactions.
    pub group_txn: Option<crate::endpoint::kafka::sink::Txn>,
    pub now_ms: i64,
}

impl Read {
    /// Whether every source is a topic (their offsets say how many records there are).
    pub fn topics_only(&self) -> bool {
        self.sources
            .iter()
            .all(|s| matches!(s, SourceSpec::Topic(_)))
    }

    /// Whether topics are read together with capture files or stdin.
    pub fn mixes_topics_and_files(&self) -> bool {
        !self.topics_only()
            && self
                .sources
                .iter()
                .any(|s| matches!(s, SourceSpec::Topic(_)))
    }
}

/// The sources of a read, opened.
pub struct Opened {
    pub source: Chain,
    /// The cluster connection, when topics are read; a topic sink shares it.
    pub conn: Option<Connection>,
    /// Where each topic partition's read starts and stops.
    pub bounds: Vec<crate::endpoint::kafka::source::Bounds>,
}

/// Open every source of a read, in order, as one. Also returns the cluster connection, which
/// a topic sink shares.
pub fn open_source(read: &Read, default_from: Start, quiet: bool) -> anyhow::Result<Opened> {
    crate::position::check_range(read.from, read.until).map_err(Error::Usage)?;
    let topics = topic_specs(&read.sources);
    let conn = connect(read.kafka.as_ref(), &topics)?;
    if read.group.is_some()
        && read
            .sources
            .iter()
            .any(|s| !matches!(s, SourceSpec::Topic(_)))
    {
        return Err(Error::Usage(
            "--group reads topics as a consumer group: capture files and stdin have no group offsets to start from or commit".into(),
        )
        .into());
    }
    let window = |stdin: bool| {
        match stdin {
            true => Window::for_stdin(read.from, read.until),
            false => Window::for_file(read.from, read.until),
        }
        .map(|w| w.with_partitions(read.partitions.clone()))
        .map_err(Error::Usage)
    };
    let mut sources: Vec<Box<dyn Source>> = Vec::new();
    let mut bounds = Vec::new();
    let mut kafka_added = false;
    for spec in &read.sources {
        match spec {
            SourceSpec::Topic(_) if kafka_added => {}
            SourceSpec::Topic(_) if read.group.is_some() => {
                let group = read.group.as_deref().expect("checked");
                let from_beginning = match read.from {
                    None => default_from == Start::Beginning,
                    Some(Start::End) => false,
                    Some(Start::Beginning) => true,
                    Some(_) => {
                        return Err(Error::Usage(
                            "with --group, --from is where to start when the group has no committed offset: beginning or end".into(),
                        )
                        .into())
                    }
                };
                if read.until.is_some() || read.partitions.is_some() {
                    return Err(Error::Usage(
                        "--group reads what the group is assigned: it does not combine with --until or --partition (use -e to stop at the end)".into(),
                    )
                    .into());
                }
                let conn = conn.as_ref().expect("connection opened for topics");
                sources.push(Box::new(GroupSource::open_with(
                    conn,
                    group,
                    &topics,
                    from_beginning,
                    read.exit_at_end,
                    read.group_hooks.clone(),
                    read.group_txn.clone(),
                )?));
                kafka_added = true;
            }
            SourceSpec::Topic(_) => {
                let mut key_route = read.key_route.clone();
                if read.infer_route && key_route.is_some() {
                    let conn = conn.as_ref().expect("connection opened for topics");
                    let inferred = infer_partitioner(conn, &topics, read.now_ms)?;
                    if !quiet {
                        match inferred {
                            Some(p) => crate::say!("evops: the latest records of {} were placed by {} ({})", topics.join(", "), p.name, p.clients),
                            None => crate::say!("evops: the latest records of {} show no single partitioner; reading every partition", topics.join(", ")),
                        }
                    }
                    key_route = inferred.and_then(|p| key_route.map(|(k, _)| (k, p)));
                }
                let plan = ReadPlan {
                    topics: topics.clone(),
                    partitions: read.partitions.clone(),
                    start: read.from.unwrap_or(default_from),
                    stop: read.until,
                    exit_at_end: read.exit_at_end,
                    now_ms: read.now_ms,
                    key_route: key_route.clone(),
                    overrides: read.overrides.clone(),
                };
                let conn = conn.as_ref().expect("connection opened for topics");
                let src = KafkaSource::open(conn, &plan)?;
                if let (Some((_, p)), false) = (&key_route, quiet) {
                    crate::say!(
                        "evops: reading only {}, where the {} partitioner puts this key (--partitioner all reads every partition)",
                        src.assigned().join(", "),
                        p.name
                    );
                }
                bounds = src.bounds();
                sources.push(Box::new(src));
                kafka_added = true;
            }
            SourceSpec::File(path) => {
                sources.push(Box::new(CaptureSource::open(path, window(false)?)?));
            }
            SourceSpec::Stdin => sources.push(Box::new(CaptureSource::stdin(window(true)?))),
        }
    }
    Ok(Opened {
        source: Chain::new(sources),
        conn,
        bounds,
    })
}

/// How many of each partition's latest records `--partitioner auto` audits.
const INFER_SAMPLE: u64 = 2_000;

/// The partitioner that placed the latest keyed records of these topics, when one hash explains
/// at least 95% of them (`None`: several producers disagree, or there are no keyed records).
fn infer_partitioner(
    conn: &Connection,
    topics: &[String],
    now_ms: i64,
) -> anyhow::Result<Option<&'static crate::partition::Partitioner>> {
    let plan = ReadPlan {
        topics: topics.to_vec(),
        partitions: None,
        start: Start::Last(INFER_SAMPLE),
        stop: None,
        exit_at_end: true,
        now_ms,
        key_route: None,
        overrides: None,
    };
    let mut src = KafkaSource::open(conn, &plan)?;
    let counts: std::collections::HashMap<String, i32> =
        src.partition_counts().into_iter().collect();
    let mut auditor = crate::partition::audit::Auditor::new(None, 1_000_000);
    loop {
        match src.poll(std::time::Duration::from_millis(100))? {
            crate::endpoint::Poll::End => break,
            crate::endpoint::Poll::Record(r) => {
                let n = counts.get(&*r.topic).copied().unwrap_or(1);
                auditor.add(
                    &r.topic,
                    n,
                    r.key.as_deref(),
                    crate::partition::audit::Placement {
                        partition: r.partition,
                        offset: r.offset,
                        timestamp: r.timestamp.millis(),
                    },
                );
                src.recycle(r);
            }
            _ => {}
        }
    }
    let inferred = auditor.inferred();
    Ok(match inferred.first() {
        Some((h, c)) if auditor.keyed > 0 && *c as f64 >= 0.95 * auditor.keyed as f64 => {
            crate::partition::PARTITIONERS.iter().find(|p| p.hash == *h)
        }
        _ => None,
    })
}

/// Where records go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SinkSpec {
    /// Printed on stdout in the output format.
    Stdout,
    /// A capture file (created or truncated).
    File(PathBuf),
    /// A topic, through the idempotent producer, each record on its own partition.
    Topic(String),
}

impl std::fmt::Display for SinkSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SinkSpec::Stdout => f.write_str("stdout"),
            SinkSpec::File(p) => write!(f, "{}", p.display()),
            SinkSpec::Topic(t) => f.write_str(t),
        }
    }
}

impl SinkSpec {
    /// Like a source: a path (with a `/`, `file:NAME`, or ending in .ndjson/.jsonl) is a capture
    /// file, anything else a topic; `-` is stdout.
    pub fn parse(s: &str) -> SinkSpec {
        if s == "-" {
            return SinkSpec::Stdout;
        }
        if let Some(path) = s.strip_prefix("file:") {
            return SinkSpec::File(path.into());
        }
        if s.contains('/') || s.ends_with(".ndjson") || s.ends_with(".jsonl") {
            SinkSpec::File(s.into())
        } else {
            SinkSpec::Topic(s.to_string())
        }
    }
}

/// How a command that writes records may write them: the guards of the one safe write path
/// ([`crate::endpoint::guard`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Writing {
    /// `-y`: do not ask before writing more than 10,000 records.
    pub yes: bool,
    /// `--allow-loop`: the target topic may be one of the sources.
    pub allow_loop: bool,
    /// `--dry-run`: decide everything, write nothing.
    pub dry_run: bool,
}

/// Open the sink: stdout through a printer, a capture file, or a topic. A file or topic goes
/// through the write guards: never into a source, a question from a terminal before more than
/// 10,000 records, and a dry run that refuses what the real run would.
pub fn open_sink(
    spec: &SinkSpec,
    output: &crate::print::Options,
    read: &Read,
    conn: &mut Option<Connection>,
    writing: Writing,
    ask: Option<crate::endpoint::guard::Ask>,
) -> anyhow::Result<Box<dyn Sink>> {
    let sink: Box<dyn Sink> = match spec {
        SinkSpec::Stdout => {
            let out = SharedOut::new(256 * 1024, Box::new(std::io::stdout()));
            return Ok(Box::new(
                Printer::new(out.clone(), output.clone()).rescuable(out),
            ));
        }
        SinkSpec::File(path) => {
            crate::endpoint::guard::refuse_file_loop("--to", path, &read.sources)?;
            if writing.dry_run {
                return Ok(Box::new(DryWrite::new(None)));
            }
            let out = SharedOut::new(256 * 1024, Box::new(EmptiedOnFirstWrite::open(path)?));
            let opts = crate::print::Options {
                style: crate::print::Style::Capture,
                terminal: false,
                color: false,
                ..output.clone()
            };
            Box::new(
                Printer::new(out.clone(), opts)
                    .writing_to(path.display().to_string())
                    .rescuable(out),
            )
        }
        SinkSpec::Topic(topic) => {
            if conn.is_none() {
                let settings = read.kafka.clone().ok_or_else(|| {
                    Error::Usage(format!(
                        "--to {topic}: writing to a topic needs brokers: -b/--brokers, EVOPS_BROKERS or a --profile"
                    ))
                })?;
                // Kept by the caller: an embedded cluster lives as long as its connection.
                *conn = Some(Connection::open(settings)?);
            }
            let conn = conn.as_ref().expect("opened above");
            let all = conn.topics()?;
            let read_topics = conn.resolve(&topic_specs(&read.sources), &all)?;
            let names: Vec<String> = read_topics.into_iter().map(|t| t.name).collect();
            crate::endpoint::guard::refuse_topic_loop(
                topic,
                &names,
                writing.allow_loop,
                !read.exit_at_end,
            )?;
            if writing.dry_run {
                let info = conn.resolve(std::slice::from_ref(topic), &all)?;
                let partitions = info.first().map_or(0, |t| t.partitions.len() as i32);
                return Ok(Box::new(DryWrite::new(Some((
                    partitions,
                    conn.max_message_bytes(),
                )))));
            }
            Box::new(ProducerSink::open(
                conn,
                Target {
                    topic: Some(topic.clone()),
                    placement: Placement::Keep,
                },
            )?)
        }
    };
    Ok(match ask {
        Some(ask) if !writing.yes => Box::new(crate::endpoint::guard::Held::new(sink, ask)),
        _ => sink,
    })
}

/// A `--to` file, opened at once (so that a path that cannot be written is an error before
/// anything is read) but emptied only when the first bytes are written or the write is
/// flushed at its end: a write declined at the question leaves an existing file as it was.
struct EmptiedOnFirstWrite {
    file: std::fs::File,
    emptied: bool,
}

impl EmptiedOnFirstWrite {
    fn open(path: &std::path::Path) -> anyhow::Result<EmptiedOnFirstWrite> {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| Error::Usage(format!("--to {}: {e}", path.display())))?;
        Ok(EmptiedOnFirstWrite {
            file,
            emptied: false,
        })
    }

    fn empty(&mut self) -> std::io::Result<()> {
        // Only a regular file has a length to cut (a device such as /dev/null has none).
        if !self.emptied && self.file.metadata()?.is_file() {
            self.file.set_len(0)?;
        }
        self.emptied = true;
        Ok(())
    }
}

impl std::io::Write for EmptiedOnFirstWrite {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.empty()?;
        std::io::Write::write(&mut self.file, buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.empty()?;
        std::io::Write::flush(&mut self.file)
    }
}

/// `--to ... --dry-run`: writes nothing, counts what would be written, and refuses what a
/// topic's producer would refuse (the real run's check, [`crate::endpoint::kafka::sink::refusal`]).
pub struct DryWrite {
    /// The target topic's partition count and the producer's `message.max.bytes`; `None` for
    /// a file, which refuses nothing.
    topic: Option<(i32, usize)>,
    refused: u64,
}

impl DryWrite {
    pub fn new(topic: Option<(i32, usize)>) -> DryWrite {
        DryWrite { topic, refused: 0 }
    }
}

impl Sink for DryWrite {
    fn write(&mut self, r: &crate::record::Record, report: &mut Report) -> anyhow::Result<()> {
        if let Some((partitions, max_bytes)) = self.topic {
            let refused =
                crate::endpoint::kafka::sink::refusal(r, Placement::Keep, partitions, max_bytes);
            if let Some(reason) = refused {
                self.refused += 1;
                report.bad(&r.location(), &format!("would not be written: {reason}"));
            }
        }
        Ok(())
    }

    fn finish(&mut self, report: &mut Report) -> anyhow::Result<()> {
        report.written = report.written.saturating_sub(self.refused);
        Ok(())
    }
}

/// The question a write asks from a terminal before more than 10,000 records, drawn above a
/// progress bar if there is one; `None` when nobody is at a terminal to answer.
pub fn ask_before_writing(
    name: &'static str,
    target: String,
    terminal: Terminal,
    bar: Option<indicatif::ProgressBar>,
) -> Option<crate::endpoint::guard::Ask> {
    if !terminal.stderr {
        return None;
    }
    Some(Box::new(move |n: Option<u64>| {
        let q = match n {
            Some(n) => format!("evops {name}: write {n} records or more to {target}?"),
            None => format!("evops {name}: write every record the group is assigned to {target}?"),
        };
        match &bar {
            Some(b) => b.suspend(|| crate::print::ask::yes_no(&q)),
            None => crate::print::ask::yes_no(&q),
        }
    }))
}

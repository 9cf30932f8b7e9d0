//! Opening where records go: stdout through a printer, a capture file, or a topic through the
//! idempotent producer, behind the write guards ([`super::guard`]); and the dry run that
//! writes nothing but refuses what the real run would.

use crate::endpoint::Tally;
use std::path::PathBuf;

use super::kafka::sink::{Placement, ProducerSink, Target};
use super::kafka::Connection;
use super::open::{topic_specs, Read};
use super::Sink;
use crate::error::Error;
use crate::print::shared::SharedOut;
use crate::print::Printer;

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
        super::parse_name(s, SinkSpec::Stdout, SinkSpec::File, |s| {
            if s.contains('/') || s.ends_with(".ndjson") || s.ends_with(".jsonl") {
                SinkSpec::File(s.into())
            } else {
                SinkSpec::Topic(s.to_string())
            }
        })
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
                style: crate::print::OutputFormat::Capture,
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
    fn write(&mut self, r: &crate::record::Record, report: &mut dyn Tally) -> anyhow::Result<()> {
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

    fn finish(&mut self, report: &mut dyn Tally) -> anyhow::Result<()> {
        report.not_written(self.refused);
        Ok(())
    }
}

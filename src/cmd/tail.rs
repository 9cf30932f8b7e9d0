//! `evops tail`: read records from topics, capture files or stdin, and print them. Reads never
//! join or commit to a consumer group unless `--group` is given. Bounded reads (`-e`, `--until`) show progress on a
//! terminal; Ctrl-C stops cleanly with a summary.

use std::io::{BufWriter, Write};

use crate::endpoint::file::{CaptureSource, Window};
use crate::endpoint::kafka::group::GroupSource;
use crate::endpoint::kafka::source::{KafkaSource, ReadPlan};
use crate::endpoint::kafka::Settings;
use crate::endpoint::{Chain, Source, SourceSpec};
use crate::error::Error;
use crate::exit::Exit;
use crate::position::{Start, Stop};
use crate::print::report::Report;
use crate::print::{self, Printer};

use super::Terminal;

/// Everything `tail` needs, as plain values.
#[derive(Debug, Clone)]
pub struct Config {
    pub sources: Vec<SourceSpec>,
    /// `None` when no brokers were configured (files and stdin need none).
    pub kafka: Option<Settings>,
    pub partitions: Option<Vec<i32>>,
    /// `None`: `end` for topics, the first line for files.
    pub from: Option<Start>,
    pub until: Option<Stop>,
    pub exit_at_end: bool,
    pub max: Option<u64>,
    /// Read as a member of this consumer group, from its committed offsets, and commit.
    pub group: Option<String>,
    /// Only records with exactly this key.
    pub key: Option<Vec<u8>>,
    /// With `key`: read only the partition this partitioner puts it on (`None`: every partition).
    pub key_partitioner: Option<&'static crate::partition::Partitioner>,
    pub output: print::Options,
    pub quiet: bool,
    pub terminal: Terminal,
    pub now_ms: i64,
}

pub fn run(cfg: Config) -> anyhow::Result<Exit> {
    let topics = super::topic_specs(&cfg.sources);
    let conn = super::connect(cfg.kafka.as_ref(), &topics)?;

    let window = || Window::for_file(cfg.from, cfg.until).map_err(Error::Usage);
    let mut sources: Vec<Box<dyn Source>> = Vec::new();
    let mut kafka_added = false;
    for spec in &cfg.sources {
        match spec {
            SourceSpec::Topic(_) if kafka_added => {}
            SourceSpec::Topic(_) if cfg.group.is_some() => {
                let group = cfg.group.as_deref().expect("checked");
                let from_beginning = match cfg.from {
                    None | Some(Start::End) => false,
                    Some(Start::Beginning) => true,
                    Some(_) => {
                        return Err(Error::Usage(
                            "with --group, --from is where to start when the group has no committed offset: beginning or end".into(),
                        )
                        .into())
                    }
                };
                if cfg.until.is_some() || cfg.partitions.is_some() {
                    return Err(Error::Usage(
                        "--group reads what the group is assigned: it does not combine with --until or --partition (use -e to stop at the end)".into(),
                    )
                    .into());
                }
                let conn = conn.as_ref().expect("connection opened for topics");
                sources.push(Box::new(GroupSource::open(
                    conn,
                    group,
                    &topics,
                    from_beginning,
                    cfg.exit_at_end,
                )?));
                kafka_added = true;
            }
            SourceSpec::Topic(_) => {
                let plan = ReadPlan {
                    topics: topics.clone(),
                    partitions: cfg.partitions.clone(),
                    start: cfg.from.unwrap_or(Start::End),
                    stop: cfg.until,
                    exit_at_end: cfg.exit_at_end,
                    now_ms: cfg.now_ms,
                    key_route: cfg.key.clone().zip(cfg.key_partitioner),
                };
                let conn = conn.as_ref().expect("connection opened for topics");
                let src = KafkaSource::open(conn, &plan)?;
                if let (Some(p), false) =
                    (cfg.key_partitioner.filter(|_| cfg.key.is_some()), cfg.quiet)
                {
                    eprintln!(
                        "evops: reading only {}, where the {} partitioner puts this key (--partitioner all reads every partition)",
                        src.assigned().join(", "),
                        p.name
                    );
                }
                sources.push(Box::new(src));
                kafka_added = true;
            }
            SourceSpec::File(path) => {
                sources.push(Box::new(CaptureSource::open(path, window()?)?));
            }
            SourceSpec::Stdin => sources.push(Box::new(CaptureSource::stdin(window()?))),
        }
    }
    let mut source = Chain::new(sources);

    let mut report = Report::new(cfg.quiet);
    let bounded = source.progress().is_some();
    let bar = (bounded
        && print::progress::wanted(cfg.terminal.stdout, cfg.terminal.stderr, cfg.quiet))
    .then(|| print::progress::bar(0, false));
    if let Some(b) = &bar {
        report.attach(b.clone());
    }

    let stdout = std::io::stdout().lock();
    let out: Box<dyn Write> = Box::new(BufWriter::with_capacity(256 * 1024, stdout));
    let mut printer = Printer::new(out, cfg.output.clone());
    let key = cfg.key.clone();
    let mut keep = crate::pipeline::Keep(|r: &crate::record::Record| {
        key.as_ref().is_none_or(|k| r.key.as_ref() == Some(k))
    });
    let mut stages: Vec<&mut dyn crate::pipeline::Stage> = Vec::new();
    if cfg.key.is_some() {
        stages.push(&mut keep);
    }
    let ended = crate::pipeline::run(
        &mut source,
        &mut stages,
        &mut printer,
        &mut report,
        cfg.max,
        bar.as_ref(),
    )?;
    drop(printer);
    Ok(super::conclude("tail", ended, &report, cfg.terminal))
}

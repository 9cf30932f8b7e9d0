//! `evops replay`: copy records from topics or capture files into a topic, faithfully (key,
//! value, headers and timestamp as they are), safely (dry run, a question before big writes, no
//! replay into its own source, a loop guard) and resumably: with `--checkpoint`, a replay killed
//! at any moment and started again with the same command ends with every source record in the
//! target exactly once, in source order per partition. The summary adds up: read = filtered
//! out + skipped + written + failed. `rekey` is this job with a key stage in front.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::endpoint::guard::{Ask, Held, ASK_ABOVE};
use crate::endpoint::kafka::group::{Committed, GroupHooks};
use crate::endpoint::kafka::sink::{Placement, ProducerSink, Target};
use crate::endpoint::kafka::source::Overrides;
use crate::endpoint::kafka::Connection;
use crate::endpoint::{Sink, Source, Tally};
use crate::error::Error;
use crate::exit::Exit;
use crate::filter::Spec;
use crate::pipeline::{Ended, Stage};
use crate::position::{Start, Stop};
use crate::print::report::Report;
use crate::print::{self, table, Printer};
use crate::record::Record;
use crate::replay::checkpoint::{self, Checkpoint};
use crate::replay::{Done, Rate};
use crate::stage::filter::Filter;
use crate::stage::replay::{Guard, Stamp, Throttle};

use super::{Read, Terminal};

/// Everything a replay needs, as plain values.
pub struct Config {
    pub name: &'static str,
    pub read: Read,
    pub filter: Spec,
    pub target: String,
    pub placement: Placement,
    pub timestamp_now: bool,
    /// `--dry-run`, `-y`, `--allow-loop`.
    pub writing: super::Writing,
    pub provenance: bool,
    pub rate: Option<Rate>,
    /// `--checkpoint FILE`.
    pub checkpoint: Option<PathBuf>,
    /// Where a replay without `--checkpoint` keeps one (`$XDG_STATE_HOME/evops/replays`);
    /// `None` with `--no-checkpoint`.
    pub state_dir: Option<PathBuf>,
    pub dead_letter: Option<PathBuf>,
    /// `--replay-id`, or `None` to derive it from `identity`.
    pub replay_id: Option<String>,
    /// What makes two runs the same replay (sources, range, filter, target, placement).
    pub identity: Vec<String>,
    /// A stage that runs before provenance is added (rekey's key stage).
    pub before: Option<Box<dyn ReplayStage>>,
    /// Create the target with this many partitions when it does not exist (`--create-topic`).
    pub create_partitions: Option<i32>,
    /// Stop after writing this many records (the replay is then not complete).
    pub max: Option<u64>,
    pub output: print::Options,
    pub quiet: bool,
    pub terminal: Terminal,
}

/// A stage of a replay that may send records to the dead-letter file and has a summary.
pub trait ReplayStage: Stage {
    /// Where to send records it could not handle, as they come (told before the run).
    fn dead_letters(&mut self, to: DeadLetterBox);
    /// A line for the summary.
    fn summary(&self) -> Option<String>;
    /// Exit 1 even when nothing else went wrong (a check failed).
    fn finding(&self) -> bool {
        false
    }
    /// The target's partition count, once it is known.
    fn target_partitions(&mut self, _n: i32) {}
    /// Where delivered records landed, by key, for checks.
    fn landed(&mut self, _by_key: &crate::endpoint::kafka::sink::Landed) {}
}

pub fn run(mut cfg: Config) -> anyhow::Result<Exit> {
    let (conn, to_create) = connect_target(&mut cfg)?;
    let id = cfg
        .replay_id
        .clone()
        .unwrap_or_else(|| crate::replay::replay_id(&cfg.identity));
    // The producer first: an idempotent producer asks for its producer id half a second
    // after it starts (librdkafka's first try finds no broker connected yet, and its retry
    // timer is 500 ms), and holds every record until then. Started now, that wait runs beside
    // the checkpoint, the target's offsets and the source's start instead of after them.
    let (producer, transactions) = open_producer(&cfg, &conn, &id)?;
    // `cli/` refused --group beside --checkpoint or --dry-run, or without topics.
    let group = cfg.read.group.clone();
    let why_no_checkpoint = if conn.embedded().is_some() {
        Some("the embedded demo cluster is new on every run")
    } else {
        default_checkpoint(&mut cfg, &id, group.is_some(), &conn.settings.brokers)
    };
    let Some((_lock, previous)) = resume(&mut cfg, &id)? else {
        return Ok(Exit::Ok);
    };
    let resuming = previous.is_some();
    cfg.read.exit_at_end = true;

    let target_ends = match to_create {
        // A dry run of --create-topic: the topic it would create, empty.
        Some(n) => (0..n).map(|p| (p, 0)).collect(),
        None => conn.high_watermarks(&cfg.target)?,
    };
    let done = Arc::new(Mutex::new(Done::default()));
    let dead = dead_letters(&cfg, &id, cfg.checkpoint.is_some() || group.is_some())?;
    if resuming && !cfg.writing.dry_run {
        dead.lock()
            .map_err(|_| anyhow::anyhow!("dead letters poisoned"))?
            .learn()?;
    }
    if let Some(b) = cfg.before.as_mut() {
        b.dead_letters(DeadLetterBox(dead.clone()));
    }
    if let (Some(_), Some(p)) = (&group, &producer) {
        let resume = GroupResume::new(&cfg, &conn, p, transactions.is_ok(), &dead, &done, &id)?;
        cfg.read.group_txn = resume.transactional.then(|| p.transactions());
        cfg.read.group_hooks = Some(Arc::new(resume));
    }
    let opened = super::open_source(&cfg.read, Start::Beginning)?;
    let mut source = opened.source;
    let _source_conn = opened.conn;
    let checkpoint = match (&cfg.checkpoint, previous) {
        (Some(_), Some(c)) => Some(c),
        (Some(_), None) => Some(new_checkpoint(&cfg, &id, &target_ends, &opened.bounds)),
        (None, _) => None,
    };
    if let (Some(c), false) = (&checkpoint, cfg.writing.dry_run) {
        let found = find_copies(&cfg, &conn, c, &id, resuming)?;
        if let Ok(mut d) = done.lock() {
            *d = found;
        }
    }

    let estimate = source.progress().map(|p| p.total);
    let ask = ask_first(&cfg, group.is_some(), estimate)?;
    if let (Some(path), Some(c), false) = (&cfg.checkpoint, &checkpoint, cfg.writing.dry_run) {
        c.save(path)?;
    }
    let (mut report, bar) = super::report(estimate.is_some(), cfg.terminal, cfg.quiet);
    let partitions = target_ends.len() as i32;
    if let Some(b) = cfg.before.as_mut() {
        b.target_partitions(partitions);
    }
    let mut sink: Box<dyn ReplaySink> = match producer {
        Some(inner) => {
            let checkpointed = Checkpointed::new(inner, dead.clone(), checkpoint, &cfg);
            match ask {
                Some(ask) => Box::new(Held::new(checkpointed, ask)),
                None => Box::new(checkpointed),
            }
        }
        None => Box::new(DryRun::new(
            &cfg,
            partitions,
            conn.max_message_bytes(),
            dead.clone(),
        )),
    };

    let mut stages = Stages::new(&mut cfg, &id, done);
    let ran = stages.run(
        &mut source,
        sink.as_mut(),
        &mut report,
        cfg.max,
        bar.as_ref().map(|b| b as &dyn crate::pipeline::Progress),
    );
    let mut summary = Summary {
        id: &id,
        group: group.as_deref(),
        transactions: &transactions,
        why_no_checkpoint,
        dead_count: 0,
        dead_file: None,
        interrupted: false,
    };
    let ended = match ran {
        Ok(ended) => ended,
        Err(e) => {
            // Stopped by an error (a producer that gave up): what was done until then, and
            // where the dead letters are, before the error itself.
            // (If the dead letters cannot be closed either, the first error is the one to tell.)
            if summary.close(&dead).is_ok() && !cfg.quiet {
                summary.say(&cfg, &stages, &report);
            }
            return Err(e);
        }
    };
    if let (Some(b), Some(by_key)) = (stages.before.as_mut(), sink.landed()) {
        b.landed(&by_key);
    }
    // Stopped at --max is incomplete; a source that ran out first is complete.
    let complete = ended == Ended::Exhausted;
    sink.conclude(complete, &report)?;
    // Dead letters: undeliverable records and records a stage could not handle (in the file
    // already: written as they came, and the last ones settled by `conclude`).
    let dead_count = summary.close(&dead)?;
    if ended == Ended::BrokenPipe {
        return Ok(Exit::Ok);
    }
    let interrupted = ended == Ended::Interrupted;
    summary.interrupted = interrupted;
    if !cfg.quiet {
        summary.say(&cfg, &stages, &report);
    }
    Ok(exit_code(interrupted, dead_count, &report, &stages))
}

/// Interrupted; findings: dead letters, bad records, a stage's finding (a key on several
/// partitions); or all well.
fn exit_code(interrupted: bool, dead_count: u64, report: &Report, stages: &Stages) -> Exit {
    if interrupted {
        Exit::Interrupted
    } else if dead_count > 0
        || report.bad > 0
        || stages.before.as_ref().is_some_and(|b| b.finding())
    {
        Exit::Findings
    } else {
        Exit::Ok
    }
}

/// Connect, and check the target: created with `--create-topic` when it is missing (once the
/// sources and `-p` are known good, so that a run refused for them leaves no topic behind; a
/// dry run only says it would, and answers as if it had: the second value), visible, and not
/// one of the sources (unless `--allow-loop`). The source shares the connection.
fn connect_target(cfg: &mut Config) -> anyhow::Result<(Connection, Option<i32>)> {
    let name = cfg.name;
    let topics = super::topic_specs(&cfg.read.sources);
    let settings = cfg.read.kafka.clone().ok_or_else(|| {
        Error::Usage(format!(
            "{name} writes to a topic and needs brokers: -b/--brokers, EVOPS_BROKERS or a --profile"
        ))
    })?;
    let conn = Connection::open(settings)?;
    // The source and the target share this connection (an embedded cluster lives in it).
    if topics.is_empty() {
        cfg.read.kafka = None;
    } else {
        cfg.read.kafka = Some(conn.settings.clone());
    }

    let mut all = conn.topics()?;
    let resolved = conn.resolve(&topics, &all)?;
    let mut to_create = None;
    if let Some(n) = cfg.create_partitions {
        if !all.iter().any(|t| t.name == cfg.target) {
            if !topics.is_empty() {
                crate::endpoint::kafka::source::check_partitions(
                    cfg.read.partitions.as_ref(),
                    &resolved,
                )?;
            }
            if cfg.writing.dry_run {
                to_create = Some(n);
            } else {
                conn.create_topic(&cfg.target, n)?;
                all = conn.topics()?;
            }
            if !cfg.quiet {
                let did = if cfg.writing.dry_run {
                    "would create"
                } else {
                    "created"
                };
                crate::say!("evops {name}: {did} {} with {n} partitions", cfg.target);
            }
        }
    }
    if to_create.is_none() {
        // A missing target, or one this user may not see (named as such).
        conn.resolve(std::slice::from_ref(&cfg.target), &all)?;
    }
    if resolved.iter().any(|t| t.name == cfg.target) && !cfg.writing.allow_loop {
        return Err(Error::Usage(format!(
            "{} is both a source and the target: that replays records into the topic they come from; --allow-loop does it anyway (the loop guard still skips this replay's own copies)",
            cfg.target
        ))
        .into());
    }
    Ok((conn, to_create))
}

/// Where a previous run of this replay got to, from its checkpoint, applied to the read; and
/// the lock that keeps a second run of the same replay out (two would both copy what neither
/// has checkpointed yet). `None`: that replay is already complete, nothing to do.
fn resume(
    cfg: &mut Config,
    id: &str,
) -> anyhow::Result<Option<(Option<checkpoint::Lock>, Option<Checkpoint>)>> {
    let name = cfg.name;
    if let Some(path) = &cfg.checkpoint {
        crate::endpoint::guard::refuse_file_loop("--checkpoint", path, &cfg.read.sources)?;
    }
    let lock = match (&cfg.checkpoint, cfg.writing.dry_run) {
        (Some(path), false) => Some(checkpoint::Lock::take(path)?),
        _ => None,
    };
    let (path, previous) = match &cfg.checkpoint {
        Some(path) => match Checkpoint::load(path)? {
            Some(c) => (path.clone(), c),
            None => return Ok(Some((lock, None))),
        },
        None => return Ok(Some((lock, None))),
    };
    let c = &previous;
    if c.replay_id != id || c.target != cfg.target {
        // What would make this run that replay: only the options that differ.
        let mut resume = Vec::new();
        if c.replay_id != id {
            resume.push(format!("--replay-id {}", c.replay_id));
        }
        if c.target != cfg.target {
            resume.push(format!("--to {}", c.target));
        }
        return Err(Error::Usage(format!(
            "--checkpoint {}: it belongs to replay {} into {}, not to this one ({id} into {}); use another file, or {} to resume it",
            path.display(),
            c.replay_id,
            c.target,
            cfg.target,
            resume.join(" ")
        ))
        .into());
    }
    if c.complete {
        if !cfg.quiet {
            crate::say!(
                "evops {name}: replay {id} is already complete ({} written; its checkpoint is {}); nothing to do. To copy the records again, remove that file or name a new replay with --replay-id",
                c.written,
                path.display()
            );
        }
        return Ok(None);
    }
    cfg.read.from = c.from_ms.map(Start::Time).or(Some(Start::Beginning));
    cfg.read.until = c.until_ms.map(Stop::Time);
    let part = |p: &checkpoint::Part| (p.topic.clone(), p.partition);
    cfg.read.overrides = Some(Overrides {
        starts: c
            .parts
            .iter()
            .map(|p| (part(p), p.done_below.max(p.start)))
            .collect(),
        ends: c.parts.iter().map(|p| (part(p), p.end)).collect(),
    });
    Ok(Some((lock, Some(previous))))
}

/// The producer of the copies (`None` for a dry run), and whether it is transactional (with a
/// group, records and offsets commit together in transactions where the broker supports them;
/// otherwise the idempotent producer and the search for copies; `Err` says why not).
fn open_producer(
    cfg: &Config,
    conn: &Connection,
    id: &str,
) -> anyhow::Result<(Option<ProducerSink>, Result<(), String>)> {
    if cfg.writing.dry_run {
        return Ok((None, Err(String::new())));
    }
    let target = || Target {
        topic: Some(cfg.target.clone()),
        placement: cfg.placement,
    };
    let (mut p, transactions) = match &cfg.read.group {
        Some(_) => {
            let txn_id = format!(
                "evops-replay-{id}-{}-{:x}",
                std::process::id(),
                crate::position::now_millis()
            );
            match ProducerSink::open_transactional(conn, target(), &txn_id) {
                Ok(p) => (p, Ok(())),
                Err(e) => (ProducerSink::open(conn, target())?, Err(format!("{e:#}"))),
            }
        }
        None => (ProducerSink::open(conn, target())?, Err(String::new())),
    };
    // Failed records are the dead letters, taken as they come.
    p.keep_failures();
    if cfg.before.is_some() {
        p.track_keys();
    }
    Ok((Some(p), transactions))
}

/// The dead-letter file (`--dead-letter`, or one named after the replay here), never a source
/// nor the checkpoint.
/// `claimed`: a checkpoint or a group commit claims progress (dead letters are held for it).
fn dead_letters(cfg: &Config, id: &str, claimed: bool) -> anyhow::Result<Arc<Mutex<DeadLetters>>> {
    let dead_path = cfg
        .dead_letter
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("evops-{}-{id}.dead.ndjson", cfg.name)));
    crate::endpoint::guard::refuse_file_loop("--dead-letter", &dead_path, &cfg.read.sources)?;
    if let Some(ckpt) = &cfg.checkpoint {
        if dead_path == *ckpt || crate::endpoint::guard::same_file(&dead_path, ckpt) {
            return Err(Error::Usage(format!(
                "--dead-letter {}: that is the checkpoint file too; give each its own file",
                dead_path.display()
            ))
            .into());
        }
    }
    Ok(Arc::new(Mutex::new(DeadLetters::new(
        dead_path,
        claimed,
        cfg.writing.dry_run,
    ))))
}

/// The checkpoint of a first run: every partition read from its start, and the target's end
/// offsets, where the search for copies of a later run begins.
fn new_checkpoint(
    cfg: &Config,
    id: &str,
    target_ends: &[(i32, i64)],
    bounds: &[crate::endpoint::kafka::source::Bounds],
) -> Checkpoint {
    Checkpoint {
        version: 1,
        replay_id: id.to_string(),
        target: cfg.target.clone(),
        scan_from: target_ends.to_vec(),
        from_ms: match cfg.read.from {
            Some(Start::Time(t)) => Some(t),
            _ => None,
        },
        until_ms: match cfg.read.until {
            Some(Stop::Time(t)) => Some(t),
            _ => None,
        },
        parts: bounds
            .iter()
            .map(|b| checkpoint::Part {
                topic: b.topic.clone(),
                partition: b.partition,
                start: b.start,
                end: b.end.unwrap_or(b.start),
                done_below: b.start,
            })
            .collect(),
        complete: false,
        written: 0,
    }
}

/// Copies already in the target, from an earlier run of this replay.
fn find_copies(
    cfg: &Config,
    conn: &Connection,
    c: &Checkpoint,
    id: &str,
    resuming: bool,
) -> anyhow::Result<Done> {
    let mut found = Done::default();
    let scanned = conn.scan_headers(&cfg.target, &c.scan_from, &mut |_, _, h| found.note(h, id))?;
    if !cfg.quiet && resuming {
        crate::say!(
            "evops {}: resuming replay {id}: {} copies already in {} (searched {scanned} records)",
            cfg.name,
            found.len(),
            cfg.target
        );
    }
    Ok(found)
}

/// The stages of a replay, in order: filter, the guard against copies already made and this
/// replay's own copies, the command's own stage (rekey's), provenance headers, the rate.
struct Stages {
    filter: Option<Filter>,
    guard: Guard,
    before: Option<Box<dyn ReplayStage>>,
    stamp: Stamp,
    throttle: Option<Throttle>,
}

impl Stages {
    fn new(cfg: &mut Config, id: &str, done: Arc<Mutex<Done>>) -> Stages {
        let filter = (!cfg.filter.is_empty()).then(|| {
            Filter::new(
                std::mem::take(&mut cfg.filter),
                cfg.output.codecs.clone(),
                false,
            )
        });
        Stages {
            filter,
            guard: Guard {
                id: id.to_string(),
                done,
                already: 0,
                looped: 0,
            },
            before: cfg.before.take(),
            stamp: Stamp::new(id.to_string(), cfg.provenance, cfg.timestamp_now),
            throttle: cfg.rate.map(Throttle::new),
        }
    }

    fn run(
        &mut self,
        source: &mut dyn Source,
        sink: &mut dyn ReplaySink,
        report: &mut Report,
        max: Option<u64>,
        bar: Option<&dyn crate::pipeline::Progress>,
    ) -> anyhow::Result<Ended> {
        let mut stages: Vec<&mut dyn Stage> = Vec::new();
        if let Some(f) = self.filter.as_mut() {
            stages.push(f);
        }
        stages.push(&mut self.guard);
        if let Some(b) = self.before.as_mut() {
            stages.push(b.as_mut());
        }
        stages.push(&mut self.stamp);
        if let Some(t) = self.throttle.as_mut() {
            stages.push(t);
        }
        crate::pipeline::run(source, &mut stages, sink, report, max, bar)
    }
}

/// What the summary of a replay says beyond the report's counts.
struct Summary<'a> {
    id: &'a str,
    group: Option<&'a str>,
    transactions: &'a Result<(), String>,
    why_no_checkpoint: Option<&'static str>,
    dead_count: u64,
    dead_file: Option<PathBuf>,
    interrupted: bool,
}

impl Summary<'_> {
    /// Close the dead-letter file, taking its count and name for the summary; the count.
    fn close(&mut self, dead: &Mutex<DeadLetters>) -> anyhow::Result<u64> {
        let (count, file) = dead
            .lock()
            .map_err(|_| anyhow::anyhow!("dead letters poisoned"))?
            .close()?;
        self.dead_count = count;
        self.dead_file = file;
        Ok(count)
    }

    /// The summary on stderr: the counts, the mode, the dead letters, how to resume.
    fn say(&self, cfg: &Config, stages: &Stages, report: &Report) {
        let name = cfg.name;
        report.say(&self.counts(cfg, stages, report));
        if let (Some(_), Err(why)) = (self.group, self.transactions) {
            report.say(&format!(
                "evops {name}: this broker refused a transactional producer ({why}); the replay ran without transactions"
            ));
        }
        report.say(&format!("evops {name}: {}", self.mode(cfg)));
        if let Some(p) = &self.dead_file {
            report.say(&format!(
                "evops {name}: {} records could not be written; they are in {} (capture format: `evops replay {} --to {}` retries them)",
                self.dead_count,
                p.display(),
                p.display(),
                cfg.target
            ));
        }
        if self.interrupted {
            report.say(&match (&cfg.checkpoint, cfg.writing.dry_run) {
                (_, true) => format!("evops {name}: interrupted"),
                (Some(path), false) => format!(
                    "evops {name}: interrupted; run the same command again to resume (its progress is in {})",
                    path.display()
                ),
                (None, false) if self.group.is_some() => format!(
                    "evops {name}: interrupted; run the same command again to resume (the group's offsets say where)"
                ),
                (None, false) => format!(
                    "evops {name}: interrupted after {} written; this replay kept no checkpoint, so running it again copies every record again",
                    report.written
                ),
            });
        }
    }

    /// read = filtered out + skipped + written + failed (records outside a time range are
    /// dropped by the source before they count as read).
    fn counts(&self, cfg: &Config, stages: &Stages, report: &Report) -> String {
        let (filtered_out, unjudged) = match &stages.filter {
            Some(f) => (f.counts.seen - f.counts.matched, f.counts.unjudged),
            None => (0, 0),
        };
        let mut line = format!(
            "evops {}: {} read, {filtered_out} filtered out",
            cfg.name, report.read
        );
        if unjudged > 0 {
            line.push_str(&format!(" ({unjudged} not judged)"));
        }
        let dry = cfg.writing.dry_run;
        let guard = &stages.guard;
        line.push_str(&format!(
            ", {} skipped ({} already in the target, {} written by this replay itself), {} {}, {} {}",
            guard.already + guard.looped,
            guard.already,
            guard.looped,
            report.written,
            if dry { "would be written" } else { "written" },
            self.dead_count,
            if dry { "would fail" } else { "failed" }
        ));
        if let Some(s) = stages.before.as_ref().and_then(|b| b.summary()) {
            line.push_str(&format!("; {s}"));
        }
        line.push_str(&format!(" in {}", report.elapsed()));
        line
    }

    /// How the copies were made, and what a rerun does.
    fn mode(&self, cfg: &Config) -> String {
        let id = self.id;
        if cfg.writing.dry_run {
            "dry run: nothing was written".to_string()
        } else if let (Some(g), Ok(())) = (self.group, self.transactions) {
            format!(
                "mode: transactional producer with consumer group {g} (copies and the group's offsets commit together; processes sharing the group split the partitions); replay id {id}"
            )
        } else if let Some(g) = self.group {
            format!(
                "mode: idempotent producer with consumer group {g} (progress committed in Kafka after each flush, with the target's end offsets; resumable exactly once, and processes sharing the group split the partitions); replay id {id}"
            )
        } else if let Some(path) = &cfg.checkpoint {
            format!(
                "mode: idempotent producer with checkpoint {} (resumable exactly once: a rerun skips the copies already in {}); replay id {id}",
                path.display(),
                cfg.target
            )
        } else {
            format!(
                "mode: idempotent producer, no checkpoint ({}: a rerun copies every record again); replay id {id}",
                self.why_no_checkpoint.unwrap_or("--no-checkpoint, or no state directory")
            )
        }
    }
}

/// The question before a big write from a terminal. Topics know their record count up front
/// (their offsets): the question is asked now, when there are more than [`ASK_ABOVE`]. So is
/// it for a consumer group, whose records cannot be held back (the group commits what was
/// read). Files and stdin do not know: the returned question goes to a [`Held`] sink, which
/// asks once there are more than [`ASK_ABOVE`] records.
fn ask_first(cfg: &Config, group: bool, estimate: Option<u64>) -> anyhow::Result<Option<Ask>> {
    if cfg.writing.dry_run || cfg.writing.yes {
        return Ok(None);
    }
    let Some(mut ask) = super::ask_before_writing(cfg.name, cfg.target.clone(), cfg.terminal, None)
    else {
        return Ok(None);
    };
    let known = estimate.filter(|_| cfg.read.topics_only());
    if known.is_some() || group {
        if known.is_none_or(|n| n > ASK_ABOVE) && !ask(known)? {
            return Err(Error::Declined.into());
        }
        return Ok(None);
    }
    Ok(Some(ask))
}

impl<S: ReplaySink> ReplaySink for Held<S> {
    fn landed(&mut self) -> Option<crate::endpoint::kafka::sink::Landed> {
        self.inner().landed()
    }

    fn conclude(&mut self, complete: bool, report: &Report) -> anyhow::Result<()> {
        self.inner().conclude(complete, report)
    }
}

/// Without `--checkpoint`, a replay keeps one in the state directory, named after its id, so
/// that running the same command again resumes it. Returns why there is none, when there is
/// none: the input cannot be read again (stdin), topics and capture files are mixed (a
/// checkpoint follows topic offsets), or the user said `--no-checkpoint` (`None` then too, as
/// a consumer group keeps the progress itself).
fn default_checkpoint(
    cfg: &mut Config,
    id: &str,
    group: bool,
    brokers: &str,
) -> Option<&'static str> {
    use crate::endpoint::SourceSpec;
    if cfg.checkpoint.is_some() || group {
        return None;
    }
    if cfg.read.sources.contains(&SourceSpec::Stdin) {
        return Some("stdin cannot be read again");
    }
    if cfg.read.mixes_topics_and_files() {
        return Some("topics and capture files mixed");
    }
    let dir = cfg.state_dir.as_ref()?;
    // Named after the command line, the cluster and the replay id (which may be given): the
    // same command finds it again; another command under the same --replay-id, or the same
    // command against another cluster, does not.
    let mut named = cfg.identity.clone();
    named.push(id.to_string());
    named.push(brokers.to_string());
    let file = crate::replay::replay_id(&named);
    cfg.checkpoint = Some(dir.join(format!("{file}.ckpt")));
    None
}

/// The dead-letter file: appended to (a resumed run keeps what earlier runs put there) as
/// failures come, so that none is held for long, and synced before any progress is saved past
/// the records in it, so that a record is either copied, or in this file, or still to be read.
struct DeadLetters {
    path: PathBuf,
    file: Option<std::fs::File>,
    /// The line being written, kept for the next.
    line: Vec<u8>,
    /// While a checkpoint or a group commit claims progress (`claimed`), dead letters reach
    /// the file when it is settled, just before the claim: a run that dies before it re-reads
    /// those records when it resumes, and writes each dead letter once. Held up to
    /// [`HOLD_BYTES`]; past that they go to the file at once (a run that then dies meets them
    /// again when it resumes, and knows them: see `known`).
    held: Vec<u8>,
    claimed: bool,
    /// The records an earlier run of this replay put in the file, by fingerprint of their
    /// topic, partition and offset: a resumed run that reads them again (a capture file is
    /// read again from its start) counts them and does not write them twice.
    known: std::collections::HashSet<
        u128,
        std::hash::BuildHasherDefault<crate::fingerprint::Fingerprint>,
    >,
    /// Records written to it by this run, or known there already (counted only, in a dry run).
    written: u64,
    /// Records were written since the last sync.
    unsynced: bool,
    /// A dry run counts what would be dead letters and writes no file.
    dry_run: bool,
}

impl DeadLetters {
    fn new(path: PathBuf, claimed: bool, dry_run: bool) -> DeadLetters {
        DeadLetters {
            path,
            file: None,
            line: Vec::new(),
            held: Vec::new(),
            claimed,
            known: std::collections::HashSet::default(),
            written: 0,
            unsynced: false,
            dry_run,
        }
    }

    /// Sync the last ones; how many there are, and the file they are in (none for a dry run,
    /// or when there are none).
    fn close(&mut self) -> anyhow::Result<(u64, Option<PathBuf>)> {
        self.sync()?;
        let file = (self.written > 0 && !self.dry_run).then(|| self.path.clone());
        Ok((self.written, file))
    }

    /// Write producer failures taken from the sink, and sync.
    fn settle(
        &mut self,
        failures: Vec<crate::endpoint::kafka::sink::Failure>,
    ) -> anyhow::Result<()> {
        self.take(failures)?;
        self.sync()
    }

    /// Write producer failures taken from the sink, in order (not synced yet).
    fn take(&mut self, failures: Vec<crate::endpoint::kafka::sink::Failure>) -> anyhow::Result<()> {
        failures.iter().try_for_each(|f| self.add(&f.record))
    }

    /// Write one record (count it, in a dry run); held while progress is claimed.
    fn add(&mut self, r: &Record) -> anyhow::Result<()> {
        self.written += 1;
        if self.dry_run || (!self.known.is_empty() && self.known.contains(&identity(r))) {
            return Ok(());
        }
        self.line.clear();
        crate::codec::capture::encode(r, &mut self.line);
        if self.claimed && self.held.len() + self.line.len() <= HOLD_BYTES {
            self.held.extend_from_slice(&self.line);
        } else {
            self.write_held()?;
            append(&mut self.file, &self.path, &self.line)?;
            self.unsynced = true;
        }
        // A dead letter is as large as its record: the line is not kept past a big one.
        if self.line.capacity() > LINE_KEPT {
            self.line = Vec::new();
        }
        Ok(())
    }

    /// Learn which records the file holds already (a resumed run); lines that are not
    /// capture lines are passed over.
    fn learn(&mut self) -> anyhow::Result<()> {
        use std::io::BufRead;
        let file = match std::fs::File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => anyhow::bail!("--dead-letter {}: {e}", self.path.display()),
        };
        // A device (/dev/null) holds nothing to learn, and may never end (/dev/zero).
        if !file.metadata().is_ok_and(|m| m.is_file()) {
            return Ok(());
        }
        for line in std::io::BufReader::new(file).split(b'\n') {
            let line =
                line.map_err(|e| anyhow::anyhow!("--dead-letter {}: {e}", self.path.display()))?;
            if let Ok(r) = crate::codec::capture::decode(&line) {
                self.known.insert(identity(&r));
            }
        }
        Ok(())
    }

    /// The held lines, into the file.
    fn write_held(&mut self) -> anyhow::Result<()> {
        if self.held.is_empty() {
            return Ok(());
        }
        append(&mut self.file, &self.path, &self.held)?;
        self.unsynced = true;
        self.held.clear();
        if self.held.capacity() > LINE_KEPT {
            self.held = Vec::new();
        }
        Ok(())
    }

    /// What was written, and what was held, is on disk.
    fn sync(&mut self) -> anyhow::Result<()> {
        self.write_held()?;
        let (Some(f), true) = (&self.file, self.unsynced) else {
            return Ok(());
        };
        // A device (/dev/null) cannot be synced, and need not be.
        if let Err(e) = f.sync_data() {
            if f.metadata().is_ok_and(|m| m.is_file()) {
                anyhow::bail!("--dead-letter {}: {e}", self.path.display());
            }
        }
        self.unsynced = false;
        Ok(())
    }
}

/// The longest dead-letter line whose buffer is kept for the next.
const LINE_KEPT: usize = 64 << 10;

/// The most dead-letter bytes held for the next claim of progress.
const HOLD_BYTES: usize = 64 << 20;

/// A record's place in its source (topic, partition, offset), as one fingerprint.
fn identity(r: &Record) -> u128 {
    let mut b = Vec::with_capacity(r.topic.len() + 13);
    b.extend_from_slice(r.topic.as_bytes());
    b.push(0);
    b.extend_from_slice(&r.partition.to_le_bytes());
    b.extend_from_slice(&r.offset.to_le_bytes());
    crate::fingerprint::key_print(&b)
}

/// Append `bytes` to the dead-letter file, opened (to append) the first time.
fn append(file: &mut Option<std::fs::File>, path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let f = match file {
        Some(f) => f,
        None => file.insert(
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| anyhow::anyhow!("dead-letter file {}: {e}", path.display()))?,
        ),
    };
    f.write_all(bytes)
        .map_err(|e| anyhow::anyhow!("--dead-letter {}: {e}", path.display()))
}

/// Where a replay stage sends the records it could not handle (rekey's failed keys): the
/// replay's dead letters, written at once (counted, in a dry run) rather than held.
#[derive(Clone)]
pub struct DeadLetterBox(Arc<Mutex<DeadLetters>>);

impl DeadLetterBox {
    /// A dead letter; the error is the file's.
    pub fn send(&self, r: &Record) -> anyhow::Result<()> {
        self.0
            .lock()
            .map_err(|_| anyhow::anyhow!("dead letters poisoned"))?
            .add(r)
    }

    /// A dry run's box, which counts.
    #[cfg(test)]
    pub(crate) fn counting() -> DeadLetterBox {
        DeadLetterBox(Arc::new(Mutex::new(DeadLetters::new(
            PathBuf::new(),
            false,
            true,
        ))))
    }

    /// Records sent so far.
    #[cfg(test)]
    pub(crate) fn sent(&self) -> u64 {
        self.0.lock().map_or(0, |d| d.written)
    }
}

/// A replay's consumer-group hooks: commits only after the producer has flushed, with the
/// target's end offsets as metadata; and when a partition arrives, the copies written since the
/// group's last commit are looked up in the target and skipped.
struct GroupResume {
    /// Offsets commit in the producer's transactions: nothing to flush or search.
    transactional: bool,
    dead: Arc<Mutex<DeadLetters>>,
    flusher: crate::endpoint::kafka::sink::Flusher,
    /// The target's end offsets, read before every commit through one client.
    ends: crate::endpoint::kafka::EndOffsets,
    settings: crate::endpoint::kafka::Settings,
    target: String,
    id: String,
    done: std::sync::Arc<std::sync::Mutex<Done>>,
    quiet: bool,
    name: &'static str,
}

impl GroupResume {
    /// The hooks of a replay reading as a group member, writing with producer `p`.
    fn new(
        cfg: &Config,
        conn: &Connection,
        p: &ProducerSink,
        transactional: bool,
        dead: &Arc<Mutex<DeadLetters>>,
        done: &Arc<Mutex<Done>>,
        id: &str,
    ) -> anyhow::Result<GroupResume> {
        Ok(GroupResume {
            transactional,
            dead: dead.clone(),
            flusher: p.flusher(),
            ends: conn.end_offsets(&cfg.target)?,
            settings: conn.settings.clone(),
            target: cfg.target.clone(),
            id: id.to_string(),
            done: done.clone(),
            quiet: cfg.quiet,
            name: cfg.name,
        })
    }
}

impl GroupHooks for GroupResume {
    fn settle(&self) -> anyhow::Result<String> {
        if self.transactional {
            return Ok("null".into());
        }
        self.flusher.flush()?;
        if let Ok(mut d) = self.dead.lock() {
            d.settle(self.flusher.take_failures())?;
        }
        let ends = self.ends.read()?;
        Ok(serde_json::to_string(&ends)?)
    }

    fn resume(&self, at: Committed<'_>) -> anyhow::Result<()> {
        let Committed {
            topic,
            partition,
            offset,
            metadata,
        } = at;
        if self.transactional {
            // Copies and offsets were committed together: nothing after the offset is there.
            return Ok(());
        }
        // Without metadata (a commit made by something else), the whole target is searched.
        let from: Vec<(i32, i64)> = serde_json::from_str(metadata).unwrap_or_default();
        let mut found = Done::default();
        let conn = Connection::open(self.settings.clone())?;
        let since = offset.unwrap_or(0);
        conn.scan_headers(&self.target, &from, &mut |_, _, h| {
            found.note_for(h, &self.id, topic, partition, since);
        })?;
        let n = found.len();
        if let Ok(mut d) = self.done.lock() {
            d.merge(found);
        }
        if !self.quiet && n > 0 {
            crate::say!(
                "evops {}: {topic}/{partition}: the group had committed {}; {n} later records are already copied to {} and are skipped",
                self.name,
                offset.map_or("the start".into(), |o| o.to_string()),
                self.target
            );
        }
        Ok(())
    }
}

/// A replay's sink: the producer (with its checkpoint) or the dry run. Either hands what it
/// could not write to the dead letters as it comes.
trait ReplaySink: Sink {
    /// Where delivered records landed, by key (when the sink keeps track).
    fn landed(&mut self) -> Option<crate::endpoint::kafka::sink::Landed> {
        None
    }
    /// The run is over: save the checkpoint (complete or not), or print the dry run's counts.
    fn conclude(&mut self, complete: bool, report: &Report) -> anyhow::Result<()>;
}

/// The producer, saving the checkpoint every few seconds after a flush.
struct Checkpointed {
    inner: ProducerSink,
    dead: Arc<Mutex<DeadLetters>>,
    checkpoint: Option<Checkpoint>,
    path: Option<PathBuf>,
    /// The last offset handed to the producer, per source partition.
    last: Handed,
    since: Instant,
    unsaved: u64,
    /// The producer's count of failures when they were last taken.
    failed: u64,
}

/// How often the checkpoint is brought up to date.
const SAVE_EVERY: Duration = Duration::from_secs(2);

/// The last offset handed to the producer, per source partition: noted for every record, so
/// without hashing. Records come in runs from one partition (a fetched batch), so the entry
/// of the last record is tried first, and the list searched only when the partition changes.
#[derive(Default)]
struct Handed {
    parts: Vec<(Arc<str>, i32, i64)>,
    at: usize,
}

impl Handed {
    fn note(&mut self, r: &Record) {
        let same = |(t, p, _): &(Arc<str>, i32, i64)| *p == r.partition && **t == *r.topic;
        if !self.parts.get(self.at).is_some_and(same) {
            match self.parts.iter().position(same) {
                Some(i) => self.at = i,
                None => {
                    self.at = self.parts.len();
                    self.parts.push((r.topic.clone(), r.partition, r.offset));
                }
            }
        }
        self.parts[self.at].2 = r.offset;
    }

    fn get(&self, topic: &str, partition: i32) -> Option<i64> {
        self.parts
            .iter()
            .find(|(t, p, _)| *p == partition && **t == *topic)
            .map(|(_, _, o)| *o)
    }
}

impl Checkpointed {
    fn new(
        inner: ProducerSink,
        dead: Arc<Mutex<DeadLetters>>,
        checkpoint: Option<Checkpoint>,
        cfg: &Config,
    ) -> Checkpointed {
        Checkpointed {
            inner,
            dead,
            checkpoint,
            path: cfg.checkpoint.clone(),
            last: Handed::default(),
            since: Instant::now(),
            unsaved: 0,
            failed: 0,
        }
    }

    /// Hand the producer's new failures to the dead letters, so that it holds none for long.
    fn take_failures(&mut self) -> anyhow::Result<()> {
        let failed = self.inner.failed();
        if failed == self.failed {
            return Ok(());
        }
        self.failed = failed;
        let mut d = self
            .dead
            .lock()
            .map_err(|_| anyhow::anyhow!("dead letters poisoned"))?;
        d.take(self.inner.take_failures())
    }

    fn save(&mut self, written: u64, complete: bool) -> anyhow::Result<()> {
        let (Some(c), Some(path)) = (self.checkpoint.as_mut(), &self.path) else {
            // Nothing claims them: the last failures are only taken, as they stand.
            return self.take_failures();
        };
        // Everything handed over is delivered or failed once the producer is flushed, and the
        // failures are in the dead-letter file once it is synced: only then may the checkpoint
        // claim them.
        self.inner.flush()?;
        if let Ok(mut d) = self.dead.lock() {
            d.settle(self.inner.take_failures())?;
        }
        for p in &mut c.parts {
            if let Some(o) = self.last.get(&p.topic, p.partition) {
                p.done_below = p.done_below.max(o + 1);
            }
        }
        c.written += written;
        c.complete = complete;
        c.save(path)?;
        self.since = Instant::now();
        self.unsaved = 0;
        Ok(())
    }
}

impl Sink for Checkpointed {
    fn write(&mut self, r: &Record, report: &mut dyn Tally) -> anyhow::Result<()> {
        self.inner.write(r, report)?;
        self.take_failures()?;
        if self.checkpoint.is_some() {
            self.last.note(r);
            self.unsaved += 1;
            // The clock is read every 1,024 records, not per record (a tenth of a second
            // at most between readings, at the speed of a replay).
            if self.unsaved % 1024 == 0 && self.since.elapsed() >= SAVE_EVERY {
                let n = self.unsaved;
                self.save(n, false)?;
            }
        }
        Ok(())
    }

    fn idle(&mut self) -> anyhow::Result<()> {
        self.inner.poll();
        self.take_failures()
    }

    fn finish(&mut self, report: &mut dyn Tally) -> anyhow::Result<()> {
        self.inner.finish(report)
    }

    fn rescue(&self) -> Option<crate::interrupt::Rescue> {
        self.inner.rescue()
    }
}

impl ReplaySink for Checkpointed {
    fn landed(&mut self) -> Option<crate::endpoint::kafka::sink::Landed> {
        self.inner.landed()
    }

    fn conclude(&mut self, complete: bool, _report: &Report) -> anyhow::Result<()> {
        let n = self.unsaved;
        self.save(n, complete)
    }
}

/// Writes nothing: counts per target partition, shows the first records, and refuses what the
/// producer would refuse ([`crate::endpoint::kafka::sink::refusal`], the real run's check).
struct DryRun {
    placement: Placement,
    partitions: i32,
    max_bytes: usize,
    per_partition: BTreeMap<Option<i32>, u64>,
    examples: Printer<Box<dyn Write>>,
    shown: u64,
    /// Records the real run would put in the dead-letter file: counted there, as they come.
    refused: u64,
    dead: Arc<Mutex<DeadLetters>>,
}

/// How many records a dry run shows.
const EXAMPLES: u64 = 5;

impl DryRun {
    /// A dry run into a target of `partitions` whose producer refuses records over `max_bytes`.
    fn new(
        cfg: &Config,
        partitions: i32,
        max_bytes: usize,
        dead: Arc<Mutex<DeadLetters>>,
    ) -> DryRun {
        DryRun {
            placement: cfg.placement,
            partitions,
            max_bytes,
            refused: 0,
            dead,
            per_partition: BTreeMap::new(),
            examples: Printer::new(
                Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
                cfg.output.clone(),
            ),
            shown: 0,
        }
    }
}

impl Sink for DryRun {
    fn write(&mut self, r: &Record, report: &mut dyn Tally) -> anyhow::Result<()> {
        use crate::endpoint::kafka::sink::refusal;
        if let Some(reason) = refusal(r, self.placement, self.partitions, self.max_bytes) {
            report.bad(&r.location(), &format!("would not be written: {reason}"));
            self.refused += 1;
            return self
                .dead
                .lock()
                .map_err(|_| anyhow::anyhow!("dead letters poisoned"))?
                .add(r);
        }
        let p = match self.placement {
            Placement::Keep => Some(r.partition),
            Placement::Key(p) => p.partition(r.key.as_deref(), self.partitions),
        };
        *self.per_partition.entry(p).or_default() += 1;
        if self.shown < EXAMPLES {
            self.shown += 1;
            self.examples.write(r, report)?;
        }
        Ok(())
    }

    fn finish(&mut self, report: &mut dyn Tally) -> anyhow::Result<()> {
        // As the producer sink does with its failures: refused records were not written.
        report.not_written(self.refused);
        self.examples.finish(report)
    }
}

impl ReplaySink for DryRun {
    fn conclude(&mut self, _complete: bool, _report: &Report) -> anyhow::Result<()> {
        let rows: Vec<Vec<String>> = self
            .per_partition
            .iter()
            .map(|(p, n)| {
                vec![
                    p.map_or("(chosen by the producer)".into(), |p| p.to_string()),
                    n.to_string(),
                ]
            })
            .collect();
        let mut out = std::io::stdout().lock();
        writeln!(
            out,
            "{}",
            table::render(&["target partition", "records"], &rows, None)
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Origin, Timestamp};

    fn at(topic: &str, partition: i32, offset: i64) -> Record {
        Record {
            topic: Arc::from(topic),
            partition,
            offset,
            origin: Origin::Partition,
            timestamp: Timestamp::None,
            key: None,
            value: None,
            headers: Vec::new(),
        }
    }

    /// Runs from one partition, a partition coming back, a topic named by another `Arc`: each
    /// partition keeps the last offset noted for it.
    #[test]
    fn handed_keeps_the_last_offset_per_partition() {
        let mut h = Handed::default();
        for (t, p, o) in [
            ("a", 0, 1),
            ("a", 0, 2),
            ("a", 1, 7),
            ("b", 0, 3),
            ("a", 0, 5),
        ] {
            h.note(&at(t, p, o));
        }
        h.note(&at("b", 0, 4));
        assert_eq!(h.get("a", 0), Some(5));
        assert_eq!(h.get("a", 1), Some(7));
        assert_eq!(h.get("b", 0), Some(4));
        assert_eq!(h.get("b", 1), None);
        assert_eq!(h.get("c", 0), None);
        assert_eq!(h.parts.len(), 3);
    }

    fn dead_letters(path: PathBuf, dry_run: bool) -> DeadLetters {
        DeadLetters::new(path, false, dry_run)
    }

    fn failure(offset: i64) -> crate::endpoint::kafka::sink::Failure {
        let mut record = at("t", 0, offset);
        record.value = Some(vec![b'x'; 100 << 10]);
        crate::endpoint::kafka::sink::Failure {
            record,
            reason: "too large".into(),
        }
    }

    /// A fresh folder of its own for a test, and the dead-letter path in it.
    fn scratch(name: &str) -> (PathBuf, PathBuf) {
        let dir = std::env::temp_dir().join(format!("evops-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("dead.ndjson");
        let _ = std::fs::remove_file(&path);
        (dir, path)
    }

    /// The offsets of the capture lines in a dead-letter file, in order.
    fn offsets(path: &Path) -> Vec<i64> {
        std::fs::read_to_string(path)
            .unwrap()
            .lines()
            .filter(|l| l.starts_with('{'))
            .map(|l| {
                serde_json::from_str::<serde_json::Value>(l).unwrap()["offset"]
                    .as_i64()
                    .unwrap()
            })
            .collect()
    }

    /// Dead letters used to wait in memory for a checkpoint save (never, with --no-checkpoint):
    /// they are in the file as they are taken, in order, before any sync or the end.
    #[test]
    fn dead_letters_are_written_as_they_come() {
        let (dir, path) = scratch("dead");
        let mut d = dead_letters(path.clone(), false);
        d.take(vec![failure(1), failure(2)]).unwrap();
        d.add(&at("t", 0, 3)).unwrap();
        assert_eq!(offsets(&path), [1, 2, 3]);
        assert!(d.unsynced && d.line.capacity() <= LINE_KEPT);
        d.settle(vec![failure(4)]).unwrap();
        assert!(!d.unsynced);
        assert_eq!(d.close().unwrap(), (4, Some(path.clone())));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// While a checkpoint claims progress, dead letters reach the file only when settled (just
    /// before the claim), so that a run that dies first and resumes writes each once; past
    /// HOLD_BYTES they are written at once, so memory stays bounded.
    #[test]
    fn claimed_dead_letters_wait_for_the_settle_within_a_bound() {
        let (dir, path) = scratch("held");
        let mut d = DeadLetters {
            claimed: true,
            ..dead_letters(path.clone(), false)
        };
        d.take(vec![failure(1), failure(2)]).unwrap();
        assert!(!path.exists(), "held until settled");
        d.settle(vec![failure(3)]).unwrap();
        assert_eq!(offsets(&path), [1, 2, 3]);
        assert!(d.held.is_empty() && !d.unsynced);
        // 100 KB records: past HOLD_BYTES the oldest go out with the new one, in order.
        let n = (HOLD_BYTES / (100 << 10)) as i64 + 5;
        d.take((4..4 + n).map(failure).collect()).unwrap();
        assert!(d.held.len() <= HOLD_BYTES);
        let on_disk = offsets(&path).len();
        assert!(on_disk > 3 && on_disk < 3 + n as usize, "{on_disk}");
        assert_eq!(d.close().unwrap(), (3 + n as u64, Some(path.clone())));
        assert_eq!(offsets(&path), (1..4 + n).collect::<Vec<_>>());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Regression (sweep 9): a resumed replay of a capture file reads it again from its start,
    /// and wrote again the dead letters an earlier run had put in the file (164 of 300 twice).
    /// They are counted, not written again.
    #[test]
    fn a_resumed_run_does_not_write_known_dead_letters_twice() {
        let (dir, path) = scratch("known");
        let mut first = dead_letters(path.clone(), false);
        first.take(vec![failure(1), failure(2)]).unwrap();
        assert_eq!(first.close().unwrap().0, 2);
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"not a capture line\n")
            .unwrap();
        let mut again = dead_letters(path.clone(), false);
        again.learn().unwrap();
        again
            .take(vec![failure(1), failure(2), failure(3)])
            .unwrap();
        assert_eq!(again.close().unwrap(), (3, Some(path.clone())));
        assert_eq!(offsets(&path), [1, 2, 3]);
        // Another partition's offset 1 is another record.
        let mut other = failure(1);
        other.record.partition = 1;
        let mut third = dead_letters(path.clone(), false);
        third.learn().unwrap();
        third.take(vec![other]).unwrap();
        third.close().unwrap();
        assert_eq!(offsets(&path), [1, 2, 3, 1]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// A dry run counts its dead letters and holds none (it kept every refused record: 6.2 GB
    /// for 3,000 of 1 MB).
    #[test]
    fn a_dry_run_counts_dead_letters_and_writes_none() {
        let path = std::env::temp_dir().join(format!("evops-dry-dead-{}", std::process::id()));
        let mut d = dead_letters(path.clone(), true);
        d.take(vec![failure(1)]).unwrap();
        d.add(&at("t", 0, 2)).unwrap();
        assert_eq!(d.close().unwrap(), (2, None));
        assert!(d.file.is_none() && d.line.is_empty() && !path.exists());
    }
}

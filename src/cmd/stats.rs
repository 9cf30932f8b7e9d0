//! `evops stats`: event rates over time per group (event type, header, key, partition, topic,
//! jq), judged against a baseline, printed as a table, JSON lines, CSV or Prometheus text. It
//! wires the usual read (sources, filter, an optional seeded sample) into a counting sink, or,
//! for `--by topic|partition` alone, asks the broker for offsets at the bucket boundaries and
//! reads nothing. Exit 1 when any group is flagged (or records were bad), so a cron line or a CI
//! job alerts on it.

use hashbrown::HashMap;
use std::io::Write;

use crate::endpoint::{Sink, SourceSpec, Tally};
use crate::exit::Exit;
use crate::filter::envelope::Envelope;
use crate::filter::Spec;
use crate::pipeline::{Ended, Stage};
use crate::position::{Start, Stop};
use crate::print::stats::{Counted, Meta};
use crate::record::Record;
use crate::stage::filter::Filter;
use crate::stats::group::{By, FieldGrouper, Grouper};
use crate::stats::handoff::Batch;
use crate::stats::{assess, Counts, Grid, Rules, Window};
use std::sync::mpsc::{Receiver, SyncSender};

use super::{Read, Terminal};

/// How the rows look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Table,
    Json,
    Csv,
    Prometheus,
}

/// `--baseline`: a window, or everything in the range before a time (`before:T`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Baseline {
    /// `None`: from the start of the range.
    pub from_ms: Option<i64>,
    pub to_ms: i64,
}

impl Baseline {
    /// The window on a grid that starts at `start`. `before:T` with T before the range is an
    /// empty window at T, not one that ends before it starts.
    fn window(self, start: i64) -> Window {
        Window {
            from_ms: self.from_ms.unwrap_or(start.min(self.to_ms)),
            to_ms: self.to_ms,
        }
    }
}

/// Everything `stats` needs, as plain values. `read.from` and `read.until` are the range:
/// times give a known range; anything else (files read whole, offsets) holds every record's
/// time until the end, when the range is what the records span.
pub struct Config {
    pub read: Read,
    pub filter: Spec,
    pub by: Vec<By>,
    pub envelope: Envelope,
    pub codecs: crate::codec::Codecs,
    pub every_ms: Option<i64>,
    pub baseline: Option<Baseline>,
    pub rules: Rules,
    /// `--sample-rate R` and the seed of the sample.
    pub sample: Option<(f64, u64)>,
    pub output: Output,
    pub watch: bool,
    /// `--max-groups`: past it, new groups are counted together as `(other)`.
    pub max_groups: usize,
    pub max: Option<u64>,
    pub quiet: bool,
    pub verbose: bool,
    pub terminal: Terminal,
}

pub fn run(mut cfg: Config) -> anyhow::Result<Exit> {
    let by: Vec<String> = cfg.by.iter().map(By::name).collect();
    let offsets_apply = cfg.by.iter().all(By::from_offsets) && cfg.filter.is_empty();
    // Nothing shown or counted here can depend on headers unless a `--by` or the filter reads
    // them: then librdkafka is not asked to parse them (it allocates for each record).
    cfg.read.no_headers = !cfg.filter.reads_headers() && !cfg.by.iter().any(By::reads_headers);
    let mut st = Stages::new(&mut cfg);
    let (mut counts, counted, ended, bad) = match known_range(&cfg.read) {
        Some((start, end)) => count_range(&cfg, &mut st, &by, offsets_apply, start, end)?,
        None => {
            let mut held = Held::new(cfg.max_groups);
            let (ended, bad) = count(
                &cfg,
                cfg.read.clone(),
                &mut st,
                &mut Counting::Held(&mut held),
            )?;
            (held.counts(&cfg)?, Counted::Records, ended, bad)
        }
    };
    if ended == Ended::BrokenPipe {
        return Ok(Exit::Ok);
    }
    let meta = Meta {
        by,
        counted,
        sample_rate: cfg.sample.map(|s| s.0),
        terminal: cfg.terminal.stdout,
    };
    let flagged = print(&cfg, &counts, &meta)?;
    if ended == Ended::Interrupted {
        return Ok(Exit::Interrupted);
    }
    if !cfg.quiet {
        tell_when_empty(&counts);
        tell_when_folded(&counts, cfg.max_groups);
        tell_when_untimed(&counts);
    }
    if cfg.watch {
        return watch(&cfg, &mut st, &mut counts, &meta);
    }
    Ok(if flagged > 0 || bad > 0 {
        Exit::Findings
    } else {
        Exit::Ok
    })
}

/// Say on stderr why nothing or nothing comparable was counted, where the rows alone would be
/// silent: no record in the range (exit 0 still: no group was judged, so none is flagged), or
/// an explicit baseline window that holds no record.
fn tell_when_empty(counts: &Counts) {
    let span = |from: i64, to: i64| {
        let f = crate::position::format_millis;
        format!("{} and {}", f(from), f(to))
    };
    let in_grid = counts
        .groups
        .values()
        .any(|t| t.buckets.iter().any(|&n| n > 0));
    let in_base = counts.groups.values().any(|t| t.baseline > 0);
    let grid = counts.grid;
    if !in_grid && !in_base {
        let from = counts
            .baseline
            .map_or(grid.start_ms, |b| b.from_ms.min(grid.start_ms));
        crate::say!(
            "evops stats: no records between {}; try an earlier --since (e.g. --since 7d)",
            span(from, grid.end_ms())
        );
    } else if let (Some(b), false) = (counts.baseline, in_base) {
        crate::say!(
            "evops stats: warning: no records in the --baseline window (between {}): nothing to compare the rates with",
            span(b.from_ms, b.to_ms)
        );
    }
}

/// Say on stderr how many records were read but could not be counted: buckets are of record
/// time, and they had none (a capture line's `"timestamp": null`).
fn tell_when_untimed(counts: &Counts) {
    if counts.untimed > 0 {
        let records = if counts.untimed == 1 {
            "record has"
        } else {
            "records have"
        };
        crate::say!(
            "evops stats: warning: {} {records} no timestamp and {} not counted (buckets are of record time)",
            counts.untimed,
            if counts.untimed == 1 { "is" } else { "are" }
        );
    }
}

/// Say on stderr that groups past the limit were counted together, and which limit it was.
fn tell_when_folded(counts: &Counts, max_groups: usize) {
    if counts.folded == 0 {
        return;
    }
    let raise = if counts.limit < max_groups {
        format!(
            "the counters of {} buckets allow no more; a longer --every allows more",
            counts.grid.len
        )
    } else {
        "raise --max-groups, or narrow the --by or the filter".to_string()
    };
    let groups = if counts.limit == 1 { "group" } else { "groups" };
    crate::say!(
        "evops stats: warning: more than {} {groups}: {} records of the groups past them are counted as one group, {} ({raise})",
        counts.limit,
        counts.folded,
        crate::stats::OTHER
    );
}

/// Count a known range: from offsets when they answer, else by reading its records.
fn count_range(
    cfg: &Config,
    st: &mut Stages,
    by: &[String],
    offsets_apply: bool,
    start: i64,
    end: i64,
) -> anyhow::Result<(Counts, Counted, Ended, u64)> {
    let grid = grid(cfg, start, end)?;
    let base = cfg.baseline.map(|b| b.window(grid.start_ms));
    if let Some(c) = by_offsets(cfg, by, offsets_apply, grid, base)? {
        return Ok((c, Counted::Offsets, Ended::Exhausted, 0));
    }
    let mut counts = Counts::new(grid, base).with_max_groups(cfg.max_groups);
    let read = read_window(&cfg.read, &grid, base);
    let (ended, bad) = count(cfg, read, st, &mut Counting::Counts(&mut counts))?;
    Ok((counts, Counted::Records, ended, bad))
}

/// The range when `--since`/`--until` are times (an open end is now); `None` otherwise.
fn known_range(read: &Read) -> Option<(i64, i64)> {
    let Some(Start::Time(start)) = read.from else {
        return None;
    };
    let end = match read.until {
        Some(Stop::Time(t)) => t,
        None | Some(Stop::End) => read.now_ms,
        Some(_) => return None,
    };
    Some((start, end.max(start + 1)))
}

/// The buckets of a range: refused when `--every` would cut it into more than
/// [`MAX_BUCKETS`](crate::stats::MAX_BUCKETS) (each group keeps counters for every one).
fn grid(cfg: &Config, start: i64, end: i64) -> anyhow::Result<Grid> {
    let max = crate::stats::MAX_BUCKETS;
    // A span past half of i64 (a record stamped in the year -292 million) is not measured:
    // the arithmetic below would wrap.
    let range = end.checked_sub(start).filter(|&r| r < i64::MAX / 2);
    let every = cfg
        .every_ms
        .unwrap_or_else(|| crate::stats::default_every(range.unwrap_or(i64::MAX)));
    let grid = range
        .filter(|&r| Grid::count(r, every) <= max as i128)
        .map(|r| Grid::ending_at(end, r, every));
    match (grid, cfg.every_ms) {
        (Some(grid), _) => Ok(grid),
        (None, Some(every)) => Err(too_many_buckets(every, range.unwrap_or(i64::MAX))),
        (None, None) => {
            let f = crate::position::format_millis;
            Err(crate::error::Error::Usage(format!(
                "the range spans {} to {}, too long for {max} buckets of a week (the longest \
                 --every evops picks itself): give a shorter range (--since/--until keep the \
                 records of a time) or a longer --every",
                f(start),
                f(end)
            ))
            .into())
        }
    }
}

/// `--every` asked for more than [`MAX_BUCKETS`](crate::stats::MAX_BUCKETS) over `range`.
fn too_many_buckets(every: i64, range: i64) -> anyhow::Error {
    let max = crate::stats::MAX_BUCKETS;
    let ms = |n: i64| humantime::format_duration(std::time::Duration::from_millis(n as u64));
    // The least that fits, rounded up to a whole second (or millisecond below one).
    let least = range / max as i64 + i64::from(range % max as i64 != 0);
    let least = if least > 1000 {
        least.saturating_add(999) / 1000 * 1000
    } else {
        least
    };
    let buckets = Grid::count(range, every);
    crate::error::Error::Usage(format!(
        "--every {} cuts the range ({}) into {buckets} buckets, more than the {max} one count may keep; give --every {} or longer, or a shorter range",
        ms(every),
        ms(range / 1000 * 1000),
        ms(least)
    ))
    .into()
}

/// The read of a known range: from the earlier of the grid and the baseline to the grid's end.
fn read_window(read: &Read, grid: &Grid, base: Option<Window>) -> Read {
    let mut read = read.clone();
    let from = base.map_or(grid.start_ms, |b| b.from_ms.min(grid.start_ms));
    let to = base.map_or(grid.end_ms(), |b| b.to_ms.max(grid.end_ms()));
    read.from = Some(Start::Time(from));
    read.until = Some(Stop::Time(to));
    read.exit_at_end = true;
    read
}

/// Print the judged rows; the number of flagged groups.
fn print(cfg: &Config, counts: &Counts, meta: &Meta) -> anyhow::Result<usize> {
    let mut a = assess(counts, &cfg.rules);
    if let Some((rate, _)) = cfg.sample {
        crate::stats::scale(&mut a, rate);
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let printed = match cfg.output {
        Output::Table => crate::print::stats::table(&a, meta, &mut out),
        Output::Json => crate::print::stats::json(&a, meta, &mut out),
        Output::Csv => crate::print::stats::csv(&a, meta, &mut out),
        Output::Prometheus => crate::print::stats::prometheus(&a, meta, &mut out),
    };
    printed
        .and_then(|()| out.flush())
        .map_err(|e| anyhow::Error::new(e).context("cannot write to stdout"))?;
    Ok(a.flagged())
}

/// The most buckets counted from offsets (a ListOffsets round per boundary, about 1.5 ms
/// each on the test broker); more are counted by reading the records.
const MAX_OFFSET_BUCKETS: usize = 1_000;

/// `--by topic|partition` alone over topics, with nothing that needs a record's content:
/// offset deltas at the bucket boundaries. `None` when that does not apply, the broker
/// cannot answer or there are too many buckets (then the records are read).
fn by_offsets(
    cfg: &Config,
    by: &[String],
    applies: bool,
    grid: Grid,
    base: Option<Window>,
) -> anyhow::Result<Option<Counts>> {
    let only_topics = cfg
        .read
        .sources
        .iter()
        .all(|s| matches!(s, SourceSpec::Topic(_)));
    if !applies || cfg.sample.is_some() || !only_topics || cfg.read.key_route.is_some() {
        return Ok(None);
    }
    if cfg
        .read
        .kafka
        .as_ref()
        .is_some_and(|k| k.brokers == "embedded")
    {
        // It has no offsets-for-times; starting a second demo cluster to learn that is waste.
        return Ok(None);
    }
    if grid.len > MAX_OFFSET_BUCKETS {
        // One ListOffsets round per boundary: 3,600 took 5.6 s, and 86,400 did not end in
        // ten minutes. Reading the records is then the faster answer.
        if cfg.verbose {
            crate::say!(
                "evops stats: counting records instead of offsets: {} buckets would take a ListOffsets round each (offsets answer up to {MAX_OFFSET_BUCKETS})",
                grid.len
            );
        }
        return Ok(None);
    }
    let topics = super::topic_specs(&cfg.read.sources);
    let Some(conn) = super::connect(cfg.read.kafka.as_ref(), &topics)? else {
        return Ok(None);
    };
    let mut sorted = grid.boundaries();
    if let Some(b) = base {
        sorted.extend([b.from_ms, b.to_ms]);
    }
    sorted.sort_unstable();
    sorted.dedup();
    let answer = crate::endpoint::kafka::offsets::at_times(
        &conn,
        &topics,
        cfg.read.partitions.as_deref(),
        &sorted,
    )?;
    let parts = match answer {
        Ok(p) => p,
        Err(why) => {
            if cfg.verbose {
                crate::say!("evops stats: counting records instead of offsets: {why}");
            }
            return Ok(None);
        }
    };
    let at = |p: &crate::endpoint::kafka::offsets::PartitionOffsets, t: i64| {
        p.at[sorted.binary_search(&t).expect("asked for")]
    };
    let mut counts = Counts::new(grid, base).with_max_groups(cfg.max_groups);
    for p in &parts {
        let group: Vec<String> = by
            .iter()
            .map(|b| match b.as_str() {
                "topic" => p.topic.clone(),
                _ => p.partition.to_string(),
            })
            .collect();
        for i in 0..grid.len {
            let n = at(p, grid.bucket_start(i + 1)) - at(p, grid.bucket_start(i));
            counts.add_to_bucket(&group, i, n.max(0) as u64, false);
        }
        if let Some(b) = base {
            counts.add_to_baseline(&group, (at(p, b.to_ms) - at(p, b.from_ms)).max(0) as u64);
        }
    }
    Ok(Some(counts))
}

/// Where counted records go.
enum Counting<'a> {
    Counts(&'a mut Counts),
    Held(&'a mut Held),
}

/// Records of a range not known in advance: every record's group and time, bucketed at the end.
/// Past `limit` groups, new ones are held as [`OTHER`](crate::stats::OTHER).
struct Held {
    groups: Vec<Vec<String>>,
    index: HashMap<Vec<String>, u32>,
    /// Group, time, bytes.
    seen: Vec<(u32, i64, u64)>,
    untimed: u64,
    limit: usize,
    /// Records held as `OTHER` because of the limit.
    folded: u64,
}

impl Held {
    fn new(limit: usize) -> Held {
        Held {
            groups: Vec::new(),
            index: HashMap::new(),
            seen: Vec::new(),
            untimed: 0,
            limit: limit.max(1),
            folded: 0,
        }
    }

    fn add(&mut self, group: &[String], ts: Option<i64>, bytes: u64) {
        let Some(ts) = ts else {
            self.untimed += 1;
            return;
        };
        let g = match self.index.get(group) {
            Some(&g) => g,
            None if self.groups.len() < self.limit => self.insert(group.to_vec()),
            None => {
                self.folded += 1;
                let other = crate::stats::other_group(group.len());
                match self.index.get(&other) {
                    Some(&g) => g,
                    None => self.insert(other),
                }
            }
        };
        self.seen.push((g, ts, bytes));
    }

    fn insert(&mut self, group: Vec<String>) -> u32 {
        let g = self.groups.len() as u32;
        self.index.insert(group.clone(), g);
        self.groups.push(group);
        g
    }

    /// The range the records span, bucketed.
    fn counts(&self, cfg: &Config) -> anyhow::Result<Counts> {
        let (first, last) = self
            .seen
            .iter()
            .fold(None, |span: Option<(i64, i64)>, s| {
                Some(span.map_or((s.1, s.1), |(lo, hi)| (lo.min(s.1), hi.max(s.1))))
            })
            .unwrap_or((cfg.read.now_ms, cfg.read.now_ms));
        let grid = grid(cfg, first, last.saturating_add(1))?;
        let base = cfg.baseline.map(|b| b.window(grid.start_ms));
        let mut counts = Counts::new(grid, base).with_max_groups(cfg.max_groups);
        for &(g, ts, bytes) in &self.seen {
            counts.add(&self.groups[g as usize], Some(ts), 1, bytes);
        }
        counts.untimed = self.untimed;
        // Every held record lies in the grid, which spans them all.
        counts.folded += self.folded;
        Ok(counts)
    }
}

impl Counting<'_> {
    fn add(&mut self, group: &[String], ts: Option<i64>, bytes: u64) {
        match self {
            Counting::Counts(c) => c.add(group, ts, 1, bytes),
            Counting::Held(h) => h.add(group, ts, bytes),
        }
    }

    /// Count records of one group, each at its time with its bytes.
    fn add_all(&mut self, group: &[String], records: &[(Option<i64>, u64)]) {
        match self {
            Counting::Counts(c) => c.add_all(group, records),
            Counting::Held(h) => {
                for &(ts, bytes) in records {
                    h.add(group, ts, bytes);
                }
            }
        }
    }
}

/// The counting sink: each record's group, counted at its time.
struct Tallying<'a, 'b> {
    grouper: &'a mut Grouper,
    into: &'a mut Counting<'b>,
}

impl Sink for Tallying<'_, '_> {
    fn write(&mut self, r: &Record, report: &mut dyn Tally) -> anyhow::Result<()> {
        let bytes = r.payload_len() as u64;
        match self.grouper.group(r) {
            Ok(g) => self.into.add(g, r.timestamp.millis(), bytes),
            Err(why) => report.bad(&r.location(), &why),
        }
        Ok(())
    }

    fn finish(&mut self, _: &mut dyn Tally) -> anyhow::Result<()> {
        Ok(())
    }
}

/// The counting sink when every group reads only record fields: records go in batches to a
/// counting thread (see [`crate::stats::handoff`]), which reads their values while this one
/// reads the next records.
struct Handing {
    batch: Batch,
    to: SyncSender<Batch>,
    /// Batches the counting thread is done with, for reuse.
    spare: Receiver<Batch>,
}

impl Handing {
    fn send(&mut self) {
        if self.batch.is_empty() {
            return;
        }
        let next = self.spare.try_recv().unwrap_or_default();
        // The counting thread takes batches until this sender goes: it is there to take it.
        let _ = self.to.send(std::mem::replace(&mut self.batch, next));
    }
}

impl Sink for Handing {
    fn write(&mut self, r: &Record, _: &mut dyn Tally) -> anyhow::Result<()> {
        self.batch.push(r);
        if self.batch.is_full() {
            self.send();
        }
        Ok(())
    }

    fn idle(&mut self) -> anyhow::Result<()> {
        self.send();
        Ok(())
    }

    fn finish(&mut self, _: &mut dyn Tally) -> anyhow::Result<()> {
        self.send();
        Ok(())
    }
}

/// Run the pipeline into a [`Handing`] sink while a second thread groups and counts.
fn run_handing(
    source: &mut dyn crate::endpoint::Source,
    stages: &mut [&mut dyn Stage],
    mut grouper: FieldGrouper,
    into: &mut Counting,
    report: &mut crate::print::report::Report,
    max: Option<u64>,
    bar: Option<&dyn crate::pipeline::Progress>,
) -> anyhow::Result<Ended> {
    std::thread::scope(|scope| {
        let (to, batches) = std::sync::mpsc::sync_channel::<Batch>(4);
        let (give_back, spare) = std::sync::mpsc::channel::<Batch>();
        let counter = scope.spawn(move || {
            let mut memo = crate::stats::memo::Memo::new(&grouper);
            for mut batch in batches {
                memo.count(&batch, &mut grouper, &mut |group, records| {
                    into.add_all(group, records);
                });
                batch.clear();
                let _ = give_back.send(batch);
            }
        });
        let mut sink = Handing {
            batch: Batch::default(),
            to,
            spare,
        };
        let ended = crate::pipeline::run(source, stages, &mut sink, report, max, bar);
        // What was read is counted however the run ended; then, its sender gone, the counting
        // thread ends once it has counted every batch.
        sink.send();
        drop(sink);
        if let Err(panic) = counter.join() {
            std::panic::resume_unwind(panic);
        }
        ended
    })
}

/// The stages and the grouper, kept across the reads of a watch.
struct Stages {
    grouper: Grouper,
    filter: Option<Filter>,
    sampler: Option<crate::stage::sample::Sampler>,
}

impl Stages {
    fn new(cfg: &mut Config) -> Stages {
        let by = std::mem::take(&mut cfg.by);
        let spec = std::mem::take(&mut cfg.filter);
        Stages {
            grouper: Grouper::new(by, cfg.envelope.clone(), cfg.codecs.clone()),
            filter: (!spec.is_empty()).then(|| Filter::new(spec, cfg.codecs.clone(), false)),
            sampler: cfg.sample.map(|(rate, seed)| {
                crate::stage::sample::Sampler::new(crate::stage::sample::Mode::Rate(rate), seed)
            }),
        }
    }
}

/// Read `read` through the filter and the sample into `into`: how it ended, and how many
/// records were bad.
fn count(
    cfg: &Config,
    read: Read,
    st: &mut Stages,
    into: &mut Counting,
) -> anyhow::Result<(Ended, u64)> {
    let opened = super::open_source(&read, Start::Beginning)?;
    let mut source = opened.source;
    let (mut report, bar) = super::report(
        crate::endpoint::Source::progress(&source).is_some(),
        cfg.terminal,
        cfg.quiet,
    );
    let mut stages: Vec<&mut dyn Stage> = Vec::new();
    if let Some(f) = st.filter.as_mut() {
        stages.push(f);
    }
    if let Some(s) = st.sampler.as_mut() {
        stages.push(s);
    }
    let ended = match st.grouper.fields_only() {
        Some(grouper) => run_handing(
            &mut source,
            &mut stages,
            grouper,
            into,
            &mut report,
            cfg.max,
            bar.as_ref().map(|b| b as &dyn crate::pipeline::Progress),
        )?,
        None => {
            let mut sink = Tallying {
                grouper: &mut st.grouper,
                into,
            };
            crate::pipeline::run(
                &mut source,
                &mut stages,
                &mut sink,
                &mut report,
                cfg.max,
                bar.as_ref().map(|b| b as &dyn crate::pipeline::Progress),
            )?
        }
    };
    let interrupted = ended == Ended::Interrupted;
    if !report.is_quiet() && (interrupted || report.bad > 0 || cfg.terminal.stderr) {
        report.say(&format!("evops stats: {}", report.summary(interrupted)));
    }
    Ok((ended, report.bad))
}

/// How long after a bucket ends `--watch` waits before reading it (at most half a bucket), so
/// that records still on their way from producers are counted in it.
const WATCH_GRACE_MS: i64 = 1000;

/// `--watch`: every `--every`, read the bucket that just ended and show the groups again: the
/// table redrawn in place on a terminal, else one JSON line per bucket. Ends with Ctrl-C.
fn watch(cfg: &Config, st: &mut Stages, counts: &mut Counts, meta: &Meta) -> anyhow::Result<Exit> {
    loop {
        let from = counts.grid.end_ms();
        let to = from + counts.grid.every_ms;
        let grace = (counts.grid.every_ms / 2).min(WATCH_GRACE_MS);
        while crate::position::now_millis() < to + grace {
            if crate::interrupt::interrupted() {
                return Ok(Exit::Interrupted);
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        counts.advance();
        let mut read = cfg.read.clone();
        read.from = Some(Start::Time(from));
        read.until = Some(Stop::Time(to));
        read.exit_at_end = true;
        let (ended, _) = count(cfg, read, st, &mut Counting::Counts(counts))?;
        match ended {
            Ended::BrokenPipe => return Ok(Exit::Ok),
            Ended::Interrupted => return Ok(Exit::Interrupted),
            _ => {}
        }
        let shown = if cfg.output == Output::Table && cfg.terminal.stdout {
            // Home and clear: the table is redrawn in place.
            std::io::stdout()
                .lock()
                .write_all(b"\x1b[H\x1b[2J")
                .map_err(|e| anyhow::Error::new(e).context("cannot write to stdout"))
                .and_then(|()| print(cfg, counts, meta).map(|_| ()))
        } else {
            bucket_line(cfg, counts, meta)
        };
        if let Err(e) = shown {
            if crate::pipeline::is_broken_pipe(&e) {
                return Ok(Exit::Ok);
            }
            return Err(e);
        }
    }
}

/// One NDJSON line for the bucket that just ended: its start, and every group's count, rate
/// and flag.
fn bucket_line(cfg: &Config, counts: &Counts, meta: &Meta) -> anyhow::Result<()> {
    let mut a = assess(counts, &cfg.rules);
    if let Some((rate, _)) = cfg.sample {
        crate::stats::scale(&mut a, rate);
    }
    let last = a.grid.len - 1;
    let groups: Vec<serde_json::Value> = a
        .rows
        .iter()
        .map(|r| {
            let mut v = crate::print::stats::json_row(&a, meta, r);
            v["count"] = serde_json::json!(r.buckets[last]);
            if let Some(o) = v.as_object_mut() {
                o.remove("buckets");
            }
            v
        })
        .collect();
    let line = serde_json::json!({
        "bucket": crate::position::format_millis(a.grid.bucket_start(last)),
        "bucket_ms": a.grid.bucket_start(last),
        "every_ms": a.grid.every_ms,
        "flagged": a.flagged(),
        "groups": groups,
    });
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")
        .and_then(|()| out.flush())
        .map_err(|e| anyhow::Error::new(e).context("cannot write to stdout"))
}

//! `evops filter`: the records of topics, capture files or stdin that match a jq expression
//! and/or shortcuts, printed or written to a capture file or a topic; optionally merged into
//! time order (`--ordered`). `tail`, `trace` and `sample` are this same job with other defaults
//! and stages. At the end, the counts go to stderr: read, matched, not judged (undecodable, or
//! the expression failed), written. Like grep, it exits 1 when nothing matched.

use crate::endpoint::Tally;
use anyhow::Context as _;

use crate::exit::Exit;
use crate::filter::{Counts, Filter, Spec, Stats};
use crate::pipeline::{Ended, Stage};
use crate::position::Start;
use crate::print::{self, table};
use crate::record::Record;
use crate::stage::merge::Merge;

use super::{Read, SinkSpec, Terminal};

/// Everything a filtering job needs, as plain values.
pub struct Config {
    /// The subcommand's name, for messages.
    pub name: &'static str,
    pub read: Read,
    /// Where topics start when --from is not given.
    pub default_from: Start,
    pub filter: Spec,
    /// Merge into time order, holding at most this many records.
    pub ordered: Option<usize>,
    pub to: SinkSpec,
    /// The guards of a `--to` file or topic.
    pub writing: super::Writing,
    pub output: print::Options,
    pub max: Option<u64>,
    /// Print only the number of matches.
    pub count_only: bool,
    /// Print a table of matches per topic, event type and partition.
    pub stats: bool,
    /// Exit 1 when nothing matched (filter, trace) rather than 0 (tail).
    pub nothing_is_a_finding: bool,
    pub quiet: bool,
    pub terminal: Terminal,
}

pub fn run(cfg: Config) -> anyhow::Result<Exit> {
    run_with(cfg, None)
}

/// Whether the job looks at no record's headers: values printed raw on stdout, or only
/// counted; no `--header` condition; an expression that does not read `.headers`. (A stage
/// added after the filter is not asked: the caller says.)
fn headers_unread(cfg: &Config) -> bool {
    let printed_raw =
        matches!(cfg.to, SinkSpec::Stdout) && matches!(cfg.output.style, print::OutputFormat::Raw);
    (printed_raw || cfg.count_only || cfg.stats) && !cfg.filter.reads_headers()
}

/// Run a filtering job, with one more stage after filter and merge (a sampler).
pub fn run_with(mut cfg: Config, extra: Option<&mut dyn Stage>) -> anyhow::Result<Exit> {
    cfg.read.no_headers = extra.is_none() && headers_unread(&cfg);
    let opened = super::open_source(&cfg.read, cfg.default_from)?;
    let (mut source, mut conn) = (opened.source, opened.conn);

    let (mut report, bar) = super::report(
        crate::endpoint::Source::progress(&source).is_some(),
        cfg.terminal,
        cfg.quiet,
    );

    let counting = cfg.count_only || cfg.stats;
    let mut sink: Box<dyn crate::endpoint::Sink> = if counting {
        Box::new(Discard)
    } else {
        let ask =
            super::ask_before_writing(cfg.name, cfg.to.to_string(), cfg.terminal, bar.clone());
        super::open_sink(&cfg.to, &cfg.output, &cfg.read, &mut conn, cfg.writing, ask)?
    };

    let filtering = !cfg.filter.is_empty() || cfg.stats;
    let mut filter = Filter::new(cfg.filter, cfg.output.codecs.clone(), cfg.stats);
    let mut merge = cfg.ordered.map(Merge::new);
    let mut stages: Vec<&mut dyn Stage> = Vec::new();
    if filtering {
        stages.push(&mut filter);
    }
    if let Some(m) = merge.as_mut() {
        stages.push(m);
    }
    if let Some(x) = extra {
        stages.push(x);
    }
    let ended = crate::pipeline::run(
        &mut source,
        &mut stages,
        sink.as_mut(),
        &mut report,
        if counting { None } else { cfg.max },
        bar.as_ref().map(|b| b as &dyn crate::pipeline::Progress),
    )?;
    drop(stages);
    drop(sink);
    drop(conn);
    if ended == Ended::BrokenPipe {
        return Ok(Exit::Ok);
    }
    let counts = if filtering {
        filter.counts
    } else {
        Counts {
            seen: report.read,
            matched: report.read,
            unjudged: 0,
        }
    };

    if cfg.count_only {
        crate::print::to_stdout(&counts.matched.to_string()).context("writing the count")?;
    }
    if let Some(stats) = &filter.stats {
        print_stats(stats, cfg.terminal.stdout).context("writing the stats")?;
    }
    let interrupted = ended == Ended::Interrupted;
    if !report.is_quiet() && (filtering || interrupted || report.bad > 0 || cfg.terminal.stderr) {
        let mut line = format!("evops {}: {} read", cfg.name, report.read);
        if filtering {
            line.push_str(&format!(", {} matched", counts.matched));
            if counts.unjudged > 0 {
                line.push_str(&format!(
                    ", {} not judged (undecodable, or the expression failed)",
                    counts.unjudged
                ));
            }
        }
        if let Some(m) = &merge {
            if m.out_of_order > 0 {
                line.push_str(&format!(
                    ", {} out of timestamp order (partition order kept{})",
                    m.out_of_order,
                    if m.forced > 0 {
                        "; the merge buffer overflowed"
                    } else {
                        ""
                    }
                ));
            }
        }
        if !counting {
            let written = if cfg.writing.dry_run {
                "would be written"
            } else {
                "written"
            };
            line.push_str(&format!(", {} {written}", report.written));
        }
        let other_bad = report.bad - counts.unjudged.min(report.bad);
        if other_bad > 0 {
            line.push_str(&format!(", {other_bad} bad"));
        }
        line.push_str(&format!(" in {}", report.elapsed()));
        if interrupted {
            line.push_str("; interrupted");
        }
        report.say(&line);
    }
    Ok(if interrupted {
        Exit::Interrupted
    } else if report.bad > 0 || (cfg.nothing_is_a_finding && filtering && counts.matched == 0) {
        Exit::Findings
    } else {
        Exit::Ok
    })
}

/// Counting only: nothing is written.
struct Discard;

impl crate::endpoint::Sink for Discard {
    fn write(&mut self, _: &Record, _: &mut dyn Tally) -> anyhow::Result<()> {
        Ok(())
    }
    fn finish(&mut self, _: &mut dyn Tally) -> anyhow::Result<()> {
        Ok(())
    }
}

fn print_stats(stats: &Stats, terminal: bool) -> std::io::Result<()> {
    let rows: Vec<Vec<String>> = stats
        .iter()
        .map(|((topic, kind, partition), n)| {
            let show = |s: &str| {
                if terminal {
                    print::escape::for_terminal(s).into_owned()
                } else {
                    s.to_string()
                }
            };
            vec![
                show(topic),
                show(kind),
                partition.to_string(),
                n.to_string(),
            ]
        })
        .collect();
    crate::print::to_stdout(&table::render(
        &["topic", "type", "partition", "matched"],
        &rows,
        None,
    ))
}

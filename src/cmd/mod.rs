//! Subcommands, one file each: a plain `Config` in (built by `cli`), an [`Exit`] out. No clap and
//! no rdkafka here: a subcommand opens its endpoints through [`crate::endpoint`] and wires them
//! to stages and printers; the run's report, progress bar, question before big writes and exit
//! status are settled here once for all.

pub mod demo;
pub mod filter;
pub mod partition;
pub mod partition_audit;
pub mod protobuf;
pub mod rekey;
pub mod replay;
pub mod sample;
pub mod schema_compat;
pub mod schema_validate;
pub mod stats;
pub mod tail;
pub mod trace;

use std::io::IsTerminal;

use crate::exit::Exit;
use crate::pipeline::Ended;
use crate::print::report::Report;

// Opening is the endpoint's job; these names stay here for the subcommands that use them.
pub use crate::endpoint::open::{connect, open_source, topic_specs, Opened, Read};
pub use crate::endpoint::write::{open_sink, DryWrite, SinkSpec, Writing};

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

/// The report of a run, and the progress bar it draws above when a bounded read shows one
/// (on a terminal, unless quiet).
pub fn report(
    bounded: bool,
    term: Terminal,
    quiet: bool,
) -> (Report, Option<crate::print::progress::ProgressBar>) {
    let mut report = Report::new(quiet);
    let bar = (bounded && crate::print::progress::wanted(term.stdout, term.stderr, quiet))
        .then(|| crate::print::progress::bar(0, false));
    if let Some(b) = &bar {
        report.attach(b.clone());
    }
    (report, bar)
}

/// Run every record through one stage that only looks at it (the partition audit, the schema
/// validator) and keep nothing: the loop counts what the stage saw as written, so `--max` is
/// how many it looks at.
pub fn look(
    source: &mut dyn crate::endpoint::Source,
    stage: &mut dyn crate::pipeline::Stage,
    report: &mut Report,
    max: Option<u64>,
    bar: Option<&crate::print::progress::ProgressBar>,
) -> anyhow::Result<Ended> {
    let bar = bar.map(|b| b as &dyn crate::pipeline::Progress);
    crate::pipeline::run(
        source,
        &mut [stage],
        &mut crate::endpoint::Discard,
        report,
        max,
        bar,
    )
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

/// The question a write asks from a terminal before more than 10,000 records, drawn above a
/// progress bar if there is one; `None` when nobody is at a terminal to answer.
pub fn ask_before_writing(
    name: &'static str,
    target: String,
    terminal: Terminal,
    bar: Option<crate::print::progress::ProgressBar>,
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

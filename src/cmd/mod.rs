//! Subcommands, one file each: a plain `Config` in (built by `cli`), an [`Exit`] out. No clap and
//! no rdkafka here: a subcommand wires endpoints, stages and printers together.

pub mod demo;
pub mod partition;
pub mod partition_audit;
pub mod tail;

use std::io::IsTerminal;

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

//! `evops schema-validate SOURCE...`: check events against their schemas (Avro, JSON Schema,
//! Protobuf, a schema registry) and, with `--lint`, against the house rules for events; report a
//! summary per schema, the first violations with their location and JSON pointer, optionally a
//! JUnit file for CI. Sources are topics and capture files (read through the usual pipeline) and
//! sample events (NDJSON / JSON files and directories, what a CI job has). This file wires them:
//! the sources into the validate stage ([`crate::stage::validate`]), its summary into the
//! printer ([`crate::print::validation`]). Exit 1 when an event is invalid, has no schema or
//! cannot be read; 2 when a schema or the registry cannot be read.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;

use crate::endpoint::file::SampleSource;
use crate::endpoint::{Chain, Source, SourceSpec};
use crate::exit::Exit;
use crate::pipeline::Ended;
use crate::position::Start;
use crate::print::validation;
use crate::schema::summary::Summary;
use crate::stage::validate::Validate;
pub use crate::stage::validate::{Payload, Settings};

use super::{Read, Terminal};

/// How the results are printed on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Table,
    Json,
}

/// Everything `schema-validate` needs, as plain values.
pub struct Config {
    /// Topics and capture files.
    pub read: Read,
    /// Sample events: NDJSON / JSON files (a directory given is its files, walked once by
    /// `cli/`).
    pub samples: Vec<PathBuf>,
    /// What events are judged by.
    pub settings: Settings,
    pub output: Output,
    pub junit: Option<PathBuf>,
    /// Events without a schema are counted but are not a finding.
    pub allow_missing: bool,
    pub max: Option<u64>,
    pub quiet: bool,
    pub terminal: Terminal,
}

pub fn run(cfg: Config) -> anyhow::Result<Exit> {
    if let Some(path) = &cfg.junit {
        // The report is written at the end, over whatever the path holds: never a source.
        let mut read = cfg.read.sources.clone();
        read.extend(cfg.samples.iter().cloned().map(SourceSpec::File));
        crate::endpoint::guard::refuse_file_loop("--junit", path, &read)?;
    }
    // The connection lives as long as the read.
    let (mut source, _conn) = open(&cfg)?;
    let (mut report, bar) = super::report(source.progress().is_some(), cfg.terminal, cfg.quiet);
    let mut validate = Validate::new(&cfg.settings);
    // A registry failure stops the read at once (exit 2).
    let ended = super::look(
        &mut source,
        &mut validate,
        &mut report,
        cfg.max,
        bar.as_ref(),
    )?;
    let summary = validate.summary(report.bad);
    write(&cfg, &summary)?;
    let interrupted = ended == Ended::Interrupted;
    let failed = summary.failed(cfg.allow_missing);
    if !report.is_quiet() {
        if summary.checked == 0 {
            report.say("evops schema-validate: warning: no events were read");
        }
        if interrupted || cfg.terminal.stderr || failed {
            report.say(&format!(
                "evops schema-validate: {} read, {}{}",
                report.read,
                summary.totals(),
                if interrupted { " (interrupted)" } else { "" },
            ));
        }
    }
    Ok(if interrupted {
        Exit::Interrupted
    } else if failed {
        Exit::Findings
    } else {
        Exit::Ok
    })
}

/// The topics and capture files, then the sample events, as one source.
fn open(cfg: &Config) -> anyhow::Result<(Chain, Option<crate::endpoint::kafka::Connection>)> {
    let mut sources: Vec<Box<dyn Source>> = Vec::new();
    let mut conn = None;
    if !cfg.read.sources.is_empty() {
        let opened = super::open_source(&cfg.read, Start::Beginning)?;
        conn = opened.conn;
        sources.push(Box::new(opened.source));
    }
    if !cfg.samples.is_empty() {
        sources.push(Box::new(SampleSource::open(&cfg.samples)?));
    }
    Ok((Chain::new(sources), conn))
}

/// The report on stdout, then the JUnit file if one was asked for.
fn write(cfg: &Config, summary: &Summary) -> anyhow::Result<()> {
    let text = match cfg.output {
        Output::Table => validation::table(summary, cfg.terminal.stdout, cfg.allow_missing),
        Output::Json => {
            let mut t = serde_json::to_string(&validation::json(summary))?;
            t.push('\n');
            t
        }
    };
    // A closed stdout (`| head`) is an io error the edge turns into exit 0.
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .context("writing to stdout")?;
    drop(out);
    if let Some(path) = &cfg.junit {
        std::fs::write(path, validation::junit(summary, cfg.allow_missing)).map_err(|e| {
            anyhow::anyhow!("cannot write the JUnit report {}: {e}", path.display())
        })?;
    }
    Ok(())
}

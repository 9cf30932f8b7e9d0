//! evops: operate Kafka event streams from a terminal or a CI job.
//!
//! The architecture in a paragraph: an **endpoint** (a Kafka topic, a capture file, stdin or
//! stdout) opens as a [`endpoint::Source`] or a [`endpoint::Sink`] of [`record::Record`]s, which
//! are bytes exactly as the broker keeps them. **Codecs** ([`codec`]) turn bytes into values,
//! purely; **partitioners** ([`partition`]) say where a key goes, purely; **printers**
//! ([`print`]) decide what people and programs see. The [`pipeline`] loop wires a source to a
//! sink and counts everything in a [`print::report::Report`]. Each subcommand in [`cmd`] is a
//! short function over plain config values, which [`cli`] (the only clap user) builds. Only
//! [`endpoint::kafka`] imports rdkafka. Errors are reported once, here, and exit codes are API
//! ([`exit::Exit`]).

pub mod cli;
pub mod cmd;
pub mod codec;
pub mod config;
pub mod demo;
pub mod endpoint;
pub mod error;
pub mod exit;
pub mod expr;
pub mod filter;
pub mod interrupt;
pub mod merge;
pub mod partition;
pub mod pipeline;
pub mod position;
pub mod print;
pub mod record;
pub mod replay;
pub mod sample;
pub mod schema;
pub mod stats;

use std::ffi::OsString;

use clap::Parser;

use exit::Exit;

/// Run evops with these arguments (the first is the program name) and return the exit code.
pub fn run<I, T>(args: I) -> i32
where
    I: IntoIterator<Item = T>,
    T: Into<OsString> + Clone,
{
    let cli = match cli::Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // clap: 0 for --help/--version, 2 for usage errors.
            return e.exit_code();
        }
    };
    interrupt::install();
    match cli::dispatch(cli) {
        Ok(exit) => exit.code(),
        Err(e) => report(&e).code(),
    }
}

/// Report an error once, at the edge, and choose the exit code.
fn report(e: &anyhow::Error) -> Exit {
    if pipeline::is_broken_pipe(e) {
        return Exit::Ok;
    }
    match e.downcast_ref::<error::Error>() {
        Some(error::Error::Interrupted) => return Exit::Interrupted,
        Some(error::Error::Declined) => {
            eprintln!("evops: {e:#}");
            return Exit::Findings;
        }
        _ => {}
    }
    eprintln!("evops: {e:#}");
    Exit::Error
}

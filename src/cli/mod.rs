//! The command line: all of clap lives here. This file holds the `Cli`, its global options and
//! the command enum, and dispatches; `cli/<name>.rs` holds each subcommand's arguments and
//! their conversion into the plain `Config` of `cmd::<name>`, with the checks between flags
//! that clap cannot declare; [`common`] the option groups several share; [`context`] what is
//! settled once for all (the config file, the terminal, Kafka settings, codecs, printer
//! options); [`values`] the value parsers; [`generate`] man pages and completions.

// Doc comments here are clap's help text, written in the help's own notation
// (`<offset>`, `<topic>-value`), which rustdoc would take for HTML tags.
#![allow(rustdoc::invalid_html_tags)]

pub mod common;
pub mod context;
pub mod demo;
pub mod filter;
pub mod generate;
pub mod job;
pub mod kcat;
pub mod partition;
pub mod protobuf;
pub mod replay;
pub mod sample;
pub mod schema;
pub mod stats;
pub mod tail;
pub mod trace;
pub mod values;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

use crate::cmd;
use crate::exit::Exit;
use context::Context;

const ABOUT: &str = "Operate Kafka event streams: tail, filter, sample, replay, schema-validate and re-key domain events, and check key partitioning across clients.";

const EXAMPLES: &str = "\
Examples:
  evops -b embedded tail articles -o beginning -e     # no Kafka needed: the built-in demo cluster
  evops -b kafka:9092 tail orders -o 3h -f json | jq .value
  evops --profile prod tail '^payments\\..*' -o -20 -e

Exit codes: 0 ok, 1 findings (bad records), 2 error, 130 interrupted; a closed pipe exits 0.";

/// `evops`: the on-call engineer's Kafka tool.
#[derive(Debug, Parser)]
#[command(name = "evops", version, about = ABOUT, after_help = EXAMPLES, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every subcommand takes.
#[derive(Debug, clap::Args)]
#[command(next_help_heading = "Kafka and global")]
pub struct Global {
    /// Kafka bootstrap servers (host:port,...), or 'embedded' for the built-in demo cluster.
    #[arg(
        short = 'b',
        long,
        env = "EVOPS_BROKERS",
        global = true,
        value_name = "BROKERS",
        value_parser = values::brokers
    )]
    pub brokers: Option<String>,

    /// A librdkafka property, e.g. -X security.protocol=SASL_SSL (repeatable; wins over the profile).
    #[arg(short = 'X', value_name = "KEY=VALUE", global = true, value_parser = values::property, action = clap::ArgAction::Append)]
    pub property: Vec<(String, String)>,

    /// A profile from the config file (brokers, librdkafka properties, schema registry).
    #[arg(long, env = "EVOPS_PROFILE", global = true, value_name = "NAME")]
    pub profile: Option<String>,

    /// The config file [default: ~/.config/evops/config.toml].
    #[arg(long, env = "EVOPS_CONFIG", global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// How long to wait for the cluster before giving up.
    #[arg(long, default_value = "10s", value_parser = values::timeout, global = true, value_name = "DURATION")]
    pub timeout: Duration,

    /// When to colour output.
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto, global = true, value_name = "WHEN")]
    pub color: ColorWhen,

    /// Show librdkafka's logs and other details on stderr (secrets are never shown).
    #[arg(short, long, global = true)]
    pub verbose: bool,

    /// Print nothing on stderr but errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

/// When to use colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Tail(tail::TailArgs),
    Filter(filter::FilterCmdArgs),
    Trace(trace::TraceArgs),
    Sample(sample::SampleArgs),
    Replay(replay::ReplayArgs),
    Rekey(replay::RekeyArgs),
    Demo(demo::DemoArgs),
    Partition(partition::PartitionArgs),
    #[command(name = "schema-validate")]
    SchemaValidate(schema::ValidateArgs),
    Schema(schema::SchemaArgs),
    Stats(stats::StatsArgs),
    /// Write man pages and shell completions (for packagers and the repo).
    #[command(hide = true)]
    Generate(generate::GenerateArgs),
}

/// Run a parsed command line.
pub fn dispatch(cli: Cli) -> anyhow::Result<Exit> {
    let ctx = Context::new(cli.global);
    match cli.command {
        Command::Tail(a) => cmd::tail::run(a.config(&ctx)?),
        Command::Filter(a) if a.explain => a.explain(),
        Command::Filter(a) => cmd::filter::run(a.config(&ctx)?),
        Command::Trace(a) => cmd::trace::run(a.config(&ctx)?),
        Command::Sample(a) => cmd::sample::run(a.config(&ctx)?),
        Command::Replay(a) => cmd::replay::run(a.config(&ctx)?),
        Command::Rekey(a) => cmd::rekey::run(a.config(&ctx)?),
        Command::Demo(a) => cmd::demo::run(a.config(&ctx)?),
        Command::Partition(partition::PartitionArgs {
            command: Some(partition::PartitionCommand::Audit(a)),
            ..
        }) => cmd::partition_audit::run(a.config(&ctx)?),
        Command::Partition(a) if a.list => cmd::partition::list(a.output == "json"),
        Command::Partition(a) => cmd::partition::run(a.config(&ctx)?),
        Command::Stats(a) => cmd::stats::run(a.config(&ctx)?),
        Command::SchemaValidate(a) => cmd::schema_validate::run(a.config(&ctx)?),
        Command::Schema(schema::SchemaArgs {
            command: schema::SchemaCommand::Compat(a),
        }) => cmd::schema_compat::run(a.config(&ctx)?),
        Command::Generate(a) => generate::run(&a).map(|()| Exit::Ok),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}

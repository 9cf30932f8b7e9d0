//! `evops filter` arguments, their conversion into [`cmd::filter::Config`], and `--explain`.

use clap::Args;

use super::common::{Records, SourcesThenExpr};
use super::context::Context;
use super::job::Job;
use crate::cmd;
use crate::exit::Exit;
use crate::position::Start;

pub const EXAMPLES: &str = "\
Examples:
  evops filter orders '.value.data.type == \"order_cancelled\" and .value.data.attributes.amount > 100'
  evops filter orders payments --id u-1234 --since 3h --ordered
  evops filter '^orders\\..*' --type order_cancelled --count
  evops filter orders --header producer=node-checkout --stats
  evops filter ./incident.ndjson --grep 'timeout|refused' -f pretty
  evops filter orders --since 2h --type order_placed --to ./placed.ndjson
  evops filter orders -w '.value == \"null\"' --to orders-quarantine   # to a topic

Exit codes: 0 something matched, 1 nothing matched or bad records, 2 error, 130 interrupted.";

/// Keep the records that match a jq expression and/or shortcuts; print them or write them to a capture file or a topic.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct FilterCmdArgs {
    #[command(flatten)]
    pub positional: SourcesThenExpr,

    /// Keep reading at the end of topics, waiting for new records (without it, the read stops at the end offsets taken at the start).
    #[arg(short = 'F', long)]
    pub follow: bool,

    /// Merge partitions and topics into timestamp order (see the README for what it tolerates).
    #[arg(long)]
    pub ordered: bool,

    /// With --ordered: the most records the merge may hold before order may slip (and never more than 128 MiB of keys and values).
    #[arg(long, value_name = "N", default_value_t = crate::stage::merge::DEFAULT_LIMIT)]
    pub merge_buffer: usize,

    /// Where matches go: a capture file (a path with '/', or ending in .ndjson), or a topic. [default: stdout]
    #[arg(long, value_name = "SINK")]
    pub to: Option<String>,

    /// Print only the number of matching records.
    #[arg(long, short = 'c')]
    pub count: bool,

    /// Print a table of matches per topic, event type and partition (instead of the records).
    #[arg(long)]
    pub stats: bool,

    /// Print the jq program equivalent to the given conditions, and exit.
    #[arg(long)]
    pub explain: bool,

    #[command(flatten)]
    pub write: super::common::WriteArgs,

    #[command(flatten)]
    pub records: Records,
}

/// The positionals of `filter`, `sample`, `replay` and `rekey`: sources, then maybe an
/// expression (after `--`, or last by the rule of [`super::common::looks_like_expression`]).
pub fn split_expression(args: &[String], after: Option<&String>) -> (Vec<String>, Option<String>) {
    if let Some(e) = after {
        return (args.to_vec(), Some(e.clone()));
    }
    match args.split_last() {
        Some((last, rest)) if !rest.is_empty() && super::common::looks_like_expression(last) => {
            (rest.to_vec(), Some(last.clone()))
        }
        _ => (args.to_vec(), None),
    }
}

impl FilterCmdArgs {
    /// `--explain`: the jq program the conditions make, printed instead of running.
    pub fn explain(&self) -> anyhow::Result<Exit> {
        let (_, expr) = self.positional.split();
        let spec = self
            .records
            .filter
            .spec(self.records.output.key_format, expr.as_deref())?;
        crate::print::to_stdout(&format!("select({})", spec.jq()))?;
        Ok(Exit::Ok)
    }

    pub fn config(self, ctx: &Context) -> anyhow::Result<cmd::filter::Config> {
        let (sources, expr) = self.positional.split();
        let job = Job {
            name: "filter",
            sources,
            expr,
            default_from: Start::Beginning,
            exit_at_end: !self.follow,
            ordered: self.ordered.then_some(self.merge_buffer),
            to: self.to,
            writing: self.write.writing(),
            count_only: self.count,
            stats: self.stats,
            nothing_is_a_finding: true,
        };
        let codecs = ctx.codecs(&self.records.output)?;
        job.config(ctx, self.records, codecs)
    }
}

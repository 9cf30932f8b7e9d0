//! `evops tail` arguments, and their conversion into a filter job's config.

use clap::Args;

use super::common::Records;
use super::context::Context;
use super::job::Job;
use crate::cmd;
use crate::position::Start;

pub const EXAMPLES: &str = "\
Examples:
  evops -b embedded tail articles -o beginning -e
  evops tail orders -o 3h --until 2h -f json | jq .value.data.type
  evops tail '^orders\\..*' users -o -10 -e -f '{topic}/{partition}@{offset} {key} {value.data.type}'
  evops tail payments -p 0,3 -o 2026-11-23T10:00:00Z --max 100
  evops tail orders -o beginning -e -f capture > orders.ndjson
  evops tail ./orders.ndjson -f pretty
  evops tail orders --type order_cancelled -w '.value.data.attributes.amount > 100'
  evops tail orders --key user-1234 -o 3h -e               # only the key's partition
  evops tail orders --key user-1234 --partitioner librdkafka -o 3h -e
  evops tail orders --group oncall-debug -o beginning -e     # resumes where it left off";

/// Read records from topics, capture files or stdin, and print them (live: from the end, following).
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct TailArgs {
    /// Topics (a leading ^ makes a regex), capture files (any path with a '/', or file:NAME), or - for capture lines on stdin.
    #[arg(required = true, value_name = "SOURCE")]
    pub sources: Vec<String>,

    /// Merge partitions and topics into timestamp order (see the README for what it tolerates).
    #[arg(long)]
    pub ordered: bool,

    #[command(flatten)]
    pub records: Records,
}

impl TailArgs {
    pub fn config(self, ctx: &Context) -> anyhow::Result<cmd::filter::Config> {
        let mut job = Job::printing("tail", self.sources, Start::End);
        job.exit_at_end = self.records.read.exit;
        job.ordered = self.ordered.then_some(crate::stage::merge::DEFAULT_LIMIT);
        let codecs = ctx.codecs(&self.records.output)?;
        job.config(ctx, self.records, codecs)
    }
}

//! `evops trace` arguments, and their conversion into [`cmd::trace::Config`].

use clap::Args;

use super::common::Records;
use super::context::Context;
use super::job::Job;
use crate::cmd;
use crate::position::Start;

pub const EXAMPLES: &str = "\
Examples:
  evops -b embedded trace u-1234                      # the planted user's day in the demo data
  evops trace u-1234 --since 3h
  evops trace o-981 --topics '^orders\\..*' --topics payments -f json
  evops trace 1234 --id-path data.attributes.customer_id --since 1d
  evops trace u-1234 --topics ./incident.ndjson

Exit codes: 0 found, 1 nothing mentions the id (or bad records), 2 error, 130 interrupted.";

/// Everything that happened to an entity, across topics, in time order: records keyed by the id or whose event mentions it.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct TraceArgs {
    /// The id to follow (several: any of them).
    #[arg(id = "trace_ids", required = true, value_name = "ID")]
    pub ids: Vec<String>,

    /// Where to look: topics (a leading ^ makes a regex), capture files, or - for stdin (repeatable). [default: every topic whose name does not start with _]
    #[arg(long = "topics", value_name = "SOURCE")]
    pub topics: Vec<String>,

    /// Keep reading at the end of topics, waiting for new records.
    #[arg(short = 'F', long)]
    pub follow: bool,

    /// The most records the time-ordered merge may hold before order may slip (and never more than 128 MiB of keys and values).
    #[arg(long, value_name = "N", default_value_t = crate::stage::merge::DEFAULT_LIMIT)]
    pub merge_buffer: usize,

    #[command(flatten)]
    pub records: Records,
}

impl TraceArgs {
    pub fn config(self, ctx: &Context) -> anyhow::Result<cmd::trace::Config> {
        // An empty id is mentioned by nothing: a variable that expanded to nothing, most likely.
        if self.ids.iter().any(String::is_empty) {
            return Err(crate::error::Error::Usage("ID '': an empty id".into()).into());
        }
        let sources = if self.topics.is_empty() {
            vec!["^[^_].*".to_string()]
        } else {
            self.topics
        };
        let mut job = Job::printing("trace", sources, Start::Beginning);
        job.exit_at_end = !self.follow;
        job.ordered = Some(self.merge_buffer);
        job.nothing_is_a_finding = true;
        let codecs = ctx.codecs(&self.records.output)?;
        Ok(cmd::trace::Config {
            ids: self.ids,
            job: job.config(ctx, self.records, codecs)?,
        })
    }
}

//! The conversion the filtering subcommands share (tail, filter, trace, sample): each says
//! what differs in a [`Job`], and the shared read, filter and output options become one
//! [`cmd::filter::Config`].

use crate::cmd;
use crate::codec::Codecs;
use crate::error::Error;
use crate::position::Start;

use super::common::{self, Records};
use super::context::Context;

/// What differs between the filtering subcommands.
pub struct Job {
    pub name: &'static str,
    pub sources: Vec<String>,
    pub expr: Option<String>,
    pub default_from: Start,
    pub exit_at_end: bool,
    pub ordered: Option<usize>,
    pub to: Option<String>,
    pub writing: cmd::Writing,
    pub count_only: bool,
    pub stats: bool,
    pub nothing_is_a_finding: bool,
}

impl Job {
    /// A job that prints what it reads (no `--to`, no counting, nothing matched is no finding).
    pub fn printing(name: &'static str, sources: Vec<String>, default_from: Start) -> Job {
        Job {
            name,
            sources,
            expr: None,
            default_from,
            exit_at_end: true,
            ordered: None,
            to: None,
            writing: cmd::Writing::default(),
            count_only: false,
            stats: false,
            nothing_is_a_finding: false,
        }
    }

    /// The job's config, with the records decoded by `codecs`.
    pub fn config(
        self,
        ctx: &Context,
        records: Records,
        codecs: Codecs,
    ) -> anyhow::Result<cmd::filter::Config> {
        let Records {
            read,
            filter,
            output,
        } = records;
        if read.exit && !self.exit_at_end {
            return Err(Error::Usage(
                "-e stops at the end offsets taken at the start; -F keeps waiting for new records: give one of them".into(),
            )
            .into());
        }
        common::refuse_lone_expression(&self.sources, self.expr.as_deref())?;
        if read.group.is_some() && self.ordered.is_some() {
            return Err(Error::Usage(
                "--group commits what was read; --ordered holds records back, which a crash would then skip: use one or the other".into(),
            )
            .into());
        }
        let to = match self.to.as_deref() {
            Some(t) => {
                common::named(t, "--to")?;
                // Counting prints a number (or a table) instead of the records: with a --to, the
                // records went nowhere and nothing said so.
                if let Some(flag) = [(self.count_only, "--count"), (self.stats, "--stats")]
                    .into_iter()
                    .find_map(|(on, flag)| on.then_some(flag))
                {
                    return Err(Error::Usage(format!(
                        "{flag} prints what matched instead of writing the records; --to writes them to {t}: give one of them"
                    ))
                    .into());
                }
                Some(cmd::SinkSpec::parse(t))
            }
            None => None,
        };
        let output = ctx.output(output.format.clone(), codecs)?;
        let spec = filter.spec(output.codecs.key, self.expr.as_deref())?;
        let max = read.max;
        let mut r = read.read(common::specs(&self.sources)?, ctx.kafka()?);
        r.exit_at_end = self.exit_at_end;
        r.key_route = filter.key_route(output.codecs.key)?;
        r.infer_route = filter.key.partitioner.auto;
        Ok(cmd::filter::Config {
            name: self.name,
            read: r,
            default_from: self.default_from,
            filter: spec,
            ordered: self.ordered,
            to: to.unwrap_or(cmd::SinkSpec::Stdout),
            writing: self.writing,
            output,
            max,
            count_only: self.count_only,
            stats: self.stats,
            nothing_is_a_finding: self.nothing_is_a_finding,
            quiet: ctx.quiet(),
            terminal: ctx.term,
        })
    }
}

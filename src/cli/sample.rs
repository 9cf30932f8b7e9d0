//! `evops sample` arguments, and their conversion into [`cmd::sample::Config`].

use clap::Args;

use super::common::{Records, SourcesThenExpr};
use super::context::Context;
use super::job::Job;
use super::values;
use crate::cmd;
use crate::error::Error;
use crate::position::Start;
use crate::stage::sample::Mode;

pub const EXAMPLES: &str = "\
Examples:
  evops sample orders --rate 0.01 --since 1h                 # each record with probability 1%
  evops sample orders --rate 0.05 --by-key                   # whole histories of 5% of the keys
  evops sample orders --count 100 --since 2h -f pretty       # 100, uniform over the last 2 hours
  evops sample orders --per .value.data.type 5               # 5 of every event type
  evops sample orders --every 10m 3 --since 3h               # 3 per 10 minutes
  evops sample ./capture.ndjson --count 50 --type order_placed --seed 7";

/// A fair sample of the records a filter keeps: by rate, by key, a reservoir, per stratum or per time window.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
#[command(group(clap::ArgGroup::new("mode").required(true).args(["rate", "count", "per", "every"])))]
pub struct SampleArgs {
    #[command(flatten)]
    pub positional: SourcesThenExpr,

    /// Keep each record with this probability (0 < RATE <= 1); with --by-key, each key.
    #[arg(long, value_name = "RATE", value_parser = fraction)]
    pub rate: Option<f64>,

    /// With --rate: keep or leave out whole keys, the same way on every run and machine.
    #[arg(long, requires = "rate")]
    pub by_key: bool,

    /// A uniform sample of N records over the whole range read (reservoir; shown at the end).
    #[arg(long, value_name = "N", value_parser = |s: &str| count(s, "--count"))]
    pub count: Option<usize>,

    /// N records per value of a jq expression, e.g. --per .value.data.type 5 (shown at the end).
    #[arg(long, num_args = 2, value_names = ["EXPR", "N"])]
    pub per: Vec<String>,

    /// N records per time window by record timestamp, e.g. --every 10m 3.
    #[arg(long, num_args = 2, value_names = ["DURATION", "N"])]
    pub every: Vec<String>,

    /// The seed of every random choice: the same seed and input give the same sample.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub seed: u64,

    /// Keep reading at the end of topics, waiting for new records.
    #[arg(short = 'F', long)]
    pub follow: bool,

    /// Merge partitions and topics into timestamp order before sampling.
    #[arg(long)]
    pub ordered: bool,

    /// Where the sample goes: a capture file (a path with '/', or ending in .ndjson), or a topic. [default: stdout]
    #[arg(long, value_name = "SINK")]
    pub to: Option<String>,

    #[command(flatten)]
    pub write: super::common::WriteArgs,

    #[command(flatten)]
    pub records: Records,
}

impl SampleArgs {
    pub fn config(self, ctx: &Context) -> anyhow::Result<cmd::sample::Config> {
        let (sources, expr) = self.positional.split();
        let codecs = ctx.codecs(&self.records.output)?;
        let mode = self.mode(&codecs)?;
        let job = Job {
            name: "sample",
            sources,
            expr,
            default_from: Start::Beginning,
            exit_at_end: !self.follow,
            ordered: self.ordered.then_some(crate::stage::merge::DEFAULT_LIMIT),
            to: self.to,
            writing: self.write.writing(),
            count_only: false,
            stats: false,
            nothing_is_a_finding: false,
        };
        let job = job.config(ctx, self.records, codecs)?;
        if job.read.group.is_some() && !matches!(mode, Mode::Rate(_) | Mode::RateByKey(_)) {
            return Err(Error::Usage(
                "--group commits what was read; --count, --per and --every hold records until the end, which a crash would then skip: sample by --rate, or without --group".into(),
            )
            .into());
        }
        Ok(cmd::sample::Config {
            job,
            mode,
            seed: self.seed,
        })
    }

    /// The sampling mode (clap requires exactly one of them).
    fn mode(&self, codecs: &crate::codec::Codecs) -> anyhow::Result<Mode> {
        Ok(if let Some(rate) = self.rate {
            if self.by_key {
                Mode::RateByKey(rate)
            } else {
                Mode::Rate(rate)
            }
        } else if let Some(n) = self.count {
            Mode::Count(n)
        } else if !self.per.is_empty() {
            let n = count(&self.per[1], "--per").map_err(Error::Usage)?;
            let e = crate::expr::Expr::compile(&self.per[0])
                .map_err(|e| Error::Usage(format!("--per: the jq expression: {e}")))?;
            let mut viewer = crate::expr::Viewer::new(codecs.clone());
            Mode::Per(
                Box::new(move |r| {
                    let (view, problem) = viewer.view(r);
                    match problem {
                        Some(p) => Err(p),
                        None => e.first_text(view),
                    }
                }),
                n,
            )
        } else {
            let (window_ms, n) = every(&self.every).map_err(Error::Usage)?;
            Mode::Every { window_ms, n }
        })
    }
}

fn fraction(s: &str) -> Result<f64, String> {
    s.parse::<f64>()
        .ok()
        .filter(|r| *r > 0.0 && *r <= 1.0)
        .ok_or_else(|| format!("'{s}' is not a rate: a number above 0 and at most 1, e.g. 0.01"))
}

/// `--every DURATION N` as milliseconds and N.
pub fn every(v: &[String]) -> Result<(i64, usize), String> {
    let d = values::duration(&v[0]).map_err(|e| format!("--every: {e}"))?;
    let n = count(&v[1], "--every")?;
    if d.as_millis() == 0 {
        return Err("--every: the window must be longer than 0".into());
    }
    // Longer than i64 milliseconds: one window holds everything.
    Ok((i64::try_from(d.as_millis()).unwrap_or(i64::MAX), n))
}

/// A positive count.
pub fn count(s: &str, flag: &str) -> Result<usize, String> {
    s.parse::<usize>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| format!("{flag}: '{s}' is not a count of records (1 or more)"))
}

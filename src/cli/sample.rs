//! `evops sample` arguments.

use clap::Args;

use super::common::{FilterArgs, OutputArgs, ReadArgs};
use super::values;

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
    /// Topics (a leading ^ makes a regex), capture files, or - for stdin; then, optionally, a jq expression (as with --where).
    #[arg(required = true, value_name = "SOURCE... [EXPR]")]
    pub args: Vec<String>,

    /// The jq expression, given after `--` (always an expression there, e.g. `-- true`).
    #[arg(last = true, value_name = "EXPR")]
    pub after: Option<String>,

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
    pub read: ReadArgs,

    #[command(flatten)]
    pub filter: FilterArgs,

    #[command(flatten)]
    pub output: OutputArgs,
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

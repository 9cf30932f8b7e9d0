//! `evops stats` arguments, and their conversion into [`crate::cmd::stats::Config`].

use std::time::Duration;

use clap::{Args, ValueEnum};

use super::common::{FilterArgs, ReadArgs, SourcesThenExpr};
use super::values;
use crate::cmd::stats::{Baseline, Config, Output};
use crate::codec::Encoding;
use crate::endpoint::SourceSpec;
use crate::error::Error;
use crate::filter::envelope::Envelope;
use crate::position::Start;
use crate::stats::group::By;
use crate::stats::Rules;

pub const EXAMPLES: &str = "\
Examples:
  evops -b embedded stats views --since 24h             # the demo's deploy story: a type stopped
  evops stats orders --since 6h --every 10m --by type --by header:producer
  evops stats orders --since 7d --by topic               # offsets only: no record is read
  evops stats orders --since 2h --baseline 26h..25h      # against the same hour yesterday
  evops stats orders --since 3h --baseline before:2026-11-23T10:00:00Z -f json
  evops stats orders --since 1h -f prometheus > /var/lib/node_exporter/orders.prom
  evops stats ./incident.ndjson --by '.value.meta.host'
  evops stats orders --since 1h --every 1m --watch

Topics are counted over the last hour unless --since says otherwise; a capture file without
--since, over the time its records span.

Exit codes: 0 no group flagged, 1 a group flagged (dropped, spiked, stopped, new) or bad records, 2 error, 130 interrupted.";

/// How `stats` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StatsFormat {
    /// One row per group with a sparkline (the default on a terminal).
    Table,
    /// One object per group (the default when piped; documented in the README).
    Json,
    /// One row per group, one column per bucket.
    Csv,
    /// Prometheus text exposition (node_exporter's textfile collector).
    Prometheus,
}

/// Event rates over time per event type, header, key, partition, topic or jq expression; flags the groups whose latest rate dropped, spiked, stopped or is new.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct StatsArgs {
    #[command(flatten)]
    pub positional: SourcesThenExpr,

    /// What a group is: type (the envelope's event type, as --type reads it), header:NAME, key, partition, topic, or a jq expression. Repeat to combine. --by topic and/or --by partition alone, with no filter, count offsets at the bucket boundaries and read no record. [default: type]
    #[arg(long = "by", value_name = "WHAT")]
    pub by: Vec<String>,

    /// The bucket size (by record timestamp). [default: about 30 buckets over the range]
    #[arg(long, value_name = "DURATION", value_parser = values::duration)]
    pub every: Option<Duration>,

    /// What the newest buckets are compared with: FROM..TO (e.g. 26h..25h, or two times), or before:TIME (the range up to TIME, e.g. a deploy). A window ending in the future or starting before 1970 is refused. [default: the buckets before the compared ones]
    #[arg(long, value_name = "RANGE")]
    pub baseline: Option<String>,

    /// How many of the newest buckets are compared with the baseline (a group with none in them, where the baseline had some, is 'stopped').
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..))]
    pub last: u64,

    /// Flag 'dropped' when the rate falls below this share of the baseline rate.
    #[arg(long, value_name = "PERCENT", default_value = "50%", value_parser = drop_share)]
    pub drop: f64,

    /// Flag 'spiked' when the rate rises above this share of the baseline rate.
    #[arg(long, value_name = "PERCENT", default_value = "300%", value_parser = spike_share)]
    pub spike: f64,

    /// Judge a group only when the baseline predicts at least N records in the compared buckets, or they hold at least N (rare types do not flap).
    #[arg(long, value_name = "N", default_value_t = 5)]
    pub min_count: u64,

    /// Keep at most N groups apart; the records of any group past them are counted together as one group, (other), with a warning (every group keeps counters for every bucket).
    #[arg(long, value_name = "N", default_value_t = 100_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_groups: u64,

    /// Count a seeded sample of each record with this probability, scaled back (estimates, with a 95% error bound in JSON).
    #[arg(long, value_name = "RATE", value_parser = fraction)]
    pub sample_rate: Option<f64>,

    /// The seed of --sample-rate.
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub seed: u64,

    /// Output format. [default: table on a terminal, json otherwise]
    #[arg(
        short = 'f',
        long = "format",
        value_enum,
        value_name = "FORMAT",
        help_heading = "Output"
    )]
    pub format: Option<StatsFormat>,

    /// Keep going: every --every, read the bucket that just ended and show it (the table redrawn on a terminal, else one JSON line per bucket) until Ctrl-C.
    #[arg(long)]
    pub watch: bool,

    /// How to read keys (for --key and the jq view): auto | string | json | int32 | int64 | hex | base64.
    #[arg(long, value_name = "FORMAT", default_value = "auto", value_parser = values::codec_format, help_heading = "Output")]
    pub key_format: Encoding,

    /// How to read values (for the jq view): auto | string | json | int32 | int64 | hex | base64.
    #[arg(long, value_name = "FORMAT", default_value = "auto", value_parser = values::codec_format, help_heading = "Output")]
    pub value_format: Encoding,

    #[command(flatten)]
    pub read: ReadArgs,

    #[command(flatten)]
    pub filter: FilterArgs,
}

fn percent(s: &str) -> Result<f64, String> {
    s.strip_suffix('%')
        .unwrap_or(s)
        .parse::<f64>()
        .ok()
        .filter(|p| p.is_finite() && *p >= 0.0)
        .map(|p| p / 100.0)
        .ok_or_else(|| format!("'{s}' is not a percentage, e.g. 50%"))
}

/// `--drop`: above 0% and at most 100% (a share past the baseline would flag steady groups).
fn drop_share(s: &str) -> Result<f64, String> {
    let p = percent(s)?;
    if p > 0.0 && p <= 1.0 {
        Ok(p)
    } else {
        Err(format!("'{s}' would flag every group or none: a drop is below a share above 0% and at most 100% of the baseline, e.g. 50%"))
    }
}

/// `--spike`: at least 100% (a share below the baseline would flag steady groups).
fn spike_share(s: &str) -> Result<f64, String> {
    let p = percent(s)?;
    if p >= 1.0 {
        Ok(p)
    } else {
        Err(format!("'{s}' would flag steady groups: a spike is above a share of at least 100% of the baseline, e.g. 300%"))
    }
}

fn fraction(s: &str) -> Result<f64, String> {
    s.parse::<f64>()
        .ok()
        .filter(|r| *r > 0.0 && *r <= 1.0)
        .ok_or_else(|| format!("'{s}' is not a rate: a number above 0 and at most 1, e.g. 0.01"))
}

/// `--baseline FROM..TO` or `before:TIME`.
pub fn baseline(s: &str, now_ms: i64) -> Result<Baseline, String> {
    let time = |t: &str| {
        crate::position::parse_time(t.trim(), now_ms).ok_or_else(|| {
            format!(
                "--baseline: '{t}' is not a time: @<ms>, an RFC 3339 time, or a duration ago (26h)"
            )
        })
    };
    let b = if let Some(t) = s.strip_prefix("before:") {
        Baseline {
            from_ms: None,
            to_ms: time(t)?,
        }
    } else {
        let (from, to) = s.split_once("..").ok_or_else(|| {
            format!("--baseline '{s}': write FROM..TO (e.g. 26h..25h) or before:TIME")
        })?;
        let (from_ms, to_ms) = (time(from)?, time(to)?);
        if from_ms >= to_ms {
            return Err(format!("--baseline '{s}': FROM must be before TO"));
        }
        Baseline {
            from_ms: Some(from_ms),
            to_ms,
        }
    };
    // No record can lie there: rates spread over such a window would be near zero, and every
    // group would look spiked.
    if b.to_ms > now_ms {
        return Err(format!(
            "--baseline '{s}': it ends in the future ({}); a baseline is a past window, e.g. 26h..25h or before:TIME",
            crate::position::format_millis(b.to_ms)
        ));
    }
    if b.from_ms.unwrap_or(b.to_ms) < 0 {
        return Err(format!(
            "--baseline '{s}': it starts before 1970-01-01, where no record can be; give a window the records fall in, e.g. 26h..25h"
        ));
    }
    Ok(b)
}

/// The default range of topics when no --since is given.
const DEFAULT_SINCE_MS: i64 = 3_600_000;

impl StatsArgs {
    pub fn config(self, ctx: &super::context::Context) -> anyhow::Result<Config> {
        let (g, term) = (&ctx.global, ctx.term);
        let (sources, expr) = self.positional.split();
        if let [only] = &sources[..] {
            if expr.is_none() && super::common::looks_like_expression(only) {
                return Err(Error::Usage(format!(
                    "'{only}' looks like an expression, but no source was given before it"
                ))
                .into());
            }
        }
        self.read.refuse_group("stats")?;
        if matches!(self.key_format, Encoding::Avro) || matches!(self.value_format, Encoding::Avro)
        {
            return Err(Error::Usage(
                "stats does not decode avro yet: --by type reads JSON envelopes".into(),
            )
            .into());
        }
        if self.key_format.is_protobuf() || self.value_format.is_protobuf() {
            return Err(Error::Usage(
                "stats does not decode protobuf yet: --by type reads JSON envelopes".into(),
            )
            .into());
        }
        let now_ms = crate::position::now_millis();
        let sources = super::common::specs(&sources)?;
        let topics = sources.iter().any(|s| matches!(s, SourceSpec::Topic(_)));
        let from = match self.read.from.as_ref().map(|g| g.value) {
            None if topics => Some(Start::Time(now_ms - DEFAULT_SINCE_MS)),
            other => other,
        };
        if self.watch && !matches!(from, Some(Start::Time(_))) {
            return Err(Error::Usage(
                "--watch needs a time range: --since DURATION or TIME".into(),
            )
            .into());
        }
        let by = if self.by.is_empty() {
            vec![By::Type]
        } else {
            self.by
                .iter()
                .map(|b| By::parse(b))
                .collect::<Result<_, _>>()
                .map_err(Error::Usage)?
        };
        let every_ms = self.every.map(|d| d.as_millis() as i64);
        if every_ms == Some(0) {
            return Err(Error::Usage("--every must be longer than 0".into()).into());
        }
        let baseline = self
            .baseline
            .as_deref()
            .map(|b| baseline(b, now_ms))
            .transpose()
            .map_err(Error::Usage)?;
        let spec = self.filter.spec(self.key_format, expr.as_deref())?;
        let type_path = &self.filter.cond.type_path;
        let output = match self.format {
            Some(StatsFormat::Table) => Output::Table,
            Some(StatsFormat::Json) => Output::Json,
            Some(StatsFormat::Csv) => Output::Csv,
            Some(StatsFormat::Prometheus) => Output::Prometheus,
            None if term.stdout => Output::Table,
            None => Output::Json,
        };
        let kafka = if topics { ctx.kafka()? } else { None };
        let max = self.read.max;
        let mut read = self.read.read(sources, kafka);
        read.from = from;
        read.key_route = self.filter.key_route(self.key_format)?;
        read.infer_route = self.filter.key.partitioner.auto;
        read.now_ms = now_ms;
        Ok(Config {
            read,
            filter: spec,
            by,
            envelope: Envelope {
                type_paths: (!type_path.is_empty()).then(|| type_path.clone()),
                id_paths: None,
                mentions: false,
            },
            codecs: crate::codec::Codecs::new(self.key_format, self.value_format),
            every_ms,
            baseline,
            rules: Rules {
                drop: self.drop,
                spike: self.spike,
                last: self.last as usize,
                min_count: self.min_count,
            },
            sample: self.sample_rate.map(|r| (r, self.seed)),
            output,
            watch: self.watch,
            max_groups: usize::try_from(self.max_groups).unwrap_or(usize::MAX),
            max,
            quiet: g.quiet,
            verbose: g.verbose,
            terminal: term,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_763_892_000_000;
    const H: i64 = 3_600_000;

    #[test]
    fn baselines_are_windows_or_everything_before_a_time() {
        assert_eq!(
            baseline("26h..25h", NOW),
            Ok(Baseline {
                from_ms: Some(NOW - 26 * H),
                to_ms: NOW - 25 * H
            })
        );
        assert_eq!(
            baseline("before:2025-11-23T09:00:00Z", NOW),
            Ok(Baseline {
                from_ms: None,
                to_ms: NOW - H
            })
        );
        assert!(baseline("25h..26h", NOW).is_err());
        assert!(baseline("1h..0s", NOW).is_ok());
        assert!(baseline("yesterday", NOW).is_err());
    }

    #[test]
    fn a_baseline_in_the_future_or_before_1970_is_refused_naming_the_flag() {
        for b in [
            "before:2100-01-01T00:00:00Z",
            "1h..2100-01-01T00:00:00Z",
            "99999999999h..0s",
            "before:1960-01-01T00:00:00Z",
            "@-5..@10",
        ] {
            let why = baseline(b, NOW).unwrap_err();
            assert!(
                why.starts_with(&format!("--baseline '{b}': it ")),
                "{b}: {why}"
            );
        }
        assert!(baseline("before:@0", NOW).is_ok());
    }

    #[test]
    fn percentages_are_shares() {
        assert_eq!(percent("50%"), Ok(0.5));
        assert_eq!(percent("300"), Ok(3.0));
        assert!(percent("-5%").is_err());
        assert_eq!(drop_share("100%"), Ok(1.0));
        for bad in ["0", "0%", "101%", "1e99"] {
            assert!(drop_share(bad).is_err(), "{bad}");
        }
        assert_eq!(spike_share("100%"), Ok(1.0));
        assert_eq!(spike_share("1e9"), Ok(1e7));
        for bad in ["0", "5", "99.9%"] {
            assert!(spike_share(bad).is_err(), "{bad}");
        }
    }
}

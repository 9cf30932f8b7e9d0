//! `evops sample`: a fair sample of what a filter keeps: by rate, consistently by key, a
//! uniform reservoir of N, N per stratum (a jq expression such as the event type), or N per
//! time window. Sampling comes after filtering (and after the time-ordered merge, if asked);
//! the output goes through the same printers and sinks as `filter`.

use crate::exit::Exit;
use crate::sample::{Mode, Sampler};

/// A filter job and how to sample what it keeps.
pub struct Config {
    pub job: super::filter::Config,
    pub mode: Mode,
    pub seed: u64,
}

pub fn run(cfg: Config) -> anyhow::Result<Exit> {
    if cfg.job.read.group.is_some() && !matches!(cfg.mode, Mode::Rate(_) | Mode::RateByKey(_)) {
        return Err(crate::error::Error::Usage(
            "--group commits what was read; --count, --per and --every hold records until the end, which a crash would then skip: sample by --rate, or without --group".into(),
        )
        .into());
    }
    let mut sampler = Sampler::new(cfg.mode, cfg.seed);
    let exit = super::filter::run_with(cfg.job, Some(&mut sampler))?;
    if sampler.late() > 0 {
        crate::say!(
            "evops sample: {} records arrived after their time window had been sampled and were left out",
            sampler.late()
        );
    }
    Ok(exit)
}

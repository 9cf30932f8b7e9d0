//! `evops sample`: a fair sample of what a filter keeps: by rate, consistently by key, a
//! uniform reservoir of N, N per stratum (a jq expression such as the event type), or N per
//! time window. Sampling comes after filtering (and after the time-ordered merge, if asked);
//! the output goes through the same printers and sinks as `filter`.

use crate::exit::Exit;
use crate::stage::sample::{Mode, Sampler};

/// A filter job and how to sample what it keeps. With `--group`, only the rate modes (`cli/`
/// refuses the others: they hold records until the end, which a commit would then skip).
pub struct Config {
    pub job: super::filter::Config,
    pub mode: Mode,
    pub seed: u64,
}

pub fn run(cfg: Config) -> anyhow::Result<Exit> {
    let mut sampler = Sampler::new(cfg.mode, cfg.seed);
    let quiet = cfg.job.quiet;
    let exit = super::filter::run_with(cfg.job, Some(&mut sampler))?;
    if sampler.late() > 0 && !quiet {
        crate::say!(
            "evops sample: {} records arrived after their time window had been sampled and were left out",
            sampler.late()
        );
    }
    Ok(exit)
}

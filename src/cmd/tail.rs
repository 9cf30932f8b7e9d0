//! `evops tail`: read records from topics, capture files or stdin, and print them: the filter
//! job with tail's defaults (topics start at the end and are followed; no "nothing matched"
//! finding). Reads never join or commit to a consumer group unless `--group` is given. Bounded
//! reads (`-e`, `--until`) show progress on a terminal; Ctrl-C stops cleanly with a summary.

use crate::exit::Exit;

/// `tail` is a filter job; see [`super::filter::Config`].
pub fn run(cfg: super::filter::Config) -> anyhow::Result<Exit> {
    super::filter::run(cfg)
}

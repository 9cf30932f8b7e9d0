//! `evops trace ID...`: everything that happened to an entity, across topics, as a story: the
//! records whose key is the id or whose envelope mentions it (`data.id`, `data.attributes.id`
//! and every `*_id` / `*Id` attribute; CloudEvents `id`, `subject` and `data.*_id`), merged into
//! time order. It is the filter job with those conditions; it exits 1 when nothing mentions
//! the id.

use crate::exit::Exit;
use crate::filter::envelope::Envelope;

/// The ids to follow, and the filter job to follow them in.
pub struct Config {
    pub ids: Vec<String>,
    pub job: super::filter::Config,
}

pub fn run(cfg: Config) -> anyhow::Result<Exit> {
    let mut job = cfg.job;
    job.filter.ids = cfg.ids;
    job.filter.id_in_key = true;
    let given = job.filter.envelope.take();
    job.filter.envelope = Some(Envelope {
        mentions: true,
        ..given.unwrap_or(Envelope {
            type_paths: None,
            id_paths: None,
            mentions: true,
        })
    });
    job.ordered
        .get_or_insert(crate::stage::merge::DEFAULT_LIMIT);
    job.nothing_is_a_finding = true;
    super::filter::run(job)
}

//! `evops rekey`: a replay whose records get new keys, from a jq expression or a template over
//! each record, placed by a partitioner; the target can be created with more partitions (the
//! compacted topic that has too few). Everything else — filters, checkpoints, groups, dry runs,
//! rates, dead letters, the summary — is the replay's (see [`super::replay`]); the key stage
//! and its checks are [`crate::stage::rekey`].

use crate::exit::Exit;
use crate::partition::Partitioner;
use crate::stage::rekey::{KeySource, NewKey, Rekey};

/// A replay and how to make its new keys.
pub struct Config {
    /// The replay, placed by `partitioner`.
    pub replay: super::replay::Config,
    pub key: KeySource,
    /// How keys and values are read for the key expression.
    pub view: crate::codec::Codecs,
    /// How the new key is written: string, json, int32, int64, or framed Protobuf.
    pub key_format: NewKey,
    pub partitioner: &'static Partitioner,
}

pub fn run(cfg: Config) -> anyhow::Result<Exit> {
    let mut replay = cfg.replay;
    // The target's partition count is set when the replay knows the target.
    replay.before = Some(Box::new(Rekey::new(
        cfg.key,
        cfg.view,
        cfg.key_format,
        cfg.partitioner,
        replay.create_partitions.unwrap_or(0),
    )));
    super::replay::run(replay)
}

//! Stages: one file per step a record may go through between source and sink, each a
//! [`crate::pipeline::Stage`]: [`filter`], the time-ordered [`merge`], [`sample`], the replay's
//! guard, provenance stamp and rate ([`replay`]), and [`rekey`]. What a stage uses but does not
//! own stays in its concept's folder, pure: the filter's conditions and envelope paths in
//! [`crate::filter`], expressions in [`crate::expr`], provenance, replay ids and checkpoints in
//! [`crate::replay`], the documented sampling hash in [`crate::sample`]. (The partition audit
//! and the schema validator look at every record and keep nothing going on: they are sinks of
//! their subcommands, `cmd::partition_audit` and `cmd::schema_validate`.)

pub mod filter;
pub mod merge;
pub mod rekey;
pub mod replay;
pub mod sample;

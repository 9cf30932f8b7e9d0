//! Stages: one file per step a record may go through between source and sink, each a
//! [`crate::pipeline::Stage`]: [`filter`], the time-ordered [`merge`], [`sample`], the replay's
//! guard, provenance stamp and rate ([`replay`]), [`rekey`], the partition [`audit`] and the
//! schema check ([`validate`]). What a stage uses but does not own stays in its concept's
//! folder, pure: the filter's conditions and envelope paths in [`crate::filter`], expressions in
//! [`crate::expr`], provenance, replay ids and checkpoints in [`crate::replay`], the documented
//! sampling hash in [`crate::sample`], the audit's hashes and counters in
//! [`crate::partition::audit`], the schema checks, lint rules and the validation summary in
//! [`crate::schema`].

pub mod audit;
pub mod filter;
pub mod merge;
pub mod rekey;
pub mod replay;
pub mod sample;
pub mod validate;

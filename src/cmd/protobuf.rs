//! What the `protobuf` key and value format decodes with, built once at the edge from plain
//! settings: the local schemas (`--proto-file` with `--proto-import-path`, `--protoset`), the
//! message types of bare keys and values (`--proto-type`, `--key-proto-type`,
//! `--value-proto-type`), and the registry's schemas for Confluent-framed payloads
//! ([`crate::endpoint::registry::ProtobufLookup`]).

use std::path::PathBuf;
use std::sync::Arc;

use crate::codec::protobuf::{Files, JsonOptions, KeyWriter, ProtobufCodec};
use crate::endpoint::registry::{ProtobufLookup, Registry};
use crate::schema::protobuf::{self, DescriptorPool};

/// The Protobuf settings of a read, as the command line gave them.
#[derive(Debug, Clone, Default)]
pub struct ProtoConfig {
    pub files: Vec<PathBuf>,
    pub imports: Vec<PathBuf>,
    pub protoset: Option<PathBuf>,
    /// The type of bare keys, and of bare values.
    pub key_type: Option<String>,
    pub value_type: Option<String>,
    pub json: JsonOptions,
}

impl ProtoConfig {
    /// Whether any local schema was given.
    pub fn has_local(&self) -> bool {
        !self.files.is_empty() || self.protoset.is_some()
    }
}

/// The registry's schemas of framed payloads, asked for once per id.
pub fn registry_files(registry: Registry) -> Arc<dyn Files> {
    Arc::new(ProtobufLookup::new(registry))
}

/// The key and value codecs (`None` for a side that is not `protobuf`); `registry` holds the
/// schemas of framed payloads.
pub fn codecs(
    cfg: &ProtoConfig,
    registry: Option<Arc<dyn Files>>,
    key: bool,
    value: bool,
) -> anyhow::Result<(Option<ProtobufCodec>, Option<ProtobufCodec>)> {
    let pool = local_pool(cfg)?;
    let side = |wanted: bool, ty: &Option<String>, flag: &str| -> anyhow::Result<_> {
        if !wanted {
            return Ok(None);
        }
        let bare = match (ty, &pool) {
            (Some(t), Some(pool)) => {
                Some(protobuf::message(pool, t).map_err(|e| anyhow::anyhow!("{flag}: {e}"))?)
            }
            (Some(_), None) => anyhow::bail!("{flag} needs --proto-file FILE or --protoset FILE"),
            (None, _) => None,
        };
        if bare.is_none() && registry.is_none() {
            return Err(crate::error::Error::Usage(format!(
                "protobuf decoding needs --registry URL (Confluent-framed payloads) or {flag} NAME with --proto-file/--protoset (bare messages)"
            ))
            .into());
        }
        Ok(Some(ProtobufCodec {
            registry: registry.clone(),
            bare,
            json: cfg.json,
            plans: crate::schema::protobuf::direct::PlanCache::default(),
        }))
    };
    Ok((
        side(key, &cfg.key_type, "--key-proto-type")?,
        side(value, &cfg.value_type, "--proto-type")?,
    ))
}

/// The pool of `--proto-file`s and the `--protoset`, if either was given.
pub fn local_pool(cfg: &ProtoConfig) -> anyhow::Result<Option<DescriptorPool>> {
    let mut pool = if cfg.files.is_empty() {
        None
    } else {
        Some(
            protobuf::pool::from_files(&cfg.files, &cfg.imports)
                .map_err(|e| anyhow::anyhow!("--proto-file: {e}"))?,
        )
    };
    if let Some(p) = &cfg.protoset {
        let bytes = crate::endpoint::file::read_whole(p, crate::endpoint::file::SMALL_FILE)
            .map_err(|e| anyhow::anyhow!("--protoset {}: {e}", p.display()))?;
        let set = protobuf::pool::from_protoset(&bytes)
            .map_err(|e| anyhow::anyhow!("--protoset {}: {e}", p.display()))?;
        pool = Some(match pool {
            None => set,
            Some(mut files) => {
                for f in set.files() {
                    if files.get_file_by_name(f.name()).is_none() {
                        files
                            .add_file_descriptor_proto(f.file_descriptor_proto().clone())
                            .map_err(|e| anyhow::anyhow!("--protoset {}: {e}", p.display()))?;
                    }
                }
                files
            }
        });
    }
    Ok(pool)
}

/// How rekey writes Protobuf keys: the latest schema of `subject` (its references resolved),
/// and in it the message type `type_name` (full or unambiguous short name), or its first one.
pub fn key_writer(
    registry: &Registry,
    subject: &str,
    type_name: Option<&str>,
) -> anyhow::Result<KeyWriter> {
    let reg = registry
        .latest(subject)
        .map_err(|e| anyhow::anyhow!("the key schema: {e} (register the key schema first)"))?;
    let file = crate::endpoint::registry::compile_protobuf(registry, &reg)
        .map_err(|e| anyhow::anyhow!("the key schema (subject '{subject}', id {}): {e}", reg.id))?;
    let message = match type_name {
        Some(name) => protobuf::message(file.parent_pool(), name)
            .map_err(|e| anyhow::anyhow!("--key-proto-type: {e}"))?,
        None => file.messages().next().ok_or_else(|| {
            anyhow::anyhow!("the key schema (subject '{subject}') defines no message type")
        })?,
    };
    Ok(KeyWriter {
        id: reg.id,
        message,
    })
}

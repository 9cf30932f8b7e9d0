//! The Protobuf options (`--proto-file`, `--proto-import-path`, `--protoset`, `--proto-type`,
//! `--key-proto-type`, `--value-proto-type`, `--proto-field-names`), one group flattened into
//! every command that reads keys or values, and their conversion into
//! [`crate::cmd::protobuf::ProtoConfig`].

use std::path::PathBuf;

use clap::Args;

use crate::cmd::protobuf::ProtoConfig;
use crate::codec::protobuf::JsonOptions;

/// Where Protobuf schemas come from when they are not (only) in the registry.
#[derive(Debug, Args, Default, Clone)]
#[command(next_help_heading = "Protobuf")]
pub struct ProtoArgs {
    /// A .proto file whose message types bare (unframed) Protobuf payloads use (repeatable); compiled in process, no protoc needed.
    #[arg(long = "proto-file", value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Where the .proto files' imports are found (repeatable; each file's own directory is searched too; the well-known google/protobuf/*.proto types are built in).
    #[arg(long = "proto-import-path", value_name = "DIR")]
    pub imports: Vec<PathBuf>,

    /// A compiled FileDescriptorSet (protoc --include_imports --descriptor_set_out, buf build -o) instead of or beside --proto-file.
    #[arg(long, value_name = "FILE")]
    pub protoset: Option<PathBuf>,

    /// The message type of bare Protobuf values (and keys, unless --key-proto-type): a full name (shop.Payment) or an unambiguous short one.
    #[arg(
        long = "proto-type",
        visible_alias = "value-proto-type",
        value_name = "NAME"
    )]
    pub proto_type: Option<String>,

    /// The message type of bare Protobuf keys, when it is not --proto-type's.
    #[arg(long = "key-proto-type", value_name = "NAME")]
    pub key_proto_type: Option<String>,

    /// Write Protobuf fields under their .proto names (payment_id) instead of the JSON mapping's lowerCamelCase (paymentId).
    #[arg(long = "proto-field-names")]
    pub proto_field_names: bool,
}

impl ProtoArgs {
    pub fn config(&self) -> ProtoConfig {
        ProtoConfig {
            files: self.files.clone(),
            imports: self.imports.clone(),
            protoset: self.protoset.clone(),
            key_type: self
                .key_proto_type
                .clone()
                .or_else(|| self.proto_type.clone()),
            value_type: self.proto_type.clone(),
            json: JsonOptions {
                proto_names: self.proto_field_names,
            },
        }
    }
}

/// schema-validate's Protobuf contract: the `--proto-type` of `--proto-file`/`--protoset`.
pub fn contract(
    a: &ProtoArgs,
) -> anyhow::Result<Option<std::sync::Arc<crate::schema::catalog::Schema>>> {
    use crate::error::Error;
    use crate::schema::catalog::{Body, Schema};
    use crate::schema::protobuf::{message, ProtoSchema};
    let cfg = a.config();
    let Some(pool) = crate::cmd::protobuf::local_pool(&cfg)? else {
        if cfg.value_type.is_some() {
            return Err(Error::Usage(
                "--proto-type needs --proto-file FILE or --protoset FILE".into(),
            )
            .into());
        }
        return Ok(None);
    };
    let Some(name) = &cfg.value_type else {
        return Err(Error::Usage(
            "--proto-file/--protoset need --proto-type NAME: the message type events are checked against".into(),
        )
        .into());
    };
    let m = message(&pool, name).map_err(|e| anyhow::anyhow!("--proto-type: {e}"))?;
    let origin = cfg
        .files
        .iter()
        .chain(cfg.protoset.iter())
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    Ok(Some(std::sync::Arc::new(Schema {
        name: m.full_name().to_owned(),
        origin,
        body: Body::Protobuf(ProtoSchema::Message(m)),
    })))
}

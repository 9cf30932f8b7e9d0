//! What every subcommand's conversion starts from: the global options, where stdout and stderr
//! go, and the config file, read once when something first needs it (commands on files need
//! no profile, and a broken config file does not stop them). From these come the settings
//! shared by many subcommands: the Kafka settings, the schema registry client, the codecs and
//! the printer options.

use std::cell::OnceCell;
use std::sync::Arc;

use crate::cmd::Terminal;
use crate::codec::{Codecs, Encoding};
use crate::config::{self, Profile};
use crate::endpoint::kafka::Settings;
use crate::endpoint::registry::{AvroLookup, Registry, RegistryConfig};
use crate::error::Error;
use crate::print::{self, OutputFormat};

use super::common::OutputArgs;
use super::protobuf::ProtoArgs;
use super::schema::RegistryArgs;
use super::{ColorWhen, Global};

/// The global options and what is derived from them once.
pub struct Context {
    pub global: Global,
    pub term: Terminal,
    file: OnceCell<config::File>,
}

impl Context {
    pub fn new(global: Global) -> Context {
        Context {
            global,
            term: Terminal::detect(),
            file: OnceCell::new(),
        }
    }

    /// How endpoints' notices are shown: details with `-v`, nothing but errors with `-q`.
    pub fn voice(&self) -> crate::endpoint::Notify {
        print::voice(self.global.quiet, self.global.verbose)
    }

    /// `-q`: nothing on stderr but errors.
    pub fn quiet(&self) -> bool {
        self.global.quiet
    }

    /// The profile named by `--profile` (or the file's default), from the file read once.
    fn profile(&self) -> anyhow::Result<Option<Profile>> {
        let file = match self.file.get() {
            Some(f) => f,
            None => {
                let loaded = config::load(self.global.config.as_deref())?;
                self.file.get_or_init(|| loaded)
            }
        };
        Ok(file.profile(self.global.profile.as_deref())?)
    }

    /// Kafka settings from the flags, the environment and the profile; `None` when no brokers
    /// are configured anywhere (commands on files need none).
    pub fn kafka(&self) -> anyhow::Result<Option<Settings>> {
        let g = &self.global;
        let profile = self.profile()?.unwrap_or_default();
        let mut properties: Vec<(String, String)> = profile.properties.into_iter().collect();
        properties.extend(g.property.iter().cloned());
        // `-X bootstrap.servers=...` is what librdkafka uses (properties are set last), so it
        // is what messages name too; an error once named the -b address it overrode.
        let given = properties
            .iter()
            .rev()
            .find(|(k, _)| k == "bootstrap.servers" || k == "metadata.broker.list")
            .map(|(_, v)| v.clone());
        let named = g.brokers.clone().or(profile.brokers.clone());
        let Some(brokers) = (match named {
            Some(b) if b == "embedded" => Some(b),
            named => given.or(named),
        }) else {
            return Ok(None);
        };
        if g.verbose {
            let shown: Vec<String> = properties
                .iter()
                .map(|(k, v)| crate::endpoint::kafka::shown(k, v))
                .collect();
            crate::say!(
                "evops: brokers {brokers}; properties: [{}]",
                shown.join(", ")
            );
        }
        Ok(Some(Settings {
            brokers,
            properties,
            timeout: g.timeout,
            verbose: g.verbose,
            notify: self.voice(),
        }))
    }

    /// The schema registry client, from --registry or the profile's `schema_registry`.
    pub fn registry(&self, a: &RegistryArgs) -> anyhow::Result<Option<Registry>> {
        let profile = match (&a.registry, &a.registry_ca) {
            (Some(_), Some(_)) => None,
            _ => self.profile()?,
        };
        let url = match &a.registry {
            Some(u) => Some(u.clone()),
            None => profile.as_ref().and_then(|p| p.schema_registry.clone()),
        };
        let Some(url) = url else {
            return Ok(None);
        };
        let ca = (a.registry_ca.clone()).or_else(|| profile.and_then(|p| p.schema_registry_ca));
        let mut cfg = RegistryConfig::parse(&url, a.registry_auth.as_deref(), self.global.timeout)
            .map_err(|e| Error::Usage(format!("--registry: {e}")))?;
        if let Some(ca) = ca {
            cfg = cfg
                .with_ca_file(&ca)
                .map_err(|e| Error::Usage(format!("--registry-ca: {e}")))?;
        }
        Ok(Some(Registry::new(cfg)))
    }

    /// The codecs of a run: the key and value formats and, with `--key-format avro` or
    /// `--value-format avro`, the schemas to decode with (the registry for framed payloads,
    /// `--schema` for bare datums); and the Protobuf codecs.
    pub fn codecs(&self, o: &OutputArgs) -> anyhow::Result<Codecs> {
        self.schema_codecs(
            (o.key_format, o.value_format),
            &o.registry,
            &o.proto,
            o.avro_schema.as_deref(),
        )
    }

    /// Codecs of keys and values in these formats, with the schemas of those that need them:
    /// Protobuf's (see [`Self::protobuf_codecs`]) and Avro's (the registry for framed
    /// payloads, `avro_schema` for bare datums).
    pub fn schema_codecs(
        &self,
        (key_format, value_format): (Encoding, Encoding),
        registry: &RegistryArgs,
        proto: &ProtoArgs,
        avro_schema: Option<&std::path::Path>,
    ) -> anyhow::Result<Codecs> {
        let codecs = self.protobuf_codecs(key_format, value_format, registry, proto)?;
        if key_format != Encoding::Avro && value_format != Encoding::Avro {
            return Ok(codecs);
        }
        let registry = self.registry(registry)?;
        let bare = match avro_schema {
            None => None,
            Some(p) => {
                let text = crate::endpoint::file::read_small(p)
                    .map_err(|e| anyhow::anyhow!("--schema {}: {e}", p.display()))?;
                Some(Arc::new(
                    crate::schema::avro::AvroSchema::parse(&text, &[]).map_err(|e| {
                        anyhow::anyhow!("--schema {}: not a valid Avro schema: {e}", p.display())
                    })?,
                ))
            }
        };
        if registry.is_none() && bare.is_none() {
            return Ok(codecs); // `output` says what is missing
        }
        Ok(codecs.with_avro(Arc::new(AvroLookup::new(registry, bare))))
    }

    /// Codecs of keys and values in these formats, with the Protobuf codecs of the sides that
    /// are `protobuf` (the local schemas compiled, the registry client for framed payloads). On
    /// the embedded cluster with no `--registry`, its built-in registry serves, and `auto`
    /// reads its framed Protobuf too.
    pub fn protobuf_codecs(
        &self,
        key_format: Encoding,
        value_format: Encoding,
        registry: &RegistryArgs,
        proto: &ProtoArgs,
    ) -> anyhow::Result<Codecs> {
        let mut codecs = Codecs::new(key_format, value_format);
        if registry.registry.is_none() && self.embedded() {
            codecs = codecs.with_auto_protobuf(crate::codec::protobuf::ProtobufCodec {
                registry: Some(Arc::new(crate::demo::payments::Registry::new())),
                bare: None,
                json: proto.config().json,
                plans: crate::schema::protobuf::direct::PlanCache::default(),
            });
        }
        let (key, value) = (key_format.is_protobuf(), value_format.is_protobuf());
        if !key && !value {
            return Ok(codecs);
        }
        let registry = match self.registry(registry)? {
            Some(r) => Some(crate::cmd::protobuf::registry_files(r)),
            None if self.embedded() => Some(Arc::new(crate::demo::payments::Registry::new()) as _),
            None => None,
        };
        let (k, v) = crate::cmd::protobuf::codecs(&proto.config(), registry, key, value)?;
        Ok(codecs.with_protobuf(k, v))
    }

    /// Whether the brokers are the embedded demo cluster, whose built-in registry holds the
    /// schema of its Protobuf topic (a config file that cannot be read names no brokers here:
    /// reading it again is what reports it).
    fn embedded(&self) -> bool {
        let profile = || self.profile().ok().flatten().and_then(|p| p.brokers);
        self.global.brokers.clone().or_else(profile).as_deref() == Some("embedded")
    }

    /// How records are shown: the style asked (or the terminal's default), colour, codecs.
    pub fn output(
        &self,
        style: Option<OutputFormat>,
        codecs: Codecs,
    ) -> anyhow::Result<print::Options> {
        Self::usable(&codecs)?;
        let stdout = self.term.stdout;
        let color = match self.global.color {
            ColorWhen::Always => true,
            ColorWhen::Never => false,
            ColorWhen::Auto => stdout && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        };
        Ok(print::Options {
            style: style.unwrap_or(if stdout {
                OutputFormat::Pretty
            } else {
                OutputFormat::Json
            }),
            codecs,
            color,
            terminal: stdout,
        })
    }

    /// Refuse codecs that lack the schemas their formats need, before anything is read.
    pub fn usable(codecs: &Codecs) -> anyhow::Result<()> {
        if codecs.missing_schemas() {
            return Err(Error::Usage(
                "avro decoding needs a schema: give --schema FILE (bare datums) or --registry URL (Confluent-framed payloads)".into(),
            )
            .into());
        }
        if codecs.missing_protobuf() {
            return Err(Error::Usage(
                "protobuf decoding is not available here: tail, filter, trace, sample, replay, rekey (values), partition audit (keys) and schema-validate read protobuf".into(),
            )
            .into());
        }
        Ok(())
    }
}

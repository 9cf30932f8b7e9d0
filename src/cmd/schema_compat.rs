//! `evops schema compat OLD NEW`: whether a new schema is compatible with an old one, in
//! Confluent's modes (backward: the new schema reads the old data; forward: the old schema
//! reads the new data; full: both). Avro by the specification's schema resolution rules, JSON
//! Schema where that is decidable; the old schema can be a registry subject's latest version.
//! Exit 0 compatible, 1 incompatible (reasons on stdout), 2 when it cannot be decided.

use std::io::Write;
use std::path::PathBuf;

use serde_json::Value;

use crate::endpoint::registry::Registry;
use crate::exit::Exit;
use crate::schema::avro::AvroSchema;
use crate::schema::compat::{self, Mode};
use crate::schema::json_schema::{self, Kind};

/// Where the old schema comes from.
pub enum Old {
    File(PathBuf),
    /// A registry subject's latest version.
    Subject(String),
}

pub struct Config {
    pub old: Old,
    pub new: PathBuf,
    /// `None`: backward for files, the subject's configured level for a registry subject.
    pub mode: Option<Mode>,
    pub registry: Option<Registry>,
}

/// A schema text and what it is.
struct Text {
    origin: String,
    text: String,
    kind: Kind,
    refs: Vec<String>,
    /// A Protobuf schema, compiled with its imports (`.proto` files, PROTOBUF subjects).
    proto: Option<crate::schema::protobuf::FileDescriptor>,
}

fn from_file(p: &std::path::Path) -> anyhow::Result<Text> {
    let text = crate::endpoint::file::read_small(p)
        .map_err(|e| anyhow::anyhow!("cannot read schema {}: {e}", p.display()))?;
    if p.extension().is_some_and(|e| e == "proto") {
        let file = crate::schema::protobuf::pool::root_file(p, &[])
            .map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?;
        return Ok(Text {
            origin: p.display().to_string(),
            text,
            kind: Kind::Unknown,
            refs: Vec::new(),
            proto: Some(file),
        });
    }
    let doc: Value = serde_json::from_str(&text)
        .map_err(|e| anyhow::anyhow!("{}: not a JSON document ({e})", p.display()))?;
    let kind = if p.extension().is_some_and(|e| e == "avsc") {
        Kind::Avro
    } else {
        json_schema::kind_of(&doc)
    };
    Ok(Text {
        origin: p.display().to_string(),
        text,
        kind,
        refs: Vec::new(),
        proto: None,
    })
}

/// A registry version as a schema text.
fn from_registry(
    registry: &Registry,
    subject: &str,
    reg: &crate::endpoint::registry::RegisteredSchema,
) -> anyhow::Result<Text> {
    let origin = format!(
        "{subject} version {} (id {})",
        reg.version.unwrap_or(0),
        reg.id
    );
    if reg.schema_type == "PROTOBUF" {
        let file = crate::endpoint::registry::compile_protobuf(registry, reg)
            .map_err(|e| anyhow::anyhow!("{origin}: {e}"))?;
        return Ok(Text {
            origin,
            text: reg.schema.clone(),
            kind: Kind::Unknown,
            refs: Vec::new(),
            proto: Some(file),
        });
    }
    let refs = registry
        .references(reg)
        .map_err(|e| anyhow::anyhow!("schema registry: {e}"))?;
    let kind = match reg.schema_type.as_str() {
        "JSON" => Kind::JsonSchema,
        "AVRO" | "" => Kind::Avro,
        other => anyhow::bail!("subject {subject}: {other} schemas are not supported"),
    };
    Ok(Text {
        origin,
        text: reg.schema.clone(),
        kind,
        refs,
        proto: None,
    })
}

/// A registry compatibility level: the mode, and whether every earlier version counts
/// (`*_TRANSITIVE`); `None` for `NONE`.
fn level(text: &str) -> anyhow::Result<Option<(Mode, bool)>> {
    let t = text.to_ascii_uppercase();
    if t == "NONE" {
        return Ok(None);
    }
    let (base, transitive) = match t.strip_suffix("_TRANSITIVE") {
        Some(b) => (b, true),
        None => (t.as_str(), false),
    };
    Mode::parse(&base.to_ascii_lowercase())
        .map(|m| Some((m, transitive)))
        .ok_or_else(|| {
            anyhow::anyhow!("the registry's compatibility level '{text}' is not one evops knows")
        })
}

pub fn run(cfg: Config) -> anyhow::Result<Exit> {
    let new = from_file(&cfg.new)?;
    // The old schemas: a file, or the subject's latest version (every version for a
    // transitive level), in the given mode or the subject's configured level.
    let (olds, mode, how) = match &cfg.old {
        Old::File(p) => (
            vec![from_file(p)?],
            cfg.mode.unwrap_or(Mode::Backward),
            String::new(),
        ),
        Old::Subject(subject) => {
            let registry = cfg.registry.as_ref().ok_or_else(|| {
                anyhow::anyhow!("--subject needs --registry (or a profile's schema_registry)")
            })?;
            let registry_err = |e| anyhow::anyhow!("schema registry: {e}");
            let (mode, transitive, how) = match cfg.mode {
                Some(m) => (m, false, String::new()),
                None => {
                    let text = registry
                        .compatibility_level(subject)
                        .map_err(registry_err)?;
                    match level(&text)? {
                        Some((m, t)) => (m, t, format!(", the level of {subject}: {text}")),
                        None => {
                            let mut out = std::io::stdout().lock();
                            writeln!(
                                out,
                                "compatible: {subject}'s compatibility level is NONE (nothing is checked)"
                            )?;
                            return Ok(Exit::Ok);
                        }
                    }
                }
            };
            let mut olds = Vec::new();
            if transitive {
                for v in registry.versions(subject).map_err(registry_err)? {
                    let reg = registry.version(subject, v).map_err(registry_err)?;
                    olds.push(from_registry(registry, subject, &reg)?);
                }
            } else {
                let reg = registry.latest(subject).map_err(registry_err)?;
                olds.push(from_registry(registry, subject, &reg)?);
            }
            (olds, mode, how)
        }
    };
    let mut reasons = Vec::new();
    for old in &olds {
        let found = check(old, &new, mode)?;
        let prefix = if olds.len() > 1 {
            format!("against {}: ", old.origin)
        } else {
            String::new()
        };
        reasons.extend(found.into_iter().map(|r| format!("{prefix}{r}")));
    }
    let verdict = if reasons.is_empty() {
        "compatible"
    } else {
        "incompatible"
    };
    let old_names: Vec<&str> = olds.iter().map(|o| o.origin.as_str()).collect();
    let mut text = format!(
        "{verdict} ({}{how}): {} → {}\n",
        mode_name(mode),
        old_names.join(", "),
        new.origin
    );
    for r in &reasons {
        text.push_str(&format!("  {r}\n"));
    }
    // A closed stdout is an io error the edge turns into exit 0, not a panic.
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(if reasons.is_empty() {
        Exit::Ok
    } else {
        Exit::Findings
    })
}

/// The reasons `new` is not compatible with `old` in `mode` (none: it is).
fn check(old: &Text, new: &Text, mode: Mode) -> anyhow::Result<Vec<String>> {
    match (&old.proto, &new.proto) {
        (Some(o), Some(n)) => {
            return crate::schema::protobuf::compat::protobuf(o, n, mode).map_err(|why| {
                anyhow::anyhow!(
                    "cannot decide whether {} is {} compatible with {}: {why}",
                    new.origin,
                    mode_name(mode),
                    old.origin
                )
            })
        }
        (None, None) => {}
        _ => anyhow::bail!(
            "{} and {} are different kinds of schema (one Protobuf)",
            old.origin,
            new.origin
        ),
    }
    Ok(match (old.kind, new.kind) {
        (Kind::Avro, Kind::Avro) => {
            // The new schema may name the types the old one's references define.
            let refs: Vec<&str> = old.refs.iter().map(String::as_str).collect();
            let o = AvroSchema::parse(&old.text, &refs)
                .map_err(|e| anyhow::anyhow!("{}: not a valid Avro schema: {e}", old.origin))?;
            let n = AvroSchema::parse(&new.text, &refs)
                .map_err(|e| anyhow::anyhow!("{}: not a valid Avro schema: {e}", new.origin))?;
            compat::avro(&o, &n, mode)
        }
        (Kind::JsonSchema, Kind::JsonSchema) => {
            let o: Value = serde_json::from_str(&old.text)?;
            let n: Value = serde_json::from_str(&new.text)?;
            compat::json_schema(&o, &n, mode).map_err(|why| {
                anyhow::anyhow!(
                    "cannot decide whether {} is {} compatible with {}: {why}",
                    new.origin,
                    mode_name(mode),
                    old.origin
                )
            })?
        }
        (Kind::Unknown, _) => anyhow::bail!("{}: neither Avro nor JSON Schema", old.origin),
        (_, Kind::Unknown) => anyhow::bail!("{}: neither Avro nor JSON Schema", new.origin),
        _ => anyhow::bail!(
            "{} and {} are different kinds of schema (one Avro, one JSON Schema)",
            old.origin,
            new.origin
        ),
    })
}

fn mode_name(m: Mode) -> &'static str {
    match m {
        Mode::Backward => "backward",
        Mode::Forward => "forward",
        Mode::Full => "full",
    }
}

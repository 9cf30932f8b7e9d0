//! `evops replay` and `evops rekey` arguments, their conversion into [`cmd::replay::Config`]
//! and [`cmd::rekey::Config`], and what makes two runs the same replay.

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::common::{self, ConditionArgs, ReadArgs, Records};
use super::context::Context;
use super::filter::split_expression;
use super::values;
use crate::cmd;
use crate::endpoint::kafka::sink::Placement;
use crate::endpoint::SourceSpec;
use crate::error::Error;

pub const EXAMPLES: &str = "\
Examples:
  evops replay orders --since 2026-11-23T09:00:00Z --until 2026-11-23T10:00:00Z --to orders-staging --dry-run
  evops replay orders --since 3h --to orders-reprocess --checkpoint ./incident.ckpt   # kill it, run it again: resumes
  evops replay orders.dlq --to orders --type order_placed --rate 200/s
  evops replay ./incident.ndjson --to orders-staging --timestamp now
  evops replay users --to users-v2 --partitioning hash --partitioner java --checkpoint users.ckpt
  evops replay orders --from beginning --to orders-rebuild --group replay-rebuild   # run it on several machines

Exit codes: 0 everything written, 1 records failed (see the dead-letter file) or the replay was declined, 2 error, 130 interrupted (run it again to resume).";

pub const REKEY_EXAMPLES: &str = "\
Examples:
  evops rekey users --to users-by-email --key .value.data.attributes.email --create-topic --partitions 24
  evops rekey orders --to orders-by-customer --key .value.data.attributes.customer_id --key-format int64
  evops rekey orders --to orders-by-tenant --key-template '{value.meta.tenant}:{key}' --checkpoint rk.ckpt
  evops --profile prod rekey payments-pb --to payments-by-order --value-format protobuf --key .value.data.attributes.order_id --key-format protobuf";

/// Where the target partition comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Partitioning {
    /// The record's own partition (the target needs at least as many partitions).
    Keep,
    /// Hash the key with --partitioner (default: Java-compatible murmur2).
    Hash,
}

/// When the copies happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TimestampMode {
    /// The source record's timestamp.
    Keep,
    /// The time of the replay.
    Now,
}

/// What every replay takes. `--group` keeps the replay's progress in Kafka: no checkpoint file
/// beside it, and no dry run (it would move the group's offsets).
#[derive(Debug, Args)]
#[command(mut_arg("dry_run", |a| a.conflicts_with("group")))]
pub struct ReplayOptions {
    /// The topic to write to.
    #[arg(long, value_name = "TOPIC", required = true)]
    pub to: String,

    /// Keep the source timestamps, or stamp copies with the time of the replay.
    #[arg(long, value_enum, default_value_t = TimestampMode::Keep, value_name = "MODE")]
    pub timestamp: TimestampMode,

    /// Do not add the evops-source and evops-replay-id headers (a replay without them cannot be resumed exactly once, nor guarded against loops).
    #[arg(long)]
    pub no_provenance: bool,

    /// At most this many records (500/s) or bytes (2MB/s, 512KiB/s) per second.
    #[arg(long, value_name = "RATE", value_parser = crate::replay::Rate::parse)]
    pub rate: Option<crate::replay::Rate>,

    /// Keep progress in this file; running the same command again resumes exactly once. [default: $XDG_STATE_HOME/evops/replays/<replay id>.ckpt, or ~/.local/state/...]
    #[arg(long, value_name = "FILE", conflicts_with = "group")]
    pub checkpoint: Option<PathBuf>,

    /// Keep no checkpoint: an interrupted replay then copies everything again when run again.
    #[arg(long, conflicts_with = "checkpoint")]
    pub no_checkpoint: bool,

    /// Where records that cannot be written go (capture format). [default: ./evops-replay-<id>.dead.ndjson]
    #[arg(long, value_name = "FILE")]
    pub dead_letter: Option<PathBuf>,

    /// Name the replay (default: a hash of sources, range, filter, target and placement).
    #[arg(long, value_name = "ID")]
    pub replay_id: Option<String>,

    #[command(flatten)]
    pub write: super::common::WriteArgs,
}

/// Copy records into a topic: faithful (key, value, headers, timestamp), resumable exactly once with --checkpoint or --group, rate-limited, with a dry run.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct ReplayArgs {
    /// Topics (a leading ^ makes a regex), capture files, or - for stdin; then, optionally, a jq expression that records must match.
    #[arg(required = true, value_name = "SOURCE... [EXPR]")]
    pub args: Vec<String>,

    /// The jq expression, given after `--` (always an expression there, e.g. `-- true`).
    #[arg(last = true, value_name = "EXPR")]
    pub after: Option<String>,

    /// Where a copy goes: the source record's partition (keep), or its key hashed with --partitioner (hash). (-p/--partition picks source partitions.)
    #[arg(long, value_enum, default_value_t = Partitioning::Keep, value_name = "HOW")]
    pub partitioning: Partitioning,

    #[command(flatten)]
    pub replay: ReplayOptions,

    #[command(flatten)]
    pub records: Records,
}

/// Copy records into a topic under new keys (a jq expression or a template), placed by a partitioner, and check where every key landed.
#[derive(Debug, Args)]
#[command(after_help = REKEY_EXAMPLES)]
#[command(group(clap::ArgGroup::new("new_key").required(true).args(["key", "key_template"])))]
pub struct RekeyArgs {
    /// Topics (a leading ^ makes a regex), capture files, or - for stdin; then, optionally, a jq expression that records must match.
    #[arg(required = true, value_name = "SOURCE... [EXPR]")]
    pub args: Vec<String>,

    /// The jq expression, given after `--` (always an expression there, e.g. `-- true`).
    #[arg(last = true, value_name = "EXPR")]
    pub after: Option<String>,

    /// The new key: a jq expression over the record, e.g. .value.data.attributes.email.
    #[arg(long, value_name = "EXPR")]
    pub key: Option<String>,

    /// The new key from a template, e.g. '{value.meta.tenant}:{key}'.
    #[arg(long, value_name = "TEMPLATE", value_parser = values::style)]
    pub key_template: Option<crate::print::OutputFormat>,

    /// How the new key is written: string | json | int32 | int64 (big-endian, as Java's serializers) | protobuf (Confluent-framed, the schema of --key-subject). Source keys are read as `auto`.
    #[arg(long, value_name = "FORMAT", default_value = "string", value_parser = new_key_format)]
    pub key_format: crate::codec::Encoding,

    /// With --key-format protobuf: the registry subject whose latest schema the new keys are written in (its first message type, or --key-proto-type). [default: <--to>-key]
    #[arg(long, value_name = "SUBJECT")]
    pub key_subject: Option<String>,

    /// The partitioner that places the new keys (`evops partition --list`).
    #[arg(long, value_name = "NAME", default_value = "java", value_parser = values::partitioner)]
    pub partitioner: &'static crate::partition::Partitioner,

    /// Create the target topic when it does not exist (with --partitions).
    #[arg(long, requires = "create_partitions")]
    pub create_topic: bool,

    /// With --create-topic: how many partitions.
    #[arg(long = "partitions", id = "create_partitions", value_name = "N")]
    pub partitions: Option<i32>,

    #[command(flatten)]
    pub replay: ReplayOptions,

    #[command(flatten)]
    pub read: ReadArgs,

    #[command(flatten)]
    pub cond: ConditionArgs,

    /// How a dry run shows its examples: pretty | json | capture | raw | a template.
    #[arg(short = 'f', long = "format", value_name = "FORMAT", value_parser = values::style)]
    pub format: Option<crate::print::OutputFormat>,

    /// How to read values: auto | string | json | int32 | int64 | hex | base64 | protobuf.
    #[arg(long, value_name = "FORMAT", default_value = "auto", value_parser = values::codec_format)]
    pub value_format: crate::codec::Encoding,

    #[command(flatten)]
    pub registry: super::schema::RegistryArgs,

    #[command(flatten)]
    pub proto: super::protobuf::ProtoArgs,
}

impl ReplayArgs {
    pub fn config(self, ctx: &Context) -> anyhow::Result<cmd::replay::Config> {
        self.replay.target_topic("replay")?;
        let (sources, expr) = split_expression(&self.args, self.after.as_ref());
        let codecs = ctx.codecs(&self.records.output)?;
        let output = ctx.output(self.records.output.format.clone(), codecs)?;
        let spec = self
            .records
            .filter
            .spec(output.codecs.key, expr.as_deref())?;
        let values::Route { partitioner, auto } = self.records.filter.key.partitioner;
        let placement = match self.partitioning {
            Partitioning::Keep => Placement::Keep,
            Partitioning::Hash if auto => {
                return Err(Error::Usage(
                    "--partitioning hash needs a named partitioner, not 'auto'".into(),
                )
                .into())
            }
            Partitioning::Hash => Placement::Key(partitioner.ok_or_else(|| {
                Error::Usage(
                    "--partitioning hash needs a partitioner, not 'all' (see `evops partition --list`)".into(),
                )
            })?),
        };
        let placed = format!(
            "{:?}/{}",
            self.partitioning,
            partitioner.map_or("all", |p| p.name)
        );
        let identity = identity(
            &sources,
            &self.records.read,
            &spec,
            &self.replay.to,
            &placed,
        );
        let key_route = self.records.filter.key_route(output.codecs.key)?;
        let replay = Replay {
            name: "replay",
            read: read(ctx, sources, self.records.read, key_route)?,
            filter: spec,
            placement,
            identity,
            create_partitions: None,
            output,
        };
        replay.config(ctx, self.replay)
    }
}

impl RekeyArgs {
    pub fn config(self, ctx: &Context) -> anyhow::Result<cmd::rekey::Config> {
        self.replay.target_topic("rekey")?;
        let (sources, expr) = split_expression(&self.args, self.after.as_ref());
        let view = ctx.protobuf_codecs(
            crate::codec::Encoding::Auto,
            self.value_format,
            &self.registry,
            &self.proto,
        )?;
        let output = ctx.output(self.format.clone(), view.clone())?;
        let spec = self.cond.spec(expr.as_deref())?;
        let key_source = match (&self.key, &self.key_template) {
            (Some(e), _) => crate::stage::rekey::KeySource::Expr(
                crate::expr::Expr::compile(e)
                    .map_err(|e| Error::Usage(format!("--key: the jq expression: {e}")))?,
            ),
            (None, Some(crate::print::OutputFormat::Template(t))) => {
                crate::stage::rekey::KeySource::Template(t.clone())
            }
            _ => return Err(Error::Usage(
                "--key-template needs a template with {fields}, e.g. '{value.meta.tenant}:{key}'"
                    .into(),
            )
            .into()),
        };
        let key_format = self.new_key(ctx)?;
        let placed = format!(
            "rekey/{}/{:?}/{:?}/{}",
            self.key.clone().unwrap_or_default(),
            self.key_template,
            key_format,
            self.partitioner.name
        );
        let identity = identity(&sources, &self.read, &spec, &self.replay.to, &placed);
        let read = read(ctx, sources, self.read, None)?;
        let create = self.create_topic.then_some(self.partitions).flatten();
        if create.is_some_and(|n| n < 1) {
            return Err(Error::Usage("--partitions must be at least 1".into()).into());
        }
        let replay = Replay {
            name: "rekey",
            read,
            filter: spec,
            placement: Placement::Key(self.partitioner),
            identity,
            create_partitions: create,
            output,
        };
        Ok(cmd::rekey::Config {
            replay: replay.config(ctx, self.replay)?,
            key: key_source,
            view,
            key_format,
            partitioner: self.partitioner,
        })
    }

    /// How the new keys are written; a Protobuf key takes its schema from the registry.
    fn new_key(&self, ctx: &Context) -> anyhow::Result<crate::stage::rekey::NewKey> {
        use crate::stage::rekey::NewKey;
        if !self.key_format.is_protobuf() {
            if self.key_subject.is_some() {
                return Err(
                    Error::Usage("--key-subject needs --key-format protobuf".into()).into(),
                );
            }
            return Ok(NewKey::Plain(self.key_format));
        }
        let Some(registry) = ctx.registry(&self.registry)? else {
            return Err(Error::Usage(
                "--key-format protobuf writes Confluent-framed keys: it needs --registry URL (or the profile's), where the key schema is".into(),
            )
            .into());
        };
        let subject =
            (self.key_subject.clone()).unwrap_or_else(|| format!("{}-key", self.replay.to));
        let writer = crate::cmd::protobuf::key_writer(
            &registry,
            &subject,
            self.proto.key_proto_type.as_deref(),
        )?;
        Ok(NewKey::Protobuf(writer))
    }
}

/// What makes two runs of a replay "the same replay" (and so resumable): sources, range,
/// filter, target and placement; not the rate, the checkpoint file or the output format.
fn identity(
    sources: &[String],
    read: &ReadArgs,
    spec: &crate::filter::Spec,
    target: &str,
    placement: &str,
) -> Vec<String> {
    let mut id: Vec<String> = sources.to_vec();
    // As typed: `--since 3h` names the same replay tomorrow; the checkpoint keeps the time it
    // meant at the first run.
    id.push(format!("{:?}", read.from.as_ref().map(|g| &g.text)));
    id.push(format!("{:?}", read.until.as_ref().map(|g| &g.text)));
    id.push(format!("{:?}", read.partitions));
    id.push(spec.jq());
    id.push(target.to_string());
    id.push(placement.to_string());
    id
}

/// The read of a replay: always bounded (the end offsets taken at the start, or --until), and
/// stopped after `--max` records written (the replay is then incomplete: the same command
/// copies the next ones).
fn read(
    ctx: &Context,
    sources: Vec<String>,
    read: ReadArgs,
    key_route: Option<(Vec<u8>, &'static crate::partition::Partitioner)>,
) -> anyhow::Result<(cmd::Read, Option<u64>)> {
    common::refuse_lone_expression(&sources, None)?;
    let max = read.max;
    let mut r = read.read(common::specs(&sources)?, ctx.kafka()?);
    r.key_route = key_route;
    let topics = r.sources.iter().any(|s| matches!(s, SourceSpec::Topic(_)));
    if r.group.is_some() && !topics {
        return Err(
            Error::Usage("--group reads topics: capture files have no group".into()).into(),
        );
    }
    Ok((r, max))
}

impl ReplayOptions {
    /// `--to` names a topic: an empty name, or one that names a capture file or stdout (which
    /// `filter --to` writes), is a usage error before anything connects, rather than a topic
    /// named `file:x.ndjson` that does not exist (sweep 5).
    fn target_topic(&self, name: &str) -> anyhow::Result<()> {
        let to = &self.to;
        common::named(to, "--to")?;
        match cmd::SinkSpec::parse(to) {
            cmd::SinkSpec::Topic(_) => Ok(()),
            _ => Err(Error::Usage(format!(
                "--to '{to}': {name} writes to a topic; to copy records into a capture file or stdout, use `evops filter SOURCE --to {to}`"
            ))
            .into()),
        }
    }
}

/// What differs between replay and rekey, before the options every replay takes.
struct Replay {
    name: &'static str,
    read: (cmd::Read, Option<u64>),
    filter: crate::filter::Spec,
    placement: Placement,
    identity: Vec<String>,
    create_partitions: Option<i32>,
    output: crate::print::Options,
}

impl Replay {
    fn config(self, ctx: &Context, r: ReplayOptions) -> anyhow::Result<cmd::replay::Config> {
        let (read, max) = self.read;
        if r.checkpoint.is_some() && read.mixes_topics_and_files() {
            return Err(Error::Usage(
                "--checkpoint follows topic offsets: replay topics and capture files in separate runs"
                    .into(),
            )
            .into());
        }
        Ok(cmd::replay::Config {
            name: self.name,
            read,
            filter: self.filter,
            target: r.to,
            placement: self.placement,
            timestamp_now: r.timestamp == TimestampMode::Now,
            writing: r.write.writing(),
            provenance: !r.no_provenance,
            rate: r.rate,
            checkpoint: r.checkpoint,
            state_dir: if r.no_checkpoint {
                None
            } else {
                crate::config::replay_state_dir()
            },
            dead_letter: r.dead_letter,
            replay_id: r.replay_id,
            identity: self.identity,
            before: None,
            create_partitions: self.create_partitions,
            max,
            output: self.output,
            quiet: ctx.quiet(),
            terminal: ctx.term,
        })
    }
}

fn new_key_format(s: &str) -> Result<crate::codec::Encoding, String> {
    use crate::codec::Encoding;
    match Encoding::parse(s) {
        Some(
            f @ (Encoding::String
            | Encoding::Json
            | Encoding::Int32
            | Encoding::Int64
            | Encoding::Protobuf(_)),
        ) => Ok(f.for_keys()),
        _ => Err(format!(
            "'{s}' is not a key format for rekey; accepted: string, json, int32, int64, protobuf"
        )),
    }
}

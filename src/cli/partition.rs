//! `evops partition` and `evops partition audit` arguments, and their conversion into
//! [`cmd::partition::Config`] and [`cmd::partition_audit::Config`] (keys from stdin are read by
//! the command, as they come).

use clap::{Args, Subcommand};

use crate::cmd;
use crate::codec::Encoding;
use crate::endpoint::SourceSpec;
use crate::error::Error;

use super::context::Context;

use super::values;

pub const EXAMPLES: &str = "\
Examples:
  evops partition user-1234 -p 12
  evops partition 42 -p 6 --compare-formats        # the same id as a string, an int32 and an int64
  evops partition --topic orders order-9 order-10  # partition count from the cluster
  cut -f1 keys.tsv | evops partition -p 24 --output json
  evops partition --list
  evops partition audit orders                     # split keys, inferred producer partitioners
  evops partition audit orders --expect java -o 3h
  evops partition audit ./orders.ndjson --partitions 12 --output json";

/// Where would each Kafka client put these keys? One row per distinct answer.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES, args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct PartitionArgs {
    #[command(subcommand)]
    pub command: Option<PartitionCommand>,

    /// Keys (in --key-format). Without any, keys are read from stdin, one per line.
    #[arg(value_name = "KEY")]
    pub keys: Vec<String>,

    /// The number of partitions.
    #[arg(short = 'p', long = "partitions", value_name = "N", required_unless_present_any = ["topic", "list"])]
    pub partitions: Option<i32>,

    /// Take the partition count from this topic on the cluster.
    #[arg(long, value_name = "TOPIC", conflicts_with = "partitions")]
    pub topic: Option<String>,

    /// How keys are typed: string | int32 | int64 (big-endian, as Java's serializers write them) | hex | base64.
    #[arg(long, value_name = "FORMAT", default_value = "string", value_parser = values::codec_format)]
    pub key_format: Encoding,

    /// Show each key as a string and, when it is a number, as int32 and int64: the int-versus-string mismatch.
    #[arg(long)]
    pub compare_formats: bool,

    /// Output: table (for people; printed in parts of 1,000 keys) or json (one object per key and line, written as each key is read; a stable contract).
    #[arg(long, value_name = "FORMAT", default_value = "table", value_parser = ["table", "json"])]
    pub output: String,

    /// List every partitioner evops knows, with the clients that use it.
    #[arg(long)]
    pub list: bool,
}

#[derive(Debug, Subcommand)]
pub enum PartitionCommand {
    Audit(AuditArgs),
}

pub const AUDIT_EXAMPLES: &str = "\
Examples:
  evops -b embedded partition audit articles
  evops partition audit orders --expect java --from 3h
  evops partition audit ./orders.ndjson --partitions 12 --output json
  evops partition audit payments-pb-keyed --key-format protobuf --registry http://registry:8081

Exit codes: 0 clean, 1 a key on more than one partition or an --expect mismatch, 2 error.";

/// Find keys that producers put on different partitions, and name the producers' partitioners.
#[derive(Debug, Args)]
#[command(after_help = AUDIT_EXAMPLES)]
// An audit never joins a consumer group (it must not disturb consumers): the shared flag is
// refused with the reason, and not listed.
#[command(mut_arg("group", |a| a.hide(true)))]
pub struct AuditArgs {
    /// Topics (a leading ^ makes a regex), capture files (a path with a '/', or file:NAME), or - for stdin.
    #[arg(required = true, value_name = "SOURCE")]
    pub sources: Vec<String>,

    /// Report records on another partition than this partitioner says (see `evops partition --list`).
    #[arg(long, value_name = "NAME", value_parser = values::partitioner)]
    pub expect: Option<&'static crate::partition::Partitioner>,

    /// The topic's partition count, for capture files (they do not say). (-p/--partition picks partitions to read, as everywhere.)
    #[arg(long = "partitions", id = "partition_count", value_name = "N")]
    pub partition_count: Option<i32>,

    /// Track at most this many distinct keys for splits (memory: roughly 65 bytes each).
    #[arg(long, value_name = "N", default_value = "20000000")]
    pub max_keys: usize,

    /// Output: table or json (one object).
    #[arg(long, value_name = "FORMAT", default_value = "table", value_parser = ["table", "json"])]
    pub output: String,

    /// How keys are shown (they are hashed as the bytes they are): auto | string | json | int32 | int64 | hex | base64 | avro | protobuf. [default: text, or {"base64": ...} when not UTF-8]
    #[arg(long, value_name = "FORMAT", value_parser = values::key_codec_format)]
    pub key_format: Option<crate::codec::Encoding>,

    #[command(flatten)]
    pub registry: super::schema::RegistryArgs,

    #[command(flatten)]
    pub proto: super::protobuf::ProtoArgs,

    /// The shared range options; an audit starts at the beginning and stops at the end offsets
    /// taken when it starts, and never joins a consumer group.
    #[command(flatten)]
    pub read: super::common::ReadArgs,
}

impl PartitionArgs {
    pub fn config(self, ctx: &Context) -> anyhow::Result<cmd::partition::Config> {
        let count = match (self.partitions, self.topic) {
            (Some(n), _) => cmd::partition::Count::Fixed(n),
            (None, Some(t)) => cmd::partition::Count::Topic(
                t,
                ctx.kafka()?.ok_or_else(|| {
                    Error::Usage(
                        "--topic needs brokers: -b/--brokers, EVOPS_BROKERS or a --profile".into(),
                    )
                })?,
            ),
            (None, None) => unreachable!("clap requires --partitions or --topic"),
        };
        let keys = if !self.keys.is_empty() {
            cmd::partition::Keys::Given(self.keys)
        } else if std::io::IsTerminal::is_terminal(&std::io::stdin()) {
            // Nobody is typing keys at a terminal by design: say how to give them.
            return Err(Error::Usage(
                "no keys given: pass them as arguments or one per line on stdin".into(),
            )
            .into());
        } else {
            cmd::partition::Keys::Stdin
        };
        Ok(cmd::partition::Config {
            keys,
            count,
            key_format: self.key_format,
            compare_formats: self.compare_formats,
            json: self.output == "json",
        })
    }
}

impl AuditArgs {
    pub fn config(self, ctx: &Context) -> anyhow::Result<cmd::partition_audit::Config> {
        self.read.refuse_group("partition audit")?;
        let from = self.read.from.as_ref().map(|g| g.value);
        let until = self.read.until.as_ref().map(|g| g.value);
        crate::position::check_range(from, until).map_err(Error::Usage)?;
        let sources = super::common::specs(&self.sources)?;
        if self.partition_count.is_none() {
            if let Some(why) = sources.iter().find_map(|s| match s {
                SourceSpec::Topic(_) => None,
                SourceSpec::File(path) => Some(format!(
                    "{}: a capture file does not say how many partitions its topic had: give --partitions N",
                    path.display()
                )),
                SourceSpec::Stdin => Some("capture lines on stdin do not say how many partitions their topic had: give --partitions N".to_string()),
            }) {
                return Err(Error::Usage(why).into());
            }
        }
        if self.partition_count.is_some_and(|n| n <= 0) {
            return Err(Error::Usage("--partitions must be at least 1".into()).into());
        }
        let keys = self
            .key_format
            .map(|k| {
                let codecs = ctx.schema_codecs(
                    (k, crate::codec::Encoding::Auto),
                    &self.registry,
                    &self.proto,
                    None,
                )?;
                Context::usable(&codecs).map(|()| codecs)
            })
            .transpose()?;
        let max = self.read.max;
        let mut read = self.read.read(sources, ctx.kafka()?);
        read.keys_only = true;
        Ok(cmd::partition_audit::Config {
            read,
            keys,
            max,
            expect: self.expect,
            partitions: self.partition_count,
            max_keys: self.max_keys,
            json: self.output == "json",
            quiet: ctx.quiet(),
            terminal: ctx.term,
        })
    }
}

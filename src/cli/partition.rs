//! `evops partition` arguments.

use clap::Args;

use crate::codec::Format;

use super::values;

pub const EXAMPLES: &str = "\
Examples:
  evops partition user-1234 -p 12
  evops partition 42 -p 6 --compare-formats        # the same id as a string, an int32 and an int64
  evops partition --topic orders order-9 order-10  # partition count from the cluster
  cut -f1 keys.tsv | evops partition -p 24 --output json
  evops partition --list";

/// Where would each Kafka client put these keys? One row per distinct answer.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct PartitionArgs {
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
    pub key_format: Format,

    /// Show each key as a string and, when it is a number, as int32 and int64: the int-versus-string mismatch.
    #[arg(long)]
    pub compare_formats: bool,

    /// Output: table (for people) or json (one object per key and line; a stable contract).
    #[arg(long, value_name = "FORMAT", default_value = "table", value_parser = ["table", "json"])]
    pub output: String,

    /// List every partitioner evops knows, with the clients that use it.
    #[arg(long)]
    pub list: bool,
}

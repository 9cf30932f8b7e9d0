//! `evops tail` arguments.

use clap::Args;

use crate::codec::Format;
use crate::position::{Start, Stop};
use crate::print::Style;

use super::values;

pub const EXAMPLES: &str = "\
Examples:
  evops -b embedded tail articles -o beginning -e
  evops tail orders -o 3h --until 2h -f json | jq .value.data.type
  evops tail '^orders\\..*' users -o -10 -e -f '{topic}/{partition}@{offset} {key} {value.data.type}'
  evops tail payments -p 0,3 -o 2026-11-23T10:00:00Z --max 100
  evops tail orders -o beginning -e -f capture > orders.ndjson
  evops tail ./orders.ndjson -f pretty
  evops tail orders --key user-1234 -o 3h -e               # only the key's partition
  evops tail orders --key user-1234 --partitioner librdkafka -o 3h -e
  evops tail orders --group oncall-debug -o beginning -e     # resumes where it left off";

/// Read records from topics, capture files or stdin, and print them.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct TailArgs {
    /// Topics (a leading ^ makes a regex), capture files (any path with a '/', or file:NAME), or - for capture lines on stdin.
    #[arg(required = true, value_name = "SOURCE")]
    pub sources: Vec<String>,

    /// Where to start: beginning | end | <offset> | -<n> (last n per partition) | s@<ms> | an RFC 3339 time | a duration ago (15m, 3h). [default: end; files: first line]
    #[arg(short = 'o', long = "from", value_name = "POSITION", value_parser = values::start, allow_hyphen_values = true)]
    pub from: Option<Start>,

    /// Where to stop (exclusive): the --from forms, plus now and end.
    #[arg(long, value_name = "POSITION", value_parser = values::stop, allow_hyphen_values = true)]
    pub until: Option<Stop>,

    /// Stop at the end offsets taken when the read started (like kcat -e).
    #[arg(short = 'e', long = "exit")]
    pub exit: bool,

    /// Only these partitions (repeatable or comma-separated).
    #[arg(
        short = 'p',
        long = "partition",
        value_name = "N",
        value_delimiter = ','
    )]
    pub partitions: Vec<i32>,

    /// Stop after printing this many records.
    #[arg(long, value_name = "N")]
    pub max: Option<u64>,

    /// Join this consumer group: start where it left off (--from beginning|end when it has no committed offset) and commit what was printed. Without it, evops never joins or commits to a group.
    #[arg(long, value_name = "NAME")]
    pub group: Option<String>,

    /// Only records whose key is exactly this (in --key-format). On topics, only the partition the key maps to is read (see --partitioner).
    #[arg(long, value_name = "KEY")]
    pub key: Option<String>,

    /// With --key: the producers' partitioner, which says where the key lives (`evops partition --list`), or 'all' to read every partition.
    #[arg(long, value_name = "NAME", default_value = "java", value_parser = values::partitioner_or_all)]
    pub partitioner: values::Route,

    /// Output: pretty | json | capture | raw | a template such as '{topic}/{partition}@{offset} {key} {value.data.type}'. [default: pretty on a terminal, json otherwise]
    #[arg(short = 'f', long = "format", value_name = "FORMAT", value_parser = values::style)]
    pub format: Option<Style>,

    /// How to read keys: auto | string | json | int32 | int64 | hex | base64 | avro.
    #[arg(long, value_name = "FORMAT", default_value = "auto", value_parser = values::codec_format)]
    pub key_format: Format,

    /// How to read values: auto | string | json | int32 | int64 | hex | base64 | avro.
    #[arg(long, value_name = "FORMAT", default_value = "auto", value_parser = values::codec_format)]
    pub value_format: Format,
}

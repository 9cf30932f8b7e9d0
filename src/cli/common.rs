//! Argument groups that several subcommands share, so that a flag means the same everywhere:
//! what to read (`ReadArgs`), which records to keep (`FilterArgs`), and how to show them
//! (`OutputArgs`), with their conversions into the plain values of `cmd/` and `filter/`.

use clap::Args;

use crate::codec::Encoding;
use crate::endpoint::kafka::Settings;
use crate::endpoint::SourceSpec;
use crate::error::Error;
use crate::filter::envelope::{Envelope, Path};
use crate::filter::{HeaderMatch, Spec};
use crate::position::{Start, Stop};
use crate::print::OutputFormat;

use super::values;

/// Where to read, and how far.
#[derive(Debug, Args)]
#[command(next_help_heading = "Range")]
pub struct ReadArgs {
    /// Where to start: beginning | end | <offset> | -<n> (last n per partition) | s@<ms> | an RFC 3339 time | a duration ago (15m, 3h). --since is the same flag. [default: tail: end; filter, sample, trace: beginning; files: first line]
    #[arg(short = 'o', long = "from", visible_alias = "since", value_name = "POSITION", value_parser = values::start_given, allow_hyphen_values = true)]
    pub from: Option<values::Given<Start>>,

    /// Where to stop (exclusive): the --from forms, plus now and end.
    #[arg(long, value_name = "POSITION", value_parser = values::stop_given, allow_hyphen_values = true)]
    pub until: Option<values::Given<Stop>>,

    /// Only these partitions (repeatable or comma-separated).
    #[arg(
        short = 'p',
        long = "partition",
        value_name = "N",
        value_delimiter = ',',
        value_parser = values::partition
    )]
    pub partitions: Vec<i32>,

    /// Stop at the end offsets taken when the read started (like kcat -e). What every subcommand but tail does anyway unless -F.
    #[arg(short = 'e', long = "exit")]
    pub exit: bool,

    /// Stop after writing this many records.
    #[arg(long, value_name = "N")]
    pub max: Option<u64>,

    /// Join this consumer group: start where it left off (--from beginning|end when it has no committed offset) and commit what was read. Without it, evops never joins or commits to a group.
    #[arg(long, value_name = "NAME")]
    pub group: Option<String>,
}

/// The positionals of filter, sample, replay, rekey and stats: sources, then maybe an
/// expression (after `--`, or last by the rule of [`looks_like_expression`]).
#[derive(Debug, Args)]
pub struct SourcesThenExpr {
    /// Topics (a leading ^ makes a regex), capture files, or - for stdin; then, optionally, a jq expression (as with --where).
    #[arg(required = true, index = 1, value_name = "SOURCE... [EXPR]")]
    pub args: Vec<String>,

    /// The jq expression, given after `--` (always an expression there, e.g. `-- true`).
    #[arg(last = true, index = 2, value_name = "EXPR")]
    pub after: Option<String>,
}

impl SourcesThenExpr {
    /// The sources, and the expression if one was given.
    pub fn split(&self) -> (Vec<String>, Option<String>) {
        super::filter::split_expression(&self.args, self.after.as_ref())
    }
}

/// What records to read, which to keep and how to show them: the options of every command that
/// reads records and shows or copies them (tail, filter, trace, sample, replay).
#[derive(Debug, Args)]
pub struct Records {
    #[command(flatten)]
    pub read: ReadArgs,

    #[command(flatten)]
    pub filter: FilterArgs,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// The guards of a command that writes records to a file or topic (`--to`).
#[derive(Debug, Args)]
#[command(next_help_heading = "Writing (--to)")]
pub struct WriteArgs {
    /// Decide everything, refusals included, and write nothing: say what would be written.
    #[arg(long, requires = "to")]
    pub dry_run: bool,

    /// Do not ask before writing more than 10,000 records from a terminal.
    #[arg(short = 'y', long, requires = "to")]
    pub yes: bool,

    /// Allow the target topic to be one of the sources (never while following with -F; a file that is read is never written).
    #[arg(long, requires = "to")]
    pub allow_loop: bool,
}

impl WriteArgs {
    pub fn writing(&self) -> crate::cmd::Writing {
        crate::cmd::Writing {
            yes: self.yes,
            allow_loop: self.allow_loop,
            dry_run: self.dry_run,
        }
    }
}

/// Which records to keep. All given conditions must hold; a repeated flag matches any of its values.
#[derive(Debug, Args)]
pub struct FilterArgs {
    #[command(flatten)]
    pub key: KeyArgs,

    #[command(flatten)]
    pub cond: ConditionArgs,
}

/// `--key` and the partitioner that says where it lives.
#[derive(Debug, Args)]
#[command(next_help_heading = "Filter")]
pub struct KeyArgs {
    /// Only records whose key is exactly this (in --key-format). On topics, only the partition the key maps to is read (see --partitioner).
    #[arg(long, value_name = "KEY")]
    pub key: Option<String>,

    /// The producers' partitioner (`evops partition --list`): with --key, it says which partition to read ('all' reads every one; 'auto' audits the topic's latest records and takes the partitioner they show); replay --partitioning hash places records with it.
    #[arg(long, value_name = "NAME", default_value = "java", value_parser = values::partitioner_or_all)]
    pub partitioner: values::Route,
}

/// The filter conditions other than `--key`.
#[derive(Debug, Args)]
#[command(next_help_heading = "Filter")]
pub struct ConditionArgs {
    /// A jq expression over {topic, partition, offset, timestamp, timestamp_type, key, headers, value} (the -f json line); records for which it gives true are kept.
    #[arg(short = 'w', long = "where", value_name = "EXPR")]
    pub expr: Option<String>,

    /// Only records with this header (NAME), or with this header value (NAME=VALUE). Repeatable: all must hold.
    #[arg(long = "header", value_name = "NAME[=VALUE]", value_parser = HeaderMatch::parse)]
    pub headers: Vec<HeaderMatch>,

    /// Only records whose raw value matches this regex.
    #[arg(long, value_name = "REGEX")]
    pub grep: Option<String>,

    /// Only records whose raw key matches this regex.
    #[arg(long, value_name = "REGEX")]
    pub grep_key: Option<String>,

    /// Only events of this type (data.type; CloudEvents: type). Repeatable: any of them.
    #[arg(long = "type", value_name = "TYPE")]
    pub types: Vec<String>,

    /// Only events with this id (data.id or data.attributes.id; CloudEvents: id). Repeatable: any of them.
    #[arg(long = "id", value_name = "ID")]
    pub ids: Vec<String>,

    /// Where the event type is, as a dot path (repeatable), instead of the envelope's.
    #[arg(long, value_name = "PATH", value_parser = Path::parse)]
    pub type_path: Vec<Path>,

    /// Where event ids are, as dot paths with * globs, e.g. data.attributes.*_id (repeatable).
    #[arg(long, value_name = "PATH", value_parser = Path::parse)]
    pub id_path: Vec<Path>,
}

/// How records look.
#[derive(Debug, Args)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Output: pretty | json | capture | raw | a template such as '{topic}/{partition}@{offset} {key} {value.data.type}'. [default: pretty on a terminal, json otherwise]
    #[arg(short = 'f', long = "format", value_name = "FORMAT", value_parser = values::style)]
    pub format: Option<OutputFormat>,

    /// How to read keys: auto | string | json | int32 | int64 | hex | base64 | avro | protobuf.
    #[arg(long, value_name = "FORMAT", default_value = "auto", value_parser = values::key_codec_format)]
    pub key_format: Encoding,

    /// How to read values: auto | string | json | int32 | int64 | hex | base64 | avro | protobuf.
    #[arg(long, value_name = "FORMAT", default_value = "auto", value_parser = values::codec_format)]
    pub value_format: Encoding,

    /// With --value-format avro: the Avro schema (.avsc) of values that are not framed with a registry id.
    #[arg(long = "schema", value_name = "FILE")]
    pub avro_schema: Option<std::path::PathBuf>,

    #[command(flatten)]
    pub registry: super::schema::RegistryArgs,

    #[command(flatten)]
    pub proto: super::protobuf::ProtoArgs,
}

impl FilterArgs {
    /// The filter, compiled. `expr` is the positional expression of `filter`, if any.
    pub fn spec(&self, key_format: Encoding, expr: Option<&str>) -> anyhow::Result<Spec> {
        let mut spec = self.cond.spec(expr)?;
        spec.keys = self.key.key_bytes(key_format)?.into_iter().collect();
        Ok(spec)
    }

    /// With --key: the partitioner that says which partition to read.
    pub fn key_route(
        &self,
        key_format: Encoding,
    ) -> anyhow::Result<Option<(Vec<u8>, &'static crate::partition::Partitioner)>> {
        Ok(self
            .key
            .key_bytes(key_format)?
            .zip(self.key.partitioner.partitioner))
    }
}

impl KeyArgs {
    /// The key as bytes, in the key format.
    pub fn key_bytes(&self, key_format: Encoding) -> anyhow::Result<Option<Vec<u8>>> {
        Ok(self
            .key
            .as_deref()
            .map(|k| crate::codec::encode_text(key_format, k))
            .transpose()
            .map_err(|e| Error::Usage(format!("--key: {e}")))?)
    }
}

impl ConditionArgs {
    /// The conditions, compiled. `expr` is the positional expression, if any.
    pub fn spec(&self, expr: Option<&str>) -> anyhow::Result<Spec> {
        let text = match (expr, self.expr.as_deref()) {
            (Some(a), Some(b)) => Some(format!("({a}) and ({b})")),
            (a, b) => a.or(b).map(str::to_string),
        };
        let expr = text
            .as_deref()
            .map(crate::expr::Expr::compile)
            .transpose()
            .map_err(|e| Error::Usage(format!("the jq expression: {e}")))?;
        let regex = |flag: &str, re: &Option<String>| {
            re.as_deref()
                .map(|r| {
                    regex::bytes::Regex::new(r)
                        .map_err(|e| Error::Usage(format!("{flag} '{r}': {e}")))
                })
                .transpose()
        };
        let envelope = (!self.type_path.is_empty() || !self.id_path.is_empty()).then(|| Envelope {
            type_paths: (!self.type_path.is_empty()).then(|| self.type_path.clone()),
            id_paths: (!self.id_path.is_empty()).then(|| self.id_path.clone()),
            mentions: false,
        });
        Ok(Spec {
            expr,
            keys: Vec::new(),
            headers: self.headers.clone(),
            grep: regex("--grep", &self.grep)?,
            grep_key: regex("--grep-key", &self.grep_key)?,
            types: self.types.clone(),
            ids: self.ids.clone(),
            id_in_key: false,
            envelope,
        })
    }
}

impl ReadArgs {
    /// The read of these sources with this range: bounded (the end offsets taken at the
    /// start), as a member of `--group` if given, no key route. Callers change what differs.
    pub fn read(self, sources: Vec<SourceSpec>, kafka: Option<Settings>) -> crate::cmd::Read {
        crate::cmd::Read {
            sources,
            kafka,
            partitions: (!self.partitions.is_empty()).then_some(self.partitions),
            from: self.from.map(|g| g.value),
            until: self.until.map(|g| g.value),
            exit_at_end: true,
            group: self.group,
            key_route: None,
            infer_route: false,
            overrides: None,
            group_hooks: None,
            group_txn: None,
            now_ms: crate::position::now_millis(),
            keys_only: false,
            no_headers: false,
        }
    }

    /// Refuse `--group` where a command must not disturb consumers.
    pub fn refuse_group(&self, command: &str) -> anyhow::Result<()> {
        match self.group {
            Some(_) => Err(Error::Usage(format!(
                "{command} reads without a consumer group (it must not disturb consumers); drop --group"
            ))
            .into()),
            None => Ok(()),
        }
    }
}

/// The sources as typed, parsed; a name that names nothing, or a capture file named twice
/// (which would be read twice: `stats` counted it double and flagged a spike), is a usage
/// error.
pub fn specs(sources: &[String]) -> anyhow::Result<Vec<SourceSpec>> {
    let specs = names(sources)?;
    let mut seen = Seen::with_stdin(&specs)?;
    for (typed, spec) in sources.iter().zip(&specs) {
        if let SourceSpec::File(path) = spec {
            seen.refuse_again(typed, path)?;
        }
    }
    Ok(specs)
}

/// The sources as typed, parsed, with an empty name or `-` given twice refused: what [`specs`]
/// checks before the files, for a caller that checks its files itself (`schema-validate`, whose
/// directories hold files too).
pub fn names(sources: &[String]) -> anyhow::Result<Vec<SourceSpec>> {
    let specs: Vec<SourceSpec> = sources
        .iter()
        .map(|s| named(s, "source"))
        .collect::<anyhow::Result<_>>()?;
    if specs.iter().filter(|s| **s == SourceSpec::Stdin).count() > 1 {
        return Err(Error::Usage(
            "source '-': stdin is given twice (it can be read once; the second would be empty)"
                .into(),
        )
        .into());
    }
    Ok(specs)
}

/// The files named as sources so far, each by what it is (its device and inode: a hard link, a
/// symlink, `./a` and `a`, and `/dev/stdin` beside `-` are one file), and how it was named.
#[derive(Default)]
pub struct Seen(std::collections::HashMap<FileId, String>);

#[derive(PartialEq, Eq, Hash)]
enum FileId {
    Inode(u64, u64),
    /// A path that cannot be looked at (it fails later, with its own error).
    Path(std::path::PathBuf),
}

impl Seen {
    /// Nothing seen yet but stdin, when `-` is among `specs`.
    pub fn with_stdin(specs: &[SourceSpec]) -> anyhow::Result<Seen> {
        let mut seen = Seen::default();
        if specs.contains(&SourceSpec::Stdin) {
            seen.stdin()?;
        }
        Ok(seen)
    }

    /// A file named again, by any name, is a usage error naming both: it would be read twice
    /// (`stats` counted every record double and flagged a spike).
    pub fn refuse_again(&mut self, typed: &str, path: &std::path::Path) -> anyhow::Result<()> {
        use std::os::unix::fs::MetadataExt as _;
        let id = match std::fs::metadata(path) {
            Ok(m) => FileId::Inode(m.dev(), m.ino()),
            Err(_) => FileId::Path(path.to_path_buf()),
        };
        self.note(id, typed)
    }

    /// `-`: what stdin is (a file redirected in, a pipe, a terminal), so that the same file by
    /// a name (`/dev/stdin`, the redirected file) is refused beside it.
    fn stdin(&mut self) -> anyhow::Result<()> {
        use std::os::fd::AsFd as _;
        use std::os::unix::fs::MetadataExt as _;
        let fd = std::io::stdin().as_fd().try_clone_to_owned();
        if let Ok(m) = fd.and_then(|fd| std::fs::File::from(fd).metadata()) {
            self.note(FileId::Inode(m.dev(), m.ino()), "-")?;
        }
        Ok(())
    }

    fn note(&mut self, id: FileId, typed: &str) -> anyhow::Result<()> {
        match self.0.insert(id, typed.to_string()) {
            Some(first) => Err(Error::Usage(format!(
                "source '{typed}': '{first}' is given already and is the same file (it would be read twice)"
            ))
            .into()),
            None => Ok(()),
        }
    }
}

/// Refuse `''`, `file:` and `topic:`: read on, an empty name fails later as a missing file
/// with no name or an unknown topic `''` (sweep 5).
pub fn named(s: &str, what: &str) -> anyhow::Result<SourceSpec> {
    let empty = match s {
        "" => Some("an empty name"),
        "file:" => Some("file: needs a path (file:NAME)"),
        "topic:" => Some("topic: needs a topic name (topic:NAME)"),
        _ => None,
    };
    match empty {
        Some(why) => Err(Error::Usage(format!("{what} '{s}': {why}")).into()),
        None => Ok(SourceSpec::parse(s)),
    }
}

/// One source that reads as an expression, and no expression: the source was forgotten.
pub fn refuse_lone_expression(sources: &[String], expr: Option<&str>) -> anyhow::Result<()> {
    match sources {
        [only] if expr.is_none() && looks_like_expression(only) => Err(Error::Usage(format!(
            "'{only}' looks like an expression, but no source was given before it"
        ))
        .into()),
        _ => Ok(()),
    }
}

/// Whether the last positional of `filter`, `sample`, `replay` and `rekey` is a jq expression
/// rather than a source. One rule, which never looks at the current directory: it is when it
/// starts with `.` (a path: `.value.x`, `.key`) or has a character no topic name can have
/// (spaces, brackets, operators, quotes, ...), unless it is written in a form that can only be
/// a source (`-`, `file:`, `topic:`, `^`, or a path starting `/`, `./`, `../`, `~/`). Anything
/// else (`true`, `empty`, a bare name) is a source: give such an expression with `-w` or after
/// `--`.
pub fn looks_like_expression(s: &str) -> bool {
    if crate::endpoint::SourceSpec::is_explicit(s) {
        return false;
    }
    s.starts_with('.') || s.chars().any(|c| " ()|=<>!\"$[]{},+*?:;@\t\n".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expressions_and_sources_are_told_apart() {
        for e in [
            ".value.data.amount > 100",
            "select(.key == \"u\")",
            ".key",
            "(.partition)",
            ".value | test(\"a/b\")",
        ] {
            assert!(looks_like_expression(e), "{e}");
        }
        for s in [
            "orders",
            "orders.v2",
            "^orders\\..*",
            "my_topic-1",
            "-",
            "true",
            "empty",
            "file:my cap.ndjson",
            "topic:true",
            "./x.ndjson",
            "../x y.ndjson",
        ] {
            assert!(!looks_like_expression(s), "{s}");
        }
    }
}

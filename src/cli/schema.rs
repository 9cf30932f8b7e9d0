//! `evops schema-validate` and `evops schema compat` arguments, and the registry options they
//! share (also the profile's `schema_registry`), and their conversion into
//! [`cmd::schema_validate::Config`] and [`cmd::schema_compat::Config`].

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};

use super::common::ReadArgs;
use super::context::Context;
use super::values;
use crate::cmd;
use crate::endpoint::file::{sniff, FileKind};
use crate::endpoint::SourceSpec;
use crate::error::Error;
use crate::filter::envelope::Path;
use crate::position::Start;
use crate::schema::catalog::Select;
use crate::schema::lint::LintConfig;

pub const VALIDATE_EXAMPLES: &str = "\
Examples:
  evops schema-validate ./events --schema ./schemas                       # a CI job: sample events, one schema per event type
  evops schema-validate ./events --schema ./schemas --junit report.xml
  evops -b embedded schema-validate users articles comments --schema tests/data/schemas/demo --lint
  evops --profile prod schema-validate orders --from 1h --registry https://registry.prod
  evops schema-validate payments --from 1h --schema payments.avsc --format json

Schemas: a file or a directory of .avsc (Avro) and .json (JSON Schema, drafts 7 and 2020-12)
files. --schema-for says which schema applies to an event: one for all (single), the event's
type (a file named after data.type), the topic (a file named after the topic), or the registry
id of Confluent-framed payloads (registry). auto tries: registry id, the only schema, type, topic.

Exit codes: 0 all valid, 1 invalid events (or events without a schema, or unreadable), 2 error (a schema or the registry cannot be read), 130 interrupted.";

pub const COMPAT_EXAMPLES: &str = "\
Examples:
  evops schema compat schemas/v1/user.avsc schemas/v2/user.avsc                 # can v2 read v1 data?
  evops schema compat old.avsc new.avsc --mode full
  evops schema compat new.json --registry http://registry:8081 --subject users-value   # at the subject's level

Modes (Confluent's): backward: the new schema reads data written with the old; forward: the
old schema reads data written with the new; full: both.

Exit codes: 0 compatible, 1 incompatible (the reasons on stdout), 2 error (unreadable schema,
a JSON Schema construct whose compatibility cannot be decided, registry unreachable).";

/// Which schema applies to an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SchemaFor {
    /// The registry id when framed, else the only schema, else by type, else by topic.
    Auto,
    /// The one schema given, for every event.
    Single,
    /// The event type (data.type) names the schema file.
    Type,
    /// The topic names the schema file (<topic> or <topic>-value).
    Topic,
    /// The registry id in the Confluent framing.
    Registry,
}

/// How values are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PayloadArg {
    /// Confluent-framed payloads by their registry id; JSON when the bytes look like JSON; else an Avro datum.
    Auto,
    Json,
    Avro,
    /// Confluent-framed by registry id, or bare messages of --proto-type.
    Protobuf,
}

/// What stdout shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// A summary table and the first violations.
    Table,
    /// One JSON document: totals, per-schema counts, the first violations.
    Json,
}

/// Schema registry options.
#[derive(Debug, Args)]
#[command(next_help_heading = "Schema registry")]
pub struct RegistryArgs {
    /// A Confluent-compatible schema registry (https://user:pass@host:8081 works too). [default: the profile's schema_registry]
    #[arg(
        long,
        env = "EVOPS_REGISTRY",
        value_name = "URL",
        hide_env_values = true
    )]
    pub registry: Option<String>,

    /// Basic auth for the registry, USER:PASSWORD.
    #[arg(
        long,
        env = "EVOPS_REGISTRY_AUTH",
        value_name = "USER:PASSWORD",
        hide_env_values = true
    )]
    pub registry_auth: Option<String>,

    /// Check an https:// registry's certificate against this CA (a PEM file) instead of the system's. [default: the profile's schema_registry_ca]
    #[arg(long, env = "EVOPS_REGISTRY_CA", value_name = "FILE")]
    pub registry_ca: Option<std::path::PathBuf>,
}

/// Check events against their schemas (Avro, JSON Schema, a schema registry) and the house lint rules; a summary table, the first violations, JUnit for CI.
#[derive(Debug, Args)]
#[command(after_help = VALIDATE_EXAMPLES)]
// Validation never joins a consumer group: the shared flag is refused with the reason, and
// not listed.
#[command(mut_arg("group", |a| a.hide(true)))]
pub struct ValidateArgs {
    /// Topics (a leading ^ makes a regex), capture files, NDJSON / JSON files or directories of sample events, - for capture lines on stdin.
    #[arg(required = true, value_name = "SOURCE")]
    pub sources: Vec<String>,

    /// A schema file, or a directory of .avsc and JSON Schema .json files (repeatable).
    #[arg(short = 's', long = "schema", value_name = "PATH")]
    pub schemas: Vec<PathBuf>,

    /// Which schema applies to an event.
    #[arg(long, value_enum, default_value_t = SchemaFor::Auto, value_name = "RULE")]
    pub schema_for: SchemaFor,

    /// How unframed events name their registry subject: topic (<topic>-value), record (the event type as record name), topic-record (<topic>-<type>).
    #[arg(long, default_value = "topic", value_parser = subject_strategy, value_name = "STRATEGY")]
    pub subject_strategy: crate::endpoint::registry::SubjectStrategy,

    /// How to read values.
    #[arg(long, value_enum, default_value_t = PayloadArg::Auto, value_name = "FORMAT")]
    pub value_format: PayloadArg,

    /// Where the event type is, as a dot path (repeatable). [default: data.type; CloudEvents: type]
    #[arg(long, value_name = "PATH", value_parser = Path::parse)]
    pub type_path: Vec<Path>,

    /// Also check the house rules: envelope fields present, "null"/"None"/"" strings, --max-bytes, timestamps from the future or impossibly old, duplicate ids, command-style type names (a warning).
    #[arg(long)]
    pub lint: bool,

    /// With --lint: a field every event must have, as a dot path (repeatable). [default: data.id, data.type, meta.created_at]
    #[arg(long = "require", value_name = "PATH")]
    pub required: Vec<String>,

    /// With --lint: what identifies an event, for duplicates: a dot path (repeatable; the values together). [default: data.type, data.id and meta.created_at: the same fact twice; give your envelope's event id if it has one]
    #[arg(long = "id-field", value_name = "PATH")]
    pub id_fields: Vec<String>,

    /// With --lint: a time field to check, as a dot path (repeatable). [default: meta.created_at]
    #[arg(long = "time-field", value_name = "PATH")]
    pub time_fields: Vec<String>,

    /// With --lint: events larger than this many bytes are fat (e.g. 16384, 64k, 1m).
    #[arg(long, value_name = "BYTES", value_parser = bytes_size)]
    pub max_bytes: Option<usize>,

    /// With --lint: how far in the future a timestamp may be (clock skew).
    #[arg(long, default_value = "5m", value_parser = values::duration, value_name = "DURATION")]
    pub max_future: Duration,

    /// With --lint: timestamps before this are impossibly old (an RFC 3339 time or a duration ago).
    #[arg(long, default_value = "2000-01-01T00:00:00Z", value_name = "TIME", value_parser = oldest)]
    pub oldest: i64,

    /// How many violations to show.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub show: usize,

    /// What stdout shows.
    #[arg(long = "format", visible_alias = "output", value_enum, default_value_t = ReportFormat::Table, value_name = "FORMAT")]
    pub format: ReportFormat,

    /// Also write a JUnit XML report here (a test case per schema and per lint rule).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,

    /// Events that no schema covers are counted but do not fail the run.
    #[arg(long)]
    pub allow_missing: bool,

    #[command(flatten)]
    pub registry: RegistryArgs,

    #[command(flatten)]
    pub proto: super::protobuf::ProtoArgs,

    #[command(flatten)]
    pub read: ReadArgs,
}

/// Schema tools.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    #[command(subcommand)]
    pub command: SchemaCommand,
}

#[derive(Debug, Subcommand)]
pub enum SchemaCommand {
    Compat(CompatArgs),
}

/// Whether a new schema is compatible with an old one (Avro resolution rules; JSON Schema where decidable; Protobuf as Confluent's registry judges it).
#[derive(Debug, Args)]
#[command(after_help = COMPAT_EXAMPLES)]
pub struct CompatArgs {
    /// OLD NEW, or only NEW with --subject (the old one is the subject's latest version).
    #[arg(required = true, num_args = 1..=2, value_name = "SCHEMA")]
    pub schemas: Vec<PathBuf>,

    /// backward: NEW reads OLD's data; forward: OLD reads NEW's data; full: both. [default: backward; with --subject, the subject's compatibility level in the registry, transitive levels against every version]
    #[arg(long, value_parser = compat_mode, value_name = "MODE")]
    pub mode: Option<crate::schema::compat::Mode>,

    /// Check against this registry subject's latest version.
    #[arg(long, value_name = "SUBJECT")]
    pub subject: Option<String>,

    #[command(flatten)]
    pub registry: RegistryArgs,
}

fn subject_strategy(s: &str) -> Result<crate::endpoint::registry::SubjectStrategy, String> {
    crate::endpoint::registry::SubjectStrategy::parse(s).ok_or_else(|| {
        format!("'{s}' is not a subject strategy; accepted: topic, record, topic-record")
    })
}

fn compat_mode(s: &str) -> Result<crate::schema::compat::Mode, String> {
    crate::schema::compat::Mode::parse(&s.to_ascii_lowercase())
        .ok_or_else(|| format!("'{s}' is not a mode; accepted: backward, forward, full"))
}

/// A size in bytes: 16384, 64k, 1m.
fn bytes_size(s: &str) -> Result<usize, String> {
    let t = s.trim().to_ascii_lowercase();
    let (n, mult) = if let Some(n) = t.strip_suffix("kib").or(t.strip_suffix('k')) {
        (n, 1024)
    } else if let Some(n) = t.strip_suffix("mib").or(t.strip_suffix('m')) {
        (n, 1024 * 1024)
    } else {
        (t.strip_suffix('b').unwrap_or(&t), 1)
    };
    n.trim()
        .parse::<usize>()
        .ok()
        .and_then(|n| n.checked_mul(mult))
        .ok_or_else(|| format!("'{s}' is not a size; write bytes, e.g. 16384, 64k or 1m"))
}

impl ValidateArgs {
    /// `schema-validate`: sources sorted into topics, capture files and sample events; schemas read.
    pub fn config(self, ctx: &Context) -> anyhow::Result<cmd::schema_validate::Config> {
        self.read.refuse_group("schema-validate")?;
        let (sources, samples) = self.sort_sources()?;
        if let Some(junit) = &self.junit {
            refuse_report_over_schemas(junit, &self.schemas)?;
        }
        let catalog = crate::endpoint::file::read_catalog(&self.schemas)?;
        let registry = ctx.registry(&self.registry)?;
        let proto = super::protobuf::contract(&self.proto)?;
        let select = match self.schema_for {
            SchemaFor::Auto => Select::Auto,
            SchemaFor::Single => Select::Single,
            SchemaFor::Type => Select::Type,
            SchemaFor::Topic => Select::Topic,
            SchemaFor::Registry => Select::Registry,
        };
        self.check(
            select,
            catalog.len(),
            registry.is_some(),
            proto.is_some(),
            sources.is_empty(),
        )?;
        let now_ms = crate::position::now_millis();
        let lint = self.lint_config(now_ms);
        let topics = sources.iter().any(|s| matches!(s, SourceSpec::Topic(_)));
        let kafka = if topics { ctx.kafka()? } else { None };
        let max = self.read.max;
        let mut read = self.read.read(sources, kafka);
        read.now_ms = now_ms;
        let settings = cmd::schema_validate::Settings {
            catalog,
            proto,
            registry,
            strategy: self.subject_strategy,
            select,
            envelope: crate::filter::envelope::Envelope {
                type_paths: (!self.type_path.is_empty()).then_some(self.type_path),
                id_paths: None,
                mentions: false,
            },
            payload: match self.value_format {
                PayloadArg::Auto => cmd::schema_validate::Payload::Auto,
                PayloadArg::Json => cmd::schema_validate::Payload::Json,
                PayloadArg::Avro => cmd::schema_validate::Payload::Avro,
                PayloadArg::Protobuf => cmd::schema_validate::Payload::Protobuf,
            },
            lint,
            show: self.show,
        };
        Ok(cmd::schema_validate::Config {
            read,
            samples,
            settings,
            output: match self.format {
                ReportFormat::Table => cmd::schema_validate::Output::Table,
                ReportFormat::Json => cmd::schema_validate::Output::Json,
            },
            junit: self.junit,
            allow_missing: self.allow_missing,
            max,
            quiet: ctx.quiet(),
            terminal: ctx.term,
        })
    }

    /// The sources sorted into what is read as records (topics, capture files, stdin) and
    /// files or directories of sample events.
    fn sort_sources(&self) -> anyhow::Result<(Vec<SourceSpec>, Vec<PathBuf>)> {
        let mut sources = Vec::new();
        let mut samples = Vec::new();
        // A file or directory: `file:NAME`, anything with a `/` (topic names cannot have one), or
        // a .json/.ndjson/.jsonl name; everything else is a topic, even if a directory of that
        // name happens to be here.
        // Empty names and stdin given twice are refused as every reader refuses them; a file
        // given twice (a capture file or sample events, by any name) is refused below.
        let specs = super::common::names(&self.sources)?;
        let mut seen = super::common::Seen::with_stdin(&specs)?;
        for (s, spec) in self.sources.iter().zip(specs) {
            let file = match spec {
                SourceSpec::File(p) => p,
                SourceSpec::Topic(_)
                    if [".json", ".ndjson", ".jsonl"]
                        .iter()
                        .any(|e| s.ends_with(e)) =>
                {
                    PathBuf::from(s)
                }
                other => {
                    sources.push(other);
                    continue;
                }
            };
            if !file.exists() {
                return Err(Error::Usage(format!("{s}: no such file or directory")).into());
            }
            if file.is_dir() {
                // Its files, walked once here: one also given itself, or in another directory
                // given too, would be read twice.
                let held = crate::endpoint::file::sample_files(&file)?;
                for f in &held {
                    seen.refuse_again(&format!("{s} (holding {})", f.display()), f)?;
                }
                samples.extend(held);
                continue;
            }
            seen.refuse_again(s, &file)?;
            // A pipe or device would be read twice: its first line to sniff, then from the
            // start again, which a pipe no longer has (capture lines were silently lost).
            if !file.is_file() && !file.is_dir() {
                return Err(Error::Usage(format!(
                    "{s}: not a regular file or directory (capture lines from a pipe: give - and stdin)"
                ))
                .into());
            }
            match sniff(&file)? {
                FileKind::Capture => sources.push(SourceSpec::File(file)),
                FileKind::Events => samples.push(file),
            }
        }
        Ok((sources, samples))
    }

    /// What the schemas given and the sources allow (`samples_only`: no topic, capture file
    /// nor stdin, only sample events).
    fn check(
        &self,
        select: Select,
        schemas: usize,
        registry: bool,
        proto: bool,
        samples_only: bool,
    ) -> anyhow::Result<()> {
        let refuse = |why: String| Err(Error::Usage(why).into());
        if select == Select::Registry && !registry {
            return refuse(
                "--schema-for registry needs --registry (or a profile's schema_registry)".into(),
            );
        }
        if select == Select::Single && schemas != 1 {
            return refuse(format!(
                "--schema-for single needs exactly one schema; --schema gave {schemas}"
            ));
        }
        if samples_only {
            // Only sample events: they have no topic, partitions or offsets.
            if select == Select::Topic {
                return refuse(
                    "--schema-for topic: sample events have no topic; use --schema-for type or single"
                        .into(),
                );
            }
            if schemas == 0
                && registry
                && self.subject_strategy != crate::endpoint::registry::SubjectStrategy::RecordName
            {
                return refuse(
                    "sample events have no topic to name their registry subject: use --subject-strategy record, or --schema".into(),
                );
            }
            let r = &self.read;
            if r.from.is_some() || r.until.is_some() || !r.partitions.is_empty() {
                return refuse(
                    "--from, --until and -p apply to topics and capture files, not to sample events"
                        .into(),
                );
            }
        }
        if schemas == 0 && !registry && !proto && !self.lint {
            return refuse(
                "nothing to check against: give --schema PATH, --registry URL, --proto-file FILE with --proto-type NAME, or --lint".into(),
            );
        }
        Ok(())
    }

    /// With `--lint`: the lint rules' defaults, but for what the command line names.
    fn lint_config(&self, now_ms: i64) -> Option<LintConfig> {
        if !self.lint {
            return None;
        }
        let type_path = self.type_path.first().map(|p| p.0.join("."));
        // Paths named on the command line are the envelope: CloudEvents are not guessed then.
        let own_paths = !self.required.is_empty()
            || !self.id_fields.is_empty()
            || !self.time_fields.is_empty()
            || type_path.is_some();
        let mut l = LintConfig {
            cloudevents: !own_paths,
            max_bytes: self.max_bytes,
            now_ms,
            max_future_ms: self.max_future.as_millis() as i64,
            ..LintConfig::default()
        };
        if let Some(t) = type_path {
            l.type_path = t;
        }
        if !self.required.is_empty() {
            l.required.clone_from(&self.required);
        }
        if !self.id_fields.is_empty() {
            l.id_paths.clone_from(&self.id_fields);
        }
        if !self.time_fields.is_empty() {
            l.time_paths.clone_from(&self.time_fields);
        }
        l.oldest_ms = self.oldest;
        Some(l)
    }
}

/// `--junit` is written at the end, over whatever is there: never over a `--schema` file, nor
/// a file inside a `--schema` directory.
fn refuse_report_over_schemas(junit: &std::path::Path, schemas: &[PathBuf]) -> anyhow::Result<()> {
    // A directory's schemas are its .avsc and .json files.
    let schema_like = junit
        .extension()
        .is_some_and(|e| e == "avsc" || e == "json");
    let inside = |dir: &PathBuf| {
        schema_like
            && dir.is_dir()
            && matches!(
                (junit.canonicalize(), dir.canonicalize()),
                (Ok(j), Ok(d)) if j.starts_with(&d)
            )
    };
    match schemas
        .iter()
        .find(|s| crate::endpoint::guard::same_file(junit, s) || inside(s))
    {
        Some(s) => Err(Error::Usage(format!(
            "--junit {}: that is (or is in) the schema path {}, which this command reads: write the report elsewhere",
            junit.display(),
            s.display()
        ))
        .into()),
        None => Ok(()),
    }
}

impl CompatArgs {
    pub fn config(self, ctx: &Context) -> anyhow::Result<cmd::schema_compat::Config> {
        let old = match (&self.subject, &self.schemas[..]) {
            (Some(subject), [_new]) => cmd::schema_compat::Old::Subject(subject.clone()),
            (Some(_), _) => {
                return Err(Error::Usage(
                    "with --subject, give only the new schema (the old one is the subject's latest version)".into(),
                )
                .into())
            }
            (None, [old, _new]) => cmd::schema_compat::Old::File(old.clone()),
            (None, _) => {
                return Err(Error::Usage(
                    "give OLD NEW, or NEW with --registry and --subject".into(),
                )
                .into())
            }
        };
        Ok(cmd::schema_compat::Config {
            registry: ctx.registry(&self.registry)?,
            old,
            new: self.schemas.last().expect("clap requires one").clone(),
            mode: self.mode,
        })
    }
}

/// `--oldest`: a time. An offset, `beginning`, `end` or `-N` (which a start takes) names none,
/// and was taken for the default without a word.
fn oldest(s: &str) -> Result<i64, String> {
    match values::start(s) {
        Ok(Start::Time(t)) => Ok(t),
        _ => Err(format!(
            "'{s}' is not a time: an RFC 3339 time (2000-01-01T00:00:00Z), @<ms>, or a duration ago (30d)"
        )),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_take_units() {
        assert_eq!(super::bytes_size("16384"), Ok(16384));
        assert_eq!(super::bytes_size("64k"), Ok(65536));
        assert_eq!(super::bytes_size("1m"), Ok(1 << 20));
        assert!(super::bytes_size("lots").is_err());
    }

    #[test]
    fn oldest_is_a_time_and_nothing_else() {
        assert_eq!(super::oldest("2000-01-01T00:00:00Z"), Ok(946_684_800_000));
        assert_eq!(super::oldest("@5"), Ok(5));
        for bad in ["0", "5", "beginning", "end", "-3"] {
            assert!(super::oldest(bad).is_err(), "{bad}");
        }
    }
}

//! The command line: all of clap lives here. Arguments are parsed once and converted into the
//! plain `Config` values of `cmd/`; defaults that depend on the terminal (format, colour,
//! progress) and on the config file (profiles) are settled here too.

// Doc comments here are clap's help text, written in the help's own notation
// (`<offset>`, `<topic>-value`), which rustdoc would take for HTML tags.
#![allow(rustdoc::invalid_html_tags)]

pub mod common;
pub mod demo;
pub mod filter;
pub mod generate;
pub mod kcat;
pub mod partition;
pub mod replay;
pub mod sample;
pub mod schema;
pub mod stats;
pub mod tail;
pub mod trace;
pub mod values;

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

use crate::cmd::{self, Terminal};
use crate::codec::Format;
use crate::endpoint::kafka::Settings;
use crate::endpoint::SourceSpec;
use crate::error::Error;
use crate::exit::Exit;
use crate::position::Start;
use crate::print::{self, Style};

const ABOUT: &str = "Operate Kafka event streams: tail, filter, sample, replay, schema-validate and re-key domain events, and check key partitioning across clients.";

const EXAMPLES: &str = "\
Examples:
  evops -b embedded tail articles -o beginning -e     # no Kafka needed: the built-in demo cluster
  evops -b kafka:9092 tail orders -o 3h -f json | jq .value
  evops --profile prod tail '^payments\\..*' -o -20 -e

Exit codes: 0 ok, 1 findings (bad records), 2 error, 130 interrupted; a closed pipe exits 0.";

/// `evops`: the on-call engineer's Kafka tool.
#[derive(Debug, Parser)]
#[command(name = "evops", version, about = ABOUT, after_help = EXAMPLES, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every subcommand takes.
#[derive(Debug, clap::Args)]
#[command(next_help_heading = "Kafka and global")]
pub struct Global {
    /// Kafka bootstrap servers (host:port,...), or 'embedded' for the built-in demo cluster.
    #[arg(
        short = 'b',
        long,
        env = "EVOPS_BROKERS",
        global = true,
        value_name = "BROKERS",
        value_parser = values::brokers
    )]
    pub brokers: Option<String>,

    /// A librdkafka property, e.g. -X security.protocol=SASL_SSL (repeatable; wins over the profile).
    #[arg(short = 'X', value_name = "KEY=VALUE", global = true, value_parser = values::property, action = clap::ArgAction::Append)]
    pub property: Vec<(String, String)>,

    /// A profile from the config file (brokers, librdkafka properties, schema registry).
    #[arg(long, env = "EVOPS_PROFILE", global = true, value_name = "NAME")]
    pub profile: Option<String>,

    /// The config file [default: ~/.config/evops/config.toml].
    #[arg(long, env = "EVOPS_CONFIG", global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// How long to wait for the cluster before giving up.
    #[arg(long, default_value = "10s", value_parser = values::timeout, global = true, value_name = "DURATION")]
    pub timeout: Duration,

    /// When to colour output.
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto, global = true, value_name = "WHEN")]
    pub color: ColorWhen,

    /// Show librdkafka's logs and other details on stderr (secrets are never shown).
    #[arg(short, long, global = true)]
    pub verbose: bool,

    /// Print nothing on stderr but errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
}

/// When to use colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Tail(tail::TailArgs),
    Filter(filter::FilterCmdArgs),
    Trace(trace::TraceArgs),
    Sample(sample::SampleArgs),
    Replay(replay::ReplayArgs),
    Rekey(replay::RekeyArgs),
    Demo(demo::DemoArgs),
    Partition(partition::PartitionArgs),
    #[command(name = "schema-validate")]
    SchemaValidate(schema::ValidateArgs),
    Schema(schema::SchemaArgs),
    Stats(stats::StatsArgs),
    /// Write man pages and shell completions (for packagers and the repo).
    #[command(hide = true)]
    Generate(generate::GenerateArgs),
}

/// Run a parsed command line.
pub fn dispatch(cli: Cli) -> anyhow::Result<Exit> {
    let term = Terminal::detect();
    let g = &cli.global;
    match cli.command {
        Command::Tail(a) => {
            let job = Job {
                name: "tail",
                sources: a.sources,
                expr: None,
                default_from: Start::End,
                exit_at_end: a.read.exit,
                ordered: a.ordered.then_some(crate::merge::DEFAULT_LIMIT),
                to: None,
                writing: cmd::Writing::default(),
                count_only: false,
                stats: false,
                nothing_is_a_finding: false,
            };
            let codecs = codecs(g, &a.output)?;
            cmd::tail::run(job.config(g, term, a.read, &a.filter, a.output, codecs)?)
        }
        Command::Filter(a) => {
            let (sources, expr) = filter::split_expression(&a.args, a.after.as_ref());
            if a.explain {
                let spec = a.filter.spec(a.output.key_format, expr.as_deref())?;
                crate::print::to_stdout(&format!("select({})", spec.jq()))?;
                return Ok(Exit::Ok);
            }
            let job = Job {
                name: "filter",
                sources,
                expr,
                default_from: Start::Beginning,
                exit_at_end: !a.follow,
                ordered: a.ordered.then_some(a.merge_buffer),
                to: a.to,
                writing: a.write.writing(),
                count_only: a.count,
                stats: a.stats,
                nothing_is_a_finding: true,
            };
            let codecs = codecs(g, &a.output)?;
            cmd::filter::run(job.config(g, term, a.read, &a.filter, a.output, codecs)?)
        }
        Command::Trace(a) => {
            let sources = if a.topics.is_empty() {
                vec!["^[^_].*".to_string()]
            } else {
                a.topics
            };
            let job = Job {
                name: "trace",
                sources,
                expr: None,
                default_from: Start::Beginning,
                exit_at_end: !a.follow,
                ordered: Some(a.merge_buffer),
                to: None,
                writing: cmd::Writing::default(),
                count_only: false,
                stats: false,
                nothing_is_a_finding: true,
            };
            let codecs = codecs(g, &a.output)?;
            cmd::trace::run(cmd::trace::Config {
                ids: a.ids,
                job: job.config(g, term, a.read, &a.filter, a.output, codecs)?,
            })
        }
        Command::Sample(a) => {
            let (sources, expr) = filter::split_expression(&a.args, a.after.as_ref());
            let codecs = codecs(g, &a.output)?;
            let mode = if let Some(rate) = a.rate {
                if a.by_key {
                    crate::sample::Mode::RateByKey(rate)
                } else {
                    crate::sample::Mode::Rate(rate)
                }
            } else if let Some(n) = a.count {
                crate::sample::Mode::Count(n)
            } else if !a.per.is_empty() {
                let n = sample::count(&a.per[1], "--per").map_err(Error::Usage)?;
                let e = crate::expr::Expr::compile(&a.per[0])
                    .map_err(|e| Error::Usage(format!("--per: the jq expression: {e}")))?;
                let mut viewer = crate::expr::Viewer::new(codecs.clone());
                crate::sample::Mode::Per(
                    Box::new(move |r| {
                        let (view, problem) = viewer.view(r);
                        match problem {
                            Some(p) => Err(p),
                            None => e.first_text(view),
                        }
                    }),
                    n,
                )
            } else {
                let (window_ms, n) = sample::every(&a.every).map_err(Error::Usage)?;
                crate::sample::Mode::Every { window_ms, n }
            };
            let job = Job {
                name: "sample",
                sources,
                expr,
                default_from: Start::Beginning,
                exit_at_end: !a.follow,
                ordered: a.ordered.then_some(crate::merge::DEFAULT_LIMIT),
                to: a.to,
                writing: a.write.writing(),
                count_only: false,
                stats: false,
                nothing_is_a_finding: false,
            };
            cmd::sample::run(cmd::sample::Config {
                job: job.config(g, term, a.read, &a.filter, a.output, codecs)?,
                mode,
                seed: a.seed,
            })
        }
        Command::Replay(a) => {
            let (sources, expr) = filter::split_expression(&a.args, a.after.as_ref());
            let codecs = codecs(g, &a.output)?;
            let output = output_options(g, term, a.output.format.clone(), codecs)?;
            let spec = a.filter.spec(output.codecs.key, expr.as_deref())?;
            if a.filter.key.partitioner.1 && a.partitioning == replay::Partitioning::Hash {
                return Err(Error::Usage(
                    "--partitioning hash needs a named partitioner, not 'auto'".into(),
                )
                .into());
            }
            let placement = match a.partitioning {
                replay::Partitioning::Keep => crate::endpoint::kafka::sink::Placement::Keep,
                replay::Partitioning::Hash => crate::endpoint::kafka::sink::Placement::Key(
                    a.filter.key.partitioner.0.ok_or_else(|| {
                        Error::Usage(
                            "--partitioning hash needs a partitioner, not 'all' (see `evops partition --list`)".into(),
                        )
                    })?,
                ),
            };
            let identity = replay_identity(
                &sources,
                &a.read,
                &spec,
                &a.replay.to,
                &format!(
                    "{:?}/{}",
                    a.partitioning,
                    a.filter.key.partitioner.0.map_or("all", |p| p.name)
                ),
            );
            let max = a.read.max;
            let read = replay_read(g, sources, a.read, a.filter.key_route(output.codecs.key)?)?;
            let mut cfg = replay_config(
                g, term, "replay", read, spec, placement, a.replay, identity, None, output,
            )?;
            // A replay stopped at --max is incomplete: the same command copies the next ones.
            cfg.max = max;
            cmd::replay::run(cfg)
        }
        Command::Rekey(a) => {
            let (sources, expr) = filter::split_expression(&a.args, a.after.as_ref());
            let view = crate::codec::Codecs::new(Format::Auto, a.value_format);
            let output = output_options(g, term, a.format.clone(), view.clone())?;
            let spec = a.cond.spec(expr.as_deref())?;
            let key_source = match (&a.key, &a.key_template) {
                (Some(e), _) => crate::replay::rekey::KeySource::Expr(
                    crate::expr::Expr::compile(e)
                        .map_err(|e| Error::Usage(format!("--key: the jq expression: {e}")))?,
                ),
                (None, Some(Style::Template(t))) => crate::replay::rekey::KeySource::Template(t.clone()),
                _ => {
                    return Err(Error::Usage(
                        "--key-template needs a template with {fields}, e.g. '{value.meta.tenant}:{key}'".into(),
                    )
                    .into())
                }
            };
            let identity = replay_identity(
                &sources,
                &a.read,
                &spec,
                &a.replay.to,
                &format!(
                    "rekey/{}/{:?}/{:?}/{}",
                    a.key.clone().unwrap_or_default(),
                    a.key_template,
                    a.key_format,
                    a.partitioner.name
                ),
            );
            let max = a.read.max;
            let read = replay_read(g, sources, a.read, None)?;
            let create = a.create_topic.then_some(a.partitions).flatten();
            if create.is_some_and(|n| n < 1) {
                return Err(Error::Usage("--partitions must be at least 1".into()).into());
            }
            let mut replay = replay_config(
                g,
                term,
                "rekey",
                read,
                spec,
                crate::endpoint::kafka::sink::Placement::Key(a.partitioner),
                a.replay,
                identity,
                create,
                output,
            )?;
            replay.max = max;
            cmd::rekey::run(cmd::rekey::Config {
                replay,
                key: key_source,
                view,
                key_format: a.key_format,
                partitioner: a.partitioner,
            })
        }
        Command::Demo(a) => {
            let mut kafka = kafka_settings(g)?.unwrap_or(Settings {
                brokers: "embedded".into(),
                properties: vec![],
                timeout: g.timeout,
                verbose: g.verbose,
            });
            kafka.properties.clear();
            cmd::demo::run(cmd::demo::Config {
                kafka,
                rate: a.rate,
                duration: a.duration,
                quiet: g.quiet,
            })
        }
        Command::Partition(partition::PartitionArgs {
            command: Some(partition::PartitionCommand::Audit(a)),
            ..
        }) => {
            if a.read.group.is_some() {
                return Err(Error::Usage(
                    "partition audit reads without a consumer group (it must not disturb consumers); drop --group".into(),
                )
                .into());
            }
            cmd::partition_audit::run(cmd::partition_audit::Config {
            sources: a.sources.iter().map(|s| SourceSpec::parse(s)).collect(),
            kafka: kafka_settings(g)?,
            from: a.read.from.map(|g| g.value),
            until: a.read.until.map(|g| g.value),
            only: (!a.read.partitions.is_empty()).then_some(a.read.partitions),
            max: a.read.max,
            expect: a.expect,
            partitions: a.partition_count,
            max_keys: a.max_keys,
            json: a.output == "json",
            quiet: g.quiet,
            terminal: term,
            now_ms: crate::position::now_millis(),
        })
        }
        Command::Partition(a) => {
            let json = a.output == "json";
            if a.list {
                return cmd::partition::list(json);
            }
            let count = match (a.partitions, a.topic) {
                (Some(n), _) => cmd::partition::Count::Fixed(n),
                (None, Some(t)) => cmd::partition::Count::Topic(
                    t,
                    kafka_settings(g)?.ok_or_else(|| {
                        Error::Usage(
                            "--topic needs brokers: -b/--brokers, EVOPS_BROKERS or a --profile"
                                .into(),
                        )
                    })?,
                ),
                (None, None) => unreachable!("clap requires --partitions or --topic"),
            };
            let keys = if a.keys.is_empty() {
                read_lines_from_stdin()?
            } else {
                a.keys
            };
            cmd::partition::run(cmd::partition::Config {
                keys,
                count,
                key_format: a.key_format,
                compare_formats: a.compare_formats,
                json,
            })
        }
        Command::Stats(a) => cmd::stats::run(a.config(g, term)?),
        Command::SchemaValidate(a) => cmd::schema_validate::run(validate_config(g, term, a)?),
        Command::Schema(schema::SchemaArgs {
            command: schema::SchemaCommand::Compat(a),
        }) => cmd::schema_compat::run(cmd::schema_compat::Config {
            registry: registry(g, &a.registry)?,
            old: match (&a.subject, &a.schemas[..]) {
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
            },
            new: a.schemas.last().expect("clap requires one").clone(),
            mode: a.mode,
        }),
        Command::Generate(a) => generate::run(&a).map(|()| Exit::Ok),
    }
}

/// What makes two runs of a replay "the same replay" (and so resumable): sources, range,
/// filter, target and placement; not the rate, the checkpoint file or the output format.
fn replay_identity(
    sources: &[String],
    read: &common::ReadArgs,
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

/// The read of a replay: always bounded (the end offsets taken at the start, or --until).
fn replay_read(
    g: &Global,
    sources: Vec<String>,
    read: common::ReadArgs,
    key_route: Option<(Vec<u8>, &'static crate::partition::Partitioner)>,
) -> anyhow::Result<cmd::Read> {
    if let [only] = &sources[..] {
        if common::looks_like_expression(only) {
            return Err(Error::Usage(format!(
                "'{only}' looks like an expression, but no source was given before it"
            ))
            .into());
        }
    }
    Ok(cmd::Read {
        sources: sources.iter().map(|s| SourceSpec::parse(s)).collect(),
        kafka: kafka_settings(g)?,
        partitions: (!read.partitions.is_empty()).then_some(read.partitions),
        from: read.from.map(|g| g.value),
        until: read.until.map(|g| g.value),
        exit_at_end: true,
        group: read.group,
        key_route,
        infer_route: false,
        overrides: None,
        group_hooks: None,
        group_txn: None,
        now_ms: crate::position::now_millis(),
    })
}

#[allow(clippy::too_many_arguments)]
fn replay_config(
    g: &Global,
    term: Terminal,
    name: &'static str,
    read: cmd::Read,
    filter: crate::filter::Spec,
    placement: crate::endpoint::kafka::sink::Placement,
    r: replay::ReplayOptions,
    identity: Vec<String>,
    create_partitions: Option<i32>,
    output: print::Options,
) -> anyhow::Result<cmd::replay::Config> {
    Ok(cmd::replay::Config {
        name,
        read,
        filter,
        target: r.to,
        placement,
        timestamp_now: r.timestamp == replay::TimestampMode::Now,
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
        identity,
        before: None,
        create_partitions,
        max: None,
        output,
        quiet: g.quiet,
        terminal: term,
    })
}

/// What differs between the filtering subcommands (tail, filter, trace, sample).
struct Job {
    name: &'static str,
    sources: Vec<String>,
    expr: Option<String>,
    default_from: Start,
    exit_at_end: bool,
    ordered: Option<usize>,
    to: Option<String>,
    writing: cmd::Writing,
    count_only: bool,
    stats: bool,
    nothing_is_a_finding: bool,
}

impl Job {
    fn config(
        self,
        g: &Global,
        term: Terminal,
        read: common::ReadArgs,
        filter: &common::FilterArgs,
        output: common::OutputArgs,
        codecs: crate::codec::Codecs,
    ) -> anyhow::Result<cmd::filter::Config> {
        if read.exit && !self.exit_at_end {
            return Err(Error::Usage(
                "-e stops at the end offsets taken at the start; -F keeps waiting for new records: give one of them".into(),
            )
            .into());
        }
        if let [only] = &self.sources[..] {
            if self.expr.is_none() && common::looks_like_expression(only) {
                return Err(Error::Usage(format!(
                    "'{only}' looks like an expression, but no source was given before it"
                ))
                .into());
            }
        }
        if read.group.is_some() && self.ordered.is_some() {
            return Err(Error::Usage(
                "--group commits what was read; --ordered holds records back, which a crash would then skip: use one or the other".into(),
            )
            .into());
        }
        let to = self.to.as_deref().map(cmd::SinkSpec::parse);
        let output = output_options(g, term, output.format.clone(), codecs)?;
        let spec = filter.spec(output.codecs.key, self.expr.as_deref())?;
        Ok(cmd::filter::Config {
            name: self.name,
            read: cmd::Read {
                sources: self.sources.iter().map(|s| SourceSpec::parse(s)).collect(),
                kafka: kafka_settings(g)?,
                partitions: (!read.partitions.is_empty()).then_some(read.partitions),
                from: read.from.map(|g| g.value),
                until: read.until.map(|g| g.value),
                exit_at_end: self.exit_at_end,
                group: read.group,
                key_route: filter.key_route(output.codecs.key)?,
                infer_route: filter.key.partitioner.1,
                overrides: None,
                group_hooks: None,
                group_txn: None,
                now_ms: crate::position::now_millis(),
            },
            default_from: self.default_from,
            filter: spec,
            ordered: self.ordered,
            to: to.unwrap_or(cmd::SinkSpec::Stdout),
            writing: self.writing,
            output,
            max: read.max,
            count_only: self.count_only,
            stats: self.stats,
            nothing_is_a_finding: self.nothing_is_a_finding,
            quiet: g.quiet,
            terminal: term,
        })
    }
}

/// Keys typed one per line on stdin (a terminal is refused: nobody is typing there by design).
fn read_lines_from_stdin() -> anyhow::Result<Vec<String>> {
    use std::io::{BufRead, IsTerminal, Read};
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Err(Error::Usage(
            "no keys given: pass them as arguments or one per line on stdin".into(),
        )
        .into());
    }
    // A key is at most 1 MiB: a line without an end (`< /dev/zero`) is an error, not a
    // process that grows until it is killed.
    const MAX_KEY: u64 = 1 << 20;
    let mut keys = Vec::new();
    let mut input = stdin.lock();
    let mut line = Vec::new();
    for number in 1.. {
        line.clear();
        if (&mut input)
            .take(MAX_KEY + 2)
            .read_until(b'\n', &mut line)?
            == 0
        {
            break;
        }
        if crate::interrupt::interrupted() {
            return Err(Error::Interrupted.into());
        }
        let text = line.strip_suffix(b"\n").unwrap_or(&line);
        let text = text.strip_suffix(b"\r").unwrap_or(text);
        if text.len() as u64 > MAX_KEY {
            return Err(
                Error::Usage(format!("stdin line {number}: a key longer than 1 MiB")).into(),
            );
        }
        let text = std::str::from_utf8(text).map_err(|_| {
            Error::Usage(format!(
                "stdin line {number}: not UTF-8 (give hex keys with --key-format hex)"
            ))
        })?;
        if !text.is_empty() {
            keys.push(text.to_string());
        }
    }
    Ok(keys)
}

/// The codecs of a run: the key and value formats and, with `--key-format avro` or
/// `--value-format avro`, the schemas to decode with (the registry for framed payloads,
/// `--schema` for bare datums).
fn codecs(g: &Global, o: &common::OutputArgs) -> anyhow::Result<crate::codec::Codecs> {
    let codecs = crate::codec::Codecs::new(o.key_format, o.value_format);
    if o.key_format != Format::Avro && o.value_format != Format::Avro {
        return Ok(codecs);
    }
    let registry = registry(g, &o.registry)?;
    let bare = match &o.avro_schema {
        None => None,
        Some(p) => {
            let text = crate::endpoint::file::read_small(p)
                .map_err(|e| anyhow::anyhow!("--schema {}: {e}", p.display()))?;
            Some(std::sync::Arc::new(
                crate::schema::avro::AvroSchema::parse(&text, &[]).map_err(|e| {
                    anyhow::anyhow!("--schema {}: not a valid Avro schema: {e}", p.display())
                })?,
            ))
        }
    };
    if registry.is_none() && bare.is_none() {
        return Ok(codecs); // output_options says what is missing
    }
    let lookup = crate::endpoint::registry::AvroLookup::new(registry, bare);
    Ok(codecs.with_avro(std::sync::Arc::new(lookup)))
}

/// The schema registry client, from --registry or the profile's `schema_registry`.
fn registry(
    g: &Global,
    a: &schema::RegistryArgs,
) -> anyhow::Result<Option<crate::endpoint::registry::Registry>> {
    let profile = match (&a.registry, &a.registry_ca) {
        (Some(_), Some(_)) => None,
        _ => crate::config::load(g.config.as_deref())?.profile(g.profile.as_deref())?,
    };
    let url = match &a.registry {
        Some(u) => Some(u.clone()),
        None => profile.as_ref().and_then(|p| p.schema_registry.clone()),
    };
    let Some(url) = url else {
        return Ok(None);
    };
    let ca = (a.registry_ca.clone()).or_else(|| profile.and_then(|p| p.schema_registry_ca));
    let mut cfg = crate::endpoint::registry::RegistryConfig::parse(
        &url,
        a.registry_auth.as_deref(),
        g.timeout,
    )
    .map_err(|e| Error::Usage(format!("--registry: {e}")))?;
    if let Some(ca) = ca {
        cfg = cfg
            .with_ca_file(&ca)
            .map_err(|e| Error::Usage(format!("--registry-ca: {e}")))?;
    }
    Ok(Some(crate::endpoint::registry::Registry::new(cfg)))
}

/// `schema-validate`: sources sorted into topics, capture files and sample events; schemas read.
fn validate_config(
    g: &Global,
    term: Terminal,
    a: schema::ValidateArgs,
) -> anyhow::Result<cmd::schema_validate::Config> {
    use crate::endpoint::file::{sniff, FileKind};
    use crate::schema::catalog::Select;
    if a.read.group.is_some() {
        return Err(Error::Usage(
            "schema-validate reads without a consumer group (it must not disturb consumers); drop --group".into(),
        )
        .into());
    }
    let mut sources = Vec::new();
    let mut samples = Vec::new();
    // A file or directory: `file:NAME`, anything with a `/` (topic names cannot have one), or
    // a .json/.ndjson/.jsonl name; everything else is a topic, even if a directory of that
    // name happens to be here.
    for s in &a.sources {
        let file = match SourceSpec::parse(s) {
            SourceSpec::File(p) => Some(p),
            SourceSpec::Topic(_)
                if [".json", ".ndjson", ".jsonl"]
                    .iter()
                    .any(|e| s.ends_with(e)) =>
            {
                Some(std::path::PathBuf::from(s))
            }
            SourceSpec::Topic(t) => {
                sources.push(SourceSpec::Topic(t));
                None
            }
            SourceSpec::Stdin => {
                sources.push(SourceSpec::Stdin);
                None
            }
        };
        if let Some(path) = file {
            if !path.exists() {
                return Err(Error::Usage(format!("{s}: no such file or directory")).into());
            }
            match sniff(&path)? {
                FileKind::Capture => sources.push(SourceSpec::File(path)),
                FileKind::Events => samples.push(path),
            }
        }
    }
    if let Some(junit) = &a.junit {
        refuse_report_over_schemas(junit, &a.schemas)?;
    }
    let catalog = cmd::schema_validate::read_catalog(&a.schemas)?;
    let registry = registry(g, &a.registry)?;
    let select = match a.schema_for {
        schema::SchemaFor::Auto => Select::Auto,
        schema::SchemaFor::Single => Select::Single,
        schema::SchemaFor::Type => Select::Type,
        schema::SchemaFor::Topic => Select::Topic,
        schema::SchemaFor::Registry => Select::Registry,
    };
    if select == Select::Registry && registry.is_none() {
        return Err(Error::Usage(
            "--schema-for registry needs --registry (or a profile's schema_registry)".into(),
        )
        .into());
    }
    if select == Select::Single && catalog.len() != 1 {
        return Err(Error::Usage(format!(
            "--schema-for single needs exactly one schema; --schema gave {}",
            catalog.len()
        ))
        .into());
    }
    if sources.is_empty() {
        // Only sample events: they have no topic, partitions or offsets.
        if select == Select::Topic {
            return Err(Error::Usage(
                "--schema-for topic: sample events have no topic; use --schema-for type or single"
                    .into(),
            )
            .into());
        }
        if catalog.is_empty()
            && registry.is_some()
            && a.subject_strategy != crate::endpoint::registry::SubjectStrategy::RecordName
        {
            return Err(Error::Usage(
                "sample events have no topic to name their registry subject: use --subject-strategy record, or --schema".into(),
            )
            .into());
        }
        if a.read.from.is_some() || a.read.until.is_some() || !a.read.partitions.is_empty() {
            return Err(Error::Usage(
                "--from, --until and -p apply to topics and capture files, not to sample events"
                    .into(),
            )
            .into());
        }
    }
    if catalog.is_empty() && registry.is_none() && !a.lint {
        return Err(Error::Usage(
            "nothing to check against: give --schema PATH, --registry URL, or --lint".into(),
        )
        .into());
    }
    let now_ms = crate::position::now_millis();
    let type_path = a.type_path.first().map(|p| p.0.join("."));
    // Paths named on the command line are the envelope: CloudEvents are not guessed then.
    let own_paths = !a.required.is_empty()
        || !a.id_fields.is_empty()
        || !a.time_fields.is_empty()
        || type_path.is_some();
    let lint = a.lint.then(|| {
        // The defaults, but for what the command line names.
        let mut l = crate::schema::lint::LintConfig {
            cloudevents: !own_paths,
            max_bytes: a.max_bytes,
            now_ms,
            max_future_ms: a.max_future.as_millis() as i64,
            ..crate::schema::lint::LintConfig::default()
        };
        if let Some(t) = type_path {
            l.type_path = t;
        }
        if !a.required.is_empty() {
            l.required = a.required.clone();
        }
        if !a.id_fields.is_empty() {
            l.id_paths = a.id_fields.clone();
        }
        if !a.time_fields.is_empty() {
            l.time_paths = a.time_fields.clone();
        }
        if let Start::Time(t) = a.oldest {
            l.oldest_ms = t;
        }
        l
    });
    Ok(cmd::schema_validate::Config {
        read: cmd::Read {
            kafka: if sources.iter().any(|s| matches!(s, SourceSpec::Topic(_))) {
                kafka_settings(g)?
            } else {
                None
            },
            sources,
            partitions: (!a.read.partitions.is_empty()).then_some(a.read.partitions),
            from: a.read.from.map(|g| g.value),
            until: a.read.until.map(|g| g.value),
            exit_at_end: true,
            group: None,
            key_route: None,
            infer_route: false,
            overrides: None,
            group_hooks: None,
            group_txn: None,
            now_ms,
        },
        samples,
        catalog,
        registry,
        strategy: a.subject_strategy,
        select,
        envelope: crate::filter::envelope::Envelope {
            type_paths: (!a.type_path.is_empty()).then_some(a.type_path),
            id_paths: None,
            mentions: false,
        },
        payload: match a.value_format {
            schema::PayloadArg::Auto => cmd::schema_validate::Payload::Auto,
            schema::PayloadArg::Json => cmd::schema_validate::Payload::Json,
            schema::PayloadArg::Avro => cmd::schema_validate::Payload::Avro,
        },
        lint,
        show: a.show,
        output: match a.format {
            schema::ReportFormat::Table => cmd::schema_validate::Output::Table,
            schema::ReportFormat::Json => cmd::schema_validate::Output::Json,
        },
        junit: a.junit,
        allow_missing: a.allow_missing,
        max: a.read.max,
        quiet: g.quiet,
        terminal: term,
    })
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

/// Kafka settings from the flags, the environment and the profile; `None` when no brokers are
/// configured anywhere (commands on files need none).
fn kafka_settings(g: &Global) -> anyhow::Result<Option<Settings>> {
    let file = crate::config::load(g.config.as_deref())?;
    let profile = file.profile(g.profile.as_deref())?.unwrap_or_default();
    let Some(brokers) = g.brokers.clone().or(profile.brokers.clone()) else {
        return Ok(None);
    };
    let mut properties: Vec<(String, String)> = profile.properties.into_iter().collect();
    properties.extend(g.property.iter().cloned());
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
    }))
}

fn output_options(
    g: &Global,
    term: Terminal,
    style: Option<Style>,
    codecs: crate::codec::Codecs,
) -> anyhow::Result<print::Options> {
    if codecs.missing_schemas() {
        return Err(Error::Usage(
            "avro decoding needs a schema: give --schema FILE (bare datums) or --registry URL (Confluent-framed payloads)".into(),
        )
        .into());
    }
    let color = match g.color {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => term.stdout && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
    };
    Ok(print::Options {
        style: style.unwrap_or(if term.stdout {
            Style::Pretty
        } else {
            Style::Json
        }),
        codecs,
        color,
        terminal: term.stdout,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}

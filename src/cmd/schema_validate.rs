//! `evops schema-validate SOURCE...`: check events against their schemas (Avro, JSON Schema, a
//! schema registry) and, with `--lint`, against the house rules for events; report a summary
//! per schema, the first violations with their location and JSON pointer, optionally a JUnit
//! file for CI. Sources are topics and capture files (read through the usual pipeline) and
//! sample events (NDJSON / JSON files and directories, what a CI job has). Exit 1 when an event
//! is invalid, has no schema or cannot be read; 2 when a schema or the registry cannot be read.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use serde_json::{json, Value};

use crate::endpoint::file::SampleSource;
use crate::endpoint::registry::{Registry, RegistryError, SubjectStrategy};
use crate::endpoint::{Chain, Source};
use crate::exit::Exit;
use crate::filter::envelope::Envelope;
use crate::pipeline::{Cx, Ended, Stage};
use crate::position::Start;
use crate::print::report::Report;
use crate::print::{self, table};
use crate::record::Record;
use crate::schema::avro::{self, AvroSchema};
use crate::schema::catalog::{Body, Catalog, Schema, Select};
use crate::schema::lint::{LintConfig, Linter, Loc};
use crate::schema::Violation;

use super::{Read, Terminal};

/// How values are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payload {
    /// Confluent-framed bytes are Avro (or JSON) with a registry id; bytes that look like JSON
    /// are JSON; other bytes are an Avro datum of the selected Avro schema.
    Auto,
    /// Always JSON.
    Json,
    /// Always Avro: framed, or a bare datum of the selected schema.
    Avro,
}

/// How the results are printed on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    Table,
    Json,
}

/// Everything `schema-validate` needs, as plain values.
pub struct Config {
    /// Topics and capture files.
    pub read: Read,
    /// Sample events: NDJSON / JSON files and directories of them.
    pub samples: Vec<PathBuf>,
    pub catalog: Catalog,
    pub registry: Option<Registry>,
    pub strategy: SubjectStrategy,
    pub select: Select,
    pub envelope: Envelope,
    pub payload: Payload,
    pub lint: Option<LintConfig>,
    /// How many violations to show (overall, and per schema in the JUnit file).
    pub show: usize,
    pub output: Output,
    pub junit: Option<PathBuf>,
    /// Events without a schema are counted but are not a finding.
    pub allow_missing: bool,
    pub max: Option<u64>,
    pub quiet: bool,
    pub terminal: Terminal,
}

/// One shown violation.
#[derive(Debug, Clone)]
struct Shown {
    location: String,
    schema: String,
    v: Violation,
}

/// Counts for one schema (or one lint rule).
#[derive(Debug, Clone, Default)]
struct Group {
    kind: &'static str,
    origin: String,
    checked: u64,
    valid: u64,
    invalid: u64,
    warnings: u64,
    examples: Vec<Shown>,
}

/// Where the bookkeeping names records.
const NO_SCHEMA: &str = "(no schema)";
const UNREADABLE: &str = "(unreadable)";

/// The validating stage: takes every record, lets none through.
pub struct Validator<'a> {
    catalog: &'a Catalog,
    registry: Option<&'a Registry>,
    strategy: SubjectStrategy,
    select: Select,
    envelope: Envelope,
    payload: Payload,
    linter: Option<Linter>,
    show: usize,
    /// Registry schemas by id, parsed once (a failure is kept too: one message per id).
    by_id: HashMap<u32, Result<Arc<Schema>, String>>,
    /// Registry schemas by subject (latest version), for unframed events.
    by_subject: HashMap<String, Result<Arc<Schema>, String>>,
    groups: Vec<(String, Group)>,
    group_index: HashMap<String, usize>,
    shown: Vec<Shown>,
    /// Source names for lint locations (`Loc` carries an index), shared with the linter's
    /// namer so that "duplicate of users/2@17" names the first event.
    sources: Arc<std::sync::RwLock<Vec<Arc<str>>>>,
    source_index: HashMap<Arc<str>, u32>,
    pub checked: u64,
    pub valid: u64,
    pub invalid: u64,
    pub missing: u64,
    pub unreadable: u64,
    pub tombstones: u64,
    pub warnings: u64,
    /// A schema or the registry failed: the run is an error, not a verdict.
    pub fatal: Option<anyhow::Error>,
    scratch: Vec<Violation>,
}

impl<'a> Validator<'a> {
    pub fn new(cfg: &'a Config) -> Validator<'a> {
        let sources: Arc<std::sync::RwLock<Vec<Arc<str>>>> = Arc::default();
        let names = sources.clone();
        let namer = move |loc: Loc| {
            let names = names.read().expect("source names");
            let name = |i: u32| names.get(i as usize).map_or("?", |n| &**n).to_string();
            match loc {
                Loc::Line { file, line } => format!("{}:{line}", name(file)),
                Loc::Record {
                    source,
                    partition,
                    offset,
                } if partition == SampleSource::ELEMENT => format!("{}#/{offset}", name(source)),
                Loc::Record {
                    source,
                    partition,
                    offset,
                } => format!("{}/{partition}@{offset}", name(source)),
            }
        };
        Validator {
            catalog: &cfg.catalog,
            registry: cfg.registry.as_ref(),
            strategy: cfg.strategy,
            select: cfg.select,
            envelope: cfg.envelope.clone(),
            payload: cfg.payload,
            linter: cfg.lint.clone().map(|l| Linter::new(l).with_names(namer)),
            show: cfg.show,
            by_id: HashMap::new(),
            by_subject: HashMap::new(),
            groups: Vec::new(),
            group_index: HashMap::new(),
            shown: Vec::new(),
            sources,
            source_index: HashMap::new(),
            checked: 0,
            valid: 0,
            invalid: 0,
            missing: 0,
            unreadable: 0,
            tombstones: 0,
            warnings: 0,
            fatal: None,
            scratch: Vec::new(),
        }
    }

    fn group(&mut self, name: &str, kind: &'static str, origin: &str) -> usize {
        if let Some(&i) = self.group_index.get(name) {
            return i;
        }
        let i = self.groups.len();
        self.groups.push((
            name.to_string(),
            Group {
                kind,
                origin: origin.to_string(),
                ..Group::default()
            },
        ));
        self.group_index.insert(name.to_string(), i);
        i
    }

    fn note(&mut self, group: usize, r: &Record, v: Violation) {
        let schema = self.groups[group].0.clone();
        let want_global = self.shown.len() < self.show;
        let want_group = self.groups[group].1.examples.len() < self.show;
        if want_global || want_group {
            let s = Shown {
                location: location(r),
                schema,
                v,
            };
            if want_group {
                self.groups[group].1.examples.push(s.clone());
            }
            if want_global {
                self.shown.push(s);
            }
        }
    }

    /// A registry schema by id, parsed once.
    fn registry_schema(&mut self, id: u32) -> Result<Arc<Schema>, String> {
        if let Some(s) = self.by_id.get(&id) {
            return s.clone();
        }
        let registry = self.registry.expect("asked only with a registry");
        let got = match registry.schema_by_id(id) {
            Ok(reg) => parse_registered(registry, &reg, format!("registry id {id}"))
                .map(Arc::new)
                .map_err(|e| {
                    if self.fatal.is_none() {
                        self.fatal = Some(anyhow::anyhow!("{e}"));
                    }
                    e
                }),
            Err(e @ RegistryError::NotFound { .. }) => {
                Err(format!("schema id {id} is not in the registry ({e})"))
            }
            Err(e) => {
                if self.fatal.is_none() {
                    self.fatal = Some(anyhow::Error::new(e).context("schema registry"));
                }
                Err(format!("schema id {id}: the registry failed"))
            }
        };
        self.by_id.insert(id, got.clone());
        got
    }

    /// The latest registry schema of a subject, parsed once.
    fn subject_schema(&mut self, subject: &str) -> Result<Arc<Schema>, String> {
        if let Some(s) = self.by_subject.get(subject) {
            return s.clone();
        }
        let registry = self.registry.expect("asked only with a registry");
        let got = match registry.latest(subject) {
            Ok(reg) => {
                let name = format!("{subject} v{}", reg.version.unwrap_or(0));
                parse_registered(registry, &reg, format!("registry subject {subject}"))
                    .map(|mut s| {
                        s.name = name;
                        Arc::new(s)
                    })
                    .map_err(|e| {
                        if self.fatal.is_none() {
                            self.fatal = Some(anyhow::anyhow!("{e}"));
                        }
                        e
                    })
            }
            Err(e @ RegistryError::NotFound { .. }) => Err(format!(
                "no schema for subject '{subject}' in the registry ({e})"
            )),
            Err(e) => {
                if self.fatal.is_none() {
                    self.fatal = Some(anyhow::Error::new(e).context("schema registry"));
                }
                Err(format!("subject {subject}: the registry failed"))
            }
        };
        self.by_subject.insert(subject.to_string(), got.clone());
        got
    }

    /// The local schema for an event (by the rule), or the registry's by subject.
    fn local_or_subject(
        &mut self,
        topic: &str,
        ty: Option<&str>,
        sample: bool,
    ) -> Result<Arc<Schema>, String> {
        let topic_opt = (!sample).then_some(topic);
        if !self.catalog.is_empty() {
            return self.catalog.select(self.select, topic_opt, ty).cloned();
        }
        if self.registry.is_some() && self.select != Select::Registry {
            let subject = match (self.strategy, topic_opt) {
                (SubjectStrategy::TopicName, None) => {
                    return Err("a sample event has no topic: the TopicName strategy cannot name its subject (use --subject-strategy record)".into())
                }
                (s, t) => s.subject(t.unwrap_or(""), ty, false)?,
            };
            return self.subject_schema(&subject);
        }
        Err(if self.registry.is_some() {
            "not framed with a schema registry id".to_string()
        } else {
            "no schema given".to_string()
        })
    }

    fn check(&mut self, r: &Record) {
        let Some(bytes) = r.value.as_deref() else {
            self.tombstones += 1;
            return;
        };
        self.checked += 1;
        let sample = r.partition < 0;
        let mut violations = std::mem::take(&mut self.scratch);
        violations.clear();

        // Decode: framed Avro (or JSON) with a registry id, a bare Avro datum, or JSON.
        let framed = match self.payload {
            Payload::Json => None,
            _ => avro::unframe(bytes),
        };
        let mut schema: Option<Arc<Schema>> = None;
        let mut value: Option<Value> = None;
        let mut problem: Option<(String, Violation)> = None;
        if let Some((id, datum)) = framed {
            let writer = if self.registry.is_some() {
                self.registry_schema(id)
            } else {
                self.local_or_subject(&r.topic, None, sample).map_err(|e| {
                    format!("framed with registry id {id} but no --registry was given, and {e}")
                })
            };
            match writer {
                Err(e) => problem = Some((NO_SCHEMA.into(), Violation::schema("", e))),
                Ok(w) => {
                    // A local contract schema, when one applies, must be able to read it.
                    let reader = if self.registry.is_some() && !self.catalog.is_empty() {
                        self.catalog
                            .select(self.select, (!sample).then_some(&*r.topic), None)
                            .ok()
                            .cloned()
                    } else {
                        None
                    };
                    let decoded = match (&w.body, reader.as_deref().map(|s| &s.body)) {
                        (Body::Avro(wa), Some(Body::Avro(ra))) => ra.decode_as(wa, datum),
                        (Body::Avro(wa), _) => wa.decode(datum),
                        (Body::Json(_), _) => serde_json::from_slice::<Value>(datum).map_err(|e| {
                            Violation::schema(
                                "",
                                format!("not JSON after the registry framing ({e})"),
                            )
                        }),
                    };
                    let s = reader.unwrap_or(w);
                    match decoded {
                        Ok(v) => {
                            if let Body::Json(js) = &s.body {
                                if !js.is_valid(&v) {
                                    js.check(&v, &mut violations, 16);
                                }
                            }
                            value = Some(v);
                        }
                        Err(v) => violations.push(v),
                    }
                    schema = Some(s);
                }
            }
        } else {
            let looks_json = bytes
                .iter()
                .find(|c| !c.is_ascii_whitespace())
                .is_some_and(|c| matches!(c, b'{' | b'[' | b'"'));
            // Bytes that do not look like JSON are an Avro datum when an Avro schema applies
            // to them (by topic or the only schema); otherwise they are judged as JSON, and
            // fail as such.
            let avro_datum = match self.payload {
                Payload::Avro => true,
                Payload::Json => false,
                Payload::Auto => {
                    !looks_json
                        && (!self.catalog.is_empty() || self.registry.is_some())
                        && self
                            .catalog
                            .select(self.select, (!sample).then_some(&*r.topic), None)
                            .is_ok_and(|s| matches!(s.body, Body::Avro(_)))
                }
            };
            if avro_datum {
                match self.local_or_subject(&r.topic, None, sample) {
                    Ok(s) => {
                        match &s.body {
                            Body::Avro(a) => match a.decode(bytes) {
                                Ok(v) => value = Some(v),
                                Err(v) => violations.push(v),
                            },
                            Body::Json(_) => violations.push(Violation::schema(
                                "",
                                "not JSON, and its schema is a JSON Schema".to_string(),
                            )),
                        }
                        schema = Some(s);
                    }
                    Err(e) => {
                        let why = format!("no Avro schema to read it with: {e}");
                        problem = Some((NO_SCHEMA.into(), Violation::schema("", why)));
                    }
                }
            } else {
                match serde_json::from_slice::<Value>(bytes) {
                    Err(e) => {
                        problem = Some((
                            UNREADABLE.into(),
                            Violation::schema("", format!("not JSON ({e})")),
                        ))
                    }
                    Ok(v) => {
                        let ty = self.envelope.event_type(&v).map(str::to_string);
                        let lint_only = self.catalog.is_empty() && self.registry.is_none();
                        match self.local_or_subject(&r.topic, ty.as_deref(), sample) {
                            _ if lint_only => {}
                            Ok(s) => {
                                match &s.body {
                                    Body::Avro(a) => a.check_json(&v, &mut violations, 16),
                                    Body::Json(js) => {
                                        if !js.is_valid(&v) {
                                            js.check(&v, &mut violations, 16);
                                        }
                                    }
                                }
                                schema = Some(s);
                            }
                            Err(e) => problem = Some((NO_SCHEMA.into(), Violation::schema("", e))),
                        }
                        value = Some(v);
                    }
                }
            }
        }

        // Which group the event counts in.
        let g = match (&schema, &problem) {
            (_, Some((name, _))) => {
                let name = name.clone();
                if name == NO_SCHEMA {
                    self.missing += 1;
                } else {
                    self.unreadable += 1;
                }
                self.group(&name, "-", "")
            }
            (Some(s), None) => self.group(&s.name, s.body.kind(), &s.origin),
            (None, None) => {
                // No schema asked for at all: lint only.
                self.group("(lint only)", "-", "")
            }
        };
        let problem_kind = problem.as_ref().map(|(name, _)| name.clone());
        if let Some((_, v)) = problem {
            violations.push(v);
        }

        // The house rules.
        if let Some(linter) = self.linter.as_mut() {
            let source = source_id(&self.sources, &mut self.source_index, &r.topic);
            let loc = if r.partition == SampleSource::LINE {
                Loc::Line {
                    file: source,
                    line: r.offset as u64,
                }
            } else {
                Loc::Record {
                    source,
                    partition: r.partition,
                    offset: r.offset,
                }
            };
            linter.check(value.as_ref(), bytes.len(), loc, &mut violations);
        }

        // The schema's row counts the schema's verdict; lint findings count in their rule's
        // row; the totals count events (invalid when anything that is not a warning failed).
        let schema_errors = violations
            .iter()
            .filter(|v| v.rule == "schema" && !v.warning)
            .count();
        let errors = violations.iter().filter(|v| !v.warning).count();
        let grp = &mut self.groups[g].1;
        grp.checked += 1;
        if schema_errors > 0 {
            grp.invalid += 1;
        } else {
            grp.valid += 1;
        }
        match &problem_kind {
            Some(_) => {}
            None if errors > 0 => self.invalid += 1,
            None => self.valid += 1,
        }
        for v in violations.drain(..) {
            let row = if v.rule == "schema" {
                g
            } else {
                self.group(v.rule, "lint", "")
            };
            let grp = &mut self.groups[row].1;
            if v.warning {
                grp.warnings += 1;
                self.warnings += 1;
            } else if row != g {
                grp.invalid += 1;
            }
            self.note(row, r, v);
        }
        self.scratch = violations;
    }
}

/// The index of a source name, for lint locations.
fn source_id(
    names: &std::sync::RwLock<Vec<Arc<str>>>,
    index: &mut HashMap<Arc<str>, u32>,
    name: &Arc<str>,
) -> u32 {
    if let Some(&i) = index.get(name) {
        return i;
    }
    let mut names = names.write().expect("source names");
    let i = names.len() as u32;
    names.push(name.clone());
    index.insert(name.clone(), i);
    i
}

/// `topic/partition@offset`, `file:line` for a sample line, `file#/i` for an array element.
pub fn location(r: &Record) -> String {
    match r.partition {
        SampleSource::LINE => format!("{}:{}", r.topic, r.offset),
        SampleSource::ELEMENT => format!("{}#/{}", r.topic, r.offset),
        _ => r.location(),
    }
}

/// Parse a registry schema (Avro or JSON Schema), with its references.
fn parse_registered(
    registry: &Registry,
    reg: &crate::endpoint::registry::RegisteredSchema,
    origin: String,
) -> Result<Schema, String> {
    let refs = registry
        .references(reg)
        .map_err(|e| format!("{origin}: cannot read its references: {e}"))?;
    let body = match reg.schema_type.as_str() {
        "AVRO" | "" => {
            let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
            Body::Avro(
                AvroSchema::parse(&reg.schema, &refs)
                    .map_err(|e| format!("{origin}: not a valid Avro schema: {e}"))?,
            )
        }
        "JSON" => {
            let doc: Value = serde_json::from_str(&reg.schema)
                .map_err(|e| format!("{origin}: not JSON ({e})"))?;
            let resources: Vec<(String, Value)> = refs
                .iter()
                .filter_map(|t| serde_json::from_str::<Value>(t).ok())
                .filter_map(|v| {
                    v.get("$id")
                        .and_then(Value::as_str)
                        .map(|id| (id.to_string(), v.clone()))
                })
                .collect();
            Body::Json(
                crate::schema::json_schema::JsonSchema::compile(&doc, &resources)
                    .map_err(|e| format!("{origin}: not a valid JSON Schema: {e}"))?,
            )
        }
        other => {
            return Err(format!(
                "{origin}: {other} schemas are not supported (Avro and JSON Schema are)"
            ))
        }
    };
    Ok(Schema {
        name: format!("id {}", reg.id),
        origin,
        body,
    })
}

impl Stage for Validator<'_> {
    fn push(&mut self, record: Record, _cx: &mut Cx, _out: &mut Vec<Record>) -> Option<Record> {
        if self.fatal.is_none() {
            self.check(&record);
        }
        Some(record)
    }
}

/// Swallows what the validator hands on (nothing).
struct Discard;

impl crate::endpoint::Sink for Discard {
    fn write(&mut self, _: &Record, _: &mut Report) -> anyhow::Result<()> {
        Ok(())
    }
    fn finish(&mut self, _: &mut Report) -> anyhow::Result<()> {
        Ok(())
    }
}

pub fn run(cfg: Config) -> anyhow::Result<Exit> {
    let mut sources: Vec<Box<dyn Source>> = Vec::new();
    let mut _conn = None;
    if !cfg.read.sources.is_empty() {
        let opened = super::open_source(&cfg.read, Start::Beginning, cfg.quiet)?;
        _conn = opened.conn;
        sources.push(Box::new(opened.source));
    }
    if !cfg.samples.is_empty() {
        sources.push(Box::new(SampleSource::open(&cfg.samples)?));
    }
    let mut source = Chain::new(sources);

    let mut report = Report::new(cfg.quiet);
    let bar = (source.progress().is_some()
        && print::progress::wanted(cfg.terminal.stdout, cfg.terminal.stderr, cfg.quiet))
    .then(|| print::progress::bar(0, false));
    if let Some(b) = &bar {
        report.attach(b.clone());
    }
    let mut v = Validator::new(&cfg);
    let ended = {
        let mut stages: Vec<&mut dyn Stage> = vec![&mut v];
        crate::pipeline::run(
            &mut source,
            &mut stages,
            &mut Discard,
            &mut report,
            cfg.max,
            bar.as_ref(),
        )?
    };
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    if let Some(e) = v.fatal.take() {
        return Err(e);
    }
    if ended == Ended::BrokenPipe {
        return Ok(Exit::Ok);
    }
    let results = Results::from(&v, report.bad);
    let mut out = std::io::stdout().lock();
    match cfg.output {
        Output::Table => results.print_table(&mut out, cfg.terminal.stdout)?,
        Output::Json => {
            serde_json::to_writer(&mut out, &results.to_json())?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    if let Some(path) = &cfg.junit {
        let xml = results.junit();
        std::fs::write(path, xml).map_err(|e| {
            anyhow::anyhow!("cannot write the JUnit report {}: {e}", path.display())
        })?;
    }
    let interrupted = ended == Ended::Interrupted;
    if !report.is_quiet()
        && (interrupted || cfg.terminal.stderr || results.failed(cfg.allow_missing))
    {
        report.say(&format!(
            "evops schema-validate: {} read, {} checked, {} valid, {} invalid{}{}{}{}",
            report.read,
            results.checked,
            results.valid,
            results.invalid,
            if results.missing > 0 {
                format!(", {} without a schema", results.missing)
            } else {
                String::new()
            },
            if results.unreadable > 0 {
                format!(", {} unreadable", results.unreadable)
            } else {
                String::new()
            },
            if results.tombstones > 0 {
                format!(", {} tombstones skipped", results.tombstones)
            } else {
                String::new()
            },
            if interrupted { " (interrupted)" } else { "" },
        ));
    }
    Ok(if interrupted {
        Exit::Interrupted
    } else if results.failed(cfg.allow_missing) {
        Exit::Findings
    } else {
        Exit::Ok
    })
}

/// Read `--schema` files and directories (recursively: `*.avsc`, `*.json`) into a catalog. A
/// schema is named by its file name without the extension; an unreadable or invalid schema is
/// an error (exit 2), never a smaller catalog.
pub fn read_catalog(paths: &[PathBuf]) -> anyhow::Result<Catalog> {
    let mut docs = Vec::new();
    for p in paths {
        let mut files = Vec::new();
        if p.is_dir() {
            schema_files(p, &mut files)?;
            if files.is_empty() {
                anyhow::bail!("--schema {}: no .avsc or .json files in it", p.display());
            }
        } else if p.is_file() {
            files.push(p.clone());
        } else {
            anyhow::bail!("--schema {}: no such file or directory", p.display());
        }
        for f in files {
            let text = std::fs::read_to_string(&f)
                .map_err(|e| anyhow::anyhow!("--schema {}: {e}", f.display()))?;
            let file_name = f
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let name = file_name
                .strip_suffix(".avsc")
                .or_else(|| file_name.strip_suffix(".schema.json"))
                .or_else(|| file_name.strip_suffix(".json"))
                .unwrap_or(&file_name)
                .to_string();
            docs.push(crate::schema::catalog::Doc {
                name,
                origin: f.display().to_string(),
                text,
                avro_hint: file_name.ends_with(".avsc"),
            });
        }
    }
    Catalog::build(docs).map_err(|e| anyhow::anyhow!("--schema {e}"))
}

fn schema_files(dir: &std::path::Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| anyhow::anyhow!("--schema {}: {e}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            schema_files(&p, out)?;
        } else if p.extension().is_some_and(|e| e == "avsc" || e == "json") {
            out.push(p);
        }
    }
    Ok(())
}

/// The verdict of a run, ready for printing.
struct Results {
    checked: u64,
    valid: u64,
    invalid: u64,
    missing: u64,
    unreadable: u64,
    tombstones: u64,
    warnings: u64,
    /// Lines or records the sources could not read at all (not even as bytes).
    bad_input: u64,
    groups: Vec<(String, Group)>,
    shown: Vec<Shown>,
}

impl Results {
    fn from(v: &Validator, bad_input: u64) -> Results {
        // Schemas by name, then lint rules, then the buckets of events nothing could judge.
        let mut groups = v.groups.clone();
        groups.sort_by_key(|(name, g)| (name.starts_with('('), g.kind == "lint", name.clone()));
        Results {
            checked: v.checked,
            valid: v.valid,
            invalid: v.invalid,
            missing: v.missing,
            unreadable: v.unreadable,
            tombstones: v.tombstones,
            warnings: v.warnings,
            bad_input,
            groups,
            shown: v.shown.clone(),
        }
    }

    fn failed(&self, allow_missing: bool) -> bool {
        self.invalid > 0
            || self.unreadable > 0
            || self.bad_input > 0
            || (self.missing > 0 && !allow_missing)
    }

    fn print_table(&self, out: &mut dyn Write, terminal: bool) -> std::io::Result<()> {
        let rows: Vec<Vec<String>> = self
            .groups
            .iter()
            .map(|(name, g)| {
                vec![
                    name.clone(),
                    g.kind.to_string(),
                    if g.kind == "lint" {
                        "-".into()
                    } else {
                        g.checked.to_string()
                    },
                    if g.kind == "lint" {
                        "-".into()
                    } else {
                        g.valid.to_string()
                    },
                    g.invalid.to_string(),
                    g.warnings.to_string(),
                ]
            })
            .collect();
        let header = ["schema", "kind", "checked", "valid", "invalid", "warnings"];
        if !rows.is_empty() {
            writeln!(out, "{}", table::render(&header, &rows, None))?;
        }
        writeln!(
            out,
            "{} checked: {} valid, {} invalid{}{}{}",
            self.checked,
            self.valid,
            self.invalid,
            if self.missing > 0 {
                format!(", {} without a schema", self.missing)
            } else {
                String::new()
            },
            if self.unreadable > 0 {
                format!(", {} unreadable", self.unreadable)
            } else {
                String::new()
            },
            if self.warnings > 0 {
                format!(", {} warnings", self.warnings)
            } else {
                String::new()
            },
        )?;
        if !self.shown.is_empty() {
            writeln!(out)?;
            writeln!(out, "first {} violations:", self.shown.len())?;
            for s in &self.shown {
                let line = format!(
                    "  {}  {}  {}  {}{}",
                    s.location,
                    s.schema,
                    if s.v.pointer.is_empty() {
                        "/"
                    } else {
                        &s.v.pointer
                    },
                    if s.v.warning { "warning: " } else { "" },
                    s.v.reason
                );
                if terminal {
                    writeln!(out, "{}", print::escape::for_terminal(&line))?;
                } else {
                    writeln!(out, "{line}")?;
                }
            }
        }
        Ok(())
    }

    fn to_json(&self) -> Value {
        let groups: Vec<Value> = self
            .groups
            .iter()
            .map(|(name, g)| {
                json!({
                    "schema": name, "kind": g.kind, "origin": g.origin,
                    "checked": g.checked, "valid": g.valid, "invalid": g.invalid, "warnings": g.warnings,
                })
            })
            .collect();
        json!({
            "checked": self.checked,
            "valid": self.valid,
            "invalid": self.invalid,
            "no_schema": self.missing,
            "unreadable": self.unreadable,
            "tombstones": self.tombstones,
            "warnings": self.warnings,
            "schemas": groups,
            "violations": self.shown.iter().map(shown_json).collect::<Vec<_>>(),
        })
    }

    /// A JUnit report: one test case per schema and per lint rule; a failure lists its first
    /// violations.
    fn junit(&self) -> String {
        let failures = self.groups.iter().filter(|(_, g)| g.invalid > 0).count();
        let mut x = String::new();
        x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        x.push_str(&format!(
            "<testsuites name=\"evops schema-validate\" tests=\"{}\" failures=\"{failures}\" errors=\"0\">\n",
            self.groups.len()
        ));
        x.push_str(&format!(
            "  <testsuite name=\"schema-validate\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">\n",
            self.groups.len()
        ));
        for (name, g) in &self.groups {
            let class = if g.kind == "lint" {
                "evops.lint"
            } else {
                "evops.schema"
            };
            x.push_str(&format!(
                "    <testcase classname=\"{class}\" name=\"{}\">\n",
                xml_escape(name)
            ));
            if g.invalid > 0 {
                x.push_str(&format!(
                    "      <failure type=\"invalid\" message=\"{} of {} events invalid\">",
                    g.invalid, g.checked
                ));
                for s in &g.examples {
                    x.push_str(&xml_escape(&format!(
                        "{} {} {}\n",
                        s.location,
                        if s.v.pointer.is_empty() {
                            "/"
                        } else {
                            &s.v.pointer
                        },
                        s.v.reason
                    )));
                }
                x.push_str("</failure>\n");
            }
            x.push_str(&format!(
                "      <system-out>{}</system-out>\n",
                xml_escape(&format!(
                    "{} checked, {} valid, {} invalid, {} warnings{}",
                    g.checked,
                    g.valid,
                    g.invalid,
                    g.warnings,
                    if g.origin.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", g.origin)
                    }
                ))
            ));
            x.push_str("    </testcase>\n");
        }
        x.push_str("  </testsuite>\n</testsuites>\n");
        x
    }
}

fn shown_json(s: &Shown) -> Value {
    json!({
        "location": s.location,
        "schema": s.schema,
        "pointer": s.v.pointer,
        "rule": s.v.rule,
        "warning": s.v.warning,
        "reason": s.v.reason,
    })
}

/// Escape text for XML content and attributes; drop characters XML 1.0 cannot carry.
fn xml_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            '\t' | '\n' | '\r' => o.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {
                o.push_str(&format!("\\u{{{:x}}}", c as u32))
            }
            c => o.push(c),
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escaping_keeps_reports_well_formed() {
        assert_eq!(
            xml_escape("a<b & \"c\"\u{1}"),
            "a&lt;b &amp; &quot;c&quot;\\u{1}"
        );
    }
}

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
use crate::endpoint::registry::{RegisteredSchema, Registry, RegistryError, SubjectStrategy};
use crate::endpoint::{Chain, Source, Tally};
use crate::exit::Exit;
use crate::filter::envelope::Envelope;
use crate::pipeline::Ended;
use crate::position::Start;
use crate::print::{self, table};
use crate::record::Record;
use crate::schema::avro;
use crate::schema::catalog::{Body, Catalog, Schema, Select};
use crate::schema::lint::{LintConfig, Linter, Loc};
use crate::schema::protobuf::{self, MessageDescriptor};
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
    /// Always Protobuf: framed, or a bare message of `--proto-type` (or the registry
    /// subject's first message type).
    Protobuf,
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
    /// The `--proto-type` of `--proto-file`/`--protoset`: the contract of unframed events
    /// (JSON in the proto3 mapping, or bare messages) when no `--schema` is given.
    pub proto: Option<Arc<Schema>>,
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

/// Counts for one schema (or one bucket of events no schema judged).
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

/// Events no schema judged: none applies, or the value cannot be read at all.
const NO_SCHEMA: &str = "(no schema)";
const UNREADABLE: &str = "(unreadable)";

/// How many violations one schema check reports for one event.
const PER_EVENT: usize = 16;

/// What judged an event.
enum Verdict {
    /// This schema (violations, if any, are in the list).
    Checked(Arc<Schema>),
    /// No schema applies (the reason says what was looked for).
    NoSchema(String),
    /// The value cannot be read (not JSON, no Avro schema to read it, unknown registry id).
    Unreadable(String),
    /// No schemas were given: only the lint rules look at it.
    LintOnly,
}

/// A registry answer for one id or subject: the parsed schema, or why an event cannot have
/// it (an id or subject the registry does not know is the event's problem, not the run's).
type Remembered = Result<Arc<Schema>, String>;

/// Validates every record written to it: the sink of the schema-validate pipeline.
pub struct Validator<'a> {
    cfg: &'a Config,
    linter: Option<Linter>,
    by_id: HashMap<u32, Remembered>,
    by_subject: HashMap<String, Remembered>,
    groups: Vec<(String, Group)>,
    group_index: HashMap<String, usize>,
    /// Per lint rule: events that broke it, events it warned about.
    lint_rows: Vec<(&'static str, u64, u64)>,
    linted: u64,
    shown: Vec<Shown>,
    violations: u64,
    /// Source names for lint locations (`Loc` carries an index), shared with the linter's
    /// namer so that "duplicate of users/2@17" names the first event.
    names: Arc<std::sync::RwLock<Vec<Arc<str>>>>,
    name_index: HashMap<Arc<str>, u32>,
    last_name: Option<(Arc<str>, u32)>,
    pub checked: u64,
    pub valid: u64,
    pub invalid: u64,
    pub missing: u64,
    pub unreadable: u64,
    pub tombstones: u64,
    scratch: Vec<Violation>,
}

impl<'a> Validator<'a> {
    pub fn new(cfg: &'a Config) -> Validator<'a> {
        let names: Arc<std::sync::RwLock<Vec<Arc<str>>>> = Arc::default();
        let shared = names.clone();
        let namer = move |loc: Loc| {
            let names = shared.read().expect("source names");
            let name = |i: u32| names.get(i as usize).map_or("?", |n| &**n);
            match loc {
                Loc::Line { file, line } => place(name(file), SampleSource::LINE, line as i64),
                Loc::Record {
                    source,
                    partition,
                    offset,
                } => place(name(source), partition, offset),
            }
        };
        Validator {
            cfg,
            linter: cfg.lint.clone().map(|l| Linter::new(l).with_names(namer)),
            by_id: HashMap::new(),
            by_subject: HashMap::new(),
            groups: Vec::new(),
            group_index: HashMap::new(),
            lint_rows: Vec::new(),
            linted: 0,
            shown: Vec::new(),
            violations: 0,
            names,
            name_index: HashMap::new(),
            last_name: None,
            checked: 0,
            valid: 0,
            invalid: 0,
            missing: 0,
            unreadable: 0,
            tombstones: 0,
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

    /// The index of a source's name in the names the linter's locations refer to. Records
    /// come in runs of one source, so the last one is looked at first.
    fn source_index(&mut self, topic: &Arc<str>) -> u32 {
        if let Some((n, i)) = &self.last_name {
            if Arc::ptr_eq(n, topic) {
                return *i;
            }
        }
        let i = match self.name_index.get(topic) {
            Some(&i) => i,
            None => {
                let mut names = self.names.write().expect("source names");
                let i = names.len() as u32;
                names.push(topic.clone());
                self.name_index.insert(topic.clone(), i);
                i
            }
        };
        self.last_name = Some((topic.clone(), i));
        i
    }

    /// Keep a violation to show: among the first overall, and the first of its schema's row
    /// (a lint finding's examples are picked from the first overall by rule).
    fn note(&mut self, row: Option<usize>, r: &Record, v: Violation) {
        self.violations += 1;
        let gi = row.filter(|_| v.rule == "schema");
        let want_global = self.shown.len() < self.cfg.show;
        let want_group = gi.is_some_and(|g| self.groups[g].1.examples.len() < self.cfg.show);
        if !want_global && !want_group {
            return;
        }
        let s = Shown {
            location: location(r),
            schema: match gi {
                Some(g) => self.groups[g].0.clone(),
                None => v.rule.to_string(),
            },
            v,
        };
        if let (true, Some(g)) = (want_group, gi) {
            self.groups[g].1.examples.push(s.clone());
        }
        if want_global {
            self.shown.push(s);
        }
    }

    /// Parse what the registry answered, once per id or subject. A schema or subject it does
    /// not know is the event's problem; anything else (unreachable, unauthorized, a schema that
    /// does not parse) stops the run with exit 2.
    fn from_registry(
        registry: &Registry,
        got: Result<Arc<RegisteredSchema>, RegistryError>,
        name: String,
        origin: String,
    ) -> anyhow::Result<Remembered> {
        let reg = match got {
            Ok(reg) => reg,
            Err(e @ RegistryError::NotFound { .. }) => return Ok(Err(format!("{origin}: {e}"))),
            Err(e) => return Err(anyhow::Error::new(e).context("schema registry")),
        };
        let body = crate::endpoint::registry::parse_registered(registry, &reg)
            .map_err(|e| anyhow::anyhow!("schema registry: {origin}: {e}"))?;
        Ok(Ok(Arc::new(Schema { name, origin, body })))
    }

    /// The registry's schema for an id.
    fn registry_schema(&mut self, registry: &Registry, id: u32) -> anyhow::Result<Remembered> {
        if let Some(s) = self.by_id.get(&id) {
            return Ok(s.clone());
        }
        let got = registry.schema_by_id(id);
        let name = match &got {
            Ok(r) => match (&r.subject, r.version) {
                (Some(s), Some(v)) => format!("{s} v{v} (id {id})"),
                _ => format!("id {id}"),
            },
            Err(_) => format!("id {id}"),
        };
        let s = Self::from_registry(registry, got, name, format!("registry id {id}"))?;
        self.by_id.insert(id, s.clone());
        Ok(s)
    }

    /// The latest schema of a registry subject.
    fn subject_schema(&mut self, registry: &Registry, subject: &str) -> anyhow::Result<Remembered> {
        if let Some(s) = self.by_subject.get(subject) {
            return Ok(s.clone());
        }
        let got = registry.latest(subject);
        let name = match &got {
            Ok(r) => format!("{subject} v{}", r.version.unwrap_or(0)),
            Err(_) => subject.to_string(),
        };
        let s = Self::from_registry(registry, got, name, format!("registry subject {subject}"))?;
        self.by_subject.insert(subject.to_string(), s.clone());
        Ok(s)
    }

    /// The schema for an unframed event: from `--schema` by the rule, or the registry subject
    /// its topic and type name.
    fn schema_for(&mut self, topic: Option<&str>, ty: Option<&str>) -> anyhow::Result<Remembered> {
        if !self.cfg.catalog.is_empty() {
            return Ok(self.cfg.catalog.select(self.cfg.select, topic, ty).cloned());
        }
        if let Some(proto) = &self.cfg.proto {
            return Ok(Ok(proto.clone()));
        }
        let Some(registry) = self.cfg.registry.as_ref() else {
            return Ok(Err("no schema given".into()));
        };
        if self.cfg.select == Select::Registry {
            return Ok(Err("not framed with a schema registry id".into()));
        }
        let subject = match (self.cfg.strategy, topic) {
            (SubjectStrategy::RecordName, _) => ty
                .map(str::to_string)
                .ok_or_else(|| "the event has no type to name its subject (record strategy)".to_string()),
            (_, None) => Err(
                "a sample event has no topic to name its registry subject (use --subject-strategy record, or --schema)".to_string(),
            ),
            (strategy, Some(t)) => strategy.subject(t, ty, false),
        };
        match subject {
            Ok(subject) => self.subject_schema(registry, &subject),
            Err(why) => Ok(Err(why)),
        }
    }

    /// Judge one value: decode it (registry framing, JSON, a bare Avro datum), pick its schema
    /// and check it, appending violations.
    fn judge(
        &mut self,
        b: &[u8],
        topic: Option<&str>,
        vs: &mut Vec<Violation>,
    ) -> anyhow::Result<(Verdict, Option<Value>)> {
        // Confluent framing, only with a registry: a bare datum may start with byte 0 too.
        if let (Some(registry), true) = (
            self.cfg.registry.as_ref(),
            self.cfg.payload != Payload::Json,
        ) {
            if let Some((id, datum)) = avro::unframe(b) {
                return self.judge_framed(registry, id, datum, topic, vs);
            }
        }
        let looks_json = b
            .iter()
            .find(|c| !c.is_ascii_whitespace())
            .is_some_and(|c| matches!(c, b'{' | b'[' | b'"'));
        let mut json_error = None;
        if self.cfg.payload == Payload::Json || (self.cfg.payload == Payload::Auto && looks_json) {
            // The one nesting bound of evops, named as everywhere else.
            if let Err(e) = crate::codec::depth::check(b) {
                return Ok((Verdict::Unreadable(e.0), None));
            }
            match serde_json::from_slice::<Value>(b) {
                Ok(v) => return self.judge_json(v, topic, vs),
                Err(e) => json_error = Some(e),
            }
        }
        if self.cfg.payload == Payload::Json {
            let e = json_error.expect("parsed above");
            return Ok((Verdict::Unreadable(format!("not JSON ({e})")), None));
        }
        // A bare Avro datum (or Protobuf message) of the schema that applies without knowing
        // the type.
        let avro_schema = if self.no_schemas() {
            Err("no schema given".to_string())
        } else {
            self.schema_for(topic, None)?
        };
        let why = match avro_schema {
            Ok(s) => match &s.body {
                Body::Avro(a) => match a.decode(b) {
                    Ok(v) => return Ok((Verdict::Checked(s), Some(v))),
                    // Bytes that looked like JSON and are not an Avro datum either: say
                    // what JSON said, which is the likelier intent.
                    Err(_) if json_error.is_some() => String::new(),
                    Err(v) => {
                        vs.push(v);
                        return Ok((Verdict::Checked(s), None));
                    }
                },
                Body::Json(_) => format!("its schema {} is a JSON Schema", s.name),
                Body::Protobuf(p) => match p.main_type() {
                    Ok(m) => {
                        let value = protobuf_value(&m, b, vs, true);
                        return Ok((Verdict::Checked(s), value));
                    }
                    Err(e) => e.0,
                },
            },
            Err(e) => e,
        };
        let json_error = json_error.or_else(|| serde_json::from_slice::<Value>(b).err());
        Ok(match (self.cfg.payload, json_error) {
            (Payload::Avro, _) => (
                Verdict::NoSchema(format!("no Avro schema to read it with: {why}")),
                None,
            ),
            (Payload::Protobuf, _) => (
                Verdict::NoSchema(format!("no Protobuf schema to read it with: {why}")),
                None,
            ),
            (_, Some(e)) => (Verdict::Unreadable(format!("not JSON ({e})")), None),
            (_, None) => (Verdict::Unreadable(why), None),
        })
    }

    fn judge_json(
        &mut self,
        v: Value,
        topic: Option<&str>,
        vs: &mut Vec<Violation>,
    ) -> anyhow::Result<(Verdict, Option<Value>)> {
        if self.no_schemas() {
            return Ok((Verdict::LintOnly, Some(v)));
        }
        let ty = self.cfg.envelope.event_type(&v).map(str::to_string);
        Ok(match self.schema_for(topic, ty.as_deref())? {
            Ok(s) => {
                check_value(&s.body, &v, vs);
                (Verdict::Checked(s), Some(v))
            }
            Err(why) => (Verdict::NoSchema(why), Some(v)),
        })
    }

    fn judge_framed(
        &mut self,
        registry: &Registry,
        id: u32,
        datum: &[u8],
        topic: Option<&str>,
        vs: &mut Vec<Violation>,
    ) -> anyhow::Result<(Verdict, Option<Value>)> {
        let writer = match self.registry_schema(registry, id)? {
            Ok(s) => s,
            Err(why) => {
                return Ok((
                    Verdict::Unreadable(format!("framed with schema id {id}, which {why}")),
                    None,
                ))
            }
        };
        // The writer's schema first: the datum must be what it says it is.
        let value = match &writer.body {
            Body::Avro(w) => match w.decode(datum) {
                Ok(v) => v,
                Err(v) => {
                    vs.push(v);
                    return Ok((Verdict::Checked(writer), None));
                }
            },
            Body::Protobuf(p) => match p.framed(datum) {
                Ok((m, message)) => match protobuf_value(&m, message, vs, self.wants_value()) {
                    Some(v) => v,
                    None => return Ok((Verdict::Checked(writer), None)),
                },
                Err(e) => {
                    return Ok((
                        Verdict::Unreadable(format!("framed with schema id {id}: {e}")),
                        None,
                    ))
                }
            },
            Body::Json(_) if crate::codec::depth::check(datum).is_err() => {
                return Ok((Verdict::Unreadable(crate::codec::depth::too_deep().0), None))
            }
            Body::Json(_) => match serde_json::from_slice::<Value>(datum) {
                Ok(v) => {
                    check_value(&writer.body, &v, vs);
                    v
                }
                Err(e) => {
                    return Ok((
                        Verdict::Unreadable(format!(
                            "framed with schema id {id} (a JSON Schema), but not JSON ({e})"
                        )),
                        None,
                    ))
                }
            },
        };
        if self.cfg.catalog.is_empty() {
            return Ok((Verdict::Checked(writer), Some(value)));
        }
        // Then the contract from --schema, when one applies: by the event's type, or the
        // writer's record name. Avro contracts read the datum by schema resolution.
        let ty = self.cfg.envelope.event_type(&value).map(str::to_string);
        let record = match &writer.body {
            Body::Avro(w) => w.full_name(),
            Body::Json(_) | Body::Protobuf(_) => None,
        };
        let cat = &self.cfg.catalog;
        let contract =
            cat.select(self.cfg.select, topic, ty.as_deref())
                .or_else(|e| match &record {
                    Some(name) => cat
                        .select(self.cfg.select, topic, Some(name))
                        .map_err(|_| e),
                    None => Err(e),
                });
        match contract {
            Ok(c) => {
                match (&c.body, &writer.body) {
                    (Body::Avro(r), Body::Avro(w)) => {
                        if let Err(v) = r.decode_as(w, datum) {
                            vs.push(v);
                        }
                    }
                    (body, _) => check_value(body, &value, vs),
                }
                Ok((Verdict::Checked(c.clone()), Some(value)))
            }
            // With the default rule, the writer's schema is the contract when no file is.
            Err(_) if self.cfg.select == Select::Auto => {
                Ok((Verdict::Checked(writer), Some(value)))
            }
            Err(why) => Ok((Verdict::NoSchema(why), Some(value))),
        }
    }

    /// Whether a framed payload's decoded view is looked at after its writer schema has judged
    /// it: by a `--schema` contract or the lint rules.
    fn wants_value(&self) -> bool {
        !self.cfg.catalog.is_empty() || self.linter.is_some()
    }

    /// No schema of any kind was given: only the lint rules judge events.
    fn no_schemas(&self) -> bool {
        self.cfg.catalog.is_empty() && self.cfg.registry.is_none() && self.cfg.proto.is_none()
    }

    fn check(&mut self, r: &Record) -> anyhow::Result<()> {
        let Some(bytes) = r.value.as_deref() else {
            self.tombstones += 1;
            return Ok(());
        };
        self.checked += 1;
        let sample = r.partition < 0;
        let topic = (!sample).then_some(&*r.topic);
        let mut vs = std::mem::take(&mut self.scratch);
        vs.clear();
        let (verdict, value) = self.judge(bytes, topic, &mut vs)?;
        let schema_errors = vs.iter().filter(|v| !v.warning).count();

        // The verdict's row.
        let row = match &verdict {
            Verdict::Checked(s) => Some(self.group(&s.name, s.body.kind(), &s.origin)),
            Verdict::NoSchema(why) => {
                vs.push(Violation::schema("", why.clone()));
                Some(self.group(NO_SCHEMA, "-", ""))
            }
            Verdict::Unreadable(why) => {
                vs.push(Violation::schema("", why.clone()));
                Some(self.group(UNREADABLE, "-", ""))
            }
            Verdict::LintOnly => None,
        };
        if let Some(g) = row {
            let grp = &mut self.groups[g].1;
            grp.checked += 1;
            if schema_errors > 0 || !matches!(verdict, Verdict::Checked(_)) {
                grp.invalid += 1;
            } else {
                grp.valid += 1;
            }
        }

        // The house rules.
        let before = vs.len();
        if self.linter.is_some() {
            let source = self.source_index(&r.topic);
            let linter = self.linter.as_mut().expect("checked");
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
            self.linted += 1;
            linter.check(value.as_ref(), bytes.len(), loc, &mut vs);
            // Each rule counts an event once, however many fields broke it.
            let mut seen: Vec<(&'static str, bool)> = Vec::new();
            for v in &vs[before..] {
                if !seen.contains(&(v.rule, v.warning)) {
                    seen.push((v.rule, v.warning));
                }
            }
            for (rule, warning) in seen {
                let i = match self.lint_rows.iter().position(|(r, _, _)| *r == rule) {
                    Some(i) => i,
                    None => {
                        self.lint_rows.push((rule, 0, 0));
                        self.lint_rows.len() - 1
                    }
                };
                if warning {
                    self.lint_rows[i].2 += 1;
                } else {
                    self.lint_rows[i].1 += 1;
                }
            }
        }

        // The totals count events: each in exactly one of valid, invalid, no schema, unreadable.
        match verdict {
            Verdict::NoSchema(_) => self.missing += 1,
            Verdict::Unreadable(_) => self.unreadable += 1,
            _ if vs.iter().any(|v| !v.warning) => self.invalid += 1,
            _ => self.valid += 1,
        }
        for v in vs.drain(..) {
            if let (true, Some(g)) = (v.warning, row) {
                self.groups[g].1.warnings += 1;
            }
            self.note(row, r, v);
        }
        self.scratch = vs;
        Ok(())
    }
}

/// A Protobuf message decoded to its JSON view, or the violations that say why it is not one
/// of its type (it does not decode, or lacks a proto2 `required` field).
/// Without `json` (nothing will look at the value) the view is not made: `Value::Null`.
fn protobuf_value(
    m: &MessageDescriptor,
    b: &[u8],
    vs: &mut Vec<Violation>,
    json: bool,
) -> Option<Value> {
    let opts = protobuf::json::JsonOptions::default();
    if !json && protobuf::json::quickly_valid(m, b) {
        return Some(Value::Null);
    }
    let msg = match protobuf::json::decode(m, b) {
        Ok(msg) => msg,
        Err(e) => {
            vs.push(Violation::schema("", e.0));
            return None;
        }
    };
    vs.extend(protobuf::json::required(&msg).into_iter().take(PER_EVENT));
    if !json {
        return Some(Value::Null);
    }
    match protobuf::json::message_json(&msg, opts) {
        Ok(v) => Some(v),
        Err(e) => {
            vs.push(Violation::schema("", e.0));
            None
        }
    }
}

/// Check a decoded value against a schema of any kind.
fn check_value(body: &Body, v: &Value, vs: &mut Vec<Violation>) {
    match body {
        Body::Protobuf(p) => match p.main_type() {
            Ok(m) => vs.extend(
                protobuf::json::validate_json(&m, v)
                    .into_iter()
                    .take(PER_EVENT),
            ),
            Err(e) => vs.push(Violation::schema("", e.0)),
        },
        Body::Avro(a) => a.check_json(v, vs, PER_EVENT),
        Body::Json(js) => {
            if !js.is_valid(v) {
                js.check(v, vs, PER_EVENT);
            }
        }
    }
}

/// `topic/partition@offset`, `file:line` for a sample line, `file#/i` for an array element.
pub fn location(r: &Record) -> String {
    place(&r.topic, r.partition, r.offset)
}

/// [`location`] of a record known by its source's name, partition and offset.
fn place(name: &str, partition: i32, offset: i64) -> String {
    match partition {
        SampleSource::LINE => format!("{name}:{offset}"),
        SampleSource::ELEMENT => format!("{name}#/{offset}"),
        _ => format!("{name}/{partition}@{offset}"),
    }
}

impl crate::endpoint::Sink for Validator<'_> {
    fn write(&mut self, r: &Record, _report: &mut dyn Tally) -> anyhow::Result<()> {
        self.check(r)
    }
    fn finish(&mut self, _: &mut dyn Tally) -> anyhow::Result<()> {
        Ok(())
    }
}

pub fn run(cfg: Config) -> anyhow::Result<Exit> {
    if let Some(path) = &cfg.junit {
        // The report is written at the end, over whatever the path holds: never a source.
        let mut read = cfg.read.sources.clone();
        read.extend(
            cfg.samples
                .iter()
                .cloned()
                .map(crate::endpoint::SourceSpec::File),
        );
        crate::endpoint::guard::refuse_file_loop("--junit", path, &read)?;
    }
    let mut sources: Vec<Box<dyn Source>> = Vec::new();
    let mut _conn = None;
    if !cfg.read.sources.is_empty() {
        let opened = super::open_source(&cfg.read, Start::Beginning)?;
        _conn = opened.conn;
        sources.push(Box::new(opened.source));
    }
    if !cfg.samples.is_empty() {
        sources.push(Box::new(SampleSource::open(&cfg.samples)?));
    }
    let mut source = Chain::new(sources);

    let (mut report, bar) = super::report(source.progress().is_some(), cfg.terminal, cfg.quiet);
    let mut v = Validator::new(&cfg);
    // The validator is the sink: --max counts what it judged, and a registry failure stops
    // the read at once.
    let ended = crate::pipeline::run(
        &mut source,
        &mut [],
        &mut v,
        &mut report,
        cfg.max,
        bar.as_ref().map(|b| b as &dyn crate::pipeline::Progress),
    )?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let results = Results::from(&v, report.bad);
    let text = match cfg.output {
        Output::Table => results.table(cfg.terminal.stdout, cfg.allow_missing),
        Output::Json => {
            let mut t = serde_json::to_string(&results.to_json())?;
            t.push('\n');
            t
        }
    };
    // A closed stdout (`| head`) is an io error the edge turns into exit 0.
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    drop(out);
    if let Some(path) = &cfg.junit {
        std::fs::write(path, results.junit(cfg.allow_missing)).map_err(|e| {
            anyhow::anyhow!("cannot write the JUnit report {}: {e}", path.display())
        })?;
    }
    let interrupted = ended == Ended::Interrupted;
    let failed = results.failed(cfg.allow_missing);
    if !report.is_quiet() {
        if results.checked == 0 {
            report.say("evops schema-validate: warning: no events were read");
        }
        if interrupted || cfg.terminal.stderr || failed {
            report.say(&format!(
                "evops schema-validate: {} read, {}{}",
                report.read,
                results.totals(),
                if interrupted { " (interrupted)" } else { "" },
            ));
        }
    }
    Ok(if interrupted {
        Exit::Interrupted
    } else if failed {
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
            crate::endpoint::file::files_under(p, &["avsc", "json"], &mut files)
                .map_err(|e| anyhow::anyhow!("--schema: {e:#}"))?;
            if files.is_empty() {
                anyhow::bail!("--schema {}: no .avsc or .json files in it", p.display());
            }
        } else if p.is_file() {
            files.push(p.clone());
        } else {
            anyhow::bail!("--schema {}: no such file or directory", p.display());
        }
        for f in files {
            let text = crate::endpoint::file::read_small(&f)
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
    Catalog::build(docs).map_err(|e| anyhow::anyhow!("--schema: {e}"))
}

/// The verdict of a run, ready for printing.
struct Results {
    checked: u64,
    valid: u64,
    invalid: u64,
    missing: u64,
    unreadable: u64,
    tombstones: u64,
    /// Violations found in all, shown or not.
    violations: u64,
    /// Rows: schemas by name, lint rules, then the buckets no schema judged.
    groups: Vec<(String, Group)>,
    shown: Vec<Shown>,
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl Results {
    fn from(v: &Validator, bad_input: u64) -> Results {
        let mut groups: Vec<(String, Group)> = v.groups.clone();
        // Lines or records the sources could not read at all are unreadable events too.
        if bad_input > 0 {
            match groups.iter_mut().find(|(n, _)| n == UNREADABLE) {
                Some((_, g)) => {
                    g.checked += bad_input;
                    g.invalid += bad_input;
                }
                None => groups.push((
                    UNREADABLE.to_string(),
                    Group {
                        kind: "-",
                        checked: bad_input,
                        invalid: bad_input,
                        ..Group::default()
                    },
                )),
            }
        }
        for &(rule, broke, warned) in &v.lint_rows {
            groups.push((
                rule.to_string(),
                Group {
                    kind: "lint",
                    checked: v.linted,
                    valid: v.linted - broke,
                    invalid: broke,
                    warnings: warned,
                    examples: v
                        .shown
                        .iter()
                        .filter(|s| s.v.rule == rule)
                        .cloned()
                        .collect(),
                    ..Group::default()
                },
            ));
        }
        groups.sort_by_key(|(name, g)| (name.starts_with('('), g.kind == "lint", name.clone()));
        Results {
            checked: v.checked + bad_input,
            valid: v.valid,
            invalid: v.invalid,
            missing: v.missing,
            unreadable: v.unreadable + bad_input,
            tombstones: v.tombstones,
            violations: v.violations,
            groups,
            shown: v.shown.clone(),
        }
    }

    fn failed(&self, allow_missing: bool) -> bool {
        self.invalid > 0 || self.unreadable > 0 || (self.missing > 0 && !allow_missing)
    }

    /// "1535 checked: 1514 valid, 17 invalid, 3 without a schema, 1 unreadable".
    fn totals(&self) -> String {
        let mut t = format!(
            "{} checked: {} valid, {} invalid",
            self.checked, self.valid, self.invalid
        );
        if self.missing > 0 {
            t.push_str(&format!(", {} without a schema", self.missing));
        }
        if self.unreadable > 0 {
            t.push_str(&format!(", {} unreadable", self.unreadable));
        }
        if self.tombstones > 0 {
            t.push_str(&format!(
                ", {} skipped",
                plural(self.tombstones, "tombstone", "tombstones")
            ));
        }
        t
    }

    fn table(&self, terminal: bool, allow_missing: bool) -> String {
        let rows: Vec<Vec<String>> = self
            .groups
            .iter()
            .map(|(name, g)| {
                vec![
                    name.clone(),
                    g.kind.to_string(),
                    g.checked.to_string(),
                    g.valid.to_string(),
                    g.invalid.to_string(),
                    g.warnings.to_string(),
                ]
            })
            .collect();
        let header = [
            "schema / rule",
            "kind",
            "checked",
            "valid",
            "invalid",
            "warnings",
        ];
        let mut out = String::new();
        if !rows.is_empty() {
            out.push_str(&table::render(&header, &rows, None));
            out.push('\n');
        }
        out.push_str(&self.totals());
        if self.missing > 0 && allow_missing {
            out.push_str(" (events without a schema allowed)");
        }
        out.push('\n');
        if !self.shown.is_empty() {
            out.push_str(&format!(
                "\nfirst {} of {}:\n",
                self.shown.len(),
                plural(self.violations, "violation", "violations")
            ));
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
                    out.push_str(&print::escape::for_terminal(&line));
                } else {
                    out.push_str(&line);
                }
                out.push('\n');
            }
        }
        out
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
            "violations_total": self.violations,
            "schemas": groups,
            "violations": self.shown.iter().map(shown_json).collect::<Vec<_>>(),
        })
    }

    /// A JUnit report: one test case per schema and per lint rule; a failure lists its first
    /// violations. Events without a schema are a skipped case when they are allowed.
    fn junit(&self, allow_missing: bool) -> String {
        let skipped = |name: &str| allow_missing && name == NO_SCHEMA;
        let failures = self
            .groups
            .iter()
            .filter(|(n, g)| g.invalid > 0 && !skipped(n))
            .count();
        let skips = self.groups.iter().filter(|(n, _)| skipped(n)).count();
        let tests = self.groups.len();
        let mut x = String::new();
        x.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        x.push_str(&format!(
            "<testsuites name=\"evops schema-validate\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skips}\">\n"
        ));
        x.push_str(&format!(
            "  <testsuite name=\"schema-validate\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"{skips}\">\n"
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
            if skipped(name) {
                x.push_str(&format!(
                    "      <skipped message=\"{} events without a schema (allowed)\"/>\n",
                    g.checked
                ));
            } else if g.invalid > 0 {
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
                o.push_str(&format!("\\u{{{:x}}}", c as u32));
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

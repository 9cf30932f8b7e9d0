//! The validate stage of `evops schema-validate`: each record's value is read (registry
//! framing, JSON, a bare Avro datum or Protobuf message), its schema picked (`--schema` files by
//! the `--schema-for` rule, `--proto-type`, the registry by id or subject) and checked, then the
//! lint rules look at it; every finding is counted per schema and rule into a [`Summary`].
//! Registry answers are remembered per id and subject. A bad event is counted, never an error;
//! a registry that cannot answer ends the run. The checks themselves are pure, in
//! [`crate::schema`] ([`check`](crate::schema::check), [`lint`](crate::schema::lint)).

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use crate::endpoint::registry::{RegisteredSchema, Registry, RegistryError, SubjectStrategy};
use crate::filter::envelope::Envelope;
use crate::pipeline::{Cx, Stage};
use crate::record::{Origin, Record};
use crate::schema::avro;
use crate::schema::catalog::{Body, Catalog, Schema, Select};
use crate::schema::check::{check_value, protobuf_value};
use crate::schema::lint::{LintConfig, Linter, Loc};
use crate::schema::summary::{Group, Shown, Summary, NO_SCHEMA, UNREADABLE};
use crate::schema::Violation;

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

/// How events are judged: the schemas, where they come from, how values are read, the lint
/// rules, how many violations to keep.
pub struct Settings {
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
}

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

/// The validate stage: judges every record it is given and passes it on unchanged, so that the
/// loop counts what was judged as written and `--max` means what it says.
pub struct Validate<'a> {
    cfg: &'a Settings,
    /// An error that ends the run (exit 2), kept for [`Stage::take_error`]: the registry went
    /// away, refused us, or served a schema that does not parse.
    error: Option<anyhow::Error>,
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
    checked: u64,
    valid: u64,
    invalid: u64,
    missing: u64,
    unreadable: u64,
    tombstones: u64,
    scratch: Vec<Violation>,
}

impl<'a> Validate<'a> {
    pub fn new(cfg: &'a Settings) -> Validate<'a> {
        let names: Arc<std::sync::RwLock<Vec<Arc<str>>>> = Arc::default();
        let shared = names.clone();
        let namer = move |loc: Loc| {
            let names = shared.read().expect("source names");
            let name = |i: u32| names.get(i as usize).map_or("?", |n| &**n);
            match loc {
                Loc::Line { file, line } => Origin::SampleLine.name(name(file), 0, line as i64),
                Loc::Element { file, index } => {
                    Origin::SampleElement.name(name(file), 0, index as i64)
                }
                Loc::Record {
                    source,
                    partition,
                    offset,
                } => Origin::Partition.name(name(source), partition, offset),
            }
        };
        Validate {
            cfg,
            error: None,
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
            location: r.location(),
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
                // A JSON scalar (`3`, `null`) does not look like JSON above, yet is an event a
                // JSON Schema judges.
                Body::Json(_) => match serde_json::from_slice::<Value>(b) {
                    Ok(v) if crate::codec::depth::check(b).is_ok() => {
                        return self.judge_json(v, topic, vs)
                    }
                    _ => format!("its schema {} is a JSON Schema", s.name),
                },
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

    /// Judge one record: its schema's verdict and the lint rules, counted into its row and
    /// the totals. Only a registry that cannot answer is an error.
    fn check(&mut self, r: &Record) -> anyhow::Result<()> {
        let Some(bytes) = r.value.as_deref() else {
            self.tombstones += 1;
            return Ok(());
        };
        self.checked += 1;
        // A sample event's "topic" is its file: no topic names its schema.
        let topic = (r.origin == Origin::Partition).then_some(&*r.topic);
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
        if self.linter.is_some() {
            self.lint(r, value.as_ref(), bytes.len(), &mut vs);
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

    /// Run the lint rules on one event, appending their violations; each rule counts an event
    /// once, however many fields broke it.
    fn lint(&mut self, r: &Record, value: Option<&Value>, size: usize, vs: &mut Vec<Violation>) {
        let source = self.source_index(&r.topic);
        let loc = match r.origin {
            Origin::SampleLine => Loc::Line {
                file: source,
                line: r.offset as u64,
            },
            Origin::SampleElement => Loc::Element {
                file: source,
                index: r.offset as u64,
            },
            Origin::Partition => Loc::Record {
                source,
                partition: r.partition,
                offset: r.offset,
            },
        };
        let Some(linter) = self.linter.as_mut() else {
            return;
        };
        let before = vs.len();
        self.linted += 1;
        linter.check(value, size, loc, vs);
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

    /// What the run found, with the lines or records the sources could not read at all
    /// (`bad_input`) counted as unreadable events.
    pub fn summary(&self, bad_input: u64) -> Summary {
        let v = self;
        let mut groups: Vec<(String, Group)> = v.groups.clone();
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
        Summary {
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
}

impl Stage for Validate<'_> {
    fn push(&mut self, record: Record, _cx: &mut Cx, out: &mut Vec<Record>) -> Option<Record> {
        if self.error.is_none() {
            self.error = self.check(&record).err();
        }
        out.push(record);
        None
    }

    fn take_error(&mut self) -> Option<anyhow::Error> {
        self.error.take()
    }
}

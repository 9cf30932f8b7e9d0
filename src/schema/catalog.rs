//! The schemas a run validates against, and which one applies to an event. Pure: the caller
//! reads the files (or asks the registry) and hands over their texts; the catalog parses them,
//! tells Avro from JSON Schema, and answers "which schema for this event" by the rule the user
//! chose (one for all, by event type, by topic), naming what it looked for when nothing fits.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use super::avro::AvroSchema;
use super::json_schema::{self, JsonSchema, Kind};

/// A parsed schema of either kind. Few exist per run, so the size difference between the
/// variants does not matter.
#[allow(clippy::large_enum_variant)]
pub enum Body {
    Avro(AvroSchema),
    Json(JsonSchema),
}

impl Body {
    pub fn kind(&self) -> &'static str {
        match self {
            Body::Avro(_) => "avro",
            Body::Json(_) => "json-schema",
        }
    }
}

/// A schema with the name it is known by and where it came from.
pub struct Schema {
    /// The file stem (`user_registered` for `schemas/user_registered.avsc`), or the registry
    /// subject and version.
    pub name: String,
    /// The file path or `registry id N`, for messages.
    pub origin: String,
    pub body: Body,
}

/// One schema document as the caller read it.
pub struct Doc {
    pub name: String,
    pub origin: String,
    pub text: String,
    /// The file's extension says Avro (`.avsc`); otherwise the content decides.
    pub avro_hint: bool,
}

/// How events find their schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Select {
    /// Framed payloads by their registry id; otherwise one schema when there is one, else by
    /// event type, else by topic.
    Auto,
    /// The one schema, for every event.
    Single,
    /// The event's type names the schema (`data.type` → `<type>.avsc` / `<type>.json`).
    Type,
    /// The topic names the schema (`<topic>` or `<topic>-value`).
    Topic,
    /// Only the registry id in the Confluent framing.
    Registry,
}

impl Select {
    pub const NAMES: &'static [&'static str] = &["auto", "single", "type", "topic", "registry"];

    pub fn parse(s: &str) -> Option<Select> {
        Some(match s {
            "auto" => Select::Auto,
            "single" | "one" => Select::Single,
            "type" | "event-type" => Select::Type,
            "topic" => Select::Topic,
            "registry" | "id" => Select::Registry,
            _ => return None,
        })
    }
}

/// The schemas given with `--schema`.
#[derive(Default)]
pub struct Catalog {
    schemas: Vec<Arc<Schema>>,
    by_name: HashMap<String, usize>,
}

impl Catalog {
    /// Parse every document. JSON Schema documents may `$ref` each other (by `$id`); an
    /// unreadable schema is an error naming its file, never a silently smaller catalog.
    pub fn build(docs: Vec<Doc>) -> Result<Catalog, String> {
        let mut parsed: Vec<(Doc, Value)> = Vec::new();
        for d in docs {
            let v: Value = serde_json::from_str(&d.text)
                .map_err(|e| format!("{}: not a JSON document ({e})", d.origin))?;
            parsed.push((d, v));
        }
        // Every JSON Schema document is a resource the others may refer to, by its $id.
        let resources: Vec<(String, Value)> = parsed
            .iter()
            .filter(|(d, v)| !d.avro_hint && json_schema::kind_of(v) == Kind::JsonSchema)
            .filter_map(|(_, v)| {
                v.get("$id")
                    .and_then(Value::as_str)
                    .map(|id| (id.to_string(), v.clone()))
            })
            .collect();
        let mut cat = Catalog::default();
        for (d, v) in parsed {
            let kind = if d.avro_hint {
                Kind::Avro
            } else {
                json_schema::kind_of(&v)
            };
            let body = match kind {
                Kind::Avro => Body::Avro(
                    AvroSchema::parse(&d.text, &[])
                        .map_err(|e| format!("{}: not a valid Avro schema: {e}", d.origin))?,
                ),
                Kind::JsonSchema => Body::Json(
                    JsonSchema::compile(&v, &resources)
                        .map_err(|e| format!("{}: not a valid JSON Schema: {e}", d.origin))?,
                ),
                Kind::Unknown => {
                    return Err(format!(
                        "{}: neither an Avro schema nor a JSON Schema (a JSON Schema has \"$schema\", \"type\": \"object\" or \"properties\"; an Avro schema has \"type\": \"record\" and \"fields\")",
                        d.origin
                    ))
                }
            };
            cat.add(Schema {
                name: d.name,
                origin: d.origin,
                body,
            })?;
        }
        Ok(cat)
    }

    fn add(&mut self, s: Schema) -> Result<(), String> {
        let idx = self.schemas.len();
        if let Some(&other) = self.by_name.get(&s.name) {
            return Err(format!(
                "two schemas are named '{}': {} and {}",
                s.name, self.schemas[other].origin, s.origin
            ));
        }
        self.by_name.insert(s.name.clone(), idx);
        // An Avro record is also known by its full and short names, so that a type field
        // holding "com.acme.UserRegistered" or "UserRegistered" finds it.
        if let Body::Avro(a) = &s.body {
            if let Some(full) = a.full_name() {
                let short = full.rsplit('.').next().unwrap_or(&full).to_string();
                self.by_name.entry(full).or_insert(idx);
                self.by_name.entry(short).or_insert(idx);
            }
        }
        self.schemas.push(Arc::new(s));
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.schemas.len()
    }

    pub fn is_empty(&self) -> bool {
        self.schemas.is_empty()
    }

    /// The only schema, when there is exactly one.
    pub fn single(&self) -> Option<&Arc<Schema>> {
        match &self.schemas[..] {
            [one] => Some(one),
            _ => None,
        }
    }

    /// The schema named by an event type.
    pub fn by_type(&self, ty: &str) -> Option<&Arc<Schema>> {
        self.by_name.get(ty).map(|&i| &self.schemas[i])
    }

    /// The schema named after a topic (`orders` or `orders-value`).
    pub fn by_topic(&self, topic: &str) -> Option<&Arc<Schema>> {
        self.by_name
            .get(topic)
            .or_else(|| self.by_name.get(&format!("{topic}-value")))
            .map(|&i| &self.schemas[i])
    }

    /// The schema for an event, by the rule; `Err` says what was looked for.
    pub fn select(
        &self,
        rule: Select,
        topic: Option<&str>,
        ty: Option<&str>,
    ) -> Result<&Arc<Schema>, String> {
        let by_type = || match ty {
            Some(t) => self.by_type(t),
            None => None,
        };
        let by_topic = || topic.and_then(|t| self.by_topic(t));
        let found = match rule {
            Select::Single => self.single(),
            Select::Type => by_type(),
            Select::Topic => by_topic(),
            Select::Registry => None,
            Select::Auto => self.single().or_else(by_type).or_else(by_topic),
        };
        found.ok_or_else(|| self.missing(rule, topic, ty))
    }

    fn missing(&self, rule: Select, topic: Option<&str>, ty: Option<&str>) -> String {
        let ty_text = match ty {
            Some(t) => format!("type '{t}'"),
            None => "no event type".to_string(),
        };
        match rule {
            Select::Single => format!(
                "--schema-for single needs exactly one schema; {} were given",
                self.len()
            ),
            Select::Type => format!("no schema for {ty_text} (looked for a schema named after the type)"),
            Select::Topic => format!(
                "no schema for topic '{}' (looked for '{0}' and '{0}-value')",
                topic.unwrap_or("-")
            ),
            Select::Registry => "not framed with a schema registry id".to_string(),
            Select::Auto => match topic {
                Some(t) => format!(
                    "no schema for {ty_text} on topic '{t}' (looked for a schema named after the type, then '{t}' and '{t}-value')"
                ),
                None => format!("no schema for {ty_text} (looked for a schema named after the type)"),
            },
        }
    }

    /// Names of every schema, for messages.
    pub fn names(&self) -> Vec<&str> {
        self.schemas.iter().map(|s| s.name.as_str()).collect()
    }
}

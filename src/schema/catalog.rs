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
#[derive(Debug)]
pub enum Body {
    Avro(AvroSchema),
    Json(JsonSchema),
    Protobuf(super::protobuf::ProtoSchema),
}

impl Body {
    pub fn kind(&self) -> &'static str {
        match self {
            Body::Avro(_) => "avro",
            Body::Json(_) => "json-schema",
            Body::Protobuf(_) => "protobuf",
        }
    }

    /// A schema as a registry holds it: its `schemaType` (`AVRO` when absent), its text, and
    /// the texts of the schemas it references, dependencies first.
    pub fn from_registry(schema_type: &str, text: &str, refs: &[String]) -> Result<Body, String> {
        match schema_type {
            "AVRO" | "" => {
                let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
                AvroSchema::parse(text, &refs)
                    .map(Body::Avro)
                    .map_err(|e| format!("not a valid Avro schema: {e}"))
            }
            "JSON" => {
                let doc: Value =
                    serde_json::from_str(text).map_err(|e| format!("not JSON ({e})"))?;
                let resources: Vec<(String, Value)> = refs
                    .iter()
                    .filter_map(|t| serde_json::from_str::<Value>(t).ok())
                    .filter_map(|v| {
                        let id = v.get("$id").and_then(Value::as_str)?.to_string();
                        Some((id, v))
                    })
                    .collect();
                JsonSchema::compile(&doc, &resources)
                    .map(Body::Json)
                    .map_err(|e| format!("not a valid JSON Schema: {e}"))
            }
            // Its references are imports by name: compiled by the caller, which has them.
            "PROTOBUF" => Err("Protobuf schemas are compiled with their named references".into()),
            other => Err(format!(
                "{other} schemas are not supported (Avro, JSON Schema and Protobuf are)"
            )),
        }
    }
}

/// A schema with the name it is known by and where it came from.
#[derive(Debug)]
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

/// The schemas given with `--schema`.
#[derive(Debug, Default)]
pub struct Catalog {
    schemas: Vec<Arc<Schema>>,
    /// By file name: what `--schema-for type` and `topic` look for first.
    by_name: HashMap<String, usize>,
    /// Avro records by full and short name, for a type field that holds them; `None` when two
    /// records share the name (then only a file name can tell them apart).
    by_record: HashMap<String, Option<usize>>,
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
        // holding "com.acme.UserRegistered" or "UserRegistered" finds it; file names win.
        if let Body::Avro(a) = &s.body {
            if let Some(full) = a.full_name() {
                let short = full.rsplit('.').next().unwrap_or(&full).to_string();
                for n in [full, short] {
                    self.by_record
                        .entry(n)
                        .and_modify(|e| {
                            if *e != Some(idx) {
                                *e = None;
                            }
                        })
                        .or_insert(Some(idx));
                }
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

    /// The schema named by an event type: a file named so, else an Avro record named so.
    pub fn by_type(&self, ty: &str) -> Option<&Arc<Schema>> {
        self.by_name
            .get(ty)
            .copied()
            .or_else(|| self.by_record.get(ty).copied().flatten())
            .map(|i| &self.schemas[i])
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
            None => "an event without a type".to_string(),
        };
        match rule {
            Select::Single => format!(
                "--schema-for single needs exactly one schema; {} were given",
                self.len()
            ),
            Select::Type => format!("no schema for {ty_text} (looked for a schema named after the type)"),
            Select::Topic => match topic {
                Some(t) => format!("no schema for topic '{t}' (looked for '{t}' and '{t}-value')"),
                None => "a sample event has no topic to name its schema".to_string(),
            },
            Select::Registry => "not framed with a schema registry id".to_string(),
            Select::Auto => match topic {
                Some(t) => format!(
                    "no schema for {ty_text} on topic '{t}' (looked for a schema named after the type, then '{t}' and '{t}-value')"
                ),
                None => format!("no schema for {ty_text} (looked for a schema named after the type)"),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(name: &str, text: &str, avro: bool) -> Doc {
        Doc {
            name: name.into(),
            origin: format!("{name}.{}", if avro { "avsc" } else { "json" }),
            text: text.into(),
            avro_hint: avro,
        }
    }

    /// A catalog of schema files (name, text, whether it is a `.avsc`), which must build.
    fn catalog(docs: &[(&str, &str, bool)]) -> Catalog {
        Catalog::build(docs.iter().map(|&(n, t, a)| doc(n, t, a)).collect()).unwrap()
    }

    const USER_AVRO: &str = r#"{"type":"record","name":"User","namespace":"acme","fields":[{"name":"id","type":"string"}]}"#;
    const USER_JSON: &str = r#"{"type":"object","required":["id"]}"#;

    #[test]
    fn types_find_files_first_then_record_names() {
        let c = catalog(&[
            ("user_registered", USER_AVRO, true),
            ("User", USER_JSON, false),
        ]);
        // The file named User wins over the Avro record named User, whatever the order.
        assert_eq!(c.by_type("User").unwrap().name, "User");
        assert_eq!(c.by_type("acme.User").unwrap().name, "user_registered");
        assert_eq!(
            c.by_type("user_registered").unwrap().name,
            "user_registered"
        );
        assert!(c.by_type("nobody").is_none());
        let c = catalog(&[
            ("User", USER_JSON, false),
            ("user_registered", USER_AVRO, true),
        ]);
        assert_eq!(c.by_type("User").unwrap().name, "User");
    }

    #[test]
    fn two_records_with_one_name_are_found_by_file_only() {
        let c = catalog(&[("a", USER_AVRO, true), ("b", USER_AVRO, true)]);
        assert!(c.by_type("acme.User").is_none());
        assert_eq!(c.by_type("b").unwrap().name, "b");
    }

    #[test]
    fn selection_rules_and_what_they_say_when_nothing_fits() {
        let c = catalog(&[
            ("orders-value", USER_JSON, false),
            ("user_registered", USER_AVRO, true),
        ]);
        assert_eq!(
            c.select(Select::Topic, Some("orders"), None).unwrap().name,
            "orders-value"
        );
        assert_eq!(
            c.select(Select::Auto, Some("orders"), Some("user_registered"))
                .unwrap()
                .name,
            "user_registered"
        );
        assert_eq!(
            c.select(Select::Auto, Some("orders"), Some("x"))
                .unwrap()
                .name,
            "orders-value"
        );
        let e = c.select(Select::Type, Some("orders"), None).unwrap_err();
        assert!(e.contains("without a type"), "{e}");
        let e = c.select(Select::Single, None, None).unwrap_err();
        assert!(e.contains("exactly one"), "{e}");
        let e = c.select(Select::Topic, None, None).unwrap_err();
        assert!(e.contains("no topic"), "{e}");
    }

    #[test]
    fn bad_and_duplicate_schemas_are_errors_naming_the_file() {
        let e = Catalog::build(vec![doc("x", "{", false)]).unwrap_err();
        assert!(e.starts_with("x.json"), "{e}");
        let e = Catalog::build(vec![doc("x", r#"{"fields": 3}"#, false)]).unwrap_err();
        assert!(e.starts_with("x.json: not a valid Avro schema"), "{e}");
        let e = Catalog::build(vec![doc("x", "3", false)]).unwrap_err();
        assert!(e.contains("neither"), "{e}");
        let e = Catalog::build(vec![doc("u", USER_AVRO, true), doc("u", USER_JSON, false)])
            .unwrap_err();
        assert!(e.contains("two schemas are named 'u'"), "{e}");
    }

    #[test]
    fn registry_schemas_of_both_kinds_parse_and_others_are_refused() {
        assert_eq!(
            Body::from_registry("", USER_AVRO, &[]).unwrap().kind(),
            "avro"
        );
        assert_eq!(
            Body::from_registry("JSON", USER_JSON, &[]).unwrap().kind(),
            "json-schema"
        );
        assert!(Body::from_registry("PROTOBUF", "syntax = \"proto3\";", &[]).is_err());
    }
}

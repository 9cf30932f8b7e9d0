//! JSON Schema, pure: compiling a schema document (drafts 4, 6, 7, 2019-09 and 2020-12, through
//! the `jsonschema` crate) and turning its verdicts into [`Violation`]s, plus [`kind_of`], which
//! tells a JSON Schema from an Avro schema when a file does not say. Nothing here reads a file or
//! the network: the documents a `$ref` may reach are handed in, and a `$ref` to anything else is
//! a compile error that names it, so a schema check never depends on what a server says today.
//!
//! `format` is an annotation here, not an assertion, whatever the draft: 2019-09 and 2020-12 say
//! so, draft 7 leaves it optional, and one rule for every draft keeps a schema's verdict from
//! changing when someone bumps its `$schema`. [`Options::assert_formats`] turns it on.

use jsonschema::error::ValidationErrorKind;
use jsonschema::{Draft, Registry, Retrieve, Uri, ValidationError};
use serde_json::Value;

use super::{push_pointer, short, Violation};

/// A compiled JSON Schema, ready to check many values.
pub struct JsonSchema {
    validator: jsonschema::Validator,
}

impl std::fmt::Debug for JsonSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonSchema")
            .field("draft", &self.draft())
            .finish_non_exhaustive()
    }
}

/// How to compile; [`JsonSchema::compile`] uses the defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// The URI of the schema document itself (e.g. the `file://` URI of its file), against which
    /// its relative `$ref`s ("address.json") resolve when it has no `$id`.
    pub base_uri: Option<String>,
    /// Make `format` an assertion ("date-time", "email", "uuid", ...); off by default.
    pub assert_formats: bool,
}

impl JsonSchema {
    /// Compile a JSON Schema document. Drafts 4, 6, 7, 2019-09 and 2020-12, chosen by
    /// `"$schema"`; without `"$schema"`, 2020-12. `resources` are the other schema documents
    /// (URI → document) that `$ref`s may point at, e.g. the sibling files of a directory of
    /// schemas, registered under a `file://` URI the caller computes (each is also known by its
    /// own `"$id"`). Nothing is ever retrieved: a `$ref` to anything not provided is an error
    /// that names it.
    pub fn compile(doc: &Value, resources: &[(String, Value)]) -> Result<JsonSchema, String> {
        JsonSchema::compile_with(doc, resources, &Options::default())
    }

    /// [`JsonSchema::compile`] with options.
    pub fn compile_with(
        doc: &Value,
        resources: &[(String, Value)],
        options: &Options,
    ) -> Result<JsonSchema, String> {
        if !doc.is_object() && !doc.is_boolean() {
            return Err(format!(
                "a JSON Schema is an object or a boolean, not {}",
                type_name(doc)
            ));
        }
        let draft = Draft::default().detect(doc);
        if draft == Draft::Unknown {
            // A custom meta-schema is fine when it is among the resources; the crate then walks
            // its chain to the draft underneath.
            let uri = doc["$schema"].as_str().unwrap_or_default();
            let given = resources
                .iter()
                .any(|(u, _)| u.trim_end_matches('#') == uri.trim_end_matches('#'));
            if !given {
                return Err(format!(
                    "unknown \"$schema\" {uri:?}: evops knows draft-04, draft-06, draft-07, \
                     2019-09 and 2020-12 (https://json-schema.org/draft/2020-12/schema, ...)"
                ));
            }
        }
        // Resources without a "$schema" of their own follow the document's draft.
        let resource_draft = if draft == Draft::Unknown {
            Draft::default()
        } else {
            draft
        };
        let registry = Registry::new()
            .retriever(NoRetrieval)
            .draft(resource_draft)
            .extend(resources.iter().map(|(uri, doc)| (uri.as_str(), doc)))
            .and_then(jsonschema::RegistryBuilder::prepare)
            .map_err(|e| referencing_error(&e))?;
        let mut opts = jsonschema::options()
            .with_retriever(NoRetrieval)
            .with_registry(&registry)
            .should_validate_formats(options.assert_formats);
        if let Some(base) = &options.base_uri {
            opts = opts.with_base_uri(base.clone());
        }
        let validator = opts.build(doc).map_err(|e| compile_error(&e, draft))?;
        Ok(JsonSchema { validator })
    }

    /// The draft the schema is read as: "draft-04", "draft-06", "draft-07", "2019-09" or
    /// "2020-12".
    pub fn draft(&self) -> &'static str {
        draft_name(self.validator.draft())
    }

    /// Fast path: true when valid.
    pub fn is_valid(&self, value: &Value) -> bool {
        self.validator.is_valid(value)
    }

    /// Append up to `max` violations (rule `"schema"`), each with the JSON pointer of the failing
    /// place in `value` and a reason such as `"1200" is not of type "integer"`. A missing
    /// required property is reported at the place it should be (`/meta/created_at`, not
    /// `/meta`), because that is the field people look for.
    pub fn check(&self, value: &Value, out: &mut Vec<Violation>, max: usize) {
        let start = out.len();
        for e in self.validator.iter_errors(value) {
            if out.len() - start >= max {
                break;
            }
            // A field the schema does not allow is reported at the field (a fat event's
            // `/data/attributes/body`), one violation each, as a missing one is.
            if let ValidationErrorKind::AdditionalProperties { unexpected } = e.kind() {
                let at = e.instance_path().as_str();
                for name in unexpected {
                    out.push(Violation::schema(
                        push_pointer(at, name),
                        format!("\"{name}\" is not allowed here (additionalProperties is false)"),
                    ));
                }
                continue;
            }
            out.push(violation(&e));
        }
        out.truncate(start + max);
    }
}

fn violation(e: &ValidationError<'_>) -> Violation {
    let at = e.instance_path().as_str();
    if let ValidationErrorKind::Required { property } = e.kind() {
        let name = property
            .as_str()
            .map_or_else(|| property.to_string(), str::to_string);
        return Violation::schema(
            push_pointer(at, &name),
            format!("{property} is a required property, missing here"),
        );
    }
    // The crate's messages quote the whole failing value; an `anyOf` over the whole event would
    // quote the event. Short values are quoted as they are, longer ones cut.
    Violation::schema(at, e.masked_with(short(e.instance())).to_string())
}

fn draft_name(draft: Draft) -> &'static str {
    match draft {
        Draft::Draft4 => "draft-04",
        Draft::Draft6 => "draft-06",
        Draft::Draft7 => "draft-07",
        Draft::Draft201909 => "2019-09",
        Draft::Draft202012 => "2020-12",
        _ => "custom",
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn compile_error(e: &ValidationError<'_>, draft: Draft) -> String {
    if let ValidationErrorKind::Referencing(r) = e.kind() {
        return referencing_error(r);
    }
    // Anything else is the meta-schema's verdict on the schema document.
    let at = e.instance_path().as_str();
    let at = if at.is_empty() { "the top" } else { at };
    format!(
        "not a valid {} schema: at {at}: {}",
        draft_name(draft),
        e.masked_with(short(e.instance()))
    )
}

fn referencing_error(e: &jsonschema::ReferencingError) -> String {
    match e {
        jsonschema::ReferencingError::Unretrievable { uri, .. } => format!(
            "$ref to {uri}, which is not among the schemas given \
             (evops never fetches a schema by itself)"
        ),
        jsonschema::ReferencingError::PointerToNowhere { pointer } => {
            format!("$ref to {pointer:?}, which is not in the schema")
        }
        e => format!("$ref: {e}"),
    }
}

/// Refuses every retrieval, so that nothing but the given documents is ever read: with the
/// crate's `resolve-file` feature its default retriever would read `file://` URIs from disk.
struct NoRetrieval;

impl Retrieve for NoRetrieval {
    fn retrieve(
        &self,
        uri: &Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        Err(format!("{uri} is not among the schemas given").into())
    }
}

/// What a schema document is, for files that do not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    JsonSchema,
    Avro,
    Unknown,
}

/// Type names only JSON Schema has (`integer`, `number`, `object`) and the ones both share.
const JSON_SCHEMA_TYPES: &[&str] = &[
    "object", "array", "string", "integer", "number", "boolean", "null",
];

/// Keywords that make a document a JSON Schema.
const JSON_SCHEMA_KEYWORDS: &[&str] = &[
    "$schema",
    "$id",
    "properties",
    "patternProperties",
    "additionalProperties",
    "required",
    "$defs",
    "definitions",
    "allOf",
    "anyOf",
    "oneOf",
    "not",
    "$ref",
    "const",
    "enum",
    "prefixItems",
];

/// Avro type names a JSON Schema never uses.
const AVRO_ONLY_TYPES: &[&str] = &[
    "record", "enum", "fixed", "map", "int", "long", "float", "double", "bytes",
];

/// Whether a parsed document looks like a JSON Schema or an Avro schema.
///
/// JSON Schema: it has `"$schema"`; or Avro-only marks are absent and it has a JSON Schema
/// keyword (`properties`, `$defs`, `definitions`, `allOf`, `anyOf`, `oneOf`, `$ref`, ...) or a
/// JSON Schema `"type"` (`object`, `integer`, ... or an array of them). Avro: a top-level array
/// (a union), a bare type name (`"string"`, `"com.example.User"`), or an object with Avro-only
/// marks: `"type"` record/enum/fixed/map/int/long/... or a named type, `fields`, `symbols`,
/// `values`, `logicalType`, or `items` that is a name or a union. `{"type":"string"}` is valid
/// as both and counts as JSON Schema.
pub fn kind_of(doc: &Value) -> Kind {
    match doc {
        Value::Array(_) | Value::String(_) => Kind::Avro,
        Value::Bool(_) => Kind::JsonSchema,
        Value::Object(m) => {
            if m.contains_key("$schema") {
                return Kind::JsonSchema;
            }
            if is_avro_object(m) {
                return Kind::Avro;
            }
            let json_type = match m.get("type") {
                Some(Value::String(t)) => JSON_SCHEMA_TYPES.contains(&t.as_str()),
                Some(Value::Array(ts)) => {
                    !ts.is_empty()
                        && ts
                            .iter()
                            .all(|t| t.as_str().is_some_and(|t| JSON_SCHEMA_TYPES.contains(&t)))
                }
                _ => false,
            };
            if json_type || JSON_SCHEMA_KEYWORDS.iter().any(|k| m.contains_key(*k)) {
                Kind::JsonSchema
            } else {
                Kind::Unknown
            }
        }
        _ => Kind::Unknown,
    }
}

fn is_avro_object(m: &serde_json::Map<String, Value>) -> bool {
    if ["fields", "symbols", "values", "logicalType"]
        .iter()
        .any(|k| m.contains_key(*k))
    {
        return true;
    }
    match m.get("items") {
        // A JSON Schema's items is a schema (object or boolean) or, before 2020-12, an array of
        // schemas; Avro's is a type name, a union of names and schemas, or a schema.
        Some(Value::String(_)) => return true,
        Some(Value::Array(items)) if items.iter().any(|i| kind_of(i) == Kind::Avro) => return true,
        Some(items @ Value::Object(_)) if kind_of(items) == Kind::Avro => return true,
        _ => {}
    }
    match m.get("type") {
        Some(Value::String(t)) => {
            AVRO_ONLY_TYPES.contains(&t.as_str()) || !JSON_SCHEMA_TYPES.contains(&t.as_str())
        }
        // {"type": {"type": "array", "items": "string"}}: a schema nested as a type.
        Some(Value::Object(_)) => true,
        Some(Value::Array(ts)) => ts
            .iter()
            .any(|t| !t.as_str().is_some_and(|t| JSON_SCHEMA_TYPES.contains(&t))),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn violations(schema: &JsonSchema, value: &Value) -> Vec<(String, String)> {
        let mut out = Vec::new();
        schema.check(value, &mut out, 100);
        assert!(out.iter().all(|v| v.rule == "schema" && !v.warning));
        out.into_iter().map(|v| (v.pointer, v.reason)).collect()
    }

    fn compile(doc: Value) -> JsonSchema {
        JsonSchema::compile(&doc, &[]).unwrap()
    }

    #[test]
    fn draft_is_chosen_by_dollar_schema_and_defaults_to_2020_12() {
        let s = compile(json!({"$schema": "http://json-schema.org/draft-07/schema#"}));
        assert_eq!(s.draft(), "draft-07");
        let s = compile(json!({"$schema": "https://json-schema.org/draft/2020-12/schema"}));
        assert_eq!(s.draft(), "2020-12");
        let s = compile(json!({"$schema": "http://json-schema.org/draft-04/schema#"}));
        assert_eq!(s.draft(), "draft-04");
        let s = compile(json!({"$schema": "https://json-schema.org/draft/2019-09/schema"}));
        assert_eq!(s.draft(), "2019-09");
        assert_eq!(compile(json!({"type": "object"})).draft(), "2020-12");
        let e =
            JsonSchema::compile(&json!({"$schema": "https://example.com/mine"}), &[]).unwrap_err();
        assert!(e.contains("https://example.com/mine"), "{e}");
    }

    #[test]
    fn tuples_are_items_in_draft_7_and_prefix_items_in_2020_12() {
        let d7 = compile(json!({
            "$schema": "http://json-schema.org/draft-07/schema#",
            "items": [{"type": "string"}, {"type": "integer"}],
            "additionalItems": false
        }));
        assert!(d7.is_valid(&json!(["a", 1])));
        assert_eq!(
            violations(&d7, &json!([1, 1])),
            [("/0".to_string(), r#"1 is not of type "string""#.to_string())]
        );
        assert!(!d7.is_valid(&json!(["a", 1, 2])));

        let d2020 = compile(json!({
            "prefixItems": [{"type": "string"}, {"type": "integer"}],
            "items": false
        }));
        assert!(d2020.is_valid(&json!(["a", 1])));
        assert!(!d2020.is_valid(&json!(["a", "b"])));
        assert!(!d2020.is_valid(&json!(["a", 1, 2])));
        // An array for "items" is not a 2020-12 schema.
        let e = JsonSchema::compile(&json!({"items": [{"type": "string"}]}), &[]).unwrap_err();
        assert!(e.contains("2020-12"), "{e}");
    }

    #[test]
    fn dependencies_in_draft_7_and_dependent_required_in_2020_12() {
        let d7 = compile(json!({
            "$schema": "http://json-schema.org/draft-07/schema#",
            "dependencies": {"card": ["billing_address"]}
        }));
        assert!(d7.is_valid(&json!({"card": 1, "billing_address": "x"})));
        assert_eq!(
            violations(&d7, &json!({"card": 1})),
            [(
                "/billing_address".to_string(),
                r#""billing_address" is a required property, missing here"#.to_string()
            )]
        );
        let d2020 = compile(json!({"dependentRequired": {"card": ["billing_address"]}}));
        assert!(!d2020.is_valid(&json!({"card": 1})));
        assert!(d2020.is_valid(&json!({"name": 1})));
    }

    #[test]
    fn format_is_an_annotation_unless_asked_for() {
        for schema in [
            json!({"$schema": "http://json-schema.org/draft-07/schema#", "format": "date-time"}),
            json!({"format": "date-time"}),
        ] {
            assert!(compile(schema.clone()).is_valid(&json!("yesterday")));
            let asserting = Options {
                assert_formats: true,
                ..Options::default()
            };
            let strict = JsonSchema::compile_with(&schema, &[], &asserting).unwrap();
            assert!(!strict.is_valid(&json!("yesterday")));
            assert!(strict.is_valid(&json!("2026-11-23T10:00:00Z")));
            assert_eq!(
                violations(&strict, &json!("yesterday")),
                [(
                    String::new(),
                    r#""yesterday" is not a "date-time""#.to_string()
                )]
            );
        }
    }

    #[test]
    fn refs_reach_the_resources_given_by_id_or_by_uri() {
        let address = json!({
            "$id": "https://example.com/address.json",
            "type": "object",
            "properties": {"zip": {"type": "string"}},
            "required": ["zip"]
        });
        let resources = vec![("file:///schemas/address.json".to_string(), address)];
        let by_id = JsonSchema::compile(
            &json!({"properties": {"home": {"$ref": "https://example.com/address.json"}}}),
            &resources,
        )
        .unwrap();
        assert!(by_id.is_valid(&json!({"home": {"zip": "75001"}})));
        assert_eq!(
            violations(&by_id, &json!({"home": {"zip": 75001}})),
            [(
                "/home/zip".to_string(),
                r#"75001 is not of type "string""#.to_string()
            )]
        );
        let by_uri = JsonSchema::compile(
            &json!({"properties": {"home": {"$ref": "file:///schemas/address.json"}}}),
            &resources,
        )
        .unwrap();
        assert!(!by_uri.is_valid(&json!({"home": {}})));
        // A relative $ref resolves against the document's own URI.
        let relative = JsonSchema::compile_with(
            &json!({"properties": {"home": {"$ref": "address.json#/properties/zip"}}}),
            &resources,
            &Options {
                base_uri: Some("file:///schemas/user.json".into()),
                ..Options::default()
            },
        )
        .unwrap();
        assert!(!relative.is_valid(&json!({"home": 1})));
        // A directory of schemas: the document may be among the resources itself.
        let user = json!({"properties": {"home": {"$ref": "address.json"}}});
        let mut directory = resources.clone();
        directory.push(("file:///schemas/user.json".into(), user.clone()));
        let in_directory = JsonSchema::compile_with(
            &user,
            &directory,
            &Options {
                base_uri: Some("file:///schemas/user.json".into()),
                ..Options::default()
            },
        )
        .unwrap();
        assert!(!in_directory.is_valid(&json!({"home": {}})));
        assert!(in_directory.is_valid(&json!({"home": {"zip": "1"}})));
        // Draft 7 resources work under a 2020-12 document.
        let d7 = json!({
            "$schema": "http://json-schema.org/draft-07/schema#",
            "$id": "https://example.com/id.json",
            "definitions": {"id": {"type": "string", "minLength": 1}}
        });
        let mixed = JsonSchema::compile(
            &json!({"$ref": "https://example.com/id.json#/definitions/id"}),
            &[("https://example.com/id.json".into(), d7)],
        )
        .unwrap();
        assert!(mixed.is_valid(&json!("x")));
        assert!(!mixed.is_valid(&json!("")));
    }

    #[test]
    fn an_unknown_ref_is_a_compile_error_that_names_it() {
        for r in [
            "https://example.com/missing.json",
            "file:///etc/passwd",
            "other.json",
        ] {
            let e =
                JsonSchema::compile(&json!({"properties": {"a": {"$ref": r}}}), &[]).unwrap_err();
            assert!(e.contains(r), "{r}: {e}");
            assert!(e.contains("not among the schemas given"), "{e}");
        }
        let e = JsonSchema::compile(&json!({"$ref": "#/$defs/nope"}), &[]).unwrap_err();
        assert!(e.contains("/$defs/nope"), "{e}");
    }

    #[test]
    fn nested_failures_point_at_the_field() {
        let s = compile(json!({
            "type": "object",
            "properties": {
                "data": {
                    "type": "object",
                    "required": ["id"],
                    "properties": {
                        "attributes": {
                            "properties": {
                                "count": {"type": "integer"},
                                "tags": {"items": {"type": "string"}},
                                "a/b": {"type": "string"}
                            }
                        }
                    }
                },
                "meta": {"type": "object", "required": ["created_at", "host"]}
            },
            "required": ["data", "meta"]
        }));
        let got = violations(
            &s,
            &json!({
                "data": {"attributes": {"count": "1200", "tags": ["a", 2], "a/b": 1}},
                "meta": {"host": "h"}
            }),
        );
        let want = [
            ("/data/id", r#""id" is a required property, missing here"#),
            (
                "/data/attributes/count",
                r#""1200" is not of type "integer""#,
            ),
            ("/data/attributes/tags/1", r#"2 is not of type "string""#),
            ("/data/attributes/a~1b", r#"1 is not of type "string""#),
            (
                "/meta/created_at",
                r#""created_at" is a required property, missing here"#,
            ),
        ];
        let mut got_sorted = got.clone();
        got_sorted.sort();
        let mut want: Vec<(String, String)> = want
            .iter()
            .map(|(p, r)| (p.to_string(), r.to_string()))
            .collect();
        want.sort();
        assert_eq!(got_sorted, want);
        // A missing object is itself the missing property.
        let got = violations(&s, &json!({"data": {"id": "1"}}));
        assert_eq!(got[0].0, "/meta");
        // `max` caps the list.
        let mut out = Vec::new();
        s.check(&json!({}), &mut out, 1);
        assert_eq!(out.len(), 1);
    }

    #[test]
    fn long_values_are_cut_in_reasons() {
        let s = compile(json!({"anyOf": [{"type": "string"}, {"type": "integer"}]}));
        let big = json!({"data": {"attributes": {"text": "x".repeat(500)}}});
        let got = violations(&s, &big);
        assert_eq!(got.len(), 1);
        assert!(got[0].1.len() < 160, "{}", got[0].1);
        assert!(got[0].1.contains("anyOf"), "{}", got[0].1);
    }

    #[test]
    fn invalid_schemas_are_compile_errors() {
        let e = JsonSchema::compile(&json!({"type": "strnig"}), &[]).unwrap_err();
        assert!(e.starts_with("not a valid 2020-12 schema: at /type"), "{e}");
        let e = JsonSchema::compile(&json!([1]), &[]).unwrap_err();
        assert!(e.contains("an array"), "{e}");
    }

    #[test]
    fn kind_of_tells_avro_from_json_schema() {
        let avro = [
            json!({
                "type": "record", "name": "User", "namespace": "com.example",
                "fields": [{"name": "id", "type": "string"}, {"name": "age", "type": ["null", "int"]}]
            }),
            json!({"type": "enum", "name": "Suit", "symbols": ["SPADES", "HEARTS"]}),
            json!({"type": "fixed", "name": "md5", "size": 16}),
            json!({"type": "array", "items": "string"}),
            json!({"type": "array", "items": ["null", {"type": "record", "name": "R", "fields": []}]}),
            json!({"type": "map", "values": "long"}),
            json!({"type": "string", "logicalType": "uuid"}),
            json!({"type": "long"}),
            json!({"type": "com.example.User"}),
            json!({"type": {"type": "array", "items": "string"}}),
            json!("string"),
            json!(["null", "string"]),
        ];
        for a in &avro {
            assert_eq!(kind_of(a), Kind::Avro, "{a}");
        }
        let json_schemas = [
            json!({"$schema": "http://json-schema.org/draft-07/schema#"}),
            json!({"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "record"}),
            json!({
                "type": "object",
                "properties": {"data": {"type": "object"}},
                "required": ["data"]
            }),
            json!({"properties": {"a": {}}}),
            json!({"$defs": {"a": {}}, "$ref": "#/$defs/a"}),
            json!({"definitions": {}}),
            json!({"anyOf": [{"type": "string"}]}),
            json!({"type": "integer"}),
            json!({"type": ["string", "null"]}),
            json!({"type": "array", "items": {"type": "string"}}),
            json!({"type": "array", "items": [{"type": "string"}]}),
            json!({"enum": ["a", "b"]}),
            json!(true),
        ];
        for j in &json_schemas {
            assert_eq!(kind_of(j), Kind::JsonSchema, "{j}");
        }
        for u in [json!({}), json!({"name": "x"}), json!(3), json!(null)] {
            assert_eq!(kind_of(&u), Kind::Unknown, "{u}");
        }
    }

    /// `cargo test --release --lib -- --ignored json_schema_speed --nocapture`: validations per
    /// second of a ~300-byte envelope event, parsing its bytes included, with `format` as an
    /// annotation (the default) and as an assertion.
    #[test]
    #[ignore = "a manual speed check: run it in release, by name"]
    fn json_schema_speed() {
        let doc = json!({
            "$schema": "http://json-schema.org/draft-07/schema#",
            "type": "object",
            "required": ["data", "meta"],
            "properties": {
                "data": {
                    "type": "object",
                    "required": ["id", "type", "attributes"],
                    "properties": {
                        "id": {"type": "string", "pattern": "^[0-9a-f-]{36}$"},
                        "type": {"type": "string", "enum": ["comment_created", "comment_updated"]},
                        "attributes": {
                            "type": "object",
                            "required": ["body", "author_id", "article_id"],
                            "properties": {
                                "body": {"type": "string", "maxLength": 10000},
                                "author_id": {"type": "integer", "minimum": 1},
                                "article_id": {"type": "integer", "minimum": 1},
                                "edited": {"type": "boolean"}
                            }
                        }
                    }
                },
                "meta": {
                    "type": "object",
                    "required": ["created_at", "host"],
                    "properties": {
                        "created_at": {"type": "string", "format": "date-time"},
                        "host": {"type": "string", "minLength": 1}
                    }
                }
            }
        });
        let event = br#"{"data":{"id":"5f0c1d2e-8a7b-4c3d-9e1f-2a3b4c5d6e7f","type":"comment_created","attributes":{"body":"Nice write-up, thanks for sharing this with the community!","author_id":1234567,"article_id":7654321,"edited":false}},"meta":{"created_at":"2026-11-23T10:00:00.123Z","host":"web-7f9c6d-abcde"}}"#;
        for assert_formats in [false, true] {
            let options = Options {
                assert_formats,
                ..Options::default()
            };
            let schema = JsonSchema::compile_with(&doc, &[], &options).unwrap();
            let n = 300_000;
            let start = std::time::Instant::now();
            let mut valid = 0usize;
            for _ in 0..n {
                let v: Value = serde_json::from_slice(std::hint::black_box(event)).unwrap();
                valid += usize::from(schema.is_valid(&v));
            }
            let secs = start.elapsed().as_secs_f64();
            assert_eq!(valid, n);
            println!(
                "json_schema_speed: {} bytes/event, format asserted: {assert_formats}: \
                 {:.0} validations/s (parse + is_valid), {:.2} µs each",
                event.len(),
                n as f64 / secs,
                secs * 1e6 / n as f64
            );
        }
    }
}

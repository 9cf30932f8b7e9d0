//! The Confluent Schema Registry client: the I/O half of schemas (the pure half, parsing and
//! checking, is [`crate::schema`]). It speaks the registry's REST API over ureq, with
//! native-tls and the system trust store for `https://` registries, HTTP basic auth from the
//! URL's userinfo or from `USER:PASSWORD`, one timeout for connecting and for the whole
//! exchange, and subjects percent-encoded in paths. Schema ids are immutable, so what an id
//! names is cached for the life of the process, and so is an id the registry does not know:
//! a bad id in a million records costs one request. Credentials never appear in a message:
//! the URL that errors name is the one without them.
//!
//! [`SubjectStrategy`] names subjects exactly as Confluent's Java serializers do.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine as _;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use ureq::tls::{RootCerts, TlsConfig, TlsProvider};
use ureq::Agent;

/// What the registry takes and gives (Confluent's `Versions.SCHEMA_REGISTRY_V1_JSON`).
const CONTENT_TYPE: &str = "application/vnd.schemaregistry.v1+json";
/// What Confluent's Java client accepts, in its order of preference.
const ACCEPT: &str = "application/vnd.schemaregistry.v1+json, \
                      application/vnd.schemaregistry+json; qs=0.9, application/json; qs=0.5";

/// Where the registry is and how to log in, as plain values.
#[derive(Clone, PartialEq, Eq)]
pub struct RegistryConfig {
    /// `http(s)://host:port/prefix`, without credentials or a trailing slash.
    pub url: String,
    pub user: Option<String>,
    pub password: Option<String>,
    /// For connecting, and for each whole request and answer.
    pub timeout: Duration,
    /// The CA certificates (PEM) that an `https://` registry is checked against, instead of
    /// the system's.
    pub ca: Option<Vec<u8>>,
}

impl fmt::Debug for RegistryConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RegistryConfig")
            .field("url", &self.url)
            .field("user", &self.user)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .field("timeout", &self.timeout)
            .field("ca", &self.ca.as_ref().map(|_| "PEM"))
            .finish()
    }
}

impl RegistryConfig {
    /// Parse "https://user:pass@host:8081/prefix" (credentials in the URL's userinfo,
    /// percent-decoded) or a plain URL. `basic_auth`, when given and not empty, is
    /// "USER:PASSWORD" (Confluent's `basic.auth.user.info`, used with the `USER_INFO` source)
    /// and wins over credentials in the URL.
    pub fn parse(
        url: &str,
        basic_auth: Option<&str>,
        timeout: Duration,
    ) -> Result<RegistryConfig, RegistryError> {
        let url = url.trim();
        let Some((scheme, rest)) = url.split_once("://") else {
            return Err(RegistryError::Invalid(format!(
                "schema registry URL '{}' must start with http:// or https://",
                without_userinfo(url)
            )));
        };
        let scheme = scheme.to_ascii_lowercase();
        if scheme != "http" && scheme != "https" {
            return Err(RegistryError::Invalid(format!(
                "schema registry URL '{}' must start with http:// or https://",
                without_userinfo(url)
            )));
        }
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(end);
        let (userinfo, host) = match authority.rfind('@') {
            Some(at) => (Some(&authority[..at]), &authority[at + 1..]),
            None => (None, authority),
        };
        let clean = format!("{scheme}://{host}{}", path.trim_end_matches('/'));
        if host.is_empty() {
            return Err(RegistryError::Invalid(format!(
                "schema registry URL '{clean}' has no host"
            )));
        }
        if let Some(q) = path.find(['?', '#']) {
            // Shown without the query: it may hold a token.
            return Err(RegistryError::Invalid(format!(
                "schema registry URL '{scheme}://{host}{}' must not have a query or a fragment (not shown: it may hold a secret); give credentials with --registry-auth",
                &path[..q]
            )));
        }
        let (user, password) = match (basic_auth.filter(|a| !a.is_empty()), userinfo) {
            (Some(auth), _) => {
                let Some((user, password)) = auth.split_once(':') else {
                    return Err(RegistryError::Invalid(
                        "schema registry basic auth must be USER:PASSWORD".into(),
                    ));
                };
                (Some(user.to_string()), Some(password.to_string()))
            }
            (None, Some(info)) => {
                let decode = |s: &str| {
                    percent_decode(s).ok_or_else(|| {
                        RegistryError::Invalid(format!(
                            "the credentials in schema registry URL '{clean}' are not \
                             well percent-encoded"
                        ))
                    })
                };
                match info.split_once(':') {
                    Some((user, password)) => (Some(decode(user)?), Some(decode(password)?)),
                    None => (Some(decode(info)?), None),
                }
            }
            (None, None) => (None, None),
        };
        Ok(RegistryConfig {
            url: clean,
            user,
            password,
            timeout,
            ca: None,
        })
    }

    /// Check the registry's certificate against the CA certificates in this PEM file.
    pub fn with_ca_file(self, path: &std::path::Path) -> Result<RegistryConfig, RegistryError> {
        let invalid = |why: String| RegistryError::Invalid(format!("{}: {why}", path.display()));
        let pem = crate::endpoint::file::read_whole(path, crate::endpoint::file::SMALL_FILE)
            .map_err(|e| invalid(e.to_string()))?;
        if ca_certs(&pem).is_empty() {
            return Err(invalid("no PEM certificate in it".into()));
        }
        Ok(RegistryConfig {
            ca: Some(pem),
            ..self
        })
    }
}

/// The certificates in a PEM file.
fn ca_certs(pem: &[u8]) -> Vec<ureq::tls::Certificate<'static>> {
    ureq::tls::parse_pem(pem)
        .filter_map(|item| match item {
            Ok(ureq::tls::PemItem::Certificate(c)) => Some(c.to_owned()),
            _ => None,
        })
        .collect()
}

/// A reference from one schema to another, by subject and version.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaRef {
    /// The name the referring schema uses (an Avro full name, a JSON `$ref`, a proto import).
    pub name: String,
    pub subject: String,
    pub version: i32,
}

/// A schema as the registry keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct RegisteredSchema {
    /// The global id, the one in Confluent-framed records.
    pub id: u32,
    /// The schema's text, as the registry stores it.
    pub schema: String,
    /// "AVRO", "JSON" or "PROTOBUF".
    pub schema_type: String,
    pub references: Vec<SchemaRef>,
    /// Known when the schema was asked for by subject and version.
    pub subject: Option<String>,
    pub version: Option<i32>,
}

/// What can go wrong talking to a registry. No message includes a password.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RegistryError {
    /// No answer: connection refused, unknown host, TLS failure, timeout.
    #[error("cannot reach the schema registry at {url}: {reason}")]
    Unreachable { url: String, reason: String },
    /// HTTP 401: missing or wrong credentials.
    #[error("the schema registry at {url} refused the credentials (HTTP 401)")]
    Unauthorized { url: String },
    /// Confluent's 40401 (subject), 40402 (version) or 40403 (schema) not found.
    #[error("{what} is not in the schema registry: {message} (error code {code})")]
    NotFound {
        what: String,
        code: u32,
        message: String,
    },
    /// Any other error answer, with Confluent's `error_code` (the HTTP status when the body
    /// has none).
    #[error("the schema registry answered HTTP {status}: {message} (error code {code})")]
    Api {
        status: u16,
        code: u32,
        message: String,
    },
    /// A bad URL or basic auth setting, or an answer that is not what the API promises.
    #[error("{0}")]
    Invalid(String),
}

/// How serializers name the subject a schema is registered under (Confluent's
/// `*.subject.name.strategy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubjectStrategy {
    /// `<topic>-key` or `<topic>-value`: the default.
    TopicName,
    /// `<record full name>`.
    RecordName,
    /// `<topic>-<record full name>`.
    TopicRecordName,
}

impl SubjectStrategy {
    /// "topic", "record", "topic-record", or Confluent's class names ("TopicNameStrategy",
    /// ..., also fully qualified), case-insensitively.
    pub fn parse(s: &str) -> Option<SubjectStrategy> {
        let name = s.trim().rsplit('.').next().unwrap_or_default();
        match name.to_ascii_lowercase().as_str() {
            "topic" | "topicname" | "topicnamestrategy" => Some(SubjectStrategy::TopicName),
            "record" | "recordname" | "recordnamestrategy" => Some(SubjectStrategy::RecordName),
            "topic-record" | "topicrecord" | "topicrecordname" | "topicrecordnamestrategy" => {
                Some(SubjectStrategy::TopicRecordName)
            }
            _ => None,
        }
    }

    /// Confluent's class name for it.
    pub fn name(self) -> &'static str {
        match self {
            SubjectStrategy::TopicName => "TopicNameStrategy",
            SubjectStrategy::RecordName => "RecordNameStrategy",
            SubjectStrategy::TopicRecordName => "TopicRecordNameStrategy",
        }
    }

    /// The subject for a key or value schema written to `topic`. `record_name` is the
    /// schema's full name (Avro `namespace.name`, JSON Schema `title`, protobuf message full
    /// name); the record strategies need it.
    pub fn subject(
        self,
        topic: &str,
        record_name: Option<&str>,
        is_key: bool,
    ) -> Result<String, String> {
        let record = || {
            record_name.filter(|r| !r.is_empty()).ok_or_else(|| {
                format!(
                    "the {} names subjects after the schema's full name, and this schema \
                     has none (it must be a named record)",
                    self.name()
                )
            })
        };
        match self {
            SubjectStrategy::TopicName => {
                Ok(format!("{topic}-{}", if is_key { "key" } else { "value" }))
            }
            SubjectStrategy::RecordName => Ok(record()?.to_string()),
            SubjectStrategy::TopicRecordName => Ok(format!("{topic}-{}", record()?)),
        }
    }
}

/// A registry client with its caches. Share it by reference (it is `Send + Sync`).
pub struct Registry {
    agent: Agent,
    url: String,
    /// The `Authorization` header's value.
    authorization: Option<String>,
    timeout: Duration,
    /// By id, found or not found: ids never change.
    by_id: Mutex<HashMap<u32, Result<Arc<RegisteredSchema>, RegistryError>>>,
    by_version: Mutex<HashMap<VersionKey, Arc<RegisteredSchema>>>,
}

/// A subject and a version of it; `None` is the latest.
type VersionKey = (String, Option<i32>);

impl Registry {
    pub fn new(cfg: RegistryConfig) -> Registry {
        let roots = match &cfg.ca {
            Some(pem) => RootCerts::new_with_certs(&ca_certs(pem)),
            None => RootCerts::PlatformVerifier,
        };
        let tls = TlsConfig::builder()
            .provider(TlsProvider::NativeTls)
            .root_certs(roots)
            .build();
        let agent: Agent = Agent::config_builder()
            .tls_config(tls)
            .timeout_connect(Some(cfg.timeout))
            .timeout_global(Some(cfg.timeout))
            .http_status_as_error(false)
            .user_agent(format!("evops/{}", env!("CARGO_PKG_VERSION")))
            .accept(ACCEPT)
            .build()
            .into();
        let authorization = cfg.user.as_ref().map(|user| {
            let pair = format!("{user}:{}", cfg.password.as_deref().unwrap_or_default());
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            )
        });
        Registry {
            agent,
            url: cfg.url,
            authorization,
            timeout: cfg.timeout,
            by_id: Mutex::new(HashMap::new()),
            by_version: Mutex::new(HashMap::new()),
        }
    }

    /// The registry's URL, without credentials.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// GET /schemas/ids/{id}, cached forever (ids are immutable); negative results cached too
    /// so a bad id in a million records costs one request.
    pub fn schema_by_id(&self, id: u32) -> Result<Arc<RegisteredSchema>, RegistryError> {
        if let Some(cached) = lock(&self.by_id).get(&id) {
            return cached.clone();
        }
        let answer = self
            .get::<SchemaBody>(&format!("/schemas/ids/{id}"), || format!("schema id {id}"))
            .map(|body| Arc::new(body.into_schema(Some(id))));
        match &answer {
            Ok(_) | Err(RegistryError::NotFound { .. }) => {
                lock(&self.by_id).insert(id, answer.clone());
            }
            Err(_) => {} // may be better next time
        }
        answer
    }

    /// GET /subjects/{s}/versions/latest, cached for the life of the process (until this
    /// client registers a schema under the subject).
    pub fn latest(&self, subject: &str) -> Result<Arc<RegisteredSchema>, RegistryError> {
        self.subject_version(subject, None)
    }

    /// GET /subjects/{s}/versions/{version}, cached (-1 is the latest, as in Confluent's API).
    pub fn version(
        &self,
        subject: &str,
        version: i32,
    ) -> Result<Arc<RegisteredSchema>, RegistryError> {
        self.subject_version(subject, (version != -1).then_some(version))
    }

    fn subject_version(
        &self,
        subject: &str,
        version: Option<i32>,
    ) -> Result<Arc<RegisteredSchema>, RegistryError> {
        let key = (subject.to_string(), version);
        if let Some(cached) = lock(&self.by_version).get(&key) {
            return Ok(cached.clone());
        }
        let v = version.map_or("latest".to_string(), |v| v.to_string());
        let path = format!("/subjects/{}/versions/{v}", encode(subject));
        let body: SchemaBody = self.get(&path, || match version {
            Some(v) => format!("version {v} of subject '{subject}'"),
            None => format!("subject '{subject}'"),
        })?;
        if body.id.is_none() {
            return Err(self.unexpected(&path, "no schema id"));
        }
        let schema = Arc::new(body.into_schema(None));
        lock(&self.by_version).insert(key, schema.clone());
        Ok(schema)
    }

    /// Resolve references recursively: texts of every referenced schema, dependencies first
    /// (each once, the order a parser that knows only earlier names needs).
    pub fn references(&self, s: &RegisteredSchema) -> Result<Vec<String>, RegistryError> {
        let mut seen = HashSet::new();
        let mut texts = Vec::new();
        self.collect(&s.references, &mut seen, &mut texts)?;
        Ok(texts)
    }

    fn collect(
        &self,
        refs: &[SchemaRef],
        seen: &mut HashSet<(String, i32)>,
        texts: &mut Vec<String>,
    ) -> Result<(), RegistryError> {
        for r in refs {
            // Marked before the descent, so that a cycle ends rather than recursing forever.
            if seen.insert((r.subject.clone(), r.version)) {
                let dependency = self.version(&r.subject, r.version)?;
                self.collect(&dependency.references, seen, texts)?;
                texts.push(dependency.schema.clone());
            }
        }
        Ok(())
    }

    /// POST /subjects/{s}/versions: the schema's global id, the existing one when the same
    /// schema is registered already (under any subject).
    pub fn register(
        &self,
        subject: &str,
        schema: &str,
        schema_type: &str,
    ) -> Result<u32, RegistryError> {
        #[derive(Deserialize)]
        struct Registered {
            id: u32,
        }
        let path = format!("/subjects/{}/versions", encode(subject));
        let answer: Registered = self.post(&path, &request_body(schema, schema_type), || {
            format!("subject '{subject}'")
        })?;
        lock(&self.by_version).remove(&(subject.to_string(), None));
        Ok(answer.id)
    }

    /// POST /compatibility/subjects/{s}/versions/latest?verbose=true: whether the schema may
    /// follow the subject's latest under its compatibility level, and the registry's reasons
    /// when not. A subject with no versions yet accepts anything.
    pub fn check_compatibility(
        &self,
        subject: &str,
        schema: &str,
        schema_type: &str,
    ) -> Result<(bool, Vec<String>), RegistryError> {
        #[derive(Deserialize)]
        struct Verdict {
            is_compatible: bool,
            #[serde(default)]
            messages: Option<Vec<serde_json::Value>>,
        }
        let path = format!(
            "/compatibility/subjects/{}/versions/latest?verbose=true",
            encode(subject)
        );
        let verdict: Verdict = self.post(&path, &request_body(schema, schema_type), || {
            format!("subject '{subject}'")
        })?;
        let messages = verdict
            .messages
            .unwrap_or_default()
            .into_iter()
            .map(|m| match m {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            })
            .collect();
        Ok((verdict.is_compatible, messages))
    }

    /// GET /config/{s}?defaultToGlobal=true: the subject's compatibility level
    /// (`BACKWARD`, `FULL_TRANSITIVE`, `NONE`, ...), or the registry's when the subject has none.
    pub fn compatibility_level(&self, subject: &str) -> Result<String, RegistryError> {
        #[derive(serde::Deserialize)]
        #[serde(rename_all = "camelCase")]
        struct Level {
            compatibility_level: String,
        }
        let path = format!("/config/{}?defaultToGlobal=true", encode(subject));
        let level: Level = self.get(&path, || format!("the compatibility level of '{subject}'"))?;
        Ok(level.compatibility_level)
    }

    /// GET /subjects/{s}/versions: the subject's version numbers, oldest first.
    pub fn versions(&self, subject: &str) -> Result<Vec<i32>, RegistryError> {
        let path = format!("/subjects/{}/versions", encode(subject));
        let mut v: Vec<i32> = self.get(&path, || format!("subject '{subject}'"))?;
        v.sort_unstable();
        Ok(v)
    }

    fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        what: impl FnOnce() -> String,
    ) -> Result<T, RegistryError> {
        let mut request = self.agent.get(format!("{}{path}", self.url));
        if let Some(auth) = &self.authorization {
            request = request.header("Authorization", auth);
        }
        self.answer(path, request.call(), what)
    }

    fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        body: &serde_json::Value,
        what: impl FnOnce() -> String,
    ) -> Result<T, RegistryError> {
        let mut request = self
            .agent
            .post(format!("{}{path}", self.url))
            .header("Content-Type", CONTENT_TYPE);
        if let Some(auth) = &self.authorization {
            request = request.header("Authorization", auth);
        }
        self.answer(path, request.send(body.to_string()), what)
    }

    /// Turn a response (or the lack of one) into a value or an error.
    fn answer<T: DeserializeOwned>(
        &self,
        path: &str,
        response: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
        what: impl FnOnce() -> String,
    ) -> Result<T, RegistryError> {
        let mut response = response.map_err(|e| self.unreachable(e))?;
        let status = response.status().as_u16();
        let text = response
            .body_mut()
            .read_to_string()
            .map_err(|e| self.unreachable(e))?;
        if (200..300).contains(&status) {
            return serde_json::from_str(&text).map_err(|e| self.unexpected(path, &e.to_string()));
        }
        if status == 401 {
            return Err(RegistryError::Unauthorized {
                url: self.url.clone(),
            });
        }
        let (code, message) = match serde_json::from_str::<ErrorBody>(&text) {
            Ok(e) => (e.error_code, e.message),
            Err(_) => (u32::from(status), snippet(&text)),
        };
        if status == 404 && (40401..=40403).contains(&code) {
            return Err(RegistryError::NotFound {
                what: what(),
                code,
                message,
            });
        }
        Err(RegistryError::Api {
            status,
            code,
            message,
        })
    }

    fn unreachable(&self, e: ureq::Error) -> RegistryError {
        let reason = match e {
            ureq::Error::Timeout(_) => format!(
                "no answer within {}",
                humantime::format_duration(self.timeout)
            ),
            ureq::Error::Io(e) => e.to_string(),
            other => other.to_string(),
        };
        RegistryError::Unreachable {
            url: self.url.clone(),
            reason,
        }
    }

    fn unexpected(&self, path: &str, why: &str) -> RegistryError {
        RegistryError::Invalid(format!(
            "the schema registry at {} gave an unexpected answer to {path}: {why}",
            self.url
        ))
    }
}

/// The body of GET /schemas/ids/{id} and GET /subjects/{s}/versions/{v}.
#[derive(Deserialize)]
struct SchemaBody {
    schema: String,
    #[serde(rename = "schemaType", default)]
    schema_type: Option<String>,
    #[serde(default)]
    references: Option<Vec<RefBody>>,
    #[serde(default)]
    id: Option<u32>,
    #[serde(default)]
    subject: Option<String>,
    #[serde(default)]
    version: Option<i32>,
}

#[derive(Deserialize)]
struct RefBody {
    name: String,
    subject: String,
    version: i32,
}

impl SchemaBody {
    fn into_schema(self, asked_id: Option<u32>) -> RegisteredSchema {
        RegisteredSchema {
            id: self.id.or(asked_id).unwrap_or_default(),
            schema: self.schema,
            // The registry leaves the type out for Avro.
            schema_type: self.schema_type.unwrap_or_else(|| "AVRO".into()),
            references: self
                .references
                .unwrap_or_default()
                .into_iter()
                .map(|r| SchemaRef {
                    name: r.name,
                    subject: r.subject,
                    version: r.version,
                })
                .collect(),
            subject: self.subject,
            version: self.version,
        }
    }
}

/// The body of register and compatibility requests; the type is left out for Avro, as
/// Confluent's own clients do.
/// The body of a registry's error answer.
#[derive(Deserialize)]
struct ErrorBody {
    error_code: u32,
    #[serde(default)]
    message: String,
}

fn request_body(schema: &str, schema_type: &str) -> serde_json::Value {
    let mut body = serde_json::json!({ "schema": schema });
    let schema_type = schema_type.to_ascii_uppercase();
    if !schema_type.is_empty() && schema_type != "AVRO" {
        body["schemaType"] = schema_type.into();
    }
    body
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic elsewhere cannot leave a cache half-written: every update is one insert.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Percent-encode a path segment: everything but RFC 3986's unreserved characters.
fn encode(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decode `%XX` escapes; `None` for a broken escape or bytes that are not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// A URL for messages: anything between `://` and an `@` in the authority dropped, and the
/// query and fragment.
fn without_userinfo(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        // No scheme: the whole thing may be host-ish; drop up to the last '@' before a '/'.
        let end = url.find('/').unwrap_or(url.len());
        return match url[..end].rfind('@') {
            Some(at) => url[at + 1..].to_string(),
            None => url.to_string(),
        };
    };
    // Nor a query or fragment, which may hold a token.
    let rest = &rest[..rest.find(['?', '#']).unwrap_or(rest.len())];
    let end = rest.find('/').unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => format!("{scheme}://{rest}"),
    }
}

/// The start of a non-JSON error body, on one line.
fn snippet(text: &str) -> String {
    let line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(200) {
        Some((cut, _)) => format!("{}...", &line[..cut]),
        None if line.is_empty() => "(no body)".into(),
        None => line,
    }
}

/// A registry schema parsed, with the schemas it references (asked of the registry).
pub fn parse_registered(
    registry: &Registry,
    reg: &RegisteredSchema,
) -> Result<crate::schema::catalog::Body, String> {
    if reg.schema_type.eq_ignore_ascii_case("PROTOBUF") {
        let file = compile_protobuf(registry, reg)?;
        return Ok(crate::schema::catalog::Body::Protobuf(
            crate::schema::protobuf::ProtoSchema::File(file),
        ));
    }
    let refs = registry
        .references(reg)
        .map_err(|e| format!("its references: {e}"))?;
    crate::schema::catalog::Body::from_registry(&reg.schema_type, &reg.schema, &refs)
}

/// The Avro schemas of `--value-format avro`: writer schemas by registry id (asked once per id,
/// failures remembered too), and the `--schema` file for bare datums.
pub struct AvroLookup {
    registry: Option<Registry>,
    bare: Option<std::sync::Arc<crate::schema::avro::AvroSchema>>,
    by_id: std::sync::Mutex<
        std::collections::HashMap<
            u32,
            Result<std::sync::Arc<crate::schema::avro::AvroSchema>, String>,
        >,
    >,
}

impl AvroLookup {
    pub fn new(
        registry: Option<Registry>,
        bare: Option<std::sync::Arc<crate::schema::avro::AvroSchema>>,
    ) -> AvroLookup {
        AvroLookup {
            registry,
            bare,
            by_id: Mutex::default(),
        }
    }
}

impl crate::codec::avro::Schemas for AvroLookup {
    fn by_id(&self, id: u32) -> Result<std::sync::Arc<crate::schema::avro::AvroSchema>, String> {
        let mut cache = self.by_id.lock().expect("avro schema cache");
        if let Some(s) = cache.get(&id) {
            return s.clone();
        }
        let got = match &self.registry {
            None => Err("framed with a registry id, but no --registry was given".to_string()),
            Some(r) => r
                .schema_by_id(id)
                .map_err(|e| e.to_string())
                .and_then(|reg| match parse_registered(r, &reg)? {
                    crate::schema::catalog::Body::Avro(a) => Ok(std::sync::Arc::new(a)),
                    crate::schema::catalog::Body::Protobuf(_) => {
                        Err("a Protobuf schema, not an Avro schema".to_string())
                    }
                    crate::schema::catalog::Body::Json(_) => {
                        Err("a JSON Schema, not an Avro schema".to_string())
                    }
                }),
        };
        cache.insert(id, got.clone());
        got
    }

    fn bare(&self) -> Option<std::sync::Arc<crate::schema::avro::AvroSchema>> {
        self.bare.clone()
    }

    fn framed(&self) -> bool {
        self.registry.is_some()
    }
}

/// A Protobuf registry schema and its references, recursively, as (file name, text) pairs: the
/// root first, named after its id (no import can name it), then each reference under the name
/// its importer uses, each once.
pub fn protobuf_sources(
    registry: &Registry,
    reg: &RegisteredSchema,
) -> Result<(String, Vec<(String, String)>), RegistryError> {
    let root = format!("registry-schema-{}.proto", reg.id);
    let mut out = vec![(root.clone(), reg.schema.clone())];
    let mut seen = std::collections::HashSet::new();
    let mut todo: Vec<_> = reg.references.clone();
    while let Some(r) = todo.pop() {
        if !seen.insert(r.name.clone()) {
            continue;
        }
        let dep = registry.version(&r.subject, r.version)?;
        todo.extend(dep.references.iter().cloned());
        out.push((r.name.clone(), dep.schema.clone()));
    }
    Ok((root, out))
}

/// A Protobuf registry schema compiled, with its references.
pub fn compile_protobuf(
    registry: &Registry,
    reg: &RegisteredSchema,
) -> Result<crate::schema::protobuf::FileDescriptor, String> {
    if !reg.schema_type.eq_ignore_ascii_case("PROTOBUF") {
        return Err(format!("a {} schema, not a Protobuf one", reg.schema_type));
    }
    let (root, sources) =
        protobuf_sources(registry, reg).map_err(|e| format!("its references: {e}"))?;
    crate::schema::protobuf::pool::from_sources(&root, &sources).map_err(|e| e.0)
}

/// The Protobuf schemas of `--value-format protobuf`'s framed payloads: registry schemas by id,
/// compiled once (failures remembered too).
pub struct ProtobufLookup {
    registry: Registry,
    by_id: std::sync::Mutex<
        std::collections::HashMap<u32, Result<crate::schema::protobuf::FileDescriptor, String>>,
    >,
}

impl ProtobufLookup {
    pub fn new(registry: Registry) -> ProtobufLookup {
        ProtobufLookup {
            registry,
            by_id: Mutex::default(),
        }
    }
}

impl crate::codec::protobuf::Files for ProtobufLookup {
    fn by_id(&self, id: u32) -> Result<crate::schema::protobuf::FileDescriptor, String> {
        let mut cache = self.by_id.lock().expect("protobuf schema cache");
        if let Some(f) = cache.get(&id) {
            return f.clone();
        }
        let got = self
            .registry
            .schema_by_id(id)
            .map_err(|e| e.to_string())
            .and_then(|reg| compile_protobuf(&self.registry, &reg));
        cache.insert(id, got.clone());
        got
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn a_token_in_a_url_query_is_never_shown() {
        let e = RegistryConfig::parse("http://h:1/x?token=SECRET", None, Duration::from_secs(1))
            .unwrap_err()
            .to_string();
        assert!(e.contains("http://h:1/x") && !e.contains("SECRET"), "{e}");
        let e = RegistryConfig::parse("ftp://u:PASS@h/?token=SECRET", None, Duration::from_secs(1))
            .unwrap_err()
            .to_string();
        assert!(!e.contains("SECRET") && !e.contains("PASS"), "{e}");
    }

    use super::*;

    const T: Duration = Duration::from_secs(5);

    #[test]
    fn urls_with_credentials_are_split_and_decoded() {
        let c = RegistryConfig::parse("https://bob:p%40ss%3Aw0rd@reg.example:8081/sr/", None, T)
            .unwrap();
        assert_eq!(c.url, "https://reg.example:8081/sr");
        assert_eq!(c.user.as_deref(), Some("bob"));
        assert_eq!(c.password.as_deref(), Some("p@ss:w0rd"));
        assert_eq!(c.timeout, T);
    }

    #[test]
    fn plain_urls_take_user_info_separately() {
        let c = RegistryConfig::parse("HTTP://localhost:8081", Some("key:se:cret"), T).unwrap();
        assert_eq!(c.url, "http://localhost:8081");
        assert_eq!(c.user.as_deref(), Some("key"));
        assert_eq!(c.password.as_deref(), Some("se:cret"));
        let c = RegistryConfig::parse("http://localhost:8081", None, T).unwrap();
        assert_eq!((c.user, c.password), (None, None));
        let c = RegistryConfig::parse("http://localhost:8081", Some(""), T).unwrap();
        assert_eq!(c.user, None);
        // The separate setting wins over the URL's.
        let c = RegistryConfig::parse("http://a:b@h", Some("c:d"), T).unwrap();
        assert_eq!(c.user.as_deref(), Some("c"));
        assert_eq!(c.password.as_deref(), Some("d"));
        // A user without a password.
        let c = RegistryConfig::parse("http://a@h", None, T).unwrap();
        assert_eq!((c.user.as_deref(), c.password), (Some("a"), None));
    }

    #[test]
    fn bad_settings_are_refused_without_showing_the_password() {
        for (url, auth) in [
            ("ftp://u:hunter2@h", None),
            ("u:hunter2@h:8081", None),
            ("http://u:hunter2@", None),
            ("http://u:hunter2@h/x?y=1", None),
            ("http://u:hunter2%zz@h", None),
            ("http://h", Some("hunter2")),
        ] {
            let e = RegistryConfig::parse(url, auth, T).unwrap_err();
            assert!(matches!(e, RegistryError::Invalid(_)), "{url}: {e:?}");
            assert!(!e.to_string().contains("hunter2"), "{url}: {e}");
        }
        let c = RegistryConfig::parse("http://u:hunter2@h", None, T).unwrap();
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    #[test]
    fn the_client_names_its_url_without_credentials() {
        fn send_sync<T: Send + Sync>() {}
        let c = RegistryConfig::parse("http://u:hunter2@h:1/p", None, T).unwrap();
        let r = Registry::new(c);
        assert_eq!(r.url(), "http://h:1/p");
        send_sync::<Registry>();
    }

    #[test]
    fn strategies_parse_as_confluent_names_them() {
        use SubjectStrategy::*;
        for (s, want) in [
            ("topic", TopicName),
            ("TopicNameStrategy", TopicName),
            (
                "io.confluent.kafka.serializers.subject.TopicNameStrategy",
                TopicName,
            ),
            ("RECORD", RecordName),
            ("recordnamestrategy", RecordName),
            ("topic-record", TopicRecordName),
            ("TopicRecordNameStrategy", TopicRecordName),
        ] {
            assert_eq!(SubjectStrategy::parse(s), Some(want), "{s}");
        }
        assert_eq!(SubjectStrategy::parse("subject"), None);
        assert_eq!(SubjectStrategy::parse(""), None);
    }

    #[test]
    fn subjects_are_named_as_the_java_serializers_name_them() {
        use SubjectStrategy::*;
        let rec = Some("com.acme.Order");
        for (strategy, record, is_key, want) in [
            (TopicName, rec, false, "orders-value"),
            (TopicName, None, true, "orders-key"),
            (RecordName, rec, false, "com.acme.Order"),
            (RecordName, rec, true, "com.acme.Order"),
            (TopicRecordName, rec, true, "orders-com.acme.Order"),
        ] {
            let got = strategy.subject("orders", record, is_key).unwrap();
            assert_eq!(got, want, "{strategy:?} {record:?} key={is_key}");
        }
        assert!(RecordName.subject("orders", None, false).is_err());
        assert!(TopicRecordName.subject("orders", Some(""), false).is_err());
    }

    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(encode("orders-value"), "orders-value");
        assert_eq!(encode("a/b value"), "a%2Fb%20value");
        assert_eq!(encode("com.acme.Order_v1~"), "com.acme.Order_v1~");
        assert_eq!(encode("é?#%"), "%C3%A9%3F%23%25");
        assert_eq!(percent_decode("a%2Fb%20c").as_deref(), Some("a/b c"));
        assert_eq!(percent_decode("%C3%A9").as_deref(), Some("é"));
        assert_eq!(percent_decode("%4"), None);
        assert_eq!(percent_decode("%FF"), None);
    }

    #[test]
    fn bodies_leave_the_type_out_for_avro() {
        assert_eq!(
            request_body("\"string\"", "AVRO").to_string(),
            r#"{"schema":"\"string\""}"#
        );
        assert_eq!(
            request_body("{}", "json").to_string(),
            r#"{"schema":"{}","schemaType":"JSON"}"#
        );
    }

    #[test]
    fn answers_parse_with_and_without_optional_fields() {
        let b: SchemaBody = serde_json::from_str(r#"{"schema":"\"int\""}"#).unwrap();
        let s = b.into_schema(Some(7));
        assert_eq!((s.id, s.schema_type.as_str()), (7, "AVRO"));
        assert!(s.references.is_empty() && s.subject.is_none());
        let b: SchemaBody = serde_json::from_str(
            r#"{"subject":"s","version":2,"id":9,"schema":"{}","schemaType":"JSON",
                "references":[{"name":"a.json","subject":"a","version":1}]}"#,
        )
        .unwrap();
        let s = b.into_schema(None);
        assert_eq!(s.id, 9);
        assert_eq!(s.schema_type, "JSON");
        assert_eq!(s.subject.as_deref(), Some("s"));
        assert_eq!(s.version, Some(2));
        assert_eq!(
            s.references,
            vec![SchemaRef {
                name: "a.json".into(),
                subject: "a".into(),
                version: 1
            }]
        );
    }

    #[test]
    fn snippets_are_short_and_on_one_line() {
        assert_eq!(
            snippet("<html>\n  <b>502</b>\n</html>"),
            "<html> <b>502</b> </html>"
        );
        assert_eq!(snippet(""), "(no body)");
        assert_eq!(snippet(&"x".repeat(500)).len(), 203);
    }
}

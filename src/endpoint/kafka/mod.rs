//! Kafka: the only module that imports rdkafka. It owns client configuration (brokers and `-X`
//! properties as [`Settings`], settled in `cli/` from the flags and the profile, with secrets
//! kept out of every message), topic and partition metadata, the consumer source, the group
//! source, the producer sink, why a cluster cannot be reached ([`diagnose`]), and the embedded
//! mock cluster used by `--brokers embedded` and `evops demo`. What happens while it works
//! (outages, librdkafka's logs) is told to the [`crate::endpoint::Notify`] in its settings.
//!
//! Reads use partition assignment, never a group subscription, and never commit: a debugging
//! tool must not disturb production consumers. Only `--group NAME` joins a group ([`group`]).

pub mod batch;
pub mod diagnose;
pub mod embedded;
pub mod group;
pub mod offsets;
pub mod outage;
pub mod sink;
pub mod source;

use std::sync::Mutex;
use std::time::Duration;

use rdkafka::config::{ClientConfig, FromClientConfigAndContext, RDKafkaLogLevel};
use rdkafka::consumer::{BaseConsumer, Consumer, ConsumerContext};
use rdkafka::error::KafkaError;
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::ClientContext;

use crate::error::{close_names, Error};

/// Where and how to connect, as plain values (built by `cli`).
#[derive(Debug, Clone)]
pub struct Settings {
    /// `host:port,...`, or `embedded` for the in-process demo cluster.
    pub brokers: String,
    /// librdkafka properties (`-X key=value` and the profile's).
    pub properties: Vec<(String, String)>,
    /// How long to wait for the cluster before giving up.
    pub timeout: Duration,
    /// Show librdkafka's logs on stderr.
    pub verbose: bool,
    /// Where the endpoint reports what happens while it works (warnings, notes, details).
    pub notify: crate::endpoint::Notify,
}

impl Settings {
    /// `message.max.bytes` as the user set it, or librdkafka's default.
    pub fn max_message_bytes(&self) -> usize {
        self.properties
            .iter()
            .rev()
            .find(|(k, _)| k == "message.max.bytes")
            .and_then(|(_, v)| v.trim().parse().ok())
            .unwrap_or(sink::DEFAULT_MAX_BYTES)
    }
}

/// Whether a librdkafka property holds a secret that must never be printed.
pub fn is_secret(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    k.contains("password")
        || k.contains("secret")
        || k.contains("jaas")
        || k.contains("oauthbearer.config")
        || k.ends_with("key.pem")
        || k.ends_with(".key")
        || k.contains("token")
}

/// A property for messages: the value replaced when it is a secret.
pub fn shown(key: &str, value: &str) -> String {
    if is_secret(key) {
        format!("{key}=<redacted>")
    } else {
        format!("{key}={value}")
    }
}

/// An open connection to a cluster: the settings with the real bootstrap address, and the
/// embedded cluster kept alive while it is used.
pub struct Connection {
    pub settings: Settings,
    embedded: Option<embedded::Embedded>,
    /// One client for the metadata and offset questions of a command, made on first use: a
    /// client costs a connection on start and a wait for its threads on drop (0.1-0.3 s
    /// each), which a short replay paid three times before its first record.
    meta: std::sync::OnceLock<BaseConsumer<Ctx>>,
}

impl Connection {
    /// Connect lazily: only `embedded` does work here (it starts and seeds the mock cluster).
    pub fn open(settings: Settings) -> anyhow::Result<Connection> {
        if settings.brokers == "embedded" {
            let emb = embedded::Embedded::start(&settings)?;
            let mut settings = settings;
            settings.brokers = emb.bootstrap().to_string();
            return Ok(Connection {
                settings,
                embedded: Some(emb),
                meta: std::sync::OnceLock::default(),
            });
        }
        Ok(Connection {
            settings,
            embedded: None,
            meta: std::sync::OnceLock::default(),
        })
    }

    /// The largest record a producer of this connection sends (`message.max.bytes`).
    pub fn max_message_bytes(&self) -> usize {
        self.settings.max_message_bytes()
    }

    /// The embedded cluster, if this connection runs one.
    pub fn embedded(&self) -> Option<&embedded::Embedded> {
        self.embedded.as_ref()
    }

    /// A client configuration: the bootstrap servers, evops's `defaults`, then the user's
    /// properties (which win over the defaults).
    pub(crate) fn client_config(&self, defaults: &[(&str, &str)]) -> ClientConfig {
        let mut cfg = ClientConfig::new();
        cfg.set("bootstrap.servers", &self.settings.brokers);
        cfg.set("client.id", "evops");
        for (k, v) in defaults {
            cfg.set(*k, *v);
        }
        for (k, v) in &self.settings.properties {
            cfg.set(k, v);
        }
        // Info, not Error, without -v: some connection failures are logged at level info
        // only, and the context reads them for their cause (it prints nothing without -v).
        cfg.set_log_level(if self.settings.verbose {
            RDKafkaLogLevel::Debug
        } else {
            RDKafkaLogLevel::Info
        });
        cfg
    }

    /// A consumer that never joins a group and never commits.
    pub(crate) fn consumer(&self) -> anyhow::Result<BaseConsumer<Ctx>> {
        self.consumer_with(CONSUMER_DEFAULTS)
    }

    /// [`Connection::consumer`] with other defaults (the user's properties still win).
    pub(crate) fn consumer_with(
        &self,
        defaults: &[(&str, &str)],
    ) -> anyhow::Result<BaseConsumer<Ctx>> {
        let mut cfg = self.client_config(defaults);
        cfg.set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set("enable.partition.eof", "true")
            .set("allow.auto.create.topics", "false")
            // Reads start at offsets resolved here; an offset the log no longer holds is
            // reported by the source (old position, new range), never reset silently.
            .set("auto.offset.reset", "error");
        // Set after the user's properties: the end-of-partition logic and the promise never to
        // commit depend on them. librdkafka's assign() needs a group.id, but assignment never
        // joins the group and, with commits off, nothing is ever written for it: the broker
        // never learns this name. It is unique so that nothing could ever collide with it.
        cfg.set(
            "group.id",
            format!(
                "evops-assign-{}-{:x}",
                std::process::id(),
                crate::position::now_millis()
            ),
        );
        BaseConsumer::from_config_and_context(&cfg, Ctx::new(&self.settings)).map_err(config_error)
    }

    /// The connection's one client for metadata and offsets, made on first use: never
    /// assigned, never subscribed.
    pub(crate) fn meta(&self) -> anyhow::Result<&BaseConsumer<Ctx>> {
        if let Some(c) = self.meta.get() {
            return Ok(c);
        }
        let c = self.consumer()?;
        Ok(self.meta.get_or_init(|| c))
    }

    /// All topics with their partitions (internal `__` topics included).
    pub fn topics(&self) -> anyhow::Result<Vec<TopicInfo>> {
        list_topics(self.meta()?, self)
    }

    fn unreachable(&self, ctx: &Ctx, e: &KafkaError) -> anyhow::Error {
        let reason = ctx.last_error().unwrap_or_else(|| e.to_string());
        Error::Unreachable {
            brokers: self.settings.brokers.clone(),
            timeout: self.settings.timeout,
            reason,
        }
        .into()
    }
}

/// Consumer settings that differ from librdkafka's defaults. When the output is slower than the
/// network (`-f json` into a file), librdkafka's fetch queue fills and, by default, fetching then
/// pauses for a whole second (`fetch.queue.backoff.ms=1000`): a read would stall in steps. A
/// short backoff keeps the queue topped up. That queue holds up to 64 MiB by default, which is
/// most of a reader's memory when its output is the slower side; 8 MiB (about 27 ms of records
/// at a million 300-byte records a second, refilled every 10 ms) keeps a tail of any length under
/// 64 MiB resident (measured: README, Benchmarks). `-X` overrides both.
pub(crate) const CONSUMER_DEFAULTS: &[(&str, &str)] = &[
    ("fetch.queue.backoff.ms", "10"),
    ("queued.max.messages.kbytes", "8192"),
];

/// A client configuration error, with secret values kept out of the message.
pub(crate) fn config_error(e: KafkaError) -> anyhow::Error {
    match e {
        KafkaError::ClientConfig(_, desc, key, value) => {
            let desc = if is_secret(&key) && !value.is_empty() {
                desc.replace(&value, "<redacted>")
            } else {
                desc
            };
            Error::Usage(format!("invalid Kafka client setting '{key}': {desc}")).into()
        }
        other => anyhow::Error::new(other).context("cannot create the Kafka client"),
    }
}

/// A record from an rdkafka message, placed at `topic`/`partition`/`offset` (the message's own
/// place for a consumed record; the source record's place for a failed delivery).
pub(crate) fn record_from<M: rdkafka::message::Message>(
    msg: &M,
    topic: std::sync::Arc<str>,
    partition: i32,
    offset: i64,
) -> crate::record::Record {
    use crate::record::{Header, Record, Timestamp};
    use rdkafka::message::Headers;
    Record {
        topic,
        partition,
        offset,
        origin: crate::record::Origin::Partition,
        timestamp: match msg.timestamp() {
            rdkafka::Timestamp::NotAvailable => Timestamp::None,
            rdkafka::Timestamp::CreateTime(ms) => Timestamp::Create(ms),
            rdkafka::Timestamp::LogAppendTime(ms) => Timestamp::LogAppend(ms),
        },
        key: msg.key().map(<[u8]>::to_vec),
        value: msg.payload().map(<[u8]>::to_vec),
        headers: msg
            .headers()
            .map(|hs| {
                hs.iter()
                    .map(|h| Header {
                        key: h.key.to_string(),
                        value: h.value.map(<[u8]>::to_vec),
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// A topic and its partition ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicInfo {
    pub name: String,
    pub partitions: Vec<i32>,
}

fn list_topics(consumer: &BaseConsumer<Ctx>, conn: &Connection) -> anyhow::Result<Vec<TopicInfo>> {
    let md = fetch_metadata(consumer, conn)?;
    let mut out: Vec<TopicInfo> = md
        .topics()
        .iter()
        .filter(|t| t.error().is_none())
        .map(|t| {
            let mut partitions: Vec<i32> = t
                .partitions()
                .iter()
                .map(rdkafka::metadata::MetadataPartition::id)
                .collect();
            partitions.sort_unstable();
            TopicInfo {
                name: t.name().to_string(),
                partitions,
            }
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// The cluster's metadata, asked for in short slices of the timeout so that a cause librdkafka
/// already knows (a refused password, an untrusted certificate) ends the wait at once.
fn fetch_metadata(
    consumer: &BaseConsumer<Ctx>,
    conn: &Connection,
) -> anyhow::Result<rdkafka::metadata::Metadata> {
    let deadline = std::time::Instant::now() + conn.settings.timeout;
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let slice = left.min(Duration::from_millis(250));
        let e = match consumer.fetch_metadata(None, slice) {
            Ok(md) => return Ok(md),
            Err(e) => e,
        };
        // Nothing is assigned yet: this only serves the error events to the context.
        let _ = consumer.poll(Duration::ZERO);
        if let Some(cause) = consumer.context().diagnosis() {
            return Err(Error::Access(cause).into());
        }
        if left <= slice {
            return Err(conn.unreachable(consumer.context(), &e));
        }
    }
}

/// [`resolve_topics`], where a name that is not listed is asked about on its own: a broker
/// with ACLs leaves out of its listing the topics a user may not see, and says so only when
/// asked for the topic by name.
pub(crate) fn resolve_readable(
    wanted: &[String],
    topics: &[TopicInfo],
    consumer: &BaseConsumer<Ctx>,
) -> anyhow::Result<Vec<TopicInfo>> {
    resolve_topics(wanted, topics).map_err(|e| {
        let Some(Error::UnknownTopic { topic, .. }) = e.downcast_ref::<Error>() else {
            return e;
        };
        let timeout = Duration::from_secs(2);
        let denied = consumer
            .fetch_metadata(Some(topic), timeout)
            .ok()
            .and_then(|md| {
                let code = RDKafkaErrorCode::from(md.topics().first()?.error()?);
                is_denial(code).then(|| format!("{code:?}"))
            });
        match denied {
            Some(code) => {
                let what = format!("topic {topic}");
                Error::Access(consumer.context().denied(&what, &code)).into()
            }
            None => e,
        }
    })
}

impl Connection {
    /// [`resolve_topics`] against `topics` (from [`Connection::topics`]), naming an
    /// authorization error where a topic is missing because this user may not see it.
    pub fn resolve(
        &self,
        wanted: &[String],
        topics: &[TopicInfo],
    ) -> anyhow::Result<Vec<TopicInfo>> {
        match resolve_topics(wanted, topics) {
            Ok(t) => Ok(t),
            Err(_) => resolve_readable(wanted, topics, self.meta()?),
        }
    }
}

/// Whether a broker's error code says that this client is not allowed to do something.
pub(crate) fn is_denial(code: RDKafkaErrorCode) -> bool {
    matches!(
        code,
        RDKafkaErrorCode::TopicAuthorizationFailed
            | RDKafkaErrorCode::GroupAuthorizationFailed
            | RDKafkaErrorCode::ClusterAuthorizationFailed
            | RDKafkaErrorCode::TransactionalIdAuthorizationFailed
    )
}

/// Resolve names and `^regex` patterns against the cluster's topics, in the order asked,
/// without repeats. An unknown name is an error that suggests close names; a pattern that
/// matches nothing is an error too (a typo would otherwise wait forever on nothing).
pub fn resolve_topics(wanted: &[String], topics: &[TopicInfo]) -> anyhow::Result<Vec<TopicInfo>> {
    let mut out: Vec<TopicInfo> = Vec::new();
    let push = |t: &TopicInfo, out: &mut Vec<TopicInfo>| {
        if !out.iter().any(|o| o.name == t.name) {
            out.push(t.clone());
        }
    };
    for w in wanted {
        if w.starts_with('^') {
            let re = regex::Regex::new(w).map_err(|e| {
                Error::Usage(format!("topic pattern '{w}' is not a valid regex: {e}"))
            })?;
            let internal_ok = w.starts_with("^__");
            let mut any = false;
            for t in topics {
                if re.is_match(&t.name) && (internal_ok || !t.name.starts_with("__")) {
                    push(t, &mut out);
                    any = true;
                }
            }
            if !any {
                return Err(Error::Usage(format!("topic pattern '{w}' matches no topic")).into());
            }
        } else {
            match topics.iter().find(|t| &t.name == w) {
                Some(t) => push(t, &mut out),
                None => {
                    return Err(Error::UnknownTopic {
                        topic: w.clone(),
                        suggestions: close_names(w, topics.iter().map(|t| t.name.as_str())),
                    }
                    .into())
                }
            }
        }
    }
    Ok(out)
}

/// The client context: keeps librdkafka quiet unless `-v`, remembers the last error so that
/// a timeout can say why (connection refused, ...), and keeps the first error whose cause is
/// known and will not pass by retrying (authentication, TLS, a protocol mismatch: [`diagnose`]).
pub struct Ctx {
    notify: crate::endpoint::Notify,
    security: diagnose::Security,
    last_error: Mutex<Option<String>>,
    diagnosis: Mutex<Option<String>>,
    /// A guessed cause seen once, which stands when seen again.
    guess: Mutex<Option<String>>,
    /// Since when every broker has been down (cleared by [`Ctx::take_down`]), and the last
    /// transport failure, which says why.
    down: Mutex<(Option<std::time::Instant>, String)>,
}

impl Ctx {
    pub(crate) fn new(settings: &Settings) -> Ctx {
        Ctx {
            notify: settings.notify.clone(),
            security: diagnose::Security::of(settings),
            last_error: Mutex::new(None),
            diagnosis: Mutex::new(None),
            guess: Mutex::new(None),
            down: Mutex::new((None, String::new())),
        }
    }

    pub(crate) fn last_error(&self) -> Option<String> {
        self.last_error.lock().ok().and_then(|e| e.clone())
    }

    /// The last error since the previous call, if any.
    pub(crate) fn take_error(&self) -> Option<String> {
        self.last_error.lock().ok().and_then(|mut e| e.take())
    }

    /// Why this client cannot work with the cluster, when librdkafka already knows.
    pub(crate) fn diagnosis(&self) -> Option<String> {
        self.diagnosis.lock().ok().and_then(|d| d.clone())
    }

    /// Since when every broker has been down and the last reason, if they are.
    pub(crate) fn down_since(&self) -> Option<(std::time::Instant, String)> {
        let d = self.down.lock().ok()?;
        d.0.map(|since| (since, d.1.clone()))
    }

    /// Forget that the brokers were down (they answered again).
    pub(crate) fn take_down(&self) {
        if let Ok(mut d) = self.down.lock() {
            d.0 = None;
        }
    }

    /// The message for an authorization error on `what` (a topic, a group).
    pub(crate) fn denied(&self, what: &str, code: &str) -> String {
        diagnose::denied(what, code, &self.security)
    }
}

impl Ctx {
    /// Keep the cause of an error, if it has one: the first certain one wins; a guess stands
    /// when it is made twice.
    fn diagnose(&self, kind: diagnose::Kind, reason: &str) {
        let Some(d) = diagnose::diagnose(kind, reason, &self.security) else {
            return;
        };
        let stands = d.certain
            || self.guess.lock().is_ok_and(|mut g| {
                let again = g.as_deref() == Some(d.message.as_str());
                *g = Some(d.message.clone());
                again
            });
        if stands {
            if let Ok(mut slot) = self.diagnosis.lock() {
                slot.get_or_insert(d.message);
            }
        }
    }
}

impl ClientContext for Ctx {
    fn log(&self, _level: RDKafkaLogLevel, fac: &str, log_message: &str) {
        self.notify
            .detail(&format!("evops: librdkafka {fac}: {log_message}"));
        // Some connection failures are only logged (at level info), never raised as errors.
        if fac == "FAIL" {
            self.diagnose(diagnose::Kind::Other, log_message);
        }
    }

    fn error(&self, error: KafkaError, reason: &str) {
        use rdkafka::types::RDKafkaErrorCode as C;
        self.notify
            .detail(&format!("evops: librdkafka error: {error}: {reason}"));
        let code = error.rdkafka_error_code();
        let kind = match code {
            Some(C::Authentication | C::SaslAuthenticationFailed) => diagnose::Kind::Authentication,
            Some(C::SSL) => diagnose::Kind::Ssl,
            Some(C::BrokerTransportFailure) => diagnose::Kind::Transport,
            _ => diagnose::Kind::Other,
        };
        self.diagnose(kind, reason);
        // One dropped connection is no outage (an idle connection closed, one broker of a
        // rolling restart); librdkafka says when they are all down.
        if let Ok(mut d) = self.down.lock() {
            match code {
                Some(C::AllBrokersDown) => {
                    d.0.get_or_insert_with(std::time::Instant::now);
                }
                Some(C::BrokerTransportFailure) => d.1 = reason.to_string(),
                _ => {}
            }
        }
        if let Ok(mut e) = self.last_error.lock() {
            *e = Some(reason.to_string());
        }
    }
}

impl ConsumerContext for Ctx {}

impl Connection {
    /// The high watermark (next offset) of every partition of a topic.
    pub fn high_watermarks(&self, topic: &str) -> anyhow::Result<Vec<(i32, i64)>> {
        let consumer = self.meta()?;
        let partitions = partitions_of(consumer, self, topic)?;
        watermarks(consumer, topic, &partitions, self.settings.timeout)
    }

    /// A reader of a topic's end offsets that keeps its client, for callers that ask again and
    /// again (a replay group asks before every commit).
    pub fn end_offsets(&self, topic: &str) -> anyhow::Result<EndOffsets> {
        EndOffsets::with(self.consumer()?, self, topic)
    }

    /// Read a topic's partitions from the given offsets to their current ends (committed
    /// records only) and hand every record's headers to `seen`, with its partition and offset.
    pub fn scan_headers(
        &self,
        topic: &str,
        from: &[(i32, i64)],
        seen: &mut dyn FnMut(i32, i64, &[crate::record::Header]),
    ) -> anyhow::Result<u64> {
        use rdkafka::message::{Headers, Message};
        // Nothing past `from` (a new target, the common case): no reading client to start.
        // The high watermarks are never below the committed ends the reader stops at.
        let highs = self.high_watermarks(topic)?;
        let after = |&(p, end): &(i32, i64)| {
            end > from.iter().find(|(q, _)| *q == p).map_or(0, |(_, o)| *o)
        };
        if !highs.iter().any(after) {
            return Ok(0);
        }
        let mut cfg = self.client_config(CONSUMER_DEFAULTS);
        cfg.set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set("enable.partition.eof", "false")
            .set("isolation.level", "read_committed")
            .set("group.id", format!("evops-scan-{}", std::process::id()));
        let consumer: BaseConsumer<Ctx> =
            BaseConsumer::from_config_and_context(&cfg, Ctx::new(&self.settings))
                .map_err(config_error)?;
        // The ends and the read through one client.
        let reader = EndOffsets::with(consumer, self, topic)?;
        let ends = reader.read()?;
        let consumer = &reader.consumer;
        let mut tpl = rdkafka::TopicPartitionList::new();
        let mut open = std::collections::HashMap::new();
        for &(p, end) in &ends {
            let start = from.iter().find(|(q, _)| *q == p).map_or(0, |(_, o)| *o);
            if start < end {
                tpl.add_partition_offset(topic, p, rdkafka::Offset::Offset(start))
                    .map_err(|e| anyhow::anyhow!("cannot assign {topic}/{p}: {e}"))?;
                open.insert(p, end);
            }
        }
        if open.is_empty() {
            return Ok(0);
        }
        consumer
            .assign(&tpl)
            .map_err(|e| anyhow::anyhow!("cannot assign {topic}: {e}"))?;
        let mut read = 0;
        let mut quiet_since = std::time::Instant::now();
        while !open.is_empty() {
            match consumer.poll(std::time::Duration::from_millis(100)) {
                Some(Ok(m)) => {
                    quiet_since = std::time::Instant::now();
                    read += 1;
                    let headers: Vec<crate::record::Header> = m
                        .headers()
                        .map(|hs| {
                            hs.iter()
                                .map(|h| crate::record::Header {
                                    key: h.key.to_string(),
                                    value: h.value.map(<[u8]>::to_vec),
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    seen(m.partition(), m.offset(), &headers);
                    if open
                        .get(&m.partition())
                        .is_some_and(|&e| m.offset() + 1 >= e)
                    {
                        open.remove(&m.partition());
                    }
                }
                Some(Err(e)) => return Err(anyhow::anyhow!("reading {topic}: {e}")),
                None => {
                    // Transaction markers and aborted records take offsets too: a partition
                    // whose position has reached its end is done even without a last record.
                    if let Ok(pos) = consumer.position() {
                        open.retain(|p, end| {
                            !matches!(
                                pos.find_partition(topic, *p).map(|e| e.offset()),
                                Some(rdkafka::Offset::Offset(o)) if o >= *end
                            )
                        });
                    }
                    if quiet_since.elapsed() > self.settings.timeout && !open.is_empty() {
                        return Err(anyhow::anyhow!(
                            "reading {topic}: no progress within {:?}",
                            self.settings.timeout
                        ));
                    }
                }
            }
        }
        Ok(read)
    }

    /// Create a topic (for `rekey --create-topic`).
    pub fn create_topic(&self, topic: &str, partitions: i32) -> anyhow::Result<()> {
        use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
        let cfg = self.client_config(&[]);
        let admin: AdminClient<Ctx> =
            AdminClient::from_config_and_context(&cfg, Ctx::new(&self.settings))
                .map_err(config_error)?;
        let topic_spec = NewTopic::new(topic, partitions, TopicReplication::Fixed(-1));
        let opts = AdminOptions::new().operation_timeout(Some(self.settings.timeout));
        let rt = block_on(admin.create_topics([&topic_spec], &opts));
        match rt {
            Ok(results) => {
                for r in results {
                    if let Err((name, code)) = r {
                        return Err(anyhow::anyhow!("cannot create topic {name}: {code}"));
                    }
                }
                Ok(())
            }
            Err(e) => Err(anyhow::anyhow!("cannot create topic {topic}: {e}")),
        }
    }
}

/// A topic's end offsets, read through one client kept for the purpose.
pub struct EndOffsets {
    consumer: BaseConsumer<Ctx>,
    topic: String,
    partitions: Vec<i32>,
    timeout: std::time::Duration,
}

impl EndOffsets {
    fn with(
        consumer: BaseConsumer<Ctx>,
        conn: &Connection,
        topic: &str,
    ) -> anyhow::Result<EndOffsets> {
        Ok(EndOffsets {
            partitions: partitions_of(&consumer, conn, topic)?,
            consumer,
            topic: topic.to_string(),
            timeout: conn.settings.timeout,
        })
    }

    /// The high watermark (next offset) of every partition, now.
    pub fn read(&self) -> anyhow::Result<Vec<(i32, i64)>> {
        watermarks(&self.consumer, &self.topic, &self.partitions, self.timeout)
    }
}

/// The partitions of a topic (an unknown topic is named, with close names).
fn partitions_of(
    consumer: &BaseConsumer<Ctx>,
    conn: &Connection,
    topic: &str,
) -> anyhow::Result<Vec<i32>> {
    let all = list_topics(consumer, conn)?;
    let info =
        all.iter()
            .find(|t| t.name == topic)
            .ok_or_else(|| crate::error::Error::UnknownTopic {
                topic: topic.to_string(),
                suggestions: crate::error::close_names(topic, all.iter().map(|t| t.name.as_str())),
            })?;
    Ok(info.partitions.clone())
}

/// The high watermark (next offset) of each of a topic's `partitions`, now.
fn watermarks(
    consumer: &BaseConsumer<Ctx>,
    topic: &str,
    partitions: &[i32],
    timeout: std::time::Duration,
) -> anyhow::Result<Vec<(i32, i64)>> {
    partitions
        .iter()
        .map(|&p| {
            consumer
                .fetch_watermarks(topic, p, timeout)
                .map(|(_, h)| (p, h))
                .map_err(|e| anyhow::anyhow!("cannot read the end offsets of {topic}/{p}: {e}"))
        })
        .collect()
}

/// Drive one future to completion on this thread (the admin API is async; nothing else is).
fn block_on<F: std::future::Future>(f: F) -> F::Output {
    use std::task::{Context, Poll, Wake, Waker};
    struct Thread(std::thread::Thread);
    impl Wake for Thread {
        fn wake(self: std::sync::Arc<Self>) {
            self.0.unpark();
        }
    }
    let waker = Waker::from(std::sync::Arc::new(Thread(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    let mut f = std::pin::pin!(f);
    loop {
        match f.as_mut().poll(&mut cx) {
            Poll::Ready(v) => return v,
            Poll::Pending => std::thread::park(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topics() -> Vec<TopicInfo> {
        ["articles", "article-views", "users", "__consumer_offsets"]
            .iter()
            .map(|n| TopicInfo {
                name: n.to_string(),
                partitions: vec![0, 1],
            })
            .collect()
    }

    #[test]
    fn resolves_names_and_patterns() {
        let got = resolve_topics(
            &["users".into(), "^art.*".into(), "articles".into()],
            &topics(),
        )
        .unwrap();
        let names: Vec<_> = got.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["users", "articles", "article-views"]);
        let all = resolve_topics(&["^.*".into()], &topics()).unwrap();
        assert!(all.iter().all(|t| !t.name.starts_with("__")));
    }

    #[test]
    fn unknown_topics_suggest_close_names() {
        let err = resolve_topics(&["articels".into()], &topics()).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("topic 'articels' does not exist (did you mean one of: 'articles'"),
            "{err}"
        );
        assert!(resolve_topics(&["^zzz".into()], &topics()).is_err());
    }

    #[test]
    fn secrets_are_redacted() {
        assert_eq!(
            shown("sasl.password", "hunter2"),
            "sasl.password=<redacted>"
        );
        assert_eq!(
            shown("security.protocol", "SASL_SSL"),
            "security.protocol=SASL_SSL"
        );
        assert!(is_secret("ssl.key.password"));
        assert!(is_secret("sasl.oauthbearer.client.secret"));
    }
}

//! The demo data set: a motoring social network (users, tribes, articles, comments, bumps,
//! views) as domain events in the shared envelope
//! `{"data":{"id","type","attributes":{...}},"meta":{"created_at","host"}}`, generated
//! deterministically from a seed and a clock. Pure: it makes records, the embedded cluster
//! writes them.
//!
//! Planted problems, for the subcommands that must find them (listed in the README):
//! `"null"`/`"None"`/`""` strings where a null was meant, schema violations (missing fields,
//! wrong types, an anemic and a fat event, a value that is the JSON string `"null"`, a value
//! that is not JSON, a future timestamp, a command-named type), a tombstone, and `articles`
//! keys placed by two different partitioners (the Kotlin API uses the Java client's murmur2,
//! the Node.js gateway librdkafka's CRC-32), so some keys sit on two partitions. User
//! [`PLANTED_USER`] has a complete story across topics for `trace`. And a deploy: the web app
//! publishes `article_read` (a reader reached the end of an article) beside `article_viewed`
//! until [`DEPLOY_AGO_MS`] before now, then quietly stops, while the topic's total barely
//! moves; `evops stats views --since 24h` flags it.
//!
//! One topic is Protobuf ([`payments`]): registry-framed payments, whose schema the embedded
//! cluster's built-in registry holds.

pub mod payments;

use std::sync::Arc;

use serde_json::{json, Value};

use crate::partition;
use crate::position::format_millis;
use crate::record::{Header, Record, Timestamp};

/// A demo topic and its partition count.
#[derive(Debug, Clone, Copy)]
pub struct Topic {
    pub name: &'static str,
    pub partitions: i32,
}

/// The demo topics.
pub const TOPICS: &[Topic] = &[
    Topic {
        name: "users",
        partitions: 3,
    },
    Topic {
        name: "tribes",
        partitions: 3,
    },
    Topic {
        name: "articles",
        partitions: 6,
    },
    Topic {
        name: "comments",
        partitions: 6,
    },
    Topic {
        name: "bumps",
        partitions: 3,
    },
    Topic {
        name: "views",
        partitions: 6,
    },
    Topic {
        name: "payments",
        partitions: 3,
    },
];

/// The user whose whole story is planted across topics.
pub const PLANTED_USER: &str = "u-1234";

/// When the deploy that stopped `article_read` happened, before now.
pub const DEPLOY_AGO_MS: i64 = 150 * 60_000;

/// How many `article_read` events the web app published before the deploy.
pub const READS_BEFORE_DEPLOY: u64 = 45;

/// How far back the seeded history reaches.
pub const HISTORY_MS: i64 = 6 * 3_600_000;

/// A small deterministic generator (SplitMix64): the demo must be the same on every machine.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

const MAKES: &[(&str, &[&str])] = &[
    ("Alfa Romeo", &["Giulia", "GTV", "Spider"]),
    ("BMW", &["E30 M3", "2002", "Z4"]),
    ("Mazda", &["MX-5", "RX-7", "RX-8"]),
    ("Porsche", &["911", "944", "Cayman"]),
    ("Volkswagen", &["Golf GTI", "Beetle", "Corrado"]),
    ("Toyota", &["AE86", "Supra", "GR86"]),
    ("Land Rover", &["Defender", "Series III"]),
];
const COUNTRIES: &[&str] = &["GB", "DE", "FR", "IT", "NL", "SE", "US", "JP"];
const TRIBES: &[&str] = &[
    "Track Day Regulars",
    "Air-Cooled Anonymous",
    "Rotary Believers",
    "Overlanders",
    "Hot Hatch Heroes",
    "Classic Restorers",
    "Drift Collective",
    "Weekend Mechanics",
];
const TITLES: &[&str] = &[
    "Rebuilding a carburettor in a weekend",
    "Which tyres for a wet track day?",
    "Ten years with an MX-5",
    "Rust: the enemy of every restorer",
    "Road trip across the Alps",
    "First autocross, lessons learned",
    "Swapping to coilovers",
    "Finding a barn find",
];
const BODIES: &[&str] = &[
    "Great write-up, thanks!",
    "Did you check the timing belt?",
    "Same problem here, fixed it with a new gasket.",
    "Photos or it didn't happen.",
    "Which garage did you use?",
];
const KOTLIN_HOSTS: &[&str] = &["api-1.eu-west-1", "api-2.eu-west-1", "api-3.eu-central-1"];
const NODE_HOST: &str = "gateway-1.eu-west-1";

struct Ev {
    topic: &'static str,
    key: Option<String>,
    value: Option<Vec<u8>>,
    ts: i64,
    producer: Producer,
}

/// Who wrote an event: it says which partitioner placed it and which headers it has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Producer {
    /// The Kotlin API: JSON, the Java client's murmur2.
    Kotlin,
    /// The Node.js gateway: JSON, librdkafka's CRC-32.
    Node,
    /// The payments service (Kotlin too): Protobuf through the registry.
    Payments,
}

impl Producer {
    /// The `producer` header.
    fn name(self) -> &'static str {
        match self {
            Producer::Kotlin => "kotlin-api",
            Producer::Node => "node-gateway",
            Producer::Payments => "payments-service",
        }
    }

    fn content_type(self) -> &'static [u8] {
        match self {
            Producer::Payments => b"application/x-protobuf",
            Producer::Kotlin | Producer::Node => b"application/json",
        }
    }

    fn partitioner(self) -> &'static partition::Partitioner {
        match self {
            Producer::Node => partition::librdkafka(),
            Producer::Kotlin | Producer::Payments => partition::java(),
        }
    }
}

impl Ev {
    /// An event the Kotlin services produced (with the Java client's partitioner).
    fn kotlin(topic: &'static str, key: impl Into<String>, value: Option<Vec<u8>>, ts: i64) -> Ev {
        Ev {
            topic,
            key: Some(key.into()),
            value,
            ts,
            producer: Producer::Kotlin,
        }
    }

    /// A fact in the envelope, by the Kotlin services: `what` is its id, type and attributes.
    fn fact(topic: &'static str, key: &str, what: (&str, &str, Value), ts: i64, host: &str) -> Ev {
        let (id, kind, attrs) = what;
        Ev::kotlin(topic, key, bytes(&envelope(id, kind, attrs, ts, host)), ts)
    }
}

fn envelope(id: &str, kind: &str, attributes: Value, ts: i64, host: &str) -> Value {
    json!({
        "data": {"id": id, "type": kind, "attributes": attributes},
        "meta": {"created_at": format_millis(ts), "host": host},
    })
}

fn bytes(v: &Value) -> Option<Vec<u8>> {
    Some(serde_json::to_vec(v).expect("JSON serializes"))
}

/// The seeded history: a few hundred events per topic over the `HISTORY_MS` before `now_ms`,
/// each placed on its partition, in time order within each partition.
pub fn seed_records(now_ms: i64, seed: u64) -> Vec<Record> {
    let start = now_ms - HISTORY_MS;
    let mut s = Seeder {
        evs: Vec::new(),
        rng: Rng::new(seed),
        start,
    };
    // In this order: each draws from the one generator.
    seed_users(&mut s);
    seed_tribes(&mut s);
    seed_articles(&mut s);
    seed_comments(&mut s);
    seed_bumps(&mut s);
    seed_views(&mut s);
    let Seeder {
        mut evs, mut rng, ..
    } = s;
    planted_story(&mut evs, start);
    planted_violations(&mut evs, start, now_ms);
    planted_deploy(&mut evs, start, now_ms, seed);
    payments::seed(&mut evs, start, seed);

    place(evs, &mut rng)
}

/// One of the 160 seeded users.
fn any_user(rng: &mut Rng) -> String {
    format!("u-{}", 1000 + rng.below(160))
}

/// One of the 120 seeded articles.
fn any_article(rng: &mut Rng) -> String {
    format!("a-{}", 100 + rng.below(120))
}

/// One of the Kotlin services' hosts.
fn host(rng: &mut Rng) -> &'static str {
    rng.pick::<&str>(KOTLIN_HOSTS)
}

/// The seeded history as it grows: the events so far, the one generator they all draw from,
/// and where the history starts.
struct Seeder {
    evs: Vec<Ev>,
    rng: Rng,
    start: i64,
}

impl Seeder {
    /// A time in the seeded history (not in its last minute).
    fn time(&mut self) -> i64 {
        self.start + self.rng.below(HISTORY_MS as u64 - 60_000) as i64
    }

    /// Who did something to which article, and when: what an article event draws first.
    fn user_on_article(&mut self) -> (String, String, i64) {
        let article = any_article(&mut self.rng);
        let user = any_user(&mut self.rng);
        (article, user, self.time())
    }

    /// A fact by one of the Kotlin services' hosts, drawn after everything else the event
    /// draws.
    fn kotlin(&mut self, topic: &'static str, key: &str, what: (&str, &str, Value), ts: i64) {
        let h = host(&mut self.rng);
        self.evs.push(Ev::fact(topic, key, what, ts, h));
    }
}

/// Users: registrations, and profile updates with strings that mean null.
fn seed_users(s: &mut Seeder) {
    for i in 0..160 {
        let id = format!("u-{}", 1000 + i);
        let (make, models) = s.rng.pick(MAKES);
        let model = s.rng.pick(models);
        let ts = s.time();
        let attrs = json!({
            "user_id": id,
            "username": format!("driver{}", 1000 + i),
            "country": s.rng.pick(COUNTRIES),
            "car": {"make": make, "model": model, "year": 1965 + s.rng.below(58)},
        });
        s.kotlin("users", &id, (&id, "user_registered", attrs), ts);
    }
    for n in 0..40 {
        let id = any_user(&mut s.rng);
        let ts = s.time();
        // Planted: strings that mean null.
        let bio = match n % 10 {
            0 => json!("null"),
            1 => json!("None"),
            2 => json!(""),
            _ => json!("Petrolhead since forever."),
        };
        let attrs = json!({"user_id": id, "bio": bio, "location": s.rng.pick(COUNTRIES)});
        s.kotlin("users", &id, (&id, "user_profile_updated", attrs), ts);
    }
}

/// Tribes: created, then joined and left.
fn seed_tribes(s: &mut Seeder) {
    for (i, name) in TRIBES.iter().enumerate() {
        let id = format!("t-{:02}", i + 1);
        let ts = s.start + 60_000 * (i as i64 + 1);
        let attrs = json!({"name": name, "owner_id": format!("u-{}", 1000 + i), "user_id": format!("u-{}", 1000 + i)});
        s.kotlin("tribes", &id, (&id, "tribe_created", attrs), ts);
    }
    for _ in 0..110 {
        let id = format!("t-{:02}", 1 + s.rng.below(TRIBES.len() as u64));
        let user = any_user(&mut s.rng);
        let kind = if s.rng.chance(80) {
            "tribe_joined"
        } else {
            "tribe_left"
        };
        let ts = s.time();
        let attrs = json!({"tribe_id": id, "user_id": user});
        s.kotlin("tribes", &id, (&id, kind, attrs), ts);
    }
}

/// Articles: 12% through the Node.js gateway, whose librdkafka client hashes keys with CRC-32.
fn seed_articles(s: &mut Seeder) {
    for n in 0..300 {
        let (article, user, ts) = s.user_on_article();
        let rng = &mut s.rng;
        let node = rng.chance(12);
        let h = if node { NODE_HOST } else { host(rng) };
        let (kind, attrs) = match n % 5 {
            0 | 1 => (
                "article_published",
                json!({"user_id": user, "author_id": user, "title": rng.pick(TITLES), "tribe_id": format!("t-{:02}", 1 + rng.below(8)), "word_count": 300 + rng.below(2500)}),
            ),
            2 | 3 => (
                "article_edited",
                json!({"user_id": user, "editor_id": user, "changed_fields": ["body"]}),
            ),
            _ => (
                "article_deleted",
                json!({"user_id": user, "reason": "author request"}),
            ),
        };
        let mut ev = Ev::fact("articles", &article, (&article, kind, attrs), ts, h);
        if node {
            ev.producer = Producer::Node;
        }
        s.evs.push(ev);
    }
}

/// Comments, keyed by article so that a thread stays ordered.
fn seed_comments(s: &mut Seeder) {
    for n in 0..300 {
        let (article, user, ts) = s.user_on_article();
        let id = format!("c-{}", 5000 + n);
        let kind = if s.rng.chance(85) {
            "comment_posted"
        } else {
            "comment_edited"
        };
        let attrs = json!({"user_id": user, "article_id": article, "body": s.rng.pick(BODIES)});
        s.kotlin("comments", &article, (&id, kind, attrs), ts);
    }
}

/// Bumps.
fn seed_bumps(s: &mut Seeder) {
    for n in 0..200 {
        let (article, user, ts) = s.user_on_article();
        let id = format!("b-{}", 9000 + n);
        let attrs = json!({"user_id": user, "article_id": article});
        s.kotlin("bumps", &article, (&id, "article_bumped", attrs), ts);
    }
}

/// Views, some anonymous.
fn seed_views(s: &mut Seeder) {
    for n in 0..400 {
        let article = any_article(&mut s.rng);
        let id = format!("v-{}", 20000 + n);
        let user = if s.rng.chance(70) {
            json!(any_user(&mut s.rng))
        } else {
            Value::Null
        };
        let ts = s.time();
        let attrs = json!({"user_id": user, "article_id": article, "duration_ms": 500 + s.rng.below(120_000), "referrer": s.rng.pick(&["search", "feed", "tribe", "direct"])});
        s.kotlin("views", &article, (&id, "article_viewed", attrs), ts);
    }
}

/// `article_read` events until the deploy, [`DEPLOY_AGO_MS`] before now, and none after. Drawn
/// from a generator of their own, so that every other seeded event stays as it was.
fn planted_deploy(evs: &mut Vec<Ev>, start: i64, now_ms: i64, seed: u64) {
    let mut rng = Rng::new(seed ^ 0x6465_706c_6f79_2121);
    let deploy = now_ms - DEPLOY_AGO_MS;
    for n in 0..READS_BEFORE_DEPLOY {
        let article = any_article(&mut rng);
        let user = any_user(&mut rng);
        let ts = start + rng.below((deploy - start) as u64) as i64;
        let attrs =
            json!({"user_id": user, "article_id": article, "read_ms": 30_000 + rng.below(600_000)});
        let h = *rng.pick(KOTLIN_HOSTS);
        let id = format!("r-{}", 40000 + n);
        evs.push(Ev::fact(
            "views",
            &article,
            (&id, "article_read", attrs),
            ts,
            h,
        ));
    }
}

/// User `PLANTED_USER`'s day, across every topic, for `trace`.
fn planted_story(evs: &mut Vec<Ev>, start: i64) {
    let u = PLANTED_USER;
    let h = KOTLIN_HOSTS[0];
    let t = |min: i64| start + min * 60_000;
    let mut add = |topic: &'static str, key: &str, id: &str, kind: &str, attrs: Value, ts: i64| {
        evs.push(Ev::fact(topic, key, (id, kind, attrs), ts, h));
    };
    add(
        "users",
        u,
        u,
        "user_registered",
        json!({"user_id": u, "username": "rotary_rita", "country": "GB", "car": {"make": "Mazda", "model": "RX-7", "year": 1993}}),
        t(65),
    );
    add(
        "tribes",
        "t-03",
        "t-03",
        "tribe_joined",
        json!({"tribe_id": "t-03", "user_id": u}),
        t(70),
    );
    add(
        "articles",
        "a-1234",
        "a-1234",
        "article_published",
        json!({"user_id": u, "author_id": u, "title": "Apex seals: a love story", "tribe_id": "t-03", "word_count": 1800}),
        t(95),
    );
    add(
        "views",
        "a-1234",
        "v-77001",
        "article_viewed",
        json!({"user_id": u, "article_id": "a-1234", "duration_ms": 4000, "referrer": "direct"}),
        t(96),
    );
    add(
        "comments",
        "a-1234",
        "c-77002",
        "comment_posted",
        json!({"user_id": u, "article_id": "a-1234", "body": "Thanks all for reading!"}),
        t(140),
    );
    add(
        "bumps",
        "a-1234",
        "b-77003",
        "article_bumped",
        json!({"user_id": u, "article_id": "a-1234"}),
        t(180),
    );
    add(
        "articles",
        "a-1234",
        "a-1234",
        "article_edited",
        json!({"user_id": u, "editor_id": u, "changed_fields": ["title"]}),
        t(200),
    );
    add(
        "users",
        u,
        u,
        "user_profile_updated",
        json!({"user_id": u, "bio": "RX-7 or nothing", "location": "GB"}),
        t(230),
    );
}

/// Events that break the contract, one of each kind.
fn planted_violations(evs: &mut Vec<Ev>, start: i64, now_ms: i64) {
    let h = KOTLIN_HOSTS[1];
    let ts = |min: i64| start + min * 60_000 + 17;
    // Missing meta.created_at.
    let mut v = envelope(
        "a-150",
        "article_edited",
        json!({"user_id": "u-1010", "editor_id": "u-1010", "changed_fields": ["tags"]}),
        ts(100),
        h,
    );
    v["meta"]
        .as_object_mut()
        .expect("meta")
        .remove("created_at");
    evs.push(Ev::kotlin("articles", "a-150", bytes(&v), ts(100)));
    // Missing data.type.
    let mut v = envelope(
        "c-6001",
        "comment_posted",
        json!({"user_id": "u-1011", "article_id": "a-101", "body": "?"}),
        ts(110),
        h,
    );
    v["data"].as_object_mut().expect("data").remove("type");
    evs.push(Ev::kotlin("comments", "a-101", bytes(&v), ts(110)));
    // Wrong type: duration_ms as a string.
    let v = envelope(
        "v-30001",
        "article_viewed",
        json!({"user_id": "u-1012", "article_id": "a-102", "duration_ms": "1200", "referrer": "feed"}),
        ts(120),
        h,
    );
    evs.push(Ev::kotlin("views", "a-102", bytes(&v), ts(120)));
    // The whole value is the JSON string "null".
    evs.push(Ev::kotlin(
        "users",
        "u-1013",
        Some(b"\"null\"".to_vec()),
        ts(130),
    ));
    // Not JSON at all.
    evs.push(Ev::kotlin(
        "bumps",
        "a-103",
        Some(b"bump a-103 by u-1014".to_vec()),
        ts(140),
    ));
    // Anemic: no attributes, no meta.
    evs.push(Ev::kotlin(
        "articles",
        "a-104",
        bytes(&json!({"data": {"id": "a-104", "type": "article_edited"}})),
        ts(150),
    ));
    // Fat: the whole article body inlined.
    let body = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(400);
    let v = envelope(
        "a-105",
        "article_published",
        json!({"user_id": "u-1015", "author_id": "u-1015", "title": "Everything", "body": body, "word_count": 3200}),
        ts(160),
        h,
    );
    evs.push(Ev::kotlin("articles", "a-105", bytes(&v), ts(160)));
    // created_at a day in the future.
    let v = envelope(
        "c-6002",
        "comment_posted",
        json!({"user_id": "u-1016", "article_id": "a-106", "body": "from the future"}),
        now_ms + 86_400_000,
        h,
    );
    evs.push(Ev::kotlin("comments", "a-106", bytes(&v), ts(170)));
    // A command, not a fact.
    let v = envelope(
        "c-6003",
        "create_comment",
        json!({"user_id": "u-1017", "article_id": "a-107", "body": "imperative mood"}),
        ts(180),
        h,
    );
    evs.push(Ev::kotlin("comments", "a-107", bytes(&v), ts(180)));
    // A tombstone: the user asked to be forgotten.
    evs.push(Ev::kotlin("users", "u-1018", None, ts(190)));
}

/// Put events on partitions as their producers would, in time order, with headers.
fn place(mut evs: Vec<Ev>, rng: &mut Rng) -> Vec<Record> {
    evs.sort_by_key(|e| e.ts);
    let mut next_offset: Vec<Vec<i64>> = TOPICS
        .iter()
        .map(|t| vec![0; t.partitions as usize])
        .collect();
    let topics: Vec<Arc<str>> = TOPICS.iter().map(|t| Arc::from(t.name)).collect();
    evs.into_iter()
        .map(|e| {
            let ti = TOPICS
                .iter()
                .position(|t| t.name == e.topic)
                .expect("demo topic");
            let n = TOPICS[ti].partitions;
            let partition = (e.producer.partitioner())
                .partition(e.key.as_deref().map(str::as_bytes), n)
                .unwrap_or(0);
            let offset = next_offset[ti][partition as usize];
            next_offset[ti][partition as usize] += 1;
            Record {
                topic: topics[ti].clone(),
                partition,
                offset,
                origin: crate::record::Origin::Partition,
                timestamp: Timestamp::Create(e.ts),
                key: e.key.map(String::into_bytes),
                value: e.value,
                headers: vec![
                    header("content-type", e.producer.content_type()),
                    header("producer", e.producer.name().as_bytes()),
                    header("trace-id", format!("{:016x}", rng.next_u64()).as_bytes()),
                ],
            }
        })
        .collect()
}

fn header(key: &str, value: &[u8]) -> Header {
    Header {
        key: key.into(),
        value: Some(value.to_vec()),
    }
}

/// The live trickle of `evops demo`: one plausible event at a time.
pub struct Trickle {
    rng: Rng,
    n: u64,
}

impl Trickle {
    pub fn new(seed: u64) -> Trickle {
        Trickle {
            rng: Rng::new(seed ^ 0x7472_6963_6b6c_6521),
            n: 0,
        }
    }

    /// The next event, stamped `now_ms`.
    pub fn next_record(&mut self, now_ms: i64) -> Record {
        self.n += 1;
        let rng = &mut self.rng;
        let article = any_article(rng);
        let user = any_user(rng);
        let h = *rng.pick(KOTLIN_HOSTS);
        let (topic, key, value) = match rng.below(4) {
            0 => (
                "comments",
                article.clone(),
                envelope(
                    &format!("c-live-{}", self.n),
                    "comment_posted",
                    json!({"user_id": user, "article_id": article, "body": rng.pick(BODIES)}),
                    now_ms,
                    h,
                ),
            ),
            1 => (
                "bumps",
                article.clone(),
                envelope(
                    &format!("b-live-{}", self.n),
                    "article_bumped",
                    json!({"user_id": user, "article_id": article}),
                    now_ms,
                    h,
                ),
            ),
            _ => (
                "views",
                article.clone(),
                envelope(
                    &format!("v-live-{}", self.n),
                    "article_viewed",
                    json!({"user_id": user, "article_id": article, "duration_ms": 500 + rng.below(60_000), "referrer": "feed"}),
                    now_ms,
                    h,
                ),
            ),
        };
        let n = TOPICS
            .iter()
            .find(|t| t.name == topic)
            .map_or(1, |t| t.partitions);
        Record {
            topic: Arc::from(topic),
            partition: partition::java()
                .partition(Some(key.as_bytes()), n)
                .unwrap_or(0),
            offset: -1,
            origin: crate::record::Origin::Partition,
            timestamp: Timestamp::Create(now_ms),
            key: Some(key.into_bytes()),
            value: bytes(&value),
            headers: vec![
                header("content-type", Producer::Kotlin.content_type()),
                header("producer", Producer::Kotlin.name().as_bytes()),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_763_892_000_000;

    #[test]
    fn deterministic_and_a_few_hundred_per_topic() {
        let a = seed_records(NOW, 7);
        assert_eq!(a, seed_records(NOW, 7));
        for t in TOPICS {
            let n = a.iter().filter(|r| &*r.topic == t.name).count();
            assert!((100..=450).contains(&n), "{}: {n}", t.name);
        }
        assert!(a
            .iter()
            .all(|r| r.timestamp.millis().unwrap() >= NOW - HISTORY_MS
                && r.timestamp.millis().unwrap() < NOW));
    }

    #[test]
    fn offsets_are_dense_per_partition_and_time_ordered() {
        let recs = seed_records(NOW, 1);
        for t in TOPICS {
            for p in 0..t.partitions {
                let part: Vec<_> = recs
                    .iter()
                    .filter(|r| &*r.topic == t.name && r.partition == p)
                    .collect();
                for (i, r) in part.iter().enumerate() {
                    assert_eq!(r.offset, i as i64);
                }
                assert!(part
                    .windows(2)
                    .all(|w| w[0].timestamp.millis() <= w[1].timestamp.millis()));
            }
        }
    }

    #[test]
    fn some_article_keys_sit_on_two_partitions() {
        let recs = seed_records(NOW, 1);
        let mut split = std::collections::BTreeMap::<&[u8], std::collections::BTreeSet<i32>>::new();
        for r in recs.iter().filter(|r| &*r.topic == "articles") {
            split
                .entry(r.key.as_deref().unwrap())
                .or_default()
                .insert(r.partition);
        }
        assert!(split.values().filter(|ps| ps.len() > 1).count() >= 3);
    }

    #[test]
    fn planted_user_story_spans_the_json_topics() {
        let recs = seed_records(NOW, 1);
        let topics: std::collections::BTreeSet<&str> = recs
            .iter()
            .filter(|r| {
                r.value
                    .as_deref()
                    .is_some_and(|v| String::from_utf8_lossy(v).contains(PLANTED_USER))
            })
            .map(|r| &*r.topic)
            .collect();
        // Every topic but the Protobuf one, whose payments are keyed and found by payment id.
        assert_eq!(topics.len(), TOPICS.len() - 1);
        assert!(!topics.contains("payments"));
    }

    #[test]
    fn article_read_stops_at_the_deploy() {
        let recs = seed_records(NOW, 42);
        let reads: Vec<i64> = recs
            .iter()
            .filter(|r| {
                r.value
                    .as_deref()
                    .is_some_and(|v| String::from_utf8_lossy(v).contains("\"article_read\""))
            })
            .map(|r| r.timestamp.millis().unwrap())
            .collect();
        assert_eq!(reads.len() as u64, READS_BEFORE_DEPLOY);
        assert!(reads.iter().all(|&t| t < NOW - DEPLOY_AGO_MS));
        let viewed_after = recs
            .iter()
            .filter(|r| {
                &*r.topic == "views" && r.timestamp.millis().unwrap() >= NOW - DEPLOY_AGO_MS
            })
            .count();
        assert!(viewed_after > 100, "{viewed_after}");
    }
}

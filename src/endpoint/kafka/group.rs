//! The group source, for `--group NAME` only: joins the consumer group, starts where the group
//! left off (or at `beginning`/`end` when it has no committed offset), and commits what was
//! handled. Offsets are stored only for records that went through the pipeline (a record's
//! offset is stored when the next one is asked for), so a crash re-reads rather than skips: at
//! least once. Without `--group`, evops never uses this.
//!
//! A replay (`replay --group`) adds [`GroupHooks`]: offsets are then committed explicitly,
//! every two seconds, when partitions are revoked, and at the end — each time only after the
//! hooks have made everything handed out safe (flushed to the target), with the target's end
//! offsets of that moment as the commit's metadata; and when a partition comes to this member,
//! the hooks are told where the group stands on it, so that they can find copies written after
//! the last commit.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::Offset;

use super::{config_error, list_topics, resolve_readable, Connection, Ctx};
use crate::endpoint::{Poll, Source};
use rdkafka::config::FromClientConfigAndContext;

/// What a replay needs from the group source.
pub trait GroupHooks: Send + Sync {
    /// Make every record handed out so far safe (flush the producer) and return the commit
    /// metadata for that moment (where the target ends).
    fn settle(&self) -> anyhow::Result<String>;
    /// A partition came to this member; `at` says where the group stands on it.
    fn resume(&self, at: Committed<'_>) -> anyhow::Result<()>;
}

/// Where a group stands on one partition: it had committed `offset` (with `metadata` from
/// [`GroupHooks::settle`]), or nothing.
pub struct Committed<'a> {
    pub topic: &'a str,
    pub partition: i32,
    pub offset: Option<i64>,
    pub metadata: &'a str,
}

/// The consumer context of a group source: logs as usual; for a replay, commits safely before
/// partitions are taken away.
pub struct GroupCtx {
    inner: Ctx,
    hooks: Option<std::sync::Arc<dyn GroupHooks>>,
    /// Next offset to commit, per partition handed out from (replay only).
    next: std::sync::Mutex<HashMap<(String, i32), i64>>,
    /// Partitions whose group position the hooks have been told about.
    resumed: std::sync::Mutex<std::collections::HashSet<(String, i32)>>,
    /// A failure in a rebalance callback, reported by the next poll.
    failed: std::sync::Mutex<Option<String>>,
    /// Replay in transactions: offsets are committed in the producer's transaction.
    txn: Option<super::sink::Txn>,
    /// Replay: each partition's stop offset, fixed by the first member that commits it (it
    /// travels in the commit metadata, so that every member stops at the same place).
    ends: std::sync::Mutex<HashMap<(String, i32), i64>>,
}

/// Commit metadata of a replay: the partition's stop offset and the hooks' own part.
fn replay_metadata(end: Option<i64>, hooks_part: &str) -> String {
    let target: serde_json::Value =
        serde_json::from_str(hooks_part).unwrap_or(serde_json::Value::Null);
    serde_json::json!({"end": end, "target": target}).to_string()
}

/// The stop offset and the hooks' part of replay commit metadata.
fn parse_replay_metadata(m: &str) -> (Option<i64>, String) {
    match serde_json::from_str::<serde_json::Value>(m) {
        Ok(v) => (v["end"].as_i64(), v["target"].to_string()),
        Err(_) => (None, String::new()),
    }
}

impl rdkafka::ClientContext for GroupCtx {
    fn log(&self, level: rdkafka::config::RDKafkaLogLevel, fac: &str, msg: &str) {
        self.inner.log(level, fac, msg);
    }
    fn error(&self, error: KafkaError, reason: &str) {
        self.inner.error(error, reason);
    }
}

impl rdkafka::consumer::ConsumerContext for GroupCtx {
    fn pre_rebalance(
        &self,
        consumer: &BaseConsumer<Self>,
        rebalance: &rdkafka::consumer::Rebalance<'_>,
    ) {
        if self.hooks.is_none() {
            return;
        }
        if let rdkafka::consumer::Rebalance::Revoke(tpl) = rebalance {
            let revoked: Vec<(String, i32)> = tpl
                .elements()
                .iter()
                .map(|e| (e.topic().to_string(), e.partition()))
                .collect();
            if let Err(e) = self.commit_now(consumer, Some(&revoked)) {
                if let Ok(mut f) = self.failed.lock() {
                    *f = Some(format!("before giving up partitions: {e:#}"));
                }
            }
            if let Ok(mut r) = self.resumed.lock() {
                for key in &revoked {
                    r.remove(key);
                }
            }
            // Another member owns them now: committing their old offsets again would undo
            // its progress.
            if let Ok(mut n) = self.next.lock() {
                for key in &revoked {
                    n.remove(key);
                }
            }
        }
    }
}

impl GroupCtx {
    /// A copy of the stop offsets (empty if a panicking thread poisoned them).
    fn ends(&self) -> HashMap<(String, i32), i64> {
        self.ends.lock().map(|e| e.clone()).unwrap_or_default()
    }

    /// Settle (flush) and commit the next offsets handed out from, with the settle metadata;
    /// only for `only` partitions when given.
    fn commit_now(
        &self,
        consumer: &BaseConsumer<GroupCtx>,
        only: Option<&[(String, i32)]>,
    ) -> anyhow::Result<()> {
        let Some(hooks) = &self.hooks else {
            return Ok(());
        };
        let metadata = hooks.settle()?;
        let next = self.next.lock().map(|n| n.clone()).unwrap_or_default();
        let ends = self.ends();
        // A transaction holds the records of every partition: its offsets must all go with it.
        let only = if self.txn.is_some() { None } else { only };
        let mut tpl = rdkafka::TopicPartitionList::new();
        for ((t, p), o) in &next {
            if only.is_some_and(|only| !only.iter().any(|(ot, op)| ot == t && op == p)) {
                continue;
            }
            let mut e = tpl.add_partition(t, *p);
            e.set_offset(Offset::Offset(*o))
                .map_err(|e| anyhow::anyhow!("{t}/{p}: {e}"))?;
            e.set_metadata(replay_metadata(
                ends.get(&(t.clone(), *p)).copied(),
                &metadata,
            ));
        }
        if let Some(txn) = &self.txn {
            let group = consumer
                .group_metadata()
                .ok_or_else(|| anyhow::anyhow!("the consumer has no group metadata"))?;
            return txn.commit_with_offsets(&tpl, &group);
        }
        if tpl.count() == 0 {
            return Ok(());
        }
        consumer
            .commit(&tpl, CommitMode::Sync)
            .map_err(|e| anyhow::anyhow!("cannot commit the group's offsets: {e}"))
    }
}

/// Reads topics as a member of a consumer group.
pub struct GroupSource {
    consumer: BaseConsumer<GroupCtx>,
    topics: Vec<Arc<str>>,
    /// The last record handed out, whose offset is stored once the pipeline asks for more.
    handed_out: Option<(usize, i32, i64)>,
    exit_at_end: bool,
    from_beginning: bool,
    /// Per (topic, partition): the end offset taken the first time the partition was checked.
    ends: HashMap<(String, i32), i64>,
    /// Per (topic, partition): the group's committed offset, looked up once.
    committed: HashMap<(String, i32), Option<i64>>,
    timeout: Duration,
    notify: crate::endpoint::Notify,
    /// Replay: when offsets were last committed.
    last_commit: std::time::Instant,
    /// Every partition of the topics read (a replay is done when all of them are).
    all_partitions: Vec<(String, i32)>,
}

/// How often a replay's group commits.
const COMMIT_EVERY: Duration = Duration::from_secs(2);

impl GroupSource {
    pub fn open(
        conn: &Connection,
        group: &str,
        topics: &[String],
        from_beginning: bool,
        exit_at_end: bool,
    ) -> anyhow::Result<GroupSource> {
        GroupSource::open_with(conn, group, topics, from_beginning, exit_at_end, None, None)
    }

    /// A group source for a replay: commits go through `hooks` (see the module).
    pub fn open_with(
        conn: &Connection,
        group: &str,
        topics: &[String],
        from_beginning: bool,
        exit_at_end: bool,
        hooks: Option<std::sync::Arc<dyn GroupHooks>>,
        txn: Option<super::sink::Txn>,
    ) -> anyhow::Result<GroupSource> {
        let probe = conn.consumer()?;
        let all = list_topics(&probe, conn)?;
        let resolved = resolve_readable(topics, &all, &probe)?;
        drop(probe);
        let mut cfg = conn.client_config(super::CONSUMER_DEFAULTS);
        cfg.set("group.id", group)
            .set(
                "enable.auto.commit",
                if hooks.is_some() { "false" } else { "true" },
            )
            .set("enable.auto.offset.store", "false")
            .set("enable.partition.eof", "true")
            .set("allow.auto.create.topics", "false")
            .set(
                "auto.offset.reset",
                if from_beginning { "earliest" } else { "latest" },
            );
        if hooks.is_some()
            && !conn
                .settings
                .properties
                .iter()
                .any(|(k, _)| k == "session.timeout.ms")
        {
            // A replay member that dies is replaced after 10 s rather than librdkafka's 45 s.
            cfg.set("session.timeout.ms", "10000")
                .set("heartbeat.interval.ms", "1000");
        }
        let ctx = GroupCtx {
            inner: Ctx::new(&conn.settings),
            hooks,
            next: std::sync::Mutex::default(),
            resumed: std::sync::Mutex::default(),
            failed: std::sync::Mutex::default(),
            ends: std::sync::Mutex::default(),
            txn,
        };
        let consumer: BaseConsumer<GroupCtx> =
            BaseConsumer::from_config_and_context(&cfg, ctx).map_err(config_error)?;
        let names: Vec<&str> = resolved.iter().map(|t| t.name.as_str()).collect();
        consumer
            .subscribe(&names)
            .map_err(|e| anyhow::anyhow!("cannot join group '{group}': {e}"))?;
        Ok(GroupSource {
            consumer,
            topics: resolved
                .iter()
                .map(|t| Arc::from(t.name.as_str()))
                .collect(),
            handed_out: None,
            exit_at_end,
            from_beginning,
            ends: HashMap::new(),
            committed: HashMap::new(),
            timeout: conn.settings.timeout,
            notify: conn.settings.notify.clone(),
            last_commit: std::time::Instant::now(),
            all_partitions: resolved
                .iter()
                .flat_map(|t| t.partitions.iter().map(move |p| (t.name.clone(), *p)))
                .collect(),
        })
    }

    fn store_handed_out(&mut self) {
        if let Some((ti, p, o)) = self.handed_out.take() {
            if self.consumer.context().hooks.is_some() {
                if let Ok(mut n) = self.consumer.context().next.lock() {
                    n.insert((self.topics[ti].to_string(), p), o + 1);
                }
            } else {
                // librdkafka stores offset + 1: the next record to read.
                let _ = self.consumer.store_offset(&self.topics[ti], p, o);
            }
        }
    }

    /// Replay: a partition's first record in this assignment; tell the hooks where the group
    /// stands on it, and give a never-committed partition a commit now (so that copies made
    /// before the first regular commit are found after a crash).
    fn resume(&mut self, topic: &str, partition: i32, first_offset: i64) -> anyhow::Result<()> {
        let ctx = self.consumer.context();
        let Some(hooks) = ctx.hooks.clone() else {
            return Ok(());
        };
        let key = (topic.to_string(), partition);
        if ctx.resumed.lock().map_or(true, |r| r.contains(&key)) {
            return Ok(());
        }
        let mut tpl = rdkafka::TopicPartitionList::new();
        tpl.add_partition(topic, partition);
        let committed = self
            .consumer
            .committed_offsets(tpl, self.timeout)
            .map_err(|e| anyhow::anyhow!("cannot read the group's offsets: {e}"))?;
        let el = committed.find_partition(topic, partition);
        let (offset, metadata) = match el.as_ref().map(|e| (e.offset(), e.metadata().to_string())) {
            Some((Offset::Offset(o), m)) => (Some(o), m),
            _ => (None, String::new()),
        };
        let (end, metadata) = parse_replay_metadata(&metadata);
        if let (Some(end), Ok(mut ends)) = (end, ctx.ends.lock()) {
            ends.insert(key.clone(), end);
        }
        // The metadata's target part as committed (empty when there was none: the whole target
        // is then searched).
        let committed_target = if end.is_some() {
            metadata.clone()
        } else {
            String::new()
        };
        // The first member to take this partition fixes where the replay stops in it.
        let fixing = offset.is_none() || end.is_none();
        let high = if fixing {
            let (_, high) = self
                .consumer
                .fetch_watermarks(topic, partition, self.timeout)
                .map_err(|e| {
                    anyhow::anyhow!("cannot read the end offsets of {topic}/{partition}: {e}")
                })?;
            if let Ok(mut ends) = ctx.ends.lock() {
                ends.insert(key.clone(), high);
            }
            high
        } else {
            0
        };
        // In a transaction the first commit goes with the first copies: only a member fixing
        // the stop offset outside one commits here, before anything is copied.
        let (offset, metadata) = if fixing && ctx.txn.is_none() {
            let settled = hooks.settle()?;
            let at = offset.unwrap_or(first_offset);
            let mut tpl = rdkafka::TopicPartitionList::new();
            let mut e = tpl.add_partition(topic, partition);
            e.set_offset(Offset::Offset(at))
                .map_err(|e| anyhow::anyhow!("{topic}/{partition}: {e}"))?;
            e.set_metadata(replay_metadata(Some(high), &settled));
            self.consumer
                .commit(&tpl, CommitMode::Sync)
                .map_err(|e| anyhow::anyhow!("cannot commit the group's offsets: {e}"))?;
            // Never committed: no member copied anything (each commits before its first copy),
            // so the search starts at today's ends; committed without metadata: from the start.
            let from = if offset.is_none() {
                settled
            } else {
                committed_target
            };
            (Some(at), from)
        } else {
            (offset, metadata)
        };
        hooks.resume(Committed {
            topic,
            partition,
            offset,
            metadata: &metadata,
        })?;
        if let Ok(mut r) = ctx.resumed.lock() {
            r.insert(key);
        }
        Ok(())
    }

    fn done(&mut self) -> bool {
        if self.consumer.context().hooks.is_some() {
            // What this member handed out must be committed before the group's view counts.
            self.store_handed_out();
            // A partition whose position passed its stop offset without a record there
            // (transaction markers, aborted records) is done too: its commit must say so.
            let ends = self.consumer.context().ends();
            if let Ok(positions) = self.consumer.position() {
                if let Ok(mut n) = self.consumer.context().next.lock() {
                    for el in positions.elements() {
                        let key = (el.topic().to_string(), el.partition());
                        if let (Offset::Offset(pos), Some(&end)) = (el.offset(), ends.get(&key)) {
                            if pos >= end {
                                let at = n.entry(key).or_insert(end);
                                *at = (*at).max(end);
                            }
                        }
                    }
                }
            }
            self.replay_all_done()
        } else {
            self.all_at_end()
        }
    }

    /// Replay: whether the whole replay is done, not only this member's share: every partition
    /// of the topics has reached its stop offset, by this member's position where it reads the
    /// partition and by the group's committed offset elsewhere. (A member that stopped when its
    /// own share was done would leave the partitions of a crashed member unread.)
    fn replay_all_done(&mut self) -> bool {
        let mut all = rdkafka::TopicPartitionList::new();
        for (t, p) in &self.all_partitions {
            all.add_partition(t, *p);
        }
        let Ok(committed) = self.consumer.committed_offsets(all, self.timeout) else {
            return false;
        };
        let assignment = self.consumer.assignment().unwrap_or_default();
        let positions = self.consumer.position().unwrap_or_default();
        let ends = self.consumer.context().ends();
        for (t, p) in self.all_partitions.clone() {
            let c = committed.find_partition(&t, p);
            let (committed_at, meta_end) =
                match c.as_ref().map(|e| (e.offset(), e.metadata().to_string())) {
                    Some((Offset::Offset(o), m)) => (Some(o), parse_replay_metadata(&m).0),
                    _ => (None, None),
                };
            let end = match ends.get(&(t.clone(), p)).copied().or(meta_end) {
                Some(e) => e,
                None => {
                    // No stop offset in the commit metadata (never taken by anyone, or a broker
                    // that does not keep commit metadata): the partition's current end.
                    match self.consumer.fetch_watermarks(&t, p, self.timeout) {
                        Ok((low, high)) if low >= high => continue,
                        Ok((_, high)) => high,
                        Err(_) => return false,
                    }
                }
            };
            let mine = assignment.find_partition(&t, p).is_some();
            let at = match positions.find_partition(&t, p).map(|e| e.offset()) {
                Some(Offset::Offset(o)) if mine => Some(o),
                _ => committed_at,
            };
            if at.is_none_or(|o| o < end) {
                return false;
            }
        }
        true
    }

    /// With `-e`: whether every assigned partition has reached the end offsets of when it was
    /// first checked. Before any record, a partition's position is unknown; then the group's
    /// committed offset, or the reset policy, says where it stands.
    fn all_at_end(&mut self) -> bool {
        let Ok(assignment) = self.consumer.assignment() else {
            return false;
        };
        if assignment.count() == 0 {
            return false;
        }
        let positions = self.consumer.position().unwrap_or_default();
        for el in assignment.elements() {
            let key = (el.topic().to_string(), el.partition());
            let (low, high) = match self.ends.get(&key) {
                Some(h) => (0, *h),
                None => {
                    match self
                        .consumer
                        .fetch_watermarks(el.topic(), el.partition(), self.timeout)
                    {
                        Ok((l, h)) => {
                            self.ends.insert(key.clone(), h);
                            (l, h)
                        }
                        Err(_) => return false,
                    }
                }
            };
            let pos = match positions
                .find_partition(el.topic(), el.partition())
                .map(|e| e.offset())
            {
                Some(Offset::Offset(o)) => o,
                _ => {
                    let committed = match self.committed.get(&key) {
                        Some(c) => *c,
                        None => {
                            let c = self.consumer.committed(self.timeout).ok().and_then(|tpl| {
                                tpl.find_partition(el.topic(), el.partition())
                                    .and_then(|e| match e.offset() {
                                        Offset::Offset(o) => Some(o),
                                        _ => None,
                                    })
                            });
                            self.committed.insert(key.clone(), c);
                            c
                        }
                    };
                    committed.unwrap_or(if self.from_beginning { low } else { high })
                }
            };
            if pos < high {
                return false;
            }
        }
        true
    }
}

impl Source for GroupSource {
    fn poll(&mut self, timeout: Duration) -> anyhow::Result<Poll> {
        self.store_handed_out();
        if let Some(e) = self
            .consumer
            .context()
            .failed
            .lock()
            .ok()
            .and_then(|mut f| f.take())
        {
            return Err(anyhow::anyhow!("consumer group: {e}"));
        }
        if self.consumer.context().hooks.is_some() && self.last_commit.elapsed() >= COMMIT_EVERY {
            self.consumer.context().commit_now(&self.consumer, None)?;
            self.last_commit = std::time::Instant::now();
        }
        loop {
            let msg = match self.consumer.poll(timeout) {
                None => {
                    if self.exit_at_end && self.done() {
                        return Ok(Poll::End);
                    }
                    return Ok(Poll::Idle);
                }
                Some(Err(KafkaError::PartitionEOF(_))) => {
                    if self.exit_at_end && self.done() {
                        return Ok(Poll::End);
                    }
                    continue;
                }
                Some(Err(e)) => {
                    self.notify
                        .warn(&format!("evops: warning: consumer group: {e}"));
                    continue;
                }
                Some(Ok(m)) => m,
            };
            let Some(ti) = self.topics.iter().position(|t| &**t == msg.topic()) else {
                continue;
            };
            let replay = self.consumer.context().hooks.is_some();
            if self.exit_at_end && !replay {
                let key = (msg.topic().to_string(), msg.partition());
                if let Some(end) = self.ends.get(&key) {
                    if msg.offset() >= *end {
                        continue;
                    }
                }
            }
            let (topic, partition, offset) =
                (msg.topic().to_string(), msg.partition(), msg.offset());
            let record = super::record_from(&msg, self.topics[ti].clone(), partition, offset);
            drop(msg);
            if replay {
                self.resume(&topic, partition, offset)?;
                let end = self
                    .consumer
                    .context()
                    .ends
                    .lock()
                    .ok()
                    .and_then(|e| e.get(&(topic.clone(), partition)).copied());
                if let Some(e) = end.filter(|e| offset >= *e) {
                    // Past where the replay stops in this partition: stop fetching it, and let
                    // the next commit say it is done.
                    let mut tpl = rdkafka::TopicPartitionList::new();
                    tpl.add_partition(&topic, partition);
                    let _ = self.consumer.pause(&tpl);
                    if let Ok(mut n) = self.consumer.context().next.lock() {
                        let at = n.entry((topic.clone(), partition)).or_insert(e);
                        *at = (*at).max(e);
                    }
                    return Ok(Poll::Idle);
                }
            }
            self.handed_out = Some((ti, record.partition, record.offset));
            return Ok(Poll::Record(record));
        }
    }

    fn commit(&mut self) -> anyhow::Result<()> {
        self.store_handed_out();
        if self.consumer.context().hooks.is_some() {
            return self.consumer.context().commit_now(&self.consumer, None);
        }
        match self.consumer.commit_consumer_state(CommitMode::Sync) {
            // Nothing new to commit is not a failure.
            Ok(())
            | Err(KafkaError::ConsumerCommit(rdkafka::error::RDKafkaErrorCode::NoOffset)) => Ok(()),
            Err(e) => Err(anyhow::anyhow!("cannot commit the group's offsets: {e}")),
        }
    }
}

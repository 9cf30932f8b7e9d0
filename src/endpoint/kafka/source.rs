//! The consumer source: reads the asked partitions of one or more topics by assignment (no
//! group, no commits), from resolved start offsets to optional stop offsets.
//!
//! Time ranges are exact whatever the broker's offsets-for-times answer: that answer only
//! decides where fetching starts, and records before the start time are then dropped here; a
//! partition stops at its first record at or after the `--until` time. A partition is finished
//! when its next offset reaches the stop offset, which is checked at every end-of-partition
//! event too, because transaction markers occupy offsets that no record carries.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};

use super::batch::{Batch, Msg, Ts};
use super::{list_topics, resolve_readable, Connection, Ctx};
use crate::endpoint::{Poll, Progress, Source};
use crate::error::Error;
use crate::position::{Start, Stop};
use crate::record::{Header, Record, Timestamp};

/// What to read.
#[derive(Debug, Clone)]
pub struct ReadPlan {
    /// Topic names and `^regex` patterns.
    pub topics: Vec<String>,
    /// Only these partitions (of every topic); `None` for all.
    pub partitions: Option<Vec<i32>>,
    pub start: Start,
    pub stop: Option<Stop>,
    /// Stop at the end offsets taken when the read started (`-e`).
    pub exit_at_end: bool,
    /// When the command started (ms), for `--until` in the future.
    pub now_ms: i64,
    /// Read only the partition this partitioner puts this key on, in each topic.
    pub key_route: Option<(Vec<u8>, &'static crate::partition::Partitioner)>,
    /// Start and stop offsets per partition that win over `start` and `stop` (a resumed
    /// replay reads exactly the plan it made the first time).
    pub overrides: Option<Overrides>,
}

/// Per-partition offsets, by (topic, partition).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overrides {
    pub starts: std::collections::HashMap<(String, i32), i64>,
    pub ends: std::collections::HashMap<(String, i32), i64>,
}

/// Where a partition's read starts and stops.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bounds {
    pub topic: String,
    pub partition: i32,
    pub start: i64,
    /// Exclusive; `None` while unknown (a live read, or `--until` in the future).
    pub end: Option<i64>,
}

/// Where one assigned partition stands.
#[derive(Debug, Clone)]
struct Part {
    topic: usize,
    partition: i32,
    start: i64,
    /// Exclusive stop offset, once known.
    end: Option<i64>,
    /// The next offset expected.
    next: i64,
    done: bool,
    /// The last thing heard from the partition was its end of log: nothing is in flight, so a
    /// time-ordered merge need not wait for it.
    caught_up: bool,
}

/// What one message from a batch turned out to be.
enum Got {
    /// End of a partition (topic index, partition, the offset it ended at).
    Eof(usize, i32, i64),
    Skip,
    Error(Fault),
    Record(usize, Record),
}

/// An error event from the consumer about one partition.
struct Fault {
    code: rdkafka::bindings::rd_kafka_resp_err_t,
    topic: String,
    partition: i32,
    offset: i64,
    text: String,
}

/// Copy bytes into a reused buffer, keeping null distinct from empty.
fn fill(dst: &mut Option<Vec<u8>>, src: Option<&[u8]>) {
    match (dst.as_mut(), src) {
        (Some(v), Some(s)) => {
            v.clear();
            v.extend_from_slice(s);
        }
        (None, Some(s)) => *dst = Some(s.to_vec()),
        (_, None) => *dst = None,
    }
}

/// Records from Kafka partitions.
pub struct KafkaSource {
    /// Declared before the consumer: it must be dropped first.
    batch: Batch,
    /// A record handed back by the pipeline, whose buffers the next one reuses.
    spare: Option<Record>,
    consumer: BaseConsumer<Ctx>,
    topics: Vec<Arc<str>>,
    /// Partition counts of the topics (all partitions, not only the ones read).
    counts: Vec<i32>,
    /// `index[topic][partition]` is the position in `parts`.
    index: Vec<Vec<Option<usize>>>,
    parts: Vec<Part>,
    remaining: usize,
    from_ms: Option<i64>,
    until_ms: Option<i64>,
    /// `--until` lies in the future: when the clock passes it, stop at the offsets of that moment.
    until_pending: bool,
    skipped: u64,
    last_topic: usize,
    warned: HashSet<String>,
    /// Whether the brokers are down, as said on stderr.
    outage: super::outage::Watch,
    /// When positions were last compared with the logs' ends ([`KafkaSource::went_backwards`]).
    ends_checked: std::time::Instant,
    /// Since when nothing has arrived.
    idle_since: Option<std::time::Instant>,
    brokers: String,
    timeout: Duration,
    verbose: bool,
    notify: crate::endpoint::Notify,
    /// What of each record is handed out.
    keep: Keep,
}

/// What of a record a reader looks at: the rest is not copied (nor, for headers, parsed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keep {
    All,
    /// No headers: librdkafka parses a record's headers on request, allocating even when
    /// there are none, which cost a raw read a quarter of its main thread.
    NoHeaders,
    /// Keys and placements only.
    Keys,
}

impl KafkaSource {
    /// Hand out records without their values and headers (`value` is `None`, `headers` empty),
    /// for a reader that looks only at keys and placements (the partition audit): the copy of
    /// each value is most of what a raw read does per record.
    pub fn keys_only(mut self) -> KafkaSource {
        self.keep = Keep::Keys;
        self
    }

    /// Hand out records without their headers (`headers` empty), for a run that looks at no
    /// header (values printed raw, or only counted).
    pub fn without_headers(mut self) -> KafkaSource {
        if self.keep == Keep::All {
            self.keep = Keep::NoHeaders;
        }
        self
    }

    /// Resolve topics and offsets, and assign the partitions that have anything to read.
    pub fn open(conn: &Connection, plan: &ReadPlan) -> anyhow::Result<KafkaSource> {
        let consumer = conn.consumer()?;
        let all = list_topics(&consumer, conn)?;
        let topics = resolve_readable(&plan.topics, &all, &consumer)?;
        let timeout = conn.settings.timeout;
        check_partitions(plan.partitions.as_ref(), &topics)?;
        let (mut parts, lows_highs) = plan_parts(conn, &consumer, plan, &topics)?;
        set_starts(conn, &consumer, plan, &topics, &mut parts, &lows_highs)?;
        let (until_ms, until_pending) = set_ends(plan, &mut parts, &lows_highs);
        if let Some(o) = &plan.overrides {
            for part in &mut parts {
                let key = (topics[part.topic].name.clone(), part.partition);
                if let Some(&s) = o.starts.get(&key) {
                    part.start = s;
                    part.next = s;
                }
                if let Some(&e) = o.ends.get(&key) {
                    part.end = Some(e);
                }
            }
        }
        let (index, tpl, remaining) = assignment(&topics, &mut parts)?;
        let assigned: Vec<(&str, i32)> = parts
            .iter()
            .filter(|p| !p.done)
            .map(|p| (topics[p.topic].name.as_str(), p.partition))
            .collect();
        // The partitions' queues are forwarded to the batch's before anything is fetched.
        let batch = Batch::new(&consumer, &assigned);
        consumer
            .assign(&tpl)
            .map_err(|e| anyhow::anyhow!("cannot assign partitions: {e}"))?;
        Ok(KafkaSource {
            batch,
            spare: None,
            keep: Keep::All,
            consumer,
            counts: topics.iter().map(|t| t.partitions.len() as i32).collect(),
            topics: topics.iter().map(|t| Arc::from(t.name.as_str())).collect(),
            index,
            parts,
            remaining,
            from_ms: match plan.start {
                Start::Time(t) => Some(t),
                _ => None,
            },
            until_ms,
            until_pending,
            skipped: 0,
            last_topic: 0,
            warned: HashSet::new(),
            outage: super::outage::Watch::default(),
            ends_checked: std::time::Instant::now(),
            idle_since: None,
            brokers: conn.settings.brokers.clone(),
            timeout,
            verbose: conn.settings.verbose,
            notify: conn.settings.notify.clone(),
        })
    }

    /// The partitions being read, as `topic/partition` names.
    pub fn assigned(&self) -> Vec<String> {
        self.parts
            .iter()
            .map(|p| format!("{}/{}", self.topics[p.topic], p.partition))
            .collect()
    }

    /// Where each partition's read started and stops.
    pub fn bounds(&self) -> Vec<Bounds> {
        self.parts
            .iter()
            .map(|p| Bounds {
                topic: self.topics[p.topic].to_string(),
                partition: p.partition,
                start: p.start,
                end: p.end,
            })
            .collect()
    }

    /// The topics being read (resolved from names and patterns) with their partition counts.
    pub fn partition_counts(&self) -> Vec<(String, i32)> {
        self.topics
            .iter()
            .zip(&self.counts)
            .map(|(t, n)| (t.to_string(), *n))
            .collect()
    }

    fn finish_part(&mut self, i: usize) {
        let part = &mut self.parts[i];
        if part.done {
            return;
        }
        part.done = true;
        self.remaining -= 1;
        let mut tpl = TopicPartitionList::new();
        tpl.add_partition(&self.topics[part.topic], part.partition);
        // Stop fetching what will not be shown; failure only costs bandwidth.
        let _ = self.consumer.pause(&tpl);
    }

    /// An end-of-partition event: everything of that partition before `offset` has been
    /// handed out (events come in order with its messages), so the partition is finished when
    /// `offset` reached its stop offset, even though no record carried the last offsets
    /// (transaction markers occupy offsets too).
    fn reached_end(&mut self, ti: usize, partition: i32, offset: i64) {
        let Some(Some(i)) = self.index[ti].get(partition as usize).copied() else {
            return;
        };
        let part = &mut self.parts[i];
        part.next = part.next.max(offset);
        part.caught_up = true;
        if part.end.is_some_and(|e| part.next >= e) {
            self.finish_part(i);
        }
    }

    /// `--until` in the future has come: stop every open partition at its current end.
    fn close_pending_until(&mut self) {
        if !self.until_pending
            || self
                .until_ms
                .is_none_or(|u| crate::position::now_millis() < u)
        {
            return;
        }
        self.until_pending = false;
        for i in 0..self.parts.len() {
            if self.parts[i].done || self.parts[i].end.is_some() {
                continue;
            }
            let topic = self.topics[self.parts[i].topic].clone();
            let high = self
                .consumer
                .fetch_watermarks(&topic, self.parts[i].partition, self.timeout)
                .map_or(self.parts[i].next, |(_, h)| h);
            self.parts[i].end = Some(high);
            if self.parts[i].next >= high {
                self.finish_part(i);
            }
        }
    }

    /// Nothing arrived. A bounded read whose cluster has gone away fails after `--timeout`
    /// instead of waiting forever; a live tail keeps waiting (librdkafka reconnects) and has
    /// said so once on stderr.
    fn idle(&mut self) -> anyhow::Result<Poll> {
        // Serve the main queue: errors and logs reach the client context here.
        let _ = self.consumer.poll(Duration::ZERO);
        if let Some(line) = self.outage.idle(&self.consumer, &self.brokers) {
            self.warn(&line);
        }
        self.went_backwards()?;
        let Some(since) = self.idle_since else {
            // A new quiet spell: errors from before it no longer say anything.
            self.idle_since = Some(std::time::Instant::now());
            let _ = self.consumer.context().take_error();
            return Ok(Poll::Idle);
        };
        let bounded = self.parts.iter().all(|p| p.done || p.end.is_some());
        if bounded && since.elapsed() >= self.timeout {
            if let Some(reason) = self.consumer.context().take_error() {
                let done = self.parts.iter().filter(|p| p.done).count();
                // What was read before: the summary a run that ends here cannot print.
                let read: i64 = self.parts.iter().map(|p| (p.next - p.start).max(0)).sum();
                return Err(Error::Unreachable {
                    brokers: self.brokers.clone(),
                    timeout: self.timeout,
                    reason: format!(
                        "{reason} (read up to {read} records; {done} of {} partitions finished)",
                        self.parts.len()
                    ),
                }
                .into());
            }
        }
        Ok(Poll::Idle)
    }

    /// Records or end-of-partition events arrive: an outage that was reported is over.
    fn outage_over(&mut self) {
        if self.outage.reported() {
            if let Some(line) = self.outage.record(&self.consumer, &self.brokers) {
                self.warn(&line);
            }
        }
    }

    /// Some brokers (nisshi 0.8.1) answer a fetch beyond the end of a log with nothing rather
    /// than OFFSET_OUT_OF_RANGE, so a log that went backwards (a broker that lost its data) is
    /// found here too: every two seconds of quiet, each position is compared with the end
    /// librdkafka last heard of, and, where it lies beyond, with the broker's own answer.
    fn went_backwards(&mut self) -> anyhow::Result<()> {
        if self.ends_checked.elapsed() < Duration::from_secs(2) {
            return Ok(());
        }
        self.ends_checked = std::time::Instant::now();
        for i in 0..self.parts.len() {
            let part = &self.parts[i];
            let topic = self.topics[part.topic].clone();
            let beyond = |high: i64| high >= 0 && part.next > high;
            let cached = super::batch::cached_watermarks(&self.consumer, &topic, part.partition);
            if part.done || !cached.is_some_and(|(_, high)| beyond(high)) {
                continue;
            }
            let asked =
                self.consumer
                    .fetch_watermarks(&topic, part.partition, Duration::from_secs(2));
            if asked.is_ok_and(|(_, high)| beyond(high)) {
                let (partition, offset) = (part.partition, part.next);
                self.out_of_range(&topic, partition, offset)?;
            }
        }
        Ok(())
    }

    /// An error event about one partition: an authorization error ends the read; a log that
    /// went backwards or was truncated is reported and read on from its new start; anything
    /// else is said once while librdkafka retries.
    fn fault(&mut self, f: Fault) -> anyhow::Result<()> {
        use rdkafka::types::RDKafkaErrorCode as C;
        let code = C::from(f.code);
        if super::is_denial(code) {
            let what = format!("topic {}", f.topic);
            let msg = self.consumer.context().denied(&what, &format!("{code:?}"));
            return Err(Error::Access(msg).into());
        }
        if code == C::AutoOffsetReset {
            return self.out_of_range(&f.topic, f.partition, f.offset);
        }
        let e = format!("{}: {}", f.topic, f.text);
        if self.verbose {
            self.warn_once(format!("consumer: {e}"));
        } else {
            self.warn_once(format!("consumer: {e} (retrying; -v shows details)"));
        }
        Ok(())
    }

    /// The offset being read is no longer in the partition's log (the topic was deleted and
    /// re-created, or the broker lost data): say where the read was and what the log holds
    /// now, and go on from its new start. Nothing is skipped silently.
    fn out_of_range(&mut self, topic: &str, partition: i32, offset: i64) -> anyhow::Result<()> {
        let (low, high) = self
            .consumer
            .fetch_watermarks(topic, partition, self.timeout)
            .map_err(|e| {
                anyhow::anyhow!(
                    "{topic}/{partition}: offset {offset} is out of range, and its new range is unknown: {e}"
                )
            })?;
        self.warn(&format!(
            "{topic}/{partition}: offset {offset} is out of range: the log now holds offsets {low}..{high} (deleted and re-created, or the broker lost data); reading on from {low}"
        ));
        let ti = self.topics.iter().position(|t| **t == *topic);
        let i = ti.and_then(|ti| self.index[ti].get(partition as usize).copied().flatten());
        if let Some(i) = i {
            let part = &mut self.parts[i];
            part.next = low;
            part.caught_up = false;
            if part.end.is_some_and(|e| low >= e) {
                self.finish_part(i);
                return Ok(());
            }
        }
        self.consumer
            .seek(topic, partition, Offset::Offset(low), self.timeout)
            .map_err(|e| anyhow::anyhow!("{topic}/{partition}: cannot read on from {low}: {e}"))
    }

    /// A warning for people (shown unless `-q`).
    fn warn(&self, msg: &str) {
        self.notify.warn(&format!("evops: warning: {msg}"));
    }

    fn warn_once(&mut self, msg: String) {
        if self.warned.insert(msg.clone()) {
            self.warn(&msg);
        }
    }
}

/// What a message of the batch is: a record (in the spare record's buffers when there is
/// one), the end of a partition, an error, or nothing of ours.
#[inline]
fn read_message(
    m: &Msg<'_>,
    topics: &[Arc<str>],
    last_topic: &mut usize,
    spare: &mut Option<Record>,
    keep: Keep,
) -> Got {
    if m.is_partition_eof() {
        return match find_topic(topics, last_topic, m.topic()) {
            Some(ti) => Got::Eof(ti, m.partition(), m.offset()),
            None => Got::Skip,
        };
    }
    if m.err() != rdkafka::bindings::rd_kafka_resp_err_t::RD_KAFKA_RESP_ERR_NO_ERROR {
        return Got::Error(Fault {
            code: m.err(),
            topic: m.topic().to_string(),
            partition: m.partition(),
            offset: m.offset(),
            text: m.error_text(),
        });
    }
    let Some(ti) = find_topic(topics, last_topic, m.topic()) else {
        return Got::Skip;
    };
    let mut r = spare.take().unwrap_or_else(|| Record {
        topic: topics[ti].clone(),
        partition: 0,
        offset: 0,
        origin: crate::record::Origin::Partition,
        timestamp: Timestamp::None,
        key: None,
        value: None,
        headers: Vec::new(),
    });
    if !Arc::ptr_eq(&r.topic, &topics[ti]) {
        r.topic = topics[ti].clone();
    }
    r.partition = m.partition();
    r.offset = m.offset();
    r.timestamp = match m.timestamp() {
        Ts::None => Timestamp::None,
        Ts::Create(ms) => Timestamp::Create(ms),
        Ts::LogAppend(ms) => Timestamp::LogAppend(ms),
    };
    fill(&mut r.key, m.key());
    match keep {
        Keep::Keys => {
            r.headers.clear();
            r.value = None;
        }
        Keep::NoHeaders => {
            r.headers.clear();
            fill(&mut r.value, m.payload());
        }
        Keep::All => {
            fill(&mut r.value, m.payload());
            fill_headers(&mut r.headers, m);
        }
    }
    Got::Record(ti, r)
}

/// The message's headers, into the spare record's where it has them, as its key and value are.
fn fill_headers(headers: &mut Vec<Header>, m: &Msg<'_>) {
    let mut n = 0;
    m.for_each_header(|k, v| {
        match headers.get_mut(n) {
            Some(h) => {
                h.key.clear();
                h.key.push_str(k);
                fill(&mut h.value, v);
            }
            None => headers.push(Header {
                key: k.to_string(),
                value: v.map(<[u8]>::to_vec),
            }),
        }
        n += 1;
    });
    headers.truncate(n);
}

/// The index of a topic, trying the last one found first (records come in runs per topic).
fn find_topic(topics: &[Arc<str>], last: &mut usize, name: &str) -> Option<usize> {
    if topics.get(*last).is_some_and(|t| &**t == name) {
        return Some(*last);
    }
    let i = topics.iter().position(|t| &**t == name)?;
    *last = i;
    Some(i)
}

/// `-p` names partitions that exist in at least one of the topics.
pub fn check_partitions(
    wanted: Option<&Vec<i32>>,
    topics: &[super::TopicInfo],
) -> anyhow::Result<()> {
    let Some(wanted) = wanted else {
        return Ok(());
    };
    for p in wanted {
        if !topics.iter().any(|t| t.partitions.contains(p)) {
            let have: Vec<String> = topics
                .iter()
                .map(|t| format!("{} has {}", t.name, t.partitions.len()))
                .collect();
            return Err(Error::Usage(format!(
                "partition {p} does not exist ({})",
                have.join(", ")
            ))
            .into());
        }
    }
    Ok(())
}

/// The partitions to read (those `-p` and a key's route leave), each with its low and high
/// watermarks.
#[allow(clippy::type_complexity)]
fn plan_parts(
    conn: &Connection,
    consumer: &BaseConsumer<Ctx>,
    plan: &ReadPlan,
    topics: &[super::TopicInfo],
) -> anyhow::Result<(Vec<Part>, Vec<(i64, i64)>)> {
    let mut parts = Vec::new();
    let mut lows_highs = Vec::new();
    for (ti, t) in topics.iter().enumerate() {
        let routed = plan
            .key_route
            .as_ref()
            .and_then(|(key, p)| p.partition(Some(key), t.partitions.len() as i32));
        for &p in &t.partitions {
            if plan.partitions.as_ref().is_some_and(|w| !w.contains(&p)) {
                continue;
            }
            if routed.is_some_and(|r| r != p) {
                continue;
            }
            let (low, high) = consumer
                .fetch_watermarks(&t.name, p, conn.settings.timeout)
                .map_err(|e| conn.unreachable(consumer.context(), &e))?;
            lows_highs.push((low, high));
            parts.push(Part {
                topic: ti,
                partition: p,
                start: low,
                end: None,
                next: low,
                done: false,
                caught_up: false,
            });
        }
    }
    Ok((parts, lows_highs))
}

/// Start offsets: from the watermarks, or the broker's offsets for a start time (verified).
fn set_starts(
    conn: &Connection,
    consumer: &BaseConsumer<Ctx>,
    plan: &ReadPlan,
    topics: &[super::TopicInfo],
    parts: &mut [Part],
    lows_highs: &[(i64, i64)],
) -> anyhow::Result<()> {
    let by_time = match plan.start {
        Start::Time(t) => Some(offsets_for_time(conn, consumer, topics, parts, t)),
        _ => None,
    };
    for (i, part) in parts.iter_mut().enumerate() {
        let (low, high) = lows_highs[i];
        part.start = match plan.start {
            Start::Beginning => low,
            Start::End => high,
            Start::Offset(o) => o.clamp(low, high),
            Start::Last(n) => back_from(high, n).max(low),
            Start::Time(_) => by_time
                .as_ref()
                .and_then(|m| m.as_ref().ok())
                .and_then(|m| m[i])
                .map_or(low, |o| o.clamp(low, high)),
        };
        part.next = part.start;
    }
    if let Some(Err(why)) = &by_time {
        conn.settings.notify.detail(&format!("evops: offsets-for-times unavailable ({why}); reading from the beginning and dropping earlier records"));
    }
    if let (Start::Time(t), Some(Ok(_))) = (plan.start, &by_time) {
        let lows: Vec<i64> = lows_highs.iter().map(|lh| lh.0).collect();
        verify_time_starts(conn, topics, parts, &lows, t)?;
    }
    Ok(())
}

/// Stop offsets; the `--until` time, and whether it is still to come (a live read then stops
/// at the first record at or after it).
fn set_ends(plan: &ReadPlan, parts: &mut [Part], lows_highs: &[(i64, i64)]) -> (Option<i64>, bool) {
    let mut until_ms = None;
    let mut until_pending = false;
    for (i, part) in parts.iter_mut().enumerate() {
        let (low, high) = lows_highs[i];
        part.end = match plan.stop {
            None if plan.exit_at_end => Some(high),
            None => None,
            Some(Stop::End) => Some(high),
            Some(Stop::Offset(o)) if plan.exit_at_end => Some(o.min(high)),
            Some(Stop::Offset(o)) => Some(o),
            Some(Stop::BeforeLast(n)) => Some(back_from(high, n).max(low)),
            Some(Stop::Time(t)) => {
                until_ms = Some(t);
                if plan.exit_at_end || t <= plan.now_ms {
                    Some(high)
                } else {
                    until_pending = true;
                    None
                }
            }
        };
    }
    (until_ms, until_pending)
}

/// The assignment of the partitions that have anything to read (the others are done
/// already), the index from topic and partition to part, and how many parts remain.
#[allow(clippy::type_complexity)]
fn assignment(
    topics: &[super::TopicInfo],
    parts: &mut [Part],
) -> anyhow::Result<(Vec<Vec<Option<usize>>>, TopicPartitionList, usize)> {
    let mut index: Vec<Vec<Option<usize>>> = topics
        .iter()
        .map(|t| vec![None; t.partitions.iter().max().map_or(0, |m| *m as usize + 1)])
        .collect();
    let mut tpl = TopicPartitionList::new();
    let mut remaining = 0;
    for (i, part) in parts.iter_mut().enumerate() {
        index[part.topic][part.partition as usize] = Some(i);
        if part.end.is_some_and(|e| part.start >= e) {
            part.done = true;
            continue;
        }
        remaining += 1;
        tpl.add_partition_offset(
            &topics[part.topic].name,
            part.partition,
            Offset::Offset(part.start),
        )
        .map_err(|e| {
            anyhow::anyhow!(
                "cannot assign {}/{}: {e}",
                topics[part.topic].name,
                part.partition
            )
        })?;
    }
    Ok((index, tpl, remaining))
}

/// Make sure no record before a broker-given start offset is at or after the start time: a
/// coarse broker may answer too late an offset (or "end" when it cannot search by time at all).
/// Reads the record just before each answer with a short-lived consumer; where that record is
/// already inside the range, the partition is read from its beginning instead, and the exact
/// cut happens client-side.
fn verify_time_starts(
    conn: &Connection,
    topics: &[super::TopicInfo],
    parts: &mut [Part],
    lows: &[i64],
    t: i64,
) -> anyhow::Result<()> {
    let mut tpl = TopicPartitionList::new();
    let mut pending = 0usize;
    for (i, p) in parts.iter().enumerate() {
        if p.start > lows[i] {
            tpl.add_partition_offset(
                &topics[p.topic].name,
                p.partition,
                Offset::Offset(p.start - 1),
            )?;
            pending += 1;
        }
    }
    if pending == 0 {
        return Ok(());
    }
    let probe = conn.consumer()?;
    probe.assign(&tpl)?;
    let deadline = std::time::Instant::now() + conn.settings.timeout;
    let mut seen = HashSet::new();
    while seen.len() < pending && std::time::Instant::now() < deadline {
        if let Some(Ok(m)) = probe.poll(Duration::from_millis(100)) {
            let Some(i) = parts
                .iter()
                .position(|p| p.partition == m.partition() && topics[p.topic].name == m.topic())
            else {
                continue;
            };
            if !seen.insert(i) {
                continue;
            }
            let inside = m.timestamp().to_millis().is_some_and(|ts| ts >= t);
            if m.offset() < parts[i].start && inside {
                conn.settings.notify.detail(&format!(
                        "evops: the broker's offset for that time in {}/{} is too late; reading the partition from its beginning",
                        m.topic(),
                        m.partition()
                    ));
                parts[i].start = lows[i];
                parts[i].next = lows[i];
            }
            let mut done = TopicPartitionList::new();
            done.add_partition(m.topic(), m.partition());
            let _ = probe.pause(&done);
        }
    }
    Ok(())
}

/// Offsets for a time per part; `Err` when the broker cannot answer (the mock cluster).
fn offsets_for_time(
    conn: &Connection,
    consumer: &BaseConsumer<Ctx>,
    topics: &[super::TopicInfo],
    parts: &[Part],
    t: i64,
) -> Result<Vec<Option<i64>>, String> {
    if conn.embedded().is_some() {
        return Err("the embedded cluster does not implement it".into());
    }
    let mut tpl = TopicPartitionList::new();
    for p in parts {
        tpl.add_partition_offset(&topics[p.topic].name, p.partition, Offset::Offset(t))
            .map_err(|e| e.to_string())?;
    }
    let answer = consumer
        .offsets_for_times(tpl, conn.settings.timeout)
        .map_err(|e| e.to_string())?;
    Ok(parts
        .iter()
        .map(|p| {
            answer
                .find_partition(&topics[p.topic].name, p.partition)
                .and_then(|el| match el.offset() {
                    Offset::Offset(o) => Some(o),
                    // No record at or after the time: start at the end.
                    Offset::End => Some(i64::MAX),
                    _ => None,
                })
        })
        .collect())
}

impl Source for KafkaSource {
    fn poll(&mut self, timeout: Duration) -> anyhow::Result<Poll> {
        loop {
            if self.remaining == 0 {
                return Ok(Poll::End);
            }
            if self.until_pending {
                self.close_pending_until();
                if self.remaining == 0 {
                    return Ok(Poll::End);
                }
            }
            let mut spare = self.spare.take();
            let topics = &self.topics;
            let last_topic = &mut self.last_topic;
            let keep = self.keep;
            let got = self.batch.next(timeout, |m| {
                read_message(m, topics, last_topic, &mut spare, keep)
            });
            self.spare = spare;
            let (ti, record) = match got {
                None => return self.idle(),
                Some(Got::Eof(ti, partition, offset)) => {
                    self.outage_over();
                    self.reached_end(ti, partition, offset);
                    continue;
                }
                Some(Got::Skip) => continue,
                Some(Got::Error(f)) => {
                    self.fault(f)?;
                    continue;
                }
                Some(Got::Record(ti, r)) => {
                    self.idle_since = None;
                    self.outage_over();
                    (ti, r)
                }
            };
            let Some(Some(i)) = self.index[ti].get(record.partition as usize).copied() else {
                self.spare = Some(record);
                continue;
            };
            let offset = record.offset;
            let part = &mut self.parts[i];
            part.caught_up = false;
            if part.done {
                self.spare = Some(record);
                continue;
            }
            if part.end.is_some_and(|e| offset >= e) {
                self.spare = Some(record);
                self.finish_part(i);
                continue;
            }
            part.next = offset + 1;
            let last = part.end.is_some_and(|e| offset + 1 >= e);
            let ts = record.timestamp.millis();
            if self.until_ms.is_some_and(|u| ts.is_some_and(|t| t >= u)) {
                self.spare = Some(record);
                self.finish_part(i);
                continue;
            }
            if self.from_ms.is_some_and(|f| ts.is_none_or(|t| t < f)) {
                self.skipped += 1;
                self.spare = Some(record);
                if last {
                    self.finish_part(i);
                }
                continue;
            }
            if last {
                self.finish_part(i);
            }
            return Ok(Poll::Record(record));
        }
    }

    fn recycle(&mut self, record: Record) {
        self.spare = Some(record);
    }

    fn progress(&self) -> Option<Progress> {
        let mut p = Progress { done: 0, total: 0 };
        for part in &self.parts {
            let end = part.end?;
            let span = (end - part.start).max(0) as u64;
            p.total += span;
            p.done += if part.done {
                span
            } else {
                (part.next.min(end) - part.start).max(0) as u64
            };
        }
        Some(p)
    }

    fn skipped(&self) -> u64 {
        self.skipped
    }

    fn behind(&self, out: &mut Vec<(Arc<str>, i32)>) -> bool {
        out.extend(
            self.parts
                .iter()
                .filter(|p| !p.done && !p.caught_up)
                .map(|p| (self.topics[p.topic].clone(), p.partition)),
        );
        true
    }
}

/// The offset `n` records before `high`. `n` is a u64 from the command line: one above
/// `i64::MAX` must not wrap to a negative count (`-o -18446744073709551615` is "everything").
fn back_from(high: i64, n: u64) -> i64 {
    high.saturating_sub(i64::try_from(n).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    #[test]
    fn counting_back_from_the_end_never_wraps() {
        assert_eq!(super::back_from(10, 3), 7);
        assert_eq!(super::back_from(10, u64::MAX), 10 - i64::MAX);
        assert!(super::back_from(10, 1 << 63) < 0);
    }
}

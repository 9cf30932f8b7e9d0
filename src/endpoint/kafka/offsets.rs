//! Offsets at points in time, without reading records: one offsets-for-times (ListOffsets)
//! round per time for every partition at once. `evops stats --by topic|partition` subtracts
//! them to count what each bucket holds, which takes seconds for a week of a huge topic.
//! What it counts are offsets, not records: compaction, transaction markers and producer clocks
//! that go back all make them differ. A broker whose time index is missing or coarse is
//! reported as `Err` so that the caller reads instead: no answer, answers that go backwards, or
//! an answer the records around it contradict (one answer per partition, inside its records, is
//! checked against the record just before it, which must be older, and the one at it, which
//! must not be).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};

use super::{list_topics, resolve_topics, Connection};

/// The offsets of one partition at each asked time: the first offset whose record is at or
/// after the time, or the end offset when there is none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionOffsets {
    pub topic: String,
    pub partition: i32,
    pub at: Vec<i64>,
}

/// The offsets of the partitions of `topics` (only `partitions`, if given) at each of `times`
/// (ascending). The outer `Err` is a failure (unknown topic, unreachable); the inner `Err` says
/// why offsets cannot answer here, and the caller reads the records instead.
pub fn at_times(
    conn: &Connection,
    topics: &[String],
    partitions: Option<&[i32]>,
    times: &[i64],
) -> anyhow::Result<Result<Vec<PartitionOffsets>, String>> {
    if conn.embedded().is_some() {
        return Ok(Err(
            "the embedded cluster has no offsets-for-times".to_string()
        ));
    }
    let consumer = conn.consumer()?;
    let all = list_topics(&consumer, conn)?;
    let topics = resolve_topics(topics, &all)?;
    let timeout = conn.settings.timeout;
    let mut out = Vec::new();
    for t in &topics {
        for &p in &t.partitions {
            if partitions.is_some_and(|w| !w.contains(&p)) {
                continue;
            }
            out.push(PartitionOffsets {
                topic: t.name.clone(),
                partition: p,
                at: Vec::with_capacity(times.len()),
            });
        }
    }
    let mut ends = Vec::with_capacity(out.len());
    for po in &out {
        let (low, high) = consumer
            .fetch_watermarks(&po.topic, po.partition, timeout)
            .map_err(|e| conn.unreachable(consumer.context(), &e))?;
        ends.push((low, high));
    }
    for &t in times {
        let mut tpl = TopicPartitionList::new();
        for po in &out {
            tpl.add_partition_offset(&po.topic, po.partition, Offset::Offset(t))?;
        }
        let answer = match consumer.offsets_for_times(tpl, timeout) {
            Ok(a) => a,
            Err(e) => return Ok(Err(format!("offsets-for-times failed: {e}"))),
        };
        for (po, &(low, high)) in out.iter_mut().zip(&ends) {
            let o = match answer
                .find_partition(&po.topic, po.partition)
                .map(|el| el.offset())
            {
                Some(Offset::Offset(o)) => o.clamp(low, high),
                Some(Offset::End) => high,
                other => {
                    return Ok(Err(format!(
                        "no offset for {}/{} at {t} ({other:?})",
                        po.topic, po.partition
                    )))
                }
            };
            if po.at.last().is_some_and(|&prev| o < prev) {
                return Ok(Err(format!(
                    "the time index of {}/{} goes backwards (coarse, or producer clocks went back)",
                    po.topic, po.partition
                )));
            }
            po.at.push(o);
        }
    }
    // Reads of a record or two: the broker need not wait for more, nor send much, and the
    // client need not fetch ahead.
    let probe = conn.consumer_with(&[
        ("fetch.queue.backoff.ms", "10"),
        ("fetch.wait.max.ms", "10"),
        ("max.partition.fetch.bytes", "1024"),
        ("queued.min.messages", "1"),
    ])?;
    match check(&probe, &out, &ends, times, timeout)? {
        Ok(()) => Ok(Ok(out)),
        Err(why) => Ok(Err(why)),
    }
}

/// The answer of each partition that is checked: the one nearest the middle of its records
/// (or the first, when none falls inside them), as (answer index, answer).
fn spot(po: &PartitionOffsets, low: i64, high: i64) -> (usize, i64) {
    let middle = low + (high - low) / 2;
    po.at
        .iter()
        .enumerate()
        .filter(|(_, &o)| o > low && o < high)
        .min_by_key(|(_, &o)| (o - middle).abs())
        .map_or((0, po.at[0]), |(j, &o)| (j, o))
}

/// Spot-check the answers against the records around them, one answer per partition, in one
/// read round (a time index that is coarse or missing is wrong nearly everywhere; checking every
/// answer would cost a round per boundary): the record before an answer must be older than its
/// time, the record at it must not be.
fn check(
    probe: &BaseConsumer<super::Ctx>,
    out: &[PartitionOffsets],
    ends: &[(i64, i64)],
    times: &[i64],
    timeout: Duration,
) -> anyhow::Result<Result<(), String>> {
    let mut tpl = TopicPartitionList::new();
    // Per partition: the answer checked, its time, and the end offset.
    let mut pending: HashMap<(String, i32), (i64, i64, i64)> = HashMap::new();
    for (po, &(low, high)) in out.iter().zip(ends) {
        if high <= low {
            continue;
        }
        let (j, at) = spot(po, low, high);
        let from = (at - 1).max(low);
        tpl.add_partition_offset(&po.topic, po.partition, Offset::Offset(from))?;
        pending.insert((po.topic.clone(), po.partition), (at, times[j], high));
    }
    if pending.is_empty() {
        return Ok(Ok(()));
    }
    probe.assign(&tpl)?;
    let deadline = Instant::now() + timeout;
    while !pending.is_empty() {
        if Instant::now() > deadline {
            return Ok(Err(
                "the records around the answers could not be read in time".into(),
            ));
        }
        let Some(m) = probe.poll(Duration::from_millis(100)) else {
            continue;
        };
        let m = match m {
            Ok(m) => m,
            // The end, with no record left to check (transaction markers take offsets too).
            Err(rdkafka::error::KafkaError::PartitionEOF(p)) => {
                pending.retain(|k, _| k.1 != p);
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        let key = (m.topic().to_string(), m.partition());
        let Some(&(at, t, high)) = pending.get(&key) else {
            continue;
        };
        let ts = m.timestamp().to_millis();
        let wrong = if m.offset() < at {
            ts.is_some_and(|ts| ts >= t)
        } else {
            ts.is_some_and(|ts| ts < t)
        };
        if wrong {
            return Ok(Err(format!(
                "the broker's offset for a time in {}/{} is not the first record at or after it (a coarse time index)",
                m.topic(),
                m.partition()
            )));
        }
        if m.offset() >= at || m.offset() + 1 >= high {
            pending.remove(&key);
            let mut done = TopicPartitionList::new();
            done.add_partition(m.topic(), m.partition());
            probe.pause(&done)?;
        }
    }
    Ok(Ok(()))
}

//! Offsets at points in time, without reading records: one offsets-for-times (ListOffsets)
//! round per time for every partition at once. `evops stats --by topic|partition` subtracts
//! them to count what each bucket holds, which takes seconds for a week of a huge topic.
//! What it counts are offsets, not records: compaction, transaction markers and producer clocks
//! that go back all make them differ; a broker whose time index is missing or coarse (answers
//! that go backwards, or no answer) is reported as `Err` so that the caller reads instead.

use rdkafka::consumer::Consumer;
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
    Ok(Ok(out))
}

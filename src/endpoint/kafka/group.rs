//! The group source, for `--group NAME` only: joins the consumer group, starts where the group
//! left off (or at `beginning`/`end` when it has no committed offset), and commits what was
//! handled. Offsets are stored only for records that went through the pipeline (a record's
//! offset is stored when the next one is asked for), so a crash re-reads rather than skips: at
//! least once. Without `--group`, evops never uses this.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::Offset;

use super::{config_error, list_topics, resolve_topics, Connection, Ctx};
use crate::endpoint::{Poll, Source};
use rdkafka::config::FromClientConfigAndContext;

/// Reads topics as a member of a consumer group.
pub struct GroupSource {
    consumer: BaseConsumer<Ctx>,
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
}

impl GroupSource {
    pub fn open(
        conn: &Connection,
        group: &str,
        topics: &[String],
        from_beginning: bool,
        exit_at_end: bool,
    ) -> anyhow::Result<GroupSource> {
        let probe = conn.consumer()?;
        let all = list_topics(&probe, conn)?;
        drop(probe);
        let resolved = resolve_topics(topics, &all)?;
        let mut cfg = conn.client_config(super::CONSUMER_DEFAULTS);
        cfg.set("group.id", group)
            .set("enable.auto.commit", "true")
            .set("enable.auto.offset.store", "false")
            .set("enable.partition.eof", "true")
            .set("allow.auto.create.topics", "false")
            .set(
                "auto.offset.reset",
                if from_beginning { "earliest" } else { "latest" },
            );
        let consumer: BaseConsumer<Ctx> =
            BaseConsumer::from_config_and_context(&cfg, Ctx::new(conn.settings.verbose))
                .map_err(config_error)?;
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
        })
    }

    fn store_handed_out(&mut self) {
        if let Some((ti, p, o)) = self.handed_out.take() {
            // librdkafka stores offset + 1: the next record to read.
            let _ = self.consumer.store_offset(&self.topics[ti], p, o);
        }
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
        loop {
            let msg = match self.consumer.poll(timeout) {
                None => {
                    if self.exit_at_end && self.all_at_end() {
                        return Ok(Poll::End);
                    }
                    return Ok(Poll::Idle);
                }
                Some(Err(KafkaError::PartitionEOF(_))) => {
                    if self.exit_at_end && self.all_at_end() {
                        return Ok(Poll::End);
                    }
                    continue;
                }
                Some(Err(e)) => {
                    eprintln!("evops: warning: consumer group: {e}");
                    continue;
                }
                Some(Ok(m)) => m,
            };
            let Some(ti) = self.topics.iter().position(|t| &**t == msg.topic()) else {
                continue;
            };
            if self.exit_at_end {
                let key = (msg.topic().to_string(), msg.partition());
                if let Some(end) = self.ends.get(&key) {
                    if msg.offset() >= *end {
                        continue;
                    }
                }
            }
            let record =
                super::record_from(&msg, self.topics[ti].clone(), msg.partition(), msg.offset());
            self.handed_out = Some((ti, record.partition, record.offset));
            return Ok(Poll::Record(record));
        }
    }

    fn commit(&mut self) -> anyhow::Result<()> {
        self.store_handed_out();
        match self.consumer.commit_consumer_state(CommitMode::Sync) {
            // Nothing new to commit is not a failure.
            Ok(())
            | Err(KafkaError::ConsumerCommit(rdkafka::error::RDKafkaErrorCode::NoOffset)) => Ok(()),
            Err(e) => Err(anyhow::anyhow!("cannot commit the group's offsets: {e}")),
        }
    }
}

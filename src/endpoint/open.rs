//! Opening a read: the sources a command names (topics, capture files, stdin) with their
//! range, opened in order as one [`Chain`] (the cluster connection kept for a topic sink to
//! share); `--group` reads as a consumer group; `--key` reads only the key's partition, with
//! the partitioner named or inferred from the topic's latest records.

use super::file::{CaptureSource, Window};
use super::kafka::group::GroupSource;
use super::kafka::source::{KafkaSource, ReadPlan};
use super::kafka::{Connection, Settings};
use super::{Chain, Source, SourceSpec};
use crate::error::Error;
use crate::position::{Start, Stop};

/// Open the cluster connection when topics are read (files and stdin need none).
pub fn connect(
    kafka: Option<&crate::endpoint::kafka::Settings>,
    topics: &[String],
) -> anyhow::Result<Option<crate::endpoint::kafka::Connection>> {
    if topics.is_empty() {
        return Ok(None);
    }
    let settings = kafka.cloned().ok_or_else(|| {
        crate::error::Error::Usage(
            "no brokers given: use -b/--brokers, EVOPS_BROKERS or a --profile (try -b embedded for the demo cluster)".into(),
        )
    })?;
    Ok(Some(crate::endpoint::kafka::Connection::open(settings)?))
}

/// The topic names and patterns among the sources, in order.
pub fn topic_specs(sources: &[crate::endpoint::SourceSpec]) -> Vec<String> {
    sources
        .iter()
        .filter_map(|s| match s {
            crate::endpoint::SourceSpec::Topic(t) => Some(t.clone()),
            _ => None,
        })
        .collect()
}

/// What to read: the sources and the range, as every reading subcommand takes them.
#[derive(Clone)]
pub struct Read {
    pub sources: Vec<SourceSpec>,
    /// `None` when no brokers were configured (files and stdin need none).
    pub kafka: Option<Settings>,
    pub partitions: Option<Vec<i32>>,
    /// `None`: the subcommand's default for topics, the first line for files.
    pub from: Option<Start>,
    pub until: Option<Stop>,
    pub exit_at_end: bool,
    /// Read as a member of this consumer group, from its committed offsets, and commit.
    pub group: Option<String>,
    /// Read only the partition this partitioner puts this key on.
    pub key_route: Option<(Vec<u8>, &'static crate::partition::Partitioner)>,
    /// With `key_route`: infer the partitioner from the topic's latest records instead.
    pub infer_route: bool,
    /// Per-partition start and stop offsets that win over the range (a resumed replay).
    pub overrides: Option<crate::endpoint::kafka::source::Overrides>,
    /// With `group`: a replay's commit hooks.
    pub group_hooks: Option<std::sync::Arc<dyn crate::endpoint::kafka::group::GroupHooks>>,
    /// With `group_hooks`: commit offsets in this producer's transactions.
    pub group_txn: Option<crate::endpoint::kafka::sink::Txn>,
    pub now_ms: i64,
    /// Only keys and placements are looked at (a partition audit): topics' values are not
    /// even copied.
    pub keys_only: bool,
    /// No header is looked at (values printed raw, or only counted): topics' headers are not
    /// even parsed.
    pub no_headers: bool,
}

impl Read {
    /// Whether every source is a topic (their offsets say how many records there are).
    pub fn topics_only(&self) -> bool {
        self.sources
            .iter()
            .all(|s| matches!(s, SourceSpec::Topic(_)))
    }

    /// Whether topics are read together with capture files or stdin.
    pub fn mixes_topics_and_files(&self) -> bool {
        !self.topics_only()
            && self
                .sources
                .iter()
                .any(|s| matches!(s, SourceSpec::Topic(_)))
    }
}

/// The sources of a read, opened.
pub struct Opened {
    pub source: Chain,
    /// The cluster connection, when topics are read; a topic sink shares it.
    pub conn: Option<Connection>,
    /// Where each topic partition's read starts and stops.
    pub bounds: Vec<crate::endpoint::kafka::source::Bounds>,
    /// Each topic read (not as a group) and its partition count.
    pub partition_counts: Vec<(String, i32)>,
}

/// Open every source of a read, in order, as one. Also returns the cluster connection, which
/// a topic sink shares.
pub fn open_source(read: &Read, default_from: Start) -> anyhow::Result<Opened> {
    crate::position::check_range(read.from, read.until).map_err(Error::Usage)?;
    let topics = topic_specs(&read.sources);
    let conn = connect(read.kafka.as_ref(), &topics)?;
    if read.group.is_some()
        && read
            .sources
            .iter()
            .any(|s| !matches!(s, SourceSpec::Topic(_)))
    {
        return Err(Error::Usage(
            "--group reads topics as a consumer group: capture files and stdin have no group offsets to start from or commit".into(),
        )
        .into());
    }
    let window = |stdin: bool| {
        if stdin {
            Window::for_stdin(read.from, read.until)
        } else {
            Window::for_file(read.from, read.until)
        }
        .map(|w| w.with_partitions(read.partitions.clone()))
        .map_err(Error::Usage)
    };
    let mut sources: Vec<Box<dyn Source>> = Vec::new();
    let mut bounds = Vec::new();
    let mut partition_counts = Vec::new();
    let mut kafka_added = false;
    for spec in &read.sources {
        match spec {
            SourceSpec::Topic(_) if kafka_added => {}
            SourceSpec::Topic(_) => {
                let conn = conn.as_ref().expect("connection opened for topics");
                kafka_added = true;
                if let Some(group) = &read.group {
                    sources.push(open_group(conn, group, read, &topics, default_from)?);
                    continue;
                }
                let src = open_topics(conn, read, &topics, default_from)?;
                bounds = src.bounds();
                partition_counts = src.partition_counts();
                sources.push(Box::new(src));
            }
            SourceSpec::File(path) => {
                sources.push(Box::new(CaptureSource::open(path, window(false)?)?));
            }
            SourceSpec::Stdin => sources.push(Box::new(CaptureSource::stdin(window(true)?))),
        }
    }
    Ok(Opened {
        source: Chain::new(sources),
        conn,
        bounds,
        partition_counts,
    })
}

/// The topics read as a member of `group`, from its committed offsets.
fn open_group(
    conn: &Connection,
    group: &str,
    read: &Read,
    topics: &[String],
    default_from: Start,
) -> anyhow::Result<Box<dyn Source>> {
    let from_beginning = match read.from {
        None => default_from == Start::Beginning,
        Some(Start::End) => false,
        Some(Start::Beginning) => true,
        Some(_) => {
            return Err(Error::Usage(
                "with --group, --from is where to start when the group has no committed offset: beginning or end".into(),
            )
            .into())
        }
    };
    if read.until.is_some() || read.partitions.is_some() {
        return Err(Error::Usage(
            "--group reads what the group is assigned: it does not combine with --until or --partition (use -e to stop at the end)".into(),
        )
        .into());
    }
    Ok(Box::new(GroupSource::open_with(
        conn,
        group,
        topics,
        from_beginning,
        read.exit_at_end,
        read.group_hooks.clone(),
        read.group_txn.clone(),
    )?))
}

/// The topics read by partition, over the range (only the key's partition with `--key`).
fn open_topics(
    conn: &Connection,
    read: &Read,
    topics: &[String],
    default_from: Start,
) -> anyhow::Result<KafkaSource> {
    let notify = &conn.settings.notify;
    let mut key_route = read.key_route.clone();
    if read.infer_route && key_route.is_some() {
        let inferred = infer_partitioner(conn, topics, read.now_ms)?;
        notify.note(&match inferred {
            Some(p) => format!("evops: the latest records of {} were placed by {} ({})", topics.join(", "), p.name, p.clients),
            None => format!("evops: the latest records of {} show no single partitioner; reading every partition", topics.join(", ")),
        });
        key_route = inferred.and_then(|p| key_route.map(|(k, _)| (k, p)));
    }
    let plan = ReadPlan {
        topics: topics.to_vec(),
        partitions: read.partitions.clone(),
        start: read.from.unwrap_or(default_from),
        stop: read.until,
        exit_at_end: read.exit_at_end,
        now_ms: read.now_ms,
        key_route: key_route.clone(),
        overrides: read.overrides.clone(),
    };
    let src = KafkaSource::open(conn, &plan)?;
    if let Some((_, p)) = &key_route {
        notify.note(&format!(
            "evops: reading only {}, where the {} partitioner puts this key (--partitioner all reads every partition)",
            src.assigned().join(", "),
            p.name
        ));
    }
    let src = if read.no_headers {
        src.without_headers()
    } else {
        src
    };
    Ok(if read.keys_only { src.keys_only() } else { src })
}

/// How many of each partition's latest records `--partitioner auto` audits.
const INFER_SAMPLE: u64 = 2_000;

/// The partitioner that placed the latest keyed records of these topics, when one hash explains
/// at least 95% of them (`None`: several producers disagree, or there are no keyed records).
fn infer_partitioner(
    conn: &Connection,
    topics: &[String],
    now_ms: i64,
) -> anyhow::Result<Option<&'static crate::partition::Partitioner>> {
    let plan = ReadPlan {
        topics: topics.to_vec(),
        partitions: None,
        start: Start::Last(INFER_SAMPLE),
        stop: None,
        exit_at_end: true,
        now_ms,
        key_route: None,
        overrides: None,
    };
    let mut src = KafkaSource::open(conn, &plan)?;
    let counts: std::collections::HashMap<String, i32> =
        src.partition_counts().into_iter().collect();
    let mut auditor = crate::partition::audit::Auditor::new(None, 1_000_000);
    loop {
        match src.poll(std::time::Duration::from_millis(100))? {
            crate::endpoint::Poll::End => break,
            crate::endpoint::Poll::Record(r) => {
                let n = counts.get(&*r.topic).copied().unwrap_or(1);
                auditor.add(
                    &r.topic,
                    n,
                    r.key.as_deref(),
                    crate::partition::audit::Seen {
                        partition: r.partition,
                        offset: r.offset,
                        timestamp: r.timestamp.millis(),
                    },
                );
                src.recycle(r);
            }
            _ => {}
        }
    }
    let inferred = auditor.inferred();
    Ok(match inferred.first() {
        Some((h, c)) if auditor.keyed > 0 && *c as f64 >= 0.95 * auditor.keyed as f64 => {
            crate::partition::PARTITIONERS.iter().find(|p| p.hash == *h)
        }
        _ => None,
    })
}

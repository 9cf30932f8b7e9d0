//! The embedded cluster: librdkafka's in-process mock cluster, seeded with the demo data set, so
//! that `--brokers embedded` and `evops demo` work on a machine with no Kafka at all. It listens
//! on 127.0.0.1 only and lives as long as the [`Embedded`] value. It has no offsets-for-times
//! and no group listing; the source falls back to exact client-side time filtering.

use rdkafka::mocking::MockCluster;
use rdkafka::producer::DefaultProducerContext;

use super::sink::{ProducerSink, Target};
use super::{Connection, Settings};
use crate::demo;
use crate::endpoint::Sink;
use crate::print::report::Report;
use crate::record::Record;

/// The seed of the embedded data set: the same events on every machine (times follow the clock).
pub const DEMO_SEED: u64 = 42;

/// A running mock cluster.
pub struct Embedded {
    /// Kept for its lifetime: dropping it stops the brokers.
    _cluster: MockCluster<'static, DefaultProducerContext>,
    bootstrap: String,
    /// Records seeded at start.
    pub seeded: usize,
}

impl Embedded {
    /// Start the cluster, create the demo topics and write the seeded history.
    pub fn start(settings: &Settings) -> anyhow::Result<Embedded> {
        let cluster = MockCluster::new(1)
            .map_err(|e| anyhow::anyhow!("cannot start the embedded cluster: {e}"))?;
        for t in demo::TOPICS {
            cluster
                .create_topic(t.name, t.partitions, 1)
                .map_err(|e| anyhow::anyhow!("cannot create demo topic {}: {e}", t.name))?;
        }
        let bootstrap = cluster.bootstrap_servers();
        let emb = Embedded {
            _cluster: cluster,
            bootstrap,
            seeded: 0,
        };
        let records = demo::seed_records(crate::position::now_millis(), DEMO_SEED);
        let seeded = records.len();
        emb.produce(settings, &records)?;
        Ok(Embedded { seeded, ..emb })
    }

    /// The bootstrap address (127.0.0.1:port).
    pub fn bootstrap(&self) -> &str {
        &self.bootstrap
    }

    /// Write records to their own topic and partition.
    pub fn produce(&self, settings: &Settings, records: &[Record]) -> anyhow::Result<()> {
        let conn = Connection {
            settings: Settings {
                brokers: self.bootstrap.clone(),
                properties: Vec::new(),
                timeout: settings.timeout,
                verbose: settings.verbose,
                notify: settings.notify.clone(),
            },
            embedded: None,
            meta: std::sync::OnceLock::default(),
        };
        let mut sink = ProducerSink::open(&conn, Target::AS_RECORDED)?;
        let mut report = Report::new(true);
        for r in records {
            sink.write(r, &mut report)?;
        }
        sink.finish(&mut report)?;
        if report.bad > 0 {
            anyhow::bail!(
                "{} demo records were not delivered to the embedded cluster",
                report.bad
            );
        }
        Ok(())
    }
}

//! Brokers that go away while a read waits on them: a line on stderr a few seconds into an
//! outage, and one when the cluster answers again. librdkafka reconnects by itself and says
//! nothing a user sees (its errors are logged only with `-v`), so a live `tail -F` would
//! otherwise sit silent for as long as the outage lasts.

use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};

use super::Ctx;

/// How long every broker must have been down before a read says so: a rolling restart of
/// one broker, or a dropped idle connection, passes quicker than that.
pub const GRACE: Duration = Duration::from_secs(3);

/// How often to ask whether the cluster is back, once an outage has been reported.
const PROBE_EVERY: Duration = Duration::from_secs(1);

/// Whether an outage has been reported, and since when.
#[derive(Debug, Default)]
pub struct Watch {
    /// When the outage began (as librdkafka told), once it was reported.
    reported: Option<Instant>,
    last_probe: Option<Instant>,
}

impl Watch {
    /// Called while nothing arrives: the line to print, if any.
    pub fn idle(&mut self, consumer: &BaseConsumer<Ctx>, brokers: &str) -> Option<String> {
        let ctx = consumer.context();
        let (since, reason) = ctx.down_since()?;
        if self.last_probe.is_some_and(|t| t.elapsed() < PROBE_EVERY) || since.elapsed() < GRACE {
            return None;
        }
        self.last_probe = Some(Instant::now());
        // A metadata request answers whether a broker is up, whatever librdkafka's state.
        if consumer
            .fetch_metadata(None, Duration::from_millis(500))
            .is_ok()
        {
            ctx.take_down();
            return self.back(since, brokers);
        }
        if self.reported.is_some() {
            return None;
        }
        self.reported = Some(since);
        Some(format!(
            "Kafka at {brokers} went away {}s ago ({}); still trying, reading goes on when it is back",
            since.elapsed().as_secs(),
            short(&reason)
        ))
    }

    /// Called when a record arrived: the line to print if an outage had been reported.
    pub fn record(&mut self, consumer: &BaseConsumer<Ctx>, brokers: &str) -> Option<String> {
        let since = self.reported?;
        consumer.context().take_down();
        self.back(since, brokers)
    }

    fn back(&mut self, since: Instant, brokers: &str) -> Option<String> {
        self.last_probe = None;
        self.reported.take()?;
        Some(format!(
            "Kafka at {brokers} is back after {}s; reading goes on",
            since.elapsed().as_secs()
        ))
    }

    /// Whether an outage is being reported (records arriving should say it is over).
    pub fn reported(&self) -> bool {
        self.reported.is_some()
    }
}

/// librdkafka's reason without its "(after 12ms in state UP)" tail.
pub(super) fn short(reason: &str) -> &str {
    let r = reason.split(" (after ").next().unwrap_or(reason).trim();
    if r.is_empty() {
        "every broker is down"
    } else {
        r
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn reasons_lose_their_state_tail() {
        assert_eq!(
            super::short("127.0.0.1:9/1: Connect to ipv4#127.0.0.1:9 failed: Connection refused (after 0ms in state CONNECT)"),
            "127.0.0.1:9/1: Connect to ipv4#127.0.0.1:9 failed: Connection refused"
        );
        assert_eq!(super::short(""), "every broker is down");
    }
}

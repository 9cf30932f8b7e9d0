//! The errors that callers branch on. Everything else travels as `anyhow::Error` with context
//! and is reported once, at the edge (`lib.rs`), as `evops: <message>` with exit code 2.

use std::time::Duration;

/// Errors with a meaning beyond their message.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A value given on the command line or in the config file is not acceptable.
    #[error("{0}")]
    Usage(String),
    /// A topic named on the command line does not exist.
    #[error("topic '{topic}' does not exist{}", suggest(.suggestions))]
    UnknownTopic {
        topic: String,
        suggestions: Vec<String>,
    },
    /// No broker answered within the timeout.
    #[error("cannot reach Kafka at {brokers} within {}: {reason}", humantime::format_duration(*.timeout))]
    Unreachable {
        brokers: String,
        timeout: Duration,
        reason: String,
    },
    /// The cluster answers but refuses this client, or this client cannot talk to it
    /// (authentication, TLS, a protocol mismatch, authorization): the message names the cause
    /// and the setting that fixes it.
    #[error("{0}")]
    Access(String),
    /// The user answered no when asked before a big write: nothing was written.
    #[error("nothing written (the answer was no)")]
    Declined,
    /// The user pressed Ctrl-C: not a failure of evops, but the run is incomplete.
    #[error("interrupted")]
    Interrupted,
}

fn suggest(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [one] => format!(" (did you mean '{one}'?)"),
        many => format!(
            " (did you mean one of: {}?)",
            many.iter()
                .map(|n| format!("'{n}'"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Names close to `wanted`, best first: what "did you mean" offers.
pub fn close_names<'a>(wanted: &str, names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut scored: Vec<(f64, &str)> = names
        .into_iter()
        .map(|n| (strsim::jaro_winkler(wanted, n), n))
        .filter(|(score, n)| *score >= 0.8 || n.contains(wanted) || wanted.contains(n))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    scored
        .into_iter()
        .take(3)
        .map(|(_, n)| n.to_string())
        .collect()
}

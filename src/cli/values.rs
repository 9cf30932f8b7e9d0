//! Value parsers for clap: each turns one argument into a plain value or an error that shows
//! the accepted forms (clap then exits 2 naming the argument).

use std::time::Duration;

use crate::codec::Encoding;
use crate::position::{self, Start, Stop};
use crate::print::OutputFormat;

pub fn start(s: &str) -> Result<Start, String> {
    position::parse_start(s, position::now_millis())
}

pub fn stop(s: &str) -> Result<Stop, String> {
    position::parse_stop(s, position::now_millis())
}

/// A parsed value with the text it was typed as: a replay is named after what the user typed
/// (`--since 3h`), not after the time that text meant when it was parsed, so that the same
/// command run again is the same replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Given<T> {
    pub value: T,
    pub text: String,
}

pub fn start_given(s: &str) -> Result<Given<Start>, String> {
    start(s).map(|value| Given {
        value,
        text: s.trim().to_string(),
    })
}

pub fn stop_given(s: &str) -> Result<Given<Stop>, String> {
    stop(s).map(|value| Given {
        value,
        text: s.trim().to_string(),
    })
}

/// `-b`: `embedded`, or bootstrap servers `host:port,...` (each named, each port a number).
pub fn brokers(s: &str) -> Result<String, String> {
    let s = s.trim();
    if s.is_empty() {
        return Err("no brokers: write host:port (several: h1:9092,h2:9092), or 'embedded' for the demo cluster".into());
    }
    for b in s.split(',') {
        let b = b.trim();
        let (scheme, hostport) = b
            .rsplit_once("://")
            .map_or((None, b), |(s, r)| (Some(s), r));
        // The schemes librdkafka takes in bootstrap.servers; any other (tcp://, kafka://)
        // made it wait the whole timeout and then say "No brokers configured".
        if let Some(scheme) =
            scheme.filter(|s| !LISTENER_SCHEMES.contains(&s.to_ascii_uppercase().as_str()))
        {
            return Err(format!(
                "'{b}': librdkafka does not know the scheme '{scheme}://'; write host:port (or {})",
                LISTENER_SCHEMES
                    .map(|s| format!("{s}://host:port"))
                    .join(", ")
            ));
        }
        if hostport.contains(char::is_whitespace) {
            return Err(format!(
                "'{s}': separate brokers with commas, e.g. kafka-1:9092,kafka-2:9092"
            ));
        }
        let bad = hostport.rsplit_once(':').is_some_and(|(host, port)| {
            !host.ends_with(']')
                && !host.contains(':')
                && (host.is_empty() || port.parse::<u16>().is_err())
        });
        if hostport.is_empty() || bad {
            return Err(format!(
                "'{b}' is not a broker address; write host:port, e.g. kafka-1:9092"
            ));
        }
    }
    Ok(s.to_string())
}

/// The listener names librdkafka takes as a scheme in a broker address.
const LISTENER_SCHEMES: [&str; 4] = ["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"];

/// A partition number (`-p 2`, `-p 0,1`).
pub fn partition(s: &str) -> Result<i32, String> {
    s.trim()
        .parse::<i32>()
        .ok()
        .filter(|p| *p >= 0)
        .ok_or_else(|| {
            format!(
                "'{s}' is not a partition number; write 0, 1, ... (several: -p 0,2 or -p 0 -p 2)"
            )
        })
}

/// `--timeout`: a duration longer than zero (zero would give up before asking).
pub fn timeout(s: &str) -> Result<Duration, String> {
    match duration(s)? {
        d if d.is_zero() => Err(format!(
            "'{s}': the timeout must be longer than 0, e.g. 10s"
        )),
        d if d > Duration::from_secs(86_400) => Err(format!(
            "'{s}': the timeout is at most 1d (it bounds each wait for the cluster)"
        )),
        d => Ok(d),
    }
}

pub fn duration(s: &str) -> Result<Duration, String> {
    position::parse_duration(s).ok_or_else(|| {
        format!("'{s}' is not a duration; write it with a unit: 500ms, 10s, 15m, 3h")
    })
}

pub fn property(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.to_string())),
        _ => Err(
            "expected KEY=VALUE, a librdkafka property such as security.protocol=SASL_SSL".into(),
        ),
    }
}

pub fn codec_format(s: &str) -> Result<Encoding, String> {
    Encoding::parse(s).ok_or_else(|| {
        format!(
            "'{s}' is not a format; accepted: {}",
            Encoding::NAMES.join(", ")
        )
    })
}

/// A key format: [`codec_format`], with a Protobuf key read as a key (its own message type).
pub fn key_codec_format(s: &str) -> Result<Encoding, String> {
    codec_format(s).map(Encoding::for_keys)
}

pub fn style(s: &str) -> Result<OutputFormat, String> {
    OutputFormat::parse(s)
}

pub fn rate(s: &str) -> Result<f64, String> {
    let n = s.strip_suffix("/s").unwrap_or(s);
    n.parse::<f64>()
        .ok()
        .filter(|r| r.is_finite() && *r >= 0.0)
        .ok_or_else(|| format!("'{s}' is not a rate; write events per second, e.g. 2 or 0.5/s"))
}

pub fn partitioner(s: &str) -> Result<&'static crate::partition::Partitioner, String> {
    crate::partition::by_name(s)
}

/// How `--key` finds its partition: by a partitioner, or in `all` partitions.
#[derive(Debug, Clone, Copy)]
pub struct Route {
    /// `None`: `all`, every partition is read.
    pub partitioner: Option<&'static crate::partition::Partitioner>,
    /// `auto`: infer the partitioner from the topic's latest records (`partitioner` stands
    /// in where one is needed before that).
    pub auto: bool,
}

/// A partitioner name, `all` (no routing) or `auto` (what an audit of the topic infers; `java`
/// stands in where something needs a partitioner before that).
pub fn partitioner_or_all(s: &str) -> Result<Route, String> {
    if s.eq_ignore_ascii_case("all") {
        return Ok(Route {
            partitioner: None,
            auto: false,
        });
    }
    if s.eq_ignore_ascii_case("auto") {
        return crate::partition::by_name("java").map(|p| Route {
            partitioner: Some(p),
            auto: true,
        });
    }
    crate::partition::by_name(s).map(|p| Route {
        partitioner: Some(p),
        auto: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broker_addresses_librdkafka_would_not_take_are_refused_at_once() {
        for good in [
            "k:9092",
            "k1:9092, k2:9092",
            "[::1]:9092",
            "SSL://k:9093",
            "sasl_ssl://k:9093",
            "embedded",
        ] {
            assert!(brokers(good).is_ok(), "{good}");
        }
        for (bad, why) in [
            ("tcp://k:9092", "scheme 'tcp://'"),
            (":9092", "not a broker address"),
            ("k:abc", "not a broker address"),
            ("k1:9092 k2:9092", "separate brokers with commas"),
            ("", "no brokers"),
        ] {
            let e = brokers(bad).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }
}

//! `evops partition audit`: read keyed records from topics or capture files and report keys on
//! more than one partition, how much of the data each partitioner explains, the inferred
//! producer partitioner(s), records on the wrong partition for `--expect`, and records that fit
//! a smaller partition count. Exit 1 when a split key or an `--expect` mismatch is found.

use std::collections::HashMap;
use std::io::Write;

use serde_json::{json, Value};

use crate::codec;
use crate::endpoint::Source;
use crate::exit::Exit;
use crate::partition::audit::{hash_label, hash_users, Auditor, Seen};
use crate::partition::Partitioner;
use crate::position::{format_millis, Start};
use crate::print::table;
use crate::stage::audit::Audit;

use super::{Read, Terminal};

/// `partition audit` options.
#[derive(Clone)]
pub struct Config {
    /// The sources and range, keys only, without a group.
    pub read: Read,
    /// `--max`: audit at most this many records.
    pub max: Option<u64>,
    /// How keys are shown (`--key-format`); `None`: as the capture format writes bytes.
    pub keys: Option<codec::Codecs>,
    pub expect: Option<&'static Partitioner>,
    /// The partition count of capture-file topics (the file does not say; `cli/` requires it,
    /// at least 1, when files are read, and checks the range).
    pub partitions: Option<i32>,
    pub max_keys: usize,
    pub json: bool,
    pub quiet: bool,
    pub terminal: Terminal,
}

pub fn run(cfg: Config) -> anyhow::Result<Exit> {
    let opened = super::open_source(&cfg.read, Start::Beginning)?;
    let (mut source, _conn) = (opened.source, opened.conn);
    let counts: HashMap<String, i32> = opened.partition_counts.into_iter().collect();
    let (mut report, bar) = super::report(source.progress().is_some(), cfg.terminal, cfg.quiet);
    let auditor = Auditor::new(cfg.expect, cfg.max_keys);
    let mut audit = Audit::new(auditor, counts, cfg.partitions);
    let ended = super::look(&mut source, &mut audit, &mut report, cfg.max, bar.as_ref())?;
    let a = &audit.auditor;
    let mut out = std::io::stdout().lock();
    let findings = Findings {
        auditor: a,
        counts: &audit.counts,
        expect: cfg.expect,
        keys: Keys(cfg.keys.as_ref()),
    };
    if cfg.json {
        serde_json::to_writer(&mut out, &findings.json())?;
        out.write_all(b"\n")?;
    } else {
        write!(out, "{}", findings.text())?;
    }
    out.flush()?;
    drop(out);
    let exit = super::conclude("partition audit", ended, &report, cfg.terminal);
    Ok(if exit == Exit::Ok && a.found_problems() {
        Exit::Findings
    } else {
        exit
    })
}

fn pct(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

fn placement_text(p: &Seen) -> String {
    match p.timestamp {
        Some(ts) => format!("{}@{} ({})", p.partition, p.offset, format_millis(ts)),
        None => format!("{}@{}", p.partition, p.offset),
    }
}

/// How the report shows keys: decoded in `--key-format` (a key that does not decode so is shown
/// as `auto` shows it), or as the capture format writes bytes.
#[derive(Clone, Copy)]
struct Keys<'a>(Option<&'a codec::Codecs>);

impl Keys<'_> {
    fn value(self, k: &[u8]) -> Value {
        match self.0 {
            Some(codecs) => codecs.key(Some(k)).0.value,
            None => codec::bytes_value(k),
        }
    }

    fn text(self, k: &[u8]) -> String {
        match self.value(k) {
            Value::String(s) => crate::print::escape::for_terminal(&s).into_owned(),
            other => other.to_string(),
        }
    }
}

/// What the audit found, with what the report needs to show it.
#[derive(Clone, Copy)]
struct Findings<'a> {
    auditor: &'a Auditor,
    /// The partition count of each topic read.
    counts: &'a HashMap<String, i32>,
    expect: Option<&'a Partitioner>,
    keys: Keys<'a>,
}

impl Findings<'_> {
    fn text(self) -> String {
        let a = self.auditor;
        let mut s = String::new();
        let mut topics: Vec<_> = self
            .counts
            .iter()
            .map(|(t, n)| format!("{t} ({n} partitions)"))
            .collect();
        topics.sort();
        s.push_str(&format!(
            "{}: {} records, {} keyed, {} with a null key, {} distinct keys{}\n",
            if topics.is_empty() {
                "capture".to_string()
            } else {
                topics.join(", ")
            },
            a.records,
            a.keyed,
            a.null_keys,
            a.distinct_keys(),
            if a.untracked > 0 {
                format!(
                    " ({} records of keys beyond --max-keys not tracked for splits)",
                    a.untracked
                )
            } else {
                String::new()
            }
        ));
        s.push_str(&format!(
            "\nkeys on more than one partition: {}\n",
            a.split_keys
        ));
        for sp in &a.splits {
            let places: Vec<String> = sp.placements.iter().map(placement_text).collect();
            s.push_str(&format!(
                "  {}/{}: {}\n",
                sp.topic,
                self.keys.text(&sp.key),
                places.join(", ")
            ));
        }
        let rows: Vec<Vec<String>> = a
            .explained()
            .into_iter()
            .map(|(h, c)| {
                vec![
                    hash_label(h).to_string(),
                    format!("{:.1}%", pct(c, a.keyed)),
                    hash_users(h).join(", "),
                ]
            })
            .collect();
        s.push_str(&format!(
            "\nshare of keyed records each partitioner explains:\n{}\n",
            table::render(&["hash", "explains", "partitioners"], &rows, Some(70))
        ));
        if a.unexplained() > 0 {
            s.push_str(&format!("{} keyed records ({:.1}%) fit no known partitioner (custom partitioner, or explicit partitions)\n", a.unexplained(), pct(a.unexplained(), a.keyed)));
        }
        let inferred = a.inferred();
        let parts: Vec<String> = inferred
            .iter()
            .map(|(h, c)| format!("{:.0}% {}", pct(*c, a.keyed), hash_label(*h)))
            .collect();
        s.push_str(&format!(
            "\ninferred producer partitioner{}: {}{}\n",
            if inferred.len() == 1 { "" } else { "s" },
            if parts.is_empty() {
                "none".to_string()
            } else {
                parts.join(", ")
            },
            if inferred.len() > 1 {
                ": producers disagree"
            } else {
                ""
            }
        ));
        if a.grown > 0 {
            let mut gc: Vec<_> = a.grown_counts.iter().collect();
            gc.sort();
            let fits: Vec<String> = gc
                .iter()
                .map(|(m, c)| format!("{c} fit {m} partitions"))
                .collect();
            s.push_str(&format!(
                "records that fit a smaller partition count (the topic was grown?): {} ({})\n",
                a.grown,
                fits.join(", ")
            ));
        }
        if let Some(p) = self.expect {
            s.push_str(&format!(
                "\non the wrong partition for --expect {}: {}\n",
                p.name, a.mismatches
            ));
            for m in &a.mismatch_examples {
                s.push_str(&format!(
                    "  {}/{}: at {}, expected {}\n",
                    m.topic,
                    self.keys.text(&m.key),
                    placement_text(&m.at),
                    m.expected
                ));
            }
        }
        s
    }

    fn json(self) -> Value {
        let a = self.auditor;
        let place = |p: &Seen| json!({"partition": p.partition, "offset": p.offset, "timestamp": p.timestamp});
        let share =
            |(h, c)| json!({"hash": hash_label(h), "partitioners": hash_users(h), "records": c});
        json!({
            "topics": self.counts,
            "records": a.records,
            "keyed": a.keyed,
            "null_keys": a.null_keys,
            "distinct_keys": a.distinct_keys(),
            "untracked": a.untracked,
            "split_keys": a.split_keys,
            "split_examples": a.splits.iter().map(|s| json!({"topic": s.topic, "key": self.keys.value(&s.key), "placements": s.placements.iter().map(place).collect::<Vec<_>>()})).collect::<Vec<_>>(),
            "explained": a.explained().into_iter().map(share).collect::<Vec<_>>(),
            "unexplained": a.unexplained(),
            "inferred": a.inferred().into_iter().map(share).collect::<Vec<_>>(),
            "grown": a.grown,
            "expect": self.expect.map(|p| json!({
                "partitioner": p.name,
                "mismatches": a.mismatches,
                "examples": a.mismatch_examples.iter().map(|m| json!({"topic": m.topic, "key": self.keys.value(&m.key), "at": place(&m.at), "expected": m.expected})).collect::<Vec<_>>(),
            })),
        })
    }
}

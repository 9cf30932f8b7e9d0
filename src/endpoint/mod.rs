//! Endpoints: where records live. A topic, a capture file or stdin opens as a [`Source`]
//! ([`open::open_source`]); stdout (through a printer), a capture file or a topic opens as a
//! [`Sink`] ([`write::open_sink`], behind the write [`guard`]s). Subcommands wire a source to a
//! sink through stages; they never care which endpoint is behind either trait. Endpoints tell
//! people nothing themselves: a sink counts bad records through a [`Tally`], and an endpoint
//! reports what happens while it works through a [`Notify`]. The schema [`registry`] client
//! lives here too: it is I/O.

pub mod file;
pub mod guard;
pub mod kafka;
pub mod open;
pub mod registry;
pub mod write;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::record::Record;

/// What a sink tells the run about single records: one it could not handle as asked (a
/// counted warning naming the record; the run's report says it, or only counts it with `-q`),
/// and records the loop counted as written that were not (refused, undelivered, declined).
pub trait Tally {
    fn bad(&mut self, location: &str, reason: &str);
    /// `n` bad records past the first [`SHOWN_WARNINGS`] a sink names: counted as [`Tally::bad`]
    /// counts them, without holding their names (a sink reporting its failures at the end).
    ///
    /// [`SHOWN_WARNINGS`]: crate::print::report::SHOWN_WARNINGS
    fn bad_unnamed(&mut self, n: u64);
    fn not_written(&mut self, n: u64);
}

/// How loud a notice is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Shown with `-v` only (librdkafka's logs, why a shortcut was not taken).
    Detail,
    /// What people should know about the read (a partitioner inferred, the partitions read).
    Note,
    /// Something went wrong and the read goes on (a broker went away, a consumer error).
    Warning,
}

/// Where an endpoint reports what people should know while it works: it says what happened,
/// the command's voice ([`crate::print::voice`]) decides whether and how it is shown (`-q`
/// silences all but errors, which are returned, not noticed). The default says nothing.
#[derive(Clone, Default)]
pub struct Notify(Option<Arc<Heard>>);

/// What hears an endpoint's notices.
type Heard = dyn Fn(Level, &str) + Send + Sync;

impl Notify {
    pub fn new(f: impl Fn(Level, &str) + Send + Sync + 'static) -> Notify {
        Notify(Some(Arc::new(f)))
    }

    pub fn notice(&self, level: Level, line: &str) {
        if let Some(f) = &self.0 {
            f(level, line);
        }
    }

    pub fn detail(&self, line: &str) {
        self.notice(Level::Detail, line);
    }

    pub fn note(&self, line: &str) {
        self.notice(Level::Note, line);
    }

    pub fn warn(&self, line: &str) {
        self.notice(Level::Warning, line);
    }
}

impl std::fmt::Debug for Notify {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_some() {
            "Notify"
        } else {
            "Notify(none)"
        })
    }
}

/// What a source hands out on each poll.
#[derive(Debug)]
pub enum Poll {
    /// The next record.
    Record(Record),
    /// Input that is not a record (a malformed capture line): counted and reported, and the
    /// stream goes on.
    Bad { location: String, reason: String },
    /// Nothing arrived within the poll timeout; poll again (gives callers a chance to notice
    /// Ctrl-C and time limits).
    Idle,
    /// The source is exhausted (end of file, or every partition reached its stop offset).
    End,
}

/// How far a bounded read has come, in records (or bytes for files).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
}

/// Something records come from.
pub trait Source {
    /// The next item, waiting at most `timeout`.
    fn poll(&mut self, timeout: Duration) -> anyhow::Result<Poll>;
    /// Progress of a bounded read; `None` when the read is unbounded (a live tail).
    fn progress(&self) -> Option<Progress> {
        None
    }
    /// Records the source read but dropped itself, because they were outside the asked range
    /// (exact time seeks drop what a coarse broker answer let through).
    fn skipped(&self) -> u64 {
        0
    }
    /// Hand a record back once it has been handled, so that its buffers can carry the next one
    /// (the hot read loop then allocates nothing per record).
    fn recycle(&mut self, record: Record) {
        drop(record);
    }
    /// For a time-ordered merge: push onto `out` the partitions that may still hand out records
    /// that are on their way (not finished, not caught up with the end of their log), and say
    /// `true`; say `false` when the source cannot tell (files, groups), so that a merge waits
    /// for the end, for the source to go idle, or for its buffer limit.
    fn behind(&self, out: &mut Vec<(Arc<str>, i32)>) -> bool {
        let _ = out;
        false
    }
    /// Everything handed out so far has been handled: a consumer-group source commits it.
    /// Every other source has nothing to do.
    fn commit(&mut self) -> anyhow::Result<()> {
        Ok(())
    }
}

/// Something records go to.
pub trait Sink {
    /// Write one record. Problems with this record alone (it cannot be decoded as asked) go to
    /// `report`; an `Err` means the sink itself failed (disk full, broken pipe, broker gone).
    fn write(&mut self, record: &Record, report: &mut dyn Tally) -> anyhow::Result<()>;
    /// The source has nothing right now: push out what is buffered, so that a live tail into a
    /// pipe shows records as they come rather than a buffer at a time.
    fn idle(&mut self) -> anyhow::Result<()> {
        Ok(())
    }
    /// Flush what is buffered and wait for outstanding deliveries.
    fn finish(&mut self, report: &mut dyn Tally) -> anyhow::Result<()>;
    /// A way to flush what is buffered from another thread, for a run that must end while it
    /// is stuck (see [`crate::interrupt::Watch`]); `None` when there is none.
    fn rescue(&self) -> Option<crate::interrupt::Rescue> {
        None
    }
}

/// A sink that keeps nothing: for a subcommand whose stages are the point (the partition
/// audit), so that the loop still counts what went through and stops at `--max`.
pub struct Discard;

impl Sink for Discard {
    fn write(&mut self, _record: &Record, _report: &mut dyn Tally) -> anyhow::Result<()> {
        Ok(())
    }
    fn finish(&mut self, _report: &mut dyn Tally) -> anyhow::Result<()> {
        Ok(())
    }
}

/// The forms sources and sinks share: `-` is the standard stream (`std`), `file:NAME` a capture
/// file whatever NAME looks like; any other name is read by the endpoint's own rules (`rest`).
fn parse_name<T>(s: &str, std: T, file: fn(PathBuf) -> T, rest: impl FnOnce(&str) -> T) -> T {
    if s == "-" {
        std
    } else if let Some(path) = s.strip_prefix("file:") {
        file(path.into())
    } else {
        rest(s)
    }
}

/// A source named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceSpec {
    /// A topic name, or a regex when it starts with `^` (as librdkafka subscriptions do).
    Topic(String),
    /// A capture file.
    File(PathBuf),
    /// Capture lines on standard input (`-`).
    Stdin,
}

impl SourceSpec {
    /// The one grammar of sources, the same for every subcommand that reads records: `-` is
    /// stdin; `file:NAME` a capture file and `topic:NAME` a topic, whatever NAME looks like;
    /// a leading `^` makes a topic regex; anything with a `/` (topic names cannot have one) or
    /// naming an existing file is a capture file; everything else is a topic.
    pub fn parse(s: &str) -> SourceSpec {
        parse_name(s, SourceSpec::Stdin, SourceSpec::File, |s| {
            if let Some(topic) = s.strip_prefix("topic:") {
                return SourceSpec::Topic(topic.to_string());
            }
            if s.starts_with('^') {
                return SourceSpec::Topic(s.to_string());
            }
            if s.contains('/') || std::path::Path::new(s).is_file() {
                SourceSpec::File(s.into())
            } else {
                SourceSpec::Topic(s.to_string())
            }
        })
    }

    /// Whether `s` is written in one of the forms that can only be a source (`-`, `file:`,
    /// `topic:`, `^`, or a path starting `/`, `./`, `../` or `~/`), whatever else it holds.
    pub fn is_explicit(s: &str) -> bool {
        s == "-"
            || ["file:", "topic:", "^", "/", "./", "../", "~/"]
                .iter()
                .any(|p| s.starts_with(p))
    }
}

/// Reads sources one after another, in the order given.
pub struct Chain {
    sources: Vec<Box<dyn Source>>,
    current: usize,
    skipped_before: u64,
}

impl Chain {
    pub fn new(sources: Vec<Box<dyn Source>>) -> Chain {
        Chain {
            sources,
            current: 0,
            skipped_before: 0,
        }
    }
}

impl Source for Chain {
    fn poll(&mut self, timeout: Duration) -> anyhow::Result<Poll> {
        while let Some(source) = self.sources.get_mut(self.current) {
            match source.poll(timeout)? {
                Poll::End => {
                    self.skipped_before += source.skipped();
                    self.current += 1;
                }
                other => return Ok(other),
            }
        }
        Ok(Poll::End)
    }

    fn progress(&self) -> Option<Progress> {
        // Only meaningful when every source is bounded.
        let mut total = Progress { done: 0, total: 0 };
        for s in &self.sources {
            let p = s.progress()?;
            total.done += p.done;
            total.total += p.total;
        }
        Some(total)
    }

    fn skipped(&self) -> u64 {
        self.skipped_before + self.sources.get(self.current).map_or(0, |s| s.skipped())
    }

    fn behind(&self, out: &mut Vec<(Arc<str>, i32)>) -> bool {
        // Sources not started yet have everything still to come: only the last one can tell.
        self.current + 1 >= self.sources.len()
            && self
                .sources
                .get(self.current)
                .is_some_and(|s| s.behind(out))
    }

    fn commit(&mut self) -> anyhow::Result<()> {
        self.sources.iter_mut().try_for_each(|s| s.commit())
    }

    fn recycle(&mut self, record: Record) {
        if let Some(s) = self.sources.get_mut(self.current) {
            s.recycle(record);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::write::SinkSpec;
    use super::*;

    #[test]
    fn source_and_sink_specs() {
        let topic = |t: &str| SourceSpec::Topic(t.into());
        let file = |f: &str| SourceSpec::File(f.into());
        let to_topic = |t: &str| SinkSpec::Topic(t.into());
        let to_file = |f: &str| SinkSpec::File(f.into());
        // Each name, read as a source and as a sink.
        for (arg, source, sink) in [
            ("-", SourceSpec::Stdin, SinkSpec::Stdout),
            ("articles", topic("articles"), to_topic("articles")),
            ("^art.*", topic("^art.*"), to_topic("^art.*")),
            ("./a.ndjson", file("./a.ndjson"), to_file("./a.ndjson")),
            ("file:x", file("x"), to_file("x")),
            ("file:-", file("-"), to_file("-")),
            (
                "missing.ndjson",
                topic("missing.ndjson"),
                to_file("missing.ndjson"),
            ),
            (
                "missing.jsonl",
                topic("missing.jsonl"),
                to_file("missing.jsonl"),
            ),
            // Only sources take `topic:`; a sink named so is refused as a topic name later.
            ("topic:true", topic("true"), to_topic("topic:true")),
            ("topic:a/b", topic("a/b"), to_file("topic:a/b")),
        ] {
            assert_eq!(SourceSpec::parse(arg), source, "{arg}");
            assert_eq!(SinkSpec::parse(arg), sink, "{arg}");
        }
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("plain");
        std::fs::write(&f, "").unwrap();
        assert_eq!(
            SourceSpec::parse(f.to_str().unwrap()),
            SourceSpec::File(f.clone())
        );
    }
}

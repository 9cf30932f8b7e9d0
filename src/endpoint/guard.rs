//! The one safe write path: every command that writes records (replay, rekey, and filter or
//! sample with `--to`) goes through these guards before and while it writes.
//!
//! - **No write into a source**: a capture file that is also read (the same inode, whatever
//!   the path says, stdin redirected from it included) is refused outright, since opening it
//!   for writing would empty it first; a topic that is also read is refused unless
//!   `--allow-loop`, and even then not while following (it would feed itself without end).
//! - **A question before big writes**: from a terminal, past [`ASK_ABOVE`] records, the user
//!   is asked first ([`Held`] holds the first records until the answer, so that a "no" writes
//!   nothing); `-y` skips the question. The answer is read from the terminal, not stdin,
//!   which may be the records themselves.

use std::path::Path;

use crate::endpoint::{Sink, SourceSpec, Tally};
use crate::error::Error;
use crate::record::Record;

/// Above this many records, a write from a terminal asks first (unless `-y`).
pub const ASK_ABOVE: u64 = 10_000;

/// [`Held`] asks earlier when the held records reach this many bytes, so that holding them
/// never takes more memory than this.
const HOLD_BYTES: usize = 64 << 20;

/// Whether two paths name the same file (device and inode: links and `./x` vs `x` included).
/// `false` when either does not exist.
pub fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

/// The source a file target would overwrite, if any: a capture file read by this command, or
/// stdin when it is redirected from that file.
pub fn file_read_by(target: &Path, sources: &[SourceSpec]) -> Option<String> {
    sources.iter().find_map(|s| match s {
        SourceSpec::File(p) if same_file(p, target) => Some(p.display().to_string()),
        SourceSpec::Stdin if same_file(Path::new("/dev/stdin"), target) => {
            Some("stdin".to_string())
        }
        _ => None,
    })
}

/// Refuse writing to `target` (a file named by `flag`) when it is one of the sources.
pub fn refuse_file_loop(flag: &str, target: &Path, sources: &[SourceSpec]) -> Result<(), Error> {
    match file_read_by(target, sources) {
        Some(src) => Err(Error::Usage(format!(
            "{flag} {}: that is the file this command reads ({src}); writing it would destroy what is read: write to another file",
            target.display()
        ))),
        None => Ok(()),
    }
}

/// Refuse writing to topic `target` when it is one of the resolved source topics, unless
/// `allow_loop` (and not while following, which would copy its own copies without end).
pub fn refuse_topic_loop(
    target: &str,
    sources: &[String],
    allow_loop: bool,
    follow: bool,
) -> Result<(), Error> {
    if !sources.iter().any(|s| s == target) {
        return Ok(());
    }
    if !allow_loop {
        return Err(Error::Usage(format!(
            "{target} is both a source and the target: that writes records into the topic they come from; --allow-loop does it anyway (the read still stops at the end offsets taken at the start)"
        )));
    }
    if follow {
        return Err(Error::Usage(format!(
            "{target} is both a source and the target of a follow (-F): every copy would be read and copied again, without end; drop -F"
        )));
    }
    Ok(())
}

/// How a write asks: given how many records there are at least (`None`: unknown), `Ok(true)`
/// to write them.
pub type Ask = Box<dyn FnMut(Option<u64>) -> anyhow::Result<bool>>;

/// Holds the first records of a write until it is clear whether there are more than
/// [`ASK_ABOVE`]: if not, they are written at the end and nobody is asked; if so, `ask` says
/// whether to write at all. "No" ends the run with nothing written ([`Error::Declined`]).
pub struct Held<S: Sink> {
    inner: S,
    ask: Ask,
    held: Vec<Record>,
    bytes: usize,
    passing: bool,
}

impl<S: Sink> Held<S> {
    pub fn new(inner: S, ask: Ask) -> Held<S> {
        Held {
            inner,
            ask,
            held: Vec::new(),
            bytes: 0,
            passing: false,
        }
    }

    /// The sink behind the guard.
    pub fn inner(&mut self) -> &mut S {
        &mut self.inner
    }

    /// Hand what is held to the sink.
    fn release(&mut self, report: &mut dyn Tally) -> anyhow::Result<()> {
        for r in std::mem::take(&mut self.held) {
            self.inner.write(&r, report)?;
        }
        self.bytes = 0;
        Ok(())
    }
}

impl<S: Sink> Sink for Held<S> {
    fn write(&mut self, record: &Record, report: &mut dyn Tally) -> anyhow::Result<()> {
        if self.passing {
            return self.inner.write(record, report);
        }
        self.bytes += record.payload_len();
        self.held.push(record.clone());
        if (self.held.len() as u64) <= ASK_ABOVE && self.bytes < HOLD_BYTES {
            return Ok(());
        }
        if (self.ask)(Some(self.held.len() as u64))? {
            self.passing = true;
            return self.release(report);
        }
        // The held records were counted as written by the loop: they were not.
        report.not_written(self.held.len() as u64 - 1);
        self.held.clear();
        Err(Error::Declined.into())
    }

    fn idle(&mut self) -> anyhow::Result<()> {
        self.inner.idle()
    }

    fn finish(&mut self, report: &mut dyn Tally) -> anyhow::Result<()> {
        if !self.passing {
            self.release(report)?;
        }
        self.inner.finish(report)
    }

    fn rescue(&self) -> Option<crate::interrupt::Rescue> {
        self.inner.rescue()
    }
}

impl Sink for Box<dyn Sink> {
    fn write(&mut self, record: &Record, report: &mut dyn Tally) -> anyhow::Result<()> {
        (**self).write(record, report)
    }
    fn idle(&mut self) -> anyhow::Result<()> {
        (**self).idle()
    }
    fn finish(&mut self, report: &mut dyn Tally) -> anyhow::Result<()> {
        (**self).finish(report)
    }
    fn rescue(&self) -> Option<crate::interrupt::Rescue> {
        (**self).rescue()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Collect(Vec<i64>);
    impl Sink for Collect {
        fn write(&mut self, r: &Record, _: &mut dyn Tally) -> anyhow::Result<()> {
            self.0.push(r.offset);
            Ok(())
        }
        fn finish(&mut self, _: &mut dyn Tally) -> anyhow::Result<()> {
            Ok(())
        }
    }

    fn rec(offset: i64) -> Record {
        Record {
            topic: "t".into(),
            partition: 0,
            offset,
            origin: crate::record::Origin::Partition,
            timestamp: crate::record::Timestamp::None,
            key: None,
            value: Some(b"v".to_vec()),
            headers: vec![],
        }
    }

    /// Writes `n` records through a guard that answers `answer`, the way the pipeline does
    /// (counting each accepted write); returns what reached the sink, the count, whether it
    /// asked, and whether the run was declined.
    fn through(n: i64, answer: bool) -> (Vec<i64>, u64, bool, bool) {
        let asked = std::rc::Rc::new(std::cell::Cell::new(false));
        let seen = asked.clone();
        let mut held = Held::new(
            Collect(vec![]),
            Box::new(move |_| {
                seen.set(true);
                Ok(answer)
            }),
        );
        let mut report = crate::print::report::Report::new(true);
        let mut declined = false;
        for i in 0..n {
            match held.write(&rec(i), &mut report) {
                Ok(()) => report.written += 1,
                Err(e) => {
                    assert!(matches!(e.downcast_ref(), Some(Error::Declined)));
                    declined = true;
                    break;
                }
            }
        }
        if !declined {
            held.finish(&mut report).unwrap();
        }
        (
            held.inner().0.clone(),
            report.written,
            asked.get(),
            declined,
        )
    }

    #[test]
    fn small_writes_are_not_asked_about() {
        let (got, written, asked, _) = through(ASK_ABOVE as i64, false);
        assert!(!asked);
        assert_eq!(got.len() as u64, ASK_ABOVE);
        assert_eq!(written, ASK_ABOVE);
    }

    #[test]
    fn a_no_past_the_limit_writes_nothing() {
        let (got, written, asked, declined) = through(ASK_ABOVE as i64 + 5, false);
        assert!(asked && declined);
        assert!(got.is_empty());
        assert_eq!(written, 0);
    }

    #[test]
    fn a_yes_writes_everything_in_order() {
        let (got, written, asked, _) = through(ASK_ABOVE as i64 + 5, true);
        assert!(asked);
        assert_eq!(got, (0..ASK_ABOVE as i64 + 5).collect::<Vec<_>>());
        assert_eq!(written, ASK_ABOVE + 5);
    }

    #[test]
    fn a_file_is_the_same_file_by_inode() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.ndjson");
        std::fs::write(&a, "x").unwrap();
        let link = dir.path().join("b.ndjson");
        std::fs::hard_link(&a, &link).unwrap();
        let sources = vec![SourceSpec::File(a.clone())];
        assert!(refuse_file_loop("--to", &link, &sources).is_err());
        assert!(refuse_file_loop("--to", &dir.path().join("c.ndjson"), &sources).is_ok());
    }

    #[test]
    fn a_topic_loop_needs_allow_loop_and_no_follow() {
        let src = vec!["orders".to_string()];
        assert!(refuse_topic_loop("orders", &src, false, false).is_err());
        assert!(refuse_topic_loop("orders", &src, true, false).is_ok());
        assert!(refuse_topic_loop("orders", &src, true, true).is_err());
        assert!(refuse_topic_loop("other", &src, false, true).is_ok());
    }
}

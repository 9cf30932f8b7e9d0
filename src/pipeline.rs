//! The pipeline loop shared by every subcommand: poll the source, count, let a stage decide,
//! write to the sink, draw progress, and stop on exhaustion, `--max`, Ctrl-C or a closed pipe.
//! A bad input item is reported and counted; it never stops the stream.

use std::time::Duration;

use crate::endpoint::{Poll, Sink, Source};
use crate::print::report::Report;
use crate::record::Record;

/// Why the loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// The source has nothing more (end of file, stop offsets reached).
    Exhausted,
    /// `--max` records were written.
    Max,
    /// Ctrl-C.
    Interrupted,
    /// The reader of stdout went away (`| head`): a normal end, quietly.
    BrokenPipe,
}

/// How long one poll may block before the loop looks at Ctrl-C again.
const POLL: Duration = Duration::from_millis(100);

/// Run records from `source` through `keep` into `sink`.
pub fn run(
    source: &mut dyn Source,
    keep: &mut dyn FnMut(&Record) -> bool,
    sink: &mut dyn Sink,
    report: &mut Report,
    max: Option<u64>,
    bar: Option<&indicatif::ProgressBar>,
) -> anyhow::Result<Ended> {
    let mut ended = Ended::Exhausted;
    if max == Some(0) {
        ended = Ended::Max;
    }
    while ended == Ended::Exhausted {
        if crate::interrupt::interrupted() {
            ended = Ended::Interrupted;
            break;
        }
        match source.poll(POLL)? {
            Poll::End => break,
            Poll::Idle => match sink.idle() {
                Err(e) if is_broken_pipe(&e) => return Ok(Ended::BrokenPipe),
                other => other?,
            },
            Poll::Bad { location, reason } => report.bad(&location, &reason),
            Poll::Record(r) => {
                report.read += 1;
                if !keep(&r) {
                    report.skipped += 1;
                } else {
                    match sink.write(&r, report) {
                        Ok(()) => report.written += 1,
                        Err(e) if is_broken_pipe(&e) => return Ok(Ended::BrokenPipe),
                        Err(e) => return Err(e),
                    }
                    if max.is_some_and(|m| report.written >= m) {
                        ended = Ended::Max;
                    }
                }
                source.recycle(r);
                if report.read % 1024 != 0 {
                    continue;
                }
            }
        }
        if let (Some(bar), Some(p)) = (bar, source.progress()) {
            bar.set_length(p.total);
            bar.set_position(p.done);
        }
    }
    report.skipped += source.skipped();
    match sink.finish(report) {
        Err(e) if is_broken_pipe(&e) => return Ok(Ended::BrokenPipe),
        other => other?,
    }
    source.commit()?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    Ok(ended)
}

/// Whether an error is (caused by) writing to a closed pipe.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

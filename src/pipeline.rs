//! The pipeline loop shared by every subcommand: poll the source, count, pass each record
//! through the stages (filters, time-ordered merge, samplers), write what comes out to the sink,
//! draw progress, and stop on exhaustion, `--max`, Ctrl-C or a closed pipe. A bad input item is
//! reported and counted; it never stops the stream.

use std::time::Duration;

use crate::endpoint::{Poll, Sink, Source};
use crate::interrupt::Watch;
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

/// What a stage may look at besides the record.
pub struct Cx<'a> {
    /// The source, for stages that need to know what may still come (the ordered merge).
    pub source: &'a dyn Source,
    pub report: &'a mut Report,
}

/// A step between source and sink. A stage may pass a record on at once, drop it, or hold it
/// and pass it on later (a merge waiting for other partitions, a reservoir waiting for the end).
pub trait Stage {
    /// Take a record. What goes on now is pushed onto `out`; a dropped record is handed back so
    /// that the source can reuse its buffers.
    fn push(&mut self, record: Record, cx: &mut Cx, out: &mut Vec<Record>) -> Option<Record>;

    /// The source is idle (`end` false) or exhausted (`end` true): push what may go on now.
    /// At the end, a stage lets go of everything it holds.
    fn flush(&mut self, cx: &mut Cx, end: bool, out: &mut Vec<Record>) {
        let _ = (cx, end, out);
    }

    /// An error that ends the run (exit 2), where a bad record would only be counted: a schema
    /// registry that went away. The loop asks after each record the stage took and after each
    /// flush, and ends with the error at once.
    fn take_error(&mut self) -> Option<anyhow::Error> {
        None
    }
    /// A record this stage passed on was written: take back what the stage made of it (the
    /// replay's provenance headers), before the source reuses the rest of its buffers.
    fn reclaim(&mut self, record: &mut Record) {
        let _ = record;
    }
}

/// Where the loop shows how far a bounded read has come (the printer's progress bar): told
/// every 1,024 records and when the source is idle, never per record.
pub trait Progress {
    fn show(&self, done: u64, total: u64);
    /// The run is over: the bar goes away.
    fn finish(&self);
}

/// How long one poll may block before the loop looks at Ctrl-C again.
const POLL: Duration = Duration::from_millis(100);

/// Run records from `source` through `stages` into `sink`, guarded by a watch that ends the
/// process when a stop is not heeded (a stage stuck in an expression; see [`interrupt`]).
///
/// [`interrupt`]: crate::interrupt
pub fn run(
    source: &mut dyn Source,
    stages: &mut [&mut dyn Stage],
    sink: &mut dyn Sink,
    report: &mut Report,
    max: Option<u64>,
    bar: Option<&dyn Progress>,
) -> anyhow::Result<Ended> {
    crate::interrupt::looping();
    let rescue = sink.rescue();
    Watch::guarding(rescue, |watch| {
        let mut ended = Ended::Exhausted;
        if max == Some(0) {
            ended = Ended::Max;
        }
        let mut flow = Flow {
            here: Vec::with_capacity(16),
            next: Vec::with_capacity(16),
            dropped: Vec::with_capacity(16),
        };
        while ended == Ended::Exhausted {
            watch.note(report.read, report.written, report.bad);
            if crate::interrupt::interrupted() {
                // Heeded: what follows (flushing stages and the sink) is the clean way out.
                watch.stand_down();
                ended = Ended::Interrupted;
                break;
            }
            match source.poll(POLL)? {
                Poll::End => break,
                Poll::Idle => {
                    flow.flush(source, stages, 0, false, report)?;
                    if let Some(e) = flow.drain(source, stages, sink, report, max)? {
                        return Ok(e);
                    }
                    ended = Flow::ended(report, max);
                    match sink.idle() {
                        Err(e) if is_broken_pipe(&e) => return Ok(Ended::BrokenPipe),
                        other => other?,
                    }
                }
                Poll::Bad { location, reason } => report.bad(&location, &reason),
                Poll::Record(r) => {
                    report.read += 1;
                    watch.note(report.read, report.written, report.bad);
                    if stages.is_empty() {
                        // The hot path of a plain tail: no stage, no vectors.
                        match sink.write(&r, report) {
                            Ok(()) => report.written += 1,
                            Err(e) if is_broken_pipe(&e) => return Ok(Ended::BrokenPipe),
                            Err(e) => return Err(e),
                        }
                        source.recycle(r);
                    } else {
                        flow.here.push(r);
                        flow.through(source, stages, 0, report)?;
                        if let Some(e) = flow.drain(source, stages, sink, report, max)? {
                            return Ok(e);
                        }
                    }
                    ended = Flow::ended(report, max);
                    if report.read % 1024 != 0 {
                        continue;
                    }
                }
            }
            if let (Some(bar), Some(p)) = (bar, source.progress()) {
                bar.show(p.done, p.total);
            }
        }
        if matches!(ended, Ended::Exhausted | Ended::Interrupted) {
            // What stages still hold goes out: a reservoir's sample, a merge's buffer.
            flow.flush(source, stages, 0, true, report)?;
            if let Some(e) = flow.drain(source, stages, sink, report, max)? {
                return Ok(e);
            }
        }
        report.skipped += source.skipped();
        match sink.finish(report) {
            Err(e) if is_broken_pipe(&e) => return Ok(Ended::BrokenPipe),
            other => other?,
        }
        source.commit()?;
        if let Some(bar) = bar {
            bar.finish();
        }
        Ok(ended)
    })
}

/// Records on their way through the stages.
struct Flow {
    /// Records that reached the current stage (after the last stage: the sink).
    here: Vec<Record>,
    next: Vec<Record>,
    /// Records a stage dropped, on their way back to the source (kept: a filter drops most
    /// records, and a vector made per record cost an allocation each).
    dropped: Vec<Record>,
}

impl Flow {
    /// Pass `here` through stages `from..`; what comes out of the last one stays in `here`.
    fn through(
        &mut self,
        source: &mut dyn Source,
        stages: &mut [&mut dyn Stage],
        from: usize,
        report: &mut Report,
    ) -> anyhow::Result<()> {
        for stage in stages.iter_mut().skip(from) {
            self.next.clear();
            for r in self.here.drain(..) {
                let mut cx = Cx {
                    source: &*source,
                    report,
                };
                if let Some(d) = stage.push(r, &mut cx, &mut self.next) {
                    report.skipped += 1;
                    self.dropped.push(d);
                }
            }
            for d in self.dropped.drain(..) {
                source.recycle(d);
            }
            if let Some(e) = stage.take_error() {
                return Err(e);
            }
            std::mem::swap(&mut self.here, &mut self.next);
        }
        Ok(())
    }

    /// Flush stages `from..` in order, each one's output going through the stages after it.
    fn flush(
        &mut self,
        source: &mut dyn Source,
        stages: &mut [&mut dyn Stage],
        from: usize,
        end: bool,
        report: &mut Report,
    ) -> anyhow::Result<()> {
        for i in from..stages.len() {
            let mut held = Vec::new();
            {
                let mut cx = Cx {
                    source: &*source,
                    report,
                };
                stages[i].flush(&mut cx, end, &mut held);
            }
            if let Some(e) = stages[i].take_error() {
                return Err(e);
            }
            if held.is_empty() {
                continue;
            }
            let mut kept = std::mem::take(&mut self.here);
            self.here = held;
            self.through(source, stages, i + 1, report)?;
            kept.append(&mut self.here);
            self.here = kept;
        }
        Ok(())
    }

    /// Write what came out of the stages; `Some` when the run must end now.
    fn drain(
        &mut self,
        source: &mut dyn Source,
        stages: &mut [&mut dyn Stage],
        sink: &mut dyn Sink,
        report: &mut Report,
        max: Option<u64>,
    ) -> anyhow::Result<Option<Ended>> {
        for mut r in self.here.drain(..) {
            if max.is_some_and(|m| report.written >= m) {
                // Past --max: the rest is not shown.
                continue;
            }
            match sink.write(&r, report) {
                Ok(()) => report.written += 1,
                Err(e) if is_broken_pipe(&e) => return Ok(Some(Ended::BrokenPipe)),
                Err(e) => return Err(e),
            }
            for stage in stages.iter_mut() {
                stage.reclaim(&mut r);
            }
            source.recycle(r);
        }
        Ok(None)
    }

    fn ended(report: &Report, max: Option<u64>) -> Ended {
        if max.is_some_and(|m| report.written >= m) {
            Ended::Max
        } else {
            Ended::Exhausted
        }
    }
}

/// Whether an error is (caused by) writing to a closed pipe.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::endpoint::Discard;
    use crate::record::{Origin, Timestamp};

    /// Records at offsets 0, 1, 2, … without end.
    struct Counting(i64);
    impl Source for Counting {
        fn poll(&mut self, _: Duration) -> anyhow::Result<Poll> {
            self.0 += 1;
            Ok(Poll::Record(Record {
                topic: Arc::from("t"),
                partition: 0,
                offset: self.0 - 1,
                origin: Origin::Partition,
                timestamp: Timestamp::None,
                key: None,
                value: None,
                headers: Vec::new(),
            }))
        }
    }

    /// Fails on the record at offset 3, and counts what it was given.
    #[derive(Default)]
    struct FailsAtThree {
        seen: u64,
        error: Option<anyhow::Error>,
    }
    impl Stage for FailsAtThree {
        fn push(&mut self, r: Record, _: &mut Cx, out: &mut Vec<Record>) -> Option<Record> {
            self.seen += 1;
            if r.offset == 3 {
                self.error = Some(anyhow::anyhow!("the registry went away"));
            }
            out.push(r);
            None
        }
        fn take_error(&mut self) -> Option<anyhow::Error> {
            self.error.take()
        }
    }

    #[test]
    fn a_stage_error_ends_the_run_at_once() {
        let mut stage = FailsAtThree::default();
        let mut report = Report::new(true);
        let got = run(
            &mut Counting(0),
            &mut [&mut stage],
            &mut Discard,
            &mut report,
            // Bounded, so that an ignored error fails the test rather than hanging it.
            Some(100),
            None,
        );
        let e = got.expect_err("the stage's error");
        assert_eq!(e.to_string(), "the registry went away");
        assert_eq!(stage.seen, 4);
        assert_eq!(report.written, 3);
    }
}

//! The partition audit stage of `evops partition audit`: it looks up each record's topic's
//! partition count, refuses (reports and counts) a record it cannot place, and feeds the rest to
//! the pure [`Auditor`] in [`crate::partition::audit`]. Every record goes on unchanged, so the
//! loop counts what was audited as written and `--max` means what it says; the subcommand's
//! sink ([`crate::endpoint::Discard`]) keeps nothing.

use std::collections::HashMap;
use std::sync::Arc;

use crate::partition::audit::{Auditor, Seen};
use crate::pipeline::{Cx, Stage};
use crate::record::Record;

/// The audit stage: the auditor and the partition counts it checks records against.
pub struct Audit {
    pub auditor: Auditor,
    /// Partition counts by topic, as the source found them.
    pub counts: HashMap<String, i32>,
    /// The count for topics not in `counts` (capture files: `--partitions`).
    default_count: Option<i32>,
    /// The last topic looked up and its count: records come in runs per topic.
    last: Option<(Arc<str>, Option<i32>)>,
}

impl Audit {
    pub fn new(
        auditor: Auditor,
        counts: HashMap<String, i32>,
        default_count: Option<i32>,
    ) -> Audit {
        Audit {
            auditor,
            counts,
            default_count,
            last: None,
        }
    }

    fn count(&mut self, topic: &Arc<str>) -> Option<i32> {
        match &self.last {
            Some((t, n)) if Arc::ptr_eq(t, topic) => *n,
            _ => {
                let n = self.counts.get(&**topic).copied().or(self.default_count);
                self.last = Some((topic.clone(), n));
                n
            }
        }
    }

    fn audit(&mut self, r: &Record, cx: &mut Cx) {
        let Some(n) = self.count(&r.topic) else {
            cx.report.bad(
                &r.location(),
                "unknown partition count: give --partitions N for capture files",
            );
            return;
        };
        if r.partition >= n {
            let reason = format!(
                "partition {} is beyond the {n} partitions given",
                r.partition
            );
            cx.report.bad(&r.location(), &reason);
            return;
        }
        let at = Seen {
            partition: r.partition,
            offset: r.offset,
            timestamp: r.timestamp.millis(),
        };
        self.auditor.add(&r.topic, n, r.key.as_deref(), at);
    }
}

impl Stage for Audit {
    fn push(&mut self, record: Record, cx: &mut Cx, out: &mut Vec<Record>) -> Option<Record> {
        self.audit(&record, cx);
        out.push(record);
        None
    }
}

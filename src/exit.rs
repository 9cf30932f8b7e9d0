//! Exit codes. They are API: scripts and CI jobs branch on them, so they are documented in the
//! README and never change meaning.

/// How `evops` ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Everything worked and nothing was found.
    Ok = 0,
    /// The run completed but found something: bad records, mismatches, invalid events.
    Findings = 1,
    /// The run could not do its job: bad arguments, unreachable broker, unknown topic, I/O.
    Error = 2,
    /// Stopped by Ctrl-C (SIGINT) or SIGTERM.
    Interrupted = 130,
}

impl Exit {
    pub fn code(self) -> i32 {
        self as i32
    }
}

//! The run report: what was read, written and skipped, and the warnings about single records.
//! A bad record is a counted warning naming its location (`topic/partition@offset` or
//! `file:line`); the first few are printed to stderr as they happen, the rest are counted, and
//! any of them makes the exit status 1. This is the one place that talks to people about records.

use std::time::Instant;

/// How many warnings are printed before the rest are only counted.
pub const SHOWN_WARNINGS: u64 = 10;

/// Said once, when the warnings stop.
const MORE_BAD: &str = "evops: warning: more bad records; only counting them from now on";

/// Counts and warnings of one run.
pub struct Report {
    pub read: u64,
    pub written: u64,
    /// Read but outside the asked range or not matching (`--key`, time cutoffs).
    pub skipped: u64,
    /// Records or lines that could not be read or decoded as asked.
    pub bad: u64,
    quiet: bool,
    started: Instant,
    /// Whether progress is drawn; warnings then go above the bar.
    bar: Option<indicatif::ProgressBar>,
}

impl Report {
    pub fn new(quiet: bool) -> Report {
        Report {
            read: 0,
            written: 0,
            skipped: 0,
            bad: 0,
            quiet,
            started: Instant::now(),
            bar: None,
        }
    }

    /// Print warnings above this progress bar instead of through it.
    pub fn attach(&mut self, bar: indicatif::ProgressBar) {
        self.bar = Some(bar);
    }

    /// A record that could not be handled as asked; `location` names it.
    pub fn bad(&mut self, location: &str, reason: &str) {
        self.bad += 1;
        if self.quiet {
            return;
        }
        if self.bad <= SHOWN_WARNINGS {
            self.say(&format!("evops: warning: {location}: {reason}"));
        } else if self.bad == SHOWN_WARNINGS + 1 {
            self.say(MORE_BAD);
        }
    }

    /// `n` bad records past the first [`SHOWN_WARNINGS`] of a sink, which named those: what `n`
    /// calls of [`Report::bad`] would do then (count them, and say once that the rest are only
    /// counted).
    pub fn bad_unnamed(&mut self, n: u64) {
        let before = self.bad;
        self.bad += n;
        if !self.quiet && before <= SHOWN_WARNINGS && self.bad > SHOWN_WARNINGS {
            self.say(MORE_BAD);
        }
    }

    /// A message for people: stderr, above the progress bar if there is one.
    pub fn say(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(super::escape::for_terminal(line)),
            None => super::say_line(line),
        }
    }

    /// The closing summary line.
    pub fn summary(&self, interrupted: bool) -> String {
        let mut s = format!("{} read, {} written", self.read, self.written);
        if self.skipped > 0 {
            s.push_str(&format!(", {} skipped", self.skipped));
        }
        if self.bad > 0 {
            s.push_str(&format!(", {} bad", self.bad));
        }
        s.push_str(&format!(" in {}", self.elapsed()));
        if interrupted {
            s.push_str("; interrupted");
        }
        s
    }

    /// Time since the run started, with the rate when records were read: `1.20s (8000 records/s)`.
    pub fn elapsed(&self) -> String {
        let secs = self.started.elapsed().as_secs_f64();
        let mut s = format!("{secs:.2}s");
        if secs > 0.0 && self.read > 0 {
            s.push_str(&format!(" ({:.0} records/s)", self.read as f64 / secs));
        }
        s
    }

    pub fn is_quiet(&self) -> bool {
        self.quiet
    }
}

impl crate::endpoint::Tally for Report {
    fn bad(&mut self, location: &str, reason: &str) {
        Report::bad(self, location, reason);
    }

    fn bad_unnamed(&mut self, n: u64) {
        Report::bad_unnamed(self, n);
    }

    fn not_written(&mut self, n: u64) {
        self.written = self.written.saturating_sub(n);
    }
}

//! The run report: what was read, written and skipped, and the warnings about single records.
//! A bad record is a counted warning naming its location (`topic/partition@offset` or
//! `file:line`); the first few are printed to stderr as they happen, the rest are counted, and
//! any of them makes the exit status 1. This is the one place that talks to people about records.

use std::time::Instant;

/// How many warnings are printed before the rest are only counted.
pub const SHOWN_WARNINGS: u64 = 10;

/// Said once, when the warnings stop.
const MORE_BAD: &str = "evops: warning: more bad records; only counting them from now on";

/// Bytes of a warning's reason shown at most: a jq error quotes the value it failed on, which
/// may be a record of megabytes (ten such warnings printed 10 MB to a terminal).
const MAX_REASON: usize = 1024;

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
            self.say(&format!("evops: warning: {location}: {}", cut(reason)));
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

/// `reason`, or its first [`MAX_REASON`] bytes (to a character boundary) and how many more.
fn cut(reason: &str) -> std::borrow::Cow<'_, str> {
    if reason.len() <= MAX_REASON {
        return reason.into();
    }
    let head = crate::text::prefix(reason, MAX_REASON);
    format!("{head}… ({} bytes more)", reason.len() - head.len()).into()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_reasons_are_cut_on_a_character_and_say_how_much_is_left_out() {
        assert_eq!(cut("short"), "short");
        let exact = "x".repeat(MAX_REASON);
        assert_eq!(cut(&exact), exact);
        // 1,023 ASCII bytes, then two-byte characters: the cut falls inside one of them.
        let long = format!("{}{}", "x".repeat(MAX_REASON - 1), "é".repeat(1000));
        let shown = cut(&long);
        assert!(shown.starts_with(&"x".repeat(MAX_REASON - 1)));
        assert!(shown.ends_with("… (2000 bytes more)"), "{shown}");
        assert_eq!(shown.len(), MAX_REASON - 1 + "… (2000 bytes more)".len());
    }
}

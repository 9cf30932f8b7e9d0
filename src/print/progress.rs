//! Progress bars: indicatif on stderr, only when a person is watching a bounded read. Drawn only
//! when stderr is a terminal and stdout is not (when both are the terminal, the records
//! themselves are the progress, and a bar would tear them up).

use indicatif::{ProgressDrawTarget, ProgressStyle};

/// The progress bar (drawn on stderr; warnings go above it through the report).
pub use indicatif::ProgressBar;

/// Whether a bar should be drawn, given where stdout and stderr go.
pub fn wanted(stdout_tty: bool, stderr_tty: bool, quiet: bool) -> bool {
    stderr_tty && !stdout_tty && !quiet
}

/// A bar for `total` units (records, or bytes when `bytes`).
pub fn bar(total: u64, bytes: bool) -> ProgressBar {
    let pb = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr_with_hz(8));
    let template = if bytes {
        "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} ({bytes_per_sec}, ETA {eta})"
    } else {
        "{spinner} [{elapsed_precise}] {wide_bar} {human_pos}/{human_len} ({rate}, ETA {eta})"
    };
    let style = ProgressStyle::with_template(template)
        .expect("valid progress template")
        .with_key(
            "rate",
            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                let _ = write!(w, "{:.0}/s", state.per_sec());
            },
        );
    pb.set_style(style);
    pb
}

impl crate::pipeline::Progress for ProgressBar {
    fn show(&self, done: u64, total: u64) {
        self.set_length(total);
        self.set_position(done);
    }

    fn finish(&self) {
        self.finish_and_clear();
    }
}

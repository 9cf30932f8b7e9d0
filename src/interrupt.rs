//! Ctrl-C and SIGTERM: the first one asks the running command to stop cleanly (flush, print the
//! summary, exit 130); a second one exits at once with 130.

use std::sync::atomic::{AtomicBool, Ordering};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Install the handler (once per process; later calls are ignored).
pub fn install() {
    let _ = ctrlc::set_handler(|| {
        if INTERRUPTED.swap(true, Ordering::SeqCst) {
            std::process::exit(crate::exit::Exit::Interrupted.code());
        }
    });
}

/// Whether the user asked to stop.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::Relaxed)
}

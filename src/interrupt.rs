//! Ctrl-C and SIGTERM: the first one asks the running command to stop cleanly (flush, print the
//! summary, exit 130); a second one exits at once with 130.
//!
//! A command notices the request between records, and a jq expression notices it between its
//! outputs; an expression that runs without returning (`def f: f; f`, `last(range(1e12))`),
//! or a read of stdin that waits for input that does not come, would never notice. So a run is guarded by a [`Watch`]: when a stop is not heeded within
//! [`GRACE`], the watch speaks for the run: it flushes the records already written, prints the
//! counts it was last told and exits 130. Process managers send one SIGTERM, and it must work.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// How long a run may take to heed a stop before its watch ends it.
pub const GRACE: Duration = Duration::from_millis(600);

/// Set once a record loop has started: from then on its [`Watch`] answers for it.
static LOOPING: AtomicBool = AtomicBool::new(false);

/// Install the handler (once per process; later calls are ignored). Before any record loop
/// has started, nothing is written yet and nothing needs a summary: a command still busy
/// opening its input (a FIFO nobody writes to, a huge file it sniffs, a broker that does not
/// answer) is ended `2 * GRACE` after the first stop.
pub fn install() {
    let _ = ctrlc::set_handler(|| {
        if INTERRUPTED.swap(true, Ordering::SeqCst) {
            std::process::exit(crate::exit::Exit::Interrupted.code());
        }
        std::thread::spawn(|| {
            std::thread::sleep(2 * GRACE);
            if !LOOPING.load(Ordering::SeqCst) {
                crate::say!("evops: interrupted before anything was read");
                std::process::exit(crate::exit::Exit::Interrupted.code());
            }
        });
    });
}

/// A record loop starts: a stop is now its watch's to handle.
pub fn looping() {
    LOOPING.store(true, Ordering::SeqCst);
}

/// Whether the user asked to stop.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::Relaxed)
}

/// Flush what a sink has buffered, from the watch's thread.
pub type Rescue = Box<dyn Fn() + Send + Sync>;

/// What a run tells its watch: its counts (relaxed stores, cheap enough for every record) and
/// whether it has heeded the stop or ended.
#[derive(Default)]
pub struct Watch {
    read: AtomicU64,
    written: AtomicU64,
    bad: AtomicU64,
    done: AtomicBool,
}

impl Watch {
    /// The counts so far.
    pub fn note(&self, read: u64, written: u64, bad: u64) {
        self.read.store(read, Ordering::Relaxed);
        self.written.store(written, Ordering::Relaxed);
        self.bad.store(bad, Ordering::Relaxed);
    }

    /// The run heeded the stop, or ended: the watch has nothing more to do.
    pub fn stand_down(&self) {
        self.done.store(true, Ordering::Relaxed);
    }

    /// Run `body` while a watch stands guard on a thread of its own; it stands down when the
    /// body returns.
    pub fn guarding<T>(rescue: Option<Rescue>, body: impl FnOnce(&Watch) -> T) -> T {
        let watch = Watch::default();
        std::thread::scope(|scope| {
            let guard = scope.spawn(|| watch.guard(rescue));
            let out = body(&watch);
            watch.stand_down();
            // Wake it now rather than at its next look: a short run ends without waiting.
            guard.thread().unpark();
            out
        })
    }

    /// Wait until the run stands down (unpark this thread to have it look at once). When a
    /// stop is asked and not heeded within `GRACE`, run `rescue`, print the counts and exit
    /// 130.
    pub fn guard(&self, rescue: Option<Rescue>) {
        let mut asked: Option<Instant> = None;
        while !self.done.load(Ordering::Relaxed) {
            std::thread::park_timeout(Duration::from_millis(50));
            match asked {
                None if interrupted() => asked = Some(Instant::now()),
                Some(t) if t.elapsed() >= GRACE => self.speak_for_the_run(rescue),
                _ => {}
            }
        }
    }

    fn speak_for_the_run(&self, rescue: Option<Rescue>) -> ! {
        if let Some(flush) = rescue {
            flush();
        }
        let mut line = format!(
            "evops: stopped without waiting for the record in hand (an expression or a read that does not return): {} read, {} written",
            self.read.load(Ordering::Relaxed),
            self.written.load(Ordering::Relaxed)
        );
        let bad = self.bad.load(Ordering::Relaxed);
        if bad > 0 {
            line.push_str(&format!(", {bad} bad"));
        }
        crate::say!("{line}; interrupted");
        std::process::exit(crate::exit::Exit::Interrupted.code());
    }
}

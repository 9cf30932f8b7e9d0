//! A buffered writer that another thread can flush: the records a run already wrote reach
//! their file or pipe even when the run is ended from outside (see [`crate::interrupt::Watch`]).
//! The lock is taken once per write, never while a record is being judged, so the thread that
//! flushes does not wait for a stuck evaluation.

use std::io::{BufWriter, Write};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

type Inner = BufWriter<Box<dyn Write + Send>>;

/// A clonable handle on one buffered writer.
#[derive(Clone)]
pub struct SharedOut(Arc<Mutex<Inner>>);

impl SharedOut {
    pub fn new(capacity: usize, out: Box<dyn Write + Send>) -> SharedOut {
        SharedOut(Arc::new(Mutex::new(BufWriter::with_capacity(
            capacity, out,
        ))))
    }

    fn inner(&self) -> MutexGuard<'_, Inner> {
        // A panic while writing leaves bytes, not broken invariants: keep writing.
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Flush from another thread, waiting at most `patience` for the writer (the run may be
    /// blocked writing to a pipe nobody reads: then what is buffered stays there).
    pub fn flush_within(&self, patience: Duration) {
        let since = Instant::now();
        while since.elapsed() < patience {
            if let Ok(mut out) = self.0.try_lock() {
                let _ = out.flush();
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// A rescue for [`crate::endpoint::Sink::rescue`].
    pub fn rescue(&self) -> crate::interrupt::Rescue {
        let handle = self.clone();
        Box::new(move || handle.flush_within(Duration::from_millis(200)))
    }
}

impl Write for SharedOut {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.inner().write(buf)
    }
    fn write_all(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.inner().write_all(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner().flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that records what reached it.
    #[derive(Clone, Default)]
    struct Seen(Arc<Mutex<Vec<u8>>>);
    impl Write for Seen {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn another_thread_flushes_what_was_written() {
        let seen = Seen::default();
        let mut out = SharedOut::new(1024, Box::new(seen.clone()));
        out.write_all(b"one record\n").unwrap();
        assert!(seen.0.lock().unwrap().is_empty(), "still buffered");
        let rescue = out.rescue();
        std::thread::spawn(rescue).join().unwrap();
        assert_eq!(&*seen.0.lock().unwrap(), b"one record\n");
    }
}

//! The replay checkpoint file (`--checkpoint FILE`): the plan a replay made when it first
//! started (every source partition's start and stop offset, the time range, where the target
//! ended then) and how far it has come (below which offset every source record is handled:
//! delivered, filtered out or dead-lettered). It is rewritten atomically (a temporary file
//! renamed over it) after the producer has flushed, so it never claims more than is done.
//!
//! On resume the checkpoint says where to read on, and where in the target to look for copies
//! made after it was last written (their `evops-replay-id` and `evops-source` headers): those
//! are skipped, so nothing is written twice and nothing is lost.

use std::path::Path;

use serde::{Deserialize, Serialize};

/// One source partition of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Part {
    pub topic: String,
    pub partition: i32,
    pub start: i64,
    /// Exclusive.
    pub end: i64,
    /// Every record below this offset is handled.
    pub done_below: i64,
}

/// The checkpoint file's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The file format (1).
    pub version: u32,
    pub replay_id: String,
    pub target: String,
    /// The target's end offsets when the replay started: every copy it makes is after them.
    pub scan_from: Vec<(i32, i64)>,
    /// `--from`/`--until` as absolute times (ms), when they were times.
    pub from_ms: Option<i64>,
    pub until_ms: Option<i64>,
    pub parts: Vec<Part>,
    /// The replay ran to its end.
    pub complete: bool,
    /// Counts so far, for the summary of a resumed run.
    pub written: u64,
}

impl Checkpoint {
    /// Read a checkpoint; `None` when the file does not exist.
    pub fn load(path: &Path) -> anyhow::Result<Option<Checkpoint>> {
        let text = match crate::endpoint::file::read_small(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(anyhow::anyhow!("--checkpoint {}: {e}", path.display())),
        };
        let c: Checkpoint = serde_json::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "--checkpoint {}: not an evops replay checkpoint ({e})",
                path.display()
            )
        })?;
        if c.version != 1 {
            anyhow::bail!(
                "--checkpoint {}: version {} is not one this evops reads",
                path.display(),
                c.version
            );
        }
        Ok(Some(c))
    }

    /// Write atomically: a temporary file beside it, synced, renamed over it.
    pub fn save(&self, path: &Path) -> anyhow::Result<()> {
        use std::io::Write;
        let tmp = path.with_extension(format!(
            "{}tmp",
            path.extension()
                .map(|e| format!("{}.", e.to_string_lossy()))
                .unwrap_or_default()
        ));
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| anyhow::anyhow!("checkpoint directory {}: {e}", dir.display()))?;
        }
        let mut f = std::fs::File::create(&tmp)
            .map_err(|e| anyhow::anyhow!("--checkpoint {}: {e}", tmp.display()))?;
        serde_json::to_writer_pretty(&mut f, self)?;
        f.write_all(b"\n")?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
            .map_err(|e| anyhow::anyhow!("--checkpoint {}: {e}", path.display()))?;
        Ok(())
    }

    /// Records the plan still has to read.
    pub fn remaining(&self) -> u64 {
        self.parts
            .iter()
            .map(|p| (p.end - p.done_below.max(p.start)).max(0) as u64)
            .sum()
    }
}

/// A running replay's hold on its checkpoint (`FILE.lock`, holding the process id): a second
/// run of the same replay at the same time would copy the same records too, so it is refused.
/// A lock whose process is gone (killed) is taken over. Released when dropped.
#[derive(Debug)]
pub struct Lock {
    path: std::path::PathBuf,
}

impl Lock {
    pub fn take(checkpoint: &Path) -> anyhow::Result<Lock> {
        let mut name = checkpoint.as_os_str().to_owned();
        name.push(".lock");
        let path = std::path::PathBuf::from(name);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| anyhow::anyhow!("checkpoint {}: {e}", dir.display()))?;
        }
        for _ in 0..2 {
            let created = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path);
            match created {
                Ok(mut f) => {
                    use std::io::Write;
                    writeln!(f, "{}", std::process::id())?;
                    return Ok(Lock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = std::fs::read_to_string(&path).unwrap_or_default();
                    let pid = holder.trim().parse::<u32>().ok();
                    if let Some(pid) = pid.filter(|p| Path::new(&format!("/proc/{p}")).exists()) {
                        anyhow::bail!(
                            "this replay is already running in process {pid} (its lock is {}): two runs at once would copy the same records twice; wait for it, or stop it first",
                            path.display()
                        );
                    }
                    // Its process is gone: the lock is stale.
                    let _ = std::fs::remove_file(&path);
                }
                Err(e) => anyhow::bail!("checkpoint lock {}: {e}", path.display()),
            }
        }
        anyhow::bail!(
            "checkpoint lock {}: taken by another run just now",
            path.display()
        )
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_and_loads_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.checkpoint");
        assert_eq!(Checkpoint::load(&path).unwrap(), None);
        let c = Checkpoint {
            version: 1,
            replay_id: "abc".into(),
            target: "copy".into(),
            scan_from: vec![(0, 10), (1, 12)],
            from_ms: Some(5),
            until_ms: None,
            parts: vec![Part {
                topic: "orders".into(),
                partition: 0,
                start: 3,
                end: 100,
                done_below: 40,
            }],
            complete: false,
            written: 37,
        };
        c.save(&path).unwrap();
        assert_eq!(Checkpoint::load(&path).unwrap(), Some(c.clone()));
        assert_eq!(c.remaining(), 60);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary left"
        );
        std::fs::write(&path, "{").unwrap();
        assert!(Checkpoint::load(&path).is_err());
    }

    #[test]
    fn a_second_run_is_refused_and_a_stale_lock_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let ckpt = dir.path().join("r.ckpt");
        let first = Lock::take(&ckpt).unwrap();
        let err = Lock::take(&ckpt).unwrap_err().to_string();
        assert!(err.contains("already running"), "{err}");
        drop(first);
        // A lock left by a process that no longer exists.
        std::fs::write(dir.path().join("r.ckpt.lock"), "4000000000\n").unwrap();
        let again = Lock::take(&ckpt).unwrap();
        drop(again);
        assert!(!dir.path().join("r.ckpt.lock").exists());
    }
}

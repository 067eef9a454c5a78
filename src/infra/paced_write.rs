//! Writing gigabytes without stalling the writer. A backup writes the snapshot, the zip and
//! the sealed file (about 2 GB each for a 2 GB data file); left to the kernel, their dirty
//! pages pile up and are flushed in bursts, and the writer's next commit waits behind the
//! burst for its own fsync (310 ms measured on the development VM). Flushing them a little at
//! a time keeps every commit's wait short.

use std::fs::File;
use std::io::{self, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// Bytes written between two flushes of a file we write ourselves (8 MiB, and a 25 ms tick,
/// let the writer's commits wait up to 150 ms behind a flush; 2 MiB and 10 ms, 82 ms).
const FLUSH_EVERY: u64 = 2 << 20;
/// How often a file someone else writes (SQLite's `VACUUM INTO`) is flushed.
const FLUSH_TICK: Duration = Duration::from_millis(10);

/// A file flushed to disk (`fdatasync`) every `FLUSH_EVERY` bytes written.
pub struct PacedFile {
    file: File,
    unflushed: u64,
}

impl PacedFile {
    pub fn new(file: File) -> Self {
        Self { file, unflushed: 0 }
    }

    pub fn into_inner(self) -> File {
        self.file
    }
}

impl Write for PacedFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.unflushed += n as u64;
        if self.unflushed >= FLUSH_EVERY {
            self.file.sync_data()?;
            self.unflushed = 0;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Seek for PacedFile {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.file.seek(pos)
    }
}

/// Flushes a file another writer is filling, every `FLUSH_TICK`, until dropped.
pub struct FlushWhileWritten {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl FlushWhileWritten {
    pub fn start(path: &Path) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let (done, path): (Arc<AtomicBool>, PathBuf) = (stop.clone(), path.to_owned());
        let thread = std::thread::Builder::new()
            .name("ricolloca-backup-flush".into())
            .spawn(move || {
                let mut file = None;
                while !done.load(Ordering::Relaxed) {
                    std::thread::sleep(FLUSH_TICK);
                    if file.is_none() {
                        file = File::open(&path).ok();
                    }
                    // Any descriptor flushes the file's pages; a failure here only means the
                    // kernel flushes them itself, later.
                    if let Some(f) = &file {
                        let _ = f.sync_data();
                    }
                }
            })
            .ok();
        Self { stop, thread }
    }
}

impl Drop for FlushWhileWritten {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

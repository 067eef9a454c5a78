//! One exclusive advisory lock per data file (`<data>.lock`), held by the server for its whole
//! life and by `restore`: a restore can tell reliably that a server is running, and a server
//! cannot start in the middle of a restore. The kernel drops the lock when the process ends,
//! however it ends, so there is never a stale lock to clean up.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct InstanceLock {
    _file: File,
    pub path: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Someone else holds it: a running server, or a restore in progress.
    #[error("il file dati {0} è in uso da un altro processo (server in esecuzione o ripristino in corso)")]
    Busy(String),
    #[error("{0}: {1}")]
    Io(String, std::io::Error),
}

pub fn lock_path(data: &Path) -> PathBuf {
    let mut name = data.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".lock");
    data.with_file_name(name)
}

/// The lock an import holds while it runs (`<data>.import.lock`): one import at a time per
/// data file, whether the server or the command line runs it. An import that finds rows of an
/// unfinished one knows, holding this lock, that its owner has died.
pub fn import_lock_path(data: &Path) -> PathBuf {
    let mut name = data.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".import.lock");
    data.with_file_name(name)
}

impl InstanceLock {
    /// Takes the lock without waiting.
    pub fn try_acquire(data: &Path) -> Result<Self, LockError> {
        Self::try_acquire_at(lock_path(data), data)
    }

    /// Takes the lock file `path` (guarding the data file `data`) without waiting.
    pub fn try_acquire_at(path: PathBuf, data: &Path) -> Result<Self, LockError> {
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| LockError::Io(path.display().to_string(), e))?;
        match file.try_lock() {
            Ok(()) => Ok(Self { _file: file, path }),
            Err(TryLockError::WouldBlock) => Err(LockError::Busy(data.display().to_string())),
            Err(TryLockError::Error(e)) => Err(LockError::Io(path.display().to_string(), e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("r.db");
        let first = InstanceLock::try_acquire(&data).unwrap();
        assert!(matches!(InstanceLock::try_acquire(&data), Err(LockError::Busy(_))));
        drop(first);
        assert!(InstanceLock::try_acquire(&data).is_ok());
    }
}

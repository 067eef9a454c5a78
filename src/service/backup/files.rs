//! Temp files and names beside a backup or a data file.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use super::BackupError;

pub(super) fn io(path: &Path) -> impl Fn(std::io::Error) -> BackupError + '_ {
    move |e| BackupError::Io(format!("{}: {e}", path.display()))
}

/// Temp files removed when dropped, unless kept.
pub(super) struct Temps(pub(super) Vec<PathBuf>);

impl Temps {
    pub(super) fn add(&mut self, p: PathBuf) -> PathBuf {
        self.0.push(p.clone());
        p
    }
    pub(super) fn keep(&mut self, p: &Path) {
        self.0.retain(|t| t != p);
    }
}

impl Drop for Temps {
    fn drop(&mut self) {
        for p in &self.0 {
            let _ = fs::remove_file(p);
        }
    }
}

/// A hidden temp name in the same folder as `target` (same file system, so rename is atomic).
pub(super) fn temp_beside(target: &Path, tag: &str, now_ms: i64) -> PathBuf {
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "backup".into());
    target.with_file_name(format!(".{name}.{tag}-{}-{now_ms}.tmp", std::process::id()))
}

pub(super) fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(d) = File::open(dir)
    {
        let _ = d.sync_all();
    }
}

pub fn file_name(p: &Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// The sidecar with the backup file's sha256, in `sha256sum -c` format.
pub fn sidecar(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".sha256");
    PathBuf::from(name)
}

/// `<path><suffix>` (a name beside `path`).
pub(super) fn suffixed(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

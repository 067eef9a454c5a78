//! The identificativo politica sequence's reservation mark, kept in a small file outside the
//! data file (like the signed audit checkpoints): no number above it has ever been issued.
//! Restoring an older backup brings the data file's counter back, never this file, so a
//! number already sent to IDOL is never issued again.
//!
//! The file holds one line, the number as 8 hexadecimal digits. It is rewritten in place
//! (9 bytes at offset 0, well inside one disk sector) and synced before any number up to it is
//! used: a crash can leave numbers unused, never a number used twice. The issuer reserves
//! numbers in blocks (`service::identificativo`), so this costs one sync per block.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::StartupError;

const KEY: &str = "identificativo.high_water";

pub struct HighWater {
    path: PathBuf,
    /// The open file and the value it holds.
    state: Mutex<(File, Option<u32>)>,
}

/// Reads the file: `None` when it does not exist yet.
pub fn read(path: &Path) -> Result<Option<u32>, String> {
    match std::fs::read_to_string(path) {
        Ok(text) if text.trim().is_empty() => Ok(None),
        Ok(text) => parse(&text).map(Some).ok_or_else(|| format!("{}: contenuto non valido", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("{}: {e}", path.display())),
    }
}

fn parse(text: &str) -> Option<u32> {
    let t = text.trim();
    (t.len() == 8).then(|| u32::from_str_radix(t, 16).ok()).flatten()
}

impl HighWater {
    /// Opens (creating it empty if missing) the file named by `identificativo.high_water`.
    pub fn open(path: &Path) -> Result<Self, StartupError> {
        let err = |e: String| StartupError::key(KEY, e);
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o640);
        let mut file = options.open(path).map_err(|e| err(format!("{}: {e}", path.display())))?;
        let mut text = String::new();
        file.read_to_string(&mut text).map_err(|e| err(format!("{}: {e}", path.display())))?;
        let value =
            if text.trim().is_empty() {
                None
            } else {
                Some(parse(&text).ok_or_else(|| {
                    err(format!("{}: contenuto non valido (attese 8 cifre esadecimali)", path.display()))
                })?)
            };
        Ok(Self { path: path.to_path_buf(), state: Mutex::new((file, value)) })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The mark recorded.
    pub fn get(&self) -> Option<u32> {
        self.state.lock().map(|s| s.1).unwrap_or(None)
    }

    /// Raises the mark to `n` (a smaller one changes nothing), on disk before returning.
    pub fn record(&self, n: u32) -> std::io::Result<()> {
        self.write(n, |v| v >= n)
    }

    /// Sets the mark to `n`, lower or higher: only for the issuer giving back numbers it
    /// reserved and never handed out (`Issuer::release`), which knows every number issued is
    /// at most `n`.
    pub fn set(&self, n: u32) -> std::io::Result<()> {
        self.write(n, |v| v == n)
    }

    fn write(&self, n: u32, unchanged: impl Fn(u32) -> bool) -> std::io::Result<()> {
        let mut state = self.state.lock().map_err(|_| std::io::Error::other("high-water lock poisoned"))?;
        if state.1.is_some_and(unchanged) {
            return Ok(());
        }
        let (file, value) = &mut *state;
        file.seek(SeekFrom::Start(0))?;
        file.write_all(format!("{n:08X}\n").as_bytes())?;
        file.set_len(9)?;
        file.sync_data()?;
        *value = Some(n);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_only_upwards_and_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hw.txt");
        assert_eq!(read(&path), Ok(None));
        let hw = HighWater::open(&path).unwrap();
        assert_eq!(hw.get(), None);
        assert_eq!(read(&path), Ok(None), "created empty");
        hw.record(0x2A).unwrap();
        hw.record(0x10).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "0000002A\n");
        drop(hw);
        let hw = HighWater::open(&path).unwrap();
        assert_eq!(hw.get(), Some(0x2A));
        hw.set(0x11).unwrap();
        assert_eq!(read(&path), Ok(Some(0x11)), "set goes down too");
        hw.record(0xFFFF_FFFF).unwrap();
        assert_eq!(read(&path), Ok(Some(u32::MAX)));

        std::fs::write(&path, "zz\n").unwrap();
        let e = HighWater::open(&path).err().unwrap();
        assert!(e.to_string().contains(KEY), "{e}");
    }
}

//! The backup file: ONE zip holding the database (`ricolloca.db`) and `manifest.json`, nothing
//! else; optionally encrypted as a whole (`infra::encryption`). Packing and unpacking only: the
//! checks live in `service::backup`.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::infra::checkpoint::Checkpoint;

/// Names inside the zip.
pub const DB_ENTRY: &str = "ricolloca.db";
pub const MANIFEST_ENTRY: &str = "manifest.json";
/// Bumped when the layout of the zip or the manifest changes incompatibly.
pub const FORMAT_VERSION: u32 = 1;
pub const FORMAT_NAME: &str = "ricolloca-backup";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub format_version: u32,
    pub app_version: String,
    pub schema_version: i64,
    /// UTC, ISO 8601, and the same in milliseconds since the epoch.
    pub created_at: String,
    pub created_at_ms: i64,
    pub database: DatabaseFacts,
    /// Rows per table of the copy, to compare after a restore.
    pub row_counts: BTreeMap<String, i64>,
    pub audit: AuditFacts,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatabaseFacts {
    pub file: String,
    pub size: u64,
    pub sha256: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFacts {
    pub head_seq: i64,
    pub head_hash: String,
    /// Ed25519 over the head with the installation's audit key; absent in the automatic
    /// backup before a schema upgrade (no key is known where a data file is merely opened)
    /// and in a backup whose chain did not verify (a broken chain is never signed).
    pub checkpoint: Option<SignedHead>,
    /// Whether the chain (and the checkpoints in the copy, with the key) verified when the
    /// backup was made. A consistent snapshot is always written; a broken chain is flagged
    /// here, not refused. Absent in older manifests, which were only written when it held.
    #[serde(default = "intact_by_default")]
    pub intact: bool,
    /// What did not verify, in words for the technician.
    #[serde(default)]
    pub problem: Option<String>,
}

fn intact_by_default() -> bool {
    true
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedHead {
    pub seq: i64,
    pub hash: String,
    pub ts_ms: i64,
    pub public_key: String,
    pub signature: String,
}

impl From<&Checkpoint> for SignedHead {
    fn from(cp: &Checkpoint) -> Self {
        Self {
            seq: cp.seq,
            hash: hex::encode(cp.hash),
            ts_ms: cp.ts_ms,
            public_key: hex::encode(&cp.public_key),
            signature: hex::encode(&cp.signature),
        }
    }
}

impl SignedHead {
    pub fn to_checkpoint(&self) -> Option<Checkpoint> {
        Some(Checkpoint {
            seq: self.seq,
            hash: hex::decode(&self.hash).ok()?.try_into().ok()?,
            ts_ms: self.ts_ms,
            public_key: hex::decode(&self.public_key).ok()?,
            signature: hex::decode(&self.signature).ok()?,
        })
    }
}

/// sha256 and length of a file, streamed.
pub fn sha256_file(path: &Path) -> io::Result<(String, u64)> {
    let mut reader = BufReader::with_capacity(1 << 20, File::open(path)?);
    let mut hasher = Sha256::new();
    let n = io::copy(&mut reader, &mut HashWriter(&mut hasher))?;
    Ok((hex::encode(hasher.finalize()), n))
}

struct HashWriter<'a>(&'a mut Sha256);

impl Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Writes the zip: the database (deflated at a fast level: a data file shrinks about three
/// times and the CPU is shared with the running server), then the manifest.
pub fn pack(zip_path: &Path, db: &Path, manifest: &Manifest) -> io::Result<()> {
    // Flushed as it grows: a 2 GB zip must not reach the disk in one burst (see paced_write).
    let file = crate::infra::paced_write::PacedFile::new(File::create(zip_path)?);
    let mut zip = zip::ZipWriter::new(BufWriter::with_capacity(1 << 20, file));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1))
        .large_file(true);
    zip.start_file(DB_ENTRY, options).map_err(io::Error::other)?;
    io::copy(&mut BufReader::with_capacity(1 << 20, File::open(db)?), &mut zip)?;
    let json = serde_json::to_vec_pretty(manifest).map_err(io::Error::other)?;
    zip.start_file(MANIFEST_ENTRY, options.large_file(false)).map_err(io::Error::other)?;
    zip.write_all(&json)?;
    let inner = zip.finish().map_err(io::Error::other)?;
    let file = inner.into_inner().map_err(|e| e.into_error())?;
    file.into_inner().sync_all()
}

#[derive(Debug, thiserror::Error)]
pub enum UnpackError {
    #[error("non è un archivio zip leggibile ({0})")]
    NotZip(String),
    #[error("l'archivio non contiene {0}")]
    Missing(&'static str),
    #[error("l'archivio contiene anche {0}: un backup di Ricolloca contiene solo il database e il manifest")]
    Extra(String),
    #[error("manifest non valido: {0}")]
    BadManifest(String),
    #[error("formato di backup non supportato ({0} versione {1})")]
    Unsupported(String, u32),
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// Reads the manifest and extracts the database to `db_out`, hashing it on the way.
/// Returns the manifest and the sha256 and size of what was extracted.
pub fn unpack(zip: impl Read + Seek, db_out: &Path) -> Result<(Manifest, String, u64), UnpackError> {
    let mut archive = zip::ZipArchive::new(zip).map_err(|e| UnpackError::NotZip(e.to_string()))?;
    for name in archive.file_names() {
        if name != DB_ENTRY && name != MANIFEST_ENTRY {
            return Err(UnpackError::Extra(name.to_owned()));
        }
    }
    let manifest: Manifest = {
        let mut entry = archive.by_name(MANIFEST_ENTRY).map_err(|_| UnpackError::Missing(MANIFEST_ENTRY))?;
        let mut text = Vec::new();
        entry.by_ref().take(1 << 20).read_to_end(&mut text)?;
        serde_json::from_slice(&text).map_err(|e| UnpackError::BadManifest(e.to_string()))?
    };
    if manifest.format != FORMAT_NAME || manifest.format_version != FORMAT_VERSION {
        return Err(UnpackError::Unsupported(manifest.format.clone(), manifest.format_version));
    }
    let mut entry = archive.by_name(DB_ENTRY).map_err(|_| UnpackError::Missing(DB_ENTRY))?;
    let mut out = BufWriter::with_capacity(1 << 20, File::create(db_out)?);
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        // A corrupted deflate stream or a bad CRC shows up here as an error.
        let n = entry.read(&mut buf)?;
        if n == 0 {
            break;
        }
        let part = buf.get(..n).unwrap_or_default();
        hasher.update(part);
        out.write_all(part)?;
        size += n as u64;
    }
    let file = out.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    Ok((manifest, hex::encode(hasher.finalize()), size))
}

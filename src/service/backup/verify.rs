//! Checking a backup file whole before anything trusts it.

use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

use super::BackupError;
use super::checks::{AuditCheck, check_audit, check_integrity};
use super::files::{Temps, io, temp_beside};
use super::format::{self, Manifest};
use crate::infra::backup_seal::{self, Keys, Kind};
use crate::repo::{self, snapshot};

/// What a restore accepts beyond a fully verified backup, each only by an explicit flag.
#[derive(Debug, Clone, Copy, Default)]
pub struct Accept {
    /// A manifest without a signed head although a trusted key is known (`--allow-unsigned`):
    /// the pre-upgrade backup, written where no key is known.
    pub unsigned: bool,
    /// A backup whose chain or checkpoints do not verify (`--accept-broken-chain`).
    pub broken_chain: bool,
}

/// A backup file checked whole, its database extracted to a temp file beside the data file.
pub struct Verified {
    pub manifest: Manifest,
    pub db: PathBuf,
    pub(super) temps: Temps,
}

/// Opens, decrypts if needed (age with the Region's identities, or the passphrase), and checks a backup: the zip, the manifest, the database's
/// sha256 and size, integrity, the chain and its head, the row counts, and the signed
/// checkpoint. With a trusted key and a non-empty chain the manifest MUST carry a head
/// signed by that key (anyone can recompute hashes and counts; nobody else can sign), unless
/// `accept.unsigned`. Nothing outside `work_dir` temps.
pub fn verify(
    file: &Path,
    keys: &Keys,
    trusted_key: Option<&[u8]>,
    accept: Accept,
    work_dir: &Path,
    now_ms: i64,
) -> Result<Verified, BackupError> {
    let mut temps = Temps(Vec::new());
    let stem = work_dir.join("ripristino");
    let zip_path = if Kind::of_file(file) == Kind::Plain {
        file.to_owned()
    } else {
        let plain = temps.add(temp_beside(&stem, "zip", now_ms));
        backup_seal::open_file(file, &plain, keys)?;
        plain
    };
    let db = temps.add(temp_beside(&stem, "db", now_ms));
    let zip = BufReader::new(File::open(&zip_path).map_err(io(&zip_path))?);
    let (manifest, sha256, size) = format::unpack(zip, &db)?;
    if sha256 != manifest.database.sha256 || size != manifest.database.size {
        return Err(BackupError::Manifest(format!(
            "il database estratto non corrisponde al manifest (sha256 {sha256}, atteso {})",
            manifest.database.sha256
        )));
    }
    if manifest.schema_version > repo::SCHEMA_VERSION {
        return Err(BackupError::Manifest(format!(
            "backup di una versione più recente (schema {}, questo programma conosce fino a {})",
            manifest.schema_version,
            repo::SCHEMA_VERSION
        )));
    }
    let conn = snapshot::open_copy(&db)?;
    check_integrity(&conn)?;
    let AuditCheck { head_seq, head_hash, problem } = check_audit(&conn, trusted_key)?;
    if head_seq != manifest.audit.head_seq || hex::encode(head_hash) != manifest.audit.head_hash {
        return Err(BackupError::Manifest("la testa della catena di audit non corrisponde al manifest".into()));
    }
    if snapshot::row_counts(&conn)? != manifest.row_counts {
        return Err(BackupError::Manifest("i conteggi delle righe non corrispondono al manifest".into()));
    }
    if snapshot::schema_version(&conn)? != manifest.schema_version {
        return Err(BackupError::Manifest("la versione dello schema non corrisponde al manifest".into()));
    }
    // Without a trusted key there is nothing to check a signature against (the caller says so
    // to the technician); a missing signature is checked below.
    if let (Some(signed), Some(key)) = (&manifest.audit.checkpoint, trusted_key) {
        let cp = signed
            .to_checkpoint()
            .ok_or_else(|| BackupError::Checkpoint("checkpoint del manifest illeggibile".into()))?;
        if !cp.verifies_with(key) {
            return Err(BackupError::Checkpoint(
                "il checkpoint del manifest non è firmato dalla chiave di audit di questa installazione".into(),
            ));
        }
        if cp.seq != head_seq || cp.hash != head_hash {
            return Err(BackupError::Checkpoint(
                "il checkpoint firmato non corrisponde alla testa della catena".into(),
            ));
        }
    }
    match problem {
        Some(problem) if !accept.broken_chain => return Err(BackupError::BrokenChain(problem)),
        // A broken chain is never signed: `--accept-broken-chain` covers its missing signature.
        Some(_) => {}
        None if trusted_key.is_some() && manifest.audit.checkpoint.is_none() && head_seq > 0 && !accept.unsigned => {
            return Err(BackupError::Unsigned(head_seq));
        }
        None => {}
    }
    drop(conn);
    Ok(Verified { manifest, db, temps })
}

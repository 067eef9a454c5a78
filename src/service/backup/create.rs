//! Making a backup: the snapshot, its checks, the manifest, the zip (encrypted if asked), the
//! sidecar; and the one audited backup that every caller uses.

use std::fs::{self, File};
use std::io::BufReader;
use std::path::{Path, PathBuf};

use super::checks::{AuditCheck, check_audit, check_integrity};
use super::files::{Temps, file_name, io, sidecar, sync_dir, temp_beside};
use super::format::{self, AuditFacts, DatabaseFacts, Manifest, SignedHead};
use super::verify::{Accept, verify};
use super::{Refused, crypto};
use crate::domain::audit_changes::BackupCreated;
use crate::domain::audit_event::AuditEvent;
use crate::domain::timestamp::Timestamp;
use crate::error::{AppError, Cause};
use crate::infra::backup_seal::{Keys, Kind, Seal, seal_file};
use crate::infra::checkpoint::{Checkpoint, SigningKey};
use crate::infra::clock::format_iso;
use crate::repo::snapshot;

/// What a finished backup is.
#[derive(Debug, Clone)]
pub struct Created {
    pub file: PathBuf,
    /// sha256 of the backup file itself (as written to `<file>.sha256`).
    pub file_sha256: String,
    pub size: u64,
    pub encrypted: bool,
    /// How it is sealed (age to the Region's keys, passphrase, none).
    pub sealing: Kind,
    pub manifest: Manifest,
    pub checkpoint: Option<Checkpoint>,
}

impl Created {
    /// The `backup.create` audit event.
    pub fn event(&self) -> Result<AuditEvent, AppError> {
        AuditEvent::of_change(&BackupCreated {
            file: &file_name(&self.file),
            sha256: &self.file_sha256,
            size: self.size,
            encrypted: self.encrypted,
            sealing: self.sealing.label(),
            database_sha256: &self.manifest.database.sha256,
            audit_head_seq: self.manifest.audit.head_seq,
            audit_intact: self.manifest.audit.intact,
            audit_problem: self.manifest.audit.problem.as_deref(),
        })
        .map_err(AppError::internal)
    }
}

pub struct BackupRequest<'a> {
    pub data: &'a Path,
    pub out: &'a Path,
    /// How the file is sealed (`Seal::None`: a plain zip).
    pub seal: &'a Seal,
    /// Signs the head into the manifest; `None` only for the pre-upgrade backup.
    pub key: Option<&'a SigningKey>,
    pub now: Timestamp,
}

/// Makes one backup file at `req.out` (which must not exist yet).
pub fn create(req: &BackupRequest<'_>) -> Result<Created, AppError> {
    let out = req.out;
    if out.exists() {
        return Err(Refused::Exists(out.display().to_string()).into());
    }
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(io(dir))?;
    }
    let mut temps = Temps(Vec::new());
    let snap = temps.add(temp_beside(out, "db", req.now));
    {
        // SQLite writes the snapshot; its pages go to disk as they come, not in one burst.
        let _flushing = crate::infra::paced_write::FlushWhileWritten::start(&snap);
        snapshot::vacuum_into(req.data, &snap)?;
    }

    let conn = snapshot::open_copy(&snap)?;
    check_integrity(&conn)?;
    let public_key = req.key.map(SigningKey::public_key);
    // A broken chain does not stop the backup (the snapshot is consistent, and a backup is
    // worth more than none): it is flagged in the manifest, and never signed.
    let AuditCheck { head_seq, head_hash, problem } = check_audit(&conn, public_key.as_deref())?;
    let checkpoint = match req.key {
        Some(key) if head_seq > 0 && problem.is_none() => Some(key.sign(head_seq, head_hash, req.now.as_ms())),
        _ => None,
    };
    let manifest = Manifest {
        format: format::FORMAT_NAME.into(),
        format_version: format::FORMAT_VERSION,
        app_version: env!("CARGO_PKG_VERSION").into(),
        schema_version: snapshot::schema_version(&conn)?,
        created_at: format_iso(req.now),
        created_at_ms: req.now.as_ms(),
        database: {
            let (sha256, size) = format::sha256_file(&snap).map_err(io(&snap))?;
            DatabaseFacts { file: format::DB_ENTRY.into(), size, sha256 }
        },
        row_counts: snapshot::row_counts(&conn)?,
        audit: AuditFacts {
            head_seq,
            head_hash: hex::encode(head_hash),
            checkpoint: checkpoint.as_ref().map(SignedHead::from),
            intact: problem.is_none(),
            problem,
        },
    };
    drop(conn);

    let zip = temps.add(temp_beside(out, "zip", req.now));
    format::pack(&zip, &snap, &manifest).map_err(io(&zip))?;
    let _ = fs::remove_file(&snap);
    // The zip must read back: the central directory and the manifest (cheap; the database
    // entry's CRC was computed while writing it).
    {
        let f = File::open(&zip).map_err(io(&zip))?;
        let mut archive = zip::ZipArchive::new(BufReader::new(f))
            .map_err(|e| Refused::Manifest(format!("archivio appena scritto illeggibile: {e}")))?;
        archive
            .by_name(format::MANIFEST_ENTRY)
            .map_err(|e| Refused::Manifest(format!("archivio appena scritto illeggibile: {e}")))?;
    }
    let ready = if req.seal.is_sealed() {
        let enc = temps.add(temp_beside(out, "enc", req.now));
        seal_file(&zip, &enc, req.seal).map_err(crypto)?;
        let _ = fs::remove_file(&zip);
        enc
    } else {
        zip.clone()
    };
    let (file_sha256, size) = format::sha256_file(&ready).map_err(io(&ready))?;
    // Only now does a file with the real name appear; the sidecar follows.
    fs::rename(&ready, out).map_err(io(out))?;
    temps.keep(&ready);
    sync_dir(out);
    let side = sidecar(out);
    fs::write(&side, format!("{file_sha256}  {}\n", file_name(out))).map_err(io(&side))?;
    Ok(Created {
        file: out.to_owned(),
        file_sha256,
        size,
        encrypted: req.seal.is_sealed(),
        sealing: req.seal.kind(),
        manifest,
        checkpoint,
    })
}

/// The automatic backup beside an older data file, before its schema is upgraded: sealed as
/// the configuration says (the server cannot open an age backup, so the plain zip is verified
/// first, under a temp name, and sealed after), not signed (no key is known where a data file
/// is merely opened). Returns its path.
pub fn before_upgrade(data: &Path, from: i64, now: Timestamp, seal: &Seal) -> Result<PathBuf, AppError> {
    let stamp = format_iso(now).replace(['-', ':'], "");
    let stamp = stamp.split('.').next().unwrap_or_default();
    let mut name = data.as_os_str().to_owned();
    name.push(format!(".schema-{from}-prima-dell-aggiornamento-{stamp}Z{}", seal.kind().suffix()));
    let out = PathBuf::from(name);
    if out.exists() {
        return Err(Refused::Exists(out.display().to_string()).into());
    }
    let mut temps = Temps(Vec::new());
    let plain = temps.add(temp_beside(&out, "plain", now));
    let created = create(&BackupRequest { data, out: &plain, seal: &Seal::None, key: None, now })?;
    temps.add(sidecar(&plain));
    let work_dir = data.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    // The chain's state is in the manifest; here only that the file reads back whole.
    let accept = Accept { unsigned: true, broken_chain: true };
    drop(verify(&created.file, &Keys::default(), None, accept, work_dir, now)?);
    let ready = temps.add(temp_beside(&out, "sealed", now));
    seal_file(&plain, &ready, seal).map_err(crypto)?;
    let (sha256, _) = format::sha256_file(&ready).map_err(io(&ready))?;
    fs::rename(&ready, &out).map_err(io(&out))?;
    temps.keep(&ready);
    sync_dir(&out);
    let side = sidecar(&out);
    fs::write(&side, format!("{sha256}  {}\n", file_name(&out))).map_err(io(&side))?;
    Ok(out)
}

/// A backup made and recorded: the file, and whether its signed head reached the checkpoint
/// file (the server logs a failure there and goes on; the command line reports it).
#[derive(Debug)]
pub struct Recorded {
    pub created: Created,
    /// Why the signed head could not be appended to the checkpoint file, if it could not.
    pub checkpoint_file_error: Option<String>,
}

/// The one audited backup, for the command line, the schedule and the tecnico's screen: the
/// file (`create`), then its `backup.create` row written by `audit` (the writer in the server,
/// a transaction of its own on the command line). If the row cannot be written the file and
/// its sidecar are removed: no backup exists that the trail does not know about. Then the
/// signed head goes to the checkpoint file kept outside the data file.
pub fn create_recorded(
    req: &BackupRequest<'_>,
    checkpoints: &Path,
    audit: impl FnOnce(AuditEvent) -> Result<(), AppError>,
) -> Result<Recorded, AppError> {
    let created = create(req)?;
    if let Err(e) = created.event().and_then(audit) {
        let _ = fs::remove_file(&created.file);
        let _ = fs::remove_file(sidecar(&created.file));
        let reason = format!("backup rimosso: riga di audit non scritta ({e})");
        return Err(AppError::Declined { reason, cause: Some(Cause::new(e)) });
    }
    let checkpoint_file_error = created.checkpoint.as_ref().and_then(|cp| {
        crate::infra::checkpoint::append_to_file(checkpoints, cp)
            .err()
            .map(|e| format!("{}: {e}", checkpoints.display()))
    });
    Ok(Recorded { created, checkpoint_file_error })
}

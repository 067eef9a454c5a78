//! Backups and restore: a consistent snapshot of the live file, checked (integrity, audit
//! chain, signed checkpoints) BEFORE it is packed, and checked again before a restore touches
//! anything. Every intermediate file is a temp name that is removed on every failure path; the
//! backup appears under its real name only when all checks passed.
//!
//! The audit rows (`backup.create`, `backup.restore`) are written by the callers, through the
//! writer (server) or `repo::write_once` (command line), with the facts returned here.

use std::fs::{self, File};
use std::io::{BufReader, BufWriter, Read};
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::domain::audit_event::{Actor, AuditEvent, Change};
use crate::error::AppError;
use crate::infra::backup_format::{self, AuditFacts, DatabaseFacts, Manifest, SignedHead};
use crate::infra::checkpoint::{Checkpoint, SigningKey};
use crate::infra::clock::format_iso;
use crate::infra::encryption::{self, EncryptWriter};
use crate::infra::instance_lock::{InstanceLock, LockError};
use crate::repo::{self, WriteTx, audit, snapshot};
use crate::service;

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0}")]
    Io(String),
    #[error("copia non integra (integrity_check): {0}")]
    Integrity(String),
    #[error("catena di audit della copia interrotta alla riga {0}: {1}")]
    Chain(i64, String),
    #[error("checkpoint di audit: {0}")]
    Checkpoint(String),
    #[error("manifest: {0}")]
    Manifest(String),
    #[error("il file {0} esiste già: scegliere un altro nome")]
    Exists(String),
    #[error("backup cifrato: indicare la passphrase con --passphrase-file")]
    NeedsPassphrase,
    #[error("{0}")]
    Crypto(#[from] encryption::CryptoError),
    #[error("{0}")]
    Format(#[from] backup_format::UnpackError),
    #[error("{0}")]
    Db(#[from] AppError),
    #[error("ripristino rifiutato: {0}. Fermare il servizio (systemctl stop ricolloca) e riprovare")]
    ServerRunning(String),
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> BackupError + '_ {
    move |e| BackupError::Io(format!("{}: {e}", path.display()))
}

/// Temp files removed when dropped, unless kept.
struct Temps(Vec<PathBuf>);

impl Temps {
    fn add(&mut self, p: PathBuf) -> PathBuf {
        self.0.push(p.clone());
        p
    }
    fn keep(&mut self, p: &Path) {
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
fn temp_beside(target: &Path, tag: &str, now_ms: i64) -> PathBuf {
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "backup".into());
    target.with_file_name(format!(".{name}.{tag}-{}-{now_ms}.tmp", std::process::id()))
}

fn sync_dir(path: &Path) {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
        && let Ok(d) = File::open(dir)
    {
        let _ = d.sync_all();
    }
}

/// What a finished backup is.
#[derive(Debug, Clone)]
pub struct Created {
    pub file: PathBuf,
    /// sha256 of the backup file itself (as written to `<file>.sha256`).
    pub file_sha256: String,
    pub size: u64,
    pub encrypted: bool,
    pub manifest: Manifest,
    pub checkpoint: Option<Checkpoint>,
}

impl Created {
    /// The `backup.create` audit event.
    pub fn event(&self) -> AuditEvent {
        AuditEvent::Change {
            change: Change::BackupCreate,
            object: format!("backup:{}", file_name(&self.file)),
            detail: json!({
                "file": file_name(&self.file),
                "sha256": self.file_sha256,
                "size": self.size,
                "encrypted": self.encrypted,
                "database_sha256": self.manifest.database.sha256,
                "audit_head_seq": self.manifest.audit.head_seq,
            }),
        }
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

/// The facts checked on a copy: integrity, chain, and the chain against the checkpoints it
/// holds (with the trusted key, when there is one). Returns the chain head.
fn check_copy(conn: &rusqlite::Connection, trusted_key: Option<&[u8]>) -> Result<(i64, [u8; 32]), BackupError> {
    let problems = snapshot::integrity_problems(conn)?;
    if !problems.is_empty() {
        return Err(BackupError::Integrity(problems.into_iter().take(5).collect::<Vec<_>>().join("; ")));
    }
    let report = audit::verify(conn)?;
    if let Some((seq, kind)) = report.broken {
        return Err(BackupError::Chain(seq, kind.describe()));
    }
    if let Some(key) = trusted_key {
        let cps = audit::checkpoints(conn)?;
        if let Some(problem) = service::audit::check(conn, report.head_seq, &cps, key)? {
            return Err(BackupError::Checkpoint(problem.describe()));
        }
    }
    Ok((report.head_seq, report.head_hash))
}

pub struct BackupRequest<'a> {
    pub data: &'a Path,
    pub out: &'a Path,
    pub passphrase: Option<&'a [u8]>,
    /// Signs the head into the manifest; `None` only for the pre-upgrade backup.
    pub key: Option<&'a SigningKey>,
    pub now_ms: i64,
}

/// Makes one backup file at `req.out` (which must not exist yet).
pub fn create(req: &BackupRequest<'_>) -> Result<Created, BackupError> {
    let out = req.out;
    if out.exists() {
        return Err(BackupError::Exists(out.display().to_string()));
    }
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(io(dir))?;
    }
    let mut temps = Temps(Vec::new());
    let snap = temps.add(temp_beside(out, "db", req.now_ms));
    snapshot::vacuum_into(req.data, &snap)?;

    let conn = snapshot::open_copy(&snap)?;
    let public_key = req.key.map(SigningKey::public_key);
    let (head_seq, head_hash) = check_copy(&conn, public_key.as_deref())?;
    let checkpoint = match req.key {
        Some(key) if head_seq > 0 => Some(key.sign(head_seq, head_hash, req.now_ms)),
        _ => None,
    };
    let manifest = Manifest {
        format: backup_format::FORMAT_NAME.into(),
        format_version: backup_format::FORMAT_VERSION,
        app_version: env!("CARGO_PKG_VERSION").into(),
        schema_version: snapshot::schema_version(&conn)?,
        created_at: format_iso(req.now_ms),
        created_at_ms: req.now_ms,
        database: {
            let (sha256, size) = backup_format::sha256_file(&snap).map_err(io(&snap))?;
            DatabaseFacts { file: backup_format::DB_ENTRY.into(), size, sha256 }
        },
        row_counts: snapshot::row_counts(&conn)?,
        audit: AuditFacts {
            head_seq,
            head_hash: hex::encode(head_hash),
            checkpoint: checkpoint.as_ref().map(SignedHead::from),
        },
    };
    drop(conn);

    let zip = temps.add(temp_beside(out, "zip", req.now_ms));
    backup_format::pack(&zip, &snap, &manifest).map_err(io(&zip))?;
    let _ = fs::remove_file(&snap);
    // The zip must read back: the central directory and the manifest (cheap; the database
    // entry's CRC was computed while writing it).
    {
        let f = File::open(&zip).map_err(io(&zip))?;
        let mut archive = zip::ZipArchive::new(BufReader::new(f))
            .map_err(|e| BackupError::Manifest(format!("archivio appena scritto illeggibile: {e}")))?;
        archive
            .by_name(backup_format::MANIFEST_ENTRY)
            .map_err(|e| BackupError::Manifest(format!("archivio appena scritto illeggibile: {e}")))?;
    }
    let ready = match req.passphrase {
        None => zip.clone(),
        Some(pass) => {
            let enc = temps.add(temp_beside(out, "enc", req.now_ms));
            let file = File::create(&enc).map_err(io(&enc))?;
            let mut writer = EncryptWriter::new(BufWriter::with_capacity(1 << 20, file), pass)?;
            std::io::copy(&mut BufReader::with_capacity(1 << 20, File::open(&zip).map_err(io(&zip))?), &mut writer)
                .map_err(io(&enc))?;
            let file = writer.finish().map_err(io(&enc))?.into_inner().map_err(|e| io(&enc)(e.into_error()))?;
            file.sync_all().map_err(io(&enc))?;
            let _ = fs::remove_file(&zip);
            enc
        }
    };
    let (file_sha256, size) = backup_format::sha256_file(&ready).map_err(io(&ready))?;
    // Only now does a file with the real name appear; the sidecar follows.
    fs::rename(&ready, out).map_err(io(out))?;
    temps.keep(&ready);
    sync_dir(out);
    let side = sidecar(out);
    fs::write(&side, format!("{file_sha256}  {}\n", file_name(out))).map_err(io(&side))?;
    Ok(Created { file: out.to_owned(), file_sha256, size, encrypted: req.passphrase.is_some(), manifest, checkpoint })
}

/// The automatic backup beside an older data file, before its schema is upgraded: not
/// encrypted, not signed (no key is known where a data file is merely opened), verified like
/// any other. Returns its path.
pub fn before_upgrade(data: &Path, from: i64, now_ms: i64) -> Result<PathBuf, BackupError> {
    let stamp = format_iso(now_ms).replace(['-', ':'], "");
    let stamp = stamp.split('.').next().unwrap_or_default();
    let mut name = data.as_os_str().to_owned();
    name.push(format!(".schema-{from}-prima-dell-aggiornamento-{stamp}Z.zip"));
    let out = PathBuf::from(name);
    let created = create(&BackupRequest { data, out: &out, passphrase: None, key: None, now_ms })?;
    let work_dir = data.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    drop(verify(&created.file, None, None, work_dir, now_ms)?);
    Ok(created.file)
}

/// A backup file checked whole, its database extracted to a temp file beside the data file.
pub struct Verified {
    pub manifest: Manifest,
    pub db: PathBuf,
    temps: Temps,
}

/// Opens, decrypts if needed, and checks a backup: the zip, the manifest, the database's
/// sha256 and size, integrity, the chain and its head, the row counts, and the signed
/// checkpoint (against the trusted key when there is one). Nothing outside `work_dir` temps.
pub fn verify(
    file: &Path,
    passphrase: Option<&[u8]>,
    trusted_key: Option<&[u8]>,
    work_dir: &Path,
    now_ms: i64,
) -> Result<Verified, BackupError> {
    let mut temps = Temps(Vec::new());
    let mut head = [0u8; 8];
    let mut f = File::open(file).map_err(io(file))?;
    let got = f.read(&mut head).map_err(io(file))?;
    let stem = work_dir.join("ripristino");
    let zip_path = if encryption::is_encrypted(head.get(..got).unwrap_or_default()) {
        let pass = passphrase.ok_or(BackupError::NeedsPassphrase)?;
        let plain = temps.add(temp_beside(&stem, "zip", now_ms));
        let out = BufWriter::with_capacity(1 << 20, File::create(&plain).map_err(io(&plain))?);
        encryption::decrypt(BufReader::with_capacity(1 << 20, File::open(file).map_err(io(file))?), out, pass)?;
        plain
    } else {
        file.to_owned()
    };
    let db = temps.add(temp_beside(&stem, "db", now_ms));
    let zip = BufReader::new(File::open(&zip_path).map_err(io(&zip_path))?);
    let (manifest, sha256, size) = backup_format::unpack(zip, &db)?;
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
    let (head_seq, head_hash) = check_copy(&conn, trusted_key)?;
    if head_seq != manifest.audit.head_seq || hex::encode(head_hash) != manifest.audit.head_hash {
        return Err(BackupError::Manifest("la testa della catena di audit non corrisponde al manifest".into()));
    }
    if snapshot::row_counts(&conn)? != manifest.row_counts {
        return Err(BackupError::Manifest("i conteggi delle righe non corrispondono al manifest".into()));
    }
    if snapshot::schema_version(&conn)? != manifest.schema_version {
        return Err(BackupError::Manifest("la versione dello schema non corrisponde al manifest".into()));
    }
    // The pre-upgrade backup carries no signature, and without a trusted key there is nothing
    // to check a signature against: the chain itself was verified above.
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
    drop(conn);
    Ok(Verified { manifest, db, temps })
}

/// What a restore did, for the technician.
#[derive(Debug, Clone)]
pub struct Restored {
    pub manifest: Manifest,
    pub moved_aside: Vec<PathBuf>,
    pub data: PathBuf,
}

/// The checkpoint file after a restore: the chain went back to the backup's head, so signed
/// checkpoints past it (or of rows that are no longer there) would read as a truncated tail
/// for ever. The old file is moved aside (kept as evidence, never deleted); the new one holds
/// the old checkpoints that still match the restored chain and the backup's own.
fn rebase_checkpoints(
    file: &Path,
    conn: &rusqlite::Connection,
    signed: Option<&Checkpoint>,
    stamp: &str,
) -> Result<(Option<PathBuf>, usize), BackupError> {
    let mut keep: Vec<Checkpoint> = Vec::new();
    let mut aside = None;
    let mut dropped = 0;
    if file.exists() {
        let old = crate::infra::checkpoint::read_file(file).map_err(io(file))?;
        for cp in old {
            match audit::row_hash(conn, cp.seq)? {
                Some(h) if h.as_slice() == cp.hash.as_slice() => keep.push(cp),
                _ => dropped += 1,
            }
        }
        let mut name = file.as_os_str().to_owned();
        name.push(format!(".prima-del-ripristino-{stamp}"));
        let to = PathBuf::from(name);
        fs::rename(file, &to).map_err(io(file))?;
        aside = Some(to);
    }
    keep.extend(signed.cloned());
    keep.sort_by_key(|c| c.seq);
    keep.dedup_by_key(|c| c.seq);
    for cp in &keep {
        crate::infra::checkpoint::append_to_file(file, cp).map_err(io(file))?;
    }
    Ok((aside, dropped))
}

/// Replaces the data file with a verified backup. Refuses while the server runs (it holds the
/// instance lock), verifies everything before touching anything, moves the current file and its
/// `-wal`/`-shm` aside under a timestamped name (never deletes them), rebases the checkpoint
/// file (see `rebase_checkpoints`), then writes the
/// `backup.restore` audit row into the restored file.
pub fn restore(
    data: &Path,
    checkpoint_file: &Path,
    file: &Path,
    passphrase: Option<&[u8]>,
    trusted_key: Option<&[u8]>,
    actor: &Actor,
    now_ms: i64,
) -> Result<Restored, BackupError> {
    let _lock = InstanceLock::try_acquire(data).map_err(|e| match e {
        LockError::Busy(_) => BackupError::ServerRunning(e.to_string()),
        LockError::Io(..) => BackupError::Io(e.to_string()),
    })?;
    let work_dir = data.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut verified = verify(file, passphrase, trusted_key, work_dir, now_ms)?;

    let stamp = format_iso(now_ms).replace([':', '-'], "").replace(".000", "").replace('.', "");
    let aside = {
        let mut name = data.as_os_str().to_owned();
        name.push(format!(".prima-del-ripristino-{stamp}"));
        PathBuf::from(name)
    };
    let mut moved = Vec::new();
    if data.exists() {
        fs::rename(data, &aside).map_err(io(data))?;
        moved.push(aside.clone());
        // The WAL may hold committed rows: it goes with its file (same suffix), so the file
        // set aside opens complete; nothing stale stays beside the restored file.
        for suffix in ["-wal", "-shm"] {
            let mut from = data.as_os_str().to_owned();
            from.push(suffix);
            let from = PathBuf::from(from);
            if from.exists() {
                let mut to = aside.as_os_str().to_owned();
                to.push(suffix);
                let to = PathBuf::from(to);
                fs::rename(&from, &to).map_err(io(&from))?;
                moved.push(to);
            }
        }
    }
    fs::rename(&verified.db, data).map_err(io(data))?;
    let db = verified.db.clone();
    verified.temps.keep(&db);
    sync_dir(data);

    let mut conn = repo::open_and_migrate(data).map_err(|e| BackupError::Io(e.to_string()))?;
    let signed = verified.manifest.audit.checkpoint.as_ref().and_then(SignedHead::to_checkpoint);
    let (checkpoints_aside, dropped) = rebase_checkpoints(checkpoint_file, &conn, signed.as_ref(), &stamp)?;
    if let Some(p) = &checkpoints_aside {
        moved.push(p.clone());
    }
    let detail = json!({
        "checkpoints_dropped": dropped,
        "file": file.display().to_string(),
        "database_sha256": verified.manifest.database.sha256,
        "backup_created_at": verified.manifest.created_at,
        "audit_head_seq": verified.manifest.audit.head_seq,
        "moved_aside": moved.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
    });
    let event =
        AuditEvent::Change { change: Change::BackupRestore, object: format!("backup:{}", file_name(file)), detail };
    repo::write_once(&mut conn, |tx: &WriteTx<'_>| audit::append(tx, now_ms, actor, &event).map(|_| ()))?;
    Ok(Restored { manifest: verified.manifest, moved_aside: moved, data: data.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::AdminAuthority;

    fn live(dir: &Path) -> PathBuf {
        let data = dir.join("live.db");
        let mut conn = repo::open_and_migrate(&data).unwrap();
        let who = AdminAuthority::system();
        repo::write_once(&mut conn, |tx| {
            for i in 0..5 {
                let event = AuditEvent::Change {
                    change: Change::CodesImport,
                    object: format!("code_list:{i}"),
                    detail: json!({ "i": i }),
                };
                audit::append(tx, 1_000 + i, who.actor(), &event)?;
            }
            Ok(())
        })
        .unwrap();
        data
    }

    #[test]
    fn backup_verifies_and_a_change_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let data = live(dir.path());
        let key = SigningKey::load_or_create(&dir.path().join("audit.key")).unwrap();
        let out = dir.path().join("b").join("one.zip");
        let req = BackupRequest { data: &data, out: &out, passphrase: None, key: Some(&key), now_ms: 2_000 };
        let made = create(&req).unwrap();
        assert_eq!(made.manifest.audit.head_seq, 5);
        assert!(made.manifest.audit.checkpoint.is_some());
        assert!(sidecar(&out).exists());
        assert!(matches!(create(&req), Err(BackupError::Exists(_))));
        // Only the backup and its sidecar are left: no temp files.
        let names: Vec<String> = fs::read_dir(out.parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
        let v = verify(&out, None, Some(&key.public_key()), dir.path(), 3_000).unwrap();
        assert_eq!(v.manifest, made.manifest);
        drop(v);
        // Another installation's key: refused.
        let other = SigningKey::load_or_create(&dir.path().join("other.key")).unwrap();
        assert!(matches!(
            verify(&out, None, Some(&other.public_key()), dir.path(), 3_000),
            Err(BackupError::Checkpoint(_))
        ));

        // Encrypted.
        let enc = dir.path().join("b").join("two.zip.enc");
        let req = BackupRequest { data: &data, out: &enc, passphrase: Some(b"pw"), key: Some(&key), now_ms: 2_001 };
        create(&req).unwrap();
        assert!(matches!(verify(&enc, None, None, dir.path(), 1), Err(BackupError::NeedsPassphrase)));
        assert!(verify(&enc, Some(b"pw"), Some(&key.public_key()), dir.path(), 1).is_ok());
        assert!(matches!(verify(&enc, Some(b"no"), None, dir.path(), 1), Err(BackupError::Crypto(_))));
        // No temp file left behind by failed verifications.
        assert!(fs::read_dir(dir.path()).unwrap().all(|e| !e.unwrap().file_name().to_string_lossy().ends_with(".tmp")));
    }
}

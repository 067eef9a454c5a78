//! Backups and restore: a consistent snapshot of the live file, checked (integrity, audit
//! chain, signed checkpoints) BEFORE it is packed, and checked again before a restore touches
//! anything. Only an inconsistent snapshot stops a backup; a chain that does not verify is
//! written down in the manifest (and never signed), and a restore refuses it unless told. Every intermediate file is a temp name that is removed on every failure path; the
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
    #[error(
        "ripristino rifiutato, nulla è stato toccato: catena di audit del backup non integra ({0}). Per ripristinarlo comunque: --accept-broken-chain"
    )]
    BrokenChain(String),
    #[error(
        "ripristino rifiutato, nulla è stato toccato: il manifest non contiene il checkpoint firmato della testa della catena (riga {0}), quindi la catena del backup non è garantita dalla chiave di audit di questa installazione. Un backup senza firma (come quello automatico prima di un aggiornamento) si ripristina solo con --allow-unsigned"
    )]
    Unsigned(i64),
    #[error(
        "ripristino rifiutato, nulla è stato toccato: la catena di audit del backup non concorda con il file dei checkpoint {file}: {what}"
    )]
    Disagrees { file: String, what: String },
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
                "audit_intact": self.manifest.audit.intact,
                "audit_problem": self.manifest.audit.problem,
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

/// `PRAGMA integrity_check` on a copy: the one check that stops a backup.
fn check_integrity(conn: &rusqlite::Connection) -> Result<(), BackupError> {
    let problems = snapshot::integrity_problems(conn)?;
    if !problems.is_empty() {
        return Err(BackupError::Integrity(problems.into_iter().take(5).collect::<Vec<_>>().join("; ")));
    }
    Ok(())
}

/// How a copy's audit trail stands: the chain, and the chain against the checkpoints it holds
/// (with the trusted key, when there is one). `problem` is `None` when all of it verified.
struct AuditCheck {
    head_seq: i64,
    head_hash: [u8; 32],
    problem: Option<String>,
}

fn check_audit(conn: &rusqlite::Connection, trusted_key: Option<&[u8]>) -> Result<AuditCheck, BackupError> {
    let report = audit::verify(conn)?;
    let (head_seq, head_hash) = (report.head_seq, report.head_hash);
    if let Some((seq, kind)) = report.broken {
        let problem = Some(format!("catena interrotta alla riga {seq}: {}", kind.describe()));
        return Ok(AuditCheck { head_seq, head_hash, problem });
    }
    let problem = match trusted_key {
        Some(key) => {
            let cps = audit::checkpoints(conn)?;
            service::audit::check(conn, head_seq, &cps, key)?.map(|p| format!("checkpoint di audit: {}", p.describe()))
        }
        None => None,
    };
    Ok(AuditCheck { head_seq, head_hash, problem })
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
    check_integrity(&conn)?;
    let public_key = req.key.map(SigningKey::public_key);
    // A broken chain does not stop the backup (the snapshot is consistent, and a backup is
    // worth more than none): it is flagged in the manifest, and never signed.
    let AuditCheck { head_seq, head_hash, problem } = check_audit(&conn, public_key.as_deref())?;
    let checkpoint = match req.key {
        Some(key) if head_seq > 0 && problem.is_none() => Some(key.sign(head_seq, head_hash, req.now_ms)),
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
            intact: problem.is_none(),
            problem,
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
    // The chain's state is in the manifest; here only that the file reads back whole.
    let accept = Accept { unsigned: true, broken_chain: true };
    drop(verify(&created.file, None, None, accept, work_dir, now_ms)?);
    Ok(created.file)
}

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
    temps: Temps,
}

/// Opens, decrypts if needed, and checks a backup: the zip, the manifest, the database's
/// sha256 and size, integrity, the chain and its head, the row counts, and the signed
/// checkpoint. With a trusted key and a non-empty chain the manifest MUST carry a head
/// signed by that key (anyone can recompute hashes and counts; nobody else can sign), unless
/// `accept.unsigned`. Nothing outside `work_dir` temps.
pub fn verify(
    file: &Path,
    passphrase: Option<&[u8]>,
    trusted_key: Option<&[u8]>,
    accept: Accept,
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

/// The backup's chain against the checkpoints kept outside the data file: every checkpoint up
/// to the backup's head must name a row the backup has, with the same hash (or a row pruned
/// under a signed anchor). A rewritten trail can be re-hashed, its internal checkpoints
/// deleted and its manifest recomputed; the checkpoint file still knows the truth.
fn check_against_file(
    conn: &rusqlite::Connection,
    head_seq: i64,
    checkpoints: &[Checkpoint],
    file: &Path,
) -> Result<(), BackupError> {
    let anchor = repo::audit_prune::anchor(conn)?;
    let disagrees = |what: String| BackupError::Disagrees { file: file.display().to_string(), what };
    for cp in checkpoints.iter().filter(|c| c.seq <= head_seq) {
        match audit::row_hash(conn, cp.seq)? {
            Some(h) if h.as_slice() == cp.hash.as_slice() => {}
            Some(h) => {
                return Err(disagrees(format!(
                    "alla riga {} il checkpoint firmato registra l'impronta {}, il backup ha {} (registro riscritto dopo il checkpoint)",
                    cp.seq,
                    hex::encode(cp.hash),
                    hex::encode(h)
                )));
            }
            None => match &anchor {
                Some(a) if cp.seq < a.up_to_seq => {}
                Some(a) if cp.seq == a.up_to_seq && a.hash == cp.hash => {}
                _ => {
                    return Err(disagrees(format!(
                        "il checkpoint firmato alla riga {} nomina una riga che il backup non contiene (righe cancellate)",
                        cp.seq
                    )));
                }
            },
        }
    }
    Ok(())
}

/// What a restore did, for the technician.
#[derive(Debug, Clone)]
pub struct Restored {
    pub manifest: Manifest,
    pub moved_aside: Vec<PathBuf>,
    pub data: PathBuf,
    pub checkpoints_dropped: usize,
}

pub struct RestoreRequest<'a> {
    pub data: &'a Path,
    pub checkpoint_file: &'a Path,
    pub from: &'a Path,
    pub passphrase: Option<&'a [u8]>,
    pub trusted_key: Option<&'a [u8]>,
    pub accept: Accept,
    pub actor: &'a Actor,
    pub now_ms: i64,
}

/// `<path><suffix>` (a name beside `path`).
fn suffixed(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Replaces the data file with a verified backup. Refuses while the server runs (it holds the
/// instance lock). Everything that can fail happens before anything is touched:
///
/// 1. the backup is verified whole (`verify`) and its chain is checked against the checkpoint
///    file (`check_against_file`): a checkpoint up to the backup's head that disagrees aborts;
/// 2. the extracted copy is migrated and gets its `backup.restore` audit row;
/// 3. the new checkpoint file is written to a temp name: the old checkpoints up to the
///    backup's head (all shown to agree in 1) and the manifest's signed head; only the ones
///    beyond the head are dropped (they describe rows the restore takes away, and would read
///    as a truncated tail for ever).
///
/// Then the swap, checkpoint file first and data file LAST: the data file's rename is the
/// commit point. A crash before it leaves the old data file in place with a checkpoint file
/// that only lacks checkpoints beyond the backup's head (weaker, never a false alarm; the
/// full old file is set aside) and the restore can simply be run again. The old data file
/// gets a second name (hard link) before the new one replaces it in one atomic rename, so
/// there is no moment without a data file. Old files are moved aside, never deleted.
pub fn restore(req: &RestoreRequest<'_>) -> Result<Restored, BackupError> {
    let (data, checkpoint_file, now_ms) = (req.data, req.checkpoint_file, req.now_ms);
    let _lock = InstanceLock::try_acquire(data).map_err(|e| match e {
        LockError::Busy(_) => BackupError::ServerRunning(e.to_string()),
        LockError::Io(..) => BackupError::Io(e.to_string()),
    })?;
    let work_dir = data.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut verified = verify(req.from, req.passphrase, req.trusted_key, req.accept, work_dir, now_ms)?;
    let head_seq = verified.manifest.audit.head_seq;

    // 1. The checkpoint file.
    let old_checkpoints = if checkpoint_file.exists() {
        crate::infra::checkpoint::read_file(checkpoint_file).map_err(io(checkpoint_file))?
    } else {
        Vec::new()
    };
    {
        let conn = snapshot::open_copy(&verified.db)?;
        check_against_file(&conn, head_seq, &old_checkpoints, checkpoint_file)?;
    }

    // What will be moved aside, named now so the audit row can say it.
    let stamp = format_iso(now_ms).replace([':', '-'], "").replace(".000", "").replace('.', "");
    let suffix = format!(".prima-del-ripristino-{stamp}");
    let data_aside = suffixed(data, &suffix);
    let checkpoints_aside = suffixed(checkpoint_file, &suffix);
    let side_files: Vec<(PathBuf, PathBuf)> = ["-wal", "-shm"]
        .iter()
        .map(|s| (suffixed(data, s), suffixed(&data_aside, s)))
        .filter(|(from, _)| from.exists())
        .collect();
    let mut moved = Vec::new();
    if data.exists() {
        moved.push(data_aside.clone());
        moved.extend(side_files.iter().map(|(_, to)| to.clone()));
    }
    if checkpoint_file.exists() {
        moved.push(checkpoints_aside.clone());
    }
    let signed = verified.manifest.audit.checkpoint.as_ref().and_then(SignedHead::to_checkpoint);
    let mut keep: Vec<Checkpoint> = old_checkpoints.iter().filter(|c| c.seq <= head_seq).cloned().collect();
    let dropped = old_checkpoints.len() - keep.len();
    keep.extend(signed);
    keep.sort_by_key(|c| c.seq);
    keep.dedup_by_key(|c| c.seq);

    // 2. The restored file, complete with its audit row, still under its temp name.
    let db = verified.db.clone();
    for s in ["-wal", "-shm"] {
        verified.temps.add(suffixed(&db, s));
    }
    {
        let before: Vec<PathBuf> = fs::read_dir(work_dir).map_err(io(work_dir))?.flatten().map(|e| e.path()).collect();
        let mut conn = repo::open_and_migrate(&db).map_err(|e| BackupError::Io(e.to_string()))?;
        // An older schema gets a pre-upgrade backup beside the file being migrated: here that
        // is a copy of the backup being restored, under a temp name. Not kept.
        for p in fs::read_dir(work_dir).map_err(io(work_dir))?.flatten().map(|e| e.path()) {
            if !before.contains(&p) && file_name(&p).starts_with(&file_name(&db)) && p != db {
                verified.temps.add(p);
            }
        }
        let detail = json!({
            "checkpoints_dropped": dropped,
            "file": req.from.display().to_string(),
            "database_sha256": verified.manifest.database.sha256,
            "backup_created_at": verified.manifest.created_at,
            "audit_head_seq": head_seq,
            "audit_intact": verified.manifest.audit.intact,
            "signed": verified.manifest.audit.checkpoint.is_some(),
            "moved_aside": moved.iter().map(|p| p.display().to_string()).collect::<Vec<_>>(),
        });
        let event = AuditEvent::Change {
            change: Change::BackupRestore,
            object: format!("backup:{}", file_name(req.from)),
            detail,
        };
        repo::write_once(&mut conn, |tx: &WriteTx<'_>| audit::append(tx, now_ms, req.actor, &event).map(|_| ()))?;
    }
    // Closing the last connection folded the WAL into the file; a leftover would be lost.
    if suffixed(&db, "-wal").exists() {
        return Err(BackupError::Io(format!("{}: file -wal rimasto dopo la chiusura", db.display())));
    }

    // 3. The new checkpoint file, under a temp name.
    let checkpoints_new = verified.temps.add(temp_beside(checkpoint_file, "checkpoints", now_ms));
    for cp in &keep {
        crate::infra::checkpoint::append_to_file(&checkpoints_new, cp).map_err(io(&checkpoints_new))?;
    }

    // The swap: checkpoint file first, data file last (see above).
    if checkpoint_file.exists() {
        fs::rename(checkpoint_file, &checkpoints_aside).map_err(io(checkpoint_file))?;
    }
    fs::rename(&checkpoints_new, checkpoint_file).map_err(io(checkpoint_file))?;
    verified.temps.keep(&checkpoints_new);
    sync_dir(checkpoint_file);
    if data.exists() {
        // The WAL may hold committed rows: it goes with its file (same suffix), so the file
        // set aside opens complete; nothing stale stays beside the restored file.
        if fs::hard_link(data, &data_aside).is_err() {
            fs::rename(data, &data_aside).map_err(io(data))?;
        }
        for (from, to) in &side_files {
            fs::rename(from, to).map_err(io(from))?;
        }
    }
    fs::rename(&db, data).map_err(io(data))?;
    verified.temps.keep(&db);
    sync_dir(data);
    Ok(Restored {
        manifest: verified.manifest,
        moved_aside: moved,
        data: data.to_owned(),
        checkpoints_dropped: dropped,
    })
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
        let v = verify(&out, None, Some(&key.public_key()), Accept::default(), dir.path(), 3_000).unwrap();
        assert_eq!(v.manifest, made.manifest);
        drop(v);
        // Another installation's key: refused.
        let other = SigningKey::load_or_create(&dir.path().join("other.key")).unwrap();
        assert!(matches!(
            verify(&out, None, Some(&other.public_key()), Accept::default(), dir.path(), 3_000),
            Err(BackupError::Checkpoint(_))
        ));

        // Encrypted.
        let enc = dir.path().join("b").join("two.zip.enc");
        let req = BackupRequest { data: &data, out: &enc, passphrase: Some(b"pw"), key: Some(&key), now_ms: 2_001 };
        create(&req).unwrap();
        assert!(matches!(
            verify(&enc, None, None, Accept::default(), dir.path(), 1),
            Err(BackupError::NeedsPassphrase)
        ));
        assert!(verify(&enc, Some(b"pw"), Some(&key.public_key()), Accept::default(), dir.path(), 1).is_ok());
        assert!(matches!(
            verify(&enc, Some(b"no"), None, Accept::default(), dir.path(), 1),
            Err(BackupError::Crypto(_))
        ));
        // No temp file left behind by failed verifications.
        assert!(fs::read_dir(dir.path()).unwrap().all(|e| !e.unwrap().file_name().to_string_lossy().ends_with(".tmp")));
    }

    fn add_rows(data: &Path, from: i64, n: i64) {
        let mut conn = repo::open_and_migrate(data).unwrap();
        let who = AdminAuthority::system();
        repo::write_once(&mut conn, |tx| {
            for i in from..from + n {
                let event = AuditEvent::Change {
                    change: Change::CodesImport,
                    object: format!("code_list:{i}"),
                    detail: json!({}),
                };
                audit::append(tx, 10_000 + i, who.actor(), &event)?;
            }
            Ok(())
        })
        .unwrap();
    }

    fn actions(data: &Path) -> Vec<String> {
        let conn = repo::open_ro(data).unwrap();
        let mut stmt = conn.prepare("SELECT action FROM audit_log ORDER BY seq").unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    }

    #[test]
    fn a_broken_chain_is_backed_up_flagged_and_restored_only_when_accepted() {
        let dir = tempfile::tempdir().unwrap();
        let data = live(dir.path());
        let key = SigningKey::load_or_create(&dir.path().join("audit.key")).unwrap();
        {
            let conn = rusqlite::Connection::open(&data).unwrap();
            conn.execute_batch(
                "DROP TRIGGER audit_log_no_update; UPDATE audit_log SET object = 'altered' WHERE seq = 3;",
            )
            .unwrap();
        }
        let out = dir.path().join("broken.zip");
        let req = BackupRequest { data: &data, out: &out, passphrase: None, key: Some(&key), now_ms: 2_000 };
        let made = create(&req).expect("a consistent snapshot is written even with a broken chain");
        assert!(!made.manifest.audit.intact);
        assert!(made.manifest.audit.problem.as_deref().unwrap().contains("riga 3"), "{:?}", made.manifest.audit);
        assert!(made.checkpoint.is_none(), "a broken chain is never signed");
        assert_eq!(made.event().detail()["audit_intact"], false);
        let text = {
            let mut a = zip::ZipArchive::new(File::open(&out).unwrap()).unwrap();
            let mut t = String::new();
            a.by_name(backup_format::MANIFEST_ENTRY).unwrap().read_to_string(&mut t).unwrap();
            t
        };
        let m: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(m["audit"]["intact"], false);
        assert!(m["audit"]["problem"].is_string());

        let pk = key.public_key();
        let err = verify(&out, None, Some(&pk), Accept::default(), dir.path(), 3_000).err().unwrap();
        assert!(matches!(err, BackupError::BrokenChain(_)), "{err}");
        assert!(err.to_string().contains("--accept-broken-chain"), "{err}");
        // `--allow-unsigned` alone is not enough: the chain is still broken.
        let unsigned = Accept { unsigned: true, broken_chain: false };
        assert!(matches!(verify(&out, None, Some(&pk), unsigned, dir.path(), 3_000), Err(BackupError::BrokenChain(_))));
        let accept = Accept { unsigned: false, broken_chain: true };
        assert!(verify(&out, None, Some(&pk), accept, dir.path(), 3_000).is_ok());
    }

    #[test]
    fn backup_refused_without_signed_head_when_the_key_is_known() {
        let dir = tempfile::tempdir().unwrap();
        let data = live(dir.path());
        let key = SigningKey::load_or_create(&dir.path().join("audit.key")).unwrap();
        // The pre-upgrade kind: written where no key is known.
        let out = dir.path().join("unsigned.zip");
        create(&BackupRequest { data: &data, out: &out, passphrase: None, key: None, now_ms: 2_000 }).unwrap();
        let pk = key.public_key();
        let err = verify(&out, None, Some(&pk), Accept::default(), dir.path(), 3_000).err().unwrap();
        assert!(matches!(err, BackupError::Unsigned(5)), "{err}");
        assert!(err.to_string().contains("--allow-unsigned"), "{err}");
        let accept = Accept { unsigned: true, broken_chain: false };
        assert!(verify(&out, None, Some(&pk), accept, dir.path(), 3_000).is_ok());
        // Without a known key there is nothing to require (the caller warns).
        assert!(verify(&out, None, None, Accept::default(), dir.path(), 3_000).is_ok());
    }

    #[test]
    fn restore_writes_its_row_into_the_restored_file_and_rebases_checkpoints() {
        let dir = tempfile::tempdir().unwrap();
        let data = live(dir.path());
        let key = SigningKey::load_or_create(&dir.path().join("audit.key")).unwrap();
        let cps = dir.path().join("audit-checkpoints.txt");
        let out = dir.path().join("one.zip");
        let made = create(&BackupRequest { data: &data, out: &out, passphrase: None, key: Some(&key), now_ms: 2_000 })
            .unwrap();
        crate::infra::checkpoint::append_to_file(&cps, made.checkpoint.as_ref().unwrap()).unwrap();
        // The live file goes on; a checkpoint beyond the backup's head is signed.
        add_rows(&data, 100, 3);
        let head8 = audit::row_hash(&repo::open_ro(&data).unwrap(), 8).unwrap().unwrap();
        let beyond = key.sign(8, head8.try_into().unwrap(), 5_000);
        crate::infra::checkpoint::append_to_file(&cps, &beyond).unwrap();

        let who = AdminAuthority::system();
        let req = RestoreRequest {
            data: &data,
            checkpoint_file: &cps,
            from: &out,
            passphrase: None,
            trusted_key: Some(&key.public_key()),
            accept: Accept::default(),
            actor: who.actor(),
            now_ms: 6_000,
        };
        let done = restore(&req).unwrap();
        assert_eq!(done.checkpoints_dropped, 1, "only the checkpoint beyond the head");
        let acts = actions(&data);
        assert_eq!(acts.len(), 6);
        assert_eq!(acts.last().unwrap(), "backup.restore");
        let conn = repo::open_ro(&data).unwrap();
        let report = audit::verify(&conn).unwrap();
        assert!(report.broken.is_none());
        assert_eq!(report.head_seq, 6);
        // The new checkpoint file: the backup's head, not the dropped one; it verifies.
        let now_cps = crate::infra::checkpoint::read_file(&cps).unwrap();
        assert_eq!(now_cps.iter().map(|c| c.seq).collect::<Vec<_>>(), vec![5]);
        assert_eq!(service::audit::check(&conn, 6, &now_cps, &key.public_key()).unwrap(), None);
        // Old files set aside, none deleted; no temp file left.
        for p in &done.moved_aside {
            assert!(p.exists(), "{}", p.display());
        }
        let cps_aside = done.moved_aside.iter().find(|p| file_name(p).starts_with("audit-checkpoints")).unwrap();
        assert_eq!(crate::infra::checkpoint::read_file(cps_aside).unwrap().len(), 2);
        assert_eq!(actions(&done.moved_aside[0]).len(), 8, "the old file, with its WAL, opens complete");
        let names: Vec<String> =
            fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        assert!(names.iter().all(|n| !n.ends_with(".tmp") && !n.starts_with('.')), "{names:?}");
    }

    #[test]
    fn restore_aborts_when_the_checkpoint_file_disagrees_with_the_backup() {
        let dir = tempfile::tempdir().unwrap();
        let data = live(dir.path());
        let key = SigningKey::load_or_create(&dir.path().join("audit.key")).unwrap();
        let out = dir.path().join("one.zip");
        create(&BackupRequest { data: &data, out: &out, passphrase: None, key: Some(&key), now_ms: 2_000 }).unwrap();
        // A checkpoint at row 3 that the backup's row 3 does not match.
        let cps = dir.path().join("audit-checkpoints.txt");
        crate::infra::checkpoint::append_to_file(&cps, &key.sign(3, [9; 32], 1_500)).unwrap();
        let before = fs::read(&data).unwrap();
        let who = AdminAuthority::system();
        let req = RestoreRequest {
            data: &data,
            checkpoint_file: &cps,
            from: &out,
            passphrase: None,
            trusted_key: Some(&key.public_key()),
            accept: Accept { unsigned: true, broken_chain: true },
            actor: who.actor(),
            now_ms: 6_000,
        };
        let err = restore(&req).err().unwrap();
        assert!(matches!(err, BackupError::Disagrees { .. }), "{err}");
        let text = err.to_string();
        assert!(text.contains("alla riga 3") && text.contains("audit-checkpoints.txt"), "{text}");
        assert_eq!(fs::read(&data).unwrap(), before, "nothing touched");
        assert_eq!(crate::infra::checkpoint::read_file(&cps).unwrap().len(), 1);
        let names: Vec<String> =
            fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        assert!(names.iter().all(|n| !n.contains("prima-del-ripristino") && !n.ends_with(".tmp")), "{names:?}");
    }

    #[test]
    fn backup_key_missing_over_existing_checkpoints_is_refused_not_recreated() {
        let dir = tempfile::tempdir().unwrap();
        let data = live(dir.path());
        let key_path = dir.path().join("audit.key");
        let mut conn = repo::open_and_migrate(&data).unwrap();
        // No checkpoint yet: created.
        let key = service::audit::signing_key(&conn, &key_path).unwrap();
        repo::write_once(&mut conn, |tx| service::audit::write_checkpoint(tx, 3_000, &key)).unwrap();
        fs::remove_file(&key_path).unwrap();
        let err = service::audit::signing_key(&conn, &key_path).err().unwrap().to_string();
        assert!(err.contains("audit.key") && err.contains("1 checkpoint"), "{err}");
        assert!(!key_path.exists(), "no new key over existing checkpoints");
    }
}

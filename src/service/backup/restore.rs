//! Putting a verified backup back in place of the data file.

use std::fs;
use std::path::{Path, PathBuf};

use super::checks::check_against_file;
use super::files::{file_name, io, suffixed, sync_dir, temp_beside};
use super::format::{Manifest, SignedHead};
use super::verify::verify;
use super::{Accept, Refused};
use crate::domain::audit_changes::BackupRestored;
use crate::domain::audit_event::{Actor, AuditEvent};
use crate::domain::timestamp::Timestamp;
use crate::error::AppError;
use crate::infra::backup_seal::Keys;
use crate::infra::checkpoint::Checkpoint;
use crate::infra::clock::format_iso;
use crate::infra::instance_lock::{InstanceLock, LockError};
use crate::repo::{self, WriteTx, audit, snapshot};

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
    /// What opens a sealed backup (identities, passphrase); empty for a plain one.
    pub keys: &'a Keys,
    pub trusted_key: Option<&'a [u8]>,
    pub accept: Accept,
    pub actor: &'a Actor,
    pub now: Timestamp,
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
pub fn restore(req: &RestoreRequest<'_>) -> Result<Restored, AppError> {
    let (data, checkpoint_file, now) = (req.data, req.checkpoint_file, req.now);
    let _lock = InstanceLock::try_acquire(data).map_err(|e| match e {
        LockError::Busy(_) => Refused::ServerRunning(e.to_string()).into(),
        LockError::Io(path, io) => AppError::io(std::path::Path::new(&path), io),
    })?;
    let work_dir = data.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut verified = verify(req.from, req.keys, req.trusted_key, req.accept, work_dir, now)?;
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
    let stamp = format_iso(now).replace([':', '-'], "").replace(".000", "").replace('.', "");
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
        // The copy is migrated without a pre-upgrade backup: it IS a verified backup, and the
        // backup file it came from stays where it is.
        let mut conn = repo::open_and_migrate(&db, |_| Ok(()))?;
        let moved_aside: Vec<String> = moved.iter().map(|p| p.display().to_string()).collect();
        let event = AuditEvent::of_change(&BackupRestored {
            name: &file_name(req.from),
            checkpoints_dropped: dropped,
            file: &req.from.display().to_string(),
            database_sha256: &verified.manifest.database.sha256,
            backup_created_at: &verified.manifest.created_at,
            audit_head_seq: head_seq,
            audit_intact: verified.manifest.audit.intact,
            signed: verified.manifest.audit.checkpoint.is_some(),
            moved_aside: &moved_aside,
        })
        .map_err(AppError::internal)?;
        repo::write_once(&mut conn, |tx: &WriteTx<'_>| audit::append(tx, now, req.actor, &event).map(|_| ()))?;
    }
    // Closing the last connection folded the WAL into the file; a leftover would be lost.
    if suffixed(&db, "-wal").exists() {
        return Err(AppError::unexpected(format!("{}: file -wal rimasto dopo la chiusura", db.display())));
    }

    // 3. The new checkpoint file, under a temp name.
    let checkpoints_new = verified.temps.add(temp_beside(checkpoint_file, "checkpoints", now));
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

//! The checks a copy of the data file must pass: SQLite's integrity, the audit chain and its
//! checkpoints, and agreement with the checkpoint file kept outside the data file.

use std::path::Path;

use super::BackupError;
use crate::infra::checkpoint::Checkpoint;
use crate::repo::{self, audit, snapshot};
use crate::service;

/// `PRAGMA integrity_check` on a copy: the one check that stops a backup.
pub(super) fn check_integrity(conn: &rusqlite::Connection) -> Result<(), BackupError> {
    let problems = snapshot::integrity_problems(conn)?;
    if !problems.is_empty() {
        return Err(BackupError::Integrity(problems.into_iter().take(5).collect::<Vec<_>>().join("; ")));
    }
    Ok(())
}

/// How a copy's audit trail stands: the chain, and the chain against the checkpoints it holds
/// (with the trusted key, when there is one). `problem` is `None` when all of it verified.
pub(super) struct AuditCheck {
    pub head_seq: i64,
    pub head_hash: [u8; 32],
    pub problem: Option<String>,
}

pub(super) fn check_audit(conn: &rusqlite::Connection, trusted_key: Option<&[u8]>) -> Result<AuditCheck, BackupError> {
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

/// The backup's chain against the checkpoints kept outside the data file: every checkpoint up
/// to the backup's head must name a row the backup has, with the same hash (or a row pruned
/// under a signed anchor). A rewritten trail can be re-hashed, its internal checkpoints
/// deleted and its manifest recomputed; the checkpoint file still knows the truth.
pub(super) fn check_against_file(
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

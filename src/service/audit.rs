//! Signed checkpoints: writing one, and checking the chain against every checkpoint known
//! (in the data file, in the checkpoint file, in a backup) with a key the verifier trusts.

use std::path::Path;

use rusqlite::Connection;

use crate::error::{AppError, StartupError};
use crate::infra::checkpoint::{Checkpoint, SigningKey, prune_verifies};
use crate::repo::{WriteTx, audit, audit_prune};

/// The audit key for signing: loaded, or created on a data file that holds no checkpoint yet.
/// A missing key over existing checkpoints is refused: a new key would make every old
/// checkpoint fail for ever, and nothing old could be vouched for again.
pub fn signing_key(conn: &Connection, path: &Path) -> Result<SigningKey, StartupError> {
    if !path.exists() {
        let existing = audit::checkpoints(conn).map_err(|e| StartupError::Other(format!("file dati: {e}")))?.len();
        if existing > 0 {
            return Err(StartupError::key(
                "audit.key",
                format!(
                    "{}: chiave di audit mancante, ma il file dati contiene {} con la chiave \
                     dell'installazione. Una chiave nuova li farebbe risultare non validi, quindi non viene creata: \
                     rimettere al suo posto il file audit.key (dal backup della configurazione)",
                    path.display(),
                    crate::domain::italian::count(existing, "checkpoint firmato", "checkpoint firmati")
                ),
            ));
        }
    }
    SigningKey::load_or_create(path)
}

/// Signs the current head, unless it is empty or already checkpointed. Returns what it wrote.
pub fn write_checkpoint(tx: &WriteTx<'_>, now: i64, key: &SigningKey) -> Result<Option<Checkpoint>, AppError> {
    let (seq, hash) = audit::head_for_checkpoint(tx)?;
    if seq == 0 {
        return Ok(None);
    }
    let cp = key.sign(seq, hash, now);
    Ok(audit::insert_checkpoint(tx, &cp)?.then_some(cp))
}

/// The first thing wrong between the chain and the checkpoints, in words for the technician.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckpointProblem {
    /// Not signed by the trusted key: forged, or another installation's.
    BadSignature { seq: i64 },
    /// The chain ends before a signed checkpoint: rows were removed from the tail.
    Truncated { seq: i64, head: i64 },
    /// The row at a signed checkpoint has another hash: the tail was rewritten and re-chained.
    Rechained { seq: i64 },
    /// The chain starts after a prune whose record is not signed by the trusted key (rows
    /// removed by someone other than `audit prune`), or no signed checkpoint matches it.
    BadPrune { seq: i64 },
}

impl CheckpointProblem {
    pub fn describe(&self) -> String {
        match self {
            CheckpointProblem::BadSignature { seq } => format!(
                "il checkpoint {seq} non è firmato dalla chiave attesa (checkpoint {seq} not signed by the trusted key)"
            ),
            CheckpointProblem::Truncated { seq, head } => format!(
                "coda troncata: il checkpoint firmato {seq} è oltre l'ultima riga presente {head} (truncated tail: rows after {head} removed)"
            ),
            CheckpointProblem::BadPrune { seq } => format!(
                "righe iniziali rimosse senza una potatura firmata fino alla riga {seq} (rows up to {seq} removed without a signed prune)"
            ),
            CheckpointProblem::Rechained { seq } => format!(
                "coda riscritta: la riga {seq} non corrisponde al checkpoint firmato (re-chained tail at or before row {seq})"
            ),
        }
    }
}

/// Checks each checkpoint (newest problems matter as much as oldest: all are checked, the
/// first found is reported). `head` is the last row of the chain.
pub fn check(
    conn: &Connection,
    head: i64,
    checkpoints: &[Checkpoint],
    trusted_key: &[u8],
) -> Result<Option<CheckpointProblem>, AppError> {
    // After a prune the chain starts at its anchor: every prune must be signed, and the
    // signed checkpoint written at its seq must carry the anchor's hash.
    let prunes = audit_prune::all(conn)?;
    for p in &prunes {
        if !prune_verifies(trusted_key, p.up_to_seq, &p.hash, p.before_ts, &p.signature) {
            return Ok(Some(CheckpointProblem::BadPrune { seq: p.up_to_seq }));
        }
    }
    let anchor = prunes.last();
    let first = audit::first_seq(conn)?;
    match (anchor, first) {
        (None, Some(first)) if first != 1 => return Ok(Some(CheckpointProblem::BadPrune { seq: first - 1 })),
        (Some(a), Some(first)) if first != a.up_to_seq + 1 => {
            return Ok(Some(CheckpointProblem::BadPrune { seq: first - 1 }));
        }
        (Some(a), _) if !checkpoints.iter().any(|c| c.seq == a.up_to_seq && c.hash == a.hash) => {
            return Ok(Some(CheckpointProblem::BadPrune { seq: a.up_to_seq }));
        }
        _ => {}
    }
    let floor = anchor.map_or(0, |a| a.up_to_seq);
    for cp in checkpoints {
        if !cp.verifies_with(trusted_key) {
            return Ok(Some(CheckpointProblem::BadSignature { seq: cp.seq }));
        }
        if cp.seq < floor {
            // Its row was pruned; the signed anchor vouches for the cut.
            continue;
        }
        if cp.seq == floor {
            if anchor.is_some_and(|a| a.hash != cp.hash) {
                return Ok(Some(CheckpointProblem::Rechained { seq: cp.seq }));
            }
            continue;
        }
        if cp.seq > head {
            return Ok(Some(CheckpointProblem::Truncated { seq: cp.seq, head }));
        }
        match audit::row_hash(conn, cp.seq)? {
            Some(hash) if hash.as_slice() == cp.hash.as_slice() => {}
            _ => return Ok(Some(CheckpointProblem::Rechained { seq: cp.seq })),
        }
    }
    Ok(None)
}

//! Signed checkpoints: writing one, and checking the chain against every checkpoint known
//! (in the data file, in the checkpoint file, in a backup) with a key the verifier trusts.

use rusqlite::Connection;

use crate::error::AppError;
use crate::infra::checkpoint::{Checkpoint, SigningKey};
use crate::repo::{WriteTx, audit};

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
    for cp in checkpoints {
        if !cp.verifies_with(trusted_key) {
            return Ok(Some(CheckpointProblem::BadSignature { seq: cp.seq }));
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

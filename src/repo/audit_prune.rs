//! Removing audit rows older than the retention period, and the anchor the chain then starts
//! from. The only place that deletes from `audit_log`: the append-only trigger is dropped and
//! re-created inside the caller's write transaction, so no other statement can slip through.

use rusqlite::{Connection, OptionalExtension, params};

use super::WriteTx;
use crate::domain::timestamp::Timestamp;
use crate::error::AppError;

/// A recorded prune: rows up to `up_to_seq` were removed; the chain continues from `hash`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PruneAnchor {
    pub up_to_seq: i64,
    pub hash: [u8; 32],
    pub before_ts: i64,
    pub rows: i64,
    pub pruned_at: Timestamp,
    pub signature: Vec<u8>,
}

type RawAnchor = (i64, Vec<u8>, i64, i64, Timestamp, Vec<u8>);

fn to_anchor((up_to_seq, hash, before_ts, rows, pruned_at, signature): RawAnchor) -> Result<PruneAnchor, AppError> {
    let hash = hash.try_into().map_err(|_| AppError::unexpected("prune anchor hash is not 32 bytes"))?;
    Ok(PruneAnchor { up_to_seq, hash, before_ts, rows, pruned_at, signature })
}

/// Files older than schema 3 (an old backup being verified, a file about to be upgraded) have
/// no prune table: they were never pruned.
fn has_prunes(conn: &Connection) -> Result<bool, AppError> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit_prune'")?
        .query_row([], |_| Ok(()))
        .optional()?
        .is_some())
}

/// The latest prune, if the chain was ever pruned.
pub fn anchor(conn: &Connection) -> Result<Option<PruneAnchor>, AppError> {
    if !has_prunes(conn)? {
        return Ok(None);
    }
    let raw: Option<RawAnchor> = conn
        .prepare_cached(
            "SELECT up_to_seq, hash, before_ts, rows, pruned_at, signature FROM audit_prune
             ORDER BY up_to_seq DESC LIMIT 1",
        )?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
        .optional()?;
    raw.map(to_anchor).transpose()
}

/// Every prune, oldest first.
pub fn all(conn: &Connection) -> Result<Vec<PruneAnchor>, AppError> {
    if !has_prunes(conn)? {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare_cached(
        "SELECT up_to_seq, hash, before_ts, rows, pruned_at, signature FROM audit_prune ORDER BY up_to_seq",
    )?;
    let raw = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))?
        .collect::<Result<Vec<RawAnchor>, _>>()?;
    raw.into_iter().map(to_anchor).collect()
}

/// The last row older than `before_ts` (ts never decreases along the chain) and its hash.
pub fn last_row_before(conn: &Connection, before_ts: Timestamp) -> Result<Option<(i64, [u8; 32])>, AppError> {
    let row: Option<(i64, Vec<u8>)> = conn
        .prepare_cached("SELECT seq, hash FROM audit_log WHERE ts < ?1 ORDER BY ts DESC, seq DESC LIMIT 1")?
        .query_row([before_ts], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    row.map(|(seq, hash)| Ok((seq, hash.try_into().map_err(|_| AppError::unexpected("audit hash is not 32 bytes"))?)))
        .transpose()
}

/// Deletes the rows up to `a.up_to_seq` and records the anchor, in the caller's transaction.
pub fn prune(tx: &WriteTx<'_>, a: &PruneAnchor) -> Result<i64, AppError> {
    let c = tx.conn();
    c.execute_batch("DROP TRIGGER audit_log_no_delete;")?;
    let removed = c.prepare_cached("DELETE FROM audit_log WHERE seq <= ?1")?.execute([a.up_to_seq])?;
    super::audit_subjects::prune(tx, a.up_to_seq)?;
    c.execute_batch(
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;",
    )?;
    c.prepare_cached(
        "INSERT INTO audit_prune (up_to_seq, hash, before_ts, rows, pruned_at, signature)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![a.up_to_seq, a.hash.as_slice(), a.before_ts, removed as i64, a.pruned_at, a.signature])?;
    Ok(removed as i64)
}

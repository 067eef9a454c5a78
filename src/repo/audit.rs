//! Appending to and reading the audit chain.

use rusqlite::{Connection, OptionalExtension, params};

use super::WriteTx;
use super::audit_subjects::{self, ListIndex};
use crate::domain::audit_event::{Actor, AuditEvent};
use crate::domain::timestamp::Timestamp;
use crate::error::AppError;
use crate::infra::audit::{AuditRow, ChainReport, ChainVerifier, GENESIS, chain_hash};
use crate::infra::checkpoint::Checkpoint;

/// The last row's seq and hash, read inside the caller's write transaction: never cached,
/// so two processes (server and CLI) can never fork the chain.
fn head(tx: &WriteTx<'_>) -> Result<(i64, [u8; 32], i64), AppError> {
    let row: Option<(i64, Vec<u8>, i64)> = tx
        .conn()
        .prepare_cached("SELECT seq, hash, ts FROM audit_log ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    match row {
        // Empty: a new file, or every row pruned (then the chain continues from the anchor).
        None => Ok(super::audit_prune::anchor(tx.conn())?.map_or((0, GENESIS, 0), |a| (a.up_to_seq, a.hash, 0))),
        Some((seq, hash, ts)) => {
            let hash: [u8; 32] =
                hash.try_into().map_err(|_| AppError::unexpected("audit head hash is not 32 bytes"))?;
            Ok((seq, hash, ts))
        }
    }
}

/// Appends one event to the chain inside the caller's transaction, with its entries in the
/// subject index (same transaction); returns its seq.
pub fn append(tx: &WriteTx<'_>, now: Timestamp, actor: &Actor, event: &AuditEvent) -> Result<i64, AppError> {
    append_indexed(tx, now, actor, event, ListIndex::All)
}

/// [`append`] for a list view whose caller already read which of the people it showed have
/// the "first list" entry of `day` for this viewer: only `new_ids` get one.
pub fn append_list(
    tx: &WriteTx<'_>,
    now: Timestamp,
    day: i64,
    actor: &Actor,
    event: &AuditEvent,
    new_ids: &[i64],
) -> Result<i64, AppError> {
    append_indexed(tx, now, actor, event, ListIndex::Only { day, ids: new_ids })
}

fn append_indexed(
    tx: &WriteTx<'_>,
    now: Timestamp,
    actor: &Actor,
    event: &AuditEvent,
    lists: ListIndex<'_>,
) -> Result<i64, AppError> {
    let (prev_seq, prev_hash, prev_ts) = head(tx)?;
    let detail = event.detail();
    let row = AuditRow {
        seq: prev_seq + 1,
        // Time is taken before the job waits for the lock; never let it run backwards.
        ts_ms: now.as_ms().max(prev_ts),
        actor_id: actor.id.map(|id| id.get()),
        actor_cf: actor.cf.clone(),
        actor_role: actor.role.map(|r| r.code().to_owned()),
        provider_id: actor.provider.map(|p| p.get()),
        cert_sha256: actor.cert_sha256.clone(),
        client_ip: actor.ip.clone(),
        action: event.action().to_owned(),
        object: event.object(),
        outcome: event.outcome().to_owned(),
        detail: detail.to_string(),
    };
    let hash = chain_hash(&prev_hash, &row);
    // Cached: every view and every change comes through here.
    tx.conn()
        .prepare_cached(
            "INSERT INTO audit_log (seq, ts, actor_id, actor_cf, actor_role, provider_id, cert_sha256,
                                client_ip, action, object, outcome, detail, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        )?
        .execute(params![
            row.seq,
            row.ts_ms,
            row.actor_id,
            row.actor_cf,
            row.actor_role,
            row.provider_id,
            row.cert_sha256,
            row.client_ip,
            row.action,
            row.object,
            row.outcome,
            row.detail,
            prev_hash.as_slice(),
            hash.as_slice(),
        ])?;
    audit_subjects::record(tx, row.seq, row.ts_ms, row.actor_id, &row.action, row.object.as_deref(), &detail, lists)?;
    Ok(row.seq)
}

/// Walks the whole chain in seq order, stopping at the first broken row. After a prune the
/// chain starts at the prune anchor (checked against its signature by `service::audit::check`).
pub fn verify(conn: &Connection) -> Result<ChainReport, AppError> {
    let (seq, hash) = match super::audit_prune::anchor(conn)? {
        Some(a) => (a.up_to_seq, a.hash),
        None => (0, GENESIS),
    };
    verify_from(conn, seq, hash)
}

/// Walks the rows after `after_seq`, the chain being known sound up to it with `hash`.
pub fn verify_from(conn: &Connection, after_seq: i64, hash: [u8; 32]) -> Result<ChainReport, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, ts, actor_id, actor_cf, actor_role, provider_id, cert_sha256, client_ip,
                action, object, outcome, detail, prev_hash, hash
         FROM audit_log WHERE seq > ?1 ORDER BY seq",
    )?;
    let mut rows = stmt.query([after_seq])?;
    let mut verifier = ChainVerifier::resume(after_seq, hash);
    while let Some(r) = rows.next()? {
        let row = AuditRow {
            seq: r.get(0)?,
            ts_ms: r.get(1)?,
            actor_id: r.get(2)?,
            actor_cf: r.get(3)?,
            actor_role: r.get(4)?,
            provider_id: r.get(5)?,
            cert_sha256: r.get(6)?,
            client_ip: r.get(7)?,
            action: r.get(8)?,
            object: r.get(9)?,
            outcome: r.get(10)?,
            detail: r.get(11)?,
        };
        let prev: Vec<u8> = r.get(12)?;
        let hash: Vec<u8> = r.get(13)?;
        if !verifier.push(&row, &prev, &hash) {
            break;
        }
    }
    Ok(verifier.finish())
}

/// The chain head, read inside the caller's write transaction (for checkpoints).
pub fn head_for_checkpoint(tx: &WriteTx<'_>) -> Result<(i64, [u8; 32]), AppError> {
    head(tx).map(|(seq, hash, _)| (seq, hash))
}

pub fn insert_checkpoint(tx: &WriteTx<'_>, cp: &Checkpoint) -> Result<bool, AppError> {
    let n = tx
        .conn()
        .prepare_cached(
            "INSERT OR IGNORE INTO audit_checkpoint (seq, hash, ts, public_key, signature) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![cp.seq, cp.hash.as_slice(), cp.ts_ms, cp.public_key, cp.signature])?;
    Ok(n == 1)
}

/// The newest backup the trail records (`backup.create`, by the server or by `backup --out`):
/// when, which file, and the audit problem its manifest flagged, if any.
pub fn last_backup(conn: &Connection) -> Result<Option<RecordedBackup>, AppError> {
    Ok(conn
        .prepare_cached(
            "SELECT ts, json_extract(detail, '$.file'), json_extract(detail, '$.audit_problem') FROM audit_log
             WHERE action = 'backup.create' AND outcome = 'ok' ORDER BY seq DESC LIMIT 1",
        )?
        .query_row([], |r| Ok(RecordedBackup { at: r.get(0)?, file: r.get(1)?, audit_problem: r.get(2)? }))
        .optional()?)
}

#[derive(Debug, Clone)]
pub struct RecordedBackup {
    pub at: Timestamp,
    pub file: Option<String>,
    pub audit_problem: Option<String>,
}

/// Checkpoints stored in the data file, in seq order.
pub fn checkpoints(conn: &Connection) -> Result<Vec<Checkpoint>, AppError> {
    let mut stmt =
        conn.prepare_cached("SELECT seq, hash, ts, public_key, signature FROM audit_checkpoint ORDER BY seq")?;
    let rows = stmt
        .query_map([], |r| {
            let hash: Vec<u8> = r.get(1)?;
            Ok((r.get(0)?, hash, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<Result<Vec<(i64, Vec<u8>, i64, Vec<u8>, Vec<u8>)>, _>>()?;
    Ok(rows
        .into_iter()
        .filter_map(|(seq, hash, ts_ms, public_key, signature)| {
            Some(Checkpoint { seq, hash: hash.try_into().ok()?, ts_ms, public_key, signature })
        })
        .collect())
}

/// The stored hash of one row.
pub fn row_hash(conn: &Connection, seq: i64) -> Result<Option<Vec<u8>>, AppError> {
    Ok(conn.prepare_cached("SELECT hash FROM audit_log WHERE seq = ?1")?.query_row([seq], |r| r.get(0)).optional()?)
}

/// Number of rows, for reports.
pub fn count(conn: &Connection) -> Result<i64, AppError> {
    Ok(conn.prepare_cached("SELECT count(*) FROM audit_log")?.query_row([], |r| r.get(0))?)
}

/// The first row's seq (1 unless the chain was pruned), `None` for an empty chain.
pub fn first_seq(conn: &Connection) -> Result<Option<i64>, AppError> {
    Ok(conn.prepare_cached("SELECT seq FROM audit_log ORDER BY seq LIMIT 1")?.query_row([], |r| r.get(0)).optional()?)
}

/// The latest seq of the trail (0 when empty).
pub fn head_seq(conn: &rusqlite::Connection) -> Result<i64, AppError> {
    Ok(conn.prepare_cached("SELECT coalesce(max(seq), 0) FROM audit_log")?.query_row([], |r| r.get(0))?)
}

//! Anomalies found by the watch, its cursor over the audit trail, and the rows it reads.

use rusqlite::{Connection, OptionalExtension, params};

use super::WriteTx;
use crate::domain::anomaly::{Hit, WatchRow};
use crate::domain::ids::{AnomalyId, OperatorId, ProviderId};
use crate::domain::timestamp::Timestamp;
use crate::error::AppError;

/// The last audit seq evaluated, `None` before the first run.
pub fn cursor(conn: &Connection) -> Result<Option<i64>, AppError> {
    Ok(conn
        .prepare_cached("SELECT last_seq FROM anomaly_cursor WHERE id = 1")?
        .query_row([], |r| r.get(0))
        .optional()?)
}

pub fn set_cursor(tx: &WriteTx<'_>, seq: i64) -> Result<(), AppError> {
    tx.conn().prepare_cached("INSERT INTO anomaly_cursor (id, last_seq) VALUES (1, ?1) ON CONFLICT (id) DO UPDATE SET last_seq = excluded.last_seq")?.execute(
        [seq],
    )?;
    Ok(())
}

/// The first seq at or after `ts` (ts never decreases along the chain).
pub fn first_seq_since(conn: &Connection, ts: Timestamp) -> Result<Option<i64>, AppError> {
    Ok(conn
        .prepare_cached("SELECT seq FROM audit_log WHERE ts >= ?1 ORDER BY ts, seq LIMIT 1")?
        .query_row([ts], |r| r.get(0))
        .optional()?)
}

pub fn ts_of(conn: &Connection, seq: i64) -> Result<Option<Timestamp>, AppError> {
    Ok(conn.prepare_cached("SELECT ts FROM audit_log WHERE seq = ?1")?.query_row([seq], |r| r.get(0)).optional()?)
}

/// Calls `f` on each row with `from_seq <= seq <= to_seq`, in order, holding one at a time.
pub fn each_row(conn: &Connection, from_seq: i64, to_seq: i64, mut f: impl FnMut(&WatchRow)) -> Result<(), AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, ts, actor_id, actor_cf, actor_role, provider_id, cert_sha256, client_ip, action, object, outcome,
                CASE WHEN outcome = 'denied' THEN json_extract(detail, '$.reason') END
         FROM audit_log WHERE seq >= ?1 AND seq <= ?2 ORDER BY seq",
    )?;
    let mut rows = stmt.query([from_seq, to_seq])?;
    while let Some(r) = rows.next()? {
        f(&WatchRow {
            seq: r.get(0)?,
            ts: r.get(1)?,
            actor_id: r.get(2)?,
            actor_cf: r.get(3)?,
            role: r.get(4)?,
            provider_id: r.get(5)?,
            cert: r.get(6)?,
            ip: r.get(7)?,
            action: r.get(8)?,
            object: r.get(9)?,
            outcome: r.get(10)?,
            reason: r.get(11)?,
        });
    }
    Ok(())
}

/// When the actor last did anything before row `seq` (walks the (actor_id, ts) index back).
pub fn previous_activity(
    conn: &Connection,
    actor: OperatorId,
    seq: i64,
    ts: Timestamp,
) -> Result<Option<Timestamp>, AppError> {
    Ok(conn
        .prepare_cached(
            "SELECT ts FROM audit_log WHERE actor_id = ?1 AND ts <= ?3 AND seq < ?2 ORDER BY ts DESC LIMIT 1",
        )?
        .query_row(params![actor, seq, ts], |r| r.get(0))
        .optional()?)
}

/// Stores a hit unless the same episode is already recorded; returns its id if new.
pub fn insert(tx: &WriteTx<'_>, now: Timestamp, h: &Hit) -> Result<Option<AnomalyId>, AppError> {
    let evidence = serde_json::to_string(&h.evidence).map_err(AppError::internal)?;
    let n = tx
        .conn()
        .prepare_cached(
            "INSERT OR IGNORE INTO anomaly (rule, dedup_key, actor_id, actor_cf, provider_id, summary, evidence,
                                        first_ts, last_ts, detected_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?
        .execute(params![
            h.rule.code(),
            h.dedup_key,
            h.actor_id,
            h.actor_cf,
            h.provider_id,
            h.summary,
            evidence,
            h.first_ts,
            h.last_ts,
            now
        ])?;
    Ok((n == 1).then(|| AnomalyId::from_db(tx.conn().last_insert_rowid())))
}

/// An anomaly as the Region sees it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AnomalyRow {
    pub id: AnomalyId,
    pub rule: String,
    pub actor_id: Option<OperatorId>,
    pub actor_cf: String,
    pub actor_name: Option<String>,
    pub actor_state: Option<String>,
    pub provider_id: Option<ProviderId>,
    pub provider_name: Option<String>,
    pub provider_status: Option<String>,
    pub summary: String,
    pub evidence: Vec<i64>,
    pub first_ts: Timestamp,
    pub last_ts: Timestamp,
    pub detected_at: Timestamp,
    pub state: String,
    pub auto_action: Option<String>,
    pub closed_at: Option<Timestamp>,
    pub closed_by: Option<String>,
    pub note: String,
}

const SELECT: &str = "SELECT a.id, a.rule, a.actor_id, a.actor_cf, o.surname || ' ' || o.name, o.state, a.provider_id,
        p.name, p.status, a.summary, a.evidence, a.first_ts, a.last_ts, a.detected_at, a.state, a.auto_action,
        a.closed_at, a.closed_by, a.note
    FROM anomaly a LEFT JOIN operator o ON o.id = a.actor_id LEFT JOIN provider p ON p.id = a.provider_id";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AnomalyRow> {
    let evidence: String = r.get(10)?;
    Ok(AnomalyRow {
        id: r.get(0)?,
        rule: r.get(1)?,
        actor_id: r.get(2)?,
        actor_cf: r.get(3)?,
        actor_name: r.get(4)?,
        actor_state: r.get(5)?,
        provider_id: r.get(6)?,
        provider_name: r.get(7)?,
        provider_status: r.get(8)?,
        summary: r.get(9)?,
        evidence: serde_json::from_str(&evidence).unwrap_or_default(),
        first_ts: r.get(11)?,
        last_ts: r.get(12)?,
        detected_at: r.get(13)?,
        state: r.get(14)?,
        auto_action: r.get(15)?,
        closed_at: r.get(16)?,
        closed_by: r.get(17)?,
        note: r.get(18)?,
    })
}

/// Open anomalies first, then the most recent closed ones.
pub fn list(conn: &Connection, open_only: bool, limit: i64) -> Result<Vec<AnomalyRow>, AppError> {
    let sql = format!("{SELECT} WHERE (?1 = 0 OR a.state = 'open') ORDER BY a.state <> 'open', a.id DESC LIMIT ?2");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![open_only, limit], row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// `limit` anomalies from `offset` (open first, newest first), with the count of the whole list.
pub fn window(conn: &Connection, open_only: bool, offset: i64, limit: i64) -> Result<(Vec<AnomalyRow>, i64), AppError> {
    let sql =
        format!("{SELECT} WHERE (?1 = 0 OR a.state = 'open') ORDER BY a.state <> 'open', a.id DESC LIMIT ?2 OFFSET ?3");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![open_only, limit, offset], row)?.collect::<Result<Vec<_>, _>>()?;
    let total = conn
        .prepare_cached("SELECT count(*) FROM anomaly a WHERE (?1 = 0 OR a.state = 'open')")?
        .query_row(params![open_only], |r| r.get(0))?;
    Ok((rows, total))
}

pub fn get(conn: &Connection, id: AnomalyId) -> Result<Option<AnomalyRow>, AppError> {
    Ok(conn.prepare_cached(&format!("{SELECT} WHERE a.id = ?1"))?.query_row([id], row).optional()?)
}

/// Closes an open anomaly; false if it was not open (someone else acted first).
pub fn close(
    tx: &WriteTx<'_>,
    id: AnomalyId,
    state: &str,
    now: Timestamp,
    by: &str,
    note: &str,
) -> Result<bool, AppError> {
    let n = tx
        .conn()
        .prepare_cached(
            "UPDATE anomaly SET state = ?2, closed_at = ?3, closed_by = ?4, note = ?5 WHERE id = ?1 AND state = 'open'",
        )?
        .execute(params![id, state, now, by, note])?;
    Ok(n == 1)
}

pub fn set_auto_action(tx: &WriteTx<'_>, id: AnomalyId, action: &str) -> Result<(), AppError> {
    tx.conn()
        .prepare_cached(
            "UPDATE anomaly SET auto_action = ?2, state = 'suspended', closed_at = detected_at, closed_by = 'sistema'
         WHERE id = ?1",
        )?
        .execute(params![id, action])?;
    Ok(())
}

/// An evidence row for the Region's screen: (seq, ts, action, object, outcome, ip).
pub type EvidenceRow = (i64, Timestamp, String, Option<String>, String, Option<String>);

pub fn evidence_rows(conn: &Connection, seqs: &[i64]) -> Result<Vec<EvidenceRow>, AppError> {
    let json = serde_json::to_string(seqs).map_err(AppError::internal)?;
    let mut stmt = conn.prepare_cached(
        "SELECT seq, ts, action, object, outcome, client_ip FROM audit_log
         WHERE seq IN (SELECT value FROM json_each(?1)) ORDER BY seq",
    )?;
    let rows = stmt
        .query_map([json], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

//! The people each audit row concerns (schema version 4), written in the same transaction
//! as the row: `audit_subject` (cf, seq) for rows about a person, `audit_list_subject` for the
//! first list of each day and viewer that showed them. Read by the data-subject report and the
//! registro's search by codice fiscale; filled for older rows by a background backfill.

use std::collections::HashSet;

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;

use super::WriteTx;
use crate::domain::audit_subjects::{self, Subjects};
use crate::domain::ids::{OperatorId, RecipientId};
use crate::domain::timestamp::Timestamp;
use crate::error::AppError;
use crate::infra::clock::{local_day_of, local_day_start};

/// Which of the ids a list row showed still need their "first list of the day" entry.
pub enum ListIndex<'a> {
    /// All of them (each insert is ignored when the entry exists).
    All,
    /// Only these: the caller read which ones already have their entry for `day`.
    Only { day: i64, ids: &'a [i64] },
}

/// Indexes one freshly appended row.
pub fn record(
    tx: &WriteTx<'_>,
    seq: i64,
    ts: i64,
    actor_id: Option<i64>,
    action: &str,
    object: Option<&str>,
    detail: &Value,
    lists: ListIndex<'_>,
) -> Result<(), AppError> {
    let c = tx.conn();
    insert_direct(c, seq, &audit_subjects::direct(action, object, detail))?;
    let Some(actor) = actor_id else { return Ok(()) };
    let shown = audit_subjects::shown(detail);
    let day = local_day_of(Timestamp::from_ms(ts));
    let ids: &[i64] = match lists {
        // The row fell on the next day (a view at midnight): nothing known about that day.
        ListIndex::Only { day: read_for, ids } if read_for == day => ids,
        _ => &shown,
    };
    if ids.is_empty() {
        return Ok(());
    }
    let mut insert = c.prepare_cached(
        "INSERT OR IGNORE INTO audit_list_subject (recipient_id, day, actor_id, seq) VALUES (?1, ?2, ?3, ?4)",
    )?;
    for id in ids {
        insert.execute(params![id, day, actor, seq])?;
    }
    Ok(())
}

/// `(cf, seq)` for each person the row is directly about; ids become codici fiscali here.
fn insert_direct(c: &Connection, seq: i64, s: &Subjects) -> Result<(), AppError> {
    if s.is_empty() {
        return Ok(());
    }
    let mut cfs: Vec<String> = s.cfs.iter().cloned().collect();
    if !s.recipient_ids.is_empty() {
        let mut lookup = c.prepare_cached("SELECT codice_fiscale FROM recipient WHERE id = ?1")?;
        for id in &s.recipient_ids {
            if let Some(cf) = lookup.query_row([id], |r| r.get::<_, String>(0)).optional()? {
                cfs.push(cf);
            }
        }
    }
    let mut insert = c.prepare_cached("INSERT OR IGNORE INTO audit_subject (cf, seq) VALUES (?1, ?2)")?;
    for cf in cfs {
        insert.execute(params![cf, seq])?;
    }
    Ok(())
}

/// The ids among `ids` whose "first list of the day" for this viewer is already recorded
/// (read outside the writer, so that the writer inserts only what is new).
pub fn already_listed(conn: &Connection, viewer: OperatorId, day: i64, ids: &[i64]) -> Result<HashSet<i64>, AppError> {
    let mut stmt =
        conn.prepare_cached("SELECT 1 FROM audit_list_subject WHERE recipient_id = ?1 AND day = ?2 AND actor_id = ?3")?;
    let mut found = HashSet::new();
    for id in ids {
        if stmt.exists(params![id, day, viewer])? {
            found.insert(*id);
        }
    }
    Ok(found)
}

/// Rows below this seq are not indexed yet (None: every row is).
pub fn pending_below(conn: &Connection) -> Result<Option<i64>, AppError> {
    Ok(conn.prepare_cached("SELECT below_seq FROM audit_subject_backfill")?.query_row([], |r| r.get(0)).optional()?)
}

/// One person's list appearances: day, viewer and the first list row of that day, with that
/// row's page and size, and how many of the viewer's lists showed them that day.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ListAppearance {
    pub day: i64,
    pub seq: i64,
    pub ts: Timestamp,
    pub action: String,
    pub actor_id: OperatorId,
    pub actor_cf: String,
    pub actor_name: Option<String>,
    pub actor_role: Option<String>,
    pub provider_name: Option<String>,
    /// The first list's page and how many people it showed, as it recorded them.
    pub page: Option<i64>,
    pub rows: Option<i64>,
    /// "api" when the list was read through the API.
    pub via: Option<String>,
    /// The viewer's lists of this kind that showed the person that day (at least 1).
    pub lists: i64,
}

pub fn list_appearances(conn: &Connection, recipient_id: RecipientId) -> Result<Vec<ListAppearance>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT s.day, s.seq, a.ts, a.action, s.actor_id, a.actor_cf, o.name || ' ' || o.surname, a.actor_role, p.name,
                json_extract(a.detail, '$.page'), json_extract(a.detail, '$.rows'), json_extract(a.detail, '$.via')
         FROM audit_list_subject s JOIN audit_log a ON a.seq = s.seq
         LEFT JOIN operator o ON o.id = s.actor_id LEFT JOIN provider p ON p.id = a.provider_id
         WHERE s.recipient_id = ?1 ORDER BY s.day, s.seq",
    )?;
    let mut rows = stmt
        .query_map([recipient_id], |r| {
            Ok(ListAppearance {
                day: r.get(0)?,
                seq: r.get(1)?,
                ts: r.get(2)?,
                action: r.get(3)?,
                actor_id: r.get(4)?,
                actor_cf: r.get(5)?,
                actor_name: r.get(6)?,
                actor_role: r.get(7)?,
                provider_name: r.get(8)?,
                page: r.get::<_, Option<i64>>(9).ok().flatten(),
                rows: r.get::<_, Option<i64>>(10).ok().flatten(),
                via: r.get::<_, Option<String>>(11).ok().flatten(),
                lists: 1,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    // The index keeps the first list of each day; the others that day are in the trail, read
    // through the viewer's (actor, ts) index: from that first row to the end of the local day.
    let mut same_day = conn.prepare_cached(
        "SELECT count(*) FROM audit_log b
         WHERE b.actor_id = ?1 AND b.ts >= ?2 AND b.ts < ?3 AND b.seq >= ?4 AND b.action = ?5
           AND EXISTS (SELECT 1 FROM json_each(b.detail, '$.shown') WHERE value = ?6)",
    )?;
    for a in &mut rows {
        let end = local_day_start(a.day + 1);
        a.lists = same_day
            .query_row(params![a.actor_id, a.ts, end, a.seq, a.action, recipient_id], |r| r.get::<_, i64>(0))?
            .max(1);
    }
    Ok(rows)
}

/// Audit rows per slice of the backfill. 5,000 held the writer up to 169 ms on the 5M-row
/// trail (`cargo bench --bench audit_search`): each row's people land on random pages of the
/// subject index. A thousand keep a slice within a few tens of milliseconds.
pub const BACKFILL_SLICE: i64 = 1_000;

/// A slice of not yet indexed rows, read outside the writer: `(seq, subjects)` for the rows
/// in `[from, below)`, with the recipients named by id already turned into codici fiscali.
pub fn backfill_read(conn: &Connection, from: i64, below: i64) -> Result<Vec<(i64, Vec<String>)>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq, action, object, detail FROM audit_log WHERE seq >= ?1 AND seq < ?2 ORDER BY seq",
    )?;
    let mut lookup = conn.prepare_cached("SELECT codice_fiscale FROM recipient WHERE id = ?1")?;
    let mut out = Vec::new();
    let mut rows = stmt.query(params![from, below])?;
    while let Some(r) = rows.next()? {
        let (seq, action, object, detail): (i64, String, Option<String>, String) =
            (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
        let detail: Value = serde_json::from_str(&detail).unwrap_or(Value::Null);
        let s = audit_subjects::direct(&action, object.as_deref(), &detail);
        if s.is_empty() {
            continue;
        }
        let mut cfs: Vec<String> = s.cfs.into_iter().collect();
        for id in s.recipient_ids {
            if let Some(cf) = lookup.query_row([id], |r| r.get::<_, String>(0)).optional()? {
                cfs.push(cf);
            }
        }
        out.push((seq, cfs));
    }
    Ok(out)
}

/// Stores a slice read by [`backfill_read`] and moves the mark down to `from` (or removes it
/// when nothing older is left), in one short write transaction.
pub fn backfill_apply(tx: &WriteTx<'_>, from: i64, below: i64, slice: &[(i64, Vec<String>)]) -> Result<(), AppError> {
    let c = tx.conn();
    // Another process (or an earlier run) may have moved the mark already.
    if pending_below(c)? != Some(below) {
        return Ok(());
    }
    let mut insert = c.prepare_cached("INSERT OR IGNORE INTO audit_subject (cf, seq) VALUES (?1, ?2)")?;
    for (seq, cfs) in slice {
        for cf in cfs {
            insert.execute(params![cf, seq])?;
        }
    }
    let oldest: Option<i64> = c.prepare_cached("SELECT min(seq) FROM audit_log")?.query_row([], |r| r.get(0))?;
    if oldest.is_none_or(|o| from <= o) {
        c.prepare_cached("DELETE FROM audit_subject_backfill")?.execute([])?;
    } else {
        c.prepare_cached("UPDATE audit_subject_backfill SET below_seq = ?1")?.execute([from])?;
    }
    Ok(())
}

/// A prune removed the rows up to `up_to_seq`: their index entries go with them.
pub fn prune(tx: &WriteTx<'_>, up_to_seq: i64) -> Result<(), AppError> {
    let c = tx.conn();
    c.prepare_cached("DELETE FROM audit_subject WHERE seq <= ?1")?.execute([up_to_seq])?;
    c.prepare_cached("DELETE FROM audit_list_subject WHERE seq <= ?1")?.execute([up_to_seq])?;
    Ok(())
}

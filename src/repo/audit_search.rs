//! The auditor's reads of the trail: the searchable registro (keyset paging on seq), the
//! accesses to one person's data, and the monthly activity. Every function takes an
//! `AuditScope`, which only the `Revisore` guard hands out: these reads span all providers.

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, params_from_iter};

use crate::access::AuditScope;
use crate::domain::audit_event::View;
use crate::domain::ids::{OperatorId, ProviderId, RecipientId};
use crate::domain::timestamp::Timestamp;
use crate::error::AppError;

/// What the auditor searches for; every field optional.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Codice fiscale of who acted (operators, and card holders that were refused).
    pub operator_cf: Option<String>,
    pub provider: Option<ProviderId>,
    /// The person whose data was involved: their id (if known) and codice fiscale.
    pub recipient: Option<RecipientKey>,
    pub action: Option<String>,
    pub outcome: Option<String>,
    /// UTC ms, `from` inclusive, `to` exclusive.
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
}

#[derive(Debug, Clone)]
pub struct RecipientKey {
    pub id: Option<RecipientId>,
    pub cf: String,
}

/// One row as the auditor sees it, with the names it refers to.
#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditLine {
    pub seq: i64,
    pub ts: Timestamp,
    pub actor_id: Option<OperatorId>,
    pub actor_cf: String,
    pub actor_name: Option<String>,
    pub actor_role: Option<String>,
    pub provider_id: Option<ProviderId>,
    pub provider_name: Option<String>,
    pub cert_sha256: Option<String>,
    pub client_ip: Option<String>,
    pub action: String,
    pub object: Option<String>,
    pub outcome: String,
    pub detail: String,
}

const SELECT_LINE: &str = "SELECT a.seq, a.ts, a.actor_id, a.actor_cf, o.surname || ' ' || o.name, a.actor_role,
        a.provider_id, p.name, a.cert_sha256, a.client_ip, a.action, a.object, a.outcome, a.detail
     FROM audit_log a LEFT JOIN operator o ON o.id = a.actor_id LEFT JOIN provider p ON p.id = a.provider_id";

fn line(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditLine> {
    Ok(AuditLine {
        seq: r.get(0)?,
        ts: r.get(1)?,
        actor_id: r.get(2)?,
        actor_cf: r.get(3)?,
        actor_name: r.get(4)?,
        actor_role: r.get(5)?,
        provider_id: r.get(6)?,
        provider_name: r.get(7)?,
        cert_sha256: r.get(8)?,
        client_ip: r.get(9)?,
        action: r.get(10)?,
        object: r.get(11)?,
        outcome: r.get(12)?,
        detail: r.get(13)?,
    })
}

/// The recipient with this codice fiscale, if the data file knows them.
pub fn recipient_id(_scope: &AuditScope, conn: &Connection, cf: &str) -> Result<Option<RecipientId>, AppError> {
    Ok(conn
        .prepare_cached("SELECT id FROM recipient WHERE codice_fiscale = ?1")?
        .query_row([cf], |r| r.get(0))
        .optional()?)
}

/// The person's name and surname, for the letter of the data-subject report.
pub fn recipient_name(_scope: &AuditScope, conn: &Connection, cf: &str) -> Result<Option<(String, String)>, AppError> {
    Ok(conn
        .prepare_cached("SELECT nome, cognome FROM recipient WHERE codice_fiscale = ?1")?
        .query_row([cf], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// The seq range a time range covers. `ts` never decreases along the chain (append takes
/// the max with the previous row), so a time range is a seq range: two index probes, and
/// every other filter then runs on the rowid order.
fn seq_bounds(conn: &Connection, from: Option<Timestamp>, to: Option<Timestamp>) -> Result<(i64, i64), AppError> {
    let lo = match from {
        None => 0,
        Some(from) => conn
            .prepare_cached("SELECT seq FROM audit_log WHERE ts >= ?1 ORDER BY ts, seq LIMIT 1")?
            .query_row([from], |r| r.get(0))
            .optional()?
            .unwrap_or(i64::MAX),
    };
    let hi = match to {
        None => i64::MAX,
        Some(to) => conn
            .prepare_cached("SELECT seq FROM audit_log WHERE ts < ?1 ORDER BY ts DESC, seq DESC LIMIT 1")?
            .query_row([to], |r| r.get(0))
            .optional()?
            .unwrap_or(-1),
    };
    Ok((lo, hi))
}

/// The rows about one person, as a `WITH subject(seq)` clause: from the subject index (rows
/// naming them, and with `lists` the first list of each day and viewer that showed them);
/// rows older than the index (a file upgraded to schema 4 while the background backfill has
/// not reached them yet) are found the old way, by scanning only that older part.
fn subject_clause(
    conn: &Connection,
    key: &RecipientKey,
    lists: bool,
    args: &mut Vec<SqlValue>,
) -> Result<String, AppError> {
    let mut parts = vec![format!("SELECT seq FROM audit_subject WHERE cf = ?{}", push(args, key.cf.clone()))];
    if lists && let Some(id) = key.id {
        parts.push(format!("SELECT seq FROM audit_list_subject WHERE recipient_id = ?{}", push(args, id.get())));
    }
    if let Some(below) = super::audit_subjects::pending_below(conn)? {
        let below = push(args, below);
        parts.push(format!(
            "SELECT a.seq FROM audit_log a WHERE a.seq < ?{below} AND {}",
            unindexed_condition(key, args)
        ));
    }
    Ok(format!("WITH subject(seq) AS ({}) ", parts.join(" UNION ")))
}

/// The condition the index replaces (rows not indexed yet): by object (`recipient:<id>`), by
/// their codice fiscale anywhere in the detail, and the refused attempts at their pages.
fn unindexed_condition(key: &RecipientKey, args: &mut Vec<SqlValue>) -> String {
    let mut parts = vec![format!("instr(a.detail, ?{}) > 0", push(args, key.cf.clone()))];
    if let Some(id) = key.id {
        parts.push(format!("a.object = ?{}", push(args, format!("recipient:{id}"))));
        let paths = [format!("/destinatari/{id}"), format!("/api/v1/recipients/{id}")];
        for p in paths {
            let exact = push(args, p.clone());
            let below = push(args, format!("{p}/%"));
            parts.push(format!(
                "(a.action = 'access.denied' AND (json_extract(a.detail, '$.path') = ?{exact} OR json_extract(a.detail, '$.path') LIKE ?{below}))"
            ));
        }
    }
    format!("({})", parts.join(" OR "))
}

fn push(args: &mut Vec<SqlValue>, v: impl Into<SqlValue>) -> usize {
    args.push(v.into());
    args.len()
}

/// A page of rows, newest first, strictly before `before_seq` (keyset paging: the cost of a
/// page does not grow with its depth), skipping `offset` matching rows (numbered pages of the
/// API). Returns the rows and whether more follow.
pub fn search(
    _scope: &AuditScope,
    conn: &Connection,
    f: &AuditFilter,
    before_seq: Option<i64>,
    offset: usize,
    limit: usize,
) -> Result<(Vec<AuditLine>, bool), AppError> {
    let (lo, hi) = seq_bounds(conn, f.from, f.to)?;
    let hi = hi.min(before_seq.map_or(i64::MAX, |b| b - 1));
    let mut args: Vec<SqlValue> = Vec::new();
    let with = match &f.recipient {
        Some(key) => subject_clause(conn, key, true, &mut args)?,
        None => String::new(),
    };
    let mut cond = vec![format!("a.seq >= ?{}", push(&mut args, lo)), format!("a.seq <= ?{}", push(&mut args, hi))];
    if f.recipient.is_some() {
        cond.push("a.seq IN (SELECT seq FROM subject)".into());
    }
    if let Some(cf) = &f.operator_cf {
        cond.push(format!("a.actor_cf = ?{}", push(&mut args, cf.clone())));
    }
    if let Some(p) = f.provider {
        cond.push(format!("a.provider_id = ?{}", push(&mut args, p.get())));
    }
    if let Some(action) = &f.action {
        cond.push(format!("a.action = ?{}", push(&mut args, action.clone())));
    }
    if let Some(outcome) = &f.outcome {
        cond.push(format!("a.outcome = ?{}", push(&mut args, outcome.clone())));
    }
    let fetch = i64::try_from(limit).unwrap_or(100) + 1;
    let limit_arg = push(&mut args, fetch);
    let offset_arg = push(&mut args, i64::try_from(offset).unwrap_or(i64::MAX));
    let sql = format!(
        "{with}{SELECT_LINE} WHERE {} ORDER BY a.seq DESC LIMIT ?{limit_arg} OFFSET ?{offset_arg}",
        cond.join(" AND ")
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let mut rows = stmt.query_map(params_from_iter(args.iter()), line)?.collect::<Result<Vec<_>, _>>()?;
    let more = rows.len() > limit;
    rows.truncate(limit);
    Ok((rows, more))
}

/// Every access to one person's data, oldest first (for a data-subject request). The
/// auditors' own reports about the person (`audit.*`) are left out: they are in the registro.
/// The lists that showed the person are in [`subject_lists`].
pub fn subject_accesses(
    _scope: &AuditScope,
    conn: &Connection,
    key: &RecipientKey,
) -> Result<Vec<AuditLine>, AppError> {
    let mut args: Vec<SqlValue> = Vec::new();
    let with = subject_clause(conn, key, false, &mut args)?;
    let sql = format!(
        "{with}{SELECT_LINE} WHERE a.seq IN (SELECT seq FROM subject) AND a.action NOT LIKE 'audit.%' ORDER BY a.seq"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(args.iter()), line)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The rows with these seqs, in seq order.
pub fn lines(_scope: &AuditScope, conn: &Connection, seqs: &[i64]) -> Result<Vec<AuditLine>, AppError> {
    let list = serde_json::to_string(seqs).map_err(AppError::internal)?;
    let sql = format!("{SELECT_LINE} WHERE a.seq IN (SELECT value FROM json_each(?1)) ORDER BY a.seq");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([list], line)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The lists that showed the person: one entry per day and viewer (the first such list).
pub fn subject_lists(
    _scope: &AuditScope,
    conn: &Connection,
    key: &RecipientKey,
) -> Result<Vec<super::audit_subjects::ListAppearance>, AppError> {
    match key.id {
        Some(id) => super::audit_subjects::list_appearances(conn, id),
        None => Ok(Vec::new()),
    }
}

/// One operator's month.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ActivityLine {
    pub provider_id: Option<ProviderId>,
    pub provider_name: Option<String>,
    pub operator_id: Option<OperatorId>,
    pub operator_cf: String,
    pub operator_name: String,
    pub role: String,
    /// Days with an `access.login` row (the first request of each day).
    pub logins: i64,
    /// Person records opened: scheda, SAP, programme.
    pub records_viewed: i64,
    /// Changes recorded (anything that is not a read, a login or a refusal).
    pub changes: i64,
    pub uploads: i64,
    pub downloads: i64,
    pub denied: i64,
}

/// Per operator (and so per provider) counts for `[from, to)`. Reads only the
/// `audit_log_month` index (ts, provider, actor, action, outcome), never the table.
pub fn activity(
    _scope: &AuditScope,
    conn: &Connection,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<ActivityLine>, AppError> {
    let reads: Vec<&str> = View::ALL.iter().map(|v| v.action()).collect();
    let reads = serde_json::to_string(&reads).map_err(AppError::internal)?;
    let sql = "WITH m AS (
            SELECT provider_id, actor_id,
                sum(action = 'access.login') AS logins,
                sum(outcome = 'ok' AND action IN ('recipient.view', 'sap.view', 'programme.view')) AS viewed,
                sum(outcome = 'ok' AND action <> 'access.login' AND action NOT LIKE '%upload%'
                    AND action NOT IN (SELECT value FROM json_each(?3))) AS changes,
                sum(outcome = 'ok' AND action LIKE '%upload%') AS uploads,
                sum(outcome = 'ok' AND action = 'document.download') AS downloads,
                sum(outcome = 'denied') AS denied
            FROM audit_log INDEXED BY audit_log_month
            WHERE ts >= ?1 AND ts < ?2 AND actor_id IS NOT NULL
            GROUP BY provider_id, actor_id)
        SELECT m.provider_id, p.name, m.actor_id, o.codice_fiscale, o.surname || ' ' || o.name, o.role,
               m.logins, m.viewed, m.changes, m.uploads, m.downloads, m.denied
        FROM m JOIN operator o ON o.id = m.actor_id LEFT JOIN provider p ON p.id = m.provider_id
        ORDER BY p.name IS NULL, p.name, o.surname, o.name";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt
        .query_map(rusqlite::params![from, to, reads], |r| {
            Ok(ActivityLine {
                provider_id: r.get(0)?,
                provider_name: r.get(1)?,
                operator_id: r.get(2)?,
                operator_cf: r.get(3)?,
                operator_name: r.get(4)?,
                role: r.get(5)?,
                logins: r.get(6)?,
                records_viewed: r.get(7)?,
                changes: r.get(8)?,
                uploads: r.get(9)?,
                downloads: r.get(10)?,
                denied: r.get(11)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The distinct actions in the trail, for the search form's list.
pub fn actions(_scope: &AuditScope, conn: &Connection) -> Result<Vec<String>, AppError> {
    // A skip-scan of the action index: one probe per distinct value.
    let mut out = Vec::new();
    let mut last = String::new();
    loop {
        let next: Option<String> = conn
            .prepare_cached("SELECT action FROM audit_log WHERE action > ?1 ORDER BY action LIMIT 1")?
            .query_row([&last], |r| r.get(0))
            .optional()?;
        match next {
            Some(a) => {
                last = a.clone();
                out.push(a);
            }
            None => return Ok(out),
        }
    }
}

/// Every access to the data of the person with this codice fiscale, oldest first.
pub fn accesses_to(scope: &AuditScope, conn: &Connection, cf: &str) -> Result<Vec<AuditLine>, AppError> {
    let id = recipient_id(scope, conn, cf)?;
    subject_accesses(scope, conn, &RecipientKey { id, cf: cf.to_owned() })
}

/// The lists that showed the person with this codice fiscale (one entry per day and viewer).
pub fn lists_of(
    scope: &AuditScope,
    conn: &Connection,
    cf: &str,
) -> Result<Vec<super::audit_subjects::ListAppearance>, AppError> {
    let id = recipient_id(scope, conn, cf)?;
    subject_lists(scope, conn, &RecipientKey { id, cf: cf.to_owned() })
}

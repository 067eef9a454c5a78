//! Operators: everyone who logs in. The lookup by codice fiscale is the one unscoped query
//! by design: it is how a certificate becomes a person, before any scope exists.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::WriteTx;
use crate::domain::codice_fiscale::CodiceFiscale;
use crate::domain::ids::{CommunicationId, DocumentId, OperatorId, ProviderId, SedeId};
use crate::domain::operator::{Operator, OperatorState, ProviderRef};
use crate::domain::role::Role;
use crate::domain::timestamp::Timestamp;
use crate::error::{AppError, FieldError};

const SELECT: &str = "SELECT o.id, o.codice_fiscale, o.surname, o.name, o.role, o.provider_id, p.name,
        p.status, o.state, o.technical_exemption, o.enabled_at, o.last_access_at, o.last_cert_sha256
     FROM operator o LEFT JOIN provider p ON p.id = o.provider_id";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Result<Operator, AppError>> {
    let cf: String = r.get(1)?;
    let role: String = r.get(4)?;
    let provider_id: Option<i64> = r.get(5)?;
    let provider_name: Option<String> = r.get(6)?;
    let provider_status: Option<String> = r.get(7)?;
    let state: String = r.get(8)?;
    let build = || -> Result<Operator, AppError> {
        Ok(Operator {
            id: OperatorId::from_db(r.get(0)?),
            codice_fiscale: CodiceFiscale::parse(&cf).map_err(AppError::internal)?,
            surname: r.get(2)?,
            name: r.get(3)?,
            role: role.parse().map_err(AppError::internal)?,
            provider: provider_id.map(|id| ProviderRef {
                id: ProviderId::from_db(id),
                name: provider_name.unwrap_or_default(),
                active: provider_status.as_deref() == Some("active"),
            }),
            state: OperatorState::from_code(&state).ok_or_else(|| AppError::unexpected("unknown operator state"))?,
            technical_exemption: r.get(9)?,
            enabled_at: r.get(10)?,
            last_access_at: r.get(11)?,
            last_cert_sha256: r.get(12)?,
        })
    };
    Ok(build())
}

/// Authentication lookup: the operator holding this codice fiscale, whatever their state.
pub fn find_for_login(conn: &Connection, cf: &CodiceFiscale) -> Result<Option<Operator>, AppError> {
    let mut stmt = conn.prepare_cached(&format!("{SELECT} WHERE o.codice_fiscale = ?1"))?;
    stmt.query_row([cf.as_str()], from_row).optional()?.transpose()
}

pub fn get(conn: &Connection, id: OperatorId) -> Result<Option<Operator>, AppError> {
    let mut stmt = conn.prepare_cached(&format!("{SELECT} WHERE o.id = ?1"))?;
    stmt.query_row([id.get()], from_row).optional()?.transpose()
}

pub struct NewOperator<'a> {
    pub codice_fiscale: &'a CodiceFiscale,
    pub surname: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub role: Role,
    pub provider: Option<ProviderId>,
    pub role_title: &'a str,
    pub technical_exemption: bool,
}

/// Inserts an active operator. A codice fiscale already used, by anyone and in any state, is a
/// conflict: it is never reassigned (Allegato B p.6).
pub fn insert(tx: &WriteTx<'_>, now: Timestamp, op: &NewOperator<'_>) -> Result<OperatorId, AppError> {
    let taken: bool = tx
        .conn()
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM operator WHERE codice_fiscale = ?1)")?
        .query_row([op.codice_fiscale.as_str()], |r| r.get(0))?;
    if taken {
        return Err(AppError::Conflict(FieldError {
            field: "codice_fiscale".into(),
            message: "questo codice fiscale è già stato usato per un'utenza e non può essere riassegnato".into(),
        }));
    }
    tx.conn()
        .prepare_cached(
            "INSERT INTO operator (codice_fiscale, surname, name, email, role, provider_id, role_title,
                               technical_exemption, enabled_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?
        .execute(params![
            op.codice_fiscale.as_str(),
            op.surname,
            op.name,
            op.email,
            op.role.code(),
            op.provider.map(|p| p.get()),
            op.role_title,
            op.technical_exemption,
            now
        ])?;
    Ok(OperatorId::from_db(tx.conn().last_insert_rowid()))
}

/// Moves `last_access_at` to now and remembers the certificate. Returns false when another
/// request already did it for the same day and certificate (checked under the write lock).
pub fn record_access(
    tx: &WriteTx<'_>,
    id: OperatorId,
    now: Timestamp,
    day_start_ms: Timestamp,
    cert_sha256: &str,
) -> Result<bool, AppError> {
    let changed = tx
        .conn()
        .prepare_cached(
            "UPDATE operator SET last_access_at = ?2, last_cert_sha256 = ?3
         WHERE id = ?1 AND state = 'active'
           AND (last_access_at IS NULL OR last_access_at < ?4 OR last_cert_sha256 IS NOT ?3)",
        )?
        .execute(params![id.get(), now, cert_sha256, day_start_ms])?;
    Ok(changed == 1)
}

/// Switches an operator off for inactivity if, under the write lock, they are still active
/// and still idle since `idle_before` or earlier. Returns whether it did.
pub fn deactivate_if_idle(tx: &WriteTx<'_>, id: OperatorId, idle_before: Timestamp) -> Result<bool, AppError> {
    let changed = tx
        .conn()
        .prepare_cached(
            "UPDATE operator SET state = 'idle_deactivated'
         WHERE id = ?1 AND state = 'active' AND technical_exemption = 0
           AND max(coalesce(last_access_at, 0), enabled_at) < ?2",
        )?
        .execute(params![id.get(), idle_before])?;
    Ok(changed == 1)
}

/// An operator as the administration screens list them.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OperatorRow {
    pub id: OperatorId,
    pub codice_fiscale: String,
    pub surname: String,
    pub name: String,
    pub email: String,
    pub role: String,
    pub provider_id: Option<ProviderId>,
    pub provider_name: Option<String>,
    pub role_title: String,
    pub state: String,
    pub technical_exemption: bool,
    pub exemption_reason: String,
    pub enabled_at: Timestamp,
    pub last_access_at: Option<Timestamp>,
    pub reviewed_at: Option<Timestamp>,
    pub version: i64,
}

const ROW_SELECT: &str = "SELECT o.id, o.codice_fiscale, o.surname, o.name, o.email, o.role, o.provider_id, p.name,
        o.role_title, o.state, o.technical_exemption, o.exemption_reason, o.enabled_at, o.last_access_at,
        o.reviewed_at, o.version
     FROM operator o LEFT JOIN provider p ON p.id = o.provider_id";

fn row_from(r: &Row<'_>) -> rusqlite::Result<OperatorRow> {
    Ok(OperatorRow {
        id: OperatorId::from_db(r.get(0)?),
        codice_fiscale: r.get(1)?,
        surname: r.get(2)?,
        name: r.get(3)?,
        email: r.get(4)?,
        role: r.get(5)?,
        provider_id: r.get(6)?,
        provider_name: r.get(7)?,
        role_title: r.get(8)?,
        state: r.get(9)?,
        technical_exemption: r.get(10)?,
        exemption_reason: r.get(11)?,
        enabled_at: r.get(12)?,
        last_access_at: r.get(13)?,
        reviewed_at: r.get(14)?,
        version: r.get(15)?,
    })
}

/// Filters of the operators list; empty strings mean "any".
#[derive(Debug, Clone, Default)]
pub struct OperatorFilter {
    pub q: String,
    pub role: String,
    pub state: String,
    pub provider: Option<ProviderId>,
}

pub fn search(conn: &Connection, f: &OperatorFilter, page: i64) -> Result<(Vec<OperatorRow>, i64), AppError> {
    let page_size = super::providers::PAGE_SIZE;
    search_window(conn, f, page.clamp(0, 100_000) * page_size, page_size)
}

/// Operators matching `f` from row `offset`, at most `limit`, and the total.
pub fn search_window(
    conn: &Connection,
    f: &OperatorFilter,
    offset: i64,
    limit: i64,
) -> Result<(Vec<OperatorRow>, i64), AppError> {
    let by_name = super::providers::text_match(
        &f.q,
        1,
        &["o.surname", "o.name", "o.codice_fiscale", "(o.name || ' ' || o.surname)", "(o.surname || ' ' || o.name)"],
    );
    let filter = format!(
        "WHERE {by_name} AND (?2 = '' OR o.role = ?2) AND (?3 = '' OR o.state = ?3)
                    AND (?4 IS NULL OR o.provider_id = ?4)"
    );
    let pattern = super::providers::like_pattern(&f.q);
    let provider = f.provider.map(ProviderId::get);
    let total: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM operator o {filter}"))?
        .query_row(params![pattern, f.role, f.state, provider], |r| r.get(0))?;
    let mut stmt = conn.prepare_cached(&format!(
        "{ROW_SELECT} {filter} ORDER BY o.surname COLLATE NOCASE, o.name COLLATE NOCASE LIMIT ?5 OFFSET ?6"
    ))?;
    let rows = stmt
        .query_map(params![pattern, f.role, f.state, provider, limit, offset], row_from)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok((rows, total))
}

pub fn row(conn: &Connection, id: OperatorId) -> Result<Option<OperatorRow>, AppError> {
    Ok(conn.prepare_cached(&format!("{ROW_SELECT} WHERE o.id = ?1"))?.query_row([id.get()], row_from).optional()?)
}

/// Active operators whose idleness reference falls in [from, to): for the inactivity screens.
pub fn idle_between(conn: &Connection, from: Timestamp, to: Timestamp) -> Result<Vec<OperatorRow>, AppError> {
    let mut stmt = conn.prepare_cached(&format!(
        "{ROW_SELECT} WHERE o.state = 'active' AND o.technical_exemption = 0
           AND max(coalesce(o.last_access_at, 0), o.enabled_at) >= ?1 AND max(coalesce(o.last_access_at, 0), o.enabled_at) < ?2
         ORDER BY max(coalesce(o.last_access_at, 0), o.enabled_at)"
    ))?;
    let rows = stmt.query_map([from, to], row_from)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Everyone of one provider (no paging: a provider has tens of operators, not thousands).
pub fn of_provider(conn: &Connection, provider: ProviderId) -> Result<Vec<OperatorRow>, AppError> {
    let mut stmt = conn.prepare_cached(&format!(
        "{ROW_SELECT} WHERE o.provider_id = ?1 ORDER BY o.surname COLLATE NOCASE, o.name COLLATE NOCASE"
    ))?;
    let rows = stmt.query_map([provider.get()], row_from)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Operators switched off by the six-month rule, with when it happened, newest first.
pub fn idle_deactivated(conn: &Connection) -> Result<Vec<(OperatorRow, Timestamp)>, AppError> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT * FROM ({ROW_SELECT} WHERE o.state = 'idle_deactivated') x
         JOIN (SELECT operator_id, max(at) AS at FROM operator_event WHERE kind = 'idle_deactivated' GROUP BY operator_id) e
           ON e.operator_id = x.id
         ORDER BY e.at DESC"
    ))?;
    let rows =
        stmt.query_map([], |r| Ok((row_from(r)?, r.get::<_, Timestamp>(17)?)))?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Operators who never logged in, enabled before `before_ms`.
pub fn never_used_before(conn: &Connection, before_ms: Timestamp) -> Result<Vec<OperatorRow>, AppError> {
    let mut stmt = conn.prepare_cached(&format!(
        "{ROW_SELECT} WHERE o.last_access_at IS NULL AND o.enabled_at < ?1 ORDER BY o.enabled_at"
    ))?;
    let rows = stmt.query_map([before_ms], row_from)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Every active authorisation, for the annual review.
pub fn active(conn: &Connection) -> Result<Vec<OperatorRow>, AppError> {
    let mut stmt = conn.prepare_cached(&format!(
        "{ROW_SELECT} WHERE o.state = 'active' ORDER BY p.name COLLATE NOCASE, o.surname COLLATE NOCASE"
    ))?;
    let rows = stmt.query_map([], row_from)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Ids of active, non-exempt operators idle since before `limit_ms`.
pub fn idle_ids(conn: &Connection, limit: Timestamp) -> Result<Vec<OperatorId>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM operator WHERE state = 'active' AND technical_exemption = 0
           AND max(coalesce(last_access_at, 0), enabled_at) < ?1",
    )?;
    let rows = stmt.query_map([limit], |r| Ok(OperatorId::from_db(r.get(0)?)))?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub fn count_active_with_role(conn: &Connection, role: Role) -> Result<i64, AppError> {
    Ok(conn
        .prepare_cached("SELECT count(*) FROM operator WHERE role = ?1 AND state = 'active'")?
        .query_row([role.code()], |r| r.get(0))?)
}

/// Email and role title, if `version` is still the stored one.
pub fn update_contact(
    tx: &WriteTx<'_>,
    id: OperatorId,
    version: i64,
    email: &str,
    role_title: &str,
) -> Result<(), AppError> {
    let changed = tx
        .conn()
        .prepare_cached(
            "UPDATE operator SET email = ?3, role_title = ?4, version = version + 1 WHERE id = ?1 AND version = ?2",
        )?
        .execute(params![id.get(), version, email, role_title])?;
    if changed == 0 {
        return Err(super::providers::stale());
    }
    Ok(())
}

pub fn set_state(
    tx: &WriteTx<'_>,
    id: OperatorId,
    state: OperatorState,
    now: Option<Timestamp>,
) -> Result<(), AppError> {
    // Re-enabling (`now` given) restarts the six-month count from now, as a new enabling would.
    tx.conn()
        .prepare_cached(
            "UPDATE operator SET state = ?2, version = version + 1, enabled_at = coalesce(?3, enabled_at)
         WHERE id = ?1",
        )?
        .execute(params![id.get(), state.code(), now])?;
    Ok(())
}

pub fn set_exemption(tx: &WriteTx<'_>, id: OperatorId, on: bool, reason: &str) -> Result<(), AppError> {
    tx.conn()
        .prepare_cached(
            "UPDATE operator SET technical_exemption = ?2, exemption_reason = ?3, version = version + 1 WHERE id = ?1",
        )?
        .execute(params![id.get(), on, reason])?;
    Ok(())
}

pub fn mark_reviewed(tx: &WriteTx<'_>, id: OperatorId, now: Timestamp) -> Result<(), AppError> {
    tx.conn().prepare_cached("UPDATE operator SET reviewed_at = ?2 WHERE id = ?1")?.execute(params![id.get(), now])?;
    Ok(())
}

pub fn set_sedi(tx: &WriteTx<'_>, id: OperatorId, sedi: &[crate::domain::ids::SedeId]) -> Result<(), AppError> {
    tx.conn().prepare_cached("DELETE FROM operator_sede WHERE operator_id = ?1")?.execute([id.get()])?;
    for s in sedi {
        tx.conn()
            .prepare_cached("INSERT OR IGNORE INTO operator_sede (operator_id, sede_id) VALUES (?1, ?2)")?
            .execute(params![id.get(), s.get()])?;
    }
    Ok(())
}

pub fn sede_ids(conn: &Connection, id: OperatorId) -> Result<Vec<SedeId>, AppError> {
    let mut stmt = conn.prepare_cached("SELECT sede_id FROM operator_sede WHERE operator_id = ?1 ORDER BY sede_id")?;
    let rows = stmt.query_map([id.get()], |r| r.get(0))?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub struct OperatorEvent<'a> {
    pub operator: OperatorId,
    pub at: Timestamp,
    pub kind: &'a str,
    pub reason_kind: &'a str,
    pub reason: &'a str,
    pub communication: Option<i64>,
    pub by_operator: Option<i64>,
    pub by_label: &'a str,
    pub before: &'a serde_json::Value,
    pub after: &'a serde_json::Value,
}

pub fn add_event(tx: &WriteTx<'_>, e: &OperatorEvent<'_>) -> Result<(), AppError> {
    tx.conn()
        .prepare_cached(
            "INSERT INTO operator_event (operator_id, at, kind, reason_kind, reason, communication_id, by_operator_id,
                                     by_label, before, after)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?
        .execute(params![
            e.operator.get(),
            e.at,
            e.kind,
            e.reason_kind,
            e.reason,
            e.communication,
            e.by_operator,
            e.by_label,
            e.before.to_string(),
            e.after.to_string()
        ])?;
    Ok(())
}

/// One line of an operator's history, for people.
#[derive(Debug, Clone, serde::Serialize)]
pub struct HistoryLine {
    pub at: Timestamp,
    pub kind: String,
    pub reason_kind: String,
    pub reason: String,
    pub communication: Option<String>,
    pub by: String,
    pub before: String,
    pub after: String,
}

pub fn history(conn: &Connection, id: OperatorId) -> Result<Vec<HistoryLine>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT e.at, e.kind, e.reason_kind, e.reason,
                CASE WHEN c.id IS NULL THEN NULL ELSE 'Prot. ' || c.protocol || ' del ' || c.received_on END,
                e.by_label, e.before, e.after
         FROM operator_event e LEFT JOIN communication c ON c.id = e.communication_id
         WHERE e.operator_id = ?1 ORDER BY e.at DESC, e.id DESC",
    )?;
    let rows = stmt
        .query_map([id.get()], |r| {
            Ok(HistoryLine {
                at: r.get(0)?,
                kind: r.get(1)?,
                reason_kind: r.get(2)?,
                reason: r.get(3)?,
                communication: r.get(4)?,
                by: r.get(5)?,
                before: r.get(6)?,
                after: r.get(7)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Certificates an operator logged in with: (cn, issuer, serial, not_before, not_after, first, last).
#[derive(Debug, Clone, serde::Serialize)]
pub struct SeenCert {
    pub subject_cn: String,
    pub issuer: String,
    pub serial: String,
    pub not_before: Timestamp,
    pub not_after: Timestamp,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
    /// Certificate policy OIDs; `None` for certificates seen before they were recorded.
    pub policies: Option<Vec<String>>,
}

pub fn certificates(conn: &Connection, id: OperatorId) -> Result<Vec<SeenCert>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT subject_cn, issuer, serial, not_before, not_after, first_seen, last_seen, policies
         FROM certificate_seen WHERE operator_id = ?1 ORDER BY last_seen DESC",
    )?;
    let rows = stmt
        .query_map([id.get()], |r| {
            Ok(SeenCert {
                subject_cn: r.get(0)?,
                issuer: r.get(1)?,
                serial: r.get(2)?,
                not_before: r.get(3)?,
                not_after: r.get(4)?,
                first_seen: r.get(5)?,
                last_seen: r.get(6)?,
                policies: r.get::<_, Option<String>>(7)?.map(|p| p.split_whitespace().map(str::to_owned).collect()),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The communication an operator was (last) enabled on: (id, title).
pub fn enabling_communication(
    conn: &Connection,
    id: OperatorId,
) -> Result<Option<(CommunicationId, String)>, AppError> {
    Ok(conn
        .prepare_cached(
            "SELECT c.id, 'Prot. ' || c.protocol || ' del ' || c.received_on
             FROM operator_event e JOIN communication c ON c.id = e.communication_id
             WHERE e.operator_id = ?1 AND e.kind IN ('enabled', 'reenabled')
             ORDER BY e.at DESC, e.id DESC LIMIT 1",
        )?
        .query_row([id.get()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// The file of a communication, for the review zip.
pub fn communication_document(
    conn: &Connection,
    communication: CommunicationId,
) -> Result<Option<super::communications::StoredDocument>, AppError> {
    let doc: Option<DocumentId> = conn
        .prepare_cached("SELECT document_id FROM communication WHERE id = ?1")?
        .query_row([communication], |r| r.get(0))
        .optional()?;
    match doc {
        Some(d) => super::communications::document(conn, d),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_operator_is_found_by_name_surname_either_order_or_one_word() {
        let dir = tempfile::tempdir().unwrap();
        let conn = crate::repo::open_and_migrate(&dir.path().join("d.db"), |_| Ok(())).unwrap();
        conn.execute_batch(
            "INSERT INTO provider (id, name, codice_fiscale, accreditation_code, created_at) VALUES
                 (1, 'A', '01234567897', 'ACC-1', 0);
             INSERT INTO operator (id, codice_fiscale, surname, name, email, role, provider_id, enabled_at) VALUES
                 (1, 'RSSMRA85T10A562S', 'Rossi', 'Mario', 'm@x.it', 'operatore', 1, 0),
                 (2, 'BNCLRA80A41D612X', 'Bianchi', 'Laura', 'l@x.it', 'operatore', 1, 0);",
        )
        .unwrap();
        let found = |q: &str| {
            let f = OperatorFilter { q: q.into(), ..OperatorFilter::default() };
            search(&conn, &f, 0).unwrap().0.into_iter().map(|o| o.surname).collect::<Vec<_>>()
        };
        for q in ["Mario Rossi", "Rossi Mario", "rossi mario", "Rossi", "Mario", "RSSMRA85"] {
            assert_eq!(found(q), ["Rossi"], "{q}");
        }
        assert!(found("Mario Bianchi").is_empty());
        assert!(found("Rossi Laura").is_empty());
    }
}

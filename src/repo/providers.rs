//! Soggetti accreditati, their sedi and their history.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::Value;

use super::WriteTx;
use crate::domain::ids::{OperatorId, ProviderId, SedeId};
use crate::domain::provider::{Provider, ProviderStatus, ValidProvider};
use crate::domain::sede::{Sede, ValidSede};
use crate::domain::timestamp::Timestamp;
use crate::error::{AppError, FieldError};

pub const PAGE_SIZE: i64 = 25;

const SELECT: &str = "SELECT p.id, p.name, p.codice_fiscale, p.accreditation_code, p.pec, p.registered_office,
        p.contact_person, p.status, p.created_at, p.version,
        (SELECT count(*) FROM operator o WHERE o.provider_id = p.id AND o.state = 'active'),
        (SELECT count(DISTINCT v.recipient_id) FROM voucher v WHERE v.provider_id = p.id),
        p.codice_ente_promotore
     FROM provider p";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Provider> {
    let status: String = r.get(7)?;
    Ok(Provider {
        id: ProviderId::from_db(r.get(0)?),
        name: r.get(1)?,
        codice_fiscale: r.get(2)?,
        accreditation_code: r.get(3)?,
        pec: r.get(4)?,
        registered_office: r.get(5)?,
        contact_person: r.get(6)?,
        status: ProviderStatus::from_code(&status).unwrap_or(ProviderStatus::Suspended),
        created_at: r.get(8)?,
        version: r.get(9)?,
        active_operators: r.get(10)?,
        recipients: r.get(11)?,
        codice_ente_promotore: r.get(12)?,
    })
}

/// Escapes LIKE wildcards so a search for "50%" finds "50%".
pub fn like_pattern(q: &str) -> String {
    let escaped = q.trim().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

/// The condition of a text search: `expressions` matched against the pattern bound at `?{n}`
/// ([`like_pattern`]). An empty search keeps the parameter but leaves the LIKEs out: a LIKE
/// on a bound parameter makes SQLite prepare the statement again at every run (its LIKE
/// optimisation depends on the value), which was a quarter of the cruscotto's time.
pub fn text_match(q: &str, n: usize, expressions: &[&str]) -> String {
    if q.trim().is_empty() {
        return format!("?{n} IS NOT NULL");
    }
    let likes: Vec<String> = expressions.iter().map(|e| format!("{e} LIKE ?{n} ESCAPE '\\'")).collect();
    format!("({})", likes.join(" OR "))
}

/// One page of providers matching `q` (name, number or code), and the total.
pub fn search(conn: &Connection, q: &str, page: i64) -> Result<(Vec<Provider>, i64), AppError> {
    search_window(conn, q, page.clamp(0, 100_000) * PAGE_SIZE, PAGE_SIZE)
}

/// Providers matching `q` from row `offset`, at most `limit`, and the total.
pub fn search_window(conn: &Connection, q: &str, offset: i64, limit: i64) -> Result<(Vec<Provider>, i64), AppError> {
    let pattern = like_pattern(q);
    let filter = format!("WHERE {}", text_match(q, 1, &["p.name", "p.codice_fiscale", "p.accreditation_code"]));
    let total: i64 = conn
        .prepare_cached(&format!("SELECT count(*) FROM provider p {filter}"))?
        .query_row([&pattern], |r| r.get(0))?;
    let mut stmt =
        conn.prepare_cached(&format!("{SELECT} {filter} ORDER BY p.name COLLATE NOCASE LIMIT ?2 OFFSET ?3"))?;
    let rows = stmt.query_map(params![pattern, limit, offset], from_row)?.collect::<Result<Vec<_>, _>>()?;
    Ok((rows, total))
}

pub fn get(conn: &Connection, id: ProviderId) -> Result<Option<Provider>, AppError> {
    Ok(conn.prepare_cached(&format!("{SELECT} WHERE p.id = ?1"))?.query_row([id.get()], from_row).optional()?)
}

/// All providers, for selection lists.
pub fn all_names(conn: &Connection) -> Result<Vec<(ProviderId, String)>, AppError> {
    let mut stmt = conn.prepare_cached("SELECT id, name FROM provider ORDER BY name COLLATE NOCASE")?;
    let rows =
        stmt.query_map([], |r| Ok((ProviderId::from_db(r.get(0)?), r.get(1)?)))?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

fn conflict_if_taken(tx: &WriteTx<'_>, p: &ValidProvider, except: Option<ProviderId>) -> Result<(), AppError> {
    let except = except.map_or(0, ProviderId::get);
    // Imports name a provider by either value, so neither may equal the other's of anyone else.
    let cf_taken: bool = tx
        .conn()
        .prepare_cached(
            "SELECT EXISTS(SELECT 1 FROM provider WHERE (codice_fiscale = ?1 OR accreditation_code = ?1) AND id <> ?2)",
        )?
        .query_row(params![p.codice_fiscale, except], |r| r.get(0))?;
    if cf_taken {
        return Err(AppError::Conflict(FieldError {
            field: "codice_fiscale".into(),
            message: "esiste già un soggetto accreditato con questo codice fiscale o partita IVA".into(),
        }));
    }
    let code_taken: bool = tx
        .conn()
        .prepare_cached(
            "SELECT EXISTS(SELECT 1 FROM provider WHERE (accreditation_code = ?1 OR codice_fiscale = ?1) AND id <> ?2)",
        )?
        .query_row(params![p.accreditation_code, except], |r| r.get(0))?;
    if code_taken {
        return Err(AppError::Conflict(FieldError {
            field: "accreditation_code".into(),
            message: "esiste già un soggetto accreditato con questo codice di accreditamento".into(),
        }));
    }
    Ok(())
}

pub fn insert(tx: &WriteTx<'_>, now: Timestamp, p: &ValidProvider) -> Result<ProviderId, AppError> {
    conflict_if_taken(tx, p, None)?;
    tx.conn().prepare_cached("INSERT INTO provider (name, codice_fiscale, accreditation_code, pec, registered_office, contact_person, created_at,
                               codice_ente_promotore)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")?.execute(
        params![
            p.name,
            p.codice_fiscale,
            p.accreditation_code,
            p.pec,
            p.registered_office,
            p.contact_person,
            now,
            p.codice_ente_promotore
        ],
    )?;
    Ok(ProviderId::from_db(tx.conn().last_insert_rowid()))
}

/// Updates if the stored version is still `version` (else someone saved first: conflict).
pub fn update(tx: &WriteTx<'_>, id: ProviderId, version: i64, p: &ValidProvider) -> Result<(), AppError> {
    conflict_if_taken(tx, p, Some(id))?;
    let changed = tx
        .conn()
        .prepare_cached(
            "UPDATE provider SET name = ?3, codice_fiscale = ?4, accreditation_code = ?5, pec = ?6,
                registered_office = ?7, contact_person = ?8, codice_ente_promotore = ?9, version = version + 1
         WHERE id = ?1 AND version = ?2",
        )?
        .execute(params![
            id.get(),
            version,
            p.name,
            p.codice_fiscale,
            p.accreditation_code,
            p.pec,
            p.registered_office,
            p.contact_person,
            p.codice_ente_promotore
        ])?;
    if changed == 0 {
        return Err(stale());
    }
    Ok(())
}

pub fn stale() -> AppError {
    AppError::Conflict(FieldError {
        field: "version".into(),
        message:
            "i dati sono stati modificati da un altro utente nel frattempo: ricaricare la pagina e ripetere la modifica"
                .into(),
    })
}

pub fn set_status(tx: &WriteTx<'_>, id: ProviderId, status: ProviderStatus) -> Result<(), AppError> {
    tx.conn()
        .prepare_cached("UPDATE provider SET status = ?2, version = version + 1 WHERE id = ?1")?
        .execute(params![id.get(), status.code()])?;
    Ok(())
}

pub struct ProviderEvent<'a> {
    pub provider: ProviderId,
    pub at: Timestamp,
    pub kind: &'a str,
    pub reason: &'a str,
    pub by_operator: Option<OperatorId>,
    pub by_label: &'a str,
    pub before: &'a Value,
    pub after: &'a Value,
}

pub fn add_event(tx: &WriteTx<'_>, e: &ProviderEvent<'_>) -> Result<(), AppError> {
    tx.conn()
        .prepare_cached(
            "INSERT INTO provider_event (provider_id, at, kind, reason, by_operator_id, by_label, before, after)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![
            e.provider.get(),
            e.at,
            e.kind,
            e.reason,
            e.by_operator,
            e.by_label,
            e.before.to_string(),
            e.after.to_string()
        ])?;
    Ok(())
}

/// (at, kind, reason, by_label) newest first.
pub fn events(conn: &Connection, id: ProviderId) -> Result<Vec<(Timestamp, String, String, String)>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT at, kind, reason, by_label FROM provider_event WHERE provider_id = ?1 ORDER BY at DESC, id DESC",
    )?;
    let rows = stmt
        .query_map([id.get()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Exists? (Used by the CLI to give a clear message before inserting an operator.)
pub fn exists(conn: &Connection, id: ProviderId) -> Result<bool, AppError> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM provider WHERE id = ?1")?
        .query_row([id.get()], |_| Ok(()))
        .optional()?
        .is_some())
}

// --- sedi ---------------------------------------------------------------------------------

fn sede_from_row(r: &Row<'_>) -> rusqlite::Result<Sede> {
    Ok(Sede {
        id: SedeId::from_db(r.get(0)?),
        provider: ProviderId::from_db(r.get(1)?),
        address: r.get(2)?,
        comune: r.get(3)?,
        phone: r.get(4)?,
        opening_hours: r.get(5)?,
        programme_enabled: r.get(6)?,
        temporarily_closed: r.get(7)?,
        closed: r.get(8)?,
    })
}

const SEDE_SELECT: &str = "SELECT id, provider_id, address, comune, phone, opening_hours, programme_enabled,
        temporarily_closed, closed FROM sede";

pub fn sedi(conn: &Connection, provider: ProviderId) -> Result<Vec<Sede>, AppError> {
    let mut stmt =
        conn.prepare_cached(&format!("{SEDE_SELECT} WHERE provider_id = ?1 ORDER BY closed, comune, address"))?;
    let rows = stmt.query_map([provider.get()], sede_from_row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub fn sede(conn: &Connection, id: SedeId) -> Result<Option<Sede>, AppError> {
    Ok(conn.prepare_cached(&format!("{SEDE_SELECT} WHERE id = ?1"))?.query_row([id.get()], sede_from_row).optional()?)
}

pub fn insert_sede(tx: &WriteTx<'_>, now: Timestamp, provider: ProviderId, s: &ValidSede) -> Result<SedeId, AppError> {
    tx.conn()
        .prepare_cached(
            "INSERT INTO sede (provider_id, address, comune, phone, opening_hours, programme_enabled,
                           temporarily_closed, closed, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?
        .execute(params![
            provider.get(),
            s.address,
            s.comune,
            s.phone,
            s.opening_hours,
            s.programme_enabled,
            s.temporarily_closed,
            s.closed,
            now
        ])?;
    Ok(SedeId::from_db(tx.conn().last_insert_rowid()))
}

pub fn update_sede(tx: &WriteTx<'_>, id: SedeId, s: &ValidSede) -> Result<(), AppError> {
    tx.conn()
        .prepare_cached(
            "UPDATE sede SET address = ?2, comune = ?3, phone = ?4, opening_hours = ?5, programme_enabled = ?6,
                temporarily_closed = ?7, closed = ?8 WHERE id = ?1",
        )?
        .execute(params![
            id.get(),
            s.address,
            s.comune,
            s.phone,
            s.opening_hours,
            s.programme_enabled,
            s.temporarily_closed,
            s.closed
        ])?;
    Ok(())
}

/// Every provider's id, codice fiscale / partita IVA and accreditation code: what an
/// assignment's `ente` may name (`service::assignment_import::ProviderIndex`).
pub fn provider_names(conn: &Connection) -> Result<Vec<(ProviderId, String, String)>, AppError> {
    let mut stmt = conn.prepare_cached("SELECT id, codice_fiscale, accreditation_code FROM provider")?;
    let rows = stmt
        .query_map([], |r| Ok((ProviderId::from_db(r.get(0)?), r.get(1)?, r.get(2)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

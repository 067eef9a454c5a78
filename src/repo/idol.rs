//! What the feed to IDOL reads: providers' section VI records and programme outcomes changed
//! in a period, and the exports already made.

use rusqlite::{Connection, OptionalExtension, params};

use super::WriteTx;
use crate::domain::feed::{FeedOutcome, FeedPolicy, FeedWorker};
use crate::domain::ids::{IdolExportId, RecipientId};
use crate::domain::timestamp::Timestamp;
use crate::error::AppError;

/// Provider actions created or changed in [since, until), by worker then identificativo; for a
/// worker a previous export could not send, from where that export started.
pub fn policies(conn: &Connection, since: Timestamp, until: Timestamp) -> Result<Vec<FeedPolicy>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT r.id, r.codice_fiscale, r.cognome, r.nome, pl.tipo_attivita, pl.titolo_denominazione, pl.data_proposta,
                pl.data_inizio, pl.data_fine, pl.durata, pl.tipologia_durata, pl.descrizione, pl.titolo_progetto,
                pl.codice_ente_promotore, pl.identificativo_politica, pl.indice_profiling,
                pl.identificativo_presa_in_carico, pl.ultimo_evento, pl.data_evento, pl.descrizione_evento, pl.updated_at
         FROM policy pl JOIN recipient r ON r.id = pl.recipient_id
         LEFT JOIN idol_pending ip ON ip.recipient_id = pl.recipient_id
         WHERE pl.origin = 'provider' AND pl.updated_at < ?2 AND pl.updated_at >= min(?1, coalesce(ip.since_ms, ?1))
         ORDER BY r.codice_fiscale, pl.identificativo_politica",
    )?;
    let text = |v: Option<String>| v.unwrap_or_default();
    let rows = stmt
        .query_map(params![since, until], |r| {
            Ok(FeedPolicy {
                recipient_id: r.get(0)?,
                codice_fiscale: r.get(1)?,
                cognome: r.get(2)?,
                nome: r.get(3)?,
                tipo_attivita: r.get(4)?,
                titolo_denominazione: r.get(5)?,
                data_proposta: text(r.get(6)?),
                data_inizio: r.get(7)?,
                data_fine: r.get(8)?,
                durata: r.get(9)?,
                tipologia_durata: r.get(10)?,
                descrizione: r.get(11)?,
                titolo_progetto: r.get(12)?,
                codice_ente_promotore: r.get(13)?,
                identificativo_politica: text(r.get(14)?),
                indice_profiling: r.get(15)?,
                identificativo_presa_in_carico: r.get(16)?,
                evento: text(r.get(17)?),
                data_evento: text(r.get(18)?),
                descrizione_evento: r.get(19)?,
                updated_at: r.get(20)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// A worker of the feed: the person and the sections of their latest SAP.
pub fn worker(conn: &Connection, recipient: RecipientId) -> Result<Option<FeedWorker>, AppError> {
    Ok(conn
        .prepare_cached("SELECT r.id, r.codice_fiscale, r.cognome, r.nome, r.birth_date, r.sex,
                    (SELECT sv.sections FROM sap_version sv WHERE sv.recipient_id = r.id ORDER BY sv.version DESC LIMIT 1)
             FROM recipient r WHERE r.id = ?1")?.query_row(
            [recipient],
            |r| {
                Ok(FeedWorker {
                    recipient_id: r.get(0)?,
                    codice_fiscale: r.get(1)?,
                    cognome: r.get(2)?,
                    nome: r.get(3)?,
                    birth_date: r.get(4)?,
                    sex: r.get(5)?,
                    sections: r.get(6)?,
                })
            },
        )
        .optional()?)
}

/// A worker the export could not send: kept (from the earliest period) until one does.
pub fn keep_pending(
    tx: &WriteTx<'_>,
    recipient: RecipientId,
    since: Timestamp,
    reasons: &str,
    now: Timestamp,
) -> Result<(), AppError> {
    tx.conn()
        .prepare_cached(
            "INSERT INTO idol_pending (recipient_id, since_ms, reasons, checked_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (recipient_id) DO UPDATE SET since_ms = min(since_ms, excluded.since_ms),
             reasons = excluded.reasons, checked_at = excluded.checked_at",
        )?
        .execute(params![recipient, since, reasons, now])?;
    Ok(())
}

pub fn clear_pending(tx: &WriteTx<'_>, recipient: RecipientId) -> Result<(), AppError> {
    tx.conn().prepare_cached("DELETE FROM idol_pending WHERE recipient_id = ?1")?.execute([recipient])?;
    Ok(())
}

/// People not sent yet, with why: (recipient id, codice fiscale, name, reasons JSON, checked at).
pub type Pending = (i64, String, String, String, Timestamp);

/// One page of them, by name, and how many there are in all.
pub fn pending(conn: &Connection, limit: i64, offset: i64) -> Result<(Vec<Pending>, i64), AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT ip.recipient_id, r.codice_fiscale, r.cognome || ' ' || r.nome, ip.reasons, ip.checked_at
         FROM idol_pending ip JOIN recipient r ON r.id = ip.recipient_id ORDER BY r.cognome, r.nome, r.id
         LIMIT ?1 OFFSET ?2",
    )?;
    let rows = stmt
        .query_map([limit, offset], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    let total = conn
        .prepare_cached("SELECT count(*) FROM idol_pending ip JOIN recipient r ON r.id = ip.recipient_id")?
        .query_row([], |r| r.get(0))?;
    Ok((rows, total))
}

/// A provider's action whose stored text breaks the national schema's limits (recorded before
/// the forms enforced them): (action id, recipient id, provider, identificativo, what).
pub type OutOfLimits = (i64, i64, String, String, String);

pub fn out_of_limits(conn: &Connection) -> Result<Vec<OutOfLimits>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT pl.id, pl.recipient_id, p.name, coalesce(pl.identificativo_politica, ''),
                CASE WHEN length(pl.titolo_denominazione) > 100 THEN 'titolo oltre 100 caratteri'
                     ELSE 'descrizione oltre 250 caratteri' END
         FROM policy pl JOIN provider p ON p.id = pl.provider_id
         WHERE pl.origin = 'provider' AND (length(pl.titolo_denominazione) > 100 OR length(pl.descrizione) > 250)
         ORDER BY pl.id LIMIT 500",
    )?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub fn outcomes(conn: &Connection, since: Timestamp, until: Timestamp) -> Result<Vec<FeedOutcome>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT r.codice_fiscale, v.code, p.codice_fiscale, o.kind, o.event_date, o.employer_cf, o.employer_name,
                o.contract, o.contract_months, o.resume_on, o.at
         FROM programme_outcome o JOIN voucher v ON v.id = o.voucher_id JOIN recipient r ON r.id = v.recipient_id
         JOIN provider p ON p.id = v.provider_id
         WHERE o.at >= ?1 AND o.at < ?2 ORDER BY r.codice_fiscale, o.id",
    )?;
    let rows = stmt
        .query_map(params![since, until], |r| {
            Ok(FeedOutcome {
                codice_fiscale: r.get(0)?,
                voucher: r.get(1)?,
                provider_cf: r.get(2)?,
                kind: r.get(3)?,
                event_date: r.get(4)?,
                employer_cf: r.get(5)?,
                employer_name: r.get(6)?,
                contract: r.get(7)?,
                contract_months: r.get(8)?,
                resume_on: r.get(9)?,
                at: r.get(10)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Where the last export ended, so that the next starts there.
pub fn last_until(conn: &Connection) -> Result<Option<Timestamp>, AppError> {
    Ok(conn.prepare_cached("SELECT max(until_ms) FROM idol_export")?.query_row([], |r| r.get(0)).optional()?.flatten())
}

pub struct NewExport<'a> {
    pub at: Timestamp,
    pub by_label: &'a str,
    pub since: Timestamp,
    pub until: Timestamp,
    pub workers: i64,
    pub policies: i64,
    pub outcomes: i64,
    pub sha256: &'a str,
}

pub fn insert(tx: &WriteTx<'_>, e: &NewExport<'_>) -> Result<IdolExportId, AppError> {
    tx.conn()
        .prepare_cached(
            "INSERT INTO idol_export (at, by_label, since_ms, until_ms, workers, policies, outcomes, sha256)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![e.at, e.by_label, e.since, e.until, e.workers, e.policies, e.outcomes, e.sha256])?;
    Ok(IdolExportId::from_db(tx.conn().last_insert_rowid()))
}

/// The export's zip, kept in the same transaction that records it.
pub fn insert_file(tx: &WriteTx<'_>, export: IdolExportId, zip: &[u8]) -> Result<(), AppError> {
    tx.conn()
        .prepare_cached("INSERT INTO idol_export_file (export_id, zip) VALUES (?1, ?2)")?
        .execute(params![export, zip])?;
    Ok(())
}

/// A past export's file: its recorded SHA-256, when it was made and the zip (None for an
/// export made before the files were kept). None when there is no such export.
pub struct StoredFile {
    pub at: Timestamp,
    pub sha256: String,
    pub zip: Option<Vec<u8>>,
}

pub fn file(conn: &Connection, export: IdolExportId) -> Result<Option<StoredFile>, AppError> {
    Ok(conn
        .prepare_cached(
            "SELECT e.at, e.sha256, f.zip FROM idol_export e LEFT JOIN idol_export_file f ON f.export_id = e.id
             WHERE e.id = ?1",
        )?
        .query_row([export], |r| Ok(StoredFile { at: r.get(0)?, sha256: r.get(1)?, zip: r.get(2)? }))
        .optional()?)
}

/// Past exports, newest first.
#[derive(Debug, Clone)]
pub struct PastExport {
    pub id: IdolExportId,
    /// Whether its zip is kept (exports made before version 11 have none).
    pub file_kept: bool,
    pub at: Timestamp,
    pub by_label: String,
    pub since: Timestamp,
    pub until: Timestamp,
    pub workers: i64,
    pub policies: i64,
    pub outcomes: i64,
    pub sha256: String,
}

/// One page of the past exports, newest first, and how many there are in all.
pub fn history(conn: &Connection, limit: i64, offset: i64) -> Result<(Vec<PastExport>, i64), AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT e.at, e.by_label, e.since_ms, e.until_ms, e.workers, e.policies, e.outcomes, e.sha256, e.id,
                EXISTS (SELECT 1 FROM idol_export_file f WHERE f.export_id = e.id)
         FROM idol_export e ORDER BY e.id DESC LIMIT ?1 OFFSET ?2",
    )?;
    let rows = stmt
        .query_map([limit, offset], |r| {
            Ok(PastExport {
                at: r.get(0)?,
                by_label: r.get(1)?,
                since: r.get(2)?,
                until: r.get(3)?,
                workers: r.get(4)?,
                policies: r.get(5)?,
                outcomes: r.get(6)?,
                sha256: r.get(7)?,
                id: r.get(8)?,
                file_kept: r.get(9)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let total = conn.prepare_cached("SELECT count(*) FROM idol_export")?.query_row([], |r| r.get(0))?;
    Ok((rows, total))
}

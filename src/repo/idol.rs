//! What the feed to IDOL reads: providers' section VI records and programme outcomes changed
//! in a period, and the exports already made.

use rusqlite::{Connection, OptionalExtension, params};

use super::WriteTx;
use crate::domain::feed::{FeedOutcome, FeedPolicy};
use crate::error::AppError;

/// Provider actions created or changed in [since, until), by worker then identificativo.
pub fn policies(conn: &Connection, since: i64, until: i64) -> Result<Vec<FeedPolicy>, AppError> {
    let mut stmt = conn.prepare(
        "SELECT r.codice_fiscale, r.cognome, r.nome, pl.tipo_attivita, pl.titolo_denominazione, pl.data_proposta,
                pl.data_inizio, pl.data_fine, pl.durata, pl.tipologia_durata, pl.descrizione, pl.titolo_progetto,
                pl.codice_ente_promotore, pl.identificativo_politica, coalesce(v.profiling_band, ''),
                pl.ultimo_evento, pl.data_evento, pl.updated_at
         FROM policy pl JOIN recipient r ON r.id = pl.recipient_id LEFT JOIN voucher v ON v.id = pl.voucher_id
         WHERE pl.origin = 'provider' AND pl.updated_at >= ?1 AND pl.updated_at < ?2
         ORDER BY r.codice_fiscale, pl.identificativo_politica",
    )?;
    let rows = stmt
        .query_map(params![since, until], |r| {
            Ok(FeedPolicy {
                codice_fiscale: r.get(0)?,
                cognome: r.get(1)?,
                nome: r.get(2)?,
                tipo_attivita: r.get(3)?,
                titolo_denominazione: r.get(4)?,
                data_proposta: r.get::<_, Option<String>>(5)?.unwrap_or_default(),
                data_inizio: r.get(6)?,
                data_fine: r.get(7)?,
                durata: r.get(8)?,
                tipologia_durata: r.get(9)?,
                descrizione: r.get(10)?,
                titolo_progetto: r.get(11)?,
                codice_ente_promotore: r.get(12)?,
                identificativo_politica: r.get::<_, Option<String>>(13)?.unwrap_or_default(),
                indice_profiling: r.get(14)?,
                evento: r.get::<_, Option<String>>(15)?.unwrap_or_default(),
                data_evento: r.get::<_, Option<String>>(16)?.unwrap_or_default(),
                updated_at: r.get(17)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub fn outcomes(conn: &Connection, since: i64, until: i64) -> Result<Vec<FeedOutcome>, AppError> {
    let mut stmt = conn.prepare(
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
pub fn last_until(conn: &Connection) -> Result<Option<i64>, AppError> {
    Ok(conn.query_row("SELECT max(until_ms) FROM idol_export", [], |r| r.get(0)).optional()?.flatten())
}

pub struct NewExport<'a> {
    pub at: i64,
    pub by_label: &'a str,
    pub since: i64,
    pub until: i64,
    pub workers: i64,
    pub policies: i64,
    pub outcomes: i64,
    pub sha256: &'a str,
}

pub fn insert(tx: &WriteTx<'_>, e: &NewExport<'_>) -> Result<i64, AppError> {
    tx.conn().execute(
        "INSERT INTO idol_export (at, by_label, since_ms, until_ms, workers, policies, outcomes, sha256)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![e.at, e.by_label, e.since, e.until, e.workers, e.policies, e.outcomes, e.sha256],
    )?;
    Ok(tx.conn().last_insert_rowid())
}

/// Past exports, newest first.
#[derive(Debug, Clone)]
pub struct PastExport {
    pub at: i64,
    pub by_label: String,
    pub since: i64,
    pub until: i64,
    pub workers: i64,
    pub policies: i64,
    pub outcomes: i64,
    pub sha256: String,
}

pub fn history(conn: &Connection) -> Result<Vec<PastExport>, AppError> {
    let mut stmt = conn.prepare(
        "SELECT at, by_label, since_ms, until_ms, workers, policies, outcomes, sha256 FROM idol_export ORDER BY id DESC LIMIT 100",
    )?;
    let rows = stmt
        .query_map([], |r| {
            Ok(PastExport {
                at: r.get(0)?,
                by_label: r.get(1)?,
                since: r.get(2)?,
                until: r.get(3)?,
                workers: r.get(4)?,
                policies: r.get(5)?,
                outcomes: r.get(6)?,
                sha256: r.get(7)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

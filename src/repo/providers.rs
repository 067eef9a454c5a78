//! Soggetti accreditati.

use rusqlite::{Connection, OptionalExtension, params};

use super::WriteTx;
use crate::domain::ids::ProviderId;
use crate::error::{AppError, FieldError};

pub struct NewProvider<'a> {
    pub name: &'a str,
    pub codice_fiscale: &'a str,
    pub accreditation_code: &'a str,
    pub pec: &'a str,
}

pub fn insert(tx: &WriteTx<'_>, now_ms: i64, p: &NewProvider<'_>) -> Result<ProviderId, AppError> {
    let taken: bool = tx.conn().query_row(
        "SELECT EXISTS(SELECT 1 FROM provider WHERE codice_fiscale = ?1 OR accreditation_code = ?2)",
        params![p.codice_fiscale, p.accreditation_code],
        |r| r.get(0),
    )?;
    if taken {
        return Err(AppError::Conflict(FieldError {
            field: "codice_fiscale".into(),
            message: "esiste già un soggetto con questo codice fiscale o codice di accreditamento"
                .into(),
        }));
    }
    tx.conn().execute(
        "INSERT INTO provider (name, codice_fiscale, accreditation_code, pec, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            p.name,
            p.codice_fiscale,
            p.accreditation_code,
            p.pec,
            now_ms
        ],
    )?;
    Ok(ProviderId::from_db(tx.conn().last_insert_rowid()))
}

/// Exists? (Used by the CLI to give a clear message before inserting an operator.)
pub fn exists(conn: &Connection, id: ProviderId) -> Result<bool, AppError> {
    Ok(conn
        .query_row("SELECT 1 FROM provider WHERE id = ?1", [id.get()], |_| {
            Ok(())
        })
        .optional()?
        .is_some())
}

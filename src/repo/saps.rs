//! The SAP versions of a recipient: the latest one as a scope may see it, the history the
//! import numbers new versions from.

use rusqlite::{Connection, OptionalExtension, params};

use super::WriteTx;
use super::recipient_scope::VISIBLE;
use crate::access::RecipientScope;
use crate::domain::ids::{ProviderId, RecipientId};
use crate::error::AppError;

/// The latest SAP of a recipient: (version, imported_at, sections JSON).
pub fn latest_sap(
    conn: &Connection,
    scope: &RecipientScope,
    id: RecipientId,
) -> Result<Option<(i64, i64, String)>, AppError> {
    let provider = scope.provider_filter().map(ProviderId::get);
    Ok(conn
        .query_row(
            &format!(
                "SELECT version, imported_at, sections FROM sap_version WHERE recipient_id = ?1 AND {VISIBLE}
                 ORDER BY version DESC LIMIT 1"
            ),
            params![id.get(), provider],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?)
}

// --- writes (imports) -------------------------------------------------------------------

/// (version, section-0 update date, sha256 of the original file)
pub type SapHistoryEntry = (i64, String, String);

/// Every stored SAP of a codice fiscale.
pub fn sap_history(tx: &WriteTx<'_>, cf: &str) -> Result<Option<Vec<SapHistoryEntry>>, AppError> {
    let mut stmt = tx.conn().prepare(
        "SELECT sv.version, sv.updated_on, sv.sha256 FROM sap_version sv JOIN recipient_all r ON r.id = sv.recipient_id
         WHERE r.codice_fiscale = ?1",
    )?;
    let rows = stmt.query_map([cf], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<Result<Vec<_>, _>>()?;
    Ok((!rows.is_empty()).then_some(rows))
}

/// The latest stored version number, for numbering the next one (the original file is not
/// read: it can be hundreds of kilobytes).
pub fn latest_sap_version(tx: &WriteTx<'_>, recipient: RecipientId) -> Result<Option<i64>, AppError> {
    Ok(tx
        .conn()
        .prepare_cached("SELECT max(version) FROM sap_version WHERE recipient_id = ?1")?
        .query_row([recipient.get()], |r| r.get(0))?)
}

pub struct NewSapVersion<'a> {
    pub recipient: RecipientId,
    pub version: i64,
    pub sap_code: &'a str,
    pub updated_on: &'a str,
    pub file_name: &'a str,
    pub encoding: &'a str,
    pub original: &'a [u8],
    pub sha256: &'a str,
    pub sections: &'a str,
}

pub fn insert_sap_version(tx: &WriteTx<'_>, now: i64, s: &NewSapVersion<'_>) -> Result<i64, AppError> {
    tx.conn().execute(
        "INSERT INTO sap_version (recipient_id, version, sap_code, updated_on, imported_at, file_name, encoding, original,
                                  sha256, sections)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            s.recipient.get(),
            s.version,
            s.sap_code,
            s.updated_on,
            now,
            s.file_name,
            s.encoding,
            s.original,
            s.sha256,
            s.sections
        ],
    )?;
    Ok(tx.conn().last_insert_rowid())
}

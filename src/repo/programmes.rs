//! The Programma di ricerca intensiva, version by version, reached through a recipient scope.

use rusqlite::{Connection, OptionalExtension, params};

use super::WriteTx;
use super::scoped::ScopedVoucher;
use crate::access::RecipientScope;
use crate::domain::ids::{OperatorId, ProviderId, RecipientId};
use crate::domain::timestamp::Timestamp;
use crate::error::AppError;

/// The voucher a programme belongs to, with what its header shows.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ProgrammeContext {
    /// The proof every follow-up query about this programme takes.
    #[serde(rename = "voucher_id")]
    pub voucher: ScopedVoucher,
    pub voucher_code: String,
    pub recipient: String,
    pub codice_fiscale: String,
    pub provider: String,
    pub sede: String,
    pub tutor: String,
    pub programme_start: Option<String>,
    pub programme_end: Option<String>,
    pub extended_until: Option<String>,
}

/// The latest voucher of the recipient that the scope may see.
pub fn context(
    conn: &Connection,
    scope: &RecipientScope,
    id: RecipientId,
) -> Result<Option<ProgrammeContext>, AppError> {
    let provider = scope.provider_filter().map(ProviderId::get);
    Ok(conn
        .prepare_cached(
            "SELECT v.id, v.code, r.cognome || ' ' || r.nome, r.codice_fiscale, p.name,
                    coalesce(s.address || ', ' || s.comune, ''), coalesce(t.surname || ' ' || t.name, ''),
                    v.programme_start, v.programme_end, v.extended_until
             FROM voucher v JOIN recipient r ON r.id = v.recipient_id JOIN provider p ON p.id = v.provider_id
             LEFT JOIN sede s ON s.id = v.sede_id LEFT JOIN operator t ON t.id = v.tutor_id
             WHERE v.recipient_id = ?1 AND (?2 IS NULL OR v.provider_id = ?2)
             ORDER BY v.issued_on DESC, v.id DESC LIMIT 1",
        )?
        .query_row(params![id.get(), provider], |r| {
            Ok(ProgrammeContext {
                voucher: ScopedVoucher::new(r.get(0)?, id),
                voucher_code: r.get(1)?,
                recipient: r.get(2)?,
                codice_fiscale: r.get(3)?,
                provider: r.get(4)?,
                sede: r.get(5)?,
                tutor: r.get(6)?,
                programme_start: r.get(7)?,
                programme_end: r.get(8)?,
                extended_until: r.get(9)?,
            })
        })
        .optional()?)
}

/// One saved version (without the PDF bytes).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ProgrammeVersion {
    pub version: i64,
    pub fields: String,
    pub saved_at: Timestamp,
    pub saved_by: String,
    pub pdf_sha256: String,
}

/// Versions of a voucher's programme, newest first (the proof comes from [`context`]).
pub fn versions(conn: &Connection, voucher: &ScopedVoucher) -> Result<Vec<ProgrammeVersion>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT pv.version, pv.fields, pv.saved_at, coalesce(o.surname || ' ' || o.name, ''), pv.pdf_sha256
         FROM programme_version pv LEFT JOIN operator o ON o.id = pv.saved_by
         WHERE pv.voucher_id = ?1 ORDER BY pv.version DESC",
    )?;
    let rows = stmt
        .query_map([voucher.id()], |r| {
            Ok(ProgrammeVersion {
                version: r.get(0)?,
                fields: r.get(1)?,
                saved_at: r.get(2)?,
                saved_by: r.get(3)?,
                pdf_sha256: r.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// One version's generated PDF and its sha256.
pub fn pdf(conn: &Connection, voucher: &ScopedVoucher, version: i64) -> Result<Option<(Vec<u8>, String)>, AppError> {
    Ok(conn
        .prepare_cached("SELECT pdf, pdf_sha256 FROM programme_version WHERE voucher_id = ?1 AND version = ?2")?
        .query_row(params![voucher.id(), version], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

pub fn latest_version(tx: &WriteTx<'_>, voucher: &ScopedVoucher) -> Result<i64, AppError> {
    Ok(tx
        .conn()
        .prepare_cached("SELECT coalesce(max(version), 0) FROM programme_version WHERE voucher_id = ?1")?
        .query_row([voucher.id()], |r| r.get(0))?)
}

pub struct NewVersion<'a> {
    pub voucher: &'a ScopedVoucher,
    pub version: i64,
    pub fields: &'a str,
    pub saved_at: Timestamp,
    pub saved_by: Option<OperatorId>,
    pub pdf: &'a [u8],
    pub pdf_sha256: &'a str,
}

pub fn insert(tx: &WriteTx<'_>, v: &NewVersion<'_>) -> Result<(), AppError> {
    tx.conn()
        .prepare_cached(
            "INSERT INTO programme_version (voucher_id, version, fields, saved_at, saved_by, pdf, pdf_sha256)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            v.voucher.id(),
            v.version,
            v.fields,
            v.saved_at,
            v.saved_by.map_or(0, OperatorId::get),
            v.pdf,
            v.pdf_sha256
        ])?;
    Ok(())
}

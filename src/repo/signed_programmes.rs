//! Signed programmes: uploads kept in `document`, linked to a voucher (and the action they
//! came with), newest first; none is ever deleted.

use rusqlite::{Connection, OptionalExtension, params};

use super::WriteTx;
use super::scoped::ScopedVoucher;
use crate::access::RecipientScope;
use crate::domain::document::DocumentKind;
use crate::domain::ids::{ActionId, DocumentId, OperatorId, ProviderId, RecipientId};
use crate::domain::timestamp::Timestamp;
use crate::error::AppError;

/// The generated PDF of every programme version of a voucher: (version, saved_at, pdf).
pub fn generated(tx: &WriteTx<'_>, voucher: &ScopedVoucher) -> Result<Vec<(i64, i64, Vec<u8>)>, AppError> {
    let mut stmt = tx.conn().prepare_cached(
        "SELECT version, saved_at, pdf FROM programme_version WHERE voucher_id = ?1 ORDER BY version",
    )?;
    let rows =
        stmt.query_map([voucher.id()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

pub struct NewSignedProgramme<'a> {
    pub voucher: &'a ScopedVoucher,
    pub document: DocumentId,
    pub action: Option<ActionId>,
    pub matches_version: Option<i64>,
    pub signature: &'a str,
    pub at: Timestamp,
    pub by: Option<OperatorId>,
}

pub fn insert(tx: &WriteTx<'_>, s: &NewSignedProgramme<'_>) -> Result<i64, AppError> {
    tx.conn().prepare_cached("INSERT INTO signed_programme (voucher_id, document_id, policy_id, matches_version, signature, uploaded_at, uploaded_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)")?.execute(
        params![s.voucher.id(), s.document, s.action, s.matches_version, s.signature, s.at, s.by.map_or(0, OperatorId::get)],
    )?;
    Ok(tx.conn().last_insert_rowid())
}

/// A programme moves from "issued" to "signed" with its first signed upload.
pub fn mark_signed(tx: &WriteTx<'_>, voucher: &ScopedVoucher, now: Timestamp) -> Result<bool, AppError> {
    let n = tx.conn().prepare_cached("UPDATE voucher_all SET state = 'signed', updated_at = ?2, version = version + 1 WHERE id = ?1 AND state = 'issued'")?.execute(
        params![voucher.id(), now],
    )?;
    Ok(n == 1)
}

/// One upload as the screens list it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Upload {
    pub document_id: DocumentId,
    pub policy_id: Option<ActionId>,
    pub kind: String,
    pub size: i64,
    pub sha256: String,
    pub file_name: String,
    pub matches_version: Option<i64>,
    pub signature: serde_json::Value,
    pub uploaded_at: Timestamp,
    pub uploaded_by: String,
}

/// The uploads for a voucher already proven visible, newest first (the first is the one on file).
pub fn for_voucher(conn: &Connection, voucher: &ScopedVoucher) -> Result<Vec<Upload>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.id, sp.policy_id, d.kind, d.size, d.sha256, d.file_name, sp.matches_version, sp.signature,
                sp.uploaded_at, coalesce(o.surname || ' ' || o.name, '')
         FROM signed_programme sp JOIN document d ON d.id = sp.document_id LEFT JOIN operator o ON o.id = sp.uploaded_by
         WHERE sp.voucher_id = ?1 ORDER BY sp.id DESC",
    )?;
    let rows = stmt
        .query_map([voucher.id()], |r| {
            let signature: String = r.get(7)?;
            Ok(Upload {
                document_id: r.get(0)?,
                policy_id: r.get(1)?,
                kind: r.get(2)?,
                size: r.get(3)?,
                sha256: r.get(4)?,
                file_name: r.get(5)?,
                matches_version: r.get(6)?,
                signature: serde_json::from_str(&signature).unwrap_or_default(),
                uploaded_at: r.get(8)?,
                uploaded_by: r.get(9)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// A signed programme's file, if the scope may see it: (recipient, file name, kind, bytes, sha256).
pub struct Download {
    pub recipient: RecipientId,
    pub codice_fiscale: String,
    pub file_name: String,
    pub kind: DocumentKind,
    pub content: Vec<u8>,
    pub sha256: String,
}

pub fn download(
    conn: &Connection,
    scope: &RecipientScope,
    document_id: DocumentId,
) -> Result<Option<Download>, AppError> {
    let provider = scope.provider_filter().map(ProviderId::get);
    Ok(conn
        .prepare_cached(
            "SELECT v.recipient_id, r.codice_fiscale, d.file_name, d.kind, d.content, d.sha256
             FROM signed_programme sp JOIN document d ON d.id = sp.document_id
             JOIN voucher v ON v.id = sp.voucher_id JOIN recipient r ON r.id = v.recipient_id
             WHERE sp.document_id = ?1 AND (?2 IS NULL OR v.provider_id = ?2)",
        )?
        .query_row(params![document_id, provider], |r| {
            let kind: String = r.get(3)?;
            Ok(Download {
                recipient: r.get(0)?,
                codice_fiscale: r.get(1)?,
                file_name: r.get(2)?,
                kind: DocumentKind::from_code(&kind).unwrap_or(DocumentKind::Pdf),
                content: r.get(4)?,
                sha256: r.get(5)?,
            })
        })
        .optional()?)
}

/// Bytes of every signed programme stored for the provider's vouchers (they are never deleted).
pub fn provider_storage(conn: &Connection, provider: ProviderId) -> Result<u64, AppError> {
    let bytes: i64 = conn
        .prepare_cached(
            "SELECT coalesce(sum(d.size), 0) FROM voucher v
         JOIN signed_programme s ON s.voucher_id = v.id JOIN document d ON d.id = s.document_id
         WHERE v.provider_id = ?1",
        )?
        .query_row([provider], |r| r.get(0))?;
    Ok(u64::try_from(bytes).unwrap_or(0))
}

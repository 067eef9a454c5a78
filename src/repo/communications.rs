//! Written communications and the documents (uploaded files) they carry.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::WriteTx;
use crate::domain::communication::{Communication, CommunicationKind, ValidCommunication};
use crate::domain::document::DocumentKind;
use crate::domain::ids::{CommunicationId, DocumentId, OperatorId, ProviderId};
use crate::domain::timestamp::Timestamp;
use crate::error::AppError;

pub struct NewDocument<'a> {
    pub sha256: &'a str,
    pub kind: DocumentKind,
    pub file_name: &'a str,
    pub content: &'a [u8],
    pub uploaded_by: Option<OperatorId>,
}

pub fn insert_document(tx: &WriteTx<'_>, now: Timestamp, d: &NewDocument<'_>) -> Result<DocumentId, AppError> {
    tx.conn()
        .prepare_cached(
            "INSERT INTO document (sha256, size, kind, file_name, content, uploaded_by, uploaded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![
            d.sha256,
            d.content.len() as i64,
            d.kind.code(),
            d.file_name,
            d.content,
            d.uploaded_by,
            now
        ])?;
    Ok(DocumentId::from_db(tx.conn().last_insert_rowid()))
}

/// A stored file for download: (file name, kind, bytes, sha256).
pub struct StoredDocument {
    pub file_name: String,
    pub kind: DocumentKind,
    pub content: Vec<u8>,
    pub sha256: String,
}

pub fn document(conn: &Connection, id: DocumentId) -> Result<Option<StoredDocument>, AppError> {
    Ok(conn
        .prepare_cached("SELECT file_name, kind, content, sha256 FROM document WHERE id = ?1")?
        .query_row([id.get()], |r| {
            let kind: String = r.get(1)?;
            Ok(StoredDocument {
                file_name: r.get(0)?,
                kind: DocumentKind::from_code(&kind).unwrap_or(DocumentKind::Pdf),
                content: r.get(2)?,
                sha256: r.get(3)?,
            })
        })
        .optional()?)
}

pub fn insert(
    tx: &WriteTx<'_>,
    now: Timestamp,
    provider: Option<ProviderId>,
    c: &ValidCommunication,
    document: DocumentId,
    registered_by: i64,
) -> Result<CommunicationId, AppError> {
    tx.conn().prepare_cached("INSERT INTO communication (provider_id, received_on, protocol, kind, document_id, note, registered_by, registered_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")?.execute(
        params![provider.map(ProviderId::get), c.received_on, c.protocol, c.kind.code(), document.get(), c.note, registered_by, now],
    )?;
    Ok(CommunicationId::from_db(tx.conn().last_insert_rowid()))
}

const SELECT: &str =
    "SELECT id, provider_id, received_on, protocol, kind, document_id, note, registered_at FROM communication";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Communication> {
    let kind: String = r.get(4)?;
    // The schema's CHECK allows only the three kinds; anything else is a corrupt row and must
    // not pass for a kind that authorises something.
    let kind = CommunicationKind::from_code(&kind).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(4, rusqlite::types::Type::Text, "unknown communication kind".into())
    })?;
    Ok(Communication {
        id: CommunicationId::from_db(r.get(0)?),
        provider: r.get::<_, Option<i64>>(1)?.map(ProviderId::from_db),
        received_on: r.get(2)?,
        protocol: r.get(3)?,
        kind,
        document: DocumentId::from_db(r.get(5)?),
        note: r.get(6)?,
        registered_at: r.get(7)?,
    })
}

pub fn get(conn: &Connection, id: CommunicationId) -> Result<Option<Communication>, AppError> {
    Ok(conn.prepare_cached(&format!("{SELECT} WHERE id = ?1"))?.query_row([id.get()], from_row).optional()?)
}

/// Communications of a provider (or of the Region's own staff when `None`), newest first.
pub fn of_provider(conn: &Connection, provider: Option<ProviderId>) -> Result<Vec<Communication>, AppError> {
    let mut stmt =
        conn.prepare_cached(&format!("{SELECT} WHERE provider_id IS ?1 ORDER BY received_on DESC, id DESC"))?;
    let rows = stmt.query_map([provider.map(ProviderId::get)], from_row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

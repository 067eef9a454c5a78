//! Registering a written communication with its attached, content-checked file.

use sha2::{Digest, Sha256};

use crate::access::AdminAuthority;
use crate::domain::audit_changes::{AttachedFile, CommunicationRegistered};
use crate::domain::audit_event::AuditEvent;
use crate::domain::communication::ValidCommunication;
use crate::domain::document::{DocumentKind, safe_file_name};
use crate::domain::ids::OperatorId;
use crate::domain::ids::{CommunicationId, ProviderId};
use crate::domain::timestamp::Timestamp;
use crate::error::AppError;
use crate::repo::communications::{self, NewDocument};
use crate::repo::{WriteTx, audit, providers};

/// The attached file, already sniffed by the caller.
pub struct Attachment<'a> {
    pub kind: DocumentKind,
    pub bytes: &'a [u8],
}

pub fn register(
    tx: &WriteTx<'_>,
    now: Timestamp,
    who: &AdminAuthority,
    provider: Option<ProviderId>,
    c: &ValidCommunication,
    file: &Attachment<'_>,
) -> Result<CommunicationId, AppError> {
    if let Some(p) = provider
        && !providers::exists(tx.conn(), p)?
    {
        return Err(AppError::NotFound);
    }
    let sha256 = hex::encode(Sha256::digest(file.bytes));
    let name = safe_file_name(&format!("comunicazione_{}_{}", c.received_on, c.protocol), file.kind);
    let doc = communications::insert_document(
        tx,
        now,
        &NewDocument {
            sha256: &sha256,
            kind: file.kind,
            file_name: &name,
            content: file.bytes,
            uploaded_by: who.operator_id(),
        },
    )?;
    let id = communications::insert(tx, now, provider, c, doc, who.operator_id().map_or(0, OperatorId::get))?;
    let registered = CommunicationRegistered {
        communication: id,
        provider_id: provider,
        received_on: &c.received_on,
        protocol: &c.protocol,
        kind: c.kind.code(),
        document: AttachedFile { id: doc, sha256: &sha256, size: file.bytes.len(), kind: file.kind.code() },
    };
    audit::append(tx, now, who.actor(), &AuditEvent::of_change(&registered).map_err(AppError::internal)?)?;
    Ok(id)
}

//! Written communications as files, for the administration's screens and the API alike: the
//! multipart upload, checked field by field (the file by its content) before anything is
//! stored, and the audited download of a stored file.

use rocket::form::FromForm;
use rocket::fs::TempFile;
use rocket::http::ContentType;

use crate::domain::audit_views::DocumentDownloaded;
use crate::domain::communication::CommunicationDraft;
use crate::domain::document::MAX_UPLOAD;
use crate::domain::ids::{CommunicationId, ProviderId};
use crate::error::{AppError, FieldError};
use crate::infra::clock::datetime;
use crate::repo::communications;
use crate::service::{self, communications::Attachment};
use crate::web::ctx::Ctx;
use crate::web::guards::{AdminReader, Regione};
use crate::web::views::download::Download;

#[derive(FromForm)]
pub struct Upload<'r> {
    pub received_on: String,
    pub protocol: String,
    pub kind: String,
    #[field(default = String::new())]
    pub note: String,
    pub file: Option<TempFile<'r>>,
}

/// Registers a communication from the screen's or the API's upload: every field checked
/// (the file by its content), nothing stored on any error.
pub async fn register(
    who: &Regione,
    ctx: &Ctx<'_>,
    provider: Option<ProviderId>,
    upload: &Upload<'_>,
) -> Result<Result<CommunicationId, Vec<FieldError>>, AppError> {
    let draft = CommunicationDraft {
        received_on: upload.received_on.clone(),
        protocol: upload.protocol.clone(),
        kind: upload.kind.clone(),
        note: upload.note.clone(),
    };
    let now = ctx.now;
    let mut errors = Vec::new();
    let valid = draft.validate(datetime(now).date()).map_err(|e| errors.extend(e)).ok();
    let bytes = match &upload.file {
        Some(f) if f.len() > 0 => crate::web::forms::read_upload(f).await?,
        _ => Vec::new(),
    };
    let kind = match service::uploads::check(&bytes, MAX_UPLOAD) {
        Ok(k) => Some(k),
        Err(message) => {
            errors.push(crate::domain::field_error::Reason::new(message).on("file"));
            None
        }
    };
    let (Some(valid), Some(kind)) = (valid, kind) else { return Ok(Err(errors)) };
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let authority = who.scope.authority();
    let id = ctx
        .write(move |tx| {
            service::communications::register(
                tx,
                now,
                &authority,
                provider,
                &valid,
                &Attachment { kind, bytes: &bytes },
            )
        })
        .await?;
    Ok(Ok(id))
}

/// The file of a communication, audited as a document download (screen and API).
pub async fn download_document(who: &AdminReader, ctx: &Ctx<'_>, id: CommunicationId) -> Result<Download, AppError> {
    let doc = ctx
        .read(move |c| {
            let comm = communications::get(c, id)?.ok_or(AppError::NotFound)?;
            communications::document(c, comm.document)?.ok_or(AppError::NotFound)
        })
        .await?;
    ctx.audit_view(who.scope.actor(), &DocumentDownloaded::Communication { communication_id: id, sha256: &doc.sha256 })
        .await?;
    let content_type = ContentType::parse_flexible(doc.kind.mime()).unwrap_or(ContentType::Binary);
    Ok(Download::attachment(doc.content, content_type, &doc.file_name))
}

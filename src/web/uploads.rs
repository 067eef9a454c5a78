//! Uploaded and stored signed programmes, for the screens and the API alike: the upload's
//! inspection off the async threads, and the audited download of a stored file.

use std::sync::Arc;

use rocket::form::FromForm;
use rocket::fs::TempFile;
use rocket::http::ContentType;
use serde_json::json;

use crate::access::{AccessControl, RecipientScope};
use crate::domain::audit_event::{AuditEvent, View};
use crate::domain::ids::DocumentId;
use crate::error::AppError;
use crate::repo::pool::ReadPool;
use crate::repo::signed_programmes;
use crate::service::signed_programmes::{Inspected, inspect};
use crate::web::context::not_found;
use crate::web::forms::read_upload;
use crate::web::guards::RecipientReader;
use crate::web::views::download::Download;

/// Reads and inspects an uploaded file off the async threads; `None` when no file was chosen.
pub async fn inspect_upload(file: Option<&TempFile<'_>>, max: usize) -> Result<Option<Inspected>, AppError> {
    let Some(file) = file.filter(|f| f.len() > 0) else { return Ok(None) };
    let bytes = read_upload(file).await?;
    rocket::tokio::task::spawn_blocking(move || inspect(bytes, max)).await.map_err(AppError::internal)?.map(Some)
}

#[derive(FromForm)]
pub struct SignedUpload<'r> {
    pub file: Option<TempFile<'r>>,
}

/// One stored signed programme, for whoever may see the recipient; audited.
pub async fn download_document(
    who: &RecipientReader,
    document: DocumentId,
    path: &str,
    pool: &Arc<ReadPool>,
    access: &Arc<AccessControl>,
) -> Result<Download, AppError> {
    let scope: RecipientScope = who.scope();
    let Some(d) = pool.read(move |c| signed_programmes::download(c, &scope, document)).await? else {
        return Err(not_found(access, &who.principal, "GET", path).await);
    };
    let detail = json!({ "document": document, "sha256": d.sha256, "cf": d.codice_fiscale });
    let event =
        AuditEvent::View { view: View::DocumentDownload, object: Some(format!("recipient:{}", d.recipient)), detail };
    access.audit(who.scope().actor().clone(), event).await?;
    let content_type = ContentType::parse_flexible(d.kind.mime()).unwrap_or(ContentType::Binary);
    Ok(Download::attachment(d.content, content_type, &d.file_name))
}

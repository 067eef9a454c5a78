//! Uploaded and stored signed programmes, for the screens and the API alike: the upload's
//! inspection off the async threads, and the audited download of a stored file.

use rocket::form::FromForm;
use rocket::fs::TempFile;
use rocket::http::ContentType;

use crate::domain::audit_views::DocumentDownloaded;
use crate::domain::ids::DocumentId;
use crate::error::AppError;
use crate::repo::signed_programmes;
use crate::service::signed_programmes::{Inspected, inspect};
use crate::web::ctx::Ctx;
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
    ctx: &Ctx<'_>,
    document: DocumentId,
) -> Result<Download, AppError> {
    let d = ctx.read_or_404(who.scope(), move |c, scope| signed_programmes::download(c, scope, document)).await?;
    let event =
        DocumentDownloaded::Signed { recipient: d.recipient, document, sha256: &d.sha256, cf: &d.codice_fiscale };
    ctx.audit_view(who.scope().actor(), &event).await?;
    let content_type = ContentType::parse_flexible(d.kind.mime()).unwrap_or(ContentType::Binary);
    Ok(Download::attachment(d.content, content_type, &d.file_name))
}

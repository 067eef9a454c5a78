//! The signed programme on screen: the upload form, the list of uploads with what their
//! signatures say, and the audited download of each file.

use std::sync::Arc;

use maud::{Markup, html};
use rocket::form::FromForm;
use rocket::fs::TempFile;
use rocket::http::{ContentType, Header, Status};
use rocket::response::Redirect;
use rocket::{Responder, Route, State, get, post, routes};
use serde_json::{Value, json};

use crate::access::{AccessControl, RecipientScope};
use crate::domain::audit_event::{AuditEvent, View};
use crate::domain::ids::RecipientId;
use crate::error::{AppError, FieldError};
use crate::infra::clock::{SharedClock, format_it};
use crate::repo::pool::ReadPool;
use crate::repo::signed_programmes::{self, Upload};
use crate::repo::writer::Writer;
use crate::service::signed_programmes::{Inspected, Stored, inspect, store};
use crate::web::Site;
use crate::web::forms::{FormToken, error_summary, field_errors, read_upload, token_field};
use crate::web::guards::{Operatore, RecipientReader};
use crate::web::recipients::{RequestPath, not_found};
use crate::web::views::layout::page;

/// Reads and inspects an uploaded file off the async threads; `None` when no file was chosen.
pub async fn inspect_upload(file: Option<&TempFile<'_>>, max: usize) -> Result<Option<Inspected>, AppError> {
    let Some(file) = file.filter(|f| f.len() > 0) else { return Ok(None) };
    let bytes = read_upload(file).await?;
    rocket::tokio::task::spawn_blocking(move || inspect(bytes, max)).await.map_err(AppError::internal)?.map(Some)
}

/// The file input every form that takes the signed programme shows.
pub fn file_field(errors: &[FieldError], max: usize, required: bool) -> Markup {
    let error = errors.iter().find(|e| e.field == "file").map(|e| e.message.as_str());
    html! {
        div.field.has-error[error.is_some()] {
            label for="f-file" { "Programma firmato (PDF, PDF firmato PAdES o .p7m CAdES)" @if required { " " abbr title="obbligatorio" { "*" } } }
            input #f-file type="file" name="file" accept=".pdf,.p7m,application/pdf,application/pkcs7-mime"
                aria-describedby="f-file-aiuto" aria-invalid=[error.map(|_| "true")];
            p.hint id="f-file-aiuto" { "Al massimo " (max / (1024 * 1024)) " MB. Il tipo si riconosce dal contenuto, non dal nome. Dopo un errore il file va scelto di nuovo." }
            @if let Some(msg) = error { p.field-error id="f-file-errore" { (msg) } }
        }
    }
}

fn field<'a>(v: &'a Value, key: &str) -> &'a Value {
    v.get(key).unwrap_or(&Value::Null)
}

/// What the signatures of one upload say, in words.
pub fn signature_report(r: &Value) -> Markup {
    html! {
        @if let Some(text) = r.pointer("/conformity/text").unwrap_or(&Value::Null).as_str() { p.ok { "✓ " (text) } }
        @if let Some(signers) = field(r, "signers").as_array() {
            @if !signers.is_empty() {
                ul {
                    @for s in signers {
                        li {
                            "Firmato da " strong { (field(s, "name").as_str().unwrap_or("—")) }
                            @if let Some(cf) = field(s, "codice_fiscale").as_str() { " (" code { (cf) } ")" }
                            @if let Some(t) = field(s, "signing_time").as_i64() { " il " (format_it(t)) }
                            ": firma " (field(s, "verification").as_str().unwrap_or("")) "; " (field(s, "role").as_str().unwrap_or(""))
                        }
                    }
                }
                p.hint { (field(r, "chain_note").as_str().unwrap_or("")) }
            }
        }
        @if let Some(flags) = field(r, "flags").as_array() {
            @if !flags.is_empty() {
                ul.flags aria-label="Segnalazioni" { @for f in flags { li { "⚠ " (f.as_str().unwrap_or("")) } } }
            }
        }
    }
}

/// The uploads of a voucher: the newest is the one on file; older ones stay listed.
pub fn uploads_table(uploads: &[Upload]) -> Markup {
    html! {
        @if uploads.is_empty() { p { "Nessun programma firmato caricato." } } @else {
            table.data {
                caption { "Programmi firmati caricati (il primo è quello in vigore)" }
                thead { tr { th scope="col" { "Caricato il" } th scope="col" { "Da" } th scope="col" { "Tipo" } th scope="col" { "Verifica" } th scope="col" { "File" } } }
                tbody {
                    @for (i, u) in uploads.iter().enumerate() {
                        tr {
                            td { (format_it(u.uploaded_at)) @if i == 0 { br; strong { "in vigore" } } @else { br; "sostituito" } }
                            td { (u.uploaded_by) }
                            td { (u.kind.to_uppercase()) " · " (u.size / 1024) " KB" br; code.hash { (u.sha256) } }
                            td { (signature_report(&u.signature)) }
                            td { a href={ "/documenti/" (u.document_id) } { "scarica" } }
                        }
                    }
                }
            }
        }
    }
}

/// The upload form of the programme screen.
pub fn upload_form(id: RecipientId, errors: &[FieldError], token: &FormToken, max: usize) -> Markup {
    html! {
        h2 #firmato { "Carica il programma firmato" }
        (error_summary(errors))
        form.stack method="post" action={ "/destinatari/" (id) "/programma/firmato" } enctype="multipart/form-data" novalidate {
            (token_field(token))
            (file_field(errors, max, true))
            button.button type="submit" { "Carica" }
        }
    }
}

#[derive(FromForm)]
pub struct SignedUpload<'r> {
    pub file: Option<TempFile<'r>>,
}

#[allow(clippy::too_many_arguments)]
#[post("/destinatari/<id>/programma/firmato", data = "<form>")]
async fn upload(
    who: Operatore,
    id: RecipientId,
    path: RequestPath,
    form: crate::web::forms::Checked<SignedUpload<'_>>,
    token: FormToken,
    writer: &State<Writer>,
    clock: &State<SharedClock>,
    access: &State<Arc<AccessControl>>,
    site: &State<Site>,
) -> Result<Result<Redirect, (Status, Markup)>, AppError> {
    let again = |errors: Vec<FieldError>| {
        let body = html! { h1 { "Programma firmato" } p { a href={ "/destinatari/" (id) "/programma" } { "Torna al programma" } } (upload_form(id, &errors, &token, site.upload_max)) };
        (Status::UnprocessableEntity, page(Some(site), "Programma firmato", Some(&who.principal), body))
    };
    let inspected = match inspect_upload(form.file.as_ref(), site.upload_max).await {
        Ok(Some(up)) => up,
        Ok(None) => {
            return Ok(Err(again(vec![FieldError {
                field: "file".into(),
                message: "scegliere il file da caricare".into(),
            }])));
        }
        Err(e) => return Ok(Err(again(field_errors(e)?))),
    };
    let (now, scope, quota) = (clock.now_ms(), who.scope.clone(), site.upload_quota);
    match writer.write(move |tx| store(tx, now, &scope, id, None, &inspected, quota)).await {
        Ok(Stored { .. }) => Ok(Ok(Redirect::to(format!("/destinatari/{id}/programma#firmato")))),
        Err(AppError::NotFound) => Err(access.refuse_as_not_found(&who.principal, "POST", &path.0).await),
        Err(e) => Ok(Err(again(field_errors(e)?))),
    }
}

#[derive(Responder)]
pub struct FileDownload {
    body: Vec<u8>,
    content_type: ContentType,
    disposition: Header<'static>,
}

/// One stored signed programme, for whoever may see the recipient; audited.
pub async fn download_document(
    who: &RecipientReader,
    document: i64,
    path: &str,
    pool: &Arc<ReadPool>,
    access: &Arc<AccessControl>,
) -> Result<FileDownload, AppError> {
    let scope: RecipientScope = who.scope();
    let Some(d) = pool.read(move |c| signed_programmes::download(c, &scope, document)).await? else {
        return Err(not_found(access, who, path).await);
    };
    let detail = json!({ "document": document, "sha256": d.sha256, "cf": d.codice_fiscale });
    let event =
        AuditEvent::View { view: View::DocumentDownload, object: Some(format!("recipient:{}", d.recipient)), detail };
    access.audit(who.scope().actor().clone(), event).await?;
    let content_type = ContentType::parse_flexible(d.kind.mime()).unwrap_or(ContentType::Binary);
    Ok(FileDownload {
        body: d.content,
        content_type,
        disposition: Header::new("Content-Disposition", format!("attachment; filename=\"{}\"", d.file_name)),
    })
}

#[get("/documenti/<document>")]
async fn download(
    who: RecipientReader,
    document: i64,
    path: RequestPath,
    pool: &State<Arc<ReadPool>>,
    access: &State<Arc<AccessControl>>,
) -> Result<FileDownload, AppError> {
    download_document(&who, document, &path.0, pool, access).await
}

pub fn routes() -> Vec<Route> {
    routes![upload, download]
}

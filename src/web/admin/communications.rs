//! Registering a provider's written communication (with its signed or scanned file) and
//! downloading the file.

use std::sync::Arc;

use maud::{Markup, html};
use rocket::form::FromForm;
use rocket::fs::TempFile;
use rocket::http::{ContentType, Header, Status};
use rocket::response::Redirect;
use rocket::{Responder, Route, State, get, post, routes};
use serde_json::json;

use super::audit_view;
use crate::access::AccessControl;
use crate::domain::audit_event::View;
use crate::domain::communication::{CommunicationDraft, CommunicationKind};
use crate::domain::document::MAX_UPLOAD;
use crate::domain::ids::{CommunicationId, ProviderId};
use crate::error::{AppError, FieldError};
use crate::infra::clock::{SharedClock, datetime};
use crate::repo::communications;
use crate::repo::pool::ReadPool;
use crate::repo::writer::Writer;
use crate::service::{self, communications::Attachment};
use crate::web::Site;
use crate::web::forms::{FormToken, error_summary, select, text_field, textarea, token_field};
use crate::web::guards::{AdminReader, Regione};
use crate::web::views::layout::page;

#[derive(Debug, Clone, Default)]
pub struct Values {
    pub received_on: String,
    pub protocol: String,
    pub kind: String,
    pub note: String,
}

pub fn form(provider: Option<ProviderId>, v: &Values, errors: &[FieldError], token: &FormToken) -> Markup {
    let action = match provider {
        Some(p) => format!("/regione/soggetti/{p}/comunicazioni"),
        None => "/regione/comunicazioni".into(),
    };
    let kinds: Vec<(String, String)> =
        CommunicationKind::ALL.iter().map(|k| (k.code().to_owned(), k.label().to_owned())).collect();
    html! {
        details.add-form open[!errors.is_empty()] {
            summary { "Registra una comunicazione scritta" }
            (error_summary(errors))
            form.stack method="post" action=(action) enctype="multipart/form-data" novalidate {
                (token_field(token))
                (text_field("received_on", "Data della comunicazione (gg/mm/aaaa)", &v.received_on, errors, "text", true))
                (text_field("protocol", "Numero di protocollo", &v.protocol, errors, "text", true))
                (select("kind", "Tipo", &v.kind, &kinds, errors))
                (textarea("note", "Note", &v.note, errors, false))
                div.field.has-error[errors.iter().any(|e| e.field == "file")] {
                    label for="f-file" { "File (PDF o .p7m firmato, al massimo 20 MB) " abbr title="obbligatorio" { "*" } }
                    input #f-file type="file" name="file" accept=".pdf,.p7m,application/pdf,application/pkcs7-mime" required;
                    @for e in errors.iter().filter(|e| e.field == "file") { p.field-error { (e.message) } }
                }
                button.button type="submit" { "Registra" }
            }
        }
    }
}

#[derive(FromForm)]
pub(crate) struct Upload<'r> {
    pub received_on: String,
    pub protocol: String,
    pub kind: String,
    #[field(default = String::new())]
    pub note: String,
    pub file: Option<TempFile<'r>>,
}

/// Registers a communication from the screen's or the API's upload: every field checked
/// (the file by its content), nothing stored on any error.
pub(crate) async fn register(
    who: &Regione,
    provider: Option<ProviderId>,
    upload: &Upload<'_>,
    writer: &Writer,
    clock: &SharedClock,
) -> Result<Result<CommunicationId, Vec<FieldError>>, AppError> {
    let now = clock.now_ms();
    let draft = CommunicationDraft {
        received_on: upload.received_on.clone(),
        protocol: upload.protocol.clone(),
        kind: upload.kind.clone(),
        note: upload.note.clone(),
    };
    let mut errors = Vec::new();
    let valid = draft.validate(datetime(now).date()).map_err(|e| errors.extend(e)).ok();
    let bytes = match &upload.file {
        Some(f) if f.len() > 0 => crate::web::forms::read_upload(f).await?,
        _ => Vec::new(),
    };
    let kind = match service::uploads::check(&bytes, MAX_UPLOAD) {
        Ok(k) => Some(k),
        Err(message) => {
            errors.push(FieldError { field: "file".into(), message });
            None
        }
    };
    let (Some(valid), Some(kind)) = (valid, kind) else { return Ok(Err(errors)) };
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let authority = who.scope.authority();
    let id = writer
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

#[post("/regione/soggetti/<id>/comunicazioni", data = "<upload>")]
async fn create_for_provider(
    who: Regione,
    id: ProviderId,
    upload: crate::web::forms::Checked<Upload<'_>>,
    token: FormToken,
    writer: &State<Writer>,
    clock: &State<SharedClock>,
    site: &State<Site>,
) -> Result<Result<Redirect, (Status, Markup)>, AppError> {
    match register(&who, Some(id), &upload, writer, clock).await? {
        Ok(_) => Ok(Ok(Redirect::to(format!("/regione/soggetti/{id}?esito=registrata")))),
        Err(errors) => {
            let values = Values {
                received_on: upload.received_on.clone(),
                protocol: upload.protocol.clone(),
                kind: upload.kind.clone(),
                note: upload.note.clone(),
            };
            Ok(Err((
                Status::UnprocessableEntity,
                page(
                    Some(site),
                    "Comunicazione scritta",
                    Some(&who.principal),
                    html! {
                        h1 { "Registra una comunicazione scritta" }
                        p { a href={ "/regione/soggetti/" (id) } { "Torna al soggetto" } }
                        (form(Some(id), &values, &errors, &token))
                    },
                ),
            )))
        }
    }
}

/// Internal acts for the Region's own staff (no provider).
#[post("/regione/comunicazioni", data = "<upload>")]
async fn create_internal(
    who: Regione,
    upload: crate::web::forms::Checked<Upload<'_>>,
    token: FormToken,
    writer: &State<Writer>,
    clock: &State<SharedClock>,
    site: &State<Site>,
) -> Result<Result<Redirect, (Status, Markup)>, AppError> {
    match register(&who, None, &upload, writer, clock).await? {
        Ok(_) => Ok(Ok(Redirect::to("/regione/operatori?esito=registrata"))),
        Err(errors) => {
            let values = Values {
                received_on: upload.received_on.clone(),
                protocol: upload.protocol.clone(),
                kind: upload.kind.clone(),
                note: upload.note.clone(),
            };
            Ok(Err((
                Status::UnprocessableEntity,
                page(
                    Some(site),
                    "Atto interno",
                    Some(&who.principal),
                    html! {
                        h1 { "Registra un atto interno" }
                        (form(None, &values, &errors, &token))
                    },
                ),
            )))
        }
    }
}

#[derive(Responder)]
#[response(status = 200)]
pub struct Download {
    body: Vec<u8>,
    content_type: ContentType,
    disposition: Header<'static>,
}

#[get("/regione/comunicazioni/<id>/documento")]
async fn download(
    who: AdminReader,
    id: CommunicationId,
    pool: &State<Arc<ReadPool>>,
    access: &State<Arc<AccessControl>>,
) -> Result<Download, AppError> {
    download_document(&who, id, pool, access).await
}

/// The file of a communication, audited as a document download (screen and API).
pub(crate) async fn download_document(
    who: &AdminReader,
    id: CommunicationId,
    pool: &Arc<ReadPool>,
    access: &AccessControl,
) -> Result<Download, AppError> {
    let doc = pool
        .read(move |c| {
            let comm = communications::get(c, id)?.ok_or(AppError::NotFound)?;
            communications::document(c, comm.document)?.ok_or(AppError::NotFound)
        })
        .await?;
    let detail = json!({ "communication_id": id, "sha256": doc.sha256 });
    audit_view(access, who, View::DocumentDownload, Some(format!("communication:{id}")), detail).await?;
    let content_type = ContentType::parse_flexible(doc.kind.mime()).unwrap_or(ContentType::Binary);
    Ok(Download {
        body: doc.content,
        content_type,
        disposition: Header::new("Content-Disposition", format!("attachment; filename=\"{}\"", doc.file_name)),
    })
}

pub fn routes() -> Vec<Route> {
    routes![create_for_provider, create_internal, download]
}

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

use crate::access::AccessControl;
use crate::domain::audit_event::View;
use crate::domain::communication::CommunicationDraft;
use crate::domain::document::MAX_UPLOAD;
use crate::domain::ids::{CommunicationId, ProviderId};
use crate::error::{AppError, FieldError};
use crate::infra::clock::Timestamp;
use crate::infra::clock::datetime;
use crate::repo::communications;
use crate::repo::pool::ReadPool;
use crate::repo::writer::Writer;
use crate::service::{self, communications::Attachment};
use crate::web::Site;
use crate::web::context::RequestTime;
use crate::web::context::audit_view;
use crate::web::forms::FormToken;
use crate::web::guards::{AdminReader, Regione};
use crate::web::views::admin::{Values, communication_form};
use crate::web::views::layout::page;

#[derive(FromForm)]
struct Upload<'r> {
    received_on: String,
    protocol: String,
    kind: String,
    #[field(default = String::new())]
    note: String,
    file: Option<TempFile<'r>>,
}

async fn register(
    who: &Regione,
    provider: Option<ProviderId>,
    upload: &Upload<'_>,
    writer: &Writer,
    now: Timestamp,
) -> Result<Result<CommunicationId, Vec<FieldError>>, AppError> {
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
            errors.push(crate::domain::field_error::Reason::new(message).on("file"));
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
    now: RequestTime,
    site: &State<Site>,
) -> Result<Result<Redirect, (Status, Markup)>, AppError> {
    match register(&who, Some(id), &upload, writer, now.get()).await? {
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
                        (communication_form(Some(id), &values, &errors, &token))
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
    now: RequestTime,
    site: &State<Site>,
) -> Result<Result<Redirect, (Status, Markup)>, AppError> {
    match register(&who, None, &upload, writer, now.get()).await? {
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
                        (communication_form(None, &values, &errors, &token))
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
    let doc = pool
        .read(move |c| {
            let comm = communications::get(c, id)?.ok_or(AppError::NotFound)?;
            communications::document(c, comm.document)?.ok_or(AppError::NotFound)
        })
        .await?;
    let detail = json!({ "communication_id": id, "sha256": doc.sha256 });
    audit_view(access, who.scope.actor(), View::DocumentDownload, Some(format!("communication:{id}")), detail).await?;
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

//! Written communications over the API: a provider's (or the Region's own internal acts),
//! registered as multipart uploads like the screen (`X-Ricolloca-Client` header required),
//! listed, read and downloaded with the same guards and audit.

use std::sync::Arc;

use rocket::http::Status;
use rocket::serde::json::{Json, Value, json};
use rocket::{Route, State, get, post, routes};

use super::paging::{Page, Paging};
use crate::access::AccessControl;
use crate::domain::audit_event::{AuditEvent, View};
use crate::domain::communication::Communication;
use crate::domain::ids::{CommunicationId, ProviderId};
use crate::error::AppError;
use crate::infra::clock::Timestamp;
use crate::repo::pool::ReadPool;
use crate::repo::writer::Writer;
use crate::repo::{communications, providers};
use crate::web::communication_files::{Upload, download_document, register};
use crate::web::context::RequestTime;
use crate::web::forms::Checked;
use crate::web::guards::{AdminReader, Regione};
use crate::web::views::download::Download;

async fn registered(
    who: Regione,
    provider: Option<ProviderId>,
    upload: &Upload<'_>,
    writer: &Writer,
    now: Timestamp,
    pool: &Arc<ReadPool>,
) -> Result<(Status, Json<Value>), AppError> {
    if let Some(p) = provider
        && !pool.read(move |c| providers::exists(c, p)).await?
    {
        return Err(AppError::NotFound);
    }
    let id = register(&who, provider, upload, writer, now).await?.map_err(AppError::Invalid)?;
    let c = pool.read(move |c| communications::get(c, id)?.ok_or(AppError::NotFound)).await?;
    Ok((Status::Created, Json(json!(c))))
}

/// A provider's written communication: fields `received_on` (dd/mm/yyyy or yyyy-mm-dd),
/// `protocol`, `kind` (abilitazione | variazione | revoca), `note`, `file` (PDF or .p7m).
#[utoipa::path(
    post, path = "/providers/{id}/communications", tag = "amministrazione",
    description = "Registra una comunicazione scritta del soggetto: abilitazione, variazione, revoca (Regione).",
    params(("id" = i64, Path, description = "Identificativo del soggetto accreditato"), ("X-Ricolloca-Client" = String, Header, description = "Obbligatoria per i caricamenti `multipart/form-data` (qualsiasi valore): un browser non può aggiungerla da un altro sito")),
    request_body(content = super::openapi::admin::CommunicationUpload, content_type = "multipart/form-data"),
    responses((status = 201, description = "Registrata", body = super::openapi::admin::Communication), (status = 404, description = "Soggetto inesistente", body = super::openapi::common::Errore), (status = 422, description = "Dati non validi: un elemento per campo", body = super::openapi::common::Errore)),
)]
#[post("/providers/<id>/communications", format = "multipart/form-data", data = "<upload>")]
async fn create_for_provider(
    who: Regione,
    id: ProviderId,
    upload: Checked<Upload<'_>>,
    writer: &State<Writer>,
    now: RequestTime,
    pool: &State<Arc<ReadPool>>,
) -> Result<(Status, Json<Value>), AppError> {
    registered(who, Some(id), &upload, writer, now.get(), pool).await
}

/// An internal act for the Region's own staff (no provider).
#[utoipa::path(
    post, path = "/communications", tag = "amministrazione",
    description = "Registra un atto interno della Regione, senza soggetto (Regione).",
    params(("X-Ricolloca-Client" = String, Header, description = "Obbligatoria per i caricamenti `multipart/form-data` (qualsiasi valore): un browser non può aggiungerla da un altro sito")),
    request_body(content = super::openapi::admin::CommunicationUpload, content_type = "multipart/form-data"),
    responses((status = 201, description = "Registrata", body = super::openapi::admin::Communication), (status = 404, description = "Soggetto inesistente", body = super::openapi::common::Errore), (status = 422, description = "Dati non validi: un elemento per campo", body = super::openapi::common::Errore)),
)]
#[post("/communications", format = "multipart/form-data", data = "<upload>")]
async fn create_internal(
    who: Regione,
    upload: Checked<Upload<'_>>,
    writer: &State<Writer>,
    now: RequestTime,
    pool: &State<Arc<ReadPool>>,
) -> Result<(Status, Json<Value>), AppError> {
    registered(who, None, &upload, writer, now.get(), pool).await
}

async fn list(
    who: &AdminReader,
    provider: Option<ProviderId>,
    paging: Paging,
    pool: &Arc<ReadPool>,
    access: &AccessControl,
) -> Result<Json<Page<Communication>>, AppError> {
    let all = pool
        .read(move |c| {
            if let Some(p) = provider
                && !providers::exists(c, p)?
            {
                return Err(AppError::NotFound);
            }
            communications::of_provider(c, provider)
        })
        .await?;
    let object = provider.map(|p| format!("provider:{p}"));
    let detail = json!({ "via": "api", "page": paging.page });
    access.audit(who.scope.actor().clone(), AuditEvent::View { view: View::CommunicationList, object, detail }).await?;
    Ok(Json(paging.of(all)))
}

#[utoipa::path(
    get, path = "/providers/{id}/communications", tag = "amministrazione",
    description = "Le comunicazioni scritte del soggetto (Regione, revisore; registrato).",
    params(("id" = i64, Path, description = "Identificativo del soggetto accreditato"), super::paging::PagingParams),
    responses((status = 200, description = "Una pagina di comunicazioni", body = super::paging::Page<super::openapi::admin::Communication>), (status = 404, description = "Soggetto inesistente", body = super::openapi::common::Errore), (status = 422, description = "Dati non validi: un elemento per campo", body = super::openapi::common::Errore)),
)]
#[get("/providers/<id>/communications?<page>&<per_page>")]
async fn list_of_provider(
    who: AdminReader,
    id: ProviderId,
    page: Option<i64>,
    per_page: Option<i64>,
    pool: &State<Arc<ReadPool>>,
    access: &State<Arc<AccessControl>>,
) -> Result<Json<Page<Communication>>, AppError> {
    list(&who, Some(id), Paging::new(page, per_page)?, pool, access).await
}

#[utoipa::path(
    get, path = "/communications", tag = "amministrazione",
    description = "Gli atti interni della Regione (Regione, revisore; registrato).",
    params(super::paging::PagingParams),
    responses((status = 200, description = "Una pagina di comunicazioni", body = super::paging::Page<super::openapi::admin::Communication>), (status = 422, description = "Dati non validi: un elemento per campo", body = super::openapi::common::Errore)),
)]
#[get("/communications?<page>&<per_page>")]
async fn list_internal(
    who: AdminReader,
    page: Option<i64>,
    per_page: Option<i64>,
    pool: &State<Arc<ReadPool>>,
    access: &State<Arc<AccessControl>>,
) -> Result<Json<Page<Communication>>, AppError> {
    list(&who, None, Paging::new(page, per_page)?, pool, access).await
}

#[utoipa::path(
    get, path = "/communications/{id}", tag = "amministrazione",
    description = "Una comunicazione scritta (registrato).",
    params(("id" = i64, Path, description = "Identificativo della comunicazione")),
    responses((status = 200, description = "La comunicazione", body = super::openapi::admin::Communication), (status = 404, description = "Comunicazione inesistente", body = super::openapi::common::Errore)),
)]
#[get("/communications/<id>")]
async fn get_one(
    who: AdminReader,
    id: CommunicationId,
    pool: &State<Arc<ReadPool>>,
    access: &State<Arc<AccessControl>>,
) -> Result<Json<Communication>, AppError> {
    let c = pool.read(move |c| communications::get(c, id)?.ok_or(AppError::NotFound)).await?;
    let object = Some(format!("communication:{id}"));
    let detail = json!({ "via": "api" });
    access.audit(who.scope.actor().clone(), AuditEvent::View { view: View::CommunicationList, object, detail }).await?;
    Ok(Json(c))
}

#[utoipa::path(
    get, path = "/communications/{id}/document", tag = "amministrazione",
    description = "Il documento della comunicazione, come allegato (scaricamento registrato).",
    params(("id" = i64, Path, description = "Identificativo della comunicazione")),
    responses(
        (status = 200, description = "Il file", content(
            (super::openapi::common::File = "application/pdf"),
            (super::openapi::common::File = "application/pkcs7-mime"),
        )),
        (status = 404, description = "Comunicazione inesistente", body = super::openapi::common::Errore),
    ),
)]
#[get("/communications/<id>/document")]
async fn document(
    who: AdminReader,
    id: CommunicationId,
    pool: &State<Arc<ReadPool>>,
    access: &State<Arc<AccessControl>>,
) -> Result<Download, AppError> {
    download_document(&who, id, pool, access).await
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(create_for_provider, create_internal, list_of_provider, list_internal, get_one, document))]
pub(super) struct Doc;

pub fn routes() -> Vec<Route> {
    routes![create_for_provider, create_internal, list_of_provider, list_internal, get_one, document]
}

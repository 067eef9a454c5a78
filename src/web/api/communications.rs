//! Written communications over the API: a provider's (or the Region's own internal acts),
//! registered as multipart uploads like the screen (`X-Ricolloca-Client` header required),
//! listed, read and downloaded with the same guards and audit.

use rocket::http::Status;
use rocket::serde::json::{Json, Value, json};
use rocket::{Route, get, post, routes};

use super::paging::{Page, Paging};
use super::responses::{CommunicationNotFound, Invalid, ProviderNotFound};
use crate::domain::audit_views::{CommunicationsViewed, Via};
use crate::domain::communication::Communication;
use crate::domain::ids::{CommunicationId, ProviderId};
use crate::error::AppError;
use crate::repo::{communications, providers};
use crate::web::communication_files::{Upload, download_document, register};
use crate::web::ctx::Ctx;
use crate::web::forms::Checked;
use crate::web::guards::{AdminReader, Regione};
use crate::web::views::download::Download;

async fn registered(
    who: Regione,
    ctx: &Ctx<'_>,
    provider: Option<ProviderId>,
    upload: &Upload<'_>,
) -> Result<(Status, Json<Value>), AppError> {
    if let Some(p) = provider
        && !ctx.read(move |c| providers::exists(c, p)).await?
    {
        return Err(AppError::NotFound);
    }
    let id = register(&who, ctx, provider, upload).await?.map_err(AppError::Invalid)?;
    let c = ctx.read(move |c| communications::get(c, id)?.ok_or(AppError::NotFound)).await?;
    Ok((Status::Created, Json(json!(c))))
}

/// A provider's written communication: fields `received_on` (dd/mm/yyyy or yyyy-mm-dd),
/// `protocol`, `kind` (abilitazione | variazione | revoca), `note`, `file` (PDF or .p7m).
#[utoipa::path(
    post, path = "/providers/{id}/communications", tag = "amministrazione",
    description = "Registra una comunicazione scritta del soggetto: abilitazione, variazione, revoca (Regione).",
    params(("id" = i64, Path, description = "Identificativo del soggetto accreditato"), ("X-Ricolloca-Client" = String, Header, description = "Obbligatoria per i caricamenti `multipart/form-data` (qualsiasi valore): un browser non può aggiungerla da un altro sito")),
    request_body(content = super::openapi::admin::CommunicationUpload, content_type = "multipart/form-data"),
    responses((status = 201, description = "Registrata", body = super::openapi::admin::Communication), ProviderNotFound, Invalid),
)]
#[post("/providers/<id>/communications", format = "multipart/form-data", data = "<upload>")]
async fn create_for_provider(
    who: Regione,
    ctx: Ctx<'_>,
    id: ProviderId,
    upload: Checked<Upload<'_>>,
) -> Result<(Status, Json<Value>), AppError> {
    registered(who, &ctx, Some(id), &upload).await
}

/// An internal act for the Region's own staff (no provider).
#[utoipa::path(
    post, path = "/communications", tag = "amministrazione",
    description = "Registra un atto interno della Regione, senza soggetto (Regione).",
    params(("X-Ricolloca-Client" = String, Header, description = "Obbligatoria per i caricamenti `multipart/form-data` (qualsiasi valore): un browser non può aggiungerla da un altro sito")),
    request_body(content = super::openapi::admin::CommunicationUpload, content_type = "multipart/form-data"),
    responses((status = 201, description = "Registrata", body = super::openapi::admin::Communication), Invalid),
)]
#[post("/communications", format = "multipart/form-data", data = "<upload>")]
async fn create_internal(
    who: Regione,
    ctx: Ctx<'_>,
    upload: Checked<Upload<'_>>,
) -> Result<(Status, Json<Value>), AppError> {
    registered(who, &ctx, None, &upload).await
}

async fn list(
    who: &AdminReader,
    ctx: &Ctx<'_>,
    provider: Option<ProviderId>,
    paging: Paging,
) -> Result<Json<Page<Communication>>, AppError> {
    let all = ctx
        .read(move |c| {
            if let Some(p) = provider
                && !providers::exists(c, p)?
            {
                return Err(AppError::NotFound);
            }
            communications::of_provider(c, provider)
        })
        .await?;
    let event = CommunicationsViewed::List { provider, page: paging.page, via: Via::Api };
    ctx.audit_view(who.scope.actor(), &event).await?;
    Ok(Json(paging.of(all)))
}

#[utoipa::path(
    get, path = "/providers/{id}/communications", tag = "amministrazione",
    description = "Le comunicazioni scritte del soggetto (Regione, revisore; registrato).",
    params(("id" = i64, Path, description = "Identificativo del soggetto accreditato"), super::paging::PagingParams),
    responses((status = 200, description = "Una pagina di comunicazioni", body = super::paging::Page<super::openapi::admin::Communication>), ProviderNotFound, Invalid),
)]
#[get("/providers/<id>/communications?<page>&<per_page>")]
async fn list_of_provider(
    who: AdminReader,
    ctx: Ctx<'_>,
    id: ProviderId,
    page: Option<i64>,
    per_page: Option<i64>,
) -> Result<Json<Page<Communication>>, AppError> {
    list(&who, &ctx, Some(id), Paging::new(page, per_page)?).await
}

#[utoipa::path(
    get, path = "/communications", tag = "amministrazione",
    description = "Gli atti interni della Regione (Regione, revisore; registrato).",
    params(super::paging::PagingParams),
    responses((status = 200, description = "Una pagina di comunicazioni", body = super::paging::Page<super::openapi::admin::Communication>), Invalid),
)]
#[get("/communications?<page>&<per_page>")]
async fn list_internal(
    who: AdminReader,
    ctx: Ctx<'_>,
    page: Option<i64>,
    per_page: Option<i64>,
) -> Result<Json<Page<Communication>>, AppError> {
    list(&who, &ctx, None, Paging::new(page, per_page)?).await
}

#[utoipa::path(
    get, path = "/communications/{id}", tag = "amministrazione",
    description = "Una comunicazione scritta (registrato).",
    params(("id" = i64, Path, description = "Identificativo della comunicazione")),
    responses((status = 200, description = "La comunicazione", body = super::openapi::admin::Communication), CommunicationNotFound),
)]
#[get("/communications/<id>")]
async fn get_one(who: AdminReader, ctx: Ctx<'_>, id: CommunicationId) -> Result<Json<Communication>, AppError> {
    let c = ctx.read(move |c| communications::get(c, id)?.ok_or(AppError::NotFound)).await?;
    ctx.audit_view(who.scope.actor(), &CommunicationsViewed::One { communication: id, via: Via::Api }).await?;
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
        CommunicationNotFound,
    ),
)]
#[get("/communications/<id>/document")]
async fn document(who: AdminReader, ctx: Ctx<'_>, id: CommunicationId) -> Result<Download, AppError> {
    download_document(&who, &ctx, id).await
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(create_for_provider, create_internal, list_of_provider, list_internal, get_one, document))]
pub(super) struct Doc;

pub fn routes() -> Vec<Route> {
    routes![create_for_provider, create_internal, list_of_provider, list_internal, get_one, document]
}

//! `POST /api/v1/import/assignments` (text/csv) and `/api/v1/import/sap` (application/xml):
//! the CPI's files, answered with the JSON import report.

use std::sync::Arc;

use rocket::data::{Data, ToByteUnit};
use rocket::serde::json::Json;
use rocket::{Route, State, get, post, routes};
use serde_json::Value;

use super::paging::{Page, Paging};
use super::responses::{ImportNotFound, Invalid};
use crate::error::{AppError, FieldError};
use crate::repo;
use crate::repo::imports::Batch;
use crate::service::assignment_import::Importer;
use crate::service::imports::{self, ImportReport};
use crate::web::ctx::Ctx;
use crate::web::guards::Regione;

/// Largest file accepted through the API (a CSV of 100k assignments is ~15 MB).
const MAX_BODY_MIB: u64 = 64;

async fn read_body(data: Data<'_>) -> Result<Vec<u8>, AppError> {
    let body = data.open(MAX_BODY_MIB.mebibytes()).into_bytes().await.map_err(AppError::internal)?;
    if !body.is_complete() {
        return Err(AppError::Invalid(vec![FieldError {
            field: "body".into(),
            message: format!("file troppo grande (al massimo {MAX_BODY_MIB} MB)"),
        }]));
    }
    Ok(body.into_inner())
}

/// Answers when the whole file is in (or refused); meanwhile `GET /import/assignments`
/// shows its progress. A second import while one runs is refused (409).
#[utoipa::path(
    post, path = "/import/assignments", tag = "servizio",
    description = "Importa il file CSV delle assegnazioni del CPI; risponde a file applicato (o rifiutato) con il resoconto (Regione).",
    params(("valid_only" = Option<bool>, Query, description = "Importa le righe valide anche se altre sono rifiutate")),
    request_body(content = String, content_type = "text/csv"),
    responses((status = 200, description = "Il resoconto", body = super::openapi::ops::ImportReport), (status = 409, description = "Un'altra importazione è in corso", body = super::openapi::common::Errore), Invalid),
)]
#[post("/import/assignments?<valid_only>", format = "text/csv", data = "<data>")]
async fn assignments(
    who: Regione,
    valid_only: Option<bool>,
    data: Data<'_>,
    importer: &State<Arc<Importer>>,
) -> Result<Json<ImportReport>, AppError> {
    let bytes = read_body(data).await?;
    let running = importer.start(who.scope.authority(), vec![("api".into(), bytes)], valid_only.unwrap_or(false));
    let mut outcomes = running.await.map_err(AppError::internal)?;
    match outcomes.pop() {
        Some((_, outcome)) => Ok(Json(outcome?)),
        None => Err(AppError::unexpected("import without outcome")),
    }
}

/// The assignment imports with their progress (`rows_done` of `rows_total`), newest first,
/// paged like every list.
#[utoipa::path(
    get, path = "/import/assignments", tag = "servizio",
    description = "Le importazioni delle assegnazioni con l'avanzamento, dalla più recente, a pagine (Regione).",
    params(super::paging::PagingParams),
    responses((status = 200, description = "Le importazioni", body = super::paging::Page<super::openapi::ops::ImportBatch>), Invalid),
)]
#[get("/import/assignments?<page>&<per_page>")]
async fn assignment_imports(
    _who: Regione,
    ctx: Ctx<'_>,
    page: Option<i64>,
    per_page: Option<i64>,
) -> Result<Json<Page<Batch>>, AppError> {
    let paging = Paging::new(page, per_page)?;
    let (items, total) = ctx.read(move |c| repo::imports::page(c, paging.per_page, paging.offset())).await?;
    Ok(Json(paging.page(items, total)))
}

/// One import: its progress and, once finished, its report.
#[utoipa::path(
    get, path = "/import/assignments/{id}", tag = "servizio",
    description = "Un'importazione: l'avanzamento e, a fine, il resoconto (Regione).",
    params(("id" = i64, Path, description = "Identificativo dell'importazione")),
    responses((status = 200, description = "L'importazione", body = super::openapi::ops::ImportBatch), ImportNotFound),
)]
#[get("/import/assignments/<id>")]
async fn assignment_import(_who: Regione, ctx: Ctx<'_>, id: i64) -> Result<Json<Value>, AppError> {
    let batch = ctx.read(move |c| repo::imports::get(c, id)).await?.ok_or(AppError::NotFound)?;
    let report: Value = batch.report.as_deref().and_then(|r| serde_json::from_str(r).ok()).unwrap_or(Value::Null);
    let mut body = serde_json::to_value(&batch).map_err(AppError::internal)?;
    if let Some(map) = body.as_object_mut() {
        map.insert("report".into(), report);
    }
    Ok(Json(body))
}

/// One SAP per request (`application/xml` or `text/xml`); the report names the element
/// that could not be read.
#[utoipa::path(
    post, path = "/import/sap", tag = "servizio",
    description = "Importa una SAP XML nel tracciato nazionale (Regione); il resoconto nomina l'elemento che non si è potuto leggere.",
    request_body(content(("application/xml"), ("text/xml"))),
    responses((status = 200, description = "Il resoconto", body = super::openapi::ops::ImportReport), Invalid),
)]
#[post("/import/sap", data = "<data>")]
async fn sap(
    who: Regione,
    ctx: Ctx<'_>,
    content_type: Option<&rocket::http::ContentType>,
    data: Data<'_>,
) -> Result<Json<ImportReport>, AppError> {
    if content_type.is_none_or(|ct| ct.sub().as_str() != "xml") {
        return Err(AppError::UnsupportedMediaType);
    }
    let bytes = read_body(data).await?;
    // Parsing is most of the work: done before the writer, which only stores.
    let file = match rocket::tokio::task::spawn_blocking(move || imports::read_sap("api", bytes))
        .await
        .map_err(AppError::internal)?
    {
        Ok(file) => file,
        Err(refused) => return Ok(Json(refused)),
    };
    let (now, authority) = (ctx.now, who.scope.authority());
    let report = ctx.write(move |tx| imports::store_sap(tx, now, &authority, &file)).await?;
    Ok(Json(report))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(assignments, assignment_imports, assignment_import, sap))]
pub(super) struct Doc;

pub fn routes() -> Vec<Route> {
    routes![assignments, assignment_imports, assignment_import, sap]
}

//! `/api/v1/anomalies` (regione): the anomalies found, and the Region's decisions.

use rocket::serde::json::{Json, Value, json};
use rocket::{Route, get, post, routes};
use serde::Deserialize;

use super::body::body;
use super::paging::{Page, Paging};
use super::responses::{AnomalyNotFound, Invalid};
use crate::domain::audit_views::{AnomaliesViewed, Via};
use crate::domain::ids::AnomalyId;
use crate::error::AppError;
use crate::repo::anomalies::{self, AnomalyRow};
use crate::service::anomalies::{Decision, decide};
use crate::web::ctx::Ctx;
use crate::web::guards::Regione;

#[utoipa::path(
    get, path = "/anomalies", tag = "registro",
    description = "Le anomalie rilevate, aperte o tutte (Regione; registrato).",
    params(("all" = Option<bool>, Query, description = "Anche quelle chiuse"), super::paging::PagingParams),
    responses((status = 200, description = "Una pagina di anomalie", body = super::paging::Page<super::openapi::ops::Anomaly>), Invalid),
)]
#[get("/anomalies?<all>&<page>&<per_page>")]
async fn list(
    who: Regione,
    ctx: Ctx<'_>,
    all: Option<bool>,
    page: Option<i64>,
    per_page: Option<i64>,
) -> Result<Json<Page<AnomalyRow>>, AppError> {
    let paging = Paging::new(page, per_page)?;
    let all = all.unwrap_or(false);
    let (items, total) = ctx.read(move |c| anomalies::window(c, !all, paging.offset(), paging.per_page)).await?;
    let event = AnomaliesViewed::Api { all, page: paging.page, rows: items.len(), via: Via::Api };
    ctx.audit_view(who.scope.actor(), &event).await?;
    Ok(Json(paging.page(items, total)))
}

#[derive(Debug, Deserialize)]
struct Suspend {
    reason: String,
    /// "operator" (default) or "provider".
    #[serde(default)]
    target: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Archive {
    reason: String,
}

async fn apply(
    who: Regione,
    ctx: &Ctx<'_>,
    id: AnomalyId,
    decision: Decision,
    reason: String,
) -> Result<Json<Value>, AppError> {
    let (now, authority) = (ctx.now, who.scope.authority());
    ctx.write(move |tx| decide(tx, now, &authority, id, decision, &reason)).await?;
    let a = ctx.read(move |c| anomalies::get(c, id)?.ok_or(AppError::NotFound)).await?;
    Ok(Json(json!(a)))
}

#[utoipa::path(
    post, path = "/anomalies/{id}/suspend", tag = "registro",
    description = "Decide un'anomalia sospendendo l'operatore o il soggetto (Regione).",
    params(("id" = i64, Path, description = "Identificativo dell'anomalia")),
    request_body = super::openapi::ops::AnomalySuspend,
    responses((status = 200, description = "L'anomalia decisa", body = super::openapi::ops::Anomaly), AnomalyNotFound, Invalid),
)]
#[post("/anomalies/<id>/suspend", format = "json", data = "<req>")]
async fn suspend(
    who: Regione,
    ctx: Ctx<'_>,
    id: AnomalyId,
    req: Result<Json<Suspend>, rocket::serde::json::Error<'_>>,
) -> Result<Json<Value>, AppError> {
    let r = body(req)?;
    let decision = match r.target.as_deref() {
        None | Some("operator") => Decision::SuspendOperator,
        Some("provider") => Decision::SuspendProvider,
        Some(_) => {
            return Err(AppError::Invalid(vec![crate::error::FieldError {
                field: "target".into(),
                message: "valori ammessi: operator, provider".into(),
            }]));
        }
    };
    apply(who, &ctx, id, decision, r.reason).await
}

#[utoipa::path(
    post, path = "/anomalies/{id}/archive", tag = "registro",
    description = "Archivia un'anomalia senza provvedimenti (Regione).",
    params(("id" = i64, Path, description = "Identificativo dell'anomalia")),
    request_body = super::openapi::ops::AnomalyArchive,
    responses((status = 200, description = "L'anomalia archiviata", body = super::openapi::ops::Anomaly), AnomalyNotFound, Invalid),
)]
#[post("/anomalies/<id>/archive", format = "json", data = "<req>")]
async fn archive(
    who: Regione,
    ctx: Ctx<'_>,
    id: AnomalyId,
    req: Result<Json<Archive>, rocket::serde::json::Error<'_>>,
) -> Result<Json<Value>, AppError> {
    let r = body(req)?;
    apply(who, &ctx, id, Decision::Archive, r.reason).await
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(list, suspend, archive))]
pub(super) struct Doc;

pub fn routes() -> Vec<Route> {
    routes![list, suspend, archive]
}

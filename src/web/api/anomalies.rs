//! `/api/v1/anomalies` (regione): the anomalies found, and the Region's decisions.

use std::sync::Arc;

use rocket::serde::json::{Json, Value, json};
use rocket::{Route, State, get, post, routes};
use serde::Deserialize;

use super::body::body;
use super::paging::{Page, Paging};
use crate::access::AccessControl;
use crate::domain::audit_event::{AuditEvent, View};
use crate::domain::ids::AnomalyId;
use crate::error::AppError;
use crate::infra::clock::Timestamp;
use crate::repo::anomalies::{self, AnomalyRow};
use crate::repo::pool::ReadPool;
use crate::repo::writer::Writer;
use crate::service::anomalies::{Decision, decide};
use crate::web::context::RequestTime;
use crate::web::guards::Regione;

#[utoipa::path(
    get, path = "/anomalies", tag = "registro",
    description = "Le anomalie rilevate, aperte o tutte (Regione; registrato).",
    params(("all" = Option<bool>, Query, description = "Anche quelle chiuse"), super::paging::PagingParams),
    responses((status = 200, description = "Una pagina di anomalie", body = super::paging::Page<super::openapi::ops::Anomaly>), (status = 422, description = "Dati non validi: un elemento per campo", body = super::openapi::common::Errore)),
)]
#[get("/anomalies?<all>&<page>&<per_page>")]
async fn list(
    who: Regione,
    all: Option<bool>,
    page: Option<i64>,
    per_page: Option<i64>,
    pool: &State<Arc<ReadPool>>,
    access: &State<Arc<AccessControl>>,
) -> Result<Json<Page<AnomalyRow>>, AppError> {
    let paging = Paging::new(page, per_page)?;
    let all = all.unwrap_or(false);
    let (items, total) = pool.read(move |c| anomalies::window(c, !all, paging.offset(), paging.per_page)).await?;
    let detail = json!({ "all": all, "page": paging.page, "rows": items.len(), "via": "api" });
    access.audit(who.scope.actor().clone(), AuditEvent::View { view: View::AnomalyList, object: None, detail }).await?;
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
    id: AnomalyId,
    decision: Decision,
    reason: String,
    writer: &Writer,
    pool: &Arc<ReadPool>,
    now: Timestamp,
) -> Result<Json<Value>, AppError> {
    let (now, authority) = (now, who.scope.authority());
    writer.write(move |tx| decide(tx, now, &authority, id, decision, &reason)).await?;
    let a = pool.read(move |c| anomalies::get(c, id)?.ok_or(AppError::NotFound)).await?;
    Ok(Json(json!(a)))
}

#[utoipa::path(
    post, path = "/anomalies/{id}/suspend", tag = "registro",
    description = "Decide un'anomalia sospendendo l'operatore o il soggetto (Regione).",
    params(("id" = i64, Path, description = "Identificativo dell'anomalia")),
    request_body = super::openapi::ops::AnomalySuspend,
    responses((status = 200, description = "L'anomalia decisa", body = super::openapi::ops::Anomaly), (status = 404, description = "Anomalia inesistente", body = super::openapi::common::Errore), (status = 422, description = "Dati non validi: un elemento per campo", body = super::openapi::common::Errore)),
)]
#[post("/anomalies/<id>/suspend", format = "json", data = "<req>")]
async fn suspend(
    who: Regione,
    id: AnomalyId,
    req: Result<Json<Suspend>, rocket::serde::json::Error<'_>>,
    writer: &State<Writer>,
    pool: &State<Arc<ReadPool>>,
    now: RequestTime,
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
    apply(who, id, decision, r.reason, writer, pool, now.get()).await
}

#[utoipa::path(
    post, path = "/anomalies/{id}/archive", tag = "registro",
    description = "Archivia un'anomalia senza provvedimenti (Regione).",
    params(("id" = i64, Path, description = "Identificativo dell'anomalia")),
    request_body = super::openapi::ops::AnomalyArchive,
    responses((status = 200, description = "L'anomalia archiviata", body = super::openapi::ops::Anomaly), (status = 404, description = "Anomalia inesistente", body = super::openapi::common::Errore), (status = 422, description = "Dati non validi: un elemento per campo", body = super::openapi::common::Errore)),
)]
#[post("/anomalies/<id>/archive", format = "json", data = "<req>")]
async fn archive(
    who: Regione,
    id: AnomalyId,
    req: Result<Json<Archive>, rocket::serde::json::Error<'_>>,
    writer: &State<Writer>,
    pool: &State<Arc<ReadPool>>,
    now: RequestTime,
) -> Result<Json<Value>, AppError> {
    let r = body(req)?;
    apply(who, id, Decision::Archive, r.reason, writer, pool, now.get()).await
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(list, suspend, archive))]
pub(super) struct Doc;

pub fn routes() -> Vec<Route> {
    routes![list, suspend, archive]
}

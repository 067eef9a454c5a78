//! `/api/v1/providers` and `/api/v1/operators` for integrations: the same services, guards
//! and audit as the screens. Errors: 422 `{"errors":[{"field","message"}]}`, 409 for a
//! codice fiscale already used, 404 for unknown ids.

use std::sync::Arc;

use rocket::http::Status;
use rocket::serde::json::{Json, Value, json};
use rocket::{Route, State, get, post, routes};

use crate::access::AccessControl;
use crate::domain::audit_event::{AuditEvent, View};
use crate::domain::ids::{CommunicationId, OperatorId, ProviderId};
use crate::domain::operator::{DisableReason, OperatorDraft};
use crate::domain::provider::ProviderDraft;
use crate::error::AppError;
use crate::infra::clock::Timestamp;
use crate::repo::pool::ReadPool;
use crate::repo::writer::Writer;
use crate::repo::{operators, providers};
use crate::service;
use crate::web::context::RequestTime;
use crate::web::guards::{AdminReader, Regione};

use super::body::body;

async fn view(access: &AccessControl, who: &AdminReader, view: View, object: Option<String>) -> Result<(), AppError> {
    access.audit(who.scope.actor().clone(), AuditEvent::View { view, object, detail: json!({ "via": "api" }) }).await
}

#[post("/providers", format = "json", data = "<draft>")]
async fn create_provider(
    who: Regione,
    draft: Result<Json<ProviderDraft>, rocket::serde::json::Error<'_>>,
    writer: &State<Writer>,
    pool: &State<Arc<ReadPool>>,
    now: RequestTime,
) -> Result<(Status, Json<Value>), AppError> {
    let valid = body(draft)?.validate().map_err(AppError::Invalid)?;
    let (now, authority) = (now.get(), who.scope.authority());
    let id = writer.write(move |tx| service::providers::create(tx, now, &authority, &valid)).await?;
    let p = pool.read(move |c| providers::get(c, id)?.ok_or(AppError::NotFound)).await?;
    Ok((Status::Created, Json(json!(p))))
}

#[get("/providers")]
async fn list_providers(
    who: AdminReader,
    pool: &State<Arc<ReadPool>>,
    access: &State<Arc<AccessControl>>,
) -> Result<Json<Value>, AppError> {
    let (items, total) = pool.read(|c| providers::search(c, "", 0)).await?;
    view(access, &who, View::ProviderList, None).await?;
    Ok(Json(json!({ "items": items, "total": total })))
}

#[get("/providers/<id>")]
async fn get_provider(
    who: AdminReader,
    id: ProviderId,
    pool: &State<Arc<ReadPool>>,
    access: &State<Arc<AccessControl>>,
) -> Result<Json<Value>, AppError> {
    let p = pool.read(move |c| providers::get(c, id)?.ok_or(AppError::NotFound)).await?;
    view(access, &who, View::ProviderView, Some(format!("provider:{id}"))).await?;
    Ok(Json(json!(p)))
}

#[derive(Debug, serde::Deserialize)]
struct Reason {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    communication_id: Option<CommunicationId>,
}

async fn provider_status(
    who: Regione,
    id: ProviderId,
    suspend: bool,
    reason: Result<Json<Reason>, rocket::serde::json::Error<'_>>,
    writer: &Writer,
    pool: &Arc<ReadPool>,
    now: Timestamp,
) -> Result<Json<Value>, AppError> {
    let reason = body(reason)?.reason;
    let (now, authority) = (now, who.scope.authority());
    writer.write(move |tx| service::providers::set_suspended(tx, now, &authority, id, suspend, &reason)).await?;
    let p = pool.read(move |c| providers::get(c, id)?.ok_or(AppError::NotFound)).await?;
    Ok(Json(json!(p)))
}

#[post("/providers/<id>/suspend", format = "json", data = "<reason>")]
async fn suspend_provider(
    who: Regione,
    id: ProviderId,
    reason: Result<Json<Reason>, rocket::serde::json::Error<'_>>,
    writer: &State<Writer>,
    pool: &State<Arc<ReadPool>>,
    now: RequestTime,
) -> Result<Json<Value>, AppError> {
    provider_status(who, id, true, reason, writer, pool, now.get()).await
}

#[post("/providers/<id>/reactivate", format = "json", data = "<reason>")]
async fn reactivate_provider(
    who: Regione,
    id: ProviderId,
    reason: Result<Json<Reason>, rocket::serde::json::Error<'_>>,
    writer: &State<Writer>,
    pool: &State<Arc<ReadPool>>,
    now: RequestTime,
) -> Result<Json<Value>, AppError> {
    provider_status(who, id, false, reason, writer, pool, now.get()).await
}

#[post("/operators", format = "json", data = "<draft>")]
async fn create_operator(
    who: Regione,
    draft: Result<Json<OperatorDraft>, rocket::serde::json::Error<'_>>,
    writer: &State<Writer>,
    pool: &State<Arc<ReadPool>>,
    now: RequestTime,
) -> Result<(Status, Json<Value>), AppError> {
    let valid = body(draft)?.validate().map_err(AppError::Invalid)?;
    let (now, authority) = (now.get(), who.scope.authority());
    let id = writer.write(move |tx| service::operators::enable(tx, now, &authority, &valid)).await?;
    let o = pool.read(move |c| operators::row(c, id)?.ok_or(AppError::NotFound)).await?;
    Ok((Status::Created, Json(json!(o))))
}

#[get("/operators/<id>")]
async fn get_operator(
    who: AdminReader,
    id: OperatorId,
    pool: &State<Arc<ReadPool>>,
    access: &State<Arc<AccessControl>>,
) -> Result<Json<Value>, AppError> {
    let (o, history) =
        pool.read(move |c| Ok((operators::row(c, id)?.ok_or(AppError::NotFound)?, operators::history(c, id)?))).await?;
    view(access, &who, View::OperatorView, Some(format!("operator:{id}"))).await?;
    let mut v = json!(o);
    if let Some(map) = v.as_object_mut() {
        map.insert("history".into(), json!(history));
    }
    Ok(Json(v))
}

#[post("/operators/<id>/disable", format = "json", data = "<reason>")]
async fn disable_operator(
    who: Regione,
    id: OperatorId,
    reason: Result<Json<Reason>, rocket::serde::json::Error<'_>>,
    writer: &State<Writer>,
    pool: &State<Arc<ReadPool>>,
    now: RequestTime,
) -> Result<Json<Value>, AppError> {
    let r = body(reason)?;
    let (now, authority) = (now.get(), who.scope.authority());
    let kind = DisableReason::from_code(&r.kind);
    let comm = r.communication_id;
    writer.write(move |tx| service::operators::disable(tx, now, &authority, id, kind, &r.reason, comm)).await?;
    let o = pool.read(move |c| operators::row(c, id)?.ok_or(AppError::NotFound)).await?;
    Ok(Json(json!(o)))
}

#[post("/operators/<id>/enable", format = "json", data = "<reason>")]
async fn enable_operator(
    who: Regione,
    id: OperatorId,
    reason: Result<Json<Reason>, rocket::serde::json::Error<'_>>,
    writer: &State<Writer>,
    pool: &State<Arc<ReadPool>>,
    now: RequestTime,
) -> Result<Json<Value>, AppError> {
    let r = body(reason)?;
    let (now, authority) = (now.get(), who.scope.authority());
    let comm = r.communication_id;
    writer.write(move |tx| service::operators::reenable(tx, now, &authority, id, &r.reason, comm)).await?;
    let o = pool.read(move |c| operators::row(c, id)?.ok_or(AppError::NotFound)).await?;
    Ok(Json(json!(o)))
}

pub fn routes() -> Vec<Route> {
    routes![
        create_provider,
        list_providers,
        get_provider,
        suspend_provider,
        reactivate_provider,
        create_operator,
        get_operator,
        disable_operator,
        enable_operator
    ]
}

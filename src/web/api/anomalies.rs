//! `/api/v1/anomalies` (regione): the anomalies found, and the Region's decisions.

use std::sync::Arc;

use rocket::serde::json::{Json, Value, json};
use rocket::{Route, State, get, post, routes};
use serde::Deserialize;

use super::body::body;
use crate::access::AccessControl;
use crate::domain::audit_event::{AuditEvent, View};
use crate::domain::ids::AnomalyId;
use crate::error::AppError;
use crate::infra::clock::Timestamp;
use crate::repo::anomalies;
use crate::repo::pool::ReadPool;
use crate::repo::writer::Writer;
use crate::service::anomalies::{Decision, decide};
use crate::web::context::RequestTime;
use crate::web::guards::Regione;

#[get("/anomalies?<all>")]
async fn list(
    who: Regione,
    all: Option<bool>,
    pool: &State<Arc<ReadPool>>,
    access: &State<Arc<AccessControl>>,
) -> Result<Json<Value>, AppError> {
    let all = all.unwrap_or(false);
    let items = pool.read(move |c| anomalies::list(c, !all, 1000)).await?;
    let detail = json!({ "all": all, "rows": items.len(), "via": "api" });
    access.audit(who.scope.actor().clone(), AuditEvent::View { view: View::AnomalyList, object: None, detail }).await?;
    Ok(Json(json!({ "items": items })))
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

pub fn routes() -> Vec<Route> {
    routes![list, suspend, archive]
}

//! The agenda and the programme outcome as JSON, with the screens' guards, scopes and audit:
//! `GET|POST /recipients/{id}/appointments`, `POST /appointments/{id}/outcome`,
//! `GET|POST /recipients/{id}/outcome`.

use std::sync::Arc;

use rocket::http::Status;
use rocket::serde::json::{Json, Value, json};
use rocket::{Route, State, get, post, routes};

use crate::access::AccessControl;
use crate::config::AgendaSection;
use crate::domain::appointment::{AppointmentDraft, OutcomeDraft};
use crate::domain::audit_event::{AuditEvent, View};
use crate::domain::ids::{AppointmentId, RecipientId};
use crate::domain::outcome::ProgrammeOutcomeDraft;
use crate::error::AppError;
use crate::infra::clock::SharedClock;
use crate::repo::appointments::{self, AppointmentRow};
use crate::repo::pool::ReadPool;
use crate::repo::writer::Writer;
use crate::service;
use crate::web::context::{RequestPath, RequestTime, not_found};
use crate::web::guards::{Operatore, RecipientReader};

fn appointment_json(a: &AppointmentRow) -> Value {
    json!({
        "id": a.id, "recipient": a.recipient_id, "starts_at": a.starts_at, "tipo": a.kind,
        "sede": { "id": a.sede_id, "name": a.sede }, "tutor": { "id": a.tutor_id, "name": a.tutor },
        "esito": a.outcome, "nota": a.outcome_note, "version": a.version,
    })
}

#[get("/recipients/<id>/appointments")]
async fn list(
    who: RecipientReader,
    id: RecipientId,
    path: RequestPath,
    pool: &State<Arc<ReadPool>>,
    access: &State<Arc<AccessControl>>,
) -> Result<Json<Value>, AppError> {
    let scope = who.scope();
    let found = pool
        .read(move |c| {
            if crate::repo::recipients::get(c, &scope, id)?.is_none() {
                return Ok(None);
            }
            Ok(Some(appointments::for_recipient(c, &scope, id)?))
        })
        .await?;
    let Some(rows) = found else {
        return Err(not_found(access, &who.principal, "GET", &path.0).await);
    };
    let detail = json!({ "rows": rows.len(), "via": "api" });
    let event = AuditEvent::View { view: View::AgendaView, object: Some(format!("recipient:{id}")), detail };
    access.audit(who.scope().actor().clone(), event).await?;
    Ok(Json(json!({ "items": rows.iter().map(appointment_json).collect::<Vec<_>>() })))
}

#[post("/recipients/<id>/appointments", format = "json", data = "<body>")]
async fn create(
    who: Operatore,
    id: RecipientId,
    path: RequestPath,
    body: Result<Json<AppointmentDraft>, rocket::serde::json::Error<'_>>,
    pool: &State<Arc<ReadPool>>,
    access: &State<Arc<AccessControl>>,
    writer: &State<Writer>,
    now: RequestTime,
    settings: &State<AgendaSection>,
) -> Result<(Status, Json<Value>), AppError> {
    let draft = super::body::body(body)?;
    let (now, scope, days) = (now.get(), who.scope.clone(), settings.backdate_days);
    let new_id = match writer.write(move |tx| service::appointments::create(tx, now, &scope, days, id, &draft)).await {
        Ok(new_id) => new_id,
        Err(AppError::NotFound) => return Err(access.refuse_as_not_found(&who.principal, "POST", &path.0).await),
        Err(e) => return Err(e),
    };
    let scope = who.scope.clone();
    let row = pool.read(move |c| appointments::get(c, &scope, new_id)).await?.ok_or(AppError::NotFound)?;
    Ok((Status::Created, Json(appointment_json(&row))))
}

#[post("/appointments/<id>/outcome", format = "json", data = "<body>")]
async fn outcome(
    who: Operatore,
    id: AppointmentId,
    path: RequestPath,
    body: Result<Json<OutcomeDraft>, rocket::serde::json::Error<'_>>,
    access: &State<Arc<AccessControl>>,
    writer: &State<Writer>,
    now: RequestTime,
) -> Result<Json<Value>, AppError> {
    let draft = super::body::body(body)?;
    let (now, scope) = (now.get(), who.scope.clone());
    match writer.write(move |tx| service::appointments::record_outcome(tx, now, &scope, id, &draft)).await {
        Ok(done) => Ok(Json(json!({
            "id": id, "recipient": done.recipient, "esito": done.outcome, "version": done.version,
            "programme_start": done.programme_start,
        }))),
        Err(AppError::NotFound) => Err(access.refuse_as_not_found(&who.principal, "POST", &path.0).await),
        Err(e) => Err(e),
    }
}

#[get("/recipients/<id>/outcome")]
async fn programme_outcome(
    who: RecipientReader,
    id: RecipientId,
    path: RequestPath,
    pool: &State<Arc<ReadPool>>,
    access: &State<Arc<AccessControl>>,
) -> Result<Json<Value>, AppError> {
    let scope = who.scope();
    let Some(l) = pool.read(move |c| crate::service::outcomes::load(c, &scope, id)).await? else {
        return Err(not_found(access, &who.principal, "GET", &path.0).await);
    };
    let detail = json!({ "cf": l.voucher.codice_fiscale, "state": l.voucher.state, "via": "api" });
    let event = AuditEvent::View { view: View::OutcomeView, object: Some(format!("recipient:{id}")), detail };
    access.audit(who.scope().actor().clone(), event).await?;
    let v = &l.voucher;
    Ok(Json(json!({
        "voucher": v.code, "state": v.state, "version": v.version,
        "programme_start": v.programme_start, "programme_end": v.programme_end, "extended_until": v.extended_until,
        "history": l.history.iter().map(|o| json!({
            "id": o.id, "esito": o.kind, "data": o.event_date, "datore_cf": o.employer_cf, "datore_nome": o.employer_name,
            "contratto": o.contract, "mesi": o.contract_months, "ripresa": o.resume_on, "nota": o.note,
            "registrato_il": o.at, "registrato_da": o.by_label,
        })).collect::<Vec<_>>(),
        "rifiuti": l.reportable.iter().map(appointment_json).collect::<Vec<_>>(),
    })))
}

#[post("/recipients/<id>/outcome", format = "json", data = "<body>")]
async fn record_programme_outcome(
    who: Operatore,
    id: RecipientId,
    path: RequestPath,
    body: Result<Json<ProgrammeOutcomeDraft>, rocket::serde::json::Error<'_>>,
    access: &State<Arc<AccessControl>>,
    writer: &State<Writer>,
    clock: &State<SharedClock>,
) -> Result<(Status, Json<Value>), AppError> {
    let draft = super::body::body(body)?;
    let scope = who.scope.clone();
    match writer.write_stamped(clock, move |tx, now| service::outcomes::record(tx, now, &scope, id, &draft)).await {
        Ok(done) => Ok((Status::Created, Json(json!({ "id": done.id, "state": done.state, "version": done.version })))),
        Err(AppError::NotFound) => Err(access.refuse_as_not_found(&who.principal, "POST", &path.0).await),
        Err(e) => Err(e),
    }
}

pub fn routes() -> Vec<Route> {
    routes![list, create, outcome, programme_outcome, record_programme_outcome]
}

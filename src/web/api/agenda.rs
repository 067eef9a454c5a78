//! The agenda and the programme outcome as JSON, with the screens' guards, scopes and audit:
//! `GET|POST /recipients/{id}/appointments`, `POST /appointments/{id}/outcome`,
//! `GET|POST /recipients/{id}/outcome`.

use rocket::http::Status;
use rocket::serde::json::{Json, Value, json};
use rocket::{Route, State, get, post, routes};

use crate::config::AgendaSection;
use crate::domain::appointment::{AppointmentDraft, OutcomeDraft};
use crate::domain::audit_views::{AgendaViewed, OutcomeViewed, Via};
use crate::domain::ids::{AppointmentId, RecipientId};
use crate::domain::outcome::ProgrammeOutcomeDraft;
use crate::error::AppError;
use crate::repo::appointments::{self, AppointmentRow};
use crate::service;
use crate::web::agenda_report::{audit_report, distinct, report_data};
use crate::web::ctx::Ctx;
use crate::web::guards::{Operatore, RecipientReader};

use super::paging::{Page, Paging};
use super::responses::{AppointmentNotFound, Invalid, RecipientNotFound, Stale};
use crate::domain::ids::{OperatorId, SedeId};
use crate::domain::text::{iso, parse_date};
use crate::error::FieldError;
use crate::infra::clock::local_datetime;
use crate::repo::appointments::AgendaFilter;

fn appointment_json(a: &AppointmentRow) -> Value {
    json!({
        "id": a.id, "recipient": a.recipient_id, "starts_at": a.starts_at, "tipo": a.kind,
        "sede": { "id": a.sede_id, "name": a.sede }, "tutor": { "id": a.tutor_id, "name": a.tutor },
        "esito": a.outcome, "nota": a.outcome_note, "version": a.version,
    })
}

#[utoipa::path(
    get, path = "/recipients/{id}/appointments", tag = "agenda",
    description = "Gli appuntamenti della persona (lettura registrata).",
    params(("id" = i64, Path, description = "Identificativo della persona"), super::paging::PagingParams),
    responses((status = 200, description = "Una pagina di appuntamenti", body = super::paging::Page<super::openapi::people::Appointment>), RecipientNotFound, Invalid),
)]
#[get("/recipients/<id>/appointments?<page>&<per_page>")]
async fn list(
    who: RecipientReader,
    ctx: Ctx<'_>,
    id: RecipientId,
    page: Option<i64>,
    per_page: Option<i64>,
) -> Result<Json<Page<Value>>, AppError> {
    let paging = Paging::new(page, per_page)?;
    let rows = ctx
        .read_or_404(who.scope(), move |c, scope| {
            if crate::repo::recipients::get(c, scope, id)?.is_none() {
                return Ok(None);
            }
            Ok(Some(appointments::for_recipient(c, scope, id)?))
        })
        .await?;
    let page = paging.of(rows);
    let event = AgendaViewed::Recipient { recipient: id, rows: page.items.len(), page: paging.page, via: Via::Api };
    ctx.audit_view(who.scope().actor(), &event).await?;
    Ok(Json(page.map(|a| appointment_json(&a))))
}

#[utoipa::path(
    post, path = "/recipients/{id}/appointments", tag = "agenda",
    description = "Fissa un appuntamento (operatore del soggetto).",
    params(("id" = i64, Path, description = "Identificativo della persona")),
    request_body = super::openapi::people::AppointmentRequest,
    responses(
        (status = 201, description = "Fissato", body = super::openapi::people::Appointment),
        RecipientNotFound,
        (status = 409, description = "La persona ha già un appuntamento a quella data e ora (`ora`)", body = super::openapi::common::Errore),
        Invalid,
    ),
)]
#[post("/recipients/<id>/appointments", format = "json", data = "<body>")]
async fn create(
    who: Operatore,
    ctx: Ctx<'_>,
    id: RecipientId,
    body: Result<Json<AppointmentDraft>, rocket::serde::json::Error<'_>>,
    settings: &State<AgendaSection>,
) -> Result<(Status, Json<Value>), AppError> {
    let draft = super::body::body(body)?;
    let (now, scope, days) = (ctx.now, who.scope.clone(), settings.backdate_days);
    let new_id = ctx.write_or_404(move |tx| service::appointments::create(tx, now, &scope, days, id, &draft)).await?;
    let scope = who.scope.clone();
    let row = ctx.read(move |c| appointments::get(c, &scope, new_id)).await?.ok_or(AppError::NotFound)?;
    Ok((Status::Created, Json(appointment_json(&row))))
}

#[utoipa::path(
    post, path = "/appointments/{id}/outcome", tag = "agenda",
    description = "Registra o corregge l'esito di un appuntamento (operatore del soggetto).",
    params(("id" = i64, Path, description = "Identificativo dell'appuntamento")),
    request_body = super::openapi::people::OutcomeRequest,
    responses((status = 200, description = "Registrato", body = super::openapi::people::OutcomeRecorded), AppointmentNotFound, Stale, Invalid),
)]
#[post("/appointments/<id>/outcome", format = "json", data = "<body>")]
async fn outcome(
    who: Operatore,
    ctx: Ctx<'_>,
    id: AppointmentId,
    body: Result<Json<OutcomeDraft>, rocket::serde::json::Error<'_>>,
) -> Result<Json<Value>, AppError> {
    let draft = super::body::body(body)?;
    let (now, scope) = (ctx.now, who.scope.clone());
    let done = ctx.write_or_404(move |tx| service::appointments::record_outcome(tx, now, &scope, id, &draft)).await?;
    Ok(Json(json!({
        "id": id, "recipient": done.recipient, "esito": done.outcome, "version": done.version,
        "programme_start": done.programme_start,
    })))
}

#[utoipa::path(
    get, path = "/recipients/{id}/outcome", tag = "agenda",
    description = "Lo stato dell'assegno, gli esiti del programma e le assenze da segnalare (lettura registrata).",
    params(("id" = i64, Path, description = "Identificativo della persona")),
    responses((status = 200, description = "L'esito del programma", body = super::openapi::people::ProgrammeOutcome), RecipientNotFound),
)]
#[get("/recipients/<id>/outcome")]
async fn programme_outcome(who: RecipientReader, ctx: Ctx<'_>, id: RecipientId) -> Result<Json<Value>, AppError> {
    let l = ctx.read_or_404(who.scope(), move |c, scope| crate::service::outcomes::load(c, scope, id)).await?;
    let v = &l.voucher;
    let event = OutcomeViewed::Api { recipient: id, cf: &v.codice_fiscale, state: &v.state, via: Via::Api };
    ctx.audit_view(who.scope().actor(), &event).await?;
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

#[utoipa::path(
    post, path = "/recipients/{id}/outcome", tag = "agenda",
    description = "Registra un esito del programma (operatore del soggetto). Un esito non ammesso dallo stato attuale è un 422 su `esito`.",
    params(("id" = i64, Path, description = "Identificativo della persona")),
    request_body = super::openapi::people::ProgrammeOutcomeRequest,
    responses((status = 201, description = "Registrato", body = super::openapi::people::ProgrammeOutcomeRecorded), RecipientNotFound, Stale, Invalid),
)]
#[post("/recipients/<id>/outcome", format = "json", data = "<body>")]
async fn record_programme_outcome(
    who: Operatore,
    ctx: Ctx<'_>,
    id: RecipientId,
    body: Result<Json<ProgrammeOutcomeDraft>, rocket::serde::json::Error<'_>>,
) -> Result<(Status, Json<Value>), AppError> {
    let draft = super::body::body(body)?;
    let scope = who.scope.clone();
    let done = ctx.write_stamped_or_404(move |tx, now| service::outcomes::record(tx, now, &scope, id, &draft)).await?;
    Ok((Status::Created, Json(json!({ "id": done.id, "state": done.state, "version": done.version }))))
}

/// The provider's agenda, per sede and tutor: `from` / `to` (ISO dates, Italian time; default
/// from a week ago for 37 days, at most a year), `sede`, `tutor`, paged.
#[utoipa::path(
    get, path = "/agenda", tag = "agenda",
    description = "L'agenda del proprio soggetto (operatore), in ordine di orario; registrata con le persone mostrate.",
    params(
        ("from" = Option<String>, Query, description = "Dal giorno (aaaa-mm-gg); predefinito: una settimana fa"),
        ("to" = Option<String>, Query, description = "Al giorno incluso (aaaa-mm-gg); predefinito: 37 giorni dopo `from`; al massimo un anno"),
        ("sede" = Option<i64>, Query, description = "Solo questa sede"),
        ("tutor" = Option<i64>, Query, description = "Solo questo tutor (operatore)"),
        super::paging::PagingParams,
    ),
    responses((status = 200, description = "Una pagina dell'agenda", body = super::paging::Page<super::openapi::people::AgendaItem>), Invalid),
)]
#[get("/agenda?<from>&<to>&<sede>&<tutor>&<page>&<per_page>")]
async fn agenda(
    who: Operatore,
    ctx: Ctx<'_>,
    from: Option<String>,
    to: Option<String>,
    sede: Option<i64>,
    tutor: Option<i64>,
    page: Option<i64>,
    per_page: Option<i64>,
) -> Result<Json<Page<Value>>, AppError> {
    use time::Duration;
    let paging = Paging::new(page, per_page)?;
    let mut errors = Vec::new();
    let mut date = |field: &str, v: Option<String>| match v.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(d) => {
            let parsed = parse_date(d);
            if parsed.is_none() {
                errors.push(FieldError { field: field.into(), message: "data non valida: usare aaaa-mm-gg".into() });
            }
            parsed
        }
    };
    let (from, to) = (date("from", from), date("to", to));
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let today = local_datetime(ctx.now).date();
    let from = from.unwrap_or_else(|| today.checked_sub(Duration::days(7)).unwrap_or(today));
    let to = to.filter(|t| *t >= from).unwrap_or_else(|| from.checked_add(Duration::days(37)).unwrap_or(from));
    let to = to.min(from.checked_add(Duration::days(366)).unwrap_or(to));
    let filter = AgendaFilter {
        from: iso(from),
        until: iso(to.next_day().unwrap_or(to)),
        sede: sede.and_then(|v| SedeId::try_from(v).ok()),
        tutor: tutor.and_then(|v| OperatorId::try_from(v).ok()),
    };
    let (scope, f) = (who.scope.clone(), filter.clone());
    let rows = ctx.read(move |c| appointments::agenda(c, &scope, &f)).await?;
    let page = paging.of(rows);
    let event = AgendaViewed::Provider {
        provider: who.scope.provider(),
        from: &filter.from,
        until: &filter.until,
        sede: filter.sede,
        tutor: filter.tutor,
        rows: page.items.len(),
        via: Some(Via::Api),
    };
    let shown = distinct(page.items.iter().map(|r| r.recipient_id.get()));
    ctx.audit_list(who.scope.actor(), &event, shown).await?;
    Ok(Json(page.map(|a| {
        let mut v = appointment_json(&a);
        if let Some(map) = v.as_object_mut() {
            map.insert("persona".into(), json!({ "nome": a.recipient, "codice_fiscale": a.codice_fiscale }));
        }
        v
    })))
}

/// The month's report to the CPI (`month=yyyy-mm`, default this month): unjustified absences
/// and refusals, and drops, as on the Segnalazioni screen.
#[utoipa::path(
    get, path = "/agenda/reports", tag = "agenda",
    description = "Le segnalazioni del mese al CPI: assenze ingiustificate, rifiuti e abbandoni (registrate).",
    params(("month" = Option<String>, Query, description = "Il mese (aaaa-mm); predefinito: il mese corrente")),
    responses((status = 200, description = "Le segnalazioni", body = super::openapi::people::CpiReport), Invalid),
)]
#[get("/agenda/reports?<month>")]
async fn cpi_report(who: Operatore, ctx: Ctx<'_>, month: Option<String>) -> Result<Json<Value>, AppError> {
    let r = report_data(&who, &ctx, month.as_deref()).await?;
    audit_report(&ctx, &who, &r, "json").await?;
    let rows: Vec<Value> = r
        .rows
        .iter()
        .map(|a| {
            json!({
                "starts_at": a.starts_at, "recipient": a.recipient_id, "nome": a.recipient,
                "codice_fiscale": a.codice_fiscale, "assegno": a.voucher_code, "cpi": a.cpi,
                "tipo": a.kind, "tipo_label": r.labels.label("tipo_appuntamento", &a.kind),
                "esito": a.outcome, "nota": a.outcome_note,
            })
        })
        .collect();
    let dropped: Vec<Value> = r
        .dropped
        .iter()
        .map(|d| {
            json!({
                "recipient": d.recipient_id, "nome": d.recipient, "codice_fiscale": d.codice_fiscale,
                "assegno": d.voucher_code, "cpi": d.cpi, "data": d.event_date, "nota": d.note,
            })
        })
        .collect();
    Ok(Json(json!({
        "from": iso(r.first),
        "until": iso(r.next.previous_day().unwrap_or(r.next)),
        "segnalazioni": rows,
        "abbandoni": dropped,
    })))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, outcome, programme_outcome, record_programme_outcome, agenda, cpi_report))]
pub(super) struct Doc;

pub fn routes() -> Vec<Route> {
    routes![list, create, outcome, programme_outcome, record_programme_outcome, agenda, cpi_report]
}

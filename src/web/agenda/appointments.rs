//! Fixing an appointment from the scheda destinatario, and recording its outcome.

use std::sync::Arc;

use maud::{Markup, html};
use rocket::http::Status;
use rocket::response::Redirect;
use rocket::{Route, State, post, routes};

use crate::access::{AccessControl, RecipientScope};
use crate::config::AgendaSection;
use crate::domain::appointment::{OutcomeDraft, show_stamp};
use crate::domain::ids::{AppointmentId, RecipientId};
use crate::error::AppError;
use crate::repo::appointments::{self};
use crate::repo::pool::ReadPool;
use crate::repo::writer::Writer;
use crate::service;
use crate::service::appointments::choices;
use crate::web::Site;
use crate::web::context::{RequestPath, RequestTime};
use crate::web::forms::{FormToken, error_summary, field_errors};
use crate::web::guards::Operatore;
use crate::web::views::agenda::{EsitoForm, NewForm, new_form, outcome_form};
use crate::web::views::layout::page;

#[post("/destinatari/<id>/appuntamenti", data = "<form>")]
async fn create(
    who: Operatore,
    id: RecipientId,
    form: crate::web::forms::Checked<NewForm>,
    token: FormToken,
    pool: &State<Arc<ReadPool>>,
    access: &State<Arc<AccessControl>>,
    writer: &State<Writer>,
    now: RequestTime,
    settings: &State<AgendaSection>,
    site: &State<Site>,
) -> Result<Result<Redirect, (Status, Markup)>, AppError> {
    let (now, scope, draft, days) = (now.get(), who.scope.clone(), form.draft(), settings.backdate_days);
    let e = match writer.write(move |tx| service::appointments::create(tx, now, &scope, days, id, &draft)).await {
        Ok(_) => return Ok(Ok(Redirect::to(format!("/destinatari/{id}#appuntamenti")))),
        Err(AppError::NotFound) => {
            let path = format!("/destinatari/{id}/appuntamenti");
            return Err(access.refuse_as_not_found(&who.principal, "POST", &path).await);
        }
        Err(e) => e,
    };
    let status = if matches!(e, AppError::Conflict(_)) { Status::Conflict } else { Status::UnprocessableEntity };
    let errors = field_errors(e)?;
    let scope = RecipientScope::Provider(who.scope.clone());
    let choices = pool.read(move |c| choices(c, &scope)).await?;
    Ok(Err((
        status,
        page(
            Some(site),
            "Nuovo appuntamento",
            Some(&who.principal),
            html! {
                nav.breadcrumb aria-label="Percorso" { a href="/agenda" { "Agenda" } " › " a href={ "/destinatari/" (id) } { "Scheda" } " › Nuovo appuntamento" }
                h1 { "Nuovo appuntamento" }
                (new_form(id, &form, &choices, &errors, &token))
            },
        ),
    )))
}

#[post("/appuntamenti/<id>/esito", data = "<form>")]
async fn record_outcome(
    who: Operatore,
    id: AppointmentId,
    path: RequestPath,
    form: crate::web::forms::Checked<EsitoForm>,
    token: FormToken,
    pool: &State<Arc<ReadPool>>,
    access: &State<Arc<AccessControl>>,
    writer: &State<Writer>,
    now: RequestTime,
    site: &State<Site>,
) -> Result<Result<Redirect, (Status, Markup)>, AppError> {
    let draft = OutcomeDraft { esito: form.esito.clone(), nota: form.nota.clone(), version: form.version };
    let (now, scope) = (now.get(), who.scope.clone());
    let e = match writer.write(move |tx| service::appointments::record_outcome(tx, now, &scope, id, &draft)).await {
        Ok(done) => return Ok(Ok(Redirect::to(format!("/destinatari/{}#appuntamenti", done.recipient)))),
        Err(AppError::NotFound) => return Err(access.refuse_as_not_found(&who.principal, "POST", &path.0).await),
        Err(e) => e,
    };
    let status = if matches!(e, AppError::Conflict(_)) { Status::Conflict } else { Status::UnprocessableEntity };
    let errors = field_errors(e)?;
    let scope = who.scope.clone();
    let Some(a) = pool.read(move |c| appointments::get(c, &scope, id)).await? else {
        return Err(access.refuse_as_not_found(&who.principal, "POST", &path.0).await);
    };
    Ok(Err((
        status,
        page(
            Some(site),
            "Esito dell'appuntamento",
            Some(&who.principal),
            html! {
                nav.breadcrumb aria-label="Percorso" { a href="/agenda" { "Agenda" } " › " a href={ "/destinatari/" (a.recipient_id) } { (a.recipient) } " › Esito" }
                h1 { "Esito dell'appuntamento del " (show_stamp(&a.starts_at)) }
                p { a href={ "/destinatari/" (a.recipient_id) "#appuntamenti" } { "Torna alla scheda (mostra i dati salvati)" } }
                (error_summary(&errors))
                (outcome_form(&a, &form, &errors, &token))
            },
        ),
    )))
}

pub fn routes() -> Vec<Route> {
    routes![create, record_outcome]
}

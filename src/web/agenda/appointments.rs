//! Fixing an appointment from the scheda destinatario, and recording its outcome.

use maud::{Markup, html};
use rocket::http::Status;
use rocket::response::Redirect;
use rocket::{Route, State, post, routes};

use crate::access::RecipientScope;
use crate::config::AgendaSection;
use crate::domain::appointment::{OutcomeDraft, show_stamp};
use crate::domain::audit_views::{AgendaViewed, RecipientViewed};
use crate::domain::ids::{AppointmentId, RecipientId};
use crate::error::AppError;
use crate::repo::appointments::{self};
use crate::repo::recipients;
use crate::service;
use crate::service::appointments::choices;
use crate::web::ctx::Ctx;
use crate::web::forms::{FormToken, error_summary, field_errors};
use crate::web::guards::Operatore;
use crate::web::views::agenda::{EsitoForm, NewForm, new_form, outcome_form};

#[post("/destinatari/<id>/appuntamenti", data = "<form>")]
async fn create(
    who: Operatore,
    ctx: Ctx<'_>,
    id: RecipientId,
    form: crate::web::forms::Checked<NewForm>,
    token: FormToken,
    settings: &State<AgendaSection>,
) -> Result<Result<Redirect, (Status, Markup)>, AppError> {
    let (now, scope, draft, days) = (ctx.now, who.scope.clone(), form.draft(), settings.backdate_days);
    let written = ctx.write_or_404(move |tx| service::appointments::create(tx, now, &scope, days, id, &draft)).await;
    let e = match written {
        Ok(_) => return Ok(Ok(Redirect::to(format!("/destinatari/{id}#appuntamenti")))),
        Err(e) => e,
    };
    let status = if matches!(e, AppError::Conflict(_)) { Status::Conflict } else { Status::UnprocessableEntity };
    let errors = field_errors(e)?;
    let scope = RecipientScope::Provider(who.scope.clone());
    let (cf, choices) = ctx
        .read_or_404(scope, move |c, scope| {
            let Some(r) = recipients::get(c, scope, id)? else { return Ok(None) };
            Ok(Some((r.codice_fiscale, choices(c, scope)?)))
        })
        .await?;
    // The form draws the provider's tutors again: audited before it is drawn, as the scheda it
    // comes from is.
    ctx.audit_view(who.scope.actor(), &RecipientViewed { recipient: id, cf: &cf, via: None }).await?;
    Ok(Err((
        status,
        ctx.page(
            "Nuovo appuntamento",
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
    ctx: Ctx<'_>,
    id: AppointmentId,
    form: crate::web::forms::Checked<EsitoForm>,
    token: FormToken,
) -> Result<Result<Redirect, (Status, Markup)>, AppError> {
    let draft = OutcomeDraft { esito: form.esito.clone(), nota: form.nota.clone(), version: form.version };
    let (now, scope) = (ctx.now, who.scope.clone());
    let written = ctx.write_or_404(move |tx| service::appointments::record_outcome(tx, now, &scope, id, &draft)).await;
    let e = match written {
        Ok(done) => return Ok(Ok(Redirect::to(format!("/destinatari/{}#appuntamenti", done.recipient)))),
        Err(e) => e,
    };
    let status = if matches!(e, AppError::Conflict(_)) { Status::Conflict } else { Status::UnprocessableEntity };
    let errors = field_errors(e)?;
    let a = ctx.read_or_404(who.scope.clone(), move |c, scope| appointments::get(c, scope, id)).await?;
    // The form names the person again: audited before it is drawn, like the scheda it comes from.
    let event = AgendaViewed::RefusedOutcome { recipient: a.recipient_id, appointment: id, refused: true };
    ctx.audit_view(who.scope.actor(), &event).await?;
    Ok(Err((
        status,
        ctx.page(
            "Esito dell'appuntamento",
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

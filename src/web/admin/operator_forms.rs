//! The forms on an operator's page that change the account: variation, disable, re-enable,
//! technical exemption. Drawn on the page; when refused, drawn again on a page of their own
//! with what was typed, the summary of errors on top (linked to the fields) and each field's
//! message: 422 for invalid data, 409 when the account changed meanwhile.

use maud::{Markup, html};
use rocket::form::FromForm;
use rocket::http::Status;
use rocket::response::Redirect;
use rocket::{Route, post, routes};

use crate::domain::audit_event::Actor;
use crate::domain::audit_views::OperatorViewed;
use crate::domain::communication::{Communication, CommunicationKind};
use crate::domain::ids::{CommunicationId, OperatorId, ProviderId, SedeId};
use crate::domain::operator::DisableReason;
use crate::domain::sede::{Sede, chosen_sedi};
use crate::error::{AppError, FieldError};
use crate::repo::{communications, operators, providers};
use crate::service;
use crate::web::ctx::Ctx;
use crate::web::forms::{
    FormToken, error_summary, error_summary_in, field_errors, select, select_in, text_field, textarea_in, token_field,
};
use crate::web::guards::Regione;
use crate::web::views::admin::communication_options;

/// What the forms offer to choose from: the provider's sedi and written communications.
pub struct FormChoices {
    pub sedi: Vec<Sede>,
    pub comms: Vec<Communication>,
}

impl FormChoices {
    pub async fn read(ctx: &Ctx<'_>, provider: Option<ProviderId>) -> Result<Self, AppError> {
        ctx.read(move |c| {
            let sedi = match provider {
                Some(p) => providers::sedi(c, p)?,
                None => Vec::new(),
            };
            Ok(FormChoices { sedi, comms: communications::of_provider(c, provider)? })
        })
        .await
    }
    fn enabling(&self) -> Vec<(String, String)> {
        communication_options(&self.comms, &[CommunicationKind::Abilitazione, CommunicationKind::Variazione])
    }
    fn revoking(&self) -> Vec<(String, String)> {
        communication_options(&self.comms, &[CommunicationKind::Revoca, CommunicationKind::Variazione])
    }
}

fn comm_value(c: Option<CommunicationId>) -> String {
    c.map(|c| c.to_string()).unwrap_or_default()
}

#[derive(Debug, Clone, Default, FromForm)]
pub struct VariationForm {
    pub version: i64,
    #[field(default = String::new())]
    pub email: String,
    #[field(default = String::new())]
    pub role_title: String,
    /// As sent: checked by `chosen_sedi`, so a value that is no sede is refused, not dropped.
    pub sedi: Vec<String>,
    pub communication_id: Option<CommunicationId>,
}

impl VariationForm {
    fn has_sede(&self, id: SedeId) -> bool {
        self.sedi.iter().any(|v| v.trim() == id.to_string())
    }
}

pub fn variation_form(
    id: OperatorId,
    f: &VariationForm,
    ch: &FormChoices,
    errors: &[FieldError],
    token: &FormToken,
) -> Markup {
    let sedi_error = errors.iter().find(|e| e.field == "sedi");
    html! {
        form.stack method="post" action={ "/regione/operatori/" (id) "/variazione" } novalidate {
            (error_summary(errors))
            (token_field(token))
            input type="hidden" name="version" value=(f.version);
            (text_field("email", "Email", &f.email, errors, "email", true))
            (text_field("role_title", "Ruolo ricoperto", &f.role_title, errors, "text", true))
            @if !ch.sedi.is_empty() {
                fieldset #f-sedi .field.has-error[sedi_error.is_some()] aria-describedby=[sedi_error.map(|_| "f-sedi-errore")] {
                    legend { "Sedi operative assegnate" }
                    @for s in ch.sedi.iter().filter(|s| !s.closed || f.has_sede(s.id)) {
                        div.field.check {
                            input id={ "sede-" (s.id) } type="checkbox" name="sedi" value=(s.id) checked[f.has_sede(s.id)];
                            label for={ "sede-" (s.id) } { (s.address) ", " (s.comune) @if s.closed { " (chiusa)" } }
                        }
                    }
                    @if let Some(e) = sedi_error { p.field-error #f-sedi-errore { (e.message) } }
                }
            }
            (select("communication_id", "Comunicazione di riferimento (se c'è)", &comm_value(f.communication_id), &ch.enabling(), errors))
            button.button type="submit" { "Salva la variazione" }
        }
    }
}

#[derive(Debug, Clone, Default, FromForm)]
pub struct DisableForm {
    #[field(default = String::new())]
    pub kind: String,
    #[field(default = String::new())]
    pub reason: String,
    pub communication_id: Option<CommunicationId>,
}

/// The operator's page holds the variation form and the disabling (or re-enabling) form, both
/// with a communication, and the exemption form, with a reason: each keeps its own ids.
const DISABLE_IDS: &str = "f-disable-";
const REENABLE_IDS: &str = "f-reenable-";
const EXEMPTION_IDS: &str = "f-exemption-";

pub fn disable_form(
    id: OperatorId,
    f: &DisableForm,
    ch: &FormChoices,
    errors: &[FieldError],
    token: &FormToken,
) -> Markup {
    let reasons: Vec<(String, String)> = std::iter::once((String::new(), "— scegliere —".to_owned()))
        .chain(DisableReason::ALL.iter().map(|r| (r.code().to_owned(), r.label().to_owned())))
        .collect();
    html! {
        form.stack method="post" action={ "/regione/operatori/" (id) "/disabilita" } novalidate {
            (error_summary_in(DISABLE_IDS, errors))
            (token_field(token))
            (select_in(DISABLE_IDS, "kind", "Motivo", &f.kind, &reasons, errors))
            (textarea_in(DISABLE_IDS, "reason", "Descrizione del motivo", &f.reason, errors, true))
            (select_in(DISABLE_IDS, "communication_id", "Comunicazione di riferimento (se c'è)", &comm_value(f.communication_id), &ch.revoking(), errors))
            button.button.danger type="submit" { "Disabilita" }
        }
    }
}

#[derive(Debug, Clone, Default, FromForm)]
pub struct EnableAgainForm {
    #[field(default = String::new())]
    pub reason: String,
    pub communication_id: Option<CommunicationId>,
}

pub fn reenable_form(
    id: OperatorId,
    f: &EnableAgainForm,
    ch: &FormChoices,
    errors: &[FieldError],
    token: &FormToken,
) -> Markup {
    html! {
        form.stack method="post" action={ "/regione/operatori/" (id) "/riabilita" } novalidate {
            (error_summary_in(REENABLE_IDS, errors))
            (token_field(token))
            (textarea_in(REENABLE_IDS, "reason", "Motivo", &f.reason, errors, true))
            (select_in(REENABLE_IDS, "communication_id", "Comunicazione scritta del soggetto", &comm_value(f.communication_id), &ch.enabling(), errors))
            button.button type="submit" { "Riabilita" }
        }
    }
}

#[derive(Debug, Clone, Default, FromForm)]
pub struct ExemptionForm {
    /// True to grant the exemption, false to revoke it.
    pub on: bool,
    #[field(default = String::new())]
    pub reason: String,
}

pub fn exemption_form(id: OperatorId, f: &ExemptionForm, errors: &[FieldError], token: &FormToken) -> Markup {
    html! {
        form.stack method="post" action={ "/regione/operatori/" (id) "/esenzione" } novalidate {
            (error_summary_in(EXEMPTION_IDS, errors))
            (token_field(token))
            input type="hidden" name="on" value=(if f.on { "true" } else { "false" });
            p { "Solo per utenze autorizzate preventivamente alla sola gestione tecnica (Allegato B, punto 7)." }
            (textarea_in(EXEMPTION_IDS, "reason", "Motivo e autorizzazione", &f.reason, errors, true))
            button.button type="submit" { "Conferma" }
        }
    }
}

/// A refused form again, on its own page, under the operator's name: the operator's record
/// is shown again, so the view is audited before it is drawn (as the detail page does).
async fn refused(
    ctx: &Ctx<'_>,
    actor: &Actor,
    id: OperatorId,
    what: &str,
    e: AppError,
    form: impl FnOnce(&FormChoices, &[FieldError]) -> Markup,
) -> Result<(Status, Markup), AppError> {
    let status = if matches!(e, AppError::Conflict(_)) { Status::Conflict } else { Status::UnprocessableEntity };
    let errors = field_errors(e)?;
    let o = ctx.read(move |c| operators::row(c, id)?.ok_or(AppError::NotFound)).await?;
    let ch = FormChoices::read(ctx, o.provider_id).await?;
    ctx.audit_view(actor, &OperatorViewed { operator: id, via: None }).await?;
    let who = format!("{} {}", o.name, o.surname);
    Ok((
        status,
        ctx.page(
            &format!("{what} — {who}"),
            html! {
                nav.breadcrumb aria-label="Percorso" {
                    a href="/regione/operatori" { "Operatori" } " › " a href={ "/regione/operatori/" (id) } { (who) }
                }
                h1 { (what) " — " (who) }
                (form(&ch, &errors))
            },
        ),
    ))
}

type Answer = Result<Result<Redirect, (Status, Markup)>, AppError>;

#[post("/regione/operatori/<id>/variazione", data = "<form>")]
async fn vary(
    who: Regione,
    ctx: Ctx<'_>,
    id: OperatorId,
    form: crate::web::forms::Checked<VariationForm>,
    token: FormToken,
) -> Answer {
    let f = form.into_inner();
    let (now, authority, typed) = (ctx.now, who.scope.authority(), f.clone());
    let done = match chosen_sedi(f.sedi.iter().map(String::as_str)) {
        Err(e) => Err(AppError::Invalid(vec![e])),
        Ok(sedi) => {
            ctx.write(move |tx| {
                let v = service::operators::Variation {
                    version: typed.version,
                    email: &typed.email,
                    role_title: &typed.role_title,
                    sedi: Some(&sedi),
                    communication: typed.communication_id,
                };
                service::operators::vary(tx, now, &authority, id, &v)
            })
            .await
        }
    };
    match done {
        Ok(()) => Ok(Ok(Redirect::to(format!("/regione/operatori/{id}?esito=salvato")))),
        Err(e) => {
            let page = refused(&ctx, who.scope.actor(), id, "Variazione", e, |ch, errors| {
                variation_form(id, &f, ch, errors, &token)
            });
            Ok(Err(page.await?))
        }
    }
}

#[post("/regione/operatori/<id>/disabilita", data = "<form>")]
async fn disable(
    who: Regione,
    ctx: Ctx<'_>,
    id: OperatorId,
    form: crate::web::forms::Checked<DisableForm>,
    token: FormToken,
) -> Answer {
    let f = form.into_inner();
    let (now, authority, typed) = (ctx.now, who.scope.authority(), f.clone());
    let kind = DisableReason::from_code(&f.kind);
    let done = ctx
        .write(move |tx| {
            service::operators::disable(tx, now, &authority, id, kind, &typed.reason, typed.communication_id)
        })
        .await;
    match done {
        Ok(()) => Ok(Ok(Redirect::to(format!("/regione/operatori/{id}?esito=disabilitato")))),
        Err(e) => {
            let page = refused(&ctx, who.scope.actor(), id, "Disabilita l'utenza", e, |ch, errors| {
                disable_form(id, &f, ch, errors, &token)
            });
            Ok(Err(page.await?))
        }
    }
}

#[post("/regione/operatori/<id>/riabilita", data = "<form>")]
async fn reenable(
    who: Regione,
    ctx: Ctx<'_>,
    id: OperatorId,
    form: crate::web::forms::Checked<EnableAgainForm>,
    token: FormToken,
) -> Answer {
    let f = form.into_inner();
    let (now, authority, typed) = (ctx.now, who.scope.authority(), f.clone());
    let done = ctx
        .write(move |tx| service::operators::reenable(tx, now, &authority, id, &typed.reason, typed.communication_id))
        .await;
    match done {
        Ok(()) => Ok(Ok(Redirect::to(format!("/regione/operatori/{id}?esito=abilitato")))),
        Err(e) => {
            let page = refused(&ctx, who.scope.actor(), id, "Riabilita l'utenza", e, |ch, errors| {
                reenable_form(id, &f, ch, errors, &token)
            });
            Ok(Err(page.await?))
        }
    }
}

#[post("/regione/operatori/<id>/esenzione", data = "<form>")]
async fn exemption(
    who: Regione,
    ctx: Ctx<'_>,
    id: OperatorId,
    form: crate::web::forms::Checked<ExemptionForm>,
    token: FormToken,
) -> Answer {
    let f = form.into_inner();
    let (now, authority, typed) = (ctx.now, who.scope.authority(), f.clone());
    let done =
        ctx.write(move |tx| service::operators::set_exemption(tx, now, &authority, id, typed.on, &typed.reason)).await;
    match done {
        Ok(()) => Ok(Ok(Redirect::to(format!("/regione/operatori/{id}?esito=esenzione")))),
        Err(e) => {
            let what = if f.on { "Concedi l'esenzione" } else { "Revoca l'esenzione" };
            let page =
                refused(&ctx, who.scope.actor(), id, what, e, |_, errors| exemption_form(id, &f, errors, &token));
            Ok(Err(page.await?))
        }
    }
}

pub fn routes() -> Vec<Route> {
    routes![vary, disable, reenable, exemption]
}

//! Soggetti accreditati: list, create, edit, suspend/reactivate, sedi.

use crate::domain::audit_views::{ProviderViewed, ProvidersListed};
use crate::domain::italian::count;

use maud::{Markup, html};
use rocket::form::FromForm;
use rocket::http::Status;
use rocket::response::Redirect;
use rocket::{Route, get, post, routes};

use crate::domain::ids::{ProviderId, SedeId};
use crate::domain::provider::{Provider, ProviderDraft, ProviderStatus};
use crate::domain::sede::{Sede, SedeDraft};
use crate::domain::text::italian_date;
use crate::error::{AppError, FieldError};
use crate::infra::clock::format_it;
use crate::repo::{communications, operators, providers};
use crate::service;
use crate::web::ctx::Ctx;
use crate::web::forms::{
    FormToken, error_summary, error_summary_in, field_errors, text_field, text_field_in, textarea, token_field,
};
use crate::web::guards::{AdminReader, Regione};
use crate::web::views::admin::{Esito, communication_form, notice, state_label};
use crate::web::views::pager::{pager, q};

/// What the provider form posts.
#[derive(Debug, Clone, Default, FromForm)]
pub struct ProviderForm {
    #[field(default = String::new())]
    pub name: String,
    #[field(default = String::new())]
    pub codice_fiscale: String,
    #[field(default = String::new())]
    pub accreditation_code: String,
    #[field(default = String::new())]
    pub pec: String,
    #[field(default = String::new())]
    pub registered_office: String,
    #[field(default = String::new())]
    pub contact_person: String,
    #[field(default = String::new())]
    pub codice_ente_promotore: String,
    pub version: Option<i64>,
}

impl From<&ProviderForm> for ProviderDraft {
    fn from(f: &ProviderForm) -> Self {
        ProviderDraft {
            name: f.name.clone(),
            codice_fiscale: f.codice_fiscale.clone(),
            accreditation_code: f.accreditation_code.clone(),
            pec: f.pec.clone(),
            registered_office: f.registered_office.clone(),
            contact_person: f.contact_person.clone(),
            codice_ente_promotore: f.codice_ente_promotore.clone(),
        }
    }
}

#[get("/regione/soggetti?<cerca>&<pagina>")]
async fn list(who: AdminReader, ctx: Ctx<'_>, cerca: Option<String>, pagina: Option<i64>) -> Result<Markup, AppError> {
    let query = cerca.unwrap_or_default();
    let page_no = pagina.unwrap_or(0).max(0);
    let search = query.clone();
    let (rows, total) = ctx.read(move |c| providers::search(c, &search, page_no)).await?;
    ctx.audit_view(who.scope.actor(), &ProvidersListed::Screen { q: &query, page: page_no }).await?;
    let base = format!("/regione/soggetti?cerca={}", q(&query));
    Ok(ctx.page(
        "Soggetti accreditati",
        html! {
            h1 { "Soggetti accreditati" }
            form.search method="get" action="/regione/soggetti" role="search" {
                label for="cerca" { "Cerca per denominazione, codice fiscale o codice di accreditamento" }
                input #cerca type="search" name="cerca" value=(query);
                button.button type="submit" { "Cerca" }
            }
            @if who.scope.can_write() {
                p { a.button href="/regione/soggetti/nuovo" { "Nuovo soggetto accreditato" } }
            }
            table.data {
                caption { (count(total, "soggetto", "soggetti")) }
                thead { tr { th scope="col" { "Denominazione" } th scope="col" { "Codice fiscale / P.IVA" } th scope="col" { "Accreditamento" } th scope="col" { "Stato" } th scope="col" { "Operatori attivi" } th scope="col" { "Destinatari" } } }
                tbody {
                    @for p in &rows {
                        tr {
                            td { a href={ "/regione/soggetti/" (p.id) } { (p.name) } }
                            td { code { (p.codice_fiscale) } }
                            td { (p.accreditation_code) }
                            td { span.badge.suspended[p.status == ProviderStatus::Suspended] { (p.status.label()) } }
                            td.num { (p.active_operators) }
                            td.num { (p.recipients) }
                        }
                    }
                }
            }
            (pager(&base, page_no, total))
        },
    ))
}

fn provider_form(action: &str, f: &ProviderForm, errors: &[FieldError], token: &FormToken) -> Markup {
    html! {
        (error_summary(errors))
        form.stack method="post" action=(action) novalidate {
            (token_field(token))
            @if let Some(v) = f.version { input type="hidden" name="version" value=(v); }
            (text_field("name", "Denominazione", &f.name, errors, "text", true))
            (text_field("codice_fiscale", "Codice fiscale o partita IVA", &f.codice_fiscale, errors, "text", true))
            (text_field("accreditation_code", "Codice di accreditamento", &f.accreditation_code, errors, "text", true))
            (text_field("pec", "PEC", &f.pec, errors, "email", true))
            (text_field("registered_office", "Sede legale", &f.registered_office, errors, "text", false))
            (text_field("contact_person", "Referente", &f.contact_person, errors, "text", false))
            (text_field("codice_ente_promotore", "Codice ente promotore per IDOL (11 caratteri; vuoto: la partita IVA)", &f.codice_ente_promotore, errors, "text", false))
            button.button type="submit" { "Salva" }
        }
    }
}

#[get("/regione/soggetti/nuovo")]
fn new_form(_who: Regione, ctx: Ctx<'_>, token: FormToken) -> Markup {
    ctx.page(
        "Nuovo soggetto accreditato",
        html! {
            h1 { "Nuovo soggetto accreditato" }
            (provider_form("/regione/soggetti", &<ProviderForm as Default>::default(), &[], &token))
        },
    )
}

/// A form shown again with its errors (422), nothing stored.
fn form_again(ctx: &Ctx<'_>, title: &str, body: Markup) -> (Status, Markup) {
    (Status::UnprocessableEntity, ctx.page(title, body))
}

#[post("/regione/soggetti", data = "<form>")]
async fn create(
    who: Regione,
    ctx: Ctx<'_>,
    form: crate::web::forms::Checked<ProviderForm>,
    token: FormToken,
) -> Result<Result<Redirect, (Status, Markup)>, AppError> {
    let again = |errors: Vec<FieldError>| {
        form_again(
            &ctx,
            "Nuovo soggetto accreditato",
            html! {
                h1 { "Nuovo soggetto accreditato" }
                (provider_form("/regione/soggetti", &form, &errors, &token))
            },
        )
    };
    let valid = match ProviderDraft::from(&*form).validate() {
        Ok(v) => v,
        Err(errors) => return Ok(Err(again(errors))),
    };
    let (now, authority) = (ctx.now, who.scope.authority());
    match ctx.write(move |tx| service::providers::create(tx, now, &authority, &valid)).await {
        Ok(id) => Ok(Ok(Redirect::to(format!("/regione/soggetti/{id}?esito=creato")))),
        Err(e) => Ok(Err(again(field_errors(e)?))),
    }
}

fn sede_rows(sedi: &[Sede], can_write: bool, provider: ProviderId, token: Option<&FormToken>) -> Markup {
    html! {
        table.data {
            caption { "Sedi operative" }
            thead { tr { th scope="col" { "Indirizzo" } th scope="col" { "Comune" } th scope="col" { "Telefono" } th scope="col" { "Orari" } th scope="col" { "Stato" } @if can_write { th scope="col" { "Azioni" } } } }
            tbody {
                @for s in sedi {
                    tr.closed[s.closed] {
                        td { (s.address) } td { (s.comune) } td { (s.phone) } td { (s.opening_hours) }
                        td {
                            @if s.closed { "chiusa" }
                            @else if s.temporarily_closed { "temporaneamente chiusa" }
                            @else if s.programme_enabled { "attiva per il programma" }
                            @else { "non abilitata al programma" }
                        }
                        @if can_write {
                            td {
                                @if let Some(token) = token {
                                    @if !s.closed {
                                        details.add-form {
                                            summary { "Modifica" }
                                            (sede_edit_form(s.id, &SedeForm::of(s), &[], token))
                                        }
                                        form.inline method="post" action={ "/regione/sedi/" (s.id) "/chiudi" } {
                                            (token_field(token))
                                            input type="hidden" name="provider" value=(provider);
                                            button.button.secondary type="submit" { "Chiudi sede" }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

#[get("/regione/soggetti/<id>?<esito>")]
async fn detail(
    who: AdminReader,
    ctx: Ctx<'_>,
    id: ProviderId,
    esito: Option<Esito>,
    token: FormToken,
) -> Result<Markup, AppError> {
    let data = ctx
        .read(move |c| {
            let p = providers::get(c, id)?.ok_or(AppError::NotFound)?;
            let sedi = providers::sedi(c, id)?;
            let ops = operators::of_provider(c, id)?;
            let comms = communications::of_provider(c, Some(id))?;
            let history = providers::events(c, id)?;
            Ok((p, sedi, ops, comms, history))
        })
        .await?;
    let (p, sedi, ops, comms, history) = data;
    ctx.audit_view(who.scope.actor(), &ProviderViewed::Screen { provider: id }).await?;
    let can_write = who.scope.can_write();
    Ok(ctx.page(
        &p.name,
        html! {
            nav.breadcrumb aria-label="Percorso" { a href="/regione/soggetti" { "Soggetti accreditati" } " › " (p.name) }
            (notice(esito))
            h1 { (p.name) }
            (provider_facts(&p))
            @if can_write {
                p.actions {
                    a.button href={ "/regione/soggetti/" (id) "/modifica" } { "Modifica dati" } " "
                    a.button href={ "/regione/operatori/nuovo?soggetto=" (id) } { "Abilita un operatore" }
                }
                (suspend_form(&p, "", &[], &token))
            }
            h2 { "Operatori" }
            table.data {
                thead { tr { th scope="col" { "Cognome e nome" } th scope="col" { "Codice fiscale" } th scope="col" { "Ruolo" } th scope="col" { "Stato" } th scope="col" { "Ultimo accesso" } } }
                tbody {
                    @for o in &ops {
                        tr {
                            td { a href={ "/regione/operatori/" (o.id) } { (o.surname) " " (o.name) } }
                            td { code { (o.codice_fiscale) } }
                            td { (o.role_title) }
                            td { (state_label(&o.state)) }
                            td { (o.last_access_at.map(format_it).unwrap_or_else(|| "mai".into())) }
                        }
                    }
                }
            }
            h2 { "Sedi operative" }
            (sede_rows(&sedi, can_write, id, Some(&token)))
            @if can_write { (sede_form(id, &<SedeForm as Default>::default(), &[], &token)) }
            h2 { "Comunicazioni scritte" }
            table.data {
                thead { tr { th scope="col" { "Data" } th scope="col" { "Protocollo" } th scope="col" { "Tipo" } th scope="col" { "Documento" } } }
                tbody {
                    @for c in &comms {
                        tr {
                            td { (italian_date(&c.received_on)) }
                            td { (c.protocol) }
                            td { (c.kind.label()) }
                            td { a href={ "/regione/comunicazioni/" (c.id) "/documento" } { "scarica" } }
                        }
                    }
                }
            }
            @if can_write { (communication_form(Some(id), &Default::default(), &[], &token)) }
            h2 { "Storia" }
            ul.history {
                @for (at, kind, reason, by) in &history {
                    li { (format_it(*at)) " — " (provider_event_label(kind)) @if !reason.is_empty() { ": " (reason) } " — " (by) }
                }
            }
        },
    ))
}

fn provider_event_label(kind: &str) -> &str {
    match kind {
        "created" => "registrato",
        "updated" => "dati modificati",
        "suspended" => "sospeso",
        "reactivated" => "riattivato",
        other => other,
    }
}

fn provider_facts(p: &Provider) -> Markup {
    html! {
        dl.facts {
            dt { "Stato" } dd { span.badge.suspended[p.status == ProviderStatus::Suspended] { (p.status.label()) } }
            dt { "Codice fiscale / P.IVA" } dd { code { (p.codice_fiscale) } }
            dt { "Codice di accreditamento" } dd { (p.accreditation_code) }
            dt { "PEC" } dd { (p.pec) }
            dt { "Sede legale" } dd { (p.registered_office) }
            dt { "Referente" } dd { (p.contact_person) }
            dt { "Codice ente promotore (IDOL)" } dd {
                @if p.codice_ente_promotore.is_empty() {
                    strong { "non impostato" } ": le azioni del soggetto non si possono registrare finché la Regione non lo indica (modifica il soggetto)"
                } @else { code { (p.codice_ente_promotore) } }
            }
            dt { "Operatori attivi" } dd { (p.active_operators) }
            dt { "Destinatari" } dd { (p.recipients) }
            dt { "Registrato il" } dd { (format_it(p.created_at)) }
        }
    }
}

fn suspend_form(p: &Provider, reason: &str, errors: &[FieldError], token: &FormToken) -> Markup {
    let (action, label, help) = match p.status {
        ProviderStatus::Active => (
            "sospendi",
            "Sospendi il soggetto",
            "Tutti i suoi operatori perdono subito l'accesso; lo stato delle singole utenze non cambia.",
        ),
        ProviderStatus::Suspended => {
            ("riattiva", "Riattiva il soggetto", "I suoi operatori attivi riottengono l'accesso.")
        }
    };
    html! {
        details.danger-zone open[!errors.is_empty()] {
            summary { (label) }
            form.stack method="post" action={ "/regione/soggetti/" (p.id) "/" (action) } novalidate {
                (error_summary(errors))
                (token_field(token))
                p { (help) }
                (textarea("reason", "Motivo", reason, errors, true))
                button.button.danger type="submit" { (label) }
            }
        }
    }
}

#[get("/regione/soggetti/<id>/modifica")]
async fn edit_form(_who: Regione, ctx: Ctx<'_>, id: ProviderId, token: FormToken) -> Result<Markup, AppError> {
    let p = ctx.read(move |c| providers::get(c, id)?.ok_or(AppError::NotFound)).await?;
    let form = ProviderForm {
        name: p.name.clone(),
        codice_fiscale: p.codice_fiscale.clone(),
        accreditation_code: p.accreditation_code.clone(),
        pec: p.pec.clone(),
        registered_office: p.registered_office.clone(),
        contact_person: p.contact_person.clone(),
        codice_ente_promotore: p.codice_ente_promotore.clone(),
        version: Some(p.version),
    };
    Ok(ctx.page(
        "Modifica soggetto",
        html! {
            h1 { "Modifica: " (p.name) }
            (provider_form(&format!("/regione/soggetti/{id}"), &form, &[], &token))
        },
    ))
}

#[post("/regione/soggetti/<id>", data = "<form>")]
async fn update(
    who: Regione,
    ctx: Ctx<'_>,
    id: ProviderId,
    form: crate::web::forms::Checked<ProviderForm>,
    token: FormToken,
) -> Result<Result<Redirect, (Status, Markup)>, AppError> {
    let action = format!("/regione/soggetti/{id}");
    let again = |errors: Vec<FieldError>| {
        form_again(
            &ctx,
            "Modifica soggetto",
            html! {
                h1 { "Modifica soggetto accreditato" }
                (provider_form(&action, &form, &errors, &token))
            },
        )
    };
    let valid = match ProviderDraft::from(&*form).validate() {
        Ok(v) => v,
        Err(errors) => return Ok(Err(again(errors))),
    };
    let version = form.version.unwrap_or(0);
    let (now, authority) = (ctx.now, who.scope.authority());
    match ctx.write(move |tx| service::providers::update(tx, now, &authority, id, version, &valid)).await {
        Ok(()) => Ok(Ok(Redirect::to(format!("/regione/soggetti/{id}?esito=salvato")))),
        Err(e) => Ok(Err(again(field_errors(e)?))),
    }
}

#[derive(Debug, FromForm)]
struct ReasonForm {
    #[field(default = String::new())]
    reason: String,
}

/// Suspends or reactivates; refused (no reason, already in that state), the form comes back
/// on its own page with the reason typed and the message.
async fn set_suspended(
    who: &Regione,
    id: ProviderId,
    suspend: bool,
    reason: String,
    ctx: &Ctx<'_>,
    token: &FormToken,
) -> Result<Result<Redirect, (Status, Markup)>, AppError> {
    let (now, authority, typed) = (ctx.now, who.scope.authority(), reason.clone());
    match ctx.write(move |tx| service::providers::set_suspended(tx, now, &authority, id, suspend, &typed)).await {
        Ok(()) => {
            let esito = if suspend { "sospeso" } else { "riattivato" };
            Ok(Ok(Redirect::to(format!("/regione/soggetti/{id}?esito={esito}"))))
        }
        Err(e) => {
            let status =
                if matches!(e, AppError::Conflict(_)) { Status::Conflict } else { Status::UnprocessableEntity };
            let errors = field_errors(e)?;
            let p = ctx.read(move |c| providers::get(c, id)?.ok_or(AppError::NotFound)).await?;
            let body = html! {
                nav.breadcrumb aria-label="Percorso" {
                    a href="/regione/soggetti" { "Soggetti accreditati" } " › " a href={ "/regione/soggetti/" (id) } { (p.name) }
                }
                h1 { (p.name) }
                (suspend_form(&p, &reason, &errors, token))
            };
            Ok(Err((status, ctx.page(&p.name, body))))
        }
    }
}

#[post("/regione/soggetti/<id>/sospendi", data = "<form>")]
async fn suspend(
    who: Regione,
    ctx: Ctx<'_>,
    id: ProviderId,
    form: crate::web::forms::Checked<ReasonForm>,
    token: FormToken,
) -> Result<Result<Redirect, (Status, Markup)>, AppError> {
    set_suspended(&who, id, true, form.into_inner().reason, &ctx, &token).await
}

#[post("/regione/soggetti/<id>/riattiva", data = "<form>")]
async fn reactivate(
    who: Regione,
    ctx: Ctx<'_>,
    id: ProviderId,
    form: crate::web::forms::Checked<ReasonForm>,
    token: FormToken,
) -> Result<Result<Redirect, (Status, Markup)>, AppError> {
    set_suspended(&who, id, false, form.into_inner().reason, &ctx, &token).await
}

#[derive(Debug, Clone, Default, FromForm)]
pub struct SedeForm {
    #[field(default = String::new())]
    address: String,
    #[field(default = String::new())]
    comune: String,
    #[field(default = String::new())]
    phone: String,
    #[field(default = String::new())]
    opening_hours: String,
    programme_enabled: bool,
    temporarily_closed: bool,
}

impl SedeForm {
    /// The form filled with a stored sede.
    fn of(s: &Sede) -> Self {
        SedeForm {
            address: s.address.clone(),
            comune: s.comune.clone(),
            phone: s.phone.clone(),
            opening_hours: s.opening_hours.clone(),
            programme_enabled: s.programme_enabled,
            temporarily_closed: s.temporarily_closed,
        }
    }
}

/// The ids of one sede's edit form: the provider's page holds one such form per sede.
fn sede_ids(id: SedeId) -> String {
    format!("f-sede-{id}-")
}

/// The edit form of one sede (on the provider's page, and again on its own when refused).
fn sede_edit_form(id: SedeId, f: &SedeForm, errors: &[FieldError], token: &FormToken) -> Markup {
    let ids = sede_ids(id);
    html! {
        form.stack method="post" action={ "/regione/sedi/" (id) } novalidate {
            (error_summary_in(&ids, errors))
            (token_field(token))
            (text_field_in(&ids, "address", "Indirizzo", &f.address, errors, "text", true))
            (text_field_in(&ids, "comune", "Comune", &f.comune, errors, "text", true))
            (text_field_in(&ids, "phone", "Telefono", &f.phone, errors, "tel", false))
            (text_field_in(&ids, "opening_hours", "Orari di apertura", &f.opening_hours, errors, "text", false))
            div.field.check { input id={ (ids) "programme_enabled" } type="checkbox" name="programme_enabled" value="true" checked[f.programme_enabled]; label for={ (ids) "programme_enabled" } { "Abilitata per il programma" } }
            div.field.check { input id={ (ids) "temporarily_closed" } type="checkbox" name="temporarily_closed" value="true" checked[f.temporarily_closed]; label for={ (ids) "temporarily_closed" } { "Temporaneamente chiusa" } }
            button.button type="submit" { "Salva" }
        }
    }
}

/// A refused edit or closing of a sede: the sede's form again, with what was typed and why.
fn sede_again(
    ctx: &Ctx<'_>,
    sede: &Sede,
    title: &str,
    f: &SedeForm,
    e: AppError,
    token: &FormToken,
) -> Result<(Status, Markup), AppError> {
    let status = if matches!(e, AppError::Conflict(_)) { Status::Conflict } else { Status::UnprocessableEntity };
    let errors = field_errors(e)?;
    let body = html! {
        nav.breadcrumb aria-label="Percorso" {
            a href="/regione/soggetti" { "Soggetti accreditati" } " › " a href={ "/regione/soggetti/" (sede.provider) } { "Soggetto" }
        }
        h1 { (title) " — " (sede.address) ", " (sede.comune) }
        (sede_edit_form(sede.id, f, &errors, token))
    };
    Ok((status, ctx.page(title, body)))
}

fn sede_form(provider: ProviderId, f: &SedeForm, errors: &[FieldError], token: &FormToken) -> Markup {
    html! {
        details.add-form open[!errors.is_empty()] {
            summary { "Aggiungi una sede operativa" }
            (error_summary(errors))
            form.stack method="post" action={ "/regione/soggetti/" (provider) "/sedi" } novalidate {
                (token_field(token))
                (text_field("address", "Indirizzo", &f.address, errors, "text", true))
                (text_field("comune", "Comune", &f.comune, errors, "text", true))
                (text_field("phone", "Telefono", &f.phone, errors, "tel", false))
                (text_field("opening_hours", "Orari di apertura", &f.opening_hours, errors, "text", false))
                div.field.check { input #f-programme_enabled type="checkbox" name="programme_enabled" value="true" checked; label for="f-programme_enabled" { "Abilitata per il programma" } }
                div.field.check { input #f-temporarily_closed type="checkbox" name="temporarily_closed" value="true"; label for="f-temporarily_closed" { "Temporaneamente chiusa" } }
                button.button type="submit" { "Aggiungi sede" }
            }
        }
    }
}

#[post("/regione/soggetti/<id>/sedi", data = "<form>")]
async fn add_sede(
    who: Regione,
    ctx: Ctx<'_>,
    id: ProviderId,
    form: crate::web::forms::Checked<SedeForm>,
    token: FormToken,
) -> Result<Result<Redirect, (Status, Markup)>, AppError> {
    let draft = SedeDraft {
        address: form.address.clone(),
        comune: form.comune.clone(),
        phone: form.phone.clone(),
        opening_hours: form.opening_hours.clone(),
        programme_enabled: form.programme_enabled,
        temporarily_closed: form.temporarily_closed,
        closed: false,
    };
    let again = |errors: Vec<FieldError>| {
        form_again(&ctx, "Nuova sede", html! { h1 { "Nuova sede operativa" } (sede_form(id, &form, &errors, &token)) })
    };
    let valid = match draft.validate() {
        Ok(v) => v,
        Err(errors) => return Ok(Err(again(errors))),
    };
    let (now, authority) = (ctx.now, who.scope.authority());
    match ctx.write(move |tx| service::providers::add_sede(tx, now, &authority, id, &valid)).await {
        Ok(_) => Ok(Ok(Redirect::to(format!("/regione/soggetti/{id}?esito=salvato")))),
        Err(e) => Ok(Err(again(field_errors(e)?))),
    }
}

/// Editing a sede: address, phone, hours, enabled for the programme, temporarily closed.
#[post("/regione/sedi/<id>", data = "<form>")]
async fn update_sede(
    who: Regione,
    ctx: Ctx<'_>,
    id: SedeId,
    form: crate::web::forms::Checked<SedeForm>,
    token: FormToken,
) -> Result<Result<Redirect, (Status, Markup)>, AppError> {
    let sede = ctx.read(move |c| providers::sede(c, id)?.ok_or(AppError::NotFound)).await?;
    let draft = SedeDraft {
        address: form.address.clone(),
        comune: form.comune.clone(),
        phone: form.phone.clone(),
        opening_hours: form.opening_hours.clone(),
        programme_enabled: form.programme_enabled,
        temporarily_closed: form.temporarily_closed,
        closed: sede.closed,
    };
    let valid = match draft.validate() {
        Ok(v) => v,
        Err(errors) => {
            return Ok(Err(sede_again(&ctx, &sede, "Modifica della sede", &form, AppError::Invalid(errors), &token)?));
        }
    };
    let (now, authority) = (ctx.now, who.scope.authority());
    match ctx.write(move |tx| service::providers::update_sede(tx, now, &authority, id, &valid)).await {
        Ok(()) => Ok(Ok(Redirect::to(format!("/regione/soggetti/{}?esito=salvato", sede.provider)))),
        Err(e) => Ok(Err(sede_again(&ctx, &sede, "Modifica della sede", &form, e, &token)?)),
    }
}

/// Closing a sede keeps it (and its history); it only leaves new choices. Refused (a sede
/// stored before today's rules that no longer validates), its form comes back to be fixed.
#[post("/regione/sedi/<id>/chiudi")]
async fn close_sede(
    who: Regione,
    ctx: Ctx<'_>,
    id: SedeId,
    token: FormToken,
) -> Result<Result<Redirect, (Status, Markup)>, AppError> {
    let sede = ctx.read(move |c| providers::sede(c, id)?.ok_or(AppError::NotFound)).await?;
    let draft = SedeDraft {
        address: sede.address.clone(),
        comune: sede.comune.clone(),
        phone: sede.phone.clone(),
        opening_hours: sede.opening_hours.clone(),
        programme_enabled: false,
        temporarily_closed: sede.temporarily_closed,
        closed: true,
    };
    let stored = SedeForm::of(&sede);
    let valid = match draft.validate() {
        Ok(v) => v,
        Err(errors) => {
            return Ok(Err(sede_again(
                &ctx,
                &sede,
                "Chiusura della sede",
                &stored,
                AppError::Invalid(errors),
                &token,
            )?));
        }
    };
    let (now, authority) = (ctx.now, who.scope.authority());
    match ctx.write(move |tx| service::providers::update_sede(tx, now, &authority, id, &valid)).await {
        Ok(()) => Ok(Ok(Redirect::to(format!("/regione/soggetti/{}?esito=salvato", sede.provider)))),
        Err(e) => Ok(Err(sede_again(&ctx, &sede, "Chiusura della sede", &stored, e, &token)?)),
    }
}

pub fn routes() -> Vec<Route> {
    routes![list, new_form, create, detail, edit_form, update, suspend, reactivate, add_sede, update_sede, close_sede]
}

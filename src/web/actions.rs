//! Policy actions on screen: the form of each type (A06, B03, C06, C07), an action with its
//! history of events, and the form for the next event. Operators of the recipient's provider
//! write; the Region reads. Another provider's action is an audited 404.

use std::collections::HashMap;
use std::sync::Arc;

use maud::{Markup, html};
use rocket::form::FromForm;
use rocket::fs::TempFile;
use rocket::http::Status;
use rocket::response::Redirect;
use rocket::{Route, State, get, post, routes};

use crate::domain::audit_views::ActionViewed;
use crate::domain::ids::ActionId;
use crate::domain::ids::RecipientId;
use crate::domain::policy_action::{ActionInput, ActionType, DURATION_UNITS, DetailField, Kind, detail_fields};
use crate::domain::policy_event;
use crate::domain::text::italian_date;
use crate::error::{AppError, FieldError};
use crate::infra::clock::{format_it, local_date};
use crate::repo::actions::{self, Action, EventRow};
use crate::repo::codes::{self, Labels};
use crate::service::actions::{EventInput, add_event, record};
use crate::service::identificativo::Issuer;
use crate::service::signed_programmes::store;
use crate::web::ctx::Ctx;
use crate::web::forms::{FormToken, error_summary, field_errors, select, text_field, textarea, token_field};
use crate::web::guards::{Operatore, RecipientReader};
use crate::web::uploads::inspect_upload;
use crate::web::views::documents::file_field;

/// The action form as posted: the national fields, `dettagli.<name>` for the type, and the
/// signed programme (optional) as `file`.
#[derive(FromForm)]
pub struct ActionForm<'r> {
    #[field(default = String::new())]
    tipo_attivita: String,
    #[field(default = String::new())]
    titolo_denominazione: String,
    #[field(default = String::new())]
    data_proposta: String,
    #[field(default = String::new())]
    data_inizio: String,
    #[field(default = String::new())]
    data_fine: String,
    #[field(default = String::new())]
    durata: String,
    #[field(default = String::new())]
    tipologia_durata: String,
    #[field(default = String::new())]
    descrizione: String,
    #[field(default = String::new())]
    titolo_progetto: String,
    #[field(default = String::new())]
    evento: String,
    #[field(default = String::new())]
    data_evento: String,
    dettagli: HashMap<String, String>,
    file: Option<TempFile<'r>>,
}

impl ActionForm<'_> {
    fn input(&self) -> ActionInput {
        ActionInput {
            tipo_attivita: self.tipo_attivita.clone(),
            titolo_denominazione: self.titolo_denominazione.clone(),
            data_proposta: self.data_proposta.clone(),
            data_inizio: self.data_inizio.clone(),
            data_fine: self.data_fine.clone(),
            durata: self.durata.clone(),
            tipologia_durata: self.tipologia_durata.clone(),
            descrizione: self.descrizione.clone(),
            titolo_progetto: self.titolo_progetto.clone(),
            evento: self.evento.clone(),
            data_evento: self.data_evento.clone(),
            dettagli: self.dettagli.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        }
    }
}

/// Every page here shows the person's name at least: the read is audited like any other.
async fn audit_form_view(ctx: &Ctx<'_>, who: &Operatore, event: &ActionViewed<'_>) -> Result<(), AppError> {
    ctx.audit_view(who.scope.actor(), event).await
}

/// What the form needs besides the values: labels and the provider's operators.
struct FormData {
    recipient: String,
    labels: Labels,
    operators: Vec<(String, String)>,
}

async fn form_data(ctx: &Ctx<'_>, who: &Operatore, id: RecipientId) -> Result<Option<FormData>, AppError> {
    let scope = crate::access::RecipientScope::Provider(who.scope.clone());
    let provider = who.scope.provider();
    ctx.read(move |c| {
        let Some(r) = crate::repo::recipients::get(c, &scope, id)? else { return Ok(None) };
        Ok(Some(FormData {
            recipient: format!("{} {}", r.cognome, r.nome),
            labels: codes::labels(c)?,
            operators: actions::operator_cfs(c, provider)?,
        }))
    })
    .await
}

fn options(pairs: impl IntoIterator<Item = (String, String)>, empty: Option<&str>) -> Vec<(String, String)> {
    empty.map(|e| (String::new(), e.to_owned())).into_iter().chain(pairs).collect()
}

fn detail_input(f: &DetailField, value: &str, errors: &[FieldError], operators: &[(String, String)]) -> Markup {
    let name = format!("dettagli.{}", f.name);
    match f.kind {
        Kind::LongText(_) => textarea(&name, f.label, value, errors, f.required),
        Kind::Date => text_field(&name, f.label, value, errors, "date", f.required),
        Kind::Choice(choices) => {
            let opts = options(choices.iter().map(|(c, l)| ((*c).to_owned(), (*l).to_owned())), Some("— scegliere —"));
            select(&name, f.label, value, &opts, errors)
        }
        Kind::Operator => {
            let opts =
                options(operators.iter().map(|(cf, n)| (cf.clone(), format!("{n} ({cf})"))), Some("— scegliere —"));
            select(&name, f.label, value, &opts, errors)
        }
        Kind::Text(_) | Kind::Hours(_) | Kind::Count(..) | Kind::Company => {
            text_field(&name, f.label, value, errors, "text", f.required)
        }
    }
}

fn action_form(
    id: RecipientId,
    tipo: ActionType,
    f: &ActionInput,
    errors: &[FieldError],
    token: &FormToken,
    data: &FormData,
    max_upload: usize,
) -> Markup {
    let labels = &data.labels;
    let events = options(policy_event::INITIAL.iter().map(|c| ((*c).to_owned(), labels.show("evento", c))), None);
    let units =
        options(DURATION_UNITS.iter().map(|u| ((*u).to_owned(), labels.label("tipologia_durata", u))), Some("—"));
    let projects = options(
        labels.codes("titolo_progetto").into_iter().map(|c| (c.clone(), labels.show("titolo_progetto", &c))),
        Some("— nessuno —"),
    );
    let title_required = matches!(tipo, ActionType::C06 | ActionType::C07);
    html! {
        (error_summary(errors))
        form.stack method="post" action={ "/destinatari/" (id) "/azioni" } enctype="multipart/form-data" novalidate {
            (token_field(token))
            input type="hidden" name="tipo_attivita" value=(tipo.code());
            fieldset {
                legend { "Dati della politica (sezione VI della SAP)" }
                (text_field("titolo_denominazione", "Titolo / denominazione", &f.titolo_denominazione, errors, "text", title_required))
                (text_field("data_proposta", "Data della proposta", &f.data_proposta, errors, "date", true))
                (text_field("data_inizio", "Data di inizio (anche prevista)", &f.data_inizio, errors, "date", tipo == ActionType::C06))
                (text_field("data_fine", "Data di fine (solo per un'azione già terminata)", &f.data_fine, errors, "date", false))
                (text_field("durata", "Durata", &f.durata, errors, "text", false))
                (select("tipologia_durata", "Unità della durata", &f.tipologia_durata, &units, errors))
                (textarea("descrizione", "Descrizione", &f.descrizione, errors, tipo == ActionType::C06))
                (select("titolo_progetto", "Titolo del progetto", &f.titolo_progetto, &projects, errors))
            }
            fieldset {
                legend { "Dettagli di " (labels.show("tipo_attivita", tipo.code())) }
                @for d in detail_fields(tipo) {
                    (detail_input(d, f.dettagli.get(d.name).map(String::as_str).unwrap_or_default(), errors, &data.operators))
                }
            }
            fieldset {
                legend { "Stato dell'azione" }
                (select("evento", "Evento", &f.evento, &events, errors))
                (text_field("data_evento", "Data dell'evento", &f.data_evento, errors, "date", true))
            }
            fieldset {
                legend { "Programma firmato (facoltativo)" }
                (file_field(errors, max_upload, false))
            }
            button.button type="submit" { "Registra l'azione" }
        }
    }
}

/// The choice of the action's type. It is the `tipo_attivita` field of the form (a hidden
/// input holds the choice), so a refusal naming that field links here.
fn type_choice(id: RecipientId, tipo: Option<ActionType>, labels: &Labels) -> Markup {
    html! {
        nav #f-tipo_attivita tabindex="-1" aria-label="Tipo di azione" {
            ul.inline {
                @for t in ActionType::ALL {
                    li { a.button.secondary[Some(t) != tipo] href={ "/destinatari/" (id) "/azioni/nuova?tipo=" (t.code()) } aria-current=[(Some(t) == tipo).then_some("page")] { (labels.show("tipo_attivita", t.code())) } }
                }
            }
        }
    }
}

#[get("/destinatari/<id>/azioni/nuova?<tipo>")]
async fn new_action(
    who: Operatore,
    ctx: Ctx<'_>,
    id: RecipientId,
    tipo: Option<String>,
    token: FormToken,
) -> Result<Markup, AppError> {
    let Some(data) = form_data(&ctx, &who, id).await? else { return Err(ctx.refuse().await) };
    let tipo = tipo.as_deref().and_then(ActionType::from_code);
    audit_form_view(&ctx, &who, &ActionViewed::Form { recipient: id, form: tipo.map(ActionType::code) }).await?;
    let today = crate::domain::text::iso(local_date(ctx.now));
    let form =
        ActionInput { data_proposta: today.clone(), data_evento: today, evento: "01".into(), ..Default::default() };
    let site = ctx.site;
    Ok(ctx.page(
        "Registra un'azione",
        html! {
            nav.breadcrumb aria-label="Percorso" { a href="/cruscotto" { "Cruscotto" } " › " a href={ "/destinatari/" (id) } { (data.recipient) } " › Nuova azione" }
            h1 { "Registra un'azione per " (data.recipient) }
            (type_choice(id, tipo, &data.labels))
            @if let Some(t) = tipo { (action_form(id, t, &form, &[], &token, &data, site.upload_max)) } @else { p { "Scegliere il tipo di azione." } }
        },
    ))
}

#[post("/destinatari/<id>/azioni", data = "<form>")]
async fn create(
    who: Operatore,
    ctx: Ctx<'_>,
    id: RecipientId,
    form: crate::web::forms::Checked<ActionForm<'_>>,
    token: FormToken,
    issuer: &State<Arc<Issuer>>,
) -> Result<Result<Redirect, (Status, Markup)>, AppError> {
    let site = ctx.site;
    let input = form.input();
    let errors = match inspect_upload(form.file.as_ref(), site.upload_max).await {
        Err(e) => field_errors(e)?,
        Ok(upload) => {
            let (scope, issuer, input, quota) =
                (who.scope.clone(), issuer.inner().clone(), input.clone(), site.upload_quota);
            // The action and its signed programme are stored together, or neither. The time is
            // taken under the write lock (the IDOL feed relies on it, see idol_export).
            let written = ctx
                .write_stamped_or_404(move |tx, now| {
                    let done = record(tx, now, &scope, &issuer, id, &input)?;
                    if let Some(up) = &upload {
                        store(tx, now, &scope, id, Some(done.id), up, quota)?;
                    }
                    Ok(done)
                })
                .await;
            match written {
                Ok(done) => return Ok(Ok(Redirect::to(format!("/destinatari/{id}/azioni/{}", done.id)))),
                Err(e) => field_errors(e)?,
            }
        }
    };
    let Some(data) = form_data(&ctx, &who, id).await? else { return Err(AppError::NotFound) };
    // The refused write left no audit row; the page shown again is a read.
    let event = ActionViewed::RefusedForm { recipient: id, form: &input.tipo_attivita, refused: errors.len() };
    audit_form_view(&ctx, &who, &event).await?;
    let chosen = ActionType::from_code(&input.tipo_attivita);
    let tipo = chosen.unwrap_or(ActionType::A06);
    Ok(Err((
        Status::UnprocessableEntity,
        ctx.page(
            "Registra un'azione",
            html! {
                h1 { "Registra un'azione per " (data.recipient) }
                (type_choice(id, chosen, &data.labels))
                (action_form(id, tipo, &input, &errors, &token, &data, site.upload_max))
            },
        ),
    )))
}

fn detail_value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => {
            crate::domain::text::parse_date(s).map_or_else(|| s.clone(), |_| italian_date(s))
        }
        serde_json::Value::Number(n) => n.to_string().replace('.', ","),
        other => other.to_string(),
    }
}

fn action_facts(a: &Action, labels: &Labels) -> Markup {
    let tipo = ActionType::from_code(&a.tipo_attivita);
    html! {
        dl.facts {
            dt { "Identificativo politica" } dd { code { (a.identificativo_politica) } }
            dt { "Tipo attività" } dd { (labels.show("tipo_attivita", &a.tipo_attivita)) }
            dt { "Titolo / denominazione" } dd { (a.titolo_denominazione) }
            dt { "Ente promotore" } dd { code { (a.codice_ente_promotore) } }
            dt { "Proposta" } dd { (italian_date(&a.data_proposta)) }
            dt { "Inizio" } dd { (a.data_inizio.as_deref().map(italian_date).unwrap_or_else(|| "—".into())) }
            dt { "Fine" } dd { (a.data_fine.as_deref().map(italian_date).unwrap_or_else(|| "—".into())) }
            dt { "Durata" } dd { @if let Some(d) = a.durata { (labels.duration(d, a.tipologia_durata.as_deref())) } @else { "—" } }
            dt { "Descrizione" } dd.pre { (a.descrizione) }
            dt { "Ultimo evento" } dd { strong { (labels.show("evento", &a.evento)) } " del " (italian_date(&a.data_evento)) }
            @if let Some(t) = tipo {
                @for f in detail_fields(t) {
                    @if let Some(v) = a.dettagli.get(f.name) {
                        dt { (f.label) }
                        dd { @match f.kind {
                            Kind::Choice(choices) => { (choices.iter().find(|(c, _)| Some(*c) == v.as_str()).map_or_else(|| detail_value(v), |(_, l)| (*l).to_owned())) }
                            _ => { (detail_value(v)) }
                        } }
                    }
                }
            }
        }
    }
}

fn history(events: &[EventRow], labels: &Labels) -> Markup {
    html! {
        table.data {
            caption { "Storia degli eventi" }
            thead { tr { th scope="col" { "Evento" } th scope="col" { "Data" } th scope="col" { "Nota" } th scope="col" { "Registrato il" } th scope="col" { "Da" } } }
            tbody {
                @for e in events {
                    tr { td { (labels.show("evento", &e.evento)) } td { (italian_date(&e.data_evento)) } td { (e.note) } td { (format_it(e.at)) } td { code { (e.by) } } }
                }
            }
        }
    }
}

fn event_form(
    id: RecipientId,
    a: &Action,
    input: &EventInput,
    errors: &[FieldError],
    token: &FormToken,
    labels: &Labels,
) -> Markup {
    let next = policy_event::event(&a.evento).map(|e| e.next).unwrap_or_default();
    let opts = options(next.iter().map(|c| ((*c).to_owned(), labels.show("evento", c))), Some("— scegliere —"));
    html! {
        @if next.is_empty() {
            p { "L'azione è chiusa: non si registrano altri eventi. Un errore materiale si corregge annullando l'azione (evento 06 o 07) prima della chiusura." }
        } @else {
            h2 { "Registra il prossimo evento" }
            (error_summary(errors))
            form.stack method="post" action={ "/destinatari/" (id) "/azioni/" (a.id) "/eventi" } novalidate {
                (token_field(token))
                input type="hidden" name="version" value=(input.version.unwrap_or(a.version));
                (select("evento", "Evento", &input.evento, &opts, errors))
                (text_field("data_evento", "Data dell'evento", &input.data_evento, errors, "date", true))
                (textarea("nota", "Nota", &input.nota, errors, false))
                button.button type="submit" { "Registra l'evento" }
            }
        }
    }
}

struct Loaded {
    action: Action,
    events: Vec<EventRow>,
    labels: Labels,
    recipient: String,
}

/// The action, if it is this recipient's and in the reader's scope; otherwise the audited 404.
async fn load(ctx: &Ctx<'_>, who: &RecipientReader, id: RecipientId, action: ActionId) -> Result<Loaded, AppError> {
    ctx.read_or_404(who.scope(), move |c, scope| {
        let Some(a) = actions::get(c, scope, action)? else { return Ok(None) };
        let Some(r) = crate::repo::recipients::get(c, scope, id)? else { return Ok(None) };
        if a.recipient != id {
            return Ok(None);
        }
        Ok(Some(Loaded {
            events: actions::events(c, &a.scoped)?,
            action: a,
            labels: codes::labels(c)?,
            recipient: format!("{} {}", r.cognome, r.nome),
        }))
    })
    .await
}

fn action_page(ctx: &Ctx<'_>, id: RecipientId, l: &Loaded, form: Markup) -> Markup {
    ctx.page(
        "Azione di politica attiva",
        html! {
            nav.breadcrumb aria-label="Percorso" { a href="/cruscotto" { "Cruscotto" } " › " a href={ "/destinatari/" (id) } { (l.recipient) } " › Azione " (l.action.identificativo_politica) }
            h1 { (l.labels.label("tipo_attivita", &l.action.tipo_attivita)) }
            (action_facts(&l.action, &l.labels))
            @if crate::service::actions::out_of_limits(&l.action.titolo_denominazione, &l.action.descrizione) {
                div.alert.alert-warning role="note" {
                    p { strong { "Da correggere per l'invio a IDOL." }
                        " Il titolo (al massimo 100 caratteri) o la descrizione (al massimo 250) superano i limiti dello schema nazionale: "
                        "l'azione non viene inviata finché non si correggono (il testo non viene tagliato)." }
                }
            }
            (history(&l.events, &l.labels))
            (form)
        },
    )
}

#[get("/destinatari/<id>/azioni/<action>")]
async fn show(
    who: RecipientReader,
    ctx: Ctx<'_>,
    id: RecipientId,
    action: ActionId,
    token: FormToken,
) -> Result<Markup, AppError> {
    let l = load(&ctx, &who, id, action).await?;
    let a = &l.action;
    let event =
        ActionViewed::Action { recipient: id, action: a.id, identificativo_politica: &a.identificativo_politica };
    ctx.audit_view(who.scope().actor(), &event).await?;
    let form = if who.is_region() {
        html! {}
    } else {
        html! {
            (correction_form(id, &l.action, None, &[], &token))
            (event_form(id, &l.action, &EventInput::default(), &[], &token, &l.labels))
        }
    };
    Ok(action_page(&ctx, id, &l, form))
}

/// The title and description to rewrite within the schema's limits, shown only while they
/// break them (or when a correction was refused).
fn correction_form(
    id: RecipientId,
    a: &crate::repo::actions::Action,
    posted: Option<&CorrectionForm>,
    errors: &[FieldError],
    token: &FormToken,
) -> Markup {
    if posted.is_none() && !crate::service::actions::out_of_limits(&a.titolo_denominazione, &a.descrizione) {
        return html! {};
    }
    let (titolo, descrizione) = match posted {
        Some(p) => (p.titolo_denominazione.clone(), p.descrizione.clone()),
        None => (a.titolo_denominazione.clone(), a.descrizione.clone()),
    };
    html! {
        h2 { "Correggi titolo e descrizione" }
        (error_summary(errors))
        form.stack method="post" action={ "/destinatari/" (id) "/azioni/" (a.id) "/correzione" } novalidate {
            (token_field(token))
            input type="hidden" name="version" value=(a.version);
            (text_field("titolo_denominazione", "Titolo / denominazione (al massimo 100 caratteri)", &titolo, errors, "text", a.tipo_attivita.starts_with('C')))
            div.field {
                label for="f-descrizione-corr" { "Descrizione (al massimo 250 caratteri; vuota: la descrizione del tipo di attività)" }
                textarea #f-descrizione-corr name="descrizione" rows="3" { (descrizione) }
            }
            button.button type="submit" { "Salva la correzione" }
        }
    }
}

#[derive(Debug, Clone, Default, FromForm)]
pub struct CorrectionForm {
    #[field(default = String::new())]
    titolo_denominazione: String,
    #[field(default = String::new())]
    descrizione: String,
    version: Option<i64>,
}

#[post("/destinatari/<id>/azioni/<action>/correzione", data = "<form>")]
async fn post_correction(
    who: Operatore,
    reader: RecipientReader,
    ctx: Ctx<'_>,
    id: RecipientId,
    action: ActionId,
    form: crate::web::forms::Checked<CorrectionForm>,
    token: FormToken,
) -> Result<Result<Redirect, (Status, Markup)>, AppError> {
    // The action must be this recipient's, in this provider's scope, before anything is written.
    let l = load(&ctx, &reader, id, action).await?;
    let input = crate::service::actions::CorrectionInput {
        titolo_denominazione: form.titolo_denominazione.clone(),
        descrizione: form.descrizione.clone(),
        version: form.version,
    };
    let scope = who.scope.clone();
    let written = ctx
        .write_stamped_or_404(move |tx, now| crate::service::actions::correct(tx, now, &scope, action, &input))
        .await;
    let errors = match written {
        Ok(_) => return Ok(Ok(Redirect::to(format!("/destinatari/{id}/azioni/{action}")))),
        Err(e) => field_errors(e)?,
    };
    let event = ActionViewed::RefusedEvent { recipient: id, action, refused: errors.len() };
    audit_form_view(&ctx, &who, &event).await?;
    let page_form = html! {
        (correction_form(id, &l.action, Some(&form), &errors, &token))
    };
    Ok(Err((Status::UnprocessableEntity, action_page(&ctx, id, &l, page_form))))
}

#[derive(Debug, Clone, Default, FromForm)]
pub struct EventForm {
    #[field(default = String::new())]
    evento: String,
    #[field(default = String::new())]
    data_evento: String,
    #[field(default = String::new())]
    nota: String,
    version: Option<i64>,
}

#[post("/destinatari/<id>/azioni/<action>/eventi", data = "<form>")]
async fn post_event(
    who: Operatore,
    reader: RecipientReader,
    ctx: Ctx<'_>,
    id: RecipientId,
    action: ActionId,
    form: crate::web::forms::Checked<EventForm>,
    token: FormToken,
) -> Result<Result<Redirect, (Status, Markup)>, AppError> {
    // The action must be this recipient's, in this provider's scope, before anything is written.
    let l = load(&ctx, &reader, id, action).await?;
    let input = EventInput {
        evento: form.evento.clone(),
        data_evento: form.data_evento.clone(),
        nota: form.nota.clone(),
        version: form.version,
    };
    let (scope, posted) = (who.scope.clone(), input.clone());
    let errors = match ctx.write_stamped_or_404(move |tx, now| add_event(tx, now, &scope, action, &posted)).await {
        Ok(_) => return Ok(Ok(Redirect::to(format!("/destinatari/{id}/azioni/{action}")))),
        Err(e) => field_errors(e)?,
    };
    let event = ActionViewed::RefusedEvent { recipient: id, action, refused: errors.len() };
    audit_form_view(&ctx, &who, &event).await?;
    let form = event_form(id, &l.action, &input, &errors, &token, &l.labels);
    Ok(Err((Status::UnprocessableEntity, action_page(&ctx, id, &l, form))))
}

pub fn routes() -> Vec<Route> {
    routes![new_action, create, show, post_event, post_correction]
}

//! `/destinatari/<id>/esito`: how the programme ends or pauses. The provider's operator records
//! it (hired, ended, dropped, lapsed, suspended, resumed); the Region reads it. Every record is
//! kept; a drop shows the unjustified absences and refusals that go to the CPI with it.

use crate::domain::italian::count;
use std::sync::Arc;

use maud::{Markup, html};
use rocket::form::FromForm;
use rocket::http::Status;
use rocket::response::Redirect;
use rocket::{Route, State, get, post, routes};
use rusqlite::Connection;
use serde_json::json;

use crate::access::{AccessControl, RecipientScope};
use crate::domain::appointment::{AppointmentOutcome, show_stamp};
use crate::domain::audit_event::{AuditEvent, View};
use crate::domain::ids::RecipientId;
use crate::domain::outcome::{Contract, OutcomeKind, ProgrammeOutcomeDraft};
use crate::domain::text::italian_date;
use crate::error::{AppError, FieldError};
use crate::infra::clock::{SharedClock, format_it};
use crate::repo::appointments::{self, AppointmentRow};
use crate::repo::codes::{self, Labels};
use crate::repo::outcomes::{self, OutcomeRow};
use crate::repo::pool::ReadPool;
use crate::repo::vouchers::{self, VoucherFacts};
use crate::repo::writer::Writer;
use crate::service;
use crate::web::Site;
use crate::web::agenda::outcome_label;
use crate::web::forms::{FormToken, error_summary, field_errors, select, text_field, textarea, token_field};
use crate::web::guards::{Operatore, RecipientReader};
use crate::web::recipients::{RequestPath, not_found};
use crate::web::views::layout::page;

pub struct Loaded {
    pub name: String,
    pub voucher: VoucherFacts,
    pub history: Vec<OutcomeRow>,
    /// Unjustified absences and refusals of this person (what a drop reports to the CPI).
    pub reportable: Vec<AppointmentRow>,
    labels: Labels,
}

pub fn load(c: &Connection, scope: &RecipientScope, id: RecipientId) -> Result<Option<Loaded>, AppError> {
    let Some(r) = crate::repo::recipients::get(c, scope, id)? else { return Ok(None) };
    let Some(voucher) = vouchers::current(c, scope, id)? else { return Ok(None) };
    let history = outcomes::history(c, voucher.id)?;
    let reportable = appointments::for_recipient(c, scope, id)?
        .into_iter()
        .filter(|a| a.outcome.as_deref().and_then(AppointmentOutcome::from_code).is_some_and(|o| o.reportable()))
        .collect();
    Ok(Some(Loaded {
        name: format!("{} {}", r.cognome, r.nome),
        voucher,
        history,
        reportable,
        labels: codes::labels(c)?,
    }))
}

/// "assunzione ... — tempo determinato, 12 mesi" for a history line.
pub fn describe(o: &OutcomeRow) -> String {
    let mut s = OutcomeKind::from_code(&o.kind).map_or_else(|| o.kind.clone(), |k| k.label().to_owned());
    if let Some(c) = o.contract.as_deref() {
        s.push_str(" — ");
        s.push_str(&Contract::from_code(c).map_or_else(|| c.to_owned(), |c| c.label().to_owned()));
        if let Some(m) = o.contract_months {
            s.push_str(&format!(", {}", count(m, "mese", "mesi")));
        }
    }
    s
}

#[derive(Debug, Clone, Default, FromForm)]
pub struct OutcomeForm {
    version: Option<i64>,
    #[field(default = String::new())]
    esito: String,
    #[field(default = String::new())]
    data: String,
    #[field(default = String::new())]
    datore_cf: String,
    #[field(default = String::new())]
    datore_nome: String,
    #[field(default = String::new())]
    contratto: String,
    #[field(default = String::new())]
    mesi: String,
    #[field(default = String::new())]
    ripresa: String,
    #[field(default = String::new())]
    nota: String,
}

impl OutcomeForm {
    fn draft(&self) -> ProgrammeOutcomeDraft {
        let mesi = self.mesi.trim();
        ProgrammeOutcomeDraft {
            esito: self.esito.clone(),
            data: self.data.clone(),
            datore_cf: self.datore_cf.clone(),
            datore_nome: self.datore_nome.clone(),
            contratto: self.contratto.clone(),
            // Something that is not a number is out of range, and said so on the field.
            mesi: if mesi.is_empty() { None } else { Some(mesi.parse().unwrap_or(0)) },
            ripresa: self.ripresa.clone(),
            nota: self.nota.clone(),
            version: self.version,
        }
    }
}

fn form(id: RecipientId, f: &OutcomeForm, errors: &[FieldError], token: &FormToken) -> Markup {
    let kinds: Vec<(String, String)> = std::iter::once((String::new(), "— scegliere —".to_owned()))
        .chain(OutcomeKind::ALL.iter().map(|k| (k.code().to_owned(), k.label().to_owned())))
        .collect();
    let contracts: Vec<(String, String)> = std::iter::once((String::new(), "—".to_owned()))
        .chain(Contract::ALL.iter().map(|c| (c.code().to_owned(), c.label().to_owned())))
        .collect();
    html! {
        (error_summary(errors))
        form.stack method="post" action={ "/destinatari/" (id) "/esito" } novalidate {
            (token_field(token))
            @if let Some(v) = f.version { input type="hidden" name="version" value=(v); }
            (select("esito", "Esito", &f.esito, &kinds, errors))
            (text_field("data", "Data dell'evento (assunzione, inizio del lavoro, conclusione, ripresa)", &f.data, errors, "date", true))
            fieldset {
                legend { "Assunzione o lavoro che sospende il programma" }
                (text_field("datore_cf", "Codice fiscale o partita IVA del datore di lavoro", &f.datore_cf, errors, "text", false))
                (text_field("datore_nome", "Denominazione del datore di lavoro", &f.datore_nome, errors, "text", false))
                (select("contratto", "Tipo di contratto", &f.contratto, &contracts, errors))
                (text_field("mesi", "Durata in mesi (tempo determinato, somministrazione)", &f.mesi, errors, "number", false))
                (text_field("ripresa", "Sospensione: data prevista di ripresa", &f.ripresa, errors, "date", false))
            }
            (textarea("nota", "Nota (per l'abbandono: il motivo, da segnalare al CPI)", &f.nota, errors, false))
            button.button type="submit" { "Registra l'esito" }
        }
    }
}

fn body(id: RecipientId, l: &Loaded, editor: Option<(&OutcomeForm, &[FieldError], &FormToken)>) -> Markup {
    let v = &l.voucher;
    html! {
        nav.breadcrumb aria-label="Percorso" { a href="/cruscotto" { "Cruscotto" } " › " a href={ "/destinatari/" (id) } { (l.name) } " › Esito" }
        h1 { "Esito del programma" }
        dl.facts {
            dt { "Destinatario" } dd { (l.name) " — " code { (v.codice_fiscale) } }
            dt { "Assegno" } dd { (v.code) }
            dt { "Stato" } dd { strong { (l.labels.label("stato_assegno", &v.state)) } }
            dt { "Programma" } dd {
                @match (&v.programme_start, &v.programme_end) {
                    (Some(s), Some(e)) => { "dal " (italian_date(s)) " al " (italian_date(e)) @if let Some(x) = &v.extended_until { ", prorogato al " (italian_date(x)) } }
                    _ => { "non ancora avviato" }
                }
            }
        }
        h2 { "Storia" }
        @if l.history.is_empty() { p { "Nessun esito registrato." } } @else {
            table.data {
                caption { "Esiti e sospensioni registrati (nessuno viene modificato o cancellato)" }
                thead { tr {
                    th scope="col" { "Data" } th scope="col" { "Esito" } th scope="col" { "Datore di lavoro" }
                    th scope="col" { "Ripresa prevista" } th scope="col" { "Nota" } th scope="col" { "Registrato" }
                } }
                tbody {
                    @for o in &l.history {
                        tr {
                            td { (italian_date(&o.event_date)) }
                            td { (describe(o)) }
                            td { @if !o.employer_cf.is_empty() { code { (o.employer_cf) } " " } (o.employer_name) }
                            td { (o.resume_on.as_deref().map(italian_date).unwrap_or_default()) }
                            td { (o.note) }
                            td { (format_it(o.at)) ", " (o.by_label) }
                        }
                    }
                }
            }
        }
        h2 { "Rifiuti e assenze ingiustificate" }
        p { "In caso di abbandono vanno segnalati al CPI con l'esito ("
            // The report is the provider's (operators only).
            @if editor.is_some() { a href="/agenda/segnalazioni" { "segnalazioni del mese" } } @else { "segnalazioni del mese" }
            ")." }
        @if l.reportable.is_empty() { p { "Nessuno." } } @else {
            ul { @for a in &l.reportable {
                li { (show_stamp(&a.starts_at)) " — " (l.labels.label("tipo_appuntamento", &a.kind)) ": "
                     strong { (outcome_label(a.outcome.as_deref())) } @if !a.outcome_note.is_empty() { " (" (a.outcome_note) ")" } }
            } }
        }
        @if let Some((f, errors, token)) = editor {
            h2 { "Registra un esito" }
            p { "L'assunzione chiude il programma con esito occupazionale; un lavoro a termine o in prova fino a sei mesi lo "
                "sospende (i giorni di sospensione si aggiungono alla scadenza alla ripresa)." }
            (form(id, f, errors, token))
        }
    }
}

#[get("/destinatari/<id>/esito")]
async fn view(
    who: RecipientReader,
    id: RecipientId,
    path: RequestPath,
    token: FormToken,
    pool: &State<Arc<ReadPool>>,
    access: &State<Arc<AccessControl>>,
    site: &State<Site>,
) -> Result<Markup, AppError> {
    let scope = who.scope();
    let Some(l) = pool.read(move |c| load(c, &scope, id)).await? else {
        return Err(not_found(access, &who, &path.0).await);
    };
    let detail = json!({ "cf": l.voucher.codice_fiscale, "state": l.voucher.state, "rows": l.history.len() });
    let event = AuditEvent::View { view: View::OutcomeView, object: Some(format!("recipient:{id}")), detail };
    access.audit(who.scope().actor().clone(), event).await?;
    let blank = OutcomeForm { version: Some(l.voucher.version), ..<OutcomeForm as Default>::default() };
    let editor = (!who.is_region()).then_some((&blank, &[][..], &token));
    Ok(page(Some(site), "Esito del programma", Some(&who.principal), body(id, &l, editor)))
}

#[post("/destinatari/<id>/esito", data = "<form>")]
async fn record(
    who: Operatore,
    id: RecipientId,
    path: RequestPath,
    form: crate::web::forms::Checked<OutcomeForm>,
    token: FormToken,
    pool: &State<Arc<ReadPool>>,
    access: &State<Arc<AccessControl>>,
    writer: &State<Writer>,
    clock: &State<SharedClock>,
    site: &State<Site>,
) -> Result<Result<Redirect, (Status, Markup)>, AppError> {
    // The time is taken under the write lock: the IDOL feed relies on it (see idol_export).
    let (clock, scope, draft) = (clock.inner().clone(), who.scope.clone(), form.draft());
    let e = match writer.write(move |tx| service::outcomes::record(tx, clock.now_ms(), &scope, id, &draft)).await {
        Ok(_) => return Ok(Ok(Redirect::to(format!("/destinatari/{id}/esito")))),
        Err(AppError::NotFound) => return Err(access.refuse_as_not_found(&who.principal, "POST", &path.0).await),
        Err(e) => e,
    };
    let status = if matches!(e, AppError::Conflict(_)) { Status::Conflict } else { Status::UnprocessableEntity };
    let errors = field_errors(e)?;
    let scope = RecipientScope::Provider(who.scope.clone());
    let Some(l) = pool.read(move |c| load(c, &scope, id)).await? else {
        return Err(access.refuse_as_not_found(&who.principal, "POST", &path.0).await);
    };
    let content = body(id, &l, Some((&form, &errors, &token)));
    Ok(Err((status, page(Some(site), "Esito del programma", Some(&who.principal), content))))
}

pub fn routes() -> Vec<Route> {
    routes![view, record]
}

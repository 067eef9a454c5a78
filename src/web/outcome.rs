//! `/destinatari/<id>/esito`: how the programme ends or pauses. The provider's operator records
//! it (hired, ended, dropped, lapsed, suspended, resumed); the Region reads it. Every record is
//! kept; a drop shows the unjustified absences and refusals that go to the CPI with it.

use maud::{Markup, html};
use rocket::form::FromForm;
use rocket::http::Status;
use rocket::response::Redirect;
use rocket::{Route, get, post, routes};

use crate::access::RecipientScope;
use crate::domain::appointment::show_stamp;
use crate::domain::audit_views::OutcomeViewed;
use crate::domain::ids::RecipientId;
use crate::domain::outcome::{Contract, OutcomeKind, ProgrammeOutcomeDraft};
use crate::domain::text::italian_date;
use crate::error::{AppError, FieldError};
use crate::infra::clock::format_it;
use crate::service;
use crate::service::outcomes::{Loaded, load};
use crate::web::ctx::Ctx;
use crate::web::forms::{FormToken, error_summary, field_errors, select, text_field, textarea, token_field};
use crate::web::guards::{Operatore, RecipientReader};
use crate::web::views::agenda::outcome_label;
use crate::web::views::options::choices;
use crate::web::views::outcome::describe;

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
    let kinds = choices("— scegliere —", OutcomeKind::ALL.iter().map(|k| (k.code(), k.label())));
    let contracts = choices("—", Contract::ALL.iter().map(|c| (c.code(), c.label())));
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
async fn view(who: RecipientReader, ctx: Ctx<'_>, id: RecipientId, token: FormToken) -> Result<Markup, AppError> {
    let l = ctx.read_or_404(who.scope(), move |c, scope| load(c, scope, id)).await?;
    let v = &l.voucher;
    let event = OutcomeViewed::Screen { recipient: id, cf: &v.codice_fiscale, state: &v.state, rows: l.history.len() };
    ctx.audit_view(who.scope().actor(), &event).await?;
    let blank = OutcomeForm { version: Some(l.voucher.version), ..<OutcomeForm as Default>::default() };
    let editor = (!who.is_region()).then_some((&blank, &[][..], &token));
    Ok(ctx.page("Esito del programma", body(id, &l, editor)))
}

#[post("/destinatari/<id>/esito", data = "<form>")]
async fn record(
    who: Operatore,
    ctx: Ctx<'_>,
    id: RecipientId,
    form: crate::web::forms::Checked<OutcomeForm>,
    token: FormToken,
) -> Result<Result<Redirect, (Status, Markup)>, AppError> {
    // The time is taken under the write lock: the IDOL feed relies on it (see idol_export).
    let (scope, draft) = (who.scope.clone(), form.draft());
    let e = match ctx.write_stamped_or_404(move |tx, now| service::outcomes::record(tx, now, &scope, id, &draft)).await
    {
        Ok(_) => return Ok(Ok(Redirect::to(format!("/destinatari/{id}/esito")))),
        Err(e) => e,
    };
    let status = if matches!(e, AppError::Conflict(_)) { Status::Conflict } else { Status::UnprocessableEntity };
    let errors = field_errors(e)?;
    let scope = RecipientScope::Provider(who.scope.clone());
    let l = ctx.read_or_404(scope, move |c, scope| load(c, scope, id)).await?;
    // The page shows the person's voucher and history again: audited as the GET is.
    let v = &l.voucher;
    let event = OutcomeViewed::Screen { recipient: id, cf: &v.codice_fiscale, state: &v.state, rows: l.history.len() };
    ctx.audit_view(who.scope.actor(), &event).await?;
    let content = body(id, &l, Some((&form, &errors, &token)));
    Ok(Err((status, ctx.page("Esito del programma", content))))
}

pub fn routes() -> Vec<Route> {
    routes![view, record]
}

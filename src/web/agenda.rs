//! The provider's agenda (`/agenda`), the report of unjustified absences and refusals for the
//! CPI (`/agenda/segnalazioni`, printable and CSV), and the appointments section of the scheda
//! destinatario with its forms. Operators only write for their own provider's people; another
//! provider's person or appointment is "not found", audited as a denied attempt.

use crate::domain::italian::count;
use std::sync::Arc;

use maud::{Markup, html};
use rocket::form::FromForm;
use rocket::http::Status;
use rocket::response::Redirect;
use rocket::{Route, State, get, post, routes};
use rusqlite::Connection;
use serde_json::json;
use time::{Date, Duration};

use crate::access::{AccessControl, RecipientScope};
use crate::config::AgendaSection;
use crate::domain::appointment::{AppointmentDraft, AppointmentOutcome, OutcomeDraft, show_stamp};
use crate::domain::audit_event::View;
use crate::domain::ids::{AppointmentId, OperatorId, RecipientId, SedeId};
use crate::domain::sede::Sede;
use crate::domain::text::{iso, italian_date, parse_date};
use crate::error::{AppError, FieldError};
use crate::infra::clock::{SharedClock, local_datetime};
use crate::repo::appointments::{self, AGENDA_LIMIT, AgendaFilter, AppointmentRow};
use crate::repo::codes::{self, Labels};
use crate::repo::operators::{self, OperatorRow};
use crate::repo::outcomes::{self, DroppedRow};
use crate::repo::pool::ReadPool;
use crate::repo::providers;
use crate::repo::writer::Writer;
use crate::service;
use crate::web::Site;
use crate::web::admin::q;
use crate::web::download::{Attachment, csv_download};
use crate::web::forms::{FormToken, error_summary, field_errors, select, text_field, token_field};
use crate::web::guards::Operatore;
use crate::web::recipients::RequestPath;
use crate::web::views::layout::page;

/// Label of an outcome code as stored (`None`: not recorded).
pub fn outcome_label(code: Option<&str>) -> &'static str {
    match code.and_then(AppointmentOutcome::from_code) {
        Some(o) => o.label(),
        None => "da registrare",
    }
}

fn outcome_options() -> Vec<(String, String)> {
    std::iter::once((String::new(), "— scegliere —".to_owned()))
        .chain(AppointmentOutcome::ALL.iter().map(|o| (o.code().to_owned(), o.label().to_owned())))
        .collect()
}

fn sede_options(sedi: &[Sede], empty: &str) -> Vec<(String, String)> {
    std::iter::once((String::new(), empty.to_owned()))
        .chain(sedi.iter().filter(|s| !s.closed).map(|s| (s.id.to_string(), format!("{}, {}", s.address, s.comune))))
        .collect()
}

fn tutor_options(tutors: &[OperatorRow], empty: &str) -> Vec<(String, String)> {
    std::iter::once((String::new(), empty.to_owned()))
        .chain(
            tutors
                .iter()
                .filter(|t| t.state == "active")
                .map(|t| (t.id.to_string(), format!("{} {}", t.name, t.surname))),
        )
        .collect()
}

/// What the form to fix an appointment offers.
pub struct Choices {
    pub kinds: Vec<(String, String)>,
    pub sedi: Vec<Sede>,
    pub tutors: Vec<OperatorRow>,
}

fn choices(c: &Connection, scope: &RecipientScope) -> Result<Choices, AppError> {
    let (sedi, tutors) = match scope.provider_filter() {
        Some(p) => (providers::sedi(c, p)?, operators::of_provider(c, p)?),
        None => (Vec::new(), Vec::new()),
    };
    Ok(Choices { kinds: appointments::kinds(c)?, sedi, tutors })
}

// --- the scheda's section -----------------------------------------------------------------

/// The appointments section of the scheda destinatario.
pub struct Section {
    rows: Vec<AppointmentRow>,
    choices: Choices,
    labels: Labels,
    can_edit: bool,
}

/// Reads what the section shows, inside the scheda's read.
pub fn load_section(c: &Connection, scope: &RecipientScope, id: RecipientId) -> Result<Section, AppError> {
    Ok(Section {
        rows: appointments::for_recipient(c, scope, id)?,
        choices: choices(c, scope)?,
        labels: codes::labels(c)?,
        can_edit: scope.provider_filter().is_some(),
    })
}

#[derive(Debug, Clone, Default, FromForm)]
pub struct NewForm {
    #[field(default = String::new())]
    data: String,
    #[field(default = String::new())]
    ora: String,
    #[field(default = String::new())]
    tipo: String,
    sede: Option<i64>,
    tutor: Option<i64>,
}

impl NewForm {
    fn draft(&self) -> AppointmentDraft {
        AppointmentDraft {
            data: self.data.clone(),
            ora: self.ora.clone(),
            tipo: self.tipo.clone(),
            sede: self.sede,
            tutor: self.tutor,
        }
    }
}

fn new_form(id: RecipientId, f: &NewForm, choices: &Choices, errors: &[FieldError], token: &FormToken) -> Markup {
    let kinds: Vec<(String, String)> =
        std::iter::once((String::new(), "— scegliere —".to_owned())).chain(choices.kinds.iter().cloned()).collect();
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    html! {
        (error_summary(errors))
        form.stack method="post" action={ "/destinatari/" (id) "/appuntamenti" } novalidate {
            (token_field(token))
            (text_field("data", "Data", &f.data, errors, "date", true))
            (text_field("ora", "Ora (ora italiana)", &f.ora, errors, "time", true))
            (select("tipo", "Tipo di appuntamento", &f.tipo, &kinds, errors))
            (select("sede", "Sede", &opt(f.sede), &sede_options(&choices.sedi, "quella dell'assegno"), errors))
            (select("tutor", "Tutor", &opt(f.tutor), &tutor_options(&choices.tutors, "il tutor della persona"), errors))
            button.button type="submit" { "Fissa l'appuntamento" }
        }
    }
}

fn outcome_form(a: &AppointmentRow, f: &EsitoForm, errors: &[FieldError], token: &FormToken) -> Markup {
    html! {
        form.stack method="post" action={ "/appuntamenti/" (a.id) "/esito" } novalidate {
            (token_field(token))
            input type="hidden" name="version" value=(f.version);
            (select("esito", "Esito", &f.esito, &outcome_options(), errors))
            (text_field("nota", "Nota (attività rifiutata, giustificativo ...)", &f.nota, errors, "text", false))
            button.button type="submit" { "Registra l'esito" }
        }
    }
}

/// The section itself: the appointments, an outcome form on each (operators), a new one.
pub fn section(id: RecipientId, s: &Section, token: &FormToken) -> Markup {
    html! {
        section #appuntamenti {
            h2 { "Appuntamenti" }
            p { "Il primo appuntamento " strong { "svolto" } " avvia i sei mesi del programma, se non è già avviato. "
                "Assenze ingiustificate e rifiuti finiscono nella "
                // The report is the provider's (operators only).
                @if s.can_edit { a href="/agenda/segnalazioni" { "segnalazione al CPI" } } @else { "segnalazione al CPI" }
                " del soggetto accreditato." }
            @if s.rows.is_empty() { p { "Nessun appuntamento registrato." } } @else {
                table.data {
                    caption { "Appuntamenti della persona" }
                    thead { tr {
                        th scope="col" { "Data e ora" } th scope="col" { "Tipo" } th scope="col" { "Sede" }
                        th scope="col" { "Tutor" } th scope="col" { "Esito" }
                        @if s.can_edit { th scope="col" { "Registra" } }
                    } }
                    tbody {
                        @for a in &s.rows {
                            tr {
                                td { (show_stamp(&a.starts_at)) }
                                td { (s.labels.label("tipo_appuntamento", &a.kind)) }
                                td { (a.sede.clone().unwrap_or_else(|| "—".into())) }
                                td { (a.tutor.clone().unwrap_or_else(|| "—".into())) }
                                td { (outcome_label(a.outcome.as_deref())) @if !a.outcome_note.is_empty() { br; small.note { (a.outcome_note) } } }
                                @if s.can_edit {
                                    td {
                                        details {
                                            summary { @if a.outcome.is_some() { "Correggi" } @else { "Registra l'esito" } }
                                            (outcome_form(a, &EsitoForm { esito: a.outcome.clone().unwrap_or_default(), nota: a.outcome_note.clone(), version: a.version }, &[], token))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if s.can_edit {
                details {
                    summary { "Fissa un nuovo appuntamento" }
                    (new_form(id, &<NewForm as Default>::default(), &s.choices, &[], token))
                }
            }
        }
    }
}

#[post("/destinatari/<id>/appuntamenti", data = "<form>")]
async fn create(
    who: Operatore,
    id: RecipientId,
    form: crate::web::forms::Checked<NewForm>,
    token: FormToken,
    pool: &State<Arc<ReadPool>>,
    access: &State<Arc<AccessControl>>,
    writer: &State<Writer>,
    clock: &State<SharedClock>,
    settings: &State<AgendaSection>,
    site: &State<Site>,
) -> Result<Result<Redirect, (Status, Markup)>, AppError> {
    let (now, scope, draft, days) = (clock.now_ms(), who.scope.clone(), form.draft(), settings.backdate_days);
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

#[derive(Debug, Clone, Default, FromForm)]
pub struct EsitoForm {
    #[field(default = String::new())]
    esito: String,
    #[field(default = String::new())]
    nota: String,
    #[field(default = 0)]
    version: i64,
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
    clock: &State<SharedClock>,
    site: &State<Site>,
) -> Result<Result<Redirect, (Status, Markup)>, AppError> {
    let draft = OutcomeDraft { esito: form.esito.clone(), nota: form.nota.clone(), version: form.version };
    let (now, scope) = (clock.now_ms(), who.scope.clone());
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

// --- the agenda -------------------------------------------------------------------------------

fn day_after(d: Date) -> String {
    iso(d.next_day().unwrap_or(d))
}

#[get("/agenda?<dal>&<al>&<sede>&<tutor>")]
async fn agenda(
    who: Operatore,
    dal: Option<String>,
    al: Option<String>,
    sede: Option<i64>,
    tutor: Option<i64>,
    pool: &State<Arc<ReadPool>>,
    access: &State<Arc<AccessControl>>,
    clock: &State<SharedClock>,
    site: &State<Site>,
) -> Result<Markup, AppError> {
    let now = local_datetime(clock.now_ms());
    let today = now.date();
    let from =
        dal.as_deref().and_then(parse_date).unwrap_or_else(|| today.checked_sub(Duration::days(7)).unwrap_or(today));
    let to = al
        .as_deref()
        .and_then(parse_date)
        .filter(|t| *t >= from)
        .unwrap_or_else(|| from.checked_add(Duration::days(37)).unwrap_or(from));
    // One year at most: the agenda is a working list, not an export.
    let to = to.min(from.checked_add(Duration::days(366)).unwrap_or(to));
    let filter = AgendaFilter {
        from: iso(from),
        until: day_after(to),
        sede: sede.filter(|s| *s > 0).map(SedeId::from_db),
        tutor: tutor.filter(|t| *t > 0).map(OperatorId::from_db),
    };
    let (scope, f) = (who.scope.clone(), filter.clone());
    let (rows, choices, labels) = pool
        .read(move |c| {
            let rows = appointments::agenda(c, &scope, &f)?;
            Ok((rows, choices(c, &RecipientScope::Provider(scope))?, codes::labels(c)?))
        })
        .await?;
    let detail =
        json!({ "from": filter.from, "until": filter.until, "sede": sede, "tutor": tutor, "rows": rows.len() });
    let object = Some(format!("provider:{}", who.scope.provider()));
    let shown = distinct(rows.iter().map(|r| r.recipient_id.get()));
    access.audit_list(who.scope.actor().clone(), View::AgendaView, object, detail, shown).await?;
    let now_stamp = crate::domain::appointment::local_stamp(now);
    let opt = |v: Option<i64>| v.filter(|v| *v > 0).map(|v| v.to_string()).unwrap_or_default();
    Ok(page(
        Some(site),
        "Agenda",
        Some(&who.principal),
        html! {
            h1 { "Agenda degli appuntamenti" }
            p.lead { "Gli appuntamenti del soggetto accreditato, in ora italiana. Per fissarne uno, aprire la scheda della persona dal "
                a href="/cruscotto" { "cruscotto" } "." }
            p { a.button.secondary href="/agenda/segnalazioni" { "Assenze ingiustificate e rifiuti da segnalare al CPI" } }
            form.search method="get" action="/agenda" role="search" {
                (text_field("dal", "Dal", &iso(from), &[], "date", false))
                (text_field("al", "Al", &iso(to), &[], "date", false))
                (select("sede", "Sede", &opt(sede), &sede_options(&choices.sedi, "tutte"), &[]))
                (select("tutor", "Tutor", &opt(tutor), &tutor_options(&choices.tutors, "tutti"), &[]))
                button.button type="submit" { "Filtra" }
            }
            table.data {
                caption { (count(rows.len(), "appuntamento", "appuntamenti")) " dal " (italian_date(&iso(from))) " al " (italian_date(&iso(to)))
                    @if rows.len() as i64 >= AGENDA_LIMIT { " (primi " (AGENDA_LIMIT) ": restringere il periodo)" } }
                thead { tr {
                    th scope="col" { "Data e ora" } th scope="col" { "Destinatario" } th scope="col" { "Tipo" }
                    th scope="col" { "Sede" } th scope="col" { "Tutor" } th scope="col" { "Esito" }
                } }
                tbody {
                    @for a in &rows {
                        tr {
                            td { (show_stamp(&a.starts_at)) }
                            td { a href={ "/destinatari/" (a.recipient_id) "#appuntamenti" } { (a.recipient) } br; code { (a.codice_fiscale) } }
                            td { (labels.label("tipo_appuntamento", &a.kind)) }
                            td { (a.sede.clone().unwrap_or_else(|| "—".into())) }
                            td { (a.tutor.clone().unwrap_or_else(|| "—".into())) }
                            td {
                                @if a.outcome.is_none() && a.starts_at > now_stamp { "in programma" }
                                @else { (outcome_label(a.outcome.as_deref())) }
                            }
                        }
                    }
                }
            }
        },
    ))
}

// --- the report to the CPI ----------------------------------------------------------------------

/// `yyyy-mm` to the month's first day and the next month's first day.
fn month_range(mese: Option<&str>, today: Date) -> (Date, Date) {
    let first = mese
        .and_then(|m| parse_date(&format!("{}-01", m.trim())))
        .unwrap_or_else(|| today.replace_day(1).unwrap_or(today));
    (first, crate::domain::appointment::add_months(first, 1))
}

pub(crate) struct Report {
    pub first: Date,
    pub next: Date,
    pub rows: Vec<AppointmentRow>,
    pub dropped: Vec<DroppedRow>,
    pub labels: Labels,
}

/// The month's absences, refusals and drops to report to the CPI (screen, CSV and API).
pub(crate) async fn report_data(
    who: &Operatore,
    mese: Option<&str>,
    pool: &Arc<ReadPool>,
    clock: &SharedClock,
) -> Result<Report, AppError> {
    let (first, next) = month_range(mese, local_datetime(clock.now_ms()).date());
    let scope = who.scope.clone();
    let (from, until) = (iso(first), iso(next));
    let (rows, dropped, labels) = pool
        .read(move |c| {
            Ok((
                appointments::reportable(c, &scope, &from, &until)?,
                outcomes::dropped(c, &scope, &from, &until)?,
                codes::labels(c)?,
            ))
        })
        .await?;
    Ok(Report { first, next, rows, dropped, labels })
}

pub(crate) async fn audit_report(
    access: &AccessControl,
    who: &Operatore,
    r: &Report,
    format: &str,
) -> Result<(), AppError> {
    let detail = json!({ "month": iso(r.first), "rows": r.rows.len(), "dropped": r.dropped.len(), "format": format });
    let object = Some(format!("provider:{}", who.scope.provider()));
    let shown =
        distinct(r.rows.iter().map(|a| a.recipient_id.get()).chain(r.dropped.iter().map(|d| d.recipient_id.get())));
    access.audit_list(who.scope.actor().clone(), View::RefusalReport, object, detail, shown).await
}

/// Each person once, in the order first shown.
pub(crate) fn distinct(ids: impl Iterator<Item = i64>) -> Vec<i64> {
    let mut seen = std::collections::HashSet::new();
    ids.filter(|id| seen.insert(*id)).collect()
}

#[get("/agenda/segnalazioni?<mese>")]
async fn report(
    who: Operatore,
    mese: Option<String>,
    pool: &State<Arc<ReadPool>>,
    access: &State<Arc<AccessControl>>,
    clock: &State<SharedClock>,
    site: &State<Site>,
) -> Result<Markup, AppError> {
    let r = report_data(&who, mese.as_deref(), pool, clock).await?;
    audit_report(access, &who, &r, "html").await?;
    let first_iso = iso(r.first);
    let month = first_iso.get(..7).unwrap_or_default();
    let provider = who.principal.operator().provider.as_ref().map(|p| p.name.clone()).unwrap_or_default();
    Ok(page(
        Some(site),
        "Segnalazioni al CPI",
        Some(&who.principal),
        html! {
            nav.breadcrumb aria-label="Percorso" { a href="/agenda" { "Agenda" } " › Segnalazioni al CPI" }
            article.print-module {
                p.region { (site.region_name) " — Assegno di Ricollocazione" }
                h1 { "Assenze ingiustificate e rifiuti da segnalare al CPI" }
                p.lead { (provider) " — dal " (italian_date(&iso(r.first))) " al "
                    (italian_date(&iso(r.next.previous_day().unwrap_or(r.next)))) }
                form.search method="get" action="/agenda/segnalazioni" {
                    (text_field("mese", "Mese", month, &[], "month", false))
                    button.button type="submit" { "Mostra" }
                    " " a.button.secondary href={ "/agenda/segnalazioni.csv?mese=" (q(month)) } { "Scarica CSV" }
                }
                p.note { "Per la versione stampata usare il comando Stampa del browser: menu e pulsanti non vengono stampati." }
                table.data {
                    caption { (count(r.rows.len(), "assenza ingiustificata o rifiuto", "assenze ingiustificate e rifiuti")) }
                    thead { tr {
                        th scope="col" { "Data e ora" } th scope="col" { "Persona" } th scope="col" { "Codice fiscale" }
                        th scope="col" { "Assegno" } th scope="col" { "CPI" } th scope="col" { "Appuntamento" }
                        th scope="col" { "Esito" } th scope="col" { "Nota" }
                    } }
                    tbody {
                        @for a in &r.rows {
                            tr {
                                td { (show_stamp(&a.starts_at)) }
                                td { a href={ "/destinatari/" (a.recipient_id) } { (a.recipient) } }
                                td { code { (a.codice_fiscale) } }
                                td { (a.voucher_code) } td { (a.cpi) }
                                td { (r.labels.label("tipo_appuntamento", &a.kind)) }
                                td { (outcome_label(a.outcome.as_deref())) }
                                td { (a.outcome_note) }
                            }
                        }
                    }
                }
                table.data {
                    caption { (count(r.dropped.len(), "abbandono del programma", "abbandoni del programma")) }
                    thead { tr {
                        th scope="col" { "Data" } th scope="col" { "Persona" } th scope="col" { "Codice fiscale" }
                        th scope="col" { "Assegno" } th scope="col" { "CPI" } th scope="col" { "Motivo" }
                    } }
                    tbody {
                        @for d in &r.dropped {
                            tr {
                                td { (italian_date(&d.event_date)) }
                                td { a href={ "/destinatari/" (d.recipient_id) "/esito" } { (d.recipient) } }
                                td { code { (d.codice_fiscale) } }
                                td { (d.voucher_code) } td { (d.cpi) } td { (d.note) }
                            }
                        }
                    }
                }
                p { "Luogo e data: ______________________________" }
                div.signatures { div.signature-box { "Il legale rappresentante o suo delegato" } }
            }
        },
    ))
}

#[get("/agenda/segnalazioni.csv?<mese>")]
async fn report_csv(
    who: Operatore,
    mese: Option<String>,
    pool: &State<Arc<ReadPool>>,
    access: &State<Arc<AccessControl>>,
    clock: &State<SharedClock>,
) -> Result<Attachment, AppError> {
    let r = report_data(&who, mese.as_deref(), pool, clock).await?;
    audit_report(access, &who, &r, "csv").await?;
    let mut rows: Vec<Vec<String>> = r
        .rows
        .iter()
        .map(|a| {
            vec![
                a.starts_at.replace('T', " "),
                a.codice_fiscale.clone(),
                a.recipient.clone(),
                a.voucher_code.clone(),
                a.cpi.clone(),
                a.outcome.clone().unwrap_or_default(),
                r.labels.label("tipo_appuntamento", &a.kind),
                a.outcome_note.clone(),
            ]
        })
        .collect();
    rows.extend(r.dropped.iter().map(|d| {
        vec![
            d.event_date.clone(),
            d.codice_fiscale.clone(),
            d.recipient.clone(),
            d.voucher_code.clone(),
            d.cpi.clone(),
            "dropped".into(),
            String::new(),
            d.note.clone(),
        ]
    }));
    let name = format!("segnalazioni-cpi-{}.csv", iso(r.first).get(..7).unwrap_or_default());
    csv_download(
        &name,
        &["data", "codice_fiscale", "persona", "assegno", "cpi", "esito", "appuntamento", "nota"],
        &rows,
    )
}

pub fn routes() -> Vec<Route> {
    routes![create, record_outcome, agenda, report, report_csv]
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_month_is_its_first_day_to_the_next_first_day() {
        let today = date!(2026 - 11 - 26);
        assert_eq!(month_range(None, today), (date!(2026 - 11 - 01), date!(2026 - 12 - 01)));
        assert_eq!(month_range(Some("2026-12"), today), (date!(2026 - 12 - 01), date!(2027 - 01 - 01)));
        assert_eq!(month_range(Some("rubbish"), today).0, date!(2026 - 11 - 01));
    }
}

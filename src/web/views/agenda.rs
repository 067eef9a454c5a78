//! The appointments section of the scheda destinatario, with its forms, and the option
//! lists the agenda's forms and filters share.

use maud::{Markup, html};
use rocket::form::FromForm;

use crate::domain::appointment::{AppointmentDraft, AppointmentOutcome, show_stamp};
use crate::domain::ids::RecipientId;
use crate::domain::sede::Sede;
use crate::error::FieldError;
use crate::repo::appointments::AppointmentRow;
use crate::repo::operators::OperatorRow;
use crate::service::appointments::{AppointmentSection, Choices};
use crate::web::forms::{FormToken, error_summary, select, text_field, token_field};
use crate::web::views::options::choices;

/// Label of an outcome code as stored (`None`: not recorded).
pub fn outcome_label(code: Option<&str>) -> &'static str {
    match code.and_then(AppointmentOutcome::from_code) {
        Some(o) => o.label(),
        None => "da registrare",
    }
}

pub fn outcome_options() -> Vec<(String, String)> {
    choices("— scegliere —", AppointmentOutcome::ALL.iter().map(|o| (o.code(), o.label())))
}

pub fn sede_options(sedi: &[Sede], empty: &str) -> Vec<(String, String)> {
    choices(empty, sedi.iter().filter(|s| !s.closed).map(|s| (s.id, format!("{}, {}", s.address, s.comune))))
}

pub fn tutor_options(tutors: &[OperatorRow], empty: &str) -> Vec<(String, String)> {
    choices(empty, tutors.iter().filter(|t| t.state == "active").map(|t| (t.id, format!("{} {}", t.surname, t.name))))
}

#[derive(Debug, Clone, Default, FromForm)]
pub struct NewForm {
    #[field(default = String::new())]
    pub data: String,
    #[field(default = String::new())]
    pub ora: String,
    #[field(default = String::new())]
    pub tipo: String,
    pub sede: Option<i64>,
    pub tutor: Option<i64>,
}

impl NewForm {
    pub fn draft(&self) -> AppointmentDraft {
        AppointmentDraft {
            data: self.data.clone(),
            ora: self.ora.clone(),
            tipo: self.tipo.clone(),
            sede: self.sede,
            tutor: self.tutor,
        }
    }
}

pub fn new_form(id: RecipientId, f: &NewForm, choices: &Choices, errors: &[FieldError], token: &FormToken) -> Markup {
    let kinds = super::options::choices("— scegliere —", choices.kinds.iter().cloned());
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

pub fn outcome_form(a: &AppointmentRow, f: &EsitoForm, errors: &[FieldError], token: &FormToken) -> Markup {
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
pub fn section(id: RecipientId, s: &AppointmentSection, can_edit: bool, token: &FormToken) -> Markup {
    html! {
        section #appuntamenti {
            h2 { "Appuntamenti" }
            p { "Il primo appuntamento " strong { "svolto" } " avvia i sei mesi del programma, se non è già avviato. "
                "Assenze ingiustificate e rifiuti finiscono nella "
                // The report is the provider's (operators only).
                @if can_edit { a href="/agenda/segnalazioni" { "segnalazione al CPI" } } @else { "segnalazione al CPI" }
                " del soggetto accreditato." }
            @if s.rows.is_empty() { p { "Nessun appuntamento registrato." } } @else {
                table.data {
                    caption { "Appuntamenti della persona" }
                    thead { tr {
                        th scope="col" { "Data e ora" } th scope="col" { "Tipo" } th scope="col" { "Sede" }
                        th scope="col" { "Tutor" } th scope="col" { "Esito" }
                        @if can_edit { th scope="col" { "Registra" } }
                    } }
                    tbody {
                        @for a in &s.rows {
                            tr {
                                td { (show_stamp(&a.starts_at)) }
                                td { (s.labels.label("tipo_appuntamento", &a.kind)) }
                                td { (a.sede.clone().unwrap_or_else(|| "—".into())) }
                                td { (a.tutor.clone().unwrap_or_else(|| "—".into())) }
                                td { (outcome_label(a.outcome.as_deref())) @if !a.outcome_note.is_empty() { br; small.note { (a.outcome_note) } } }
                                @if can_edit {
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
            @if can_edit {
                details {
                    summary { "Fissa un nuovo appuntamento" }
                    (new_form(id, &<NewForm as Default>::default(), &s.choices, &[], token))
                }
            }
        }
    }
}

#[derive(Debug, Clone, Default, FromForm)]
pub struct EsitoForm {
    #[field(default = String::new())]
    pub esito: String,
    #[field(default = String::new())]
    pub nota: String,
    #[field(default = 0)]
    pub version: i64,
}

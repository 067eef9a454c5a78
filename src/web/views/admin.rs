//! Pieces of the Region's screens that more than one screen shows: the notice after a
//! redirect, operator states, the written communications to choose from and to register.

use maud::{Markup, html};
use rocket::form::FromFormField;

use crate::domain::communication::{Communication, CommunicationKind};
use crate::domain::ids::ProviderId;
use crate::domain::operator::OperatorState;
use crate::error::FieldError;
use crate::web::forms::{FILE_AGAIN, FormToken, error_summary, select, text_field, textarea, token_field};

/// `?esito=` codes after a redirect: a closed list, so no text from the URL reaches a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, FromFormField)]
pub enum Esito {
    Creato,
    Salvato,
    Sospeso,
    Riattivato,
    Disabilitato,
    Abilitato,
    Esenzione,
    Registrata,
    Rivisto,
}

impl Esito {
    pub fn message(self) -> &'static str {
        match self {
            Esito::Creato => "Registrazione completata.",
            Esito::Salvato => "Modifiche salvate.",
            Esito::Sospeso => "Soggetto sospeso: i suoi operatori non possono più accedere.",
            Esito::Riattivato => "Soggetto riattivato.",
            Esito::Disabilitato => "Utenza disabilitata.",
            Esito::Abilitato => "Utenza abilitata.",
            Esito::Esenzione => "Esenzione aggiornata.",
            Esito::Registrata => "Comunicazione registrata.",
            Esito::Rivisto => "Revisione registrata.",
        }
    }
}

pub fn notice(esito: Option<Esito>) -> Markup {
    html! {
        @if let Some(e) = esito { div.alert.alert-success role="status" { p { (e.message()) } } }
    }
}

/// The label of an operator state code.
pub fn state_label(code: &str) -> &'static str {
    OperatorState::from_code(code).map(OperatorState::label).unwrap_or("sconosciuto")
}

/// Communications of a provider usable for a change of the given kinds, for select lists.
pub fn communication_options(comms: &[Communication], kinds: &[CommunicationKind]) -> Vec<(String, String)> {
    let mut out = vec![(String::new(), "— scegliere —".to_owned())];
    out.extend(comms.iter().filter(|c| kinds.contains(&c.kind)).map(|c| (c.id.to_string(), c.title())));
    out
}

/// What the communication form shows again after an error.
#[derive(Debug, Clone, Default)]
pub struct Values {
    pub received_on: String,
    pub protocol: String,
    pub kind: String,
    pub note: String,
}

pub fn communication_form(
    provider: Option<ProviderId>,
    v: &Values,
    errors: &[FieldError],
    token: &FormToken,
) -> Markup {
    let action = match provider {
        Some(p) => format!("/regione/soggetti/{p}/comunicazioni"),
        None => "/regione/comunicazioni".into(),
    };
    let kinds: Vec<(String, String)> =
        CommunicationKind::ALL.iter().map(|k| (k.code().to_owned(), k.label().to_owned())).collect();
    let file_error = errors.iter().find(|e| e.field == "file");
    html! {
        details.add-form open[!errors.is_empty()] {
            summary { "Registra una comunicazione scritta" }
            (error_summary(errors))
            form.stack method="post" action=(action) enctype="multipart/form-data" novalidate {
                (token_field(token))
                (text_field("received_on", "Data della comunicazione (gg/mm/aaaa)", &v.received_on, errors, "text", true))
                (text_field("protocol", "Numero di protocollo", &v.protocol, errors, "text", true))
                (select("kind", "Tipo", &v.kind, &kinds, errors))
                (textarea("note", "Note", &v.note, errors, false))
                div.field.has-error[file_error.is_some()] {
                    label for="f-file" { "File (PDF o .p7m firmato, al massimo 20 MB) " abbr title="obbligatorio" { "*" } }
                    input #f-file type="file" name="file" accept=".pdf,.p7m,application/pdf,application/pkcs7-mime" required
                        aria-describedby=(if file_error.is_some() { "f-file-aiuto f-file-errore" } else { "f-file-aiuto" })
                        aria-invalid=[file_error.map(|_| "true")];
                    p.hint id="f-file-aiuto" { (FILE_AGAIN) }
                    @if let Some(e) = file_error { p.field-error id="f-file-errore" { (e.message) } }
                }
                button.button type="submit" { "Registra" }
            }
        }
    }
}

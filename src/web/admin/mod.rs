//! The Region's screens (role `regione`; read-only for `revisore`): providers and their sedi,
//! written communications, operators and staff, inactivity, the annual review.

mod backup;
pub(crate) mod communications;
mod idol;
mod imports;
mod inactivity;
mod operators;
mod outcomes;
mod providers;
mod review;
mod system;

use rocket::Route;
use rocket::form::FromFormField;

use crate::domain::audit_event::{AuditEvent, View};
use crate::error::AppError;
use crate::web::guards::AdminReader;

pub fn routes() -> Vec<Route> {
    let mut r = providers::routes();
    r.extend(operators::routes());
    r.extend(communications::routes());
    r.extend(imports::routes());
    r.extend(inactivity::routes());
    r.extend(review::routes());
    r.extend(outcomes::routes());
    r.extend(idol::routes());
    r.extend(backup::routes());
    r.extend(system::routes());
    r
}

/// Writes the audit row of a read before the page leaves.
async fn audit_view(
    access: &crate::access::AccessControl,
    who: &AdminReader,
    view: View,
    object: Option<String>,
    detail: serde_json::Value,
) -> Result<(), AppError> {
    access.audit(who.scope.actor().clone(), AuditEvent::View { view, object, detail }).await
}

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

pub fn notice(esito: Option<Esito>) -> maud::Markup {
    maud::html! {
        @if let Some(e) = esito { div.alert.alert-success role="status" { p { (e.message()) } } }
    }
}

/// Page links for a paged list.
pub fn pager(base: &str, page: i64, total: i64) -> maud::Markup {
    let page = page.clamp(0, 100_000);
    let pages = (total + crate::repo::providers::PAGE_SIZE - 1) / crate::repo::providers::PAGE_SIZE;
    let sep = if base.contains('?') { '&' } else { '?' };
    maud::html! {
        @if pages > 1 {
            nav.pager aria-label="Pagine" {
                @if page > 0 { a href={ (base) (sep) "pagina=" (page - 1) } { "‹ Precedente" } " " }
                span { "Pagina " (page + 1) " di " (pages) " (" (total) " in tutto)" }
                @if page + 1 < pages { " " a href={ (base) (sep) "pagina=" (page + 1) } { "Successiva ›" } }
            }
        }
    }
}

/// Percent-encodes a query value.
pub fn q(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

//! The auditor's screens (role `revisore`): the searchable registro, the accesses to one
//! person's data, the monthly activity. Every view of them is itself audited.

mod attivita;
mod interessato;
mod registro;

use crate::domain::italian::count;
use maud::{Markup, html};
use rocket::Route;

use crate::access::AccessControl;
use crate::domain::audit_event::{AuditEvent, View};
use crate::error::{AppError, FieldError};
use crate::infra::clock::{datetime, format_it, local_day_start};
use crate::service::chain_watch::ChainStatus;
use crate::web::guards::Revisore;

pub use attivita::month_range;
pub use interessato::{ListGroup, accesses as subject_accesses, lists as subject_lists, parse_cf as interessato_cf};
pub use registro::Search;

use crate::web::download::{Attachment as Download, csv_download};
pub use crate::web::views::audit_labels::{action_label, detail_summary, outcome_label};

pub fn routes() -> Vec<Route> {
    let mut r = registro::routes();
    r.extend(interessato::routes());
    r.extend(attivita::routes());
    r
}

/// Writes the audit row of the auditor's read before the page or file leaves.
async fn audit_view(
    access: &AccessControl,
    who: &Revisore,
    view: View,
    object: Option<String>,
    detail: serde_json::Value,
) -> Result<(), AppError> {
    access.audit(who.scope.actor().clone(), AuditEvent::View { view, object, detail }).await
}

/// `yyyy-mm-dd` (an `<input type="date">`) to the UTC ms its Italian local day starts at.
pub fn parse_day(field: &str, value: &str) -> Result<i64, AppError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(value.trim(), &format).map_err(|_| {
        AppError::Invalid(vec![FieldError { field: field.into(), message: "data non valida (aaaa-mm-gg)".into() }])
    })?;
    Ok(local_day_start(i64::from(date.to_julian_day()) - 2_440_588))
}

/// The last day of the range is included: the range ends where the next day starts.
pub fn day_after(start_ms: i64) -> i64 {
    local_day_start(crate::infra::clock::local_day_of(start_ms) + 1)
}

/// The first 12 hex digits of a certificate fingerprint: enough to tell cards apart.
pub fn short_cert(sha: Option<&str>) -> String {
    sha.map(|s| s.get(..12).unwrap_or(s).to_owned()).unwrap_or_else(|| "—".into())
}

/// "integro fino a N, ultimo checkpoint M alle ...": the background verification's result.
pub fn chain_banner(s: &ChainStatus) -> Markup {
    let checkpoint = match s.last_checkpoint {
        Some((seq, ts)) => format!("ultimo checkpoint firmato alla riga {seq} alle {}", format_it(ts)),
        None => "nessun checkpoint firmato ancora".into(),
    };
    html! {
        @match (&s.checked_at, &s.broken) {
            (None, _) => div.alert.alert-info role="status" { p { "Verifica della catena di audit in corso (" (checkpoint) ")." } }
            (Some(at), None) => div.alert.alert-success role="status" {
                p { strong { "Catena integra fino alla riga " (s.verified_seq) } ", " (checkpoint) ". " "Verificata alle " (format_it(*at)) @if let Some(full) = s.full_at { " (verifica completa alle " (format_it(full)) ")" } "." }
                @if let Some(p) = s.pruned_to { p { "Righe fino alla " (p) " cancellate per fine conservazione, con checkpoint firmato." } }
            }
            (Some(at), Some((seq, why))) => div.alert.alert-danger role="alert" {
                p { strong { "Catena di audit INTERROTTA alla riga " (seq) } ": " (why) ". Integra fino alla riga " (s.verified_seq) ". Verificata alle " (format_it(*at)) "." }
                p { "Avvisare subito il responsabile della sicurezza e conservare una copia del file dati." }
            }
        }
    }
}

/// The CRLs in force and those past their nextUpdate (still used, to be replaced).
pub fn crl_banner(sources: &[crate::infra::crl::CrlSource], now_ms: i64) -> Markup {
    let expired: Vec<_> = sources.iter().filter(|s| s.next_update_ms.is_some_and(|n| n < now_ms)).collect();
    html! {
        @if sources.is_empty() {
            p { "Nessuna CRL configurata (tls.crl): la revoca delle carte non viene controllata." }
        } @else if expired.is_empty() {
            p { (count(sources.len(), "CRL in vigore, aggiornata", "CRL in vigore, tutte aggiornate")) "." }
        } @else {
            div.alert.alert-danger role="alert" {
                p { strong { "CRL scadute: " } "sono ancora in uso, ma le carte revocate dopo la loro emissione non vengono riconosciute. Installare le CRL aggiornate (il server le ricarica da solo)." }
                ul { @for s in &expired { li { (s.issuer) " — " (s.path.display()) ", da aggiornare dal " (s.next_update_ms.map(format_it).unwrap_or_default()) } } }
            }
        }
    }
}

/// `yyyy-mm` of a timestamp (Italian local month).
pub fn month_of(ms: i64) -> String {
    let d = datetime(ms + crate::infra::clock::italy_offset_ms(ms));
    format!("{:04}-{:02}", d.year(), u8::from(d.month()))
}

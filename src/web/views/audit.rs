//! How the audit trail reads to people: the chain and CRL banners, the CSV layout of the registro, the lists that showed a person.

use maud::{Markup, html};

use crate::domain::italian::count;
use crate::domain::timestamp::Timestamp;
use crate::infra::clock::{format_iso, format_it};
use crate::repo::audit_search::AuditLine;
use crate::repo::audit_subjects::ListAppearance;
use crate::service::chain_watch::ChainStatus;

// Action, outcome and detail words live in `audit_labels` (one catalogue for every screen).
pub use super::audit_labels::{action_label, detail_summary, outcome_label};

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
pub fn crl_banner(sources: &[crate::infra::crl::CrlSource], now: Timestamp) -> Markup {
    let expired: Vec<_> = sources.iter().filter(|s| s.next_update.is_some_and(|n| n < now)).collect();
    html! {
        @if sources.is_empty() {
            p { "Nessuna CRL configurata (tls.crl): la revoca delle carte non viene controllata." }
        } @else if expired.is_empty() {
            p { (count(sources.len(), "CRL in vigore, aggiornata", "CRL in vigore, tutte aggiornate")) "." }
        } @else {
            div.alert.alert-danger role="alert" {
                p { strong { "CRL scadute: " } "sono ancora in uso, ma le carte revocate dopo la loro emissione non vengono riconosciute. Installare le CRL aggiornate (il server le ricarica da solo)." }
                ul { @for s in &expired { li { (s.issuer) " — " (s.path.display()) ", da aggiornare dal " (s.next_update.map(format_it).unwrap_or_default()) } } }
            }
        }
    }
}

/// The CSV row of an audit line (also used by the data-subject export).
pub fn csv_row(l: &AuditLine) -> Vec<String> {
    vec![
        l.seq.to_string(),
        format_iso(l.ts),
        format_it(l.ts),
        l.actor_cf.clone(),
        l.actor_name.clone().unwrap_or_default(),
        l.actor_role.clone().unwrap_or_default(),
        l.provider_id.map(|p| p.to_string()).unwrap_or_default(),
        l.provider_name.clone().unwrap_or_default(),
        l.cert_sha256.clone().unwrap_or_default(),
        l.client_ip.clone().unwrap_or_default(),
        l.action.clone(),
        l.object.clone().unwrap_or_default(),
        l.outcome.clone(),
        l.detail.clone(),
    ]
}

pub const CSV_HEADER: [&str; 14] = [
    "n",
    "ts_utc",
    "data_ora",
    "cf_operatore",
    "nome",
    "profilo",
    "id_soggetto",
    "soggetto",
    "certificato_sha256",
    "ip",
    "azione",
    "oggetto",
    "esito",
    "dettaglio",
];

/// The lists that showed the person, grouped so that they read as sentences: one group per
/// viewer and kind of list, with the days (each day's first list is in the registro).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ListGroup {
    pub viewer_cf: String,
    pub viewer_name: Option<String>,
    /// The viewer's profile (`operatore`, `regione`, …).
    pub role: Option<String>,
    pub provider: Option<String>,
    /// `recipient.list`, `agenda.view`, `agenda.report`.
    pub action: String,
    pub what: String,
    /// Italian local dates (aaaa-mm-gg), oldest first.
    pub days: Vec<String>,
    /// Per day: how many lists showed the person, and the first one's page and size.
    pub entries: Vec<ListDay>,
    /// All the lists of this group that showed the person.
    pub lists: i64,
    pub first_ts: Timestamp,
    pub last_ts: Timestamp,
    /// The registro rows of each day's first list.
    pub seqs: Vec<i64>,
}

/// One day of a [`ListGroup`].
#[derive(Debug, Clone, serde::Serialize)]
pub struct ListDay {
    /// aaaa-mm-gg, Italian local date.
    pub date: String,
    /// Lists of this kind, by this viewer, that showed the person that day.
    pub lists: i64,
    /// The first of them: its page (1 = the first) and how many people it showed.
    pub page: Option<i64>,
    pub rows: Option<i64>,
    pub via_api: bool,
}

impl ListDay {
    /// "3 elenchi; il primo: pagina 2, 20 persone, dall'API".
    pub fn sentence(&self) -> String {
        let mut first = Vec::new();
        if let Some(p) = self.page {
            first.push(format!("pagina {p}"));
        }
        if let Some(r) = self.rows {
            first.push(count(r, "persona", "persone"));
        }
        if self.via_api {
            first.push("dall'API".to_owned());
        }
        let lists = count(self.lists, "elenco", "elenchi");
        match (first.is_empty(), self.lists) {
            (true, _) => lists,
            (false, 1) => format!("{lists}: {}", first.join(", ")),
            (false, _) => format!("{lists}; il primo: {}", first.join(", ")),
        }
    }
}

pub fn list_groups(appearances: Vec<ListAppearance>) -> Vec<ListGroup> {
    let mut groups: Vec<ListGroup> = Vec::new();
    for a in appearances {
        let day = crate::domain::text::iso(crate::infra::clock::local_datetime(a.ts).date());
        let provider =
            a.provider_name.clone().or_else(|| (a.actor_role.as_deref() == Some("regione")).then(|| "Regione".into()));
        let entry = ListDay {
            date: day.clone(),
            lists: a.lists,
            page: a.page.map(|p| p + 1),
            rows: a.rows,
            via_api: a.via.as_deref() == Some("api"),
        };
        match groups.iter_mut().find(|g| g.viewer_cf == a.actor_cf && g.action == a.action) {
            Some(g) => {
                if g.days.last() != Some(&day) {
                    g.days.push(day);
                }
                g.entries.push(entry);
                g.lists += a.lists;
                g.last_ts = a.ts;
                g.seqs.push(a.seq);
            }
            None => groups.push(ListGroup {
                viewer_cf: a.actor_cf.clone(),
                viewer_name: a.actor_name.clone(),
                role: a.actor_role.clone(),
                provider,
                what: list_label(&a.action).to_owned(),
                action: a.action,
                days: vec![day],
                entries: vec![entry],
                lists: a.lists,
                first_ts: a.ts,
                last_ts: a.ts,
                seqs: vec![a.seq],
            }),
        }
    }
    groups
}

fn list_label(action: &str) -> &str {
    match action {
        "recipient.list" => "nell'elenco delle persone (cruscotto, ricerca o API)",
        "agenda.view" => "nell'agenda degli appuntamenti",
        "agenda.report" => "nelle segnalazioni al Centro per l'impiego",
        other => other,
    }
}

//! Registro accessi: the whole trail, searched by operator, provider, person, action,
//! outcome and dates, newest first, 50 rows a page with keyset paging (the cost of a page
//! does not depend on how deep it is), exportable as CSV. The chain state is on top.

use std::sync::Arc;

use maud::{Markup, html};
use rocket::{FromForm, Route, State, get, routes};
use serde_json::json;

use super::{
    Download, action_label, audit_view, chain_banner, csv_download, day_after, detail_summary, outcome_label,
    parse_day, short_cert,
};
use crate::access::{AccessControl, AuditScope};
use crate::domain::audit_event::View;
use crate::domain::codice_fiscale::CodiceFiscale;
use crate::error::{AppError, FieldError};
use crate::infra::clock::{format_iso, format_it};
use crate::repo::audit_search::{self, AuditFilter, AuditLine, RecipientKey};
use crate::repo::pool::ReadPool;
use crate::repo::providers;
use crate::service::chain_watch::ChainWatch;
use crate::web::Site;
use crate::web::admin::q;
use crate::web::guards::Revisore;
use crate::web::views::audit_labels::{object_label, role_label};
use crate::web::views::layout::page;

const PAGE: usize = 50;
/// Rows in one CSV export; narrow the search for more.
pub const EXPORT_MAX: usize = 100_000;

/// The search as typed (query string), kept to refill the form and build links.
#[derive(Debug, Clone, Default, FromForm, serde::Serialize)]
pub struct Search {
    pub operatore: Option<String>,
    pub soggetto: Option<i64>,
    pub cf: Option<String>,
    pub azione: Option<String>,
    pub esito: Option<String>,
    pub dal: Option<String>,
    pub al: Option<String>,
}

fn given(v: &Option<String>) -> Option<String> {
    v.as_ref().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

fn invalid(field: &str, message: &str) -> AppError {
    AppError::Invalid(vec![FieldError { field: field.into(), message: message.into() }])
}

impl Search {
    /// The filter, with the person's codice fiscale resolved to their id (if known).
    pub fn filter(&self, scope: &AuditScope, conn: &rusqlite::Connection) -> Result<AuditFilter, AppError> {
        let recipient = match given(&self.cf) {
            None => None,
            Some(cf) => {
                let cf = CodiceFiscale::parse(&cf).map_err(|_| invalid("cf", "codice fiscale non valido"))?;
                let id = audit_search::recipient_id(scope, conn, cf.as_str())?;
                Some(RecipientKey { id, cf: cf.to_string() })
            }
        };
        let outcome = given(&self.esito);
        if outcome.as_deref().is_some_and(|o| !matches!(o, "ok" | "denied" | "error")) {
            return Err(invalid("esito", "esito non valido"));
        }
        Ok(AuditFilter {
            operator_cf: given(&self.operatore).map(|s| s.to_uppercase()),
            provider: self.soggetto.filter(|p| *p > 0),
            recipient,
            action: given(&self.azione),
            outcome,
            from_ms: given(&self.dal).map(|d| parse_day("dal", &d)).transpose()?,
            to_ms: given(&self.al).map(|d| parse_day("al", &d).map(day_after)).transpose()?,
        })
    }

    /// The query string of this search (to page on or export it).
    pub fn query(&self) -> String {
        let mut parts = Vec::new();
        for (k, v) in [
            ("operatore", given(&self.operatore)),
            ("soggetto", self.soggetto.map(|s| s.to_string())),
            ("cf", given(&self.cf)),
            ("azione", given(&self.azione)),
            ("esito", given(&self.esito)),
            ("dal", given(&self.dal)),
            ("al", given(&self.al)),
        ] {
            if let Some(v) = v {
                parts.push(format!("{k}={}", q(&v)));
            }
        }
        parts.join("&")
    }
}

fn form(s: &Search, actions: &[String], provider_names: &[(crate::domain::ids::ProviderId, String)]) -> Markup {
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    html! {
        form.search method="get" action="/revisione/registro" {
            div.field { label for="f-operatore" { "Operatore (codice fiscale)" } input #f-operatore name="operatore" value=(text(&s.operatore)); }
            div.field { label for="f-soggetto" { "Soggetto accreditato" }
                select #f-soggetto name="soggetto" {
                    option value="" { "tutti" }
                    @for (id, name) in provider_names { option value=(id) selected[s.soggetto == Some(id.get())] { (name) } }
                }
            }
            div.field { label for="f-cf" { "Codice fiscale della persona" } input #f-cf name="cf" value=(text(&s.cf)); }
            div.field { label for="f-azione" { "Azione" }
                select #f-azione name="azione" {
                    option value="" { "tutte" }
                    @for a in actions { option value=(a) selected[s.azione.as_deref() == Some(a.as_str())] { (action_label(a)) " (" (a) ")" } }
                }
            }
            div.field { label for="f-esito" { "Esito" }
                select #f-esito name="esito" {
                    @for (v, l) in [("", "tutti"), ("ok", "eseguito"), ("denied", "negato"), ("error", "errore")] {
                        option value=(v) selected[s.esito.as_deref().unwrap_or("") == v] { (l) }
                    }
                }
            }
            div.field { label for="f-dal" { "Dal" } input #f-dal type="date" name="dal" value=(text(&s.dal)); }
            div.field { label for="f-al" { "Al (compreso)" } input #f-al type="date" name="al" value=(text(&s.al)); }
            button.button type="submit" { "Cerca" }
        }
    }
}

pub fn table(lines: &[AuditLine]) -> Markup {
    html! {
        table.data.audit {
            thead { tr { th scope="col" { "N." } th scope="col" { "Quando" } th scope="col" { "Chi" } th scope="col" { "Soggetto" } th scope="col" { "Certificato e IP" } th scope="col" { "Cosa" } th scope="col" { "Esito" } } }
            tbody {
                @for l in lines {
                    tr {
                        td { (l.seq) }
                        td { (format_it(l.ts)) }
                        td { code { (l.actor_cf) } @if let Some(n) = &l.actor_name { br; (n) } @if let Some(r) = &l.actor_role { br; small { (role_label(r)) } } }
                        td { (l.provider_name.clone().unwrap_or_else(|| "—".into())) }
                        td { code { (short_cert(l.cert_sha256.as_deref())) } br; (l.client_ip.clone().unwrap_or_else(|| "—".into())) }
                        td { (action_label(&l.action)) @if let Some(o) = &l.object { " — " (object_label(o)) } @let d = detail_summary(l); @if !d.is_empty() { br; small { (d) } } }
                        td.outcome { (outcome_label(&l.outcome)) }
                    }
                }
            }
        }
    }
}

#[get("/revisione/registro?<prima>&<s..>")]
async fn registro(
    who: Revisore,
    s: Search,
    prima: Option<i64>,
    pool: &State<Arc<ReadPool>>,
    access: &State<Arc<AccessControl>>,
    watch: &State<Arc<ChainWatch>>,
    site: &State<Site>,
) -> Result<Markup, AppError> {
    let (scope, search) = (who.scope.clone(), s.clone());
    let (result, actions, names) = pool
        .read(move |c| {
            let result = search.filter(&scope, c).and_then(|f| audit_search::search(&scope, c, &f, prima, 0, PAGE));
            Ok((result, audit_search::actions(&scope, c)?, providers::all_names(c)?))
        })
        .await?;
    let (error, lines, more) = match result {
        Ok((lines, more)) => (None, lines, more),
        Err(AppError::Invalid(fields)) => (Some(fields), Vec::new(), false),
        Err(e) => return Err(e),
    };
    let detail = json!({ "search": s, "before": prima, "rows": lines.len() });
    audit_view(access, &who, View::AuditSearch, None, detail).await?;
    let query = s.query();
    let sep = if query.is_empty() { "" } else { "&" };
    Ok(page(
        Some(site),
        "Registro accessi",
        Some(&who.principal),
        html! {
            h1 { "Registro accessi" }
            (chain_banner(&watch.snapshot()))
            (super::crl_banner(&access.revocation_sources(), access.now_ms()))
            p { "Chiave pubblica dei checkpoint: " code.wrap { (watch.public_key_hex()) } }
            (form(&s, &actions, &names))
            @if let Some(fields) = &error { (crate::web::forms::error_summary(fields)) }
            p.actions {
                a.button href={ "/revisione/registro.csv?" (query) } { "Scarica CSV della ricerca" }
                " (al massimo " (EXPORT_MAX) " righe; l'esportazione è registrata)"
            }
            @if lines.is_empty() { p { "Nessuna riga corrisponde alla ricerca." } } @else { (table(&lines)) }
            nav.pager aria-label="Pagine" {
                @if prima.is_some() { a href={ "/revisione/registro?" (query) } { "« Più recenti" } " " }
                @if more { @if let Some(last) = lines.last() { a href={ "/revisione/registro?" (query) (sep) "prima=" (last.seq) } { "Meno recenti ›" } } }
            }
        },
    ))
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

#[get("/revisione/registro.csv?<s..>")]
async fn registro_csv(
    who: Revisore,
    s: Search,
    pool: &State<Arc<ReadPool>>,
    access: &State<Arc<AccessControl>>,
) -> Result<Download, AppError> {
    let (scope, search) = (who.scope.clone(), s.clone());
    let (lines, more) = pool
        .read(move |c| {
            let f = search.filter(&scope, c)?;
            audit_search::search(&scope, c, &f, None, 0, EXPORT_MAX)
        })
        .await?;
    let rows: Vec<Vec<String>> = lines.iter().map(csv_row).collect();
    let file = csv_download("registro-accessi.csv", &CSV_HEADER, &rows)?;
    let detail = json!({ "search": s, "rows": rows.len(), "truncated": more, "format": "csv" });
    audit_view(access, &who, View::AuditExport, None, detail).await?;
    Ok(file)
}

pub fn routes() -> Vec<Route> {
    routes![registro, registro_csv]
}

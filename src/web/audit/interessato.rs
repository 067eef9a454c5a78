//! Accessi a un interessato: for a data-subject request (art. 15 GDPR; the Garante's
//! guidelines on who accessed one's data), every access to one person's data — who, from
//! which provider, when, what — on a printable page and as CSV. Audited.

use std::sync::Arc;

use maud::{Markup, html};
use rocket::{Route, State, get, routes};
use serde_json::json;

use super::registro::{CSV_HEADER, csv_row};
use super::{Download, action_label, audit_view, csv_download, outcome_label};
use crate::access::{AccessControl, AuditScope};
use crate::domain::audit_event::View;
use crate::domain::codice_fiscale::CodiceFiscale;
use crate::domain::text::italian_date;
use crate::error::{AppError, FieldError};
use crate::infra::clock::{SharedClock, format_it};
use crate::repo::audit_search::{self, AuditLine, RecipientKey};
use crate::repo::pool::ReadPool;
use crate::web::Site;
use crate::web::guards::Revisore;
use crate::web::views::layout::page;

/// The codice fiscale asked for, checked.
pub fn parse_cf(cf: &str) -> Result<CodiceFiscale, AppError> {
    CodiceFiscale::parse(cf.trim()).map_err(|_| {
        AppError::Invalid(vec![FieldError { field: "cf".into(), message: "codice fiscale non valido".into() }])
    })
}

/// Every access to the person's data, oldest first.
pub async fn accesses(
    pool: &Arc<ReadPool>,
    scope: &AuditScope,
    cf: &CodiceFiscale,
) -> Result<Vec<AuditLine>, AppError> {
    let (scope, cf) = (scope.clone(), cf.to_string());
    pool.read(move |c| {
        let id = audit_search::recipient_id(&scope, c, &cf)?;
        audit_search::subject_accesses(&scope, c, &RecipientKey { id, cf })
    })
    .await
}

/// The lists that showed the person, grouped so that they read as sentences: one group per
/// viewer and kind of list, with the days (each day's first list is in the registro).
#[derive(Debug, Clone, serde::Serialize)]
pub struct ListGroup {
    pub viewer_cf: String,
    pub viewer_name: Option<String>,
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
    pub first_ts: i64,
    pub last_ts: i64,
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
    fn sentence(&self) -> String {
        let mut first = Vec::new();
        if let Some(p) = self.page {
            first.push(format!("pagina {p}"));
        }
        if let Some(r) = self.rows {
            first.push(if r == 1 { "1 persona".to_owned() } else { format!("{r} persone") });
        }
        if self.via_api {
            first.push("dall'API".to_owned());
        }
        let count = if self.lists == 1 { "1 elenco".to_owned() } else { format!("{} elenchi", self.lists) };
        match (first.is_empty(), self.lists) {
            (true, _) => count,
            (false, 1) => format!("{count}: {}", first.join(", ")),
            (false, _) => format!("{count}; il primo: {}", first.join(", ")),
        }
    }
}

pub async fn lists(pool: &Arc<ReadPool>, scope: &AuditScope, cf: &CodiceFiscale) -> Result<Vec<ListGroup>, AppError> {
    let (scope, cf) = (scope.clone(), cf.to_string());
    let appearances = pool
        .read(move |c| {
            let id = audit_search::recipient_id(&scope, c, &cf)?;
            audit_search::subject_lists(&scope, c, &RecipientKey { id, cf })
        })
        .await?;
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
    Ok(groups)
}

fn list_label(action: &str) -> &str {
    match action {
        "recipient.list" => "nell'elenco delle persone (cruscotto, ricerca o API)",
        "agenda.view" => "nell'agenda degli appuntamenti",
        "agenda.report" => "nelle segnalazioni al Centro per l'impiego",
        other => other,
    }
}

fn ask_form(cf: &str) -> Markup {
    html! {
        form.search method="get" action="/revisione/interessato" {
            div.field { label for="f-cf" { "Codice fiscale della persona" } input #f-cf name="cf" value=(cf) required; }
            button.button type="submit" { "Mostra gli accessi" }
        }
    }
}

#[get("/revisione/interessato?<cf>")]
async fn report(
    who: Revisore,
    cf: Option<String>,
    pool: &State<Arc<ReadPool>>,
    access: &State<Arc<AccessControl>>,
    clock: &State<SharedClock>,
    site: &State<Site>,
) -> Result<Markup, AppError> {
    let typed = cf.unwrap_or_default();
    if typed.trim().is_empty() {
        return Ok(page(
            Some(site),
            "Accessi a un interessato",
            Some(&who.principal),
            html! { h1 { "Accessi ai dati di un interessato" } (ask_form("")) },
        ));
    }
    let cf = match parse_cf(&typed) {
        Ok(cf) => cf,
        Err(AppError::Invalid(fields)) => {
            return Ok(page(
                Some(site),
                "Accessi a un interessato",
                Some(&who.principal),
                html! { h1 { "Accessi ai dati di un interessato" } (crate::web::forms::error_summary(&fields)) (ask_form(&typed)) },
            ));
        }
        Err(e) => return Err(e),
    };
    let lines = accesses(pool, &who.scope, &cf).await?;
    let groups = lists(pool, &who.scope, &cf).await?;
    let detail = json!({ "cf": cf.as_str(), "rows": lines.len(), "lists": groups.len() });
    audit_view(access, &who, View::SubjectReport, None, detail).await?;
    let now = clock.now_ms();
    Ok(page(
        Some(site),
        "Accessi a un interessato",
        Some(&who.principal),
        html! {
            h1 { "Accessi ai dati di " code { (cf) } }
            p.lead { "Prospetto degli accessi registrati ai dati della persona (art. 15 GDPR), prodotto il " (format_it(now)) " da " (who.principal.operator().full_name()) "." }
            p { "Comprende le consultazioni della scheda, della SAP e del programma, i documenti scaricati, le modifiche e i tentativi respinti. Per stamparlo usare la funzione di stampa del browser." }
            p.actions { a.button href={ "/revisione/interessato.csv?cf=" (cf) } { "Scarica CSV" } " " a href="/revisione/interessato" { "Altra persona" } }
            @if lines.is_empty() { p { "Nessun accesso registrato." } } @else {
                table.data.audit {
                    caption { (lines.len()) " accessi" }
                    thead { tr { th scope="col" { "Quando" } th scope="col" { "Chi" } th scope="col" { "Soggetto" } th scope="col" { "Che cosa" } th scope="col" { "Esito" } } }
                    tbody {
                        @for l in &lines {
                            tr {
                                td { (format_it(l.ts)) }
                                td { (l.actor_name.clone().unwrap_or_default()) " " code { (l.actor_cf) } }
                                td { (l.provider_name.clone().unwrap_or_else(|| if l.actor_role.as_deref() == Some("regione") { "Regione".into() } else { "—".into() })) }
                                td { (action_label(&l.action)) }
                                td { (outcome_label(&l.outcome)) }
                            }
                        }
                    }
                }
            }
            h2 { "Comparsa in elenchi" }
            p { "Le volte in cui la persona è comparsa in un elenco mostrato a un operatore (una riga dell'elenco, senza aprirne la scheda): per ogni operatore e tipo di elenco, i giorni e quanti elenchi in ciascun giorno, con la pagina e la lunghezza del primo. Il registro conserva ogni elenco con le persone mostrate." }
            @if groups.is_empty() { p { "Nessun elenco registrato." } } @else {
                ul.list-groups {
                    @for g in &groups {
                        li {
                            strong { (g.viewer_name.clone().unwrap_or_else(|| g.viewer_cf.clone())) } " "
                            code { (g.viewer_cf) }
                            @if let Some(p) = &g.provider { " (" (p) ")" }
                            " ha visto la persona " (g.what) " "
                            @if let [d] = g.entries.as_slice() { "il " (italian_date(&d.date)) " (" (d.sentence()) ")" } @else {
                                (g.lists) " volte in " (g.days.len()) " giorni, dal " (format_it(g.first_ts)) " al " (format_it(g.last_ts)) ": "
                                (g.entries.iter().map(|d| format!("{} ({})", italian_date(&d.date), d.sentence())).collect::<Vec<_>>().join("; "))
                            }
                            "."
                        }
                    }
                }
            }
        },
    ))
}

#[get("/revisione/interessato.csv?<cf>")]
async fn report_csv(
    who: Revisore,
    cf: &str,
    pool: &State<Arc<ReadPool>>,
    access: &State<Arc<AccessControl>>,
) -> Result<Download, AppError> {
    let cf = parse_cf(cf)?;
    let mut lines = accesses(pool, &who.scope, &cf).await?;
    // Each day's first list that showed the person, among the accesses.
    let seqs: Vec<i64> = lists(pool, &who.scope, &cf).await?.into_iter().flat_map(|g| g.seqs).collect();
    let scope = who.scope.clone();
    lines.extend(pool.read(move |c| audit_search::lines(&scope, c, &seqs)).await?);
    lines.sort_by_key(|l| l.seq);
    let rows: Vec<Vec<String>> = lines.iter().map(csv_row).collect();
    let file = csv_download(&format!("accessi-{cf}.csv"), &CSV_HEADER, &rows)?;
    audit_view(
        access,
        &who,
        View::SubjectExport,
        None,
        json!({ "cf": cf.as_str(), "rows": rows.len(), "format": "csv" }),
    )
    .await?;
    Ok(file)
}

pub fn routes() -> Vec<Route> {
    routes![report, report_csv]
}

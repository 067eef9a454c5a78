//! Accessi a un interessato: for a data-subject request (art. 15 GDPR; the Garante's
//! guidelines on who accessed one's data), every access to one person's data — who, from
//! which provider, when, what — on a printable page and as CSV. Audited.

use crate::domain::italian::count;
use std::sync::Arc;

use maud::{Markup, html};
use rocket::{Route, State, get, routes};
use serde_json::json;

use crate::access::AccessControl;
use crate::domain::audit_event::View;
use crate::domain::text::italian_date;
use crate::error::AppError;
use crate::infra::clock::format_it;
use crate::repo::audit_search::{self};
use crate::repo::pool::ReadPool;
use crate::web::Site;
use crate::web::audit_params::parse_cf;
use crate::web::context::{RequestTime, audit_view};
use crate::web::guards::Revisore;
use crate::web::views::audit::{CSV_HEADER, action_label, csv_row, list_groups, outcome_label};
use crate::web::views::download::Download;
use crate::web::views::layout::page;

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
    now: RequestTime,
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
    let (scope, key) = (who.scope.clone(), cf.to_string());
    let (lines, appearances) = pool
        .read(move |c| Ok((audit_search::accesses_to(&scope, c, &key)?, audit_search::lists_of(&scope, c, &key)?)))
        .await?;
    let groups = list_groups(appearances);
    let detail = json!({ "cf": cf.as_str(), "rows": lines.len(), "lists": groups.len() });
    audit_view(access, who.scope.actor(), View::SubjectReport, None, detail).await?;
    let now = now.get();
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
                    caption { (count(lines.len(), "accesso", "accessi")) }
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
            p { "Le volte in cui la persona è comparsa in un elenco mostrato a un operatore (una riga dell'elenco, senza aprirne la scheda): per ogni operatore e tipo di elenco, i giorni. Il registro conserva ogni elenco con le persone mostrate." }
            @if groups.is_empty() { p { "Nessun elenco registrato." } } @else {
                ul.list-groups {
                    @for g in &groups {
                        li {
                            strong { (g.viewer_name.clone().unwrap_or_else(|| g.viewer_cf.clone())) } " "
                            code { (g.viewer_cf) }
                            @if let Some(p) = &g.provider { " (" (p) ")" }
                            " ha visto la persona " (g.what) " "
                            @if let [day] = g.days.as_slice() { "il " (italian_date(day)) } @else {
                                "in " (count(g.days.len(), "giorno", "giorni")) ", dal " (format_it(g.first_ts)) " al " (format_it(g.last_ts)) ": "
                                (g.days.iter().map(|d| italian_date(d)).collect::<Vec<_>>().join(", "))
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
    let (scope, key) = (who.scope.clone(), cf.to_string());
    let lines = pool
        .read(move |c| {
            let mut lines = audit_search::accesses_to(&scope, c, &key)?;
            // Each day's first list that showed the person, among the accesses.
            let seqs: Vec<i64> = audit_search::lists_of(&scope, c, &key)?.into_iter().map(|a| a.seq).collect();
            lines.extend(audit_search::lines(&scope, c, &seqs)?);
            lines.sort_by_key(|l| l.seq);
            Ok(lines)
        })
        .await?;
    let rows: Vec<Vec<String>> = lines.iter().map(csv_row).collect();
    let file = Download::csv(&format!("accessi-{cf}.csv"), &CSV_HEADER, &rows)?;
    audit_view(
        access,
        who.scope.actor(),
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

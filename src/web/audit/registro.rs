//! Registro accessi: the whole trail, searched by operator, provider, person, action,
//! outcome and dates, newest first, 50 rows a page with keyset paging (the cost of a page
//! does not depend on how deep it is), exportable as CSV. The chain state is on top.

use std::sync::Arc;

use maud::{Markup, html};
use rocket::{Route, State, get, routes};

use crate::domain::audit_views::{AuditExported, AuditSearched};
use crate::domain::italian::number;
use crate::error::AppError;
use crate::infra::clock::format_it;
use crate::repo::audit_search::{self, AuditLine};
use crate::repo::providers;
use crate::service::chain_watch::ChainWatch;
use crate::web::audit_params::Search;
use crate::web::ctx::Ctx;
use crate::web::guards::Revisore;
use crate::web::views::audit::{
    CSV_HEADER, action_label, chain_banner, csv_row, detail_summary, outcome_label, short_cert,
};
use crate::web::views::audit_labels::{object_label, role_label};
use crate::web::views::download::Download;

const PAGE: usize = 50;
/// Rows in one CSV export; narrow the search for more.
pub const EXPORT_MAX: usize = 100_000;

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
    ctx: Ctx<'_>,
    s: Search,
    prima: Option<i64>,
    watch: &State<Arc<ChainWatch>>,
) -> Result<Markup, AppError> {
    let (scope, search) = (who.scope.clone(), s.clone());
    let (result, actions, names) = ctx
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
    let event = AuditSearched::Screen { search: &s, before: prima, rows: lines.len() };
    ctx.audit_view(who.scope.actor(), &event).await?;
    let query = s.query();
    let sep = if query.is_empty() { "" } else { "&" };
    Ok(ctx.page(
        "Registro accessi",
        html! {
            h1 { "Registro accessi" }
            (chain_banner(&watch.snapshot()))
            (crate::web::views::audit::crl_banner(&ctx.access.revocation_sources(), ctx.now))
            p { "Chiave pubblica dei checkpoint: " code.wrap { (watch.public_key_hex()) } }
            (form(&s, &actions, &names))
            @if let Some(fields) = &error { (crate::web::forms::error_summary(fields)) }
            p.actions {
                a.button href={ "/revisione/registro.csv?" (query) } { "Scarica CSV della ricerca" }
                " (al massimo " (number(EXPORT_MAX)) " righe; l'esportazione è registrata)"
            }
            @if lines.is_empty() { p { "Nessuna riga corrisponde alla ricerca." } } @else { (table(&lines)) }
            nav.pager aria-label="Pagine" {
                @if prima.is_some() { a href={ "/revisione/registro?" (query) } { "« Più recenti" } " " }
                @if more { @if let Some(last) = lines.last() { a href={ "/revisione/registro?" (query) (sep) "prima=" (last.seq) } { "Meno recenti ›" } } }
            }
        },
    ))
}

#[get("/revisione/registro.csv?<s..>")]
async fn registro_csv(who: Revisore, ctx: Ctx<'_>, s: Search) -> Result<Download, AppError> {
    let (scope, search) = (who.scope.clone(), s.clone());
    let (file, rows, more) = ctx
        .read(move |c| {
            let f = search.filter(&scope, c)?;
            let (lines, more) = audit_search::search(&scope, c, &f, None, 0, EXPORT_MAX)?;
            // Written here, on the blocking pool and straight from the rows: up to 100,000 lines
            // of CSV made on an async worker held up every request queued behind it (audited
            // views' p99 went to 164 ms during a download).
            let file = Download::csv("registro-accessi.csv", &CSV_HEADER, lines.iter().map(csv_row))?;
            Ok((file, lines.len(), more))
        })
        .await?;
    let event = AuditExported { search: &s, rows, truncated: more, format: "csv" };
    ctx.audit_view(who.scope.actor(), &event).await?;
    Ok(file)
}

pub fn routes() -> Vec<Route> {
    routes![registro, registro_csv]
}

//! Attività periodica: per provider and per operator, one month of logins (first request of
//! each day), person records viewed, changes recorded, uploads, downloads and refused
//! attempts, to monitor activity periodically as the programme's rules ask. CSV too.

use maud::{Markup, html};
use rocket::{Route, get, routes};

use crate::domain::audit_views::{ActivityExported, ActivityReported};
use crate::domain::ids::ProviderId;
use crate::domain::text::italian_month;
use crate::error::AppError;
use crate::repo::audit_search::{self, ActivityLine};
use crate::web::audit_params::{month_of, month_range};
use crate::web::ctx::Ctx;
use crate::web::guards::Revisore;
use crate::web::views::audit_labels::role_label;
use crate::web::views::download::Download;

/// Totals of a group of lines.
fn total(lines: &[&ActivityLine]) -> ActivityLine {
    let mut t = ActivityLine::default();
    for l in lines {
        t.logins += l.logins;
        t.records_viewed += l.records_viewed;
        t.changes += l.changes;
        t.uploads += l.uploads;
        t.downloads += l.downloads;
        t.denied += l.denied;
    }
    t
}

fn cells(l: &ActivityLine) -> Markup {
    html! { td { (l.logins) } td { (l.records_viewed) } td { (l.changes) } td { (l.uploads) } td { (l.downloads) } td { (l.denied) } }
}

async fn load(ctx: &Ctx<'_>, who: &Revisore, mese: &str) -> Result<Vec<ActivityLine>, AppError> {
    let (from, to) = month_range(mese)?;
    let scope = who.scope.clone();
    ctx.read(move |c| audit_search::activity(&scope, c, from, to)).await
}

#[get("/revisione/attivita?<mese>")]
async fn report(who: Revisore, ctx: Ctx<'_>, mese: Option<String>) -> Result<Markup, AppError> {
    let mese = mese.filter(|m| !m.trim().is_empty()).unwrap_or_else(|| month_of(ctx.now));
    let lines = load(&ctx, &who, &mese).await?;
    ctx.audit_view(who.scope.actor(), &ActivityReported { mese: &mese, rows: lines.len(), via: None }).await?;
    let mut providers: Vec<(Option<ProviderId>, String)> = Vec::new();
    for l in &lines {
        let key = (l.provider_id, l.provider_name.clone().unwrap_or_else(|| "Regione e personale interno".into()));
        if !providers.contains(&key) {
            providers.push(key);
        }
    }
    let head = html! { th scope="col" { "Accessi (giorni)" } th scope="col" { "Schede consultate" } th scope="col" { "Modifiche" } th scope="col" { "Caricamenti" } th scope="col" { "Scaricamenti" } th scope="col" { "Tentativi negati" } };
    Ok(ctx.page(
        "Attività periodica",
        html! {
            h1 { "Attività periodica — " (italian_month(&mese)) }
            form.search method="get" action="/revisione/attivita" {
                div.field { label for="f-mese" { "Mese" } input #f-mese type="month" name="mese" value=(mese); }
                button.button type="submit" { "Mostra" }
            }
            p.actions { a.button href={ "/revisione/attivita.csv?mese=" (mese) } { "Scarica CSV" } }
            p { "Accessi: giorni con almeno una richiesta (la prima del giorno è registrata come accesso). Schede consultate: scheda, SAP e programma di una persona. Modifiche: ogni operazione che cambia dati." }
            @if lines.is_empty() { p { "Nessuna attività nel mese." } } @else {
                h2 { "Per soggetto" }
                table.data {
                    thead { tr { th scope="col" { "Soggetto" } th scope="col" { "Operatori attivi" } (head) } }
                    tbody {
                        @for (id, name) in &providers {
                            @let group: Vec<&ActivityLine> = lines.iter().filter(|l| l.provider_id == *id).collect();
                            tr { td { (name) } td { (group.len()) } (cells(&total(&group))) }
                        }
                    }
                }
                h2 { "Per operatore" }
                table.data {
                    thead { tr { th scope="col" { "Soggetto" } th scope="col" { "Operatore" } (head) } }
                    tbody {
                        @for l in &lines {
                            tr {
                                td { (l.provider_name.clone().unwrap_or_else(|| "—".into())) }
                                td { a href={ "/revisione/registro?operatore=" (l.operator_cf) } { (l.operator_name) } " " code { (l.operator_cf) } br; small { (role_label(&l.role)) } }
                                (cells(l))
                            }
                        }
                    }
                }
            }
        },
    ))
}

#[get("/revisione/attivita.csv?<mese>")]
async fn report_csv(who: Revisore, ctx: Ctx<'_>, mese: &str) -> Result<Download, AppError> {
    let (from, to) = month_range(mese)?;
    let (scope, month) = (who.scope.clone(), mese.to_owned());
    // Read and written on the blocking pool, as the registro's CSV: no async worker held up.
    let (file, rows) = ctx
        .read(move |c| {
            let lines = audit_search::activity(&scope, c, from, to)?;
            let file = Download::csv(
                &format!("attivita-{month}.csv"),
                &CSV_HEADER,
                lines.iter().map(|l| csv_line(&month, l)),
            )?;
            Ok((file, lines.len()))
        })
        .await?;
    ctx.audit_view(who.scope.actor(), &ActivityExported { mese, rows, format: "csv" }).await?;
    Ok(file)
}

/// The CSV's columns: the screen's, with the ids an office's spreadsheet joins on.
const CSV_HEADER: [&str; 12] = [
    "mese",
    "id_soggetto",
    "soggetto",
    "cf_operatore",
    "operatore",
    "profilo",
    "accessi",
    "schede_consultate",
    "modifiche",
    "caricamenti",
    "scaricamenti",
    "tentativi_negati",
];

/// One operator's month as a CSV line, in [`CSV_HEADER`]'s order.
fn csv_line(mese: &str, l: &ActivityLine) -> [String; 12] {
    [
        mese.to_owned(),
        l.provider_id.map(|p| p.to_string()).unwrap_or_default(),
        l.provider_name.clone().unwrap_or_default(),
        l.operator_cf.clone(),
        l.operator_name.clone(),
        l.role.clone(),
        l.logins.to_string(),
        l.records_viewed.to_string(),
        l.changes.to_string(),
        l.uploads.to_string(),
        l.downloads.to_string(),
        l.denied.to_string(),
    ]
}

pub fn routes() -> Vec<Route> {
    routes![report, report_csv]
}

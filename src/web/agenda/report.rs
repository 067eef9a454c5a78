//! `/agenda/segnalazioni`: the month's unjustified absences, refusals and drops for the CPI,
//! printable and as CSV.

use maud::{Markup, html};
use rocket::{Route, get, routes};

use crate::domain::appointment::show_stamp;
use crate::domain::italian::count;
use crate::domain::text::{iso, italian_date};
use crate::error::AppError;
use crate::web::agenda_report::{audit_report, report_data};
use crate::web::ctx::Ctx;
use crate::web::forms::text_field;
use crate::web::guards::Operatore;
use crate::web::views::agenda::outcome_label;
use crate::web::views::download::Download;
use crate::web::views::pager::q;

#[get("/agenda/segnalazioni?<mese>")]
async fn report(who: Operatore, ctx: Ctx<'_>, mese: Option<String>) -> Result<Markup, AppError> {
    let r = report_data(&who, &ctx, mese.as_deref()).await?;
    audit_report(&ctx, &who, &r, "html").await?;
    let first_iso = iso(r.first);
    let month = first_iso.get(..7).unwrap_or_default();
    let provider = who.principal.operator().provider.as_ref().map(|p| p.name.clone()).unwrap_or_default();
    let site = ctx.site;
    Ok(ctx.page(
        "Segnalazioni al CPI",
        html! {
            nav.breadcrumb aria-label="Percorso" { a href="/agenda" { "Agenda" } " › Segnalazioni al CPI" }
            article.print-module {
                p.region { (site.region_name) " — Assegno di Ricollocazione" }
                h1 { "Assenze ingiustificate e rifiuti da segnalare al CPI" }
                p.lead { (provider) " — dal " (italian_date(&iso(r.first))) " al "
                    (italian_date(&iso(r.next.previous_day().unwrap_or(r.next)))) }
                form.search method="get" action="/agenda/segnalazioni" {
                    (text_field("mese", "Mese", month, &[], "month", false))
                    button.button type="submit" { "Mostra" }
                    " " a.button.secondary href={ "/agenda/segnalazioni.csv?mese=" (q(month)) } { "Scarica CSV" }
                }
                p.note { "Per la versione stampata usare il comando Stampa del browser: menu e pulsanti non vengono stampati." }
                table.data {
                    caption { (count(r.rows.len(), "assenza ingiustificata o rifiuto", "assenze ingiustificate e rifiuti")) }
                    thead { tr {
                        th scope="col" { "Data e ora" } th scope="col" { "Persona" } th scope="col" { "Codice fiscale" }
                        th scope="col" { "Assegno" } th scope="col" { "CPI" } th scope="col" { "Appuntamento" }
                        th scope="col" { "Esito" } th scope="col" { "Nota" }
                    } }
                    tbody {
                        @for a in &r.rows {
                            tr {
                                td { (show_stamp(&a.starts_at)) }
                                td { a href={ "/destinatari/" (a.recipient_id) } { (a.recipient) } }
                                td { code { (a.codice_fiscale) } }
                                td { (a.voucher_code) } td { (a.cpi) }
                                td { (r.labels.label("tipo_appuntamento", &a.kind)) }
                                td { (outcome_label(a.outcome.as_deref())) }
                                td { (a.outcome_note) }
                            }
                        }
                    }
                }
                table.data {
                    caption { (count(r.dropped.len(), "abbandono del programma", "abbandoni del programma")) }
                    thead { tr {
                        th scope="col" { "Data" } th scope="col" { "Persona" } th scope="col" { "Codice fiscale" }
                        th scope="col" { "Assegno" } th scope="col" { "CPI" } th scope="col" { "Motivo" }
                    } }
                    tbody {
                        @for d in &r.dropped {
                            tr {
                                td { (italian_date(&d.event_date)) }
                                td { a href={ "/destinatari/" (d.recipient_id) "/esito" } { (d.recipient) } }
                                td { code { (d.codice_fiscale) } }
                                td { (d.voucher_code) } td { (d.cpi) } td { (d.note) }
                            }
                        }
                    }
                }
                p { "Luogo e data: ______________________________" }
                div.signatures { div.signature-box { "Il legale rappresentante o suo delegato" } }
            }
        },
    ))
}

#[get("/agenda/segnalazioni.csv?<mese>")]
async fn report_csv(who: Operatore, ctx: Ctx<'_>, mese: Option<String>) -> Result<Download, AppError> {
    let r = report_data(&who, &ctx, mese.as_deref()).await?;
    audit_report(&ctx, &who, &r, "csv").await?;
    let mut rows: Vec<Vec<String>> = r
        .rows
        .iter()
        .map(|a| {
            vec![
                a.starts_at.replace('T', " "),
                a.codice_fiscale.clone(),
                a.recipient.clone(),
                a.voucher_code.clone(),
                a.cpi.clone(),
                a.outcome.clone().unwrap_or_default(),
                r.labels.label("tipo_appuntamento", &a.kind),
                a.outcome_note.clone(),
            ]
        })
        .collect();
    rows.extend(r.dropped.iter().map(|d| {
        vec![
            d.event_date.clone(),
            d.codice_fiscale.clone(),
            d.recipient.clone(),
            d.voucher_code.clone(),
            d.cpi.clone(),
            "dropped".into(),
            String::new(),
            d.note.clone(),
        ]
    }));
    let name = format!("segnalazioni-cpi-{}.csv", iso(r.first).get(..7).unwrap_or_default());
    Download::csv(
        &name,
        &["data", "codice_fiscale", "persona", "assegno", "cpi", "esito", "appuntamento", "nota"],
        &rows,
    )
}

pub fn routes() -> Vec<Route> {
    routes![report, report_csv]
}

//! Revisione annuale (Allegato B p.14): every active authorisation with its provider, role,
//! enabling communication, last access and last review; marked reviewed one by one (audited);
//! downloadable as CSV, or as a zip with the CSV and the communications it cites.

use crate::domain::audit_views::{ReviewExported, ReviewViewed};
use crate::domain::italian::count;
use std::io::Write;

use maud::{Markup, html};
use rocket::http::ContentType;
use rocket::response::Redirect;
use rocket::{Route, get, post, routes};

use crate::domain::ids::{CommunicationId, OperatorId};
use crate::error::AppError;
use crate::infra::clock::{format_iso, format_it};
use crate::infra::spreadsheet_csv::SpreadsheetCsv;
use crate::repo::operators::{self, OperatorRow};
use crate::service;
use crate::web::ctx::Ctx;
use crate::web::forms::{FormToken, token_field};
use crate::web::guards::{AdminReader, Regione};
use crate::web::views::admin::{Esito, notice};
use crate::web::views::download::Download;

/// An active authorisation with the communication it was enabled on.
struct Line {
    op: OperatorRow,
    enabling: Option<(CommunicationId, String)>,
}

fn load(c: &rusqlite::Connection) -> Result<Vec<Line>, AppError> {
    operators::active(c)?
        .into_iter()
        .map(|op| {
            let enabling = operators::enabling_communication(c, op.id)?;
            Ok(Line { op, enabling })
        })
        .collect()
}

#[get("/regione/revisione?<esito>")]
async fn report(who: AdminReader, ctx: Ctx<'_>, esito: Option<Esito>, token: FormToken) -> Result<Markup, AppError> {
    let lines = ctx.read(load).await?;
    ctx.audit_view(who.scope.actor(), &ReviewViewed { rows: lines.len() }).await?;
    Ok(ctx.page(
        "Revisione annuale",
        html! {
            (notice(esito))
            h1 { "Revisione annuale delle autorizzazioni" }
            p { "Allegato B, punto 14: i profili di autorizzazione sono verificati almeno una volta l'anno." }
            p { a.button href="/regione/revisione.csv" { "Scarica CSV" } " " a.button href="/regione/revisione.zip" { "Scarica ZIP con le comunicazioni" } }
            table.data {
                caption { (count(lines.len(), "autorizzazione attiva", "autorizzazioni attive")) }
                thead { tr { th scope="col" { "Cognome e nome" } th scope="col" { "Soggetto" } th scope="col" { "Profilo e ruolo" } th scope="col" { "Comunicazione" } th scope="col" { "Ultimo accesso" } th scope="col" { "Ultima revisione" } @if who.scope.can_write() { th scope="col" { "Azione" } } } }
                tbody {
                    @for l in &lines {
                        tr {
                            td { a href={ "/regione/operatori/" (l.op.id) } { (l.op.surname) " " (l.op.name) } }
                            td { (l.op.provider_name.clone().unwrap_or_else(|| "Regione".into())) }
                            td { (l.op.role) @if !l.op.role_title.is_empty() { " — " (l.op.role_title) } }
                            td { (l.enabling.as_ref().map(|(_, t)| t.clone()).unwrap_or_else(|| "—".into())) }
                            td { (l.op.last_access_at.map(format_it).unwrap_or_else(|| "mai".into())) }
                            td { (l.op.reviewed_at.map(format_it).unwrap_or_else(|| "mai".into())) }
                            @if who.scope.can_write() {
                                td {
                                    form.inline method="post" action={ "/regione/revisione/" (l.op.id) } {
                                        (token_field(&token))
                                        button.button.secondary type="submit" { "Segna come rivista" }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        },
    ))
}

#[post("/regione/revisione/<id>")]
async fn mark(who: Regione, ctx: Ctx<'_>, id: OperatorId) -> Result<Redirect, AppError> {
    let (now, authority) = (ctx.now, who.scope.authority());
    ctx.write(move |tx| service::operators::mark_reviewed(tx, now, &authority, id)).await?;
    Ok(Redirect::to("/regione/revisione?esito=rivisto"))
}

fn csv(lines: &[Line]) -> Result<Vec<u8>, AppError> {
    let mut w = SpreadsheetCsv::new();
    w.row([
        "codice_fiscale",
        "cognome",
        "nome",
        "soggetto",
        "profilo",
        "ruolo",
        "email",
        "comunicazione",
        "abilitata_il",
        "ultimo_accesso",
        "ultima_revisione",
        "esente",
    ])
    .map_err(AppError::internal)?;
    for l in lines {
        let o = &l.op;
        w.row([
            o.codice_fiscale.as_str(),
            &o.surname,
            &o.name,
            o.provider_name.as_deref().unwrap_or("Regione"),
            &o.role,
            &o.role_title,
            &o.email,
            l.enabling.as_ref().map(|(_, t)| t.as_str()).unwrap_or(""),
            &format_iso(o.enabled_at),
            &o.last_access_at.map(format_iso).unwrap_or_default(),
            &o.reviewed_at.map(format_iso).unwrap_or_default(),
            if o.technical_exemption { "si" } else { "no" },
        ])
        .map_err(AppError::internal)?;
    }
    w.finish().map_err(AppError::internal)
}

#[get("/regione/revisione.csv")]
async fn download_csv(who: AdminReader, ctx: Ctx<'_>) -> Result<Download, AppError> {
    let lines = ctx.read(load).await?;
    let body = csv(&lines)?;
    ctx.audit_view(who.scope.actor(), &ReviewExported::Csv { rows: lines.len() }).await?;
    Ok(Download::attachment(body, Download::csv_type(), "revisione-autorizzazioni.csv"))
}

#[get("/regione/revisione.zip")]
async fn download_zip(who: AdminReader, ctx: Ctx<'_>) -> Result<Download, AppError> {
    let (lines, docs) = ctx
        .read(|c| {
            let lines = load(c)?;
            let mut docs = Vec::new();
            let mut seen = std::collections::BTreeSet::new();
            for l in &lines {
                if let Some((comm, _)) = &l.enabling
                    && seen.insert(*comm)
                    && let Some(doc) = operators::communication_document(c, *comm)?
                {
                    docs.push((*comm, doc));
                }
            }
            Ok((lines, docs))
        })
        .await?;
    let csv_bytes = csv(&lines)?;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("revisione-autorizzazioni.csv", options).map_err(AppError::internal)?;
    zip.write_all(&csv_bytes).map_err(AppError::internal)?;
    for (comm, doc) in &docs {
        zip.start_file(format!("comunicazioni/{comm}_{}", doc.file_name), options).map_err(AppError::internal)?;
        zip.write_all(&doc.content).map_err(AppError::internal)?;
    }
    let body = zip.finish().map_err(AppError::internal)?.into_inner();
    let event = ReviewExported::Zip { rows: lines.len(), communications: docs.len() };
    ctx.audit_view(who.scope.actor(), &event).await?;
    Ok(Download::attachment(body, ContentType::ZIP, "revisione-autorizzazioni.zip"))
}

pub fn routes() -> Vec<Route> {
    routes![report, mark, download_csv, download_zip]
}

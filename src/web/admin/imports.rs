//! Importazioni (regione): upload the CPI's voucher-assignment CSV (and SAP XML files) and
//! read the report of what was imported, updated and refused.

use maud::{Markup, html};
use rocket::form::FromForm;
use rocket::fs::TempFile;
use rocket::http::Status;
use rocket::{Route, State, get, post, routes};

use crate::error::AppError;
use crate::infra::clock::SharedClock;
use crate::repo::writer::Writer;
use crate::service::imports::{self, ImportReport};
use crate::web::Site;
use crate::web::forms::{FormToken, token_field};
use crate::web::guards::Regione;
use crate::web::views::layout::page;

fn forms(token: &FormToken) -> Markup {
    html! {
        h2 { "Assegnazioni degli assegni (CSV del CPI)" }
        form.stack method="post" action="/regione/importazioni/csv" enctype="multipart/form-data" {
            (token_field(token))
            div.field {
                label for="f-csv" { "File CSV (separatore ; o ,)" }
                input #f-csv type="file" name="files" accept=".csv,text/csv" multiple required;
            }
            div.field.check {
                input #f-valid type="checkbox" name="valid_only" value="true";
                label for="f-valid" { "Importa le righe valide anche se altre righe sono errate" }
            }
            button.button type="submit" { "Importa" }
        }
        p { "Il formato delle colonne è descritto nel " a href="/manuale/importazioni" { "manuale" } "." }
        h2 { "Schede Anagrafiche Professionali (XML)" }
        form.stack method="post" action="/regione/importazioni/sap" enctype="multipart/form-data" {
            (token_field(token))
            div.field {
                label for="f-sap" { "File XML della SAP (anche più di uno; per grandi quantità usare la riga di comando)" }
                input #f-sap type="file" name="files" accept=".xml,application/xml,text/xml" multiple required;
            }
            button.button type="submit" { "Importa" }
        }
    }
}

#[get("/regione/importazioni")]
fn screen(who: Regione, token: FormToken, site: &State<Site>) -> Markup {
    page(
        Some(site),
        "Importazioni",
        Some(&who.principal),
        html! {
            h1 { "Importazioni" }
            (forms(&token))
        },
    )
}

pub fn report_view(report: &ImportReport) -> Markup {
    html! {
        div.alert.alert-success[report.refused.is_empty()].alert-danger[!report.refused.is_empty()] role="status" {
            p { strong { (report.imported) } " nuovi, " strong { (report.updated) } " aggiornati, " strong { (report.refused.len()) } " rifiutati." }
        }
        @if !report.refused.is_empty() {
            table.data {
                caption { "Righe o file rifiutati" }
                thead { tr { th scope="col" { "File" } th scope="col" { "Riga" } th scope="col" { "Motivo" } } }
                tbody {
                    @for r in &report.refused {
                        tr { td { (r.file.clone().unwrap_or_default()) } td { (r.line.map(|l| l.to_string()).unwrap_or_default()) } td { (r.reason) } }
                    }
                }
            }
        }
        @if !report.findings.is_empty() {
            div.alert.alert-warning role="status" {
                p { "Le SAP sono state importate, ma contengono dati che lo schema nazionale (revisione 009) non prevede o valori che non ne rispettano i limiti: "
                    "nulla è stato scartato in silenzio, ecco dove." }
            }
            table.data {
                caption { "Dati non riconosciuti o non conformi allo schema" }
                thead { tr { th scope="col" { "File" } th scope="col" { "Elemento" } th scope="col" { "Volte" } th scope="col" { "Segnalazione" } } }
                tbody {
                    @for f in &report.findings {
                        tr { td { (f.file) } td { code { (f.path) } } td.num { (f.count) } td { (f.reason) } }
                    }
                }
            }
        }
    }
}

#[derive(FromForm)]
struct CsvUpload<'r> {
    files: Vec<TempFile<'r>>,
    #[field(default = false)]
    valid_only: bool,
}

#[post("/regione/importazioni/csv", data = "<upload>")]
async fn csv(
    who: Regione,
    upload: crate::web::forms::Checked<CsvUpload<'_>>,
    token: FormToken,
    writer: &State<Writer>,
    clock: &State<SharedClock>,
    site: &State<Site>,
) -> Result<(Status, Markup), AppError> {
    let mut total = ImportReport::default();
    for file in &upload.files {
        let name = upload_name(file);
        let bytes = crate::web::forms::read_upload(file).await?;
        let (now, authority, valid_only, file_name) =
            (clock.now_ms(), who.scope.authority(), upload.valid_only, name.clone());
        let mut report =
            writer.write(move |tx| imports::assignments(tx, now, &authority, &file_name, &bytes, valid_only)).await?;
        for r in &mut report.refused {
            r.file = Some(name.clone());
        }
        total.merge(report);
    }
    let status = if total.refused.is_empty() { Status::Ok } else { Status::UnprocessableEntity };
    Ok((
        status,
        page(
            Some(site),
            "Importazioni",
            Some(&who.principal),
            html! {
                h1 { "Esito dell'importazione" }
                (report_view(&total))
                (forms(&token))
            },
        ),
    ))
}

#[derive(FromForm)]
struct SapUpload<'r> {
    files: Vec<TempFile<'r>>,
}

#[post("/regione/importazioni/sap", data = "<upload>")]
async fn sap(
    who: Regione,
    upload: crate::web::forms::Checked<SapUpload<'_>>,
    token: FormToken,
    writer: &State<Writer>,
    clock: &State<SharedClock>,
    site: &State<Site>,
) -> Result<(Status, Markup), AppError> {
    let mut total = ImportReport::default();
    for file in &upload.files {
        let name = upload_name(file);
        let bytes = crate::web::forms::read_upload(file).await?;
        // Read outside the writer: a large file must not hold it.
        let read = rocket::tokio::task::spawn_blocking(move || imports::read_sap(&name, bytes))
            .await
            .map_err(AppError::internal)?;
        match read {
            Ok(read) => {
                let (now, authority) = (clock.now_ms(), who.scope.authority());
                total.merge(writer.write(move |tx| imports::store_sap(tx, now, &authority, &read)).await?);
            }
            Err(report) => total.merge(report),
        }
    }
    let status = if total.refused.is_empty() { Status::Ok } else { Status::UnprocessableEntity };
    Ok((
        status,
        page(
            Some(site),
            "Importazioni",
            Some(&who.principal),
            html! {
                h1 { "Esito dell'importazione delle SAP" }
                (report_view(&total))
                (forms(&token))
            },
        ),
    ))
}

/// The uploaded file's name as the browser sent it, for the report only (never a path).
fn upload_name(file: &TempFile<'_>) -> String {
    let raw = file.raw_name().map(|n| n.dangerous_unsafe_unsanitized_raw().as_str().to_owned()).unwrap_or_default();
    raw.chars().filter(|c| !c.is_control()).take(120).collect()
}

pub fn routes() -> Vec<Route> {
    routes![screen, csv, sap]
}

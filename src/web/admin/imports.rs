//! Importazioni (regione): upload the CPI's voucher-assignment CSV (and SAP XML files) and
//! read the report of what was imported, updated and refused.

use crate::domain::italian::{Noun, number};
use maud::{Markup, html};
use rocket::form::FromForm;
use rocket::fs::TempFile;
use std::sync::Arc;

use rocket::http::Status;
use rocket::response::Redirect;
use rocket::{Route, State, get, post, routes};

use crate::error::AppError;
use crate::infra::clock::format_it;
use crate::repo;
use crate::repo::imports::Batch;
use crate::service::assignment_import::Importer;
use crate::service::imports::{self, ImportReport};
use crate::web::ctx::Ctx;
use crate::web::forms::{FILE_AGAIN, FormToken, token_field};
use crate::web::guards::Regione;

fn forms(token: &FormToken) -> Markup {
    html! {
        h2 { "Assegnazioni degli assegni (CSV del CPI)" }
        form.stack method="post" action="/regione/importazioni/csv" enctype="multipart/form-data" {
            (token_field(token))
            div.field {
                label for="f-csv" { "File CSV (separatore ; o ,)" }
                input #f-csv type="file" name="files" accept=".csv,text/csv" multiple required aria-describedby="f-csv-aiuto";
                p.hint id="f-csv-aiuto" { (FILE_AGAIN) }
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
                input #f-sap type="file" name="files" accept=".xml,application/xml,text/xml" multiple required aria-describedby="f-sap-aiuto";
                p.hint id="f-sap-aiuto" { (FILE_AGAIN) }
            }
            button.button type="submit" { "Importa" }
        }
    }
}

/// An import in progress, with its bar; the latest imports below.
fn progress_view(batches: &[Batch]) -> Markup {
    html! {
        @for b in batches.iter().filter(|b| is_running(b)) {
            div.alert.alert-info role="status" {
                p {
                    strong { "Importazione in corso: " } (b.file_name) " — "
                    @if b.state == "validating" { "controllo del file" } @else {
                        (number(b.rows_done)) " di " (number(b.rows_total)) " righe scritte"
                    }
                }
                progress max=(b.rows_total.max(1)) value=(b.rows_done) { (percent(b)) "%" }
                p { "Le righe diventano visibili tutte insieme al termine. La pagina si aggiorna da sola." }
            }
        }
        @if !batches.is_empty() {
            table.data {
                caption { "Ultime importazioni di assegnazioni" }
                thead { tr {
                    th scope="col" { "Avviata" } th scope="col" { "File" } th scope="col" { "Da" }
                    th scope="col" { "Stato" } th scope="col" class="num" { "Righe" }
                } }
                tbody {
                    @for b in batches {
                        tr {
                            td { (format_it(b.started_at)) }
                            td { a href={ "/regione/importazioni/" (b.id) } { (b.file_name) } }
                            td { (b.by_label) }
                            td { (state_label(&b.state)) }
                            td.num { (b.rows_done) " / " (b.rows_total) }
                        }
                    }
                }
            }
        }
    }
}

fn is_running(b: &Batch) -> bool {
    matches!(b.state.as_str(), "validating" | "applying")
}

fn percent(b: &Batch) -> i64 {
    if b.rows_total > 0 { b.rows_done * 100 / b.rows_total } else { 0 }
}

fn state_label(state: &str) -> &'static str {
    match state {
        "validating" => "controllo in corso",
        "applying" => "scrittura in corso",
        "done" => "importato",
        "refused" => "rifiutato: nessuna riga importata",
        "abandoned" => "non completato: nessuna riga importata",
        _ => "sconosciuto",
    }
}

/// A page that reloads itself every few seconds while an import runs (the `Refresh` header:
/// no script, which the CSP forbids).
#[derive(rocket::Responder)]
struct Refreshing {
    page: Markup,
    refresh: rocket::http::Header<'static>,
}

fn refreshing(page: Markup, running: bool) -> Refreshing {
    // Without a running import, a refresh far away is as good as none.
    let seconds = if running { "2" } else { "86400" };
    Refreshing { page, refresh: rocket::http::Header::new("Refresh", seconds) }
}

#[get("/regione/importazioni")]
async fn screen(_who: Regione, ctx: Ctx<'_>, token: FormToken) -> Result<Refreshing, AppError> {
    let batches = ctx.read(|c| repo::imports::recent(c, 10)).await?;
    let running = batches.iter().any(is_running);
    Ok(refreshing(
        ctx.page(
            "Importazioni",
            html! {
                h1 { "Importazioni" }
                (progress_view(&batches))
                (forms(&token))
            },
        ),
        running,
    ))
}

/// One assignment import: its progress, or its report once finished.
#[get("/regione/importazioni/<id>")]
async fn one(_who: Regione, ctx: Ctx<'_>, id: i64) -> Result<Refreshing, AppError> {
    let batch = ctx.read(move |c| repo::imports::get(c, id)).await?.ok_or(AppError::NotFound)?;
    let report: Option<ImportReport> = batch.report.as_deref().and_then(|r| serde_json::from_str(r).ok());
    let running = is_running(&batch);
    Ok(refreshing(
        ctx.page(
            "Importazione",
            html! {
                h1 { "Importazione del file " (batch.file_name) }
                p { "Avviata il " (format_it(batch.started_at)) " da " (batch.by_label) ". Stato: " strong { (state_label(&batch.state)) } "." }
                @if running { (progress_view(std::slice::from_ref(&batch))) }
                @if let Some(report) = &report { (report_view(report)) }
                @if batch.state == "abandoned" {
                    div.alert.alert-danger role="status" { p { "L'importazione non è stata completata: nessuna riga del file è stata importata. Si può ripetere." } }
                }
                p { a href="/regione/importazioni" { "Torna alle importazioni" } }
            },
        ),
        running,
    ))
}

pub fn report_view(report: &ImportReport) -> Markup {
    html! {
        div.alert.alert-success[report.refused.is_empty()].alert-danger[!report.refused.is_empty()] role="status" {
            p { strong { (report.imported) } " " (Noun::new("nuovo", "nuovi").form(report.imported)) ", " strong { (report.updated) } " " (Noun::new("aggiornato", "aggiornati").form(report.updated)) ", " strong { (report.refused.len()) } " " (Noun::new("rifiutato", "rifiutati").form(report.refused.len())) "." }
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

/// How long the upload waits for its imports before sending the user to the progress page.
const WAIT_FOR_IMPORT: std::time::Duration = std::time::Duration::from_secs(3);

#[post("/regione/importazioni/csv", data = "<upload>")]
async fn csv(
    who: Regione,
    ctx: Ctx<'_>,
    upload: crate::web::forms::Checked<CsvUpload<'_>>,
    token: FormToken,
    importer: &State<Arc<Importer>>,
) -> Result<Result<(Status, Markup), Redirect>, AppError> {
    let mut files = Vec::new();
    for file in &upload.files {
        files.push((upload_name(file), crate::web::forms::read_upload(file).await?));
    }
    let mut running = importer.start(who.scope.authority(), files, upload.valid_only);
    // A small file is in at once: its report right here. A big one goes on without us.
    let Ok(outcomes) = rocket::tokio::time::timeout(WAIT_FOR_IMPORT, &mut running).await else {
        return Ok(Err(Redirect::to(rocket::uri!("/regione/importazioni"))));
    };
    let mut total = ImportReport::default();
    for (name, outcome) in outcomes.map_err(AppError::internal)? {
        let mut report = outcome?;
        for r in &mut report.refused {
            r.file = Some(name.clone());
        }
        total.merge(report);
    }
    let status = if total.refused.is_empty() { Status::Ok } else { Status::UnprocessableEntity };
    Ok(Ok((
        status,
        ctx.page(
            "Importazioni",
            html! {
                h1 { "Esito dell'importazione" }
                (report_view(&total))
                (forms(&token))
            },
        ),
    )))
}

#[derive(FromForm)]
struct SapUpload<'r> {
    files: Vec<TempFile<'r>>,
}

#[post("/regione/importazioni/sap", data = "<upload>")]
async fn sap(
    who: Regione,
    ctx: Ctx<'_>,
    upload: crate::web::forms::Checked<SapUpload<'_>>,
    token: FormToken,
) -> Result<(Status, Markup), AppError> {
    let mut total = ImportReport::default();
    for file in &upload.files {
        let name = upload_name(file);
        let bytes = crate::web::forms::read_upload(file).await?;
        // Parsing is most of the work: done before the writer, which only stores.
        let read = rocket::tokio::task::spawn_blocking(move || imports::read_sap(&name, bytes));
        let file = match read.await.map_err(AppError::internal)? {
            Ok(file) => file,
            Err(refused) => {
                total.merge(refused);
                continue;
            }
        };
        let (now, authority) = (ctx.now, who.scope.authority());
        total.merge(ctx.write(move |tx| imports::store_sap(tx, now, &authority, &file)).await?);
    }
    let status = if total.refused.is_empty() { Status::Ok } else { Status::UnprocessableEntity };
    Ok((
        status,
        ctx.page(
            "Importazioni",
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
    routes![screen, one, csv, sap]
}

//! `/tecnico/backup` (role `tecnico`): the backups in `backup.dir` with size, time and sha256,
//! the outcome of the last run, a button to start one now, and downloads (audited).

use crate::domain::audit_views::BackupDownloaded;
use crate::domain::italian::count;
use std::sync::Arc;

use maud::{Markup, html};
use rocket::fs::NamedFile;
use rocket::http::Header;
use rocket::response::Redirect;
use rocket::{Responder, Route, State, get, post, routes};

use crate::domain::operator::Refusal;
use crate::error::AppError;
use crate::infra::backup_seal::Kind;
use crate::infra::clock::format_it;
use crate::runtime::backups::Backups;
use crate::web::ctx::Ctx;
use crate::web::forms::{FormToken, token_field};
use crate::web::guards::Tecnico;

fn size(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 => format!("{:.1} GB", b as f64 / f64::from(1u32 << 30)),
        b if b >= 1 << 20 => format!("{:.1} MB", b as f64 / f64::from(1u32 << 20)),
        b => format!("{:.0} kB", (b as f64 / 1024.0).ceil()),
    }
}

#[get("/tecnico/backup?<esito>")]
async fn list(
    _who: Tecnico,
    ctx: Ctx<'_>,
    backups: &State<Arc<Backups>>,
    token: FormToken,
    esito: Option<&str>,
) -> Result<Markup, AppError> {
    let b = backups.inner().clone();
    let entries = rocket::tokio::task::spawn_blocking(move || b.list()).await.map_err(AppError::internal)?;
    let (last, last_ok) = backups.last();
    let schedule = backups.inner().every.map(|e| match e {
        crate::domain::backup_schedule::Every::Daily(m) => format!("ogni giorno alle {:02}:{:02}", m / 60, m % 60),
        crate::domain::backup_schedule::Every::Hours(h) => {
            format!("ogni {}", if h == 1 { "ora".to_owned() } else { count(h, "ora", "ore") })
        }
    });
    Ok(ctx.page(
        "Backup",
        html! {
            h1 { "Backup" }
            @if esito == Some("avviato") {
                div.alert.alert-success role="status" { p { "Backup avviato: la tabella si aggiorna quando è finito (ricaricare la pagina)." } }
            }
            @if backups.is_running() {
                div.alert.alert-info role="status" { p { "Backup in corso." } }
            }
            @if let Some(run) = last.as_ref().filter(|r| r.error.is_some()) {
                div.alert.alert-danger role="alert" {
                    p { strong { "Ultimo backup non riuscito" } " (" (format_it(run.at)) "): " (run.error.clone().unwrap_or_default()) }
                    p { "Il file dati non è stato toccato e nessun file di backup incompleto è rimasto. Dettagli nel registro di sistema." }
                }
            }
            @if let Some(run) = last.as_ref().filter(|r| r.audit_problem.is_some()) {
                div.alert.alert-danger role="alert" {
                    p { strong { "Catena di audit NON integra" } " nell'ultimo backup (" (format_it(run.at)) ", " (run.file.clone().unwrap_or_default()) "): " (run.audit_problem.clone().unwrap_or_default()) }
                    p { "Il backup è stato scritto comunque (la copia è coerente), senza firma, e il suo manifest lo segnala. Verificare il registro con " code.command { "ricolloca audit verify" } ": il ripristino di questo backup richiede " code { "--accept-broken-chain" } "." }
                }
            }
            @if !backups.seal.is_sealed() {
                div.alert.alert-danger role="alert" {
                    p { strong { "I backup non sono cifrati." } " Chi ne ha una copia legge i dati di tutte le persone. Impostare nella configurazione "
                        code { "backup.recipients" } " con la chiave pubblica della Regione (che sola conserva la chiave privata), oppure "
                        code { "backup.passphrase_file" } ", e riavviare il servizio. I backup non cifrati non si scaricano da questa pagina." }
                }
            }
            dl.facts {
                dt { "Cartella" } dd { code { (backups.dir.display()) } }
                dt { "Cifratura" } dd {
                    (backups.seal.kind().italian())
                    @for r in backups.seal.recipients() { br; code { (r) } }
                }
                dt { "Pianificazione" } dd { (schedule.unwrap_or_else(|| "nessuna (backup.every non impostato)".into())) }
                dt { "Backup conservati" } dd { (backups.keep) " (i più vecchi sono tolti dopo un backup riuscito)" }
                dt { "Ultimo backup riuscito" } dd {
                    @match &last_ok { Some(r) => { (format_it(r.at)) " — " (r.file.clone().unwrap_or_default()) }, None => { "nessuno da quando il servizio è stato avviato" } }
                }
            }
            form method="post" action="/tecnico/backup" {
                (token_field(&token))
                button.button type="submit" disabled[backups.is_running()] { "Esegui un backup ora" }
            }
            h2 { "Backup presenti" }
            @if entries.is_empty() { p { "Nessun backup nella cartella." } } @else {
                table.data {
                    thead { tr { th scope="col" { "File" } th scope="col" { "Cifratura" } th scope="col" { "Dimensione" } th scope="col" { "Data" } th scope="col" { "SHA-256" } } }
                    tbody {
                        @for e in &entries {
                            tr {
                                td {
                                    @if e.sealing == Kind::Plain { (e.name) } @else {
                                        a href={ "/tecnico/backup/file/" (crate::web::views::pager::q(&e.name)) } download { (e.name) }
                                    }
                                }
                                td { (e.sealing.italian()) }
                                td { (size(e.size)) }
                                td { (format_it(e.modified)) }
                                td { code.hash { (e.sha256.clone().unwrap_or_else(|| "—".into())) } }
                            }
                        }
                    }
                }
            }
            p { "Si scaricano solo i backup cifrati: quelli non cifrati restano sul server. Il ripristino si fa dalla riga di comando, a servizio fermo: " code.command { "ricolloca restore --from FILE --identity-file CHIAVE-DELLA-REGIONE" } ". Vedere il " a href="/manuale/backup" { "manuale" } "." }
        },
    ))
}

#[post("/tecnico/backup")]
async fn start(who: Tecnico, backups: &State<Arc<Backups>>) -> Redirect {
    let (b, actor) = (backups.inner().clone(), who.0.actor());
    // Runs on after the redirect; the outcome is shown on the page and logged.
    rocket::tokio::spawn(async move {
        let _ = b.run(actor).await;
    });
    Redirect::to("/tecnico/backup?esito=avviato")
}

#[derive(Responder)]
struct Download {
    file: NamedFile,
    disposition: Header<'static>,
}

#[get("/tecnico/backup/file/<name>")]
async fn download(who: Tecnico, ctx: Ctx<'_>, name: &str, backups: &State<Arc<Backups>>) -> Result<Download, AppError> {
    let file = backups.find(name).ok_or(AppError::NotFound)?;
    // A plain backup is everyone's data in clear: it stays on the server (issue #14), and the
    // attempt is audited like every other refusal.
    if Kind::of_file(&file) == Kind::Plain {
        return Err(ctx.access.refuse_principal(&who.0, Refusal::PlainBackup, "GET", ctx.path()).await);
    }
    let sha256 =
        crate::runtime::backups::list_dir(&backups.dir).into_iter().find(|e| e.name == name).and_then(|e| e.sha256);
    // The audit row is committed before a byte of the file leaves.
    ctx.audit_view(&who.0.actor(), &BackupDownloaded { file: name, sha256: sha256.as_deref() }).await?;
    let file = NamedFile::open(&file).await.map_err(AppError::internal)?;
    let safe: String = name.chars().filter(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c)).collect();
    Ok(Download { file, disposition: Header::new("Content-Disposition", format!("attachment; filename=\"{safe}\"")) })
}

pub fn routes() -> Vec<Route> {
    routes![list, start, download]
}

//! The feed to IDOL on screen (role `regione`): past exports and a new one, downloaded as
//! one zip. The export is recorded and audited before the file leaves; its zip is kept with
//! the record, so a past export downloads again (audited, checked against its SHA-256).

use crate::domain::audit_event::Actor;
use crate::domain::audit_views::{IdolExportDownloaded, IdolExportsViewed};
use crate::domain::italian::count;
use std::sync::Arc;

use maud::{Markup, html};
use rocket::form::FromForm;
use rocket::http::{ContentType, Status};
use rocket::{Route, State, get, post, routes};

use crate::domain::ids::IdolExportId;
use crate::domain::text::parse_date;
use crate::error::{AppError, FieldError};
use crate::infra::clock::{format_it, local_date_start};
use crate::repo::idol::{self, PastExport};
use crate::repo::providers::PAGE_SIZE;
use crate::service::idol_export::{FeedSettings, PastFile, export, past_file};
use crate::web::ctx::Ctx;
use crate::web::forms::{FormToken, error_summary, field_errors, text_field, token_field};
use crate::web::guards::{AdminReader, Regione};
use crate::web::views::download::Download;
use crate::web::views::pager::pager;

/// What the screen shows besides the past exports: who could not be sent, and stored actions
/// whose text breaks the schema's limits (to be corrected by their provider).
pub struct Problems {
    /// One page of the waiting workers (paged in SQL: there may be many), from page 0.
    pending: Vec<idol::Pending>,
    pending_total: i64,
    page: i64,
    out_of_limits: Vec<idol::OutOfLimits>,
}

/// The past exports the screen lists (the API pages through all of them).
const HISTORY_SHOWN: i64 = 100;

fn load(c: &rusqlite::Connection, page: i64) -> Result<(Vec<PastExport>, Problems), AppError> {
    let page = page.clamp(0, 100_000);
    let (pending, pending_total) = idol::pending(c, PAGE_SIZE, page * PAGE_SIZE)?;
    let (past, _) = idol::history(c, HISTORY_SHOWN, 0)?;
    Ok((past, Problems { pending, pending_total, page, out_of_limits: idol::out_of_limits(c)? }))
}

fn problems(p: &Problems) -> Markup {
    html! {
        @if p.pending_total > 0 {
            h2 { "Lavoratori non ancora inviati" }
            p { "La loro SAP non contiene tutto ciò che lo schema nazionale richiede, o i dati registrati non lo rispettano: "
                "non vengono inviati incompleti. Ogni nuova esportazione li riprova dal periodo in cui sono stati esclusi." }
            table.data {
                caption { (count(p.pending_total, "lavoratore non esportabile", "lavoratori non esportabili")) }
                thead { tr { th scope="col" { "Lavoratore" } th scope="col" { "Codice fiscale" } th scope="col" { "Motivo" } th scope="col" { "Verificato il" } } }
                tbody {
                    @for (id, cf, name, reasons, at) in &p.pending {
                        tr {
                            td { a href={ "/destinatari/" (id) "/sap" } { (name) } }
                            td { code { (cf) } }
                            td { ul { @for r in serde_json::from_str::<Vec<String>>(reasons).unwrap_or_default() { li { (r) } } } }
                            td { (format_it(*at)) }
                        }
                    }
                }
            }
            (pager("/regione/idol", p.page, p.pending_total))
        }
        @if !p.out_of_limits.is_empty() {
            h2 { "Azioni da correggere" }
            p { "Registrate prima che i moduli applicassero i limiti dello schema nazionale: il testo non è stato tagliato. "
                "Il soggetto accreditato le corregge dalla pagina dell'azione." }
            table.data {
                thead { tr { th scope="col" { "Soggetto" } th scope="col" { "Identificativo" } th scope="col" { "Problema" } } }
                tbody {
                    @for (action, recipient, provider, id, what) in &p.out_of_limits {
                        tr {
                            td { (provider) }
                            td { a href={ "/destinatari/" (recipient) "/azioni/" (action) } { code { (id) } } }
                            td { (what) }
                        }
                    }
                }
            }
        }
    }
}

fn screen(ctx: &Ctx<'_>, past: &[PastExport], found: &Problems, errors: &[FieldError], token: &FormToken) -> Markup {
    let next_from = past.first().map(|p| format_it(p.until));
    ctx.page(
        "Alimentazione IDOL",
        html! {
            h1 { "Alimentazione della banca dati IDOL" }
            p { "Le azioni registrate dai soggetti accreditati (sezione VI della SAP) e gli esiti dei programmi, creati o modificati nel periodo, in un unico file zip: "
                "un documento " code { "<lavoratore>" } " per lavoratore nel tracciato della SAP nazionale (revisione 009), con dati di invio, dati anagrafici dalla SAP più recente e sezione VI; "
                "le stesse politiche in CSV, gli esiti dei programmi in un CSV a parte (lo schema non li prevede) e un manifesto con i conteggi, gli SHA-256 e i lavoratori non esportabili." }
            (error_summary(errors))
            // Only the Region exports; the auditor reads the list of past exports.
            @if ctx.principal.role() == crate::domain::role::Role::Regione {
                form.stack method="post" action="/regione/idol" novalidate {
                    (token_field(token))
                    (text_field("dal", "Dal giorno (vuoto: da dove è finita l'ultima esportazione)", "", errors, "date", false))
                    p.hint { @match &next_from { Some(t) => { "L'ultima esportazione arriva al " (t) "." } None => { "Nessuna esportazione precedente: senza data si esporta tutto." } } }
                    button.button type="submit" { "Genera e scarica" }
                }
            }
            (problems(found))
            @if !past.is_empty() {
                table.data {
                    caption { "Esportazioni eseguite" }
                    thead { tr { th scope="col" { "Eseguita il" } th scope="col" { "Da" } th scope="col" { "Periodo" } th scope="col" { "Lavoratori" } th scope="col" { "Politiche" } th scope="col" { "Esiti" } th scope="col" { "SHA-256 del file" } th scope="col" { "File" } } }
                    tbody {
                        @for p in past {
                            tr {
                                td { (format_it(p.at)) } td { (p.by_label) }
                                td { (format_it(p.since)) " – " (format_it(p.until)) }
                                td.num { (p.workers) } td.num { (p.policies) } td.num { (p.outcomes) }
                                td { code.hash { (p.sha256) } }
                                td {
                                    @if !p.file_kept { "file non conservato (esportazione precedente)" }
                                    @else if ctx.principal.role() == crate::domain::role::Role::Regione {
                                        a href={ "/regione/idol/" (p.id) "/file" } { "Scarica di nuovo" }
                                    } @else { "conservato" }
                                }
                            }
                        }
                    }
                }
            }
        },
    )
}

/// The screen names the waiting workers: audited before it is drawn, on the GET and again
/// when a refused export form draws it anew, as a list that showed each of them (the entry
/// a data-subject report finds, as `GET /api/v1/idol/pending` writes). `pending` counts the
/// page of them shown.
async fn audit_screen(ctx: &Ctx<'_>, actor: &Actor, past: &[PastExport], found: &Problems) -> Result<(), AppError> {
    let event = IdolExportsViewed::Screen { rows: past.len(), pending: found.pending.len() };
    let shown = found.pending.iter().map(|(id, ..)| *id).collect();
    ctx.audit_list(actor, &event, shown).await
}

#[get("/regione/idol?<pagina>")]
async fn view(who: AdminReader, ctx: Ctx<'_>, pagina: Option<i64>, token: FormToken) -> Result<Markup, AppError> {
    let page = pagina.unwrap_or(0);
    let (past, found) = ctx.read(move |c| load(c, page)).await?;
    audit_screen(&ctx, who.scope.actor(), &past, &found).await?;
    Ok(screen(&ctx, &past, &found, &[], &token))
}

/// A past export's zip again, for the Region: audited before it leaves, refused (internal
/// error) if the kept bytes no longer match the SHA-256 recorded when it was made.
#[get("/regione/idol/<id>/file")]
async fn file(who: Regione, ctx: Ctx<'_>, id: IdolExportId) -> Result<Download, AppError> {
    let found = ctx.read_or_404(who.scope.clone(), move |c, _| past_file(c, id)).await?;
    let PastFile::Zip { zip, sha256, file_name } = found else {
        return Err(AppError::declined("file non conservato (esportazione precedente)"));
    };
    let event = IdolExportDownloaded { export: id, sha256: &sha256, size: zip.len(), via: None };
    ctx.audit_view(who.scope.actor(), &event).await?;
    Ok(Download::attachment(zip, ContentType::ZIP, &file_name))
}

#[derive(FromForm)]
struct ExportForm {
    #[field(default = String::new())]
    dal: String,
}

#[post("/regione/idol", data = "<form>")]
async fn run(
    who: Regione,
    ctx: Ctx<'_>,
    form: crate::web::forms::Checked<ExportForm>,
    token: FormToken,
    feed: &State<Arc<FeedSettings>>,
) -> Result<Result<Download, (Status, Markup)>, AppError> {
    let since = match form.dal.trim() {
        "" => Ok(None),
        d => parse_date(d).map(|day| Some(local_date_start(day))).ok_or_else(|| {
            vec![FieldError { field: "dal".into(), message: "data non valida: usare gg/mm/aaaa".into() }]
        }),
    };
    let errors = match since {
        Ok(since) => {
            let (authority, settings) = (who.scope.authority(), feed.inner().clone());
            match ctx.write_stamped(move |tx, now| export(tx, now, &authority, since, &settings)).await {
                Ok(e) => return Ok(Ok(Download::attachment(e.zip, ContentType::ZIP, &e.file_name))),
                Err(e) => field_errors(e)?,
            }
        }
        Err(errors) => errors,
    };
    let (past, found) = ctx.read(|c| load(c, 0)).await?;
    audit_screen(&ctx, who.scope.actor(), &past, &found).await?;
    Ok(Err((Status::UnprocessableEntity, screen(&ctx, &past, &found, &errors, &token))))
}

pub fn routes() -> Vec<Route> {
    routes![view, run, file]
}

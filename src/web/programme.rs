//! The Programma di ricerca intensiva: the module as a screen (the provider's operator fills
//! and saves it; the Region reads it), a print view, and the generated PDF of each version.

use maud::{Markup, html};
use rocket::form::FromForm;
use rocket::http::{ContentType, Status};
use rocket::response::Redirect;
use rocket::{Route, get, post, routes};

use crate::domain::audit_views::{DocumentDownloaded, ProgrammeViewed};
use crate::domain::ids::RecipientId;
use crate::domain::programme::{DEFAULT_DUTIES, ProgrammeFields};
use crate::error::{AppError, FieldError};
use crate::infra::clock::format_it;
use crate::repo::programmes::{self, ProgrammeContext, ProgrammeVersion};
use crate::service::programmes::{period, save};
use crate::web::ctx::Ctx;
use crate::web::forms::{FormToken, error_summary, field_errors, text_field, textarea, token_field};
use crate::web::guards::{Operatore, RecipientReader};
use crate::web::views::admin::Esito;
use crate::web::views::documents::{upload_form, uploads_table};
use crate::web::views::download::Download;

struct Loaded {
    ctx: ProgrammeContext,
    versions: Vec<ProgrammeVersion>,
    uploads: Vec<crate::repo::signed_programmes::Upload>,
}

async fn load(ctx: &Ctx<'_>, who: &RecipientReader, id: RecipientId) -> Result<Loaded, AppError> {
    ctx.read_or_404(who.scope(), move |c, scope| {
        let Some(ctx) = programmes::context(c, scope, id)? else { return Ok(None) };
        let versions = programmes::versions(c, &ctx.voucher)?;
        let uploads = crate::repo::signed_programmes::for_voucher(c, &ctx.voucher)?;
        Ok(Some(Loaded { ctx, versions, uploads }))
    })
    .await
}

fn current_fields(versions: &[ProgrammeVersion]) -> ProgrammeFields {
    versions
        .first()
        .and_then(|v| serde_json::from_str(&v.fields).ok())
        .unwrap_or_else(|| ProgrammeFields { duties: DEFAULT_DUTIES.into(), ..Default::default() })
}

#[derive(Debug, Clone, Default, FromForm)]
pub struct ProgrammeForm {
    version: i64,
    #[field(default = String::new())]
    target_jobs: String,
    #[field(default = String::new())]
    search_area: String,
    #[field(default = String::new())]
    activities: String,
    #[field(default = String::new())]
    calendar: String,
    #[field(default = String::new())]
    duties: String,
    #[field(default = String::new())]
    notes: String,
}

impl ProgrammeForm {
    fn fields(&self) -> ProgrammeFields {
        ProgrammeFields {
            target_jobs: self.target_jobs.clone(),
            search_area: self.search_area.clone(),
            activities: self.activities.clone(),
            calendar: self.calendar.clone(),
            duties: self.duties.clone(),
            notes: self.notes.clone(),
        }
    }
}

fn header_facts(ctx: &ProgrammeContext) -> Markup {
    html! {
        dl.facts {
            dt { "Destinatario" } dd { (ctx.recipient) " — " code { (ctx.codice_fiscale) } }
            dt { "Assegno" } dd { (ctx.voucher_code) }
            dt { "Soggetto accreditato" } dd { (ctx.provider) }
            dt { "Sede" } dd { (if ctx.sede.is_empty() { "—" } else { &ctx.sede }) }
            dt { "Tutor" } dd { (if ctx.tutor.is_empty() { "—" } else { &ctx.tutor }) }
            dt { "Periodo" } dd { (period(ctx)) }
        }
    }
}

fn edit_form(id: RecipientId, version: i64, f: &ProgrammeFields, errors: &[FieldError], token: &FormToken) -> Markup {
    html! {
        (error_summary(errors))
        form.stack method="post" action={ "/destinatari/" (id) "/programma" } novalidate {
            (token_field(token))
            input type="hidden" name="version" value=(version);
            (text_field("target_jobs", "Figure professionali obiettivo", &f.target_jobs, errors, "text", true))
            (text_field("search_area", "Area territoriale della ricerca", &f.search_area, errors, "text", true))
            (textarea("activities", "Attività concordate (una per riga)", &f.activities, errors, true))
            (textarea("calendar", "Calendario degli incontri e delle attività", &f.calendar, errors, false))
            (textarea("duties", "Impegni della persona (condizionalità)", &f.duties, errors, true))
            (textarea("notes", "Note", &f.notes, errors, false))
            button.button type="submit" { "Salva e genera il PDF" }
        }
    }
}

fn versions_table(id: RecipientId, versions: &[ProgrammeVersion]) -> Markup {
    html! {
        @if !versions.is_empty() {
            table.data {
                caption { "Versioni salvate" }
                thead { tr { th scope="col" { "Versione" } th scope="col" { "Salvata il" } th scope="col" { "Da" } th scope="col" { "SHA-256 del PDF" } th scope="col" { "PDF" } } }
                tbody {
                    @for v in versions {
                        tr {
                            td { (v.version) } td { (format_it(v.saved_at)) } td { (v.saved_by) }
                            td { code.hash { (v.pdf_sha256) } }
                            td { a href={ "/destinatari/" (id) "/programma/" (v.version) "/pdf" } { "scarica" } }
                        }
                    }
                }
            }
        }
    }
}

#[get("/destinatari/<id>/programma?<esito>")]
async fn view(
    who: RecipientReader,
    rq: Ctx<'_>,
    id: RecipientId,
    esito: Option<Esito>,
    token: FormToken,
) -> Result<Markup, AppError> {
    let Loaded { ctx, versions, uploads } = load(&rq, &who, id).await?;
    let version = versions.first().map(|v| v.version);
    let event = ProgrammeViewed::Screen { recipient: id, cf: &ctx.codice_fiscale, version };
    rq.audit_view(who.scope().actor(), &event).await?;
    let fields = current_fields(&versions);
    let version = versions.first().map_or(0, |v| v.version);
    let can_edit = !who.is_region();
    let site = rq.site;
    Ok(rq.page(
        "Programma di ricerca intensiva",
        html! {
            nav.breadcrumb aria-label="Percorso" { a href="/cruscotto" { "Cruscotto" } " › " a href={ "/destinatari/" (id) } { (ctx.recipient) } " › Programma" }
            h1 { "Programma di ricerca intensiva" }
            @if esito == Some(Esito::Salvato) && version > 0 {
                div.alert.alert-success role="status" {
                    p { "Programma salvato: versione " (version) ", con il suo PDF nell'elenco delle versioni qui sotto." }
                }
            }
            (header_facts(&ctx))
            p.actions { a.button.secondary href={ "/destinatari/" (id) "/programma/stampa" } { "Versione stampabile" } }
            @if can_edit { (edit_form(id, version, &fields, &[], &token)) } @else {
                dl.facts {
                    dt { "Figure professionali obiettivo" } dd { (fields.target_jobs) }
                    dt { "Area della ricerca" } dd { (fields.search_area) }
                    dt { "Attività concordate" } dd.pre { (fields.activities) }
                    dt { "Calendario" } dd.pre { (fields.calendar) }
                    dt { "Impegni della persona" } dd.pre { (fields.duties) }
                    dt { "Note" } dd { (fields.notes) }
                }
            }
            (versions_table(id, &versions))
            h2 { "Programma firmato" }
            (uploads_table(&uploads))
            @if can_edit { (upload_form(id, &[], &token, site.upload_max)) }
        },
    ))
}

#[post("/destinatari/<id>/programma", data = "<form>")]
async fn update(
    who: Operatore,
    ctx: Ctx<'_>,
    id: RecipientId,
    form: crate::web::forms::Checked<ProgrammeForm>,
    token: FormToken,
) -> Result<Result<Redirect, (Status, Markup)>, AppError> {
    let again = |errors: Vec<FieldError>| {
        (
            Status::UnprocessableEntity,
            ctx.page(
                "Programma di ricerca intensiva",
                html! {
                    h1 { "Programma di ricerca intensiva" }
                    p { a href={ "/destinatari/" (id) "/programma" } { "Ricarica la versione salvata" } }
                    (edit_form(id, form.version, &form.fields(), &errors, &token))
                },
            ),
        )
    };
    let fields = match form.fields().validate() {
        Ok(f) => f,
        Err(errors) => return Ok(Err(again(errors))),
    };
    let (now, scope, region, expected) = (ctx.now, who.scope.clone(), ctx.site.region_name.clone(), form.version);
    match ctx.write_or_404(move |tx| save(tx, now, &scope, &region, id, expected, &fields)).await {
        Ok(_) => Ok(Ok(Redirect::to(format!("/destinatari/{id}/programma?esito=salvato")))),
        Err(e) => Ok(Err(again(field_errors(e)?))),
    }
}

/// The print view: the module on A4 with signature boxes (print CSS hides the chrome).
#[get("/destinatari/<id>/programma/stampa")]
async fn print(who: RecipientReader, rq: Ctx<'_>, id: RecipientId) -> Result<Markup, AppError> {
    let Loaded { ctx, versions, .. } = load(&rq, &who, id).await?;
    let event = ProgrammeViewed::Print { recipient: id, cf: &ctx.codice_fiscale, print: true };
    rq.audit_view(who.scope().actor(), &event).await?;
    let f = current_fields(&versions);
    let site = rq.site;
    Ok(rq.page(
        "Programma di ricerca intensiva — stampa",
        html! {
            article.print-module {
                p.region { (site.region_name) " — Assegno di Ricollocazione" }
                h1 { "Programma di ricerca intensiva" }
                (header_facts(&ctx))
                h2 { "Figure professionali obiettivo" } p { (f.target_jobs) }
                h2 { "Area territoriale della ricerca" } p { (f.search_area) }
                h2 { "Attività concordate" } p.pre { (f.activities) }
                h2 { "Calendario" } p.pre { (f.calendar) }
                h2 { "Impegni della persona (condizionalità)" } p.pre { (f.duties) }
                @if !f.notes.is_empty() { h2 { "Note" } p { (f.notes) } }
                p { "Luogo e data: ______________________________" }
                div.signatures {
                    div.signature-box { "Firma della persona" }
                    div.signature-box { "Firma del tutor per il soggetto accreditato" }
                }
            }
        },
    ))
}

#[get("/destinatari/<id>/programma/<version>/pdf")]
async fn pdf(who: RecipientReader, rq: Ctx<'_>, id: RecipientId, version: i64) -> Result<Download, AppError> {
    let (ctx, (bytes, sha)) = rq
        .read_or_404(who.scope(), move |c, scope| {
            let Some(ctx) = programmes::context(c, scope, id)? else { return Ok(None) };
            Ok(programmes::pdf(c, &ctx.voucher, version)?.map(|p| (ctx, p)))
        })
        .await?;
    let event = DocumentDownloaded::ProgrammePdf {
        recipient: id,
        cf: &ctx.codice_fiscale,
        programme_version: version,
        sha256: &sha,
    };
    rq.audit_view(who.scope().actor(), &event).await?;
    let name = format!(
        "programma_{}_v{version}.pdf",
        ctx.voucher_code.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_")
    );
    Ok(Download::attachment(bytes, ContentType::PDF, &name))
}

pub fn routes() -> Vec<Route> {
    routes![view, update, print, pdf]
}

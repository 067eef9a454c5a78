//! The Programma di ricerca intensiva: the module as a screen (the provider's operator fills
//! and saves it; the Region reads it), a print view, and the generated PDF of each version.

use std::sync::Arc;

use maud::{Markup, html};
use rocket::form::FromForm;
use rocket::http::{ContentType, Header, Status};
use rocket::response::Redirect;
use rocket::{Responder, Route, State, get, post, routes};
use serde_json::json;

use crate::access::AccessControl;
use crate::domain::audit_event::{AuditEvent, View};
use crate::domain::ids::RecipientId;
use crate::domain::programme::{DEFAULT_DUTIES, ProgrammeFields};
use crate::error::{AppError, FieldError};
use crate::infra::clock::format_it;
use crate::repo::pool::ReadPool;
use crate::repo::programmes::{self, ProgrammeContext, ProgrammeVersion};
use crate::repo::writer::Writer;
use crate::service::programmes::{period, save};
use crate::web::Site;
use crate::web::context::{RequestPath, RequestTime, not_found};
use crate::web::forms::{FormToken, error_summary, field_errors, text_field, textarea, token_field};
use crate::web::guards::{Operatore, RecipientReader};
use crate::web::views::admin::Esito;
use crate::web::views::documents::{upload_form, uploads_table};
use crate::web::views::layout::page;

struct Loaded {
    ctx: ProgrammeContext,
    versions: Vec<ProgrammeVersion>,
    uploads: Vec<crate::repo::signed_programmes::Upload>,
}

async fn load(pool: &Arc<ReadPool>, who: &RecipientReader, id: RecipientId) -> Result<Option<Loaded>, AppError> {
    let scope = who.scope();
    pool.read(move |c| {
        let Some(ctx) = programmes::context(c, &scope, id)? else { return Ok(None) };
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
#[allow(clippy::too_many_arguments)]
async fn view(
    who: RecipientReader,
    id: RecipientId,
    esito: Option<Esito>,
    path: RequestPath,
    token: FormToken,
    pool: &State<Arc<ReadPool>>,
    access: &State<Arc<AccessControl>>,
    site: &State<Site>,
) -> Result<Markup, AppError> {
    let Some(Loaded { ctx, versions, uploads }) = load(pool, &who, id).await? else {
        return Err(not_found(access, &who.principal, "GET", &path.0).await);
    };
    let detail = json!({ "cf": ctx.codice_fiscale, "version": versions.first().map(|v| v.version) });
    let event = AuditEvent::View { view: View::ProgrammeView, object: Some(format!("recipient:{id}")), detail };
    access.audit(who.scope().actor().clone(), event).await?;
    let fields = current_fields(&versions);
    let version = versions.first().map_or(0, |v| v.version);
    let can_edit = !who.is_region();
    Ok(page(
        Some(site),
        "Programma di ricerca intensiva",
        Some(&who.principal),
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
    id: RecipientId,
    path: RequestPath,
    access: &State<Arc<AccessControl>>,
    form: crate::web::forms::Checked<ProgrammeForm>,
    token: FormToken,
    writer: &State<Writer>,
    now: RequestTime,
    site: &State<Site>,
) -> Result<Result<Redirect, (Status, Markup)>, AppError> {
    let again = |errors: Vec<FieldError>| {
        (
            Status::UnprocessableEntity,
            page(
                Some(site),
                "Programma di ricerca intensiva",
                Some(&who.principal),
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
    let (now, scope, region, expected) = (now.get(), who.scope.clone(), site.region_name.clone(), form.version);
    match writer.write(move |tx| save(tx, now, &scope, &region, id, expected, &fields)).await {
        Ok(_) => Ok(Ok(Redirect::to(format!("/destinatari/{id}/programma?esito=salvato")))),
        Err(AppError::NotFound) => Err(access.refuse_as_not_found(&who.principal, "POST", &path.0).await),
        Err(e) => Ok(Err(again(field_errors(e)?))),
    }
}

/// The print view: the module on A4 with signature boxes (print CSS hides the chrome).
#[get("/destinatari/<id>/programma/stampa")]
async fn print(
    who: RecipientReader,
    id: RecipientId,
    path: RequestPath,
    pool: &State<Arc<ReadPool>>,
    access: &State<Arc<AccessControl>>,
    site: &State<Site>,
) -> Result<Markup, AppError> {
    let Some(Loaded { ctx, versions, .. }) = load(pool, &who, id).await? else {
        return Err(not_found(access, &who.principal, "GET", &path.0).await);
    };
    let detail = json!({ "cf": ctx.codice_fiscale, "print": true });
    let event = AuditEvent::View { view: View::ProgrammeView, object: Some(format!("recipient:{id}")), detail };
    access.audit(who.scope().actor().clone(), event).await?;
    let f = current_fields(&versions);
    Ok(page(
        Some(site),
        "Programma di ricerca intensiva — stampa",
        Some(&who.principal),
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

#[derive(Responder)]
pub struct PdfDownload {
    body: Vec<u8>,
    content_type: ContentType,
    disposition: Header<'static>,
}

#[get("/destinatari/<id>/programma/<version>/pdf")]
async fn pdf(
    who: RecipientReader,
    id: RecipientId,
    version: i64,
    path: RequestPath,
    pool: &State<Arc<ReadPool>>,
    access: &State<Arc<AccessControl>>,
) -> Result<PdfDownload, AppError> {
    let scope = who.scope();
    let found = pool
        .read(move |c| {
            let Some(ctx) = programmes::context(c, &scope, id)? else { return Ok(None) };
            Ok(programmes::pdf(c, &ctx.voucher, version)?.map(|p| (ctx, p)))
        })
        .await?;
    let Some((ctx, (bytes, sha))) = found else {
        return Err(not_found(access, &who.principal, "GET", &path.0).await);
    };
    let detail = json!({ "cf": ctx.codice_fiscale, "programme_version": version, "sha256": sha });
    let event = AuditEvent::View { view: View::DocumentDownload, object: Some(format!("recipient:{id}")), detail };
    access.audit(who.scope().actor().clone(), event).await?;
    let name = format!(
        "programma_{}_v{version}.pdf",
        ctx.voucher_code.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_")
    );
    Ok(PdfDownload {
        body: bytes,
        content_type: ContentType::PDF,
        disposition: Header::new("Content-Disposition", format!("attachment; filename=\"{name}\"")),
    })
}

pub fn routes() -> Vec<Route> {
    routes![view, update, print, pdf]
}

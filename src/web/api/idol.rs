//! The feed to IDOL for `regione` over the API: create an export (the zip is the answer, as
//! on the screen: recorded, kept and audited before it leaves), list the past ones, list the
//! workers that could not be sent yet, and download a past one's zip again.

use std::sync::Arc;

use rocket::http::ContentType;
use rocket::serde::json::{Json, Value, json};
use rocket::{Route, State, get, post, routes};

use super::body::body;
use super::paging::{Page, Paging};
use super::responses::{IdolExportNotFound, Invalid};
use crate::domain::audit_views::{IdolExportDownloaded, IdolExportsViewed, IdolList, Via};
use crate::domain::ids::IdolExportId;
use crate::domain::text::parse_date;
use crate::error::{AppError, FieldError};
use crate::infra::clock::{format_iso, local_date_start};
use crate::repo::idol;
use crate::service::idol_export::{FeedSettings, PastFile, export, past_file};
use crate::web::ctx::Ctx;
use crate::web::guards::{AdminReader, Regione};
use crate::web::views::download::Download;

/// `{"since": "2026-01-01"}` (or dd/mm/yyyy): first day included; absent, where the
/// previous export ended.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ExportBody {
    #[serde(default)]
    since: Option<String>,
}

#[utoipa::path(
    post, path = "/idol/exports", tag = "servizio",
    description = "Crea l'esportazione per IDOL e la restituisce come zip, registrata e conservata prima che parta (Regione).",
    request_body = super::openapi::ops::IdolExportRequest,
    responses(
        (status = 200, description = "Lo zip dell'esportazione", content((super::openapi::common::File = "application/zip"))),
        Invalid,
    ),
)]
#[post("/idol/exports", format = "json", data = "<request>")]
async fn create(
    who: Regione,
    ctx: Ctx<'_>,
    request: Result<Json<ExportBody>, rocket::serde::json::Error<'_>>,
    feed: &State<Arc<FeedSettings>>,
) -> Result<Download, AppError> {
    let since = match body(request)?.since.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(d) => Some(local_date_start(parse_date(d).ok_or_else(|| {
            AppError::Invalid(vec![FieldError {
                field: "since".into(),
                message: "data non valida: usare aaaa-mm-gg o gg/mm/aaaa".into(),
            }])
        })?)),
    };
    let (authority, settings) = (who.scope.authority(), feed.inner().clone());
    // Stamped under the write lock: the feed orders its rows by time.
    let e = ctx.write_stamped(move |tx, now| export(tx, now, &authority, since, &settings)).await?;
    Ok(Download::attachment(e.zip, ContentType::ZIP, &e.file_name))
}

#[utoipa::path(
    get, path = "/idol/exports", tag = "servizio",
    description = "Le esportazioni passate, dalla più recente, con lo SHA-256 di ogni zip, a pagine (Regione, revisore; registrato). I lavoratori non ancora inviabili sono in `GET /idol/pending`.",
    params(super::paging::PagingParams),
    responses((status = 200, description = "Una pagina di esportazioni", body = super::paging::Page<super::openapi::ops::IdolExport>), Invalid),
)]
#[get("/idol/exports?<page>&<per_page>")]
async fn list(
    who: AdminReader,
    ctx: Ctx<'_>,
    page: Option<i64>,
    per_page: Option<i64>,
) -> Result<Json<Page<Value>>, AppError> {
    let paging = Paging::new(page, per_page)?;
    let (limit, offset) = (paging.per_page, paging.offset());
    let (items, total) = ctx.read(move |c| idol::history(c, limit, offset)).await?;
    let past = paging.page(items, total);
    // `rows`: what this page shows, as every paged read records.
    let event = IdolExportsViewed::Api { rows: past.items.len(), page: paging.page, via: Via::Api };
    ctx.audit_view(who.scope.actor(), &event).await?;
    Ok(Json(past.map(|p| {
        json!({
            "id": p.id, "file_kept": p.file_kept, "at": format_iso(p.at), "by": p.by_label, "since": format_iso(p.since), "until": format_iso(p.until),
            "workers": p.workers, "policies": p.policies, "outcomes": p.outcomes, "sha256": p.sha256,
        })
    })))
}

/// The workers left out of the feed: a list of people of its own, paged on its own and
/// audited as a list that showed them (the screen shows it under the exports).
#[utoipa::path(
    get, path = "/idol/pending", tag = "servizio",
    description = "I lavoratori non ancora inviabili a IDOL, con il motivo, a pagine (Regione, revisore; registrato).",
    params(super::paging::PagingParams),
    responses((status = 200, description = "Una pagina di lavoratori", body = super::paging::Page<super::openapi::ops::IdolPending>), Invalid),
)]
#[get("/idol/pending?<page>&<per_page>")]
async fn pending(
    who: AdminReader,
    ctx: Ctx<'_>,
    page: Option<i64>,
    per_page: Option<i64>,
) -> Result<Json<Page<Value>>, AppError> {
    let paging = Paging::new(page, per_page)?;
    let (limit, offset) = (paging.per_page, paging.offset());
    let (items, total) = ctx.read(move |c| idol::pending(c, limit, offset)).await?;
    let pending = paging.page(items, total);
    let shown: Vec<i64> = pending.items.iter().map(|(id, ..)| *id).collect();
    let event = IdolExportsViewed::ApiPending {
        list: IdolList::Pending,
        total: pending.total,
        page: paging.page,
        per_page: paging.per_page,
        rows: shown.len(),
        via: Via::Api,
    };
    // Each person shown gets the "appeared in a list" entry, as on the cruscotto.
    ctx.audit_list(who.scope.actor(), &event, shown).await?;
    Ok(Json(pending.map(|(id, cf, name, reasons, at)| {
        json!({
            "recipient_id": id, "codice_fiscale": cf, "name": name,
            "reasons": serde_json::from_str::<Vec<String>>(&reasons).unwrap_or_default(),
            "checked_at": format_iso(at),
        })
    })))
}

#[utoipa::path(
    get, path = "/idol/exports/{id}/file", tag = "servizio",
    description = "Lo zip di un'esportazione passata, lo stesso del giorno in cui è stata fatta (verificato con lo SHA-256 registrato); registrato prima che parta (Regione).",
    params(("id" = i64, Path, description = "L'esportazione (`id` dell'elenco)")),
    responses(
        (status = 200, description = "Lo zip dell'esportazione", content((super::openapi::common::File = "application/zip"))),
        IdolExportNotFound,
        (status = 422, description = "File non conservato (esportazione precedente)", body = super::openapi::common::Errore),
    ),
)]
#[get("/idol/exports/<id>/file")]
async fn file(who: Regione, ctx: Ctx<'_>, id: IdolExportId) -> Result<Download, AppError> {
    // An unknown export is the audited refusal, then 404, as on the screen.
    let found = ctx.read_or_404(who.scope.clone(), move |c, _| past_file(c, id)).await?;
    let PastFile::Zip { zip, sha256, file_name } = found else {
        return Err(AppError::declined("file non conservato (esportazione precedente)"));
    };
    let event = IdolExportDownloaded { export: id, sha256: &sha256, size: zip.len(), via: Some(Via::Api) };
    ctx.audit_view(who.scope.actor(), &event).await?;
    Ok(Download::attachment(zip, ContentType::ZIP, &file_name))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(create, list, pending, file))]
pub(super) struct Doc;

pub fn routes() -> Vec<Route> {
    routes![create, list, pending, file]
}

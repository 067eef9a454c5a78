//! The audit trail as JSON (revisore), with the same audit rows as the screens:
//! `GET /api/v1/audit/verify` the state of the chain, `GET /api/v1/audit?...` the registro
//! (keyset paging: pass `before` = the last `seq` of a page), `GET /api/v1/audit/accesses?cf=`
//! the data-subject report, `GET /api/v1/audit/activity?month=yyyy-mm` the monthly activity.

use std::sync::Arc;

use rocket::serde::json::{Json, Value, json};
use rocket::{Route, State, get, routes};

use crate::domain::audit_views::{ActivityReported, AuditSearched, SubjectReported, Via};
use crate::error::AppError;
use crate::error::FieldError;
use crate::repo::audit_search;
use crate::service::chain_watch::ChainWatch;
use crate::web::audit_params::{Search, month_range, parse_cf};
use crate::web::ctx::Ctx;
use crate::web::guards::Revisore;
use crate::web::views::audit::list_groups;

use super::paging::Paging;
use super::responses::Invalid;

/// The chain and every signed checkpoint (in the data file and in the checkpoint file), as
/// the auditor's screens see them: the rows added since the last check are verified now, the
/// whole chain is re-verified daily by the chain watch (`whole_chain_verified_at`).
#[utoipa::path(
    get, path = "/audit/verify", tag = "registro",
    description = "Lo stato della catena del registro e dei checkpoint firmati (revisore).",
    responses((status = 200, description = "Lo stato", body = super::openapi::ops::ChainStatus)),
)]
#[get("/audit/verify")]
async fn verify(_auditor: Revisore, ctx: Ctx<'_>, watch: &State<Arc<ChainWatch>>) -> Result<Json<Value>, AppError> {
    let (watch, now) = (watch.inner().clone(), ctx.now);
    let status = ctx.read(move |c| watch.refresh(c, now, false)).await?;
    Ok(Json(json!({
        "intact": status.broken.is_none(),
        "head_seq": status.verified_seq,
        "last_checkpoint_seq": status.last_checkpoint.map(|(seq, _)| seq),
        "first_broken_seq": status.broken.as_ref().map(|(seq, _)| *seq),
        "reason": status.broken.as_ref().map(|(_, why)| why.clone()),
        "verified_at": status.checked_at.map(crate::infra::clock::format_it),
        "whole_chain_verified_at": status.full_at.map(crate::infra::clock::format_it),
    })))
}

/// The registro's search with the API's English names.
#[derive(Debug, Clone, Default, rocket::FromForm, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ApiSearch {
    /// Codice fiscale o nome dell'utente.
    operator: Option<String>,
    /// Identificativo del soggetto accreditato.
    provider: Option<i64>,
    /// Codice fiscale della persona i cui dati sono stati visti o modificati.
    recipient_cf: Option<String>,
    /// L'evento (nome puntato, per esempio `recipient.view`).
    action: Option<String>,
    /// Esito (`ok`, `denied`, ...).
    outcome: Option<String>,
    /// Dal giorno (aaaa-mm-gg).
    from: Option<String>,
    /// Al giorno incluso (aaaa-mm-gg).
    to: Option<String>,
}

impl From<ApiSearch> for Search {
    fn from(a: ApiSearch) -> Self {
        Search {
            operatore: a.operator,
            soggetto: a.provider,
            cf: a.recipient_cf,
            azione: a.action,
            esito: a.outcome,
            dal: a.from,
            al: a.to,
        }
    }
}

/// Rows a page unless `per_page` says otherwise (1 to `paging::MAX_PER_PAGE`).
const API_PAGE: i64 = 100;

fn paging_error(field: &str, message: &str) -> AppError {
    AppError::Invalid(vec![FieldError { field: field.into(), message: message.into() }])
}

/// Two ways to page, newest first, `per_page` rows a page (100 unless given, at most 200):
/// `before` = the last `seq` of the previous page (keyset: every page costs the same), or
/// `page` = 1, 2, ... with `as_of` = the `as_of` the first page returned, so rows written
/// meanwhile do not shift the pages. No `total`: counting a filtered chain of millions of rows
/// would cost a full scan per page; `next_page` / `next_before` say whether more follow.
#[utoipa::path(
    get, path = "/audit", tag = "registro",
    description = "Il registro degli accessi, dal più recente (revisore; la ricerca è registrata).",
    params(ApiSearch, ("before" = Option<i64>, Query, description = "Paginazione per chiave: il `seq` dell'ultima riga della pagina precedente (in alternativa a `page`)"), ("page" = Option<i64>, Query, description = "La pagina, da 1"), ("per_page" = Option<i64>, Query, description = "Righe per pagina, da 1 a 200 (predefinito 100)"), ("as_of" = Option<i64>, Query, description = "Con `page`: l'`as_of` della prima pagina, perché le righe nuove non spostino le pagine")),
    responses((status = 200, description = "Una pagina del registro", body = super::openapi::ops::AuditPage), Invalid),
)]
#[get("/audit?<before>&<page>&<per_page>&<as_of>&<q..>")]
async fn search(
    who: Revisore,
    ctx: Ctx<'_>,
    q: ApiSearch,
    before: Option<i64>,
    page: Option<i64>,
    per_page: Option<i64>,
    as_of: Option<i64>,
) -> Result<Json<Value>, AppError> {
    if page.is_some() && before.is_some() {
        return Err(paging_error("page", "indicare page oppure before, non entrambi"));
    }
    // The same bounds and messages as every other list.
    let paging = Paging::new(page, Some(per_page.unwrap_or(API_PAGE)))?;
    let size = usize::try_from(paging.per_page).unwrap_or(100);
    let offset = if page.is_some() { usize::try_from(paging.offset()).unwrap_or(0) } else { 0 };
    let search: Search = q.into();
    let (scope, s) = (who.scope.clone(), search.clone());
    let (rows, more, as_of) = ctx
        .read(move |c| {
            let f = s.filter(&scope, c)?;
            // The page numbers count from a fixed head: the one given, else the current one.
            let head = crate::repo::audit::head_seq(c)?;
            let upper = before.or(as_of.map(|a| a.min(head) + 1)).unwrap_or(head + 1);
            let (rows, more) = audit_search::search(&scope, c, &f, Some(upper), offset, size)?;
            Ok((rows, more, upper - 1))
        })
        .await?;
    let event = AuditSearched::Api { search: &search, before, page, rows: rows.len(), via: Via::Api };
    ctx.audit_view(who.scope.actor(), &event).await?;
    let next = if more { rows.last().map(|r| r.seq) } else { None };
    let next_page = if more { page.map(|p| p + 1) } else { None };
    Ok(Json(json!({
        "items": rows, "next_before": next, "page": page, "per_page": paging.per_page, "next_page": next_page,
        "as_of": as_of,
    })))
}

#[utoipa::path(
    get, path = "/audit/accesses", tag = "registro",
    description = "Chi ha visto i dati di una persona e in quali elenchi è comparsa (revisore; registrato).",
    params(("cf" = String, Query, description = "Codice fiscale della persona")),
    responses((status = 200, description = "Gli accessi", body = super::openapi::ops::SubjectAccesses), Invalid),
)]
#[get("/audit/accesses?<cf>")]
async fn accesses(who: Revisore, ctx: Ctx<'_>, cf: &str) -> Result<Json<Value>, AppError> {
    let cf = parse_cf(cf)?;
    let (scope, key) = (who.scope.clone(), cf.to_string());
    let (rows, appearances) = ctx
        .read(move |c| Ok((audit_search::accesses_to(&scope, c, &key)?, audit_search::lists_of(&scope, c, &key)?)))
        .await?;
    let lists = list_groups(appearances);
    let event = SubjectReported { cf: cf.as_str(), rows: rows.len(), lists: lists.len(), via: Some(Via::Api) };
    ctx.audit_view(who.scope.actor(), &event).await?;
    Ok(Json(json!({ "codice_fiscale": cf.as_str(), "accesses": rows, "lists": lists })))
}

#[utoipa::path(
    get, path = "/audit/activity", tag = "registro",
    description = "L'attività del mese per operatore (revisore; registrato).",
    params(("month" = String, Query, description = "Il mese (aaaa-mm)")),
    responses((status = 200, description = "L'attività", body = super::openapi::ops::MonthlyActivity), Invalid),
)]
#[get("/audit/activity?<month>")]
async fn activity(who: Revisore, ctx: Ctx<'_>, month: &str) -> Result<Json<Value>, AppError> {
    let (from, to) = month_range(month)?;
    let scope = who.scope.clone();
    let rows = ctx.read(move |c| audit_search::activity(&scope, c, from, to)).await?;
    ctx.audit_view(who.scope.actor(), &ActivityReported { mese: month, rows: rows.len(), via: Some(Via::Api) }).await?;
    Ok(Json(json!({ "month": month, "operators": rows })))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(verify, search, accesses, activity))]
pub(super) struct Doc;

pub fn routes() -> Vec<Route> {
    routes![verify, search, accesses, activity]
}

//! The audit trail as JSON (revisore), with the same audit rows as the screens:
//! `GET /api/v1/audit/verify` the state of the chain, `GET /api/v1/audit?...` the registro
//! (keyset paging: pass `before` = the last `seq` of a page), `GET /api/v1/audit/accesses?cf=`
//! the data-subject report, `GET /api/v1/audit/activity?month=yyyy-mm` the monthly activity.

use std::sync::Arc;

use rocket::serde::json::{Json, Value, json};
use rocket::{Route, State, get, routes};

use crate::access::AccessControl;
use crate::domain::audit_event::{AuditEvent, View};
use crate::error::AppError;
use crate::error::FieldError;
use crate::infra::clock::SharedClock;
use crate::repo::audit_search;
use crate::repo::pool::ReadPool;
use crate::service::chain_watch::ChainWatch;
use crate::web::audit::{Search, interessato_cf, month_range, subject_accesses, subject_lists};
use crate::web::guards::Revisore;

/// The chain and every signed checkpoint (in the data file and in the checkpoint file), as
/// the auditor's screens see them: the rows added since the last check are verified now, the
/// whole chain is re-verified daily by the chain watch (`whole_chain_verified_at`).
#[get("/audit/verify")]
async fn verify(
    _auditor: Revisore,
    pool: &State<Arc<ReadPool>>,
    watch: &State<Arc<ChainWatch>>,
    clock: &State<SharedClock>,
) -> Result<Json<Value>, AppError> {
    let (watch, now) = (watch.inner().clone(), clock.now_ms());
    let status = pool.read(move |c| watch.refresh(c, now, false)).await?;
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
#[derive(Debug, Clone, Default, rocket::FromForm)]
struct ApiSearch {
    operator: Option<String>,
    provider: Option<i64>,
    recipient_cf: Option<String>,
    action: Option<String>,
    outcome: Option<String>,
    from: Option<String>,
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

const API_PAGE: usize = 100;

fn paging_error(field: &str, message: &str) -> AppError {
    AppError::Invalid(vec![FieldError { field: field.into(), message: message.into() }])
}

/// Two ways to page, newest first, 100 rows a page: `before` = the last `seq` of the previous
/// page (keyset: every page costs the same), or `page` = 1, 2, ... with `as_of` = the
/// `as_of` the first page returned, so rows written meanwhile do not shift the pages.
#[get("/audit?<before>&<page>&<as_of>&<q..>")]
async fn search(
    who: Revisore,
    q: ApiSearch,
    before: Option<i64>,
    page: Option<i64>,
    as_of: Option<i64>,
    pool: &State<Arc<ReadPool>>,
    access: &State<Arc<AccessControl>>,
) -> Result<Json<Value>, AppError> {
    if page.is_some() && before.is_some() {
        return Err(paging_error("page", "indicare page oppure before, non entrambi"));
    }
    if page.is_some_and(|p| !(1..=1_000_000).contains(&p)) {
        return Err(paging_error("page", "deve essere un numero da 1 in su"));
    }
    let offset = page.map_or(0, |p| usize::try_from(p - 1).unwrap_or(0) * API_PAGE);
    let search: Search = q.into();
    let (scope, s) = (who.scope.clone(), search.clone());
    let (rows, more, as_of) = pool
        .read(move |c| {
            let f = s.filter(&scope, c)?;
            // The page numbers count from a fixed head: the one given, else the current one.
            let head = crate::repo::audit::head_seq(c)?;
            let upper = before.or(as_of.map(|a| a.min(head) + 1)).unwrap_or(head + 1);
            let (rows, more) = audit_search::search(&scope, c, &f, Some(upper), offset, API_PAGE)?;
            Ok((rows, more, upper - 1))
        })
        .await?;
    let detail = json!({ "search": search, "before": before, "page": page, "rows": rows.len(), "via": "api" });
    access.audit(who.scope.actor().clone(), AuditEvent::View { view: View::AuditSearch, object: None, detail }).await?;
    let next = if more { rows.last().map(|r| r.seq) } else { None };
    let next_page = if more { page.map(|p| p + 1) } else { None };
    Ok(Json(json!({ "items": rows, "next_before": next, "page": page, "next_page": next_page, "as_of": as_of })))
}

#[get("/audit/accesses?<cf>")]
async fn accesses(
    who: Revisore,
    cf: &str,
    pool: &State<Arc<ReadPool>>,
    access: &State<Arc<AccessControl>>,
) -> Result<Json<Value>, AppError> {
    let cf = interessato_cf(cf)?;
    let rows = subject_accesses(pool, &who.scope, &cf).await?;
    let lists = subject_lists(pool, &who.scope, &cf).await?;
    let detail = json!({ "cf": cf.as_str(), "rows": rows.len(), "lists": lists.len(), "via": "api" });
    access
        .audit(who.scope.actor().clone(), AuditEvent::View { view: View::SubjectReport, object: None, detail })
        .await?;
    Ok(Json(json!({ "codice_fiscale": cf.as_str(), "accesses": rows, "lists": lists })))
}

#[get("/audit/activity?<month>")]
async fn activity(
    who: Revisore,
    month: &str,
    pool: &State<Arc<ReadPool>>,
    access: &State<Arc<AccessControl>>,
) -> Result<Json<Value>, AppError> {
    let (from, to) = month_range(month)?;
    let scope = who.scope.clone();
    let rows = pool.read(move |c| audit_search::activity(&scope, c, from, to)).await?;
    let detail = json!({ "mese": month, "rows": rows.len(), "via": "api" });
    access
        .audit(who.scope.actor().clone(), AuditEvent::View { view: View::ActivityReport, object: None, detail })
        .await?;
    Ok(Json(json!({ "month": month, "operators": rows })))
}

pub fn routes() -> Vec<Route> {
    routes![verify, search, accesses, activity]
}

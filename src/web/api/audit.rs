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
use crate::repo::audit;
use crate::repo::audit_search;
use crate::repo::pool::ReadPool;
use crate::web::audit::{Search, interessato_cf, month_range, subject_accesses};
use crate::web::guards::Revisore;

#[get("/audit/verify")]
async fn verify(_auditor: Revisore, pool: &State<Arc<ReadPool>>) -> Result<Json<Value>, AppError> {
    let (report, last_checkpoint) =
        pool.read(|c| Ok((audit::verify(c)?, audit::checkpoints(c)?.last().map(|cp| cp.seq)))).await?;
    Ok(Json(json!({
        "intact": report.broken.is_none(),
        "head_seq": report.head_seq,
        "last_checkpoint_seq": last_checkpoint,
        "first_broken_seq": report.broken.map(|(seq, _)| seq),
        "reason": report.broken.map(|(_, kind)| kind.describe()),
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

#[get("/audit?<before>&<q..>")]
async fn search(
    who: Revisore,
    q: ApiSearch,
    before: Option<i64>,
    pool: &State<Arc<ReadPool>>,
    access: &State<Arc<AccessControl>>,
) -> Result<Json<Value>, AppError> {
    let search: Search = q.into();
    let (scope, s) = (who.scope.clone(), search.clone());
    let (rows, more) = pool
        .read(move |c| {
            let f = s.filter(&scope, c)?;
            audit_search::search(&scope, c, &f, before, API_PAGE)
        })
        .await?;
    let detail = json!({ "search": search, "before": before, "rows": rows.len(), "via": "api" });
    access.audit(who.scope.actor().clone(), AuditEvent::View { view: View::AuditSearch, object: None, detail }).await?;
    let next = if more { rows.last().map(|r| r.seq) } else { None };
    Ok(Json(json!({ "items": rows, "next_before": next })))
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
    let detail = json!({ "cf": cf.as_str(), "rows": rows.len(), "via": "api" });
    access
        .audit(who.scope.actor().clone(), AuditEvent::View { view: View::SubjectReport, object: None, detail })
        .await?;
    Ok(Json(json!({ "codice_fiscale": cf.as_str(), "accesses": rows })))
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

//! `GET /api/v1/recipients` and `/api/v1/recipients/{id}`: the cruscotto and the scheda as
//! JSON, scoped exactly like the screens (an operator sees only their provider's people).

use std::sync::Arc;

use rocket::serde::json::{Json, Value, json};
use rocket::{Route, State, get, routes};

use crate::access::AccessControl;
use crate::domain::audit_event::{AuditEvent, View};
use crate::domain::ids::RecipientId;
use crate::domain::recipient::VoucherState;
use crate::error::AppError;
use crate::repo::pool::ReadPool;
use crate::repo::recipients::{self, DashboardFilter};
use crate::web::guards::RecipientReader;
use crate::web::recipients::{RequestPath, not_found};

#[get("/recipients?<q>&<state>&<page>")]
async fn list(
    who: RecipientReader,
    q: Option<String>,
    state: Option<String>,
    page: Option<i64>,
    pool: &State<Arc<ReadPool>>,
    access: &State<Arc<AccessControl>>,
) -> Result<Json<Value>, AppError> {
    let filter = DashboardFilter {
        q: q.unwrap_or_default(),
        state: state.filter(|s| VoucherState::from_code(s).is_some()).unwrap_or_default(),
        ..Default::default()
    };
    let page_no = page.unwrap_or(0).max(0);
    let (scope, f) = (who.scope(), filter.clone());
    let recipients::DashboardPage { rows, total, .. } =
        pool.read(move |c| recipients::dashboard(c, &scope, &f, page_no)).await?;
    let detail = json!({ "q": filter.q, "state": filter.state, "page": page_no, "rows": rows.len(), "via": "api" });
    let object = who.scope().provider_filter().map(|p| format!("provider:{p}"));
    access.audit(who.scope().actor().clone(), AuditEvent::View { view: View::RecipientList, object, detail }).await?;
    let items: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "id": r.id, "codice_fiscale": r.codice_fiscale, "cognome": r.cognome, "nome": r.nome,
                "state": r.state, "voucher": r.voucher_code, "provider": { "id": r.provider_id, "name": r.provider_name },
                "chosen_on": r.chosen_on, "programme_start": r.programme_start, "programme_end": r.programme_end,
                "last_action": r.last_action, "last_action_on": r.last_action_on, "has_sap": r.has_sap,
            })
        })
        .collect();
    Ok(Json(json!({ "items": items, "total": total, "page": page_no })))
}

#[get("/recipients/<id>")]
async fn detail(
    who: RecipientReader,
    id: RecipientId,
    path: RequestPath,
    pool: &State<Arc<ReadPool>>,
    access: &State<Arc<AccessControl>>,
) -> Result<Json<Value>, AppError> {
    let scope = who.scope();
    let found = pool
        .read(move |c| {
            let Some(r) = recipients::get(c, &scope, id)? else { return Ok(None) };
            Ok(Some((
                r,
                recipients::vouchers(c, &scope, id)?,
                recipients::latest_sap(c, &scope, id)?,
                recipients::policies(c, &scope, id)?,
            )))
        })
        .await?;
    let Some((r, vouchers, sap, policies)) = found else {
        return Err(not_found(access, &who, &path.0).await);
    };
    let detail = json!({ "cf": r.codice_fiscale, "via": "api" });
    let event = AuditEvent::View { view: View::RecipientView, object: Some(format!("recipient:{id}")), detail };
    access.audit(who.scope().actor().clone(), event).await?;
    let sap = sap.map(|(version, imported_at, sections)| {
        let mut sections: Value = serde_json::from_str(&sections).unwrap_or(Value::Null);
        if let Some(map) = sections.as_object_mut() {
            map.insert("section6".into(), json!(policies));
        }
        json!({ "version": version, "imported_at": imported_at, "sections": sections })
    });
    Ok(Json(json!({
        "id": r.id, "codice_fiscale": r.codice_fiscale, "cognome": r.cognome, "nome": r.nome,
        "birth_date": r.birth_date, "sex": r.sex, "email": r.email, "phone": r.phone,
        "voucher": vouchers.first(), "vouchers": vouchers, "sap": sap,
    })))
}

pub fn routes() -> Vec<Route> {
    routes![list, detail]
}

//! Policy actions over the API: JSON field names follow the SAP XML element names
//! (`tipo_attivita`, `data_proposta`, ...), with `dettagli` holding the fields of the type.

use std::collections::BTreeMap;
use std::sync::Arc;

use rocket::response::status::Created;
use rocket::serde::json::{Json, Value, json};
use rocket::{Route, State, get, post, routes};

use crate::access::AccessControl;
use crate::domain::audit_event::{AuditEvent, View};
use crate::domain::ids::RecipientId;
use crate::domain::policy_action::ActionInput;
use crate::error::AppError;
use crate::infra::clock::SharedClock;
use crate::repo::actions;
use crate::repo::pool::ReadPool;
use crate::repo::writer::Writer;
use crate::service::actions::{EventInput, add_event, record};
use crate::web::Site;
use crate::web::guards::{Operatore, RecipientReader};
use crate::web::recipients::{RequestPath, not_found};

/// Numbers or text alike: the rules read text, as from a form.
fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The body of `POST /recipients/{id}/actions`.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
struct ActionBody {
    tipo_attivita: Value,
    titolo_denominazione: Value,
    data_proposta: Value,
    data_inizio: Value,
    data_fine: Value,
    durata: Value,
    tipologia_durata: Value,
    descrizione: Value,
    titolo_progetto: Value,
    evento: Value,
    data_evento: Value,
    dettagli: BTreeMap<String, Value>,
}

impl ActionBody {
    fn input(&self) -> ActionInput {
        ActionInput {
            tipo_attivita: text(&self.tipo_attivita),
            titolo_denominazione: text(&self.titolo_denominazione),
            data_proposta: text(&self.data_proposta),
            data_inizio: text(&self.data_inizio),
            data_fine: text(&self.data_fine),
            durata: text(&self.durata),
            tipologia_durata: text(&self.tipologia_durata),
            descrizione: text(&self.descrizione),
            titolo_progetto: text(&self.titolo_progetto),
            evento: text(&self.evento),
            data_evento: text(&self.data_evento),
            dettagli: self.dettagli.iter().map(|(k, v)| (k.clone(), text(v))).collect(),
        }
    }
}

#[post("/recipients/<id>/actions", format = "json", data = "<body>")]
async fn create(
    who: Operatore,
    id: RecipientId,
    path: RequestPath,
    body: Result<Json<ActionBody>, rocket::serde::json::Error<'_>>,
    writer: &State<Writer>,
    clock: &State<SharedClock>,
    pool: &State<Arc<ReadPool>>,
    access: &State<Arc<AccessControl>>,
    site: &State<Site>,
) -> Result<Created<Json<Value>>, AppError> {
    let input = super::body(body)?.input();
    let (now, scope, system) = (clock.now_ms(), who.scope.clone(), site.system_code.clone());
    let done = match writer.write(move |tx| record(tx, now, &scope, &system, id, &input)).await {
        Ok(done) => done,
        Err(AppError::NotFound) => return Err(access.refuse_as_not_found(&who.principal, "POST", &path.0).await),
        Err(e) => return Err(e),
    };
    let scope = crate::access::RecipientScope::Provider(who.scope.clone());
    let action = pool.read(move |c| actions::get(c, &scope, done.id)).await?.ok_or(AppError::NotFound)?;
    Ok(Created::new(format!("/api/v1/actions/{}", action.id)).body(Json(json!(action))))
}

#[get("/recipients/<id>/actions")]
async fn list(
    who: RecipientReader,
    id: RecipientId,
    path: RequestPath,
    pool: &State<Arc<ReadPool>>,
    access: &State<Arc<AccessControl>>,
) -> Result<Json<Value>, AppError> {
    let scope = who.scope();
    let found = pool
        .read(move |c| {
            if crate::repo::recipients::get(c, &scope, id)?.is_none() {
                return Ok(None);
            }
            let list = actions::for_recipient(c, &scope, id)?;
            let mut items = Vec::with_capacity(list.len());
            for a in list {
                let events = actions::events(c, a.id)?;
                let mut v = json!(a);
                if let Some(map) = v.as_object_mut() {
                    map.insert("eventi".into(), json!(events));
                }
                items.push(v);
            }
            Ok(Some(items))
        })
        .await?;
    let Some(items) = found else { return Err(not_found(access, &who, &path.0).await) };
    let detail = json!({ "rows": items.len(), "via": "api" });
    let event = AuditEvent::View { view: View::ActionList, object: Some(format!("recipient:{id}")), detail };
    access.audit(who.scope().actor().clone(), event).await?;
    Ok(Json(json!({ "items": items })))
}

#[post("/actions/<action>/events", format = "json", data = "<body>")]
async fn post_event(
    who: Operatore,
    action: i64,
    path: RequestPath,
    body: Result<Json<EventInput>, rocket::serde::json::Error<'_>>,
    writer: &State<Writer>,
    clock: &State<SharedClock>,
    access: &State<Arc<AccessControl>>,
) -> Result<Json<Value>, AppError> {
    let input = super::body(body)?;
    let (now, scope) = (clock.now_ms(), who.scope.clone());
    match writer.write(move |tx| add_event(tx, now, &scope, action, &input)).await {
        Ok(version) => Ok(Json(json!({ "id": action, "version": version }))),
        Err(AppError::NotFound) => Err(access.refuse_as_not_found(&who.principal, "POST", &path.0).await),
        Err(e) => Err(e),
    }
}

pub fn routes() -> Vec<Route> {
    routes![create, list, post_event]
}

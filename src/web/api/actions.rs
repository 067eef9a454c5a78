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
use crate::service::signed_programmes::{Inspected, inspect, store};
use crate::web::Site;
use crate::web::documents::{FileDownload, SignedUpload, download_document, inspect_upload};
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
    issuer: &State<Arc<crate::service::identificativo::Issuer>>,
) -> Result<Created<Json<Value>>, AppError> {
    let input = super::body(body)?.input();
    let (clock, scope, issuer) = (clock.inner().clone(), who.scope.clone(), issuer.inner().clone());
    let done = match writer.write(move |tx| record(tx, clock.now_ms(), &scope, &issuer, id, &input)).await {
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
    let (clock, scope) = (clock.inner().clone(), who.scope.clone());
    match writer.write(move |tx| add_event(tx, clock.now_ms(), &scope, action, &input)).await {
        Ok(version) => Ok(Json(json!({ "id": action, "version": version }))),
        Err(AppError::NotFound) => Err(access.refuse_as_not_found(&who.principal, "POST", &path.0).await),
        Err(e) => Err(e),
    }
}

/// The signed programme for an action: multipart (field `file`, with the header
/// `X-Ricolloca-Client`) or the raw file as the body (`application/pdf`, `application/pkcs7-mime`).
#[post("/actions/<action>/documents", format = "multipart/form-data", data = "<form>", rank = 1)]
async fn upload_multipart(
    who: Operatore,
    action: i64,
    path: RequestPath,
    form: crate::web::forms::Checked<SignedUpload<'_>>,
    writer: &State<Writer>,
    clock: &State<SharedClock>,
    pool: &State<Arc<ReadPool>>,
    access: &State<Arc<AccessControl>>,
    site: &State<Site>,
) -> Result<Created<Json<Value>>, AppError> {
    let upload = inspect_upload(form.file.as_ref(), site.upload_max).await?;
    let upload = upload.ok_or_else(missing_file)?;
    store_for_action(&who, action, &path.0, upload, site.upload_quota, writer, clock, pool, access).await
}

#[post("/actions/<action>/documents", data = "<body>", rank = 2)]
async fn upload_raw(
    who: Operatore,
    action: i64,
    path: RequestPath,
    body: rocket::Data<'_>,
    writer: &State<Writer>,
    clock: &State<SharedClock>,
    pool: &State<Arc<ReadPool>>,
    access: &State<Arc<AccessControl>>,
    site: &State<Site>,
) -> Result<Created<Json<Value>>, AppError> {
    let limit = rocket::data::ByteUnit::from(site.upload_max + 1);
    let bytes = body.open(limit).into_bytes().await.map_err(AppError::internal)?;
    if !bytes.is_complete() {
        return Err(file_error(format!(
            "il file supera la dimensione massima di {} MB",
            site.upload_max / (1024 * 1024)
        )));
    }
    let max = site.upload_max;
    let bytes = bytes.into_inner();
    if bytes.is_empty() {
        return Err(missing_file());
    }
    let upload =
        rocket::tokio::task::spawn_blocking(move || inspect(bytes, max)).await.map_err(AppError::internal)??;
    store_for_action(&who, action, &path.0, upload, site.upload_quota, writer, clock, pool, access).await
}

fn file_error(message: String) -> AppError {
    AppError::Invalid(vec![crate::error::FieldError { field: "file".into(), message }])
}

fn missing_file() -> AppError {
    file_error("nessun file ricevuto (campo file)".into())
}

#[allow(clippy::too_many_arguments)]
async fn store_for_action(
    who: &Operatore,
    action: i64,
    path: &str,
    upload: Inspected,
    quota: u64,
    writer: &Writer,
    clock: &SharedClock,
    pool: &Arc<ReadPool>,
    access: &Arc<AccessControl>,
) -> Result<Created<Json<Value>>, AppError> {
    let scope = crate::access::RecipientScope::Provider(who.scope.clone());
    let Some(found) = pool.read(move |c| actions::get(c, &scope, action)).await? else {
        return Err(access.refuse_as_not_found(&who.principal, "POST", path).await);
    };
    let (now, scope, recipient) = (clock.now_ms(), who.scope.clone(), found.recipient);
    match writer.write(move |tx| store(tx, now, &scope, recipient, Some(action), &upload, quota)).await {
        Ok(stored) => {
            let signers = stored.report.get("signers");
            let body = json!({
                "id": stored.id, "sha256": stored.sha256, "kind": stored.kind, "size": stored.size,
                "signer": signers.and_then(|s| s.get(0)), "signers": signers,
                "conformity": stored.report.get("conformity"), "flags": stored.report.get("flags"),
                "chain_checked": false,
            });
            Ok(Created::new(format!("/api/v1/documents/{}", stored.id)).body(Json(body)))
        }
        Err(AppError::NotFound) => Err(access.refuse_as_not_found(&who.principal, "POST", path).await),
        Err(e) => Err(e),
    }
}

#[get("/documents/<document>")]
async fn document(
    who: RecipientReader,
    document: i64,
    path: RequestPath,
    pool: &State<Arc<ReadPool>>,
    access: &State<Arc<AccessControl>>,
) -> Result<FileDownload, AppError> {
    download_document(&who, document, &path.0, pool, access).await
}

pub fn routes() -> Vec<Route> {
    routes![create, list, post_event, upload_multipart, upload_raw, document]
}

//! Policy actions over the API: JSON field names follow the SAP XML element names
//! (`tipo_attivita`, `data_proposta`, ...), with `dettagli` holding the fields of the type.

use std::collections::BTreeMap;
use std::sync::Arc;

use rocket::response::status::Created;
use rocket::serde::json::{Json, Value, json};
use rocket::{Route, State, get, post, routes};

use crate::domain::audit_views::{ActionsListed, Via};
use crate::domain::ids::ActionId;
use crate::domain::ids::DocumentId;
use crate::domain::ids::RecipientId;
use crate::domain::policy_action::ActionInput;
use crate::error::AppError;
use crate::repo::actions;
use crate::service::actions::{EventInput, add_event, record};
use crate::service::signed_programmes::{Inspected, inspect, store};
use crate::web::ctx::Ctx;
use crate::web::guards::{Operatore, RecipientReader};
use crate::web::uploads::{SignedUpload, download_document, inspect_upload};
use crate::web::views::download::Download;

use super::paging::{Page, Paging};
use super::responses::{ActionNotFound, DocumentNotFound, Invalid, RecipientNotFound, Stale};

/// Numbers or text alike: the rules read text, as from a form.
fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The body of `POST /recipients/{id}/actions`; its field descriptions (in Italian) are the
/// OpenAPI description's.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
#[schema(as = ActionRequest)]
struct ActionBody {
    /// Tipo di attività: `A06`, `B03`, `C06`, `C07` (sceglie lo schema di `dettagli`).
    #[schema(value_type = String)]
    tipo_attivita: Value,
    /// Titolo o denominazione (al massimo 100 caratteri; obbligatorio per C06 e C07).
    #[schema(value_type = Option<String>)]
    titolo_denominazione: Value,
    /// Data della proposta (aaaa-mm-gg o gg/mm/aaaa).
    #[schema(value_type = String)]
    data_proposta: Value,
    /// Data di inizio.
    #[schema(value_type = Option<String>)]
    data_inizio: Value,
    /// Data di fine.
    #[schema(value_type = Option<String>)]
    data_fine: Value,
    /// Durata, nell'unità di `tipologia_durata` (numero o testo).
    #[schema(value_type = Option<i64>)]
    durata: Value,
    /// Unità della durata: `O` ore, `G` giorni, `M` mesi, `A` anni.
    #[schema(value_type = Option<String>)]
    tipologia_durata: Value,
    /// Descrizione (al massimo 250 caratteri; obbligatoria per C06).
    #[schema(value_type = Option<String>)]
    descrizione: Value,
    /// Titolo del progetto.
    #[schema(value_type = Option<String>)]
    titolo_progetto: Value,
    /// Evento iniziale (codice dell'elenco nazionale, per esempio `10`).
    #[schema(value_type = String)]
    evento: Value,
    /// Data dell'evento.
    #[schema(value_type = String)]
    data_evento: Value,
    /// I campi del tipo di attività.
    #[schema(schema_with = super::openapi::dettagli::any_of_types)]
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

#[utoipa::path(
    post, path = "/recipients/{id}/actions", tag = "azioni",
    description = "Registra un'azione di politica attiva (operatore del soggetto): rilascia l'identificativo politica.",
    params(("id" = i64, Path, description = "Identificativo della persona")),
    request_body = ActionBody,
    responses(
        (status = 201, description = "Registrata; `Location` è l'azione", body = super::openapi::people::Action),
        RecipientNotFound, Invalid,
    ),
)]
#[post("/recipients/<id>/actions", format = "json", data = "<body>")]
async fn create(
    who: Operatore,
    ctx: Ctx<'_>,
    id: RecipientId,
    body: Result<Json<ActionBody>, rocket::serde::json::Error<'_>>,
    issuer: &State<Arc<crate::service::identificativo::Issuer>>,
) -> Result<Created<Json<Value>>, AppError> {
    let input = super::body::body(body)?.input();
    let (scope, issuer) = (who.scope.clone(), issuer.inner().clone());
    let done = ctx.write_stamped_or_404(move |tx, now| record(tx, now, &scope, &issuer, id, &input)).await?;
    let scope = crate::access::RecipientScope::Provider(who.scope.clone());
    let action = ctx.read(move |c| actions::get(c, &scope, done.id)).await?.ok_or(AppError::NotFound)?;
    Ok(Created::new(format!("/api/v1/actions/{}", action.id)).body(Json(json!(action))))
}

#[utoipa::path(
    get, path = "/recipients/{id}/actions", tag = "azioni",
    description = "Le azioni della persona, ognuna con la storia `eventi` (lettura registrata).",
    params(("id" = i64, Path, description = "Identificativo della persona"), super::paging::PagingParams),
    responses((status = 200, description = "Una pagina di azioni", body = super::paging::Page<super::openapi::people::Action>), RecipientNotFound, Invalid),
)]
#[get("/recipients/<id>/actions?<page>&<per_page>")]
async fn list(
    who: RecipientReader,
    ctx: Ctx<'_>,
    id: RecipientId,
    page: Option<i64>,
    per_page: Option<i64>,
) -> Result<Json<Page<Value>>, AppError> {
    let paging = Paging::new(page, per_page)?;
    let page = ctx
        .read_or_404(who.scope(), move |c, scope| {
            if crate::repo::recipients::get(c, scope, id)?.is_none() {
                return Ok(None);
            }
            // A person's actions are few: the page is cut here, the history read for it only.
            let page = paging.of(actions::for_recipient(c, scope, id)?);
            let mut items = Vec::with_capacity(page.items.len());
            for a in &page.items {
                let events = actions::events(c, &a.scoped)?;
                let mut v = json!(a);
                if let Some(map) = v.as_object_mut() {
                    map.insert("eventi".into(), json!(events));
                }
                items.push(v);
            }
            Ok(Some(paging.page(items, page.total)))
        })
        .await?;
    let event = ActionsListed { recipient: id, rows: page.items.len(), page: paging.page, via: Via::Api };
    ctx.audit_view(who.scope().actor(), &event).await?;
    Ok(Json(page))
}

#[utoipa::path(
    post, path = "/actions/{action}/events", tag = "azioni",
    description = "Registra il prossimo evento dell'azione (operatore del soggetto).",
    params(("action" = i64, Path, description = "Identificativo dell'azione")),
    request_body = super::openapi::people::EventRequest,
    responses((status = 200, description = "Registrato", body = super::openapi::people::EventRecorded), ActionNotFound, Stale, Invalid),
)]
#[post("/actions/<action>/events", format = "json", data = "<body>")]
async fn post_event(
    who: Operatore,
    ctx: Ctx<'_>,
    action: ActionId,
    body: Result<Json<EventInput>, rocket::serde::json::Error<'_>>,
) -> Result<Json<Value>, AppError> {
    let input = super::body::body(body)?;
    let scope = who.scope.clone();
    let version = ctx.write_stamped_or_404(move |tx, now| add_event(tx, now, &scope, action, &input)).await?;
    Ok(Json(json!({ "id": action, "version": version })))
}

/// The signed programme for an action: multipart (field `file`, with the header
/// `X-Ricolloca-Client`) or the raw file as the body (`application/pdf`, `application/pkcs7-mime`).
#[utoipa::path(
    post, path = "/actions/{action}/documents", tag = "azioni",
    description = "Carica il programma firmato per l'azione: come corpo della richiesta (`application/pdf`, `application/pkcs7-mime`) oppure `multipart/form-data` con il campo `file` e l'intestazione `X-Ricolloca-Client`.",
    params(
        ("action" = i64, Path, description = "Identificativo dell'azione"),
        ("X-Ricolloca-Client" = Option<String>, Header, description = "Obbligatoria con `multipart/form-data` (qualsiasi valore): un browser non può aggiungerla da un altro sito"),
    ),
    request_body(content(
        (super::openapi::people::SignedUpload = "multipart/form-data"),
        (super::openapi::common::File = "application/pdf"),
        (super::openapi::common::File = "application/pkcs7-mime"),
    )),
    responses(
        (status = 201, description = "Conservato; `Location` è il documento", body = super::openapi::people::StoredDocument),
        ActionNotFound,
        (status = 422, description = "File mancante, troppo grande o non riconosciuto (campo `file`), o quota esaurita", body = super::openapi::common::Errore),
    ),
)]
#[post("/actions/<action>/documents", format = "multipart/form-data", data = "<form>", rank = 1)]
async fn upload_multipart(
    who: Operatore,
    ctx: Ctx<'_>,
    action: ActionId,
    form: crate::web::forms::Checked<SignedUpload<'_>>,
) -> Result<Created<Json<Value>>, AppError> {
    let upload = inspect_upload(form.file.as_ref(), ctx.site.upload_max).await?;
    let upload = upload.ok_or_else(missing_file)?;
    store_for_action(&who, &ctx, action, upload).await
}

#[post("/actions/<action>/documents", data = "<body>", rank = 2)]
async fn upload_raw(
    who: Operatore,
    ctx: Ctx<'_>,
    action: ActionId,
    body: rocket::Data<'_>,
) -> Result<Created<Json<Value>>, AppError> {
    let limit = rocket::data::ByteUnit::from(ctx.site.upload_max + 1);
    let bytes = body.open(limit).into_bytes().await.map_err(AppError::internal)?;
    if !bytes.is_complete() {
        return Err(file_error(format!(
            "il file supera la dimensione massima di {} MB",
            ctx.site.upload_max / (1024 * 1024)
        )));
    }
    let max = ctx.site.upload_max;
    let bytes = bytes.into_inner();
    if bytes.is_empty() {
        return Err(missing_file());
    }
    let upload =
        rocket::tokio::task::spawn_blocking(move || inspect(bytes, max)).await.map_err(AppError::internal)??;
    store_for_action(&who, &ctx, action, upload).await
}

fn file_error(message: String) -> AppError {
    AppError::Invalid(vec![crate::error::FieldError { field: "file".into(), message }])
}

fn missing_file() -> AppError {
    file_error("nessun file ricevuto (campo file)".into())
}

async fn store_for_action(
    who: &Operatore,
    ctx: &Ctx<'_>,
    action: ActionId,
    upload: Inspected,
) -> Result<Created<Json<Value>>, AppError> {
    let scope = crate::access::RecipientScope::Provider(who.scope.clone());
    let found = ctx.read_or_404(scope, move |c, scope| actions::get(c, scope, action)).await?;
    let (scope, recipient, now, quota) = (who.scope.clone(), found.recipient, ctx.now, ctx.site.upload_quota);
    let stored = ctx.write_or_404(move |tx| store(tx, now, &scope, recipient, Some(action), &upload, quota)).await?;
    let signers = stored.report.get("signers");
    let body = json!({
        "id": stored.id, "sha256": stored.sha256, "kind": stored.kind, "size": stored.size,
        "signer": signers.and_then(|s| s.get(0)), "signers": signers,
        "conformity": stored.report.get("conformity"), "flags": stored.report.get("flags"),
        "chain_checked": false,
    });
    Ok(Created::new(format!("/api/v1/documents/{}", stored.id)).body(Json(body)))
}

#[utoipa::path(
    get, path = "/documents/{document}", tag = "azioni",
    description = "Scarica un documento caricato, come allegato (scaricamento registrato).",
    params(("document" = i64, Path, description = "Identificativo del documento")),
    responses(
        (status = 200, description = "Il file", content(
            (super::openapi::common::File = "application/pdf"),
            (super::openapi::common::File = "application/pkcs7-mime"),
        )),
        DocumentNotFound,
    ),
)]
#[get("/documents/<document>")]
async fn document(who: RecipientReader, ctx: Ctx<'_>, document: DocumentId) -> Result<Download, AppError> {
    download_document(&who, &ctx, document).await
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(create, list, post_event, upload_multipart, document))]
pub(super) struct Doc;

pub fn routes() -> Vec<Route> {
    routes![create, list, post_event, upload_multipart, upload_raw, document]
}

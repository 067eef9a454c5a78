//! `/api/v1/providers` and `/api/v1/operators` for integrations: the same services, guards
//! and audit as the screens. Errors: 422 `{"errors":[{"field","message"}]}`, 409 for a
//! codice fiscale already used, 404 for unknown ids.

use rocket::http::Status;
use rocket::serde::json::{Json, Value, json};
use rocket::{Route, get, post, put, routes};

use crate::domain::audit_views::{OperatorViewed, OperatorsListed, ProviderViewed, ProvidersListed, Via};
use crate::domain::ids::{CommunicationId, OperatorId, ProviderId, SedeId};
use crate::domain::operator::{DisableReason, OperatorDraft};
use crate::domain::provider::{Provider, ProviderDraft};
use crate::domain::sede::{Sede, SedeDraft, chosen_sedi};
use crate::error::AppError;
use crate::repo::operators::{OperatorFilter, OperatorRow};
use crate::repo::{operators, providers};
use crate::service;
use crate::web::ctx::Ctx;
use crate::web::guards::{AdminReader, Regione};

use super::body::body;
use super::paging::{Page, Paging};
use super::responses::{Invalid, OperatorNotFound, ProviderNotFound, SedeNotFound, Stale};

#[utoipa::path(
    post, path = "/providers", tag = "amministrazione",
    description = "Registra un soggetto accreditato (Regione).",
    request_body = super::openapi::admin::ProviderDraft,
    responses((status = 201, description = "Registrato", body = super::openapi::admin::Provider), (status = 409, description = "Codice fiscale già registrato", body = super::openapi::common::Errore), Invalid),
)]
#[post("/providers", format = "json", data = "<draft>")]
async fn create_provider(
    who: Regione,
    ctx: Ctx<'_>,
    draft: Result<Json<ProviderDraft>, rocket::serde::json::Error<'_>>,
) -> Result<(Status, Json<Value>), AppError> {
    let valid = body(draft)?.validate().map_err(AppError::Invalid)?;
    let (now, authority) = (ctx.now, who.scope.authority());
    let id = ctx.write(move |tx| service::providers::create(tx, now, &authority, &valid)).await?;
    let p = ctx.read(move |c| providers::get(c, id)?.ok_or(AppError::NotFound)).await?;
    Ok((Status::Created, Json(json!(p))))
}

#[utoipa::path(
    get, path = "/providers", tag = "amministrazione",
    description = "I soggetti accreditati (Regione, revisore).",
    params(("q" = Option<String>, Query, description = "Cerca nella denominazione e nel codice fiscale"), super::paging::PagingParams),
    responses((status = 200, description = "Una pagina di soggetti", body = super::paging::Page<super::openapi::admin::Provider>), Invalid),
)]
#[get("/providers?<q>&<page>&<per_page>")]
async fn list_providers(
    who: AdminReader,
    ctx: Ctx<'_>,
    q: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
) -> Result<Json<Page<Provider>>, AppError> {
    let paging = Paging::new(page, per_page)?;
    let q = q.unwrap_or_default();
    let (items, total) = ctx.read(move |c| providers::search_window(c, &q, paging.offset(), paging.per_page)).await?;
    ctx.audit_view(who.scope.actor(), &ProvidersListed::Api { via: Via::Api }).await?;
    Ok(Json(paging.page(items, total)))
}

#[utoipa::path(
    put, path = "/providers/{id}", tag = "amministrazione",
    description = "Modifica un soggetto accreditato (Regione).",
    params(("id" = i64, Path, description = "Identificativo del soggetto accreditato")),
    request_body = super::openapi::admin::ProviderUpdate,
    responses((status = 200, description = "Modificato", body = super::openapi::admin::Provider), ProviderNotFound, Stale, Invalid),
)]
#[put("/providers/<id>", format = "json", data = "<draft>")]
async fn update_provider(
    who: Regione,
    ctx: Ctx<'_>,
    id: ProviderId,
    draft: Result<Json<Versioned<ProviderDraft>>, rocket::serde::json::Error<'_>>,
) -> Result<Json<Value>, AppError> {
    let Versioned { version, draft } = body(draft)?;
    let valid = draft.validate().map_err(AppError::Invalid)?;
    let (now, authority) = (ctx.now, who.scope.authority());
    ctx.write(move |tx| service::providers::update(tx, now, &authority, id, version, &valid)).await?;
    let p = ctx.read(move |c| providers::get(c, id)?.ok_or(AppError::NotFound)).await?;
    Ok(Json(json!(p)))
}

/// A body with the `version` read with the object, so that two edits never overwrite each
/// other silently (409 when it moved).
#[derive(Debug, serde::Deserialize)]
struct Versioned<T> {
    #[serde(default)]
    version: i64,
    #[serde(flatten)]
    draft: T,
}

#[utoipa::path(
    get, path = "/providers/{id}/sedi", tag = "amministrazione",
    description = "Le sedi operative del soggetto, anche chiuse (Regione, revisore).",
    params(("id" = i64, Path, description = "Identificativo del soggetto accreditato"), super::paging::PagingParams),
    responses((status = 200, description = "Una pagina di sedi", body = super::paging::Page<super::openapi::admin::Sede>), ProviderNotFound, Invalid),
)]
#[get("/providers/<id>/sedi?<page>&<per_page>")]
async fn list_sedi(
    who: AdminReader,
    ctx: Ctx<'_>,
    id: ProviderId,
    page: Option<i64>,
    per_page: Option<i64>,
) -> Result<Json<Page<Sede>>, AppError> {
    let paging = Paging::new(page, per_page)?;
    let sedi = ctx
        .read(move |c| {
            if !providers::exists(c, id)? {
                return Err(AppError::NotFound);
            }
            providers::sedi(c, id)
        })
        .await?;
    ctx.audit_view(who.scope.actor(), &ProviderViewed::Api { provider: id, via: Via::Api }).await?;
    Ok(Json(paging.of(sedi)))
}

#[utoipa::path(
    post, path = "/providers/{id}/sedi", tag = "amministrazione",
    description = "Aggiunge una sede operativa, aperta (Regione).",
    params(("id" = i64, Path, description = "Identificativo del soggetto accreditato")),
    request_body = super::openapi::admin::SedeDraft,
    responses((status = 201, description = "Aggiunta", body = super::openapi::admin::Sede), ProviderNotFound, Invalid),
)]
#[post("/providers/<id>/sedi", format = "json", data = "<draft>")]
async fn add_sede(
    who: Regione,
    ctx: Ctx<'_>,
    id: ProviderId,
    draft: Result<Json<SedeDraft>, rocket::serde::json::Error<'_>>,
) -> Result<(Status, Json<Sede>), AppError> {
    let mut draft = body(draft)?;
    // A sede is born open: closing is its own act.
    draft.closed = false;
    let valid = draft.validate().map_err(AppError::Invalid)?;
    let (now, authority) = (ctx.now, who.scope.authority());
    let sede = ctx.write(move |tx| service::providers::add_sede(tx, now, &authority, id, &valid)).await?;
    let s = ctx.read(move |c| providers::sede(c, sede)?.ok_or(AppError::NotFound)).await?;
    Ok((Status::Created, Json(s)))
}

#[utoipa::path(
    get, path = "/sedi/{id}", tag = "amministrazione",
    description = "Una sede (Regione, revisore).",
    params(("id" = i64, Path, description = "Identificativo della sede")),
    responses((status = 200, description = "La sede", body = super::openapi::admin::Sede), SedeNotFound),
)]
#[get("/sedi/<id>")]
async fn get_sede(who: AdminReader, ctx: Ctx<'_>, id: SedeId) -> Result<Json<Sede>, AppError> {
    let s = ctx.read(move |c| providers::sede(c, id)?.ok_or(AppError::NotFound)).await?;
    ctx.audit_view(who.scope.actor(), &ProviderViewed::ApiSede { sede: id, via: Via::Api }).await?;
    Ok(Json(s))
}

/// Address, phone, hours, enabled for the programme, temporarily closed; a closed sede stays
/// closed (closing is `POST /sedi/{id}/close`).
#[utoipa::path(
    put, path = "/sedi/{id}", tag = "amministrazione",
    description = "Modifica una sede; `temporarily_closed` per una chiusura temporanea; una sede chiusa resta chiusa (Regione).",
    params(("id" = i64, Path, description = "Identificativo della sede")),
    request_body = super::openapi::admin::SedeDraft,
    responses((status = 200, description = "Modificata", body = super::openapi::admin::Sede), SedeNotFound, Invalid),
)]
#[put("/sedi/<id>", format = "json", data = "<draft>")]
async fn update_sede(
    who: Regione,
    ctx: Ctx<'_>,
    id: SedeId,
    draft: Result<Json<SedeDraft>, rocket::serde::json::Error<'_>>,
) -> Result<Json<Sede>, AppError> {
    let mut draft = body(draft)?;
    let current = ctx.read(move |c| providers::sede(c, id)?.ok_or(AppError::NotFound)).await?;
    draft.closed = current.closed;
    let valid = draft.validate().map_err(AppError::Invalid)?;
    let (now, authority) = (ctx.now, who.scope.authority());
    ctx.write(move |tx| service::providers::update_sede(tx, now, &authority, id, &valid)).await?;
    let s = ctx.read(move |c| providers::sede(c, id)?.ok_or(AppError::NotFound)).await?;
    Ok(Json(s))
}

/// Closing a sede keeps it (and its history); it only leaves new choices.
#[utoipa::path(
    post, path = "/sedi/{id}/close", tag = "amministrazione",
    description = "Chiude definitivamente una sede: esce dalle nuove scelte, resta nella storia (Regione).",
    params(("id" = i64, Path, description = "Identificativo della sede")),
    request_body(content = serde_json::Value, content_type = "application/json", description = "Corpo vuoto `{}`: conta solo il tipo di contenuto"),
    responses((status = 200, description = "Chiusa", body = super::openapi::admin::Sede), SedeNotFound, Invalid),
)]
#[post("/sedi/<id>/close")]
async fn close_sede(who: Regione, ctx: Ctx<'_>, id: SedeId) -> Result<Json<Sede>, AppError> {
    let s = ctx.read(move |c| providers::sede(c, id)?.ok_or(AppError::NotFound)).await?;
    let draft = SedeDraft {
        address: s.address,
        comune: s.comune,
        phone: s.phone,
        opening_hours: s.opening_hours,
        programme_enabled: s.programme_enabled,
        temporarily_closed: s.temporarily_closed,
        closed: true,
    };
    let valid = draft.validate().map_err(AppError::Invalid)?;
    let (now, authority) = (ctx.now, who.scope.authority());
    ctx.write(move |tx| service::providers::update_sede(tx, now, &authority, id, &valid)).await?;
    let s = ctx.read(move |c| providers::sede(c, id)?.ok_or(AppError::NotFound)).await?;
    Ok(Json(s))
}

#[utoipa::path(
    get, path = "/operators", tag = "amministrazione",
    description = "Gli operatori e gli utenti regionali (Regione, revisore).",
    params(("q" = Option<String>, Query, description = "Cerca in cognome, nome, codice fiscale"), ("role" = Option<String>, Query, description = "Ruolo: `operatore`, `regione`, `revisore`, `tecnico`"), ("state" = Option<String>, Query, description = "Stato dell'utenza"), ("provider_id" = Option<i64>, Query, description = "Solo gli operatori di questo soggetto"), super::paging::PagingParams),
    responses((status = 200, description = "Una pagina di operatori", body = super::paging::Page<super::openapi::admin::Operator>), Invalid),
)]
#[get("/operators?<q>&<role>&<state>&<provider_id>&<page>&<per_page>")]
async fn list_operators(
    who: AdminReader,
    ctx: Ctx<'_>,
    q: Option<String>,
    role: Option<String>,
    state: Option<String>,
    provider_id: Option<ProviderId>,
    page: Option<i64>,
    per_page: Option<i64>,
) -> Result<Json<Page<OperatorRow>>, AppError> {
    let paging = Paging::new(page, per_page)?;
    let filter = OperatorFilter {
        q: q.unwrap_or_default(),
        role: role.unwrap_or_default(),
        state: state.unwrap_or_default(),
        provider: provider_id,
    };
    let (items, total) =
        ctx.read(move |c| operators::search_window(c, &filter, paging.offset(), paging.per_page)).await?;
    ctx.audit_view(who.scope.actor(), &OperatorsListed::Api { via: Via::Api }).await?;
    Ok(Json(paging.page(items, total)))
}

/// The body of a variation: what the provider communicated in writing.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = OperatorVariation)]
struct VariationBody {
    /// La versione dell'operatore letta: se è cambiata, 409.
    #[serde(default)]
    version: i64,
    /// Email (obbligatoria).
    #[serde(default)]
    email: String,
    /// Ruolo ricoperto (obbligatorio).
    #[serde(default)]
    role_title: String,
    /// Le sedi in cui lavora; assente: invariate. Un valore che non è una sede del soggetto
    /// (o non è un numero) rifiuta la variazione con un errore su `sedi`.
    #[serde(default)]
    #[schema(value_type = Option<Vec<i64>>)]
    sedi: Option<Vec<Value>>,
    /// La comunicazione scritta di variazione (obbligatoria).
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    communication_id: Option<CommunicationId>,
}

#[utoipa::path(
    post, path = "/operators/{id}/variation", tag = "amministrazione",
    description = "Registra una variazione comunicata per iscritto: email, ruolo ricoperto, sedi (Regione).",
    params(("id" = i64, Path, description = "Identificativo dell'operatore")),
    request_body = VariationBody,
    responses((status = 200, description = "L'operatore con la storia", body = super::openapi::admin::OperatorDetail), OperatorNotFound, Stale, Invalid),
)]
#[post("/operators/<id>/variation", format = "json", data = "<variation>")]
async fn vary_operator(
    who: Regione,
    ctx: Ctx<'_>,
    id: OperatorId,
    variation: Result<Json<VariationBody>, rocket::serde::json::Error<'_>>,
) -> Result<Json<Value>, AppError> {
    let v = body(variation)?;
    // Read as they came, so that a value that is no sede id is refused naming `sedi`.
    let sedi = match &v.sedi {
        None => None,
        Some(values) => {
            let texts: Vec<String> =
                values.iter().map(|x| if let Value::Number(n) = x { n.to_string() } else { String::new() }).collect();
            Some(chosen_sedi(texts.iter().map(String::as_str)).map_err(|e| AppError::Invalid(vec![e]))?)
        }
    };
    let (now, authority) = (ctx.now, who.scope.authority());
    ctx.write(move |tx| {
        let variation = service::operators::Variation {
            version: v.version,
            email: &v.email,
            role_title: &v.role_title,
            sedi: sedi.as_deref(),
            communication: v.communication_id,
        };
        service::operators::vary(tx, now, &authority, id, &variation)
    })
    .await?;
    operator_json(&ctx, id).await
}

/// The operator with the sedi assigned, the history and the certificates seen.
async fn operator_json(ctx: &Ctx<'_>, id: OperatorId) -> Result<Json<Value>, AppError> {
    let (o, history, sedi, certs) = ctx
        .read(move |c| {
            Ok((
                operators::row(c, id)?.ok_or(AppError::NotFound)?,
                operators::history(c, id)?,
                operators::sede_ids(c, id)?,
                operators::certificates(c, id)?,
            ))
        })
        .await?;
    let mut v = json!(o);
    if let Some(map) = v.as_object_mut() {
        map.insert("history".into(), json!(history));
        map.insert("sedi".into(), json!(sedi));
        map.insert("certificates".into(), json!(certs));
    }
    Ok(Json(v))
}

#[utoipa::path(
    get, path = "/providers/{id}", tag = "amministrazione",
    description = "Un soggetto accreditato (Regione, revisore).",
    params(("id" = i64, Path, description = "Identificativo del soggetto accreditato")),
    responses((status = 200, description = "Il soggetto", body = super::openapi::admin::Provider), ProviderNotFound),
)]
#[get("/providers/<id>")]
async fn get_provider(who: AdminReader, ctx: Ctx<'_>, id: ProviderId) -> Result<Json<Value>, AppError> {
    let p = ctx.read(move |c| providers::get(c, id)?.ok_or(AppError::NotFound)).await?;
    ctx.audit_view(who.scope.actor(), &ProviderViewed::Api { provider: id, via: Via::Api }).await?;
    Ok(Json(json!(p)))
}

/// The reason of a disabling or re-enabling.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[schema(as = OperatorStateChange)]
struct Reason {
    /// Motivo (obbligatorio), registrato nella storia e nel registro.
    #[serde(default)]
    reason: String,
    /// Solo per la disattivazione: `anomaly` (anomalie nell'utilizzo), `uncontactable` (responsabili
    /// non raggiungibili), `role_lost` (perdita del ruolo), `other`.
    #[serde(default)]
    kind: String,
    /// La comunicazione scritta (obbligatoria per una revoca chiesta dal soggetto e per la riabilitazione).
    #[serde(default)]
    #[schema(value_type = Option<i64>)]
    communication_id: Option<CommunicationId>,
}

async fn provider_status(
    who: Regione,
    id: ProviderId,
    suspend: bool,
    reason: Result<Json<Reason>, rocket::serde::json::Error<'_>>,
    ctx: &Ctx<'_>,
) -> Result<Json<Value>, AppError> {
    let reason = body(reason)?.reason;
    let (now, authority) = (ctx.now, who.scope.authority());
    ctx.write(move |tx| service::providers::set_suspended(tx, now, &authority, id, suspend, &reason)).await?;
    let p = ctx.read(move |c| providers::get(c, id)?.ok_or(AppError::NotFound)).await?;
    Ok(Json(json!(p)))
}

#[utoipa::path(
    post, path = "/providers/{id}/suspend", tag = "amministrazione",
    description = "Sospende un soggetto accreditato: i suoi operatori non accedono più (Regione).",
    params(("id" = i64, Path, description = "Identificativo del soggetto accreditato")),
    request_body = super::openapi::admin::ProviderReason,
    responses((status = 200, description = "Sospeso", body = super::openapi::admin::Provider), ProviderNotFound, Invalid),
)]
#[post("/providers/<id>/suspend", format = "json", data = "<reason>")]
async fn suspend_provider(
    who: Regione,
    ctx: Ctx<'_>,
    id: ProviderId,
    reason: Result<Json<Reason>, rocket::serde::json::Error<'_>>,
) -> Result<Json<Value>, AppError> {
    provider_status(who, id, true, reason, &ctx).await
}

#[utoipa::path(
    post, path = "/providers/{id}/reactivate", tag = "amministrazione",
    description = "Riattiva un soggetto accreditato sospeso (Regione).",
    params(("id" = i64, Path, description = "Identificativo del soggetto accreditato")),
    request_body = super::openapi::admin::ProviderReason,
    responses((status = 200, description = "Riattivato", body = super::openapi::admin::Provider), ProviderNotFound, Invalid),
)]
#[post("/providers/<id>/reactivate", format = "json", data = "<reason>")]
async fn reactivate_provider(
    who: Regione,
    ctx: Ctx<'_>,
    id: ProviderId,
    reason: Result<Json<Reason>, rocket::serde::json::Error<'_>>,
) -> Result<Json<Value>, AppError> {
    provider_status(who, id, false, reason, &ctx).await
}

#[utoipa::path(
    post, path = "/operators", tag = "amministrazione",
    description = "Abilita un operatore, su una comunicazione scritta registrata (Regione).",
    request_body = super::openapi::admin::OperatorDraft,
    responses((status = 201, description = "Abilitato", body = super::openapi::admin::Operator), (status = 409, description = "Codice fiscale già abilitato", body = super::openapi::common::Errore), Invalid),
)]
#[post("/operators", format = "json", data = "<draft>")]
async fn create_operator(
    who: Regione,
    ctx: Ctx<'_>,
    draft: Result<Json<OperatorDraft>, rocket::serde::json::Error<'_>>,
) -> Result<(Status, Json<Value>), AppError> {
    let valid = body(draft)?.validate().map_err(AppError::Invalid)?;
    let (now, authority) = (ctx.now, who.scope.authority());
    let id = ctx.write(move |tx| service::operators::enable(tx, now, &authority, &valid)).await?;
    let o = ctx.read(move |c| operators::row(c, id)?.ok_or(AppError::NotFound)).await?;
    Ok((Status::Created, Json(json!(o))))
}

#[utoipa::path(
    get, path = "/operators/{id}", tag = "amministrazione",
    description = "Un operatore con storia, sedi e certificati (Regione, revisore).",
    params(("id" = i64, Path, description = "Identificativo dell'operatore")),
    responses((status = 200, description = "L'operatore", body = super::openapi::admin::OperatorDetail), OperatorNotFound),
)]
#[get("/operators/<id>")]
async fn get_operator(who: AdminReader, ctx: Ctx<'_>, id: OperatorId) -> Result<Json<Value>, AppError> {
    let v = operator_json(&ctx, id).await?;
    ctx.audit_view(who.scope.actor(), &OperatorViewed { operator: id, via: Some(Via::Api) }).await?;
    Ok(v)
}

#[utoipa::path(
    post, path = "/operators/{id}/disable", tag = "amministrazione",
    description = "Disattiva un operatore (revoca comunicata per iscritto o altro motivo) (Regione).",
    params(("id" = i64, Path, description = "Identificativo dell'operatore")),
    request_body = Reason,
    responses((status = 200, description = "Disattivato", body = super::openapi::admin::Operator), OperatorNotFound, Invalid),
)]
#[post("/operators/<id>/disable", format = "json", data = "<reason>")]
async fn disable_operator(
    who: Regione,
    ctx: Ctx<'_>,
    id: OperatorId,
    reason: Result<Json<Reason>, rocket::serde::json::Error<'_>>,
) -> Result<Json<Value>, AppError> {
    let r = body(reason)?;
    let (now, authority) = (ctx.now, who.scope.authority());
    let kind = DisableReason::from_code(&r.kind);
    let comm = r.communication_id;
    ctx.write(move |tx| service::operators::disable(tx, now, &authority, id, kind, &r.reason, comm)).await?;
    let o = ctx.read(move |c| operators::row(c, id)?.ok_or(AppError::NotFound)).await?;
    Ok(Json(json!(o)))
}

#[utoipa::path(
    post, path = "/operators/{id}/enable", tag = "amministrazione",
    description = "Riabilita un operatore disattivato, su una comunicazione scritta (Regione).",
    params(("id" = i64, Path, description = "Identificativo dell'operatore")),
    request_body = Reason,
    responses((status = 200, description = "Riabilitato", body = super::openapi::admin::Operator), OperatorNotFound, Invalid),
)]
#[post("/operators/<id>/enable", format = "json", data = "<reason>")]
async fn enable_operator(
    who: Regione,
    ctx: Ctx<'_>,
    id: OperatorId,
    reason: Result<Json<Reason>, rocket::serde::json::Error<'_>>,
) -> Result<Json<Value>, AppError> {
    let r = body(reason)?;
    let (now, authority) = (ctx.now, who.scope.authority());
    let comm = r.communication_id;
    ctx.write(move |tx| service::operators::reenable(tx, now, &authority, id, &r.reason, comm)).await?;
    let o = ctx.read(move |c| operators::row(c, id)?.ok_or(AppError::NotFound)).await?;
    Ok(Json(json!(o)))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    create_provider,
    list_providers,
    get_provider,
    update_provider,
    suspend_provider,
    reactivate_provider,
    list_sedi,
    add_sede,
    get_sede,
    update_sede,
    close_sede,
    list_operators,
    create_operator,
    get_operator,
    vary_operator,
    disable_operator,
    enable_operator
))]
pub(super) struct Doc;

pub fn routes() -> Vec<Route> {
    routes![
        create_provider,
        list_providers,
        get_provider,
        update_provider,
        list_sedi,
        add_sede,
        get_sede,
        update_sede,
        close_sede,
        list_operators,
        vary_operator,
        suspend_provider,
        reactivate_provider,
        create_operator,
        get_operator,
        disable_operator,
        enable_operator
    ]
}

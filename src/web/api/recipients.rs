//! `GET /api/v1/recipients` and `/api/v1/recipients/{id}`: the cruscotto and the scheda as
//! JSON, scoped exactly like the screens (an operator sees only their provider's people).

use rocket::serde::json::{Json, Value, json};
use rocket::{Route, State, get, put, routes};

use crate::domain::audit_views::{ProgrammeViewed, RecipientViewed, RecipientsListed, Via};
use crate::domain::ids::{OperatorId, ProviderId, RecipientId};
use crate::domain::programme::ProgrammeFields;
use crate::domain::recipient::VoucherState;
use crate::error::AppError;
use crate::repo::programmes;
use crate::repo::read_cache::{DataGeneration, ReadCache};
use crate::repo::recipients::{self, DashboardFilter};
use crate::repo::{policies, saps, signed_programmes, vouchers};
use crate::service::programmes::save;
use crate::web::ctx::Ctx;
use crate::web::guards::{Operatore, RecipientReader};

use super::paging::{Page, Paging};
use super::responses::{Invalid, RecipientNotFound, Stale};

/// What a page of the list is read from: who asks, their scope's provider (`None`: the
/// Region), the filters and the window.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ListKey {
    viewer: Option<OperatorId>,
    scope: Option<ProviderId>,
    filter: DashboardFilter,
    offset: i64,
    per_page: i64,
}

/// Pages of the list as last read, until the data changes (`repo::read_cache`).
pub struct ListCache(ReadCache<ListKey, recipients::DashboardPage>);

impl ListCache {
    /// A few pages for each of a few clients at the same time; at most 200 rows each.
    const PAGES: usize = 32;

    pub fn new(generation: DataGeneration) -> Self {
        Self(ReadCache::new(generation, Self::PAGES))
    }
}

#[utoipa::path(
    get, path = "/recipients", tag = "persone",
    description = "Il cruscotto: le persone visibili (l'operatore vede solo quelle del proprio soggetto), in ordine di nome. Registrato con gli identificativi mostrati.",
    params(
        ("q" = Option<String>, Query, description = "Cerca in cognome, nome, codice fiscale"),
        ("state" = Option<String>, Query, description = "Stato dell'assegno; un valore sconosciuto è ignorato"),
        super::paging::PagingParams,
    ),
    responses((status = 200, description = "Una pagina del cruscotto", body = super::paging::Page<super::openapi::people::RecipientRow>), Invalid),
)]
#[get("/recipients?<q>&<state>&<page>&<per_page>")]
async fn list(
    who: RecipientReader,
    ctx: Ctx<'_>,
    cache: &State<ListCache>,
    q: Option<String>,
    state: Option<String>,
    page: Option<i64>,
    per_page: Option<i64>,
) -> Result<Json<Page<Value>>, AppError> {
    let filter = DashboardFilter {
        q: q.unwrap_or_default(),
        state: state.filter(|s| VoucherState::from_code(s).is_some()).unwrap_or_default(),
        ..Default::default()
    };
    let paging = Paging::new(page, per_page)?;
    let scope = who.scope();
    let key = ListKey {
        viewer: scope.actor().id,
        scope: scope.provider_filter(),
        filter: filter.clone(),
        offset: paging.offset(),
        per_page: paging.per_page,
    };
    let page = cache
        .0
        .read(ctx.pool, key, move |c, key| {
            recipients::dashboard_window(c, &scope, &key.filter, key.offset, key.per_page)
        })
        .await?;
    let recipients::DashboardPage { rows, total, .. } = &*page;
    let event = RecipientsListed::Api {
        scope: who.scope().provider_filter(),
        q: &filter.q,
        state: &filter.state,
        page: paging.page,
        per_page: paging.per_page,
        rows: rows.len(),
        via: Via::Api,
    };
    let shown = rows.iter().map(|r| r.id.get()).collect();
    ctx.audit_list(who.scope().actor(), &event, shown).await?;
    let items: Vec<Value> = rows
        .iter()
        .map(|r| {
            json!({
                "id": r.id, "codice_fiscale": r.codice_fiscale, "cognome": r.cognome, "nome": r.nome,
                "state": r.state, "voucher": r.voucher_code, "provider": { "id": r.provider_id, "name": r.provider_name },
                "chosen_on": r.chosen_on, "programme_start": r.programme_start, "programme_end": r.programme_end,
                "last_action": r.last_action, "last_action_on": r.last_action_on, "has_sap": r.has_sap,
                "next_appointment": r.next_appointment, "signed_programme_since": r.signed_since,
            })
        })
        .collect();
    Ok(Json(paging.page(items, *total)))
}

#[utoipa::path(
    get, path = "/recipients/{id}", tag = "persone",
    description = "La scheda della persona, con la SAP e le azioni (lettura registrata).",
    params(("id" = i64, Path, description = "Identificativo della persona")),
    responses((status = 200, description = "La scheda", body = super::openapi::people::RecipientDetail), RecipientNotFound),
)]
#[get("/recipients/<id>")]
async fn detail(who: RecipientReader, ctx: Ctx<'_>, id: RecipientId) -> Result<Json<Value>, AppError> {
    let (r, vouchers, sap, policies) = ctx
        .read_or_404(who.scope(), move |c, scope| {
            let Some(r) = recipients::get(c, scope, id)? else { return Ok(None) };
            Ok(Some((
                r,
                vouchers::vouchers(c, scope, id)?,
                saps::latest_sap(c, scope, id)?,
                policies::policies(c, scope, id)?,
            )))
        })
        .await?;
    let event = RecipientViewed { recipient: id, cf: &r.codice_fiscale, via: Some(Via::Api) };
    ctx.audit_view(who.scope().actor(), &event).await?;
    // Section VI also stands alone: a provider's actions exist before any SAP arrives.
    let sap = sap.map(|stored| {
        let mut sections: Value = serde_json::from_str(&stored.sections).unwrap_or(Value::Null);
        if let Some(map) = sections.as_object_mut() {
            map.insert("section6".into(), json!(policies));
        }
        let findings: Value = serde_json::from_str(&stored.findings).unwrap_or(Value::Array(Vec::new()));
        json!({ "version": stored.version, "imported_at": stored.imported_at, "sections": sections, "findings": findings })
    });
    Ok(Json(json!({
        "id": r.id, "codice_fiscale": r.codice_fiscale, "cognome": r.cognome, "nome": r.nome,
        "birth_date": r.birth_date, "sex": r.sex, "email": r.email, "phone": r.phone,
        "voucher": vouchers.first(), "vouchers": vouchers, "sap": sap, "section6": policies,
    })))
}

/// The programme: current fields, every version (with the sha256 of its PDF) and the signed
/// copies on file.
#[utoipa::path(
    get, path = "/recipients/{id}/programme", tag = "persone",
    description = "Il Programma di ricerca intensiva, le sue versioni e le copie firmate caricate (lettura registrata).",
    params(("id" = i64, Path, description = "Identificativo della persona")),
    responses((status = 200, description = "Il programma", body = super::openapi::people::Programme), RecipientNotFound),
)]
#[get("/recipients/<id>/programme")]
async fn programme(who: RecipientReader, ctx: Ctx<'_>, id: RecipientId) -> Result<Json<Value>, AppError> {
    let (found, versions, uploads) = ctx
        .read_or_404(who.scope(), move |c, scope| {
            let Some(found) = programmes::context(c, scope, id)? else { return Ok(None) };
            let versions = programmes::versions(c, &found.voucher)?;
            let uploads = signed_programmes::for_voucher(c, &found.voucher)?;
            Ok(Some((found, versions, uploads)))
        })
        .await?;
    let event = ProgrammeViewed::Api { recipient: id, cf: &found.codice_fiscale, via: Via::Api };
    ctx.audit_view(who.scope().actor(), &event).await?;
    let current: Value = versions.first().and_then(|v| serde_json::from_str(&v.fields).ok()).unwrap_or(Value::Null);
    let list: Vec<Value> = versions
        .iter()
        .map(|v| json!({ "version": v.version, "saved_at": v.saved_at, "saved_by": v.saved_by, "pdf_sha256": v.pdf_sha256 }))
        .collect();
    // The signed copies on file, newest first: how a client finds the documents to download.
    let signed: Vec<Value> = uploads
        .iter()
        .map(|u| {
            json!({
                "document": u.document_id, "action": u.policy_id, "kind": u.kind, "size": u.size,
                "sha256": u.sha256, "file_name": u.file_name, "matches_version": u.matches_version,
                "uploaded_at": u.uploaded_at, "uploaded_by": u.uploaded_by,
            })
        })
        .collect();
    Ok(Json(json!({
        "voucher": found.voucher_code, "version": versions.first().map_or(0, |v| v.version),
        "fields": current, "versions": list, "signed": signed,
    })))
}

#[derive(Debug, serde::Deserialize)]
struct ProgrammeUpdate {
    /// The version being edited (0 for the first save): a stale one is refused (409).
    #[serde(default)]
    version: i64,
    #[serde(flatten)]
    fields: ProgrammeFields,
}

#[utoipa::path(
    put, path = "/recipients/{id}/programme", tag = "persone",
    description = "Salva una nuova versione del programma (operatore del soggetto).",
    params(("id" = i64, Path, description = "Identificativo della persona")),
    request_body = super::openapi::people::ProgrammeUpdate,
    responses((status = 200, description = "Salvato", body = super::openapi::people::VersionOnly), RecipientNotFound, Stale, Invalid),
)]
#[put("/recipients/<id>/programme", format = "json", data = "<body>")]
async fn update_programme(
    who: Operatore,
    ctx: Ctx<'_>,
    id: RecipientId,
    body: Result<Json<ProgrammeUpdate>, rocket::serde::json::Error<'_>>,
) -> Result<Json<Value>, AppError> {
    let body = super::body::body(body)?;
    let fields = body.fields.validate().map_err(AppError::Invalid)?;
    let (now, scope, region, expected) = (ctx.now, who.scope.clone(), ctx.site.region_name.clone(), body.version);
    let version = ctx.write_or_404(move |tx| save(tx, now, &scope, &region, id, expected, &fields)).await?;
    Ok(Json(json!({ "version": version })))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(list, detail, programme, update_programme))]
pub(super) struct Doc;

pub fn routes() -> Vec<Route> {
    routes![list, detail, programme, update_programme]
}

//! The OpenAPI 3.1 description of `/api/v1`, served at `GET /api/v1/openapi.json` to any
//! authenticated role. Each handler module carries the `#[utoipa::path]` of its routes and
//! lists them in its `Doc`; this file puts the parts together and adds what every operation
//! shares (the mutual-TLS security scheme, the 401/403/503 answers, 415 on JSON writes).
//! `coverage_tests` proves every mounted route is described with its method.

pub mod admin;
pub mod common;
pub mod dettagli;
pub mod ops;
pub mod people;
pub mod sap;

#[cfg(test)]
mod coverage_tests;
#[cfg(test)]
mod shape_tests;

use rocket::http::ContentType;
use rocket::{Route, get, routes};
use utoipa::OpenApi;
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::SecurityScheme;
use utoipa::openapi::{ContentBuilder, Ref, RefOr};

use crate::error::AppError;
use crate::web::guards::Utente;

/// Where the API is mounted.
pub const BASE: &str = "/api/v1";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Ricolloca — API JSON",
        description = "Gli stessi dati e le stesse operazioni delle pagine, per i sistemi informativi dei \
soggetti accreditati e della Regione. Ogni connessione presenta un certificato client (la CNS \
dell'operatore o il certificato dell'applicazione): chi, con quale ruolo e per quale soggetto \
accreditato lo decide il certificato. Ogni lettura di dati personali e ogni modifica sono \
registrate nel registro degli accessi prima della risposta.\n\n\
Regole comuni: ogni scrittura dichiara il tipo di contenuto, `application/json` anche con il \
corpo vuoto `{}` (altrimenti 415); \
dati non validi → 422 con `errors` (un elemento per campo, messaggio in italiano); dati \
cambiati nel frattempo (`version`) o già occupati → 409 con lo stesso formato; un oggetto di \
un altro soggetto accreditato → 404 come se non esistesse (e il tentativo è registrato); ruolo \
sbagliato → 403; senza certificato → 401; disco pieno o registro non disponibile → 503. \
Gli elenchi si paginano con `page` (da 1) e `per_page` (da 1 a 200, predefinito 25) e \
rispondono `{items, total, page, per_page}`. I caricamenti `multipart/form-data` richiedono \
l'intestazione `X-Ricolloca-Client` (qualsiasi valore). Date `aaaa-mm-gg`; orari in ora italiana; \
gli istanti registrati sono millisecondi UTC.",
        license(name = "EUPL-1.2", identifier = "EUPL-1.2"),
    ),
    paths(openapi_json),
    security(("cns" = [])),
    tags(
        (name = "persone", description = "Cruscotto, scheda, programma"),
        (name = "azioni", description = "Azioni di politica attiva (sezione VI) e programmi firmati"),
        (name = "agenda", description = "Appuntamenti, esiti, segnalazioni al CPI, esito del programma"),
        (name = "amministrazione", description = "Soggetti accreditati, sedi, operatori, comunicazioni scritte (Regione)"),
        (name = "registro", description = "Registro degli accessi e anomalie"),
        (name = "servizio", description = "Importazioni, esportazione IDOL, backup, descrizione dell'API"),
    )
)]
struct Root;

/// The whole description, paths under `/api/v1`.
pub fn description() -> utoipa::openapi::OpenApi {
    let mut relative = Root::openapi();
    for part in super::docs() {
        relative.merge(part);
    }
    // The paths are written as Rocket mounts them, relative to `/api/v1`.
    let paths = std::mem::replace(&mut relative.paths, utoipa::openapi::Paths::new());
    let mut api = relative.nest(BASE, utoipa::openapi::OpenApiBuilder::new().paths(paths).build());
    dettagli::register(&mut api);
    security_scheme(&mut api);
    shared_answers(&mut api);
    operation_ids(&mut api);
    api
}

/// Handler names repeat across modules (`list`, `create`): the id is the method and the path,
/// unique by construction (`get_recipients_id_actions`).
fn operation_ids(api: &mut utoipa::openapi::OpenApi) {
    for (path, item) in api.paths.paths.iter_mut() {
        let words: Vec<&str> = path
            .trim_start_matches(BASE)
            .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .filter(|w| !w.is_empty())
            .collect();
        let name = words.join("_");
        for (method, op) in [("get", &mut item.get), ("put", &mut item.put), ("post", &mut item.post)] {
            if let Some(op) = op {
                op.operation_id = Some(format!("{method}_{name}"));
            }
        }
    }
}

fn security_scheme(api: &mut utoipa::openapi::OpenApi) {
    let components = api.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "cns",
        SecurityScheme::MutualTls {
            description: Some(
                "TLS reciproco: il certificato client della CNS dell'operatore (profilo CNS, policy \
                 richieste da `tls.required_policies`) o il certificato dell'applicazione, emesso da una \
                 delle CA configurate e non revocato. Il certificato individua la persona, il ruolo e \
                 il soggetto accreditato."
                    .into(),
            ),
            extensions: None,
        },
    );
}

fn error_answer(description: &str) -> RefOr<utoipa::openapi::Response> {
    let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("Errore"))).build();
    RefOr::T(ResponseBuilder::new().description(description).content("application/json", content).build())
}

fn operations(api: &mut utoipa::openapi::OpenApi) -> impl Iterator<Item = &mut Operation> {
    api.paths.paths.values_mut().flat_map(|item| {
        [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch].into_iter().flatten()
    })
}

/// What every operation may answer, whatever it does.
fn shared_answers(api: &mut utoipa::openapi::OpenApi) {
    for op in operations(api) {
        // Every write: the gate refuses a type a browser could send cross-site (see web::gate).
        let write = op.request_body.is_some();
        let answers = &mut op.responses.responses;
        let mut add = |code: &str, text: &str| {
            answers.entry(code.to_owned()).or_insert_with(|| error_answer(text));
        };
        add("401", "Nessun certificato client presentato.");
        add("403", "Certificato rifiutato (revocato, policy mancante, utenza disattivata) o ruolo non ammesso.");
        add("503", "Disco pieno o registro degli accessi non disponibile: nulla è stato fatto né mostrato.");
        if write {
            add(
                "415",
                "Tipo di contenuto non ammesso: `application/json` (anche per un corpo vuoto `{}`), o il tipo \
                 del file indicato; `multipart/form-data` solo con l'intestazione `X-Ricolloca-Client`.",
            );
        }
    }
}

/// The description as JSON; the same for every role, so not a personal read.
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "servizio",
    description = "Questa descrizione OpenAPI 3.1 dell'API (qualsiasi ruolo).",
    responses((status = 200, description = "La descrizione OpenAPI 3.1", content_type = "application/json")),
)]
#[get("/openapi.json")]
pub(super) fn openapi_json(_who: Utente) -> Result<(ContentType, String), AppError> {
    let text = description().to_pretty_json().map_err(AppError::internal)?;
    Ok((ContentType::JSON, text))
}

pub fn routes() -> Vec<Route> {
    routes![openapi_json]
}

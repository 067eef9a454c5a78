//! `GET /api/v1/me`: who the certificate belongs to.

use rocket::serde::json::{Json, Value, json};
use rocket::{Route, get, routes};

use crate::web::guards::Utente;

#[derive(utoipa::OpenApi)]
#[openapi(paths(me))]
pub(super) struct Doc;

#[utoipa::path(
    get,
    path = "/me",
    tag = "persone",
    description = "Chi sta chiamando: il titolare del certificato, il ruolo e il soggetto accreditato.",
    responses((status = 200, description = "La persona", body = super::openapi::people::Me)),
)]
#[get("/me")]
fn me(user: Utente) -> Json<Value> {
    let op = user.0.operator();
    Json(json!({
        "codice_fiscale": op.codice_fiscale.as_str(),
        "surname": op.surname,
        "name": op.name,
        "role": op.role.code(),
        "provider": op.provider.as_ref().map(|p| json!({ "id": p.id, "name": p.name })),
    }))
}

pub fn routes() -> Vec<Route> {
    routes![me]
}

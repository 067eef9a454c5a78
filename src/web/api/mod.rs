//! `/api/v1`: JSON for integrations, behind the same gate, guards and audit as the screens.

mod actions;
mod admin;
mod agenda;
mod anomalies;
mod audit;
mod backups;
mod body;
mod communications;
mod idol;
mod imports;
mod me;
pub mod openapi;
pub mod paging;
mod recipients;
pub use recipients::ListCache;
mod responses;

use rocket::Route;

pub fn routes() -> Vec<Route> {
    let mut routes = me::routes();
    routes.extend(audit::routes());
    routes.extend(anomalies::routes());
    routes.extend(admin::routes());
    routes.extend(imports::routes());
    routes.extend(recipients::routes());
    routes.extend(actions::routes());
    routes.extend(agenda::routes());
    routes.extend(communications::routes());
    routes.extend(backups::routes());
    routes.extend(idol::routes());
    routes.extend(openapi::routes());
    routes
}

/// The OpenAPI parts of each module, paths relative to `/api/v1` (see `openapi`).
fn docs() -> Vec<utoipa::openapi::OpenApi> {
    use utoipa::OpenApi;
    vec![
        me::Doc::openapi(),
        audit::Doc::openapi(),
        anomalies::Doc::openapi(),
        admin::Doc::openapi(),
        imports::Doc::openapi(),
        recipients::Doc::openapi(),
        actions::Doc::openapi(),
        agenda::Doc::openapi(),
        communications::Doc::openapi(),
        backups::Doc::openapi(),
        idol::Doc::openapi(),
    ]
}

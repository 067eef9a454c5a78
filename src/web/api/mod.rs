//! `/api/v1`: JSON for integrations, behind the same gate, guards and audit as the screens.

mod actions;
mod admin;
mod agenda;
mod anomalies;
mod audit;
mod backups;
mod communications;
mod idol;
mod imports;
mod me;
pub mod paging;
mod recipients;

use rocket::Route;
use rocket::serde::json::Json;

use crate::error::{AppError, FieldError};

/// A JSON body that failed to parse is a field error too (422), not a bare 400; the parser's
/// own words go to the log only.
pub fn body<T>(parsed: Result<Json<T>, rocket::serde::json::Error<'_>>) -> Result<T, AppError> {
    parsed.map(Json::into_inner).map_err(|e| {
        tracing::debug!(error = %e, "JSON body refused");
        AppError::Invalid(vec![FieldError {
            field: "body".into(),
            message: "JSON non valido: controllare la sintassi e i tipi dei campi".into(),
        }])
    })
}

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
    routes
}

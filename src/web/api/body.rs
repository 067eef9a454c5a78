//! The body of an API write.

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

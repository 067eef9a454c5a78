//! `POST /api/v1/import/assignments` (text/csv) and `/api/v1/import/sap` (application/xml):
//! the CPI's files, answered with the JSON import report.

use rocket::data::{Data, ToByteUnit};
use rocket::serde::json::Json;
use rocket::{Route, State, post, routes};

use crate::error::{AppError, FieldError};
use crate::infra::clock::SharedClock;
use crate::repo::writer::Writer;
use crate::service::imports::{self, ImportReport};
use crate::web::guards::Regione;

/// Largest file accepted through the API (a CSV of 100k assignments is ~15 MB).
const MAX_BODY_MIB: u64 = 64;

async fn read_body(data: Data<'_>) -> Result<Vec<u8>, AppError> {
    let body = data.open(MAX_BODY_MIB.mebibytes()).into_bytes().await.map_err(AppError::internal)?;
    if !body.is_complete() {
        return Err(AppError::Invalid(vec![FieldError {
            field: "body".into(),
            message: format!("file troppo grande (al massimo {MAX_BODY_MIB} MB)"),
        }]));
    }
    Ok(body.into_inner())
}

#[post("/import/assignments?<valid_only>", format = "text/csv", data = "<data>")]
async fn assignments(
    who: Regione,
    valid_only: Option<bool>,
    data: Data<'_>,
    writer: &State<Writer>,
    clock: &State<SharedClock>,
) -> Result<Json<ImportReport>, AppError> {
    let bytes = read_body(data).await?;
    let (now, authority, valid_only) = (clock.now_ms(), who.scope.authority(), valid_only.unwrap_or(false));
    let report = writer.write(move |tx| imports::assignments(tx, now, &authority, "api", &bytes, valid_only)).await?;
    Ok(Json(report))
}

/// One SAP per request (`application/xml` or `text/xml`); the report names the element
/// that could not be read.
#[post("/import/sap", data = "<data>")]
async fn sap(
    who: Regione,
    data: Data<'_>,
    content_type: Option<&rocket::http::ContentType>,
    writer: &State<Writer>,
    clock: &State<SharedClock>,
) -> Result<Json<ImportReport>, AppError> {
    if content_type.is_none_or(|ct| ct.sub().as_str() != "xml") {
        return Err(AppError::UnsupportedMediaType);
    }
    let bytes = read_body(data).await?;
    // Read outside the writer: a large file must not hold it.
    let read = rocket::tokio::task::spawn_blocking(move || imports::read_sap("api", bytes))
        .await
        .map_err(AppError::internal)?;
    let report = match read {
        Ok(read) => {
            let (now, authority) = (clock.now_ms(), who.scope.authority());
            writer.write(move |tx| imports::store_sap(tx, now, &authority, &read)).await?
        }
        Err(report) => report,
    };
    Ok(Json(report))
}

pub fn routes() -> Vec<Route> {
    routes![assignments, sap]
}

//! Backups for `tecnico` over the API: start one (it runs in the background, like the
//! screen's button), its status, and the files in the backup folder, paged. Downloading a
//! backup stays on the screen (`/tecnico/backup/file/{name}`), audited there.

use std::sync::Arc;

use rocket::http::Status;
use rocket::serde::json::{Json, Value, json};
use rocket::{Route, State, get, post, routes};

use super::paging::{Page, Paging};
use super::responses::Invalid;
use crate::error::AppError;
use crate::infra::clock::format_iso;
use crate::runtime::backups::{Backups, LastRun};
use crate::web::guards::Tecnico;

fn run_json(run: Option<LastRun>) -> Value {
    match run {
        Some(r) => json!({
            "at": format_iso(r.at), "file": r.file, "error": r.error, "audit_problem": r.audit_problem,
        }),
        None => Value::Null,
    }
}

fn status_json(backups: &Backups) -> Value {
    let (last, last_ok) = backups.last();
    json!({
        "running": backups.is_running(),
        "last": run_json(last),
        "last_ok": run_json(last_ok),
        "keep": backups.keep,
    })
}

/// Starts a backup now; 202 with the status (409 when one is already running).
#[utoipa::path(
    post, path = "/backups", tag = "servizio",
    description = "Avvia un backup in background (tecnico).",
    request_body(content = serde_json::Value, content_type = "application/json", description = "Corpo vuoto `{}`: conta solo il tipo di contenuto"),
    responses((status = 202, description = "Avviato: lo stato", body = super::openapi::ops::BackupStatus), (status = 409, description = "Un backup è già in corso", body = super::openapi::common::Errore)),
)]
#[post("/backups")]
async fn start(who: Tecnico, backups: &State<Arc<Backups>>) -> Result<(Status, Json<Value>), AppError> {
    if backups.is_running() {
        return Err(AppError::Conflict(crate::error::FieldError {
            field: "backup".into(),
            message: "un backup è già in corso: attendere che finisca".into(),
        }));
    }
    let (b, actor) = (backups.inner().clone(), who.0.actor());
    rocket::tokio::spawn(async move {
        let _ = b.run(actor).await;
    });
    Ok((Status::Accepted, Json(status_json(backups))))
}

/// Whether a backup is running, and how the last one (and the last good one) went.
#[utoipa::path(
    get, path = "/backups/status", tag = "servizio",
    description = "Se un backup è in corso e com'è andato l'ultimo (tecnico).",
    responses((status = 200, description = "Lo stato", body = super::openapi::ops::BackupStatus)),
)]
#[get("/backups/status")]
async fn status(_who: Tecnico, backups: &State<Arc<Backups>>) -> Json<Value> {
    Json(status_json(backups))
}

/// The files in the backup folder, newest first.
#[utoipa::path(
    get, path = "/backups", tag = "servizio",
    description = "I file nella cartella dei backup, dal più recente (tecnico).",
    params(super::paging::PagingParams),
    responses((status = 200, description = "Una pagina di file", body = super::paging::Page<super::openapi::ops::BackupFile>), Invalid),
)]
#[get("/backups?<page>&<per_page>")]
async fn list(
    _who: Tecnico,
    page: Option<i64>,
    per_page: Option<i64>,
    backups: &State<Arc<Backups>>,
) -> Result<Json<Page<Value>>, AppError> {
    let paging = Paging::new(page, per_page)?;
    let b = backups.inner().clone();
    let entries = rocket::tokio::task::spawn_blocking(move || b.list()).await.map_err(AppError::internal)?;
    Ok(Json(
        paging
            .of(entries)
            .map(|e| json!({ "name": e.name, "size": e.size, "modified": format_iso(e.modified), "sha256": e.sha256, "encryption": e.sealing.label() })),
    ))
}

#[derive(utoipa::OpenApi)]
#[openapi(paths(start, status, list))]
pub(super) struct Doc;

pub fn routes() -> Vec<Route> {
    routes![start, status, list]
}

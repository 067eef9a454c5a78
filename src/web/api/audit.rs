//! `GET /api/v1/audit/verify` (revisore): the state of the audit chain.

use std::sync::Arc;

use rocket::serde::json::{Json, Value, json};
use rocket::{Route, State, get, routes};

use crate::error::AppError;
use crate::repo::audit;
use crate::repo::pool::ReadPool;
use crate::web::guards::Revisore;

#[get("/audit/verify")]
async fn verify(_auditor: Revisore, pool: &State<Arc<ReadPool>>) -> Result<Json<Value>, AppError> {
    let (report, last_checkpoint) =
        pool.read(|c| Ok((audit::verify(c)?, audit::checkpoints(c)?.last().map(|cp| cp.seq)))).await?;
    Ok(Json(json!({
        "intact": report.broken.is_none(),
        "head_seq": report.head_seq,
        "last_checkpoint_seq": last_checkpoint,
        "first_broken_seq": report.broken.map(|(seq, _)| seq),
        "reason": report.broken.map(|(_, kind)| kind.describe()),
    })))
}

pub fn routes() -> Vec<Route> {
    routes![verify]
}

//! Who acknowledged which text of the tracking notice.

use rusqlite::{Connection, params};

use super::WriteTx;
use crate::domain::ids::OperatorId;
use crate::domain::timestamp::Timestamp;
use crate::error::AppError;

pub fn acknowledged(conn: &Connection, operator: OperatorId, sha256: &str) -> Result<bool, AppError> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM notice_ack WHERE operator_id = ?1 AND sha256 = ?2)")?
        .query_row(params![operator.get(), sha256], |r| r.get(0))?)
}

/// Records the acknowledgement; false if it was already there.
pub fn record(tx: &WriteTx<'_>, operator: OperatorId, sha256: &str, now: Timestamp) -> Result<bool, AppError> {
    let n = tx
        .conn()
        .prepare_cached("INSERT OR IGNORE INTO notice_ack (operator_id, sha256, acknowledged_at) VALUES (?1, ?2, ?3)")?
        .execute(params![operator.get(), sha256, now])?;
    Ok(n == 1)
}

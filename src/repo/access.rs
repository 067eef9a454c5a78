//! The access epoch (schema version 7): a counter that triggers move on every change to an
//! operator or a provider, whoever writes it. The access check keeps operators in memory
//! for as long as the epoch stays put.

use rusqlite::Connection;

use crate::error::AppError;

pub fn epoch(conn: &Connection) -> Result<i64, AppError> {
    Ok(conn.prepare_cached("SELECT n FROM access_epoch WHERE id = 1")?.query_row([], |r| r.get(0))?)
}

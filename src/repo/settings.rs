//! Values that belong to the data file itself.

use rusqlite::{Connection, OptionalExtension, params};

use super::WriteTx;
use crate::error::AppError;

pub fn get(conn: &Connection, key: &str) -> Result<Option<Vec<u8>>, AppError> {
    Ok(conn.prepare_cached("SELECT value FROM setting WHERE key = ?1")?.query_row([key], |r| r.get(0)).optional()?)
}

/// Stores `value` under `key` unless a value is already there; returns the stored value.
pub fn get_or_insert(tx: &WriteTx<'_>, key: &str, value: &[u8]) -> Result<Vec<u8>, AppError> {
    tx.conn()
        .prepare_cached("INSERT OR IGNORE INTO setting (key, value) VALUES (?1, ?2)")?
        .execute(params![key, value])?;
    get(tx.conn(), key)?.ok_or_else(|| AppError::unexpected("setting vanished"))
}

/// Stores `value` under `key`, replacing any previous value.
pub fn put(tx: &WriteTx<'_>, key: &str, value: &[u8]) -> Result<(), AppError> {
    tx.conn()
        .prepare_cached(
            "INSERT INTO setting (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )?
        .execute(params![key, value])?;
    Ok(())
}

pub fn delete(tx: &WriteTx<'_>, key: &str) -> Result<(), AppError> {
    tx.conn().prepare_cached("DELETE FROM setting WHERE key = ?1")?.execute([key])?;
    Ok(())
}

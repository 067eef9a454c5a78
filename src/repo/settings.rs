//! Values that belong to the data file itself.

use rusqlite::{Connection, OptionalExtension, params};

use super::WriteTx;
use crate::error::AppError;

pub fn get(conn: &Connection, key: &str) -> Result<Option<Vec<u8>>, AppError> {
    Ok(conn.query_row("SELECT value FROM setting WHERE key = ?1", [key], |r| r.get(0)).optional()?)
}

/// Stores `value` under `key` unless a value is already there; returns the stored value.
pub fn get_or_insert(tx: &WriteTx<'_>, key: &str, value: &[u8]) -> Result<Vec<u8>, AppError> {
    tx.conn().execute("INSERT OR IGNORE INTO setting (key, value) VALUES (?1, ?2)", params![key, value])?;
    get(tx.conn(), key)?.ok_or_else(|| AppError::internal("setting vanished"))
}

/// Stores `value` under `key`, replacing any previous value.
pub fn put(tx: &WriteTx<'_>, key: &str, value: &[u8]) -> Result<(), AppError> {
    tx.conn().execute(
        "INSERT INTO setting (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

pub fn delete(tx: &WriteTx<'_>, key: &str) -> Result<(), AppError> {
    tx.conn().execute("DELETE FROM setting WHERE key = ?1", [key])?;
    Ok(())
}

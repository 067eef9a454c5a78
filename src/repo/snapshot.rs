//! SQL for backups: a consistent copy of a live data file, and the facts checked on a copy.

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use super::BUSY_TIMEOUT;
use crate::error::AppError;

/// Copies the live data file into `dest` in ONE read transaction (`VACUUM INTO`): a consistent
/// snapshot. In WAL mode a reader never blocks the writer, so the server keeps writing while
/// this runs (a stepwise online backup would restart at every write and never finish).
pub fn vacuum_into(live: &Path, dest: &Path) -> Result<(), AppError> {
    let conn = Connection::open_with_flags(live, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let dest = dest.to_str().ok_or_else(|| AppError::unexpected("backup path is not UTF-8"))?;
    conn.prepare_cached("VACUUM INTO ?1")?.execute([dest])?;
    Ok(())
}

/// A copy (not the live file), read-only.
pub fn open_copy(path: &Path) -> Result<Connection, AppError> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(conn)
}

/// `PRAGMA integrity_check`: empty when the file is sound, else SQLite's findings.
pub fn integrity_problems(conn: &Connection) -> Result<Vec<String>, AppError> {
    let mut stmt = conn.prepare_cached("PRAGMA integrity_check")?;
    let lines = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
    Ok(lines.into_iter().filter(|l| l != "ok").collect())
}

pub fn schema_version(conn: &Connection) -> Result<i64, AppError> {
    Ok(conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
}

/// Rows per table (every table but SQLite's own).
pub fn row_counts(conn: &Connection) -> Result<BTreeMap<String, i64>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    )?;
    let names = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
    let mut out = BTreeMap::new();
    for name in names {
        // Table names come from sqlite_master, not from a user; quoted all the same.
        let n: i64 = conn
            .prepare_cached(&format!("SELECT count(*) FROM \"{}\"", name.replace('"', "\"\"")))?
            .query_row([], |r| r.get(0))?;
        out.insert(name, n);
    }
    Ok(out)
}

/// The last audit row's seq and hash, or (0, genesis) for an empty chain.
pub fn audit_head(conn: &Connection) -> Result<(i64, Vec<u8>), AppError> {
    let row = conn
        .prepare_cached("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(row.unwrap_or((0, crate::infra::audit::GENESIS.to_vec())))
}

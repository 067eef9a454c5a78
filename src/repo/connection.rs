//! Connections to the data file: read-only and read-write opening, the schema brought to this
//! version, and write transactions outside the writer thread (the command line).

use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use super::WriteTx;
use super::{codes, migrate};
use crate::error::{AppError, StartupError};

/// The schema of a new data file; `PRAGMA user_version` says which version a file has.
pub const SCHEMA: &str = include_str!("../../schema.sql");
pub const SCHEMA_VERSION: i64 = migrate::LATEST;
/// What `ricolloca --version` prints: app and schema version (clap needs a literal; the test
/// below keeps the number equal to `SCHEMA_VERSION`).
pub const VERSION_LINE: &str = concat!(env!("CARGO_PKG_VERSION"), " (schema 12)");

/// How long a connection waits for another process's write lock before giving up.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The read-write connection: busy timeout first (before WAL, which may need the lock),
/// then WAL, full fsync at each commit, foreign keys.
pub fn open_rw(path: &Path) -> Result<Connection, rusqlite::Error> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    stable_plans(&conn)?;
    // The writer runs a few dozen statements per kind of job (an action alone takes a
    // dozen); rusqlite's default of 16 cached statements made them evict each other.
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// Plans that do not depend on the values bound: without this, SQLite prepares a cached
/// statement again whenever a new value is bound to a parameter its plan looked at (a LIMIT,
/// a LIKE pattern, a range it estimated): 23% of the cruscotto's time went to that.
fn stable_plans(conn: &Connection) -> Result<(), rusqlite::Error> {
    conn.set_db_config(rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true).map(|_| ())
}

/// A reader's page cache, in KiB (negative: SQLite's unit for a size in KiB).
const READER_CACHE_KIB: i64 = -1024;

/// A read-only connection for the pool.
pub fn open_ro(path: &Path) -> Result<Connection, rusqlite::Error> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
    )?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    conn.pragma_update(None, "query_only", "ON")?;
    stable_plans(&conn)?;
    // Pages reuse a few dozen statements (`prepare_cached`); parsing them again per request
    // was 6% of the load bench's profile.
    conn.set_prepared_statement_cache_capacity(64);
    // Each reader keeps its own page cache (SQLite's default is 2 MiB): 16 of them filled to
    // 32 MiB under the cruscotto's load, half the memory budget. Pages missing from it come
    // from the kernel's page cache, shared by all, at the cost of a read() call.
    conn.pragma_update(None, "cache_size", READER_CACHE_KIB)?;
    Ok(conn)
}

/// Opens (creating if needed) the data file and brings its schema to this version.
/// Refuses a file written by a newer version, touching nothing. Before an older file is
/// changed, `before_upgrade(from_version)` runs and must succeed: the caller that migrates
/// makes the verified backup of the old file there (`service::data_file::open`), so this
/// layer needs nothing above it.
pub fn open_and_migrate(
    path: &Path,
    before_upgrade: impl FnOnce(i64) -> Result<(), StartupError>,
) -> Result<Connection, StartupError> {
    // Look before opening read-write: switching to WAL would already change the file.
    let version: i64 = if path.exists() {
        let conn = open_ro(path).map_err(|e| StartupError::key("data", format!("{}: {e}", path.display())))?;
        conn.pragma_query_value(None, "user_version", |r| r.get(0))?
    } else {
        0
    };
    if version > SCHEMA_VERSION {
        return Err(StartupError::key(
            "data",
            format!(
                "il file dati {} è stato scritto da una versione più recente (schema {version}, questo programma conosce fino a {SCHEMA_VERSION}): aggiornare il programma",
                path.display()
            ),
        ));
    }
    if version > 0 && version < SCHEMA_VERSION {
        before_upgrade(version)?;
    }
    let mut conn = open_rw(path).map_err(|e| StartupError::key("data", format!("{}: {e}", path.display())))?;
    if version < SCHEMA_VERSION {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Another process may have created it while we waited for the lock.
        let version: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if version == 0 {
            tx.execute_batch(SCHEMA)?;
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
        } else if version < SCHEMA_VERSION {
            migrate::upgrade(&tx, version)
                .map_err(|e| StartupError::key("data", format!("aggiornamento dello schema da {version}: {e}")))?;
        }
        tx.commit()?;
    }
    // New code lists arrive with new versions of the program; lists the Region imported stay.
    if codes::seed_needed(&conn).map_err(|e| StartupError::Other(format!("codici: {e}")))? {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        if codes::seed_needed(&tx).map_err(|e| StartupError::Other(format!("codici: {e}")))? {
            codes::seed(&WriteTx::new(&tx)).map_err(|e| StartupError::Other(format!("codici: {e}")))?;
        }
        tx.commit()?;
    }
    Ok(conn)
}

/// Many items in one write transaction, each in its own savepoint: an item that fails is
/// rolled back alone (its error returned in its place), the rest commit together with one
/// fsync. For bulk imports from the command line.
pub fn write_each<T, R>(
    conn: &mut Connection,
    items: impl IntoIterator<Item = T>,
    mut f: impl FnMut(&WriteTx<'_>, T) -> Result<R, AppError>,
) -> Result<Vec<Result<R, AppError>>, AppError> {
    let mut tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut out = Vec::new();
    for item in items {
        let mut sp = tx.savepoint()?;
        let result = f(&WriteTx::new(&sp), item);
        if result.is_ok() {
            sp.commit()?;
        } else {
            sp.rollback()?;
        }
        out.push(result);
    }
    tx.commit()?;
    Ok(out)
}

/// One write transaction outside the writer thread: the CLI, which may run beside a live
/// server. `BEGIN IMMEDIATE` takes the write lock first, so the chain head read inside is
/// the true head even with another process writing.
pub fn write_once<R>(
    conn: &mut Connection,
    f: impl FnOnce(&WriteTx<'_>) -> Result<R, AppError>,
) -> Result<R, AppError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let out = f(&WriteTx::new(&tx))?;
    tx.commit()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_version_line_names_this_schema() {
        assert!(super::VERSION_LINE.ends_with(&format!("(schema {})", super::SCHEMA_VERSION)));
    }
}

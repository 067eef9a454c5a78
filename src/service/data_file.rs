//! Opening the data file for work: the schema brought to this version, and before an older
//! file is changed, a verified backup of it beside it (`backup::before_upgrade`). Every
//! opener that may migrate (server, command line, demo) comes through here.

use std::path::Path;

use rusqlite::Connection;

use crate::error::StartupError;
use crate::infra::backup_seal::Seal;
use crate::repo;
use crate::service::backup;

/// Opens (creating if needed) and migrates the data file at `path`; `now_ms` names the
/// pre-upgrade backup, which is not sealed: for tests, tools and files with no configuration.
pub fn open(path: &Path, now_ms: i64) -> Result<Connection, StartupError> {
    open_sealed(path, now_ms, &Seal::None)
}

/// Like [`open`], the pre-upgrade backup sealed as the configuration says (`backup.recipients`
/// or `backup.passphrase_file`).
pub fn open_sealed(path: &Path, now_ms: i64, seal: &Seal) -> Result<Connection, StartupError> {
    repo::open_and_migrate(path, |from| {
        let file = backup::before_upgrade(path, from, now_ms, seal).map_err(|e| {
            StartupError::key(
                "data",
                format!("backup automatico prima dell'aggiornamento non riuscito, file dati non toccato: {e}"),
            )
        })?;
        tracing::warn!(file = %file.display(), from, to = repo::SCHEMA_VERSION, "backup written before the schema upgrade");
        eprintln!(
            "ricolloca: file dati dello schema {from}: backup verificato scritto in {} prima dell'aggiornamento allo schema {}",
            file.display(),
            repo::SCHEMA_VERSION
        );
        Ok(())
    })
}

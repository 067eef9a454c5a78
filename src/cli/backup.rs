//! `backup` and `restore` from the shell: the same audited backup as the server's.

use std::path::Path;

use super::{CliError, field, open_for_verify, os_user};
use crate::access::AdminAuthority;
use crate::error::AppError;
use crate::infra::clock::Clock;
use crate::repo::{self, audit};
use crate::service;

/// The passphrase from `--passphrase-file`, if given.
fn passphrase(file: Option<&Path>) -> Result<Option<Vec<u8>>, CliError> {
    file.map(|f| {
        crate::infra::encryption::read_passphrase(f)
            .map_err(|e| field("--passphrase-file", format!("{}: {e}", f.display())))
    })
    .transpose()
}

fn backup_error(e: service::backup::BackupError) -> CliError {
    CliError::Other(e.to_string())
}

/// `ricolloca backup`: one verified backup file, beside a running server or not, audited as
/// `backup.create` in the live file. If the audit row cannot be written, the file is removed
/// (no backup exists that the trail does not know about).
pub fn backup(
    config: &crate::config::Config,
    clock: &dyn Clock,
    out: &Path,
    passphrase_file: Option<&Path>,
) -> Result<service::backup::Created, CliError> {
    let pass = passphrase(passphrase_file)?;
    if !config.data.is_file() {
        return Err(field("data", format!("file dati non trovato: {}", config.data.display())));
    }
    let key = service::audit::signing_key(&open_for_verify(&config.data)?, &config.audit_key())?;
    let now = clock.now_ms();
    let req = service::backup::BackupRequest {
        data: &config.data,
        out,
        passphrase: pass.as_deref(),
        key: Some(&key),
        now_ms: now,
    };
    let who = AdminAuthority::command_line(os_user().as_deref());
    let recorded = service::backup::create_recorded(&req, &config.audit_checkpoints(), |event| {
        let mut conn = crate::service::data_file::open(&config.data, now).map_err(AppError::internal)?;
        repo::write_once(&mut conn, |tx| audit::append(tx, now, who.actor(), &event).map(|_| ()))
    })
    .map_err(backup_error)?;
    if let Some(e) = recorded.checkpoint_file_error {
        return Err(CliError::Other(e));
    }
    Ok(recorded.created)
}

/// `ricolloca restore`: see `service::backup::restore`. Returns what was done and whether the
/// signed checkpoint could be checked (false when no audit key is configured here).
pub fn restore(
    config: &crate::config::Config,
    clock: &dyn Clock,
    from: &Path,
    passphrase_file: Option<&Path>,
    accept: service::backup::Accept,
) -> Result<(service::backup::Restored, bool), CliError> {
    let pass = passphrase(passphrase_file)?;
    let key_path = config.audit_key();
    let trusted = if key_path.exists() {
        Some(crate::infra::checkpoint::SigningKey::load(&key_path)?.public_key())
    } else {
        None
    };
    if let Some(dir) = config.data.parent().filter(|d| !d.as_os_str().is_empty())
        && !dir.is_dir()
    {
        return Err(field("data", format!("la cartella {} non esiste", dir.display())));
    }
    let who = AdminAuthority::command_line(os_user().as_deref());
    let done = service::backup::restore(&service::backup::RestoreRequest {
        data: &config.data,
        checkpoint_file: &config.audit_checkpoints(),
        from,
        passphrase: pass.as_deref(),
        trusted_key: trusted.as_deref(),
        accept,
        actor: who.actor(),
        now_ms: clock.now_ms(),
    })
    .map_err(backup_error)?;
    Ok((done, trusted.is_some()))
}

/// What `restore` says about the identificativo politica: the restored data file's counter may
/// be behind numbers already issued (and perhaps sent to IDOL); the high-water file outside
/// the data file is not restored, and the next start takes the larger of the two.
pub fn identificativo_after_restore(config: &crate::config::Config) -> Result<String, CliError> {
    let conn = rusqlite::Connection::open_with_flags(&config.data, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| CliError::Other(format!("{}: {e}", config.data.display())))?;
    let in_backup =
        crate::repo::actions::counter(&conn, service::identificativo::SEQUENCE)?.and_then(|v| u32::try_from(v).ok());
    let path = config.identificativo_high_water();
    let in_file = crate::infra::high_water::read(&path).map_err(CliError::Other)?;
    let hex = |v: Option<u32>| v.map_or_else(|| "nessuno".to_owned(), |v| format!("{v:08X}"));
    let next = in_backup
        .max(in_file)
        .map_or_else(|| "dal primo numero dell'intervallo".to_owned(), |l| format!("da {:08X}", u64::from(l) + 1));
    Ok(format!(
        "identificativo politica: ultimo numero nel backup {}, nel registro esterno {} ({}); al prossimo avvio si riparte {next}: nessun numero già rilasciato sarà riassegnato",
        hex(in_backup),
        hex(in_file),
        path.display()
    ))
}

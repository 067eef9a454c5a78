//! `backup` and `restore` from the shell: the same audited backup as the server's.

use std::path::Path;

use super::{CliError, field, open_for_verify, os_user};
use crate::access::AdminAuthority;
use crate::error::AppError;
use crate::infra::backup_seal::{Keys, Seal, read_identities};
use crate::infra::clock::Clock;
use crate::repo::{self, audit};
use crate::service;

/// The passphrase from `--passphrase-file`, if given.
pub(crate) fn passphrase(file: Option<&Path>) -> Result<Option<Vec<u8>>, CliError> {
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
/// (no backup exists that the trail does not know about). Sealed as the configuration says,
/// or with `--passphrase-file` when given.
pub fn backup(
    config: &crate::config::Config,
    clock: &dyn Clock,
    out: &Path,
    passphrase_file: Option<&Path>,
) -> Result<service::backup::Created, CliError> {
    let seal = match passphrase(passphrase_file)? {
        Some(pass) => Seal::Passphrase(pass),
        None => config.backup_seal()?,
    };
    if !config.data.is_file() {
        return Err(field("data", format!("file dati non trovato: {}", config.data.display())));
    }
    let key = service::audit::signing_key(&open_for_verify(&config.data)?, &config.audit_key())?;
    let now = clock.now_ms();
    let req = service::backup::BackupRequest { data: &config.data, out, seal: &seal, key: Some(&key), now_ms: now };
    let who = AdminAuthority::command_line(os_user().as_deref());
    let recorded = service::backup::create_recorded(&req, &config.audit_checkpoints(), |event| {
        let mut conn = crate::service::data_file::open_sealed(&config.data, now, &seal).map_err(AppError::internal)?;
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
    identity_file: Option<&Path>,
    accept: service::backup::Accept,
) -> Result<(service::backup::Restored, bool), CliError> {
    let keys = Keys {
        passphrase: passphrase(passphrase_file)?,
        identities: match identity_file {
            Some(f) => read_identities(f).map_err(|e| field("--identity-file", format!("{}: {e}", f.display())))?,
            None => Vec::new(),
        },
    };
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
        keys: &keys,
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

/// `ricolloca backup-key`: a new key pair for the Region, the private key written to `out`
/// (readable by its owner only; never over an existing file). Returns the public key, to put
/// in `backup.recipients`. Meant to be run on the Region's own computer, not on the server.
pub fn backup_key(out: &Path, clock: &dyn Clock) -> Result<String, CliError> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let (text, public) = crate::infra::backup_seal::new_key_pair(&crate::infra::clock::format_iso(clock.now_ms()));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(out)
        .map_err(|e| field("--out", format!("{}: {e}", out.display())))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| field("--out", format!("{}: {e}", out.display())))?;
    Ok(public)
}

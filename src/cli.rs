//! Command-line operations other than `serve`: they open the data file directly and may run
//! beside a live server (each write is one `BEGIN IMMEDIATE` transaction with its audit row).

use std::path::Path;

use crate::access::AdminAuthority;
use crate::domain::ids::{OperatorId, ProviderId};
use crate::domain::operator::OperatorDraft;
use crate::domain::provider::ProviderDraft;
use crate::domain::role::Role;
use crate::error::{AppError, StartupError};
use crate::infra::audit::ChainReport;
use crate::infra::clock::Clock;
use crate::repo::{self, audit, providers};
use crate::service;
use crate::service::imports::ImportReport;

/// A failed command: one line for stderr.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Startup(#[from] StartupError),
    #[error("{field}: {message}")]
    Field { field: String, message: String },
    #[error("{0}")]
    Other(String),
}

impl From<AppError> for CliError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Conflict(f) => CliError::Field { field: f.field, message: f.message },
            AppError::Invalid(fields) => {
                let text: Vec<String> = fields.iter().map(|f| format!("{}: {}", f.field, f.message)).collect();
                CliError::Other(text.join("; "))
            }
            other => CliError::Other(other.to_string()),
        }
    }
}

fn field(field: &str, message: impl Into<String>) -> CliError {
    CliError::Field { field: field.into(), message: message.into() }
}

/// Who ran the command, for the audit detail.
fn os_user() -> Option<String> {
    std::env::var("SUDO_USER").or_else(|_| std::env::var("USER")).ok()
}

pub struct OperatorArgs<'a> {
    pub cf: &'a str,
    pub surname: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub role: &'a str,
    pub provider: Option<&'a str>,
    pub role_title: &'a str,
    pub technical_exemption: bool,
}

pub fn operator_add(data: &Path, clock: &dyn Clock, a: &OperatorArgs<'_>) -> Result<OperatorId, CliError> {
    let draft = OperatorDraft {
        provider_id: match a.provider {
            Some(p) => Some(p.trim().parse::<i64>().map_err(|_| field("--provider", "identificativo non valido"))?),
            None => None,
        },
        codice_fiscale: a.cf.into(),
        surname: a.surname.into(),
        name: a.name.into(),
        email: a.email.into(),
        role: a.role.into(),
        role_title: a.role_title.into(),
        communication_id: None,
    };
    let valid = draft.validate().map_err(|errors| {
        let text: Vec<String> = errors.iter().map(|e| format!("{}: {}", cli_flag(&e.field), e.message)).collect();
        CliError::Other(text.join("; "))
    })?;
    if a.technical_exemption && valid.role != Role::Tecnico {
        return Err(field("--technical-exemption", "l'esenzione è ammessa solo per le utenze tecnico"));
    }
    let mut conn = repo::open_and_migrate(data)?;
    if let Some(p) = valid.provider
        && !providers::exists(&conn, p)?
    {
        return Err(field("--provider", format!("nessun soggetto accreditato con id {p}")));
    }
    let now = clock.now_ms();
    let who = AdminAuthority::command_line(os_user().as_deref());
    let id = repo::write_once(&mut conn, |tx| {
        let id = service::operators::enable(tx, now, &who, &valid)?;
        if a.technical_exemption {
            service::operators::set_exemption(tx, now, &who, id, true, "esenzione concessa da riga di comando")?;
        }
        Ok(id)
    })?;
    Ok(id)
}

/// The command-line flag for a form field name, so messages name what the user typed.
fn cli_flag(field: &str) -> String {
    match field {
        "codice_fiscale" => "--cf".into(),
        "provider_id" => "--provider".into(),
        "role_title" => "--role-title".into(),
        other => format!("--{other}"),
    }
}

pub struct ProviderArgs<'a> {
    pub name: &'a str,
    pub codice_fiscale: &'a str,
    pub accreditation_code: &'a str,
    pub pec: &'a str,
}

pub fn provider_add(data: &Path, clock: &dyn Clock, a: &ProviderArgs<'_>) -> Result<ProviderId, CliError> {
    let draft = ProviderDraft {
        name: a.name.into(),
        codice_fiscale: a.codice_fiscale.into(),
        accreditation_code: a.accreditation_code.into(),
        pec: a.pec.into(),
        ..Default::default()
    };
    let valid = draft.validate().map_err(|errors| {
        let text: Vec<String> = errors
            .iter()
            .map(|e| {
                let flag = match e.field.as_str() {
                    "codice_fiscale" => "--cf",
                    "accreditation_code" => "--code",
                    "name" => "--name",
                    _ => "--pec",
                };
                format!("{flag}: {}", e.message)
            })
            .collect();
        CliError::Other(text.join("; "))
    })?;
    let mut conn = repo::open_and_migrate(data)?;
    let now = clock.now_ms();
    let who = AdminAuthority::command_line(os_user().as_deref());
    Ok(repo::write_once(&mut conn, |tx| service::providers::create(tx, now, &who, &valid))?)
}

/// Imports voucher-assignment CSV files, each whole or not at all (unless `valid_only`),
/// printing a line per file to stderr as it goes. Returns the combined report. Each file is
/// written in short transactions (a server running beside it keeps answering) and becomes
/// visible at once.
pub fn import_csv(
    data: &Path,
    clock: &dyn Clock,
    files: &[std::path::PathBuf],
    valid_only: bool,
) -> Result<ImportReport, CliError> {
    let mut conn = repo::open_and_migrate(data)?;
    let read = repo::open_ro(data).map_err(|e| CliError::Other(format!("{}: {e}", data.display())))?;
    let who = AdminAuthority::command_line(os_user().as_deref());
    let mut total = ImportReport::default();
    for (i, file) in files.iter().enumerate() {
        let bytes = std::fs::read(file).map_err(|e| CliError::Other(format!("{}: {e}", file.display())))?;
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let upload = service::assignment_import::Upload { file_name: &name, bytes: &bytes, valid_only };
        let mut writes = service::assignment_import::OwnConnection(&mut conn);
        let mut report = service::assignment_import::run(&mut writes, data, &read, clock, &who, &upload)?;
        eprintln!(
            "[{}/{}] {}: {} importati, {} aggiornati, {} rifiutati",
            i + 1,
            files.len(),
            file.display(),
            report.imported,
            report.updated,
            report.refused.len()
        );
        for r in &mut report.refused {
            r.file = Some(file.display().to_string());
        }
        total.merge(report);
    }
    Ok(total)
}

/// Replaces or adds code-list labels from a `lista;codice;descrizione` file (UTF-8 or
/// Windows-1252), audited. Returns how many codes were written.
pub fn import_codes(data: &Path, clock: &dyn Clock, file: &Path) -> Result<usize, CliError> {
    let bytes = std::fs::read(file).map_err(|e| CliError::Other(format!("{}: {e}", file.display())))?;
    let (text, _) = crate::domain::assignment::decode(&bytes);
    let rows = repo::codes::parse(&text);
    if rows.is_empty() {
        return Err(CliError::Other(format!("{}: nessun codice (atteso: lista;codice;descrizione)", file.display())));
    }
    let mut conn = repo::open_and_migrate(data)?;
    let who = AdminAuthority::command_line(os_user().as_deref());
    let now = clock.now_ms();
    Ok(repo::write_once(&mut conn, |tx| {
        let n = repo::codes::import(tx, &rows)?;
        let detail = serde_json::json!({ "file": file.display().to_string(), "codes": n });
        let event = crate::domain::audit_event::AuditEvent::Change {
            change: crate::domain::audit_event::Change::CodesImport,
            object: "code_list".into(),
            detail,
        };
        repo::audit::append(tx, now, who.actor(), &event)?;
        Ok(n)
    })?)
}

/// Files per transaction when importing SAPs: each file still in its own savepoint. Small
/// enough that a server running beside the import waits a few milliseconds at most.
const SAP_BATCH: usize = 50;

/// Imports SAP XML files; each file whole or not at all, in batches that share one commit.
/// Files are read and parsed before their transaction, which only stores them.
pub fn import_sap(data: &Path, clock: &dyn Clock, files: &[std::path::PathBuf]) -> Result<ImportReport, CliError> {
    let mut conn = repo::open_and_migrate(data)?;
    let who = AdminAuthority::command_line(os_user().as_deref());
    let mut total = ImportReport::default();
    let mut done = 0;
    for chunk in files.chunks(SAP_BATCH) {
        let mut read = Vec::new();
        for file in chunk {
            let name = file.display().to_string();
            match std::fs::read(file) {
                Ok(bytes) => match service::imports::read_sap(&name, bytes) {
                    Ok(sap) => read.push((name, sap)),
                    Err(refused) => total.merge(refused),
                },
                Err(e) => total.refused.push(service::imports::Refused {
                    file: Some(name),
                    line: None,
                    column: None,
                    reason: e.to_string(),
                }),
            }
        }
        let now = clock.now_ms();
        let results =
            repo::write_each(&mut conn, &read, |tx, (_, sap)| service::imports::store_sap(tx, now, &who, sap))?;
        for ((name, _), result) in read.iter().zip(results) {
            match result {
                Ok(report) => total.merge(report),
                Err(e) => total.refused.push(service::imports::Refused {
                    file: Some(name.clone()),
                    line: None,
                    column: None,
                    reason: CliError::from(e).to_string(),
                }),
            }
        }
        done += chunk.len();
        eprintln!(
            "[{done}/{}] SAP: {} importate, {} aggiornate, {} rifiutate",
            files.len(),
            total.imported,
            total.updated,
            total.refused.len()
        );
    }
    Ok(total)
}

/// Writes a signed checkpoint of the current head now (also done by the server on a timer and
/// at shutdown): to the data file and to the checkpoint file.
pub fn audit_checkpoint(
    data: &Path,
    clock: &dyn Clock,
    key: &Path,
    file: &Path,
) -> Result<Option<crate::infra::checkpoint::Checkpoint>, CliError> {
    let mut conn = repo::open_and_migrate(data)?;
    let key = service::audit::signing_key(&conn, key)?;
    let now = clock.now_ms();
    let cp = repo::write_once(&mut conn, |tx| service::audit::write_checkpoint(tx, now, &key))?;
    if let Some(cp) = &cp {
        crate::infra::checkpoint::append_to_file(file, cp)
            .map_err(|e| CliError::Other(format!("{}: {e}", file.display())))?;
    }
    Ok(cp)
}

/// The trusted public key: a file with the key in hex (as `audit pubkey` prints it).
pub fn read_public_key(path: &Path) -> Result<Vec<u8>, CliError> {
    let text = std::fs::read_to_string(path).map_err(|e| CliError::Other(format!("{}: {e}", path.display())))?;
    hex::decode(text.trim()).ok().filter(|k| k.len() == 32).ok_or_else(|| {
        CliError::Other(format!("{}: chiave pubblica non valida (attesi 64 caratteri esadecimali)", path.display()))
    })
}

/// Verifies the chain of a data file (live or a copy) without writing to it.
pub fn audit_verify(data: &Path) -> Result<(ChainReport, i64), CliError> {
    let conn = open_for_verify(data)?;
    let report = audit::verify(&conn)?;
    let rows = audit::count(&conn)?;
    Ok((report, rows))
}

fn open_for_verify(data: &Path) -> Result<rusqlite::Connection, CliError> {
    if !data.is_file() {
        return Err(CliError::Other(format!("file dati non trovato: {}", data.display())));
    }
    repo::open_ro(data).map_err(|e| CliError::Other(format!("{}: {e}", data.display())))
}

/// Checks the data file's chain against the checkpoints in it and in `file` (if it exists),
/// with the trusted public key. Returns (problem, checkpoints checked, last checkpoint seq).
pub fn audit_verify_checkpoints(
    data: &Path,
    head: i64,
    file: Option<&Path>,
    trusted_key: &[u8],
) -> Result<(Option<service::audit::CheckpointProblem>, usize, Option<i64>), CliError> {
    let conn = open_for_verify(data)?;
    let mut all = audit::checkpoints(&conn)?;
    if let Some(file) = file.filter(|f| f.exists()) {
        all.extend(
            crate::infra::checkpoint::read_file(file)
                .map_err(|e| CliError::Other(format!("{}: {e}", file.display())))?,
        );
    }
    all.sort_by_key(|c| c.seq);
    let problem = service::audit::check(&conn, head, &all, trusted_key)?;
    Ok((problem, all.len(), all.last().map(|c| c.seq)))
}

/// Writes the IDOL feed to `out` (never over an existing file), recorded and audited.
pub fn export_idol(
    data: &Path,
    clock: &dyn Clock,
    since: Option<&str>,
    out: &Path,
) -> Result<crate::service::idol_export::Export, CliError> {
    if out.exists() {
        return Err(CliError::Other(format!("{} esiste già: scegliere un altro nome", out.display())));
    }
    let since = match since {
        Some(s) => {
            let day = crate::domain::text::parse_date(s)
                .ok_or_else(|| CliError::Other(format!("--since: data non valida {s:?} (gg/mm/aaaa)")))?;
            Some(crate::infra::clock::local_date_start(day))
        }
        None => None,
    };
    let mut conn = repo::open_and_migrate(data)?;
    let who = AdminAuthority::command_line(os_user().as_deref());
    let tmp = out.with_extension("zip.tmp");
    // The file is written before the export is recorded: a failed write records nothing, so
    // the next export still starts where the last delivered one ended. The time is taken
    // under the write lock (see service::idol_export).
    let export = repo::write_once(&mut conn, |tx| {
        let export = crate::service::idol_export::export(tx, clock.now_ms(), &who, since)?;
        std::fs::write(&tmp, &export.zip).map_err(|e| AppError::internal(format!("{}: {e}", tmp.display())))?;
        Ok(export)
    })?;
    std::fs::rename(&tmp, out).map_err(|e| CliError::Other(format!("{}: {e}", out.display())))?;
    Ok(export)
}

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
    let created = service::backup::create(&req).map_err(backup_error)?;
    let who = AdminAuthority::command_line(os_user().as_deref());
    let audited = repo::open_and_migrate(&config.data).map_err(CliError::from).and_then(|mut conn| {
        Ok(repo::write_once(&mut conn, |tx| audit::append(tx, now, who.actor(), &created.event()))?)
    });
    if let Err(e) = audited {
        let _ = std::fs::remove_file(&created.file);
        let _ = std::fs::remove_file(service::backup::sidecar(&created.file));
        return Err(CliError::Other(format!("backup rimosso: riga di audit non scritta ({e})")));
    }
    if let Some(cp) = &created.checkpoint {
        let file = config.audit_checkpoints();
        crate::infra::checkpoint::append_to_file(&file, cp)
            .map_err(|e| CliError::Other(format!("{}: {e}", file.display())))?;
    }
    Ok(created)
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

/// Removes audit rows older than `before` (`yyyy-mm-dd`, Italian local midnight), never inside
/// the retention period: signs a checkpoint of the last removed row and appends it to the
/// checkpoint file first, then deletes in one transaction with the prune record and its
/// audit row. Returns (rows removed, anchor seq), or `None` when there was nothing to remove.
pub fn audit_prune(
    data: &Path,
    clock: &dyn Clock,
    key: &Path,
    file: &Path,
    before: &str,
    retention_months: u32,
) -> Result<Option<(i64, i64)>, CliError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date =
        time::Date::parse(before.trim(), &format).map_err(|_| field("--before", "data non valida (aaaa-mm-gg)"))?;
    let before_ms = crate::infra::clock::local_day_start(i64::from(date.to_julian_day()) - 2_440_588);
    let key = crate::infra::checkpoint::SigningKey::load(key)?;
    let mut conn = repo::open_and_migrate(data)?;
    let now = clock.now_ms();
    let Some((checkpoint, anchor)) = service::audit_prune::plan(&conn, now, &key, before_ms, retention_months)? else {
        return Ok(None);
    };
    // Outside the data file first: whatever happens next, the cut point is on record.
    crate::infra::checkpoint::append_to_file(file, &checkpoint)
        .map_err(|e| CliError::Other(format!("{}: {e}", file.display())))?;
    let actor = AdminAuthority::command_line(os_user().as_deref()).actor().clone();
    let rows = repo::write_once(&mut conn, |tx| {
        service::audit_prune::execute(tx, now, &actor, &checkpoint, &anchor, retention_months)
    })?;
    Ok(Some((rows, anchor.up_to_seq)))
}

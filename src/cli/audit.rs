//! `audit verify|checkpoint|prune|pubkey`: the trail checked, signed and pruned from the shell.

use std::path::{Path, PathBuf};

use super::{CliError, field, open_data, open_for_verify, os_user};
use crate::access::AdminAuthority;
use crate::config::Config;
use crate::domain::italian::count;
use crate::infra::audit::ChainReport;
use crate::infra::clock::Clock;
use crate::repo::{self, audit};
use crate::service;

/// Writes a signed checkpoint of the current head now (also done by the server on a timer and
/// at shutdown): to the data file and to the checkpoint file.
pub fn audit_checkpoint(
    data: &Path,
    clock: &dyn Clock,
    key: &Path,
    file: &Path,
) -> Result<Option<crate::infra::checkpoint::Checkpoint>, CliError> {
    let mut conn = open_data(data, clock)?;
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
    let mut conn = open_data(data, clock)?;
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

/// The public key of the checkpoints, from the configured audit key (never a new key over
/// existing checkpoints: see `service::audit::signing_key`).
pub fn audit_pubkey(config: &Config, clock: &dyn Clock) -> Result<Vec<u8>, CliError> {
    let conn = open_data(&config.data, clock)?;
    let key = service::audit::signing_key(&conn, &config.audit_key())?;
    Ok(key.public_key())
}

/// What `audit verify` found, for `main` to print.
pub enum VerifyOutcome {
    /// The chain (and the checkpoints, when a trusted key was at hand) verified: `line` for
    /// stdout, and `warning` for stderr first when no trusted key was at hand.
    Intact { line: String, warning: Option<String> },
    /// A broken row, a truncated or re-chained tail: `line` for stderr (exit 2).
    Broken { line: String },
}

/// `ricolloca audit verify`: the chain of the data file (the configured one, or `--data`),
/// then its checkpoints (in the data file and in the checkpoint file) with the trusted key
/// (`--pubkey`, or the configured audit key). Reads only.
pub fn verify(
    config: Option<&Path>,
    data: Option<PathBuf>,
    checkpoints: Option<PathBuf>,
    pubkey: Option<PathBuf>,
) -> Result<VerifyOutcome, CliError> {
    // With a configuration: its data file, checkpoint file and key, unless overridden.
    let configured = if data.is_none() || config.is_some() { Some(Config::load(config)?) } else { None };
    let data = match (data, &configured) {
        (Some(d), _) => d,
        (None, Some(c)) => c.data.clone(),
        (None, None) => return Err(CliError::Other("indicare --data o --config".into())),
    };
    let (report, rows) = audit_verify(&data)?;
    if let Some((seq, kind)) = report.broken {
        return Ok(VerifyOutcome::Broken {
            line: format!(
                "ricolloca: audit chain BROKEN at seq {seq} — catena di audit interrotta alla riga {seq}: {} (intact up to {})",
                kind.describe(),
                report.head_seq
            ),
        });
    }
    let file = checkpoints.or_else(|| configured.as_ref().map(Config::audit_checkpoints));
    let key = match (pubkey, &configured) {
        (Some(p), _) => Some(read_public_key(&p)?),
        (None, Some(c)) if c.audit_key().exists() => {
            Some(crate::infra::checkpoint::SigningKey::load(&c.audit_key())?.public_key())
        }
        _ => None,
    };
    let (last, warning) = match key {
        None => (
            String::new(),
            Some("ricolloca: nessuna chiave pubblica fidata (--pubkey): checkpoint non verificati".to_owned()),
        ),
        Some(key) => {
            let (problem, n, last) = audit_verify_checkpoints(&data, report.head_seq, file.as_deref(), &key)?;
            if let Some(problem) = problem {
                return Ok(VerifyOutcome::Broken {
                    line: format!("ricolloca: audit checkpoints BROKEN — {}", problem.describe()),
                });
            }
            let last = match last {
                Some(seq) => format!(
                    ", {}, ultimo alla riga {seq}",
                    count(n, "checkpoint firmato verificato", "checkpoint firmati verificati")
                ),
                None => ", nessun checkpoint ancora".into(),
            };
            (last, None)
        }
    };
    let line = format!(
        "intact up to {} ({} rows) — catena di audit integra fino a {}{last}",
        report.head_seq, rows, report.head_seq
    );
    Ok(VerifyOutcome::Intact { line, warning })
}

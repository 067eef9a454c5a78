//! `export idol`: the feed to IDOL as a zip file.

use std::path::Path;

use super::{CliError, open_data, os_user};
use crate::access::AdminAuthority;
use crate::error::AppError;
use crate::infra::clock::Clock;
use crate::repo;

/// Writes the IDOL feed to `out` (never over an existing file), recorded and audited.
pub fn export_idol(
    data: &Path,
    clock: &dyn Clock,
    since: Option<&str>,
    out: &Path,
    settings: &crate::service::idol_export::FeedSettings,
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
    let mut conn = open_data(data, clock)?;
    let who = AdminAuthority::command_line(os_user().as_deref());
    let tmp = out.with_extension("zip.tmp");
    // The file is written before the export is recorded: a failed write records nothing, so
    // the next export still starts where the last delivered one ended. The time is taken
    // under the write lock (see service::idol_export).
    let export = repo::write_once(&mut conn, |tx| {
        let export = crate::service::idol_export::export(tx, clock.now_ms(), &who, since, settings)?;
        std::fs::write(&tmp, &export.zip).map_err(|e| AppError::internal(format!("{}: {e}", tmp.display())))?;
        Ok(export)
    })?;
    std::fs::rename(&tmp, out).map_err(|e| CliError::Other(format!("{}: {e}", out.display())))?;
    Ok(export)
}

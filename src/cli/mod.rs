//! The command line's operations other than `serve`: they open the data file directly and may
//! run beside a live server (each write is one `BEGIN IMMEDIATE` transaction with its audit
//! row). `main.rs` parses the arguments and prints; the work is here, one file per area.

mod audit;
mod backup;
pub mod demo;
mod export;
pub mod help;
mod imports;
mod people;

use std::path::Path;

pub use audit::{VerifyOutcome, audit_checkpoint, audit_prune, audit_pubkey, audit_verify, read_public_key, verify};
pub use backup::{backup, backup_key, identificativo_after_restore, restore};
pub use export::export_idol;
pub use imports::{import_codes, import_csv, import_sap};
pub use people::{OperatorArgs, ProviderArgs, operator_add, provider_add};

use crate::error::AppError;
use crate::infra::clock::Clock;

/// Who ran the command, for the audit detail.
pub(crate) fn os_user() -> Option<String> {
    std::env::var("SUDO_USER").or_else(|_| std::env::var("USER")).ok()
}

/// The data file, opened and migrated (with the pre-upgrade backup when it is older).
pub(crate) fn open_data(data: &Path, clock: &dyn Clock) -> Result<rusqlite::Connection, AppError> {
    Ok(crate::service::data_file::open(data, clock.now())?)
}

/// A data file (live or a copy) opened read-only, for checks that must not change it.
pub(crate) fn open_for_verify(data: &Path) -> Result<rusqlite::Connection, AppError> {
    if !data.is_file() {
        return Err(AppError::declined(format!("file dati non trovato: {}", data.display())));
    }
    crate::repo::open_ro(data)
        .map_err(|e| AppError::declined_by(format!("{}: file non accessibile", data.display()), e))
}

//! Backups and restore, in one place: a consistent snapshot of the live file, checked
//! (integrity, audit chain, signed checkpoints) BEFORE it is packed (`create`), checked again
//! before a restore touches anything (`verify`), and put back (`restore`). Only an inconsistent
//! snapshot stops a backup; a chain that does not verify is written down in the manifest (and
//! never signed), and a restore refuses it unless told. Every intermediate file is a temp name
//! that is removed on every failure path; the backup appears under its real name only when all
//! checks passed.
//!
//! `create_recorded` is the one audited backup: the command line, the schedule and the
//! tecnico's screen all make their backups through it, each writing the `backup.create` row
//! its own way (the writer in the server, a transaction of its own on the command line).

mod checks;
mod create;
mod files;
pub mod format;
mod restore;
mod verify;

pub use create::{BackupRequest, Created, Recorded, before_upgrade, create, create_recorded};
pub use files::{file_name, sidecar};
pub use restore::{RestoreRequest, Restored, restore};
pub use verify::{Accept, Verified, verify};

use crate::error::AppError;
use crate::infra::encryption;

/// Why a backup or a restore is refused: each reason is a message for the technician, who can
/// act on it. Becomes an [`AppError::Declined`]; failures of the disk and the libraries
/// underneath are `AppError`s with their cause.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Refused {
    #[error("copia non integra (integrity_check): {0}")]
    Integrity(String),
    #[error("checkpoint di audit: {0}")]
    Checkpoint(String),
    #[error("manifest: {0}")]
    Manifest(String),
    #[error("il file {0} esiste già: scegliere un altro nome")]
    Exists(String),
    #[error("ripristino rifiutato: {0}. Fermare il servizio (systemctl stop ricolloca) e riprovare")]
    ServerRunning(String),
    #[error(
        "ripristino rifiutato, nulla è stato toccato: catena di audit del backup non integra ({0}). Per ripristinarlo comunque: --accept-broken-chain"
    )]
    BrokenChain(String),
    #[error(
        "ripristino rifiutato, nulla è stato toccato: il manifest non contiene il checkpoint firmato della testa della catena (riga {0}), quindi la catena del backup non è garantita dalla chiave di audit di questa installazione. Un backup senza firma (come quello automatico prima di un aggiornamento) si ripristina solo con --allow-unsigned"
    )]
    Unsigned(i64),
    #[error(
        "ripristino rifiutato, nulla è stato toccato: la catena di audit del backup non concorda con il file dei checkpoint {file}: {what}"
    )]
    Disagrees { file: String, what: String },
}

impl From<Refused> for AppError {
    fn from(r: Refused) -> Self {
        AppError::declined(r.to_string())
    }
}

/// A backup file that cannot be decrypted is the technician's to fix (passphrase, file);
/// a failing disk is not.
pub(crate) fn crypto(e: encryption::CryptoError) -> AppError {
    match e {
        encryption::CryptoError::Io(io) => AppError::internal(io),
        other => AppError::declined(other.to_string()),
    }
}

/// A backup file that is not one of ours, or is damaged, is the technician's to fix.
pub(crate) fn unpack(e: format::UnpackError) -> AppError {
    match e {
        format::UnpackError::Io(io) => AppError::internal(io),
        other => AppError::declined(other.to_string()),
    }
}

#[cfg(test)]
mod tests;

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

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0}")]
    Io(String),
    #[error("copia non integra (integrity_check): {0}")]
    Integrity(String),
    #[error("catena di audit della copia interrotta alla riga {0}: {1}")]
    Chain(i64, String),
    #[error("checkpoint di audit: {0}")]
    Checkpoint(String),
    #[error("manifest: {0}")]
    Manifest(String),
    #[error("il file {0} esiste già: scegliere un altro nome")]
    Exists(String),
    #[error("{0}")]
    Crypto(#[from] encryption::CryptoError),
    #[error("{0}")]
    Format(#[from] format::UnpackError),
    #[error("{0}")]
    Db(#[from] AppError),
    /// The file was made, but its `backup.create` row could not be written: the file is gone.
    #[error("backup rimosso: riga di audit non scritta ({0})")]
    NotRecorded(AppError),
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

#[cfg(test)]
mod tests;

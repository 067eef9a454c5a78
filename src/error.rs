//! The two error types: `AppError` for requests (an Italian message for the user, the cause
//! for the log) and `StartupError` for the technician starting the service.

pub use crate::domain::field_error::FieldError;
use crate::domain::operator::Refusal;

/// Everything a request can fail with. Causes never reach the user, only the log.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AppError {
    /// No client certificate on a route that needs one.
    #[error("certificato client assente")]
    Unauthenticated,
    /// A certificate was presented but access is refused (already audited by whoever refused).
    #[error("accesso negato: {}", .0.code())]
    Refused(Refusal),
    /// Unknown id, or another provider's object (audited by the caller as a denied attempt).
    #[error("non trovato")]
    NotFound,
    /// An API write without a content type that only programs can send.
    #[error("tipo di contenuto non accettato")]
    UnsupportedMediaType,
    #[error("dati non validi")]
    Invalid(Vec<FieldError>),
    #[error("conflitto: {0:?}")]
    Conflict(FieldError),
    /// The data file cannot take writes now (locked, writer stopped): try again later.
    #[error("servizio temporaneamente non disponibile: {0}")]
    Unavailable(String),
    /// The audit row a view (or a refusal) needs could not be written within
    /// [`crate::access::AUDIT_DEADLINE`]: the data is not shown, the request answers 503
    /// instead of hanging behind a stuck writer.
    #[error("registro degli accessi non raggiungibile in tempo: {0}")]
    AuditTimeout(String),
    /// The disk holding the data file is full (SQLITE_FULL / ENOSPC): nothing was saved; the
    /// technician must free space. Reads that need an audit row fail the same way (fail closed).
    #[error("disco pieno: {0}")]
    DiskFull(String),
    #[error("errore interno: {0}")]
    Internal(String),
}

impl AppError {
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        AppError::Internal(cause.to_string())
    }
}

impl AppError {
    /// An I/O error: "no space left on device" is a full disk, anything else internal.
    pub fn io(e: &std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::StorageFull {
            AppError::DiskFull(e.to_string())
        } else {
            AppError::Internal(e.to_string())
        }
    }
}

impl From<rusqlite::Error> for AppError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => AppError::DiskFull(e.to_string()),
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked | ErrorCode::ReadOnly) => {
                AppError::Unavailable(e.to_string())
            }
            _ => AppError::Internal(e.to_string()),
        }
    }
}

/// Start-up refused: bad configuration, unreadable files, a data file from a newer version.
/// The message tells the technician what to fix, naming the configuration key when there is one.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("configurazione, chiave `{key}`: {message}")]
    Config { key: String, message: String },
    #[error("{0}")]
    Other(String),
}

impl StartupError {
    pub fn key(key: &str, message: impl Into<String>) -> Self {
        StartupError::Config { key: key.to_owned(), message: message.into() }
    }
}

impl From<rusqlite::Error> for StartupError {
    fn from(e: rusqlite::Error) -> Self {
        StartupError::Other(format!("file dati: {e}"))
    }
}

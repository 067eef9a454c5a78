//! The two error types: `AppError` for whatever a person asks of Ricolloca (a page, an API
//! call, a command, a backup), and `StartupError` for the technician starting the service.
//!
//! An `AppError` has two audiences. Its `Display` is the Italian text for the person, and never
//! carries internal detail (no SQLite, file system or parser wording). The cause is kept whole,
//! with its source chain, in a [`Cause`], and goes to the log under the reference the person
//! sees ([`AppError::log`]); on the command line, which is the technician's own log, it follows
//! the message on the same line ([`AppError::for_command_line`]).

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

pub use crate::domain::field_error::FieldError;
use crate::domain::operator::Refusal;

/// Why something failed inside: the error and its whole source chain, for the log only.
/// Shared (an `AppError` is cloned for the catcher that renders it), never shown to people.
#[derive(Clone)]
pub struct Cause(Arc<dyn StdError + Send + Sync + 'static>);

/// A cause told in words by our own code, with no error underneath.
#[derive(Debug)]
struct Message(String);

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl StdError for Message {}

/// What we were doing when `source` failed (a file name, a step), keeping `source` as the
/// next link of the chain.
#[derive(Debug)]
struct Context {
    context: String,
    source: Box<dyn StdError + Send + Sync + 'static>,
}

impl fmt::Display for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.context)
    }
}

impl StdError for Context {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        Some(self.source.as_ref())
    }
}

impl Cause {
    pub fn new(e: impl StdError + Send + Sync + 'static) -> Self {
        Cause(Arc::new(e))
    }

    /// A cause in words: a state our own code found impossible or wrong.
    pub fn msg(text: impl Into<String>) -> Self {
        Cause(Arc::new(Message(text.into())))
    }

    /// `e`, with what we were doing when it happened.
    pub fn context(context: impl Into<String>, e: impl StdError + Send + Sync + 'static) -> Self {
        Cause(Arc::new(Context { context: context.into(), source: Box::new(e) }))
    }

    /// The whole chain, outermost first, `": "`-separated: what the log line says.
    pub fn chain(&self) -> String {
        let mut out = self.0.to_string();
        let mut next = self.0.source();
        while let Some(e) = next {
            out.push_str(": ");
            out.push_str(&e.to_string());
            next = e.source();
        }
        out
    }
}

impl fmt::Debug for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cause({:?})", self.chain())
    }
}

/// Everything a request, a command or a backup can fail with. The `Display` is for people;
/// causes go only to the log.
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
    /// Bad input, each message naming its field.
    #[error("{}", fields_text(.0))]
    Invalid(Vec<FieldError>),
    /// The input clashes with what is stored (a stale version, a code already used).
    #[error("{}: {}", .0.field, .0.message)]
    Conflict(FieldError),
    /// What was asked cannot be done, for a reason the person can act on, said in words (a
    /// restore while the server runs, a backup file that is not one, a file that already
    /// exists). `cause`, when there is one, goes to the log.
    #[error("{reason}")]
    Declined { reason: String, cause: Option<Cause> },
    /// The data file cannot take writes now (locked, writer stopped): try again later.
    #[error("servizio temporaneamente non disponibile: nessuna modifica salvata, riprovare tra qualche minuto")]
    Unavailable(Cause),
    /// The audit row a view (or a refusal) needs could not be written within
    /// [`crate::access::AUDIT_DEADLINE`]: the data is not shown, the request answers 503
    /// instead of hanging behind a stuck writer.
    #[error("registro degli accessi non raggiungibile in tempo: nessun dato mostrato, riprovare tra qualche minuto")]
    AuditTimeout(Cause),
    /// The disk holding the data file is full (SQLITE_FULL / ENOSPC): nothing was saved; the
    /// technician must free space. Reads that need an audit row fail the same way (fail closed).
    #[error("disco pieno: nessuna modifica salvata, liberare spazio sul disco")]
    DiskFull(Cause),
    /// Anything else: a bug, or a failure nobody can act on from the screen.
    #[error("errore interno: nessuna modifica salvata")]
    Internal(Cause),
}

fn fields_text(fields: &[FieldError]) -> String {
    let text: Vec<String> = fields.iter().map(|f| format!("{}: {}", f.field, f.message)).collect();
    text.join("; ")
}

impl AppError {
    /// An unexpected failure of a library or the system, kept as the cause.
    pub fn internal(e: impl StdError + Send + Sync + 'static) -> Self {
        AppError::Internal(Cause::new(e))
    }

    /// A state our own code should never reach, said in words for the log.
    pub fn unexpected(what: impl Into<String>) -> Self {
        AppError::Internal(Cause::msg(what))
    }

    /// A step refused for a reason the person can act on.
    pub fn declined(reason: impl Into<String>) -> Self {
        AppError::Declined { reason: reason.into(), cause: None }
    }

    /// A step refused for a reason the person can act on, with the failure behind it.
    pub fn declined_by(reason: impl Into<String>, e: impl StdError + Send + Sync + 'static) -> Self {
        AppError::Declined { reason: reason.into(), cause: Some(Cause::new(e)) }
    }

    /// One bad field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid(vec![FieldError { field: field.into(), message: message.into() }])
    }

    /// An I/O error on `path`: "no space left on device" is a full disk, anything else internal.
    pub fn io(path: &std::path::Path, e: std::io::Error) -> Self {
        let full = e.kind() == std::io::ErrorKind::StorageFull;
        let cause = Cause::context(path.display().to_string(), e);
        if full { AppError::DiskFull(cause) } else { AppError::Internal(cause) }
    }

    /// The cause behind the message, if any.
    pub fn cause(&self) -> Option<&Cause> {
        match self {
            AppError::Unavailable(c) | AppError::AuditTimeout(c) | AppError::DiskFull(c) | AppError::Internal(c) => {
                Some(c)
            }
            AppError::Declined { cause, .. } => cause.as_ref(),
            _ => None,
        }
    }

    /// Writes the cause to the log under `reference`, the one the person was shown.
    pub fn log(&self, reference: &str, path: &str) {
        if let Some(cause) = self.cause() {
            let cause = cause.chain();
            match self {
                AppError::Declined { .. } => tracing::warn!(reference, %cause, path, "request declined"),
                _ => tracing::error!(reference, %cause, path, "request failed"),
            }
        }
    }

    /// The message and the cause in one line, for the logs of background work.
    pub fn log_line(&self) -> String {
        match self.cause() {
            Some(cause) => format!("{self} ({})", cause.chain()),
            None => self.to_string(),
        }
    }

    /// The one line a command prints on stderr: the message, then the cause (the command
    /// line is the technician's own log: there is no other place to find it).
    pub fn for_command_line(&self) -> String {
        self.log_line()
    }
}

impl From<rusqlite::Error> for AppError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match e.sqlite_error_code() {
            Some(ErrorCode::DiskFull) => AppError::DiskFull(Cause::new(e)),
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked | ErrorCode::ReadOnly) => {
                AppError::Unavailable(Cause::new(e))
            }
            _ => AppError::Internal(Cause::new(e)),
        }
    }
}

impl From<StartupError> for AppError {
    /// A configuration or data-file problem met by a command: the technician's message as is.
    fn from(e: StartupError) -> Self {
        AppError::declined(e.to_string())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cause_keeps_its_chain_and_never_reaches_the_message() {
        let io = std::io::Error::other("permission denied");
        let e = AppError::io(std::path::Path::new("/var/lib/x.db"), io);
        assert_eq!(e.to_string(), "errore interno: nessuna modifica salvata");
        assert_eq!(e.cause().map(Cause::chain).as_deref(), Some("/var/lib/x.db: permission denied"));
        assert!(e.for_command_line().contains("permission denied"));
        let full = AppError::io(std::path::Path::new("/d"), std::io::Error::from(std::io::ErrorKind::StorageFull));
        assert!(matches!(full, AppError::DiskFull(_)));
        let sql = AppError::from(rusqlite::Error::InvalidQuery);
        assert!(!sql.to_string().contains("query"), "{sql}");
        assert!(sql.log_line().contains("Query"), "{}", sql.log_line());
    }
}

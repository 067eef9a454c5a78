//! Logs to stderr and to daily-rotated files in `log_dir`. The only personal datum a log
//! line may carry is an operator's codice fiscale.

use std::path::Path;
use std::sync::OnceLock;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Registry, reload};

use crate::domain::field_error::Reason;

/// The running filter, replaced by [`set_level`] (SIGHUP or the tecnico's screen).
static LEVEL: OnceLock<reload::Handle<EnvFilter, Registry>> = OnceLock::new();

/// The filter for a configured `log.level`: Rocket stays at errors (and the listener's
/// warnings, which name refused TLS handshakes) unless the level names Rocket itself.
fn filter_for(level: &str) -> Result<EnvFilter, Reason> {
    let spec =
        if level.contains("rocket") { level.to_owned() } else { format!("{level},rocket=error,rocket_http=warn") };
    EnvFilter::try_new(spec).map_err(|e| Reason::new(e.to_string()))
}

/// Checks a `log.level` value without applying it (configuration validation).
pub fn parse_level(level: &str) -> Result<(), Reason> {
    filter_for(level).map(|_| ())
}

/// Applies a new `log.level` to the running process. `RUST_LOG`, when set, wins at start-up
/// only: a reload means the configuration file is what counts from then on.
pub fn set_level(level: &str) -> Result<(), Reason> {
    let filter = filter_for(level)?;
    let handle = LEVEL.get().ok_or("logging non inizializzato")?;
    handle.reload(filter).map_err(|e| Reason::new(e.to_string()))
}

/// Starts logging; keep the returned guard alive until exit so buffered lines are written.
/// The level is `RUST_LOG` if set, else `log.level` (default `info`).
pub fn init(log_dir: Option<&Path>, keep_days: u32, level: &str) -> Option<WorkerGuard> {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| filter_for(level))
        .unwrap_or_else(|_| EnvFilter::new("info,rocket=error,rocket_http=warn"));
    let (filter, handle) = reload::Layer::new(filter);
    let _ = LEVEL.set(handle);
    use std::io::IsTerminal;
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false);
    match log_dir.and_then(|dir| std::fs::create_dir_all(dir).ok().map(|()| dir)) {
        Some(dir) => {
            // Same names as before (`ricolloca.log.YYYY-MM-DD`); files beyond `log.keep_days`
            // are deleted at each rotation.
            let appender = tracing_appender::rolling::Builder::new()
                .rotation(tracing_appender::rolling::Rotation::DAILY)
                .filename_prefix("ricolloca.log")
                .max_log_files(keep_days.max(1) as usize)
                .build(dir);
            let Ok(appender) = appender else {
                let _ = tracing_subscriber::registry().with(filter).with(stderr).try_init();
                tracing::error!(dir = %dir.display(), "log files cannot be written; logging to stderr only");
                return None;
            };
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let file = tracing_subscriber::fmt::layer().with_writer(writer).with_ansi(false).with_target(false);
            let _ = tracing_subscriber::registry().with(filter).with(stderr).with(file).try_init();
            Some(guard)
        }
        None => {
            let _ = tracing_subscriber::registry().with(filter).with(stderr).try_init();
            None
        }
    }
}

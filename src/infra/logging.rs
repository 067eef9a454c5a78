//! Logs to stderr and to daily-rotated files in `log_dir`. The only personal datum a log
//! line may carry is an operator's codice fiscale.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Starts logging; keep the returned guard alive until exit so buffered lines are written.
/// The level comes from `RUST_LOG` (default `info`; from Rocket only errors, and the
/// listener's warnings, which name refused TLS handshakes).
pub fn init(log_dir: Option<&Path>, keep_days: u32) -> Option<WorkerGuard> {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,rocket=error,rocket_http=warn"));
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

//! What changes without a restart: the CRLs (also reloaded by themselves when their files
//! change, see `jobs::spawn_crl_reload`) and the log level (`log.level`). Triggered by SIGHUP
//! (systemd's `ExecReload`) or by the tecnico's button on `/tecnico/sistema`.
//!
//! A reload is prepared first (configuration read, CRLs parsed and signature-checked), then
//! its audit row is committed, then it is applied: nothing changes without its row.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use crate::access::AccessControl;
use crate::config::Config;
use crate::domain::audit_changes::ConfigReloaded;
use crate::domain::audit_event::{Actor, AuditEvent};
use crate::domain::field_error::Reason;
use crate::error::AppError;
use crate::infra::crl::RevocationList;
use crate::infra::logging;

/// Where the reloadable settings come from, and the level now in force.
pub struct Reloader {
    config_file: Option<PathBuf>,
    /// The CRL path and the CA bundle are the start-up ones: moving them needs a restart.
    crl: Option<PathBuf>,
    client_ca: PathBuf,
    access: Arc<AccessControl>,
    level: Mutex<String>,
}

/// What a reload found; `apply` puts the good parts in force.
pub struct Prepared {
    /// The new level, or why the configuration could not be read (the old level stays).
    pub level: Result<String, Reason>,
    /// How many CRLs were read again, or why not (the previous ones stay in force);
    /// `None` when no CRL is configured.
    pub crls: Option<Result<usize, Reason>>,
    list: Option<RevocationList>,
}

impl Reloader {
    pub fn new(config: &Config, access: Arc<AccessControl>) -> Self {
        Self {
            config_file: config.file.clone(),
            crl: config.tls.crl.clone(),
            client_ca: config.tls.client_ca.clone(),
            access,
            level: Mutex::new(config.log.level.clone()),
        }
    }

    /// The log level in force (as configured; `RUST_LOG` may have overridden it at start).
    pub fn level(&self) -> String {
        self.level.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Reads the configuration file and the CRL files again; changes nothing yet.
    pub fn prepare(&self) -> Prepared {
        let level =
            Config::load(self.config_file.as_deref()).map(|c| c.log.level).map_err(|e| Reason::new(e.to_string()));
        let loaded = self.crl.as_ref().map(|crl| {
            std::fs::read(&self.client_ca)
                .map_err(|e| Reason::new(format!("{}: {e}", self.client_ca.display())))
                .and_then(|pem| RevocationList::load(Some(crl), &pem).map_err(|e| Reason::new(e.to_string())))
        });
        let crls = loaded.as_ref().map(|r| r.as_ref().map(|l| l.sources.len()).map_err(Clone::clone));
        Prepared { level, crls, list: loaded.and_then(Result::ok) }
    }

    /// Prepares, commits the audit row, then applies. `trigger` says who asked
    /// ("sighup" or "schermata").
    pub async fn reload(&self, actor: Actor, trigger: &str) -> Result<Prepared, AppError> {
        let mut prepared = self.prepare();
        let event = AuditEvent::of_change(&ConfigReloaded {
            trigger,
            log_level: prepared.level.as_deref().ok(),
            log_level_error: prepared.level.as_ref().err().map(Reason::as_str),
            crls: prepared.crls.as_ref().and_then(|r| r.as_ref().ok()).copied(),
            crl_error: prepared.crls.as_ref().and_then(|r| r.as_ref().err()).map(Reason::as_str),
        })
        .map_err(AppError::internal)?;
        self.access.audit(actor, event).await?;
        self.apply(&mut prepared);
        Ok(prepared)
    }

    fn apply(&self, prepared: &mut Prepared) {
        if let Ok(level) = &prepared.level {
            match logging::set_level(level) {
                Ok(()) => {
                    if let Ok(mut current) = self.level.lock() {
                        current.clone_from(level);
                    }
                    tracing::info!(level = %level, "log level reloaded");
                }
                Err(e) => prepared.level = Err(e),
            }
        } else if let Err(e) = &prepared.level {
            tracing::error!(error = %e, "configuration not reloaded; the log level stays");
        }
        if let Some(list) = prepared.list.take() {
            tracing::info!(crls = list.sources.len(), "CRLs reloaded");
            self.access.replace_revocations(list);
        } else if let Some(Err(e)) = &prepared.crls {
            tracing::error!(error = %e, "CRL reload failed; the previous CRLs stay in force");
        }
    }
}

/// Reloads on every SIGHUP until the process ends.
pub fn spawn_on_sighup(reloader: Arc<Reloader>) {
    use rocket::tokio::signal::unix::{SignalKind, signal};
    rocket::tokio::spawn(async move {
        let mut hangups = match signal(SignalKind::hangup()) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "SIGHUP handler not installed; reload from /tecnico/sistema");
                return;
            }
        };
        while hangups.recv().await.is_some() {
            if let Err(e) = reloader.reload(Actor::system(), "sighup").await {
                tracing::error!(error = %e.log_line(), "reload not done: its audit row could not be written");
            }
        }
    });
}

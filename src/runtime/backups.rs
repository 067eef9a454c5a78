//! Backups made by the running server: on the `backup.every` schedule (see `jobs::spawn_backups`)
//! or when the `tecnico` asks from the screen. One at a time; the outcome of the last one is kept
//! for the screen and `status`, failures are logged. The backup is `service::backup::create_recorded`
//! (the same audited backup as the command line's) in a blocking thread (the server keeps
//! serving: WAL readers never block the writer); its `backup.create` row goes through the writer
//! like every other write.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::domain::audit_event::Actor;
use crate::domain::backup_schedule::Every;
use crate::error::AppError;
use crate::infra::backup_seal::{Kind, Seal};
use crate::infra::checkpoint::SigningKey;
use crate::infra::clock::{SharedClock, format_iso};
use crate::repo::audit;
use crate::repo::writer::Writer;
use crate::service::backup::{self, BackupError, BackupRequest, sidecar};

/// Name prefix of the files this module writes (and prunes: nothing else in the folder); the
/// ending says how they are sealed (`Kind::suffix`).
const PREFIX: &str = "ricolloca-";
const SUFFIXES: [&str; 3] = [".zip", ".zip.age", ".zip.enc"];

#[derive(Debug, Clone, Default)]
pub struct LastRun {
    pub at_ms: i64,
    pub file: Option<String>,
    pub error: Option<String>,
    /// The backup was written, but the audit chain did not verify (flagged in its manifest).
    pub audit_problem: Option<String>,
}

/// One file in the backup folder, as the screen lists it.
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: String,
    pub size: u64,
    pub modified_ms: i64,
    pub sha256: Option<String>,
    /// How it is sealed (read from its first bytes): a plain one is never downloaded.
    pub sealing: Kind,
}

pub struct Backups {
    pub data: PathBuf,
    pub dir: PathBuf,
    pub every: Option<Every>,
    pub keep: usize,
    /// How backups are sealed (`backup.recipients`, `backup.passphrase_file`, or not).
    pub seal: Seal,
    key: Arc<SigningKey>,
    checkpoints: PathBuf,
    writer: Writer,
    clock: SharedClock,
    running: AtomicBool,
    last: Mutex<Option<LastRun>>,
    last_ok: Mutex<Option<LastRun>>,
}

impl Backups {
    pub fn new(
        data: PathBuf,
        dir: PathBuf,
        every: Option<Every>,
        keep: usize,
        seal: Seal,
        key: Arc<SigningKey>,
        checkpoints: PathBuf,
        writer: Writer,
        clock: SharedClock,
    ) -> Self {
        Self {
            data,
            dir,
            every,
            keep,
            seal,
            key,
            checkpoints,
            writer,
            clock,
            running: AtomicBool::new(false),
            last: Mutex::new(None),
            last_ok: Mutex::new(None),
        }
    }

    pub fn is_running(&self) -> bool {
        self.running.load(Ordering::SeqCst)
    }

    /// The last attempt (successful or not) and the last success.
    pub fn last(&self) -> (Option<LastRun>, Option<LastRun>) {
        let get = |m: &Mutex<Option<LastRun>>| m.lock().ok().and_then(|g| g.clone());
        (get(&self.last), get(&self.last_ok))
    }

    fn record(&self, run: LastRun) {
        if run.error.is_none()
            && let Ok(mut ok) = self.last_ok.lock()
        {
            *ok = Some(run.clone());
        }
        if let Ok(mut last) = self.last.lock() {
            *last = Some(run);
        }
    }

    /// Makes one backup now, unless one is running (then `Ok(None)`). Audited as `actor`.
    /// A broken audit chain does not stop it: the backup is written, flagged in its manifest,
    /// logged as an error and shown on the screen.
    pub async fn run(self: &Arc<Self>, actor: Actor) -> Result<Option<PathBuf>, AppError> {
        if self.running.swap(true, Ordering::SeqCst) {
            return Ok(None);
        }
        let now = self.clock.now_ms();
        let outcome = self.run_inner(actor, now).await;
        self.running.store(false, Ordering::SeqCst);
        match &outcome {
            Ok((path, None)) => {
                tracing::info!(file = %path.display(), "backup written");
                self.record(LastRun {
                    at_ms: now,
                    file: Some(backup::file_name(path)),
                    error: None,
                    audit_problem: None,
                });
            }
            Ok((path, Some(problem))) => {
                tracing::error!(
                    file = %path.display(),
                    problem = %problem,
                    "backup written, but the AUDIT CHAIN DID NOT VERIFY: flagged in its manifest, not signed; run `ricolloca audit verify`"
                );
                let file = Some(backup::file_name(path));
                self.record(LastRun { at_ms: now, file, error: None, audit_problem: Some(problem.clone()) });
            }
            Err(e) => {
                tracing::error!(error = %e, dir = %self.dir.display(), "backup failed");
                self.record(LastRun { at_ms: now, file: None, error: Some(e.to_string()), audit_problem: None });
            }
        }
        outcome.map(|(path, _)| Some(path))
    }

    async fn run_inner(self: &Arc<Self>, actor: Actor, now: i64) -> Result<(PathBuf, Option<String>), AppError> {
        let stamp = format_iso(now).replace(['-', ':'], "");
        let stamp = stamp.split('.').next().unwrap_or_default().to_owned();
        let out = self.dir.join(format!("{PREFIX}{stamp}Z{}", self.seal.kind().suffix()));
        let me = self.clone();
        let recorded = rocket::tokio::task::spawn_blocking(move || {
            let req = BackupRequest { data: &me.data, out: &out, seal: &me.seal, key: Some(&me.key), now_ms: now };
            let writer = me.writer.clone();
            backup::create_recorded(&req, &me.checkpoints, move |event| {
                writer.write_blocking(move |tx| audit::append(tx, now, &actor, &event).map(|_| ()))
            })
        })
        .await
        .map_err(AppError::internal)?
        .map_err(|e| match e {
            BackupError::NotRecorded(e) => e,
            other => AppError::Unavailable(other.to_string()),
        })?;
        if let Some(e) = &recorded.checkpoint_file_error {
            tracing::error!(error = %e, "audit checkpoint file not written");
        }
        self.prune();
        Ok((recorded.created.file, recorded.created.manifest.audit.problem))
    }

    /// Keeps the newest `keep` backups this module wrote (names sort by time).
    fn prune(&self) {
        let mut ours: Vec<String> = self
            .list()
            .into_iter()
            .map(|e| e.name)
            .filter(|n| n.starts_with(PREFIX) && SUFFIXES.iter().any(|s| n.ends_with(s)))
            .collect();
        ours.sort();
        let excess = ours.len().saturating_sub(self.keep);
        for name in ours.into_iter().take(excess) {
            let path = self.dir.join(&name);
            match std::fs::remove_file(&path) {
                Ok(()) => tracing::info!(file = %path.display(), "old backup removed (backup.keep)"),
                Err(e) => tracing::warn!(file = %path.display(), error = %e, "old backup not removed"),
            }
            let _ = std::fs::remove_file(sidecar(&path));
        }
    }

    /// Backup files in the folder (hidden temp files and sidecars excluded), newest first.
    pub fn list(&self) -> Vec<Entry> {
        list_dir(&self.dir)
    }

    /// The path of a listed backup by its name; `None` for anything not listed (no traversal).
    pub fn find(&self, name: &str) -> Option<PathBuf> {
        self.list().into_iter().find(|e| e.name == name).map(|e| self.dir.join(e.name))
    }
}

pub fn list_dir(dir: &Path) -> Vec<Entry> {
    let Ok(read) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut out: Vec<Entry> = read
        .filter_map(|e| {
            let e = e.ok()?;
            let name = e.file_name().into_string().ok()?;
            let meta = e.metadata().ok()?;
            if name.starts_with('.') || name.ends_with(".sha256") || !meta.is_file() {
                return None;
            }
            let modified_ms = meta
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
                .unwrap_or(0);
            let sha256 = std::fs::read_to_string(sidecar(&e.path()))
                .ok()
                .and_then(|s| s.split_whitespace().next().map(str::to_owned));
            let sealing = Kind::of_file(&e.path());
            Some(Entry { name, size: meta.len(), modified_ms, sha256, sealing })
        })
        .collect();
    out.sort_by(|a, b| b.modified_ms.cmp(&a.modified_ms).then(b.name.cmp(&a.name)));
    out
}

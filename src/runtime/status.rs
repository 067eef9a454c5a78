//! Local health check without a smartcard: the server answers on a Unix socket beside the data
//! file (`<data>.sock`, mode 0600), and `ricolloca status` reads it. A Unix socket rather than a
//! loopback port: only the service user and root can connect (file permissions), there is no
//! port to choose or clash, and nothing on the network can ever reach it.
//! The answer is one JSON object; the connection is closed after it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Value, json};

use crate::access::AccessControl;
use crate::infra::clock::{SharedClock, Timestamp, format_iso};
use crate::repo::pool::ReadPool;
use crate::repo::{audit, snapshot};
use crate::runtime::backups::Backups;

pub fn socket_path(data: &Path) -> PathBuf {
    let mut name = data.as_os_str().to_owned();
    name.push(".sock");
    PathBuf::from(name)
}

pub struct Health {
    pub data: PathBuf,
    pub pool: Arc<ReadPool>,
    pub backups: Arc<Backups>,
    pub access: Arc<AccessControl>,
    pub clock: SharedClock,
}

impl Health {
    pub async fn report(&self) -> Value {
        let now = self.clock.now();
        let db = self
            .pool
            .read(|c| {
                let version = snapshot::schema_version(c)?;
                let (seq, hash) = snapshot::audit_head(c)?;
                let last_cp = audit::checkpoints(c)?.pop();
                Ok((version, seq, hex::encode(hash), last_cp, audit::last_backup(c)?))
            })
            .await;
        // The newest good backup: this server's own, or one the trail records (`backup --out`
        // from the command line, another process).
        let (last, own_ok) = self.backups.last();
        let recorded = db.as_ref().ok().and_then(|(.., b)| b.clone()).map(|b| crate::runtime::backups::LastRun {
            at: b.at,
            file: b.file,
            error: None,
            audit_problem: b.audit_problem,
        });
        let last_ok = match (own_ok, recorded) {
            (Some(own), Some(rec)) => Some(if rec.at > own.at { rec } else { own }),
            (own, rec) => own.or(rec),
        };
        let db = match db {
            Ok((version, seq, hash, cp, _)) => json!({
                "ok": true,
                "schema_version": version,
                "audit_head_seq": seq,
                "audit_head_hash": hash,
                "last_checkpoint_seq": cp.as_ref().map(|c| c.seq),
                "last_checkpoint_at": cp.as_ref().map(|c| format_iso(Timestamp::from_ms(c.ts_ms))),
            }),
            Err(e) => json!({ "ok": false, "error": e.log_line() }),
        };
        let dir = self.data.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let disk = rustix::fs::statvfs(dir).ok().map(|s| s.f_bavail.saturating_mul(s.f_frsize));
        let newest = crate::runtime::backups::list_dir(&self.backups.dir).into_iter().next();
        let crls: Vec<Value> = self
            .access
            .revocation_sources()
            .iter()
            .map(|s| {
                json!({
                    "path": s.path.display().to_string(),
                    "issuer": s.issuer,
                    "next_update": s.next_update.map(format_iso),
                    "expired": s.next_update.is_some_and(|n| n < now),
                })
            })
            .collect();
        json!({
            "version": crate::repo::VERSION_LINE,
            "time": format_iso(now),
            "database": db,
            "disk_free_bytes": disk,
            "backup": {
                "dir": self.backups.dir.display().to_string(),
                "running": self.backups.is_running(),
                "encryption": self.backups.seal.kind().label(),
                "encryption_warning": (!self.backups.seal.is_sealed()).then_some(
                    "backup non cifrati: impostare backup.recipients (chiave pubblica della Regione) o backup.passphrase_file"
                ),
                "last_ok_at": last_ok.as_ref().map(|r| format_iso(r.at)),
                "last_ok_audit_problem": last_ok.as_ref().and_then(|r| r.audit_problem.clone()),
                "last_ok_file": last_ok.and_then(|r| r.file),
                "last_error": last.as_ref().and_then(|r| r.error.clone()),
                "last_error_at": last.as_ref().filter(|r| r.error.is_some()).map(|r| format_iso(r.at)),
                "newest_file": newest.as_ref().map(|e| e.name.clone()),
                "newest_file_at": newest.as_ref().map(|e| format_iso(e.modified)),
            },
            "crl": crls,
        })
    }
}

/// Serves the status socket until the process ends. The caller holds the instance lock, so a
/// socket file left by a killed server can be removed safely.
pub fn spawn(health: Health) {
    use rocket::tokio::io::AsyncWriteExt;
    let path = socket_path(&health.data);
    let _ = std::fs::remove_file(&path);
    let listener = match rocket::tokio::net::UnixListener::bind(&path) {
        Ok(l) => l,
        Err(e) => {
            tracing::error!(error = %e, path = %path.display(), "status socket not available");
            return;
        }
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Err(e) = std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)) {
            tracing::warn!(error = %e, "status socket permissions not set");
        }
    }
    let health = Arc::new(health);
    rocket::tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else { continue };
            let health = health.clone();
            rocket::tokio::spawn(async move {
                let body = health.report().await.to_string();
                let _ = stream.write_all(body.as_bytes()).await;
                let _ = stream.shutdown().await;
            });
        }
    });
}

/// The client side, for `ricolloca status`.
pub fn query(data: &Path) -> std::io::Result<Value> {
    use std::io::Read;
    let mut stream = std::os::unix::net::UnixStream::connect(socket_path(data))?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(30)))?;
    let mut text = String::new();
    stream.read_to_string(&mut text)?;
    serde_json::from_str(&text).map_err(std::io::Error::other)
}

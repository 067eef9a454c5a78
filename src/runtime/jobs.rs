//! Background work of the running server: the daily six-month rule and the CRL reload.
//! Both run once at start and then on a timer; failures are logged and retried, never fatal.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use crate::access::AccessControl;
use crate::domain::inactivity::InactivityRule;
use crate::domain::timestamp::MS_PER_DAY;
use crate::error::AppError;
use crate::infra::clock::SharedClock;
use crate::infra::crl::RevocationList;
use crate::repo::audit_subjects;
use crate::repo::pool::ReadPool;
use crate::repo::writer::Writer;
use crate::service;

/// How often the six-month rule sweeps (it also runs at each access).
const IDLE_SWEEP: Duration = Duration::from_secs(3600);
/// How often CRL files are checked for changes: a revocation is in force within seconds of a
/// new file being put in place (one `stat` per file, nothing read unless it changed).
const CRL_CHECK: Duration = Duration::from_secs(2);
/// How often expired CRLs are reported in the log.
const CRL_EXPIRY_WARNING: Duration = Duration::from_secs(3600);

/// Switches off every operator idle beyond the limit.
pub async fn idle_sweep(writer: &Writer, clock: &SharedClock, rule: InactivityRule) {
    let now = clock.now();
    match writer.write(move |tx| service::operators::deactivate_all_idle(tx, now, rule)).await {
        Ok(done) if !done.is_empty() => tracing::info!(count = done.len(), "idle operators deactivated"),
        Ok(_) => {}
        Err(e) => tracing::error!(error = %e.log_line(), "idle sweep failed"),
    }
}

pub fn spawn_idle_sweep(writer: Writer, clock: SharedClock, rule: InactivityRule) {
    rocket::tokio::spawn(async move {
        let mut tick = rocket::tokio::time::interval(IDLE_SWEEP);
        loop {
            tick.tick().await;
            idle_sweep(&writer, &clock, rule).await;
        }
    });
}

/// What changes when a CRL is replaced: each file's name, size and modification time (a
/// copy within the same second still changes the size, or the name with an atomic rename).
fn crl_files(path: &Path) -> Vec<(PathBuf, u64, Option<SystemTime>)> {
    let stat = |p: PathBuf| std::fs::metadata(&p).ok().map(|m| (p, m.len(), m.modified().ok()));
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => {
            let mut files: Vec<_> = std::fs::read_dir(path)
                .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).filter_map(stat).collect())
                .unwrap_or_default();
            files.sort();
            files
        }
        Ok(_) => stat(path.to_path_buf()).into_iter().collect(),
        Err(_) => Vec::new(),
    }
}

/// Reloads the CRLs as soon as their files change (checked every 2 s), and warns hourly
/// about expired ones.
pub fn spawn_crl_reload(access: Arc<AccessControl>, clock: SharedClock, crl: PathBuf, ca_bundle: PathBuf) {
    rocket::tokio::spawn(async move {
        let mut seen = crl_files(&crl);
        let mut tick = rocket::tokio::time::interval(CRL_CHECK);
        let mut last_warning: Option<rocket::tokio::time::Instant> = None;
        loop {
            tick.tick().await;
            let now = crl_files(&crl);
            if now != seen {
                seen = now;
                let loaded = std::fs::read(&ca_bundle)
                    .map_err(|e| e.to_string())
                    .and_then(|pem| RevocationList::load(Some(&crl), &pem).map_err(|e| e.to_string()));
                match loaded {
                    Ok(list) => {
                        tracing::info!(crls = list.sources.len(), "CRLs reloaded");
                        access.replace_revocations(list);
                    }
                    Err(e) => tracing::error!(error = %e, "CRL reload failed; the previous CRLs stay in force"),
                }
            }
            if last_warning.is_none_or(|at| at.elapsed() >= CRL_EXPIRY_WARNING) {
                last_warning = Some(rocket::tokio::time::Instant::now());
                warn_expired(&access, &clock);
            }
        }
    });
}

/// Picks up changes to operators and providers made by another process (the command line
/// beside the server): the access check's in-memory operators follow the access epoch.
pub fn spawn_access_epoch_poll(access: Arc<AccessControl>) {
    rocket::tokio::spawn(async move {
        let mut tick = rocket::tokio::time::interval(crate::access::ACCESS_EPOCH_POLL);
        loop {
            tick.tick().await;
            if let Err(e) = access.poll_access_epoch().await {
                tracing::error!(%e, "reading the access epoch");
            }
        }
    });
}

fn warn_expired(access: &AccessControl, clock: &SharedClock) {
    let now = clock.now();
    for source in access.revocation_sources() {
        if source.next_update.is_some_and(|next| next < now) {
            let days = now.ms_since(source.next_update.unwrap_or(now)) / MS_PER_DAY;
            tracing::warn!(path = %source.path.display(), issuer = %source.issuer, days_late = days, "CRL expired (past nextUpdate): fetch a fresh one");
        }
    }
}

/// Signs the chain head (if it moved) into the data file, the checkpoint file and the log.
pub async fn checkpoint(
    writer: &Writer,
    clock: &SharedClock,
    key: &Arc<crate::infra::checkpoint::SigningKey>,
    file: &std::path::Path,
) {
    let (now, signer) = (clock.now(), key.clone());
    match writer.write(move |tx| service::audit::write_checkpoint(tx, now, &signer)).await {
        Ok(Some(cp)) => {
            tracing::info!(checkpoint = %cp.to_line(), "audit checkpoint");
            if let Err(e) = crate::infra::checkpoint::append_to_file(file, &cp) {
                tracing::error!(error = %e, path = %file.display(), "audit checkpoint file not written");
            }
        }
        Ok(None) => {}
        Err(e) => tracing::error!(error = %e.log_line(), "audit checkpoint failed"),
    }
}

pub fn spawn_checkpoints(
    writer: Writer,
    clock: SharedClock,
    key: Arc<crate::infra::checkpoint::SigningKey>,
    file: PathBuf,
    minutes: u32,
) {
    rocket::tokio::spawn(async move {
        let mut tick = rocket::tokio::time::interval(Duration::from_secs(u64::from(minutes) * 60));
        loop {
            tick.tick().await;
            checkpoint(&writer, &clock, &key, &file).await;
        }
    });
}

/// Scheduled backups (`backup.every`); nothing when no schedule is configured.
pub fn spawn_backups(backups: Arc<crate::runtime::backups::Backups>, clock: SharedClock) {
    let Some(every) = backups.every else { return };
    rocket::tokio::spawn(async move {
        let mut last = clock.now();
        loop {
            let now = clock.now();
            let next = every.next_after(last, now);
            // Wake at least every minute: the wall clock may jump (NTP, suspend).
            let wait = u64::try_from(next.ms_since(now).clamp(0, 60_000)).unwrap_or(60_000);
            rocket::tokio::time::sleep(Duration::from_millis(wait)).await;
            if clock.now() >= next {
                last = clock.now();
                // Failures are logged and kept for the screen by `run`.
                let _ = backups.run(crate::domain::audit_event::Actor::system()).await;
            }
        }
    });
}

/// How often the new audit rows are verified for the auditor's screens, and the whole chain.
const CHAIN_CHECK: Duration = Duration::from_secs(60);
const CHAIN_FULL_EVERY: u32 = 24 * 60;

/// Keeps the chain state the auditor sees: the whole chain at start and once a day, the new
/// rows every minute (continuing from the last verified hash).
pub fn spawn_chain_watch(
    pool: Arc<crate::repo::pool::ReadPool>,
    watch: Arc<crate::service::chain_watch::ChainWatch>,
    clock: SharedClock,
) {
    rocket::tokio::spawn(async move {
        let mut tick = rocket::tokio::time::interval(CHAIN_CHECK);
        let mut runs: u32 = 0;
        loop {
            tick.tick().await;
            let (w, now, full) = (watch.clone(), clock.now(), runs.is_multiple_of(CHAIN_FULL_EVERY));
            runs = runs.wrapping_add(1);
            match pool.read(move |c| w.refresh(c, now, full)).await {
                Ok(status) => {
                    if let Some((seq, why)) = &status.broken {
                        tracing::error!(seq, reason = %why, "audit chain BROKEN");
                    }
                }
                Err(e) => tracing::error!(error = %e.log_line(), "audit chain check failed"),
            }
        }
    });
}

/// Evaluates the anomaly rules over the audit rows added since the last run, every
/// `anomalies.check_minutes`; a backlog is worked off batch by batch.
pub async fn anomaly_watch(
    pool: &Arc<crate::repo::pool::ReadPool>,
    writer: &Writer,
    clock: &SharedClock,
    cfg: &Arc<crate::domain::anomaly::AnomalyConfig>,
    watch: &Arc<std::sync::Mutex<Option<crate::domain::anomaly::Watch>>>,
) {
    loop {
        let (c, w, now) = (cfg.clone(), watch.clone(), clock.now());
        let found = pool
            .read(move |conn| {
                let mut kept = w.lock().map_err(|_| crate::error::AppError::unexpected("anomaly watch poisoned"))?;
                service::anomalies::evaluate_new(conn, &mut kept, &c, now)
            })
            .await;
        let found = match found {
            Ok(found) => found,
            Err(e) => return tracing::error!(error = %e.log_line(), "anomaly watch failed"),
        };
        let Some(last) = found.last_seq else { return };
        let c = cfg.clone();
        match writer.write(move |tx| service::anomalies::record(tx, now, &c, &found)).await {
            Ok(new) if !new.is_empty() => tracing::warn!(anomalies = ?new, "anomalies found"),
            Ok(_) => {}
            Err(e) => return tracing::error!(error = %e.log_line(), "anomaly watch failed"),
        }
        // Caught up when the batch ended at the head read above.
        let head = pool.read(crate::repo::audit::head_seq).await.unwrap_or(last);
        if last >= head {
            return;
        }
    }
}

pub fn spawn_anomaly_watch(
    pool: Arc<crate::repo::pool::ReadPool>,
    writer: Writer,
    clock: SharedClock,
    cfg: crate::domain::anomaly::AnomalyConfig,
) {
    let minutes = u64::from(cfg.check_minutes);
    let cfg = Arc::new(cfg);
    // The rules' windows, kept between runs so that each audit row is read once.
    let watch = Arc::new(std::sync::Mutex::new(None));
    rocket::tokio::spawn(async move {
        let mut tick = rocket::tokio::time::interval(Duration::from_secs(minutes * 60));
        loop {
            tick.tick().await;
            anomaly_watch(&pool, &writer, &clock, &cfg, &watch).await;
        }
    });
}

/// Indexes the audit rows older than schema 4, newest first, in short slices: each slice is
/// read and analysed outside the writer, then stored with the moved mark in one short write
/// transaction. Until it is done, the reports scan only the part not reached yet.
pub fn spawn_subject_backfill(pool: Arc<ReadPool>, writer: Writer) {
    rocket::tokio::spawn(async move {
        let started = std::time::Instant::now();
        let mut slices = 0u64;
        loop {
            match backfill_slice(&pool, &writer).await {
                Ok(true) => {
                    slices += 1;
                    // Leave the writer and the readers to the people working.
                    rocket::tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Ok(false) => {
                    if slices > 0 {
                        tracing::info!(slices, secs = started.elapsed().as_secs(), "audit subject index complete");
                    }
                    return;
                }
                Err(e) => {
                    tracing::error!(error = %e, "audit subject index backfill failed; retrying in a minute");
                    rocket::tokio::time::sleep(Duration::from_secs(60)).await;
                }
            }
        }
    });
}

/// One slice; false when nothing is left.
async fn backfill_slice(pool: &Arc<ReadPool>, writer: &Writer) -> Result<bool, AppError> {
    let read = pool
        .read(|c| {
            let Some(below) = audit_subjects::pending_below(c)? else { return Ok(None) };
            let from = (below - audit_subjects::BACKFILL_SLICE).max(0);
            Ok(Some((from, below, audit_subjects::backfill_read(c, from, below)?)))
        })
        .await?;
    let Some((from, below, slice)) = read else { return Ok(false) };
    writer.write(move |tx| audit_subjects::backfill_apply(tx, from, below, &slice)).await?;
    Ok(true)
}
/// Re-reads stored SAP originals through the current element mapping, slice by slice (see
/// `service::sap_remap`); a failure is logged and retried at the next start.
pub fn spawn_sap_remap(pool: Arc<crate::repo::pool::ReadPool>, writer: Writer, clock: SharedClock) {
    rocket::tokio::spawn(async move {
        let mut after = 0;
        loop {
            let mapping = crate::infra::sap_schema::MAPPING;
            let slice = match pool
                .read(move |c| crate::repo::saps::stale_saps(c, mapping, after, service::sap_remap::SLICE))
                .await
            {
                Ok(slice) => slice,
                Err(e) => return tracing::error!(error = %e, "SAP re-read stopped"),
            };
            let Some(last) = slice.last().map(|s| s.id) else { return };
            after = last;
            let prepared = match rocket::tokio::task::spawn_blocking(move || service::sap_remap::prepare(slice)).await {
                Ok(p) => p,
                Err(e) => return tracing::error!(error = %e, "SAP re-read stopped"),
            };
            let now = clock.now();
            match writer.write(move |tx| service::sap_remap::apply(tx, now, &prepared)).await {
                Ok(true) => return tracing::info!("stored SAPs re-read with the current mapping"),
                Ok(false) => {}
                Err(e) => return tracing::error!(error = %e, "SAP re-read stopped"),
            }
            // Leave room for the people using the office's screens.
            rocket::tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
}

//! The anomaly watch: evaluates the rules over the audit rows added since the last run,
//! records each new hit (with its audit row) and, only for rules with `auto_suspend`,
//! disables the provider operator at once. The Region then suspends the operator or the
//! provider, or archives the anomaly with a note — each audited, through the existing services.

use rusqlite::Connection;

use crate::access::AdminAuthority;
use crate::domain::anomaly::{AnomalyConfig, Hit, RuleKind, Watch, WatchRow};
use crate::domain::audit_changes::{AnomalyDecided, AnomalyDetected};
use crate::domain::audit_event::{AuditEvent, Change};
use crate::domain::ids::AnomalyId;
use crate::domain::operator::DisableReason;
use crate::domain::timestamp::Timestamp;
use crate::error::{AppError, FieldError};
use crate::repo::{WriteTx, anomalies, audit, operators};

/// Rows evaluated per run at most; a backlog is worked off over the next runs.
const BATCH: i64 = 20_000;
/// On the very first run, look back this far (not over years of history).
const FIRST_LOOKBACK_MS: i64 = 86_400_000;

/// What one evaluation found: the hits and the last seq it covered.
#[derive(Debug, Default)]
pub struct Evaluation {
    pub hits: Vec<Hit>,
    pub last_seq: Option<i64>,
}

/// Evaluates the rules over the rows after the cursor (at most `BATCH`), continuing the
/// kept `watch`. Without one, or when it does not end at the cursor (a restart, or a run
/// whose hits were not recorded), it is rebuilt first from the rows the windows need, read
/// once: each row is read once per run, whatever the day's volume.
pub fn evaluate_new(
    conn: &Connection,
    watch: &mut Option<Watch>,
    cfg: &AnomalyConfig,
    now: Timestamp,
) -> Result<Evaluation, AppError> {
    let head = crate::repo::audit::head_seq(conn)?;
    let after = match anomalies::cursor(conn)? {
        Some(seq) => seq,
        None => anomalies::first_seq_since(conn, now.plus_ms(-FIRST_LOOKBACK_MS))?.map_or(head, |s| s - 1),
    };
    if head <= after {
        return Ok(Evaluation { hits: Vec::new(), last_seq: None });
    }
    let (first_new, last) = (after + 1, head.min(after + BATCH));
    let mut lookup_error = None;
    let mut previous = |r: &WatchRow| {
        let id = r.actor_id?;
        match anomalies::previous_activity(conn, id, r.seq, r.ts) {
            Ok(ts) => ts,
            Err(e) => {
                lookup_error = Some(e);
                None
            }
        }
    };
    let w = match watch.take().filter(|w| w.covered_to() == after) {
        Some(kept) => watch.insert(kept),
        None => {
            let first_ts = anomalies::ts_of(conn, first_new)?.unwrap_or(now);
            let context_from = anomalies::first_seq_since(conn, first_ts.plus_ms(-cfg.longest_window_ms()))?;
            let w = watch.insert(Watch::new(cfg));
            if let Some(from) = context_from.filter(|from| *from <= after) {
                anomalies::each_row(conn, from, after, |r| w.feed(r, false, &mut previous))?;
            }
            w
        }
    };
    anomalies::each_row(conn, first_new, last, |r| w.feed(r, true, &mut previous))?;
    let hits = w.take_hits();
    if let Some(e) = lookup_error {
        // The kept state went past rows it could not judge: start over next time.
        *watch = None;
        return Err(e);
    }
    Ok(Evaluation { hits, last_seq: Some(last) })
}

/// Records the hits (new episodes only), applies `auto_suspend`, moves the cursor; one
/// transaction. Returns the ids of the new anomalies.
pub fn record(
    tx: &WriteTx<'_>,
    now: Timestamp,
    cfg: &AnomalyConfig,
    found: &Evaluation,
) -> Result<Vec<AnomalyId>, AppError> {
    let system = AdminAuthority::system();
    let mut new = Vec::new();
    for h in &found.hits {
        let Some(id) = anomalies::insert(tx, now, h)? else { continue };
        let detected = AnomalyDetected {
            anomaly: id,
            rule: h.rule.code(),
            actor_cf: &h.actor_cf,
            provider: h.provider_id,
            summary: &h.summary,
            evidence: &h.evidence,
        };
        audit::append(tx, now, system.actor(), &AuditEvent::of_change(&detected).map_err(AppError::internal)?)?;
        if cfg.rule(h.rule).auto_suspend
            && let Some(op) = h.actor_id
            && let Some(row) = operators::row(tx.conn(), op)?
            && row.state == "active"
            && row.role == "operatore"
        {
            // The summary can be long (every IP a card was used from): the reason has a limit.
            let summary: String = h.summary.chars().take(300).collect();
            let reason = format!("sospensione automatica per anomalia n. {id}: {} ({summary})", h.rule.label());
            let disabled =
                crate::service::operators::disable(tx, now, &system, op, Some(DisableReason::Anomaly), &reason, None);
            // A suspension that cannot be applied must not stop the watch: the anomaly stays
            // recorded (for the Region to act on) and the cursor moves on.
            match disabled {
                Ok(_) => anomalies::set_auto_action(tx, id, "operatore disabilitato automaticamente")?,
                Err(e) => {
                    tracing::error!(anomaly = id.get(), error = %e.log_line(), "automatic suspension failed");
                    anomalies::set_auto_action(tx, id, "sospensione automatica NON riuscita: decidere a mano")?;
                }
            }
        }
        new.push(id);
    }
    if let Some(seq) = found.last_seq {
        anomalies::set_cursor(tx, seq)?;
    }
    Ok(new)
}

/// What the Region decides about an open anomaly.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    SuspendOperator,
    SuspendProvider,
    Archive,
}

fn conflict(message: &str) -> AppError {
    AppError::Conflict(FieldError { field: "state".into(), message: message.into() })
}

/// The reason prefilled on the Region's buttons.
pub fn default_reason(rule: &str, id: AnomalyId, summary: &str) -> String {
    let label = RuleKind::from_code(rule).map_or_else(|| rule.to_owned(), |k| k.label().to_owned());
    format!("Anomalia n. {id} ({label}): {summary}")
}

/// Applies the Region's decision with the existing services (which write their own audit
/// rows and histories), closes the anomaly and records the decision; one transaction.
pub fn decide(
    tx: &WriteTx<'_>,
    now: Timestamp,
    who: &AdminAuthority,
    id: AnomalyId,
    decision: Decision,
    reason: &str,
) -> Result<(), AppError> {
    let reason = reason.trim();
    if reason.chars().count() < 5 {
        return Err(AppError::Invalid(vec![FieldError {
            field: "reason".into(),
            message: "indicare il motivo (almeno 5 caratteri)".into(),
        }]));
    }
    let a = anomalies::get(tx.conn(), id)?.ok_or(AppError::NotFound)?;
    if a.state != "open" {
        return Err(conflict("l'anomalia è già stata trattata"));
    }
    let (state, change) = match decision {
        Decision::SuspendOperator => {
            let op = a.actor_id.ok_or_else(|| conflict("l'anomalia non riguarda un operatore registrato"))?;
            crate::service::operators::disable(tx, now, who, op, Some(DisableReason::Anomaly), reason, None)?;
            ("suspended", Change::AnomalySuspend)
        }
        Decision::SuspendProvider => {
            let p = a.provider_id.ok_or_else(|| conflict("l'anomalia non riguarda un soggetto accreditato"))?;
            crate::service::providers::set_suspended(tx, now, who, p, true, reason)?;
            ("suspended", Change::AnomalySuspend)
        }
        Decision::Archive => ("archived", Change::AnomalyArchive),
    };
    if !anomalies::close(tx, id, state, now, who.label(), reason)? {
        return Err(conflict("l'anomalia è già stata trattata"));
    }
    let target = match decision {
        Decision::SuspendOperator => "operatore",
        Decision::SuspendProvider => "soggetto",
        Decision::Archive => "nessuno",
    };
    let decided = AnomalyDecided {
        anomaly: id,
        suspended: change == Change::AnomalySuspend,
        rule: &a.rule,
        target,
        reason,
        evidence: &a.evidence,
    };
    audit::append(tx, now, who.actor(), &AuditEvent::of_change(&decided).map_err(AppError::internal)?)?;
    Ok(())
}

//! Retention: audit rows older than `audit.retention_months` may be removed, only by the
//! explicit `ricolloca audit prune` command, which first signs a checkpoint of the last row it
//! removes (into the checkpoint file outside the data file, then the data file) and a prune
//! record; `audit verify` then starts the chain from that signed anchor.

use rusqlite::Connection;

use crate::domain::audit_changes::AuditPruned;
use crate::domain::audit_event::{Actor, AuditEvent};
use crate::domain::timestamp::Timestamp;
use crate::error::{AppError, FieldError};
use crate::infra::checkpoint::{Checkpoint, SigningKey};
use crate::infra::clock::local_day_start;
use crate::repo::audit_prune::{self, PruneAnchor};
use crate::repo::{WriteTx, audit};

/// Days from 1970-01-01 to a calendar date (Julian day of the epoch is 2440588).
fn day_number(d: time::Date) -> i64 {
    i64::from(d.to_julian_day()) - 2_440_588
}

/// The start (UTC ms) of the Italian local day `months` months before `now`'s local day:
/// rows at or after it are inside the retention period and are never removed.
pub fn retention_cutoff(now: Timestamp, months: u32) -> Timestamp {
    let today = crate::infra::clock::local_date(now);
    let total = i64::from(today.year()) * 12 + i64::from(u8::from(today.month())) - 1 - i64::from(months);
    let (year, month0) = (total.div_euclid(12), total.rem_euclid(12));
    let month =
        u8::try_from(month0 + 1).ok().and_then(|m| time::Month::try_from(m).ok()).unwrap_or(time::Month::January);
    let year = i32::try_from(year).unwrap_or(1970);
    let day = today.day().min(time::util::days_in_month(month, year));
    let date = time::Date::from_calendar_date(year, month, day).unwrap_or(today);
    local_day_start(day_number(date))
}

/// What a prune would remove: the last row older than `before`, signed. `None` when
/// there is nothing (new) to remove. Refuses a date inside the retention period.
pub fn plan(
    conn: &Connection,
    now: Timestamp,
    key: &SigningKey,
    before: Timestamp,
    retention_months: u32,
) -> Result<Option<(Checkpoint, PruneAnchor)>, AppError> {
    let cutoff = retention_cutoff(now, retention_months);
    if before > cutoff {
        return Err(AppError::Invalid(vec![FieldError {
            field: "--before".into(),
            message: format!(
                "le righe degli ultimi {retention_months} mesi (audit.retention_months) non si cancellano: indicare una data non successiva al {}",
                crate::infra::clock::format_it(cutoff).get(..10).unwrap_or_default()
            ),
        }]));
    }
    let Some((seq, hash)) = audit_prune::last_row_before(conn, before)? else { return Ok(None) };
    if audit_prune::anchor(conn)?.is_some_and(|a| a.up_to_seq >= seq) {
        return Ok(None);
    }
    let checkpoint = key.sign(seq, hash, now.as_ms());
    let signature = key.sign_prune(seq, &hash, before.as_ms());
    let anchor = PruneAnchor { up_to_seq: seq, hash, before_ts: before.as_ms(), rows: 0, pruned_at: now, signature };
    Ok(Some((checkpoint, anchor)))
}

/// Removes the planned rows, in one write transaction with the checkpoint, the prune record
/// and the `audit.prune` row. Returns how many rows went.
pub fn execute(
    tx: &WriteTx<'_>,
    now: Timestamp,
    actor: &Actor,
    checkpoint: &Checkpoint,
    anchor: &PruneAnchor,
    retention_months: u32,
) -> Result<i64, AppError> {
    // The planned row must still be the one signed (nobody rewrote it in between).
    if audit::row_hash(tx.conn(), anchor.up_to_seq)?.as_deref() != Some(anchor.hash.as_slice()) {
        return Err(AppError::unexpected("the row to prune up to changed since it was signed"));
    }
    audit::insert_checkpoint(tx, checkpoint)?;
    let rows = audit_prune::prune(tx, anchor)?;
    let (before, hash) =
        (crate::infra::clock::format_iso(Timestamp::from_ms(anchor.before_ts)), hex::encode(anchor.hash));
    let pruned = AuditPruned { before: &before, up_to_seq: anchor.up_to_seq, hash: &hash, rows, retention_months };
    let event = AuditEvent::of_change(&pruned).map_err(AppError::internal)?;
    audit::append(tx, now, actor, &event)?;
    Ok(rows)
}

//! Issuing the identificativo politica's sequence number, once: from the part of the sequence
//! the Region gave this instance (`identificativo.range_start`..`range_end`), never at or below
//! the high-water mark kept outside the data file.
//!
//! Numbers are reserved in blocks: the mark is raised (and synced) to the end of a block before
//! the block's first number is used, and the block is handed out from memory. A sync per
//! action, inside the single writer, had limited actions to one per disk flush (9 a second on a
//! busy disk). A clean stop gives back the unused rest of the block (`release`); after a crash
//! the next start goes on above the mark, so that rest is skipped: gaps, never a number twice.

use std::sync::Mutex;

use crate::domain::audit_changes::IdentificativoResynced;
use crate::domain::audit_event::{Actor, AuditEvent};
use crate::domain::timestamp::Timestamp;
use crate::error::{AppError, FieldError};
use crate::infra::high_water::HighWater;
use crate::repo::{WriteTx, actions, audit};

/// The named counter holding the last number issued.
pub const SEQUENCE: &str = "identificativo_politica";

/// The most numbers reserved with one sync of the high-water file.
pub const BLOCK: u32 = 1000;

pub struct Issuer {
    /// The two digits of this system (`system_code`).
    pub system_code: String,
    pub start: u32,
    pub end: u32,
    /// `titolo_progetto` of an action that names none (`idol.titolo_progetto`).
    pub project: String,
    high_water: HighWater,
    /// The last number handed out by this process, or at start the high-water mark (so
    /// numbers a previous run reserved are never handed out again). Never goes down; every
    /// number handed out is at most the high-water mark.
    last: Mutex<Option<u32>>,
}

/// Where the sequence stands, for the technician's screen and `ricolloca restore`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct SequenceState {
    pub start: u32,
    pub end: u32,
    /// Last number issued (data file and high-water file agreed at start; the larger wins).
    pub last: Option<u32>,
    /// Numbers still available in the range.
    pub remaining: u64,
}

pub fn remaining(start: u32, end: u32, last: Option<u32>) -> u64 {
    let next = last.map_or(u64::from(start), |l| (u64::from(l) + 1).max(u64::from(start)));
    (u64::from(end) + 1).saturating_sub(next)
}

/// The last number of the block reserved from `next`: at most [`BLOCK`] numbers, and at most
/// a thousandth of what is left of the range (a small range is not used up by restarts after
/// crashes), at least `next` itself.
pub fn block_end(next: u32, end: u32) -> u32 {
    let left = u64::from(end.saturating_sub(next)) + 1;
    let size = (left / 1000).clamp(1, u64::from(BLOCK));
    u32::try_from(u64::from(next) + size - 1).unwrap_or(end).min(end)
}

fn last_issued(tx: &WriteTx<'_>) -> Result<Option<u32>, AppError> {
    Ok(actions::counter(tx.conn(), SEQUENCE)?.and_then(|v| u32::try_from(v).ok()))
}

fn poisoned<T>(_: T) -> AppError {
    AppError::unexpected("identificativo issuer lock poisoned")
}

impl Issuer {
    pub fn new(system_code: &str, (start, end): (u32, u32), project: &str, high_water: HighWater) -> Self {
        let last = Mutex::new(high_water.get());
        Self { system_code: system_code.to_owned(), start, end, project: project.to_owned(), high_water, last }
    }

    /// The issuer a configuration describes (opens the high-water file).
    pub fn from_config(config: &crate::config::Config) -> Result<Self, crate::error::StartupError> {
        let high_water = HighWater::open(&config.identificativo_high_water())?;
        Ok(Self::new(&config.system_code, config.identificativo_range(), &config.idol.titolo_progetto(), high_water))
    }

    pub fn high_water_path(&self) -> &std::path::Path {
        self.high_water.path()
    }

    /// The next number, recorded in the data file (this transaction); the high-water file
    /// covers it before it is returned (a new block is reserved when the last one is used up).
    pub fn next(&self, tx: &WriteTx<'_>) -> Result<u32, AppError> {
        let mut last = self.last.lock().map_err(poisoned)?;
        let floor = last_issued(tx)?.max(*last);
        let next = floor.map_or(u64::from(self.start), |l| (u64::from(l) + 1).max(u64::from(self.start)));
        let Some(next) = u32::try_from(next).ok().filter(|n| *n <= self.end) else {
            return Err(AppError::Invalid(vec![FieldError {
                field: "tipo_attivita".into(),
                message: "gli identificativi politica assegnati a questo sistema sono esauriti: avvisare il tecnico, \
                          che deve chiedere alla Regione un nuovo intervallo"
                    .into(),
            }]));
        };
        if self.high_water.get().is_none_or(|mark| mark < next) {
            self.high_water.record(block_end(next, self.end)).map_err(AppError::internal)?;
        }
        actions::set_counter(tx, SEQUENCE, i64::from(next))?;
        *last = Some(next);
        Ok(next)
    }

    /// At a clean stop: the high-water mark comes back down to the last number handed out,
    /// so the unused rest of the block is not skipped at the next start. Safe at any moment:
    /// every number handed out is at most `last`, and a later `next` reserves again.
    pub fn release(&self) -> Result<(), AppError> {
        let last = self.last.lock().map_err(poisoned)?;
        match *last {
            Some(l) if self.high_water.get().is_some_and(|mark| mark > l) => {
                self.high_water.set(l).map_err(AppError::internal)
            }
            _ => Ok(()),
        }
    }

    /// At start: the data file's counter takes the larger of its own value and the high-water
    /// file's (after a restore, or a stop that did not give back a reserved block, the file is
    /// ahead), and the file catches up with the data file (a first start after this feature, or
    /// a new file name). Audited when the counter moves.
    pub fn reconcile(&self, tx: &WriteTx<'_>, now: Timestamp) -> Result<SequenceState, AppError> {
        let mut held = self.last.lock().map_err(poisoned)?;
        let in_data = last_issued(tx)?;
        let in_file = self.high_water.get();
        let last = in_data.max(in_file).max(*held);
        if let Some(l) = last {
            if in_data < last {
                actions::set_counter(tx, SEQUENCE, i64::from(l))?;
                let resynced =
                    IdentificativoResynced { sequence: SEQUENCE, data_file: in_data, high_water: in_file, now: l };
                let event = AuditEvent::of_change(&resynced).map_err(AppError::internal)?;
                audit::append(tx, now, &Actor::system(), &event)?;
                tracing::warn!(data_file = ?in_data, high_water = l, "identificativo counter moved up to the high-water mark (a restored backup, or numbers reserved before a crash)");
            }
            self.high_water.record(l).map_err(AppError::internal)?;
        }
        *held = last;
        Ok(self.state(last))
    }

    /// Where the sequence stands now: the last number handed out (at start, the mark).
    pub fn current(&self) -> SequenceState {
        self.state(self.last.lock().map(|l| *l).unwrap_or(None))
    }

    pub fn state(&self, last: Option<u32>) -> SequenceState {
        SequenceState { start: self.start, end: self.end, last, remaining: remaining(self.start, self.end, last) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_left() {
        assert_eq!(remaining(1, 10, None), 10);
        assert_eq!(remaining(1, 10, Some(4)), 6);
        assert_eq!(remaining(1, 10, Some(10)), 0);
        assert_eq!(remaining(0x100, 0x1FF, Some(5)), 0x100, "a counter below the range starts at the range");
        assert_eq!(remaining(1, 10, Some(12)), 0);
        assert_eq!(remaining(1, u32::MAX, Some(u32::MAX)), 0);
    }

    #[test]
    fn blocks_are_small_where_the_range_is() {
        assert_eq!(block_end(1, u32::MAX), 1000, "a whole range: blocks of 1000");
        assert_eq!(block_end(u32::MAX - 10, u32::MAX), u32::MAX - 10, "the last few: one at a time");
        assert_eq!(block_end(u32::MAX, u32::MAX), u32::MAX);
        assert_eq!(block_end(0xA0FE, 0xA0FF), 0xA0FE);
        assert_eq!(block_end(0xB000, 0xBFFF), 0xB003, "4096 left: blocks of 4");
        assert_eq!(block_end(1, 100_000), 100, "a thousandth of what is left");
    }
}

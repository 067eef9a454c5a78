//! Issuing the identificativo politica's sequence number, once: from the part of the sequence
//! the Region gave this instance (`identificativo.range_start`..`range_end`), never below the
//! high-water mark kept outside the data file, which is written before the number is used.

use crate::domain::audit_changes::IdentificativoResynced;
use crate::domain::audit_event::{Actor, AuditEvent};
use crate::domain::timestamp::Timestamp;
use crate::error::{AppError, FieldError};
use crate::infra::high_water::HighWater;
use crate::repo::{WriteTx, actions, audit};

/// The named counter holding the last number issued.
pub const SEQUENCE: &str = "identificativo_politica";

pub struct Issuer {
    /// The two digits of this system (`system_code`).
    pub system_code: String,
    pub start: u32,
    pub end: u32,
    /// `titolo_progetto` of an action that names none (`idol.titolo_progetto`).
    pub project: String,
    high_water: HighWater,
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

fn last_issued(tx: &WriteTx<'_>) -> Result<Option<u32>, AppError> {
    Ok(actions::counter(tx.conn(), SEQUENCE)?.and_then(|v| u32::try_from(v).ok()))
}

impl Issuer {
    pub fn new(system_code: &str, (start, end): (u32, u32), project: &str, high_water: HighWater) -> Self {
        Self { system_code: system_code.to_owned(), start, end, project: project.to_owned(), high_water }
    }

    /// The issuer a configuration describes (opens the high-water file).
    pub fn from_config(config: &crate::config::Config) -> Result<Self, crate::error::StartupError> {
        let high_water = HighWater::open(&config.identificativo_high_water())?;
        Ok(Self::new(&config.system_code, config.identificativo_range(), &config.idol.titolo_progetto(), high_water))
    }

    pub fn high_water_path(&self) -> &std::path::Path {
        self.high_water.path()
    }

    /// The next number, recorded in the data file (this transaction) and, before that is
    /// committed, in the high-water file.
    pub fn next(&self, tx: &WriteTx<'_>) -> Result<u32, AppError> {
        let last = last_issued(tx)?.max(self.high_water.get());
        let next = last.map_or(u64::from(self.start), |l| (u64::from(l) + 1).max(u64::from(self.start)));
        let Some(next) = u32::try_from(next).ok().filter(|n| *n <= self.end) else {
            return Err(AppError::Invalid(vec![FieldError {
                field: "tipo_attivita".into(),
                message: "gli identificativi politica assegnati a questo sistema sono esauriti: avvisare il tecnico, \
                          che deve chiedere alla Regione un nuovo intervallo"
                    .into(),
            }]));
        };
        actions::set_counter(tx, SEQUENCE, i64::from(next))?;
        self.high_water.record(next).map_err(AppError::internal)?;
        Ok(next)
    }

    /// At start: the data file's counter takes the larger of its own value and the high-water
    /// file's (after a restore the file is ahead), and the file catches up with the data file
    /// (a first start after this feature, or a new file name). Audited when the counter moves.
    pub fn reconcile(&self, tx: &WriteTx<'_>, now: Timestamp) -> Result<SequenceState, AppError> {
        let in_data = last_issued(tx)?;
        let in_file = self.high_water.get();
        let last = in_data.max(in_file);
        if let Some(l) = last {
            if in_data < last {
                actions::set_counter(tx, SEQUENCE, i64::from(l))?;
                let resynced =
                    IdentificativoResynced { sequence: SEQUENCE, data_file: in_data, high_water: in_file, now: l };
                let event = AuditEvent::of_change(&resynced).map_err(AppError::internal)?;
                audit::append(tx, now, &Actor::system(), &event)?;
                tracing::warn!(data_file = ?in_data, high_water = l, "identificativo counter moved up to the high-water mark (restored backup?)");
            }
            self.high_water.record(l).map_err(AppError::internal)?;
        }
        Ok(self.state(last))
    }

    /// Where the sequence stands now: the high-water file is written with every number, and
    /// at start it caught up with the data file, so it holds the last number issued.
    pub fn current(&self) -> SequenceState {
        self.state(self.high_water.get())
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
}

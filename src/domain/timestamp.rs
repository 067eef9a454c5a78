//! A moment in time, as the data file stores it: milliseconds since the Unix epoch, UTC.
//! A type of its own, so that a moment is never confused with a count, an id or a duration,
//! and so that "now" is something a caller passes in (read once, from the `Clock`).

/// Milliseconds in a day, for rules counted in days (the six-month rule, retention).
pub const MS_PER_DAY: i64 = 86_400_000;

/// A moment: milliseconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Timestamp(i64);

impl Timestamp {
    pub const EPOCH: Timestamp = Timestamp(0);

    /// The moment `ms` milliseconds after the epoch (as stored, or as the clock reads it).
    pub const fn from_ms(ms: i64) -> Self {
        Timestamp(ms)
    }

    /// Milliseconds since the epoch: for storage, JSON and arithmetic on durations.
    pub const fn as_ms(self) -> i64 {
        self.0
    }

    /// `ms` milliseconds later (earlier when negative).
    pub const fn plus_ms(self, ms: i64) -> Self {
        Timestamp(self.0.saturating_add(ms))
    }

    /// `days` whole days later (earlier when negative).
    pub const fn plus_days(self, days: i64) -> Self {
        self.plus_ms(days.saturating_mul(MS_PER_DAY))
    }

    /// Milliseconds from `earlier` to `self` (negative if `earlier` is later).
    pub const fn ms_since(self, earlier: Timestamp) -> i64 {
        self.0.saturating_sub(earlier.0)
    }
}

impl std::fmt::Display for Timestamp {
    /// The stored number: for logs and file names only; people see `infra::clock::format_it`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_move_by_milliseconds_and_days() {
        let t = Timestamp::from_ms(1_000);
        assert_eq!(t.plus_days(1).as_ms(), 1_000 + MS_PER_DAY);
        assert_eq!(t.plus_ms(-1_000), Timestamp::EPOCH);
        assert_eq!(t.plus_days(2).ms_since(t), 2 * MS_PER_DAY);
        assert!(t < t.plus_ms(1));
        assert_eq!(serde_json::to_string(&t).unwrap(), "1000");
    }
}

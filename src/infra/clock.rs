//! The only place that reads the time. Everything else receives `now` as a parameter, so the
//! six-month rule and retention can be tested without waiting (clippy.toml forbids other reads).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

/// Milliseconds since the Unix epoch, UTC.
pub trait Clock: Send + Sync {
    fn now_ms(&self) -> i64;
}

pub type SharedClock = Arc<dyn Clock>;

/// The real clock.
pub struct SystemClock;

impl Clock for SystemClock {
    #[expect(clippy::disallowed_methods, reason = "the one sanctioned read of the time")]
    fn now_ms(&self) -> i64 {
        let now = std::time::SystemTime::now();
        match now.duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
            Err(_) => 0,
        }
    }
}

/// A clock that only moves when told to; for unit tests.
pub struct FixedClock(AtomicI64);

impl FixedClock {
    pub fn new(now_ms: i64) -> Self {
        Self(AtomicI64::new(now_ms))
    }
    pub fn set(&self, now_ms: i64) {
        self.0.store(now_ms, Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// `time::OffsetDateTime` for a millisecond timestamp (UTC), for formatting.
pub fn datetime(ms: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

/// Italian date and time for people: `26/11/2026 14:05` (UTC, marked as such).
pub fn format_it(ms: i64) -> String {
    let d = datetime(ms);
    format!("{:02}/{:02}/{:04} {:02}:{:02} UTC", d.day(), u8::from(d.month()), d.year(), d.hour(), d.minute())
}

/// The current time as `OffsetDateTime`, through the real clock (certificate generation).
pub fn system_now() -> time::OffsetDateTime {
    datetime(SystemClock.now_ms())
}

/// ISO 8601 for machines: `2026-11-26T14:05:00.000Z`.
pub fn format_iso(ms: i64) -> String {
    let d = datetime(ms);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z",
        d.year(),
        u8::from(d.month()),
        d.day(),
        d.hour(),
        d.minute(),
        d.second(),
        d.millisecond()
    )
}

/// The UTC day number of a timestamp (days since the epoch), for "first request of the day".
pub fn day_of(ms: i64) -> i64 {
    ms.div_euclid(86_400_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let ms = 1_795_701_900_123; // 2026-11-26T14:05:00.123Z
        assert_eq!(format_iso(ms), "2026-11-26T14:05:00.123Z");
        assert_eq!(format_it(ms), "26/11/2026 14:05 UTC");
        assert_eq!(day_of(ms), 20_783);
    }
}

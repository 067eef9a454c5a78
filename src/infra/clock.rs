//! The only place that reads the time. Everything else receives `now` as a parameter, so the
//! six-month rule and retention can be tested without waiting (clippy.toml forbids other reads).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

pub use crate::domain::timestamp::Timestamp;

/// The time now. Read once per request (the web layer's request context) or per job run,
/// then passed down as a plain `Timestamp`.
pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

pub type SharedClock = Arc<dyn Clock>;

/// The real clock.
pub struct SystemClock;

impl Clock for SystemClock {
    #[expect(clippy::disallowed_methods, reason = "the one sanctioned read of the time")]
    fn now(&self) -> Timestamp {
        let now = std::time::SystemTime::now();
        Timestamp::from_ms(match now.duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
            Err(_) => 0,
        })
    }
}

/// A clock that only moves when told to; for unit tests.
pub struct FixedClock(AtomicI64);

impl FixedClock {
    pub fn new(now: Timestamp) -> Self {
        Self(AtomicI64::new(now.as_ms()))
    }
    pub fn set(&self, now: Timestamp) {
        self.0.store(now.as_ms(), Ordering::SeqCst);
    }
}

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_ms(self.0.load(Ordering::SeqCst))
    }
}

/// `time::OffsetDateTime` for a moment (UTC), for formatting.
pub fn datetime(t: Timestamp) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(t.as_ms()) * 1_000_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

/// Milliseconds to add to UTC for Italian local time at `ms`: CET (+1h), or CEST (+2h) from
/// 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October (EU rule,
/// in force since 1996). Written out rather than pulling a time-zone database for one zone.
pub fn italy_offset_ms(t: Timestamp) -> i64 {
    const HOUR: i64 = 3_600_000;
    let ms = t.as_ms();
    let year = datetime(t).year();
    let last_sunday_1am = |month: time::Month| -> i64 {
        // The last day of the month, stepped back to a Sunday.
        let first_next = match month {
            time::Month::March => time::Date::from_calendar_date(year, time::Month::April, 1),
            _ => time::Date::from_calendar_date(year, time::Month::November, 1),
        };
        let Ok(first_next) = first_next else { return 0 };
        let mut d = first_next.previous_day().unwrap_or(first_next);
        while d.weekday() != time::Weekday::Sunday {
            d = d.previous_day().unwrap_or(d);
        }
        d.midnight().assume_utc().unix_timestamp() * 1000 + HOUR
    };
    let (start, end) = (last_sunday_1am(time::Month::March), last_sunday_1am(time::Month::October));
    if ms >= start && ms < end { 2 * HOUR } else { HOUR }
}

/// Italian local date and time for people: `26/11/2026 15:05`.
pub fn format_it(t: Timestamp) -> String {
    let d = datetime(local(t));
    format!("{:02}/{:02}/{:04} {:02}:{:02}", d.day(), u8::from(d.month()), d.year(), d.hour(), d.minute())
}

/// Italian local date and time of a timestamp (the agenda is kept in local time).
pub fn local_datetime(t: Timestamp) -> time::PrimitiveDateTime {
    let d = datetime(local(t));
    time::PrimitiveDateTime::new(d.date(), d.time())
}

/// The Italian local calendar day of a timestamp (days since the epoch), for "first request
/// of the day" and daily reports.
pub fn local_day_of(t: Timestamp) -> i64 {
    local(t).as_ms().div_euclid(86_400_000)
}

/// The wall-clock reading in Italy at `t`, as if it were UTC (for calendar arithmetic only).
fn local(t: Timestamp) -> Timestamp {
    t.plus_ms(italy_offset_ms(t))
}

/// The Italian local calendar date of a timestamp ("today" for dates people type).
pub fn local_date(t: Timestamp) -> time::Date {
    datetime(local(t)).date()
}

/// The UTC timestamp at which the Italian local calendar date `d` begins.
pub fn local_date_start(d: time::Date) -> Timestamp {
    // Days since 1970-01-01, whose Julian day number is 2 440 588.
    local_day_start(i64::from(d.to_julian_day()) - 2_440_588)
}

/// The UTC timestamp at which the Italian local day `day` begins.
pub fn local_day_start(day: i64) -> Timestamp {
    let guess = Timestamp::from_ms(day * 86_400_000);
    // The offset at local midnight is the offset one hour before UTC midnight, give or take the
    // switch nights (which happen at 01:00 UTC, never near local midnight).
    guess.plus_ms(-italy_offset_ms(guess.plus_ms(-3_600_000)))
}

/// The current time as `OffsetDateTime`, through the real clock (certificate generation).
pub fn system_now() -> time::OffsetDateTime {
    datetime(SystemClock.now())
}

/// ISO 8601 for machines: `2026-11-26T14:05:00.000Z`.
pub fn format_iso(t: Timestamp) -> String {
    let d = datetime(t);
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
pub fn day_of(t: Timestamp) -> i64 {
    t.as_ms().div_euclid(86_400_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        let ms = Timestamp::from_ms(1_795_701_900_123); // 2026-11-26T14:05:00.123Z
        assert_eq!(format_iso(ms), "2026-11-26T14:05:00.123Z");
        assert_eq!(format_it(ms), "26/11/2026 15:05");
        assert_eq!(day_of(ms), 20_783);
    }

    fn utc(y: i32, m: u8, d: u8, h: u8, min: u8) -> Timestamp {
        let date = time::Date::from_calendar_date(y, time::Month::try_from(m).unwrap(), d).unwrap();
        Timestamp::from_ms(date.with_hms(h, min, 0).unwrap().assume_utc().unix_timestamp() * 1000)
    }

    #[test]
    fn italian_summer_time_switches_on_the_last_sundays() {
        // 2026: summer time from 29 March 01:00 UTC to 25 October 01:00 UTC.
        assert_eq!(italy_offset_ms(utc(2026, 3, 29, 0, 59)), 3_600_000);
        assert_eq!(italy_offset_ms(utc(2026, 3, 29, 1, 0)), 7_200_000);
        assert_eq!(italy_offset_ms(utc(2026, 10, 25, 0, 59)), 7_200_000);
        assert_eq!(italy_offset_ms(utc(2026, 10, 25, 1, 0)), 3_600_000);
        assert_eq!(format_it(utc(2026, 7, 1, 22, 30)), "02/07/2026 00:30");
        assert_eq!(local_datetime(utc(2026, 7, 1, 22, 30)).to_string(), "2026-07-02 0:30:00.0");
        // A request at 00:30 local time belongs to the new local day.
        let just_after_midnight = utc(2026, 7, 1, 22, 30);
        assert_eq!(local_day_of(just_after_midnight), day_of(utc(2026, 7, 2, 12, 0)));
        assert_eq!(local_day_start(local_day_of(just_after_midnight)), utc(2026, 7, 1, 22, 0));
        assert_eq!(local_day_start(local_day_of(utc(2026, 12, 1, 12, 0))), utc(2026, 11, 30, 23, 0));
    }
}

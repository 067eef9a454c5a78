//! The inactivity rule of Allegato B, point 7: credentials "non utilizzate da almeno sei mesi"
//! are switched off. Counted in calendar months of Italian local dates, from the later of the
//! last access and the last (re-)enabling: last access 5 June → switched off from 5 December
//! (00:00 Italian time). When the day does not exist six months on (31 August), the month's
//! last day counts (28 or 29 February).

use time::Date;

use super::appointment::add_months;
use super::timestamp::Timestamp;
use crate::infra::clock::{local_date, local_date_start};

/// The rule with its length in calendar months (`inactivity_months`, 6 by the text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InactivityRule {
    months: u32,
}

impl InactivityRule {
    pub const TEXT_MONTHS: u32 = 6;
    /// The rule as the text writes it.
    pub const TEXT: Self = Self { months: Self::TEXT_MONTHS };

    pub fn months(months: u32) -> Self {
        Self { months }
    }

    pub fn get(self) -> u32 {
        self.months
    }

    fn months_i32(self) -> i32 {
        i32::try_from(self.months).unwrap_or(i32::MAX / 24)
    }

    /// The first local date on which someone idle since `reference` is switched off.
    pub fn switch_off_date(self, reference: Timestamp) -> Date {
        add_months(local_date(reference), self.months_i32())
    }

    /// The instant (start of the local day) from which `reference` is idle.
    pub fn switch_off_at(self, reference: Timestamp) -> Timestamp {
        local_date_start(self.switch_off_date(reference))
    }

    /// Idle at `now` when the switch-off day has begun.
    pub fn is_idle(self, reference: Timestamp, now: Timestamp) -> bool {
        now >= self.switch_off_at(reference)
    }

    /// References strictly before this instant are idle at `now` (for queries): the start
    /// of the day after the latest reference date whose switch-off day is today or earlier.
    pub fn idle_before(self, now: Timestamp) -> Timestamp {
        let today = local_date(now);
        let months = self.months_i32();
        // Going back and forth clamps the day down, so the candidate's switch-off day is never
        // after today; step forward over the days that clamp to the same month end.
        let mut last = add_months(today, -months);
        while let Some(next) = last.next_day()
            && add_months(next, months) <= today
        {
            last = next;
        }
        local_date_start(last.next_day().unwrap_or(last))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    /// Noon Italian time on `d`, as a timestamp.
    fn noon(d: Date) -> Timestamp {
        local_date_start(d).plus_ms(12 * 3_600_000)
    }

    const SIX: InactivityRule = InactivityRule::TEXT;

    #[track_caller]
    fn off(reference: Date, expected: Date) {
        assert_eq!(SIX.switch_off_date(noon(reference)), expected, "reference {reference}");
        let at = local_date_start(expected);
        assert!(!SIX.is_idle(noon(reference), at.plus_ms(-1)), "{reference}: not idle the evening before");
        assert!(SIX.is_idle(noon(reference), at), "{reference}: idle from midnight of {expected}");
        // The query bound says the same at both instants.
        assert!(noon(reference) >= SIX.idle_before(at.plus_ms(-1)), "{reference}: query bound the evening before");
        assert!(noon(reference) < SIX.idle_before(at), "{reference}: query bound at midnight");
    }

    #[test]
    fn the_text_example_five_june_to_five_december() {
        off(date!(2026 - 06 - 05), date!(2026 - 12 - 05));
    }

    #[test]
    fn month_ends_clamp_to_the_last_day() {
        off(date!(2026 - 08 - 31), date!(2027 - 02 - 28));
        off(date!(2026 - 08 - 29), date!(2027 - 02 - 28));
        off(date!(2027 - 08 - 31), date!(2028 - 02 - 29)); // leap year
        off(date!(2027 - 08 - 29), date!(2028 - 02 - 29));
        off(date!(2026 - 12 - 31), date!(2027 - 06 - 30));
        off(date!(2026 - 10 - 31), date!(2027 - 04 - 30));
        off(date!(2027 - 02 - 28), date!(2027 - 08 - 28));
        off(date!(2028 - 02 - 29), date!(2028 - 08 - 29));
        off(date!(2026 - 09 - 30), date!(2027 - 03 - 30));
    }

    #[test]
    fn across_the_year_end_and_daylight_saving() {
        off(date!(2026 - 07 - 15), date!(2027 - 01 - 15));
        // The switch-off day falls on the nights the clocks change.
        off(date!(2026 - 09 - 28), date!(2027 - 03 - 28));
        off(date!(2026 - 04 - 25), date!(2026 - 10 - 25));
    }

    #[test]
    fn query_bound_agrees_with_the_rule_every_day_of_four_years() {
        let mut today = date!(2026 - 01 - 01);
        while today < date!(2030 - 01 - 01) {
            let now = noon(today);
            let bound = SIX.idle_before(now);
            // Every reference date around six months before today: the bound and the rule agree.
            let mut r = today - time::Duration::days(190);
            while r <= today - time::Duration::days(170) {
                assert_eq!(SIX.is_idle(noon(r), now), noon(r) < bound, "today {today}, reference {r}");
                r = r.next_day().unwrap_or(today);
            }
            today = today.next_day().unwrap_or(date!(2030 - 01 - 01));
        }
    }

    #[test]
    fn a_later_access_the_same_day_counts_the_same() {
        let early = local_date_start(date!(2026 - 06 - 05)).plus_ms(60_000);
        let late = local_date_start(date!(2026 - 06 - 06)).plus_ms(-60_000);
        assert_eq!(SIX.switch_off_date(early), SIX.switch_off_date(late));
    }
}

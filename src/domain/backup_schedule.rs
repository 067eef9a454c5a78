//! When scheduled backups run: `backup.every` is "daily HH:MM" (Italian local time) or "Nh"
//! (every N hours, 1 to 168). Pure rules; the clock is passed in.

use super::timestamp::Timestamp;
use crate::domain::field_error::Reason;
use crate::infra::clock::{local_day_of, local_day_start};

const HOUR_MS: i64 = 3_600_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Every {
    /// Minutes after local midnight.
    Daily(u32),
    Hours(u32),
}

impl Every {
    pub fn parse(text: &str) -> Result<Self, Reason> {
        let t = text.trim().to_ascii_lowercase();
        if let Some(at) = t.strip_prefix("daily ") {
            let (h, m) = at.trim().split_once(':').ok_or("ora attesa come HH:MM, es. \"daily 02:30\"")?;
            match (h.parse::<u32>(), m.parse::<u32>()) {
                (Ok(h), Ok(m)) if h < 24 && m < 60 && m.to_string().len() <= 2 => return Ok(Every::Daily(h * 60 + m)),
                _ => return Err(format!("ora non valida: {at:?} (attesa HH:MM, es. \"daily 02:30\")").into()),
            }
        }
        if let Some(n) = t.strip_suffix('h')
            && let Ok(n) = n.trim().parse::<u32>()
        {
            if (1..=168).contains(&n) {
                return Ok(Every::Hours(n));
            }
            return Err("ogni quante ore: tra 1 e 168".into());
        }
        Err(format!("valore non valido: {text:?} (ammessi \"daily HH:MM\" oppure \"Nh\", es. \"6h\")").into())
    }

    /// The next run strictly after `now`; `last` is the last run (or the server's start).
    pub fn next_after(self, last: Timestamp, now: Timestamp) -> Timestamp {
        match self {
            Every::Hours(n) => {
                let step = i64::from(n) * HOUR_MS;
                let mut next = last.plus_ms(step);
                if next <= now {
                    next = now.plus_ms(step - now.ms_since(last) % step);
                }
                next
            }
            Every::Daily(minutes) => {
                let at = |day: i64| local_day_start(day).plus_ms(i64::from(minutes) * 60_000);
                let today = local_day_of(now);
                if at(today) > now { at(today) } else { at(today + 1) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_plans() {
        assert_eq!(Every::parse("daily 02:30"), Ok(Every::Daily(150)));
        assert_eq!(Every::parse(" 6h "), Ok(Every::Hours(6)));
        for bad in ["daily 25:00", "daily 2", "0h", "200h", "weekly", "daily 02:300"] {
            assert!(Every::parse(bad).is_err(), "{bad}");
        }
        // 2026-11-26T14:05Z is 15:05 in Italy: the next 02:30 local is 01:30Z on the 27th.
        let now = Timestamp::from_ms(1_795_701_900_000);
        assert_eq!(Every::Daily(150).next_after(Timestamp::EPOCH, now), Timestamp::from_ms(1_795_743_000_000));
        assert_eq!(Every::Hours(6).next_after(now, now), now.plus_ms(6 * HOUR_MS));
        assert_eq!(Every::Hours(6).next_after(now.plus_ms(-7 * HOUR_MS), now), now.plus_ms(5 * HOUR_MS));
    }
}

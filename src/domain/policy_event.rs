//! The life of a policy action, told by the national event codes (eventi politica attiva):
//! which event may follow which, and which date each event fixes.

use crate::domain::field_error::Reason;
use time::Date;

/// What an event does to the action's dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateRule {
    /// data evento = data proposta (01).
    Proposal,
    /// data evento = data inizio; sets it (02).
    Start,
    /// data evento = data fine; sets it, and the action must have started (05, 07, 09, 10 ...).
    End,
    /// Before any start: the action must not have started (06).
    BeforeStart,
    /// Only after the proposal (03, 04, 13).
    AfterProposal,
    /// Only once the action has ended (11).
    AfterEnd,
}

/// One national event code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    pub code: &'static str,
    pub rule: DateRule,
    /// The events that may follow; empty: the action is closed.
    pub next: &'static [&'static str],
}

const AFTER_START: &[&str] = &["05", "07", "08", "09", "10", "12", "14", "15"];

/// The codes a provider records. Labels live in the code list `evento`.
pub const EVENTS: &[Event] = &[
    Event { code: "01", rule: DateRule::Proposal, next: &["02", "03", "04", "06", "13"] },
    Event { code: "02", rule: DateRule::Start, next: AFTER_START },
    Event { code: "03", rule: DateRule::AfterProposal, next: &[] },
    Event { code: "04", rule: DateRule::AfterProposal, next: &[] },
    Event { code: "05", rule: DateRule::End, next: &[] },
    Event { code: "06", rule: DateRule::BeforeStart, next: &[] },
    Event { code: "07", rule: DateRule::End, next: &[] },
    Event { code: "08", rule: DateRule::End, next: &[] },
    // A suspended action is closed later by one of the end events.
    Event { code: "09", rule: DateRule::End, next: &["05", "07", "08", "10", "12", "14", "15"] },
    Event { code: "10", rule: DateRule::End, next: &["11"] },
    Event { code: "11", rule: DateRule::AfterEnd, next: &[] },
    Event { code: "12", rule: DateRule::End, next: &[] },
    Event { code: "13", rule: DateRule::AfterProposal, next: &[] },
    Event { code: "14", rule: DateRule::End, next: &[] },
    Event { code: "15", rule: DateRule::End, next: &[] },
];

/// The events an action may be created with: proposed, already started, or already over
/// (recorded afterwards, e.g. a colloquio held this morning).
pub const INITIAL: &[&str] = &["01", "02", "10"];

pub fn event(code: &str) -> Option<&'static Event> {
    EVENTS.iter().find(|e| e.code == code)
}

/// Whether `next` may follow `current`.
pub fn may_follow(current: &str, next: &str) -> bool {
    event(current).is_some_and(|e| e.next.contains(&next))
}

/// Whether no event may follow any more.
pub fn is_closed(current: &str) -> bool {
    event(current).is_none_or(|e| e.next.is_empty())
}

/// The dates of an action, as the event rules see them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dates {
    pub proposta: Date,
    pub inizio: Option<Date>,
    pub fine: Option<Date>,
}

/// Applies `code` on `on` to `dates`: the dates after the event, or the Italian reason why
/// the event cannot happen on that day (for the field `data_evento`).
pub fn apply(code: &str, on: Date, dates: Dates) -> Result<Dates, Reason> {
    let Some(e) = event(code) else { return Err("evento sconosciuto".into()) };
    let mut out = dates;
    match e.rule {
        DateRule::Proposal => {
            if on != dates.proposta {
                return Err("per l'evento 01 (Proposta) la data dell'evento è la data della proposta".into());
            }
        }
        DateRule::Start => {
            if on < dates.proposta {
                return Err("l'inizio non può precedere la data della proposta".into());
            }
            out.inizio = Some(on);
        }
        DateRule::End => {
            let Some(inizio) = dates.inizio else {
                return Err("l'azione non risulta iniziata: registrare prima l'evento 02 (Iniziata)".into());
            };
            if on < inizio {
                return Err("la data di fine non può precedere la data di inizio".into());
            }
            out.fine = Some(on);
        }
        DateRule::BeforeStart => {
            if dates.inizio.is_some() {
                return Err("l'azione è già iniziata: usare l'evento 07 (Annullamento dopo l'inizio)".into());
            }
            if on < dates.proposta {
                return Err("la data dell'evento non può precedere la proposta".into());
            }
        }
        DateRule::AfterProposal => {
            if on < dates.proposta {
                return Err("la data dell'evento non può precedere la proposta".into());
            }
        }
        DateRule::AfterEnd => {
            if dates.fine.is_none_or(|f| on < f) {
                return Err("la data dell'evento non può precedere la fine dell'azione".into());
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn proposed() -> Dates {
        Dates { proposta: date!(2026 - 10 - 01), inizio: None, fine: None }
    }

    #[test]
    fn every_code_of_the_specification_is_known() {
        let codes: Vec<&str> = EVENTS.iter().map(|e| e.code).collect();
        assert_eq!(codes, ["01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14", "15"]);
        for e in EVENTS {
            for n in e.next {
                assert!(event(n).is_some(), "{} -> {n}", e.code);
            }
        }
    }

    #[test]
    fn the_life_of_an_action() {
        assert!(may_follow("01", "02") && may_follow("02", "10") && may_follow("10", "11"));
        assert!(may_follow("09", "10") && may_follow("01", "06"));
        assert!(!may_follow("01", "10") && !may_follow("02", "06") && !may_follow("10", "02"));
        assert!(!may_follow("05", "02") && !may_follow("99", "02"));
        assert!(is_closed("05") && is_closed("11") && !is_closed("01") && !is_closed("09"));
    }

    #[test]
    fn each_event_fixes_its_date() {
        let p = proposed();
        assert!(apply("01", date!(2026 - 10 - 01), p).is_ok());
        assert!(apply("01", date!(2026 - 10 - 02), p).is_err());
        let started = apply("02", date!(2026 - 10 - 05), p).unwrap();
        assert_eq!(started.inizio, Some(date!(2026 - 10 - 05)));
        assert!(apply("02", date!(2026 - 09 - 30), p).is_err());
        // 10 Terminata needs a start and sets data fine.
        assert!(apply("10", date!(2026 - 10 - 09), p).is_err());
        let ended = apply("10", date!(2026 - 10 - 09), started).unwrap();
        assert_eq!(ended.fine, Some(date!(2026 - 10 - 09)));
        assert!(apply("10", date!(2026 - 10 - 04), started).is_err());
        // 06 only before the start, 07 only after.
        assert!(apply("06", date!(2026 - 10 - 03), p).is_ok());
        assert!(apply("06", date!(2026 - 10 - 06), started).is_err());
        assert!(apply("07", date!(2026 - 10 - 06), started).is_ok());
        // 11 Rendicontata after the end.
        assert!(apply("11", date!(2026 - 10 - 08), ended).is_err());
        assert!(apply("11", date!(2026 - 10 - 10), ended).is_ok());
        assert!(apply("03", date!(2026 - 09 - 01), p).is_err());
        assert!(apply("77", date!(2026 - 10 - 01), p).is_err());
    }
}

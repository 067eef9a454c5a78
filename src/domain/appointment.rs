//! The provider's agenda: meetings with a recipient, in Italian local time, and how they went.
//! No SQL here: what needs the data file (duplicates, the voucher, sede and tutor of the
//! provider) is checked by the service under the write lock.

use time::{Date, Duration, PrimitiveDateTime, Time};

use super::ids::{OperatorId, SedeId};
use super::text::{FieldErrors, italian_date, optional};
use crate::domain::field_error::FieldError;

/// How far ahead an appointment may be fixed: a programme lasts at most 6 + 6 months.
const MAX_DAYS_AHEAD: i64 = 366;

/// How an appointment went. `None` in the data file: not recorded yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AppointmentOutcome {
    Held,
    AbsentJustified,
    AbsentUnjustified,
    /// The person refused the activity proposed.
    Refused,
    Cancelled,
}

impl AppointmentOutcome {
    pub const ALL: [AppointmentOutcome; 5] =
        [Self::Held, Self::AbsentJustified, Self::AbsentUnjustified, Self::Refused, Self::Cancelled];

    pub fn code(self) -> &'static str {
        match self {
            Self::Held => "held",
            Self::AbsentJustified => "absent_justified",
            Self::AbsentUnjustified => "absent_unjustified",
            Self::Refused => "refused",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|o| o.code() == s.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Held => "svolto",
            Self::AbsentJustified => "assenza giustificata",
            Self::AbsentUnjustified => "assenza ingiustificata",
            Self::Refused => "rifiuto dell'attività",
            Self::Cancelled => "annullato",
        }
    }

    /// What the provider must report to the CPI (unjustified absence, refusal).
    pub fn reportable(self) -> bool {
        matches!(self, Self::AbsentUnjustified | Self::Refused)
    }
}

/// An appointment as typed in a form or sent as JSON (`data`, `ora`, `tipo`, `sede`, `tutor`).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct AppointmentDraft {
    #[serde(default)]
    pub data: String,
    #[serde(default)]
    pub ora: String,
    #[serde(default)]
    pub tipo: String,
    #[serde(default)]
    pub sede: Option<i64>,
    #[serde(default)]
    pub tutor: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidAppointment {
    /// Italian local time, `yyyy-mm-ddThh:mm` (sorts as text).
    pub starts_at: String,
    pub date: Date,
    pub kind: String,
    pub sede: Option<SedeId>,
    pub tutor: Option<OperatorId>,
}

/// `9:30`, `09:30` or `09.30`.
pub fn parse_time(s: &str) -> Option<Time> {
    let (h, m) = s.trim().split_once([':', '.'])?;
    if m.len() != 2 || h.is_empty() || h.len() > 2 {
        return None;
    }
    Time::from_hms(h.parse().ok()?, m.parse().ok()?, 0).ok()
}

/// `yyyy-mm-ddThh:mm`, the shape stored in `appointment.starts_at`.
pub fn local_stamp(at: PrimitiveDateTime) -> String {
    format!("{}T{:02}:{:02}", super::text::iso(at.date()), at.hour(), at.minute())
}

/// `yyyy-mm-ddThh:mm` back to date and time.
pub fn parse_stamp(s: &str) -> Option<PrimitiveDateTime> {
    let (d, t) = s.split_once('T')?;
    Some(PrimitiveDateTime::new(super::text::parse_date(d)?, parse_time(t)?))
}

/// `26/11/2026 09:30` for people.
pub fn show_stamp(s: &str) -> String {
    match s.split_once('T') {
        Some((d, t)) => format!("{} {t}", italian_date(d)),
        None => s.to_owned(),
    }
}

impl AppointmentDraft {
    /// `now` is Italian local time; `kinds` the codes of the `tipo_appuntamento` list.
    /// Entries older than `backdate_days` days are refused: the agenda is kept as things
    /// happen, not rebuilt months later.
    pub fn validate(
        &self,
        now: PrimitiveDateTime,
        backdate_days: u32,
        kinds: &[String],
    ) -> Result<ValidAppointment, Vec<FieldError>> {
        let mut e = FieldErrors::default();
        let date = super::text::date(&mut e, "data", &self.data);
        let time = if self.ora.trim().is_empty() {
            e.add("ora", "campo obbligatorio");
            None
        } else {
            let t = parse_time(&self.ora);
            if t.is_none() {
                e.add("ora", "ora non valida: usare hh:mm (es. 09:30)");
            }
            t
        };
        let kind = self.tipo.trim().to_owned();
        if kind.is_empty() {
            e.add("tipo", "campo obbligatorio");
        } else if !kinds.contains(&kind) {
            e.add("tipo", "tipo di appuntamento non in elenco");
        }
        if let Some(date) = date {
            let oldest = now.date().checked_sub(Duration::days(i64::from(backdate_days))).unwrap_or(Date::MIN);
            if date < oldest {
                e.add(
                    "data",
                    format!(
                        "non si registrano appuntamenti anteriori di oltre {backdate_days} giorni (dal {} in poi)",
                        italian_date(&super::text::iso(oldest))
                    ),
                );
            } else if date > now.date().checked_add(Duration::days(MAX_DAYS_AHEAD)).unwrap_or(Date::MAX) {
                e.add("data", "al massimo un anno in avanti");
            }
        }
        let (sede, tutor) = (self.sede.filter(|s| *s > 0), self.tutor.filter(|t| *t > 0));
        match (date, time) {
            (Some(date), Some(time)) => e.finish(ValidAppointment {
                starts_at: local_stamp(PrimitiveDateTime::new(date, time)),
                date,
                kind,
                sede: sede.map(SedeId::from_db),
                tutor: tutor.map(OperatorId::from_db),
            }),
            _ => Err(e.into_vec()),
        }
    }
}

/// The outcome of an appointment as typed (`esito`, `nota`, `version`).
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct OutcomeDraft {
    #[serde(default)]
    pub esito: String,
    #[serde(default)]
    pub nota: String,
    /// The version being edited: a stale one is refused (someone else saved meanwhile).
    #[serde(default)]
    pub version: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidOutcome {
    pub outcome: AppointmentOutcome,
    pub note: String,
    pub version: i64,
}

impl OutcomeDraft {
    /// `starts_at` is the appointment's; `now` Italian local time. Only a cancellation may be
    /// recorded before the appointment's time; a refusal or a justified absence needs a note
    /// (what was refused, why the absence is justified: the CPI asks).
    pub fn validate(&self, starts_at: &str, now: PrimitiveDateTime) -> Result<ValidOutcome, Vec<FieldError>> {
        let mut e = FieldErrors::default();
        let note = optional(&mut e, "nota", &self.nota, 1000);
        let outcome = AppointmentOutcome::from_code(&self.esito);
        match outcome {
            None if self.esito.trim().is_empty() => e.add("esito", "campo obbligatorio"),
            None => e.add("esito", "esito non in elenco"),
            Some(o) => {
                if o != AppointmentOutcome::Cancelled && starts_at > local_stamp(now).as_str() {
                    e.add("esito", "l'appuntamento non si è ancora svolto: prima dell'orario si può solo annullare");
                }
                if note.is_empty() && o == AppointmentOutcome::Refused {
                    e.add("nota", "indicare l'attività rifiutata (va segnalata al CPI)");
                }
                if note.is_empty() && o == AppointmentOutcome::AbsentJustified {
                    e.add("nota", "indicare il giustificativo dell'assenza");
                }
            }
        }
        if self.version < 1 {
            e.add("version", "versione mancante: ricaricare la pagina");
        }
        match outcome {
            Some(outcome) => e.finish(ValidOutcome { outcome, note, version: self.version }),
            None => Err(e.into_vec()),
        }
    }
}

/// The 6-month programme period from its first held meeting: `start` to the day before the
/// same day six months on; when that day does not exist (31 August), to the month's last day.
pub fn programme_period(start: Date) -> (Date, Date) {
    let on = add_months(start, 6);
    let end = if on.day() == start.day() { on.previous_day().unwrap_or(on) } else { on };
    (start, end)
}

/// Calendar months, clamping the day to the month's length (31 August + 6 = 28/29 February).
pub fn add_months(d: Date, months: i32) -> Date {
    let total = d.year() * 12 + i32::from(u8::from(d.month())) - 1 + months;
    let (year, month0) = (total.div_euclid(12), total.rem_euclid(12));
    let month =
        u8::try_from(month0 + 1).ok().and_then(|m| time::Month::try_from(m).ok()).unwrap_or(time::Month::January);
    let last = month.length(year);
    Date::from_calendar_date(year, month, d.day().min(last)).unwrap_or(d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn kinds() -> Vec<String> {
        vec!["colloquio".into(), "gruppo".into()]
    }

    fn draft(data: &str, ora: &str) -> AppointmentDraft {
        AppointmentDraft { data: data.into(), ora: ora.into(), tipo: "colloquio".into(), sede: Some(3), tutor: None }
    }

    fn fields(r: Result<ValidAppointment, Vec<FieldError>>) -> Vec<String> {
        r.unwrap_err().into_iter().map(|e| e.field).collect()
    }

    const NOW: PrimitiveDateTime = datetime!(2026-11-26 15:00);

    #[test]
    fn an_appointment_is_stored_in_local_time() {
        let v = draft("27/11/2026", "9.30").validate(NOW, 7, &kinds()).unwrap();
        assert_eq!(v.starts_at, "2026-11-27T09:30");
        assert_eq!(v.sede, Some(SedeId::from_db(3)));
        assert_eq!(v.tutor, None);
        assert_eq!(show_stamp(&v.starts_at), "27/11/2026 09:30");
        assert_eq!(parse_stamp("2026-11-27T09:30").map(local_stamp).as_deref(), Some("2026-11-27T09:30"));
    }

    #[test]
    fn required_and_malformed_fields_are_named() {
        assert_eq!(fields(AppointmentDraft::default().validate(NOW, 7, &kinds())), ["data", "ora", "tipo"]);
        assert_eq!(fields(draft("2026-11-27", "25:00").validate(NOW, 7, &kinds())), ["ora"]);
        assert_eq!(fields(draft("2026-11-27", "9:5").validate(NOW, 7, &kinds())), ["ora"]);
        assert_eq!(fields(draft("31/02/2026", "10:00").validate(NOW, 7, &kinds())), ["data"]);
        let mut d = draft("2026-11-27", "10:00");
        d.tipo = "aperitivo".into();
        assert_eq!(fields(d.validate(NOW, 7, &kinds())), ["tipo"]);
    }

    #[test]
    fn back_dating_is_limited_to_the_window() {
        // Seven days back is inside the window, eight is not; the window is configurable.
        assert!(draft("19/11/2026", "08:00").validate(NOW, 7, &kinds()).is_ok());
        let e = draft("18/11/2026", "23:59").validate(NOW, 7, &kinds()).unwrap_err();
        assert_eq!(e[0].field, "data");
        assert!(e[0].message.contains("7 giorni") && e[0].message.contains("19/11/2026"), "{e:?}");
        assert!(draft("18/11/2026", "23:59").validate(NOW, 8, &kinds()).is_ok());
        // Zero days: only from today on.
        assert!(draft("25/11/2026", "10:00").validate(NOW, 0, &kinds()).is_err());
        assert!(draft("26/11/2026", "08:00").validate(NOW, 0, &kinds()).is_ok());
        // Not more than a year ahead.
        assert_eq!(fields(draft("2028-01-01", "10:00").validate(NOW, 7, &kinds())), ["data"]);
    }

    #[test]
    fn outcomes_follow_the_clock_and_need_notes_where_the_cpi_asks() {
        let ok = |esito: &str, nota: &str, at: &str| {
            OutcomeDraft { esito: esito.into(), nota: nota.into(), version: 1 }.validate(at, NOW)
        };
        assert_eq!(ok("held", "", "2026-11-26T09:00").unwrap().outcome, AppointmentOutcome::Held);
        // Not yet happened: only a cancellation.
        assert_eq!(ok("held", "", "2026-11-26T16:00").unwrap_err()[0].field, "esito");
        assert!(ok("cancelled", "", "2026-11-30T16:00").is_ok());
        assert_eq!(ok("refused", "", "2026-11-20T09:00").unwrap_err()[0].field, "nota");
        assert!(ok("refused", "Rifiuta il laboratorio di gruppo", "2026-11-20T09:00").is_ok());
        assert_eq!(ok("absent_justified", " ", "2026-11-20T09:00").unwrap_err()[0].field, "nota");
        assert!(ok("absent_unjustified", "", "2026-11-20T09:00").is_ok());
        assert_eq!(ok("forse", "", "2026-11-20T09:00").unwrap_err()[0].field, "esito");
        let stale = OutcomeDraft { esito: "held".into(), nota: String::new(), version: 0 };
        assert_eq!(stale.validate("2026-11-20T09:00", NOW).unwrap_err()[0].field, "version");
        assert!(AppointmentOutcome::Refused.reportable() && AppointmentOutcome::AbsentUnjustified.reportable());
        assert!(!AppointmentOutcome::AbsentJustified.reportable());
    }

    #[test]
    fn six_months_from_the_first_meeting() {
        assert_eq!(programme_period(date!(2026 - 11 - 26)), (date!(2026 - 11 - 26), date!(2027 - 05 - 25)));
        assert_eq!(programme_period(date!(2026 - 08 - 31)).1, date!(2027 - 02 - 28));
        assert_eq!(programme_period(date!(2026 - 08 - 28)).1, date!(2027 - 02 - 27));
        assert_eq!(add_months(date!(2027 - 08 - 31), 6), date!(2028 - 02 - 29));
        assert_eq!(add_months(date!(2026 - 12 - 15), 1), date!(2027 - 01 - 15));
    }
}

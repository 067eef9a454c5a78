//! How a programme ends or pauses, as the provider records it (DOMAIN.md: hired with a
//! contract, ended without outcome, dropped, lapsed; suspended for a trial or fixed-term job,
//! then resumed). Each record is a new row; the voucher state follows from it.

use time::{Date, Duration};

use super::codice_fiscale::CodiceFiscale;
use super::recipient::VoucherState;
use super::text::{FieldErrors, iso, italian_date, optional};
use crate::domain::field_error::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeKind {
    Hired,
    Ended,
    Dropped,
    Lapsed,
    Suspended,
    Resumed,
}

impl OutcomeKind {
    pub const ALL: [OutcomeKind; 6] =
        [Self::Hired, Self::Ended, Self::Dropped, Self::Lapsed, Self::Suspended, Self::Resumed];

    pub fn code(self) -> &'static str {
        match self {
            Self::Hired => "hired",
            Self::Ended => "ended",
            Self::Dropped => "dropped",
            Self::Lapsed => "lapsed",
            Self::Suspended => "suspended",
            Self::Resumed => "resumed",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Hired => "assunzione (esito occupazionale)",
            Self::Ended => "concluso senza esito occupazionale",
            Self::Dropped => "abbandono",
            Self::Lapsed => "decadenza",
            Self::Suspended => "sospensione per lavoro a termine o in prova",
            Self::Resumed => "ripresa del programma",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Contract {
    Permanent,
    Apprenticeship,
    FixedTerm,
    Agency,
}

impl Contract {
    pub const ALL: [Contract; 4] = [Self::Permanent, Self::Apprenticeship, Self::FixedTerm, Self::Agency];

    pub fn code(self) -> &'static str {
        match self {
            Self::Permanent => "permanent",
            Self::Apprenticeship => "apprenticeship",
            Self::FixedTerm => "fixed_term",
            Self::Agency => "agency",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == s.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Permanent => "tempo indeterminato",
            Self::Apprenticeship => "apprendistato",
            Self::FixedTerm => "tempo determinato",
            Self::Agency => "somministrazione",
        }
    }

    /// Whether a duration in months belongs to this contract (required for fixed-term).
    fn has_months(self) -> bool {
        matches!(self, Self::FixedTerm | Self::Agency)
    }
}

/// What the form or the JSON body carries.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ProgrammeOutcomeDraft {
    #[serde(default)]
    pub esito: String,
    /// The date of the event: hiring (contract start), suspension (job start), end, resume.
    #[serde(default)]
    pub data: String,
    /// Employer's codice fiscale (16) or partita IVA (11).
    #[serde(default)]
    pub datore_cf: String,
    #[serde(default)]
    pub datore_nome: String,
    #[serde(default)]
    pub contratto: String,
    #[serde(default)]
    pub mesi: Option<i64>,
    /// Suspension: the day the programme is expected to resume (the job's end).
    #[serde(default)]
    pub ripresa: String,
    #[serde(default)]
    pub nota: String,
    /// The voucher version the person was looking at; when given, a stale one is refused.
    #[serde(default)]
    pub version: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidProgrammeOutcome {
    pub kind: OutcomeKind,
    pub event_date: Date,
    pub employer_cf: String,
    pub employer_name: String,
    pub contract: Option<Contract>,
    pub contract_months: Option<i64>,
    pub resume_on: Option<Date>,
    pub note: String,
}

/// An employer's identifier: a person's codice fiscale or an organisation's 11-digit number.
pub fn employer_id(value: &str) -> Result<String, String> {
    let v = value.trim().to_ascii_uppercase();
    if v.len() == 11 && v.bytes().all(|b| b.is_ascii_digit()) {
        return super::partita_iva::parse(&v)
            .ok_or_else(|| "partita IVA non valida: la cifra di controllo non corrisponde".to_owned());
    }
    if v.len() == 16 {
        return CodiceFiscale::parse(&v).map(|cf| cf.as_str().to_owned()).map_err(|e| e.to_string());
    }
    Err("indicare il codice fiscale (16 caratteri) o la partita IVA (11 cifre) del datore di lavoro".into())
}

impl ProgrammeOutcomeDraft {
    pub fn validate(&self, today: Date) -> Result<ValidProgrammeOutcome, Vec<FieldError>> {
        let mut e = FieldErrors::default();
        let kind = OutcomeKind::from_code(&self.esito);
        if kind.is_none() {
            e.add("esito", if self.esito.trim().is_empty() { "campo obbligatorio" } else { "esito non in elenco" });
        }
        let event_date = super::text::date(&mut e, "data", &self.data);
        if event_date.is_some_and(|d| d > today) {
            e.add("data", "la data non può essere futura: si registra quando l'evento è avvenuto");
        }
        let note = optional(&mut e, "nota", &self.nota, 2000);
        let mut out = ValidProgrammeOutcome {
            kind: kind.unwrap_or(OutcomeKind::Ended),
            event_date: event_date.unwrap_or(today),
            employer_cf: String::new(),
            employer_name: String::new(),
            contract: None,
            contract_months: None,
            resume_on: None,
            note,
        };
        match kind {
            Some(OutcomeKind::Hired) => self.employment(&mut e, &mut out, true),
            Some(OutcomeKind::Suspended) => {
                self.employment(&mut e, &mut out, false);
                if self.ripresa.trim().is_empty() {
                    e.add("ripresa", "indicare la data prevista di ripresa (fine del lavoro a termine o della prova)");
                } else if let Some(resume) = super::text::date(&mut e, "ripresa", &self.ripresa)
                    && let Some(start) = event_date
                {
                    if resume <= start {
                        e.add("ripresa", "la ripresa deve seguire l'inizio della sospensione");
                    } else if resume > super::appointment::add_months(start, 6) {
                        e.add(
                            "ripresa",
                            "la sospensione dura al massimo sei mesi: un lavoro più lungo si registra come assunzione",
                        );
                    }
                    out.resume_on = Some(resume);
                }
            }
            Some(OutcomeKind::Dropped) if out.note.is_empty() => {
                e.add("nota", "indicare il motivo dell'abbandono: va segnalato al CPI con i rifiuti ingiustificati");
            }
            _ => {}
        }
        e.finish(out)
    }

    /// Employer and contract: required for a hiring, optional (but checked) for a suspension.
    fn employment(&self, e: &mut FieldErrors, out: &mut ValidProgrammeOutcome, required: bool) {
        if self.datore_cf.trim().is_empty() {
            if required {
                e.add("datore_cf", "campo obbligatorio");
            }
        } else {
            match employer_id(&self.datore_cf) {
                Ok(id) => out.employer_cf = id,
                Err(msg) => e.add("datore_cf", msg),
            }
        }
        out.employer_name = if required {
            super::text::required(e, "datore_nome", &self.datore_nome, 200)
        } else {
            optional(e, "datore_nome", &self.datore_nome, 200)
        };
        let contract = Contract::from_code(&self.contratto);
        match contract {
            None if self.contratto.trim().is_empty() => {
                if required {
                    e.add("contratto", "campo obbligatorio");
                }
            }
            None => e.add("contratto", "tipo di contratto non in elenco"),
            Some(_) => {}
        }
        out.contract = contract;
        match (contract, self.mesi) {
            (Some(Contract::FixedTerm), None) if required => {
                e.add("mesi", "indicare la durata in mesi del contratto a tempo determinato");
            }
            (Some(c), Some(_)) if !c.has_months() => {
                e.add("mesi", "la durata si indica solo per i contratti a termine o in somministrazione");
            }
            (_, Some(m)) if !(1..=120).contains(&m) => e.add("mesi", "durata in mesi tra 1 e 120"),
            (_, m) => out.contract_months = m,
        }
    }
}

/// The voucher state after `kind`, or why it cannot be recorded now. `extended` says whether
/// the programme had been extended (a resume returns to the extension).
pub fn next_state(current: VoucherState, kind: OutcomeKind, extended: bool) -> Result<VoucherState, String> {
    use VoucherState as S;
    let closed = match current {
        S::Ended => Some("concluso"),
        S::Dropped => Some("abbandonato"),
        S::Lapsed => Some("decaduto"),
        S::Outcome => Some("concluso con esito occupazionale"),
        _ => None,
    };
    if let Some(word) = closed {
        return Err(format!("il programma è già chiuso ({word}): non si registrano altri esiti"));
    }
    let not_started = matches!(current, S::Issued | S::Signed);
    match kind {
        OutcomeKind::Hired => Ok(S::Outcome),
        OutcomeKind::Dropped => Ok(S::Dropped),
        OutcomeKind::Lapsed => Ok(S::Lapsed),
        OutcomeKind::Ended if not_started => {
            Err("un programma mai avviato non si conclude: registrare la decadenza o l'abbandono".into())
        }
        OutcomeKind::Ended => Ok(S::Ended),
        OutcomeKind::Suspended if current == S::Suspended => Err("il programma è già sospeso".into()),
        OutcomeKind::Suspended if not_started => {
            Err("il programma non è ancora avviato: si sospende solo un programma in corso".into())
        }
        OutcomeKind::Suspended => Ok(S::Suspended),
        OutcomeKind::Resumed if current != S::Suspended => Err("si riprende solo un programma sospeso".into()),
        OutcomeKind::Resumed => Ok(if extended { S::Extended } else { S::InProgress }),
    }
}

/// A suspension stops the programme's clock: on resume, its end moves by the days suspended.
pub fn shift_end(end: Date, suspended_on: Date, resumed_on: Date) -> Date {
    let days = (resumed_on - suspended_on).whole_days().max(0);
    end.checked_add(Duration::days(days)).unwrap_or(end)
}

/// The event date may not precede the provider's choice nor the last recorded event.
pub fn check_chronology(event: Date, chosen_on: Option<Date>, last_event: Option<Date>) -> Result<(), FieldError> {
    let err = |message: String| FieldError { field: "data".into(), message };
    if let Some(c) = chosen_on
        && event < c
    {
        return Err(err(format!("la data precede la scelta del soggetto accreditato ({})", italian_date(&iso(c)))));
    }
    if let Some(l) = last_event
        && event < l
    {
        return Err(err(format!("la data precede l'ultimo evento registrato ({})", italian_date(&iso(l)))));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 26);

    fn hired() -> ProgrammeOutcomeDraft {
        ProgrammeOutcomeDraft {
            esito: "hired".into(),
            data: "20/11/2026".into(),
            datore_cf: "06363391001".into(),
            datore_nome: "Officine Rossi S.r.l.".into(),
            contratto: "fixed_term".into(),
            mesi: Some(12),
            ..Default::default()
        }
    }

    fn fields(d: &ProgrammeOutcomeDraft) -> Vec<String> {
        d.validate(TODAY).unwrap_err().into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn a_hiring_names_a_valid_employer_and_its_contract() {
        let v = hired().validate(TODAY).unwrap();
        assert_eq!((v.kind, v.contract, v.contract_months), (OutcomeKind::Hired, Some(Contract::FixedTerm), Some(12)));
        assert_eq!(v.event_date, date!(2026 - 11 - 20));
        // A person's codice fiscale is an employer too (lower case accepted).
        let mut d = hired();
        d.datore_cf = "rssmra85t10a562s".into();
        assert_eq!(d.validate(TODAY).unwrap().employer_cf, "RSSMRA85T10A562S");
        for bad in ["06363391002", "RSSMRA85T10A562X", "123", "ACME"] {
            let mut d = hired();
            d.datore_cf = bad.into();
            assert_eq!(fields(&d), ["datore_cf"], "{bad}");
        }
        let e = employer_id("06363391002").unwrap_err();
        assert!(e.contains("partita IVA"), "{e}");
        assert!(employer_id("RSSMRA85T10A562X").unwrap_err().contains("controllo"));
        let empty = ProgrammeOutcomeDraft { esito: "hired".into(), data: "2026-11-20".into(), ..Default::default() };
        assert_eq!(fields(&empty), ["datore_cf", "datore_nome", "contratto"]);
    }

    #[test]
    fn fixed_term_needs_its_months_and_permanent_has_none() {
        let mut d = hired();
        d.mesi = None;
        assert_eq!(fields(&d), ["mesi"]);
        d.mesi = Some(0);
        assert_eq!(fields(&d), ["mesi"]);
        d.contratto = "permanent".into();
        d.mesi = Some(6);
        assert_eq!(fields(&d), ["mesi"]);
        d.mesi = None;
        assert_eq!(d.validate(TODAY).unwrap().contract, Some(Contract::Permanent));
        d.contratto = "agency".into();
        assert!(d.validate(TODAY).is_ok(), "agency work: months optional");
        d.contratto = "stage".into();
        assert_eq!(fields(&d), ["contratto"]);
    }

    #[test]
    fn dates_suspensions_and_drops() {
        let mut d = hired();
        d.data = "27/11/2026".into();
        assert_eq!(fields(&d), ["data"]);
        let mut s =
            ProgrammeOutcomeDraft { esito: "suspended".into(), data: "2026-11-02".into(), ..Default::default() };
        assert_eq!(fields(&s), ["ripresa"]);
        s.ripresa = "2026-11-01".into();
        assert_eq!(fields(&s), ["ripresa"]);
        s.ripresa = "2027-05-03".into();
        assert_eq!(fields(&s), ["ripresa"], "over six months is a hiring");
        s.ripresa = "2027-02-01".into();
        assert_eq!(s.validate(TODAY).unwrap().resume_on, Some(date!(2027 - 02 - 01)));
        let drop = ProgrammeOutcomeDraft { esito: "dropped".into(), data: "2026-11-20".into(), ..Default::default() };
        assert_eq!(fields(&drop), ["nota"]);
        assert_eq!(fields(&ProgrammeOutcomeDraft::default()), ["esito", "data"]);
    }

    #[test]
    fn the_voucher_state_follows_and_closed_programmes_stay_closed() {
        use OutcomeKind as K;
        use VoucherState as S;
        assert_eq!(next_state(S::InProgress, K::Hired, false), Ok(S::Outcome));
        assert_eq!(next_state(S::Suspended, K::Hired, false), Ok(S::Outcome));
        assert_eq!(next_state(S::InProgress, K::Ended, false), Ok(S::Ended));
        assert_eq!(next_state(S::Issued, K::Dropped, false), Ok(S::Dropped));
        assert_eq!(next_state(S::Signed, K::Lapsed, false), Ok(S::Lapsed));
        assert_eq!(next_state(S::InProgress, K::Suspended, false), Ok(S::Suspended));
        assert_eq!(next_state(S::Suspended, K::Resumed, false), Ok(S::InProgress));
        assert_eq!(next_state(S::Suspended, K::Resumed, true), Ok(S::Extended));
        for closed in [S::Ended, S::Dropped, S::Lapsed, S::Outcome] {
            for kind in K::ALL {
                let e = next_state(closed, kind, false).unwrap_err();
                assert!(e.contains("già chiuso"), "{closed:?} {kind:?}: {e}");
            }
        }
        assert!(next_state(S::InProgress, K::Resumed, false).unwrap_err().contains("sospeso"));
        assert!(next_state(S::Suspended, K::Suspended, false).unwrap_err().contains("già sospeso"));
        assert!(next_state(S::Issued, K::Suspended, false).is_err());
        assert!(next_state(S::Issued, K::Ended, false).is_err());
    }

    #[test]
    fn suspension_moves_the_end_and_events_keep_their_order() {
        assert_eq!(
            shift_end(date!(2027 - 05 - 25), date!(2026 - 12 - 01), date!(2027 - 01 - 01)),
            date!(2027 - 06 - 25)
        );
        let chosen = Some(date!(2026 - 10 - 10));
        assert!(check_chronology(date!(2026 - 10 - 09), chosen, None).is_err());
        assert!(check_chronology(date!(2026 - 11 - 01), chosen, Some(date!(2026 - 11 - 02))).is_err());
        assert!(check_chronology(date!(2026 - 11 - 02), chosen, Some(date!(2026 - 11 - 02))).is_ok());
    }
}

//! Recording how a programme ends or pauses: the transition must be allowed from the voucher's
//! state, the date must keep the events in order, the voucher must be unchanged since it was
//! read; then one history row, the voucher state and one audit row, in one transaction.

use crate::access::{ProviderScope, RecipientScope};
use crate::domain::audit_changes::{ProgrammeOutcomeRecorded, VoucherTerm};
use crate::domain::audit_event::AuditEvent;
use crate::domain::ids::OutcomeId;
use crate::domain::ids::RecipientId;
use crate::domain::outcome::{OutcomeKind, ProgrammeOutcomeDraft, check_chronology, next_state, shift_end};
use crate::domain::recipient::VoucherState;
use crate::domain::text::{iso, parse_date};
use crate::domain::timestamp::Timestamp;
use crate::error::AppError;
use crate::infra::clock::local_datetime;
use rusqlite::Connection;

use crate::domain::appointment::AppointmentOutcome;
use crate::repo::appointments::{self, AppointmentRow};
use crate::repo::codes::{self, Labels};
use crate::repo::outcomes::{self, NewOutcome, OutcomeRow};
use crate::repo::vouchers::VoucherFacts;
use crate::repo::{WriteTx, audit, providers, vouchers};

#[derive(Debug, Clone, serde::Serialize)]
pub struct Recorded {
    pub id: OutcomeId,
    pub state: &'static str,
    pub version: i64,
}

pub fn record(
    tx: &WriteTx<'_>,
    now: Timestamp,
    scope: &ProviderScope,
    recipient: RecipientId,
    draft: &ProgrammeOutcomeDraft,
) -> Result<Recorded, AppError> {
    let conn = tx.conn();
    let voucher =
        vouchers::current(conn, &RecipientScope::Provider(scope.clone()), recipient)?.ok_or(AppError::NotFound)?;
    let valid = draft.validate(local_datetime(now).date()).map_err(AppError::Invalid)?;
    if draft.version.is_some_and(|v| v != voucher.version) {
        return Err(providers::stale());
    }
    let current = VoucherState::from_code(&voucher.state)
        .ok_or_else(|| AppError::unexpected(format!("voucher state {}", voucher.state)))?;
    let next = next_state(current, valid.kind, voucher.extended_until.is_some())
        .map_err(|reason| AppError::Invalid(vec![reason.on("esito")]))?;
    let last = outcomes::last_event(conn, &voucher.voucher)?;
    let last_date = last.as_ref().and_then(|(_, d)| parse_date(d));
    check_chronology(valid.event_date, parse_date(&voucher.chosen_on), last_date)
        .map_err(|e| AppError::Invalid(vec![e]))?;
    // A suspension stops the programme's clock: resuming moves its end by the days suspended.
    let (mut end, mut extended) = (voucher.programme_end.clone(), voucher.extended_until.clone());
    if valid.kind == OutcomeKind::Resumed
        && let Some((kind, suspended_on)) = &last
        && kind == OutcomeKind::Suspended.code()
        && let Some(suspended_on) = parse_date(suspended_on)
    {
        let shift = |d: &Option<String>| {
            d.as_deref().and_then(parse_date).map(|d| iso(shift_end(d, suspended_on, valid.event_date)))
        };
        (end, extended) = (shift(&end), shift(&extended));
    }
    let event_date = iso(valid.event_date);
    let resume_on = valid.resume_on.map(iso);
    let id = outcomes::insert(
        tx,
        now,
        &NewOutcome {
            voucher: &voucher.voucher,
            kind: valid.kind.code(),
            event_date: &event_date,
            employer_cf: &valid.employer_cf,
            employer_name: &valid.employer_name,
            contract: valid.contract.map(|c| c.code()),
            contract_months: valid.contract_months,
            resume_on: resume_on.as_deref(),
            note: &valid.note,
            by_operator: scope.actor().id,
        },
    )?;
    if !vouchers::apply_outcome(
        tx,
        &voucher.voucher,
        voucher.version,
        next.code(),
        end.as_deref(),
        extended.as_deref(),
        now,
    )? {
        return Err(providers::stale());
    }
    let recorded = ProgrammeOutcomeRecorded {
        recipient,
        cf: &voucher.codice_fiscale,
        voucher: &voucher.code,
        kind: valid.kind.code(),
        event_date: &event_date,
        employer_cf: &valid.employer_cf,
        contract: valid.contract.map(|c| c.code()),
        contract_months: valid.contract_months,
        resume_on: resume_on.as_deref(),
        before: VoucherTerm {
            state: &voucher.state,
            programme_end: voucher.programme_end.as_deref(),
            extended_until: voucher.extended_until.as_deref(),
        },
        after: VoucherTerm { state: next.code(), programme_end: end.as_deref(), extended_until: extended.as_deref() },
    };
    audit::append(tx, now, scope.actor(), &AuditEvent::of_change(&recorded).map_err(AppError::internal)?)?;
    Ok(Recorded { id, state: next.code(), version: voucher.version + 1 })
}

/// What the outcome screen (and the API) shows of a recipient's programme.
pub struct Loaded {
    pub name: String,
    pub voucher: VoucherFacts,
    pub history: Vec<OutcomeRow>,
    /// Unjustified absences and refusals of this person (what a drop reports to the CPI).
    pub reportable: Vec<AppointmentRow>,
    pub labels: Labels,
}

pub fn load(c: &Connection, scope: &RecipientScope, id: RecipientId) -> Result<Option<Loaded>, AppError> {
    let Some(r) = crate::repo::recipients::get(c, scope, id)? else { return Ok(None) };
    let Some(voucher) = vouchers::current(c, scope, id)? else { return Ok(None) };
    let history = outcomes::history(c, &voucher.voucher)?;
    let reportable = appointments::for_recipient(c, scope, id)?
        .into_iter()
        .filter(|a| a.outcome.as_deref().and_then(AppointmentOutcome::from_code).is_some_and(|o| o.reportable()))
        .collect();
    Ok(Some(Loaded {
        name: format!("{} {}", r.cognome, r.nome),
        voucher,
        history,
        reportable,
        labels: codes::labels(c)?,
    }))
}

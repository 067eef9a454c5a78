//! Fixing an appointment and recording how it went, under the write lock: the recipient must
//! be the provider's, the slot free, the sede and tutor the provider's; the first held meeting
//! starts the six-month programme. One audit row each, in the same transaction.

use crate::access::{ProviderScope, RecipientScope};
use crate::domain::appointment::{
    AppointmentDraft, AppointmentOutcome, OutcomeDraft, parse_stamp, programme_period, show_stamp,
};
use crate::domain::audit_changes::{AppointmentCreated, AppointmentOutcomeRecorded, MeetingOutcome};
use crate::domain::audit_event::AuditEvent;
use crate::domain::ids::{AppointmentId, RecipientId};
use crate::domain::text::iso;
use crate::domain::timestamp::Timestamp;
use crate::error::{AppError, FieldError};
use crate::infra::clock::local_datetime;
use rusqlite::Connection;

use crate::domain::sede::Sede;
use crate::repo::appointments::{self, AppointmentRow, NewAppointment};
use crate::repo::codes::{self, Labels};
use crate::repo::operators::{self, OperatorRow};
use crate::repo::{WriteTx, audit, providers, vouchers};

/// Voucher states in which no new meeting is fixed: the programme is over.
const CLOSED: [&str; 4] = ["ended", "dropped", "lapsed", "outcome"];

fn field(field: &str, message: impl Into<String>) -> AppError {
    AppError::Invalid(vec![FieldError { field: field.into(), message: message.into() }])
}

fn duplicate(starts_at: &str) -> AppError {
    let when = show_stamp(starts_at);
    let (day, time) = when.split_once(' ').unwrap_or((&when, ""));
    AppError::Conflict(FieldError {
        field: "ora".into(),
        message: format!("la persona ha già un appuntamento il {day} alle {time}: scegliere un altro orario"),
    })
}

/// Fixes an appointment with the recipient (who must hold a voucher naming the provider).
pub fn create(
    tx: &WriteTx<'_>,
    now: Timestamp,
    scope: &ProviderScope,
    backdate_days: u32,
    recipient: RecipientId,
    draft: &AppointmentDraft,
) -> Result<AppointmentId, AppError> {
    let conn = tx.conn();
    let voucher =
        vouchers::current(conn, &RecipientScope::Provider(scope.clone()), recipient)?.ok_or(AppError::NotFound)?;
    let kinds: Vec<String> = appointments::kinds(conn)?.into_iter().map(|(code, _)| code).collect();
    let valid = draft.validate(local_datetime(now), backdate_days, &kinds).map_err(AppError::Invalid)?;
    if CLOSED.contains(&voucher.state.as_str()) {
        return Err(field("data", "il programma di questa persona è chiuso: non si fissano altri appuntamenti"));
    }
    let provider = scope.provider();
    let sede = match valid.sede {
        Some(s) if !appointments::sede_usable(conn, provider, s)? => {
            return Err(field("sede", "sede non del soggetto accreditato, o chiusa"));
        }
        Some(s) => Some(s),
        None => voucher.sede_id,
    };
    // The tutor named, else the person's tutor, else whoever fixes the meeting.
    let tutor = match valid.tutor {
        Some(t) if !appointments::tutor_usable(conn, provider, t)? => {
            return Err(field("tutor", "il tutor deve essere un operatore attivo del soggetto accreditato"));
        }
        Some(t) => Some(t),
        None => voucher.tutor_id.or(scope.actor().id),
    };
    if appointments::slot_taken(conn, recipient, &valid.starts_at, None)? {
        return Err(duplicate(&valid.starts_at));
    }
    let id = appointments::insert(
        tx,
        now,
        &NewAppointment {
            voucher: &voucher.voucher,
            provider,
            sede,
            tutor,
            starts_at: &valid.starts_at,
            kind: &valid.kind,
            created_by: scope.actor().id,
        },
    )?;
    let created = AppointmentCreated {
        appointment: id,
        recipient,
        cf: &voucher.codice_fiscale,
        voucher: &voucher.code,
        starts_at: &valid.starts_at,
        kind: &valid.kind,
        sede,
        tutor,
    };
    audit::append(tx, now, scope.actor(), &AuditEvent::of_change(&created).map_err(AppError::internal)?)?;
    Ok(id)
}

/// What recording an outcome did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Recorded {
    pub recipient: RecipientId,
    pub outcome: &'static str,
    pub version: i64,
    /// The programme start, when this held meeting started it.
    pub programme_start: Option<String>,
}

/// Records (or corrects) how an appointment went, refusing a stale version.
pub fn record_outcome(
    tx: &WriteTx<'_>,
    now: Timestamp,
    scope: &ProviderScope,
    id: AppointmentId,
    draft: &OutcomeDraft,
) -> Result<Recorded, AppError> {
    let conn = tx.conn();
    let a = appointments::get(conn, scope, id)?.ok_or(AppError::NotFound)?;
    let valid = draft.validate(&a.starts_at, local_datetime(now)).map_err(AppError::Invalid)?;
    if a.version != valid.version {
        return Err(providers::stale());
    }
    // Un-cancelling a meeting takes its slot back: it must still be free.
    let was_cancelled = a.outcome.as_deref() == Some(AppointmentOutcome::Cancelled.code());
    if was_cancelled
        && valid.outcome != AppointmentOutcome::Cancelled
        && appointments::slot_taken(conn, a.recipient_id, &a.starts_at, Some(id))?
    {
        return Err(duplicate(&a.starts_at));
    }
    // The held meeting that started the six-month programme cannot silently stop being
    // held: the programme dates would rest on a meeting that did not happen.
    let was_held = a.outcome.as_deref() == Some(AppointmentOutcome::Held.code());
    if was_held && valid.outcome != AppointmentOutcome::Held && appointments::started_programme(conn, &a)? {
        return Err(AppError::Invalid(vec![crate::error::FieldError {
            field: "esito".into(),
            message: "questo incontro ha avviato il programma: l'esito non si può più correggere da qui; \
                      chiedere alla Regione la rettifica della data di avvio"
                .into(),
        }]));
    }
    if !appointments::set_outcome(tx, &a.scoped, valid.version, valid.outcome.code(), &valid.note, now)? {
        return Err(providers::stale());
    }
    let mut programme_start = None;
    if valid.outcome == AppointmentOutcome::Held
        && let Some(at) = parse_stamp(&a.starts_at)
    {
        let (start, end) = programme_period(at.date());
        let (start, end) = (iso(start), iso(end));
        if vouchers::start_programme(tx, &a.scoped.voucher(), &start, &end, a.sede_id, a.tutor_id, now)? {
            programme_start = Some(start);
        }
    }
    let recorded = AppointmentOutcomeRecorded {
        appointment: id,
        recipient: a.recipient_id,
        cf: &a.codice_fiscale,
        starts_at: &a.starts_at,
        before: MeetingOutcome { outcome: a.outcome.as_deref(), note: &a.outcome_note },
        after: MeetingOutcome { outcome: Some(valid.outcome.code()), note: &valid.note },
        programme_start: programme_start.as_deref(),
    };
    audit::append(tx, now, scope.actor(), &AuditEvent::of_change(&recorded).map_err(AppError::internal)?)?;
    Ok(Recorded { recipient: a.recipient_id, outcome: valid.outcome.code(), version: a.version + 1, programme_start })
}

/// What the form to fix an appointment offers.
pub struct Choices {
    pub kinds: Vec<(String, String)>,
    pub sedi: Vec<Sede>,
    pub tutors: Vec<OperatorRow>,
}

pub fn choices(c: &Connection, scope: &RecipientScope) -> Result<Choices, AppError> {
    let (sedi, tutors) = match scope.provider_filter() {
        Some(p) => (providers::sedi(c, p)?, operators::of_provider(c, p)?),
        None => (Vec::new(), Vec::new()),
    };
    Ok(Choices { kinds: appointments::kinds(c)?, sedi, tutors })
}

/// What the appointments section of the scheda shows.
pub struct AppointmentSection {
    pub rows: Vec<AppointmentRow>,
    pub choices: Choices,
    pub labels: Labels,
}

/// Reads what the section shows, inside the scheda's read.
pub fn section(c: &Connection, scope: &RecipientScope, id: RecipientId) -> Result<AppointmentSection, AppError> {
    Ok(AppointmentSection {
        rows: appointments::for_recipient(c, scope, id)?,
        choices: choices(c, scope)?,
        labels: codes::labels(c)?,
    })
}

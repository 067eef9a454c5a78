//! The agenda, always through a scope: an operator's queries carry their provider in the SQL
//! (the appointment's and the voucher's), so another provider's meeting is simply not found.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::WriteTx;
use super::scoped::{ScopedAppointment, ScopedVoucher};
use crate::access::{ProviderScope, RecipientScope};
use crate::domain::ids::{AppointmentId, OperatorId, ProviderId, RecipientId, SedeId, VoucherId};
use crate::domain::timestamp::Timestamp;
use crate::error::AppError;

/// Most rows an agenda page shows; a wider range is narrowed with the filters.
pub const AGENDA_LIMIT: i64 = 500;

#[derive(Debug, Clone, serde::Serialize)]
pub struct AppointmentRow {
    pub id: AppointmentId,
    pub voucher_id: VoucherId,
    /// The proof the writes about this appointment (and its voucher) take.
    #[serde(skip)]
    pub scoped: ScopedAppointment,
    pub recipient_id: RecipientId,
    pub recipient: String,
    pub codice_fiscale: String,
    pub voucher_code: String,
    pub cpi: String,
    pub sede_id: Option<SedeId>,
    pub sede: Option<String>,
    pub tutor_id: Option<OperatorId>,
    pub tutor: Option<String>,
    /// Italian local time, `yyyy-mm-ddThh:mm`.
    pub starts_at: String,
    pub kind: String,
    pub outcome: Option<String>,
    pub outcome_note: String,
    pub version: i64,
    pub updated_at: Timestamp,
}

const SELECT: &str = "SELECT a.id, a.voucher_id, a.recipient_id, r.cognome || ' ' || r.nome, r.codice_fiscale, v.code,
        v.cpi, a.sede_id, s.address || ', ' || s.comune, a.tutor_id, t.surname || ' ' || t.name, a.starts_at,
        a.kind, a.outcome, a.outcome_note, a.version, a.updated_at
     FROM appointment a JOIN recipient r ON r.id = a.recipient_id JOIN voucher v ON v.id = a.voucher_id
     LEFT JOIN sede s ON s.id = a.sede_id LEFT JOIN operator t ON t.id = a.tutor_id";

/// Every lookup that uses it is restricted to a scope: the rows it reads are proven visible.
fn row(r: &Row<'_>) -> rusqlite::Result<AppointmentRow> {
    let (id, voucher_id, recipient_id) = (r.get(0)?, r.get(1)?, r.get(2)?);
    Ok(AppointmentRow {
        id,
        voucher_id,
        scoped: ScopedAppointment::new(id, ScopedVoucher::new(voucher_id, recipient_id)),
        recipient_id,
        recipient: r.get(3)?,
        codice_fiscale: r.get(4)?,
        voucher_code: r.get(5)?,
        cpi: r.get(6)?,
        sede_id: r.get(7)?,
        sede: r.get(8)?,
        tutor_id: r.get(9)?,
        tutor: r.get(10)?,
        starts_at: r.get(11)?,
        kind: r.get(12)?,
        outcome: r.get(13)?,
        outcome_note: r.get(14)?,
        version: r.get(15)?,
        updated_at: r.get(16)?,
    })
}

/// A recipient's appointments the scope may see (an operator: their provider's), newest first.
pub fn for_recipient(
    conn: &Connection,
    scope: &RecipientScope,
    id: RecipientId,
) -> Result<Vec<AppointmentRow>, AppError> {
    let provider = scope.provider_filter().map(ProviderId::get);
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE a.recipient_id = ?1 AND (?2 IS NULL OR (a.provider_id = ?2 AND v.provider_id = ?2))
         ORDER BY a.starts_at DESC, a.id DESC"
    ))?;
    let rows = stmt.query_map(params![id.get(), provider], row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// One appointment of the scope's provider.
pub fn get(conn: &Connection, scope: &ProviderScope, id: AppointmentId) -> Result<Option<AppointmentRow>, AppError> {
    Ok(conn
        .prepare_cached(&format!("{SELECT} WHERE a.id = ?1 AND a.provider_id = ?2 AND v.provider_id = ?2"))?
        .query_row(params![id.get(), scope.provider().get()], row)
        .optional()?)
}

/// Filters of the agenda: a day range (ISO dates, both included), a sede, a tutor.
#[derive(Debug, Clone, Default)]
pub struct AgendaFilter {
    pub from: String,
    /// The day after the last one shown (exclusive bound on `starts_at`).
    pub until: String,
    pub sede: Option<SedeId>,
    pub tutor: Option<OperatorId>,
}

/// The provider's agenda in a range, in time order (the `appointment_provider` index).
pub fn agenda(conn: &Connection, scope: &ProviderScope, f: &AgendaFilter) -> Result<Vec<AppointmentRow>, AppError> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE a.provider_id = ?1 AND v.provider_id = ?1 AND a.starts_at >= ?2 AND a.starts_at < ?3
           AND (?4 IS NULL OR a.sede_id = ?4) AND (?5 IS NULL OR a.tutor_id = ?5)
         ORDER BY a.starts_at, a.id LIMIT ?6"
    ))?;
    let rows = stmt
        .query_map(
            params![
                scope.provider().get(),
                f.from,
                f.until,
                f.sede.map(SedeId::get),
                f.tutor.map(OperatorId::get),
                AGENDA_LIMIT
            ],
            row,
        )?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Unjustified absences and refusals in `[from, until)`: what the provider reports to the CPI.
pub fn reportable(
    conn: &Connection,
    scope: &ProviderScope,
    from: &str,
    until: &str,
) -> Result<Vec<AppointmentRow>, AppError> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE a.provider_id = ?1 AND v.provider_id = ?1 AND a.starts_at >= ?2 AND a.starts_at < ?3
           AND a.outcome IN ('absent_unjustified', 'refused')
         ORDER BY a.starts_at, a.id"
    ))?;
    let rows = stmt.query_map(params![scope.provider().get(), from, until], row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The codes of the `tipo_appuntamento` list with their labels.
pub fn kinds(conn: &Connection) -> Result<Vec<(String, String)>, AppError> {
    let mut stmt =
        conn.prepare_cached("SELECT code, label FROM code_list WHERE list = 'tipo_appuntamento' ORDER BY label")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// A sede of this provider that is not closed for good.
pub fn sede_usable(conn: &Connection, provider: ProviderId, sede: SedeId) -> Result<bool, AppError> {
    Ok(conn
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM sede WHERE id = ?1 AND provider_id = ?2 AND closed = 0)")?
        .query_row(params![sede, provider.get()], |r| r.get(0))?)
}

/// An active operator of this provider.
pub fn tutor_usable(conn: &Connection, provider: ProviderId, tutor: OperatorId) -> Result<bool, AppError> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS(SELECT 1 FROM operator WHERE id = ?1 AND provider_id = ?2 AND state = 'active')",
        )?
        .query_row(params![tutor, provider.get()], |r| r.get(0))?)
}

/// Whether the person already has a (not cancelled) appointment at that time.
pub fn slot_taken(
    conn: &Connection,
    recipient: RecipientId,
    starts_at: &str,
    except: Option<AppointmentId>,
) -> Result<bool, AppError> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS(SELECT 1 FROM appointment WHERE recipient_id = ?1 AND starts_at = ?2
                       AND outcome IS NOT 'cancelled' AND id IS NOT ?3)",
        )?
        .query_row(params![recipient.get(), starts_at, except.map(AppointmentId::get)], |r| r.get(0))?)
}

pub struct NewAppointment<'a> {
    pub voucher: &'a ScopedVoucher,
    pub provider: ProviderId,
    pub sede: Option<SedeId>,
    pub tutor: Option<OperatorId>,
    pub starts_at: &'a str,
    pub kind: &'a str,
    pub created_by: Option<OperatorId>,
}

pub fn insert(tx: &WriteTx<'_>, now: Timestamp, a: &NewAppointment<'_>) -> Result<AppointmentId, AppError> {
    tx.conn()
        .prepare_cached(
            "INSERT INTO appointment (voucher_id, recipient_id, provider_id, sede_id, tutor_id, starts_at, kind,
                                  created_at, created_by, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?8)",
        )?
        .execute(params![
            a.voucher.id(),
            a.voucher.recipient(),
            a.provider,
            a.sede,
            a.tutor,
            a.starts_at,
            a.kind,
            now,
            a.created_by.map_or(0, OperatorId::get)
        ])?;
    Ok(AppointmentId::from_db(tx.conn().last_insert_rowid()))
}

/// Records the outcome if nobody saved since `version`; false otherwise.
pub fn set_outcome(
    tx: &WriteTx<'_>,
    appointment: &ScopedAppointment,
    version: i64,
    outcome: &str,
    note: &str,
    now: Timestamp,
) -> Result<bool, AppError> {
    let n = tx
        .conn()
        .prepare_cached(
            "UPDATE appointment SET outcome = ?3, outcome_note = ?4, updated_at = ?5, version = version + 1
         WHERE id = ?1 AND version = ?2",
        )?
        .execute(params![appointment.id(), version, outcome, note, now])?;
    Ok(n == 1)
}

/// Whether `a` is the held meeting the programme start rests on: the voucher starts on its
/// day and no other held meeting of the voucher is on or before that day.
pub fn started_programme(conn: &Connection, a: &AppointmentRow) -> Result<bool, AppError> {
    let day = a.starts_at.get(..10).unwrap_or_default();
    Ok(conn
        .prepare_cached(
            "SELECT coalesce(v.programme_start = ?2, 0) AND NOT EXISTS (
             SELECT 1 FROM appointment o WHERE o.voucher_id = v.id AND o.id <> ?3 AND o.outcome = 'held'
               AND substr(o.starts_at, 1, 10) <= ?2)
         FROM voucher v WHERE v.id = ?1",
        )?
        .query_row(params![a.voucher_id, day, a.id.get()], |r| r.get(0))?)
}

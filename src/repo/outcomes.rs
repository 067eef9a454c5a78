//! Programme outcomes: rows are only ever added (the history is the table), and the Region's
//! counts per provider are computed from them.

use rusqlite::{Connection, OptionalExtension, params};

use super::WriteTx;
use super::scoped::ScopedVoucher;
use crate::access::ProviderScope;
use crate::domain::ids::{OperatorId, OutcomeId, ProviderId, RecipientId};
use crate::domain::timestamp::Timestamp;
use crate::error::AppError;

#[derive(Debug, Clone, serde::Serialize)]
pub struct OutcomeRow {
    pub id: OutcomeId,
    pub kind: String,
    pub event_date: String,
    pub employer_cf: String,
    pub employer_name: String,
    pub contract: Option<String>,
    pub contract_months: Option<i64>,
    pub resume_on: Option<String>,
    pub note: String,
    pub at: Timestamp,
    pub by_label: String,
}

/// Every outcome of a voucher already proven visible, newest first.
pub fn history(conn: &Connection, voucher: &ScopedVoucher) -> Result<Vec<OutcomeRow>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, kind, event_date, employer_cf, employer_name, contract, contract_months, resume_on, note, at,
                by_label
         FROM programme_outcome WHERE voucher_id = ?1 ORDER BY id DESC",
    )?;
    let rows = stmt
        .query_map([voucher.id()], |r| {
            Ok(OutcomeRow {
                id: r.get(0)?,
                kind: r.get(1)?,
                event_date: r.get(2)?,
                employer_cf: r.get(3)?,
                employer_name: r.get(4)?,
                contract: r.get(5)?,
                contract_months: r.get(6)?,
                resume_on: r.get(7)?,
                note: r.get(8)?,
                at: r.get(9)?,
                by_label: r.get(10)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The latest event: (kind, event date).
pub fn last_event(conn: &Connection, voucher: &ScopedVoucher) -> Result<Option<(String, String)>, AppError> {
    Ok(conn
        .prepare_cached(
            "SELECT kind, event_date FROM programme_outcome WHERE voucher_id = ?1 ORDER BY id DESC LIMIT 1",
        )?
        .query_row([voucher.id()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

pub struct NewOutcome<'a> {
    pub voucher: &'a ScopedVoucher,
    pub kind: &'a str,
    pub event_date: &'a str,
    pub employer_cf: &'a str,
    pub employer_name: &'a str,
    pub contract: Option<&'a str>,
    pub contract_months: Option<i64>,
    pub resume_on: Option<&'a str>,
    pub note: &'a str,
    pub by_operator: Option<OperatorId>,
}

/// Adds the row; who recorded it is written out by name, as histories show it.
pub fn insert(tx: &WriteTx<'_>, now: Timestamp, o: &NewOutcome<'_>) -> Result<OutcomeId, AppError> {
    tx.conn().prepare_cached("INSERT INTO programme_outcome (voucher_id, kind, event_date, employer_cf, employer_name, contract,
                                        contract_months, resume_on, note, at, by_operator_id, by_label)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,
                 coalesce((SELECT surname || ' ' || name || ' (' || role || ')' FROM operator WHERE id = ?11), 'sistema'))")?.execute(
        params![
            o.voucher.id(),
            o.kind,
            o.event_date,
            o.employer_cf,
            o.employer_name,
            o.contract,
            o.contract_months,
            o.resume_on,
            o.note,
            now,
            o.by_operator
        ],
    )?;
    Ok(OutcomeId::from_db(tx.conn().last_insert_rowid()))
}

/// A programme dropped in a period, for the provider's report to the CPI.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DroppedRow {
    pub recipient_id: RecipientId,
    pub recipient: String,
    pub codice_fiscale: String,
    pub voucher_code: String,
    pub cpi: String,
    pub event_date: String,
    pub note: String,
}

/// Drops with an event date in `[from, until)` (ISO dates) of the scope's provider.
pub fn dropped(conn: &Connection, scope: &ProviderScope, from: &str, until: &str) -> Result<Vec<DroppedRow>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT r.id, r.cognome || ' ' || r.nome, r.codice_fiscale, v.code, v.cpi, o.event_date, o.note
         FROM programme_outcome o JOIN voucher v ON v.id = o.voucher_id JOIN recipient r ON r.id = v.recipient_id
         WHERE v.provider_id = ?1 AND o.kind = 'dropped' AND o.event_date >= ?2 AND o.event_date < ?3
         ORDER BY o.event_date, o.id",
    )?;
    let rows = stmt
        .query_map(params![scope.provider().get(), from, until], |r| {
            Ok(DroppedRow {
                recipient_id: RecipientId::from_db(r.get(0)?),
                recipient: r.get(1)?,
                codice_fiscale: r.get(2)?,
                voucher_code: r.get(3)?,
                cpi: r.get(4)?,
                event_date: r.get(5)?,
                note: r.get(6)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Outcomes of one provider in a period, by kind and, for hirings, by contract. Fixed-term
/// contracts are split at 6 and 3 months: the result-based payment is graded on them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ProviderCounts {
    pub provider_id: ProviderId,
    pub provider: String,
    pub hired_permanent: i64,
    pub hired_apprenticeship: i64,
    pub hired_fixed_6: i64,
    pub hired_fixed_3: i64,
    pub hired_fixed_short: i64,
    pub hired_agency: i64,
    pub ended: i64,
    pub dropped: i64,
    pub lapsed: i64,
    pub suspended: i64,
}

impl ProviderCounts {
    pub fn hired(&self) -> i64 {
        self.hired_permanent
            + self.hired_apprenticeship
            + self.hired_fixed_6
            + self.hired_fixed_3
            + self.hired_fixed_short
            + self.hired_agency
    }
}

/// Every provider (those without outcomes too) with its counts for event dates in
/// `[from, to]` (ISO dates, both included). Outcomes are few next to vouchers: the period
/// filter scans them, and each joins its voucher by primary key.
pub fn counts(conn: &Connection, from: &str, to: &str) -> Result<Vec<ProviderCounts>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.id, p.name,
                coalesce(sum(o.kind = 'hired' AND o.contract = 'permanent'), 0),
                coalesce(sum(o.kind = 'hired' AND o.contract = 'apprenticeship'), 0),
                coalesce(sum(o.kind = 'hired' AND o.contract = 'fixed_term' AND o.contract_months >= 6), 0),
                coalesce(sum(o.kind = 'hired' AND o.contract = 'fixed_term' AND o.contract_months BETWEEN 3 AND 5), 0),
                coalesce(sum(o.kind = 'hired' AND o.contract = 'fixed_term' AND coalesce(o.contract_months, 0) < 3), 0),
                coalesce(sum(o.kind = 'hired' AND o.contract = 'agency'), 0),
                coalesce(sum(o.kind = 'ended'), 0), coalesce(sum(o.kind = 'dropped'), 0),
                coalesce(sum(o.kind = 'lapsed'), 0), coalesce(sum(o.kind = 'suspended'), 0)
         FROM provider p
         LEFT JOIN (SELECT v.provider_id, po.* FROM programme_outcome po JOIN voucher v ON v.id = po.voucher_id
                    WHERE po.event_date BETWEEN ?1 AND ?2) o ON o.provider_id = p.id
         GROUP BY p.id ORDER BY p.name COLLATE NOCASE, p.id",
    )?;
    let rows = stmt
        .query_map(params![from, to], |r| {
            Ok(ProviderCounts {
                provider_id: r.get(0)?,
                provider: r.get(1)?,
                hired_permanent: r.get(2)?,
                hired_apprenticeship: r.get(3)?,
                hired_fixed_6: r.get(4)?,
                hired_fixed_3: r.get(5)?,
                hired_fixed_short: r.get(6)?,
                hired_agency: r.get(7)?,
                ended: r.get(8)?,
                dropped: r.get(9)?,
                lapsed: r.get(10)?,
                suspended: r.get(11)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Only providers the Region asked for; `None` is all.
pub fn only(rows: Vec<ProviderCounts>, provider: Option<ProviderId>) -> Vec<ProviderCounts> {
    match provider {
        Some(p) => rows.into_iter().filter(|r| r.provider_id == p).collect(),
        None => rows,
    }
}

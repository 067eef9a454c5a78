//! Vouchers: those of a recipient as a scope may see them, the import's upserts, and the
//! programme state as the agenda and the outcomes change it. Reads go through a
//! `RecipientScope`; writes take a voucher id that came from such a read.

use rusqlite::{Connection, OptionalExtension, params};

use super::WriteTx;
use super::scoped::ScopedVoucher;
use crate::access::RecipientScope;
use crate::domain::ids::{OperatorId, ProviderId, RecipientId, SedeId};
use crate::domain::recipient::Voucher;
use crate::domain::timestamp::Timestamp;
use crate::error::AppError;

/// What the rules need to know of a voucher.
#[derive(Debug, Clone, serde::Serialize)]
pub struct VoucherFacts {
    /// The proof the follow-up queries and writes about this voucher take.
    #[serde(rename = "id")]
    pub voucher: ScopedVoucher,
    pub code: String,
    pub codice_fiscale: String,
    pub state: String,
    pub chosen_on: String,
    pub programme_start: Option<String>,
    pub programme_end: Option<String>,
    pub extended_until: Option<String>,
    pub sede_id: Option<SedeId>,
    pub tutor_id: Option<OperatorId>,
    pub version: i64,
}

/// The recipient's latest voucher that the scope may see (the one the screens show).
pub fn current(conn: &Connection, scope: &RecipientScope, id: RecipientId) -> Result<Option<VoucherFacts>, AppError> {
    let provider = scope.provider_filter().map(ProviderId::get);
    Ok(conn
        .prepare_cached(
            "SELECT v.id, v.code, r.codice_fiscale, v.state, v.chosen_on, v.programme_start, v.programme_end,
                    v.extended_until, v.sede_id, v.tutor_id, v.version
             FROM voucher v JOIN recipient r ON r.id = v.recipient_id
             WHERE v.recipient_id = ?1 AND (?2 IS NULL OR v.provider_id = ?2)
             ORDER BY v.issued_on DESC, v.id DESC LIMIT 1",
        )?
        .query_row(params![id.get(), provider], |r| {
            Ok(VoucherFacts {
                voucher: ScopedVoucher::new(r.get(0)?, id),
                code: r.get(1)?,
                codice_fiscale: r.get(2)?,
                state: r.get(3)?,
                chosen_on: r.get(4)?,
                programme_start: r.get(5)?,
                programme_end: r.get(6)?,
                extended_until: r.get(7)?,
                sede_id: r.get(8)?,
                tutor_id: r.get(9)?,
                version: r.get(10)?,
            })
        })
        .optional()?)
}

/// Who holds the voucher with this code: (recipient, provider). Unscoped, like the import's
/// lookups: only for the demo's seeding, which acts for no person.
pub fn holder_of_code(conn: &Connection, code: &str) -> Result<Option<(RecipientId, ProviderId)>, AppError> {
    Ok(conn
        .prepare_cached("SELECT recipient_id, provider_id FROM voucher WHERE code = ?1")?
        .query_row([code], |r| Ok((RecipientId::from_db(r.get(0)?), ProviderId::from_db(r.get(1)?))))
        .optional()?)
}

/// The first held meeting starts the programme, if no start is recorded and it has not been
/// closed meanwhile; the voucher gets that meeting's sede and tutor if it had none.
/// Returns whether it started.
pub fn start_programme(
    tx: &WriteTx<'_>,
    voucher: &ScopedVoucher,
    start: &str,
    end: &str,
    sede: Option<SedeId>,
    tutor: Option<OperatorId>,
    now: Timestamp,
) -> Result<bool, AppError> {
    let n = tx
        .conn()
        .prepare_cached(
            "UPDATE voucher_all SET programme_start = ?2, programme_end = ?3,
                state = CASE WHEN state IN ('issued', 'signed') THEN 'in_progress' ELSE state END,
                sede_id = coalesce(sede_id, ?4), tutor_id = coalesce(tutor_id, ?5),
                updated_at = ?6, version = version + 1
         WHERE id = ?1 AND programme_start IS NULL AND state IN ('issued', 'signed')",
        )?
        .execute(params![voucher.id(), start, end, sede, tutor, now])?;
    Ok(n == 1)
}

/// The state an outcome leads to, with the programme's (possibly moved) end dates. False when
/// the voucher changed since `version` was read.
pub fn apply_outcome(
    tx: &WriteTx<'_>,
    voucher: &ScopedVoucher,
    version: i64,
    state: &str,
    programme_end: Option<&str>,
    extended_until: Option<&str>,
    now: Timestamp,
) -> Result<bool, AppError> {
    let n = tx
        .conn()
        .prepare_cached(
            "UPDATE voucher_all SET state = ?3, programme_end = ?4, extended_until = ?5, updated_at = ?6,
                version = version + 1
         WHERE id = ?1 AND version = ?2",
        )?
        .execute(params![voucher.id(), version, state, programme_end, extended_until, now])?;
    Ok(n == 1)
}

/// The vouchers of a recipient the scope may see.
pub fn vouchers(conn: &Connection, scope: &RecipientScope, id: RecipientId) -> Result<Vec<Voucher>, AppError> {
    let provider = scope.provider_filter().map(ProviderId::get);
    let mut stmt = conn.prepare_cached(
        "SELECT v.id, v.code, v.issued_on, v.cpi, v.profiling_band, v.provider_id, p.name,
                s.address || ', ' || s.comune, v.chosen_on, v.state, v.programme_start, v.programme_end,
                v.extended_until, t.surname || ' ' || t.name,
                (SELECT max(sp.uploaded_at) FROM signed_programme sp WHERE sp.voucher_id = v.id)
         FROM voucher v JOIN provider p ON p.id = v.provider_id LEFT JOIN sede s ON s.id = v.sede_id
         LEFT JOIN operator t ON t.id = v.tutor_id
         WHERE v.recipient_id = ?1 AND (?2 IS NULL OR v.provider_id = ?2) ORDER BY v.issued_on DESC",
    )?;
    let rows = stmt
        .query_map(params![id.get(), provider], |r| {
            Ok(Voucher {
                id: r.get(0)?,
                code: r.get(1)?,
                issued_on: r.get(2)?,
                cpi: r.get(3)?,
                profiling_band: r.get(4)?,
                provider_id: ProviderId::from_db(r.get(5)?),
                provider_name: r.get(6)?,
                sede: r.get(7)?,
                chosen_on: r.get(8)?,
                state: r.get(9)?,
                programme_start: r.get(10)?,
                programme_end: r.get(11)?,
                extended_until: r.get(12)?,
                tutor: r.get(13)?,
                signed_since: r.get(14)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Who a voucher code already belongs to: (codice fiscale, provider).
pub fn voucher_owner(conn: &Connection, code: &str) -> Result<Option<(String, ProviderId)>, AppError> {
    Ok(conn
        .prepare_cached(
            "SELECT r.codice_fiscale, v.provider_id FROM voucher v JOIN recipient r ON r.id = v.recipient_id WHERE v.code = ?1",
        )?
        .query_row([code], |r| Ok((r.get(0)?, ProviderId::from_db(r.get(1)?))))
        .optional()?)
}

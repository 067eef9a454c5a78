//! Operators: everyone who logs in. The lookup by codice fiscale is the one unscoped query
//! by design: it is how a certificate becomes a person, before any scope exists.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::WriteTx;
use crate::domain::codice_fiscale::CodiceFiscale;
use crate::domain::ids::{OperatorId, ProviderId};
use crate::domain::operator::{Operator, OperatorState, ProviderRef};
use crate::domain::role::Role;
use crate::error::{AppError, FieldError};

const SELECT: &str =
    "SELECT o.id, o.codice_fiscale, o.surname, o.name, o.role, o.provider_id, p.name,
        p.status, o.state, o.technical_exemption, o.enabled_at, o.last_access_at, o.last_cert_sha256
     FROM operator o LEFT JOIN provider p ON p.id = o.provider_id";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Result<Operator, AppError>> {
    let cf: String = r.get(1)?;
    let role: String = r.get(4)?;
    let provider_id: Option<i64> = r.get(5)?;
    let provider_name: Option<String> = r.get(6)?;
    let provider_status: Option<String> = r.get(7)?;
    let state: String = r.get(8)?;
    let build = || -> Result<Operator, AppError> {
        Ok(Operator {
            id: OperatorId::from_db(r.get(0)?),
            codice_fiscale: CodiceFiscale::parse(&cf).map_err(AppError::internal)?,
            surname: r.get(2)?,
            name: r.get(3)?,
            role: role.parse().map_err(AppError::internal)?,
            provider: provider_id.map(|id| ProviderRef {
                id: ProviderId::from_db(id),
                name: provider_name.unwrap_or_default(),
                active: provider_status.as_deref() == Some("active"),
            }),
            state: OperatorState::from_code(&state)
                .ok_or_else(|| AppError::internal("unknown operator state"))?,
            technical_exemption: r.get(9)?,
            enabled_at_ms: r.get(10)?,
            last_access_at_ms: r.get(11)?,
            last_cert_sha256: r.get(12)?,
        })
    };
    Ok(build())
}

/// Authentication lookup: the operator holding this codice fiscale, whatever their state.
pub fn find_for_login(conn: &Connection, cf: &CodiceFiscale) -> Result<Option<Operator>, AppError> {
    let mut stmt = conn.prepare_cached(&format!("{SELECT} WHERE o.codice_fiscale = ?1"))?;
    stmt.query_row([cf.as_str()], from_row)
        .optional()?
        .transpose()
}

pub fn get(conn: &Connection, id: OperatorId) -> Result<Option<Operator>, AppError> {
    let mut stmt = conn.prepare_cached(&format!("{SELECT} WHERE o.id = ?1"))?;
    stmt.query_row([id.get()], from_row).optional()?.transpose()
}

pub struct NewOperator<'a> {
    pub codice_fiscale: &'a CodiceFiscale,
    pub surname: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub role: Role,
    pub provider: Option<ProviderId>,
    pub role_title: &'a str,
    pub technical_exemption: bool,
}

/// Inserts an active operator. A codice fiscale already used, by anyone and in any state, is a
/// conflict: it is never reassigned (Allegato B p.6).
pub fn insert(tx: &WriteTx<'_>, now_ms: i64, op: &NewOperator<'_>) -> Result<OperatorId, AppError> {
    let taken: bool = tx.conn().query_row(
        "SELECT EXISTS(SELECT 1 FROM operator WHERE codice_fiscale = ?1)",
        [op.codice_fiscale.as_str()],
        |r| r.get(0),
    )?;
    if taken {
        return Err(AppError::Conflict(FieldError {
            field: "codice_fiscale".into(),
            message:
                "questo codice fiscale è già stato usato per un'utenza e non può essere riassegnato"
                    .into(),
        }));
    }
    tx.conn().execute(
        "INSERT INTO operator (codice_fiscale, surname, name, email, role, provider_id, role_title,
                               technical_exemption, enabled_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        params![
            op.codice_fiscale.as_str(),
            op.surname,
            op.name,
            op.email,
            op.role.code(),
            op.provider.map(|p| p.get()),
            op.role_title,
            op.technical_exemption,
            now_ms
        ],
    )?;
    Ok(OperatorId::from_db(tx.conn().last_insert_rowid()))
}

/// Moves `last_access_at` to now and remembers the certificate. Returns false when another
/// request already did it for the same day and certificate (checked under the write lock).
pub fn record_access(
    tx: &WriteTx<'_>,
    id: OperatorId,
    now_ms: i64,
    day_start_ms: i64,
    cert_sha256: &str,
) -> Result<bool, AppError> {
    let changed = tx.conn().execute(
        "UPDATE operator SET last_access_at = ?2, last_cert_sha256 = ?3
         WHERE id = ?1 AND state = 'active'
           AND (last_access_at IS NULL OR last_access_at < ?4 OR last_cert_sha256 IS NOT ?3)",
        params![id.get(), now_ms, cert_sha256, day_start_ms],
    )?;
    Ok(changed == 1)
}

/// Switches an operator off for inactivity if, under the write lock, they are still active
/// and still idle since `idle_before_ms` or earlier. Returns whether it did.
pub fn deactivate_if_idle(
    tx: &WriteTx<'_>,
    id: OperatorId,
    idle_before_ms: i64,
) -> Result<bool, AppError> {
    let changed = tx.conn().execute(
        "UPDATE operator SET state = 'idle_deactivated'
         WHERE id = ?1 AND state = 'active' AND technical_exemption = 0
           AND coalesce(last_access_at, enabled_at) < ?2",
        params![id.get(), idle_before_ms],
    )?;
    Ok(changed == 1)
}

//! Client certificates seen at login.

use rusqlite::params;

use super::WriteTx;
use crate::domain::cns::CertIdentity;
use crate::domain::ids::OperatorId;
use crate::domain::timestamp::Timestamp;
use crate::error::AppError;

/// Records the certificate, or moves its `last_seen` forward.
pub fn record_seen(
    tx: &WriteTx<'_>,
    operator: OperatorId,
    cert: &CertIdentity,
    now: Timestamp,
) -> Result<(), AppError> {
    tx.conn().execute(
        "INSERT INTO certificate_seen (sha256, operator_id, subject_cn, issuer, serial, not_before,
                                       not_after, first_seen, last_seen)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)
         ON CONFLICT (sha256) DO UPDATE SET last_seen = excluded.last_seen",
        params![
            cert.sha256,
            operator.get(),
            cert.subject_cn,
            cert.issuer,
            cert.serial_hex,
            cert.not_before,
            cert.not_after,
            now
        ],
    )?;
    Ok(())
}

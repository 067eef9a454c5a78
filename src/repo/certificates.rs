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
    tx.conn()
        .prepare_cached(
            "INSERT INTO certificate_seen (sha256, operator_id, subject_cn, issuer, serial, not_before,
                                       not_after, first_seen, last_seen, policies)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9)
         ON CONFLICT (sha256) DO UPDATE SET last_seen = excluded.last_seen, policies = excluded.policies",
        )?
        .execute(params![
            cert.sha256,
            operator.get(),
            cert.subject_cn,
            cert.issuer,
            cert.serial_hex,
            cert.not_before,
            cert.not_after,
            now,
            cert.policies.join(" ")
        ])?;
    Ok(())
}

/// A certificate seen and still valid at `now`, with its policies (`None`: seen before
/// they were recorded), for `ricolloca check`.
pub struct SeenPolicies {
    pub subject_cn: String,
    pub issuer: String,
    pub policies: Option<Vec<String>>,
}

pub fn valid_with_policies(conn: &rusqlite::Connection, now: Timestamp) -> Result<Vec<SeenPolicies>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT subject_cn, issuer, policies FROM certificate_seen WHERE not_after >= ?1 ORDER BY last_seen DESC",
    )?;
    let rows = stmt
        .query_map([now], |r| {
            Ok(SeenPolicies {
                subject_cn: r.get(0)?,
                issuer: r.get(1)?,
                policies: r.get::<_, Option<String>>(2)?.map(|p| p.split_whitespace().map(str::to_owned).collect()),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

//! Stored SAP originals read again through the current element mapping (`sap_schema::MAPPING`),
//! so that people imported by an older version gain the fields it now reads: no new version,
//! the original untouched, and one audit row when the whole data file is done.
//!
//! The server does it in the background after start, in slices: the originals are read and
//! parsed on a read connection, then each slice is one short writer job (a few milliseconds),
//! so imports and views never wait behind it. Progress is in the data file (each version's
//! `mapping`, and running totals in `setting`), so a restart or a kill -9 resumes where it was
//! and the single audit row is written by the slice that finds nothing left.

use crate::domain::audit_changes::SapRemapped;
use crate::domain::audit_event::{Actor, AuditEvent};
use crate::domain::sap::PoliticaAttiva;
use crate::domain::timestamp::Timestamp;
use crate::error::AppError;
use crate::infra::sap_schema::{Finding, MAPPING};
use crate::repo::policies;
use crate::repo::saps::{self, StaleSap};
use crate::repo::{WriteTx, audit, settings};
use crate::service::imports::{findings_json, sections_json};

/// Versions per writer job: a SAP with a long history is a dozen policy rows, so a slice is
/// a few hundred row writes.
pub const SLICE: usize = 25;
const PROGRESS: &str = "sap_remap_progress";

/// One stored version read again, ready to write.
pub struct Remapped {
    pub id: i64,
    pub recipient: crate::domain::ids::RecipientId,
    pub imported_at: Timestamp,
    pub sections: String,
    pub findings: Vec<Finding>,
    pub policies: Vec<PoliticaAttiva>,
}

/// Parses a slice (outside the writer). An original that no longer reads (it was accepted
/// once, so this is not expected) keeps its sections and says why in its findings.
pub fn prepare(stale: Vec<StaleSap>) -> Vec<Result<Remapped, (i64, String)>> {
    stale
        .into_iter()
        .map(|s| match crate::infra::sap_xml::parse(&s.original) {
            Ok(parsed) => Ok(Remapped {
                id: s.id,
                recipient: s.recipient,
                imported_at: s.imported_at,
                sections: sections_json(&parsed.sap),
                findings: parsed.findings,
                policies: parsed.sap.politiche_attive,
            }),
            Err(e) => Err((s.id, e.to_string())),
        })
        .collect()
}

#[derive(Debug, Default, serde::Serialize, serde::Deserialize)]
struct Progress {
    versions: u64,
    with_findings: u64,
    unreadable: u64,
}

/// Writes one slice; when no stale version is left, writes the one audit row. Returns whether
/// the work is finished.
pub fn apply(tx: &WriteTx<'_>, now: Timestamp, slice: &[Result<Remapped, (i64, String)>]) -> Result<bool, AppError> {
    let mut progress: Progress =
        settings::get(tx.conn(), PROGRESS)?.and_then(|v| serde_json::from_slice(&v).ok()).unwrap_or_default();
    for item in slice {
        match item {
            Ok(r) => {
                if saps::remap_sap_version(tx, r.id, &r.sections, &findings_json(&r.findings), MAPPING)? {
                    for p in &r.policies {
                        // The rows keep the time of the import they came with.
                        policies::insert_sap_policy(tx, r.imported_at, r.recipient, r.id, p)?;
                    }
                    progress.versions += 1;
                    progress.with_findings += u64::from(!r.findings.is_empty());
                }
            }
            Err((id, why)) => {
                tracing::warn!(sap_version = id, reason = %why, "stored SAP no longer reads; sections kept");
                let finding = [Finding { path: "/".into(), count: 1, reason: why.clone() }];
                // Its sections and policy rows stay as they were.
                saps::mark_sap_unreadable(tx, *id, &findings_json(&finding), MAPPING)?;
                progress.unreadable += 1;
            }
        }
    }
    if saps::any_stale_sap(tx.conn(), MAPPING)? {
        settings::put(tx, PROGRESS, &serde_json::to_vec(&progress).unwrap_or_default())?;
        return Ok(false);
    }
    if progress.versions + progress.unreadable > 0 {
        let remapped = SapRemapped {
            mapping: MAPPING,
            versions: progress.versions,
            with_findings: progress.with_findings,
            unreadable: progress.unreadable,
        };
        audit::append(tx, now, &Actor::system(), &AuditEvent::of_change(&remapped).map_err(AppError::internal)?)?;
    }
    settings::delete(tx, PROGRESS)?;
    Ok(true)
}

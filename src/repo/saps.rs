//! The SAP versions of a recipient: the latest one as a scope may see it, the history the
//! import numbers new versions from.

use rusqlite::{Connection, OptionalExtension, params};

use super::WriteTx;
use super::recipient_scope::VISIBLE;
use crate::access::RecipientScope;
use crate::domain::ids::{ProviderId, RecipientId};
use crate::domain::timestamp::Timestamp;
use crate::error::AppError;

/// The latest stored SAP of a recipient.
#[derive(Debug, Clone)]
pub struct StoredSap {
    pub version: i64,
    pub imported_at: Timestamp,
    /// Sections 0-5 as typed JSON.
    pub sections: String,
    /// JSON array of what the file carried outside the schema.
    pub findings: String,
}

pub fn latest_sap(conn: &Connection, scope: &RecipientScope, id: RecipientId) -> Result<Option<StoredSap>, AppError> {
    let provider = scope.provider_filter().map(ProviderId::get);
    Ok(conn
        .prepare_cached(&format!(
            "SELECT version, imported_at, sections, findings FROM sap_version WHERE recipient_id = ?1 AND {VISIBLE}
                 ORDER BY version DESC LIMIT 1"
        ))?
        .query_row(params![id.get(), provider], |r| {
            Ok(StoredSap { version: r.get(0)?, imported_at: r.get(1)?, sections: r.get(2)?, findings: r.get(3)? })
        })
        .optional()?)
}

// --- writes (imports) -------------------------------------------------------------------

/// (version, section-0 update date, sha256 of the original file)
pub type SapHistoryEntry = (i64, String, String);

/// Every stored SAP of a codice fiscale.
pub fn sap_history(tx: &WriteTx<'_>, cf: &str) -> Result<Option<Vec<SapHistoryEntry>>, AppError> {
    let mut stmt = tx.conn().prepare_cached(
        "SELECT sv.version, sv.updated_on, sv.sha256 FROM sap_version sv JOIN recipient_all r ON r.id = sv.recipient_id
         WHERE r.codice_fiscale = ?1",
    )?;
    let rows = stmt.query_map([cf], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<Result<Vec<_>, _>>()?;
    Ok((!rows.is_empty()).then_some(rows))
}

/// The latest stored version number, for numbering the next one (the original file is not
/// read: it can be hundreds of kilobytes).
pub fn latest_sap_version(tx: &WriteTx<'_>, recipient: RecipientId) -> Result<Option<i64>, AppError> {
    Ok(tx
        .conn()
        .prepare_cached("SELECT max(version) FROM sap_version WHERE recipient_id = ?1")?
        .query_row([recipient.get()], |r| r.get(0))?)
}

pub struct NewSapVersion<'a> {
    pub recipient: RecipientId,
    pub version: i64,
    pub sap_code: &'a str,
    pub updated_on: &'a str,
    pub file_name: &'a str,
    pub encoding: &'a str,
    pub original: &'a [u8],
    pub sha256: &'a str,
    pub sections: &'a str,
    /// JSON array of the file's schema findings.
    pub findings: &'a str,
    /// The element mapping the sections were read with (`sap_schema::MAPPING`).
    pub mapping: i64,
}

pub fn insert_sap_version(tx: &WriteTx<'_>, now: Timestamp, s: &NewSapVersion<'_>) -> Result<i64, AppError> {
    tx.conn().prepare_cached("INSERT INTO sap_version (recipient_id, version, sap_code, updated_on, imported_at, file_name, encoding, original,
                                  sha256, sections, findings, mapping)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)")?.execute(
        params![
            s.recipient.get(),
            s.version,
            s.sap_code,
            s.updated_on,
            now,
            s.file_name,
            s.encoding,
            s.original,
            s.sha256,
            s.sections,
            s.findings,
            s.mapping
        ],
    )?;
    Ok(tx.conn().last_insert_rowid())
}

// --- re-reading stored SAPs -------------------------------------------------------------

/// A stored SAP version read with an older element mapping.
#[derive(Debug, Clone)]
pub struct StaleSap {
    pub id: i64,
    pub recipient: RecipientId,
    pub imported_at: Timestamp,
    pub original: Vec<u8>,
}

/// The next `limit` versions (by id, after `after`) read with a mapping older than `mapping`.
pub fn stale_saps(conn: &Connection, mapping: i64, after: i64, limit: usize) -> Result<Vec<StaleSap>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, recipient_id, imported_at, original FROM sap_version
         WHERE mapping < ?1 AND id > ?2 ORDER BY mapping, id LIMIT ?3",
    )?;
    let rows = stmt
        .query_map(params![mapping, after, limit as i64], |r| {
            Ok(StaleSap {
                id: r.get(0)?,
                recipient: RecipientId::from_db(r.get(1)?),
                imported_at: r.get(2)?,
                original: r.get(3)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Whether any version is still read with a mapping older than `mapping`.
pub fn any_stale_sap(conn: &Connection, mapping: i64) -> Result<bool, AppError> {
    Ok(conn
        .prepare_cached("SELECT EXISTS(SELECT 1 FROM sap_version WHERE mapping < ?1)")?
        .query_row([mapping], |r| r.get(0))?)
}

// Both name the recipient as well as the version: the only index on `sap_version_id` is
// `policy_recipient` (recipient_id, sap_version_id). Without it each scanned the whole policy
// table (60 ms at 200k rows, inside the writer, for every action recorded).
const DELETE_VERSION_POLICIES: &str =
    "DELETE FROM policy WHERE recipient_id = (SELECT recipient_id FROM sap_version WHERE id = ?1)
         AND sap_version_id = ?1 AND origin = 'sap'";
const LATEST_PRESA_IN_CARICO: &str = "SELECT identificativo_presa_in_carico FROM policy
     WHERE recipient_id = ?1 AND sap_version_id = ?2 AND origin = 'sap' AND identificativo_presa_in_carico <> ''
     ORDER BY data_proposta DESC, id DESC LIMIT 1";

/// Replaces a version's sections and findings (the original and the version number stay);
/// false when another run already did it.
pub fn remap_sap_version(
    tx: &WriteTx<'_>,
    id: i64,
    sections: &str,
    findings: &str,
    mapping: i64,
) -> Result<bool, AppError> {
    let changed = tx
        .conn()
        .prepare_cached(
            "UPDATE sap_version SET sections = ?2, findings = ?3, mapping = ?4 WHERE id = ?1 AND mapping < ?4",
        )?
        .execute(params![id, sections, findings, mapping])?;
    if changed > 0 {
        tx.conn().prepare_cached(DELETE_VERSION_POLICIES)?.execute([id])?;
    }
    Ok(changed > 0)
}

/// A stored version that no longer reads: its sections stay, the reason goes to its findings.
pub fn mark_sap_unreadable(tx: &WriteTx<'_>, id: i64, findings: &str, mapping: i64) -> Result<(), AppError> {
    tx.conn()
        .prepare_cached("UPDATE sap_version SET findings = ?2, mapping = ?3 WHERE id = ?1 AND mapping < ?3")?
        .execute(params![id, findings, mapping])?;
    Ok(())
}

/// What a new action takes from the person's latest SAP: the profiling coefficient (when it is
/// a decimal, as the schema wants it) and the most recent presa in carico of section VI.
#[derive(Debug, Clone, Default)]
pub struct SapFacts {
    pub indice_profiling: String,
    pub presa_in_carico: String,
}

pub fn latest_sap_facts(conn: &Connection, recipient: RecipientId) -> Result<SapFacts, AppError> {
    let latest: Option<(i64, String)> = conn
        .prepare_cached("SELECT id, sections FROM sap_version WHERE recipient_id = ?1 ORDER BY version DESC LIMIT 1")?
        .query_row([recipient.get()], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((version, sections)) = latest else { return Ok(SapFacts::default()) };
    let sections: serde_json::Value = serde_json::from_str(&sections).unwrap_or_default();
    let indice_profiling = sections
        .pointer("/section2/stato_in_anagrafe/indice_profiling")
        .and_then(|v| v.as_str())
        .filter(|v| crate::infra::sap_schema::is_decimal(v))
        .unwrap_or_default()
        .to_owned();
    let presa_in_carico: Option<String> =
        conn.prepare_cached(LATEST_PRESA_IN_CARICO)?.query_row([recipient.get(), version], |r| r.get(0)).optional()?;
    Ok(SapFacts { indice_profiling, presa_in_carico: presa_in_carico.unwrap_or_default() })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The query plan, one step a line.
    fn plan(conn: &Connection, sql: &str, params: &[&dyn rusqlite::ToSql]) -> String {
        let mut stmt = conn.prepare_cached(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let steps = stmt.query_map(params, |r| r.get::<_, String>(3)).unwrap();
        steps.collect::<Result<Vec<_>, _>>().unwrap().join("\n")
    }

    #[test]
    fn policy_rows_of_a_sap_version_are_found_through_the_index() {
        let dir = tempfile::tempdir().unwrap();
        let conn = crate::repo::open_and_migrate(&dir.path().join("d.db"), |_| Ok(())).unwrap();
        let one: &dyn rusqlite::ToSql = &1;
        for (sql, params) in [(LATEST_PRESA_IN_CARICO, vec![one, one]), (DELETE_VERSION_POLICIES, vec![one])] {
            let plan = plan(&conn, sql, &params);
            assert!(plan.contains("USING INDEX policy_recipient"), "{sql}\n{plan}");
            assert!(!plan.contains("SCAN policy"), "{sql}\n{plan}");
        }
    }
}

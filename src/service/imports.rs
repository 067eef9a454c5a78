//! Imports from the CPI: voucher assignments (CSV, written in slices by
//! `assignment_import`) and SAPs (XML). Each file is imported whole or not at all, with one
//! audit row, and answers a report of what was imported, updated and refused, with the line
//! or element that failed.

use serde_json::json;
use sha2::{Digest, Sha256};

use crate::access::AdminAuthority;
use crate::domain::audit_changes::SapImported;
use crate::domain::audit_event::AuditEvent;
use crate::domain::sap::Sap;
use crate::domain::timestamp::Timestamp;
use crate::error::AppError;
use crate::infra::sap_schema::{Finding, MAPPING};
use crate::repo::{WriteTx, audit, policies, recipients, saps};

/// Sections 0-5 as stored in `sap_version.sections` (section 6 goes to `policy` rows).
pub fn sections_json(sap: &Sap) -> String {
    json!({
        "section0": sap.dati_invio,
        "section1": sap.dati_anagrafici,
        "section2": sap.dati_amministrativi,
        "section4": sap.esperienze_lavoro,
        "section5": sap.informazioni_curriculari,
    })
    .to_string()
}

pub fn findings_json(findings: &[Finding]) -> String {
    serde_json::to_string(findings).unwrap_or_else(|_| "[]".into())
}

/// The JSON report of the API and the screen:
/// `{"imported","updated","refused":[...],"findings":[...]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImportReport {
    pub imported: usize,
    pub updated: usize,
    pub refused: Vec<Refused>,
    /// What imported SAP files carried that the national schema does not allow: reported,
    /// never a refusal (the SAP page flags it too).
    #[serde(default)]
    pub findings: Vec<ReportedFinding>,
}

/// A [`Finding`] of one file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReportedFinding {
    pub file: String,
    pub path: String,
    pub count: u32,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Refused {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
    pub reason: String,
}

impl ImportReport {
    pub fn merge(&mut self, other: ImportReport) {
        self.imported += other.imported;
        self.updated += other.updated;
        self.refused.extend(other.refused);
        self.findings.extend(other.findings);
    }
}

/// Imports one SAP file: refused whole (with the element path) if it cannot be read; a first
/// SAP for the person is "imported", a newer one for a known SAP is "updated" (a new version,
/// the old kept); the same file again changes nothing.
pub fn sap(
    tx: &WriteTx<'_>,
    now: Timestamp,
    who: &AdminAuthority,
    file_name: &str,
    bytes: &[u8],
) -> Result<ImportReport, AppError> {
    match read_sap(file_name, bytes.to_vec()) {
        Ok(file) => store_sap(tx, now, who, &file),
        Err(refused) => Ok(refused),
    }
}

/// A SAP file read and checked, ready to store.
pub struct SapFile {
    file_name: String,
    bytes: Vec<u8>,
    sha: String,
    parsed: crate::infra::sap_xml::ParsedSap,
}

/// Reads a SAP file, outside the writer (parsing is most of an import's work): a file that
/// cannot be read is refused whole, with the element that failed.
pub fn read_sap(file_name: &str, bytes: Vec<u8>) -> Result<SapFile, ImportReport> {
    match crate::infra::sap_xml::parse(&bytes) {
        Ok(parsed) => {
            Ok(SapFile { file_name: file_name.to_owned(), sha: hex::encode(Sha256::digest(&bytes)), bytes, parsed })
        }
        Err(e) => Err(ImportReport {
            refused: vec![Refused {
                file: Some(file_name.to_owned()),
                line: None,
                column: None,
                reason: e.to_string(),
            }],
            ..ImportReport::default()
        }),
    }
}

/// Stores a SAP file read by [`read_sap`], in the caller's write transaction.
pub fn store_sap(
    tx: &WriteTx<'_>,
    now: Timestamp,
    who: &AdminAuthority,
    file: &SapFile,
) -> Result<ImportReport, AppError> {
    let mut report = ImportReport::default();
    let (file_name, bytes, parsed) = (file.file_name.as_str(), file.bytes.as_slice(), &file.parsed);
    let cf = parsed.codice_fiscale.to_string();
    let sap = &parsed.sap;
    let updated_on = sap.dati_invio.data_ultimo_aggiornamento.clone().unwrap_or_default();
    // Before any write: the same file again changes nothing; an older SAP than the one on
    // file (bulk imports come in no order) must not become the current one.
    let sha = file.sha.clone();
    match saps::sap_history(tx, &cf)? {
        Some(history) if history.iter().any(|(_, _, s)| *s == sha) => return Ok(report),
        Some(history) => {
            if let Some((_, latest_updated_on, _)) = history.iter().max_by_key(|(v, _, _)| *v)
                && !updated_on.is_empty()
                && updated_on.as_str() < latest_updated_on.as_str()
            {
                report.refused.push(Refused {
                    file: Some(file_name.to_owned()),
                    line: None,
                    column: None,
                    reason: format!(
                        "SAP aggiornata al {updated_on}, più vecchia di quella già in archivio (aggiornata al {latest_updated_on}): non importata"
                    ),
                });
                return Ok(report);
            }
        }
        None => {}
    }
    let anagrafici = &sap.dati_anagrafici;
    let (recipient, _) = recipients::upsert_from_sap(tx, now, &cf, &anagrafici.dati_personali, &anagrafici.recapiti)?;
    let version = saps::latest_sap_version(tx, recipient)?.map_or(1, |v| v + 1);
    let sections = sections_json(sap);
    let findings = findings_json(&parsed.findings);
    let version_id = saps::insert_sap_version(
        tx,
        now,
        &saps::NewSapVersion {
            recipient,
            version,
            sap_code: sap.dati_invio.identificativo_sap.as_deref().unwrap_or(""),
            updated_on: sap.dati_invio.data_ultimo_aggiornamento.as_deref().unwrap_or(""),
            file_name,
            encoding: &parsed.encoding,
            original: bytes,
            sha256: &sha,
            sections: &sections,
            findings: &findings,
            mapping: MAPPING,
        },
    )?;
    for policy in &sap.politiche_attive {
        policies::insert_sap_policy(tx, now, recipient, version_id, policy)?;
    }
    if version == 1 {
        report.imported = 1;
    } else {
        report.updated = 1;
    }
    report.findings = parsed
        .findings
        .iter()
        .map(|f| ReportedFinding {
            file: file_name.to_owned(),
            path: f.path.clone(),
            count: f.count,
            reason: f.reason.clone(),
        })
        .collect();
    let imported = SapImported {
        recipient,
        file: file_name,
        sha256: &sha,
        cf: &cf,
        version,
        policies: sap.politiche_attive.len(),
        warnings: &parsed.warnings,
        findings: parsed.findings.len(),
    };
    let event = AuditEvent::of_change(&imported).map_err(AppError::internal)?;
    audit::append(tx, now, who.actor(), &event)?;
    Ok(report)
}

//! `import csv|sap|codes`: the CPI's files, each whole or not at all.

use std::path::Path;

use super::{open_data, os_user};
use crate::access::AdminAuthority;
use crate::domain::audit_changes::CodesImported;
use crate::domain::audit_event::AuditEvent;
use crate::domain::italian::count;
use crate::error::AppError;
use crate::infra::clock::Clock;
use crate::repo;
use crate::service;
use crate::service::imports::ImportReport;

/// Imports voucher-assignment CSV files, each whole or not at all (unless `valid_only`),
/// printing a line per file to stderr as it goes. Returns the combined report. Each file is
/// written in short transactions (a server running beside it keeps answering) and becomes
/// visible at once.
pub fn import_csv(
    data: &Path,
    clock: &dyn Clock,
    files: &[std::path::PathBuf],
    valid_only: bool,
) -> Result<ImportReport, AppError> {
    let mut conn = open_data(data, clock)?;
    let read = repo::open_ro(data)?;
    let who = AdminAuthority::command_line(os_user().as_deref());
    let mut total = ImportReport::default();
    for (i, file) in files.iter().enumerate() {
        let bytes = std::fs::read(file)
            .map_err(|e| AppError::declined_by(format!("{}: file non accessibile", file.display()), e))?;
        let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let upload = service::assignment_import::Upload { file_name: &name, bytes: &bytes, valid_only };
        let mut writes = service::assignment_import::OwnConnection(&mut conn);
        let mut report = service::assignment_import::run(&mut writes, data, &read, clock, &who, &upload)?;
        eprintln!(
            "[{}/{}] {}: {}, {}, {}",
            i + 1,
            files.len(),
            file.display(),
            count(report.imported, "importato", "importati"),
            count(report.updated, "aggiornato", "aggiornati"),
            count(report.refused.len(), "rifiutato", "rifiutati")
        );
        for r in &mut report.refused {
            r.file = Some(file.display().to_string());
        }
        total.merge(report);
    }
    Ok(total)
}

/// Replaces or adds code-list labels from a `lista;codice;descrizione` file (UTF-8 or
/// Windows-1252), audited. Returns how many codes were written.
pub fn import_codes(data: &Path, clock: &dyn Clock, file: &Path) -> Result<usize, AppError> {
    let bytes = std::fs::read(file)
        .map_err(|e| AppError::declined_by(format!("{}: file non accessibile", file.display()), e))?;
    let (text, _) = crate::domain::assignment::decode(&bytes);
    let rows = repo::codes::parse(&text);
    if rows.is_empty() {
        return Err(AppError::declined(format!(
            "{}: nessun codice (atteso: lista;codice;descrizione)",
            file.display()
        )));
    }
    let mut conn = open_data(data, clock)?;
    let who = AdminAuthority::command_line(os_user().as_deref());
    let now = clock.now();
    repo::write_once(&mut conn, |tx| {
        let n = repo::codes::import(tx, &rows)?;
        let imported = CodesImported { file: &file.display().to_string(), codes: n };
        let event = AuditEvent::of_change(&imported).map_err(AppError::internal)?;
        repo::audit::append(tx, now, who.actor(), &event)?;
        Ok(n)
    })
}

/// Files per transaction when importing SAPs: each file still in its own savepoint. Small
/// enough that a server running beside the import waits a few milliseconds at most.
const SAP_BATCH: usize = 50;

/// Imports SAP XML files; each file whole or not at all, in batches that share one commit.
/// Files are read and parsed before their transaction, which only stores them.
pub fn import_sap(data: &Path, clock: &dyn Clock, files: &[std::path::PathBuf]) -> Result<ImportReport, AppError> {
    let mut conn = open_data(data, clock)?;
    let who = AdminAuthority::command_line(os_user().as_deref());
    let mut total = ImportReport::default();
    let mut done = 0;
    for chunk in files.chunks(SAP_BATCH) {
        let mut read = Vec::new();
        for file in chunk {
            let name = file.display().to_string();
            match std::fs::read(file) {
                Ok(bytes) => match service::imports::read_sap(&name, bytes) {
                    Ok(sap) => read.push((name, sap)),
                    Err(refused) => total.merge(refused),
                },
                Err(e) => total.refused.push(service::imports::Refused {
                    file: Some(name),
                    line: None,
                    column: None,
                    reason: e.to_string(),
                }),
            }
        }
        let now = clock.now();
        let results =
            repo::write_each(&mut conn, &read, |tx, (_, sap)| service::imports::store_sap(tx, now, &who, sap))?;
        for ((name, _), result) in read.iter().zip(results) {
            match result {
                Ok(report) => total.merge(report),
                Err(e) => total.refused.push(service::imports::Refused {
                    file: Some(name.clone()),
                    line: None,
                    column: None,
                    reason: e.to_string(),
                }),
            }
        }
        done += chunk.len();
        eprintln!(
            "[{done}/{}] SAP: {}, {}, {}",
            files.len(),
            count(total.imported, "importata", "importate"),
            count(total.updated, "aggiornata", "aggiornate"),
            count(total.refused.len(), "rifiutata", "rifiutate")
        );
    }
    Ok(total)
}

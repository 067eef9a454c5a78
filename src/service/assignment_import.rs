//! Importing a voucher-assignment CSV without stopping the office. The single writer is shared
//! by every audited view, so a file of 100,000 rows must not hold it for minutes:
//!
//! 1. one import at a time per data file (a lock file: the server and the command line alike);
//!    rows an earlier import left behind when its process died are removed first;
//! 2. the file is read and validated outside the writer, on a read connection: with any
//!    refused row (and not `valid_only`) nothing is written at all;
//! 3. the rows are written in slices of a few tens of milliseconds each, hidden from readers
//!    (`repo::imports`), the progress recorded with each slice;
//! 4. one last short transaction makes the whole file visible at once, with its audit row.
//!
//! Interrupted anywhere (an error, `kill -9`, a power cut), the import leaves only hidden rows,
//! removed by the next import or at the next start: the user gets the whole file or nothing.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::time::{Duration, Instant};

use rusqlite::Connection;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::imports::{ImportReport, Refused};
use crate::access::AdminAuthority;
use crate::domain::assignment::{self, RowError};
use crate::domain::audit_changes::AssignmentsImported;
use crate::domain::audit_event::AuditEvent;
use crate::domain::ids::ProviderId;
use crate::domain::timestamp::Timestamp;
use crate::error::{AppError, FieldError};
use crate::infra::clock::Clock;
use crate::infra::instance_lock::{InstanceLock, LockError, import_lock_path};
use crate::repo::writer::Writer;
use crate::repo::{WriteTx, audit, imports, providers, vouchers};

/// What one writer job of an import aims to take: short enough that a view waiting for its
/// audit row behind it does not notice, long enough that commits do not dominate.
const SLICE_TARGET: Duration = Duration::from_millis(15);
/// Rows in the first slice, before the pace is known; and the bounds the pace stays within.
const FIRST_SLICE: usize = 200;
const SLICE_BOUNDS: (usize, usize) = (20, 5_000);
/// Set-aside changes or hidden rows deleted per job when cleaning up.
const CLEANUP_SLICE: i64 = 2_000;

/// Runs write jobs: the server's writer thread, or the command line's own connection.
pub trait WriteRunner {
    fn write<R, F>(&mut self, work: F) -> Result<R, AppError>
    where
        F: FnOnce(&WriteTx<'_>) -> Result<R, AppError> + Send + 'static,
        R: Send + 'static;
}

impl WriteRunner for Writer {
    fn write<R, F>(&mut self, work: F) -> Result<R, AppError>
    where
        F: FnOnce(&WriteTx<'_>) -> Result<R, AppError> + Send + 'static,
        R: Send + 'static,
    {
        self.write_blocking(work)
    }
}

/// A connection of its own, one transaction per job (the command line, beside a server).
pub struct OwnConnection<'c>(pub &'c mut Connection);

impl WriteRunner for OwnConnection<'_> {
    fn write<R, F>(&mut self, work: F) -> Result<R, AppError>
    where
        F: FnOnce(&WriteTx<'_>) -> Result<R, AppError> + Send + 'static,
        R: Send + 'static,
    {
        crate::repo::write_once(self.0, work)
    }
}

/// One file to import.
pub struct Upload<'a> {
    pub file_name: &'a str,
    pub bytes: &'a [u8],
    pub valid_only: bool,
}

/// Imports one file (steps 1-4 above) and returns its report. `read` is a read-only
/// connection to the same data file; `data` its path (for the lock file).
pub fn run<W: WriteRunner>(
    w: &mut W,
    data: &Path,
    read: &Connection,
    clock: &dyn Clock,
    who: &AdminAuthority,
    upload: &Upload<'_>,
) -> Result<ImportReport, AppError> {
    let sha256 = hex::encode(Sha256::digest(upload.bytes));
    let _lock = match InstanceLock::try_acquire_at(import_lock_path(data), data) {
        Ok(lock) => lock,
        Err(LockError::Busy(_)) => return Err(busy(read, &sha256)),
        Err(e @ LockError::Io(..)) => return Err(AppError::internal(e)),
    };
    recover_locked(w, read, clock)?;
    let (file_name, valid_only, label) = (upload.file_name.to_owned(), upload.valid_only, who.label().to_owned());
    let (sha, now) = (sha256.clone(), clock.now());
    let batch = w.write(move |tx| imports::begin(tx, now, &file_name, &sha, valid_only, &label))?;
    let outcome = write_file(w, read, clock, who, batch, &sha256, upload);
    if let Err(cause) = &outcome {
        tracing::error!(batch, %cause, "import failed; removing its hidden rows");
        let report = json!({ "errore": "importazione non completata: nessuna riga è stata importata" }).to_string();
        if let Err(e) = remove(w, clock, batch, report) {
            // The next import (or the next start) removes them; they stay hidden meanwhile.
            tracing::error!(batch, %e, "removing the rows of a failed import");
        }
    }
    outcome
}

/// Steps 2-4 for a recorded batch.
fn write_file<W: WriteRunner>(
    w: &mut W,
    read: &Connection,
    clock: &dyn Clock,
    who: &AdminAuthority,
    batch: i64,
    sha256: &str,
    upload: &Upload<'_>,
) -> Result<ImportReport, AppError> {
    let (text, _) = assignment::decode(upload.bytes);
    let checked = validate(read, &text)?;
    let mut report = ImportReport { refused: checked.refused.clone(), ..ImportReport::default() };
    if !report.refused.is_empty() && !upload.valid_only {
        // Whole file or nothing: nothing is written.
        let json = report_json(&report)?;
        let now = clock.now();
        w.write(move |tx| imports::refuse(tx, batch, now, &json))?;
        return Ok(report);
    }
    let total = checked.rows;
    w.write(move |tx| imports::start_applying(tx, batch, total))?;
    let mut rows =
        assignment::Rows::new(&text).map_err(|_| AppError::unexpected("header validated, then unreadable"))?;
    let mut size = FIRST_SLICE;
    loop {
        let mut slice = Vec::with_capacity(size);
        for item in rows.by_ref() {
            let Ok((line, a)) = item else { continue };
            if checked.skip.contains(&line) {
                continue;
            }
            let provider = match checked.providers.resolve(&a.ente) {
                [p] => *p,
                _ => return Err(AppError::unexpected("ente validated, then unresolved")),
            };
            slice.push((a, provider));
            if slice.len() >= size {
                break;
            }
        }
        if slice.is_empty() {
            break;
        }
        let now = clock.now();
        let (counts, took) = w.write(move |tx| {
            let started = Instant::now();
            let counts = imports::apply_rows(tx, batch, now, &slice)?;
            Ok((counts, started.elapsed()))
        })?;
        report.imported += counts.imported;
        report.updated += counts.updated;
        size = next_slice_size(size, took);
    }
    let json = report_json(&report)?;
    let event = AuditEvent::of_change(&AssignmentsImported {
        file: upload.file_name,
        sha256,
        imported: report.imported,
        updated: report.updated,
        refused: report.refused.len(),
        valid_only: upload.valid_only,
        batch,
    })
    .map_err(AppError::internal)?;
    let (actor, now) = (who.actor().clone(), clock.now());
    let audited = report.imported + report.updated > 0;
    w.write(move |tx| {
        imports::make_visible(tx, batch, now, &json)?;
        if audited {
            audit::append(tx, now, &actor, &event)?;
        }
        Ok(())
    })?;
    // Applied changes set aside: deleting them changes nothing readers see.
    while w.write(move |tx| imports::clear_changes(tx, batch, CLEANUP_SLICE))? > 0 {}
    Ok(report)
}

/// Keeps each job near [`SLICE_TARGET`] whatever the machine and the load.
fn next_slice_size(size: usize, took: Duration) -> usize {
    let took = took.as_secs_f64().max(1e-4);
    let scaled = (size as f64 * SLICE_TARGET.as_secs_f64() / took) as usize;
    // Grow gently (a slow slice after a fast one costs a view its wait), shrink at once.
    scaled.min(size.saturating_mul(2)).clamp(SLICE_BOUNDS.0, SLICE_BOUNDS.1)
}

fn report_json(report: &ImportReport) -> Result<String, AppError> {
    serde_json::to_string(report).map_err(AppError::internal)
}

/// The answer to a second import while one runs: the same file, or another one.
fn busy(read: &Connection, sha256: &str) -> AppError {
    let message = match imports::unfinished(read) {
        Ok(Some(b)) if b.sha256 == sha256 => format!(
            "questo file è già in corso di importazione ({} di {} righe scritte): attendere che finisca",
            b.rows_done, b.rows_total
        ),
        Ok(Some(b)) => format!(
            "è in corso l'importazione del file «{}» ({} di {} righe scritte): riprovare al termine",
            b.file_name, b.rows_done, b.rows_total
        ),
        _ => "è in corso un'altra importazione: riprovare al termine".into(),
    };
    AppError::Conflict(FieldError { field: "file".into(), message })
}

/// Removes what an import whose process died left behind, if no import is running now.
/// The server calls it at start; every import calls it (holding the lock) before its own.
pub fn recover<W: WriteRunner>(w: &mut W, data: &Path, read: &Connection, clock: &dyn Clock) -> Result<(), AppError> {
    // Nothing left behind (every ordinary start): take no lock, or an import asked for in this
    // moment would be told that another one runs.
    if imports::unfinished(read)?.is_none() {
        return Ok(());
    }
    match InstanceLock::try_acquire_at(import_lock_path(data), data) {
        Ok(_lock) => recover_locked(w, read, clock),
        // Someone is importing: that import recovers first.
        Err(LockError::Busy(_)) => Ok(()),
        Err(e @ LockError::Io(..)) => Err(AppError::internal(e)),
    }
}

fn recover_locked<W: WriteRunner>(w: &mut W, read: &Connection, clock: &dyn Clock) -> Result<(), AppError> {
    // Holding the lock, an unfinished batch has no living owner.
    while let Some(batch) = imports::unfinished(read)? {
        tracing::warn!(batch = batch.id, file = %batch.file_name, "removing the rows of an interrupted import");
        let report =
            json!({ "errore": "importazione interrotta (arresto del programma): nessuna riga è stata importata" })
                .to_string();
        remove(w, clock, batch.id, report)?;
    }
    Ok(())
}

/// Deletes the hidden rows of an unfinished batch in slices, then closes it.
fn remove<W: WriteRunner>(w: &mut W, clock: &dyn Clock, batch: i64, report: String) -> Result<(), AppError> {
    while w.write(move |tx| imports::remove_hidden(tx, batch, CLEANUP_SLICE))? > 0 {}
    while w.write(move |tx| imports::clear_changes(tx, batch, CLEANUP_SLICE))? > 0 {}
    let now = clock.now();
    w.write(move |tx| imports::abandon(tx, batch, now, &report))
}

/// Imports a whole file inside the caller's transaction: the demo's seeding and the
/// benchmarks' data sets, which build a data file nobody is reading yet.
pub fn in_one_transaction(
    tx: &WriteTx<'_>,
    now: Timestamp,
    who: &AdminAuthority,
    file_name: &str,
    bytes: &[u8],
) -> Result<ImportReport, AppError> {
    let (text, _) = assignment::decode(bytes);
    let checked = validate(tx.conn(), &text)?;
    let mut report = ImportReport { refused: checked.refused.clone(), ..ImportReport::default() };
    if !report.refused.is_empty() {
        return Ok(report);
    }
    let sha256 = hex::encode(Sha256::digest(bytes));
    let batch = imports::begin(tx, now, file_name, &sha256, false, who.label())?;
    imports::start_applying(tx, batch, checked.rows)?;
    let mut rows = Vec::with_capacity(checked.rows);
    for (_, a) in assignment::Rows::new(&text).into_iter().flatten().flatten() {
        if let [p] = checked.providers.resolve(&a.ente) {
            rows.push((a, *p));
        }
    }
    let counts = imports::apply_rows(tx, batch, now, &rows)?;
    report.imported = counts.imported;
    report.updated = counts.updated;
    imports::make_visible(tx, batch, now, &report_json(&report)?)?;
    while imports::clear_changes(tx, batch, CLEANUP_SLICE)? > 0 {}
    let event = AuditEvent::of_change(&AssignmentsImported {
        file: file_name,
        sha256: &sha256,
        imported: report.imported,
        updated: report.updated,
        refused: 0,
        valid_only: false,
        batch,
    })
    .map_err(AppError::internal)?;
    audit::append(tx, now, who.actor(), &event)?;
    Ok(report)
}

/// Providers by every name the CPI may use for them: partita IVA / codice fiscale or
/// accreditation code. Read once per import instead of once per row.
pub struct ProviderIndex(HashMap<String, Vec<ProviderId>>);

impl ProviderIndex {
    pub fn load(conn: &Connection) -> Result<Self, AppError> {
        let mut index: HashMap<String, Vec<ProviderId>> = HashMap::new();
        for (id, cf, code) in providers::provider_names(conn)? {
            for key in [cf.to_uppercase(), code.to_uppercase()] {
                let ids = index.entry(key).or_default();
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
        Ok(Self(index))
    }

    /// The providers an `ente` names. Spreadsheets drop a partita IVA's leading zero: ten
    /// digits are read as eleven. More than one means the value is ambiguous.
    pub fn resolve(&self, ente: &str) -> &[ProviderId] {
        let mut key = ente.trim().to_uppercase();
        if key.len() == 10 && key.bytes().all(|b| b.is_ascii_digit()) {
            key.insert(0, '0');
        }
        self.0.get(&key).map_or(&[], Vec::as_slice)
    }
}

/// The outcome of reading a file through once, before anything is written.
pub struct Checked {
    /// Refused rows (and header problems), in line order.
    pub refused: Vec<Refused>,
    /// Lines of rows that read well but cannot be imported (skipped with `valid_only`).
    pub skip: HashSet<usize>,
    /// Rows to write.
    pub rows: usize,
    pub providers: ProviderIndex,
}

fn refusal(e: &RowError) -> Refused {
    let column = (!e.column.is_empty()).then(|| e.column.clone());
    let reason = if e.column.is_empty() { e.reason.clone() } else { format!("colonna {}: {}", e.column, e.reason) };
    Refused { file: None, line: Some(e.line), column, reason }
}

/// Reads the whole file and checks each row against the data file: the provider it names
/// must be one, and a known voucher must stay with its person and provider (such a change is a
/// case for the Region, not an import), in the data file as within the file itself.
pub fn validate(conn: &Connection, text: &str) -> Result<Checked, AppError> {
    let providers = ProviderIndex::load(conn)?;
    let mut refused = Vec::new();
    let mut skip = HashSet::new();
    let mut rows = 0;
    // Vouchers met earlier in this file: code -> (codice fiscale, provider).
    let mut seen: HashMap<String, (String, ProviderId)> = HashMap::new();
    let reader = match assignment::Rows::new(text) {
        Ok(r) => r,
        Err(errors) => {
            return Ok(Checked { refused: errors.iter().map(refusal).collect(), skip, rows, providers });
        }
    };
    for item in reader {
        let (line, a) = match item {
            Ok(row) => row,
            Err(errors) => {
                refused.extend(errors.iter().map(refusal));
                continue;
            }
        };
        let mut refuse = |column: &str, reason: String| {
            refused.push(refusal(&RowError { line, column: column.into(), reason }));
            skip.insert(line);
        };
        let provider = match providers.resolve(&a.ente) {
            [p] => *p,
            [] => {
                refuse(
                    "ente",
                    format!(
                        "nessun soggetto accreditato con codice fiscale, partita IVA o codice di accreditamento {}",
                        a.ente
                    ),
                );
                continue;
            }
            _ => {
                refuse("ente", format!("{} indica più di un soggetto accreditato", a.ente));
                continue;
            }
        };
        let owner = match seen.get(&a.voucher_code) {
            Some((cf, p)) => Some((cf.clone(), *p)),
            None => vouchers::voucher_owner(conn, &a.voucher_code)?,
        };
        if let Some((cf, owner_provider)) = owner {
            if cf != a.codice_fiscale.as_str() {
                refuse("codice_assegno", "assegno già registrato per un'altra persona".into());
                continue;
            }
            if owner_provider != provider {
                refuse(
                    "ente",
                    "l'assegno risulta già scelto presso un altro soggetto accreditato: il cambio va gestito dalla Regione"
                        .into(),
                );
                continue;
            }
        }
        seen.insert(a.voucher_code.clone(), (a.codice_fiscale.as_str().to_owned(), provider));
        rows += 1;
    }
    refused.sort_by_key(|r| r.line);
    Ok(Checked { refused, skip, rows, providers })
}

/// The server's assignment imports. Each runs on a blocking thread of its own, feeding the
/// writer slice after slice; it carries on if the requester goes away (the screen and the
/// API show its progress).
pub struct Importer {
    data: std::path::PathBuf,
    writer: Writer,
    clock: crate::infra::clock::SharedClock,
}

/// Each file's name and its outcome, in the order given.
pub type FileOutcomes = Vec<(String, Result<ImportReport, AppError>)>;

impl Importer {
    pub fn new(data: std::path::PathBuf, writer: Writer, clock: crate::infra::clock::SharedClock) -> Self {
        Self { data, writer, clock }
    }

    /// Imports the files one after the other.
    pub fn start(
        &self,
        who: AdminAuthority,
        files: Vec<(String, Vec<u8>)>,
        valid_only: bool,
    ) -> rocket::tokio::task::JoinHandle<FileOutcomes> {
        let (data, mut writer, clock) = (self.data.clone(), self.writer.clone(), self.clock.clone());
        rocket::tokio::task::spawn_blocking(move || {
            let read = crate::repo::open_ro(&data).map_err(AppError::from);
            files
                .into_iter()
                .map(|(file_name, bytes)| {
                    let outcome = match &read {
                        Ok(read) => {
                            let upload = Upload { file_name: &file_name, bytes: &bytes, valid_only };
                            run(&mut writer, &data, read, clock.as_ref(), &who, &upload)
                        }
                        Err(e) => Err(e.clone()),
                    };
                    (file_name, outcome)
                })
                .collect()
        })
    }

    /// At start: removes what an import interrupted by the previous process left (hidden).
    pub fn recover_in_background(&self) {
        let (data, mut writer, clock) = (self.data.clone(), self.writer.clone(), self.clock.clone());
        rocket::tokio::task::spawn_blocking(move || {
            let outcome = crate::repo::open_ro(&data)
                .map_err(AppError::from)
                .and_then(|read| recover(&mut writer, &data, &read, clock.as_ref()));
            if let Err(e) = outcome {
                tracing::error!(%e, "removing the rows of an interrupted import");
            }
        });
    }
}

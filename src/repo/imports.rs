//! Assignment imports written in slices (schema version 6): the batch record, the slices that
//! write the file's rows hidden from readers, the last transaction that makes them visible
//! together, and the removal of what an unfinished import left behind.
//!
//! Readers see `recipient` and `voucher` through views that hide rows of batches above the
//! horizon (`import_horizon.visible`); writes go to `recipient_all` and `voucher_all`. Imports
//! run one at a time (a lock file, see `service::assignment_import`), so at most one batch is
//! above the horizon, and it is removed before the next one starts.

use rusqlite::{Connection, OptionalExtension, params};

use super::WriteTx;
use crate::domain::assignment::Assignment;
use crate::domain::ids::ProviderId;
use crate::domain::timestamp::Timestamp;
use crate::error::AppError;

/// One import as recorded.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Batch {
    pub id: i64,
    pub file_name: String,
    pub sha256: String,
    pub valid_only: bool,
    /// validating | applying | done | refused | abandoned
    pub state: String,
    pub rows_total: i64,
    pub rows_done: i64,
    pub started_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    pub by_label: String,
    /// The JSON import report, once finished.
    #[serde(skip)]
    pub report: Option<String>,
}

const BATCH_COLUMNS: &str =
    "id, file_name, sha256, valid_only, state, rows_total, rows_done, started_at, finished_at, by_label, report";

fn batch_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Batch> {
    Ok(Batch {
        id: r.get(0)?,
        file_name: r.get(1)?,
        sha256: r.get(2)?,
        valid_only: r.get(3)?,
        state: r.get(4)?,
        rows_total: r.get(5)?,
        rows_done: r.get(6)?,
        started_at: r.get(7)?,
        finished_at: r.get(8)?,
        by_label: r.get(9)?,
        report: r.get(10)?,
    })
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<Batch>, AppError> {
    Ok(conn
        .prepare_cached(&format!("SELECT {BATCH_COLUMNS} FROM import_batch WHERE id = ?1"))?
        .query_row([id], batch_row)
        .optional()?)
}

/// The import in progress (or left unfinished by a process that died), if any.
pub fn unfinished(conn: &Connection) -> Result<Option<Batch>, AppError> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {BATCH_COLUMNS} FROM import_batch WHERE state IN ('validating', 'applying') ORDER BY id LIMIT 1"
        ))?
        .query_row([], batch_row)
        .optional()?)
}

/// The latest imports, newest first.
pub fn recent(conn: &Connection, limit: i64) -> Result<Vec<Batch>, AppError> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {BATCH_COLUMNS} FROM import_batch ORDER BY id DESC LIMIT ?1"))?;
    let rows = stmt.query_map([limit], batch_row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// One page of the imports, newest first, and how many there are in all.
pub fn page(conn: &Connection, limit: i64, offset: i64) -> Result<(Vec<Batch>, i64), AppError> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {BATCH_COLUMNS} FROM import_batch ORDER BY id DESC LIMIT ?1 OFFSET ?2"))?;
    let rows = stmt.query_map([limit, offset], batch_row)?.collect::<Result<Vec<_>, _>>()?;
    let total = conn.prepare_cached("SELECT count(*) FROM import_batch")?.query_row([], |r| r.get(0))?;
    Ok((rows, total))
}

/// Records a new import, about to be validated. Refused while another one is unfinished:
/// its rows must be removed first, or the horizon would one day show them.
pub fn begin(
    tx: &WriteTx<'_>,
    now: Timestamp,
    file_name: &str,
    sha256: &str,
    valid_only: bool,
    by_label: &str,
) -> Result<i64, AppError> {
    if let Some(other) = unfinished(tx.conn())? {
        return Err(AppError::unexpected(format!("import {} is unfinished", other.id)));
    }
    tx.conn()
        .prepare_cached(
            "INSERT INTO import_batch (kind, file_name, sha256, valid_only, state, started_at, by_label)
         VALUES ('assignments', ?1, ?2, ?3, 'validating', ?4, ?5)",
        )?
        .execute(params![file_name, sha256, valid_only, now, by_label])?;
    Ok(tx.conn().last_insert_rowid())
}

/// Validation passed: `rows` valid rows are about to be written.
pub fn start_applying(tx: &WriteTx<'_>, batch: i64, rows: usize) -> Result<(), AppError> {
    expect_one(
        tx.conn()
            .prepare_cached(
                "UPDATE import_batch SET state = 'applying', rows_total = ?2 WHERE id = ?1 AND state = 'validating'",
            )?
            .execute(params![batch, i64::try_from(rows).unwrap_or(i64::MAX)])?,
    )
}

/// The file was refused as a whole: nothing was written.
pub fn refuse(tx: &WriteTx<'_>, batch: i64, now: Timestamp, report: &str) -> Result<(), AppError> {
    expect_one(tx.conn().prepare_cached("UPDATE import_batch SET state = 'refused', finished_at = ?2, report = ?3 WHERE id = ?1 AND state = 'validating'")?.execute(
        params![batch, now, report],
    )?)
}

fn expect_one(changed: usize) -> Result<(), AppError> {
    if changed == 1 { Ok(()) } else { Err(AppError::unexpected("import batch not in the expected state")) }
}

/// What one slice wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SliceCounts {
    /// Vouchers new to the data file.
    pub imported: usize,
    /// Rows naming a voucher already known (changed or not).
    pub updated: usize,
}

/// What an assignment sets of a person: cognome, nome, birth_date, sex, email, phone.
type PersonFields = (String, String, Option<String>, Option<String>, String, String);
/// A recipient as stored: (id, batch, fields).
type StoredRecipient = (i64, i64, PersonFields);
/// What an assignment sets of a voucher: issued_on, cpi, profiling_band, chosen_on.
type VoucherFields = (String, String, String, String);
/// A voucher as stored: (id, batch, recipient_id, provider_id, fields).
type StoredVoucher = (i64, i64, i64, i64, VoucherFields);

/// Writes rows of `batch`: new people and vouchers hidden in the batch, changes to visible
/// ones set aside for [`make_visible`]. Each row costs a few indexed statements, whatever the
/// size of the file or of the data.
pub fn apply_rows(
    tx: &WriteTx<'_>,
    batch: i64,
    now: Timestamp,
    rows: &[(Assignment, ProviderId)],
) -> Result<SliceCounts, AppError> {
    let conn = tx.conn();
    let horizon: i64 = conn.prepare_cached("SELECT visible FROM import_horizon")?.query_row([], |r| r.get(0))?;
    let mut counts = SliceCounts::default();
    for (a, provider) in rows {
        let recipient = write_recipient(conn, batch, horizon, now, a)?;
        let existing: Option<StoredVoucher> = conn
            .prepare_cached(
                "SELECT id, batch, recipient_id, provider_id, issued_on, cpi, profiling_band, chosen_on
                 FROM voucher_all WHERE code = ?1",
            )?
            .query_row([&a.voucher_code], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, (r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)))
            })
            .optional()?;
        let Some((id, voucher_batch, owner, owner_provider, stored)) = existing else {
            conn.prepare_cached(
                "INSERT INTO voucher_all (recipient_id, code, issued_on, cpi, profiling_band, provider_id, chosen_on,
                                          created_at, updated_at, batch)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9)",
            )?
            .execute(params![
                recipient,
                a.voucher_code,
                a.issued_on,
                a.cpi,
                a.profiling_band,
                provider.get(),
                a.chosen_on,
                now,
                batch
            ])?;
            counts.imported += 1;
            continue;
        };
        counts.updated += 1;
        // Validation refused these; meeting one here means the data changed under the import.
        if owner != recipient || owner_provider != provider.get() {
            return Err(AppError::unexpected(format!("voucher {} changed owner during the import", a.voucher_code)));
        }
        if voucher_batch == batch {
            conn.prepare_cached(
                "UPDATE voucher_all SET issued_on = ?2, cpi = ?3, profiling_band = ?4, chosen_on = ?5, updated_at = ?6
                 WHERE id = ?1",
            )?
            .execute(params![id, a.issued_on, a.cpi, a.profiling_band, a.chosen_on, now])?;
            continue;
        }
        if voucher_batch > horizon {
            return Err(AppError::unexpected("rows of an unfinished import are still stored"));
        }
        let pending: Option<VoucherFields> = conn
            .prepare_cached(
                "SELECT issued_on, cpi, profiling_band, chosen_on FROM import_voucher_change
                 WHERE batch = ?1 AND voucher_id = ?2",
            )?
            .query_row(params![batch, id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .optional()?;
        let current = pending.unwrap_or(stored);
        let wanted = (a.issued_on.clone(), a.cpi.clone(), a.profiling_band.clone(), a.chosen_on.clone());
        if current != wanted {
            conn.prepare_cached(
                "INSERT OR REPLACE INTO import_voucher_change (batch, voucher_id, issued_on, cpi, profiling_band, chosen_on)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![batch, id, wanted.0, wanted.1, wanted.2, wanted.3])?;
        }
    }
    let written = i64::try_from(rows.len()).unwrap_or(i64::MAX);
    conn.prepare_cached("UPDATE import_batch SET rows_done = rows_done + ?2 WHERE id = ?1")?
        .execute(params![batch, written])?;
    Ok(counts)
}

/// The person of an assignment row: added hidden, updated in place if this import added
/// them, or their change set aside if readers already see them. Returns the id.
fn write_recipient(
    conn: &Connection,
    batch: i64,
    horizon: i64,
    now: Timestamp,
    a: &Assignment,
) -> Result<i64, AppError> {
    let stored: Option<StoredRecipient> = conn
        .prepare_cached(
            "SELECT id, batch, cognome, nome, birth_date, sex, email, phone FROM recipient_all WHERE codice_fiscale = ?1",
        )?
        .query_row([a.codice_fiscale.as_str()], |r| {
            Ok((r.get(0)?, r.get(1)?, (r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?, r.get(7)?)))
        })
        .optional()?;
    let Some((id, recipient_batch, fields)) = stored else {
        conn.prepare_cached(
            "INSERT INTO recipient_all (codice_fiscale, cognome, nome, birth_date, sex, email, phone, created_at,
                                        updated_at, batch)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, ?9)",
        )?
        .execute(params![
            a.codice_fiscale.as_str(),
            a.cognome,
            a.nome,
            a.birth_date,
            a.sex,
            a.email,
            a.phone,
            now,
            batch
        ])?;
        return Ok(conn.last_insert_rowid());
    };
    if recipient_batch == batch {
        conn.prepare_cached(
            "UPDATE recipient_all SET cognome = ?2, nome = ?3, birth_date = ?4, sex = ?5,
                    email = CASE WHEN ?6 = '' THEN email ELSE ?6 END,
                    phone = CASE WHEN ?7 = '' THEN phone ELSE ?7 END, updated_at = ?8
             WHERE id = ?1",
        )?
        .execute(params![id, a.cognome, a.nome, a.birth_date, a.sex, a.email, a.phone, now])?;
        return Ok(id);
    }
    if recipient_batch > horizon {
        return Err(AppError::unexpected("rows of an unfinished import are still stored"));
    }
    // Seen by readers: compare with what they will see once earlier rows of this file apply.
    let pending: Option<PersonFields> = conn
        .prepare_cached(
            "SELECT cognome, nome, birth_date, sex, email, phone FROM import_recipient_change
             WHERE batch = ?1 AND recipient_id = ?2",
        )?
        .query_row(params![batch, id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)))
        .optional()?;
    let current = pending.unwrap_or(fields);
    // An empty email or phone in the file keeps the one on record.
    let wanted = (
        a.cognome.clone(),
        a.nome.clone(),
        Some(a.birth_date.clone()),
        Some(a.sex.clone()),
        if a.email.is_empty() { current.4.clone() } else { a.email.clone() },
        if a.phone.is_empty() { current.5.clone() } else { a.phone.clone() },
    );
    if current != wanted {
        conn.prepare_cached(
            "INSERT OR REPLACE INTO import_recipient_change (batch, recipient_id, cognome, nome, birth_date, sex, email, phone)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?
        .execute(params![batch, id, wanted.0, wanted.1, wanted.2, wanted.3, wanted.4, wanted.5])?;
    }
    Ok(id)
}

/// The import's last transaction: the changes set aside are applied, the horizon moves past
/// the batch (every hidden row appears at once), and the batch is done with its report.
/// Its cost is the number of changed rows readers already saw; new rows cost nothing here.
pub fn make_visible(tx: &WriteTx<'_>, batch: i64, now: Timestamp, report: &str) -> Result<(), AppError> {
    let conn = tx.conn();
    conn.prepare_cached(
        "UPDATE recipient_all SET cognome = c.cognome, nome = c.nome, birth_date = c.birth_date, sex = c.sex,
                email = c.email, phone = c.phone, updated_at = ?2
         FROM import_recipient_change c WHERE c.batch = ?1 AND recipient_all.id = c.recipient_id",
    )?
    .execute(params![batch, now])?;
    conn.prepare_cached(
        "UPDATE voucher_all SET issued_on = c.issued_on, cpi = c.cpi, profiling_band = c.profiling_band,
                chosen_on = c.chosen_on, updated_at = ?2, version = version + 1
         FROM import_voucher_change c WHERE c.batch = ?1 AND voucher_all.id = c.voucher_id",
    )?
    .execute(params![batch, now])?;
    expect_one(conn.prepare_cached("UPDATE import_horizon SET visible = ?1 WHERE visible < ?1")?.execute([batch])?)?;
    expect_one(conn.prepare_cached("UPDATE import_batch SET state = 'done', finished_at = ?2, report = ?3 WHERE id = ?1 AND state = 'applying'")?.execute(
        params![batch, now, report],
    )?)
}

/// Deletes up to `limit` set-aside changes of a finished or abandoned batch; returns how
/// many (0: none left). Applied or moot, they change nothing readers see.
pub fn clear_changes(tx: &WriteTx<'_>, batch: i64, limit: i64) -> Result<usize, AppError> {
    let conn = tx.conn();
    let mut n = conn
        .prepare_cached(
            "DELETE FROM import_recipient_change WHERE batch = ?1 AND recipient_id IN
             (SELECT recipient_id FROM import_recipient_change WHERE batch = ?1 LIMIT ?2)",
        )?
        .execute(params![batch, limit])?;
    n += conn
        .prepare_cached(
            "DELETE FROM import_voucher_change WHERE batch = ?1 AND voucher_id IN
             (SELECT voucher_id FROM import_voucher_change WHERE batch = ?1 LIMIT ?2)",
        )?
        .execute(params![batch, limit])?;
    Ok(n)
}

/// Removes up to `limit` hidden rows of an unfinished batch (its vouchers first, then its
/// people); returns how many rows it touched (0: nothing left). Readers never saw them. A
/// person someone else has meanwhile given a SAP or an appointment stays, made visible.
pub fn remove_hidden(tx: &WriteTx<'_>, batch: i64, limit: i64) -> Result<usize, AppError> {
    let conn = tx.conn();
    let horizon: i64 = conn.prepare_cached("SELECT visible FROM import_horizon")?.query_row([], |r| r.get(0))?;
    if batch <= horizon {
        return Err(AppError::unexpected("an import already visible cannot be removed"));
    }
    // Hidden rows were added after the batch began: newest first finds them at once.
    let vouchers = conn.prepare_cached("DELETE FROM voucher_all WHERE id IN (SELECT id FROM voucher_all WHERE batch = ?1 ORDER BY id DESC LIMIT ?2)")?.execute(
        params![batch, limit],
    )?;
    if vouchers > 0 {
        return Ok(vouchers);
    }
    let kept = conn
        .prepare_cached(
            "UPDATE recipient_all SET batch = 0 WHERE id IN
             (SELECT id FROM recipient_all WHERE batch = ?1 ORDER BY id DESC LIMIT ?2)
           AND (EXISTS (SELECT 1 FROM voucher_all v WHERE v.recipient_id = recipient_all.id)
                OR EXISTS (SELECT 1 FROM sap_version s WHERE s.recipient_id = recipient_all.id)
                OR EXISTS (SELECT 1 FROM policy p WHERE p.recipient_id = recipient_all.id)
                OR EXISTS (SELECT 1 FROM appointment a WHERE a.recipient_id = recipient_all.id))",
        )?
        .execute(params![batch, limit])?;
    let removed = conn.prepare_cached("DELETE FROM recipient_all WHERE id IN (SELECT id FROM recipient_all WHERE batch = ?1 ORDER BY id DESC LIMIT ?2)")?.execute(
        params![batch, limit],
    )?;
    Ok(kept + removed)
}

/// Closes an unfinished batch whose rows are all gone.
pub fn abandon(tx: &WriteTx<'_>, batch: i64, now: Timestamp, report: &str) -> Result<(), AppError> {
    expect_one(
        tx.conn()
            .prepare_cached(
                "UPDATE import_batch SET state = 'abandoned', finished_at = ?2, report = ?3
         WHERE id = ?1 AND state IN ('validating', 'applying')",
            )?
            .execute(params![batch, now, report])?,
    )
}

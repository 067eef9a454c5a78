//! Bringing a data file to this version's schema. A new file gets `schema.sql` whole; an
//! older one runs the numbered steps after its version, all in one transaction, so a
//! failed upgrade leaves the file exactly as it was.

use rusqlite::Transaction;

/// Step `n` brings a file from version `n - 1` to `n`. Version 1 is the first released schema;
/// steps are never edited once released, only added.
pub const STEPS: &[(i64, &str)] = &[
    (2, include_str!("migrations/0002_actions.sql")),
    (3, include_str!("migrations/0003_oversight.sql")),
    (4, include_str!("migrations/0004_audit_subjects.sql")),
    (5, include_str!("migrations/0005_national_formats.sql")),
    (6, include_str!("migrations/0006_import_batches.sql")),
    (7, include_str!("migrations/0007_access_epoch.sql")),
    (8, include_str!("migrations/0008_dashboard_row.sql")),
    (9, include_str!("migrations/0009_certificate_policies.sql")),
    (10, include_str!("migrations/0010_audit_ts_index.sql")),
    (11, include_str!("migrations/0011_idol_export_file.sql")),
    (12, include_str!("migrations/0012_audit_object_index.sql")),
];

/// The version `schema.sql` describes: the last step's.
pub const LATEST: i64 = match STEPS.last() {
    Some((v, _)) => *v,
    None => 1,
};

/// Runs the steps after `from` inside `tx` and records the new version.
pub fn upgrade(tx: &Transaction<'_>, from: i64) -> rusqlite::Result<()> {
    for (version, sql) in STEPS.iter().filter(|(v, _)| *v > from) {
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_numbered_without_gaps() {
        for (i, (v, _)) in STEPS.iter().enumerate() {
            assert_eq!(*v, i as i64 + 2);
        }
    }
}

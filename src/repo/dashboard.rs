//! The cruscotto's projection (`dashboard_row`, schema 8): what the cruscotto filters and
//! sorts on, one row per voucher, clustered by provider and name and kept exact by triggers
//! on `voucher_all` and `recipient_all`. `recipients::dashboard` reads it.

use rusqlite::Connection;

use crate::error::AppError;

/// The projection as the triggers should have left it, computed from the tables themselves.
const RECOMPUTED: &str = "SELECT v.provider_id, r.cognome, r.nome, v.id, r.id, r.codice_fiscale, v.state, v.sede_id,
        v.tutor_id, v.chosen_on, coalesce(v.extended_until, v.programme_end), max(v.batch, r.batch)
     FROM voucher_all v JOIN recipient_all r ON r.id = v.recipient_id";
const STORED: &str = "SELECT provider_id, cognome, nome, voucher_id, recipient_id, codice_fiscale, state, sede_id,
        tutor_id, chosen_on, deadline, batch FROM dashboard_row";

/// Rows where the projection and the tables disagree (either side), for checks and tests.
pub fn mismatches(conn: &Connection) -> Result<i64, AppError> {
    Ok(conn.prepare_cached(&format!(
            "SELECT (SELECT count(*) FROM ({RECOMPUTED} EXCEPT {STORED})) + (SELECT count(*) FROM ({STORED} EXCEPT {RECOMPUTED}))"
        ))?.query_row(
        [],
        |r| r.get(0),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_write_to_vouchers_and_people_keeps_the_projection_exact() {
        let dir = tempfile::tempdir().unwrap();
        let conn = crate::repo::open_and_migrate(&dir.path().join("d.db"), |_| Ok(())).unwrap();
        conn.execute_batch(
            "INSERT INTO provider (id, name, codice_fiscale, accreditation_code, created_at) VALUES
                 (1, 'A', '01234567897', 'ACC-1', 0), (2, 'B', '97103880585', 'ACC-2', 0);
             INSERT INTO sede (id, provider_id, address, comune, created_at) VALUES (1, 1, 'Via A', 'Firenze', 0);
             INSERT INTO operator (id, codice_fiscale, surname, name, email, role, provider_id, enabled_at)
                 VALUES (1, 'RSSMRA85T10A562S', 'Rossi', 'Mario', 'm@x.it', 'operatore', 1, 0);
             INSERT INTO recipient_all (id, codice_fiscale, cognome, nome, created_at, updated_at, batch) VALUES
                 (1, 'BRNLRA80B41D612X', 'Bruni', 'Lara', 0, 0, 0), (2, 'CSTLRA80B41D612X', 'costa', 'Lia', 0, 0, 3);
             INSERT INTO voucher_all (id, recipient_id, code, issued_on, cpi, profiling_band, provider_id, chosen_on,
                                      created_at, updated_at, batch) VALUES
                 (1, 1, 'ADR-1', '2026-01-01', 'CPI', '1', 1, '2026-01-02', 0, 0, 0),
                 (2, 2, 'ADR-2', '2026-01-01', 'CPI', '1', 1, '2026-01-03', 0, 0, 0),
                 (3, 1, 'ADR-3', '2026-01-01', 'CPI', '1', 2, '2026-01-04', 0, 0, 2);",
        )
        .unwrap();
        assert_eq!(mismatches(&conn).unwrap(), 0);
        for change in [
            "UPDATE voucher_all SET state = 'in_progress', programme_start = '2026-02-01', programme_end = '2026-08-01' WHERE id = 1",
            "UPDATE voucher_all SET extended_until = '2027-02-01' WHERE id = 1",
            "UPDATE voucher_all SET sede_id = 1, tutor_id = 1 WHERE id = 2",
            "UPDATE voucher_all SET provider_id = 2, chosen_on = '2026-03-01' WHERE id = 2",
            "UPDATE voucher_all SET batch = 0 WHERE id = 3",
            "UPDATE voucher_all SET version = version + 1, updated_at = 9 WHERE id = 3",
            "UPDATE recipient_all SET cognome = 'Bruno', nome = 'Laura' WHERE id = 1",
            "UPDATE recipient_all SET batch = 0 WHERE id = 2",
            "UPDATE recipient_all SET email = 'x@y.it' WHERE id = 2",
            "DELETE FROM voucher_all WHERE id = 3",
        ] {
            conn.execute_batch(change).unwrap();
            assert_eq!(mismatches(&conn).unwrap(), 0, "after {change}");
        }
        let rows: i64 =
            conn.prepare_cached("SELECT count(*) FROM dashboard_row").unwrap().query_row([], |r| r.get(0)).unwrap();
        assert_eq!(rows, 2);
    }
}

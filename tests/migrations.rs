//! A data file written by an older release opens in this one: its schema is migrated to
//! exactly what a new file gets, its rows stay, and a file from a newer release is refused.
#![allow(clippy::disallowed_methods)] // peeks into the data file: statement caching is for the server
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use rusqlite::Connection;

const SCHEMA_V1: &str = include_str!("fixtures/schema-v1.sql");

/// Tables, columns (name, type, not null, default, pk) and index definitions, comparable
/// across files whatever order or formatting created them.
fn shape(conn: &Connection) -> Vec<String> {
    let mut out = Vec::new();
    let mut tables = conn
        .prepare("SELECT type, name, tbl_name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name")
        .unwrap();
    let objects: Vec<(String, String, String)> =
        tables.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).unwrap().map(Result::unwrap).collect();
    for (kind, name, table) in objects {
        match kind.as_str() {
            "table" => {
                let mut cols = conn.prepare(&format!("PRAGMA table_xinfo('{name}')")).unwrap();
                let cols: Vec<String> = cols
                    .query_map([], |r| {
                        Ok(format!(
                            "{name}.{}: {} notnull={} default={:?} pk={}",
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, i64>(3)?,
                            r.get::<_, Option<String>>(4)?,
                            r.get::<_, i64>(5)?
                        ))
                    })
                    .unwrap()
                    .map(Result::unwrap)
                    .collect();
                out.extend(cols);
                let mut fks = conn.prepare(&format!("PRAGMA foreign_key_list('{name}')")).unwrap();
                let fks: Vec<String> = fks
                    .query_map([], |r| {
                        Ok(format!("{name} fk {} -> {}", r.get::<_, String>(3)?, r.get::<_, String>(2)?))
                    })
                    .unwrap()
                    .map(Result::unwrap)
                    .collect();
                out.extend(fks);
            }
            "index" => {
                let mut cols = conn.prepare(&format!("PRAGMA index_xinfo('{name}')")).unwrap();
                let cols: Vec<String> = cols
                    .query_map([], |r| Ok(r.get::<_, Option<String>>(2)?.unwrap_or_default()))
                    .unwrap()
                    .map(Result::unwrap)
                    .collect();
                let sql: Option<String> =
                    conn.query_row("SELECT sql FROM sqlite_master WHERE name = ?1", [&name], |r| r.get(0)).unwrap();
                let partial = sql.as_deref().and_then(|s| s.split_once(" WHERE ").map(|(_, w)| w.to_owned()));
                out.push(format!("index {name} on {table}({}) where {partial:?}", cols.join(",")));
            }
            other => out.push(format!("{other} {name} on {table}")),
        }
    }
    out
}

fn v1_file(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("v1.db");
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch(SCHEMA_V1).unwrap();
    conn.pragma_update(None, "user_version", 1).unwrap();
    conn.execute_batch(
        "INSERT INTO provider (name, codice_fiscale, accreditation_code, created_at) VALUES ('Lavoro Srl', '01234567897', 'ACC-1', 1);
         INSERT INTO recipient (codice_fiscale, cognome, nome, created_at, updated_at) VALUES ('RSSMRA85T10A562S', 'Rossi', 'Mario', 1, 1);
         INSERT INTO voucher (recipient_id, code, issued_on, cpi, profiling_band, provider_id, chosen_on, created_at, updated_at)
             VALUES (1, 'ADR-1', '2026-01-10', 'CPI Firenze', 'alta', 1, '2026-01-20', 1, 1);
         INSERT INTO policy (recipient_id, origin, tipo_attivita, created_at, updated_at) VALUES (1, 'sap', 'A02', 1, 1);",
    )
    .unwrap();
    path
}

#[test]
fn a_version_1_file_is_migrated_to_the_schema_of_a_new_file() {
    let dir = tempfile::tempdir().unwrap();
    let old = v1_file(dir.path());
    let migrated = ricolloca::service::data_file::open(&old, ricolloca::domain::timestamp::Timestamp::EPOCH).unwrap();
    let fresh =
        ricolloca::service::data_file::open(&dir.path().join("new.db"), ricolloca::domain::timestamp::Timestamp::EPOCH)
            .unwrap();

    assert_eq!(shape(&migrated), shape(&fresh));
    let version: i64 = migrated.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    assert_eq!(version, ricolloca::repo::SCHEMA_VERSION);
    // Rows survive, new columns take their defaults, new code lists arrive.
    let (voucher, dettagli): (Option<i64>, String) =
        migrated.query_row("SELECT voucher_id, dettagli FROM policy", [], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    assert_eq!((voucher, dettagli.as_str()), (None, "{}"));
    let kinds: i64 = migrated
        .query_row("SELECT count(*) FROM code_list WHERE list = 'tipo_appuntamento'", [], |r| r.get(0))
        .unwrap();
    assert!(kinds > 0);
    assert_eq!(migrated.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0)).unwrap(), "ok");
    assert_eq!(migrated.query_row("PRAGMA foreign_key_check", [], |r| r.get::<_, String>(0)).ok(), None);

    // Before migrating, a verified backup of the version-1 file was written beside it.
    let backups: Vec<std::path::PathBuf> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.to_string_lossy().contains("v1.db.schema-1-prima-dell-aggiornamento-")
                && p.extension().is_some_and(|e| e == "zip")
        })
        .collect();
    assert_eq!(backups.len(), 1, "one automatic backup");
    let verified = ricolloca::service::backup::verify(
        &backups[0],
        &Default::default(),
        None,
        Default::default(),
        dir.path(),
        ricolloca::domain::timestamp::Timestamp::from_ms(1),
    )
    .unwrap();
    assert_eq!(verified.manifest.schema_version, 1);
    assert_eq!(verified.manifest.row_counts["voucher"], 1);
    let copy = rusqlite::Connection::open(&verified.db).unwrap();
    let v: i64 = copy.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
    assert_eq!(v, 1, "the backup holds the file as it was before the upgrade");
    // A new file and an up-to-date one get none.
    drop(migrated);
    ricolloca::service::data_file::open(&old, ricolloca::domain::timestamp::Timestamp::EPOCH).unwrap();
    assert_eq!(
        std::fs::read_dir(dir.path())
            .unwrap()
            .filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().ends_with(".zip"))
            .count(),
        1
    );
}

#[test]
fn version_prints_app_and_schema() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ricolloca")).arg("--version").output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(&format!("(schema {})", ricolloca::repo::SCHEMA_VERSION)), "{text}");
}

#[test]
fn a_file_from_a_newer_release_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("future.db");
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch("CREATE TABLE x (y INTEGER)").unwrap();
    conn.pragma_update(None, "user_version", ricolloca::repo::SCHEMA_VERSION + 1).unwrap();
    drop(conn);
    let digest = |p: &std::path::Path| {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(std::fs::read(p).unwrap()))
    };
    let before = digest(&path);
    let err = ricolloca::service::data_file::open(&path, ricolloca::domain::timestamp::Timestamp::EPOCH)
        .expect_err("refused")
        .to_string();
    assert!(err.contains("versione più recente"), "{err}");
    assert!(err.contains("data"), "{err}");
    assert_eq!(digest(&path), before, "the file was changed");
}

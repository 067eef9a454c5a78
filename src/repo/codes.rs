//! Code lists: labels for codes, seeded from assets/codes/codici.csv.

use std::collections::HashMap;

use rusqlite::{Connection, params};

use super::WriteTx;
use crate::error::AppError;

/// The seed shipped with the binary: `lista;codice;descrizione`.
pub const SEED: &str = include_str!("../../assets/codes/codici.csv");

/// Parses `lista;codice;descrizione` lines (header first), skipping malformed ones.
pub fn parse(text: &str) -> Vec<(String, String, String)> {
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let mut it = l.splitn(3, ';');
            let (list, code, label) = (it.next()?.trim(), it.next()?.trim(), it.next()?.trim());
            (!list.is_empty() && !code.is_empty()).then(|| (list.to_owned(), code.to_owned(), label.to_owned()))
        })
        .collect()
}

/// Adds the codes that are missing; labels already there (perhaps edited by import) stay.
pub fn seed(tx: &WriteTx<'_>) -> Result<usize, AppError> {
    let mut added = 0;
    for (list, code, label) in parse(SEED) {
        added += tx.conn().execute(
            "INSERT OR IGNORE INTO code_list (list, code, label) VALUES (?1, ?2, ?3)",
            params![list, code, label],
        )?;
    }
    Ok(added)
}

/// Replaces or adds codes from an imported file; returns how many rows were written.
pub fn import(tx: &WriteTx<'_>, rows: &[(String, String, String)]) -> Result<usize, AppError> {
    for (list, code, label) in rows {
        tx.conn().execute(
            "INSERT INTO code_list (list, code, label) VALUES (?1, ?2, ?3)
             ON CONFLICT (list, code) DO UPDATE SET label = excluded.label",
            params![list, code, label],
        )?;
    }
    Ok(rows.len())
}

/// All labels, by (list, code): small enough to load per page.
pub fn labels(conn: &Connection) -> Result<Labels, AppError> {
    let mut stmt = conn.prepare_cached("SELECT list, code, label FROM code_list")?;
    let map = stmt
        .query_map([], |r| Ok(((r.get::<_, String>(0)?, r.get::<_, String>(1)?), r.get::<_, String>(2)?)))?
        .collect::<Result<HashMap<_, _>, _>>()?;
    Ok(Labels(map))
}

#[derive(Debug, Clone, Default)]
pub struct Labels(HashMap<(String, String), String>);

impl Labels {
    /// "A06 — Colloqui ..."; an unknown code shows alone, never an error.
    pub fn show(&self, list: &str, code: &str) -> String {
        match self.0.get(&(list.to_owned(), code.to_owned())) {
            Some(label) => format!("{code} — {label}"),
            None => code.to_owned(),
        }
    }
    /// The codes of one list, sorted.
    pub fn codes(&self, list: &str) -> Vec<String> {
        let mut codes: Vec<String> = self.0.keys().filter(|(l, _)| l == list).map(|(_, c)| c.clone()).collect();
        codes.sort();
        codes
    }
    /// Just the label (or the code when unknown).
    pub fn label(&self, list: &str, code: &str) -> String {
        self.0.get(&(list.to_owned(), code.to_owned())).cloned().unwrap_or_else(|| code.to_owned())
    }
}

//! Code lists: the Italian label of every coded value, as data. A default set is embedded
//! (`assets/codes/codici.csv`, and the national tables in `assets/codes/nazionali.zip`: see
//! `assets/codes/README.md` for where each comes from); `ricolloca import codes` loads the
//! Region's files, and each list a file holds replaces that list whole and is never reseeded.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};

use super::{WriteTx, settings};
use crate::error::AppError;

/// The small lists shipped with the binary: `lista;codice;descrizione`.
pub const SEED: &str = include_str!("../../assets/codes/codici.csv");
/// The national tables shipped with the binary (comuni and foreign states by cadastral code,
/// citizenship, ATECO): one `lista;codice;descrizione` CSV per table, compressed.
pub const NATIONAL: &[u8] = include_bytes!("../../assets/codes/nazionali.zip");

/// sha256 of the embedded set last seeded into the data file.
const SEEDED: &str = "code_seed_sha256";
/// JSON array of the lists the Region imported: the embedded set leaves them alone.
const IMPORTED: &str = "code_lists_imported";
/// Changes whenever any label changes, so that the labels cached in memory are reloaded.
const STAMP: &str = "code_list_stamp";

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

/// Every embedded row.
pub fn embedded() -> Result<Vec<(String, String, String)>, AppError> {
    let mut rows = parse(SEED);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(NATIONAL)).map_err(AppError::internal)?;
    for i in 0..zip.len() {
        let mut file = zip.by_index(i).map_err(AppError::internal)?;
        let mut text = String::new();
        std::io::Read::read_to_string(&mut file, &mut text).map_err(AppError::internal)?;
        rows.extend(parse(&text));
    }
    Ok(rows)
}

fn embedded_sha() -> String {
    let mut h = Sha256::new();
    h.update(SEED.as_bytes());
    h.update(NATIONAL);
    hex::encode(h.finalize())
}

/// Whether the embedded set changed since it was last seeded (one indexed read).
pub fn seed_needed(conn: &Connection) -> Result<bool, AppError> {
    Ok(settings::get(conn, SEEDED)?.as_deref() != Some(embedded_sha().as_bytes()))
}

fn imported_lists(conn: &Connection) -> Result<HashSet<String>, AppError> {
    Ok(settings::get(conn, IMPORTED)?.and_then(|v| serde_json::from_slice(&v).ok()).unwrap_or_default())
}

fn bump_stamp(tx: &WriteTx<'_>) -> Result<(), AppError> {
    let mut stamp = [0u8; 16];
    ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut stamp)
        .map_err(|_| AppError::unexpected("no randomness"))?;
    settings::put(tx, STAMP, hex::encode(stamp).as_bytes())
}

/// Adds the embedded codes that are missing, except in the lists the Region imported; labels
/// already there stay. Runs when the embedded set changed (a new version of the program).
pub fn seed(tx: &WriteTx<'_>) -> Result<usize, AppError> {
    let imported = imported_lists(tx.conn())?;
    let mut added = 0;
    let mut stmt =
        tx.conn().prepare_cached("INSERT OR IGNORE INTO code_list (list, code, label) VALUES (?1, ?2, ?3)")?;
    for (list, code, label) in embedded()? {
        if !imported.contains(&list) {
            added += stmt.execute(params![list, code, label])?;
        }
    }
    settings::put(tx, SEEDED, embedded_sha().as_bytes())?;
    bump_stamp(tx)?;
    Ok(added)
}

/// The Region's file: each list it holds replaces that list whole (and the embedded set no
/// longer touches it). Returns how many codes were written.
pub fn import(tx: &WriteTx<'_>, rows: &[(String, String, String)]) -> Result<usize, AppError> {
    let mut lists = imported_lists(tx.conn())?;
    let in_file: HashSet<&str> = rows.iter().map(|(l, _, _)| l.as_str()).collect();
    for list in &in_file {
        tx.conn().prepare_cached("DELETE FROM code_list WHERE list = ?1")?.execute([list])?;
        lists.insert((*list).to_owned());
    }
    for (list, code, label) in rows {
        tx.conn()
            .prepare_cached(
                "INSERT INTO code_list (list, code, label) VALUES (?1, ?2, ?3)
             ON CONFLICT (list, code) DO UPDATE SET label = excluded.label",
            )?
            .execute(params![list, code, label])?;
    }
    let mut sorted: Vec<&String> = lists.iter().collect();
    sorted.sort();
    settings::put(tx, IMPORTED, &serde_json::to_vec(&sorted).unwrap_or_default())?;
    bump_stamp(tx)?;
    Ok(rows.len())
}

/// The labels last loaded, with the stamp they were loaded at: the tables hold thousands of
/// codes, and every page needs some.
static CACHE: Mutex<Option<(Vec<u8>, Labels)>> = Mutex::new(None);

/// All labels, by (list, code), from memory unless they changed (one indexed read).
pub fn labels(conn: &Connection) -> Result<Labels, AppError> {
    let stamp = conn
        .prepare_cached("SELECT value FROM setting WHERE key = ?1")?
        .query_row([STAMP], |r| r.get::<_, Vec<u8>>(0))
        .optional()?
        .unwrap_or_default();
    if let Ok(cache) = CACHE.lock()
        && let Some((at, labels)) = cache.as_ref()
        && !stamp.is_empty()
        && *at == stamp
    {
        return Ok(labels.clone());
    }
    let mut stmt = conn.prepare_cached("SELECT list, code, label FROM code_list")?;
    let map = stmt
        .query_map([], |r| Ok(((r.get::<_, String>(0)?, r.get::<_, String>(1)?), r.get::<_, String>(2)?)))?
        .collect::<Result<HashMap<_, _>, _>>()?;
    let labels = Labels(Arc::new(map));
    if let Ok(mut cache) = CACHE.lock() {
        *cache = Some((stamp, labels.clone()));
    }
    Ok(labels)
}

/// Labels by (list, code); cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Labels(Arc<HashMap<(String, String), String>>);

impl Labels {
    fn find(&self, list: &str, code: &str) -> Option<&String> {
        let key = (list.to_owned(), code.trim().to_owned());
        self.0.get(&key).or_else(|| {
            // ATECO codes also travel without dots ("521010" for 52.10.10).
            let c = code.trim();
            (list == "ateco" && c.len() == 6 && c.bytes().all(|b| b.is_ascii_digit()))
                .then(|| format!("{}.{}.{}", &c[..2], &c[2..4], &c[4..]))
                .and_then(|dotted| self.0.get(&(list.to_owned(), dotted)))
        })
    }
    /// "A06 — Colloqui ..."; an unknown code shows alone, never an error.
    pub fn show(&self, list: &str, code: &str) -> String {
        match self.find(list, code) {
            Some(label) => format!("{code} — {label}"),
            None => code.to_owned(),
        }
    }
    /// Whether `code` is in `list` (one lookup; `codes` walks every list).
    pub fn contains(&self, list: &str, code: &str) -> bool {
        self.find(list, code).is_some()
    }
    /// The codes of one list, sorted.
    pub fn codes(&self, list: &str) -> Vec<String> {
        let mut codes: Vec<String> = self.0.keys().filter(|(l, _)| l == list).map(|(_, c)| c.clone()).collect();
        codes.sort();
        codes
    }
    /// Just the label (or the code when unknown).
    pub fn label(&self, list: &str, code: &str) -> String {
        self.find(list, code).cloned().unwrap_or_else(|| code.to_owned())
    }
    /// A duration with its `tipologia_durata` unit, agreeing with the number ("1 ora").
    pub fn duration(&self, n: i64, unit: Option<&str>) -> String {
        match unit {
            Some(u) => crate::domain::italian::duration(n, u.trim(), &self.label("tipologia_durata", u)),
            None => n.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_national_tables_read() {
        let rows = embedded().unwrap();
        let find = |list: &str, code: &str| {
            rows.iter().find(|(l, c, _)| l == list && c == code).map(|(_, _, label)| label.clone())
        };
        assert_eq!(find("comune", "D612").as_deref(), Some("Firenze (FI)"));
        assert_eq!(find("comune", "Z330").as_deref(), Some("Marocco"));
        assert_eq!(find("cittadinanza", "436").as_deref(), Some("Marocco"));
        assert_eq!(find("ateco", "52.10.10").as_deref(), Some("Magazzini di custodia e deposito per conto terzi"));
        assert!(rows.iter().filter(|(l, _, _)| l == "comune").count() > 9_000);
        let labels = Labels(Arc::new(rows.into_iter().map(|(l, c, t)| ((l, c), t)).collect()));
        assert_eq!(labels.show("ateco", "521010"), "521010 — Magazzini di custodia e deposito per conto terzi");
        assert_eq!(labels.show("comune", "X999"), "X999", "an unknown code shows alone");
    }
}

//! Big assignment imports over real TLS: written in slices while readers see the whole file or
//! nothing of it, with progress in the API; a second import of the same file is refused while
//! the first runs; an import killed with SIGKILL leaves nothing visible and can be repeated.
#![allow(clippy::disallowed_methods)] // peeks into the data file: statement caching is for the server
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use common::{Fixture, cf, client};
use reqwest::blocking::Client;
use ricolloca::infra::pki::KeyKind;
use serde_json::Value;

const HEADER: &str = "codice_fiscale;cognome;nome;data_nascita;sesso;codice_assegno;data_rilascio;cpi;fascia_profilazione;ente;data_scelta";
/// Big enough that a debug build takes seconds over it (many slices), small enough for CI.
const ROWS: usize = 6_000;

/// A valid codice fiscale for person `n`: six letters from `n`, a fixed rest.
fn person(n: usize) -> String {
    let letters: String = (0..6).map(|k| char::from(b'A' + ((n / 26usize.pow(k)) % 26) as u8)).collect();
    cf(&format!("{letters}80A01D612"))
}

fn csv(rows: usize, surname: &str) -> String {
    let mut out = String::from(HEADER);
    for n in 0..rows {
        out.push_str(&format!(
            "\n{};{surname}{n};Anna;01/02/1980;F;ADR-{n:06};01/02/2026;CPI-FI;3;06363391001;10/02/2026",
            person(n)
        ));
    }
    out
}

struct World {
    f: Fixture,
    server: common::Server,
    region: Client,
}

fn world() -> World {
    let f = Fixture::new(KeyKind::EcdsaP256);
    f.add_provider("Lavoro Futuro", "06363391001", "ACC-A");
    let region_cf = cf("BNCMRA80A41D612");
    f.add_operator(&region_cf, "regione", None);
    let server = f.start();
    let region = client(&f, Some(&f.card(&region_cf)));
    World { f, server, region }
}

fn post(region: &Client, server: &common::Server, body: String) -> reqwest::blocking::Response {
    region
        .post(server.url("/api/v1/import/assignments"))
        .header("Content-Type", "text/csv")
        .timeout(Duration::from_secs(600))
        .body(body)
        .send()
        .unwrap()
}

/// Rows where the cruscotto's projection disagrees with the tables.
fn projection_mismatches(f: &Fixture) -> i64 {
    ricolloca::repo::dashboard::mismatches(&f.db()).unwrap()
}

/// How many people the Region sees.
fn visible(region: &Client, server: &common::Server) -> i64 {
    matching(region, server, "")
}

/// How many people the Region finds searching for `q`.
fn matching(region: &Client, server: &common::Server, q: &str) -> i64 {
    let list: Value = region.get(server.url(&format!("/api/v1/recipients?q={q}"))).send().unwrap().json().unwrap();
    list["total"].as_i64().unwrap()
}

/// The latest import as the API shows it.
fn latest(region: &Client, server: &common::Server) -> Option<Value> {
    let list: Value = region.get(server.url("/api/v1/import/assignments")).send().unwrap().json().unwrap();
    list["items"].as_array().unwrap().first().cloned()
}

/// Polls until the latest import is being written and partly done, checking meanwhile that
/// readers see all of the file or none of it. Returns the counts readers saw.
fn wait_until_midway(w_region: &Client, server: &common::Server, all: i64) -> BTreeSet<i64> {
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut seen = BTreeSet::new();
    loop {
        let count = visible(w_region, server);
        assert!(count == 0 || count == all, "readers saw {count} of {all} rows: the import is not atomic");
        seen.insert(count);
        if let Some(batch) = latest(w_region, server) {
            let (done, total) = (batch["rows_done"].as_i64().unwrap(), batch["rows_total"].as_i64().unwrap());
            if batch["state"] == "applying" && done > 0 && done < total {
                return seen;
            }
            assert_ne!(batch["state"], "done", "the import finished before it was seen midway: make ROWS bigger");
        }
        assert!(Instant::now() < deadline, "the import never got going");
    }
}

#[test]
fn a_big_file_appears_all_at_once_shows_its_progress_and_cannot_run_twice() {
    let w = world();
    let body = csv(ROWS, "Rossi");
    let (region, url) = (w.region.clone(), w.server.url("/api/v1/import/assignments"));
    let first = {
        let body = body.clone();
        std::thread::spawn(move || {
            let res = region
                .post(url)
                .header("Content-Type", "text/csv")
                .timeout(Duration::from_secs(600))
                .body(body)
                .send()
                .unwrap();
            (res.status().as_u16(), res.json::<Value>().unwrap())
        })
    };
    let mut seen = wait_until_midway(&w.region, &w.server, ROWS as i64);

    // The same file again while the first is being written: refused, nothing started.
    let again = post(&w.region, &w.server, body);
    assert_eq!(again.status(), 409);
    let text = again.text().unwrap();
    assert!(text.contains("già in corso di importazione"), "{text}");

    while !first.is_finished() {
        let count = visible(&w.region, &w.server);
        assert!(count == 0 || count == ROWS as i64, "readers saw {count} of {ROWS} rows");
        seen.insert(count);
    }
    let (status, report) = first.join().unwrap();
    assert_eq!(status, 200, "{report}");
    assert_eq!((report["imported"].as_u64(), report["updated"].as_u64()), (Some(ROWS as u64), Some(0)));
    assert_eq!(visible(&w.region, &w.server), ROWS as i64);
    assert!(seen.contains(&0), "the rows were visible before the import finished");

    let batch = latest(&w.region, &w.server).unwrap();
    assert_eq!((batch["state"].as_str(), batch["rows_done"].as_i64()), (Some("done"), Some(ROWS as i64)));
    let one: Value = w
        .region
        .get(w.server.url(&format!("/api/v1/import/assignments/{}", batch["id"])))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(one["report"]["imported"], ROWS);
    // One audit row for the whole file.
    assert_eq!(w.f.audit_count("import.assignments"), 1);

    // The whole list again with new surnames: every change lands together, nothing new.
    let (region, url) = (w.region.clone(), w.server.url("/api/v1/import/assignments"));
    let second = std::thread::spawn(move || {
        let res = region.post(url).header("Content-Type", "text/csv").body(csv(ROWS, "Bianchi")).send().unwrap();
        (res.status().as_u16(), res.json::<Value>().unwrap())
    });
    let mut renamed = BTreeSet::new();
    while !second.is_finished() {
        let count = matching(&w.region, &w.server, "Bianchi");
        assert!(count == 0 || count == ROWS as i64, "readers saw {count} of {ROWS} changes");
        renamed.insert(count);
    }
    let (status, report) = second.join().unwrap();
    assert_eq!(status, 200, "{report}");
    assert_eq!((report["imported"].as_u64(), report["updated"].as_u64()), (Some(0), Some(ROWS as u64)));
    assert_eq!(matching(&w.region, &w.server, "Bianchi"), ROWS as i64);
    assert_eq!(matching(&w.region, &w.server, "Rossi"), 0);
    assert!(renamed.contains(&0), "the changes were visible before the import finished");
    assert_eq!(projection_mismatches(&w.f), 0);
    // And once more unchanged: nothing to change, versions stay.
    let version = |db: &rusqlite::Connection| -> i64 {
        db.query_row("SELECT sum(version) FROM voucher", [], |r| r.get(0)).unwrap()
    };
    let before = version(&w.f.db());
    assert_eq!(post(&w.region, &w.server, csv(ROWS, "Bianchi")).status(), 200);
    assert_eq!(version(&w.f.db()), before);
}

#[test]
fn an_import_killed_midway_leaves_nothing_and_can_be_repeated() {
    let mut w = world();
    let body = csv(ROWS, "Verdi");
    let (region, url) = (w.region.clone(), w.server.url("/api/v1/import/assignments"));
    let doomed = {
        let body = body.clone();
        // Its connection dies with the server.
        std::thread::spawn(move || region.post(url).header("Content-Type", "text/csv").body(body).send().is_ok())
    };
    wait_until_midway(&w.region, &w.server, ROWS as i64);
    let hidden: i64 = w.f.db().query_row("SELECT count(*) FROM recipient_all", [], |r| r.get(0)).unwrap();
    assert!(hidden > 0, "nothing was written before the kill");
    w.server.kill9();
    let _ = doomed.join();

    let server = w.f.start();
    assert_eq!(visible(&w.region, &server), 0);
    // The restarted server removes what the dead import left, in the background.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let batch = latest(&w.region, &server).unwrap();
        if batch["state"] == "abandoned" {
            break;
        }
        assert!(Instant::now() < deadline, "the interrupted import was never cleaned up: {batch}");
        std::thread::sleep(Duration::from_millis(50));
    }
    let db = w.f.db();
    let left: i64 = db.query_row("SELECT count(*) FROM recipient_all", [], |r| r.get(0)).unwrap();
    assert_eq!(left, 0, "rows of the interrupted import are still stored");
    let report: String =
        db.query_row("SELECT report FROM import_batch WHERE state = 'abandoned'", [], |r| r.get(0)).unwrap();
    assert!(report.contains("interrotta"), "{report}");

    let res = post(&w.region, &server, body);
    assert_eq!(res.status(), 200);
    assert_eq!(visible(&w.region, &server), ROWS as i64);
    assert_eq!(projection_mismatches(&w.f), 0);
    let integrity: String = db.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(integrity, "ok");
    let out = w.f.cli(&["audit", "verify"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn only_the_region_sees_imports_and_their_progress() {
    let w = world();
    let provider: i64 = w.f.db().query_row("SELECT id FROM provider", [], |r| r.get(0)).unwrap();
    let operator_cf = cf("RSSMRA85T10A562");
    w.f.add_operator(&operator_cf, "operatore", Some(provider));
    let operator = client(&w.f, Some(&w.f.card(&operator_cf)));
    assert_eq!(post(&w.region, &w.server, csv(3, "Neri")).status(), 200);
    let id = latest(&w.region, &w.server).unwrap()["id"].as_i64().unwrap();
    let denied = w.f.audit_count("access.denied");
    for path in [
        "/api/v1/import/assignments".to_owned(),
        format!("/api/v1/import/assignments/{id}"),
        format!("/regione/importazioni/{id}"),
    ] {
        assert_eq!(operator.get(w.server.url(&path)).send().unwrap().status(), 403, "{path}");
    }
    assert_eq!(w.f.audit_count("access.denied"), denied + 3);
    let page = w.region.get(w.server.url(&format!("/regione/importazioni/{id}"))).send().unwrap().text().unwrap();
    assert!(page.contains("<strong>3</strong> nuovi"), "{page}");
    assert_eq!(w.region.get(w.server.url("/api/v1/import/assignments/999")).send().unwrap().status(), 404);
}

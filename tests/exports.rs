//! Every CSV export is spreadsheet-safe (OWASP "CSV Injection"): formulas typed by an operator,
//! imported from an assignment file or registered as a provider name reach every export, and
//! no cell of any of them begins with `=`, `+`, `-`, `@`, tab or CR. The list of export routes
//! is checked against the routes Rocket mounts, so a new export cannot skip this test.
#![allow(clippy::disallowed_methods)] // peeks into the data file: statement caching is for the server
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::collections::BTreeSet;
use std::io::Read;
use std::sync::Arc;

use common::{Fixture, cf, client};
use reqwest::blocking::Client;
use ricolloca::domain::text::iso;
use ricolloca::infra::clock::{Clock, SystemClock, local_datetime};
use ricolloca::infra::pki::KeyKind;
use ricolloca::infra::spreadsheet_csv::original;
use serde_json::{Value, json};

const PROVIDER: &str = "=HYPERLINK(\"http://evil.example\",\"Ente\")";
const SURNAME: &str = "-2+3+cmd|' /C calc'!A0";
/// Exports that show "Nome Cognome" in one cell (the data-subject letter) start it with the
/// name; lists show "Cognome Nome" and start with the surname.
const NAME: &str = "+4+cmd|' /C calc'!A0";
const PERSON: &str = "=1+2 @SUM(1+1)";
const NOTE: &str = "=HYPERLINK(\"http://evil.example\",\"x\")";
const COURSE: &str = "+SUM(1;2)";
const EMPLOYER: &str = "@SUM(1+1)*cmd|' /C calc'!A0";

/// What the test covers: method and path of every route that answers a CSV or a zip of CSVs.
const EXPORTS: [(&str, &str); 9] = [
    ("GET", "/agenda/segnalazioni.csv"),
    ("GET", "/regione/esiti.csv"),
    ("GET", "/regione/revisione.csv"),
    ("GET", "/regione/revisione.zip"),
    ("GET", "/revisione/registro.csv"),
    ("GET", "/revisione/interessato.csv"),
    ("GET", "/revisione/attivita.csv"),
    ("POST", "/regione/idol"),
    ("GET", "/regione/idol/<id>/file"),
];

fn day(days: i64) -> String {
    iso(local_datetime(SystemClock.now()).date() + time::Duration::days(days))
}

fn italian(days: i64) -> String {
    ricolloca::domain::text::italian_date(&day(days))
}

/// The export routes Rocket mounts (built, never launched): every GET answering a `.csv` or
/// `.zip`, and the IDOL feed, whose form posts and whose answer is the zip.
fn mounted_exports(f: &Fixture) -> BTreeSet<(String, String)> {
    let config = ricolloca::config::Config::load(Some(&f.config)).unwrap();
    let clock: ricolloca::infra::clock::SharedClock = Arc::new(SystemClock);
    let rocket = ricolloca::server::build(&config, clock).unwrap();
    rocket
        .routes()
        .map(|r| (r.method.as_str().to_owned(), r.uri.to_string().split('?').next().unwrap_or_default().to_owned()))
        .filter(|(m, p)| (m == "GET" && (p.ends_with(".csv") || p.ends_with(".zip"))) || p.contains("idol"))
        .filter(|(_, p)| !p.starts_with("/api/"))
        .filter(|(m, p)| !(m == "GET" && p == "/regione/idol"))
        .collect()
}

/// Every cell of a `;` CSV, header included.
fn cells(body: &[u8]) -> Vec<String> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(body);
    let mut reader = csv::ReaderBuilder::new().delimiter(b';').has_headers(false).flexible(true).from_reader(body);
    reader.records().flat_map(|r| r.unwrap().iter().map(str::to_owned).collect::<Vec<_>>()).collect()
}

/// No cell a spreadsheet would read as a formula; each of `expected` present, neutralised.
fn assert_safe(what: &str, body: &[u8], expected: &[&str]) {
    let cells = cells(body);
    assert!(cells.len() > 3, "{what}: {}", String::from_utf8_lossy(body));
    for c in &cells {
        assert!(!c.starts_with(['=', '+', '-', '@', '\t', '\r']), "{what}: a formula cell {c:?}");
    }
    for e in expected {
        let neutral = format!("'{e}");
        assert!(
            cells.iter().any(|c| c == &neutral || c.contains(&neutral)),
            "{what}: {e:?} never reached it: {cells:?}"
        );
        assert!(cells.iter().any(|c| original(c).contains(e)), "{what}: {e:?} not recoverable");
    }
}

fn unzip(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut file = zip.by_index(i).unwrap();
            let mut content = Vec::new();
            file.read_to_end(&mut content).unwrap();
            (file.name().to_owned(), content)
        })
        .collect()
}

fn get(c: &Client, url: String) -> Vec<u8> {
    let res = c.get(&url).send().unwrap();
    assert_eq!(res.status(), 200, "{url}");
    res.bytes().unwrap().to_vec()
}

fn token(c: &Client, url: String) -> String {
    let html = c.get(url).send().unwrap().text().unwrap();
    let at = html.find("name=\"_token\" value=\"").expect("a form with a token");
    let rest = &html[at + 21..];
    rest[..rest.find('"').unwrap()].to_owned()
}

#[test]
fn every_csv_export_neutralises_formulas() {
    let f = Fixture::new(KeyKind::EcdsaP256);
    let mounted = mounted_exports(&f);
    let covered: BTreeSet<(String, String)> = EXPORTS.iter().map(|(m, p)| ((*m).into(), (*p).into())).collect();
    assert_eq!(mounted, covered, "an export route is not covered by this test (or is gone)");

    // A provider name and an operator's name and surname beginning with formulas, as the Region may register them.
    let a = f.add_provider(PROVIDER, "06363391001", "ACC-A");
    let op_cf = cf("RSSMRA85T10A562");
    f.cli_ok(&[
        "operator",
        "add",
        "--cf",
        &op_cf,
        &format!("--surname={SURNAME}"),
        &format!("--name={NAME}"),
        "--email",
        "m.rossi@example.it",
        "--role",
        "operatore",
        "--role-title",
        "tutor",
        "--provider",
        &a.to_string(),
    ]);
    let region_cf = cf("BNCMRA80A41D612");
    f.add_operator(&region_cf, "regione", None);
    let auditor_cf = cf("VRDGPP75M12G702");
    f.add_operator(&auditor_cf, "revisore", None);
    let server = f.start();
    let (op, region, auditor) = (
        client(&f, Some(&f.card(&op_cf))),
        client(&f, Some(&f.card(&region_cf))),
        client(&f, Some(&f.card(&auditor_cf))),
    );

    // A person whose name, from the CPI's assignment file, is a formula.
    let person_cf = cf("BRNLRA80B41D612");
    let csv = format!(
        "codice_fiscale;cognome;nome;data_nascita;sesso;codice_assegno;data_rilascio;cpi;fascia_profilazione;ente;data_scelta\n\
         {person_cf};{PERSON};Laura;01/02/1980;F;ADR-1;{};CPI-FI;3;06363391001;{}",
        italian(-30),
        italian(-20)
    );
    let res = region
        .post(server.url("/api/v1/import/assignments"))
        .header("Content-Type", "text/csv")
        .body(csv)
        .send()
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().unwrap());
    let person: i64 =
        f.db().query_row("SELECT id FROM recipient WHERE codice_fiscale = ?1", [&person_cf], |r| r.get(0)).unwrap();
    // Their SAP, so that the feed to IDOL can send them (the schema's personal data come from it).
    let sap =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sap/minima.xml"))
            .unwrap()
            .replace("VRDGPP66E10D612K", &person_cf);
    let res = region
        .post(server.url("/api/v1/import/sap"))
        .header("Content-Type", "application/xml")
        .body(sap)
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);
    let post = |path: String, body: Value| {
        let res = op.post(server.url(&path)).json(&body).send().unwrap();
        let status = res.status().as_u16();
        let body: Value = res.json().unwrap_or(Value::Null);
        assert!(status < 300, "{path}: {status} {body}");
        body
    };
    // The operator's note on a refusal, a course title, an employer's name.
    let held = post(
        format!("/api/v1/recipients/{person}/appointments"),
        json!({ "data": day(-3), "ora": "09:00", "tipo": "colloquio" }),
    );
    post(format!("/api/v1/appointments/{}/outcome", held["id"]), json!({ "esito": "held", "version": 1 }));
    let refused = post(
        format!("/api/v1/recipients/{person}/appointments"),
        json!({ "data": day(-2), "ora": "11:00", "tipo": "colloquio" }),
    );
    post(
        format!("/api/v1/appointments/{}/outcome", refused["id"]),
        json!({ "esito": "refused", "nota": NOTE, "version": 1 }),
    );
    post(
        format!("/api/v1/recipients/{person}/actions"),
        json!({ "tipo_attivita": "C07", "titolo_denominazione": COURSE, "data_proposta": day(-1), "evento": "01",
                "data_evento": day(-1),
                "dettagli": { "titolo_corso": "Carrellista", "ente_formativo": "Formare Srl", "ore": 16,
                              "certificazione": "frequenza" } }),
    );
    post(
        format!("/api/v1/recipients/{person}/outcome"),
        json!({ "esito": "hired", "data": day(0), "datore_cf": "97103880585", "datore_nome": EMPLOYER,
                "contratto": "permanent" }),
    );
    // Pages whose reads become rows of the trail (in the operator's name).
    get(&op, server.url(&format!("/destinatari/{person}")));

    let month = &day(-2)[..7];
    let this_month = &day(0)[..7];
    let mut seen = BTreeSet::new();
    let mut check = |method: &str, path: &str, what: &str, body: &[u8], expected: &[&str]| {
        seen.insert((method.to_owned(), path.to_owned()));
        assert_safe(what, body, expected);
    };
    let body = get(&op, server.url(&format!("/agenda/segnalazioni.csv?mese={month}")));
    check("GET", "/agenda/segnalazioni.csv", "segnalazioni", &body, &[PERSON, NOTE]);
    let body = get(&region, server.url(&format!("/regione/esiti.csv?dal={}&al={}", day(-1), day(1))));
    check("GET", "/regione/esiti.csv", "esiti", &body, &[PROVIDER]);
    let body = get(&region, server.url("/regione/revisione.csv"));
    check("GET", "/regione/revisione.csv", "revisione.csv", &body, &[SURNAME, PROVIDER]);
    let zip = unzip(&get(&region, server.url("/regione/revisione.zip")));
    let (_, body) = zip.iter().find(|(n, _)| n.ends_with(".csv")).unwrap();
    check("GET", "/regione/revisione.zip", "revisione.zip", body, &[SURNAME, PROVIDER]);
    let body = get(&auditor, server.url("/revisione/registro.csv"));
    check("GET", "/revisione/registro.csv", "registro", &body, &[SURNAME, PROVIDER]);
    let body = get(&auditor, server.url(&format!("/revisione/interessato.csv?cf={person_cf}")));
    check("GET", "/revisione/interessato.csv", "interessato", &body, &[SURNAME, PROVIDER]);
    let body = get(&auditor, server.url(&format!("/revisione/attivita.csv?mese={this_month}")));
    check("GET", "/revisione/attivita.csv", "attivita", &body, &[SURNAME, PROVIDER]);

    let res = region
        .post(server.url("/regione/idol"))
        .header("Origin", format!("https://127.0.0.1:{}", server.port))
        .form(&[("_token", token(&region, server.url("/regione/idol")).as_str()), ("dal", "")])
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);
    let zip = unzip(&res.bytes().unwrap());
    let file = |name: &str| zip.iter().find(|(n, _)| n == name).map(|(_, b)| b.clone()).unwrap();
    check("POST", "/regione/idol", "politiche_attive.csv", &file("politiche_attive.csv"), &[COURSE]);
    check("POST", "/regione/idol", "esiti_assegno.csv", &file("esiti_assegno.csv"), &[EMPLOYER]);
    // The same export downloaded again from the list: the kept zip, as safe.
    let again = unzip(&get(&region, server.url("/regione/idol/1/file")));
    assert_eq!(again, zip);
    let file = |name: &str| again.iter().find(|(n, _)| n == name).map(|(_, b)| b.clone()).unwrap();
    check("GET", "/regione/idol/<id>/file", "politiche_attive.csv", &file("politiche_attive.csv"), &[COURSE]);
    check("GET", "/regione/idol/<id>/file", "esiti_assegno.csv", &file("esiti_assegno.csv"), &[EMPLOYER]);

    assert_eq!(seen, covered);
}

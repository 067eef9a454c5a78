//! Faults: the server killed with SIGKILL in the middle of a write load (twenty times, on the
//! same data file), a full disk (a small tmpfs; needs root to mount), and hostile input on
//! every mounted write and read route. What they prove: nothing acknowledged is ever lost,
//! nothing is ever acknowledged without its audit row, the file and the chain stay intact,
//! and bad input gets an Italian 4xx naming the field, never a 500 or a reflected payload.
#![allow(clippy::disallowed_methods)] // peeks into the data file: statement caching is for the server
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU16, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Fixture, cf, client};
use reqwest::blocking::Client;
use ricolloca::infra::pki::KeyKind;
use serde_json::{Value, json};

const HEADER: &str = "codice_fiscale;cognome;nome;data_nascita;sesso;codice_assegno;data_rilascio;cpi;fascia_profilazione;ente;data_scelta";
const PIVA_A: &str = "06363391001";

fn today() -> time::Date {
    let now = ricolloca::infra::clock::system_now();
    ricolloca::infra::clock::local_date(ricolloca::domain::timestamp::Timestamp::from_ms(now.unix_timestamp() * 1000))
}

fn day(offset: i64) -> String {
    let d = today() + time::Duration::days(offset);
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

fn italian(offset: i64) -> String {
    let d = today() + time::Duration::days(offset);
    format!("{:02}/{:02}/{:04}", d.day(), u8::from(d.month()), d.year())
}

/// A small deterministic generator (no `rand` in the dev-dependencies), seeded from the time
/// and printed so a failing run can be replayed.
struct Rng(u64);

impl Rng {
    fn new() -> Self {
        let seed = std::env::var("FAULTS_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| ricolloca::infra::clock::system_now().unix_timestamp_nanos() as u64 | 1);
        eprintln!("faults: seed {seed} (FAULTS_SEED to replay)");
        Rng(seed)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Cards and people of one fixture: a provider with an operator, the Region, the auditor,
/// the technician, and recipients of the provider imported through the API.
struct People {
    operator: String,
    region: String,
    auditor: String,
    technician: String,
    other_operator: String,
}

fn seed_people(f: &Fixture) -> People {
    let a = f.add_provider("Lavoro Futuro", PIVA_A, "ACC-A");
    let b = f.add_provider("Orienta", "97103880585", "ACC-B");
    let people = People {
        operator: cf("RSSMRA85T10A562"),
        region: cf("BNCMRA80A41D612"),
        auditor: cf("VRDLCU70A01H501"),
        technician: cf("NRIPLA75C03F205"),
        other_operator: cf("VRDGPP75M12G702"),
    };
    f.add_operator(&people.operator, "operatore", Some(a));
    f.add_operator(&people.other_operator, "operatore", Some(b));
    f.add_operator(&people.region, "regione", None);
    f.add_operator(&people.auditor, "revisore", None);
    f.add_operator(&people.technician, "tecnico", None);
    people
}

/// Imports `n` recipients who chose provider A; returns their ids.
fn import_recipients(f: &Fixture, server: &common::Server, region: &Client, n: usize) -> Vec<i64> {
    let bodies = ["BRNLRA80B41D612", "FRRGLI82C12F205", "CNTMRC79D15H501", "GLLSRA84E50A944", "MRNLCU81H22L219"];
    let mut csv = String::from(HEADER);
    let mut cfs = Vec::new();
    for (i, body) in bodies.iter().take(n).enumerate() {
        let person = cf(body);
        csv.push_str(&format!(
            "\n{person};Cognome{i};Nome;01/02/1980;F;ADR-{i};{};CPI-FI;3;{PIVA_A};{}",
            italian(-30),
            italian(-20)
        ));
        cfs.push(person);
    }
    let res = region
        .post(server.url("/api/v1/import/assignments"))
        .header("Content-Type", "text/csv")
        .body(csv)
        .send()
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().unwrap());
    let db = f.db();
    cfs.iter()
        .map(|c| db.query_row("SELECT id FROM recipient WHERE codice_fiscale = ?1", [c], |r| r.get(0)).unwrap())
        .collect()
}

fn b03(n: u64) -> Value {
    json!({ "tipo_attivita": "B03", "data_proposta": day(-9), "evento": "02", "data_evento": day(-8),
            "dettagli": { "ore": 1 + n % 4, "argomenti": format!("CV, carico {n}"), "offerte_proposte": 1 } })
}

fn pdf(size: usize, salt: u64) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(size);
    let mut x = salt | 1;
    while bytes.len() < size {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        bytes.extend_from_slice(&x.to_le_bytes());
    }
    common::pdf_with(&bytes)
}

/// `PRAGMA integrity_check` on a read-only connection of the test's own.
fn integrity(data: &Path) -> String {
    let c = rusqlite::Connection::open_with_flags(data, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    c.busy_timeout(Duration::from_secs(30)).unwrap();
    c.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap()
}

fn audit_verify(f: &Fixture) {
    let out = f.cli(&["audit", "verify"]);
    assert!(
        out.status.success(),
        "audit verify: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// What the clients were told was done: action (id, identificativo) and document ids.
#[derive(Default)]
struct Acknowledged {
    actions: Vec<(i64, String)>,
    documents: Vec<i64>,
}

fn check_acknowledged(f: &Fixture, acked: &Acknowledged) {
    let db = rusqlite::Connection::open_with_flags(&f.data, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    db.busy_timeout(Duration::from_secs(30)).unwrap();
    let audited_actions: BTreeSet<String> = {
        let mut s = db
            .prepare(
                "SELECT json_extract(detail, '$.identificativo_politica') FROM audit_log WHERE action = 'action.create'",
            )
            .unwrap();
        s.query_map([], |r| r.get::<_, Option<String>>(0)).unwrap().filter_map(|r| r.unwrap()).collect()
    };
    let audited_documents: BTreeSet<i64> = {
        let mut s = db
            .prepare("SELECT json_extract(detail, '$.document') FROM audit_log WHERE action = 'document.upload'")
            .unwrap();
        s.query_map([], |r| r.get::<_, Option<i64>>(0)).unwrap().filter_map(|r| r.unwrap()).collect()
    };
    for (id, identificativo) in &acked.actions {
        let stored: Option<String> = db
            .query_row("SELECT identificativo_politica FROM policy WHERE id = ?1", [id], |r| r.get(0))
            .map(Some)
            .or_else(|e| if e == rusqlite::Error::QueryReturnedNoRows { Ok(None) } else { Err(e) })
            .unwrap();
        assert_eq!(stored.as_deref(), Some(identificativo.as_str()), "acknowledged action {id} lost");
        assert!(audited_actions.contains(identificativo), "action {identificativo} without its audit row");
    }
    for id in &acked.documents {
        let n: i64 = db.query_row("SELECT count(*) FROM document WHERE id = ?1", [id], |r| r.get(0)).unwrap();
        assert_eq!(n, 1, "acknowledged document {id} lost");
        assert!(audited_documents.contains(id), "document {id} without its audit row");
    }
}

#[test]
fn sigkill_twenty_times_during_writes_loses_nothing_acknowledged() {
    let started = Instant::now();
    let f = Fixture::new(KeyKind::EcdsaP256);
    let people = seed_people(&f);
    let mut server = f.start();
    let region = client(&f, Some(&f.card(&people.region)));
    let recipients = import_recipients(&f, &server, &region, 5);
    let card = f.card(&people.operator);

    let port = Arc::new(AtomicU16::new(server.port));
    let stop = Arc::new(AtomicBool::new(false));
    let acked = Arc::new(Mutex::new(Acknowledged::default()));
    let mut threads = Vec::new();
    for t in 0..4u64 {
        let (port, stop, acked) = (port.clone(), stop.clone(), acked.clone());
        let c = client(&f, Some(&card));
        let recipient = recipients[t as usize % recipients.len()];
        threads.push(std::thread::spawn(move || {
            let mut n = t * 1_000_000;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let base = format!("https://127.0.0.1:{}", port.load(Ordering::Relaxed));
                let res = c.post(format!("{base}/api/v1/recipients/{recipient}/actions")).json(&b03(n)).send();
                let Ok(res) = res else {
                    std::thread::sleep(Duration::from_millis(20));
                    continue;
                };
                if res.status().as_u16() / 100 != 2 {
                    let status = res.status();
                    let body = res.text().unwrap_or_default();
                    assert!(status.as_u16() == 503 || status.as_u16() == 422, "{status}: {body}");
                    continue;
                }
                let Ok(a) = res.json::<Value>() else { continue };
                let id = a["id"].as_i64().unwrap();
                acked.lock().unwrap().actions.push((id, a["identificativo_politica"].as_str().unwrap().to_owned()));
                if n % 2 == 0 {
                    let res = c
                        .post(format!("{base}/api/v1/actions/{id}/documents"))
                        .header("Content-Type", "application/pdf")
                        .body(pdf(20_000 + (n as usize % 7) * 10_000, n))
                        .send();
                    if let Ok(res) = res
                        && res.status().as_u16() == 201
                        && let Ok(d) = res.json::<Value>()
                    {
                        acked.lock().unwrap().documents.push(d["id"].as_i64().unwrap());
                    }
                }
            }
        }));
    }

    let mut rng = Rng::new();
    for round in 0..20 {
        // Let the load run a random while, then pull the plug.
        std::thread::sleep(Duration::from_millis(150 + rng.below(600)));
        server.kill9();
        assert_eq!(integrity(&f.data), "ok", "round {round}");
        audit_verify(&f);
        {
            let acked = acked.lock().unwrap();
            check_acknowledged(&f, &acked);
        }
        server = f.start();
        port.store(server.port, Ordering::Relaxed);
    }
    std::thread::sleep(Duration::from_millis(300));
    stop.store(true, Ordering::Relaxed);
    for t in threads {
        t.join().unwrap();
    }
    server.kill9();
    assert_eq!(integrity(&f.data), "ok");
    audit_verify(&f);
    let acked = acked.lock().unwrap();
    check_acknowledged(&f, &acked);
    eprintln!(
        "faults: 20 kills, {} actions and {} documents acknowledged, all present and audited ({:.1} s)",
        acked.actions.len(),
        acked.documents.len(),
        started.elapsed().as_secs_f64()
    );
    assert!(acked.actions.len() >= 20, "the load hardly ran: {} actions", acked.actions.len());
}

/// Mounts a tmpfs of `size` on `dir`; `Err` with the reason when not permitted.
/// A view waits for its audit row; when the writer cannot take the data file's lock (here
/// another process holds it), the view answers 503 in Italian after a few seconds, without
/// the data and without a row, instead of hanging.
#[test]
fn a_view_whose_audit_row_cannot_be_written_in_time_answers_503_without_the_data() {
    let f = Fixture::new(KeyKind::EcdsaP256);
    let people = seed_people(&f);
    let server = f.start();
    let region = client(&f, Some(&f.card(&people.region)));
    let operator = client(&f, Some(&f.card(&people.operator)));
    let id = import_recipients(&f, &server, &region, 1)[0];
    let api = server.url(&format!("/api/v1/recipients/{id}"));
    let page = server.url(&format!("/destinatari/{id}"));
    assert_eq!(operator.get(&api).send().unwrap().status(), 200);
    let person: String =
        f.db().query_row("SELECT codice_fiscale FROM recipient WHERE id = ?1", [id], |r| r.get(0)).unwrap();
    let views = f.audit_count("recipient.view");

    let holder = f.db();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    for (url, api) in [(&api, true), (&page, false)] {
        let started = Instant::now();
        let res = operator.get(url).timeout(Duration::from_secs(60)).send().unwrap();
        let waited = started.elapsed();
        assert_eq!(res.status(), 503, "{url}");
        let body = res.text().unwrap();
        assert!(!body.contains(&person), "data shown without its audit row: {body}");
        assert!(body.contains("registro degli accessi"), "{body}");
        if api {
            assert!(body.contains("registro_non_disponibile"), "{body}");
        }
        assert!(waited >= Duration::from_secs(4) && waited < Duration::from_secs(9), "answered after {waited:?}");
    }
    holder.execute_batch("COMMIT").unwrap();
    // Once the lock is free again, views answer; the refused ones left no row.
    assert_eq!(operator.get(&api).send().unwrap().status(), 200);
    assert_eq!(f.audit_count("recipient.view"), views + 1);
}

fn mount_tmpfs(dir: &Path, size: &str) -> Result<(), String> {
    let out = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
        .arg(dir)
        .output()
        .map_err(|e| format!("mount not runnable: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!("mount -t tmpfs refused: {}", String::from_utf8_lossy(&out.stderr).trim()))
    }
}

struct Unmount(std::path::PathBuf);

impl Drop for Unmount {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Writes `path` until the file system refuses (ENOSPC).
fn fill(path: &Path) -> u64 {
    use std::io::Write;
    let mut file = std::fs::File::create(path).unwrap();
    let chunk = vec![0x5au8; 64 * 1024];
    let mut written = 0u64;
    loop {
        match file.write(&chunk) {
            Ok(0) => break,
            Ok(n) => written += n as u64,
            Err(e) if e.kind() == std::io::ErrorKind::StorageFull => break,
            Err(e) => panic!("filler: {e}"),
        }
    }
    let _ = file.sync_all();
    written
}

#[test]
fn a_full_disk_refuses_writes_in_italian_corrupts_nothing_and_recovers_without_restart() {
    let mut f = Fixture::new(KeyKind::EcdsaP256);
    let mnt = f.path().join("disk");
    std::fs::create_dir(&mnt).unwrap();
    if let Err(reason) = mount_tmpfs(&mnt, "24m") {
        eprintln!("SKIPPED a_full_disk_...: {reason} (needs root to mount a tmpfs)");
        return;
    }
    let _unmount = Unmount(mnt.clone());
    f.data = mnt.join("ricolloca.db");
    f.write_config();
    let people = seed_people(&f);
    let server = f.start();
    let region = client(&f, Some(&f.card(&people.region)));
    let recipients = import_recipients(&f, &server, &region, 2);
    let op = client(&f, Some(&f.card(&people.operator)));
    let post_action = |n: u64| {
        op.post(server.url(&format!("/api/v1/recipients/{}/actions", recipients[0]))).json(&b03(n)).send().unwrap()
    };
    let res = post_action(1);
    assert_eq!(res.status(), 201);
    let action = res.json::<Value>().unwrap()["id"].as_i64().unwrap();
    let upload = |size: usize, salt: u64| {
        op.post(server.url(&format!("/api/v1/actions/{action}/documents")))
            .header("Content-Type", "application/pdf")
            .body(pdf(size, salt))
            .send()
            .unwrap()
    };
    assert_eq!(upload(100_000, 1).status(), 201);

    let filler = mnt.join("filler");
    let filled = fill(&filler);
    eprintln!("faults: filler of {} KiB fills the tmpfs", filled / 1024);
    let data_rows = |f: &Fixture| -> (i64, i64, i64) {
        let db = rusqlite::Connection::open_with_flags(&f.data, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
        db.busy_timeout(Duration::from_secs(30)).unwrap();
        let q = |sql: &str| db.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
        (q("SELECT count(*) FROM policy"), q("SELECT count(*) FROM document"), q("SELECT count(*) FROM audit_log"))
    };
    let before = data_rows(&f);

    // A 3 MB upload cannot fit: 503 with the Italian message and the stable code.
    let res = upload(3_000_000, 2);
    assert_eq!(res.status(), 503);
    let body: Value = res.json().unwrap();
    assert_eq!(body["error"], "disco_pieno", "{body}");
    assert!(body["message"].as_str().unwrap().starts_with("Spazio su disco esaurito"), "{body}");
    // Small writes fail the same way once the WAL cannot grow, or fit in pages SQLite already
    // holds: either way, never a 500 and never a 2xx without the row.
    let mut refused = 0;
    for n in 0..30 {
        let res = post_action(100 + n);
        match res.status().as_u16() {
            201 => {}
            503 => {
                refused += 1;
                assert_eq!(res.json::<Value>().unwrap()["error"], "disco_pieno");
            }
            other => panic!("action on a full disk: {other} {}", res.text().unwrap()),
        }
    }
    eprintln!("faults: {refused} of 30 small writes refused on the full disk");
    // A recipient's page writes an audit row: without room for it, the page is refused in
    // Italian (fail closed), never a crash or a page shown without its audit row.
    let page = op.get(server.url(&format!("/destinatari/{}", recipients[0]))).send().unwrap();
    let status = page.status().as_u16();
    let html = page.text().unwrap();
    assert!(status == 200 || status == 503, "{status}: {html}");
    if status == 503 {
        assert!(html.contains("Spazio su disco esaurito"), "{html}");
    }
    // Reads that need no audit row keep working.
    let me = op.get(server.url("/api/v1/me")).send().unwrap();
    assert_eq!(me.status(), 200);
    // Nothing corrupt, the chain intact, nothing half-written.
    assert_eq!(integrity(&f.data), "ok");
    audit_verify(&f);
    let during = data_rows(&f);
    assert_eq!(during.1, before.1, "no document stored on the full disk");

    // Space back: writes succeed again, same process.
    std::fs::remove_file(&filler).unwrap();
    let res = upload(3_000_000, 3);
    assert_eq!(res.status(), 201, "{}", res.text().unwrap());
    assert_eq!(post_action(999).status(), 201);
    let page = op.get(server.url(&format!("/destinatari/{}", recipients[0]))).send().unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(integrity(&f.data), "ok");
    audit_verify(&f);
    let after = data_rows(&f);
    assert_eq!(after.1, before.1 + 1);
    drop(server);
}

// ---------------------------------------------------------------------------------------
// Hostile input on every mounted route.

const XSS: &str = "<script>alert('rx')</script>";
const SQLI: &str = "' OR 1=1--";
const TRAVERSAL: &str = "../../etc/passwd";

/// Field names the forms and the API use (a superset: unknown fields are ignored by both).
const FIELDS: &[&str] = &[
    "tipo_attivita",
    "data_proposta",
    "data_inizio",
    "data_fine",
    "data_evento",
    "evento",
    "durata",
    "tipologia_durata",
    "titolo_denominazione",
    "descrizione",
    "dettagli",
    "version",
    "esito",
    "data",
    "ora",
    "nota",
    "note",
    "reason",
    "motivo",
    "codice_fiscale",
    "cf",
    "surname",
    "name",
    "cognome",
    "nome",
    "email",
    "pec",
    "phone",
    "role",
    "ruolo",
    "provider",
    "provider_id",
    "sede",
    "sedi",
    "address",
    "comune",
    "accreditation_code",
    "registered_office",
    "contact_person",
    "opening_hours",
    "target_jobs",
    "search_area",
    "activities",
    "duties",
    "decisione",
    "decision",
    "mese",
    "mesi",
    "dal",
    "al",
    "from",
    "to",
    "q",
    "cerca",
    "pagina",
    "page",
    "passphrase",
    "retention_months",
    "accept",
    "kind",
    "tipo",
    "stato",
    "outcome",
    "datore_cf",
    "datore_nome",
    "contratto",
    "ripresa",
    "tutor",
    "titolo_progetto",
    "received_on",
    "protocol",
    "suspend",
    "backdate_days",
    "text",
    "object",
    "action",
    "id",
];

/// The routes Rocket mounts, read from the real application (built, never launched), so a
/// route added tomorrow is in the table without anyone remembering it.
fn mounted_routes(f: &Fixture) -> Vec<(String, String)> {
    let config = ricolloca::config::Config::load(Some(&f.config)).unwrap();
    let clock: ricolloca::infra::clock::SharedClock = Arc::new(ricolloca::infra::clock::SystemClock);
    let rocket = ricolloca::server::build(&config, clock).unwrap();
    let mut routes: Vec<(String, String)> = rocket
        .routes()
        .map(|r| (r.method.as_str().to_owned(), r.uri.to_string().split('?').next().unwrap_or_default().to_owned()))
        .collect();
    routes.sort();
    routes.dedup();
    routes
}

/// A concrete path: each dynamic segment replaced by `value(name)`.
fn concrete(template: &str, value: &dyn Fn(&str) -> String) -> String {
    template
        .split('/')
        .map(|s| {
            if let Some(name) = s.strip_prefix('<') {
                value(name.trim_end_matches('>').trim_end_matches(".."))
            } else {
                s.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn form_token(f: &Fixture, card: &ricolloca::infra::pki::Issued) -> String {
    use sha2::Digest;
    let secret: Vec<u8> = f
        .db()
        .query_row("SELECT value FROM setting WHERE key = ?1", [ricolloca::access::form_token::SECRET_KEY], |r| {
            r.get(0)
        })
        .unwrap();
    let now = ricolloca::infra::clock::Clock::now(&ricolloca::infra::clock::SystemClock);
    ricolloca::access::form_token::token(&secret, &hex::encode(sha2::Sha256::digest(&card.cert_der)), now)
}

/// Rows of every data table (the audit trail with its subject index, and the access
/// bookkeeping excluded: refusals and reads are audited, and that is not a stored change).
fn data_counts(f: &Fixture) -> Vec<(String, i64)> {
    let db = f.db();
    let tables: Vec<String> = {
        let mut s = db
            .prepare(
                "SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
                 AND name NOT IN ('audit_log', 'audit_checkpoint', 'audit_subject', 'audit_list_subject', \
                 'audit_subject_backfill', 'certificate_seen', 'anomaly', 'anomaly_cursor') ORDER BY name",
            )
            .unwrap();
        s.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    tables
        .into_iter()
        .map(|t| {
            let n = db.query_row(&format!("SELECT count(*) FROM \"{t}\""), [], |r| r.get(0)).unwrap();
            (t, n)
        })
        .collect()
}

struct Outcome {
    label: String,
    status: u16,
    content_type: String,
    body: String,
}

/// What every hostile request must satisfy; returns a problem, if any.
fn judge(o: &Outcome, api: bool) -> Option<String> {
    let Outcome { label, status, content_type, body } = o;
    if *status >= 500 {
        return Some(format!("{label}: {status} {}", body.chars().take(300).collect::<String>()));
    }
    if content_type.contains("html") && body.contains("<script>alert(") {
        return Some(format!("{label}: payload reflected unescaped"));
    }
    if *status == 422 {
        if api || content_type.contains("json") {
            let v: Value = match serde_json::from_str(body) {
                Ok(v) => v,
                Err(_) => return Some(format!("{label}: 422 without JSON")),
            };
            let errors = v["errors"].as_array().cloned().unwrap_or_default();
            if errors.is_empty()
                || errors
                    .iter()
                    .any(|e| e["field"].as_str().unwrap_or("").is_empty() || e["message"].as_str().is_none())
            {
                return Some(format!("{label}: 422 without field errors: {v}"));
            }
        } else if !body.contains("lang=\"it\"") {
            return Some(format!("{label}: 422 page not the Italian one"));
        } else if !body.contains("field-error") && !body.contains("href=\"#f-") {
            return Some(format!("{label}: 422 page naming no field"));
        }
    }
    None
}

fn outcome(label: String, res: reqwest::Result<reqwest::blocking::Response>) -> Outcome {
    match res {
        Ok(res) => {
            let status = res.status().as_u16();
            let content_type =
                res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
            let body = res.text().unwrap_or_default();
            Outcome { label, status, content_type, body }
        }
        // The server may close a connection on an oversized body: a refusal, not a crash.
        Err(e) => Outcome { label, status: 413, content_type: String::new(), body: e.to_string() },
    }
}

fn changes(before: &[(String, i64)], after: &[(String, i64)]) -> Vec<String> {
    before.iter().zip(after).filter(|(b, a)| b.1 != a.1).map(|(b, a)| format!("{}: {} -> {}", b.0, b.1, a.1)).collect()
}

/// Write routes that may answer 2xx to the hostile table, and why: their input is free text
/// (stored as given and escaped on output, which the read half of the test checks), a file
/// judged by its content (never by its name), or nothing at all.
const MAY_ACCEPT: &[(&str, &str)] = &[
    ("/api/v1/actions/<action>/documents", "a %PDF- file is stored whatever its name; the name is never a path"),
    ("/api/v1/import/assignments", "answers 200 with a per-line report; refused lines store nothing"),
    ("/api/v1/import/sap", "answers 200 with a per-file report; refused files store nothing"),
    ("/api/v1/providers/<id>/suspend", "the reason is free text"),
    ("/api/v1/providers/<id>/reactivate", "the reason is free text"),
    ("/regione/importazioni/csv", "the report page lists what was refused"),
    ("/regione/importazioni/sap", "the report page lists what was refused"),
    ("/regione/revisione/<id>", "marks an operator reviewed; takes no input"),
    ("/regione/soggetti/<id>/sospendi", "the reason is free text"),
    ("/regione/soggetti/<id>/riattiva", "the reason is free text"),
    ("/regione/soggetti/<id>/sedi", "name, address and hours are free text"),
    // The sede made through the API below (id 1) then exists for the routes that edit it.
    ("/api/v1/providers/<id>/sedi", "address and hours are free text"),
    ("/api/v1/sedi/<id>", "address and hours are free text"),
    ("/api/v1/sedi/<id>/close", "takes no input"),
    ("/regione/sedi/<id>", "address and hours are free text"),
    ("/regione/sedi/<id>/chiudi", "takes no input"),
    ("/api/v1/backups", "takes no input"),
    ("/api/v1/idol/exports", "`since` is optional: a body without it exports from where the last export ended"),
    ("/tecnico/backup", "takes no input"),
    ("/tecnico/sistema/ricarica", "takes no input: re-reads the configuration file and the CRLs"),
    // Outside office hours the test's own traffic raises an off-hours anomaly (id 1), which
    // the Region may then archive or decide on with a free-text reason.
    ("/api/v1/anomalies/<id>/archive", "the reason is free text"),
    ("/api/v1/anomalies/<id>/suspend", "the reason is free text"),
    ("/regione/anomalie/<id>", "the reason is free text"),
];

fn hostile_values() -> Vec<(&'static str, String)> {
    vec![
        ("xss", XSS.to_owned()),
        ("sql", SQLI.to_owned()),
        ("long", "A".repeat(10_000)),
        ("nul", "a\0b".to_owned()),
        ("wrong type", "-1e999".to_owned()),
        ("bad date", "2025-02-30".to_owned()),
        ("bad cf", "RSSMRA85T10A56Z".to_owned()),
    ]
}

#[test]
fn hostile_input_on_every_route_is_refused_in_italian_and_stores_nothing() {
    let started = Instant::now();
    let f = Fixture::new(KeyKind::EcdsaP256);
    let people = seed_people(&f);
    let routes = mounted_routes(&f);
    let server = f.start();
    let cards: Vec<(&str, ricolloca::infra::pki::Issued)> = vec![
        ("operatore", f.card(&people.operator)),
        ("regione", f.card(&people.region)),
        ("revisore", f.card(&people.auditor)),
        ("tecnico", f.card(&people.technician)),
    ];
    let region = client(&f, Some(&cards[1].1));
    let recipients = import_recipients(&f, &server, &region, 2);
    let op = client(&f, Some(&cards[0].1));
    let res =
        op.post(server.url(&format!("/api/v1/recipients/{}/actions", recipients[0]))).json(&b03(1)).send().unwrap();
    assert_eq!(res.status(), 201);
    let action = res.json::<Value>().unwrap()["id"].as_i64().unwrap();
    let res = op
        .post(server.url(&format!("/api/v1/actions/{action}/documents")))
        .header("Content-Type", "application/pdf")
        .body(pdf(1000, 1))
        .send()
        .unwrap();
    assert_eq!(res.status(), 201);
    let document = res.json::<Value>().unwrap()["id"].as_i64().unwrap();
    let real = |name: &str| -> String {
        match name {
            n if n.contains("recipient") || n == "person" || n == "destinatario" => recipients[0].to_string(),
            n if n.contains("action") || n.contains("policy") => action.to_string(),
            n if n.contains("document") => document.to_string(),
            _ => "1".to_owned(),
        }
    };
    let clients: Vec<(&str, Client, String)> =
        cards.iter().map(|(role, card)| (*role, client(&f, Some(card)), form_token(&f, card))).collect();

    let before = data_counts(&f);
    let writes: Vec<&(String, String)> = routes.iter().filter(|(m, _)| m == "POST" || m == "PUT").collect();
    let reads: Vec<&(String, String)> = routes.iter().filter(|(m, _)| m == "GET").collect();
    assert!(writes.len() >= 20 && reads.len() >= 20, "{routes:?}");
    let mut problems = Vec::new();
    let mut accepted = Vec::new();
    let mut requests = 0usize;
    let mut check = |o: Outcome, api: bool, problems: &mut Vec<String>, accepted: &mut Vec<String>| {
        requests += 1;
        if let Some(p) = judge(&o, api) {
            problems.push(p);
        } else if o.status < 300 {
            accepted.push(format!("{} -> {}", o.label, o.status));
        }
    };
    let mut stored_changes = Vec::new();
    for (method, template) in &writes {
        let path = concrete(template, &real);
        let api = path.starts_with("/api/");
        let url = server.url(&path);
        let counts_before = data_counts(&f);
        let accepted_before = accepted.len();
        for (role, c, token) in &clients {
            let send = |b: reqwest::blocking::RequestBuilder| b.header("X-Ricolloca-Client", "faults").send();
            let req = |c: &Client| if method.as_str() == "PUT" { c.put(&url) } else { c.post(&url) };
            for (kind, value) in hostile_values() {
                let label = format!("{role} {method} {path} [{kind}]");
                if api {
                    let mut body = serde_json::Map::new();
                    for field in FIELDS {
                        body.insert((*field).to_owned(), Value::String(value.clone()));
                    }
                    let o = outcome(label, send(req(c).json(&Value::Object(body))));
                    check(o, true, &mut problems, &mut accepted);
                } else {
                    let mut form = vec![("_token", token.clone())];
                    form.extend(FIELDS.iter().map(|k| (*k, value.clone())));
                    let o = outcome(label, send(req(c).form(&form)));
                    check(o, false, &mut problems, &mut accepted);
                }
            }
            if api {
                // Wrong JSON types, shapes and syntax.
                let numbers: serde_json::Map<String, Value> =
                    FIELDS.iter().map(|k| ((*k).to_owned(), json!(12345))).collect();
                let shapes = [
                    ("string body", json!(XSS).to_string()),
                    ("array body", "[]".to_owned()),
                    ("numbers", Value::Object(numbers).to_string()),
                    ("broken json", "{\"tipo_attivita\": ".to_owned()),
                    (
                        "nested",
                        json!({"dettagli": {"ore": "x", "operatore_cf": XSS}, "tipo_attivita": "A06"}).to_string(),
                    ),
                    ("oversized", format!("{{\"nota\": \"{}\"}}", "x".repeat(1_200_000))),
                ];
                for (kind, body) in shapes {
                    let label = format!("{role} {method} {path} [{kind}]");
                    let o = outcome(label, send(req(c).header("Content-Type", "application/json").body(body)));
                    check(o, true, &mut problems, &mut accepted);
                }
                for ct in ["text/csv", "application/xml"] {
                    let label = format!("{role} {method} {path} [{ct}]");
                    let body = format!("{XSS};{SQLI};\0;{TRAVERSAL}\n<a>{XSS}</a>");
                    let o = outcome(label, send(req(c).header("Content-Type", ct).body(body)));
                    check(o, true, &mut problems, &mut accepted);
                }
            }
            // Multipart: a hostile file name and content, and one beyond the size limit.
            let part = reqwest::blocking::multipart::Part::bytes(common::pdf_with(XSS.as_bytes()))
                .file_name(TRAVERSAL)
                .mime_str("application/pdf")
                .unwrap();
            let mut form = reqwest::blocking::multipart::Form::new().text("_token", token.clone());
            for field in FIELDS {
                form = form.text(*field, XSS);
            }
            let label = format!("{role} {method} {path} [multipart traversal]");
            check(outcome(label, send(req(c).multipart(form.part("file", part)))), api, &mut problems, &mut accepted);
        }
        // A route that refused everything stored nothing; one that accepted something must
        // be on the list of routes whose input may legitimately be any text (or none).
        let changed = changes(&counts_before, &data_counts(&f));
        if accepted.len() == accepted_before {
            if !changed.is_empty() {
                stored_changes.push(format!("{method} {template}: refused, yet stored {changed:?}"));
            }
        } else if !MAY_ACCEPT.iter().any(|(t, _)| t == template) {
            stored_changes.push(format!("{method} {template}: accepted hostile input ({changed:?})"));
        }
    }
    // One upload beyond the limit (20 MB) on every route that takes a file.
    for (method, template) in &writes {
        let path = concrete(template, &real);
        let (role, c, token) = &clients[if path.contains("admin") || path.contains("import") { 1 } else { 0 }];
        let part = reqwest::blocking::multipart::Part::bytes(pdf(21 * 1024 * 1024, 7)).file_name("grande.pdf");
        let form = reqwest::blocking::multipart::Form::new().text("_token", token.clone()).part("file", part);
        let builder = if method.as_str() == "PUT" { c.put(server.url(&path)) } else { c.post(server.url(&path)) };
        let label = format!("{role} {method} {path} [21 MB multipart]");
        let o = outcome(label, builder.header("X-Ricolloca-Client", "faults").multipart(form).send());
        check(o, path.starts_with("/api/"), &mut problems, &mut accepted);
    }
    // Reads: hostile path segments and query strings.
    let segments = [
        "%3Cscript%3Ealert('rx')%3C%2Fscript%3E",
        "..%2F..%2Fetc%2Fpasswd",
        "'%20OR%201=1--",
        "%00",
        "-1",
        "99999999999999999999999",
    ];
    let long = "A".repeat(10_000);
    let query: String = FIELDS
        .iter()
        .map(|k| format!("{k}=%3Cscript%3Ealert('rx')%3C%2Fscript%3E"))
        .chain(["pagina=-1".into(), "dal=2025-02-30".into(), format!("q={long}"), "cerca=%00%27".into()])
        .collect::<Vec<_>>()
        .join("&");
    for (_, template) in &reads {
        let mut paths: Vec<String> = Vec::new();
        if template.contains('<') {
            paths.extend(segments.iter().map(|s| concrete(template, &|_| (*s).to_owned())));
        }
        paths.push(format!("{}?{query}", concrete(template, &real)));
        for path in paths {
            for (role, c, _) in &clients {
                let label = format!("{role} GET {path}").chars().take(160).collect();
                let o = outcome(label, c.get(server.url(&path)).send());
                check(o, path.starts_with("/api/"), &mut problems, &mut accepted);
            }
        }
    }
    let _ = before;
    eprintln!(
        "faults: hostile table: {} write routes, {} read routes, {requests} requests, {:.1} s",
        writes.len(),
        reads.len(),
        started.elapsed().as_secs_f64()
    );
    for a in &accepted {
        eprintln!("faults: accepted (2xx): {a}");
    }
    assert!(problems.is_empty(), "{} problems:\n{}", problems.len(), problems.join("\n"));
    assert!(stored_changes.is_empty(), "{}", stored_changes.join("\n"));
    drop(server);
}

//! Oversight over real TLS: the auditor's registro and data-subject report on a crafted
//! history across providers, the anomaly watch and the Region's decision, the tracking
//! notice, and pruning that keeps the chain verifiable (with adversarial copies).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![allow(clippy::disallowed_methods)] // peeks into the data file: statement caching is for the server

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::{Fixture, Server, cf, client, identity, provider, roots};
use reqwest::blocking::Client;
use ricolloca::domain::audit_event::{Actor, AuditEvent};
use ricolloca::domain::audit_views::{
    DocumentDownloaded, ProgrammeViewed, RecipientViewed, RecipientsListed, SapViewed, ViewEvent,
};
use ricolloca::domain::ids::{DocumentId, OperatorId, ProviderId, RecipientId};
use ricolloca::domain::role::Role;
use ricolloca::infra::clock::{Clock, SystemClock};
use ricolloca::infra::pki::KeyKind;
use ricolloca::repo;
use serde_json::{Value, json};

/// An office with two providers, an operator in each, the Region and an auditor.
struct Office {
    f: Fixture,
    a: i64,
    b: i64,
    op_a: (i64, String),
    op_b: (i64, String),
    region_cf: String,
    auditor_cf: String,
}

fn office() -> Office {
    let mut f = Fixture::new(KeyKind::EcdsaP256);
    // Tests run at any hour: only the rules under test may fire.
    f.tls_extra = "\n[anomalies]\noffice_hours = \"00:00-24:00\"\noffice_days = [1, 2, 3, 4, 5, 6, 7]\n".into();
    f.write_config();
    let a = f.add_provider("Lavoro Futuro", "06363391001", "ACC-1");
    let b = f.add_provider("Orienta", "97103880585", "ACC-2");
    let (cf_a, cf_b) = (cf("RSSMRA85T10A562"), cf("VRDGPP75M12G702"));
    let op_a = (f.add_operator(&cf_a, "operatore", Some(a)), cf_a);
    let op_b = (f.add_operator(&cf_b, "operatore", Some(b)), cf_b);
    let region_cf = cf("BNCMRA80A41D612");
    f.add_operator(&region_cf, "regione", None);
    let auditor_cf = cf("NRIGLI70C03H501");
    f.add_operator(&auditor_cf, "revisore", None);
    Office { f, a, b, op_a, op_b, region_cf, auditor_cf }
}

impl Office {
    fn actor(&self, (id, cf): &(i64, String), provider: i64) -> Actor {
        Actor {
            id: Some(OperatorId::try_from(*id).unwrap()),
            cf: cf.clone(),
            role: Some(Role::Operatore),
            provider: Some(ProviderId::try_from(provider).unwrap()),
            cert_sha256: Some("ab".repeat(32)),
            ip: Some("10.0.0.5".into()),
        }
    }

    /// Appends crafted rows through the library (so the chain stays valid); returns their seqs.
    fn append(&self, at: i64, rows: &[(Actor, AuditEvent)]) -> Vec<i64> {
        let mut conn =
            ricolloca::service::data_file::open(&self.f.data, ricolloca::domain::timestamp::Timestamp::EPOCH).unwrap();
        repo::write_once(&mut conn, |tx| {
            rows.iter()
                .map(|(actor, event)| {
                    repo::audit::append(tx, ricolloca::domain::timestamp::Timestamp::from_ms(at), actor, event)
                })
                .collect()
        })
        .unwrap()
    }

    fn recipient(&self, cf: &str) -> i64 {
        let db = self.f.db();
        db.execute(
            "INSERT INTO recipient_all (codice_fiscale, cognome, nome, created_at, updated_at) VALUES (?1, 'Bianchi', 'Anna', 0, 0)",
            [cf],
        )
        .unwrap();
        db.last_insert_rowid()
    }
}

/// A typed read, as the server writes it.
fn view(event: &impl ViewEvent) -> AuditEvent {
    AuditEvent::of_view(event).unwrap()
}

fn rcp(id: i64) -> RecipientId {
    RecipientId::try_from(id).unwrap()
}

/// A page of someone's record, for tests that count rows (no codice fiscale: nothing else indexed).
fn recipient_viewed(id: i64) -> AuditEvent {
    view(&RecipientViewed { recipient: rcp(id), cf: "", via: None })
}

fn denied(path: &str) -> AuditEvent {
    AuditEvent::Denied { reason: "foreign_or_unknown_object", method: "GET".into(), path: path.into(), cert: None }
}

fn now() -> i64 {
    SystemClock.now().as_ms()
}

fn seqs(items: &Value) -> BTreeSet<i64> {
    items.as_array().unwrap().iter().map(|r| r["seq"].as_i64().unwrap()).collect()
}

#[test]
fn the_data_subject_report_lists_exactly_the_accesses_to_that_person_across_providers() {
    let o = office();
    let anna = cf("BNCNNA90A41H501");
    let other = cf("VRDLCU88B12F205");
    // Ids 1 and 10: "recipient:1" must never match "recipient:10", nor "/destinatari/1" "/destinatari/10".
    let id = o.recipient(&anna);
    for _ in 0..8 {
        o.recipient(&format!("X{}", rand_suffix()));
    }
    let ten = o.recipient(&other);
    assert_eq!((id, ten), (1, 10));
    let (ra, rb) = (o.actor(&o.op_a, o.a), o.actor(&o.op_b, o.b));
    let mine = o.append(
        now(),
        &[
            (ra.clone(), view(&RecipientViewed { recipient: rcp(id), cf: &anna, via: None })),
            (ra.clone(), view(&SapViewed { recipient: rcp(id), cf: &anna, version: Some(1) })),
            // The person moved to the other provider, which opened the programme and a document.
            (rb.clone(), view(&ProgrammeViewed::Screen { recipient: rcp(id), cf: &anna, version: Some(1) })),
            (
                rb.clone(),
                view(&DocumentDownloaded::Signed {
                    recipient: rcp(id),
                    document: DocumentId::try_from(1).unwrap(),
                    sha256: &"ab".repeat(32),
                    cf: &anna,
                }),
            ),
            // A search by the person's codice fiscale, and an attempt at her page refused.
            (
                ra.clone(),
                view(&RecipientsListed::Screen {
                    scope: Some(ProviderId::try_from(o.a).unwrap()),
                    q: &anna,
                    state: "",
                    provider: None,
                    page: 0,
                    rows: 1,
                }),
            ),
            (ra.clone(), denied(&format!("/destinatari/{id}/sap"))),
        ],
    );
    let others = o.append(
        now(),
        &[
            (ra.clone(), view(&RecipientViewed { recipient: rcp(ten), cf: &other, via: None })),
            (rb.clone(), denied(&format!("/destinatari/{ten}"))),
            (
                rb.clone(),
                view(&RecipientsListed::Screen {
                    scope: None,
                    q: "Bianchi",
                    state: "",
                    provider: None,
                    page: 0,
                    rows: 1,
                }),
            ),
            (ra, AuditEvent::Login { cert: json!({}) }),
        ],
    );
    let server = o.f.start();
    let auditor = client(&o.f, Some(&o.f.card(&o.auditor_cf)));

    let report: Value =
        auditor.get(server.url(&format!("/api/v1/audit/accesses?cf={anna}"))).send().unwrap().json().unwrap();
    assert_eq!(seqs(&report["accesses"]), mine.iter().copied().collect(), "{report:#}");
    // The page and the CSV say the same, and each consultation is audited.
    let html = auditor.get(server.url(&format!("/revisione/interessato?cf={anna}"))).send().unwrap().text().unwrap();
    assert!(html.contains("6 registrazioni") && html.contains("Orienta") && html.contains("Lavoro Futuro"), "{html}");
    // A letter the person understands: who, for whom, what, in plain words; no codes.
    assert!(html.contains("Gentile ") && html.contains("operatore di Lavoro Futuro"), "{html}");
    assert!(html.contains("Ha consultato la Sua Scheda Anagrafica Professionale (SAP)"), "{html}");
    assert!(
        html.contains("Ha tentato di aprire i Suoi dati, ma l&#39;accesso è stato negato")
            || html.contains("Ha tentato di aprire i Suoi dati, ma l'accesso è stato negato"),
        "{html}"
    );
    for code in ["sap.view", "recipient.view", "access.denied", "foreign_or_unknown_object", "recipient:"] {
        assert!(!html.contains(code), "the letter shows the code {code}: {html}");
    }
    let csv = auditor.get(server.url(&format!("/revisione/interessato.csv?cf={anna}"))).send().unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    assert_eq!(csv.text().unwrap().lines().count(), 1 + mine.len());
    assert_eq!(o.f.audit_count("audit.subject_report"), 2);
    assert_eq!(o.f.audit_count("audit.subject_export"), 1);
    // Asking again does not add the auditor's own consultations to the person's report.
    let again: Value =
        auditor.get(server.url(&format!("/api/v1/audit/accesses?cf={anna}"))).send().unwrap().json().unwrap();
    assert_eq!(again["accesses"].as_array().unwrap().len(), mine.len());

    // The registro finds the same rows by the person's codice fiscale, and filters by operator.
    let found: Value = auditor
        .get(server.url(&format!("/api/v1/audit?recipient_cf={anna}&action=sap.view")))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(seqs(&found["items"]), BTreeSet::from([mine[1]]));
    let by_b: Value =
        auditor.get(server.url(&format!("/api/v1/audit?operator={}", o.op_b.1))).send().unwrap().json().unwrap();
    assert_eq!(seqs(&by_b["items"]), BTreeSet::from([mine[2], mine[3], others[1], others[2]]));
    let html = auditor.get(server.url(&format!("/revisione/registro?cf={anna}"))).send().unwrap().text().unwrap();
    assert!(html.contains("Registro accessi") && html.contains("consultazione della SAP"), "{html}");
    assert!(
        auditor.get(server.url("/revisione/registro.csv?esito=denied")).send().unwrap().text().unwrap().lines().count()
            >= 3
    );
    assert_eq!(o.f.audit_count("audit.export"), 1);
    let month: Value = auditor
        .get(server.url(&format!(
            "/api/v1/audit/activity?month={}",
            ricolloca::web::audit_params::month_of(ricolloca::domain::timestamp::Timestamp::from_ms(now()))
        )))
        .send()
        .unwrap()
        .json()
        .unwrap();
    let line = month["operators"].as_array().unwrap().iter().find(|l| l["operator_cf"] == o.op_a.1.as_str()).unwrap();
    assert_eq!(
        (line["logins"].as_i64(), line["records_viewed"].as_i64(), line["denied"].as_i64()),
        (Some(1), Some(3), Some(1))
    );
    let html = auditor.get(server.url("/revisione/attivita")).send().unwrap().text().unwrap();
    assert!(html.contains("Per operatore") && html.contains("Orienta"));

    // The Region and the operators are refused (403, audited); the auditor sees no anomalies screen.
    let region = client(&o.f, Some(&o.f.card(&o.region_cf)));
    let op = client(&o.f, Some(&o.f.card(&o.op_a.1)));
    for path in ["/revisione/registro", "/revisione/interessato", "/revisione/attivita", "/api/v1/audit?action=x"] {
        assert_eq!(region.get(server.url(path)).send().unwrap().status(), 403, "{path}");
        assert_eq!(op.get(server.url(path)).send().unwrap().status(), 403, "{path}");
    }
    assert_eq!(auditor.get(server.url("/regione/anomalie")).send().unwrap().status(), 403);
    assert_eq!(auditor.get(server.url("/api/v1/anomalies")).send().unwrap().status(), 403);
}

fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    format!("{:015}", N.fetch_add(1, Ordering::SeqCst))
}

#[test]
fn the_registro_pages_by_seq_and_shows_the_chain_state() {
    let o = office();
    let ra = o.actor(&o.op_a, o.a);
    let rows: Vec<(Actor, AuditEvent)> = (1..=120).map(|i| (ra.clone(), recipient_viewed(i))).collect();
    o.append(now(), &rows);
    let server = o.f.start();
    let auditor = client(&o.f, Some(&o.f.card(&o.auditor_cf)));
    let first: Value = auditor.get(server.url("/api/v1/audit?action=recipient.view")).send().unwrap().json().unwrap();
    assert_eq!(first["items"].as_array().unwrap().len(), 100);
    let next = first["next_before"].as_i64().unwrap();
    let rest: Value = auditor
        .get(server.url(&format!("/api/v1/audit?action=recipient.view&before={next}")))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(rest["items"].as_array().unwrap().len(), 20);
    assert!(rest["next_before"].is_null());
    let all: BTreeSet<i64> = seqs(&first["items"]).union(&seqs(&rest["items"])).copied().collect();
    assert_eq!(all.len(), 120, "no row twice, none missing");

    // Numbered pages: the first fixes `as_of`, so a row written meanwhile shifts nothing.
    let p1: Value =
        auditor.get(server.url("/api/v1/audit?action=recipient.view&page=1")).send().unwrap().json().unwrap();
    assert_eq!(seqs(&p1["items"]), seqs(&first["items"]));
    assert_eq!(p1["next_page"], 2);
    let as_of = p1["as_of"].as_i64().unwrap();
    o.append(now(), &[(ra.clone(), recipient_viewed(999))]);
    let p2: Value = auditor
        .get(server.url(&format!("/api/v1/audit?action=recipient.view&page=2&as_of={as_of}")))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(seqs(&p2["items"]), seqs(&rest["items"]));
    assert!(p2["next_page"].is_null());
    for bad in ["page=0", "page=1&before=5"] {
        let res = auditor.get(server.url(&format!("/api/v1/audit?{bad}"))).send().unwrap();
        assert_eq!(res.status(), 422, "{bad}");
    }
    let verified: Value = auditor.get(server.url("/api/v1/audit/verify")).send().unwrap().json().unwrap();
    assert_eq!(verified["intact"], true, "{verified}");
    assert!(verified["head_seq"].as_i64().unwrap() >= 121, "{verified}");

    let html = auditor.get(server.url("/revisione/registro?azione=recipient.view")).send().unwrap().text().unwrap();
    assert!(html.contains("Meno recenti"), "a next-page link");
    assert!(html.contains("Catena integra fino alla riga") || html.contains("Verifica della catena"), "{html}");
    // A date range outside the rows finds nothing; a bad date is said, not a 500.
    let none: Value =
        auditor.get(server.url("/api/v1/audit?from=2001-01-01&to=2001-01-31")).send().unwrap().json().unwrap();
    assert!(none["items"].as_array().unwrap().is_empty());
    let bad = auditor.get(server.url("/revisione/registro?dal=ieri")).send().unwrap();
    assert_eq!(bad.status(), 200);
    assert!(bad.text().unwrap().contains("data non valida"));
}

/// Polls (the watch runs on a timer) until the anomalies list is not empty.
fn wait_for_anomalies(region: &Client, server: &Server) -> Value {
    for _ in 0..100 {
        let list: Value = region.get(server.url("/api/v1/anomalies")).send().unwrap().json().unwrap();
        if !list["items"].as_array().unwrap().is_empty() {
            return list;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("no anomaly found");
}

#[test]
fn a_burst_of_downloads_becomes_an_anomaly_and_the_region_suspends_the_operator() {
    let o = office();
    let ra = o.actor(&o.op_a, o.a);
    let rows: Vec<(Actor, AuditEvent)> = (0..25)
        .map(|i| {
            let e = DocumentDownloaded::ProgrammePdf {
                recipient: rcp(i % 3 + 1),
                cf: "",
                programme_version: 1,
                sha256: "",
            };
            (ra.clone(), view(&e))
        })
        .collect();
    let burst = o.append(now(), &rows);
    let server = o.f.start();
    let region = client(&o.f, Some(&o.f.card(&o.region_cf)));
    let list = wait_for_anomalies(&region, &server);
    let a = list["items"].as_array().unwrap().iter().find(|a| a["rule"] == "download_burst").unwrap();
    assert_eq!(a["rule"], "download_burst");
    assert_eq!(a["actor_cf"], o.op_a.1.as_str());
    let evidence: BTreeSet<i64> = a["evidence"].as_array().unwrap().iter().map(|s| s.as_i64().unwrap()).collect();
    assert!(evidence.is_subset(&burst.iter().copied().collect()) && evidence.len() >= 20);
    assert_eq!(o.f.audit_count("anomaly.detect"), 1);
    // Not blocked by the rule itself.
    let op = client(&o.f, Some(&o.f.card(&o.op_a.1)));
    assert_eq!(op.get(server.url("/api/v1/me")).send().unwrap().status(), 200);

    let html = region.get(server.url("/regione/anomalie")).send().unwrap().text().unwrap();
    assert!(html.contains("Sospendi operatore") && html.contains("Sospendi soggetto") && html.contains("Archivia"));
    assert!(html.contains("molti scaricamenti"), "{html}");
    let id = a["id"].as_i64().unwrap();
    // On the screen, a decision without a reason comes back with the message, nothing decided.
    let at = html.find("name=\"_token\" value=\"").unwrap() + 21;
    let token = &html[at..at + html[at..].find('"').unwrap()];
    let refused = region
        .post(server.url(&format!("/regione/anomalie/{id}")))
        .header("Origin", format!("https://127.0.0.1:{}", server.port))
        .form(&[("_token", token), ("reason", "  "), ("decisione", "archivia")])
        .send()
        .unwrap();
    assert_eq!(refused.status(), 422);
    let page = refused.text().unwrap();
    assert!(page.contains("href=\"#f-reason\"") && page.contains("id=\"f-reason-errore\""), "{page}");
    assert!(page.contains("Sospendi operatore"), "the decision can be made from there: {page}");
    assert_eq!(o.f.last_audit().0, "anomaly.list", "shown with its audit row");
    assert_eq!(o.f.audit_count("anomaly.archive"), 0);
    let res = region
        .post(server.url(&format!("/api/v1/anomalies/{id}/suspend")))
        .json(&json!({ "reason": "scaricamenti massivi non giustificati" }))
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().unwrap()["state"], "suspended");
    assert_eq!(op.get(server.url("/api/v1/me")).send().unwrap().status(), 403, "switched off at once");
    assert_eq!(o.f.audit_count("operator.disable"), 1);
    assert_eq!(o.f.audit_count("anomaly.suspend"), 1);
    // Twice is a conflict; an operator cannot decide.
    let again = region
        .post(server.url(&format!("/api/v1/anomalies/{id}/archive")))
        .json(&json!({ "reason": "già fatto" }))
        .send()
        .unwrap();
    assert_eq!(again.status(), 409);
    let other = client(&o.f, Some(&o.f.card(&o.op_b.1)));
    assert_eq!(other.get(server.url("/regione/anomalie")).send().unwrap().status(), 403);
    assert!(o.f.cli_ok(&["audit", "verify"]).contains("intact up to"));
}

#[test]
fn an_auto_suspend_rule_switches_the_operator_off_by_itself() {
    let mut o = office();
    o.f.tls_extra.push_str("\n[anomalies.repeated_denied]\nauto_suspend = true\nthreshold = 3\n");
    o.f.write_config();
    let rb = o.actor(&o.op_b, o.b);
    o.append(
        now(),
        &[
            (rb.clone(), denied("/destinatari/7")),
            (rb.clone(), denied("/destinatari/8")),
            (rb, denied("/destinatari/9")),
        ],
    );
    let server = o.f.start();
    let region = client(&o.f, Some(&o.f.card(&o.region_cf)));
    let list: Value = {
        let mut found = Value::Null;
        for _ in 0..100 {
            let all: Value = region.get(server.url("/api/v1/anomalies?all=true")).send().unwrap().json().unwrap();
            if !all["items"].as_array().unwrap().is_empty() {
                found = all;
                break;
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        found
    };
    assert_eq!(list["items"][0]["rule"], "repeated_denied");
    assert_eq!(list["items"][0]["state"], "suspended");
    let op = client(&o.f, Some(&o.f.card(&o.op_b.1)));
    assert_eq!(op.get(server.url("/api/v1/me")).send().unwrap().status(), 403);
}

#[test]
fn operators_acknowledge_the_tracking_notice_before_their_pages_and_again_when_it_changes() {
    let mut o = office();
    let server = Server::start_with_notice(&o.f.config, true);
    let card = o.f.card(&o.op_a.1);
    let op = client(&o.f, Some(&card));
    // The home page is held back too, and says where to go back to.
    let res = op.get(server.url("/")).send().unwrap();
    assert_eq!((res.url().path(), res.url().query()), ("/informativa", Some("torna=%2F")), "{}", res.url());
    let res = op.get(server.url("/cruscotto?pagina=1")).send().unwrap();
    assert!(res.url().path().ends_with("/informativa"), "{}", res.url());
    let html = res.text().unwrap();
    assert!(html.contains("Informativa sul tracciamento") && html.contains("Ho letto"));
    assert!(html.contains(r#"name="torna" value="/cruscotto?pagina=1""#), "{html}");
    // The API is not held back.
    assert_eq!(op.get(server.url("/api/v1/me")).send().unwrap().status(), 200);
    let token = html.split("name=\"_token\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let sha = html.split("name=\"sha256\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_owned();
    let origin = format!("https://127.0.0.1:{}", server.port);
    let post = |token: &str, sha: &str, torna: &str| {
        op.post(server.url("/informativa"))
            .header("Origin", &origin)
            .form(&[("_token", token), ("sha256", sha), ("torna", torna)])
            .send()
            .unwrap()
    };
    // A stale text is not acknowledged: the notice again, still going back to the same page.
    let res = post(&token, "0000", "/cruscotto?pagina=1");
    assert_eq!((res.url().path(), res.url().query()), ("/informativa", Some("torna=%2Fcruscotto%3Fpagina%3D1")));
    assert_eq!(o.f.audit_count("notice.acknowledge"), 0);
    // Acknowledged: on to the page asked for, with the confirmation line in its fragment
    // (the redirect itself is read: a client drops the fragment when it follows it).
    let (chain, key) = identity(&card);
    let no_follow = reqwest::blocking::Client::builder()
        .use_preconfigured_tls(
            rustls::ClientConfig::builder_with_provider(provider())
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_root_certificates(roots(&o.f.ca.cert_pem))
                .with_client_auth_cert(chain, key)
                .unwrap(),
        )
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = no_follow
        .post(server.url("/informativa"))
        .header("Origin", &origin)
        .form(&[("_token", token.as_str()), ("sha256", sha.as_str()), ("torna", "/cruscotto?pagina=1")])
        .send()
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/cruscotto?pagina=1#informativa-letta");
    let res = op.get(server.url("/cruscotto?pagina=1")).send().unwrap();
    assert_eq!((res.url().path(), res.url().query()), ("/cruscotto", Some("pagina=1")), "{}", res.url());
    assert!(res.text().unwrap().contains(r#"id="informativa-letta""#));
    assert_eq!(o.f.audit_count("notice.acknowledge"), 1);
    // Never to another site.
    for elsewhere in ["//evil.example/x", "https://evil.example/", "/\\evil.example"] {
        let res = post(&token, &sha, elsewhere);
        assert_eq!(res.url().host_str(), Some("127.0.0.1"), "{elsewhere}");
        assert_eq!(res.url().path(), "/", "{elsewhere}");
    }
    let res = op.get(server.url("/cruscotto")).send().unwrap();
    assert!(res.url().path().ends_with("/cruscotto"));
    drop(server);

    // The Region's privacy officer rewords it: everyone acknowledges again.
    let text = o.f.path().join("informativa.md");
    std::fs::write(&text, "# Informativa\n\nTesto nuovo del responsabile della protezione dei dati.\n").unwrap();
    o.f.tls_extra.push_str(&format!("\n[audit]\nnotice = \"{}\"\n", text.display()));
    o.f.write_config();
    let server = Server::start_with_notice(&o.f.config, true);
    let res = op.get(server.url("/cruscotto")).send().unwrap();
    assert!(res.url().path().ends_with("/informativa"));
    assert!(res.text().unwrap().contains("Testo nuovo"));
}

/// Old history is crafted with old timestamps (the chain only requires ts never to decrease).
const YEAR: i64 = 365 * 86_400_000;

fn prune_setup() -> Office {
    let o = office();
    let ra = o.actor(&o.op_a, o.a);
    let old = |n: i64| -> Vec<(Actor, AuditEvent)> { (1..=n).map(|i| (ra.clone(), recipient_viewed(i))).collect() };
    // The CLI rows above are "now"; crafted rows cannot go back in time after them, so the
    // old history goes into a fresh chain: a new data file for these tests.
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", o.f.data.display()));
    }
    o.append(now() - 3 * YEAR, &old(30));
    o.append(now() - 2 * YEAR - 60 * 86_400_000, &old(30));
    o.f.cli_ok(&["audit", "checkpoint"]);
    o.append(now() - YEAR, &old(10));
    o.append(now(), &old(10));
    o
}

fn verify(o: &Office, data: &std::path::Path) -> std::process::Output {
    let pubkey = o.f.path().join("pubkey.hex");
    std::fs::write(&pubkey, o.f.cli_ok(&["audit", "pubkey"])).unwrap();
    let checkpoints = o.f.path().join("audit-checkpoints.txt");
    common_cli(
        &o.f,
        &[
            "audit",
            "verify",
            "--data",
            data.to_str().unwrap(),
            "--checkpoints",
            checkpoints.to_str().unwrap(),
            "--pubkey",
            pubkey.to_str().unwrap(),
        ],
    )
}

fn common_cli(f: &Fixture, args: &[&str]) -> std::process::Output {
    std::process::Command::new(common::BIN)
        .args(args)
        .env_remove("RICOLLOCA_CONFIG")
        .current_dir(f.path())
        .output()
        .unwrap()
}

fn date(ms: i64) -> String {
    ricolloca::infra::clock::format_iso(ricolloca::domain::timestamp::Timestamp::from_ms(ms))[..10].to_owned()
}

#[test]
fn pruning_keeps_the_chain_verifiable_and_refuses_rows_inside_retention() {
    let o = prune_setup();
    // Inside the 24 months: refused, nothing removed.
    let out = o.f.cli(&["audit", "prune", "--before", &date(now() - YEAR)]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("retention_months"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = o.f.audit_rows();
    let first_cut = date(now() - 2 * YEAR - 90 * 86_400_000);
    let said = o.f.cli_ok(&["audit", "prune", "--before", &first_cut]);
    assert!(said.contains("30 righe cancellate fino alla 30"), "{said}");
    assert_eq!(o.f.audit_rows(), rows - 30 + 1, "30 removed, the audit.prune row added");
    assert_eq!(o.f.audit_count("audit.prune"), 1);
    let out = verify(&o, &o.f.data);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("intact up to"));
    // Again up to the same date: nothing new; then further, with new rows and checkpoints in between.
    assert!(o.f.cli_ok(&["audit", "prune", "--before", &first_cut]).contains("nessuna riga"));
    o.append(now(), &[(o.actor(&o.op_a, o.a), view(&SapViewed { recipient: rcp(1), cf: "", version: None }))]);
    o.f.cli_ok(&["audit", "checkpoint"]);
    let second = o.f.cli_ok(&["audit", "prune", "--before", &date(now() - 2 * YEAR - 10 * 86_400_000)]);
    assert!(second.contains("30 righe cancellate fino alla 60"), "{second}");
    o.f.cli_ok(&["audit", "checkpoint"]);
    let out = verify(&o, &o.f.data);
    assert!(
        out.status.success(),
        "two prunes, old checkpoints of removed rows in the file: no false alarm. {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The configured verify agrees.
    assert!(o.f.cli_ok(&["audit", "verify"]).contains("intact up to"));
}

/// A copy of the pruned data file, changed by `tamper` with the triggers out of the way.
fn tampered(o: &Office, name: &str, tamper: &str) -> std::path::PathBuf {
    let copy = o.f.path().join(name);
    let db = o.f.db();
    db.execute("VACUUM INTO ?1", [copy.to_str().unwrap()]).unwrap();
    let c = rusqlite::Connection::open(&copy).unwrap();
    c.execute_batch(&format!("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; {tamper}")).unwrap();
    copy
}

#[test]
fn a_tampered_pruned_chain_does_not_verify() {
    let o = prune_setup();
    o.f.cli_ok(&["audit", "prune", "--before", &date(now() - 2 * YEAR - 90 * 86_400_000)]);
    let fails = |name: &str, tamper: &str, words: &str| {
        let copy = tampered(&o, name, tamper);
        let out = verify(&o, &copy);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(words), "{name}: {err}");
    };
    // More rows removed than the signed prune allows (inside retention), record moved to match.
    fails(
        "more.db",
        "DELETE FROM audit_log WHERE seq <= 40; UPDATE audit_prune SET up_to_seq = 40, hash = (SELECT prev_hash FROM audit_log WHERE seq = 41);",
        "senza una potatura firmata",
    );
    // The same, leaving the prune record alone: the chain no longer starts where it says.
    fails("gap.db", "DELETE FROM audit_log WHERE seq <= 40;", "41");
    // The prune record deleted: the chain starts at 31 out of nowhere.
    fails("norecord.db", "DELETE FROM audit_prune;", "31");
    // A row after the cut edited.
    fails("edited.db", "UPDATE audit_log SET outcome = 'denied' WHERE seq = 35;", "contenuto della riga alterato");
    // The anchor's hash changed to match a rewritten first row.
    fails("anchor.db", "UPDATE audit_prune SET hash = zeroblob(32);", "31");
}

/// People with a voucher of provider A (two) and of B (one), imported as the CPI would.
fn people(o: &Office, server: &Server) -> [(i64, String); 3] {
    let region = client(&o.f, Some(&o.f.card(&o.region_cf)));
    let people = [cf("BNCNNA90A41H501"), cf("BRNBRN85C12F205"), cf("CRLCRL70D51L219")];
    let mut csv = String::from(
        "codice_fiscale;cognome;nome;data_nascita;sesso;codice_assegno;data_rilascio;cpi;fascia_profilazione;ente;data_scelta",
    );
    for (i, (p, ente)) in people.iter().zip(["ACC-1", "ACC-1", "ACC-2"]).enumerate() {
        csv.push_str(&format!("\n{p};Persona{i};Nome;01/02/1980;F;ADR-{i};01/02/2026;CPI-FI;3;{ente};10/02/2026"));
    }
    let res = region
        .post(server.url("/api/v1/import/assignments"))
        .header("Content-Type", "text/csv")
        .body(csv)
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);
    people.map(|p| {
        let id = o.f.db().query_row("SELECT id FROM recipient WHERE codice_fiscale = ?1", [&p], |r| r.get(0)).unwrap();
        (id, p)
    })
}

#[test]
fn every_person_shown_in_a_list_is_in_their_report_once_per_day_and_viewer() {
    let o = office();
    let server = o.f.start();
    let [(anna_id, anna), (bruno_id, _), (carla_id, carla)] = people(&o, &server);
    // Today: the operator of A opens the cruscotto five times and the API list ten times.
    let op_a = client(&o.f, Some(&o.f.card(&o.op_a.1)));
    for _ in 0..5 {
        assert_eq!(op_a.get(server.url("/cruscotto")).send().unwrap().status(), 200);
    }
    for _ in 0..10 {
        assert_eq!(op_a.get(server.url("/api/v1/recipients")).send().unwrap().status(), 200);
    }
    // Every list row names everyone it showed: A's two people, never B's.
    let db = o.f.db();
    let details: Vec<String> = db
        .prepare("SELECT detail FROM audit_log WHERE action = 'recipient.list'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(details.len(), 15);
    for d in &details {
        let d: Value = serde_json::from_str(d).unwrap();
        let shown: BTreeSet<i64> = d["shown"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
        assert_eq!(shown, BTreeSet::from([anna_id, bruno_id]), "{d}");
    }
    // One index entry per person, day and viewer, however many lists.
    let entries = |id: i64| -> i64 {
        db.query_row("SELECT count(*) FROM audit_list_subject WHERE recipient_id = ?1", [id], |r| r.get(0)).unwrap()
    };
    assert_eq!((entries(anna_id), entries(bruno_id), entries(carla_id)), (1, 1, 0));
    // A list on another day (crafted two days ahead: the chain's time never runs backwards).
    let later = o.append(
        now() + 2 * 86_400_000,
        &[(
            o.actor(&o.op_a, o.a),
            AuditEvent::of_list(
                &RecipientsListed::Screen {
                    scope: Some(ProviderId::try_from(o.a).unwrap()),
                    q: "",
                    state: "",
                    provider: None,
                    page: 0,
                    rows: 1,
                },
                vec![anna_id],
            )
            .unwrap(),
        )],
    );
    assert_eq!(entries(anna_id), 2);

    let auditor = client(&o.f, Some(&o.f.card(&o.auditor_cf)));
    let report: Value =
        auditor.get(server.url(&format!("/api/v1/audit/accesses?cf={anna}"))).send().unwrap().json().unwrap();
    let lists = report["lists"].as_array().unwrap();
    assert_eq!(lists.len(), 1, "{report:#}");
    assert_eq!(lists[0]["viewer_cf"], o.op_a.1.as_str());
    assert_eq!(lists[0]["provider"], "Lavoro Futuro");
    assert_eq!(lists[0]["days"].as_array().unwrap().len(), 2, "{report:#}");
    assert_eq!(lists[0]["seqs"][1], later[0]);
    // Every list counts: 15 today (the first on page 1, with her and Bruno), 1 two days later.
    assert_eq!(lists[0]["lists"], 16, "{report:#}");
    assert_eq!(lists[0]["entries"][0]["lists"], 15, "{report:#}");
    assert_eq!(lists[0]["entries"][0]["page"], 1, "{report:#}");
    assert_eq!(lists[0]["entries"][0]["rows"], 2, "{report:#}");
    assert_eq!(lists[0]["entries"][1]["lists"], 1, "{report:#}");
    // Not as accesses to her record: she was only listed.
    assert!(report["accesses"].as_array().unwrap().iter().all(|a| a["action"] != "recipient.list"), "{report:#}");
    // The page says it in words; the CSV carries each day's first list.
    let html = auditor.get(server.url(&format!("/revisione/interessato?cf={anna}"))).send().unwrap().text().unwrap();
    assert!(html.contains("comparso in un elenco") && html.contains("16 volte in 2 giorni"), "{html}");
    assert!(html.contains("15 elenchi; il primo: pagina 1, 2 persone"), "{html}");
    let csv = auditor.get(server.url(&format!("/revisione/interessato.csv?cf={anna}"))).send().unwrap().text().unwrap();
    assert_eq!(csv.lines().filter(|l| l.contains("recipient.list")).count(), 2, "{csv}");
    // The registro's search by her codice fiscale finds those lists too.
    let found: Value = auditor
        .get(server.url(&format!("/api/v1/audit?recipient_cf={anna}&action=recipient.list")))
        .send()
        .unwrap()
        .json()
        .unwrap();
    assert_eq!(found["items"].as_array().unwrap().len(), 2);
    // B's person was never shown to A's operator.
    let report: Value =
        auditor.get(server.url(&format!("/api/v1/audit/accesses?cf={carla}"))).send().unwrap().json().unwrap();
    assert!(report["lists"].as_array().unwrap().iter().all(|l| l["viewer_cf"] != o.op_a.1.as_str()), "{report:#}");
}

#[test]
fn rows_older_than_the_index_are_found_while_the_backfill_runs_and_indexed_after() {
    let o = office();
    let anna = cf("BNCNNA90A41H501");
    let id = o.recipient(&anna);
    let ra = o.actor(&o.op_a, o.a);
    let mut rows = Vec::new();
    for i in 0..12_000 {
        rows.push(match i % 4 {
            0 => (ra.clone(), view(&RecipientViewed { recipient: rcp(id), cf: &anna, via: None })),
            1 => (ra.clone(), denied(&format!("/destinatari/{id}"))),
            _ => (ra.clone(), AuditEvent::Login { cert: json!({}) }),
        });
    }
    o.append(now(), &rows);
    let indexed = |db: &rusqlite::Connection| -> i64 {
        db.query_row("SELECT count(*) FROM audit_subject WHERE cf = ?1", [&anna], |r| r.get(0)).unwrap()
    };
    assert_eq!(indexed(&o.f.db()), 6_000, "views and refused attempts, written with their rows");
    // As a file upgraded from schema 3: nothing indexed, everything below the mark pending.
    let db = o.f.db();
    db.execute_batch(
        "DELETE FROM audit_subject; DELETE FROM audit_subject_backfill;
         INSERT INTO audit_subject_backfill (below_seq) SELECT max(seq) + 1 FROM audit_log;",
    )
    .unwrap();
    let server = o.f.start();
    let auditor = client(&o.f, Some(&o.f.card(&o.auditor_cf)));
    let report: Value =
        auditor.get(server.url(&format!("/api/v1/audit/accesses?cf={anna}"))).send().unwrap().json().unwrap();
    assert_eq!(report["accesses"].as_array().unwrap().len(), 6_000);
    // The background job indexes them in slices, then removes the mark.
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while db.query_row("SELECT count(*) FROM audit_subject_backfill", [], |r| r.get::<_, i64>(0)).unwrap() > 0 {
        assert!(std::time::Instant::now() < deadline, "backfill not done");
        std::thread::sleep(Duration::from_millis(100));
    }
    // The 6,000, and the auditor's own consultation above (left out of the report).
    assert_eq!(indexed(&db), 6_001);
    let report: Value =
        auditor.get(server.url(&format!("/api/v1/audit/accesses?cf={anna}"))).send().unwrap().json().unwrap();
    assert_eq!(report["accesses"].as_array().unwrap().len(), 6_000);
}

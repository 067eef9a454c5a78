//! Policy actions over real TLS: each of the four types recorded through the API and the
//! screen, its identificativo politica, its events, the optimistic version, and another
//! provider's "not found".
#![allow(clippy::disallowed_methods)] // peeks into the data file: statement caching is for the server
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::{Fixture, cf, client};
use reqwest::blocking::Client;
use ricolloca::domain::identificativo;
use ricolloca::infra::pki::KeyKind;
use serde_json::{Value, json};
use time::{Date, Duration};

const HEADER: &str = "codice_fiscale;cognome;nome;data_nascita;sesso;codice_assegno;data_rilascio;cpi;fascia_profilazione;ente;data_scelta";
const PIVA_A: &str = "06363391001";

struct World {
    f: Fixture,
    server: common::Server,
    op_a: Client,
    op_a_cf: String,
    op_b: Client,
    region: Client,
    person: i64,
}

/// Today in Italy, as the server sees it.
fn today() -> Date {
    let now = ricolloca::infra::clock::system_now();
    ricolloca::infra::clock::local_date(ricolloca::domain::timestamp::Timestamp::from_ms(now.unix_timestamp() * 1000))
}

fn day(offset: i64) -> String {
    let d = today() + Duration::days(offset);
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

fn italian(offset: i64) -> String {
    let d = today() + Duration::days(offset);
    format!("{:02}/{:02}/{:04}", d.day(), u8::from(d.month()), d.year())
}

fn world() -> World {
    world_with("")
}

fn world_with(config: &str) -> World {
    let mut f = Fixture::new(KeyKind::EcdsaP256);
    f.extra_config = config.into();
    f.write_config();
    let a = f.add_provider("Lavoro Futuro", PIVA_A, "ACC-A");
    let b = f.add_provider("Orienta", "97103880585", "ACC-B");
    let op_a_cf = cf("RSSMRA85T10A562");
    f.add_operator(&op_a_cf, "operatore", Some(a));
    let op_b_cf = cf("VRDGPP75M12G702");
    f.add_operator(&op_b_cf, "operatore", Some(b));
    let region_cf = cf("BNCMRA80A41D612");
    f.add_operator(&region_cf, "regione", None);
    let server = f.start();
    let op_a = client(&f, Some(&f.card(&op_a_cf)));
    let op_b = client(&f, Some(&f.card(&op_b_cf)));
    let region = client(&f, Some(&f.card(&region_cf)));
    let person_cf = cf("BRNLRA80B41D612");
    // Chosen twenty days ago: the programme period runs from then.
    let csv = format!(
        "{HEADER}\n{person_cf};Bruni;Laura;01/02/1980;F;ADR-1;{};CPI-FI;3;{PIVA_A};{}",
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
    let person =
        f.db().query_row("SELECT id FROM recipient WHERE codice_fiscale = ?1", [&person_cf], |r| r.get(0)).unwrap();
    World { f, server, op_a, op_a_cf, op_b, region, person }
}

impl World {
    fn post_action(&self, c: &Client, body: &Value) -> reqwest::blocking::Response {
        c.post(self.server.url(&format!("/api/v1/recipients/{}/actions", self.person))).json(body).send().unwrap()
    }
    fn count(&self, sql: &str) -> i64 {
        self.f.db().query_row(sql, [], |r| r.get(0)).unwrap()
    }
}

fn bodies(operator: &str) -> Vec<Value> {
    vec![
        json!({ "tipo_attivita": "A06", "data_proposta": day(-10), "evento": "10", "data_inizio": day(-10), "data_evento": day(-10),
                "durata": 2, "tipologia_durata": "O",
                "dettagli": { "modalita": "individuale", "ore": 1.5, "operatore_cf": operator } }),
        json!({ "tipo_attivita": "B03", "data_proposta": day(-9), "evento": "02", "data_evento": day(-8),
                "dettagli": { "ore": 3, "argomenti": "CV, lettera, canali di ricerca", "offerte_proposte": 2 } }),
        json!({ "tipo_attivita": "C06", "titolo_denominazione": "Tirocinio magazziniere", "descrizione": "Gestione magazzino",
                "data_proposta": day(-5), "data_inizio": day(10), "evento": "01", "data_evento": day(-5),
                "dettagli": { "azienda_cf": "01234567897", "azienda_nome": "Logistica Srl", "azienda_sede": "Prato",
                              "tutor_aziendale": "Anna Bianchi", "fine_prevista": day(100), "ore_settimanali": 30 } }),
        json!({ "tipo_attivita": "C07", "titolo_denominazione": "Corso carrellisti", "data_proposta": day(-3), "evento": "01",
                "data_evento": day(-3),
                "dettagli": { "titolo_corso": "Carrellista", "ente_formativo": "Formare Srl", "ore": 16, "certificazione": "frequenza" } }),
    ]
}

#[test]
fn each_type_is_recorded_with_its_identificativo_and_shows_in_section_vi() {
    let w = world();
    for body in bodies(&w.op_a_cf) {
        let before = w.count("SELECT count(*) FROM audit_log WHERE action = 'action.create'");
        let res = w.post_action(&w.op_a, &body);
        assert_eq!(res.status(), 201, "{body}");
        let a: Value = res.json().unwrap();
        let id = a["identificativo_politica"].as_str().unwrap();
        assert!(id.starts_with("17"), "{id}");
        assert!(identificativo::matches(
            id,
            PIVA_A,
            body["tipo_attivita"].as_str().unwrap(),
            a["data_proposta"].as_str().unwrap()
        ));
        assert_eq!(a["tipo_attivita"], body["tipo_attivita"]);
        assert_eq!(a["dettagli"].as_object().unwrap().len(), body["dettagli"].as_object().unwrap().len());
        // One audit row, naming the person and the identificativo.
        assert_eq!(w.count("SELECT count(*) FROM audit_log WHERE action = 'action.create'"), before + 1);
        let (action, object, detail): (String, String, String) =
            w.f.db()
                .query_row("SELECT action, object, detail FROM audit_log ORDER BY seq DESC LIMIT 1", [], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })
                .unwrap();
        assert_eq!((action.as_str(), object), ("action.create", format!("recipient:{}", w.person)));
        assert_eq!(serde_json::from_str::<Value>(&detail).unwrap()["identificativo_politica"], id);
    }
    // Sequences are unique and consecutive.
    let ids: Vec<String> = {
        let db = w.f.db();
        let mut stmt =
            db.prepare("SELECT identificativo_politica FROM policy WHERE origin = 'provider' ORDER BY id").unwrap();
        stmt.query_map([], |r| r.get(0)).unwrap().map(Result::unwrap).collect()
    };
    let seqs: Vec<&str> = ids.iter().map(|i| &i[2..10]).collect();
    assert_eq!(seqs, ["00000001", "00000002", "00000003", "00000004"]);
    // At once in the scheda (section VI), in the API, for the provider and the Region.
    let html = w.op_a.get(w.server.url(&format!("/destinatari/{}", w.person))).send().unwrap().text().unwrap();
    for id in &ids {
        assert!(html.contains(id.as_str()), "{id} missing from the scheda");
    }
    let detail: Value =
        w.region.get(w.server.url(&format!("/api/v1/recipients/{}", w.person))).send().unwrap().json().unwrap();
    let listed: Vec<&str> =
        detail["section6"].as_array().unwrap().iter().map(|p| p["identificativo_politica"].as_str().unwrap()).collect();
    assert_eq!(listed.len(), 4);
    assert!(ids.iter().all(|id| listed.contains(&id.as_str())));
    let list: Value =
        w.region.get(w.server.url(&format!("/api/v1/recipients/{}/actions", w.person))).send().unwrap().json().unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 4);
    assert_eq!(list["items"][0]["eventi"].as_array().unwrap().len(), 1);
    let dashboard = w.op_a.get(w.server.url("/cruscotto")).send().unwrap().text().unwrap();
    assert!(dashboard.contains("C07"), "the dashboard shows the latest action");
}

#[test]
fn bad_input_is_named_by_field_and_nothing_is_stored() {
    let w = world();
    // The day's first request writes the login row; count after it.
    w.op_a.get(w.server.url("/api/v1/me")).send().unwrap();
    let (policies, audit) = (w.count("SELECT count(*) FROM policy"), w.count("SELECT count(*) FROM audit_log"));
    let cases = [
        (
            json!({ "tipo_attivita": "A02", "data_proposta": day(-1), "evento": "01", "data_evento": day(-1) }),
            "tipo_attivita",
        ),
        (
            json!({ "tipo_attivita": "A06", "data_proposta": day(-40), "evento": "01", "data_evento": day(-40),
                 "dettagli": { "modalita": "individuale", "ore": 1, "operatore_cf": w.op_a_cf } }),
            "data_proposta",
        ),
        (
            json!({ "tipo_attivita": "A06", "data_proposta": day(-1), "evento": "01", "data_evento": day(-1),
                 "dettagli": { "modalita": "gruppo", "ore": 1, "operatore_cf": w.op_a_cf } }),
            "dettagli.partecipanti",
        ),
        (
            json!({ "tipo_attivita": "C06", "data_proposta": day(-1), "evento": "01", "data_evento": day(-1) }),
            "titolo_denominazione",
        ),
        (
            json!({ "tipo_attivita": "B03", "data_proposta": day(-1), "evento": "01", "data_evento": day(-1), "durata": 3,
                 "dettagli": { "ore": 3, "argomenti": "x", "offerte_proposte": 0 } }),
            "tipologia_durata",
        ),
        (
            json!({ "tipo_attivita": "A06", "data_proposta": "<script>", "evento": "01", "data_evento": day(-1) }),
            "data_proposta",
        ),
    ];
    for (body, field) in cases {
        let res = w.post_action(&w.op_a, &body);
        assert_eq!(res.status(), 422, "{body}");
        let errors: Value = res.json().unwrap();
        let fields: Vec<&str> =
            errors["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
        assert!(fields.contains(&field), "{body}: {errors}");
        assert!(errors["errors"][0]["message"].as_str().unwrap().chars().any(|c| c.is_alphabetic()));
    }
    // Unknown JSON fields and broken JSON are refused too.
    let res = w.post_action(&w.op_a, &json!({ "tipo_attivita": "A06", "costo": 5 }));
    assert_eq!(res.status(), 422);
    assert_eq!((w.count("SELECT count(*) FROM policy"), w.count("SELECT count(*) FROM audit_log")), (policies, audit));
}

#[test]
fn events_move_an_action_and_a_stale_version_is_refused() {
    let w = world();
    let c06 = bodies(&w.op_a_cf).remove(2);
    let a: Value = w.post_action(&w.op_a, &c06).json().unwrap();
    let id = a["id"].as_i64().unwrap();
    let url = w.server.url(&format!("/api/v1/actions/{id}/events"));
    // 10 cannot follow 01.
    let res = w.op_a.post(&url).json(&json!({ "evento": "10", "data_evento": day(-1), "version": 1 })).send().unwrap();
    assert_eq!(res.status(), 422);
    assert_eq!(res.json::<Value>().unwrap()["errors"][0]["field"], "evento");
    // 02 Iniziata sets the start.
    let res = w.op_a.post(&url).json(&json!({ "evento": "02", "data_evento": day(-2), "version": 1 })).send().unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().unwrap()["version"], 2);
    // A second operator still looking at version 1 is refused; nothing overwritten.
    let res = w.op_a.post(&url).json(&json!({ "evento": "05", "data_evento": day(-1), "version": 1 })).send().unwrap();
    assert_eq!(res.status(), 409);
    let res = w
        .op_a
        .post(&url)
        .json(&json!({ "evento": "10", "data_evento": day(-1), "version": 2, "nota": "concluso" }))
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);
    let (evento, inizio, fine): (String, String, String) =
        w.f.db()
            .query_row("SELECT ultimo_evento, data_inizio, data_fine FROM policy WHERE id = ?1", [id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .unwrap();
    assert_eq!((evento.as_str(), inizio, fine), ("10", day(-2), day(-1)));
    assert_eq!(w.count(&format!("SELECT count(*) FROM policy_event WHERE policy_id = {id}")), 3);
    assert_eq!(w.count("SELECT count(*) FROM audit_log WHERE action = 'action.event'"), 2);
    // The end cannot be in the future, and a closed action takes only 11.
    let res = w.op_a.post(&url).json(&json!({ "evento": "05", "data_evento": day(0) })).send().unwrap();
    assert_eq!(res.status(), 422);
}

#[test]
fn another_providers_operator_gets_not_found_and_is_audited() {
    let w = world();
    let a: Value = w.post_action(&w.op_a, &bodies(&w.op_a_cf).remove(3)).json().unwrap();
    let id = a["id"].as_i64().unwrap();
    let denied = || {
        w.count("SELECT count(*) FROM audit_log WHERE action = 'access.denied' AND detail LIKE '%foreign_or_unknown_object%'")
    };
    let before = denied();
    let res = w.post_action(&w.op_b, &bodies(&w.op_a_cf).remove(3));
    assert_eq!(res.status(), 404);
    let res = w.op_b.get(w.server.url(&format!("/api/v1/recipients/{}/actions", w.person))).send().unwrap();
    assert_eq!(res.status(), 404);
    let res = w
        .op_b
        .post(w.server.url(&format!("/api/v1/actions/{id}/events")))
        .json(&json!({ "evento": "02", "data_evento": day(0) }))
        .send()
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = w.op_b.get(w.server.url(&format!("/destinatari/{}/azioni/{id}", w.person))).send().unwrap();
    assert_eq!(res.status(), 404);
    let res = w.op_b.get(w.server.url(&format!("/destinatari/{}/azioni/nuova?tipo=A06", w.person))).send().unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(denied(), before + 5);
    assert_eq!(w.count("SELECT count(*) FROM policy WHERE origin = 'provider'"), 1);
    // The Region reads but does not write.
    let res = w.post_action(&w.region, &bodies(&w.op_a_cf).remove(3));
    assert_eq!(res.status(), 403);
    let res = w.region.get(w.server.url(&format!("/destinatari/{}/azioni/{id}", w.person))).send().unwrap();
    assert_eq!(res.status(), 200);
}

fn token(html: &str) -> String {
    let at = html.find("name=\"_token\" value=\"").expect("a form with a token");
    let rest = &html[at + 21..];
    rest[..rest.find('"').unwrap()].to_owned()
}

#[test]
fn the_screen_records_an_action_keeps_values_on_errors_and_takes_events() {
    let w = world();
    let form_url = w.server.url(&format!("/destinatari/{}/azioni/nuova?tipo=B03", w.person));
    let html = w.op_a.get(&form_url).send().unwrap().text().unwrap();
    assert!(html.contains("Argomenti trattati"), "the B03 form shows its own fields");
    let t = token(&html);
    let post = |fields: &[(&str, &str)]| {
        let mut all = vec![("_token", t.as_str())];
        all.extend_from_slice(fields);
        w.op_a.post(w.server.url(&format!("/destinatari/{}/azioni", w.person))).form(&all).send().unwrap()
    };
    let (proposta, evento) = (day(-4), day(-4));
    let mut fields = vec![
        ("tipo_attivita", "B03"),
        ("data_proposta", proposta.as_str()),
        ("evento", "01"),
        ("data_evento", evento.as_str()),
        ("dettagli.ore", "2,5"),
        ("dettagli.argomenti", "Canali di ricerca <b>online</b>"),
    ];
    let res = post(&fields);
    assert_eq!(res.status(), 422);
    let html = res.text().unwrap();
    assert!(html.contains("Canali di ricerca &lt;b&gt;online&lt;/b&gt;"), "typed values stay, escaped");
    assert!(html.contains("f-dettagli.offerte_proposte-errore"), "the missing field is named");
    fields.push(("dettagli.offerte_proposte", "1"));
    let res = post(&fields);
    assert_eq!(res.status(), 200, "redirected to the action");
    let page_url = res.url().to_string();
    let html = res.text().unwrap();
    let id: String =
        w.f.db()
            .query_row("SELECT identificativo_politica FROM policy WHERE origin = 'provider'", [], |r| r.get(0))
            .unwrap();
    assert!(html.contains(&id) && html.contains("Registra il prossimo evento"));
    // The next event, from the same page.
    let t = token(&html);
    let res = w
        .op_a
        .post(format!("{page_url}/eventi"))
        .form(&[("_token", t.as_str()), ("version", "1"), ("evento", "02"), ("data_evento", day(-3).as_str())])
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.text().unwrap().contains("02 — Iniziata"));
    // A stale form is refused with a message, nothing overwritten.
    let res = w
        .op_a
        .post(format!("{page_url}/eventi"))
        .form(&[("_token", t.as_str()), ("version", "1"), ("evento", "06"), ("data_evento", day(-3).as_str())])
        .send()
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().unwrap().contains("modificati da un altro utente"));
    assert_eq!(w.count("SELECT count(*) FROM policy_event"), 2);
}

/// Signs `content` as a CAdES .p7m with a throw-away certificate naming `cf` (openssl, which
/// `.ci/run` installs).
fn cades(dir: &std::path::Path, content: &[u8], cf: &str) -> Vec<u8> {
    let (pdf, key, cert, out) = (dir.join("p.pdf"), dir.join("k.pem"), dir.join("c.pem"), dir.join("p.pdf.p7m"));
    std::fs::write(&pdf, content).unwrap();
    let run = |args: &[&str]| {
        let o = std::process::Command::new("openssl").args(args).output().expect("openssl");
        assert!(o.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    };
    let subject = format!("/CN=Laura Bruni/GN=Laura/SN=Bruni/serialNumber=TINIT-{cf}/C=IT");
    run(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        key.to_str().unwrap(),
        "-out",
        cert.to_str().unwrap(),
        "-subj",
        &subject,
        "-days",
        "2",
    ]);
    run(&[
        "cms",
        "-sign",
        "-binary",
        "-nodetach",
        "-outform",
        "DER",
        "-md",
        "sha256",
        "-in",
        pdf.to_str().unwrap(),
        "-signer",
        cert.to_str().unwrap(),
        "-inkey",
        key.to_str().unwrap(),
        "-out",
        out.to_str().unwrap(),
    ]);
    std::fs::read(out).unwrap()
}

#[test]
fn signed_programmes_are_checked_flagged_stored_and_downloaded() {
    let w = world();
    let person_cf: String =
        w.f.db().query_row("SELECT codice_fiscale FROM recipient WHERE id = ?1", [w.person], |r| r.get(0)).unwrap();
    // The programme, generated by Ricolloca, then signed by the person.
    let fields = json!({ "version": 0, "target_jobs": "Magazziniere", "search_area": "Prato", "activities": "Colloqui", "duties": "Partecipare" });
    let res =
        w.op_a.put(w.server.url(&format!("/api/v1/recipients/{}/programme", w.person))).json(&fields).send().unwrap();
    assert_eq!(res.status(), 200);
    let pdf = w
        .op_a
        .get(w.server.url(&format!("/destinatari/{}/programma/1/pdf", w.person)))
        .send()
        .unwrap()
        .bytes()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let p7m = cades(dir.path(), &pdf, &person_cf);
    let a: Value = w.post_action(&w.op_a, &bodies(&w.op_a_cf).remove(3)).json().unwrap();
    let action = a["id"].as_i64().unwrap();
    let url = w.server.url(&format!("/api/v1/actions/{action}/documents"));

    // Raw body, .p7m wrapping the generated PDF: conforme, signed by the person, verified.
    let res = w.op_a.post(&url).header("Content-Type", "application/pkcs7-mime").body(p7m.clone()).send().unwrap();
    assert_eq!(res.status(), 201);
    let doc: Value = res.json().unwrap();
    assert_eq!(doc["kind"], "p7m");
    assert_eq!(doc["conformity"]["version"], 1, "{doc}");
    assert_eq!(doc["signer"]["codice_fiscale"], person_cf.as_str());
    assert_eq!(doc["signer"]["role"], "destinatario");
    assert_eq!(doc["signer"]["valid"], true);
    assert_eq!(doc["chain_checked"], false);
    assert_eq!(doc["flags"].as_array().unwrap().len(), 0, "{doc}");
    let state: String = w.f.db().query_row("SELECT state FROM voucher", [], |r| r.get(0)).unwrap();
    assert_eq!(state, "signed");

    // Multipart (with the API client header), a PDF that is not the generated one: stored, flagged.
    let part = reqwest::blocking::multipart::Part::bytes(common::pdf_with(b"other")).file_name("x.jpg");
    let res = w
        .op_a
        .post(&url)
        .header("X-Ricolloca-Client", "test")
        .multipart(reqwest::blocking::multipart::Form::new().part("file", part))
        .send()
        .unwrap();
    assert_eq!(res.status(), 201);
    let other: Value = res.json().unwrap();
    assert_eq!(other["kind"], "pdf", "the type comes from the content, not the .jpg name");
    let flags = other["flags"].to_string();
    assert!(flags.contains("nessuna firma digitale") && flags.contains("non coincide"), "{flags}");
    // The programme's read names both copies, newest first, with the documents to download.
    let programme: Value =
        w.op_a.get(w.server.url(&format!("/api/v1/recipients/{}/programme", w.person))).send().unwrap().json().unwrap();
    let signed = programme["signed"].as_array().unwrap();
    assert_eq!(signed.len(), 2, "{programme}");
    assert_eq!((signed[0]["document"].clone(), signed[0]["kind"].as_str()), (other["id"].clone(), Some("pdf")));
    assert_eq!((signed[1]["document"].clone(), signed[1]["kind"].as_str()), (doc["id"].clone(), Some("p7m")));
    assert_eq!(signed[1]["action"].as_i64(), Some(action));
    assert_eq!(signed[1]["matches_version"], 1, "{programme}");
    // Without the header, multipart is refused at the gate (a browser could send it cross-site).
    let part = reqwest::blocking::multipart::Part::bytes(b"%PDF-1.4\n".to_vec());
    let res = w.op_a.post(&url).multipart(reqwest::blocking::multipart::Form::new().part("file", part)).send().unwrap();
    assert_eq!(res.status(), 415);

    // Refused by content: HTML named .pdf, empty, truncated envelope. Nothing stored.
    let stored = w.count("SELECT count(*) FROM signed_programme");
    let mut zeros = b"%PDF-1.4\n".to_vec();
    zeros.resize(2 * 1024 * 1024, 0);
    for body in [b"<html><body>%PDF-1.4</body></html>".to_vec(), Vec::new(), p7m[..p7m.len() / 2].to_vec(), zeros] {
        let res = w.op_a.post(&url).header("Content-Type", "application/pdf").body(body).send().unwrap();
        assert_eq!(res.status(), 422);
        assert_eq!(res.json::<Value>().unwrap()["errors"][0]["field"], "file");
    }
    // A tampered envelope is stored but flagged: the signature does not verify.
    let mut tampered = p7m.clone();
    let at = tampered.windows(6).position(|w| w == b"Prato)" || w == b"Prato ").unwrap_or(tampered.len() / 3);
    tampered[at] ^= 0x01;
    let res = w.op_a.post(&url).header("Content-Type", "application/pkcs7-mime").body(tampered).send().unwrap();
    assert_eq!(res.status(), 201);
    let bad: Value = res.json().unwrap();
    assert_eq!(bad["signer"]["valid"], false, "{bad}");
    assert_eq!(w.count("SELECT count(*) FROM signed_programme"), stored + 1);

    // On file since now: on the scheda and in the cruscotto.
    let scheda = w.op_a.get(w.server.url(&format!("/destinatari/{}", w.person))).send().unwrap().text().unwrap();
    assert!(scheda.contains("in archivio dal"));
    let cruscotto = w.op_a.get(w.server.url("/cruscotto")).send().unwrap().text().unwrap();
    assert!(cruscotto.contains("sì, dal"));
    // Listed on the programme screen with the report; the download is the same bytes, audited.
    let html =
        w.op_a.get(w.server.url(&format!("/destinatari/{}/programma", w.person))).send().unwrap().text().unwrap();
    assert!(html.contains("conforme alla versione 1") && html.contains("in vigore"), "programme screen");
    let downloads = w.f.audit_count("document.download");
    let got = w.op_a.get(w.server.url(&format!("/api/v1/documents/{}", doc["id"]))).send().unwrap();
    assert_eq!(got.status(), 200);
    assert!(
        got.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"programma_firmato_ADR-1")
    );
    assert_eq!(got.bytes().unwrap().as_ref(), p7m.as_slice());
    assert_eq!(w.f.audit_count("document.download"), downloads + 1);
    // Another provider: not found, for the upload and the download.
    let res = w.op_b.get(w.server.url(&format!("/documenti/{}", doc["id"]))).send().unwrap();
    assert_eq!(res.status(), 404);
    let res = w.op_b.post(&url).header("Content-Type", "application/pkcs7-mime").body(p7m).send().unwrap();
    assert_eq!(res.status(), 404);
}

#[test]
fn the_screen_takes_the_signed_programme_with_the_action() {
    let w = world();
    let html = w
        .op_a
        .get(w.server.url(&format!("/destinatari/{}/azioni/nuova?tipo=A06", w.person)))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let t = token(&html);
    let d = day(-2);
    let form = reqwest::blocking::multipart::Form::new()
        .text("_token", t)
        .text("tipo_attivita", "A06")
        .text("data_proposta", d.clone())
        .text("evento", "01")
        .text("data_evento", d)
        .text("dettagli.modalita", "individuale")
        .text("dettagli.ore", "1")
        .text("dettagli.operatore_cf", w.op_a_cf.clone())
        .part("file", reqwest::blocking::multipart::Part::bytes(common::pdf_with(b"")).file_name("programma.pdf"));
    let res = w.op_a.post(w.server.url(&format!("/destinatari/{}/azioni", w.person))).multipart(form).send().unwrap();
    assert_eq!(res.status(), 200);
    let linked: i64 =
        w.f.db()
            .query_row("SELECT count(*) FROM signed_programme WHERE policy_id IS NOT NULL", [], |r| r.get(0))
            .unwrap();
    assert_eq!(linked, 1);
    // A bad file refuses the whole submission: no action without its upload.
    let html = w
        .op_a
        .get(w.server.url(&format!("/destinatari/{}/azioni/nuova?tipo=A06", w.person)))
        .send()
        .unwrap()
        .text()
        .unwrap();
    let form =
        reqwest::blocking::multipart::Form::new().text("_token", token(&html)).text("tipo_attivita", "A06").part(
            "file",
            reqwest::blocking::multipart::Part::bytes(b"MZ\x90\x00 not a pdf".to_vec()).file_name("programma.pdf"),
        );
    let res = w.op_a.post(w.server.url(&format!("/destinatari/{}/azioni", w.person))).multipart(form).send().unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().unwrap().contains("formato non accettato"));
    assert_eq!(w.count("SELECT count(*) FROM policy WHERE origin = 'provider'"), 1);
}

#[test]
fn a_refused_idol_export_form_audits_the_workers_it_shows_again() {
    let w = world();
    w.post_action(&w.op_a, &bodies(&w.op_a_cf).remove(0));
    let person_cf: String =
        w.f.db().query_row("SELECT codice_fiscale FROM recipient WHERE id = ?1", [w.person], |r| r.get(0)).unwrap();
    // No SAP yet: an export leaves the worker out and lists them as waiting.
    let dir = tempfile::tempdir().unwrap();
    w.f.cli_ok(&["export", "idol", "--out", dir.path().join("idol.zip").to_str().unwrap()]);
    let html = w.region.get(w.server.url("/regione/idol")).send().unwrap().text().unwrap();
    assert!(html.contains(&person_cf), "{html}");
    // The screen names them: its row lists them under `shown`, as the API's list does.
    let (action, _, detail) = w.f.last_audit();
    assert_eq!((action.as_str(), &detail["shown"]), ("idol.list", &json!([w.person])));
    let before = w.f.audit_count("idol.list");
    // A date that is not one: refused, and the screen is drawn again with the waiting worker.
    let res = w
        .region
        .post(w.server.url("/regione/idol"))
        .form(&[("_token", token(&html).as_str()), ("dal", "ieri")])
        .send()
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().unwrap();
    assert!(html.contains("data non valida") && html.contains(&person_cf), "{html}");
    assert_eq!(w.f.audit_count("idol.list"), before + 1);
    assert_eq!(w.f.last_audit().2["shown"], json!([w.person]));
}

#[test]
fn the_idol_feed_holds_exactly_what_changed_and_the_next_starts_where_it_ended() {
    let w = world();
    let mut ids = Vec::new();
    for body in bodies(&w.op_a_cf).into_iter().take(2) {
        let a: Value = w.post_action(&w.op_a, &body).json().unwrap();
        ids.push(a["identificativo_politica"].as_str().unwrap().to_owned());
    }
    let person_cf: String =
        w.f.db().query_row("SELECT codice_fiscale FROM recipient WHERE id = ?1", [w.person], |r| r.get(0)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let read = |path: &std::path::Path| {
        let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
        let mut files = std::collections::BTreeMap::new();
        for i in 0..zip.len() {
            let mut f = zip.by_index(i).unwrap();
            let mut s = String::new();
            std::io::Read::read_to_string(&mut f, &mut s).unwrap();
            files.insert(f.name().to_owned(), s);
        }
        files
    };
    // No SAP yet: the schema's personal data are missing, so the worker is listed, not sent.
    let zero = dir.path().join("idol0.zip");
    let out = w.f.cli_ok(&["export", "idol", "--out", zero.to_str().unwrap()]);
    assert!(
        out.contains("0 lavoratori, 0 politiche") && out.contains(&format!("non esportabile {person_cf}")),
        "{out}"
    );
    let manifest: Value = serde_json::from_str(&read(&zero)["manifest.json"]).unwrap();
    assert_eq!(manifest["non_esportabili"][0]["codice_fiscale"], person_cf.as_str());
    assert!(manifest["non_esportabili"][0]["motivi"][0].as_str().unwrap().contains("SAP non ancora ricevuta"));
    let html = w.region.get(w.server.url("/regione/idol")).send().unwrap().text().unwrap();
    assert!(html.contains("Lavoratori non ancora inviati") && html.contains(&person_cf), "{html}");

    // The SAP arrives: the next export sends them, actions of the earlier period included.
    let sap =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sap/minima.xml"))
            .unwrap()
            .replace("VRDGPP66E10D612K", &person_cf);
    let res = w
        .region
        .post(w.server.url("/api/v1/import/sap"))
        .header("Content-Type", "application/xml")
        .body(sap)
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);
    let first = dir.path().join("idol1.zip");
    let out = w.f.cli_ok(&["export", "idol", "--out", first.to_str().unwrap()]);
    assert!(out.contains("1 lavoratore, 2 politiche, 0 esiti") && !out.contains("non esportabile"), "{out}");
    let files = read(&first);
    let document = format!("lavoratori/{person_cf}.xml");
    assert_eq!(
        files.keys().collect::<Vec<_>>(),
        ["esiti_assegno.csv", document.as_str(), "manifest.json", "politiche_attive.csv"]
    );
    let xml = &files[&document];
    assert_eq!(ricolloca::infra::sap_schema::validate(xml.as_bytes()), Vec::new(), "{xml}");
    assert_eq!(xml.matches("<politiche_attive>").count(), 2);
    assert_eq!(xml.matches("<lavoratore>").count(), 1);
    for id in &ids {
        assert!(xml.contains(&format!("<identificativo_politica>{id}</identificativo_politica>")));
    }
    assert!(xml.contains("<tipo_attivita>A06</tipo_attivita>") && xml.contains("<evento>10</evento>"));
    assert_eq!(files["politiche_attive.csv"].lines().count(), 3);
    let manifest: Value = serde_json::from_str(&files["manifest.json"]).unwrap();
    assert_eq!(manifest["politiche"], 2);
    assert_eq!(manifest["non_esportabili"], json!([]));
    use sha2::Digest;
    assert_eq!(manifest["sha256"][&document], hex::encode(sha2::Sha256::digest(xml.as_bytes())));
    let html = w.region.get(w.server.url("/regione/idol")).send().unwrap().text().unwrap();
    assert!(!html.contains("Lavoratori non ancora inviati"));

    // One event on the first action: the next export holds that action only.
    let action: i64 =
        w.f.db()
            .query_row("SELECT id FROM policy WHERE identificativo_politica = ?1", [&ids[1]], |r| r.get(0))
            .unwrap();
    let res = w
        .op_a
        .post(w.server.url(&format!("/api/v1/actions/{action}/events")))
        .json(&json!({ "evento": "10", "data_evento": day(-1) }))
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);
    let second = dir.path().join("idol2.zip");
    let out = w.f.cli_ok(&["export", "idol", "--out", second.to_str().unwrap()]);
    assert!(out.contains("1 lavoratore, 1 politica, 0 esiti"), "{out}");
    let xml = &read(&second)[&document];
    assert!(xml.contains(&ids[1]) && !xml.contains(&ids[0]));
    // An explicit date re-exports everything since then; each export is audited.
    let third = dir.path().join("idol3.zip");
    let out = w.f.cli_ok(&["export", "idol", "--since", &italian(-30), "--out", third.to_str().unwrap()]);
    assert!(out.contains("2 politiche"), "{out}");
    assert_eq!(w.f.audit_count("idol.export"), 4);
    // Never over an existing file.
    assert!(!w.f.cli(&["export", "idol", "--out", third.to_str().unwrap()]).status.success());
    // The Region's screen lists them.
    let html = w.region.get(w.server.url("/regione/idol")).send().unwrap().text().unwrap();
    assert_eq!(html.matches("<code class=\"hash\">").count(), 4);
}

#[test]
fn an_action_coming_back_from_idol_in_a_sap_shows_once() {
    let w = world();
    let a: Value = w.post_action(&w.op_a, &bodies(&w.op_a_cf).remove(3)).json().unwrap();
    let id = a["identificativo_politica"].as_str().unwrap().to_owned();
    let db = w.f.db();
    db.execute(
        "INSERT INTO sap_version (recipient_id, version, imported_at, file_name, encoding, original, sha256, sections)
         VALUES (?1, 1, 1, 'sap.xml', 'UTF-8', x'00', 'x', '{}')",
        [w.person],
    )
    .unwrap();
    let sap = db.last_insert_rowid();
    for (tipo, ident) in [("C07", id.as_str()), ("A02", "17FFFFFFFFX")] {
        db.execute(
            "INSERT INTO policy (recipient_id, origin, sap_version_id, tipo_attivita, identificativo_politica, created_at, updated_at)
             VALUES (?1, 'sap', ?2, ?3, ?4, 1, 1)",
            rusqlite::params![w.person, sap, tipo, ident],
        )
        .unwrap();
    }
    for c in [&w.op_a, &w.region] {
        let detail: Value =
            c.get(w.server.url(&format!("/api/v1/recipients/{}", w.person))).send().unwrap().json().unwrap();
        let rows: Vec<(&str, &str)> = detail["section6"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["origin"].as_str().unwrap(), p["identificativo_politica"].as_str().unwrap()))
            .collect();
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert!(rows.contains(&("provider", id.as_str())) && rows.contains(&("sap", "17FFFFFFFFX")));
    }
}

#[test]
fn a_closed_voucher_takes_no_new_action_but_its_open_actions_can_be_closed() {
    let w = world();
    let c06 = bodies(&w.op_a_cf).remove(2);
    let a: Value = w.post_action(&w.op_a, &c06).json().unwrap();
    let url = w.server.url(&format!("/api/v1/actions/{}/events", a["id"]));
    let res = w.op_a.post(&url).json(&json!({ "evento": "02", "data_evento": day(-2) })).send().unwrap();
    assert_eq!(res.status(), 200);
    let res = w
        .op_a
        .post(w.server.url(&format!("/api/v1/recipients/{}/outcome", w.person)))
        .json(&json!({ "esito": "hired", "data": day(-1), "datore_cf": "01234567897", "datore_nome": "Logistica Srl", "contratto": "permanent" }))
        .send()
        .unwrap();
    assert_eq!(res.status(), 201, "{}", res.text().unwrap());
    let res = w.post_action(&w.op_a, &bodies(&w.op_a_cf).remove(3));
    assert_eq!(res.status(), 422);
    assert_eq!(res.json::<Value>().unwrap()["errors"][0]["field"], "tipo_attivita");
    let res = w.op_a.post(&url).json(&json!({ "evento": "14", "data_evento": day(-1) })).send().unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().unwrap());
}

#[test]
fn a_providers_uploads_stop_at_its_storage_quota_with_a_clear_message() {
    let w = world_with("upload_max_mb = 1\nupload_quota_mb = 1\n");
    let a: Value = w.post_action(&w.op_a, &bodies(&w.op_a_cf).remove(3)).json().unwrap();
    let url = w.server.url(&format!("/api/v1/actions/{}/documents", a["id"]));
    let upload = |salt: u8| {
        w.op_a
            .post(&url)
            .header("Content-Type", "application/pdf")
            .body(common::pdf_with(&[salt; 600 * 1024]))
            .send()
            .unwrap()
    };
    assert_eq!(upload(1).status(), 201);
    let stored = w.count("SELECT count(*) FROM document");
    let res = upload(2);
    assert_eq!(res.status(), 422);
    let body: Value = res.json().unwrap();
    assert_eq!(body["errors"][0]["field"], "file");
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("spazio per i documenti") && message.contains("su 1 MB"), "{message}");
    assert_eq!(w.count("SELECT count(*) FROM document"), stored, "nothing stored");
}

#[test]
fn stored_text_over_the_schema_limits_is_listed_never_cut_and_corrected_by_its_provider() {
    let w = world();
    let person_cf: String =
        w.f.db().query_row("SELECT codice_fiscale FROM recipient WHERE id = ?1", [w.person], |r| r.get(0)).unwrap();
    let sap =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sap/minima.xml"))
            .unwrap()
            .replace("VRDGPP66E10D612K", &person_cf);
    let res = w
        .region
        .post(w.server.url("/api/v1/import/sap"))
        .header("Content-Type", "application/xml")
        .body(sap)
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);
    let a: Value = w.post_action(&w.op_a, &bodies(&w.op_a_cf).remove(3)).json().unwrap();
    let action = a["id"].as_i64().unwrap();
    // As an older version let it be stored: a title of 180 characters.
    let long = "Corso ".repeat(30);
    w.f.db()
        .execute("UPDATE policy SET titolo_denominazione = ?1 WHERE id = ?2", rusqlite::params![long, action])
        .unwrap();

    // Listed on the IDOL screen, and the worker is not sent with it: nothing is cut.
    let html = w.region.get(w.server.url("/regione/idol")).send().unwrap().text().unwrap();
    assert!(html.contains("Azioni da correggere") && html.contains("titolo oltre 100 caratteri"), "{html}");
    let dir = tempfile::tempdir().unwrap();
    let zip = dir.path().join("idol.zip");
    let out = w.f.cli_ok(&["export", "idol", "--out", zip.to_str().unwrap()]);
    assert!(out.contains("0 lavoratori") && out.contains("titolo_denominazione"), "{out}");
    let stored: String =
        w.f.db().query_row("SELECT titolo_denominazione FROM policy WHERE id = ?1", [action], |r| r.get(0)).unwrap();
    assert_eq!(stored, long);

    // The action page says so and offers the correction to its provider only.
    let page = w.server.url(&format!("/destinatari/{}/azioni/{action}", w.person));
    let html = w.op_a.get(&page).send().unwrap().text().unwrap();
    assert!(
        html.contains("Da correggere per l&#39;invio a IDOL") || html.contains("Da correggere per l'invio a IDOL"),
        "{html}"
    );
    let op_a_token = token(&html);
    let correction = w.server.url(&format!("/destinatari/{}/azioni/{action}/correzione", w.person));
    let version = a["version"].as_i64().unwrap().to_string();
    let post_with = |c: &Client, token: &str, titolo: &str| {
        c.post(&correction)
            .form(&[("_token", token), ("titolo_denominazione", titolo), ("descrizione", ""), ("version", &version)])
            .send()
            .unwrap()
    };
    let post = |c: &Client, titolo: &str| post_with(c, &op_a_token, titolo);
    // Another provider's operator with a valid form token of their own card.
    let op_b_token = token(&w.op_b.get(w.server.url("/informativa")).send().unwrap().text().unwrap());
    // Still too long: refused, naming the field.
    let res = post(&w.op_a, &long);
    assert_eq!(res.status(), 422);
    assert!(res.text().unwrap().contains("al massimo 100 caratteri"));
    // The Region reads, never writes; another provider does not find it.
    assert_eq!(post(&w.region, "Corso carrellisti").status(), 403);
    assert_eq!(post_with(&w.op_b, &op_b_token, "Corso carrellisti").status(), 404);
    let res = post(&w.op_a, "Corso carrellisti");
    assert!(res.url().as_str().ends_with(&format!("/azioni/{action}")), "{}", res.url());
    assert_eq!(w.f.audit_count("action.correct"), 1);
    let html = w.region.get(w.server.url("/regione/idol")).send().unwrap().text().unwrap();
    assert!(!html.contains("Azioni da correggere"));
    // Retried and sent with the next export.
    let zip = dir.path().join("idol2.zip");
    let out = w.f.cli_ok(&["export", "idol", "--out", zip.to_str().unwrap()]);
    assert!(out.contains("1 lavoratore, 1 politica") && !out.contains("non esportabile"), "{out}");
}

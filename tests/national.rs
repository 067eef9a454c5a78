//! The national formats over real TLS: SAP files written to the national schema (revision
//! 009, and the 008 layout) imported through the API and the import screen, every element shown
//! on the SAP page and in the API, and what a file carries outside the schema reported.
#![allow(clippy::disallowed_methods)] // peeks into the data file: statement caching is for the server
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::{Fixture, cf, client};
use reqwest::blocking::Client;
use ricolloca::infra::pki::KeyKind;
use serde_json::Value;

const FIXTURES: &[&str] = &["straniero-completa.xml", "esperienze.xml", "eventi.xml", "minima.xml", "rev008.xml"];

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sap").join(name)).unwrap()
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

impl World {
    fn import(&self, body: Vec<u8>) -> Value {
        let res = self
            .region
            .post(self.server.url("/api/v1/import/sap"))
            .header("Content-Type", "application/xml")
            .body(body)
            .send()
            .unwrap();
        assert_eq!(res.status(), 200);
        res.json().unwrap()
    }
    fn id_of(&self, cf: &str) -> i64 {
        self.f.db().query_row("SELECT id FROM recipient WHERE codice_fiscale = ?1", [cf], |r| r.get(0)).unwrap()
    }
    fn page(&self, path: &str) -> String {
        let res = self.region.get(self.server.url(path)).send().unwrap();
        assert_eq!(res.status(), 200, "{path}");
        res.text().unwrap()
    }
}

/// How a stored value appears on the page: dates in the Italian form, SI/NO in words, the
/// rest as text (escaped as maud escapes it).
fn shown(v: &str) -> String {
    let v = if v.len() == 10 && v.as_bytes()[4] == b'-' && v.as_bytes()[7] == b'-' {
        format!("{}/{}/{}", &v[8..10], &v[5..7], &v[..4])
    } else {
        match v {
            "SI" => "sì".into(),
            "NO" => "no".into(),
            other => other.to_owned(),
        }
    };
    v.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Every string and number in a JSON value, with its JSON path.
fn leaves(v: &Value, at: &str, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(map) => map.iter().for_each(|(k, v)| leaves(v, &format!("{at}.{k}"), out)),
        Value::Array(items) => items.iter().enumerate().for_each(|(i, v)| leaves(v, &format!("{at}[{i}]"), out)),
        Value::String(s) if !s.is_empty() => out.push((at.to_owned(), s.clone())),
        Value::Number(n) => out.push((at.to_owned(), n.to_string())),
        _ => {}
    }
}

#[test]
fn every_element_of_files_written_to_the_schema_is_read_and_shown() {
    let w = world();
    for name in FIXTURES {
        let bytes = fixture(name);
        let parsed = ricolloca::infra::sap_xml::parse(&bytes).unwrap();
        let report = w.import(bytes);
        assert_eq!(report["imported"], 1, "{name}: {report}");
        assert_eq!(report["findings"], Value::Array(Vec::new()), "{name}: {report}");
        let id = w.id_of(parsed.codice_fiscale.as_str());
        let html = w.page(&format!("/destinatari/{id}/sap"));
        assert!(!html.contains("non riconosciuti"), "{name}: no flag for a conforming file");

        // Each element's value is on the page, sections 0-6 alike.
        let mut values = Vec::new();
        leaves(&serde_json::to_value(&parsed.sap).unwrap(), "sap", &mut values);
        assert!(values.len() > 10, "{name}");
        for (path, value) in &values {
            assert!(html.contains(&shown(value)), "{name}: {path} = {value:?} not on the SAP page");
        }

        // The API gives the same typed sections, section VI beside them.
        let detail: Value =
            w.region.get(w.server.url(&format!("/api/v1/recipients/{id}"))).send().unwrap().json().unwrap();
        let sap = &detail["sap"];
        assert_eq!(sap["findings"], Value::Array(Vec::new()));
        assert_eq!(sap["sections"]["section1"], serde_json::to_value(&parsed.sap.dati_anagrafici).unwrap(), "{name}");
        assert_eq!(sap["sections"]["section5"], serde_json::to_value(&parsed.sap.informazioni_curriculari).unwrap());
        assert_eq!(sap["sections"]["section6"].as_array().unwrap().len(), parsed.sap.politiche_attive.len(), "{name}");
    }

    // Labels in Italian, the permit of the foreign worker, the flags of an experience.
    let id = w.id_of("HSSMHM88M12Z330T");
    let html = w.page(&format!("/destinatari/{id}/sap"));
    for label in [
        "Cittadino straniero: titolo di soggiorno",
        "Valido fino al",
        "Lavoro stagionale",
        "Azienda utilizzatrice",
        "Ente di formazione",
        "Anno di conseguimento",
        "Descrizione dell&#39;ultimo evento",
        "Identificativo della presa in carico",
    ] {
        assert!(html.contains(label) || html.contains(&label.replace("&#39;", "'")), "{label}");
    }
    // Codes people can read: the Italian label beside each code, from the official tables.
    for shown in [
        "Z330 — Marocco",
        "436 — Marocco",
        "G702 — Pisa (PI)",
        "E625 — Livorno (LI)",
        "78.20.00 — Attività delle agenzie di fornitura di lavoro temporaneo (interinale)",
        "DI — disoccupato",
        "C1 — livello avanzato (C1)",
        "M — maschio",
    ] {
        assert!(html.contains(shown), "{shown}");
    }
    // A code no embedded table knows shows alone, never an error.
    assert!(html.contains("<dd>A.03.00</dd>"), "contract type without a table");
    // The Region's file replaces a list whole; the others stay.
    let file = w.f.path().join("professioni.csv");
    std::fs::write(
        &file,
        "lista;codice;descrizione\nprofessione;8.1.3.1.0;Personale non qualificato addetto allo spostamento e alla consegna merci\ncomune;G702;Pisa (città)\n",
    )
    .unwrap();
    w.f.cli_ok(&["import", "codes", file.to_str().unwrap()]);
    let html = w.page(&format!("/destinatari/{id}/sap"));
    assert!(html.contains("8.1.3.1.0 — Personale non qualificato") && html.contains("G702 — Pisa (città)"));
    assert!(html.contains("E625</dd>") || !html.contains("E625 — Livorno"), "the comune list was replaced whole");
    assert!(html.contains("436 — Marocco"), "other lists untouched");
    // Every event code of section VI, with its label.
    let id = w.id_of("FRRSLV92R55E715J");
    let html = w.page(&format!("/destinatari/{id}/sap"));
    assert!(html.contains("15 — Esclusione") && html.contains("01 — Proposta"));
}

#[test]
fn an_unknown_element_and_a_too_long_value_are_reported_never_refused() {
    let w = world();
    let long = "x".repeat(300);
    let doc = String::from_utf8(fixture("straniero-completa.xml"))
        .unwrap()
        .replace("</datipersonali>", "<statocivile>1</statocivile></datipersonali>")
        .replace(
            "<descrizione>Tirocinio presso Logistica Tirrena S.r.l., magazzino</descrizione>",
            &format!("<descrizione>{long}</descrizione>"),
        );
    let report = w.import(doc.clone().into_bytes());
    assert_eq!(report["imported"], 1, "{report}");
    assert_eq!(report["refused"], Value::Array(Vec::new()));
    let findings: Vec<(String, i64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["path"].as_str().unwrap().to_owned(), f["count"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        findings,
        [
            ("/lavoratore/datianagrafici/datipersonali/statocivile".to_owned(), 1),
            ("/lavoratore/politiche_attive_lst/politiche_attive/descrizione".to_owned(), 1),
        ]
    );
    // The SAP page says so, with the paths; the API carries them with the version.
    let id = w.id_of("HSSMHM88M12Z330T");
    let html = w.page(&format!("/destinatari/{id}/sap"));
    assert!(html.contains("conteneva dati non riconosciuti"), "{html}");
    assert!(html.contains("/lavoratore/datianagrafici/datipersonali/statocivile"));
    assert!(html.contains(&long), "the long value is kept whole");
    let detail: Value = w.region.get(w.server.url(&format!("/api/v1/recipients/{id}"))).send().unwrap().json().unwrap();
    assert_eq!(detail["sap"]["findings"].as_array().unwrap().len(), 2);

    // The import screen shows the same report.
    let screen = w.page("/regione/importazioni");
    let at = screen.find("name=\"_token\" value=\"").unwrap();
    let token: String = screen[at + 21..].chars().take_while(|c| *c != '"').collect();
    let form = reqwest::blocking::multipart::Form::new().text("_token", token).part(
        "files",
        reqwest::blocking::multipart::Part::bytes(doc.replace("2026-09-14", "2026-09-15").into_bytes())
            .file_name("straniero.xml")
            .mime_str("application/xml")
            .unwrap(),
    );
    let res = w.region.post(w.server.url("/regione/importazioni/sap")).multipart(form).send().unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().unwrap();
    assert!(html.contains("1</strong> aggiornato"), "{html}");
    assert!(html.contains("/lavoratore/datianagrafici/datipersonali/statocivile") && html.contains("straniero.xml"));

    // The command line prints the same JSON report.
    let path = w.f.path().join("straniero.xml");
    std::fs::write(&path, doc.replace("2026-09-14", "2026-09-16")).unwrap();
    let out = w.f.cli_ok(&["import", "sap", path.to_str().unwrap()]);
    let cli: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(cli["updated"], 1);
    assert_eq!(cli["findings"].as_array().unwrap().len(), 2, "{cli}");
}

#[test]
fn stored_saps_are_read_again_with_the_new_mapping_and_one_audit_row() {
    let w = world();
    for name in ["straniero-completa.xml", "eventi.xml"] {
        assert_eq!(w.import(fixture(name))["imported"], 1);
    }
    let expected: Vec<(String, i64)> = w
        .f
        .db()
        .prepare("SELECT sections, (SELECT count(*) FROM policy p WHERE p.sap_version_id = v.id) FROM sap_version v ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let mut w = w;
    w.server.stop();
    // As an older version left them: its own sections, no policy of the new fields.
    let db = w.f.db();
    db.execute_batch(
        "UPDATE sap_version SET mapping = 0, sections = '{\"section0\":{}}', findings = '[]';
         DELETE FROM policy WHERE origin = 'sap';",
    )
    .unwrap();
    drop(db);
    let before = w.f.audit_rows();
    w.server = w.f.start();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let left: i64 =
            w.f.db().query_row("SELECT count(*) FROM sap_version WHERE mapping < 1", [], |r| r.get(0)).unwrap();
        if left == 0 && w.f.audit_count("sap.remap") == 1 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the re-read did not finish");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let after: Vec<(String, i64)> = w
        .f
        .db()
        .prepare("SELECT sections, (SELECT count(*) FROM policy p WHERE p.sap_version_id = v.id) FROM sap_version v ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(after, expected, "same sections and section VI as a fresh import, no new version");
    let (action, _, detail) = w.f.last_audit();
    assert_eq!(action, "sap.remap");
    assert_eq!(detail["versions"], 2);
    assert_eq!(w.f.audit_rows(), before + 1, "one row, nothing else");
    // A second start finds nothing to do.
    w.server.stop();
    w.server = w.f.start();
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(w.f.audit_count("sap.remap"), 1);
}

/// Every file of an IDOL zip, by name.
fn unzip(path: &std::path::Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut f, &mut bytes).unwrap();
            (f.name().to_owned(), bytes)
        })
        .collect()
}

/// The conformance check on a feed: every `<lavoratore>` document against revision 009, and
/// the documents are exactly the workers the manifest counts. Returns the documents.
fn conforming_documents(zip: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let files = unzip(zip);
    let manifest: Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
    let docs: Vec<(String, Vec<u8>)> =
        files.iter().filter(|(n, _)| n.starts_with("lavoratori/")).map(|(n, b)| (n.clone(), b.clone())).collect();
    assert_eq!(docs.len() as u64, manifest["lavoratori"].as_u64().unwrap());
    for (name, doc) in &docs {
        let findings = ricolloca::infra::sap_schema::validate(doc);
        assert_eq!(findings, Vec::new(), "{name}:\n{}", String::from_utf8_lossy(doc));
    }
    docs
}

#[test]
fn every_document_of_the_demo_feed_conforms_to_the_schema() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ricolloca::infra::clock::SystemClock;
    let instance =
        ricolloca::cli::demo::prepare(&dir.path().join("demo"), "127.0.0.1:0".parse().unwrap(), &clock).unwrap();
    let zip = dir.path().join("idol.zip");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ricolloca"))
        .args(["export", "idol", "--config", instance.config_path.to_str().unwrap(), "--out", zip.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let docs = conforming_documents(&zip);
    assert!(docs.len() >= 5, "the demo's actions go out: {}", docs.len());
    // The one demo person whose SAP has not arrived is listed, not sent (a case for the class).
    let manifest: Value = serde_json::from_slice(&unzip(&zip)["manifest.json"]).unwrap();
    let left_out = manifest["non_esportabili"].as_array().unwrap();
    assert_eq!(left_out.len(), 1, "{manifest}");
    assert!(left_out[0]["motivi"][0].as_str().unwrap().starts_with("SAP non ancora ricevuta"));
}

#[test]
fn the_feed_conforms_with_every_optional_part_present_and_absent_and_reads_back_to_the_same_section_vi() {
    let w = world();
    let operator_cf = cf("RSSMRA85T10A562");
    w.f.add_operator(&operator_cf, "operatore", Some(1));
    let operator = client(&w.f, Some(&w.f.card(&operator_cf)));
    // The foreign worker (every optional part) and the minimal SAP (none), with vouchers.
    let people = ["HSSMHM88M12Z330T", "VRDGPP66E10D612K"];
    for name in ["straniero-completa.xml", "minima.xml"] {
        assert_eq!(w.import(fixture(name))["imported"], 1);
    }
    let today = ricolloca::infra::clock::local_date(ricolloca::domain::timestamp::Timestamp::from_ms(
        ricolloca::infra::clock::system_now().unix_timestamp() * 1000,
    ));
    let day = |offset: i64| {
        let d = today + time::Duration::days(offset);
        format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
    };
    let italian = |offset: i64| {
        let d = today + time::Duration::days(offset);
        format!("{:02}/{:02}/{:04}", d.day(), u8::from(d.month()), d.year())
    };
    let mut csv = String::from(
        "codice_fiscale;cognome;nome;data_nascita;sesso;codice_assegno;data_rilascio;cpi;fascia_profilazione;ente;data_scelta\n",
    );
    for (i, p) in people.iter().enumerate() {
        csv.push_str(&format!(
            "{p};Cognome;Nome;01/02/1980;M;ADR-{i};{};CPI-FI;3;06363391001;{}\n",
            italian(-30),
            italian(-20)
        ));
    }
    let res = w
        .region
        .post(w.server.url("/api/v1/import/assignments"))
        .header("Content-Type", "text/csv")
        .body(csv)
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);
    // Each type of action, with and without its optional fields.
    for p in people {
        let id = w.id_of(p);
        for body in [
            serde_json::json!({ "tipo_attivita": "A06", "data_proposta": day(-10), "evento": "10", "data_inizio": day(-10), "data_evento": day(-10),
                    "durata": 2, "tipologia_durata": "O",
                    "dettagli": { "modalita": "individuale", "ore": 1.5, "operatore_cf": operator_cf } }),
            serde_json::json!({ "tipo_attivita": "B03", "data_proposta": day(-9), "evento": "02", "data_evento": day(-8),
                    "dettagli": { "ore": 3, "argomenti": "CV & lettera <di> presentazione", "offerte_proposte": 2 } }),
            serde_json::json!({ "tipo_attivita": "C06", "titolo_denominazione": "Tirocinio magazziniere", "descrizione": "Gestione magazzino, carico e scarico",
                    "data_proposta": day(-5), "data_inizio": day(10), "evento": "01", "data_evento": day(-5), "titolo_progetto": "01",
                    "dettagli": { "azienda_cf": "01234567897", "azienda_nome": "Logistica Srl", "azienda_sede": "Prato",
                                  "tutor_aziendale": "Anna Bianchi", "fine_prevista": day(100), "ore_settimanali": 30 } }),
            serde_json::json!({ "tipo_attivita": "C07", "titolo_denominazione": "Corso carrellisti", "data_proposta": day(-3), "evento": "01",
                    "data_evento": day(-3),
                    "dettagli": { "titolo_corso": "Carrellista", "ente_formativo": "Formare Srl", "ore": 16, "certificazione": "frequenza" } }),
        ] {
            let res =
                operator.post(w.server.url(&format!("/api/v1/recipients/{id}/actions"))).json(&body).send().unwrap();
            assert_eq!(res.status(), 201, "{body}: {}", res.text().unwrap());
        }
    }
    // Entry matches exit: what the schema cannot carry is refused at the door.
    let id = w.id_of(people[1]);
    let long = serde_json::json!({ "tipo_attivita": "C07", "titolo_denominazione": "x".repeat(101), "descrizione": "y".repeat(251),
        "data_proposta": day(-3), "evento": "01", "data_evento": day(-3),
        "dettagli": { "titolo_corso": "Carrellista", "ente_formativo": "Formare Srl", "ore": 16, "certificazione": "frequenza" } });
    let res = operator.post(w.server.url(&format!("/api/v1/recipients/{id}/actions"))).json(&long).send().unwrap();
    assert_eq!(res.status(), 422);
    let errors = res.text().unwrap();
    assert!(errors.contains("titolo_denominazione") && errors.contains("descrizione"), "{errors}");

    let zip = w.f.path().join("idol.zip");
    w.f.cli_ok(&["export", "idol", "--out", zip.to_str().unwrap()]);
    let docs = conforming_documents(&zip);
    assert_eq!(docs.len(), 2);
    for (name, doc) in &docs {
        let parsed = ricolloca::infra::sap_xml::parse(doc).unwrap();
        assert_eq!(parsed.findings, Vec::new(), "{name}");
        assert_eq!(parsed.sap.politiche_attive.len(), 4);
        // Read then written again: the same bytes.
        let again = ricolloca::infra::idol_feed::lavoratore(
            &parsed.sap.dati_invio,
            &parsed.sap.dati_anagrafici,
            &parsed.sap.politiche_attive,
        )
        .unwrap();
        assert_eq!(String::from_utf8(again).unwrap(), String::from_utf8(doc.clone()).unwrap(), "{name}");
    }
    // The foreign worker's permit and residence travel with the document; the minimal one has none.
    let straniero = String::from_utf8(docs.iter().find(|(n, _)| n.contains(people[0])).unwrap().1.clone()).unwrap();
    assert!(straniero.contains("<datistranieri>") && straniero.contains("<residenza>"));
    assert!(straniero.contains("<indice_profiling>0.7912</indice_profiling>"), "{straniero}");
    assert!(straniero.contains("<identificativo_presa_in_carico>1700001234K</identificativo_presa_in_carico>"));
    assert!(straniero.contains("<codiceentetit>G702C000681</codiceentetit>"));
    let minima = String::from_utf8(docs.iter().find(|(n, _)| n.contains(people[1])).unwrap().1.clone()).unwrap();
    assert!(
        !minima.contains("<datistranieri>")
            && !minima.contains("<residenza>")
            && !minima.contains("<indice_profiling>")
    );

    // Round trip: each document imported back gives the same section VI as the actions sent.
    let columns =
        "tipo_attivita, titolo_denominazione, data_proposta, data_inizio, data_fine, durata, tipologia_durata,
                   descrizione, titolo_progetto, codice_ente_promotore, identificativo_politica, indice_profiling,
                   identificativo_presa_in_carico, ultimo_evento, data_evento, descrizione_evento";
    let section_vi = |origin: &str, id: i64| -> Vec<Vec<String>> {
        let db = w.f.db();
        let sql = format!(
            "SELECT {columns} FROM policy WHERE recipient_id = ?1 AND origin = ?2 AND (origin = 'provider' OR sap_version_id =
             (SELECT max(id) FROM sap_version WHERE recipient_id = ?1)) ORDER BY identificativo_politica"
        );
        let mut stmt = db.prepare(&sql).unwrap();
        stmt.query_map(rusqlite::params![id, origin], |r| {
            (0..16).map(|i| r.get::<_, rusqlite::types::Value>(i).map(|v| format!("{v:?}"))).collect()
        })
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
    };
    for (_, doc) in &docs {
        let report = w.import(doc.clone());
        assert_eq!(report["updated"], 1, "{report}");
        assert_eq!(report["findings"], serde_json::json!([]));
    }
    for p in people {
        let id = w.id_of(p);
        let sent = section_vi("provider", id);
        assert_eq!(sent.len(), 4);
        assert_eq!(section_vi("sap", id), sent, "{p}");
    }
}

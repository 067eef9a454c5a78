//! Recipients over real TLS: the CPI's CSV import and provider isolation in every view.
#![allow(clippy::disallowed_methods)] // peeks into the data file: statement caching is for the server
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::{Fixture, cf, client};
use reqwest::blocking::Client;
use ricolloca::infra::pki::KeyKind;
use serde_json::Value;

const HEADER: &str = "codice_fiscale;cognome;nome;data_nascita;sesso;codice_assegno;data_rilascio;cpi;fascia_profilazione;ente;data_scelta";

struct World {
    f: Fixture,
    server: common::Server,
    region: Client,
    op_a: Client,
    auditor: Client,
    a_people: Vec<String>,
    b_people: Vec<String>,
}

fn csv_line(cf: &str, surname: &str, code: &str, ente: &str) -> String {
    format!("{cf};{surname};Anna;01/02/1980;F;{code};01/02/2026;CPI-FI;3;{ente};10/02/2026")
}

fn world() -> World {
    let f = Fixture::new(KeyKind::EcdsaP256);
    let a = f.add_provider("Lavoro Futuro", "06363391001", "ACC-A");
    let b = f.add_provider("Orienta", "97103880585", "ACC-B");
    let region_cf = cf("BNCMRA80A41D612");
    f.add_operator(&region_cf, "regione", None);
    let op_a_cf = cf("RSSMRA85T10A562");
    f.add_operator(&op_a_cf, "operatore", Some(a));
    let auditor_cf = cf("VRDGPP75M12G702");
    f.add_operator(&auditor_cf, "revisore", None);
    let _ = b;
    let server = f.start();
    let region = client(&f, Some(&f.card(&region_cf)));
    let op_a = client(&f, Some(&f.card(&op_a_cf)));
    let auditor = client(&f, Some(&f.card(&auditor_cf)));
    let a_people: Vec<String> =
        ["BRNLRA80B41D612", "CSTLRA80B41D612", "DMCLRA80B41D612"].iter().map(|b| cf(b)).collect();
    let b_people: Vec<String> = ["FRRLRA80B41D612", "GLLLRA80B41D612"].iter().map(|b| cf(b)).collect();
    let mut csv = vec![HEADER.to_owned()];
    for (i, p) in a_people.iter().enumerate() {
        csv.push(csv_line(p, &format!("Alfa{i}"), &format!("ADR-A{i}"), "06363391001"));
    }
    for (i, p) in b_people.iter().enumerate() {
        csv.push(csv_line(p, &format!("Beta{i}"), &format!("ADR-B{i}"), "ACC-B"));
    }
    let res = region
        .post(server.url("/api/v1/import/assignments"))
        .header("Content-Type", "text/csv")
        .body(csv.join("\n"))
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);
    let report: Value = res.json().unwrap();
    assert_eq!((report["imported"].as_i64(), report["updated"].as_i64()), (Some(5), Some(0)), "{report}");
    World { f, server, region, op_a, auditor, a_people, b_people }
}

impl World {
    fn id_of(&self, cf: &str) -> i64 {
        self.f.db().query_row("SELECT id FROM recipient WHERE codice_fiscale = ?1", [cf], |r| r.get(0)).unwrap()
    }
}

#[test]
fn an_operator_sees_only_their_providers_recipients_everywhere() {
    let w = world();
    // List (API and screen).
    let list: Value = w.op_a.get(w.server.url("/api/v1/recipients")).send().unwrap().json().unwrap();
    assert_eq!(list["total"], 3);
    let cfs: Vec<&str> =
        list["items"].as_array().unwrap().iter().map(|i| i["codice_fiscale"].as_str().unwrap()).collect();
    for p in &w.a_people {
        assert!(cfs.contains(&p.as_str()));
    }
    let html = w.op_a.get(w.server.url("/cruscotto")).send().unwrap().text().unwrap();
    assert!(html.contains("Alfa0") && html.contains("3 destinatari"));
    assert!(!html.contains("Beta0"));
    // Asking for another provider widens nothing.
    let html = w.op_a.get(w.server.url("/cruscotto?soggetto=2")).send().unwrap().text().unwrap();
    assert!(!html.contains("Beta0") && html.contains("Alfa0"));
    let list: Value = w.op_a.get(w.server.url("/api/v1/recipients?q=Beta")).send().unwrap().json().unwrap();
    assert_eq!(list["total"], 0);
    // The total is counted in the page's own query; past the last page it is counted apart.
    let list: Value = w.op_a.get(w.server.url("/api/v1/recipients?q=Alfa0")).send().unwrap().json().unwrap();
    assert_eq!((list["total"].as_i64(), list["items"].as_array().map(Vec::len)), (Some(1), Some(1)));
    let list: Value = w.op_a.get(w.server.url("/api/v1/recipients?page=3")).send().unwrap().json().unwrap();
    assert_eq!((list["total"].as_i64(), list["items"].as_array().map(Vec::len)), (Some(3), Some(0)));

    // Own recipient: detail, SAP page, API, each one audit row.
    let mine = w.id_of(&w.a_people[0]);
    let before = w.f.audit_count("recipient.view");
    for path in [format!("/destinatari/{mine}"), format!("/api/v1/recipients/{mine}")] {
        assert_eq!(w.op_a.get(w.server.url(&path)).send().unwrap().status(), 200, "{path}");
    }
    assert_eq!(w.f.audit_count("recipient.view"), before + 2);
    assert_eq!(w.op_a.get(w.server.url(&format!("/destinatari/{mine}/sap"))).send().unwrap().status(), 200);
    assert_eq!(w.f.audit_count("sap.view"), 1);
    let detail: Value = w.op_a.get(w.server.url(&format!("/api/v1/recipients/{mine}"))).send().unwrap().json().unwrap();
    assert_eq!(detail["voucher"]["code"], "ADR-A0");
    assert_eq!(detail["sap"], Value::Null);

    // Another provider's recipient: 404 everywhere, each attempt audited as denied.
    let theirs = w.id_of(&w.b_people[0]);
    for path in [
        format!("/destinatari/{theirs}"),
        format!("/destinatari/{theirs}/sap"),
        format!("/api/v1/recipients/{theirs}"),
        "/destinatari/999999".to_owned(),
    ] {
        let before = w.f.audit_count("access.denied");
        let res = w.op_a.get(w.server.url(&path)).send().unwrap();
        assert_eq!(res.status(), 404, "{path}");
        assert_eq!(w.f.audit_count("access.denied"), before + 1, "{path}");
        assert_eq!(w.f.last_audit().2["reason"], "foreign_or_unknown_object");
    }
}

#[test]
fn the_region_sees_everyone_and_the_auditor_no_one() {
    let w = world();
    let list: Value = w.region.get(w.server.url("/api/v1/recipients")).send().unwrap().json().unwrap();
    assert_eq!(list["total"], 5);
    let html = w.region.get(w.server.url("/cruscotto?soggetto=2")).send().unwrap().text().unwrap();
    assert!(html.contains("Beta0") && !html.contains("Alfa0"));
    let theirs = w.id_of(&w.b_people[1]);
    assert_eq!(w.region.get(w.server.url(&format!("/destinatari/{theirs}"))).send().unwrap().status(), 200);
    // Auditors read the trail, not the people.
    assert_eq!(w.auditor.get(w.server.url("/cruscotto")).send().unwrap().status(), 403);
    assert_eq!(w.auditor.get(w.server.url(&format!("/destinatari/{theirs}"))).send().unwrap().status(), 403);
    // The provider list counts recipients.
    let providers: Value = w.region.get(w.server.url("/api/v1/providers")).send().unwrap().json().unwrap();
    let counts: Vec<i64> =
        providers["items"].as_array().unwrap().iter().map(|p| p["recipients"].as_i64().unwrap()).collect();
    assert_eq!(counts, vec![3, 2]);
}

#[test]
fn a_csv_with_a_bad_row_imports_nothing_unless_asked_for_the_valid_rows() {
    let w = world();
    let body = [
        HEADER.to_owned(),
        csv_line(&cf("HHHLRA80B41D612"), "Gamma", "ADR-G1", "06363391001"),
        csv_line("RSSMRA85T10A562X", "Delta", "ADR-G2", "06363391001"),
        csv_line(&cf("JJJLRA80B41D612"), "Epsilon", "ADR-G3", "NESSUNO"),
        csv_line(&w.a_people[0], "Alfa0", "ADR-A0", "06363391001"),
    ]
    .join("\r\n");
    let post = |query: &str| {
        w.region
            .post(w.server.url(&format!("/api/v1/import/assignments{query}")))
            .header("Content-Type", "text/csv")
            .body(body.clone())
            .send()
            .unwrap()
            .json::<Value>()
            .unwrap()
    };
    let recipients_before: i64 = w.f.db().query_row("SELECT count(*) FROM recipient", [], |r| r.get(0)).unwrap();
    let report = post("");
    assert_eq!((report["imported"].as_i64(), report["updated"].as_i64()), (Some(0), Some(0)));
    let refused: Vec<(i64, &str)> = report["refused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["line"].as_i64().unwrap(), r["column"].as_str().unwrap()))
        .collect();
    assert_eq!(refused, vec![(3, "codice_fiscale"), (4, "ente")]);
    let after: i64 = w.f.db().query_row("SELECT count(*) FROM recipient", [], |r| r.get(0)).unwrap();
    assert_eq!(after, recipients_before, "nothing half-imported");

    let report = post("?valid_only=true");
    assert_eq!((report["imported"].as_i64(), report["updated"].as_i64()), (Some(1), Some(1)));
    assert_eq!(report["refused"].as_array().unwrap().len(), 2);
    assert_eq!(w.f.audit_count("import.assignments"), 2);
    // Only the Region imports.
    let res = w
        .op_a
        .post(w.server.url("/api/v1/import/assignments"))
        .header("Content-Type", "text/csv")
        .body(body.clone())
        .send()
        .unwrap();
    assert_eq!(res.status(), 403);
}

#[test]
fn the_programme_is_saved_in_versions_with_its_pdf_and_edits_never_overwrite() {
    let w = world();
    let mine = w.id_of(&w.a_people[0]);
    let url = w.server.url(&format!("/api/v1/recipients/{mine}/programme"));
    let body = |version: i64, jobs: &str| {
        serde_json::json!({
            "version": version, "target_jobs": jobs, "search_area": "Firenze e Prato",
            "activities": "Colloquio individuale\nBilancio di competenze", "duties": "Partecipare agli incontri.",
        })
    };
    // Missing fields are named, nothing saved.
    let res = w.op_a.put(&url).json(&serde_json::json!({"version": 0})).send().unwrap();
    assert_eq!(res.status(), 422);
    let res = w.op_a.put(&url).json(&body(0, "Magazziniere")).send().unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().unwrap()["version"], 1);
    // A second editor still on version 0 is refused: nothing overwritten.
    let res = w.op_a.put(&url).json(&body(0, "Cuoco")).send().unwrap();
    assert_eq!(res.status(), 409);
    assert_eq!(w.op_a.put(&url).json(&body(1, "Magazziniere, mulettista")).send().unwrap().status(), 200);

    let p: Value = w.op_a.get(&url).send().unwrap().json().unwrap();
    assert_eq!(p["version"], 2);
    assert_eq!(p["fields"]["target_jobs"], "Magazziniere, mulettista");
    assert_eq!(p["versions"].as_array().unwrap().len(), 2);
    let sha = p["versions"][1]["pdf_sha256"].as_str().unwrap().to_owned();
    let pdf = w.op_a.get(w.server.url(&format!("/destinatari/{mine}/programma/1/pdf"))).send().unwrap();
    assert_eq!(pdf.status(), 200);
    assert!(pdf.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    let bytes = pdf.bytes().unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    use sha2::Digest;
    assert_eq!(hex::encode(sha2::Sha256::digest(&bytes)), sha, "the stored sha256 is the file's");
    assert_eq!(w.f.audit_count("programme.update"), 2);

    // Screens: the form (with its token) and the print view.
    let html = w.op_a.get(w.server.url(&format!("/destinatari/{mine}/programma"))).send().unwrap().text().unwrap();
    assert!(html.contains("Magazziniere, mulettista") && html.contains("Versioni salvate"));
    let print =
        w.op_a.get(w.server.url(&format!("/destinatari/{mine}/programma/stampa"))).send().unwrap().text().unwrap();
    assert!(print.contains("Firma della persona"));

    // The Region reads but does not write; another provider's operator finds nothing.
    assert_eq!(w.region.get(&url).send().unwrap().status(), 200);
    assert_eq!(w.region.put(&url).json(&body(2, "X")).send().unwrap().status(), 403);
    let theirs = w.id_of(&w.b_people[0]);
    let theirs_url = w.server.url(&format!("/api/v1/recipients/{theirs}/programme"));
    assert_eq!(w.op_a.get(&theirs_url).send().unwrap().status(), 404);
    let denied = w.f.audit_count("access.denied");
    assert_eq!(w.op_a.put(&theirs_url).json(&body(0, "X")).send().unwrap().status(), 404);
    assert_eq!(w.f.audit_count("access.denied"), denied + 1);
    assert_eq!(
        w.op_a.get(w.server.url(&format!("/destinatari/{theirs}/programma/1/pdf"))).send().unwrap().status(),
        404
    );
}

#[test]
fn the_import_screen_takes_a_csv_upload_and_shows_the_report() {
    let w = world();
    let html = w.region.get(w.server.url("/regione/importazioni")).send().unwrap().text().unwrap();
    let at = html.find("name=\"_token\" value=\"").unwrap();
    let token = html[at + 21..].split('"').next().unwrap().to_owned();
    let csv = [HEADER.to_owned(), csv_line(&cf("KKKLRA80B41D612"), "Zeta", "ADR-Z1", "ACC-A")].join("\n");
    let form = reqwest::blocking::multipart::Form::new()
        .text("_token", token.clone())
        .part("files", reqwest::blocking::multipart::Part::bytes(csv.into_bytes()).file_name("assegni.csv"));
    let res = w
        .region
        .post(w.server.url("/regione/importazioni/csv"))
        .header("Origin", format!("https://127.0.0.1:{}", w.server.port))
        .multipart(form)
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);
    let text = res.text().unwrap();
    assert!(text.contains("<strong>1</strong> nuovo"), "{text}");

    // A refused file: the report, and both file inputs say the file must be chosen again.
    let bad = [HEADER.to_owned(), csv_line("NONCODICE", "Zeta", "ADR-Z2", "ACC-A")].join("\n");
    let form = reqwest::blocking::multipart::Form::new()
        .text("_token", token)
        .part("files", reqwest::blocking::multipart::Part::bytes(bad.into_bytes()).file_name("errato.csv"));
    let res = w
        .region
        .post(w.server.url("/regione/importazioni/csv"))
        .header("Origin", format!("https://127.0.0.1:{}", w.server.port))
        .multipart(form)
        .send()
        .unwrap();
    assert_eq!(res.status(), 422);
    let text = res.text().unwrap();
    assert!(text.contains("errato.csv"), "{text}");
    for input in ["f-csv", "f-sap"] {
        assert!(text.contains(&format!("aria-describedby=\"{input}-aiuto\"")), "{input}");
        assert!(
            text.contains(&format!("id=\"{input}-aiuto\">Dopo un errore il file va scelto di nuovo.")),
            "{input}: {text}"
        );
    }
    let list: Value = w.op_a.get(w.server.url("/api/v1/recipients?q=Zeta")).send().unwrap().json().unwrap();
    assert_eq!(list["total"], 1);
}

#[test]
fn saps_are_imported_in_versions_and_shown_section_by_section_to_the_right_provider_only() {
    let w = world();
    let person = &w.a_people[0];
    let sample = |updated_on: &str, policies: &[ricolloca::infra::sap_sample::SamplePolicy<'_>]| {
        ricolloca::infra::sap_sample::sap_xml(
            &ricolloca::infra::sap_sample::SamplePerson {
                codice_fiscale: person,
                cognome: "Alfa0",
                nome: "Anna",
                sesso: "F",
                data_nascita: "1980-02-01",
                comune: "D612",
                email: "anna@example.it",
                policies,
            },
            "AA00000001T",
            updated_on,
        )
    };
    let post = |body: String| {
        w.region
            .post(w.server.url("/api/v1/import/sap"))
            .header("Content-Type", "application/xml")
            .body(body)
            .send()
            .unwrap()
            .json::<Value>()
            .unwrap()
    };
    let first = sample("2026-10-01", &[("A02", "2026-01-20", Some("2026-01-20"), None, "02", "2026-01-20")]);
    assert_eq!(post(first.clone())["imported"], 1);
    assert_eq!(post(first)["imported"], 0, "the same file again changes nothing");
    let newer = sample(
        "2026-11-01",
        &[
            ("A02", "2026-01-20", Some("2026-01-20"), Some("2026-01-20"), "10", "2026-01-20"),
            ("XYZ", "2026-10-05", None, None, "01", "2026-10-05"),
        ],
    );
    assert_eq!(post(newer)["updated"], 1);
    // A file that cannot be read is refused with the element path; nothing stored.
    let bad = post(sample("2026-11-02", &[]).replace(person.as_str(), "RSSMRA85T10A562T"));
    assert!(bad["refused"][0]["reason"].as_str().unwrap().contains("codicefiscale"), "{bad}");
    let versions: i64 = w.f.db().query_row("SELECT count(*) FROM sap_version", [], |r| r.get(0)).unwrap();
    assert_eq!(versions, 2);

    let mine = w.id_of(person);
    let html = w.op_a.get(w.server.url(&format!("/destinatari/{mine}/sap"))).send().unwrap().text().unwrap();
    assert!(
        html.contains("Versione 2") && html.contains("Sezione 4") && html.contains("Magazzini Generali Fiorentini")
    );
    // Section VI with labels from the code lists; an unknown code shows alone, never an error.
    assert!(html.contains("A02 — Stipula del patto") && html.contains("<td>XYZ</td>"));
    assert!(html.contains("10 — Terminata"));
    let detail: Value = w.op_a.get(w.server.url(&format!("/api/v1/recipients/{mine}"))).send().unwrap().json().unwrap();
    let section6 = detail["sap"]["sections"]["section6"].as_array().unwrap();
    assert_eq!(section6.len(), 2, "only the latest version's policies");
    // The other provider's operator cannot reach this SAP.
    let op_b_cf = cf("TTTMRA85T10A562");
    w.f.add_operator(&op_b_cf, "operatore", Some(2));
    let op_b = client(&w.f, Some(&w.f.card(&op_b_cf)));
    assert_eq!(op_b.get(w.server.url(&format!("/destinatari/{mine}/sap"))).send().unwrap().status(), 404);
    // A SAP for someone without a voucher is the Region's only.
    let stranger = cf("ZZZLRA80B41D612");
    let mut lonely = sample("2026-10-01", &[]);
    lonely = lonely.replace(person.as_str(), &stranger);
    assert_eq!(post(lonely)["imported"], 1);
    let id = w.id_of(&stranger);
    assert_eq!(w.region.get(w.server.url(&format!("/destinatari/{id}/sap"))).send().unwrap().status(), 200);
    assert_eq!(w.op_a.get(w.server.url(&format!("/destinatari/{id}"))).send().unwrap().status(), 404);
    let html = w.region.get(w.server.url("/cruscotto/senza-assegno")).send().unwrap().text().unwrap();
    assert!(html.contains(&stranger) && html.contains("1 persona"), "{html}");
    let html = w.op_a.get(w.server.url("/cruscotto/senza-assegno")).send().unwrap().text().unwrap();
    assert!(!html.contains(&stranger) && html.contains("0 persone"));
}

#[test]
fn imports_never_move_a_voucher_or_let_an_old_sap_become_current() {
    let w = world();
    let post_csv = |rows: Vec<String>| {
        let mut body = vec![HEADER.to_owned()];
        body.extend(rows);
        w.region
            .post(w.server.url("/api/v1/import/assignments"))
            .header("Content-Type", "text/csv")
            .body(body.join("\n"))
            .send()
            .unwrap()
            .json::<Value>()
            .unwrap()
    };
    // The same voucher code for another person, or for another provider: refused.
    let other = cf("QQQLRA80B41D612");
    let report = post_csv(vec![csv_line(&other, "Altro", "ADR-A0", "06363391001")]);
    assert_eq!(report["refused"][0]["column"], "codice_assegno", "{report}");
    let report = post_csv(vec![csv_line(&w.a_people[0], "Alfa0", "ADR-A0", "ACC-B")]);
    assert_eq!(report["refused"][0]["column"], "ente", "{report}");
    // A partita IVA whose leading zero a spreadsheet dropped still finds the provider.
    let report = post_csv(vec![csv_line(&cf("WWWLRA80B41D612"), "Omega", "ADR-W1", "6363391001")]);
    assert_eq!(report["imported"], 1, "{report}");
    // A provider whose code equals another's partita IVA cannot be registered (it would make
    // imports ambiguous).
    let res = w
        .region
        .post(w.server.url("/api/v1/providers"))
        .json(&serde_json::json!({"name": "Clone", "codice_fiscale": "80012345676", "accreditation_code": "06363391001", "pec": "c@pec.example.it"}))
        .send()
        .unwrap();
    assert_eq!(res.status(), 409);

    // SAPs: an older one arriving after a newer one is refused, the newer stays current.
    let sap = |updated_on: &str, tipo: &'static str| {
        ricolloca::infra::sap_sample::sap_xml(
            &ricolloca::infra::sap_sample::SamplePerson {
                codice_fiscale: &w.a_people[1],
                cognome: "Alfa1",
                nome: "Anna",
                sesso: "F",
                data_nascita: "1980-02-01",
                comune: "D612",
                email: "a@example.it",
                policies: &[(tipo, "2026-01-20", None, None, "01", "2026-01-20")],
            },
            "AA00000002T",
            updated_on,
        )
    };
    let post_sap = |xml: String| {
        w.region
            .post(w.server.url("/api/v1/import/sap"))
            .header("Content-Type", "application/xml")
            .body(xml)
            .send()
            .unwrap()
            .json::<Value>()
            .unwrap()
    };
    assert_eq!(post_sap(sap("2026-11-01", "B03"))["imported"], 1);
    let old = post_sap(sap("2026-09-01", "A02"));
    assert!(old["refused"][0]["reason"].as_str().unwrap().contains("più vecchia"), "{old}");
    let id = w.id_of(&w.a_people[1]);
    let detail: Value = w.op_a.get(w.server.url(&format!("/api/v1/recipients/{id}"))).send().unwrap().json().unwrap();
    assert_eq!(detail["sap"]["sections"]["section6"][0]["tipo_attivita"], "B03");
}

#[test]
fn another_site_cannot_make_the_browser_read_personal_data() {
    let w = world();
    let mine = w.id_of(&w.a_people[0]);
    // An <img src> on another site: refused and audited, nothing shown.
    let res = w
        .op_a
        .get(w.server.url(&format!("/destinatari/{mine}")))
        .header("Sec-Fetch-Site", "cross-site")
        .header("Sec-Fetch-Mode", "no-cors")
        .header("Sec-Fetch-Dest", "image")
        .send()
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(w.f.last_audit().2["reason"], "cross_site");
    // Following a link from elsewhere (top-level navigation) works.
    let res = w
        .op_a
        .get(w.server.url(&format!("/destinatari/{mine}")))
        .header("Sec-Fetch-Site", "cross-site")
        .header("Sec-Fetch-Mode", "navigate")
        .header("Sec-Fetch-Dest", "document")
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[test]
fn another_providers_programme_versions_are_out_of_reach() {
    let w = world();
    let op_b_cf = cf("TTTMRA85T10A562");
    w.f.add_operator(&op_b_cf, "operatore", Some(2));
    let op_b = client(&w.f, Some(&w.f.card(&op_b_cf)));
    let theirs = w.id_of(&w.b_people[0]);
    let url = w.server.url(&format!("/api/v1/recipients/{theirs}/programme"));
    let body = serde_json::json!({"version": 0, "target_jobs": "Cuoco", "search_area": "Prato", "activities": "Colloquio", "duties": "Esserci."});
    assert_eq!(op_b.put(&url).json(&body).send().unwrap().status(), 200);
    // B's operator has version 1; A's operator reaches none of it, on any screen.
    assert_eq!(op_b.get(w.server.url(&format!("/destinatari/{theirs}/programma/1/pdf"))).send().unwrap().status(), 200);
    for path in [
        format!("/destinatari/{theirs}/programma/1/pdf"),
        format!("/destinatari/{theirs}/programma"),
        format!("/destinatari/{theirs}/programma/stampa"),
    ] {
        assert_eq!(w.op_a.get(w.server.url(&path)).send().unwrap().status(), 404, "{path}");
    }
}

/// The cruscotto and the list are kept between views (`repo::read_cache`); a change is shown
/// as soon as it is acknowledged, one made by the command line beside the server within a
/// moment, and every view still writes its own audit row.
#[test]
fn kept_lists_show_every_change_and_every_view_is_still_audited() {
    let w = world();
    let listed = |c: &Client| {
        let html = c.get(w.server.url("/cruscotto")).send().unwrap().text().unwrap();
        let list: Value = c.get(w.server.url("/api/v1/recipients")).send().unwrap().json().unwrap();
        (html, list["total"].as_i64().unwrap())
    };
    let before = w.f.audit_count("recipient.list");
    let (html, total) = listed(&w.op_a);
    assert!(html.contains("3 destinatari") && total == 3);
    let (html, total) = listed(&w.op_a);
    assert!(html.contains("3 destinatari") && total == 3);
    assert_eq!(w.f.audit_count("recipient.list"), before + 4, "a kept page is still a view, audited");

    // Through the server: in the very next view.
    let server_import = [HEADER.to_owned(), csv_line(&cf("MRNLRA80B41D612"), "Gamma", "ADR-A7", "06363391001")];
    let res = w
        .region
        .post(w.server.url("/api/v1/import/assignments"))
        .header("Content-Type", "text/csv")
        .body(server_import.join("\n"))
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);
    let (html, total) = listed(&w.op_a);
    assert!(html.contains("Gamma") && html.contains("4 destinatari") && total == 4, "{total}");

    // Through the command line, another process: within the writer's poll.
    let file = w.f.path().join("cli.csv");
    let cli_import = [HEADER.to_owned(), csv_line(&cf("NRILRA80B41D612"), "Delta", "ADR-A8", "06363391001")];
    std::fs::write(&file, cli_import.join("\n")).unwrap();
    w.f.cli_ok(&["import", "csv", file.to_str().unwrap()]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let (html, total) = listed(&w.op_a);
        if html.contains("Delta") && total == 5 {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the command line's import never reached the kept lists");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // Another viewer never gets a page kept for someone else.
    let html = w.region.get(w.server.url("/cruscotto")).send().unwrap().text().unwrap();
    assert!(html.contains("Beta0") && html.contains("Delta"));
    let html = w.op_a.get(w.server.url("/cruscotto")).send().unwrap().text().unwrap();
    assert!(!html.contains("Beta0"));
}

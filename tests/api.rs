//! The Region's daily work scripted over `/api/v1` alone, over real TLS: written
//! communications (multipart), sedi, operator variations with their history, and the one way
//! every list pages. Same guards and audit as the screens.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![allow(clippy::disallowed_methods)] // peeks into the data file: statement caching is for the server

mod common;

use common::{Fixture, cf, client};
use reqwest::blocking::{Client, multipart};
use ricolloca::infra::pki::KeyKind;
use serde_json::{Value, json};

struct Office {
    f: Fixture,
    server: common::Server,
    region: Client,
}

fn office() -> Office {
    let f = Fixture::new(KeyKind::EcdsaP256);
    f.add_operator(&cf("BNCMRA80A41D612"), "regione", None);
    let server = f.start();
    let region = client(&f, Some(&f.card(&cf("BNCMRA80A41D612"))));
    Office { f, server, region }
}

impl Office {
    fn post(&self, c: &Client, path: &str, body: Value) -> reqwest::blocking::Response {
        c.post(self.server.url(path)).json(&body).send().unwrap()
    }
    fn put(&self, c: &Client, path: &str, body: Value) -> reqwest::blocking::Response {
        c.put(self.server.url(path)).json(&body).send().unwrap()
    }
    fn get(&self, c: &Client, path: &str) -> reqwest::blocking::Response {
        c.get(self.server.url(path)).send().unwrap()
    }

    fn provider(&self, name: &str, piva: &str, code: &str) -> i64 {
        let res = self.post(
            &self.region,
            "/api/v1/providers",
            json!({ "name": name, "codice_fiscale": piva, "accreditation_code": code, "pec": "ente@pec.example.it" }),
        );
        assert_eq!(res.status(), 201);
        res.json::<Value>().unwrap()["id"].as_i64().unwrap()
    }

    /// A written communication through the API: multipart, with the client header.
    fn communication(&self, provider: i64, kind: &str, file: &[u8], header: bool) -> reqwest::blocking::Response {
        let form = multipart::Form::new()
            .text("received_on", "2026-01-05")
            .text("protocol", format!("{kind}-1/2026"))
            .text("kind", kind.to_owned())
            .text("note", "ricevuta via PEC")
            .part("file", multipart::Part::bytes(file.to_vec()).file_name("elenco.pdf"));
        let mut req = self.region.post(self.server.url(&format!("/api/v1/providers/{provider}/communications")));
        if header {
            req = req.header("X-Ricolloca-Client", "test");
        }
        req.multipart(form).send().unwrap()
    }

    fn errors(res: reqwest::blocking::Response) -> Vec<String> {
        let v: Value = res.json().unwrap();
        v["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect()
    }
}

#[test]
fn written_communications_are_registered_listed_and_downloaded_over_the_api() {
    let o = office();
    let a = o.provider("Lavoro Futuro", "06363391001", "ACC-1");
    let rows = o.f.audit_rows();

    // Without the client header a browser could have sent it: refused, nothing stored.
    let res = o.communication(a, "abilitazione", &common::pdf_with(b"1"), false);
    assert_eq!(res.status(), 415, "{}", res.text().unwrap_or_default());
    // Not a PDF, a date in the future, no protocol: every field named, nothing stored.
    let res = o.communication(a, "abilitazione", b"<html/>", true);
    assert_eq!(res.status(), 422);
    assert_eq!(Office::errors(res), ["file"]);
    let count = || -> i64 { o.f.db().query_row("SELECT count(*) FROM communication", [], |r| r.get(0)).unwrap() };
    assert_eq!(count(), 0);

    let res = o.communication(a, "abilitazione", &common::pdf_with(b"1"), true);
    assert_eq!(res.status(), 201);
    let created: Value = res.json().unwrap();
    assert_eq!(created["kind"], "abilitazione");
    assert_eq!(created["protocol"], "abilitazione-1/2026");
    assert_eq!(created["received_on"], "2026-01-05");
    let comm = created["id"].as_i64().unwrap();
    assert_eq!(count(), 1);
    assert!(o.f.audit_rows() > rows);
    assert_eq!(o.f.audit_count("communication.create"), 1);
    assert_eq!(o.communication(a, "variazione", &common::pdf_with(b"2"), true).status(), 201);

    // Listed newest first, paged the same way as every list.
    let list: Value = o.get(&o.region, &format!("/api/v1/providers/{a}/communications?per_page=1")).json().unwrap();
    assert_eq!((list["total"].as_i64(), list["page"].as_i64(), list["per_page"].as_i64()), (Some(2), Some(1), Some(1)));
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let second: Value =
        o.get(&o.region, &format!("/api/v1/providers/{a}/communications?per_page=1&page=2")).json().unwrap();
    assert_ne!(second["items"][0]["id"], list["items"][0]["id"]);
    assert_eq!(o.f.last_audit().0, "communication.list");
    assert_eq!(o.get(&o.region, "/api/v1/providers/999/communications").status(), 404);

    // The file, audited as a download, served as an attachment.
    let before = o.f.audit_count("document.download");
    let res = o.get(&o.region, &format!("/api/v1/communications/{comm}/document"));
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
    assert_eq!(res.bytes().unwrap().as_ref(), common::pdf_with(b"1").as_slice());
    assert_eq!(o.f.audit_count("document.download"), before + 1);

    // Internal acts of the Region (no provider).
    let form = multipart::Form::new()
        .text("received_on", "05/01/2026")
        .text("protocol", "DD 12/2026")
        .text("kind", "abilitazione")
        .part("file", multipart::Part::bytes(common::pdf_with(b"3")).file_name("atto.pdf"));
    let res = o
        .region
        .post(o.server.url("/api/v1/communications"))
        .header("X-Ricolloca-Client", "test")
        .multipart(form)
        .send()
        .unwrap();
    assert_eq!(res.status(), 201);
    let internal: Value = o.get(&o.region, "/api/v1/communications").json().unwrap();
    assert_eq!(internal["total"], 1);
    assert_eq!(internal["items"][0]["provider"], Value::Null);

    // An operator cannot register or read them (403, audited); an auditor can read, not write.
    let rossi = cf("RSSMRA85T10A562");
    let res = o.post(
        &o.region,
        "/api/v1/operators",
        json!({ "provider_id": a, "codice_fiscale": rossi, "surname": "Rossi", "name": "Mario",
                "email": "m.rossi@ente.example.it", "role": "operatore", "role_title": "tutor",
                "communication_id": comm }),
    );
    assert_eq!(res.status(), 201);
    let operator = client(&o.f, Some(&o.f.card(&rossi)));
    assert_eq!(o.get(&operator, &format!("/api/v1/providers/{a}/communications")).status(), 403);
    assert_eq!(o.f.last_audit().2["reason"], "wrong_role");
    let auditor_cf = cf("VRDLGU70A01H501");
    o.f.add_operator(&auditor_cf, "revisore", None);
    let auditor = client(&o.f, Some(&o.f.card(&auditor_cf)));
    assert_eq!(o.get(&auditor, &format!("/api/v1/communications/{comm}")).status(), 200);
    let form = multipart::Form::new().text("received_on", "05/01/2026");
    let res = auditor
        .post(o.server.url(&format!("/api/v1/providers/{a}/communications")))
        .header("X-Ricolloca-Client", "test")
        .multipart(form)
        .send()
        .unwrap();
    assert_eq!(res.status(), 403);
}

#[test]
fn sedi_are_added_edited_temporarily_closed_and_closed_over_the_api() {
    let o = office();
    let a = o.provider("Lavoro Futuro", "06363391001", "ACC-1");
    let path = format!("/api/v1/providers/{a}/sedi");

    let res = o.post(&o.region, &path, json!({ "address": "", "comune": "Firenze", "phone": "abc" }));
    assert_eq!(res.status(), 422);
    assert_eq!(Office::errors(res), ["address", "phone"]);
    let res = o.post(
        &o.region,
        &path,
        json!({ "address": "Via Roma 1", "comune": "Firenze", "phone": "055 123456", "programme_enabled": true }),
    );
    assert_eq!(res.status(), 201);
    let sede: Value = res.json().unwrap();
    let id = sede["id"].as_i64().unwrap();
    assert_eq!((sede["closed"].as_bool(), sede["temporarily_closed"].as_bool()), (Some(false), Some(false)));
    assert_eq!(o.f.audit_count("sede.create"), 1);
    for n in 2..=3 {
        let body = json!({ "address": format!("Via Roma {n}"), "comune": "Prato" });
        assert_eq!(o.post(&o.region, &path, body).status(), 201);
    }

    let list: Value = o.get(&o.region, &format!("{path}?per_page=2")).json().unwrap();
    assert_eq!((list["total"].as_i64(), list["items"].as_array().unwrap().len()), (Some(3), 2));
    let res = o.get(&o.region, &format!("{path}?per_page=201"));
    assert_eq!(res.status(), 422);
    assert_eq!(Office::errors(res), ["per_page"]);

    // Temporarily closed, then closed for good (kept, with its history).
    let body = json!({ "address": "Via Roma 1", "comune": "Firenze", "phone": "055 123456",
                       "programme_enabled": true, "temporarily_closed": true, "closed": true });
    let res = o.put(&o.region, &format!("/api/v1/sedi/{id}"), body);
    assert_eq!(res.status(), 200);
    let edited: Value = res.json().unwrap();
    assert_eq!(edited["temporarily_closed"], true);
    assert_eq!(edited["closed"], false, "closing is its own act, not a field of the edit");
    let res = o.region.post(o.server.url(&format!("/api/v1/sedi/{id}/close"))).json(&json!({})).send().unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().unwrap()["closed"], true);
    assert_eq!(o.f.audit_count("sede.update"), 2);
    let (_, _, detail) = o.f.last_audit();
    assert_eq!((detail["before"]["closed"].as_bool(), detail["after"]["closed"].as_bool()), (Some(false), Some(true)));
    assert_eq!(o.get(&o.region, &format!("/api/v1/sedi/{id}")).json::<Value>().unwrap()["closed"], true);
    assert_eq!(o.get(&o.region, "/api/v1/sedi/9999").status(), 404);
    assert_eq!(o.put(&o.region, "/api/v1/sedi/9999", json!({"address": "x", "comune": "y"})).status(), 404);

    // Operators have no say over sedi (403, audited).
    let comm = {
        let res = o.communication(a, "abilitazione", &common::pdf_with(b"1"), true);
        res.json::<Value>().unwrap()["id"].as_i64().unwrap()
    };
    let rossi = cf("RSSMRA85T10A562");
    let body = json!({ "provider_id": a, "codice_fiscale": rossi, "surname": "Rossi", "name": "Mario",
                       "email": "m.rossi@ente.example.it", "role": "operatore", "role_title": "tutor",
                       "communication_id": comm });
    assert_eq!(o.post(&o.region, "/api/v1/operators", body).status(), 201);
    let operator = client(&o.f, Some(&o.f.card(&rossi)));
    assert_eq!(o.post(&operator, &path, json!({ "address": "Via X", "comune": "Y" })).status(), 403);
    assert_eq!(o.f.last_audit().2["reason"], "wrong_role");
}

/// Variations of an operator ("previamente comunicata per iscritto"): email, role title and
/// sedi, each with its communication, its history line and its audit row; a stale version
/// is a conflict and the role title cannot be cleared.
#[test]
fn operator_variations_follow_a_written_communication_and_leave_history() {
    let o = office();
    let a = o.provider("Lavoro Futuro", "06363391001", "ACC-1");
    let b = o.provider("Orienta Toscana", "01234567897", "ACC-2");
    let sede = |p: i64, address: &str| -> i64 {
        let res = o.post(
            &o.region,
            &format!("/api/v1/providers/{p}/sedi"),
            json!({ "address": address, "comune": "Firenze" }),
        );
        res.json::<Value>().unwrap()["id"].as_i64().unwrap()
    };
    let (s1, s2, foreign) = (sede(a, "Via Uno 1"), sede(a, "Via Due 2"), sede(b, "Via Altrove 3"));
    let comm = |p: i64, kind: &str| -> i64 {
        let res = o.communication(p, kind, &common::pdf_with(kind.as_bytes()), true);
        assert_eq!(res.status(), 201);
        res.json::<Value>().unwrap()["id"].as_i64().unwrap()
    };
    let enabling = comm(a, "abilitazione");
    let rossi = cf("RSSMRA85T10A562");
    let body = json!({ "provider_id": a, "codice_fiscale": rossi, "surname": "Rossi", "name": "Mario",
                       "email": "m.rossi@ente.example.it", "role": "operatore", "role_title": "tutor",
                       "communication_id": enabling });
    let res = o.post(&o.region, "/api/v1/operators", body);
    assert_eq!(res.status(), 201);
    let op: Value = res.json().unwrap();
    let id = op["id"].as_i64().unwrap();
    let path = format!("/api/v1/operators/{id}/variation");

    let variation = comm(a, "variazione");
    let other_provider = comm(b, "variazione");
    let version = op["version"].as_i64().unwrap();
    // A communication of another provider, a revocation, a blank role title, a foreign sede:
    // refused, nothing changed.
    let cases = [
        (
            json!({ "version": version, "email": "x@ente.example.it", "role_title": "tutor", "communication_id": other_provider }),
            "communication_id",
        ),
        (
            json!({ "version": version, "email": "x@ente.example.it", "role_title": " ", "communication_id": variation }),
            "role_title",
        ),
        (
            json!({ "version": version, "email": "non-una-email", "role_title": "tutor", "communication_id": variation }),
            "email",
        ),
        (
            json!({ "version": version, "email": "x@ente.example.it", "role_title": "tutor", "sedi": [foreign], "communication_id": variation }),
            "sedi",
        ),
        // A value that is no sede id at all: refused on `sedi` too (was a bare `body` error).
        (
            json!({ "version": version, "email": "x@ente.example.it", "role_title": "tutor", "sedi": [s1, 0], "communication_id": variation }),
            "sedi",
        ),
        (
            json!({ "version": version, "email": "x@ente.example.it", "role_title": "tutor", "sedi": [s1, "Via Uno 1"], "communication_id": variation }),
            "sedi",
        ),
    ];
    for (body, field) in cases {
        let res = o.post(&o.region, &path, body.clone());
        assert_eq!(res.status(), 422, "{body}");
        assert!(Office::errors(res).contains(&field.to_owned()), "{body}");
    }
    let assigned: i64 =
        o.f.db().query_row("SELECT count(*) FROM operator_sede WHERE operator_id = ?1", [id], |r| r.get(0)).unwrap();
    assert_eq!(assigned, 0);
    assert_eq!(o.f.audit_count("operator.update"), 0);

    // The variation: new email, new role title, two sedi.
    let body = json!({ "version": version, "email": "mario.rossi@ente.example.it", "role_title": "responsabile sede",
                       "sedi": [s1, s2], "communication_id": variation });
    let res = o.post(&o.region, &path, body.clone());
    assert_eq!(res.status(), 200);
    let after: Value = res.json().unwrap();
    assert_eq!(after["email"], "mario.rossi@ente.example.it");
    assert_eq!(after["role_title"], "responsabile sede");
    assert_eq!(after["sedi"], json!([s1, s2]));
    let history = after["history"].as_array().unwrap();
    let last = history.iter().find(|h| h["kind"] == "variation").expect("a variation line");
    assert!(last["communication"].as_str().unwrap().contains("variazione-1/2026"), "{last}");
    assert_eq!(o.f.audit_count("operator.update"), 1);
    let (action, _, detail) = o.f.last_audit();
    assert_eq!(action, "operator.update");
    assert_eq!(detail["before"]["email"], "m.rossi@ente.example.it");
    assert_eq!(detail["after"]["email"], "mario.rossi@ente.example.it");
    assert_eq!(detail["after"]["sedi"], json!([s1, s2]));

    // The same version again: someone changed it since (409), nothing written.
    let res = o.post(&o.region, &path, body);
    assert_eq!(res.status(), 409);
    assert_eq!(o.f.audit_count("operator.update"), 1);

    // Only the sedi change (sedi absent keeps them; an empty list removes them).
    let version = after["version"].as_i64().unwrap();
    let res = o.post(
        &o.region,
        &path,
        json!({ "version": version, "email": "mario.rossi@ente.example.it", "role_title": "responsabile sede",
                "sedi": [], "communication_id": variation }),
    );
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().unwrap()["sedi"], json!([]));

    // The operators list pages like every list, with its filters.
    for (n, body) in ["VRDGPP80A01H501", "NRELCU82C15D612", "BNCLRA90A41D612"].iter().enumerate() {
        let body = json!({ "provider_id": a, "codice_fiscale": cf(body), "surname": format!("Z{n}"), "name": "Ada",
                           "email": "a@ente.example.it", "role": "operatore", "role_title": "tutor",
                           "communication_id": enabling });
        assert_eq!(o.post(&o.region, "/api/v1/operators", body).status(), 201);
    }
    let page: Value = o.get(&o.region, &format!("/api/v1/operators?provider_id={a}&per_page=3&page=2")).json().unwrap();
    assert_eq!((page["total"].as_i64(), page["items"].as_array().unwrap().len()), (Some(4), 1));
    let providers: Value = o.get(&o.region, "/api/v1/providers?per_page=1").json().unwrap();
    assert_eq!((providers["total"].as_i64(), providers["items"].as_array().unwrap().len()), (Some(2), 1));
    assert_eq!(o.get(&o.region, "/api/v1/operators?page=0").status(), 422);
}

#[test]
fn backups_for_the_tecnico_and_idol_exports_for_the_region() {
    let o = office();
    let tech_cf = cf("NRELCU82C15D612");
    o.f.add_operator(&tech_cf, "tecnico", None);
    let tech = client(&o.f, Some(&o.f.card(&tech_cf)));

    // The Region cannot start a backup (403, audited); the tecnico can.
    assert_eq!(o.post(&o.region, "/api/v1/backups", json!({})).status(), 403);
    assert_eq!(o.f.last_audit().2["reason"], "wrong_role");
    let res = o.post(&tech, "/api/v1/backups", json!({}));
    assert_eq!(res.status(), 202);
    // It runs in the background: wait for the status to report it.
    let mut status = Value::Null;
    for _ in 0..200 {
        status = o.get(&tech, "/api/v1/backups/status").json().unwrap();
        if status["running"] == false && status["last"] != Value::Null {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert_eq!(status["last"]["error"], Value::Null, "{status}");
    let file = status["last_ok"]["file"].as_str().expect("a backup written").to_owned();
    let list: Value = o.get(&tech, "/api/v1/backups?per_page=5").json().unwrap();
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["name"], file.as_str());
    assert_eq!(list["items"][0]["sha256"].as_str().map(str::len), Some(64));
    assert_eq!(o.get(&o.region, "/api/v1/backups").status(), 403);

    // IDOL: the zip is the answer to its creation, recorded and audited; then listed.
    let res = o.post(&o.region, "/api/v1/idol/exports", json!({ "since": "ieri" }));
    assert_eq!(res.status(), 422);
    assert_eq!(Office::errors(res), ["since"]);
    let res = o.post(&o.region, "/api/v1/idol/exports", json!({ "since": "2026-01-01" }));
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/zip");
    let zip = res.bytes().unwrap();
    assert_eq!(&zip[..2], b"PK");
    let list: Value = o.get(&o.region, "/api/v1/idol/exports").json().unwrap();
    assert_eq!(list["total"], 1);
    assert_eq!(list["items"][0]["since"].as_str().map(|s| s.starts_with("2025-12-31T23:00")), Some(true));
    assert_eq!(o.f.last_audit().2, json!({ "page": 1, "rows": 1, "via": "api" }));
    // A page past the end shows none: its row records what the page showed, not the total.
    let list: Value = o.get(&o.region, "/api/v1/idol/exports?page=2").json().unwrap();
    assert_eq!((list["total"].as_i64(), list["items"].as_array().map(Vec::len)), (Some(1), Some(0)));
    assert_eq!(o.f.last_audit().2, json!({ "page": 2, "rows": 0, "via": "api" }));
    assert_eq!(o.post(&tech, "/api/v1/idol/exports", json!({})).status(), 403);
}

#[test]
fn a_past_idol_export_downloads_again_byte_for_byte_audited_and_only_for_the_region() {
    let o = office();
    let provider = o.provider("Lavoro Futuro", "06363391001", "ACC-1");
    let operator_cf = cf("VRDLGU75C12H501");
    o.f.add_operator(&operator_cf, "operatore", Some(provider));
    let operator = client(&o.f, Some(&o.f.card(&operator_cf)));

    let res = o.post(&o.region, "/api/v1/idol/exports", json!({ "since": "2026-01-01" }));
    assert_eq!(res.status(), 200);
    let first = res.bytes().unwrap();
    let list: Value = o.get(&o.region, "/api/v1/idol/exports").json().unwrap();
    let id = list["items"][0]["id"].as_i64().expect("the export's id");
    assert_eq!(list["items"][0]["file_kept"], true);
    let sha256 = list["items"][0]["sha256"].as_str().unwrap().to_owned();

    // The same bytes again, audited as a view of that export before they leave.
    let before = o.f.audit_count("idol.download");
    let res = o.get(&o.region, &format!("/api/v1/idol/exports/{id}/file"));
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/zip");
    assert!(res.headers()["content-disposition"].to_str().unwrap().starts_with("attachment; filename=\"idol_"));
    assert_eq!(res.bytes().unwrap(), first);
    assert_eq!(o.f.audit_count("idol.download"), before + 1);
    let (action, outcome, detail) = o.f.last_audit();
    assert_eq!((action.as_str(), outcome.as_str()), ("idol.download", "ok"));
    assert_eq!(detail["sha256"], sha256.as_str());
    let object: String = o
        .f
        .db()
        .query_row("SELECT object FROM audit_log WHERE action = 'idol.download' ORDER BY seq DESC LIMIT 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(object, format!("idol_export:{id}"));
    // The screen offers and serves the same file.
    let html = o.get(&o.region, "/regione/idol").text().unwrap();
    assert!(html.contains(&format!("/regione/idol/{id}/file")), "{html}");
    let res = o.get(&o.region, &format!("/regione/idol/{id}/file"));
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().unwrap(), first);
    assert_eq!(o.f.audit_count("idol.download"), before + 2);

    // An operator is refused (audited), on the API and on the screen; an unknown export is 404.
    assert_eq!(o.get(&operator, &format!("/api/v1/idol/exports/{id}/file")).status(), 403);
    assert_eq!(o.f.last_audit().2["reason"], "wrong_role");
    assert_eq!(o.get(&operator, &format!("/regione/idol/{id}/file")).status(), 403);
    assert_eq!(o.get(&o.region, "/api/v1/idol/exports/999/file").status(), 404);
    assert_eq!(o.f.last_audit().1, "denied");
    assert_eq!(o.f.audit_count("idol.download"), before + 2);

    // Kept bytes that no longer match the recorded SHA-256 are never served, nor audited as shown.
    let db = o.f.db();
    db.execute("UPDATE idol_export_file SET zip = x'504b0304' WHERE export_id = ?1", [id]).unwrap();
    assert_eq!(o.get(&o.region, &format!("/api/v1/idol/exports/{id}/file")).status(), 500);
    assert_eq!(o.f.audit_count("idol.download"), before + 2);

    // An export made before the files were kept says so.
    db.execute("DELETE FROM idol_export_file WHERE export_id = ?1", [id]).unwrap();
    let res = o.get(&o.region, &format!("/api/v1/idol/exports/{id}/file"));
    assert_eq!(res.status(), 422);
    assert!(res.text().unwrap().contains("file non conservato (esportazione precedente)"));
    let list: Value = o.get(&o.region, "/api/v1/idol/exports").json().unwrap();
    assert_eq!(list["items"][0]["file_kept"], false);
    let html = o.get(&o.region, "/regione/idol").text().unwrap();
    assert!(html.contains("file non conservato (esportazione precedente)"), "{html}");
    assert!(!html.contains(&format!("/regione/idol/{id}/file")));
}

#[test]
fn the_openapi_description_is_served_to_every_role_and_refused_without_a_certificate() {
    let o = office();
    let provider = o.provider("Lavoro Futuro", "06363391001", "ACC-1");
    let operator_cf = cf("VRDLGU75C12H501");
    o.f.add_operator(&operator_cf, "operatore", Some(provider));
    let operator = client(&o.f, Some(&o.f.card(&operator_cf)));

    for who in [&o.region, &operator] {
        // The first request of the day writes the login row; the description itself is no
        // personal read, so it adds none (like /me).
        assert_eq!(o.get(who, "/api/v1/me").status(), 200);
        let rows = o.f.audit_rows();
        let res = o.get(who, "/api/v1/openapi.json");
        assert_eq!(res.status(), 200);
        assert!(res.headers()["content-type"].to_str().unwrap().starts_with("application/json"));
        let doc: Value = res.json().unwrap();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1."), "{}", doc["openapi"]);
        assert_eq!(doc["components"]["securitySchemes"]["cns"]["type"], "mutualTLS");
        assert!(doc["paths"]["/api/v1/openapi.json"]["get"].is_object());
        assert!(doc["paths"]["/api/v1/recipients/{id}/actions"]["post"].is_object());
        assert_eq!(o.f.audit_rows(), rows);
    }

    let anonymous = client(&o.f, None);
    let res = o.get(&anonymous, "/api/v1/openapi.json");
    assert_eq!(res.status(), 401);
    let body: Value = res.json().unwrap();
    assert_eq!(body["error"], "certificato_assente");
    assert!(body.get("paths").is_none());
}

/// `dd/mm/yyyy` `days` from today (Italian time), for the CPI's CSV.
fn italian_day(days: i64) -> String {
    let now = ricolloca::infra::clock::system_now();
    let today = ricolloca::infra::clock::local_date(ricolloca::domain::timestamp::Timestamp::from_ms(
        now.unix_timestamp() * 1000,
    ));
    let d = today + time::Duration::days(days);
    format!("{:02}/{:02}/{:04}", d.day(), u8::from(d.month()), d.year())
}

fn error_fields(res: reqwest::blocking::Response) -> Vec<String> {
    assert_eq!(res.status(), 422);
    Office::errors(res)
}

#[test]
fn every_list_pages_from_one_with_per_page_up_to_200() {
    let o = office();
    let piva = "06363391001";
    let provider = o.provider("Lavoro Futuro", piva, "ACC-1");
    let operator_cf = cf("VRDLGU75C12H501");
    o.f.add_operator(&operator_cf, "operatore", Some(provider));
    let operator = client(&o.f, Some(&o.f.card(&operator_cf)));
    let auditor_cf = cf("NRELSN70A41H501");
    o.f.add_operator(&auditor_cf, "revisore", None);
    let auditor = client(&o.f, Some(&o.f.card(&auditor_cf)));

    let header = "codice_fiscale;cognome;nome;data_nascita;sesso;codice_assegno;data_rilascio;cpi;fascia_profilazione;ente;data_scelta";
    let mut csv = header.to_owned();
    for (n, (body, surname)) in
        [("BRNLRA80B41D612", "Bruni"), ("CNTPLA82C41D612", "Conti"), ("DNTGNN79D01D612", "Dante")]
            .into_iter()
            .enumerate()
    {
        csv.push_str(&format!(
            "\n{};{surname};Anna;01/02/1980;F;ADR-{n};{};CPI-FI;3;{piva};{}",
            cf(body),
            italian_day(-30),
            italian_day(-20)
        ));
    }
    let res = o
        .region
        .post(o.server.url("/api/v1/import/assignments"))
        .header("Content-Type", "text/csv")
        .body(csv)
        .send()
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().unwrap());

    // The cruscotto: pages from 1, like every other list (it used to count from 0).
    let first: Value = o.get(&operator, "/api/v1/recipients?per_page=2").json().unwrap();
    assert_eq!(
        (first["total"].as_i64(), first["page"].as_i64(), first["per_page"].as_i64()),
        (Some(3), Some(1), Some(2))
    );
    let names: Vec<&str> = first["items"].as_array().unwrap().iter().map(|r| r["cognome"].as_str().unwrap()).collect();
    assert_eq!(names, ["Bruni", "Conti"]);
    let second: Value = o.get(&operator, "/api/v1/recipients?per_page=2&page=2").json().unwrap();
    assert_eq!(second["items"][0]["cognome"], "Dante");
    assert_eq!(second["items"].as_array().unwrap().len(), 1);
    assert_eq!(error_fields(o.get(&operator, "/api/v1/recipients?page=0")), ["page"]);
    assert_eq!(error_fields(o.get(&operator, "/api/v1/recipients?per_page=201")), ["per_page"]);
    assert_eq!(o.get(&operator, "/api/v1/recipients?per_page=200").status(), 200);

    // A person's own lists.
    let person = first["items"][0]["id"].as_i64().unwrap();
    for list in ["actions", "appointments"] {
        let path = format!("/api/v1/recipients/{person}/{list}");
        let page: Value = o.get(&operator, &path).json().unwrap();
        assert_eq!(
            (page["total"].as_i64(), page["page"].as_i64(), page["per_page"].as_i64()),
            (Some(0), Some(1), Some(25)),
            "{list}"
        );
        assert!(page["items"].as_array().unwrap().is_empty());
        assert_eq!(error_fields(o.get(&operator, &format!("{path}?per_page=201"))), ["per_page"], "{list}");
        assert_eq!(error_fields(o.get(&operator, &format!("{path}?page=0"))), ["page"], "{list}");
    }

    // The Region's anomalies.
    let anomalies: Value = o.get(&o.region, "/api/v1/anomalies?all=true&per_page=10").json().unwrap();
    assert_eq!((anomalies["page"].as_i64(), anomalies["per_page"].as_i64()), (Some(1), Some(10)));
    assert!(anomalies["total"].is_i64());
    assert_eq!(error_fields(o.get(&o.region, "/api/v1/anomalies?per_page=500")), ["per_page"]);

    // The registro: the same parameters and bounds (keyset `before` still works beside them).
    let page: Value = o.get(&auditor, "/api/v1/audit?per_page=2").json().unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert_eq!(page["per_page"], 2);
    let numbered: Value =
        o.get(&auditor, &format!("/api/v1/audit?per_page=2&page=2&as_of={}", page["as_of"])).json().unwrap();
    assert_eq!(numbered["items"][0]["seq"], page["items"][1]["seq"].as_i64().unwrap() - 1);
    assert_eq!(error_fields(o.get(&auditor, "/api/v1/audit?per_page=201")), ["per_page"]);
    assert_eq!(error_fields(o.get(&auditor, "/api/v1/audit?page=0")), ["page"]);

    // The assignment imports (a plain array of the latest 20 before): one so far.
    let imports: Value = o.get(&o.region, "/api/v1/import/assignments").json().unwrap();
    assert_eq!(
        (imports["total"].as_i64(), imports["page"].as_i64(), imports["per_page"].as_i64()),
        (Some(1), Some(1), Some(25))
    );
    assert_eq!(imports["items"][0]["state"], "done");
    let beyond: Value = o.get(&o.region, "/api/v1/import/assignments?page=2&per_page=1").json().unwrap();
    assert_eq!((beyond["total"].as_i64(), beyond["items"].as_array().map(Vec::len)), (Some(1), Some(0)));
    assert_eq!(error_fields(o.get(&o.region, "/api/v1/import/assignments?page=0")), ["page"]);
    assert_eq!(error_fields(o.get(&o.region, "/api/v1/import/assignments?per_page=201")), ["per_page"]);

    // The IDOL exports, and the workers not sent yet on their own list (they sat beside the
    // exports' page, unpaged, before).
    for _ in 0..2 {
        assert_eq!(o.post(&o.region, "/api/v1/idol/exports", json!({ "since": "2026-01-01" })).status(), 200);
    }
    let exports: Value = o.get(&auditor, "/api/v1/idol/exports?per_page=1").json().unwrap();
    assert_eq!(
        (exports["total"].as_i64(), exports["page"].as_i64(), exports["per_page"].as_i64()),
        (Some(2), Some(1), Some(1))
    );
    assert!(exports.get("pending").is_none(), "{exports}");
    let second: Value = o.get(&auditor, "/api/v1/idol/exports?per_page=1&page=2").json().unwrap();
    assert!(second["items"][0]["id"].as_i64() < exports["items"][0]["id"].as_i64(), "newest first");
    // Paged in SQL over the whole history (the latest 100 only were read before).
    o.f.db()
        .execute_batch(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100)
             INSERT INTO idol_export (at, by_label, since_ms, until_ms, workers, policies, outcomes, sha256)
             SELECT e.at, e.by_label, e.since_ms, e.until_ms, e.workers, e.policies, e.outcomes, e.sha256
             FROM n, idol_export e WHERE e.id = (SELECT min(id) FROM idol_export)",
        )
        .unwrap();
    let all: Value = o.get(&auditor, "/api/v1/idol/exports?per_page=200").json().unwrap();
    assert_eq!((all["total"].as_i64(), all["items"].as_array().map(Vec::len)), (Some(102), Some(102)));
    let last: Value = o.get(&auditor, "/api/v1/idol/exports?per_page=50&page=3").json().unwrap();
    assert_eq!(last["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(last["items"][1]["id"], all["items"][101]["id"]);
    assert_eq!(o.f.last_audit().2, json!({ "page": 3, "rows": 2, "via": "api" }));
    assert_eq!(error_fields(o.get(&auditor, "/api/v1/idol/exports?page=0")), ["page"]);
    assert_eq!(error_fields(o.get(&auditor, "/api/v1/idol/exports?per_page=201")), ["per_page"]);
    // Three workers an export left out (their SAP lacks what the schema needs).
    for id in o.f.db().prepare("SELECT id FROM recipient").unwrap().query_map([], |r| r.get::<_, i64>(0)).unwrap() {
        o.f.db()
            .execute(
                "INSERT INTO idol_pending (recipient_id, since_ms, reasons, checked_at) VALUES (?1, 0, '[\"SAP assente\"]', 0)",
                [id.unwrap()],
            )
            .unwrap();
    }
    let pending: Value = o.get(&auditor, "/api/v1/idol/pending?per_page=2").json().unwrap();
    assert_eq!(
        (pending["total"].as_i64(), pending["page"].as_i64(), pending["per_page"].as_i64()),
        (Some(3), Some(1), Some(2)),
        "{pending}"
    );
    let first = &pending["items"][0];
    assert_eq!(
        (first["name"].as_str(), first["reasons"][0].as_str()),
        (Some("Bruni Anna"), Some("SAP assente")),
        "{first}"
    );
    assert_eq!(first["codice_fiscale"], cf("BRNLRA80B41D612").as_str());
    // Audited as a list that showed these people, like the cruscotto.
    let (action, outcome, detail) = o.f.last_audit();
    assert_eq!((action.as_str(), outcome.as_str()), ("idol.list", "ok"));
    assert_eq!(detail["list"], "pending");
    assert_eq!(detail["shown"][0], first["recipient_id"]);
    assert_eq!(detail["shown"].as_array().map(Vec::len), Some(2));
    let last: Value = o.get(&auditor, "/api/v1/idol/pending?per_page=2&page=2").json().unwrap();
    assert_eq!(last["items"][0]["name"], "Dante Anna");
    assert_eq!(error_fields(o.get(&auditor, "/api/v1/idol/pending?page=0")), ["page"]);
    assert_eq!(error_fields(o.get(&auditor, "/api/v1/idol/pending?per_page=201")), ["per_page"]);
    assert_eq!(o.get(&operator, "/api/v1/idol/pending").status(), 403);
}

#[test]
fn the_idol_screen_pages_the_waiting_workers_and_audits_the_page_it_shows() {
    let o = office();
    let piva = "06363391001";
    o.provider("Lavoro Futuro", piva, "ACC-1");
    let header = "codice_fiscale;cognome;nome;data_nascita;sesso;codice_assegno;data_rilascio;cpi;fascia_profilazione;ente;data_scelta";
    let mut csv = header.to_owned();
    // 27 women born on days 1 to 27 of February 1980 (day + 40 in the codice fiscale),
    // named Anna Ab ... Anna Az, Anna Ba, Anna Bb (the order the list shows them in).
    for day in 1..=27u8 {
        let nome = format!("Anna {}{}", (b'A' + day / 26) as char, (b'a' + day % 26) as char);
        csv.push_str(&format!(
            "\n{};Bruni;{nome};{day:02}/02/1980;F;ADR-{day};{};CPI-FI;3;{piva};{}",
            cf(&format!("BRNNNA80B{}D612", day + 40)),
            italian_day(-30),
            italian_day(-20)
        ));
    }
    let res = o
        .region
        .post(o.server.url("/api/v1/import/assignments"))
        .header("Content-Type", "text/csv")
        .body(csv)
        .send()
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().unwrap());
    o.f.db()
        .execute(
            "INSERT INTO idol_pending (recipient_id, since_ms, reasons, checked_at)
             SELECT id, 0, '[\"SAP assente\"]', 0 FROM recipient",
            [],
        )
        .unwrap();
    let sap_links = |html: &str| html.matches("/sap\">Bruni Anna").count();

    let html = o.get(&o.region, "/regione/idol").text().unwrap();
    assert!(html.contains("27 lavoratori non esportabili") && html.contains("Pagina 1 di 2"), "{html}");
    assert_eq!(sap_links(&html), 25);
    assert!(html.contains("Bruni Anna Ab") && html.contains("Bruni Anna Az") && !html.contains("Bruni Anna Ba"));
    let (action, _, detail) = o.f.last_audit();
    assert_eq!((action.as_str(), &detail["pending"], &detail["rows"]), ("idol.list", &json!(25), &json!(0)));
    assert_eq!(detail["shown"].as_array().map(Vec::len), Some(25));

    let html = o.get(&o.region, "/regione/idol?pagina=1").text().unwrap();
    assert!(html.contains("Pagina 2 di 2"), "{html}");
    assert_eq!(sap_links(&html), 2);
    assert!(html.contains("Bruni Anna Ba") && html.contains("Bruni Anna Bb") && !html.contains("Bruni Anna Ab"));
    assert_eq!(o.f.last_audit().2["shown"].as_array().map(Vec::len), Some(2));
}

//! The Region's administration over real TLS: providers, communications, operators and their
//! whole credential lifecycle, through the API and the screens (with their form tokens).
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
    region_cf: String,
}

fn office() -> Office {
    let f = Fixture::new(KeyKind::EcdsaP256);
    let region_cf = cf("BNCMRA80A41D612");
    f.add_operator(&region_cf, "regione", None);
    let server = f.start();
    let region = client(&f, Some(&f.card(&region_cf)));
    Office { f, server, region, region_cf }
}

impl Office {
    fn post(&self, c: &Client, path: &str, body: Value) -> reqwest::blocking::Response {
        c.post(self.server.url(path)).json(&body).send().unwrap()
    }

    /// The form token of the person behind `c`, read from a page as a browser would.
    fn token(&self, c: &Client, page: &str) -> String {
        let html = c.get(self.server.url(page)).send().unwrap().text().unwrap();
        let at = html.find("name=\"_token\" value=\"").expect("a form with a token");
        let rest = &html[at + 21..];
        rest[..rest.find('"').unwrap()].to_owned()
    }

    fn provider(&self, name: &str, piva: &str, code: &str) -> i64 {
        let res = self.post(
            &self.region,
            "/api/v1/providers",
            json!({
                "name": name, "codice_fiscale": piva, "accreditation_code": code, "pec": "ente@pec.example.it"
            }),
        );
        assert_eq!(res.status(), 201);
        res.json::<Value>().unwrap()["id"].as_i64().unwrap()
    }

    /// Registers a written communication through the screen (multipart, token first).
    fn communication(&self, provider: i64, kind: &str, file: &[u8]) -> reqwest::blocking::Response {
        let token = self.token(&self.region, &format!("/regione/soggetti/{provider}"));
        let form = multipart::Form::new()
            .text("_token", token)
            .text("received_on", "05/01/2026")
            .text("protocol", "123/2026")
            .text("kind", kind.to_owned())
            .part("file", multipart::Part::bytes(file.to_vec()).file_name("elenco.pdf"));
        self.region
            .post(self.server.url(&format!("/regione/soggetti/{provider}/comunicazioni")))
            .header("Origin", format!("https://127.0.0.1:{}", self.server.port))
            .multipart(form)
            .send()
            .unwrap()
    }

    fn last_communication(&self) -> i64 {
        self.f.db().query_row("SELECT max(id) FROM communication", [], |r| r.get(0)).unwrap()
    }

    fn enable(&self, provider: i64, cf: &str, communication: Option<i64>) -> reqwest::blocking::Response {
        self.post(
            &self.region,
            "/api/v1/operators",
            json!({
                "provider_id": provider, "codice_fiscale": cf, "surname": "Rossi", "name": "Mario",
                "email": "m.rossi@ente.example.it", "role": "operatore", "role_title": "tutor",
                "communication_id": communication,
            }),
        )
    }
}

#[test]
fn an_operator_is_enabled_from_a_communication_logs_in_and_is_switched_off_at_once() {
    let o = office();
    let a = o.provider("Lavoro Futuro", "06363391001", "ACC-1");

    // A file that is not a PDF is refused with a message on the field; nothing stored.
    let res = o.communication(a, "abilitazione", b"<html>non un pdf</html>");
    assert_eq!(res.status(), 422);
    assert!(res.text().unwrap().contains("formato non accettato"));
    let count: i64 = o.f.db().query_row("SELECT count(*) FROM communication", [], |r| r.get(0)).unwrap();
    assert_eq!(count, 0);

    let res = o.communication(a, "abilitazione", &common::pdf_with(b"1"));
    assert_eq!(res.status(), 200, "redirected to the provider page");
    let comm = o.last_communication();

    // Enabling an operator without the communication is refused.
    let rossi = cf("RSSMRA85T10A562");
    let res = o.enable(a, &rossi, None);
    assert_eq!(res.status(), 422);
    assert_eq!(res.json::<Value>().unwrap()["errors"][0]["field"], "communication_id");

    let res = o.enable(a, &rossi, Some(comm));
    assert_eq!(res.status(), 201);
    let id = res.json::<Value>().unwrap()["id"].as_i64().unwrap();
    let html = o.region.get(o.server.url(&format!("/regione/operatori/{id}"))).send().unwrap().text().unwrap();
    assert!(html.contains("Storia dell'abilitazione") && html.contains("123/2026") && html.contains(&rossi));

    // The operator logs in with a card for that codice fiscale.
    let op = client(&o.f, Some(&o.f.card(&rossi)));
    assert_eq!(op.get(o.server.url("/api/v1/me")).send().unwrap().status(), 200);

    // Disabled: 403 at once, on the operator's already open connection.
    let res = o.post(
        &o.region,
        &format!("/api/v1/operators/{id}/disable"),
        json!({"kind": "anomaly", "reason": "accessi anomali"}),
    );
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().unwrap()["state"], "disabled");
    assert_eq!(op.get(o.server.url("/api/v1/me")).send().unwrap().status(), 403);

    // Re-enabling an operator needs a reason (and the provider's communication).
    let res = o.post(&o.region, &format!("/api/v1/operators/{id}/enable"), json!({"reason": ""}));
    assert_eq!(res.status(), 422);
    let res = o.post(
        &o.region,
        &format!("/api/v1/operators/{id}/enable"),
        json!({"reason": "chiarito", "communication_id": comm}),
    );
    assert_eq!(res.status(), 200);
    assert_eq!(op.get(o.server.url("/api/v1/me")).send().unwrap().status(), 200);

    // The history shows who did what on which communication.
    let detail: Value = o.region.get(o.server.url(&format!("/api/v1/operators/{id}"))).send().unwrap().json().unwrap();
    let kinds: Vec<&str> = detail["history"].as_array().unwrap().iter().map(|h| h["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["reenabled", "disabled", "enabled"]);
    assert!(detail["history"][2]["communication"].as_str().unwrap().contains("123/2026"));

    // A codice fiscale is never reassigned, even to another provider.
    let b = o.provider("Orienta", "97103880585", "ACC-2");
    let res = o.communication(b, "abilitazione", &common::pdf_with(b"2"));
    assert_eq!(res.status(), 200);
    let res = o.enable(b, &rossi, Some(o.last_communication()));
    assert_eq!(res.status(), 409);
    // A communication of another provider cannot be used.
    let verdi = cf("VRDGPP75M12G702");
    let res = o.enable(b, &verdi, Some(comm));
    assert_eq!(res.status(), 422);

    // Every change left its audit row, and the chain is intact.
    for action in ["provider.create", "communication.create", "operator.create", "operator.disable", "operator.enable"]
    {
        assert!(o.f.audit_count(action) >= 1, "{action}");
    }
    assert!(o.f.cli_ok(&["audit", "verify"]).contains("intact up to"));
}

#[test]
fn suspending_a_provider_locks_its_operators_and_reactivating_lets_them_back() {
    let o = office();
    let a = o.provider("Lavoro Futuro", "06363391001", "ACC-1");
    assert_eq!(o.communication(a, "abilitazione", &common::pdf_with(b"3")).status(), 200);
    let rossi = cf("RSSMRA85T10A562");
    assert_eq!(o.enable(a, &rossi, Some(o.last_communication())).status(), 201);
    let op = client(&o.f, Some(&o.f.card(&rossi)));
    assert_eq!(op.get(o.server.url("/api/v1/me")).send().unwrap().status(), 200);

    assert_eq!(o.post(&o.region, &format!("/api/v1/providers/{a}/suspend"), json!({"reason": ""})).status(), 422);
    let res = o.post(&o.region, &format!("/api/v1/providers/{a}/suspend"), json!({"reason": "verifica in corso"}));
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().unwrap()["status"], "suspended");
    let res = op.get(o.server.url("/api/v1/me")).send().unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(res.json::<Value>().unwrap()["error"], "provider_suspended");
    // The operator's own state is untouched.
    let state: String =
        o.f.db().query_row("SELECT state FROM operator WHERE codice_fiscale = ?1", [&rossi], |r| r.get(0)).unwrap();
    assert_eq!(state, "active");

    assert_eq!(
        o.post(&o.region, &format!("/api/v1/providers/{a}/reactivate"), json!({"reason": "verificato"})).status(),
        200
    );
    assert_eq!(op.get(o.server.url("/api/v1/me")).send().unwrap().status(), 200);
}

#[test]
fn operators_and_auditors_cannot_administer() {
    let o = office();
    let a = o.provider("Lavoro Futuro", "06363391001", "ACC-1");
    let rossi = cf("RSSMRA85T10A562");
    o.f.add_operator(&rossi, "operatore", Some(a));
    let verdi = cf("VRDGPP75M12G702");
    o.f.add_operator(&verdi, "revisore", None);
    let op = client(&o.f, Some(&o.f.card(&rossi)));
    let auditor = client(&o.f, Some(&o.f.card(&verdi)));

    for path in
        ["/regione/soggetti", "/regione/operatori", "/regione/inattivita", "/regione/revisione", "/api/v1/providers"]
    {
        let before = o.f.audit_count("access.denied");
        assert_eq!(op.get(o.server.url(path)).send().unwrap().status(), 403, "{path}");
        assert_eq!(o.f.audit_count("access.denied"), before + 1, "{path}");
        // The auditor reads.
        assert_eq!(auditor.get(o.server.url(path)).send().unwrap().status(), 200, "{path}");
    }
    // The auditor's writes are refused.
    let res = o.post(
        &auditor,
        "/api/v1/providers",
        json!({"name": "X", "codice_fiscale": "97103880585", "accreditation_code": "Y", "pec": "a@b.it"}),
    );
    assert_eq!(res.status(), 403);
    assert_eq!(o.post(&auditor, &format!("/api/v1/providers/{a}/suspend"), json!({"reason": "x"})).status(), 403);
    // The auditor sees no write buttons on the screens.
    let html = auditor.get(o.server.url(&format!("/regione/soggetti/{a}"))).send().unwrap().text().unwrap();
    assert!(html.contains("Lavoro Futuro") && !html.contains("Sospendi il soggetto"));
}

#[test]
fn the_last_regional_account_cannot_lock_itself_out() {
    let o = office();
    let me: i64 =
        o.f.db().query_row("SELECT id FROM operator WHERE codice_fiscale = ?1", [&o.region_cf], |r| r.get(0)).unwrap();
    let res =
        o.post(&o.region, &format!("/api/v1/operators/{me}/disable"), json!({"kind": "other", "reason": "prova"}));
    assert_eq!(res.status(), 409);
    assert_eq!(o.region.get(o.server.url("/api/v1/me")).send().unwrap().status(), 200);
}

#[test]
fn screens_render_take_forms_with_tokens_and_keep_values_on_errors() {
    let o = office();
    let origin = format!("https://127.0.0.1:{}", o.server.port);
    let token = o.token(&o.region, "/regione/soggetti/nuovo");
    // A form post without the token is refused as cross-site, audited, nothing stored.
    let res = o
        .region
        .post(o.server.url("/regione/soggetti"))
        .header("Origin", &origin)
        .form(&[("name", "Ente"), ("codice_fiscale", "06363391001"), ("accreditation_code", "A"), ("pec", "a@b.it")])
        .send()
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(o.f.last_audit().2["reason"], "cross_site");
    // Bad partita IVA: 422, the message on the field, the typed values kept.
    let res = o
        .region
        .post(o.server.url("/regione/soggetti"))
        .header("Origin", &origin)
        .form(&[
            ("_token", token.as_str()),
            ("name", "Lavoro Futuro"),
            ("codice_fiscale", "06363391002"),
            ("accreditation_code", "A-1"),
            ("pec", "a@b.it"),
        ])
        .send()
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().unwrap();
    assert!(html.contains("partita IVA") && html.contains("value=\"Lavoro Futuro\""), "{html}");
    let providers: i64 = o.f.db().query_row("SELECT count(*) FROM provider", [], |r| r.get(0)).unwrap();
    assert_eq!(providers, 0);
    // Good: redirected to the new provider's page.
    let res = o
        .region
        .post(o.server.url("/regione/soggetti"))
        .header("Origin", &origin)
        .form(&[
            ("_token", token.as_str()),
            ("name", "Lavoro Futuro"),
            ("codice_fiscale", "06363391001"),
            ("accreditation_code", "A-1"),
            ("pec", "a@b.it"),
        ])
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().unwrap();
    assert!(html.contains("Registrazione completata") && html.contains("Sedi operative"));
    // Add a sede, then mark it temporarily closed: kept, shown with its state, audited.
    let provider: i64 = o.f.db().query_row("SELECT max(id) FROM provider", [], |r| r.get(0)).unwrap();
    let res = o
        .region
        .post(o.server.url(&format!("/regione/soggetti/{provider}/sedi")))
        .header("Origin", &origin)
        .form(&[
            ("_token", token.as_str()),
            ("address", "Via Roma 1"),
            ("comune", "Pisa"),
            ("programme_enabled", "true"),
        ])
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);
    let sede: i64 = o.f.db().query_row("SELECT max(id) FROM sede", [], |r| r.get(0)).unwrap();
    let res = o
        .region
        .post(o.server.url(&format!("/regione/sedi/{sede}")))
        .header("Origin", &origin)
        .form(&[
            ("_token", token.as_str()),
            ("address", "Via Roma 1"),
            ("comune", "Pisa"),
            ("programme_enabled", "true"),
            ("temporarily_closed", "true"),
        ])
        .send()
        .unwrap();
    assert!(res.text().unwrap().contains("temporaneamente chiusa"));
    assert_eq!(o.f.audit_count("sede.update"), 1);
    // Lists and reports render with their important text.
    for (path, text) in [
        ("/regione/soggetti?cerca=futuro", "Lavoro Futuro"),
        ("/regione/operatori", "Amministrazione regionale"),
        ("/regione/inattivita", "Saranno disattivate nei prossimi 30 giorni"),
        ("/regione/revisione", "Revisione annuale delle autorizzazioni"),
    ] {
        let html = o.region.get(o.server.url(path)).send().unwrap().text().unwrap();
        assert!(html.contains(text), "{path}");
    }
    let csv = o.region.get(o.server.url("/regione/revisione.csv")).send().unwrap().text().unwrap();
    assert!(csv.starts_with("codice_fiscale;cognome") && csv.contains(&o.region_cf));
    let zip = o.region.get(o.server.url("/regione/revisione.zip")).send().unwrap().bytes().unwrap();
    assert!(zip.starts_with(b"PK"));
    assert!(o.f.audit_count("review.export") == 2 && o.f.audit_count("provider.list") >= 1);
}

#[test]
fn bidirectional_controls_are_refused_in_names_and_protocol_numbers() {
    let o = office();
    // A provider name that would read backwards on screen ("Trojan Source").
    let res = o.post(
        &o.region,
        "/api/v1/providers",
        json!({ "name": "Ente \u{202E}oirotsiR", "codice_fiscale": "06363391001", "accreditation_code": "ACC-9",
                "pec": "ente@pec.example.it" }),
    );
    assert_eq!(res.status(), 422);
    let body: Value = res.json().unwrap();
    assert_eq!(body["errors"][0]["field"], "name", "{body}");
    assert!(body["errors"][0]["message"].as_str().unwrap().contains("direzione del testo"), "{body}");
    // A protocol number with an isolate: the communication is refused, the field named.
    let p = o.provider("Ente", "06363391001", "ACC-1");
    let token = o.token(&o.region, &format!("/regione/soggetti/{p}"));
    let form = reqwest::blocking::multipart::Form::new()
        .text("_token", token)
        .text("received_on", "05/01/2026")
        .text("protocol", "123\u{2067}/2026")
        .text("kind", "abilitazione")
        .part("file", reqwest::blocking::multipart::Part::bytes(common::pdf_with(b"x")).file_name("elenco.pdf"));
    let res = o
        .region
        .post(o.server.url(&format!("/regione/soggetti/{p}/comunicazioni")))
        .header("Origin", format!("https://127.0.0.1:{}", o.server.port))
        .multipart(form)
        .send()
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().unwrap();
    assert!(html.contains("direzione del testo") && html.contains("f-protocol"), "{html}");
}

#[test]
fn refused_operator_sede_and_provider_forms_come_back_with_the_values_and_each_message() {
    let o = office();
    let origin = format!("https://127.0.0.1:{}", o.server.port);
    let provider = o.provider("Lavoro Futuro", "06363391001", "ACC-1");
    assert_eq!(o.communication(provider, "abilitazione", &common::pdf_with(b"1")).status(), 200);
    let res = o.enable(provider, &cf("RSSMRA85T10A562"), Some(o.last_communication()));
    assert_eq!(res.status(), 201);
    let operator = res.json::<Value>().unwrap()["id"].as_i64().unwrap();
    let sede = o.post(
        &o.region,
        &format!("/api/v1/providers/{provider}/sedi"),
        json!({"address": "Via Roma 1", "comune": "Pisa"}),
    );
    let sede = sede.json::<Value>().unwrap()["id"].as_i64().unwrap();
    let token = o.token(&o.region, &format!("/regione/operatori/{operator}"));
    let (rows, views) = (o.f.audit_rows(), o.f.audit_count("operator.view"));
    let post = |path: &str, fields: &[(&str, &str)]| {
        let mut form = vec![("_token", token.as_str())];
        form.extend_from_slice(fields);
        let res = o.region.post(o.server.url(path)).header("Origin", &origin).form(&form).send().unwrap();
        (res.status().as_u16(), res.text().unwrap())
    };
    // The summary on top links each message to its field; the field carries it too.
    let shows = |html: &str, field: &str| {
        html.contains("alert-danger")
            && html.contains(&format!("href=\"#f-{field}\""))
            && html.contains(&format!("id=\"f-{field}-errore\""))
    };

    // Disable without a description: the reason chosen stays chosen.
    let (status, html) =
        post(&format!("/regione/operatori/{operator}/disabilita"), &[("kind", "anomaly"), ("reason", "")]);
    assert_eq!(status, 422, "{html}");
    assert!(shows(&html, "disable-reason"), "{html}");
    assert!(html.contains("<option value=\"anomaly\" selected>"), "{html}");
    // A variation with a bad email: both typed values come back.
    let (status, html) = post(
        &format!("/regione/operatori/{operator}/variazione"),
        &[("version", "1"), ("email", "non-una-mail"), ("role_title", "tutor capo")],
    );
    assert_eq!(status, 422, "{html}");
    assert!(
        shows(&html, "email") && html.contains("value=\"non-una-mail\"") && html.contains("value=\"tutor capo\""),
        "{html}"
    );
    // A variation whose sedi include a value that is no sede (a tampered form): refused on
    // `sedi` with the values kept (the real sede stays ticked), never dropped in silence.
    let sede_value = sede.to_string();
    let (status, html) = post(
        &format!("/regione/operatori/{operator}/variazione"),
        &[
            ("version", "1"),
            ("email", "nuova@ente.example.it"),
            ("role_title", "tutor capo"),
            ("sedi", &sede_value),
            ("sedi", "0"),
        ],
    );
    assert_eq!(status, 422, "{html}");
    assert!(shows(&html, "sedi") && html.contains("scegliere le sedi tra quelle del soggetto"), "{html}");
    assert!(
        html.contains(&format!("value=\"{sede}\" checked")) && html.contains("value=\"nuova@ente.example.it\""),
        "{html}"
    );
    let (status, html) = post(
        &format!("/regione/operatori/{operator}/variazione"),
        &[("version", "1"), ("email", "nuova@ente.example.it"), ("role_title", "tutor capo"), ("sedi", "sede-1")],
    );
    assert_eq!(status, 422, "{html}");
    assert!(shows(&html, "sedi"), "{html}");
    // Re-enabling an active account: a conflict, said on top, the reason kept.
    let (status, html) =
        post(&format!("/regione/operatori/{operator}/riabilita"), &[("reason", "rientro in servizio")]);
    assert_eq!(status, 409, "{html}");
    assert!(html.contains("alert-danger") && html.contains("rientro in servizio"), "{html}");
    // An exemption for an operatore (only tecnico accounts may have one).
    let (status, html) =
        post(&format!("/regione/operatori/{operator}/esenzione"), &[("on", "true"), ("reason", "autorizzata")]);
    assert_eq!(status, 422, "{html}");
    assert!(html.contains("utenze tecniche") && html.contains("autorizzata"), "{html}");
    // A sede edited without its address: the phone typed stays.
    let (status, html) =
        post(&format!("/regione/sedi/{sede}"), &[("address", ""), ("comune", "Pisa"), ("phone", "050 123456")]);
    assert_eq!(status, 422, "{html}");
    assert!(shows(&html, &format!("sede-{sede}-address")) && html.contains("value=\"050 123456\""), "{html}");
    // Suspending a provider without a reason.
    let (status, html) = post(&format!("/regione/soggetti/{provider}/sospendi"), &[("reason", "")]);
    assert_eq!(status, 422, "{html}");
    assert!(shows(&html, "reason"), "{html}");

    // Nothing was stored, nothing acknowledged; the six operator forms drawn again under the
    // operator's name each wrote their view row.
    assert_eq!(o.f.audit_count("operator.view"), views + 6);
    assert_eq!(o.f.audit_rows(), rows + 6);
    let assigned: i64 =
        o.f.db()
            .query_row("SELECT count(*) FROM operator_sede WHERE operator_id = ?1", [operator], |r| r.get(0))
            .unwrap();
    assert_eq!(assigned, 0);
    let (state, email): (String, String) =
        o.f.db()
            .query_row("SELECT state, email FROM operator WHERE id = ?1", [operator], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap();
    assert_eq!((state.as_str(), email.as_str()), ("active", "m.rossi@ente.example.it"));
    let address: String = o.f.db().query_row("SELECT address FROM sede WHERE id = ?1", [sede], |r| r.get(0)).unwrap();
    assert_eq!(address, "Via Roma 1");

    // A communication whose file is not a PDF: the typed protocol stays, the file input says
    // why and that the file must be chosen again (a browser never fills it back).
    let communications = o.last_communication();
    let res = o.communication(provider, "variazione", b"testo, non un PDF");
    assert_eq!(res.status(), 422);
    let html = res.text().unwrap();
    assert!(shows(&html, "file") && html.contains("value=\"123/2026\""), "{html}");
    assert!(html.contains("Dopo un errore il file va scelto di nuovo."), "{html}");
    assert!(html.contains("aria-describedby=\"f-file-aiuto f-file-errore\""), "{html}");
    assert_eq!(o.last_communication(), communications);
    // Nothing recorded: the last row is the view of the page the token came from.
    assert_eq!(o.f.last_audit().0, "provider.view");
}

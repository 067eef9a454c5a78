//! The path of one request over real TLS: certificates, the per-request checks, the audit rows.
#![allow(clippy::disallowed_methods)] // peeks into the data file: statement caching is for the server
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::{Fixture, cf, client};
use ricolloca::infra::clock::system_now;
use ricolloca::infra::pki::{CnsPerson, KeyKind};
use serde_json::Value;

const DAY_MS: i64 = 86_400_000;

fn setup() -> (Fixture, i64) {
    let f = Fixture::new(KeyKind::EcdsaP256);
    let provider = f.add_provider("Lavoro Futuro Soc. Coop.", "06363391001", "ACC-1");
    (f, provider)
}

#[test]
fn a_valid_operator_gets_in_and_the_login_is_audited() {
    let (f, provider) = setup();
    let rossi = cf("RSSMRA85T10A562");
    f.add_operator(&rossi, "operatore", Some(provider));
    let server = f.start();
    let card = f.card(&rossi);
    let res = client(&f, Some(&card)).get(server.url("/api/v1/me")).header("X-Real-IP", "10.9.9.9").send().unwrap();
    assert_eq!(res.status(), 200);
    let me: Value = res.json().unwrap();
    assert_eq!(me["codice_fiscale"], rossi);
    assert_eq!(me["role"], "operatore");
    assert_eq!(me["surname"], "Rossi");
    assert_eq!(me["provider"]["id"], provider);
    assert_eq!(me["provider"]["name"], "Lavoro Futuro Soc. Coop.");

    let (action, outcome, detail) = f.last_audit();
    assert_eq!((action.as_str(), outcome.as_str()), ("access.login", "ok"));
    // The address is the TCP peer's, whatever headers say.
    let ip: String =
        f.db().query_row("SELECT client_ip FROM audit_log ORDER BY seq DESC LIMIT 1", [], |r| r.get(0)).unwrap();
    assert_eq!(ip, "127.0.0.1");
    assert_eq!(detail["cert"]["cn"].as_str().unwrap().split('/').next(), Some(rossi.as_str()));

    // The home page greets by name and role; a second request the same day logs no new login.
    let home = client(&f, Some(&card)).get(server.url("/")).send().unwrap().text().unwrap();
    assert!(home.contains("Buongiorno, Mario Rossi"), "{home}");
    assert!(home.contains("Operatore del soggetto accreditato"));
    assert_eq!(f.audit_count("access.login"), 1);

    // The certificate was recorded.
    let seen: i64 = f.db().query_row("SELECT count(*) FROM certificate_seen", [], |r| r.get(0)).unwrap();
    assert_eq!(seen, 1);
}

#[test]
fn without_a_card_only_the_landing_page_manual_and_assets_are_served() {
    let (f, _) = setup();
    let server = f.start();
    let c = client(&f, None);
    let res = c.get(server.url("/api/v1/me")).send().unwrap();
    assert_eq!(res.status(), 401);
    let body: Value = res.json().unwrap();
    assert_eq!(body["error"], "certificato_assente");

    let landing = c.get(server.url("/")).send().unwrap();
    assert_eq!(landing.status(), 200);
    let text = landing.text().unwrap();
    assert!(text.contains("Carta Nazionale dei Servizi") && text.contains("PIN") && text.contains("/manuale"));

    let manual = c.get(server.url("/manuale/accesso")).send().unwrap();
    assert_eq!(manual.status(), 200);
    assert!(manual.text().unwrap().contains("TLS 1.2"));
    // The manual's pictures are public like the manual.
    let img = c.get(server.url("/manuale/img/cruscotto.png")).send().unwrap();
    assert_eq!(img.status(), 200);
    assert_eq!(img.headers()["content-type"], "image/png");

    let css = c.get(server.url("/static/css/app.css")).send().unwrap();
    assert_eq!(css.status(), 200);
    assert!(css.headers()["content-type"].to_str().unwrap().starts_with("text/css"));
    let etag = css.headers()["etag"].to_str().unwrap().to_owned();
    let again = c.get(server.url("/static/css/app.css")).header("If-None-Match", &etag).send().unwrap();
    assert_eq!(again.status(), 304);

    // Unknown routes are closed too (401, not 404), and so is a POST to a public path.
    assert_eq!(c.get(server.url("/qualsiasi/cosa")).send().unwrap().status(), 401);
    assert_eq!(c.post(server.url("/")).send().unwrap().status(), 401);
    assert_eq!(c.get(server.url("/__accesso-negato")).send().unwrap().status(), 401);
    // Anonymous refusals are not attributed to anyone: no audit row.
    assert_eq!(f.audit_count("access.denied"), 0);
}

#[test]
fn security_headers_are_set() {
    let (f, provider) = setup();
    let rossi = cf("RSSMRA85T10A562");
    f.add_operator(&rossi, "operatore", Some(provider));
    let server = f.start();
    let res = client(&f, Some(&f.card(&rossi))).get(server.url("/")).send().unwrap();
    let h = res.headers();
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'") && !csp.contains("unsafe-inline")
    );
    assert!(h["strict-transport-security"].to_str().unwrap().contains("max-age="));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["referrer-policy"], "same-origin");
    assert_eq!(h["cache-control"], "no-store");
    assert!(h.get("server").is_none());
}

#[test]
fn certificates_from_another_ca_or_expired_are_refused_at_the_handshake() {
    let (f, provider) = setup();
    let rossi = cf("RSSMRA85T10A562");
    f.add_operator(&rossi, "operatore", Some(provider));
    let server = f.start();

    // The same person's genuine card works against this very server...
    assert_eq!(client(&f, Some(&f.card(&rossi))).get(server.url("/api/v1/me")).send().unwrap().status(), 200);
    // ...one from another CA does not even complete the handshake.
    let stranger = Fixture::new(KeyKind::EcdsaP256);
    let foreign_card = stranger.card(&rossi);
    let err = client(&f, Some(&foreign_card)).get(server.url("/api/v1/me")).send().unwrap_err();
    assert!(err.is_connect() || err.is_request(), "{err:?}");

    let now = system_now();
    let cn = format!("{rossi}/6120016461039008.abc/def+ghi=");
    let expired = CnsPerson {
        common_name: &cn,
        surname: None,
        given_name: None,
        not_before: now - time::Duration::days(400),
        not_after: now - time::Duration::days(1),
        policies: &[ricolloca::domain::cns::CNS_POLICY],
    };
    let expired = f.card_with(&expired);
    assert!(client(&f, Some(&expired)).get(server.url("/api/v1/me")).send().is_err());
}

#[test]
fn a_revoked_card_gets_403_and_an_audit_row() {
    let (mut f, provider) = setup();
    let rossi = cf("RSSMRA85T10A562");
    f.add_operator(&rossi, "operatore", Some(provider));
    let card = f.card(&rossi);
    f.revoked.push(card.serial.clone());
    f.write_config();
    let server = f.start();
    let res = client(&f, Some(&card)).get(server.url("/api/v1/me")).send().unwrap();
    assert_eq!(res.status(), 403);
    let body: Value = res.json().unwrap();
    assert_eq!(body["error"], "certificate_revoked");
    let (action, outcome, detail) = f.last_audit();
    assert_eq!((action.as_str(), outcome.as_str()), ("access.denied", "denied"));
    assert_eq!(detail["reason"], "certificate_revoked");
    assert_eq!(detail["path"], "/api/v1/me");

    // A new card for the same person (not revoked) works.
    let renewed = f.card(&rossi);
    assert_eq!(client(&f, Some(&renewed)).get(server.url("/api/v1/me")).send().unwrap().status(), 200);
}

#[test]
fn a_card_from_a_ca_without_crl_is_refused_only_when_configured() {
    let (mut f, provider) = setup();
    // A second trusted CA, with no CRL.
    let other = ricolloca::infra::pki::Ca::new("Altra CA Cittadini", f.kind, system_now()).unwrap();
    let bundle = format!("{}{}", f.ca.cert_pem, other.cert_pem);
    std::fs::write(f.path().join("ca.pem"), bundle).unwrap();
    let rossi = cf("RSSMRA85T10A562");
    f.add_operator(&rossi, "operatore", Some(provider));
    let covered = f.card(&rossi);
    let cn = ricolloca::infra::pki::cns_common_name(&rossi, 6_120_016_461_039_009);
    let uncovered = other.cns_client(&CnsPerson::valid_now(&cn, system_now()), f.kind).unwrap();
    // A CRL for the first CA only (revoking something unrelated).
    f.revoked.push(vec![0x42]);
    f.write_config();
    {
        let server = f.start();
        assert_eq!(client(&f, Some(&uncovered)).get(server.url("/api/v1/me")).send().unwrap().status(), 200);
    }
    f.tls_extra = "without_crl = \"refuse\"\n".into();
    f.write_config();
    let server = f.start();
    let res = client(&f, Some(&uncovered)).get(server.url("/api/v1/me")).send().unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(res.json::<Value>().unwrap()["error"], "certificate_without_crl");
    assert_eq!(f.last_audit().2["reason"], "certificate_without_crl");
    assert_eq!(client(&f, Some(&covered)).get(server.url("/api/v1/me")).send().unwrap().status(), 200);
    // "refuse" without any CRL configured stops start-up, naming the key.
    f.revoked.clear();
    f.write_config();
    let out = f.cli(&["check", "--config", f.config.to_str().unwrap()]);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("tls.without_crl")
            || String::from_utf8_lossy(&out.stderr).contains("tls.without_crl")
    );
}

#[test]
fn unknown_or_invalid_codice_fiscale_gets_403_and_an_audit_row() {
    let (f, _) = setup();
    let server = f.start();
    let unknown = f.card(&cf("VRDGPP75M12G702"));
    let res = client(&f, Some(&unknown)).get(server.url("/")).send().unwrap();
    assert_eq!(res.status(), 403);
    assert!(res.text().unwrap().contains("non risulta abilitato"));
    let (action, _, detail) = f.last_audit();
    assert_eq!(action, "access.denied");
    assert_eq!(detail["reason"], "unknown_operator");

    let garbage = f.card_with(&CnsPerson::valid_now("Mario Rossi", system_now()));
    let res = client(&f, Some(&garbage)).get(server.url("/api/v1/me")).send().unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(f.last_audit().2["reason"], "invalid_codice_fiscale");
    assert_eq!(f.last_audit().2["cert"]["cn"], "Mario Rossi");
}

#[test]
fn disabling_an_operator_or_suspending_the_provider_takes_effect_on_an_open_connection() {
    let (f, provider) = setup();
    let rossi = cf("RSSMRA85T10A562");
    let id = f.add_operator(&rossi, "operatore", Some(provider));
    let region_cf = cf("BNCMRA80A41D612");
    f.add_operator(&region_cf, "regione", None);
    let server = f.start();
    // One client: its keep-alive connection (and TLS session) stays open across requests.
    let c = client(&f, Some(&f.card(&rossi)));
    let region = client(&f, Some(&f.card(&region_cf)));
    assert_eq!(c.get(server.url("/api/v1/me")).send().unwrap().status(), 200);

    // Through the server: in force for the very next request.
    let suspend = region
        .post(server.url(&format!("/api/v1/providers/{provider}/suspend")))
        .json(&serde_json::json!({ "reason": "verifica" }))
        .send()
        .unwrap();
    assert_eq!(suspend.status(), 200, "{}", suspend.text().unwrap());
    let res = c.get(server.url("/api/v1/me")).send().unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(res.json::<Value>().unwrap()["error"], "provider_suspended");
    assert_eq!(f.last_audit().2["reason"], "provider_suspended");
    let reactivate = region
        .post(server.url(&format!("/api/v1/providers/{provider}/reactivate")))
        .json(&serde_json::json!({ "reason": "verificato" }))
        .send()
        .unwrap();
    assert_eq!(reactivate.status(), 200);
    assert_eq!(c.get(server.url("/api/v1/me")).send().unwrap().status(), 200);

    // By another process (the command line, or here a plain connection): the server reads
    // the access epoch every second, so the change is in force within about a second.
    let within_a_poll = |expected: u16| {
        let deadline = std::time::Instant::now() + ricolloca::access::ACCESS_EPOCH_POLL * 3;
        loop {
            let res = c.get(server.url("/api/v1/me")).send().unwrap();
            if res.status().as_u16() == expected {
                return res;
            }
            assert!(std::time::Instant::now() < deadline, "still {} after the change", res.status());
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    };
    f.db().execute("UPDATE operator SET state = 'disabled' WHERE id = ?1", [id]).unwrap();
    assert_eq!(within_a_poll(403).json::<Value>().unwrap()["error"], "operator_disabled");
    f.db().execute("UPDATE operator SET state = 'active' WHERE id = ?1", [id]).unwrap();
    within_a_poll(200);
    f.db().execute("UPDATE provider SET status = 'suspended' WHERE id = ?1", [provider]).unwrap();
    assert_eq!(within_a_poll(403).json::<Value>().unwrap()["error"], "provider_suspended");
}

#[test]
fn six_months_idle_deactivates_at_the_next_access_unless_exempt() {
    let (f, provider) = setup();
    let rossi = cf("RSSMRA85T10A562");
    let neri = cf("NRELCU82C15D612");
    let id = f.add_operator(&rossi, "operatore", Some(provider));
    let tech = f.add_operator(&neri, "tecnico", None);
    let server = f.start();
    let long_ago = ricolloca::infra::clock::SystemClock;
    let now_ts = ricolloca::infra::clock::Clock::now(&long_ago);
    let now = now_ts.as_ms();
    // Six calendar months ago today (clamped at month ends), at 00:01 Italian time: the
    // switch-off day is today. Less than six months (175 days) still gets in.
    let today = ricolloca::infra::clock::local_date(now_ts);
    let same_day_six_months_ago =
        ricolloca::infra::clock::local_date_start(ricolloca::domain::appointment::add_months(today, -6)).as_ms()
            + 60_000;
    let db = f.db();
    let recent = f.add_operator(&cf("VRDGPP80A01H501"), "operatore", Some(provider));
    db.execute("UPDATE operator SET last_access_at = ?2, enabled_at = ?2 WHERE id = ?1", [recent, now - 175 * DAY_MS])
        .unwrap();
    assert_eq!(
        client(&f, Some(&f.card(&cf("VRDGPP80A01H501")))).get(server.url("/api/v1/me")).send().unwrap().status(),
        200,
        "175 days idle is less than six months"
    );
    db.execute("UPDATE operator SET last_access_at = ?2, enabled_at = ?2 WHERE id = ?1", [id, same_day_six_months_ago])
        .unwrap();
    db.execute("UPDATE operator SET last_access_at = ?2, enabled_at = ?2 WHERE id = ?1", [tech, now - 400 * DAY_MS])
        .unwrap();

    let res = client(&f, Some(&f.card(&rossi))).get(server.url("/api/v1/me")).send().unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(res.json::<Value>().unwrap()["error"], "operator_idle");
    let state: String = db.query_row("SELECT state FROM operator WHERE id = ?1", [id], |r| r.get(0)).unwrap();
    assert_eq!(state, "idle_deactivated");
    assert_eq!(f.audit_count("operator.deactivate_idle"), 1);
    assert_eq!(f.last_audit().2["reason"], "operator_idle");
    // Stays off on the next try (no second deactivation row).
    assert_eq!(client(&f, Some(&f.card(&rossi))).get(server.url("/api/v1/me")).send().unwrap().status(), 403);
    assert_eq!(f.audit_count("operator.deactivate_idle"), 1);

    // The exempt technical account still gets in.
    assert_eq!(client(&f, Some(&f.card(&neri))).get(server.url("/api/v1/me")).send().unwrap().status(), 200);

    // Never logged in and enabled six calendar months ago: counts from the enabling.
    let bianchi = cf("BNCMRA80A41D612");
    let fresh = f.add_operator(&bianchi, "regione", None);
    db.execute("UPDATE operator SET enabled_at = ?2 WHERE id = ?1", [fresh, same_day_six_months_ago]).unwrap();
    assert_eq!(client(&f, Some(&f.card(&bianchi))).get(server.url("/")).send().unwrap().status(), 403);
    assert_eq!(f.last_audit().2["reason"], "operator_idle");
    assert_eq!(f.audit_count("operator.deactivate_idle"), 2);
}

#[test]
fn the_wrong_role_gets_403_and_an_audit_row() {
    let (f, provider) = setup();
    let rossi = cf("RSSMRA85T10A562");
    let verdi = cf("VRDGPP75M12G702");
    f.add_operator(&rossi, "operatore", Some(provider));
    f.add_operator(&verdi, "revisore", None);
    let server = f.start();
    let res = client(&f, Some(&f.card(&rossi))).get(server.url("/api/v1/audit/verify")).send().unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(res.json::<Value>().unwrap()["error"], "wrong_role");
    assert_eq!(f.last_audit().2["reason"], "wrong_role");

    // The page keeps the person's name and menu, and points to their own screens: the card
    // was read fine, so the smartcard help is not what helps.
    let op = client(&f, Some(&f.card(&rossi)));
    let html = op.get(server.url("/revisione/registro")).send().unwrap();
    assert_eq!(html.status(), 403);
    let html = html.text().unwrap();
    assert!(html.contains("Accesso negato") && html.contains(r#"class="user-name""#), "{html}");
    assert!(html.contains(r#"href="/cruscotto""#) && html.contains(r#"href="/agenda""#), "the operator's menu: {html}");
    assert!(!html.contains("Come si accede con la smartcard"), "{html}");
    assert!(html.contains("menu qui sopra"), "{html}");
    // A page that does not exist, the same.
    let html = op.get(server.url("/non-esiste")).send().unwrap();
    assert_eq!(html.status(), 404);
    let html = html.text().unwrap();
    assert!(html.contains("Pagina non trovata") && html.contains(r#"class="user-name""#), "{html}");
    // A revoked or unknown card: no menu, and the smartcard help.
    let stranger = client(&f, Some(&f.card(&cf("BNCMRA80A41D612")))).get(server.url("/cruscotto")).send().unwrap();
    assert_eq!(stranger.status(), 403);
    let html = stranger.text().unwrap();
    assert!(html.contains("Come si accede con la smartcard") && !html.contains(r#"class="user-name""#), "{html}");

    let res = client(&f, Some(&f.card(&verdi))).get(server.url("/api/v1/audit/verify")).send().unwrap();
    assert_eq!(res.status(), 200);
    let v: Value = res.json().unwrap();
    assert_eq!(v["intact"], true);
    assert!(v["head_seq"].as_i64().unwrap() >= 4);
}

#[test]
fn cross_site_writes_are_refused() {
    let (f, provider) = setup();
    let rossi = cf("RSSMRA85T10A562");
    f.add_operator(&rossi, "operatore", Some(provider));
    let server = f.start();
    let c = client(&f, Some(&f.card(&rossi)));
    let res = c
        .post(server.url("/api/v1/me"))
        .header("Origin", "https://evil.example")
        .header("Content-Type", "application/json")
        .body("{}")
        .send()
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(f.last_audit().2["reason"], "cross_site");
    let res = c.post(server.url("/api/v1/me")).header("Sec-Fetch-Site", "cross-site").send().unwrap();
    assert_eq!(res.status(), 403);
    // Rocket's `_method` override cannot turn a cross-site form post into a "safe" method.
    let res = c
        .post(server.url("/api/v1/me"))
        .header("Origin", "https://evil.example")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("_method=options")
        .send()
        .unwrap();
    assert_eq!(res.status(), 403);
    // Our own origin (as browsers send it on same-origin posts) passes the check: no route
    // answers POST here, so 404, not 403.
    let res = c
        .post(server.url("/api/v1/me"))
        .header("Origin", format!("https://127.0.0.1:{}", server.port))
        .header("Sec-Fetch-Site", "same-origin")
        .header("Content-Type", "application/json")
        .body("{}")
        .send()
        .unwrap();
    assert_eq!(res.status(), 404);
    // An HTML form can send only form/text content types: API writes refuse them.
    let res = c
        .post(server.url("/api/v1/me"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("a=1")
        .send()
        .unwrap();
    assert_eq!(res.status(), 415);
}

/// A certificate issued by the trusted CA but not for CNS authentication: refused at the
/// request with its own audited reason and an Italian message; `tls.required_policies`
/// decides which policies count, and an empty list checks nothing.
#[test]
fn a_card_without_the_cns_policy_is_refused() {
    let (mut f, provider) = setup();
    let rossi = cf("RSSMRA85T10A562");
    f.add_operator(&rossi, "operatore", Some(provider));
    let now = system_now();
    let cn = ricolloca::infra::pki::cns_common_name(&rossi, 6_120_016_461_039_011);
    let card = |policies: &[&str]| f.card_with(&CnsPerson { policies, ..CnsPerson::valid_now(&cn, now) });
    let none = card(&[]);
    let cie = card(&["1.3.76.47.4"]);
    let both = card(&["1.3.76.47.4", ricolloca::domain::cns::CNS_POLICY]);
    {
        let server = f.start();
        let res = client(&f, Some(&none)).get(server.url("/api/v1/me")).send().unwrap();
        assert_eq!(res.status(), 403);
        let body: Value = res.json().unwrap();
        assert_eq!(body["error"], "certificate_policy");
        let (action, outcome, detail) = f.last_audit();
        assert_eq!((action.as_str(), outcome.as_str()), ("access.denied", "denied"));
        assert_eq!(detail["reason"], "certificate_policy");
        // The person sees why, in Italian, on the HTML page too.
        let res = client(&f, Some(&cie)).get(server.url("/")).send().unwrap();
        assert_eq!(res.status(), 403);
        assert!(res.text().unwrap().contains("Carta Nazionale dei Servizi"));
        assert_eq!(f.last_audit().2["reason"], "certificate_policy");
        // One of the policies is enough, wherever it stands.
        assert_eq!(client(&f, Some(&both)).get(server.url("/api/v1/me")).send().unwrap().status(), 200);
        assert_eq!(client(&f, Some(&f.card(&rossi))).get(server.url("/api/v1/me")).send().unwrap().status(), 200);
    }
    // `ricolloca check` names the cards already seen that a new policy list would refuse.
    f.tls_extra = "required_policies = [\"1.3.76.47.4\"]\n".into();
    f.write_config();
    let out = f.cli(&["check", "--config", f.config.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("tls.required_policies") && text.contains("saranno rifiutati"), "{text}");
    {
        let server = f.start();
        assert_eq!(client(&f, Some(&cie)).get(server.url("/api/v1/me")).send().unwrap().status(), 200);
        assert_eq!(client(&f, Some(&f.card(&rossi))).get(server.url("/api/v1/me")).send().unwrap().status(), 403);
    }
    f.tls_extra = "required_policies = []\n".into();
    f.write_config();
    let server = f.start();
    assert_eq!(client(&f, Some(&none)).get(server.url("/api/v1/me")).send().unwrap().status(), 200);
    // A malformed OID stops start-up naming the key.
    f.tls_extra = "required_policies = [\"CNS\"]\n".into();
    f.write_config();
    let out = f.cli(&["check", "--config", f.config.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && text.contains("tls.required_policies"), "{text}");
}

#[test]
fn audited_reads_open_only_from_our_pages_and_method_overrides_only_from_our_origin() {
    let (f, provider) = setup();
    let rossi = cf("RSSMRA85T10A562");
    f.add_operator(&rossi, "operatore", Some(provider));
    let server = f.start();
    let c = client(&f, Some(&f.card(&rossi)));
    let nav = |site: &str| {
        c.get(server.url("/cruscotto?cerca=x"))
            .header("Sec-Fetch-Site", site)
            .header("Sec-Fetch-Mode", "navigate")
            .header("Sec-Fetch-Dest", "document")
            .send()
            .unwrap()
    };
    // A link followed from another site: a page that says so, no personal data, no row.
    let rows = f.audit_rows();
    let res = nav("cross-site");
    assert_eq!(res.status(), 200);
    let html = res.text().unwrap();
    assert!(html.contains("Collegamento da un altro sito") && html.contains("href=\"/cruscotto?cerca=x\""), "{html}");
    assert!(!html.contains("Cruscotto"), "{html}");
    assert_eq!(f.audit_rows(), rows, "nothing written in the card holder's name");
    // From our own pages, a sibling site, or typed: the page, audited.
    for site in ["same-origin", "same-site", "none"] {
        let res = nav(site);
        assert_eq!(res.status(), 200, "{site}");
        assert!(res.text().unwrap().contains("Cruscotto"), "{site}");
    }
    assert_eq!(f.audit_count("recipient.list"), 3);
    // An <img> from another site: refused.
    let res = c
        .get(server.url("/cruscotto"))
        .header("Sec-Fetch-Site", "cross-site")
        .header("Sec-Fetch-Mode", "no-cors")
        .header("Sec-Fetch-Dest", "image")
        .send()
        .unwrap();
    assert_eq!(res.status(), 403);
    // A cross-site form posting `_method=get` (a navigation to a GET page): refused, audited.
    let res = c
        .post(server.url("/cruscotto"))
        .header("Sec-Fetch-Site", "cross-site")
        .header("Sec-Fetch-Mode", "navigate")
        .header("Sec-Fetch-Dest", "document")
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("_method=get")
        .send()
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(f.last_audit().2["reason"], "cross_site");
    assert_eq!(f.audit_count("recipient.list"), 3);
    // The same from our own origin is honoured (none of our forms needs it, but it is Rocket's).
    let res = c
        .post(server.url("/cruscotto"))
        .header("Sec-Fetch-Site", "same-origin")
        .header("Origin", format!("https://127.0.0.1:{}", server.port))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("_method=get")
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(f.audit_count("recipient.list"), 4);
}

#[test]
fn the_form_token_changes_every_day() {
    use ricolloca::access::form_token;
    let secret = b"0123456789abcdef0123456789abcdef";
    let day = 86_400_000;
    let noon = ricolloca::infra::clock::local_day_start(20_500).plus_ms(day / 2);
    let today = form_token::token(secret, "ab", noon);
    assert_ne!(today, form_token::token(secret, "ab", noon.plus_ms(day)));
    assert_eq!(form_token::check(secret, "ab", &today, noon.plus_ms(day)), form_token::Check::Expired);
}

#[test]
fn the_manual_shows_the_menu_of_the_person_whose_card_is_in_and_stays_public() {
    let (f, provider) = setup();
    let rossi = cf("RSSMRA85T10A562");
    f.add_operator(&rossi, "operatore", Some(provider));
    let server = f.start();
    let card = f.card(&rossi);
    let operator_menu = "href=\"/agenda\"";

    // A picture another site embeds runs no access check: no login in Rossi's name.
    let embedded = client(&f, Some(&card))
        .get(server.url("/manuale/accesso"))
        .header("Sec-Fetch-Site", "cross-site")
        .header("Sec-Fetch-Mode", "no-cors")
        .header("Sec-Fetch-Dest", "image")
        .send()
        .unwrap();
    assert_eq!(embedded.status(), 200);
    assert!(!embedded.text().unwrap().contains(operator_menu));
    assert_eq!(f.audit_count("access.login"), 0);

    // With the card in: the operator's own menu and name on every kind of manual page.
    for path in ["/manuale", "/manuale/accesso", "/manuale/cerca?q=backup", "/manuale/completo"] {
        let res = client(&f, Some(&card)).get(server.url(path)).send().unwrap();
        assert_eq!(res.status(), 200, "{path}");
        let html = res.text().unwrap();
        assert!(html.contains(operator_menu) && html.contains("href=\"/cruscotto\""), "{path}: {html}");
        assert!(html.contains("Mario Rossi"), "{path}");
        assert!(html.contains("href=\"/manuale\" aria-current="), "{path}: the menu marks the manual");
    }
    assert_eq!(f.audit_count("access.login"), 1, "the day's login, once");

    // Without a card: the public menu, as before.
    let anonymous = client(&f, None).get(server.url("/manuale/accesso")).send().unwrap();
    assert_eq!(anonymous.status(), 200);
    let html = anonymous.text().unwrap();
    assert!(html.contains("TLS 1.2") && !html.contains(operator_menu) && !html.contains("user-name"));

    // A card that is refused still reads the manual (the access chapter explains why), with
    // the public menu; each read leaves its refusal row, as anywhere else.
    let unknown = f.card(&cf("VRDGPP75M12G702"));
    for _ in 0..3 {
        let res = client(&f, Some(&unknown)).get(server.url("/manuale/accesso")).send().unwrap();
        assert_eq!(res.status(), 200);
        assert!(!res.text().unwrap().contains(operator_menu));
    }
    assert_eq!(f.audit_count("access.denied"), 3);
    let (action, _, detail) = f.last_audit();
    assert_eq!(
        (action.as_str(), &detail["reason"], &detail["path"]),
        ("access.denied", &"unknown_operator".into(), &"/manuale/accesso".into())
    );
    // Another site's picture with that card writes nothing in its holder's name.
    let embedded = client(&f, Some(&unknown))
        .get(server.url("/manuale/accesso"))
        .header("Sec-Fetch-Site", "cross-site")
        .header("Sec-Fetch-Mode", "no-cors")
        .header("Sec-Fetch-Dest", "image")
        .send()
        .unwrap();
    assert_eq!(embedded.status(), 200);
    assert_eq!(f.audit_count("access.denied"), 3);
}

#[test]
fn a_revoked_card_reading_the_manual_leaves_its_refusal_row_and_log_line() {
    let (mut f, provider) = setup();
    let rossi = cf("RSSMRA85T10A562");
    f.add_operator(&rossi, "operatore", Some(provider));
    let card = f.card(&rossi);
    f.revoked.push(card.serial.clone());
    f.write_config();
    let mut server = common::Server::start_env(&f.config, &[("RUST_LOG", "error,ricolloca::web::request_log=info")]);
    for _ in 0..5 {
        let res = client(&f, Some(&card)).get(server.url("/manuale/accesso")).send().unwrap();
        assert_eq!(res.status(), 200);
        assert!(!res.text().unwrap().contains("href=\"/agenda\""), "read as a visitor");
    }
    let (action, outcome, detail) = f.last_audit();
    assert_eq!((action.as_str(), outcome.as_str()), ("access.denied", "denied"));
    assert_eq!((&detail["reason"], &detail["path"]), (&"certificate_revoked".into(), &"/manuale/accesso".into()));
    assert_eq!(f.audit_count("access.denied"), 5);

    // The request line says why the card was refused (the page itself was served).
    assert!(server.terminate(std::time::Duration::from_secs(10)).is_some_and(|s| s.success()));
    let log = std::fs::read_dir(f.path().join("log"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap_or_default())
        .collect::<String>();
    let lines: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("request") && l.contains("/manuale/accesso") && l.contains("status=200"))
        .collect();
    assert_eq!(lines.len(), 5, "{log}");
    assert!(lines.iter().all(|l| l.contains("refused=") && l.contains("certificate_revoked")), "{log}");
}

//! `ricolloca check` (configuration and certificate files, without starting) and `ricolloca
//! status` (the running server's health over its local socket), and reloading the CRLs and the
//! log level without a restart (SIGHUP and the tecnico's button).
#![allow(clippy::disallowed_methods)] // peeks into the data file: statement caching is for the server
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::{Fixture, cf, client};
use ricolloca::infra::clock::system_now;
use ricolloca::infra::pki::{Ca, KeyKind};

fn out(o: &std::process::Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

#[test]
fn check_passes_a_good_setup_and_names_the_key_of_each_problem() {
    let f = Fixture::new(KeyKind::EcdsaP256);
    let o = f.cli(&["check"]);
    assert!(o.status.success(), "{}", out(&o));
    let text = out(&o);
    assert!(text.contains("`tls.client_ca`: 1 CA nel bundle"), "{text}");
    assert!(text.contains("certificato del server") && text.contains("valido fino al"), "{text}");

    // A key that belongs to another certificate.
    let other = Fixture::new(KeyKind::EcdsaP256);
    std::fs::copy(f.path().join("server.key"), f.path().join("server.key.good")).unwrap();
    std::fs::copy(other.path().join("server.key"), f.path().join("server.key")).unwrap();
    let o = f.cli(&["check"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains("ERRORE  `tls.key`"), "{}", out(&o));
    std::fs::copy(f.path().join("server.key.good"), f.path().join("server.key")).unwrap();

    // An expired CA in the bundle (beside the good one): an error naming tls.client_ca.
    let long_ago = system_now() - time::Duration::days(3700);
    let old = Ca::new("CA scaduta", KeyKind::EcdsaP256, long_ago).unwrap();
    let bundle = format!("{}{}", f.ca.cert_pem, old.cert_pem);
    std::fs::write(f.path().join("ca.pem"), bundle).unwrap();
    let o = f.cli(&["check"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains("ERRORE  `tls.client_ca`") && out(&o).contains("scaduto"), "{}", out(&o));

    // A bad value: one error naming the key.
    let mut g = Fixture::new(KeyKind::EcdsaP256);
    g.extra_config = "[backup]\nevery = \"sempre\"\n".into();
    g.write_config();
    let o = g.cli(&["check"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains("`backup.every`"), "{}", out(&o));
}

#[test]
fn status_answers_locally_while_the_server_runs() {
    let f = Fixture::new(KeyKind::EcdsaP256);
    f.add_provider("Ente", "06363391001", "ACC-1");
    let o = f.cli(&["status"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(out(&o).contains("non risponde"), "{}", out(&o));
    let mut server = f.start();
    let zip = f.path().join("b.zip");
    f.cli_ok(&["backup", "--out", zip.to_str().unwrap()]);
    let text = f.cli_ok(&["status"]);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["database"]["ok"], true);
    assert_eq!(v["database"]["audit_head_seq"], 2);
    assert!(v["disk_free_bytes"].as_u64().unwrap() > 0);
    assert!(v["version"].as_str().unwrap().contains("schema"));
    // The backup the command line just wrote counts as the last one (the trail records it).
    assert_eq!(v["backup"]["last_ok_file"], "b.zip", "{v:#}");
    assert!(v["backup"]["last_ok_at"].as_str().is_some_and(|t| t.starts_with("20")), "{v:#}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(f.path().join("ricolloca.db.sock")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    server.stop();
    assert_eq!(f.cli(&["status"]).status.code(), Some(1));
}

/// Waits until `check` holds, for changes a signal makes asynchronously.
fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while !check() {
        assert!(std::time::Instant::now() < deadline, "timed out waiting: {what}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[test]
fn sighup_and_the_tecnico_button_reload_crls_and_log_level_audited() {
    let mut f = Fixture::new(KeyKind::EcdsaP256);
    let (tecnico, operatore) = (cf("NRELGU70A01D612"), cf("BNCLCU80A01D612"));
    f.add_operator(&tecnico, "tecnico", None);
    let provider = f.add_provider("Ente", "06363391001", "ACC-1");
    f.add_operator(&operatore, "operatore", Some(provider));
    let regione = cf("RSSMRA80A01D612");
    f.add_operator(&regione, "regione", None);
    let card = f.card(&operatore);
    f.revoked.push(vec![0x42]);
    f.write_config();
    let server = f.start();
    let tech = client(&f, Some(&f.card(&tecnico)));
    let op = client(&f, Some(&card));
    let me = |c: &reqwest::blocking::Client| c.get(server.url("/api/v1/me")).send().unwrap().status().as_u16();
    assert_eq!(me(&op), 200);
    let page = tech.get(server.url("/tecnico/sistema")).send().unwrap().text().unwrap();
    assert!(page.contains("Livello di log") && page.contains("<code>info</code>"), "{page}");

    // The card is revoked on a new CRL and the level changed in the file; SIGHUP applies both
    // at once (the file watch reloads only the CRLs).
    f.revoked.push(card.serial.clone());
    f.extra_config = "[log]\nlevel = \"debug\"\n".into();
    f.write_config();
    let before = f.audit_count("config.reload");
    let status = std::process::Command::new("kill").args(["-HUP", &server.pid().to_string()]).status().unwrap();
    assert!(status.success());
    eventually("the revoked card refused after SIGHUP", || me(&op) == 403);
    assert_eq!(f.audit_count("config.reload"), before + 1);
    let detail: serde_json::Value = f
        .db()
        .query_row("SELECT detail FROM audit_log WHERE action = 'config.reload' ORDER BY seq DESC LIMIT 1", [], |r| {
            r.get::<_, String>(0)
        })
        .map(|d| serde_json::from_str(&d).unwrap())
        .unwrap();
    assert_eq!(detail["trigger"], "sighup");
    assert_eq!(detail["log_level"], "debug");
    assert_eq!(detail["crls"], 1);
    let page = tech.get(server.url("/tecnico/sistema")).send().unwrap().text().unwrap();
    assert!(page.contains("<code>debug</code>"), "{page}");

    // A broken file: the button says why, the level in force stays, the reload is audited.
    f.extra_config = "[log]\nlevel = \"chiacchierone[\"\n".into();
    f.write_config();
    let html = tech.get(server.url("/tecnico/sistema")).send().unwrap().text().unwrap();
    let at = html.find("name=\"_token\" value=\"").unwrap();
    let token = html[at + 21..].split('"').next().unwrap().to_owned();
    let res = tech
        .post(server.url("/tecnico/sistema/ricarica"))
        .header("Origin", format!("https://127.0.0.1:{}", server.port))
        .form(&[("_token", token.as_str())])
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);
    let page = res.text().unwrap();
    assert!(page.contains("Configurazione non riletta") && page.contains("log.level"), "{page}");
    assert!(page.contains("<code>debug</code>"), "the old level stays: {page}");
    let (action, _, detail) = f.last_audit();
    assert_eq!(action, "config.reload");
    assert_eq!(detail["trigger"], "schermata");
    assert!(detail["log_level_error"].as_str().unwrap().contains("log.level"), "{detail}");

    // Not for other roles.
    let region = client(&f, Some(&f.card(&regione)));
    assert_eq!(region.get(server.url("/tecnico/sistema")).send().unwrap().status(), 403);
}

#[test]
fn a_card_revoked_in_a_changed_crl_file_is_refused_within_seconds_and_the_crl_age_shows() {
    let mut f = Fixture::new(KeyKind::EcdsaP256);
    let p = f.add_provider("Ente", "06363391001", "ACC-1");
    let operatore = cf("BNCMRA80A41D612");
    f.add_operator(&operatore, "operatore", Some(p));
    let tecnico = cf("VRDLGU70A01H501");
    f.add_operator(&tecnico, "tecnico", None);
    let card = f.card(&operatore);
    f.revoked.push(vec![0x42]);
    f.write_config();
    let server = f.start();
    let op = client(&f, Some(&card));
    let me = || op.get(server.url("/api/v1/me")).send().unwrap().status().as_u16();
    assert_eq!(me(), 200);
    let page = client(&f, Some(&f.card(&tecnico))).get(server.url("/tecnico/sistema")).send().unwrap().text().unwrap();
    assert!(page.contains("Emessa il (età)") && page.contains("(1 ora fa)"), "{page}");
    // A new CRL naming the card replaces the file; no signal, no button.
    f.revoked.push(card.serial.clone());
    f.write_config();
    let changed = std::time::Instant::now();
    while me() != 403 {
        assert!(changed.elapsed() < std::time::Duration::from_secs(6), "still 200 after 6 s");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    eprintln!("revocation in force {:?} after the CRL file changed", changed.elapsed());
}

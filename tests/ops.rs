//! `ricolloca check` (configuration and certificate files, without starting) and `ricolloca
//! status` (the running server's health over its local socket).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::Fixture;
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
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(f.path().join("ricolloca.db.sock")).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    server.stop();
    assert_eq!(f.cli(&["status"]).status.code(), Some(1));
}

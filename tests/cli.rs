//! The command line: configuration errors, bootstrap commands, audit verify, and two writer
//! processes (server and CLI) never forking the chain.
#![allow(clippy::disallowed_methods)] // peeks into the data file: statement caching is for the server
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::process::Command;

use common::{BIN, Fixture, cf, client};
use ricolloca::infra::pki::KeyKind;

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn bad_configuration_stops_start_up_naming_the_key() {
    let mut f = Fixture::new(KeyKind::EcdsaP256);
    f.extra_config = "colour = \"blu\"".into();
    f.write_config();
    let out = f.cli(&["serve"]);
    assert_eq!(out.status.code(), Some(1));
    let e = stderr(&out);
    assert!(e.contains("`colour`") && e.contains("sconosciuta"), "{e}");
    assert_eq!(e.lines().count(), 1, "one line: {e}");

    f.extra_config = String::new();
    f.write_config();
    // Environment overrides, nested with __, are checked the same way.
    let out = Command::new(BIN)
        .args(["serve"])
        .env("RICOLLOCA_CONFIG", &f.config)
        .env("RICOLLOCA_INACTIVITY_DAYS", "molti")
        .output()
        .unwrap();
    assert!(stderr(&out).contains("`inactivity_days`"), "{}", stderr(&out));
    let out = Command::new(BIN)
        .args(["serve"])
        .env("RICOLLOCA_CONFIG", &f.config)
        .env("RICOLLOCA_TLS__CERT", "/nonexistent.pem")
        .output()
        .unwrap();
    assert!(stderr(&out).contains("`tls.cert`"), "{}", stderr(&out));

    // A CRL setting that points at something that is not a CRL: never "nothing revoked".
    std::fs::write(f.path().join("not-a-crl.pem"), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")
        .unwrap();
    f.tls_extra = format!("crl = \"{}\"\n", f.path().join("not-a-crl.pem").display());
    f.write_config();
    let out = f.cli(&["serve"]);
    assert!(stderr(&out).contains("`tls.crl`"), "{}", stderr(&out));
    f.tls_extra = String::new();
    f.write_config();

    // A key that does not belong to the certificate.
    let other = Fixture::new(KeyKind::EcdsaP256);
    std::fs::copy(other.path().join("server.key"), f.path().join("server.key")).unwrap();
    let out = f.cli(&["serve"]);
    assert!(stderr(&out).contains("`tls.key`"), "{}", stderr(&out));
}

#[test]
fn without_a_configuration_the_commands_say_how_to_give_one() {
    for args in [&["check"][..], &["status"], &["audit", "verify"]] {
        let mut cmd = Command::new(BIN);
        cmd.args(args);
        for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("RICOLLOCA_")) {
            cmd.env_remove(key);
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        // `check` lists its findings on stdout; the others say it in one line on stderr.
        let e = format!("{}{}", String::from_utf8_lossy(&out.stdout), stderr(&out));
        assert!(e.contains("`data`") && e.contains("--config") && e.contains("RICOLLOCA_CONFIG"), "{args:?}: {e}");
    }
}

#[test]
fn operator_add_validates_and_never_reuses_a_codice_fiscale() {
    let f = Fixture::new(KeyKind::EcdsaP256);
    let p = f.add_provider("Ente", "06363391001", "ACC-1");
    let p = p.to_string();
    let base = |cf: &str, role: &str, email: &str| {
        let mut a = vec![
            "operator".to_owned(),
            "add".into(),
            "--cf".into(),
            cf.into(),
            "--surname".into(),
            "Rossi".into(),
            "--name".into(),
            "Mario".into(),
            "--email".into(),
            email.into(),
            "--role".into(),
            role.into(),
            "--role-title".into(),
            "tutor".into(),
        ];
        if role == "operatore" {
            a.extend(["--provider".into(), p.clone()]);
        }
        a
    };
    let run = |args: Vec<String>| {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        f.cli(&args)
    };
    let out = run(base("RSSMRA85T10A562T", "operatore", "a@b.it"));
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--cf") && stderr(&out).contains("controllo"), "{}", stderr(&out));
    let out = run(base("RSSMRA85T10A562S", "operatore", "non-una-email"));
    assert!(stderr(&out).contains("--email"), "{}", stderr(&out));
    let out = run(base("RSSMRA85T10A562S", "capo", "a@b.it"));
    assert!(stderr(&out).contains("--role"), "{}", stderr(&out));
    let mut no_provider = base("RSSMRA85T10A562S", "regione", "a@b.it");
    no_provider[11] = "operatore".into();
    assert!(stderr(&run(no_provider)).contains("--provider"));
    // The "ruolo ricoperto" is required (Allegato 4): blank or missing, refused.
    let mut blank_title = base("RSSMRA85T10A562S", "operatore", "a@b.it");
    blank_title[13] = "  ".into();
    let out = run(blank_title);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--role-title") && stderr(&out).contains("obbligatorio"), "{}", stderr(&out));
    let mut no_title = base("RSSMRA85T10A562S", "operatore", "a@b.it");
    no_title.drain(12..14);
    let out = run(no_title);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--role-title"), "{}", stderr(&out));
    let rows_before = f.audit_rows();
    assert!(run(base("rssmra85t10a562s", "operatore", "a@b.it")).status.success());
    assert_eq!(f.audit_rows(), rows_before + 1);
    assert_eq!(f.last_audit().0, "operator.create");
    // Same codice fiscale again, even for another role: refused, nothing written.
    let out = run(base("RSSMRA85T10A562S", "regione", "c@d.it"));
    assert!(stderr(&out).contains("riassegnato"), "{}", stderr(&out));
    assert_eq!(f.audit_rows(), rows_before + 1);
}

#[test]
fn audit_verify_reports_intact_after_traffic_and_names_a_tampered_row() {
    let f = Fixture::new(KeyKind::EcdsaP256);
    let p = f.add_provider("Ente", "06363391001", "ACC-1");
    let rossi = cf("RSSMRA85T10A562");
    f.add_operator(&rossi, "operatore", Some(p));
    let server = f.start();
    let good = client(&f, Some(&f.card(&rossi)));
    let stranger = client(&f, Some(&f.card(&cf("VRDGPP75M12G702"))));
    for _ in 0..5 {
        assert_eq!(good.get(server.url("/api/v1/me")).send().unwrap().status(), 200);
        assert_eq!(stranger.get(server.url("/api/v1/me")).send().unwrap().status(), 403);
    }
    // provider.create + operator.create + 1 login + 5 denials.
    let rows = f.audit_rows();
    assert_eq!(rows, 8);
    let out = f.cli_ok(&["audit", "verify"]);
    assert!(out.contains(&format!("intact up to {rows}")), "{out}");

    // An attacker with the file: drop the guard trigger and edit row 4.
    let db = f.db();
    db.execute_batch("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET outcome = 'ok' WHERE seq = 4;").unwrap();
    let out = f.cli(&["audit", "verify"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("seq 4") && stderr(&out).contains("edited"), "{}", stderr(&out));
    // The trigger stops honest mistakes.
    let db2 = Fixture::new(KeyKind::EcdsaP256);
    db2.add_provider("Ente", "06363391001", "ACC-1");
    let e = db2.db().execute("DELETE FROM audit_log", []).unwrap_err().to_string();
    assert!(e.contains("append-only"), "{e}");

    // Verifying a copy works without a configuration.
    let copy = f.path().join("copia.db");
    db.execute("VACUUM INTO ?1", [copy.to_str().unwrap()]).unwrap();
    let out = Command::new(BIN).args(["audit", "verify", "--data"]).arg(&copy).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn cli_writes_beside_a_live_server_never_fork_the_chain() {
    let f = Fixture::new(KeyKind::EcdsaP256);
    let p = f.add_provider("Ente", "06363391001", "ACC-1");
    let server = f.start();
    // Many people log in (one write each) while the CLI enables others (one write each).
    let bodies: Vec<String> = (0..12).map(|i| format!("RSSMRA85T{:02}A562", 10 + i)).collect();
    let people: Vec<String> = bodies.iter().map(|b| cf(b)).collect();
    for person in people.iter().take(6) {
        f.add_operator(person, "operatore", Some(p));
    }
    let cards: Vec<_> = people.iter().take(6).map(|c| f.card(c)).collect();
    // Every person in their own thread, so that the server's writer batches jobs (group
    // commit) while the CLI process takes the same write lock in between.
    std::thread::scope(|s| {
        for card in &cards {
            let (f, server) = (&f, &server);
            s.spawn(move || {
                let c = client(f, Some(card));
                for _ in 0..3 {
                    assert_eq!(c.get(server.url("/api/v1/me")).send().unwrap().status(), 200);
                }
            });
        }
        for person in people.iter().skip(9) {
            let (f, server) = (&f, &server);
            s.spawn(move || {
                let c = client(f, Some(&f.card(person)));
                assert_eq!(c.get(server.url("/")).send().unwrap().status(), 403);
            });
        }
        s.spawn(|| {
            for person in people.iter().skip(6).take(3) {
                f.add_operator(person, "operatore", Some(p));
            }
        });
    });
    let out = f.cli_ok(&["audit", "verify"]);
    // 1 provider + 9 operators + 6 logins + 3 denials.
    assert!(out.contains("intact up to 19"), "{out}");
}

#[test]
fn code_lists_can_be_updated_from_a_file() {
    let f = Fixture::new(KeyKind::EcdsaP256);
    f.add_provider("Ente", "06363391001", "ACC-1");
    let file = f.path().join("codici.csv");
    std::fs::write(
        &file,
        "lista;codice;descrizione\ntipo_attivita;A06;Colloquio di orientamento\ntipo_attivita;Z99;Nuova attività\n",
    )
    .unwrap();
    let out = f.cli_ok(&["import", "codes", file.to_str().unwrap()]);
    assert!(out.contains("2 codici"), "{out}");
    let label: String = f
        .db()
        .query_row("SELECT label FROM code_list WHERE list = 'tipo_attivita' AND code = 'A06'", [], |r| r.get(0))
        .unwrap();
    assert_eq!(label, "Colloquio di orientamento");
    assert_eq!(f.audit_count("codes.import"), 1);
}

#[test]
fn signed_checkpoints_expose_a_rechained_or_truncated_tail() {
    use ricolloca::infra::audit::{AuditRow, chain_hash};
    let f = Fixture::new(KeyKind::EcdsaP256);
    let p = f.add_provider("Ente", "06363391001", "ACC-1");
    let rossi = cf("RSSMRA85T10A562");
    f.add_operator(&rossi, "operatore", Some(p));
    {
        let server = f.start();
        let c = client(&f, Some(&f.card(&cf("VRDGPP75M12G702"))));
        for _ in 0..4 {
            assert_eq!(c.get(server.url("/api/v1/me")).send().unwrap().status(), 403);
        }
    }
    let out = f.cli_ok(&["audit", "checkpoint"]);
    assert!(out.contains("checkpoint firmato alla riga"), "{out}");
    let ok = f.cli_ok(&["audit", "verify"]);
    assert!(ok.contains("checkpoint firmati verificati"), "{ok}");
    let pubkey = f.path().join("pubkey.hex");
    std::fs::write(&pubkey, f.cli_ok(&["audit", "pubkey"])).unwrap();
    let checkpoints = f.path().join("audit-checkpoints.txt");
    assert!(std::fs::read_to_string(&checkpoints).unwrap().lines().count() >= 1);

    let verify_copy = |copy: &std::path::Path| {
        Command::new(BIN)
            .args(["audit", "verify", "--data"])
            .arg(copy)
            .arg("--checkpoints")
            .arg(&checkpoints)
            .arg("--pubkey")
            .arg(&pubkey)
            .output()
            .unwrap()
    };
    let copy_of = |name: &str| {
        let copy = f.path().join(name);
        f.db().execute("VACUUM INTO ?1", [copy.to_str().unwrap()]).unwrap();
        let db = rusqlite::Connection::open(&copy).unwrap();
        db.execute_batch("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;").unwrap();
        (copy, db)
    };

    // No false alarm on an untouched copy.
    let (clean, _) = copy_of("clean.db");
    let out = verify_copy(&clean);
    assert!(out.status.success(), "{}", stderr(&out));

    // Re-chained: the last row edited and its hash recomputed (the chain alone looks intact),
    // the checkpoints in the data file deleted; the checkpoint file still knows the truth.
    let (rechained, db) = copy_of("rechained.db");
    let (seq, prev): (i64, Vec<u8>) = db
        .query_row("SELECT seq, prev_hash FROM audit_log ORDER BY seq DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    let row: AuditRow = db
        .query_row(
            "SELECT seq, ts, actor_id, actor_cf, actor_role, provider_id, cert_sha256, client_ip, action, object, outcome, detail
             FROM audit_log WHERE seq = ?1",
            [seq],
            |r| {
                Ok(AuditRow {
                    seq: r.get(0)?,
                    ts_ms: r.get(1)?,
                    actor_id: r.get(2)?,
                    actor_cf: r.get(3)?,
                    actor_role: r.get(4)?,
                    provider_id: r.get(5)?,
                    cert_sha256: r.get(6)?,
                    client_ip: r.get(7)?,
                    action: r.get(8)?,
                    object: r.get(9)?,
                    outcome: "ok".into(),
                    detail: r.get(11)?,
                })
            },
        )
        .unwrap();
    let forged = chain_hash(&prev.try_into().unwrap(), &row);
    db.execute(
        "UPDATE audit_log SET outcome = 'ok', hash = ?2 WHERE seq = ?1",
        rusqlite::params![seq, forged.as_slice()],
    )
    .unwrap();
    db.execute("DELETE FROM audit_checkpoint", []).unwrap();
    assert!(
        Command::new(BIN).args(["audit", "verify", "--data"]).arg(&rechained).output().unwrap().status.success(),
        "the forged chain alone verifies: that is why checkpoints exist"
    );
    let out = verify_copy(&rechained);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("re-chained"), "{}", stderr(&out));

    // Truncated: the last rows removed after the checkpoint was signed.
    let (truncated, db) = copy_of("truncated.db");
    db.execute("DELETE FROM audit_log WHERE seq > (SELECT max(seq) - 2 FROM audit_log)", []).unwrap();
    db.execute("DELETE FROM audit_checkpoint", []).unwrap();
    let out = verify_copy(&truncated);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("truncated tail"), "{}", stderr(&out));

    // A checkpoint signed by another key is refused.
    let other = f.path().join("other.hex");
    std::fs::write(&other, "00".repeat(32)).unwrap();
    let out =
        Command::new(BIN).args(["audit", "verify", "--data"]).arg(&clean).arg("--pubkey").arg(&other).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("not signed by the trusted key"), "{}", stderr(&out));
}

/// Every help text of the real binary, and its parse errors, are in Italian: none of clap's
/// own English words remains (headings, flags, the `help` command, error sentences).
#[test]
fn help_and_usage_errors_are_in_italian() {
    const ENGLISH: [&str; 14] = [
        "Usage:",
        "Options:",
        "Commands:",
        "Arguments:",
        "Print help",
        "Print version",
        "[OPTIONS]",
        "<COMMAND>",
        "[default:",
        "[env:",
        "error:",
        "For more information",
        "unexpected argument",
        "tip:",
    ];
    let run = |args: &[&str]| {
        let out = Command::new(BIN).args(args).env_remove("RICOLLOCA_CONFIG").output().unwrap();
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        for english in ENGLISH {
            assert!(!text.contains(english), "{args:?} shows «{english}»:\n{text}");
        }
        (out.status.code(), text)
    };
    let commands: &[&[&str]] = &[
        &[],
        &["serve"],
        &["demo"],
        &["operator"],
        &["operator", "add"],
        &["provider", "add"],
        &["import"],
        &["import", "codes"],
        &["import", "sap"],
        &["import", "csv"],
        &["backup"],
        &["backup-key"],
        &["restore"],
        &["check"],
        &["status"],
        &["manual"],
        &["audit"],
        &["audit", "verify"],
        &["audit", "checkpoint"],
        &["audit", "prune"],
        &["audit", "pubkey"],
        &["export", "idol"],
    ];
    for path in commands {
        let mut with_flag = path.to_vec();
        with_flag.push("--help");
        let (code, text) = run(&with_flag);
        assert_eq!(code, Some(0), "{with_flag:?}: {text}");
        assert!(text.contains("Uso: ricolloca") && text.contains("Mostra questo aiuto"), "{with_flag:?}: {text}");
        let mut via_help = vec!["help"];
        via_help.extend_from_slice(path);
        let (code, same) = run(&via_help);
        assert_eq!(code, Some(0), "{via_help:?}: {same}");
        assert_eq!(same.trim_end(), text.trim_end(), "{via_help:?} and {with_flag:?} differ");
    }
    let (_, root) = run(&["-h"]);
    assert!(root.contains("Comandi:") && root.contains("Opzioni:") && root.contains("Mostra la versione"), "{root}");
    let (code, version) = run(&["--version"]);
    assert_eq!(code, Some(0));
    assert!(version.starts_with("ricolloca "), "{version}");

    // Mistakes: exit 2, an Italian sentence naming what was wrong, the usage, where help is.
    let (code, text) = run(&["serve", "--fuori"]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("argomento non previsto: --fuori") && text.contains("Uso: ricolloca serve"), "{text}");
    let (code, text) = run(&["backup"]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("manca un argomento obbligatorio: --out"), "{text}");
    let (code, text) = run(&["demo", "--listen", "dove"]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("valore non valido per --listen"), "{text}");
    let (code, text) = run(&["fai-tutto"]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("comando sconosciuto: fai-tutto"), "{text}");
    let (code, text) = run(&["help", "fai-tutto"]);
    assert_eq!(code, Some(2), "{text}");
    assert!(text.contains("comando sconosciuto: fai-tutto"), "{text}");
    let (code, _) = run(&[]);
    assert_eq!(code, Some(2), "no command: the help, and a non-zero exit");
}

/// `demo --help-cards` prints the instructions of the instance already made, without serving;
/// with no instance it says how to make one.
#[test]
fn demo_help_cards_reprints_the_instructions() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("nessuna");
    let out = Command::new(BIN).args(["demo", "--help-cards", "--dir"]).arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("ricolloca demo --dir"), "{}", stderr(&out));
    assert!(!dir.exists(), "nothing created");
}

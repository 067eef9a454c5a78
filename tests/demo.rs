//! The training instance: `demo --reset` puts the data back for the next class, keeps the
//! cards people imported, and is refused while the instance runs.
#![allow(clippy::disallowed_methods)] // peeks into the data file: statement caching is for the server
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_ricolloca");

/// Starts `demo` and waits until it listens.
fn demo(dir: &Path, reset: bool) -> Child {
    let mut cmd = Command::new(BIN);
    cmd.args(["demo", "--listen", "127.0.0.1:0", "--dir"]).arg(dir).env("RUST_LOG", "error");
    if reset {
        cmd.arg("--reset");
    }
    let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut listening = false;
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            listening |= line.contains("in ascolto su");
            // The instructions come last, after the listening line, so they stay on screen.
            if line.contains("Certificati (.p12") {
                assert!(listening, "the instructions came before the listening line");
            }
            if line.contains("demo --help-cards") {
                let _ = tx.send(());
            }
        }
    });
    if rx.recv_timeout(Duration::from_secs(90)).is_err() {
        let _ = child.kill();
        panic!("demo did not start, or did not print its instructions after the listening line");
    }
    child
}

fn count(dir: &Path, sql: &str) -> i64 {
    rusqlite::Connection::open(dir.join("ricolloca.db")).unwrap().query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn reset_restores_the_training_data_and_keeps_the_cards() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("formazione");
    let mut first = demo(&dir, false);
    let card = std::fs::read(dir.join("persone").join("operatore-mario-rossi.p12")).unwrap();
    let operators = count(&dir, "SELECT count(*) FROM operator");
    // The instructions again, without starting anything.
    let out = Command::new(BIN).args(["demo", "--help-cards", "--dir"]).arg(&dir).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("operatore-mario-rossi.p12") && text.contains("\"formazione\""), "{text}");
    assert!(text.contains("certutil -A") && text.contains("Backup: qui non sono cifrati"), "{text}");
    // Refused while it runs: nothing touched.
    let out =
        Command::new(BIN).args(["demo", "--reset", "--listen", "127.0.0.1:0", "--dir"]).arg(&dir).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("in uso"), "{}", String::from_utf8_lossy(&out.stderr));
    first.kill().unwrap();
    first.wait().unwrap();

    // A class adds someone; the reset takes the data back to the start.
    let config = dir.join("ricolloca.toml");
    let body = "NRILCU70A01H501";
    let cf = format!("{body}{}", char::from(ricolloca::domain::codice_fiscale::check_letter(body.as_bytes())));
    let out = Command::new(BIN)
        .args(["operator", "add", "--cf", &cf, "--surname", "Verdi", "--name", "Giuseppe"])
        .args(["--email", "g.verdi@example.it", "--role", "regione", "--role-title", "Settore Lavoro", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(count(&dir, "SELECT count(*) FROM operator"), operators + 1);
    let mut again = demo(&dir, true);
    assert_eq!(count(&dir, "SELECT count(*) FROM operator"), operators);
    assert_eq!(std::fs::read(dir.join("persone").join("operatore-mario-rossi.p12")).unwrap(), card);
    again.kill().unwrap();
    again.wait().unwrap();
}

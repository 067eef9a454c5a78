//! The identificativo politica is issued once: backup, action, restore, action gives two
//! different identificativi (the high-water mark outside the data file), a kill -9 skips the
//! reserved block and concurrent actions get distinct numbers, a configured range
//! that runs out refuses the next action and then the start-up, and the provider's codice ente
//! promotore goes into the check letter.
#![allow(clippy::disallowed_methods)] // peeks into the data file: statement caching is for the server
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use common::{Fixture, cf, client};
use reqwest::blocking::Client;
use ricolloca::domain::identificativo;
use ricolloca::infra::pki::KeyKind;
use serde_json::{Value, json};

const PIVA: &str = "06363391001";

fn day(offset: i64) -> String {
    let now = ricolloca::infra::clock::system_now();
    let d = ricolloca::infra::clock::local_date(ricolloca::domain::timestamp::Timestamp::from_ms(
        now.unix_timestamp() * 1000,
    )) + time::Duration::days(offset);
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

fn italian(offset: i64) -> String {
    let iso = day(offset);
    format!("{}/{}/{}", &iso[8..10], &iso[5..7], &iso[..4])
}

struct World {
    f: Fixture,
    server: common::Server,
    operator: Client,
    operator_cf: String,
    person: i64,
}

fn world(extra_config: &str) -> World {
    let mut f = Fixture::new(KeyKind::EcdsaP256);
    f.extra_config = extra_config.into();
    f.write_config();
    let provider = f.add_provider("Lavoro Futuro", PIVA, "ACC-A");
    let operator_cf = cf("RSSMRA85T10A562");
    f.add_operator(&operator_cf, "operatore", Some(provider));
    let region_cf = cf("BNCMRA80A41D612");
    f.add_operator(&region_cf, "regione", None);
    let server = f.start();
    let region = client(&f, Some(&f.card(&region_cf)));
    let person_cf = cf("BRNLRA80B41D612");
    let csv = format!(
        "codice_fiscale;cognome;nome;data_nascita;sesso;codice_assegno;data_rilascio;cpi;fascia_profilazione;ente;data_scelta\n\
         {person_cf};Bruni;Laura;01/02/1980;F;ADR-1;{};CPI-FI;3;{PIVA};{}",
        italian(-30),
        italian(-20)
    );
    let res = region
        .post(server.url("/api/v1/import/assignments"))
        .header("Content-Type", "text/csv")
        .body(csv)
        .send()
        .unwrap();
    assert_eq!(res.status(), 200);
    let person =
        f.db().query_row("SELECT id FROM recipient WHERE codice_fiscale = ?1", [&person_cf], |r| r.get(0)).unwrap();
    let operator = client(&f, Some(&f.card(&operator_cf)));
    World { f, server, operator, operator_cf, person }
}

impl World {
    /// Records an A06 colloquio proposed `offset` days ago; returns the response.
    fn action(&self, offset: i64) -> reqwest::blocking::Response {
        let body = json!({ "tipo_attivita": "A06", "data_proposta": day(offset), "evento": "01", "data_evento": day(offset),
                           "dettagli": { "modalita": "individuale", "ore": 1, "operatore_cf": self.operator_cf } });
        self.operator
            .post(self.server.url(&format!("/api/v1/recipients/{}/actions", self.person)))
            .json(&body)
            .send()
            .unwrap()
    }
    fn identificativo(&self, offset: i64) -> String {
        let res = self.action(offset);
        assert_eq!(res.status(), 201);
        let v: Value = res.json().unwrap();
        v["identificativo_politica"].as_str().unwrap().to_owned()
    }
    /// The high-water file beside the data file.
    fn high_water(&self) -> u32 {
        let text = std::fs::read_to_string(self.f.path().join("identificativo-politica.txt")).unwrap();
        u32::from_str_radix(text.trim(), 16).unwrap()
    }
    fn restart(&mut self) {
        self.server.stop();
        self.server = self.f.start();
        self.operator = client(&self.f, Some(&self.f.card(&self.operator_cf)));
    }
}

#[test]
fn backup_action_restore_action_gives_two_different_identificativi() {
    let mut w = world("");
    let first = w.identificativo(-5);
    let zip = w.f.path().join("backup.zip");
    w.f.cli_ok(&["backup", "--out", zip.to_str().unwrap()]);
    let second = w.identificativo(-4);
    // The high-water file beside the data file holds the end of the reserved block, and after
    // a clean stop the last number issued.
    assert_eq!(w.high_water(), hex(&first) + identificativo_block() - 1, "one block reserved");
    assert!(w.server.terminate(std::time::Duration::from_secs(20)).is_some_and(|s| s.success()));
    assert_eq!(w.high_water(), hex(&second), "the unused rest given back at the stop");
    let out = w.f.cli_ok(&["restore", "--from", zip.to_str().unwrap()]);
    // `restore` says where the numbers stand and that none will be issued again.
    assert!(out.contains("identificativo politica") && out.contains(&second[2..10]), "{out}");
    assert!(out.contains("nessun numero già rilasciato sarà riassegnato"), "{out}");
    let in_backup: i64 =
        w.f.db()
            .query_row("SELECT value FROM counter WHERE name = 'identificativo_politica'", [], |r| r.get(0))
            .unwrap();
    assert_eq!(format!("{in_backup:08X}"), &first[2..10], "the restored data file is behind");

    w.restart();
    let third = w.identificativo(-4);
    assert_ne!(third, second, "the same proposal date and type: only the sequence tells them apart");
    assert_eq!(hex(&third), hex(&second) + 1);
    // The move of the counter is on the trail.
    assert_eq!(w.f.audit_count("identificativo.resync"), 1);
    // Every identificativo carries the provider's codice ente promotore in its check letter.
    for (id, offset) in [(&first, -5), (&third, -4)] {
        assert!(identificativo::matches(id, PIVA, "A06", &day(offset)), "{id}");
    }
}

/// The 8-hex-digit sequence number of an identificativo.
fn hex(id: &str) -> u32 {
    u32::from_str_radix(&id[2..10], 16).unwrap()
}

fn identificativo_block() -> u32 {
    ricolloca::service::identificativo::BLOCK
}

#[test]
fn a_crash_skips_the_reserved_block_and_concurrent_actions_get_distinct_numbers() {
    let mut w = world("");
    let first = hex(&w.identificativo(-5));
    let block_end = first + identificativo_block() - 1;
    assert_eq!(w.high_water(), block_end);

    // 48 actions at once, from 8 threads: every number different, handed out in turn from the
    // reserved block (the high-water file is not written again).
    let ids: Vec<String> = std::thread::scope(|s| {
        let workers: Vec<_> =
            (0..8).map(|_| s.spawn(|| (0..6).map(|_| w.identificativo(-4)).collect::<Vec<_>>())).collect();
        workers.into_iter().flat_map(|t| t.join().unwrap()).collect()
    });
    let mut numbers: Vec<u32> = ids.iter().map(|id| hex(id)).collect();
    numbers.sort_unstable();
    numbers.dedup();
    assert_eq!(numbers.len(), 48, "{ids:?}");
    assert_eq!(numbers, (first + 1..=first + 48).collect::<Vec<_>>(), "handed out in turn from memory");
    assert_eq!(w.high_water(), block_end, "no new reservation inside the block");

    // kill -9: nothing gives the block back; the next start goes on above it, on the trail.
    w.server.kill9();
    w.restart();
    let after_crash = hex(&w.identificativo(-3));
    assert_eq!(after_crash, block_end + 1, "the unused rest of the block is skipped, never reused");
    assert_eq!(w.f.audit_count("identificativo.resync"), 1);
    let in_data: i64 = w
        .f
        .db()
        .query_row("SELECT count(DISTINCT identificativo_politica) FROM policy WHERE origin = 'provider'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(in_data, 50, "every action its own identificativo");

    // A clean stop gives the rest back: the next start goes on from the last one, quietly.
    assert!(w.server.terminate(std::time::Duration::from_secs(20)).is_some_and(|s| s.success()));
    assert_eq!(w.high_water(), after_crash);
    w.restart();
    assert_eq!(hex(&w.identificativo(-3)), after_crash + 1);
    assert_eq!(w.f.audit_count("identificativo.resync"), 1, "no resync after a clean stop");
}

#[test]
fn a_range_that_runs_out() {
    let mut w = world("[identificativo]\nrange_start = \"0000A0FE\"\nrange_end = \"0000a0ff\"\n");
    assert_eq!(&w.identificativo(-3)[..10], "170000A0FE");
    assert_eq!(&w.identificativo(-3)[..10], "170000A0FF");
    let res = w.action(-3);
    assert_eq!(res.status(), 422);
    let body: Value = res.json().unwrap();
    assert!(body.to_string().contains("esauriti"), "{body}");
    let actions: i64 =
        w.f.db().query_row("SELECT count(*) FROM policy WHERE origin = 'provider'", [], |r| r.get(0)).unwrap();
    assert_eq!(actions, 2, "nothing stored for the refused one");

    // The technician sees it on the system screen.
    let tecnico_cf = cf("TCNMRA80A01D612");
    w.f.add_operator(&tecnico_cf, "tecnico", None);
    let tecnico = client(&w.f, Some(&w.f.card(&tecnico_cf)));
    let html = tecnico.get(w.server.url("/tecnico/sistema")).send().unwrap().text().unwrap();
    assert!(html.contains("0000A0FE") && html.contains("0000A0FF") && html.contains("<strong>0</strong>"), "{html}");

    // Start-up refuses an exhausted range, naming the key.
    w.server.stop();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ricolloca"))
        .args(["serve", "--config", w.f.config.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("identificativo.range_end") && stderr.contains("esaurito"), "{stderr}");

    // A new range from the Region: numbers go on from there.
    w.f.extra_config = "[identificativo]\nrange_start = \"0000B000\"\nrange_end = \"0000BFFF\"\n".into();
    w.f.write_config();
    w.restart();
    assert_eq!(&w.identificativo(-2)[..10], "170000B000");

    // A range below numbers already issued is as good as used up.
    w.server.stop();
    w.f.extra_config = "[identificativo]\nrange_start = \"00000001\"\nrange_end = \"00000FFF\"\n".into();
    w.f.write_config();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ricolloca"))
        .args(["serve", "--config", w.f.config.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    // And a malformed one names its key.
    w.f.extra_config = "[identificativo]\nrange_start = \"1\"\n".into();
    w.f.write_config();
    let out = w.f.cli(&["check"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("identificativo.range_start"), "{out:?}");
}

#[test]
fn the_codice_ente_promotore_is_set_by_the_region_and_used() {
    let w = world("");
    let region_cf = cf("BNCMRA80A41D612");
    let region = client(&w.f, Some(&w.f.card(&region_cf)));
    // By default the partita IVA; the provider's page shows it.
    let html = region.get(w.server.url("/regione/soggetti/1")).send().unwrap().text().unwrap();
    assert!(html.contains("Codice ente promotore") && html.contains(PIVA), "{html}");
    // The Region sets the code IDOL knows (the provider's form); new actions carry it, in the
    // check letter too.
    let provider: Value = region.get(w.server.url("/api/v1/providers/1")).send().unwrap().json().unwrap();
    assert_eq!(provider["codice_ente_promotore"], PIVA, "{provider}");
    let save = |code: &str, version: i64| {
        let html = region.get(w.server.url("/regione/soggetti/1/modifica")).send().unwrap().text().unwrap();
        let at = html.find("name=\"_token\" value=\"").unwrap();
        let token: String = html[at + 21..].chars().take_while(|c| *c != '"').collect();
        let version = version.to_string();
        let form = [
            ("_token", token.as_str()),
            ("name", "Lavoro Futuro"),
            ("codice_fiscale", PIVA),
            ("accreditation_code", "ACC-A"),
            ("pec", "ente@pec.example.it"),
            ("codice_ente_promotore", code),
            ("version", version.as_str()),
        ];
        region.post(w.server.url("/regione/soggetti/1")).form(&form).send().unwrap()
    };
    let res = save("g702s001234", provider["version"].as_i64().unwrap());
    assert!(res.url().as_str().contains("esito=salvato"), "{}", res.text().unwrap());
    let id = w.identificativo(-2);
    assert!(identificativo::matches(&id, "G702S001234", "A06", &day(-2)), "{id}");
    let ente: String = w
        .f
        .db()
        .query_row("SELECT codice_ente_promotore FROM policy WHERE identificativo_politica = ?1", [&id], |r| r.get(0))
        .unwrap();
    assert_eq!(ente, "G702S001234");
    // Eleven characters, letters and digits, or refused naming the field.
    let res = save("G702S00123", provider["version"].as_i64().unwrap() + 1);
    assert_eq!(res.status(), 422);
    assert!(res.text().unwrap().contains("11 caratteri"));
    let html = region.get(w.server.url("/regione/soggetti/1")).send().unwrap().text().unwrap();
    assert!(html.contains("G702S001234"));
}

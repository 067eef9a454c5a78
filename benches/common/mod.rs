//! The benchmarks' shared data set: 300 providers, 200k recipients with vouchers (imported as
//! CPI CSV files), 100k SAPs and 5M audit rows at scale 1, generated deterministically (same
//! data every run), through the same code the server and the importers use.

#![allow(dead_code, clippy::indexing_slicing, clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::path::Path;
use std::time::{Duration, Instant};

use ricolloca::access::AdminAuthority;
use ricolloca::domain::audit_event::{Actor, AuditEvent};
use ricolloca::domain::audit_views::RecipientViewed;
use ricolloca::domain::codice_fiscale::check_letter;
use ricolloca::domain::ids::RecipientId;
use ricolloca::infra::sap_sample::{SamplePerson, sap_xml};
use ricolloca::repo::{self, audit};
use ricolloca::service;

/// "Now" for generated rows: 2026-11-26.
pub const NOW: i64 = 1_795_701_900_000;

pub fn scale() -> f64 {
    std::env::var("RICOLLOCA_BENCH_SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(1.0)
}

/// A valid codice fiscale for person number `n` (deterministic).
pub fn cf(n: usize) -> String {
    const L: &[u8] = b"BCDFGHLMNPRSTVZ";
    let pick = |k: usize| L[(n / k) % L.len()] as char;
    let months = b"ABCDEHLMPRST";
    let body = format!(
        "{}{}{}{}{}{}{:02}{}{:02}D612",
        pick(1),
        pick(15),
        pick(225),
        pick(3375),
        pick(50625),
        pick(759375),
        60 + (n % 40),
        months[n % 12] as char,
        1 + (n % 28),
    );
    let mut s = body.clone();
    s.push(check_letter(body.as_bytes()) as char);
    s
}

pub fn piva(n: usize) -> String {
    let body = format!("{:010}", 1_000_000 + n * 7);
    let digits: Vec<u32> = body.chars().filter_map(|c| c.to_digit(10)).collect();
    format!("{body}{}", ricolloca::domain::partita_iva::check_digit(&digits))
}

pub fn percentile(samples: &mut [Duration], p: f64) -> Duration {
    samples.sort();
    let idx = ((samples.len() as f64 - 1.0) * p).round() as usize;
    samples.get(idx).copied().unwrap_or_default()
}

/// How many of each thing a scale asks for.
pub struct Sizes {
    pub providers: usize,
    pub people: usize,
    pub saps: usize,
    pub audit_rows: usize,
}

impl Sizes {
    pub fn at(s: f64) -> Self {
        Self {
            providers: (300.0 * s.min(1.0)).max(2.0) as usize,
            people: (200_000.0 * s) as usize,
            saps: (100_000.0 * s) as usize,
            audit_rows: (5_000_000.0 * s) as usize,
        }
    }
}

/// Builds the data set into a new data file at `data`, printing each step's time.
/// Recipient `n` (id `n + 1`) chose provider `n % providers` (id `n % providers + 1`).
pub fn build(data: &Path, sizes: &Sizes) {
    let &Sizes { providers, people, saps, audit_rows } = sizes;
    let mut conn =
        ricolloca::service::data_file::open(data, ricolloca::domain::timestamp::Timestamp::EPOCH).expect("data file");
    let who = AdminAuthority::system();
    let now = ricolloca::domain::timestamp::Timestamp::from_ms(NOW);
    let t = Instant::now();
    repo::write_once(&mut conn, |tx| {
        for p in 0..providers {
            let draft = ricolloca::domain::provider::ProviderDraft {
                name: format!("Soggetto {p}"),
                codice_fiscale: piva(p),
                accreditation_code: format!("ACC-{p:04}"),
                pec: format!("s{p}@pec.example.it"),
                ..Default::default()
            };
            let valid = draft.validate().map_err(ricolloca::error::AppError::Invalid)?;
            service::providers::create(tx, now, &who, &valid)?;
        }
        Ok(())
    })
    .expect("providers");
    // Assignments in CSV batches, as the CPI would send them.
    for chunk in (0..people).collect::<Vec<_>>().chunks(20_000) {
        let mut csv = String::from(
            "codice_fiscale;cognome;nome;data_nascita;sesso;codice_assegno;data_rilascio;cpi;fascia_profilazione;ente;data_scelta\n",
        );
        for &n in chunk {
            csv.push_str(&format!(
                "{};Cognome{n};Nome{};01/02/1980;M;ADR-{n:07};01/09/2026;CPI-FI;{};ACC-{:04};10/10/2026\n",
                cf(n),
                n % 977,
                1 + n % 4,
                n % providers
            ));
        }
        let report = repo::write_once(&mut conn, |tx| {
            service::assignment_import::in_one_transaction(tx, now, &who, "bench.csv", csv.as_bytes())
        })
        .expect("assignments");
        assert!(report.refused.is_empty(), "{:?}", report.refused.first());
    }
    println!("  recipients and vouchers: {:.1} s", t.elapsed().as_secs_f64());

    // SAPs through the same importer as `ricolloca import sap` (batches of 500 in savepoints).
    let files: Vec<String> = (0..saps)
        .map(|n| {
            let cf = cf(n);
            sap_xml(
                &SamplePerson {
                    codice_fiscale: &cf,
                    cognome: "Cognome",
                    nome: "Nome",
                    sesso: "M",
                    data_nascita: "1980-02-01",
                    comune: "D612",
                    email: "x@example.it",
                    policies: &[
                        ("N00", "2026-02-03", Some("2026-02-03"), Some("2026-02-03"), "10", "2026-02-03"),
                        ("A02", "2026-02-10", Some("2026-02-10"), None, "02", "2026-02-10"),
                    ],
                },
                &format!("AA{n:08}"),
                "2026-10-01",
            )
        })
        .collect();
    let bytes: usize = files.iter().map(String::len).sum();
    let t = Instant::now();
    for chunk in files.chunks(500) {
        repo::write_each(&mut conn, chunk, |tx, xml| service::imports::sap(tx, now, &who, "bench.xml", xml.as_bytes()))
            .expect("sap batch");
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "  SAP import: {saps} files ({:.0} MB) in {secs:.1} s = {:.0} files/s (100k files: {:.1} min)",
        bytes as f64 / 1e6,
        saps as f64 / secs,
        100_000.0 / (saps as f64 / secs) / 60.0
    );

    // The audit trail: 5M view rows, appended as the server does (head read in the transaction),
    // spread evenly over the two years before `now` (about 6,800 a day): the anomaly watch and
    // the time-range searches see the history of a real office, not one burst.
    let t = Instant::now();
    let actor = Actor::system();
    const TWO_YEARS_MS: i64 = 730 * 86_400_000;
    let step = TWO_YEARS_MS / audit_rows.max(1) as i64;
    let first_ts = now.as_ms() - TWO_YEARS_MS;
    let mut written = 0;
    while written < audit_rows {
        let batch = (audit_rows - written).min(50_000);
        repo::write_once(&mut conn, |tx| {
            for i in 0..batch {
                let person = (written + i) % people.max(1);
                let event = AuditEvent::of_view(&RecipientViewed {
                    recipient: RecipientId::try_from(person as i64 + 1).expect("id"),
                    cf: &cf(person),
                    via: None,
                })
                .expect("view");
                audit::append(
                    tx,
                    ricolloca::domain::timestamp::Timestamp::from_ms(first_ts + (written + i) as i64 * step),
                    &actor,
                    &event,
                )?;
            }
            Ok(())
        })
        .expect("audit");
        written += batch;
    }
    println!("  audit rows: {audit_rows} in {:.1} s", t.elapsed().as_secs_f64());
    drop(conn);
    let size = std::fs::metadata(data).map(|m| m.len()).unwrap_or(0);
    println!("  data file: {:.0} MB", size as f64 / 1e6);
}

/// The benchmarks' own settings (`RICOLLOCA_BENCH_*`) share the configuration's environment
/// prefix: a `ricolloca` started with them would refuse them as unknown keys.
pub fn without_bench_env(cmd: &mut std::process::Command) -> &mut std::process::Command {
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("RICOLLOCA_BENCH_") {
            cmd.env_remove(&key);
        }
    }
    cmd
}

/// The data set of `scale`, built once and kept in `RICOLLOCA_BENCH_DIR` (default
/// `target/bench-load`) as `load-v<version>-<scale>.db`, its schema brought forward once here so that a
/// server started on a copy does not migrate (and back up) at every run. Returns (dir, file).
/// Bump when `build` changes what it writes.
const DATA_SET_VERSION: u32 = 4;

pub fn kept_data_set(scale: f64) -> (std::path::PathBuf, std::path::PathBuf) {
    let base = std::env::var_os("RICOLLOCA_BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-load"));
    std::fs::create_dir_all(&base).unwrap();
    // The version in the name makes a change to `build` produce a new file instead of reusing
    // a stale one (the one-day audit trail of version 1 was measured by mistake once).
    let kept = base.join(format!("load-v{DATA_SET_VERSION}-{scale}.db"));
    if !kept.exists() {
        println!("Building the data set (scale {scale}) into {} ...", kept.display());
        let building = base.join(format!("load-{scale}.db.building"));
        let _ = std::fs::remove_file(&building);
        build(&building, &Sizes::at(scale));
        std::fs::rename(&building, &kept).unwrap();
    }
    drop(ricolloca::service::data_file::open(&kept, ricolloca::domain::timestamp::Timestamp::EPOCH).unwrap());
    (base, kept)
}
/// Puts the kept data set `cached` into a run's folder `dir` as `ricolloca.db`, with the audit
/// key and checkpoint file that go with it: a copy, or with `in_place` the kept file itself
/// (hard links: the run's rows stay in it). The key and the checkpoint file are kept beside
/// the data set (`<name>.audit.key`, `<name>.checkpoints.txt`): a server run on the kept file
/// signs checkpoints into it at its clean stop, and the next run can start only with that key.
pub fn place_data_set(cached: &Path, dir: &Path, in_place: bool) {
    let beside = |suffix: &str| cached.with_extension(suffix);
    let (key, checkpoints) = (beside("audit.key"), beside("checkpoints.txt"));
    // A file with signed checkpoints and no kept key came from an older version of this
    // program: nothing can start on it again.
    let conn = rusqlite::Connection::open(cached).unwrap();
    let signed: i64 =
        conn.prepare_cached("SELECT count(*) FROM audit_checkpoint").unwrap().query_row([], |r| r.get(0)).unwrap();
    drop(conn);
    assert!(
        signed == 0 || key.exists(),
        "{} holds {signed} signed checkpoints but {} is missing: delete the data set to build it again",
        cached.display(),
        key.display()
    );
    ricolloca::infra::checkpoint::SigningKey::load_or_create(&key).unwrap();
    if !checkpoints.exists() {
        std::fs::write(&checkpoints, "").unwrap();
    }
    let place = |from: &Path, name: &str| {
        if in_place {
            std::fs::hard_link(from, dir.join(name)).unwrap();
        } else {
            std::fs::copy(from, dir.join(name)).unwrap();
        }
    };
    place(cached, "ricolloca.db");
    place(&key, "audit.key");
    place(&checkpoints, "audit-checkpoints.txt");
}

/// After a run in place: folds the write-ahead log the server left in the run's folder into
/// the kept file (a server that stops keeps its last commits there, and the folder is about to
/// be removed: the checkpoint it signed at its stop would then be beyond the kept file's end).
pub fn settle_in_place(dir: &Path) {
    let conn = rusqlite::Connection::open(dir.join("ricolloca.db")).unwrap();
    conn.prepare_cached("PRAGMA wal_checkpoint(TRUNCATE)").unwrap().query_row([], |_| Ok(())).unwrap();
}

pub mod server;

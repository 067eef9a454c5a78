//! The auditor's queries on a big trail: builds 5M audit rows over 24 months (1000 operators
//! of 300 providers opening 200k people's records, logins, refusals) and prints the latency
//! of each registro search, the data-subject report, the monthly activity, and the chain
//! checks the auditor's screens rely on (incremental vs whole).
//!
//!     cargo bench --bench audit_search
//!     RICOLLOCA_BENCH_SCALE=0.2 cargo bench --bench audit_search   # 1M rows
//!
//! One row in twenty is a list view naming the 20 people it showed (`shown`). The data file
//! is built once per scale and kept in `target/bench-audit-search/` under a versioned name
//! (building 5M rows takes about 25 minutes); the subject-index backfill is timed on its
//! newest 500,000 rows, which it removes from the index and indexes again.
#![allow(clippy::disallowed_methods)] // peeks into the data file: statement caching is for the server
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::time::{Duration, Instant};

use ricolloca::access::AuditScope;
use ricolloca::domain::audit_event::{Actor, AuditEvent};
use ricolloca::domain::audit_views::{RecipientViewed, RecipientsListed, SapViewed};
use ricolloca::domain::ids::{OperatorId, ProviderId, RecipientId};
use ricolloca::domain::operator::Refusal;
use ricolloca::domain::role::Role;
use ricolloca::repo::audit_search::{self, AuditFilter, RecipientKey};
use ricolloca::repo::{self, audit};
use ricolloca::service::chain_watch::ChainWatch;

const DAY: i64 = 86_400_000;

/// A distinct codice fiscale shape per n (uniqueness is what matters here).
fn cf(n: usize) -> String {
    let months = b"ABCDEHLMPRST";
    let body = format!(
        "BNCNNA{:02}{}{:02}H{:03}",
        50 + n % 40,
        char::from(months[(n / 40) % 12]),
        1 + (n / 480) % 28,
        (n / 13_440) % 1000
    );
    let mut s = body.clone();
    s.push(char::from(ricolloca::domain::codice_fiscale::check_letter(body.as_bytes())));
    s
}

fn time<R>(label: &str, runs: usize, mut f: impl FnMut(usize) -> R) {
    let mut samples: Vec<Duration> = (0..runs)
        .map(|i| {
            let t = Instant::now();
            std::hint::black_box(f(i));
            t.elapsed()
        })
        .collect();
    samples.sort();
    let p50 = samples[samples.len() / 2];
    let max = samples[samples.len() - 1];
    println!("  {label:<52} {:>9.2} ms {:>9.2} ms", p50.as_secs_f64() * 1e3, max.as_secs_f64() * 1e3);
}

fn main() {
    let scale: f64 = std::env::var("RICOLLOCA_BENCH_SCALE").ok().and_then(|s| s.parse().ok()).unwrap_or(1.0);
    let rows = (5_000_000.0 * scale) as usize;
    let (operators, providers, people) = (1000usize, 300usize, 200_000usize);
    let base = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-audit-search");
    std::fs::create_dir_all(&base).unwrap();
    // Bump when `build` changes what it writes.
    let data = base.join(format!("audit-search-v3-{rows}.db"));
    let start = 1_795_701_900_000 - 730 * DAY;
    println!(
        "Ricolloca audit search benchmark — {rows} audit rows over 24 months, {operators} operators, {people} people"
    );
    if !data.exists() {
        let building = base.join("building.db");
        let _ = std::fs::remove_file(&building);
        build(&building, rows, operators, providers, people, start);
        std::fs::rename(&building, &data).unwrap();
    }
    println!("  data file {:.0} MB", std::fs::metadata(&data).unwrap().len() as f64 / 1e6);
    backfill(&data, rows);

    let ro = repo::open_ro(&data).unwrap();
    let scope = AuditScope::unsafe_for_benchmarks();
    let page = |f: &AuditFilter, before: Option<i64>| audit_search::search(&scope, &ro, f, before, 0, 50).unwrap();
    let mid = (rows / 2) as i64;
    let day = start + 400 * DAY;
    println!("\n  query                                                      p50           max");
    time("registro, first page, no filter", 20, |_| page(&AuditFilter::default(), None));
    time("registro, page at row N/2 (keyset)", 20, |_| page(&AuditFilter::default(), Some(mid)));
    time("registro, by operator", 20, |i| {
        page(
            &AuditFilter { operator_cf: Some(format!("OPERATORE{:07}", i * 37 % operators)), ..Default::default() },
            None,
        )
    });
    time("registro, by provider, deep page", 20, |i| {
        page(
            &AuditFilter {
                provider: Some(ProviderId::try_from((i % providers) as i64 + 1).unwrap()),
                ..Default::default()
            },
            Some(mid),
        )
    });
    time("registro, refused only", 20, |_| {
        page(&AuditFilter { outcome: Some("denied".into()), ..Default::default() }, None)
    });
    time("registro, one day", 20, |i| {
        let from = day + i as i64 * DAY;
        page(
            &AuditFilter {
                from: Some(ricolloca::domain::timestamp::Timestamp::from_ms(from)),
                to: Some(ricolloca::domain::timestamp::Timestamp::from_ms(from + DAY)),
                ..Default::default()
            },
            None,
        )
    });
    let key = |n: usize| RecipientKey { id: Some(RecipientId::try_from(n as i64 + 1).unwrap()), cf: cf(n) };
    time("registro, by person's codice fiscale (subject index)", 20, |i| {
        page(&AuditFilter { recipient: Some(key(i * 101)), ..Default::default() }, None)
    });
    time("registro, by person + operator", 20, |i| {
        let n = i * 101;
        page(
            &AuditFilter {
                recipient: Some(key(n)),
                operator_cf: Some("OPERATORE0000001".into()),
                ..Default::default()
            },
            None,
        )
    });
    time("accessi a un interessato (subject index)", 20, |i| {
        audit_search::subject_accesses(&scope, &ro, &key(i * 101)).unwrap()
    });
    // The lists name people whose index is 9 mod 20 and below ~56,000 (see `build`): the
    // report's list part is timed on them, or it would mostly time empty lookups.
    let listed = |i: usize| key(9 + 20 * (i * 137 % 2_800));
    time("accessi a un interessato: the lists that showed them", 20, |i| {
        audit_search::subject_lists(&scope, &ro, &listed(i)).unwrap()
    });
    time("accessi a un interessato, whole report (listed person)", 20, |i| {
        let k = listed(i + 20);
        (
            audit_search::subject_accesses(&scope, &ro, &k).unwrap(),
            audit_search::subject_lists(&scope, &ro, &k).unwrap(),
        )
    });
    let n = audit_search::subject_accesses(&scope, &ro, &listed(1)).unwrap().len();
    let l = audit_search::subject_lists(&scope, &ro, &listed(1)).unwrap().len();
    println!("  (one listed person: {n} rows about them, {l} days and viewers of lists that showed them)");
    time("attività periodica, one month", 3, |i| {
        let from = start + (i as i64 + 3) * 30 * DAY;
        audit_search::activity(
            &scope,
            &ro,
            ricolloca::domain::timestamp::Timestamp::from_ms(from),
            ricolloca::domain::timestamp::Timestamp::from_ms(from + 30 * DAY),
        )
        .unwrap()
    });

    let watch = ChainWatch::new(Vec::new(), None);
    let t = Instant::now();
    let s = watch.refresh(&ro, ricolloca::domain::timestamp::Timestamp::EPOCH, true).unwrap();
    let secs = t.elapsed().as_secs_f64();
    println!(
        "\n  chain watch, whole chain: {} rows in {secs:.1} s = {:.0} rows/s",
        s.verified_seq,
        s.verified_seq as f64 / secs
    );
    let t = Instant::now();
    watch.refresh(&ro, ricolloca::domain::timestamp::Timestamp::EPOCH, false).unwrap();
    println!("  chain watch, incremental (no new rows): {:.2} ms", t.elapsed().as_secs_f64() * 1e3);
}

/// Writes the trail through `audit::append`, as the server does (subject index included).
fn build(data: &std::path::Path, rows: usize, operators: usize, providers: usize, people: usize, start: i64) {
    let mut conn = ricolloca::service::data_file::open(data, ricolloca::domain::timestamp::Timestamp::EPOCH).unwrap();
    // People for the recipient id lookup.
    repo::write_once(&mut conn, |tx| {
        let mut stmt = tx.conn().prepare(
            "INSERT INTO recipient_all (codice_fiscale, cognome, nome, created_at, updated_at) VALUES (?1, 'C', 'N', 0, 0)",
        )?;
        for n in 0..people {
            stmt.execute([cf(n)])?;
        }
        Ok(())
    })
    .unwrap();
    let step = (730 * DAY) / rows as i64;
    let t = Instant::now();
    let mut written = 0;
    while written < rows {
        let batch = (rows - written).min(50_000);
        repo::write_once(&mut conn, |tx| {
            for i in written..written + batch {
                let op = i % operators;
                let actor = Actor {
                    id: Some(OperatorId::try_from(op as i64 + 1).unwrap()),
                    cf: format!("OPERATORE{op:07}"),
                    role: Some(Role::Operatore),
                    provider: Some(ProviderId::try_from((op % providers) as i64 + 1).unwrap()),
                    cert_sha256: Some(format!("{op:064x}")),
                    ip: Some(format!("10.0.{}.{}", op / 250, op % 250)),
                };
                let person = (i * 7919) % people;
                let event = match i % 20 {
                    0 => AuditEvent::Login { cert: serde_json::json!({}) },
                    1 => {
                        AuditEvent::denied(Refusal::ForeignObject, "GET", &format!("/destinatari/{}", person + 1), None)
                    }
                    2..=8 => AuditEvent::of_view(&SapViewed {
                        recipient: RecipientId::try_from(person as i64 + 1).unwrap(),
                        cf: &cf(person),
                        version: Some(1),
                    })
                    .unwrap(),
                    // A cruscotto page: 20 people of the operator's provider.
                    9 => {
                        let shown: Vec<i64> = (0..20)
                            .map(|k| ((op % providers + k * providers + i / 2000 * 20) % people) as i64 + 1)
                            .collect();
                        let list = RecipientsListed::Screen {
                            scope: Some(ProviderId::try_from((op % providers) as i64 + 1).unwrap()),
                            q: "",
                            state: "",
                            provider: None,
                            page: 0,
                            rows: 20,
                        };
                        AuditEvent::of_list(&list, shown).unwrap()
                    }
                    _ => AuditEvent::of_view(&RecipientViewed {
                        recipient: RecipientId::try_from(person as i64 + 1).unwrap(),
                        cf: &cf(person),
                        via: None,
                    })
                    .unwrap(),
                };
                audit::append(
                    tx,
                    ricolloca::domain::timestamp::Timestamp::from_ms(start + i as i64 * step),
                    &actor,
                    &event,
                )?;
            }
            Ok(())
        })
        .unwrap();
        written += batch;
    }
    let counts: (i64, i64) = conn
        .query_row("SELECT (SELECT count(*) FROM audit_subject), (SELECT count(*) FROM audit_list_subject)", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    println!(
        "  built in {:.0} s ({:.0} rows/s); subject index: {} rows about a person, {} list entries",
        t.elapsed().as_secs_f64(),
        rows as f64 / t.elapsed().as_secs_f64(),
        counts.0,
        counts.1
    );
}

/// Times the background backfill (what a file upgraded to schema 4 runs after start) on the
/// newest 500,000 rows: their entries are removed, then indexed again slice by slice.
fn backfill(data: &std::path::Path, rows: usize) {
    use ricolloca::repo::audit_subjects;
    let mut conn = ricolloca::service::data_file::open(data, ricolloca::domain::timestamp::Timestamp::EPOCH).unwrap();
    let redo = 500_000.min(rows as i64);
    let from = rows as i64 + 1 - redo;
    let before: i64 =
        conn.query_row("SELECT count(*) FROM audit_subject WHERE seq >= ?1", [from], |r| r.get(0)).unwrap();
    repo::write_once(&mut conn, |tx| {
        tx.conn().execute("DELETE FROM audit_subject WHERE seq >= ?1", [from])?;
        tx.conn().execute("DELETE FROM audit_subject_backfill", [])?;
        tx.conn().execute("INSERT INTO audit_subject_backfill (below_seq) VALUES (?1)", [rows as i64 + 1])?;
        Ok(())
    })
    .unwrap();
    let reader = repo::open_ro(data).unwrap();
    let t = Instant::now();
    let mut longest_write = Duration::ZERO;
    while let Some(below) = audit_subjects::pending_below(&reader).unwrap() {
        if below <= from {
            break;
        }
        let lo = (below - audit_subjects::BACKFILL_SLICE).max(from);
        let slice = audit_subjects::backfill_read(&reader, lo, below).unwrap();
        let w = Instant::now();
        repo::write_once(&mut conn, |tx| audit_subjects::backfill_apply(tx, lo, below, &slice)).unwrap();
        longest_write = longest_write.max(w.elapsed());
    }
    let secs = t.elapsed().as_secs_f64();
    repo::write_once(&mut conn, |tx| {
        tx.conn().execute("DELETE FROM audit_subject_backfill", [])?;
        Ok(())
    })
    .unwrap();
    let after: i64 =
        conn.query_row("SELECT count(*) FROM audit_subject WHERE seq >= ?1", [from], |r| r.get(0)).unwrap();
    assert_eq!(before, after);
    println!(
        "  backfill of the subject index: {redo} rows in {secs:.1} s = {:.0} rows/s ({:.0} s for 5M); \
         longest write transaction {:.1} ms (slices of {} rows)",
        redo as f64 / secs,
        5e6 / (redo as f64 / secs),
        longest_write.as_secs_f64() * 1e3,
        audit_subjects::BACKFILL_SLICE
    );
}

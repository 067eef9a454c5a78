//! Audit write throughput (a program, not a test). Every view and change in Ricolloca commits
//! an audit row before it answers; the single writer batches whatever is queued into one
//! transaction (group commit). This program compares, with the production pragmas (WAL,
//! `synchronous = FULL`), on the same disk:
//!
//! 1. the real writer with 64 concurrent requesters, each appending one chained audit row and
//!    awaiting its commit (what 64 busy browsers cause);
//! 2. the same rows, already computed, inserted by a plain SQLite loop, one transaction each;
//! 3. the same rows, plain loop, 1000 per transaction (the ceiling: no durability per row).
//!
//! ```sh
//! cargo bench --bench audit_write
//! RICOLLOCA_BENCH_ROWS=5000 cargo bench --bench audit_write
//! ```
#![allow(clippy::disallowed_methods)] // peeks into the data file: statement caching is for the server
#![allow(clippy::indexing_slicing, clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use ricolloca::domain::audit_event::{Actor, AuditEvent};
use ricolloca::domain::audit_views::RecipientViewed;
use ricolloca::domain::ids::RecipientId;
use ricolloca::repo::writer::Writer;
use ricolloca::repo::{self, audit};

const NOW: i64 = 1_795_701_900_000;
const REQUESTERS: usize = 64;

fn event(i: usize) -> AuditEvent {
    let recipient = RecipientId::try_from(1 + (i % 5000) as i64).unwrap();
    AuditEvent::of_view(&RecipientViewed { recipient, cf: "RSSMRA80A01D612", via: None }).unwrap()
}

fn main() {
    let rows: usize = std::env::var("RICOLLOCA_BENCH_ROWS").ok().and_then(|s| s.parse().ok()).unwrap_or(20_000);
    let dir = tempfile::tempdir_in(std::env::var("RICOLLOCA_BENCH_DIR").unwrap_or_else(|_| ".".into())).unwrap();
    println!("Audit writes: {rows} rows, WAL, synchronous=FULL, in {}\n", dir.path().display());

    // 1. Group commit through the real writer.
    let chained = dir.path().join("chained.db");
    let conn = ricolloca::service::data_file::open(&chained, ricolloca::domain::timestamp::Timestamp::EPOCH).unwrap();
    let runtime = rocket::tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let writer = Writer::start(conn).unwrap();
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let t = Instant::now();
    let tasks: Vec<_> = (0..REQUESTERS)
        .map(|_| {
            let (writer, next) = (writer.clone(), next.clone());
            runtime.spawn(async move {
                let mut latencies = Vec::new();
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    if i >= rows {
                        break latencies;
                    }
                    let started = Instant::now();
                    writer
                        .write(move |tx| {
                            audit::append(
                                tx,
                                ricolloca::domain::timestamp::Timestamp::from_ms(NOW + i as i64),
                                &Actor::system(),
                                &event(i),
                            )
                            .map(|_| ())
                        })
                        .await
                        .unwrap();
                    latencies.push(started.elapsed());
                }
            })
        })
        .collect();
    let mut latencies: Vec<Duration> = tasks.into_iter().flat_map(|h| runtime.block_on(h).unwrap()).collect();
    let group_secs = t.elapsed().as_secs_f64();
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p) as usize].as_secs_f64() * 1e3;
    let (p50, p99) = (pct(0.5), pct(0.99));
    drop(writer);

    // The rows exactly as the writer stored them.
    let source = repo::open_ro(&chained).unwrap();
    let mut stmt = source
        .prepare(
            "SELECT seq, ts, actor_id, actor_cf, actor_role, provider_id, cert_sha256, client_ip, action, object,
                    outcome, detail, prev_hash, hash FROM audit_log ORDER BY seq",
        )
        .unwrap();
    type Row = (
        i64,
        i64,
        Option<i64>,
        String,
        Option<String>,
        Option<i64>,
        Option<String>,
        Option<String>,
        String,
        Option<String>,
        String,
        String,
        Vec<u8>,
        Vec<u8>,
    );
    let stored: Vec<Row> = stmt
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
                r.get(8)?,
                r.get(9)?,
                r.get(10)?,
                r.get(11)?,
                r.get(12)?,
                r.get(13)?,
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(stored.len(), rows, "every acknowledged write is stored");

    let plain = |name: &str, per_tx: usize| {
        let path = dir.path().join(name);
        let mut conn =
            ricolloca::service::data_file::open(&path, ricolloca::domain::timestamp::Timestamp::EPOCH).unwrap();
        let t = Instant::now();
        for chunk in stored.chunks(per_tx) {
            let tx = conn.transaction().unwrap();
            {
                let mut insert = tx
                    .prepare_cached(
                        "INSERT INTO audit_log (seq, ts, actor_id, actor_cf, actor_role, provider_id, cert_sha256,
                             client_ip, action, object, outcome, detail, prev_hash, hash)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                    )
                    .unwrap();
                for r in chunk {
                    insert
                        .execute(rusqlite::params![
                            r.0, r.1, r.2, r.3, r.4, r.5, r.6, r.7, r.8, r.9, r.10, r.11, r.12, r.13
                        ])
                        .unwrap();
                }
            }
            tx.commit().unwrap();
        }
        t.elapsed().as_secs_f64()
    };
    let one_each = plain("plain-each.db", 1);
    let batched = plain("plain-batched.db", 1000);

    let rate = |secs: f64| rows as f64 / secs;
    println!("{:<58} {:>10} {:>8}", "", "writes/s", "vs (2)");
    println!(
        "{:<58} {:>10.0} {:>7.1}x   (p50 {p50:.1} ms, p99 {p99:.1} ms per request)",
        "(1) group commit, 64 requesters, chained + audited",
        rate(group_secs),
        one_each / group_secs
    );
    println!("{:<58} {:>10.0} {:>7.1}x", "(2) plain loop, same rows, one transaction each", rate(one_each), 1.0);
    println!(
        "{:<58} {:>10.0} {:>7.1}x",
        "(3) plain loop, same rows, 1000 per transaction",
        rate(batched),
        one_each / batched
    );
}

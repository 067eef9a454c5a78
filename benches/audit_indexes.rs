//! What each index of `audit_log` costs on the append path (a program, not a test). On copies
//! of the kept data set (5M audit rows at scale 1), the real writer appends view rows for 64
//! concurrent requesters (as the load bench's views do: a random person each, committed
//! before the requester hears back), once per variant of the indexes. Prints rows per second,
//! the process's CPU time per row and the bytes it wrote to disk per row (WAL and checkpoints:
//! an index keyed by a random value dirties a random page per row).
//!
//! ```sh
//! cargo bench --bench audit_indexes
//! RICOLLOCA_BENCH_ROWS=5000 RICOLLOCA_BENCH_SCALE=0.1 cargo bench --bench audit_indexes
//! ```
#![allow(clippy::disallowed_methods)] // peeks into the data file: statement caching is for the server
#![allow(clippy::indexing_slicing, clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use common::{Sizes, cf, scale};
use ricolloca::domain::audit_event::{Actor, AuditEvent};
use ricolloca::domain::audit_views::RecipientViewed;
use ricolloca::domain::ids::RecipientId;
use ricolloca::repo::audit;
use ricolloca::repo::writer::Writer;

const REQUESTERS: usize = 64;

/// (name, SQL run on the copy before the appends)
const VARIANTS: &[(&str, &str)] = &[
    ("all indexes (as shipped)", ""),
    ("without audit_log_month", "DROP INDEX audit_log_month;"),
    ("with audit_log_object (before schema 12)", "CREATE INDEX audit_log_object ON audit_log(object) WHERE object IS NOT NULL;"),
    ("without audit_log_actor", "DROP INDEX audit_log_actor;"),
    ("without hash UNIQUE (table rebuilt)", REBUILD_WITHOUT_UNIQUE),
    ("without every secondary index", "DROP INDEX audit_log_actor;
      DROP INDEX audit_log_actor_cf; DROP INDEX audit_log_provider; DROP INDEX audit_log_action; DROP INDEX audit_log_month;"),
];

const REBUILD_WITHOUT_UNIQUE: &str = "
    CREATE TABLE audit_log_new (
        seq INTEGER PRIMARY KEY, ts INTEGER NOT NULL, actor_id INTEGER, actor_cf TEXT NOT NULL, actor_role TEXT,
        provider_id INTEGER, cert_sha256 TEXT, client_ip TEXT, action TEXT NOT NULL, object TEXT,
        outcome TEXT NOT NULL, detail TEXT NOT NULL, prev_hash BLOB NOT NULL, hash BLOB NOT NULL) STRICT;
    INSERT INTO audit_log_new SELECT * FROM audit_log;
    DROP TABLE audit_log;
    ALTER TABLE audit_log_new RENAME TO audit_log;
    CREATE INDEX audit_log_actor ON audit_log(actor_id, ts);
    CREATE INDEX audit_log_actor_cf ON audit_log(actor_cf);
    CREATE INDEX audit_log_provider ON audit_log(provider_id);
    CREATE INDEX audit_log_action ON audit_log(action);
    CREATE INDEX audit_log_month ON audit_log(ts, provider_id, actor_id, action, outcome);";

fn main() {
    let s = scale();
    let rows: usize = std::env::var("RICOLLOCA_BENCH_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(30_000);
    let only = std::env::var("RICOLLOCA_BENCH_ONLY").ok();
    let people = Sizes::at(s).people.max(1);
    let (base, cached) = common::kept_data_set(s);
    println!(
        "\nAudit appends on {} ({rows} view rows per variant, {REQUESTERS} requesters, WAL, synchronous=FULL); \
         load average before: {}\n",
        cached.display(),
        common::server::uptime()
    );
    println!("{:<40} {:>10} {:>12} {:>14}", "indexes", "rows/s", "CPU µs/row", "disk KB/row");
    for (k, (name, sql)) in VARIANTS.iter().enumerate() {
        if only.as_deref().is_some_and(|o| !o.contains(&k.to_string())) {
            continue;
        }
        let dir = tempfile::tempdir_in(&base).unwrap();
        let data = dir.path().join("copy.db");
        std::fs::copy(&cached, &data).unwrap();
        let conn = ricolloca::service::data_file::open(&data, ricolloca::domain::timestamp::Timestamp::EPOCH).unwrap();
        conn.execute_batch(sql).unwrap();
        // Warm the file's pages as a running server would have them.
        let _: i64 = conn
            .query_row(
                "SELECT count(*) FROM audit_log WHERE seq > (SELECT max(seq) - 200000 FROM audit_log)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let runtime =
            rocket::tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        let writer = Writer::start(conn).unwrap();
        let next = Arc::new(AtomicUsize::new(0));
        let (cpu0, io0) = (cpu_seconds(), written_bytes());
        let t = Instant::now();
        let tasks: Vec<_> = (0..REQUESTERS)
            .map(|r| {
                let (writer, next) = (writer.clone(), next.clone());
                runtime.spawn(async move {
                    let mut x = 0x9E37_79B9_7F4A_7C15u64 ^ r as u64;
                    loop {
                        let i = next.fetch_add(1, Ordering::SeqCst);
                        if i >= rows {
                            break;
                        }
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        let n = (x % people as u64) as usize;
                        let event = AuditEvent::of_view(&RecipientViewed {
                            recipient: RecipientId::try_from(n as i64 + 1).unwrap(),
                            cf: &cf(n),
                            via: None,
                        })
                        .unwrap();
                        let actor = Actor::system();
                        writer
                            .write(move |tx| {
                                audit::append(
                                    tx,
                                    ricolloca::domain::timestamp::Timestamp::from_ms(common::NOW + i as i64),
                                    &actor,
                                    &event,
                                )
                                .map(|_| ())
                            })
                            .await
                            .unwrap();
                    }
                })
            })
            .collect();
        runtime.block_on(async {
            for t in tasks {
                t.await.unwrap();
            }
        });
        let secs = t.elapsed().as_secs_f64();
        let (cpu, io) = (cpu_seconds() - cpu0, written_bytes() - io0);
        println!(
            "{name:<40} {:>10.0} {:>12.1} {:>14.1}",
            rows as f64 / secs,
            cpu / rows as f64 * 1e6,
            io as f64 / rows as f64 / 1024.0
        );
        drop(writer);
        drop(runtime);
    }
    println!("\nLoad average after: {}", common::server::uptime());
}

/// This process's user + system CPU time, in seconds.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or_default().split_whitespace().collect();
    let ticks: f64 = fields.get(11).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0)
        + fields.get(12).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    ticks / 100.0
}

/// Bytes this process has caused to be written to storage.
fn written_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/io")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("write_bytes: "))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

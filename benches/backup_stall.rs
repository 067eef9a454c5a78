//! Backup stall benchmark (a program, not a test): builds a data file of about
//! `RICOLLOCA_BENCH_GB` GB (default 2) — a real audit chain of 1M rows plus signed-PDF-like
//! BLOBs (incompressible, like the uploaded documents that make real files big) — then runs a
//! write load through the real single writer (one audited write per job, each awaited, so every
//! write pays its own commit) while `service::backup::create` (what `ricolloca backup` runs)
//! copies, checks and packs it. Prints the longest write latency before and during the backup.
//!
//!     cargo bench --bench backup_stall
//!     RICOLLOCA_BENCH_GB=0.5 cargo bench --bench backup_stall
#![allow(clippy::disallowed_methods)] // peeks into the data file: statement caching is for the server
#![allow(clippy::indexing_slicing, clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use ricolloca::access::AdminAuthority;
use ricolloca::domain::audit_changes::CodesImported;
use ricolloca::domain::audit_event::AuditEvent;
use ricolloca::infra::checkpoint::SigningKey;
use ricolloca::repo::writer::Writer;
use ricolloca::repo::{self, audit};
use ricolloca::service::backup::{BackupRequest, create};

const NOW: i64 = 1_795_701_900_000;

fn event(i: u64) -> AuditEvent {
    let codes = usize::try_from(i % 500).expect("small");
    AuditEvent::of_change(&CodesImported { file: "codici.csv", codes }).expect("serialisable")
}

/// A cheap deterministic incompressible stream (xorshift), for document contents.
fn fill(buf: &mut [u8], seed: &mut u64) {
    for chunk in buf.chunks_mut(8) {
        *seed ^= *seed << 13;
        *seed ^= *seed >> 7;
        *seed ^= *seed << 17;
        let bytes = seed.to_le_bytes();
        chunk.copy_from_slice(&bytes[..chunk.len()]);
    }
}

fn main() {
    let gb: f64 = std::env::var("RICOLLOCA_BENCH_GB").ok().and_then(|s| s.parse().ok()).unwrap_or(2.0);
    let dir = tempfile::tempdir_in(std::env::var("RICOLLOCA_BENCH_DIR").unwrap_or_else(|_| ".".into())).unwrap();
    let data = dir.path().join("bench.db");
    let mut conn = ricolloca::service::data_file::open(&data, ricolloca::domain::timestamp::Timestamp::EPOCH).unwrap();
    let who = AdminAuthority::system();

    let t = Instant::now();
    let audit_rows = 1_000_000u64;
    for batch in 0..(audit_rows / 50_000) {
        repo::write_once(&mut conn, |tx| {
            for i in 0..50_000 {
                audit::append(
                    tx,
                    ricolloca::domain::timestamp::Timestamp::from_ms(NOW),
                    who.actor(),
                    &event(batch * 50_000 + i),
                )?;
            }
            Ok(())
        })
        .unwrap();
    }
    let doc_size = 256 * 1024;
    let docs = ((gb * 1e9) as u64).saturating_sub(std::fs::metadata(&data).unwrap().len()) / doc_size as u64;
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut content = vec![0u8; doc_size];
    for batch in 0..docs.div_ceil(500) {
        let tx = conn.transaction().unwrap();
        for i in 0..500u64.min(docs - batch * 500) {
            fill(&mut content, &mut seed);
            tx.execute(
                "INSERT INTO document (sha256, size, kind, file_name, content, uploaded_at) VALUES (?1, ?2, 'pdf', ?3, ?4, ?5)",
                rusqlite::params![format!("{:064x}", batch * 500 + i), doc_size as i64, "programma.pdf", content, NOW],
            )
            .unwrap();
        }
        tx.commit().unwrap();
    }
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    let size = std::fs::metadata(&data).unwrap().len();
    println!(
        "data file: {:.2} GB ({audit_rows} audit rows, {docs} documents of {} KiB), built in {:.0} s",
        size as f64 / 1e9,
        doc_size / 1024,
        t.elapsed().as_secs_f64()
    );

    let runtime = rocket::tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let writer = Writer::start(conn).unwrap();
    let key = SigningKey::load_or_create(&dir.path().join("audit.key")).unwrap();
    let backing_up = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));

    // The write load: one audited write at a time, each awaited (its latency includes the commit).
    let load = {
        let (writer, backing_up, stop) = (writer.clone(), backing_up.clone(), stop.clone());
        runtime.spawn(async move {
            let (mut before, mut during) = (Vec::new(), Vec::new());
            let mut i = 10_000_000u64;
            while !stop.load(Ordering::SeqCst) {
                let ev = event(i);
                i += 1;
                let t = Instant::now();
                writer
                    .write(move |tx| {
                        audit::append(
                            tx,
                            ricolloca::domain::timestamp::Timestamp::from_ms(NOW),
                            &ricolloca::domain::audit_event::Actor::system(),
                            &ev,
                        )
                        .map(|_| ())
                    })
                    .await
                    .unwrap();
                let took = t.elapsed();
                if backing_up.load(Ordering::SeqCst) { during.push(took) } else { before.push(took) }
            }
            (before, during)
        })
    };
    std::thread::sleep(Duration::from_secs(10));
    backing_up.store(true, Ordering::SeqCst);
    let out = dir.path().join("backup.zip");
    let t = Instant::now();
    let created = create(&BackupRequest {
        data: &data,
        out: &out,
        seal: &ricolloca::infra::backup_seal::Seal::None,
        key: Some(&key),
        now: ricolloca::domain::timestamp::Timestamp::from_ms(NOW),
    })
    .unwrap();
    let took = t.elapsed();
    backing_up.store(false, Ordering::SeqCst);
    stop.store(true, Ordering::SeqCst);
    let (mut before, mut during) = runtime.block_on(load).unwrap();
    before.sort();
    during.sort();
    let pct = |v: &[Duration], p: f64| v.get(((v.len() as f64 - 1.0) * p) as usize).copied().unwrap_or_default();
    println!(
        "backup: {:.1} s for {:.2} GB ({:.0} MB/s of data file), zip {:.2} GB, chain of {} rows verified",
        took.as_secs_f64(),
        size as f64 / 1e9,
        size as f64 / 1e6 / took.as_secs_f64(),
        created.size as f64 / 1e9,
        created.manifest.audit.head_seq
    );
    println!(
        "writes before the backup: {} — p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        before.len(),
        pct(&before, 0.5).as_secs_f64() * 1e3,
        pct(&before, 0.99).as_secs_f64() * 1e3,
        before.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
    println!(
        "writes during the backup: {} — p50 {:.1} ms, p99 {:.1} ms, max (longest stall) {:.1} ms",
        during.len(),
        pct(&during, 0.5).as_secs_f64() * 1e3,
        pct(&during, 0.99).as_secs_f64() * 1e3,
        during.last().copied().unwrap_or_default().as_secs_f64() * 1e3
    );
}

//! Audit chain verification speed against `sha256sum` over the same bytes (a program, not a
//! test). Uses the load benchmark's data set (5M audit rows at scale 1, built if missing) and:
//!
//! 1. runs `ricolloca audit verify --data FILE` (the real command: chain, prune anchor,
//!    signed checkpoints) twice and keeps the second, warm-cache time;
//! 2. writes every byte the chain hashes (tag, previous hash, canonical row) to one file and
//!    times `sha256sum` over it — the floor for any SHA-256 walk over this trail.
//!
//! ```sh
//! cargo bench --bench audit_verify
//! RICOLLOCA_BENCH_SCALE=0.1 cargo bench --bench audit_verify
//! ```
#![allow(clippy::disallowed_methods)] // peeks into the data file: statement caching is for the server
#![allow(clippy::indexing_slicing, clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod common;

use std::io::Write;

use std::process::Command;
use std::time::Instant;

use common::scale;
use ricolloca::infra::audit::{AuditRow, HASH_TAG, encode};

const BIN: &str = env!("CARGO_BIN_EXE_ricolloca");

fn main() {
    let s = scale();
    let (base, data) = common::kept_data_set(s);
    let rows: i64 = {
        let c = rusqlite::Connection::open(&data).unwrap();
        c.query_row("SELECT count(*) FROM audit_log", [], |r| r.get(0)).unwrap()
    };

    let verify = || {
        let t = Instant::now();
        let out = common::without_bench_env(&mut Command::new(BIN))
            .args(["audit", "verify", "--data"])
            .arg(&data)
            .output()
            .unwrap();
        assert!(out.status.success(), "audit verify: {}", String::from_utf8_lossy(&out.stderr));
        t.elapsed()
    };
    let cold = verify();
    let warm = verify();

    let bytes_file = base.join("audit-chain-bytes.bin");
    let total = write_hashed_bytes(&data, &bytes_file);
    let _ = Command::new("sha256sum").arg(&bytes_file).output().unwrap(); // warm the cache
    let t = Instant::now();
    let out = Command::new("sha256sum").arg(&bytes_file).output().unwrap();
    let sha = t.elapsed();
    assert!(out.status.success());
    std::fs::remove_file(&bytes_file).unwrap();

    let rate = |d: std::time::Duration| rows as f64 / d.as_secs_f64();
    println!("\nAudit chain verification — scale {s}: {rows} rows, {:.0} MB hashed\n", total as f64 / 1e6);
    println!("{:<52} {:>9} {:>13}", "", "seconds", "rows/s");
    println!("{:<52} {:>9.2} {:>13.0}", "ricolloca audit verify (first run)", cold.as_secs_f64(), rate(cold));
    println!("{:<52} {:>9.2} {:>13.0}", "ricolloca audit verify (warm cache)", warm.as_secs_f64(), rate(warm));
    println!("{:<52} {:>9.2} {:>13.0}", "sha256sum over the same bytes (warm cache)", sha.as_secs_f64(), rate(sha));
    println!("\n  verify / sha256sum: {:.0}% (target: more than 50%)", 100.0 * sha.as_secs_f64() / warm.as_secs_f64());
}

/// Every byte the chain hashes, row after row; returns the byte count.
fn write_hashed_bytes(data: &std::path::Path, out: &std::path::Path) -> u64 {
    let c = rusqlite::Connection::open(data).unwrap();
    let mut stmt = c
        .prepare(
            "SELECT seq, ts, actor_id, actor_cf, actor_role, provider_id, cert_sha256, client_ip,
                    action, object, outcome, detail, prev_hash FROM audit_log ORDER BY seq",
        )
        .unwrap();
    let mut rows = stmt.query([]).unwrap();
    let mut file = std::io::BufWriter::new(std::fs::File::create(out).unwrap());
    let mut total = 0u64;
    while let Some(r) = rows.next().unwrap() {
        let row = AuditRow {
            seq: r.get(0).unwrap(),
            ts_ms: r.get(1).unwrap(),
            actor_id: r.get(2).unwrap(),
            actor_cf: r.get(3).unwrap(),
            actor_role: r.get(4).unwrap(),
            provider_id: r.get(5).unwrap(),
            cert_sha256: r.get(6).unwrap(),
            client_ip: r.get(7).unwrap(),
            action: r.get(8).unwrap(),
            object: r.get(9).unwrap(),
            outcome: r.get(10).unwrap(),
            detail: r.get(11).unwrap(),
        };
        let prev: Vec<u8> = r.get(12).unwrap();
        let encoded = encode(&row);
        for part in [HASH_TAG, &prev, &encoded] {
            file.write_all(part).unwrap();
            total += part.len() as u64;
        }
    }
    file.flush().unwrap();
    total
}

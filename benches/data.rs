//! Data-scale benchmark (a program, not a test): builds a data file with 300 providers,
//! 200k recipients with vouchers, 100k imported SAPs and 5M audit rows, then prints the
//! time to import the SAPs and the latency of the cruscotto and SAP-page queries.
//!
//!     cargo bench --bench data                       # full scale
//!     RICOLLOCA_BENCH_SCALE=0.1 cargo bench --bench data   # a tenth, for a quick look
//!
//! Same seed every run: the data are generated deterministically.

#![allow(clippy::indexing_slicing, clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::time::Instant;

use ricolloca::access::RecipientScope;
use ricolloca::domain::ids::RecipientId;
use ricolloca::repo::{self, audit, policies, recipients, saps, vouchers};

mod common;

use common::{Sizes, percentile, scale};

fn main() {
    let s = scale();
    let sizes = Sizes::at(s);
    let dir = tempfile::tempdir().expect("temp dir");
    let data = dir.path().join("bench.db");
    println!(
        "Ricolloca data benchmark — scale {s}: {} providers, {} recipients, {} SAPs, {} audit rows",
        sizes.providers, sizes.people, sizes.saps, sizes.audit_rows
    );
    common::build(&data, &sizes);

    // Latencies on a read-only connection, as the read pool does.
    let ro = repo::open_ro(&data).expect("read-only");
    let scopes = bench_scopes(&ro);
    let mut dash = Vec::new();
    let mut dash_search = Vec::new();
    let mut sap_page = Vec::new();
    for i in 0..200usize {
        let scope = &scopes[i % scopes.len()];
        let t = Instant::now();
        let page = recipients::dashboard(&ro, scope, &Default::default(), 0).expect("dashboard");
        dash.push(t.elapsed());
        assert!(!page.rows.is_empty());
        let t = Instant::now();
        let f = recipients::DashboardFilter { q: "Cognome1".into(), sort: "scadenza".into(), ..Default::default() };
        recipients::dashboard(&ro, scope, &f, 1).expect("dashboard search");
        dash_search.push(t.elapsed());
        let id = page.rows[i % page.rows.len()].id;
        let t = Instant::now();
        sap_view(&ro, scope, id);
        sap_page.push(t.elapsed());
    }
    println!("\n  query (one provider's scope)          p50        p99");
    for (name, samples) in [
        ("cruscotto, first page", &mut dash),
        ("cruscotto, search + sort, page 2", &mut dash_search),
        ("SAP page (recipient, SAP, section VI)", &mut sap_page),
    ] {
        let (p50, p99) = (percentile(samples, 0.5), percentile(samples, 0.99));
        println!("  {name:<38} {:>7.2} ms {:>7.2} ms", p50.as_secs_f64() * 1e3, p99.as_secs_f64() * 1e3);
    }
    let t = Instant::now();
    let report = audit::verify(&ro).expect("verify");
    let secs = t.elapsed().as_secs_f64();
    println!(
        "\n  audit verify: {} rows in {secs:.1} s = {:.0} rows/s",
        report.intact_rows,
        report.intact_rows as f64 / secs
    );
}

/// Provider scopes are built by guards; the benchmark uses the named bypass for two providers.
fn bench_scopes(_conn: &rusqlite::Connection) -> Vec<RecipientScope> {
    [1, 2]
        .into_iter()
        .map(|p| RecipientScope::unsafe_for_benchmarks(ricolloca::domain::ids::ProviderId::from_db(p)))
        .collect()
}

fn sap_view(conn: &rusqlite::Connection, scope: &RecipientScope, id: RecipientId) {
    let r = recipients::get(conn, scope, id).expect("get");
    assert!(r.is_some());
    vouchers::vouchers(conn, scope, id).expect("vouchers");
    saps::latest_sap(conn, scope, id).expect("sap");
    policies::policies(conn, scope, id).expect("policies");
}

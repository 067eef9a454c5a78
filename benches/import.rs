//! Imports and exports never in the way (a program, not a test). On a copy of the kept data
//! set (scale 1: 200k recipients, 5M audit rows), the release server pinned to core 0 imports
//! one CSV of 100,000 new voucher assignments posted to `/api/v1/import/assignments`, while
//! eight clients on core 1 read schede one after the other (`GET /api/v1/recipients/{id}`, an
//! audited view: its row is committed before the answer). Then the same clients read while
//! the Region exports the IDOL feed and the auditor downloads the registro as CSV. Prints the
//! import's time and the views' latency (p50, p99, worst) before and during each.
//!
//! ```sh
//! cargo bench --bench import                     # 100k rows on the full data set
//! RICOLLOCA_BENCH_ROWS=20000 RICOLLOCA_BENCH_SCALE=0.1 cargo bench --bench import
//! ```

#![allow(clippy::indexing_slicing, clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::server::{LOAD_CORE, Pki, Server, add_people, uptime, write_config};
use common::{Sizes, cf, scale};

/// Reading clients: an office's worth of people opening schede at once.
const READERS: usize = 8;

fn main() {
    // The clients run on the load core, away from the server's.
    if std::env::var_os("RICOLLOCA_BENCH_PINNED").is_none() {
        let status = std::process::Command::new("taskset")
            .args(["-c", LOAD_CORE])
            .arg(std::env::current_exe().unwrap())
            .args(std::env::args().skip(1))
            .env("RICOLLOCA_BENCH_PINNED", "1")
            .status()
            .unwrap();
        std::process::exit(status.code().unwrap_or(1));
    }
    let s = scale();
    let rows: usize = std::env::var("RICOLLOCA_BENCH_ROWS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let sizes = Sizes::at(s);
    let (base, cached) = common::kept_data_set(s);
    let run_dir = tempfile::tempdir_in(&base).unwrap();
    let dir = run_dir.path();
    common::place_data_set(&cached, dir, false);
    let files = Pki::write(dir);
    let config = write_config(dir);
    add_people(&config);
    let mut server = Server::start(&config);
    // The start-up check of the audit chain would share the core with the import.
    println!("(waited {:.0} s for the server's start-up work to finish)", server.wait_idle());
    let operator = files.client(&files.operator);
    let region = files.client(&files.region);
    let auditor = files.client(&files.auditor);

    // New people, after the data set's own (the same generator, further on).
    let mut csv = String::from(
        "codice_fiscale;cognome;nome;data_nascita;sesso;codice_assegno;data_rilascio;cpi;fascia_profilazione;ente;data_scelta\n",
    );
    for n in sizes.people..sizes.people + rows {
        csv.push_str(&format!(
            "{};Nuovo{n};Nome{};01/02/1980;F;NEW-{n:07};01/09/2026;CPI-FI;{};ACC-{:04};10/10/2026\n",
            cf(n),
            n % 977,
            1 + n % 4,
            n % sizes.providers
        ));
    }
    println!(
        "\nImports and exports beside audited views — scale {s} ({} recipients, {} audit rows), {READERS} reading \
         clients; load average before: {}\n",
        sizes.people,
        sizes.audit_rows,
        uptime()
    );

    // Provider 1's people: recipient ids n + 1 with n % providers == 0.
    let ids: Vec<usize> = (0..sizes.people).step_by(sizes.providers).map(|n| n + 1).take(500).collect();
    let readers = Readers::start(&server, &operator, &ids);
    println!(
        "{:<44} {:>8} {:>9} {:>8} {:>8} {:>8} {:>6}",
        "while", "seconds", "views", "p50 ms", "p99 ms", "max ms", "non-2xx"
    );

    let phase = |name: &str, work: &dyn Fn() -> String| {
        readers.reset();
        let started = Instant::now();
        let note = work();
        let took = started.elapsed();
        let (n, p50, p99, max, bad) = readers.summary();
        println!("{name:<44} {:>8.1} {n:>9} {p50:>8.1} {p99:>8.1} {max:>8.1} {bad:>6}  {note}", took.as_secs_f64());
    };
    phase("nothing (baseline, 5 s)", &|| {
        std::thread::sleep(Duration::from_secs(5));
        String::new()
    });
    phase(&format!("import of {rows} assignment rows (API)"), &|| {
        let res = region
            .post(server.url("/api/v1/import/assignments"))
            .header("Content-Type", "text/csv")
            .body(csv.clone())
            .send()
            .unwrap();
        let status = res.status();
        let report: serde_json::Value = res.json().unwrap();
        assert!(status.is_success(), "{report}");
        format!("imported {}, refused {}", report["imported"], report["refused"].as_array().map_or(0, Vec::len))
    });
    phase("IDOL export of everything (Region)", &|| {
        let page = region.get(server.url("/regione/idol")).send().unwrap().text().unwrap();
        let token = form_token(&page);
        let res = region
            .post(server.url("/regione/idol"))
            .header("Origin", server.url(""))
            .form(&[("_token", token.as_str()), ("dal", "01/01/2020")])
            .send()
            .unwrap();
        assert!(res.status().is_success(), "{}", res.status());
        format!("{} bytes", res.bytes().unwrap().len())
    });
    phase("registro CSV download (auditor)", &|| {
        let res = auditor.get(server.url("/revisione/registro.csv")).send().unwrap();
        assert!(res.status().is_success(), "{}", res.status());
        format!("{} bytes", res.bytes().unwrap().len())
    });
    readers.stop();
    server.stop();
    println!("\nLoad average after: {}", uptime());
}

fn form_token(page: &str) -> String {
    let at = page.find("name=\"_token\" value=\"").expect("form token");
    page[at + 21..].split('"').next().unwrap().to_owned()
}

/// Clients reading schede in a loop, each request timed.
struct Readers {
    stop: Arc<AtomicBool>,
    samples: Arc<Mutex<Vec<(Duration, bool)>>>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Readers {
    fn start(server: &Server, client: &reqwest::blocking::Client, ids: &[usize]) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let samples = Arc::new(Mutex::new(Vec::new()));
        let threads = (0..READERS)
            .map(|k| {
                let (stop, samples, client) = (stop.clone(), samples.clone(), client.clone());
                let urls: Vec<String> = ids
                    .iter()
                    .skip(k)
                    .step_by(READERS)
                    .map(|id| server.url(&format!("/api/v1/recipients/{id}")))
                    .collect();
                std::thread::spawn(move || {
                    for url in urls.iter().cycle() {
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                        let started = Instant::now();
                        let ok = client.get(url).send().map(|r| r.status().is_success()).unwrap_or(false);
                        samples.lock().unwrap().push((started.elapsed(), ok));
                    }
                })
            })
            .collect();
        Self { stop, samples, threads }
    }

    fn reset(&self) {
        self.samples.lock().unwrap().clear();
    }

    /// (views, p50 ms, p99 ms, max ms, non-2xx) since the last reset.
    fn summary(&self) -> (usize, f64, f64, f64, usize) {
        let samples = self.samples.lock().unwrap().clone();
        let bad = samples.iter().filter(|(_, ok)| !ok).count();
        let mut times: Vec<Duration> = samples.iter().map(|(d, _)| *d).collect();
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let p50 = ms(common::percentile(&mut times, 0.5));
        let p99 = ms(common::percentile(&mut times, 0.99));
        let max = times.last().map_or(0.0, |d| ms(*d));
        (samples.len(), p50, p99, max, bad)
    }

    fn stop(self) {
        self.stop.store(true, Ordering::Relaxed);
        for t in self.threads {
            let _ = t.join();
        }
    }
}

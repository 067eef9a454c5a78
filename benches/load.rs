//! HTTP load benchmark over mutual TLS (a program, not a test): the table of issue 15 in one
//! run. The release binary serves the kept data set (300 providers, 200k recipients with
//! vouchers, 100k SAPs, 5M audit rows at scale 1); `oha` presents an operator's RSA-2048
//! CNS-shaped card (provider 1: about 667 people in scope). The server runs pinned to core 0,
//! the load on core 1, 64 connections, keep-alive. Rows:
//!
//! - nginx serving a static answer with `ssl_verify_client on` (same certificates);
//! - a bare Rocket 0.5 + rustls mTLS route reading the client certificate (this program
//!   started again as that server, with ricolloca's own TLS settings);
//! - the floor `GET /api/v1/me` (TLS, access check, nothing else);
//! - the cruscotto, `GET /api/v1/recipients?page=2`, the scheda `/destinatari/{id}` and the
//!   SAP page (500 people in turn), and `POST /api/v1/recipients/{id}/actions`: every view's
//!   audit row is committed before the answer, every action with its row;
//! - full handshakes: three `openssl s_time -new` clients against ricolloca and nginx;
//! - the server's peak memory over the whole run (VmHWM, and the anonymous part sampled).
//!
//! ```sh
//! cargo install oha --locked; apt install nginx-light
//! cargo bench --bench load                          # full scale, 15 s per run
//! RICOLLOCA_BENCH_SCALE=0.1 RICOLLOCA_BENCH_SECS=5 cargo bench --bench load
//! ```
//!
//! The data file is built once per scale and kept in `RICOLLOCA_BENCH_DIR` (default
//! `target/bench-load`; `RICOLLOCA_BENCH_PREPARE_ONLY=1` builds it and stops); each run works
//! on a copy (`RICOLLOCA_BENCH_IN_PLACE=1`: on the kept file itself, when the disk has no room
//! for a copy; the audit key and checkpoint file that sign it are kept beside it, so the next
//! run starts). `RICOLLOCA_BENCH_ONLY=bl` runs only the rows named by their letters (n nginx,
//! r bare Rocket, a floor, b cruscotto, l API list, s scheda, c SAP page, d POST, h handshakes;
//! `-`: none, the idle server); `RICOLLOCA_BENCH_WRAP` prefixes the server's command line (a
//! profiler), `RICOLLOCA_BENCH_REQUESTS=N` makes each run N requests instead of a time, and
//! `RICOLLOCA_BENCH_HOOK=script` runs `script before|after LETTER PID` around each run.

#![allow(clippy::indexing_slicing, clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::server::{
    self, LOAD_CORE, MemorySampler, Nginx, Pki, Run, SERVER_CORE, Server, Target, add_people, oha, uptime, which,
    write_config,
};
use common::{Sizes, scale};
use ricolloca::infra::clock::system_now;

fn main() {
    if std::env::args().nth(1).as_deref() == Some("--bare-rocket") {
        let config = std::env::args().nth(2).expect("config path");
        bare_rocket(Path::new(&config));
        return;
    }
    let s = scale();
    let secs: u64 = std::env::var("RICOLLOCA_BENCH_SECS").ok().and_then(|v| v.parse().ok()).unwrap_or(15);
    let only = std::env::var("RICOLLOCA_BENCH_ONLY").unwrap_or_else(|_| "nralbscdh".into());
    let sizes = Sizes::at(s);
    let (base, cached) = common::kept_data_set(s);
    if std::env::var_os("RICOLLOCA_BENCH_PREPARE_ONLY").is_some() {
        println!("Data set ready: {}", cached.display());
        return;
    }
    let run_dir = tempfile::tempdir_in(&base).unwrap();
    let dir = run_dir.path();
    // In place when the disk has no room for a 3 GB copy: the run writes into the kept file
    // (its audit rows and actions stay; the next run starts from a slightly larger trail).
    let in_place = std::env::var_os("RICOLLOCA_BENCH_IN_PLACE").is_some();
    common::place_data_set(&cached, dir, in_place);
    let files = Pki::write(dir);
    let config = write_config(dir);
    add_people(&config);
    let card = (files.card.as_path(), files.card_key.as_path());

    // Provider 1's recipients: n % providers == 0, recipient id n + 1.
    let ids: Vec<usize> = (0..sizes.people).step_by(sizes.providers).map(|n| n + 1).take(500).collect();
    let today = system_now().date();
    let action = format!(
        r#"{{"tipo_attivita":"B03","data_proposta":"{today}","evento":"01","data_evento":"{today}","dettagli":{{"ore":2,"argomenti":"CV e canali","offerte_proposte":1}}}}"#
    );

    println!(
        "\nRicolloca over mTLS — scale {s} ({} recipients, {} audit rows), {secs} s per run, 64 connections, \
         keep-alive, server on core {SERVER_CORE}, load on core {LOAD_CORE}; load average before: {}\n",
        sizes.people,
        sizes.audit_rows,
        uptime()
    );
    println!(
        "{:<46} {:>9} {:>8} {:>8} {:>8} {:>9} {:>6}",
        "route", "req/s", "p50 ms", "p99 ms", "max ms", "vs floor", "2xx"
    );

    let nginx_bin = which("nginx");
    let mut rows: Vec<(String, Run, Option<f64>)> = Vec::new();
    let mut show = |name: &str, run: Run, ratio: Option<f64>| {
        print_row(name, &run, ratio);
        rows.push((name.to_owned(), run, ratio));
    };
    if only.contains('n') {
        match &nginx_bin {
            Some(nginx) => {
                let mut ng = Nginx::start(nginx, dir, &files);
                let url = format!("https://127.0.0.1:{}/index.html", ng.port);
                show("nginx, mTLS, static answer", oha(&files, card, &Target::Get(&url), secs, 64, true), None);
                ng.stop();
            }
            None => println!("  nginx not installed: its row skipped (apt install nginx-light)"),
        }
    }
    let bare = only.contains('r').then(|| {
        let mut bare = BareRocket::start(&config);
        let run = oha(&files, card, &Target::Get(&format!("https://127.0.0.1:{}/me", bare.port)), secs, 64, true);
        bare.stop();
        run
    });

    let mut server = Server::start(&config);
    // The start-up check of the audit chain would share the core with the first rows.
    println!("(waited {:.0} s for the server's start-up work to finish)", server.wait_idle());
    let memory = MemorySampler::start(server.pid());
    let url = |path: &str| server.url(path);
    let floor = only.contains('a').then(|| {
        hook("before", 'a', server.pid());
        let run = oha(&files, card, &Target::Get(&url("/api/v1/me")), secs, 64, true);
        hook("after", 'a', server.pid());
        run
    });
    if let Some(bare) = bare {
        show("bare Rocket 0.5 + rustls mTLS, reads the cert", bare, None);
    }
    let floor_rps = floor.map(|f| f.rps);
    if let Some(floor) = floor {
        show("floor: /api/v1/me", floor, bare.map(|b| floor.rps / b.rps));
    }
    let ratio = |run: &Run| floor_rps.map(|f| run.rps / f);
    let url_file = |name: &str, path: &dyn Fn(usize) -> String| {
        let file = dir.join(name);
        std::fs::write(&file, ids.iter().map(|id| format!("{}\n", url(&path(*id)))).collect::<String>()).unwrap();
        file
    };
    let scheda = url_file("scheda-urls.txt", &|id| format!("/destinatari/{id}"));
    let sap = url_file("sap-urls.txt", &|id| format!("/destinatari/{id}/sap"));
    let post = url_file("post-urls.txt", &|id| format!("/api/v1/recipients/{id}/actions"));
    let cruscotto = url("/cruscotto");
    let list = url("/api/v1/recipients?page=2");
    // The reads first, then the writes, so that no read run pays for what the writes added.
    let views: [(char, &str, Target<'_>); 5] = [
        ('b', "cruscotto /cruscotto", Target::Get(&cruscotto)),
        ('l', "GET /api/v1/recipients?page=2", Target::Get(&list)),
        ('s', "scheda /destinatari/{id} (500 people)", Target::UrlFile(&scheda)),
        ('c', "SAP page /destinatari/{id}/sap", Target::UrlFile(&sap)),
        ('d', "POST /api/v1/recipients/{id}/actions (B03)", Target::Post(&post, &action)),
    ];
    for (letter, name, target) in &views {
        if only.contains(*letter) {
            hook("before", *letter, server.pid());
            let run = oha(&files, card, target, secs, 64, true);
            hook("after", *letter, server.pid());
            show(name, run, ratio(&run));
        }
    }
    if only.trim_matches('-').is_empty() {
        // The idle server for the run's length: what the background jobs cost.
        std::thread::sleep(std::time::Duration::from_secs(secs));
    }
    let (hwm, rss, anon) = memory.peaks_mib();
    drop(memory);
    let handshakes = only.contains('h').then(|| {
        let ours = s_time(&files, server.port, secs);
        let theirs = nginx_bin.as_ref().map(|nginx| {
            let mut ng = Nginx::start(nginx, dir, &files);
            let n = s_time(&files, ng.port, secs);
            ng.stop();
            n
        });
        (ours, theirs)
    });
    server.stop();
    if in_place {
        common::settle_in_place(dir);
    }

    if let Some((ours, theirs)) = handshakes {
        println!(
            "\nFull handshakes (three `openssl s_time -new` clients on core {LOAD_CORE}, {secs} s, no resumption):"
        );
        println!("  ricolloca: {ours:.0} handshakes/s");
        if let Some(theirs) = theirs {
            println!("  nginx:     {theirs:.0} handshakes/s");
            println!("  ricolloca / nginx: {:.0}%", 100.0 * ours / theirs);
        }
    }
    println!(
        "\nServer memory over the run: peak RSS (VmHWM) {hwm:.1} MiB; largest sampled RSS {rss:.1} MiB, of which \
         anonymous {anon:.1} MiB (sampled every 200 ms)"
    );
    println!("Load average after: {}", uptime());
}

/// `RICOLLOCA_BENCH_HOOK=script` runs `script before|after LETTER PID` around each of the
/// server's runs: a profile of the requests alone (`callgrind_control -z` before, `-d` after).
fn hook(when: &str, letter: char, pid: u32) {
    if let Ok(script) = std::env::var("RICOLLOCA_BENCH_HOOK") {
        let _ = Command::new(script).args([when, &letter.to_string(), &pid.to_string()]).status();
    }
}

fn print_row(name: &str, run: &Run, ratio: Option<f64>) {
    let ratio = ratio.map(|r| format!("{r:.2}")).unwrap_or_default();
    println!(
        "{name:<46} {:>9.0} {:>8.2} {:>8.2} {:>8.1} {ratio:>9} {:>5.1}%",
        run.rps,
        run.p50_ms,
        run.p99_ms,
        run.max_ms,
        run.ok_share * 100.0
    );
}

/// Handshakes per second of three `openssl s_time -new` clients (full handshakes, no session
/// reuse), each presenting the card, on the load core.
fn s_time(files: &Pki, port: u16, secs: u64) -> f64 {
    let clients: Vec<_> = (0..3)
        .map(|_| {
            Command::new("taskset")
                .args(["-c", LOAD_CORE, "openssl", "s_time", "-new", "-connect"])
                .arg(format!("127.0.0.1:{port}"))
                .arg("-time")
                .arg(secs.to_string())
                .arg("-CAfile")
                .arg(&files.ca)
                .arg("-cert")
                .arg(&files.card)
                .arg("-key")
                .arg(&files.card_key)
                .stdout(Stdio::piped())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    clients
        .into_iter()
        .map(|c| {
            let out = c.wait_with_output().unwrap();
            let text = String::from_utf8_lossy(&out.stdout);
            // "1234 connections in 10.00s; 123.40 connections/user sec, ..." -> by wall time
            text.lines()
                .find(|l| l.contains("connections in") && l.contains("real seconds"))
                .and_then(|l| {
                    let mut words = l.split_whitespace();
                    let n: f64 = words.next()?.parse().ok()?;
                    let secs: f64 = l.split("connections in ").nth(1)?.split_whitespace().next()?.parse().ok()?;
                    Some(n / secs)
                })
                .unwrap_or(0.0)
        })
        .sum()
}

/// This program started again as a bare Rocket server: ricolloca's TLS settings (the same
/// configuration file), one route that reads the client certificate, nothing else.
struct BareRocket {
    child: std::process::Child,
    port: u16,
}

impl BareRocket {
    fn start(config: &Path) -> Self {
        let exe = std::env::current_exe().unwrap();
        let mut child = common::without_bench_env(&mut Command::new("taskset"))
            .args(["-c", SERVER_CORE])
            .arg(exe)
            .arg("--bare-rocket")
            .arg(config)
            .env("MALLOC_ARENA_MAX", "2")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let port = server::port_from(&mut child, "bare rocket on port ");
        Self { child, port }
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for BareRocket {
    fn drop(&mut self) {
        self.stop();
    }
}

#[rocket::get("/me")]
fn bare_me(cert: rocket::mtls::Certificate<'_>) -> String {
    let cn = cert.subject().common_name().unwrap_or_default();
    format!("{{\"subject\":\"{cn}\",\"serial\":\"{}\"}}", cert.serial())
}

fn bare_rocket(config: &Path) {
    use rocket::config::{CipherSuite, MutualTls, TlsConfig};
    let dir = config.parent().expect("the configuration's folder");
    // ricolloca's TLS settings by default: TLS 1.2, ECDHE with AEAD suites, the server's order,
    // an optional client certificate verified against the CA bundle.
    let tls = TlsConfig::from_paths(dir.join("server.pem"), dir.join("server.key"))
        .with_ciphers([
            CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
            CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
            CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
            CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
            CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        ])
        .with_preferred_server_cipher_order(true)
        .with_mutual(MutualTls::from_path(dir.join("ca.pem")).mandatory(false));
    let rocket_config = rocket::Config {
        address: std::net::Ipv4Addr::LOCALHOST.into(),
        port: 0,
        tls: Some(tls),
        log_level: rocket::config::LogLevel::Off,
        ..rocket::Config::release_default()
    };
    let rocket =
        rocket::custom(rocket_config)
            .mount("/", rocket::routes![bare_me])
            .attach(rocket::fairing::AdHoc::on_liftoff("port", |r| {
                Box::pin(async move { println!("bare rocket on port {}", r.config().port) })
            }));
    rocket::execute(async move {
        let _ = rocket.launch().await;
    });
}

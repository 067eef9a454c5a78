//! What the front door costs (a program, not a test): `GET /api/v1/me` over mutual TLS on the
//! real release binary against a bare Rocket 0.5 mTLS route that only reads the certificate,
//! same certificates, same TLS 1.2 suites, both pinned to core 0, `oha` on core 1. Issue #15's
//! target: the floor at >= 80% of the bare route.
//!
//! ```sh
//! cargo install oha --locked
//! cargo bench --bench front                    # 15 s per run, 64 connections
//! RICOLLOCA_BENCH_SECS=5 cargo bench --bench front
//! ```
//!
//! The data file is a fresh one with one provider and its operator: the floor reads only the
//! operator's state, so the data set's size does not matter here (benches/load.rs has the rest).
//! `RICOLLOCA_BENCH_BEFORE=/path/to/an/older/ricolloca` measures that binary too, in the same
//! run (its own copy of the data file), for a before/after on one machine state.

#![allow(clippy::indexing_slicing, clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ricolloca::domain::codice_fiscale::check_letter;
use ricolloca::infra::clock::system_now;
use ricolloca::infra::pki::{Ca, CnsPerson, KeyKind, cns_common_name};

const BIN: &str = env!("CARGO_BIN_EXE_ricolloca");
const SERVER_CORE: &str = "0";
const LOAD_CORE: &str = "1";
const BARE: &str = "--bare-rocket";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == BARE) {
        bare_rocket(Path::new(&args[i + 1]));
        return;
    }
    let secs: u64 = std::env::var("RICOLLOCA_BENCH_SECS").ok().and_then(|v| v.parse().ok()).unwrap_or(15);
    let oha = which("oha").expect("oha not found: cargo install oha --locked");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let now = system_now();
    let ca = Ca::new("CA Cittadini di prova", KeyKind::Rsa2048, now).unwrap();
    let server = ca.server(&["localhost", "127.0.0.1"], KeyKind::Rsa2048, now).unwrap();
    let operator = {
        let body = "BNCLCU80A01D612";
        format!("{body}{}", char::from(check_letter(body.as_bytes())))
    };
    let card = ca
        .cns_client(&CnsPerson::valid_now(&cns_common_name(&operator, 6_120_016_461_039_008), now), KeyKind::Rsa2048)
        .unwrap();
    for (name, content) in [
        ("ca.pem", &ca.cert_pem),
        ("server.pem", &server.cert_pem),
        ("server.key", &server.key_pem),
        ("card.pem", &card.cert_pem),
        ("card.key", &card.key_pem),
    ] {
        std::fs::write(d.join(name), content).unwrap();
    }
    let config = d.join("ricolloca.toml");
    let dd = d.display();
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:0\"\ndata = \"{dd}/ricolloca.db\"\nlog_dir = \"{dd}/log\"\n\n\
             [tls]\ncert = \"{dd}/server.pem\"\nkey = \"{dd}/server.key\"\nclient_ca = \"{dd}/ca.pem\"\n"
        ),
    )
    .unwrap();
    let cli = |args: &[&str]| {
        let out = common::without_bench_env(&mut Command::new(BIN))
            .args(args)
            .env("RICOLLOCA_CONFIG", &config)
            .output()
            .unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    cli(&["provider", "add", "--name", "Ente", "--cf", "06363391001", "--code", "ACC-1", "--pec", "e@pec.example.it"]);
    cli(&[
        "operator",
        "add",
        "--cf",
        &operator,
        "--surname",
        "Bianchi",
        "--name",
        "Luca",
        "--email",
        "l.bianchi@example.it",
        "--role",
        "operatore",
        "--provider",
        "1",
    ]);
    // The older binary works on its own copy of the data file (it may not know newer keys).
    let before = std::env::var_os("RICOLLOCA_BENCH_BEFORE").map(|bin| {
        let other = d.join("before");
        std::fs::create_dir_all(&other).unwrap();
        for file in ["ricolloca.db", "audit.key", "audit-checkpoints.txt"] {
            if d.join(file).exists() {
                std::fs::copy(d.join(file), other.join(file)).unwrap();
            }
        }
        let config = other.join("ricolloca.toml");
        let od = other.display();
        std::fs::write(
            &config,
            format!(
                "listen = \"127.0.0.1:0\"\ndata = \"{od}/ricolloca.db\"\nlog_dir = \"{od}/log\"\n\n\
                 [tls]\ncert = \"{dd}/server.pem\"\nkey = \"{dd}/server.key\"\nclient_ca = \"{dd}/ca.pem\"\n"
            ),
        )
        .unwrap();
        (PathBuf::from(bin), config)
    });
    let run = |url: &str, keepalive: bool| {
        let mut cmd = Command::new("taskset");
        cmd.args(["-c", LOAD_CORE]).arg(&oha).args(["--no-tui", "--output-format", "json", "-z"]);
        cmd.arg(format!("{secs}s")).args(["-c", "64"]);
        cmd.arg("--cacert").arg(d.join("ca.pem")).arg("--cert").arg(d.join("card.pem"));
        cmd.arg("--key").arg(d.join("card.key"));
        if !keepalive {
            cmd.arg("--disable-keepalive");
        }
        summary(&cmd.arg(url).output().unwrap())
    };
    println!(
        "\nThe front door over mTLS, {secs} s per run, 64 connections, server on core {SERVER_CORE}, oha on core {LOAD_CORE}\n"
    );
    println!("{:<52} {:>9} {:>9} {:>9}", "run", "req/s", "p50 ms", "p99 ms");
    let mut results = Vec::new();
    for keepalive in [true, false] {
        let tag = if keepalive { "keep-alive" } else { "no keep-alive" };
        let mut bare = Process::start(
            common::without_bench_env(&mut Command::new("taskset"))
                .args(["-c", SERVER_CORE])
                .arg(std::env::current_exe().unwrap())
                .arg(BARE)
                .arg(d),
        );
        let b = run(&format!("https://127.0.0.1:{}/api/v1/me", bare.port), keepalive);
        bare.stop();
        let serve = |bin: &Path, config: &Path| {
            let mut server = Process::start(
                common::without_bench_env(&mut Command::new("taskset"))
                    .args(["-c", SERVER_CORE])
                    .arg(bin)
                    .args(["serve", "--config"])
                    .arg(config)
                    .env("RUST_LOG", "error")
                    .env("MALLOC_ARENA_MAX", "2")
                    .env("RICOLLOCA_AUDIT__NOTICE_REQUIRED", "false"),
            );
            let r = run(&format!("https://127.0.0.1:{}/api/v1/me", server.port), keepalive);
            server.stop();
            r
        };
        let before = before.as_ref().map(|(bin, config)| serve(bin, config));
        let o = serve(Path::new(BIN), &config);
        row(&format!("bare Rocket 0.5 mTLS route, {tag}"), &b);
        if let Some(before) = &before {
            row(&format!("ricolloca /api/v1/me, {tag}, before"), before);
            results.push((format!("before, {tag}"), before.0 / b.0));
        }
        row(&format!("ricolloca /api/v1/me, {tag}"), &o);
        results.push((tag.to_owned(), o.0 / b.0));
    }
    for (tag, ratio) in results {
        println!("  ricolloca / bare, {tag}: {:.0}%", ratio * 100.0);
    }
}

fn row(name: &str, (rps, p50, p99): &(f64, f64, f64)) {
    println!("{name:<52} {rps:>9.0} {p50:>9.2} {p99:>9.2}");
}

/// (req/s, p50 ms, p99 ms) from oha's JSON; fails when anything but a 200 came back.
fn summary(out: &std::process::Output) -> (f64, f64, f64) {
    assert!(out.status.success(), "oha: {}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes = v["statusCodeDistribution"].as_object().cloned().unwrap_or_default();
    assert!(codes.keys().all(|k| k == "200"), "not only 200s: {codes:?}");
    (
        v["summary"]["requestsPerSec"].as_f64().unwrap_or(0.0),
        v["latencyPercentiles"]["p50"].as_f64().unwrap_or(f64::NAN) * 1e3,
        v["latencyPercentiles"]["p99"].as_f64().unwrap_or(f64::NAN) * 1e3,
    )
}

/// A child that prints `https://127.0.0.1:PORT/` once it listens.
struct Process {
    child: Child,
    port: u16,
}

impl Process {
    fn start(cmd: &mut Command) -> Self {
        let mut child = cmd.stdout(Stdio::piped()).spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("https://127.0.0.1:").nth(1) {
                    let _ = tx.send(rest.trim_end_matches('/').parse::<u16>().unwrap());
                }
            }
        });
        let port = rx.recv_timeout(Duration::from_secs(60)).expect("server did not start");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline);
            std::thread::sleep(Duration::from_millis(20));
        }
        Self { child, port }
    }

    fn stop(&mut self) {
        let _ = Command::new("kill").arg(self.child.id().to_string()).status();
        let _ = self.child.wait();
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Rocket 0.5 with its own rustls listener, the same TLS 1.2 suites as ricolloca's default and
/// an optional client certificate; one route that parses the certificate and answers JSON.
fn bare_rocket(dir: &Path) {
    use rocket::config::{CipherSuite, MutualTls, TlsConfig};

    #[rocket::get("/api/v1/me")]
    fn me(cert: rocket::mtls::Certificate<'_>) -> rocket::serde::json::Json<serde_json::Value> {
        let cn = cert.subject().common_name().unwrap_or_default().to_owned();
        rocket::serde::json::Json(serde_json::json!({ "cn": cn, "serial": cert.serial().to_string() }))
    }

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
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let config = rocket::Config {
        address: [127, 0, 0, 1].into(),
        port,
        tls: Some(tls),
        log_level: rocket::config::LogLevel::Off,
        ..rocket::Config::release_default()
    };
    let runtime = rocket::tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let rocket = rocket::custom(config).mount("/", rocket::routes![me]).attach(rocket::fairing::AdHoc::on_liftoff(
        "port",
        move |_| {
            Box::pin(async move {
                println!("https://127.0.0.1:{port}/");
            })
        },
    ));
    let _ = runtime.block_on(rocket.launch());
}

fn which(name: &str) -> Option<PathBuf> {
    let home = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo/bin"));
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain(home)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

//! HTTP load benchmark over mutual TLS (a program, not a test): the real release binary on the
//! shared data set (300 providers, 200k recipients, 100k SAPs, 5M audit rows at scale 1), loaded
//! with `oha` presenting an operator's RSA-2048 CNS-shaped certificate. Server and load generator
//! are pinned to different cores (`taskset`). Prints one table:
//!
//! - (a) the floor: `GET /api/v1/me`, TLS + certificate guard and nothing else;
//! - (b) the cruscotto page, (c) a recipient's SAP page (one audited view each, committed
//!   before the answer), (d) recording an action (`POST /api/v1/recipients/{id}/actions`);
//! - each with keep-alive and with `--disable-keepalive` (a full handshake per request);
//! - nginx (Debian package) serving a static file with `ssl_verify_client on` and the same
//!   certificates, for the handshake ratio;
//! - peak RSS at 100 connections, binary size, cold start.
//!
//! ```sh
//! cargo install oha --locked; apt install nginx-light
//! cargo bench --bench load                          # full scale, 30 s per run
//! RICOLLOCA_BENCH_SCALE=0.1 RICOLLOCA_BENCH_SECS=10 cargo bench --bench load
//! ```
//!
//! The data file is built once per scale and kept in `RICOLLOCA_BENCH_DIR` (default
//! `target/bench-load`; `RICOLLOCA_BENCH_PREPARE_ONLY=1` builds it and stops); each run works
//! on a copy, so runs do not grow it. `RICOLLOCA_BENCH_WRAP` prefixes the server's command line
//! (a heap profile: `RICOLLOCA_BENCH_WRAP="heaptrack -o /tmp/ht"`), and `RICOLLOCA_BENCH_ONLY=bc`
//! runs only the routes named by their letters (`RICOLLOCA_BENCH_ONLY=-`: none, the idle server).

#![allow(clippy::indexing_slicing, clippy::expect_used, clippy::unwrap_used, clippy::panic)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::{Sizes, cf, scale};
use ricolloca::domain::codice_fiscale::check_letter;
use ricolloca::infra::clock::system_now;
use ricolloca::infra::pki::{Ca, CnsPerson, KeyKind, cns_common_name};

const BIN: &str = env!("CARGO_BIN_EXE_ricolloca");
const SERVER_CORE: &str = "0";
const LOAD_CORE: &str = "1";

/// One oha run's summary.
struct Run {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    ok_share: f64,
}

fn main() {
    let s = scale();
    let secs: u64 = std::env::var("RICOLLOCA_BENCH_SECS").ok().and_then(|v| v.parse().ok()).unwrap_or(30);
    let sizes = Sizes::at(s);

    let (base, cached) = common::kept_data_set(s);
    if std::env::var_os("RICOLLOCA_BENCH_PREPARE_ONLY").is_some() {
        println!("Data set ready: {}", cached.display());
        return;
    }

    let oha = which("oha").expect("oha not found: cargo install oha --locked");
    let nginx = which("nginx").or_else(|| Some(PathBuf::from("/usr/sbin/nginx")).filter(|p| p.exists()));
    let run_dir = tempfile::tempdir_in(&base).unwrap();
    let dir = run_dir.path();
    let data = dir.join("ricolloca.db");
    std::fs::copy(&cached, &data).unwrap();
    let files = Pki::write(dir);
    let config = write_config(dir);
    let operator_cf = operator_cf();
    let out = common::without_bench_env(&mut Command::new(BIN))
        .args(["operator", "add", "--cf", &operator_cf, "--surname", "Bianchi", "--name", "Luca"])
        .args(["--email", "l.bianchi@example.it", "--role", "operatore", "--provider", "1"])
        .env("RICOLLOCA_CONFIG", &config)
        .output()
        .unwrap();
    assert!(out.status.success(), "operator add: {}", String::from_utf8_lossy(&out.stderr));

    // Provider 1's recipients: n % providers == 0, recipient id n + 1.
    let ids: Vec<usize> = (0..sizes.people).step_by(sizes.providers).map(|n| n + 1).take(500).collect();
    let sap_urls = dir.join("sap-urls.txt");

    let started = Instant::now();
    let mut server = Server::start(&config);
    let ready = started.elapsed();
    let url = |path: &str| format!("https://127.0.0.1:{}{path}", server.port);
    let first = first_response(&files, &url("/api/v1/me"), started);
    std::fs::write(
        &sap_urls,
        ids.iter().map(|id| format!("{}\n", url(&format!("/destinatari/{id}/sap")))).collect::<String>(),
    )
    .unwrap();

    let today = system_now().date();
    let action = format!(
        r#"{{"tipo_attivita":"B03","data_proposta":"{today}","evento":"01","data_evento":"{today}","dettagli":{{"ore":2,"argomenti":"CV e canali","offerte_proposte":1}}}}"#
    );
    // The actions go to the same 500 people in turn: all on one person would give them tens
    // of thousands of actions, which every later page about them would list.
    let post_urls = dir.join("post-urls.txt");
    std::fs::write(
        &post_urls,
        ids.iter().map(|id| format!("{}\n", url(&format!("/api/v1/recipients/{id}/actions")))).collect::<String>(),
    )
    .unwrap();

    println!(
        "\nRicolloca over mTLS — scale {s} ({} recipients, {} audit rows), {secs} s per run, 64 connections, \
         server on core {SERVER_CORE}, oha on core {LOAD_CORE}\n",
        sizes.people, sizes.audit_rows
    );
    println!("{:<44} {:>9} {:>9} {:>9} {:>7} {:>6}", "run", "req/s", "p50 ms", "p99 ms", "vs (a)", "2xx");
    let oha_run = |target: Target<'_>, keepalive: bool, conns: u32| {
        let mut cmd = Command::new("taskset");
        cmd.args(["-c", LOAD_CORE]).arg(&oha).args(["--no-tui", "--output-format", "json", "-z"]);
        cmd.arg(format!("{secs}s")).args(["-c", &conns.to_string()]);
        cmd.arg("--cacert").arg(&files.ca).arg("--cert").arg(&files.card).arg("--key").arg(&files.card_key);
        if !keepalive {
            cmd.arg("--disable-keepalive");
        }
        match target {
            Target::Get(u) => {
                cmd.arg(u);
            }
            Target::UrlFile(f) => {
                cmd.arg("--urls-from-file").arg(f);
            }
            Target::Post(urls, body) => {
                cmd.args(["-m", "POST", "-H", "content-type: application/json", "-d", body, "--urls-from-file"]);
                cmd.arg(urls);
            }
        }
        oha_summary(&cmd.output().unwrap())
    };
    // `RICOLLOCA_BENCH_ONLY=b` (any of the letters a-d) runs just those routes, keep-alive,
    // and stops: for profiling one route (with `RICOLLOCA_BENCH_WRAP`).
    if let Ok(only) = std::env::var("RICOLLOCA_BENCH_ONLY") {
        let me = url("/api/v1/me");
        let cruscotto = url("/cruscotto");
        let targets = [
            ('a', "(a) floor", Target::Get(&me)),
            ('b', "(b) cruscotto", Target::Get(&cruscotto)),
            ('c', "(c) SAP page", Target::UrlFile(&sap_urls)),
            ('d', "(d) record an action (POST)", Target::Post(&post_urls, &action)),
        ];
        for (letter, name, target) in targets {
            if only.contains(letter) {
                print_row(&format!("{name}, keep-alive"), &oha_run(target, true, 64), None);
            }
        }
        if !only.contains(['a', 'b', 'c', 'd']) {
            // None of them: the idle server for the run's length (what the background jobs cost).
            std::thread::sleep(Duration::from_secs(secs));
        }
        println!("\n  peak RSS (VmHWM): {:.1} MB", vm_hwm_kb(server.child.id()) as f64 / 1024.0);
        server.stop();
        return;
    }
    // The reads first, then the writes, so that no read run pays for what the writes added.
    let mut floors = Vec::new();
    for keepalive in [true, false] {
        let tag = if keepalive { "keep-alive" } else { "no keep-alive" };
        let floor = oha_run(Target::Get(&url("/api/v1/me")), keepalive, 64);
        print_row(&format!("(a) floor: /api/v1/me, {tag}"), &floor, None);
        for (name, target) in
            [("(b) cruscotto", Target::Get(&url("/cruscotto"))), ("(c) SAP page", Target::UrlFile(&sap_urls))]
        {
            let run = oha_run(target, keepalive, 64);
            print_row(&format!("{name}, {tag}"), &run, Some(run.rps / floor.rps));
        }
        floors.push(floor.rps);
    }
    // Memory at 100 connections (SAP pages).
    let hundred = oha_run(Target::UrlFile(&sap_urls), true, 100);
    print_row("(c) SAP page, keep-alive, 100 connections", &hundred, None);
    for (keepalive, floor) in [true, false].into_iter().zip(floors) {
        let tag = if keepalive { "keep-alive" } else { "no keep-alive" };
        let run = oha_run(Target::Post(&post_urls, &action), keepalive, 64);
        print_row(&format!("(d) record an action (POST), {tag}"), &run, Some(run.rps / floor));
    }
    let peak_kb = vm_hwm_kb(server.child.id());
    server.stop();

    let handshake = nginx.map(|nginx| {
        let ours = {
            let mut again = Server::start(&config);
            let u = format!("https://127.0.0.1:{}/api/v1/me", again.port);
            let r = oha_run(Target::Get(&u), false, 64);
            again.stop();
            r
        };
        let mut ng = Nginx::start(&nginx, dir, &files);
        let theirs = oha_run(Target::Get(&format!("https://127.0.0.1:{}/index.html", ng.port)), false, 64);
        ng.stop();
        (ours, theirs)
    });
    if let Some((ours, theirs)) = &handshake {
        println!();
        print_row("handshakes: ricolloca /api/v1/me, no keep-alive", ours, None);
        print_row("handshakes: nginx static file, no keep-alive", theirs, None);
        println!("  ricolloca / nginx: {:.2}", ours.rps / theirs.rps);
    } else {
        println!("\n  nginx not installed: handshake comparison skipped (apt install nginx-light)");
    }

    let size = std::fs::metadata(BIN).map(|m| m.len()).unwrap_or(0);
    println!("\n  peak RSS over the run (VmHWM): {:.1} MB", peak_kb as f64 / 1024.0);
    println!("  binary: {:.1} MB ({BIN})", size as f64 / 1e6);
    println!(
        "  cold start on {:.0} MB data file: listening after {:.0} ms, first authenticated answer after {:.0} ms",
        std::fs::metadata(&data).map(|m| m.len()).unwrap_or(0) as f64 / 1e6,
        ready.as_secs_f64() * 1e3,
        first.as_secs_f64() * 1e3
    );
}

enum Target<'a> {
    Get(&'a str),
    UrlFile(&'a Path),
    /// POST the body to each URL of the file in turn.
    Post(&'a Path, &'a str),
}

fn print_row(name: &str, run: &Run, ratio: Option<f64>) {
    let ratio = ratio.map(|r| format!("{:.0}%", r * 100.0)).unwrap_or_default();
    println!(
        "{name:<44} {:>9.0} {:>9.2} {:>9.2} {ratio:>7} {:>5.1}%",
        run.rps,
        run.p50_ms,
        run.p99_ms,
        run.ok_share * 100.0
    );
}

/// Reads oha's JSON summary (`--output-format json`).
fn oha_summary(out: &std::process::Output) -> Run {
    assert!(out.status.success(), "oha: {}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("oha output: {e}: {}", String::from_utf8_lossy(&out.stdout)));
    let codes = v["statusCodeDistribution"].as_object().cloned().unwrap_or_default();
    let total: f64 = codes.values().filter_map(serde_json::Value::as_f64).sum();
    let ok: f64 = codes.iter().filter(|(k, _)| k.starts_with('2')).filter_map(|(_, v)| v.as_f64()).sum();
    // Requests cut off when the run's time is up are not failures.
    let errors: Vec<String> = v["errorDistribution"]
        .as_object()
        .map(|m| m.iter().filter(|(k, _)| !k.contains("deadline")).map(|(k, n)| format!("{k}: {n}")).collect())
        .unwrap_or_default();
    if !errors.is_empty() {
        eprintln!("  oha errors: {}", errors.join(", "));
    }
    Run {
        rps: v["summary"]["requestsPerSec"].as_f64().unwrap_or(0.0),
        p50_ms: v["latencyPercentiles"]["p50"].as_f64().unwrap_or(f64::NAN) * 1e3,
        p99_ms: v["latencyPercentiles"]["p99"].as_f64().unwrap_or(f64::NAN) * 1e3,
        ok_share: if total > 0.0 { ok / total } else { 0.0 },
    }
}

/// A fixed, valid codice fiscale for the benchmark's operator.
fn operator_cf() -> String {
    let body = "BNCLCU80A01D612";
    let mut s = body.to_owned();
    s.push(char::from(check_letter(body.as_bytes())));
    assert_ne!(s, cf(0));
    s
}

/// Certificate files: a throwaway CA, the server's and the operator's (RSA-2048, like real
/// cards and most office servers), the same for nginx.
struct Pki {
    ca: PathBuf,
    server: PathBuf,
    server_key: PathBuf,
    card: PathBuf,
    card_key: PathBuf,
}

impl Pki {
    fn write(dir: &Path) -> Self {
        let now = system_now();
        let ca = Ca::new("CA Cittadini di prova", KeyKind::Rsa2048, now).unwrap();
        let server = ca.server(&["localhost", "127.0.0.1"], KeyKind::Rsa2048, now).unwrap();
        let cn = cns_common_name(&operator_cf(), 6_120_016_461_039_008);
        let card = ca.cns_client(&CnsPerson::valid_now(&cn, now), KeyKind::Rsa2048).unwrap();
        let files = Self {
            ca: dir.join("ca.pem"),
            server: dir.join("server.pem"),
            server_key: dir.join("server.key"),
            card: dir.join("card.pem"),
            card_key: dir.join("card.key"),
        };
        std::fs::write(&files.ca, &ca.cert_pem).unwrap();
        std::fs::write(&files.server, &server.cert_pem).unwrap();
        std::fs::write(&files.server_key, &server.key_pem).unwrap();
        std::fs::write(&files.card, &card.cert_pem).unwrap();
        std::fs::write(&files.card_key, &card.key_pem).unwrap();
        files
    }
}

fn write_config(dir: &Path) -> PathBuf {
    let d = dir.display();
    let config = dir.join("ricolloca.toml");
    std::fs::write(
        &config,
        format!(
            "listen = \"127.0.0.1:0\"\ndata = \"{d}/ricolloca.db\"\nlog_dir = \"{d}/log\"\n\n\
             [tls]\ncert = \"{d}/server.pem\"\nkey = \"{d}/server.key\"\nclient_ca = \"{d}/ca.pem\"\n"
        ),
    )
    .unwrap();
    config
}

/// Polls with curl until the operator gets a 200; returns the time since `since`.
fn first_response(files: &Pki, url: &str, since: Instant) -> Duration {
    loop {
        let out = Command::new("curl")
            .args(["-s", "-o", "/dev/null", "-w", "%{http_code}", "--cacert"])
            .arg(&files.ca)
            .arg("--cert")
            .arg(&files.card)
            .arg("--key")
            .arg(&files.card_key)
            .arg(url)
            .output()
            .expect("curl");
        if out.stdout == b"200" {
            return since.elapsed();
        }
        assert!(
            since.elapsed() < Duration::from_secs(60),
            "no 200 from {url}: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// The release server, pinned to its core; killed on drop.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn start(config: &Path) -> Self {
        // `RICOLLOCA_BENCH_WRAP="heaptrack -o /tmp/ht"` runs the server under a profiler.
        let wrap = std::env::var("RICOLLOCA_BENCH_WRAP").unwrap_or_default();
        let mut child = common::without_bench_env(&mut Command::new("taskset"))
            .args(["-c", SERVER_CORE])
            .args(wrap.split_whitespace())
            .args([BIN, "serve", "--config"])
            .arg(config)
            // Errors only: at the end of each run oha drops connections mid-way, which the
            // TLS listener would log as warnings by the thousand.
            .env("RUST_LOG", "error")
            // As the systemd unit runs it (packaging/ricolloca.service).
            .env("MALLOC_ARENA_MAX", "2")
            // The bench operator has not read the tracking notice; pages would redirect to it.
            .env("RICOLLOCA_AUDIT__NOTICE_REQUIRED", "false")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(rest) = line.split("https://127.0.0.1:").nth(1) {
                    let _ = tx.send(rest.trim_end_matches('/').parse::<u16>().unwrap());
                }
            }
        });
        let port = rx.recv_timeout(Duration::from_secs(120)).expect("server did not start");
        Self { child, port }
    }

    fn stop(&mut self) {
        // SIGTERM: a clean shutdown writes its checkpoint, as in production.
        let _ = Command::new("kill").arg(self.child.id().to_string()).status();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// nginx with one worker on the server's core, the same certificates, client certs required,
/// and a session cache: oha resumes TLS sessions where the server allows it, as ricolloca
/// (rustls's default cache) does, so both answer resumed and full handshakes alike.
struct Nginx {
    child: Child,
    port: u16,
}

impl Nginx {
    fn start(nginx: &Path, dir: &Path, files: &Pki) -> Self {
        let port = free_port();
        let root = dir.join("www");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(root.join("index.html"), "{\"codice_fiscale\":\"BNCLCU80A01D612X\",\"role\":\"operatore\"}\n")
            .unwrap();
        let conf = dir.join("nginx.conf");
        std::fs::write(
            &conf,
            format!(
                "worker_processes 1;\ndaemon off;\nmaster_process off;\npid {d}/nginx.pid;\nerror_log {d}/nginx-error.log;\n\
                 events {{ worker_connections 4096; }}\n\
                 http {{\n access_log off;\n client_body_temp_path {d}/nginx-tmp;\n\
                 server {{\n  listen 127.0.0.1:{port} ssl;\n  ssl_protocols TLSv1.2 TLSv1.3;\n\
                 ssl_certificate {server};\n  ssl_certificate_key {key};\n  ssl_client_certificate {ca};\n\
                 ssl_verify_client on;\n  ssl_session_cache shared:SSL:10m;\n  root {root};\n }}\n}}\n",
                d = dir.display(),
                server = files.server.display(),
                key = files.server_key.display(),
                ca = files.ca.display(),
                root = root.display(),
            ),
        )
        .unwrap();
        let child = Command::new("taskset")
            .args(["-c", SERVER_CORE])
            .arg(nginx)
            .arg("-c")
            .arg(&conf)
            .arg("-e")
            .arg(dir.join("nginx-error.log"))
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "nginx did not start; see {}/nginx-error.log", dir.display());
            std::thread::sleep(Duration::from_millis(20));
        }
        Self { child, port }
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        self.stop();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn vm_hwm_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
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

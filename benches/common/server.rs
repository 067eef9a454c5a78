//! What the HTTP benchmarks share: certificates, the release server pinned to its core, nginx,
//! oha runs, a TLS client presenting a card, and memory samples of the server process.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use ricolloca::domain::codice_fiscale::check_letter;
use ricolloca::infra::clock::system_now;
use ricolloca::infra::pki::{Ca, CnsPerson, Issued, KeyKind, cns_common_name};

pub const BIN: &str = env!("CARGO_BIN_EXE_ricolloca");
pub const SERVER_CORE: &str = "0";
pub const LOAD_CORE: &str = "1";

/// A fixed, valid codice fiscale from a 15-character body.
pub fn fixed_cf(body: &str) -> String {
    let mut s = body.to_owned();
    s.push(char::from(check_letter(body.as_bytes())));
    s
}

/// The benchmarks' operator (provider 1, about 667 people at scale 1) and regional officer.
pub fn operator_cf() -> String {
    fixed_cf("BNCLCU80A01D612")
}
pub fn region_cf() -> String {
    fixed_cf("VRDNNA75A41D612")
}
pub fn auditor_cf() -> String {
    fixed_cf("NRIPLA75C03F205")
}

/// Certificate files: a throwaway CA, the server's and two cards (RSA-2048, like real cards
/// and most office servers); nginx gets the same.
pub struct Pki {
    pub ca: PathBuf,
    pub ca_pem: String,
    pub server: PathBuf,
    pub server_key: PathBuf,
    pub card: PathBuf,
    pub card_key: PathBuf,
    pub operator: Issued,
    pub region: Issued,
    pub auditor: Issued,
}

impl Pki {
    pub fn write(dir: &Path) -> Self {
        let now = system_now();
        let ca = Ca::new("CA Cittadini di prova", KeyKind::Rsa2048, now).unwrap();
        let server = ca.server(&["localhost", "127.0.0.1"], KeyKind::Rsa2048, now).unwrap();
        let card = |cf: &str, serial: u64| {
            let cn = cns_common_name(cf, serial);
            ca.cns_client(&CnsPerson::valid_now(&cn, now), KeyKind::Rsa2048).unwrap()
        };
        let operator = card(&operator_cf(), 6_120_016_461_039_008);
        let region = card(&region_cf(), 6_120_016_461_039_009);
        let auditor = card(&auditor_cf(), 6_120_016_461_039_010);
        let files = Self {
            ca: dir.join("ca.pem"),
            ca_pem: ca.cert_pem.clone(),
            server: dir.join("server.pem"),
            server_key: dir.join("server.key"),
            card: dir.join("card.pem"),
            card_key: dir.join("card.key"),
            operator,
            region,
            auditor,
        };
        std::fs::write(&files.ca, &ca.cert_pem).unwrap();
        std::fs::write(&files.server, &server.cert_pem).unwrap();
        std::fs::write(&files.server_key, &server.key_pem).unwrap();
        std::fs::write(&files.card, &files.operator.cert_pem).unwrap();
        std::fs::write(&files.card_key, &files.operator.key_pem).unwrap();
        files
    }

    /// A blocking HTTPS client presenting `card`.
    pub fn client(&self, card: &Issued) -> reqwest::blocking::Client {
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let mut roots = rustls::RootCertStore::empty();
        for c in CertificateDer::pem_slice_iter(self.ca_pem.as_bytes()) {
            roots.add(c.unwrap()).unwrap();
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&[&rustls::version::TLS12, &rustls::version::TLS13])
            .unwrap()
            .with_root_certificates(roots)
            .with_client_auth_cert(
                vec![CertificateDer::from(card.cert_der.clone())],
                PrivateKeyDer::try_from(card.key_der.clone()).unwrap(),
            )
            .unwrap();
        reqwest::blocking::Client::builder()
            .use_preconfigured_tls(config)
            .timeout(Duration::from_secs(600))
            .build()
            .unwrap()
    }
}

/// The configuration of a bench server on `dir/ricolloca.db`.
pub fn write_config(dir: &Path) -> PathBuf {
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

/// Registers the bench operator (provider 1), the regional officer and the auditor.
pub fn add_people(config: &Path) {
    for (cf, role, provider) in
        [(operator_cf(), "operatore", Some("1")), (region_cf(), "regione", None), (auditor_cf(), "revisore", None)]
    {
        let mut cmd = Command::new(BIN);
        super::without_bench_env(&mut cmd)
            .args(["operator", "add", "--cf", &cf, "--surname", "Bianchi", "--name", "Luca"])
            .args(["--email", "l.bianchi@example.it", "--role", role, "--role-title", "Orientatore"])
            .env("RICOLLOCA_CONFIG", config);
        if let Some(p) = provider {
            cmd.args(["--provider", p]);
        }
        let out = cmd.output().unwrap();
        // A run in place (`RICOLLOCA_BENCH_IN_PLACE`) finds the people of the previous run.
        let known = String::from_utf8_lossy(&out.stderr).contains("già stato usato");
        assert!(out.status.success() || known, "operator add: {}", String::from_utf8_lossy(&out.stderr));
    }
}

/// The release server, pinned to its core; killed on drop.
pub struct Server {
    pub child: Child,
    pub port: u16,
}

impl Server {
    pub fn start(config: &Path) -> Self {
        // `RICOLLOCA_BENCH_WRAP="valgrind --tool=callgrind"` runs the server under a profiler.
        let wrap = std::env::var("RICOLLOCA_BENCH_WRAP").unwrap_or_default();
        let mut child = super::without_bench_env(&mut Command::new("taskset"))
            .args(["-c", SERVER_CORE])
            .args(wrap.split_whitespace())
            .args([BIN, "serve", "--config"])
            .arg(config)
            // Errors only: at the end of each run oha drops connections mid-way, which the
            // TLS listener would log as warnings by the thousand.
            .env("RUST_LOG", "error")
            // As the systemd unit runs it (packaging/ricolloca.service).
            .env("MALLOC_ARENA_MAX", "2")
            // The bench people have not read the tracking notice; pages would redirect to it.
            .env("RICOLLOCA_AUDIT__NOTICE_REQUIRED", "false")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let port = port_from(&mut child, "https://127.0.0.1:");
        Self { child, port }
    }

    /// Waits (at most five minutes) until the server stops working on its own: at start it
    /// checks the whole audit chain in the background (5M rows: 12 s of a quiet core, a
    /// minute of a shared one), and a run measured meanwhile shares the core with it. Returns
    /// the seconds waited.
    pub fn wait_idle(&self) -> f64 {
        let started = Instant::now();
        let mut quiet = 0;
        let mut before = cpu_ticks(self.pid());
        while quiet < 2 && started.elapsed() < Duration::from_secs(300) {
            std::thread::sleep(Duration::from_secs(1));
            let now = cpu_ticks(self.pid());
            // Clock ticks are hundredths of a second: under 5% of a core for two seconds.
            quiet = if now.saturating_sub(before) < 5 { quiet + 1 } else { 0 };
            before = now;
        }
        started.elapsed().as_secs_f64()
    }

    pub fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.port)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn stop(&mut self) {
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

/// CPU time (user + system, clock ticks) of a process and its descendants (a profiler's
/// child, when `RICOLLOCA_BENCH_WRAP` runs the server under one).
fn cpu_ticks(pid: u32) -> u64 {
    let own = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            // Fields after the command name, which ends with the last ')': utime and stime are
            // the 14th and 15th fields of the line, the 12th and 13th after it.
            let rest = stat.rsplit_once(')')?.1;
            let fields: Vec<&str> = rest.split_whitespace().collect();
            Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
        })
        .unwrap_or(0);
    let children: u64 = std::fs::read_dir(format!("/proc/{pid}/task"))
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter_map(|task| std::fs::read_to_string(task.path().join("children")).ok())
        .flat_map(|list| list.split_whitespace().filter_map(|c| c.parse::<u32>().ok()).collect::<Vec<_>>())
        .map(cpu_ticks)
        .sum();
    own + children
}

/// Waits for the line on the child's stdout that names its port after `prefix`.
pub fn port_from(child: &mut Child, prefix: &'static str) -> u16 {
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(rest) = line.split(prefix).nth(1) {
                let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
                let _ = tx.send(digits.parse::<u16>().unwrap());
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(300)).expect("server did not start")
}

/// nginx with one worker on the server's core, the same certificates, client certificates
/// required, serving a static answer; TLS 1.2 only, like ricolloca's default, so that
/// handshakes compare like with like.
pub struct Nginx {
    child: Child,
    pub port: u16,
}

impl Nginx {
    pub fn start(nginx: &Path, dir: &Path, files: &Pki) -> Self {
        let port = free_port();
        let root = dir.join("www");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::create_dir_all(dir.join("nginx-tmp")).unwrap();
        std::fs::write(root.join("index.html"), "{\"codice_fiscale\":\"BNCLCU80A01D612X\",\"role\":\"operatore\"}\n")
            .unwrap();
        let conf = dir.join("nginx.conf");
        std::fs::write(
            &conf,
            format!(
                "worker_processes 1;\ndaemon off;\nmaster_process off;\npid {d}/nginx.pid;\nerror_log {d}/nginx-error.log;\n\
                 events {{ worker_connections 4096; }}\n\
                 http {{\n access_log off;\n client_body_temp_path {d}/nginx-tmp;\n\
                 server {{\n  listen 127.0.0.1:{port} ssl;\n  ssl_protocols TLSv1.2;\n\
                 ssl_certificate {server};\n  ssl_certificate_key {key};\n  ssl_client_certificate {ca};\n\
                 ssl_verify_client on;\n  ssl_session_cache shared:SSL:10m;\n  keepalive_requests 1000000;\n  root {root};\n }}\n}}\n",
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
        wait_listening(port, dir);
        Self { child, port }
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        self.stop();
    }
}

pub fn wait_listening(port: u16, dir: &Path) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nothing listens on {port}; see {}", dir.display());
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

pub fn which(name: &str) -> Option<PathBuf> {
    let home = std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo/bin"));
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain(home)
        .chain([PathBuf::from("/usr/sbin")])
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// One oha run's summary.
#[derive(Debug, Clone, Copy, Default)]
pub struct Run {
    pub rps: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub ok_share: f64,
}

/// What to load.
pub enum Target<'a> {
    Get(&'a str),
    UrlFile(&'a Path),
    /// POST the body to each URL of the file in turn.
    Post(&'a Path, &'a str),
}

/// Runs oha on the load core: `secs` seconds (or `RICOLLOCA_BENCH_REQUESTS` requests, for
/// profiles with a fixed amount of work), `conns` connections, presenting the card.
pub fn oha(files: &Pki, card: (&Path, &Path), target: &Target<'_>, secs: u64, conns: u32, keepalive: bool) -> Run {
    let oha = which("oha").expect("oha not found: cargo install oha --locked");
    let mut cmd = Command::new("taskset");
    cmd.args(["-c", LOAD_CORE]).arg(&oha).args(["--no-tui", "--output-format", "json"]);
    match std::env::var("RICOLLOCA_BENCH_REQUESTS") {
        Ok(n) => cmd.args(["-n", &n]),
        Err(_) => cmd.arg("-z").arg(format!("{secs}s")),
    };
    cmd.args(["-c", &conns.to_string()]);
    cmd.arg("--cacert").arg(&files.ca).arg("--cert").arg(card.0).arg("--key").arg(card.1);
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
}

/// Reads oha's JSON summary (`--output-format json`).
pub fn oha_summary(out: &std::process::Output) -> Run {
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
        max_ms: v["summary"]["slowest"].as_f64().unwrap_or(f64::NAN) * 1e3,
        ok_share: if total > 0.0 { ok / total } else { 0.0 },
    }
}

/// A field of `/proc/PID/status` in kB (VmHWM, VmRSS, RssAnon ...).
pub fn proc_status_kb(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field).and_then(|v| v.strip_prefix(':')))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Samples a process's resident memory every 200 ms until dropped: the largest total and
/// anonymous parts seen (VmHWM is the kernel's own peak of the total).
pub struct MemorySampler {
    stop: Arc<AtomicBool>,
    peaks: Arc<Mutex<(u64, u64)>>,
    thread: Option<std::thread::JoinHandle<()>>,
    pid: u32,
}

impl MemorySampler {
    pub fn start(pid: u32) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let peaks = Arc::new(Mutex::new((0, 0)));
        let (s, p) = (stop.clone(), peaks.clone());
        let thread = std::thread::spawn(move || {
            while !s.load(Ordering::Relaxed) {
                let (rss, anon) = (proc_status_kb(pid, "VmRSS"), proc_status_kb(pid, "RssAnon"));
                let mut peaks = p.lock().unwrap();
                peaks.0 = peaks.0.max(rss);
                peaks.1 = peaks.1.max(anon);
                drop(peaks);
                std::thread::sleep(Duration::from_millis(200));
            }
        });
        Self { stop, peaks, thread: Some(thread), pid }
    }

    /// (VmHWM, largest RSS sampled, largest anonymous RSS sampled), in MiB.
    pub fn peaks_mib(&self) -> (f64, f64, f64) {
        let (rss, anon) = *self.peaks.lock().unwrap();
        let hwm = proc_status_kb(self.pid, "VmHWM");
        (hwm as f64 / 1024.0, rss as f64 / 1024.0, anon as f64 / 1024.0)
    }
}

impl Drop for MemorySampler {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The machine's load averages, to print beside figures taken on a shared machine.
pub fn uptime() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

//! Test harness: the real `ricolloca` binary, real TLS on an ephemeral port, certificates
//! generated per test, a fresh data file per test, and a rustls client presenting them.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::Arc;
use std::sync::mpsc;
use std::time::Duration;

use ricolloca::infra::clock::system_now;
use ricolloca::infra::pki::{Ca, CnsPerson, Issued, KeyKind};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

pub const BIN: &str = env!("CARGO_BIN_EXE_ricolloca");

/// A certification authority, the server certificate it issued, files on disk.
pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub ca: Ca,
    pub kind: KeyKind,
    pub config: PathBuf,
    pub data: PathBuf,
    /// Serials to put on the CRL (set before `write_config`).
    pub revoked: Vec<Vec<u8>>,
    pub extra_config: String,
    pub tls_extra: String,
}

impl Fixture {
    pub fn new(kind: KeyKind) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let now = system_now();
        let ca = Ca::new("CA Cittadini di prova", kind, now).unwrap();
        let server = ca.server(&["localhost", "127.0.0.1"], kind, now).unwrap();
        std::fs::write(dir.path().join("ca.pem"), &ca.cert_pem).unwrap();
        std::fs::write(dir.path().join("server.pem"), &server.cert_pem).unwrap();
        std::fs::write(dir.path().join("server.key"), &server.key_pem).unwrap();
        let config = dir.path().join("ricolloca.toml");
        let data = dir.path().join("ricolloca.db");
        let mut f = Self {
            dir,
            ca,
            kind,
            config,
            data,
            revoked: Vec::new(),
            extra_config: String::new(),
            tls_extra: String::new(),
        };
        f.write_config();
        f
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// (Re)writes the configuration, with a CRL when serials are revoked.
    pub fn write_config(&mut self) {
        let d = self.path().display().to_string();
        let mut crl = String::new();
        if !self.revoked.is_empty() {
            let pem = self.ca.crl(&self.revoked, system_now()).unwrap();
            std::fs::write(self.path().join("ca.crl"), pem).unwrap();
            crl = format!("crl = \"{d}/ca.crl\"\n");
        }
        let toml = format!(
            "listen = \"127.0.0.1:0\"\ndata = \"{data}\"\nlog_dir = \"{d}/log\"\n{extra}\n\
             [tls]\ncert = \"{d}/server.pem\"\nkey = \"{d}/server.key\"\nclient_ca = \"{d}/ca.pem\"\n{crl}{tls}\n",
            data = self.data.display(),
            extra = self.extra_config,
            tls = self.tls_extra,
        );
        std::fs::write(&self.config, toml).unwrap();
    }

    /// Runs a CLI command against this fixture's configuration.
    pub fn cli(&self, args: &[&str]) -> Output {
        Command::new(BIN).args(args).env("RICOLLOCA_CONFIG", &self.config).output().unwrap()
    }

    pub fn cli_ok(&self, args: &[&str]) -> String {
        let out = self.cli(args);
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn add_provider(&self, name: &str, piva: &str, code: &str) -> i64 {
        let out = self.cli_ok(&[
            "provider",
            "add",
            "--name",
            name,
            "--cf",
            piva,
            "--code",
            code,
            "--pec",
            "ente@pec.example.it",
        ]);
        out.split_whitespace().nth(2).unwrap().parse().unwrap()
    }

    pub fn add_operator(&self, cf: &str, role: &str, provider: Option<i64>) -> i64 {
        let provider = provider.map(|p| p.to_string());
        let mut args = vec![
            "operator",
            "add",
            "--cf",
            cf,
            "--surname",
            "Rossi",
            "--name",
            "Mario",
            "--email",
            "m.rossi@example.it",
            "--role",
            role,
            "--role-title",
            "tutor",
        ];
        if let Some(p) = &provider {
            args.extend(["--provider", p]);
        }
        if role == "tecnico" {
            args.push("--technical-exemption");
        }
        let out = self.cli_ok(&args);
        out.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    /// A CNS-shaped certificate for this codice fiscale, valid now.
    pub fn card(&self, cf: &str) -> Issued {
        let cn = ricolloca::infra::pki::cns_common_name(cf, 6_120_016_461_039_008);
        self.ca.cns_client(&CnsPerson::valid_now(&cn, system_now()), self.kind).unwrap()
    }

    pub fn card_with(&self, person: &CnsPerson<'_>) -> Issued {
        self.ca.cns_client(person, self.kind).unwrap()
    }

    pub fn db(&self) -> rusqlite::Connection {
        let c = rusqlite::Connection::open(&self.data).unwrap();
        c.busy_timeout(Duration::from_secs(10)).unwrap();
        c
    }

    /// The last audit row: (action, outcome, detail JSON).
    pub fn last_audit(&self) -> (String, String, serde_json::Value) {
        self.db()
            .prepare_cached("SELECT action, outcome, detail FROM audit_log ORDER BY seq DESC LIMIT 1")
            .unwrap()
            .query_row([], |r| {
                let detail: String = r.get(2)?;
                Ok((r.get(0)?, r.get(1)?, serde_json::from_str(&detail).unwrap()))
            })
            .unwrap()
    }

    pub fn audit_count(&self, action: &str) -> i64 {
        self.db()
            .prepare_cached("SELECT count(*) FROM audit_log WHERE action = ?1")
            .unwrap()
            .query_row([action], |r| r.get(0))
            .unwrap()
    }

    pub fn audit_rows(&self) -> i64 {
        self.db().prepare_cached("SELECT count(*) FROM audit_log").unwrap().query_row([], |r| r.get(0)).unwrap()
    }

    pub fn start(&self) -> Server {
        Server::start(&self.config)
    }
}

/// A running `ricolloca serve`, killed on drop.
pub struct Server {
    child: Child,
    pub port: u16,
}

impl Server {
    /// Starts the server with the tracking notice switched off (tests about other things).
    pub fn start(config: &Path) -> Server {
        Self::start_with_notice(config, false)
    }

    /// `notice`: whether pages wait for the tracking notice to be acknowledged.
    pub fn start_with_notice(config: &Path, notice: bool) -> Server {
        Self::start_env(config, &[("RICOLLOCA_AUDIT__NOTICE_REQUIRED", if notice { "true" } else { "false" })])
    }

    /// Starts the server with these environment variables (after the defaults above).
    pub fn start_env(config: &Path, env: &[(&str, &str)]) -> Server {
        let mut cmd = Command::new(BIN);
        cmd.args(["serve", "--config"])
            .arg(config)
            .env("RUST_LOG", "error")
            .env("RICOLLOCA_AUDIT__NOTICE_REQUIRED", "false")
            // Tests run at any hour: an "access outside office hours" anomaly row would land in
            // the middle of the audit rows they count (tests of that rule set their own hours).
            .env("RICOLLOCA_ANOMALIES__OFF_HOURS__ENABLED", "false")
            .envs(env.iter().copied());
        Self::spawn(cmd, Duration::from_secs(60))
    }

    /// Runs `cmd` (`serve`, or `demo --listen 127.0.0.1:0`) and waits up to `limit` for the
    /// line that says where it listens.
    pub fn spawn(mut cmd: Command, limit: Duration) -> Server {
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                // The first address printed; the demo's instructions repeat it with paths.
                let port = line.split("https://127.0.0.1:").nth(1).and_then(|rest| {
                    rest.split(|c: char| !c.is_ascii_digit()).next().and_then(|digits| digits.parse::<u16>().ok())
                });
                if let Some(port) = port {
                    let _ = tx.send(port);
                }
            }
        });
        let port = match rx.recv_timeout(limit) {
            Ok(p) => p,
            Err(_) => {
                let _ = child.kill();
                panic!("the server did not start");
            }
        };
        Server { child, port }
    }

    /// The server's process id (for signals).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn url(&self, path: &str) -> String {
        format!("https://127.0.0.1:{}{path}", self.port)
    }

    /// SIGKILL (what `Child::kill` sends on Unix), and reap it: no shutdown code runs.
    pub fn kill9(&mut self) {
        self.stop();
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, then waits up to `limit` for the process to exit; its exit status.
    pub fn terminate(&mut self, limit: Duration) -> Option<std::process::ExitStatus> {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let deadline = std::time::Instant::now() + limit;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }

    /// How many files the server holds open (sockets included).
    pub fn open_files(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.child.id())).map(|d| d.count()).unwrap_or(0)
    }

    /// Resident memory now (VmRSS) and at its peak (VmHWM), in KiB.
    pub fn rss_kib(&self) -> (u64, u64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|v| v.split_whitespace().next())
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

pub fn roots(ca_pem: &str) -> rustls::RootCertStore {
    use rustls::pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(c.unwrap()).unwrap();
    }
    roots
}

pub fn identity(card: &Issued) -> (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
    let chain = vec![CertificateDer::from(card.cert_der.clone())];
    let key = PrivateKeyDer::try_from(card.key_der.clone()).unwrap();
    (chain, key)
}

/// rustls client config trusting `ca_pem`, presenting `card` if given, on these TLS versions.
pub fn tls_config(
    ca_pem: &str,
    card: Option<&Issued>,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> rustls::ClientConfig {
    let builder = rustls::ClientConfig::builder_with_provider(provider())
        .with_protocol_versions(versions)
        .unwrap()
        .with_root_certificates(roots(ca_pem));
    match card {
        Some(card) => {
            let (chain, key) = identity(card);
            builder.with_client_auth_cert(chain, key).unwrap()
        }
        None => builder.with_no_client_auth(),
    }
}

pub fn http(config: rustls::ClientConfig) -> reqwest::blocking::Client {
    reqwest::blocking::Client::builder().use_preconfigured_tls(config).timeout(Duration::from_secs(30)).build().unwrap()
}

/// A client presenting `card` (or none), trusting the fixture's CA, TLS 1.2 and 1.3 offered.
pub fn client(f: &Fixture, card: Option<&Issued>) -> reqwest::blocking::Client {
    http(tls_config(&f.ca.cert_pem, card, &[&rustls::version::TLS13, &rustls::version::TLS12]))
}

/// Valid codici fiscali for tests, computed from a body so no check letter is typed by hand.
pub fn cf(body: &str) -> String {
    let mut s = body.to_owned();
    s.push(char::from(ricolloca::domain::codice_fiscale::check_letter(body.as_bytes())));
    s
}

/// A complete PDF (header, objects, cross-reference table, trailer, `%%EOF`) carrying
/// `payload` in a stream: what the upload checks accept.
pub fn pdf_with(payload: &[u8]) -> Vec<u8> {
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    offsets.push(pdf.len());
    pdf.extend_from_slice(b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n");
    offsets.push(pdf.len());
    pdf.extend_from_slice(b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n");
    offsets.push(pdf.len());
    pdf.extend_from_slice(format!("3 0 obj\n<< /Length {} >>\nstream\n", payload.len()).as_bytes());
    pdf.extend_from_slice(payload);
    pdf.extend_from_slice(b"\nendstream\nendobj\n");
    let xref = pdf.len();
    pdf.extend_from_slice(b"xref\n0 4\n0000000000 65535 f \n");
    for o in offsets {
        pdf.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(format!("trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes());
    pdf
}

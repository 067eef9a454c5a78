//! Configuration: a TOML file, every key overridable by `RICOLLOCA_<KEY>` (nested with `__`,
//! e.g. `RICOLLOCA_TLS__CERT`). Unknown keys and bad values stop start-up naming the key.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use serde::{Deserialize, Serialize};

use crate::domain::inactivity::InactivityRule;
use crate::error::StartupError;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address and port to listen on, e.g. "0.0.0.0:443".
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    /// The one SQLite data file.
    pub data: PathBuf,
    /// Folder for the daily log files.
    pub log_dir: PathBuf,
    /// Calendar months without access after which an operator is switched off (Allegato B
    /// p.7: "sei mesi"; default 6). See `inactivity()`.
    #[serde(default)]
    pub inactivity_months: Option<u32>,
    /// Deprecated: the rule counted days before it counted calendar months. Still read
    /// (converted to the nearest number of months) with a warning naming it.
    #[serde(default)]
    pub inactivity_days: Option<u32>,
    /// Shown in the page header.
    #[serde(default = "default_region_name")]
    pub region_name: String,
    /// Two-digit code of this regional system, the first two characters of every
    /// identificativo politica it assigns (17 = Toscana, 08 = Lazio, ...).
    #[serde(default = "default_system_code")]
    pub system_code: String,
    /// Largest upload accepted (signed programmes, communications), in MiB.
    #[serde(default = "default_upload_max_mb")]
    pub upload_max_mb: u32,
    /// Storage for the documents one provider's operators upload, in MiB: uploads supersede
    /// and are never deleted, so this bounds what one provider can store.
    #[serde(default = "default_upload_quota_mb")]
    pub upload_quota_mb: u32,
    /// Training instance: shows the "AMBIENTE DI FORMAZIONE" banner.
    #[serde(default)]
    pub training: bool,
    pub tls: TlsSection,
    #[serde(default)]
    pub audit: AuditSection,
    #[serde(default)]
    pub agenda: AgendaSection,
    #[serde(default)]
    pub backup: BackupSection,
    #[serde(default)]
    pub log: LogSection,
    /// The identificativo politica: the part of the sequence this instance may use, and the
    /// high-water mark kept outside the data file.
    #[serde(default)]
    pub identificativo: IdentificativoSection,
    /// The feed to IDOL.
    #[serde(default)]
    pub idol: IdolSection,
    /// The front door's limits on every connection (see `front::settings`).
    #[serde(default)]
    pub connections: crate::front::settings::ConnectionsConfig,
    /// The anomaly watch's rules and thresholds (see `domain::anomaly`).
    #[serde(default)]
    pub anomalies: crate::domain::anomaly::AnomalyConfig,
    /// The file this configuration was read from, for reloads (not a key).
    #[serde(skip)]
    pub file: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgendaSection {
    /// Days back an appointment may still be entered (the agenda is kept as things happen).
    #[serde(default = "default_backdate_days")]
    pub backdate_days: u32,
}

impl Default for AgendaSection {
    fn default() -> Self {
        Self { backdate_days: default_backdate_days() }
    }
}

fn default_backdate_days() -> u32 {
    7
}

/// Scheduled backups (also the folder the `tecnico` screen lists and writes to).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupSection {
    /// Folder of the backups. Default: `backups` beside the data file.
    #[serde(default)]
    pub dir: Option<PathBuf>,
    /// "daily HH:MM" (Italian local time) or "Nh" (every N hours). None: no scheduled backups.
    #[serde(default)]
    pub every: Option<String>,
    /// How many scheduled backups to keep; older ones go after a successful new one. Default 14.
    #[serde(default)]
    pub keep: Option<u32>,
    /// The Region's age public keys (`age1…`): every backup (scheduled, from the screen, from
    /// the command line, before an upgrade) is sealed to them; only their private keys, which
    /// the Region keeps and the server never sees, open it.
    #[serde(default)]
    pub recipients: Option<Vec<String>>,
    /// Or: a file holding a passphrase (one line); the server then holds what opens its backups.
    #[serde(default)]
    pub passphrase_file: Option<PathBuf>,
}

/// The identificativo politica this instance issues: `system_code` + 8 hexadecimal digits of
/// a sequence + a check letter. The Region gives each system its own part of the sequence, so
/// that the numbers never collide with those IDOL issues.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentificativoSection {
    /// First number of the sequence this instance may use, 8 hexadecimal digits (default
    /// "00000001").
    #[serde(default)]
    pub range_start: Option<String>,
    /// Last number it may use (default "FFFFFFFF"). Start-up refuses a range already used up.
    #[serde(default)]
    pub range_end: Option<String>,
    /// File holding the last number issued, outside the data file, so that restoring an older
    /// backup never issues a number twice. Default: `identificativo-politica.txt` beside the
    /// data file.
    #[serde(default)]
    pub high_water: Option<PathBuf>,
}

/// The feed to IDOL.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdolSection {
    /// `titolo_progetto` of this programme's actions when the operator names none (the schema
    /// requires one; default "01", regional/provincial active-policy project).
    #[serde(default)]
    pub titolo_progetto: Option<String>,
    /// `datiinvio/tipovariazione` of the documents sent (national table "tipo variazione";
    /// default "02", to be confirmed by the Region).
    #[serde(default)]
    pub tipo_variazione: Option<String>,
}

impl IdolSection {
    pub fn titolo_progetto(&self) -> String {
        self.titolo_progetto.clone().unwrap_or_else(|| "01".into())
    }
    pub fn settings(&self) -> crate::service::idol_export::FeedSettings {
        crate::service::idol_export::FeedSettings {
            tipo_variazione: self.tipo_variazione.clone().unwrap_or_else(|| "02".into()),
            titolo_progetto: self.titolo_progetto(),
        }
    }
}

/// Parses an 8-hexadecimal-digit sequence number.
pub fn parse_sequence(s: &str) -> Option<u32> {
    let s = s.trim();
    (s.len() == 8 && s.bytes().all(|b| b.is_ascii_hexdigit())).then(|| u32::from_str_radix(s, 16).ok()).flatten()
}

/// Log files.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSection {
    /// Days of daily log files kept in `log_dir` (older ones are deleted at rotation).
    #[serde(default = "default_log_keep_days")]
    pub keep_days: u32,
    /// Log level ("error", "warn", "info", "debug" or a tracing filter); reloaded on SIGHUP.
    #[serde(default = "default_log_level")]
    pub level: String,
}

impl Default for LogSection {
    fn default() -> Self {
        Self { keep_days: default_log_keep_days(), level: default_log_level() }
    }
}

fn default_log_level() -> String {
    "info".into()
}

fn default_log_keep_days() -> u32 {
    90
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsSection {
    /// Server certificate chain (PEM).
    pub cert: PathBuf,
    /// Server private key (PEM).
    pub key: PathBuf,
    /// Bundle of trusted CNS certification authorities (PEM).
    pub client_ca: PathBuf,
    /// Optional CRL file, or folder of CRL files (PEM or DER).
    #[serde(default)]
    pub crl: Option<PathBuf>,
    /// TLS versions offered. Default "1.2" only: many CNS cards sign only with RSA PKCS#1 v1.5,
    /// which TLS 1.3 client authentication does not allow, and browsers never fall back.
    #[serde(default = "default_tls_versions")]
    pub versions: Vec<String>,
    /// A card whose CA has no CRL in `tls.crl`: "accept" (default: revocation cannot be
    /// checked for it) or "refuse" (every CA in `tls.client_ca` must have its CRL).
    #[serde(default = "default_without_crl")]
    pub without_crl: String,
    /// Certificate policy OIDs (dotted) of which a client certificate must carry at least
    /// one; default the CNS authentication policy 1.3.76.16.2.1; an empty list checks nothing.
    #[serde(default = "default_required_policies")]
    pub required_policies: Vec<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditSection {
    /// Ed25519 key signing audit checkpoints, kept outside the data file (created 0600 on first
    /// start). Default: `audit.key` beside the data file.
    #[serde(default)]
    pub key: Option<PathBuf>,
    /// File the signed checkpoints are appended to, outside the data file.
    /// Default: `audit-checkpoints.txt` beside the data file.
    #[serde(default)]
    pub checkpoints: Option<PathBuf>,
    /// Minutes between checkpoints while the server runs (also one at clean shutdown).
    #[serde(default = "default_checkpoint_minutes")]
    pub checkpoint_minutes: u32,
    /// Months audit rows are kept at least; `audit prune` refuses younger rows. Minimum 6
    /// (Garante, system administrators); 24 by default (Garante, health dossier guidelines).
    #[serde(default = "default_retention_months")]
    pub retention_months: u32,
    /// Markdown file with the "Informativa sul tracciamento" (default: the embedded text).
    #[serde(default)]
    pub notice: Option<PathBuf>,
    /// Operators' pages redirect to the notice until they acknowledge its current text.
    #[serde(default = "default_true")]
    pub notice_required: bool,
}

impl Default for AuditSection {
    fn default() -> Self {
        Self {
            key: None,
            checkpoints: None,
            checkpoint_minutes: default_checkpoint_minutes(),
            retention_months: default_retention_months(),
            notice: None,
            notice_required: true,
        }
    }
}

fn default_retention_months() -> u32 {
    24
}
fn default_true() -> bool {
    true
}

fn default_checkpoint_minutes() -> u32 {
    15
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([0, 0, 0, 0], 443))
}
fn default_region_name() -> String {
    "Regione Toscana".into()
}
fn default_upload_max_mb() -> u32 {
    20
}
fn default_upload_quota_mb() -> u32 {
    1024
}
fn default_system_code() -> String {
    "17".into()
}
pub fn default_required_policies() -> Vec<String> {
    vec![crate::domain::cns::CNS_POLICY.into()]
}
fn default_without_crl() -> String {
    "accept".into()
}
fn default_tls_versions() -> Vec<String> {
    vec!["1.2".into()]
}

/// Where the configuration comes from when no `--config` is given.
pub const CONFIG_ENV: &str = "RICOLLOCA_CONFIG";

impl Config {
    /// The inactivity rule in calendar months: `inactivity_months`, else the deprecated
    /// `inactivity_days` rounded to the nearest month (180 → 6), else the text's six.
    pub fn inactivity(&self) -> InactivityRule {
        let from_days = |days: u32| ((u64::from(days) * 12 + 182) / 365).max(1);
        let months = match (self.inactivity_months, self.inactivity_days) {
            (Some(m), _) => m,
            (None, Some(d)) => u32::try_from(from_days(d)).unwrap_or(InactivityRule::TEXT_MONTHS),
            (None, None) => InactivityRule::TEXT_MONTHS,
        };
        InactivityRule::months(months)
    }

    /// Keys still read but on their way out, each with what to write instead (Italian, for
    /// the technician): logged at start-up and listed by `ricolloca check`.
    pub fn deprecations(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if let Some(days) = self.inactivity_days {
            out.push((
                "inactivity_days",
                format!(
                    "chiave deprecata: la regola conta mesi di calendario; {days} giorni letti come inactivity_months = {}. Sostituirla con inactivity_months",
                    self.inactivity().get()
                ),
            ));
        }
        out
    }

    /// Reads the file (if any) and the environment, then validates.
    pub fn load(file: Option<&Path>) -> Result<Self, StartupError> {
        let mut figment = Figment::new();
        if let Some(file) = file {
            if !file.is_file() {
                return Err(StartupError::Other(format!("file di configurazione non trovato: {}", file.display())));
            }
            figment = figment.merge(Toml::file_exact(file));
        }
        figment = figment.merge(Env::prefixed("RICOLLOCA_").ignore(&["CONFIG"]).split("__"));
        let mut config: Config = figment.extract().map_err(|e| {
            let missing = matches!(e.kind, figment::error::Kind::MissingField(_));
            match (figment_error(e), file) {
                // No file given: the missing key is a symptom, the file is the fix.
                (StartupError::Config { key, message }, None) if missing => StartupError::key(
                    &key,
                    format!(
                        "{message}; nessun file di configurazione indicato: darlo con --config FILE \
                         oppure con la variabile d'ambiente {CONFIG_ENV}"
                    ),
                ),
                (err, _) => err,
            }
        })?;
        config.file = file.map(Path::to_path_buf);
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), StartupError> {
        if let Some(months) = self.inactivity_months
            && !(1..=120).contains(&months)
        {
            return Err(StartupError::key("inactivity_months", "deve essere tra 1 e 120 mesi"));
        }
        if let Some(days) = self.inactivity_days {
            if self.inactivity_months.is_some() {
                return Err(StartupError::key(
                    "inactivity_days",
                    "sostituita da inactivity_months: indicare solo inactivity_months",
                ));
            }
            if !(1..=3650).contains(&days) {
                return Err(StartupError::key("inactivity_days", "deve essere tra 1 e 3650 giorni"));
            }
        }
        if self.system_code.len() != 2 || !self.system_code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(StartupError::key("system_code", "deve essere di due cifre (es. \"17\" per la Toscana)"));
        }
        if !(1..=200).contains(&self.upload_max_mb) {
            return Err(StartupError::key("upload_max_mb", "deve essere tra 1 e 200 MiB"));
        }
        if self.upload_quota_mb < self.upload_max_mb || self.upload_quota_mb > 10_000_000 {
            return Err(StartupError::key(
                "upload_quota_mb",
                "deve essere almeno upload_max_mb (un caricamento deve poterci stare) e al massimo 10000000 MiB",
            ));
        }
        if !(1..=1440).contains(&self.audit.checkpoint_minutes) {
            return Err(StartupError::key("audit.checkpoint_minutes", "deve essere tra 1 e 1440 minuti"));
        }
        if self.agenda.backdate_days > 90 {
            return Err(StartupError::key("agenda.backdate_days", "deve essere tra 0 e 90 giorni"));
        }
        if let Some(every) = &self.backup.every {
            crate::domain::backup_schedule::Every::parse(every).map_err(|m| StartupError::key("backup.every", m))?;
        }
        if self.backup.keep == Some(0) || self.backup.keep.is_some_and(|k| k > 10_000) {
            return Err(StartupError::key("backup.keep", "deve essere tra 1 e 10000"));
        }
        self.backup_seal()?;
        if !(1..=3650).contains(&self.log.keep_days) {
            return Err(StartupError::key("log.keep_days", "deve essere tra 1 e 3650 giorni"));
        }
        crate::infra::logging::parse_level(&self.log.level).map_err(|e| {
            StartupError::key("log.level", format!("livello non valido ({e}): usare error, warn, info o debug"))
        })?;
        if !(6..=1200).contains(&self.audit.retention_months) {
            return Err(StartupError::key("audit.retention_months", "deve essere almeno 6 mesi (e al massimo 1200)"));
        }
        if let Some(notice) = &self.audit.notice
            && !notice.is_file()
        {
            return Err(StartupError::key("audit.notice", format!("file non trovato: {}", notice.display())));
        }
        self.anomalies.validate().map_err(|(key, message)| StartupError::key(&key, message))?;
        let hex8 = "8 cifre esadecimali (es. \"00000001\")";
        for (key, value) in [
            ("identificativo.range_start", &self.identificativo.range_start),
            ("identificativo.range_end", &self.identificativo.range_end),
        ] {
            if let Some(v) = value
                && parse_sequence(v).is_none()
            {
                return Err(StartupError::key(key, format!("deve essere di {hex8}")));
            }
        }
        let project = self.idol.titolo_progetto();
        if project.is_empty() || project.chars().count() > 2 || project.chars().any(char::is_control) {
            return Err(StartupError::key("idol.titolo_progetto", "deve avere 1 o 2 caratteri (es. \"01\")"));
        }
        let variazione = self.idol.settings().tipo_variazione;
        if variazione.is_empty() || variazione.chars().count() > 2 || variazione.chars().any(char::is_control) {
            return Err(StartupError::key("idol.tipo_variazione", "deve avere 1 o 2 caratteri (es. \"02\")"));
        }
        let (start, end) = self.identificativo_range();
        if start == 0 || start > end {
            return Err(StartupError::key(
                "identificativo.range_start",
                "deve essere maggiore di zero e non oltre identificativo.range_end",
            ));
        }
        self.connections.validate(self.upload_max_mb).map_err(|(key, message)| StartupError::key(&key, message))?;
        match self.tls.without_crl.as_str() {
            "accept" => {}
            "refuse" if self.tls.crl.is_some() => {}
            "refuse" => return Err(StartupError::key("tls.without_crl", "\"refuse\" richiede tls.crl")),
            _ => return Err(StartupError::key("tls.without_crl", "valori ammessi: \"accept\" o \"refuse\"")),
        }
        if let Some(bad) = self.tls.required_policies.iter().find(|p| !crate::domain::cns::is_dotted_oid(p)) {
            return Err(StartupError::key(
                "tls.required_policies",
                format!("\"{bad}\" non è un OID in forma puntata (es. \"1.3.76.16.2.1\", la policy CNS)"),
            ));
        }
        if self.tls.versions.is_empty() {
            return Err(StartupError::key("tls.versions", "indicare almeno una versione (\"1.2\", \"1.3\")"));
        }
        for v in &self.tls.versions {
            if v != "1.2" && v != "1.3" {
                return Err(StartupError::key(
                    "tls.versions",
                    format!("versione TLS non supportata: {v:?} (ammesse \"1.2\" e \"1.3\")"),
                ));
            }
        }
        for (key, path) in
            [("tls.cert", &self.tls.cert), ("tls.key", &self.tls.key), ("tls.client_ca", &self.tls.client_ca)]
        {
            if !path.is_file() {
                return Err(StartupError::key(key, format!("file non trovato: {}", path.display())));
            }
        }
        if let Some(crl) = &self.tls.crl
            && !crl.exists()
        {
            return Err(StartupError::key("tls.crl", format!("file o cartella non trovati: {}", crl.display())));
        }
        if let Some(parent) = self.data.parent()
            && !parent.as_os_str().is_empty()
            && !parent.is_dir()
        {
            return Err(StartupError::key("data", format!("la cartella {} non esiste", parent.display())));
        }
        Ok(())
    }

    /// The checkpoint signing key's path.
    pub fn audit_key(&self) -> PathBuf {
        self.audit.key.clone().unwrap_or_else(|| self.beside_data("audit.key"))
    }

    /// The checkpoint file's path.
    pub fn audit_checkpoints(&self) -> PathBuf {
        self.audit.checkpoints.clone().unwrap_or_else(|| self.beside_data("audit-checkpoints.txt"))
    }

    /// The part of the identificativo sequence this instance may use: (first, last).
    pub fn identificativo_range(&self) -> (u32, u32) {
        let start = self.identificativo.range_start.as_deref().and_then(parse_sequence).unwrap_or(1);
        let end = self.identificativo.range_end.as_deref().and_then(parse_sequence).unwrap_or(u32::MAX);
        (start, end)
    }

    /// The identificativo high-water file's path.
    pub fn identificativo_high_water(&self) -> PathBuf {
        self.identificativo.high_water.clone().unwrap_or_else(|| self.beside_data("identificativo-politica.txt"))
    }

    /// The backup folder's path.
    pub fn backup_dir(&self) -> PathBuf {
        self.backup.dir.clone().unwrap_or_else(|| self.beside_data("backups"))
    }

    /// The parsed schedule (validated at load).
    pub fn backup_every(&self) -> Option<crate::domain::backup_schedule::Every> {
        self.backup.every.as_deref().and_then(|e| crate::domain::backup_schedule::Every::parse(e).ok())
    }

    /// How backups are sealed: to `backup.recipients`, with `backup.passphrase_file`, or not at
    /// all (warned at start-up, by `check` and `status`). Both set is an error (age does not mix
    /// public keys and a passphrase; one holder of the key is the point).
    pub fn backup_seal(&self) -> Result<crate::infra::backup_seal::Seal, StartupError> {
        use crate::infra::backup_seal::{Seal, parse_recipient};
        match (&self.backup.recipients, &self.backup.passphrase_file) {
            (Some(_), Some(_)) => Err(StartupError::key(
                "backup.recipients",
                "indicare backup.recipients (chiavi pubbliche della Regione) oppure backup.passphrase_file, non entrambi",
            )),
            (Some(list), None) => {
                if list.is_empty() {
                    return Err(StartupError::key(
                        "backup.recipients",
                        "elenco vuoto: indicare almeno una chiave pubblica age (age1…) o togliere la chiave",
                    ));
                }
                let keys = list
                    .iter()
                    .map(|r| parse_recipient(r).map_err(|m| StartupError::key("backup.recipients", m)))
                    .collect::<Result<Vec<_>, _>>()?;
                Ok(Seal::Recipients(keys))
            }
            (None, Some(file)) => crate::infra::encryption::read_passphrase(file)
                .map(Seal::Passphrase)
                .map_err(|e| StartupError::key("backup.passphrase_file", format!("{}: {e}", file.display()))),
            (None, None) => Ok(Seal::None),
        }
    }

    pub fn backup_keep(&self) -> usize {
        self.backup.keep.unwrap_or(14) as usize
    }

    fn beside_data(&self, name: &str) -> PathBuf {
        self.data.parent().map(|p| p.join(name)).unwrap_or_else(|| PathBuf::from(name))
    }

    pub fn tls13_enabled(&self) -> bool {
        self.tls.versions.iter().any(|v| v == "1.3")
    }
    pub fn tls12_enabled(&self) -> bool {
        self.tls.versions.iter().any(|v| v == "1.2")
    }
}

/// Figment names the key in its errors; keep its words but say it in our format.
fn figment_error(e: figment::Error) -> StartupError {
    // The path sometimes ends with the field already, sometimes not.
    let key_with = |field: &str| {
        let mut path = e.path.clone();
        if path.last().map(String::as_str) != Some(field) {
            path.push(field.to_owned());
        }
        path.join(".")
    };
    match &e.kind {
        figment::error::Kind::UnknownField(field, _) => StartupError::key(&key_with(field), "chiave sconosciuta"),
        figment::error::Kind::MissingField(field) => {
            StartupError::key(&key_with(field), "chiave obbligatoria mancante")
        }
        other => {
            let key = if e.path.is_empty() { "(radice)".to_owned() } else { e.path.join(".") };
            StartupError::key(&key, format!("valore non valido ({other})"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, toml: &str) -> PathBuf {
        for f in ["cert.pem", "key.pem", "ca.pem"] {
            std::fs::write(dir.join(f), "x").unwrap();
        }
        let p = dir.join("c.toml");
        std::fs::write(&p, toml).unwrap();
        p
    }

    fn base(dir: &Path) -> String {
        format!(
            "data = \"{d}/r.db\"\nlog_dir = \"{d}\"\n[tls]\ncert = \"{d}/cert.pem\"\nkey = \"{d}/key.pem\"\nclient_ca = \"{d}/ca.pem\"\n",
            d = dir.display()
        )
    }

    fn err(toml: &str, dir: &Path) -> String {
        Config::load(Some(&write(dir, toml))).unwrap_err().to_string()
    }

    #[test]
    fn inactivity_in_months_and_the_deprecated_days() {
        let dir = tempfile::tempdir().unwrap();
        let load = |extra: &str| Config::load(Some(&write(dir.path(), &format!("{extra}\n{}", base(dir.path())))));
        let c = load("inactivity_months = 3").unwrap();
        assert_eq!(c.inactivity().get(), 3);
        let c = load("inactivity_days = 180").unwrap();
        assert_eq!(c.inactivity().get(), 6, "180 days read as six months");
        let warnings = c.deprecations();
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].0, "inactivity_days");
        assert!(warnings[0].1.contains("inactivity_months = 6"), "{:?}", warnings);
        assert_eq!(load("inactivity_days = 365").unwrap().inactivity().get(), 12);
        assert_eq!(load("inactivity_days = 10").unwrap().inactivity().get(), 1, "never below one month");
        let e = load("inactivity_days = 180\ninactivity_months = 6").unwrap_err().to_string();
        assert!(e.contains("`inactivity_days`") && e.contains("inactivity_months"), "{e}");
        let e = load("inactivity_months = 0").unwrap_err().to_string();
        assert!(e.contains("`inactivity_months`"), "{e}");
    }

    #[test]
    fn defaults_and_validation() {
        let dir = tempfile::tempdir().unwrap();
        let c = Config::load(Some(&write(dir.path(), &base(dir.path())))).unwrap();
        assert_eq!(c.inactivity(), InactivityRule::TEXT);
        assert!(c.deprecations().is_empty());
        assert_eq!(c.tls.versions, vec!["1.2"]);
        assert_eq!(c.agenda.backdate_days, 7);
        let e = err(&format!("{}[agenda]\nbackdate_days = 91\n", base(dir.path())), dir.path());
        assert!(e.contains("`agenda.backdate_days`"), "{e}");
        let e = err(&format!("{}[agenda]\nbackdate_days = -1\n", base(dir.path())), dir.path());
        assert!(e.contains("`agenda.backdate_days`"), "{e}");
        assert!(!c.tls13_enabled());

        let e = err(&format!("colour = 1\n{}", base(dir.path())), dir.path());
        assert!(e.contains("`colour`") && e.contains("sconosciuta"), "{e}");
        let e = err(&format!("{}typo = 1\n", base(dir.path())), dir.path());
        assert!(e.contains("`tls.typo`"), "{e}");
        let e = err(&format!("inactivity_days = \"tanti\"\n{}", base(dir.path())), dir.path());
        assert!(e.contains("`inactivity_days`"), "{e}");
        let e = err(&format!("inactivity_days = 0\n{}", base(dir.path())), dir.path());
        assert!(e.contains("`inactivity_days`"), "{e}");
        let e = err(&format!("listen = \"nowhere\"\n{}", base(dir.path())), dir.path());
        assert!(e.contains("`listen`"), "{e}");
        let e = err(&format!("{}versions = [\"1.1\"]\n", base(dir.path())), dir.path());
        assert!(e.contains("`tls.versions`"), "{e}");
        let e = err(&base(dir.path()).replace("ca.pem", "missing.pem"), dir.path());
        assert!(e.contains("`tls.client_ca`"), "{e}");
        let e = err(&format!("{}[backup]\nevery = \"weekly\"\n", base(dir.path())), dir.path());
        assert!(e.contains("`backup.every`"), "{e}");
        let e = err(&format!("{}[backup]\nkeep = 0\n", base(dir.path())), dir.path());
        assert!(e.contains("`backup.keep`"), "{e}");
        let e = err(&format!("{}[backup]\nrecipients = [\"age1nonvalida\"]\n", base(dir.path())), dir.path());
        assert!(e.contains("`backup.recipients`") && e.contains("age1"), "{e}");
        let e = err(&format!("{}[backup]\nrecipients = []\n", base(dir.path())), dir.path());
        assert!(e.contains("`backup.recipients`"), "{e}");
        let e = err(&format!("{}[backup]\npassphrase_file = \"/nonesiste\"\n", base(dir.path())), dir.path());
        assert!(e.contains("`backup.passphrase_file`"), "{e}");
        let (_, public) = crate::infra::backup_seal::new_key_pair("ora");
        let both = format!("{}[backup]\nrecipients = [\"{public}\"]\npassphrase_file = \"/x\"\n", base(dir.path()));
        assert!(err(&both, dir.path()).contains("non entrambi"));
        let one = format!("{}[backup]\nrecipients = [\"{public}\"]\n", base(dir.path()));
        let c = Config::load(Some(&write(dir.path(), &one))).unwrap();
        assert_eq!(c.backup_seal().unwrap().recipients(), vec![public]);
        let e = err(&format!("{}[log]\nkeep_days = 0\n", base(dir.path())), dir.path());
        assert!(e.contains("`log.keep_days`"), "{e}");
        assert_eq!(c.audit.retention_months, 24);
        assert_eq!(c.anomalies.rule(crate::domain::anomaly::RuleKind::ManyRecipients).threshold, 40);
        let e = err(&format!("{}[audit]\nretention_months = 3\n", base(dir.path())), dir.path());
        assert!(e.contains("`audit.retention_months`"), "{e}");
        let e = err(&format!("{}[anomalies]\noffice_hours = \"20:00-07:00\"\n", base(dir.path())), dir.path());
        assert!(e.contains("`anomalies.office_hours`"), "{e}");
        let e = err(&format!("{}[anomalies.download_burst]\nthreshold = 0\n", base(dir.path())), dir.path());
        assert!(e.contains("`anomalies.download_burst.threshold`"), "{e}");
        let e = err(&format!("{}[anomalies.download_burst]\nlimit = 3\n", base(dir.path())), dir.path());
        assert!(e.contains("`anomalies.download_burst.limit`"), "{e}");
        let e = err(&base(dir.path()).replace("log_dir", "#log_dir"), dir.path());
        assert!(e.contains("`log_dir`") && e.contains("mancante"), "{e}");
    }
}

//! `ricolloca check`: the configuration and every file it names, checked without starting —
//! server certificate and key (parse, match, expiry), the CA bundle (how many CAs, expiry), the
//! CRLs (signature, next update), the connection cap against the open-file limit, the audit key,
//! the data and backup folders. Each finding
//! names its key; errors make the exit code non-zero, warnings (e.g. expiry within 30 days) don't.

use std::path::Path;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::config::Config;
use crate::domain::italian::{Noun, count};
use crate::domain::timestamp::MS_PER_DAY;
use crate::domain::timestamp::Timestamp;
use crate::error::AppError;
use crate::infra::clock::format_it;
use crate::infra::crl::RevocationList;

const WARN_DAYS: i64 = 30;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Level {
    Ok,
    Warning,
    Error,
}

#[derive(Debug, Clone)]
pub struct Finding {
    pub level: Level,
    pub key: String,
    pub message: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let tag = match self.level {
            Level::Ok => "ok     ",
            Level::Warning => "AVVISO ",
            Level::Error => "ERRORE ",
        };
        write!(f, "{tag} `{}`: {}", self.key, self.message)
    }
}

fn finding(level: Level, key: &str, message: impl Into<String>) -> Finding {
    Finding { level, key: key.into(), message: message.into() }
}

/// Ok, warning or error for something that stops being valid at `until`.
fn expiry(key: &str, what: &str, until: Timestamp, now: Timestamp) -> Finding {
    let days = until.ms_since(now).div_euclid(MS_PER_DAY);
    if until <= now {
        finding(Level::Error, key, format!("{what} scaduto il {}", format_it(until)))
    } else if days < WARN_DAYS {
        finding(
            Level::Warning,
            key,
            format!(
                "{what} scade tra {} ({})",
                Noun::new("giorno", "giorni").or_none("meno di un giorno").count(days),
                format_it(until)
            ),
        )
    } else {
        finding(Level::Ok, key, format!("{what} valido fino al {}", format_it(until)))
    }
}

/// Every finding about a configuration file (or the environment), in order.
pub fn run(config_path: Option<&Path>, now: Timestamp) -> Vec<Finding> {
    let config = match Config::load(config_path) {
        Ok(c) => c,
        Err(crate::error::StartupError::Config { key, message }) => return vec![finding(Level::Error, &key, message)],
        Err(e) => return vec![finding(Level::Error, "(configurazione)", e.to_string())],
    };
    let mut out = vec![finding(Level::Ok, "(configurazione)", "chiavi e valori validi")];
    for (key, message) in config.deprecations() {
        out.push(finding(Level::Warning, key, message));
    }
    match crate::infra::tls::check_files(&config) {
        Ok(summary) => {
            out.push(finding(Level::Ok, "tls.key", "la chiave corrisponde al certificato"));
            out.push(finding(Level::Ok, "tls.client_ca", format!("{} CA nel bundle", summary.client_cas)));
        }
        Err(crate::error::StartupError::Config { key, message }) => out.push(finding(Level::Error, &key, message)),
        Err(e) => out.push(finding(Level::Error, "tls", e.to_string())),
    }
    certificates(&mut out, "tls.cert", &config.tls.cert, "certificato del server", now, true);
    certificates(&mut out, "tls.client_ca", &config.tls.client_ca, "certificato di CA", now, false);
    if config.tls.crl.is_some() {
        let pem = std::fs::read(&config.tls.client_ca).unwrap_or_default();
        match RevocationList::load(config.tls.crl.as_deref(), &pem) {
            Ok(list) => {
                for s in &list.sources {
                    let what = format!(
                        "CRL {} ({}, {} revocati): prossimo aggiornamento",
                        s.path.display(),
                        s.issuer,
                        s.revoked
                    );
                    match s.next_update {
                        Some(next) if next <= now => out.push(finding(
                            Level::Warning,
                            "tls.crl",
                            format!("{what} previsto il {}: SCADUTA, scaricarne una nuova", format_it(next)),
                        )),
                        Some(next) => out.push(finding(Level::Ok, "tls.crl", format!("{what} il {}", format_it(next)))),
                        None => out.push(finding(Level::Warning, "tls.crl", format!("{what} non indicato"))),
                    }
                }
            }
            Err(crate::error::StartupError::Config { key, message }) => out.push(finding(Level::Error, &key, message)),
            Err(e) => out.push(finding(Level::Error, "tls.crl", e.to_string())),
        }
    }
    let limit = crate::front::settings::descriptor_limit();
    match config.connections.effective_max(limit) {
        Ok(max) => out.push(finding(
            Level::Ok,
            "connections.max",
            match limit {
                Some(limit) => {
                    format!(
                        "{} al massimo (limite di file aperti del processo: {limit})",
                        count(max, "connessione aperta", "connessioni aperte")
                    )
                }
                None => format!("{} al massimo", count(max, "connessione aperta", "connessioni aperte")),
            },
        )),
        Err(message) => out.push(finding(Level::Error, "connections.max", message)),
    }
    let key = config.audit_key();
    if key.exists() {
        match crate::infra::checkpoint::SigningKey::load(&key) {
            Ok(_) => out.push(finding(Level::Ok, "audit.key", format!("{}: chiave Ed25519 leggibile", key.display()))),
            Err(e) => out.push(finding(Level::Error, "audit.key", e.to_string())),
        }
    } else {
        out.push(finding(
            Level::Warning,
            "audit.key",
            format!("{} non esiste: sarà creata al primo avvio", key.display()),
        ));
    }
    if config.data.exists() {
        out.push(finding(Level::Ok, "data", format!("{} presente", config.data.display())));
        policies(&mut out, &config, now);
    } else {
        out.push(finding(
            Level::Warning,
            "data",
            format!("{} non esiste: sarà creato al primo avvio", config.data.display()),
        ));
    }
    out.push(match config.backup_seal() {
        Ok(seal) if seal.is_sealed() => {
            let (key, how) = match &seal {
                crate::infra::backup_seal::Seal::Recipients(r) => {
                    let keys = if r.len() == 1 { "1 chiave pubblica".to_owned() } else { format!("{} chiavi pubbliche", r.len()) };
                    ("backup.recipients", format!("backup cifrati (age) per {keys} della Regione"))
                }
                _ => ("backup.passphrase_file", "backup cifrati con passphrase".to_owned()),
            };
            finding(Level::Ok, key, how)
        }
        Ok(_) => finding(
            Level::Warning,
            "backup.recipients",
            "backup NON cifrati: impostare backup.recipients con la chiave pubblica della Regione (ricolloca backup-key), oppure backup.passphrase_file",
        ),
        Err(e) => finding(Level::Error, "backup.recipients", e.to_string()),
    });
    let dir = config.backup_dir();
    if !dir.exists() {
        out.push(finding(
            Level::Warning,
            "backup.dir",
            format!("{} non esiste: sarà creata al primo backup", dir.display()),
        ));
    }
    out
}

/// The cards already seen that `tls.required_policies` would refuse at their next request.
fn policies(out: &mut Vec<Finding>, config: &Config, now: Timestamp) {
    const KEY: &str = "tls.required_policies";
    let required = &config.tls.required_policies;
    // A file of an older schema has no policies recorded yet: nothing to say.
    let Ok(seen) = crate::repo::open_ro(&config.data)
        .map_err(AppError::from)
        .and_then(|c| crate::repo::certificates::valid_with_policies(&c, now))
    else {
        return;
    };
    let refused: Vec<_> = seen
        .iter()
        .filter(|c| {
            c.policies.as_ref().is_some_and(|p| !(required.is_empty() || p.iter().any(|o| required.contains(o))))
        })
        .collect();
    if required.is_empty() {
        out.push(finding(Level::Warning, KEY, "lista vuota: la policy dei certificati non è controllata"));
    } else if let Some(first) = refused.first() {
        out.push(finding(
            Level::Warning,
            KEY,
            format!(
                "{} già usati e ancora validi non riportano nessuna delle policy richieste ({}) e saranno rifiutati, ad es. {} emesso da {}",
                count(refused.len(), "certificato", "certificati"),
                required.join(", "),
                first.subject_cn,
                first.issuer
            ),
        ));
    } else {
        out.push(finding(
            Level::Ok,
            KEY,
            format!("policy richieste {}: nessun certificato già usato sarebbe rifiutato", required.join(", ")),
        ));
    }
}

fn certificates(out: &mut Vec<Finding>, key: &str, path: &Path, what: &str, now: Timestamp, first_only: bool) {
    let Ok(iter) = CertificateDer::pem_file_iter(path) else { return };
    for der in iter.flatten().take(if first_only { 1 } else { usize::MAX }) {
        if let Ok((_, cert)) = x509_parser::parse_x509_certificate(&der) {
            let until = Timestamp::from_ms(cert.validity().not_after.timestamp().saturating_mul(1000));
            let name = cert.subject().to_string();
            out.push(expiry(key, &format!("{what} {name}"), until, now));
        }
    }
}

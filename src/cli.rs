//! Command-line operations other than `serve`: they open the data file directly and may run
//! beside a live server (each write is one `BEGIN IMMEDIATE` transaction with its audit row).

use std::path::Path;

use crate::domain::audit_event::{Actor, AuditEvent};
use crate::domain::codice_fiscale::CodiceFiscale;
use crate::domain::ids::{OperatorId, ProviderId};
use crate::domain::partita_iva;
use crate::domain::role::Role;
use crate::error::{AppError, StartupError};
use crate::infra::audit::ChainReport;
use crate::infra::clock::Clock;
use crate::repo::{self, audit, operators, providers};

/// A failed command: one line for stderr.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Startup(#[from] StartupError),
    #[error("{field}: {message}")]
    Field { field: String, message: String },
    #[error("{0}")]
    Other(String),
}

impl From<AppError> for CliError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Conflict(f) => CliError::Field {
                field: f.field,
                message: f.message,
            },
            AppError::Invalid(fields) => {
                let text: Vec<String> = fields
                    .iter()
                    .map(|f| format!("{}: {}", f.field, f.message))
                    .collect();
                CliError::Other(text.join("; "))
            }
            other => CliError::Other(other.to_string()),
        }
    }
}

fn field(field: &str, message: impl Into<String>) -> CliError {
    CliError::Field {
        field: field.into(),
        message: message.into(),
    }
}

/// Who ran the command, for the audit detail.
fn os_user() -> Option<String> {
    std::env::var("SUDO_USER")
        .or_else(|_| std::env::var("USER"))
        .ok()
}

pub struct OperatorArgs<'a> {
    pub cf: &'a str,
    pub surname: &'a str,
    pub name: &'a str,
    pub email: &'a str,
    pub role: &'a str,
    pub provider: Option<&'a str>,
    pub role_title: &'a str,
    pub technical_exemption: bool,
}

/// Minimal e-mail shape check: something@domain.tld, no spaces.
pub fn valid_email(s: &str) -> bool {
    let s = s.trim();
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !s.chars().any(|c| c.is_whitespace() || c == ',' || c == ';')
                && !domain.contains('@')
        }
        None => false,
    }
}

pub fn operator_add(
    data: &Path,
    clock: &dyn Clock,
    a: &OperatorArgs<'_>,
) -> Result<OperatorId, CliError> {
    let cf = CodiceFiscale::parse(a.cf).map_err(|e| field("--cf", e.to_string()))?;
    let role: Role = a
        .role
        .parse()
        .map_err(|e: crate::domain::role::UnknownRole| field("--role", e.to_string()))?;
    if a.surname.trim().is_empty() {
        return Err(field("--surname", "il cognome è obbligatorio"));
    }
    if a.name.trim().is_empty() {
        return Err(field("--name", "il nome è obbligatorio"));
    }
    if !valid_email(a.email) {
        return Err(field("--email", "indirizzo email non valido"));
    }
    let provider = match (role.needs_provider(), a.provider) {
        (true, None) => return Err(field("--provider", "obbligatorio per il ruolo operatore")),
        (false, Some(_)) => {
            return Err(field(
                "--provider",
                "solo gli operatori appartengono a un soggetto accreditato",
            ));
        }
        (true, Some(p)) => Some(
            p.parse::<ProviderId>()
                .map_err(|_| field("--provider", "identificativo non valido"))?,
        ),
        (false, None) => None,
    };
    if a.technical_exemption && role != Role::Tecnico {
        return Err(field(
            "--technical-exemption",
            "l'esenzione è ammessa solo per le utenze tecnico",
        ));
    }
    let mut conn = repo::open_and_migrate(data)?;
    if let Some(p) = provider
        && !providers::exists(&conn, p)?
    {
        return Err(field(
            "--provider",
            format!("nessun soggetto accreditato con id {p}"),
        ));
    }
    let now = clock.now_ms();
    let new = operators::NewOperator {
        codice_fiscale: &cf,
        surname: a.surname.trim(),
        name: a.name.trim(),
        email: a.email.trim(),
        role,
        provider,
        role_title: a.role_title.trim(),
        technical_exemption: a.technical_exemption,
    };
    let id = repo::write_once(&mut conn, |tx| {
        let id = operators::insert(tx, now, &new)?;
        let event = AuditEvent::OperatorCreated {
            operator: id,
            codice_fiscale: cf.clone(),
            surname: new.surname.to_owned(),
            name: new.name.to_owned(),
            role,
            provider,
            via: "cli",
            os_user: os_user(),
        };
        audit::append(tx, now, &Actor::cli(), &event)?;
        Ok(id)
    })?;
    Ok(id)
}

pub struct ProviderArgs<'a> {
    pub name: &'a str,
    pub codice_fiscale: &'a str,
    pub accreditation_code: &'a str,
    pub pec: &'a str,
}

pub fn provider_add(
    data: &Path,
    clock: &dyn Clock,
    a: &ProviderArgs<'_>,
) -> Result<ProviderId, CliError> {
    if a.name.trim().is_empty() {
        return Err(field("--name", "la denominazione è obbligatoria"));
    }
    let cf = partita_iva::parse(a.codice_fiscale)
        .or_else(|| {
            CodiceFiscale::parse(a.codice_fiscale)
                .ok()
                .map(|c| c.to_string())
        })
        .ok_or_else(|| {
            field(
                "--cf",
                "né una partita IVA (11 cifre) né un codice fiscale valido",
            )
        })?;
    if a.accreditation_code.trim().is_empty() {
        return Err(field(
            "--code",
            "il codice di accreditamento è obbligatorio",
        ));
    }
    if !a.pec.is_empty() && !valid_email(a.pec) {
        return Err(field("--pec", "indirizzo PEC non valido"));
    }
    let mut conn = repo::open_and_migrate(data)?;
    let now = clock.now_ms();
    let new = providers::NewProvider {
        name: a.name.trim(),
        codice_fiscale: &cf,
        accreditation_code: a.accreditation_code.trim(),
        pec: a.pec.trim(),
    };
    let id = repo::write_once(&mut conn, |tx| {
        let id = providers::insert(tx, now, &new)?;
        let event = AuditEvent::ProviderCreated {
            provider: id,
            name: new.name.to_owned(),
            codice_fiscale: cf.clone(),
            accreditation_code: new.accreditation_code.to_owned(),
        };
        audit::append(tx, now, &Actor::cli(), &event)?;
        Ok(id)
    })?;
    Ok(id)
}

/// Verifies the chain of a data file (live or a copy) without writing to it.
pub fn audit_verify(data: &Path) -> Result<(ChainReport, i64), CliError> {
    if !data.is_file() {
        return Err(CliError::Other(format!(
            "file dati non trovato: {}",
            data.display()
        )));
    }
    let conn =
        repo::open_ro(data).map_err(|e| CliError::Other(format!("{}: {e}", data.display())))?;
    let report = audit::verify(&conn)?;
    let rows = audit::count(&conn)?;
    Ok((report, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_shapes() {
        for ok in ["a@b.it", "nome.cognome@ente.example.org"] {
            assert!(valid_email(ok), "{ok}");
        }
        for bad in [
            "",
            "a",
            "a@b",
            "@b.it",
            "a@.it",
            "a@b.",
            "a b@c.it",
            "a@b@c.it",
            "a@b.it,c@d.it",
        ] {
            assert!(!valid_email(bad), "{bad}");
        }
    }
}

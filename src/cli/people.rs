//! `operator add` and `provider add`: the bootstrap of the first people and providers.

use std::path::Path;

use super::{CliError, field, open_data, os_user};
use crate::access::AdminAuthority;
use crate::domain::ids::{OperatorId, ProviderId};
use crate::domain::operator::OperatorDraft;
use crate::domain::provider::ProviderDraft;
use crate::domain::role::Role;
use crate::infra::clock::Clock;
use crate::repo::{self, providers};
use crate::service;

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

pub fn operator_add(data: &Path, clock: &dyn Clock, a: &OperatorArgs<'_>) -> Result<OperatorId, CliError> {
    let draft = OperatorDraft {
        provider_id: match a.provider {
            Some(p) => Some(p.trim().parse::<i64>().map_err(|_| field("--provider", "identificativo non valido"))?),
            None => None,
        },
        codice_fiscale: a.cf.into(),
        surname: a.surname.into(),
        name: a.name.into(),
        email: a.email.into(),
        role: a.role.into(),
        role_title: a.role_title.into(),
        communication_id: None,
    };
    let valid = draft.validate().map_err(|errors| {
        let text: Vec<String> = errors.iter().map(|e| format!("{}: {}", cli_flag(&e.field), e.message)).collect();
        CliError::Other(text.join("; "))
    })?;
    if a.technical_exemption && valid.role != Role::Tecnico {
        return Err(field("--technical-exemption", "l'esenzione è ammessa solo per le utenze tecnico"));
    }
    let mut conn = open_data(data, clock)?;
    if let Some(p) = valid.provider
        && !providers::exists(&conn, p)?
    {
        return Err(field("--provider", format!("nessun soggetto accreditato con id {p}")));
    }
    let now = clock.now_ms();
    let who = AdminAuthority::command_line(os_user().as_deref());
    let id = repo::write_once(&mut conn, |tx| {
        let id = service::operators::enable(tx, now, &who, &valid)?;
        if a.technical_exemption {
            service::operators::set_exemption(tx, now, &who, id, true, "esenzione concessa da riga di comando")?;
        }
        Ok(id)
    })?;
    Ok(id)
}

/// The command-line flag for a form field name, so messages name what the user typed.
fn cli_flag(field: &str) -> String {
    match field {
        "codice_fiscale" => "--cf".into(),
        "provider_id" => "--provider".into(),
        "role_title" => "--role-title".into(),
        other => format!("--{other}"),
    }
}

pub struct ProviderArgs<'a> {
    pub name: &'a str,
    pub codice_fiscale: &'a str,
    pub accreditation_code: &'a str,
    pub pec: &'a str,
}

pub fn provider_add(data: &Path, clock: &dyn Clock, a: &ProviderArgs<'_>) -> Result<ProviderId, CliError> {
    let draft = ProviderDraft {
        name: a.name.into(),
        codice_fiscale: a.codice_fiscale.into(),
        accreditation_code: a.accreditation_code.into(),
        pec: a.pec.into(),
        ..Default::default()
    };
    let valid = draft.validate().map_err(|errors| {
        let text: Vec<String> = errors
            .iter()
            .map(|e| {
                let flag = match e.field.as_str() {
                    "codice_fiscale" => "--cf",
                    "accreditation_code" => "--code",
                    "name" => "--name",
                    _ => "--pec",
                };
                format!("{flag}: {}", e.message)
            })
            .collect();
        CliError::Other(text.join("; "))
    })?;
    let mut conn = open_data(data, clock)?;
    let now = clock.now_ms();
    let who = AdminAuthority::command_line(os_user().as_deref());
    Ok(repo::write_once(&mut conn, |tx| service::providers::create(tx, now, &who, &valid))?)
}

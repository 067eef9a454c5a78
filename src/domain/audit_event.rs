//! Who did what: the closed list of audited events. Each becomes one `audit_log` row whose
//! `action`, `object`, `outcome` and canonical-JSON `detail` come from here, and nowhere else.

use serde_json::{Value, json};

use super::cns::CertIdentity;
use super::codice_fiscale::CodiceFiscale;
use super::ids::{OperatorId, ProviderId};
use super::operator::Refusal;
use super::role::Role;

/// The person (or the system) an audit row is about, denormalised: the trail outlives users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub id: Option<OperatorId>,
    /// Codice fiscale, or `SISTEMA` for background jobs, `CLI` for the command line.
    pub cf: String,
    pub role: Option<Role>,
    pub provider: Option<ProviderId>,
    pub cert_sha256: Option<String>,
    pub ip: Option<String>,
}

impl Actor {
    pub fn system() -> Self {
        Self {
            id: None,
            cf: "SISTEMA".into(),
            role: None,
            provider: None,
            cert_sha256: None,
            ip: None,
        }
    }

    /// The command line; `os_user` is who ran it, as far as the environment says.
    pub fn cli() -> Self {
        Self {
            id: None,
            cf: "CLI".into(),
            role: None,
            provider: None,
            cert_sha256: None,
            ip: None,
        }
    }

    /// Someone who presented a certificate but is not (or not yet) a known operator.
    pub fn certificate_holder(cert: &CertIdentity, ip: Option<String>) -> Self {
        let cf = match &cert.codice_fiscale {
            Ok(cf) => cf.to_string(),
            Err(_) => "?".into(),
        };
        Self {
            id: None,
            cf,
            role: None,
            provider: None,
            cert_sha256: Some(cert.sha256.clone()),
            ip,
        }
    }
}

/// The certificate facts recorded with logins and refusals.
pub fn cert_summary(cert: &CertIdentity) -> Value {
    json!({
        "sha256": cert.sha256,
        "cn": cert.subject_cn,
        "issuer": cert.issuer,
        "serial": cert.serial_hex,
        "not_before": cert.not_before_ms,
        "not_after": cert.not_after_ms,
    })
}

#[derive(Debug, Clone)]
pub enum AuditEvent {
    /// First request of the day, or first with a new card.
    Login { cert: Value },
    /// A refused request: certificate, operator state, role, or cross-site.
    Denied {
        reason: &'static str,
        method: String,
        path: String,
        cert: Option<Value>,
    },
    OperatorCreated {
        operator: OperatorId,
        codice_fiscale: CodiceFiscale,
        surname: String,
        name: String,
        role: Role,
        provider: Option<ProviderId>,
        via: &'static str,
        os_user: Option<String>,
    },
    /// The six-month rule switched an operator off.
    OperatorIdleDeactivated {
        operator: OperatorId,
        idle_since_ms: i64,
        inactivity_days: u32,
    },
    ProviderCreated {
        provider: ProviderId,
        name: String,
        codice_fiscale: String,
        accreditation_code: String,
    },
}

impl AuditEvent {
    pub fn denied(refusal: Refusal, method: &str, path: &str, cert: Option<&CertIdentity>) -> Self {
        AuditEvent::Denied {
            reason: refusal.code(),
            method: method.to_owned(),
            path: path.to_owned(),
            cert: cert.map(cert_summary),
        }
    }

    pub fn action(&self) -> &'static str {
        match self {
            AuditEvent::Login { .. } => "access.login",
            AuditEvent::Denied { .. } => "access.denied",
            AuditEvent::OperatorCreated { .. } => "operator.create",
            AuditEvent::OperatorIdleDeactivated { .. } => "operator.deactivate_idle",
            AuditEvent::ProviderCreated { .. } => "provider.create",
        }
    }

    pub fn object(&self) -> Option<String> {
        match self {
            AuditEvent::Login { .. } | AuditEvent::Denied { .. } => None,
            AuditEvent::OperatorCreated { operator, .. }
            | AuditEvent::OperatorIdleDeactivated { operator, .. } => {
                Some(format!("operator:{operator}"))
            }
            AuditEvent::ProviderCreated { provider, .. } => Some(format!("provider:{provider}")),
        }
    }

    pub fn outcome(&self) -> &'static str {
        match self {
            AuditEvent::Denied { .. } => "denied",
            _ => "ok",
        }
    }

    /// The detail as JSON; serde_json's map is sorted, which makes the text canonical.
    pub fn detail(&self) -> Value {
        match self {
            AuditEvent::Login { cert } => json!({ "cert": cert }),
            AuditEvent::Denied {
                reason,
                method,
                path,
                cert,
            } => {
                json!({ "reason": reason, "method": method, "path": path, "cert": cert })
            }
            AuditEvent::OperatorCreated {
                codice_fiscale,
                surname,
                name,
                role,
                provider,
                via,
                os_user,
                ..
            } => json!({
                "after": {
                    "codice_fiscale": codice_fiscale.as_str(),
                    "surname": surname,
                    "name": name,
                    "role": role.code(),
                    "provider_id": provider,
                    "state": "active",
                },
                "via": via,
                "os_user": os_user,
            }),
            AuditEvent::OperatorIdleDeactivated {
                idle_since_ms,
                inactivity_days,
                ..
            } => json!({
                "before": { "state": "active" },
                "after": { "state": "idle_deactivated" },
                "idle_since": idle_since_ms,
                "inactivity_days": inactivity_days,
            }),
            AuditEvent::ProviderCreated {
                name,
                codice_fiscale,
                accreditation_code,
                ..
            } => json!({
                "after": { "name": name, "codice_fiscale": codice_fiscale, "accreditation_code": accreditation_code },
            }),
        }
    }
}

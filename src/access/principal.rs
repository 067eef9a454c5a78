//! The authenticated person, and the capability handles derived from their role.
//! Fields are private and the constructors live in this module tree, so a `ProviderScope`
//! exists only for an authenticated operator of that provider: repository functions over
//! provider data take one and filter on it in SQL.

use std::sync::Arc;

use crate::domain::audit_event::Actor;
use crate::domain::cns::CertIdentity;
use crate::domain::ids::ProviderId;
use crate::domain::operator::Operator;
use crate::domain::role::Role;

#[derive(Debug, Clone)]
pub struct Principal {
    operator: Operator,
    cert: Arc<CertIdentity>,
    ip: Option<String>,
}

impl Principal {
    pub(super) fn new(operator: Operator, cert: Arc<CertIdentity>, ip: Option<String>) -> Self {
        Self { operator, cert, ip }
    }

    pub fn operator(&self) -> &Operator {
        &self.operator
    }

    pub fn role(&self) -> Role {
        self.operator.role
    }

    pub fn cert(&self) -> &CertIdentity {
        &self.cert
    }

    /// Who to write in the audit row.
    pub fn actor(&self) -> Actor {
        Actor {
            id: Some(self.operator.id),
            cf: self.operator.codice_fiscale.to_string(),
            role: Some(self.operator.role),
            provider: self.operator.provider.as_ref().map(|p| p.id),
            cert_sha256: Some(self.cert.sha256.clone()),
            ip: self.ip.clone(),
        }
    }

    /// Only a provider operator gets one, for their own provider.
    pub fn provider_scope(&self) -> Option<ProviderScope> {
        match (&self.operator.role, &self.operator.provider) {
            (Role::Operatore, Some(p)) => Some(ProviderScope {
                provider: p.id,
                actor: self.actor(),
            }),
            _ => None,
        }
    }

    pub fn region_scope(&self) -> Option<RegionScope> {
        (self.operator.role == Role::Regione).then(|| RegionScope {
            actor: self.actor(),
        })
    }

    pub fn audit_scope(&self) -> Option<AuditScope> {
        (self.operator.role == Role::Revisore).then(|| AuditScope {
            actor: self.actor(),
        })
    }
}

/// Access to one provider's data: its recipients, their SAPs and actions.
#[derive(Debug, Clone)]
pub struct ProviderScope {
    provider: ProviderId,
    actor: Actor,
}

impl ProviderScope {
    pub fn provider(&self) -> ProviderId {
        self.provider
    }
    pub fn actor(&self) -> &Actor {
        &self.actor
    }
}

/// Access to everything the regional administration manages, across providers.
#[derive(Debug, Clone)]
pub struct RegionScope {
    actor: Actor,
}

impl RegionScope {
    pub fn actor(&self) -> &Actor {
        &self.actor
    }
}

/// Read access to the audit trail.
#[derive(Debug, Clone)]
pub struct AuditScope {
    actor: Actor,
}

impl AuditScope {
    pub fn actor(&self) -> &Actor {
        &self.actor
    }
}

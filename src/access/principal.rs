//! The authenticated person, and the capability handles derived from their role.
//! Fields are private and the constructors live in this module tree, so a `ProviderScope`
//! exists only for an authenticated operator of that provider: repository functions over
//! provider data take one and filter on it in SQL.

use std::sync::Arc;

use crate::domain::audit_event::Actor;
use crate::domain::cns::CertIdentity;
use crate::domain::ids::{OperatorId, ProviderId};
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
            (Role::Operatore, Some(p)) => Some(ProviderScope { provider: p.id, actor: self.actor() }),
            _ => None,
        }
    }

    pub fn region_scope(&self) -> Option<RegionScope> {
        (self.operator.role == Role::Regione).then(|| RegionScope { actor: self.actor(), label: self.label() })
    }

    /// Read-only access to what the Region manages: the Region itself and its auditors.
    pub fn region_read_scope(&self) -> Option<RegionReadScope> {
        matches!(self.operator.role, Role::Regione | Role::Revisore)
            .then(|| RegionReadScope { actor: self.actor(), can_write: self.operator.role == Role::Regione })
    }

    /// How this person appears in histories: "Maria Bianchi (regione)".
    pub fn label(&self) -> String {
        format!("{} ({})", self.operator.full_name(), self.operator.role.code())
    }

    pub fn audit_scope(&self) -> Option<AuditScope> {
        (self.operator.role == Role::Revisore).then(|| AuditScope { actor: self.actor() })
    }
}

/// Access to one provider's data: its recipients, their SAPs and actions.
#[derive(Debug, Clone)]
pub struct ProviderScope {
    provider: ProviderId,
    actor: Actor,
}

impl ProviderScope {
    /// A provider's scope for the demo's seeding (no request, no card), so the sample agenda
    /// goes through the same services as the screens. The second named bypass, greppable.
    pub fn unsafe_for_demo(provider: ProviderId) -> Self {
        ProviderScope { provider, actor: Actor::system() }
    }
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
    label: String,
}

impl RegionScope {
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The authority to change what the Region manages.
    pub fn authority(&self) -> AdminAuthority {
        AdminAuthority { actor: self.actor.clone(), label: self.label.clone(), needs_communication: true }
    }
}

/// Reading what the Region manages (providers, operators, communications): `regione` and
/// `revisore`. Only `can_write` (regione) shows the buttons; writes need a `RegionScope`.
#[derive(Debug, Clone)]
pub struct RegionReadScope {
    actor: Actor,
    can_write: bool,
}

impl RegionReadScope {
    pub fn actor(&self) -> &Actor {
        &self.actor
    }
    pub fn can_write(&self) -> bool {
        self.can_write
    }
}

/// Who changes providers and operators: a `regione` through the screens and API, or the
/// technician on the command line / the demo seeding. The service layer takes one.
#[derive(Debug, Clone)]
pub struct AdminAuthority {
    actor: Actor,
    label: String,
    /// Screens and API enable provider operators only from a written communication; the
    /// command line (bootstrap, technician on the server) and the demo may do without.
    needs_communication: bool,
}

impl AdminAuthority {
    /// The shell on the server: whoever can run the binary on the data file.
    pub fn command_line(os_user: Option<&str>) -> Self {
        let label = match os_user {
            Some(user) => format!("riga di comando (utente {user})"),
            None => "riga di comando".into(),
        };
        AdminAuthority { actor: Actor::cli(), label, needs_communication: false }
    }

    /// Automatic jobs and the demo seeding.
    pub fn system() -> Self {
        AdminAuthority { actor: Actor::system(), label: "sistema".into(), needs_communication: false }
    }

    pub fn actor(&self) -> &Actor {
        &self.actor
    }
    pub fn operator_id(&self) -> Option<OperatorId> {
        self.actor.id
    }
    pub fn label(&self) -> &str {
        &self.label
    }
    pub fn needs_communication(&self) -> bool {
        self.needs_communication
    }
}

/// Who may see recipients: an operator (their provider's only) or the Region (all).
/// Owned (and `Send`), so it can travel into a read-pool closure; only built from the scopes
/// a guard hands out.
#[derive(Debug, Clone)]
pub enum RecipientScope {
    Provider(ProviderScope),
    Region(RegionScope),
}

impl RecipientScope {
    /// A provider's scope without a person behind it: only for the benchmark programs, which
    /// measure the same SQL a guard-built scope runs. The one bypass, named to be greppable.
    pub fn unsafe_for_benchmarks(provider: ProviderId) -> Self {
        RecipientScope::Provider(ProviderScope { provider, actor: Actor::system() })
    }

    /// The provider every query must be restricted to; `None` only for the Region.
    pub fn provider_filter(&self) -> Option<ProviderId> {
        match self {
            RecipientScope::Provider(p) => Some(p.provider()),
            RecipientScope::Region(_) => None,
        }
    }
    pub fn actor(&self) -> &Actor {
        match self {
            RecipientScope::Provider(p) => p.actor(),
            RecipientScope::Region(r) => r.actor(),
        }
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

    /// An auditor's scope without a person behind it: only for the benchmark programs, which
    /// measure the same SQL the screens run. Named to be greppable, like the one above.
    pub fn unsafe_for_benchmarks() -> Self {
        AuditScope { actor: Actor::system() }
    }
}

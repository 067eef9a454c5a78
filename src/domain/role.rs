//! Who someone is in the programme. The stored codes are the Italian role names of the
//! contract (`--role regione|revisore|tecnico|operatore`).

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Operator of an accredited provider: sees only that provider's recipients.
    Operatore,
    /// Regional administration: providers, operators, imports, monitoring.
    Regione,
    /// Auditor: reads the audit trail; changes nothing.
    Revisore,
    /// Technical administration: backups and settings.
    Tecnico,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Operatore, Role::Regione, Role::Revisore, Role::Tecnico];

    pub fn code(self) -> &'static str {
        match self {
            Role::Operatore => "operatore",
            Role::Regione => "regione",
            Role::Revisore => "revisore",
            Role::Tecnico => "tecnico",
        }
    }

    /// How the role is named to people.
    pub fn label(self) -> &'static str {
        match self {
            Role::Operatore => "Operatore del soggetto accreditato",
            Role::Regione => "Amministrazione regionale",
            Role::Revisore => "Revisore (controllo accessi)",
            Role::Tecnico => "Amministratore tecnico",
        }
    }

    /// Only provider operators belong to a provider.
    pub fn needs_provider(self) -> bool {
        self == Role::Operatore
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("ruolo sconosciuto: usare operatore, regione, revisore o tecnico")]
pub struct UnknownRole;

impl FromStr for Role {
    type Err = UnknownRole;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL.into_iter().find(|r| r.code() == s.trim()).ok_or(UnknownRole)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

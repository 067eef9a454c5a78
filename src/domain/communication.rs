//! Written communications from providers: every enabling, variation and revocation of an
//! operator points to one.

use super::ids::{CommunicationId, DocumentId, ProviderId};
use super::text::{FieldErrors, date, iso, optional, required};
use crate::domain::field_error::FieldError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CommunicationKind {
    /// List of operators to enable.
    Abilitazione,
    Variazione,
    Revoca,
}

impl CommunicationKind {
    pub const ALL: [CommunicationKind; 3] = [Self::Abilitazione, Self::Variazione, Self::Revoca];
    pub fn code(self) -> &'static str {
        match self {
            Self::Abilitazione => "abilitazione",
            Self::Variazione => "variazione",
            Self::Revoca => "revoca",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }
    pub fn label(self) -> &'static str {
        match self {
            Self::Abilitazione => "elenco di abilitazione",
            Self::Variazione => "variazione",
            Self::Revoca => "revoca",
        }
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Communication {
    pub id: CommunicationId,
    pub provider: Option<ProviderId>,
    pub received_on: String,
    pub protocol: String,
    pub kind: CommunicationKind,
    pub document: DocumentId,
    pub note: String,
    pub registered_at: i64,
}

impl Communication {
    /// "Prot. 123 del 05/01/2026 (elenco di abilitazione)".
    pub fn title(&self) -> String {
        format!("Prot. {} del {} ({})", self.protocol, super::text::italian_date(&self.received_on), self.kind.label())
    }
}

#[derive(Debug, Clone, Default)]
pub struct CommunicationDraft {
    pub received_on: String,
    pub protocol: String,
    pub kind: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidCommunication {
    pub received_on: String,
    pub protocol: String,
    pub kind: CommunicationKind,
    pub note: String,
}

impl CommunicationDraft {
    /// `today` bounds the date: a communication cannot come from the future.
    pub fn validate(&self, today: time::Date) -> Result<ValidCommunication, Vec<FieldError>> {
        let mut e = FieldErrors::default();
        let received = date(&mut e, "received_on", &self.received_on);
        if received.is_some_and(|d| d > today) {
            e.add("received_on", "la data non può essere futura");
        }
        let protocol = required(&mut e, "protocol", &self.protocol, 60);
        let kind = CommunicationKind::from_code(self.kind.trim());
        if kind.is_none() {
            e.add("kind", "scegliere abilitazione, variazione o revoca");
        }
        let note = optional(&mut e, "note", &self.note, 1000);
        match (received, kind) {
            (Some(d), Some(kind)) if e.is_empty() => {
                Ok(ValidCommunication { received_on: iso(d), protocol, kind, note })
            }
            _ => Err(e.into_vec()),
        }
    }
}

//! Typed change events: one serialisable struct per kind of change, whose fields are the
//! audit row's `detail` (field names are the JSON keys; serde_json sorts them, which keeps the
//! text canonical) and whose `object` and `change` say where the row points. A call site fills
//! a struct instead of writing `json!` by hand, so a mistyped key cannot reach the trail.
//!
//! The JSON of each is pinned by a golden test beside it: it is the legal record, byte for byte
//! what the hand-written `json!` wrote before, and old rows still verify in the chain.

use serde::Serialize;

use super::audit_event::{AuditEvent, Change, ChangeRecord};
use super::ids::{
    AnomalyId, AppointmentId, CommunicationId, IdolExportId, OperatorId, ProviderId, RecipientId, SedeId,
};

mod admin;
mod imports;
mod people;
mod system;

pub use admin::*;
pub use imports::*;
pub use people::*;
pub use system::*;

/// A change with its detail: the only way an [`AuditEvent::Change`] is built.
pub trait ChangeEvent: Serialize {
    fn change(&self) -> Change;
    fn object(&self) -> Object<'_>;
}

/// What a change is about, as the row's `object` names it: the subject report and the
/// anomaly rules read these prefixes, so they are spelled in one place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Object<'a> {
    Recipient(RecipientId),
    Operator(OperatorId),
    Provider(ProviderId),
    Sede(SedeId),
    Communication(CommunicationId),
    Appointment(AppointmentId),
    Anomaly(AnomalyId),
    IdolExport(IdolExportId),
    /// A backup file, by name.
    Backup(&'a str),
    /// An imported file, by name.
    File(&'a str),
    /// A whole table or setting: `code_list`, `audit_log`, `config`, `sap_version`, a sequence.
    Named(&'a str),
}

impl std::fmt::Display for Object<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Object::Recipient(id) => write!(f, "recipient:{id}"),
            Object::Operator(id) => write!(f, "operator:{id}"),
            Object::Provider(id) => write!(f, "provider:{id}"),
            Object::Sede(id) => write!(f, "sede:{id}"),
            Object::Communication(id) => write!(f, "communication:{id}"),
            Object::Appointment(id) => write!(f, "appointment:{id}"),
            Object::Anomaly(id) => write!(f, "anomaly:{id}"),
            Object::IdolExport(id) => write!(f, "idol_export:{id}"),
            Object::Backup(name) => write!(f, "backup:{name}"),
            Object::File(name) => write!(f, "file:{name}"),
            Object::Named(name) => f.write_str(name),
        }
    }
}

impl AuditEvent {
    /// The audit event of a typed change.
    pub fn of_change(event: &impl ChangeEvent) -> Result<AuditEvent, serde_json::Error> {
        let detail = serde_json::to_value(event)?;
        Ok(AuditEvent::Change(ChangeRecord::new(event.change(), event.object().to_string(), detail)))
    }
}

#[cfg(test)]
mod tests;

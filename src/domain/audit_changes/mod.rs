//! Typed change events: one serialisable struct per kind of change, whose fields are the
//! audit row's `detail` (field names are the JSON keys; serde_json sorts them, which keeps the
//! text canonical) and whose `object` and `change` say where the row points. A call site fills
//! a struct instead of writing `json!` by hand, so a mistyped key cannot reach the trail.
//!
//! The JSON of each is pinned by a golden test beside it: it is the legal record, byte for byte
//! what the hand-written `json!` wrote before, and old rows still verify in the chain.

use serde::Serialize;

use super::audit_event::{AuditEvent, Change, ChangeRecord};

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
    fn object(&self) -> String;
}

impl AuditEvent {
    /// The audit event of a typed change.
    pub fn of_change(event: &impl ChangeEvent) -> Result<AuditEvent, serde_json::Error> {
        let detail = serde_json::to_value(event)?;
        Ok(AuditEvent::Change(ChangeRecord::new(event.change(), event.object(), detail)))
    }
}

#[cfg(test)]
mod tests;

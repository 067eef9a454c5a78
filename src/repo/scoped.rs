//! Proofs of a scoped lookup. A `ScopedVoucher` exists only because a query restricted to a
//! scope (an operator's provider, or the Region) found that voucher; its fields are private and
//! only the repository's lookups build one. Every query that follows up on a person's data — a
//! programme's versions and PDFs, a voucher's signed uploads and outcomes, an action's events,
//! and the writes to them — takes the proof, never a bare id: a follow-up query for another
//! provider's row cannot be written, by accident or otherwise, outside this layer.
//!
//! A handler holding only an id cannot ask for a voucher's programme versions:
//!
//! ```compile_fail,E0308
//! use ricolloca::domain::ids::VoucherId;
//! use ricolloca::repo::programmes;
//!
//! fn handler(conn: &rusqlite::Connection, raw: &str) {
//!     let voucher: VoucherId = raw.parse().unwrap();
//!     // error[E0308]: expected `&ScopedVoucher`, found `VoucherId`
//!     let _ = programmes::versions(conn, voucher);
//! }
//! ```
//!
//! nor make the proof itself (its fields are private, and so is its constructor):
//!
//! ```compile_fail,E0451
//! use ricolloca::domain::ids::{RecipientId, VoucherId};
//! use ricolloca::repo::scoped::ScopedVoucher;
//!
//! fn handler(voucher: VoucherId, recipient: RecipientId) -> ScopedVoucher {
//!     // error[E0451]: fields `id` and `recipient` of struct `ScopedVoucher` are private
//!     ScopedVoucher { id: voucher, recipient }
//! }
//! ```
//!
//! ```compile_fail,E0624
//! use ricolloca::domain::ids::{RecipientId, VoucherId};
//! use ricolloca::repo::scoped::ScopedVoucher;
//!
//! fn handler(voucher: VoucherId, recipient: RecipientId) -> ScopedVoucher {
//!     // error[E0624]: associated function `new` is private
//!     ScopedVoucher::new(voucher, recipient)
//! }
//! ```
//!
//! The proof comes only from a scoped lookup, which for another provider's person finds
//! nothing (and the caller answers 404, audited):
//!
//! ```
//! use ricolloca::access::RecipientScope;
//! use ricolloca::domain::ids::RecipientId;
//! use ricolloca::repo::programmes;
//!
//! fn handler(conn: &rusqlite::Connection, scope: &RecipientScope, id: RecipientId) {
//!     if let Ok(Some(ctx)) = programmes::context(conn, scope, id) {
//!         let _ = programmes::versions(conn, &ctx.voucher);
//!     }
//! }
//! ```

use serde::{Serialize, Serializer};

use crate::domain::ids::{ActionId, AppointmentId, RecipientId, VoucherId};

/// A voucher found through a scope (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScopedVoucher {
    id: VoucherId,
    recipient: RecipientId,
}

impl ScopedVoucher {
    /// Only the repository's scoped lookups call this.
    pub(super) fn new(id: VoucherId, recipient: RecipientId) -> Self {
        Self { id, recipient }
    }
    pub fn id(&self) -> VoucherId {
        self.id
    }
    pub fn recipient(&self) -> RecipientId {
        self.recipient
    }
}

/// A provider's action found through a scope, with the voucher it was recorded under (seeing
/// the action means seeing that voucher: both belong to the same provider).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScopedAction {
    id: ActionId,
    voucher: ScopedVoucher,
}

impl ScopedAction {
    pub(super) fn new(id: ActionId, voucher: ScopedVoucher) -> Self {
        Self { id, voucher }
    }
    pub fn id(&self) -> ActionId {
        self.id
    }
    pub fn voucher(&self) -> ScopedVoucher {
        self.voucher
    }
}

/// An appointment found through a provider's scope, with its voucher.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScopedAppointment {
    id: AppointmentId,
    voucher: ScopedVoucher,
}

impl ScopedAppointment {
    pub(super) fn new(id: AppointmentId, voucher: ScopedVoucher) -> Self {
        Self { id, voucher }
    }
    pub fn id(&self) -> AppointmentId {
        self.id
    }
    pub fn voucher(&self) -> ScopedVoucher {
        self.voucher
    }
}

/// In JSON a proof is just the id it proves (the API shows ids, never proofs; there is no
/// `Deserialize`: a proof cannot come from outside).
macro_rules! serialize_as_id {
    ($($t:ty),*) => {$(
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                self.id.serialize(s)
            }
        }
    )*};
}

serialize_as_id!(ScopedVoucher, ScopedAction, ScopedAppointment);

//! From a client certificate to a person with capabilities: the per-request checks
//! (validity, revocation, operator and provider state, the six-month rule), the audit rows
//! of logins and refusals, and the scoped handles that data access requires.

mod authenticate;
mod directory;
pub mod form_token;
mod listed_today;
mod principal;

pub use authenticate::{AUDIT_DEADLINE, AccessControl, RequestFacts};
pub use directory::POLL as ACCESS_EPOCH_POLL;
pub use principal::{
    AdminAuthority, AuditScope, Principal, ProviderScope, RecipientScope, RegionReadScope, RegionScope,
};

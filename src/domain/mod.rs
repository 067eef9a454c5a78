//! Types and rules of the programme: no Rocket, no SQL.

pub mod cns;
pub mod codice_fiscale;
pub mod ids;
pub mod operator;
pub mod role;
pub mod audit_event;
pub mod partita_iva;

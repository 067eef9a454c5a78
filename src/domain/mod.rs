//! Types and rules of the programme: no Rocket, no SQL.

pub mod audit_event;
pub mod cns;
pub mod codice_fiscale;
pub mod ids;
pub mod operator;
pub mod partita_iva;
pub mod role;

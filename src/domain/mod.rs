//! Types and rules of the programme: no Rocket, no SQL.

pub mod anomaly;
pub mod assignment;
pub mod audit_event;
pub mod cns;
pub mod codice_fiscale;
pub mod communication;
pub mod document;
pub mod ids;
pub mod operator;
pub mod partita_iva;
pub mod programme;
pub mod provider;
pub mod recipient;
pub mod role;
pub mod sap;
pub mod sede;
pub mod text;

//! Types and rules of the programme: no Rocket, no SQL.

pub mod anomaly;
pub mod appointment;
pub mod assignment;
pub mod audit_event;
pub mod backup_schedule;
pub mod cns;
pub mod codice_fiscale;
pub mod communication;
pub mod document;
pub mod feed;
pub mod field_error;
pub mod identificativo;
pub mod ids;
pub mod operator;
pub mod outcome;
pub mod partita_iva;
pub mod policy_action;
pub mod policy_event;
pub mod programme;
pub mod provider;
pub mod recipient;
pub mod role;
pub mod sap;
pub mod sede;
pub mod text;

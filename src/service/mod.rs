//! Operations that span several tables: each runs inside the caller's write transaction
//! (`WriteTx`), checks what must hold under the write lock, writes the rows, the history line
//! for people and the audit row, or nothing at all. The web handlers, the API and the command
//! line all call these, so the rules live in one place.

pub mod actions;
pub mod anomalies;
pub mod appointments;
pub mod assignment_import;
pub mod audit;
pub mod audit_prune;
pub mod backup;
pub mod chain_watch;
pub mod communications;
pub mod data_file;
pub mod identificativo;
pub mod idol_export;
pub mod imports;
pub mod notice;
pub mod operators;
pub mod outcomes;
pub mod programmes;
pub mod providers;
pub mod sap_remap;
pub mod signed_programmes;
pub mod uploads;

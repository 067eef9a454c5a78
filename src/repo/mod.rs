//! SQL and nothing else: connections, the schema, the single writer, one file per area.
//! Repository functions take a connection (reads) or a [`WriteTx`] (writes); they never
//! decide permissions.

pub mod access;
pub mod actions;
pub mod anomalies;
pub mod appointments;
pub mod audit;
pub mod audit_prune;
pub mod audit_search;
pub mod audit_subjects;
pub mod certificates;
pub mod codes;
pub mod communications;
mod connection;
pub mod dashboard;
pub mod idol;
pub mod imports;
pub mod migrate;
pub mod notice;
pub mod operators;
pub mod outcomes;
pub mod policies;
pub mod pool;
pub mod programmes;
pub mod providers;
pub mod read_cache;
pub mod recipient_scope;
pub mod recipients;
pub mod saps;
pub mod scoped;
pub mod settings;
pub mod signed_programmes;
pub mod snapshot;
mod sql_types;
pub mod vouchers;
pub mod write_tx;
pub mod writer;

pub(crate) use connection::BUSY_TIMEOUT;
pub use connection::{
    SCHEMA, SCHEMA_VERSION, VERSION_LINE, open_and_migrate, open_ro, open_rw, write_each, write_once,
};
pub use write_tx::WriteTx;

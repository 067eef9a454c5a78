//! What the running server does by itself, beside answering requests: the timed jobs (the
//! six-month rule, checkpoints, the chain watch, the anomaly watch, CRL reloads), scheduled
//! backups, reloads on SIGHUP or from the screen, the local status socket, and the
//! `ricolloca check` of a configuration before it starts.

pub mod backups;
pub mod check;
pub mod jobs;
pub mod reload;
pub mod status;

//! Ricolloca: the appliance for the Assegno di Ricollocazione programme.
//!
//! Layers (see ARCHITECTURE.md): `domain` (types and rules), `repo` (SQL only), `infra`
//! (clock, audit chain, TLS, CRLs, logs, file formats), `service` (operations spanning
//! tables), `access` (certificate to person to capability), `web` (routes, guards, views),
//! `front` (the connections: TLS, HTTP/1.1, deadlines and caps, requests handed to Rocket),
//! `cli` (the commands), `runtime` (what the running server does by itself), and `server`
//! (the wiring).

pub mod access;
pub mod cli;
pub mod config;
pub mod domain;
pub mod error;
pub mod front;
pub mod infra;
pub mod repo;
pub mod runtime;
pub mod server;
pub mod service;
pub mod web;

#[cfg(test)]
mod import_loop_tests;
#[cfg(test)]
mod shape_tests;

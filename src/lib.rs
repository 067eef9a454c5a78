//! Ricolloca: the appliance for the Assegno di Ricollocazione programme.
//!
//! Layers (see README "Architecture"): `domain` (types and rules), `repo` (SQL only),
//! `infra` (clock, audit chain, TLS, CRLs, logs), `access` (certificate to person to
//! capability), `web` (routes, guards, views), `front` (the connections: TLS, HTTP/1.1,
//! deadlines and caps, requests handed to Rocket), `server` and `cli` (wiring).

pub mod access;
pub mod backups;
pub mod check;
pub mod cli;
pub mod config;
pub mod demo;
pub mod domain;
pub mod error;
pub mod front;
pub mod infra;
pub mod jobs;
pub mod reload;
pub mod repo;
pub mod server;
pub mod service;
pub mod status;
pub mod web;

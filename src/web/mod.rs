//! HTTP: routes, guards, views. Handlers never write SQL; they call repositories through the
//! read pool or the writer, with the capability handle their guard gave them.

pub mod actions;
pub mod admin;
pub mod agenda;
pub mod agenda_report;
pub mod anomalies;
pub mod api;
pub mod app;
pub mod asked_for;
pub mod assets;
pub mod audit;
pub mod audit_params;
pub mod communication_files;
pub mod ctx;
pub mod documents;
pub mod embedded;
pub mod errors;
pub mod forms;
pub mod front_refusal;
pub mod gate;
pub mod guards;
pub mod headers;
pub mod home;
pub mod manual;
pub mod notice;
pub mod outcome;
pub mod params;
pub mod programme;
pub mod recipients;
pub mod request_log;
pub mod request_time;
pub mod site;
pub mod uploads;
pub mod views;

pub use app::{AppState, app};
pub use site::{FormSecret, Site};

#[cfg(test)]
mod layering_tests;
#[cfg(test)]
mod route_tests;

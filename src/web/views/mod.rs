//! maud views: the layout, the pages that are not a screen group of their own, and the
//! pieces several screens show (paging, option lists, downloads, the agenda section, ...).
//! Screens import from here, never from one another.

pub mod admin;
pub mod agenda;
pub mod audit;
pub mod audit_labels;
pub mod documents;
pub mod download;
pub mod layout;
pub mod options;
pub mod outcome;
pub mod pager;
pub mod pages;
pub mod sap;

#[cfg(test)]
mod stylesheet_tests;

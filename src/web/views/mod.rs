//! maud views: the layout and the pages that are not a screen group of their own.

pub mod audit_labels;
pub mod layout;
pub mod pages;
pub mod sap;

#[cfg(test)]
mod stylesheet_tests;

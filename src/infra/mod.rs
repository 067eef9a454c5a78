//! Technical machinery: time, the audit chain, CRLs, certificates, TLS, logs, file formats.

pub mod audit;
pub mod backup_seal;
pub mod checkpoint;
pub mod clock;
pub mod crl;
pub mod encryption;
pub mod high_water;
pub mod idol_feed;
pub mod instance_lock;
pub mod logging;
pub mod paced_write;
pub mod pki;
pub mod programme_pdf;
pub mod sap_sample;
pub mod sap_schema;
pub mod sap_xml;
pub mod signature;
pub mod spreadsheet_csv;
pub mod tls;

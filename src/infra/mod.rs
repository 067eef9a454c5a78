//! Technical machinery: time, the audit chain, CRLs, certificates, TLS, logs, SAP XML.

pub mod audit;
pub mod clock;
pub mod crl;
pub mod logging;
pub mod pki;
pub mod sap_xml;
pub mod tls;

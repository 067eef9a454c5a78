//! Technical machinery: time, the audit chain, CRLs, certificates, TLS, logs.

pub mod audit;
pub mod clock;
pub mod crl;
pub mod logging;
pub mod pki;
pub mod programme_pdf;
pub mod tls;

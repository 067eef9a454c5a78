//! One signature as the UI shows it, and what the signer certificate says about its holder.

use x509_parser::asn1_rs::oid;
use x509_parser::prelude::*;

use crate::domain::cns::codice_fiscale_from_cn;
use crate::domain::codice_fiscale::CodiceFiscale;

/// The sentence the UI shows next to every signature: the chain of trust is not checked.
pub const CHAIN_NOT_CHECKED: &str = "La catena di certificazione del firmatario non è verificata rispetto all'elenco \
     pubblico dei certificatori qualificati.";

/// The outcome of the cryptographic check of one signature. Reasons are Italian, for people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// The signed content and the signed attributes match the signature and the public key of
    /// the certificate named by the signature. Integrity only: see [`CHAIN_NOT_CHECKED`].
    Valid,
    /// The signature does not match: the content or the signed data were altered, or the
    /// signature is damaged.
    Invalid(String),
    /// The signature could not be checked here (algorithm not supported or considered weak,
    /// signer certificate missing): it is not known to be valid.
    Unsupported(String),
}

/// One signature found in a document, with what the signer certificate says about its holder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    /// `givenName surname` from the certificate subject, else its CN (but not a CNS-style CN
    /// `CODICEFISCALE/cardid.hash`, which names no one). `None` without a certificate.
    pub name: Option<String>,
    /// From the subject serialNumber (`TINIT-…`, `IT:…` or plain), else from the CN (the part
    /// before the first `/`), only when it is a valid codice fiscale.
    pub codice_fiscale: Option<CodiceFiscale>,
    /// Who issued the signer certificate (its CN, else O), as the certificate claims: unchecked.
    pub issuer: Option<String>,
    /// The `signingTime` signed attribute, UTC milliseconds. Declared by the signer's software,
    /// not a trusted timestamp.
    pub signing_time_ms: Option<i64>,
    /// Whether `signing_time_ms` falls inside the validity of the signer certificate;
    /// `Some(false)` means the certificate was expired (or not yet valid) when the document
    /// says it was signed. `None` when there is no signing time or no certificate.
    pub certificate_valid_at_signing: Option<bool>,
    /// Whether the signature covers the whole file. Always true in a `.p7m`; in a PDF, false
    /// when bytes were added after this signature (an incremental update: a later signature,
    /// or changes the signer never saw).
    pub covers_whole_document: bool,
    pub verification: Verification,
    /// Always false: the certificate chain is never checked against the trusted list
    /// ([`CHAIN_NOT_CHECKED`]). A field, so that no caller can forget it.
    pub chain_checked: bool,
}

pub(super) const OID_SERIAL_NUMBER: &[u8] = &oid!(raw 2.5.4.5);
pub(super) const OID_COMMON_NAME: &[u8] = &oid!(raw 2.5.4.3);
pub(super) const OID_ORGANIZATION: &[u8] = &oid!(raw 2.5.4.10);
pub(super) const OID_SURNAME: &[u8] = &oid!(raw 2.5.4.4);
pub(super) const OID_GIVEN_NAME: &[u8] = &oid!(raw 2.5.4.42);

pub(super) fn subject_values<'c>(cert: &'c X509Certificate<'_>, oid: &'static [u8]) -> impl Iterator<Item = &'c str> {
    cert.subject()
        .iter_attributes()
        .filter(move |attr| attr.attr_type().as_bytes() == oid)
        .filter_map(|attr| attr.as_str().ok())
}

pub(super) fn holder_name(cert: &X509Certificate<'_>) -> Option<String> {
    let given = subject_values(cert, OID_GIVEN_NAME).next().map(str::trim);
    let surname = subject_values(cert, OID_SURNAME).next().map(str::trim);
    if let (Some(given), Some(surname)) = (given, surname)
        && !given.is_empty()
        && !surname.is_empty()
    {
        return Some(format!("{given} {surname}"));
    }
    let cn = subject_values(cert, OID_COMMON_NAME).next()?.trim();
    let cns_style = cn.contains('/') && codice_fiscale_from_cn(cn).is_ok();
    (!cn.is_empty() && !cns_style).then(|| cn.to_owned())
}

pub(super) fn holder_codice_fiscale(cert: &X509Certificate<'_>) -> Option<CodiceFiscale> {
    let from_serial = subject_values(cert, OID_SERIAL_NUMBER).find_map(codice_fiscale_from_serial_number);
    from_serial.or_else(|| subject_values(cert, OID_COMMON_NAME).find_map(|cn| codice_fiscale_from_cn(cn).ok()))
}

/// A subject serialNumber as qualified certificates write it: `TINIT-<cf>` (ETSI EN 319 412-1),
/// `IT:<cf>` (older profiles) or the bare code.
pub(super) fn codice_fiscale_from_serial_number(value: &str) -> Option<CodiceFiscale> {
    let upper = value.trim().to_ascii_uppercase();
    let bare = ["TINIT-", "IT:"].iter().find_map(|prefix| upper.strip_prefix(prefix)).unwrap_or(&upper);
    CodiceFiscale::parse(bare).ok()
}

pub(super) fn issuer_name(cert: &X509Certificate<'_>) -> Option<String> {
    let issuer = cert.issuer();
    let first =
        |oid: &[u8]| issuer.iter_attributes().find(|a| a.attr_type().as_bytes() == oid).and_then(|a| a.as_str().ok());
    first(OID_COMMON_NAME).or_else(|| first(OID_ORGANIZATION)).map(|s| s.trim().to_owned())
}

impl Signer {
    /// A signature whose certificate is unknown.
    pub(super) fn unreadable(verification: Verification) -> Self {
        Self {
            name: None,
            codice_fiscale: None,
            issuer: None,
            signing_time_ms: None,
            certificate_valid_at_signing: None,
            covers_whole_document: true,
            verification,
            chain_checked: false,
        }
    }
}

//! The identity carried by a CNS / TS-CNS authentication certificate.
//!
//! The subject CN is `CODICEFISCALE/cardid.hash`, where the hash is base64 and may contain
//! `/`, `+` and `=`: the codice fiscale is what comes before the FIRST `/`. The CN is read from
//! the DER certificate, never from a string rendering of the DN (escaping breaks it).

use sha2::{Digest, Sha256};

use super::timestamp::Timestamp;
use x509_parser::prelude::*;

use super::codice_fiscale::{CodiceFiscale, CodiceFiscaleError};

/// What we know about one presented client certificate, parsed once per certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertIdentity {
    /// Hex SHA-256 of the DER certificate.
    pub sha256: String,
    pub subject_cn: String,
    /// `Err` when the CN does not start with a valid codice fiscale: such a certificate is
    /// refused, but still recorded (with its CN) in the denial's audit row.
    pub codice_fiscale: Result<CodiceFiscale, CnError>,
    pub surname: Option<String>,
    pub given_name: Option<String>,
    /// Issuer DN as text, for people; `issuer_der` for exact matching against CRLs.
    pub issuer: String,
    pub issuer_der: Vec<u8>,
    /// Serial number as big-endian bytes without sign padding, and as hex for people.
    pub serial: Vec<u8>,
    pub serial_hex: String,
    /// Validity, as UTC milliseconds.
    pub not_before: Timestamp,
    pub not_after: Timestamp,
    /// Certificate policy OIDs (dotted), from the certificatePolicies extension (RFC 5280
    /// 4.2.1.4): a CNS authentication certificate carries 1.3.76.16.2.1.
    pub policies: Vec<String>,
}

/// The CNS authentication certificate policy (AgID CNS profile).
pub const CNS_POLICY: &str = "1.3.76.16.2.1";

/// The policy OIDs of a parsed certificate, in their order; none without the extension.
fn policies_of(cert: &X509Certificate<'_>) -> Vec<String> {
    cert.extensions()
        .iter()
        .filter_map(|ext| match ext.parsed_extension() {
            ParsedExtension::CertificatePolicies(policies) => Some(policies),
            _ => None,
        })
        .flat_map(|policies| policies.iter().map(|p| p.policy_id.to_id_string()))
        .collect()
}

/// A dotted OID as configuration may carry it: two or more arcs of digits, the first 0-2.
pub fn is_dotted_oid(s: &str) -> bool {
    let arcs: Vec<&str> = s.split('.').collect();
    arcs.len() >= 2
        && arcs.iter().all(|a| !a.is_empty() && a.len() <= 20 && a.bytes().all(|b| b.is_ascii_digit()))
        && matches!(arcs.first(), Some(&"0" | &"1" | &"2"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CnError {
    #[error("il certificato non contiene un Common Name")]
    Missing,
    #[error("il Common Name del certificato non inizia con un codice fiscale valido: {0}")]
    CodiceFiscale(CodiceFiscaleError),
}

#[derive(Debug, thiserror::Error)]
#[error("certificato non leggibile: {0}")]
pub struct CertParseError(String);

/// The codice fiscale part of a CNS subject CN: everything before the first `/`
/// (the whole CN when there is none, as on some test and TS-CNS certificates).
pub fn codice_fiscale_from_cn(cn: &str) -> Result<CodiceFiscale, CnError> {
    let head = cn.split('/').next().unwrap_or_default();
    CodiceFiscale::parse(head).map_err(CnError::CodiceFiscale)
}

impl CertIdentity {
    pub fn from_der(der: &[u8]) -> Result<Self, CertParseError> {
        let (rest, cert) = X509Certificate::from_der(der).map_err(|e| CertParseError(e.to_string()))?;
        if !rest.is_empty() {
            return Err(CertParseError("dati in eccesso dopo il certificato".into()));
        }
        let subject = cert.subject();
        let first = |oid: &x509_parser::oid_registry::Oid<'static>| {
            subject.iter_by_oid(oid).next().and_then(|a| a.as_str().ok()).map(str::to_owned)
        };
        let subject_cn = first(&x509_parser::oid_registry::OID_X509_COMMON_NAME);
        let codice_fiscale = match &subject_cn {
            Some(cn) => codice_fiscale_from_cn(cn),
            None => Err(CnError::Missing),
        };
        let serial = cert.tbs_certificate.raw_serial();
        let serial = strip_sign_byte(serial).to_vec();
        Ok(Self {
            sha256: hex::encode(Sha256::digest(der)),
            subject_cn: subject_cn.unwrap_or_default(),
            codice_fiscale,
            surname: first(&x509_parser::oid_registry::OID_X509_SURNAME),
            given_name: first(&x509_parser::oid_registry::OID_X509_GIVEN_NAME),
            issuer: cert.issuer().to_string(),
            issuer_der: cert.issuer().as_raw().to_vec(),
            serial_hex: hex::encode_upper(&serial),
            serial,
            not_before: Timestamp::from_ms(cert.validity().not_before.timestamp().saturating_mul(1000)),
            not_after: Timestamp::from_ms(cert.validity().not_after.timestamp().saturating_mul(1000)),
            policies: policies_of(&cert),
        })
    }

    /// Carries one of `required` (an empty list asks for nothing)?
    pub fn has_one_of_policies(&self, required: &[String]) -> bool {
        required.is_empty() || self.policies.iter().any(|p| required.contains(p))
    }

    /// Inside its validity period at `now`?
    pub fn is_valid_at(&self, now: Timestamp) -> bool {
        self.not_before <= now && now <= self.not_after
    }
}

/// DER integers carry a leading zero when the top bit is set; CRLs may or may not. Compare
/// serials without it.
pub fn strip_sign_byte(serial: &[u8]) -> &[u8] {
    match serial {
        [0, rest @ ..] if !rest.is_empty() => rest,
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cf_from_real_cns_layouts() {
        // The hash contains '/', '+' and '='; only what precedes the first '/' counts.
        for cn in [
            "RSSMRA85T10A562S/6120016461039008.i1ZpZfaCX/eKyikBfnF8to+M2T8=",
            "RSSMRA85T10A562S/7420063010001234.+/+/abcdefghijABCDEFGHIJ0123=",
            "RSSMRA85T10A562S",
            "rssmra85t10a562s/1234",
        ] {
            assert_eq!(codice_fiscale_from_cn(cn).map(|c| c.to_string()), Ok("RSSMRA85T10A562S".into()), "{cn}");
        }
        // An omocode in the CN is a valid codice fiscale.
        assert!(codice_fiscale_from_cn("RSSMRA85T10A56NH/6120016461039008.x/y+z=").is_ok());
    }

    #[test]
    fn garbage_cns_are_refused() {
        for cn in [
            "",
            "/RSSMRA85T10A562S",
            "Mario Rossi",
            "RSSMRA85T10A562T/6120016461039008.i1ZpZfaCX/eKyikBfnF8to+M2T8=",
            "IT:RSSMRA85T10A562S",
            "RSSMRA85T10A562S.6120016461039008",
        ] {
            assert!(codice_fiscale_from_cn(cn).is_err(), "{cn}");
        }
    }

    #[test]
    fn dotted_oids() {
        for ok in ["1.3.76.16.2.1", "1.3.76.47.4", "2.5.29.32.0", "0.1"] {
            assert!(is_dotted_oid(ok), "{ok}");
        }
        for bad in ["", "1", "1..3", "3.1.2", "1.3.a", " 1.3", "1.3.76.16.2.1 "] {
            assert!(!is_dotted_oid(bad), "{bad}");
        }
    }

    #[test]
    fn strips_only_a_sign_byte() {
        assert_eq!(strip_sign_byte(&[0, 0x80, 1]), &[0x80, 1]);
        assert_eq!(strip_sign_byte(&[0]), &[0]);
        assert_eq!(strip_sign_byte(&[5, 0]), &[5, 0]);
    }
}

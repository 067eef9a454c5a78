//! Certificates for the demo instance and the tests: a throwaway CA, a server certificate,
//! CNS-shaped client certificates (CN `CF/cardid.hash`, surname, givenName, policy OID,
//! clientAuth) as PEM and PKCS#12, and CRLs. Never used by `serve`.

use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, CustomExtension, DnType,
    ExtendedKeyUsagePurpose, IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose, RevokedCertParams, SanType,
    SerialNumber,
};
use time::{Duration, OffsetDateTime};

/// rcgen and key-generation failures; only the demo and tests see them.
#[derive(Debug, thiserror::Error)]
pub enum PkiError {
    #[error("certificato: {0}")]
    Rcgen(#[from] rcgen::Error),
    #[error("chiave RSA: {0}")]
    Rsa(String),
    #[error("PKCS#12: {0}")]
    Pkcs12(String),
    #[error("OID non valido: {0}")]
    Oid(String),
}

/// Key algorithm of a generated certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// Fast; what tests use unless they test RSA behaviour.
    EcdsaP256,
    /// Like real CNS cards (and most office server certificates).
    Rsa2048,
}

pub fn generate_key(kind: KeyKind) -> Result<KeyPair, PkiError> {
    match kind {
        KeyKind::EcdsaP256 => Ok(KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)?),
        KeyKind::Rsa2048 => {
            use rsa::pkcs8::EncodePrivateKey;
            let mut rng = rsa::rand_core::OsRng;
            let key = rsa::RsaPrivateKey::new(&mut rng, 2048).map_err(|e| PkiError::Rsa(e.to_string()))?;
            let der = key.to_pkcs8_der().map_err(|e| PkiError::Rsa(e.to_string()))?;
            Ok(KeyPair::from_pkcs8_der_and_sign_algo(&der.as_bytes().into(), &rcgen::PKCS_RSA_SHA256)?)
        }
    }
}

/// A certificate with its key, in the forms people and programs need.
pub struct Issued {
    pub cert_pem: String,
    pub cert_der: Vec<u8>,
    pub key_pem: String,
    pub key_der: Vec<u8>,
    pub serial: Vec<u8>,
}

/// A certification authority that can sign certificates and CRLs.
pub struct Ca {
    params: CertificateParams,
    key: KeyPair,
    pub cert_pem: String,
    pub cert_der: Vec<u8>,
}

fn serial(n: u64) -> SerialNumber {
    // A leading 0x01 keeps the serial positive and non-zero whatever n is.
    let mut bytes = vec![0x01];
    bytes.extend_from_slice(&n.to_be_bytes());
    SerialNumber::from_slice(&bytes)
}

/// A random 64-bit number for serials; collisions across runs do not matter in a demo.
pub fn random_u64() -> u64 {
    let mut buf = [0u8; 8];
    // ring's SystemRandom only fails if the OS has no entropy source at all.
    let _ = ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut buf);
    u64::from_be_bytes(buf)
}

impl Ca {
    pub fn new(common_name: &str, kind: KeyKind, now: OffsetDateTime) -> Result<Self, PkiError> {
        let key = generate_key(kind)?;
        let mut params = CertificateParams::default();
        params.distinguished_name.push(DnType::CommonName, common_name);
        params.distinguished_name.push(DnType::OrganizationalUnitName, "Servizi di Certificazione");
        params.distinguished_name.push(DnType::OrganizationName, "Ricolloca Formazione (non valida)");
        params.distinguished_name.push(DnType::CountryName, "IT");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages =
            vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign, KeyUsagePurpose::DigitalSignature];
        params.not_before = now - Duration::days(1);
        params.not_after = now + Duration::days(3650);
        params.serial_number = Some(serial(random_u64()));
        params.key_identifier_method = KeyIdMethod::Sha256;
        let cert = params.self_signed(&key)?;
        Ok(Self { cert_pem: cert.pem(), cert_der: cert.der().to_vec(), params, key })
    }

    fn issue(&self, mut params: CertificateParams, kind: KeyKind) -> Result<Issued, PkiError> {
        let key = generate_key(kind)?;
        let serial_number = serial(random_u64());
        params.serial_number = Some(serial_number.clone());
        params.use_authority_key_identifier_extension = true;
        let issuer = Issuer::from_params(&self.params, &self.key);
        let cert = params.signed_by(&key, &issuer)?;
        Ok(Issued {
            cert_pem: cert.pem(),
            cert_der: cert.der().to_vec(),
            key_pem: key.serialize_pem(),
            key_der: key.serialize_der(),
            serial: serial_number.to_bytes(),
        })
    }

    /// A TLS server certificate for the given DNS names and IP addresses.
    pub fn server(&self, names: &[&str], kind: KeyKind, now: OffsetDateTime) -> Result<Issued, PkiError> {
        let mut params = CertificateParams::default();
        params.distinguished_name.push(DnType::CommonName, names.first().copied().unwrap_or("localhost"));
        params.subject_alt_names = names
            .iter()
            .map(|n| match n.parse::<std::net::IpAddr>() {
                Ok(ip) => Ok(SanType::IpAddress(ip)),
                Err(_) => Ok(SanType::DnsName((*n).try_into()?)),
            })
            .collect::<Result<_, rcgen::Error>>()?;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        params.not_before = now - Duration::days(1);
        params.not_after = now + Duration::days(825);
        self.issue(params, kind)
    }

    /// A client certificate shaped like a CNS authentication certificate.
    pub fn cns_client(&self, person: &CnsPerson<'_>, kind: KeyKind) -> Result<Issued, PkiError> {
        let mut params = CertificateParams::default();
        params.distinguished_name.push(DnType::CountryName, "IT");
        params.distinguished_name.push(DnType::OrganizationName, "Ricolloca Formazione (non valida)");
        params.distinguished_name.push(DnType::OrganizationalUnitName, "Carta di prova");
        if let Some(surname) = person.surname {
            params.distinguished_name.push(DnType::CustomDnType(vec![2, 5, 4, 4]), surname);
        }
        if let Some(given) = person.given_name {
            params.distinguished_name.push(DnType::CustomDnType(vec![2, 5, 4, 42]), given);
        }
        params.distinguished_name.push(DnType::CommonName, person.common_name.to_string());
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        params.not_before = person.not_before;
        params.not_after = person.not_after;
        if !person.policies.is_empty() {
            params.custom_extensions.push(certificate_policies(person.policies)?);
        }
        self.issue(params, kind)
    }

    /// A CRL signed by this CA listing the given serials.
    pub fn crl(&self, revoked: &[Vec<u8>], now: OffsetDateTime) -> Result<String, PkiError> {
        let params = CertificateRevocationListParams {
            this_update: now - Duration::hours(1),
            next_update: now + Duration::days(7),
            crl_number: serial(random_u64()),
            issuing_distribution_point: None,
            revoked_certs: revoked
                .iter()
                .map(|s| RevokedCertParams {
                    serial_number: SerialNumber::from_slice(s),
                    revocation_time: now - Duration::hours(1),
                    reason_code: None,
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: KeyIdMethod::Sha256,
        };
        let issuer = Issuer::from_params(&self.params, &self.key);
        Ok(params.signed_by(&issuer)?.pem()?)
    }
}

/// What goes into a CNS-shaped certificate.
pub struct CnsPerson<'a> {
    /// `CF/cardid.hash`, or anything else to test refusals.
    pub common_name: &'a str,
    pub surname: Option<&'a str>,
    pub given_name: Option<&'a str>,
    pub not_before: OffsetDateTime,
    pub not_after: OffsetDateTime,
    /// Certificate policy OIDs (dotted); a real CNS has the CNS policy, an empty list leaves
    /// the extension out.
    pub policies: &'a [&'a str],
}

impl<'a> CnsPerson<'a> {
    pub fn valid_now(common_name: &'a str, now: OffsetDateTime) -> Self {
        Self {
            common_name,
            surname: None,
            given_name: None,
            not_before: now - Duration::days(30),
            not_after: now + Duration::days(3 * 365),
            policies: &[crate::domain::cns::CNS_POLICY],
        }
    }
}

/// A realistic CNS common name: `CF/16-digit card id.28-char base64 hash` (the hash has `/`+`=`).
pub fn cns_common_name(codice_fiscale: &str, seed: u64) -> String {
    use base64::Engine;
    use sha2::Digest;
    let card = format!("{:016}", seed % 10_000_000_000_000_000);
    let digest = sha2::Sha256::digest(format!("{codice_fiscale}{seed}").as_bytes());
    // 20 bytes -> 28 base64 characters ending in '=' like the SHA-1 of a real card.
    let hash = base64::engine::general_purpose::STANDARD.encode(digest.get(..20).unwrap_or_default());
    format!("{codice_fiscale}/{card}.{hash}")
}

/// The certificatePolicies extension holding the CNS policy OID 1.3.76.16.2.1, no qualifiers:
/// SEQUENCE { SEQUENCE { OID } }, DER written out (a constant, not worth an ASN.1 writer).
/// The certificatePolicies extension (RFC 5280 4.2.1.4) with one PolicyInformation per OID,
/// without qualifiers: `SEQUENCE OF SEQUENCE { OBJECT IDENTIFIER }`.
fn certificate_policies(oids: &[&str]) -> Result<CustomExtension, PkiError> {
    let mut infos = Vec::new();
    for oid in oids {
        let encoded = der_oid(oid).ok_or_else(|| PkiError::Oid((*oid).to_owned()))?;
        infos.extend(der_tlv(0x30, &der_tlv(0x06, &encoded)));
    }
    Ok(CustomExtension::from_oid_content(&[2, 5, 29, 32], der_tlv(0x30, &infos)))
}

/// The content octets of a dotted OID (X.690 8.19).
fn der_oid(dotted: &str) -> Option<Vec<u8>> {
    let arcs: Vec<u64> = dotted.split('.').map(|a| a.parse().ok()).collect::<Option<_>>()?;
    let (first, second) = (*arcs.first()?, *arcs.get(1)?);
    let mut out = Vec::new();
    for arc in std::iter::once(first * 40 + second).chain(arcs.iter().skip(2).copied()) {
        let mut chunk = vec![(arc & 0x7f) as u8];
        let mut rest = arc >> 7;
        while rest > 0 {
            chunk.push((rest & 0x7f) as u8 | 0x80);
            rest >>= 7;
        }
        out.extend(chunk.iter().rev());
    }
    Some(out)
}

/// A DER tag-length-value (short or long form length).
fn der_tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len.to_be_bytes().into_iter().skip_while(|b| *b == 0).collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// A password-protected PKCS#12 file (PBES2/AES-256, what browsers import).
pub fn pkcs12(issued: &Issued, ca_der: &[u8], friendly_name: &str, password: &str) -> Result<Vec<u8>, PkiError> {
    use p12_keystore::{Certificate, KeyStore, KeyStoreEntry, PrivateKey, PrivateKeyChain};
    let err = |e: p12_keystore::error::Error| PkiError::Pkcs12(e.to_string());
    let chain =
        vec![Certificate::from_der(&issued.cert_der).map_err(err)?, Certificate::from_der(ca_der).map_err(err)?];
    let key = PrivateKey::from_der(&issued.key_der).map_err(err)?;
    let local_id = issued.serial.clone();
    let mut store = KeyStore::new();
    store.add_entry(friendly_name, KeyStoreEntry::PrivateKeyChain(PrivateKeyChain::new(local_id, key, chain)));
    store.writer(password).write().map_err(err)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::cns::CertIdentity;

    #[test]
    fn the_policies_extension_is_real_der() {
        // The CNS policy as AgID's certificates carry it: 06 05 2B 4C 10 02 01.
        assert_eq!(der_oid("1.3.76.16.2.1").unwrap(), [0x2B, 0x4C, 0x10, 0x02, 0x01]);
        assert_eq!(der_oid("1.3.159.6.1.3.2.10").unwrap(), [0x2B, 0x81, 0x1F, 0x06, 0x01, 0x03, 0x02, 0x0A]);
        let now = crate::infra::clock::system_now();
        let ca = Ca::new("CA", KeyKind::EcdsaP256, now).unwrap();
        let cn = cns_common_name("RSSMRA85T10A562S", 7);
        let policies_of = |policies: &[&str]| {
            let person = CnsPerson { policies, ..CnsPerson::valid_now(&cn, now) };
            CertIdentity::from_der(&ca.cns_client(&person, KeyKind::EcdsaP256).unwrap().cert_der).unwrap().policies
        };
        assert_eq!(policies_of(&[crate::domain::cns::CNS_POLICY]), ["1.3.76.16.2.1"]);
        assert_eq!(policies_of(&["1.3.76.47.4", "1.3.76.16.2.1"]), ["1.3.76.47.4", "1.3.76.16.2.1"]);
        assert!(policies_of(&[]).is_empty());
    }

    #[test]
    fn a_ts_cns_certificate_yields_cf_surname_and_given_name() {
        let now = crate::infra::clock::system_now();
        let ca = Ca::new("CA di prova", KeyKind::EcdsaP256, now).unwrap();
        let cn = "RSSMRA85T10A562S/6120016461039008.i1ZpZfaCX/eKyikBfnF8to+M2T8=";
        let mut person = CnsPerson::valid_now(cn, now);
        person.surname = Some("ROSSI");
        person.given_name = Some("MARIO");
        let issued = ca.cns_client(&person, KeyKind::EcdsaP256).unwrap();
        let id = CertIdentity::from_der(&issued.cert_der).unwrap();
        assert_eq!(id.subject_cn, cn);
        assert_eq!(id.codice_fiscale.as_ref().map(|c| c.as_str()), Ok("RSSMRA85T10A562S"));
        assert_eq!(id.surname.as_deref(), Some("ROSSI"));
        assert_eq!(id.given_name.as_deref(), Some("MARIO"));
        assert!(id.issuer.contains("CA di prova"));
        assert_eq!(id.serial, crate::domain::cns::strip_sign_byte(&issued.serial));
        assert_eq!(id.sha256.len(), 64);
        assert!(id.is_valid_at(crate::domain::timestamp::Timestamp::from_ms(now.unix_timestamp() * 1000)));
    }

    #[test]
    fn a_certificate_without_a_codice_fiscale_is_parsed_but_flagged() {
        let now = crate::infra::clock::system_now();
        let ca = Ca::new("CA di prova", KeyKind::EcdsaP256, now).unwrap();
        let issued = ca.cns_client(&CnsPerson::valid_now("Mario Rossi", now), KeyKind::EcdsaP256).unwrap();
        let id = CertIdentity::from_der(&issued.cert_der).unwrap();
        assert!(id.codice_fiscale.is_err());
        assert!(CertIdentity::from_der(b"not a certificate").is_err());
    }

    #[test]
    fn generated_cns_names_have_the_real_layout() {
        let cn = cns_common_name("RSSMRA85T10A562S", 42);
        let (cf, rest) = cn.split_once('/').unwrap();
        assert_eq!(cf, "RSSMRA85T10A562S");
        let (card, hash) = rest.split_once('.').unwrap();
        assert_eq!(card.len(), 16);
        assert_eq!(hash.len(), 28);
        assert!(hash.ends_with('='));
    }

    #[test]
    fn pkcs12_round_trips() {
        let now = crate::infra::clock::system_now();
        let ca = Ca::new("CA di prova", KeyKind::EcdsaP256, now).unwrap();
        let issued = ca.cns_client(&CnsPerson::valid_now("RSSMRA85T10A562S", now), KeyKind::EcdsaP256).unwrap();
        let p12 = pkcs12(&issued, &ca.cert_der, "Mario Rossi", "segreta").unwrap();
        let store =
            p12_keystore::KeyStore::from_pkcs12(&p12, "segreta", p12_keystore::Pkcs12ImportPolicy::Relaxed).unwrap();
        let (_, chain) = store.private_key_chain().unwrap();
        assert_eq!(chain.certs()[0].as_der(), issued.cert_der.as_slice());
    }
}

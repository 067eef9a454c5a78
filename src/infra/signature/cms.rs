//! CMS SignedData and CAdES `.p7m` envelopes: the signed attributes, the signature over them,
//! the signer certificate it names.

use std::borrow::Cow;

use ring::{digest, signature};
use x509_parser::asn1_rs::oid;
use x509_parser::prelude::*;

use super::ber::*;
use super::signer::{Signer, Verification, holder_codice_fiscale, holder_name, issuer_name};
use crate::domain::cns::strip_sign_byte;

/// An opened `.p7m`: the innermost signed content and every signer met on the way in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The document inside all the envelopes (normally the PDF).
    pub content: Vec<u8>,
    /// Outermost envelope first; parallel signatures of one envelope in their stored order.
    pub signers: Vec<Signer>,
}

/// At most this many envelopes inside one another ("firma multipla" by nesting).
pub const MAX_NESTING: usize = 5;
/// At most this many signatures in one `.p7m` (all envelopes together) or one PDF: every
/// signature may hash the whole document once, so this bounds the work on hostile input.
pub const MAX_SIGNERS: usize = 16;
/// Certificates beyond this count in one envelope are ignored.
pub(super) const MAX_CERTIFICATES: usize = 64;

pub(super) const MSG_NOT_P7M: &str = "il file non è una busta firmata .p7m (CAdES) riconoscibile";
pub(super) const MSG_DAMAGED: &str = "la busta firmata .p7m è danneggiata o incompleta";
pub(super) const MSG_DETACHED: &str =
    "la busta .p7m non contiene il documento firmato (firma separata): caricare il file .p7m completo";
pub(super) const MSG_NO_SIGNERS: &str = "la busta .p7m non contiene alcuna firma";
pub(super) const MSG_TOO_MANY_SIGNERS: &str = "la busta .p7m contiene troppe firme";
pub(super) const MSG_TOO_DEEP: &str = "la busta .p7m contiene troppe buste annidate una dentro l'altra";

/// Opens a CAdES envelope, DER or base64 (with or without PEM armour): returns the signed
/// document and its signers, unwrapping envelopes nested inside the content (up to
/// [`MAX_NESTING`]). An `Err` is an Italian message for the person who uploaded the file; a
/// readable envelope whose signatures do not verify is `Ok`, with the reasons in the signers.
pub fn open_p7m(bytes: &[u8]) -> Result<Envelope, String> {
    let mut der = decode_p7m(bytes).ok_or(MSG_NOT_P7M)?;
    let mut signers = Vec::new();
    for _ in 0..MAX_NESTING {
        let sd = SignedData::parse(&der)?;
        let content = sd.content.as_deref().ok_or(MSG_DETACHED)?;
        if signers.len() + sd.signer_infos.len() > MAX_SIGNERS {
            return Err(MSG_TOO_MANY_SIGNERS.into());
        }
        signers.extend(sd.signers(Check::Content(&[content]), true));
        let inner = match decode_p7m(content) {
            Some(inner) => inner.into_owned(),
            None => return Ok(Envelope { content: content.to_vec(), signers }),
        };
        drop(sd);
        der = Cow::Owned(inner);
    }
    Err(MSG_TOO_DEEP.into())
}

/// The DER (or BER) of a SignedData ContentInfo: the bytes themselves, or their base64 decoding
/// (PEM armour and white space ignored).
pub(super) fn decode_p7m(bytes: &[u8]) -> Option<Cow<'_, [u8]>> {
    if looks_like_signed_data(bytes) {
        return Some(Cow::Borrowed(bytes));
    }
    use base64::Engine;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    pub(super) const LENIENT: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new()
            .with_decode_padding_mode(DecodePaddingMode::Indifferent)
            .with_decode_allow_trailing_bits(true),
    );
    let text = std::str::from_utf8(bytes).ok()?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let body: Vec<u8> = text
        .lines()
        .filter(|line| !line.trim_start().starts_with("-----"))
        .flat_map(str::bytes)
        .filter(|b| !b.is_ascii_whitespace())
        .collect();
    let der = LENIENT.decode(body).ok()?;
    looks_like_signed_data(&der).then_some(Cow::Owned(der))
}

/// A SEQUENCE whose first element is the signedData OID (the rest may still be damaged).
pub(super) fn looks_like_signed_data(bytes: &[u8]) -> bool {
    let Ok((SEQUENCE, _length, header)) = read_header(bytes) else {
        return false;
    };
    let oid_tlv = [&[OID, 9u8][..], OID_SIGNED_DATA].concat();
    bytes.get(header..).is_some_and(|rest| rest.starts_with(&oid_tlv))
}

pub(super) const OID_SIGNED_DATA: &[u8] = &oid!(raw 1.2.840.113549.1.7.2);
pub(super) const OID_TST_INFO: &[u8] = &oid!(raw 1.2.840.113549.1.9.16.1.4);
pub(super) const OID_CONTENT_TYPE: &[u8] = &oid!(raw 1.2.840.113549.1.9.3);
pub(super) const OID_MESSAGE_DIGEST: &[u8] = &oid!(raw 1.2.840.113549.1.9.4);
pub(super) const OID_SIGNING_TIME: &[u8] = &oid!(raw 1.2.840.113549.1.9.5);
pub(super) const OID_SIGNING_CERTIFICATE: &[u8] = &oid!(raw 1.2.840.113549.1.9.16.2.12);
pub(super) const OID_SIGNING_CERTIFICATE_V2: &[u8] = &oid!(raw 1.2.840.113549.1.9.16.2.47);
pub(super) const OID_SHA1: &[u8] = &oid!(raw 1.3.14.3.2.26);
pub(super) const OID_SHA256: &[u8] = &oid!(raw 2.16.840.1.101.3.4.2.1);
pub(super) const OID_SHA384: &[u8] = &oid!(raw 2.16.840.1.101.3.4.2.2);
pub(super) const OID_SHA512: &[u8] = &oid!(raw 2.16.840.1.101.3.4.2.3);
pub(super) const OID_RSA: &[u8] = &oid!(raw 1.2.840.113549.1.1.1);
pub(super) const OID_RSA_SHA1: &[u8] = &oid!(raw 1.2.840.113549.1.1.5);
pub(super) const OID_RSA_PSS: &[u8] = &oid!(raw 1.2.840.113549.1.1.10);
pub(super) const OID_RSA_SHA256: &[u8] = &oid!(raw 1.2.840.113549.1.1.11);
pub(super) const OID_RSA_SHA384: &[u8] = &oid!(raw 1.2.840.113549.1.1.12);
pub(super) const OID_RSA_SHA512: &[u8] = &oid!(raw 1.2.840.113549.1.1.13);
pub(super) const OID_MGF1: &[u8] = &oid!(raw 1.2.840.113549.1.1.8);
pub(super) const OID_EC_PUBLIC_KEY: &[u8] = &oid!(raw 1.2.840.10045.2.1);
pub(super) const OID_ECDSA_SHA1: &[u8] = &oid!(raw 1.2.840.10045.4.1);
pub(super) const OID_ECDSA_SHA256: &[u8] = &oid!(raw 1.2.840.10045.4.3.2);
pub(super) const OID_ECDSA_SHA384: &[u8] = &oid!(raw 1.2.840.10045.4.3.3);
pub(super) const OID_ECDSA_SHA512: &[u8] = &oid!(raw 1.2.840.10045.4.3.4);
pub(super) const OID_P256: &[u8] = &oid!(raw 1.2.840.10045.3.1.7);
pub(super) const OID_P384: &[u8] = &oid!(raw 1.3.132.0.34);

/// The parts of a SignedData this module uses.
pub(super) struct SignedData<'a> {
    /// eContentType (OID contents).
    pub(super) content_type: &'a [u8],
    /// eContent, when attached.
    pub(super) content: Option<Cow<'a, [u8]>>,
    pub(super) certificates: Vec<X509Certificate<'a>>,
    /// Each SignerInfo, or `Malformed` when that one cannot be read.
    pub(super) signer_infos: Vec<Result<SignerInfo<'a>, Malformed>>,
}

pub(super) enum SignerId<'a> {
    /// The DER of the issuer Name and the contents of the serial INTEGER.
    IssuerSerial {
        issuer: &'a [u8],
        serial: &'a [u8],
    },
    SubjectKeyId(&'a [u8]),
}

pub(super) struct AlgorithmId<'a> {
    pub(super) oid: &'a [u8],
    pub(super) params: Option<Tlv<'a>>,
}

pub(super) struct SignerInfo<'a> {
    pub(super) sid: SignerId<'a>,
    pub(super) digest_algorithm: AlgorithmId<'a>,
    pub(super) signed_attrs: Option<Tlv<'a>>,
    pub(super) signature_algorithm: AlgorithmId<'a>,
    pub(super) signature: Cow<'a, [u8]>,
}

/// What the signatures of one SignedData are checked against.
pub(super) enum Check<'c> {
    /// The signed content, in pieces (the two ranges of a PDF) read as one.
    Content(&'c [&'c [u8]]),
    /// Not checked, for this reason.
    Not(&'static str),
}

impl<'a> SignedData<'a> {
    /// Reads a ContentInfo holding a SignedData. Trailing bytes (PDF padding) are ignored.
    pub(super) fn parse(der: &'a [u8]) -> Result<Self, &'static str> {
        let damaged = |_: Malformed| MSG_DAMAGED;
        let (info, _) = read_tlv(der, 0).map_err(damaged)?;
        if info.id != SEQUENCE {
            return Err(MSG_NOT_P7M);
        }
        let mut items = info.items();
        if items.expect(OID).map_err(damaged)?.content != OID_SIGNED_DATA {
            return Err(MSG_NOT_P7M);
        }
        let explicit = items.expect(CONTEXT_0).map_err(damaged)?;
        let signed_data = explicit.items().expect(SEQUENCE).map_err(damaged)?;
        let parsed = Self::parse_signed_data(&signed_data).map_err(damaged)?.ok_or(MSG_TOO_MANY_SIGNERS)?;
        if parsed.signer_infos.is_empty() {
            return Err(MSG_NO_SIGNERS);
        }
        Ok(parsed)
    }

    /// `None` when there are more than [`MAX_SIGNERS`] signer infos.
    pub(super) fn parse_signed_data(signed_data: &Tlv<'a>) -> Result<Option<Self>, Malformed> {
        let mut items = signed_data.items();
        items.expect(INTEGER)?;
        items.expect(SET)?;
        let encapsulated = items.expect(SEQUENCE)?;
        let mut encap = encapsulated.items();
        let content_type = encap.expect(OID)?.content;
        let content = match encap.optional(CONTEXT_0)? {
            Some(explicit) => Some(explicit.items().next()?.ok_or(Malformed)?.octets()?),
            None => None,
        };
        let mut certificates = Vec::new();
        if let Some(set) = items.optional(CONTEXT_0)? {
            let mut certs = set.items();
            while let Some(cert) = certs.next()? {
                if certificates.len() >= MAX_CERTIFICATES {
                    break;
                }
                if cert.id == SEQUENCE
                    && let Ok((_, parsed)) = X509Certificate::from_der(cert.raw)
                {
                    certificates.push(parsed);
                }
            }
        }
        items.optional(CONTEXT_1)?;
        let set = items.expect(SET)?;
        let mut infos = set.items();
        let mut signer_infos = Vec::new();
        while let Some(info) = infos.next()? {
            if signer_infos.len() >= MAX_SIGNERS {
                return Ok(None);
            }
            signer_infos.push(SignerInfo::parse(&info));
        }
        Ok(Some(Self { content_type, content, certificates, signer_infos }))
    }

    pub(super) fn signers(&self, check: Check<'_>, whole: bool) -> Vec<Signer> {
        let mut digests = DigestCache::default();
        self.signer_infos
            .iter()
            .map(|info| {
                let mut signer = match info {
                    Ok(info) => self.signer(info, &check, &mut digests),
                    Err(Malformed) => {
                        Signer::unreadable(Verification::Invalid("i dati della firma sono illeggibili".into()))
                    }
                };
                signer.covers_whole_document = whole;
                signer
            })
            .collect()
    }

    pub(super) fn signer(&self, info: &SignerInfo<'a>, check: &Check<'_>, digests: &mut DigestCache) -> Signer {
        let signing_time_ms = info.signed_attrs.as_ref().and_then(signing_time_ms);
        let Some(cert) = self.certificates.iter().find(|cert| info.sid.matches(cert)) else {
            let mut signer = Signer::unreadable(Verification::Unsupported(
                "il certificato del firmatario non è incluso nella firma: firma non verificabile".into(),
            ));
            signer.signing_time_ms = signing_time_ms;
            return signer;
        };
        let validity = cert.validity();
        let certificate_valid_at_signing = signing_time_ms.map(|t| {
            validity.not_before.timestamp().saturating_mul(1000) <= t
                && t <= validity.not_after.timestamp().saturating_mul(1000)
        });
        let verification = match check {
            Check::Content(parts) => self.verify(info, cert, parts, digests),
            Check::Not(reason) => Verification::Unsupported((*reason).into()),
        };
        Signer {
            name: holder_name(cert),
            codice_fiscale: holder_codice_fiscale(cert),
            issuer: issuer_name(cert),
            signing_time_ms,
            certificate_valid_at_signing,
            covers_whole_document: true,
            verification,
            chain_checked: false,
        }
    }

    pub(super) fn verify(
        &self,
        info: &SignerInfo<'a>,
        cert: &X509Certificate<'_>,
        parts: &[&[u8]],
        digests: &mut DigestCache,
    ) -> Verification {
        let Some(hash) = Hash::from_oid(info.digest_algorithm.oid) else {
            return unsupported("algoritmo di impronta non supportato");
        };
        if hash == Hash::Sha1 {
            return unsupported("firma con impronta SHA-1, non più considerata sicura: non verificata");
        }
        let joined: Cow<'_, [u8]>;
        let message: &[u8] = match &info.signed_attrs {
            Some(attrs) => {
                let digest = digests.get(hash, parts);
                match check_signed_attributes(attrs, self.content_type, digest.as_ref(), cert.as_raw()) {
                    Ok(()) => {}
                    Err(v) => return v,
                }
                // The signature covers the attributes encoded as a SET OF (tag 0x31), not as
                // the [0] IMPLICIT field they are stored in.
                let Some(tail) = attrs.raw.get(1..) else {
                    return invalid("attributi firmati illeggibili");
                };
                joined = Cow::Owned([&[SET][..], tail].concat());
                &joined
            }
            None => {
                joined = match parts {
                    [one] => Cow::Borrowed(*one),
                    many => Cow::Owned(many.concat()),
                };
                &joined
            }
        };
        let algorithm = match verification_algorithm(hash, &info.signature_algorithm, cert) {
            Ok(algorithm) => algorithm,
            Err(v) => return v,
        };
        let key = &cert.public_key().subject_public_key.data;
        match signature::UnparsedPublicKey::new(algorithm, key).verify(message, &info.signature) {
            Ok(()) => Verification::Valid,
            Err(_) => invalid(if info.signed_attrs.is_some() {
                "la firma non corrisponde agli attributi firmati: alterati, o firma non del titolare del certificato"
            } else {
                "il documento è stato modificato dopo la firma, o la firma non è del titolare del certificato"
            }),
        }
    }
}

pub(super) fn invalid(reason: &str) -> Verification {
    Verification::Invalid(reason.into())
}

pub(super) fn unsupported(reason: &str) -> Verification {
    Verification::Unsupported(reason.into())
}

impl<'a> SignerInfo<'a> {
    pub(super) fn parse(info: &Tlv<'a>) -> Result<Self, Malformed> {
        if info.id != SEQUENCE {
            return Err(Malformed);
        }
        let mut items = info.items();
        items.expect(INTEGER)?;
        let sid = match items.next()? {
            Some(tlv) if tlv.id == SEQUENCE => {
                let mut parts = tlv.items();
                let issuer = parts.expect(SEQUENCE)?.raw;
                let serial = parts.expect(INTEGER)?.content;
                SignerId::IssuerSerial { issuer, serial }
            }
            Some(tlv) if tlv.id == CONTEXT_0_PRIMITIVE => SignerId::SubjectKeyId(tlv.content),
            _ => return Err(Malformed),
        };
        let digest_algorithm = AlgorithmId::parse(&items.expect(SEQUENCE)?)?;
        let signed_attrs = items.optional(CONTEXT_0)?;
        let signature_algorithm = AlgorithmId::parse(&items.expect(SEQUENCE)?)?;
        let signature = items.next()?.ok_or(Malformed)?.octets()?;
        Ok(Self { sid, digest_algorithm, signed_attrs, signature_algorithm, signature })
    }
}

impl<'a> AlgorithmId<'a> {
    pub(super) fn parse(tlv: &Tlv<'a>) -> Result<Self, Malformed> {
        let mut items = tlv.items();
        let oid = items.expect(OID)?.content;
        let params = items.next()?;
        Ok(Self { oid, params })
    }
}

impl SignerId<'_> {
    pub(super) fn matches(&self, cert: &X509Certificate<'_>) -> bool {
        match self {
            SignerId::IssuerSerial { issuer, serial } => {
                cert.issuer().as_raw() == *issuer
                    && strip_sign_byte(cert.tbs_certificate.raw_serial()) == strip_sign_byte(serial)
            }
            SignerId::SubjectKeyId(id) => cert.extensions().iter().any(
                |ext| matches!(ext.parsed_extension(), ParsedExtension::SubjectKeyIdentifier(ski) if ski.0 == *id),
            ),
        }
    }
}

/// Checks the signed attributes against the content and the certificate: contentType,
/// messageDigest (required) and, when present, the certificate hash of signingCertificateV2 or
/// signingCertificate (which stop a signer certificate from being swapped for another with the
/// same key).
pub(super) fn check_signed_attributes(
    attrs: &Tlv<'_>,
    content_type: &[u8],
    content_digest: &[u8],
    cert_der: &[u8],
) -> Result<(), Verification> {
    let unreadable = || invalid("attributi firmati illeggibili");
    if attrs.indefinite {
        return Err(unreadable());
    }
    let mut digest: Option<Cow<'_, [u8]>> = None;
    let mut cert_bound = true;
    let mut items = attrs.items();
    while let Some(attr) = items.next().map_err(|_| unreadable())? {
        let (oid, values) = attribute(&attr).ok_or_else(unreadable)?;
        if oid == OID_MESSAGE_DIGEST {
            let value = values.first().ok_or_else(unreadable)?.octets().map_err(|_| unreadable())?;
            if digest.is_some() || values.len() != 1 {
                return Err(invalid("attributo messageDigest ripetuto"));
            }
            digest = Some(value);
        } else if oid == OID_CONTENT_TYPE && values.first().is_none_or(|v| v.id != OID || v.content != content_type) {
            return Err(invalid("il tipo di contenuto firmato non corrisponde a quello della busta"));
        } else if oid == OID_SIGNING_CERTIFICATE_V2 || oid == OID_SIGNING_CERTIFICATE {
            let v2 = oid == OID_SIGNING_CERTIFICATE_V2;
            let named = values.first().and_then(|v| first_cert_hash(v, v2)).ok_or_else(unreadable)?;
            let (hash, expected) = named;
            cert_bound &= *digest::digest(hash.algorithm(), cert_der).as_ref() == *expected;
        }
    }
    match digest {
        None => Err(invalid("manca l'impronta del documento (messageDigest) tra gli attributi firmati")),
        Some(d) if *d != *content_digest => Err(invalid("il documento è stato modificato dopo la firma")),
        Some(_) if !cert_bound => {
            Err(invalid("il certificato incluso nella firma non è quello indicato dal firmatario (signingCertificate)"))
        }
        Some(_) => Ok(()),
    }
}

/// The hash algorithm and certificate hash of the first ESSCertID(v2) of a
/// SigningCertificate(V2) value: the signer's own certificate (RFC 5035).
pub(super) fn first_cert_hash<'a>(value: &Tlv<'a>, v2: bool) -> Option<(Hash, Cow<'a, [u8]>)> {
    let certs = value.items().expect(SEQUENCE).ok()?;
    let id = certs.items().expect(SEQUENCE).ok()?;
    let mut fields = id.items();
    let mut hash = if v2 { Hash::Sha256 } else { Hash::Sha1 };
    let mut next = fields.next().ok()??;
    if v2 && next.id == SEQUENCE {
        hash = Hash::from_oid(AlgorithmId::parse(&next).ok()?.oid)?;
        next = fields.next().ok()??;
    }
    Some((hash, next.octets().ok()?))
}

/// An Attribute: its type and (at most 16 of) its values.
pub(super) fn attribute<'a>(attr: &Tlv<'a>) -> Option<(&'a [u8], Vec<Tlv<'a>>)> {
    if attr.id != SEQUENCE {
        return None;
    }
    let mut items = attr.items();
    let oid = items.expect(OID).ok()?.content;
    let set = items.expect(SET).ok()?;
    let mut values = Vec::new();
    let mut set_items = set.items();
    while let Some(value) = set_items.next().ok()? {
        if values.len() >= 16 {
            return None;
        }
        values.push(value);
    }
    Some((oid, values))
}

/// The signingTime signed attribute (UTCTime or GeneralizedTime), as UTC milliseconds.
pub(super) fn signing_time_ms(attrs: &Tlv<'_>) -> Option<i64> {
    let mut items = attrs.items();
    while let Ok(Some(attr)) = items.next() {
        if let Some((OID_SIGNING_TIME, values)) = attribute(&attr) {
            let (_, time) = ASN1Time::from_der(values.first()?.raw).ok()?;
            return Some(time.timestamp().saturating_mul(1000));
        }
    }
    None
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Hash {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    pub(super) fn from_oid(oid: &[u8]) -> Option<Self> {
        match oid {
            OID_SHA1 => Some(Self::Sha1),
            OID_SHA256 => Some(Self::Sha256),
            OID_SHA384 => Some(Self::Sha384),
            OID_SHA512 => Some(Self::Sha512),
            _ => None,
        }
    }

    pub(super) fn algorithm(self) -> &'static digest::Algorithm {
        match self {
            Self::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
            Self::Sha256 => &digest::SHA256,
            Self::Sha384 => &digest::SHA384,
            Self::Sha512 => &digest::SHA512,
        }
    }
}

/// Digests of the content, computed once per algorithm however many signers use it.
#[derive(Default)]
pub(super) struct DigestCache(Vec<(Hash, digest::Digest)>);

impl DigestCache {
    pub(super) fn get(&mut self, hash: Hash, parts: &[&[u8]]) -> digest::Digest {
        if let Some((_, d)) = self.0.iter().find(|(h, _)| *h == hash) {
            return *d;
        }
        let mut context = digest::Context::new(hash.algorithm());
        for part in parts {
            context.update(part);
        }
        let d = context.finish();
        self.0.push((hash, d));
        d
    }
}

/// The ring algorithm for this digest, signature algorithm and certificate key.
pub(super) fn verification_algorithm(
    digest: Hash,
    signature_algorithm: &AlgorithmId<'_>,
    cert: &X509Certificate<'_>,
) -> Result<&'static dyn signature::VerificationAlgorithm, Verification> {
    pub(super) enum Family {
        Pkcs1,
        Pss,
        Ecdsa,
    }
    let (family, hash) = match signature_algorithm.oid {
        OID_RSA => (Family::Pkcs1, digest),
        OID_RSA_SHA1 => (Family::Pkcs1, Hash::Sha1),
        OID_RSA_SHA256 => (Family::Pkcs1, Hash::Sha256),
        OID_RSA_SHA384 => (Family::Pkcs1, Hash::Sha384),
        OID_RSA_SHA512 => (Family::Pkcs1, Hash::Sha512),
        OID_RSA_PSS => (Family::Pss, pss_hash(signature_algorithm.params.as_ref())?),
        OID_EC_PUBLIC_KEY => (Family::Ecdsa, digest),
        OID_ECDSA_SHA1 => (Family::Ecdsa, Hash::Sha1),
        OID_ECDSA_SHA256 => (Family::Ecdsa, Hash::Sha256),
        OID_ECDSA_SHA384 => (Family::Ecdsa, Hash::Sha384),
        OID_ECDSA_SHA512 => (Family::Ecdsa, Hash::Sha512),
        _ => return Err(unsupported("algoritmo di firma non supportato")),
    };
    if hash == Hash::Sha1 {
        return Err(unsupported("firma con impronta SHA-1, non più considerata sicura: non verificata"));
    }
    let spki = cert.public_key();
    let key_oid = spki.algorithm.algorithm.as_bytes();
    let mismatch = || invalid("l'algoritmo della firma non corrisponde alla chiave del certificato del firmatario");
    match family {
        Family::Pkcs1 | Family::Pss => {
            if key_oid != OID_RSA {
                return Err(mismatch());
            }
            let bits = match spki.parsed() {
                Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => rsa.key_size(),
                _ => return Err(invalid("la chiave del certificato del firmatario è illeggibile")),
            };
            if bits < 2048 {
                return Err(Verification::Unsupported(format!(
                    "chiave RSA di {bits} bit, troppo corta per essere considerata sicura: non verificata"
                )));
            }
            Ok(match (family, hash) {
                (Family::Pss, Hash::Sha256) => &signature::RSA_PSS_2048_8192_SHA256,
                (Family::Pss, Hash::Sha384) => &signature::RSA_PSS_2048_8192_SHA384,
                (Family::Pss, _) => &signature::RSA_PSS_2048_8192_SHA512,
                (_, Hash::Sha256) => &signature::RSA_PKCS1_2048_8192_SHA256,
                (_, Hash::Sha384) => &signature::RSA_PKCS1_2048_8192_SHA384,
                _ => &signature::RSA_PKCS1_2048_8192_SHA512,
            })
        }
        Family::Ecdsa => {
            if key_oid != OID_EC_PUBLIC_KEY {
                return Err(mismatch());
            }
            let curve = spki.algorithm.parameters.as_ref().and_then(|p| p.as_oid().ok());
            let curve = curve.as_ref().map(|oid| oid.as_bytes());
            match (curve, hash) {
                (Some(OID_P256), Hash::Sha256) => Ok(&signature::ECDSA_P256_SHA256_ASN1),
                (Some(OID_P256), Hash::Sha384) => Ok(&signature::ECDSA_P256_SHA384_ASN1),
                (Some(OID_P384), Hash::Sha256) => Ok(&signature::ECDSA_P384_SHA256_ASN1),
                (Some(OID_P384), Hash::Sha384) => Ok(&signature::ECDSA_P384_SHA384_ASN1),
                _ => Err(unsupported("curva ellittica o impronta non supportata")),
            }
        }
    }
}

/// The hash of RSASSA-PSS parameters, when they are what ring verifies: MGF1 with the same
/// hash and a salt as long as the hash (SHA-256/384/512 only).
pub(super) fn pss_hash(params: Option<&Tlv<'_>>) -> Result<Hash, Verification> {
    let refuse = || unsupported("parametri RSA-PSS non supportati");
    let params = params.filter(|p| p.id == SEQUENCE).ok_or_else(refuse)?;
    let inner_algorithm = |tlv: &Tlv<'_>| -> Option<(Vec<u8>, Option<Vec<u8>>)> {
        let algorithm = tlv.items().expect(SEQUENCE).ok()?;
        let parsed = AlgorithmId::parse(&algorithm).ok()?;
        let inner = parsed.params.filter(|p| p.id == SEQUENCE).and_then(|p| AlgorithmId::parse(&p).ok());
        Some((parsed.oid.to_vec(), inner.map(|a| a.oid.to_vec())))
    };
    let (mut hash, mut mgf, mut mgf_hash, mut salt) = (OID_SHA1.to_vec(), OID_MGF1.to_vec(), OID_SHA1.to_vec(), 20);
    let mut items = params.items();
    while let Some(field) = items.next().map_err(|_| refuse())? {
        match field.id {
            CONTEXT_0 => hash = inner_algorithm(&field).ok_or_else(refuse)?.0,
            CONTEXT_1 => {
                let (oid, inner) = inner_algorithm(&field).ok_or_else(refuse)?;
                mgf = oid;
                mgf_hash = inner.ok_or_else(refuse)?;
            }
            CONTEXT_2 => salt = field.items().next().ok().flatten().as_ref().and_then(small_uint).ok_or_else(refuse)?,
            _ => {}
        }
    }
    let hash = Hash::from_oid(&hash).filter(|h| *h != Hash::Sha1).ok_or_else(refuse)?;
    let salt_ok = usize::try_from(salt).is_ok_and(|s| s == hash.algorithm().output_len());
    if mgf != OID_MGF1 || Hash::from_oid(&mgf_hash) != Some(hash) || !salt_ok {
        return Err(refuse());
    }
    Ok(hash)
}

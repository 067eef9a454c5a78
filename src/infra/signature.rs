//! Signed documents: CAdES envelopes (`.p7m`) and PAdES signatures inside PDFs.
//!
//! What is checked, for every signature: the digest of the signed content against the
//! `messageDigest` signed attribute, and the signature over the signed attributes (or over the
//! content, when there are none) against the public key of the signer certificate carried in
//! the signature. RSA PKCS#1 v1.5 and RSA-PSS (SHA-256/384/512, keys of at least 2048 bits) and
//! ECDSA P-256/P-384 (SHA-256/384) are verified; SHA-1 and anything else is reported as not
//! verifiable.
//!
//! What is NOT checked, and the UI must say so ([`CHAIN_NOT_CHECKED`]): that the signer
//! certificate chains to a qualified certifier of the EU/AgID trusted list (so nothing binds the
//! name and codice fiscale in the certificate to a real person), revocation (CRL, OCSP), and
//! timestamps. A [`Verification::Valid`] signature proves that the content is what the holder of
//! the key signed, not who that holder is. When the CAdES `signingCertificateV2` (or v1)
//! attribute is present, the certificate must be the one it names.
//!
//! The CMS structures are read with a small BER reader written for this module (definite and
//! indefinite lengths, chunked OCTET STRINGs: streaming signers produce BER); certificates are
//! read with `x509-parser`; signatures are checked with `ring`. All input is hostile: nothing
//! here indexes, unwraps or allocates more than the input's size, and nesting is bounded.

use std::borrow::Cow;

use ring::{digest, signature};
use x509_parser::asn1_rs::oid;
use x509_parser::prelude::*;

use crate::domain::cns::{codice_fiscale_from_cn, strip_sign_byte};
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
const MAX_CERTIFICATES: usize = 64;
/// Deepest BER nesting read; CMS needs about ten levels.
const MAX_BER_DEPTH: usize = 32;

const MSG_NOT_P7M: &str = "il file non è una busta firmata .p7m (CAdES) riconoscibile";
const MSG_DAMAGED: &str = "la busta firmata .p7m è danneggiata o incompleta";
const MSG_DETACHED: &str =
    "la busta .p7m non contiene il documento firmato (firma separata): caricare il file .p7m completo";
const MSG_NO_SIGNERS: &str = "la busta .p7m non contiene alcuna firma";
const MSG_TOO_MANY_SIGNERS: &str = "la busta .p7m contiene troppe firme";
const MSG_TOO_DEEP: &str = "la busta .p7m contiene troppe buste annidate una dentro l'altra";

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

/// The signatures of a PDF (PAdES `ETSI.CAdES.detached` and `adbe.pkcs7.detached`), in file
/// order; empty when it has none.
///
/// The PDF is not parsed: every `/ByteRange [0 b c d]` is taken as a signature, the signed bytes
/// are the two ranges and the gap between them must be exactly the `/Contents <hex>` string
/// holding the CMS. At most [`MAX_SIGNERS`] distinct ranges are looked at. Signature
/// dictionaries inside compressed object streams are not found (signing tools do not put them
/// there, as the offsets must be readable). Document timestamps (`ETSI.RFC3161`) are skipped.
pub fn pdf_signers(pdf: &[u8]) -> Vec<Signer> {
    const KEY: &[u8] = b"/ByteRange";
    let mut seen: Vec<[usize; 4]> = Vec::new();
    let mut out = Vec::new();
    for at in memchr::memmem::find_iter(pdf, KEY) {
        let Some(range) = pdf.get(at.saturating_add(KEY.len())..).and_then(parse_byte_range) else {
            continue;
        };
        if seen.contains(&range) {
            continue;
        }
        if out.len() >= MAX_SIGNERS || seen.len() >= MAX_SIGNERS {
            break;
        }
        seen.push(range);
        out.extend(pdf_signature(pdf, range));
    }
    out
}

// ---------------------------------------------------------------------------------------------
// PDF

const MSG_PDF_RANGE: &str = "l'intervallo firmato del PDF (ByteRange) non è valido";
const MSG_PDF_CONTENTS: &str = "la firma nel PDF (Contents) è danneggiata o illeggibile";
const MSG_PDF_SHA1: &str = "firma PDF con impronta incorporata (adbe.pkcs7.sha1, SHA-1): non verificata";

/// `[a b c d]` right after `/ByteRange`: four non-negative integers of at most 15 digits.
fn parse_byte_range(after: &[u8]) -> Option<[usize; 4]> {
    let mut rest = skip_pdf_space(after);
    rest = rest.strip_prefix(b"[")?;
    let mut numbers = [0usize; 4];
    for n in &mut numbers {
        rest = skip_pdf_space(rest);
        let digits = rest.iter().take(16).take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 || digits > 15 {
            return None;
        }
        let (text, tail) = rest.split_at_checked(digits)?;
        *n = std::str::from_utf8(text).ok()?.parse().ok()?;
        rest = tail;
    }
    skip_pdf_space(rest).starts_with(b"]").then_some(numbers)
}

/// Skips at most 64 bytes of PDF white space.
fn skip_pdf_space(bytes: &[u8]) -> &[u8] {
    let n = bytes.iter().take(64).take_while(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | 0)).count();
    bytes.get(n..).unwrap_or_default()
}

/// The signer(s) of one ByteRange; none for a document timestamp.
fn pdf_signature(pdf: &[u8], [a, b, c, d]: [usize; 4]) -> Vec<Signer> {
    let broken = |reason: &str| {
        let mut signer = Signer::unreadable(Verification::Invalid(reason.into()));
        signer.covers_whole_document = false;
        vec![signer]
    };
    let end = c.checked_add(d);
    let (Some(first), Some(gap), Some(second), Some(end)) =
        (pdf.get(..b), pdf.get(b..c), end.and_then(|end| pdf.get(c..end)), end)
    else {
        return broken(MSG_PDF_RANGE);
    };
    if a != 0 {
        return broken(MSG_PDF_RANGE);
    }
    let Some(cms) = decode_hex_string(gap) else {
        return broken(MSG_PDF_CONTENTS);
    };
    let Ok(sd) = SignedData::parse(&cms) else {
        return broken(MSG_PDF_CONTENTS);
    };
    if sd.content_type == OID_TST_INFO {
        return Vec::new();
    }
    // Bytes after the second range were added later; trailing white space does not count.
    let whole = pdf.get(end..).unwrap_or_default().iter().all(|b| b.is_ascii_whitespace() || *b == 0);
    let check = if sd.content.is_some() { Check::Not(MSG_PDF_SHA1) } else { Check::Content(&[first, second]) };
    sd.signers(check, whole)
}

/// Decodes `<hex>` (white space allowed, an odd last digit counts as followed by 0).
fn decode_hex_string(gap: &[u8]) -> Option<Vec<u8>> {
    let inner = gap.strip_prefix(b"<")?.strip_suffix(b">")?;
    let mut out = Vec::with_capacity(inner.len() / 2 + 1);
    let mut high: Option<u8> = None;
    for &ch in inner {
        let nibble = match ch {
            b'0'..=b'9' => ch - b'0',
            b'a'..=b'f' => ch - b'a' + 10,
            b'A'..=b'F' => ch - b'A' + 10,
            b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | 0 => continue,
            _ => return None,
        };
        match high.take() {
            Some(h) => out.push(h << 4 | nibble),
            None => high = Some(nibble),
        }
    }
    if let Some(h) = high {
        out.push(h << 4);
    }
    Some(out)
}

// ---------------------------------------------------------------------------------------------
// Input decoding

/// The DER (or BER) of a SignedData ContentInfo: the bytes themselves, or their base64 decoding
/// (PEM armour and white space ignored).
fn decode_p7m(bytes: &[u8]) -> Option<Cow<'_, [u8]>> {
    if looks_like_signed_data(bytes) {
        return Some(Cow::Borrowed(bytes));
    }
    use base64::Engine;
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const LENIENT: GeneralPurpose = GeneralPurpose::new(
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
fn looks_like_signed_data(bytes: &[u8]) -> bool {
    let Ok((SEQUENCE, _length, header)) = read_header(bytes) else {
        return false;
    };
    let oid_tlv = [&[OID, 9u8][..], OID_SIGNED_DATA].concat();
    bytes.get(header..).is_some_and(|rest| rest.starts_with(&oid_tlv))
}

// ---------------------------------------------------------------------------------------------
// BER reader

const INTEGER: u8 = 0x02;
const OCTET_STRING: u8 = 0x04;
const OCTET_STRING_CONSTRUCTED: u8 = 0x24;
const OID: u8 = 0x06;
const SEQUENCE: u8 = 0x30;
const SET: u8 = 0x31;
const CONTEXT_0: u8 = 0xA0;
const CONTEXT_1: u8 = 0xA1;
const CONTEXT_2: u8 = 0xA2;
const CONTEXT_0_PRIMITIVE: u8 = 0x80;

/// Structurally broken input (a message for people is chosen by the caller).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Malformed;

/// One BER element. `id` is the first identifier octet (high tag numbers keep 0x1F there and
/// never equal the tags this module asks for).
#[derive(Debug, Clone, Copy)]
struct Tlv<'a> {
    id: u8,
    /// The contents (for an indefinite length: up to, not including, the end-of-contents).
    content: &'a [u8],
    /// The whole encoding: identifier, length, contents (and end-of-contents).
    raw: &'a [u8],
    indefinite: bool,
    depth: usize,
}

enum Length {
    Definite(usize),
    Indefinite,
}

/// Identifier octet, length, header size.
fn read_header(input: &[u8]) -> Result<(u8, Length, usize), Malformed> {
    let (&id, mut rest) = input.split_first().ok_or(Malformed)?;
    let mut header = 1usize;
    if id & 0x1F == 0x1F {
        loop {
            let (&b, tail) = rest.split_first().ok_or(Malformed)?;
            rest = tail;
            header += 1;
            if b & 0x80 == 0 {
                break;
            }
            if header > 6 {
                return Err(Malformed);
            }
        }
    }
    let (&first, mut rest) = rest.split_first().ok_or(Malformed)?;
    header += 1;
    let length = match first {
        0..=0x7F => Length::Definite(usize::from(first)),
        0x80 => Length::Indefinite,
        0x81..=0x84 => {
            let mut n = 0usize;
            for _ in 0..(first & 0x7F) {
                let (&b, tail) = rest.split_first().ok_or(Malformed)?;
                rest = tail;
                header += 1;
                n = n.checked_mul(256).and_then(|n| n.checked_add(usize::from(b))).ok_or(Malformed)?;
            }
            Length::Definite(n)
        }
        _ => return Err(Malformed),
    };
    Ok((id, length, header))
}

/// Reads one element at `depth` and returns it with the bytes after it.
fn read_tlv(input: &[u8], depth: usize) -> Result<(Tlv<'_>, &[u8]), Malformed> {
    if depth > MAX_BER_DEPTH {
        return Err(Malformed);
    }
    let (id, length, header) = read_header(input)?;
    let body = input.get(header..).ok_or(Malformed)?;
    let (content, raw_len, indefinite) = match length {
        Length::Definite(n) => (body.get(..n).ok_or(Malformed)?, header.checked_add(n).ok_or(Malformed)?, false),
        Length::Indefinite => {
            if id & 0x20 == 0 {
                return Err(Malformed);
            }
            // Walk the children up to the end-of-contents octets.
            let mut rest = body;
            while !rest.starts_with(&[0, 0]) {
                rest = read_tlv(rest, depth + 1)?.1;
            }
            let n = body.len() - rest.len();
            (body.get(..n).ok_or(Malformed)?, header + n + 2, true)
        }
    };
    let raw = input.get(..raw_len).ok_or(Malformed)?;
    let after = input.get(raw_len..).ok_or(Malformed)?;
    Ok((Tlv { id, content, raw, indefinite, depth }, after))
}

impl<'a> Tlv<'a> {
    fn items(&self) -> Items<'a> {
        Items { rest: self.content, depth: self.depth + 1 }
    }

    /// The bytes of an OCTET STRING, primitive or constructed (BER chunks).
    fn octets(&self) -> Result<Cow<'a, [u8]>, Malformed> {
        match self.id {
            OCTET_STRING => Ok(Cow::Borrowed(self.content)),
            OCTET_STRING_CONSTRUCTED => {
                let mut out = Vec::new();
                let mut items = self.items();
                while let Some(chunk) = items.next()? {
                    out.extend_from_slice(&chunk.octets()?);
                }
                Ok(Cow::Owned(out))
            }
            _ => Err(Malformed),
        }
    }
}

/// The elements inside a constructed element, in order.
struct Items<'a> {
    rest: &'a [u8],
    depth: usize,
}

impl<'a> Items<'a> {
    fn next(&mut self) -> Result<Option<Tlv<'a>>, Malformed> {
        if self.rest.is_empty() {
            return Ok(None);
        }
        let (tlv, rest) = read_tlv(self.rest, self.depth)?;
        self.rest = rest;
        Ok(Some(tlv))
    }

    fn expect(&mut self, id: u8) -> Result<Tlv<'a>, Malformed> {
        match self.next()? {
            Some(tlv) if tlv.id == id => Ok(tlv),
            _ => Err(Malformed),
        }
    }

    fn optional(&mut self, id: u8) -> Result<Option<Tlv<'a>>, Malformed> {
        if self.rest.first() == Some(&id) { self.next() } else { Ok(None) }
    }
}

/// A non-negative INTEGER that fits in a u32.
fn small_uint(tlv: &Tlv<'_>) -> Option<u32> {
    if tlv.id != INTEGER || tlv.content.is_empty() || tlv.content.len() > 5 {
        return None;
    }
    if tlv.content.first().is_some_and(|b| b & 0x80 != 0) {
        return None;
    }
    tlv.content.iter().try_fold(0u32, |n, &b| n.checked_mul(256).map(|n| n | u32::from(b)))
}

// ---------------------------------------------------------------------------------------------
// CMS

const OID_SIGNED_DATA: &[u8] = &oid!(raw 1.2.840.113549.1.7.2);
const OID_TST_INFO: &[u8] = &oid!(raw 1.2.840.113549.1.9.16.1.4);
const OID_CONTENT_TYPE: &[u8] = &oid!(raw 1.2.840.113549.1.9.3);
const OID_MESSAGE_DIGEST: &[u8] = &oid!(raw 1.2.840.113549.1.9.4);
const OID_SIGNING_TIME: &[u8] = &oid!(raw 1.2.840.113549.1.9.5);
const OID_SIGNING_CERTIFICATE: &[u8] = &oid!(raw 1.2.840.113549.1.9.16.2.12);
const OID_SIGNING_CERTIFICATE_V2: &[u8] = &oid!(raw 1.2.840.113549.1.9.16.2.47);
const OID_SHA1: &[u8] = &oid!(raw 1.3.14.3.2.26);
const OID_SHA256: &[u8] = &oid!(raw 2.16.840.1.101.3.4.2.1);
const OID_SHA384: &[u8] = &oid!(raw 2.16.840.1.101.3.4.2.2);
const OID_SHA512: &[u8] = &oid!(raw 2.16.840.1.101.3.4.2.3);
const OID_RSA: &[u8] = &oid!(raw 1.2.840.113549.1.1.1);
const OID_RSA_SHA1: &[u8] = &oid!(raw 1.2.840.113549.1.1.5);
const OID_RSA_PSS: &[u8] = &oid!(raw 1.2.840.113549.1.1.10);
const OID_RSA_SHA256: &[u8] = &oid!(raw 1.2.840.113549.1.1.11);
const OID_RSA_SHA384: &[u8] = &oid!(raw 1.2.840.113549.1.1.12);
const OID_RSA_SHA512: &[u8] = &oid!(raw 1.2.840.113549.1.1.13);
const OID_MGF1: &[u8] = &oid!(raw 1.2.840.113549.1.1.8);
const OID_EC_PUBLIC_KEY: &[u8] = &oid!(raw 1.2.840.10045.2.1);
const OID_ECDSA_SHA1: &[u8] = &oid!(raw 1.2.840.10045.4.1);
const OID_ECDSA_SHA256: &[u8] = &oid!(raw 1.2.840.10045.4.3.2);
const OID_ECDSA_SHA384: &[u8] = &oid!(raw 1.2.840.10045.4.3.3);
const OID_ECDSA_SHA512: &[u8] = &oid!(raw 1.2.840.10045.4.3.4);
const OID_P256: &[u8] = &oid!(raw 1.2.840.10045.3.1.7);
const OID_P384: &[u8] = &oid!(raw 1.3.132.0.34);
const OID_SERIAL_NUMBER: &[u8] = &oid!(raw 2.5.4.5);
const OID_COMMON_NAME: &[u8] = &oid!(raw 2.5.4.3);
const OID_ORGANIZATION: &[u8] = &oid!(raw 2.5.4.10);
const OID_SURNAME: &[u8] = &oid!(raw 2.5.4.4);
const OID_GIVEN_NAME: &[u8] = &oid!(raw 2.5.4.42);

/// The parts of a SignedData this module uses.
struct SignedData<'a> {
    /// eContentType (OID contents).
    content_type: &'a [u8],
    /// eContent, when attached.
    content: Option<Cow<'a, [u8]>>,
    certificates: Vec<X509Certificate<'a>>,
    /// Each SignerInfo, or `Malformed` when that one cannot be read.
    signer_infos: Vec<Result<SignerInfo<'a>, Malformed>>,
}

enum SignerId<'a> {
    /// The DER of the issuer Name and the contents of the serial INTEGER.
    IssuerSerial {
        issuer: &'a [u8],
        serial: &'a [u8],
    },
    SubjectKeyId(&'a [u8]),
}

struct AlgorithmId<'a> {
    oid: &'a [u8],
    params: Option<Tlv<'a>>,
}

struct SignerInfo<'a> {
    sid: SignerId<'a>,
    digest_algorithm: AlgorithmId<'a>,
    signed_attrs: Option<Tlv<'a>>,
    signature_algorithm: AlgorithmId<'a>,
    signature: Cow<'a, [u8]>,
}

/// What the signatures of one SignedData are checked against.
enum Check<'c> {
    /// The signed content, in pieces (the two ranges of a PDF) read as one.
    Content(&'c [&'c [u8]]),
    /// Not checked, for this reason.
    Not(&'static str),
}

impl<'a> SignedData<'a> {
    /// Reads a ContentInfo holding a SignedData. Trailing bytes (PDF padding) are ignored.
    fn parse(der: &'a [u8]) -> Result<Self, &'static str> {
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
    fn parse_signed_data(signed_data: &Tlv<'a>) -> Result<Option<Self>, Malformed> {
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

    fn signers(&self, check: Check<'_>, whole: bool) -> Vec<Signer> {
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

    fn signer(&self, info: &SignerInfo<'a>, check: &Check<'_>, digests: &mut DigestCache) -> Signer {
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

    fn verify(
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

fn invalid(reason: &str) -> Verification {
    Verification::Invalid(reason.into())
}

fn unsupported(reason: &str) -> Verification {
    Verification::Unsupported(reason.into())
}

impl<'a> SignerInfo<'a> {
    fn parse(info: &Tlv<'a>) -> Result<Self, Malformed> {
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
    fn parse(tlv: &Tlv<'a>) -> Result<Self, Malformed> {
        let mut items = tlv.items();
        let oid = items.expect(OID)?.content;
        let params = items.next()?;
        Ok(Self { oid, params })
    }
}

impl SignerId<'_> {
    fn matches(&self, cert: &X509Certificate<'_>) -> bool {
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
fn check_signed_attributes(
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
fn first_cert_hash<'a>(value: &Tlv<'a>, v2: bool) -> Option<(Hash, Cow<'a, [u8]>)> {
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
fn attribute<'a>(attr: &Tlv<'a>) -> Option<(&'a [u8], Vec<Tlv<'a>>)> {
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
fn signing_time_ms(attrs: &Tlv<'_>) -> Option<i64> {
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
enum Hash {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    fn from_oid(oid: &[u8]) -> Option<Self> {
        match oid {
            OID_SHA1 => Some(Self::Sha1),
            OID_SHA256 => Some(Self::Sha256),
            OID_SHA384 => Some(Self::Sha384),
            OID_SHA512 => Some(Self::Sha512),
            _ => None,
        }
    }

    fn algorithm(self) -> &'static digest::Algorithm {
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
struct DigestCache(Vec<(Hash, digest::Digest)>);

impl DigestCache {
    fn get(&mut self, hash: Hash, parts: &[&[u8]]) -> digest::Digest {
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
fn verification_algorithm(
    digest: Hash,
    signature_algorithm: &AlgorithmId<'_>,
    cert: &X509Certificate<'_>,
) -> Result<&'static dyn signature::VerificationAlgorithm, Verification> {
    enum Family {
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
fn pss_hash(params: Option<&Tlv<'_>>) -> Result<Hash, Verification> {
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

// ---------------------------------------------------------------------------------------------
// The signer certificate

fn subject_values<'c>(cert: &'c X509Certificate<'_>, oid: &'static [u8]) -> impl Iterator<Item = &'c str> {
    cert.subject()
        .iter_attributes()
        .filter(move |attr| attr.attr_type().as_bytes() == oid)
        .filter_map(|attr| attr.as_str().ok())
}

fn holder_name(cert: &X509Certificate<'_>) -> Option<String> {
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

fn holder_codice_fiscale(cert: &X509Certificate<'_>) -> Option<CodiceFiscale> {
    let from_serial = subject_values(cert, OID_SERIAL_NUMBER).find_map(codice_fiscale_from_serial_number);
    from_serial.or_else(|| subject_values(cert, OID_COMMON_NAME).find_map(|cn| codice_fiscale_from_cn(cn).ok()))
}

/// A subject serialNumber as qualified certificates write it: `TINIT-<cf>` (ETSI EN 319 412-1),
/// `IT:<cf>` (older profiles) or the bare code.
fn codice_fiscale_from_serial_number(value: &str) -> Option<CodiceFiscale> {
    let upper = value.trim().to_ascii_uppercase();
    let bare = ["TINIT-", "IT:"].iter().find_map(|prefix| upper.strip_prefix(prefix)).unwrap_or(&upper);
    CodiceFiscale::parse(bare).ok()
}

fn issuer_name(cert: &X509Certificate<'_>) -> Option<String> {
    let issuer = cert.issuer();
    let first =
        |oid: &[u8]| issuer.iter_attributes().find(|a| a.attr_type().as_bytes() == oid).and_then(|a| a.as_str().ok());
    first(OID_COMMON_NAME).or_else(|| first(OID_ORGANIZATION)).map(|s| s.trim().to_owned())
}

impl Signer {
    /// A signature whose certificate is unknown.
    fn unreadable(verification: Verification) -> Self {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/tests/fixtures/signature/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn cf(s: &str) -> Option<CodiceFiscale> {
        Some(CodiceFiscale::parse(s).unwrap())
    }

    fn find(hay: &[u8], needle: &[u8]) -> usize {
        memchr::memmem::find(hay, needle).unwrap()
    }

    /// The one signer of a one-signature envelope.
    fn only_signer(envelope: &Envelope) -> &Signer {
        assert_eq!(envelope.signers.len(), 1, "{:?}", envelope.signers);
        &envelope.signers[0]
    }

    #[test]
    fn rsa_cades_envelope_verifies_and_names_the_signer() {
        let envelope = open_p7m(&fixture("rsa.p7m")).unwrap();
        assert_eq!(envelope.content, fixture("doc.pdf"));
        let signer = only_signer(&envelope);
        assert_eq!(signer.verification, Verification::Valid);
        assert_eq!(signer.name.as_deref(), Some("MARIO ROSSI"));
        assert_eq!(signer.codice_fiscale, cf("RSSMRA85T10A562S"));
        assert_eq!(signer.issuer.as_deref(), Some("CA Firma Qualificata di Prova"));
        assert!(signer.signing_time_ms.is_some_and(|t| t > 1_700_000_000_000));
        assert_eq!(signer.certificate_valid_at_signing, Some(true));
        assert!(signer.covers_whole_document);
        assert!(!signer.chain_checked);
    }

    #[test]
    fn ecdsa_signer_found_by_key_identifier() {
        let envelope = open_p7m(&fixture("ecdsa.p7m")).unwrap();
        let signer = only_signer(&envelope);
        assert_eq!(signer.verification, Verification::Valid);
        assert_eq!(signer.name.as_deref(), Some("EMANUELA RICCI"));
        // serialNumber in the older "IT:" form.
        assert_eq!(signer.codice_fiscale, cf("RCCMNL83S18D969H"));
    }

    #[test]
    fn cns_style_certificate_gives_the_codice_fiscale_from_the_cn() {
        let envelope = open_p7m(&fixture("cns.p7m")).unwrap();
        let signer = only_signer(&envelope);
        assert_eq!(signer.verification, Verification::Valid, "SHA-512");
        assert_eq!(signer.codice_fiscale, cf("RSSMRA85T10A562S"));
        // No givenName/surname, and a CNS CN names no one.
        assert_eq!(signer.name, None);
    }

    #[test]
    fn other_algorithms_and_encodings() {
        for name in ["pss.p7m", "noattr.p7m", "ber.p7m"] {
            let envelope = open_p7m(&fixture(name)).unwrap();
            assert_eq!(envelope.content, fixture("doc.pdf"), "{name}");
            assert_eq!(only_signer(&envelope).verification, Verification::Valid, "{name}");
        }
        let noattr = open_p7m(&fixture("noattr.p7m")).unwrap();
        assert_eq!(only_signer(&noattr).signing_time_ms, None);
        assert_eq!(only_signer(&noattr).certificate_valid_at_signing, None);
        let sha1 = open_p7m(&fixture("sha1.p7m")).unwrap();
        assert!(matches!(&only_signer(&sha1).verification, Verification::Unsupported(r) if r.contains("SHA-1")));
        assert_eq!(only_signer(&sha1).codice_fiscale, cf("RSSMRA85T10A562S"));
    }

    #[test]
    fn expired_certificate_at_signing_time_is_reported() {
        let envelope = open_p7m(&fixture("expired.p7m")).unwrap();
        let signer = only_signer(&envelope);
        // The signature itself matches; the certificate had expired in 2021.
        assert_eq!(signer.verification, Verification::Valid);
        assert_eq!(signer.certificate_valid_at_signing, Some(false));
    }

    #[test]
    fn base64_with_and_without_armour() {
        let pem = open_p7m(&fixture("rsa.p7m.pem")).unwrap();
        assert!(String::from_utf8_lossy(&fixture("rsa.p7m.pem")).starts_with("-----BEGIN"));
        assert_eq!(pem.content, fixture("doc.pdf"));
        assert_eq!(only_signer(&pem).verification, Verification::Valid);

        use base64::Engine;
        let der = fixture("rsa.p7m");
        let plain = base64::engine::general_purpose::STANDARD.encode(&der);
        let wrapped: String =
            plain.as_bytes().chunks(64).map(|l| format!("{}\r\n", String::from_utf8_lossy(l))).collect();
        for text in [plain.clone(), wrapped, plain.trim_end_matches('=').to_string()] {
            let envelope = open_p7m(text.as_bytes()).unwrap();
            assert_eq!(only_signer(&envelope).verification, Verification::Valid);
        }
    }

    #[test]
    fn parallel_signatures_in_one_envelope() {
        let envelope = open_p7m(&fixture("parallel.p7m")).unwrap();
        // A DER SET OF: stored in encoding order, not signing order.
        let mut cfs: Vec<_> = envelope.signers.iter().map(|s| s.codice_fiscale.clone()).collect();
        cfs.sort();
        assert_eq!(cfs, [cf("RCCMNL83S18D969H"), cf("RSSMRA85T10A562S")]);
        assert!(envelope.signers.iter().all(|s| s.verification == Verification::Valid));
    }

    #[test]
    fn nested_envelopes_collect_every_signer() {
        let envelope = open_p7m(&fixture("nested.p7m")).unwrap();
        assert_eq!(envelope.content, fixture("doc.pdf"));
        let names: Vec<_> = envelope.signers.iter().map(|s| s.name.as_deref()).collect();
        assert_eq!(names, [Some("EMANUELA RICCI"), Some("MARIO ROSSI")], "outermost first");
        assert!(envelope.signers.iter().all(|s| s.verification == Verification::Valid));
    }

    #[test]
    fn content_changed_after_signing_is_invalid() {
        for name in ["rsa.p7m", "ecdsa.p7m", "noattr.p7m", "ber.p7m"] {
            let mut der = fixture(name);
            let at = find(&der, b"Programma di ricerca") + 3;
            der[at] ^= 0x01;
            let envelope = open_p7m(&der).unwrap();
            assert!(matches!(only_signer(&envelope).verification, Verification::Invalid(_)), "{name}");
        }
        let mut der = fixture("rsa.p7m");
        let at = find(&der, b"Programma di ricerca") + 3;
        der[at] ^= 0x01;
        assert_eq!(
            only_signer(&open_p7m(&der).unwrap()).verification,
            Verification::Invalid("il documento è stato modificato dopo la firma".into())
        );
    }

    #[test]
    fn signed_attributes_changed_after_signing_are_invalid() {
        let mut der = fixture("rsa.p7m");
        // The last digit of the seconds of signingTime (UTCTime "YYMMDDHHMMSSZ").
        let oid = [&[OID, 9][..], OID_SIGNING_TIME].concat();
        let at = find(&der, &oid) + oid.len() + 2 + 2 + 11;
        assert!(der[at].is_ascii_digit() && der[at + 1] == b'Z');
        der[at] = if der[at] == b'0' { b'1' } else { b'0' };
        let envelope = open_p7m(&der).unwrap();
        let signer = only_signer(&envelope);
        assert!(matches!(&signer.verification, Verification::Invalid(r) if r.contains("attributi firmati")));
        // Still says who claims to have signed.
        assert_eq!(signer.codice_fiscale, cf("RSSMRA85T10A562S"));
    }

    #[test]
    fn swapped_signer_certificate_is_invalid_under_cades() {
        // Change the subject of the signer certificate (its CN), as someone claiming another
        // identity with the same key would: signingCertificateV2 no longer matches.
        let mut der = fixture("rsa.p7m");
        let at = find(&der, b"ROSSI MARIO");
        der[at] = b'B';
        let envelope = open_p7m(&der).unwrap();
        assert!(
            matches!(&only_signer(&envelope).verification, Verification::Invalid(r) if r.contains("signingCertificate")),
            "{:?}",
            envelope.signers
        );
    }

    #[test]
    fn unreadable_envelopes_are_refused_in_italian() {
        let der = fixture("rsa.p7m");
        let truncated = open_p7m(&der[..der.len() / 2]).unwrap_err();
        assert_eq!(truncated, "la busta firmata .p7m è danneggiata o incompleta");
        assert_eq!(open_p7m(b"").unwrap_err(), MSG_NOT_P7M);
        assert_eq!(open_p7m(b"%PDF-1.4 not an envelope").unwrap_err(), MSG_NOT_P7M);
        assert_eq!(open_p7m(&[0xFF; 100]).unwrap_err(), MSG_NOT_P7M);
        assert_eq!(open_p7m(b"-----BEGIN PKCS7-----\nQUJD\n-----END PKCS7-----\n").unwrap_err(), MSG_NOT_P7M);
        assert_eq!(open_p7m(&fixture("detached.p7m")).unwrap_err(), MSG_DETACHED);
        let pem = String::from_utf8(fixture("rsa.p7m.pem")).unwrap();
        assert!(open_p7m(&pem.as_bytes()[..pem.len() / 2]).is_err());
    }

    #[test]
    fn no_prefix_or_single_byte_change_panics() {
        for name in ["rsa.p7m", "ber.p7m", "nested.p7m"] {
            let der = fixture(name);
            for len in 0..der.len() {
                let _ = open_p7m(&der[..len]);
            }
            let original = open_p7m(&der).unwrap();
            for at in 0..der.len() {
                let mut changed = der.clone();
                changed[at] ^= 0x80;
                let Ok(envelope) = open_p7m(&changed) else { continue };
                // Unsigned parts (versions, the CA certificate...) may change; the content never
                // changes unnoticed, and with signingCertificateV2 (rsa.p7m) neither does the signer.
                for (signer, before) in envelope.signers.iter().zip(&original.signers) {
                    if signer.verification == Verification::Valid {
                        assert_eq!(envelope.content, original.content, "{name} byte {at}");
                        if name == "rsa.p7m" {
                            assert_eq!(signer, before, "{name} byte {at}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn too_deep_nesting_is_refused() {
        // Indefinite lengths nested past the limit.
        let mut deep = vec![0x30, 0x80];
        deep.extend_from_slice(&[0x06, 0x09]);
        deep.extend_from_slice(OID_SIGNED_DATA);
        for _ in 0..10_000 {
            deep.extend_from_slice(&[0xA0, 0x80]);
        }
        assert_eq!(open_p7m(&deep).unwrap_err(), MSG_DAMAGED);
        // Length fields larger than the input.
        let mut long = vec![0x30, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x06, 0x09];
        long.extend_from_slice(OID_SIGNED_DATA);
        assert_eq!(open_p7m(&long).unwrap_err(), MSG_DAMAGED);
    }

    #[test]
    fn pades_signature_verifies() {
        let pdf = fixture("pades.pdf");
        let signers = pdf_signers(&pdf);
        assert_eq!(signers.len(), 1);
        let signer = &signers[0];
        assert_eq!(signer.verification, Verification::Valid);
        assert_eq!(signer.codice_fiscale, cf("RSSMRA85T10A562S"));
        assert_eq!(signer.name.as_deref(), Some("MARIO ROSSI"));
        assert!(signer.covers_whole_document);
        assert!(!signer.chain_checked);
    }

    #[test]
    fn two_pades_signatures_in_incremental_updates() {
        let signers = pdf_signers(&fixture("pades2.pdf"));
        assert_eq!(signers.len(), 2);
        assert!(signers.iter().all(|s| s.verification == Verification::Valid), "{signers:?}");
        assert_eq!(signers[0].codice_fiscale, cf("RSSMRA85T10A562S"));
        assert!(!signers[0].covers_whole_document, "the second signature was added after the first");
        assert_eq!(signers[1].codice_fiscale, cf("RCCMNL83S18D969H"));
        assert!(signers[1].covers_whole_document);
    }

    #[test]
    fn pdf_without_signatures_has_none() {
        assert!(pdf_signers(&fixture("doc.pdf")).is_empty());
        assert!(pdf_signers(b"").is_empty());
        assert!(pdf_signers(b"%PDF-1.7\n/ByteRange").is_empty());
    }

    #[test]
    fn pdf_changed_inside_the_signed_range_is_invalid() {
        let mut pdf = fixture("pades.pdf");
        let at = find(&pdf, b"ricerca intensiva - firmato");
        pdf[at] = b'R';
        let signers = pdf_signers(&pdf);
        assert_eq!(
            signers[0].verification,
            Verification::Invalid("il documento è stato modificato dopo la firma".into())
        );
    }

    #[test]
    fn bytes_added_after_the_signature_are_reported() {
        let mut pdf = fixture("pades.pdf");
        pdf.extend_from_slice(b"\n4 0 obj\n<</Length 10>>\nstream\nBT ET\nendstream\nendobj\n");
        let signers = pdf_signers(&pdf);
        assert_eq!(signers[0].verification, Verification::Valid);
        assert!(!signers[0].covers_whole_document);
        // Trailing white space alone does not count.
        let mut pdf = fixture("pades.pdf");
        pdf.extend_from_slice(b"\r\n");
        assert!(pdf_signers(&pdf)[0].covers_whole_document);
    }

    fn first_reason(pdf: &[u8]) -> String {
        match pdf_signers(pdf).first().map(|s| s.verification.clone()) {
            Some(Verification::Invalid(r) | Verification::Unsupported(r)) => r,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn hostile_byte_ranges_do_not_panic() {
        let with_range = |range: &str| {
            let mut pdf = b"%PDF-1.7\n1 0 obj <</Type/Sig/ByteRange ".to_vec();
            pdf.extend_from_slice(range.as_bytes());
            pdf.extend_from_slice(b"/Contents <3082AB>>> endobj\n%%EOF\n");
            pdf
        };
        assert_eq!(first_reason(&with_range("[0 10 5000 10]")), MSG_PDF_RANGE);
        assert_eq!(first_reason(&with_range("[0 999999999999999 999999999999999 999999999999999]")), MSG_PDF_RANGE);
        assert_eq!(first_reason(&with_range("[0 30 20 10]")), MSG_PDF_RANGE);
        assert_eq!(first_reason(&with_range("[5 10 20 10]")), MSG_PDF_RANGE);
        // The gap is not a hex string: missing or misplaced /Contents.
        assert_eq!(first_reason(&with_range("[0 10 20 10]")), MSG_PDF_CONTENTS);
        // Numbers too long, negative or not numbers: not a signature at all.
        for range in ["[0 9999999999999999999999 1 1]", "[0 -10 20 10]", "[0 1 2]", "[0 a b c]", "[", "0 1 2 3"] {
            assert!(pdf_signers(&with_range(range)).is_empty(), "{range}");
        }
        // The gap is exactly a hex string, but not a CMS.
        let mut pdf = b"%PDF ".to_vec();
        let start = pdf.len() + b"/ByteRange [0 xxxxx yyyyy 0]".len();
        let range = format!("/ByteRange [0 {start:05} {:05} 0]", start + 8);
        pdf.extend_from_slice(range.as_bytes());
        pdf.extend_from_slice(b"<3082FF>");
        assert_eq!(pdf.len(), start + 8);
        assert_eq!(first_reason(&pdf), MSG_PDF_CONTENTS);
    }

    #[test]
    fn pdf_byte_changes_never_panic_nor_verify() {
        let pdf = fixture("pades.pdf");
        let contents = find(&pdf, b"/Contents <") + b"/Contents ".len();
        for at in (0..pdf.len()).step_by(7) {
            let mut changed = pdf.clone();
            changed[at] ^= 0x01;
            for signer in pdf_signers(&changed) {
                // Only a change inside the hex gap (the unsigned padding) may leave it valid.
                if signer.verification == Verification::Valid {
                    assert!(at > contents, "byte {at} changed and still valid");
                }
            }
        }
    }

    #[test]
    fn many_ranges_are_bounded() {
        let mut pdf = Vec::new();
        for i in 0..100_000 {
            pdf.extend_from_slice(format!("/ByteRange [0 {i} {} 0]\n", i + 1).as_bytes());
        }
        assert!(pdf_signers(&pdf).len() <= MAX_SIGNERS);
        // 20 MiB with the key repeated: one pass, no signature.
        let big = b"/ByteRange".repeat(2 * 1024 * 1024);
        assert!(pdf_signers(&big).is_empty());
    }

    #[test]
    fn codice_fiscale_in_the_serial_number() {
        for value in ["TINIT-RSSMRA85T10A562S", "tinit-rssmra85t10a562s", "IT:RSSMRA85T10A562S", " RSSMRA85T10A562S "] {
            assert_eq!(codice_fiscale_from_serial_number(value), cf("RSSMRA85T10A562S"), "{value}");
        }
        for value in ["TINIT-RSSMRA85T10A562T", "PNOIT-AA1234567", "IDCIT-CA12345AB", "12345678", ""] {
            assert_eq!(codice_fiscale_from_serial_number(value), None, "{value}");
        }
    }

    #[test]
    fn hex_strings() {
        assert_eq!(decode_hex_string(b"<30 8 >"), Some(vec![0x30, 0x80]));
        assert_eq!(decode_hex_string(b"<3g>"), None);
        assert_eq!(decode_hex_string(b"3082"), None);
    }
}

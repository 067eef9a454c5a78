//! PAdES: the signatures inside a PDF, found by their `/ByteRange`.

use super::cms::{Check, MAX_SIGNERS, OID_TST_INFO, SignedData};
use super::signer::{Signer, Verification};

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

pub(super) const MSG_PDF_RANGE: &str = "l'intervallo firmato del PDF (ByteRange) non è valido";
pub(super) const MSG_PDF_CONTENTS: &str = "la firma nel PDF (Contents) è danneggiata o illeggibile";
pub(super) const MSG_PDF_SHA1: &str = "firma PDF con impronta incorporata (adbe.pkcs7.sha1, SHA-1): non verificata";

/// `[a b c d]` right after `/ByteRange`: four non-negative integers of at most 15 digits.
pub(super) fn parse_byte_range(after: &[u8]) -> Option<[usize; 4]> {
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
pub(super) fn skip_pdf_space(bytes: &[u8]) -> &[u8] {
    let n = bytes.iter().take(64).take_while(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'\x0c' | 0)).count();
    bytes.get(n..).unwrap_or_default()
}

/// The signer(s) of one ByteRange; none for a document timestamp.
pub(super) fn pdf_signature(pdf: &[u8], [a, b, c, d]: [usize; 4]) -> Vec<Signer> {
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
pub(super) fn decode_hex_string(gap: &[u8]) -> Option<Vec<u8>> {
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

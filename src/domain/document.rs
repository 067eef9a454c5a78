//! Uploaded documents: the type is decided from the content, never from the name.

/// What an upload turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    /// A PDF (possibly PAdES-signed).
    Pdf,
    /// A CAdES envelope (.p7m), DER or base64.
    P7m,
}

impl DocumentKind {
    pub fn code(self) -> &'static str {
        match self {
            DocumentKind::Pdf => "pdf",
            DocumentKind::P7m => "p7m",
        }
    }
    pub fn from_code(s: &str) -> Option<Self> {
        match s {
            "pdf" => Some(Self::Pdf),
            "p7m" => Some(Self::P7m),
            _ => None,
        }
    }
    pub fn extension(self) -> &'static str {
        match self {
            DocumentKind::Pdf => "pdf",
            DocumentKind::P7m => "pdf.p7m",
        }
    }
    pub fn mime(self) -> &'static str {
        match self {
            DocumentKind::Pdf => "application/pdf",
            DocumentKind::P7m => "application/pkcs7-mime",
        }
    }
}

/// Default upload limit: 20 MiB.
pub const MAX_UPLOAD: usize = 20 * 1024 * 1024;

/// The DER encoding of OID 1.2.840.113549.1.7.2 (PKCS#7 signedData).
const SIGNED_DATA_OID: [u8; 11] = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02];

fn is_signed_data_der(bytes: &[u8]) -> bool {
    // SEQUENCE, then within the first bytes the contentType signedData.
    bytes.first() == Some(&0x30)
        && bytes.len() > 32
        && bytes.get(..24).is_some_and(|head| head.windows(SIGNED_DATA_OID.len()).any(|w| w == SIGNED_DATA_OID))
}

/// Decodes a base64 .p7m (with or without PEM armour), if that is what it is.
fn base64_p7m(bytes: &[u8]) -> Option<Vec<u8>> {
    use base64::Engine;
    let text = std::str::from_utf8(bytes.get(..bytes.len().min(MAX_UPLOAD * 2))?).ok()?;
    let body: String = text
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .flat_map(|l| l.chars())
        .filter(|c| !c.is_whitespace())
        .collect();
    let der = base64::engine::general_purpose::STANDARD.decode(body).ok()?;
    is_signed_data_der(&der).then_some(der)
}

/// Checks an upload: not empty, not over `max`, a complete PDF ([`pdf_structure`]) or a
/// CAdES envelope (whose content the caller checks the same way once it is opened). The
/// message is for the person who uploaded it.
pub fn sniff(bytes: &[u8], max: usize) -> Result<DocumentKind, String> {
    if bytes.is_empty() {
        return Err("il file è vuoto".into());
    }
    if bytes.len() > max {
        return Err(format!("il file supera la dimensione massima di {} MB", max / (1024 * 1024)));
    }
    if bytes.starts_with(b"%PDF-") {
        pdf_structure(bytes)?;
        return Ok(DocumentKind::Pdf);
    }
    if is_signed_data_der(bytes) || base64_p7m(bytes).is_some() {
        return Ok(DocumentKind::P7m);
    }
    Err("formato non accettato: caricare un PDF o un file firmato .p7m (CAdES)".into())
}

const NOT_A_COMPLETE_PDF: &str = "il file non è un PDF completo (manca la parte finale con la tabella degli oggetti): salvarlo di nuovo come PDF e ricaricarlo";

/// A complete PDF as ISO 32000 lays it out (§7.5): the header `%PDF-1.n` or `%PDF-2.n`, and at
/// the end `startxref`, the offset of the last cross-reference section, and `%%EOF`; at that
/// offset a cross-reference table (`xref`, followed by a `trailer` naming the `/Root`) or a
/// cross-reference stream (an object of `/Type /XRef`, since PDF 1.5). A header followed by
/// anything else (19 MB of zeros, a truncated download) is refused.
pub fn pdf_structure(bytes: &[u8]) -> Result<(), String> {
    let bad = || NOT_A_COMPLETE_PDF.to_owned();
    let version = bytes.get(5..8).ok_or_else(bad)?;
    if !matches!(version, [b'1' | b'2', b'.', b'0'..=b'9']) {
        return Err(bad());
    }
    // The end: `%%EOF`, then only white space (some writers add a newline or NULs).
    let end = bytes.iter().rposition(|b| !matches!(b, b'\r' | b'\n' | b' ' | b'\t' | 0)).ok_or_else(bad)? + 1;
    let body = bytes.get(..end).ok_or_else(bad)?;
    if !body.ends_with(b"%%EOF") {
        return Err(bad());
    }
    // `startxref`, its offset, within the last kilobyte (where readers look for it).
    let tail_start = body.len().saturating_sub(1024);
    let tail = body.get(tail_start..).ok_or_else(bad)?;
    let at = memchr::memmem::rfind(tail, b"startxref").ok_or_else(bad)?;
    let after = tail.get(at + b"startxref".len()..).ok_or_else(bad)?;
    let digits: Vec<u8> =
        after.iter().skip_while(|b| b.is_ascii_whitespace()).take_while(|b| b.is_ascii_digit()).copied().collect();
    let offset: usize = std::str::from_utf8(&digits).ok().and_then(|d| d.parse().ok()).ok_or_else(bad)?;
    let section = bytes.get(offset..tail_start + at).ok_or_else(bad)?;
    let section = section.get(..section.len().min(1 << 20)).ok_or_else(bad)?;
    if section.starts_with(b"xref") {
        // A classic table: its trailer dictionary names the document catalogue.
        let trailer = memchr::memmem::find(section, b"trailer").ok_or_else(bad)?;
        let dict = section.get(trailer..).ok_or_else(bad)?;
        return if memchr::memmem::find(dict, b"/Root").is_some() { Ok(()) } else { Err(bad()) };
    }
    // A cross-reference stream: `n g obj << /Type /XRef ... /Root ... >> stream`.
    let head = section.get(..section.len().min(4096)).ok_or_else(bad)?;
    let is_object = head
        .split(|b| b.is_ascii_whitespace())
        .filter(|w| !w.is_empty())
        .take(3)
        .enumerate()
        .all(|(i, w)| if i < 2 { w.iter().all(u8::is_ascii_digit) } else { w.starts_with(b"obj") });
    let compact: Vec<u8> = head.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
    if is_object
        && memchr::memmem::find(&compact, b"/Type/XRef").is_some()
        && memchr::memmem::find(&compact, b"/Root").is_some()
    {
        Ok(())
    } else {
        Err(bad())
    }
}

/// A file name safe for a Content-Disposition header and any file system.
pub fn safe_file_name(stem: &str, kind: DocumentKind) -> String {
    let cleaned: String = stem
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' })
        .take(60)
        .collect();
    let cleaned = cleaned.trim_matches('_');
    let stem = if cleaned.is_empty() { "documento" } else { cleaned };
    format!("{stem}.{}", kind.extension())
}

/// A minimal complete PDF: catalogue, pages, one page, a classic xref table and trailer.
#[cfg(test)]
pub(crate) fn minimal_pdf() -> Vec<u8> {
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for obj in [
        "1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n",
        "2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n",
        "3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>\nendobj\n",
    ] {
        offsets.push(pdf.len());
        pdf.extend_from_slice(obj.as_bytes());
    }
    let xref = pdf.len();
    pdf.extend_from_slice(b"xref\n0 4\n0000000000 65535 f \n");
    for o in offsets {
        pdf.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    pdf.extend_from_slice(format!("trailer\n<< /Size 4 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes());
    pdf
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pdf_must_be_complete() {
        let pdf = minimal_pdf();
        assert_eq!(sniff(&pdf, MAX_UPLOAD), Ok(DocumentKind::Pdf));
        // The case: a header and then zeros.
        let mut zeros = b"%PDF-1.4\n".to_vec();
        zeros.extend(std::iter::repeat_n(0u8, 100_000));
        assert!(sniff(&zeros, MAX_UPLOAD).unwrap_err().contains("non è un PDF completo"));
        // Truncated (a broken download), a wrong offset, a missing trailer, a bad version.
        assert!(sniff(&pdf[..pdf.len() - 10], MAX_UPLOAD).is_err());
        let wrong = String::from_utf8(pdf.clone()).unwrap().replace("startxref\n", "startxref\n1");
        assert!(sniff(wrong.as_bytes(), MAX_UPLOAD).is_err());
        let no_root = String::from_utf8(pdf.clone()).unwrap().replace("/Root 1 0 R", "/Size 4");
        assert!(sniff(no_root.as_bytes(), MAX_UPLOAD).is_err());
        assert!(sniff(b"%PDF-x.y\n%%EOF", MAX_UPLOAD).is_err());
        // Trailing white space after %%EOF is fine.
        let mut spaced = pdf.clone();
        spaced.extend_from_slice(b"\r\n\0\0");
        assert_eq!(sniff(&spaced, MAX_UPLOAD), Ok(DocumentKind::Pdf));
        // An incremental update (what a PAdES signature adds) points at the last section.
        let mut updated = pdf.clone();
        let second = updated.len();
        updated.extend_from_slice(
            format!("xref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 4 /Root 1 0 R /Prev 0 >>\nstartxref\n{second}\n%%EOF\n")
                .as_bytes(),
        );
        assert_eq!(sniff(&updated, MAX_UPLOAD), Ok(DocumentKind::Pdf));
        // A cross-reference stream (PDF 1.5+).
        let mut stream = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n".to_vec();
        let at = stream.len();
        stream.extend_from_slice(
            b"2 0 obj\n<< /Type /XRef /Size 3 /Root 1 0 R /W [1 2 1] /Length 0 >>\nstream\n\nendstream\nendobj\n",
        );
        stream.extend_from_slice(format!("startxref\n{at}\n%%EOF").as_bytes());
        assert_eq!(sniff(&stream, MAX_UPLOAD), Ok(DocumentKind::Pdf));
    }

    #[test]
    fn types_come_from_the_content() {
        assert_eq!(sniff(&minimal_pdf(), MAX_UPLOAD), Ok(DocumentKind::Pdf));
        assert!(sniff(b"", MAX_UPLOAD).is_err());
        assert!(sniff(b"<html><body>pdf</body></html>", MAX_UPLOAD).is_err());
        assert!(sniff(b"\x89PNG\r\n\x1a\n", MAX_UPLOAD).is_err());
        assert!(sniff(&[b'%'; 100], 10).is_err());
        let mut der = vec![0x30, 0x82, 0x01, 0x00];
        der.extend_from_slice(&SIGNED_DATA_OID);
        der.extend_from_slice(&[0u8; 64]);
        assert_eq!(sniff(&der, MAX_UPLOAD), Ok(DocumentKind::P7m));
        use base64::Engine;
        let pem = format!(
            "-----BEGIN PKCS7-----\n{}\n-----END PKCS7-----\n",
            base64::engine::general_purpose::STANDARD.encode(&der)
        );
        assert_eq!(sniff(pem.as_bytes(), MAX_UPLOAD), Ok(DocumentKind::P7m));
        // A truncated envelope without the signedData OID is not a .p7m.
        assert!(sniff(&der[..6], MAX_UPLOAD).is_err());
    }

    #[test]
    fn file_names_are_made_safe() {
        assert_eq!(safe_file_name("../../etc/passwd", DocumentKind::Pdf), "etc_passwd.pdf");
        assert_eq!(safe_file_name("Prot. 12/2026", DocumentKind::P7m), "Prot__12_2026.pdf.p7m");
        assert_eq!(safe_file_name("", DocumentKind::Pdf), "documento.pdf");
    }
}

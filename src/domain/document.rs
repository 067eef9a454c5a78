//! Uploaded documents: the type is decided from the content, never from the name.

use crate::domain::field_error::Reason;

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

/// Checks an upload: not empty, not over `max`, a PDF or a CAdES envelope. The message is
/// for the person who uploaded it.
pub fn sniff(bytes: &[u8], max: usize) -> Result<DocumentKind, Reason> {
    if bytes.is_empty() {
        return Err("il file è vuoto".into());
    }
    if bytes.len() > max {
        return Err(format!("il file supera la dimensione massima di {} MB", max / (1024 * 1024)).into());
    }
    if bytes.starts_with(b"%PDF-") {
        return Ok(DocumentKind::Pdf);
    }
    if is_signed_data_der(bytes) || base64_p7m(bytes).is_some() {
        return Ok(DocumentKind::P7m);
    }
    Err("formato non accettato: caricare un PDF o un file firmato .p7m (CAdES)".into())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_content() {
        assert_eq!(sniff(b"%PDF-1.7\n...", MAX_UPLOAD), Ok(DocumentKind::Pdf));
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

//! What every uploaded document must be, decided from its content: a complete PDF, or a
//! CAdES envelope (.p7m) that opens and wraps a complete PDF. The message is Italian, for the
//! person who uploaded the file.

use crate::domain::document::{DocumentKind, pdf_structure, sniff};
use crate::infra::signature;

pub fn check(bytes: &[u8], max: usize) -> Result<DocumentKind, String> {
    let kind = sniff(bytes, max)?;
    if kind == DocumentKind::P7m {
        let envelope = signature::open_p7m(bytes)?;
        enveloped_pdf(&envelope.content)?;
    }
    Ok(kind)
}

/// The document inside a .p7m: a complete PDF.
pub fn enveloped_pdf(content: &[u8]) -> Result<(), String> {
    if !content.starts_with(b"%PDF-") {
        return Err("il file firmato non contiene un PDF: firmare il PDF del documento".into());
    }
    pdf_structure(content).map_err(|_| {
        "il PDF dentro la busta firmata non è completo (manca la parte finale con la tabella degli oggetti)".into()
    })
}

//! Uploads: the content sniffer, the CAdES (.p7m) opener and the PAdES signature reader,
//! all fed with what an operator's browser can send. Errors, never panics; a safe file name
//! never holds a path separator.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ricolloca::domain::document::{safe_file_name, sniff};
use ricolloca::infra::signature::{open_p7m, pdf_signers};

fuzz_target!(|data: &[u8]| {
    if let Ok(kind) = sniff(data, 1 << 20) {
        let name = safe_file_name(&String::from_utf8_lossy(&data[..data.len().min(64)]), kind);
        assert!(!name.contains('/') && !name.contains('\\') && !name.starts_with('.'), "{name:?}");
    }
    let _ = open_p7m(data);
    let _ = pdf_signers(data);
});

//! What the server reads from a client certificate: the DER parse and the codice fiscale
//! taken from the CN. Neither may panic on anything a client can send.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ricolloca::domain::cns::{CertIdentity, codice_fiscale_from_cn};

fuzz_target!(|data: &[u8]| {
    let _ = CertIdentity::from_der(data);
    if let Ok(cn) = std::str::from_utf8(data) {
        let _ = codice_fiscale_from_cn(cn);
    }
});

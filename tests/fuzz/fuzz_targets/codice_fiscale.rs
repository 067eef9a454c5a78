//! The codice fiscale validator: never panics; whatever it accepts is 16 upper-case
//! characters whose check letter is right, and parsing it again gives the same code.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ricolloca::domain::codice_fiscale::{CodiceFiscale, check_letter};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(cf) = CodiceFiscale::parse(text) {
        let s = cf.as_str();
        assert_eq!(s.len(), 16, "{s:?}");
        assert!(s.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()), "{s:?}");
        assert_eq!(check_letter(&s.as_bytes()[..15]), s.as_bytes()[15], "{s:?}");
        assert_eq!(CodiceFiscale::parse(s).map(|again| again.as_str().to_owned()).ok().as_deref(), Some(s));
    }
});

//! The SAP XML importer (streaming quick-xml, declared encodings): errors, never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = ricolloca::infra::sap_xml::parse(data);
    let _ = ricolloca::infra::sap_schema::validate(data);
});

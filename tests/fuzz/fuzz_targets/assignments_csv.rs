//! The CPI assignments CSV importer: every input gives rows or row errors, never a panic;
//! a row is never both accepted and refused.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (rows, errors) = ricolloca::domain::assignment::parse(data);
    for (line, _) in &rows {
        assert!(!errors.iter().any(|e| e.line == *line), "line {line} accepted and refused");
    }
});

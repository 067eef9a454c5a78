//! The identificativo politica: 2-digit code of the system that first sent the policy, 8 hex
//! digits of a sequence, and a check letter computed like the codice fiscale's over
//! codice_ente_promotore + tipo_attivita + data_proposta (yyyymmdd).

use super::codice_fiscale::check_letter;

/// The identificativo for the `sequence`-th policy created by `system` (e.g. "17").
/// `data_proposta` is ISO (yyyy-mm-dd).
pub fn identificativo_politica(system: &str, sequence: u32, ente: &str, tipo: &str, data_proposta: &str) -> String {
    let body: Vec<u8> = ente
        .bytes()
        .chain(tipo.bytes())
        .chain(data_proposta.bytes().filter(u8::is_ascii_digit))
        .map(|b| b.to_ascii_uppercase())
        .collect();
    format!("{system}{sequence:08X}{}", char::from(check_letter(&body)))
}

/// Whether `s` has the shape of an identificativo and its check letter is right for these
/// facts. Case does not matter: real files carry lower-case hexadecimal digits.
pub fn matches(s: &str, ente: &str, tipo: &str, data_proposta: &str) -> bool {
    let s = s.trim().to_ascii_uppercase();
    let (Some(system), Some(seq)) = (s.get(..2), s.get(2..10)) else { return false };
    s.len() == 11
        && u32::from_str_radix(seq, 16)
            .is_ok_and(|n| identificativo_politica(system, n, ente, tipo, data_proposta) == s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_worked_example_of_the_specification() {
        // DOMAIN.md: 08 + 008B3B94 over "H501X000004" + "A02" + "20170101" -> 08008B3B94B.
        assert_eq!(identificativo_politica("08", 0x008B_3B94, "H501X000004", "A02", "2017-01-01"), "08008B3B94B");
        assert!(matches("08008B3B94B", "H501X000004", "A02", "2017-01-01"));
        assert!(!matches("08008B3B94C", "H501X000004", "A02", "2017-01-01"));
        assert!(!matches("08008B3B94B", "H501X000004", "A06", "2017-01-01"));
        assert!(!matches("0800", "H501X000004", "A02", "2017-01-01"));
        assert!(matches("08008b3b94b", "H501X000004", "A02", "2017-01-01"), "lower case is the same identifier");
    }

    #[test]
    fn the_sequence_is_eight_upper_case_hex_digits() {
        let id = identificativo_politica("17", 0xAB, "05123450484", "C06", "2026-11-02");
        assert_eq!(id.len(), 11);
        assert!(id.starts_with("17000000AB"));
    }
}

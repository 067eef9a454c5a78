//! The 11-digit number of organisations (partita IVA / codice fiscale numerico).

/// Valid when 11 digits and the last is the check digit (Luhn-like, as the Agenzia delle
/// Entrate defines it). Returns the normalised (trimmed) number.
pub fn parse(input: &str) -> Option<String> {
    let s = input.trim();
    let digits: Vec<u32> = s.chars().map(|c| c.to_digit(10)).collect::<Option<_>>()?;
    if digits.len() != 11 {
        return None;
    }
    let (body, check) = digits.split_at(10);
    (check == [check_digit(body)]).then(|| s.to_owned())
}

/// Check digit over the first 10 digits.
pub fn check_digit(body: &[u32]) -> u32 {
    let sum: u32 = body
        .iter()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 0 {
                d
            } else {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_numbers() {
        // Public numbers: Agenzia delle Entrate (06363391001), Poste Italiane (97103880585).
        assert!(parse("06363391001").is_some());
        assert!(parse("97103880585").is_some());
        assert!(parse("06363391002").is_none());
        assert!(parse("0636339100").is_none());
        assert!(parse("0636339100A").is_none());
    }
}

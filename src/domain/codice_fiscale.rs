//! The Italian codice fiscale of a person (16 characters), validated once in its constructor.

use std::fmt;

/// A syntactically valid codice fiscale whose check letter matches (omocodes accepted).
/// Always upper case. The only way to get one is [`CodiceFiscale::parse`].
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CodiceFiscale(String);

/// Why a string is not a codice fiscale; the Italian text is what users read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CodiceFiscaleError {
    #[error("il codice fiscale deve avere 16 caratteri")]
    Length,
    #[error("il codice fiscale contiene caratteri non ammessi in qualche posizione")]
    Shape,
    #[error("il carattere di controllo del codice fiscale non è corretto")]
    CheckLetter,
}

/// Positions (0-based) that hold digits, which omocodia may replace with letters.
const DIGIT_POSITIONS: [usize; 7] = [6, 7, 9, 10, 12, 13, 14];
/// Letters that stand for digits 0..9 in an omocode.
const OMOCODE_LETTERS: &[u8; 10] = b"LMNPQRSTUV";
/// Month letters, January to December.
const MONTH_LETTERS: &[u8; 12] = b"ABCDEHLMPRST";
/// Values of characters in odd positions (1-based), indexed by digit or letter number.
const ODD_VALUES: [u32; 26] =
    [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];

impl CodiceFiscale {
    /// Validates shape and check letter. Surrounding spaces are trimmed and lower case accepted.
    pub fn parse(input: &str) -> Result<Self, CodiceFiscaleError> {
        let cf = input.trim().to_ascii_uppercase();
        let bytes = cf.as_bytes();
        if bytes.len() != 16 {
            return Err(CodiceFiscaleError::Length);
        }
        for (i, &b) in bytes.iter().enumerate() {
            let ok = if DIGIT_POSITIONS.contains(&i) {
                b.is_ascii_digit() || OMOCODE_LETTERS.contains(&b)
            } else if i == 8 {
                MONTH_LETTERS.contains(&b)
            } else {
                b.is_ascii_uppercase()
            };
            if !ok {
                return Err(CodiceFiscaleError::Shape);
            }
        }
        let (body, check) = bytes.split_at(15);
        if check != [check_letter(body)] {
            return Err(CodiceFiscaleError::CheckLetter);
        }
        Ok(Self(cf))
    }

    /// The codice fiscale as the national SAP schema admits it for a worker: the 16-character
    /// personal code, or the 11-digit numeric one (provisional codes), whose last digit is the
    /// partita IVA check digit.
    pub fn parse_schema(input: &str) -> Result<Self, CodiceFiscaleError> {
        let t = input.trim();
        if t.len() == 11 && t.bytes().all(|b| b.is_ascii_digit()) {
            return super::partita_iva::parse(t).map(Self).ok_or(CodiceFiscaleError::CheckLetter);
        }
        Self::parse(input)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The check character over the first 15 characters (upper-case ASCII letters and digits).
/// Shared with the identificativo politica, which uses the same algorithm over 22 characters.
pub fn check_letter(body: &[u8]) -> u8 {
    let sum: u32 = body
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            let n = match b {
                b'0'..=b'9' => u32::from(b - b'0'),
                b'A'..=b'Z' => u32::from(b - b'A'),
                _ => 0,
            };
            // Positions count from 1: index 0 is odd.
            if i % 2 == 0 { ODD_VALUES.get(n as usize).copied().unwrap_or(0) } else { n }
        })
        .sum();
    b'A' + (sum % 26) as u8
}

impl fmt::Display for CodiceFiscale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_domain_vectors() {
        for cf in [
            "RSSMRA85T10A562S",
            "RSSMRA85T10A56NH",
            "RSSMRA85T50A562W",
            "RCCMNL83S18D969H",
            "MRTMTT25D09F20RU",
            "MRTMTT25D09F2LRF",
            "MRTMTT25D09FNLRU",
        ] {
            assert_eq!(CodiceFiscale::parse(cf).map(|c| c.to_string()), Ok(cf.to_string()), "{cf}");
        }
    }

    #[test]
    fn rejects_a_wrong_check_letter() {
        assert_eq!(CodiceFiscale::parse("MRTMTT25D09F20RA"), Err(CodiceFiscaleError::CheckLetter));
        assert_eq!(CodiceFiscale::parse("RSSMRA85T10A562T"), Err(CodiceFiscaleError::CheckLetter));
    }

    #[test]
    fn normalises_lower_case_and_spaces() {
        let cf = CodiceFiscale::parse("  rssmra85t10a562s ").map(|c| c.to_string());
        assert_eq!(cf, Ok("RSSMRA85T10A562S".to_string()));
    }

    #[test]
    fn rejects_bad_lengths_and_shapes() {
        assert_eq!(CodiceFiscale::parse(""), Err(CodiceFiscaleError::Length));
        assert_eq!(CodiceFiscale::parse("RSSMRA85T10A562"), Err(CodiceFiscaleError::Length));
        assert_eq!(CodiceFiscale::parse("RSSMRA85T10A562SX"), Err(CodiceFiscaleError::Length));
        // month letter Z does not exist
        assert_eq!(CodiceFiscale::parse("RSSMRA85Z10A562S"), Err(CodiceFiscaleError::Shape));
        // digit where a letter belongs
        assert_eq!(CodiceFiscale::parse("R5SMRA85T10A562S"), Err(CodiceFiscaleError::Shape));
        // letter not used by omocodia where a digit belongs
        assert_eq!(CodiceFiscale::parse("RSSMRA8AT10A562S"), Err(CodiceFiscaleError::Shape));
        // multi-byte input never panics
        assert_eq!(CodiceFiscale::parse("RSSMRA85T10A56è"), Err(CodiceFiscaleError::Shape));
    }

    #[test]
    fn every_omocode_of_a_valid_code_is_accepted() {
        // Replace digits from the right, one more each time, recomputing the check letter.
        let mut body: Vec<u8> = b"RSSMRA85T10A562".to_vec();
        for &pos in DIGIT_POSITIONS.iter().rev() {
            let d = body[pos] - b'0';
            body[pos] = OMOCODE_LETTERS[d as usize];
            let mut cf = body.clone();
            cf.push(check_letter(&body));
            let cf = String::from_utf8(cf).unwrap();
            assert!(CodiceFiscale::parse(&cf).is_ok(), "{cf}");
        }
    }
}

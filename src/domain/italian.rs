//! How a number reads next to its noun in Italian: "1 ora", "3 ore", "nessun errore". Every
//! count shown to a person (pages, CLI, messages) goes through [`count`] or a [`Noun`], so
//! the noun and its adjectives agree with the number.

/// A noun phrase in the singular and the plural, with what to say for zero if not "0 …".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Noun {
    one: &'static str,
    many: &'static str,
    none: Option<&'static str>,
}

impl Noun {
    /// `Noun::new("assenza ingiustificata", "assenze ingiustificate")`.
    pub const fn new(one: &'static str, many: &'static str) -> Self {
        Self { one, many, none: None }
    }

    /// What zero reads as, e.g. "nessun destinatario" instead of "0 destinatari".
    pub const fn or_none(self, none: &'static str) -> Self {
        Self { none: Some(none), ..self }
    }

    /// The form that agrees with `n`, without the number: 1 (and -1) take the singular.
    pub fn form(self, n: impl Quantity) -> &'static str {
        if n.as_i128().abs() == 1 { self.one } else { self.many }
    }

    /// "1 ora", "3 ore", "0 ore" (or the zero phrase).
    pub fn count(self, n: impl Quantity) -> String {
        let n = n.as_i128();
        match (n, self.none) {
            (0, Some(none)) => none.to_owned(),
            _ => format!("{} {}", number(n), self.form(n)),
        }
    }
}

/// "1 ora", "3 ore": the number and the form of the noun that agrees with it.
pub fn count(n: impl Quantity, one: &'static str, many: &'static str) -> String {
    Noun::new(one, many).count(n)
}

/// A whole number as Italian writes it for people, a dot between thousands: "100.000",
/// "-4.294.967.284". Only for screens and messages; CSV, JSON and the API keep plain digits.
pub fn number(n: impl Quantity) -> String {
    let n = n.as_i128();
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// The integer types a count comes in.
pub trait Quantity: Copy {
    fn as_i128(self) -> i128;
}

macro_rules! quantity {
    ($($t:ty),*) => {
        $(impl Quantity for $t {
            fn as_i128(self) -> i128 {
                i128::from(self)
            }
        })*
    };
}
quantity!(u8, u16, u32, u64, i8, i16, i32, i64, i128);

impl Quantity for usize {
    fn as_i128(self) -> i128 {
        // usize is at most 64 bits on every target we build for.
        i128::try_from(self).unwrap_or(i128::MAX)
    }
}

/// A duration's unit (the national `tipologia_durata` code: O, G, M, A) agreeing with its
/// number: "1 ora", "40 ore", "6 mesi". An unknown code keeps its table label.
pub fn duration(n: impl Quantity, unit_code: &str, table_label: &str) -> String {
    let noun = match unit_code {
        "O" => Noun::new("ora", "ore"),
        "G" => Noun::new("giorno", "giorni"),
        "M" => Noun::new("mese", "mesi"),
        "A" => Noun::new("anno", "anni"),
        _ => return format!("{} {table_label}", number(n)).trim_end().to_owned(),
    };
    noun.count(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_takes_the_singular_every_other_number_the_plural() {
        assert_eq!(count(1, "ora", "ore"), "1 ora");
        assert_eq!(count(0, "ora", "ore"), "0 ore");
        assert_eq!(count(3_usize, "errore", "errori"), "3 errori");
        assert_eq!(count(-1_i64, "giorno", "giorni"), "-1 giorno");
        let assenze = Noun::new("assenza ingiustificata o rifiuto", "assenze ingiustificate e rifiuti");
        assert_eq!(assenze.count(1_u32), "1 assenza ingiustificata o rifiuto");
        assert_eq!(assenze.form(2_u64), "assenze ingiustificate e rifiuti");
    }

    #[test]
    fn thousands_are_separated_by_a_dot() {
        assert_eq!(number(0), "0");
        assert_eq!(number(999), "999");
        assert_eq!(number(1000), "1.000");
        assert_eq!(number(100_000_usize), "100.000");
        assert_eq!(number(4_294_967_284_u64), "4.294.967.284");
        assert_eq!(number(-1_234_567_i64), "-1.234.567");
        assert_eq!(count(100_000, "riga", "righe"), "100.000 righe");
    }

    #[test]
    fn zero_may_have_its_own_phrase() {
        let d = Noun::new("destinatario", "destinatari").or_none("nessun destinatario");
        assert_eq!(d.count(0), "nessun destinatario");
        assert_eq!(d.count(1), "1 destinatario");
        assert_eq!(d.count(12), "12 destinatari");
    }

    #[test]
    fn durations_agree_with_their_unit() {
        assert_eq!(duration(1, "O", "ore"), "1 ora");
        assert_eq!(duration(40, "O", "ore"), "40 ore");
        assert_eq!(duration(1, "M", "mesi"), "1 mese");
        assert_eq!(duration(2, "X", "lune"), "2 lune");
    }
}

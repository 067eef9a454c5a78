//! Small checks shared by every form: required text, lengths, e-mail, dates; each failure is
//! an Italian message named by its field.

use crate::domain::field_error::FieldError;

#[derive(Debug, Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError { field: field.to_owned(), message: message.into() });
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn into_vec(self) -> Vec<FieldError> {
        self.0
    }
    pub fn finish<T>(self, value: T) -> Result<T, Vec<FieldError>> {
        if self.0.is_empty() { Ok(value) } else { Err(self.0) }
    }
}

/// No control characters (they have no place in names and break exports).
fn clean(s: &str) -> bool {
    !s.chars().any(|c| c.is_control())
}

/// Unicode's bidirectional controls (embeddings and overrides U+202A–U+202E, isolates
/// U+2066–U+2069, the marks U+200E, U+200F and U+061C): invisible, they make a name or a
/// protocol number show on screen other than it is ("Trojan Source", CVE-2021-42574).
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// The message for a field holding one of them.
pub const BIDI_MESSAGE: &str = "contiene caratteri invisibili che cambiano la direzione del testo (come U+202E): cancellarli e riscrivere il testo";

pub fn has_bidi_control(s: &str) -> bool {
    s.chars().any(is_bidi_control)
}

pub fn required(errors: &mut FieldErrors, field: &str, value: &str, max: usize) -> String {
    let v = value.trim();
    if v.is_empty() {
        errors.add(field, "campo obbligatorio");
    } else if v.chars().count() > max {
        errors.add(field, format!("al massimo {max} caratteri"));
    } else if has_bidi_control(v) {
        errors.add(field, BIDI_MESSAGE);
    } else if !clean(v) {
        errors.add(field, "contiene caratteri non ammessi");
    }
    v.to_owned()
}

pub fn optional(errors: &mut FieldErrors, field: &str, value: &str, max: usize) -> String {
    let v = value.trim();
    if v.chars().count() > max {
        errors.add(field, format!("al massimo {max} caratteri"));
    } else if has_bidi_control(v) {
        errors.add(field, BIDI_MESSAGE);
    } else if !clean(v.replace(['\n', '\r', '\t'], " ").as_str()) {
        errors.add(field, "contiene caratteri non ammessi");
    }
    v.to_owned()
}

/// Minimal e-mail shape: local@domain.tld, no spaces, one '@'.
pub fn is_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && !domain.contains("..")
                && s.len() <= 254
                && !s.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, ',' | ';' | '<' | '>' | '"'))
        }
        None => false,
    }
}

pub fn email(errors: &mut FieldErrors, field: &str, value: &str, required: bool) -> String {
    let v = value.trim();
    if v.is_empty() {
        if required {
            errors.add(field, "campo obbligatorio");
        }
    } else if !is_email(v) {
        errors.add(field, "indirizzo email non valido");
    }
    v.to_owned()
}

/// A date typed as dd/mm/yyyy or yyyy-mm-dd, returned as ISO yyyy-mm-dd.
pub fn parse_date(s: &str) -> Option<time::Date> {
    let s = s.trim();
    let (y, m, d) = if let Some((d, rest)) = s.split_once('/') {
        let (m, y) = rest.split_once('/')?;
        (y, m, d)
    } else {
        let mut it = s.splitn(3, '-');
        (it.next()?, it.next()?, it.next()?)
    };
    let (y, m, d): (i32, u8, u8) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
    if !(1900..=2200).contains(&y) {
        return None;
    }
    time::Date::from_calendar_date(y, time::Month::try_from(m).ok()?, d).ok()
}

pub fn date(errors: &mut FieldErrors, field: &str, value: &str) -> Option<time::Date> {
    let v = value.trim();
    if v.is_empty() {
        errors.add(field, "campo obbligatorio");
        return None;
    }
    let d = parse_date(v);
    if d.is_none() {
        errors.add(field, "data non valida: usare gg/mm/aaaa");
    }
    d
}

pub fn iso(d: time::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// The same day `n` months later, or the month's last day when it has fewer days
/// (31 August + 6 months = 28/29 February).
pub fn add_months(d: time::Date, n: u32) -> time::Date {
    let months = d.year() * 12 + i32::from(u8::from(d.month())) - 1 + n as i32;
    let (year, month) = (months.div_euclid(12), (months.rem_euclid(12) + 1) as u8);
    let month = time::Month::try_from(month).unwrap_or(time::Month::December);
    let day = d.day().min(time::util::days_in_month(month, year));
    time::Date::from_calendar_date(year, month, day).unwrap_or(d)
}

/// `yyyy-mm-dd` as `dd/mm/yyyy` for people; anything else as it is.
pub fn italian_date(iso: &str) -> String {
    match parse_date(iso) {
        Some(d) => date_it(d),
        None => iso.to_owned(),
    }
}

/// A date for people: `05/12/2026`.
pub fn date_it(d: time::Date) -> String {
    format!("{:02}/{:02}/{:04}", d.day(), u8::from(d.month()), d.year())
}

/// A month's Italian name, lower case as Italian writes it: `dicembre`.
pub fn month_name_it(m: time::Month) -> &'static str {
    use time::Month::*;
    match m {
        January => "gennaio",
        February => "febbraio",
        March => "marzo",
        April => "aprile",
        May => "maggio",
        June => "giugno",
        July => "luglio",
        August => "agosto",
        September => "settembre",
        October => "ottobre",
        November => "novembre",
        December => "dicembre",
    }
}

/// `yyyy-mm` as `dicembre 2026` for people; anything else as it is.
pub fn italian_month(iso_month: &str) -> String {
    let parsed = iso_month.trim().split_once('-').and_then(|(y, m)| {
        let year: i32 = y.parse().ok()?;
        let month = time::Month::try_from(m.parse::<u8>().ok()?).ok()?;
        (y.len() == 4).then_some((year, month))
    });
    match parsed {
        Some((year, month)) => format!("{} {year}", month_name_it(month)),
        None => iso_month.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_read_by_name() {
        assert_eq!(italian_month("2026-12"), "dicembre 2026");
        assert_eq!(italian_month("2027-01"), "gennaio 2027");
        assert_eq!(italian_month("2026-13"), "2026-13");
        assert_eq!(italian_month("dicembre"), "dicembre");
    }

    #[test]
    fn bidirectional_controls_are_refused_with_their_own_message() {
        for c in [
            '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}',
            '\u{200E}', '\u{200F}', '\u{061C}',
        ] {
            let mut e = FieldErrors::default();
            required(&mut e, "cognome", &format!("Ros{c}si"), 100);
            optional(&mut e, "protocollo", &format!("12{c}/2026"), 100);
            let errors = e.into_vec();
            assert_eq!(errors.len(), 2, "{c:?}");
            assert!(errors.iter().all(|f| f.message == BIDI_MESSAGE));
        }
        let mut e = FieldErrors::default();
        required(&mut e, "cognome", "D'Alì-Rossi", 100);
        optional(&mut e, "nota", "عربي e italiano", 100);
        assert!(e.is_empty(), "letters of any script are fine");
    }

    #[test]
    fn months_are_added_on_the_calendar() {
        use time::macros::date;
        assert_eq!(add_months(date!(2026 - 08 - 31), 6), date!(2027 - 02 - 28));
        assert_eq!(add_months(date!(2027 - 08 - 31), 6), date!(2028 - 02 - 29));
        assert_eq!(add_months(date!(2026 - 11 - 26), 2), date!(2027 - 01 - 26));
        assert_eq!(add_months(date!(2026 - 01 - 15), 12), date!(2027 - 01 - 15));
    }

    #[test]
    fn dates_in_both_shapes() {
        assert_eq!(parse_date("26/11/2026").map(iso).as_deref(), Some("2026-11-26"));
        assert_eq!(parse_date("2026-11-26").map(iso).as_deref(), Some("2026-11-26"));
        assert!(parse_date("31/02/2026").is_none());
        assert!(parse_date("2026-13-01").is_none());
        assert!(parse_date("ieri").is_none());
        assert_eq!(italian_date("2026-01-05"), "05/01/2026");
    }

    #[test]
    fn email_shapes() {
        for ok in ["a@b.it", "nome.cognome@ente.example.org"] {
            assert!(is_email(ok), "{ok}");
        }
        for bad in ["", "a", "a@b", "@b.it", "a@.it", "a@b.", "a b@c.it", "a@b@c.it", "a@b.it,c@d.it", "a@b..it"] {
            assert!(!is_email(bad), "{bad}");
        }
    }
}

//! The CPI's voucher assignments as CSV, the way Italian offices export them from
//! spreadsheets: `;` (or `,`) separated, UTF-8 with or without BOM or Windows-1252, header
//! names in any case and order, extra columns ignored, dates dd/mm/yyyy or yyyy-mm-dd.

use super::codice_fiscale::CodiceFiscale;
use super::text::{is_email, iso, parse_date};

/// One valid row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub codice_fiscale: CodiceFiscale,
    pub cognome: String,
    pub nome: String,
    pub birth_date: String,
    pub sex: String,
    pub voucher_code: String,
    pub issued_on: String,
    pub cpi: String,
    pub profiling_band: String,
    /// The provider as the CPI names it: partita IVA / codice fiscale or accreditation code.
    pub ente: String,
    pub chosen_on: String,
    pub email: String,
    pub phone: String,
}

/// A refused row (or header), with the 1-based line and the column.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RowError {
    pub line: usize,
    pub column: String,
    pub reason: String,
}

const REQUIRED: [&str; 11] = [
    "codice_fiscale",
    "cognome",
    "nome",
    "data_nascita",
    "sesso",
    "codice_assegno",
    "data_rilascio",
    "cpi",
    "fascia_profilazione",
    "ente",
    "data_scelta",
];
/// Every column read: the required ones, then the optional email and telefono.
const COLUMNS: [&str; 13] = [
    "codice_fiscale",
    "cognome",
    "nome",
    "data_nascita",
    "sesso",
    "codice_assegno",
    "data_rilascio",
    "cpi",
    "fascia_profilazione",
    "ente",
    "data_scelta",
    "email",
    "telefono",
];

/// Text of the file: UTF-8 (BOM stripped) if it is valid UTF-8, else Windows-1252. Valid
/// UTF-8 is borrowed, not copied (a file can be tens of megabytes).
pub fn decode(bytes: &[u8]) -> (std::borrow::Cow<'_, str>, &'static str) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(s) => (std::borrow::Cow::Borrowed(s), "UTF-8"),
        Err(_) => {
            let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
            (text, "windows-1252")
        }
    }
}

/// Parses a whole file into valid rows (with their line numbers) and refused rows.
pub fn parse(bytes: &[u8]) -> (Vec<(usize, Assignment)>, Vec<RowError>) {
    let (text, _) = decode(bytes);
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    match Rows::new(&text) {
        Err(mut e) => errors.append(&mut e),
        Ok(reader) => {
            for item in reader {
                match item {
                    Ok(row) => rows.push(row),
                    Err(mut e) => errors.append(&mut e),
                }
            }
        }
    }
    (rows, errors)
}

/// The rows of a decoded file, one at a time: an import reads the file once to validate it
/// and once more to write it, holding one row at a time instead of the whole file's rows.
pub struct Rows<'t> {
    text: &'t str,
    records: csv::StringRecordsIntoIter<&'t [u8]>,
    columns: Vec<Option<usize>>,
    lines: LineCounter,
    index: usize,
}

impl<'t> Rows<'t> {
    /// Reads the header; a missing required column refuses the whole file (line 1).
    pub fn new(text: &'t str) -> Result<Self, Vec<RowError>> {
        let first_line = text.lines().next().unwrap_or_default();
        let delimiter = if first_line.matches(';').count() >= first_line.matches(',').count() { b';' } else { b',' };
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let headers: Vec<String> = match reader.headers() {
            Ok(h) => h.iter().map(|h| h.trim().to_lowercase().replace([' ', '-'], "_")).collect(),
            Err(e) => {
                return Err(vec![RowError {
                    line: 1,
                    column: String::new(),
                    reason: format!("intestazione non leggibile: {e}"),
                }]);
            }
        };
        let missing: Vec<RowError> = REQUIRED
            .iter()
            .filter(|c| !headers.iter().any(|h| h == *c))
            .map(|c| RowError {
                line: 1,
                column: (*c).to_owned(),
                reason: "colonna obbligatoria mancante nell'intestazione".into(),
            })
            .collect();
        if !missing.is_empty() {
            return Err(missing);
        }
        let columns = COLUMNS.iter().map(|c| headers.iter().position(|h| h == c)).collect();
        Ok(Self { text, records: reader.into_records(), columns, lines: LineCounter::default(), index: 0 })
    }
}

impl Iterator for Rows<'_> {
    /// A valid row with its line, or the errors of a refused one.
    type Item = Result<(usize, Assignment), Vec<RowError>>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let record = self.records.next()?;
            let i = self.index;
            self.index += 1;
            let record = match record {
                Ok(r) => r,
                Err(e) => {
                    let line = e.position().map_or(i + 2, |p| self.lines.line_at(self.text, p.byte()));
                    return Some(Err(vec![RowError {
                        line,
                        column: String::new(),
                        reason: format!("riga non leggibile: {e}"),
                    }]));
                }
            };
            // The file's own line number (blank lines are skipped by the reader, not by people).
            let line = record.position().map_or(i + 2, |p| self.lines.line_at(self.text, p.byte()));
            if record.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            let columns = &self.columns;
            let get = |name: &str| -> String {
                COLUMNS
                    .iter()
                    .position(|c| *c == name)
                    .and_then(|k| columns.get(k).copied().flatten())
                    .and_then(|i| record.get(i))
                    .unwrap_or_default()
                    .trim()
                    .to_owned()
            };
            return Some(row(line, &get).map(|a| (line, a)));
        }
    }
}

/// Line numbers of records, counted as the reader moves forward: each call counts only the
/// bytes since the previous one, so numbering a whole file is linear in its length (counting
/// from the start for every record made a 100k-row file quadratic).
#[derive(Default)]
struct LineCounter {
    /// Bytes before `counted` hold `line_ends` line ends.
    counted: usize,
    line_ends: usize,
}

impl LineCounter {
    /// 1-based line number of a record whose position the reader gives as `byte`. The reader
    /// may place it on the line ending before the record or before skipped blank lines, so
    /// move past any '\r' and '\n' first, then count the line ends before the record's first
    /// byte.
    fn line_at(&mut self, text: &str, byte: u64) -> usize {
        let bytes = text.as_bytes();
        let mut start = usize::try_from(byte).unwrap_or(usize::MAX).min(bytes.len());
        while bytes.get(start).is_some_and(|b| *b == b'\r' || *b == b'\n') {
            start += 1;
        }
        if start < self.counted {
            // Positions only move forward; should one ever go back, count again from the top.
            *self = Self::default();
        }
        // A lone '\r' ends a line too, for the reader as for an old Mac editor: two records
        // must never share a number.
        let from = self.counted;
        self.line_ends += bytes
            .get(from..start)
            .unwrap_or_default()
            .iter()
            .enumerate()
            .filter(|(i, c)| **c == b'\n' || (**c == b'\r' && bytes.get(from + i + 1) != Some(&b'\n')))
            .count();
        self.counted = start;
        self.line_ends + 1
    }
}

fn row(line: usize, get: &dyn Fn(&str) -> String) -> Result<Assignment, Vec<RowError>> {
    let mut errors = Vec::new();
    let mut err = |column: &str, reason: String| errors.push(RowError { line, column: column.into(), reason });
    let cf = CodiceFiscale::parse(&get("codice_fiscale"));
    if let Err(e) = &cf {
        err("codice_fiscale", e.to_string());
    }
    let mut required = |column: &str, max: usize| {
        let v = get(column);
        if v.is_empty() {
            err(column, "valore mancante".into());
        } else if crate::domain::text::has_bidi_control(&v) {
            err(column, crate::domain::text::BIDI_MESSAGE.into());
        } else if v.chars().count() > max || v.chars().any(char::is_control) {
            err(column, format!("valore non valido (al massimo {max} caratteri)"));
        }
        v
    };
    let cognome = required("cognome", 100);
    let nome = required("nome", 100);
    let voucher_code = required("codice_assegno", 60);
    let cpi = required("cpi", 20);
    let profiling_band = required("fascia_profilazione", 20);
    let ente = required("ente", 40);
    let mut date = |column: &str| match parse_date(&get(column)) {
        Some(d) => iso(d),
        None => {
            err(column, "data non valida: usare gg/mm/aaaa o aaaa-mm-gg".into());
            String::new()
        }
    };
    let birth_date = date("data_nascita");
    let issued_on = date("data_rilascio");
    let chosen_on = date("data_scelta");
    let sex = get("sesso").to_uppercase();
    if sex != "M" && sex != "F" {
        err("sesso", "indicare M o F".into());
    }
    let email = get("email");
    if !email.is_empty() && !is_email(&email) {
        err("email", "indirizzo email non valido".into());
    }
    let phone = get("telefono");
    if phone.chars().count() > 40 || !phone.chars().all(|c| c.is_ascii_digit() || " +./-()".contains(c)) {
        err("telefono", "numero di telefono non valido".into());
    }
    if !issued_on.is_empty() && !chosen_on.is_empty() && chosen_on < issued_on {
        err("data_scelta", "la scelta del soggetto non può precedere il rilascio dell'assegno".into());
    }
    match cf {
        Ok(codice_fiscale) if errors.is_empty() => Ok(Assignment {
            codice_fiscale,
            cognome,
            nome,
            birth_date,
            sex,
            voucher_code,
            issued_on,
            cpi,
            profiling_band,
            ente: ente.to_uppercase(),
            chosen_on,
            email,
            phone,
        }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "codice_fiscale;cognome;nome;data_nascita;sesso;codice_assegno;data_rilascio;cpi;fascia_profilazione;ente;data_scelta";

    #[test]
    fn a_spreadsheet_export_in_windows_1252_with_shuffled_headers() {
        // "Nicolò" in Windows-1252 (ò = 0xF2), headers in another order and case, extra column.
        let mut bytes = b"NOTE;Cognome;Nome;Codice_Fiscale;Data_Nascita;Sesso;Codice_Assegno;Data_Rilascio;CPI;Fascia_Profilazione;Ente;Data_Scelta;Email\r\n".to_vec();
        bytes.extend_from_slice(b"x;Rossi;Nicol\xf2;RSSMRA85T10A562S;10/12/1985;m;ADR-1;01/02/2026;CPI-FI;3;06363391001;2026-02-10;n.rossi@example.it\r\n");
        let (rows, errors) = parse(&bytes);
        assert_eq!(errors, vec![]);
        let (line, a) = &rows[0];
        assert_eq!(*line, 2);
        assert_eq!(a.nome, "Nicolò");
        assert_eq!(a.sex, "M");
        assert_eq!(a.birth_date, "1985-12-10");
        assert_eq!(a.chosen_on, "2026-02-10");
        assert_eq!(decode(&bytes).1, "windows-1252");
    }

    #[test]
    fn utf8_with_bom_and_commas() {
        let text = format!(
            "\u{feff}{}\nRSSMRA85T10A562S,Rossi,Nicolò,1985-12-10,M,ADR-1,2026-02-01,CPI-FI,3,ACC-1,2026-02-10\n",
            HEADER.replace(';', ",")
        );
        let (rows, errors) = parse(text.as_bytes());
        assert_eq!((rows.len(), errors.len()), (1, 0));
        assert_eq!(rows[0].1.nome, "Nicolò");
        assert_eq!(rows[0].1.ente, "ACC-1");
    }

    #[test]
    fn row_errors_name_the_line_and_the_column() {
        let text = format!(
            "{HEADER}\nRSSMRA85T10A562T;Rossi;Mario;10/12/1985;X;ADR-1;01/02/2026;CPI;3;E;31/02/2026\n\n;;;;;;;;;;\nRSSMRA85T10A562S;Rossi;Mario;10/12/1985;M;ADR-2;01/02/2026;CPI;3;E;02/02/2026\n"
        );
        let (rows, errors) = parse(text.as_bytes());
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].0, 5);
        let cols: Vec<(usize, &str)> = errors.iter().map(|e| (e.line, e.column.as_str())).collect();
        assert_eq!(cols, vec![(2, "codice_fiscale"), (2, "data_scelta"), (2, "sesso")]);
    }

    #[test]
    fn line_numbers_survive_blank_lines_in_both_line_endings() {
        for eol in ["\n", "\r\n"] {
            let bad = "RSSMRA85T10A562T;Rossi;Mario;10/12/1985;M;ADR-1;01/02/2026;CPI;3;E;02/02/2026";
            let text = format!("{HEADER}{eol}{eol}{eol}{bad}{eol}{eol}{bad}{eol}");
            let (_, errors) = parse(text.as_bytes());
            let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
            assert_eq!(lines, vec![4, 6], "{eol:?}");
        }
    }

    #[test]
    fn a_lone_carriage_return_ends_a_line_too() {
        // Found by the fuzzer: a stray '\r' inside a row made two records share a line
        // number, one accepted and one refused.
        for eol in ["\r", "\n", "\r\n"] {
            let good = "RSSMRA85T10A562S;Rossi;Mario;10/12/1985;M;ADR-1;01/02/2026;CPI;3;E;02/02/2026";
            let bad = "RSSMRA85T10A562T;Rossi;Mario;10/12/1985;M;ADR-2;01/02/2026;CPI;3;E;02/02/2026";
            let text = format!("{HEADER}\r\n{good}{eol}{bad}\r\n{eol}{good}\n");
            let (rows, errors) = parse(text.as_bytes());
            let accepted: Vec<usize> = rows.iter().map(|(line, _)| *line).collect();
            let refused: Vec<usize> = errors.iter().map(|e| e.line).collect();
            assert_eq!((accepted, refused), (vec![2, 5], vec![3]), "{eol:?}");
        }
    }

    #[test]
    fn line_numbers_stay_right_deep_into_a_long_file() {
        let good = "RSSMRA85T10A562S;Rossi;Mario;10/12/1985;M;ADR-1;01/02/2026;CPI;3;E;02/02/2026";
        let bad = "RSSMRA85T10A562T;Rossi;Mario;10/12/1985;M;ADR-1;01/02/2026;CPI;3;E;02/02/2026";
        let mut text = format!("{HEADER}\r\n");
        let mut expected = Vec::new();
        for line in 2..3000 {
            if line % 997 == 0 {
                text.push_str(bad);
                expected.push(line);
            } else if line % 101 == 0 {
                // a blank line: skipped by the reader, counted by people
            } else {
                text.push_str(good);
            }
            text.push_str(if line % 2 == 0 { "\r\n" } else { "\n" });
        }
        let (rows, errors) = parse(text.as_bytes());
        assert_eq!(errors.iter().map(|e| e.line).collect::<Vec<_>>(), expected);
        assert_eq!(rows.last().map(|(line, _)| *line), Some(2999));
    }

    #[test]
    fn the_line_counter_recounts_if_asked_for_an_earlier_position() {
        let text = "a\nb\nc\n";
        let mut lines = LineCounter::default();
        assert_eq!(lines.line_at(text, 4), 3);
        assert_eq!(lines.line_at(text, 2), 2);
        assert_eq!(lines.line_at(text, 0), 1);
    }

    #[test]
    fn a_missing_column_refuses_the_file() {
        let (rows, errors) = parse(b"codice_fiscale;cognome\nRSSMRA85T10A562S;Rossi\n");
        assert!(rows.is_empty());
        assert!(errors.iter().any(|e| e.line == 1 && e.column == "data_scelta"));
    }
}

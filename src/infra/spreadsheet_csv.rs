//! The one CSV writer of every export: `;`-separated (what Italian spreadsheets open), quoting
//! as RFC 4180, and every cell made safe to open in a spreadsheet.
//!
//! OWASP "CSV Injection": a cell beginning with `=`, `+`, `-`, `@`, tab or carriage return is
//! read as a formula by Excel, LibreOffice and Google Sheets, so operator-typed text could run
//! in the Region's, the CPI's or the auditors' spreadsheets. Such a cell is written with a
//! single quote in front (the spreadsheet shows it as text). A cell that already begins with a
//! single quote gets one more, so the rule is reversible without doubt: a cell beginning with
//! `'` lost exactly one leading `'` ([`original`]). The field separator, quotes and line breaks
//! inside a cell are quoted by the `csv` crate, so a cell cannot start a new cell or row.

/// Characters that make a spreadsheet read a cell as a formula (OWASP), plus the quote
/// itself so that the neutralisation stays reversible.
const NEUTRALISED: [char; 7] = ['=', '+', '-', '@', '\t', '\r', '\''];

/// The cell as written: with a leading `'` when it would otherwise be read as a formula.
pub fn neutralise(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some(c) if NEUTRALISED.contains(&c) => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

/// The value that was neutralised into `cell` (what a program reading our CSV does).
pub fn original(cell: &str) -> &str {
    cell.strip_prefix('\'').unwrap_or(cell)
}

/// Builds one CSV file in memory.
pub struct SpreadsheetCsv {
    inner: csv::Writer<Vec<u8>>,
}

impl SpreadsheetCsv {
    /// Without a byte-order mark.
    pub fn new() -> Self {
        Self::over(Vec::new())
    }

    /// UTF-8 with a byte-order mark, so that Excel does not read it as Windows-1252.
    pub fn with_bom() -> Self {
        Self::over(b"\xEF\xBB\xBF".to_vec())
    }

    fn over(start: Vec<u8>) -> Self {
        Self { inner: csv::WriterBuilder::new().delimiter(b';').from_writer(start) }
    }

    /// One row; every cell neutralised.
    pub fn row<I, S>(&mut self, cells: I) -> Result<(), csv::Error>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.inner.write_record(cells.into_iter().map(|c| neutralise(c.as_ref()).into_owned()))
    }

    pub fn finish(self) -> Result<Vec<u8>, csv::Error> {
        self.inner.into_inner().map_err(|e| csv::Error::from(e.into_error()))
    }

    /// A whole file: a header and rows.
    pub fn file<R, S>(header: &[&str], rows: R) -> Result<Vec<u8>, csv::Error>
    where
        R: IntoIterator,
        R::Item: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut w = Self::new();
        w.row(header)?;
        for r in rows {
            w.row(r)?;
        }
        w.finish()
    }
}

impl Default for SpreadsheetCsv {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_neutralised_and_recoverable() {
        for hostile in
            ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1", "-2+3", "@SUM(1+1)", "\t=1", "\r=1", "'=1", "''"]
        {
            let safe = neutralise(hostile);
            assert!(safe.starts_with('\''), "{hostile:?} -> {safe:?}");
            assert_eq!(original(&safe), hostile);
        }
        for plain in ["Rossi", "", "1", "2026-01-01", " =not a formula for the rule", "a=b"] {
            assert_eq!(neutralise(plain), plain);
            assert_eq!(original(&neutralise(plain)), plain);
        }
    }

    #[test]
    fn cells_cannot_escape_into_new_cells_or_rows() {
        let body = SpreadsheetCsv::file(&["a", "b"], [["x;=1+1", "=2\n=3"], ["\"=4", "ok"]]).unwrap();
        let mut reader = csv::ReaderBuilder::new().delimiter(b';').has_headers(false).from_reader(body.as_slice());
        let rows: Vec<Vec<String>> = reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect();
        assert_eq!(
            rows,
            vec![
                vec!["a".to_owned(), "b".to_owned()],
                vec!["x;=1+1".to_owned(), "'=2\n=3".to_owned()],
                vec!["\"=4".to_owned(), "ok".to_owned()],
            ]
        );
    }

    #[test]
    fn the_bom_comes_first() {
        let mut w = SpreadsheetCsv::with_bom();
        w.row(["=x"]).unwrap();
        assert_eq!(w.finish().unwrap(), b"\xEF\xBB\xBF'=x\n");
    }
}

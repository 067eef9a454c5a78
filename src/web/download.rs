//! Files served as attachments, and the CSV every export screen offers (written by the one
//! spreadsheet-safe writer, `infra::spreadsheet_csv`).

use rocket::Responder;
use rocket::http::{ContentType, Header};

use crate::error::AppError;
use crate::infra::spreadsheet_csv::SpreadsheetCsv;

#[derive(Responder)]
pub struct Attachment {
    body: Vec<u8>,
    content_type: ContentType,
    disposition: Header<'static>,
}

/// `name` is ours (never user text): it goes into the header as is.
pub fn attachment(body: Vec<u8>, content_type: ContentType, name: &str) -> Attachment {
    Attachment {
        body,
        content_type,
        disposition: Header::new("Content-Disposition", format!("attachment; filename=\"{name}\"")),
    }
}

/// A CSV file (`;`-separated, UTF-8, every cell spreadsheet-safe) to download.
pub fn csv_download<R, S>(name: &str, header: &[&str], rows: R) -> Result<Attachment, AppError>
where
    R: IntoIterator,
    R::Item: IntoIterator<Item = S>,
    S: AsRef<str>,
{
    let body = SpreadsheetCsv::file(header, rows).map_err(AppError::internal)?;
    Ok(attachment(body, csv_type(), name))
}

pub fn csv_type() -> ContentType {
    ContentType::new("text", "csv").with_params(("charset", "utf-8"))
}

//! Files handed to the browser as attachments (CSV exports, zips, stored documents).

use rocket::Responder;
use rocket::http::{ContentType, Header};

use crate::error::AppError;

#[derive(Responder)]
pub struct Download {
    body: Vec<u8>,
    content_type: ContentType,
    disposition: Header<'static>,
}

impl Download {
    /// `body` as a file named `name` (the name must be safe in a header: callers build it).
    pub fn attachment(body: Vec<u8>, content_type: ContentType, name: &str) -> Self {
        Download {
            body,
            content_type,
            disposition: Header::new("Content-Disposition", format!("attachment; filename=\"{name}\"")),
        }
    }

    /// A CSV file (`;`-separated, as Italian spreadsheets expect), UTF-8.
    pub fn csv(name: &str, header: &[&str], rows: &[Vec<String>]) -> Result<Self, AppError> {
        let mut w = csv::WriterBuilder::new().delimiter(b';').from_writer(Vec::new());
        w.write_record(header).map_err(AppError::internal)?;
        for r in rows {
            w.write_record(r).map_err(AppError::internal)?;
        }
        let body = w.into_inner().map_err(AppError::internal)?;
        Ok(Self::attachment(body, ContentType::new("text", "csv").with_params(("charset", "utf-8")), name))
    }
}

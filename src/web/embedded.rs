//! The files embedded in the binary (CSS, images, the manual) and the responder that serves
//! one with an ETag (304 when unchanged): shared by the static assets and the manual.

use rocket::http::{ContentType, Header, Status};
use rocket::request::{FromRequest, Outcome, Request};
use rocket::response::{self, Responder, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "assets/"]
pub struct Assets;

/// The `If-None-Match` header, if any.
pub struct IfNoneMatch(pub Option<String>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for IfNoneMatch {
    type Error = std::convert::Infallible;
    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, Self::Error> {
        Outcome::Success(IfNoneMatch(req.headers().get_one("If-None-Match").map(str::to_owned)))
    }
}

/// An embedded file, or just its ETag when the browser already has it (`body` is `None`).
pub struct Asset {
    etag: String,
    body: Option<(std::borrow::Cow<'static, [u8]>, ContentType)>,
}

impl<'r> Responder<'r, 'static> for Asset {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        let mut res = Response::build();
        res.header(Header::new("ETag", self.etag));
        match self.body {
            None => res.status(Status::NotModified).ok(),
            Some((body, content_type)) => {
                res.header(content_type).sized_body(body.len(), std::io::Cursor::new(body)).ok()
            }
        }
    }
}

/// Looks an embedded file up by its path under `assets/`.
pub fn lookup(path: &str, if_none_match: Option<&str>) -> Option<Asset> {
    let file = Assets::get(path)?;
    let etag = format!("\"{}\"", hex::encode(file.metadata.sha256_hash()));
    if if_none_match == Some(etag.as_str()) {
        return Some(Asset { etag, body: None });
    }
    let ext = path.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
    let content_type = ContentType::from_extension(ext).unwrap_or(ContentType::Binary);
    Some(Asset { etag, body: Some((file.data, content_type)) })
}

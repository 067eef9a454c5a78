//! The page a person asked for when the gate sent them to the tracking notice instead, and
//! the way back to it once the notice is acknowledged: shared by the gate, the home page and
//! the notice screen.

use rocket::Request;
use rocket::request::{FromRequest, Outcome};

/// The page a person asked for before the gate sent them to the notice (GET requests only).
pub struct AskedFor(pub Option<String>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for &'r AskedFor {
    type Error = ();
    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        Outcome::Success(req.local_cache(|| AskedFor(None)))
    }
}

/// A path on this server to go back to: absolute, not to another host (`//x`, `/\x`), not the
/// notice itself; anything else goes to the home page.
pub fn back_to(asked: Option<&str>) -> String {
    match asked {
        Some(t)
            if t.starts_with('/')
                && !t.starts_with("//")
                && !t.contains('\\')
                && !t.chars().any(char::is_control)
                && t.len() <= 2000
                && !t.starts_with("/informativa")
                && !t.starts_with("/__") =>
        {
            t.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// `/informativa?torna=…`, the notice with the page to go back to.
pub fn notice_uri(asked: Option<&str>) -> String {
    format!("/informativa?torna={}", crate::web::views::pager::q(&back_to(asked)))
}

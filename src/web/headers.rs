//! Security headers, each with a single owner: Rocket's Shield sets nosniff, frame, HSTS,
//! Referrer-Policy and permissions (see web::app); this fairing sets the CSP and caching.

use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::Header;
use rocket::{Request, Response};

/// No inline script or style anywhere; everything comes from our own origin.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
                   base-uri 'none'";

pub struct SecurityHeaders;

#[rocket::async_trait]
impl Fairing for SecurityHeaders {
    fn info(&self) -> Info {
        Info { name: "security headers", kind: Kind::Response }
    }

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut Response<'r>) {
        res.set_header(Header::new("Content-Security-Policy", CSP));
        // Embedded assets are the same for every user and carry an ETag; everything else may
        // hold personal data and must never be stored by the browser or a proxy.
        let cache = if req.uri().path().as_str().starts_with("/static/") && res.status().code < 400 {
            "private, max-age=3600"
        } else {
            "no-store"
        };
        res.set_header(Header::new("Cache-Control", cache));
    }
}

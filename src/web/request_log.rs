//! One log line per request, with a reference id that error pages show. The only personal
//! datum in it is the operator's codice fiscale; query strings are never logged.

use std::time::Instant;

use rocket::fairing::{Fairing, Info, Kind};
use rocket::{Data, Request, Response};

struct Started(Instant);
struct RequestId(String);
struct OriginalPath(String);
/// The codice fiscale of the person the gate let through, if it did.
struct Person(String);
struct OriginalUri(String);
/// Why the access check refused the card, if it did (`Refusal::code`).
struct Refused(Option<&'static str>);

/// The path the client asked for, before the gate re-routed a refused request.
pub fn original_path(req: &Request<'_>) -> String {
    req.local_cache(|| OriginalPath(req.uri().path().as_str().to_owned())).0.clone()
}

/// Called by the gate once it knows who is asking (never runs the access check itself).
pub fn note_person(req: &Request<'_>, cf: &str) {
    req.local_cache(|| Person(cf.to_owned()));
}

/// Called by the gate when the access check refused the card: the line says why, also on a
/// public page that is then served as to a visitor.
pub fn note_refusal(req: &Request<'_>, reason: &'static str) {
    req.local_cache(|| Refused(Some(reason)));
}

/// The path and query the client asked for, before any re-routing.
pub fn original_uri(req: &Request<'_>) -> String {
    req.local_cache(|| OriginalUri(req.uri().to_string())).0.clone()
}

/// A short random reference for this request, stable for its whole life.
pub fn request_id(req: &Request<'_>) -> String {
    req.local_cache(|| RequestId(format!("{:012x}", crate::infra::pki::random_u64() >> 16))).0.clone()
}

pub struct RequestLog;

#[rocket::async_trait]
impl Fairing for RequestLog {
    fn info(&self) -> Info {
        Info { name: "request log", kind: Kind::Request | Kind::Response }
    }

    async fn on_request(&self, req: &mut Request<'_>, _: &mut Data<'_>) {
        req.local_cache(|| Started(Instant::now()));
        request_id(req);
        original_path(req);
        original_uri(req);
    }

    async fn on_response<'r>(&self, req: &'r Request<'_>, res: &mut Response<'r>) {
        let elapsed = req.local_cache(|| Started(Instant::now())).0.elapsed();
        // What the gate noted, if anything: never run the access check just to log.
        let cf = req.local_cache(|| Person(String::new())).0.clone();
        // Absent from the line unless the gate noted a refusal.
        let refused = req.local_cache(|| Refused(None)).0;
        tracing::info!(
            reference = request_id(req),
            method = req.method().as_str(),
            path = original_path(req),
            status = res.status().code,
            micros = elapsed.as_micros() as u64,
            cf,
            refused,
            "request"
        );
    }
}

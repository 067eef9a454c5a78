//! Deny by default. Before routing, every request that is not on the public list below must
//! come with a certificate that passes the access check, and a state-changing request must
//! come from our own pages. Otherwise the request is re-routed to a handler that answers
//! 401/403: a route added later without a guard is still closed. Role guards then narrow.

use std::sync::Arc;

use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::Method;
use rocket::http::uri::Origin;
use rocket::mtls::Certificate;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::{Data, Route, get, routes};

use crate::access::{AccessControl, Principal, RequestFacts};
use crate::domain::operator::Refusal;
use crate::error::AppError;

/// Where refused requests are re-routed.
const REFUSED_PATH: &str = "/__accesso-negato";

/// Reachable without a certificate (GET/HEAD only): the landing page, the manual, assets.
pub fn is_public(method: Method, path: &str) -> bool {
    matches!(method, Method::Get | Method::Head)
        && (path == "/"
            || path == "/manuale"
            || path.starts_with("/manuale/")
            || path.starts_with("/static/")
            || path == "/favicon.ico")
}

/// The outcome of the access check, computed at most once per request.
#[derive(Clone)]
pub struct GateOutcome(pub Result<Arc<Principal>, AppError>);

/// Runs (or recalls) the access check for this request.
pub async fn outcome<'r>(req: &'r Request<'_>) -> &'r GateOutcome {
    req.local_cache_async(async {
        let access = match req.rocket().state::<Arc<AccessControl>>() {
            Some(a) => a.clone(),
            None => return GateOutcome(Err(AppError::internal("access control not managed"))),
        };
        let cert = req.guard::<Certificate<'_>>().await.succeeded();
        let path = crate::web::request_log::original_path(req);
        let facts = RequestFacts {
            cert_der: cert.as_ref().map(|c| c.as_bytes()),
            ip: req.client_ip().map(|ip| ip.to_string()),
            method: req.method().as_str(),
            path: &path,
        };
        GateOutcome(access.authenticate(&facts).await.map(Arc::new))
    })
    .await
}

/// Why the gate stopped a request; read by the refusal handler.
struct Stopped(Option<AppError>);

pub struct Gate;

#[rocket::async_trait]
impl Fairing for Gate {
    fn info(&self) -> Info {
        Info { name: "deny-by-default access gate", kind: Kind::Request }
    }

    async fn on_request(&self, req: &mut Request<'_>, _: &mut Data<'_>) {
        if is_public(req.method(), req.uri().path().as_str()) {
            return;
        }
        let verdict = match &outcome(req).await.0 {
            Err(e) => Err(e.clone()),
            Ok(principal) => match foreign_request(req) {
                None => Ok(()),
                Some(Foreign::CrossSite) => {
                    let access = req.rocket().state::<Arc<AccessControl>>().cloned();
                    Err(match access {
                        Some(a) => {
                            a.refuse_principal(
                                principal,
                                Refusal::CrossSite,
                                req.method().as_str(),
                                req.uri().path().as_str(),
                            )
                            .await
                        }
                        None => AppError::internal("access control not managed"),
                    })
                }
                Some(Foreign::ContentType) => Err(AppError::UnsupportedMediaType),
            },
        };
        if let Err(e) = verdict {
            req.local_cache(|| Stopped(Some(e)));
            req.set_method(Method::Get);
            if let Ok(uri) = Origin::parse(REFUSED_PATH) {
                req.set_uri(uri);
            }
        }
    }
}

enum Foreign {
    CrossSite,
    ContentType,
}

/// The browser sends the card to any site that asks, like a cookie. A state-changing request
/// must say it comes from our own origin; API writes must use a content type no HTML form can
/// send (no CORS is ever granted, so a hostile page cannot send one).
fn foreign_request(req: &Request<'_>) -> Option<Foreign> {
    if matches!(req.method(), Method::Get | Method::Head | Method::Options) {
        return None;
    }
    let headers = req.headers();
    if let Some(site) = headers.get_one("Sec-Fetch-Site")
        && !matches!(site, "same-origin" | "none")
    {
        return Some(Foreign::CrossSite);
    }
    if let Some(origin) = headers.get_one("Origin") {
        let ours = headers.get_one("Host").map(|h| format!("https://{h}"));
        if ours.as_deref() != Some(origin) {
            return Some(Foreign::CrossSite);
        }
    }
    if req.uri().path().as_str().starts_with("/api/") {
        let allowed = req.content_type().is_some_and(|ct| {
            matches!(
                (ct.top().as_str(), ct.sub().as_str()),
                ("application", "json") | ("application", "xml") | ("text", "xml") | ("text", "csv")
            )
        });
        if !allowed {
            return Some(Foreign::ContentType);
        }
    }
    None
}

/// Request guard for the refusal handler.
struct StoppedBy(AppError);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for StoppedBy {
    type Error = ();
    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        match &req.local_cache(|| Stopped(None)).0 {
            Some(e) => Outcome::Success(StoppedBy(e.clone())),
            // Someone asked for the refusal path directly.
            None => Outcome::Success(StoppedBy(AppError::NotFound)),
        }
    }
}

#[get("/__accesso-negato")]
fn refused(stopped: StoppedBy) -> AppError {
    stopped.0
}

pub fn routes() -> Vec<Route> {
    routes![refused]
}

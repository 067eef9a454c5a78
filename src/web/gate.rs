//! Deny by default. Before routing, every request that is not on the public list below must
//! come with a certificate that passes the access check, and a state-changing request must
//! come from our own pages. Otherwise the request is re-routed to a handler that answers
//! 401/403: a route added later without a guard is still closed. Role guards then narrow.

use std::sync::Arc;

use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::Method;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::{Data, Route, get, routes};

use crate::access::{AccessControl, Principal, RequestFacts, form_token};
use crate::domain::operator::Refusal;
use crate::error::AppError;

/// Name of the hidden field; it must be the FIRST field of every form, because the gate reads
/// it from the first bytes of the body (what Rocket lets a fairing peek at).
pub const TOKEN_FIELD: &str = "_token";

/// Reachable without a certificate (GET/HEAD only): the landing page, the manual, assets.
/// Matched on the decoded path segments, as Rocket routes them, never on the raw text.
pub fn is_public(method: Method, segments: &[&str]) -> bool {
    matches!(method, Method::Get | Method::Head)
        && match segments {
            [] => true,
            ["manuale"] | ["manuale", _] | ["manuale", "img", _] => true,
            ["static", rest @ ..] => !rest.is_empty(),
            _ => false,
        }
}

fn segments<'a>(req: &'a Request<'_>) -> Vec<&'a str> {
    req.uri().path().segments().collect()
}

/// The outcome of the access check, computed at most once per request.
#[derive(Clone)]
pub struct GateOutcome(pub Result<Arc<Principal>, AppError>);

/// Runs (or recalls) the access check for this request.
pub async fn outcome<'r>(req: &'r Request<'_>) -> &'r GateOutcome {
    req.local_cache_async(async {
        let access = match req.rocket().state::<Arc<AccessControl>>() {
            Some(a) => a.clone(),
            None => return GateOutcome(Err(AppError::unexpected("access control not managed"))),
        };
        let path = crate::web::request_log::original_path(req);
        let facts = RequestFacts {
            now: crate::web::request_time::of(req),
            cert_der: card(req),
            ip: req.client_ip().map(|ip| ip.to_string()),
            method: req.method().as_str(),
            path: &path,
        };
        let outcome = access.authenticate(&facts).await.map(Arc::new);
        note(req, &outcome);
        GateOutcome(outcome)
    })
    .await
}

/// The client certificate (DER) that rustls verified in the handshake, handed over by the
/// front door in the request's local cache (`front::dispatch`). Rocket's own `Certificate`
/// guard would have had it encoded as PEM, decoded and parsed again for every request: a
/// fifth of the floor's time. The access check parses it once per fingerprint.
#[derive(Clone, Default)]
pub struct ClientCertificate(pub Option<Arc<[u8]>>);

/// The client certificate, if the browser presented one.
fn card<'r>(req: &'r Request<'_>) -> Option<&'r [u8]> {
    req.local_cache(ClientCertificate::default).0.as_deref()
}

/// What the request log line says about the access check: who, or why refused.
fn note(req: &Request<'_>, outcome: &Result<Arc<Principal>, AppError>) {
    match outcome {
        Ok(p) => crate::web::request_log::note_person(req, &p.operator().codice_fiscale.to_string()),
        Err(AppError::Refused(refusal)) => crate::web::request_log::note_refusal(req, refusal.code()),
        Err(_) => {}
    }
}

/// The person on a public page (the manual), to show their own menu: the card's holder when
/// the access check lets them in, nobody otherwise. A refused card reads the page as a
/// visitor, after its `access.denied` row (as anywhere else: a revoked card probing here is
/// seen by the repeated-refusal rule). A request another site makes (an image, a fetch) runs
/// no check at all: it would write the day's login, or a refusal, in the card holder's name.
#[derive(Clone)]
struct Recognised(Option<Arc<Principal>>);

pub async fn recognised(req: &Request<'_>) -> Option<Arc<Principal>> {
    req.local_cache_async(async {
        if followed_from_another_site(req) || foreign_request(req, false).is_some() {
            return Recognised(None);
        }
        let (Some(access), Some(cert)) = (req.rocket().state::<Arc<AccessControl>>(), card(req)) else {
            return Recognised(None);
        };
        let path = crate::web::request_log::original_path(req);
        let facts = RequestFacts {
            now: crate::web::request_time::of(req),
            cert_der: Some(cert),
            ip: req.client_ip().map(|ip| ip.to_string()),
            method: req.method().as_str(),
            path: &path,
        };
        // A refusal's row, or a failure to write it, still leaves the public page readable.
        let outcome = access.authenticate(&facts).await.map(Arc::new);
        note(req, &outcome);
        Recognised(outcome.ok())
    })
    .await
    .0
    .clone()
}

/// Why the gate stopped a request; read by the refusal handler.
struct Stopped(Option<AppError>);

pub struct Gate;

#[rocket::async_trait]
impl Fairing for Gate {
    fn info(&self) -> Info {
        Info { name: "deny-by-default access gate", kind: Kind::Request }
    }

    async fn on_request(&self, req: &mut Request<'_>, data: &mut Data<'_>) {
        if is_public(req.method(), &segments(req)) {
            return;
        }
        if followed_from_another_site(req) {
            // No data, no audit row (not even the day's login): a page with a link to go on.
            req.local_cache(|| Followed(Some(crate::web::request_log::original_uri(req))));
            req.set_method(Method::Get);
            req.set_uri(rocket::uri!("/__da-altro-sito"));
            return;
        }
        let verdict = match &outcome(req).await.0 {
            Err(e) => Err(e.clone()),
            Ok(principal) => {
                let overridden = method_overridden(req, data).await;
                match foreign_request(req, overridden) {
                    Some(Foreign::CrossSite) => Err(refuse(req, principal, Refusal::CrossSite).await),
                    Some(Foreign::ContentType) => Err(AppError::UnsupportedMediaType),
                    None if needs_form_token(req) => match form_token(req, principal, data).await {
                        form_token::Check::Valid => Ok(()),
                        form_token::Check::Expired => Err(refuse(req, principal, Refusal::FormExpired).await),
                        form_token::Check::Invalid => Err(refuse(req, principal, Refusal::CrossSite).await),
                    },
                    None => Ok(()),
                }
            }
        };
        if let Err(e) = verdict {
            req.local_cache(|| Stopped(Some(e)));
            req.set_method(Method::Get);
            // A literal checked at compile time: the rewrite cannot fail and let the request through.
            req.set_uri(rocket::uri!("/__accesso-negato"));
        } else if notice_pending(req).await {
            // Back there after the acknowledgement; a form posted meanwhile is not replayed.
            let asked = (req.method() == Method::Get).then(|| crate::web::request_log::original_uri(req));
            req.local_cache(|| crate::web::asked_for::AskedFor(asked));
            req.set_method(Method::Get);
            req.set_uri(rocket::uri!("/__informativa"));
        }
    }
}

/// A page request (not the API, not the notice itself) of someone who has not acknowledged
/// the current tracking notice. If the check itself fails, the page is held back too.
async fn notice_pending(req: &Request<'_>) -> bool {
    let segs = segments(req);
    if matches!(segs.first(), Some(&"api") | Some(&"informativa") | Some(&"__informativa")) {
        return false;
    }
    let (Some(notice), Some(pool)) = (
        req.rocket().state::<Arc<crate::service::notice::Notice>>(),
        req.rocket().state::<Arc<crate::repo::pool::ReadPool>>(),
    ) else {
        return false;
    };
    if !notice.required() {
        return false;
    }
    match &outcome(req).await.0 {
        Ok(principal) => !notice.is_acknowledged(pool, principal.operator().id).await.unwrap_or(false),
        Err(_) => false,
    }
}

/// The audited refusal of a request that did not come from our own pages.
async fn refuse(req: &Request<'_>, principal: &Principal, refusal: Refusal) -> AppError {
    match req.rocket().state::<Arc<AccessControl>>() {
        Some(access) => {
            access.refuse_principal(principal, refusal, req.method().as_str(), req.uri().path().as_str()).await
        }
        None => AppError::unexpected("access control not managed"),
    }
}

/// HTML form posts (every unsafe request outside the API) must carry the form token.
fn needs_form_token(req: &Request<'_>) -> bool {
    !matches!(req.method(), Method::Get | Method::Head) && segments(req).first() != Some(&"api")
}

async fn form_token(req: &Request<'_>, principal: &Principal, data: &mut Data<'_>) -> form_token::Check {
    let Some(secret) = req.rocket().state::<crate::web::FormSecret>() else { return form_token::Check::Invalid };
    let now = crate::web::request_time::of(req);
    let head = data.peek(512).await;
    match posted_token(head) {
        Some(token) => form_token::check(&secret.0, &principal.cert().sha256, &token, now),
        None => form_token::Check::Invalid,
    }
}

/// The posted token in the first bytes of a urlencoded or multipart body.
pub fn posted_token(head: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(head);
    if let Some(rest) = text.strip_prefix("_token=") {
        return Some(rest.split('&').next().unwrap_or_default().to_owned());
    }
    // multipart: ...name="_token"\r\n\r\nVALUE\r\n--boundary
    let after = text.split_once("name=\"_token\"")?.1;
    let value = after.split_once("\r\n\r\n")?.1;
    Some(value.split("\r\n").next().unwrap_or_default().trim().to_owned())
}

/// Rocket turned a form POST into another method because its first field is `_method`.
/// None of our forms does that; it is honoured only from our own origin.
async fn method_overridden(req: &Request<'_>, data: &mut Data<'_>) -> bool {
    req.method() != Method::Post
        && req.content_type().is_some_and(|ct| ct.is_form())
        && data.peek("_method=".len()).await.starts_with(b"_method=")
}

enum Foreign {
    CrossSite,
    ContentType,
}

/// A GET or HEAD that is a top-level navigation from another site (a link on its page): every
/// page here writes an audit row in the card holder's name, and another site must not make
/// the browser do that. Not for a form post turned into a GET by `_method` (refused instead).
fn followed_from_another_site(req: &Request<'_>) -> bool {
    let headers = req.headers();
    matches!(req.method(), Method::Get | Method::Head)
        && headers.get_one("Sec-Fetch-Site") == Some("cross-site")
        && is_navigation(req)
        && !req.content_type().is_some_and(|ct| ct.is_form())
}

fn is_navigation(req: &Request<'_>) -> bool {
    let headers = req.headers();
    headers.get_one("Sec-Fetch-Mode") == Some("navigate")
        && matches!(headers.get_one("Sec-Fetch-Dest"), Some("document") | None)
}

/// The browser sends the card to any site that asks, like a cookie. A state-changing request
/// must say it comes from our own origin; API writes must use a content type no HTML form can
/// send (no CORS is ever granted, so a hostile page cannot send one). Only GET and HEAD are
/// safe, and only when the method is the one the browser sent: Rocket's `_method` override
/// (a form field) is honoured from our own origin only.
fn foreign_request(req: &Request<'_>, overridden: bool) -> Option<Foreign> {
    let headers = req.headers();
    let site = headers.get_one("Sec-Fetch-Site");
    if overridden && !(site == Some("same-origin") || (site.is_none() && origin_is_ours(req))) {
        return Some(Foreign::CrossSite);
    }
    if matches!(req.method(), Method::Get | Method::Head) {
        // Reads change nothing, but every page here writes an audit row in the card holder's
        // name: it is written only for our own pages, a link from a sibling site of the same
        // site, or an address typed or bookmarked ("none", or no header: not a browser). A
        // link from another site never gets here (see `followed_from_another_site`); an <img>
        // or a fetch from another site, or from a sibling one, is refused.
        return match site {
            Some("cross-site") => Some(Foreign::CrossSite),
            Some("same-site") if !is_navigation(req) => Some(Foreign::CrossSite),
            _ => None,
        };
    }
    if let Some(site) = headers.get_one("Sec-Fetch-Site")
        && !matches!(site, "same-origin" | "none")
    {
        return Some(Foreign::CrossSite);
    }
    if headers.get_one("Origin").is_some() && !origin_is_ours(req) {
        return Some(Foreign::CrossSite);
    }
    if segments(req).first() == Some(&"api") {
        // Only types a browser cannot send cross-site without a CORS preflight (which we never
        // grant). multipart/form-data is "simple", so it also needs a custom header.
        let allowed = req.content_type().is_some_and(|ct| {
            matches!(
                (ct.top().as_str(), ct.sub().as_str()),
                ("application", "json")
                    | ("application", "xml")
                    | ("text", "xml")
                    | ("text", "csv")
                    | ("application", "pdf")
                    | ("application", "pkcs7-mime")
                    | ("application", "octet-stream")
            ) || (ct.is_form_data() && headers.get_one(API_CLIENT_HEADER).is_some())
        });
        if !allowed {
            return Some(Foreign::ContentType);
        }
    }
    None
}

/// The request's Origin is this server (the Host header the front door passed on).
fn origin_is_ours(req: &Request<'_>) -> bool {
    let ours = req.host().map(|h| format!("https://{h}").to_ascii_lowercase());
    match (req.headers().get_one("Origin"), ours) {
        (Some(origin), Some(ours)) => origin.to_ascii_lowercase() == ours,
        _ => false,
    }
}

/// The header an API client adds to a multipart upload (any value): a browser cannot add it
/// cross-site without a preflight.
pub const API_CLIENT_HEADER: &str = "X-Ricolloca-Client";

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

/// Where a link from another site was going (a path and query on this server).
struct Followed(Option<String>);

struct FollowedTo(Option<String>);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for FollowedTo {
    type Error = ();
    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        Outcome::Success(FollowedTo(req.local_cache(|| Followed(None)).0.clone()))
    }
}

/// The page a link from another site lands on: nothing about anyone, a link to go on (a
/// click here is same-origin), and no audit row.
#[get("/__da-altro-sito")]
fn followed(to: FollowedTo) -> Result<maud::Markup, AppError> {
    let Some(target) = to.0.filter(|t| t.starts_with('/') && !t.starts_with("//")) else {
        return Err(AppError::NotFound);
    };
    Ok(crate::web::views::layout::page(
        None,
        "Collegamento da un altro sito",
        None,
        maud::html! {
            h1 { "Collegamento da un altro sito" }
            p { "Questa pagina è stata aperta da un collegamento che si trova su un altro sito. Le pagine di Ricolloca con dati personali si aprono solo dalle pagine di Ricolloca o dalla barra degli indirizzi: ogni apertura viene registrata a nome della persona che ha inserito la carta, e un altro sito non deve poterlo fare al suo posto." }
            p { a.button href=(target) { "Apri la pagina" } " " a href="/" { "Vai alla pagina iniziale" } }
        },
    ))
}

pub fn routes() -> Vec<Route> {
    routes![refused, followed]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_found_first_in_either_encoding() {
        assert_eq!(posted_token(b"_token=abc123&name=x").as_deref(), Some("abc123"));
        let multipart = b"------b\r\nContent-Disposition: form-data; name=\"_token\"\r\n\r\nabc123\r\n------b\r\n";
        assert_eq!(posted_token(multipart).as_deref(), Some("abc123"));
        assert_eq!(posted_token(b"name=x&_token=abc"), None);
    }
}

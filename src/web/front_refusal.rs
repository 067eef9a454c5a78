//! Requests the front door refused before Rocket (a body too large or too slow, the memory for
//! bodies busy) still get the Italian error page, or JSON under `/api/`: the front hands them
//! in without their body, marked with [`HEADER`] (any copy the client sent is dropped by the
//! front), and this fairing routes them to a handler that answers that status.

use rocket::fairing::{Fairing, Info, Kind};
use rocket::http::{Method, Status};
use rocket::request::{FromRequest, Outcome, Request};
use rocket::{Data, Route, get, routes};

/// Set by the front door only.
pub const HEADER: &str = "X-Ricolloca-Front-Refusal";

struct Refused(Option<Status>);

pub struct FrontRefusal;

#[rocket::async_trait]
impl Fairing for FrontRefusal {
    fn info(&self) -> Info {
        Info { name: "refusals of the front door", kind: Kind::Request }
    }

    async fn on_request(&self, req: &mut Request<'_>, _: &mut Data<'_>) {
        let Some(status) = req.headers().get_one(HEADER).and_then(|v| v.parse().ok()).and_then(Status::from_code)
        else {
            return;
        };
        req.local_cache(|| Refused(Some(status)));
        req.set_method(Method::Get);
        req.set_uri(rocket::uri!("/__limite"));
    }
}

struct RefusedWith(Status);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for RefusedWith {
    type Error = ();
    async fn from_request(req: &'r Request<'_>) -> Outcome<Self, ()> {
        match req.local_cache(|| Refused(None)).0 {
            Some(status) => Outcome::Success(RefusedWith(status)),
            // Someone asked for the path directly.
            None => Outcome::Success(RefusedWith(Status::NotFound)),
        }
    }
}

#[get("/__limite")]
fn refused(r: RefusedWith) -> Status {
    r.0
}

pub fn routes() -> Vec<Route> {
    routes![refused]
}

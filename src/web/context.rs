//! What handlers share about the request they answer: the path asked for, the audited
//! refusal of an object the person may not see, and the audit row of a read.

use rocket::Request;
use serde_json::Value;

use crate::access::{AccessControl, Principal};
use crate::domain::audit_event::{Actor, AuditEvent, View};
use crate::error::AppError;
use crate::infra::clock::{SharedClock, Timestamp};

/// The time of this request, read from the clock once (by the gate, before the access check)
/// and the same for everything the request does.
pub fn request_time(req: &Request<'_>) -> Timestamp {
    req.local_cache(|| {
        let clock = req.rocket().state::<SharedClock>();
        RequestTime(clock.map_or(Timestamp::EPOCH, |c| c.now()))
    })
    .0
}

/// The request's time as a guard: `now.get()` in a handler.
#[derive(Debug, Clone, Copy)]
pub struct RequestTime(Timestamp);

impl RequestTime {
    pub fn get(self) -> Timestamp {
        self.0
    }
}

#[rocket::async_trait]
impl<'r> rocket::request::FromRequest<'r> for RequestTime {
    type Error = std::convert::Infallible;
    async fn from_request(req: &'r Request<'_>) -> rocket::request::Outcome<Self, Self::Error> {
        rocket::request::Outcome::Success(RequestTime(request_time(req)))
    }
}

/// The path of this request, as Rocket routed it (for the audit row of a refusal).
pub struct RequestPath(pub String);

#[rocket::async_trait]
impl<'r> rocket::request::FromRequest<'r> for RequestPath {
    type Error = std::convert::Infallible;
    async fn from_request(req: &'r Request<'_>) -> rocket::request::Outcome<Self, Self::Error> {
        rocket::request::Outcome::Success(RequestPath(req.uri().path().to_string()))
    }
}

/// An object the person may not see (or that does not exist): audited as a denied attempt,
/// then answered 404.
pub async fn not_found(access: &AccessControl, principal: &Principal, method: &str, path: &str) -> AppError {
    access.refuse_as_not_found(principal, method, path).await
}

/// Writes the audit row of a read before the page or file leaves.
pub async fn audit_view(
    access: &AccessControl,
    actor: &Actor,
    view: View,
    object: Option<String>,
    detail: Value,
) -> Result<(), AppError> {
    access.audit(actor.clone(), AuditEvent::View { view, object, detail }).await
}

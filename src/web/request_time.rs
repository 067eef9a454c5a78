//! The request's time, read once per request: by the gate (before the access check), then
//! by the request context (`web::ctx::Ctx`) for the handler. Apart from `ctx.rs` because the
//! gate and the form-token guard need it too, and `ctx.rs` stands on them.

use crate::infra::clock::{SharedClock, Timestamp};
use rocket::Request;

/// The time of this request, read from the clock once (by the gate, before the access check)
/// and the same for everything the request does.
pub fn of(req: &Request<'_>) -> Timestamp {
    req.local_cache(|| {
        let clock = req.rocket().state::<SharedClock>();
        RequestTime(clock.map_or(Timestamp::EPOCH, |c| c.now()))
    })
    .0
}

/// The request's time in the request's local cache.
struct RequestTime(Timestamp);

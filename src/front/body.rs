//! Reads a request body whole, as Rocket's public dispatch API takes it: within the size limit,
//! at the minimum rate (Apache mod_reqtimeout's rule: a grace period, then each `min_rate`
//! bytes received buy one more second), and within a memory budget shared by all requests,
//! so that many large bodies at once cannot exhaust memory.

use std::sync::Arc;
use std::time::Duration;

use bytes::Buf;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

/// Budget units: the semaphore counts KiB.
const UNIT: u64 = 1024;

pub struct BodyLimits {
    pub max_bytes: u64,
    pub grace: Duration,
    pub min_rate: u64,
    /// KiB of bodies in memory at once.
    pub budget: Arc<Semaphore>,
}

#[derive(Debug)]
pub enum BodyError {
    TooLarge,
    TooSlow,
    /// The memory budget stayed exhausted until the body's deadline.
    Busy,
    /// The client went away or broke the framing.
    Broken,
}

/// The body and its share of the memory budget (released when dropped, after the handler).
pub struct WholeBody {
    pub bytes: Vec<u8>,
    pub _permit: Option<OwnedSemaphorePermit>,
}

/// Reads the body whole. The caller keeps `body`: after a refusal it is drained by [`discard`].
pub async fn read_whole(
    body: &mut Incoming,
    declared: Option<u64>,
    limits: &BodyLimits,
) -> Result<WholeBody, BodyError> {
    if declared.is_some_and(|n| n > limits.max_bytes) {
        return Err(BodyError::TooLarge);
    }
    let start = Instant::now();
    let deadline =
        |received: u64| start + limits.grace + Duration::from_secs_f64(received as f64 / limits.min_rate.max(1) as f64);
    let units_for = |n: u64| u32::try_from(n.div_ceil(UNIT)).unwrap_or(u32::MAX);
    let mut permit: Option<OwnedSemaphorePermit> = None;
    let mut reserved: u32 = 0;
    // A declared length is reserved at once; a chunked body as it comes.
    if let Some(n) = declared {
        reserved = units_for(n);
        permit = Some(acquire(&limits.budget, reserved, deadline(0)).await?);
    }
    let mut bytes = Vec::with_capacity(declared.unwrap_or(0).min(limits.max_bytes) as usize);
    loop {
        let frame = match tokio::time::timeout_at(deadline(bytes.len() as u64), body.frame()).await {
            Err(_) => return Err(BodyError::TooSlow),
            Ok(None) => break,
            Ok(Some(Err(_))) => return Err(BodyError::Broken),
            Ok(Some(Ok(frame))) => frame,
        };
        let Ok(mut data) = frame.into_data() else { continue };
        let total = bytes.len() as u64 + data.remaining() as u64;
        if total > limits.max_bytes {
            return Err(BodyError::TooLarge);
        }
        let needed = units_for(total);
        if needed > reserved {
            let more = acquire(&limits.budget, needed - reserved, deadline(bytes.len() as u64)).await?;
            match permit.as_mut() {
                Some(p) => p.merge(more),
                None => permit = Some(more),
            }
            reserved = needed;
        }
        while data.has_remaining() {
            let chunk = data.chunk();
            bytes.extend_from_slice(chunk);
            let n = chunk.len();
            data.advance(n);
        }
    }
    Ok(WholeBody { bytes, _permit: permit })
}

/// How long a refused body is read and thrown away before the connection closes.
pub const LINGER: Duration = Duration::from_secs(5);

/// Reads and throws away what is left of a refused body, for at most `within` and `max_bytes`.
///
/// A server that closes with unread request bytes in its receive buffer makes the kernel send
/// a reset, and the reset can destroy the refusal (the 413 page) before the client has read it:
/// the client sees "connection reset" instead of the Italian page. Reading the rest for a short
/// while first is what nginx calls a lingering close. Nothing is kept in memory.
pub async fn discard(mut body: Incoming, max_bytes: u64, within: Duration) {
    let until = Instant::now() + within;
    let mut seen: u64 = 0;
    while seen <= max_bytes {
        match tokio::time::timeout_at(until, body.frame()).await {
            Ok(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    seen += data.remaining() as u64;
                }
            }
            _ => break,
        }
    }
}

async fn acquire(budget: &Arc<Semaphore>, units: u32, until: Instant) -> Result<OwnedSemaphorePermit, BodyError> {
    match tokio::time::timeout_at(until, budget.clone().acquire_many_owned(units)).await {
        Ok(Ok(p)) => Ok(p),
        Ok(Err(_)) | Err(_) => Err(BodyError::Busy),
    }
}

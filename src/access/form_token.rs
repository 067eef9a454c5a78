//! Form tokens: HTML forms carry `HMAC(secret, period, certificate fingerprint)`, so a page on
//! another site cannot post a form with the victim's card even if the browser sends it. The
//! token changes every day (Italian local day): one seen on a screen or in a log is worth
//! nothing the day after. A form opened before midnight still posts for [`GRACE_MS`] after it.
//! The secret lives in the data file, so tokens survive restarts and stay per-installation.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::infra::clock::{local_day_of, local_day_start};

type HmacSha256 = Hmac<Sha256>;

/// Settings key of the secret.
pub const SECRET_KEY: &str = "form_token_secret";

/// How long after midnight the previous day's token is still accepted.
pub const GRACE_MS: i64 = 2 * 3_600_000;

/// How far back a token is recognised as expired (rather than forged), for the message.
const RECOGNISED_DAYS: i64 = 31;

/// What a posted token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    Valid,
    /// Ours, but of an earlier day: the form was left open too long.
    Expired,
    Invalid,
}

fn mac(secret: &[u8], cert_sha256: &str, day: i64) -> Option<HmacSha256> {
    // HMAC accepts keys of any length; None is unreachable.
    let mut mac = HmacSha256::new_from_slice(secret).ok()?;
    mac.update(b"ricolloca/form-token/v2\0");
    mac.update(&day.to_be_bytes());
    mac.update(cert_sha256.as_bytes());
    Some(mac)
}

/// The token of this card for the day of `now_ms`.
pub fn token(secret: &[u8], cert_sha256: &str, now_ms: i64) -> String {
    mac(secret, cert_sha256, local_day_of(now_ms)).map(|m| hex::encode(m.finalize().into_bytes())).unwrap_or_default()
}

/// Constant-time check of a posted token: today's, or yesterday's in the first hours of today.
pub fn check(secret: &[u8], cert_sha256: &str, posted: &str, now_ms: i64) -> Check {
    let Ok(posted) = hex::decode(posted) else { return Check::Invalid };
    let today = local_day_of(now_ms);
    let matches = |day: i64| mac(secret, cert_sha256, day).is_some_and(|m| m.verify_slice(&posted).is_ok());
    if matches(today) || (now_ms - local_day_start(today) < GRACE_MS && matches(today - 1)) {
        return Check::Valid;
    }
    if (1..=RECOGNISED_DAYS).any(|back| matches(today - back)) {
        return Check::Expired;
    }
    Check::Invalid
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600_000;

    #[test]
    fn tokens_bind_to_the_certificate_the_secret_and_the_day() {
        let monday_noon = local_day_start(20_000) + 12 * HOUR;
        let t = token(b"secret-one", "aa", monday_noon);
        assert_eq!(check(b"secret-one", "aa", &t, monday_noon + HOUR), Check::Valid);
        assert_eq!(check(b"secret-one", "bb", &t, monday_noon), Check::Invalid);
        assert_eq!(check(b"secret-two", "aa", &t, monday_noon), Check::Invalid);
        assert_eq!(check(b"secret-one", "aa", "", monday_noon), Check::Invalid);
        assert_eq!(check(b"secret-one", "aa", "zz", monday_noon), Check::Invalid);
        // The next day's token differs; Monday's still posts just after midnight, not later.
        let tuesday = local_day_start(20_001);
        assert_ne!(token(b"secret-one", "aa", tuesday), t);
        assert_eq!(check(b"secret-one", "aa", &t, tuesday + HOUR), Check::Valid);
        assert_eq!(check(b"secret-one", "aa", &t, tuesday + 3 * HOUR), Check::Expired);
        assert_eq!(check(b"secret-one", "aa", &t, tuesday + 40 * 24 * HOUR), Check::Invalid);
    }
}

//! Form tokens: HTML forms carry `HMAC(secret, certificate fingerprint)`, so a page on
//! another site cannot post a form with the victim's card even if the browser sends it.
//! The secret lives in the data file, so tokens survive restarts and stay per-installation.

use hmac::{Hmac, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// Settings key of the secret.
pub const SECRET_KEY: &str = "form_token_secret";

pub fn token(secret: &[u8], cert_sha256: &str) -> String {
    match HmacSha256::new_from_slice(secret) {
        Ok(mut mac) => {
            mac.update(b"ricolloca/form-token\0");
            mac.update(cert_sha256.as_bytes());
            hex::encode(mac.finalize().into_bytes())
        }
        // HMAC accepts keys of any length; unreachable, and an empty token never verifies.
        Err(_) => String::new(),
    }
}

/// Constant-time check of a posted token.
pub fn verify(secret: &[u8], cert_sha256: &str, posted: &str) -> bool {
    let Ok(posted) = hex::decode(posted) else {
        return false;
    };
    let Ok(mut mac) = HmacSha256::new_from_slice(secret) else {
        return false;
    };
    mac.update(b"ricolloca/form-token\0");
    mac.update(cert_sha256.as_bytes());
    mac.verify_slice(&posted).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_bind_to_the_certificate_and_the_secret() {
        let t = token(b"secret-one", "aa");
        assert!(verify(b"secret-one", "aa", &t));
        assert!(!verify(b"secret-one", "bb", &t));
        assert!(!verify(b"secret-two", "aa", &t));
        assert!(!verify(b"secret-one", "aa", ""));
        assert!(!verify(b"secret-one", "aa", "zz"));
    }
}

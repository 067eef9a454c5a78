//! `[connections]`: the limits the front door enforces on every client, before any
//! certificate is known. Defaults and the reason for each are in the manual
//! (`/manuale/backup`, "Limiti delle connessioni") and in packaging/ricolloca.toml.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Descriptors kept for everything but client connections: the data file with its WAL and
/// shared memory for the writer and each reader, the logs, the checkpoint file, the status
/// socket, a backup being written, the CRL files being re-read.
pub const RESERVED_DESCRIPTORS: u64 = 128;

/// Connections evicted but not closed yet, on top of `max` (each closes within microseconds).
pub const EVICTION_SLACK: usize = 64;

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionsConfig {
    /// Open connections in all, handshakes included. Default 1024, and always below the
    /// process's descriptor limit minus `RESERVED_DESCRIPTORS` (start-up refuses a higher value).
    #[serde(default)]
    pub max: Option<u32>,
    /// Open connections from one IP address (an office behind one NAT address has many).
    #[serde(default = "default_per_address")]
    pub per_address: u32,
    /// From the TCP connection to a complete TLS ClientHello.
    #[serde(default = "default_hello_seconds")]
    pub hello_seconds: u32,
    /// From the ClientHello to the end of the handshake: the person chooses the card and
    /// types the PIN in this time.
    #[serde(default = "default_handshake_seconds")]
    pub handshake_seconds: u32,
    /// From the first byte of a request to the end of its headers.
    #[serde(default = "default_request_head_seconds")]
    pub request_head_seconds: u32,
    /// How long an open connection may wait for its (next) request.
    #[serde(default = "default_idle_seconds")]
    pub idle_seconds: u32,
    /// Seconds a request body gets before the minimum rate counts (Apache mod_reqtimeout's
    /// `body=20,MinRate=...`: each `body_min_rate` bytes received buy one more second).
    #[serde(default = "default_body_seconds")]
    pub body_seconds: u32,
    /// Bytes per second a request body must keep up after `body_seconds`.
    #[serde(default = "default_body_min_rate")]
    pub body_min_rate: u32,
    /// How long an answer may wait for a client that does not read it (between two writes).
    #[serde(default = "default_send_seconds")]
    pub send_seconds: u32,
    /// MiB of request bodies held in memory at once: a body is read whole before its handler
    /// runs. At least `upload_max_mb + 1`.
    #[serde(default = "default_bodies_mb")]
    pub bodies_mb: u32,
}

impl Default for ConnectionsConfig {
    fn default() -> Self {
        Self {
            max: None,
            per_address: default_per_address(),
            hello_seconds: default_hello_seconds(),
            handshake_seconds: default_handshake_seconds(),
            request_head_seconds: default_request_head_seconds(),
            idle_seconds: default_idle_seconds(),
            body_seconds: default_body_seconds(),
            body_min_rate: default_body_min_rate(),
            send_seconds: default_send_seconds(),
            bodies_mb: default_bodies_mb(),
        }
    }
}

pub const DEFAULT_MAX: u32 = 1024;

fn default_per_address() -> u32 {
    128
}
fn default_hello_seconds() -> u32 {
    10
}
fn default_handshake_seconds() -> u32 {
    60
}
fn default_request_head_seconds() -> u32 {
    10
}
fn default_idle_seconds() -> u32 {
    30
}
fn default_body_seconds() -> u32 {
    20
}
fn default_body_min_rate() -> u32 {
    1024
}
fn default_send_seconds() -> u32 {
    30
}
fn default_bodies_mb() -> u32 {
    64
}

impl ConnectionsConfig {
    /// Ranges; `(key, message)` on the first bad value. `upload_max_mb` bounds `bodies_mb`.
    pub fn validate(&self, upload_max_mb: u32) -> Result<(), (String, String)> {
        let bad = |key: &str, message: &str| Err((format!("connections.{key}"), message.to_owned()));
        if self.max.is_some_and(|m| !(16..=1_000_000).contains(&m)) {
            return bad("max", "deve essere tra 16 e 1000000");
        }
        if !(1..=100_000).contains(&self.per_address) {
            return bad("per_address", "deve essere tra 1 e 100000");
        }
        for (key, value, range) in [
            ("hello_seconds", self.hello_seconds, 1..=300),
            ("handshake_seconds", self.handshake_seconds, 1..=600),
            ("request_head_seconds", self.request_head_seconds, 1..=300),
            ("idle_seconds", self.idle_seconds, 1..=3600),
            ("body_seconds", self.body_seconds, 1..=3600),
            ("send_seconds", self.send_seconds, 1..=3600),
        ] {
            if !range.contains(&value) {
                return Err((
                    format!("connections.{key}"),
                    format!("deve essere tra {} e {} secondi", range.start(), range.end()),
                ));
            }
        }
        if !(1..=100_000_000).contains(&self.body_min_rate) {
            return bad("body_min_rate", "deve essere tra 1 e 100000000 byte al secondo");
        }
        if self.bodies_mb <= upload_max_mb || self.bodies_mb > 100_000 {
            return Err((
                "connections.bodies_mb".into(),
                format!("deve essere più grande di upload_max_mb ({upload_max_mb}) e al massimo 100000"),
            ));
        }
        Ok(())
    }

    /// The cap in force, checked against the descriptor limit the process runs with.
    /// An explicit `max` too close to the limit stops start-up; the default is lowered to fit.
    pub fn effective_max(&self, descriptor_limit: Option<u64>) -> Result<usize, String> {
        let wanted = u64::from(self.max.unwrap_or(DEFAULT_MAX));
        let Some(limit) = descriptor_limit else { return Ok(wanted as usize) };
        let room = limit.saturating_sub(RESERVED_DESCRIPTORS + EVICTION_SLACK as u64);
        if wanted <= room {
            return Ok(wanted as usize);
        }
        if self.max.is_some() || room < 16 {
            return Err(format!(
                "il processo può aprire {limit} descrittori: con {wanted} connessioni non ne restano {} per il file \
                 dati e i log; abbassare connections.max (al massimo {room}) o alzare il limite (LimitNOFILE)",
                RESERVED_DESCRIPTORS + EVICTION_SLACK as u64
            ));
        }
        Ok(room as usize)
    }

    pub fn hello(&self) -> Duration {
        secs(self.hello_seconds)
    }
    pub fn handshake(&self) -> Duration {
        secs(self.handshake_seconds)
    }
    pub fn request_head(&self) -> Duration {
        secs(self.request_head_seconds)
    }
    pub fn idle(&self) -> Duration {
        secs(self.idle_seconds)
    }
    pub fn body_grace(&self) -> Duration {
        secs(self.body_seconds)
    }
    pub fn send(&self) -> Duration {
        secs(self.send_seconds)
    }
    pub fn bodies_bytes(&self) -> u64 {
        u64::from(self.bodies_mb) * 1024 * 1024
    }
}

fn secs(s: u32) -> Duration {
    Duration::from_secs(u64::from(s))
}

/// The soft limit on open files, from `/proc/self/limits` (a plain read: the systemd unit's
/// system-call filter forbids the resource calls). None when unknown or unlimited.
pub fn descriptor_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    parse_descriptor_limit(&limits)
}

fn parse_descriptor_limit(limits: &str) -> Option<u64> {
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.trim_start_matches("Max open files").split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_descriptor_limit_is_read_from_proc() {
        let sample = "Limit                     Soft Limit           Hard Limit           Units     \n\
                      Max processes             63457                63457                processes \n\
                      Max open files            1024                 524288               files     \n";
        assert_eq!(parse_descriptor_limit(sample), Some(1024));
        assert_eq!(parse_descriptor_limit("Max open files            unlimited            unlimited"), None);
        assert!(descriptor_limit().is_some(), "Linux has /proc/self/limits");
    }

    #[test]
    fn the_cap_stays_below_the_descriptor_limit() {
        let default = ConnectionsConfig::default();
        assert_eq!(default.effective_max(Some(20_000)), Ok(1024));
        // systemd's default soft limit: the default cap is lowered to fit.
        assert_eq!(default.effective_max(Some(1024)), Ok(1024 - 192));
        let explicit = ConnectionsConfig { max: Some(1000), ..default };
        assert!(explicit.effective_max(Some(1024)).unwrap_err().contains("connections.max"));
        assert_eq!(explicit.effective_max(Some(4096)), Ok(1000));
        assert!(default.effective_max(Some(100)).is_err());
    }

    #[test]
    fn ranges_name_the_key() {
        let c = ConnectionsConfig { idle_seconds: 0, ..ConnectionsConfig::default() };
        assert_eq!(c.validate(20).unwrap_err().0, "connections.idle_seconds");
        let c = ConnectionsConfig { bodies_mb: 20, ..ConnectionsConfig::default() };
        assert_eq!(c.validate(20).unwrap_err().0, "connections.bodies_mb");
        assert!(ConnectionsConfig::default().validate(20).is_ok());
    }
}

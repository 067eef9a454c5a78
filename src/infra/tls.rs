//! TLS settings for Rocket's rustls listener, and start-up checks of the files, so that a bad
//! certificate or key stops start-up with a message naming the configuration key.
//!
//! Client certificates are requested in the main handshake (never post-handshake, which
//! browsers do not do) and are optional at the TLS level: a visitor without a card gets the
//! Italian landing page instead of a browser error, while any presented certificate is still
//! verified by rustls against `tls.client_ca` (chain, validity, clientAuth).

use std::sync::Arc;

use rocket::config::{CipherSuite, MutualTls, TlsConfig};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::config::Config;
use crate::error::StartupError;

/// TLS 1.3 suites, offered only when `tls.versions` includes "1.3".
const TLS13: [CipherSuite; 3] = [
    CipherSuite::TLS_AES_256_GCM_SHA384,
    CipherSuite::TLS_AES_128_GCM_SHA256,
    CipherSuite::TLS_CHACHA20_POLY1305_SHA256,
];
/// TLS 1.2 suites (ECDHE only, AEAD only). Offering no 1.3 suite is how Rocket 0.5 is made to
/// speak TLS 1.2 only, which CNS cards that sign only with RSA PKCS#1 v1.5 need.
const TLS12: [CipherSuite; 6] = [
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
];

pub fn rocket_tls(config: &Config) -> TlsConfig {
    let mut suites = Vec::new();
    if config.tls13_enabled() {
        suites.extend(TLS13);
    }
    if config.tls12_enabled() {
        suites.extend(TLS12);
    }
    TlsConfig::from_paths(&config.tls.cert, &config.tls.key)
        .with_ciphers(suites)
        .with_preferred_server_cipher_order(true)
        .with_mutual(MutualTls::from_path(&config.tls.client_ca).mandatory(false))
}

/// What start-up prints about TLS.
pub struct TlsSummary {
    pub versions: String,
    pub client_cas: usize,
    pub server_not_after: String,
}

/// Checks that the server chain and key parse and belong together, and that the CA bundle
/// holds certificates rustls accepts as trust anchors.
pub fn check_files(config: &Config) -> Result<TlsSummary, StartupError> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&config.tls.cert)
        .map_err(|e| StartupError::key("tls.cert", format!("{}: {e}", config.tls.cert.display())))?
        .collect::<Result<_, _>>()
        .map_err(|e| StartupError::key("tls.cert", format!("PEM non leggibile: {e}")))?;
    let first = chain.first().ok_or_else(|| StartupError::key("tls.cert", "nessun certificato nel file"))?;
    let server_not_after = x509_parser::parse_x509_certificate(first)
        .map(|(_, c)| c.validity().not_after.to_string())
        .map_err(|e| StartupError::key("tls.cert", format!("certificato non leggibile: {e}")))?;
    let key = PrivateKeyDer::from_pem_file(&config.tls.key).map_err(|e| {
        StartupError::key("tls.key", format!("{}: chiave non leggibile ({e})", config.tls.key.display()))
    })?;
    let signing_key = rustls::crypto::ring::sign::any_supported_type(&key)
        .map_err(|e| StartupError::key("tls.key", format!("tipo di chiave non supportato ({e})")))?;
    let certified = rustls::sign::CertifiedKey::new(chain, signing_key);
    certified
        .keys_match()
        .map_err(|_| StartupError::key("tls.key", "la chiave non corrisponde al certificato di tls.cert"))?;

    let cas: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&config.tls.client_ca)
        .map_err(|e| StartupError::key("tls.client_ca", format!("{}: {e}", config.tls.client_ca.display())))?
        .collect::<Result<_, _>>()
        .map_err(|e| StartupError::key("tls.client_ca", format!("PEM non leggibile: {e}")))?;
    let mut roots = rustls::RootCertStore::empty();
    let (added, _ignored) = roots.add_parsable_certificates(cas);
    if added == 0 {
        return Err(StartupError::key("tls.client_ca", "nessun certificato di CA utilizzabile nel file"));
    }
    // The same verifier Rocket builds; fails here with our message rather than at bind time.
    rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        Arc::new(rustls::crypto::ring::default_provider()),
    )
    .allow_unauthenticated()
    .build()
    .map_err(|e| StartupError::key("tls.client_ca", format!("CA non utilizzabili: {e}")))?;

    Ok(TlsSummary { versions: config.tls.versions.join(", "), client_cas: added, server_not_after })
}

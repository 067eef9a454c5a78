//! The server's TLS configuration (rustls, ring only), and start-up checks of the files, so
//! that a bad certificate or key stops start-up with a message naming the configuration key.
//!
//! Client certificates are requested in the main handshake (never post-handshake, which
//! browsers do not do) and are optional at the TLS level: a visitor without a card gets the
//! Italian landing page instead of a browser error, while any presented certificate is still
//! verified by rustls against `tls.client_ca` (chain, validity, clientAuth).

use std::sync::Arc;

use rustls::CipherSuite;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use crate::config::Config;
use crate::error::StartupError;

/// TLS 1.3 suites, offered only when `tls.versions` includes "1.3".
const TLS13: [CipherSuite; 3] = [
    CipherSuite::TLS13_AES_256_GCM_SHA384,
    CipherSuite::TLS13_AES_128_GCM_SHA256,
    CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
];
/// TLS 1.2 suites (ECDHE only, AEAD only), what CNS cards that sign only with RSA PKCS#1 v1.5
/// need; in the server's order of preference.
const TLS12: [CipherSuite; 6] = [
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
    CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
    CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
];

/// The rustls server configuration: the configured versions and only the suites above (in
/// this order, the server's preference), an optional client certificate verified against
/// `tls.client_ca`, HTTP/1.1, a session cache and tickets (resumption keeps the certificate).
pub fn server_config(config: &Config) -> Result<Arc<rustls::ServerConfig>, StartupError> {
    let base = rustls::crypto::ring::default_provider();
    let mut wanted = Vec::new();
    if config.tls13_enabled() {
        wanted.extend(TLS13);
    }
    if config.tls12_enabled() {
        wanted.extend(TLS12);
    }
    let cipher_suites =
        wanted.iter().filter_map(|w| base.cipher_suites.iter().find(|s| s.suite() == *w).copied()).collect();
    let provider = Arc::new(rustls::crypto::CryptoProvider { cipher_suites, ..base });
    let mut versions: Vec<&'static rustls::SupportedProtocolVersion> = Vec::new();
    if config.tls13_enabled() {
        versions.push(&rustls::version::TLS13);
    }
    if config.tls12_enabled() {
        versions.push(&rustls::version::TLS12);
    }
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&config.tls.cert)
        .map_err(|e| StartupError::key("tls.cert", format!("{}: {e}", config.tls.cert.display())))?
        .collect::<Result<_, _>>()
        .map_err(|e| StartupError::key("tls.cert", format!("PEM non leggibile: {e}")))?;
    let key = PrivateKeyDer::from_pem_file(&config.tls.key).map_err(|e| {
        StartupError::key("tls.key", format!("{}: chiave non leggibile ({e})", config.tls.key.display()))
    })?;
    let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(client_roots(config)?, provider.clone())
        .allow_unauthenticated()
        .build()
        .map_err(|e| StartupError::key("tls.client_ca", format!("CA non utilizzabili: {e}")))?;
    let mut server = rustls::ServerConfig::builder_with_provider(provider)
        .with_protocol_versions(&versions)
        .map_err(|e| StartupError::key("tls.versions", e.to_string()))?
        .with_client_cert_verifier(verifier)
        .with_single_cert(chain, key)
        .map_err(|e| StartupError::key("tls.key", format!("certificato o chiave non utilizzabili: {e}")))?;
    server.ignore_client_order = true;
    server.alpn_protocols = vec![b"http/1.1".to_vec()];
    server.session_storage = rustls::server::ServerSessionMemoryCache::new(1024);
    server.ticketer = rustls::crypto::ring::Ticketer::new()
        .map_err(|e| StartupError::Other(format!("TLS: ticket di sessione non disponibili: {e}")))?;
    Ok(Arc::new(server))
}

fn client_roots(config: &Config) -> Result<Arc<rustls::RootCertStore>, StartupError> {
    let cas: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&config.tls.client_ca)
        .map_err(|e| StartupError::key("tls.client_ca", format!("{}: {e}", config.tls.client_ca.display())))?
        .collect::<Result<_, _>>()
        .map_err(|e| StartupError::key("tls.client_ca", format!("PEM non leggibile: {e}")))?;
    let mut roots = rustls::RootCertStore::empty();
    let (added, _ignored) = roots.add_parsable_certificates(cas);
    if added == 0 {
        return Err(StartupError::key("tls.client_ca", "nessun certificato di CA utilizzabile nel file"));
    }
    Ok(Arc::new(roots))
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
    // The verifier `server_config` builds; fails here with our message.
    rustls::server::WebPkiClientVerifier::builder_with_provider(
        Arc::new(roots),
        Arc::new(rustls::crypto::ring::default_provider()),
    )
    .allow_unauthenticated()
    .build()
    .map_err(|e| StartupError::key("tls.client_ca", format!("CA non utilizzabili: {e}")))?;

    Ok(TlsSummary { versions: config.tls.versions.join(", "), client_cas: added, server_not_after })
}

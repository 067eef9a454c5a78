//! The protocol set: TLS 1.2 by default so that cards signing only with RSA PKCS#1 v1.5 get
//! in; TLS 1.3 only when configured.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

mod common;

use std::sync::Arc;

use common::{Fixture, cf, http, identity, roots, tls_config};
use ricolloca::infra::pki::KeyKind;
use rustls::SignatureScheme;
use rustls::client::ResolvesClientCert;
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::sign::{CertifiedKey, Signer, SigningKey};

/// A smartcard that can only sign with RSA PKCS#1 v1.5 SHA-256 (no RSA-PSS).
#[derive(Debug)]
struct Pkcs1OnlyKey(Arc<dyn SigningKey>);

impl SigningKey for Pkcs1OnlyKey {
    fn choose_scheme(&self, offered: &[SignatureScheme]) -> Option<Box<dyn Signer>> {
        if offered.contains(&SignatureScheme::RSA_PKCS1_SHA256) {
            self.0.choose_scheme(&[SignatureScheme::RSA_PKCS1_SHA256])
        } else {
            None
        }
    }
    fn algorithm(&self) -> rustls::SignatureAlgorithm {
        self.0.algorithm()
    }
}

#[derive(Debug)]
struct Card(Arc<CertifiedKey>);

impl ResolvesClientCert for Card {
    fn resolve(&self, _: &[&[u8]], _: &[SignatureScheme]) -> Option<Arc<CertifiedKey>> {
        Some(self.0.clone())
    }
    fn has_certs(&self) -> bool {
        true
    }
}

/// A TLS 1.2 client whose signature_algorithms offer only rsa_pkcs1_sha256, with a card
/// that signs only that way.
fn pkcs1_only_client(f: &Fixture, card: &ricolloca::infra::pki::Issued) -> reqwest::blocking::Client {
    let base = rustls::crypto::ring::default_provider();
    let mapping: Vec<_> = base
        .signature_verification_algorithms
        .mapping
        .iter()
        .filter(|(scheme, _)| *scheme == SignatureScheme::RSA_PKCS1_SHA256)
        .cloned()
        .collect();
    let algorithms = WebPkiSupportedAlgorithms {
        all: base.signature_verification_algorithms.all,
        mapping: Box::leak(mapping.into_boxed_slice()),
    };
    let provider = rustls::crypto::CryptoProvider { signature_verification_algorithms: algorithms, ..base };
    let (chain, key) = identity(card);
    let signing = rustls::crypto::ring::sign::any_supported_type(&key).unwrap();
    let certified = Arc::new(CertifiedKey::new(chain, Arc::new(Pkcs1OnlyKey(signing))));
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(&[&rustls::version::TLS12])
        .unwrap()
        .with_root_certificates(roots(&f.ca.cert_pem))
        .with_client_cert_resolver(Arc::new(Card(certified)));
    http(config)
}

#[test]
fn a_tls12_card_that_signs_only_with_rsa_pkcs1_gets_in() {
    let f = Fixture::new(KeyKind::Rsa2048);
    let p = f.add_provider("Ente", "06363391001", "ACC-1");
    let rossi = cf("RSSMRA85T10A562");
    f.add_operator(&rossi, "operatore", Some(p));
    let server = f.start();
    let card = f.card(&rossi);
    let res = pkcs1_only_client(&f, &card).get(server.url("/api/v1/me")).send().unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<serde_json::Value>().unwrap()["codice_fiscale"], rossi);
}

#[test]
fn tls13_is_off_by_default_and_can_be_enabled() {
    let mut f = Fixture::new(KeyKind::EcdsaP256);
    let p = f.add_provider("Ente", "06363391001", "ACC-1");
    let rossi = cf("RSSMRA85T10A562");
    f.add_operator(&rossi, "operatore", Some(p));
    let card = f.card(&rossi);
    let ca_pem = f.ca.cert_pem.clone();
    let tls13_only = || http(tls_config(&ca_pem, Some(&card), &[&rustls::version::TLS13]));
    {
        let server = f.start();
        assert!(tls13_only().get(server.url("/api/v1/me")).send().is_err(), "TLS 1.3 must be refused by default");
    }
    f.tls_extra = "versions = [\"1.2\", \"1.3\"]\n".into();
    f.write_config();
    let server = f.start();
    assert_eq!(tls13_only().get(server.url("/api/v1/me")).send().unwrap().status(), 200);
}

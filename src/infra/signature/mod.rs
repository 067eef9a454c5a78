//! Signed documents: CAdES envelopes (`.p7m`) and PAdES signatures inside PDFs.
//!
//! What is checked, for every signature: the digest of the signed content against the
//! `messageDigest` signed attribute, and the signature over the signed attributes (or over the
//! content, when there are none) against the public key of the signer certificate carried in
//! the signature. RSA PKCS#1 v1.5 and RSA-PSS (SHA-256/384/512, keys of at least 2048 bits) and
//! ECDSA P-256/P-384 (SHA-256/384) are verified; SHA-1 and anything else is reported as not
//! verifiable.
//!
//! What is NOT checked, and the UI must say so ([`CHAIN_NOT_CHECKED`]): that the signer
//! certificate chains to a qualified certifier of the EU/AgID trusted list (so nothing binds the
//! name and codice fiscale in the certificate to a real person), revocation (CRL, OCSP), and
//! timestamps. A [`Verification::Valid`] signature proves that the content is what the holder of
//! the key signed, not who that holder is. When the CAdES `signingCertificateV2` (or v1)
//! attribute is present, the certificate must be the one it names.
//!
//! The CMS structures are read with a small BER reader written for this module (definite and
//! indefinite lengths, chunked OCTET STRINGs: streaming signers produce BER); certificates are
//! read with `x509-parser`; signatures are checked with `ring`. All input is hostile: nothing
//! here indexes, unwraps or allocates more than the input's size, and nesting is bounded.

mod ber;
mod cms;
mod pades;
mod signer;

pub use cms::{Envelope, MAX_NESTING, MAX_SIGNERS, open_p7m};
pub use pades::pdf_signers;
pub use signer::{CHAIN_NOT_CHECKED, Signer, Verification};

#[cfg(test)]
mod tests;

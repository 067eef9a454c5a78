//! Certificate revocation lists. Rocket 0.5 cannot check CRLs at the handshake, and resumed
//! sessions skip handshake checks anyway, so every request looks up (issuer, serial) here.
//! CRLs are parsed and their signatures checked against the CA bundle once, when loaded;
//! the per-request cost is one hash-set lookup.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use x509_parser::prelude::*;

use crate::domain::cns::strip_sign_byte;
use crate::error::StartupError;

/// One CRL that was loaded, for the start-up log and (later) the monitoring screen.
#[derive(Debug, Clone)]
pub struct CrlSource {
    pub path: PathBuf,
    pub issuer: String,
    pub revoked: usize,
    /// nextUpdate, UTC ms, when the CRL says.
    pub next_update_ms: Option<i64>,
    /// thisUpdate, UTC ms: when the CA issued it (its age is what the tecnico watches).
    pub this_update_ms: i64,
    /// When its file last changed, UTC ms.
    pub file_changed_ms: Option<i64>,
}

/// Every revoked (issuer DN, serial) pair from the configured CRLs.
#[derive(Debug, Default)]
pub struct RevocationList {
    revoked: HashSet<(Vec<u8>, Vec<u8>)>,
    /// Issuer DNs (DER) that have a CRL loaded.
    covered: HashSet<Vec<u8>>,
    pub sources: Vec<CrlSource>,
}

impl RevocationList {
    pub fn is_revoked(&self, issuer_der: &[u8], serial: &[u8]) -> bool {
        self.revoked.contains(&(issuer_der.to_vec(), strip_sign_byte(serial).to_vec()))
    }

    /// Whether a CRL of this issuer is loaded (for `tls.without_crl = "refuse"`).
    pub fn covers(&self, issuer_der: &[u8]) -> bool {
        self.covered.contains(issuer_der)
    }

    /// The loaded CRLs past their nextUpdate at `now_ms`: still used, but reported.
    pub fn expired(&self, now_ms: i64) -> Vec<&CrlSource> {
        self.sources.iter().filter(|s| s.next_update_ms.is_some_and(|n| n < now_ms)).collect()
    }

    /// Loads `tls.crl` (a file or a folder of files), checking each CRL's signature against
    /// the CA that issued it, which must be in `tls.client_ca`.
    pub fn load(path: Option<&Path>, ca_bundle_pem: &[u8]) -> Result<Self, StartupError> {
        let mut list = RevocationList::default();
        let Some(path) = path else { return Ok(list) };
        let cas = parse_ca_bundle(ca_bundle_pem)?;
        let files: Vec<PathBuf> = if path.is_dir() {
            let mut files: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(|e| StartupError::key("tls.crl", format!("{}: {e}", path.display())))?
                .filter_map(|entry| entry.ok().map(|e| e.path()))
                .filter(|p| p.is_file())
                .collect();
            files.sort();
            files
        } else {
            vec![path.to_path_buf()]
        };
        for file in files {
            let bytes =
                std::fs::read(&file).map_err(|e| StartupError::key("tls.crl", format!("{}: {e}", file.display())))?;
            // A file that yields no CRL is an error, never "nothing revoked" (fail closed).
            let ders =
                crl_ders(&bytes).map_err(|m| StartupError::key("tls.crl", format!("{}: {m}", file.display())))?;
            for der in ders {
                list.add(&file, &der, &cas)?;
            }
        }
        if list.sources.is_empty() {
            return Err(StartupError::key("tls.crl", format!("nessuna CRL trovata in {}", path.display())));
        }
        Ok(list)
    }

    fn add(&mut self, file: &Path, der: &[u8], cas: &[Vec<u8>]) -> Result<(), StartupError> {
        let bad = |m: String| StartupError::key("tls.crl", format!("{}: {m}", file.display()));
        let (_, crl) = CertificateRevocationList::from_der(der).map_err(|e| bad(format!("CRL non leggibile ({e})")))?;
        let issuer_raw = crl.issuer().as_raw();
        // After a key rollover two CAs share a name: any of them may have signed.
        let candidates: Vec<X509Certificate<'_>> = cas
            .iter()
            .filter_map(|der| X509Certificate::from_der(der).ok().map(|(_, c)| c))
            .filter(|ca| ca.subject().as_raw() == issuer_raw)
            .collect();
        if candidates.is_empty() {
            return Err(bad(format!("nessuna CA in tls.client_ca ha emesso questa CRL ({})", crl.issuer())));
        }
        if !candidates.iter().any(|ca| crl.verify_signature(ca.public_key()).is_ok()) {
            return Err(bad("firma della CRL non valida per la CA che l'ha emessa".into()));
        }
        self.covered.insert(issuer_raw.to_vec());
        let mut count = 0;
        for revoked in crl.iter_revoked_certificates() {
            self.revoked.insert((issuer_raw.to_vec(), strip_sign_byte(revoked.raw_serial()).to_vec()));
            count += 1;
        }
        self.sources.push(CrlSource {
            path: file.to_path_buf(),
            issuer: crl.issuer().to_string(),
            revoked: count,
            next_update_ms: crl.next_update().map(|t| t.timestamp().saturating_mul(1000)),
            this_update_ms: crl.last_update().timestamp().saturating_mul(1000),
            file_changed_ms: std::fs::metadata(file)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_millis() as i64),
        });
        Ok(())
    }
}

/// DER certificates of a PEM bundle.
pub fn parse_ca_bundle(pem_bytes: &[u8]) -> Result<Vec<Vec<u8>>, StartupError> {
    let mut out = Vec::new();
    for pem in Pem::iter_from_buffer(pem_bytes) {
        let pem = pem.map_err(|e| StartupError::key("tls.client_ca", format!("PEM non leggibile ({e})")))?;
        if pem.label == "CERTIFICATE" {
            out.push(pem.contents);
        }
    }
    if out.is_empty() {
        return Err(StartupError::key("tls.client_ca", "nessun certificato nel file"));
    }
    Ok(out)
}

/// A CRL file is DER, or holds one or more `X509 CRL` PEM blocks; anything else is an error.
fn crl_ders(bytes: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    if bytes.first() == Some(&0x30) {
        return Ok(vec![bytes.to_vec()]);
    }
    let mut out = Vec::new();
    for pem in Pem::iter_from_buffer(bytes) {
        let pem = pem.map_err(|e| format!("PEM non leggibile ({e})"))?;
        if pem.label != "X509 CRL" {
            return Err(format!("blocco PEM inatteso: {}", pem.label));
        }
        out.push(pem.contents);
    }
    if out.is_empty() {
        return Err("il file non contiene una CRL (né DER né PEM X509 CRL)".into());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::infra::pki::{Ca, CnsPerson, KeyKind};

    #[test]
    fn revoked_serials_are_found_and_signatures_checked() {
        let now = crate::infra::clock::system_now();
        let ca = Ca::new("CA A", KeyKind::EcdsaP256, now).unwrap();
        let other = Ca::new("CA B", KeyKind::EcdsaP256, now).unwrap();
        let cert = ca.cns_client(&CnsPerson::valid_now("RSSMRA85T10A562S", now), KeyKind::EcdsaP256).unwrap();
        let id = crate::domain::cns::CertIdentity::from_der(&cert.cert_der).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let crl = dir.path().join("a.crl");
        std::fs::write(&crl, ca.crl(std::slice::from_ref(&cert.serial), now).unwrap()).unwrap();

        let list = RevocationList::load(Some(&crl), ca.cert_pem.as_bytes()).unwrap();
        assert!(list.is_revoked(&id.issuer_der, &id.serial));
        assert!(!list.is_revoked(&id.issuer_der, &[1, 2, 3]));
        assert_eq!(list.sources.len(), 1);

        // A CRL whose issuer is not in the bundle stops start-up, naming the key.
        let e = RevocationList::load(Some(&crl), other.cert_pem.as_bytes()).unwrap_err().to_string();
        assert!(e.contains("`tls.crl`"), "{e}");

        // A folder of CRLs works too.
        let list = RevocationList::load(Some(dir.path()), ca.cert_pem.as_bytes()).unwrap();
        assert!(list.is_revoked(&id.issuer_der, &id.serial));
    }

    #[test]
    fn a_forged_crl_is_refused() {
        let now = crate::infra::clock::system_now();
        let ca = Ca::new("CA A", KeyKind::EcdsaP256, now).unwrap();
        // Same subject name, different key: its CRL must not verify against the real CA.
        let impostor = Ca::new("CA A", KeyKind::EcdsaP256, now).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let crl = dir.path().join("forged.crl");
        std::fs::write(&crl, impostor.crl(&[vec![1]], now).unwrap()).unwrap();
        let e = RevocationList::load(Some(&crl), ca.cert_pem.as_bytes()).unwrap_err().to_string();
        assert!(e.contains("firma"), "{e}");
    }
}

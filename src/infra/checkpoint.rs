//! Signed checkpoints of the audit chain: Ed25519 over (seq, head hash, time), with a key kept
//! outside the data file. Someone who can rewrite the data file can re-chain or truncate the
//! tail so that the hashes agree again; they cannot sign a checkpoint, so a checkpoint kept
//! elsewhere (the checkpoint file, the log, a backup) exposes what they did.

use std::io::Write;
use std::path::Path;

use ring::signature::{ED25519, Ed25519KeyPair, KeyPair, UnparsedPublicKey};

use crate::error::StartupError;

const TAG: &[u8] = b"ricolloca/audit-checkpoint\0";

/// One signed checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub seq: i64,
    pub hash: [u8; 32],
    pub ts_ms: i64,
    pub public_key: Vec<u8>,
    pub signature: Vec<u8>,
}

/// What is signed: the tag, then seq, hash and time in fixed-width big-endian.
pub fn message(seq: i64, hash: &[u8; 32], ts_ms: i64) -> Vec<u8> {
    let mut m = Vec::with_capacity(TAG.len() + 48);
    m.extend_from_slice(TAG);
    m.extend_from_slice(&seq.to_be_bytes());
    m.extend_from_slice(hash);
    m.extend_from_slice(&ts_ms.to_be_bytes());
    m
}

/// What a prune signs: that the chain may start after `seq` (whose row hash is `hash`),
/// because the rows up to it were older than `before_ms`. Its own tag, so an ordinary
/// checkpoint can never be passed off as permission to cut the chain there.
pub fn prune_message(seq: i64, hash: &[u8; 32], before_ms: i64) -> Vec<u8> {
    const PRUNE_TAG: &[u8] = b"ricolloca/audit-prune\0";
    let mut m = Vec::with_capacity(PRUNE_TAG.len() + 48);
    m.extend_from_slice(PRUNE_TAG);
    m.extend_from_slice(&seq.to_be_bytes());
    m.extend_from_slice(hash);
    m.extend_from_slice(&before_ms.to_be_bytes());
    m
}

/// Checks a prune signature with the trusted key.
pub fn prune_verifies(public_key: &[u8], seq: i64, hash: &[u8; 32], before_ms: i64, signature: &[u8]) -> bool {
    UnparsedPublicKey::new(&ED25519, public_key).verify(&prune_message(seq, hash, before_ms), signature).is_ok()
}

pub struct SigningKey(Ed25519KeyPair);

impl SigningKey {
    /// Loads the key, creating it (mode 0600) on first start.
    pub fn load_or_create(path: &Path) -> Result<Self, StartupError> {
        let bad = |m: String| StartupError::key("audit.key", format!("{}: {m}", path.display()));
        if !path.exists() {
            let rng = ring::rand::SystemRandom::new();
            let pkcs8 = Ed25519KeyPair::generate_pkcs8(&rng)
                .map_err(|_| bad("generazione della chiave non riuscita".into()))?;
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options.open(path).map_err(|e| bad(e.to_string()))?;
            file.write_all(pkcs8.as_ref()).and_then(|()| file.sync_all()).map_err(|e| bad(e.to_string()))?;
        }
        let bytes = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
        let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(&bytes)
            .map_err(|_| bad("non è una chiave Ed25519 (PKCS#8) valida".into()))?;
        Ok(Self(pair))
    }

    /// Loads an existing key; never creates one (verification must not invent a key).
    pub fn load(path: &Path) -> Result<Self, StartupError> {
        let bytes =
            std::fs::read(path).map_err(|e| StartupError::key("audit.key", format!("{}: {e}", path.display())))?;
        Ed25519KeyPair::from_pkcs8_maybe_unchecked(&bytes).map(Self).map_err(|_| {
            StartupError::key("audit.key", format!("{}: non è una chiave Ed25519 (PKCS#8) valida", path.display()))
        })
    }

    pub fn public_key(&self) -> Vec<u8> {
        self.0.public_key().as_ref().to_vec()
    }

    pub fn sign_prune(&self, seq: i64, hash: &[u8; 32], before_ms: i64) -> Vec<u8> {
        self.0.sign(&prune_message(seq, hash, before_ms)).as_ref().to_vec()
    }

    pub fn sign(&self, seq: i64, hash: [u8; 32], ts_ms: i64) -> Checkpoint {
        let signature = self.0.sign(&message(seq, &hash, ts_ms)).as_ref().to_vec();
        Checkpoint { seq, hash, ts_ms, public_key: self.public_key(), signature }
    }
}

impl Checkpoint {
    /// The signature holds for `public_key` (the trusted key, not the one stored beside it).
    pub fn verifies_with(&self, public_key: &[u8]) -> bool {
        UnparsedPublicKey::new(&ED25519, public_key)
            .verify(&message(self.seq, &self.hash, self.ts_ms), &self.signature)
            .is_ok()
    }

    /// One line of the checkpoint file: `seq hash ts public_key signature` (hex).
    pub fn to_line(&self) -> String {
        format!(
            "{} {} {} {} {}",
            self.seq,
            hex::encode(self.hash),
            self.ts_ms,
            hex::encode(&self.public_key),
            hex::encode(&self.signature)
        )
    }

    pub fn from_line(line: &str) -> Option<Self> {
        let mut it = line.split_whitespace();
        let seq = it.next()?.parse().ok()?;
        let hash: [u8; 32] = hex::decode(it.next()?).ok()?.try_into().ok()?;
        let ts_ms = it.next()?.parse().ok()?;
        let public_key = hex::decode(it.next()?).ok()?;
        let signature = hex::decode(it.next()?).ok()?;
        Some(Self { seq, hash, ts_ms, public_key, signature })
    }
}

/// Appends a checkpoint to the file kept outside the data file (fsynced).
pub fn append_to_file(path: &Path, cp: &Checkpoint) -> std::io::Result<()> {
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
    writeln!(file, "{}", cp.to_line())?;
    file.sync_all()
}

/// Reads every well-formed line of a checkpoint file.
pub fn read_file(path: &Path) -> std::io::Result<Vec<Checkpoint>> {
    Ok(std::fs::read_to_string(path)?.lines().filter_map(Checkpoint::from_line).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_round_trips_and_refuses_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.key");
        let key = SigningKey::load_or_create(&path).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let again = SigningKey::load_or_create(&path).unwrap();
        assert_eq!(key.public_key(), again.public_key(), "the key is kept, not regenerated");
        let cp = key.sign(42, [7; 32], 1_795_701_900_000);
        assert!(cp.verifies_with(&key.public_key()));
        let parsed = Checkpoint::from_line(&cp.to_line()).unwrap();
        assert_eq!(parsed, cp);
        let mut forged = cp.clone();
        forged.seq = 41;
        assert!(!forged.verifies_with(&key.public_key()));
        let other = SigningKey::load_or_create(&dir.path().join("other.key")).unwrap();
        assert!(!cp.verifies_with(&other.public_key()));
    }
}

//! How a backup file is sealed, and opened again. Three ways, told apart by the file's first
//! bytes:
//!
//! - **age** (`age-encryption.org/v1`, <https://c2sp.org/age>) to one or more X25519 recipients,
//!   the Region's public keys (`backup.recipients`): the server holds no secret able to read its
//!   own backups, and the Region opens them with `ricolloca restore --identity-file` or with any
//!   age tool (`age -d -i regione.key`);
//! - a **passphrase** (`RICBKENC`, [`super::encryption`]): the server holds the passphrase;
//! - **none**: a plain zip, never offered for download through the web, warned at start-up.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::Path;

use super::encryption::{self, CryptoError, EncryptWriter};

/// The first bytes of an age file (the header's version line).
pub const AGE_MAGIC: &[u8] = b"age-encryption.org/v1\n";

/// How new backups are sealed.
#[derive(Clone, Default)]
pub enum Seal {
    /// To these public keys (at least one).
    Recipients(Vec<age::x25519::Recipient>),
    /// With this passphrase (not empty).
    Passphrase(Vec<u8>),
    /// Not sealed: warned at start-up, by `check`, `status` and on the tecnico's screen.
    #[default]
    None,
}

impl std::fmt::Debug for Seal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the passphrase.
        f.write_str(self.kind().label())
    }
}

impl Seal {
    pub fn kind(&self) -> Kind {
        match self {
            Seal::Recipients(_) => Kind::Age,
            Seal::Passphrase(_) => Kind::Passphrase,
            Seal::None => Kind::Plain,
        }
    }

    pub fn is_sealed(&self) -> bool {
        !matches!(self, Seal::None)
    }

    /// The public keys, as `age1…` strings (for the screen and `status`).
    pub fn recipients(&self) -> Vec<String> {
        match self {
            Seal::Recipients(r) => r.iter().map(ToString::to_string).collect(),
            _ => Vec::new(),
        }
    }
}

/// What a backup file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Age,
    Passphrase,
    Plain,
}

impl Kind {
    /// Of a file, from its first bytes.
    pub fn of(head: &[u8]) -> Kind {
        if head.starts_with(AGE_MAGIC) {
            Kind::Age
        } else if encryption::is_encrypted(head) {
            Kind::Passphrase
        } else {
            Kind::Plain
        }
    }

    /// Of the file at `path` (`Plain` when it cannot be read: never offered as sealed).
    pub fn of_file(path: &Path) -> Kind {
        let mut head = [0u8; AGE_MAGIC.len()];
        let got = File::open(path).and_then(|mut f| read_up_to(&mut f, &mut head)).unwrap_or(0);
        Kind::of(head.get(..got).unwrap_or_default())
    }

    /// The file name ending of a backup sealed this way.
    pub fn suffix(self) -> &'static str {
        match self {
            Kind::Age => ".zip.age",
            Kind::Passphrase => ".zip.enc",
            Kind::Plain => ".zip",
        }
    }

    /// Stable name, in the audit detail and `status`.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Age => "age",
            Kind::Passphrase => "passphrase",
            Kind::Plain => "none",
        }
    }

    /// In Italian, for screens and messages.
    pub fn italian(self) -> &'static str {
        match self {
            Kind::Age => "cifrato per la chiave pubblica della Regione (age, X25519)",
            Kind::Passphrase => "cifrato con passphrase",
            Kind::Plain => "non cifrato",
        }
    }
}

fn read_up_to(f: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match f.read(buf.get_mut(got..).unwrap_or_default()) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// One `age1…` public key, checked.
pub fn parse_recipient(text: &str) -> Result<age::x25519::Recipient, String> {
    text.trim().parse::<age::x25519::Recipient>().map_err(|e| {
        format!("chiave pubblica age non valida ({e}): deve essere della forma age1… (62 caratteri), come la stampa `ricolloca backup-key`")
    })
}

/// Copies the plain file `plain` into `out` (a new file) sealed as `seal` says, and syncs it.
/// `Seal::None` copies as is.
pub fn seal_file(plain: &Path, out: &Path, seal: &Seal) -> Result<(), CryptoError> {
    let mut input = BufReader::with_capacity(1 << 20, File::open(plain)?);
    // Flushed as it grows: a 2 GB file must not reach the disk in one burst (see paced_write).
    let file = super::paced_write::PacedFile::new(File::create_new(out)?);
    let sink = BufWriter::with_capacity(1 << 20, file);
    let sink = match seal {
        Seal::None => {
            let mut sink = sink;
            io::copy(&mut input, &mut sink)?;
            sink
        }
        Seal::Passphrase(pass) => {
            let mut writer = EncryptWriter::new(sink, pass)?;
            io::copy(&mut input, &mut writer)?;
            writer.finish()?
        }
        Seal::Recipients(recipients) => {
            let encryptor = age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
                .map_err(|e| CryptoError::Age(e.to_string()))?;
            let mut writer = encryptor.wrap_output(sink)?;
            io::copy(&mut input, &mut writer)?;
            writer.finish()?
        }
    };
    let file = sink.into_inner().map_err(|e| e.into_error())?;
    file.into_inner().sync_all()?;
    Ok(())
}

/// What opens a sealed backup: the Region's identities (`--identity-file`) and/or a
/// passphrase (`--passphrase-file`).
#[derive(Default)]
pub struct Keys {
    pub identities: Vec<age::x25519::Identity>,
    pub passphrase: Option<Vec<u8>>,
}

/// The X25519 identities in an age identity file (`AGE-SECRET-KEY-1…` lines; `#` comments and
/// blank lines skipped), as `age-keygen` and `ricolloca backup-key` write it.
pub fn read_identities(path: &Path) -> Result<Vec<age::x25519::Identity>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        // The line is a secret: never in a message, only its number.
        let id = line
            .parse::<age::x25519::Identity>()
            .map_err(|_| format!("riga {} non è una chiave privata age (AGE-SECRET-KEY-1…)", n + 1))?;
        out.push(id);
    }
    if out.is_empty() {
        return Err("nessuna chiave privata age (AGE-SECRET-KEY-1…) nel file".into());
    }
    Ok(out)
}

/// Opens `file` into `out` (a new file): decrypted when sealed, copied when plain. Returns
/// what the file was.
pub fn open_file(file: &Path, out: &Path, keys: &Keys) -> Result<Kind, CryptoError> {
    let kind = Kind::of_file(file);
    let input = BufReader::with_capacity(1 << 20, File::open(file)?);
    let mut sink = BufWriter::with_capacity(1 << 20, File::create_new(out)?);
    match kind {
        Kind::Plain => {
            io::copy(&mut { input }, &mut sink)?;
        }
        Kind::Passphrase => {
            let pass = keys.passphrase.as_deref().ok_or(CryptoError::NeedsPassphrase)?;
            encryption::decrypt(input, &mut sink, pass)?;
        }
        Kind::Age => {
            if keys.identities.is_empty() {
                return Err(CryptoError::NeedsIdentity);
            }
            let decryptor = age::Decryptor::new_buffered(input).map_err(age_error)?;
            let mut reader =
                decryptor.decrypt(keys.identities.iter().map(|i| i as &dyn age::Identity)).map_err(age_error)?;
            // Every chunk is authenticated as it is read: a changed or truncated file fails here.
            io::copy(&mut reader, &mut sink).map_err(|_| CryptoError::Tampered)?;
        }
    }
    sink.flush()?;
    Ok(kind)
}

fn age_error(e: age::DecryptError) -> CryptoError {
    match e {
        age::DecryptError::NoMatchingKeys => CryptoError::WrongIdentity,
        age::DecryptError::DecryptionFailed | age::DecryptError::InvalidMac => CryptoError::Tampered,
        other => CryptoError::Age(other.to_string()),
    }
}

/// A new key pair for the Region: the identity file's text (with the public key in a comment,
/// as `age-keygen` writes it) and the public key.
pub fn new_key_pair(created: &str) -> (String, String) {
    use age::secrecy::ExposeSecret;
    let identity = age::x25519::Identity::generate();
    let public = identity.to_public().to_string();
    let text = format!("# creata: {created}\n# chiave pubblica: {public}\n{}\n", identity.to_string().expose_secret());
    (text, public)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_seal_round_trips_and_only_the_right_key_opens_it() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain.zip");
        let content: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&plain, &content).unwrap();
        let region = age::x25519::Identity::generate();
        let other = age::x25519::Identity::generate();
        let cases = [
            (Seal::Recipients(vec![region.to_public()]), Kind::Age),
            (Seal::Passphrase(b"frase".to_vec()), Kind::Passphrase),
            (Seal::None, Kind::Plain),
        ];
        for (i, (seal, kind)) in cases.into_iter().enumerate() {
            let sealed = dir.path().join(format!("sealed-{i}"));
            seal_file(&plain, &sealed, &seal).unwrap();
            assert_eq!(Kind::of_file(&sealed), kind);
            if kind != Kind::Plain {
                assert_ne!(std::fs::read(&sealed).unwrap(), content, "sealed");
            }
            let keys = Keys { identities: vec![region.clone()], passphrase: Some(b"frase".to_vec()) };
            let opened = dir.path().join(format!("opened-{i}"));
            assert_eq!(open_file(&sealed, &opened, &keys).unwrap(), kind);
            assert_eq!(std::fs::read(&opened).unwrap(), content);
            let wrong = Keys { identities: vec![other.clone()], passphrase: Some(b"altra".to_vec()) };
            let res = open_file(&sealed, &dir.path().join(format!("wrong-{i}")), &wrong);
            match kind {
                Kind::Age => assert!(matches!(res, Err(CryptoError::WrongIdentity)), "{res:?}"),
                Kind::Passphrase => assert!(matches!(res, Err(CryptoError::WrongPassphraseOrTampered)), "{res:?}"),
                Kind::Plain => assert!(res.is_ok()),
            }
            let none = open_file(&sealed, &dir.path().join(format!("none-{i}")), &Keys::default());
            match kind {
                Kind::Age => assert!(matches!(none, Err(CryptoError::NeedsIdentity)), "{none:?}"),
                Kind::Passphrase => assert!(matches!(none, Err(CryptoError::NeedsPassphrase)), "{none:?}"),
                Kind::Plain => assert!(none.is_ok()),
            }
        }
    }

    #[test]
    fn a_changed_or_cut_age_file_does_not_open() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("plain.zip");
        std::fs::write(&plain, vec![7u8; 150_000]).unwrap();
        let region = age::x25519::Identity::generate();
        let sealed = dir.path().join("sealed");
        seal_file(&plain, &sealed, &Seal::Recipients(vec![region.to_public()])).unwrap();
        let bytes = std::fs::read(&sealed).unwrap();
        let keys = Keys { identities: vec![region], passphrase: None };
        for (n, variant) in [
            {
                let mut b = bytes.clone();
                let at = b.len() - 100;
                b[at] ^= 1;
                b
            },
            bytes[..bytes.len() - 70_000].to_vec(),
            bytes[..bytes.len() - 1].to_vec(),
        ]
        .into_iter()
        .enumerate()
        {
            let f = dir.path().join(format!("bad-{n}"));
            std::fs::write(&f, variant).unwrap();
            let res = open_file(&f, &dir.path().join(format!("out-{n}")), &keys);
            assert!(res.is_err(), "variant {n} opened");
        }
    }

    #[test]
    fn identity_files_as_age_keygen_writes_them_and_the_public_key_in_the_comment() {
        let dir = tempfile::tempdir().unwrap();
        let (text, public) = new_key_pair("2026-12-05T10:00:00Z");
        assert!(public.starts_with("age1") && public.len() == 62, "{public}");
        assert!(text.contains(&format!("# chiave pubblica: {public}")));
        let path = dir.path().join("regione.key");
        std::fs::write(&path, &text).unwrap();
        let ids = read_identities(&path).unwrap();
        assert_eq!(ids.len(), 1);
        assert_eq!(ids[0].to_public().to_string(), public);
        assert_eq!(parse_recipient(&public).unwrap().to_string(), public);
        assert!(parse_recipient("age1nonvalida").is_err());
        std::fs::write(&path, "# solo commenti\n").unwrap();
        assert!(read_identities(&path).is_err());
        std::fs::write(&path, format!("{text}AGE-SECRET-KEY-1SBAGLIATA\n")).unwrap();
        let e = read_identities(&path).err().unwrap();
        assert!(e.contains("riga 4") && !e.contains("SBAGLIATA"), "{e}");
    }
}

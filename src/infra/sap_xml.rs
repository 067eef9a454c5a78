//! Reads a SAP in the national XML layout (root `<lavoratore>`, schema revision 009, and the
//! earlier revisions 005 and 008 that offices still receive) into a [`Sap`].
//!
//! Imports run over tens of thousands of files, so this is a streaming reader (quick-xml's
//! `Reader` over the byte slice, no DOM) with a flat loop and an explicit element stack: no
//! recursion, so no input can exhaust the call stack, and nesting is capped at [`MAX_DEPTH`].
//! Where each element goes is the table of `infra::sap_schema` (the schema's facts, element
//! by element, with the field each fills); the same walk reports what the schema does not allow.
//!
//! **Lossless and loud**: every element of the schema is read into its field. What the schema
//! does not define, a known element in the wrong place, elements out of order or repeated
//! beyond their cardinality, a required element missing, a value that breaks its type's
//! length, pattern or enumeration: none of these refuses the file; each is a [`Finding`] (path
//! and count) in the import report, stored with the SAP version and flagged on the SAP page.
//! Unknown elements are skipped with their whole subtree. Text is trimmed, an empty element is
//! `None`, names are compared without regard to case or namespace prefix. A date written
//! `dd/mm/yyyy` is read (and reported); one that cannot be read is left empty (and reported).
//!
//! **Refused** only when nothing can be read reliably: the document is not well-formed, the
//! root is not `lavoratore`, the worker's codice fiscale is missing or fails its check (the
//! 16-character code, omocodes included, or the 11-digit numeric form the schema admits). A
//! refusal names the element path, e.g. `/lavoratore/datianagrafici/datipersonali/codicefiscale`.
//! The rules of section 6 ([`PoliticaAttiva::problems`]) are warnings, not refusals.
//!
//! **Encoding**: a UTF-8 BOM means UTF-8; otherwise the `encoding` of the XML declaration
//! (labels resolved by encoding_rs, so `ISO-8859-1`/`latin1` decode as its superset
//! `windows-1252`), otherwise UTF-8. Text that is not valid in that encoding is refused;
//! UTF-16 and other encodings that are not ASCII-compatible are refused.
//!
//! [`PoliticaAttiva::problems`]: crate::domain::sap::PoliticaAttiva::problems

use std::fmt;

use encoding_rs::{Encoding, UTF_8};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::domain::codice_fiscale::CodiceFiscale;
use crate::domain::sap::Sap;
use crate::infra::sap_schema::{Checker, Finding, Hook, Kind, Mode, Setter, Step};

/// Deepest element nesting accepted. A real SAP is 5 levels deep; 64 leaves room for any
/// wrapper the national system may add and refuses hostile inputs early.
pub const MAX_DEPTH: usize = 64;
/// Largest file accepted. A SAP with decades of history is well under 1 MiB; anything larger
/// is not a SAP, and refusing it bounds the memory an import can take.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
const CF_PATH: &str = "/lavoratore/datianagrafici/datipersonali/codicefiscale";
/// How much of a rejected value a message repeats: enough to recognise it, never a whole
/// element.
const ECHO_CHARS: usize = 40;

/// A SAP read from XML.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedSap {
    /// The worker's codice fiscale, validated (also in `sap.dati_anagrafici.dati_personali`).
    pub codice_fiscale: CodiceFiscale,
    pub sap: Sap,
    /// Name of the encoding the text was decoded with (encoding_rs name: `UTF-8`,
    /// `windows-1252`, ...).
    pub encoding: String,
    /// What the file carries that the schema does not allow (never a refusal).
    pub findings: Vec<Finding>,
    /// Italian messages about what was read but looks wrong (the rules of section 6, a stale
    /// encoding declaration); the SAP is usable anyway.
    pub warnings: Vec<String>,
}

/// Why a file was refused: the element path (`/` for the document as a whole) and an Italian
/// reason.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SapError {
    pub path: String,
    pub reason: String,
}

impl SapError {
    fn new(path: &str, reason: impl Into<String>) -> Self {
        Self { path: if path.is_empty() { "/".to_owned() } else { path.to_owned() }, reason: reason.into() }
    }
}

impl fmt::Display for SapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.reason)
    }
}

impl std::error::Error for SapError {}

/// Reads one SAP file. Never panics; see the module documentation for what is refused.
pub fn parse(bytes: &[u8]) -> Result<ParsedSap, SapError> {
    if bytes.len() > MAX_BYTES {
        return Err(SapError::new(
            "/",
            format!("file troppo grande ({} byte, al massimo {MAX_BYTES}): non è una SAP", bytes.len()),
        ));
    }
    let (body, bom) = match bytes.strip_prefix(UTF8_BOM) {
        Some(rest) => (rest, true),
        None => (bytes, false),
    };
    // quick-xml reads markup byte by byte as ASCII; UTF-16 would need transcoding first.
    if [&[0xFF, 0xFE][..], &[0xFE, 0xFF], &[0x00, b'<'], &[b'<', 0x00]].iter().any(|p| body.starts_with(p)) {
        return Err(SapError::new("/", "codifica UTF-16 non supportata: salvare il file in UTF-8"));
    }
    let mut parser = Parser::new(body, bom);
    parser.run()?;
    parser.finish()
}

/// What an open element is to the reader.
enum Frame {
    /// A complex element of the schema, with what to run when it closes.
    Container(Option<Hook>),
    /// A leaf of the schema: its text is collected and stored when it closes.
    Leaf(Setter),
    /// Not in the schema here (already reported): ignored with its subtree.
    Skip,
}

struct Parser<'a> {
    reader: Reader<&'a [u8]>,
    /// Bytes removed before the reader saw the input (the BOM), so positions count from the
    /// start of the file.
    offset: u64,
    encoding: &'static Encoding,
    bom: bool,
    /// Something other than blank text was read: a declaration is no longer allowed.
    started: bool,
    /// The walk over the schema: element paths, findings.
    checker: Checker,
    frames: Vec<Frame>,
    /// Text of the open leaf element.
    text: String,
    root_seen: bool,
    root_closed: bool,
    sap: Sap,
    warnings: Vec<String>,
}

impl<'a> Parser<'a> {
    fn new(body: &'a [u8], bom: bool) -> Self {
        Self {
            reader: Reader::from_reader(body),
            offset: if bom { UTF8_BOM.len() as u64 } else { 0 },
            encoding: UTF_8,
            bom,
            started: false,
            checker: Checker::new(Mode::Lenient),
            frames: Vec::new(),
            text: String::new(),
            root_seen: false,
            root_closed: false,
            sap: Sap::default(),
            warnings: Vec::new(),
        }
    }

    fn err(&self, reason: impl Into<String>) -> SapError {
        SapError::new(self.checker.path(), reason)
    }

    fn run(&mut self) -> Result<(), SapError> {
        loop {
            let event = match self.reader.read_event() {
                Ok(event) => event,
                Err(e) => {
                    let at = self.reader.error_position().saturating_add(self.offset);
                    return Err(self.err(format!("XML non ben formato (byte {at}): {}", describe(&e))));
                }
            };
            match event {
                Event::Decl(decl) => self.declaration(&decl)?,
                Event::Text(t) => {
                    if !is_blank(&t) {
                        self.started = true;
                    }
                    self.text(&t)?;
                }
                Event::CData(c) => {
                    self.started = true;
                    self.text(&c)?;
                }
                Event::GeneralRef(r) => {
                    self.started = true;
                    self.reference(&r)?;
                }
                Event::Start(e) => {
                    self.started = true;
                    self.start(&e)?;
                }
                Event::Empty(e) => {
                    self.started = true;
                    self.start(&e)?;
                    self.end()?;
                }
                // quick-xml has already checked that the name matches the open element.
                Event::End(_) => self.end()?,
                Event::Comment(_) | Event::PI(_) | Event::DocType(_) => self.started = true,
                Event::Eof => return Ok(()),
            }
        }
    }

    fn declaration(&mut self, decl: &quick_xml::events::BytesDecl<'_>) -> Result<(), SapError> {
        if self.started {
            return Err(self.err("XML non ben formato: la dichiarazione <?xml ...?> deve aprire il file"));
        }
        self.started = true;
        let label = match decl.encoding() {
            None => return Ok(()),
            Some(Ok(label)) => label,
            Some(Err(_)) => return Err(self.err("XML non ben formato: dichiarazione <?xml ...?> illeggibile")),
        };
        let name = echo(&String::from_utf8_lossy(&label));
        let Some(encoding) = Encoding::for_label(&label) else {
            return Err(
                self.err(format!("codifica dichiarata «{name}» sconosciuta: usare UTF-8, ISO-8859-1 o Windows-1252"))
            );
        };
        if self.bom {
            // The BOM is in the bytes themselves; a declaration can be stale after a re-save.
            if encoding != UTF_8 {
                self.warnings.push(format!(
                    "il file inizia con il BOM UTF-8 ma dichiara la codifica «{name}»: letto come UTF-8"
                ));
            }
        } else if !encoding.is_ascii_compatible() {
            return Err(self.err(format!("codifica «{name}» non supportata: usare UTF-8, ISO-8859-1 o Windows-1252")));
        } else {
            self.encoding = encoding;
        }
        Ok(())
    }

    fn start(&mut self, e: &BytesStart<'_>) -> Result<(), SapError> {
        let depth = self.frames.len();
        let local = e.local_name();
        let name = String::from_utf8_lossy(local.as_ref());
        if depth == 0 && self.root_closed {
            return Err(SapError::new("/", "più di un elemento radice: il file deve contenere una sola SAP"));
        }
        let step = self.checker.start(&name);
        if depth >= MAX_DEPTH {
            return Err(self.err(format!("elementi annidati oltre {MAX_DEPTH} livelli")));
        }
        // Attributes carry nothing we read, but a malformed one makes the document malformed.
        if e.attributes().any(|a| a.is_err()) {
            return Err(self.err("XML non ben formato: attributo non valido"));
        }
        let frame = match step {
            Step::Known(element) => match &element.kind {
                Kind::Leaf { set, .. } => {
                    self.text.clear();
                    Frame::Leaf(*set)
                }
                Kind::Complex { open, close, .. } => {
                    if let Some(open) = open {
                        open(&mut self.sap);
                    }
                    Frame::Container(*close)
                }
            },
            Step::Skip if depth == 0 => {
                let found = echo(&name);
                return Err(
                    self.err(format!("elemento radice «{found}» invece di «lavoratore»: il file non è una SAP"))
                );
            }
            Step::Skip => Frame::Skip,
        };
        if depth == 0 {
            self.root_seen = true;
        }
        self.frames.push(frame);
        Ok(())
    }

    fn end(&mut self) -> Result<(), SapError> {
        let Some(frame) = self.frames.pop() else {
            return Err(self.err("XML non ben formato: chiusura senza apertura"));
        };
        match frame {
            Frame::Leaf(set) => {
                let text = take_value(&mut self.text).unwrap_or_default();
                let value = self.checker.end(&text);
                set(&mut self.sap, value);
            }
            Frame::Container(close) => {
                self.checker.end("");
                if let Some(close) = close {
                    close(&mut self.sap);
                }
            }
            Frame::Skip => {
                self.checker.end("");
            }
        }
        if self.frames.is_empty() {
            self.root_closed = true;
        }
        Ok(())
    }

    fn collecting(&self) -> bool {
        matches!(self.frames.last(), Some(Frame::Leaf(_)))
    }

    fn text(&mut self, raw: &[u8]) -> Result<(), SapError> {
        if self.frames.is_empty() {
            if is_blank(raw) {
                return Ok(());
            }
            return Err(SapError::new("/", "XML non ben formato: testo fuori dall'elemento radice"));
        }
        // Text of containers (indentation) and of skipped elements is never decoded, so an
        // unknown element cannot make a file fail.
        if !self.collecting() {
            if !is_blank(raw) {
                self.checker.stray_text();
            }
            return Ok(());
        }
        let encoding = self.encoding;
        match encoding.decode_without_bom_handling_and_without_replacement(raw) {
            Some(decoded) => {
                self.text.push_str(&decoded);
                Ok(())
            }
            None => Err(self.err(format!("testo non valido per la codifica {} del file", encoding.name()))),
        }
    }

    fn reference(&mut self, name: &[u8]) -> Result<(), SapError> {
        if self.frames.is_empty() {
            return Err(SapError::new("/", "XML non ben formato: riferimento fuori dall'elemento radice"));
        }
        if !self.collecting() {
            return Ok(());
        }
        match resolve_reference(name) {
            Some(c) => {
                self.text.push(c);
                Ok(())
            }
            None => Err(self.err(format!("entità «&{};» sconosciuta", echo(&String::from_utf8_lossy(name))))),
        }
    }

    fn finish(self) -> Result<ParsedSap, SapError> {
        if !self.root_seen {
            return Err(SapError::new("/", "documento vuoto: manca l'elemento «lavoratore»"));
        }
        if !self.frames.is_empty() {
            return Err(self.err("documento troncato: elemento non chiuso"));
        }
        let Parser { sap, mut warnings, checker, encoding, .. } = self;
        let cf = &sap.dati_anagrafici.dati_personali.codice_fiscale;
        if cf.is_empty() {
            return Err(SapError::new(CF_PATH, "codice fiscale del lavoratore mancante"));
        }
        // The value is personal data: the message names the element, not the content.
        let codice_fiscale = CodiceFiscale::parse_schema(cf)
            .map_err(|e| SapError::new(CF_PATH, format!("codice fiscale non valido: {e}")))?;
        warnings.extend(sap.problems());
        Ok(ParsedSap {
            codice_fiscale,
            sap,
            encoding: encoding.name().to_owned(),
            findings: checker.finish(),
            warnings,
        })
    }
}

/// The collected text of a leaf: XML line ends normalised, trimmed, `None` when blank. Keeps
/// the buffer's allocation for the next leaf.
fn take_value(buf: &mut String) -> Option<String> {
    let trimmed = buf.trim();
    let value = if trimmed.is_empty() {
        None
    } else if trimmed.contains('\r') {
        Some(trimmed.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        Some(trimmed.to_owned())
    };
    buf.clear();
    value
}

fn is_blank(raw: &[u8]) -> bool {
    raw.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

/// The five predefined entities and character references. Anything else would need a DTD,
/// which an import never expands.
fn resolve_reference(name: &[u8]) -> Option<char> {
    let digits = |s: &[u8], radix: u32| -> Option<char> {
        let valid = !s.is_empty() && s.iter().all(|c| char::from(*c).is_digit(radix));
        let code = u32::from_str_radix(std::str::from_utf8(s).ok().filter(|_| valid)?, radix).ok()?;
        // NUL is never a legal XML character.
        char::from_u32(code).filter(|c| *c != '\0')
    };
    match name {
        b"lt" => Some('<'),
        b"gt" => Some('>'),
        b"amp" => Some('&'),
        b"apos" => Some('\''),
        b"quot" => Some('"'),
        [b'#', b'x', hex @ ..] => digits(hex, 16),
        [b'#', dec @ ..] => digits(dec, 10),
        _ => None,
    }
}

/// A value repeated in a message, cut so that a huge element cannot make a huge message.
fn echo(value: &str) -> String {
    let mut chars = value.chars();
    let mut out: String = chars.by_ref().take(ECHO_CHARS).collect();
    if chars.next().is_some() {
        out.push('…');
    }
    out
}

/// quick-xml's error, said in Italian.
fn describe(e: &quick_xml::Error) -> String {
    use quick_xml::Error;
    use quick_xml::errors::{IllFormedError, SyntaxError};
    match e {
        Error::Syntax(s) => match s {
            SyntaxError::InvalidBangMarkup => "markup «<!» non riconosciuto".to_owned(),
            SyntaxError::UnclosedPIOrXmlDecl => "istruzione <?...?> non chiusa".to_owned(),
            SyntaxError::UnclosedComment => "commento non chiuso («-->» mancante)".to_owned(),
            SyntaxError::UnclosedDoctype => "DOCTYPE non chiuso".to_owned(),
            SyntaxError::UnclosedCData => "sezione CDATA non chiusa («]]>» mancante)".to_owned(),
            SyntaxError::UnclosedTag => "tag non chiuso («>» mancante)".to_owned(),
        },
        Error::IllFormed(i) => match i {
            IllFormedError::MissingDeclVersion(_) => "dichiarazione <?xml ...?> senza versione".to_owned(),
            IllFormedError::MissingDoctypeName => "DOCTYPE senza nome".to_owned(),
            IllFormedError::MissingEndTag(tag) => format!("manca la chiusura </{}>", echo(tag)),
            IllFormedError::UnmatchedEndTag(tag) => format!("chiusura </{}> senza apertura", echo(tag)),
            IllFormedError::MismatchedEndTag { expected, found } => {
                format!("attesa la chiusura </{}>, trovata </{}>", echo(expected), echo(found))
            }
            IllFormedError::DoubleHyphenInComment => "«--» dentro un commento".to_owned(),
            IllFormedError::UnclosedReference => "riferimento non chiuso («;» mancante)".to_owned(),
        },
        Error::InvalidAttr(_) => "attributo non valido".to_owned(),
        Error::Encoding(_) => "testo non valido nella codifica del file".to_owned(),
        Error::Escape(_) => "riferimento a carattere non valido".to_owned(),
        Error::Namespace(_) => "prefisso di namespace non valido".to_owned(),
        Error::Io(_) => "lettura interrotta".to_owned(),
    }
}

#[cfg(test)]
mod tests;

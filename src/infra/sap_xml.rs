//! Reads a SAP in the national XML layout (root `<lavoratore>`) into a [`Sap`].
//!
//! Imports run over tens of thousands of files, so this is a streaming reader (quick-xml's
//! `Reader` over the byte slice, no DOM) with a flat loop and an explicit element stack: no
//! recursion, so no input can exhaust the call stack, and nesting is capped at [`MAX_DEPTH`].
//!
//! **Tolerant** where the national system varies: elements it does not know are skipped with
//! their whole subtree (wherever they are, even when they hold children named like known
//! fields), missing elements are fine, text is trimmed, an empty element is `None`, element
//! names are compared in lower case and without namespace prefix.
//! **Strict** where a wrong value would be stored silently: the document must be well-formed,
//! the root must be `lavoratore`, the worker's codice fiscale must be present and pass
//! [`CodiceFiscale::parse`] (omocodes pass), every date must be a real date (`yyyy-mm-dd`, or
//! `dd/mm/yyyy` normalised to ISO) and every `durata` an integer. A refusal names the element
//! path, e.g. `/lavoratore/datianagrafici/datipersonali/codicefiscale`.
//! The rules of section 6 ([`PoliticaAttiva::problems`]) are not refusals: the SAP comes from
//! the national system, so they are returned as warnings.
//!
//! **Encoding**: a UTF-8 BOM means UTF-8; otherwise the `encoding` of the XML declaration
//! (labels resolved by encoding_rs, so `ISO-8859-1`/`latin1` decode as its superset
//! `windows-1252`), otherwise UTF-8. Text that is not valid in that encoding is refused;
//! UTF-16 and other encodings that are not ASCII-compatible are refused.
//!
//! ## Element mapping
//!
//! Paths are under `lavoratore/`; `…` repeats the record element above. Names marked † are not
//! in DOMAIN.md: they follow the element names seen in regional systems that import SAPs, and
//! are the ones to check first against the national XSD.
//!
//! | XML element | field |
//! |---|---|
//! | `datiinvio/identificativosap` † | `dati_invio.identificativo_sap` |
//! | `datiinvio/codiceentetit` † | `dati_invio.codice_ente_titolare` |
//! | `datiinvio/dataultimoagg` † | `dati_invio.data_ultimo_aggiornamento` (date) |
//! | `datiinvio/tipovariazione` † | `dati_invio.tipo_variazione` |
//! | `datianagrafici/datipersonali/codicefiscale` | `dati_personali.codice_fiscale` (required, checked) |
//! | `…/cognome`, `…/nome`, `…/sesso` | `dati_personali.cognome`, `.nome`, `.sesso` |
//! | `…/datanascita` | `dati_personali.data_nascita` (date) |
//! | `…/codcomune` † | `dati_personali.comune_nascita` (comune or foreign state code) |
//! | `…/codcittadinanza` † | `dati_personali.cittadinanza` |
//! | `datianagrafici/permessosoggiorno/{tipodocumento,numerodocumento,motivo,questura}` † | `permesso_soggiorno.{tipo_documento,numero_documento,motivo,questura}` |
//! | `datianagrafici/permessosoggiorno/datascadenza` † | `permesso_soggiorno.data_scadenza` (date) |
//! | `datianagrafici/{residenza,domicilio}/{indirizzo,cap}` | `{residenza,domicilio}.{indirizzo,cap}` |
//! | `datianagrafici/{residenza,domicilio}/codcomune` † | `{residenza,domicilio}.comune` |
//! | `datianagrafici/recapiti/{telefono,cellulare,email}` | `recapiti.{telefono,cellulare,email}` |
//! | `datiamministrativi/statoinanagrafe/codstatooccupazionale` † | `dati_amministrativi.stato_occupazionale` |
//! | `…/statoinanagrafe/codstatus` † | `dati_amministrativi.condizione` |
//! | `…/statoinanagrafe/anzianita` † | `dati_amministrativi.mesi_disoccupazione` (unreadable: warning) |
//! | `…/statoinanagrafe/indiceprofiling` † | `dati_amministrativi.indice_profilazione` |
//! | `…/statoinanagrafe/disponibilita` † | `dati_amministrativi.data_did` (date) |
//! | `datiamministrativi/periodidisoccupazione` (repeated) | one `periodi_disoccupazione` entry |
//! | `…/periodidisoccupazione/{dataingresso,datauscita}` † | `.data_ingresso`, `.data_uscita` (dates) |
//! | `…/periodidisoccupazione/tipoingresso` † | `.tipo_ingresso` |
//! | `datiamministrativi/listespeciali_lst/listespeciali` † | one `liste_speciali` entry |
//! | `…/listespeciali/{tipolista,codprovincia}` † | `.tipo_lista`, `.provincia` |
//! | `…/listespeciali/dataiscrizione` † | `.data_iscrizione` (date) |
//! | `datiamministrativi/altreinformazioni/{codcatprotette,isee}` † | `dati_amministrativi.{categoria_protetta,isee}` |
//! | `esperienzelavoro_lst/esperienzalavoro` | one `esperienze_lavoro` entry |
//! | `…/azienda/{codicefiscale,datorelavoro,codateco}` † | `.datore_codice_fiscale`, `.datore_denominazione`, `.datore_ateco` |
//! | `…/utilizzatrice/{codicefiscale,datorelavoro}` † | `.utilizzatrice_codice_fiscale`, `.utilizzatrice_denominazione` |
//! | `…/{datainizio,datafine}` † | `.data_inizio`, `.data_fine` (dates) |
//! | `…/codprofessione` † | `.qualifica` (CP2011) |
//! | `…/compiti` † | `.compiti` |
//! | `…/tiporapporto/{tipocontratto,livello}` † | `.tipo_contratto`, `.livello` |
//! | `…/modalitalavoro/codmodalitalavoro` † | `.modalita_lavoro` |
//! | `…/flag*` (any child whose name starts with `flag`) | `.flags[name]` |
//! | `…/luogolavoro/{codcomune,indirizzo}` † | `.comune_sede`, `.indirizzo_sede` |
//! | `allegato/titolistudio_lst/titolostudio` † | one `titoli_studio` entry |
//! | `…/titolostudio/{codlivelloistruzione,corsostudio,annoconseguimento}` † | `.livello`, `.corso_studio`, `.anno_conseguimento` |
//! | `allegato/formazioneprofessionale_lst/formazioneprofessionale` † | one `formazione_professionale` entry |
//! | `…/{descrizionecorso,entecorso}` † | `.titolo_corso`, `.ente` |
//! | `…/durata` | `.durata` (integer) |
//! | `…/codtipologiadurata` † | `.tipologia_durata` |
//! | `…/{certificazioniattestati,codregione}` † | `.attestato`, `.regione` |
//! | `allegato/linguestraniere_lst/linguastraniera` † | one `lingue_straniere` entry |
//! | `…/{codlingua,codlivelloletto,codlivelloscritto,codlivelloparlato}` † | `.lingua`, `.livello_letto`, `.livello_scritto`, `.livello_parlato` |
//! | `allegato/conoscenzeinformatiche_lst/conoscenzainformatica` † | one `conoscenze_informatiche` entry |
//! | `…/{codconoscenzainformatica,codgrado}` † | `.conoscenza`, `.grado` |
//! | `allegato/altreinformazioni_lst/altreinformazioni/codalbo` † | pushed to `albi` |
//! | `allegato/altreinformazioni_lst/altreinformazioni/codpatenteguida` † | pushed to `patenti` |
//! | `politiche_attive_lst/politiche_attive` | one `politiche_attive` entry |
//! | `…/{tipo_attivita,titolo_denominazione,descrizione,titolo_progetto}` | same name |
//! | `…/{codice_ente_promotore,identificativo_politica,indice_profiling}` | same name |
//! | `…/identificativo_presa_in_carico` | same name |
//! | `…/{data_proposta,data,data_fine}` | same name (dates; `data` is the start) |
//! | `…/durata` | `durata` (integer) |
//! | `…/tipologia_durata` | same name |
//! | `…/ultimo_evento/{evento,descrizione}` | `ultimo_evento.{evento,descrizione}` |
//! | `…/ultimo_evento/data_evento` | `ultimo_evento.data_evento` (date) |

use std::fmt;

use encoding_rs::{Encoding, UTF_8};
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::domain::codice_fiscale::CodiceFiscale;
use crate::domain::sap::{
    ConoscenzaInformatica, EsperienzaLavoro, FormazioneProfessionale, LinguaStraniera, ListaSpeciale,
    PeriodoDisoccupazione, PermessoSoggiorno, PoliticaAttiva, Sap, TitoloStudio, UltimoEvento,
};
use crate::domain::text::{iso, parse_date};

/// Deepest element nesting accepted. A real SAP is 5 levels deep; 64 leaves room for any
/// wrapper the national system may add and refuses hostile inputs early.
pub const MAX_DEPTH: usize = 64;
/// Largest file accepted. A SAP with decades of history is well under 1 MiB; anything larger
/// is not a SAP, and refusing it bounds the memory an import can take.
pub const MAX_BYTES: usize = 10 * 1024 * 1024;

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
const ROOT_PATH: &str = "/lavoratore";
/// Prefix stripped from a path to get the path relative to the root, as in the mapping table.
const ROOT_PREFIX: &str = "/lavoratore/";
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
    /// Italian messages about what was read but looks wrong; the SAP is usable anyway.
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

/// Stores the text of a leaf element into the SAP under construction. Gets the element path
/// for warnings; returns the Italian reason of a refusal.
type Setter = fn(&mut Builder, Option<String>, &str) -> Result<(), String>;

/// What an open element is to the parser.
enum Frame {
    /// A known element with known children.
    Container,
    /// A known field: its text is collected and stored when it closes.
    Leaf(Setter),
    /// A `flag...` element of a work experience, stored by name.
    Flag(String),
    /// Unknown, or inside something that has no children of interest: ignored with its subtree.
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
    /// Current element path, e.g. `/lavoratore/datiinvio/dataultimoagg`.
    path: String,
    /// Open elements with the length of `path` before each was entered.
    frames: Vec<(Frame, usize)>,
    /// Text of the open leaf element.
    text: String,
    root_seen: bool,
    root_closed: bool,
    b: Builder,
}

impl<'a> Parser<'a> {
    fn new(body: &'a [u8], bom: bool) -> Self {
        Self {
            reader: Reader::from_reader(body),
            offset: if bom { UTF8_BOM.len() as u64 } else { 0 },
            encoding: UTF_8,
            bom,
            started: false,
            path: String::new(),
            frames: Vec::new(),
            text: String::new(),
            root_seen: false,
            root_closed: false,
            b: Builder::default(),
        }
    }

    fn err(&self, reason: impl Into<String>) -> SapError {
        SapError::new(&self.path, reason)
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
                self.b.warnings.push(format!(
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
        let mark = self.path.len();
        self.path.push('/');
        push_name(&mut self.path, e.local_name().as_ref());
        if depth >= MAX_DEPTH {
            return Err(self.err(format!("elementi annidati oltre {MAX_DEPTH} livelli")));
        }
        // Attributes carry nothing we read, but a malformed one makes the document malformed.
        if e.attributes().any(|a| a.is_err()) {
            return Err(self.err("XML non ben formato: attributo non valido"));
        }
        let frame = if depth == 0 {
            if self.root_closed {
                return Err(SapError::new("/", "più di un elemento radice: il file deve contenere una sola SAP"));
            }
            if self.path != ROOT_PATH {
                let found = echo(self.path.trim_start_matches('/'));
                return Err(
                    self.err(format!("elemento radice «{found}» invece di «lavoratore»: il file non è una SAP"))
                );
            }
            self.root_seen = true;
            Frame::Container
        } else {
            match self.frames.last() {
                Some((Frame::Container, _)) => self.classify(),
                _ => Frame::Skip,
            }
        };
        self.frames.push((frame, mark));
        Ok(())
    }

    /// What a child of a known container is, by its path below the root.
    fn classify(&mut self) -> Frame {
        let rel = self.path.get(ROOT_PREFIX.len()..).unwrap_or_default();
        if self.b.open(rel) {
            Frame::Container
        } else if let Some(set) = leaf(rel) {
            self.text.clear();
            Frame::Leaf(set)
        } else if let Some(name) = flag_name(rel) {
            self.text.clear();
            Frame::Flag(name.to_owned())
        } else {
            Frame::Skip
        }
    }

    fn end(&mut self) -> Result<(), SapError> {
        let Some((frame, mark)) = self.frames.pop() else {
            return Err(self.err("XML non ben formato: chiusura senza apertura"));
        };
        match frame {
            Frame::Leaf(set) => {
                let value = take_value(&mut self.text);
                set(&mut self.b, value, &self.path).map_err(|reason| SapError::new(&self.path, reason))?;
            }
            Frame::Flag(name) => {
                if let Some(value) = take_value(&mut self.text) {
                    self.b.esperienza.flags.insert(name, value);
                }
            }
            Frame::Container => {
                let rel = self.path.get(ROOT_PREFIX.len()..).unwrap_or_default();
                self.b.close(rel);
            }
            Frame::Skip => {}
        }
        self.path.truncate(mark);
        if self.frames.is_empty() {
            self.root_closed = true;
        }
        Ok(())
    }

    fn collecting(&self) -> bool {
        matches!(self.frames.last(), Some((Frame::Leaf(_) | Frame::Flag(_), _)))
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
        let Builder { sap, codice_fiscale, mut warnings, .. } = self.b;
        let Some(codice_fiscale) = codice_fiscale else {
            return Err(SapError::new(CF_PATH, "codice fiscale del lavoratore mancante"));
        };
        warnings.extend(sap.problems());
        Ok(ParsedSap { codice_fiscale, sap, encoding: self.encoding.name().to_owned(), warnings })
    }
}

/// The SAP under construction, with the record each repeated element is filling.
#[derive(Default)]
struct Builder {
    sap: Sap,
    codice_fiscale: Option<CodiceFiscale>,
    warnings: Vec<String>,
    periodo: PeriodoDisoccupazione,
    lista: ListaSpeciale,
    esperienza: EsperienzaLavoro,
    titolo: TitoloStudio,
    formazione: FormazioneProfessionale,
    lingua: LinguaStraniera,
    conoscenza: ConoscenzaInformatica,
    politica: PoliticaAttiva,
}

impl Builder {
    /// Whether `rel` is a known container; a record element starts a fresh record.
    fn open(&mut self, rel: &str) -> bool {
        match rel {
            "datiinvio"
            | "datianagrafici"
            | "datianagrafici/datipersonali"
            | "datianagrafici/residenza"
            | "datianagrafici/domicilio"
            | "datianagrafici/recapiti"
            | "datiamministrativi"
            | "datiamministrativi/statoinanagrafe"
            | "datiamministrativi/listespeciali_lst"
            | "datiamministrativi/altreinformazioni"
            | "esperienzelavoro_lst"
            | "esperienzelavoro_lst/esperienzalavoro/azienda"
            | "esperienzelavoro_lst/esperienzalavoro/utilizzatrice"
            | "esperienzelavoro_lst/esperienzalavoro/tiporapporto"
            | "esperienzelavoro_lst/esperienzalavoro/modalitalavoro"
            | "esperienzelavoro_lst/esperienzalavoro/luogolavoro"
            | "allegato"
            | "allegato/titolistudio_lst"
            | "allegato/formazioneprofessionale_lst"
            | "allegato/linguestraniere_lst"
            | "allegato/conoscenzeinformatiche_lst"
            | "allegato/altreinformazioni_lst"
            | "allegato/altreinformazioni_lst/altreinformazioni"
            | "politiche_attive_lst" => true,
            "datianagrafici/permessosoggiorno" => {
                self.permesso();
                true
            }
            "datiamministrativi/periodidisoccupazione" => {
                self.periodo = Default::default();
                true
            }
            "datiamministrativi/listespeciali_lst/listespeciali" => {
                self.lista = Default::default();
                true
            }
            "esperienzelavoro_lst/esperienzalavoro" => {
                self.esperienza = Default::default();
                true
            }
            "allegato/titolistudio_lst/titolostudio" => {
                self.titolo = Default::default();
                true
            }
            "allegato/formazioneprofessionale_lst/formazioneprofessionale" => {
                self.formazione = Default::default();
                true
            }
            "allegato/linguestraniere_lst/linguastraniera" => {
                self.lingua = Default::default();
                true
            }
            "allegato/conoscenzeinformatiche_lst/conoscenzainformatica" => {
                self.conoscenza = Default::default();
                true
            }
            "politiche_attive_lst/politiche_attive" => {
                self.politica = Default::default();
                true
            }
            "politiche_attive_lst/politiche_attive/ultimo_evento" => {
                self.evento();
                true
            }
            _ => false,
        }
    }

    /// A container closed: a finished record joins its list (empty ones are dropped, they carry
    /// nothing to show).
    fn close(&mut self, rel: &str) {
        let sap = &mut self.sap;
        match rel {
            "datianagrafici/permessosoggiorno" => {
                let permesso = &mut sap.dati_anagrafici.permesso_soggiorno;
                if permesso.as_ref().is_some_and(|p| *p == PermessoSoggiorno::default()) {
                    *permesso = None;
                }
            }
            "datiamministrativi/periodidisoccupazione" => {
                keep(&mut sap.dati_amministrativi.periodi_disoccupazione, &mut self.periodo)
            }
            "datiamministrativi/listespeciali_lst/listespeciali" => {
                keep(&mut sap.dati_amministrativi.liste_speciali, &mut self.lista)
            }
            "esperienzelavoro_lst/esperienzalavoro" => keep(&mut sap.esperienze_lavoro, &mut self.esperienza),
            "allegato/titolistudio_lst/titolostudio" => {
                keep(&mut sap.informazioni_curriculari.titoli_studio, &mut self.titolo)
            }
            "allegato/formazioneprofessionale_lst/formazioneprofessionale" => {
                keep(&mut sap.informazioni_curriculari.formazione_professionale, &mut self.formazione)
            }
            "allegato/linguestraniere_lst/linguastraniera" => {
                keep(&mut sap.informazioni_curriculari.lingue_straniere, &mut self.lingua)
            }
            "allegato/conoscenzeinformatiche_lst/conoscenzainformatica" => {
                keep(&mut sap.informazioni_curriculari.conoscenze_informatiche, &mut self.conoscenza)
            }
            "politiche_attive_lst/politiche_attive/ultimo_evento" => {
                let evento = &mut self.politica.ultimo_evento;
                if evento.as_ref().is_some_and(|e| *e == UltimoEvento::default()) {
                    *evento = None;
                }
            }
            "politiche_attive_lst/politiche_attive" => keep(&mut sap.politiche_attive, &mut self.politica),
            _ => {}
        }
    }

    fn permesso(&mut self) -> &mut PermessoSoggiorno {
        self.sap.dati_anagrafici.permesso_soggiorno.get_or_insert_with(Default::default)
    }

    fn evento(&mut self) -> &mut UltimoEvento {
        self.politica.ultimo_evento.get_or_insert_with(Default::default)
    }
}

/// Moves a finished record into its list unless it is empty.
fn keep<T: Default + PartialEq>(list: &mut Vec<T>, record: &mut T) {
    let record = std::mem::take(record);
    if record != T::default() {
        list.push(record);
    }
}

/// The field a leaf element fills, by its path below the root (the mapping table of the
/// module documentation, in code).
fn leaf(rel: &str) -> Option<Setter> {
    let set: Setter = match rel {
        // Section 0
        "datiinvio/identificativosap" => |b, v, _| text(&mut b.sap.dati_invio.identificativo_sap, v),
        "datiinvio/codiceentetit" => |b, v, _| text(&mut b.sap.dati_invio.codice_ente_titolare, v),
        "datiinvio/dataultimoagg" => |b, v, _| date(&mut b.sap.dati_invio.data_ultimo_aggiornamento, v),
        "datiinvio/tipovariazione" => |b, v, _| text(&mut b.sap.dati_invio.tipo_variazione, v),
        // Section 1
        "datianagrafici/datipersonali/codicefiscale" => |b, v, _| {
            let v = v.ok_or_else(|| "codice fiscale del lavoratore mancante".to_owned())?;
            // The value is personal data: the message names the element, not the content.
            let cf = CodiceFiscale::parse(&v).map_err(|e| format!("codice fiscale non valido: {e}"))?;
            b.sap.dati_anagrafici.dati_personali.codice_fiscale = cf.as_str().to_owned();
            b.codice_fiscale = Some(cf);
            Ok(())
        },
        "datianagrafici/datipersonali/cognome" => |b, v, _| text(&mut b.sap.dati_anagrafici.dati_personali.cognome, v),
        "datianagrafici/datipersonali/nome" => |b, v, _| text(&mut b.sap.dati_anagrafici.dati_personali.nome, v),
        "datianagrafici/datipersonali/sesso" => |b, v, _| text(&mut b.sap.dati_anagrafici.dati_personali.sesso, v),
        "datianagrafici/datipersonali/datanascita" => {
            |b, v, _| date(&mut b.sap.dati_anagrafici.dati_personali.data_nascita, v)
        }
        "datianagrafici/datipersonali/codcomune" => {
            |b, v, _| text(&mut b.sap.dati_anagrafici.dati_personali.comune_nascita, v)
        }
        "datianagrafici/datipersonali/codcittadinanza" => {
            |b, v, _| text(&mut b.sap.dati_anagrafici.dati_personali.cittadinanza, v)
        }
        "datianagrafici/permessosoggiorno/tipodocumento" => |b, v, _| text(&mut b.permesso().tipo_documento, v),
        "datianagrafici/permessosoggiorno/numerodocumento" => |b, v, _| text(&mut b.permesso().numero_documento, v),
        "datianagrafici/permessosoggiorno/motivo" => |b, v, _| text(&mut b.permesso().motivo, v),
        "datianagrafici/permessosoggiorno/datascadenza" => |b, v, _| date(&mut b.permesso().data_scadenza, v),
        "datianagrafici/permessosoggiorno/questura" => |b, v, _| text(&mut b.permesso().questura, v),
        "datianagrafici/residenza/indirizzo" => |b, v, _| text(&mut b.sap.dati_anagrafici.residenza.indirizzo, v),
        "datianagrafici/residenza/cap" => |b, v, _| text(&mut b.sap.dati_anagrafici.residenza.cap, v),
        "datianagrafici/residenza/codcomune" => |b, v, _| text(&mut b.sap.dati_anagrafici.residenza.comune, v),
        "datianagrafici/domicilio/indirizzo" => |b, v, _| text(&mut b.sap.dati_anagrafici.domicilio.indirizzo, v),
        "datianagrafici/domicilio/cap" => |b, v, _| text(&mut b.sap.dati_anagrafici.domicilio.cap, v),
        "datianagrafici/domicilio/codcomune" => |b, v, _| text(&mut b.sap.dati_anagrafici.domicilio.comune, v),
        "datianagrafici/recapiti/telefono" => |b, v, _| text(&mut b.sap.dati_anagrafici.recapiti.telefono, v),
        "datianagrafici/recapiti/cellulare" => |b, v, _| text(&mut b.sap.dati_anagrafici.recapiti.cellulare, v),
        "datianagrafici/recapiti/email" => |b, v, _| text(&mut b.sap.dati_anagrafici.recapiti.email, v),
        // Section 2
        "datiamministrativi/statoinanagrafe/codstatooccupazionale" => {
            |b, v, _| text(&mut b.sap.dati_amministrativi.stato_occupazionale, v)
        }
        "datiamministrativi/statoinanagrafe/codstatus" => |b, v, _| text(&mut b.sap.dati_amministrativi.condizione, v),
        "datiamministrativi/statoinanagrafe/anzianita" => |b, v, path| {
            // Not a refusal: a display value, and the national system sometimes sends it empty
            // or with decimals.
            b.sap.dati_amministrativi.mesi_disoccupazione = match v {
                None => None,
                Some(v) => match v.parse::<u32>() {
                    Ok(n) => Some(n),
                    Err(_) => {
                        b.warnings.push(format!("{path}: mesi di disoccupazione «{}» illeggibili, ignorati", echo(&v)));
                        None
                    }
                },
            };
            Ok(())
        },
        "datiamministrativi/statoinanagrafe/indiceprofiling" => {
            |b, v, _| text(&mut b.sap.dati_amministrativi.indice_profilazione, v)
        }
        "datiamministrativi/statoinanagrafe/disponibilita" => {
            |b, v, _| date(&mut b.sap.dati_amministrativi.data_did, v)
        }
        "datiamministrativi/periodidisoccupazione/dataingresso" => |b, v, _| date(&mut b.periodo.data_ingresso, v),
        "datiamministrativi/periodidisoccupazione/tipoingresso" => |b, v, _| text(&mut b.periodo.tipo_ingresso, v),
        "datiamministrativi/periodidisoccupazione/datauscita" => |b, v, _| date(&mut b.periodo.data_uscita, v),
        "datiamministrativi/listespeciali_lst/listespeciali/tipolista" => |b, v, _| text(&mut b.lista.tipo_lista, v),
        "datiamministrativi/listespeciali_lst/listespeciali/codprovincia" => |b, v, _| text(&mut b.lista.provincia, v),
        "datiamministrativi/listespeciali_lst/listespeciali/dataiscrizione" => {
            |b, v, _| date(&mut b.lista.data_iscrizione, v)
        }
        "datiamministrativi/altreinformazioni/codcatprotette" => {
            |b, v, _| text(&mut b.sap.dati_amministrativi.categoria_protetta, v)
        }
        "datiamministrativi/altreinformazioni/isee" => |b, v, _| text(&mut b.sap.dati_amministrativi.isee, v),
        // Section 4
        "esperienzelavoro_lst/esperienzalavoro/azienda/codicefiscale" => {
            |b, v, _| text(&mut b.esperienza.datore_codice_fiscale, v)
        }
        "esperienzelavoro_lst/esperienzalavoro/azienda/datorelavoro" => {
            |b, v, _| text(&mut b.esperienza.datore_denominazione, v)
        }
        "esperienzelavoro_lst/esperienzalavoro/azienda/codateco" => |b, v, _| text(&mut b.esperienza.datore_ateco, v),
        "esperienzelavoro_lst/esperienzalavoro/utilizzatrice/codicefiscale" => {
            |b, v, _| text(&mut b.esperienza.utilizzatrice_codice_fiscale, v)
        }
        "esperienzelavoro_lst/esperienzalavoro/utilizzatrice/datorelavoro" => {
            |b, v, _| text(&mut b.esperienza.utilizzatrice_denominazione, v)
        }
        "esperienzelavoro_lst/esperienzalavoro/datainizio" => |b, v, _| date(&mut b.esperienza.data_inizio, v),
        "esperienzelavoro_lst/esperienzalavoro/datafine" => |b, v, _| date(&mut b.esperienza.data_fine, v),
        "esperienzelavoro_lst/esperienzalavoro/codprofessione" => |b, v, _| text(&mut b.esperienza.qualifica, v),
        "esperienzelavoro_lst/esperienzalavoro/compiti" => |b, v, _| text(&mut b.esperienza.compiti, v),
        "esperienzelavoro_lst/esperienzalavoro/tiporapporto/tipocontratto" => {
            |b, v, _| text(&mut b.esperienza.tipo_contratto, v)
        }
        "esperienzelavoro_lst/esperienzalavoro/tiporapporto/livello" => |b, v, _| text(&mut b.esperienza.livello, v),
        "esperienzelavoro_lst/esperienzalavoro/modalitalavoro/codmodalitalavoro" => {
            |b, v, _| text(&mut b.esperienza.modalita_lavoro, v)
        }
        "esperienzelavoro_lst/esperienzalavoro/luogolavoro/codcomune" => {
            |b, v, _| text(&mut b.esperienza.comune_sede, v)
        }
        "esperienzelavoro_lst/esperienzalavoro/luogolavoro/indirizzo" => {
            |b, v, _| text(&mut b.esperienza.indirizzo_sede, v)
        }
        // Section 5
        "allegato/titolistudio_lst/titolostudio/codlivelloistruzione" => |b, v, _| text(&mut b.titolo.livello, v),
        "allegato/titolistudio_lst/titolostudio/corsostudio" => |b, v, _| text(&mut b.titolo.corso_studio, v),
        "allegato/titolistudio_lst/titolostudio/annoconseguimento" => {
            |b, v, _| text(&mut b.titolo.anno_conseguimento, v)
        }
        "allegato/formazioneprofessionale_lst/formazioneprofessionale/descrizionecorso" => {
            |b, v, _| text(&mut b.formazione.titolo_corso, v)
        }
        "allegato/formazioneprofessionale_lst/formazioneprofessionale/entecorso" => {
            |b, v, _| text(&mut b.formazione.ente, v)
        }
        "allegato/formazioneprofessionale_lst/formazioneprofessionale/durata" => {
            |b, v, _| integer(&mut b.formazione.durata, v)
        }
        "allegato/formazioneprofessionale_lst/formazioneprofessionale/codtipologiadurata" => {
            |b, v, _| text(&mut b.formazione.tipologia_durata, v)
        }
        "allegato/formazioneprofessionale_lst/formazioneprofessionale/certificazioniattestati" => {
            |b, v, _| text(&mut b.formazione.attestato, v)
        }
        "allegato/formazioneprofessionale_lst/formazioneprofessionale/codregione" => {
            |b, v, _| text(&mut b.formazione.regione, v)
        }
        "allegato/linguestraniere_lst/linguastraniera/codlingua" => |b, v, _| text(&mut b.lingua.lingua, v),
        "allegato/linguestraniere_lst/linguastraniera/codlivelloletto" => {
            |b, v, _| text(&mut b.lingua.livello_letto, v)
        }
        "allegato/linguestraniere_lst/linguastraniera/codlivelloscritto" => {
            |b, v, _| text(&mut b.lingua.livello_scritto, v)
        }
        "allegato/linguestraniere_lst/linguastraniera/codlivelloparlato" => {
            |b, v, _| text(&mut b.lingua.livello_parlato, v)
        }
        "allegato/conoscenzeinformatiche_lst/conoscenzainformatica/codconoscenzainformatica" => {
            |b, v, _| text(&mut b.conoscenza.conoscenza, v)
        }
        "allegato/conoscenzeinformatiche_lst/conoscenzainformatica/codgrado" => {
            |b, v, _| text(&mut b.conoscenza.grado, v)
        }
        "allegato/altreinformazioni_lst/altreinformazioni/codalbo" => {
            |b, v, _| append(&mut b.sap.informazioni_curriculari.albi, v)
        }
        "allegato/altreinformazioni_lst/altreinformazioni/codpatenteguida" => {
            |b, v, _| append(&mut b.sap.informazioni_curriculari.patenti, v)
        }
        // Section 6
        "politiche_attive_lst/politiche_attive/tipo_attivita" => |b, v, _| text(&mut b.politica.tipo_attivita, v),
        "politiche_attive_lst/politiche_attive/titolo_denominazione" => {
            |b, v, _| text(&mut b.politica.titolo_denominazione, v)
        }
        "politiche_attive_lst/politiche_attive/data_proposta" => |b, v, _| date(&mut b.politica.data_proposta, v),
        "politiche_attive_lst/politiche_attive/data" => |b, v, _| date(&mut b.politica.data, v),
        "politiche_attive_lst/politiche_attive/data_fine" => |b, v, _| date(&mut b.politica.data_fine, v),
        "politiche_attive_lst/politiche_attive/durata" => |b, v, _| integer(&mut b.politica.durata, v),
        "politiche_attive_lst/politiche_attive/tipologia_durata" => |b, v, _| text(&mut b.politica.tipologia_durata, v),
        "politiche_attive_lst/politiche_attive/descrizione" => |b, v, _| text(&mut b.politica.descrizione, v),
        "politiche_attive_lst/politiche_attive/titolo_progetto" => |b, v, _| text(&mut b.politica.titolo_progetto, v),
        "politiche_attive_lst/politiche_attive/codice_ente_promotore" => {
            |b, v, _| text(&mut b.politica.codice_ente_promotore, v)
        }
        "politiche_attive_lst/politiche_attive/identificativo_politica" => {
            |b, v, _| text(&mut b.politica.identificativo_politica, v)
        }
        "politiche_attive_lst/politiche_attive/indice_profiling" => |b, v, _| text(&mut b.politica.indice_profiling, v),
        "politiche_attive_lst/politiche_attive/identificativo_presa_in_carico" => {
            |b, v, _| text(&mut b.politica.identificativo_presa_in_carico, v)
        }
        "politiche_attive_lst/politiche_attive/ultimo_evento/evento" => |b, v, _| text(&mut b.evento().evento, v),
        "politiche_attive_lst/politiche_attive/ultimo_evento/data_evento" => {
            |b, v, _| date(&mut b.evento().data_evento, v)
        }
        "politiche_attive_lst/politiche_attive/ultimo_evento/descrizione" => {
            |b, v, _| text(&mut b.evento().descrizione, v)
        }
        _ => return None,
    };
    Some(set)
}

/// `flag...` children of a work experience: their name, kept as the key of the flag.
fn flag_name(rel: &str) -> Option<&str> {
    rel.strip_prefix("esperienzelavoro_lst/esperienzalavoro/").filter(|n| n.starts_with("flag") && !n.contains('/'))
}

fn text(slot: &mut Option<String>, value: Option<String>) -> Result<(), String> {
    *slot = value;
    Ok(())
}

fn append(list: &mut Vec<String>, value: Option<String>) -> Result<(), String> {
    list.extend(value);
    Ok(())
}

/// ISO dates stay as they are, `dd/mm/yyyy` is normalised; anything else is refused because a
/// wrong date would silently break the order rules of section 6.
fn date(slot: &mut Option<String>, value: Option<String>) -> Result<(), String> {
    *slot = match value {
        None => None,
        Some(v) => match parse_date(&v) {
            Some(d) => Some(iso(d)),
            None => return Err(format!("data «{}» non valida: attesa aaaa-mm-gg o gg/mm/aaaa", echo(&v))),
        },
    };
    Ok(())
}

fn integer(slot: &mut Option<i64>, value: Option<String>) -> Result<(), String> {
    *slot = match value {
        None => None,
        Some(v) => match v.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => return Err(format!("durata «{}» non valida: atteso un numero intero", echo(&v))),
        },
    };
    Ok(())
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

/// Appends an element name to the path, lower case; names that are not UTF-8 (an unknown
/// element in a Latin-1 file) only ever appear in messages, so a lossy form is enough.
fn push_name(path: &mut String, name: &[u8]) {
    match std::str::from_utf8(name) {
        Ok(s) => path.extend(s.chars().map(|c| c.to_ascii_lowercase())),
        Err(_) => path.push_str(&String::from_utf8_lossy(name).to_lowercase()),
    }
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
mod tests {
    use super::*;

    /// A complete SAP as the national system sends it, with elements this reader does not
    /// know at several levels (marked "unknown"): they must change nothing.
    const FULL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!-- SAP di prova: dati inventati -->
<lavoratore xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <datiinvio>
    <dataultimoagg>2024-09-14</dataultimoagg>
    <identificativosap>AA01711608H</identificativosap>
    <codiceentetit>G702C000681</codiceentetit>
    <tipovariazione>02</tipovariazione>
    <datadinascita>1985-12-10</datadinascita><!-- unknown -->
  </datiinvio>
  <versionetracciato>1.9</versionetracciato><!-- unknown -->
  <sezione3><vuota><ancora>x</ancora></vuota></sezione3><!-- unknown subtree -->
  <datianagrafici>
    <datipersonali>
      <codicefiscale> rssmra85t10a562s </codicefiscale>
      <cognome>D&apos;ANTÒ</cognome>
      <nome>Nicolò</nome>
      <sesso>M</sesso>
      <datanascita>1985-12-10</datanascita>
      <codcomune>A562</codcomune>
      <codcittadinanza>000</codcittadinanza>
      <statocivile>1</statocivile><!-- unknown -->
      <storico><cognome>ALTRO</cognome><nome>VECCHIO</nome></storico><!-- unknown, known names inside -->
    </datipersonali>
    <residenza>
      <codcomune>G702</codcomune>
      <cap>56122</cap>
      <indirizzo>Via Santa Maria, 12</indirizzo>
      <frazione/><!-- unknown -->
    </residenza>
    <domicilio>
      <codcomune>G702</codcomune>
      <cap>56127</cap>
      <indirizzo><![CDATA[Lungarno Pacinotti, 43 <int. 2>]]></indirizzo>
    </domicilio>
    <recapiti>
      <telefono>050 123456</telefono>
      <cellulare>   </cellulare>
      <email>nicolo.danto@example.it</email>
      <pec/>
    </recapiti>
  </datianagrafici>
  <datiamministrativi>
    <statoinanagrafe>
      <codstatooccupazionale>B</codstatooccupazionale>
      <codstatus>D</codstatus>
      <categoria297>A21</categoria297>
      <anzianita>7</anzianita>
      <indiceprofiling>0.7912</indiceprofiling>
      <disponibilita>2024-02-01</disponibilita>
    </statoinanagrafe>
    <periodidisoccupazione>
      <dataingresso>2024-02-01</dataingresso>
      <tipoingresso>D</tipoingresso>
    </periodidisoccupazione>
    <periodidisoccupazione>
      <dataingresso>04/03/2019</dataingresso>
      <tipoingresso>D</tipoingresso>
      <datauscita>30/11/2019</datauscita>
    </periodidisoccupazione>
    <listespeciali_lst>
      <listespeciali>
        <tipolista>M</tipolista>
        <codprovincia>PI</codprovincia>
        <dataiscrizione>2024-02-15</dataiscrizione>
      </listespeciali>
    </listespeciali_lst>
    <altreinformazioni>
      <codcatprotette>01</codcatprotette>
      <isee>12500,00</isee>
    </altreinformazioni>
  </datiamministrativi>
  <esperienzelavoro_lst>
    <esperienzalavoro>
      <azienda>
        <codicefiscale>01234567890</codicefiscale>
        <datorelavoro>Officine Meccaniche Pisane S.r.l.</datorelavoro>
        <codateco>25.62.00</codateco>
        <numerodipendenti>48</numerodipendenti><!-- unknown -->
      </azienda>
      <datainizio>2019-12-01</datainizio>
      <datafine>2023-12-31</datafine>
      <codprofessione>6.2.1.3.0</codprofessione>
      <compiti>Tornitura e fresatura
        a controllo numerico</compiti>
      <tiporapporto>
        <tipocontratto>A.02.00</tipocontratto>
        <livello>C2</livello>
        <ccnl>METALMECCANICA INDUSTRIA</ccnl><!-- unknown -->
      </tiporapporto>
      <modalitalavoro><codmodalitalavoro>FT</codmodalitalavoro></modalitalavoro>
      <flagstagionale>N</flagstagionale>
      <luogolavoro><codcomune>G702</codcomune><indirizzo>Via dell'Industria 5</indirizzo></luogolavoro>
    </esperienzalavoro>
    <esperienzalavoro>
      <azienda>
        <codicefiscale>09876543210</codicefiscale>
        <datorelavoro>Agenzia Lavoro Toscana S.p.A.</datorelavoro>
        <codateco>78.20.00</codateco>
      </azienda>
      <utilizzatrice>
        <codicefiscale>11223344556</codicefiscale>
        <datorelavoro>Logistica Tirrena S.r.l.</datorelavoro>
      </utilizzatrice>
      <datainizio>2018-05-02</datainizio>
      <datafine>2018-10-31</datafine>
      <codprofessione>8.1.3.1.0</codprofessione>
      <tiporapporto><tipocontratto>A.03.00</tipocontratto></tiporapporto>
      <flagsomministrazione>S</flagsomministrazione>
      <luogolavoro><codcomune>E625</codcomune></luogolavoro>
    </esperienzalavoro>
  </esperienzelavoro_lst>
  <allegato>
    <titolistudio_lst>
      <titolostudio>
        <codlivelloistruzione>40</codlivelloistruzione>
        <corsostudio>4000000034</corsostudio>
        <annoconseguimento>2004</annoconseguimento>
        <votazione>78/100</votazione><!-- unknown -->
      </titolostudio>
    </titolistudio_lst>
    <formazioneprofessionale_lst>
      <formazioneprofessionale>
        <descrizionecorso>Saldatura a filo continuo</descrizionecorso>
        <entecorso>Agenzia Formativa Pisa</entecorso>
        <durata>120</durata>
        <codtipologiadurata>O</codtipologiadurata>
        <certificazioniattestati>03</certificazioniattestati>
        <codregione>09</codregione>
      </formazioneprofessionale>
    </formazioneprofessionale_lst>
    <linguestraniere_lst>
      <linguastraniera>
        <codlingua>02</codlingua>
        <codlivelloletto>B1</codlivelloletto>
        <codlivelloscritto>A2</codlivelloscritto>
        <codlivelloparlato>B1</codlivelloparlato>
      </linguastraniera>
      <linguastraniera>
        <codlingua>05</codlingua>
        <codlivelloletto>A1</codlivelloletto>
        <codlivelloscritto>A1</codlivelloscritto>
        <codlivelloparlato>A2</codlivelloparlato>
      </linguastraniera>
    </linguestraniere_lst>
    <conoscenzeinformatiche_lst>
      <conoscenzainformatica>
        <codconoscenzainformatica>011</codconoscenzainformatica>
        <codgrado>2</codgrado>
      </conoscenzainformatica>
    </conoscenzeinformatiche_lst>
    <altreinformazioni_lst>
      <altreinformazioni><codpatenteguida>B</codpatenteguida></altreinformazioni>
      <altreinformazioni><codpatenteguida>C</codpatenteguida><codalbo>A12</codalbo></altreinformazioni>
    </altreinformazioni_lst>
  </allegato>
  <politiche_attive_lst>
    <politiche_attive>
      <tipo_attivita>N00</tipo_attivita>
      <titolo_denominazione>0000010800G</titolo_denominazione>
      <data_proposta>2024-02-01</data_proposta>
      <data>2024-02-01</data>
      <data_fine>2024-02-01</data_fine>
      <descrizione>Convalida DID Online</descrizione>
      <titolo_progetto>05</titolo_progetto>
      <codice_ente_promotore>H501N000001</codice_ente_promotore>
      <identificativo_politica>0000010800G</identificativo_politica>
      <indice_profiling>0.7912</indice_profiling>
      <identificativo_presa_in_carico>1700A1B2C3D</identificativo_presa_in_carico>
      <ultimo_evento><evento>02</evento><data_evento>2024-02-01</data_evento></ultimo_evento>
    </politiche_attive>
    <politiche_attive>
      <tipo_attivita>A02</tipo_attivita>
      <titolo_denominazione>PATTO DI ATTIVAZIONE ED EVENTUALE PROFILING</titolo_denominazione>
      <data_proposta>2024-02-05</data_proposta>
      <data>2024-02-05</data>
      <data_fine>2024-02-05</data_fine>
      <titolo_progetto>01</titolo_progetto>
      <codice_ente_promotore>G702C000681</codice_ente_promotore>
      <identificativo_politica>17008B3B94B</identificativo_politica>
      <ultimo_evento><evento>02</evento><data_evento>2024-02-05</data_evento></ultimo_evento>
    </politiche_attive>
    <politiche_attive>
      <tipo_attivita>A06</tipo_attivita>
      <titolo_denominazione>COLLOQUI PER IL PROGETTO PROFESSIONALE</titolo_denominazione>
      <data_proposta>2024-03-01</data_proposta>
      <data>2024-03-04</data>
      <data_fine>2024-03-28</data_fine>
      <durata>4</durata>
      <tipologia_durata>O</tipologia_durata>
      <titolo_progetto>01</titolo_progetto>
      <codice_ente_promotore>G702S001234</codice_ente_promotore>
      <ultimo_evento>
        <evento>10</evento>
        <data_evento>2024-03-28</data_evento>
        <descrizione>Terminata regolarmente</descrizione>
        <operatore>MRSGLI70A41G702X</operatore><!-- unknown -->
      </ultimo_evento>
    </politiche_attive>
    <politiche_attive>
      <tipo_attivita>B03</tipo_attivita>
      <titolo_denominazione>CONSULENZA RICERCA IMPIEGO</titolo_denominazione>
      <data_proposta>2024-04-02</data_proposta>
      <codice_ente_promotore>G702S001234</codice_ente_promotore>
      <ultimo_evento><evento>01</evento><data_evento>2024-04-02</data_evento></ultimo_evento>
    </politiche_attive>
    <politiche_attive>
      <tipo_attivita>C06</tipo_attivita>
      <titolo_denominazione>TIROCINIO EXTRACURRICOLARE</titolo_denominazione>
      <data_proposta>2024-04-10</data_proposta>
      <data>2024-05-02</data>
      <data_fine>2024-10-31</data_fine>
      <durata>6</durata>
      <tipologia_durata>M</tipologia_durata>
      <descrizione>Tirocinio presso Logistica Tirrena S.r.l. &#8211; magazzino</descrizione>
      <titolo_progetto>01</titolo_progetto>
      <codice_ente_promotore>G702S001234</codice_ente_promotore>
      <tutor_aziendale><cognome>BIANCHI</cognome><nome>ANNA</nome></tutor_aziendale><!-- unknown -->
      <ultimo_evento><evento>02</evento><data_evento>2024-05-02</data_evento></ultimo_evento>
    </politiche_attive>
  </politiche_attive_lst>
</lavoratore>
"#;

    fn s(v: &str) -> Option<String> {
        Some(v.to_owned())
    }

    fn ok(bytes: &[u8]) -> ParsedSap {
        match parse(bytes) {
            Ok(p) => p,
            Err(e) => panic!("refused: {e}"),
        }
    }

    fn refused(bytes: &[u8]) -> SapError {
        match parse(bytes) {
            Ok(p) => panic!("accepted: {p:?}"),
            Err(e) => e,
        }
    }

    /// A small SAP with the given declaration and name bytes (for the encoding tests).
    fn minimal(decl: &str, cognome: &[u8], nome: &[u8]) -> Vec<u8> {
        let mut doc = Vec::new();
        doc.extend_from_slice(decl.as_bytes());
        doc.extend_from_slice(
            b"\n<lavoratore><datianagrafici><datipersonali><codicefiscale>RCCMNL83S18D969H</codicefiscale><cognome>",
        );
        doc.extend_from_slice(cognome);
        doc.extend_from_slice(b"</cognome><nome>");
        doc.extend_from_slice(nome);
        doc.extend_from_slice(b"</nome></datipersonali></datianagrafici></lavoratore>\n");
        doc
    }

    /// A SAP whose first policy holds `inner`, to try one field at a time.
    fn with_policy(inner: &str) -> String {
        format!(
            "<lavoratore><datianagrafici><datipersonali><codicefiscale>RSSMRA85T10A562S</codicefiscale>\
             </datipersonali></datianagrafici><politiche_attive_lst><politiche_attive>{inner}\
             </politiche_attive></politiche_attive_lst></lavoratore>"
        )
    }

    #[test]
    fn reads_every_section_of_a_full_sap() {
        let p = ok(FULL.as_bytes());
        assert_eq!(p.codice_fiscale.as_str(), "RSSMRA85T10A562S");
        assert_eq!(p.encoding, "UTF-8");
        assert_eq!(p.warnings, Vec::<String>::new());
        let sap = &p.sap;

        assert_eq!(sap.dati_invio.identificativo_sap, s("AA01711608H"));
        assert_eq!(sap.dati_invio.codice_ente_titolare, s("G702C000681"));
        assert_eq!(sap.dati_invio.data_ultimo_aggiornamento, s("2024-09-14"));
        assert_eq!(sap.dati_invio.tipo_variazione, s("02"));

        let dp = &sap.dati_anagrafici.dati_personali;
        assert_eq!(dp.codice_fiscale, "RSSMRA85T10A562S");
        assert_eq!(dp.cognome, s("D'ANTÒ"));
        assert_eq!(dp.nome, s("Nicolò"));
        assert_eq!(dp.sesso, s("M"));
        assert_eq!(dp.data_nascita, s("1985-12-10"));
        assert_eq!(dp.comune_nascita, s("A562"));
        assert_eq!(dp.cittadinanza, s("000"));
        assert_eq!(sap.dati_anagrafici.permesso_soggiorno, None);
        assert_eq!(sap.dati_anagrafici.residenza.indirizzo, s("Via Santa Maria, 12"));
        assert_eq!(sap.dati_anagrafici.residenza.cap, s("56122"));
        assert_eq!(sap.dati_anagrafici.residenza.comune, s("G702"));
        assert_eq!(sap.dati_anagrafici.domicilio.indirizzo, s("Lungarno Pacinotti, 43 <int. 2>"));
        assert_eq!(sap.dati_anagrafici.recapiti.telefono, s("050 123456"));
        assert_eq!(sap.dati_anagrafici.recapiti.cellulare, None, "blank element is None");
        assert_eq!(sap.dati_anagrafici.recapiti.email, s("nicolo.danto@example.it"));

        let da = &sap.dati_amministrativi;
        assert_eq!(da.stato_occupazionale, s("B"));
        assert_eq!(da.condizione, s("D"));
        assert_eq!(da.mesi_disoccupazione, Some(7));
        assert_eq!(da.indice_profilazione, s("0.7912"));
        assert_eq!(da.data_did, s("2024-02-01"));
        assert_eq!(
            da.periodi_disoccupazione,
            vec![
                PeriodoDisoccupazione { data_ingresso: s("2024-02-01"), tipo_ingresso: s("D"), data_uscita: None },
                PeriodoDisoccupazione {
                    data_ingresso: s("2019-03-04"),
                    tipo_ingresso: s("D"),
                    data_uscita: s("2019-11-30"),
                },
            ]
        );
        assert_eq!(
            da.liste_speciali,
            vec![ListaSpeciale { tipo_lista: s("M"), provincia: s("PI"), data_iscrizione: s("2024-02-15") }]
        );
        assert_eq!(da.categoria_protetta, s("01"));
        assert_eq!(da.isee, s("12500,00"));

        assert_eq!(sap.esperienze_lavoro.len(), 2);
        let first = &sap.esperienze_lavoro[0];
        assert_eq!(first.datore_codice_fiscale, s("01234567890"));
        assert_eq!(first.datore_denominazione, s("Officine Meccaniche Pisane S.r.l."));
        assert_eq!(first.datore_ateco, s("25.62.00"));
        assert_eq!(first.utilizzatrice_codice_fiscale, None);
        assert_eq!(first.data_inizio, s("2019-12-01"));
        assert_eq!(first.data_fine, s("2023-12-31"));
        assert_eq!(first.qualifica, s("6.2.1.3.0"));
        assert_eq!(first.compiti, s("Tornitura e fresatura\n        a controllo numerico"));
        assert_eq!(first.tipo_contratto, s("A.02.00"));
        assert_eq!(first.livello, s("C2"));
        assert_eq!(first.modalita_lavoro, s("FT"));
        assert_eq!(first.flags.get("flagstagionale").map(String::as_str), Some("N"));
        assert_eq!(first.comune_sede, s("G702"));
        assert_eq!(first.indirizzo_sede, s("Via dell'Industria 5"));
        let second = &sap.esperienze_lavoro[1];
        assert_eq!(second.utilizzatrice_codice_fiscale, s("11223344556"));
        assert_eq!(second.utilizzatrice_denominazione, s("Logistica Tirrena S.r.l."));
        assert_eq!(second.flags.get("flagsomministrazione").map(String::as_str), Some("S"));
        assert_eq!(second.livello, None, "nothing leaks from the previous record");

        let ic = &sap.informazioni_curriculari;
        assert_eq!(
            ic.titoli_studio,
            vec![TitoloStudio { livello: s("40"), corso_studio: s("4000000034"), anno_conseguimento: s("2004") }]
        );
        assert_eq!(
            ic.formazione_professionale,
            vec![FormazioneProfessionale {
                titolo_corso: s("Saldatura a filo continuo"),
                ente: s("Agenzia Formativa Pisa"),
                durata: Some(120),
                tipologia_durata: s("O"),
                attestato: s("03"),
                regione: s("09"),
            }]
        );
        assert_eq!(ic.lingue_straniere.len(), 2);
        assert_eq!(
            ic.lingue_straniere[1],
            LinguaStraniera {
                lingua: s("05"),
                livello_letto: s("A1"),
                livello_scritto: s("A1"),
                livello_parlato: s("A2"),
            }
        );
        assert_eq!(ic.conoscenze_informatiche, vec![ConoscenzaInformatica { conoscenza: s("011"), grado: s("2") }]);
        assert_eq!(ic.patenti, vec!["B".to_owned(), "C".to_owned()]);
        assert_eq!(ic.albi, vec!["A12".to_owned()]);

        let codes: Vec<_> = sap.politiche_attive.iter().map(|p| p.tipo_attivita.as_deref().unwrap_or("")).collect();
        assert_eq!(codes, ["N00", "A02", "A06", "B03", "C06"]);
        let n00 = &sap.politiche_attive[0];
        assert_eq!(n00.identificativo_presa_in_carico, s("1700A1B2C3D"));
        assert_eq!(n00.indice_profiling, s("0.7912"));
        assert_eq!(
            n00.ultimo_evento,
            Some(UltimoEvento { evento: s("02"), data_evento: s("2024-02-01"), descrizione: None })
        );
        let a06 = &sap.politiche_attive[2];
        assert_eq!(
            *a06,
            PoliticaAttiva {
                tipo_attivita: s("A06"),
                titolo_denominazione: s("COLLOQUI PER IL PROGETTO PROFESSIONALE"),
                data_proposta: s("2024-03-01"),
                data: s("2024-03-04"),
                data_fine: s("2024-03-28"),
                durata: Some(4),
                tipologia_durata: s("O"),
                descrizione: None,
                titolo_progetto: s("01"),
                codice_ente_promotore: s("G702S001234"),
                identificativo_politica: None,
                indice_profiling: None,
                identificativo_presa_in_carico: None,
                ultimo_evento: Some(UltimoEvento {
                    evento: s("10"),
                    data_evento: s("2024-03-28"),
                    descrizione: s("Terminata regolarmente"),
                }),
            }
        );
        let b03 = &sap.politiche_attive[3];
        assert_eq!(b03.data, None);
        assert_eq!(b03.ultimo_evento.as_ref().and_then(|e| e.evento.clone()), s("01"));
        let c06 = &sap.politiche_attive[4];
        assert_eq!(c06.descrizione, s("Tirocinio presso Logistica Tirrena S.r.l. – magazzino"));
        assert_eq!(c06.durata, Some(6));
        assert_eq!(c06.tipologia_durata, s("M"));
    }

    #[test]
    fn unknown_elements_change_nothing() {
        // Remove every element marked "unknown" in FULL: the result must be identical.
        let mut stripped = String::new();
        for line in FULL.lines() {
            if line.contains("<!-- unknown") {
                continue;
            }
            stripped.push_str(line);
            stripped.push('\n');
        }
        assert!(stripped.len() < FULL.len() - 300, "the sample really has unknown elements");
        assert_eq!(ok(stripped.as_bytes()).sap, ok(FULL.as_bytes()).sap);
    }

    #[test]
    fn iso_8859_1_decodes_accents() {
        let doc = minimal(r#"<?xml version="1.0" encoding="ISO-8859-1"?>"#, b"D'ANT\xd2", b"Nicol\xf2");
        let p = ok(&doc);
        // encoding_rs decodes the Latin-1 labels as windows-1252, its superset.
        assert_eq!(p.encoding, "windows-1252");
        assert_eq!(p.sap.dati_anagrafici.dati_personali.cognome, s("D'ANTÒ"));
        assert_eq!(p.sap.dati_anagrafici.dati_personali.nome, s("Nicolò"));
        let lower = minimal(r#"<?xml version='1.0' encoding='iso-8859-1' standalone='yes'?>"#, b"Ant\xf2", b"Jos\xe9");
        assert_eq!(ok(&lower).sap.dati_anagrafici.dati_personali.cognome, s("Antò"));
    }

    #[test]
    fn windows_1252_decodes_accents_and_typographic_quotes() {
        // 0x92 is the right single quote in Windows-1252 (a control character in Latin-1).
        let doc = minimal(r#"<?xml version="1.0" encoding="windows-1252"?>"#, b"D\x92ANT\xd2", b"Nicol\xf2");
        let p = ok(&doc);
        assert_eq!(p.encoding, "windows-1252");
        assert_eq!(p.sap.dati_anagrafici.dati_personali.cognome, s("D\u{2019}ANTÒ"));
        assert_eq!(p.sap.dati_anagrafici.dati_personali.nome, s("Nicolò"));
    }

    #[test]
    fn utf8_with_and_without_declaration_and_bom() {
        let plain = minimal("", "D'Antò".as_bytes(), "Nicolò".as_bytes());
        assert_eq!(ok(&plain).sap.dati_anagrafici.dati_personali.nome, s("Nicolò"));

        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend(minimal(r#"<?xml version="1.0" encoding="UTF-8"?>"#, "D'Antò".as_bytes(), "Nicolò".as_bytes()));
        let p = ok(&bom);
        assert_eq!(p.encoding, "UTF-8");
        assert_eq!(p.sap.dati_anagrafici.dati_personali.cognome, s("D'Antò"));
        assert!(p.warnings.is_empty());

        // The BOM wins over a stale declaration, with a warning.
        let mut stale = b"\xEF\xBB\xBF".to_vec();
        stale.extend(minimal(r#"<?xml version="1.0" encoding="ISO-8859-1"?>"#, "Antò".as_bytes(), b"X"));
        let p = ok(&stale);
        assert_eq!(p.encoding, "UTF-8");
        assert_eq!(p.sap.dati_anagrafici.dati_personali.cognome, s("Antò"));
        assert_eq!(p.warnings.len(), 1, "{:?}", p.warnings);
    }

    #[test]
    fn text_invalid_for_the_declared_encoding_is_refused() {
        // Latin-1 bytes in a file that says UTF-8.
        let doc = minimal(r#"<?xml version="1.0" encoding="UTF-8"?>"#, b"Ant\xf2", b"Nicola");
        let e = refused(&doc);
        assert_eq!(e.path, "/lavoratore/datianagrafici/datipersonali/cognome");
        assert!(e.reason.contains("UTF-8"), "{e}");

        let e = refused(&minimal(r#"<?xml version="1.0" encoding="klingon-8"?>"#, b"A", b"B"));
        assert_eq!(e.path, "/");
        assert!(e.reason.contains("klingon-8"), "{e}");

        let e = refused(&minimal(r#"<?xml version="1.0" encoding="UTF-16"?>"#, b"A", b"B"));
        assert!(e.reason.contains("non supportata"), "{e}");

        let e = refused(b"\xFF\xFE<\x00?\x00x\x00m\x00l\x00");
        assert!(e.reason.contains("UTF-16"), "{e}");
    }

    #[test]
    fn malformed_xml_is_refused_with_the_path() {
        let doc = FULL.replace("<sesso>M</sesso>", "<sesso>M</sessso>");
        let e = refused(doc.as_bytes());
        assert_eq!(e.path, "/lavoratore/datianagrafici/datipersonali/sesso");
        assert!(e.reason.starts_with("XML non ben formato"), "{e}");
        assert!(e.to_string().starts_with("/lavoratore/datianagrafici/datipersonali/sesso: XML non ben formato"));

        let truncated = &FULL[..FULL.find("</datianagrafici>").unwrap()];
        let e = refused(truncated.as_bytes());
        assert_eq!(e.path, "/lavoratore/datianagrafici");
        assert!(e.reason.contains("troncato"), "{e}");

        for (doc, path) in [
            ("<lavoratore><datiinvio></lavoratore>", "/lavoratore/datiinvio"),
            ("<lavoratore><a b></a></lavoratore>", "/lavoratore/a"),
            ("<lavoratore><a b=\"1\" b=\"2\"/></lavoratore>", "/lavoratore/a"),
            ("<lavoratore></lavoratore><lavoratore></lavoratore>", "/"),
            ("testo<lavoratore></lavoratore>", "/"),
            ("<lavoratore><datiinvio><tipovariazione>&nbsp;</tipovariazione>", "/lavoratore/datiinvio/tipovariazione"),
            ("", "/"),
            ("   \n", "/"),
            ("<lavoratore>", "/lavoratore"),
            ("<!-- solo un commento", "/"),
            ("<lavoratore/><?xml version=\"1.0\"?>", "/"),
        ] {
            let e = refused(doc.as_bytes());
            assert_eq!(e.path, path, "{doc}: {e}");
        }
    }

    #[test]
    fn wrong_root_is_refused() {
        let e = refused(b"<?xml version=\"1.0\"?><ListaDID><codicefiscale>RSSMRA85T10A562S</codicefiscale></ListaDID>");
        assert_eq!(e.path, "/listadid");
        assert!(e.reason.contains("non è una SAP"), "{e}");
    }

    #[test]
    fn namespace_prefix_and_case_are_tolerated() {
        let doc = "<sap:Lavoratore xmlns:sap=\"urn:example:sap\"><sap:DatiAnagrafici><sap:DatiPersonali>\
                   <sap:CodiceFiscale>RSSMRA85T50A562W</sap:CodiceFiscale><sap:Nome>Maria</sap:Nome>\
                   </sap:DatiPersonali></sap:DatiAnagrafici></sap:Lavoratore>";
        let p = ok(doc.as_bytes());
        assert_eq!(p.codice_fiscale.as_str(), "RSSMRA85T50A562W");
        assert_eq!(p.sap.dati_anagrafici.dati_personali.nome, s("Maria"));
    }

    #[test]
    fn codice_fiscale_is_checked() {
        let doc = FULL.replace("rssmra85t10a562s", "MRTMTT25D09F20RA");
        let e = refused(doc.as_bytes());
        assert_eq!(e.path, CF_PATH);
        assert!(e.reason.contains("carattere di controllo"), "{e}");
        assert!(!e.reason.contains("MRTMTT"), "personal data stays out of the message");

        let e = refused(FULL.replace("rssmra85t10a562s", "").as_bytes());
        assert_eq!(e.path, CF_PATH);

        let without = FULL.replace("<codicefiscale> rssmra85t10a562s </codicefiscale>", "");
        let e = refused(without.as_bytes());
        assert_eq!(e.path, CF_PATH);
        assert!(e.reason.contains("mancante"), "{e}");

        // An employer's codice fiscale elsewhere is not the worker's.
        let e = refused(b"<lavoratore><esperienzelavoro_lst><esperienzalavoro><azienda><codicefiscale>RSSMRA85T10A562S</codicefiscale></azienda></esperienzalavoro></esperienzelavoro_lst></lavoratore>");
        assert_eq!(e.path, CF_PATH);
    }

    #[test]
    fn omocodes_are_accepted() {
        for cf in ["RSSMRA85T10A56NH", "MRTMTT25D09F2LRF", "MRTMTT25D09FNLRU"] {
            let p = ok(FULL.replace("rssmra85t10a562s", cf).as_bytes());
            assert_eq!(p.codice_fiscale.as_str(), cf);
            assert_eq!(p.sap.dati_anagrafici.dati_personali.codice_fiscale, cf);
        }
    }

    #[test]
    fn bad_dates_are_refused_with_the_path() {
        let e = refused(
            with_policy("<tipo_attivita>A02</tipo_attivita><data_proposta>2018-02-30</data_proposta>").as_bytes(),
        );
        assert_eq!(e.path, "/lavoratore/politiche_attive_lst/politiche_attive/data_proposta");
        assert!(e.reason.contains("2018-02-30"), "{e}");

        let e = refused(
            FULL.replace("<datanascita>1985-12-10</datanascita>", "<datanascita>ieri</datanascita>").as_bytes(),
        );
        assert_eq!(e.path, "/lavoratore/datianagrafici/datipersonali/datanascita");

        let e = refused(
            with_policy("<ultimo_evento><evento>10</evento><data_evento>2024-13-01</data_evento></ultimo_evento>")
                .as_bytes(),
        );
        assert_eq!(e.path, "/lavoratore/politiche_attive_lst/politiche_attive/ultimo_evento/data_evento");

        // A huge value is not repeated whole.
        let long = "9".repeat(10_000);
        let e = refused(with_policy(&format!("<data>{long}</data>")).as_bytes());
        assert!(e.reason.len() < 200, "{}", e.reason.len());
    }

    #[test]
    fn italian_dates_are_normalised() {
        let p = ok(FULL
            .replace("<datanascita>1985-12-10</datanascita>", "<datanascita>10/12/1985</datanascita>")
            .as_bytes());
        assert_eq!(p.sap.dati_anagrafici.dati_personali.data_nascita, s("1985-12-10"));
        let p = ok(with_policy(
            "<tipo_attivita>A02</tipo_attivita><data_proposta>1/2/2024</data_proposta><data>01/02/2024</data>",
        )
        .as_bytes());
        assert_eq!(p.sap.politiche_attive[0].data_proposta, s("2024-02-01"));
        assert_eq!(p.sap.politiche_attive[0].data, s("2024-02-01"));
    }

    #[test]
    fn durata_must_be_an_integer() {
        for bad in ["2,5", "2.5", "due", "99999999999999999999"] {
            let e = refused(with_policy(&format!("<durata>{bad}</durata>")).as_bytes());
            assert_eq!(e.path, "/lavoratore/politiche_attive_lst/politiche_attive/durata", "{bad}");
        }
        let e = refused(FULL.replace("<durata>120</durata>", "<durata>120 ore</durata>").as_bytes());
        assert_eq!(e.path, "/lavoratore/allegato/formazioneprofessionale_lst/formazioneprofessionale/durata");
        let p = ok(with_policy(
            "<tipo_attivita>A06</tipo_attivita><durata> 12 </durata><tipologia_durata>O</tipologia_durata>",
        )
        .as_bytes());
        assert_eq!(p.sap.politiche_attive[0].durata, Some(12));
    }

    #[test]
    fn section_6_rules_become_warnings_not_refusals() {
        let doc = with_policy(
            "<tipo_attivita>C06</tipo_attivita><titolo_denominazione>TIROCINIO</titolo_denominazione>\
             <data_proposta>2024-05-10</data_proposta><data>2024-05-02</data><data_fine>2024-10-31</data_fine>\
             <durata>0</durata><tipologia_durata>M</tipologia_durata>",
        );
        let p = ok(doc.as_bytes());
        assert_eq!(
            p.warnings,
            vec![
                "politica 1 (C06): la data di proposta (10/05/2024) è successiva alla data di inizio (02/05/2024)",
                "politica 1 (C06): la durata deve essere maggiore di zero (indicata 0)",
                "politica 1 (C06): descrizione obbligatoria per il tirocinio extracurricolare (C06)",
            ]
        );
        assert_eq!(p.sap.politiche_attive.len(), 1);
    }

    #[test]
    fn unreadable_months_are_a_warning() {
        let p = ok(FULL.replace("<anzianita>7</anzianita>", "<anzianita>7,5</anzianita>").as_bytes());
        assert_eq!(p.sap.dati_amministrativi.mesi_disoccupazione, None);
        assert_eq!(p.warnings.len(), 1);
        assert!(p.warnings[0].starts_with("/lavoratore/datiamministrativi/statoinanagrafe/anzianita: "));
    }

    #[test]
    fn permit_and_empty_records() {
        let doc = "<lavoratore><datianagrafici><datipersonali><codicefiscale>RSSMRA85T10A562S</codicefiscale>\
                   <codcittadinanza>404</codcittadinanza></datipersonali><permessosoggiorno>\
                   <tipodocumento>PS</tipodocumento><numerodocumento>I1234567</numerodocumento>\
                   <motivo>LAVORO SUBORDINATO</motivo><datascadenza>31/12/2026</datascadenza>\
                   <questura>PISA</questura></permessosoggiorno></datianagrafici>\
                   <esperienzelavoro_lst><esperienzalavoro/><esperienzalavoro>  </esperienzalavoro></esperienzelavoro_lst>\
                   <politiche_attive_lst><politiche_attive><ultimo_evento/><tipo_attivita>A02</tipo_attivita>\
                   </politiche_attive></politiche_attive_lst></lavoratore>";
        let p = ok(doc.as_bytes());
        assert_eq!(
            p.sap.dati_anagrafici.permesso_soggiorno,
            Some(PermessoSoggiorno {
                tipo_documento: s("PS"),
                numero_documento: s("I1234567"),
                motivo: s("LAVORO SUBORDINATO"),
                data_scadenza: s("2026-12-31"),
                questura: s("PISA"),
            })
        );
        assert!(p.sap.esperienze_lavoro.is_empty(), "empty records are dropped");
        assert_eq!(p.sap.politiche_attive[0].ultimo_evento, None);

        let empty_permit = "<lavoratore><datianagrafici><datipersonali><codicefiscale>RSSMRA85T10A562S</codicefiscale>\
                            </datipersonali><permessosoggiorno/></datianagrafici></lavoratore>";
        assert_eq!(ok(empty_permit.as_bytes()).sap.dati_anagrafici.permesso_soggiorno, None);
    }

    #[test]
    fn entities_and_character_references() {
        let p = ok(FULL
            .replace("<nome>Nicolò</nome>", "<nome>Nicol&#242; &amp; &#x4C;uca &lt;&gt;&quot;</nome>")
            .as_bytes());
        assert_eq!(p.sap.dati_anagrafici.dati_personali.nome, s("Nicolò & Luca <>\""));
        for bad in ["&#0;", "&#xD800;", "&#+65;", "&#x;", "&euro;"] {
            let e = refused(FULL.replace("<nome>Nicolò</nome>", &format!("<nome>{bad}</nome>")).as_bytes());
            assert_eq!(e.path, "/lavoratore/datianagrafici/datipersonali/nome", "{bad}");
        }
        // An entity we cannot resolve inside an element we skip does not matter.
        ok(FULL.replace("<ccnl>METALMECCANICA INDUSTRIA</ccnl>", "<ccnl>&euro;</ccnl>").as_bytes());
    }

    #[test]
    fn nesting_is_capped() {
        let cf = "<datianagrafici><datipersonali><codicefiscale>RSSMRA85T10A562S</codicefiscale></datipersonali></datianagrafici>";
        // The root is level 1: 63 more levels are accepted, 64 more are not.
        let nested =
            |levels: usize| format!("<lavoratore>{cf}{}{}</lavoratore>", "<x>".repeat(levels), "</x>".repeat(levels));
        ok(nested(MAX_DEPTH - 1).as_bytes());
        let e = refused(nested(MAX_DEPTH).as_bytes());
        assert!(e.reason.contains("annidati"), "{e}");

        // A hostile depth, unclosed, inside a known container: refused quickly, no stack use.
        let deep = format!("<lavoratore><datiinvio>{}", "<a>".repeat(1_000_000));
        let e = refused(deep.as_bytes());
        assert!(e.reason.contains("annidati"), "{e}");
        assert!(e.path.starts_with("/lavoratore/datiinvio/a/a/"), "{}", e.path);
    }

    #[test]
    fn oversized_input_is_refused_before_reading() {
        let big = vec![b' '; MAX_BYTES + 1];
        let e = refused(&big);
        assert_eq!(e.path, "/");
        assert!(e.reason.contains("troppo grande"), "{e}");
    }

    /// A tiny deterministic generator, so that failures reproduce without a dependency.
    struct Lcg(u64);
    impl Lcg {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            self.0 >> 33
        }
    }

    #[test]
    fn truncated_documents_never_panic_and_are_refused() {
        let bytes = FULL.as_bytes();
        let end_of_root = FULL.rfind("</lavoratore>").unwrap() + "</lavoratore>".len();
        for len in 0..bytes.len() {
            let result = parse(&bytes[..len]);
            if len < end_of_root {
                assert!(result.is_err(), "prefix of {len} bytes accepted");
            }
        }
    }

    #[test]
    fn random_byte_flips_never_panic() {
        let mut rng = Lcg(0x5A9_2024);
        let sources: [Vec<u8>; 3] = [
            FULL.as_bytes().to_vec(),
            minimal(r#"<?xml version="1.0" encoding="ISO-8859-1"?>"#, b"D'ANT\xd2", b"Nicol\xf2"),
            [b"\xEF\xBB\xBF".as_slice(), FULL.as_bytes()].concat(),
        ];
        let alphabet = b"<>/&;#x!?[]-='\"\xf2\xEF\x00 \nabc";
        for round in 0..3000 {
            let mut doc = sources[round % sources.len()].clone();
            let flips = 1 + rng.next() % 4;
            for _ in 0..flips {
                let at = (rng.next() % doc.len() as u64) as usize;
                doc[at] = if rng.next().is_multiple_of(2) {
                    rng.next() as u8
                } else {
                    alphabet[(rng.next() % alphabet.len() as u64) as usize]
                };
            }
            // Also cut some at a random point.
            if round % 5 == 0 {
                let keep = (rng.next() % doc.len() as u64) as usize;
                doc.truncate(keep);
            }
            let _ = parse(&doc);
        }
    }
}

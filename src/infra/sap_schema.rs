//! The national SAP schema, revision 009 (November 2017), as data: every element of the
//! `<lavoratore>` document in schema order with its cardinality and the facets of its type
//! (length, pattern, enumeration, date, integer, decimal), and the field of [`Sap`] each one
//! fills. Transcribed from the schema's own facts, element by element; the schema file itself
//! is not part of the project.
//!
//! One table serves three readers:
//! - the SAP importer (`infra::sap_xml`) walks it to know where each element goes;
//! - the same walk reports what the schema does not allow, as [`Finding`]s: an element it does
//!   not define, a known one in the wrong place or order, a required one missing, a value that
//!   breaks its type's length, pattern or enumeration;
//! - [`validate`] runs the walk strictly (exact names, no earlier-revision layouts) over a whole
//!   document: the IDOL feed checks every document it writes, and the tests check the feed.
//!
//! The walk is a [`Checker`] fed one event at a time: no tree is built, each element costs a
//! scan of its parent's children (at most [`MAX_CHILDREN`]), so a document is checked in one
//! linear pass.
//!
//! What the schema leaves ambiguous, and how it is read here:
//! - The schema declares simple types named like the section-6 elements (`data`,
//!   `data_proposta` as `dd/mm/yyyy`, `titolo_progetto` of exactly 4 characters,
//!   `codice_ente_promotore` of exactly 11) but no element uses them: the elements refer to the
//!   global elements, typed `xs:date`, `Stringa2Obbl` (1-2) and `Stringa11Obbl` (1-11). The
//!   element declarations win.
//! - `motivo` (under `datistranieri`) has no type: any text.
//! - The `Decimale2Obbl` pattern `\d{1}.\d{2}` has an unescaped dot: any character between the
//!   digits is accepted, as a validator would.
//! - Revisions 005 and 008 put `politiche_attive` directly under `lavoratore` (no `_lst`), and
//!   the companion `PoliticheAttive.xsd` adds `descrizione_azione_sil`, `esito_azione_sil` and
//!   `data_stimata`: these are read (marked `legacy`), never written, and a strict check
//!   refuses them.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use crate::domain::sap::{
    AltreInformazioni, Azienda, ConoscenzaInformatica, DatiStranieri, EsperienzaLavoro, FormazioneProfessionale,
    Indirizzo, LinguaStraniera, ListaSpeciale, PeriodoDisoccupazione, PoliticaAttiva, Sap, TitoloStudio, UltimoEvento,
};
use crate::domain::text::{iso, parse_date};

/// Version of the element mapping (this table). Stored with each SAP version: when it grows,
/// the stored originals are read again (`service::sap_remap`). 0 is the mapping before
/// revision 009 was read element by element.
pub const MAPPING: i64 = 1;

/// Most children any element of the schema has (`politiche_attive`: 14, plus 3 legacy).
pub const MAX_CHILDREN: usize = 20;
/// Distinct findings kept per document: a hostile file cannot grow the report without bound;
/// what goes beyond is counted under one last entry.
pub const MAX_FINDINGS: usize = 200;
const UNBOUNDED: u32 = u32::MAX;

/// Stores the (normalised) text of a leaf into the SAP under construction.
pub type Setter = fn(&mut Sap, Option<String>);
/// Runs when a complex element opens or closes (a record element starts or ends its record).
pub type Hook = fn(&mut Sap);

/// One element of the schema.
pub struct Element {
    pub name: &'static str,
    pub min: u32,
    pub max: u32,
    pub kind: Kind,
    /// Read from earlier revisions and the `PoliticheAttive.xsd` layout; never written, and
    /// reported by a strict check.
    pub legacy: bool,
}

pub enum Kind {
    Leaf { ty: Simple, set: Setter },
    Complex { children: &'static [Element], open: Option<Hook>, close: Option<Hook> },
}

impl Element {
    pub fn children(&self) -> &'static [Element] {
        match &self.kind {
            Kind::Complex { children, .. } => children,
            Kind::Leaf { .. } => &[],
        }
    }
    pub fn is_leaf(&self) -> bool {
        matches!(self.kind, Kind::Leaf { .. })
    }
    pub fn required(&self) -> bool {
        self.min > 0
    }
    pub fn repeats(&self) -> bool {
        self.max > 1
    }
}

/// The simple types of the schema, by their facets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Simple {
    /// `xs:string` with minLength/maxLength (characters).
    Text {
        min: usize,
        max: usize,
    },
    /// `xs:string` with `length`.
    Exact(usize),
    /// Digits only (`\d+` or `\d*`) with a maximum length.
    Digits {
        min: usize,
        max: usize,
    },
    /// `xs:date`: `yyyy-mm-dd`.
    Date,
    /// `xs:int`.
    Int,
    /// `xs:decimal`.
    Decimal,
    /// `Decimale2Obbl`: `\d{1}.\d{2}`, at most 4 characters.
    Decimal2,
    /// `Si-No`.
    SiNo,
    Enum(&'static [&'static str]),
    /// `CodiceFiscale`: the 16-character pattern or 11 digits.
    CodiceFiscale,
    /// `IdentificativoSap`: `[A-Z]{2}[0-9]{8}[A-Z]`.
    IdentificativoSap,
    /// `CodiceEnteTit`: `[A-Z][0-9]{3}[A-Z][0-9]{6}`.
    CodiceEnteTit,
    /// `IdentificativoPolitica`: `[0-9]{2}[0-9A-Fa-f]{8}[A-Za-z]`.
    IdentificativoPolitica,
    /// `evento_type`: `[0-9]{2}`.
    Evento,
    /// `EMail`: `[^@]+@[^\.]+\..+`, at most 254 characters.
    Email,
    /// No type in the schema.
    Any,
}

const fn leaf(name: &'static str, min: u32, max: u32, ty: Simple, set: Setter) -> Element {
    Element { name, min, max, kind: Kind::Leaf { ty, set }, legacy: false }
}
/// A required leaf (1..1).
const fn one(name: &'static str, ty: Simple, set: Setter) -> Element {
    leaf(name, 1, 1, ty, set)
}
/// An optional leaf (0..1).
const fn opt(name: &'static str, ty: Simple, set: Setter) -> Element {
    leaf(name, 0, 1, ty, set)
}
const fn node(name: &'static str, min: u32, max: u32, children: &'static [Element]) -> Element {
    Element { name, min, max, kind: Kind::Complex { children, open: None, close: None }, legacy: false }
}
const fn record(
    name: &'static str,
    min: u32,
    max: u32,
    children: &'static [Element],
    open: Hook,
    close: Hook,
) -> Element {
    Element { name, min, max, kind: Kind::Complex { children, open: Some(open), close: Some(close) }, legacy: false }
}
const fn legacy(mut e: Element) -> Element {
    e.legacy = true;
    e
}

const fn text(min: usize, max: usize) -> Simple {
    Simple::Text { min, max }
}

/// Drops the last record of a list if nothing was read into it.
fn drop_empty<T: Default + PartialEq>(list: &mut Vec<T>) {
    if list.last().is_some_and(|r| *r == T::default()) {
        list.pop();
    }
}
fn none_if_empty<T: Default + PartialEq>(slot: &mut Option<T>) {
    if slot.as_ref().is_some_and(|r| *r == T::default()) {
        *slot = None;
    }
}

// --- section 0 ------------------------------------------------------------------------------

static DATIINVIO: [Element; 5] = [
    one("dataultimoagg", Simple::Date, |s, v| s.dati_invio.data_ultimo_aggiornamento = v),
    opt("identificativosap", Simple::IdentificativoSap, |s, v| s.dati_invio.identificativo_sap = v),
    one("codiceentetit", Simple::CodiceEnteTit, |s, v| s.dati_invio.codice_ente_titolare = v),
    one("tipovariazione", text(1, 2), |s, v| s.dati_invio.tipo_variazione = v),
    one("datadinascita", Simple::Date, |s, v| s.dati_invio.data_nascita = v),
];

// --- section 1 ------------------------------------------------------------------------------

static DATIPERSONALI: [Element; 7] = [
    one("codicefiscale", Simple::CodiceFiscale, |s, v| {
        s.dati_anagrafici.dati_personali.codice_fiscale = v.unwrap_or_default().to_ascii_uppercase()
    }),
    one("cognome", text(1, 50), |s, v| s.dati_anagrafici.dati_personali.cognome = v),
    one("nome", text(1, 50), |s, v| s.dati_anagrafici.dati_personali.nome = v),
    one("sesso", text(1, 1), |s, v| s.dati_anagrafici.dati_personali.sesso = v),
    one("datanascita", Simple::Date, |s, v| s.dati_anagrafici.dati_personali.data_nascita = v),
    one("codcomune", text(1, 4), |s, v| s.dati_anagrafici.dati_personali.comune_nascita = v),
    one("codcittadinanza", text(1, 3), |s, v| s.dati_anagrafici.dati_personali.cittadinanza = v),
];

fn stranieri(s: &mut Sap) -> &mut DatiStranieri {
    s.dati_anagrafici.dati_stranieri.get_or_insert_with(Default::default)
}

static DATISTRANIERI: [Element; 5] = [
    opt("codtipodocumento", Simple::Digits { min: 1, max: 1 }, |s, v| stranieri(s).tipo_documento = v),
    opt("numero", text(1, 15), |s, v| stranieri(s).numero = v),
    opt("motivo", Simple::Any, |s, v| stranieri(s).motivo = v),
    opt("validoal", Simple::Date, |s, v| stranieri(s).valido_al = v),
    opt("dataultimomantiscr", Simple::Date, |s, v| stranieri(s).data_ultimo_mantenimento_iscrizione = v),
];

fn residenza(s: &mut Sap) -> &mut Indirizzo {
    s.dati_anagrafici.residenza.get_or_insert_with(Default::default)
}
fn domicilio(s: &mut Sap) -> &mut Indirizzo {
    s.dati_anagrafici.domicilio.get_or_insert_with(Default::default)
}

static RESIDENZA: [Element; 4] = [
    opt("codcomune", text(1, 4), |s, v| residenza(s).comune = v),
    opt("cap", Simple::Exact(5), |s, v| residenza(s).cap = v),
    opt("indirizzo", text(1, 100), |s, v| residenza(s).indirizzo = v),
    opt("localita", text(0, 50), |s, v| residenza(s).localita = v),
];

static DOMICILIO: [Element; 4] = [
    one("codcomune", text(1, 4), |s, v| domicilio(s).comune = v),
    one("cap", Simple::Exact(5), |s, v| domicilio(s).cap = v),
    one("indirizzo", text(1, 100), |s, v| domicilio(s).indirizzo = v),
    opt("localita", text(0, 50), |s, v| domicilio(s).localita = v),
];

static RECAPITI: [Element; 4] = [
    opt("telefono", text(1, 15), |s, v| s.dati_anagrafici.recapiti.telefono = v),
    opt("cellulare", text(1, 15), |s, v| s.dati_anagrafici.recapiti.cellulare = v),
    opt("fax", text(1, 15), |s, v| s.dati_anagrafici.recapiti.fax = v),
    opt("email", Simple::Email, |s, v| s.dati_anagrafici.recapiti.email = v),
];

static DATIANAGRAFICI: [Element; 5] = [
    node("datipersonali", 1, 1, &DATIPERSONALI),
    record(
        "datistranieri",
        0,
        1,
        &DATISTRANIERI,
        |s| {
            let _ = stranieri(s);
        },
        |s| none_if_empty(&mut s.dati_anagrafici.dati_stranieri),
    ),
    record(
        "residenza",
        0,
        1,
        &RESIDENZA,
        |s| {
            let _ = residenza(s);
        },
        |s| none_if_empty(&mut s.dati_anagrafici.residenza),
    ),
    record(
        "domicilio",
        1,
        1,
        &DOMICILIO,
        |s| {
            let _ = domicilio(s);
        },
        |s| none_if_empty(&mut s.dati_anagrafici.domicilio),
    ),
    node("recapiti", 1, 1, &RECAPITI),
];

// --- section 2 ------------------------------------------------------------------------------

static STATOINANAGRAFE: [Element; 7] = [
    opt("codstatooccupazionale", Simple::Enum(&["DI", "IN", "OC", "AL"]), |s, v| {
        s.dati_amministrativi.stato_in_anagrafe.stato_occupazionale = v
    }),
    opt("codstatus", Simple::Enum(&["CO", "SC", "CM", "CE", "DO", "SO", "DS", "CS", "DE", "PE", ""]), |s, v| {
        s.dati_amministrativi.stato_in_anagrafe.condizione = v
    }),
    opt("categoria297", text(1, 1), |s, v| s.dati_amministrativi.stato_in_anagrafe.categoria_297 = v),
    opt("anzianita", Simple::Digits { min: 1, max: 3 }, |s, v| {
        s.dati_amministrativi.stato_in_anagrafe.anzianita_mesi = v
    }),
    opt("indiceprofiling", Simple::Decimal, |s, v| s.dati_amministrativi.stato_in_anagrafe.indice_profiling = v),
    opt("dataevento", Simple::Date, |s, v| s.dati_amministrativi.stato_in_anagrafe.data_evento = v),
    opt("disponibilita", Simple::Date, |s, v| s.dati_amministrativi.stato_in_anagrafe.data_disponibilita = v),
];

fn periodo(s: &mut Sap) -> Option<&mut PeriodoDisoccupazione> {
    s.dati_amministrativi.periodi_disoccupazione.last_mut()
}

static PERIODIDISOCCUPAZIONE: [Element; 2] = [
    opt("dataingresso", Simple::Date, |s, v| {
        if let Some(p) = periodo(s) {
            p.data_ingresso = v
        }
    }),
    opt("tipoingresso", Simple::Enum(&["D", "F", ""]), |s, v| {
        if let Some(p) = periodo(s) {
            p.tipo_ingresso = v
        }
    }),
];

fn lista(s: &mut Sap) -> Option<&mut ListaSpeciale> {
    s.dati_amministrativi.liste_speciali.last_mut()
}

static LISTESPECIALI: [Element; 5] = [
    opt("tipolista", Simple::Digits { min: 1, max: 1 }, |s, v| {
        if let Some(l) = lista(s) {
            l.tipo_lista = v
        }
    }),
    opt("dataiscrizione", Simple::Date, |s, v| {
        if let Some(l) = lista(s) {
            l.data_iscrizione = v
        }
    }),
    opt("datafineiscrizione", Simple::Date, |s, v| {
        if let Some(l) = lista(s) {
            l.data_fine_iscrizione = v
        }
    }),
    opt("datamaxdeferimento", Simple::Date, |s, v| {
        if let Some(l) = lista(s) {
            l.data_massimo_differimento = v
        }
    }),
    opt("codprovincia", text(1, 3), |s, v| {
        if let Some(l) = lista(s) {
            l.provincia = v
        }
    }),
];

static LISTESPECIALI_LST: [Element; 1] = [record(
    "listespeciali",
    0,
    UNBOUNDED,
    &LISTESPECIALI,
    |s| s.dati_amministrativi.liste_speciali.push(ListaSpeciale::default()),
    |s| drop_empty(&mut s.dati_amministrativi.liste_speciali),
)];

static ASSOLVIMENTOISTRUZIONE: [Element; 1] =
    [opt("obbligoformativo", text(1, 2), |s, v| s.dati_amministrativi.obbligo_formativo = v)];

static ALTRENOTIZIE: [Element; 2] = [
    opt("categorieprotette", text(0, 2), |s, v| s.dati_amministrativi.categorie_protette = v),
    opt("indiceisee", Simple::Decimal2, |s, v| s.dati_amministrativi.indice_isee = v),
];

static DATIAMMINISTRATIVI: [Element; 5] = [
    node("statoinanagrafe", 0, 1, &STATOINANAGRAFE),
    record(
        "periodidisoccupazione",
        0,
        1,
        &PERIODIDISOCCUPAZIONE,
        |s| s.dati_amministrativi.periodi_disoccupazione.push(PeriodoDisoccupazione::default()),
        |s| drop_empty(&mut s.dati_amministrativi.periodi_disoccupazione),
    ),
    node("listespeciali_lst", 0, 1, &LISTESPECIALI_LST),
    node("assolvimentoistruzione", 0, 1, &ASSOLVIMENTOISTRUZIONE),
    node("altrenotizie", 0, 1, &ALTRENOTIZIE),
];

// --- section 4 ------------------------------------------------------------------------------

fn esperienza(s: &mut Sap) -> Option<&mut EsperienzaLavoro> {
    s.esperienze_lavoro.last_mut()
}
fn azienda(s: &mut Sap) -> Option<&mut Azienda> {
    esperienza(s).map(|e| &mut e.azienda)
}
fn utilizzatrice(s: &mut Sap) -> Option<&mut Azienda> {
    esperienza(s).map(|e| e.utilizzatrice.get_or_insert_with(Default::default))
}

/// `azienda` and `utilizzatrice` share their elements; only the cardinalities differ.
macro_rules! company {
    ($get:ident, $req:expr) => {
        [
            leaf("codicefiscale", $req, 1, Simple::CodiceFiscale, |s, v| {
                if let Some(a) = $get(s) {
                    a.codice_fiscale = v
                }
            }),
            leaf("datorelavoro", $req, 1, text(1, 100), |s, v| {
                if let Some(a) = $get(s) {
                    a.denominazione = v
                }
            }),
            opt("indirizzoazienda", text(0, 100), |s, v| {
                if let Some(a) = $get(s) {
                    a.indirizzo = v
                }
            }),
            leaf("codateco", $req, 1, text(1, 8), |s, v| {
                if let Some(a) = $get(s) {
                    a.ateco = v
                }
            }),
        ]
    };
}

static AZIENDA: [Element; 4] = company!(azienda, 1);
static UTILIZZATRICE: [Element; 4] = company!(utilizzatrice, 0);

macro_rules! exp_set {
    ($($field:tt)+) => {
        |s: &mut Sap, v: Option<String>| {
            if let Some(e) = esperienza(s) {
                e.$($field)+ = v
            }
        }
    };
}

static SI_NO: Simple = Simple::SiNo;

static TIPORAPPORTO: [Element; 6] = [
    one("tipocontratto", text(1, 7), exp_set!(tipo_rapporto.tipo_contratto)),
    opt("categoriainquadramento", text(0, 1), exp_set!(tipo_rapporto.categoria_inquadramento)),
    one("assunzioneLegge68", SI_NO, exp_set!(tipo_rapporto.assunzione_legge_68)),
    one("lavInMobilita", SI_NO, exp_set!(tipo_rapporto.lavoratore_in_mobilita)),
    one("lavoroStagionale", SI_NO, exp_set!(tipo_rapporto.lavoro_stagionale)),
    one("lavoroInAgricoltura", SI_NO, exp_set!(tipo_rapporto.lavoro_in_agricoltura)),
];

static MODALITALAVORO: [Element; 1] = [one("codmodalitalavoro", text(1, 2), exp_set!(modalita_lavoro))];

static LUOGOLAVORO: [Element; 2] = [
    one("indirizzo", text(1, 100), exp_set!(luogo_lavoro.indirizzo)),
    one("codcomune", text(1, 4), exp_set!(luogo_lavoro.comune)),
];

static ESPERIENZALAVORO: [Element; 10] = [
    node("azienda", 1, 1, &AZIENDA),
    record(
        "utilizzatrice",
        0,
        1,
        &UTILIZZATRICE,
        |s| {
            let _ = utilizzatrice(s);
        },
        |s| {
            if let Some(e) = esperienza(s) {
                none_if_empty(&mut e.utilizzatrice)
            }
        },
    ),
    one("datainizio", Simple::Date, exp_set!(data_inizio)),
    opt("datafine", Simple::Date, exp_set!(data_fine)),
    opt("dataFinePeriodoFormativo", Simple::Date, exp_set!(data_fine_periodo_formativo)),
    one("codprofessione", text(1, 12), exp_set!(professione)),
    opt("compiti", text(0, 250), exp_set!(compiti)),
    node("tiporapporto", 1, 1, &TIPORAPPORTO),
    node("modalitalavoro", 1, 1, &MODALITALAVORO),
    node("luogolavoro", 1, 1, &LUOGOLAVORO),
];

static ESPERIENZELAVORO_LST: [Element; 1] = [record(
    "esperienzalavoro",
    0,
    UNBOUNDED,
    &ESPERIENZALAVORO,
    |s| s.esperienze_lavoro.push(EsperienzaLavoro::default()),
    |s| drop_empty(&mut s.esperienze_lavoro),
)];

// --- section 5 ------------------------------------------------------------------------------

static LIVELLIISTRUZIONE_LST: [Element; 1] = [leaf("codlivelloistruzione", 0, UNBOUNDED, text(1, 2), |s, v| {
    s.informazioni_curriculari.livelli_istruzione.extend(v)
})];

macro_rules! rec_set {
    ($list:ident, $($field:tt)+) => {
        |s: &mut Sap, v: Option<String>| {
            if let Some(r) = s.informazioni_curriculari.$list.last_mut() {
                r.$($field)+ = v
            }
        }
    };
}

static NUMERICO4: Simple = Simple::Digits { min: 0, max: 4 };

static TITOLOSTUDIO: [Element; 9] = [
    one("codlivelloistruzione", text(1, 2), rec_set!(titoli_studio, livello)),
    opt("corsostudio", text(1, 8), rec_set!(titoli_studio, corso_studio)),
    opt("descrizionecorsostudio", text(0, 100), rec_set!(titoli_studio, descrizione_corso_studio)),
    opt("codcomunefrequenza", text(0, 4), rec_set!(titoli_studio, comune_frequenza)),
    opt("riconosciutoin", text(1, 2), rec_set!(titoli_studio, riconosciuto_in)),
    opt("votazione", text(0, 3), rec_set!(titoli_studio, votazione)),
    opt("annotermine", NUMERICO4, rec_set!(titoli_studio, anno_termine)),
    opt("annofrequentato", NUMERICO4, rec_set!(titoli_studio, anno_frequentato)),
    opt("annofrequenza", NUMERICO4, rec_set!(titoli_studio, anno_frequenza)),
];

static FORMAZIONEPROFESSIONALE: [Element; 8] = [
    opt("titolocorso", text(1, 100), rec_set!(formazione_professionale, titolo_corso)),
    opt("ente", text(0, 100), rec_set!(formazione_professionale, ente)),
    opt("codregione", text(0, 2), rec_set!(formazione_professionale, regione)),
    opt("durata", Simple::Int, |s, v| {
        if let Some(r) = s.informazioni_curriculari.formazione_professionale.last_mut() {
            r.durata = v.and_then(|v| v.parse().ok())
        }
    }),
    opt("codtipologiadurata", text(0, 1), rec_set!(formazione_professionale, tipologia_durata)),
    opt("certificazioniattestati", text(0, 1), rec_set!(formazione_professionale, certificazioni_attestati)),
    opt("stage", text(0, 2), rec_set!(formazione_professionale, stage)),
    opt("denominazioneaziendastage", text(0, 100), rec_set!(formazione_professionale, denominazione_azienda_stage)),
];

static LINGUASTRANIERA: [Element; 4] = [
    opt("codlingua", text(1, 3), rec_set!(lingue_straniere, lingua)),
    opt("codlivelloletto", text(1, 2), rec_set!(lingue_straniere, livello_letto)),
    opt("codlivelloscritto", text(1, 2), rec_set!(lingue_straniere, livello_scritto)),
    opt("codlivelloparlato", text(1, 2), rec_set!(lingue_straniere, livello_parlato)),
];

static CONOSCENZAINFORMATICA: [Element; 3] = [
    opt("codconoscenzainformatica", text(1, 3), rec_set!(conoscenze_informatiche, conoscenza)),
    one("codgrado", text(1, 1), rec_set!(conoscenze_informatiche, grado)),
    opt("specificheinformatica", text(0, 1000), rec_set!(conoscenze_informatiche, specifiche)),
];

static ALTREINFORMAZIONI: [Element; 3] = [
    opt("codalbo", text(0, 4), rec_set!(altre_informazioni, albo)),
    opt("codpatenteguida", text(0, 2), rec_set!(altre_informazioni, patente_guida)),
    opt("codpatentino", text(0, 2), rec_set!(altre_informazioni, patentino)),
];

macro_rules! curricular_list {
    ($name:literal, $children:expr, $list:ident, $ty:ty) => {
        [record(
            $name,
            0,
            UNBOUNDED,
            $children,
            |s| s.informazioni_curriculari.$list.push(<$ty>::default()),
            |s| drop_empty(&mut s.informazioni_curriculari.$list),
        )]
    };
}

static TITOLISTUDIO_LST: [Element; 1] = curricular_list!("titolostudio", &TITOLOSTUDIO, titoli_studio, TitoloStudio);
static FORMAZIONEPROFESSIONALE_LST: [Element; 1] = curricular_list!(
    "formazioneprofessionale",
    &FORMAZIONEPROFESSIONALE,
    formazione_professionale,
    FormazioneProfessionale
);
static LINGUESTRANIERE_LST: [Element; 1] =
    curricular_list!("linguastraniera", &LINGUASTRANIERA, lingue_straniere, LinguaStraniera);
static CONOSCENZEINFORMATICHE_LST: [Element; 1] =
    curricular_list!("conoscenzainformatica", &CONOSCENZAINFORMATICA, conoscenze_informatiche, ConoscenzaInformatica);
static ALTREINFORMAZIONI_LST: [Element; 1] =
    curricular_list!("altreinformazioni", &ALTREINFORMAZIONI, altre_informazioni, AltreInformazioni);

static ALLEGATO: [Element; 5] = [
    node("titolistudio_lst", 0, UNBOUNDED, &TITOLISTUDIO_LST),
    node("formazioneprofessionale_lst", 0, UNBOUNDED, &FORMAZIONEPROFESSIONALE_LST),
    node("linguestraniere_lst", 0, UNBOUNDED, &LINGUESTRANIERE_LST),
    node("conoscenzeinformatiche_lst", 0, UNBOUNDED, &CONOSCENZEINFORMATICHE_LST),
    node("altreinformazioni_lst", 0, UNBOUNDED, &ALTREINFORMAZIONI_LST),
];

// --- section 6 ------------------------------------------------------------------------------

fn politica(s: &mut Sap) -> Option<&mut PoliticaAttiva> {
    s.politiche_attive.last_mut()
}
fn evento(s: &mut Sap) -> Option<&mut UltimoEvento> {
    politica(s).map(|p| p.ultimo_evento.get_or_insert_with(Default::default))
}

macro_rules! pol_set {
    ($($field:tt)+) => {
        |s: &mut Sap, v: Option<String>| {
            if let Some(p) = politica(s) {
                p.$($field)+ = v
            }
        }
    };
}

static ULTIMO_EVENTO: [Element; 3] = [
    one("evento", Simple::Evento, |s, v| {
        if let Some(e) = evento(s) {
            e.evento = v
        }
    }),
    one("data_evento", Simple::Date, |s, v| {
        if let Some(e) = evento(s) {
            e.data_evento = v
        }
    }),
    opt("descrizione_evento", text(0, 100), |s, v| {
        if let Some(e) = evento(s) {
            e.descrizione = v
        }
    }),
];

static POLITICHE_ATTIVE: [Element; 17] = [
    one("tipo_attivita", text(1, 3), pol_set!(tipo_attivita)),
    opt("titolo_denominazione", text(0, 100), pol_set!(titolo_denominazione)),
    one("data_proposta", Simple::Date, pol_set!(data_proposta)),
    opt("data", Simple::Date, pol_set!(data)),
    opt("data_fine", Simple::Date, pol_set!(data_fine)),
    opt("durata", Simple::Int, |s, v| {
        if let Some(p) = politica(s) {
            p.durata = v.and_then(|v| v.parse().ok())
        }
    }),
    opt("tipologia_durata", text(0, 1), pol_set!(tipologia_durata)),
    one("descrizione", text(1, 250), pol_set!(descrizione)),
    one("titolo_progetto", text(1, 2), pol_set!(titolo_progetto)),
    one("codice_ente_promotore", text(1, 11), pol_set!(codice_ente_promotore)),
    legacy(opt("descrizione_azione_sil", text(0, 250), pol_set!(descrizione_azione_sil))),
    legacy(opt("esito_azione_sil", text(0, 100), pol_set!(esito_azione_sil))),
    legacy(opt("data_stimata", Simple::Date, pol_set!(data_stimata))),
    opt("identificativo_politica", Simple::IdentificativoPolitica, |s, v| {
        if let Some(p) = politica(s) {
            p.identificativo_politica = v.map(|v| v.to_ascii_uppercase())
        }
    }),
    opt("indice_profiling", Simple::Decimal, pol_set!(indice_profiling)),
    opt("identificativo_presa_in_carico", Simple::IdentificativoPolitica, |s, v| {
        if let Some(p) = politica(s) {
            p.identificativo_presa_in_carico = v.map(|v| v.to_ascii_uppercase())
        }
    }),
    record(
        "ultimo_evento",
        0,
        1,
        &ULTIMO_EVENTO,
        |s| {
            let _ = evento(s);
        },
        |s| {
            if let Some(p) = politica(s) {
                none_if_empty(&mut p.ultimo_evento)
            }
        },
    ),
];

const fn politiche_attive(min: u32) -> Element {
    record(
        "politiche_attive",
        min,
        UNBOUNDED,
        &POLITICHE_ATTIVE,
        |s| s.politiche_attive.push(PoliticaAttiva::default()),
        |s| drop_empty(&mut s.politiche_attive),
    )
}

static POLITICHE_ATTIVE_LST: [Element; 1] = [politiche_attive(0)];

// --- the document ---------------------------------------------------------------------------

static LAVORATORE: [Element; 8] = [
    node("datiinvio", 1, 1, &DATIINVIO),
    node("datianagrafici", 0, 1, &DATIANAGRAFICI),
    node("datiamministrativi", 0, 1, &DATIAMMINISTRATIVI),
    node("esperienzelavoro_lst", 0, 1, &ESPERIENZELAVORO_LST),
    node("livelliistruzione_lst", 0, 1, &LIVELLIISTRUZIONE_LST),
    node("allegato", 0, 1, &ALLEGATO),
    node("politiche_attive_lst", 0, 1, &POLITICHE_ATTIVE_LST),
    // Revisions 005 and 008: section 6 directly under the root.
    legacy(politiche_attive(0)),
];

/// The root element, `<lavoratore>`.
pub static ROOT: Element = node("lavoratore", 1, 1, &LAVORATORE);

/// Every element name the schema defines (lower case), to tell a misplaced element from an
/// unknown one.
fn known_names() -> &'static HashSet<String> {
    static NAMES: OnceLock<HashSet<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut names = HashSet::new();
        let mut stack = vec![&ROOT];
        while let Some(e) = stack.pop() {
            names.insert(e.name.to_ascii_lowercase());
            stack.extend(e.children());
        }
        names
    })
}

// --- values ---------------------------------------------------------------------------------

/// Why a value breaks its type, in Italian (no value repeated: it may be personal data).
fn value_problem(ty: Simple, v: &str) -> Option<String> {
    let chars = v.chars().count();
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let pattern = |ok: bool, what: &str| (!ok).then(|| format!("valore non conforme allo schema: {what}"));
    match ty {
        Simple::Text { min, max } => {
            if chars < min {
                Some("valore vuoto: lo schema chiede almeno un carattere".into())
            } else if chars > max {
                Some(format!("valore più lungo di {max} caratteri (massimo dello schema)"))
            } else {
                None
            }
        }
        Simple::Exact(n) => (chars != n).then(|| format!("valore di lunghezza diversa da {n} caratteri")),
        Simple::Digits { min, max } => {
            if chars > max {
                Some(format!("valore più lungo di {max} cifre (massimo dello schema)"))
            } else {
                pattern(chars >= min && v.bytes().all(|b| b.is_ascii_digit()), "attese solo cifre")
            }
        }
        Simple::Date => pattern(is_iso_date(v), "attesa una data aaaa-mm-gg"),
        Simple::Int => pattern(v.parse::<i32>().is_ok() && !v.starts_with('+'), "atteso un numero intero"),
        Simple::Decimal => pattern(is_decimal(v), "atteso un numero decimale con il punto (es. 0.79)"),
        Simple::Decimal2 => {
            let b = v.as_bytes();
            let ok = b.len() == 4
                && b.first().is_some_and(u8::is_ascii_digit)
                && b.get(2..).is_some_and(|t| t.iter().all(u8::is_ascii_digit));
            pattern(ok, "atteso un numero con una cifra, separatore e due decimali (es. 1.25)")
        }
        Simple::SiNo => pattern(v == "SI" || v == "NO", "atteso SI o NO"),
        Simple::Enum(allowed) => pattern(allowed.contains(&v), &format!("ammessi {}", allowed_list(allowed))),
        Simple::CodiceFiscale => {
            let b = v.as_bytes();
            let person = b.len() == 16
                && b.iter().enumerate().all(|(i, c)| match i {
                    0..=5 | 8 | 11 | 15 => c.is_ascii_uppercase(),
                    _ => c.is_ascii_digit() || b"LMNPQRSTUV".contains(c),
                });
            pattern(person || (b.len() == 11 && digits(v)), "codice fiscale di 16 caratteri o 11 cifre")
        }
        Simple::IdentificativoSap => {
            let b = v.as_bytes();
            let ok = b.len() == 11
                && b.iter().enumerate().all(|(i, c)| match i {
                    0 | 1 | 10 => c.is_ascii_uppercase(),
                    _ => c.is_ascii_digit(),
                });
            pattern(ok, "identificativo SAP: 2 lettere, 8 cifre, 1 lettera")
        }
        Simple::CodiceEnteTit => {
            let b = v.as_bytes();
            let ok = b.len() == 11
                && b.iter().enumerate().all(|(i, c)| match i {
                    0 | 4 => c.is_ascii_uppercase(),
                    _ => c.is_ascii_digit(),
                });
            pattern(ok, "codice ente: lettera, 3 cifre, lettera, 6 cifre")
        }
        Simple::IdentificativoPolitica => {
            let b = v.as_bytes();
            let ok = b.len() == 11
                && b.iter().enumerate().all(|(i, c)| match i {
                    0 | 1 => c.is_ascii_digit(),
                    10 => c.is_ascii_alphabetic(),
                    _ => c.is_ascii_hexdigit(),
                });
            pattern(ok, "identificativo: 2 cifre, 8 cifre esadecimali, 1 lettera")
        }
        Simple::Evento => pattern(v.len() == 2 && digits(v), "codice evento di 2 cifre"),
        Simple::Email => {
            let ok = match v.split_once('@') {
                Some((local, domain)) => match domain.split_once('.') {
                    Some((host, rest)) => !local.is_empty() && !host.is_empty() && !rest.is_empty(),
                    None => false,
                },
                None => false,
            };
            if chars > 254 {
                Some("valore più lungo di 254 caratteri (massimo dello schema)".into())
            } else {
                pattern(ok, "indirizzo email")
            }
        }
        Simple::Any => None,
    }
}

fn allowed_list(allowed: &[&str]) -> String {
    allowed.iter().filter(|a| !a.is_empty()).copied().collect::<Vec<_>>().join(", ")
}

/// `xs:date` without a time zone: `yyyy-mm-dd`, a real day.
pub fn is_iso_date(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 10
        && b.get(4) == Some(&b'-')
        && b.get(7) == Some(&b'-')
        && b.iter().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && parse_date(v).is_some()
}

/// `xs:decimal`: optional sign, digits, optional fraction after a dot.
pub fn is_decimal(v: &str) -> bool {
    let body = v.strip_prefix(['+', '-']).unwrap_or(v);
    let (int, frac) = body.split_once('.').unwrap_or((body, ""));
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    (!int.is_empty() || !frac.is_empty()) && all_digits(int) && all_digits(frac) && !body.is_empty()
}

/// The value a field keeps: text trimmed (`None` when blank), dates in ISO form when they can
/// be read (`dd/mm/yyyy` too), integers only when they are integers.
fn normalise(ty: Simple, v: &str) -> Option<String> {
    if v.is_empty() {
        return None;
    }
    match ty {
        Simple::Date => parse_date(v).map(iso),
        Simple::Int => v.parse::<i64>().ok().map(|n| n.to_string()),
        _ => Some(v.to_owned()),
    }
}

// --- findings -------------------------------------------------------------------------------

/// Something a document carries that the schema does not allow: the element path (names as in
/// the schema, no positions, so that repeats add up), how many times, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Finding {
    pub path: String,
    pub count: u32,
    pub reason: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.count > 1 {
            write!(f, "{}: {} ({} volte)", self.path, self.reason, self.count)
        } else {
            write!(f, "{}: {}", self.path, self.reason)
        }
    }
}

const UNKNOWN: &str = "elemento non previsto dallo schema: non letto";
const MISPLACED: &str = "elemento dello schema fuori posto: non letto";
const OUT_OF_ORDER: &str = "elemento fuori dall'ordine dello schema";
const TOO_MANY: &str = "elemento ripetuto più volte di quanto lo schema consenta";
const MISSING: &str = "elemento obbligatorio mancante";
const TEXT: &str = "testo dentro un elemento che contiene solo altri elementi";
const LEGACY: &str = "elemento di una revisione precedente dello schema";
const OVERFLOW: &str = "altre segnalazioni non elencate";

#[derive(Debug, Default)]
struct Findings {
    list: Vec<Finding>,
    index: HashMap<(String, &'static str), usize>,
    dynamic: HashMap<(String, String), usize>,
}

impl Findings {
    fn bump(&mut self, at: usize) {
        if let Some(f) = self.list.get_mut(at) {
            f.count = f.count.saturating_add(1);
        }
    }
    fn room(&mut self) -> bool {
        if self.list.len() < MAX_FINDINGS {
            return true;
        }
        match self.index.get(&(String::new(), OVERFLOW)).copied() {
            Some(at) => self.bump(at),
            None => {
                self.index.insert((String::new(), OVERFLOW), self.list.len());
                self.list.push(Finding { path: "/".into(), count: 1, reason: OVERFLOW.into() });
            }
        }
        false
    }
    fn add(&mut self, path: &str, reason: &'static str) {
        if let Some(at) = self.index.get(&(path.to_owned(), reason)).copied() {
            return self.bump(at);
        }
        if self.room() {
            self.index.insert((path.to_owned(), reason), self.list.len());
            self.list.push(Finding { path: path.to_owned(), count: 1, reason: reason.into() });
        }
    }
    fn add_text(&mut self, path: &str, reason: String) {
        let key = (path.to_owned(), reason);
        if let Some(at) = self.dynamic.get(&key).copied() {
            return self.bump(at);
        }
        if self.room() {
            self.dynamic.insert(key.clone(), self.list.len());
            self.list.push(Finding { path: key.0, count: 1, reason: key.1 });
        }
    }
}

// --- the walk -------------------------------------------------------------------------------

/// How names are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Importing: names compared without regard to case (namespace prefixes are stripped by
    /// the caller), earlier-revision layouts accepted.
    Lenient,
    /// Checking a document we send: exact names, revision 009 only.
    Strict,
}

struct Open {
    element: Option<&'static Element>,
    /// Occurrences of each child so far.
    counts: [u32; MAX_CHILDREN],
    /// Index of the furthest child seen (for the order check).
    last: usize,
    /// Length of the path before this element was entered.
    mark: usize,
}

/// The streaming walk of one document against [`ROOT`].
pub struct Checker {
    mode: Mode,
    stack: Vec<Open>,
    path: String,
    findings: Findings,
}

/// What the checker made of an opening tag.
pub enum Step {
    /// An element of the schema in its place.
    Known(&'static Element),
    /// Not in the schema here: its whole subtree is skipped (and reported once).
    Skip,
}

/// Longest element name kept in a path: names are attacker-controlled.
const NAME_CAP: usize = 64;

impl Checker {
    pub fn new(mode: Mode) -> Self {
        Self { mode, stack: Vec::new(), path: String::new(), findings: Findings::default() }
    }

    /// The path of the element open now, e.g. `/lavoratore/datiinvio/dataultimoagg`.
    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn depth(&self) -> usize {
        self.stack.len()
    }

    fn push_name(&mut self, name: &str) {
        self.path.push('/');
        self.path.extend(name.chars().take(NAME_CAP));
    }

    /// An element opens. `name` is its local name (no namespace prefix).
    pub fn start(&mut self, name: &str) -> Step {
        let mark = self.path.len();
        let Some(parent) = self.stack.last_mut() else {
            // The root: the caller decides what a wrong root means.
            let ok = match self.mode {
                Mode::Strict => name == ROOT.name,
                Mode::Lenient => name.eq_ignore_ascii_case(ROOT.name),
            };
            let element = ok.then_some(&ROOT);
            self.path.push('/');
            self.path.push_str(if ok { ROOT.name } else { name });
            self.stack.push(Open { element, counts: [0; MAX_CHILDREN], last: 0, mark });
            return if ok { Step::Known(&ROOT) } else { Step::Skip };
        };
        let Some(parent_el) = parent.element else {
            // Inside a skipped subtree: nothing more to say.
            self.path.push('/');
            self.path.extend(name.chars().take(NAME_CAP));
            self.stack.push(Open { element: None, counts: [0; MAX_CHILDREN], last: 0, mark });
            return Step::Skip;
        };
        let mode = self.mode;
        let found = parent_el.children().iter().enumerate().find(|(_, c)| match mode {
            Mode::Strict => c.name == name,
            Mode::Lenient => c.name.eq_ignore_ascii_case(name),
        });
        match found {
            Some((i, child)) if !(child.legacy && mode == Mode::Strict) => {
                let (count, out_of_order) = match parent.counts.get_mut(i) {
                    Some(c) => {
                        *c = c.saturating_add(1);
                        (*c, i < parent.last)
                    }
                    None => (1, false),
                };
                parent.last = parent.last.max(i);
                self.path.push('/');
                self.path.push_str(child.name);
                if out_of_order {
                    self.findings.add(&self.path, OUT_OF_ORDER);
                }
                if count > child.max {
                    self.findings.add(&self.path, TOO_MANY);
                }
                self.stack.push(Open { element: Some(child), counts: [0; MAX_CHILDREN], last: 0, mark });
                Step::Known(child)
            }
            Some(_) => {
                self.push_name(name);
                self.findings.add(&self.path, LEGACY);
                self.stack.push(Open { element: None, counts: [0; MAX_CHILDREN], last: 0, mark });
                Step::Skip
            }
            None => {
                self.push_name(name);
                let reason = if known_names().contains(&name.to_ascii_lowercase()) { MISPLACED } else { UNKNOWN };
                self.findings.add(&self.path, reason);
                self.stack.push(Open { element: None, counts: [0; MAX_CHILDREN], last: 0, mark });
                Step::Skip
            }
        }
    }

    /// Non-blank text directly inside an element that holds only elements.
    pub fn stray_text(&mut self) {
        if let Some(Open { element: Some(e), .. }) = self.stack.last()
            && !e.is_leaf()
        {
            self.findings.add(&self.path, TEXT);
        }
    }

    /// The element open now closes; `text` is a leaf's content (trimmed). Returns the value a
    /// leaf's field keeps (see `normalise`); `None` for anything else.
    pub fn end(&mut self, text: &str) -> Option<String> {
        let open = self.stack.pop()?;
        let mut value = None;
        if let Some(e) = open.element {
            match &e.kind {
                Kind::Leaf { ty, .. } => {
                    if let Some(problem) = value_problem(*ty, text) {
                        self.findings.add_text(&self.path, problem);
                    }
                    value = normalise(*ty, text);
                }
                Kind::Complex { children, .. } => {
                    for (child, seen) in children.iter().zip(open.counts.iter()) {
                        if *seen < child.min && !(child.legacy) {
                            let at = format!("{}/{}", self.path, child.name);
                            self.findings.add(&at, MISSING);
                        }
                    }
                }
            }
        }
        self.path.truncate(open.mark);
        value
    }

    /// What was found, in the order first met.
    pub fn finish(self) -> Vec<Finding> {
        self.findings.list
    }
}

/// Checks a whole document against revision 009, strictly: exact names, schema order,
/// cardinalities, every value's facets. Empty when the document conforms. A document that is
/// not well-formed XML is one finding at `/`.
pub fn validate(xml: &[u8]) -> Vec<Finding> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut checker = Checker::new(Mode::Strict);
    let mut text = String::new();
    let mut roots = 0;
    let broken = |why: String| vec![Finding { path: "/".into(), count: 1, reason: why }];
    loop {
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(e) => return broken(format!("XML non ben formato: {e}")),
        };
        match event {
            Event::Start(_) | Event::Empty(_) if checker.depth() == 0 && roots > 0 => {
                return broken("più di un elemento radice".into());
            }
            Event::Start(e) => {
                roots += usize::from(checker.depth() == 0);
                if e.name().prefix().is_some() {
                    return broken("nome con prefisso di namespace: lo schema non ne ha".into());
                }
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if checker.depth() == 0 && name != ROOT.name {
                    return broken(format!("elemento radice diverso da «{}»", ROOT.name));
                }
                checker.start(&name);
                text.clear();
            }
            Event::Empty(e) => {
                roots += usize::from(checker.depth() == 0);
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                if checker.depth() == 0 && name != ROOT.name {
                    return broken(format!("elemento radice diverso da «{}»", ROOT.name));
                }
                checker.start(&name);
                checker.end("");
            }
            Event::Text(t) => match t.decode() {
                Ok(s) => {
                    if !s.trim().is_empty() {
                        checker.stray_text();
                    }
                    text.push_str(&s);
                }
                Err(e) => return broken(format!("testo non leggibile: {e}")),
            },
            Event::GeneralRef(r) => {
                let name = String::from_utf8_lossy(&r).into_owned();
                let c = match name.as_str() {
                    "lt" => '<',
                    "gt" => '>',
                    "amp" => '&',
                    "apos" => '\'',
                    "quot" => '"',
                    _ => match name
                        .strip_prefix("#x")
                        .map(|h| u32::from_str_radix(h, 16))
                        .or_else(|| name.strip_prefix('#').map(str::parse::<u32>))
                    {
                        Some(Ok(n)) => match char::from_u32(n) {
                            Some(c) => c,
                            None => return broken("riferimento a carattere non valido".into()),
                        },
                        _ => return broken(format!("entità «&{name};» sconosciuta")),
                    },
                };
                text.push(c);
            }
            Event::CData(c) => text.push_str(&String::from_utf8_lossy(&c)),
            Event::End(_) => {
                // Leaves are checked on their exact text: XSD strings keep their spaces.
                checker.end(&text);
                text.clear();
            }
            Event::Eof => break,
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if checker.depth() != 0 || roots == 0 {
        return broken("documento incompleto".into());
    }
    checker.finish()
}

#[cfg(test)]
mod tests;

//! A policy action a provider records in section VI of the SAP (A06, B03, C06, C07): the
//! fields of the national record, the fields of each type (`dettagli`), and their rules.
//! Input arrives as text (forms and JSON alike); the output is typed.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};
use time::Date;

use super::codice_fiscale::CodiceFiscale;
use super::partita_iva;
use super::policy_event::{self, INITIAL};
use super::text::{FieldErrors, iso, italian_date, optional, parse_date};
use crate::domain::field_error::FieldError;

/// The four types a provider delivers under the voucher.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum ActionType {
    A06,
    B03,
    C06,
    C07,
}

impl ActionType {
    pub const ALL: [ActionType; 4] = [Self::A06, Self::B03, Self::C06, Self::C07];

    pub fn code(self) -> &'static str {
        match self {
            Self::A06 => "A06",
            Self::B03 => "B03",
            Self::C06 => "C06",
            Self::C07 => "C07",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.code() == s.trim().to_ascii_uppercase())
    }

    /// C codes need a title (SAP rule); a tirocinio needs a description too.
    fn needs_title(self) -> bool {
        matches!(self, Self::C06 | Self::C07)
    }
    fn needs_description(self) -> bool {
        self == Self::C06
    }
}

/// How a type-specific field is read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    Text(usize),
    LongText(usize),
    /// Hours, with at most one decimal (1,5), up to the maximum.
    Hours(f64),
    /// A whole number in a range.
    Count(i64, i64),
    Date,
    Choice(&'static [(&'static str, &'static str)]),
    /// The codice fiscale of one of the provider's operators.
    Operator,
    /// A company: codice fiscale (16) or partita IVA (11).
    Company,
}

/// One field of `dettagli`: its JSON/form name, its Italian label, how it is read.
#[derive(Debug, Clone, Copy)]
pub struct DetailField {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: Kind,
    pub required: bool,
}

pub const MODALITA: &[(&str, &str)] = &[("individuale", "individuale"), ("gruppo", "di gruppo")];
pub const CERTIFICAZIONE: &[(&str, &str)] = &[
    ("nessuna", "nessuna"),
    ("frequenza", "attestato di frequenza"),
    ("competenze", "certificazione delle competenze"),
    ("qualifica", "qualifica professionale"),
];

const A06: &[DetailField] = &[
    DetailField { name: "modalita", label: "Modalità del colloquio", kind: Kind::Choice(MODALITA), required: true },
    DetailField {
        name: "partecipanti",
        label: "Partecipanti (se di gruppo)",
        kind: Kind::Count(2, 30),
        required: false,
    },
    DetailField { name: "ore", label: "Ore", kind: Kind::Hours(24.0), required: true },
    DetailField {
        name: "operatore_cf",
        label: "Operatore che ha condotto il colloquio",
        kind: Kind::Operator,
        required: true,
    },
];
const B03: &[DetailField] = &[
    DetailField { name: "ore", label: "Ore", kind: Kind::Hours(200.0), required: true },
    DetailField { name: "argomenti", label: "Argomenti trattati", kind: Kind::LongText(1000), required: true },
    DetailField {
        name: "offerte_proposte",
        label: "Offerte di lavoro proposte (numero)",
        kind: Kind::Count(0, 999),
        required: true,
    },
    DetailField {
        name: "note_offerte",
        label: "Note sulle offerte proposte",
        kind: Kind::LongText(1000),
        required: false,
    },
];
const C06: &[DetailField] = &[
    DetailField {
        name: "azienda_cf",
        label: "Codice fiscale o partita IVA dell'azienda ospitante",
        kind: Kind::Company,
        required: true,
    },
    DetailField {
        name: "azienda_nome",
        label: "Denominazione dell'azienda ospitante",
        kind: Kind::Text(200),
        required: true,
    },
    DetailField { name: "azienda_sede", label: "Sede del tirocinio", kind: Kind::Text(200), required: true },
    DetailField { name: "tutor_aziendale", label: "Tutor aziendale", kind: Kind::Text(120), required: true },
    DetailField { name: "fine_prevista", label: "Fine prevista del tirocinio", kind: Kind::Date, required: true },
    DetailField { name: "ore_settimanali", label: "Ore settimanali", kind: Kind::Count(1, 40), required: true },
];
const C07: &[DetailField] = &[
    DetailField { name: "titolo_corso", label: "Titolo del corso", kind: Kind::Text(250), required: true },
    DetailField { name: "ente_formativo", label: "Ente di formazione", kind: Kind::Text(200), required: true },
    DetailField { name: "ore", label: "Ore di formazione", kind: Kind::Hours(2000.0), required: true },
    DetailField {
        name: "certificazione",
        label: "Certificazione prevista",
        kind: Kind::Choice(CERTIFICAZIONE),
        required: true,
    },
];

pub fn detail_fields(t: ActionType) -> &'static [DetailField] {
    match t {
        ActionType::A06 => A06,
        ActionType::B03 => B03,
        ActionType::C06 => C06,
        ActionType::C07 => C07,
    }
}

/// The national schema's limits (revision 009), so that whatever is accepted can be sent to
/// IDOL: `titolo_denominazione` at most 100 characters, `descrizione` 1-250 (an action
/// recorded without one is described by its activity type, see `service::actions`).
pub const TITOLO_MAX: usize = 100;
pub const DESCRIZIONE_MAX: usize = 250;

/// Units of `tipologia_durata`: ore, giorni, mesi, anni.
pub const DURATION_UNITS: &[&str] = &["O", "G", "M", "A"];

/// What an action may be recorded as, as typed (forms and the API both give text).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct ActionInput {
    pub tipo_attivita: String,
    pub titolo_denominazione: String,
    pub data_proposta: String,
    pub data_inizio: String,
    pub data_fine: String,
    pub durata: String,
    pub tipologia_durata: String,
    pub descrizione: String,
    pub titolo_progetto: String,
    pub evento: String,
    pub data_evento: String,
    pub dettagli: BTreeMap<String, String>,
}

/// The days an action must fall in: the voucher's programme period (with its extension;
/// from the provider's choice date until a programme start is recorded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start: Date,
    pub end: Date,
}

impl Window {
    pub fn describe(&self) -> String {
        format!("dal {} al {}", italian_date(&iso(self.start)), italian_date(&iso(self.end)))
    }
}

/// What validation needs besides the input.
pub struct Context<'a> {
    pub window: Window,
    pub today: Date,
    /// Codici fiscali of the provider's operators (who may have held an A06 colloquio).
    pub operators: &'a [String],
    /// Codes of the list `titolo_progetto`.
    pub projects: &'a [String],
}

/// A valid action, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidAction {
    pub tipo: ActionType,
    pub titolo_denominazione: String,
    pub data_proposta: Date,
    pub data_inizio: Option<Date>,
    pub data_fine: Option<Date>,
    pub durata: Option<i64>,
    pub tipologia_durata: Option<String>,
    pub descrizione: String,
    pub titolo_progetto: String,
    pub evento: &'static str,
    pub data_evento: Date,
    pub dettagli: Value,
}

fn optional_date(e: &mut FieldErrors, field: &str, value: &str) -> Option<Date> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    let d = parse_date(v);
    if d.is_none() {
        e.add(field, "data non valida: usare gg/mm/aaaa");
    }
    d
}

fn required_date(e: &mut FieldErrors, field: &str, value: &str) -> Option<Date> {
    if value.trim().is_empty() {
        e.add(field, "campo obbligatorio");
        return None;
    }
    optional_date(e, field, value)
}

/// Checks that a date of the action is inside the programme period and not in the future.
pub fn check_in_window(e: &mut FieldErrors, field: &str, d: Date, window: Window, today: Option<Date>) {
    if d < window.start || d > window.end {
        e.add(field, format!("fuori dal periodo del programma ({})", window.describe()));
    } else if today.is_some_and(|t| d > t) {
        e.add(field, "la data non può essere futura");
    }
}

fn hours(s: &str) -> Option<f64> {
    let v: f64 = s.trim().replace(',', ".").parse().ok()?;
    // Whole or half hours are what a register records; anything finer is a typo.
    ((v * 2.0).fract() == 0.0 && v.is_finite()).then_some(v)
}

fn detail(e: &mut FieldErrors, f: &DetailField, raw: &str, ctx: &Context<'_>) -> Option<Value> {
    let field = format!("dettagli.{}", f.name);
    let v = raw.trim();
    if v.is_empty() {
        if f.required {
            e.add(&field, "campo obbligatorio");
        }
        return None;
    }
    match f.kind {
        Kind::Text(max) | Kind::LongText(max) => {
            let text = optional(e, &field, v, max);
            Some(json!(text))
        }
        Kind::Hours(max) => match hours(v) {
            Some(h) if h > 0.0 && h <= max => Some(json!(h)),
            _ => {
                e.add(&field, format!("indicare le ore, maggiori di zero e al massimo {max} (es. 1,5)"));
                None
            }
        },
        Kind::Count(min, max) => match v.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Some(json!(n)),
            _ => {
                e.add(&field, format!("indicare un numero intero tra {min} e {max}"));
                None
            }
        },
        Kind::Date => optional_date(e, &field, v).map(|d| json!(iso(d))),
        Kind::Choice(options) => {
            if options.iter().any(|(code, _)| *code == v) {
                Some(json!(v))
            } else {
                let allowed: Vec<&str> = options.iter().map(|(_, label)| *label).collect();
                e.add(&field, format!("scegliere tra: {}", allowed.join(", ")));
                None
            }
        }
        Kind::Operator => {
            let cf = v.to_ascii_uppercase();
            if ctx.operators.contains(&cf) {
                Some(json!(cf))
            } else {
                e.add(&field, "indicare un operatore del soggetto accreditato");
                None
            }
        }
        Kind::Company => {
            if let Some(piva) = partita_iva::parse(v) {
                Some(json!(piva))
            } else if let Ok(cf) = CodiceFiscale::parse(v) {
                Some(json!(cf.as_str()))
            } else {
                e.add(&field, "codice fiscale o partita IVA non valido");
                None
            }
        }
    }
}

fn details(e: &mut FieldErrors, tipo: ActionType, input: &ActionInput, ctx: &Context<'_>) -> Value {
    let mut out = Map::new();
    for f in detail_fields(tipo) {
        let raw = input.dettagli.get(f.name).map(String::as_str).unwrap_or_default();
        if let Some(v) = detail(e, f, raw, ctx) {
            out.insert(f.name.to_owned(), v);
        }
    }
    for (name, value) in &input.dettagli {
        if !detail_fields(tipo).iter().any(|f| f.name == name) && !value.trim().is_empty() {
            e.add(&format!("dettagli.{name}"), format!("campo non previsto per {}", tipo.code()));
        }
    }
    out.into()
}

/// Rules that tie a type's details to the dates.
fn cross_checks(e: &mut FieldErrors, tipo: ActionType, d: &Value, inizio: Option<Date>) {
    match tipo {
        ActionType::A06 => {
            let group = d.get("modalita").and_then(Value::as_str) == Some("gruppo");
            if group != d.get("partecipanti").is_some() {
                let message = if group {
                    "per un colloquio di gruppo indicare il numero dei partecipanti"
                } else {
                    "i partecipanti si indicano solo per un colloquio di gruppo"
                };
                e.add("dettagli.partecipanti", message);
            }
        }
        ActionType::C06 => {
            if inizio.is_none() {
                e.add("data_inizio", "per un tirocinio indicare la data di inizio (anche prevista)");
            }
            let end = d.get("fine_prevista").and_then(Value::as_str).and_then(parse_date);
            if let (Some(start), Some(end)) = (inizio, end)
                && end < start
            {
                e.add("dettagli.fine_prevista", "la fine prevista non può precedere l'inizio");
            }
        }
        ActionType::B03 | ActionType::C07 => {}
    }
}

impl ActionInput {
    /// Checks everything; on error every field's message is returned and nothing is typed.
    pub fn validate(&self, ctx: &Context<'_>) -> Result<ValidAction, Vec<FieldError>> {
        let mut e = FieldErrors::default();
        let tipo = ActionType::from_code(&self.tipo_attivita);
        if tipo.is_none() {
            e.add("tipo_attivita", "il soggetto accreditato registra solo A06, B03, C06 o C07");
        }
        let proposta = required_date(&mut e, "data_proposta", &self.data_proposta);
        let mut inizio = optional_date(&mut e, "data_inizio", &self.data_inizio);
        let mut fine = optional_date(&mut e, "data_fine", &self.data_fine);
        let evento = INITIAL.iter().copied().find(|c| *c == self.evento.trim());
        if evento.is_none() {
            e.add("evento", "un'azione nuova si registra come 01 (Proposta), 02 (Iniziata) o 10 (Terminata)");
        }
        let data_evento = required_date(&mut e, "data_evento", &self.data_evento);

        // The event fixes its date: fill it where it was left empty, refuse a different one.
        match (evento, data_evento) {
            (Some("02"), Some(on)) => fill_or_match(&mut e, "data_inizio", &mut inizio, on),
            (Some("10"), Some(on)) => fill_or_match(&mut e, "data_fine", &mut fine, on),
            _ => {}
        }
        if let (Some(p), Some(ev), Some(on)) = (proposta, evento, data_evento) {
            let dates = policy_event::Dates { proposta: p, inizio, fine };
            check_dates(&mut e, ev, on, dates, ctx);
        }

        let (durata, tipologia_durata) = duration(&mut e, &self.durata, &self.tipologia_durata);
        let titolo = if tipo.is_some_and(ActionType::needs_title) {
            super::text::required(&mut e, "titolo_denominazione", &self.titolo_denominazione, TITOLO_MAX)
        } else {
            optional(&mut e, "titolo_denominazione", &self.titolo_denominazione, TITOLO_MAX)
        };
        let descrizione = if tipo.is_some_and(ActionType::needs_description) {
            super::text::required(&mut e, "descrizione", &self.descrizione, DESCRIZIONE_MAX)
        } else {
            optional(&mut e, "descrizione", &self.descrizione, DESCRIZIONE_MAX)
        };
        let progetto = self.titolo_progetto.trim().to_owned();
        if !progetto.is_empty() && !ctx.projects.contains(&progetto) {
            e.add("titolo_progetto", "codice del progetto non presente nell'elenco");
        }
        let dettagli = match tipo {
            Some(t) => {
                let d = details(&mut e, t, self, ctx);
                cross_checks(&mut e, t, &d, inizio);
                d
            }
            None => Value::Null,
        };
        let (Some(tipo), Some(data_proposta), Some(evento), Some(data_evento)) = (tipo, proposta, evento, data_evento)
        else {
            return Err(e.into_vec());
        };
        e.finish(ValidAction {
            tipo,
            titolo_denominazione: titolo,
            data_proposta,
            data_inizio: inizio,
            data_fine: fine,
            durata,
            tipologia_durata,
            descrizione,
            titolo_progetto: progetto,
            evento,
            data_evento,
            dettagli,
        })
    }
}

fn fill_or_match(e: &mut FieldErrors, field: &str, slot: &mut Option<Date>, on: Date) {
    match slot {
        None => *slot = Some(on),
        Some(d) if *d != on => e.add(field, "deve coincidere con la data dell'evento"),
        Some(_) => {}
    }
}

/// The dates of a new action: in order, inside the programme period, consistent with the event.
fn check_dates(e: &mut FieldErrors, evento: &str, on: Date, d: policy_event::Dates, ctx: &Context<'_>) {
    let today = Some(ctx.today);
    check_in_window(e, "data_proposta", d.proposta, ctx.window, today);
    check_in_window(e, "data_evento", on, ctx.window, today);
    if let Some(i) = d.inizio {
        if i < d.proposta {
            e.add("data_inizio", "la data di inizio non può precedere la data della proposta");
        }
        // A proposed action may have a planned start; a started one has started already.
        check_in_window(e, "data_inizio", i, ctx.window, (evento != "01").then_some(ctx.today));
    }
    if let Some(f) = d.fine {
        match d.inizio {
            None => e.add("data_fine", "indicare anche la data di inizio"),
            Some(i) if f < i => e.add("data_fine", "la data di fine non può precedere la data di inizio"),
            Some(_) => {}
        }
        if evento != "10" {
            e.add("data_fine", "la data di fine si registra con l'evento 10 (Terminata) o un altro evento di chiusura");
        }
        check_in_window(e, "data_fine", f, ctx.window, today);
    }
    if evento == "01" && on != d.proposta {
        e.add("data_evento", "per l'evento 01 (Proposta) la data dell'evento è la data della proposta");
    }
}

fn duration(e: &mut FieldErrors, durata: &str, unit: &str) -> (Option<i64>, Option<String>) {
    let (durata, unit) = (durata.trim(), unit.trim().to_ascii_uppercase());
    match (durata.is_empty(), unit.is_empty()) {
        (true, true) => (None, None),
        (false, true) => {
            e.add("tipologia_durata", "indicare l'unità della durata (ore, giorni, mesi, anni)");
            (None, None)
        }
        (true, false) => {
            e.add("durata", "indicare la durata, o lasciare vuota anche l'unità");
            (None, None)
        }
        (false, false) => {
            let n = durata.parse::<i64>().ok().filter(|n| (1..=9999).contains(n));
            if n.is_none() {
                e.add("durata", "la durata deve essere un numero intero maggiore di zero");
            }
            if !DURATION_UNITS.contains(&unit.as_str()) {
                e.add("tipologia_durata", "unità non valida: O (ore), G (giorni), M (mesi), A (anni)");
            }
            (n, Some(unit))
        }
    }
}

#[cfg(test)]
mod tests;

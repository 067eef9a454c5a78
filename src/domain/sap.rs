//! The SAP (Scheda Anagrafica Professionale), the national record of a worker, as typed
//! sections: 0 dati invio, 1 dati anagrafici, 2 dati amministrativi, 4 esperienze di lavoro,
//! 5 informazioni curriculari, 6 interventi di politiche attive (the current model has no
//! section 3).
//!
//! Codes (CPI, comuni, ATECO, CP2011, contract types, activity and event codes) stay the raw
//! strings of the national tables: the Region loads the tables as data, and a SAP must display
//! even when it carries a code our copy of a table does not know yet. Dates are ISO
//! `yyyy-mm-dd` strings. Every optional text is `Option<String>`, never an empty string.
//!
//! Every struct is `#[serde(default)]` so that a SAP stored as JSON by an older version still
//! loads after a field is added.

use std::collections::BTreeMap;

use crate::domain::text::{iso, italian_date, parse_date};

/// A whole SAP, one field per section.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(default)]
pub struct Sap {
    /// Section 0.
    pub dati_invio: DatiInvio,
    /// Section 1.
    pub dati_anagrafici: DatiAnagrafici,
    /// Section 2.
    pub dati_amministrativi: DatiAmministrativi,
    /// Section 4, in document order.
    pub esperienze_lavoro: Vec<EsperienzaLavoro>,
    /// Section 5.
    pub informazioni_curriculari: InformazioniCurriculari,
    /// Section 6 ("sezione VI"), in document order.
    pub politiche_attive: Vec<PoliticaAttiva>,
}

/// Section 0: who sent this version of the SAP, and when.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(default)]
pub struct DatiInvio {
    /// Identificativo SAP (e.g. `AA01711608H`).
    pub identificativo_sap: Option<String>,
    /// Code of the CPI that owns the SAP (e.g. `H501C000523`).
    pub codice_ente_titolare: Option<String>,
    pub data_ultimo_aggiornamento: Option<String>,
    /// Tipo variazione code of the national table.
    pub tipo_variazione: Option<String>,
}

/// Section 1: personal data, permit, addresses, contacts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(default)]
pub struct DatiAnagrafici {
    pub dati_personali: DatiPersonali,
    /// Only foreign citizens have one.
    pub permesso_soggiorno: Option<PermessoSoggiorno>,
    pub residenza: Indirizzo,
    pub domicilio: Indirizzo,
    pub recapiti: Recapiti,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(default)]
pub struct DatiPersonali {
    /// Upper case, already checked by `CodiceFiscale::parse` when the SAP was imported.
    /// A plain string here because the domain type has no default and is not serialised.
    pub codice_fiscale: String,
    pub cognome: Option<String>,
    pub nome: Option<String>,
    /// `M` or `F`.
    pub sesso: Option<String>,
    pub data_nascita: Option<String>,
    /// Cadastral code of the comune of birth, or the `Z...` code of the foreign state.
    pub comune_nascita: Option<String>,
    /// Citizenship code of the national table (`000` = Italian).
    pub cittadinanza: Option<String>,
}

/// Residence permit of a foreign citizen.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(default)]
pub struct PermessoSoggiorno {
    pub tipo_documento: Option<String>,
    pub numero_documento: Option<String>,
    pub motivo: Option<String>,
    pub data_scadenza: Option<String>,
    pub questura: Option<String>,
}

/// A residence or domicile address.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(default)]
pub struct Indirizzo {
    pub indirizzo: Option<String>,
    pub cap: Option<String>,
    /// Cadastral code of the comune.
    pub comune: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(default)]
pub struct Recapiti {
    pub telefono: Option<String>,
    pub cellulare: Option<String>,
    pub email: Option<String>,
}

/// Section 2: the administrative state of the worker at the CPI.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(default)]
pub struct DatiAmministrativi {
    /// Stato occupazionale code (stato in anagrafe).
    pub stato_occupazionale: Option<String>,
    /// Condizione (status) code.
    pub condizione: Option<String>,
    /// Months of unemployment (anzianità di disoccupazione).
    pub mesi_disoccupazione: Option<u32>,
    /// Profiling index as written in the file (a decimal such as `0.79`): kept as text so that
    /// the value shown is exactly the one the national system computed.
    pub indice_profilazione: Option<String>,
    /// Date of the DID (dichiarazione di immediata disponibilità).
    pub data_did: Option<String>,
    pub periodi_disoccupazione: Vec<PeriodoDisoccupazione>,
    pub liste_speciali: Vec<ListaSpeciale>,
    /// Protected category code (L. 68/1999), if any.
    pub categoria_protetta: Option<String>,
    /// ISEE as written in the file.
    pub isee: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(default)]
pub struct PeriodoDisoccupazione {
    pub data_ingresso: Option<String>,
    /// Tipo ingresso code (e.g. `D`).
    pub tipo_ingresso: Option<String>,
    pub data_uscita: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(default)]
pub struct ListaSpeciale {
    pub tipo_lista: Option<String>,
    pub provincia: Option<String>,
    pub data_iscrizione: Option<String>,
}

/// Section 4: one work experience.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(default)]
pub struct EsperienzaLavoro {
    /// Employer's codice fiscale or partita IVA, as written (not checked: old records hold
    /// codes that no longer pass today's checks, and they must still display).
    pub datore_codice_fiscale: Option<String>,
    pub datore_denominazione: Option<String>,
    /// ATECO 2007 code of the employer.
    pub datore_ateco: Option<String>,
    /// User company, for agency work (somministrazione).
    pub utilizzatrice_codice_fiscale: Option<String>,
    pub utilizzatrice_denominazione: Option<String>,
    pub data_inizio: Option<String>,
    pub data_fine: Option<String>,
    /// CP2011 job code.
    pub qualifica: Option<String>,
    /// Main tasks, free text.
    pub compiti: Option<String>,
    pub tipo_contratto: Option<String>,
    /// Contractual grade (livello di inquadramento).
    pub livello: Option<String>,
    /// Working-time arrangement code (full/part time).
    pub modalita_lavoro: Option<String>,
    /// The `flag...` elements of the experience, by element name, with their raw value
    /// (`S`/`N`): the national model adds flags over time, and a map keeps them all.
    pub flags: BTreeMap<String, String>,
    /// Cadastral code of the comune where the work took place.
    pub comune_sede: Option<String>,
    pub indirizzo_sede: Option<String>,
}

/// Section 5: education, training, languages, IT skills, registers, licences.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(default)]
pub struct InformazioniCurriculari {
    pub titoli_studio: Vec<TitoloStudio>,
    pub formazione_professionale: Vec<FormazioneProfessionale>,
    pub lingue_straniere: Vec<LinguaStraniera>,
    pub conoscenze_informatiche: Vec<ConoscenzaInformatica>,
    /// Professional register codes (albi).
    pub albi: Vec<String>,
    /// Driving licence codes.
    pub patenti: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(default)]
pub struct TitoloStudio {
    /// Livello di istruzione code.
    pub livello: Option<String>,
    /// Titolo / corso di studio code.
    pub corso_studio: Option<String>,
    pub anno_conseguimento: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(default)]
pub struct FormazioneProfessionale {
    pub titolo_corso: Option<String>,
    pub ente: Option<String>,
    pub durata: Option<i64>,
    /// Unit of `durata`: O ore, G giorni, M mesi, A anni.
    pub tipologia_durata: Option<String>,
    /// Certificate or attestation code.
    pub attestato: Option<String>,
    /// Region code of the course.
    pub regione: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(default)]
pub struct LinguaStraniera {
    pub lingua: Option<String>,
    pub livello_letto: Option<String>,
    pub livello_scritto: Option<String>,
    pub livello_parlato: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(default)]
pub struct ConoscenzaInformatica {
    pub conoscenza: Option<String>,
    pub grado: Option<String>,
}

/// Section 6: one "intervento di politica attiva", exactly the fields of the national model.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(default)]
pub struct PoliticaAttiva {
    /// National activity code (A02, A06, B03, C06, C07, N00, ...).
    pub tipo_attivita: Option<String>,
    /// Required for C codes.
    pub titolo_denominazione: Option<String>,
    pub data_proposta: Option<String>,
    /// Start date (element `data`).
    pub data: Option<String>,
    pub data_fine: Option<String>,
    /// Optional in the file: the rule "durata > 0 when tipologia_durata is set" needs to tell
    /// a missing duration from a zero one.
    pub durata: Option<i64>,
    /// O ore, G giorni, M mesi, A anni.
    pub tipologia_durata: Option<String>,
    /// Required for C06.
    pub descrizione: Option<String>,
    /// `01` = regional/provincial active-policy project.
    pub titolo_progetto: Option<String>,
    pub codice_ente_promotore: Option<String>,
    pub identificativo_politica: Option<String>,
    pub indice_profiling: Option<String>,
    pub identificativo_presa_in_carico: Option<String>,
    pub ultimo_evento: Option<UltimoEvento>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(default)]
pub struct UltimoEvento {
    /// Event code 01..15 (01 proposta, 02 iniziata, 10 terminata, ...).
    pub evento: Option<String>,
    pub data_evento: Option<String>,
    pub descrizione: Option<String>,
}

/// Units a `tipologia_durata` may name.
pub const TIPOLOGIE_DURATA: [&str; 4] = ["O", "G", "M", "A"];

/// Empty or blank text counts as missing: the rules ask for content, not for an element.
fn missing(value: &Option<String>) -> bool {
    value.as_deref().is_none_or(|v| v.trim().is_empty())
}

impl PoliticaAttiva {
    /// What breaks the rules of the national model, as Italian sentences. An empty list means
    /// the entry is consistent. Imported SAPs come from the national system and are stored
    /// anyway: these become warnings for the operator, never a refusal.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let tipo = self.tipo_attivita.as_deref().map(str::trim).unwrap_or_default();
        if tipo.is_empty() {
            out.push("tipo attività mancante".to_owned());
        }

        // Dates out of order; a date that does not parse is reported once and left out of
        // the comparisons.
        let named = [("proposta", &self.data_proposta), ("inizio", &self.data), ("fine", &self.data_fine)];
        let mut dates = [None, None, None];
        for ((label, value), slot) in named.iter().zip(dates.iter_mut()) {
            if let Some(v) = value.as_deref().filter(|v| !v.trim().is_empty()) {
                match parse_date(v) {
                    Some(d) => *slot = Some(d),
                    None => out.push(format!("data di {label} «{v}» non valida")),
                }
            }
        }
        let [proposta, inizio, fine] = dates;
        let order = |out: &mut Vec<String>, a: Option<time::Date>, b: Option<time::Date>, an: &str, bn: &str| {
            if let (Some(a), Some(b)) = (a, b)
                && a > b
            {
                out.push(format!(
                    "la data di {an} ({}) è successiva alla data di {bn} ({})",
                    italian_date(&iso(a)),
                    italian_date(&iso(b))
                ));
            }
        };
        order(&mut out, proposta, inizio, "proposta", "inizio");
        order(&mut out, inizio, fine, "inizio", "fine");
        // Without a start date the chain proposta <= fine still has to hold.
        if inizio.is_none() {
            order(&mut out, proposta, fine, "proposta", "fine");
        }

        match self.tipologia_durata.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            Some(unit) => {
                if !TIPOLOGIE_DURATA.contains(&unit) {
                    out.push(format!("tipologia durata «{unit}» non valida: ammesse O, G, M, A"));
                }
                match self.durata {
                    Some(d) if d > 0 => {}
                    Some(d) => out.push(format!("la durata deve essere maggiore di zero (indicata {d})")),
                    None => out.push("durata mancante: è indicata la tipologia durata".to_owned()),
                }
            }
            None => {
                if self.durata.is_some() {
                    out.push("durata indicata senza tipologia durata (O, G, M, A)".to_owned());
                }
            }
        }

        if tipo.starts_with('C') && missing(&self.titolo_denominazione) {
            out.push(format!("titolo/denominazione obbligatorio per le attività di tipo C ({tipo})"));
        }
        if tipo == "C06" && missing(&self.descrizione) {
            out.push("descrizione obbligatoria per il tirocinio extracurricolare (C06)".to_owned());
        }
        out
    }
}

impl Sap {
    /// The problems of every section-6 entry, each prefixed by its position and code so that
    /// the operator can find it ("politica 2 (C06): ...").
    pub fn problems(&self) -> Vec<String> {
        self.politiche_attive
            .iter()
            .enumerate()
            .flat_map(|(i, p)| {
                let tipo = p.tipo_attivita.clone().unwrap_or_else(|| "?".to_owned());
                p.problems().into_iter().map(move |m| format!("politica {} ({tipo}): {m}", i + 1))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Option<String> {
        Some(v.to_owned())
    }

    fn tirocinio() -> PoliticaAttiva {
        PoliticaAttiva {
            tipo_attivita: s("C06"),
            titolo_denominazione: s("TIROCINIO EXTRACURRICOLARE"),
            data_proposta: s("2024-02-01"),
            data: s("2024-03-01"),
            data_fine: s("2024-08-31"),
            durata: Some(6),
            tipologia_durata: s("M"),
            descrizione: s("Tirocinio presso Officine Rossi S.r.l."),
            titolo_progetto: s("01"),
            codice_ente_promotore: s("H501C000523"),
            identificativo_politica: s("17008B3B94B"),
            indice_profiling: s("0.79"),
            identificativo_presa_in_carico: None,
            ultimo_evento: Some(UltimoEvento {
                evento: s("10"),
                data_evento: s("2024-08-31"),
                descrizione: s("Terminata"),
            }),
        }
    }

    #[test]
    fn a_consistent_entry_has_no_problems() {
        assert_eq!(tirocinio().problems(), Vec::<String>::new());
        // Same day for all three dates is allowed (N00 convalida DID is like that).
        let n00 = PoliticaAttiva {
            tipo_attivita: s("N00"),
            data_proposta: s("2018-04-05"),
            data: s("2018-04-05"),
            data_fine: s("2018-04-05"),
            ..PoliticaAttiva::default()
        };
        assert_eq!(n00.problems(), Vec::<String>::new());
    }

    #[test]
    fn dates_out_of_order() {
        let p = PoliticaAttiva { data_proposta: s("2024-03-02"), ..tirocinio() };
        assert_eq!(
            p.problems(),
            vec!["la data di proposta (02/03/2024) è successiva alla data di inizio (01/03/2024)"]
        );

        let p = PoliticaAttiva { data_fine: s("2024-02-28"), ..tirocinio() };
        assert_eq!(p.problems(), vec!["la data di inizio (01/03/2024) è successiva alla data di fine (28/02/2024)"]);

        let p = PoliticaAttiva { data: None, data_proposta: s("2024-09-01"), ..tirocinio() };
        assert_eq!(p.problems(), vec!["la data di proposta (01/09/2024) è successiva alla data di fine (31/08/2024)"]);

        let p = PoliticaAttiva { data: s("ieri"), ..tirocinio() };
        assert_eq!(p.problems(), vec!["data di inizio «ieri» non valida"]);
    }

    #[test]
    fn durata_rules() {
        let p = PoliticaAttiva { durata: None, ..tirocinio() };
        assert_eq!(p.problems(), vec!["durata mancante: è indicata la tipologia durata"]);

        let p = PoliticaAttiva { durata: Some(0), ..tirocinio() };
        assert_eq!(p.problems(), vec!["la durata deve essere maggiore di zero (indicata 0)"]);

        let p = PoliticaAttiva { durata: Some(-3), ..tirocinio() };
        assert_eq!(p.problems().len(), 1);

        let p = PoliticaAttiva { tipologia_durata: s("X"), ..tirocinio() };
        assert_eq!(p.problems(), vec!["tipologia durata «X» non valida: ammesse O, G, M, A"]);

        let p = PoliticaAttiva { tipologia_durata: None, ..tirocinio() };
        assert_eq!(p.problems(), vec!["durata indicata senza tipologia durata (O, G, M, A)"]);

        // Neither durata nor unit: nothing to check.
        let p = PoliticaAttiva { tipologia_durata: None, durata: None, ..tirocinio() };
        assert!(p.problems().is_empty());
    }

    #[test]
    fn c_codes_need_a_title_and_c06_a_description() {
        let p = PoliticaAttiva { titolo_denominazione: None, descrizione: s("   "), ..tirocinio() };
        assert_eq!(
            p.problems(),
            vec![
                "titolo/denominazione obbligatorio per le attività di tipo C (C06)",
                "descrizione obbligatoria per il tirocinio extracurricolare (C06)",
            ]
        );

        // C07 needs the title, not the description.
        let p =
            PoliticaAttiva { tipo_attivita: s("C07"), titolo_denominazione: s(""), descrizione: None, ..tirocinio() };
        assert_eq!(p.problems(), vec!["titolo/denominazione obbligatorio per le attività di tipo C (C07)"]);

        // A06 needs neither.
        let p =
            PoliticaAttiva { tipo_attivita: s("A06"), titolo_denominazione: None, descrizione: None, ..tirocinio() };
        assert!(p.problems().is_empty());

        let p = PoliticaAttiva { tipo_attivita: None, ..tirocinio() };
        assert_eq!(p.problems(), vec!["tipo attività mancante"]);
    }

    #[test]
    fn sap_problems_name_the_entry() {
        let sap = Sap {
            politiche_attive: vec![tirocinio(), PoliticaAttiva { descrizione: None, ..tirocinio() }],
            ..Sap::default()
        };
        assert_eq!(
            sap.problems(),
            vec!["politica 2 (C06): descrizione obbligatoria per il tirocinio extracurricolare (C06)"]
        );
    }

    #[test]
    fn json_round_trip_and_missing_fields_default() {
        let sap = Sap { politiche_attive: vec![tirocinio()], ..Sap::default() };
        let json = serde_json::to_string(&sap).unwrap();
        assert_eq!(serde_json::from_str::<Sap>(&json).unwrap(), sap);
        // A record stored before a field existed still loads.
        let old: Sap = serde_json::from_str(r#"{"politiche_attive":[{"tipo_attivita":"A02"}]}"#).unwrap();
        assert_eq!(old.politiche_attive[0].tipo_attivita.as_deref(), Some("A02"));
        assert_eq!(old.politiche_attive[0].durata, None);
    }
}

//! The SAP (Scheda Anagrafica Professionale), the national record of a worker, as typed
//! sections that follow the national schema, revision 009 (November 2017), element by element:
//! 0 dati invio, 1 dati anagrafici, 2 dati amministrativi, 4 esperienze di lavoro, 5
//! informazioni curriculari (`livelliistruzione_lst` and `allegato`), 6 interventi di politiche
//! attive (the model has no section 3). `infra::sap_schema` says which element fills which field.
//!
//! Codes (CPI, comuni, ATECO, CP2011, contract types, activity and event codes) stay the raw
//! strings of the national tables: the Region loads the tables as data, and a SAP must display
//! even when it carries a code our copy of a table does not know yet. Dates are ISO
//! `yyyy-mm-dd` strings. Every optional text is `Option<String>`, never an empty string.
//!
//! Every struct is `#[serde(default)]` so that a SAP stored as JSON by an older version still
//! loads after a field is added.

use crate::domain::text::{iso, italian_date, parse_date};

/// A whole SAP, one field per section.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(default)]
pub struct Sap {
    /// Section 0 (`datiinvio`).
    pub dati_invio: DatiInvio,
    /// Section 1 (`datianagrafici`).
    pub dati_anagrafici: DatiAnagrafici,
    /// Section 2 (`datiamministrativi`).
    pub dati_amministrativi: DatiAmministrativi,
    /// Section 4 (`esperienzelavoro_lst`), in document order.
    pub esperienze_lavoro: Vec<EsperienzaLavoro>,
    /// Section 5 (`livelliistruzione_lst` and `allegato`).
    pub informazioni_curriculari: InformazioniCurriculari,
    /// Section 6 ("sezione VI", `politiche_attive_lst`), in document order.
    pub politiche_attive: Vec<PoliticaAttiva>,
}

/// Section 0: who sent this version of the SAP, and when.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(default)]
pub struct DatiInvio {
    /// `dataultimoagg`.
    pub data_ultimo_aggiornamento: Option<String>,
    /// `identificativosap`, e.g. `AA01711608H`.
    pub identificativo_sap: Option<String>,
    /// `codiceentetit`: the CPI that owns the SAP, e.g. `H501C000523`.
    pub codice_ente_titolare: Option<String>,
    /// `tipovariazione`: code of the national table "tipo variazione".
    pub tipo_variazione: Option<String>,
    /// `datadinascita`: the worker's birth date, repeated in section 0.
    pub data_nascita: Option<String>,
}

/// Section 1: personal data, foreign citizen's permit, addresses, contacts.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(default)]
pub struct DatiAnagrafici {
    pub dati_personali: DatiPersonali,
    /// `datistranieri`: only foreign citizens have one.
    pub dati_stranieri: Option<DatiStranieri>,
    pub residenza: Option<Indirizzo>,
    pub domicilio: Option<Indirizzo>,
    pub recapiti: Recapiti,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(default)]
pub struct DatiPersonali {
    /// Upper case; the worker's is checked when the SAP is imported (16 characters, or the
    /// 11-digit numeric form the schema also admits).
    pub codice_fiscale: String,
    pub cognome: Option<String>,
    pub nome: Option<String>,
    /// `M` or `F`.
    pub sesso: Option<String>,
    pub data_nascita: Option<String>,
    /// `codcomune`: cadastral code of the comune of birth, or the `Z...` code of the foreign state.
    pub comune_nascita: Option<String>,
    /// `codcittadinanza`: code of the national citizenship table.
    pub cittadinanza: Option<String>,
}

/// `datistranieri`: the residence permit of a foreign citizen.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(default)]
pub struct DatiStranieri {
    /// `codtipodocumento`: one digit, national table "status straniero".
    pub tipo_documento: Option<String>,
    /// `numero` of the permit (or of the renewal receipt).
    pub numero: Option<String>,
    /// `motivo`: national table "motivo permesso".
    pub motivo: Option<String>,
    /// `validoal`: the permit's expiry.
    pub valido_al: Option<String>,
    /// `dataultimomantiscr`: last date the registration was kept despite a job.
    pub data_ultimo_mantenimento_iscrizione: Option<String>,
}

/// A residence or domicile address.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(default)]
pub struct Indirizzo {
    /// Cadastral code of the comune (or foreign state).
    pub comune: Option<String>,
    pub cap: Option<String>,
    pub indirizzo: Option<String>,
    pub localita: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(default)]
pub struct Recapiti {
    pub telefono: Option<String>,
    pub cellulare: Option<String>,
    pub fax: Option<String>,
    pub email: Option<String>,
}

/// Section 2: the administrative state of the worker at the CPI.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(default)]
pub struct DatiAmministrativi {
    pub stato_in_anagrafe: StatoInAnagrafe,
    /// `periodidisoccupazione`: at most one in the schema; a file with more is reported and
    /// every one is kept.
    pub periodi_disoccupazione: Vec<PeriodoDisoccupazione>,
    pub liste_speciali: Vec<ListaSpeciale>,
    /// `assolvimentoistruzione/obbligoformativo`.
    pub obbligo_formativo: Option<String>,
    /// `altrenotizie/categorieprotette`.
    pub categorie_protette: Option<String>,
    /// `altrenotizie/indiceisee`, as written.
    pub indice_isee: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(default)]
pub struct StatoInAnagrafe {
    /// `codstatooccupazionale`: DI, IN, OC, AL.
    pub stato_occupazionale: Option<String>,
    /// `codstatus`: the condition (national table "condizione status").
    pub condizione: Option<String>,
    pub categoria_297: Option<String>,
    /// `anzianita`: months of unemployment, as written (up to 3 digits).
    pub anzianita_mesi: Option<String>,
    /// `indiceprofiling`: the decimal profiling coefficient, kept as written so that the value
    /// shown and sent on is exactly the one the national system computed.
    pub indice_profiling: Option<String>,
    /// `dataevento`: date of the last event.
    pub data_evento: Option<String>,
    /// `disponibilita`: date of the DID (dichiarazione di immediata disponibilità).
    pub data_disponibilita: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(default)]
pub struct PeriodoDisoccupazione {
    pub data_ingresso: Option<String>,
    /// `tipoingresso`: D or F.
    pub tipo_ingresso: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(default)]
pub struct ListaSpeciale {
    /// `tipolista`: one digit, national table "liste speciali".
    pub tipo_lista: Option<String>,
    pub data_iscrizione: Option<String>,
    pub data_fine_iscrizione: Option<String>,
    pub data_massimo_differimento: Option<String>,
    pub provincia: Option<String>,
}

/// Section 4: one work experience.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(default)]
pub struct EsperienzaLavoro {
    pub azienda: Azienda,
    /// The user company, for agency work (somministrazione).
    pub utilizzatrice: Option<Azienda>,
    pub data_inizio: Option<String>,
    pub data_fine: Option<String>,
    /// `dataFinePeriodoFormativo`: end of the training period of an apprenticeship.
    pub data_fine_periodo_formativo: Option<String>,
    /// `codprofessione`: CP2011 code.
    pub professione: Option<String>,
    /// Main tasks, free text.
    pub compiti: Option<String>,
    pub tipo_rapporto: TipoRapporto,
    /// `modalitalavoro/codmodalitalavoro`.
    pub modalita_lavoro: Option<String>,
    pub luogo_lavoro: LuogoLavoro,
}

/// An employer or user company. Its codice fiscale is kept as written (not checked: old
/// records hold codes that no longer pass today's checks, and they must still display).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(default)]
pub struct Azienda {
    pub codice_fiscale: Option<String>,
    /// `datorelavoro`: the name.
    pub denominazione: Option<String>,
    /// `indirizzoazienda`.
    pub indirizzo: Option<String>,
    /// `codateco`: ATECO 2007.
    pub ateco: Option<String>,
}

/// `tiporapporto`: the contract and its flags (SI/NO as written).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(default)]
pub struct TipoRapporto {
    pub tipo_contratto: Option<String>,
    pub categoria_inquadramento: Option<String>,
    /// `assunzioneLegge68`.
    pub assunzione_legge_68: Option<String>,
    /// `lavInMobilita`.
    pub lavoratore_in_mobilita: Option<String>,
    /// `lavoroStagionale`.
    pub lavoro_stagionale: Option<String>,
    /// `lavoroInAgricoltura`.
    pub lavoro_in_agricoltura: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(default)]
pub struct LuogoLavoro {
    pub indirizzo: Option<String>,
    /// Cadastral code of the comune (or foreign state) where the work took place.
    pub comune: Option<String>,
}

/// Section 5: education levels, titles, training, languages, IT skills, registers, licences.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(default)]
pub struct InformazioniCurriculari {
    /// `livelliistruzione_lst/codlivelloistruzione`.
    pub livelli_istruzione: Vec<String>,
    pub titoli_studio: Vec<TitoloStudio>,
    pub formazione_professionale: Vec<FormazioneProfessionale>,
    pub lingue_straniere: Vec<LinguaStraniera>,
    pub conoscenze_informatiche: Vec<ConoscenzaInformatica>,
    pub altre_informazioni: Vec<AltreInformazioni>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(default)]
pub struct TitoloStudio {
    /// `codlivelloistruzione`.
    pub livello: Option<String>,
    /// `corsostudio`: code of the course of study.
    pub corso_studio: Option<String>,
    pub descrizione_corso_studio: Option<String>,
    /// `codcomunefrequenza`.
    pub comune_frequenza: Option<String>,
    /// `riconosciutoin`: where a foreign title is recognised.
    pub riconosciuto_in: Option<String>,
    pub votazione: Option<String>,
    /// `annotermine`: the year the title was obtained.
    pub anno_termine: Option<String>,
    /// `annofrequentato`: last year attended, for a title not obtained.
    pub anno_frequentato: Option<String>,
    /// `annofrequenza`: the year of attendance.
    pub anno_frequenza: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(default)]
pub struct FormazioneProfessionale {
    pub titolo_corso: Option<String>,
    /// The training body.
    pub ente: Option<String>,
    /// `codregione`.
    pub regione: Option<String>,
    pub durata: Option<i64>,
    /// `codtipologiadurata`: unit of `durata` (O ore, G giorni, M mesi, A anni).
    pub tipologia_durata: Option<String>,
    /// `certificazioniattestati`: certificate or attestation code.
    pub certificazioni_attestati: Option<String>,
    pub stage: Option<String>,
    pub denominazione_azienda_stage: Option<String>,
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
    /// `specificheinformatica`: free text.
    pub specifiche: Option<String>,
}

/// `altreinformazioni`: a professional register, a driving licence, a licence (patentino).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(default)]
pub struct AltreInformazioni {
    pub albo: Option<String>,
    pub patente_guida: Option<String>,
    pub patentino: Option<String>,
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
    /// Required by the schema for every entry (1-250 characters).
    pub descrizione: Option<String>,
    /// `01` = regional/provincial active-policy project.
    pub titolo_progetto: Option<String>,
    pub codice_ente_promotore: Option<String>,
    /// Upper case (files carry lower-case hex too; the identifier is case-insensitive).
    pub identificativo_politica: Option<String>,
    /// The decimal profiling coefficient, as written.
    pub indice_profiling: Option<String>,
    /// Upper case, like `identificativo_politica`.
    pub identificativo_presa_in_carico: Option<String>,
    pub ultimo_evento: Option<UltimoEvento>,
    /// `descrizione_azione_sil`, `esito_azione_sil`, `data_stimata`: the regional
    /// `PoliticheAttive.xsd` companion layout; read and shown, never sent on.
    pub descrizione_azione_sil: Option<String>,
    pub esito_azione_sil: Option<String>,
    pub data_stimata: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(default)]
pub struct UltimoEvento {
    /// Event code 01..15 (01 proposta, 02 iniziata, 10 terminata, ...).
    pub evento: Option<String>,
    pub data_evento: Option<String>,
    /// `descrizione_evento` (at most 100 characters).
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
            ..PoliticaAttiva::default()
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

//! The SAP as the scheda answers it (`RecipientDetail.sap`): the sections of
//! `domain::sap` field for field (`shape_tests` compares them with what `Sap` serialises),
//! described in Italian after the national schema (revision 009). Codes are the raw values of
//! the national tables; dates `aaaa-mm-gg`; an absent element is `null`.

#![expect(dead_code, reason = "documentation shapes: the bodies are built in the handlers")]

use serde_json::Value;
use utoipa::ToSchema;

use super::ops::ImportFinding;

/// L'ultima SAP importata della persona.
#[derive(ToSchema)]
pub struct SapVersion {
    /// Versione della SAP (cresce a ogni importazione).
    version: i64,
    /// Importata il (millisecondi UTC).
    imported_at: i64,
    /// Le sezioni.
    sections: SapSections,
    /// Che cosa il file conteneva fuori dallo schema nazionale (segnalato, non rifiutato).
    findings: Vec<ImportFinding>,
}

/// Le sezioni della SAP (il modello nazionale non ha la sezione 3).
#[derive(ToSchema)]
pub struct SapSections {
    /// Sezione 0, dati di invio.
    section0: SapDatiInvio,
    /// Sezione 1, dati anagrafici.
    section1: SapDatiAnagrafici,
    /// Sezione 2, dati amministrativi.
    section2: SapDatiAmministrativi,
    /// Sezione 4, esperienze di lavoro, nell'ordine del documento.
    section4: Vec<SapEsperienzaLavoro>,
    /// Sezione 5, informazioni curriculari.
    section5: SapInformazioniCurriculari,
    /// Sezione VI, le politiche attive: quelle della SAP e quelle registrate dai soggetti accreditati.
    section6: Vec<Section6Row>,
}

/// Sezione 0: chi ha inviato questa versione della SAP e quando.
#[derive(ToSchema)]
pub struct SapDatiInvio {
    /// Data dell'ultimo aggiornamento (`dataultimoagg`).
    data_ultimo_aggiornamento: Option<String>,
    /// Identificativo della SAP (`identificativosap`).
    identificativo_sap: Option<String>,
    /// Codice del CPI titolare della SAP (`codiceentetit`).
    codice_ente_titolare: Option<String>,
    /// Tipo di variazione, codice della tabella nazionale (`tipovariazione`).
    tipo_variazione: Option<String>,
    /// Data di nascita del lavoratore, ripetuta nella sezione 0.
    data_nascita: Option<String>,
}

/// Sezione 1: dati personali, permesso di soggiorno, indirizzi, recapiti.
#[derive(ToSchema)]
pub struct SapDatiAnagrafici {
    /// Dati personali.
    dati_personali: SapDatiPersonali,
    /// Permesso di soggiorno (solo per i cittadini stranieri).
    dati_stranieri: Option<SapDatiStranieri>,
    /// Residenza.
    residenza: Option<SapIndirizzo>,
    /// Domicilio.
    domicilio: Option<SapIndirizzo>,
    /// Recapiti.
    recapiti: SapRecapiti,
}

/// Dati personali del lavoratore.
#[derive(ToSchema)]
pub struct SapDatiPersonali {
    /// Codice fiscale (maiuscolo).
    codice_fiscale: String,
    /// Cognome.
    cognome: Option<String>,
    /// Nome.
    nome: Option<String>,
    /// Sesso (`M`, `F`).
    sesso: Option<String>,
    /// Data di nascita.
    data_nascita: Option<String>,
    /// Codice catastale del comune di nascita, o codice `Z...` dello Stato estero.
    comune_nascita: Option<String>,
    /// Cittadinanza, codice della tabella nazionale.
    cittadinanza: Option<String>,
}

/// Il permesso di soggiorno di un cittadino straniero.
#[derive(ToSchema)]
pub struct SapDatiStranieri {
    /// Tipo di documento (tabella nazionale «status straniero»).
    tipo_documento: Option<String>,
    /// Numero del permesso o della ricevuta di rinnovo.
    numero: Option<String>,
    /// Motivo del permesso (tabella nazionale).
    motivo: Option<String>,
    /// Scadenza del permesso.
    valido_al: Option<String>,
    /// Ultima data di mantenimento dell'iscrizione nonostante un lavoro.
    data_ultimo_mantenimento_iscrizione: Option<String>,
}

/// Un indirizzo di residenza o di domicilio.
#[derive(ToSchema)]
pub struct SapIndirizzo {
    /// Codice catastale del comune (o dello Stato estero).
    comune: Option<String>,
    /// CAP.
    cap: Option<String>,
    /// Indirizzo.
    indirizzo: Option<String>,
    /// Località.
    localita: Option<String>,
}

/// Recapiti del lavoratore.
#[derive(ToSchema)]
pub struct SapRecapiti {
    /// Telefono.
    telefono: Option<String>,
    /// Cellulare.
    cellulare: Option<String>,
    /// Fax.
    fax: Option<String>,
    /// Email.
    email: Option<String>,
}

/// Sezione 2: lo stato amministrativo del lavoratore presso il CPI.
#[derive(ToSchema)]
pub struct SapDatiAmministrativi {
    /// Stato in anagrafe.
    stato_in_anagrafe: SapStatoInAnagrafe,
    /// Periodi di disoccupazione.
    periodi_disoccupazione: Vec<SapPeriodoDisoccupazione>,
    /// Iscrizioni alle liste speciali.
    liste_speciali: Vec<SapListaSpeciale>,
    /// Obbligo formativo.
    obbligo_formativo: Option<String>,
    /// Categorie protette.
    categorie_protette: Option<String>,
    /// Indicatore ISEE.
    indice_isee: Option<String>,
}

/// Lo stato occupazionale in anagrafe.
#[derive(ToSchema)]
pub struct SapStatoInAnagrafe {
    /// Stato occupazionale (tabella nazionale).
    stato_occupazionale: Option<String>,
    /// Condizione.
    condizione: Option<String>,
    /// Categoria secondo il d.lgs. 297/2002.
    categoria_297: Option<String>,
    /// Anzianità di disoccupazione, in mesi.
    anzianita_mesi: Option<String>,
    /// Indice di profilazione.
    indice_profiling: Option<String>,
    /// Data dell'evento.
    data_evento: Option<String>,
    /// Data della dichiarazione di immediata disponibilità.
    data_disponibilita: Option<String>,
}

/// Un periodo di disoccupazione.
#[derive(ToSchema)]
pub struct SapPeriodoDisoccupazione {
    /// Data di ingresso.
    data_ingresso: Option<String>,
    /// Tipo di ingresso (tabella nazionale).
    tipo_ingresso: Option<String>,
}

/// L'iscrizione a una lista speciale.
#[derive(ToSchema)]
pub struct SapListaSpeciale {
    /// Tipo di lista (tabella nazionale).
    tipo_lista: Option<String>,
    /// Data di iscrizione.
    data_iscrizione: Option<String>,
    /// Data di fine iscrizione.
    data_fine_iscrizione: Option<String>,
    /// Data massima di differimento.
    data_massimo_differimento: Option<String>,
    /// Provincia.
    provincia: Option<String>,
}

/// Sezione 4: un'esperienza di lavoro.
#[derive(ToSchema)]
pub struct SapEsperienzaLavoro {
    /// Il datore di lavoro.
    azienda: SapAzienda,
    /// L'azienda utilizzatrice (somministrazione).
    utilizzatrice: Option<SapAzienda>,
    /// Data di inizio.
    data_inizio: Option<String>,
    /// Data di fine.
    data_fine: Option<String>,
    /// Fine del periodo formativo (apprendistato).
    data_fine_periodo_formativo: Option<String>,
    /// Professione, codice CP2011.
    professione: Option<String>,
    /// Compiti svolti.
    compiti: Option<String>,
    /// Il rapporto di lavoro.
    tipo_rapporto: SapTipoRapporto,
    /// Modalità di lavoro (tabella nazionale).
    modalita_lavoro: Option<String>,
    /// Il luogo di lavoro.
    luogo_lavoro: SapLuogoLavoro,
}

/// Un'azienda.
#[derive(ToSchema)]
pub struct SapAzienda {
    /// Codice fiscale.
    codice_fiscale: Option<String>,
    /// Denominazione.
    denominazione: Option<String>,
    /// Indirizzo.
    indirizzo: Option<String>,
    /// Settore, codice ATECO.
    ateco: Option<String>,
}

/// Il rapporto di lavoro.
#[derive(ToSchema)]
pub struct SapTipoRapporto {
    /// Tipo di contratto (tabella nazionale).
    tipo_contratto: Option<String>,
    /// Categoria di inquadramento.
    categoria_inquadramento: Option<String>,
    /// Assunzione ai sensi della legge 68/1999.
    assunzione_legge_68: Option<String>,
    /// Lavoratore in mobilità.
    lavoratore_in_mobilita: Option<String>,
    /// Lavoro stagionale.
    lavoro_stagionale: Option<String>,
    /// Lavoro in agricoltura.
    lavoro_in_agricoltura: Option<String>,
}

/// Il luogo di lavoro.
#[derive(ToSchema)]
pub struct SapLuogoLavoro {
    /// Indirizzo.
    indirizzo: Option<String>,
    /// Codice catastale del comune.
    comune: Option<String>,
}

/// Sezione 5: istruzione, formazione, lingue, conoscenze informatiche, altre informazioni.
#[derive(ToSchema)]
pub struct SapInformazioniCurriculari {
    /// Livelli di istruzione (codici della tabella nazionale).
    livelli_istruzione: Vec<String>,
    /// Titoli di studio.
    titoli_studio: Vec<SapTitoloStudio>,
    /// Corsi di formazione professionale.
    formazione_professionale: Vec<SapFormazioneProfessionale>,
    /// Lingue straniere.
    lingue_straniere: Vec<SapLinguaStraniera>,
    /// Conoscenze informatiche.
    conoscenze_informatiche: Vec<SapConoscenzaInformatica>,
    /// Albi, patenti, patentini.
    altre_informazioni: Vec<SapAltreInformazioni>,
}

/// Un titolo di studio.
#[derive(ToSchema)]
pub struct SapTitoloStudio {
    /// Livello (tabella nazionale).
    livello: Option<String>,
    /// Corso di studio (codice).
    corso_studio: Option<String>,
    /// Descrizione del corso di studio.
    descrizione_corso_studio: Option<String>,
    /// Comune di frequenza.
    comune_frequenza: Option<String>,
    /// Riconosciuto in Italia (titolo estero).
    riconosciuto_in: Option<String>,
    /// Votazione.
    votazione: Option<String>,
    /// Anno di conseguimento.
    anno_termine: Option<String>,
    /// Ultimo anno frequentato (titolo non conseguito).
    anno_frequentato: Option<String>,
    /// Anno di frequenza.
    anno_frequenza: Option<String>,
}

/// Un corso di formazione professionale.
#[derive(ToSchema)]
pub struct SapFormazioneProfessionale {
    /// Titolo del corso.
    titolo_corso: Option<String>,
    /// Ente di formazione.
    ente: Option<String>,
    /// Regione.
    regione: Option<String>,
    /// Durata (nell'unità di `tipologia_durata`).
    durata: Option<i64>,
    /// Unità della durata: `O` ore, `G` giorni, `M` mesi, `A` anni.
    tipologia_durata: Option<String>,
    /// Certificazioni e attestati.
    certificazioni_attestati: Option<String>,
    /// Stage.
    stage: Option<String>,
    /// Azienda dello stage.
    denominazione_azienda_stage: Option<String>,
}

/// Una lingua straniera.
#[derive(ToSchema)]
pub struct SapLinguaStraniera {
    /// Lingua (tabella nazionale).
    lingua: Option<String>,
    /// Livello di lettura.
    livello_letto: Option<String>,
    /// Livello di scrittura.
    livello_scritto: Option<String>,
    /// Livello di conversazione.
    livello_parlato: Option<String>,
}

/// Una conoscenza informatica.
#[derive(ToSchema)]
pub struct SapConoscenzaInformatica {
    /// Conoscenza (tabella nazionale).
    conoscenza: Option<String>,
    /// Grado.
    grado: Option<String>,
    /// Specifiche.
    specifiche: Option<String>,
}

/// Albi, patenti e patentini.
#[derive(ToSchema)]
pub struct SapAltreInformazioni {
    /// Iscrizione a un albo.
    albo: Option<String>,
    /// Patente di guida.
    patente_guida: Option<String>,
    /// Patentino.
    patentino: Option<String>,
}

/// Una riga della sezione VI: una politica attiva della SAP o un'azione registrata da un
/// soggetto accreditato.
#[derive(ToSchema)]
pub struct Section6Row {
    /// La riga; per un'azione del soggetto accreditato (`origin` = `provider`), l'azione.
    id: i64,
    /// Provenienza: `sap` (dalla SAP importata) o `provider` (registrata qui).
    origin: String,
    /// Tipo di attività (codice nazionale, per esempio `A02`).
    tipo_attivita: String,
    /// Titolo o denominazione.
    titolo_denominazione: String,
    /// Data della proposta (aaaa-mm-gg).
    data_proposta: Option<String>,
    /// Data di inizio.
    data_inizio: Option<String>,
    /// Data di fine.
    data_fine: Option<String>,
    /// Durata (nell'unità di `tipologia_durata`).
    durata: Option<i64>,
    /// Unità della durata: `O` ore, `G` giorni, `M` mesi, `A` anni.
    tipologia_durata: Option<String>,
    /// Descrizione.
    descrizione: String,
    /// Titolo del progetto (codice nazionale).
    titolo_progetto: String,
    /// Codice dell'ente promotore.
    codice_ente_promotore: String,
    /// Identificativo della politica.
    identificativo_politica: Option<String>,
    /// Ultimo evento (codice nazionale).
    ultimo_evento: Option<String>,
    /// Data dell'ultimo evento.
    data_evento: Option<String>,
    /// Descrizione dell'ultimo evento.
    descrizione_evento: String,
    /// Indice di profilazione.
    indice_profiling: String,
    /// Identificativo della presa in carico.
    identificativo_presa_in_carico: String,
    /// Righe della SAP: i campi aggiuntivi di `PoliticheAttive.xsd`; azioni registrate qui: i
    /// campi del loro tipo (vedi `DettagliA06` e seguenti).
    dettagli: Value,
}

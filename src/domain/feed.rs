//! The records of the feed to IDOL, as the repository reads them and the file writer
//! (`infra::idol_feed`) lays them out.

use super::ids::RecipientId;
use super::timestamp::Timestamp;

/// One section-6 record for the feed: a provider's action as stored.
#[derive(Debug, Clone)]
pub struct FeedPolicy {
    pub recipient_id: RecipientId,
    pub codice_fiscale: String,
    pub cognome: String,
    pub nome: String,
    pub tipo_attivita: String,
    pub titolo_denominazione: String,
    pub data_proposta: String,
    pub data_inizio: Option<String>,
    pub data_fine: Option<String>,
    pub durata: Option<i64>,
    pub tipologia_durata: Option<String>,
    pub descrizione: String,
    pub titolo_progetto: String,
    pub codice_ente_promotore: String,
    pub identificativo_politica: String,
    pub indice_profiling: String,
    pub identificativo_presa_in_carico: String,
    pub evento: String,
    pub data_evento: String,
    pub descrizione_evento: String,
    pub updated_at: Timestamp,
}

/// What the feed knows of a worker: the person and their latest SAP's sections.
#[derive(Debug, Clone)]
pub struct FeedWorker {
    pub recipient_id: RecipientId,
    pub codice_fiscale: String,
    pub cognome: String,
    pub nome: String,
    pub birth_date: Option<String>,
    pub sex: Option<String>,
    /// Sections 0-5 of the latest SAP (JSON), if one was received.
    pub sections: Option<String>,
}

/// One programme outcome for the feed.
#[derive(Debug, Clone)]
pub struct FeedOutcome {
    pub codice_fiscale: String,
    pub voucher: String,
    pub provider_cf: String,
    pub kind: String,
    pub event_date: String,
    pub employer_cf: String,
    pub employer_name: String,
    pub contract: Option<String>,
    pub contract_months: Option<i64>,
    pub resume_on: Option<String>,
    pub at: Timestamp,
}

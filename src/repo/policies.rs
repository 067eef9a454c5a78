//! Section VI (interventi di politiche attive) as it stands for a recipient: the latest SAP's
//! rows and the providers' own actions, each provider seeing only its own.

use rusqlite::{Connection, params};

use super::WriteTx;
use super::recipient_scope::{VISIBLE, current_policy};
use crate::access::RecipientScope;
use crate::domain::ids::{ActionId, ProviderId, RecipientId};
use crate::domain::timestamp::Timestamp;
use crate::error::AppError;

/// Section VI as it stands (latest SAP's rows and the providers' own), newest first.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PolicyRow {
    /// The section VI row; for a provider's own row (`origin` = `provider`), its action.
    pub id: ActionId,
    pub origin: String,
    pub tipo_attivita: String,
    pub titolo_denominazione: String,
    pub data_proposta: Option<String>,
    pub data_inizio: Option<String>,
    pub data_fine: Option<String>,
    pub durata: Option<i64>,
    pub tipologia_durata: Option<String>,
    pub descrizione: String,
    pub titolo_progetto: String,
    pub codice_ente_promotore: String,
    pub identificativo_politica: Option<String>,
    pub ultimo_evento: Option<String>,
    pub data_evento: Option<String>,
    pub descrizione_evento: String,
    pub indice_profiling: String,
    pub identificativo_presa_in_carico: String,
    /// SAP rows: the `PoliticheAttive.xsd` extras; provider actions: their type's fields.
    pub dettagli: serde_json::Value,
}

pub fn policies(conn: &Connection, scope: &RecipientScope, id: RecipientId) -> Result<Vec<PolicyRow>, AppError> {
    let current = current_policy("?2");
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT pl.id, pl.origin, pl.tipo_attivita, pl.titolo_denominazione, pl.data_proposta, pl.data_inizio,
                pl.data_fine, pl.durata, pl.tipologia_durata, pl.descrizione, pl.titolo_progetto,
                pl.codice_ente_promotore, pl.identificativo_politica, pl.ultimo_evento, pl.data_evento,
                pl.descrizione_evento, pl.indice_profiling, pl.identificativo_presa_in_carico, pl.dettagli
         FROM policy pl WHERE pl.recipient_id = ?1 AND {current} AND {VISIBLE}
         ORDER BY coalesce(pl.data_evento, pl.data_inizio, pl.data_proposta) DESC, pl.id DESC"
    ))?;
    let provider = scope.provider_filter().map(ProviderId::get);
    let rows = stmt
        .query_map(params![id.get(), provider], |r| {
            Ok(PolicyRow {
                id: r.get(0)?,
                origin: r.get(1)?,
                tipo_attivita: r.get(2)?,
                titolo_denominazione: r.get(3)?,
                data_proposta: r.get(4)?,
                data_inizio: r.get(5)?,
                data_fine: r.get(6)?,
                durata: r.get(7)?,
                tipologia_durata: r.get(8)?,
                descrizione: r.get(9)?,
                titolo_progetto: r.get(10)?,
                codice_ente_promotore: r.get(11)?,
                identificativo_politica: r.get(12)?,
                ultimo_evento: r.get(13)?,
                data_evento: r.get(14)?,
                descrizione_evento: r.get(15)?,
                indice_profiling: r.get(16)?,
                identificativo_presa_in_carico: r.get(17)?,
                dettagli: serde_json::from_str(&r.get::<_, String>(18)?).unwrap_or_default(),
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Section VI rows of an imported SAP version.
pub fn insert_sap_policy(
    tx: &WriteTx<'_>,
    now: Timestamp,
    recipient: RecipientId,
    sap_version: i64,
    p: &crate::domain::sap::PoliticaAttiva,
) -> Result<(), AppError> {
    let (evento, data_evento, descrizione_evento) = match &p.ultimo_evento {
        Some(e) => (e.evento.clone(), e.data_evento.clone(), e.descrizione.clone().unwrap_or_default()),
        None => (None, None, String::new()),
    };
    // The companion layout's extras (never sent on) ride in `dettagli`.
    let mut extras = serde_json::Map::new();
    for (key, value) in [
        ("descrizione_azione_sil", &p.descrizione_azione_sil),
        ("esito_azione_sil", &p.esito_azione_sil),
        ("data_stimata", &p.data_stimata),
    ] {
        if let Some(v) = value {
            extras.insert(key.into(), v.clone().into());
        }
    }
    tx.conn().prepare_cached("INSERT INTO policy (recipient_id, origin, sap_version_id, tipo_attivita, titolo_denominazione, data_proposta,
                             data_inizio, data_fine, durata, tipologia_durata, descrizione, titolo_progetto,
                             codice_ente_promotore, identificativo_politica, indice_profiling,
                             identificativo_presa_in_carico, ultimo_evento, data_evento, created_at, updated_at,
                             descrizione_evento, dettagli)
         VALUES (?1, 'sap', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?18, ?19, ?20)")?.execute(
        params![
            recipient.get(),
            sap_version,
            p.tipo_attivita.clone().unwrap_or_default(),
            p.titolo_denominazione.clone().unwrap_or_default(),
            p.data_proposta,
            p.data,
            p.data_fine,
            p.durata,
            p.tipologia_durata,
            p.descrizione.clone().unwrap_or_default(),
            p.titolo_progetto.clone().unwrap_or_default(),
            p.codice_ente_promotore.clone().unwrap_or_default(),
            p.identificativo_politica,
            p.indice_profiling.clone().unwrap_or_default(),
            p.identificativo_presa_in_carico.clone().unwrap_or_default(),
            evento,
            data_evento,
            now,
            descrizione_evento,
            serde_json::Value::Object(extras).to_string()
        ],
    )?;
    Ok(())
}

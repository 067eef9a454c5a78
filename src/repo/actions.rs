//! Section VI actions recorded by providers (`policy` rows with origin 'provider') and their
//! events, reached through a recipient scope: a provider sees only its own.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::WriteTx;
use crate::access::RecipientScope;
use crate::domain::ids::{ProviderId, RecipientId};
use crate::error::AppError;

/// The voucher an action is recorded under, with what validation needs.
#[derive(Debug, Clone)]
pub struct VoucherFacts {
    pub voucher_id: i64,
    pub voucher_code: String,
    pub provider_id: ProviderId,
    /// The provider's codice ente promotore (set by the Region; by default its partita IVA).
    pub ente: String,
    pub recipient_cf: String,
    pub chosen_on: String,
    pub programme_start: Option<String>,
    pub programme_end: Option<String>,
    pub extended_until: Option<String>,
    pub state: String,
}

const VOUCHER_FACTS: &str =
    "SELECT v.id, v.code, v.provider_id, p.codice_ente_promotore, r.codice_fiscale, v.chosen_on,
        v.programme_start, v.programme_end, v.extended_until, v.state
    FROM voucher v JOIN provider p ON p.id = v.provider_id JOIN recipient r ON r.id = v.recipient_id";

/// The latest voucher of `recipient` that the scope may see.
pub fn voucher(
    conn: &Connection,
    scope: &RecipientScope,
    recipient: RecipientId,
) -> Result<Option<VoucherFacts>, AppError> {
    voucher_where(conn, scope, "v.recipient_id = ?1", "ORDER BY v.issued_on DESC, v.id DESC LIMIT 1", recipient.get())
}

/// One voucher by id, if the scope may see it (an action's own voucher).
pub fn voucher_by_id(
    conn: &Connection,
    scope: &RecipientScope,
    voucher_id: i64,
) -> Result<Option<VoucherFacts>, AppError> {
    voucher_where(conn, scope, "v.id = ?1", "", voucher_id)
}

fn voucher_where(
    conn: &Connection,
    scope: &RecipientScope,
    condition: &str,
    order: &str,
    key: i64,
) -> Result<Option<VoucherFacts>, AppError> {
    let provider = scope.provider_filter().map(ProviderId::get);
    Ok(conn
        .query_row(
            &format!("{VOUCHER_FACTS} WHERE {condition} AND (?2 IS NULL OR v.provider_id = ?2) {order}"),
            params![key, provider],
            |r| {
                Ok(VoucherFacts {
                    voucher_id: r.get(0)?,
                    voucher_code: r.get(1)?,
                    provider_id: ProviderId::from_db(r.get(2)?),
                    ente: r.get(3)?,
                    recipient_cf: r.get(4)?,
                    chosen_on: r.get(5)?,
                    programme_start: r.get(6)?,
                    programme_end: r.get(7)?,
                    extended_until: r.get(8)?,
                    state: r.get(9)?,
                })
            },
        )
        .optional()?)
}

/// Codici fiscali of the provider's active operators.
pub fn operator_cfs(conn: &Connection, provider: ProviderId) -> Result<Vec<(String, String)>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT codice_fiscale, name || ' ' || surname FROM operator
         WHERE provider_id = ?1 AND state = 'active' ORDER BY surname, name",
    )?;
    let rows = stmt.query_map([provider.get()], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The value of a named counter (e.g. the last identificativo sequence number issued).
pub fn counter(conn: &Connection, name: &str) -> Result<Option<i64>, AppError> {
    Ok(conn.query_row("SELECT value FROM counter WHERE name = ?1", [name], |r| r.get(0)).optional()?)
}

pub fn set_counter(tx: &WriteTx<'_>, name: &str, value: i64) -> Result<(), AppError> {
    tx.conn().execute(
        "INSERT INTO counter (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        params![name, value],
    )?;
    Ok(())
}

pub struct NewAction<'a> {
    pub recipient: RecipientId,
    pub voucher_id: i64,
    pub provider: ProviderId,
    pub tipo: &'a str,
    pub titolo_denominazione: &'a str,
    pub data_proposta: &'a str,
    pub data_inizio: Option<&'a str>,
    pub data_fine: Option<&'a str>,
    pub durata: Option<i64>,
    pub tipologia_durata: Option<&'a str>,
    pub descrizione: &'a str,
    pub titolo_progetto: &'a str,
    pub ente: &'a str,
    pub identificativo: &'a str,
    /// From the person's latest SAP, when known.
    pub indice_profiling: &'a str,
    pub presa_in_carico: &'a str,
    /// The event's national label (`ultimo_evento/descrizione_evento`).
    pub descrizione_evento: &'a str,
    pub evento: &'a str,
    pub data_evento: &'a str,
    pub dettagli: &'a str,
    pub created_by: Option<i64>,
    pub now: i64,
}

pub fn insert(tx: &WriteTx<'_>, a: &NewAction<'_>) -> Result<i64, AppError> {
    tx.conn().execute(
        "INSERT INTO policy (recipient_id, origin, provider_id, voucher_id, tipo_attivita, titolo_denominazione,
                             data_proposta, data_inizio, data_fine, durata, tipologia_durata, descrizione,
                             titolo_progetto, codice_ente_promotore, identificativo_politica, ultimo_evento,
                             data_evento, dettagli, created_by, created_at, updated_at, indice_profiling,
                             identificativo_presa_in_carico, descrizione_evento)
         VALUES (?1, 'provider', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?19,
                 ?20, ?21, ?22)",
        params![
            a.recipient.get(),
            a.provider.get(),
            a.voucher_id,
            a.tipo,
            a.titolo_denominazione,
            a.data_proposta,
            a.data_inizio,
            a.data_fine,
            a.durata,
            a.tipologia_durata,
            a.descrizione,
            a.titolo_progetto,
            a.ente,
            a.identificativo,
            a.evento,
            a.data_evento,
            a.dettagli,
            a.created_by,
            a.now,
            a.indice_profiling,
            a.presa_in_carico,
            a.descrizione_evento,
        ],
    )?;
    Ok(tx.conn().last_insert_rowid())
}

pub struct NewEvent<'a> {
    pub policy_id: i64,
    pub evento: &'a str,
    pub data_evento: &'a str,
    pub note: &'a str,
    pub at: i64,
    pub by_operator: Option<i64>,
    pub by_label: &'a str,
}

pub fn insert_event(tx: &WriteTx<'_>, e: &NewEvent<'_>) -> Result<(), AppError> {
    tx.conn().execute(
        "INSERT INTO policy_event (policy_id, evento, data_evento, note, at, by_operator_id, by_label)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![e.policy_id, e.evento, e.data_evento, e.note, e.at, e.by_operator, e.by_label],
    )?;
    Ok(())
}

/// A provider's action as the screens and the API show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Action {
    pub id: i64,
    #[serde(skip)]
    pub recipient: RecipientId,
    #[serde(skip)]
    pub provider: ProviderId,
    #[serde(skip)]
    pub voucher_id: i64,
    pub identificativo_politica: String,
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
    pub evento: String,
    pub data_evento: String,
    pub dettagli: serde_json::Value,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const ACTION_COLUMNS: &str = "pl.id, pl.recipient_id, pl.provider_id, pl.voucher_id, pl.identificativo_politica,
    pl.tipo_attivita, pl.titolo_denominazione, pl.data_proposta, pl.data_inizio, pl.data_fine, pl.durata,
    pl.tipologia_durata, pl.descrizione, pl.titolo_progetto, pl.codice_ente_promotore, pl.ultimo_evento,
    pl.data_evento, pl.dettagli, pl.version, pl.created_at, pl.updated_at";

fn action_row(r: &Row<'_>) -> rusqlite::Result<Action> {
    let dettagli: String = r.get(17)?;
    Ok(Action {
        id: r.get(0)?,
        recipient: RecipientId::from_db(r.get(1)?),
        provider: ProviderId::from_db(r.get(2)?),
        voucher_id: r.get(3)?,
        identificativo_politica: r.get::<_, Option<String>>(4)?.unwrap_or_default(),
        tipo_attivita: r.get(5)?,
        titolo_denominazione: r.get(6)?,
        data_proposta: r.get::<_, Option<String>>(7)?.unwrap_or_default(),
        data_inizio: r.get(8)?,
        data_fine: r.get(9)?,
        durata: r.get(10)?,
        tipologia_durata: r.get(11)?,
        descrizione: r.get(12)?,
        titolo_progetto: r.get(13)?,
        codice_ente_promotore: r.get(14)?,
        evento: r.get::<_, Option<String>>(15)?.unwrap_or_default(),
        data_evento: r.get::<_, Option<String>>(16)?.unwrap_or_default(),
        dettagli: serde_json::from_str(&dettagli).unwrap_or_default(),
        version: r.get(18)?,
        created_at: r.get(19)?,
        updated_at: r.get(20)?,
    })
}

/// One action, if the scope may see it: a provider only its own.
pub fn get(conn: &Connection, scope: &RecipientScope, id: i64) -> Result<Option<Action>, AppError> {
    let provider = scope.provider_filter().map(ProviderId::get);
    Ok(conn
        .query_row(
            &format!(
                "SELECT {ACTION_COLUMNS} FROM policy pl
                 WHERE pl.id = ?1 AND pl.origin = 'provider' AND (?2 IS NULL OR pl.provider_id = ?2)"
            ),
            params![id, provider],
            action_row,
        )
        .optional()?)
}

/// The recipient's actions the scope may see, newest first.
pub fn for_recipient(
    conn: &Connection,
    scope: &RecipientScope,
    recipient: RecipientId,
) -> Result<Vec<Action>, AppError> {
    let provider = scope.provider_filter().map(ProviderId::get);
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ACTION_COLUMNS} FROM policy pl
         WHERE pl.recipient_id = ?1 AND pl.origin = 'provider' AND (?2 IS NULL OR pl.provider_id = ?2)
         ORDER BY pl.data_proposta DESC, pl.id DESC"
    ))?;
    let rows = stmt.query_map(params![recipient.get(), provider], action_row)?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// One event in an action's history.
#[derive(Debug, Clone, serde::Serialize)]
pub struct EventRow {
    pub evento: String,
    pub data_evento: String,
    pub note: String,
    pub at: i64,
    pub by: String,
}

pub fn events(conn: &Connection, policy_id: i64) -> Result<Vec<EventRow>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT evento, data_evento, note, at, by_label FROM policy_event WHERE policy_id = ?1 ORDER BY id",
    )?;
    let rows = stmt
        .query_map([policy_id], |r| {
            Ok(EventRow { evento: r.get(0)?, data_evento: r.get(1)?, note: r.get(2)?, at: r.get(3)?, by: r.get(4)? })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Records the latest event and the dates it fixed, if nobody changed the action since
/// `version` was read. Returns false when the version was stale.
pub fn apply_event(
    tx: &WriteTx<'_>,
    id: i64,
    version: i64,
    evento: &str,
    data_evento: &str,
    data_inizio: Option<&str>,
    data_fine: Option<&str>,
    now: i64,
) -> Result<bool, AppError> {
    let changed = tx.conn().execute(
        "UPDATE policy SET ultimo_evento = ?3, data_evento = ?4, data_inizio = ?5, data_fine = ?6,
                           updated_at = ?7, version = version + 1
         WHERE id = ?1 AND version = ?2 AND origin = 'provider'",
        params![id, version, evento, data_evento, data_inizio, data_fine, now],
    )?;
    Ok(changed == 1)
}

/// Replaces an action's title and description if its stored version is still `version`.
pub fn correct_text(
    tx: &WriteTx<'_>,
    id: i64,
    version: i64,
    titolo: &str,
    descrizione: &str,
    now: i64,
) -> Result<bool, AppError> {
    let changed = tx.conn().execute(
        "UPDATE policy SET titolo_denominazione = ?3, descrizione = ?4, updated_at = ?5, version = version + 1
         WHERE id = ?1 AND version = ?2 AND origin = 'provider'",
        params![id, version, titolo, descrizione, now],
    )?;
    Ok(changed == 1)
}

//! Section VI actions recorded by providers (`policy` rows with origin 'provider') and their
//! events, reached through a recipient scope: a provider sees only its own.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::WriteTx;
use super::scoped::{ScopedAction, ScopedVoucher};
use crate::access::RecipientScope;
use crate::domain::ids::{ActionId, OperatorId, ProviderId, RecipientId, VoucherId};
use crate::domain::timestamp::Timestamp;
use crate::error::AppError;

/// The voucher an action is recorded under, with what validation needs.
#[derive(Debug, Clone)]
pub struct VoucherFacts {
    /// The proof the follow-up queries and writes about this voucher take.
    pub voucher: ScopedVoucher,
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
        v.programme_start, v.programme_end, v.extended_until, v.state, v.recipient_id
    FROM voucher v JOIN provider p ON p.id = v.provider_id JOIN recipient r ON r.id = v.recipient_id";

/// The latest voucher of `recipient` that the scope may see.
pub fn voucher(
    conn: &Connection,
    scope: &RecipientScope,
    recipient: RecipientId,
) -> Result<Option<VoucherFacts>, AppError> {
    voucher_where(
        conn,
        Some(scope),
        "v.recipient_id = ?1",
        "ORDER BY v.issued_on DESC, v.id DESC LIMIT 1",
        recipient.get(),
    )
}

/// The facts of a voucher already proven visible (an action's own voucher).
pub fn voucher_facts(conn: &Connection, voucher: &ScopedVoucher) -> Result<Option<VoucherFacts>, AppError> {
    voucher_where(conn, None, "v.id = ?1", "", voucher.id().get())
}

fn voucher_where(
    conn: &Connection,
    scope: Option<&RecipientScope>,
    condition: &str,
    order: &str,
    key: i64,
) -> Result<Option<VoucherFacts>, AppError> {
    let provider = scope.and_then(RecipientScope::provider_filter).map(ProviderId::get);
    Ok(conn
        .prepare_cached(&format!("{VOUCHER_FACTS} WHERE {condition} AND (?2 IS NULL OR v.provider_id = ?2) {order}"))?
        .query_row(params![key, provider], |r| {
            Ok(VoucherFacts {
                voucher: ScopedVoucher::new(r.get(0)?, r.get(10)?),
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
        })
        .optional()?)
}

/// Codici fiscali of the provider's active operators.
pub fn operator_cfs(conn: &Connection, provider: ProviderId) -> Result<Vec<(String, String)>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT codice_fiscale, surname || ' ' || name FROM operator
         WHERE provider_id = ?1 AND state = 'active' ORDER BY surname, name",
    )?;
    let rows = stmt.query_map([provider.get()], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The value of a named counter (e.g. the last identificativo sequence number issued).
pub fn counter(conn: &Connection, name: &str) -> Result<Option<i64>, AppError> {
    Ok(conn.prepare_cached("SELECT value FROM counter WHERE name = ?1")?.query_row([name], |r| r.get(0)).optional()?)
}

pub fn set_counter(tx: &WriteTx<'_>, name: &str, value: i64) -> Result<(), AppError> {
    tx.conn()
        .prepare_cached(
            "INSERT INTO counter (name, value) VALUES (?1, ?2) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        )?
        .execute(params![name, value])?;
    Ok(())
}

pub struct NewAction<'a> {
    pub voucher: &'a ScopedVoucher,
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
    pub created_by: Option<OperatorId>,
    pub now: Timestamp,
}

/// Records a new action under a proven voucher; as visible as that voucher.
pub fn insert(tx: &WriteTx<'_>, a: &NewAction<'_>) -> Result<ScopedAction, AppError> {
    tx.conn()
        .prepare_cached(
            "INSERT INTO policy (recipient_id, origin, provider_id, voucher_id, tipo_attivita, titolo_denominazione,
                             data_proposta, data_inizio, data_fine, durata, tipologia_durata, descrizione,
                             titolo_progetto, codice_ente_promotore, identificativo_politica, ultimo_evento,
                             data_evento, dettagli, created_by, created_at, updated_at, indice_profiling,
                             identificativo_presa_in_carico, descrizione_evento)
         VALUES (?1, 'provider', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?19,
                 ?20, ?21, ?22)",
        )?
        .execute(params![
            a.voucher.recipient(),
            a.provider,
            a.voucher.id(),
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
        ])?;
    Ok(ScopedAction::new(ActionId::from_db(tx.conn().last_insert_rowid()), *a.voucher))
}

pub struct NewEvent<'a> {
    pub action: &'a ScopedAction,
    pub evento: &'a str,
    pub data_evento: &'a str,
    pub note: &'a str,
    pub at: Timestamp,
    pub by_operator: Option<OperatorId>,
    pub by_label: &'a str,
}

pub fn insert_event(tx: &WriteTx<'_>, e: &NewEvent<'_>) -> Result<(), AppError> {
    tx.conn()
        .prepare_cached(
            "INSERT INTO policy_event (policy_id, evento, data_evento, note, at, by_operator_id, by_label)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?
        .execute(params![e.action.id(), e.evento, e.data_evento, e.note, e.at, e.by_operator, e.by_label])?;
    Ok(())
}

/// A provider's action as the screens and the API show it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Action {
    pub id: ActionId,
    #[serde(skip)]
    pub recipient: RecipientId,
    #[serde(skip)]
    pub provider: ProviderId,
    /// The proof the follow-up queries and writes about this action take.
    #[serde(skip)]
    pub scoped: ScopedAction,
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
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

const ACTION_COLUMNS: &str = "pl.id, pl.recipient_id, pl.provider_id, pl.voucher_id, pl.identificativo_politica,
    pl.tipo_attivita, pl.titolo_denominazione, pl.data_proposta, pl.data_inizio, pl.data_fine, pl.durata,
    pl.tipologia_durata, pl.descrizione, pl.titolo_progetto, pl.codice_ente_promotore, pl.ultimo_evento,
    pl.data_evento, pl.dettagli, pl.version, pl.created_at, pl.updated_at";

fn action_row(r: &Row<'_>) -> rusqlite::Result<Action> {
    let dettagli: String = r.get(17)?;
    let (id, recipient, voucher): (ActionId, RecipientId, VoucherId) = (r.get(0)?, r.get(1)?, r.get(3)?);
    Ok(Action {
        id,
        recipient,
        provider: r.get(2)?,
        scoped: ScopedAction::new(id, ScopedVoucher::new(voucher, recipient)),
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
pub fn get(conn: &Connection, scope: &RecipientScope, id: ActionId) -> Result<Option<Action>, AppError> {
    let provider = scope.provider_filter().map(ProviderId::get);
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {ACTION_COLUMNS} FROM policy pl
                 WHERE pl.id = ?1 AND pl.origin = 'provider' AND (?2 IS NULL OR pl.provider_id = ?2)"
        ))?
        .query_row(params![id, provider], action_row)
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
    pub at: Timestamp,
    pub by: String,
}

/// The history of an action already proven visible.
pub fn events(conn: &Connection, action: &ScopedAction) -> Result<Vec<EventRow>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT evento, data_evento, note, at, by_label FROM policy_event WHERE policy_id = ?1 ORDER BY id",
    )?;
    let rows = stmt
        .query_map([action.id()], |r| {
            Ok(EventRow { evento: r.get(0)?, data_evento: r.get(1)?, note: r.get(2)?, at: r.get(3)?, by: r.get(4)? })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Records the latest event and the dates it fixed, if nobody changed the action since
/// `version` was read. Returns false when the version was stale.
pub fn apply_event(
    tx: &WriteTx<'_>,
    action: &ScopedAction,
    version: i64,
    evento: &str,
    data_evento: &str,
    data_inizio: Option<&str>,
    data_fine: Option<&str>,
    now: Timestamp,
) -> Result<bool, AppError> {
    let changed = tx
        .conn()
        .prepare_cached(
            "UPDATE policy SET ultimo_evento = ?3, data_evento = ?4, data_inizio = ?5, data_fine = ?6,
                           updated_at = ?7, version = version + 1
         WHERE id = ?1 AND version = ?2 AND origin = 'provider'",
        )?
        .execute(params![action.id(), version, evento, data_evento, data_inizio, data_fine, now])?;
    Ok(changed == 1)
}

/// Replaces an action's title and description if its stored version is still `version`.
pub fn correct_text(
    tx: &WriteTx<'_>,
    action: &ScopedAction,
    version: i64,
    titolo: &str,
    descrizione: &str,
    now: Timestamp,
) -> Result<bool, AppError> {
    let changed = tx
        .conn()
        .prepare_cached(
            "UPDATE policy SET titolo_denominazione = ?3, descrizione = ?4, updated_at = ?5, version = version + 1
         WHERE id = ?1 AND version = ?2 AND origin = 'provider'",
        )?
        .execute(params![action.id(), version, titolo, descrizione, now])?;
    Ok(changed == 1)
}

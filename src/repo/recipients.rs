//! Recipients, vouchers and section VI, always through a `RecipientScope`: an operator's
//! queries carry their provider in the SQL, so another provider's row is simply not found.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::WriteTx;
use crate::access::RecipientScope;
use crate::domain::ids::{ProviderId, RecipientId};
use crate::domain::recipient::{DashboardRow, Recipient, Voucher};
use crate::error::AppError;

pub const PAGE_SIZE: i64 = 25;

/// Filters and order of the cruscotto; empty strings mean "any".
#[derive(Debug, Clone, Default)]
pub struct DashboardFilter {
    pub q: String,
    pub state: String,
    pub sede: Option<i64>,
    pub tutor: Option<i64>,
    /// Only for the Region: one provider.
    pub provider: Option<ProviderId>,
    /// cognome | scelta | scadenza | stato
    pub sort: String,
    /// "Next appointment" means not before this local time (`yyyy-mm-ddThh:mm`; empty: any).
    pub next_after: String,
}

/// The policy rows that count for a recipient: the latest SAP's, plus the actions recorded by
/// providers — each provider's own only, unless the viewer is the Region (`provider_param`
/// is the SQL parameter holding the scope's provider, NULL for the Region).
/// A SAP row that is a provider's own action coming back from IDOL (same identificativo) is
/// shown once, as the provider's.
fn current_policy(provider_param: &str) -> String {
    format!(
        "((pl.origin = 'provider' AND ({provider_param} IS NULL OR pl.provider_id = {provider_param}))
          OR (pl.origin = 'sap' AND pl.sap_version_id =
              (SELECT max(sv.id) FROM sap_version sv WHERE sv.recipient_id = pl.recipient_id)
              AND NOT EXISTS (SELECT 1 FROM policy own WHERE own.origin = 'provider'
                  AND own.identificativo_politica = pl.identificativo_politica
                  AND ({provider_param} IS NULL OR own.provider_id = {provider_param}))))"
    )
}

fn dashboard_row(r: &Row<'_>) -> rusqlite::Result<DashboardRow> {
    Ok(DashboardRow {
        id: RecipientId::from_db(r.get(0)?),
        codice_fiscale: r.get(1)?,
        cognome: r.get(2)?,
        nome: r.get(3)?,
        voucher_code: r.get(4)?,
        state: r.get(5)?,
        provider_id: ProviderId::from_db(r.get(6)?),
        provider_name: r.get(7)?,
        sede: r.get(8)?,
        tutor: r.get(9)?,
        chosen_on: r.get(10)?,
        programme_start: r.get(11)?,
        programme_end: r.get(12)?,
        extended_until: r.get(13)?,
        last_action: r.get(14)?,
        last_action_on: r.get(15)?,
        has_sap: r.get(16)?,
        next_appointment: r.get(17)?,
        signed_since: r.get(18)?,
    })
}

/// One page of the cruscotto.
pub struct DashboardPage {
    pub rows: Vec<DashboardRow>,
    /// Rows matching the filters, over all pages.
    pub total: i64,
    /// Vouchers per state in the scope (not filtered), for the counters on top.
    pub counts: Vec<(String, i64)>,
}

pub fn dashboard(
    conn: &Connection,
    scope: &RecipientScope,
    f: &DashboardFilter,
    page: i64,
) -> Result<DashboardPage, AppError> {
    // The scope's provider wins over any filter: an operator cannot widen it.
    let provider = scope.provider_filter().or(f.provider).map(ProviderId::get);
    let pattern = super::providers::like_pattern(&f.q);
    // The page is chosen on the projection (`dashboard_row`, schema 6): one provider's rows
    // lie together in name order, so the first page is a short walk of its index instead of
    // reading every voucher and person of the provider. `?1 IS NULL OR d.provider_id = ?1`
    // would hide that index from SQLite's planner: the provider condition is written out.
    let by_provider = if provider.is_some() { "d.provider_id = ?1" } else { "?1 IS NULL" };
    let filter = format!(
        "WHERE {by_provider} AND d.batch <= (SELECT visible FROM import_horizon)
          AND (d.cognome LIKE ?2 ESCAPE '\\' OR d.nome LIKE ?2 ESCAPE '\\' OR d.codice_fiscale LIKE ?2 ESCAPE '\\'
               OR (d.cognome || ' ' || d.nome) LIKE ?2 ESCAPE '\\')
          AND (?3 = '' OR d.state = ?3) AND (?4 IS NULL OR d.sede_id = ?4) AND (?5 IS NULL OR d.tutor_id = ?5)"
    );
    // Names sort without regard to case (the projection's columns are NOCASE); the voucher id
    // comes last: equal names never repeat or skip rows across pages.
    let order = |t: &str| match f.sort.as_str() {
        "scelta" => format!("{t}.chosen_on DESC, {t}.cognome COLLATE NOCASE, {t}.voucher_id"),
        "scadenza" => format!("{t}.deadline IS NULL, {t}.deadline, {t}.cognome COLLATE NOCASE, {t}.voucher_id"),
        "stato" => format!("{t}.state, {t}.cognome COLLATE NOCASE, {t}.voucher_id"),
        _ => format!("{t}.cognome COLLATE NOCASE, {t}.nome COLLATE NOCASE, {t}.voucher_id"),
    };
    let current = current_policy("?1");
    // The display joins and the per-row extras (last action, SAP on file) run for the page's
    // rows only.
    let sql = format!(
        "SELECT r.id, r.codice_fiscale, r.cognome, r.nome, v.code, v.state, v.provider_id, p.name,
                s.address || ', ' || s.comune, t.name || ' ' || t.surname, v.chosen_on, v.programme_start,
                v.programme_end, v.extended_until,
                (SELECT pl.tipo_attivita FROM policy pl WHERE pl.recipient_id = r.id AND {current}
                  ORDER BY coalesce(pl.data_evento, pl.data_inizio, pl.data_proposta) DESC LIMIT 1),
                (SELECT coalesce(pl.data_evento, pl.data_inizio, pl.data_proposta) FROM policy pl
                  WHERE pl.recipient_id = r.id AND {current}
                  ORDER BY coalesce(pl.data_evento, pl.data_inizio, pl.data_proposta) DESC LIMIT 1),
                EXISTS(SELECT 1 FROM sap_version sv WHERE sv.recipient_id = r.id),
                (SELECT a.starts_at FROM appointment a WHERE a.voucher_id = v.id AND a.starts_at >= ?8
                  AND a.outcome IS NULL ORDER BY a.starts_at LIMIT 1),
                (SELECT max(sp.uploaded_at) FROM signed_programme sp WHERE sp.voucher_id = v.id)
         FROM (SELECT d.voucher_id, d.cognome, d.nome, d.chosen_on, d.deadline, d.state FROM dashboard_row d
               {filter} ORDER BY {inner} LIMIT ?6 OFFSET ?7) page
         JOIN voucher v ON v.id = page.voucher_id JOIN recipient r ON r.id = v.recipient_id
         JOIN provider p ON p.id = v.provider_id LEFT JOIN sede s ON s.id = v.sede_id
         LEFT JOIN operator t ON t.id = v.tutor_id
         ORDER BY {outer}",
        inner = order("d"),
        outer = order("page"),
    );
    let page = page.clamp(0, 100_000);
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(
            params![provider, pattern, f.state, f.sede, f.tutor, PAGE_SIZE, page * PAGE_SIZE, f.next_after],
            dashboard_row,
        )?
        .collect::<Result<Vec<_>, _>>()?;
    let shown = i64::try_from(rows.len()).unwrap_or(PAGE_SIZE);
    let total = if page == 0 && shown < PAGE_SIZE {
        // A first page that is not full holds every match.
        shown
    } else {
        conn.prepare_cached(&format!("SELECT count(*) FROM dashboard_row d {filter}"))?
            .query_row(params![provider, pattern, f.state, f.sede, f.tutor], |r| r.get(0))?
    };
    let counts_sql = if provider.is_some() {
        "SELECT state, count(*) FROM dashboard_row
         WHERE provider_id = ?1 AND batch <= (SELECT visible FROM import_horizon) GROUP BY state"
    } else {
        "SELECT state, count(*) FROM dashboard_row
         WHERE ?1 IS NULL AND batch <= (SELECT visible FROM import_horizon) GROUP BY state"
    };
    let mut stmt = conn.prepare_cached(counts_sql)?;
    let counts = stmt.query_map([provider], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<Vec<_>, _>>()?;
    Ok(DashboardPage { rows, total, counts })
}

/// People known only from a SAP (no voucher yet): the Region's only; a provider scope sees
/// none. Returns one page and the total.
pub fn without_voucher(
    conn: &Connection,
    scope: &RecipientScope,
    page: i64,
) -> Result<(Vec<Recipient>, i64), AppError> {
    if scope.provider_filter().is_some() {
        return Ok((Vec::new(), 0));
    }
    let filter = "FROM recipient r WHERE NOT EXISTS(SELECT 1 FROM voucher v WHERE v.recipient_id = r.id)";
    let total: i64 = conn.query_row(&format!("SELECT count(*) {filter}"), [], |r| r.get(0))?;
    let mut stmt = conn.prepare(&format!(
        "SELECT r.id, r.codice_fiscale, r.cognome, r.nome, r.birth_date, r.sex, r.email, r.phone {filter}
         ORDER BY r.cognome COLLATE NOCASE, r.nome COLLATE NOCASE, r.id LIMIT ?1 OFFSET ?2"
    ))?;
    let rows = stmt
        .query_map(params![PAGE_SIZE, page.clamp(0, 100_000) * PAGE_SIZE], recipient_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok((rows, total))
}

/// `r.id, r.codice_fiscale, r.cognome, r.nome, r.birth_date, r.sex, r.email, r.phone`
fn recipient_row(r: &Row<'_>) -> rusqlite::Result<Recipient> {
    Ok(Recipient {
        id: RecipientId::from_db(r.get(0)?),
        codice_fiscale: r.get(1)?,
        cognome: r.get(2)?,
        nome: r.get(3)?,
        birth_date: r.get(4)?,
        sex: r.get(5)?,
        email: r.get(6)?,
        phone: r.get(7)?,
    })
}

/// The recipient, if the scope may see them (an operator: only through one of their
/// provider's vouchers).
pub fn get(conn: &Connection, scope: &RecipientScope, id: RecipientId) -> Result<Option<Recipient>, AppError> {
    let provider = scope.provider_filter().map(ProviderId::get);
    Ok(conn
        .query_row(
            "SELECT r.id, r.codice_fiscale, r.cognome, r.nome, r.birth_date, r.sex, r.email, r.phone
             FROM recipient r
             WHERE r.id = ?1 AND (?2 IS NULL OR EXISTS(
                 SELECT 1 FROM voucher v WHERE v.recipient_id = r.id AND v.provider_id = ?2))",
            params![id.get(), provider],
            recipient_row,
        )
        .optional()?)
}

/// The vouchers of a recipient the scope may see.
pub fn vouchers(conn: &Connection, scope: &RecipientScope, id: RecipientId) -> Result<Vec<Voucher>, AppError> {
    let provider = scope.provider_filter().map(ProviderId::get);
    let mut stmt = conn.prepare(
        "SELECT v.id, v.code, v.issued_on, v.cpi, v.profiling_band, v.provider_id, p.name,
                s.address || ', ' || s.comune, v.chosen_on, v.state, v.programme_start, v.programme_end,
                v.extended_until, t.name || ' ' || t.surname,
                (SELECT max(sp.uploaded_at) FROM signed_programme sp WHERE sp.voucher_id = v.id)
         FROM voucher v JOIN provider p ON p.id = v.provider_id LEFT JOIN sede s ON s.id = v.sede_id
         LEFT JOIN operator t ON t.id = v.tutor_id
         WHERE v.recipient_id = ?1 AND (?2 IS NULL OR v.provider_id = ?2) ORDER BY v.issued_on DESC",
    )?;
    let rows = stmt
        .query_map(params![id.get(), provider], |r| {
            Ok(Voucher {
                id: r.get(0)?,
                code: r.get(1)?,
                issued_on: r.get(2)?,
                cpi: r.get(3)?,
                profiling_band: r.get(4)?,
                provider_id: ProviderId::from_db(r.get(5)?),
                provider_name: r.get(6)?,
                sede: r.get(7)?,
                chosen_on: r.get(8)?,
                state: r.get(9)?,
                programme_start: r.get(10)?,
                programme_end: r.get(11)?,
                extended_until: r.get(12)?,
                tutor: r.get(13)?,
                signed_since: r.get(14)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Section VI as it stands (latest SAP's rows and the providers' own), newest first.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PolicyRow {
    pub id: i64,
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
}

/// What a scope may see of a recipient, as SQL over `?1` (recipient id) and `?2` (provider).
const VISIBLE: &str =
    "(?2 IS NULL OR EXISTS(SELECT 1 FROM voucher v WHERE v.recipient_id = ?1 AND v.provider_id = ?2))";

pub fn policies(conn: &Connection, scope: &RecipientScope, id: RecipientId) -> Result<Vec<PolicyRow>, AppError> {
    let current = current_policy("?2");
    let mut stmt = conn.prepare(&format!(
        "SELECT pl.id, pl.origin, pl.tipo_attivita, pl.titolo_denominazione, pl.data_proposta, pl.data_inizio,
                pl.data_fine, pl.durata, pl.tipologia_durata, pl.descrizione, pl.titolo_progetto,
                pl.codice_ente_promotore, pl.identificativo_politica, pl.ultimo_evento, pl.data_evento
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
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The latest SAP of a recipient: (version, imported_at, sections JSON).
pub fn latest_sap(
    conn: &Connection,
    scope: &RecipientScope,
    id: RecipientId,
) -> Result<Option<(i64, i64, String)>, AppError> {
    let provider = scope.provider_filter().map(ProviderId::get);
    Ok(conn
        .query_row(
            &format!(
                "SELECT version, imported_at, sections FROM sap_version WHERE recipient_id = ?1 AND {VISIBLE}
                 ORDER BY version DESC LIMIT 1"
            ),
            params![id.get(), provider],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?)
}

// --- writes (imports) -------------------------------------------------------------------

/// Every provider's id, codice fiscale / partita IVA and accreditation code: what an
/// assignment's `ente` may name.
pub fn provider_names(conn: &Connection) -> Result<Vec<(ProviderId, String, String)>, AppError> {
    let mut stmt = conn.prepare("SELECT id, codice_fiscale, accreditation_code FROM provider")?;
    let rows = stmt
        .query_map([], |r| Ok((ProviderId::from_db(r.get(0)?), r.get(1)?, r.get(2)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// Who a voucher code already belongs to: (codice fiscale, provider).
pub fn voucher_owner(conn: &Connection, code: &str) -> Result<Option<(String, ProviderId)>, AppError> {
    Ok(conn
        .prepare_cached(
            "SELECT r.codice_fiscale, v.provider_id FROM voucher v JOIN recipient r ON r.id = v.recipient_id WHERE v.code = ?1",
        )?
        .query_row([code], |r| Ok((r.get(0)?, ProviderId::from_db(r.get(1)?))))
        .optional()?)
}

/// Number of recipients per provider (those whose voucher names it).
pub fn count_for_provider(conn: &Connection, provider: ProviderId) -> Result<i64, AppError> {
    Ok(conn.query_row(
        "SELECT count(DISTINCT recipient_id) FROM voucher WHERE provider_id = ?1",
        [provider.get()],
        |r| r.get(0),
    )?)
}

// --- SAP versions ---------------------------------------------------------------------------

/// The recipient with this codice fiscale, created from the SAP's personal data if new.
/// Returns (id, created).
pub fn upsert_from_sap(
    tx: &WriteTx<'_>,
    now: i64,
    cf: &str,
    personal: &crate::domain::sap::DatiPersonali,
    contacts: &crate::domain::sap::Recapiti,
) -> Result<(RecipientId, bool), AppError> {
    // Stored rows, hidden ones included: an import being written may be adding this person.
    let existing: Option<i64> =
        tx.conn().query_row("SELECT id FROM recipient_all WHERE codice_fiscale = ?1", [cf], |r| r.get(0)).optional()?;
    if let Some(id) = existing {
        // The CPI's assignment is the reference for names; the SAP fills what is missing.
        tx.conn().execute(
            "UPDATE recipient_all SET birth_date = coalesce(birth_date, ?2), sex = coalesce(sex, ?3),
                    email = CASE WHEN email = '' THEN ?4 ELSE email END,
                    phone = CASE WHEN phone = '' THEN ?5 ELSE phone END, updated_at = ?6
             WHERE id = ?1",
            params![
                id,
                personal.data_nascita,
                personal.sesso.as_deref().filter(|s| *s == "M" || *s == "F"),
                contacts.email.clone().unwrap_or_default(),
                contacts.cellulare.clone().or_else(|| contacts.telefono.clone()).unwrap_or_default(),
                now
            ],
        )?;
        return Ok((RecipientId::from_db(id), false));
    }
    tx.conn().execute(
        "INSERT INTO recipient_all (codice_fiscale, cognome, nome, birth_date, sex, email, phone, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
        params![
            cf,
            personal.cognome.clone().unwrap_or_default(),
            personal.nome.clone().unwrap_or_default(),
            personal.data_nascita,
            personal.sesso.as_deref().filter(|s| *s == "M" || *s == "F"),
            contacts.email.clone().unwrap_or_default(),
            contacts.cellulare.clone().or_else(|| contacts.telefono.clone()).unwrap_or_default(),
            now
        ],
    )?;
    Ok((RecipientId::from_db(tx.conn().last_insert_rowid()), true))
}

/// (version, section-0 update date, sha256 of the original file)
pub type SapHistoryEntry = (i64, String, String);

/// Every stored SAP of a codice fiscale.
pub fn sap_history(tx: &WriteTx<'_>, cf: &str) -> Result<Option<Vec<SapHistoryEntry>>, AppError> {
    let mut stmt = tx.conn().prepare(
        "SELECT sv.version, sv.updated_on, sv.sha256 FROM sap_version sv JOIN recipient_all r ON r.id = sv.recipient_id
         WHERE r.codice_fiscale = ?1",
    )?;
    let rows = stmt.query_map([cf], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect::<Result<Vec<_>, _>>()?;
    Ok((!rows.is_empty()).then_some(rows))
}

/// The latest stored version number, for numbering the next one (the original file is not
/// read: it can be hundreds of kilobytes).
pub fn latest_sap_version(tx: &WriteTx<'_>, recipient: RecipientId) -> Result<Option<i64>, AppError> {
    Ok(tx
        .conn()
        .prepare_cached("SELECT max(version) FROM sap_version WHERE recipient_id = ?1")?
        .query_row([recipient.get()], |r| r.get(0))?)
}

pub struct NewSapVersion<'a> {
    pub recipient: RecipientId,
    pub version: i64,
    pub sap_code: &'a str,
    pub updated_on: &'a str,
    pub file_name: &'a str,
    pub encoding: &'a str,
    pub original: &'a [u8],
    pub sha256: &'a str,
    pub sections: &'a str,
}

pub fn insert_sap_version(tx: &WriteTx<'_>, now: i64, s: &NewSapVersion<'_>) -> Result<i64, AppError> {
    tx.conn().execute(
        "INSERT INTO sap_version (recipient_id, version, sap_code, updated_on, imported_at, file_name, encoding, original,
                                  sha256, sections)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            s.recipient.get(),
            s.version,
            s.sap_code,
            s.updated_on,
            now,
            s.file_name,
            s.encoding,
            s.original,
            s.sha256,
            s.sections
        ],
    )?;
    Ok(tx.conn().last_insert_rowid())
}

/// Section VI rows of an imported SAP version.
pub fn insert_sap_policy(
    tx: &WriteTx<'_>,
    now: i64,
    recipient: RecipientId,
    sap_version: i64,
    p: &crate::domain::sap::PoliticaAttiva,
) -> Result<(), AppError> {
    let (evento, data_evento) = match &p.ultimo_evento {
        Some(e) => (e.evento.clone(), e.data_evento.clone()),
        None => (None, None),
    };
    tx.conn().execute(
        "INSERT INTO policy (recipient_id, origin, sap_version_id, tipo_attivita, titolo_denominazione, data_proposta,
                             data_inizio, data_fine, durata, tipologia_durata, descrizione, titolo_progetto,
                             codice_ente_promotore, identificativo_politica, indice_profiling,
                             identificativo_presa_in_carico, ultimo_evento, data_evento, created_at, updated_at)
         VALUES (?1, 'sap', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?18)",
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
            now
        ],
    )?;
    Ok(())
}

//! Recipients (the cruscotto, the scheda), always through a `RecipientScope`: an operator's
//! queries carry their provider in the SQL, so another provider's row is simply not found.

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::WriteTx;
use super::recipient_scope::current_policy;
use crate::access::RecipientScope;
use crate::domain::ids::{OperatorId, ProviderId, RecipientId, SedeId};
use crate::domain::recipient::{DashboardRow, Recipient};
use crate::domain::timestamp::Timestamp;
use crate::error::AppError;

pub const PAGE_SIZE: i64 = 25;

/// Filters and order of the cruscotto; empty strings mean "any".
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct DashboardFilter {
    pub q: String,
    pub state: String,
    pub sede: Option<SedeId>,
    pub tutor: Option<OperatorId>,
    /// Only for the Region: one provider.
    pub provider: Option<ProviderId>,
    /// cognome | scelta | scadenza | stato
    pub sort: String,
    /// "Next appointment" means not before this local time (`yyyy-mm-ddThh:mm`; empty: any).
    pub next_after: String,
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

/// Page `page` (from 0) of the cruscotto, `PAGE_SIZE` rows a page.
pub fn dashboard(
    conn: &Connection,
    scope: &RecipientScope,
    f: &DashboardFilter,
    page: i64,
) -> Result<DashboardPage, AppError> {
    let page = page.clamp(0, 100_000);
    dashboard_window(conn, scope, f, page * PAGE_SIZE, PAGE_SIZE)
}

/// `limit` rows of the cruscotto from `offset` (the API's `page`/`per_page`).
pub fn dashboard_window(
    conn: &Connection,
    scope: &RecipientScope,
    f: &DashboardFilter,
    offset: i64,
    limit: i64,
) -> Result<DashboardPage, AppError> {
    // The scope's provider wins over any filter: an operator cannot widen it.
    let provider = scope.provider_filter().or(f.provider).map(ProviderId::get);
    let pattern = super::providers::like_pattern(&f.q);
    // The page is chosen on the projection (`dashboard_row`, schema 8): one provider's rows
    // lie together in name order, so the first page is a short walk of its index instead of
    // reading every voucher and person of the provider. `?1 IS NULL OR d.provider_id = ?1`
    // would hide that index from SQLite's planner: the provider condition is written out.
    let by_provider = if provider.is_some() { "d.provider_id = ?1" } else { "?1 IS NULL" };
    let by_name = super::providers::text_match(
        &f.q,
        2,
        &["d.cognome", "d.nome", "d.codice_fiscale", "(d.cognome || ' ' || d.nome)"],
    );
    let filter = format!(
        "WHERE {by_provider} AND d.batch <= (SELECT visible FROM import_horizon)
          AND {by_name}
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
    // rows only; the last action is looked up once for both of its columns.
    let sql = format!(
        "SELECT r.id, r.codice_fiscale, r.cognome, r.nome, v.code, v.state, v.provider_id, p.name,
                s.address || ', ' || s.comune, t.surname || ' ' || t.name, v.chosen_on, v.programme_start,
                v.programme_end, v.extended_until,
                last.tipo_attivita, coalesce(last.data_evento, last.data_inizio, last.data_proposta),
                EXISTS(SELECT 1 FROM sap_version sv WHERE sv.recipient_id = r.id),
                (SELECT a.starts_at FROM appointment a WHERE a.voucher_id = v.id AND a.starts_at >= ?8
                  AND a.outcome IS NULL ORDER BY a.starts_at LIMIT 1),
                (SELECT max(sp.uploaded_at) FROM signed_programme sp WHERE sp.voucher_id = v.id)
         FROM (SELECT d.voucher_id, d.cognome, d.nome, d.chosen_on, d.deadline, d.state FROM dashboard_row d
               {filter} ORDER BY {inner} LIMIT ?6 OFFSET ?7) page
         JOIN voucher v ON v.id = page.voucher_id JOIN recipient r ON r.id = v.recipient_id
         JOIN provider p ON p.id = v.provider_id LEFT JOIN sede s ON s.id = v.sede_id
         LEFT JOIN operator t ON t.id = v.tutor_id
         LEFT JOIN policy last ON last.id =
             (SELECT pl.id FROM policy pl WHERE pl.recipient_id = r.id AND {current}
               ORDER BY coalesce(pl.data_evento, pl.data_inizio, pl.data_proposta) DESC LIMIT 1)
         ORDER BY {outer}",
        inner = order("d"),
        outer = order("page"),
    );
    let (offset, limit) = (offset.max(0), limit.max(1));
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(params![provider, pattern, f.state, f.sede, f.tutor, limit, offset, f.next_after], dashboard_row)?
        .collect::<Result<Vec<_>, _>>()?;
    let counts_sql = if provider.is_some() {
        "SELECT state, count(*) FROM dashboard_row
         WHERE provider_id = ?1 AND batch <= (SELECT visible FROM import_horizon) GROUP BY state"
    } else {
        "SELECT state, count(*) FROM dashboard_row
         WHERE ?1 IS NULL AND batch <= (SELECT visible FROM import_horizon) GROUP BY state"
    };
    let mut stmt = conn.prepare_cached(counts_sql)?;
    let counts: Vec<(String, i64)> =
        stmt.query_map([provider], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<Result<Vec<_>, _>>()?;
    let shown = i64::try_from(rows.len()).unwrap_or(limit);
    let unfiltered = f.q.trim().is_empty() && f.state.is_empty() && f.sede.is_none() && f.tutor.is_none();
    let total = if offset == 0 && shown < limit {
        // A first page that is not full holds every match.
        shown
    } else if unfiltered {
        // Without a filter every row of the scope is a match: the counts per state add up to it.
        counts.iter().map(|(_, n)| n).sum()
    } else {
        conn.prepare_cached(&format!("SELECT count(*) FROM dashboard_row d {filter}"))?
            .query_row(params![provider, pattern, f.state, f.sede, f.tutor], |r| r.get(0))?
    };
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
    let total: i64 = conn.prepare_cached(&format!("SELECT count(*) {filter}"))?.query_row([], |r| r.get(0))?;
    let mut stmt = conn.prepare_cached(&format!(
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
        .prepare_cached(
            "SELECT r.id, r.codice_fiscale, r.cognome, r.nome, r.birth_date, r.sex, r.email, r.phone
             FROM recipient r
             WHERE r.id = ?1 AND (?2 IS NULL OR EXISTS(
                 SELECT 1 FROM voucher v WHERE v.recipient_id = r.id AND v.provider_id = ?2))",
        )?
        .query_row(params![id.get(), provider], recipient_row)
        .optional()?)
}

/// Number of recipients per provider (those whose voucher names it).
pub fn count_for_provider(conn: &Connection, provider: ProviderId) -> Result<i64, AppError> {
    Ok(conn
        .prepare_cached("SELECT count(DISTINCT recipient_id) FROM voucher WHERE provider_id = ?1")?
        .query_row([provider.get()], |r| r.get(0))?)
}

// --- SAP versions ---------------------------------------------------------------------------

/// The recipient with this codice fiscale, created from the SAP's personal data if new.
/// Returns (id, created).
pub fn upsert_from_sap(
    tx: &WriteTx<'_>,
    now: Timestamp,
    cf: &str,
    personal: &crate::domain::sap::DatiPersonali,
    contacts: &crate::domain::sap::Recapiti,
) -> Result<(RecipientId, bool), AppError> {
    // Stored rows, hidden ones included: an import being written may be adding this person.
    let existing: Option<i64> = tx
        .conn()
        .prepare_cached("SELECT id FROM recipient_all WHERE codice_fiscale = ?1")?
        .query_row([cf], |r| r.get(0))
        .optional()?;
    if let Some(id) = existing {
        // The CPI's assignment is the reference for names; the SAP fills what is missing.
        tx.conn()
            .prepare_cached(
                "UPDATE recipient_all SET birth_date = coalesce(birth_date, ?2), sex = coalesce(sex, ?3),
                    email = CASE WHEN email = '' THEN ?4 ELSE email END,
                    phone = CASE WHEN phone = '' THEN ?5 ELSE phone END, updated_at = ?6
             WHERE id = ?1",
            )?
            .execute(params![
                id,
                personal.data_nascita,
                personal.sesso.as_deref().filter(|s| *s == "M" || *s == "F"),
                contacts.email.clone().unwrap_or_default(),
                contacts.cellulare.clone().or_else(|| contacts.telefono.clone()).unwrap_or_default(),
                now
            ])?;
        return Ok((RecipientId::from_db(id), false));
    }
    tx.conn().prepare_cached("INSERT INTO recipient_all (codice_fiscale, cognome, nome, birth_date, sex, email, phone, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)")?.execute(
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

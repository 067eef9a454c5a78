//! The auditor's query values, parsed at the edge: shared by the screens and the API.

use rocket::FromForm;

use crate::access::AuditScope;
use crate::domain::codice_fiscale::CodiceFiscale;
use crate::domain::ids::ProviderId;
use crate::error::{AppError, FieldError};
use crate::infra::clock::{Timestamp, local_date, local_date_start, local_day_of, local_day_start};
use crate::repo::audit_search::{self, AuditFilter, RecipientKey};
use crate::web::views::pager::q;

/// The search as typed (query string), kept to refill the form and build links.
#[derive(Debug, Clone, Default, FromForm, serde::Serialize)]
pub struct Search {
    pub operatore: Option<String>,
    pub soggetto: Option<i64>,
    pub cf: Option<String>,
    pub azione: Option<String>,
    pub esito: Option<String>,
    pub dal: Option<String>,
    pub al: Option<String>,
}

fn given(v: &Option<String>) -> Option<String> {
    v.as_ref().map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

fn invalid(field: &str, message: &str) -> AppError {
    AppError::Invalid(vec![FieldError { field: field.into(), message: message.into() }])
}

impl Search {
    /// The filter, with the person's codice fiscale resolved to their id (if known).
    pub fn filter(&self, scope: &AuditScope, conn: &rusqlite::Connection) -> Result<AuditFilter, AppError> {
        let recipient = match given(&self.cf) {
            None => None,
            Some(cf) => {
                let cf = CodiceFiscale::parse(&cf).map_err(|_| invalid("cf", "codice fiscale non valido"))?;
                let id = audit_search::recipient_id(scope, conn, cf.as_str())?;
                Some(RecipientKey { id, cf: cf.to_string() })
            }
        };
        let outcome = given(&self.esito);
        if outcome.as_deref().is_some_and(|o| !matches!(o, "ok" | "denied" | "error")) {
            return Err(invalid("esito", "esito non valido"));
        }
        Ok(AuditFilter {
            operator_cf: given(&self.operatore).map(|s| s.to_uppercase()),
            provider: self.soggetto.and_then(|p| ProviderId::try_from(p).ok()),
            recipient,
            action: given(&self.azione),
            outcome,
            from: given(&self.dal).map(|d| parse_day("dal", &d)).transpose()?,
            to: given(&self.al).map(|d| parse_day("al", &d).map(day_after)).transpose()?,
        })
    }

    /// The query string of this search (to page on or export it).
    pub fn query(&self) -> String {
        let mut parts = Vec::new();
        for (k, v) in [
            ("operatore", given(&self.operatore)),
            ("soggetto", self.soggetto.map(|s| s.to_string())),
            ("cf", given(&self.cf)),
            ("azione", given(&self.azione)),
            ("esito", given(&self.esito)),
            ("dal", given(&self.dal)),
            ("al", given(&self.al)),
        ] {
            if let Some(v) = v {
                parts.push(format!("{k}={}", q(&v)));
            }
        }
        parts.join("&")
    }
}

/// The codice fiscale asked for, checked.
pub fn parse_cf(cf: &str) -> Result<CodiceFiscale, AppError> {
    CodiceFiscale::parse(cf.trim()).map_err(|_| {
        AppError::Invalid(vec![FieldError { field: "cf".into(), message: "codice fiscale non valido".into() }])
    })
}

/// `yyyy-mm` to the UTC ms range of that Italian local month.
pub fn month_range(mese: &str) -> Result<(Timestamp, Timestamp), AppError> {
    let bad =
        || AppError::Invalid(vec![FieldError { field: "mese".into(), message: "mese non valido (aaaa-mm)".into() }]);
    let (y, m) = mese.trim().split_once('-').ok_or_else(bad)?;
    let year: i32 = y.parse().map_err(|_| bad())?;
    let month: u8 = m.parse().map_err(|_| bad())?;
    let month = time::Month::try_from(month).map_err(|_| bad())?;
    let first = time::Date::from_calendar_date(year, month, 1).map_err(|_| bad())?;
    let next =
        time::Date::from_calendar_date(if month == time::Month::December { year + 1 } else { year }, month.next(), 1)
            .map_err(|_| bad())?;
    Ok((local_date_start(first), local_date_start(next)))
}

/// `yyyy-mm-dd` (an `<input type="date">`) to the UTC ms its Italian local day starts at.
pub fn parse_day(field: &str, value: &str) -> Result<Timestamp, AppError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(value.trim(), &format).map_err(|_| {
        AppError::Invalid(vec![FieldError { field: field.into(), message: "data non valida (aaaa-mm-gg)".into() }])
    })?;
    Ok(local_date_start(date))
}

/// The last day of the range is included: the range ends where the next day starts.
pub fn day_after(start: Timestamp) -> Timestamp {
    local_day_start(local_day_of(start) + 1)
}

/// `yyyy-mm` of a timestamp (Italian local month).
pub fn month_of(t: Timestamp) -> String {
    let d = local_date(t);
    format!("{:04}-{:02}", d.year(), u8::from(d.month()))
}

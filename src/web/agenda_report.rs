//! The month's report to the CPI (unjustified absences, refusals, drops), for the agenda's
//! screen and CSV and for the API alike: the data, read with the operator's scope, and its
//! audit row.

use time::Date;

use crate::domain::audit_views::RefusalsReported;
use crate::domain::text::{iso, parse_date};
use crate::error::AppError;
use crate::infra::clock::local_datetime;
use crate::repo::appointments::{self, AppointmentRow};
use crate::repo::codes::{self, Labels};
use crate::repo::outcomes::{self, DroppedRow};
use crate::web::ctx::Ctx;
use crate::web::guards::Operatore;

/// `yyyy-mm` to the month's first day and the next month's first day.
fn month_range(mese: Option<&str>, today: Date) -> (Date, Date) {
    let first = mese
        .and_then(|m| parse_date(&format!("{}-01", m.trim())))
        .unwrap_or_else(|| today.replace_day(1).unwrap_or(today));
    (first, crate::domain::appointment::add_months(first, 1))
}

pub struct Report {
    pub first: Date,
    pub next: Date,
    pub rows: Vec<AppointmentRow>,
    pub dropped: Vec<DroppedRow>,
    pub labels: Labels,
}

/// The month's absences, refusals and drops to report to the CPI (screen, CSV and API).
pub async fn report_data(who: &Operatore, ctx: &Ctx<'_>, mese: Option<&str>) -> Result<Report, AppError> {
    let (first, next) = month_range(mese, local_datetime(ctx.now).date());
    let scope = who.scope.clone();
    let (from, until) = (iso(first), iso(next));
    let (rows, dropped, labels) = ctx
        .read(move |c| {
            Ok((
                appointments::reportable(c, &scope, &from, &until)?,
                outcomes::dropped(c, &scope, &from, &until)?,
                codes::labels(c)?,
            ))
        })
        .await?;
    Ok(Report { first, next, rows, dropped, labels })
}

/// The audit row of the report, before it is shown in any format.
pub async fn audit_report(ctx: &Ctx<'_>, who: &Operatore, r: &Report, format: &str) -> Result<(), AppError> {
    let month = iso(r.first);
    let event = RefusalsReported {
        provider: who.scope.provider(),
        month: &month,
        rows: r.rows.len(),
        dropped: r.dropped.len(),
        format,
    };
    let shown =
        distinct(r.rows.iter().map(|a| a.recipient_id.get()).chain(r.dropped.iter().map(|d| d.recipient_id.get())));
    ctx.audit_list(who.scope.actor(), &event, shown).await
}

/// Each person once, in the order first shown.
pub fn distinct(ids: impl Iterator<Item = i64>) -> Vec<i64> {
    let mut seen = std::collections::HashSet::new();
    ids.filter(|id| seen.insert(*id)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_month_is_its_first_day_to_the_next_first_day() {
        let today = date!(2026 - 11 - 26);
        assert_eq!(month_range(None, today), (date!(2026 - 11 - 01), date!(2026 - 12 - 01)));
        assert_eq!(month_range(Some("2026-12"), today), (date!(2026 - 12 - 01), date!(2027 - 01 - 01)));
        assert_eq!(month_range(Some("rubbish"), today).0, date!(2026 - 11 - 01));
    }
}

//! `/agenda`: the provider's appointments in a period, by sede and tutor.

use maud::{Markup, html};
use rocket::{Route, get, routes};
use time::{Date, Duration};

use crate::access::RecipientScope;
use crate::domain::appointment::show_stamp;
use crate::domain::audit_views::AgendaViewed;
use crate::domain::ids::{OperatorId, SedeId};
use crate::domain::italian::count;
use crate::domain::text::{iso, italian_date, parse_date};
use crate::error::AppError;
use crate::infra::clock::local_datetime;
use crate::repo::appointments::{self, AGENDA_LIMIT, AgendaFilter};
use crate::repo::codes::{self};
use crate::service::appointments::choices;
use crate::web::agenda_report::distinct;
use crate::web::ctx::Ctx;
use crate::web::forms::{select, text_field};
use crate::web::guards::Operatore;
use crate::web::views::agenda::{outcome_label, sede_options, tutor_options};

fn day_after(d: Date) -> String {
    iso(d.next_day().unwrap_or(d))
}

#[get("/agenda?<dal>&<al>&<sede>&<tutor>")]
async fn agenda(
    who: Operatore,
    ctx: Ctx<'_>,
    dal: Option<String>,
    al: Option<String>,
    sede: Option<SedeId>,
    tutor: Option<OperatorId>,
) -> Result<Markup, AppError> {
    let now = local_datetime(ctx.now);
    let today = now.date();
    let from =
        dal.as_deref().and_then(parse_date).unwrap_or_else(|| today.checked_sub(Duration::days(7)).unwrap_or(today));
    let to = al
        .as_deref()
        .and_then(parse_date)
        .filter(|t| *t >= from)
        .unwrap_or_else(|| from.checked_add(Duration::days(37)).unwrap_or(from));
    // One year at most: the agenda is a working list, not an export.
    let to = to.min(from.checked_add(Duration::days(366)).unwrap_or(to));
    let filter = AgendaFilter { from: iso(from), until: day_after(to), sede, tutor };
    let (scope, f) = (who.scope.clone(), filter.clone());
    let (rows, choices, labels) = ctx
        .read(move |c| {
            let rows = appointments::agenda(c, &scope, &f)?;
            Ok((rows, choices(c, &RecipientScope::Provider(scope))?, codes::labels(c)?))
        })
        .await?;
    let event = AgendaViewed::Provider {
        provider: who.scope.provider(),
        from: &filter.from,
        until: &filter.until,
        sede,
        tutor,
        rows: rows.len(),
        via: None,
    };
    let shown = distinct(rows.iter().map(|r| r.recipient_id.get()));
    ctx.audit_list(who.scope.actor(), &event, shown).await?;
    let now_stamp = crate::domain::appointment::local_stamp(now);
    let opt = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
    Ok(ctx.page(
        "Agenda",
        html! {
            h1 { "Agenda degli appuntamenti" }
            p.lead { "Gli appuntamenti del soggetto accreditato, in ora italiana. Per fissarne uno, aprire la scheda della persona dal "
                a href="/cruscotto" { "cruscotto" } "." }
            p { a.button.secondary href="/agenda/segnalazioni" { "Assenze ingiustificate e rifiuti da segnalare al CPI" } }
            form.search method="get" action="/agenda" role="search" {
                (text_field("dal", "Dal", &iso(from), &[], "date", false))
                (text_field("al", "Al", &iso(to), &[], "date", false))
                (select("sede", "Sede", &opt(sede.map(SedeId::get)), &sede_options(&choices.sedi, "tutte"), &[]))
                (select("tutor", "Tutor", &opt(tutor.map(OperatorId::get)), &tutor_options(&choices.tutors, "tutti"), &[]))
                button.button type="submit" { "Filtra" }
            }
            table.data {
                caption { (count(rows.len(), "appuntamento", "appuntamenti")) " dal " (italian_date(&iso(from))) " al " (italian_date(&iso(to)))
                    @if rows.len() as i64 >= AGENDA_LIMIT { " (primi " (AGENDA_LIMIT) ": restringere il periodo)" } }
                thead { tr {
                    th scope="col" { "Data e ora" } th scope="col" { "Destinatario" } th scope="col" { "Tipo" }
                    th scope="col" { "Sede" } th scope="col" { "Tutor" } th scope="col" { "Esito" }
                } }
                tbody {
                    @for a in &rows {
                        tr {
                            td { (show_stamp(&a.starts_at)) }
                            td { a href={ "/destinatari/" (a.recipient_id) "#appuntamenti" } { (a.recipient) } br; code { (a.codice_fiscale) } }
                            td { (labels.label("tipo_appuntamento", &a.kind)) }
                            td { (a.sede.clone().unwrap_or_else(|| "—".into())) }
                            td { (a.tutor.clone().unwrap_or_else(|| "—".into())) }
                            td {
                                @if a.outcome.is_none() && a.starts_at > now_stamp { "in programma" }
                                @else { (outcome_label(a.outcome.as_deref())) }
                            }
                        }
                    }
                }
            }
        },
    ))
}

pub fn routes() -> Vec<Route> {
    routes![agenda]
}

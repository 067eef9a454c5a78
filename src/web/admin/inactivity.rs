//! Inattività: who the six-month rule switched off, who it will switch off in the next 30
//! days (so the Region can warn them), and enablings never used.

use crate::domain::audit_views::InactivityViewed;
use crate::domain::italian::count;

use maud::{Markup, html};
use rocket::{Route, get, routes};

use crate::domain::text::date_it;
use crate::error::AppError;
use crate::infra::clock::format_it;
use crate::repo::operators::{self, OperatorRow};
use crate::web::ctx::Ctx;
use crate::web::guards::AdminReader;

fn table(rows: &[OperatorRow], when: &str, at: impl Fn(&OperatorRow) -> String) -> Markup {
    html! {
        @if rows.is_empty() { p { "Nessuno." } } @else {
            table.data {
                thead { tr { th scope="col" { "Cognome e nome" } th scope="col" { "Codice fiscale" } th scope="col" { "Soggetto" } th scope="col" { "Email" } th scope="col" { (when) } } }
                tbody {
                    @for o in rows {
                        tr {
                            td { a href={ "/regione/operatori/" (o.id) } { (o.surname) " " (o.name) } }
                            td { code { (o.codice_fiscale) } }
                            td { (o.provider_name.clone().unwrap_or_else(|| "Regione".into())) }
                            td { (o.email) }
                            td { (at(o)) }
                        }
                    }
                }
            }
        }
    }
}

#[get("/regione/inattivita")]
async fn report(who: AdminReader, ctx: Ctx<'_>) -> Result<Markup, AppError> {
    let now = ctx.now;
    let rule = ctx.access.inactivity();
    let limit = rule.idle_before(now);
    // Who is idle on the 30th day from today but not today.
    let in_30_days = rule.idle_before(now.plus_days(30));
    let (soon, never, deactivated) = ctx
        .read(move |c| {
            let soon = operators::idle_between(c, limit, in_30_days)?;
            let never = operators::never_used_before(c, limit)?;
            Ok((soon, never, operators::idle_deactivated(c)?))
        })
        .await?;
    ctx.audit_view(who.scope.actor(), &InactivityViewed {}).await?;
    let deadline = move |o: &OperatorRow| {
        let reference = o.last_access_at.unwrap_or(o.enabled_at).max(o.enabled_at);
        date_it(rule.switch_off_date(reference))
    };
    let months = i64::from(rule.get());
    Ok(ctx.page(
        "Inattività",
        html! {
            h1 { "Inattività delle utenze" }
            p { "Le utenze non usate da " (count(months, "mese", "mesi")) " di calendario sono disattivate automaticamente (Allegato B, punto 7), dal giorno corrispondente a quello dell'ultimo accesso o dell'ultima abilitazione, se successiva (ultimo accesso il 5 giugno: disattivata dal 5 dicembre); le utenze tecniche esentate sono escluse." }
            h2 { "Saranno disattivate nei prossimi 30 giorni" }
            (table(&soon, "Disattivazione prevista", deadline))
            h2 { "Disattivate per inattività" }
            @if deactivated.is_empty() { p { "Nessuno." } } @else {
            table.data {
                thead { tr { th scope="col" { "Cognome e nome" } th scope="col" { "Codice fiscale" } th scope="col" { "Soggetto" } th scope="col" { "Ultimo accesso" } th scope="col" { "Disattivata il" } } }
                tbody {
                    @for (o, at) in &deactivated {
                        tr {
                            td { a href={ "/regione/operatori/" (o.id) } { (o.surname) " " (o.name) } }
                            td { code { (o.codice_fiscale) } }
                            td { (o.provider_name.clone().unwrap_or_else(|| "Regione".into())) }
                            td { (o.last_access_at.map(format_it).unwrap_or_else(|| "mai".into())) }
                            td { (format_it(*at)) }
                        }
                    }
                }
            }
        }
            h2 { "Abilitate da oltre il limite e mai usate" }
            (table(&never, "Abilitata il", |o| format_it(o.enabled_at)))
        },
    ))
}

pub fn routes() -> Vec<Route> {
    routes![report]
}

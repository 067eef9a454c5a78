//! `/regione/esiti`: programme outcomes per provider in a period, by kind and (for hirings) by
//! contract, fixed-term split at 6 and 3 months — the basis of the result-based payment.
//! Screen and CSV; `regione` and `revisore`.

use crate::domain::audit_views::OutcomesReported;
use crate::domain::italian::count;

use maud::{Markup, html};
use rocket::{Route, get, routes};
use time::Date;

use crate::domain::text::{iso, italian_date, parse_date};
use crate::error::AppError;
use crate::infra::clock::local_datetime;
use crate::repo::outcomes::{self, ProviderCounts};
use crate::web::ctx::Ctx;
use crate::web::forms::text_field;
use crate::web::guards::AdminReader;
use crate::web::views::download::Download;
use crate::web::views::pager::q;

/// The period asked for; by default from 1 January of this year to today.
fn period(dal: Option<&str>, al: Option<&str>, today: Date) -> (Date, Date) {
    let from = dal.and_then(parse_date).unwrap_or_else(|| today.replace_ordinal(1).unwrap_or(today));
    let to = al.and_then(parse_date).filter(|t| *t >= from).unwrap_or(today.max(from));
    (from, to)
}

async fn load(
    who: &AdminReader,
    dal: Option<&str>,
    al: Option<&str>,
    ctx: &Ctx<'_>,
    format: &str,
) -> Result<(Date, Date, Vec<ProviderCounts>), AppError> {
    let (from, to) = period(dal, al, local_datetime(ctx.now).date());
    let (f, t) = (iso(from), iso(to));
    let rows = ctx.read(move |c| outcomes::counts(c, &f, &t)).await?;
    let (from_iso, to_iso) = (iso(from), iso(to));
    let event = OutcomesReported { from: &from_iso, to: &to_iso, format, providers: rows.len() };
    ctx.audit_view(who.scope.actor(), &event).await?;
    Ok((from, to, rows))
}

const COLUMNS: [&str; 11] = [
    "Tempo indeterminato",
    "Apprendistato",
    "Tempo determinato ≥ 6 mesi",
    "Tempo determinato 3–5 mesi",
    "Tempo determinato < 3 mesi",
    "Somministrazione",
    "Totale assunzioni",
    "Conclusi senza esito",
    "Abbandoni",
    "Decadenze",
    "Sospensioni",
];

fn numbers(r: &ProviderCounts) -> [i64; 11] {
    [
        r.hired_permanent,
        r.hired_apprenticeship,
        r.hired_fixed_6,
        r.hired_fixed_3,
        r.hired_fixed_short,
        r.hired_agency,
        r.hired(),
        r.ended,
        r.dropped,
        r.lapsed,
        r.suspended,
    ]
}

#[get("/regione/esiti?<dal>&<al>")]
async fn report(who: AdminReader, ctx: Ctx<'_>, dal: Option<String>, al: Option<String>) -> Result<Markup, AppError> {
    let (from, to, rows) = load(&who, dal.as_deref(), al.as_deref(), &ctx, "html").await?;
    let mut totals = [0i64; 11];
    for r in &rows {
        for (t, n) in totals.iter_mut().zip(numbers(r)) {
            *t += n;
        }
    }
    Ok(ctx.page(
        "Esiti dei programmi",
        html! {
            h1 { "Esiti dei programmi per soggetto accreditato" }
            p.lead { "Esiti registrati dai soggetti con data dell'evento dal " (italian_date(&iso(from))) " al " (italian_date(&iso(to)))
                ": la base della remunerazione a risultato (per tipo di contratto e durata)." }
            form.search method="get" action="/regione/esiti" {
                (text_field("dal", "Dal", &iso(from), &[], "date", false))
                (text_field("al", "Al", &iso(to), &[], "date", false))
                button.button type="submit" { "Mostra" }
                " " a.button.secondary href={ "/regione/esiti.csv?dal=" (q(&iso(from))) "&al=" (q(&iso(to))) } { "Scarica CSV" }
            }
            table.data {
                caption { (count(rows.len(), "soggetto accreditato", "soggetti accreditati")) }
                thead { tr {
                    th scope="col" { "Soggetto accreditato" }
                    @for c in COLUMNS { th scope="col" { (c) } }
                } }
                tbody {
                    @for r in &rows {
                        tr { td { (r.provider) } @for n in numbers(r) { td.num { (n) } } }
                    }
                }
                tfoot { tr { th scope="row" { "Totale" } @for n in totals { td.num { strong { (n) } } } } }
            }
        },
    ))
}

#[get("/regione/esiti.csv?<dal>&<al>")]
async fn report_csv(
    who: AdminReader,
    ctx: Ctx<'_>,
    dal: Option<String>,
    al: Option<String>,
) -> Result<Download, AppError> {
    let (from, to, rows) = load(&who, dal.as_deref(), al.as_deref(), &ctx, "csv").await?;
    let lines: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let mut line = vec![iso(from), iso(to), r.provider_id.to_string(), r.provider.clone()];
            line.extend(numbers(r).iter().map(i64::to_string));
            line
        })
        .collect();
    Download::csv(
        &format!("esiti-{}-{}.csv", iso(from), iso(to)),
        &[
            "dal",
            "al",
            "soggetto_id",
            "soggetto",
            "assunti_tempo_indeterminato",
            "assunti_apprendistato",
            "assunti_tempo_determinato_6_mesi_e_oltre",
            "assunti_tempo_determinato_3_5_mesi",
            "assunti_tempo_determinato_meno_3_mesi",
            "assunti_somministrazione",
            "assunti_totale",
            "conclusi_senza_esito",
            "abbandoni",
            "decadenze",
            "sospensioni",
        ],
        &lines,
    )
}

pub fn routes() -> Vec<Route> {
    routes![report, report_csv]
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_period_defaults_to_this_year() {
        let today = date!(2026 - 11 - 26);
        assert_eq!(period(None, None, today), (date!(2026 - 01 - 01), today));
        assert_eq!(period(Some("2026-03-01"), Some("2026-02-01"), today), (date!(2026 - 03 - 01), today));
        assert_eq!(
            period(Some("01/03/2026"), Some("31/03/2026"), today),
            (date!(2026 - 03 - 01), date!(2026 - 03 - 31))
        );
    }
}

//! Accessi a un interessato: for a data-subject request (art. 15 GDPR; the Garante's
//! guidelines on who accessed one's data), every access to one person's data — who, from
//! which provider, when, what — on a printable page and as CSV. Audited.

use crate::domain::audit_views::{SubjectExported, SubjectReported};
use crate::domain::italian::count;

use maud::{Markup, html};
use rocket::{Route, get, routes};

use crate::domain::codice_fiscale::CodiceFiscale;
use crate::domain::text::italian_date;
use crate::domain::timestamp::Timestamp;
use crate::error::AppError;
use crate::infra::clock::format_it;
use crate::repo::audit_search::{self, AuditLine};
use crate::web::Site;
use crate::web::audit_params::parse_cf;
use crate::web::ctx::Ctx;
use crate::web::guards::Revisore;
use crate::web::views::audit::{CSV_HEADER, ListGroup, csv_row, list_groups};
use crate::web::views::audit_labels::action_done;
use crate::web::views::download::Download;

fn ask_form(cf: &str) -> Markup {
    html! {
        form.search method="get" action="/revisione/interessato" {
            div.field { label for="f-cf" { "Codice fiscale della persona" } input #f-cf name="cf" value=(cf) required; }
            button.button type="submit" { "Mostra gli accessi" }
        }
    }
}

#[get("/revisione/interessato?<cf>")]
async fn report(who: Revisore, ctx: Ctx<'_>, cf: Option<String>) -> Result<Markup, AppError> {
    let typed = cf.unwrap_or_default();
    if typed.trim().is_empty() {
        return Ok(
            ctx.page("Accessi a un interessato", html! { h1 { "Accessi ai dati di un interessato" } (ask_form("")) })
        );
    }
    let cf = match parse_cf(&typed) {
        Ok(cf) => cf,
        Err(AppError::Invalid(fields)) => {
            return Ok(ctx.page(
                "Accessi a un interessato",
                html! { h1 { "Accessi ai dati di un interessato" } (crate::web::forms::error_summary(&fields)) (ask_form(&typed)) },
            ));
        }
        Err(e) => return Err(e),
    };
    let (scope, key) = (who.scope.clone(), cf.to_string());
    let (lines, appearances, name) = ctx
        .read(move |c| {
            Ok((
                audit_search::accesses_to(&scope, c, &key)?,
                audit_search::lists_of(&scope, c, &key)?,
                audit_search::recipient_name(&scope, c, &key)?,
            ))
        })
        .await?;
    let groups = list_groups(appearances);
    let event = SubjectReported { cf: cf.as_str(), rows: lines.len(), lists: groups.len(), via: None };
    ctx.audit_view(who.scope.actor(), &event).await?;
    let letter =
        Letter { site: ctx.site, cf: &cf, name: name.as_ref(), lines: &lines, groups: &groups, now: ctx.now, by: &who };
    Ok(ctx.page(
        "Accessi a un interessato",
        html! {
            div.no-print {
                h1 { "Accessi ai dati di un interessato" }
                p { "Il prospetto qui sotto è scritto per la persona che lo ha chiesto (art. 15 GDPR): stamparlo con la funzione di stampa del browser, che omette menu e pulsanti. Il CSV contiene le stesse righe con tutti i dettagli tecnici." }
                p.actions { a.button href={ "/revisione/interessato.csv?cf=" (cf) } { "Scarica CSV" } a.button.secondary href="/revisione/interessato" { "Altra persona" } }
            }
            (letter.render())
        },
    ))
}

/// The data-subject report as a letter to the person: who saw or changed their data, for
/// whom they worked, when, and what they did, in plain words.
struct Letter<'a> {
    site: &'a Site,
    cf: &'a CodiceFiscale,
    /// (nome, cognome), when the data file knows the person.
    name: Option<&'a (String, String)>,
    lines: &'a [AuditLine],
    groups: &'a [ListGroup],
    now: Timestamp,
    by: &'a Revisore,
}

impl Letter<'_> {
    /// "Mario Rossi" and "operatore di Lavoro Futuro": the person who acted and for whom.
    fn who(&self, cf: &str, name: Option<&str>, role: Option<&str>, provider: Option<&str>) -> (String, String) {
        let region = self.site.region_name.as_str();
        match (cf, name, role) {
            ("SISTEMA", _, _) => ("Il servizio stesso".into(), "procedura automatica".into()),
            ("CLI", _, _) => ("Un tecnico del servizio".into(), "comando eseguito sul server".into()),
            (_, None, _) => (format!("Una persona non abilitata (codice fiscale {cf})"), "—".into()),
            (_, Some(n), Some("operatore")) => {
                (n.to_owned(), provider.map_or_else(|| "soggetto accreditato".into(), |p| format!("operatore di {p}")))
            }
            (_, Some(n), Some("regione")) => (n.to_owned(), format!("funzionario della {region}")),
            (_, Some(n), Some("revisore")) => (n.to_owned(), format!("revisore della {region}")),
            (_, Some(n), Some("tecnico")) => (n.to_owned(), "tecnico del servizio".into()),
            (_, Some(n), _) => (n.to_owned(), provider.unwrap_or("—").to_owned()),
        }
    }

    fn what(line: &AuditLine) -> String {
        let mut done = capitalised(&action_done(&line.action));
        if line.outcome == "denied" && line.action != "ctx.access.denied" {
            done.push_str(": operazione non consentita, non eseguita");
        }
        done
    }

    fn render(&self) -> Markup {
        let greeting = match self.name {
            Some((nome, cognome)) => format!("Gentile {nome} {cognome},"),
            None => "Gentile interessata, gentile interessato,".to_owned(),
        };
        html! {
            article.letter {
                header.letter-head {
                    p { strong { (self.site.region_name) } br; "Servizio Ricolloca — Assegno di Ricollocazione" }
                    p { "Prospetto prodotto il " (format_it(self.now)) }
                }
                p.letter-subject { strong { "Oggetto: " } "accessi ai Suoi dati personali (art. 15 del Regolamento UE 2016/679), codice fiscale " code { (self.cf) } }
                p { (greeting) }
                p {
                    "su Sua richiesta Le comunichiamo chi ha visto o modificato i Suoi dati personali nel servizio Ricolloca, con cui la "
                    (self.site.region_name) " gestisce l'Assegno di Ricollocazione. Il servizio registra ogni consultazione e ogni operazione: "
                    "per ciascuna trova qui la data e l'ora, la persona che l'ha compiuta, l'ente per cui lavorava e che cosa ha fatto."
                }
                h2 { "Chi ha consultato o modificato i Suoi dati" }
                @if self.lines.is_empty() { p { "Non risulta alcuna consultazione né alcuna operazione sui Suoi dati." } } @else {
                    table.data {
                        caption { (count(self.lines.len(), "registrazione", "registrazioni")) }
                        thead { tr { th scope="col" { "Quando" } th scope="col" { "Chi" } th scope="col" { "Per conto di" } th scope="col" { "Che cosa" } } }
                        tbody {
                            @for l in self.lines {
                                @let (who, for_whom) = self.who(&l.actor_cf, l.actor_name.as_deref(), l.actor_role.as_deref(), l.provider_name.as_deref());
                                tr {
                                    td { (format_it(l.ts)) }
                                    td { (who) }
                                    td { (for_whom) }
                                    td { (Self::what(l)) }
                                }
                            }
                        }
                    }
                }
                h2 { "Quando il Suo nominativo è comparso in un elenco" }
                p { "Gli operatori lavorano anche su elenchi di persone (il cruscotto, le ricerche, l'agenda). Qui sotto, per ogni persona e tipo di elenco, i giorni in cui il Suo nominativo vi compariva, senza che la Sua scheda venisse aperta, e in quanti elenchi ciascun giorno (con la pagina e la lunghezza del primo)." }
                @if self.groups.is_empty() { p { "Il Suo nominativo non risulta comparso in alcun elenco." } } @else {
                    ul.list-groups {
                        @for g in self.groups {
                            @let (who, for_whom) = self.who(&g.viewer_cf, g.viewer_name.as_deref(), g.role.as_deref(), g.provider.as_deref());
                            li {
                                strong { (who) } " (" (for_whom) ") ha visto il Suo nominativo " (g.what) " "
                                @if let [d] = g.entries.as_slice() { "il " (italian_date(&d.date)) " (" (d.sentence()) ")" } @else {
                                    (count(g.lists, "volta", "volte")) " in " (count(g.days.len(), "giorno", "giorni")) ": "
                                    (g.entries.iter().map(|d| format!("{} ({})", italian_date(&d.date), d.sentence())).collect::<Vec<_>>().join("; "))
                                }
                                "."
                            }
                        }
                    }
                }
                p {
                    "Il registro degli accessi è protetto contro ogni modifica e conservato per il periodo stabilito dalla Regione. "
                    "Per chiarimenti, o per esercitare gli altri diritti previsti dal Regolamento, può rivolgersi alla "
                    (self.site.region_name) ", titolare del trattamento."
                }
                p.letter-signature {
                    "Prospetto prodotto da " (self.by.principal.operator().full_name()) ", "
                    (self.by.principal.role().label().to_lowercase()) ", il " (format_it(self.now)) "."
                }
            }
        }
    }
}

/// The sentence's first letter in upper case ("Ha consultato …").
fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[get("/revisione/interessato.csv?<cf>")]
async fn report_csv(who: Revisore, ctx: Ctx<'_>, cf: &str) -> Result<Download, AppError> {
    let cf = parse_cf(cf)?;
    let (scope, key, name) = (who.scope.clone(), cf.to_string(), format!("accessi-{cf}.csv"));
    let (file, rows) = ctx
        .read(move |c| {
            let mut lines = audit_search::accesses_to(&scope, c, &key)?;
            // Each day's first list that showed the person, among the accesses.
            let seqs: Vec<i64> = audit_search::lists_of(&scope, c, &key)?.into_iter().map(|a| a.seq).collect();
            lines.extend(audit_search::lines(&scope, c, &seqs)?);
            lines.sort_by_key(|l| l.seq);
            // Written on the blocking pool, as the registro's: a long trail's CSV made on an
            // async worker would hold up the requests queued behind it.
            let file = Download::csv(&name, &CSV_HEADER, lines.iter().map(csv_row))?;
            Ok((file, lines.len()))
        })
        .await?;
    ctx.audit_view(who.scope.actor(), &SubjectExported { cf: cf.as_str(), rows, format: "csv" }).await?;
    Ok(file)
}

pub fn routes() -> Vec<Route> {
    routes![report, report_csv]
}

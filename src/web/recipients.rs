//! The cruscotto (an operator's recipients; the Region's across providers), the scheda
//! destinatario with section VI, and the SAP section by section. Every view is audited;
//! another provider's recipient is "not found" and audited as a denied attempt.

use crate::domain::audit_views::{RecipientViewed, RecipientsListed, SapViewed};
use crate::domain::italian::count;

use maud::{Markup, html};
use rocket::form::FromForm;
use rocket::{Route, State, get, routes};
use serde_json::Value;

use crate::domain::ids::{OperatorId, SedeId};
use crate::domain::ids::{ProviderId, RecipientId};
use crate::domain::recipient::VoucherState;
use crate::domain::sap::{DatiAmministrativi, DatiAnagrafici, DatiInvio, EsperienzaLavoro, InformazioniCurriculari};
use crate::domain::text::italian_date;
use crate::error::AppError;
use crate::infra::clock::{datetime, format_it};
use crate::infra::sap_schema::Finding;
use crate::repo::codes::{self, Labels};
use crate::repo::policies::{self, PolicyRow};
use crate::repo::read_cache::{DataGeneration, ReadCache};
use crate::repo::recipients::{self, DashboardFilter};
use crate::repo::{operators, providers, saps, vouchers};
use crate::web::ctx::Ctx;
use crate::web::forms::{select, text_field};
use crate::web::guards::RecipientReader;
use crate::web::views::options::choices;
use crate::web::views::pager::{pager, q};

fn state_label(labels: &Labels, code: &str) -> String {
    labels.label("stato_assegno", code)
}

/// The state after a count of vouchers, agreeing with it ("3 rilasciati").
fn state_count_label(labels: &Labels, code: &str, n: i64) -> String {
    VoucherState::from_code(code).map_or_else(|| state_label(labels, code), |s| s.counted().form(n).to_owned())
}

/// People known only from a SAP, for the Region (no provider's cruscotto shows them).
#[get("/cruscotto/senza-assegno?<pagina>")]
async fn without_voucher(who: RecipientReader, ctx: Ctx<'_>, pagina: Option<i64>) -> Result<Markup, AppError> {
    let (scope, page_no) = (who.scope(), pagina.unwrap_or(0).max(0));
    let (rows, total) = ctx.read(move |c| recipients::without_voucher(c, &scope, page_no)).await?;
    let shown = rows.iter().map(|r| r.id.get()).collect();
    let event = RecipientsListed::WithoutVoucher { without_voucher: true, page: page_no };
    ctx.audit_list(who.scope().actor(), &event, shown).await?;
    Ok(ctx.page(
        "Persone senza assegno",
        html! {
            nav.breadcrumb aria-label="Percorso" { a href="/cruscotto" { "Cruscotto" } " › Senza assegno" }
            h1 { "Persone note solo dalla SAP" }
            p { "Non hanno ancora un assegno: non compaiono nel cruscotto di alcun soggetto accreditato." }
            table.data {
                caption { (count(total, "persona", "persone")) }
                thead { tr { th scope="col" { "Persona" } th scope="col" { "Codice fiscale" } th scope="col" { "Data di nascita" } } }
                tbody {
                    @for r in rows {
                        tr {
                            td { a href={ "/destinatari/" (r.id) } { (r.cognome) " " (r.nome) } }
                            td { code { (r.codice_fiscale) } }
                            td { (r.birth_date.as_deref().map(italian_date).unwrap_or_default()) }
                        }
                    }
                }
            }
            (pager("/cruscotto/senza-assegno", page_no, total))
        },
    ))
}

/// The cruscotto's query: filters, order and page.
#[derive(Debug, FromForm)]
struct DashboardQuery {
    cerca: Option<String>,
    stato: Option<String>,
    sede: Option<SedeId>,
    tutor: Option<OperatorId>,
    soggetto: Option<ProviderId>,
    ordine: Option<String>,
    pagina: Option<i64>,
}

/// What the cruscotto reads in one go.
pub struct DashboardData {
    labels: Labels,
    page: recipients::DashboardPage,
    sedi: Vec<crate::domain::sede::Sede>,
    tutors: Vec<operators::OperatorRow>,
    all_providers: Vec<(ProviderId, String)>,
}

/// What a cruscotto page is read from: who asks, their scope's provider (`None`: the
/// Region), the filters with the current minute (for the next appointment) and the page.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct DashboardKey {
    viewer: Option<OperatorId>,
    scope: Option<ProviderId>,
    filter: DashboardFilter,
    page: i64,
}

/// Cruscotto pages as last read, until the data changes (`repo::read_cache`).
pub struct DashboardCache(ReadCache<DashboardKey, DashboardData>);

impl DashboardCache {
    /// A few pages for each of a few people looking at the same time.
    const PAGES: usize = 64;

    pub fn new(generation: DataGeneration) -> Self {
        Self(ReadCache::new(generation, Self::PAGES))
    }
}

#[get("/cruscotto?<query..>")]
async fn dashboard(
    who: RecipientReader,
    ctx: Ctx<'_>,
    cache: &State<DashboardCache>,
    query: DashboardQuery,
) -> Result<Markup, AppError> {
    let filter = DashboardFilter {
        q: query.cerca.unwrap_or_default(),
        state: query.stato.filter(|s| VoucherState::from_code(s).is_some()).unwrap_or_default(),
        sede: query.sede,
        tutor: query.tutor,
        provider: query.soggetto,
        sort: query.ordine.unwrap_or_default(),
        next_after: crate::domain::appointment::local_stamp(crate::infra::clock::local_datetime(ctx.now)),
    };
    let page_no = query.pagina.unwrap_or(0).max(0);
    let scope_provider = who.scope().provider_filter();
    let is_region = who.is_region();
    let scope = who.scope();
    let key = DashboardKey {
        viewer: scope.actor().id,
        scope: scope.provider_filter(),
        filter: filter.clone(),
        page: page_no,
    };
    let data = cache
        .0
        .read(ctx.pool, key, move |c, key| {
            let labels = codes::labels(c)?;
            let mut f = key.filter.clone();
            if let Some(p) = scope.provider_filter() {
                f.provider = Some(p);
            }
            let page = recipients::dashboard(c, &scope, &f, key.page)?;
            let (sedi, tutors) = match f.provider {
                Some(p) => (providers::sedi(c, p)?, operators::of_provider(c, p)?),
                None => (Vec::new(), Vec::new()),
            };
            let all_providers = if scope.provider_filter().is_none() { providers::all_names(c)? } else { Vec::new() };
            Ok(DashboardData { labels, page, sedi, tutors, all_providers })
        })
        .await?;
    let DashboardData { labels, page, sedi, tutors, all_providers } = &*data;
    let recipients::DashboardPage { rows, total, counts } = page;
    let total = *total;
    let event = RecipientsListed::Screen {
        scope: scope_provider,
        q: &filter.q,
        state: &filter.state,
        provider: filter.provider,
        page: page_no,
        rows: rows.len(),
    };
    let shown = rows.iter().map(|r| r.id.get()).collect();
    ctx.audit_list(who.scope().actor(), &event, shown).await?;
    let today = datetime(ctx.now).date();
    let states = choices("tutti", VoucherState::ALL.iter().map(|s| (s.code(), state_label(labels, s.code()))));
    let sede_options = choices("tutte", sedi.iter().map(|s| (s.id, format!("{}, {}", s.address, s.comune))));
    let tutor_options = choices("tutti", tutors.iter().map(|t| (t.id, format!("{} {}", t.surname, t.name))));
    let provider_options = choices("tutti", all_providers.iter().map(|(id, name)| (id, name.clone())));
    let sorts: Vec<(String, String)> = vec![
        (String::new(), "cognome".into()),
        ("scelta".into(), "data di scelta (recenti)".into()),
        ("scadenza".into(), "scadenza del programma".into()),
        ("stato".into(), "stato".into()),
    ];
    let base = format!(
        "/cruscotto?cerca={}&stato={}&sede={}&tutor={}&soggetto={}&ordine={}",
        q(&filter.q),
        q(&filter.state),
        filter.sede.map(|s| s.to_string()).unwrap_or_default(),
        filter.tutor.map(|s| s.to_string()).unwrap_or_default(),
        filter.provider.map(|s| s.to_string()).unwrap_or_default(),
        q(&filter.sort)
    );
    Ok(ctx.page(
        "Cruscotto",
        html! {
            h1 { "Cruscotto dei destinatari" }
            @if let Some(p) = &who.principal.operator().provider { p.lead { "Le persone che hanno scelto " strong { (p.name) } "." } }
            @if is_region { p.lead { "Tutti i soggetti accreditati. " a href="/cruscotto/senza-assegno" { "Persone note solo dalla SAP" } } }
            ul.state-counts aria-label="Assegni per stato" {
                @for (state, n) in counts { li { span.count { (n) } " " (state_count_label(labels, state, *n)) } }
            }
            form.search method="get" action="/cruscotto" role="search" {
                (text_field("cerca", "Nome o codice fiscale", &filter.q, &[], "search", false))
                (select("stato", "Stato", &filter.state, &states, &[]))
                @if is_region { (select("soggetto", "Soggetto accreditato", &filter.provider.map(|p| p.to_string()).unwrap_or_default(), &provider_options, &[])) }
                @if !sedi.is_empty() { (select("sede", "Sede", &filter.sede.map(|s| s.to_string()).unwrap_or_default(), &sede_options, &[])) }
                @if !tutors.is_empty() { (select("tutor", "Tutor", &filter.tutor.map(|s| s.to_string()).unwrap_or_default(), &tutor_options, &[])) }
                (select("ordine", "Ordina per", &filter.sort, &sorts, &[]))
                button.button type="submit" { "Filtra" }
            }
            table.data {
                caption { (count(total, "destinatario", "destinatari")) }
                thead { tr {
                    th scope="col" { "Destinatario" } th scope="col" { "Codice fiscale" } th scope="col" { "Stato" }
                    @if is_region { th scope="col" { "Soggetto" } }
                    th scope="col" { "Programma" } th scope="col" { "Giorni rimasti" } th scope="col" { "Tutor" }
                    th scope="col" { "Ultima azione" } th scope="col" { "Programma firmato" } th scope="col" { "Prossimo appuntamento" }
                } }
                tbody {
                    @for r in rows {
                        tr {
                            td { a href={ "/destinatari/" (r.id) } { (r.cognome) " " (r.nome) } @if !r.has_sap { br; small.note { "SAP non ancora ricevuta" } } }
                            td { code { (r.codice_fiscale) } }
                            td { (state_label(labels, &r.state)) }
                            @if is_region { td { (r.provider_name) } }
                            td {
                                @match (&r.programme_start, &r.programme_end) {
                                    (Some(s), Some(e)) => { (italian_date(s)) " – " (italian_date(r.extended_until.as_deref().unwrap_or(e))) }
                                    _ => { "scelta il " (italian_date(&r.chosen_on)) }
                                }
                            }
                            td.num { (r.days_left(today).map(|d| d.to_string()).unwrap_or_else(|| "—".into())) }
                            td { (r.tutor.clone().unwrap_or_else(|| "—".into())) }
                            td { @if let Some(a) = &r.last_action { (a) " " (r.last_action_on.as_deref().map(italian_date).unwrap_or_default()) } @else { "—" } }
                            td { (r.signed_since.map(|t| format!("sì, dal {}", format_it(t).split(' ').next().unwrap_or_default())).unwrap_or_else(|| "no".into())) }
                            td { (r.next_appointment.as_deref().map(crate::domain::appointment::show_stamp).unwrap_or_else(|| "—".into())) }
                        }
                    }
                }
            }
            (pager(&base, page_no, total))
        },
    ))
}

fn policy_table(id: RecipientId, policies: &[PolicyRow], labels: &Labels) -> Markup {
    html! {
        @if policies.is_empty() { p { "Nessuna politica attiva registrata." } } @else {
            table.data.policies {
                caption { (count(policies.len(), "intervento registrato", "interventi registrati")) }
                thead { tr {
                    th scope="col" { "Tipo attività" } th scope="col" { "Denominazione" } th scope="col" { "Proposta" }
                    th scope="col" { "Inizio" } th scope="col" { "Fine" } th scope="col" { "Durata" }
                    th scope="col" { "Ultimo evento" } th scope="col" { "Identificativo" } th scope="col" { "Origine" }
                } }
                @for p in policies {
                    tbody {
                        tr {
                            td { (labels.show("tipo_attivita", &p.tipo_attivita)) }
                            td { (or_dash(p.titolo_denominazione.clone())) }
                            td { (or_dash(p.data_proposta.as_deref().map(italian_date).unwrap_or_default())) }
                            td { (or_dash(p.data_inizio.as_deref().map(italian_date).unwrap_or_default())) }
                            td { (or_dash(p.data_fine.as_deref().map(italian_date).unwrap_or_default())) }
                            td { @if let Some(d) = p.durata { (labels.duration(d, p.tipologia_durata.as_deref())) } }
                            td { @if let Some(e) = &p.ultimo_evento { (labels.show("evento", e)) " " (p.data_evento.as_deref().map(italian_date).unwrap_or_default()) } }
                            td { code { (p.identificativo_politica.clone().unwrap_or_default()) } }
                            td { @if p.origin == "sap" { "SAP" } @else { a href={ "/destinatari/" (id) "/azioni/" (p.id) } { "soggetto accreditato" } } }
                        }
                        (policy_details(p, labels))
                    }
                }
            }
        }
    }
}

/// A value the SAP or the file left empty, shown as a dash rather than a blank box.
fn or_dash(value: String) -> String {
    if value.trim().is_empty() { "—".into() } else { value }
}

/// The elements of a section-VI entry that do not fit a column, on a row of their own.
fn policy_details(p: &PolicyRow, labels: &Labels) -> Markup {
    let extra = |key: &str| p.dettagli.get(key).and_then(|v| v.as_str()).map(str::to_owned);
    let mut items: Vec<(&str, String)> = Vec::new();
    let mut push = |label: &'static str, v: String| {
        if !v.is_empty() {
            items.push((label, v));
        }
    };
    push("Descrizione", p.descrizione.clone());
    push(
        "Titolo del progetto",
        if p.titolo_progetto.is_empty() { String::new() } else { labels.show("titolo_progetto", &p.titolo_progetto) },
    );
    push("Codice ente promotore", p.codice_ente_promotore.clone());
    push("Indice di profilazione", p.indice_profiling.clone());
    push("Identificativo della presa in carico", p.identificativo_presa_in_carico.clone());
    push("Descrizione dell'ultimo evento", p.descrizione_evento.clone());
    if p.origin == "sap" {
        push("Descrizione dell'azione (SIL)", extra("descrizione_azione_sil").unwrap_or_default());
        push("Esito dell'azione (SIL)", extra("esito_azione_sil").unwrap_or_default());
        push("Data stimata", extra("data_stimata").map(|d| italian_date(&d)).unwrap_or_default());
    }
    html! {
        @if !items.is_empty() {
            tr.details {
                td colspan="9" {
                    dl.inline { @for (label, v) in &items { dt { (label) } dd { (v) } } }
                }
            }
        }
    }
}

#[get("/destinatari/<id>")]
async fn detail(
    who: RecipientReader,
    ctx: Ctx<'_>,
    id: RecipientId,
    token: crate::web::forms::FormToken,
) -> Result<Markup, AppError> {
    let (r, vouchers, policies, sap, labels, agenda) = ctx
        .read_or_404(who.scope(), move |c, scope| {
            let Some(r) = recipients::get(c, scope, id)? else { return Ok(None) };
            let vouchers = vouchers::vouchers(c, scope, id)?;
            let policies = policies::policies(c, scope, id)?;
            let sap = saps::latest_sap(c, scope, id)?;
            let agenda = crate::service::appointments::section(c, scope, id)?;
            Ok(Some((r, vouchers, policies, sap, codes::labels(c)?, agenda)))
        })
        .await?;
    ctx.audit_view(who.scope().actor(), &RecipientViewed { recipient: id, cf: &r.codice_fiscale, via: None }).await?;
    Ok(ctx.page(
        &format!("{} {}", r.cognome, r.nome),
        html! {
            nav.breadcrumb aria-label="Percorso" { a href="/cruscotto" { "Cruscotto" } " › " (r.cognome) " " (r.nome) }
            h1 { (r.cognome) " " (r.nome) }
            dl.facts {
                dt { "Codice fiscale" } dd { code { (r.codice_fiscale) } }
                dt { "Data di nascita" } dd { (or_dash(r.birth_date.as_deref().map(italian_date).unwrap_or_default())) }
                dt { "Sesso" } dd { (or_dash(r.sex.as_deref().map(|s| labels.label("sesso", s)).unwrap_or_default())) }
                dt { "Email" } dd { (or_dash(r.email.clone())) }
                dt { "Telefono" } dd { (or_dash(r.phone.clone())) }
                dt { "SAP" } dd {
                    @match &sap {
                        Some(s) => { "versione " (s.version) " ricevuta il " (format_it(s.imported_at)) " — " a href={ "/destinatari/" (id) "/sap" } { "apri la SAP" } }
                        None => { "non ancora ricevuta" }
                    }
                }
            }
            h2 { "Assegno di ricollocazione" }
            @for v in &vouchers {
                dl.facts {
                    dt { "Codice assegno" } dd { code { (v.code) } }
                    dt { "Stato" } dd { strong { (state_label(&labels, &v.state)) } }
                    dt { "Rilasciato il" } dd { (italian_date(&v.issued_on)) " dal CPI " (v.cpi) }
                    dt { "Fascia di profilazione" } dd { (v.profiling_band) }
                    dt { "Soggetto scelto" } dd { (v.provider_name) " il " (italian_date(&v.chosen_on)) }
                    dt { "Sede" } dd { (v.sede.clone().unwrap_or_else(|| "—".into())) }
                    dt { "Tutor" } dd { (v.tutor.clone().unwrap_or_else(|| "—".into())) }
                    dt { "Programma firmato" } dd {
                        @match v.signed_since {
                            Some(t) => { "in archivio dal " (format_it(t)) " — " a href={ "/destinatari/" (id) "/programma#firmato" } { "vedi verifica delle firme" } }
                            None => { "non ancora caricato" }
                        }
                    }
                    dt { "Programma" } dd {
                        @match (&v.programme_start, &v.programme_end) {
                            (Some(s), Some(e)) => { "dal " (italian_date(s)) " al " (italian_date(e)) @if let Some(x) = &v.extended_until { ", prorogato al " (italian_date(x)) } }
                            _ => { "non ancora avviato (i sei mesi decorrono dal primo incontro svolto)" }
                        }
                    }
                }
            }
            @if vouchers.is_empty() { p { "Nessun assegno: la persona è nota solo dalla SAP." } }
            @if !vouchers.is_empty() {
                p { a.button.secondary href={ "/destinatari/" (id) "/esito" } { "Esito del programma" } }
                (crate::web::views::agenda::section(id, &agenda, !who.is_region(), &token))
            }
            h2 { "Politiche attive (sezione VI della SAP)" }
            @if !who.is_region() && !vouchers.is_empty() {
                p.actions { a.button href={ "/destinatari/" (id) "/azioni/nuova" } { "Registra un'azione" } }
            }
            (policy_table(id, &policies, &labels))
        },
    ))
}

#[get("/destinatari/<id>/sap")]
async fn sap(who: RecipientReader, ctx: Ctx<'_>, id: RecipientId) -> Result<Markup, AppError> {
    let (r, sap, policies, labels) = ctx
        .read_or_404(who.scope(), move |c, scope| {
            let Some(r) = recipients::get(c, scope, id)? else { return Ok(None) };
            Ok(Some((r, saps::latest_sap(c, scope, id)?, policies::policies(c, scope, id)?, codes::labels(c)?)))
        })
        .await?;
    let event = SapViewed { recipient: id, cf: &r.codice_fiscale, version: sap.as_ref().map(|s| s.version) };
    ctx.audit_view(who.scope().actor(), &event).await?;
    let sections: Value = sap.as_ref().and_then(|s| serde_json::from_str(&s.sections).ok()).unwrap_or(Value::Null);
    let findings: Vec<Finding> = sap.as_ref().and_then(|s| serde_json::from_str(&s.findings).ok()).unwrap_or_default();
    // Each section as its typed struct; a section stored by an older version reads with defaults.
    fn part<T: serde::de::DeserializeOwned + Default>(sections: &Value, key: &str) -> T {
        sections.get(key).cloned().and_then(|v| serde_json::from_value(v).ok()).unwrap_or_default()
    }
    let (invio, anagrafici, amministrativi): (DatiInvio, DatiAnagrafici, DatiAmministrativi) =
        (part(&sections, "section0"), part(&sections, "section1"), part(&sections, "section2"));
    let (esperienze, curriculari): (Vec<EsperienzaLavoro>, InformazioniCurriculari) =
        (part(&sections, "section4"), part(&sections, "section5"));
    Ok(ctx.page(
        "Scheda Anagrafica Professionale",
        html! {
            nav.breadcrumb aria-label="Percorso" { a href="/cruscotto" { "Cruscotto" } " › " a href={ "/destinatari/" (id) } { (r.cognome) " " (r.nome) } " › SAP" }
            h1 { "SAP di " (r.cognome) " " (r.nome) }
            @match &sap {
                None => { p { "La SAP di questa persona non è ancora stata ricevuta." } }
                Some(stored) => {
                    p.lead { "Versione " (stored.version) ", ricevuta il " (format_it(stored.imported_at)) "." }
                    (crate::web::views::sap::findings(&findings))
                    (crate::web::views::sap::sections(&invio, &anagrafici, &amministrativi, &esperienze, &curriculari, &labels))
                    section.sap-section {
                        h2 { "Sezione VI — Interventi di politiche attive" }
                        (policy_table(id, &policies, &labels))
                    }
                }
            }
        },
    ))
}

pub fn routes() -> Vec<Route> {
    routes![dashboard, without_voucher, detail, sap]
}

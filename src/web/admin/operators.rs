//! Operators and regional staff: list, enable from a written communication, detail with
//! history and certificates, variation, disable, re-enable, technical exemption.

use crate::domain::audit_views::{OperatorViewed, OperatorsListed};
use crate::domain::italian::count;

use maud::{Markup, html};
use rocket::form::FromForm;
use rocket::http::Status;
use rocket::response::Redirect;
use rocket::{Route, get, post, routes};

use crate::domain::communication::CommunicationKind;
use crate::domain::ids::{CommunicationId, OperatorId, ProviderId};
use crate::domain::operator::{DisableReason, OperatorDraft, OperatorState};
use crate::domain::role::Role;
use crate::error::{AppError, FieldError};
use crate::infra::clock::format_it;
use crate::repo::operators::{self, OperatorFilter};
use crate::repo::{communications, providers};
use crate::service;
use crate::web::ctx::Ctx;
use crate::web::forms::{FormToken, error_summary, field_errors, select, text_field, token_field};
use crate::web::guards::{AdminReader, Regione};
use crate::web::views::admin::{Esito, communication_form, communication_options, notice, state_label};
use crate::web::views::pager::{pager, q};

use super::operator_forms::{
    DisableForm, EnableAgainForm, ExemptionForm, FormChoices, VariationForm, disable_form, exemption_form,
    reenable_form, variation_form,
};

fn role_label(code: &str) -> &'static str {
    code.parse::<Role>().map(Role::label).unwrap_or("sconosciuto")
}

#[get("/regione/operatori?<cerca>&<ruolo>&<stato>&<pagina>&<esito>")]
async fn list(
    who: AdminReader,
    ctx: Ctx<'_>,
    token: FormToken,
    cerca: Option<String>,
    ruolo: Option<String>,
    stato: Option<String>,
    pagina: Option<i64>,
    esito: Option<Esito>,
) -> Result<Markup, AppError> {
    let filter = OperatorFilter {
        q: cerca.unwrap_or_default(),
        role: ruolo.filter(|r| r.parse::<Role>().is_ok()).unwrap_or_default(),
        state: stato.filter(|s| OperatorState::from_code(s).is_some()).unwrap_or_default(),
        provider: None,
    };
    let page_no = pagina.unwrap_or(0).max(0);
    let f = filter.clone();
    let (rows, total) = ctx.read(move |c| operators::search(c, &f, page_no)).await?;
    let event = OperatorsListed::Screen { q: &filter.q, role: &filter.role, state: &filter.state, page: page_no };
    ctx.audit_view(who.scope.actor(), &event).await?;
    let base =
        format!("/regione/operatori?cerca={}&ruolo={}&stato={}", q(&filter.q), q(&filter.role), q(&filter.state));
    let roles: Vec<(String, String)> = std::iter::once((String::new(), "tutti".to_owned()))
        .chain(Role::ALL.iter().map(|r| (r.code().to_owned(), r.label().to_owned())))
        .collect();
    let states: Vec<(String, String)> = vec![
        (String::new(), "tutti".into()),
        ("active".into(), "attivo".into()),
        ("disabled".into(), "disabilitato".into()),
        ("idle_deactivated".into(), "disattivato per inattività".into()),
    ];
    Ok(ctx.page(
        "Operatori",
        html! {
            (notice(esito))
            h1 { "Operatori e personale regionale" }
            form.search method="get" action="/regione/operatori" role="search" {
                (text_field("cerca", "Cerca per nome o codice fiscale", &filter.q, &[], "search", false))
                (select("ruolo", "Ruolo", &filter.role, &roles, &[]))
                (select("stato", "Stato", &filter.state, &states, &[]))
                button.button type="submit" { "Cerca" }
            }
            @if who.scope.can_write() {
                p { a.button href="/regione/operatori/nuovo" { "Abilita una persona" } }
                p.hint { "Per il personale regionale, l'atto interno che autorizza l'utenza si registra qui sotto." }
                (communication_form(None, &Default::default(), &[], &token))
            }
            table.data {
                caption { (count(total, "utenza", "utenze")) }
                thead { tr { th scope="col" { "Cognome e nome" } th scope="col" { "Codice fiscale" } th scope="col" { "Profilo" } th scope="col" { "Soggetto" } th scope="col" { "Stato" } th scope="col" { "Ultimo accesso" } } }
                tbody {
                    @for o in &rows {
                        tr {
                            td { a href={ "/regione/operatori/" (o.id) } { (o.surname) " " (o.name) } }
                            td { code { (o.codice_fiscale) } }
                            td { (role_label(&o.role)) @if o.technical_exemption { " " span.badge { "esente" } } }
                            td { (o.provider_name.clone().unwrap_or_default()) }
                            td { (state_label(&o.state)) }
                            td { (o.last_access_at.map(format_it).unwrap_or_else(|| "mai".into())) }
                        }
                    }
                }
            }
            (pager(&base, page_no, total))
        },
    ))
}

#[derive(Debug, Clone, Default, FromForm)]
struct EnableForm {
    provider_id: Option<ProviderId>,
    #[field(default = String::new())]
    codice_fiscale: String,
    #[field(default = String::new())]
    surname: String,
    #[field(default = String::new())]
    name: String,
    #[field(default = String::new())]
    email: String,
    #[field(default = String::new())]
    role: String,
    #[field(default = String::new())]
    role_title: String,
    communication_id: Option<CommunicationId>,
}

struct Choices {
    providers: Vec<(String, String)>,
    communications: Vec<(String, String)>,
}

async fn choices(ctx: &Ctx<'_>, provider: Option<ProviderId>) -> Result<Choices, AppError> {
    ctx.read(move |c| {
        let mut providers_list = vec![(String::new(), "— nessuno (personale regionale) —".to_owned())];
        providers_list.extend(providers::all_names(c)?.into_iter().map(|(id, name)| (id.to_string(), name)));
        let comms = communications::of_provider(c, provider)?;
        let communications =
            communication_options(&comms, &[CommunicationKind::Abilitazione, CommunicationKind::Variazione]);
        Ok(Choices { providers: providers_list, communications })
    })
    .await
}

fn enable_form(f: &EnableForm, ch: &Choices, errors: &[FieldError], token: &FormToken) -> Markup {
    let roles: Vec<(String, String)> = Role::ALL.iter().map(|r| (r.code().to_owned(), r.label().to_owned())).collect();
    let provider = f.provider_id.map(|p| p.to_string()).unwrap_or_default();
    let comm = f.communication_id.map(|c| c.to_string()).unwrap_or_default();
    html! {
        (error_summary(errors))
        form.stack method="post" action="/regione/operatori" novalidate {
            (token_field(token))
            (select("provider_id", "Soggetto accreditato", &provider, &ch.providers, errors))
            (select("communication_id", "Comunicazione scritta di riferimento", &comm, &ch.communications, errors))
            p.hint { "Per scegliere la comunicazione di un altro soggetto, aprire l'abilitazione dalla pagina del soggetto." }
            (text_field("codice_fiscale", "Codice fiscale", &f.codice_fiscale, errors, "text", true))
            (text_field("surname", "Cognome", &f.surname, errors, "text", true))
            (text_field("name", "Nome", &f.name, errors, "text", true))
            (text_field("email", "Email", &f.email, errors, "email", true))
            (select("role", "Profilo", if f.role.is_empty() { "operatore" } else { &f.role }, &roles, errors))
            (text_field("role_title", "Ruolo ricoperto (es. tutor, responsabile sede)", &f.role_title, errors, "text", true))
            button.button type="submit" { "Abilita" }
        }
    }
}

#[get("/regione/operatori/nuovo?<soggetto>")]
async fn new_form(_who: Regione, ctx: Ctx<'_>, soggetto: Option<i64>, token: FormToken) -> Result<Markup, AppError> {
    let soggetto = soggetto.and_then(|v| ProviderId::try_from(v).ok());
    let ch = choices(&ctx, soggetto).await?;
    let f = EnableForm { provider_id: soggetto, ..Default::default() };
    Ok(ctx.page(
        "Abilita una persona",
        html! {
            h1 { "Abilita una persona" }
            p { "Gli operatori dei soggetti accreditati si abilitano solo dalla comunicazione scritta del soggetto, registrata prima nella sua pagina." }
            (enable_form(&f, &ch, &[], &token))
        },
    ))
}

#[post("/regione/operatori", data = "<form>")]
async fn create(
    who: Regione,
    ctx: Ctx<'_>,
    form: crate::web::forms::Checked<EnableForm>,
    token: FormToken,
) -> Result<Result<Redirect, (Status, Markup)>, AppError> {
    let draft = OperatorDraft {
        provider_id: form.provider_id,
        codice_fiscale: form.codice_fiscale.clone(),
        surname: form.surname.clone(),
        name: form.name.clone(),
        email: form.email.clone(),
        role: form.role.clone(),
        role_title: form.role_title.clone(),
        communication_id: form.communication_id,
    };
    let result: Result<(), Vec<FieldError>> = match draft.validate() {
        Err(errors) => Err(errors),
        Ok(valid) => {
            let (now, authority) = (ctx.now, who.scope.authority());
            match ctx.write(move |tx| service::operators::enable(tx, now, &authority, &valid)).await {
                Ok(id) => return Ok(Ok(Redirect::to(format!("/regione/operatori/{id}?esito=abilitato")))),
                Err(e) => Err(field_errors(e)?),
            }
        }
    };
    let errors = result.err().unwrap_or_default();
    let ch = choices(&ctx, form.provider_id).await?;
    let status = if errors.iter().any(|e| e.field == "codice_fiscale" && e.message.contains("riassegnato")) {
        Status::Conflict
    } else {
        Status::UnprocessableEntity
    };
    Ok(Err((
        status,
        ctx.page(
            "Abilita una persona",
            html! {
                h1 { "Abilita una persona" }
                (enable_form(&form, &ch, &errors, &token))
            },
        ),
    )))
}

fn history_label(kind: &str) -> &str {
    match kind {
        "enabled" => "abilitata",
        "variation" => "variazione",
        "disabled" => "disabilitata",
        "reenabled" => "riabilitata",
        "idle_deactivated" => "disattivata per inattività",
        "exemption_granted" => "esenzione concessa",
        "exemption_revoked" => "esenzione revocata",
        "reviewed" => "revisione annuale",
        other => other,
    }
}

#[get("/regione/operatori/<id>?<esito>")]
async fn detail(
    who: AdminReader,
    ctx: Ctx<'_>,
    id: OperatorId,
    esito: Option<Esito>,
    token: FormToken,
) -> Result<Markup, AppError> {
    let (o, history, certs, sedi, assigned, comms) = ctx
        .read(move |c| {
            let o = operators::row(c, id)?.ok_or(AppError::NotFound)?;
            let provider = o.provider_id;
            let sedi = match provider {
                Some(p) => providers::sedi(c, p)?,
                None => Vec::new(),
            };
            Ok((
                o,
                operators::history(c, id)?,
                operators::certificates(c, id)?,
                sedi,
                operators::sede_ids(c, id)?,
                communications::of_provider(c, provider)?,
            ))
        })
        .await?;
    ctx.audit_view(who.scope.actor(), &OperatorViewed { operator: id, via: None }).await?;
    let can_write = who.scope.can_write();
    let active = o.state == OperatorState::Active.code();
    let variation = VariationForm {
        version: o.version,
        email: o.email.clone(),
        role_title: o.role_title.clone(),
        sedi: assigned.iter().map(|s| s.to_string()).collect(),
        communication_id: None,
    };
    let choices = FormChoices { sedi, comms };
    Ok(ctx.page(
        &format!("{} {}", o.surname, o.name),
        html! {
            nav.breadcrumb aria-label="Percorso" { a href="/regione/operatori" { "Operatori" } " › " (o.surname) " " (o.name) }
            (notice(esito))
            h1 { (o.surname) " " (o.name) }
            dl.facts {
                dt { "Codice fiscale" } dd { code { (o.codice_fiscale) } }
                dt { "Profilo" } dd { (role_label(&o.role)) }
                @if let Some(p) = &o.provider_name { dt { "Soggetto accreditato" } dd { a href={ "/regione/soggetti/" (o.provider_id.map_or(0, ProviderId::get)) } { (p) } } }
                dt { "Ruolo ricoperto" } dd { (o.role_title) }
                dt { "Email" } dd { (o.email) }
                dt { "Stato" } dd { strong { (state_label(&o.state)) } }
                dt { "Abilitata il" } dd { (format_it(o.enabled_at)) }
                dt { "Ultimo accesso" } dd { (o.last_access_at.map(format_it).unwrap_or_else(|| "mai".into())) }
                dt { "Ultima revisione annuale" } dd { (o.reviewed_at.map(format_it).unwrap_or_else(|| "mai".into())) }
                @if o.technical_exemption {
                    dt { "Esenzione dalla regola dei sei mesi" } dd { "sì — " (o.exemption_reason) }
                }
            }
            @if can_write {
                @if active {
                    details.add-form {
                        summary { "Variazione (email, ruolo, sedi)" }
                        (variation_form(id, &variation, &choices, &[], &token))
                    }
                    details.danger-zone {
                        summary { "Disabilita l'utenza" }
                        (disable_form(id, &<DisableForm as Default>::default(), &choices, &[], &token))
                    }
                } @else {
                    details.add-form {
                        summary { "Riabilita l'utenza" }
                        (reenable_form(id, &<EnableAgainForm as Default>::default(), &choices, &[], &token))
                    }
                }
                @if o.role == Role::Tecnico.code() {
                    details.add-form {
                        summary { @if o.technical_exemption { "Revoca l'esenzione" } @else { "Concedi l'esenzione dalla regola dei sei mesi" } }
                        (exemption_form(id, &ExemptionForm { on: !o.technical_exemption, reason: String::new() }, &[], &token))
                    }
                }
            }
            h2 { "Storia dell'abilitazione" }
            table.data {
                thead { tr { th scope="col" { "Quando" } th scope="col" { "Che cosa" } th scope="col" { "Motivo" } th scope="col" { "Comunicazione" } th scope="col" { "Chi" } } }
                tbody {
                    @for h in &history {
                        tr {
                            td { (format_it(h.at)) }
                            td { (history_label(&h.kind)) }
                            td { @if let Some(r) = DisableReason::from_code(&h.reason_kind) { (r.label()) ": " } (h.reason) }
                            td { (h.communication.clone().unwrap_or_default()) }
                            td { (h.by) }
                        }
                    }
                }
            }
            h2 { "Certificati usati" }
            table.data {
                thead { tr { th scope="col" { "Titolare (CN)" } th scope="col" { "Emittente" } th scope="col" { "Seriale" } th scope="col" { "Policy del certificato" } th scope="col" { "Validità" } th scope="col" { "Primo / ultimo uso" } } }
                tbody {
                    @for c in &certs {
                        tr {
                            td { code { (c.subject_cn) } }
                            td { (c.issuer) }
                            td { code { (c.serial) } }
                            td {
                                @match c.policies.as_deref() {
                                    None => { "non registrate (uso precedente)" }
                                    Some([]) => { "nessuna" }
                                    Some(p) => {
                                        @for (i, oid) in p.iter().enumerate() {
                                            @if i > 0 { ", " }
                                            code { (oid) }
                                            @if oid == crate::domain::cns::CNS_POLICY { " (CNS)" }
                                        }
                                    }
                                }
                            }
                            td { (format_it(c.not_before)) " – " (format_it(c.not_after)) }
                            td { (format_it(c.first_seen)) " / " (format_it(c.last_seen)) }
                        }
                    }
                }
            }
        },
    ))
}

pub fn routes() -> Vec<Route> {
    routes![list, new_form, create, detail]
}

//! Anomalie (role `regione`): what the anomaly watch found, with its evidence, and the
//! Region's one-click decisions: suspend the operator, suspend the provider, or archive
//! with a note. The reason is prefilled and editable; every decision is audited.

use maud::{Markup, html};
use rocket::form::FromForm;
use rocket::http::Status;
use rocket::response::Redirect;
use rocket::{Route, get, post, routes};

use crate::domain::anomaly::RuleKind;
use crate::domain::audit_views::AnomaliesViewed;
use crate::domain::ids::AnomalyId;
use crate::domain::operator::OperatorState;
use crate::domain::provider::ProviderStatus;
use crate::error::{AppError, FieldError};
use crate::infra::clock::format_it;
use crate::repo::anomalies::{self, AnomalyRow, EvidenceRow};
use crate::service::anomalies::{Decision, decide, default_reason};
use crate::web::ctx::Ctx;
use crate::web::forms::{FormToken, error_summary, field_errors, token_field};
use crate::web::guards::Regione;
use crate::web::views::audit_labels::{action_label, object_label, outcome_label};

/// Evidence rows shown per anomaly (the full list is in the auditor's registro).
const EVIDENCE_SHOWN: usize = 20;

pub fn rule_label(code: &str) -> String {
    RuleKind::from_code(code).map_or_else(|| code.to_owned(), |k| k.label().to_owned())
}

fn state_label(state: &str) -> &str {
    match state {
        "open" => "da esaminare",
        "suspended" => "sospensione disposta",
        "archived" => "archiviata",
        other => other,
    }
}

/// One anomaly; `typed` and `errors` when its decision was refused (the reason typed comes
/// back with the message, the summary on top links to it).
fn card(
    a: &AnomalyRow,
    evidence: &[EvidenceRow],
    token: &FormToken,
    typed: Option<&str>,
    errors: &[FieldError],
) -> Markup {
    // Unique per card on the list; the one card of a refusal page takes the summary's anchor.
    let reason_id = if errors.is_empty() { format!("f-reason-{}", a.id) } else { "f-reason".to_owned() };
    let error = errors.iter().find(|e| e.field == "reason");
    html! {
        article.anomaly id={ "anomalia-" (a.id) } {
            h2 { "N. " (a.id) " — " (rule_label(&a.rule)) }
            p.lead { (a.summary) }
            dl {
                dt { "Chi" } dd { (a.actor_name.clone().unwrap_or_default()) " " code { (a.actor_cf) } @if let Some(s) = &a.actor_state { " (utenza " (OperatorState::from_code(s).map_or_else(|| s.clone(), |x| x.label().to_owned())) ")" } }
                dt { "Soggetto" } dd { (a.provider_name.clone().unwrap_or_else(|| "—".into())) @if let Some(s) = &a.provider_status { " (" (ProviderStatus::from_code(s).map_or_else(|| s.clone(), |x| x.label().to_owned())) ")" } }
                dt { "Periodo" } dd { (format_it(a.first_ts)) " – " (format_it(a.last_ts)) }
                dt { "Stato" } dd { (state_label(&a.state)) @if let Some(auto) = &a.auto_action { " — " (auto) } @if let Some(at) = a.closed_at { ", " (format_it(at)) } @if let Some(by) = &a.closed_by { " da " (by) } @if !a.note.is_empty() { ": " (a.note) } }
                dt { "Prove (righe del registro)" } dd { (a.evidence.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", ")) }
            }
            @if !evidence.is_empty() {
                table.data {
                    thead { tr { th scope="col" { "N." } th scope="col" { "Quando" } th scope="col" { "Azione" } th scope="col" { "Oggetto" } th scope="col" { "Esito" } th scope="col" { "IP" } } }
                    tbody {
                        @for (seq, ts, action, object, outcome, ip) in evidence.iter().take(EVIDENCE_SHOWN) {
                            tr { td { (seq) } td { (format_it(*ts)) } td { (action_label(action)) } td { (object.as_deref().map(object_label).unwrap_or_default()) } td { (outcome_label(outcome)) } td { (ip.clone().unwrap_or_default()) } }
                        }
                    }
                }
            }
            @if a.state == "open" {
                form method="post" action={ "/regione/anomalie/" (a.id) } novalidate {
                    (error_summary(errors))
                    (token_field(token))
                    div.field.has-error[error.is_some()] {
                        label for=(reason_id) { "Motivo (registrato con la decisione)" }
                        textarea id=(reason_id) name="reason" rows="2" required
                            aria-invalid=[error.map(|_| "true")] aria-describedby=[error.map(|_| "f-reason-errore")] {
                            (typed.map_or_else(|| default_reason(&a.rule, a.id, &a.summary), str::to_owned))
                        }
                        @if let Some(e) = error { p.field-error id="f-reason-errore" { (e.message) } }
                    }
                    p.actions {
                        @if a.actor_id.is_some() && a.actor_state.as_deref() == Some("active") {
                            button.button type="submit" name="decisione" value="operatore" { "Sospendi operatore" } " "
                        }
                        @if a.provider_id.is_some() && a.provider_status.as_deref() == Some("active") {
                            button.button type="submit" name="decisione" value="soggetto" { "Sospendi soggetto" } " "
                        }
                        button.button.secondary type="submit" name="decisione" value="archivia" { "Archivia" }
                    }
                }
            }
        }
    }
}

#[get("/regione/anomalie?<tutte>")]
async fn list(who: Regione, ctx: Ctx<'_>, tutte: Option<bool>, token: FormToken) -> Result<Markup, AppError> {
    let all = tutte.unwrap_or(false);
    let items = ctx
        .read(move |c| {
            anomalies::list(c, !all, 200)?
                .into_iter()
                .map(|a| {
                    let ev = anomalies::evidence_rows(c, a.evidence.get(..EVIDENCE_SHOWN).unwrap_or(&a.evidence))?;
                    Ok((a, ev))
                })
                .collect::<Result<Vec<_>, AppError>>()
        })
        .await?;
    ctx.audit_view(who.scope.actor(), &AnomaliesViewed::Screen { all, rows: items.len() }).await?;
    Ok(ctx.page(
        "Anomalie",
        html! {
            h1 { "Anomalie nell'utilizzo" }
            (crate::web::views::audit::crl_banner(&ctx.access.revocation_sources(), ctx.now))
            p { "Le regole di controllo esaminano il registro ogni pochi minuti. Un'anomalia non blocca nessuno, salvo le regole configurate con sospensione automatica: la decisione spetta alla Regione." }
            p { @if all { a href="/regione/anomalie" { "Solo quelle da esaminare" } } @else { a href="/regione/anomalie?tutte=true" { "Mostra anche quelle già trattate" } } }
            @if items.is_empty() { p { "Nessuna anomalia." } }
            @for (a, ev) in &items { (card(a, ev, &token, None, &[])) }
        },
    ))
}

#[derive(Debug, FromForm)]
struct DecisionForm {
    #[field(default = String::new())]
    reason: String,
    decisione: String,
}

/// Decides; refused (no reason, decided meanwhile), the anomaly comes back on its own page
/// with the reason typed and the message (422; 409 when someone else decided first).
#[post("/regione/anomalie/<id>", data = "<form>")]
async fn decide_form(
    who: Regione,
    id: AnomalyId,
    ctx: Ctx<'_>,
    form: crate::web::forms::Checked<DecisionForm>,
    token: FormToken,
) -> Result<Result<Redirect, (Status, Markup)>, AppError> {
    let decision = match form.decisione.as_str() {
        "operatore" => Decision::SuspendOperator,
        "soggetto" => Decision::SuspendProvider,
        "archivia" => Decision::Archive,
        _ => return Err(AppError::NotFound),
    };
    let (now, authority, reason) = (ctx.now, who.scope.authority(), form.reason.clone());
    let e = match ctx.write(move |tx| decide(tx, now, &authority, id, decision, &reason)).await {
        Ok(()) => return Ok(Ok(Redirect::to(format!("/regione/anomalie?tutte=true#anomalia-{id}")))),
        Err(e) => e,
    };
    let status = if matches!(e, AppError::Conflict(_)) { Status::Conflict } else { Status::UnprocessableEntity };
    let errors = field_errors(e)?;
    let a = ctx.read(move |c| anomalies::get(c, id)?.ok_or(AppError::NotFound)).await?;
    // The card names the operator: shown only with its audit row, like the list.
    ctx.audit_view(who.scope.actor(), &AnomaliesViewed::Refused { anomaly: id, refused: true }).await?;
    let body = html! {
        nav.breadcrumb aria-label="Percorso" { a href="/regione/anomalie" { "Anomalie" } " › N. " (id) }
        h1 { "Decisione sull'anomalia N. " (id) }
        (card(&a, &[], &token, Some(&form.reason), &errors))
    };
    Ok(Err((status, ctx.page("Anomalie", body))))
}

pub fn routes() -> Vec<Route> {
    routes![list, decide_form]
}

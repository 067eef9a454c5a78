//! Recording a policy action and its events: the rules of section VI, the identificativo
//! politica, the optimistic version, and the audit row in the same transaction.

use time::Date;

use crate::access::{ProviderScope, RecipientScope};
use crate::domain::audit_changes::{
    ActionCorrected, ActionCreated, ActionEventAdded, ActionOpened, ActionState, ActionText,
};
use crate::domain::audit_event::AuditEvent;
use crate::domain::identificativo::identificativo_politica;
use crate::domain::ids::{ActionId, RecipientId};
use crate::domain::policy_action::{ActionInput, Context, DESCRIZIONE_MAX, Window, check_in_window};
use crate::domain::policy_event::{self, Dates};
use crate::domain::text::{FieldErrors, add_months, iso, optional, parse_date};
use crate::domain::timestamp::Timestamp;
use crate::error::{AppError, FieldError};
use crate::infra::clock::local_date;
use crate::repo::actions::{self, NewAction, NewEvent, VoucherFacts};
use crate::repo::scoped::ScopedVoucher;
use crate::repo::{WriteTx, audit, codes};
use crate::service::identificativo::Issuer;

/// Voucher states in which nothing more is recorded.
const CLOSED: &[&str] = &["ended", "dropped", "lapsed", "outcome"];

/// The programme period: from the programme start (or, until one is recorded, from the
/// provider's choice date) for six months, or to the end of the extension.
pub fn window(v: &VoucherFacts) -> Option<Window> {
    let start = parse_date(v.programme_start.as_deref().unwrap_or(&v.chosen_on))?;
    let end = v
        .extended_until
        .as_deref()
        .or(v.programme_end.as_deref())
        .and_then(parse_date)
        .unwrap_or_else(|| add_months(start, 6));
    Some(Window { start, end })
}

fn field(field: &str, message: impl Into<String>) -> AppError {
    AppError::Invalid(vec![FieldError { field: field.into(), message: message.into() }])
}

/// The voucher an action goes under: the recipient's latest (a new action) or the action's own.
enum Under {
    Latest(RecipientId),
    Voucher(ScopedVoucher),
}

fn open_voucher(tx: &WriteTx<'_>, scope: &RecipientScope, under: Under) -> Result<(VoucherFacts, Window), AppError> {
    let new_action = matches!(under, Under::Latest(_));
    let facts = match under {
        Under::Latest(recipient) => actions::voucher(tx.conn(), scope, recipient)?,
        Under::Voucher(voucher) => actions::voucher_facts(tx.conn(), &voucher)?,
    }
    .ok_or(AppError::NotFound)?;
    // A closed voucher takes no new actions; its open actions can still be closed (a person
    // hired mid-course leaves a tirocinio to end with 05 or 14).
    if new_action && CLOSED.contains(&facts.state.as_str()) {
        return Err(field("tipo_attivita", "l'assegno è chiuso: non si registrano nuove azioni"));
    }
    let window = window(&facts).ok_or_else(|| AppError::unexpected("voucher without a readable date"))?;
    Ok((facts, window))
}

/// What was recorded.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Recorded {
    pub id: ActionId,
    pub identificativo_politica: String,
    pub version: i64,
}

/// Records a new action for `recipient` under the provider's voucher.
pub fn record(
    tx: &WriteTx<'_>,
    now: Timestamp,
    scope: &ProviderScope,
    issuer: &Issuer,
    recipient: RecipientId,
    input: &ActionInput,
) -> Result<Recorded, AppError> {
    let recipient_scope = RecipientScope::Provider(scope.clone());
    let (facts, window) = open_voucher(tx, &recipient_scope, Under::Latest(recipient))?;
    // IDOL knows the provider by this code; it is also part of the identificativo's check letter.
    if facts.ente.chars().count() != 11 {
        return Err(field(
            "tipo_attivita",
            "il soggetto accreditato non ha ancora un codice ente promotore di 11 caratteri: la Regione deve indicarlo nella scheda del soggetto",
        ));
    }
    let operators: Vec<String> =
        actions::operator_cfs(tx.conn(), facts.provider_id)?.into_iter().map(|(cf, _)| cf).collect();
    let labels = codes::labels(tx.conn())?;
    // Validation asks only whether the given project is listed: one lookup, not a walk of
    // every code of every list (thousands of comuni and ATECO codes).
    let given = input.titolo_progetto.trim();
    let projects: Vec<String> =
        if labels.contains("titolo_progetto", given) { vec![given.to_owned()] } else { Vec::new() };
    let ctx = Context { window, today: local_date(now), operators: &operators, projects: &projects };
    let mut a = input.validate(&ctx).map_err(AppError::Invalid)?;
    // The schema requires a description and a project for every entry: an action recorded
    // without them gets its activity type's national description and this programme's
    // project, stored as they will be sent.
    if a.descrizione.is_empty() {
        a.descrizione = labels.label("tipo_attivita", a.tipo.code()).chars().take(DESCRIZIONE_MAX).collect();
    }
    if a.titolo_progetto.is_empty() {
        a.titolo_progetto = issuer.project.clone();
    }
    // The person's profiling coefficient and presa in carico, from their latest SAP.
    let from_sap = crate::repo::saps::latest_sap_facts(tx.conn(), recipient)?;

    let sequence = issuer.next(tx)?;
    let data_proposta = iso(a.data_proposta);
    let identificativo =
        identificativo_politica(&issuer.system_code, sequence, &facts.ente, a.tipo.code(), &data_proposta);
    let dettagli = a.dettagli.to_string();
    let (inizio, fine, data_evento) = (a.data_inizio.map(iso), a.data_fine.map(iso), iso(a.data_evento));
    let actor = scope.actor();
    let action = actions::insert(
        tx,
        &NewAction {
            voucher: &facts.voucher,
            provider: facts.provider_id,
            tipo: a.tipo.code(),
            titolo_denominazione: &a.titolo_denominazione,
            data_proposta: &data_proposta,
            data_inizio: inizio.as_deref(),
            data_fine: fine.as_deref(),
            durata: a.durata,
            tipologia_durata: a.tipologia_durata.as_deref(),
            descrizione: &a.descrizione,
            titolo_progetto: &a.titolo_progetto,
            ente: &facts.ente,
            identificativo: &identificativo,
            indice_profiling: &from_sap.indice_profiling,
            presa_in_carico: &from_sap.presa_in_carico,
            descrizione_evento: &labels.label("evento", a.evento),
            evento: a.evento,
            data_evento: &data_evento,
            dettagli: &dettagli,
            created_by: actor.id,
            now,
        },
    )?;
    actions::insert_event(
        tx,
        &NewEvent {
            action: &action,
            evento: a.evento,
            data_evento: &data_evento,
            note: "",
            at: now,
            by_operator: actor.id,
            by_label: &actor.cf,
        },
    )?;
    let id = action.id();
    let created = ActionCreated {
        recipient,
        action: id,
        identificativo_politica: &identificativo,
        tipo_attivita: a.tipo.code(),
        voucher: &facts.voucher_code,
        cf: &facts.recipient_cf,
        after: ActionOpened {
            evento: a.evento,
            data_evento: &data_evento,
            data_proposta: &data_proposta,
            data_inizio: inizio.as_deref(),
            data_fine: fine.as_deref(),
            dettagli: &a.dettagli,
        },
    };
    audit::append(tx, now, actor, &AuditEvent::of_change(&created).map_err(AppError::internal)?)?;
    Ok(Recorded { id, identificativo_politica: identificativo, version: 1 })
}

/// An event typed by a person or sent to the API.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct EventInput {
    pub evento: String,
    pub data_evento: String,
    pub nota: String,
    /// The action's version the person was looking at (screens always send it).
    pub version: Option<i64>,
}

/// Records the next event of an action; refused if the action changed since `version`.
pub fn add_event(
    tx: &WriteTx<'_>,
    now: Timestamp,
    scope: &ProviderScope,
    action_id: ActionId,
    input: &EventInput,
) -> Result<i64, AppError> {
    let recipient_scope = RecipientScope::Provider(scope.clone());
    let action = actions::get(tx.conn(), &recipient_scope, action_id)?.ok_or(AppError::NotFound)?;
    let (facts, window) = open_voucher(tx, &recipient_scope, Under::Voucher(action.scoped.voucher()))?;

    let mut e = FieldErrors::default();
    // Screens always send the version they showed; an API client may leave it out.
    let version = input.version.unwrap_or(action.version);
    if version != action.version {
        return Err(crate::repo::providers::stale());
    }
    let evento = input.evento.trim();
    if policy_event::event(evento).is_none() {
        e.add("evento", "evento sconosciuto: indicare un codice da 01 a 15");
    } else if !policy_event::may_follow(&action.evento, evento) {
        let message = if policy_event::is_closed(&action.evento) {
            format!("l'azione è chiusa (ultimo evento {}): non si registrano altri eventi", action.evento)
        } else {
            format!("dopo l'evento {} non può seguire l'evento {evento}", action.evento)
        };
        e.add("evento", message);
    }
    let note = optional(&mut e, "nota", &input.nota, 1000);
    let on = match parse_date(&input.data_evento) {
        Some(d) => {
            check_in_window(&mut e, "data_evento", d, window, Some(local_date(now)));
            Some(d)
        }
        None => {
            e.add("data_evento", "data non valida: usare gg/mm/aaaa");
            None
        }
    };
    let dates = current_dates(&action.data_proposta, &action.data_inizio, &action.data_fine)?;
    let after = match (e.is_empty(), on) {
        (true, Some(on)) => Some(policy_event::apply(evento, on, dates).map_err(|m| field("data_evento", m))?),
        _ => None,
    };
    let (Some(after), Some(on)) = (after, on) else { return Err(AppError::Invalid(e.into_vec())) };

    let (inizio, fine, data_evento) = (after.inizio.map(iso), after.fine.map(iso), iso(on));
    let applied = actions::apply_event(
        tx,
        &action.scoped,
        version,
        evento,
        &data_evento,
        inizio.as_deref(),
        fine.as_deref(),
        now,
    )?;
    if !applied {
        return Err(crate::repo::providers::stale());
    }
    let actor = scope.actor();
    actions::insert_event(
        tx,
        &NewEvent {
            action: &action.scoped,
            evento,
            data_evento: &data_evento,
            note: &note,
            at: now,
            by_operator: actor.id,
            by_label: &actor.cf,
        },
    )?;
    let added = ActionEventAdded {
        recipient: action.recipient,
        action: action.id,
        identificativo_politica: &action.identificativo_politica,
        voucher: &facts.voucher_code,
        cf: &facts.recipient_cf,
        before: ActionState {
            evento: &action.evento,
            data_evento: &action.data_evento,
            data_inizio: action.data_inizio.as_deref(),
            data_fine: action.data_fine.as_deref(),
            nota: None,
        },
        after: ActionState {
            evento,
            data_evento: &data_evento,
            data_inizio: inizio.as_deref(),
            data_fine: fine.as_deref(),
            nota: Some(&note),
        },
    };
    audit::append(tx, now, actor, &AuditEvent::of_change(&added).map_err(AppError::internal)?)?;
    Ok(version + 1)
}

fn current_dates(proposta: &str, inizio: &Option<String>, fine: &Option<String>) -> Result<Dates, AppError> {
    let read = |s: &str| -> Result<Date, AppError> {
        parse_date(s).ok_or_else(|| AppError::unexpected(format!("unreadable stored date {s:?}")))
    };
    Ok(Dates {
        proposta: read(proposta)?,
        inizio: inizio.as_deref().map(read).transpose()?,
        fine: fine.as_deref().map(read).transpose()?,
    })
}

/// Whether an action's stored text breaks the national schema's limits (recorded before the
/// forms enforced them): it cannot go to IDOL until its provider corrects it.
pub fn out_of_limits(titolo: &str, descrizione: &str) -> bool {
    titolo.chars().count() > crate::domain::policy_action::TITOLO_MAX || descrizione.chars().count() > DESCRIZIONE_MAX
}

/// A correction of an action's title and description, as typed.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(default)]
pub struct CorrectionInput {
    pub titolo_denominazione: String,
    pub descrizione: String,
    pub version: Option<i64>,
}

/// Corrects the title and description of an action within the schema's limits (nothing is cut:
/// the person rewrites them); the action goes to IDOL again with the next export.
pub fn correct(
    tx: &WriteTx<'_>,
    now: Timestamp,
    scope: &ProviderScope,
    action_id: ActionId,
    input: &CorrectionInput,
) -> Result<i64, AppError> {
    let recipient_scope = RecipientScope::Provider(scope.clone());
    let action = actions::get(tx.conn(), &recipient_scope, action_id)?.ok_or(AppError::NotFound)?;
    let version = input.version.unwrap_or(action.version);
    if version != action.version {
        return Err(crate::repo::providers::stale());
    }
    let mut e = FieldErrors::default();
    let tipo = action.tipo_attivita.as_str();
    let titolo = if tipo.starts_with('C') {
        crate::domain::text::required(
            &mut e,
            "titolo_denominazione",
            &input.titolo_denominazione,
            crate::domain::policy_action::TITOLO_MAX,
        )
    } else {
        optional(&mut e, "titolo_denominazione", &input.titolo_denominazione, crate::domain::policy_action::TITOLO_MAX)
    };
    let mut descrizione = if tipo == "C06" {
        crate::domain::text::required(&mut e, "descrizione", &input.descrizione, DESCRIZIONE_MAX)
    } else {
        optional(&mut e, "descrizione", &input.descrizione, DESCRIZIONE_MAX)
    };
    if !e.is_empty() {
        return Err(AppError::Invalid(e.into_vec()));
    }
    if descrizione.is_empty() {
        descrizione = codes::labels(tx.conn())?.label("tipo_attivita", tipo).chars().take(DESCRIZIONE_MAX).collect();
    }
    if !actions::correct_text(tx, &action.scoped, version, &titolo, &descrizione, now)? {
        return Err(crate::repo::providers::stale());
    }
    let corrected = ActionCorrected {
        recipient: action.recipient,
        action: action.id,
        identificativo_politica: &action.identificativo_politica,
        before: ActionText { titolo_denominazione: &action.titolo_denominazione, descrizione: &action.descrizione },
        after: ActionText { titolo_denominazione: &titolo, descrizione: &descrizione },
    };
    audit::append(tx, now, scope.actor(), &AuditEvent::of_change(&corrected).map_err(AppError::internal)?)?;
    Ok(version + 1)
}

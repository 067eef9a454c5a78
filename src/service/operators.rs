//! The credential lifecycle: enabling from a written communication, variations, disabling,
//! re-enabling, the technical exemption, the annual review and the six-month rule.

use serde_json::json;

use crate::access::AdminAuthority;
use crate::domain::audit_changes::{OperatorChanged, OperatorFacts, OperatorRecord, OperatorStep};
use crate::domain::audit_event::{Actor, AuditEvent};
use crate::domain::communication::CommunicationKind;
use crate::domain::ids::{CommunicationId, OperatorId, ProviderId, SedeId};
use crate::domain::inactivity::InactivityRule;
use crate::domain::operator::{DisableReason, OperatorState, ValidOperator};
use crate::domain::role::Role;
use crate::domain::text::{FieldErrors, email, required};
use crate::domain::timestamp::Timestamp;
use crate::error::{AppError, FieldError};
use crate::repo::operators::{self, NewOperator, OperatorEvent, OperatorRow};
use crate::repo::{WriteTx, audit, communications, providers};

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::Invalid(vec![FieldError { field: field.into(), message: message.into() }])
}

fn existing(tx: &WriteTx<'_>, id: OperatorId) -> Result<OperatorRow, AppError> {
    operators::row(tx.conn(), id)?.ok_or(AppError::NotFound)
}

/// The operator's record; `sedi` where they can change (a variation).
fn snapshot<'a>(o: &'a OperatorRow, sedi: Option<&'a [SedeId]>) -> OperatorFacts<'a> {
    OperatorFacts::Record(OperatorRecord {
        codice_fiscale: &o.codice_fiscale,
        surname: &o.surname,
        name: &o.name,
        email: &o.email,
        role: &o.role,
        provider_id: o.provider_id,
        role_title: &o.role_title,
        state: &o.state,
        technical_exemption: o.technical_exemption,
        sedi,
    })
}

/// The communication a change rests on must exist, belong to the operator's provider (or be
/// an internal act for regional staff) and be of an allowed kind.
fn check_communication(
    tx: &WriteTx<'_>,
    id: Option<CommunicationId>,
    provider: Option<ProviderId>,
    kinds: &[CommunicationKind],
    required: bool,
) -> Result<(), AppError> {
    let Some(id) = id else {
        return if required {
            Err(invalid("communication_id", "indicare la comunicazione scritta del soggetto accreditato"))
        } else {
            Ok(())
        };
    };
    let c =
        communications::get(tx.conn(), id)?.ok_or_else(|| invalid("communication_id", "comunicazione inesistente"))?;
    if c.provider != provider {
        return Err(invalid("communication_id", "la comunicazione non è di questo soggetto accreditato"));
    }
    if !kinds.contains(&c.kind) {
        let names: Vec<&str> = kinds.iter().map(|k| k.label()).collect();
        return Err(invalid("communication_id", format!("serve una comunicazione di tipo: {}", names.join(", "))));
    }
    Ok(())
}

/// One operator change: history line for people (`kind`), audit row for auditors.
fn record(
    tx: &WriteTx<'_>,
    now: Timestamp,
    actor: &Actor,
    by_label: &str,
    kind: &str,
    change: &OperatorChanged<'_>,
) -> Result<(), AppError> {
    let (before, after) = (
        serde_json::to_value(&change.before).map_err(AppError::internal)?,
        serde_json::to_value(&change.after).map_err(AppError::internal)?,
    );
    operators::add_event(
        tx,
        &OperatorEvent {
            operator: change.operator,
            at: now,
            kind,
            reason_kind: change.reason_kind,
            reason: change.reason,
            communication: change.communication_id.map(CommunicationId::get),
            by_operator: actor.id.map(OperatorId::get),
            by_label,
            before: &before,
            after: &after,
        },
    )?;
    audit::append(tx, now, actor, &AuditEvent::of_change(change).map_err(AppError::internal)?)?;
    Ok(())
}

/// Enables a person. A codice fiscale already used, by anyone in any state, is refused (409).
pub fn enable(
    tx: &WriteTx<'_>,
    now: Timestamp,
    who: &AdminAuthority,
    o: &ValidOperator,
) -> Result<OperatorId, AppError> {
    if let Some(p) = o.provider
        && !providers::exists(tx.conn(), p)?
    {
        return Err(invalid("provider_id", "soggetto accreditato inesistente"));
    }
    check_communication(
        tx,
        o.communication,
        o.provider,
        &[CommunicationKind::Abilitazione, CommunicationKind::Variazione],
        o.role == Role::Operatore && who.needs_communication(),
    )?;
    let id = operators::insert(
        tx,
        now,
        &NewOperator {
            codice_fiscale: &o.codice_fiscale,
            surname: &o.surname,
            name: &o.name,
            email: &o.email,
            role: o.role,
            provider: o.provider,
            role_title: &o.role_title,
            technical_exemption: false,
        },
    )?;
    let row = existing(tx, id)?;
    let change = OperatorChanged {
        operator: id,
        step: OperatorStep::Create,
        before: OperatorFacts::Nothing {},
        after: snapshot(&row, None),
        reason_kind: "",
        reason: "",
        communication_id: o.communication,
    };
    record(tx, now, who.actor(), who.label(), "enabled", &change)?;
    Ok(id)
}

/// A variation: email, role title and sedi. A change of provider is a revocation plus a new
/// enabling, never an edit.
pub struct Variation<'a> {
    pub version: i64,
    pub email: &'a str,
    pub role_title: &'a str,
    pub sedi: Option<&'a [SedeId]>,
    pub communication: Option<CommunicationId>,
}

pub fn vary(
    tx: &WriteTx<'_>,
    now: Timestamp,
    who: &AdminAuthority,
    id: OperatorId,
    v: &Variation<'_>,
) -> Result<(), AppError> {
    let mut e = FieldErrors::default();
    let mail = email(&mut e, "email", v.email, true);
    // The "ruolo ricoperto" is part of the written list: a variation changes it, never clears it.
    let title = required(&mut e, "role_title", v.role_title, 100);
    if !e.is_empty() {
        return Err(AppError::Invalid(e.into_vec()));
    }
    let before_row = existing(tx, id)?;
    let provider = before_row.provider_id;
    check_communication(
        tx,
        v.communication,
        provider,
        &[CommunicationKind::Variazione, CommunicationKind::Abilitazione],
        false,
    )?;
    let assigned = operators::sede_ids(tx.conn(), id)?;
    if let Some(sedi) = v.sedi {
        for s in sedi {
            let sede = providers::sede(tx.conn(), *s)?.ok_or_else(|| invalid("sedi", "sede inesistente"))?;
            if Some(sede.provider) != provider {
                return Err(invalid("sedi", "la sede non è di questo soggetto accreditato"));
            }
            // A closed sede leaves new choices; an existing assignment may stay in the history.
            if sede.closed && !assigned.contains(s) {
                return Err(invalid("sedi", "la sede è chiusa e non può essere assegnata"));
            }
        }
    }
    operators::update_contact(tx, id, v.version, &mail, &title)?;
    if let Some(sedi) = v.sedi {
        operators::set_sedi(tx, id, sedi)?;
    }
    let (after_row, after_sedi) = (existing(tx, id)?, operators::sede_ids(tx.conn(), id)?);
    let change = OperatorChanged {
        operator: id,
        step: OperatorStep::Update,
        before: snapshot(&before_row, Some(&assigned)),
        after: snapshot(&after_row, Some(&after_sedi)),
        reason_kind: "",
        reason: "",
        communication_id: v.communication,
    };
    record(tx, now, who.actor(), who.label(), "variation", &change)
}

fn reason_text(reason: &str) -> Result<String, AppError> {
    let r = reason.trim();
    if r.is_empty() {
        return Err(invalid("reason", "indicare il motivo"));
    }
    if r.chars().count() > 1000 {
        return Err(invalid("reason", "al massimo 1000 caratteri"));
    }
    Ok(r.to_owned())
}

pub fn disable(
    tx: &WriteTx<'_>,
    now: Timestamp,
    who: &AdminAuthority,
    id: OperatorId,
    kind: Option<DisableReason>,
    reason: &str,
    communication: Option<CommunicationId>,
) -> Result<(), AppError> {
    let kind = kind.ok_or_else(|| {
        invalid("kind", "scegliere il motivo: anomalia, referenti non raggiungibili, perdita del ruolo, altro")
    })?;
    let reason = reason_text(reason)?;
    let row = existing(tx, id)?;
    if row.state != OperatorState::Active.code() {
        return Err(AppError::Conflict(FieldError { field: "state".into(), message: "l'utenza non è attiva".into() }));
    }
    if row.role == Role::Regione.code() && operators::count_active_with_role(tx.conn(), Role::Regione)? <= 1 {
        return Err(AppError::Conflict(FieldError {
            field: "state".into(),
            message: "è l'ultima utenza regionale attiva: abilitarne un'altra prima di disattivarla".into(),
        }));
    }
    let provider = row.provider_id;
    check_communication(
        tx,
        communication,
        provider,
        &[CommunicationKind::Revoca, CommunicationKind::Variazione],
        false,
    )?;
    operators::set_state(tx, id, OperatorState::Disabled, None)?;
    let change = OperatorChanged {
        operator: id,
        step: OperatorStep::Disable,
        before: OperatorFacts::State { state: &row.state },
        after: OperatorFacts::State { state: OperatorState::Disabled.code() },
        reason_kind: kind.code(),
        reason: &reason,
        communication_id: communication,
    };
    record(tx, now, who.actor(), who.label(), "disabled", &change)
}

/// Re-enables a disabled or idle-deactivated operator; for provider operators it rests on a
/// written communication of the provider.
pub fn reenable(
    tx: &WriteTx<'_>,
    now: Timestamp,
    who: &AdminAuthority,
    id: OperatorId,
    reason: &str,
    communication: Option<CommunicationId>,
) -> Result<(), AppError> {
    let reason = reason_text(reason)?;
    let row = existing(tx, id)?;
    if row.state == OperatorState::Active.code() {
        return Err(AppError::Conflict(FieldError {
            field: "state".into(), message: "l'utenza è già attiva".into()
        }));
    }
    let provider = row.provider_id;
    check_communication(
        tx,
        communication,
        provider,
        &[CommunicationKind::Abilitazione, CommunicationKind::Variazione],
        row.role == Role::Operatore.code() && who.needs_communication(),
    )?;
    operators::set_state(tx, id, OperatorState::Active, Some(now))?;
    let change = OperatorChanged {
        operator: id,
        step: OperatorStep::Enable,
        before: OperatorFacts::State { state: &row.state },
        after: OperatorFacts::State { state: OperatorState::Active.code() },
        reason_kind: "",
        reason: &reason,
        communication_id: communication,
    };
    record(tx, now, who.actor(), who.label(), "reenabled", &change)
}

/// Grants or revokes the exemption from the six-month rule; only for `tecnico` accounts
/// (Allegato B p.7: authorised beforehand, only for technical management).
pub fn set_exemption(
    tx: &WriteTx<'_>,
    now: Timestamp,
    who: &AdminAuthority,
    id: OperatorId,
    on: bool,
    reason: &str,
) -> Result<(), AppError> {
    let reason = reason_text(reason)?;
    let row = existing(tx, id)?;
    if row.role != Role::Tecnico.code() {
        return Err(invalid("technical_exemption", "l'esenzione è ammessa solo per le utenze tecniche"));
    }
    operators::set_exemption(tx, id, on, if on { &reason } else { "" })?;
    let change = OperatorChanged {
        operator: id,
        step: OperatorStep::Exemption,
        before: OperatorFacts::Exemption { technical_exemption: row.technical_exemption },
        after: OperatorFacts::Exemption { technical_exemption: on },
        reason_kind: "",
        reason: &reason,
        communication_id: None,
    };
    let kind = if on { "exemption_granted" } else { "exemption_revoked" };
    record(tx, now, who.actor(), who.label(), kind, &change)
}

/// The annual review (Allegato B p.14) of one authorisation.
pub fn mark_reviewed(tx: &WriteTx<'_>, now: Timestamp, who: &AdminAuthority, id: OperatorId) -> Result<(), AppError> {
    let row = existing(tx, id)?;
    operators::mark_reviewed(tx, id, now)?;
    let change = OperatorChanged {
        operator: id,
        step: OperatorStep::Review,
        before: OperatorFacts::Review { reviewed_at: row.reviewed_at },
        after: OperatorFacts::Review { reviewed_at: Some(now) },
        reason_kind: "",
        reason: "",
        communication_id: None,
    };
    record(tx, now, who.actor(), who.label(), "reviewed", &change)
}

/// The six-month rule for one operator, re-checked under the write lock. Returns whether it
/// switched the operator off.
pub fn deactivate_if_idle(
    tx: &WriteTx<'_>,
    now: Timestamp,
    id: OperatorId,
    rule: InactivityRule,
) -> Result<bool, AppError> {
    let limit = rule.idle_before(now);
    let Some(row) = operators::row(tx.conn(), id)? else {
        return Ok(false);
    };
    if !operators::deactivate_if_idle(tx, id, limit)? {
        return Ok(false);
    }
    let idle_since = row.last_access_at.unwrap_or(row.enabled_at).max(row.enabled_at);
    operators::add_event(
        tx,
        &OperatorEvent {
            operator: id,
            at: now,
            kind: "idle_deactivated",
            reason_kind: "",
            reason: "non utilizzata da oltre il limite di inattività (Allegato B, punto 7)",
            communication: None,
            by_operator: None,
            by_label: "sistema",
            before: &json!({ "state": "active" }),
            after: &json!({ "state": "idle_deactivated" }),
        },
    )?;
    let event = AuditEvent::OperatorIdleDeactivated {
        operator: id,
        idle_since_ms: idle_since.as_ms(),
        inactivity_months: rule.get(),
    };
    audit::append(tx, now, &Actor::system(), &event)?;
    Ok(true)
}

/// The daily job: every idle operator, each with its own history line and audit row.
pub fn deactivate_all_idle(
    tx: &WriteTx<'_>,
    now: Timestamp,
    rule: InactivityRule,
) -> Result<Vec<OperatorId>, AppError> {
    let limit = rule.idle_before(now);
    let mut done = Vec::new();
    for id in operators::idle_ids(tx.conn(), limit)? {
        if deactivate_if_idle(tx, now, id, rule)? {
            done.push(id);
        }
    }
    Ok(done)
}

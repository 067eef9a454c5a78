//! The credential lifecycle: enabling from a written communication, variations, disabling,
//! re-enabling, the technical exemption, the annual review and the six-month rule.

use serde_json::{Value, json};

use crate::access::AdminAuthority;
use crate::domain::audit_event::{Actor, AuditEvent, Change};
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

fn snapshot(o: &OperatorRow) -> Value {
    json!({
        "codice_fiscale": o.codice_fiscale, "surname": o.surname, "name": o.name, "email": o.email,
        "role": o.role, "provider_id": o.provider_id, "role_title": o.role_title, "state": o.state,
        "technical_exemption": o.technical_exemption,
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

struct Step<'a> {
    kind: &'a str,
    change: Change,
    reason_kind: &'a str,
    reason: &'a str,
    communication: Option<CommunicationId>,
    before: Value,
    after: Value,
}

fn record(
    tx: &WriteTx<'_>,
    now: Timestamp,
    actor: &Actor,
    by_label: &str,
    id: OperatorId,
    s: &Step<'_>,
) -> Result<(), AppError> {
    operators::add_event(
        tx,
        &OperatorEvent {
            operator: id,
            at: now,
            kind: s.kind,
            reason_kind: s.reason_kind,
            reason: s.reason,
            communication: s.communication.map(CommunicationId::get),
            by_operator: actor.id.map(OperatorId::get),
            by_label,
            before: &s.before,
            after: &s.after,
        },
    )?;
    let detail = json!({
        "before": s.before, "after": s.after, "reason_kind": s.reason_kind, "reason": s.reason,
        "communication_id": s.communication,
    });
    audit::append(tx, now, actor, &AuditEvent::Change { change: s.change, object: format!("operator:{id}"), detail })?;
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
    let after = snapshot(&existing(tx, id)?);
    let step = Step {
        kind: "enabled",
        change: Change::OperatorCreate,
        reason_kind: "",
        reason: "",
        communication: o.communication,
        before: json!({}),
        after,
    };
    record(tx, now, who.actor(), who.label(), id, &step)?;
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
            if sede.closed && !assigned.contains(&s.get()) {
                return Err(invalid("sedi", "la sede è chiusa e non può essere assegnata"));
            }
        }
    }
    let before = with_sedi(snapshot(&before_row), operators::sede_ids(tx.conn(), id)?);
    operators::update_contact(tx, id, v.version, &mail, &title)?;
    if let Some(sedi) = v.sedi {
        operators::set_sedi(tx, id, sedi)?;
    }
    let after = with_sedi(snapshot(&existing(tx, id)?), operators::sede_ids(tx.conn(), id)?);
    let step = Step {
        kind: "variation",
        change: Change::OperatorUpdate,
        reason_kind: "",
        reason: "",
        communication: v.communication,
        before,
        after,
    };
    record(tx, now, who.actor(), who.label(), id, &step)
}

fn with_sedi(mut snapshot: Value, sedi: Vec<i64>) -> Value {
    if let Some(map) = snapshot.as_object_mut() {
        map.insert("sedi".into(), json!(sedi));
    }
    snapshot
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
    let step = Step {
        kind: "disabled",
        change: Change::OperatorDisable,
        reason_kind: kind.code(),
        reason: &reason,
        communication,
        before: json!({ "state": row.state }),
        after: json!({ "state": OperatorState::Disabled.code() }),
    };
    record(tx, now, who.actor(), who.label(), id, &step)
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
    let step = Step {
        kind: "reenabled",
        change: Change::OperatorEnable,
        reason_kind: "",
        reason: &reason,
        communication,
        before: json!({ "state": row.state }),
        after: json!({ "state": OperatorState::Active.code() }),
    };
    record(tx, now, who.actor(), who.label(), id, &step)
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
    let step = Step {
        kind: if on { "exemption_granted" } else { "exemption_revoked" },
        change: Change::OperatorExemption,
        reason_kind: "",
        reason: &reason,
        communication: None,
        before: json!({ "technical_exemption": row.technical_exemption }),
        after: json!({ "technical_exemption": on }),
    };
    record(tx, now, who.actor(), who.label(), id, &step)
}

/// The annual review (Allegato B p.14) of one authorisation.
pub fn mark_reviewed(tx: &WriteTx<'_>, now: Timestamp, who: &AdminAuthority, id: OperatorId) -> Result<(), AppError> {
    let row = existing(tx, id)?;
    operators::mark_reviewed(tx, id, now)?;
    let step = Step {
        kind: "reviewed",
        change: Change::OperatorReview,
        reason_kind: "",
        reason: "",
        communication: None,
        before: json!({ "reviewed_at": row.reviewed_at }),
        after: json!({ "reviewed_at": now }),
    };
    record(tx, now, who.actor(), who.label(), id, &step)
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

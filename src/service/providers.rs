//! Creating, changing, suspending and reactivating providers, and their sedi.

use serde_json::{Value, json};

use crate::access::AdminAuthority;
use crate::domain::audit_event::{AuditEvent, Change};
use crate::domain::ids::{ProviderId, SedeId};
use crate::domain::provider::{Provider, ProviderStatus, ValidProvider};
use crate::domain::sede::ValidSede;
use crate::domain::timestamp::Timestamp;
use crate::error::{AppError, FieldError};
use crate::repo::providers::{self, ProviderEvent};
use crate::repo::{WriteTx, audit};

fn snapshot(p: &Provider) -> Value {
    json!({
        "name": p.name, "codice_fiscale": p.codice_fiscale, "accreditation_code": p.accreditation_code,
        "pec": p.pec, "registered_office": p.registered_office, "contact_person": p.contact_person,
        "status": p.status.code(),
    })
}

/// One provider change: history line for people, audit row for auditors.
struct Step<'a> {
    change: Change,
    kind: &'a str,
    reason: &'a str,
    before: Value,
    after: Value,
}

fn record(
    tx: &WriteTx<'_>,
    now: Timestamp,
    who: &AdminAuthority,
    id: ProviderId,
    s: &Step<'_>,
) -> Result<(), AppError> {
    providers::add_event(
        tx,
        &ProviderEvent {
            provider: id,
            at: now,
            kind: s.kind,
            reason: s.reason,
            by_operator: who.operator_id(),
            by_label: who.label(),
            before: &s.before,
            after: &s.after,
        },
    )?;
    let detail = json!({ "before": s.before, "after": s.after, "reason": s.reason });
    let event = AuditEvent::Change { change: s.change, object: format!("provider:{id}"), detail };
    audit::append(tx, now, who.actor(), &event)?;
    Ok(())
}

fn existing(tx: &WriteTx<'_>, id: ProviderId) -> Result<Provider, AppError> {
    providers::get(tx.conn(), id)?.ok_or(AppError::NotFound)
}

pub fn create(
    tx: &WriteTx<'_>,
    now: Timestamp,
    who: &AdminAuthority,
    p: &ValidProvider,
) -> Result<ProviderId, AppError> {
    let id = providers::insert(tx, now, p)?;
    let after = snapshot(&existing(tx, id)?);
    let step = Step { change: Change::ProviderCreate, kind: "created", reason: "", before: json!({}), after };
    record(tx, now, who, id, &step)?;
    Ok(id)
}

pub fn update(
    tx: &WriteTx<'_>,
    now: Timestamp,
    who: &AdminAuthority,
    id: ProviderId,
    version: i64,
    p: &ValidProvider,
) -> Result<(), AppError> {
    let before = snapshot(&existing(tx, id)?);
    providers::update(tx, id, version, p)?;
    let after = snapshot(&existing(tx, id)?);
    record(tx, now, who, id, &Step { change: Change::ProviderUpdate, kind: "updated", reason: "", before, after })
}

fn reason_required(reason: &str) -> Result<String, AppError> {
    let r = reason.trim();
    if r.is_empty() || r.chars().count() > 1000 {
        return Err(AppError::Invalid(vec![FieldError {
            field: "reason".into(),
            message: "indicare il motivo (al massimo 1000 caratteri)".into(),
        }]));
    }
    Ok(r.to_owned())
}

/// Suspends (all its operators lose access at once, their own state untouched) or
/// reactivates a provider.
pub fn set_suspended(
    tx: &WriteTx<'_>,
    now: Timestamp,
    who: &AdminAuthority,
    id: ProviderId,
    suspend: bool,
    reason: &str,
) -> Result<(), AppError> {
    let reason = reason_required(reason)?;
    let current = existing(tx, id)?;
    let (target, change, kind) = if suspend {
        (ProviderStatus::Suspended, Change::ProviderSuspend, "suspended")
    } else {
        (ProviderStatus::Active, Change::ProviderReactivate, "reactivated")
    };
    if current.status == target {
        return Err(AppError::Conflict(FieldError {
            field: "status".into(),
            message: format!("il soggetto è già {}", target.label()),
        }));
    }
    providers::set_status(tx, id, target)?;
    let before = json!({ "status": current.status.code() });
    let after = json!({ "status": target.code() });
    record(tx, now, who, id, &Step { change, kind, reason: &reason, before, after })
}

pub fn add_sede(
    tx: &WriteTx<'_>,
    now: Timestamp,
    who: &AdminAuthority,
    provider: ProviderId,
    s: &ValidSede,
) -> Result<SedeId, AppError> {
    existing(tx, provider)?;
    let id = providers::insert_sede(tx, now, provider, s)?;
    let detail = json!({ "provider_id": provider, "after": s });
    audit::append(
        tx,
        now,
        who.actor(),
        &AuditEvent::Change { change: Change::SedeCreate, object: format!("sede:{id}"), detail },
    )?;
    Ok(id)
}

pub fn update_sede(
    tx: &WriteTx<'_>,
    now: Timestamp,
    who: &AdminAuthority,
    id: SedeId,
    s: &ValidSede,
) -> Result<(), AppError> {
    let before = providers::sede(tx.conn(), id)?.ok_or(AppError::NotFound)?;
    providers::update_sede(tx, id, s)?;
    let detail = json!({ "provider_id": before.provider, "before": before, "after": s });
    audit::append(
        tx,
        now,
        who.actor(),
        &AuditEvent::Change { change: Change::SedeUpdate, object: format!("sede:{id}"), detail },
    )?;
    Ok(())
}

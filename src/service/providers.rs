//! Creating, changing, suspending and reactivating providers, and their sedi.

use crate::access::AdminAuthority;
use crate::domain::audit_changes::{
    ProviderChanged, ProviderFacts, ProviderRecord, ProviderStep, SedeCreated, SedeUpdated,
};
use crate::domain::audit_event::AuditEvent;
use crate::domain::ids::{ProviderId, SedeId};
use crate::domain::provider::{Provider, ProviderStatus, ValidProvider};
use crate::domain::sede::ValidSede;
use crate::domain::timestamp::Timestamp;
use crate::error::{AppError, FieldError};
use crate::repo::providers::{self, ProviderEvent};
use crate::repo::{WriteTx, audit};

/// One provider change: history line for people, audit row for auditors (the same before
/// and after in both).
fn record(
    tx: &WriteTx<'_>,
    now: Timestamp,
    who: &AdminAuthority,
    kind: &str,
    change: &ProviderChanged<'_>,
) -> Result<(), AppError> {
    let (before, after) = (
        serde_json::to_value(&change.before).map_err(AppError::internal)?,
        serde_json::to_value(&change.after).map_err(AppError::internal)?,
    );
    providers::add_event(
        tx,
        &ProviderEvent {
            provider: change.provider,
            at: now,
            kind,
            reason: change.reason,
            by_operator: who.operator_id(),
            by_label: who.label(),
            before: &before,
            after: &after,
        },
    )?;
    audit::append(tx, now, who.actor(), &AuditEvent::of_change(change).map_err(AppError::internal)?)?;
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
    let after = existing(tx, id)?;
    let change = ProviderChanged {
        provider: id,
        step: ProviderStep::Create,
        before: ProviderFacts::Nothing {},
        after: ProviderFacts::Record(ProviderRecord::of(&after)),
        reason: "",
    };
    record(tx, now, who, "created", &change)?;
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
    let before = existing(tx, id)?;
    providers::update(tx, id, version, p)?;
    let after = existing(tx, id)?;
    let change = ProviderChanged {
        provider: id,
        step: ProviderStep::Update,
        before: ProviderFacts::Record(ProviderRecord::of(&before)),
        after: ProviderFacts::Record(ProviderRecord::of(&after)),
        reason: "",
    };
    record(tx, now, who, "updated", &change)
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
    let (target, step, kind) = if suspend {
        (ProviderStatus::Suspended, ProviderStep::Suspend, "suspended")
    } else {
        (ProviderStatus::Active, ProviderStep::Reactivate, "reactivated")
    };
    if current.status == target {
        return Err(AppError::Conflict(FieldError {
            field: "status".into(),
            message: format!("il soggetto è già {}", target.label()),
        }));
    }
    providers::set_status(tx, id, target)?;
    let change = ProviderChanged {
        provider: id,
        step,
        before: ProviderFacts::Status { status: current.status.code() },
        after: ProviderFacts::Status { status: target.code() },
        reason: &reason,
    };
    record(tx, now, who, kind, &change)
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
    let event = AuditEvent::of_change(&SedeCreated { sede: id, provider_id: provider, after: s });
    audit::append(tx, now, who.actor(), &event.map_err(AppError::internal)?)?;
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
    let event =
        AuditEvent::of_change(&SedeUpdated { sede: id, provider_id: before.provider, before: &before, after: s });
    audit::append(tx, now, who.actor(), &event.map_err(AppError::internal)?)?;
    Ok(())
}

//! Saving the Programma di ricerca intensiva: a new version with its generated PDF, refused
//! if someone saved in between (optimistic version), audited.

use sha2::{Digest, Sha256};

use crate::access::{ProviderScope, RecipientScope};
use crate::domain::audit_changes::ProgrammeSaved;
use crate::domain::audit_event::AuditEvent;
use crate::domain::ids::RecipientId;
use crate::domain::programme::{ProgrammeFields, ProgrammeHeader};
use crate::domain::text::italian_date;
use crate::domain::timestamp::Timestamp;
use crate::error::AppError;
use crate::infra::clock::format_it;
use crate::infra::programme_pdf;
use crate::repo::programmes::{self, NewVersion, ProgrammeContext};
use crate::repo::{WriteTx, audit, providers};

pub fn period(ctx: &ProgrammeContext) -> String {
    match (&ctx.programme_start, &ctx.programme_end) {
        (Some(s), Some(e)) => {
            let end = ctx.extended_until.as_deref().unwrap_or(e);
            format!("dal {} al {}", italian_date(s), italian_date(end))
        }
        _ => "da definire al primo incontro (6 mesi, prorogabili di 6)".into(),
    }
}

/// Saves `fields` as the next version. `expected` is the version the person was editing.
pub fn save(
    tx: &WriteTx<'_>,
    now: Timestamp,
    scope: &ProviderScope,
    region: &str,
    recipient: RecipientId,
    expected: i64,
    fields: &ProgrammeFields,
) -> Result<i64, AppError> {
    let recipient_scope = RecipientScope::Provider(scope.clone());
    let ctx = programmes::context(tx.conn(), &recipient_scope, recipient)?.ok_or(AppError::NotFound)?;
    let current = programmes::latest_version(tx, &ctx.voucher)?;
    if current != expected {
        return Err(providers::stale());
    }
    let version = current + 1;
    let header = ProgrammeHeader {
        region: region.to_owned(),
        recipient: ctx.recipient.clone(),
        codice_fiscale: ctx.codice_fiscale.clone(),
        voucher: ctx.voucher_code.clone(),
        provider: ctx.provider.clone(),
        sede: ctx.sede.clone(),
        tutor: ctx.tutor.clone(),
        period: period(&ctx),
        version,
        saved_at: format_it(now),
    };
    let pdf = programme_pdf::render(&header, fields);
    let sha = hex::encode(Sha256::digest(&pdf));
    let fields_json = serde_json::to_string(fields).map_err(AppError::internal)?;
    let saved_by = scope.actor().id;
    programmes::insert(
        tx,
        &NewVersion {
            voucher: &ctx.voucher,
            version,
            fields: &fields_json,
            saved_at: now,
            saved_by,
            pdf: &pdf,
            pdf_sha256: &sha,
        },
    )?;
    let saved =
        ProgrammeSaved { recipient, voucher: &ctx.voucher_code, version, pdf_sha256: &sha, cf: &ctx.codice_fiscale };
    let event = AuditEvent::of_change(&saved).map_err(AppError::internal)?;
    audit::append(tx, now, scope.actor(), &event)?;
    Ok(version)
}

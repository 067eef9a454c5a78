//! The feed to IDOL: section-6 records and programme outcomes created or changed since a
//! moment (by default where the previous export ended), packed as one zip, remembered and
//! audited in the same transaction, so a period is never skipped nor silently repeated.

use serde_json::json;

use crate::access::AdminAuthority;
use crate::domain::audit_event::{AuditEvent, Change};
use crate::domain::timestamp::Timestamp;
use crate::error::{AppError, FieldError};
use crate::infra::clock::{format_iso, format_it};
use crate::infra::idol_feed;
use crate::repo::idol::{self, NewExport};
use crate::repo::{WriteTx, audit};

/// A finished export.
#[derive(Debug, Clone)]
pub struct Export {
    pub zip: Vec<u8>,
    pub sha256: String,
    pub file_name: String,
    pub since: Timestamp,
    pub until: Timestamp,
    pub workers: usize,
    pub policies: usize,
    pub outcomes: usize,
}

/// Exports what changed in [since, now). `since` None: from the end of the last export.
/// Exact only because every change that feeds IDOL (actions, events, outcomes) and this
/// export take `now` inside their write transaction: under the single write lock, a commit
/// after this one carries a time >= `now` and falls in the next export.
pub fn export(
    tx: &WriteTx<'_>,
    now: Timestamp,
    who: &AdminAuthority,
    since: Option<Timestamp>,
) -> Result<Export, AppError> {
    let since = match since {
        Some(s) => s,
        None => idol::last_until(tx.conn())?.unwrap_or(Timestamp::EPOCH),
    };
    if since >= now {
        return Err(AppError::Invalid(vec![FieldError {
            field: "dal".into(),
            message: "la data di inizio deve essere nel passato".into(),
        }]));
    }
    let policies = idol::policies(tx.conn(), since, now)?;
    let outcomes = idol::outcomes(tx.conn(), since, now)?;
    let mut workers: Vec<&str> = policies
        .iter()
        .map(|p| p.codice_fiscale.as_str())
        .chain(outcomes.iter().map(|o| o.codice_fiscale.as_str()))
        .collect();
    workers.sort_unstable();
    workers.dedup();
    let workers = workers.len();

    let xml = idol_feed::xml(&policies, &outcomes).map_err(AppError::internal)?;
    let policies_csv = idol_feed::policies_csv(&policies).map_err(AppError::internal)?;
    let outcomes_csv = idol_feed::outcomes_csv(&outcomes).map_err(AppError::internal)?;
    let manifest = json!({
        "formato": "ricolloca-idol/1",
        "versione_programma": env!("CARGO_PKG_VERSION"),
        "generato_il": format_iso(now),
        "generato_da": who.label(),
        "dal": format_iso(since),
        "al": format_iso(now),
        "lavoratori": workers,
        "politiche": policies.len(),
        "esiti": outcomes.len(),
    });
    let files =
        [("politiche_attive.xml", xml), ("politiche_attive.csv", policies_csv), ("esiti_assegno.csv", outcomes_csv)];
    let zip = idol_feed::zip(&files, manifest).map_err(AppError::internal)?;
    let sha256 = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&zip));
    let id = idol::insert(
        tx,
        &NewExport {
            at: now,
            by_label: who.label(),
            since,
            until: now,
            workers: workers as i64,
            policies: policies.len() as i64,
            outcomes: outcomes.len() as i64,
            sha256: &sha256,
        },
    )?;
    let detail = json!({
        "since": since, "until": now, "workers": workers, "policies": policies.len(),
        "outcomes": outcomes.len(), "sha256": sha256,
    });
    audit::append(
        tx,
        now,
        who.actor(),
        &AuditEvent::Change { change: Change::IdolExport, object: format!("idol_export:{id}"), detail },
    )?;
    let stamp = format_it(now).replace(['/', ' ', ':'], "");
    Ok(Export {
        zip,
        sha256,
        file_name: format!("idol_{stamp}.zip"),
        since,
        until: now,
        workers,
        policies: policies.len(),
        outcomes: outcomes.len(),
    })
}

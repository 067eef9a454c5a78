//! The "Informativa sul tracciamento": its text (the Region's own Markdown file, or the
//! embedded default), the sha256 that identifies the version, and who acknowledged it.
//! A person acknowledges at the first access and again whenever the text changes.

use std::collections::HashSet;
use std::sync::{Arc, RwLock};

use sha2::{Digest, Sha256};

use crate::domain::audit_changes::NoticeAcknowledged;
use crate::domain::audit_event::{Actor, AuditEvent};
use crate::domain::ids::OperatorId;
use crate::domain::timestamp::Timestamp;
use crate::error::{AppError, StartupError};
use crate::repo::pool::ReadPool;
use crate::repo::{WriteTx, audit, notice};

pub const DEFAULT_TEXT: &str = include_str!("../../assets/notice/informativa-tracciamento.md");

pub struct Notice {
    text: String,
    sha256: String,
    required: bool,
    /// Operators known to have acknowledged this text: one indexed read per person per run.
    acked: RwLock<HashSet<i64>>,
}

impl Notice {
    pub fn new(text: String, required: bool) -> Self {
        let sha256 = hex::encode(Sha256::digest(text.as_bytes()));
        Self { text, sha256, required, acked: RwLock::new(HashSet::new()) }
    }

    /// From `audit.notice` (a Markdown file) or the embedded default.
    pub fn load(path: Option<&std::path::Path>, required: bool) -> Result<Self, StartupError> {
        let text = match path {
            None => DEFAULT_TEXT.to_owned(),
            Some(p) => std::fs::read_to_string(p)
                .map_err(|e| StartupError::key("audit.notice", format!("{}: {e}", p.display())))?,
        };
        Ok(Self::new(text, required))
    }

    pub fn text(&self) -> &str {
        &self.text
    }
    pub fn sha256(&self) -> &str {
        &self.sha256
    }
    pub fn required(&self) -> bool {
        self.required
    }

    /// Has this person acknowledged the current text?
    pub async fn is_acknowledged(&self, pool: &Arc<ReadPool>, operator: OperatorId) -> Result<bool, AppError> {
        if self.acked.read().is_ok_and(|s| s.contains(&operator.get())) {
            return Ok(true);
        }
        let sha = self.sha256.clone();
        let yes = pool.read(move |c| notice::acknowledged(c, operator, &sha)).await?;
        if yes {
            self.remember(operator);
        }
        Ok(yes)
    }

    pub fn remember(&self, operator: OperatorId) {
        if let Ok(mut s) = self.acked.write() {
            s.insert(operator.get());
        }
    }
}

/// Records the acknowledgement of `sha256` with its audit row (once per text and person).
pub fn acknowledge(
    tx: &WriteTx<'_>,
    now: Timestamp,
    actor: &Actor,
    operator: OperatorId,
    sha256: &str,
) -> Result<(), AppError> {
    if notice::record(tx, operator, sha256, now)? {
        let event = AuditEvent::of_change(&NoticeAcknowledged { operator, sha256 }).map_err(AppError::internal)?;
        audit::append(tx, now, actor, &event)?;
    }
    Ok(())
}

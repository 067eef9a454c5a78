//! Operators as the access check needs them, in memory. Every request used to read the
//! operator (and provider) row; now a request reads it only when the data file's access epoch
//! (`repo::access`) has moved since the row was read. Triggers move the epoch on every change
//! to an operator or a provider, whoever makes it. The writer publishes the epoch after each
//! commit, before acknowledging it, so a change made through this server is in force for
//! every request after it; a change made by another process (the command line) is picked up
//! by a poll within [`POLL`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use crate::domain::codice_fiscale::CodiceFiscale;
use crate::domain::operator::Operator;
use crate::error::AppError;
use crate::repo::pool::ReadPool;
use crate::repo::{access, operators};

/// How often the epoch is read for changes made by other processes.
pub const POLL: Duration = Duration::from_secs(1);
/// People kept; a flood of cards from a trusted CA cannot grow it without bound.
const MAX_ENTRIES: usize = 10_000;

/// Who each codice fiscale is (or that nobody is), as of an epoch.
struct Entries {
    epoch: i64,
    by_cf: HashMap<String, Option<Arc<Operator>>>,
}

pub struct Directory {
    /// The latest epoch known: published by the writer and by the poll.
    published: Arc<AtomicI64>,
    entries: RwLock<Entries>,
}

impl Directory {
    pub fn new(published: Arc<AtomicI64>) -> Self {
        Self { published, entries: RwLock::new(Entries { epoch: i64::MIN, by_cf: HashMap::new() }) }
    }

    /// The operator holding this codice fiscale, whatever their state; `None`: nobody.
    pub async fn operator(&self, pool: &Arc<ReadPool>, cf: &CodiceFiscale) -> Result<Option<Arc<Operator>>, AppError> {
        let current = self.published.load(Ordering::Acquire);
        if let Ok(entries) = self.entries.read()
            && entries.epoch == current
            && let Some(hit) = entries.by_cf.get(cf.as_str())
        {
            return Ok(hit.clone());
        }
        let wanted = cf.clone();
        // The epoch first, then the row: a change committed in between leaves the entry
        // tagged with the older epoch, so it is read again, never kept stale.
        let (epoch, operator) = pool
            .read(move |c| {
                let epoch = access::epoch(c)?;
                Ok((epoch, operators::find_for_login(c, &wanted)?.map(Arc::new)))
            })
            .await?;
        self.published.fetch_max(epoch, Ordering::AcqRel);
        if let Ok(mut entries) = self.entries.write() {
            if epoch > entries.epoch || entries.by_cf.len() >= MAX_ENTRIES {
                entries.by_cf.clear();
                entries.epoch = epoch.max(entries.epoch);
            }
            if epoch == entries.epoch {
                entries.by_cf.insert(cf.as_str().to_owned(), operator.clone());
            }
        }
        Ok(operator)
    }

    /// An epoch read elsewhere (the poll).
    pub fn publish(&self, epoch: i64) {
        self.published.fetch_max(epoch, Ordering::AcqRel);
    }
}

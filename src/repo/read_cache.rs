//! Results of reads kept until the data changes. The single writer sees every change the
//! server makes: after each commit that may have changed data (every job except the bare
//! audit appends of views, see `Writer::append_audit_within`) it moves the data generation,
//! before the jobs hear back, so a page asked for after an acknowledged change is read
//! again. A commit by another process (the command line) is noticed by the writer within
//! [`OUTSIDE_POLL`] (SQLite's `data_version`), as the access epoch is.
//!
//! A cached result is never a way around the audit: the handlers still write the view's row
//! before every answer. The cache only spares the reading.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::Connection;

use super::pool::ReadPool;
use crate::error::AppError;

/// How often an idle writer looks for commits made by another process.
pub const OUTSIDE_POLL: Duration = Duration::from_millis(250);

/// The count of commits that may have changed data; cheap to clone and read.
#[derive(Clone, Default)]
pub struct DataGeneration(Arc<AtomicU64>);

impl DataGeneration {
    pub fn current(&self) -> u64 {
        self.0.load(Ordering::Acquire)
    }

    /// Only the writer moves it: after a commit, before anyone hears of it.
    pub(super) fn advance(&self) {
        self.0.fetch_add(1, Ordering::AcqRel);
    }
}

/// Up to `capacity` results of one kind of read, each valid for the generation it was read
/// at. The key must hold everything the read depends on (who asks, the scope, the filters,
/// the minute if time matters): the read gets only the key.
pub struct ReadCache<K, V> {
    generation: DataGeneration,
    capacity: usize,
    entries: Mutex<HashMap<K, (u64, Arc<V>)>>,
}

impl<K, V> ReadCache<K, V>
where
    K: Hash + Eq + Clone + Send + 'static,
    V: Send + Sync + 'static,
{
    pub fn new(generation: DataGeneration, capacity: usize) -> Self {
        Self { generation, capacity: capacity.max(1), entries: Mutex::new(HashMap::new()) }
    }

    /// The result for `key`: kept if nothing changed since it was read, else read on the pool.
    pub async fn read<F>(&self, pool: &Arc<ReadPool>, key: K, f: F) -> Result<Arc<V>, AppError>
    where
        F: FnOnce(&Connection, &K) -> Result<V, AppError> + Send + 'static,
    {
        // Read before the snapshot is taken: a result read from newer data than its
        // generation says is only thrown away early, never kept too long.
        let generation = self.generation.current();
        if let Some(kept) = self.kept(&key, generation) {
            return Ok(kept);
        }
        let k = key.clone();
        let value = Arc::new(pool.read(move |c| f(c, &k)).await?);
        self.keep(key, generation, value.clone());
        Ok(value)
    }

    fn kept(&self, key: &K, generation: u64) -> Option<Arc<V>> {
        let entries = self.entries.lock().ok()?;
        entries.get(key).filter(|(at, _)| *at == generation).map(|(_, v)| v.clone())
    }

    fn keep(&self, key: K, generation: u64, value: Arc<V>) {
        // A poisoned lock only means nothing is kept: every read goes to the data file.
        let Ok(mut entries) = self.entries.lock() else { return };
        if entries.len() >= self.capacity && !entries.contains_key(&key) {
            let now = self.generation.current();
            entries.retain(|_, (at, _)| *at == now);
            if entries.len() >= self.capacity {
                entries.clear();
            }
        }
        entries.insert(key, (generation, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool() -> (tempfile::TempDir, Arc<ReadPool>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.db");
        crate::repo::open_and_migrate(&path, |_| Ok(())).unwrap();
        (dir, Arc::new(ReadPool::new(path)))
    }

    #[rocket::async_test]
    async fn a_result_is_read_again_after_the_generation_moves_and_never_across_keys() {
        let (_dir, pool) = pool();
        let generation = DataGeneration::default();
        let cache: ReadCache<u32, (u32, u64)> = ReadCache::new(generation.clone(), 2);
        let reads = Arc::new(AtomicU64::new(0));
        let read = |_: u32| {
            let reads = reads.clone();
            move |_: &Connection, k: &u32| Ok((*k, reads.fetch_add(1, Ordering::SeqCst)))
        };
        assert_eq!(*cache.read(&pool, 1, read(1)).await.unwrap(), (1, 0));
        assert_eq!(*cache.read(&pool, 1, read(1)).await.unwrap(), (1, 0), "kept");
        assert_eq!(*cache.read(&pool, 2, read(2)).await.unwrap(), (2, 1), "another key is read");
        generation.advance();
        assert_eq!(*cache.read(&pool, 1, read(1)).await.unwrap(), (1, 2), "read again after a change");
        // Full: the stale entry (key 2) goes first; key 1 stays.
        assert_eq!(*cache.read(&pool, 3, read(3)).await.unwrap(), (3, 3));
        assert_eq!(*cache.read(&pool, 1, read(1)).await.unwrap(), (1, 2));
        assert_eq!(*cache.read(&pool, 2, read(2)).await.unwrap(), (2, 4));
    }
}

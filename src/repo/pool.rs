//! A bounded pool of read-only connections; reads run off the async workers.
//!
//! At most [`READERS`] reads run at once, each on a kept connection: more requests wait for a
//! turn (asynchronously) instead of each opening a fresh connection (which re-reads the schema)
//! on a fresh blocking thread. The load benchmark found the unbounded version spending its
//! time opening connections and growing to 500 threads and ~900 MB under 64 connections.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rocket::tokio::sync::Semaphore;
use rusqlite::Connection;

use crate::error::AppError;

/// Reads in flight at once, and connections kept open. SQLite reads are CPU-bound, so more
/// than a few per core buys nothing; the margin is for slow reports (exports, a person's whole
/// trail), which should not hold every page up.
pub const READERS: usize = 16;

pub struct ReadPool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    turns: Arc<Semaphore>,
}

impl ReadPool {
    pub fn new(path: PathBuf) -> Self {
        Self { path, idle: Mutex::new(Vec::new()), turns: Arc::new(Semaphore::new(READERS)) }
    }

    fn take(&self) -> Result<Connection, AppError> {
        let reused = self.idle.lock().map_err(|_| AppError::unexpected("read pool poisoned"))?.pop();
        match reused {
            Some(conn) => Ok(conn),
            None => Ok(super::open_ro(&self.path)?),
        }
    }

    fn give_back(&self, conn: Connection) {
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < READERS
        {
            idle.push(conn);
        }
    }

    /// Runs `f` on a read-only connection in a blocking thread.
    pub async fn read<R, F>(self: &std::sync::Arc<Self>, f: F) -> Result<R, AppError>
    where
        F: FnOnce(&Connection) -> Result<R, AppError> + Send + 'static,
        R: Send + 'static,
    {
        let pool = self.clone();
        let turn = self.turns.clone().acquire_owned().await.map_err(AppError::internal)?;
        rocket::tokio::task::spawn_blocking(move || {
            let _turn = turn;
            let conn = pool.take()?;
            let out = f(&conn);
            pool.give_back(conn);
            out
        })
        .await
        .map_err(AppError::internal)?
    }
}

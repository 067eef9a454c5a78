//! A small pool of read-only connections; reads run off the async workers.

use std::path::PathBuf;
use std::sync::Mutex;

use rusqlite::Connection;

use crate::error::AppError;

/// Idle connections kept; more are opened under load and closed after use.
const KEEP: usize = 8;

pub struct ReadPool {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
}

impl ReadPool {
    pub fn new(path: PathBuf) -> Self {
        Self { path, idle: Mutex::new(Vec::new()) }
    }

    fn take(&self) -> Result<Connection, AppError> {
        let reused = self.idle.lock().map_err(|_| AppError::internal("read pool poisoned"))?.pop();
        match reused {
            Some(conn) => Ok(conn),
            None => Ok(super::open_ro(&self.path)?),
        }
    }

    fn give_back(&self, conn: Connection) {
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < KEEP
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
        rocket::tokio::task::spawn_blocking(move || {
            let conn = pool.take()?;
            let out = f(&conn);
            pool.give_back(conn);
            out
        })
        .await
        .map_err(AppError::internal)?
    }
}

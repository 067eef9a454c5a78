//! Write-ahead-log checkpoints beside the writer, on their own connection and thread.
//!
//! SQLite's default is that the committing connection copies the log back into the data
//! file when the log passes 1,000 pages: inside the writer's commit, so every view whose audit
//! row sat in that batch waited for the copy and its fsync (40% of the writer's time in the
//! load bench's profile of the scheda). Here the writer's connection never checkpoints; after
//! a commit it nudges this thread, which runs a `PASSIVE` checkpoint at most every
//! [`PACE`]: it takes no lock that readers or the writer wait for, and the log is restarted by
//! the writer as before once everything in it is copied.

use std::path::Path;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use rusqlite::Connection;

/// Time between two checkpoints under load: each one syncs the data file.
const PACE: Duration = Duration::from_millis(500);

/// The writer's handle: a nudge after each commit (never blocks).
pub(super) struct Nudge(mpsc::SyncSender<()>);

impl Nudge {
    pub(super) fn after_commit(&self) {
        // Full means a nudge is already waiting: this commit is covered by it.
        let _ = self.0.try_send(());
    }
}

/// Takes the checkpoints of `writer`'s data file off `writer`: turns its automatic checkpoint
/// off and starts the thread. `None` (and the automatic checkpoint kept) for an in-memory
/// database, or when the thread's connection cannot be opened.
pub(super) fn start(writer: &Connection) -> Option<Nudge> {
    let path = writer.path().filter(|p| !p.is_empty()).map(Path::new)?;
    let own = match super::connection::open_rw(path) {
        Ok(conn) => conn,
        Err(e) => {
            tracing::warn!(%e, "checkpoint connection not opened; the writer checkpoints itself");
            return None;
        }
    };
    let (nudge, nudges) = mpsc::sync_channel(1);
    if let Err(e) = thread::Builder::new().name("ricolloca-checkpoint".into()).spawn(move || run(&own, &nudges)) {
        tracing::warn!(%e, "checkpoint thread not started; the writer checkpoints itself");
        return None;
    }
    if let Err(e) = writer.pragma_update(None, "wal_autocheckpoint", 0) {
        // The thread runs anyway; the writer's own checkpoints only cost time.
        tracing::warn!(%e, "automatic checkpoint not turned off");
    }
    Some(Nudge(nudge))
}

/// Ends when the writer is gone (its `Nudge` dropped).
fn run(conn: &Connection, nudges: &mpsc::Receiver<()>) {
    while nudges.recv().is_ok() {
        thread::sleep(PACE);
        // The nudges of the commits made while sleeping are covered by this checkpoint.
        while nudges.try_recv().is_ok() {}
        // Without an argument: PASSIVE.
        if let Err(e) = conn.pragma_query(None, "wal_checkpoint", |_| Ok(())) {
            tracing::warn!(%e, "write-ahead log checkpoint failed");
        }
    }
}

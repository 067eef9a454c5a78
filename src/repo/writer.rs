//! The single writer: one thread owns the only read-write connection of the server.
//! Requests send it jobs; it takes everything queued (group commit; under load it first lets
//! more join for `LINGER`), runs each job in its own savepoint inside one `BEGIN IMMEDIATE`
//! transaction, commits once, and only then answers each job. A job that fails is rolled back
//! alone; if the commit fails, every job of the batch fails (fail closed: nothing is
//! acknowledged that is not on disk).
//!
//! After a commit it publishes what readers keep in memory, before any job hears back: the
//! access epoch (`repo::access`) and the data generation (`repo::read_cache`), which moves
//! unless every job of the batch was a bare audit append built here.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, mpsc};
use std::thread;
use std::time::{Duration, Instant};

use rusqlite::{Connection, TransactionBehavior};
use tokio::sync::oneshot;

use super::WriteTx;
use super::read_cache::{DataGeneration, OUTSIDE_POLL};
use crate::domain::audit_event::{Actor, AuditEvent};
use crate::error::{AppError, Cause};
use crate::infra::clock::{SharedClock, Timestamp};

/// Most jobs in one transaction; bounds the latency of the first job of a big batch.
const MAX_BATCH: usize = 256;
/// Queue length before senders wait; back-pressure instead of unbounded memory.
const QUEUE: usize = 4096;
/// Under load, how long the writer lets jobs join a batch before it commits. Each commit
/// writes its pages and waits for one fsync; on a busy core the views' audit rows arrive one
/// by one, so without a pause every batch held one or two of them and the commits' writes
/// and fsyncs were 60% of the writer's time. A lone job (the last batch held one) never waits.
const LINGER: Duration = Duration::from_micros(500);

trait Job: Send {
    /// Runs inside a savepoint; returns whether it succeeded (its result is kept inside).
    fn run(&mut self, tx: &WriteTx<'_>) -> bool;
    /// Delivers the result, or the commit error when the batch could not be committed.
    fn finish(self: Box<Self>, commit: Result<(), AppError>);
    /// Whether the job may change data (anything but a bare audit append).
    fn changes_data(&self) -> bool;
}

struct TypedJob<F, R> {
    work: Option<F>,
    result: Option<Result<R, AppError>>,
    reply: oneshot::Sender<Result<R, AppError>>,
    changes_data: bool,
}

impl<F, R> Job for TypedJob<F, R>
where
    F: FnOnce(&WriteTx<'_>) -> Result<R, AppError> + Send,
    R: Send,
{
    fn run(&mut self, tx: &WriteTx<'_>) -> bool {
        let outcome = match self.work.take() {
            Some(work) => work(tx),
            None => Err(AppError::unexpected("job run twice")),
        };
        let ok = outcome.is_ok();
        self.result = Some(outcome);
        ok
    }

    fn finish(self: Box<Self>, commit: Result<(), AppError>) {
        let result = match (commit, self.result) {
            (Ok(()), Some(result)) => result,
            // A full disk is what the user must hear about, whatever the job said.
            (Err(e @ AppError::DiskFull(_)), _) => Err(e),
            // A failed job's own error says more than the commit's.
            (Err(_), Some(Err(e))) => Err(e),
            (Err(e), _) => Err(e),
            (Ok(()), None) => Err(AppError::unexpected("job never ran")),
        };
        // The requester may have gone away (client closed); nothing to do then.
        let _ = self.reply.send(result);
    }

    fn changes_data(&self) -> bool {
        self.changes_data
    }
}

/// Handle to the writer thread; cheap to clone.
#[derive(Clone)]
pub struct Writer {
    queue: mpsc::SyncSender<Box<dyn Job>>,
    access_epoch: Arc<AtomicI64>,
    generation: DataGeneration,
}

impl Writer {
    /// Starts the writer thread on an open, migrated read-write connection.
    pub fn start(conn: Connection) -> std::io::Result<Self> {
        let (queue, jobs) = mpsc::sync_channel::<Box<dyn Job>>(QUEUE);
        let access_epoch = Arc::new(AtomicI64::new(super::access::epoch(&conn).unwrap_or(0)));
        let published = access_epoch.clone();
        let generation = DataGeneration::default();
        let moved = generation.clone();
        thread::Builder::new().name("ricolloca-writer".into()).spawn(move || run(conn, &jobs, &published, &moved))?;
        Ok(Self { queue, access_epoch, generation })
    }

    /// The data generation this writer moves (`repo::read_cache`).
    pub fn data_generation(&self) -> DataGeneration {
        self.generation.clone()
    }

    /// The data file's access epoch (`repo::access`) as of the writer's last commit: read
    /// after each commit and before its jobs hear back, so a change to an operator is seen
    /// by every request that starts after the change was acknowledged.
    pub fn access_epoch(&self) -> Arc<AtomicI64> {
        self.access_epoch.clone()
    }

    /// Runs `work` in the write transaction and resolves once it is committed.
    pub async fn write<R, F>(&self, work: F) -> Result<R, AppError>
    where
        F: FnOnce(&WriteTx<'_>) -> Result<R, AppError> + Send + 'static,
        R: Send + 'static,
    {
        self.submit(work, true).await
    }

    /// Appends the audit row of a list view, with its people's entries, and nothing else:
    /// the only job besides [`Self::append_audit_within`] that leaves the data generation
    /// alone, so the lists it audits can stay cached.
    pub async fn append_list_audit(
        &self,
        now: Timestamp,
        day: i64,
        actor: Actor,
        event: AuditEvent,
        new_ids: Vec<i64>,
    ) -> Result<(), AppError> {
        self.submit(move |tx| super::audit::append_list(tx, now, day, &actor, &event, &new_ids).map(|_| ()), false)
            .await
    }

    /// Appends one audit row and nothing else, given up after `limit` (see
    /// [`Self::write_within`]). Built here, not from a caller's closure, so that no change
    /// can ride on a job that leaves the data generation alone.
    pub async fn append_audit_within(
        &self,
        limit: Duration,
        now: Timestamp,
        actor: Actor,
        event: AuditEvent,
    ) -> Result<(), AppError> {
        self.within(limit, move |tx| super::audit::append(tx, now, &actor, &event).map(|_| ()), false).await
    }

    async fn submit<R, F>(&self, work: F, changes_data: bool) -> Result<R, AppError>
    where
        F: FnOnce(&WriteTx<'_>) -> Result<R, AppError> + Send + 'static,
        R: Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job = Box::new(TypedJob { work: Some(work), result: None, reply, changes_data });
        // Usually there is room; only a full queue blocks the sender, so only then go off
        // the async workers (a thread hop per write cost more than the write's own CPU).
        match self.queue.try_send(job) {
            Ok(()) => {}
            Err(mpsc::TrySendError::Disconnected(_)) => {
                return Err(AppError::Unavailable(Cause::msg("writer stopped")));
            }
            Err(mpsc::TrySendError::Full(job)) => {
                let queue = self.queue.clone();
                rocket::tokio::task::spawn_blocking(move || queue.send(job))
                    .await
                    .map_err(AppError::internal)?
                    .map_err(|_| AppError::Unavailable(Cause::msg("writer stopped")))?;
            }
        }
        answer.await.map_err(|_| AppError::Unavailable(Cause::msg("writer stopped")))?
    }

    /// `write`, with the moment read from `clock` inside the write transaction, under the write
    /// lock: for the rows the IDOL feed selects by time (`service::idol_export`), whose time
    /// must never fall before an export that committed first. Everything else uses the
    /// request's time.
    pub async fn write_stamped<R, F>(&self, clock: &SharedClock, work: F) -> Result<R, AppError>
    where
        F: FnOnce(&WriteTx<'_>, Timestamp) -> Result<R, AppError> + Send + 'static,
        R: Send + 'static,
    {
        let clock = clock.clone();
        self.write(move |tx| work(tx, clock.now())).await
    }

    /// `write`, given up after `limit`: for the audit rows of views, which must not hang
    /// behind a writer that cannot get the data file's lock (another process holding it, a
    /// stalled disk). A job whose turn comes after the limit does nothing, so a view answered
    /// 503 leaves no row; one already running when the limit passes may still commit (a row
    /// for a view that was not shown: the safe side).
    pub async fn write_within<R, F>(&self, limit: Duration, work: F) -> Result<R, AppError>
    where
        F: FnOnce(&WriteTx<'_>) -> Result<R, AppError> + Send + 'static,
        R: Send + 'static,
    {
        self.within(limit, work, true).await
    }

    async fn within<R, F>(&self, limit: Duration, work: F, changes_data: bool) -> Result<R, AppError>
    where
        F: FnOnce(&WriteTx<'_>) -> Result<R, AppError> + Send + 'static,
        R: Send + 'static,
    {
        let deadline = Instant::now() + limit;
        let late = move || {
            AppError::AuditTimeout(Cause::msg(format!("no turn at the writer within {} ms", limit.as_millis())))
        };
        let guarded = move |tx: &WriteTx<'_>| {
            if Instant::now() >= deadline {
                return Err(late());
            }
            work(tx)
        };
        match rocket::tokio::time::timeout(limit, self.submit(guarded, changes_data)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(late()),
        }
    }

    /// `write` for a blocking thread (`spawn_blocking`, never an async task): the backup
    /// records its row from the thread that made the file; imports feed the writer slice
    /// after slice.
    pub fn write_blocking<R, F>(&self, work: F) -> Result<R, AppError>
    where
        F: FnOnce(&WriteTx<'_>) -> Result<R, AppError> + Send + 'static,
        R: Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job = Box::new(TypedJob { work: Some(work), result: None, reply, changes_data: true });
        self.queue.send(job).map_err(|_| AppError::Unavailable(Cause::msg("writer stopped")))?;
        answer.blocking_recv().map_err(|_| AppError::Unavailable(Cause::msg("writer stopped")))?
    }
}

fn run(
    mut conn: Connection,
    jobs: &mpsc::Receiver<Box<dyn Job>>,
    access_epoch: &AtomicI64,
    generation: &DataGeneration,
) {
    let mut outside = OutsideCommits::new(&conn);
    let mut busy = false;
    loop {
        let first = match jobs.recv_timeout(OUTSIDE_POLL) {
            Ok(job) => job,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                outside.publish(&conn, generation);
                continue;
            }
            // Every Writer handle is dropped.
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        };
        let mut batch = vec![first];
        take_queued(jobs, &mut batch);
        if busy && batch.len() < MAX_BATCH {
            thread::sleep(LINGER);
            take_queued(jobs, &mut batch);
        }
        busy = batch.len() > 1;
        let commit = run_batch(&mut conn, &mut batch);
        if let Err(cause) = &commit {
            tracing::error!(jobs = batch.len(), cause = %cause.log_line(), "write transaction failed, nothing acknowledged");
            // Whatever state SQLite left (a transaction it rolled back itself, a failed
            // COMMIT still open), the next batch must start from autocommit.
            if !conn.is_autocommit()
                && let Err(e) = conn.execute_batch("ROLLBACK")
            {
                tracing::error!(%e, "rollback after a failed batch");
            }
        }
        if batch.iter().any(|job| job.changes_data()) {
            generation.advance();
        }
        outside.publish(&conn, generation);
        match super::access::epoch(&conn) {
            Ok(n) => {
                access_epoch.fetch_max(n, Ordering::AcqRel);
            }
            Err(e) => tracing::error!(%e, "reading the access epoch"),
        }
        for job in batch {
            job.finish(commit.clone());
        }
    }
}

/// Commits made by other processes, seen through SQLite's `data_version` on the writer's
/// connection: it moves only when another connection commits (the server's readers never
/// do), so it says the command line changed the data file.
struct OutsideCommits(Option<i64>);

impl OutsideCommits {
    fn new(conn: &Connection) -> Self {
        Self(data_version(conn))
    }

    fn publish(&mut self, conn: &Connection, generation: &DataGeneration) {
        let now = data_version(conn);
        // Unreadable counts as moved: a result kept too long is the one thing to avoid.
        if now.is_none() || now != self.0 {
            generation.advance();
        }
        self.0 = now;
    }
}

fn data_version(conn: &Connection) -> Option<i64> {
    let mut stmt = conn.prepare_cached("PRAGMA data_version").ok()?;
    stmt.query_row([], |r| r.get(0)).ok()
}

/// Moves the jobs waiting in the queue into `batch`, up to [`MAX_BATCH`].
fn take_queued(jobs: &mpsc::Receiver<Box<dyn Job>>, batch: &mut Vec<Box<dyn Job>>) {
    while batch.len() < MAX_BATCH {
        match jobs.try_recv() {
            Ok(job) => batch.push(job),
            Err(_) => break,
        }
    }
}

fn run_batch(conn: &mut Connection, batch: &mut [Box<dyn Job>]) -> Result<(), AppError> {
    let mut tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(unavailable)?;
    for job in batch.iter_mut() {
        let mut sp = tx.savepoint().map_err(unavailable)?;
        // A panicking job must not take the writer thread (and every later write) with it:
        // it counts as a failed job, rolled back alone.
        let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job.run(&WriteTx::new(&sp)))).unwrap_or_else(
            |_| {
                tracing::error!("a write job panicked; rolled back");
                false
            },
        );
        // On SQLITE_FULL (and some I/O errors) SQLite rolls the whole transaction back by
        // itself: the jobs before this one are gone too, and any later statement would run
        // in autocommit. Fail the batch; the caller's drop of `tx` is then a no-op.
        if sp.is_autocommit() {
            return Err(AppError::DiskFull(Cause::msg("transaction rolled back by SQLite (disk full or I/O error)")));
        }
        if ok {
            sp.commit().map_err(unavailable)?;
        } else {
            sp.rollback().map_err(unavailable)?;
            // Dropping a rolled-back savepoint releases it.
        }
    }
    tx.commit().map_err(unavailable)
}

/// A failure of the transaction itself: a full disk is told as such, anything else means
/// the data file cannot take writes now (nothing of the batch is acknowledged).
fn unavailable(e: rusqlite::Error) -> AppError {
    match AppError::from(e) {
        e @ AppError::DiskFull(_) => e,
        other => {
            AppError::Unavailable(other.cause().cloned().unwrap_or_else(|| Cause::msg("write transaction failed")))
        }
    }
}

//! The state of the audit chain as the auditor's screens show it, kept by a background job:
//! re-hashing millions of rows per page view would be absurd, so the job verifies the new
//! rows every minute (continuing from the last verified hash) and the whole chain once a
//! day and at start; pages read the last result.

use std::path::PathBuf;
use std::sync::RwLock;

use rusqlite::Connection;

use crate::domain::timestamp::Timestamp;
use crate::error::AppError;
use crate::infra::audit::GENESIS;
use crate::repo::{audit, audit_prune};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChainStatus {
    /// Last verification finished (UTC ms); `None` before the first one.
    pub checked_at: Option<Timestamp>,
    /// Last whole-chain verification (UTC ms).
    pub full_at: Option<Timestamp>,
    /// Sound up to this seq.
    pub verified_seq: i64,
    verified_hash: Option<[u8; 32]>,
    /// First broken row and why, or the checkpoint problem, in words.
    pub broken: Option<(i64, String)>,
    /// Latest signed checkpoint in the data file: (seq, ts).
    pub last_checkpoint: Option<(i64, Timestamp)>,
    /// Rows pruned (retention): the chain starts after this seq.
    pub pruned_to: Option<i64>,
    /// Checkpoints up to this seq were found sound.
    checkpoints_checked_to: i64,
}

pub struct ChainWatch {
    status: RwLock<ChainStatus>,
    public_key: Vec<u8>,
    checkpoint_file: Option<PathBuf>,
}

impl ChainWatch {
    pub fn new(public_key: Vec<u8>, checkpoint_file: Option<PathBuf>) -> Self {
        Self { status: RwLock::new(ChainStatus::default()), public_key, checkpoint_file }
    }

    pub fn snapshot(&self) -> ChainStatus {
        self.status.read().map(|s| s.clone()).unwrap_or_default()
    }

    /// The key that verifies checkpoints (hex), shown on the auditor's screens.
    pub fn public_key_hex(&self) -> String {
        hex::encode(&self.public_key)
    }

    /// Verifies the rows added since the last run (or all of them when `full`, at the first
    /// run, after a prune, or once a break was found), then every checkpoint.
    pub fn refresh(&self, conn: &Connection, now: Timestamp, full: bool) -> Result<ChainStatus, AppError> {
        let before = self.snapshot();
        // Checkpoints first, then the rows, all in one read snapshot. The checkpoint job
        // commits a checkpoint's rows before it writes the checkpoint (table, then file), so
        // every checkpoint read here refers to rows this snapshot holds. Read the other way
        // round, a checkpoint written during a long verification looked like a truncated
        // tail (the load bench raised that false alarm at shutdown).
        let external = match self.checkpoint_file.as_deref().filter(|f| f.exists()) {
            Some(file) => match crate::infra::checkpoint::read_file(file) {
                Ok(found) => found,
                Err(e) => {
                    tracing::warn!(error = %e, path = %file.display(), "checkpoint file not readable");
                    Vec::new()
                }
            },
            None => Vec::new(),
        };
        let snapshot = conn.unchecked_transaction()?;
        let conn: &Connection = &snapshot;
        let anchor = audit_prune::anchor(conn)?;
        let pruned_to = anchor.as_ref().map(|a| a.up_to_seq);
        let whole = full || before.verified_hash.is_none() || before.broken.is_some() || pruned_to != before.pruned_to;
        let mut checkpoints = audit::checkpoints(conn)?;
        let report = match (whole, before.verified_hash) {
            (false, Some(hash)) => audit::verify_from(conn, before.verified_seq, hash)?,
            _ => audit::verify(conn)?,
        };
        let mut broken = report.broken.map(|(seq, kind)| (seq, kind.describe()));
        let last_checkpoint = checkpoints.last().map(|c| (c.seq, Timestamp::from_ms(c.ts_ms)));
        let mut checkpoints_checked_to = if whole { 0 } else { before.checkpoints_checked_to };
        if broken.is_none() {
            checkpoints.extend(external);
            checkpoints.sort_by_key(|c| c.seq);
            checkpoints.dedup();
            // Incremental runs check only the checkpoints added since (each costs a signature
            // verification), plus the one the prune anchor needs.
            if !whole {
                let seen = before.checkpoints_checked_to;
                checkpoints.retain(|c| c.seq > seen || Some(c.seq) == pruned_to);
            }
            let newest = checkpoints.last().map_or(checkpoints_checked_to, |c| c.seq.max(checkpoints_checked_to));
            if let Some(p) = super::audit::check(conn, report.head_seq, &checkpoints, &self.public_key)? {
                let seq = match p {
                    super::audit::CheckpointProblem::BadSignature { seq }
                    | super::audit::CheckpointProblem::Truncated { seq, .. }
                    | super::audit::CheckpointProblem::Rechained { seq }
                    | super::audit::CheckpointProblem::BadPrune { seq } => seq,
                };
                broken = Some((seq, p.describe()));
            } else {
                checkpoints_checked_to = newest;
            }
        }
        let status = ChainStatus {
            checked_at: Some(now),
            full_at: if whole { Some(now) } else { before.full_at },
            verified_seq: report.head_seq,
            verified_hash: Some(if report.head_seq == 0 { GENESIS } else { report.head_hash }),
            broken,
            last_checkpoint,
            pruned_to,
            checkpoints_checked_to,
        };
        if let Ok(mut s) = self.status.write() {
            *s = status.clone();
        }
        Ok(status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::audit_event::{Actor, AuditEvent};
    use crate::domain::audit_views::InactivityViewed;
    use crate::repo::write_once;
    use crate::service::data_file::open as open_and_migrate_at;

    fn append(conn: &mut Connection, n: usize) {
        write_once(conn, |tx| {
            for _ in 0..n {
                let event = AuditEvent::of_view(&InactivityViewed {}).unwrap();
                audit::append(tx, Timestamp::from_ms(1_795_701_900_000), &Actor::system(), &event)?;
            }
            Ok(())
        })
        .unwrap();
    }

    #[test]
    fn verifies_new_rows_incrementally_and_everything_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        let mut conn = open_and_migrate_at(&path, Timestamp::EPOCH).unwrap();
        append(&mut conn, 10);
        let key = crate::infra::checkpoint::SigningKey::load_or_create(&dir.path().join("k")).unwrap();
        write_once(&mut conn, |tx| super::super::audit::write_checkpoint(tx, Timestamp::from_ms(5), &key)).unwrap();
        let watch = ChainWatch::new(key.public_key(), None);
        let s = watch.refresh(&conn, Timestamp::from_ms(1), false).unwrap();
        assert_eq!(
            (s.verified_seq, s.broken.clone(), s.last_checkpoint),
            (10, None, Some((10, Timestamp::from_ms(5))))
        );
        append(&mut conn, 5);
        let s = watch.refresh(&conn, Timestamp::from_ms(2), false).unwrap();
        assert_eq!((s.verified_seq, s.full_at), (15, Some(Timestamp::from_ms(1))), "only the new rows were walked");
        // An edit among the already verified rows waits for the next whole check ...
        conn.execute_batch("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET outcome = 'x' WHERE seq = 3;")
            .unwrap();
        append(&mut conn, 1);
        assert_eq!(watch.refresh(&conn, Timestamp::from_ms(3), false).unwrap().broken, None);
        // ... which finds it, and stays broken until repaired.
        let s = watch.refresh(&conn, Timestamp::from_ms(4), true).unwrap();
        assert_eq!(s.broken.as_ref().map(|b| b.0), Some(3));
        assert_eq!(watch.refresh(&conn, Timestamp::from_ms(5), false).unwrap().broken.map(|b| b.0), Some(3));
    }

    #[test]
    fn a_checkpoint_only_in_the_external_file_still_reveals_a_cut_tail() {
        let dir = tempfile::tempdir().unwrap();
        let mut conn = open_and_migrate_at(&dir.path().join("w.db"), Timestamp::EPOCH).unwrap();
        append(&mut conn, 10);
        let key = crate::infra::checkpoint::SigningKey::load_or_create(&dir.path().join("k")).unwrap();
        let file = dir.path().join("checkpoints.txt");
        let cp = write_once(&mut conn, |tx| super::super::audit::write_checkpoint(tx, Timestamp::from_ms(5), &key))
            .unwrap()
            .unwrap();
        crate::infra::checkpoint::append_to_file(&file, &cp).unwrap();
        let watch = ChainWatch::new(key.public_key(), Some(file));
        assert_eq!(watch.refresh(&conn, Timestamp::from_ms(1), true).unwrap().broken, None);
        // Someone removes the last rows and the checkpoint row from the data file.
        conn.execute_batch(
            "DROP TRIGGER audit_log_no_delete; DELETE FROM audit_log WHERE seq > 7; DELETE FROM audit_checkpoint;",
        )
        .unwrap();
        let s = watch.refresh(&conn, Timestamp::from_ms(2), true).unwrap();
        assert_eq!(s.broken.map(|b| b.0), Some(10), "the file's checkpoint at 10 is past the last row");
    }
}

//! The proof of being inside a write transaction.

use rusqlite::Connection;

/// Proof that the holder is inside a `BEGIN IMMEDIATE` write transaction (or a savepoint of
/// one). Only `repo` (its connection module and the writer) builds it, so an audit row cannot be appended
/// outside a transaction, and the chain head is always read under the write lock.
pub struct WriteTx<'c> {
    conn: &'c Connection,
}

impl<'c> WriteTx<'c> {
    pub(super) fn new(conn: &'c Connection) -> Self {
        Self { conn }
    }
    pub fn conn(&self) -> &Connection {
        self.conn
    }
}

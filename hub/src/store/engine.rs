//! The database engine under one business's hub: SQLite (a file beside the
//! hub, the embedded default) or PostgreSQL (a schema of the business's own
//! in a server several hub processes share). The hub's policy and its
//! statements are written once, above this: an engine only opens
//! transactions and carries statements (`sqlite_replica::Sql`).
//!
//! A writing transaction is serial with every other write of the business,
//! on either engine: SQLite has one writer (an immediate transaction), and
//! PostgreSQL takes the business's advisory lock first, whichever process
//! asks. That one rule is what keeps the log's order its commit order,
//! number blocks from overlapping and the hub's own chains from forking.

use rusqlite::Connection;
use sqlite_replica::Sql;
use sqlite_replica::sql::{Param, Row};

use crate::error::Result;

/// What a transaction is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// A write of the business's log, leases or chains: serial with every
    /// other such write of the business.
    Write,
    /// Reads that must agree with each other (a pull's page and its
    /// digest): one snapshot throughout.
    Snapshot,
    /// A statement or two that stand alone (a lookup, an enrollment code,
    /// the replay guard, a rate bucket): neither serial nor a snapshot, so
    /// two processes touching one row wait for each other rather than fail.
    Plain,
}

/// A transaction of the engine's, rolled back unless committed.
pub trait Tx: Sql {
    fn commit(self: Box<Self>) -> Result<()>;
    /// This transaction as the replica's door.
    fn sql(&self) -> &dyn Sql;
}

pub trait Engine: Send {
    fn begin(&mut self, access: Access) -> Result<Box<dyn Tx + '_>>;
    /// The SQLite connection, for what only SQLite has (an online backup,
    /// an integrity check, the reports' SQLite queries); `None` on another
    /// engine.
    fn sqlite(&self) -> Option<&Connection>;
    /// Whether other hub processes may be using this database at once (so
    /// what one process would keep in memory must be kept here).
    fn shared(&self) -> bool {
        false
    }
}

/// SQLite: one connection, one writer.
pub struct SqliteEngine(pub Connection);

struct SqliteTx<'a>(rusqlite::Transaction<'a>);

impl Sql for SqliteTx<'_> {
    fn run(&self, sql: &str, p: &[Param<'_>]) -> sqlite_replica::Result<u64> {
        self.0.run(sql, p)
    }

    fn each(
        &self,
        sql: &str,
        p: &[Param<'_>],
        f: &mut dyn FnMut(Row) -> sqlite_replica::Result<bool>,
    ) -> sqlite_replica::Result<()> {
        self.0.each(sql, p, f)
    }
}

impl Tx for SqliteTx<'_> {
    fn commit(self: Box<Self>) -> Result<()> {
        self.0.commit()?;
        Ok(())
    }

    fn sql(&self) -> &dyn Sql {
        self
    }
}

impl Engine for SqliteEngine {
    fn begin(&mut self, access: Access) -> Result<Box<dyn Tx + '_>> {
        use rusqlite::TransactionBehavior::{Deferred, Immediate};
        // One connection: a deferred transaction is already one snapshot.
        let tx = self
            .0
            .transaction_with_behavior(if access == Access::Write {
                Immediate
            } else {
                Deferred
            })?;
        Ok(Box::new(SqliteTx(tx)))
    }

    fn sqlite(&self) -> Option<&Connection> {
        Some(&self.0)
    }
}

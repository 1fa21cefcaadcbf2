//! `hub-pg`: the hub's storage primitives on PostgreSQL.
//!
//! What several hub processes over one database must share goes through the
//! database, never through a process's memory: the log's order
//! ([`log::append`] serializes appends per business, so lsn order is commit
//! order), the hub's own signing chains (the head row locked while an op is
//! made), number blocks (a series' high-water mark raised in one statement)
//! and the replay guard (a signature seen by any process is a replay at
//! every other). The replica (the op log and the tables made from it) runs
//! here too, in a schema per business ([`business`], [`replica`]).
//!
//! These are primitives: what may be granted to whom, and what an op must
//! hold, is the hub's policy, decided above them (see ARCHITECTURE.md).
//! Migrations are append-only ([`migrate`]).

pub mod business;
pub mod leases;
pub mod log;
pub mod migrate;
pub mod pool;
pub mod replay;
pub mod replica;

pub use migrate::{Outcome, describe, migrate};
pub use pool::Pool;

/// A business's id: 16 raw bytes, as every id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Business(pub [u8; 16]);

#[derive(Debug, thiserror::Error)]
pub enum PgError {
    #[error("database error: {0}")]
    Db(#[from] tokio_postgres::Error),
    #[error(
        "migration {version} ({name}) was changed after it was applied to this database (checksum {found}, expected {expected}); migrations are append-only: add a new one instead"
    )]
    Edited {
        version: i32,
        name: String,
        found: String,
        expected: String,
    },
    #[error(
        "this database is at schema version {db}, newer than this program knows ({known}); upgrade the program"
    )]
    TooNew { db: i32, known: i32 },
    #[error("{field}: {rule}")]
    Invalid { field: &'static str, rule: String },
    #[error("chain of device {device}: {rule}")]
    Chain { device: String, rule: String },
}

pub type Result<T, E = PgError> = std::result::Result<T, E>;

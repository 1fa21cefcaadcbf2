//! The device's SQLite store. All SQL of `branch-node` lives in this module.
//!
//! - [`Store::open`] sets the durability pragmas and migrates.
//! - [`apply`] materializes one operation into the queryable tables, in the
//!   caller's transaction, together with the op itself: the log and the
//!   tables can never disagree.
//! - [`ctx::TxCtx`] answers the rule book's questions (`RuleContext`) from
//!   the tables.
//! - [`read`] holds the queries behind the services' views.
//! - [`drafts`] holds invoice drafts, device-local until finalized.
//! - [`people`] holds the device-local login tables: failed PINs, sessions.
//! - [`sync`] holds what sync keeps: peer acknowledgements and cursors,
//!   operations refused elsewhere, the log as served to LAN peers.
//!
//! Durability: WAL with `synchronous=FULL`. In WAL mode, `NORMAL` only syncs
//! at checkpoints, so a power cut can lose the last commits the user was told
//! were saved; `FULL` fsyncs the WAL on every commit, so an acknowledged write
//! survives `kill -9` and power loss. WAL keeps readers off the writer's back.

pub use sqlite_replica::{apply, ctx};
pub mod drafts;
pub mod money;
pub mod people;
pub mod purchases;
pub mod read;
pub mod reports;
pub mod sales;
pub mod sync;

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};

use crate::error::Result;

pub struct Store {
    pub conn: Connection,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

/// Durability and behaviour settings applied to every connection.
pub const PRAGMAS: &str = "
    PRAGMA journal_mode = WAL;
    PRAGMA synchronous = FULL;
    PRAGMA busy_timeout = 5000;
    PRAGMA foreign_keys = OFF;
    PRAGMA temp_store = MEMORY;
";

/// The writer leaves checkpointing to [`Checkpointer`]; this is only the
/// backstop should that thread stall (pages of WAL, 4 KiB each).
pub const WRITER_AUTOCHECKPOINT: u32 = 16_000;

/// Copies the WAL back into the database in the background, so a commit
/// never pays for a checkpoint (which otherwise lands on every ~100th write
/// and sets its p99). Durability is unchanged: every commit is already
/// fsynced in the WAL.
pub struct Checkpointer {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl Checkpointer {
    pub fn spawn(path: &Path) -> Result<Checkpointer> {
        use std::sync::atomic::{AtomicBool, Ordering};
        let conn = Connection::open(path)?;
        conn.execute_batch("PRAGMA busy_timeout = 50;")?;
        let stop = std::sync::Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let handle = std::thread::Builder::new()
            .name("wal-checkpoint".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(std::time::Duration::from_millis(100));
                    let _ = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                }
            })?;
        Ok(Checkpointer {
            stop,
            handle: Some(handle),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

impl Store {
    pub fn open(path: &Path) -> Result<Store> {
        let mut conn = Connection::open(path)?;
        conn.execute_batch(PRAGMAS)?;
        conn.pragma_update(None, "wal_autocheckpoint", WRITER_AUTOCHECKPOINT)?;
        conn.set_prepared_statement_cache_capacity(256);
        schema::migrate(&mut conn, schema::Target::Device)?;
        Ok(Store { conn })
    }

    pub fn open_in_memory() -> Result<Store> {
        let mut conn = Connection::open_in_memory()?;
        schema::migrate(&mut conn, schema::Target::Device)?;
        Ok(Store { conn })
    }
}

pub fn meta_get(c: &Connection, key: &str) -> Result<Option<String>> {
    Ok(
        c.query_row("SELECT value FROM device_meta WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()?,
    )
}

pub fn meta_set(c: &Connection, key: &str, value: &str) -> Result<()> {
    c.prepare_cached("INSERT INTO device_meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")?
        .execute(params![key, value])?;
    Ok(())
}

pub use sqlite_replica::{applied, chain_head, max_stamp, to16, to32};

//! A business's own schema. Every business on a PostgreSQL deployment has
//! its tables in a schema of its own, `b_<its id in hex>`: the replica's
//! (the same tables as a device's and the SQLite hub's, so the same
//! statements run on them) and, above them, the hub's. A transaction
//! working for a business names only that schema in its search path, so no
//! statement of one business can reach another's rows; and a deployment
//! outgrowing one server shards by business with Citus's schema-based
//! sharding, which moves each such schema whole (see ARCHITECTURE.md).
//!
//! The schema has its own append-only migrations
//! ([`crate::migrate::BUSINESS`]), applied when the business is opened.

use tokio_postgres::{Client, Transaction};

use crate::migrate::{self, Outcome};
use crate::{Business, Result};

/// The schema of `b`'s tables.
pub fn schema(b: Business) -> String {
    let mut s = String::from("b_");
    for byte in b.0 {
        s.push_str(&format!("{byte:02x}"));
    }
    s
}

/// Create `b`'s schema if it is new and bring it to the latest migration.
/// Two hub processes opening one business at once: one migrates, the other
/// waits and finds it current.
pub async fn open(c: &mut Client, b: Business) -> Result<Outcome> {
    let tx = c.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&lock_key(b, 0x5C4E)])
        .await?;
    tx.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {}", schema(b)))
        .await?;
    enter(&tx, b).await?;
    let out = migrate::apply(&tx, &migrate::BUSINESS, migrate::BUSINESS.latest(), true).await?;
    tx.commit().await?;
    Ok(out)
}

/// Work for `b` for the rest of this transaction: its schema alone is on
/// the search path.
pub async fn enter(tx: &Transaction<'_>, b: Business) -> Result<()> {
    tx.batch_execute(&format!("SET LOCAL search_path TO {}", schema(b)))
        .await?;
    Ok(())
}

/// An advisory lock key of `b`'s, one per purpose.
pub fn lock_key(b: Business, purpose: i64) -> i64 {
    let mut k = [0u8; 8];
    k.copy_from_slice(&b.0[..8]);
    i64::from_le_bytes(k) ^ purpose
}

//! Append-only migrations, as the SQLite schema's (`schema` crate): a fresh
//! database gets the current snapshot (`current.sql`) in one transaction; an
//! existing one every migration above its version, each in its own. Applied
//! migrations are recorded with a checksum, and one edited after it was
//! applied is refused. [`describe`] reads the catalog back as text, so a
//! test can prove both ways give the same schema.

use tokio_postgres::{Client, GenericClient, Transaction};

use crate::{PgError, Result};

pub struct Migration {
    pub version: i32,
    pub name: &'static str,
    pub sql: &'static str,
}

/// One line of migrations, with its own bookkeeping table in the schema it
/// migrates.
pub struct Set {
    pub migrations: &'static [Migration],
    /// What a fresh install applies in one go (the latest schema), when the
    /// line has grown long enough to keep one.
    pub snapshot: Option<&'static str>,
}

impl Set {
    pub fn latest(&self) -> i32 {
        self.migrations.last().map_or(0, |m| m.version)
    }
}

/// The deployment's own tables (in `public`): what every business shares.
pub const DEPLOYMENT: Set = Set {
    migrations: &[Migration {
        version: 1,
        name: "0001_shared_log",
        sql: include_str!("../migrations/0001_shared_log.sql"),
    }],
    snapshot: Some(include_str!("../current.sql")),
};

/// Each business's tables, in its own schema ([`crate::business`]).
pub const BUSINESS: Set = Set {
    migrations: &[
        Migration {
            version: 1,
            name: "business/0001_replica",
            sql: include_str!("../migrations/business/0001_replica.sql"),
        },
        Migration {
            version: 2,
            name: "business/0002_hub",
            sql: include_str!("../migrations/business/0002_hub.sql"),
        },
        Migration {
            version: 3,
            name: "business/0003_seen_requests",
            sql: include_str!("../migrations/business/0003_seen_requests.sql"),
        },
        Migration {
            version: 4,
            name: "business/0004_rate_buckets",
            sql: include_str!("../migrations/business/0004_rate_buckets.sql"),
        },
        Migration {
            version: 5,
            name: "business/0005_audit_place",
            sql: include_str!("../migrations/business/0005_audit_place.sql"),
        },
        Migration {
            version: 6,
            name: "business/0006_messages",
            sql: include_str!("../migrations/business/0006_messages.sql"),
        },
        Migration {
            version: 7,
            name: "business/0007_message_templates",
            sql: include_str!("../migrations/business/0007_message_templates.sql"),
        },
        Migration {
            version: 8,
            name: "business/0008_job_ratings",
            sql: include_str!("../migrations/business/0008_job_ratings.sql"),
        },
        Migration {
            version: 9,
            name: "business/0009_device_series",
            sql: include_str!("../migrations/business/0009_device_series.sql"),
        },
        Migration {
            version: 10,
            name: "business/0010_transfer_invoice",
            sql: include_str!("../migrations/business/0010_transfer_invoice.sql"),
        },
        Migration {
            version: 11,
            name: "business/0011_purchases",
            sql: include_str!("../migrations/business/0011_purchases.sql"),
        },
        Migration {
            version: 12,
            name: "business/0012_einvoice",
            sql: include_str!("../migrations/business/0012_einvoice.sql"),
        },
        Migration {
            version: 13,
            name: "business/0013_scheduled_rate",
            sql: include_str!("../migrations/business/0013_scheduled_rate.sql"),
        },
    ],
    snapshot: Some(include_str!("../migrations/business/current.sql")),
};

pub const MIGRATIONS: &[Migration] = DEPLOYMENT.migrations;

pub fn latest() -> i32 {
    DEPLOYMENT.latest()
}

/// FNV-1a, 64 bit, as the SQLite runner's.
pub fn checksum(sql: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in sql.as_bytes() {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Fresh { to: i32 },
    Upgraded { from: i32, to: i32 },
    Current { at: i32 },
}

const BOOKKEEPING: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version     integer PRIMARY KEY,
    name        text    NOT NULL,
    checksum    text    NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
)";

/// Bring the database to the latest schema.
pub async fn migrate(c: &mut Client) -> Result<Outcome> {
    migrate_to(c, latest(), true).await
}

/// Bring the database to `target`: from nothing by the snapshot when
/// `fresh_by_snapshot` and `target` is the latest, else migration by
/// migration (the upgrade path a test walks).
pub async fn migrate_to(c: &mut Client, target: i32, fresh_by_snapshot: bool) -> Result<Outcome> {
    // Two hub processes starting at once: one migrates, the other waits.
    let tx = c.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock(7400)", &[])
        .await?;
    let out = apply(&tx, &DEPLOYMENT, target, fresh_by_snapshot).await?;
    tx.commit().await?;
    Ok(out)
}

/// Bring the first schema of `tx`'s search path to `target` of `set`, in
/// the caller's transaction (which holds the lock that keeps two processes
/// from migrating one schema at once).
pub async fn apply(
    tx: &Transaction<'_>,
    set: &Set,
    target: i32,
    fresh_by_snapshot: bool,
) -> Result<Outcome> {
    tx.batch_execute(BOOKKEEPING).await?;
    let applied: Vec<(i32, String, String)> = tx
        .query(
            "SELECT version, name, checksum FROM schema_migrations ORDER BY version",
            &[],
        )
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    for (v, name, sum) in &applied {
        match set.migrations.iter().find(|m| m.version == *v) {
            Some(m) if checksum(m.sql) != *sum => {
                return Err(PgError::Edited {
                    version: *v,
                    name: name.clone(),
                    found: checksum(m.sql),
                    expected: sum.clone(),
                });
            }
            Some(_) => {}
            None => {
                return Err(PgError::TooNew {
                    db: *v,
                    known: set.latest(),
                });
            }
        }
    }
    let at = applied.last().map_or(0, |a| a.0);
    if at >= target {
        return Ok(Outcome::Current { at });
    }
    let record = "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)";
    if let Some(snapshot) = set.snapshot
        && at == 0
        && fresh_by_snapshot
        && target == set.latest()
    {
        tx.batch_execute(snapshot).await?;
        for m in set.migrations {
            tx.execute(record, &[&m.version, &m.name, &checksum(m.sql)])
                .await?;
        }
        return Ok(Outcome::Fresh { to: target });
    }
    for m in set
        .migrations
        .iter()
        .filter(|m| m.version > at && m.version <= target)
    {
        tx.batch_execute(m.sql).await?;
        tx.execute(record, &[&m.version, &m.name, &checksum(m.sql)])
            .await?;
    }
    Ok(Outcome::Upgraded {
        from: at,
        to: target,
    })
}

/// The schema as text, from the catalog: every table's columns (type,
/// nullability, default), constraints and indexes, in a stable order.
pub async fn describe(c: &impl GenericClient) -> Result<String> {
    let mut out = String::new();
    let cols = c
        .query(
            "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
                    coalesce(pg_get_expr(d.adbin, d.adrelid), '')
             FROM pg_class c
             JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = current_schema()
             JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
             LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
             WHERE c.relkind = 'r' AND c.relname <> 'schema_migrations'
             ORDER BY c.relname, a.attnum",
            &[],
        )
        .await?;
    for r in cols {
        let (t, col, ty, nn, def): (String, String, String, bool, String) =
            (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4));
        out.push_str(&format!(
            "column {t}.{col} {ty} not_null={nn} default={def}\n"
        ));
    }
    let cons = c
        .query(
            "SELECT t.relname, pg_get_constraintdef(k.oid)
             FROM pg_constraint k
             JOIN pg_class t ON t.oid = k.conrelid
             JOIN pg_namespace n ON n.oid = t.relnamespace AND n.nspname = current_schema()
             WHERE t.relname <> 'schema_migrations'
             ORDER BY 1, 2",
            &[],
        )
        .await?;
    for r in cons {
        let (t, def): (String, String) = (r.get(0), r.get(1));
        out.push_str(&format!("constraint {t} {def}\n"));
    }
    let idx = c
        .query(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema()
             AND tablename <> 'schema_migrations' ORDER BY indexdef",
            &[],
        )
        .await?;
    for r in idx {
        out.push_str(&format!("index {}\n", r.get::<_, String>(0)));
    }
    Ok(out)
}

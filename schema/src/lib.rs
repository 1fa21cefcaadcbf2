//! `schema`: the SQLite schema of a device and of the hub, as numbered,
//! append-only migrations, and the runner that applies them.
//!
//! Two ways in, one result:
//! - a **fresh install** applies the current snapshot (`current/*.sql`) in one
//!   transaction;
//! - an **upgrade** applies every migration above the database's
//!   `user_version`, each in its own transaction.
//!
//! A test proves both give exactly the same schema. Applied migrations are
//! recorded with a checksum; a migration edited after release is refused, since
//! databases in the field already ran the old text.
//!
//! Migrations shared by both targets live in `migrations/common`; each target
//! lists which files it runs, in order.

use rusqlite::{Connection, OptionalExtension};

#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error("database error while migrating: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error(
        "migration {version} ({name}) was changed after it was applied to this database (checksum {found}, expected {expected}); migrations are append-only: add a new one instead"
    )]
    Edited {
        version: u32,
        name: String,
        found: String,
        expected: String,
    },
    #[error(
        "this database is at schema version {db}, newer than this program knows ({known}); upgrade the program"
    )]
    TooNew { db: u32, known: u32 },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Device,
    Hub,
}

#[derive(Debug)]
pub struct Migration {
    pub version: u32,
    pub name: &'static str,
    pub sql: &'static str,
}

const DEVICE: &[Migration] = &[
    Migration {
        version: 1,
        name: "common/0001_log_and_records",
        sql: include_str!("../migrations/common/0001_log_and_records.sql"),
    },
    Migration {
        version: 2,
        name: "device/0001_device_local",
        sql: include_str!("../migrations/device/0001_device_local.sql"),
    },
    Migration {
        version: 3,
        name: "common/0002_device_trust",
        sql: include_str!("../migrations/common/0002_device_trust.sql"),
    },
    Migration {
        version: 4,
        name: "device/0002_peer_held",
        sql: include_str!("../migrations/device/0002_peer_held.sql"),
    },
    Migration {
        version: 5,
        name: "common/0003_overruled_ops",
        sql: include_str!("../migrations/common/0003_overruled_ops.sql"),
    },
    Migration {
        version: 6,
        name: "common/0004_branch_phone",
        sql: include_str!("../migrations/common/0004_branch_phone.sql"),
    },
    Migration {
        version: 7,
        name: "device/0003_hub_incarnation",
        sql: include_str!("../migrations/device/0003_hub_incarnation.sql"),
    },
    Migration {
        version: 8,
        name: "device/0004_forked_ops",
        sql: include_str!("../migrations/device/0004_forked_ops.sql"),
    },
    Migration {
        version: 9,
        name: "common/0005_audit_place",
        sql: include_str!("../migrations/common/0005_audit_place.sql"),
    },
    Migration {
        version: 10,
        name: "common/0006_messages",
        sql: include_str!("../migrations/common/0006_messages.sql"),
    },
    Migration {
        version: 11,
        name: "common/0007_message_templates",
        sql: include_str!("../migrations/common/0007_message_templates.sql"),
    },
    Migration {
        version: 12,
        name: "common/0008_job_ratings",
        sql: include_str!("../migrations/common/0008_job_ratings.sql"),
    },
    Migration {
        version: 13,
        name: "common/0009_device_series",
        sql: include_str!("../migrations/common/0009_device_series.sql"),
    },
    Migration {
        version: 14,
        name: "common/0010_transfer_invoice",
        sql: include_str!("../migrations/common/0010_transfer_invoice.sql"),
    },
    Migration {
        version: 15,
        name: "common/0011_purchases",
        sql: include_str!("../migrations/common/0011_purchases.sql"),
    },
    Migration {
        version: 16,
        name: "common/0012_einvoice",
        sql: include_str!("../migrations/common/0012_einvoice.sql"),
    },
    Migration {
        version: 17,
        name: "common/0013_scheduled_rate",
        sql: include_str!("../migrations/common/0013_scheduled_rate.sql"),
    },
];

const HUB: &[Migration] = &[
    Migration {
        version: 1,
        name: "common/0001_log_and_records",
        sql: include_str!("../migrations/common/0001_log_and_records.sql"),
    },
    Migration {
        version: 2,
        name: "hub/0001_hub_local",
        sql: include_str!("../migrations/hub/0001_hub_local.sql"),
    },
    Migration {
        version: 3,
        name: "common/0002_device_trust",
        sql: include_str!("../migrations/common/0002_device_trust.sql"),
    },
    Migration {
        version: 4,
        name: "hub/0002_enrollment_ceiling",
        sql: include_str!("../migrations/hub/0002_enrollment_ceiling.sql"),
    },
    Migration {
        version: 5,
        name: "common/0003_overruled_ops",
        sql: include_str!("../migrations/common/0003_overruled_ops.sql"),
    },
    Migration {
        version: 6,
        name: "common/0004_branch_phone",
        sql: include_str!("../migrations/common/0004_branch_phone.sql"),
    },
    Migration {
        version: 7,
        name: "hub/0003_restore",
        sql: include_str!("../migrations/hub/0003_restore.sql"),
    },
    Migration {
        version: 8,
        name: "common/0005_audit_place",
        sql: include_str!("../migrations/common/0005_audit_place.sql"),
    },
    Migration {
        version: 9,
        name: "common/0006_messages",
        sql: include_str!("../migrations/common/0006_messages.sql"),
    },
    Migration {
        version: 10,
        name: "hub/0004_outbox",
        sql: include_str!("../migrations/hub/0004_outbox.sql"),
    },
    Migration {
        version: 11,
        name: "common/0007_message_templates",
        sql: include_str!("../migrations/common/0007_message_templates.sql"),
    },
    Migration {
        version: 12,
        name: "common/0008_job_ratings",
        sql: include_str!("../migrations/common/0008_job_ratings.sql"),
    },
    Migration {
        version: 13,
        name: "common/0009_device_series",
        sql: include_str!("../migrations/common/0009_device_series.sql"),
    },
    Migration {
        version: 14,
        name: "hub/0005_enrollment_series",
        sql: include_str!("../migrations/hub/0005_enrollment_series.sql"),
    },
    Migration {
        version: 15,
        name: "common/0010_transfer_invoice",
        sql: include_str!("../migrations/common/0010_transfer_invoice.sql"),
    },
    Migration {
        version: 16,
        name: "common/0011_purchases",
        sql: include_str!("../migrations/common/0011_purchases.sql"),
    },
    Migration {
        version: 17,
        name: "common/0012_einvoice",
        sql: include_str!("../migrations/common/0012_einvoice.sql"),
    },
    Migration {
        version: 18,
        name: "hub/0006_einvoice_queue",
        sql: include_str!("../migrations/hub/0006_einvoice_queue.sql"),
    },
    Migration {
        version: 19,
        name: "common/0013_scheduled_rate",
        sql: include_str!("../migrations/common/0013_scheduled_rate.sql"),
    },
];

pub fn migrations(target: Target) -> &'static [Migration] {
    match target {
        Target::Device => DEVICE,
        Target::Hub => HUB,
    }
}

/// The whole current schema, for a fresh install.
pub fn snapshot(target: Target) -> &'static str {
    match target {
        Target::Device => include_str!("../current/device.sql"),
        Target::Hub => include_str!("../current/hub.sql"),
    }
}

pub fn latest(target: Target) -> u32 {
    migrations(target).last().map(|m| m.version).unwrap_or(0)
}

/// FNV-1a, 64 bit: enough to notice an edited migration, no dependency.
pub fn checksum(sql: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in sql.as_bytes() {
        h ^= *b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

const LEDGER: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version     INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    checksum    TEXT NOT NULL
)";

fn user_version(conn: &Connection) -> Result<u32, SchemaError> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get::<_, u32>(0))?)
}

fn is_empty(conn: &Connection) -> Result<bool, SchemaError> {
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'",
        [],
        |r| r.get(0),
    )?;
    Ok(n == 0)
}

/// What [`migrate`] did.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    FreshInstall { version: u32 },
    Upgraded { from: u32, to: u32 },
    UpToDate { version: u32 },
}

/// Bring `conn` to the latest schema of `target`.
pub fn migrate(conn: &mut Connection, target: Target) -> Result<Outcome, SchemaError> {
    let known = latest(target);
    if is_empty(conn)? {
        let tx = conn.transaction()?;
        tx.execute_batch(snapshot(target))?;
        tx.execute_batch(LEDGER)?;
        for m in migrations(target) {
            tx.execute(
                "INSERT INTO schema_migrations (version, name, checksum) VALUES (?1, ?2, ?3)",
                rusqlite::params![m.version, m.name, checksum(m.sql)],
            )?;
        }
        tx.pragma_update(None, "user_version", known)?;
        tx.commit()?;
        return Ok(Outcome::FreshInstall { version: known });
    }
    migrate_to(conn, target, known)
}

/// Apply migrations one by one up to `to` (tests use this to start from the
/// first migration).
pub fn migrate_to(conn: &mut Connection, target: Target, to: u32) -> Result<Outcome, SchemaError> {
    let from = user_version(conn)?;
    let known = latest(target);
    if from > known {
        return Err(SchemaError::TooNew { db: from, known });
    }
    conn.execute_batch(LEDGER)?;
    for m in migrations(target).iter().filter(|m| m.version <= from) {
        let recorded: Option<String> = conn
            .query_row(
                "SELECT checksum FROM schema_migrations WHERE version = ?1",
                [m.version],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(found) = recorded {
            let expected = checksum(m.sql);
            if found != expected {
                return Err(SchemaError::Edited {
                    version: m.version,
                    name: m.name.into(),
                    found,
                    expected,
                });
            }
        }
    }
    let mut at = from;
    for m in migrations(target)
        .iter()
        .filter(|m| m.version > from && m.version <= to)
    {
        let tx = conn.transaction()?;
        tx.execute_batch(m.sql)?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, checksum) VALUES (?1, ?2, ?3)",
            rusqlite::params![m.version, m.name, checksum(m.sql)],
        )?;
        tx.pragma_update(None, "user_version", m.version)?;
        tx.commit()?;
        at = m.version;
    }
    Ok(if at == from {
        Outcome::UpToDate { version: at }
    } else {
        Outcome::Upgraded { from, to: at }
    })
}

/// The schema as SQLite records it, normalized for comparison: every table,
/// index and trigger with its SQL, sorted by name, plus the migration ledger.
pub fn dump(conn: &Connection) -> Result<String, SchemaError> {
    let mut stmt = conn.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")?;
    let rows = stmt.query_map([], |r| {
        Ok(format!(
            "{} {} on {}: {}",
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<String>>(3)?
                .unwrap_or_default()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        ))
    })?;
    let mut out: Vec<String> = rows.collect::<Result<_, _>>()?;
    let mut stmt =
        conn.prepare("SELECT version, name, checksum FROM schema_migrations ORDER BY version")?;
    let ledger = stmt.query_map([], |r| {
        Ok(format!(
            "migration {} {} {}",
            r.get::<_, u32>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?
        ))
    })?;
    for l in ledger {
        out.push(l?);
    }
    out.push(format!("user_version {}", user_version(conn)?));
    Ok(out.join("\n"))
}

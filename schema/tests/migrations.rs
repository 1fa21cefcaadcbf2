//! Upgrading from the first migration gives exactly the schema of a fresh
//! install, for both targets; edited migrations and newer databases are refused.
//!
//! `SCHEMA_BLESS=1 cargo test -p schema` rewrites `current/*.sql` from the
//! migrations (then review the diff).

use rusqlite::Connection;
use schema::{Outcome, SchemaError, Target, dump, latest, migrate, migrate_to, migrations};

fn migrated_schema_sql(target: Target) -> String {
    let mut c = Connection::open_in_memory().unwrap();
    migrate_to(&mut c, target, latest(target)).unwrap();
    let mut stmt = c
        .prepare("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' AND name != 'schema_migrations' ORDER BY CASE type WHEN 'table' THEN 0 WHEN 'index' THEN 1 ELSE 2 END, rowid")
        .unwrap();
    let parts: Vec<String> = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .unwrap()
        .map(|s| s.unwrap() + ";")
        .collect();
    format!(
        "-- Generated from the migrations by `SCHEMA_BLESS=1 cargo test -p schema`. Do not edit.\n{}\n",
        parts.join("\n")
    )
}

fn check(target: Target, file: &str) {
    if std::env::var("SCHEMA_BLESS").is_ok() {
        std::fs::write(
            format!("{}/current/{file}", env!("CARGO_MANIFEST_DIR")),
            migrated_schema_sql(target),
        )
        .unwrap();
    }
    // Upgrade path: first migration, some data, then the rest.
    let mut up = Connection::open_in_memory().unwrap();
    assert_eq!(
        migrate_to(&mut up, target, 1).unwrap(),
        Outcome::Upgraded { from: 0, to: 1 }
    );
    up.execute("INSERT INTO customers (id, branch, name, mobile, created_at) VALUES (x'01', x'02', 'Asha', '9845012345', 0)", []).unwrap();
    let out = migrate(&mut up, target).unwrap();
    if latest(target) > 1 {
        assert_eq!(
            out,
            Outcome::Upgraded {
                from: 1,
                to: latest(target)
            }
        );
    }
    let n: i64 = up
        .query_row("SELECT count(*) FROM customers", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1, "upgrade keeps data");
    // Fresh install from the snapshot.
    let mut fresh = Connection::open_in_memory().unwrap();
    assert_eq!(
        migrate(&mut fresh, target).unwrap(),
        Outcome::FreshInstall {
            version: latest(target)
        }
    );
    assert_eq!(
        dump(&up).unwrap(),
        dump(&fresh).unwrap(),
        "{target:?}: upgraded schema differs from a fresh install; run SCHEMA_BLESS=1 cargo test -p schema"
    );
    assert_eq!(
        migrate(&mut fresh, target).unwrap(),
        Outcome::UpToDate {
            version: latest(target)
        }
    );
}

#[test]
fn device_upgrade_equals_fresh_install() {
    check(Target::Device, "device.sql");
}

#[test]
fn hub_upgrade_equals_fresh_install() {
    check(Target::Hub, "hub.sql");
}

#[test]
fn edited_migration_is_refused() {
    let mut c = Connection::open_in_memory().unwrap();
    migrate(&mut c, Target::Device).unwrap();
    c.execute(
        "UPDATE schema_migrations SET checksum = 'deadbeef' WHERE version = 1",
        [],
    )
    .unwrap();
    assert!(matches!(
        migrate(&mut c, Target::Device),
        Err(SchemaError::Edited { version: 1, .. })
    ));
}

#[test]
fn newer_database_is_refused() {
    let mut c = Connection::open_in_memory().unwrap();
    migrate(&mut c, Target::Hub).unwrap();
    c.pragma_update(None, "user_version", 999).unwrap();
    let e = migrate(&mut c, Target::Hub).unwrap_err();
    assert!(
        matches!(e, SchemaError::TooNew { db: 999, .. })
            && e.to_string().contains("upgrade the program")
    );
}

#[test]
fn migrations_are_numbered_consecutively() {
    for t in [Target::Device, Target::Hub] {
        for (i, m) in migrations(t).iter().enumerate() {
            assert_eq!(m.version as usize, i + 1, "{t:?} {}", m.name);
        }
    }
}

#[test]
fn log_and_audit_are_append_only() {
    let mut c = Connection::open_in_memory().unwrap();
    migrate(&mut c, Target::Device).unwrap();
    c.execute("INSERT INTO audit (device, seq, at, author, branch, kind, prev, hash) VALUES (x'01', 1, 0, x'02', x'03', 'job_opened', x'00', x'11')", []).unwrap();
    let e = c.execute("UPDATE audit SET kind = 'x'", []).unwrap_err();
    assert!(e.to_string().contains("append-only"));
    assert!(
        c.execute("DELETE FROM audit", [])
            .unwrap_err()
            .to_string()
            .contains("append-only")
    );
    c.execute("INSERT INTO ops (device, seq, hlc_wall, hlc_logical, author, branch, kind, hash, wire) VALUES (x'01', 1, 0, 0, x'02', x'03', 'k', x'00', x'00')", []).unwrap();
    assert!(
        c.execute("DELETE FROM ops", [])
            .unwrap_err()
            .to_string()
            .contains("append-only")
    );
}

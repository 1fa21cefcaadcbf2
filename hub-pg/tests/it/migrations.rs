//! A fresh install (the snapshot) and an upgrade through every migration
//! give the same catalog; an edited migration and a newer database are
//! refused; two processes starting at once migrate once.

use hub_pg::migrate::{Outcome, latest, migrate_to};
use hub_pg::{PgError, describe, migrate};

use crate::fresh_db;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fresh_install_equals_upgrade_and_edits_are_refused() {
    let (Some(fresh), Some(up)) = (fresh_db().await, fresh_db().await) else {
        return;
    };
    let mut f = hub_pg::pool::connect(&fresh.url).await.unwrap();
    assert_eq!(
        migrate(&mut f).await.unwrap(),
        Outcome::Fresh { to: latest() }
    );
    assert_eq!(
        migrate(&mut f).await.unwrap(),
        Outcome::Current { at: latest() }
    );
    let mut u = hub_pg::pool::connect(&up.url).await.unwrap();
    assert_eq!(
        migrate_to(&mut u, latest(), false).await.unwrap(),
        Outcome::Upgraded {
            from: 0,
            to: latest()
        }
    );
    let (a, b) = (describe(&f).await.unwrap(), describe(&u).await.unwrap());
    assert!(a.contains("column ops.business bytea not_null=true"), "{a}");
    assert!(a.contains("PRIMARY KEY (business, device, seq)"), "{a}");
    assert_eq!(a, b, "the snapshot and the migrations differ");

    // A migration edited after it was applied, then a newer database.
    u.execute(
        "UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1",
        &[],
    )
    .await
    .unwrap();
    let e = migrate(&mut u).await.unwrap_err();
    assert!(matches!(e, PgError::Edited { version: 1, .. }), "{e}");
    f.execute(
        "INSERT INTO schema_migrations (version, name, checksum) VALUES (999, 'future', 'x')",
        &[],
    )
    .await
    .unwrap();
    let e = migrate(&mut f).await.unwrap_err();
    assert!(matches!(e, PgError::TooNew { db: 999, .. }), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_starting_at_once_migrate_once() {
    let Some(db) = fresh_db().await else { return };
    let (mut a, mut b) = (
        hub_pg::pool::connect(&db.url).await.unwrap(),
        hub_pg::pool::connect(&db.url).await.unwrap(),
    );
    let (ra, rb) = tokio::join!(migrate(&mut a), migrate(&mut b));
    let mut outcomes = [ra.unwrap(), rb.unwrap()];
    outcomes.sort_by_key(|o| matches!(o, Outcome::Current { .. }));
    assert_eq!(
        outcomes,
        [
            Outcome::Fresh { to: latest() },
            Outcome::Current { at: latest() }
        ]
    );
}

/// A business's schema has its own line of migrations: a fresh business
/// (the snapshot) and one upgraded through every migration give the same
/// catalog.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_business_equals_an_upgraded_one() {
    use hub_pg::migrate::{BUSINESS, apply};
    let Some(db) = fresh_db().await else { return };
    let mut c = hub_pg::pool::connect(&db.url).await.unwrap();
    migrate(&mut c).await.unwrap();
    let mut seen = vec![];
    for (n, by_snapshot) in [(1u8, true), (2u8, false)] {
        let b = hub_pg::Business([n; 16]);
        let tx = c.transaction().await.unwrap();
        tx.batch_execute(&format!("CREATE SCHEMA {}", hub_pg::business::schema(b)))
            .await
            .unwrap();
        hub_pg::business::enter(&tx, b).await.unwrap();
        let out = apply(&tx, &BUSINESS, BUSINESS.latest(), by_snapshot)
            .await
            .unwrap();
        assert_eq!(
            out,
            if by_snapshot {
                Outcome::Fresh {
                    to: BUSINESS.latest(),
                }
            } else {
                Outcome::Upgraded {
                    from: 0,
                    to: BUSINESS.latest(),
                }
            }
        );
        // Index definitions name their schema: the same name for both.
        seen.push(
            describe(&tx)
                .await
                .unwrap()
                .replace(&hub_pg::business::schema(b), "<business>"),
        );
        tx.commit().await.unwrap();
    }
    assert!(
        seen[0].contains("column rate_buckets.tokens bigint"),
        "{}",
        seen[0]
    );
    assert_eq!(
        seen[0], seen[1],
        "the business snapshot and its migrations differ"
    );
}

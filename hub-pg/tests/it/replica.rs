//! The replica on PostgreSQL against the replica on SQLite: one set of
//! statements (`sqlite_replica::Sql`), two engines. Random offline days of
//! five devices (a stolen laptop forging ops beyond its trust among them),
//! in a random order with duplicates, are fed to both; they must take and
//! refuse exactly the same ops, end with the same rows in every table of a
//! branch's state (so the same digest: a device on SQLite and a hub on
//! PostgreSQL prove they agree the way two SQLite replicas do), and list
//! the same things for a person to settle.
//!
//! `PG_DIFF_CASES` sets the number of days (default 12); `PG_DIFF_SEED`
//! replays one.

use hub_pg::Business;
use hub_pg::replica::{PgSql, Queued, Statements};
use rusqlite::Connection;
use sqlite_replica::receive::{self, Check};
use sqlite_replica::{Sql, SqlExt, digest, p, review};
use sync_core::testkit::feed::shuffled_feed;

use crate::fresh_db;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
}

fn business(seed: u64) -> Business {
    let mut b = [0u8; 16];
    b[..8].copy_from_slice(&seed.to_le_bytes());
    b[15] = 0xB5;
    Business(b)
}

/// What a replica ended with, as text to compare.
fn state(c: &dyn Sql, branch: &[u8]) -> Vec<String> {
    let mut out: Vec<String> = c
        .all(
            "SELECT device, seq, rejected FROM ops ORDER BY device, seq",
            p![],
            |r| {
                Ok(format!(
                    "op {}:{} {:?}",
                    hex::encode(r.get::<Vec<u8>>(0)?),
                    r.get::<u64>(1)?,
                    r.get::<Option<String>>(2)?
                ))
            },
        )
        .unwrap();
    for (table, rows) in digest::branch_rows(c, branch).unwrap() {
        out.extend(rows.into_iter().map(|r| format!("{table}: {r}")));
    }
    out.extend(
        review::overpaid(c)
            .unwrap()
            .iter()
            .map(|o| format!("overpaid {} {}", o.number, o.refund_due)),
    );
    out.extend(
        review::late_edits(c)
            .unwrap()
            .iter()
            .map(|e| format!("late {} {}", e.job_no, e.what())),
    );
    out.push(format!("pending {}", receive::pending(c).unwrap()));
    out
}

fn compare(rt: &tokio::runtime::Runtime, client: &mut tokio_postgres::Client, seed: u64) {
    let (w, feed) = shuffled_feed(seed);
    let genesis = w.org.genesis.clone();
    let b = business(seed);
    rt.block_on(hub_pg::business::open(client, b)).unwrap();

    let mut lite = Connection::open_in_memory().unwrap();
    schema::migrate(&mut lite, schema::Target::Hub).unwrap();

    let prepared = Statements::default();
    let tx = rt.block_on(client.transaction()).unwrap();
    rt.block_on(hub_pg::business::enter(&tx, b)).unwrap();
    let queued = Queued::default();
    let pg = PgSql::new(&tx, rt, &prepared, &queued);
    for op in &feed {
        let wire = op.encode().unwrap();
        let a = receive::receive_op(
            &lite,
            &genesis,
            op.clone(),
            &wire,
            None,
            Check::Rules,
            false,
        );
        let z = receive::receive_op(&pg, &genesis, op.clone(), &wire, None, Check::Rules, false);
        match (a, z) {
            (Ok(a), Ok(z)) => {
                assert_eq!(
                    (a.outcome, a.reason, a.unblocked),
                    (z.outcome, z.reason, z.unblocked),
                    "seed {seed}: op {:?} received differently",
                    op.id
                );
            }
            (Err(a), Err(z)) => assert_eq!(a.to_string(), z.to_string(), "seed {seed}"),
            (a, z) => panic!(
                "seed {seed}: op {:?}: SQLite {a:?}, PostgreSQL {z:?}",
                op.id
            ),
        }
    }
    let branch = &w.org.branch.0;
    let (l, g) = (state(&lite, branch), state(&pg, branch));
    assert!(
        l.iter().any(|r| r.starts_with("jobs: ")),
        "seed {seed}: a day without a job"
    );
    for (x, y) in l.iter().zip(&g) {
        assert_eq!(x, y, "seed {seed}: SQLite and PostgreSQL disagree");
    }
    assert_eq!(l.len(), g.len(), "seed {seed}");
    assert_eq!(
        digest::branch_digest(&lite, branch).unwrap(),
        digest::branch_digest(&pg, branch).unwrap()
    );
    queued.commit(tx, rt).unwrap();
}

#[test]
fn the_postgres_replica_takes_and_refuses_what_the_sqlite_replica_does() {
    let rt = runtime();
    let Some(db) = rt.block_on(fresh_db()) else {
        return;
    };
    let mut client = rt.block_on(hub_pg::pool::connect(&db.url)).unwrap();
    if let Some(seed) = std::env::var("PG_DIFF_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        return compare(&rt, &mut client, seed);
    }
    let cases: u64 = std::env::var("PG_DIFF_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    for seed in 1..=cases {
        compare(&rt, &mut client, seed);
    }
}

/// Each business's replica is in its own schema: a transaction working for
/// one sees none of another's rows, and the log stays append-only there
/// as on SQLite.
#[test]
fn a_business_schema_holds_only_its_own_replica() {
    let rt = runtime();
    let Some(db) = rt.block_on(fresh_db()) else {
        return;
    };
    let mut client = rt.block_on(hub_pg::pool::connect(&db.url)).unwrap();
    compare(&rt, &mut client, 7);
    let other = business(8);
    rt.block_on(hub_pg::business::open(&mut client, other))
        .unwrap();
    let prepared = Statements::default();
    let tx = rt.block_on(client.transaction()).unwrap();
    rt.block_on(hub_pg::business::enter(&tx, other)).unwrap();
    let queued = Queued::default();
    let pg = PgSql::new(&tx, &rt, &prepared, &queued);
    let (w, _) = shuffled_feed(7);
    assert_eq!(
        pg.row("SELECT count(*) FROM ops", p![], |r| r.get::<i64>(0))
            .unwrap(),
        0
    );
    assert!(
        digest::branch_rows(&pg, &w.org.branch.0)
            .unwrap()
            .values()
            .all(Vec::is_empty),
        "the other business sees a branch it does not have"
    );
    rt.block_on(tx.rollback()).unwrap();

    let tx = rt.block_on(client.transaction()).unwrap();
    rt.block_on(hub_pg::business::enter(&tx, business(7)))
        .unwrap();
    let queued = Queued::default();
    let pg = PgSql::new(&tx, &rt, &prepared, &queued);
    let err = pg
        .run("UPDATE ops SET kind = 'forged'", p![])
        .expect_err("the log is append-only");
    assert!(err.to_string().contains("append-only"), "{err}");
}

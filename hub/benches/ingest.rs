//! Hub ingest on this machine, in one run, beside its limits:
//!
//! - **hub ingest**: `accept_batch` of 1000-op batches from 4 devices —
//!   decode, batch-verify signatures, chain + causal checks, the rule book,
//!   store, materialize, one transaction per batch; one batch at a time, and
//!   (into a second hub) the 4 devices pushing at once, as they do at the
//!   end of an outage;
//! - **batch-verify limit**: ed25519 batch verification of the same ops;
//! - **bare-insert limit**: inserting the same wire bytes into a plain table,
//!   1000 rows per transaction, same durability.
//!
//! With `REPAIR_PG_URL` set (`eval "$(scripts/postgres)"`), the same on
//! PostgreSQL: the hub ingest into a fresh database, and the bare-insert
//! limit there (one statement per row, 1000 rows per transaction).
//!
//! Run: `cargo bench -p hub --bench ingest` (N via INGEST_N, default 20000).
#![allow(clippy::float_arithmetic)] // rates and times, not money

mod common;

use std::time::Instant;

use hub::store::HubStore;
use hub::store::db::{HubDb, Place, now_ms};
use rusqlite::params;
use sync_core::body::*;
use sync_core::domain::roles::Role;
use sync_core::identity::{DeviceKey, verify_batch};
use sync_core::ids::{DeviceId, RecordId};
use sync_core::op::Op;
use sync_core::protocol::{EnrollRequest, Verdict};
use sync_core::vv::VersionVector;
use sync_core::writer::DeviceWriter;

/// A hub with one branch, a receptionist and `DEVICES` enrolled devices,
/// and each device's ops (customers created and edited) in 1000-op batches.
struct Setup {
    hub: HubDb,
    batches: Vec<(usize, Vec<Vec<u8>>)>,
    all_ops: Vec<Op>,
}

const DEVICES: usize = 4;

fn setup(place: &Place, n: usize) -> Setup {
    let (hub, branch, rec) = common::bench_hub(place);
    let devices = DEVICES;
    let mut writers: Vec<DeviceWriter> = (0..devices)
        .map(|i| {
            let key = DeviceKey::from_seed([i as u8 + 10; 32]);
            let id = DeviceId([i as u8 + 10; 16]);
            let code = hub
                .create_enrollment_with(branch, "bench", i == 0, Some(Role::Manager), now_ms())
                .unwrap();
            hub.redeem(
                &EnrollRequest {
                    code: code.code,
                    device: id,
                    public_key: key.public(),
                },
                now_ms(),
            )
            .unwrap();
            DeviceWriter::new(id, key)
        })
        .collect();
    // Realistic mix: each device creates customers and edits them.
    let per = n / devices;
    let mut batches: Vec<(usize, Vec<Vec<u8>>)> = vec![];
    let mut all_ops: Vec<Op> = vec![];
    for (d, w) in writers.iter_mut().enumerate() {
        let mut ops = vec![];
        for i in 0..per {
            let id = RecordId(sync_core::testkit::id16(d as u8, (i / 2) as u32));
            let body = if i % 2 == 0 {
                OpBody::CustomerCreated(Customer {
                    id,
                    name: format!("Customer {i}"),
                    mobile: "9845012345".into(),
                    email: None,
                    address: None,
                    gstin: None,
                    state_code: Some("29".into()),
                })
            } else {
                let prev = ops.last().map(|o: &Op| o.id).into_iter().collect();
                OpBody::CustomerUpdated {
                    customer: id,
                    writes: vec![FieldWrite {
                        field: "name".into(),
                        value: FieldValue::Text(format!("Customer {i} (edited)")),
                        supersedes: prev,
                    }],
                }
            };
            ops.push(
                w.make(rec, branch, body, &VersionVector::default(), now_ms())
                    .unwrap(),
            );
        }
        for chunk in ops.chunks(1000) {
            batches.push((d, chunk.iter().map(|o| o.encode().unwrap()).collect()));
        }
        all_ops.extend(ops);
    }
    Setup {
        hub,
        batches,
        all_ops,
    }
}

/// Push every batch into the hub: one at a time, or each device from its own
/// thread at once (its own batches in order). Returns the seconds taken.
fn ingest(s: &Setup, at_once: bool) -> f64 {
    let push = |d: usize, b: &Vec<Vec<u8>>| {
        s.hub
            .accept_batch(DeviceId([d as u8 + 10; 16]), b)
            .unwrap()
            .iter()
            .filter(|r| r.verdict == Verdict::Accepted)
            .count()
    };
    let t = Instant::now();
    let accepted: usize = if at_once {
        std::thread::scope(|sc| {
            let jobs: Vec<_> = (0..DEVICES)
                .map(|d| {
                    sc.spawn(move || {
                        s.batches
                            .iter()
                            .filter(|b| b.0 == d)
                            .map(|b| push(d, &b.1))
                            .sum::<usize>()
                    })
                })
                .collect();
            jobs.into_iter().map(|j| j.join().unwrap()).sum()
        })
    } else {
        s.batches.iter().map(|(d, b)| push(*d, b)).sum()
    };
    let secs = t.elapsed().as_secs_f64();
    let total: usize = s.batches.iter().map(|b| b.1.len()).sum();
    assert_eq!(accepted, total, "every op accepted");
    secs
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test` runs this once, tiny,
    // so the bench cannot rot between measurements.
    let smoke = !std::env::args().any(|a| a == "--bench");
    let n: usize = std::env::var("INGEST_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if smoke { 100 } else { 20_000 });
    let dir = tempfile::tempdir().unwrap();
    let one = setup(&Place::Sqlite(dir.path().join("hub.sqlite")), n);
    let at_once = setup(&Place::Sqlite(dir.path().join("hub-at-once.sqlite")), n);
    let (batches, all_ops, devices) = (&one.batches, &one.all_ops, DEVICES);
    let total: usize = batches.iter().map(|b| b.1.len()).sum();

    // batch-verify limit
    let keys: Vec<_> = all_ops
        .iter()
        .map(|o| DeviceKey::from_seed([o.id.device.0[0]; 32]).public())
        .collect();
    let msgs: Vec<Vec<u8>> = all_ops.iter().map(|o| o.signing_bytes().unwrap()).collect();
    let t = Instant::now();
    for ((m, s), k) in msgs
        .chunks(1000)
        .zip(all_ops.chunks(1000))
        .zip(keys.chunks(1000))
    {
        let refs: Vec<&[u8]> = m.iter().map(|x| x.as_slice()).collect();
        let sigs: Vec<[u8; 64]> = s.iter().map(|o| o.sig).collect();
        assert!(verify_batch(&refs, &sigs, k));
    }
    let verify_s = t.elapsed().as_secs_f64();

    // bare-insert limit
    let mut bare = rusqlite::Connection::open(dir.path().join("bare.sqlite")).unwrap();
    bare.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; CREATE TABLE ops (lsn INTEGER PRIMARY KEY, device BLOB, seq INTEGER, wire BLOB, UNIQUE (device, seq));").unwrap();
    let t = Instant::now();
    for (_, b) in batches.iter() {
        let tx = bare.transaction().unwrap();
        for w in b {
            let op = Op::decode(w).unwrap();
            tx.prepare_cached("INSERT INTO ops (device, seq, wire) VALUES (?1, ?2, ?3)")
                .unwrap()
                .execute(params![&op.id.device.0[..], op.id.seq, w])
                .unwrap();
        }
        tx.commit().unwrap();
    }
    let bare_s = t.elapsed().as_secs_f64();

    // hub ingest
    let ingest_s = ingest(&one, false);
    let concurrent_s = ingest(&at_once, true);

    println!("{total} ops from {devices} devices, batches of 1000, WAL + synchronous=FULL\n");
    println!("| path | ops/s |");
    println!("|---|---:|");
    println!(
        "| hub ingest (decode, batch-verify, chain, rules, store, materialize), one batch at a time | {:.0} |",
        total as f64 / ingest_s
    );
    println!(
        "| hub ingest, the {devices} devices pushing at once | {:.0} |",
        total as f64 / concurrent_s
    );
    println!(
        "| limit: ed25519 batch verification alone | {:.0} |",
        total as f64 / verify_s
    );
    println!(
        "| limit: bare INSERT of the wire bytes | {:.0} |",
        total as f64 / bare_s
    );

    let Ok(admin) = std::env::var("REPAIR_PG_URL") else {
        println!("\n(no PostgreSQL: REPAIR_PG_URL unset; `eval \"$(scripts/postgres)\"` first)");
        return;
    };
    let url = hub_pg::pool::create_database(&admin, "repair_h_").unwrap();
    let pg = setup(
        &Place::Postgres {
            url: url.clone(),
            keys: dir.path().join("pg.keys"),
        },
        n,
    );
    let pg_ingest_s = ingest(&pg, false);
    let pg_at_once = setup(
        &Place::Postgres {
            url: hub_pg::pool::create_database(&admin, "repair_h_").unwrap(),
            keys: dir.path().join("pg-at-once.keys"),
        },
        n,
    );
    let pg_concurrent_s = ingest(&pg_at_once, true);
    let pg_bare_s = pg_bare_insert(&url, batches);
    println!(
        "| PostgreSQL: hub ingest, one batch at a time | {:.0} |",
        total as f64 / pg_ingest_s
    );
    println!(
        "| PostgreSQL: hub ingest, the {devices} devices pushing at once | {:.0} |",
        total as f64 / pg_concurrent_s
    );
    println!(
        "| PostgreSQL limit: bare INSERT of the wire bytes, a statement per row | {:.0} |",
        total as f64 / pg_bare_s
    );
}

/// Seconds to insert every wire into a plain table on PostgreSQL, one
/// statement per row, 1000 rows per transaction.
fn pg_bare_insert(url: &str, batches: &[(usize, Vec<Vec<u8>>)]) -> f64 {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut c = hub_pg::pool::connect(url).await.unwrap();
        c.batch_execute("CREATE TABLE bare (lsn bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, device bytea, seq bigint, wire bytea, UNIQUE (device, seq))")
            .await
            .unwrap();
        let t = Instant::now();
        for (_, b) in batches {
            let tx = c.transaction().await.unwrap();
            let stmt = tx
                .prepare("INSERT INTO bare (device, seq, wire) VALUES ($1, $2, $3)")
                .await
                .unwrap();
            for w in b {
                let op = Op::decode(w).unwrap();
                tx.execute(&stmt, &[&&op.id.device.0[..], &(op.id.seq as i64), w])
                    .await
                    .unwrap();
            }
            tx.commit().await.unwrap();
        }
        t.elapsed().as_secs_f64()
    })
}

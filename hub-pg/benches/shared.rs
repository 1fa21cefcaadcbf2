//! The shared primitives on a real PostgreSQL server, in one run, beside
//! the limit of the same rows inserted bare:
//!
//! - **log append**: 1000-op batches from 4 devices (chain checks, lsn in
//!   commit order, heads moved), one process; then two processes (two
//!   pools), the devices split between them;
//! - **bare insert limit**: the same rows into a plain table, 1000 a
//!   transaction as one array statement (as the log's append), no checks,
//!   no index;
//! - **lease grants** by 8 tasks over two processes, one transaction each;
//! - **replay guard** first sights, one statement pair each.
//!
//! Run: `eval "$(scripts/postgres)"; cargo bench -p hub-pg --bench shared`
//! (N via PG_BENCH_N, default 20000). Skips without `REPAIR_PG_URL`.
#![allow(clippy::float_arithmetic)] // rates and times, not money

use std::sync::Arc;
use std::time::Instant;

use hub_pg::leases::{self, Series};
use hub_pg::log::{self, NewOp};
use hub_pg::{Business, Pool};

const DEVICES: usize = 4;
const BATCH: usize = 1000;

fn ops_of(device: usize, n: usize) -> Vec<NewOp> {
    (1..=n as i64)
        .map(|seq| NewOp {
            device: [device as u8 + 1; 16],
            seq,
            branch: [1; 16],
            kind: "customer_created".into(),
            hash: {
                let mut h = seq.to_le_bytes().to_vec();
                h.resize(32, device as u8);
                h
            },
            wire: vec![seq as u8; 220],
            rejected: None,
        })
        .collect()
}

async fn fresh(admin: &str, name: &str) -> String {
    let c = hub_pg::pool::connect(admin).await.unwrap();
    c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await
        .unwrap();
    c.batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let base = admin.rsplit_once('/').map_or(admin, |(b, _)| b);
    let url = format!("{base}/{name}");
    let mut m = hub_pg::pool::connect(&url).await.unwrap();
    hub_pg::migrate(&mut m).await.unwrap();
    url
}

async fn append_all(pool: &Pool, b: Business, batches: Vec<Vec<NewOp>>) {
    for batch in batches {
        let mut c = pool.get().await;
        let tx = c.transaction().await.unwrap();
        log::append(&tx, b, &batch).await.unwrap();
        tx.commit().await.unwrap();
    }
}

fn rate(n: usize, t: Instant) -> String {
    format!("{:.0}", n as f64 / t.elapsed().as_secs_f64())
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let smoke = !std::env::args().any(|a| a == "--bench");
    let Ok(admin) = std::env::var("REPAIR_PG_URL") else {
        assert!(
            std::env::var("REPAIR_REQUIRE_PG").is_err(),
            "REPAIR_REQUIRE_PG is set but REPAIR_PG_URL is not: run scripts/postgres"
        );
        eprintln!("skipped: no PostgreSQL (REPAIR_PG_URL unset)");
        return;
    };
    let n: usize = std::env::var("PG_BENCH_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(if smoke { 200 } else { 20_000 });
    let per = n / DEVICES;
    let b = Business([1; 16]);
    let db = if smoke {
        "repair_bench_smoke"
    } else {
        "repair_bench"
    };
    let url = fresh(&admin, db).await;
    let (a, p2) = (
        Arc::new(Pool::open(&url, 4).await.unwrap()),
        Arc::new(Pool::open(&url, 4).await.unwrap()),
    );
    log::add_business(&*a.get().await, b, "Bench", 0)
        .await
        .unwrap();
    log::add_business(&*a.get().await, Business([2; 16]), "Bench two", 0)
        .await
        .unwrap();
    let mut rows: Vec<(&str, String)> = vec![];

    // One process, batches in turn (devices interleaved).
    let mut batches = vec![];
    let devs: Vec<Vec<NewOp>> = (0..DEVICES).map(|d| ops_of(d, per)).collect();
    for k in 0..per.div_ceil(BATCH) {
        for d in &devs {
            let chunk: Vec<NewOp> = d.iter().skip(k * BATCH).take(BATCH).cloned().collect();
            if !chunk.is_empty() {
                batches.push(chunk);
            }
        }
    }
    let t = Instant::now();
    append_all(&a, b, batches).await;
    rows.push(("log append, one process", rate(per * DEVICES, t)));

    // Two processes, each with half the devices, in a second business.
    let b2 = Business([2; 16]);
    let t = Instant::now();
    let mut tasks = vec![];
    for (i, d) in devs.iter().enumerate() {
        let pool = if i % 2 == 0 { a.clone() } else { p2.clone() };
        let batches: Vec<Vec<NewOp>> = d.chunks(BATCH).map(|c| c.to_vec()).collect();
        tasks.push(tokio::spawn(
            async move { append_all(&pool, b2, batches).await },
        ));
    }
    for t in tasks {
        t.await.unwrap();
    }
    rows.push(("log append, two processes at once", rate(per * DEVICES, t)));

    // The limit: the same rows, bare.
    {
        let mut c = a.get().await;
        c.batch_execute("CREATE TABLE bare (device bytea, seq bigint, wire bytea)")
            .await
            .unwrap();
        let t = Instant::now();
        for d in &devs {
            for chunk in d.chunks(BATCH) {
                let tx = c.transaction().await.unwrap();
                let devs: Vec<&[u8]> = chunk.iter().map(|o| &o.device[..]).collect();
                let seqs: Vec<i64> = chunk.iter().map(|o| o.seq).collect();
                let wires: Vec<&[u8]> = chunk.iter().map(|o| &o.wire[..]).collect();
                tx.execute(
                    "INSERT INTO bare SELECT * FROM unnest($1::bytea[], $2::bigint[], $3::bytea[])",
                    &[&devs, &seqs, &wires],
                )
                .await
                .unwrap();
                tx.commit().await.unwrap();
            }
        }
        rows.push((
            "limit: bare INSERT of the same rows",
            rate(per * DEVICES, t),
        ));
    }

    // Lease grants, 8 tasks over two processes.
    let grants = (n / 20).max(16);
    let t = Instant::now();
    let mut tasks = vec![];
    for w in 0..8usize {
        let pool = if w % 2 == 0 { a.clone() } else { p2.clone() };
        tasks.push(tokio::spawn(async move {
            let series = Series {
                prefix: "BEN".into(),
                doc_type: "tax_invoice".into(),
                fy: 2026,
            };
            for i in 0..grants / 8 {
                let mut c = pool.get().await;
                let tx = c.transaction().await.unwrap();
                let mut id = [w as u8; 16];
                id[8..].copy_from_slice(&(i as u64).to_le_bytes());
                leases::grant(&tx, b, &series, [w as u8; 16], id, 50)
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    rows.push((
        "lease grants, 8 tasks over two processes",
        rate(grants / 8 * 8, t),
    ));

    // Replay guard.
    let sights = (n / 10).max(20);
    let t = Instant::now();
    {
        let c = a.get().await;
        for i in 0..sights {
            let mut sig = [0u8; 64];
            sig[..8].copy_from_slice(&(i as u64).to_le_bytes());
            assert!(
                hub_pg::replay::first_sight(&*c, b, [9; 16], &sig, i as i64, 300_000)
                    .await
                    .unwrap()
            );
        }
    }
    rows.push(("replay guard, first sights", rate(sights, t)));

    println!("| path | per second |\n|---|---:|");
    for (k, v) in rows {
        println!("| {k} | {v} |");
    }
    let c = hub_pg::pool::connect(&admin).await.unwrap();
    drop((a, p2));
    let _ = c
        .batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
        .await;
}

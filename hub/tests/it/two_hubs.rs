//! Two `hub serve` processes over one PostgreSQL database, devices spread
//! over both (as behind any load balancer): what one process would keep in
//! memory is shared through the database, so the two act as one hub.
//! Hundreds of concurrent lease requests never overlap, a request replayed
//! to the other process is refused, a device's rate is one bucket across
//! both, and a process killed mid-push loses nothing it acknowledged while
//! the devices carry on through the other.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use hub::store::db::HubDb;
use sqlite_replica::{SqlExt, p};
use sync_core::body::Lease;
use sync_core::domain::roles::Role;
use sync_core::op::Op;
use sync_core::protocol::{LEASE, LeaseResponse, PULL, PUSH, PushResponse, Verdict};

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hub_processes_over_one_database_act_as_one_hub() {
    let dir = tempfile::tempdir().unwrap();
    let Some(place) = pg_place(dir.path()) else {
        return;
    };
    let h = start_at(dir, place.clone(), 1_000, None).await;
    // Accounts PCs of both branches (they may invoice, so hold numbers),
    // and the counter of the first, which pushes the day's work.
    let mut accounts = vec![];
    for i in 0..16 {
        let b = if i % 2 == 0 { h.a } else { h.b };
        accounts.push(Arc::new(
            Dev::enroll_with(&h, b, false, Some(Role::Accountant)).await,
        ));
    }
    let mut counter = Dev::enroll(&h, h.a, true).await;
    let rec = h.users["rec_a"];
    let ops: Vec<Op> = (0..1200).map(|i| counter.make(rec, customer(i))).collect();

    let (port_a, port_b) = (free_port(), free_port());
    let mut one = spawn_hub(&place, port_a);
    let two = spawn_hub(&place, port_b);
    let urls = [
        format!("http://127.0.0.1:{port_a}"),
        format!("http://127.0.0.1:{port_b}"),
    ];

    // Leases: every device asks both processes at once, many times over.
    let mut tasks = vec![];
    for (i, d) in accounts.iter().enumerate() {
        for k in 0..12 {
            let d = d.clone();
            let url = urls[(i + k) % 2].clone();
            tasks.push(tokio::spawn(async move {
                let body = serde_json::json!({
                    "doc_type": if k % 2 == 0 { "tax_invoice" } else { "credit_note" }
                });
                let r = d.try_signed_to(&url, LEASE, &body, d.time()).await.unwrap();
                let status = r.status().as_u16();
                assert!(matches!(status, 201 | 422), "{status}");
                if status == 201 {
                    Some(r.json::<LeaseResponse>().await.unwrap().lease)
                } else {
                    None
                }
            }));
        }
    }
    let mut leases: Vec<Lease> = vec![];
    for t in tasks {
        if let Some(l) = t.await.unwrap() {
            leases.push(l);
        }
    }
    for d in &accounts {
        leases.extend(d.enrolled_leases.iter().cloned());
    }
    assert!(leases.len() >= 32, "few leases granted: {}", leases.len());
    let mut by_series: BTreeMap<(String, String, u16), Vec<(u64, u64)>> = BTreeMap::new();
    for l in &leases {
        by_series
            .entry((l.prefix.clone(), l.doc_type.as_str().into(), l.fy))
            .or_default()
            .push((l.first, l.last));
    }
    for (series, mut blocks) in by_series {
        blocks.sort();
        for w in blocks.windows(2) {
            assert!(
                w[0].1 < w[1].0,
                "{series:?}: blocks {:?} and {:?} overlap",
                w[0],
                w[1]
            );
        }
    }

    // A request seen by one process is a replay at the other.
    let d = &accounts[0];
    let time = d.time();
    let pull = serde_json::json!({ "cursor": 0, "limit": 10 });
    let first = d.try_signed_to(&urls[0], PULL, &pull, time).await.unwrap();
    assert_eq!(first.status(), 200);
    let again = d.try_signed_to(&urls[1], PULL, &pull, time).await.unwrap();
    assert_eq!(again.status(), 401, "a replay through the other process");
    let e: serde_json::Value = again.json().await.unwrap();
    assert_eq!(e["error"]["code"], "replayed", "{e}");

    // One device's requests are counted by one bucket, whichever process
    // takes them: three hundred at once, half through each, get about a
    // burst and a second's refill (each process alone would take them all).
    let d = accounts[1].clone();
    let mut tasks = vec![];
    for i in 0..300 {
        let (d, url) = (d.clone(), urls[i % 2].clone());
        tasks.push(tokio::spawn(async move {
            let pull = serde_json::json!({ "cursor": 0, "limit": 1 });
            d.try_signed_to(&url, PULL, &pull, d.time())
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut allowed = 0;
    for t in tasks {
        match t.await.unwrap() {
            200 => allowed += 1,
            429 => {}
            other => panic!("{other}"),
        }
    }
    let burst = 2 * hub::server::RATE_PER_SEC as usize;
    assert!(
        (burst..=burst + 120).contains(&allowed),
        "{allowed} of 300 taken: the two processes do not share the bucket"
    );

    // The counter pushes through the first process, which is killed while
    // a push is in flight; it carries on through the second.
    let mut acknowledged = vec![];
    let mut sent = 0;
    let mut killed = false;
    let mut rounds = 0;
    while sent < ops.len() {
        rounds += 1;
        assert!(rounds < 200, "no progress");
        let batch = &ops[sent..(sent + 100).min(ops.len())];
        let through = if killed { &urls[1] } else { &urls[0] };
        let killer = (!killed && sent >= 400).then(|| {
            let pid = one.id();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(5));
                let _ = std::process::Command::new("kill")
                    .args(["-9", &pid.to_string()])
                    .status();
            })
        });
        let body = serde_json::json!({
            "ops": batch.iter().map(|o| hex::encode(o.encode().unwrap())).collect::<Vec<_>>()
        });
        let res = tokio::time::timeout(
            Duration::from_secs(10),
            counter.try_signed_to(through, PUSH, &body, counter.time()),
        )
        .await;
        if let Some(k) = killer {
            k.join().unwrap();
            let _ = one.wait();
            killed = true;
        }
        if let Ok(Ok(r)) = res
            && r.status() == 200
            && let Ok(p) = r.json::<PushResponse>().await
        {
            for v in &p.results {
                assert!(
                    matches!(v.verdict, Verdict::Accepted | Verdict::Duplicate),
                    "{v:?}"
                );
                acknowledged.push((v.device, v.seq));
            }
            sent += batch.len();
        }
    }
    assert!(killed, "the first process was killed mid-push");
    let _ = one.kill();
    let _ = one.wait();
    let mut two = two;
    let _ = two.kill();
    let _ = two.wait();
    counter.url = urls[1].clone();

    // Everything acknowledged by either process is in the database, once.
    let at = place.clone();
    let (have, customers) = tokio::task::spawn_blocking(move || {
        let hub = HubDb::open_at(&at, None).unwrap();
        let have = hub.read(hub::store::db::op_ids).unwrap();
        let customers: i64 = hub
            .read(|c| Ok(c.row("SELECT count(*) FROM customers", p![], |r| r.get(0))?))
            .unwrap();
        (have, customers)
    })
    .await
    .unwrap();
    for a in &acknowledged {
        assert!(
            have.iter().any(|h| h.device == a.0 && h.seq == a.1),
            "acknowledged op {a:?} lost"
        );
    }
    assert_eq!(customers, 1200, "every op applied exactly once");
}

/// A hub on PostgreSQL restored with PostgreSQL's own tools (`pg_dump` of
/// the business's schema last night, `pg_restore` after the loss) and then
/// `hub recovery begin`: it waits for the device before it signs again,
/// takes back what it lost (a number block granted after the dump among
/// it), and never grants those numbers twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_hub_restored_with_pg_restore_reissues_no_lease() {
    // The key file outlives the in-process hub (and its directory).
    let keys = tempfile::tempdir().unwrap();
    let Some(place) = pg_place(keys.path()) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let hub::store::db::Place::Postgres { url, .. } = &place else {
        unreachable!("pg_place gives PostgreSQL");
    };
    let url = url.clone();
    let h = start_at(dir, place.clone(), 1_000, None).await;
    let mut dev = Dev::enroll_with(&h, h.a, false, Some(Role::Manager)).await;
    let rec = h.users["rec_a"];
    let ops: Vec<Op> = (0..80).map(|i| dev.make(rec, customer(i))).collect();
    drop(h);
    let port = free_port();
    let mut child = spawn_hub(&place, port);
    dev.url = format!("http://127.0.0.1:{port}");
    let (st, before) = dev.push(&ops[..40]).await;
    assert_eq!(st, 200, "{before}");
    let first_life = before["hub"]["incarnation"].as_str().unwrap().to_string();

    let psql = |sql: &str| {
        let out = std::process::Command::new("psql")
            .args([url.as_str(), "-At", "-v", "ON_ERROR_STOP=1", "-c", sql])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    };
    let schema = psql("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'b\\_%'");
    let dump = std::env::temp_dir().join(format!("{schema}-{}.dump", std::process::id()));
    let out = std::process::Command::new("pg_dump")
        .args(["--format=custom", "--schema", &schema, "--file"])
        .arg(&dump)
        .arg(&url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // After the dump: a number block, and more work.
    let lease = serde_json::json!({ "doc_type": "tax_invoice" });
    let r = dev.signed(LEASE, &lease).await;
    assert_eq!(r.status(), 201);
    let lost_block = r.json::<LeaseResponse>().await.unwrap().lease;
    dev.pull_all().await;
    let (st, _) = dev.push(&ops[40..]).await;
    assert_eq!(st, 200);
    let _ = child.kill();
    let _ = child.wait();

    // The loss, and the restore by PostgreSQL's tools.
    psql(&format!("DROP SCHEMA {schema} CASCADE"));
    let out = std::process::Command::new("pg_restore")
        .args(["--dbname", &url])
        .arg(&dump)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&dump);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hub"))
        .args(db_args(&place))
        .args(["recovery", "begin"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let began: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(began["awaiting"].as_array().unwrap().len(), 1, "{began}");

    let mut child = spawn_hub(&place, port);
    let refused = dev.signed(LEASE, &lease).await;
    assert_eq!(refused.status(), 503, "no number before the device re-sent");
    let (st, p) = dev.push(&ops[..1]).await;
    assert_eq!(st, 200);
    let life = p["hub"]["incarnation"].as_str().unwrap().to_string();
    assert_ne!(life, first_life, "a new incarnation");
    // The device sends again everything it holds of its branch: its own
    // ops and the hub's it pulled (the block granted after the dump).
    let held = dev.r.ops_missing_from(&Default::default());
    let body = serde_json::json!({
        "ops": held.iter().map(|o| hex::encode(o.encode().unwrap())).collect::<Vec<_>>(),
        "resynced": life,
    });
    let r = dev.signed(PUSH, &body).await;
    assert_eq!(r.status(), 200);
    let again = dev.signed(LEASE, &lease).await;
    assert_eq!(again.status(), 201, "{:?}", again.text().await);
    let next = again.json::<LeaseResponse>().await.unwrap().lease;
    assert!(
        next.first > lost_block.last,
        "block {next:?} reissues numbers of {lost_block:?}"
    );
    let _ = child.kill();
    let _ = child.wait();
    let customers: i64 = tokio::task::spawn_blocking(move || {
        HubDb::open_at(&place, None)
            .unwrap()
            .read(|c| Ok(c.row("SELECT count(*) FROM customers", p![], |r| r.get(0))?))
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(customers, 80, "every op back, once");
}

/// The database drops the hub's connection (a server restart, a failover,
/// an operator's `pg_terminate_backend`): the hub opens a new one for its
/// next transaction, and the devices carry on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_hub_reconnects_when_its_connection_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let Some(place) = pg_place(dir.path()) else {
        return;
    };
    let hub::store::db::Place::Postgres { url, .. } = &place else {
        unreachable!("pg_place gives PostgreSQL");
    };
    let url = url.clone();
    let h = start_at(tempfile::tempdir().unwrap(), place.clone(), 1_000, None).await;
    let mut dev = Dev::enroll(&h, h.a, true).await;
    let rec = h.users["rec_a"];
    let ops: Vec<Op> = (0..20).map(|i| dev.make(rec, customer(i))).collect();
    assert_eq!(dev.push(&ops[..10]).await.0, 200);
    let out = std::process::Command::new("psql")
        .args([
            url.as_str(),
            "-At",
            "-c",
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dropped: u32 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    assert!(dropped >= 1, "the hub's connection was dropped");
    // The drop reaches the hub's side of the connection a moment later; a
    // push that meets it half-way fails whole, and the device sends again.
    let mut status = 0;
    for _ in 0..5 {
        tokio::time::sleep(Duration::from_millis(200)).await;
        status = dev.push(&ops[10..]).await.0.as_u16();
        if status == 200 {
            break;
        }
    }
    assert_eq!(status, 200, "the hub did not reconnect");
    let store = h.hub.clone();
    let customers: i64 = tokio::task::spawn_blocking(move || {
        store
            .read(|c| Ok(c.row("SELECT count(*) FROM customers", p![], |r| r.get(0))?))
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(customers, 20);
}

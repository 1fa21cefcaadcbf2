//! The hub killed with SIGKILL mid-push and restarted: nothing it
//! acknowledged is lost, and the device retries and converges.

use sqlite_replica::{SqlExt, p};
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::common::*;
use hub::store::db::{HubDb, Place};
use sync_core::op::Op;
use sync_core::protocol::{PushResponse, Verdict};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_push_loses_nothing_acknowledged() {
    // Set up the business in-process, then hand the database to a hub process.
    let h = start().await;
    let mut dev = Dev::enroll(&h, h.a, true).await;
    let rec = h.users["rec_a"];
    let db = h.place.clone();
    let ops: Vec<Op> = (0..3000).map(|i| dev.make(rec, customer(i))).collect();
    drop(h.hub);
    let port = free_port();
    let mut child = spawn_hub(&db, port);
    dev.url = format!("http://127.0.0.1:{port}");
    let mut acknowledged: Vec<(sync_core::ids::DeviceId, u64)> = vec![];
    let mut sent = 0usize;
    let mut kills = 0;
    let mut rounds = 0;
    while sent < ops.len() {
        rounds += 1;
        assert!(rounds < 500, "no progress");
        let batch = &ops[sent..(sent + 200).min(ops.len())];
        // Kill the hub while this push is in flight, every third round.
        let killer = if rounds % 3 == 0 {
            let pid = child.id();
            Some(std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(3 + (pid as u64 % 7)));
                let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            }))
        } else {
            None
        };
        let body = serde_json::json!({ "ops": batch.iter().map(|o| hex::encode(o.encode().unwrap())).collect::<Vec<_>>() });
        let res = tokio::time::timeout(
            Duration::from_secs(10),
            dev.try_signed(sync_core::protocol::PUSH, &body),
        )
        .await;
        if let Some(k) = killer {
            k.join().unwrap();
        }
        match res {
            Ok(Ok(r)) if r.status() == 200 => {
                if let Ok(p) = r.json::<PushResponse>().await {
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
            _ => {}
        }
        if child.try_wait().unwrap().is_some() {
            kills += 1;
            child = spawn_hub(&db, port);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        kills >= 3,
        "the hub was really killed mid-push ({kills} times)"
    );
    // Everything acknowledged is in the restarted hub's database, exactly once.
    let hub = HubDb::open_at(&db, None).unwrap();
    let have = hub.read(hub::store::db::op_ids).unwrap();
    for a in &acknowledged {
        assert!(
            have.iter().any(|h| h.device == a.0 && h.seq == a.1),
            "acknowledged op {a:?} lost"
        );
    }
    let customers: i64 = hub
        .read(|c| Ok(c.row("SELECT count(*) FROM customers", p![], |r| r.get(0))?))
        .unwrap();
    assert_eq!(customers, 3000, "every op applied exactly once");
    if matches!(db, Place::Sqlite(_)) {
        let integrity: String = hub
            .sqlite(|c| Ok(c.query_row("PRAGMA integrity_check", [], |r| r.get(0))?))
            .unwrap();
        assert_eq!(integrity, "ok");
    }
}

fn hub_cli(db: &std::path::Path, args: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_hub"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "hub {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `hub backup` beside a serving hub, `hub restore` after it dies, and the
/// restored hub over HTTP: a new incarnation in its answers, no lease until
/// the device has re-sent everything, then every op applied once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_while_serving_then_restore_by_the_command_line() {
    let h = start().await;
    let Place::Sqlite(_) = h.place else {
        // A hub on PostgreSQL is backed up with PostgreSQL's own tools;
        // its refusal of `hub backup` is tested in `the_postgres_hub_*`.
        return;
    };
    // A manager's laptop: it may invoice, and holds no numbers yet.
    let mut dev = Dev::enroll_with(
        &h,
        h.a,
        false,
        Some(sync_core::domain::roles::Role::Manager),
    )
    .await;
    let rec = h.users["rec_a"];
    let place = h.place.clone();
    let db = h.hub.db.clone();
    let ops: Vec<Op> = (0..120).map(|i| dev.make(rec, customer(i))).collect();
    drop(h.hub);
    let port = free_port();
    let mut child = spawn_hub(&place, port);
    dev.url = format!("http://127.0.0.1:{port}");
    let (st, before) = dev.push(&ops[..60]).await;
    assert_eq!(st, 200, "{before}");
    let first_life = before["hub"]["incarnation"].as_str().unwrap().to_string();
    let backup = db.with_file_name("nightly.sqlite");
    let b = hub_cli(&db, &["backup", backup.to_str().unwrap()]);
    assert!(b["bytes"].as_u64().unwrap() > 0, "{b}");
    let (st, _) = dev.push(&ops[60..]).await;
    assert_eq!(st, 200);
    let _ = child.kill();
    let _ = child.wait();

    let r = hub_cli(&db, &["restore", backup.to_str().unwrap()]);
    assert_eq!(r["awaiting"].as_array().unwrap().len(), 1, "{r}");
    assert!(r["restored_at"].as_u64().unwrap() > 0, "{r}");
    let mut child = spawn_hub(&place, port);
    // The device's numbers are not topped up until it has re-sent.
    let lease = serde_json::json!({ "doc_type": "tax_invoice" });
    let refused = dev.signed(sync_core::protocol::LEASE, &lease).await;
    assert_eq!(refused.status(), 503);
    assert!(refused.headers().contains_key("retry-after"));
    let e: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(e["error"]["code"], "recovering", "{e}");
    // Its answers name the new life; the device sends it all again, and
    // says so with the last batch.
    let (st, p) = dev.push(&ops[..1]).await;
    assert_eq!(st, 200);
    let life = p["hub"]["incarnation"].as_str().unwrap().to_string();
    assert_ne!(life, first_life);
    let body = serde_json::json!({
        "ops": ops.iter().map(|o| hex::encode(o.encode().unwrap())).collect::<Vec<_>>(),
        "resynced": life,
    });
    let r = dev.signed(sync_core::protocol::PUSH, &body).await;
    assert_eq!(r.status(), 200);
    let p: PushResponse = r.json().await.unwrap();
    assert!(
        p.results
            .iter()
            .all(|v| matches!(v.verdict, Verdict::Accepted | Verdict::Duplicate)),
        "{:?}",
        p.results
    );
    assert_eq!(
        hub_cli(&db, &["recovery", "status"])["awaiting"],
        serde_json::json!([])
    );
    let granted = dev.signed(sync_core::protocol::LEASE, &lease).await;
    assert_eq!(granted.status(), 201, "{:?}", granted.text().await);
    let _ = child.kill();
    let _ = child.wait();
    let hub = HubDb::open_at(&place, None).unwrap();
    let customers: i64 = hub
        .read(|c| Ok(c.row("SELECT count(*) FROM customers", p![], |r| r.get(0))?))
        .unwrap();
    assert_eq!(customers, 120, "every op applied exactly once");
    // What was there before the restore is kept aside.
    let aside = std::fs::read_dir(db.parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok())
        .any(|e| e.file_name().to_string_lossy().contains(".replaced-"));
    assert!(aside);
}

/// `hub business add|list|remove` and `hub serve --businesses`, as an
/// operator runs them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn businesses_added_listed_served_and_removed_by_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let db = dir.path().join("unused.sqlite");
    for (slug, name) in [
        ("laptopcare", "Laptop Care"),
        ("chennai-fix", "Chennai Fix"),
    ] {
        let out = hub_cli(
            &db,
            &[
                "--passphrase",
                "a passphrase of its own",
                "business",
                "add",
                slug,
                "--dir",
                d,
                "--name",
                name,
                "--owner-name",
                "Asha",
                "--owner-pin",
                "2468",
            ],
        );
        assert_eq!(out["business"], slug);
    }
    assert_eq!(
        hub_cli(&db, &["business", "list", "--dir", d])["businesses"],
        serde_json::json!(["chennai-fix", "laptopcare"])
    );
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_hub"))
        .args([
            "serve",
            "--businesses",
            d,
            "--listen",
            &format!("127.0.0.1:{port}"),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = format!("http://127.0.0.1:{port}");
    let mut health = None;
    for _ in 0..200 {
        if let Ok(r) = reqwest::get(format!("{url}/health")).await {
            health = Some(r.json::<serde_json::Value>().await.unwrap());
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(health.expect("the hub serves")["businesses"], 2);
    let login = reqwest::Client::new()
        .get(format!("{url}/login"))
        .header("host", format!("laptopcare.hub.test:{port}"))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 200);
    assert!(login.text().await.unwrap().contains("Laptop Care"));
    let _ = child.kill();
    let _ = child.wait();
    let out = hub_cli(&db, &["business", "remove", "laptopcare", "--dir", d]);
    assert!(std::path::Path::new(out["moved_to"].as_str().unwrap()).exists());
    assert_eq!(
        hub_cli(&db, &["business", "list", "--dir", d])["businesses"],
        serde_json::json!(["chennai-fix"])
    );
}

//! Two businesses on one hub deployment (`hub serve --businesses`), each
//! with the same owner's name and PIN, tried with the other's device, ids,
//! codes, cookies and links: nothing of one is ever read or changed through
//! the other.

use sqlite_replica::{SqlExt, p};
use std::sync::Arc;

use hub::store::HubStore;
use hub::store::db::now_ms;
use hub::tenants::{self, Businesses, Tenants};
use reqwest::header::{HOST, SET_COOKIE};
use serde_json::{Value, json};
use sync_core::domain::roles::Role;
use sync_core::protocol::{LEASE, PULL, PUSH};

use crate::common::*;

/// The two businesses served on one listener, each as the fixtures'
/// Where the businesses of a test live: SQLite files in `dir`, or, in the
/// test command's PostgreSQL pass, schemas of one fresh database (their
/// key files in `dir`).
fn businesses(dir: &std::path::Path) -> Businesses {
    match place(dir) {
        hub::store::db::Place::Postgres { url, .. } => Businesses {
            dir: dir.to_path_buf(),
            postgres: Some(url),
        },
        hub::store::db::Place::Sqlite(_) => Businesses::sqlite(dir),
    }
}

/// `Hub` (its store, its server state, the shared address).
async fn two_businesses() -> (tempfile::TempDir, Arc<Tenants>, [Hub; 2]) {
    let dir = tempfile::tempdir().unwrap();
    let at = businesses(dir.path());
    let d = at.clone();
    let setup = tokio::task::spawn_blocking(move || {
        let mut out = vec![];
        for (slug, name, pans) in [
            ("laptopcare", "Laptop Care", ["ABCDE1234F", "FGHIJ5678K"]),
            ("chennai-fix", "Chennai Fix", ["KLMNO1234P", "PQRST5678U"]),
        ] {
            let hub = tenants::add(&d, slug, name, OWNER, OWNER_PIN, PASS).unwrap();
            let a = hub.add_branch(branch("Main", pans[0], "MAIN")).unwrap();
            let b = hub.add_branch(branch("Second", pans[1], "SEC")).unwrap();
            let mut users = std::collections::HashMap::new();
            users.insert(
                "rec_a",
                hub.add_user(Some(a), "Ravi", Role::Receptionist, "1111")
                    .unwrap(),
            );
            out.push((slug, a, b, users));
        }
        out
    })
    .await
    .unwrap();
    assert_eq!(tenants::list(&at).unwrap(), ["chennai-fix", "laptopcare"]);
    let t = Arc::new(Tenants::open(&at, Some(PASS), 1000).unwrap());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let served = t.clone();
    tokio::spawn(async move {
        tenants::serve(listener, served, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    let mut stop = Some(tx);
    let hubs: Vec<Hub> = setup
        .into_iter()
        .map(|(slug, a, b, users)| {
            let tenant = t.get(slug).unwrap();
            // Only the first holds the server's stop switch.
            let (_stop, _) = match stop.take() {
                Some(s) => (s, ()),
                None => (tokio::sync::oneshot::channel().0, ()),
            };
            Hub {
                hub: tenant.hub.clone(),
                place: hub::store::db::Place::Sqlite(tenant.hub.db.clone()),
                url: url.clone(),
                _dir: tempfile::tempdir().unwrap(),
                _stop,
                a,
                b,
                users,
                client: reqwest::Client::new(),
                state: tenant.state.clone(),
            }
        })
        .collect();
    let hubs: [Hub; 2] = match hubs.try_into() {
        Ok(h) => h,
        Err(_) => unreachable!("two businesses"),
    };
    (dir, t, hubs)
}

fn customers(h: &Hub) -> i64 {
    h.hub
        .read(|c| Ok(c.row("SELECT count(*) FROM customers", p![], |r| r.get(0))?))
        .unwrap()
}

async fn owner_login(h: &Hub, host: &str) -> reqwest::Response {
    h.client
        .post(format!("{}/login", h.url))
        .header(HOST, host)
        .json(&json!({ "name": OWNER, "pin": OWNER_PIN }))
        .send()
        .await
        .unwrap()
}

async fn get(h: &Hub, host: &str, path: &str, cookie: &str) -> (u16, String) {
    let r = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}{path}", h.url))
        .header(HOST, host)
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_businesses_on_one_hub_never_see_or_touch_each_other() {
    let (_dir, t, [x, y]) = two_businesses().await;
    let (hx, hy) = ("laptopcare.hub.test", "chennai-fix.hub.test");

    // Each enrolls its own counter through the one address.
    let mut dx = Dev::enroll(&x, x.a, true).await;
    let mut dy = Dev::enroll(&y, y.a, true).await;
    let (rx, ry) = (x.users["rec_a"], y.users["rec_a"]);
    let ox: Vec<_> = (0..20).map(|i| dx.make(rx, customer(i))).collect();
    let oy: Vec<_> = (100..105).map(|i| dy.make(ry, customer(i))).collect();
    assert_eq!(dx.push(&ox).await.0, 200);
    assert_eq!(dy.push(&oy).await.0, 200);
    assert_eq!((customers(&x), customers(&y)), (20, 5));

    // A device's pull holds its own business only.
    dy.pull_all().await;
    assert_eq!(
        dy.r.head(dx.id).seq,
        0,
        "a device of one business pulled another's op"
    );

    // Y's device relays X's ops: refused, stored nowhere.
    let (st, v) = dy.push(&ox[..3]).await;
    assert_eq!(st, 200);
    assert!(
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["verdict"] == "rejected"),
        "{v}"
    );
    assert_eq!((customers(&x), customers(&y)), (20, 5));

    // Y's device names X's device as the signer: its key is not X's.
    let mut forged = Dev::enroll(&y, y.a, false).await;
    forged.id = dx.id;
    let r = forged
        .signed(PULL, &json!({ "cursor": 0, "limit": 10 }))
        .await;
    assert_eq!(r.status(), 401);
    let body: Value = r.json().await.unwrap();
    assert!(!body.to_string().contains("Laptop Care"), "{body}");

    // An id X holds cannot be enrolled at Y, and X's code is no code at Y's
    // owner (each business's codes are its own).
    let code = {
        let h = y.hub.clone();
        let b = y.a;
        tokio::task::spawn_blocking(move || {
            h.create_enrollment_with(b, "spare", false, None, now_ms())
                .unwrap()
        })
        .await
        .unwrap()
        .code
    };
    let r = reqwest::Client::new()
        .post(format!("{}/enroll", y.url))
        .json(&json!({ "code": code, "device": dx.id, "public_key": hex::encode([7u8; 32]) }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["field"], "device", "{v}");
    assert!(!x.hub.issued_code(&code, now_ms()).unwrap());

    // Number blocks come from the device's own business's series.
    let blocks = |h: &Hub| {
        h.hub
            .read(|c| Ok(c.row("SELECT count(*) FROM leases", p![], |r| r.get::<i64>(0))?))
            .unwrap()
    };
    let before = (blocks(&x), blocks(&y));
    let lease = dx
        .signed(LEASE, &json!({ "doc_type": "tax_invoice" }))
        .await;
    assert_eq!(lease.status(), 201);
    assert_eq!((blocks(&x), blocks(&y)), (before.0 + 1, before.1));

    // The owners: one name and PIN, two businesses, two sessions.
    let lx = owner_login(&x, hx).await;
    assert_eq!(lx.status(), 200);
    let cx = lx.headers()[SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let (st, page) = get(&x, hx, "/", &cx).await;
    assert_eq!(st, 200);
    assert!(page.contains("Laptop Care") && !page.contains("Chennai Fix"));
    // X's session is no session at Y.
    let (st, page) = get(&y, hy, "/", &cx).await;
    assert_eq!(st, 303, "{page}");
    let (st, _) = get(&y, hy, "/reports/revenue.json", &cx).await;
    assert_eq!(st, 401);
    // Y's owner, logged in, asks for X's branch and X's person by id.
    let ly = owner_login(&y, hy).await;
    let cy = ly.headers()[SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let (st, body) = get(
        &y,
        hy,
        &format!("/reports/revenue.json?branch={}", x.a),
        &cy,
    )
    .await;
    assert_eq!(st, 422, "{body}");
    assert!(!body.contains("Main"), "{body}");
    let r = reqwest::Client::new()
        .patch(format!("{}/owner/users/{rx}", y.url))
        .header(HOST, hy)
        .header("cookie", &cy)
        .json(&json!({ "active": false }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let (st, users) = get(&y, hy, "/owner/users", &cy).await;
    assert_eq!(st, 200);
    assert!(!users.contains(&rx.to_string()), "{users}");
    // A host no business has: refused, naming none.
    let (st, body) = get(&x, "nobody.hub.test", "/", &cx).await;
    assert_eq!(st, 404);
    assert!(
        !body.contains("laptopcare") && !body.contains("Laptop Care"),
        "{body}"
    );
    // X's device still syncs, and X's data is as it was.
    let more: Vec<_> = (20..25).map(|i| dx.make(rx, customer(i))).collect();
    assert_eq!(dx.push(&more).await.0, 200);
    assert_eq!((customers(&x), customers(&y)), (25, 5));
    let _ = (PUSH, t.slugs());
}

#[test]
fn a_business_needs_a_fair_slug_and_leaves_nothing_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let at = businesses(dir.path());
    for bad in ["A", "x", "-shop", "shop-", "shop.in", "shop/../x"] {
        let e = tenants::add(&at, bad, "Shop", OWNER, OWNER_PIN, PASS)
            .err()
            .unwrap_or_else(|| panic!("{bad} accepted"));
        assert!(e.to_string().starts_with("slug:"), "{e}");
    }
    tenants::add(&at, "shop-1", "Shop One", OWNER, OWNER_PIN, PASS).unwrap();
    let again = tenants::add(&at, "shop-1", "Shop One", OWNER, OWNER_PIN, PASS);
    assert!(again.is_err());
    let moved = tenants::remove(&at, "shop-1").unwrap();
    assert!(moved.exists());
    assert!(tenants::list(&at).unwrap().is_empty());
}

/// A flood of requests naming devices no business holds costs one look
/// through the businesses per made-up id, not one per request; a device
/// that enrolls meanwhile syncs at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn made_up_devices_cost_one_look_each() {
    let (_dir, t, [x, _y]) = two_businesses().await;
    let key = sync_core::identity::DeviceKey::from_seed([0x5A; 32]);
    let made_up = sync_core::ids::DeviceId([0x5A; 16]);
    let http = reqwest::Client::new();
    let before = t.scans();
    for i in 0..20u64 {
        let body = serde_json::to_vec(&json!({ "cursor": 0, "limit": 1 })).unwrap();
        let time = now_ms() + i;
        let sig = key.sign(&sync_core::protocol::request_signing_bytes(
            "POST", PULL, time, &body,
        ));
        let r = http
            .post(format!("{}{PULL}", x.url))
            .header(sync_core::protocol::H_DEVICE, made_up.to_string())
            .header(sync_core::protocol::H_TIME, time.to_string())
            .header(sync_core::protocol::H_SIGNATURE, hex::encode(sig))
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
    }
    assert_eq!(t.scans() - before, 1, "one look for twenty requests");
    // Enrollment looks afresh, and a new device syncs at once.
    let d = Dev::enroll(&x, x.a, true).await;
    let r = d.signed(PULL, &json!({ "cursor": 0, "limit": 10 })).await;
    assert_eq!(r.status(), 200);
}

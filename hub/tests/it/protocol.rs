//! The hub over real HTTP on loopback, with simulated devices that sign their
//! operations and requests exactly as a branch node does: enrollment,
//! push/pull, idempotency, security refusals, branch isolation and leases.

use sqlite_replica::{SqlExt, p};
use std::sync::Arc;

use hub::store::HubStore;
use hub::store::db::{HubDb, now_ms};
use rust_decimal::Decimal;
use serde_json::Value;
use sync_core::body::*;
use sync_core::domain::invoice_no::DocType;
use sync_core::domain::roles::Role;
use sync_core::identity::DeviceKey;
use sync_core::ids::RecordId;
use sync_core::op::Op;
use sync_core::protocol::*;

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enroll_push_pull_and_idempotency() {
    let h = start().await;
    let mut a1 = Dev::enroll(&h, h.a, true).await;
    // A second counter PC (not the store), where the receptionist works too.
    let mut a2 = Dev::enroll_with(&h, h.a, false, Some(Role::Manager)).await;
    let rec = h.users["rec_a"];
    let ops: Vec<Op> = (0..20).map(|i| a1.make(rec, customer(i))).collect();
    let (st, v) = a1.push(&ops).await;
    assert_eq!(st, 200, "{v}");
    let res: PushResponse = serde_json::from_value(v).unwrap();
    assert!(
        res.results.iter().all(|r| r.verdict == Verdict::Accepted),
        "{:?}",
        res.results
    );
    // Pushing the same batch again: duplicates, not errors, nothing applied twice.
    let (_, v) = a1.push(&ops).await;
    let res: PushResponse = serde_json::from_value(v).unwrap();
    assert!(res.results.iter().all(|r| r.verdict == Verdict::Duplicate));
    let customers: i64 = h
        .hub
        .read(|c| Ok(c.row("SELECT count(*) FROM customers", p![], |r| r.get(0))?))
        .unwrap();
    assert_eq!(customers, 20);
    // The other device of the branch pulls them and converges.
    assert_eq!(a2.pull_all().await, 20);
    a1.pull_all().await;
    assert_eq!(a1.r.hash(), a2.r.hash());
    // An op pushed before its causal past waits, then is accepted when the past arrives.
    let x = a2.make(rec, customer(100));
    let y = a2.make(rec, customer(101));
    let (_, v) = a2.push(std::slice::from_ref(&y)).await;
    assert_eq!(v["results"][0]["verdict"], "waiting");
    let (_, v) = a2.push(&[x]).await;
    assert_eq!(v["results"][0]["verdict"], "accepted");
    let (_, v) = a2.push(&[y]).await;
    assert_eq!(
        v["results"][0]["verdict"], "duplicate",
        "it was applied when its past arrived"
    );
    // Within one batch too, with nothing waiting before it: the op ahead
    // of its past waits, and its past, further on, brings it in.
    let x = a2.make(rec, customer(102));
    let y = a2.make(rec, customer(103));
    let (_, v) = a2.push(&[y.clone(), x]).await;
    assert_eq!(v["results"][0]["verdict"], "waiting");
    assert_eq!(v["results"][1]["verdict"], "accepted");
    let (_, v) = a2.push(&[y]).await;
    assert_eq!(
        v["results"][0]["verdict"], "duplicate",
        "it was applied in the batch that brought its past"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_counter_leaves_enrollment_holding_numbers() {
    let h = start().await;
    let counter = Dev::enroll(&h, h.a, true).await;
    let laptop = Dev::enroll_with(
        &h,
        h.a,
        false,
        Some(sync_core::domain::roles::Role::Manager),
    )
    .await;
    // One block of each series, for this device, in the answer...
    let mut kinds: Vec<DocType> = counter.enrolled_leases.iter().map(|l| l.doc_type).collect();
    kinds.sort_by_key(|d| d.as_str());
    assert_eq!(kinds, vec![DocType::CreditNote, DocType::TaxInvoice]);
    for l in &counter.enrolled_leases {
        assert_eq!(l.device, counter.id);
        assert_eq!((l.first, l.last), (1, hub::store::db::DEFAULT_LEASE));
    }
    // ...and as grants in the branch's chain, which the enrollment's own
    // pull (done by `Dev::enroll`) already brought down.
    let held: Vec<&Lease> = counter
        .r
        .state
        .leases
        .iter()
        .map(|(_, l)| l)
        .filter(|l| l.device == counter.id)
        .collect();
    assert_eq!(held.len(), 2, "{held:?}");
    for l in &counter.enrolled_leases {
        assert!(held.iter().any(|h| h.id == l.id));
    }
    // A device that does not keep the store gets none until it asks.
    assert!(laptop.enrolled_leases.is_empty());
    assert!(
        laptop
            .r
            .state
            .leases
            .iter()
            .all(|(_, l)| l.device != laptop.id)
    );
    // The next block of the series starts after the enrollment's.
    let r = counter
        .signed(LEASE, &serde_json::json!({ "doc_type": "tax_invoice" }))
        .await;
    assert_eq!(r.status(), 201);
    let next = r.json::<LeaseResponse>().await.unwrap().lease;
    assert_eq!(next.first, hub::store::db::DEFAULT_LEASE + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn security_refusals() {
    let h = start().await;
    let mut a1 = Dev::enroll(&h, h.a, true).await;
    let mut b1 = Dev::enroll(&h, h.b, true).await;
    let rec = h.users["rec_a"];
    let body = serde_json::to_vec(&serde_json::json!({ "cursor": 0, "limit": 10 })).unwrap();
    // forged signature
    let mut forged = a1.signed_raw(PULL, body.clone(), a1.time()).await;
    assert_eq!(forged.status(), 200);
    let time = now_ms();
    let sig = DeviceKey::from_seed([7; 32]).sign(&request_signing_bytes("POST", PULL, time, &body));
    forged = a1
        .http
        .post(format!("{}{PULL}", a1.url))
        .header(H_DEVICE, a1.id.to_string())
        .header(H_TIME, time.to_string())
        .header(H_SIGNATURE, hex::encode(sig))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 401);
    let e: Value = forged.json().await.unwrap();
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("signature")
    );
    // replayed request (an hour old)
    let old = a1
        .signed_raw(PULL, body.clone(), now_ms() - 3_600_000)
        .await;
    assert_eq!(old.status(), 401);
    // replayed request (fresh): the same signed bytes again, within the clock
    // window, are refused; the same question asked afresh is answered.
    let t = a1.time();
    let first = a1.signed_raw(PULL, body.clone(), t).await;
    assert_eq!(first.status(), 200);
    let again = a1.signed_raw(PULL, body.clone(), t).await;
    assert_eq!(again.status(), 401);
    let e: Value = again.json().await.unwrap();
    assert_eq!(e["error"]["code"], "replayed", "{e}");
    assert!(
        e["error"]["message"].as_str().unwrap().contains("replay"),
        "{e}"
    );
    assert_eq!(
        a1.signed_raw(PULL, body.clone(), a1.time()).await.status(),
        200
    );
    // a hub that restarted refuses what was signed before it started: it
    // no longer remembers what it took then
    let before = now_ms() - 1000; // a second before the restart
    let restarted = hub::server::AppState::new(h.hub.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url2 = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(hub::server::serve(
        listener,
        restarted,
        std::future::pending::<()>(),
    ));
    let send = |t: u64| {
        let sig = a1.key.sign(&request_signing_bytes("POST", PULL, t, &body));
        a1.http
            .post(format!("{url2}{PULL}"))
            .header(H_DEVICE, a1.id.to_string())
            .header(H_TIME, t.to_string())
            .header(H_SIGNATURE, hex::encode(sig))
            .body(body.clone())
            .send()
    };
    // On PostgreSQL the guard is a table every process (and every restart)
    // shares: what was seen before is still known, so it is the request
    // taken before the restart that is refused (and one signed before it
    // but never seen is no replay).
    let shared = matches!(h.place, hub::store::db::Place::Postgres { .. });
    let r = send(if shared { t } else { before }).await.unwrap();
    assert_eq!(r.status(), 401);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["code"], "replayed", "{e}");
    assert_eq!(send(a1.time()).await.unwrap().status(), 200);
    // a replayed push is refused before anything in it is looked at
    let op = a1.make(rec, customer(50));
    let push = serde_json::to_vec(&PushRequest {
        ops: vec![hex::encode(op.encode().unwrap())],
        resynced: None,
    })
    .unwrap();
    let t = a1.time();
    assert_eq!(a1.signed_raw(PUSH, push.clone(), t).await.status(), 200);
    assert_eq!(a1.signed_raw(PUSH, push, t).await.status(), 401);
    // a forged op inside a validly signed request: signature of the op is checked too
    let mut op = a1.make(rec, customer(1));
    op.sig[5] ^= 1;
    let (_, v) = a1.push(&[op]).await;
    assert_eq!(v["results"][0]["verdict"], "rejected");
    assert!(
        v["results"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("signature"),
        "{v}"
    );
    // a forgery among good ops: the batch check fails, each op is then
    // checked alone; the good ones go in, the forged one is named
    let mut a4 = Dev::enroll_with(
        &h,
        h.a,
        false,
        Some(sync_core::domain::roles::Role::Manager),
    )
    .await;
    let mut mixed: Vec<Op> = (60..63).map(|i| a4.make(rec, customer(i))).collect();
    mixed[2].sig[9] ^= 1;
    let (_, v) = a4.push(&mixed).await;
    let verdicts: Vec<&str> = (0..3)
        .map(|i| v["results"][i]["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(verdicts, ["accepted", "accepted", "rejected"], "{v}");
    assert!(
        v["results"][2]["reason"]
            .as_str()
            .unwrap()
            .contains("signature"),
        "{v}"
    );
    // an op for another branch
    let mut a_other = Dev::enroll_with(
        &h,
        h.a,
        false,
        Some(sync_core::domain::roles::Role::Manager),
    )
    .await;
    a_other.branch = h.b;
    let op = a_other.make(h.users["rec_b"], customer(2));
    let (_, v) = a_other.push(&[op]).await;
    assert_eq!(v["results"][0]["verdict"], "rejected");
    assert!(
        v["results"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("branch"),
        "{v}"
    );
    // an op beyond the author's role: a technician creating a customer
    let mut a3 = Dev::enroll_with(
        &h,
        h.a,
        false,
        Some(sync_core::domain::roles::Role::Manager),
    )
    .await;
    let op = a3.make(h.users["tech_a"], customer(3));
    let (_, v) = a3.push(&[op]).await;
    assert_eq!(v["results"][0]["verdict"], "rejected");
    assert!(
        v["results"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("permission denied"),
        "{v}"
    );
    // the rejected op keeps its place: the device's next op is still accepted
    let op2 = a3.make(rec, customer(4));
    let (_, v) = a3.push(&[op2]).await;
    assert_eq!(v["results"][0]["verdict"], "accepted", "{v}");
    // oversized body
    let big = vec![b' '; 9 * 1024 * 1024];
    let r = a1.signed_raw(PUSH, big, now_ms()).await;
    assert_eq!(r.status(), 413);
    // a branch-B device pulls nothing of branch A
    let before = b1.r.log_len();
    b1.pull_all().await;
    use sync_core::replica::Kind;
    // Branch B knows branch A exists (the org's branch list, the hub's own
    // signing device for A, and A's store devices, which a transfer names as
    // its receiver), and nothing else of it: no users, other devices, customers.
    let leaked: Vec<_> = b1
        .r
        .state
        .records
        .iter()
        .filter(|((k, _), r)| {
            r.branch == Some(h.a)
                && *k != Kind::Branch
                && !(*k == Kind::Device
                    && (r.text("label") == Some("hub")
                        || r.get("holds_store") == Some(&sync_core::body::FieldValue::Bool(true))))
        })
        .map(|((k, _), _)| *k)
        .collect();
    assert!(leaked.is_empty(), "branch B sees {leaked:?} of branch A");
    assert!(b1.r.log_len() >= before);
    let customers_in_b =
        b1.r.state
            .records
            .keys()
            .filter(|(k, _)| *k == sync_core::replica::Kind::Customer)
            .count();
    assert_eq!(customers_in_b, 0);
    // a revoked device is refused
    let hub = h.hub.clone();
    let id = a1.id;
    tokio::task::spawn_blocking(move || hub.revoke(id, "laptop stolen").unwrap())
        .await
        .unwrap();
    let op = a1.make(rec, customer(9));
    let r = a1
        .signed(
            PUSH,
            &serde_json::json!({ "ops": [hex::encode(op.encode().unwrap())] }),
        )
        .await;
    assert_eq!(r.status(), 403);
    let _ = &mut b1;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundreds_of_concurrent_lease_requests_never_overlap() {
    let h = start().await;
    // Two counters (store devices, manager ceiling), an accounts PC of each
    // branch (accountant ceiling: it may invoice), and a technician's
    // laptop, which can never issue a document and so never holds numbers.
    let mut devs = vec![];
    for (i, b) in [h.a, h.b].into_iter().enumerate() {
        devs.push(Arc::new(Dev::enroll(&h, b, true).await));
        devs.push(Arc::new(
            Dev::enroll_with(&h, b, false, Some(Role::Accountant)).await,
        ));
        if i == 0 {
            devs.push(Arc::new(Dev::enroll(&h, b, false).await));
        }
    }
    let laptop = devs[2].id;
    let mut tasks = vec![];
    for i in 0..300 {
        let d = devs[i % devs.len()].clone();
        tasks.push(tokio::spawn(async move {
            let r = d.signed(LEASE, &serde_json::json!({ "doc_type": if i % 3 == 0 { "credit_note" } else { "tax_invoice" } })).await;
            let status = r.status().as_u16();
            assert!(matches!(status, 201 | 422 | 429), "{status}");
            let v: Value = r.json().await.unwrap();
            if status == 201 {
                assert_ne!(d.id, laptop, "a technician's laptop got numbers");
                Some(serde_json::from_value::<LeaseResponse>(v).unwrap().lease)
            } else {
                if status == 422 {
                    // The refusal says why, with the field named.
                    assert!(v["error"]["field"] == "device" || v["error"]["field"] == "doc_type", "{v}");
                }
                None
            }
        }));
    }
    let mut leases: Vec<Lease> = vec![];
    for t in tasks {
        if let Some(l) = t.await.unwrap() {
            leases.push(l);
        }
    }
    // A flood is refused after the cap: no device holds more than two
    // blocks' worth of unused numbers in a series, however many it asks for.
    for d in &devs {
        for dt in [DocType::TaxInvoice, DocType::CreditNote] {
            let held: u64 = leases
                .iter()
                .chain(d.enrolled_leases.iter())
                .filter(|l| l.device == d.id && l.doc_type == dt)
                .map(|l| l.last - l.first + 1)
                .sum();
            assert!(
                held <= hub::store::db::MAX_UNUSED_PER_SERIES,
                "{} holds {held} {dt:?} numbers",
                d.id
            );
        }
    }
    assert!(
        leases.len() >= 6,
        "each invoicing device was served up to its cap ({})",
        leases.len()
    );
    // The store devices' blocks from enrollment count too.
    for d in &devs {
        leases.extend(d.enrolled_leases.iter().cloned());
    }
    for (i, x) in leases.iter().enumerate() {
        for y in &leases[i + 1..] {
            let same = x.prefix == y.prefix && x.doc_type == y.doc_type && x.fy == y.fy;
            assert!(
                !(same && x.first <= y.last && y.first <= x.last),
                "overlap: {x:?} {y:?}"
            );
        }
    }
    // per series the blocks are contiguous from 1
    let mut jay: Vec<&Lease> = leases
        .iter()
        .filter(|l| l.prefix == "JAY" && l.doc_type == DocType::TaxInvoice)
        .collect();
    jay.sort_by_key(|l| l.first);
    assert_eq!(jay[0].first, 1);
    for w in jay.windows(2) {
        assert_eq!(w[0].last + 1, w[1].first);
    }
    // and a device can issue a number from its lease; the hub accepts it, and refuses one outside
    let mut d = Arc::try_unwrap(devs.remove(0)).ok().unwrap();
    d.pull_all().await;
    let mine = leases
        .iter()
        .find(|l| l.device == d.id && l.doc_type == DocType::TaxInvoice)
        .unwrap()
        .clone();
    let acc = h.users["acc_a"];
    let doc = |seq: u64, id: u8| {
        let series =
            sync_core::domain::invoice_no::Series::new("JAY", DocType::TaxInvoice, mine.fy)
                .unwrap();
        let line = Line {
            id: RecordId([id; 16]),
            kind: LineKind::Service,
            item: None,
            description: "Repair".into(),
            hsn_sac: "998713".into(),
            qty: Decimal::ONE,
            unit: "nos".into(),
            unit_price: Decimal::from(1000),
            discount: Decimal::ZERO,
            gst_rate: Decimal::from(18),
        };
        let date = sync_core::domain::date::Date::from_unix_ms_ist(now_ms());
        OpBody::DocumentIssued(Document {
            id: RecordId([id.wrapping_add(100); 16]),
            doc_type: DocType::TaxInvoice,
            prefix: "JAY".into(),
            fy: mine.fy,
            seq,
            number: series.format(seq).unwrap(),
            date,
            supplier_gstin: sync_core::testkit::gstin("29", "ABCDE1234F"),
            supplier_state: "29".into(),
            customer: None,
            customer_name: "Walk-in".into(),
            customer_gstin: None,
            customer_address: None,
            place_of_supply: "29".into(),
            job: None,
            lines: vec![line],
            grand_total: Decimal::from(1180),
            against: None,
            reason: None,
            transfer: None,
        })
    };
    let good = d.make(acc, doc(mine.first, 1));
    let (_, v) = d.push(&[good]).await;
    assert_eq!(v["results"][0]["verdict"], "accepted", "{v}");
    // Outside its lease (another device's block): refused by the hub even if the device let it through.
    let other = leases
        .iter()
        .find(|l| l.device != d.id && l.prefix == "JAY" && l.doc_type == DocType::TaxInvoice)
        .unwrap();
    let applied = d.r.applied().clone();
    let bad =
        d.w.make(acc, d.branch, doc(other.first, 2), &applied, now_ms())
            .unwrap();
    let (_, v) = d.push(&[bad]).await;
    assert_eq!(v["results"][0]["verdict"], "rejected");
    assert!(
        v["results"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("lease"),
        "{v}"
    );
}

#[test]
fn hub_database_alone_reveals_no_branch_key() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.sqlite");
    let hub = HubDb::init(&db, "Olivia", "2468", PASS).unwrap();
    let b = hub
        .add_branch(branch("Jayanagar", "ABCDE1234F", "JAY"))
        .unwrap();
    let code = hub
        .create_enrollment(b, "front desk", true, now_ms())
        .unwrap();
    // Without the passphrase, no codes can be issued.
    drop(hub);
    let locked = HubDb::open(&db, None).unwrap();
    assert!(matches!(
        locked.create_enrollment(b, "x", false, now_ms()),
        Err(hub::HubError::Locked(_))
    ));
    assert!(HubDb::open(&db, Some("wrong passphrase")).is_err());
    // The code's secret is not in the database: only its hash and a key wrapped under it.
    let bytes = std::fs::read(&db).unwrap();
    let secret = code.code.split_once('-').unwrap().1;
    assert!(!bytes.windows(secret.len()).any(|w| w == secret.as_bytes()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transfer_reaches_the_other_branch_through_the_hub() {
    let h = start().await;
    let mut a = Dev::enroll(&h, h.a, true).await;
    let mut b = Dev::enroll(&h, h.b, true).await;
    let item = RecordId([0x77; 16]);
    let hub = h.hub.clone();
    tokio::task::spawn_blocking(move || {
        hub.add_item(Item {
            id: item,
            sku: "SSD512".into(),
            name: "512GB NVMe SSD".into(),
            hsn_sac: "84717020".into(),
            gst_rate: Decimal::from(18),
            unit: "pcs".into(),
            sale_price: Decimal::from(3800),
            cost: Decimal::from(3000),
            reorder_level: Decimal::ONE,
            is_service: false,
        })
        .unwrap()
    })
    .await
    .unwrap();
    let mgr_a = {
        let hub = h.hub.clone();
        let br = h.a;
        tokio::task::spawn_blocking(move || {
            hub.add_user(
                Some(br),
                "Meera",
                sync_core::domain::roles::Role::Manager,
                "5555",
            )
            .unwrap()
        })
        .await
        .unwrap()
    };
    let mgr_b = {
        let hub = h.hub.clone();
        let br = h.b;
        tokio::task::spawn_blocking(move || {
            hub.add_user(
                Some(br),
                "Manoj",
                sync_core::domain::roles::Role::Manager,
                "6666",
            )
            .unwrap()
        })
        .await
        .unwrap()
    };
    a.pull_all().await;
    b.pull_all().await;
    let t = RecordId([0x88; 16]);
    let ops = vec![
        a.make(
            mgr_a,
            OpBody::StockMoved(StockMovement {
                id: RecordId([1; 16]),
                item,
                qty: Decimal::from(5),
                movement: MovementKind::Receipt {
                    supplier: "Distributor".into(),
                    reference: None,
                },
                note: None,
            }),
        ),
        a.make(
            mgr_a,
            OpBody::StockMoved(StockMovement {
                id: RecordId([2; 16]),
                item,
                qty: Decimal::from(3),
                movement: MovementKind::TransferOut {
                    transfer: t,
                    to_branch: h.b,
                    to_device: b.id,
                },
                note: None,
            }),
        ),
    ];
    let (_, v) = a.push(&ops).await;
    assert!(
        v["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["verdict"] == "accepted"),
        "{v}"
    );
    // Branch B learns of it from the hub, in its own chain, and takes in 2 of the 3.
    b.pull_all().await;
    let info = sync_core::domain::rules::RuleContext::transfer(&b.r, t)
        .expect("branch B sees the transfer");
    assert_eq!((info.sent, info.receiver), (Decimal::from(3), b.id));
    let recv = b.make(
        mgr_b,
        OpBody::StockMoved(StockMovement {
            id: RecordId([3; 16]),
            item,
            qty: Decimal::from(2),
            movement: MovementKind::TransferIn {
                transfer: t,
                from_branch: h.a,
                sent: Decimal::from(3),
            },
            note: Some("one unit damaged in transit".into()),
        }),
    );
    let (_, v) = b.push(&[recv]).await;
    assert_eq!(v["results"][0]["verdict"], "accepted", "{v}");
    // At the hub: A's store 2, B's store 2, nothing in transit, variance 1.
    let stock = hub::reports::report(&*h.hub, "stock").unwrap();
    let get = |branch: &str, held: &str| {
        stock
            .rows
            .iter()
            .find(|r| r[0] == branch && r[2] == held)
            .map(|r| r[3].clone())
            .unwrap_or_default()
    };
    assert_eq!(get("Jayanagar", "device"), "2");
    assert_eq!(get("Whitefield", "device"), "2");
    assert_eq!(get("Jayanagar", "transit"), "0");
    let variance: String = h
        .hub
        .read(|c| Ok(c.row("SELECT variance FROM transfers", p![], |r| r.get(0))?))
        .unwrap();
    assert_eq!(variance, "1");
}

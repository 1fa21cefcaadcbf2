//! The hub's disk dies in the morning and it is restored from last night's
//! backup. What it had acknowledged since is on the devices: each learns
//! from the hub's answers that it is a new incarnation, sends everything
//! again and rewinds its pull; the hub signs nothing in a chain until every
//! device that may hold that chain's lost tail has done so, so it neither
//! forks its own chain nor hands out a number block it had already granted.
//! Afterwards the hub holds every op it held before the loss, every device
//! agrees with it, and every invoice number lies in exactly one lease.

use std::collections::BTreeMap;

use branch_node::billing as bill;
use branch_node::services::{self as svc, LineInput};
use branch_node::sync;
use e2e_tests::check;
use e2e_tests::proxy::FaultProxy;
use e2e_tests::world::{Device, Hub, bg, dec};
use hub::error::HubError;
use hub::store::HubStore;
use hub::store::db::now_ms;
use hub::store::db::restore;
use rust_decimal::Decimal;
use sync_core::body::{Item, LineKind};
use sync_core::domain::date::Date;
use sync_core::domain::invoice_no::DocType;
use sync_core::domain::roles::Role;
use sync_core::ids::RecordId;

/// A counter sale of one hour's labour, finalized: its number.
fn sell(d: &Device, s: &branch_node::auth::Session) -> String {
    let draft = bill::create_draft(
        &d.node,
        s,
        bill::DraftInput {
            job: None,
            customer: None,
            customer_name: Some("Walk-in".into()),
            customer_gstin: None,
            customer_state: None,
            customer_address: None,
            lines: vec![LineInput {
                kind: LineKind::Service,
                item: None,
                description: "Chip-level repair".into(),
                hsn_sac: "998713".into(),
                qty: Decimal::ONE,
                unit: "nos".into(),
                unit_price: dec("1000"),
                discount: Decimal::ZERO,
                gst_rate: dec("18"),
            }],
        },
    )
    .expect("draft");
    bill::finalize(&d.node, s, draft.draft.id, None)
        .expect("finalize")
        .doc
        .number
}

/// Parts bought in at the counter.
fn stock_in(d: &Device, s: &branch_node::auth::Session, item: RecordId, qty: &str) {
    branch_node::inventory::receive(
        &d.node,
        s,
        branch_node::inventory::ReceiptInput {
            item,
            qty: dec(qty),
            supplier: "Lamington Road Traders".into(),
            reference: None,
            note: None,
        },
    )
    .expect("stock received");
}

/// Every lease the hub knows: (series, first, last, device).
fn leases(hub: &Hub) -> Vec<(String, u64, u64, Vec<u8>)> {
    let c = check::open(&hub.store.db);
    let mut stmt = c
        .prepare("SELECT prefix || '/' || doc_type || '/' || fy, first, last, device FROM leases ORDER BY 1, 2")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn no_overlap(ls: &[(String, u64, u64, Vec<u8>)]) {
    let mut by_series: BTreeMap<&str, Vec<(u64, u64)>> = BTreeMap::new();
    for (s, f, l, _) in ls {
        by_series.entry(s).or_default().push((*f, *l));
    }
    for (s, mut blocks) in by_series {
        blocks.sort();
        for w in blocks.windows(2) {
            assert!(
                w[0].1 < w[1].0,
                "series {s}: blocks {:?} and {:?} overlap",
                w[0],
                w[1]
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hub_restored_from_last_nights_backup_takes_back_what_it_lost() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let mut hub = Hub::start(root, 100_000).await;
    // The devices know the hub by one address, whichever machine answers.
    let link = FaultProxy::start(&hub.addr, 7).await;
    let counter = hub.enroll(root, 0, "counter", true, &link.url).await;
    let laptop = hub
        .enroll_with(root, 0, "laptop", false, Some(Role::Manager), &link.url)
        .await;
    let tnagar = hub.enroll(root, 1, "tnagar counter", true, &link.url).await;
    // A tablet that will be lost the morning the disk dies.
    let tablet = hub.enroll(root, 0, "tablet", false, &link.url).await;
    let (a, b) = (hub.branches[0].clone(), hub.branches[1].clone());
    let (a, b) = (&a, &b);
    let acct = counter.login(a, Role::Accountant).await;
    let mgr = counter.login(a, Role::Manager).await;
    let rcp = counter.login(a, Role::Receptionist).await;
    let t_rcp = tnagar.login(b, Role::Receptionist).await;

    // Yesterday: a job and a sale, synced. Then the nightly backup.
    // (Blocking SQLite calls on a test's worker: the runtime has two.)
    svc::open_job(&counter.node, &rcp, e2e_tests::demo::intake(1, 29)).unwrap();
    let first = sell(&counter, &acct);
    let ram = hub.items["RAM8-DDR4"];
    stock_in(&counter, &mgr, ram, "10");
    for d in [&counter, &laptop, &tnagar] {
        sync::sync_once(&d.node, &link.url).await.unwrap();
    }
    let backup = root.join("nightly.sqlite");
    let (db, to) = (hub.store.db.clone(), backup.clone());
    let written = bg(move || restore::backup(&db, &to)).await.unwrap();
    assert!(written.bytes > 0 && written.keys.exists(), "{written:?}");

    // This morning, before the disk dies: more work at both branches, a
    // second number block for the counter, a technician who joined, an item
    // added to the shared catalogue, all acknowledged by the hub.
    svc::open_job(&counter.node, &rcp, e2e_tests::demo::intake(2, 29)).unwrap();
    let second = sell(&counter, &acct);
    svc::open_job(&tnagar.node, &t_rcp, e2e_tests::demo::intake(3, 33)).unwrap();
    // Two sticks of RAM sent to T Nagar: the hub tells T Nagar in its chain.
    let sent_before =
        e2e_tests::demo::transfer(&counter.node, &mgr, ram, "2", b.id, tnagar.id()).unwrap();
    let (store, dev, branch) = (hub.store.clone(), counter.id(), a.id);
    let granted = bg(move || {
        let l = store
            .lease_block(
                dev,
                DocType::TaxInvoice,
                50,
                Date::from_unix_ms_ist(now_ms()),
            )
            .unwrap();
        store
            .add_user(Some(branch), "Arun Technician", Role::Technician, "5151")
            .unwrap();
        store
            .add_item(Item {
                id: RecordId([9; 16]),
                sku: "FAN-HP-15".into(),
                name: "CPU fan, HP 15".into(),
                hsn_sac: "84733099".into(),
                gst_rate: dec("18"),
                unit: "pcs".into(),
                sale_price: dec("750"),
                cost: dec("400"),
                reorder_level: Decimal::ONE,
                is_service: false,
            })
            .unwrap();
        l
    })
    .await;
    for d in [&counter, &laptop, &tnagar] {
        let r = sync::sync_once(&d.node, &link.url).await.unwrap();
        assert!(!r.hub_restored, "{}: {r:?}", d.label);
    }
    let held_before = check::op_ids(&check::open(&hub.store.db));
    let leases_before = leases(&hub);
    assert!(leases_before.iter().any(|l| l.1 == granted.first));

    // The disk dies; last night's backup goes in its place.
    let report = hub.restore_from(&backup).await;
    link.set_upstream(&hub.addr);
    assert_eq!(report.awaiting.len(), 4, "{report:?}");
    // The tablet is lost: the owner revokes it while the hub recovers. It
    // is refused at once and no longer waited for; the revocation is
    // signed once Jayanagar's chain has recovered.
    let (store, lost) = (hub.store.clone(), tablet.id());
    bg(move || store.revoke(lost, "lost at the bus stop"))
        .await
        .expect("a revocation during recovery");
    let e = sync::sync_once(&tablet.node, &link.url).await.unwrap_err();
    assert!(e.to_string().contains("revoked"), "{e}");
    assert!(report.replaced.is_some());
    let lost = held_before.len() - check::op_ids(&check::open(&hub.store.db)).len();
    assert!(
        lost >= 6,
        "the backup should lack this morning's work ({lost} ops)"
    );

    // The laptop comes back first: it sends what it holds, but the counter
    // may hold more of Jayanagar's chain, so the hub signs nothing there
    // (no lease, no new person) and nothing in the root's chain.
    let r = sync::sync_once(&laptop.node, &link.url).await.unwrap();
    assert!(r.hub_restored, "{r:?}");
    let waiting: Vec<String> = hub
        .store
        .recovery()
        .unwrap()
        .into_iter()
        .map(|w| w.label)
        .collect();
    assert_eq!(waiting, ["counter", "tnagar counter"]);
    // The owner's dashboard says so.
    let http = reqwest::Client::new();
    let cookie = hub.owner_cookie(&http).await;
    let page = http
        .get(format!("{}/", hub.url))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Restored from a backup") && page.contains("counter (Jayanagar)"),
        "{page}"
    );
    let (store, dev, branch) = (hub.store.clone(), laptop.id(), a.id);
    let refused = bg(move || {
        (
            store.lease_block(
                dev,
                DocType::TaxInvoice,
                50,
                Date::from_unix_ms_ist(now_ms()),
            ),
            store.add_user(Some(branch), "Too Early", Role::Technician, "5252"),
        )
    })
    .await;
    assert!(
        matches!(refused.0, Err(HubError::Recovering(ref w)) if w.contains("counter")),
        "{:?}",
        refused.0
    );
    assert!(
        matches!(refused.1, Err(HubError::Recovering(_))),
        "{:?}",
        refused.1
    );
    assert_eq!(HubError::Recovering(String::new()).status(), 503);

    // The counter comes back, with one more stick sent to T Nagar made
    // while the hub was away. T Nagar's chain is still recovering: the hub
    // keeps both notices (the lost one and the new) for later instead of
    // signing in it.
    let sent_after =
        e2e_tests::demo::transfer(&counter.node, &mgr, ram, "1", b.id, tnagar.id()).unwrap();
    let r = sync::sync_once(&counter.node, &link.url).await.unwrap();
    assert!(r.hub_restored && r.rejected == 0, "{r:?}");
    let deferred = |hub: &Hub| -> i64 {
        check::open(&hub.store.db)
            .query_row("SELECT count(*) FROM deferred_hub_ops", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(deferred(&hub), 2);
    // T Nagar comes back: it returns the notice it had been given, so the
    // hub signs only the new one. The hub has recovered.
    let r = sync::sync_once(&tnagar.node, &link.url).await.unwrap();
    assert!(r.hub_restored && r.rejected == 0, "{r:?}");
    // In the same sync it pulled what the hub signed once it had recovered.
    assert_eq!(r.agrees_with_hub, Some(true), "{r:?}");
    assert_eq!(hub.store.recovery().unwrap(), vec![]);
    assert_eq!(deferred(&hub), 0);
    let notices: Vec<RecordId> = {
        let c = check::open(&hub.store.db);
        let mut stmt = c
            .prepare("SELECT wire FROM ops WHERE kind = 'transfer_announced'")
            .unwrap();
        stmt.query_map([], |r| r.get::<_, Vec<u8>>(0))
            .unwrap()
            .map(
                |w| match sync_core::op::Op::decode(&w.unwrap()).unwrap().body {
                    sync_core::body::OpBody::TransferAnnounced(t) => t.transfer,
                    other => panic!("{other:?}"),
                },
            )
            .collect()
    };
    for t in [sent_before, sent_after] {
        assert_eq!(
            notices.iter().filter(|n| **n == t).count(),
            1,
            "one notice for transfer {t:?}: {notices:?}"
        );
    }
    let at_tnagar: i64 = check::open(&tnagar.db)
        .query_row(
            "SELECT count(*) FROM transfers WHERE id IN (?1, ?2)",
            rusqlite::params![&sent_before.0[..], &sent_after.0[..]],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(at_tnagar, 2, "T Nagar knows both transfers coming: {r:?}");

    // Everything it held before the loss is back, byte for byte.
    let held_after = check::op_ids(&check::open(&hub.store.db));
    for (id, hash) in &held_before {
        assert_eq!(held_after.get(id), Some(hash), "op {id:?} not recovered");
    }
    // The lease granted after the backup is known again, and the next block
    // follows it: no number is handed out twice.
    let (store, dev) = (hub.store.clone(), laptop.id());
    let next = bg(move || {
        store.lease_block(
            dev,
            DocType::TaxInvoice,
            50,
            Date::from_unix_ms_ist(now_ms()),
        )
    })
    .await
    .expect("a lease once recovered");
    assert!(next.first > granted.last, "{next:?} after {granted:?}");
    let after = leases(&hub);
    for l in &leases_before {
        assert!(after.contains(l), "lease {l:?} lost");
    }
    no_overlap(&after);
    let c = check::open(&hub.store.db);
    let docs = check::documents(&c);
    for number in [&first, &second] {
        let d = docs
            .iter()
            .find(|d| &d.number == number)
            .unwrap_or_else(|| panic!("{number} not at the hub"));
        assert!(check::inside_a_lease(&c, d), "{number} outside its lease");
    }
    let users = hub.store.users().unwrap();
    assert!(users.iter().any(|u| u.name == "Arun Technician"));
    assert!(
        hub.store
            .catalogue()
            .unwrap()
            .iter()
            .any(|i| i.sku == "FAN-HP-15")
    );

    let c = check::open(&hub.store.db);
    let revoked: bool = c
        .query_row(
            "SELECT revoked FROM devices WHERE id = ?1",
            [&tablet.id().0[..]],
            |r| r.get(0),
        )
        .unwrap();
    assert!(revoked, "the tablet's revocation was signed once recovered");
    drop(c);
    // A new person can be added again, and every device ends with the
    // hub's state of its branch.
    let (store, branch) = (hub.store.clone(), a.id);
    bg(move || store.add_user(Some(branch), "Late Joiner", Role::Technician, "5353"))
        .await
        .expect("the hub signs again once recovered");
    for d in [&counter, &laptop, &tnagar] {
        let r = sync::sync_once(&d.node, &link.url).await.unwrap();
        assert!(!r.hub_restored, "{}: {r:?}", d.label);
        assert_eq!(r.agrees_with_hub, Some(true), "{}: {r:?}", d.label);
        let mine = check::op_ids(&check::open(&d.db));
        let hubs = check::op_ids(&check::open(&hub.store.db));
        for id in mine.keys() {
            assert!(
                hubs.contains_key(id),
                "{}: op {id:?} not at the hub",
                d.label
            );
        }
    }
}

#[test]
fn a_backup_never_overwrites_and_a_restore_needs_a_backup() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.sqlite");
    hub::store::db::HubDb::init(&db, "Owner", "1234", "a long passphrase").unwrap();
    let to = dir.path().join("copy.sqlite");
    restore::backup(&db, &to).unwrap();
    let again = restore::backup(&db, &to).unwrap_err().to_string();
    assert!(again.contains("never overwrites"), "{again}");
    let missing = restore::restore(&dir.path().join("none.sqlite"), &db)
        .unwrap_err()
        .to_string();
    assert!(missing.contains("none.sqlite.keys"), "{missing}");
    // Nothing was moved aside by the refused restore.
    assert!(db.exists());
}

/// After a restore the receiving branch can return the hub's notice of a
/// transfer before the sender returns the transfer itself: the transfer is
/// still taken (an honest op is never refused for the order a restore put
/// things in), the stock counted once, and T Nagar can take it in.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_transfers_notice_back_before_the_transfer_is_no_conflict() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let mut hub = Hub::start(root, 100_000).await;
    let link = FaultProxy::start(&hub.addr, 11).await;
    let counter = hub.enroll(root, 0, "counter", true, &link.url).await;
    let tnagar = hub.enroll(root, 1, "tnagar counter", true, &link.url).await;
    let (a, b) = (hub.branches[0].clone(), hub.branches[1].clone());
    let mgr = counter.login(&a, Role::Manager).await;
    let t_mgr = tnagar.login(&b, Role::Manager).await;
    let ram = hub.items["RAM8-DDR4"];
    stock_in(&counter, &mgr, ram, "5");
    for d in [&counter, &tnagar] {
        sync::sync_once(&d.node, &link.url).await.unwrap();
    }
    let backup = root.join("nightly.sqlite");
    let (db, to) = (hub.store.db.clone(), backup.clone());
    bg(move || restore::backup(&db, &to)).await.unwrap();
    let sent = e2e_tests::demo::transfer(&counter.node, &mgr, ram, "2", b.id, tnagar.id()).unwrap();
    for d in [&counter, &tnagar] {
        sync::sync_once(&d.node, &link.url).await.unwrap();
    }
    hub.restore_from(&backup).await;
    link.set_upstream(&hub.addr);
    // T Nagar first: the notice is back before the transfer.
    let r = sync::sync_once(&tnagar.node, &link.url).await.unwrap();
    assert!(r.hub_restored && r.rejected == 0, "{r:?}");
    let r = sync::sync_once(&counter.node, &link.url).await.unwrap();
    assert!(r.hub_restored, "{r:?}");
    assert_eq!(r.rejected, 0, "the transfer was refused: {r:?}");
    assert_eq!(hub.store.recovery().unwrap(), vec![]);
    for d in [&counter, &tnagar] {
        let r = sync::sync_once(&d.node, &link.url).await.unwrap();
        assert_eq!(r.agrees_with_hub, Some(true), "{}: {r:?}", d.label);
    }
    branch_node::inventory::transfer_in(
        &tnagar.node,
        &t_mgr,
        branch_node::inventory::TransferInInput {
            transfer: sent,
            received: dec("2"),
        },
    )
    .unwrap();
    for d in [&tnagar, &counter, &tnagar] {
        let r = sync::sync_once(&d.node, &link.url).await.unwrap();
        assert_eq!(r.rejected, 0, "{}: {r:?}", d.label);
    }
    // Nothing left in transit at the hub: sent once, received once.
    let transit: Vec<String> = check::open(&hub.store.db)
        .prepare("SELECT qty FROM stock_balances WHERE holder_kind = 'transit'")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|q| q.unwrap())
        .collect();
    assert!(transit.iter().all(|q| dec(q).is_zero()), "{transit:?}");
}

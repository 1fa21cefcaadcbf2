//! The hub keeps nothing a forger sends, and its own chains stay whole
//! while the CLI writes beside the server.

use crate::common::*;
use hub::store::HubStore;
use hub::store::db::HubDb;
use sqlite_replica::{SqlExt, p};
use sync_core::body::{Customer, OpBody};
use sync_core::domain::invoice_no::DocType;
use sync_core::domain::roles::Role;
use sync_core::identity::DeviceKey;
use sync_core::ids::{DeviceId, RecordId};
use sync_core::op::Op;
use sync_core::writer::DeviceWriter;

fn pending(h: &Hub) -> i64 {
    h.hub
        .read(|c| Ok(c.row("SELECT count(*) FROM pending_ops", p![], |r| r.get(0))?))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pending_queue_flood_from_unknown_devices_stores_nothing() {
    let h = start().await;
    let counter = Dev::enroll(&h, h.a, true).await;
    let rec = h.users["rec_a"];
    for batch in 0..3u32 {
        // A thousand ops of devices the hub never enrolled, each claiming to
        // follow an op that never came (so it would wait), relayed by an
        // enrolled counter.
        let ops: Vec<Op> = (0..1000u32)
            .map(|i| {
                let n = batch * 1000 + i;
                let mut id = [0u8; 16];
                id[..4].copy_from_slice(&n.to_be_bytes());
                let mut w = DeviceWriter::new(DeviceId(id), DeviceKey::from_seed([7; 32]));
                w.state.seq = 1;
                w.make(
                    rec,
                    h.a,
                    OpBody::CustomerCreated(Customer {
                        id: RecordId(id),
                        name: "Flood".into(),
                        mobile: "9845012345".into(),
                        email: None,
                        address: None,
                        gstin: None,
                        state_code: None,
                    }),
                    &Default::default(),
                    hub::store::db::now_ms(),
                )
                .unwrap()
            })
            .collect();
        let (st, v) = counter.push(&ops).await;
        assert_eq!(st, 200, "{v}");
        let results = v["results"].as_array().unwrap();
        assert!(
            results.iter().all(|r| r["verdict"] == "rejected"),
            "{}",
            results[0]
        );
    }
    assert_eq!(pending(&h), 0, "the hub kept a forger's ops waiting");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_writing_beside_the_server_never_breaks_a_branch() {
    let h = start().await;
    let mut counter = Dev::enroll(&h, h.a, true).await;
    // `hub user add` and `hub device revoke` from another process: another
    // store on the same file, signing in the same branch hub chain.
    let db = h.place.clone();
    let (laptop_id, _) = {
        let lap = Dev::enroll(&h, h.a, false).await;
        (lap.id, ())
    };
    tokio::task::spawn_blocking(move || {
        let cli = HubDb::open_at(&db, Some(PASS)).unwrap();
        cli.add_user(Some(cli_branch(&cli)), "Kiran", Role::Technician, "5555")
            .unwrap();
        cli.revoke(laptop_id, "lost on the bus").unwrap();
    })
    .await
    .unwrap();
    // The serving hub signs in that same chain next (a lease), and goes on
    // taking the branch's work.
    let hub = h.hub.clone();
    let id = counter.id;
    let lease = tokio::task::spawn_blocking(move || {
        hub.lease_block(
            id,
            DocType::CreditNote,
            10,
            sync_core::domain::date::Date::from_unix_ms_ist(hub::store::db::now_ms()),
        )
    })
    .await
    .unwrap();
    assert!(lease.is_ok(), "{lease:?}");
    counter.pull_all().await;
    let rec = h.users["rec_a"];
    let op = counter.make(
        rec,
        OpBody::CustomerCreated(Customer {
            id: RecordId([3; 16]),
            name: "Asha".into(),
            mobile: "9845012345".into(),
            email: None,
            address: None,
            gstin: None,
            state_code: None,
        }),
    );
    let (_, v) = counter.push(&[op]).await;
    assert_eq!(v["results"][0]["verdict"], "accepted", "{v}");
    assert_eq!(pending(&h), 0);
}

/// The branch the CLI adds its user to: the first one, Jayanagar.
fn cli_branch(cli: &HubDb) -> sync_core::ids::BranchId {
    cli.read(|c| {
        Ok(c.row(
            "SELECT id FROM branches WHERE name = 'Jayanagar'",
            p![],
            |r| r.get::<Vec<u8>>(0),
        )?)
    })
    .map(|b| sync_core::ids::BranchId(b.try_into().unwrap()))
    .unwrap()
}

/// A device that signs two different ops at one place of its chain has its
/// key in hostile hands: the hub refuses the second as a fork and revokes
/// the device. A copy at a known place whose signature fails proves nothing:
/// it is refused, and revokes no one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_that_signs_two_ops_at_one_place_is_revoked() {
    let h = start().await;
    let counter = Dev::enroll(&h, h.a, true).await;
    let mut laptop = Dev::enroll_with(&h, h.a, false, Some(Role::Manager)).await;
    let rec = h.users["rec_a"];
    let first = laptop.make(rec, customer(1));
    let (st, v) = laptop.push(std::slice::from_ref(&first)).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(v["results"][0]["verdict"], "accepted", "{v}");
    // The laptop's key, made to sign again at the place it just used.
    let mut again = |body: OpBody| {
        laptop.w.state.seq = first.id.seq - 1;
        laptop.w.state.prev = first.prev;
        laptop
            .w
            .make(
                rec,
                h.a,
                body,
                &Default::default(),
                hub::store::db::now_ms(),
            )
            .unwrap()
    };
    // A copy at that place whose signature fails, relayed by the counter.
    let mut junk = again(customer(2));
    junk.sig = [7; 64];
    let second = again(customer(3));
    let (_, v) = counter.push(&[junk]).await;
    assert_eq!(v["results"][0]["verdict"], "rejected", "{v}");
    assert!(
        !h.hub.device_auth(laptop.id).unwrap().unwrap().revoked,
        "a bad signature revoked a device"
    );
    // Another op, truly signed, at the same place: the device signed two.
    let (_, v) = counter.push(&[second]).await;
    assert_eq!(v["results"][0]["verdict"], "rejected", "{v}");
    let reason = v["results"][0]["reason"].as_str().unwrap_or_default();
    assert!(reason.contains("fork"), "{reason}");
    assert!(
        h.hub.device_auth(laptop.id).unwrap().unwrap().revoked,
        "the device that signed two ops at one place is revoked"
    );
    let (st, _) = laptop.push(std::slice::from_ref(&first)).await;
    assert_eq!(st, 403, "a revoked device may not sync");
}

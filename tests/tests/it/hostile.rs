//! A stolen technician laptop, over real HTTP on loopback, against a real
//! hub and a real counter. With the laptop's own enrolled key it signs
//! correctly chained ops as the owner, as a manager, for `HQ`, for the other
//! branch, for leases, users, PINs and revocations, stock and an invoice
//! outside any lease, and pushes them straight to the counter's LAN side and
//! to the hub. Each is refused at both with its reason, and nothing changes
//! anywhere: every replica's digest of both branches is what it was before.
//!
//! And bad input wedges nothing: a receipt of an overflowing quantity is
//! refused naming the field, uses no sequence number, and the counter's next
//! op syncs.

use std::path::Path;

use branch_node::keys::KeyFile;
use branch_node::{inventory as inv, services as svc, sync};
use e2e_tests::check;
use e2e_tests::world::{Device, Hub, bg, dec};
use rust_decimal::Decimal;
use sync_core::body::{
    Customer, Document, FieldValue, FieldWrite, Lease, Line, LineKind, MovementKind, OpBody,
    StockMovement, User,
};
use sync_core::domain::date::Date;
use sync_core::domain::invoice_no::DocType;
use sync_core::domain::roles::Role;
use sync_core::identity::DeviceKey;
use sync_core::ids::{RecordId, UserId};
use sync_core::op::Op;
use sync_core::protocol::{self, PushRequest, PushResponse, Verdict};
use sync_core::replica::HQ;
use sync_core::writer::DeviceWriter;

fn rid(n: u8) -> RecordId {
    RecordId([n; 16])
}

/// Every replica's digest of both branches.
fn digests(hub: &Hub, devices: &[&Device]) -> Vec<String> {
    let mut out = vec![];
    let mut files: Vec<&Path> = vec![hub.store.db.as_path()];
    files.extend(devices.iter().map(|d| d.db.as_path()));
    for f in files {
        let c = check::open(f);
        for b in &hub.branches {
            out.push(sqlite_replica::digest::branch_digest(&c, &b.id.0).expect("digest"));
        }
    }
    out
}

/// The laptop's writer, as a thief who copied its key file has it: its own
/// key, its chain head, what it holds.
fn thief(laptop: &Device) -> (DeviceWriter, sync_core::vv::VersionVector) {
    let keys = KeyFile::load(&laptop.db).expect("key file");
    let mut w = DeviceWriter::new(
        keys.device,
        DeviceKey::from_seed(keys.device_seed().unwrap()),
    );
    let (head, applied) = laptop
        .node
        .read(|c| {
            Ok((
                sqlite_replica::chain_head(c, keys.device)?,
                sqlite_replica::applied(c)?,
            ))
        })
        .unwrap();
    w.state.seq = head.seq;
    w.state.prev = head.hash;
    (w, applied)
}

async fn push(url: &str, key: &DeviceKey, w: &DeviceWriter, ops: &[Op]) -> PushResponse {
    let body = serde_json::to_vec(&PushRequest {
        ops: ops
            .iter()
            .map(|o| hex::encode(o.encode().unwrap()))
            .collect(),
        resynced: None,
    })
    .unwrap();
    let mut req = reqwest::Client::new()
        .post(format!("{url}{}", protocol::PUSH))
        .header("content-type", "application/json");
    for (k, v) in sync::signature_headers(
        key,
        w.device,
        "POST",
        protocol::PUSH,
        hub::store::db::now_ms(),
        &body,
    ) {
        req = req.header(k, v);
    }
    let r = req.body(body).send().await.expect("push");
    assert_eq!(r.status(), 200, "a push with refused ops is still answered");
    r.json().await.expect("push answer")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stolen_laptop_is_refused_everything_beyond_its_trust() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let hub = Hub::start(root, 100_000).await;
    let counter = hub.enroll(root, 0, "counter", true, &hub.url).await;
    let laptop = hub.enroll(root, 0, "laptop", false, &hub.url).await;
    let other = hub.enroll(root, 1, "tnagar counter", true, &hub.url).await;
    for d in [&counter, &laptop, &other, &counter] {
        sync::sync_once(&d.node, &hub.url).await.unwrap();
    }
    let before = digests(&hub, &[&counter, &laptop, &other]);

    let b = &hub.branches[0];
    let (owner, manager, tech) = (hub.owner, b.user(Role::Manager), b.user(Role::Technician));
    let item = hub.items["RAM8-DDR4"];
    let counter_lease = counter
        .node
        .read(|c| branch_node::store::money::all_leases(c, counter.id()))
        .unwrap()
        .into_iter()
        .find(|l| l.doc_type == DocType::TaxInvoice)
        .expect("the counter holds a block");
    let adjust = |id: u8| {
        OpBody::StockMoved(StockMovement {
            id: rid(id),
            item,
            qty: Decimal::from(100),
            movement: MovementKind::Adjustment {
                increase: true,
                reason: "found in a drawer".into(),
            },
            note: None,
        })
    };
    let pin_hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";
    let today = Date::from_unix_ms_ist(hub::store::db::now_ms());
    let line = Line {
        id: rid(90),
        kind: LineKind::Service,
        item: None,
        description: "Chip-level repair".into(),
        hsn_sac: "998713".into(),
        qty: Decimal::ONE,
        unit: "nos".into(),
        unit_price: dec("1000"),
        discount: Decimal::ZERO,
        gst_rate: dec("18"),
    };
    let series = sync_core::domain::invoice_no::Series::new(
        &counter_lease.prefix,
        DocType::TaxInvoice,
        today.financial_year(),
    )
    .unwrap();
    let branch_info = counter
        .node
        .read(|c| branch_node::store::read::branch(c, b.id))
        .unwrap();
    let invoice = Document {
        id: rid(91),
        doc_type: DocType::TaxInvoice,
        prefix: counter_lease.prefix.clone(),
        fy: series.fy,
        seq: 9_000,
        number: series.format(9_000).unwrap(),
        date: today,
        supplier_gstin: branch_info.gstin.clone(),
        supplier_state: branch_info.state_code.clone(),
        customer: None,
        customer_name: "Walk-in".into(),
        customer_gstin: None,
        customer_address: None,
        place_of_supply: branch_info.state_code.clone(),
        job: None,
        lines: vec![line],
        grand_total: dec("1180"),
        against: None,
        reason: None,
        transfer: None,
    };
    // (what, author, branch, body, a word the refusal must contain)
    let forged: Vec<(&str, UserId, sync_core::ids::BranchId, OpBody, &str)> = vec![
        (
            "a lease over the counter's block",
            owner,
            b.id,
            OpBody::LeaseGranted(Lease {
                id: rid(1),
                device: laptop.id(),
                ..counter_lease.clone()
            }),
            "only the hub signs it",
        ),
        (
            "a new owner",
            owner,
            b.id,
            OpBody::UserCreated(User {
                id: UserId([0x66; 16]),
                name: "Mallory".into(),
                role: Role::Owner,
                branch: None,
                pin_hash: pin_hash.into(),
            }),
            "only the hub signs it",
        ),
        (
            "the owner's PIN",
            owner,
            b.id,
            OpBody::UserUpdated {
                user: owner,
                writes: vec![FieldWrite {
                    field: "pin_hash".into(),
                    value: FieldValue::Text(pin_hash.into()),
                    supersedes: vec![],
                }],
            },
            "only the hub signs it",
        ),
        (
            "the counter revoked",
            owner,
            b.id,
            OpBody::DeviceRevoked {
                device: counter.id(),
                reason: "mine".into(),
            },
            "only the hub signs it",
        ),
        ("+100 parts as the owner", owner, b.id, adjust(2), "ceiling"),
        (
            "+100 parts as the manager",
            manager,
            b.id,
            adjust(3),
            "ceiling",
        ),
        (
            "an invoice outside any lease",
            tech,
            b.id,
            OpBody::DocumentIssued(invoice),
            "permission denied",
        ),
        // Last, these two: the hub does not even keep them in the laptop's
        // chain (a device relays only its own branch's ops, and only the
        // root signs for HQ), so nothing after them would chain.
        (
            "the other branch's counter revoked, for HQ",
            owner,
            HQ,
            OpBody::DeviceRevoked {
                device: other.id(),
                reason: "mine".into(),
            },
            "own branch",
        ),
        (
            "a customer of the other branch",
            tech,
            hub.branches[1].id,
            OpBody::CustomerCreated(Customer {
                id: rid(4),
                name: "Elsewhere".into(),
                mobile: "9845011111".into(),
                email: None,
                address: None,
                gstin: None,
                state_code: None,
            }),
            "own branch",
        ),
    ];

    let keys = KeyFile::load(&laptop.db).unwrap();
    let key = DeviceKey::from_seed(keys.device_seed().unwrap());
    // At the LAN peer: each, pushed alone at the laptop's next place, is
    // refused and not taken.
    for (what, author, branch, body, word) in &forged {
        let (mut w, applied) = thief(&laptop);
        let op = w
            .make(
                *author,
                *branch,
                body.clone(),
                &applied,
                hub::store::db::now_ms(),
            )
            .unwrap();
        let r = push(&counter.url, &key, &w, &[op]).await;
        let v = &r.results[0];
        assert_eq!(v.verdict, Verdict::Rejected, "counter took {what}");
        let reason = v.reason.clone().unwrap_or_default();
        assert!(reason.contains(word), "counter on {what}: {reason}");
    }
    // At the hub: the whole forged chain in one push, each refused.
    let (mut w, applied) = thief(&laptop);
    let ops: Vec<Op> = forged
        .iter()
        .map(|(_, a, br, body, _)| {
            w.make(*a, *br, body.clone(), &applied, hub::store::db::now_ms())
                .unwrap()
        })
        .collect();
    let r = push(&hub.url, &key, &w, &ops).await;
    for ((what, _, _, _, word), v) in forged.iter().zip(&r.results) {
        assert_eq!(v.verdict, Verdict::Rejected, "hub took {what}");
        let reason = v.reason.clone().unwrap_or_default();
        assert!(reason.contains(word), "hub on {what}: {reason}");
    }
    // Everyone syncs; the refused ops reach the devices marked refused, and
    // change nothing anywhere.
    for d in [&counter, &other, &counter] {
        let rep = sync::sync_once(&d.node, &hub.url).await.unwrap();
        assert_eq!(rep.agrees_with_hub, Some(true), "{}: {rep:?}", d.label);
    }
    let after = digests(&hub, &[&counter, &laptop, &other]);
    assert_eq!(before, after, "a refused op changed a replica");
    // The counter shows what the hub refused, though the laptop made it.
    let attention = bg({
        let n = counter.node.clone();
        move || sync::needs_attention(&n).unwrap()
    })
    .await;
    assert!(
        attention.iter().filter(|a| a.device == laptop.id()).count() >= forged.len() - 2,
        "{attention:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overflowing_quantity_is_refused_and_wedges_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let hub = Hub::start(root, 100_000).await;
    let counter = hub.enroll(root, 0, "counter", true, &hub.url).await;
    let b = &hub.branches[0];
    let manager = counter.login(b, Role::Manager).await;
    let item = hub.items["RAM8-DDR4"];
    let head = |d: &Device| {
        d.node
            .read(|c| Ok(sqlite_replica::chain_head(c, d.id())?.seq))
            .unwrap()
    };
    let seq_before = head(&counter);
    let e = bg({
        let (n, s) = (counter.node.clone(), manager.clone());
        move || {
            inv::receive(
                &n,
                &s,
                inv::ReceiptInput {
                    item,
                    qty: "79228162514264337593543950335".parse().unwrap(),
                    supplier: "Lamington Road".into(),
                    reference: None,
                    note: None,
                },
            )
            .unwrap_err()
        }
    })
    .await;
    assert!(e.to_string().contains("qty"), "{e}");
    assert_eq!(head(&counter), seq_before, "a refused write used a number");
    // The next op is the next number, and it syncs with nothing waiting.
    let rcp = counter.login(b, Role::Receptionist).await;
    bg({
        let n = counter.node.clone();
        move || {
            svc::create_customer(
                &n,
                &rcp,
                svc::CustomerInput {
                    name: "Asha Rao".into(),
                    mobile: "9845012345".into(),
                    email: None,
                    address: None,
                    gstin: None,
                    state_code: None,
                },
            )
            .unwrap()
        }
    })
    .await;
    assert_eq!(head(&counter), seq_before + 1);
    let rep = sync::sync_once(&counter.node, &hub.url).await.unwrap();
    assert_eq!(rep.waiting, 0, "{rep:?}");
    assert_eq!(rep.agrees_with_hub, Some(true), "{rep:?}");
}

//! Authority comes from the signing device, never from a field it wrote.
//!
//! A stolen technician laptop signs, with its own enrolled key and a
//! correctly chained log, every op it should never be able to make: as the
//! owner, for `HQ`, for the other branch, above its ceiling, for leases,
//! users, PINs, revocations, the shared catalogue, and a document outside
//! its leases. The rule book (the same one the hub and every LAN peer run)
//! refuses each, naming why; the same ops from the hub's own devices, or by
//! a role within the device's ceiling, pass.

use rust_decimal::Decimal;
use sync_core::body::{
    Branch, FieldValue, FieldWrite, Lease, MovementKind, OpBody, OwnSeries, StockMovement, User,
};
use sync_core::domain::invoice_no::DocType;
use sync_core::domain::roles::Role;
use sync_core::domain::rules;
use sync_core::ids::{BranchId, DeviceId, UserId};
use sync_core::op::Op;
use sync_core::replica::{HQ, Replica};
use sync_core::testkit::{Org, PIN_HASH, T0, gstin, id16, rid};
use sync_core::writer::DeviceWriter;

struct Shop {
    org: Org,
    laptop: DeviceWriter,
    counter: DeviceWriter,
    other_branch: BranchId,
    other_counter: DeviceId,
    item: sync_core::ids::RecordId,
}

fn shop() -> Shop {
    let mut org = Org::new();
    let item = org.item(1, "8GB DDR4 SODIMM", Decimal::from(1800));
    let counter = org.enroll_with(1, true, None);
    let laptop = org.enroll_with(2, false, None);
    let other_branch = BranchId(id16(b'b', 2));
    org.hub_op(OpBody::BranchCreated(Branch {
        id: other_branch,
        name: "Chennai T Nagar".into(),
        gstin: gstin("33", "ABCDE1234F"),
        state_code: "33".into(),
        address: "T Nagar".into(),
        invoice_prefix: "MAA1".into(),
        credit_note_prefix: "MAAC".into(),
        upi_id: None,
        phone: None,
    }));
    let other_counter = DeviceId(id16(b'd', 30));
    org.hub_op(OpBody::DeviceEnrolled {
        device: other_counter,
        key: sync_core::testkit::key(30).public(),
        branch: other_branch,
        label: "T Nagar counter".into(),
        holds_store: true,
        ceiling: None,
        hub: false,
        number: Some(1),
        series: None,
    });
    Shop {
        org,
        laptop,
        counter,
        other_branch,
        other_counter,
        item,
    }
}

/// Sign `body` on `w` as `author` for `branch`, against the replica's state
/// (a correctly chained, correctly signed op: only its authority is wrong).
fn sign(w: &mut DeviceWriter, r: &Replica, author: UserId, branch: BranchId, body: OpBody) -> Op {
    w.make(author, branch, body, r.applied(), T0 + 1_000)
        .expect("signs")
}

fn refused(s: &mut Shop, author: UserId, branch: BranchId, body: OpBody) -> String {
    let r = s.org.replica();
    let op = sign(&mut s.laptop, &r, author, branch, body);
    let e = rules::check(&op, &r).expect_err("refused on receipt");
    // And where it would be made: the device's own check refuses it too.
    assert!(rules::check_new(&op, &r).is_err());
    e.to_string()
}

fn adjustment(s: &Shop) -> OpBody {
    OpBody::StockMoved(StockMovement {
        id: rid(500),
        item: s.item,
        qty: Decimal::from(100),
        movement: MovementKind::Adjustment {
            increase: true,
            reason: "found".into(),
        },
        note: None,
    })
}

#[test]
fn a_laptop_cannot_act_as_the_owner_or_a_manager() {
    let mut s = shop();
    let (owner, manager, b) = (s.org.owner, s.org.manager, s.org.branch);
    let adj = adjustment(&s);
    let e = refused(&mut s, owner, b, adj.clone());
    assert!(e.contains("ceiling is technician"), "{e}");
    let e = refused(&mut s, manager, b, adj);
    assert!(e.contains("ceiling is technician"), "{e}");
}

#[test]
fn a_laptop_cannot_sign_for_hq_or_another_branch() {
    let mut s = shop();
    let tech = s.org.technician;
    let body = OpBody::DevicePasswordRead {
        job: rid(1),
        purpose: "x".into(),
    };
    let e = refused(&mut s, tech, HQ, body.clone());
    assert!(e.contains("signing device's own branch"), "{e}");
    let other = s.other_branch;
    let e = refused(&mut s, tech, other, body);
    assert!(e.contains("signing device's own branch"), "{e}");
}

#[test]
fn only_the_hub_signs_leases_users_pins_revocations_branches_and_irns() {
    let mut s = shop();
    let (owner, b) = (s.org.owner, s.org.branch);
    let laptop = s.laptop.device;
    let counter = s.counter.device;
    let other_counter = s.other_counter;
    let hub_only = vec![
        OpBody::LeaseGranted(Lease {
            id: rid(600),
            device: laptop,
            doc_type: DocType::TaxInvoice,
            prefix: "BLR1".into(),
            fy: 2026,
            first: 1,
            last: 10_000,
        }),
        OpBody::UserCreated(User {
            id: UserId(id16(b'u', 99)),
            name: "Mallory".into(),
            role: Role::Owner,
            branch: None,
            pin_hash: PIN_HASH.into(),
        }),
        OpBody::UserUpdated {
            user: owner,
            writes: vec![FieldWrite {
                field: "pin_hash".into(),
                value: FieldValue::Text(PIN_HASH.into()),
                supersedes: vec![],
            }],
        },
        OpBody::DeviceRevoked {
            device: counter,
            reason: "mine now".into(),
        },
        OpBody::DeviceRevoked {
            device: other_counter,
            reason: "mine now".into(),
        },
        OpBody::DeviceEnrolled {
            device: DeviceId(id16(b'd', 77)),
            key: sync_core::testkit::key(77).public(),
            branch: b,
            label: "rogue".into(),
            holds_store: true,
            ceiling: Some(Role::Owner),
            hub: true,
            number: None,
            series: None,
        },
        // An IRN is the IRP's word, carried by the hub: a device that
        // signed one could print any "registered" invoice.
        OpBody::EinvoiceRegistered(sync_core::body::EinvoiceRegistration {
            document: rid(601),
            irn: "a".repeat(64),
            ack_no: "112010000001".into(),
            ack_date: "2026-05-04 10:00:00".into(),
            signed_qr: "x.y.z".into(),
        }),
        OpBody::EinvoiceCancelled(sync_core::body::EinvoiceCancellation {
            document: rid(601),
            irn: "a".repeat(64),
            at_irp: true,
            date: "2026-05-04 11:00:00".into(),
            remark: "wrong buyer".into(),
        }),
    ];
    // Signed as the laptop's own technician (within its ceiling), as the
    // owner, for the branch: all refused, each because only the hub signs it.
    let tech = s.org.technician;
    for body in hub_only {
        let kind = body.kind();
        let e = refused(&mut s, tech, b, body);
        assert!(e.contains("only the hub signs it"), "{kind}: {e}");
    }
}

#[test]
fn a_laptop_cannot_edit_the_shared_catalogue() {
    let mut s = shop();
    // A laptop with an accountant's ceiling could manage inventory, but
    // the shared catalogue is the root's.
    let mut acct_pc = s.org.enroll_with(3, false, Some(Role::Accountant));
    let r = s.org.replica();
    let op = sign(
        &mut acct_pc,
        &r,
        s.org.accountant,
        s.org.branch,
        OpBody::ItemUpdated {
            item: s.item,
            writes: vec![FieldWrite {
                field: "sale_price".into(),
                value: FieldValue::Decimal(Decimal::ONE),
                supersedes: vec![],
            }],
        },
    );
    let e = rules::check(&op, &r).unwrap_err().to_string();
    assert!(e.contains("shared catalogue"), "{e}");
}

#[test]
fn within_its_ceiling_a_device_is_taken_and_the_hub_signs_what_it_must() {
    let mut s = shop();
    let r = s.org.replica();
    // The counter (ceiling manager) adjusts stock as the manager.
    let adj = adjustment(&s);
    let op = sign(&mut s.counter, &r, s.org.manager, s.org.branch, adj);
    rules::check(&op, &r).expect("a manager at the counter may adjust");
    // The root grants a lease; the owner at the hub creates a user.
    let lease = s.org.hub.make(
        s.org.owner,
        HQ,
        OpBody::LeaseGranted(Lease {
            id: rid(601),
            device: s.counter.device,
            doc_type: DocType::TaxInvoice,
            prefix: "BLR1".into(),
            fy: 2026,
            first: 1,
            last: 50,
        }),
        r.applied(),
        T0 + 2_000,
    );
    rules::check(&lease.unwrap(), &r).expect("the hub leases");
}

#[test]
fn a_ceiling_admits_its_role_and_below_a_manager_none_above() {
    use Role::*;
    assert!(Technician.within(Manager) && Accountant.within(Manager));
    assert!(!Owner.within(Manager) && Owner.within(Owner));
    assert!(!Manager.within(Technician) && !Receptionist.within(Technician));
    assert!(Technician.within(Technician));
}

/// A device with a series of its own is leased only that series, and a
/// device without one never that series: the hub cannot (by mistake or
/// forgery) hand one device's numbers to another, so each series stays
/// one device's consecutive run.
#[test]
fn a_series_of_its_own_is_leased_to_its_device_only() {
    let mut s = shop();
    let accounts = DeviceId(id16(b'd', 40));
    let enroll = |series: Option<OwnSeries>, device: DeviceId| OpBody::DeviceEnrolled {
        device,
        key: sync_core::testkit::key(40).public(),
        branch: s.org.branch,
        label: "accounts laptop".into(),
        holds_store: false,
        ceiling: Some(Role::Manager),
        hub: false,
        number: Some(4),
        series,
    };
    let own = |i: &str, c: &str| {
        Some(OwnSeries {
            invoice_prefix: i.into(),
            credit_note_prefix: c.into(),
        })
    };
    let r = s.org.replica();
    for (series, why) in [
        (own("blr1a", "BLRCA"), "series.invoice_prefix"),
        (own("BLR1A", "TOOLONG"), "series.credit_note_prefix"),
        (own("BLR1A", "BLR1A"), "must differ from the invoice prefix"),
    ] {
        // A trial op: made by a second writer of the hub's key, so the
        // hub's own chain goes on without it.
        let op = DeviceWriter::new(s.org.genesis.hub_device, sync_core::testkit::key(200))
            .make(
                s.org.owner,
                HQ,
                enroll(series, accounts),
                r.applied(),
                T0 + 1_000,
            )
            .unwrap();
        let e = rules::check(&op, &r).unwrap_err().to_string();
        assert!(e.contains(why), "{why}: {e}");
    }
    s.org.hub_op(enroll(own("BLR1A", "BLRCA"), accounts));
    let r = s.org.replica();
    let lease = |device: DeviceId, prefix: &str, doc_type: DocType, n: u32| {
        OpBody::LeaseGranted(Lease {
            id: rid(700 + n),
            device,
            doc_type,
            prefix: prefix.into(),
            fy: 2026,
            first: 1,
            last: 50,
        })
    };
    let check = |body: OpBody, n: u64| {
        let op = DeviceWriter::new(s.org.genesis.hub_device, sync_core::testkit::key(200))
            .make(s.org.owner, HQ, body, r.applied(), T0 + 2_000 + n)
            .unwrap();
        rules::check(&op, &r).map_err(|e| e.to_string())
    };
    check(lease(accounts, "BLR1A", DocType::TaxInvoice, 1), 1).expect("its own invoices");
    check(lease(accounts, "BLRCA", DocType::CreditNote, 2), 2).expect("its own credit notes");
    for (body, n) in [
        (lease(accounts, "BLR1", DocType::TaxInvoice, 3), 3),
        (lease(accounts, "BLRC", DocType::CreditNote, 4), 4),
        (lease(s.counter.device, "BLR1A", DocType::TaxInvoice, 5), 5),
        (lease(s.counter.device, "BLRCA", DocType::CreditNote, 6), 6),
    ] {
        let e = check(body, n).unwrap_err();
        assert!(e.contains("prefix"), "{e}");
    }
}

//! A transfer's tax invoice, as every replica checks it: it bills exactly
//! the goods its transfer sent, to the receiving branch's GSTIN and state,
//! only across GSTINs (within one a transfer is no supply), and carries a
//! 12-digit e-way bill number when the goods are worth more than ₹50,000.

use sync_core::Decimal;
use sync_core::body::*;
use sync_core::domain::date::Date;
use sync_core::domain::gst;
use sync_core::domain::invoice_no::{DocType, Series};
use sync_core::domain::rules;
use sync_core::ids::{BranchId, DeviceId, RecordId};
use sync_core::replica::Replica;
use sync_core::testkit::{Org, T0, gstin, id16, key, make_on, rid};
use sync_core::writer::DeviceWriter;

struct World {
    org: Org,
    counter: DeviceWriter,
    r: Replica,
    item: RecordId,
}

/// Jayanagar's counter, holding 5 of an item worth ₹30,000 and invoice
/// numbers 1–10; Chennai under another GSTIN, and a second Bengaluru shop
/// under Jayanagar's own, each with its store device.
fn world() -> World {
    let mut org = Org::new();
    let item = org.item(1, "Motherboard", Decimal::from(30_000));
    let counter = org.enroll(1, true);
    for (n, state, pan, prefix) in [
        (2, "33", "PQRST6789K", "MAA"),
        (3, "29", "ABCDE1234F", "BLR2"),
    ] {
        let b = BranchId(id16(b'b', n));
        org.hub_op(OpBody::BranchCreated(Branch {
            id: b,
            name: format!("branch {n}"),
            gstin: gstin(state, pan),
            state_code: state.into(),
            address: "main road".into(),
            invoice_prefix: prefix.into(),
            credit_note_prefix: format!("{prefix}C"),
            upi_id: None,
            phone: None,
        }));
        org.hub_op(OpBody::DeviceEnrolled {
            device: DeviceId(id16(b'd', 40 + n)),
            key: key(40 + n as u8).public(),
            branch: b,
            label: "store".into(),
            holds_store: true,
            ceiling: None,
            hub: false,
            number: Some(1),
            series: None,
        });
    }
    org.hub_op(OpBody::LeaseGranted(Lease {
        id: rid(500),
        device: counter.device,
        doc_type: DocType::TaxInvoice,
        prefix: "BLR1".into(),
        fy: 2026,
        first: 1,
        last: 10,
    }));
    let mut w = World {
        r: org.replica(),
        org,
        counter,
        item,
    };
    let receipt = OpBody::StockMoved(StockMovement {
        id: rid(1),
        item,
        qty: Decimal::from(5),
        movement: MovementKind::Receipt {
            supplier: "SP Road".into(),
            reference: None,
        },
        note: None,
    });
    let (m, b) = (w.org.manager, w.org.branch);
    make_on(&mut w.counter, &mut w.r, m, b, receipt, T0 + 1_000);
    w
}

/// Send `qty` to branch `n` as transfer number `k`; returns the transfer.
fn send(w: &mut World, k: u32, n: u32, qty: i64) -> RecordId {
    let transfer = rid(100 + k);
    let body = OpBody::StockMoved(StockMovement {
        id: rid(200 + k),
        item: w.item,
        qty: Decimal::from(qty),
        movement: MovementKind::TransferOut {
            transfer,
            to_branch: BranchId(id16(b'b', n)),
            to_device: DeviceId(id16(b'd', 40 + n)),
        },
        note: None,
    });
    let (m, b) = (w.org.manager, w.org.branch);
    make_on(
        &mut w.counter,
        &mut w.r,
        m,
        b,
        body,
        T0 + 2_000 + u64::from(k),
    );
    transfer
}

fn bill(w: &World, transfer: RecordId, to: (&str, &str), qty: i64, eway: Option<&str>) -> Document {
    let lines = vec![Line {
        id: rid(300),
        kind: LineKind::Part,
        item: Some(w.item),
        description: "Motherboard".into(),
        hsn_sac: "84733020".into(),
        qty: Decimal::from(qty),
        unit: "pcs".into(),
        unit_price: Decimal::from(30_000),
        discount: Decimal::ZERO,
        gst_rate: Decimal::from(18),
    }];
    let totals = gst::compute(&lines, gst::supply_for("29", to.1)).unwrap();
    let series = Series::new("BLR1", DocType::TaxInvoice, 2026).unwrap();
    Document {
        id: rid(400),
        doc_type: DocType::TaxInvoice,
        prefix: "BLR1".into(),
        fy: 2026,
        seq: 1,
        number: series.format(1).unwrap(),
        date: Date {
            year: 2026,
            month: 12,
            day: 1,
        },
        supplier_gstin: gstin("29", "ABCDE1234F"),
        supplier_state: "29".into(),
        customer: None,
        customer_name: "branch".into(),
        customer_gstin: Some(to.0.into()),
        customer_address: None,
        place_of_supply: to.1.into(),
        job: None,
        lines,
        grand_total: totals.grand_total,
        against: None,
        reason: None,
        transfer: Some(TransferBill {
            transfer,
            eway_bill: eway.map(str::to_string),
        }),
    }
}

/// Check `d` as signed by the counter, on a trial writer of its key (the
/// counter's own chain goes on without it).
fn check(w: &World, d: Document) -> Result<(), String> {
    let (a, b) = (w.org.accountant, w.org.branch);
    let op = DeviceWriter::new(w.counter.device, key(1))
        .make(a, b, OpBody::DocumentIssued(d), w.r.applied(), T0 + 9_000)
        .unwrap();
    rules::check(&op, &w.r).map_err(|e| e.to_string())
}

#[test]
fn a_transfer_invoice_bills_what_was_sent_across_gstins_only() {
    let mut w = world();
    let chennai = (gstin("33", "PQRST6789K"), "33".to_string());
    let to = (chennai.0.as_str(), chennai.1.as_str());
    let t = send(&mut w, 1, 2, 1);
    // ₹35,400 with tax: no e-way bill needed, a good one is still checked.
    check(&w, bill(&w, t, to, 1, None)).expect("one board to Chennai");
    let e = check(&w, bill(&w, t, to, 1, Some("1234"))).unwrap_err();
    assert!(e.contains("transfer.eway_bill"), "{e}");
    let e = check(&w, bill(&w, t, to, 2, None)).unwrap_err();
    assert!(e.contains("lines[0]"), "more than was sent: {e}");
    let e = check(&w, bill(&w, t, ("29ABCDE1234F1Z5", "33"), 1, None)).unwrap_err();
    assert!(e.contains("customer_gstin"), "someone else's GSTIN: {e}");
    let e = check(&w, bill(&w, rid(999), to, 1, None)).unwrap_err();
    assert!(e.contains("transfer.transfer"), "no such transfer: {e}");
    // Two boards, ₹70,800: the e-way bill is due.
    let t2 = send(&mut w, 2, 2, 2);
    let e = check(&w, bill(&w, t2, to, 2, None)).unwrap_err();
    assert!(
        e.contains("transfer.eway_bill") && e.contains("50,000"),
        "{e}"
    );
    check(&w, bill(&w, t2, to, 2, Some("123456789012"))).expect("with its e-way bill");
    // To the shop under Jayanagar's own GSTIN: no supply, no invoice.
    let same = gstin("29", "ABCDE1234F");
    let t3 = send(&mut w, 3, 3, 1);
    let e = check(&w, bill(&w, t3, (same.as_str(), "29"), 1, None)).unwrap_err();
    assert!(e.contains("within one GSTIN"), "{e}");
}

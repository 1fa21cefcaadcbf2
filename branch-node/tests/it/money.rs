//! Stock and money through the crate's public API: inventory movements under
//! the escrow rule, invoices from leased numbers, cancellation, credit notes,
//! payments and delivery with money owed — and SIGKILL during finalize.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use crate::common::*;
use branch_node::{NodeError, billing as bill, inventory as inv, services as svc};
use rust_decimal::Decimal;
use sync_core::body::*;
use sync_core::domain::date::Date;
use sync_core::domain::invoice_no::DocType;
use sync_core::domain::lifecycle::JobStatus;
use sync_core::ids::{BranchId, DeviceId};

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// Enroll a technician laptop and a second branch with its store device (as the stand-in hub).
fn more_devices(s: &Shop) -> (DeviceId, BranchId, DeviceId) {
    let laptop = DeviceId([0x1a; 16]);
    s.node
        .commit_as_root(OpBody::DeviceEnrolled {
            device: laptop,
            key: sync_core::testkit::key(7).public(),
            branch: s.node.branch,
            label: "Tara's laptop".into(),
            holds_store: false,
            ceiling: None,
            hub: false,
            number: None,
            series: None,
        })
        .unwrap();
    let other = BranchId([0x2b; 16]);
    s.node
        .commit_as_root(OpBody::BranchCreated(Branch {
            id: other,
            name: "Mysuru".into(),
            gstin: sync_core::testkit::gstin("29", "PQRST6789K"),
            state_code: "29".into(),
            address: "Mysuru".into(),
            invoice_prefix: "MYS".into(),
            credit_note_prefix: "MYSC".into(),
            upi_id: None,
            phone: None,
        }))
        .unwrap();
    let mys_store = DeviceId([0x3c; 16]);
    s.node
        .commit_as_root(OpBody::DeviceEnrolled {
            device: mys_store,
            key: sync_core::testkit::key(8).public(),
            branch: other,
            label: "Mysuru front desk".into(),
            holds_store: true,
            ceiling: None,
            hub: false,
            number: None,
            series: None,
        })
        .unwrap();
    (laptop, other, mys_store)
}

#[test]
fn stock_moves_only_from_what_this_device_holds() {
    let s = shop();
    let n = &s.node;
    let item = ram(&s);
    let (laptop, other, _) = more_devices(&s);
    let job = svc::open_job(n, &s.receptionist, intake("9845012345"))
        .unwrap()
        .job
        .summary
        .id;
    assert!(
        inv::list_items(n, &s.manager, "", true)
            .unwrap()
            .iter()
            .any(|i| i.id == item),
        "0 in stock is low stock"
    );
    let v = inv::receive(
        n,
        &s.manager,
        inv::ReceiptInput {
            item,
            qty: d("5"),
            supplier: "Lamington Road Traders".into(),
            reference: Some("INV-771".into()),
            note: None,
        },
    )
    .unwrap();
    assert_eq!((v.in_store.as_str(), v.held_here.as_str()), ("5", "5"));
    let v = inv::issue_to_technician(
        n,
        &s.manager,
        inv::IssueInput {
            item,
            qty: d("2"),
            technician: s.technician.user,
            to_device: laptop,
        },
    )
    .unwrap();
    assert_eq!((v.in_store.as_str(), v.in_branch.as_str()), ("3", "5"));
    // Over-spending what this device holds is refused and changes nothing.
    let before = s.op_count();
    let e = inv::use_on_job(
        n,
        &s.technician,
        inv::UseInput {
            job,
            item,
            qty: d("4"),
            unit_price: None,
        },
    )
    .unwrap_err();
    assert!(e.to_string().contains("only 3 in hand"), "{e}");
    let e = inv::adjust(
        n,
        &s.manager,
        inv::AdjustInput {
            item,
            delta: d("-3.5"),
            reason: "count".into(),
        },
    )
    .unwrap_err();
    assert!(e.to_string().starts_with("qty:"), "{e}");
    assert_eq!(s.op_count(), before);
    // The technician's laptop holds 2, but only the laptop itself can use them.
    assert!(
        inv::use_on_job(
            n,
            &s.technician,
            inv::UseInput {
                job,
                item,
                qty: d("1"),
                unit_price: None
            }
        )
        .is_ok(),
        "store device uses its own stock"
    );
    let v = inv::adjust(
        n,
        &s.manager,
        inv::AdjustInput {
            item,
            delta: d("-1"),
            reason: "damaged in handling".into(),
        },
    )
    .unwrap();
    assert_eq!(v.in_store, "1");
    let e = inv::adjust(
        n,
        &s.receptionist,
        inv::AdjustInput {
            item,
            delta: d("1"),
            reason: "x".into(),
        },
    )
    .unwrap_err();
    assert!(matches!(
        e,
        NodeError::Rule(sync_core::CoreError::Forbidden { .. })
    ));
    // Transfer the last one to Mysuru: in transit until the Mysuru store receives it.
    let t = inv::transfer_out(
        n,
        &s.manager,
        inv::TransferOutInput {
            item,
            qty: d("1"),
            to_branch: other,
            to_device: None,
            unit_value: None,
            eway_bill: None,
        },
    )
    .unwrap();
    let v = inv::get_item(n, &s.manager, item).unwrap();
    assert_eq!(
        (v.in_store.as_str(), v.in_transit.as_str(), v.low_stock),
        ("0", "1", true)
    );
    let e = inv::transfer_in(
        n,
        &s.manager,
        inv::TransferInInput {
            transfer: t.id,
            received: d("1"),
        },
    )
    .unwrap_err();
    assert!(
        e.to_string().contains("branch") || e.to_string().contains("holder"),
        "only the receiving store takes it in: {e}"
    );
    // The ledger tells the whole story.
    let kinds: Vec<String> = inv::ledger(n, &s.manager, item)
        .unwrap()
        .into_iter()
        .map(|m| m.kind)
        .collect();
    assert_eq!(
        kinds,
        vec![
            "receipt",
            "issue_to_technician",
            "use_on_job",
            "adjustment",
            "transfer_out"
        ]
    );
    let parts = svc::job_detail(n, &s.manager, job).unwrap().parts_used;
    assert_eq!(parts.len(), 1);
}

fn lease(s: &Shop, doc_type: DocType, size: u64) {
    bill::grant_local_lease(
        &s.node,
        &s.owner,
        bill::LocalLeaseInput {
            doc_type,
            size,
            fy: Some(2026),
        },
    )
    .unwrap();
}

fn sale(s: &Shop, price: &str) -> sync_core::ids::RecordId {
    bill::create_draft(
        &s.node,
        &s.accountant,
        bill::DraftInput {
            job: None,
            customer: None,
            customer_name: Some("Walk-in".into()),
            customer_gstin: None,
            customer_state: None,
            customer_address: None,
            lines: vec![svc::LineInput {
                kind: LineKind::Part,
                item: None,
                description: "USB keyboard".into(),
                hsn_sac: "8471".into(),
                qty: d("1"),
                unit: "pcs".into(),
                unit_price: d(price),
                discount: Decimal::ZERO,
                gst_rate: d("18"),
            }],
        },
    )
    .unwrap()
    .draft
    .id
}

const DAY: Date = Date {
    year: 2026,
    month: 11,
    day: 21,
};

#[test]
fn a_standalone_device_bills_the_moment_it_is_set_up() {
    let s = shop();
    let n = &s.node;
    assert!(bill::leases(n, &s.accountant).unwrap().is_empty());
    let a = bill::finalize(n, &s.accountant, sale(&s, "499"), Some(DAY)).unwrap();
    assert_eq!(a.doc.number, "BLR1/2627/000001");
    let held = bill::leases(n, &s.accountant).unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(
        (
            held[0].leases[0].first,
            held[0].leases[0].last,
            held[0].remaining
        ),
        (1, 100, 99),
        "it leased itself a block, as its own hub"
    );
}

#[test]
fn invoice_numbers_are_consecutive_within_the_lease_and_survive_cancel() {
    let s = shop();
    let n = &s.node;
    lease(&s, DocType::TaxInvoice, 3);
    let a = bill::finalize(n, &s.accountant, sale(&s, "499"), Some(DAY)).unwrap();
    let b = bill::finalize(n, &s.accountant, sale(&s, "599"), Some(DAY)).unwrap();
    assert_eq!(
        (a.doc.number.as_str(), b.doc.number.as_str()),
        ("BLR1/2627/000001", "BLR1/2627/000002")
    );
    let b2 = bill::cancel(n, &s.accountant, b.doc.id, "customer changed mind").unwrap();
    assert!(
        b2.cancelled && b2.doc.number == "BLR1/2627/000002",
        "cancel keeps the number"
    );
    let c = bill::finalize(n, &s.accountant, sale(&s, "699"), Some(DAY)).unwrap();
    assert_eq!(
        c.doc.number, "BLR1/2627/000003",
        "a cancelled number is not reused"
    );
    assert_eq!(bill::leases(n, &s.accountant).unwrap()[0].remaining, 0);
    // A refused finalize changes nothing and keeps the draft.
    let before = s.op_count();
    let draft = sale(&s, "799");
    let e = bill::finalize(n, &s.technician, draft, Some(DAY)).unwrap_err();
    assert!(
        matches!(e, NodeError::Rule(sync_core::CoreError::Forbidden { .. })),
        "a technician cannot invoice: {e}"
    );
    assert_eq!(s.op_count(), before, "no op, no number");
    assert!(
        bill::drafts(n, &s.accountant)
            .unwrap()
            .iter()
            .any(|d| d.draft.id == draft),
        "the draft is kept"
    );
    // Its block used up, the standalone device leases itself the next one
    // (an enrolled device asks its hub): the series goes on without a gap.
    let e2 = bill::finalize(n, &s.accountant, draft, Some(DAY)).unwrap();
    assert_eq!(
        e2.doc.number, "BLR1/2627/000004",
        "the next block continues the series"
    );
    let held = bill::leases(n, &s.accountant).unwrap();
    assert_eq!(held[0].leases.len(), 2);
    assert_eq!((held[0].leases[1].first, held[0].remaining), (4, 99));
    // The previous financial year is its own series.
    bill::grant_local_lease(
        n,
        &s.owner,
        bill::LocalLeaseInput {
            doc_type: DocType::TaxInvoice,
            size: 5,
            fy: Some(2025),
        },
    )
    .unwrap();
    let march = bill::finalize(
        n,
        &s.accountant,
        sale(&s, "99"),
        Some(Date {
            year: 2026,
            month: 3,
            day: 31,
        }),
    )
    .unwrap();
    assert_eq!(march.doc.number, "BLR1/2526/000001");
    // A technician cannot invoice.
    assert!(matches!(
        bill::finalize(n, &s.technician, sale(&s, "1"), Some(DAY)),
        Err(NodeError::Rule(sync_core::CoreError::Forbidden { .. }))
    ));
}

#[test]
fn job_to_invoice_to_payment_to_delivery() {
    let s = shop();
    let n = &s.node;
    lease(&s, DocType::TaxInvoice, 10);
    lease(&s, DocType::CreditNote, 10);
    let item = ram(&s);
    inv::receive(
        n,
        &s.manager,
        inv::ReceiptInput {
            item,
            qty: d("3"),
            supplier: "Supplier".into(),
            reference: None,
            note: None,
        },
    )
    .unwrap();
    let opened = svc::open_job(n, &s.receptionist, intake("9845012345")).unwrap();
    let job = opened.job.summary.id;
    // Worked example (gst_worked.rs #1 style): labour 1499.00 @18% + RAM 1800.00 @18%, intra-state.
    svc::add_estimate_line(
        n,
        &s.technician,
        job,
        svc::LineInput {
            kind: LineKind::Service,
            item: None,
            description: "Labour".into(),
            hsn_sac: "998713".into(),
            qty: d("1"),
            unit: "nos".into(),
            unit_price: d("1499"),
            discount: Decimal::ZERO,
            gst_rate: d("18"),
        },
    )
    .unwrap();
    inv::use_on_job(
        n,
        &s.technician,
        inv::UseInput {
            job,
            item,
            qty: d("1"),
            unit_price: None,
        },
    )
    .unwrap();
    let draft = bill::create_draft(
        n,
        &s.accountant,
        bill::DraftInput {
            job: Some(job),
            customer: None,
            customer_name: None,
            customer_gstin: None,
            customer_state: None,
            customer_address: None,
            lines: vec![],
        },
    )
    .unwrap();
    // 1499 + 1800 = 3299.00 taxable; CGST 9% = 134.91 + 162.00 = 296.91; SGST the same;
    // 3299 + 593.82 = 3892.82 → 3893, round-off +0.18
    assert_eq!(draft.totals.taxable, d("3299.00"));
    assert_eq!(draft.totals.cgst, d("296.91"));
    assert_eq!(draft.totals.igst, Decimal::ZERO);
    assert_eq!(draft.totals.round_off, d("0.18"));
    assert_eq!(draft.totals.grand_total, d("3893"));
    let inv_doc = bill::finalize(n, &s.accountant, draft.draft.id, Some(DAY)).unwrap();
    assert_eq!(
        (inv_doc.doc.grand_total, inv_doc.balance_due.as_str()),
        (d("3893"), "3893")
    );
    for to in [
        JobStatus::Diagnosed,
        JobStatus::EstimateShared,
        JobStatus::Approved,
        JobStatus::InRepair,
        JobStatus::Ready,
    ] {
        svc::change_status(
            n,
            &s.manager,
            job,
            svc::StatusInput {
                to,
                override_reason: None,
                note: None,
                otp: None,
                signature_sha256: None,
                allow_balance_due: false,
                approval: None,
            },
        )
        .unwrap();
    }
    let deliver = |who: &branch_node::auth::Session, allow: bool| {
        svc::change_status(
            n,
            who,
            job,
            svc::StatusInput {
                to: JobStatus::Delivered,
                override_reason: None,
                note: None,
                otp: Some(opened.otp.clone()),
                signature_sha256: None,
                allow_balance_due: allow,
                approval: None,
            },
        )
    };
    let e = deliver(&s.receptionist, false).unwrap_err();
    assert!(e.to_string().contains("₹3,893.00 is still owed"), "{e}");
    // partial payment, then an overpayment is refused, then the rest
    let e = bill::record_payment(
        n,
        &s.accountant,
        bill::PaymentInput {
            invoice: Some(inv_doc.doc.id),
            job: None,
            amount: d("1000"),
            mode: PaymentMode::Upi,
            reference: None,
            date: Some(DAY),
        },
    )
    .unwrap_err();
    assert!(e.to_string().starts_with("reference:"), "{e}");
    bill::record_payment(
        n,
        &s.accountant,
        bill::PaymentInput {
            invoice: Some(inv_doc.doc.id),
            job: None,
            amount: d("1000"),
            mode: PaymentMode::Upi,
            reference: Some("UPI/4411".into()),
            date: Some(DAY),
        },
    )
    .unwrap();
    let e = bill::record_payment(
        n,
        &s.accountant,
        bill::PaymentInput {
            invoice: Some(inv_doc.doc.id),
            job: None,
            amount: d("2893.01"),
            mode: PaymentMode::Cash,
            reference: None,
            date: Some(DAY),
        },
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .contains("exceeds the balance due of ₹2,893.00"),
        "{e}"
    );
    assert_eq!(
        bill::get_document(n, &s.accountant, inv_doc.doc.id)
            .unwrap()
            .balance_due,
        "2893"
    );
    // A manager may let it go with money owed; a receptionist may not.
    assert!(deliver(&s.receptionist, true).is_err());
    bill::record_payment(
        n,
        &s.accountant,
        bill::PaymentInput {
            invoice: Some(inv_doc.doc.id),
            job: None,
            amount: d("2893"),
            mode: PaymentMode::Cash,
            reference: None,
            date: Some(DAY),
        },
    )
    .unwrap();
    assert_eq!(
        deliver(&s.receptionist, false).unwrap().summary.status,
        "delivered"
    );
    // A finalized invoice never changes; a credit note reverses it in its own series.
    let cn = bill::credit_note(
        n,
        &s.accountant,
        bill::CreditNoteInput {
            invoice: inv_doc.doc.id,
            reason: "RAM returned under warranty".into(),
            lines: Some(vec![svc::LineInput {
                kind: LineKind::Part,
                item: Some(item),
                description: "8GB DDR4 SODIMM".into(),
                hsn_sac: "84733099".into(),
                qty: d("1"),
                unit: "pcs".into(),
                unit_price: d("1800"),
                discount: Decimal::ZERO,
                gst_rate: d("18"),
            }]),
            date: Some(DAY),
            restock: None,
        },
    )
    .unwrap();
    assert_eq!(cn.doc.number, "BLRC/2627/000001");
    let against = cn.doc.against.as_ref().unwrap();
    assert_eq!(
        (against.number.as_str(), against.date),
        (inv_doc.doc.number.as_str(), DAY)
    );
    // 1800 + 162 + 162 = 2124.00
    assert_eq!(cn.doc.grand_total, d("2124"));
    let same = bill::get_document(n, &s.accountant, inv_doc.doc.id).unwrap();
    assert_eq!(same.doc, inv_doc.doc, "the invoice itself is unchanged");
    // The printed credit note cites the invoice.
    let html = bill::render(n, &s.accountant, cn.doc.id, false).unwrap();
    assert!(
        html.contains("CREDIT NOTE")
            && html.contains(&inv_doc.doc.number)
            && html.contains("21-11-2026")
    );
}

#[test]
fn printed_invoice_carries_every_rule_46_field_and_the_right_totals() {
    let s = shop();
    let n = &s.node;
    lease(&s, DocType::TaxInvoice, 5);
    let opened = svc::open_job(n, &s.receptionist, intake("9845012345")).unwrap();
    let job = opened.job.summary.id;
    svc::add_estimate_line(
        n,
        &s.technician,
        job,
        svc::LineInput {
            kind: LineKind::Service,
            item: None,
            description: "Screen replacement labour".into(),
            hsn_sac: "998713".into(),
            qty: d("1"),
            unit: "nos".into(),
            unit_price: d("850"),
            discount: d("50"),
            gst_rate: d("18"),
        },
    )
    .unwrap();
    svc::add_estimate_line(
        n,
        &s.technician,
        job,
        svc::LineInput {
            kind: LineKind::Part,
            item: None,
            description: "15.6\" FHD panel".into(),
            hsn_sac: "85285900".into(),
            qty: d("1"),
            unit: "pcs".into(),
            unit_price: d("4200"),
            discount: Decimal::ZERO,
            gst_rate: d("18"),
        },
    )
    .unwrap();
    let draft = bill::create_draft(
        n,
        &s.accountant,
        bill::DraftInput {
            job: Some(job),
            customer: None,
            customer_name: None,
            customer_gstin: None,
            customer_state: None,
            customer_address: None,
            lines: vec![],
        },
    )
    .unwrap();
    // taxable 800.00 + 4200.00 = 5000.00; CGST 9% 72.00 + 378.00 = 450.00; SGST 450.00; total 5900.00, round-off 0
    let doc = bill::finalize(n, &s.accountant, draft.draft.id, Some(DAY)).unwrap();
    assert_eq!(doc.doc.grand_total, d("5900"));
    bill::record_payment(
        n,
        &s.accountant,
        bill::PaymentInput {
            invoice: Some(doc.doc.id),
            job: None,
            amount: d("900"),
            mode: PaymentMode::Cash,
            reference: None,
            date: Some(DAY),
        },
    )
    .unwrap();
    let html = bill::render(n, &s.accountant, doc.doc.id, false).unwrap();
    let b = n
        .read(|c| branch_node::store::read::branch(c, n.branch))
        .unwrap();
    for must in [
        "TAX INVOICE",
        b.name.as_str(),
        b.gstin.as_str(),
        "BLR1/2627/000001",
        "21-11-2026",
        "Asha Rao",
        "Unregistered",
        "Karnataka",
        "998713",
        "85285900",
        "5,000.00",
        "450.00",
        "5,900.00",
        "Five Thousand Nine Hundred",
        "reverse charge",
        "Authorised signatory",
        "upi://pay",
        "am=5000.00",
        "<svg",
    ] {
        assert!(
            html.contains(must) || html.to_lowercase().contains(&must.to_lowercase()),
            "printed invoice lacks {must:?}"
        );
    }
    let thermal = bill::render(n, &s.accountant, doc.doc.id, true).unwrap();
    assert!(thermal.contains("80mm"));
}

#[test]
fn inter_state_b2b_invoice_uses_igst() {
    let s = shop();
    lease(&s, DocType::TaxInvoice, 5);
    let buyer = sync_core::testkit::gstin("27", "MNOPQ4321R");
    let draft = bill::create_draft(
        &s.node,
        &s.accountant,
        bill::DraftInput {
            job: None,
            customer: None,
            customer_name: Some("Pune Systems Pvt Ltd".into()),
            customer_gstin: Some(buyer.clone()),
            customer_state: None,
            customer_address: Some("Hinjewadi, Pune".into()),
            lines: vec![svc::LineInput {
                kind: LineKind::Service,
                item: None,
                description: "Data recovery".into(),
                hsn_sac: "998713".into(),
                qty: d("1"),
                unit: "nos".into(),
                unit_price: d("4999.50"),
                discount: d("0.50"),
                gst_rate: d("18"),
            }],
        },
    )
    .unwrap();
    // 4999.00 taxable; IGST 18% = 899.82; 5898.82 → 5899, round-off +0.18
    assert_eq!(draft.place_of_supply, "27");
    assert_eq!(
        (
            draft.totals.igst,
            draft.totals.cgst,
            draft.totals.grand_total
        ),
        (d("899.82"), Decimal::ZERO, d("5899"))
    );
    let doc = bill::finalize(&s.node, &s.accountant, draft.draft.id, Some(DAY)).unwrap();
    assert_eq!(
        (doc.igst.as_str(), doc.doc.customer_gstin.as_deref()),
        ("899.82", Some(buyer.as_str()))
    );
}

/// SIGKILL during finalize: every number is either issued (with its document)
/// or still free; never lost, never doubled; no gaps below the highest issued.
#[test]
fn sigkill_during_finalize_never_loses_or_doubles_a_number() {
    let trials: u32 = std::env::var("CRASH_TRIALS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map(|t: u32| t / 4)
        .unwrap_or(50)
        .max(10);
    let s = shop();
    lease(&s, DocType::TaxInvoice, 100_000);
    let db = s.db();
    drop(s.node);
    let bin = env!("CARGO_BIN_EXE_branch-node");
    let mut issued = vec![];
    let wall = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64
    };
    // Per trial: its time window, the drafts it reported and the ones it
    // reported finalized (draft → number).
    type Run = (
        (u64, u64),
        Vec<String>,
        std::collections::HashMap<String, String>,
    );
    let mut runs: Vec<Run> = vec![];
    let mut seed = 0x2545_F491_4F6C_DD1Du64 ^ std::process::id() as u64;
    for _ in 0..trials {
        // Runs are told apart by the millisecond: a draft made in the
        // millisecond of one run's kill must not fall in the next run.
        std::thread::sleep(std::time::Duration::from_millis(3));
        let started = wall();
        let mut child = Command::new(bin)
            .args([
                "--db",
                db.to_str().unwrap(),
                "stress",
                "--invoices",
                "--count",
                "100000",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let out = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            BufReader::new(out)
                .lines()
                .map_while(Result::ok)
                .collect::<Vec<String>>()
        });
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        std::thread::sleep(std::time::Duration::from_millis(10 + seed % 80));
        child.kill().unwrap();
        child.wait().unwrap();
        let ended = wall();
        let (mut drafted, mut finalized) = (vec![], std::collections::HashMap::new());
        for line in reader.join().unwrap() {
            if let Some(rest) = line.strip_prefix("issued ") {
                let (number, draft) = rest.split_once(' ').unwrap();
                issued.push(number.to_string());
                finalized.insert(draft.to_string(), number.to_string());
            } else if let Some(draft) = line.strip_prefix("drafted ") {
                drafted.push(draft.to_string());
            }
        }
        runs.push(((started, ended), drafted, finalized));
    }
    let c = rusqlite::Connection::open(&db).unwrap();
    assert_eq!(
        c.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0))
            .unwrap(),
        "ok"
    );
    let seqs: Vec<u64> = c
        .prepare("SELECT seq FROM documents WHERE prefix = 'BLR1' ORDER BY seq")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert!(!seqs.is_empty());
    assert_eq!(
        seqs,
        (1..=seqs.len() as u64).collect::<Vec<_>>(),
        "consecutive: no gaps, no repeats"
    );
    let numbers: Vec<String> = c
        .prepare("SELECT number FROM documents")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    for n in &issued {
        assert!(numbers.contains(n), "acknowledged invoice {n} lost");
    }
    // Each draft was finalized or is still a draft, never both and never
    // neither. A document does not name its draft, so each one is placed in
    // the run that made it by its op's clock (runs never overlap in time);
    // within a run, draft i is for "Walk-in i".
    let left: Vec<(String, String, u64)> = c
        .prepare("SELECT id, json_extract(body, '$.customer_name'), created_at FROM invoice_drafts")
        .unwrap()
        .query_map([], |r| {
            let id: Vec<u8> = r.get(0)?;
            let id = sync_core::ids::RecordId(id.try_into().unwrap()).to_string();
            Ok((id, r.get(1)?, r.get(2)?))
        })
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    // One device issues them one at a time: the n-th document_issued op is
    // the document of seq n.
    let stamps: Vec<u64> = c
        .prepare("SELECT hlc_wall FROM ops WHERE kind = 'document_issued' ORDER BY lsn")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    let docs: Vec<(String, String, u64)> = c
        .prepare("SELECT number, customer_name FROM documents ORDER BY seq")
        .unwrap()
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
        .unwrap()
        .zip(&stamps)
        .map(|(r, t)| {
            let (n, name) = r.unwrap();
            (n, name, *t)
        })
        .collect();
    assert_eq!(docs.len(), seqs.len());
    let mut placed = (0, 0);
    for (k, ((from, to), drafted, finalized)) in runs.iter().enumerate() {
        let within = |t: &u64| (*from..=*to).contains(t);
        let names: Vec<&str> = docs
            .iter()
            .filter(|d| within(&d.2))
            .map(|d| d.1.as_str())
            .collect();
        let want: Vec<String> = (0..names.len()).map(|i| format!("Walk-in {i}")).collect();
        assert_eq!(names, want, "run {k}: documents in draft order, none twice");
        let waiting: Vec<&(String, String, u64)> = left.iter().filter(|d| within(&d.2)).collect();
        assert!(
            waiting.len() <= 1,
            "run {k}: one draft in flight at most: {waiting:?} after {names:?}"
        );
        for w in &waiting {
            assert_eq!(
                w.1,
                format!("Walk-in {}", names.len()),
                "run {k}: the draft left is the one after the last document, not finalized too"
            );
            assert!(
                !finalized.contains_key(&w.0),
                "run {k}: {} reported finalized yet still a draft",
                w.0
            );
        }
        for (i, id) in drafted.iter().enumerate() {
            let draft_left = waiting.iter().any(|w| &w.0 == id);
            let doc = i < names.len();
            assert!(
                draft_left ^ doc,
                "run {k}: draft {i} ({id}) is {}",
                if doc {
                    "both a document and a draft"
                } else {
                    "lost: neither a document nor a draft"
                }
            );
            if let Some(number) = finalized.get(id) {
                assert_eq!(
                    docs.iter().find(|d| &d.0 == number).map(|d| d.1.as_str()),
                    Some(format!("Walk-in {i}").as_str()),
                    "run {k}: {number} is draft {i}'s"
                );
            }
        }
        placed.0 += names.len();
        placed.1 += waiting.len();
    }
    assert_eq!(
        placed,
        (docs.len(), left.len()),
        "every document and draft placed in a run"
    );
    let docs: i64 = c
        .query_row("SELECT count(*) FROM documents", [], |r| r.get(0))
        .unwrap();
    let ops: i64 = c
        .query_row(
            "SELECT count(*) FROM ops WHERE kind = 'document_issued'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(docs, ops, "log and tables agree");
    // The device carries on from the next number.
    let node = branch_node::Node::open(&db).unwrap();
    let owner = node.genesis().owner;
    let ses = branch_node::auth::Session {
        user: owner,
        name: "o".into(),
        role: sync_core::domain::roles::Role::Owner,
        branch: None,
    };
    let held = bill::leases(&node, &ses).unwrap();
    assert_eq!(held[0].used_up_to, seqs.len() as u64);
    // A draft left by a kill took no number: finalized now, it gets the next one.
    for (k, (id, _, _)) in left.iter().enumerate() {
        let doc = bill::finalize(&node, &ses, id.parse().unwrap(), None).unwrap();
        assert_eq!(
            doc.doc.seq,
            (seqs.len() + k + 1) as u64,
            "number still free"
        );
    }
}

//! Goods follow the documents: a counter sale and an estimate-billed part
//! leave stock with their invoice, a part used on the job is not taken
//! twice, a credit note for goods returned (or a cancelled invoice) puts
//! them back, credit notes never add up to more than their invoice, a job
//! is invoiced once, and a line's rate comes from the catalogue and the
//! rates in force.

use crate::common::*;
use branch_node::inventory as inv;
use branch_node::{billing as bill, services as svc};
use rust_decimal::Decimal;
use sync_core::body::LineKind;
use sync_core::domain::date::Date;
use sync_core::domain::invoice_no::DocType;
use sync_core::ids::RecordId;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

const DAY: Date = Date {
    year: 2026,
    month: 12,
    day: 1,
};

fn leased(s: &Shop) {
    for doc_type in [DocType::TaxInvoice, DocType::CreditNote] {
        bill::grant_local_lease(
            &s.node,
            &s.owner,
            bill::LocalLeaseInput {
                doc_type,
                size: 50,
                fy: Some(2026),
            },
        )
        .unwrap();
    }
}

fn in_store(s: &Shop, item: RecordId) -> String {
    inv::get_item(&s.node, &s.manager, item).unwrap().in_store
}

fn receive(s: &Shop, item: RecordId, qty: &str) {
    inv::receive(
        &s.node,
        &s.manager,
        inv::ReceiptInput {
            item,
            qty: d(qty),
            supplier: "Lamington Road Traders".into(),
            reference: None,
            note: None,
        },
    )
    .unwrap();
}

/// A line naming the item: its rate, HSN and unit come from the catalogue,
/// whatever the form says.
fn item_line(item: RecordId, qty: &str) -> svc::LineInput {
    svc::LineInput {
        kind: LineKind::Service,
        item: Some(item),
        description: String::new(),
        hsn_sac: "998713".into(),
        qty: d(qty),
        unit: "nos".into(),
        unit_price: d("1800"),
        discount: Decimal::ZERO,
        gst_rate: d("5"),
    }
}

fn counter_sale(s: &Shop, lines: Vec<svc::LineInput>) -> bill::DraftView {
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
            lines,
        },
    )
    .unwrap()
}

fn from_job(s: &Shop, job: RecordId) -> branch_node::Result<bill::DraftView> {
    bill::create_draft(
        &s.node,
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
}

fn finalize(s: &Shop, draft: &bill::DraftView) -> branch_node::store::money::DocumentView {
    bill::finalize(&s.node, &s.accountant, draft.draft.id, Some(DAY)).unwrap()
}

fn credit(
    s: &Shop,
    invoice: RecordId,
    lines: Option<Vec<svc::LineInput>>,
    restock: Option<bool>,
) -> branch_node::Result<branch_node::store::money::DocumentView> {
    bill::credit_note(
        &s.node,
        &s.accountant,
        bill::CreditNoteInput {
            invoice,
            reason: "returned".into(),
            lines,
            date: Some(DAY),
            restock,
        },
    )
}

#[test]
fn a_counter_sale_takes_its_goods_and_a_credit_note_or_a_cancellation_puts_them_back() {
    let s = shop();
    leased(&s);
    let ram = ram(&s);
    receive(&s, ram, "5");
    let draft = counter_sale(&s, vec![item_line(ram, "2")]);
    // The catalogue decided the line, not the form.
    let l = &draft.draft.lines[0];
    assert_eq!(
        (l.kind, l.gst_rate, l.hsn_sac.as_str(), l.unit.as_str()),
        (LineKind::Part, d("18"), "84733099", "pcs")
    );
    assert_eq!(l.description, "8GB DDR4 SODIMM");
    assert_eq!(in_store(&s, ram), "5", "a draft moves nothing");
    let inv_doc = finalize(&s, &draft);
    assert_eq!(in_store(&s, ram), "3", "the sale took its two sticks");
    let ledger = inv::ledger(&s.node, &s.manager, ram).unwrap();
    assert!(
        ledger
            .iter()
            .any(|m| m.what == format!("Sold on invoice {}", inv_doc.doc.number)),
        "{:?}",
        ledger.iter().map(|m| &m.what).collect::<Vec<_>>()
    );

    // A price correction (no goods back), then a return of one stick.
    let mut cheaper = item_line(ram, "1");
    cheaper.unit_price = d("100");
    let fix = credit(&s, inv_doc.doc.id, Some(vec![cheaper]), Some(false)).unwrap();
    assert_eq!(in_store(&s, ram), "3", "a price correction returns nothing");
    let back = credit(&s, inv_doc.doc.id, Some(vec![item_line(ram, "1")]), None).unwrap();
    assert_eq!(in_store(&s, ram), "4", "the returned stick is back");
    assert_eq!(back.doc.grand_total, d("2124"));

    // ₹4,248 invoiced, ₹118 + ₹2,124 credited: ₹2,006 left to credit.
    assert_eq!(inv_doc.doc.grand_total, d("4248"));
    assert_eq!(fix.doc.grand_total, d("118"));
    let before = s.op_count();
    let e = credit(&s, inv_doc.doc.id, Some(vec![item_line(ram, "1")]), None).unwrap_err();
    assert!(
        e.to_string().starts_with("grand_total:")
            && e.to_string()
                .contains("₹2,124.00 is more than is left to credit"),
        "{e}"
    );
    assert_eq!(
        s.op_count(),
        before,
        "a refused credit note changes nothing"
    );
    assert_eq!(in_store(&s, ram), "4");

    // A cancelled invoice's goods never left.
    let second = finalize(&s, &counter_sale(&s, vec![item_line(ram, "3")]));
    assert_eq!(in_store(&s, ram), "1");
    bill::cancel(&s.node, &s.accountant, second.doc.id, "wrong customer").unwrap();
    assert_eq!(in_store(&s, ram), "4", "cancelling put the three back");
}

#[test]
fn a_sale_beyond_the_stock_is_invoiced_and_its_shortfall_shown() {
    let s = shop();
    leased(&s);
    let ram = ram(&s);
    receive(&s, ram, "1");
    let doc = finalize(&s, &counter_sale(&s, vec![item_line(ram, "3")]));
    assert_eq!(in_store(&s, ram), "0", "never below zero");
    let ledger = inv::ledger(&s.node, &s.manager, ram).unwrap();
    assert!(
        ledger.iter().any(|m| m.what
            == format!(
                "Sold on invoice {}; 2 more were sold than this device held",
                doc.doc.number
            )),
        "{:?}",
        ledger.iter().map(|m| &m.what).collect::<Vec<_>>()
    );
}

#[test]
fn a_job_is_invoiced_once_and_its_used_parts_are_not_taken_twice() {
    let s = shop();
    leased(&s);
    let ram = ram(&s);
    receive(&s, ram, "5");
    let job = svc::open_job(&s.node, &s.receptionist, intake("9845012345"))
        .unwrap()
        .job
        .summary
        .id;
    // Estimated: one stick and the labour; one stick used on the job.
    svc::add_estimate_line(&s.node, &s.technician, job, item_line(ram, "1")).unwrap();
    svc::add_estimate_line(
        &s.node,
        &s.technician,
        job,
        svc::LineInput {
            kind: LineKind::Service,
            item: None,
            description: "Diagnosis and fitting".into(),
            hsn_sac: "998713".into(),
            qty: d("1"),
            unit: "nos".into(),
            unit_price: d("500"),
            discount: Decimal::ZERO,
            gst_rate: d("18"),
        },
    )
    .unwrap();
    inv::use_on_job(
        &s.node,
        &s.manager,
        inv::UseInput {
            job,
            item: ram,
            qty: d("1"),
            unit_price: None,
        },
    )
    .unwrap();
    assert_eq!(in_store(&s, ram), "4");
    let first = from_job(&s, job).unwrap();
    assert_eq!(first.draft.lines.len(), 2);
    finalize(&s, &first);
    assert_eq!(
        in_store(&s, ram),
        "4",
        "the estimated stick is the one used on the job, not a second"
    );

    // Nothing new: a second draft says so instead of billing it all again.
    let e = from_job(&s, job).unwrap_err();
    assert!(
        e.to_string().starts_with("job:") && e.to_string().contains("invoiced already"),
        "{e}"
    );
    // One more stick estimated: only it is billed, and it leaves the store.
    svc::add_estimate_line(&s.node, &s.technician, job, item_line(ram, "1")).unwrap();
    let second = from_job(&s, job).unwrap();
    assert_eq!(second.draft.lines.len(), 1);
    assert_eq!(second.draft.lines[0].item, Some(ram));
    let second = finalize(&s, &second);
    assert_eq!(in_store(&s, ram), "3");
    // Cancelled, its line is billable again (and its stick back).
    bill::cancel(&s.node, &s.accountant, second.doc.id, "billed too soon").unwrap();
    assert_eq!(in_store(&s, ram), "4");
    assert_eq!(from_job(&s, job).unwrap().draft.lines.len(), 1);
}

#[test]
fn only_the_rates_in_force_are_taken() {
    let s = shop();
    leased(&s);
    let mut item = inv::ItemInput {
        sku: "SSD-512".into(),
        name: "512GB NVMe SSD".into(),
        hsn_sac: "84717020".into(),
        gst_rate: d("12.345"),
        unit: "pcs".into(),
        sale_price: d("3200"),
        cost: d("2500"),
        reorder_level: d("1"),
        is_service: false,
    };
    for (rate, said) in [
        ("12.345", "12.345 % is not a GST rate in force"),
        ("28", "28 % is not a GST rate in force"),
        ("12", "in force: 0 %, 0.25 %, 3 %, 5 %, 18 %, 40 %"),
    ] {
        item.gst_rate = d(rate);
        let e = inv::create_item(&s.node, &s.manager, item.clone()).unwrap_err();
        assert!(
            e.to_string().starts_with("gst_rate:") && e.to_string().contains(said),
            "{rate}: {e}"
        );
    }
    item.gst_rate = d("18");
    inv::create_item(&s.node, &s.manager, item).unwrap();
    // A typed line at a rate gone since 22-09-2025 is refused when issued.
    let mut old = item_line(RecordId([0; 16]), "1");
    old.item = None;
    old.description = "Cooling pad".into();
    old.gst_rate = d("28");
    let draft = counter_sale(&s, vec![old]);
    let before = s.op_count();
    let e = bill::finalize(&s.node, &s.accountant, draft.draft.id, Some(DAY)).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("lines[0].gst_rate: 28 % is not a GST rate in force on 01-12-2026"),
        "{e}"
    );
    assert_eq!(s.op_count(), before, "no number used");
}

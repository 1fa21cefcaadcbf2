//! A draft invoice from a job bills what the customer approved and what was
//! fitted, once: a part on the estimate covers the same part used on the
//! job; only what was used beyond the estimate is added.

use crate::common::*;
use branch_node::{billing as bill, inventory as inv, services as svc};
use rust_decimal::Decimal;
use sync_core::body::LineKind;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn line(
    kind: LineKind,
    item: Option<sync_core::ids::RecordId>,
    what: &str,
    hsn: &str,
    qty: &str,
    price: &str,
) -> svc::LineInput {
    svc::LineInput {
        kind,
        item,
        description: what.into(),
        hsn_sac: hsn.into(),
        qty: d(qty),
        unit: "nos".into(),
        unit_price: d(price),
        discount: Decimal::ZERO,
        gst_rate: d("18"),
    }
}

fn draft_for(s: &Shop, job: sync_core::ids::RecordId) -> bill::DraftView {
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
    .unwrap()
}

#[test]
fn an_estimated_part_that_is_used_is_billed_once_and_extra_use_is_added() {
    let s = shop();
    let n = &s.node;
    let ram = ram(&s);
    inv::receive(
        n,
        &s.manager,
        inv::ReceiptInput {
            item: ram,
            qty: d("5"),
            supplier: "Supplier".into(),
            reference: None,
            note: None,
        },
    )
    .unwrap();
    let job = svc::open_job(n, &s.receptionist, intake("9845012345"))
        .unwrap()
        .job
        .summary
        .id;
    // The customer approved one RAM stick at ₹1,850 and labour at ₹450.
    svc::add_estimate_line(
        n,
        &s.technician,
        job,
        line(
            LineKind::Part,
            Some(ram),
            "8GB DDR4 SODIMM",
            "84733099",
            "1",
            "1850",
        ),
    )
    .unwrap();
    svc::add_estimate_line(
        n,
        &s.technician,
        job,
        line(LineKind::Service, None, "Labour", "998713", "1", "450"),
    )
    .unwrap();
    let use_ram = |qty: &str| {
        inv::use_on_job(
            n,
            &s.technician,
            inv::UseInput {
                job,
                item: ram,
                qty: d(qty),
                unit_price: None,
            },
        )
        .unwrap();
    };

    // One stick fitted: the bill is the estimate, nothing more.
    use_ram("1");
    let one = draft_for(&s, job);
    assert_eq!(one.draft.lines.len(), 2, "{:?}", one.draft.lines);
    // 1850 + 450 = 2300 taxable; 18 % = 414; 2714
    assert_eq!(one.totals.taxable, d("2300"));
    assert_eq!(one.totals.grand_total, d("2714"));
    bill::delete_draft(n, &s.accountant, one.draft.id).unwrap();

    // A second stick fitted beyond the estimate: added at the item's price.
    use_ram("1");
    let two = draft_for(&s, job);
    assert_eq!(two.draft.lines.len(), 3, "{:?}", two.draft.lines);
    let extra = two
        .draft
        .lines
        .iter()
        .find(|l| l.unit_price == d("1800"))
        .expect("the extra stick");
    assert_eq!(extra.qty, d("1"));
    // 2300 + 1800 = 4100 taxable; 18 % = 738; 4838
    assert_eq!(two.totals.taxable, d("4100"));
    assert_eq!(two.totals.grand_total, d("4838"));
}

//! The branch's day-end close and receivables against a seeded day whose
//! figures are worked out by hand below (18 % GST, intra-state):
//!
//! | invoice | dated        | taxable  | total    | paid                          | credited | owed on 01-12 |
//! |---------|--------------|----------|----------|-------------------------------|----------|---------------|
//! | A       | 23-08-2026   |   500.00 |   590.00 | 90 cash on 23-08              |          |   500.00 (100 days) |
//! | B       | 17-10-2026   | 1,234.50 | 1,457.00 | —                             |          | 1,457.00 (45 days)  |
//! | C       | 01-12-2026   | 1,000.00 | 1,180.00 | 1,180 cash on 01-12           | 1,180.00 |  none         |
//! | D       | 01-12-2026   | 2,500.00 | 2,950.00 | 1,000 UPI + 500 card on 01-12 |          | 1,450.00 (0 days)   |
//!
//! Day-end 01-12: cash 1,180.00 (1), UPI 1,000.00 (1), card 500.00 (1),
//! bank 0; collected 2,680.00; two invoices for 4,130.00; one credit note
//! for 1,180.00. Receivables: 0-30 days 1,450.00, 31-60 1,457.00, over 90
//! 500.00; 3,407.00 in all, oldest first.

use branch_node::billing as bill;
use branch_node::services as svc;
use rust_decimal::Decimal;
use sync_core::body::{LineKind, PaymentMode};
use sync_core::domain::date::Date;
use sync_core::domain::invoice_no::DocType;
use sync_core::ids::RecordId;

use crate::common::shop;

fn labour(price: &str) -> svc::LineInput {
    svc::LineInput {
        kind: LineKind::Service,
        item: None,
        description: "Labour".into(),
        hsn_sac: "998713".into(),
        qty: Decimal::ONE,
        unit: "nos".into(),
        unit_price: price.parse().unwrap(),
        discount: Decimal::ZERO,
        gst_rate: Decimal::from(18),
    }
}

fn d(s: &str) -> Date {
    s.parse().unwrap()
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

#[test]
fn day_end_and_receivables_match_the_figures_worked_by_hand() {
    let s = shop();
    let n = &s.node;
    for (doc_type, size) in [(DocType::TaxInvoice, 20), (DocType::CreditNote, 5)] {
        bill::grant_local_lease(
            n,
            &s.owner,
            bill::LocalLeaseInput {
                doc_type,
                size,
                fy: None,
            },
        )
        .unwrap();
    }
    let invoice = |name: &str, price: &str, date: &str| -> RecordId {
        let draft = bill::create_draft(
            n,
            &s.accountant,
            bill::DraftInput {
                job: None,
                customer: None,
                customer_name: Some(name.into()),
                customer_gstin: None,
                customer_state: None,
                customer_address: None,
                lines: vec![labour(price)],
            },
        )
        .unwrap();
        bill::finalize(n, &s.accountant, draft.draft.id, Some(d(date)))
            .unwrap()
            .doc
            .id
    };
    let pay = |inv: RecordId, amount: &str, mode: PaymentMode, date: &str| {
        bill::record_payment(
            n,
            &s.accountant,
            bill::PaymentInput {
                invoice: Some(inv),
                job: None,
                amount: dec(amount),
                mode,
                reference: (mode != PaymentMode::Cash).then(|| format!("REF-{amount}")),
                date: Some(d(date)),
            },
        )
        .unwrap();
    };
    let a = invoice("Anil", "500", "2026-08-23");
    pay(a, "90", PaymentMode::Cash, "2026-08-23");
    let _b = invoice("Bhavna", "1234.50", "2026-10-17");
    let c = invoice("Chitra", "1000", "2026-12-01");
    pay(c, "1180", PaymentMode::Cash, "2026-12-01");
    bill::credit_note(
        n,
        &s.accountant,
        bill::CreditNoteInput {
            invoice: c,
            reason: "repair redone under warranty".into(),
            lines: None,
            date: Some(d("2026-12-01")),
            restock: None,
        },
    )
    .unwrap();
    let dd = invoice("Deepak", "2500", "2026-12-01");
    pay(dd, "1000", PaymentMode::Upi, "2026-12-01");
    pay(dd, "500", PaymentMode::Card, "2026-12-01");

    let day = branch_node::reports::day_end(n, &s.accountant, d("2026-12-01")).unwrap();
    let by: Vec<(&str, u32, Decimal)> = day
        .by_mode
        .iter()
        .map(|m| (m.mode, m.count, m.amount))
        .collect();
    assert_eq!(
        by,
        vec![
            ("cash", 1, dec("1180.00")),
            ("upi", 1, dec("1000.00")),
            ("card", 1, dec("500.00")),
            ("bank", 0, Decimal::ZERO),
        ]
    );
    assert_eq!(day.collected, dec("2680.00"));
    assert_eq!((day.invoices, day.invoiced), (2, dec("4130.00")));
    assert_eq!((day.credit_notes, day.credited), (1, dec("1180.00")));
    assert_eq!(day.payments.len(), 3);

    let r = branch_node::reports::receivables(n, &s.manager, d("2026-12-01")).unwrap();
    let owed: Vec<(&str, Decimal, i64, &str)> = r
        .invoices
        .iter()
        .map(|i| (i.customer_name.as_str(), i.due, i.days, i.bucket))
        .collect();
    assert_eq!(
        owed,
        vec![
            ("Anil", dec("500.00"), 100, "over 90 days"),
            ("Bhavna", dec("1457.00"), 45, "31-60 days"),
            ("Deepak", dec("1450.00"), 0, "0-30 days"),
        ]
    );
    let buckets: Vec<(&str, u32, Decimal)> = r
        .buckets
        .iter()
        .map(|b| (b.bucket, b.count, b.amount))
        .collect();
    assert_eq!(
        buckets,
        vec![
            ("0-30 days", 1, dec("1450.00")),
            ("31-60 days", 1, dec("1457.00")),
            ("61-90 days", 0, Decimal::ZERO),
            ("over 90 days", 1, dec("500.00")),
        ]
    );
    assert_eq!(r.total, dec("3407.00"));

    // Who may see the money: not the front desk, not the floor.
    for who in [&s.receptionist, &s.technician] {
        assert!(branch_node::reports::day_end(n, who, d("2026-12-01")).is_err());
        assert!(branch_node::reports::receivables(n, who, d("2026-12-01")).is_err());
    }
}

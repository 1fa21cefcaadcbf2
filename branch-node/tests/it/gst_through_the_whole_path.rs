//! The foundation's hand-worked GST invoices, made the way a shop makes them:
//! a job card opened at the counter (a customer of this state, or of another
//! for the inter-state cases), the lines put on its estimate by the
//! technician, a draft from the job, finalized with a leased number, and the
//! finalized document read back — every figure must be the hand-worked one.

#[path = "../../../sync-core/tests/it/gst_cases.rs"]
mod gst_cases;

use crate::common::*;
use branch_node::{billing as bill, services as svc};
use gst_cases::{Case, Inter, cases, d};
use sync_core::domain::date::Date;
use sync_core::domain::invoice_no::DocType;

fn through_a_job(s: &Shop, n: usize, c: &Case) -> branch_node::store::money::DocumentView {
    if day_of(c).year == 2025 {
        return at_the_counter(s, c);
    }
    let mut job = intake(&format!("98450{:05}", n));
    if c.supply == Inter {
        // Karnataka shop, Tamil Nadu customer: the place of supply is elsewhere.
        job.new_customer.as_mut().unwrap().state_code = Some("33".into());
    }
    let id = svc::open_job(&s.node, &s.receptionist, job)
        .unwrap()
        .job
        .summary
        .id;
    for l in &c.lines {
        svc::add_estimate_line(
            &s.node,
            &s.technician,
            id,
            svc::LineInput {
                kind: l.kind,
                item: None,
                description: l.description.clone(),
                hsn_sac: l.hsn_sac.clone(),
                qty: l.qty,
                unit: l.unit.clone(),
                unit_price: l.unit_price,
                discount: l.discount,
                gst_rate: l.gst_rate,
            },
        )
        .unwrap_or_else(|e| panic!("{}: estimate line refused: {e}", c.name));
    }
    let draft = bill::create_draft(
        &s.node,
        &s.accountant,
        bill::DraftInput {
            job: Some(id),
            customer: None,
            customer_name: None,
            customer_gstin: None,
            customer_state: None,
            customer_address: None,
            lines: vec![],
        },
    )
    .unwrap_or_else(|e| panic!("{}: draft refused: {e}", c.name));
    bill::finalize(&s.node, &s.accountant, draft.draft.id, Some(day_of(c)))
        .unwrap_or_else(|e| panic!("{}: finalize refused: {e}", c.name))
}

/// A rate no longer in force cannot be on an estimate made today: such a
/// case is a counter sale, dated when its rate was in force.
fn at_the_counter(s: &Shop, c: &Case) -> branch_node::store::money::DocumentView {
    let draft = bill::create_draft(
        &s.node,
        &s.accountant,
        bill::DraftInput {
            job: None,
            customer: None,
            customer_name: Some("Counter customer".into()),
            customer_gstin: None,
            customer_state: (c.supply == Inter).then(|| "33".into()),
            customer_address: None,
            lines: c
                .lines
                .iter()
                .map(|l| svc::LineInput {
                    kind: l.kind,
                    item: None,
                    description: l.description.clone(),
                    hsn_sac: l.hsn_sac.clone(),
                    qty: l.qty,
                    unit: l.unit.clone(),
                    unit_price: l.unit_price,
                    discount: l.discount,
                    gst_rate: l.gst_rate,
                })
                .collect(),
        },
    )
    .unwrap_or_else(|e| panic!("{}: draft refused: {e}", c.name));
    bill::finalize(&s.node, &s.accountant, draft.draft.id, Some(day_of(c)))
        .unwrap_or_else(|e| panic!("{}: finalize refused: {e}", c.name))
}

/// The day a case is invoiced: 1 December 2026, or, for a rate that went
/// on 22 September 2025 (12 %, 28 %), 1 September 2025, when it was in force.
fn day_of(c: &Case) -> Date {
    let today = Date::new(2026, 12, 1).unwrap();
    let in_force = sync_core::domain::rates::in_force(today);
    if c.lines.iter().all(|l| in_force.contains(&l.gst_rate)) {
        today
    } else {
        Date::new(2025, 9, 1).unwrap()
    }
}

#[test]
fn every_worked_invoice_comes_out_the_same_from_a_job_card() {
    let s = shop();
    let all = cases();
    for fy in [2025, 2026] {
        bill::grant_local_lease(
            &s.node,
            &s.owner,
            bill::LocalLeaseInput {
                doc_type: DocType::TaxInvoice,
                size: all.len() as u64 + 5,
                fy: Some(fy),
            },
        )
        .unwrap();
    }
    assert!(
        all.iter().any(|c| day_of(c).year == 2025),
        "some case is of a rate no longer in force, invoiced on its day"
    );
    let mut problems = vec![];
    for (n, c) in all.iter().enumerate() {
        let doc = through_a_job(&s, n, c);
        let w = &c.want;
        for (what, got, want) in [
            ("taxable", &doc.taxable, w[0]),
            ("cgst", &doc.cgst, w[1]),
            ("sgst", &doc.sgst, w[2]),
            ("igst", &doc.igst, w[3]),
            ("round_off", &doc.round_off, w[5]),
        ] {
            if d(got) != d(want) {
                problems.push(format!("{}: {what}: got {got}, want {want}", c.name));
            }
        }
        if doc.doc.grand_total != d(w[6]) {
            problems.push(format!(
                "{}: grand total: got {}, want {}",
                c.name, doc.doc.grand_total, w[6]
            ));
        }
        // The rupee-rounded total is what the customer owes.
        if d(&doc.balance_due) != d(w[6]) {
            problems.push(format!("{}: balance due {}", c.name, doc.balance_due));
        }
        let inter = doc.doc.place_of_supply != "29";
        if inter != (c.supply == Inter) {
            problems.push(format!(
                "{}: place of supply {}",
                c.name, doc.doc.place_of_supply
            ));
        }
    }
    assert!(all.len() >= 20, "only {} worked invoices", all.len());
    assert!(
        problems.is_empty(),
        "{} mismatches:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

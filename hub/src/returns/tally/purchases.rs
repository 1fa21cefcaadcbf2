//! What the shop bought, as Tally vouchers: a supplier's bill a
//! "Purchase" (the supplier credited the bill's total, each rate's
//! purchases ledger and each input tax ledger debited), and a payment to a
//! supplier a "Payment" (the supplier debited, cash or bank credited),
//! against the supplier's bill number. Same signs as the sales side.

use sync_core::body::PaymentMode;
use sync_core::domain::gst;
use sync_core::domain::states::state_name;

use super::{BANK, CASH, Entry, ROUND_OFF, Voucher, entry, party_name};
use crate::error::Result;
use crate::returns::{Bought, PaidOut};

pub const INPUT_CGST: &str = "Input CGST";
pub const INPUT_SGST: &str = "Input SGST";
pub const INPUT_IGST: &str = "Input IGST";

/// The purchases ledger of one GST rate: "Purchases @18%".
pub fn purchases_ledger(rate: &str) -> String {
    format!("Purchases @{rate}%")
}

pub(super) fn purchase(b: &Bought) -> Result<Voucher> {
    let p = &b.purchase;
    let t = gst::compute(&p.lines, gst::supply_for(&p.supplier_state, &b.our_state))?;
    let party = party_name(&p.supplier_name);
    let mut v = Voucher {
        kind: "Purchase",
        date: p.bill_date,
        number: None,
        reference: Some(p.bill_number.clone()),
        reference_date: Some(p.bill_date),
        party: party.clone(),
        party_gstin: p.supplier_gstin.clone(),
        place: Some(state_name(&b.our_state).unwrap_or(&b.our_state).to_string()),
        narration: Some(format!("Bill {} of {}", p.bill_number, p.supplier_name)),
        cancelled: false,
        entries: vec![Entry {
            party: true,
            bill: Some((p.bill_number.clone(), "New Ref")),
            ..entry(party, p.grand_total)
        }],
    };
    for (rate, r) in &t.by_rate {
        v.entries.push(entry(purchases_ledger(rate), -r.taxable));
    }
    for (ledger, tax) in [
        (INPUT_CGST, t.cgst),
        (INPUT_SGST, t.sgst),
        (INPUT_IGST, t.igst),
    ] {
        v.entries.push(entry(ledger, -tax));
    }
    v.entries.push(entry(ROUND_OFF, -t.round_off));
    v.entries.retain(|e| e.party || !e.amount.is_zero());
    Ok(v)
}

pub(super) fn payment(p: &PaidOut) -> Voucher {
    let (from, how) = match p.mode {
        PaymentMode::Cash => (CASH, "Cash"),
        PaymentMode::Upi => (BANK, "UPI"),
        PaymentMode::Card => (BANK, "Card"),
        PaymentMode::Bank => (BANK, "Bank transfer"),
    };
    let mut narration = format!("{how}, against bill {}", p.bill_number);
    if let Some(r) = &p.reference {
        narration.push_str(&format!(" (ref. {r})"));
    }
    let party = party_name(&p.supplier);
    Voucher {
        kind: "Payment",
        date: p.date,
        number: None,
        reference: p.reference.clone(),
        reference_date: None,
        party: party.clone(),
        party_gstin: None,
        place: None,
        narration: Some(narration),
        cancelled: false,
        entries: vec![
            Entry {
                party: true,
                bill: Some((p.bill_number.clone(), "Agst Ref")),
                ..entry(party, -p.amount)
            },
            entry(from, p.amount),
        ],
    }
}

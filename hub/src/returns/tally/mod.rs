//! A GSTIN's month as Tally vouchers: every tax invoice a "Sales" voucher,
//! every credit note a "Credit Note", every payment received a "Receipt",
//! every supplier's bill a "Purchase" and every payment to a supplier a
//! "Payment" ([`purchases`]),
//! in the import file TallyPrime (and Tally.ERP 9) takes through Gateway
//! of Tally > Import > Transactions, or posted to its XML port.
//!
//! The file's shape (ENVELOPE > HEADER > TALLYREQUEST "Import Data", BODY >
//! IMPORTDATA > REQUESTDESC "Vouchers" / REQUESTDATA > TALLYMESSAGE >
//! VOUCHER, dates as YYYYMMDD, ALLLEDGERENTRIES.LIST with ISPARTYLEDGER)
//! follows Tally's developer reference, "Understanding Integration –
//! Transactions" and "Case Study I – XML Request and Response Formats"
//! (help.tallysolutions.com/developer-reference/). Its sign convention, a
//! debit as ISDEEMEDPOSITIVE Yes with a negative AMOUNT and a credit as
//! No with a positive one, is what Tally writes in its own exports (a
//! sales voucher's party line negative, its sales and tax lines positive,
//! summing to zero), as the tallyprime-sdk crate's voucher builder also
//! documents (docs.rs/tallyprime-sdk). A cancelled voucher is ISCANCELLED
//! Yes (Tally's Alt+X: the number stays in the book, the voucher has no
//! effect; rtslink.blogspot.com, "What is a Cancelled Voucher?").
//!
//! The figures are the returns' own: each document taxed again through
//! `gst::compute`, so the books and GSTR-1 cannot disagree.

use rust_decimal::{Decimal, RoundingStrategy};
use sync_core::body::PaymentMode;
use sync_core::domain::date::Date;
use sync_core::domain::gst;
use sync_core::domain::invoice_no::DocType;
use sync_core::domain::states::state_name;

mod purchases;
mod xml;

pub use purchases::{INPUT_CGST, INPUT_IGST, INPUT_SGST, purchases_ledger};

use super::{Bought, Filed, PaidOut, Period, Received};
use crate::error::{HubError, Result};

/// The ledgers the vouchers post to, as an accountant names them in
/// Tally; they must exist there (with each customer's ledger) before the
/// import.
pub const CGST: &str = "Output CGST";
pub const SGST: &str = "Output SGST";
pub const IGST: &str = "Output IGST";
pub const ROUND_OFF: &str = "Round Off";
pub const CASH: &str = "Cash";
pub const BANK: &str = "Bank";

/// The income ledger of one GST rate: "Sales @18%".
pub fn sales_ledger(rate: &str) -> String {
    format!("Sales @{rate}%")
}

/// A line of a voucher. `amount` is in Tally's sign: negative a debit.
#[derive(Clone, Debug)]
struct Entry {
    ledger: String,
    amount: Decimal,
    party: bool,
    /// The bill it opens or settles: its name and Tally's bill type.
    bill: Option<(String, &'static str)>,
}

#[derive(Clone, Debug)]
struct Voucher {
    kind: &'static str,
    date: Date,
    number: Option<String>,
    reference: Option<String>,
    reference_date: Option<Date>,
    party: String,
    party_gstin: Option<String>,
    place: Option<String>,
    narration: Option<String>,
    cancelled: bool,
    entries: Vec<Entry>,
}

fn entry(ledger: impl Into<String>, amount: Decimal) -> Entry {
    Entry {
        ledger: ledger.into(),
        amount,
        party: false,
        bill: None,
    }
}

/// The import file of `gstin`'s vouchers dated in `period`, for the
/// company `company` in Tally. Refused if any voucher would not balance.
pub fn vouchers(
    company: &str,
    gstin: &str,
    period: Period,
    filed: &[Filed],
    received: &[Received],
    bought: &[Bought],
    paid_out: &[PaidOut],
) -> Result<String> {
    let mut all = vec![];
    for f in filed
        .iter()
        .filter(|f| period.contains(f.doc.date) && f.doc.supplier_gstin == gstin)
    {
        all.push(document(f)?);
    }
    all.extend(
        received
            .iter()
            .filter(|r| period.contains(r.date))
            .map(receipt),
    );
    for b in bought
        .iter()
        .filter(|b| period.contains(b.purchase.bill_date))
    {
        all.push(purchases::purchase(b)?);
    }
    all.extend(
        paid_out
            .iter()
            .filter(|p| period.contains(p.date))
            .map(purchases::payment),
    );
    // Stable: on one day, the sales, then the notes against them, then the
    // money paid for them, each in the order of its series.
    let rank = |v: &Voucher| match v.kind {
        "Sales" => 0,
        "Credit Note" => 1,
        "Receipt" => 2,
        "Purchase" => 3,
        _ => 4,
    };
    all.sort_by_key(|v| (v.date, rank(v)));
    for v in &all {
        balanced(v)?;
    }
    Ok(xml::file(company, &all))
}

/// A tax invoice as a sale, a credit note as its reversal: the customer
/// debited the grand total, each rate's sales ledger credited its taxable
/// value, each tax ledger its tax, and the round-off what makes it whole;
/// a credit note the same on the other side.
fn document(f: &Filed) -> Result<Voucher> {
    let d = &f.doc;
    let credit = d.doc_type == DocType::CreditNote;
    let side = |x: Decimal| if credit { -x } else { x };
    let mut v = Voucher {
        kind: if credit { "Credit Note" } else { "Sales" },
        date: d.date,
        number: Some(d.number.clone()),
        reference: d.against.as_ref().map(|a| a.number.clone()),
        reference_date: d.against.as_ref().map(|a| a.date),
        party: party_name(&d.customer_name),
        party_gstin: d.customer_gstin.clone(),
        place: Some(
            state_name(&d.place_of_supply)
                .unwrap_or(&d.place_of_supply)
                .to_string(),
        ),
        narration: d.reason.clone(),
        cancelled: f.cancelled,
        entries: vec![],
    };
    if f.cancelled {
        // Tally keeps a cancelled voucher's number and nothing else.
        v.narration = Some("Cancelled".into());
        return Ok(v);
    }
    let supply = gst::supply_for(&d.supplier_state, &d.place_of_supply);
    let t = gst::compute(&d.lines, supply)?;
    let bill = match &d.against {
        Some(a) => (a.number.clone(), "Agst Ref"),
        None => (d.number.clone(), "New Ref"),
    };
    v.entries.push(Entry {
        party: true,
        bill: Some(bill),
        ..entry(v.party.clone(), side(-d.grand_total))
    });
    for (rate, r) in &t.by_rate {
        v.entries.push(entry(sales_ledger(rate), side(r.taxable)));
    }
    for (ledger, tax) in [(CGST, t.cgst), (SGST, t.sgst), (IGST, t.igst)] {
        v.entries.push(entry(ledger, side(tax)));
    }
    v.entries.push(entry(ROUND_OFF, side(t.round_off)));
    v.entries.retain(|e| e.party || !e.amount.is_zero());
    Ok(v)
}

/// Money in: cash or bank debited, the customer credited, against the
/// invoice it settles (or as an advance on the job).
fn receipt(r: &Received) -> Voucher {
    let (into, how) = match r.mode {
        PaymentMode::Cash => (CASH, "Cash"),
        PaymentMode::Upi => (BANK, "UPI"),
        PaymentMode::Card => (BANK, "Card"),
        PaymentMode::Bank => (BANK, "Bank transfer"),
    };
    let (bill, against) = match (&r.invoice, &r.job) {
        (Some(i), _) => (Some((i.clone(), "Agst Ref")), format!("against {i}")),
        (None, Some(j)) => (Some((j.clone(), "Advance")), format!("advance on job {j}")),
        (None, None) => (None, "on account".to_string()),
    };
    let mut narration = format!("{how}, {against}");
    if let Some(reference) = &r.reference {
        narration.push_str(&format!(" (ref. {reference})"));
    }
    let party = party_name(&r.party);
    Voucher {
        kind: "Receipt",
        date: r.date,
        number: None,
        reference: r.reference.clone(),
        reference_date: None,
        party: party.clone(),
        party_gstin: None,
        place: None,
        narration: Some(narration),
        cancelled: false,
        entries: vec![
            Entry {
                party: true,
                bill,
                ..entry(party, r.amount)
            },
            entry(into, -r.amount),
        ],
    }
}

fn party_name(name: &str) -> String {
    let name = name.trim();
    if name.is_empty() {
        "Unnamed customer".into()
    } else {
        name.to_string()
    }
}

/// An amount as Tally reads it: two decimals, from the `Decimal`'s text.
fn amount(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Tally refuses a voucher whose debits and credits differ; better the
/// export refuses it first, naming it, than the import half-succeeds.
fn balanced(v: &Voucher) -> Result<()> {
    let sum = v
        .entries
        .iter()
        .try_fold(Decimal::ZERO, |s, e| s.checked_add(amount(e.amount)));
    match sum {
        Some(s) if s.is_zero() => Ok(()),
        _ => Err(HubError::Setup(format!(
            "the {} voucher {} of {} does not balance: its figures disagree with its lines",
            v.kind,
            v.number.as_deref().unwrap_or(""),
            v.date
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sync_core::body::{Document, Line, LineKind};
    use sync_core::ids::RecordId;

    fn invoice(name: &str, price: &str, total: &str) -> Filed {
        let date = Date::new(2026, 11, 3).unwrap();
        Filed {
            doc: Document {
                id: RecordId([1; 16]),
                doc_type: DocType::TaxInvoice,
                prefix: "JYN".into(),
                fy: 2026,
                seq: 7,
                number: "JYN/2627/00007".into(),
                date,
                supplier_gstin: "29ABCDE1234F1ZW".into(),
                supplier_state: "29".into(),
                customer: None,
                customer_name: name.into(),
                customer_gstin: None,
                customer_address: None,
                place_of_supply: "29".into(),
                job: None,
                lines: vec![Line {
                    id: RecordId([2; 16]),
                    kind: LineKind::Service,
                    item: None,
                    description: "Hinge repair".into(),
                    hsn_sac: "998713".into(),
                    qty: Decimal::ONE,
                    unit: "nos".into(),
                    unit_price: price.parse().unwrap(),
                    discount: Decimal::ZERO,
                    gst_rate: "18".parse().unwrap(),
                }],
                grand_total: total.parse().unwrap(),
                against: None,
                reason: None,
                transfer: None,
            },
            cancelled: false,
            original_total: None,
        }
    }

    #[test]
    fn a_sale_debits_the_customer_and_balances_through_the_round_off() {
        // 1234.50 @ 18 %: CGST = SGST = 111.105 → 111.11; 1456.72 → 1457.
        let f = invoice("Rao & Sons <Hubli>", "1234.50", "1457");
        let v = document(&f).unwrap();
        let got: Vec<(String, String, bool)> = v
            .entries
            .iter()
            .map(|e| (e.ledger.clone(), e.amount.to_string(), e.party))
            .collect();
        let want = [
            ("Rao & Sons <Hubli>", "-1457", true),
            ("Sales @18%", "1234.50", false),
            (CGST, "111.11", false),
            (SGST, "111.11", false),
            (ROUND_OFF, "0.28", false),
        ];
        let want: Vec<(String, String, bool)> = want
            .iter()
            .map(|(l, a, p)| (l.to_string(), a.to_string(), *p))
            .collect();
        assert_eq!(got, want);
        balanced(&v).unwrap();
        let period = Period::parse("112026").unwrap();
        let x = vouchers(
            "Shop",
            &f.doc.supplier_gstin,
            period,
            std::slice::from_ref(&f),
            &[],
            &[],
            &[],
        )
        .unwrap();
        assert!(x.contains("<PARTYLEDGERNAME>Rao &amp; Sons &lt;Hubli&gt;</PARTYLEDGERNAME>"));
        assert!(x.contains("<AMOUNT>-1457.00</AMOUNT>"), "{x}");
        assert!(x.contains("<DATE>20261103</DATE>"));
        assert!(x.contains("<PLACEOFSUPPLY>Karnataka</PLACEOFSUPPLY>"));
        // A total that disagrees with the lines is refused, not exported.
        let wrong = invoice("Rao", "1234.50", "1458");
        assert!(
            vouchers(
                "Shop",
                &f.doc.supplier_gstin,
                period,
                &[wrong],
                &[],
                &[],
                &[]
            )
            .is_err()
        );
    }
}

//! Goods follow the documents: the stock movements that go in the same
//! write as an invoice (goods leave), a credit note for goods returned or a
//! cancelled invoice (goods come back), and what of a job is still to bill.
//!
//! A part used on a job (`use on job`) has left stock already; its invoice
//! takes only what was billed beyond that. An invoice is never held up for
//! stock: what the invoicing device does not hold is recorded on the sale
//! as `short`, for a count to settle.

use std::collections::{BTreeMap, HashSet};

use rust_decimal::Decimal;
use sync_core::body::{Document, Line, LineKind, MovementKind, OpBody, StockMovement};
use sync_core::domain::invoice_no::DocType;
use sync_core::ids::{BranchId, DeviceId, RecordId};

use crate::error::Result;
use crate::node::new_id;
use crate::store::sales;

/// Per item, the goods on `lines`: part lines naming an item kept in stock.
fn goods(c: &rusqlite::Connection, lines: &[Line]) -> Result<BTreeMap<RecordId, Decimal>> {
    let mut out = BTreeMap::new();
    for (item, qty) in sync_core::domain::rules::goods_of(lines) {
        if sales::is_goods(c, item)? {
            *out.entry(item).or_insert(Decimal::ZERO) += qty;
        }
    }
    Ok(out)
}

fn movement(item: RecordId, qty: Decimal, movement: MovementKind) -> Result<OpBody> {
    Ok(OpBody::StockMoved(StockMovement {
        id: new_id()?,
        item,
        qty,
        movement,
        note: None,
    }))
}

/// The movements that go with `doc`, issued by `device`, in its write
/// (before `doc` is applied: the job's invoices read are the earlier ones).
/// A credit note puts goods back only when they came back (`restock`).
pub fn with_document(
    c: &rusqlite::Connection,
    branch: BranchId,
    device: DeviceId,
    doc: &Document,
    restock: bool,
) -> Result<Vec<OpBody>> {
    let mut out = vec![];
    if doc.transfer.is_some() {
        return Ok(out); // its goods went with the transfer
    }
    match doc.doc_type {
        DocType::TaxInvoice => {
            let (used, billed) = match doc.job {
                Some(job) => (
                    sales::job_used(c, job)?,
                    goods(c, &sales::job_invoiced_lines(c, job)?)?,
                ),
                None => Default::default(),
            };
            for (item, qty) in goods(c, &doc.lines)? {
                let used_unbilled = used
                    .get(&item)
                    .map(|u| *u - billed.get(&item).copied().unwrap_or_default())
                    .unwrap_or_default()
                    .max(Decimal::ZERO);
                let to_take = qty - used_unbilled.min(qty);
                if to_take.is_zero() {
                    continue;
                }
                let take = sales::held(c, branch, device, item)?
                    .max(Decimal::ZERO)
                    .min(to_take);
                out.push(movement(
                    item,
                    take,
                    MovementKind::Sale {
                        document: doc.id,
                        short: to_take - take,
                    },
                )?);
            }
        }
        DocType::CreditNote if restock => {
            for (item, qty) in goods(c, &doc.lines)? {
                out.push(movement(
                    item,
                    qty,
                    MovementKind::SaleReturn { document: doc.id },
                )?);
            }
        }
        DocType::CreditNote => {}
    }
    Ok(out)
}

/// The goods a cancelled invoice's sales took, back in stock (at the
/// cancelling device), in the cancellation's write.
pub fn with_cancellation(c: &rusqlite::Connection, document: RecordId) -> Result<Vec<OpBody>> {
    sales::taken_by(c, document)?
        .into_iter()
        .filter(|(_, q)| *q > Decimal::ZERO)
        .map(|(item, qty)| movement(item, qty, MovementKind::SaleReturn { document }))
        .collect()
}

/// What of a job is still to bill: its estimate lines not on a standing
/// invoice, and parts used beyond the estimate and not yet billed (priced
/// as used). `est` are the live estimate lines, `parts` (item, used, price)
/// in the order used.
pub fn job_unbilled(
    c: &rusqlite::Connection,
    job: RecordId,
    est: Vec<Line>,
    parts: Vec<(RecordId, Decimal, Decimal)>,
) -> Result<Vec<Line>> {
    let invoiced = sales::job_invoiced_lines(c, job)?;
    let on_invoice: HashSet<RecordId> = invoiced.iter().map(|l| l.id).collect();
    let estimate_ids: HashSet<RecordId> = est.iter().map(|l| l.id).collect();
    // A part on the estimate is what the customer approved, at that price;
    // using it on the job is the same part, not a second sale. Only what
    // was used beyond the estimate is billed as extra lines, once.
    let mut covered: BTreeMap<RecordId, Decimal> = BTreeMap::new();
    for l in &est {
        if let Some(item) = l.item {
            *covered.entry(item).or_default() += l.qty;
        }
    }
    for l in invoiced.iter().filter(|l| !estimate_ids.contains(&l.id)) {
        if let (Some(item), LineKind::Part) = (l.item, l.kind) {
            *covered.entry(item).or_default() += l.qty;
        }
    }
    let mut lines: Vec<Line> = est
        .into_iter()
        .filter(|l| !on_invoice.contains(&l.id))
        .collect();
    for (item, used, price) in parts {
        let cover = covered.entry(item).or_default();
        let qty = used - (*cover).min(used);
        *cover -= used.min(*cover);
        if qty.is_zero() {
            continue;
        }
        let (name, hsn, rate, _, unit) = crate::store::money::item_pricing(c, item)?;
        lines.push(Line {
            id: new_id()?,
            kind: LineKind::Part,
            item: Some(item),
            description: name,
            hsn_sac: hsn,
            qty,
            unit,
            unit_price: price,
            discount: Decimal::ZERO,
            gst_rate: rate,
        });
    }
    Ok(lines)
}

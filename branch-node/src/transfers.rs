//! Goods sent between branches, in two phases (sent, then received with
//! any variance). A transfer to a branch under another GSTIN is a supply
//! between distinct persons (CGST Act, Schedule I): it goes with a tax
//! invoice from the sending device's own series, in the same write as the
//! transfer, valued at the item's cost unless said otherwise, with the
//! e-way bill number when the goods are worth more than ₹50,000. Within one
//! GSTIN a transfer is no supply and has no invoice.

use rust_decimal::Decimal;
use serde::Deserialize;
use sync_core::body::{
    Document, Line, LineKind, MovementKind, OpBody, StockMovement, TransferBill,
};
use sync_core::domain::date::Date;
use sync_core::domain::gst;
use sync_core::domain::invoice_no::DocType;
use sync_core::ids::{BranchId, DeviceId, RecordId};

use crate::auth::Session;
use crate::error::{NodeError, Result};
use crate::inventory::{qty, store_device};
use crate::node::{Node, new_id, now_ms};
use crate::store::money::{self, TransferView};
use crate::store::read;

pub fn transfers(node: &Node, s: &Session) -> Result<Vec<TransferView>> {
    crate::services::own_branch(node, s)?;
    node.read(|c| money::transfers(c, node.branch))
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferOutInput {
    pub item: RecordId,
    #[serde(with = "rust_decimal::serde::str")]
    pub qty: Decimal,
    pub to_branch: BranchId,
    /// The receiving branch's store device (defaults to it).
    pub to_device: Option<DeviceId>,
    /// Per unit, before tax, for the invoice of a transfer to another
    /// GSTIN; the item's cost (or, without one, its sale price) if absent.
    #[serde(default, with = "rust_decimal::serde::str_option")]
    pub unit_value: Option<Decimal>,
    /// The e-way bill's number, for goods worth more than ₹50,000 going to
    /// another GSTIN.
    #[serde(default)]
    pub eway_bill: Option<String>,
}

pub fn transfer_out(node: &Node, s: &Session, i: TransferOutInput) -> Result<TransferView> {
    crate::services::own_branch(node, s)?;
    let to_device = match i.to_device {
        Some(d) => d,
        None => store_device(node, i.to_branch)?,
    };
    let q = qty("qty", i.qty)?;
    if let Some(v) = i.unit_value {
        sync_core::domain::money::check_amount("unit_value", v)?;
    }
    let transfer = new_id()?;
    let date = Date::from_unix_ms_ist(now_ms());
    let gstins = node.read(|c| {
        Ok((
            read::branch(c, node.branch)?.gstin,
            read::branch(c, i.to_branch)?.gstin,
        ))
    })?;
    if gstins.0 != gstins.1 {
        crate::billing::standalone_numbers(node, DocType::TaxInvoice, date)?;
    }
    node.write(s.user, |c| {
        let mut bodies = vec![OpBody::StockMoved(StockMovement {
            id: new_id()?,
            item: i.item,
            qty: q,
            movement: MovementKind::TransferOut {
                transfer,
                to_branch: i.to_branch,
                to_device,
            },
            note: None,
        })];
        let from = read::branch(c, node.branch)?;
        let to = read::branch(c, i.to_branch)?;
        if from.gstin != to.gstin {
            let bill = Bill {
                transfer,
                item: i.item,
                qty: q,
                unit_value: i.unit_value,
                eway_bill: i.eway_bill.clone(),
            };
            bodies.push(OpBody::DocumentIssued(invoice(
                c, node, &from, &to, bill, date,
            )?));
        }
        Ok(bodies)
    })?;
    find_transfer(node, transfer)
}

struct Bill {
    transfer: RecordId,
    item: RecordId,
    qty: Decimal,
    unit_value: Option<Decimal>,
    eway_bill: Option<String>,
}

/// The tax invoice of a transfer to `to`, numbered next in this device's
/// series inside the write that sends the goods.
fn invoice(
    c: &rusqlite::Connection,
    node: &Node,
    from: &read::BranchView,
    to: &read::BranchView,
    b: Bill,
    date: Date,
) -> Result<Document> {
    let (name, hsn, rate, sale_price, unit) = money::item_pricing(c, b.item)?;
    let value = match b.unit_value {
        Some(v) => v,
        None => Some(money::item_cost(c, b.item)?)
            .filter(|v| *v > Decimal::ZERO)
            .unwrap_or(sale_price),
    };
    let lines = vec![Line {
        id: new_id()?,
        kind: LineKind::Part,
        item: Some(b.item),
        description: name,
        hsn_sac: hsn,
        qty: b.qty,
        unit,
        unit_price: value,
        discount: Decimal::ZERO,
        gst_rate: rate,
    }];
    let pos = to.state_code.clone();
    let totals = gst::compute(&lines, gst::supply_for(&from.state_code, &pos))?;
    let eway_bill = b
        .eway_bill
        .map(|e| e.trim().replace(' ', ""))
        .filter(|e| !e.is_empty());
    let (prefix, series, n) =
        crate::billing::next_number(c, node, from, DocType::TaxInvoice, date)?;
    Ok(Document {
        id: new_id()?,
        doc_type: DocType::TaxInvoice,
        prefix,
        fy: series.fy,
        seq: n,
        number: series.format(n)?,
        date,
        supplier_gstin: from.gstin.clone(),
        supplier_state: from.state_code.clone(),
        customer: None,
        customer_name: to.name.clone(),
        customer_gstin: Some(to.gstin.clone()),
        customer_address: Some(to.address.clone()),
        place_of_supply: pos,
        job: None,
        lines,
        grand_total: totals.grand_total,
        against: None,
        reason: None,
        transfer: Some(TransferBill {
            transfer: b.transfer,
            eway_bill,
        }),
    })
}

fn find_transfer(node: &Node, id: RecordId) -> Result<TransferView> {
    node.read(|c| money::transfers(c, node.branch))?
        .into_iter()
        .find(|t| t.id == id)
        .ok_or_else(|| NodeError::NotFound(format!("transfer {id}")))
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferInInput {
    pub transfer: RecordId,
    /// Quantity actually received (may be less than sent; the variance is recorded).
    #[serde(with = "rust_decimal::serde::str")]
    pub received: Decimal,
}

pub fn transfer_in(node: &Node, s: &Session, i: TransferInInput) -> Result<TransferView> {
    crate::services::own_branch(node, s)?;
    let t = find_transfer(node, i.transfer)?;
    if i.received < Decimal::ZERO || i.received.normalize().scale() > 3 {
        return Err(NodeError::invalid(
            "received",
            "must not be negative, with at most 3 decimal places",
        ));
    }
    let sent: Decimal = t.sent.parse().unwrap_or_default();
    node.commit(
        s.user,
        OpBody::StockMoved(StockMovement {
            id: new_id()?,
            item: t.item,
            qty: i.received,
            movement: MovementKind::TransferIn {
                transfer: t.id,
                from_branch: t.from_branch,
                sent,
            },
            note: None,
        }),
    )?;
    find_transfer(node, i.transfer)
}

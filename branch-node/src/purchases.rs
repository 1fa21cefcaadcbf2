//! What the shop buys: a supplier's bill recorded with its goods coming
//! into stock in the same write (so stock and the bill never disagree),
//! payments to suppliers, and what is owed to each (payables). A bill's
//! tax is the input tax credit GSTR-3B's table 4 claims at the hub.

use rust_decimal::Decimal;
use serde::Deserialize;
use sync_core::body::{
    MovementKind, OpBody, PaymentMode, Purchase, StockMovement, SupplierPayment,
};
use sync_core::domain::date::Date;
use sync_core::domain::gst;
use sync_core::domain::roles::Action;
use sync_core::domain::validate;
use sync_core::ids::RecordId;

use crate::auth::Session;
use crate::error::{NodeError, Result};
use crate::node::{Node, new_id, now_ms};
use crate::services::LineInput;
use crate::store::purchases::{self, Payable, PurchaseView};
use crate::store::{read, sales};

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PurchaseInput {
    pub supplier_name: String,
    /// The supplier's GSTIN; absent for an unregistered supplier.
    #[serde(default)]
    pub supplier_gstin: Option<String>,
    /// The supplier's state code; from the GSTIN when absent (else ours).
    #[serde(default)]
    pub supplier_state: Option<String>,
    pub bill_number: String,
    pub bill_date: Date,
    /// The bill's lines; a line naming a catalogue item takes its HSN,
    /// rate and unit, at the price paid.
    pub lines: Vec<LineInput>,
    /// The total printed on the bill, to catch a line typed wrong.
    #[serde(default, with = "rust_decimal::serde::str_option")]
    pub grand_total: Option<Decimal>,
}

pub fn record(node: &Node, s: &Session, i: PurchaseInput) -> Result<PurchaseView> {
    crate::services::own_branch(node, s)?;
    s.require(Action::ManageInventory)?;
    let gstin = i
        .supplier_gstin
        .map(|g| g.trim().to_uppercase())
        .filter(|g| !g.is_empty());
    if let Some(g) = &gstin {
        validate::gstin("supplier_gstin", g)?;
    }
    let b = node.read(|c| read::branch(c, node.branch))?;
    let state = match (i.supplier_state, &gstin) {
        (Some(st), _) => st.trim().to_string(),
        (None, Some(g)) => g[..2].to_string(),
        (None, None) => b.state_code.clone(),
    };
    let name = i.supplier_name.trim().to_string();
    let number = i.bill_number.trim().to_string();
    validate::text("bill_number", &number, 1, 16)?;
    if node.read(|c| purchases::bill_recorded(c, node.branch, gstin.as_deref(), &name, &number))? {
        return Err(NodeError::invalid(
            "bill_number",
            format!("{name}'s bill {number} is already recorded"),
        ));
    }
    if i.lines.is_empty() {
        return Err(NodeError::invalid("lines", "a bill has at least one line"));
    }
    let id = new_id()?;
    node.write(s.user, |c| {
        let mut lines = vec![];
        for l in i.lines.clone() {
            lines.push(l.from_catalogue_on(c, new_id()?, i.bill_date)?);
        }
        let totals = gst::compute(&lines, gst::supply_for(&state, &b.state_code))?;
        if let Some(t) = i.grand_total
            && t != totals.grand_total
        {
            return Err(NodeError::invalid(
                "grand_total",
                format!(
                    "the bill says {t} but its lines add up to {}",
                    totals.grand_total
                ),
            ));
        }
        let mut goods = vec![];
        for l in &lines {
            if let Some(item) = l.item
                && sales::is_goods(c, item)?
            {
                goods.push(OpBody::StockMoved(StockMovement {
                    id: new_id()?,
                    item,
                    qty: l.qty,
                    movement: MovementKind::Receipt {
                        supplier: name.clone(),
                        reference: Some(number.clone()),
                    },
                    note: None,
                }));
            }
        }
        let mut bodies = vec![OpBody::PurchaseRecorded(Purchase {
            id,
            supplier_name: name.clone(),
            supplier_gstin: gstin.clone(),
            supplier_state: state.clone(),
            bill_number: number.clone(),
            bill_date: i.bill_date,
            lines,
            grand_total: totals.grand_total,
        })];
        bodies.extend(goods);
        Ok(bodies)
    })?;
    node.read(|c| purchases::purchase(c, id))
}

pub fn list(node: &Node, s: &Session) -> Result<Vec<PurchaseView>> {
    crate::services::own_branch(node, s)?;
    s.require(Action::ManageInventory)
        .or_else(|_| s.require(Action::ViewReports))?;
    node.read(|c| purchases::purchases(c, node.branch))
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SupplierPaymentInput {
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    pub mode: PaymentMode,
    #[serde(default)]
    pub reference: Option<String>,
    #[serde(default)]
    pub date: Option<Date>,
}

/// Pay a supplier against bill `purchase`: at most what is still owed.
pub fn pay(
    node: &Node,
    s: &Session,
    purchase: RecordId,
    i: SupplierPaymentInput,
) -> Result<PurchaseView> {
    crate::services::own_branch(node, s)?;
    node.read(|c| purchases::purchase(c, purchase))?;
    node.commit(
        s.user,
        OpBody::SupplierPaid(SupplierPayment {
            id: new_id()?,
            purchase,
            amount: i.amount,
            mode: i.mode,
            reference: i.reference.filter(|r| !r.trim().is_empty()),
            date: i.date.unwrap_or_else(|| Date::from_unix_ms_ist(now_ms())),
        }),
    )?;
    node.read(|c| purchases::purchase(c, purchase))
}

/// What the branch owes, per supplier.
pub fn payables(node: &Node, s: &Session) -> Result<Vec<Payable>> {
    crate::services::own_branch(node, s)?;
    s.require(Action::RecordPayments)
        .or_else(|_| s.require(Action::ViewReports))?;
    node.read(|c| purchases::payables(c, node.branch))
}

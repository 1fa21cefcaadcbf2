//! Stock at the branch: the catalogue, receipts, adjustments, issue to a
//! technician and return, use on a job, low stock and the ledger (transfers
//! between branches are [`crate::transfers`]'s). Every movement takes only from what this device holds (the
//! escrow rule, checked by the rule book before the op is signed).

use rust_decimal::Decimal;
use serde::Deserialize;
use sync_core::body::{Item, MovementKind, OpBody, StockMovement};
use sync_core::domain::roles::Action;
use sync_core::domain::validate;
use sync_core::ids::{BranchId, DeviceId, RecordId, UserId};

use crate::auth::Session;
use crate::error::{NodeError, Result};
use crate::node::{Node, new_id};
use crate::store::money::{self, DeviceView, ItemView, MovementView};

use crate::store::read;
pub use crate::transfers::{
    TransferInInput, TransferOutInput, transfer_in, transfer_out, transfers,
};

fn money_in(field: &str, d: Decimal) -> Result<Decimal> {
    sync_core::domain::money::check_amount(field, d)?;
    Ok(d)
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemInput {
    pub sku: String,
    pub name: String,
    pub hsn_sac: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub gst_rate: Decimal,
    #[serde(default = "pcs")]
    pub unit: String,
    #[serde(with = "rust_decimal::serde::str")]
    pub sale_price: Decimal,
    #[serde(default, with = "rust_decimal::serde::str")]
    pub cost: Decimal,
    #[serde(default, with = "rust_decimal::serde::str")]
    pub reorder_level: Decimal,
    #[serde(default)]
    pub is_service: bool,
}

fn pcs() -> String {
    "pcs".into()
}

pub fn create_item(node: &Node, s: &Session, i: ItemInput) -> Result<ItemView> {
    crate::services::own_branch(node, s)?;
    s.require(Action::ManageInventory)?;
    let id = new_id()?;
    let item = Item {
        id,
        sku: i.sku.trim().to_uppercase(),
        name: i.name.trim().to_string(),
        hsn_sac: i.hsn_sac.trim().to_string(),
        gst_rate: i.gst_rate,
        unit: i.unit.trim().to_string(),
        sale_price: money_in("sale_price", i.sale_price)?,
        cost: money_in("cost", i.cost)?,
        reorder_level: i.reorder_level,
        is_service: i.is_service,
    };
    if node.read(|c| read::sku_taken(c, &item.sku))? {
        return Err(NodeError::invalid(
            "sku",
            "another item already has this SKU",
        ));
    }
    node.commit(s.user, OpBody::ItemCreated(item))?;
    get_item(node, s, id)
}

pub fn get_item(node: &Node, s: &Session, id: RecordId) -> Result<ItemView> {
    crate::services::own_branch(node, s)?;
    node.read(|c| money::item(c, node.branch, node.device, id))
}

/// An item by its SKU, as a person types it at the counter, or by its id.
pub fn find_item(node: &Node, s: &Session, sku_or_id: &str) -> Result<ItemView> {
    if let Ok(id) = sku_or_id.parse::<RecordId>() {
        return get_item(node, s, id);
    }
    crate::services::own_branch(node, s)?;
    let sku = sku_or_id.trim();
    match node.read(|c| read::items_by_sku(c, node.branch, sku))?[..] {
        [id] => get_item(node, s, id),
        [] => Err(NodeError::invalid(
            "item",
            format!("no catalogue item has the SKU {sku}"),
        )),
        _ => Err(NodeError::invalid(
            "item",
            format!("several catalogue items have the SKU {sku}: give the item's id"),
        )),
    }
}

pub fn list_items(node: &Node, s: &Session, q: &str, low_only: bool) -> Result<Vec<ItemView>> {
    crate::services::own_branch(node, s)?;
    validate::text("q", q, 0, 100)?;
    let all = node.read(|c| money::items(c, node.branch, node.device, q.trim()))?;
    Ok(if low_only {
        all.into_iter().filter(|i| i.low_stock).collect()
    } else {
        all
    })
}

pub fn ledger(node: &Node, s: &Session, item: RecordId) -> Result<Vec<MovementView>> {
    crate::services::own_branch(node, s)?;
    node.read(|c| money::ledger(c, node.branch, item))
}

pub fn devices(node: &Node, s: &Session) -> Result<Vec<DeviceView>> {
    crate::services::own_branch(node, s)?;
    node.read(money::devices)
}

pub(crate) fn qty(field: &str, q: Decimal) -> Result<Decimal> {
    if q <= Decimal::ZERO || q.normalize().scale() > 3 {
        return Err(NodeError::invalid(
            field,
            "must be greater than 0 with at most 3 decimal places",
        ));
    }
    Ok(q)
}

fn movement(
    node: &Node,
    s: &Session,
    item: RecordId,
    q: Decimal,
    kind: MovementKind,
    note: Option<String>,
) -> Result<ItemView> {
    let m = StockMovement {
        id: new_id()?,
        item,
        qty: q,
        movement: kind,
        note: note.filter(|n| !n.trim().is_empty()),
    };
    if let Some(n) = &m.note {
        validate::text("note", n, 0, 500)?;
    }
    node.commit(s.user, OpBody::StockMoved(m))?;
    get_item(node, s, item)
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReceiptInput {
    pub item: RecordId,
    #[serde(with = "rust_decimal::serde::str")]
    pub qty: Decimal,
    pub supplier: String,
    pub reference: Option<String>,
    pub note: Option<String>,
}

pub fn receive(node: &Node, s: &Session, i: ReceiptInput) -> Result<ItemView> {
    crate::services::own_branch(node, s)?;
    validate::text("supplier", &i.supplier, 1, 200)?;
    if let Some(r) = &i.reference {
        validate::text("reference", r, 0, 100)?;
    }
    movement(
        node,
        s,
        i.item,
        qty("qty", i.qty)?,
        MovementKind::Receipt {
            supplier: i.supplier.trim().into(),
            reference: i.reference,
        },
        i.note,
    )
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdjustInput {
    pub item: RecordId,
    /// Signed: positive adds stock, negative removes it.
    #[serde(with = "rust_decimal::serde::str")]
    pub delta: Decimal,
    pub reason: String,
}

pub fn adjust(node: &Node, s: &Session, i: AdjustInput) -> Result<ItemView> {
    crate::services::own_branch(node, s)?;
    validate::text("reason", &i.reason, 1, 500)?;
    if i.delta.is_zero() {
        return Err(NodeError::invalid("delta", "must not be zero"));
    }
    movement(
        node,
        s,
        i.item,
        qty("delta", i.delta.abs())?,
        MovementKind::Adjustment {
            increase: i.delta > Decimal::ZERO,
            reason: i.reason.trim().into(),
        },
        None,
    )
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssueInput {
    pub item: RecordId,
    #[serde(with = "rust_decimal::serde::str")]
    pub qty: Decimal,
    pub technician: UserId,
    /// The technician's laptop that will hold the parts.
    pub to_device: DeviceId,
}

pub fn issue_to_technician(node: &Node, s: &Session, i: IssueInput) -> Result<ItemView> {
    crate::services::own_branch(node, s)?;
    movement(
        node,
        s,
        i.item,
        qty("qty", i.qty)?,
        MovementKind::IssueToTechnician {
            technician: i.technician,
            to_device: i.to_device,
        },
        None,
    )
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReturnInput {
    pub item: RecordId,
    #[serde(with = "rust_decimal::serde::str")]
    pub qty: Decimal,
    /// The store device (defaults to the branch's store).
    pub to_device: Option<DeviceId>,
}

pub fn return_to_store(node: &Node, s: &Session, i: ReturnInput) -> Result<ItemView> {
    crate::services::own_branch(node, s)?;
    let to = match i.to_device {
        Some(d) => d,
        None => store_device(node, node.branch)?,
    };
    movement(
        node,
        s,
        i.item,
        qty("qty", i.qty)?,
        MovementKind::ReturnToStore { to_device: to },
        None,
    )
}

pub fn store_device(node: &Node, branch: BranchId) -> Result<DeviceId> {
    node.read(money::devices)?
        .into_iter()
        .find(|d| d.branch == branch && d.holds_store && !d.revoked)
        .map(|d| d.id)
        .ok_or_else(|| NodeError::invalid("to_device", "that branch has no store device"))
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UseInput {
    pub job: RecordId,
    pub item: RecordId,
    #[serde(with = "rust_decimal::serde::str")]
    pub qty: Decimal,
    /// Defaults to the item's sale price.
    #[serde(default, with = "rust_decimal::serde::str_option")]
    pub unit_price: Option<Decimal>,
}

pub fn use_on_job(node: &Node, s: &Session, i: UseInput) -> Result<ItemView> {
    crate::services::own_branch(node, s)?;
    let price = match i.unit_price {
        Some(p) => money_in("unit_price", p)?,
        None => node.read(|c| money::item_pricing(c, i.item))?.3,
    };
    movement(
        node,
        s,
        i.item,
        qty("qty", i.qty)?,
        MovementKind::UseOnJob {
            job: i.job,
            unit_price: price,
        },
        None,
    )
}

//! The rules of stock: catalogue items, stock movements and the hub's
//! transfer announcements and receipts. A movement's escrow and transfer
//! checks read the same balances and transfers, so items, movements and
//! transfers are checked in one place.

use rust_decimal::Decimal;

use crate::body::{FieldWrite, Item, MovementKind, StockMovement, TransferNotice, TransferReceipt};
use crate::domain::invoice_no::DocType;
use crate::domain::roles::{Action, Role, require};
use crate::domain::stock::{check_escrow, check_movement, deltas};
use crate::domain::validate;
use crate::error::CoreError;
use crate::ids::{BranchId, DeviceId, RecordId};
use crate::op::Op;

use super::jobs::open_job;
use super::{DeviceInfo, RuleContext, check_writes};

/// The fields an update may write (`domain::fields`).
pub const ITEM_FIELDS: crate::domain::fields::Fields = crate::domain::fields::ITEM;

/// An edited item field holds what a new item's would (see `ItemCreated`).
fn item_field(field: &str, v: &crate::body::FieldValue, wall_ms: u64) -> Result<(), CoreError> {
    use crate::body::FieldValue;
    match (field, v) {
        ("name" | "hsn_sac" | "unit", FieldValue::Text(t)) => match field {
            "name" => validate::text("name", t, 1, 200),
            "unit" => validate::text("unit", t, 1, 10),
            _ => validate::hsn_sac("hsn_sac", t),
        },
        ("sale_price" | "cost", FieldValue::Decimal(d)) => {
            crate::domain::money::check_amount(field, *d)
        }
        ("reorder_level", FieldValue::Decimal(d)) if *d >= Decimal::ZERO => {
            crate::domain::stock::check_qty(field, *d)
        }
        ("gst_rate", FieldValue::Decimal(d)) => crate::domain::rates::check_at(field, *d, wall_ms),
        // Checked with its rate, in `item_updated`.
        ("next_gst_rate", FieldValue::Decimal(_)) => Ok(()),
        ("rate_from", FieldValue::Text(t)) => t
            .parse::<crate::domain::date::Date>()
            .map(|_| ())
            .map_err(|_| CoreError::invalid(field, "must be a date as YYYY-MM-DD")),
        _ => Err(CoreError::invalid(
            field,
            "is not a valid value for this item field",
        )),
    }
}

/// A rate scheduled from a day comes with its day, and is one in force on
/// that day (so 12 % cannot be scheduled after 22-09-2025).
fn scheduled_rate(writes: &[FieldWrite]) -> Result<(), CoreError> {
    use crate::body::FieldValue;
    let value = |f: &str| writes.iter().find(|w| w.field == f).map(|w| &w.value);
    match (value("next_gst_rate"), value("rate_from")) {
        (None, None) => Ok(()),
        (Some(FieldValue::Decimal(rate)), Some(FieldValue::Text(from))) => {
            let from: crate::domain::date::Date = from
                .parse()
                .map_err(|_| CoreError::invalid("rate_from", "must be a date as YYYY-MM-DD"))?;
            crate::domain::rates::check("next_gst_rate", *rate, from)
        }
        _ => Err(CoreError::invalid(
            "rate_from",
            "a scheduled rate and the day it applies from are set together",
        )),
    }
}

fn same_branch_device(
    ctx: &dyn RuleContext,
    d: DeviceId,
    branch: BranchId,
) -> Result<DeviceInfo, CoreError> {
    let info = ctx.device(d).ok_or(CoreError::UnknownDevice(d))?;
    if info.branch != branch || info.revoked {
        return Err(CoreError::invalid(
            "to_device",
            "must be an active device of this branch",
        ));
    }
    Ok(info)
}

pub(super) fn item_created(
    op: &Op,
    ctx: &dyn RuleContext,
    role: Role,
    i: &Item,
) -> Result<(), CoreError> {
    require(role, Action::ManageInventory)?;
    validate::text("sku", &i.sku, 1, 40)?;
    validate::text("name", &i.name, 1, 200)?;
    validate::text("unit", &i.unit, 1, 10)?;
    validate::hsn_sac("hsn_sac", &i.hsn_sac)?;
    crate::domain::money::check_amount("sale_price", i.sale_price)?;
    crate::domain::money::check_amount("cost", i.cost)?;
    if i.reorder_level < Decimal::ZERO {
        return Err(CoreError::invalid("reorder_level", "must not be negative"));
    }
    crate::domain::stock::check_qty("reorder_level", i.reorder_level)?;
    crate::domain::rates::check_at("gst_rate", i.gst_rate, op.hlc.wall_ms)?;
    if i.gst_rate < Decimal::ZERO || i.gst_rate > Decimal::from(100) {
        return Err(CoreError::invalid(
            "gst_rate",
            "must be a percentage between 0 and 100",
        ));
    }
    if ctx.record_exists(i.id) {
        return Err(CoreError::invalid("id", "record already exists"));
    }
    Ok(())
}

pub(super) fn item_updated(
    op: &Op,
    ctx: &dyn RuleContext,
    role: Role,
    item: &RecordId,
    writes: &[FieldWrite],
) -> Result<(), CoreError> {
    require(role, Action::ManageInventory)?;
    check_writes(writes, ITEM_FIELDS)?;
    for w in writes {
        item_field(&w.field, &w.value, op.hlc.wall_ms)?;
    }
    scheduled_rate(writes)?;
    match ctx.item_branch(*item) {
        None => return Err(CoreError::invalid("item", "unknown item")),
        Some(b) if b != op.branch => {
            return Err(CoreError::invalid(
                "item",
                "belongs to another branch or the shared catalogue; only its owner edits it",
            ));
        }
        Some(_) => {}
    }
    Ok(())
}

pub(super) fn stock_moved(
    op: &Op,
    ctx: &dyn RuleContext,
    role: Role,
    fresh: bool,
    dev: DeviceId,
    m: &StockMovement,
) -> Result<(), CoreError> {
    let action = match &m.movement {
        MovementKind::UseOnJob { .. } => Action::UseParts,
        MovementKind::Adjustment { .. } => Action::ManualStockAdjust,
        MovementKind::ReturnToStore { .. } => Action::UseParts,
        // Whoever bills the goods moves them with the invoice.
        MovementKind::Sale { .. } | MovementKind::SaleReturn { .. } => Action::CreateInvoices,
        _ => Action::ManageInventory,
    };
    require(role, action)?;
    check_movement(m, dev)?;
    // A reused movement id would be counted once on some replicas
    // and not at all on others: refuse it.
    if ctx.record_exists(m.id) {
        return Err(CoreError::invalid("id", "record already exists"));
    }
    if !ctx.item_exists(m.item) {
        return Err(CoreError::invalid("item", "unknown item"));
    }
    match &m.movement {
        MovementKind::UseOnJob { job, unit_price } => {
            open_job(ctx, *job, op.branch, fresh)?;
            crate::domain::money::check_amount("unit_price", *unit_price)?;
        }
        MovementKind::Sale { document, short } => {
            // Not "and not cancelled": a sale rides in its invoice's write,
            // and a replica may have taken another device's cancellation
            // of that invoice first; the honest sale must still be taken.
            goods_of_document(ctx, op, *document, m, m.qty + *short, |d| {
                d.doc_type == DocType::TaxInvoice
            })?;
        }
        MovementKind::SaleReturn { document } => {
            goods_of_document(ctx, op, *document, m, m.qty, |d| {
                d.doc_type == DocType::CreditNote || d.cancelled
            })?;
        }
        MovementKind::IssueToTechnician {
            technician,
            to_device,
        } => {
            let t = ctx
                .user(*technician)
                .ok_or_else(|| CoreError::invalid("technician", "unknown user"))?;
            if t.role != Role::Technician || t.branch != Some(op.branch) {
                return Err(CoreError::invalid(
                    "technician",
                    "must be a technician of this branch",
                ));
            }
            same_branch_device(ctx, *to_device, op.branch)?;
        }
        MovementKind::ReturnToStore { to_device } => {
            let d = same_branch_device(ctx, *to_device, op.branch)?;
            if !d.holds_store {
                return Err(CoreError::invalid(
                    "to_device",
                    "stock returns to the device that holds the branch store",
                ));
            }
        }
        MovementKind::TransferOut {
            transfer,
            to_branch,
            to_device,
        } => {
            if *to_branch == op.branch {
                return Err(CoreError::invalid(
                    "to_branch",
                    "a transfer goes to another branch",
                ));
            }
            let d = ctx
                .device(*to_device)
                .ok_or(CoreError::UnknownDevice(*to_device))?;
            if d.branch != *to_branch || !d.holds_store {
                return Err(CoreError::invalid(
                    "to_device",
                    "must be the store device of the receiving branch",
                ));
            }
            // Known already: refused, unless what is known is only the
            // hub's notice of this very transfer. A hub restored from a
            // backup can be given the notice back (by the receiving
            // branch) before the sender's re-sent transfer-out.
            if let Some(t) = ctx.transfer(*transfer)
                && (t.sent_out
                    || t.from_branch != op.branch
                    || t.to_branch != *to_branch
                    || t.receiver != *to_device
                    || t.item != m.item
                    || t.sent != m.qty)
            {
                return Err(CoreError::invalid("transfer", "transfer already exists"));
            }
        }
        MovementKind::TransferIn {
            transfer,
            from_branch,
            sent,
        } => {
            let t = ctx.transfer(*transfer).ok_or_else(|| {
                CoreError::invalid("transfer", "unknown transfer: it has not been sent yet")
            })?;
            if t.received {
                return Err(CoreError::invalid("transfer", "already received"));
            }
            if t.to_branch != op.branch {
                return Err(CoreError::invalid(
                    "transfer",
                    "is addressed to another branch; only its receiving store can take it in",
                ));
            }
            if t.from_branch != *from_branch || t.item != m.item || t.sent != *sent {
                return Err(CoreError::invalid(
                    "transfer",
                    "does not match what was sent",
                ));
            }
        }
        _ => {}
    }
    for d in deltas(m, op.branch, dev) {
        let receiver = match &m.movement {
            MovementKind::TransferIn { transfer, .. } => {
                ctx.transfer(*transfer).map(|t| t.receiver)
            }
            _ => None,
        };
        check_escrow(&d, dev, ctx.balance(d.branch, m.item, d.holder), receiver)?;
    }
    Ok(())
}

/// A sale or return moves only goods of its document, of this branch, at
/// most as many as the document carries: billing moves stock, it does not
/// adjust it.
fn goods_of_document(
    ctx: &dyn RuleContext,
    op: &Op,
    document: RecordId,
    m: &StockMovement,
    qty: Decimal,
    kind_fits: impl Fn(&super::DocInfo) -> bool,
) -> Result<(), CoreError> {
    let d = ctx
        .document(document)
        .ok_or_else(|| CoreError::invalid("document", "unknown document"))?;
    if d.branch != op.branch || !kind_fits(&d) {
        return Err(CoreError::invalid(
            "document",
            "goods leave with a tax invoice of this branch, and come back with its credit note or its cancellation",
        ));
    }
    let on_it = d
        .goods
        .iter()
        .filter(|(i, _)| *i == m.item)
        .map(|(_, q)| *q)
        .sum::<Decimal>();
    if qty > on_it {
        return Err(CoreError::invalid(
            "qty",
            format!("the document carries {on_it} of this item, not {qty}"),
        ));
    }
    Ok(())
}

pub(super) fn transfer_settled(op: &Op, role: Role, t: &TransferReceipt) -> Result<(), CoreError> {
    // Only the hub relays a receipt, into the sender's chain.
    require(role, Action::ManageUsers)?;
    if t.from_branch != op.branch || t.from_branch == t.to_branch {
        return Err(CoreError::invalid(
            "from_branch",
            "a receipt is relayed to the sending branch",
        ));
    }
    if t.received < Decimal::ZERO || t.received > t.sent {
        return Err(CoreError::invalid(
            "received",
            "must be between 0 and the quantity sent",
        ));
    }
    Ok(())
}

pub(super) fn transfer_announced(op: &Op, role: Role, t: &TransferNotice) -> Result<(), CoreError> {
    // Only the hub announces (its devices act as the owner).
    require(role, Action::ManageUsers)?;
    if t.to_branch != op.branch || t.from_branch == t.to_branch {
        return Err(CoreError::invalid(
            "to_branch",
            "an announcement goes to the receiving branch",
        ));
    }
    if t.sent <= Decimal::ZERO {
        return Err(CoreError::invalid("sent", "must be greater than 0"));
    }
    if t.item_detail.as_ref().is_some_and(|i| i.id != t.item) {
        return Err(CoreError::invalid(
            "item_detail",
            "must be the transferred item",
        ));
    }
    Ok(())
}

//! The rules of what the shop buys: a supplier's bill adds up, is taxed at
//! rates in force on its date, and names a real GSTIN of the state it says;
//! a payment to a supplier is against a bill of this branch and, when made,
//! not beyond what is still owed (two made offline at once are both taken:
//! the money left the till).

use rust_decimal::Decimal;

use crate::body::{Purchase, SupplierPayment};
use crate::domain::gst::{compute, supply_for};
use crate::domain::roles::{Action, Role, require};
use crate::domain::validate;
use crate::error::CoreError;
use crate::op::Op;

use super::RuleContext;

pub(super) fn purchase_recorded(
    op: &Op,
    ctx: &dyn RuleContext,
    role: Role,
    p: &Purchase,
) -> Result<(), CoreError> {
    require(role, Action::ManageInventory)?;
    let b = ctx
        .branch(op.branch)
        .ok_or_else(|| CoreError::invalid("branch", "unknown branch"))?;
    validate::text("supplier_name", &p.supplier_name, 1, 200)?;
    validate::state_code("supplier_state", &p.supplier_state)?;
    if let Some(g) = &p.supplier_gstin {
        validate::gstin("supplier_gstin", g)?;
        if !g.starts_with(&p.supplier_state) {
            return Err(CoreError::invalid(
                "supplier_state",
                "must be the state the supplier's GSTIN is of (its first two digits)",
            ));
        }
    }
    validate::text("bill_number", &p.bill_number, 1, 16)?;
    if p.lines.is_empty() {
        return Err(CoreError::invalid("lines", "a bill has at least one line"));
    }
    for (i, l) in p.lines.iter().enumerate() {
        crate::domain::rates::check(&format!("lines[{i}].gst_rate"), l.gst_rate, p.bill_date)?;
    }
    let totals = compute(&p.lines, supply_for(&p.supplier_state, &b.state_code))?;
    if totals.grand_total != p.grand_total {
        return Err(CoreError::invalid(
            "grand_total",
            format!(
                "is {} but the lines add up to {}",
                p.grand_total, totals.grand_total
            ),
        ));
    }
    if ctx.record_exists(p.id) {
        return Err(CoreError::invalid("id", "record already exists"));
    }
    Ok(())
}

pub(super) fn supplier_paid(
    op: &Op,
    ctx: &dyn RuleContext,
    role: Role,
    fresh: bool,
    p: &SupplierPayment,
) -> Result<(), CoreError> {
    require(role, Action::RecordPayments)?;
    crate::domain::money::check_amount("amount", p.amount)?;
    if p.amount <= Decimal::ZERO {
        return Err(CoreError::invalid("amount", "must be greater than 0"));
    }
    if let Some(r) = &p.reference {
        validate::text("reference", r, 0, 100)?;
    }
    let bill = ctx
        .purchase(p.purchase)
        .filter(|b| b.branch == op.branch)
        .ok_or_else(|| CoreError::invalid("purchase", "not a supplier's bill of this branch"))?;
    if fresh
        && bill
            .paid
            .checked_add(p.amount)
            .is_none_or(|t| t > bill.grand_total)
    {
        return Err(CoreError::invalid(
            "amount",
            format!(
                "is more than the {} still owed on this bill",
                bill.grand_total - bill.paid
            ),
        ));
    }
    if ctx.record_exists(p.id) {
        return Err(CoreError::invalid("id", "record already exists"));
    }
    Ok(())
}

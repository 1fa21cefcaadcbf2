//! The branch's stock as the accountant values it: what each holder has now
//! at the item's cost, and what went out (used on jobs, written off) over a
//! range of days.

use rusqlite::{Connection, params};
use rust_decimal::Decimal;
use sync_core::ids::BranchId;

use super::dec;
use crate::error::Result;

/// An item's balance with one holder: a device (the counter's store, a
/// technician's laptop) or in transit.
#[derive(Clone, Debug)]
pub struct BalanceRow {
    pub sku: String,
    pub item: String,
    pub unit: String,
    pub holder_kind: String,
    pub holder: Option<String>,
    pub holds_store: bool,
    pub qty: Decimal,
    pub cost: Decimal,
}

pub fn balances(c: &Connection, branch: BranchId) -> Result<Vec<BalanceRow>> {
    let mut stmt = c.prepare_cached(
        "SELECT i.sku, i.name, i.unit, s.holder_kind, d.label, coalesce(d.holds_store, 0), s.qty, i.cost
         FROM stock_balances s JOIN items i ON i.id = s.item LEFT JOIN devices d ON d.id = s.holder
         WHERE s.branch = ?1 ORDER BY i.sku, s.holder_kind, d.label",
    )?;
    let rows = stmt.query_map(params![&branch.0[..]], |r| {
        Ok(BalanceRow {
            sku: r.get(0)?,
            item: r.get(1)?,
            unit: r.get(2)?,
            holder_kind: r.get(3)?,
            holder: r.get(4)?,
            holds_store: r.get(5)?,
            qty: dec(r.get(6)?),
            cost: dec(r.get(7)?),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A movement out of stock: used on a job, or an adjustment.
#[derive(Clone, Debug)]
pub struct OutgoingRow {
    pub sku: String,
    pub item: String,
    pub unit: String,
    pub kind: String,
    pub qty: Decimal,
    pub cost: Decimal,
    pub job: Option<Vec<u8>>,
    /// The movement as signed (its unit price, an adjustment's direction).
    pub detail: String,
}

/// Uses on jobs and adjustments made at `from_ms` or later and before `to_ms`.
pub fn outgoing(
    c: &Connection,
    branch: BranchId,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<OutgoingRow>> {
    let mut stmt = c.prepare_cached(
        "SELECT i.sku, i.name, i.unit, m.kind, m.qty, i.cost, m.job, m.detail
         FROM stock_movements m JOIN items i ON i.id = m.item
         WHERE m.branch = ?1 AND m.kind IN ('use_on_job', 'adjustment') AND m.at >= ?2 AND m.at < ?3
         ORDER BY i.sku",
    )?;
    let rows = stmt.query_map(params![&branch.0[..], from_ms, to_ms], |r| {
        Ok(OutgoingRow {
            sku: r.get(0)?,
            item: r.get(1)?,
            unit: r.get(2)?,
            kind: r.get(3)?,
            qty: dec(r.get(4)?),
            cost: dec(r.get(5)?),
            job: r.get(6)?,
            detail: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

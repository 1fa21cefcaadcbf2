//! Stock valued at cost, holder by holder, and what went out over a range:
//! parts used on jobs (at cost and as billed) and stock written off.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;
use sheets::{Kind, Table};
use sync_core::body::{MovementKind, StockMovement};

use super::{Range, cell, plain, times, total};
use crate::error::Result;
use crate::node::Node;
use crate::store::reports::stock;

pub(super) fn valuation(node: &Node, title: &str) -> Result<Table> {
    use Kind::{Money, Text};
    let rows = node.read(|c| stock::balances(c, node.branch))?;
    let mut t = Table::new(
        "stock_valuation",
        title,
        &[
            ("sku", Text),
            ("item", Text),
            ("held_by", Text),
            ("qty", Kind::Decimal),
            ("unit", Text),
            ("unit_cost", Money),
            ("value", Money),
        ],
    );
    let mut values = vec![];
    for r in rows.into_iter().filter(|r| !r.qty.is_zero()) {
        let held_by = match (r.holder_kind.as_str(), r.holder) {
            ("transit", _) => "In transit".to_string(),
            (_, Some(label)) if r.holds_store => format!("Store ({label})"),
            (_, Some(label)) => label,
            (k, None) => k.to_string(),
        };
        let value = times(r.qty, r.cost)?;
        values.push(value);
        t.rows.push(vec![
            r.sku,
            r.item,
            held_by,
            plain(r.qty),
            r.unit,
            cell(r.cost),
            cell(value),
        ]);
    }
    let sum = total(values)?;
    t.rows.push(vec![
        "Total".into(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        cell(sum),
    ]);
    Ok(t)
}

/// One item's outgoings over the range.
#[derive(Default)]
struct Out {
    item: String,
    unit: String,
    used: Vec<Decimal>,
    jobs: BTreeSet<Vec<u8>>,
    used_cost: Vec<Decimal>,
    used_billed: Vec<Decimal>,
    written_off: Vec<Decimal>,
    written_off_cost: Vec<Decimal>,
}

pub(super) fn consumption(node: &Node, title: &str, range: Range) -> Result<Table> {
    use Kind::{Integer, Money, Text};
    let (from_ms, to_ms) = range.instants();
    let rows = node.read(|c| stock::outgoing(c, node.branch, from_ms, to_ms))?;
    let mut by: BTreeMap<String, Out> = BTreeMap::new();
    for r in rows {
        let o = by.entry(r.sku.clone()).or_default();
        o.item = r.item.clone();
        o.unit = r.unit.clone();
        let movement = serde_json::from_str::<StockMovement>(&r.detail).ok();
        match movement.map(|m| m.movement) {
            Some(MovementKind::UseOnJob { unit_price, .. }) => {
                o.used.push(r.qty);
                o.used_cost.push(times(r.qty, r.cost)?);
                o.used_billed.push(times(r.qty, unit_price)?);
                o.jobs.extend(r.job);
            }
            Some(MovementKind::Adjustment {
                increase: false, ..
            }) => {
                o.written_off.push(r.qty);
                o.written_off_cost.push(times(r.qty, r.cost)?);
            }
            _ => {}
        }
    }
    let mut t = Table::new(
        "consumption",
        title,
        &[
            ("sku", Text),
            ("item", Text),
            ("unit", Text),
            ("used_on_jobs", Kind::Decimal),
            ("jobs", Integer),
            ("used_at_cost", Money),
            ("used_as_billed", Money),
            ("written_off", Kind::Decimal),
            ("written_off_at_cost", Money),
        ],
    );
    let mut sums: [Vec<Decimal>; 3] = Default::default();
    for (sku, o) in by {
        let (cost, billed, off) = (
            total(o.used_cost)?,
            total(o.used_billed)?,
            total(o.written_off_cost)?,
        );
        for (s, x) in sums.iter_mut().zip([cost, billed, off]) {
            s.push(x);
        }
        t.rows.push(vec![
            sku,
            o.item,
            o.unit,
            plain(total(o.used)?),
            o.jobs.len().to_string(),
            cell(cost),
            cell(billed),
            plain(total(o.written_off)?),
            cell(off),
        ]);
    }
    let [cost, billed, off] = sums.map(total);
    t.rows.push(vec![
        "Total".into(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
        cell(cost?),
        cell(billed?),
        String::new(),
        cell(off?),
    ]);
    Ok(t)
}

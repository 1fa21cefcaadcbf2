//! Queries behind goods that follow the documents: what this device holds
//! of an item, which items are goods (not services), what of a job its live
//! invoices have billed, and what an invoice's sales took from stock.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension};
use rust_decimal::Decimal;
use sync_core::body::{Document, Line, MovementKind, StockMovement};
use sync_core::ids::{BranchId, DeviceId, RecordId};

use crate::error::Result;

/// What `device` holds of `item` in its own bucket.
pub fn held(c: &Connection, branch: BranchId, device: DeviceId, item: RecordId) -> Result<Decimal> {
    let q: Option<String> = c
        .prepare_cached(
            "SELECT qty FROM stock_balances WHERE branch = ?1 AND item = ?2 AND holder_kind = 'device' AND holder = ?3",
        )?
        .query_row([&branch.0[..], &item.0[..], &device.0[..]], |r| r.get(0))
        .optional()?;
    Ok(q.and_then(|q| q.parse().ok()).unwrap_or_default())
}

/// The item is kept in stock: known, and not a service.
pub fn is_goods(c: &Connection, item: RecordId) -> Result<bool> {
    Ok(
        c.prepare_cached("SELECT is_service FROM items WHERE id = ?1")?
            .query_row([&item.0[..]], |r| r.get::<_, bool>(0))
            .optional()?
            .is_some_and(|service| !service),
    )
}

/// The lines of the job's tax invoices that stand (not cancelled).
pub fn job_invoiced_lines(c: &Connection, job: RecordId) -> Result<Vec<Line>> {
    let mut stmt = c.prepare_cached(
        "SELECT body FROM documents WHERE job = ?1 AND doc_type = 'tax_invoice' AND cancelled = 0",
    )?;
    let bodies = stmt.query_map([&job.0[..]], |r| r.get::<_, String>(0))?;
    let mut lines = vec![];
    for b in bodies {
        if let Ok(d) = serde_json::from_str::<Document>(&b?) {
            lines.extend(d.lines);
        }
    }
    Ok(lines)
}

/// Per item, what was used on the job (`use on job`): stock already gone.
pub fn job_used(c: &Connection, job: RecordId) -> Result<BTreeMap<RecordId, Decimal>> {
    let mut stmt = c.prepare_cached(
        "SELECT item, qty FROM stock_movements WHERE job = ?1 AND kind = 'use_on_job'",
    )?;
    let rows = stmt.query_map([&job.0[..]], |r| {
        Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, String>(1)?))
    })?;
    let mut out = BTreeMap::new();
    for row in rows {
        let (item, qty) = row?;
        *out.entry(RecordId(super::to16(&item))).or_default() +=
            qty.parse::<Decimal>().unwrap_or_default();
    }
    Ok(out)
}

/// Per item, what the sales of `document` took from stock.
pub fn taken_by(c: &Connection, document: RecordId) -> Result<BTreeMap<RecordId, Decimal>> {
    let mut stmt = c.prepare_cached("SELECT detail FROM stock_movements WHERE kind = 'sale'")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let mut out = BTreeMap::new();
    for row in rows {
        let Ok(m) = serde_json::from_str::<StockMovement>(&row?) else {
            continue;
        };
        if matches!(m.movement, MovementKind::Sale { document: d, .. } if d == document) {
            *out.entry(m.item).or_default() += m.qty;
        }
    }
    Ok(out)
}

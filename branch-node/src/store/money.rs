//! Queries behind stock and billing: items with their balances, ledgers,
//! holdings, transfers, invoice drafts (device-local), documents, payments
//! and the device's leases.

use rusqlite::{Connection, OptionalExtension, params};
use rust_decimal::Decimal;
use serde::Serialize;
use sync_core::body::{Document, Lease, Line};
use sync_core::domain::invoice_no::DocType;
use sync_core::ids::{BranchId, DeviceId, RecordId, UserId};

pub use super::drafts::{Draft, delete_draft, draft, drafts, insert_draft};
use super::to16;
use crate::error::{NodeError, Result};

fn dec(s: Option<String>) -> Decimal {
    s.and_then(|s| s.parse().ok()).unwrap_or_default()
}

fn sum(c: &Connection, sql: &str, p: impl rusqlite::Params) -> Result<Decimal> {
    let mut stmt = c.prepare_cached(sql)?;
    let rows = stmt.query_map(p, |r| r.get::<_, String>(0))?;
    let mut t = Decimal::ZERO;
    for r in rows {
        t += r?.parse::<Decimal>().unwrap_or_default();
    }
    Ok(t)
}

#[derive(Clone, Debug, Serialize)]
pub struct ItemView {
    pub id: RecordId,
    pub sku: String,
    pub name: String,
    pub hsn_sac: String,
    pub gst_rate: String,
    pub unit: String,
    pub sale_price: String,
    pub cost: String,
    pub reorder_level: String,
    pub is_service: bool,
    /// Held by the branch store (the front desk).
    pub in_store: String,
    /// Held anywhere in the branch (store and technicians).
    pub in_branch: String,
    /// Sent from this branch and not yet received.
    pub in_transit: String,
    /// Held by this device.
    pub held_here: String,
    pub low_stock: bool,
}

pub fn items(c: &Connection, branch: BranchId, me: DeviceId, q: &str) -> Result<Vec<ItemView>> {
    let like = format!(
        "%{}%",
        q.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let ids: Vec<Vec<u8>> = c
        .prepare_cached("SELECT id FROM items WHERE name LIKE ?1 ESCAPE '\\' OR sku LIKE ?1 ESCAPE '\\' ORDER BY name LIMIT 500")?
        .query_map([like], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    ids.into_iter()
        .map(|id| item(c, branch, me, RecordId(to16(&id))))
        .collect()
}

pub fn item(c: &Connection, branch: BranchId, me: DeviceId, id: RecordId) -> Result<ItemView> {
    let b = &branch.0[..];
    let i = &id.0[..];
    let in_store = sum(
        c,
        "SELECT s.qty FROM stock_balances s JOIN devices d ON d.id = s.holder WHERE s.branch = ?1 AND s.item = ?2 AND s.holder_kind = 'device' AND d.holds_store = 1",
        params![b, i],
    )?;
    let in_branch = sum(
        c,
        "SELECT qty FROM stock_balances WHERE branch = ?1 AND item = ?2 AND holder_kind = 'device'",
        params![b, i],
    )?;
    let in_transit = sum(
        c,
        "SELECT qty FROM stock_balances WHERE branch = ?1 AND item = ?2 AND holder_kind = 'transit'",
        params![b, i],
    )?;
    let held_here = sum(
        c,
        "SELECT qty FROM stock_balances WHERE branch = ?1 AND item = ?2 AND holder_kind = 'device' AND holder = ?3",
        params![b, i, &me.0[..]],
    )?;
    c.prepare_cached("SELECT sku, name, hsn_sac, gst_rate, unit, sale_price, cost, reorder_level, is_service FROM items WHERE id = ?1")?
        .query_row([i], |r| {
            let reorder: String = r.get(7)?;
            let low = in_branch <= reorder.parse::<Decimal>().unwrap_or_default() && !r.get::<_, bool>(8)?;
            Ok(ItemView {
                id,
                sku: r.get(0)?,
                name: r.get(1)?,
                hsn_sac: r.get(2)?,
                gst_rate: r.get(3)?,
                unit: r.get(4)?,
                sale_price: r.get(5)?,
                cost: r.get(6)?,
                reorder_level: reorder,
                is_service: r.get(8)?,
                in_store: in_store.normalize().to_string(),
                in_branch: in_branch.normalize().to_string(),
                in_transit: in_transit.normalize().to_string(),
                held_here: held_here.normalize().to_string(),
                low_stock: low,
            })
        })
        .optional()?
        .ok_or_else(|| NodeError::NotFound(format!("item {id}")))
}

/// What an item is carried at (its cost), for valuing a transfer.
pub fn item_cost(c: &Connection, id: RecordId) -> Result<Decimal> {
    c.prepare_cached("SELECT cost FROM items WHERE id = ?1")?
        .query_row([&id.0[..]], |r| Ok(dec(r.get(0)?)))
        .optional()?
        .ok_or_else(|| NodeError::NotFound(format!("item {id}")))
}

/// Sale price, HSN/SAC, GST rate, unit and name of an item.
pub fn item_pricing(
    c: &Connection,
    id: RecordId,
) -> Result<(String, String, Decimal, Decimal, String)> {
    let today = sync_core::domain::date::Date::from_unix_ms_ist(crate::node::now_ms());
    item_pricing_on(c, id, today)
}

/// As [`item_pricing`], with the GST rate in force for the item on `on`:
/// a rate scheduled from a day applies from that day.
pub fn item_pricing_on(
    c: &Connection,
    id: RecordId,
    on: sync_core::domain::date::Date,
) -> Result<(String, String, Decimal, Decimal, String)> {
    c.prepare_cached(
        "SELECT name, hsn_sac,
                CASE WHEN rate_from IS NOT NULL AND next_gst_rate IS NOT NULL AND rate_from <= ?2
                     THEN next_gst_rate ELSE gst_rate END,
                sale_price, unit
           FROM items WHERE id = ?1",
    )?
    .query_row(params![&id.0[..], on.to_string()], |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            dec(r.get(2)?),
            dec(r.get(3)?),
            r.get(4)?,
        ))
    })
    .optional()?
    .ok_or_else(|| NodeError::NotFound(format!("item {id}")))
}

#[derive(Clone, Debug, Serialize)]
pub struct MovementView {
    pub id: RecordId,
    pub device: DeviceId,
    pub kind: String,
    pub qty: String,
    pub job: Option<RecordId>,
    pub to_device: Option<DeviceId>,
    pub transfer: Option<RecordId>,
    pub detail: serde_json::Value,
    pub at: u64,
    /// The movement in the shop's words: who, where, why.
    pub what: String,
}

pub fn ledger(c: &Connection, branch: BranchId, item: RecordId) -> Result<Vec<MovementView>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, device, kind, qty, job, to_device, transfer, detail, at FROM stock_movements WHERE item = ?1 AND (branch = ?2 OR transfer IN (SELECT id FROM transfers WHERE to_branch = ?2)) ORDER BY at, device, seq",
    )?;
    let rows = stmt.query_map(params![&item.0[..], &branch.0[..]], |r| {
        Ok(MovementView {
            id: RecordId(to16(&r.get::<_, Vec<u8>>(0)?)),
            device: DeviceId(to16(&r.get::<_, Vec<u8>>(1)?)),
            kind: r.get(2)?,
            qty: r.get(3)?,
            job: r.get::<_, Option<Vec<u8>>>(4)?.map(|b| RecordId(to16(&b))),
            to_device: r.get::<_, Option<Vec<u8>>>(5)?.map(|b| DeviceId(to16(&b))),
            transfer: r.get::<_, Option<Vec<u8>>>(6)?.map(|b| RecordId(to16(&b))),
            detail: serde_json::from_str(&r.get::<_, String>(7)?).unwrap_or_default(),
            at: r.get(8)?,
            what: String::new(),
        })
    })?;
    let mut out: Vec<MovementView> = rows.collect::<Result<_, _>>()?;
    for m in &mut out {
        m.what = describe(c, &m.detail)?;
    }
    Ok(out)
}

/// A stock movement as the ledger says it, with names for the ids.
fn describe(c: &Connection, detail: &serde_json::Value) -> Result<String> {
    use sync_core::body::{MovementKind, StockMovement};
    use sync_core::domain::money::format_inr;
    let Ok(m) = serde_json::from_value::<StockMovement>(detail.clone()) else {
        return Ok(String::new());
    };
    let name = |sql: &str, id: &[u8]| -> Result<String> {
        Ok(c.prepare_cached(sql)?
            .query_row([id], |r| r.get::<_, String>(0))
            .optional()?
            .unwrap_or_else(|| "unknown".into()))
    };
    let user = |u: &UserId| name("SELECT name FROM users WHERE id = ?1", &u.0);
    let device = |d: &DeviceId| name("SELECT label FROM devices WHERE id = ?1", &d.0);
    let branch = |b: &BranchId| name("SELECT name FROM branches WHERE id = ?1", &b.0);
    let mut what = match &m.movement {
        MovementKind::Receipt {
            supplier,
            reference,
        } => match reference {
            Some(r) => format!("Received from {supplier} (bill {r})"),
            None => format!("Received from {supplier}"),
        },
        MovementKind::IssueToTechnician {
            technician,
            to_device,
        } => {
            format!("Issued to {} on {}", user(technician)?, device(to_device)?)
        }
        MovementKind::ReturnToStore { to_device } => {
            format!("Returned to the store ({})", device(to_device)?)
        }
        MovementKind::UseOnJob { job, unit_price } => format!(
            "Used on job {} at ₹{}",
            name("SELECT job_no FROM jobs WHERE id = ?1", &job.0)?,
            format_inr(*unit_price)
        ),
        MovementKind::Sale { document, short } => {
            let number = name("SELECT number FROM documents WHERE id = ?1", &document.0)?;
            if short.is_zero() {
                format!("Sold on invoice {number}")
            } else {
                format!("Sold on invoice {number}; {short} more were sold than this device held")
            }
        }
        MovementKind::SaleReturn { document } => format!(
            "Back in stock with {}",
            name("SELECT number FROM documents WHERE id = ?1", &document.0)?
        ),
        MovementKind::Adjustment { increase, reason } => {
            format!(
                "Adjusted {} by a count: {reason}",
                if *increase { "up" } else { "down" }
            )
        }
        MovementKind::TransferOut {
            to_branch,
            to_device,
            ..
        } => {
            format!("Sent to {} ({})", branch(to_branch)?, device(to_device)?)
        }
        MovementKind::TransferIn {
            from_branch, sent, ..
        } => {
            let short = *sent - m.qty;
            if short > Decimal::ZERO {
                format!(
                    "Received from {}: {} of {} sent, {} short",
                    branch(from_branch)?,
                    m.qty,
                    sent,
                    short
                )
            } else {
                format!("Received from {}: all {} sent", branch(from_branch)?, sent)
            }
        }
    };
    if let Some(n) = m.note.as_deref().filter(|n| !n.trim().is_empty()) {
        what.push_str(" · ");
        what.push_str(n.trim());
    }
    Ok(what)
}

#[derive(Clone, Debug, Serialize)]
pub struct DeviceView {
    pub id: DeviceId,
    pub branch: BranchId,
    pub label: String,
    pub holds_store: bool,
    pub revoked: bool,
}

pub fn devices(c: &Connection) -> Result<Vec<DeviceView>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, branch, label, holds_store, revoked FROM devices ORDER BY label",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(DeviceView {
            id: DeviceId(to16(&r.get::<_, Vec<u8>>(0)?)),
            branch: BranchId(to16(&r.get::<_, Vec<u8>>(1)?)),
            label: r.get(2)?,
            holds_store: r.get(3)?,
            revoked: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[derive(Clone, Debug, Serialize)]
pub struct TransferView {
    pub id: RecordId,
    pub item: RecordId,
    pub from_branch: BranchId,
    pub to_branch: BranchId,
    pub receiver: DeviceId,
    pub sent: String,
    pub received: Option<String>,
    pub variance: Option<String>,
    pub sent_at: u64,
    pub received_at: Option<u64>,
    /// The tax invoice that bills it (a transfer to another GSTIN), as
    /// the sending branch knows it.
    pub invoice: Option<String>,
}

pub fn transfers(c: &Connection, branch: BranchId) -> Result<Vec<TransferView>> {
    let mut stmt = c.prepare_cached(
        "SELECT t.id, t.item, t.from_branch, t.to_branch, t.receiver, t.sent, t.received, t.variance, t.sent_at, t.received_at,
                (SELECT number FROM documents d WHERE d.transfer = t.id)
           FROM transfers t WHERE t.from_branch = ?1 OR t.to_branch = ?1 ORDER BY t.sent_at DESC",
    )?;
    let rows = stmt.query_map([&branch.0[..]], |r| {
        Ok(TransferView {
            id: RecordId(to16(&r.get::<_, Vec<u8>>(0)?)),
            item: RecordId(to16(&r.get::<_, Vec<u8>>(1)?)),
            from_branch: BranchId(to16(&r.get::<_, Vec<u8>>(2)?)),
            to_branch: BranchId(to16(&r.get::<_, Vec<u8>>(3)?)),
            receiver: DeviceId(to16(&r.get::<_, Vec<u8>>(4)?)),
            sent: r.get(5)?,
            received: r.get(6)?,
            variance: r.get(7)?,
            sent_at: r.get(8)?,
            received_at: r.get(9)?,
            invoice: r.get(10)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[derive(Clone, Debug, Serialize)]
pub struct DocumentView {
    #[serde(flatten)]
    pub doc: Document,
    pub branch: BranchId,
    pub device: DeviceId,
    pub taxable: String,
    pub cgst: String,
    pub sgst: String,
    pub igst: String,
    pub round_off: String,
    pub cancelled: bool,
    pub cancel_reason: Option<String>,
    pub paid: String,
    pub balance_due: String,
    /// The place of supply's state name.
    pub place_of_supply_name: Option<&'static str>,
    /// Its IRN and signed QR, once the hub has registered it at the IRP.
    pub einvoice: Option<super::read::EinvoiceView>,
}

fn document_row(c: &Connection, r: &rusqlite::Row<'_>) -> rusqlite::Result<DocumentView> {
    let doc: Document = serde_json::from_str(&r.get::<_, String>(0)?)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    let paid = sum(
        c,
        "SELECT amount FROM payments WHERE invoice = ?1",
        [&doc.id.0[..]],
    )
    .unwrap_or_default();
    let cancelled: bool = r.get(8)?;
    let due = if cancelled || doc.doc_type == DocType::CreditNote {
        Decimal::ZERO
    } else {
        doc.grand_total - paid
    };
    Ok(DocumentView {
        branch: BranchId(to16(&r.get::<_, Vec<u8>>(1)?)),
        device: DeviceId(to16(&r.get::<_, Vec<u8>>(2)?)),
        taxable: r.get(3)?,
        cgst: r.get(4)?,
        sgst: r.get(5)?,
        igst: r.get(6)?,
        round_off: r.get(7)?,
        cancelled,
        cancel_reason: r.get(9)?,
        paid: paid.to_string(),
        balance_due: due.to_string(),
        place_of_supply_name: sync_core::domain::states::state_name(&doc.place_of_supply),
        einvoice: super::read::einvoice(c, doc.id)?,
        doc,
    })
}

const DOC_COLS: &str =
    "body, branch, device, taxable, cgst, sgst, igst, round_off, cancelled, cancel_reason";

pub fn document(c: &Connection, id: RecordId) -> Result<DocumentView> {
    c.prepare_cached(&format!("SELECT {DOC_COLS} FROM documents WHERE id = ?1"))?
        .query_row([&id.0[..]], |r| document_row(c, r))
        .optional()?
        .ok_or_else(|| NodeError::NotFound(format!("document {id}")))
}

/// A branch's document by its printed number (`BLR1/2627/000003`): what a
/// person reads off the paper, where the id is what the software keeps.
pub fn document_by_number(c: &Connection, branch: BranchId, number: &str) -> Result<DocumentView> {
    c.prepare_cached(&format!(
        "SELECT {DOC_COLS} FROM documents WHERE branch = ?1 AND number = ?2 ORDER BY date, doc_type"
    ))?
    .query_row(params![&branch.0[..], number], |r| document_row(c, r))
    .optional()?
    .ok_or_else(|| NodeError::NotFound(format!("document {number}")))
}

pub fn documents(
    c: &Connection,
    branch: BranchId,
    job: Option<RecordId>,
    limit: u32,
) -> Result<Vec<DocumentView>> {
    let mut stmt = c.prepare_cached(&format!(
        "SELECT {DOC_COLS} FROM documents WHERE branch = ?1 AND (?2 IS NULL OR job = ?2) ORDER BY date DESC, prefix, seq DESC LIMIT ?3"
    ))?;
    let rows = stmt.query_map(
        params![&branch.0[..], job.map(|j| j.0.to_vec()), limit],
        |r| document_row(c, r),
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[derive(Clone, Debug, Serialize)]
pub struct PaymentView {
    pub id: RecordId,
    pub invoice: Option<RecordId>,
    pub job: Option<RecordId>,
    pub amount: String,
    pub mode: String,
    pub reference: Option<String>,
    pub date: String,
    pub at: u64,
}

pub fn payments(
    c: &Connection,
    branch: BranchId,
    invoice: Option<RecordId>,
    job: Option<RecordId>,
) -> Result<Vec<PaymentView>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, invoice, job, amount, mode, reference, date, at FROM payments WHERE branch = ?1 AND (?2 IS NULL OR invoice = ?2) AND (?3 IS NULL OR job = ?3) ORDER BY at",
    )?;
    let rows = stmt.query_map(
        params![
            &branch.0[..],
            invoice.map(|j| j.0.to_vec()),
            job.map(|j| j.0.to_vec())
        ],
        |r| {
            Ok(PaymentView {
                id: RecordId(to16(&r.get::<_, Vec<u8>>(0)?)),
                invoice: r.get::<_, Option<Vec<u8>>>(1)?.map(|b| RecordId(to16(&b))),
                job: r.get::<_, Option<Vec<u8>>>(2)?.map(|b| RecordId(to16(&b))),
                amount: r.get(3)?,
                mode: r.get(4)?,
                reference: r.get(5)?,
                date: r.get(6)?,
                at: r.get(7)?,
            })
        },
    )?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The device's leases of a series, and the highest number it has used.
pub fn series_usage(
    c: &Connection,
    device: DeviceId,
    prefix: &str,
    doc_type: DocType,
    fy: u16,
) -> Result<(Vec<Lease>, u64)> {
    let mut stmt = c.prepare_cached("SELECT id, first, last FROM leases WHERE device = ?1 AND prefix = ?2 AND doc_type = ?3 AND fy = ?4 ORDER BY first")?;
    let leases = stmt
        .query_map(params![&device.0[..], prefix, doc_type.as_str(), fy], |r| {
            Ok(Lease {
                id: RecordId(to16(&r.get::<_, Vec<u8>>(0)?)),
                device,
                doc_type,
                prefix: prefix.to_string(),
                fy,
                first: r.get(1)?,
                last: r.get(2)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let used: Option<u64> = c
        .prepare_cached("SELECT max(seq) FROM documents WHERE device = ?1 AND prefix = ?2 AND doc_type = ?3 AND fy = ?4")?
        .query_row(params![&device.0[..], prefix, doc_type.as_str(), fy], |r| r.get(0))?;
    Ok((leases, used.unwrap_or(0)))
}

/// Highest number leased to anyone in a series (for a standalone device's own grants).
pub fn series_high(c: &Connection, prefix: &str, doc_type: DocType, fy: u16) -> Result<u64> {
    let h: Option<u64> = c
        .prepare_cached(
            "SELECT max(last) FROM leases WHERE prefix = ?1 AND doc_type = ?2 AND fy = ?3",
        )?
        .query_row(params![prefix, doc_type.as_str(), fy], |r| r.get(0))?;
    Ok(h.unwrap_or(0))
}

pub fn all_leases(c: &Connection, device: DeviceId) -> Result<Vec<Lease>> {
    Ok(sqlite_replica::leases_of(c, device)?)
}

/// A part used on a job: (item, quantity, unit price).
pub type PartUse = (RecordId, Decimal, Decimal);

/// Estimate lines of a job (not removed) and the parts used on it, priced.
pub fn job_billable(c: &Connection, job: RecordId) -> Result<(Vec<Line>, Vec<PartUse>)> {
    let detail = super::read::job_detail(c, job)?;
    let lines = detail
        .estimate
        .into_iter()
        .filter(|l| !l.removed)
        .map(|l| l.line)
        .collect();
    let mut stmt = c.prepare_cached("SELECT item, qty, detail FROM stock_movements WHERE job = ?1 AND kind = 'use_on_job' ORDER BY at")?;
    let rows = stmt.query_map([&job.0[..]], |r| {
        Ok((
            r.get::<_, Vec<u8>>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut parts = vec![];
    for row in rows {
        let (item, qty, detail) = row?;
        let price = serde_json::from_str::<serde_json::Value>(&detail)
            .ok()
            .and_then(|v| {
                v["movement"]["unit_price"]
                    .as_str()
                    .and_then(|s| s.parse().ok())
            })
            .unwrap_or_default();
        parts.push((
            RecordId(to16(&item)),
            qty.parse().unwrap_or_default(),
            price,
        ));
    }
    Ok((lines, parts))
}

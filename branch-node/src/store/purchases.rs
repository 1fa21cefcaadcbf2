//! Reads of suppliers' bills and what is owed on them (SQL only here).

use rusqlite::{Connection, OptionalExtension, params};
use rust_decimal::Decimal;
use serde::Serialize;
use sync_core::ids::{BranchId, RecordId};

use super::to16;
use crate::error::{NodeError, Result};

fn dec(s: &str) -> Decimal {
    s.parse().unwrap_or_default()
}

/// Money as the accountant reads it: to the paisa.
fn rupees(d: Decimal) -> String {
    format!("{d:.2}")
}

/// A supplier's bill as the accountant reads it.
#[derive(Clone, Debug, Serialize)]
pub struct PurchaseView {
    pub id: RecordId,
    pub supplier_name: String,
    pub supplier_gstin: Option<String>,
    pub bill_number: String,
    pub bill_date: String,
    pub taxable: String,
    pub cgst: String,
    pub sgst: String,
    pub igst: String,
    pub grand_total: String,
    pub paid: String,
    pub due: String,
}

const VIEW: &str = "SELECT p.id, p.supplier_name, p.supplier_gstin, p.bill_number, p.bill_date, p.taxable, p.cgst, p.sgst, p.igst, p.grand_total,
        (SELECT group_concat(amount, ' ') FROM supplier_payments s WHERE s.purchase = p.id)
   FROM purchases p";

fn view(r: &rusqlite::Row) -> rusqlite::Result<PurchaseView> {
    let total: String = r.get(9)?;
    let paid: Decimal = r
        .get::<_, Option<String>>(10)?
        .unwrap_or_default()
        .split_whitespace()
        .map(dec)
        .fold(Decimal::ZERO, |a, b| a.checked_add(b).unwrap_or(a));
    Ok(PurchaseView {
        id: RecordId(to16(&r.get::<_, Vec<u8>>(0)?)),
        supplier_name: r.get(1)?,
        supplier_gstin: r.get(2)?,
        bill_number: r.get(3)?,
        bill_date: r.get(4)?,
        taxable: rupees(dec(&r.get::<_, String>(5)?)),
        cgst: rupees(dec(&r.get::<_, String>(6)?)),
        sgst: rupees(dec(&r.get::<_, String>(7)?)),
        igst: rupees(dec(&r.get::<_, String>(8)?)),
        due: rupees(dec(&total) - paid),
        paid: rupees(paid),
        grand_total: rupees(dec(&total)),
    })
}

pub fn purchase(c: &Connection, id: RecordId) -> Result<PurchaseView> {
    c.prepare_cached(&format!("{VIEW} WHERE p.id = ?1"))?
        .query_row([&id.0[..]], view)
        .optional()?
        .ok_or_else(|| NodeError::NotFound(format!("purchase {id}")))
}

/// The branch's bills, latest first.
pub fn purchases(c: &Connection, branch: BranchId) -> Result<Vec<PurchaseView>> {
    let mut stmt = c.prepare_cached(&format!(
        "{VIEW} WHERE p.branch = ?1 ORDER BY p.bill_date DESC, p.at DESC"
    ))?;
    let rows = stmt.query_map([&branch.0[..]], view)?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Is this supplier's bill (by GSTIN, or by name without one) recorded?
pub fn bill_recorded(
    c: &Connection,
    branch: BranchId,
    supplier_gstin: Option<&str>,
    supplier_name: &str,
    bill_number: &str,
) -> Result<bool> {
    Ok(c
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM purchases WHERE branch = ?1 AND bill_number = ?2
               AND (supplier_gstin = ?3 OR (?3 IS NULL AND supplier_gstin IS NULL AND supplier_name = ?4)))",
        )?
        .query_row(
            params![&branch.0[..], bill_number, supplier_gstin, supplier_name],
            |r| r.get(0),
        )?)
}

/// What the branch owes one supplier.
#[derive(Clone, Debug, Serialize)]
pub struct Payable {
    pub supplier_name: String,
    pub supplier_gstin: Option<String>,
    pub bills: usize,
    pub billed: String,
    pub paid: String,
    pub due: String,
    /// The date of the oldest bill not paid in full.
    pub oldest_unpaid: Option<String>,
}

/// Per supplier, what is owed, most owed first; suppliers paid up are left out.
pub fn payables(c: &Connection, branch: BranchId) -> Result<Vec<Payable>> {
    /// One supplier's running sums; what is due is derived at the end.
    struct Sums {
        name: String,
        gstin: Option<String>,
        bills: usize,
        billed: Decimal,
        paid: Decimal,
        oldest_unpaid: Option<String>,
    }
    // A registered supplier is one by GSTIN; an unregistered one by name.
    let mut by: std::collections::BTreeMap<(Option<String>, String), Sums> = Default::default();
    for p in purchases(c, branch)? {
        let name_key = if p.supplier_gstin.is_some() {
            String::new()
        } else {
            p.supplier_name.clone()
        };
        let e = by
            .entry((p.supplier_gstin.clone(), name_key))
            .or_insert_with(|| Sums {
                name: p.supplier_name.clone(),
                gstin: p.supplier_gstin.clone(),
                bills: 0,
                billed: Decimal::ZERO,
                paid: Decimal::ZERO,
                oldest_unpaid: None,
            });
        e.bills += 1;
        e.billed = e
            .billed
            .checked_add(dec(&p.grand_total))
            .unwrap_or(e.billed);
        e.paid = e.paid.checked_add(dec(&p.paid)).unwrap_or(e.paid);
        if dec(&p.due) > Decimal::ZERO && e.oldest_unpaid.as_ref().is_none_or(|o| p.bill_date < *o)
        {
            e.oldest_unpaid = Some(p.bill_date.clone());
        }
    }
    let mut out: Vec<(Decimal, Payable)> = by
        .into_values()
        .map(|e| (e.billed - e.paid, e))
        .filter(|(due, _)| !due.is_zero())
        .map(|(due, e)| {
            let p = Payable {
                supplier_name: e.name,
                supplier_gstin: e.gstin,
                bills: e.bills,
                billed: rupees(e.billed),
                paid: rupees(e.paid),
                due: rupees(due),
                oldest_unpaid: e.oldest_unpaid,
            };
            (due, p)
        })
        .collect();
    out.sort_by_key(|(due, _)| std::cmp::Reverse(*due));
    Ok(out.into_iter().map(|(_, p)| p).collect())
}

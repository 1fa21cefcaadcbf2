//! The rows behind the branch's own reports (`crate::reports`): one day's
//! payments and documents and the invoices still owed here; sales, jobs and
//! stock in their own modules. Amounts come out as `Decimal` from their
//! stored strings; the sums are the caller's, checked.

pub mod jobs;
pub mod sales;
pub mod stock;

use rusqlite::{Connection, params};
use rust_decimal::Decimal;
use sync_core::ids::{BranchId, RecordId};

use crate::error::Result;
use crate::store::to16;

/// One payment taken, with the invoice it was against.
#[derive(Clone, Debug, serde::Serialize)]
pub struct PaymentRow {
    pub invoice_number: Option<String>,
    pub customer_name: Option<String>,
    #[serde(with = "rust_decimal::serde::str")]
    pub amount: Decimal,
    pub mode: String,
    pub reference: Option<String>,
    pub at: u64,
}

pub(crate) fn dec(s: String) -> Decimal {
    s.parse().unwrap_or_default()
}

/// The payments of the branch dated `date` (YYYY-MM-DD), in the order taken.
pub fn payments_on(c: &Connection, branch: BranchId, date: &str) -> Result<Vec<PaymentRow>> {
    let mut stmt = c.prepare_cached(
        "SELECT d.number, d.customer_name, p.amount, p.mode, p.reference, p.at
         FROM payments p LEFT JOIN documents d ON d.id = p.invoice
         WHERE p.branch = ?1 AND p.date = ?2 ORDER BY p.at",
    )?;
    let rows = stmt.query_map(params![&branch.0[..], date], |r| {
        Ok(PaymentRow {
            invoice_number: r.get(0)?,
            customer_name: r.get(1)?,
            amount: dec(r.get(2)?),
            mode: r.get(3)?,
            reference: r.get(4)?,
            at: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The grand totals of the branch's documents of one type dated `date`,
/// not cancelled.
pub fn document_totals_on(
    c: &Connection,
    branch: BranchId,
    date: &str,
    doc_type: &str,
) -> Result<Vec<Decimal>> {
    let mut stmt = c.prepare_cached(
        "SELECT grand_total FROM documents WHERE branch = ?1 AND date = ?2 AND doc_type = ?3 AND cancelled = 0",
    )?;
    let rows = stmt.query_map(params![&branch.0[..], date, doc_type], |r| {
        Ok(dec(r.get(0)?))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A tax invoice with what was paid against it and credited back.
#[derive(Clone, Debug)]
pub struct InvoiceOwed {
    pub id: RecordId,
    pub number: String,
    pub date: String,
    pub customer_name: String,
    pub grand_total: Decimal,
    pub paid: Vec<Decimal>,
    pub credited: Vec<Decimal>,
}

/// Every tax invoice of the branch, not cancelled, dated on or before
/// `as_of`, with its payments and credit notes.
pub fn invoices_to(c: &Connection, branch: BranchId, as_of: &str) -> Result<Vec<InvoiceOwed>> {
    let mut stmt = c.prepare_cached(
        "SELECT id, number, date, customer_name, grand_total FROM documents
         WHERE branch = ?1 AND doc_type = 'tax_invoice' AND cancelled = 0 AND date <= ?2
         ORDER BY date, prefix, seq",
    )?;
    let rows = stmt.query_map(params![&branch.0[..], as_of], |r| {
        Ok(InvoiceOwed {
            id: RecordId(to16(&r.get::<_, Vec<u8>>(0)?)),
            number: r.get(1)?,
            date: r.get(2)?,
            customer_name: r.get(3)?,
            grand_total: dec(r.get(4)?),
            paid: vec![],
            credited: vec![],
        })
    })?;
    let mut out: Vec<InvoiceOwed> = rows.collect::<Result<_, _>>()?;
    let mut paid = c.prepare_cached("SELECT amount FROM payments WHERE invoice = ?1")?;
    let mut credited = c.prepare_cached(
        "SELECT grand_total FROM documents WHERE against = ?1 AND doc_type = 'credit_note' AND cancelled = 0",
    )?;
    for i in &mut out {
        i.paid = paid
            .query_map([&i.id.0[..]], |r| Ok(dec(r.get(0)?)))?
            .collect::<Result<_, _>>()?;
        i.credited = credited
            .query_map([&i.id.0[..]], |r| Ok(dec(r.get(0)?)))?
            .collect::<Result<_, _>>()?;
    }
    Ok(out)
}

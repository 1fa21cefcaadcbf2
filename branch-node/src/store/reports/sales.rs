//! What the branch billed over a range of days: its documents, and their
//! lines by GST rate. Cancelled documents keep their numbers but bill
//! nothing, so they are left out here (the documents-issued return counts
//! them).

use rusqlite::{Connection, params};
use rust_decimal::Decimal;
use sync_core::ids::BranchId;

use super::dec;
use crate::error::Result;

/// A tax invoice or credit note, not cancelled.
#[derive(Clone, Debug)]
pub struct DocumentRow {
    pub date: String,
    pub doc_type: String,
    pub taxable: Decimal,
    pub tax: [Decimal; 3],
    pub grand_total: Decimal,
}

/// The branch's documents dated `from` to `to` (YYYY-MM-DD, both in).
pub fn documents(
    c: &Connection,
    branch: BranchId,
    from: &str,
    to: &str,
) -> Result<Vec<DocumentRow>> {
    let mut stmt = c.prepare_cached(
        "SELECT date, doc_type, taxable, cgst, sgst, igst, grand_total FROM documents
         WHERE branch = ?1 AND cancelled = 0 AND date BETWEEN ?2 AND ?3 ORDER BY date, prefix, seq",
    )?;
    let rows = stmt.query_map(params![&branch.0[..], from, to], |r| {
        Ok(DocumentRow {
            date: r.get(0)?,
            doc_type: r.get(1)?,
            taxable: dec(r.get(2)?),
            tax: [dec(r.get(3)?), dec(r.get(4)?), dec(r.get(5)?)],
            grand_total: dec(r.get(6)?),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// One line of a document, with the tax computed on it.
#[derive(Clone, Debug)]
pub struct TaxLineRow {
    pub doc_type: String,
    pub gst_rate: Decimal,
    pub taxable: Decimal,
    pub tax: [Decimal; 3],
}

/// The lines of the branch's documents dated `from` to `to`.
pub fn tax_lines(
    c: &Connection,
    branch: BranchId,
    from: &str,
    to: &str,
) -> Result<Vec<TaxLineRow>> {
    let mut stmt = c.prepare_cached(
        "SELECT d.doc_type, l.gst_rate, l.taxable, l.cgst, l.sgst, l.igst
         FROM document_lines l JOIN documents d ON d.id = l.document
         WHERE d.branch = ?1 AND d.cancelled = 0 AND d.date BETWEEN ?2 AND ?3",
    )?;
    let rows = stmt.query_map(params![&branch.0[..], from, to], |r| {
        Ok(TaxLineRow {
            doc_type: r.get(0)?,
            gst_rate: dec(r.get(1)?),
            taxable: dec(r.get(2)?),
            tax: [dec(r.get(3)?), dec(r.get(4)?), dec(r.get(5)?)],
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

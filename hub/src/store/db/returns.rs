//! What the GST returns and the Tally export read: a GSTIN's documents
//! between two days (with, for a credit note, its invoice's total), the
//! lease blocks of its series with the day each block's device was
//! retired, and the payments its branches received. One set of queries
//! for both engines; the returns themselves are `crate::returns`.

use sqlite_replica::{SqlExt, p, to16};
use sync_core::body::Document;
use sync_core::domain::date::Date;
use sync_core::domain::invoice_no::DocType;
use sync_core::ids::DeviceId;

use super::HubDb;
use crate::error::Result;
use crate::returns::{Block, Bought, Filed, Inward, PaidOut, Received};

pub(super) fn documents(hub: &HubDb, gstin: &str, from: Date, to: Date) -> Result<Vec<Filed>> {
    hub.read(|c| {
        let rows = c.all(
            "SELECT d.body, d.cancelled, x.grand_total FROM documents d JOIN branches b ON b.id = d.branch
               LEFT JOIN documents x ON x.id = d.against
              WHERE b.gstin = ?1 AND d.date >= ?2 AND d.date <= ?3 ORDER BY d.prefix, d.fy, d.seq",
            p![gstin, from.to_string(), to.to_string()],
            |r| {
                Ok((
                    r.get::<String>(0)?,
                    r.get::<bool>(1)?,
                    r.get::<Option<String>>(2)?,
                ))
            },
        )?;
        Ok(rows
            .into_iter()
            .filter_map(|(body, cancelled, original)| {
                Some(Filed {
                    doc: serde_json::from_str::<Document>(&body).ok()?,
                    cancelled,
                    original_total: original.and_then(|t| t.parse().ok()),
                })
            })
            .collect())
    })
}

pub(super) fn receipts(hub: &HubDb, gstin: &str, from: Date, to: Date) -> Result<Vec<Received>> {
    hub.read(|c| {
        // The party is the one the invoice names (what its sale was booked
        // to); an advance on a job has no invoice yet, so the job's customer.
        let rows = c.all(
            "SELECT p.date, p.amount, p.mode, p.reference, d.number, d.customer_name, j.job_no, cu.name
               FROM payments p JOIN branches b ON b.id = p.branch
               LEFT JOIN documents d ON d.id = p.invoice
               LEFT JOIN jobs j ON j.id = p.job
               LEFT JOIN customers cu ON cu.id = j.customer
              WHERE b.gstin = ?1 AND p.date >= ?2 AND p.date <= ?3 ORDER BY p.date, p.at, p.id",
            p![gstin, from.to_string(), to.to_string()],
            |r| {
                Ok((
                    r.get::<String>(0)?,
                    r.get::<String>(1)?,
                    r.get::<String>(2)?,
                    r.get::<Option<String>>(3)?,
                    r.get::<Option<String>>(4)?,
                    r.get::<Option<String>>(5)?,
                    r.get::<Option<String>>(6)?,
                    r.get::<Option<String>>(7)?,
                ))
            },
        )?;
        Ok(rows
            .into_iter()
            .filter_map(|(date, amount, mode, reference, invoice, billed_to, job, customer)| {
                Some(Received {
                    date: date.parse().ok()?,
                    amount: amount.parse().ok()?,
                    mode: serde_json::from_value(serde_json::Value::String(mode)).ok()?,
                    reference,
                    party: billed_to.or(customer).unwrap_or_default(),
                    invoice,
                    job,
                })
            })
            .collect())
    })
}

pub(super) fn blocks(hub: &HubDb, gstin: &str) -> Result<Vec<Block>> {
    hub.read(|c| {
        let retired: Vec<(String, i64)> = c.all(
            "SELECT record, at FROM audit WHERE kind = 'device_revoked' AND record IS NOT NULL",
            p![],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let rows = c.all(
            "SELECT l.doc_type, l.prefix, l.fy, l.first, l.last, l.device FROM leases l
               JOIN devices dv ON dv.id = l.device JOIN branches b ON b.id = dv.branch
              WHERE b.gstin = ?1 ORDER BY l.prefix, l.fy, l.first",
            p![gstin],
            |r| {
                Ok((
                    r.get::<String>(0)?,
                    r.get::<String>(1)?,
                    r.get::<i64>(2)?,
                    r.get::<i64>(3)?,
                    r.get::<i64>(4)?,
                    r.get::<Vec<u8>>(5)?,
                ))
            },
        )?;
        Ok(rows
            .into_iter()
            .filter_map(|(t, prefix, fy, first, last, device)| {
                let device = DeviceId(to16(&device)).to_string();
                Some(Block {
                    doc_type: DocType::parse(&t)?,
                    prefix,
                    fy: u16::try_from(fy).ok()?,
                    first: u64::try_from(first).ok()?,
                    last: u64::try_from(last).ok()?,
                    retired_on: retired
                        .iter()
                        .filter(|(d, _)| *d == device)
                        .map(|(_, at)| Date::from_unix_ms_ist(*at as u64))
                        .min(),
                })
            })
            .collect())
    })
}

pub(super) fn gstins(hub: &HubDb) -> Result<Vec<String>> {
    hub.read(|c| {
        Ok(c.all(
            "SELECT DISTINCT gstin FROM branches ORDER BY gstin",
            p![],
            |r| r.get(0),
        )?)
    })
}

/// What a GSTIN's branches took in on a registered supplier's tax invoice,
/// dated from `from` to `to`: suppliers' bills with a GSTIN, and the tax
/// invoices of goods another of the business's GSTINs sent it (a transfer
/// between distinct persons is a supply to the receiver too).
pub(super) fn inward(hub: &HubDb, gstin: &str, from: Date, to: Date) -> Result<Vec<Inward>> {
    hub.read(|c| {
        let mut rows = c.all(
            "SELECT p.supplier_gstin, p.bill_number, p.bill_date, p.taxable, p.igst, p.cgst, p.sgst
               FROM purchases p JOIN branches b ON b.id = p.branch
              WHERE b.gstin = ?1 AND p.supplier_gstin IS NOT NULL AND p.bill_date >= ?2 AND p.bill_date <= ?3
              ORDER BY p.bill_date, p.id",
            p![gstin, from.to_string(), to.to_string()],
            inward_row,
        )?;
        rows.extend(c.all(
            "SELECT b.gstin, d.number, d.date, d.taxable, d.igst, d.cgst, d.sgst
               FROM documents d JOIN branches b ON b.id = d.branch
              WHERE d.customer_gstin = ?1 AND d.transfer IS NOT NULL AND d.cancelled = 0
                AND d.date >= ?2 AND d.date <= ?3
              ORDER BY d.date, d.number",
            p![gstin, from.to_string(), to.to_string()],
            inward_row,
        )?);
        Ok(rows)
    })
}

fn inward_row(r: &sqlite_replica::sql::Row) -> sqlite_replica::Result<Inward> {
    let d = |i: usize| -> sqlite_replica::Result<rust_decimal::Decimal> {
        Ok(r.get::<String>(i)?.parse().unwrap_or_default())
    };
    Ok(Inward {
        supplier_gstin: r.get(0)?,
        number: r.get(1)?,
        date: r.get(2)?,
        taxable: d(3)?,
        igst: d(4)?,
        cgst: d(5)?,
        sgst: d(6)?,
    })
}

pub(super) fn purchases(hub: &HubDb, gstin: &str, from: Date, to: Date) -> Result<Vec<Bought>> {
    hub.read(|c| {
        let rows = c.all(
            "SELECT p.body, b.state_code FROM purchases p JOIN branches b ON b.id = p.branch
              WHERE b.gstin = ?1 AND p.bill_date >= ?2 AND p.bill_date <= ?3
              ORDER BY p.bill_date, p.bill_number, p.id",
            p![gstin, from.to_string(), to.to_string()],
            |r| Ok((r.get::<String>(0)?, r.get::<String>(1)?)),
        )?;
        Ok(rows
            .into_iter()
            .filter_map(|(body, our_state)| {
                Some(Bought {
                    purchase: serde_json::from_str(&body).ok()?,
                    our_state,
                })
            })
            .collect())
    })
}

pub(super) fn supplier_payments(
    hub: &HubDb,
    gstin: &str,
    from: Date,
    to: Date,
) -> Result<Vec<PaidOut>> {
    hub.read(|c| {
        let rows = c.all(
            "SELECT p.supplier_name, p.bill_number, s.amount, s.mode, s.reference, s.date
               FROM supplier_payments s JOIN purchases p ON p.id = s.purchase
               JOIN branches b ON b.id = s.branch
              WHERE b.gstin = ?1 AND s.date >= ?2 AND s.date <= ?3 ORDER BY s.date, s.id",
            p![gstin, from.to_string(), to.to_string()],
            |r| {
                Ok((
                    r.get::<String>(0)?,
                    r.get::<String>(1)?,
                    r.get::<String>(2)?,
                    r.get::<String>(3)?,
                    r.get::<Option<String>>(4)?,
                    r.get::<String>(5)?,
                ))
            },
        )?;
        Ok(rows
            .into_iter()
            .filter_map(|(supplier, bill_number, amount, mode, reference, date)| {
                Some(PaidOut {
                    supplier,
                    bill_number,
                    amount: amount.parse().ok()?,
                    mode: serde_json::from_value(serde_json::Value::String(mode)).ok()?,
                    reference,
                    date: date.parse().ok()?,
                })
            })
            .collect())
    })
}

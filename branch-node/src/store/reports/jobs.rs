//! The branch's jobs as the manager counts them: what is still open, and
//! who delivered what, with what it billed.

use rusqlite::{Connection, params};
use rust_decimal::Decimal;
use sync_core::ids::{BranchId, RecordId};

use super::dec;
use crate::error::Result;
use crate::store::to16;

/// A job not yet delivered or cancelled.
#[derive(Clone, Debug)]
pub struct OpenJobRow {
    pub job_no: String,
    pub customer: String,
    pub device: String,
    pub status: String,
    pub technician: Option<String>,
    pub opened_at: u64,
    pub promised: Option<String>,
}

pub fn open_jobs(c: &Connection, branch: BranchId) -> Result<Vec<OpenJobRow>> {
    let mut stmt = c.prepare_cached(
        "SELECT j.job_no, c.name, trim(j.brand || ' ' || j.model), j.status, u.name, j.opened_at, j.promised
         FROM jobs j JOIN customers c ON c.id = j.customer LEFT JOIN users u ON u.id = j.technician
         WHERE j.branch = ?1 AND j.status NOT IN ('delivered', 'cancelled')
         ORDER BY j.opened_at, j.job_no",
    )?;
    let rows = stmt.query_map(params![&branch.0[..]], |r| {
        Ok(OpenJobRow {
            job_no: r.get(0)?,
            customer: r.get(1)?,
            device: r.get(2)?,
            status: r.get(3)?,
            technician: r.get(4)?,
            opened_at: r.get(5)?,
            promised: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// A job delivered between two instants, with its technician.
#[derive(Clone, Debug)]
pub struct DeliveredRow {
    pub job: RecordId,
    pub technician: Option<String>,
    pub opened_at: u64,
    pub closed_at: u64,
}

/// Jobs delivered at `from_ms` or later and before `to_ms`.
pub fn delivered(
    c: &Connection,
    branch: BranchId,
    from_ms: i64,
    to_ms: i64,
) -> Result<Vec<DeliveredRow>> {
    let mut stmt = c.prepare_cached(
        "SELECT j.id, u.name, j.opened_at, j.closed_at FROM jobs j LEFT JOIN users u ON u.id = j.technician
         WHERE j.branch = ?1 AND j.status = 'delivered' AND j.closed_at >= ?2 AND j.closed_at < ?3",
    )?;
    let rows = stmt.query_map(params![&branch.0[..], from_ms, to_ms], |r| {
        Ok(DeliveredRow {
            job: RecordId(to16(&r.get::<_, Vec<u8>>(0)?)),
            technician: r.get(1)?,
            opened_at: r.get(2)?,
            closed_at: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// What a job billed: its tax invoices, less the credit notes against them
/// (a credit note names the invoice, and its job is that invoice's).
pub fn billed(c: &Connection, job: RecordId) -> Result<Vec<Decimal>> {
    let mut stmt = c.prepare_cached(
        "SELECT d.doc_type, d.grand_total FROM documents d LEFT JOIN documents x ON x.id = d.against
         WHERE coalesce(d.job, x.job) = ?1 AND d.cancelled = 0",
    )?;
    let rows = stmt.query_map([&job.0[..]], |r| {
        let t = dec(r.get(1)?);
        Ok(if r.get::<_, String>(0)? == "credit_note" {
            -t
        } else {
            t
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
